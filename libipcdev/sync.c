// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Semaphore, Lock, RLock, Event, Condition and Barrier over ipcq sync
 * objects, and wait() on several objects.
 *
 * Each handle type starts with the common handle header (handle.c),
 * which also gives a child after fork() files of its own, so that
 * semaphore undo and lock owner death work per process.
 *
 * A shared semaphore (IPCDEV_SEM_SHARED) is mapped by every handle:
 * acquire and release are a compare-and-swap on its value, and a system
 * call only to sleep, or to wake someone the kernel says is waiting.
 * Locks and RLocks are created shared wherever the kernel offers it
 * (IPCQ_FEATURE_LOCK_SHARED), and work the same way on their owner word:
 * this handle's owner id and the calling thread's id while held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

/* Maps a shared semaphore's pages; any failure (not shared: ENXIO)
 * leaves the handle on the ioctls.
 */
static void sem_map(struct ipcdev__handle *h)
{
	ipcdev_sem *s = IPCDEV__OF(h, ipcdev_sem);
	struct ipcq_sem_share sh;
	void *st, *val;

	s->status_map = s->value_map = NULL;
	if (ipcdev__ioctl(h->fd, IPCQ_IOC_SEM_SHARE, &sh))
		return;
	if (sh.off_route + 4 > sh.status_size ||
	    sh.off_wake + 4 > sh.status_size ||
	    sh.off_value + 8 > sh.value_size)
		return;
	if (ipcdev__map_shared(h->fd, sh.status_offset, sh.status_size,
			       sh.value_offset, sh.value_size, &st, &val))
		return;
	s->route = (const void *)((char *)st + sh.off_route);
	s->wake = (const void *)((char *)st + sh.off_wake);
	s->value = (void *)((char *)val + sh.off_value);
	s->max = sh.max;
	atomic_init(&s->spin, 1024);
	s->status_map = st;
	s->value_map = val;
}

static void sem_unmap(struct ipcdev__handle *h)
{
	ipcdev_sem *s = IPCDEV__OF(h, ipcdev_sem);

	if (!s->status_map)
		return;
	/* One page each (ipcq(4)); unmapped before the file goes. */
	munmap(s->status_map, (size_t)sysconf(_SC_PAGESIZE));
	munmap(s->value_map, (size_t)sysconf(_SC_PAGESIZE));
	s->status_map = s->value_map = NULL;
}

/* Maps a shared lock's pages; as sem_map(), a failure leaves the ioctls. */
static void lock_map(struct ipcdev__handle *h)
{
	ipcdev_lock *l = IPCDEV__OF(h, ipcdev_lock);
	struct ipcq_lock_share sh;
	void *st, *words;

	l->status_map = l->word_map = NULL;
	if (ipcdev__ioctl(h->fd, IPCQ_IOC_LOCK_SHARE, &sh))
		return;
	if (sh.off_route + 4 > sh.status_size ||
	    sh.off_wake + 4 > sh.status_size ||
	    sh.off_owner + 8 > sh.word_size || sh.off_depth + 8 > sh.word_size)
		return;
	if (ipcdev__map_shared(h->fd, sh.status_offset, sh.status_size,
			       sh.word_offset, sh.word_size, &st, &words))
		return;
	l->route = (const void *)((char *)st + sh.off_route);
	l->wake = (const void *)((char *)st + sh.off_wake);
	l->owner = (void *)((char *)words + sh.off_owner);
	l->depth = (void *)((char *)words + sh.off_depth);
	l->owner_hi = IPCQ_LOCK_OWNER(sh.owner_id, 0);
	l->recursive = sh.flags & IPCQ_SYNC_RECURSIVE;
	atomic_init(&l->spin, 1024);
	l->status_map = st;
	l->word_map = words;
}

static void lock_unmap(struct ipcdev__handle *h)
{
	ipcdev_lock *l = IPCDEV__OF(h, ipcdev_lock);

	if (!l->status_map)
		return;
	munmap(l->status_map, (size_t)sysconf(_SC_PAGESIZE));
	munmap(l->word_map, (size_t)sysconf(_SC_PAGESIZE));
	l->status_map = l->word_map = NULL;
}

#define SYNC_KIND(t, handle_type)				\
	{							\
		.type = (t),					\
		.size = sizeof(handle_type),			\
		.feature = IPCQ_FEATURE_SYNC,			\
		.open_cmd = IPCQ_IOC_SYNC_OPEN,			\
		.reopen_cmd = IPCQ_IOC_SYNC_REOPEN,		\
	}

