/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synchronisation objects, shared by sync.c (the common object, its files
 * and operations, Event, Barrier), sem.c (Semaphore) and lock.c (Lock,
 * RLock, Condition). Each type is a struct ipcq_sync_type: its own flat
 * ioctl switch whose handlers copy and check their own argument, its poll
 * bits, stat fields, undo on file release, and creation.
 *
 * struct ipcq_sync.lock guards every mutable field of the object and of
 * its files' state (ipcq_sync_file.held). A condition's lock nests inside
 * its Lock's (SINGLE_DEPTH_NESTING); an IPCQ_WAIT_ALL wait holds the locks
 * of all its objects under ipcq_wait_all_lock (wait_acquire.c). destroyed is written under the lock
 * with WRITE_ONCE and may be read without it (READ_ONCE) as a hint.
 */
#ifndef IPCQ_SYNC_H
#define IPCQ_SYNC_H

#include <linux/mm_types.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/xarray.h>

#include "ipcq.h"

struct ipcq_sync;
struct ipcq_sync_file;

/* Creation arguments, checked by the type. */
struct ipcq_sync_attr {
	u32 type;
	u32 flags;			/* IPCQ_SYNC_BOUNDED, _UNDO, ... */
	umode_t mode;
	u64 value;
	struct ipcq_sync *lock;		/* COND: the bound lock, referenced */
};

struct ipcq_sync_type {
	const char *inode_name;
	/* Whether @flags (IPCQ_SYNC_*) and @value suit the type. */
	bool (*valid)(u32 flags, u64 value);
	/* Sets up a new object (its lock is initialised); 0 or -errno. */
	int (*init)(struct ipcq_sync *s, const struct ipcq_sync_attr *attr);
	/* The type's ioctls; -ENOTTY for any other command. */
	long (*ioctl)(struct ipcq_sync_file *f, unsigned int cmd,
		      void __user *argp, struct ipcq_call *call);
	/*
	 * Wait with acquisition (wait_acquire.c), under the lock, for the
	 * types it takes (else NULL): whether @f could acquire now (1), not
	 * yet (0) or never (-EIDRM, -ENOTRECOVERABLE, -EOVERFLOW); then,
	 * after a 1, the acquisition: 0 or -EOWNERDEAD (acquired).
	 */
	int (*acquirable)(struct ipcq_sync_file *f);
	/*
	 * A take may also fail with -EAGAIN where users take the object
	 * in shared memory (a shared lock: taken meanwhile); only such a
	 * type has untake, which undoes a take under the same hold.
	 */
	int (*take)(struct ipcq_sync_file *f);
	void (*untake)(struct ipcq_sync_file *f);
	/* Readiness, under the lock, of an object not destroyed. */
	__poll_t (*poll)(struct ipcq_sync *s);
	/* The type's fields of @st, under the lock; @f may be NULL. */
	void (*stat)(struct ipcq_sync *s, struct ipcq_sync_file *f,
		     struct ipcq_sync_stat *st);
	/* Under the lock, as the object is destroyed (optional). */
	void (*destroy)(struct ipcq_sync *s);
	/* A new file @f on the object, before it is installed (optional). */
	int (*attach)(struct ipcq_sync_file *f);
	/*
	 * @f's last descriptor is gone, or its install failed after attach:
	 * give back what it holds (optional).
	 */
	void (*release)(struct ipcq_sync_file *f);
	/* Maps shared pages (optional: ENODEV). */
	int (*mmap)(struct ipcq_sync *s, struct vm_area_struct *vma);
	/* Frees what init set up (optional). */
	void (*free)(struct ipcq_sync *s);
};

struct ipcq_sync {
	struct ipcq_object obj;
	const struct ipcq_sync_type *ops;
	u32 flags;			/* IPCQ_SYNC_BOUNDED, _UNDO, ... */

