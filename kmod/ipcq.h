/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcq internals shared by the files of the module.
 *
 * Files: device.c (/dev/ipcq, ioctl dispatch, limits), object.c (the
 * object base: refcount, owner, permissions, per-user accounting, fds,
 * sleeping with a deadline), registry.c (names per IPC namespace),
 * queue.c (message queues), pipe.c (two-ended connections over queues),
 * ring.c (the memory a ring queue shares with its users and the kernel's
 * side of the slot protocol), sync.c (semaphores, locks, events,
 * conditions, barriers), uring.c (io_uring commands), debugfs.c
 * (/sys/kernel/debug/ipcq: every object, module counters and limits).
 *
 * Lock order, outermost first; a lock is never taken while one of a later
 * line is held:
 *   1. ipcq_registry_lock (mutex, registry.c): the name hash, the list of
 *      namespaces, ipcq_object.{ns, hash_node, ns_node}.
 *   2. ipcq_queue.lock (spinlock, queue.c): every mutable field of a
 *      queue, and the kernel's own operations on its ring (users work on
 *      the ring lock-free). Never held across user memory access or
 *      allocation. mmap_lock is never taken under it; the ring's mmap
 *      handler takes no ipcq lock.
 *      ipcq_sync.lock (spinlock, sync.c): a sync object's state. A
 *      condition's lock nests inside the lock of the Lock it is bound to.
 *   3. ipcq_objects_lock (mutex, object.c): the list of all objects, for
 *      debugfs; object locks nest inside it.
 *   4. ipcq_users_lock (spinlock, object.c): per-user object counts.
 *   5. wait queue head locks, taken inside prepare_to_wait()/wake_up();
 *      an io_uring command's park site (uring.c) is guarded by its wait
 *      queue's lock.
 *   ipcq_calls_lock (spinlock, uring.c): the parked io_uring commands;
 *      nests inside an object's lock, takes only io_uring's own.
 * Wake-ups are issued after dropping the object's lock. Message memory is
 * allocated and filled before the object's lock is taken and freed after
 * it is dropped.
 *
 * Lifetime: every file of an object holds a reference, and so does the
 * registry while the object has a name. The module cannot unload while a
 * file is open (fops.owner); names with no file left are dropped when the
 * module unloads.
 */
#ifndef IPCQ_INTERNAL_H
#define IPCQ_INTERNAL_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/ipcq.h>

/* Limits, module parameters (device.c); read them with READ_ONCE(). */
extern unsigned int ipcq_max_msg_size;
extern unsigned long ipcq_max_queue_bytes;
extern unsigned int ipcq_max_objects_per_user;

struct ipcq_ns;
struct ipcq_user;
struct ipcq_object;

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

	/* Guarded by ipcq_registry_lock. ns is NULL when not named. */
	struct ipcq_ns *ns;
	struct hlist_node hash_node;
	struct list_head ns_node;
	u32 name_len;
	char *name;			/* kept after unlink, for fdinfo */

	struct list_head all_node;	/* guarded by ipcq_objects_lock */
};

/* A validated object name copied from userspace. */
struct ipcq_name {
	u32 len;
	char buf[IPCQ_NAME_MAX];
};

/* object.c */
int ipcq_object_init(struct ipcq_object *obj, u32 type,
		     const struct ipcq_object_ops *ops, umode_t mode);
void ipcq_object_publish(struct ipcq_object *obj);
void ipcq_object_get(struct ipcq_object *obj);
void ipcq_object_put(struct ipcq_object *obj);
int ipcq_object_permission(struct ipcq_object *obj, int may);
bool ipcq_object_may_unlink(struct ipcq_object *obj);
int ipcq_name_from_user(struct ipcq_name *name, u64 uptr, u32 len);
int ipcq_sleep_until(u64 deadline);
int ipcq_sleep(u64 deadline, bool killable);
int ipcq_relax_locked(spinlock_t *lock, u64 deadline);
void ipcq_objects_exit(void);
void ipcq_object_fill_info(struct ipcq_object *obj,
			   struct ipcq_object_info *info,
			   struct user_namespace *ns);
const char *ipcq_type_name(u32 type);
struct seq_file;
struct file *ipcq_anon_file(const char *name, const struct file_operations *fops,
			    void *priv, int flags);
void ipcq_object_show_fdinfo(struct seq_file *m, struct ipcq_object *obj);
void ipcq_objects_show(struct seq_file *m);
u64 ipcq_objects_created(void);

/* registry.c */
typedef struct ipcq_object *(*ipcq_create_fn)(void *arg);
struct ipcq_object *ipcq_registry_open(u32 type, const struct ipcq_name *name,
				       u32 flags, ipcq_create_fn create,
				       void *arg, bool *created);