static const struct ipcdev__kind sem_kind = {
	.type = IPCQ_TYPE_SEM,
	.size = sizeof(ipcdev_sem),
	.feature = IPCQ_FEATURE_SYNC,
	.open_cmd = IPCQ_IOC_SYNC_OPEN,
	.reopen_cmd = IPCQ_IOC_SYNC_REOPEN,
	.map = sem_map,
	.unmap = sem_unmap,
};
static const struct ipcdev__kind lock_kind = {
	.type = IPCQ_TYPE_LOCK,
	.size = sizeof(ipcdev_lock),
	.feature = IPCQ_FEATURE_SYNC,
	.open_cmd = IPCQ_IOC_SYNC_OPEN,
	.reopen_cmd = IPCQ_IOC_SYNC_REOPEN,
	.map = lock_map,
	.unmap = lock_unmap,
};
static const struct ipcdev__kind event_kind = SYNC_KIND(IPCQ_TYPE_EVENT,
							ipcdev_event);
static const struct ipcdev__kind cond_kind = SYNC_KIND(IPCQ_TYPE_COND,
						       ipcdev_cond);
static const struct ipcdev__kind barrier_kind =
	SYNC_KIND(IPCQ_TYPE_BARRIER, ipcdev_barrier);

/*
 * Opens a sync object of @kind: @flags are the library's (ipcdev.h),
 * @kflags kernel bits added to them; named when @name is not NULL, in
 * which case the library's flags must be CREATE, EXCL or @extra.
 */
static int sync_open(struct ipcdev__handle **out,
		     const struct ipcdev__kind *kind, const char *name,
		     unsigned int flags, unsigned int extra, uint32_t kflags,
		     unsigned int mode, uint64_t value, int lock_fd)
{
	struct ipcq_sync_open arg;

	if (!out || (name && (flags & ~(IPCDEV_CREATE | IPCDEV_EXCL | extra))))
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.type = kind->type;
	arg.flags = ipcdev__kernel_flags(flags) | kflags | IPCQ_OPEN_CLOEXEC;
	arg.mode = mode;
	arg.value = value;
	arg.lock_fd = (uint32_t)lock_fd;
	return ipcdev__open(kind, name, &arg.name, &arg.name_len, &arg, 0, out);
}

/* Sets *@out to the typed handle around *@h when @ret is 0. */
#define SYNC_OUT(out, ret, h, type)			\
	({						\
		if (!(ret))				\
			*(out) = IPCDEV__OF(h, type);	\
		(ret);					\
	})

/* One operation; waits restart after signals with the same deadline. */
/*
 * Out of line: the paths in memory end in a tail call of it, and inlined
 * it would give them a stack frame.
 */
static __attribute__((noinline)) int sync_op(struct ipcdev__handle *h,
					     unsigned long cmd, uint64_t count,
					     int waits, int64_t timeout_ns)
{
	struct ipcq_sync_op op;
	int fd = ipcdev__fd(h);

	if (fd < 0)
		return fd;
	memset(&op, 0, sizeof(op));
	op.count = count;
	if (waits) {
		if (timeout_ns == IPCDEV_NOWAIT)
			op.flags = IPCQ_SYNC_NONBLOCK;
		op.deadline = ipcdev__deadline(timeout_ns);
	}
	return ipcdev__ioctl_restart(fd, cmd, &op);
}

static int sync_stat(struct ipcdev__handle *h, struct ipcq_sync_stat *st)
{
	int fd = ipcdev__fd(h);

	if (fd < 0)
		return fd;
	if (!st)
		return -EINVAL;
	return ipcdev__ioctl(fd, IPCQ_IOC_SYNC_STAT, st);
}

/*
 * What every sync type has alike: destroy, unlink, close and fd, each
 * written once in the functions above and defined here per type.
 */
#define SYNC_COMMON(prefix, handle_type, ipcq_type)			\
int prefix##_destroy(handle_type *x)					\
{									\
	return sync_op(IPCDEV__H(x), IPCQ_IOC_SYNC_DESTROY, 0, 0, 0);	\
}									\
int prefix##_unlink(const char *name)					\
{									\
	return ipcdev__unlink(name, ipcq_type);				\
}									\
int prefix##_close(handle_type *x)					\
{									\
	return ipcdev__close(IPCDEV__H(x));				\
}									\
int prefix##_fd(const handle_type *x)					\
{									\
	return ipcdev__handle_fd(IPCDEV__H(x));				\
}

/* _stat(), for the types that have one. */
#define SYNC_STAT(prefix, handle_type)					\
int prefix##_stat(handle_type *x, struct ipcq_sync_stat *st)		\
{									\
	return sync_stat(IPCDEV__H(x), st);				\
}

/*
 * _create() and _open() of the types created with no value: @kflags are
 * the kernel flags that make the kind (an RLock is a recursive Lock).
 */
#define SYNC_CREATE_OPEN(prefix, handle_type, kind, kflags)		\
int prefix##_create(handle_type **x)					\
{									\
	struct ipcdev__handle *h;					\
	int ret = sync_open(&h, kind, NULL, 0, 0, kflags, 0600, 0, 0);	\
									\
	return SYNC_OUT(x, ret, h, handle_type);			\
}									\
int prefix##_open(handle_type **x, const char *name,			\
		  unsigned int flags, unsigned int mode)		\
{									\
	struct ipcdev__handle *h;					\
	int ret = -EINVAL;						\
									\
	if (name)							\
		ret = sync_open(&h, kind, name, flags, 0, kflags, mode,	\
				0, 0);					\
	return SYNC_OUT(x, ret, h, handle_type);			\
}

