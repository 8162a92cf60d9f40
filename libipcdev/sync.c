// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Semaphore, Lock, RLock, Event, Condition and Barrier over ipcq sync
 * objects, and wait() on several objects.
 *
 * Every public handle type is a struct ipcdev_sync underneath. As with
 * queues, the first call in a child after fork() swaps the inherited file
 * for one of the child's own, so that semaphore undo and lock owner death
 * work per process.
 *
 * A shared semaphore (IPCDEV_SEM_SHARED) is mapped by every handle:
 * acquire and release are a compare-and-swap on its value, and a system
 * call only to sleep, or to wake someone the kernel says is waiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

struct ipcdev_sync {
	int fd;
	uint32_t type;
	atomic_ulong fork_gen;
	/* A shared semaphore's pages, mapped; NULL for any other object. */
	void *status_map;
	void *value_map;
	const _Atomic uint32_t *route;
	const _Atomic uint32_t *wake;
	_Atomic uint64_t *value;
	uint64_t max;
	_Atomic unsigned int spin;
};

#define SYNC(p) ((struct ipcdev_sync *)(void *)(p))

static void sem_map(struct ipcdev_sync *s)
{
	struct ipcq_sem_share sh;
	void *st, *val;

	if (ipcdev__ioctl(s->fd, IPCQ_IOC_SEM_SHARE, &sh))
		return;
	if (sh.off_route + 4 > sh.status_size ||
	    sh.off_wake + 4 > sh.status_size ||
	    sh.off_value + 8 > sh.value_size)
		return;
	if (ipcdev__map_shared(s->fd, sh.status_offset, sh.status_size,
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

static void sem_unmap(struct ipcdev_sync *s)
{
	if (!s->status_map)
		return;
	/* One page each (ipcq(4)); unmapped before the file goes. */
	munmap(s->status_map, (size_t)sysconf(_SC_PAGESIZE));
	munmap(s->value_map, (size_t)sysconf(_SC_PAGESIZE));
}

static int sync_open(struct ipcdev_sync **out, uint32_t type, const char *name,
		     unsigned int flags, unsigned int mode, uint64_t value,
		     int lock_fd)
{
	struct ipcq_sync_open arg;
	struct ipcdev_sync *s;
	size_t name_len = 0;
	int dev, fd, ret;

	if (!out)
		return -EINVAL;
	if (name) {
		name_len = strlen(name);
		if (name_len > IPCQ_NAME_MAX)
			return -ENAMETOOLONG;
	}
	ret = ipcdev__require(IPCQ_FEATURE_SYNC);
	if (ret)
		return ret;
	dev = ipcdev_device_fd();
	if (dev < 0)
		return dev;
	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = (uint32_t)name_len;
	arg.type = type;
	arg.flags = flags | IPCQ_OPEN_CLOEXEC;
	arg.mode = mode;
	arg.value = value;
	arg.lock_fd = (uint32_t)lock_fd;
	fd = ipcdev__ioctl(dev, IPCQ_IOC_SYNC_OPEN, &arg);
	if (fd < 0)
		return fd;
	s = malloc(sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->fd = fd;
	s->type = type;
	atomic_init(&s->fork_gen, ipcdev__fork_generation());
	s->status_map = s->value_map = NULL;
	/* Any failure (not shared: ENXIO) leaves the handle on the ioctls. */
	if (type == IPCQ_TYPE_SEM)
		sem_map(s);
	*out = s;
	return 0;
}

/* In a child after fork: take a file of our own. */
static int sync_own(struct ipcdev_sync *s)
{
	return ipcdev__own(s->fd, &s->fork_gen, IPCQ_IOC_SYNC_REOPEN, 0);
}

/* One operation; waits restart after signals with the same deadline. */
static int sync_op(struct ipcdev_sync *s, unsigned long cmd, uint64_t count,
		   int waits, int64_t timeout_ns)
{
	struct ipcq_sync_op op;
	int ret;

	if (!s)
		return -EINVAL;
	ret = sync_own(s);
	if (ret)
		return ret;
	memset(&op, 0, sizeof(op));
	op.count = count;
	if (waits) {
		if (timeout_ns == IPCDEV_NOWAIT)
			op.flags = IPCQ_SYNC_NONBLOCK;
		op.deadline = ipcdev__deadline(timeout_ns);
	}
	return ipcdev__ioctl_restart(s->fd, cmd, &op);
}

static int sync_stat(struct ipcdev_sync *s, struct ipcq_sync_stat *st)
{
	int ret;

	if (!s || !st)
		return -EINVAL;
	ret = sync_own(s);
	if (ret)
		return ret;
	return ipcdev__ioctl(s->fd, IPCQ_IOC_SYNC_STAT, st);
}

static int sync_close(struct ipcdev_sync *s)
{
	if (!s)
		return -EINVAL;
	sem_unmap(s);
	return ipcdev__close(s->fd, s);
}

static int sync_fd(const struct ipcdev_sync *s)
{
	return s ? s->fd : -EINVAL;
}

/* As ipcdev__queue_fd(), for a sync object of @type (uring.c). */
int ipcdev__sync_fd(void *handle, uint32_t type)
{
	struct ipcdev_sync *s = handle;
	int ret;

	if (!s || s->type != type)
		return -EINVAL;
	ret = sync_own(s);
	return ret ? ret : s->fd;
}

static int named_flags_ok(const char *name, unsigned int flags,
			  unsigned int extra)
{
	return name && !(flags & ~(IPCDEV_CREATE | IPCDEV_EXCL | extra));
}

/* Semaphore and BoundedSemaphore. */

static const unsigned int sem_flags = IPCDEV_SEM_BOUNDED | IPCDEV_SEM_UNDO |
				      IPCDEV_SEM_SHARED;

int ipcdev_sem_create(ipcdev_sem **s, uint64_t value, unsigned int flags)
{
	if (flags & ~sem_flags)
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)s, IPCQ_TYPE_SEM, NULL, flags,
			 0600, value, 0);
}

int ipcdev_sem_open(ipcdev_sem **s, const char *name, unsigned int flags,
		    unsigned int mode, uint64_t value)
{
	if (!named_flags_ok(name, flags, sem_flags))
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)s, IPCQ_TYPE_SEM, name, flags,
			 mode, value, 0);
}