int ipcq_registry_unlink(u32 type, const struct ipcq_name *name);
void ipcq_registry_collect(void);
void ipcq_registry_forget(struct ipcq_object *obj);
long ipcq_registry_list(struct ipcq_list __user *uarg);
void ipcq_registry_exit(void);

/* queue.c */
struct ipcq_queue;
struct poll_table_struct;

struct ipcq_queue_attr {
	u64 capacity;			/* 0: no count limit */
	u64 max_msg_size;
	u32 ring_slots;			/* 0: no ring */
	u32 slot_size;
	umode_t mode;
};

long ipcq_queue_open(struct ipcq_queue_open __user *uarg);
struct ipcq_queue *ipcq_queue_new(const struct ipcq_queue_attr *attr);
struct ipcq_object *ipcq_queue_object(struct ipcq_queue *q);
void ipcq_queue_attach(struct ipcq_queue *q, u32 roles);
void ipcq_queue_detach(struct ipcq_queue *q, u32 roles);
struct ipcq_call;
long ipcq_queue_put(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call);
long ipcq_queue_get(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call);
__poll_t ipcq_queue_poll_roles(struct ipcq_queue *q, struct file *file,
			       u32 roles, struct poll_table_struct *wait);
void ipcq_queue_counts(struct ipcq_queue *q, struct ipcq_queue_stat *st);

/* ring.c */
struct ipcq_ring;
struct vm_area_struct;

struct ipcq_ring_count {
	u64 msgs;			/* FULL slots holding a message */
	u64 bytes;			/* their payload bytes */
	u64 writing;			/* slots claimed by a put */
	u64 reading;			/* slots claimed by a get */
};

size_t ipcq_ring_bytes(u32 slots, u32 slot_size);
struct ipcq_ring *ipcq_ring_new(u32 slots, u32 slot_size);
void ipcq_ring_free(struct ipcq_ring *r);
u32 ipcq_ring_slots(const struct ipcq_ring *r);
u32 ipcq_ring_slot_size(const struct ipcq_ring *r);
void ipcq_ring_set_status(struct ipcq_ring *r, u32 route, bool get_wake,
			  bool put_wake);
bool ipcq_ring_push(struct ipcq_ring *r, const void *data, u32 len);
int ipcq_ring_first(struct ipcq_ring *r, u64 *posp, u32 *lenp);
u64 ipcq_ring_frontier(struct ipcq_ring *r);
bool ipcq_ring_before(u64 pos, u64 mark);
int ipcq_ring_take(struct ipcq_ring *r, u64 pos, void *buf, bool peek);
void ipcq_ring_count(struct ipcq_ring *r, struct ipcq_ring_count *c);
u64 ipcq_ring_drop(struct ipcq_ring *r);
bool ipcq_ring_reclaim(struct ipcq_ring *r, u32 owner);
u64 ipcq_ring_fold_gets(struct ipcq_ring *r);
int ipcq_ring_owner_new(struct ipcq_ring *r);
void ipcq_ring_owner_free(struct ipcq_ring *r, u32 owner);
void ipcq_ring_fill_info(struct ipcq_ring *r, struct ipcq_ring_info *info);
int ipcq_ring_mmap(struct ipcq_ring *r, struct vm_area_struct *vma);
struct page;
int ipcq_map_shared(struct vm_area_struct *vma, struct page *ro,
		    struct page **rw, unsigned long n);

/* pipe.c */
long ipcq_pipe_create(struct ipcq_pipe_create __user *uarg);

/* sync.c */
long ipcq_sync_open(struct ipcq_sync_open __user *uarg);

/* uring.c */
struct io_uring_cmd;
struct ipcq_call;

/*
 * The ioctl dispatcher of an object file. @call is NULL for an ioctl; for
 * an io_uring command (uring.c), an operation that would sleep parks
 * @call with ipcq_park() instead and returns its answer.
 */
typedef long (*ipcq_dispatch_fn)(struct file *file, unsigned int cmd,
				  unsigned long arg, struct ipcq_call *call);

/*
 * Per exclusive wait queue that io_uring commands park on, guarded by
 * that wait queue's lock: the woken commands not yet run, at most one per
 * task (see uring.c: that keeps each task's parked commands in order).
 */
struct ipcq_park_site {
	struct list_head busy;
};

void ipcq_park_site_init(struct ipcq_park_site *site);
int ipcq_park(struct ipcq_call *call, spinlock_t *lock,
	      struct wait_queue_head *wq, u32 *waiters,
	      struct ipcq_park_site *site, u64 deadline);
int ipcq_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags,
		   ipcq_dispatch_fn dispatch);
void ipcq_uring_exit(void);
struct seq_file;
void ipcq_uring_show(struct seq_file *m);

/* debugfs.c */
void ipcq_debugfs_init(void);
void ipcq_debugfs_exit(void);

#endif /* IPCQ_INTERNAL_H */