SYNC_COMMON(ipcdev_sem, ipcdev_sem, IPCQ_TYPE_SEM)
SYNC_COMMON(ipcdev_lock, ipcdev_lock, IPCQ_TYPE_LOCK)
SYNC_COMMON(ipcdev_event, ipcdev_event, IPCQ_TYPE_EVENT)
SYNC_COMMON(ipcdev_cond, ipcdev_cond, IPCQ_TYPE_COND)
SYNC_COMMON(ipcdev_barrier, ipcdev_barrier, IPCQ_TYPE_BARRIER)
SYNC_STAT(ipcdev_sem, ipcdev_sem)
SYNC_STAT(ipcdev_lock, ipcdev_lock)
SYNC_STAT(ipcdev_event, ipcdev_event)
static bool locks_plain;

void ipcdev__locks_plain(bool plain)
{
	locks_plain = plain;
}

/* The kernel flags of a new lock: @kind, shared where it may be. */
static uint32_t lock_kflags(uint32_t kind)
{
	if (!locks_plain && ipcdev_has_feature(IPCQ_FEATURE_LOCK_SHARED) > 0)
		kind |= IPCQ_SYNC_SHARED;
	return kind;
}

SYNC_CREATE_OPEN(ipcdev_lock, ipcdev_lock, &lock_kind, lock_kflags(0))
SYNC_CREATE_OPEN(ipcdev_rlock, ipcdev_rlock, &lock_kind,
		 lock_kflags(IPCQ_SYNC_RECURSIVE))
SYNC_CREATE_OPEN(ipcdev_event, ipcdev_event, &event_kind, 0)

/*
 * A handle for a sync object fd received from elsewhere (SCM_RIGHTS, an
 * inherited descriptor): checked to be of @kind (and, for locks, of the
 * recursion asked: -EINVAL otherwise, -ENOTTY if not a sync object; @fd
 * is then left alone), then given a file of its own on the object at the
 * same descriptor number, as fork's re-own does: the receiver holds locks,
 * units and undo by itself, and its death is its own. The file received
 * is closed (its units and locks are given back as for any close).
 */
static int sync_from_fd(struct ipcdev__handle **out,
			const struct ipcdev__kind *kind, int fd, int recursive)
{
	struct ipcq_sync_stat st;
	int ret;

	if (fd < 0 || !out)
		return -EINVAL;
	ret = ipcdev__ioctl(fd, IPCQ_IOC_SYNC_STAT, &st);
	if (ret)
		return ret;
	if (st.type != kind->type ||
	    (recursive >= 0 && !!(st.flags & IPCQ_SYNC_RECURSIVE) != recursive))
		return -EINVAL;
	ret = ipcdev__reopen_at(fd, IPCQ_IOC_SYNC_REOPEN, 0);
	if (ret)
		return ret;
	return ipcdev__adopt(kind, fd, 0, out);
}

#define SYNC_FROM_FD(prefix, handle_type, kind, recursive)		\
int prefix##_from_fd(handle_type **x, int fd)				\
{									\
	struct ipcdev__handle *h;					\
	int ret = x ? sync_from_fd(&h, kind, fd, recursive) : -EINVAL;	\
									\
	return SYNC_OUT(x, ret, h, handle_type);			\
}

SYNC_FROM_FD(ipcdev_sem, ipcdev_sem, &sem_kind, -1)
SYNC_FROM_FD(ipcdev_lock, ipcdev_lock, &lock_kind, 0)
SYNC_FROM_FD(ipcdev_rlock, ipcdev_rlock, &lock_kind, 1)
SYNC_FROM_FD(ipcdev_event, ipcdev_event, &event_kind, -1)
SYNC_FROM_FD(ipcdev_cond, ipcdev_cond, &cond_kind, -1)
SYNC_FROM_FD(ipcdev_barrier, ipcdev_barrier, &barrier_kind, -1)

int ipcdev__lock_adopt(ipcdev_lock **l, int fd)
{
	struct ipcdev__handle *h;
	int ret = ipcdev__adopt(&lock_kind, fd, 0, &h);

	return SYNC_OUT(l, ret, h, ipcdev_lock);
}

/* Semaphore and BoundedSemaphore. */

static const unsigned int sem_flags = IPCDEV_SEM_BOUNDED | IPCDEV_SEM_UNDO |
				      IPCDEV_SEM_SHARED;

int ipcdev_sem_create(ipcdev_sem **s, uint64_t value, unsigned int flags)
{
	struct ipcdev__handle *h;
	int ret = -EINVAL;

	if (!(flags & ~sem_flags))
		ret = sync_open(&h, &sem_kind, NULL, flags, 0, 0, 0600, value,
				0);
	return SYNC_OUT(s, ret, h, ipcdev_sem);
}

