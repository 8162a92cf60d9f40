/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcq internals shared by the files of the module.
 *
 * Files, one concept each: device.c (/dev/ipcq, its ioctls, module
 * parameters), object.c (the object base: refcount, owner, permissions,
 * per-user accounting, file types), wait.c (the one wait loop and the
 * sleeps under it), registry.c (names per IPC namespace), mapping.c (pages
 * an object shares with its users: status and data regions), queue.c (the
 * message queue core: join, shutdown, counts), queue_xfer.c (put and
 * get), queue_batch.c (batches of puts and gets), queue_msg.c (the
 * memory of kept messages, a queue's cache of freed ones), queue_file.c (queue
 * endpoint files: open, reopen, poll, stat, fdinfo), queue_notify.c
 * (mq_notify registrations: IPCQ_IOC_QUEUE_NOTIFY), queue_index.c (the
 * order of kept messages), queue_type.c (typed messages: their order and
 * index by type, selective get), set.c (IPCQ_IOC_SET:
 * changing a named object after creation), ring.c (a ring
 * queue's shared ring: the kernel's side of the slot protocol and the
 * attachment files), pipe.c (two-ended connections over queues), sync.c
 * (the sync object base, Event, Barrier), sem.c (Semaphore, plain and
 * shared), lock.c (Lock, RLock), lock_word.c (a shared lock's owner
 * word), cond.c (Condition), shm.c (shared memory regions
 * and their bound locks), listener.c (listeners: connect, accept; the
 * connections are pipes), uring.c (io_uring commands), debugfs.c
 * (/sys/kernel/debug/ipcq).
 *
 * Lock order, outermost first; a lock is taken only while holding locks
 * of earlier lines, never of later ones:
 *   1. ipcq_registry_lock (mutex, registry.c): the name hash, the list of
 *      namespaces, ipcq_object.{ns, hash_node, ns_node}. Objects are
 *      created (shared memory regions before it is taken), and LIST
 *      reads their counts, under it. Never taken under an object lock
 *      (a listener closing forgets its name with its lock dropped).
 *   2. ipcq_objects_lock (mutex, object.c): the list of all objects, for
 *      debugfs, which reads their counts under it.
 *   3. Object locks (spinlocks), never two of one kind but as said here:
 *      ipcq_queue.lock (queue.h): every mutable field of a queue, and the
 *      kernel's own operations on its ring (users work on the ring
 *      lock-free); ipcq_sync.lock (sync.h): a sync object's state; a
 *      condition's nests inside the lock of the Lock it is bound to
 *      (SINGLE_DEPTH_NESTING); an ALL wait holds several at once (line 2);
      ipcq_shm.lock (shm.c): a region's io_uring
 *      call list, always empty (a region's stat takes its bound lock's
 *      ipcq_sync.lock alone, never inside it); ipcq_listener.lock
 *      (listener.c): a listener's backlog and counts, never held with
 *      another object's lock (its connections' queues are locked only
 *      after it is dropped). Never held across user
 *      memory access, allocation or an object put; wake-ups are issued
 *      after dropping it where the code allows (io_uring parking wakes
 *      under it).
 *      Under a queue lock, queue_notify.c looks up a registration's
 *      owner under RCU; it signals it or its eventfd with none held.
 *      Under a shared lock's ipcq_sync.lock, lock_word.c looks up the
 *      file an owner id names (xa_load(), RCU) and the thread (RCU), and
 *      removes a closing file from that map (its xa_lock nests inside).
 *   4. ipcq_users_lock (spinlock, object.c): per-user object counts and
 *      shared memory bytes;
 *      ipcq_calls_lock (spinlock, uring.c): the parked io_uring calls,
 *      taken under an object lock when a call parks. Neither takes any
 *      other lock but io_uring's own.
 *      ipcq_queue.msg_cache_lock (spinlock, queue_msg.c): taking a message
 *      from a queue's cache of freed ones, before the put takes the
 *      queue lock; held with no other lock, and takes none.
 *   5. Wait queue head locks, taken by prepare_to_wait()/wake_up() under
 *      object locks; they guard an io_uring park site (uring.c). A list
 *      of sleepers (struct ipcq_waiter.sleepers) is the object lock's;
 *      its tasks are woken with no lock held.
 * mmap_lock is never taken under an ipcq lock, and the mmap and fault
 * handlers take none. Message memory is allocated and filled before an
 * object lock is taken and freed after it is dropped; a region's pages
 * before the registry lock is taken (ipcq_object_open_unlocked()).
 *
 * Lifetime: every file of an object holds a reference, and so does the
 * registry while the object has a name; mappings hold their file. The
 * module cannot unload while a file is open (fops.owner); names with no
 * file left are dropped when the module unloads.
 */
