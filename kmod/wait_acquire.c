// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting on several objects with acquisition: IPCQ_IOC_WAIT_ACQUIRE on
 * /dev/ipcq, after ntsync's wait-any and wait-all. The objects are
 * semaphores (not shared), Locks, RLocks and Events, each given by a file
 * of the caller's, through which it is acquired (UNDO units and lock
 * ownership belong to that file, as with the object's own acquire), and,
 * in ANY waits only, queues a consumer file or pipe end gets from; an
 * optional alert event ends the wait.
 *
 * This file owns the call: it copies and checks its argument, holds a
 * reference on every file for the call's length, queues one entry per
 * object on the object's wait queue and waits through wait.c's
 * ipcq_wait_multi(); what "ready" and "acquire" mean is each type's
 * (struct ipcq_sync_type's acquirable and take, in sem.c, lock.c, sync.c).
 * A queue's are a get's, in the steps queue_xfer.c gives: its readiness
 * test under the queue lock takes the message (detached, or its ring slot
 * claimed) and, after the wait, the copy-out puts it back on a fault,
 * as a plain get does: exactly one message leaves, or none.
 *
 * ANY looks at the objects in index order, each under its own lock, and
 * takes the first ready one: exactly one is acquired. ALL takes
 * ipcq_wait_all_lock, then every object's lock, and only with all of them
 * held looks at each and, when every one is ready, takes them all: no
 * other caller, which needs one of those locks to see or change an
 * object, ever sees some taken and others not. Unlike ntsync, nothing is
 * acquired on a waiter's behalf by the releasing side: a release, set or
 * destroy only wakes the waiter (its entries are non-exclusive, so a
 * wake-up meant for one ordinary acquirer is never spent here), and the
 * waiter looks again. The alert is looked at after the objects.
 *
 * Locks: ipcq_wait_all_lock (mutex) outside the objects' ipcq_sync.lock,
 * which an ALL wait takes in array order with spin_lock_nest_lock(): ALL
 * waits are serialised by the mutex and nobody else holds two of these
 * locks, so the order cannot deadlock (see the lock order in ipcq.h). An
 * object's lock guards its entry on its wait queue and the waiter count
 * the call adds to it (counted in SYNC_STAT while the call lasts).
 */
#include <linux/file.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "queue.h"
#include "sync.h"

static DEFINE_MUTEX(ipcq_wait_all_lock);

/* One object of a wait (the alert is the last, past the objects). */
struct ipcq_wa_obj {
	struct file *file;		/* referenced */
	struct ipcq_sync_file *f;	/* a sync object's, or NULL */
	struct ipcq_queue *q;		/* else the queue it gets from */
	struct ipcq_msg msg;		/* a queue's get descriptor */
	struct ipcq_get g;		/* and its get */
	struct wait_queue_entry entry;
	bool queued;
};

struct ipcq_wa {
	struct ipcq_multi_waiter mw;
	struct ipcq_wa_obj *objs;
	u32 count;			/* objects, without the alert */
	u32 n;				/* entries of objs: count (+ 1 alert) */
	u32 mode;
	u32 index;			/* out */
	bool got;			/* the queue at index answered */
	long got_ret;			/* with that (its get's answer) */
};

/* A queue's get: 1 answered, the message taken or the queue ended. */
static int ipcq_wa_try_queue(struct ipcq_wa *wa, u32 i, long *ret)
{
	if (!ipcq_queue_get_try(&wa->objs[i].g, ret))
		return 0;
	/* Finished, and the answer made, by ipcq_wa_finish(). */
	wa->index = i;
	wa->got = true;
	wa->got_ret = *ret;
	return 1;
}

/* One entry under its own lock: 1 taken (*@ret its answer), 0 not ready. */
static int ipcq_wa_try_one(struct ipcq_wa *wa, u32 i, long *ret)
{
	struct ipcq_sync_file *f = wa->objs[i].f;
	struct ipcq_sync *s;
	int r;

	if (!f)
		return ipcq_wa_try_queue(wa, i, ret);
	s = f->s;
	spin_lock(&s->lock);
	r = s->ops->acquirable(f);
	if (r > 0) {
		*ret = s->ops->take(f);
		/* A user took it in shared memory meanwhile: not ready. */
		if (*ret == -EAGAIN)
			r = *ret = 0;
	} else if (r < 0) {
		*ret = r;
	}
	spin_unlock(&s->lock);
	if (!r)
		return 0;
	wa->index = i;
	if (!*ret)
		*ret = i;
	return 1;
}

/*
 * Takes every object, all found acquirable under their locks: first those
 * users may take in shared memory meanwhile (a type with untake), so that
 * when one was, the few taken are given back and nothing else was taken
 * (false: not ready). The first dead holder's EOWNERDEAD is the answer.
 */
static bool ipcq_wa_take_all(struct ipcq_wa *wa, long *ret)
{
	u32 i, j;
	int pass, r;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < wa->count; i++) {
			struct ipcq_sync_file *f = wa->objs[i].f;
			bool fallible = f->s->ops->untake;

			if (fallible != !pass)
				continue;
			r = f->s->ops->take(f);
			if (r == -EAGAIN) {
				for (j = i; j-- > 0;) {
					f = wa->objs[j].f;
					if (f->s->ops->untake)
						f->s->ops->untake(f);
				}
				*ret = 0;
				return false;
			}
			if (r && !*ret) {
				*ret = r;
				wa->index = i;
			}
		}
	}
	return true;
}