int ipcdev_sem_open(ipcdev_sem **s, const char *name, unsigned int flags,
		    unsigned int mode, uint64_t value)
{
	struct ipcdev__handle *h;
	int ret = -EINVAL;

	if (name)
		ret = sync_open(&h, &sem_kind, name, flags, sem_flags, 0, mode,
				value, 0);
	return SYNC_OUT(s, ret, h, ipcdev_sem);
}

/* A unit from a shared value: 0 taken, -EAGAIN none, 1 ask the kernel. */
static inline int sem_take(void *arg)
{
	ipcdev_sem *s = arg;
	uint64_t v;

	if (atomic_load_explicit(s->route, memory_order_acquire))
		return 1;
	v = atomic_load_explicit(s->value, memory_order_relaxed);
	while (v > 0 && v <= s->max)
		if (atomic_compare_exchange_weak_explicit(s->value, &v, v - 1,
							  memory_order_acquire,
							  memory_order_relaxed))
			return 0;
	/* None, or above max (scribbled): the kernel judges. */
	return v ? 1 : -EAGAIN;
}

/*
 * What follows a first try in memory that did not take a unit (@first:
 * its answer; 1 when there was none, the handle not yet re-owned after a
 * fork or not shared): spinning, then the kernel. Out of line, as
 * sem_wake() and sync_op() are, so that the paths in memory need no
 * stack frame.
 */
static __attribute__((noinline)) int sem_acquire_rest(ipcdev_sem *s,
						      int64_t timeout_ns,
						      int first)
{
	if (first == -EAGAIN &&
	    !ipcdev__spin(&s->spin, timeout_ns != IPCDEV_NOWAIT, sem_take, s))
		return 0;
	return sync_op(&s->h, IPCQ_IOC_SEM_ACQUIRE, 0, 1, timeout_ns);
}

int ipcdev_sem_acquire(ipcdev_sem *s, int64_t timeout_ns)
{
	int ret = 1;

	if (!s)
		return -EINVAL;
	/* A re-own may replace the mapping: sync_op() makes it. */
	if (ipcdev__owned(&s->h) && s->status_map) {
		ret = sem_take(s);
		if (!ret)
			return 0;
	}
	return sem_acquire_rest(s, timeout_ns, ret);
}

/* The waiters' wake-up after a release in memory; returns 0. */
static __attribute__((noinline)) int sem_wake(ipcdev_sem *s, uint64_t n)
{
	struct ipcq_sync_op op;

	memset(&op, 0, sizeof(op));
	op.count = n;
	ipcdev__ioctl(s->h.fd, IPCQ_IOC_SEM_WAKE, &op);
	return 0;
}

/*
 * Adds @n to a shared value: 0 done, 1 ask the kernel (it says why), 2
 * done and a waiter is to be woken.
 */
static inline int sem_give(ipcdev_sem *s, uint64_t n)
{
	uint64_t v;

	if (!n || atomic_load_explicit(s->route, memory_order_acquire))
		return 1;
	v = atomic_load_explicit(s->value, memory_order_relaxed);
	do {
		if (v > s->max || n > s->max - v)
			return 1;
	} while (!atomic_compare_exchange_weak_explicit(s->value, &v, v + n,
							memory_order_seq_cst,
							memory_order_relaxed));
	/*
	 * The add and this look are both sequentially consistent, which
	 * pairs with the kernel's barrier between the wake word and its
	 * look at the value (a locked cmpxchg and a plain load on x86:
	 * no fence of its own).
	 */
	return atomic_load_explicit(s->wake, memory_order_seq_cst) ? 2 : 0;
}

int ipcdev_sem_release(ipcdev_sem *s, uint64_t n)
{
	int ret = 1;

	if (!s)
		return -EINVAL;
	if (ipcdev__owned(&s->h) && s->status_map)
		ret = sem_give(s, n);
	if (!ret)
		return 0;
	return ret == 2 ? sem_wake(s, n) :
			  sync_op(&s->h, IPCQ_IOC_SEM_RELEASE, n, 0, 0);
}

/* The ioctls below are not offered on shared semaphores: no fast path. */
int ipcdev_sem_acquire_n(ipcdev_sem *s, uint64_t n, int64_t timeout_ns)
{
	if (!s || !n)
		return -EINVAL;
	return sync_op(&s->h, IPCQ_IOC_SEM_ACQUIRE_N, n, 1, timeout_ns);
}

int ipcdev_sem_wait_zero(ipcdev_sem *s, int64_t timeout_ns)
{
	return sync_op(IPCDEV__H(s), IPCQ_IOC_SEM_WAIT_ZERO, 0, 1, timeout_ns);
}

int ipcdev_sem_set_value(ipcdev_sem *s, uint64_t value)
{
	return sync_op(IPCDEV__H(s), IPCQ_IOC_SEM_SET_VALUE, value, 0, 0);
}

int64_t ipcdev_sem_get_value(ipcdev_sem *s)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(IPCDEV__H(s), &st);

	return ret ? ret : (int64_t)st.value;
}