#ifndef IPCQ_INTERNAL_H
#define IPCQ_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/ipcq.h>

/* Limits, module parameters (device.c); read them with READ_ONCE(). */
extern unsigned int ipcq_max_msg_size;
extern unsigned long ipcq_max_queue_bytes;
extern unsigned int ipcq_max_objects_per_user;
extern unsigned long ipcq_max_shm_bytes_per_user;
/* How long a wait may spin before it sleeps, ns (0: never; wait.c). */
extern unsigned int ipcq_wait_spin_ns;
/* How recent the other side's last act must be for a spin, in ticks. */
#define IPCQ_SPIN_RECENT	1

/* Most bytes of a queue or of regions a parameter or a queue may allow. */
#define IPCQ_BYTES_MAX		BIT_ULL(40)

struct ipcq_ns;
struct ipcq_user;
struct ipcq_object;
struct ipcq_call;
struct io_uring_cmd;
struct page;
struct poll_table_struct;
struct seq_file;
struct vm_area_struct;

struct ipcq_object_ops {
	/* Frees the object once the last reference is gone. */
	void (*free)(struct ipcq_object *obj);
	/* Fills the type's fields of @info (value, counts, state). */
	void (*info)(struct ipcq_object *obj, struct ipcq_object_info *info);
};

/* What every object has; embedded first in each object type. */
struct ipcq_object {
	refcount_t ref;
	u32 type;			/* IPCQ_TYPE_* */
	const struct ipcq_object_ops *ops;
	struct ipcq_user *user;		/* charged for this object */
	u64 id;				/* unique for the module's life */
	kuid_t uid, cuid;		/* owner, creator */
	kgid_t gid, cgid;
	umode_t mode;			/* 0777 bits */
	u32 name_len;			/* of name, below (packs here) */
	spinlock_t *lock;		/* the type's object lock */
	struct list_head calls;		/* io_uring calls parked here (uring.c),
					 * under *lock
					 */
	struct user_namespace *user_ns;	/* of the creator's IPC namespace,
					 * for CAP_IPC_OWNER; referenced
					 */

	/* Guarded by ipcq_registry_lock. ns is NULL when not named. */
	struct ipcq_ns *ns;
	struct hlist_node hash_node;
	struct list_head ns_node;
	char *name;			/* kept after unlink, for fdinfo */

	struct list_head all_node;	/* guarded by ipcq_objects_lock */
};

/* A validated object name copied from userspace. */
struct ipcq_name {
	u32 len;
	char buf[IPCQ_NAME_MAX];
};

/*
 * The operations of an object file, for ioctl(2) (@call NULL) and for
 * io_uring (uring.c): an operation that would sleep parks @call instead.
 */
typedef long (*ipcq_dispatch_fn)(struct file *file, unsigned int cmd,
				  unsigned long arg, struct ipcq_call *call);

/*
 * A kind of object file: its file operations, whose ioctl and uring_cmd
 * entries are ipcq_file_ioctl() and ipcq_file_uring_cmd(), and the
 * dispatcher those two run. Declare one with IPCQ_FILE_TYPE().
 */
struct ipcq_file_type {
	const struct file_operations fops;
	ipcq_dispatch_fn dispatch;
	/* The @i-th object behind a file, or NULL past the last. */
	struct ipcq_object *(*object)(struct file *file, unsigned int i);
};

static inline const struct ipcq_file_type *ipcq_file_type_of(struct file *file)
{
	return container_of(file->f_op, const struct ipcq_file_type, fops);
}

long ipcq_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int ipcq_file_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);

/* A file type whose files also read(2) and write(2) (queues, pipe ends). */
#define IPCQ_FILE_TYPE_RW(_dispatch, _object, _release, _poll, _mmap,	\
			  _fdinfo, _read_iter, _write_iter) {		\
	.fops = {							\
		.owner		= THIS_MODULE,				\
		.release	= _release,				\
		.read_iter	= _read_iter,				\
		.write_iter	= _write_iter,				\
		.poll		= _poll,				\
		.mmap		= _mmap,				\
		.unlocked_ioctl	= ipcq_file_ioctl,			\
		.compat_ioctl	= compat_ptr_ioctl,			\
		.uring_cmd	= ipcq_file_uring_cmd,			\
		.show_fdinfo	= _fdinfo,				\
	},								\
	.dispatch = _dispatch,						\
	.object = _object,						\
}

