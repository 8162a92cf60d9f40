// SPDX-License-Identifier: GPL-2.0
/*
 * Locks and conditions: Python's Lock, RLock (IPCQ_SYNC_RECURSIVE: owned
 * by a thread, recursion counted) and Condition (bound to a Lock or RLock
 * at creation).
 *
 * A lock remembers the thread holding it and the file it was acquired
 * through. When that file is released while holding it (its process
 * died, or closed it), the lock is marked owner-dead: the next acquirer
 * gets it with EOWNERDEAD and the data it guards possibly inconsistent
 * until LOCK_CONSISTENT; released without that, the lock becomes
 * unrecoverable (ENOTRECOVERABLE), as robust futexes do.
 *
 * A condition waits on its own wait queue, exclusively and in order: a
 * waiter queues up before it lets go of the lock, so no notify is missed;
 * notify(n) wakes the first n (marking each notified, which a timed-out
 * waiter then reports as success), notify_all and destroy wake all. A
 * woken waiter takes the lock back, at the depth it held, before it
 * returns; only a fatal signal ends that wait (it then takes nothing, so
 * a dying waiter never marks the lock owner-dead).
 *
 * Locks: the object lock (sync.h) guards owner, depth and the flags. A
 * condition's object lock nests inside its Lock's (SINGLE_DEPTH_NESTING);
 * the condition's waiters are its wait queue, under that queue's lock.
 */
#include <linux/file.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "sync.h"

static bool ipcq_lock_valid(u32 flags, u64 value)
{
	return !value && !(flags & ~IPCQ_SYNC_RECURSIVE);
}

static int ipcq_lock_init(struct ipcq_sync *s, const struct ipcq_sync_attr *attr)
{
	return 0;
}

struct ipcq_lock_take {
	struct ipcq_sync *s;
	u64 file_id;			/* the file it is taken through */
	u64 depth;			/* recursion to take it at */
};

/*
 * Takes the lock for the calling thread: 0, or -EOWNERDEAD (taken: the
 * previous holder died), or an error without it.
 */
static bool ipcq_lock_ready(void *ctx, long *ret)
{
	struct ipcq_lock_take *t = ctx;
	struct ipcq_sync *s = t->s;
	struct pid *me = task_pid(current);

	lockdep_assert_held(&s->lock);
	if (s->destroyed) {
		*ret = -EIDRM;
	} else if (s->lk.notrecoverable) {
		*ret = -ENOTRECOVERABLE;
	} else if (!s->lk.owner) {
		s->lk.owner = get_pid(me);
		s->lk.owner_file = t->file_id;
		s->lk.depth = t->depth;
		*ret = 0;
		if (s->lk.owner_dead) {
			s->lk.owner_dead = false;
			s->lk.inconsistent = true;
			*ret = -EOWNERDEAD;
		}
	} else if ((s->flags & IPCQ_SYNC_RECURSIVE) && s->lk.owner == me) {
		if (s->lk.depth == U64_MAX) {
			*ret = -EOVERFLOW;
		} else {
			s->lk.depth++;
			*ret = 0;
		}
	} else {
		return false;
	}
	return true;
}

/* For a wait on several objects (wait_acquire.c): what a take would do. */
static int ipcq_lock_acquirable(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;

	lockdep_assert_held(&s->lock);
	if (s->destroyed)
		return -EIDRM;
	if (s->lk.notrecoverable)
		return -ENOTRECOVERABLE;
	if (!s->lk.owner)
		return 1;
	if ((s->flags & IPCQ_SYNC_RECURSIVE) && s->lk.owner == task_pid(current))
		return s->lk.depth == U64_MAX ? -EOVERFLOW : 1;
	return 0;
}

static int ipcq_lock_take(struct ipcq_sync_file *f)
{
	struct ipcq_lock_take t = { .s = f->s, .file_id = f->id, .depth = 1 };
	long ret = 0;

	ipcq_lock_ready(&t, &ret);
	return ret;
}

