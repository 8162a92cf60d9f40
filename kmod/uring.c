// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands: the object files' ioctls, carried out without a
 * thread waiting for them.
 *
 * A command runs the file's own ioctl dispatcher with a struct ipcq_call.
 * Where a thread would sleep, the operation calls ipcq_park() instead,
 * under the object's lock, with the wait queue, waiter count and deadline
 * it would have slept with, and returns -EIOCBQUEUED. The call then waits
 * on that queue with a wake function of its own, never in io_uring's
 * worker pool. Woken, it runs the same dispatcher again, in the
 * submitter's task (io_uring_cmd_complete_in_task()), where user memory
 * is reachable; that try either finishes the command or parks it again.
 *
 * A parked call is fired exactly once (state ARMED -> FIRED, by
 * cmpxchg) by whichever comes first: a wake-up, its deadline (hrtimer),
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
 * Teardown. Kernels from 6.7 let a command be marked cancelable: io_uring
 * then calls us with IO_URING_F_CANCEL when its ring goes away or its task
 * exits. Older ones (Debian's 6.1) wait for parked commands forever in
 * both cases, so a watchdog looks at every parked call IPCQ_WATCHDOG_MS
 * apart while any is parked and cancels those whose ring is dying or
 * whose task is cancelling its io_uring requests (exit, exec).
 *
 * Locks: ipcq_calls_lock (the list of calls that have parked) nests
 * inside an object's lock (ipcq_park()) and takes none of ours; the wake
 * function runs under the wait queue's lock and takes no lock but
 * io_uring's own.
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/io_uring.h>
#include <linux/io_uring_types.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "ipcq.h"

/*
 * From 6.7 a command can be marked cancelable (and the uring_cmd API
 * lives in <linux/io_uring/cmd.h>); 6.1 needs the watchdog. The 6.1
 * build also needs the four-argument io_uring_cmd_done() of 6.1.y
 * stable (Debian's 6.1.0-56 has it).
 */
#if KERNEL_VERSION(6, 7, 0) <= LINUX_VERSION_CODE
#include <linux/io_uring/cmd.h>
#define IPCQ_URING_CANCELABLE	1
#else
#define IPCQ_URING_CANCELABLE	0
#endif

#define IPCQ_WATCHDOG_MS	100
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
	atomic_t state;			/* IPCQ_CALL_* */

	/* Where it is parked; set by ipcq_park() under the object lock. */
	struct wait_queue_entry wait;
	spinlock_t *lock;		/* the object lock guarding *waiters */
	struct wait_queue_head *wq;
	u32 *waiters;
	struct ipcq_park_site *site;	/* NULL: a non-exclusive wait */
	bool parked;			/* on wq and counted in *waiters */
	struct task_struct *task;	/* runs its task work (not a reference:
					 * io_uring holds one while it exists)
					 */
	struct list_head busy_node;	/* on site->busy while fired, not run */
	unsigned int deferred;		/* wake-ups held back meanwhile */
	bool again;			/* parks at the head: keeps its place */
	struct hrtimer timer;		/* the deadline */

	struct list_head node;		/* ipcq_calls, once parked */
	pid_t pid;			/* the thread that issued it, for debugfs */
};

static LIST_HEAD(ipcq_calls);
static DEFINE_SPINLOCK(ipcq_calls_lock);
static void ipcq_watchdog_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ipcq_watchdog, ipcq_watchdog_fn);

/* io_uring's request around @cmd: its ring, task and user_data. */
static struct io_kiocb *ipcq_req(struct io_uring_cmd *cmd)
{
	return container_of((struct io_cmd_data *)cmd, struct io_kiocb, cmd);
}

static struct ipcq_call *ipcq_call_of(struct io_uring_cmd *cmd)
{
	return *(struct ipcq_call **)cmd->pdu;
}

static void ipcq_call_work(struct io_uring_cmd *cmd, unsigned int issue_flags);