/* Lock and RLock (the same handle type). */

/*
 * The calling thread's id, for owner words: asked of the kernel once per
 * thread and process (a fork's child has ids of its own, and a new
 * generation, handle.c).
 */
static __thread uint32_t tid_cached;
static __thread unsigned long tid_gen;

static uint32_t my_tid(void)
{
	unsigned long gen = atomic_load_explicit(&ipcdev__generation,
						 memory_order_relaxed);

	if (!tid_cached || tid_gen != gen) {
		tid_cached = (uint32_t)syscall(SYS_gettid);
		tid_gen = gen;
	}
	return tid_cached;
}

/* Whether my_tid() would answer without asking (the paths in memory). */
static inline bool my_tid_known(void)
{
	return tid_cached &&
	       tid_gen == atomic_load_explicit(&ipcdev__generation,
					       memory_order_relaxed);
}

/*
 * A shared lock in memory for the owner value @mine: 0 taken, -EAGAIN
 * held, 1 ask the kernel.
 */
static inline int lock_take_as(ipcdev_lock *l, uint64_t mine)
{
	uint64_t cur = 0, depth;

	if (atomic_load_explicit(l->route, memory_order_acquire))
		return 1;
	if (atomic_compare_exchange_strong_explicit(l->owner, &cur, mine,
						    memory_order_acquire,
						    memory_order_relaxed)) {
		if (l->recursive)
			atomic_store_explicit(l->depth, 1,
					      memory_order_relaxed);
		return 0;
	}
	if (cur != mine || !l->recursive)
		return -EAGAIN;
	/* Ours already: one level deeper (a scribbled depth: the kernel). */
	depth = atomic_load_explicit(l->depth, memory_order_relaxed);
	if (!depth || depth == UINT64_MAX)
		return 1;
	atomic_store_explicit(l->depth, depth + 1, memory_order_relaxed);
	return 0;
}

static int lock_take(void *arg)
{
	ipcdev_lock *l = arg;

	return lock_take_as(l, l->owner_hi | my_tid());
}

/*
 * Release in memory: 0 done, 1 ask the kernel (it says why), 2 done and
 * a waiter is to be woken.
 */
static inline int lock_give(ipcdev_lock *l)
{
	uint64_t cur, depth;

	if (atomic_load_explicit(l->route, memory_order_acquire))
		return 1;
	cur = atomic_load_explicit(l->owner, memory_order_relaxed);
	if (l->recursive) {
		/*
		 * Held through another handle, or not ours (a thread that
		 * took it in memory knows its id): the kernel.
		 */
		if (!my_tid_known() || cur != (l->owner_hi | tid_cached))
			return 1;
		depth = atomic_load_explicit(l->depth, memory_order_relaxed);
		if (depth > 1) {
			atomic_store_explicit(l->depth, depth - 1,
					      memory_order_relaxed);
			return 0;
		}
		atomic_store_explicit(l->depth, 0, memory_order_relaxed);
	} else if (!cur) {
		return 1;	/* not held: EPERM */
	}
	if (!atomic_compare_exchange_strong_explicit(l->owner, &cur, 0,
						     memory_order_seq_cst,
						     memory_order_relaxed))
		return 1;
	/* As in sem_give(): pairs with the kernel's barrier. */
	return atomic_load_explicit(l->wake, memory_order_seq_cst) ? 2 : 0;
}

/*
 * As sem_acquire_rest(), for locks; @first 2: not tried, this thread's id
 * not yet known.
 */
static __attribute__((noinline)) int lock_acquire_rest(ipcdev_lock *l,
						       int64_t timeout_ns,
						       int first)
{
	if (first == 2) {
		first = lock_take(l);
		if (!first)
			return 0;
	}
	if (first == -EAGAIN &&
	    !ipcdev__spin(&l->spin, timeout_ns != IPCDEV_NOWAIT, lock_take, l))
		return 0;
	return sync_op(&l->h, IPCQ_IOC_LOCK_ACQUIRE, 0, 1, timeout_ns);
}

int ipcdev_lock_acquire(ipcdev_lock *l, int64_t timeout_ns)
{
	int ret = 1;

	if (!l)
		return -EINVAL;
	/*
	 * A re-own may replace the mapping and the owner id: sync_op()
	 * makes it.
	 */
	if (ipcdev__owned(&l->h) && l->status_map) {
		if (!my_tid_known())
			return lock_acquire_rest(l, timeout_ns, 2);
		ret = lock_take_as(l, l->owner_hi | tid_cached);
		if (!ret)
			return 0;
	}
	return lock_acquire_rest(l, timeout_ns, ret);
}

/* The waiters' wake-up after a release in memory; returns 0. */
static __attribute__((noinline)) int lock_wake(ipcdev_lock *l)
{
	struct ipcq_sync_op op;

	memset(&op, 0, sizeof(op));
	ipcdev__ioctl(l->h.fd, IPCQ_IOC_LOCK_WAKE, &op);
	return 0;
}

