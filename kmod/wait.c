// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting: the one loop every blocking operation of every object type
 * runs (ipcq_wait(), inline in ipcq.h, so that each operation's readiness
 * test is inlined into it; its steps between two looks are here:
 * ipcq_wait_step()), and the sleeps under it.
 *
 * An operation describes its wait (struct ipcq_waiter: the object lock,
 * wait queue, waiter count, park site, deadline, NONBLOCK, io_uring call)
 * and a readiness test, and calls ipcq_wait() with the lock held. The test
 * runs under the lock: it either does the operation (takes the unit, the
 * message, the lock) and gives its answer, or says "not yet". Not yet
 * becomes -EAGAIN with NONBLOCK, parking for an io_uring call (uring.c),
 * or a sleep until a wake-up, the deadline or a signal. After a sleep the
 * test runs again; after a failed one (deadline, signal) too, once, so a
 * state that changed meanwhile is answered for (the unit taken, the
 * destroy reported) rather than the timeout or the signal.
 *
 * A thread in an exclusive wait may sleep on a list of sleepers the
 * object keeps under its lock (struct ipcq_waiter.sleepers) instead of on
 * the wait queue: its waker takes it off the list under that lock and
 * wakes it with every lock dropped (ipcq_sleepers_wake_one()), as the
 * kernel's POSIX mq does with wake_q (not exported to modules), so that
 * the sleeper never spins on a wait queue's lock, interrupts off, while
 * the waker wakes it (the queue's hot path: queue.c).
 *
 * A thread about to sleep until another task acts (a put, a get) may
 * first spin (struct ipcq_waiter.spin_watch), if the other side acted a
 * moment ago (this tick or the one before), for at most the wait_spin_ns
 * module parameter, until the word it watches changes, a signal comes or
 * the deadline passes, letting tasks that need the CPU go first; it then
 * looks again, and sleeps only if that finds nothing. Going to sleep and
 * being woken costs both sides more than a busy peer takes to act: a
 * stream or a request and its reply between running processes then
 * never sleep, and a wait on a side that has been quiet does not spin.
 * (Whether the peer task is running would not tell: a task being woken
 * looks asleep until its CPU takes it in, the very moment a reply
 * depends on. Measured: spinning only on a running peer left a round
 * trip asleep on both sides, 70 us under TCG, where this takes 7.)
 * A spinning thread counts as a waiter, as a sleeping one does.
 *
 * What ends every wait of an object - destroyed, shut down, the last
 * producer or consumer gone - is reported by each test ahead of "not yet",
 * and the code that changes it wakes every waiter.
 *
 * Deadlines are absolute CLOCK_MONOTONIC nanoseconds, so a call restarted
 * after a signal (-ERESTARTSYS) waits no longer than the first would have.
 *
 * A wait on several objects at once (wait_acquire.c) runs the same loop
 * in ipcq_wait_multi(): its entries on every object's wait queue mark one
 * wait woken and wake the task, and its readiness test takes the objects'
 * locks itself.
 *
 * Locks: ipcq_wait() is entered and left with the waiter's lock held; it
 * is dropped only to sleep, and in ipcq_relax_locked(). ipcq_wait_multi()
 * is entered with no lock held.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/wait.h>

#include "ipcq.h"

/* Whether a signal ends a wait: a fatal one when @killable, else any. */
static bool ipcq_signalled(bool killable)
{
	return killable ? fatal_signal_pending(current) :
			  signal_pending(current);
}

/*
 * Sleep after prepare_to_wait*(): 0 when woken, -ETIMEDOUT once @deadline
 * has passed, -ERESTARTSYS if a signal (a fatal one when @killable, the
 * task then waiting in TASK_KILLABLE) is pending.
 */
int ipcq_sleep(u64 deadline, bool killable)
{
	ktime_t expires;

	if (ipcq_signalled(killable))
		return -ERESTARTSYS;
	if (deadline == IPCQ_DEADLINE_FOREVER) {
		schedule();
		return 0;
	}
	if (ktime_get_ns() >= deadline)
		return -ETIMEDOUT;
	expires = deadline > KTIME_MAX ? KTIME_MAX : (ktime_t)deadline;
	if (!schedule_hrtimeout_range(&expires, current->timer_slack_ns,
				      HRTIMER_MODE_ABS))
		return -ETIMEDOUT;
	return 0;
}

/*
 * For a caller that keeps losing a compare-and-swap on shared memory to
 * its users (or to a scribbler) while holding @lock: lets the CPU go with
 * the lock dropped, then says whether to stop: -ERESTARTSYS on a signal,
 * -ETIMEDOUT past @deadline, 0 to try again. Returns with @lock held.
 */
int ipcq_relax_locked(spinlock_t *lock, u64 deadline)
{
	lockdep_assert_held(lock);
	spin_unlock(lock);
	cond_resched();
	spin_lock(lock);
	if (signal_pending(current))
		return -ERESTARTSYS;
	if (ktime_get_ns() >= deadline)
		return -ETIMEDOUT;
	return 0;
}

/*
 * One sleep on w->sleepers with the object lock dropped: the waker takes
 * the sleeper off the list under that lock and wakes the task after
 * dropping it (ipcq_sleepers_wake_one()), so the two never meet on a wait
 * queue's lock (with interrupts off) while the task is being woken. The
 * task state is set before the lock is dropped: a wake-up between the
 * unlock and schedule() leaves it running. Off the list when it comes
 * back (woken), or taken off here (deadline, signal, a stray wake-up).
 */
static int ipcq_wait_sleep_listed(struct ipcq_waiter *w, int state)
{
	struct ipcq_sleeper sleeper = { .task = current };
	int ret;

	list_add_tail(&sleeper.node, w->sleepers);
	set_current_state(state);
	(*w->waiters)++;
	spin_unlock(w->obj->lock);

	ret = ipcq_sleep(w->deadline, w->killable);

	__set_current_state(TASK_RUNNING);
	spin_lock(w->obj->lock);
	list_del(&sleeper.node);
	(*w->waiters)--;
	return ret;
}

/* One sleep on w->wq with the object lock dropped, counted in *w->waiters. */
static int ipcq_wait_sleep(struct ipcq_waiter *w)
{
	int state = w->killable ? TASK_KILLABLE : TASK_INTERRUPTIBLE;
	struct wait_queue_entry own, *entry = w->entry;
	int ret;

	if (w->sleepers && w->exclusive && !entry)
		return ipcq_wait_sleep_listed(w, state);
	if (!entry) {
		init_wait(&own);
		entry = &own;
	}
	/* Both keep an entry that is queued already where it is. */
	if (w->exclusive)
		prepare_to_wait_exclusive(w->wq, entry, state);
	else
		prepare_to_wait(w->wq, entry, state);
	(*w->waiters)++;
	spin_unlock(w->obj->lock);

	ret = ipcq_sleep(w->deadline, w->killable);

	finish_wait(w->wq, entry);
	spin_lock(w->obj->lock);
	(*w->waiters)--;
	return ret;
}

/*
 * One spin of @w with the object lock dropped, until @end (ns of
 * ktime_get_ns()): false, the lock still held, if it may not spin: @end
 * passed, a signal is pending (the sleep reports it), or the other side
 * last acted longer ago than this tick and the one before (it is likely
 * not running: the spin would only burn the CPU).
 */
static bool ipcq_wait_spin(struct ipcq_waiter *w, u64 end)
{
	u64 seen;

	lockdep_assert_held(w->obj->lock);
	if (time_after(jiffies, *w->spin_since + IPCQ_SPIN_RECENT) ||
	    ipcq_signalled(w->killable) || ktime_get_ns() >= end)
		return false;
	seen = *w->spin_watch;
	(*w->waiters)++;
	spin_unlock(w->obj->lock);

	do {
		/* A task that needs this CPU (RCU's too) goes first. */
		cond_resched();
		cpu_relax();
	} while (READ_ONCE(*w->spin_watch) == seen &&
		 !ipcq_signalled(w->killable) && ktime_get_ns() < end);

	spin_lock(w->obj->lock);
	(*w->waiters)--;
	return true;
}

/* When the spins of a wait end: never (0) without a budget. */
static u64 ipcq_wait_spin_end(const struct ipcq_waiter *w)
{
	u64 budget = READ_ONCE(ipcq_wait_spin_ns);

	if (!w->spin_watch || !budget)
		return 0;
	return min(ktime_get_ns() + budget, w->deadline);
}

/*
 * What ipcq_wait() does after a look that found its operation not ready:
 * answers -EAGAIN (NONBLOCK), -EIOCBQUEUED (an io_uring call parked),
 * -ETIMEDOUT past the deadline or -ERESTARTSYS on a signal (after the
 * look that follows a failed sleep), or IPCQ_WAIT_AGAIN after a spin or
 * a sleep, for another look.
 */
long ipcq_wait_step(struct ipcq_waiter *w, struct ipcq_wait_state *st)
{
	lockdep_assert_held(w->obj->lock);
	if (st->slept)
		return st->slept;
	if (w->nonblock)
		return -EAGAIN;
	if (w->call)
		return ipcq_park(w->call, w);
	if (!st->spin_end)
		st->spin_end = ipcq_wait_spin_end(w);
	/* After a spin, look again (a change may have come at its end). */
	if (st->spin_end && ipcq_wait_spin(w, st->spin_end))
		return IPCQ_WAIT_AGAIN;
	st->slept = ipcq_wait_sleep(w);
	return IPCQ_WAIT_AGAIN;
}

/*
 * Takes the first thread off @sleepers under @lock, which guards it
 * (held by the caller, who decided under it that one is to be woken) and
 * holds its task, for ipcq_sleeper_wake() once every lock is dropped;
 * NULL if none sleeps. The task is held as it may leave (its deadline)
 * as soon as the lock is dropped; it then meets a stray wake-up, which
 * every sleep in the kernel tolerates.
 */
struct task_struct *ipcq_sleepers_take_one(spinlock_t *lock,
					   struct list_head *sleepers)
{
	struct ipcq_sleeper *first;

	lockdep_assert_held(lock);
	first = list_first_entry_or_null(sleepers, struct ipcq_sleeper, node);
	if (!first)
		return NULL;
	list_del_init(&first->node);
	return get_task_struct(first->task);
}

/* Wakes and lets go of a task ipcq_sleepers_take_one() took. */
void ipcq_sleeper_wake(struct task_struct *task)
{
	wake_up_process(task);
	put_task_struct(task);
}

/*
 * Wakes the first thread on @sleepers (guarded by @lock, which the caller
 * does not hold) after dropping @lock; true if there was one. The check
 * without the lock sees every sleeper that went to sleep before the
 * caller's last change under @lock (it was listed before that unlock),
 * and a later one saw the change. A caller that still holds @lock when it
 * decides saves a lock round trip with ipcq_sleepers_take_one().
 */
bool ipcq_sleepers_wake_one(spinlock_t *lock, struct list_head *sleepers)
{
	struct task_struct *task;

	if (list_empty_careful(sleepers))
		return false;
	spin_lock(lock);
	task = ipcq_sleepers_take_one(lock, sleepers);
	spin_unlock(lock);
	if (!task)
		return false;
	ipcq_sleeper_wake(task);
	return true;
}

/*
 * Wakes every thread on @sleepers (end states, waits that are not about
 * the next unit): under @lock, rare, so no task needs holding.
 */
void ipcq_sleepers_wake_all(spinlock_t *lock, struct list_head *sleepers)
{
	struct ipcq_sleeper *s, *tmp;

	if (list_empty_careful(sleepers))
		return;
	spin_lock(lock);
	list_for_each_entry_safe(s, tmp, sleepers, node) {
		list_del_init(&s->node);
		wake_up_process(s->task);
	}
	spin_unlock(lock);
}

/* A wake-up on any queue of a multi-object wait: mark it and wake the task. */
static int ipcq_multi_wake(struct wait_queue_entry *entry, unsigned int mode,
			   int sync, void *key)
{
	struct ipcq_multi_waiter *mw = entry->private;
	struct wait_queue_entry task_entry = { .private = mw->task };

	/* The mark before the wake-up; pairs with the sleeper's barrier. */
	smp_wmb();
	WRITE_ONCE(mw->woken, true);
	return default_wake_function(&task_entry, mode, sync, key);
}

/* Makes @entry one of @mw's, for the caller to queue (non-exclusive). */
void ipcq_multi_entry_init(struct ipcq_multi_waiter *mw,
			   struct wait_queue_entry *entry)
{
	mw->task = current;
	init_waitqueue_func_entry(entry, ipcq_multi_wake);
	entry->private = mw;
}

/*
 * Runs @ready (with no lock held) until it answers, sleeping in between
 * until an entry of @mw is woken, as ipcq_wait() does: -EAGAIN
 * (NONBLOCK), -ETIMEDOUT, -ERESTARTSYS, after one more look. A wake-up
 * between a look and the sleep is not lost: the mark is cleared before
 * each look and tested after the task state is set.
 */
long ipcq_wait_multi(struct ipcq_multi_waiter *mw, ipcq_ready_fn ready,
		     void *ctx)
{
	long ret;
	int slept = 0;

	for (;;) {
		if (ready(ctx, &ret))
			return ret;
		if (slept)
			return slept;
		if (mw->nonblock)
			return -EAGAIN;
		set_current_state(TASK_INTERRUPTIBLE);
		if (!READ_ONCE(mw->woken))
			slept = ipcq_sleep(mw->deadline, false);
		__set_current_state(TASK_RUNNING);
		/* Cleared before the next look; pairs with ipcq_multi_wake(). */
		smp_store_mb(mw->woken, false);
	}
}