/* Every object at once, or none; the answer in *@ret. */
static bool ipcq_wa_try_all(struct ipcq_wa *wa, long *ret)
{
	bool all = true;
	u32 i;
	int r;

	*ret = 0;
	mutex_lock(&ipcq_wait_all_lock);
	for (i = 0; i < wa->count; i++)
		spin_lock_nest_lock(&wa->objs[i].f->s->lock,
				    &ipcq_wait_all_lock);
	for (i = 0; i < wa->count && !*ret; i++) {
		r = wa->objs[i].f->s->ops->acquirable(wa->objs[i].f);
		if (r < 0) {
			*ret = r;
			wa->index = i;
		}
		all &= r > 0;
	}
	if (!*ret && all)
		all = ipcq_wa_take_all(wa, ret);
	for (i = wa->count; i-- > 0;)
		spin_unlock(&wa->objs[i].f->s->lock);
	mutex_unlock(&ipcq_wait_all_lock);
	return *ret || all;
}

/* Readiness test for ipcq_wait_multi(): the objects, then the alert. */
static bool ipcq_wa_ready(void *ctx, long *ret)
{
	struct ipcq_wa *wa = ctx;
	u32 i;

	if (wa->mode == IPCQ_WAIT_ALL) {
		if (ipcq_wa_try_all(wa, ret))
			return true;
	} else {
		for (i = 0; i < wa->count; i++)
			if (ipcq_wa_try_one(wa, i, ret))
				return true;
	}
	return wa->n > wa->count && ipcq_wa_try_one(wa, wa->count, ret);
}

/* A queue's get descriptor, from @umsg: checked, and made the wait's. */
static int ipcq_wa_get_msg(struct ipcq_wa *wa, struct ipcq_wa_obj *o,
			   struct ipcq_msg __user *umsg)
{
	int ret;

	if (wa->mode == IPCQ_WAIT_ALL)
		return -EOPNOTSUPP;
	if (!umsg)
		return -EINVAL;
	if (copy_from_user(&o->msg, umsg, sizeof(o->msg)))
		return -EFAULT;
	if (o->msg.deadline ||
	    (o->msg.flags & (IPCQ_MSG_NONBLOCK | IPCQ_MSG_PEEK)))
		return -EINVAL;
	ret = ipcq_queue_get_init(&o->g, o->q, &o->msg);
	if (ret)
		return ret;
	/* What the get's own test reads of its wait (ring races, types). */
	o->msg.deadline = wa->mw.deadline;
	if (wa->mw.nonblock)
		o->msg.flags |= IPCQ_MSG_NONBLOCK;
	return 0;
}

/*
 * Takes a reference on the file behind @fd, checked for a wait: a sync
 * object's, or a queue's (@umsg its get descriptor), not for the alert.
 */
static int ipcq_wa_get(struct ipcq_wa *wa, struct ipcq_wa_obj *o, u32 fd,
		       bool alert, struct ipcq_msg __user *umsg)
{
	struct ipcq_sync *s;

	o->file = fget(fd);
	if (!o->file)
		return -EBADF;
	o->f = ipcq_sync_file_of(o->file);
	if (!o->f && !alert) {
		o->q = ipcq_queue_consumer_of(o->file) ?:
		       ipcq_pipe_in_of(o->file);
		if (IS_ERR(o->q)) {
			int ret = PTR_ERR(o->q);

			o->q = NULL;
			return ret;
		}
		if (o->q)
			return ipcq_wa_get_msg(wa, o, umsg);
	}
	if (!o->f)
		return -ENOTTY;
	s = o->f->s;
	if (!s->ops->acquirable ||
	    (alert && s->obj.type != IPCQ_TYPE_EVENT))
		return -EINVAL;
	if (s->obj.type == IPCQ_TYPE_SEM && s->sem.shared)
		return -EOPNOTSUPP;
	return 0;
}