int ipcdev_lock_release(ipcdev_lock *l)
{
	int ret = 1;

	if (!l)
		return -EINVAL;
	if (ipcdev__owned(&l->h) && l->status_map)
		ret = lock_give(l);
	if (!ret)
		return 0;
	return ret == 2 ? lock_wake(l) :
			  sync_op(&l->h, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0);
}

int ipcdev_rlock_acquire(ipcdev_rlock *l, int64_t timeout_ns)
{
	return ipcdev_lock_acquire(l, timeout_ns);
}

int ipcdev_rlock_release(ipcdev_rlock *l)
{
	return ipcdev_lock_release(l);
}

int ipcdev_lock_consistent(ipcdev_lock *l)
{
	return sync_op(IPCDEV__H(l), IPCQ_IOC_LOCK_CONSISTENT, 0, 0, 0);
}

/* Event. */

int ipcdev_event_create_auto(ipcdev_event **e)
{
	struct ipcdev__handle *h;
	int ret = ipcdev__require(IPCQ_FEATURE_WAIT_ACQUIRE);

	if (!ret)
		ret = sync_open(&h, &event_kind, NULL, 0, 0,
				IPCQ_SYNC_AUTO_RESET, 0600, 0, 0);
	return SYNC_OUT(e, ret, h, ipcdev_event);
}

int ipcdev_event_open_auto(ipcdev_event **e, const char *name,
			   unsigned int flags, unsigned int mode)
{
	struct ipcdev__handle *h;
	int ret = name ? ipcdev__require(IPCQ_FEATURE_WAIT_ACQUIRE) : -EINVAL;

	if (!ret)
		ret = sync_open(&h, &event_kind, name, flags, 0,
				IPCQ_SYNC_AUTO_RESET, mode, 0, 0);
	return SYNC_OUT(e, ret, h, ipcdev_event);
}

int ipcdev_event_set(ipcdev_event *e)
{
	return sync_op(IPCDEV__H(e), IPCQ_IOC_EVENT_SET, 0, 0, 0);
}

int ipcdev_event_clear(ipcdev_event *e)
{
	return sync_op(IPCDEV__H(e), IPCQ_IOC_EVENT_CLEAR, 0, 0, 0);
}

int ipcdev_event_is_set(ipcdev_event *e)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(IPCDEV__H(e), &st);

	return ret ? ret : !!(st.state & IPCQ_SYNC_SET);
}

int ipcdev_event_wait(ipcdev_event *e, int64_t timeout_ns)
{
	return sync_op(IPCDEV__H(e), IPCQ_IOC_EVENT_WAIT, 0, 1, timeout_ns);
}

/* Condition. */

int ipcdev_cond_create(ipcdev_cond **c, ipcdev_lock *lock)
{
	struct ipcdev__handle *h;
	int ret = -EINVAL;

	if (lock)
		ret = sync_open(&h, &cond_kind, NULL, 0, 0, 0, 0600, 0,
				lock->h.fd);
	return SYNC_OUT(c, ret, h, ipcdev_cond);
}

int ipcdev_cond_open(ipcdev_cond **c, const char *name, unsigned int flags,
		     unsigned int mode, ipcdev_lock *lock)
{
	struct ipcdev__handle *h;
	int ret = -EINVAL;

	if (name && (lock || !(flags & IPCDEV_CREATE)))
		ret = sync_open(&h, &cond_kind, name, flags, 0, 0, mode, 0,
				(flags & IPCDEV_CREATE) ? lock->h.fd : 0);
	return SYNC_OUT(c, ret, h, ipcdev_cond);
}

int ipcdev_cond_wait(ipcdev_cond *c, int64_t timeout_ns)
{
	/* The lock is held again after EINTR, so restarting is right. */
	return sync_op(IPCDEV__H(c), IPCQ_IOC_COND_WAIT, 0, 1,
		       timeout_ns == IPCDEV_NOWAIT ? 1 : timeout_ns);
}

int ipcdev_cond_wait_for(ipcdev_cond *c, int (*predicate)(void *arg),
			 void *arg, int64_t timeout_ns)
{
	uint64_t deadline = ipcdev__deadline(timeout_ns);
	int64_t left;
	int ret;

	if (!c || !predicate)
		return -EINVAL;
	for (;;) {
		if (predicate(arg))
			return 1;
		if (deadline == IPCQ_DEADLINE_FOREVER) {
			left = IPCDEV_FOREVER;
		} else {
			uint64_t now = ipcdev__now_ns();

			if (now >= deadline)
				return 0;
			left = (int64_t)(deadline - now);
		}
		ret = ipcdev_cond_wait(c, left);
		if (ret == -ETIMEDOUT)
			return predicate(arg) ? 1 : 0;
		if (ret)
			return ret;
	}
}

int ipcdev_cond_notify(ipcdev_cond *c, unsigned int n)
{
	if (!n)
		return 0;
	return sync_op(IPCDEV__H(c), IPCQ_IOC_COND_NOTIFY, n, 0, 0);
}