void ipcq_park_site_init(struct ipcq_park_site *site)
{
	INIT_LIST_HEAD(&site->busy);
}

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
	if (site) {
		list_for_each_entry(busy, &site->busy, busy_node) {
			if (busy->task != call->task)
				continue;
			/* Its task has a woken call not run yet: wait. */
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
 * Parks @call where a thread would sleep: on @wq (exclusive when @site is
 * given), counted in *@waiters, until @deadline. The caller holds @lock,
 * the lock @waiters is guarded by and state changes are made under, so no
 * wake-up is lost. Returns -EIOCBQUEUED, or -ETIMEDOUT past @deadline.
 */
int ipcq_park(struct ipcq_call *call, spinlock_t *lock,
	      struct wait_queue_head *wq, u32 *waiters,
	      struct ipcq_park_site *site, u64 deadline)
{
	unsigned long flags;

	lockdep_assert_held(lock);
	if (deadline != IPCQ_DEADLINE_FOREVER && ktime_get_ns() >= deadline)
		return -ETIMEDOUT;
	call->lock = lock;
	call->wq = wq;
	call->waiters = waiters;
	call->site = site;
	init_waitqueue_func_entry(&call->wait, ipcq_call_wake);
	spin_lock_irqsave(&wq->lock, flags);
	/*
	 * A woken call that found nothing leaves its site. The wake-ups it
	 * held back for its task's other calls announced changes its own try
	 * has seen (made under @lock, before this park), so none of those
	 * calls could take anything either: they are dropped, not re-issued.
	 */
	list_del_init(&call->busy_node);
	if (site) {
		call->wait.flags |= WQ_FLAG_EXCLUSIVE;
		if (call->again)
			__add_wait_queue(wq, &call->wait);
		else
			__add_wait_queue_entry_tail(wq, &call->wait);
	} else {
		__add_wait_queue(wq, &call->wait);
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	(*waiters)++;
	call->parked = true;
	/*
	 * First park: the timer and the list entry, which answers given at
	 * once never need. Only its owner adds or removes the entry; others
	 * just walk the list.
	 */
	if (list_empty(&call->node)) {
		hrtimer_init(&call->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		call->timer.function = ipcq_call_timer_fn;
		spin_lock(&ipcq_calls_lock);
		list_add_tail(&call->node, &ipcq_calls);
		spin_unlock(&ipcq_calls_lock);
	}
	/*
	 * Armed before its timer starts, so an early expiry is not lost.
	 * Whoever fires it from here unparks it under @lock, which we hold
	 * until the timer is set up.
	 */
	atomic_set_release(&call->state, IPCQ_CALL_ARMED);
	if (deadline != IPCQ_DEADLINE_FOREVER)
		hrtimer_start(&call->timer,
			      deadline > KTIME_MAX ? KTIME_MAX : (ktime_t)deadline,
			      HRTIMER_MODE_ABS);
#if !IPCQ_URING_CANCELABLE
	schedule_delayed_work(&ipcq_watchdog, msecs_to_jiffies(IPCQ_WATCHDOG_MS));
#endif
	return -EIOCBQUEUED;
}

/* Off the wait queue, the waiter count and the timer; @call is fired. */
static void ipcq_call_unpark(struct ipcq_call *call)
{
	unsigned long flags;

	if (!call->parked)
		return;
	spin_lock(call->lock);
	/* Its callback takes no lock of ours: safe to wait for it here. */
	hrtimer_cancel(&call->timer);
	spin_lock_irqsave(&call->wq->lock, flags);
	list_del_init(&call->wait.entry);
	spin_unlock_irqrestore(&call->wq->lock, flags);
	(*call->waiters)--;
	spin_unlock(call->lock);
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

static void ipcq_call_free(struct ipcq_call *call)
{
	if (!list_empty(&call->node)) {
		spin_lock(&ipcq_calls_lock);
		list_del(&call->node);
		spin_unlock(&ipcq_calls_lock);
	}
	kfree(call);
}

/* Runs @call's operation; the caller owns it (state RUNNING). */
static long ipcq_call_run(struct ipcq_call *call)
{
	return call->dispatch(call->cmd->file, call->op, call->arg, call);
}

/*
 * Whether io_uring is waiting for @call to go: its ring is being torn
 * down, or its task is exiting (or cancelling its io_uring work for
 * exec). Such a call must take nothing: its completion would be lost.
 */
static bool ipcq_call_abandoned(struct ipcq_call *call)
{
	struct io_kiocb *req = ipcq_req(call->cmd);
	struct task_struct *task = call->task;

	if (percpu_ref_is_dying(&req->ctx->refs) ||
	    (task->flags & PF_EXITING) || fatal_signal_pending(task))
		return true;
#if !IPCQ_URING_CANCELABLE
	if (task->io_uring && atomic_read(&task->io_uring->in_idle))
		return true;
#endif
	return false;
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

/* Task work of a fired call: in its submitter's task, or a kworker. */
static void ipcq_call_work(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct ipcq_call *call = ipcq_call_of(cmd);
	int why = atomic_read(&call->state);
	bool woken = why == IPCQ_CALL_WOKEN && call->site;
	long ret = -ECANCELED;

	ipcq_call_unpark(call);
	/*
	 * Trying again needs the submitter's memory (io_uring falls back to
	 * a kworker when the task is gone), and someone to take the answer.
	 * A woken call stays on its site while it tries, so its task's later
	 * calls cannot overtake it; parking again takes it off (ipcq_park()).
	 */
	if (why != IPCQ_CALL_CANCELED &&
	    !(current->flags & (PF_EXITING | PF_KTHREAD)) &&
	    !ipcq_call_abandoned(call)) {
		atomic_set(&call->state, IPCQ_CALL_RUNNING);
		call->again = true;
		ret = ipcq_call_run(call);
		if (ret == -EIOCBQUEUED)
			return;		/* parked again; no longer ours */
		if (woken)
			ipcq_call_leave_site(call, 0);
	} else if (woken) {
		/* The wake-up we took is not used: pass it on. */
		ipcq_call_leave_site(call, 1);
	}
	ipcq_call_free(call);
	io_uring_cmd_done(cmd, ipcq_call_result(ret), 0, issue_flags);
}

/* Cancels parked calls for IPCQ_URING_CANCEL. */
static int ipcq_uring_cancel(struct io_uring_cmd *cmd, u64 user_data,
			     u32 flags)
{
	struct io_ring_ctx *ctx = ipcq_req(cmd)->ctx;
	struct ipcq_call *call;
	int n = 0;

	spin_lock(&ipcq_calls_lock);
	list_for_each_entry(call, &ipcq_calls, node) {
		struct io_kiocb *req = ipcq_req(call->cmd);

		/* Off the list only under our lock: its request is alive. */
		if (req->ctx != ctx)
			continue;
		if (!(flags & IPCQ_CANCEL_ANY) && req->cqe.user_data != user_data)
			continue;
		if (!ipcq_call_fire(call, IPCQ_CALL_CANCELED))
			continue;
		n++;
		if (!(flags & (IPCQ_CANCEL_ALL | IPCQ_CANCEL_ANY)))
			break;
	}
	spin_unlock(&ipcq_calls_lock);
	return n ?: -ENOENT;
}

#if IPCQ_URING_CANCELABLE
/*
 * io_uring's own cancel (ring teardown, task exit). Looked up in the list
 * rather than through the pdu: a call answered at once may be freed.
 */
static void ipcq_uring_cancel_cmd(struct io_uring_cmd *cmd)
{
	struct ipcq_call *call;

	spin_lock(&ipcq_calls_lock);
	list_for_each_entry(call, &ipcq_calls, node) {
		if (call->cmd == cmd) {
			ipcq_call_fire(call, IPCQ_CALL_CANCELED);
			break;
		}
	}
	spin_unlock(&ipcq_calls_lock);
}

/* Never scheduled: io_uring tells us itself. */
static void ipcq_watchdog_fn(struct work_struct *work)
{
}
#else

static void ipcq_watchdog_fn(struct work_struct *work)
{
	struct ipcq_call *call;
	bool again;

	spin_lock(&ipcq_calls_lock);
	list_for_each_entry(call, &ipcq_calls, node) {
		if (atomic_read(&call->state) == IPCQ_CALL_ARMED &&
		    ipcq_call_abandoned(call))
			ipcq_call_fire(call, IPCQ_CALL_CANCELED);
	}
	again = !list_empty(&ipcq_calls);
	spin_unlock(&ipcq_calls_lock);
	if (again)
		schedule_delayed_work(&ipcq_watchdog,
				      msecs_to_jiffies(IPCQ_WATCHDOG_MS));
}
#endif

static bool ipcq_uring_op_allowed(unsigned int op)
{
	switch (op) {
	case IPCQ_IOC_QUEUE_PUT:
	case IPCQ_IOC_QUEUE_GET:
	case IPCQ_IOC_QUEUE_JOIN:
	case IPCQ_IOC_PIPE_SEND:
	case IPCQ_IOC_PIPE_RECV:
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
 * An answer given at once. io_uring reads a handler's -EAGAIN as "retry
 * in a worker thread", and 6.1 drops a positive return (IPCQ_GET_EOF, a
 * cancel count) on the floor when the command ran in a worker, so those
 * two are posted as the completion here instead.
 */
static int ipcq_uring_answer(struct io_uring_cmd *cmd, int ret,
			     unsigned int issue_flags)
{
	/* A command marked cancelable must end through io_uring_cmd_done(). */
	if (!IPCQ_URING_CANCELABLE && ret <= 0 && ret != -EAGAIN)
		return ret;
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
	return -EIOCBQUEUED;
}

/* file_operations.uring_cmd of every object file (struct ipcq_file_type). */
int ipcq_file_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	ipcq_dispatch_fn dispatch = ipcq_file_type_of(cmd->file)->dispatch;
	const struct ipcq_uring_cmd *sqe_cmd = cmd->cmd;
	struct ipcq_call *call;
	u32 flags, pad;
	u64 arg;
	long ret;

	BUILD_BUG_ON(sizeof(struct ipcq_uring_cmd) != 16);
	BUILD_BUG_ON(sizeof(call) > sizeof(cmd->pdu));
#if IPCQ_URING_CANCELABLE
	if (issue_flags & IO_URING_F_CANCEL) {
		ipcq_uring_cancel_cmd(cmd);
		return 0;
	}
#endif
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
	    memchr_inv((const u8 *)cmd->cmd + sizeof(*sqe_cmd), 0,
		       IPCQ_SQE128_CMD_BYTES - sizeof(*sqe_cmd)))
		return -EINVAL;
	if (cmd->cmd_op == IPCQ_URING_CANCEL) {
		if (flags & ~(IPCQ_CANCEL_ALL | IPCQ_CANCEL_ANY))
			return -EINVAL;
		return ipcq_uring_answer(cmd, ipcq_uring_cancel(cmd, arg, flags),
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
	call->dispatch = dispatch;
	call->op = cmd->cmd_op;
	call->arg = arg;
	call->pid = task_pid_nr(current);
	call->task = ipcq_req(cmd)->task;
	atomic_set(&call->state, IPCQ_CALL_RUNNING);
	*(struct ipcq_call **)cmd->pdu = call;
	INIT_LIST_HEAD(&call->node);
	INIT_LIST_HEAD(&call->busy_node);
#if IPCQ_URING_CANCELABLE
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
#endif

	ret = ipcq_call_run(call);
	/* Parked: from here the call belongs to whoever fires it. */
	if (ret == -EIOCBQUEUED)
		return -EIOCBQUEUED;
	ipcq_call_free(call);
	return ipcq_uring_answer(cmd, ipcq_call_result(ret), issue_flags);
}

static const char *const ipcq_call_states[] = {
	[IPCQ_CALL_RUNNING] = "running",
	[IPCQ_CALL_ARMED] = "parked",
	[IPCQ_CALL_WOKEN] = "woken",
	[IPCQ_CALL_EXPIRED] = "expired",
	[IPCQ_CALL_CANCELED] = "canceled",
};

/* debugfs "uring": every command in progress. */
void ipcq_uring_show(struct seq_file *m)
{
	struct ipcq_call *call;

	seq_puts(m, "state\tcmd_op\tpid\tuser_data\tring_dying\n");
	spin_lock(&ipcq_calls_lock);
	list_for_each_entry(call, &ipcq_calls, node) {
		struct io_kiocb *req = ipcq_req(call->cmd);

		seq_printf(m, "%s\t%#x\t%d\t%llu\t%d\n",
			   ipcq_call_states[atomic_read(&call->state)],
			   call->op, call->pid, req->cqe.user_data,
			   percpu_ref_is_dying(&req->ctx->refs));
	}
	spin_unlock(&ipcq_calls_lock);
}

/* Module exit: no file is open, so no call is parked. */
void ipcq_uring_exit(void)
{
	cancel_delayed_work_sync(&ipcq_watchdog);
}