#define IPCQ_FILE_TYPE(_dispatch, _object, _release, _poll, _mmap,	\
		       _fdinfo)						\
	IPCQ_FILE_TYPE_RW(_dispatch, _object, _release, _poll, _mmap,	\
			  _fdinfo, NULL, NULL)

/* object.c */
int ipcq_object_init(struct ipcq_object *obj, u32 type,
		     const struct ipcq_object_ops *ops, spinlock_t *lock,
		     umode_t mode);
void ipcq_object_publish(struct ipcq_object *obj);
void ipcq_object_get(struct ipcq_object *obj);
void ipcq_object_put(struct ipcq_object *obj);
int ipcq_object_permission(struct ipcq_object *obj, int may);
int ipcq_object_charge_bytes(struct ipcq_object *obj, u64 bytes);
void ipcq_object_uncharge_bytes(struct ipcq_object *obj, u64 bytes);
bool ipcq_object_may_unlink(struct ipcq_object *obj);
int ipcq_name_from_user(struct ipcq_name *name, u64 uptr, u32 len);
bool ipcq_open_args_valid(u32 flags, u32 known, u32 mode, u32 pad,
			  const u64 *reserved, size_t n);
void ipcq_objects_exit(void);
void ipcq_object_fill_info(struct ipcq_object *obj,
			   struct ipcq_object_info *info,
			   struct user_namespace *ns);
const char *ipcq_type_name(u32 type);
struct file *ipcq_anon_file(const char *name, const struct ipcq_file_type *type,
			    void *priv, int flags);
int ipcq_install_file(const char *name, const struct ipcq_file_type *type,
		      void *priv, int flags, bool cloexec);
void ipcq_object_show_fdinfo(struct seq_file *m, struct ipcq_object *obj);
void ipcq_objects_show(struct seq_file *m);
void ipcq_objects_show_calls(struct seq_file *m);
u64 ipcq_objects_created(void);

/* wait.c */

/*
 * How an operation waits: under @obj's lock (held by the caller of
 * ipcq_wait()), on @wq, counted in *@waiters while it sleeps, until @deadline (absolute
 * CLOCK_MONOTONIC ns). @exclusive: one wake-up wakes one waiter (units,
 * messages, room); otherwise every waiter (events, end states). An
 * io_uring @call parks at @site (the park site of @wq, exclusive waits
 * only; NULL if the operation is not offered through io_uring). @entry:
 * the caller's own wait entry (may be queued already), else one on the
 * stack. @sleepers: an exclusive wait's threads sleep on this list of
 * struct ipcq_sleeper instead of on @wq (io_uring calls and pollers stay
 * there), so that a waker can take one off under the object lock and wake
 * it after dropping every lock (ipcq_sleepers_wake_one()). @spin_watch,
 * @spin_since: a thread's wait first spins while *@spin_watch stays as
 * it is, if the other side acted at *@spin_since (jiffies) a moment ago
 * (ipcq_wait()); NULL: it does not spin.
 */
struct ipcq_waiter {
	struct ipcq_object *obj;
	struct wait_queue_head *wq;
	struct list_head *sleepers;	/* exclusive thread sleeps go here */
	u32 *waiters;
	struct ipcq_park_site *site;
	struct ipcq_call *call;
	struct wait_queue_entry *entry;
	const u64 *spin_watch;
	const unsigned long *spin_since;
	u64 deadline;
	bool exclusive;
	bool nonblock;			/* -EAGAIN instead of waiting */
	bool killable;			/* only fatal signals end a sleep */
};

/*
 * Readiness test of an operation, under the waiter's lock: true with *@ret
 * set when the operation is done (or failed: destroyed, shut down, ...),
 * false when it has to wait. It may drop and retake the lock only through
 * ipcq_relax_locked(), and then answers for what it finds.
 */
typedef bool (*ipcq_ready_fn)(void *ctx, long *ret);

/* Between two looks of ipcq_wait(): where it is (wait.c). */
struct ipcq_wait_state {
	u64 spin_end;			/* when spinning ends; 0: not yet set */
	int slept;			/* the last sleep's error, if it failed */
};

/* ipcq_wait_step()'s answer "look again": no errno, no readiness answer. */
#define IPCQ_WAIT_AGAIN		1

long ipcq_wait_step(struct ipcq_waiter *w, struct ipcq_wait_state *st);

