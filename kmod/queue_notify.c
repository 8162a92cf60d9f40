// SPDX-License-Identifier: GPL-2.0
/*
 * Notification of a queue becoming non-empty (IPCQ_IOC_QUEUE_NOTIFY):
 * what POSIX mq_notify() needs. A queue holds at most one registration
 * (struct ipcq_notify_reg), owned by the process (thread group) that made
 * it through one of the queue's files. A put that makes the empty queue
 * non-empty while no getter is blocked takes it out of the queue under
 * the queue lock (ipcq_queue_notify_take()) and delivers it after
 * dropping the lock (ipcq_queue_notify_fire()): a signal to the owner, one
 * added to an eventfd, or nothing. On a ring queue the route word sends
 * every put and get through the kernel while a registration exists
 * (ipcq_queue_publish()), so that no put passes unseen.
 *
 * A registration is removed by its owner (IPCQ_NOTIFY_REMOVE), by the
 * release of the registering file, and is void once the owner has exited
 * or exec'd: the next registration replaces it, a put drops it.
 *
 * Locks: the queue lock (queue.h) guards q->notify; a registration taken
 * out of the queue belongs to whoever took it. Signals are sent and
 * eventfds signalled with no ipcq lock held; pids are looked up under RCU.
 */
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/version.h>

#include "queue.h"

struct ipcq_notify_reg {
	struct file *file;		/* that registered it; not referenced:
					 * its release removes the registration
					 */
	struct pid *owner;		/* thread group; referenced */
	u64 exec_id;			/* the owner's self_exec_id then */
	struct user_namespace *user_ns;	/* the owner's, for si_uid; ref'd */
	struct eventfd_ctx *efd;	/* IPCQ_NOTIFY_EVENTFD, referenced */
	u32 signo;			/* IPCQ_NOTIFY_SIGNAL, else 0 */
	u64 value;
};

void ipcq_notify_reg_free(struct ipcq_notify_reg *reg)
{
	if (!reg)
		return;
	if (reg->efd)
		eventfd_ctx_put(reg->efd);
	put_pid(reg->owner);
	put_user_ns(reg->user_ns);
	kfree(reg);
}

/* The owner's task if it still runs the program that registered. */
static struct task_struct *ipcq_notify_owner(struct ipcq_notify_reg *reg)
{
	struct task_struct *task;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "owner looked up without RCU");
	task = pid_task(reg->owner, PIDTYPE_TGID);
	if (task && task->self_exec_id != reg->exec_id)
		task = NULL;
	return task;
}

static bool ipcq_notify_live(struct ipcq_notify_reg *reg)
{
	bool live;

	rcu_read_lock();
	live = ipcq_notify_owner(reg);
	rcu_read_unlock();
	return live;
}

/* Under the queue lock: the registration, now the caller's to fire. */
struct ipcq_notify_reg *ipcq_queue_notify_take(struct ipcq_queue *q)
{
	struct ipcq_notify_reg *reg = q->notify;

	lockdep_assert_held(&q->lock);
	q->notify = NULL;
	/* Users of a ring may go back to it. */
	ipcq_queue_publish(q);
	return reg;
}

/*
 * ipcq_queue_notify_due() with a registration: under the queue lock,
 * before a put queues its message, whether it takes the registration, to
 * fire it (making the empty queue non-empty with no getter blocked) or to
 * drop it (its owner is gone: the ring is then the users' again at once).
 * A ring counts while registered: every put then comes here, and a slot
 * claimed for writing before the registration is a message already
 * queued (the claim was its place).
 */
bool ipcq_queue_notify_check(struct ipcq_queue *q)
{
	struct ipcq_ring_count c;

	lockdep_assert_held(&q->lock);
	if (!ipcq_notify_live(q->notify))
		return true;	/* fired, it delivers nothing */
	if (q->nr_msgs || q->getters)
		return false;
	if (!q->ring)
		return true;
	ipcq_ring_count(q->ring, &c);
	return !c.msgs && !c.writing;
}

