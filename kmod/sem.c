// SPDX-License-Identifier: GPL-2.0
/*
 * Semaphores: Python's Semaphore and BoundedSemaphore (IPCQ_SYNC_BOUNDED:
 * no release past the initial value), with SysV-style undo per file
 * (IPCQ_SYNC_UNDO: what a file still holds when it is released comes
 * back), plain or shared.
 *
 * A plain semaphore keeps its value under its lock. A shared one
 * (IPCQ_SYNC_SHARED) keeps it in a page its users map (mapping.c): they
 * acquire and release by compare-and-swap without system calls, and the
 * kernel works on the same word the same way. The value is a hint to us:
 * read once, bounded by max. A status page only the kernel writes tells
 * users to go through the ioctls (destroyed) and when someone waits, so
 * that a release asks for a wake-up (IPCQ_IOC_SEM_WAKE) only then. UNDO
 * is not offered with it: a unit taken in shared memory cannot be tied to
 * its taker without a second store that a dying process may never make.
 *
 * Waiting: acquirers wait exclusively (one unit wakes one) and may be
 * io_uring commands; an acquirer leaving while units remain passes its
 * wake-up on. Acquirers of several units at once (SEM_ACQUIRE_N) and
 * waits on several objects wait non-exclusively; SEM_WAIT_ZERO waiters
 * wait on zero_wq, woken by whatever takes the value to 0 (under the
 * lock) and by SEM_SET_VALUE, which also wakes every acquirer.
 *
 * Locks: the object lock (sync.h) guards the value of a plain semaphore,
 * the files' undo counts and the shared status words; the shared value
 * itself changes only by compare-and-swap.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "sync.h"

#define SEM_STATUS_ROUTE	0	/* __u32 indices in the status page */
#define SEM_STATUS_WAKE		1
#define SEM_OFF_VALUE		0	/* in the value page */

static bool ipcq_sem_valid(u32 flags, u64 value)
{
	const u32 both = IPCQ_SYNC_UNDO | IPCQ_SYNC_SHARED;

	return value <= IPCQ_SEM_VALUE_MAX &&
	       !(flags & ~(IPCQ_SYNC_BOUNDED | both)) &&
	       (flags & both) != both;
}

/* The pages of a shared semaphore, if any (sem.pages is zeroed if not). */
static void ipcq_sem_free(struct ipcq_sync *s)
{
	if (s->sem.pages[0])
		__free_page(s->sem.pages[0]);
	if (s->sem.pages[1])
		__free_page(s->sem.pages[1]);
}

static int ipcq_sem_init(struct ipcq_sync *s, const struct ipcq_sync_attr *attr)
{
	init_waitqueue_head(&s->sem.zero_wq);
	s->sem.value = attr->value;
	s->sem.max = attr->flags & IPCQ_SYNC_BOUNDED ? attr->value :
						       IPCQ_SEM_VALUE_MAX;
	if (!(attr->flags & IPCQ_SYNC_SHARED))
		return 0;
	/* Status page, value page; both charged to the creator. */
	s->sem.pages[0] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	s->sem.pages[1] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!s->sem.pages[0] || !s->sem.pages[1]) {
		ipcq_sem_free(s);
		return -ENOMEM;
	}
	s->sem.status = page_address(s->sem.pages[0]);
	s->sem.shared = (u64 *)((char *)page_address(s->sem.pages[1]) +
				SEM_OFF_VALUE);
	WRITE_ONCE(*s->sem.shared, attr->value);
	return 0;
}

/* The value; a shared one is a hint, bounded by max. */
static u64 ipcq_sem_value(struct ipcq_sync *s)
{
	if (!s->sem.shared)
		return s->sem.value;
	return min_t(u64, READ_ONCE(*s->sem.shared), s->sem.max);
}

/*
 * Tells a shared semaphore's users whether to go through the ioctls and
 * whether to ask for wake-ups, then orders that before our next look at
 * the value: either a releaser sees the wake word, or we see its unit.
 */
static void ipcq_sem_publish(struct ipcq_sync *s)
{
	bool wake;

	lockdep_assert_held(&s->lock);
	if (!s->sem.shared)
		return;
	WRITE_ONCE(s->sem.status[SEM_STATUS_ROUTE], s->destroyed);
	/*
	 * Sleepers and pollers are on wq before they look at the value under
	 * our lock (which we hold); a stale "yes" costs one wake-up.
	 */
	wake = s->sem.acquirers || waitqueue_active(&s->wq);
	WRITE_ONCE(s->sem.status[SEM_STATUS_WAKE], wake);
	/* The words out before we read the value; pairs with the users'. */
	smp_mb();
}