/*
 * Runs @ready until it answers, waiting as @w says in between: spinning
 * first where it may, then sleeping (ipcq_wait_step()). Returns its
 * answer; -EAGAIN (NONBLOCK), -EIOCBQUEUED (an io_uring call parked) or
 * -ETIMEDOUT past the deadline, also before any sleep; -ERESTARTSYS on a
 * signal. Inline, so that @ready (a constant in every caller) is inlined
 * into the look: the look is the hot path of every operation, and an
 * indirect call (a retpoline, and under emulation a lookup of the
 * translated code) costs more than many a look (measured, README).
 */
static __always_inline long ipcq_wait(struct ipcq_waiter *w,
				      ipcq_ready_fn ready, void *ctx)
{
	struct ipcq_wait_state st = { };
	long ret;

	lockdep_assert_held(w->obj->lock);
	while (!ready(ctx, &ret)) {
		ret = ipcq_wait_step(w, &st);
		if (ret != IPCQ_WAIT_AGAIN)
			return ret;
	}
	return ret;
}

/* A thread asleep on a list of sleepers (struct ipcq_waiter.sleepers). */
struct ipcq_sleeper {
	struct list_head node;		/* off the list once woken */
	struct task_struct *task;
};

struct task_struct *ipcq_sleepers_take_one(spinlock_t *lock,
					   struct list_head *sleepers);
void ipcq_sleeper_wake(struct task_struct *task);
bool ipcq_sleepers_wake_one(spinlock_t *lock, struct list_head *sleepers);
void ipcq_sleepers_wake_all(spinlock_t *lock, struct list_head *sleepers);

/*
 * A wait on several wait queues at once (wait_acquire.c): entries made by
 * ipcq_multi_entry_init() on each; until @deadline, or not at all with
 * @nonblock. @woken is set by a wake-up on any of them.
 */
struct ipcq_multi_waiter {
	struct task_struct *task;
	u64 deadline;
	bool nonblock;
	bool woken;
};

void ipcq_multi_entry_init(struct ipcq_multi_waiter *mw,
			   struct wait_queue_entry *entry);
long ipcq_wait_multi(struct ipcq_multi_waiter *mw, ipcq_ready_fn ready,
		     void *ctx);
int ipcq_sleep(u64 deadline, bool killable);
int ipcq_relax_locked(spinlock_t *lock, u64 deadline);

/* registry.c */
typedef struct ipcq_object *(*ipcq_create_fn)(void *arg);
struct ipcq_object *ipcq_registry_open(u32 type, const struct ipcq_name *name,
				       u32 flags, ipcq_create_fn create,
				       void *arg, bool *created);
struct ipcq_object *ipcq_registry_find(u32 type, const struct ipcq_name *name);
struct ipcq_object *ipcq_object_open(u32 type, u64 uname, u32 name_len,
				     u32 flags, ipcq_create_fn create,
				     void *arg, bool *created);
struct ipcq_object *ipcq_object_open_unlocked(u32 type, u64 uname,
					      u32 name_len, u32 flags,
					      ipcq_create_fn create, void *arg,
					      bool *created);
int ipcq_registry_unlink(u32 type, const struct ipcq_name *name);
void ipcq_registry_collect(void);
void ipcq_registry_forget(struct ipcq_object *obj);
long ipcq_registry_list(struct ipcq_list __user *uarg);
void ipcq_registry_exit(void);

/* queue_msg.c: at load, the sizing of small messages */
void ipcq_queue_msg_init(void);

/* mapping.c: the two regions of pages an object shares with its users. */
#define IPCQ_MAP_OFF_STATUS	IPCQ_RING_OFF_STATUS	/* read-only page */
#define IPCQ_MAP_OFF_DATA	IPCQ_RING_OFF_RING	/* read-write pages */

int ipcq_map_shared(struct vm_area_struct *vma, struct page *status,
		    struct page **data, unsigned long n);
struct page **ipcq_pages_alloc(unsigned long n);
void ipcq_pages_free(struct page **pages, unsigned long n);

/* Pages users map in any part, faulted in on first touch (shm.c). */
struct ipcq_pages {
	struct page **pages;
	unsigned long n;
	atomic_t maps;			/* memory areas mapping them */
};

int ipcq_map_pages(struct vm_area_struct *vma, struct ipcq_pages *p);

/* queue.c, queue_file.c */
struct ipcq_queue;

