// SPDX-License-Identifier: GPL-2.0
/*
 * Conditions: Python's Condition, bound to a Lock or RLock (lock.c) at
 * creation.
 *
 * A condition waits on its own wait queue, exclusively and in order: a
 * waiter queues up before it lets go of the lock, so no notify is missed;
 * notify(n) wakes the first n (marking each notified, which a timed-out
 * waiter then reports as success), notify_all and destroy wake all. A
 * woken waiter takes the lock back, at the depth it held, before it
 * returns; only a fatal signal ends that wait (it then takes nothing, so
 * a dying waiter never marks the lock owner-dead). Whether the caller
 * holds the lock is the lock's to say (a shared lock's owner word names
 * the holder).
 *
 * Locks: a condition's object lock (sync.h) nests inside its Lock's
 * (SINGLE_DEPTH_NESTING); its waiters are its wait queue, under that
 * queue's lock.
 */
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "sync.h"

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
	struct ipcq_sync *lk = c->cond.lock;
	struct ipcq_lock_hold hold;
	struct ipcq_sync_op op;
	struct ipcq_waiter cw;
	struct pid *owner;
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
	if (!ipcq_lock_mine(lk)) {
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
	/* Taken back as it is held: at its depth, through its file. */
	owner = ipcq_lock_let_go(lk, &hold);
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
	taken = ipcq_lock_take_back(lk, &hold, &op);
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
	if (!ipcq_lock_mine(lk)) {
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