/* One unit from the shared value: 1 taken, 0 none, -EAGAIN contended. */
static int ipcq_sem_take_shared(struct ipcq_sync *s)
{
	u64 *p = s->sem.shared;
	int i;

	for (i = 0; i < 64; i++) {
		u64 v = READ_ONCE(*p);

		if (!v)
			return 0;
		if (v > s->sem.max)	/* only by scribbling: bound it */
			cmpxchg64(p, v, s->sem.max);
		else if (cmpxchg64(p, v, v - 1) == v)
			return 1;
	}
	return -EAGAIN;
}

/* Adds @count to the shared value: 0, -EOVERFLOW, or -ERESTARTSYS. */
static long ipcq_sem_add_shared(struct ipcq_sync *s, u64 count)
{
	u64 *p = s->sem.shared;
	unsigned int i;

	for (i = 1;; i++) {
		u64 v = READ_ONCE(*p);
		u64 cur = min(v, s->sem.max);

		if (count > s->sem.max - cur)
			return -EOVERFLOW;
		if (cmpxchg64(p, v, cur + count) == v)
			return 0;
		/* Users (or a scribbler) keep changing it: let go now and then. */
		if (i % 64 == 0) {
			cond_resched();
			if (signal_pending(current))
				return -ERESTARTSYS;
		}
	}
}

/* SEM_WAIT_ZERO waiters, once a plain semaphore's value is 0. */
static void ipcq_sem_zero_wake(struct ipcq_sync *s)
{
	lockdep_assert_held(&s->lock);
	if (!s->sem.value && s->sem.zero_waiters)
		wake_up_all(&s->sem.zero_wq);
}

/* Takes @n units of a plain semaphore through @f (UNDO counts them). */
static void ipcq_sem_sub(struct ipcq_sync *s, struct ipcq_sync_file *f, u64 n)
{
	lockdep_assert_held(&s->lock);
	s->sem.value -= n;
	if (s->flags & IPCQ_SYNC_UNDO)
		f->held += min_t(u64, n, S64_MAX);
	ipcq_sem_zero_wake(s);
}

struct ipcq_sem_acquire {
	struct ipcq_sync_file *f;
	u64 deadline;
	u64 n;				/* SEM_ACQUIRE_N: units at once */
};

static bool ipcq_sem_ready(void *ctx, long *ret)
{
	struct ipcq_sem_acquire *a = ctx;
	struct ipcq_sync *s = a->f->s;
	int got;

	lockdep_assert_held(&s->lock);
	if (s->destroyed) {
		*ret = -EIDRM;
		return true;
	}
	if (!s->sem.shared) {
		if (!s->sem.value)
			return false;
		ipcq_sem_sub(s, a->f, 1);
		*ret = 0;
		return true;
	}
	/* Users take units without us: contended, yield and look again. */
	while ((got = ipcq_sem_take_shared(s)) < 0) {
		*ret = ipcq_relax_locked(&s->lock, a->deadline);
		if (*ret)
			return true;
	}
	*ret = 0;
	return got;
}

/* Acquires a unit; an io_uring @call parks where a thread would sleep. */
static long ipcq_sem_acquire(struct ipcq_sync_file *f, void __user *argp,
			     struct ipcq_call *call)
{
	struct ipcq_sem_acquire a = { .f = f };
	struct ipcq_sync *s = f->s;
	struct ipcq_sync_op op;
	struct ipcq_waiter w;
	bool pass_on;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_WAITS);
	if (ret)
		return ret;
	a.deadline = op.deadline;
	ipcq_sync_waiter(&w, s, &op, call);
	spin_lock(&s->lock);
	if (s->sem.shared) {
		/* Releasers in memory ask for a wake-up while we are in. */
		s->sem.acquirers++;
		ipcq_sem_publish(s);
	}
	ret = ipcq_wait(&w, ipcq_sem_ready, &a);
	if (s->sem.shared)
		s->sem.acquirers--;
	/* A unit we were woken for but did not take goes to the next. */
	pass_on = ipcq_sem_value(s) && s->waiters;
	ipcq_sem_publish(s);
	spin_unlock(&s->lock);
	if (pass_on)
		wake_up(&s->wq);
	return ret;
}

/* The argument of an operation only plain semaphores offer. */
static long ipcq_sem_plain_op(struct ipcq_sync *s, struct ipcq_sync_op *op,
			      void __user *argp, unsigned int allowed)
{
	long ret = ipcq_sync_op_from_user(op, argp, allowed);

	if (!ret && s->sem.shared)
		ret = -EOPNOTSUPP;
	return ret;
}