/* A unit from a shared value: 0 taken, -EAGAIN none, 1 ask the kernel. */
static int sem_take(void *arg)
{
	struct ipcdev_sync *s = arg;
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

int ipcdev_sem_acquire(ipcdev_sem *s, int64_t timeout_ns)
{
	struct ipcdev_sync *sy = SYNC(s);

	if (sy && sy->status_map &&
	    !ipcdev__spin(&sy->spin, timeout_ns != IPCDEV_NOWAIT, sem_take, sy))
		return 0;
	return sync_op(sy, IPCQ_IOC_SEM_ACQUIRE, 0, 1, timeout_ns);
}

/* Adds @n to a shared value: 0 done, 1 ask the kernel (it says why). */
static int sem_give(struct ipcdev_sync *s, uint64_t n)
{
	struct ipcq_sync_op op;
	uint64_t v;

	if (!n || atomic_load_explicit(s->route, memory_order_acquire))
		return 1;
	v = atomic_load_explicit(s->value, memory_order_relaxed);
	do {
		if (v > s->max || n > s->max - v)
			return 1;
	} while (!atomic_compare_exchange_weak_explicit(s->value, &v, v + n,
							memory_order_release,
							memory_order_relaxed));
	/* Pairs with the kernel's barrier between the wake word and its look. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(s->wake, memory_order_relaxed)) {
		memset(&op, 0, sizeof(op));
		op.count = n;
		ipcdev__ioctl(s->fd, IPCQ_IOC_SEM_WAKE, &op);
	}
	return 0;
}

int ipcdev_sem_release(ipcdev_sem *s, uint64_t n)
{
	struct ipcdev_sync *sy = SYNC(s);

	if (sy && sy->status_map && !sem_give(sy, n))
		return 0;
	return sync_op(sy, IPCQ_IOC_SEM_RELEASE, n, 0, 0);
}

int64_t ipcdev_sem_get_value(ipcdev_sem *s)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(SYNC(s), &st);

	return ret ? ret : (int64_t)st.value;
}

int ipcdev_sem_stat(ipcdev_sem *s, struct ipcq_sync_stat *st)
{
	return sync_stat(SYNC(s), st);
}

int ipcdev_sem_destroy(ipcdev_sem *s)
{
	return sync_op(SYNC(s), IPCQ_IOC_SYNC_DESTROY, 0, 0, 0);
}

int ipcdev_sem_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_SEM);
}

int ipcdev_sem_close(ipcdev_sem *s)
{
	return sync_close(SYNC(s));
}

int ipcdev_sem_fd(const ipcdev_sem *s)
{
	return sync_fd((const struct ipcdev_sync *)(const void *)s);
}

/* Lock and RLock. */

int ipcdev_lock_create(ipcdev_lock **l)
{
	return sync_open((struct ipcdev_sync **)l, IPCQ_TYPE_LOCK, NULL, 0,
			 0600, 0, 0);
}

int ipcdev_lock_open(ipcdev_lock **l, const char *name, unsigned int flags,
		     unsigned int mode)
{
	if (!named_flags_ok(name, flags, 0))
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)l, IPCQ_TYPE_LOCK, name, flags,
			 mode, 0, 0);
}