static long ipcq_lock_acquire(struct ipcq_sync_file *f, void __user *argp)
{
	struct ipcq_lock_take t = { .s = f->s, .file_id = f->id, .depth = 1 };
	struct ipcq_sync *s = f->s;
	struct ipcq_sync_op op;
	struct ipcq_waiter w;
	bool pass_on;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_WAITS);
	if (ret)
		return ret;
	/* A thread owns a lock: no io_uring command takes one. */
	ipcq_sync_waiter(&w, s, &op, NULL);
	spin_lock(&s->lock);
	ret = ipcq_wait(&w, ipcq_lock_ready, &t);
	pass_on = !s->lk.owner && s->waiters;
	spin_unlock(&s->lock);
	if (pass_on)
		wake_up(&s->wq);
	return ret;
}

/*
 * Frees the lock and returns the old owner for put_pid() after unlocking.
 * A release of a lock left inconsistent by a dead owner makes it
 * unrecoverable, unless @keep_consistency.
 */
static struct pid *ipcq_lock_free(struct ipcq_sync *s, bool keep_consistency)
{
	struct pid *owner = s->lk.owner;

	lockdep_assert_held(&s->lock);
	if (s->lk.inconsistent && !keep_consistency)
		s->lk.notrecoverable = true;
	s->lk.inconsistent = false;
	s->lk.owner = NULL;
	s->lk.depth = 0;
	return owner;
}

static long ipcq_lock_release(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	struct pid *owner = NULL;
	bool wake_all = false;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (!s->lk.owner ||
		   ((s->flags & IPCQ_SYNC_RECURSIVE) &&
		    s->lk.owner != task_pid(current))) {
		/* Python's Lock may be released by anyone, RLock not. */
		ret = -EPERM;
	} else if (!--s->lk.depth) {
		owner = ipcq_lock_free(s, false);
		wake_all = s->lk.notrecoverable;
	}
	spin_unlock(&s->lock);
	put_pid(owner);
	if (wake_all)
		wake_up_all(&s->wq);
	else if (owner)
		wake_up(&s->wq);
	return ret;
}

static long ipcq_lock_consistent(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	ret = -EINVAL;
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (s->lk.owner == task_pid(current) && s->lk.inconsistent) {
		s->lk.inconsistent = false;
		ret = 0;
	}
	spin_unlock(&s->lock);
	return ret;
}

static long ipcq_lock_ioctl(struct ipcq_sync_file *f, unsigned int cmd,
			    void __user *argp, struct ipcq_call *call)
{
	switch (cmd) {
	case IPCQ_IOC_LOCK_ACQUIRE:
		return ipcq_lock_acquire(f, argp);
	case IPCQ_IOC_LOCK_RELEASE:
		return ipcq_lock_release(f->s, argp);
	case IPCQ_IOC_LOCK_CONSISTENT:
		return ipcq_lock_consistent(f->s, argp);
	default:
		return -ENOTTY;
	}
}

static __poll_t ipcq_lock_poll(struct ipcq_sync *s)
{
	if (s->lk.notrecoverable)
		return EPOLLERR;
	return s->lk.owner ? 0 : EPOLLIN | EPOLLRDNORM;
}

static void ipcq_lock_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			   struct ipcq_sync_stat *st)
{
	struct pid *owner = s->lk.owner;

	st->value = s->lk.depth;
	if (owner)
		st->state |= IPCQ_SYNC_LOCKED;
	if (owner && owner == task_pid(current))
		st->state |= IPCQ_SYNC_MINE;
	if (s->lk.owner_dead)
		st->state |= IPCQ_SYNC_OWNER_DEAD;
	if (s->lk.inconsistent)
		st->state |= IPCQ_SYNC_INCONSISTENT;
	if (s->lk.notrecoverable)
		st->state |= IPCQ_SYNC_NOTRECOVERABLE;
	st->owner_tid = owner ? pid_vnr(owner) : 0;
}