struct ipcq_queue_attr {
	u64 capacity;			/* 0: no count limit */
	u64 max_msg_size;
	u32 ring_slots;			/* 0: no ring */
	u32 slot_size;
	umode_t mode;
	bool nohup;			/* IPCQ_OPEN_NOHUP */
};

long ipcq_queue_open(struct ipcq_queue_open __user *uarg);
struct ipcq_queue *ipcq_queue_new(const struct ipcq_queue_attr *attr);
struct ipcq_object *ipcq_queue_object(struct ipcq_queue *q);
void ipcq_queue_attach(struct ipcq_queue *q, u32 roles);
void ipcq_queue_detach(struct ipcq_queue *q, u32 roles);
/*
 * read(2) and write(2) of one message (queue files and pipe ends, @xflags
 * from ipcq_rw_xflags()).
 */
ssize_t ipcq_queue_write(struct ipcq_queue *q, struct iov_iter *from,
			 u32 xflags);
ssize_t ipcq_queue_read(struct ipcq_queue *q, struct iov_iter *to, u32 xflags);

/* Whether a read(2) or write(2) must not wait: O_NONBLOCK or RWF_NOWAIT. */
static inline u32 ipcq_rw_xflags(const struct kiocb *iocb)
{
	return (iocb->ki_filp->f_flags & O_NONBLOCK) ||
	       (iocb->ki_flags & IOCB_NOWAIT) ? IPCQ_MSG_NONBLOCK : 0;
}

long ipcq_queue_put(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call, u32 xflags);
long ipcq_queue_get(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call, u32 xflags);
long ipcq_queue_put_many(struct ipcq_queue *q, struct ipcq_batch __user *uarg,
			 struct ipcq_call *call, u32 xflags);
long ipcq_queue_get_many(struct ipcq_queue *q, struct ipcq_batch __user *uarg,
			 struct ipcq_call *call, u32 xflags);
__poll_t ipcq_queue_poll_roles(struct ipcq_queue *q, struct file *file,
			       u32 roles, struct poll_table_struct *wait);
void ipcq_queue_counts(struct ipcq_queue *q, struct ipcq_queue_stat *st);
struct ipcq_queue *ipcq_queue_consumer_of(struct file *file);

/* pipe.c */
struct pid;

/* A connection's peer: its process and effective ids at connect time. */
struct ipcq_peer {
	struct pid *pid;
	kuid_t uid;
	kgid_t gid;
};

long ipcq_pipe_create(struct ipcq_pipe_create __user *uarg);
void ipcq_peer_current(struct ipcq_peer *peer);
void ipcq_peer_put(struct ipcq_peer *peer);
int ipcq_pipe_connection(const struct ipcq_queue_attr *attr, bool oneway,
			 const struct ipcq_peer *client,
			 const struct ipcq_peer *server, struct file *files[2]);
struct ipcq_queue *ipcq_pipe_in_of(struct file *file);

/* listener.c */
long ipcq_listener_open(struct ipcq_listener_open __user *uarg);
long ipcq_listener_connect(struct ipcq_connect __user *uarg);

/* sync.c */
long ipcq_sync_open(struct ipcq_sync_open __user *uarg);

/* wait_acquire.c */
long ipcq_wait_acquire(struct ipcq_wait_acquire __user *uarg);
/* set.c */
long ipcq_ioctl_set(struct ipcq_set __user *uarg);

/* shm.c */
long ipcq_shm_open(struct ipcq_shm_open __user *uarg);

/* uring.c */

/*
 * Per exclusive wait queue that io_uring commands park on, guarded by
 * that wait queue's lock: the woken commands not yet done trying, at most
 * one per task (see uring.c: that keeps each task's commands in order).
 */
struct ipcq_park_site {
	struct list_head busy;
};

void ipcq_park_site_init(struct ipcq_park_site *site);
int ipcq_park(struct ipcq_call *call, const struct ipcq_waiter *w);
void ipcq_call_hold(struct ipcq_call *call, u32 *count);
/*
 * In a wake-up's poll key: for pollers and multi-waits only, a parked
 * call stays parked (the one in line was woken elsewhere). No poller of
 * ipcq asks for EPOLLMSG, which Linux never reports.
 */
#define IPCQ_POLL_NO_CALL	EPOLLMSG
bool ipcq_uring_offered(void);
void ipcq_uring_show_object(struct seq_file *m, struct ipcq_object *obj);

/* debugfs.c */
void ipcq_debugfs_init(void);
void ipcq_debugfs_exit(void);

#endif /* IPCQ_INTERNAL_H */