int ipcdev_rlock_create(ipcdev_rlock **l)
{
	return sync_open((struct ipcdev_sync **)l, IPCQ_TYPE_LOCK, NULL,
			 IPCQ_SYNC_RECURSIVE, 0600, 0, 0);
}

int ipcdev_rlock_open(ipcdev_rlock **l, const char *name, unsigned int flags,
		      unsigned int mode)
{
	if (!named_flags_ok(name, flags, 0))
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)l, IPCQ_TYPE_LOCK, name,
			 flags | IPCQ_SYNC_RECURSIVE, mode, 0, 0);
}

int ipcdev_lock_acquire(ipcdev_lock *l, int64_t timeout_ns)
{
	return sync_op(SYNC(l), IPCQ_IOC_LOCK_ACQUIRE, 0, 1, timeout_ns);
}

int ipcdev_lock_release(ipcdev_lock *l)
{
	return sync_op(SYNC(l), IPCQ_IOC_LOCK_RELEASE, 0, 0, 0);
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
	return sync_op(SYNC(l), IPCQ_IOC_LOCK_CONSISTENT, 0, 0, 0);
}

int ipcdev_lock_stat(ipcdev_lock *l, struct ipcq_sync_stat *st)
{
	return sync_stat(SYNC(l), st);
}

int ipcdev_lock_destroy(ipcdev_lock *l)
{
	return sync_op(SYNC(l), IPCQ_IOC_SYNC_DESTROY, 0, 0, 0);
}

int ipcdev_lock_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_LOCK);
}

int ipcdev_lock_close(ipcdev_lock *l)
{
	return sync_close(SYNC(l));
}

int ipcdev_lock_fd(const ipcdev_lock *l)
{
	return sync_fd((const struct ipcdev_sync *)(const void *)l);
}

/* Event. */

int ipcdev_event_create(ipcdev_event **e)
{
	return sync_open((struct ipcdev_sync **)e, IPCQ_TYPE_EVENT, NULL, 0,
			 0600, 0, 0);
}

int ipcdev_event_open(ipcdev_event **e, const char *name, unsigned int flags,
		      unsigned int mode)
{
	if (!named_flags_ok(name, flags, 0))
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)e, IPCQ_TYPE_EVENT, name, flags,
			 mode, 0, 0);
}

int ipcdev_event_set(ipcdev_event *e)
{
	return sync_op(SYNC(e), IPCQ_IOC_EVENT_SET, 0, 0, 0);
}

int ipcdev_event_clear(ipcdev_event *e)
{
	return sync_op(SYNC(e), IPCQ_IOC_EVENT_CLEAR, 0, 0, 0);
}

int ipcdev_event_is_set(ipcdev_event *e)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(SYNC(e), &st);

	return ret ? ret : !!(st.state & IPCQ_SYNC_SET);
}

int ipcdev_event_wait(ipcdev_event *e, int64_t timeout_ns)
{
	return sync_op(SYNC(e), IPCQ_IOC_EVENT_WAIT, 0, 1, timeout_ns);
}

int ipcdev_event_destroy(ipcdev_event *e)
{
	return sync_op(SYNC(e), IPCQ_IOC_SYNC_DESTROY, 0, 0, 0);
}

int ipcdev_event_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_EVENT);
}

int ipcdev_event_close(ipcdev_event *e)
{
	return sync_close(SYNC(e));
}

int ipcdev_event_fd(const ipcdev_event *e)
{
	return sync_fd((const struct ipcdev_sync *)(const void *)e);
}