static bool ipcq_sem_ready_n(void *ctx, long *ret)
{
	struct ipcq_sem_acquire *a = ctx;
	struct ipcq_sync *s = a->f->s;

	lockdep_assert_held(&s->lock);
	if (s->destroyed) {
		*ret = -EIDRM;
	} else if (s->sem.value >= a->n) {
		ipcq_sem_sub(s, a->f, a->n);
		*ret = 0;
	} else {
		return false;
	}
	return true;
}

/*
 * Takes op.count units at once. A waiter for more than one unit waits
 * non-exclusively: a release's wake-up meant for one acquirer is never
 * spent on it.
 */
static long ipcq_sem_acquire_n(struct ipcq_sync_file *f, void __user *argp)
{
	struct ipcq_sem_acquire a = { .f = f };
	struct ipcq_sync *s = f->s;
	struct ipcq_sync_op op;
	struct ipcq_waiter w;
	bool pass_on;
	long ret;

	ret = ipcq_sem_plain_op(s, &op, argp, IPCQ_OP_WAITS | IPCQ_OP_COUNTS);
	if (ret)
		return ret;
	if (!op.count || op.count > s->sem.max)
		return -EINVAL;
	a.n = op.count;
	ipcq_sync_waiter(&w, s, &op, NULL);
	w.exclusive = op.count == 1;
	w.site = NULL;
	spin_lock(&s->lock);
	ret = ipcq_wait(&w, ipcq_sem_ready_n, &a);
	pass_on = w.exclusive && s->sem.value && s->waiters;
	spin_unlock(&s->lock);
	if (pass_on)
		wake_up(&s->wq);
	return ret;
}

static bool ipcq_sem_zero_ready(void *ctx, long *ret)
{
	struct ipcq_sync *s = ctx;

	lockdep_assert_held(&s->lock);
	if (s->destroyed)
		*ret = -EIDRM;
	else if (!s->sem.value)
		*ret = 0;
	else
		return false;
	return true;
}

static long ipcq_sem_wait_zero(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	struct ipcq_waiter w;
	long ret;

	ret = ipcq_sem_plain_op(s, &op, argp, IPCQ_OP_WAITS);
	if (ret)
		return ret;
	w = (struct ipcq_waiter) {
		.obj = &s->obj,
		.wq = &s->sem.zero_wq,
		.waiters = &s->sem.zero_waiters,
		.deadline = op.deadline,
		.nonblock = op.flags & IPCQ_SYNC_NONBLOCK,
	};
	spin_lock(&s->lock);
	ret = ipcq_wait(&w, ipcq_sem_zero_ready, s);
	spin_unlock(&s->lock);
	return ret;
}

/* SysV SETVAL: every waiter looks again at the new value. */
static long ipcq_sem_set_value(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sem_plain_op(s, &op, argp, IPCQ_OP_COUNTS);
	if (ret)
		return ret;
	if (!ipcq_object_may_unlink(&s->obj))
		return -EPERM;
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (op.count > s->sem.max) {
		ret = -EOVERFLOW;
	} else {
		s->sem.value = op.count;
		ipcq_sem_zero_wake(s);
	}
	spin_unlock(&s->lock);
	if (!ret)
		wake_up_all(&s->wq);
	return ret;
}

/* For a wait on several objects (wait_acquire.c); never a shared one. */
static int ipcq_sem_acquirable(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;

	lockdep_assert_held(&s->lock);
	if (s->destroyed)
		return -EIDRM;
	return s->sem.value > 0;
}

static int ipcq_sem_take(struct ipcq_sync_file *f)
{
	ipcq_sem_sub(f->s, f, 1);
	return 0;
}

static void ipcq_sem_wake(struct ipcq_sync *s, u64 count)
{
	wake_up_nr(&s->wq, count > INT_MAX ? INT_MAX : (int)count);
}

/*
 * Wakes up to @count acquirers after units were added to a shared value.
 * Taking the lock first orders this after any acquirer's last look at the
 * value (made under the lock, before it sleeps): no wake-up is lost.
 */
static void ipcq_sem_wake_shared(struct ipcq_sync *s, u64 count)
{
	spin_lock(&s->lock);
	ipcq_sem_publish(s);
	spin_unlock(&s->lock);
	ipcq_sem_wake(s, count);
}

static long ipcq_sem_release(struct ipcq_sync_file *f, void __user *argp)
{
	struct ipcq_sync *s = f->s;
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_COUNTS);
	if (ret)
		return ret;
	if (!op.count)
		return -EINVAL;
	if (s->sem.shared) {
		if (READ_ONCE(s->destroyed))
			return -EIDRM;
		ret = ipcq_sem_add_shared(s, op.count);
		if (!ret)
			ipcq_sem_wake_shared(s, op.count);
		return ret;
	}
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (op.count > s->sem.max - s->sem.value) {
		ret = -EOVERFLOW;
	} else {
		s->sem.value += op.count;
		if (s->flags & IPCQ_SYNC_UNDO)
			f->held -= min_t(u64, op.count, S64_MAX);
	}
	spin_unlock(&s->lock);
	if (!ret)
		ipcq_sem_wake(s, op.count);
	return ret;
}