/* With no ipcq lock held: delivers @reg and frees it (queue.h). */
void ipcq_queue_notify_send(struct ipcq_notify_reg *reg)
{
	struct kernel_siginfo info;
	struct task_struct *task;

	if (reg->signo) {
		clear_siginfo(&info);
		info.si_signo = reg->signo;
		info.si_code = SI_MESGQ;
		info.si_value.sival_ptr = (void __user *)(uintptr_t)reg->value;
		rcu_read_lock();
		info.si_pid = task_tgid_nr_ns(current, ns_of_pid(reg->owner));
		info.si_uid = from_kuid_munged(reg->user_ns, current_uid());
		task = ipcq_notify_owner(reg);
		if (task)
			send_sig_info(reg->signo, &info, task);
		rcu_read_unlock();
	} else if (reg->efd && ipcq_notify_live(reg)) {
#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
		eventfd_signal(reg->efd);
#else
		eventfd_signal(reg->efd, 1);
#endif
	}
	ipcq_notify_reg_free(reg);
}

/* @file is released: the registration it made goes. */
void ipcq_queue_notify_drop(struct ipcq_queue *q, struct file *file)
{
	struct ipcq_notify_reg *reg = NULL;

	spin_lock(&q->lock);
	if (q->notify && q->notify->file == file)
		reg = ipcq_queue_notify_take(q);
	spin_unlock(&q->lock);
	ipcq_notify_reg_free(reg);
}

static int ipcq_notify_args(const struct ipcq_queue_notify *arg)
{
	const u32 known = IPCQ_NOTIFY_SIGNAL | IPCQ_NOTIFY_EVENTFD |
			  IPCQ_NOTIFY_REMOVE;

	if ((arg->flags & ~known) || hweight32(arg->flags) > 1 || arg->pad ||
	    arg->reserved[0] || arg->reserved[1])
		return -EINVAL;
	if (arg->flags & IPCQ_NOTIFY_SIGNAL) {
		if (!arg->signo || !valid_signal(arg->signo))
			return -EINVAL;
	} else if (arg->signo || arg->value) {
		return -EINVAL;
	}
	if (!(arg->flags & IPCQ_NOTIFY_EVENTFD) && arg->eventfd)
		return -EINVAL;
	return 0;
}

static long ipcq_queue_notify_remove(struct ipcq_queue *q)
{
	struct ipcq_notify_reg *reg = NULL;

	spin_lock(&q->lock);
	if (q->notify && q->notify->owner == task_tgid(current))
		reg = ipcq_queue_notify_take(q);
	spin_unlock(&q->lock);
	ipcq_notify_reg_free(reg);
	return 0;
}

long ipcq_queue_notify(struct ipcq_queue *q, struct file *file,
		       struct ipcq_queue_notify __user *uarg)
{
	struct ipcq_notify_reg *reg, *old = NULL;
	struct ipcq_queue_notify arg;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = ipcq_notify_args(&arg);
	if (ret)
		return ret;
	if (arg.flags & IPCQ_NOTIFY_REMOVE)
		return ipcq_queue_notify_remove(q);

	reg = kzalloc(sizeof(*reg), GFP_KERNEL_ACCOUNT);
	if (!reg)
		return -ENOMEM;
	if (arg.flags & IPCQ_NOTIFY_EVENTFD) {
		reg->efd = eventfd_ctx_fdget(arg.eventfd);
		if (IS_ERR(reg->efd)) {
			reg->efd = NULL;
			kfree(reg);
			return -EINVAL;
		}
	}
	reg->file = file;
	reg->owner = get_pid(task_tgid(current));
	reg->exec_id = current->self_exec_id;
	reg->user_ns = get_user_ns(current_user_ns());
	reg->signo = arg.signo;
	reg->value = arg.value;

	spin_lock(&q->lock);
	if (q->notify && ipcq_notify_live(q->notify)) {
		ret = -EBUSY;
		old = reg;
	} else {
		old = q->notify;
		q->notify = reg;
		/* Ring users through the kernel from here on (uapi). */
		ipcq_queue_publish(q);
	}
	spin_unlock(&q->lock);
	ipcq_notify_reg_free(old);
	return ret;
}