/* Condition. */

int ipcdev_cond_create(ipcdev_cond **c, ipcdev_lock *lock)
{
	if (!lock)
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)c, IPCQ_TYPE_COND, NULL, 0,
			 0600, 0, SYNC(lock)->fd);
}

int ipcdev_cond_open(ipcdev_cond **c, const char *name, unsigned int flags,
		     unsigned int mode, ipcdev_lock *lock)
{
	if (!named_flags_ok(name, flags, 0) ||
	    ((flags & IPCDEV_CREATE) && !lock))
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)c, IPCQ_TYPE_COND, name, flags,
			 mode, 0,
			 (flags & IPCDEV_CREATE) ? SYNC(lock)->fd : 0);
}

int ipcdev_cond_wait(ipcdev_cond *c, int64_t timeout_ns)
{
	/* The lock is held again after EINTR, so restarting is right. */
	return sync_op(SYNC(c), IPCQ_IOC_COND_WAIT, 0, 1,
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
	return sync_op(SYNC(c), IPCQ_IOC_COND_NOTIFY, n, 0, 0);
}

int ipcdev_cond_notify_all(ipcdev_cond *c)
{
	return sync_op(SYNC(c), IPCQ_IOC_COND_NOTIFY, 0, 0, 0);
}

int ipcdev_cond_destroy(ipcdev_cond *c)
{
	return sync_op(SYNC(c), IPCQ_IOC_SYNC_DESTROY, 0, 0, 0);
}

int ipcdev_cond_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_COND);
}

int ipcdev_cond_close(ipcdev_cond *c)
{
	return sync_close(SYNC(c));
}

int ipcdev_cond_fd(const ipcdev_cond *c)
{
	return sync_fd((const struct ipcdev_sync *)(const void *)c);
}

/* Barrier. */

int ipcdev_barrier_create(ipcdev_barrier **b, unsigned int parties)
{
	return sync_open((struct ipcdev_sync **)b, IPCQ_TYPE_BARRIER, NULL, 0,
			 0600, parties, 0);
}

int ipcdev_barrier_open(ipcdev_barrier **b, const char *name,
			unsigned int flags, unsigned int mode,
			unsigned int parties)
{
	if (!named_flags_ok(name, flags, 0))
		return -EINVAL;
	return sync_open((struct ipcdev_sync **)b, IPCQ_TYPE_BARRIER, name,
			 flags, mode, (flags & IPCDEV_CREATE) ? parties : 0, 0);
}

int ipcdev_barrier_wait(ipcdev_barrier *b, int64_t timeout_ns)
{
	/* No non-blocking barrier wait: a zero timeout is "at once". */
	return sync_op(SYNC(b), IPCQ_IOC_BARRIER_WAIT, 0, 1,
		       timeout_ns == IPCDEV_NOWAIT ? 1 : timeout_ns);
}

int ipcdev_barrier_abort(ipcdev_barrier *b)
{
	return sync_op(SYNC(b), IPCQ_IOC_BARRIER_ABORT, 0, 0, 0);
}

int ipcdev_barrier_reset(ipcdev_barrier *b)
{
	return sync_op(SYNC(b), IPCQ_IOC_BARRIER_RESET, 0, 0, 0);
}

int ipcdev_barrier_parties(ipcdev_barrier *b)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(SYNC(b), &st);

	return ret ? ret : (int)st.value;
}

int ipcdev_barrier_n_waiting(ipcdev_barrier *b)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(SYNC(b), &st);

	return ret ? ret : (int)st.waiters;
}

int ipcdev_barrier_broken(ipcdev_barrier *b)
{
	struct ipcq_sync_stat st;
	int ret = sync_stat(SYNC(b), &st);

	return ret ? ret : !!(st.state & IPCQ_SYNC_BROKEN);
}

int ipcdev_barrier_destroy(ipcdev_barrier *b)
{
	return sync_op(SYNC(b), IPCQ_IOC_SYNC_DESTROY, 0, 0, 0);
}

int ipcdev_barrier_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_BARRIER);
}

int ipcdev_barrier_close(ipcdev_barrier *b)
{
	return sync_close(SYNC(b));
}

int ipcdev_barrier_fd(const ipcdev_barrier *b)
{
	return sync_fd((const struct ipcdev_sync *)(const void *)b);
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