int ipcdev_cond_notify_all(ipcdev_cond *c)
{
	return sync_op(IPCDEV__H(c), IPCQ_IOC_COND_NOTIFY, 0, 0, 0);
}

/* Barrier. */

int ipcdev_barrier_create(ipcdev_barrier **b, unsigned int parties)
{
	struct ipcdev__handle *h;
	int ret = sync_open(&h, &barrier_kind, NULL, 0, 0, 0, 0600, parties,
			    0);

	return SYNC_OUT(b, ret, h, ipcdev_barrier);
}

int ipcdev_barrier_open(ipcdev_barrier **b, const char *name,
			unsigned int flags, unsigned int mode,
			unsigned int parties)
{
	struct ipcdev__handle *h;
	int ret = -EINVAL;

	if (name)
		ret = sync_open(&h, &barrier_kind, name, flags, 0, 0, mode,
				(flags & IPCDEV_CREATE) ? parties : 0, 0);
	return SYNC_OUT(b, ret, h, ipcdev_barrier);
}

int ipcdev_barrier_wait(ipcdev_barrier *b, int64_t timeout_ns)
{
	/* No non-blocking barrier wait: a zero timeout is "at once". */
	return sync_op(IPCDEV__H(b), IPCQ_IOC_BARRIER_WAIT, 0, 1,
		       timeout_ns == IPCDEV_NOWAIT ? 1 : timeout_ns);
}

int ipcdev_barrier_abort(ipcdev_barrier *b)
{
	return sync_op(IPCDEV__H(b), IPCQ_IOC_BARRIER_ABORT, 0, 0, 0);
}

int ipcdev_barrier_reset(ipcdev_barrier *b)
{
	return sync_op(IPCDEV__H(b), IPCQ_IOC_BARRIER_RESET, 0, 0, 0);
}

int64_t ipcdev__barrier_parties_v03(ipcdev_barrier *b)
	IPCDEV__DEFAULT(ipcdev_barrier_parties, "IPCDEV_0.3");
int64_t ipcdev__barrier_parties_v03(ipcdev_barrier *b)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(IPCDEV__H(b), &st);

	return ret ? ret : (int64_t)st.value;
}

/* 0.1 and 0.2 returned an int: a count above INT_MAX did not fit. */
int ipcdev__barrier_parties_v01(ipcdev_barrier *b)
	IPCDEV__COMPAT(ipcdev_barrier_parties, "IPCDEV_0.1");
int ipcdev__barrier_parties_v01(ipcdev_barrier *b)
{
	int64_t n = ipcdev__barrier_parties_v03(b);

	return n > INT_MAX ? -EOVERFLOW : (int)n;
}

int ipcdev_barrier_n_waiting(ipcdev_barrier *b)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(IPCDEV__H(b), &st);

	/* At most parties - 1 sleepers, each a thread: fits an int. */
	return ret ? ret : (int)st.waiters;
}

int ipcdev_barrier_broken(ipcdev_barrier *b)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(IPCDEV__H(b), &st);

	return ret ? ret : !!(st.state & IPCQ_SYNC_BROKEN);
}

/* wait() on several objects. */

/* Polls the fds whose @mask entry is set, until @deadline. */
static int poll_once(struct pollfd *pfd, const int *fds, unsigned int n,
		     const unsigned char *mask, uint64_t deadline)
{
	unsigned int i, m = 0;

	for (i = 0; i < n; i++) {
		if (!mask[i])
			continue;
		pfd[m].fd = fds[i];
		pfd[m].events = POLLIN;
		pfd[m].revents = 0;
		m++;
	}
	return ipcdev__ppoll(pfd, m, deadline);
}

int ipcdev_wait(const int *fds, int *ready, unsigned int n,
		unsigned int flags, int64_t timeout_ns)
{
	const short ok = POLLIN | POLLHUP | POLLERR;
	uint64_t deadline = ipcdev__deadline(timeout_ns);
	unsigned char *mask;
	struct pollfd *pfd;
	unsigned int i, count;
	int ret;

	if (!fds || !ready || !n || (flags & ~IPCDEV_WAIT_ALL))
		return -EINVAL;
	pfd = calloc(n, sizeof(*pfd));
	mask = malloc(n);
	if (!pfd || !mask) {
		free(pfd);
		free(mask);
		return -ENOMEM;
	}
	for (;;) {
		/* Where everything stands now. */
		memset(mask, 1, n);
		ret = poll_once(pfd, fds, n, mask, 0);
		if (ret < 0)
			break;
		count = 0;
		for (i = 0; i < n; i++) {
			if (pfd[i].revents & POLLNVAL) {
				ret = -EBADF;
				goto out;
			}
			ready[i] = !!(pfd[i].revents & ok);
			count += ready[i];
		}
		if (flags & IPCDEV_WAIT_ALL ? count == n : count > 0) {
			ret = (int)count;
			break;
		}
		if (timeout_ns == IPCDEV_NOWAIT ||
		    (deadline != IPCQ_DEADLINE_FOREVER &&
		     ipcdev__now_ns() >= deadline)) {
			ret = 0;
			break;
		}
		/*
		 * Sleep until one not ready now changes (or the deadline),
		 * then look at all again: the next pass decides.
		 */
		for (i = 0; i < n; i++)
			mask[i] = !ready[i];
		ret = poll_once(pfd, fds, n, mask, deadline);
		if (ret < 0)
			break;
	}
out:
	if (ret <= 0)
		for (i = 0; i < n && ret < 0; i++)
			ready[i] = 0;
	free(pfd);
	free(mask);
	return ret;
}