	spinlock_t lock;		/* guards everything below */
	wait_queue_head_t wq;
	struct ipcq_park_site site;	/* io_uring acquires on wq */
	u32 waiters;
	bool destroyed;
	union {
		struct {
			u64 value;		/* unless shared */
			u64 max;
			u64 *shared;		/* SHARED: the value's word */
			u32 *status;		/* SHARED: route, wake words */
			struct page *pages[2];	/* SHARED: status, value */
			u32 acquirers;		/* SHARED: in acquire */
			u32 zero_waiters;	/* in SEM_WAIT_ZERO */
			wait_queue_head_t zero_wq;	/* SEM_WAIT_ZERO */
		} sem;
		struct {
			struct pid *owner;	/* holding thread; NULL: free */
			u64 owner_file;		/* file it was acquired through */
			u64 depth;		/* RLock recursion */
			bool owner_dead;
			bool inconsistent;
			bool notrecoverable;
			/* SHARED (lock_word.c): owner and depth mapped */
			u64 *word;		/* NULL unless shared */
			u64 *word_depth;
			u32 *status;		/* route, wake words */
			struct page **pages;	/* status, words */
			u32 acquirers;		/* in acquire */
			struct xarray files;	/* owner id -> its file */
			u32 next_id;		/* xa_alloc_cyclic()'s */
		} lk;
		struct {
			bool set;
		} event;
		struct {
			struct ipcq_sync *lock;	/* bound Lock/RLock, referenced */
		} cond;
		struct {
			u64 parties;
			u64 count;		/* arrived in this generation */
			u64 gen;
			u64 broken_gen;		/* generation ended by reset */
			bool broken;
		} bar;
	};
};

/* Per-file state. */
struct ipcq_sync_file {
	struct ipcq_sync *s;
	u64 id;
	s64 held;			/* SEM with UNDO; guarded by s->lock */
	u32 owner_id;			/* shared LOCK: in the owner word */
	struct pid_namespace *pidns;	/* shared LOCK: of its opener */
};

/* What an operation's struct ipcq_sync_op may carry. */
#define IPCQ_OP_WAITS	BIT(0)		/* deadline and NONBLOCK */
#define IPCQ_OP_COUNTS	BIT(1)		/* count */

int ipcq_sync_op_from_user(struct ipcq_sync_op *op, void __user *argp,
			   unsigned int allowed);
void ipcq_sync_waiter(struct ipcq_waiter *w, struct ipcq_sync *s,
		      const struct ipcq_sync_op *op, struct ipcq_call *call);

extern const struct ipcq_sync_type ipcq_sem_type;
extern const struct ipcq_sync_type ipcq_lock_type;
extern const struct ipcq_sync_type ipcq_cond_type;
extern const struct ipcq_sync_type ipcq_event_type;
extern const struct ipcq_sync_type ipcq_barrier_type;

/* sync.c, for shared memory regions' bound locks (shm.c). */
struct ipcq_sync *ipcq_sync_new_lock(u32 flags, umode_t mode);
int ipcq_sync_install(struct ipcq_sync *s, bool cloexec);
void ipcq_sync_fill_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			 struct ipcq_sync_stat *st);

/* sync.c, for wait_acquire.c: the sync file behind @file, or NULL. */
struct ipcq_sync_file *ipcq_sync_file_of(struct file *file);

/*
 * lock_word.c: a shared lock's owner word (IPCQ_SYNC_SHARED), for lock.c.
 * Every call but the first three and the last is under s->lock.
 */
#define IPCQ_LOCK_WORD_KERNEL	(~(u64)0)	/* free, kept by the kernel */
int ipcq_lock_word_init(struct ipcq_sync *s);
void ipcq_lock_word_free(struct ipcq_sync *s);
int ipcq_lock_word_attach(struct ipcq_sync_file *f);
void ipcq_lock_word_detach(struct ipcq_sync_file *f);
void ipcq_lock_word_publish(struct ipcq_sync *s);
u64 ipcq_lock_word_token(struct ipcq_sync_file *f);
bool ipcq_lock_word_mine(struct ipcq_sync *s, u64 word);
bool ipcq_lock_word_held(struct ipcq_sync *s, u64 word);
pid_t ipcq_lock_word_holder_vnr(struct ipcq_sync *s, u64 word);
long ipcq_lock_word_share(struct ipcq_sync_file *f, void __user *argp);
int ipcq_lock_word_mmap(struct ipcq_sync *s, struct vm_area_struct *vma);

/* lock.c, for conditions (cond.c): a hold let go while waiting. */
struct ipcq_lock_hold {
	u64 depth;
	u64 file_id;			/* a plain lock's holding file */
	u64 token;			/* a shared lock's owner word */
	bool inconsistent;
};

bool ipcq_lock_mine(struct ipcq_sync *s);
struct pid *ipcq_lock_let_go(struct ipcq_sync *s, struct ipcq_lock_hold *hold);
long ipcq_lock_take_back(struct ipcq_sync *s, const struct ipcq_lock_hold *hold,
			 const struct ipcq_sync_op *op);

/* lock.c, for conditions: the lock behind @fd, referenced. */
struct ipcq_sync *ipcq_sync_lock_from_fd(unsigned int fd);
bool ipcq_sync_file_is(struct file *file);

#endif /* IPCQ_SYNC_H */