/* Queues (@add) or dequeues the entry of every object, counting it. */
static void ipcq_wa_queue(struct ipcq_wa *wa, bool add)
{
	u32 i;

	for (i = 0; i < wa->n; i++) {
		struct ipcq_wa_obj *o = &wa->objs[i];
		struct ipcq_sync *s;

		if (o->queued == add)
			continue;
		if (o->q) {
			if (add)
				ipcq_multi_entry_init(&wa->mw, &o->entry);
			ipcq_queue_get_watch(o->q, &o->entry, add);
			o->queued = add;
			continue;
		}
		s = o->f->s;
		spin_lock(&s->lock);
		if (add) {
			ipcq_multi_entry_init(&wa->mw, &o->entry);
			add_wait_queue(&s->wq, &o->entry);
			s->waiters++;
		} else {
			remove_wait_queue(&s->wq, &o->entry);
			s->waiters--;
		}
		o->queued = add;
		spin_unlock(&s->lock);
	}
}

/* Copies and checks the fds; the references are dropped by the caller. */
static int ipcq_wa_get_all(struct ipcq_wa *wa,
			   const struct ipcq_wait_acquire *arg)
{
	struct ipcq_msg __user *umsgs = u64_to_user_ptr(arg->msgs);
	u32 __user *ufds = u64_to_user_ptr(arg->fds);
	u32 i, j, fd;
	int ret;

	for (i = 0; i < wa->count; i++) {
		if (get_user(fd, ufds + i))
			return -EFAULT;
		ret = ipcq_wa_get(wa, &wa->objs[i], fd, false,
				  umsgs ? umsgs + i : NULL);
		if (ret)
			return ret;
		/* ALL takes each object's lock once: no object twice. */
		for (j = 0; wa->mode == IPCQ_WAIT_ALL && j < i; j++)
			if (wa->objs[j].f->s == wa->objs[i].f->s)
				return -EINVAL;
	}
	if (wa->n > wa->count)
		return ipcq_wa_get(wa, &wa->objs[wa->count], arg->alert_fd,
				   true, NULL);
	return 0;
}

/*
 * The queue at wa->index answered: its get is finished (the message
 * copied out to its descriptor, or given back on a fault), and the answer
 * made the wait's: the index, or the queue's end.
 */
static long ipcq_wa_finish(struct ipcq_wa *wa,
			   const struct ipcq_wait_acquire *arg)
{
	struct ipcq_msg __user *umsgs = u64_to_user_ptr(arg->msgs);
	long ret;

	ret = ipcq_queue_get_finish(&wa->objs[wa->index].g,
				    umsgs + wa->index, wa->got_ret, NULL);
	if (ret == IPCQ_GET_EOF)
		return -ENODATA;
	return ret ?: wa->index;
}

long ipcq_wait_acquire(struct ipcq_wait_acquire __user *uarg)
{
	const u32 known = IPCQ_WAIT_NONBLOCK | IPCQ_WAIT_ALERT;
	struct ipcq_wait_acquire arg;
	struct ipcq_wa wa = { 0 };
	long ret;
	u32 i;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.count || arg.count > IPCQ_WAIT_ACQUIRE_MAX ||
	    arg.mode > IPCQ_WAIT_ALL || (arg.flags & ~known) || arg.pad ||
	    arg.index || arg.reserved ||
	    (!(arg.flags & IPCQ_WAIT_ALERT) && arg.alert_fd))
		return -EINVAL;
	/* The index goes out with answers about an object: writable first. */
	if (put_user(0, &uarg->index))
		return -EFAULT;

	wa.count = arg.count;
	wa.n = arg.count + !!(arg.flags & IPCQ_WAIT_ALERT);
	wa.mode = arg.mode;
	wa.mw.deadline = arg.deadline;
	wa.mw.nonblock = arg.flags & IPCQ_WAIT_NONBLOCK;
	wa.objs = kcalloc(wa.n, sizeof(*wa.objs), GFP_KERNEL_ACCOUNT);
	if (!wa.objs)
		return -ENOMEM;
	ret = ipcq_wa_get_all(&wa, &arg);
	if (ret)
		goto out;
	/* Queued before the first look, so no wake-up after it is missed. */
	if (!wa.mw.nonblock)
		ipcq_wa_queue(&wa, true);
	ret = ipcq_wait_multi(&wa.mw, ipcq_wa_ready, &wa);
	ipcq_wa_queue(&wa, false);
	if (wa.got)
		ret = ipcq_wa_finish(&wa, &arg);
	switch (ret) {
	case -EOWNERDEAD:
	case -EIDRM:
	case -ENOTRECOVERABLE:
	case -EOVERFLOW:
	case -ENODATA:
	case -ESHUTDOWN:
	case -EMSGSIZE:
	case -EBADMSG:
		/* Checked writable above; what was acquired stays so. */
		if (put_user(wa.index, &uarg->index) && ret != -EOWNERDEAD)
			ret = -EFAULT;
		break;
	}
out:
	for (i = 0; i < wa.n && wa.objs[i].file; i++)
		fput(wa.objs[i].file);
	kfree(wa.objs);
	return ret;
}