/* Waiting with acquisition. */

/* Both calls: @kmsgs NULL, or the queues' get descriptors, in and out. */
static int wait_acquire(unsigned int *index, void *const *handles,
			struct ipcq_msg *kmsgs, unsigned int n,
			unsigned int flags, ipcdev_event *alert,
			int64_t timeout_ns)
{
	uint32_t fds[IPCQ_WAIT_ACQUIRE_MAX];
	struct ipcq_wait_acquire arg;
	unsigned int i;
	int dev, fd, ret;

	memset(&arg, 0, sizeof(arg));
	/* Each handle's own file (re-owned after fork): it acquires. */
	for (i = 0; i < n; i++) {
		fd = ipcdev__fd(handles[i]);
		if (fd < 0)
			return fd;
		fds[i] = (uint32_t)fd;
	}
	if (alert) {
		fd = ipcdev__fd(&alert->h);
		if (fd < 0)
			return fd;
		arg.alert_fd = (uint32_t)fd;
		arg.flags |= IPCQ_WAIT_ALERT;
	}
	dev = ipcdev_device_fd();
	if (dev < 0)
		return dev;
	arg.fds = (uint64_t)(uintptr_t)fds;
	arg.msgs = (uint64_t)(uintptr_t)kmsgs;
	arg.count = n;
	arg.mode = flags & IPCDEV_WAIT_ALL ? IPCQ_WAIT_ALL : IPCQ_WAIT_ANY;
	if (timeout_ns == IPCDEV_NOWAIT)
		arg.flags |= IPCQ_WAIT_NONBLOCK;
	arg.deadline = ipcdev__deadline(timeout_ns);
	ret = ipcdev__ioctl_restart(dev, IPCQ_IOC_WAIT_ACQUIRE, &arg);
	if (ret >= 0) {
		*index = (unsigned int)ret;
		return 0;
	}
	*index = arg.index;
	return ret;
}

int ipcdev_wait_acquire(unsigned int *index, void *const *handles,
			unsigned int n, unsigned int flags,
			ipcdev_event *alert, int64_t timeout_ns)
{
	int ret;

	if (!index || !handles || !n || n > IPCQ_WAIT_ACQUIRE_MAX ||
	    (flags & ~IPCDEV_WAIT_ALL))
		return -EINVAL;
	ret = ipcdev__require(IPCQ_FEATURE_WAIT_ACQUIRE);
	if (ret)
		return ret;
	return wait_acquire(index, handles, NULL, n, flags, alert, timeout_ns);
}

int ipcdev_wait_acquire_msg(unsigned int *index, void *const *handles,
			    struct ipcdev_wait_msg *msgs, unsigned int n,
			    ipcdev_event *alert, int64_t timeout_ns)
{
	const unsigned int known = IPCDEV_TYPE_EQ | IPCDEV_TYPE_LE |
				   IPCDEV_TYPE_NE | IPCDEV_TRUNCATE;
	struct ipcq_msg kmsgs[IPCQ_WAIT_ACQUIRE_MAX];
	struct ipcdev_wait_msg *m;
	unsigned int i;
	int ret;

	if (!index || !handles || !msgs || !n || n > IPCQ_WAIT_ACQUIRE_MAX)
		return -EINVAL;
	ret = ipcdev__require(IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE);
	if (ret)
		return ret;
	memset(kmsgs, 0, n * sizeof(kmsgs[0]));
	for (i = 0; i < n; i++) {
		if (msgs[i].flags & ~known)
			return -EINVAL;
		kmsgs[i].buf = (uint64_t)(uintptr_t)msgs[i].buf;
		kmsgs[i].len = msgs[i].len;
		kmsgs[i].flags = msgs[i].flags;
		kmsgs[i].type = msgs[i].match;
	}
	ret = wait_acquire(index, handles, kmsgs, n, 0, alert, timeout_ns);
	/* What a get reports: taken, or too long for the buffer. */
	if ((!ret || ret == -EMSGSIZE) && *index < n) {
		m = &msgs[*index];
		m->len = (size_t)kmsgs[*index].len;
		m->prio = kmsgs[*index].priority;
		m->type = kmsgs[*index].type;
	}
	return ret == -ENODATA ? IPCDEV_EOF : ret;
}
