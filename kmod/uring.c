// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands: the object files' ioctls, carried out without a
 * thread waiting for them, on io_uring's public uring_cmd API only
 * (<linux/io_uring/cmd.h>).
 *
 * A command runs the file's own ioctl dispatcher with a struct ipcq_call.
 * Where a thread would sleep, the operation parks the call instead
 * (ipcq_park(), from wait.c), under the object's lock, with the wait queue,
 * waiter count and deadline it would have slept with, and returns
 * -EIOCBQUEUED. The call then waits on that queue with a wake function of
 * its own, never in io_uring's worker pool. Woken, it runs the same
 * dispatcher again, in the submitter's task (io_uring task work), where
 * user memory is reachable; that try either finishes the command or parks
 * it again.
 *
 * A parked call is fired exactly once (state ARMED -> FIRED, by cmpxchg)
 * by whichever comes first: a wake-up, its deadline (hrtimer),
 * IPCQ_URING_CANCEL, or teardown (below). Only the winner queues the task
 * work; the task work unparks and either tries again or completes.
 *
 * Order. io_uring runs a task's pending task work newest first, so two
 * calls of one task and one wait queue fired together would try in
 * reverse. Each exclusive wait queue therefore has a site (struct
 * ipcq_park_site) listing its woken calls that have not finished trying,
 * at most one per task: a wake-up for another call of a task already
 * listed is taken (counted as delivered) and deferred. When the listed
 * call completes, the deferred wake-ups are re-issued; when it finds
 * nothing and parks again, at the head, keeping its place, they are
 * dropped (its try, made after them, saw what they announced). A later
 * call of the same task never tries before an earlier one has finished,
 * and calls of other tasks are not held up. So parked gets complete in
 * the order they were parked.
 *
 * Teardown. Every command is marked cancelable before it first runs:
 * io_uring then calls us with IO_URING_F_CANCEL when its ring goes away or
 * its task exits, and a parked call is fired as canceled. A call already
 * woken learns it from its task work's IO_URING_F_TASK_DEAD (the ring
 * dying or the task exiting): it then takes nothing, since its completion
 * would be lost. Every command ends through io_uring_cmd_done(), which
 * takes it off io_uring's cancelable list; its call is freed after that,
 * so a cancel never meets a freed call. IORING_OP_ASYNC_CANCEL does not
 * look at driver commands (io_uring searches only its own poll, timeout,
 * futex, waitid and worker lists): IPCQ_URING_CANCEL cancels by user_data.
 *
 * Kernels: the cancelable API came in 6.7 and IO_URING_F_TASK_DEAD for a
 * dying ring later; the commands are offered from 6.12 (IPCQ_URING). Older
 * kernels (Debian 12's 6.1) would wait forever for a parked command when
 * its ring closes or its task exits, and know no way to tell us: there
 * IPCQ_FEATURE_URING is not offered and every command is EOPNOTSUPP.
 *
 * Locks: a call is on its object's list (ipcq_object.calls) from its
 * first park until it ends, under the object's lock, which also guards
 * its waiter count and park; the wake function runs under the wait
 * queue's lock (which guards the site) and takes no lock but io_uring's.
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/version.h>
#include <linux/wait.h>

#include "ipcq.h"

#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE && IS_ENABLED(CONFIG_IO_URING)
#include <linux/io_uring/cmd.h>
#define IPCQ_URING	1
#else
#define IPCQ_URING	0
#endif

void ipcq_park_site_init(struct ipcq_park_site *site)
{
	INIT_LIST_HEAD(&site->busy);
}

/* Whether this kernel gets io_uring commands (IPCQ_FEATURE_URING). */
bool ipcq_uring_offered(void)
{
	return IPCQ_URING;
}

#if IPCQ_URING

#define IPCQ_SQE128_CMD_BYTES	80	/* sqe->cmd of a 128-byte SQE */

enum {
	IPCQ_CALL_RUNNING,	/* in the dispatcher: nobody may fire it */
	IPCQ_CALL_ARMED,	/* parked: the first to fire it owns it */
	IPCQ_CALL_WOKEN,	/* fired by a wake-up: try again */
	IPCQ_CALL_EXPIRED,	/* fired by its deadline: try a last time */
	IPCQ_CALL_CANCELED,	/* fired by a cancel: complete, no try */
};

struct ipcq_call {
	struct io_uring_cmd *cmd;
	ipcq_dispatch_fn dispatch;
	unsigned int op;
	unsigned long arg;
	u64 user_data;			/* of the SQE, for IPCQ_URING_CANCEL */
	struct task_struct *task;	/* runs its task work (not a reference:
					 * io_uring holds one while it exists)
					 */
	pid_t pid;			/* the thread that issued it, for debugfs */
	atomic_t state;			/* IPCQ_CALL_* */

	/* Where it is parked; set by ipcq_park() under the object lock. */
	struct ipcq_object *obj;	/* NULL until its first park */
	struct list_head node;		/* on obj->calls from then on */
	struct wait_queue_entry wait;
	struct wait_queue_head *wq;
	u32 *waiters;
	u32 *held;			/* a count it is in while parked, if any */
	struct ipcq_park_site *site;	/* NULL: a non-exclusive wait */
	bool parked;			/* on wq and counted in *waiters */
	struct list_head busy_node;	/* on site->busy while woken, trying */
	unsigned int deferred;		/* wake-ups held back meanwhile */
	bool again;			/* parks at the head: keeps its place */
	struct hrtimer timer;		/* the deadline */
};

static struct ipcq_call *ipcq_call_of(struct io_uring_cmd *cmd)
{
	return *(struct ipcq_call **)cmd->pdu;
}

static void ipcq_call_work(struct io_uring_cmd *cmd, unsigned int issue_flags);

/* Fires @call for @why if it is still parked; the caller may not sleep. */
static bool ipcq_call_fire(struct ipcq_call *call, int why)
{
	if (atomic_cmpxchg(&call->state, IPCQ_CALL_ARMED, why) !=
	    IPCQ_CALL_ARMED)
		return false;
	io_uring_cmd_complete_in_task(call->cmd, ipcq_call_work);
	return true;
}

/* Wait queue callback, under the wait queue's lock (which guards @site). */
static int ipcq_call_wake(struct wait_queue_entry *wait, unsigned int mode,
			  int sync, void *key)
{
	struct ipcq_call *call = container_of(wait, struct ipcq_call, wait);
	struct ipcq_park_site *site = call->site;
	struct ipcq_call *busy;

	if (atomic_read(&call->state) != IPCQ_CALL_ARMED)
		return 0;		/* leaving: pass the wake-up on */
	if (key && (key_to_poll(key) & IPCQ_POLL_NO_CALL))
		return 0;
	if (site) {
		list_for_each_entry(busy, &site->busy, busy_node) {
			if (busy->task != call->task)
				continue;
			/* Its task has a woken call still trying: wait. */
			busy->deferred++;
			return 1;
		}
	}
	if (!ipcq_call_fire(call, IPCQ_CALL_WOKEN))
		return 0;
	if (site) {
		call->deferred = 0;
		list_add_tail(&call->busy_node, &site->busy);
	}
	list_del_init(&wait->entry);
	return 1;
}

static enum hrtimer_restart ipcq_call_timer_fn(struct hrtimer *timer)
{
	ipcq_call_fire(container_of(timer, struct ipcq_call, timer),
		       IPCQ_CALL_EXPIRED);
	return HRTIMER_NORESTART;
}

/*
 * Parks @call where a thread would sleep as @w says: on its wait queue
 * (exclusive when it has a site), counted in its waiters, until its
 * deadline. The caller holds the object lock, under which the object's
 * state changes, so no wake-up is lost. Returns -EIOCBQUEUED, or
 * -ETIMEDOUT past the deadline.
 */
int ipcq_park(struct ipcq_call *call, const struct ipcq_waiter *w)
{
	unsigned long flags;

	lockdep_assert_held(w->obj->lock);
	if (w->deadline != IPCQ_DEADLINE_FOREVER &&
	    ktime_get_ns() >= w->deadline)
		return -ETIMEDOUT;
	/* First park: its object's list, its timer. */
	if (!call->obj) {
		call->obj = w->obj;
		list_add_tail(&call->node, &w->obj->calls);
		hrtimer_init(&call->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		call->timer.function = ipcq_call_timer_fn;
	}
	call->wq = w->wq;
	call->waiters = w->waiters;
	call->site = w->site;
	init_waitqueue_func_entry(&call->wait, ipcq_call_wake);
	spin_lock_irqsave(&call->wq->lock, flags);
	/*
	 * A woken call that found nothing leaves its site. The wake-ups it
	 * held back for its task's other calls announced changes its own try
	 * has seen (made under the object lock, before this park), so none of
	 * those calls could take anything either: they are dropped, not
	 * re-issued.
	 */
	list_del_init(&call->busy_node);
	if (call->site) {
		call->wait.flags |= WQ_FLAG_EXCLUSIVE;
		if (call->again)
			__add_wait_queue(call->wq, &call->wait);
		else
			__add_wait_queue_entry_tail(call->wq, &call->wait);
	} else {
		__add_wait_queue(call->wq, &call->wait);
	}
	spin_unlock_irqrestore(&call->wq->lock, flags);
	(*call->waiters)++;
	call->parked = true;
	/*
	 * Armed before its timer starts, so an early expiry is not lost.
	 * Whoever fires it from here unparks it under the object lock, which
	 * we hold until the timer is set up.
	 */
	atomic_set_release(&call->state, IPCQ_CALL_ARMED);
	if (w->deadline != IPCQ_DEADLINE_FOREVER)
		hrtimer_start(&call->timer, w->deadline > KTIME_MAX ?
			      KTIME_MAX : (ktime_t)w->deadline,
			      HRTIMER_MODE_ABS);
	return -EIOCBQUEUED;
}

/*
 * Keeps @call, just parked, in @count (incremented by the caller, under
 * the object lock it still holds) until it leaves: as a thread waiting for
 * a queue's byte limit stays in its queue's count while it sleeps, so that
 * gets wake it (queue_xfer.c).
 */
void ipcq_call_hold(struct ipcq_call *call, u32 *count)
{
	lockdep_assert_held(call->obj->lock);
	call->held = count;
}

/*
 * Off the wait queue, the waiter count (and the count it holds) and the
 * timer; @call is fired.
 */
static void ipcq_call_unpark(struct ipcq_call *call)
{
	unsigned long flags;

	if (!call->parked)
		return;
	spin_lock(call->obj->lock);
	/* Its callback takes no lock of ours: safe to wait for it here. */
	hrtimer_cancel(&call->timer);
	spin_lock_irqsave(&call->wq->lock, flags);
	list_del_init(&call->wait.entry);
	spin_unlock_irqrestore(&call->wq->lock, flags);
	(*call->waiters)--;
	if (call->held) {
		(*call->held)--;
		call->held = NULL;
	}
	spin_unlock(call->obj->lock);
	call->parked = false;
}

/* The ioctl's answer as a completion: no restart from io_uring. */
static int ipcq_call_result(long ret)
{
	if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	    ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK)
		return -EINTR;
	return ret;
}

/*
 * Ends the command with @ret and frees its call: off its object's list
 * first, then completed (off io_uring's cancelable list), then freed.
 */
static void ipcq_call_end(struct ipcq_call *call, long ret,
			  unsigned int issue_flags)
{
	if (call->obj) {
		spin_lock(call->obj->lock);
		list_del(&call->node);
		spin_unlock(call->obj->lock);
	}
	io_uring_cmd_done(call->cmd, ipcq_call_result(ret), 0, issue_flags);
	kfree(call);
}

/*
 * A woken call leaves its site: the wake-ups held back for its task's
 * other calls are handed back (@nr more for the caller's own reasons).
 * Its site's wait queue lock guards the list; nothing if not listed.
 */
static void ipcq_call_leave_site(struct ipcq_call *call, unsigned int nr)
{
	struct wait_queue_head *wq = call->wq;
	unsigned long flags;

	spin_lock_irqsave(&wq->lock, flags);
	if (!list_empty(&call->busy_node)) {
		list_del_init(&call->busy_node);
		nr += call->deferred;
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	if (nr)
		wake_up_nr(wq, min_t(unsigned int, nr, INT_MAX));
}

/* Task work of a fired call, in its submitter's task. */
static void ipcq_call_work(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct ipcq_call *call = ipcq_call_of(cmd);
	int why = atomic_read(&call->state);
	bool woken = why == IPCQ_CALL_WOKEN && call->site;
	long ret = -ECANCELED;

	ipcq_call_unpark(call);
	/*
	 * Trying again needs someone to take the answer: not when the ring
	 * is dying or the task exiting. A woken call stays on its site while
	 * it tries, so its task's later calls cannot overtake it; parking
	 * again takes it off (ipcq_park()).
	 */
	if (why != IPCQ_CALL_CANCELED && !(issue_flags & IO_URING_F_TASK_DEAD)) {
		atomic_set(&call->state, IPCQ_CALL_RUNNING);
		call->again = true;
		ret = call->dispatch(cmd->file, call->op, call->arg, call);
		if (ret == -EIOCBQUEUED)
			return;		/* parked again; no longer ours */
		if (woken)
			ipcq_call_leave_site(call, 0);
	} else if (woken) {
		/* The wake-up we took is not used: pass it on. */
		ipcq_call_leave_site(call, 1);
	}
	ipcq_call_end(call, ret, issue_flags);
}

/* Whether @call matches a cancel of @task for @user_data with @flags. */
static bool ipcq_call_matches(struct ipcq_call *call, struct task_struct *task,
			      u64 user_data, u32 flags)
{
	return call->task == task &&
	       ((flags & IPCQ_CANCEL_ANY) || call->user_data == user_data);
}

/*
 * IPCQ_URING_CANCEL on @file: fires the parked calls on the objects behind
 * it that @task issued with @user_data (the first, ALL of them, or ANY
 * of @task's). Returns how many, or -ENOENT.
 */
static int ipcq_uring_cancel(struct file *file, struct task_struct *task,
			     u64 user_data, u32 flags)
{
	const struct ipcq_file_type *type = ipcq_file_type_of(file);
	struct ipcq_object *obj;
	struct ipcq_call *call;
	unsigned int i;
	int n = 0;

	for (i = 0; type->object && (obj = type->object(file, i)); i++) {
		spin_lock(obj->lock);
		list_for_each_entry(call, &obj->calls, node) {
			if (!ipcq_call_matches(call, task, user_data, flags) ||
			    !ipcq_call_fire(call, IPCQ_CALL_CANCELED))
				continue;
			n++;
			if (!(flags & (IPCQ_CANCEL_ALL | IPCQ_CANCEL_ANY)))
				break;
		}
		spin_unlock(obj->lock);
		if (n && !(flags & (IPCQ_CANCEL_ALL | IPCQ_CANCEL_ANY)))
			break;
	}
	return n ?: -ENOENT;
}

static bool ipcq_uring_op_allowed(unsigned int op)
{
	switch (op) {
	case IPCQ_IOC_QUEUE_PUT:
	case IPCQ_IOC_QUEUE_GET:
	case IPCQ_IOC_QUEUE_JOIN:
	case IPCQ_IOC_PIPE_SEND:
	case IPCQ_IOC_PIPE_RECV:
	case IPCQ_IOC_QUEUE_PUT_MANY:
	case IPCQ_IOC_QUEUE_GET_MANY:
	case IPCQ_IOC_PIPE_SEND_MANY:
	case IPCQ_IOC_PIPE_RECV_MANY:
	case IPCQ_IOC_SEM_ACQUIRE:
	case IPCQ_IOC_SEM_RELEASE:
	case IPCQ_IOC_EVENT_WAIT:
	case IPCQ_IOC_EVENT_SET:
	case IPCQ_IOC_EVENT_CLEAR:
		return true;
	default:
		return false;
	}
}

/*
 * An answer given at once, posted as the completion: io_uring reads a
 * handler's -EAGAIN as "retry in a worker thread", and a command marked
 * cancelable must end through io_uring_cmd_done() anyway.
 */
static int ipcq_uring_answer(struct io_uring_cmd *cmd, int ret,
			     unsigned int issue_flags)
{
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
	return -EIOCBQUEUED;
}

/* file_operations.uring_cmd of every object file (struct ipcq_file_type). */
int ipcq_file_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	const struct ipcq_uring_cmd *sqe_cmd = io_uring_sqe_cmd(cmd->sqe);
	struct ipcq_call *call;
	u32 flags, pad;
	u64 arg;
	long ret;

	BUILD_BUG_ON(sizeof(struct ipcq_uring_cmd) != 16);
	io_uring_cmd_private_sz_check(sizeof(call));
	if (issue_flags & IO_URING_F_CANCEL) {
		/* Marked cancelable, so not ended, so its call is alive. */
		ipcq_call_fire(ipcq_call_of(cmd), IPCQ_CALL_CANCELED);
		return 0;
	}
	if (issue_flags & IO_URING_F_IOPOLL)
		return -EOPNOTSUPP;
	/* The SQE is shared with userspace: read each field once. */
	arg = READ_ONCE(sqe_cmd->arg);
	flags = READ_ONCE(sqe_cmd->flags);
	pad = READ_ONCE(sqe_cmd->pad);
	if (pad)
		return -EINVAL;
	/* A 128-byte SQE has 64 more command bytes: reserved, so zero. */
	if ((issue_flags & IO_URING_F_SQE128) &&
	    memchr_inv((const u8 *)sqe_cmd + sizeof(*sqe_cmd), 0,
		       IPCQ_SQE128_CMD_BYTES - sizeof(*sqe_cmd)))
		return -EINVAL;
	if (cmd->cmd_op == IPCQ_URING_CANCEL) {
		if (flags & ~(IPCQ_CANCEL_ALL | IPCQ_CANCEL_ANY))
			return -EINVAL;
		return ipcq_uring_answer(cmd, ipcq_uring_cancel(cmd->file,
					 io_uring_cmd_get_task(cmd), arg, flags),
					 issue_flags);
	}
	if (flags)
		return -EINVAL;
	if (!ipcq_uring_op_allowed(cmd->cmd_op))
		return -EOPNOTSUPP;

	call = kzalloc(sizeof(*call), GFP_KERNEL_ACCOUNT);
	if (!call)
		return -ENOMEM;
	call->cmd = cmd;
	call->dispatch = ipcq_file_type_of(cmd->file)->dispatch;
	call->op = cmd->cmd_op;
	call->arg = arg;
	call->user_data = READ_ONCE(cmd->sqe->user_data);
	call->task = io_uring_cmd_get_task(cmd);
	call->pid = task_pid_nr(current);
	atomic_set(&call->state, IPCQ_CALL_RUNNING);
	INIT_LIST_HEAD(&call->busy_node);
	*(struct ipcq_call **)cmd->pdu = call;
	/* Before it can park: teardown must find every parked call. */
	io_uring_cmd_mark_cancelable(cmd, issue_flags);

	ret = call->dispatch(cmd->file, call->op, call->arg, call);
	/* Parked: from here the call belongs to whoever fires it. */
	if (ret == -EIOCBQUEUED)
		return -EIOCBQUEUED;
	ipcq_call_end(call, ret, issue_flags);
	return -EIOCBQUEUED;
}

static const char *const ipcq_call_states[] = {
	[IPCQ_CALL_RUNNING] = "running",
	[IPCQ_CALL_ARMED] = "parked",
	[IPCQ_CALL_WOKEN] = "woken",
	[IPCQ_CALL_EXPIRED] = "expired",
	[IPCQ_CALL_CANCELED] = "canceled",
};

/* debugfs "uring": the commands in progress on @obj, under its lock. */
void ipcq_uring_show_object(struct seq_file *m, struct ipcq_object *obj)
{
	struct ipcq_call *call;

	lockdep_assert_held(obj->lock);
	list_for_each_entry(call, &obj->calls, node)
		seq_printf(m, "%llu\t%s\t%#x\t%d\t%llu\n", obj->id,
			   ipcq_call_states[atomic_read(&call->state)],
			   call->op, call->pid, call->user_data);
}

#else /* !IPCQ_URING */

int ipcq_park(struct ipcq_call *call, const struct ipcq_waiter *w)
{
	return -EOPNOTSUPP;
}

void ipcq_call_hold(struct ipcq_call *call, u32 *count)
{
}

int ipcq_file_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	return -EOPNOTSUPP;
}

void ipcq_uring_show_object(struct seq_file *m, struct ipcq_object *obj)
{
}

#endif /* IPCQ_URING */