/* Released while holding the lock: its owner is dead. */
static void ipcq_lock_release_file(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;
	struct pid *owner = NULL;

	spin_lock(&s->lock);
	if (s->lk.owner && s->lk.owner_file == f->id) {
		owner = ipcq_lock_free(s, true);
		if (!s->lk.notrecoverable)
			s->lk.owner_dead = true;
	}
	spin_unlock(&s->lock);
	if (owner) {
		put_pid(owner);
		wake_up(&s->wq);
	}
}

static void ipcq_lock_free_obj(struct ipcq_sync *s)
{
	put_pid(s->lk.owner);
}

const struct ipcq_sync_type ipcq_lock_type = {
	.inode_name = "[ipcq-lock]",
	.valid = ipcq_lock_valid,
	.init = ipcq_lock_init,
	.ioctl = ipcq_lock_ioctl,
	.acquirable = ipcq_lock_acquirable,
	.take = ipcq_lock_take,
	.poll = ipcq_lock_poll,
	.stat = ipcq_lock_stat,
	.release = ipcq_lock_release_file,
	.free = ipcq_lock_free_obj,
};

/* The lock behind @fd, referenced, for binding a condition. */
struct ipcq_sync *ipcq_sync_lock_from_fd(unsigned int fd)
{
	struct ipcq_sync *s = ERR_PTR(-ENOTTY);
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (ipcq_sync_file_is(file)) {
		struct ipcq_sync_file *sf = file->private_data;

		if (sf->s->obj.type == IPCQ_TYPE_LOCK) {
			s = sf->s;
			ipcq_object_get(&s->obj);
		}
	}
	fput(file);
	return s;
}

/* Conditions. */

static bool ipcq_cond_valid(u32 flags, u64 value)
{
	return !flags && !value;
}

static int ipcq_cond_init(struct ipcq_sync *s, const struct ipcq_sync_attr *attr)
{
	ipcq_object_get(&attr->lock->obj);
	s->cond.lock = attr->lock;
	return 0;
}

struct ipcq_cond_waiter {
	struct wait_queue_entry wait;
	struct ipcq_sync *c;
	bool notified;
};

/*
 * A notify reaching a waiter, under the wait queue's lock: it counts as
 * delivered even if the waiter is already awake (timed out, say), which
 * then reports the notify, so notify(n) never wakes more than n.
 */
static int ipcq_cond_wake(struct wait_queue_entry *wait, unsigned int mode,
			  int sync, void *key)
{
	struct ipcq_cond_waiter *w = container_of(wait, struct ipcq_cond_waiter,
						  wait);

	WRITE_ONCE(w->notified, true);
	default_wake_function(wait, mode, sync, key);
	/* Off the queue after the flag: finish_wait() sees both in order. */
	list_del_init_careful(&wait->entry);
	return 1;
}

static bool ipcq_cond_ready(void *ctx, long *ret)
{
	struct ipcq_cond_waiter *w = ctx;

	lockdep_assert_held(&w->c->lock);
	if (w->c->destroyed)
		*ret = -EIDRM;
	else if (READ_ONCE(w->notified))
		*ret = 0;
	else
		return false;
	return true;
}