/* After a release made in memory (shared semaphores only). */
static long ipcq_sem_wake_ioctl(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_COUNTS);
	if (ret)
		return ret;
	if (!s->sem.shared)
		return -ENXIO;
	if (!op.count)
		return -EINVAL;
	if (READ_ONCE(s->destroyed))
		return -EIDRM;
	ipcq_sem_wake_shared(s, op.count);
	return 0;
}

static long ipcq_sem_share(struct ipcq_sync *s,
			   struct ipcq_sem_share __user *uarg)
{
	struct ipcq_sem_share sh;

	if (!s->sem.shared)
		return -ENXIO;
	memset(&sh, 0, sizeof(sh));
	sh.status_offset = IPCQ_MAP_OFF_STATUS;
	sh.status_size = PAGE_SIZE;
	sh.value_offset = IPCQ_MAP_OFF_DATA;
	sh.value_size = PAGE_SIZE;
	sh.off_value = SEM_OFF_VALUE;
	sh.off_route = SEM_STATUS_ROUTE * sizeof(u32);
	sh.off_wake = SEM_STATUS_WAKE * sizeof(u32);
	sh.max = s->sem.max;
	return copy_to_user(uarg, &sh, sizeof(sh)) ? -EFAULT : 0;
}

static long ipcq_sem_ioctl(struct ipcq_sync_file *f, unsigned int cmd,
			   void __user *argp, struct ipcq_call *call)
{
	switch (cmd) {
	case IPCQ_IOC_SEM_ACQUIRE:
		return ipcq_sem_acquire(f, argp, call);
	case IPCQ_IOC_SEM_RELEASE:
		return ipcq_sem_release(f, argp);
	case IPCQ_IOC_SEM_WAKE:
		return ipcq_sem_wake_ioctl(f->s, argp);
	case IPCQ_IOC_SEM_SHARE:
		return ipcq_sem_share(f->s, argp);
	case IPCQ_IOC_SEM_ACQUIRE_N:
		return ipcq_sem_acquire_n(f, argp);
	case IPCQ_IOC_SEM_WAIT_ZERO:
		return ipcq_sem_wait_zero(f->s, argp);
	case IPCQ_IOC_SEM_SET_VALUE:
		return ipcq_sem_set_value(f->s, argp);
	default:
		return -ENOTTY;
	}
}

static __poll_t ipcq_sem_poll(struct ipcq_sync *s)
{
	/* Polling counts as waiting: releasers in memory then wake. */
	ipcq_sem_publish(s);
	return ipcq_sem_value(s) ? EPOLLIN | EPOLLRDNORM : 0;
}

static void ipcq_sem_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			  struct ipcq_sync_stat *st)
{
	st->value = ipcq_sem_value(s);
	st->max = s->sem.max;
	st->held = f ? f->held : 0;
	st->waiters += s->sem.zero_waiters;
}

static void ipcq_sem_destroy(struct ipcq_sync *s)
{
	/* Users of a shared value go through the ioctls from now on. */
	ipcq_sem_publish(s);
	wake_up_all(&s->sem.zero_wq);
}

/* The file's units come back (UNDO; never past the maximum). */
static void ipcq_sem_release_file(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;
	u64 returned = 0;

	spin_lock(&s->lock);
	if (f->held > 0 && !s->destroyed) {
		/* Others may have over-released meanwhile. */
		returned = min_t(u64, f->held, s->sem.max - s->sem.value);
		s->sem.value += returned;
	}
	spin_unlock(&s->lock);
	if (returned)
		ipcq_sem_wake(s, returned);
}

static int ipcq_sem_mmap(struct ipcq_sync *s, struct vm_area_struct *vma)
{
	if (!s->sem.shared)
		return -ENODEV;
	return ipcq_map_shared(vma, s->sem.pages[0], &s->sem.pages[1], 1);
}

const struct ipcq_sync_type ipcq_sem_type = {
	.inode_name = "[ipcq-sem]",
	.valid = ipcq_sem_valid,
	.init = ipcq_sem_init,
	.ioctl = ipcq_sem_ioctl,
	.acquirable = ipcq_sem_acquirable,
	.take = ipcq_sem_take,
	.poll = ipcq_sem_poll,
	.stat = ipcq_sem_stat,
	.destroy = ipcq_sem_destroy,
	.release = ipcq_sem_release_file,
	.mmap = ipcq_sem_mmap,
	.free = ipcq_sem_free,
};