static long ipcq_cond_wait(struct ipcq_sync *c, void __user *argp)
{
	struct ipcq_cond_waiter w = { .c = c };
	struct ipcq_lock_take t = { .s = c->cond.lock };
	struct ipcq_sync *lk = c->cond.lock;
	struct ipcq_waiter cw, lw;
	struct ipcq_sync_op op;
	struct pid *owner;
	bool inconsistent;
	long ret, taken;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_WAITS);
	if (ret)
		return ret;
	if (op.flags & IPCQ_SYNC_NONBLOCK)
		return -EINVAL;
	ipcq_sync_waiter(&cw, c, &op, NULL);
	init_waitqueue_func_entry(&w.wait, ipcq_cond_wake);
	w.wait.private = current;
	cw.entry = &w.wait;

	spin_lock(&lk->lock);
	if (lk->destroyed) {
		spin_unlock(&lk->lock);
		return -EIDRM;
	}
	if (lk->lk.owner != task_pid(current)) {
		spin_unlock(&lk->lock);
		return -EPERM;
	}
	/* Queue up before letting go of the lock: no notify is missed. */
	spin_lock_nested(&c->lock, SINGLE_DEPTH_NESTING);
	if (c->destroyed) {
		spin_unlock(&c->lock);
		spin_unlock(&lk->lock);
		return -EIDRM;
	}
	add_wait_queue_exclusive(&c->wq, &w.wait);
	spin_unlock(&c->lock);

	t.depth = lk->lk.depth;
	t.file_id = lk->lk.owner_file;
	inconsistent = lk->lk.inconsistent;
	owner = ipcq_lock_free(lk, true);
	spin_unlock(&lk->lock);
	put_pid(owner);
	wake_up(&lk->wq);

	spin_lock(&c->lock);
	ret = ipcq_wait(&cw, ipcq_cond_ready, &w);
	spin_unlock(&c->lock);
	/* Answered before it slept (destroyed): still queued. */
	finish_wait(&c->wq, &w.wait);

	/*
	 * A dying waiter must not take the lock on its way out: it would be
	 * marked owner-dead for nothing. No user code runs after this.
	 */
	if (fatal_signal_pending(current))
		return -EINTR;
	/* Back to the caller's hold, whatever happened: fatal signals only. */
	ipcq_sync_waiter(&lw, lk, &op, NULL);
	lw.deadline = IPCQ_DEADLINE_FOREVER;
	lw.nonblock = false;
	lw.killable = true;
	spin_lock(&lk->lock);
	taken = ipcq_wait(&lw, ipcq_lock_ready, &t);
	if (!taken && inconsistent)
		lk->lk.inconsistent = true;
	spin_unlock(&lk->lock);
	return taken ?: ret;
}

static long ipcq_cond_notify(struct ipcq_sync *c, void __user *argp)
{
	struct ipcq_sync *lk = c->cond.lock;
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_COUNTS);
	if (ret)
		return ret;
	spin_lock(&lk->lock);
	if (lk->lk.owner != task_pid(current)) {
		ret = -EPERM;
	} else {
		spin_lock_nested(&c->lock, SINGLE_DEPTH_NESTING);
		if (c->destroyed)
			ret = -EIDRM;
		else if (op.count)
			wake_up_nr(&c->wq, min_t(u64, op.count, INT_MAX));
		else
			wake_up_all(&c->wq);
		spin_unlock(&c->lock);
	}
	spin_unlock(&lk->lock);
	return ret;
}

static long ipcq_cond_ioctl(struct ipcq_sync_file *f, unsigned int cmd,
			    void __user *argp, struct ipcq_call *call)
{
	switch (cmd) {
	case IPCQ_IOC_COND_WAIT:
		return ipcq_cond_wait(f->s, argp);
	case IPCQ_IOC_COND_NOTIFY:
		return ipcq_cond_notify(f->s, argp);
	default:
		return -ENOTTY;
	}
}

static __poll_t ipcq_cond_poll(struct ipcq_sync *s)
{
	return 0;
}

static void ipcq_cond_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			   struct ipcq_sync_stat *st)
{
}

static void ipcq_cond_free(struct ipcq_sync *s)
{
	ipcq_object_put(&s->cond.lock->obj);
}

const struct ipcq_sync_type ipcq_cond_type = {
	.inode_name = "[ipcq-cond]",
	.valid = ipcq_cond_valid,
	.init = ipcq_cond_init,
	.ioctl = ipcq_cond_ioctl,
	.poll = ipcq_cond_poll,
	.stat = ipcq_cond_stat,
	.free = ipcq_cond_free,
};
