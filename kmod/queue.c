// SPDX-License-Identifier: GPL-2.0
/*
 * Message queues: Python's multiprocessing Queue, JoinableQueue and
 * SimpleQueue, kept by the kernel. This file is the core (put, get, join,
 * task_done, shutdown, endpoint counting, counts); queue_file.c makes the
 * endpoint files, ring.c the shared ring of a ring queue.
 *
 * Messages the kernel keeps are delivered by priority descending, then
 * arrival: queue_index.c keeps that order (a list per priority for
 * untyped messages), queue_type.c the typed messages' and their index by
 * type, for gets that select by type.
 *
 * No user memory is touched under the lock: a put copies the message in
 * before taking it; a get detaches the message (or claims its ring slot),
 * copies it out after dropping the lock, and on a fault puts it back at
 * its old place (a kept one keeps its (priority, seq) key, a ring one its
 * slot), so nothing is lost or reordered and a consumer stalled in a page
 * fault stalls only itself.
 *
 * Waiting (wait.c): putters and getters wait exclusively (one message
 * wakes one getter). A thread about to sleep on a queue without a ring
 * first spins on nr_msgs if a get (for a put) or a put (for a get)
 * changed the queue a moment ago: get_jiffies and put_jiffies, set by
 * every get and put that does. Threads sleep on put_sleepers and
 * get_sleepers: a waker
 * takes the first off under the lock and wakes it after dropping the lock,
 * so waker and sleeper never meet on a wait queue's lock (measured: half
 * of a two-process stream's time went there, with interrupts off, while
 * the waker woke a task on the other CPU). io_uring commands park on
 * put_wq/get_wq, where pollers and multi-object waits wait too; they are
 * counted as putters and getters. The one wake-up goes to the first
 * sleeping thread, else to the first parked command; pollers hear of
 * every one. A put wakes getters only on the empty -> non-empty edge, a
 * get wakes putters only on the full -> not-full edge; a waiter leaving
 * while the state it waited for still holds passes the wake-up on, so
 * none is lost. Endpoint loss and shutdown wake everyone. Wake-ups happen
 * after the lock is dropped. Two waits are not about the next message or
 * slot, and are woken wholesale: puts waiting for the byte limit (counted
 * in bytes_waiters; every get that frees bytes then wakes every putter),
 * and, once a get has waited for a type (selective: those sleep on
 * get_wq), getters (every put then wakes every getter).
 *
 * A ring queue (IPCQ_OPEN_RING) also has a ring its users map (ring.c):
 * priority-0 messages that fit a slot travel there without system calls.
 * The kernel then keeps, as above, the messages: those with a
 * priority, those longer than a slot, those that found no room in the
 * ring of a queue without count limit, and everything put while any of
 * these is kept. While the kernel keeps messages (or a put waits in it,
 * or the queue is shut down or broken, or holds an mq_notify
 * registration) the route word in the ring's status page sends users
 * through the ioctls. Order: see
 * ipcq_queue_next(). Users that change the ring ask for wake-ups
 * (IPCQ_IOC_RING_WAKE) only when the status page says someone waits.
 *
 * Counting a ring queue costs a scan of its slots, done only where a
 * count is asked for (STAT, fdinfo, LIST, debugfs) or where no cheaper
 * bound decides: capacity while the kernel keeps messages, the byte limit
 * near its edge, and the JoinableQueue count as it reaches zero. A ring
 * counts as full when the next claim has no free slot; the slots between
 * claim and free (skipped ones included) count toward capacity.
 *
 * Counting tasks (JoinableQueue): unfinished = messages queued + taken,
 * where taken counts gets minus task_done calls (users of the ring add
 * their gets to a counter the kernel folds in), so a message dropped by
 * an immediate shutdown is finished with no bookkeeping of its own.
 *
 * Locks: struct ipcq_queue.lock (queue.h) guards the queue; see the lock
 * order in ipcq.h.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "queue.h"

/* What the queue holds, counted exactly: kept messages plus the ring's. */
static void ipcq_queue_tally(struct ipcq_queue *q, struct ipcq_ring_count *c)
{
	lockdep_assert_held(&q->lock);
	if (q->ring)
		ipcq_ring_count(q->ring, c);
	else
		memset(c, 0, sizeof(*c));
	c->msgs += q->nr_msgs;
	c->bytes += q->nr_bytes;
}

/*
 * ipcq_queue_full() of a ring queue with a capacity: slots claimed by
 * ring users count (see the top).
 */
bool ipcq_queue_ring_full(struct ipcq_queue *q)
{
	struct ipcq_ring_count c;
	bool full;

	lockdep_assert_held(&q->lock);
	/* The ring has capacity slots: with nothing kept it decides. */
	if (!q->nr_msgs) {
		ipcq_ring_frontier(q->ring, &full);
		return full;
	}
	ipcq_ring_count(q->ring, &c);
	return c.msgs + c.writing + c.reading + q->nr_msgs >= q->capacity;
}

/*
 * After the sleepers' turn: @wq's pollers and multi-waits hear of
 * @events, and, unless a sleeping thread took the one wake-up
 * (@sleeper_woken), the first parked io_uring call in line (otherwise
 * not woken: ipcq_call_wake() reads IPCQ_POLL_NO_CALL).
 */
static void ipcq_queue_wake_rest(struct wait_queue_head *wq,
				 __poll_t events, bool sleeper_woken)
{
	/*
	 * Entries are queued before their owner looks under the queue lock,
	 * which the caller took after its change: as in
	 * ipcq_sleepers_wake_one(), no lock is needed to see them.
	 */
	if (!waitqueue_active(wq))
		return;
	if (sleeper_woken)
		events |= IPCQ_POLL_NO_CALL;
	wake_up_poll(wq, events);
}

/*
 * Room was made: one putter may use it, or, while puts wait for the byte
 * limit (@all), every one looks (a smaller message may fit where the
 * first waiter's does not). @taken: the sleeper the caller took off
 * under the lock (ipcq_queue_take_putter()), or NULL to take one here.
 */
void ipcq_queue_wake_putters(struct ipcq_queue *q, bool all,
			     struct task_struct *taken)
{
	if (taken)
		ipcq_sleeper_wake(taken);
	if (all) {
		ipcq_queue_wake_all_putters(q);
		return;
	}
	ipcq_queue_wake_rest(&q->put_wq, EPOLLOUT | EPOLLWRNORM,
			     taken || ipcq_sleepers_wake_one(&q->lock,
							     &q->put_sleepers));
}

/*
 * A message came: one getter may take it, or, once gets have waited for
 * a type (selective: never cleared), every one looks for its own. @taken
 * as for ipcq_queue_wake_putters().
 */
void ipcq_queue_wake_getters(struct ipcq_queue *q, struct task_struct *taken)
{
	if (taken)
		ipcq_sleeper_wake(taken);
	if (READ_ONCE(q->selective))
		ipcq_queue_wake_all_getters(q);
	else
		ipcq_queue_wake_rest(&q->get_wq, EPOLLIN | EPOLLRDNORM,
				     taken ||
				     ipcq_sleepers_wake_one(&q->lock,
							    &q->get_sleepers));
}

/* Every getter, sleeping or parked, and every poller (end states). */
void ipcq_queue_wake_all_getters(struct ipcq_queue *q)
{
	ipcq_sleepers_wake_all(&q->lock, &q->get_sleepers);
	wake_up_all(&q->get_wq);
}

void ipcq_queue_wake_all_putters(struct ipcq_queue *q)
{
	ipcq_sleepers_wake_all(&q->lock, &q->put_sleepers);
	wake_up_all(&q->put_wq);
}

/* ipcq_queue_over_bytes() near the limit: what the ring holds counts. */
bool ipcq_queue_over_bytes_counted(struct ipcq_queue *q, u64 len)
{
	struct ipcq_ring_count c;

	lockdep_assert_held(&q->lock);
	ipcq_queue_tally(q, &c);
	return c.bytes + len > q->max_bytes;
}

/* See enum ipcq_next in queue.h. */
static bool ipcq_qmsg_after_ring(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	return q->ring && !m->prio && m->seq >= IPCQ_SEQ_BASE;
}

/*
 * ipcq_queue_next_in() of a ring queue, for a get that may take ring
 * messages: between the kept message @m (NULL: none) and the ring's next.
 */
enum ipcq_next ipcq_queue_next_ring(struct ipcq_queue *q, struct ipcq_qmsg *m,
				    u64 *posp, u32 *lenp)
{
	bool before;
	int ret;

	lockdep_assert_held(&q->lock);
	if (m && !ipcq_qmsg_after_ring(q, m))
		return IPCQ_NEXT_KEPT;
	ret = ipcq_ring_next(q->ring, posp, lenp);
	if (ret == -EBADMSG)
		return IPCQ_NEXT_CORRUPT;
	before = !m || ipcq_ring_before(*posp, m->ring_mark);
	if (!ret && before)
		return IPCQ_NEXT_RING;
	if (ret == -EINPROGRESS && before)
		return m ? IPCQ_NEXT_HELD : IPCQ_NEXT_NONE;
	return m ? IPCQ_NEXT_KEPT : IPCQ_NEXT_NONE;
}

/* Messages are there, held back behind a pending claim (see above). */
static bool ipcq_queue_held(struct ipcq_queue *q)
{
	struct ipcq_qmsg *m;
	u64 pos;
	u32 len;

	lockdep_assert_held(&q->lock);
	return ipcq_queue_next(q, &m, &pos, &len) == IPCQ_NEXT_HELD;
}

/* JoinableQueue's count, exact: see the comment at the top. */
static u64 ipcq_queue_unfinished(struct ipcq_queue *q)
{
	struct ipcq_ring_count c;
	s64 n;

	lockdep_assert_held(&q->lock);
	ipcq_queue_tally(q, &c);
	if (q->ring)
		q->taken += ipcq_ring_fold_gets(q->ring);
	/* A slot being read counts until its reader's gets are folded in. */
	n = c.msgs + c.reading + q->taken;
	return n > 0 ? n : 0;
}

/*
 * A lower bound of the count, without a scan: kept messages and what was
 * taken (users' gets folded in); the ring only adds to it.
 */
static s64 ipcq_queue_unfinished_min(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	if (q->ring)
		q->taken += ipcq_ring_fold_gets(q->ring);
	return (s64)q->nr_msgs + q->taken;
}

static bool ipcq_queue_done(struct ipcq_queue *q)
{
	return ipcq_queue_unfinished_min(q) <= 0 && !ipcq_queue_unfinished(q);
}

/*
 * Tells the ring's users, through its status page, where to go and
 * whether to wake anyone, then orders that before the caller's next look
 * at the ring: either a user sees the new words, or we see its slot.
 */
void ipcq_queue_publish_ring(struct ipcq_queue *q)
{
	bool get_wake, put_wake;
	u32 route = 0;

	lockdep_assert_held(&q->lock);
	if (q->nr_msgs || q->ring_putters || q->shutdown ||
	    ipcq_queue_broken(q) || q->notify)
		route |= IPCQ_ROUTE_PUT;
	if (q->nr_msgs || q->drained || q->notify)
		route |= IPCQ_ROUTE_GET;
	/*
	 * Pollers and sleepers are on the wait queues before they look at
	 * the ring under our lock (which we hold), so the unlocked
	 * waitqueue_active() sees them; a stale "yes" costs one wake-up.
	 */
	get_wake = q->ring_getters || waitqueue_active(&q->get_wq);
	/* The same holds for the putters' wait queue. */
	put_wake = q->ring_putters || waitqueue_active(&q->put_wq);
	ipcq_ring_set_status(q->ring, route, get_wake, put_wake);
	/* Words out before we look at the slots; pairs with the users'. */
	smp_mb();
}

/* IPCQ_IOC_QUEUE_JOIN waits until no task is left unfinished. */
static bool ipcq_queue_join_ready(void *ctx, long *ret)
{
	struct ipcq_queue *q = ctx;

	if (!ipcq_queue_done(q))
		return false;
	*ret = 0;
	return true;
}

long ipcq_queue_join(struct ipcq_queue *q, struct ipcq_wait __user *uarg,
		     struct ipcq_call *call)
{
	struct ipcq_waiter w;
	struct ipcq_wait arg;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_WAIT_NONBLOCK) || arg.pad || arg.reserved)
		return -EINVAL;
	/* The last task_done wakes every joiner. */
	w = (struct ipcq_waiter) {
		.obj = &q->obj,
		.wq = &q->join_wq,
		.waiters = &q->joiners,
		.call = call,
		.deadline = arg.deadline,
		.nonblock = arg.flags & IPCQ_WAIT_NONBLOCK,
	};
	spin_lock(&q->lock);
	ret = ipcq_wait(&w, ipcq_queue_join_ready, q);
	spin_unlock(&q->lock);
	return ret;
}

long ipcq_queue_task_done(struct ipcq_queue *q,
			  struct ipcq_task_done __user *uarg)
{
	struct ipcq_task_done arg;
	bool wake = false;
	long ret = 0;
	s64 min;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.count || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	/* The bound decides unless the count may come from the ring. */
	min = ipcq_queue_unfinished_min(q);
	if ((min < 0 || arg.count > (u64)min) &&
	    arg.count > ipcq_queue_unfinished(q)) {
		ret = -ERANGE;
	} else {
		q->taken -= arg.count;
		wake = ipcq_queue_done(q);
	}
	spin_unlock(&q->lock);
	if (wake)
		wake_up_all(&q->join_wq);
	return ret;
}

long ipcq_queue_shutdown(struct ipcq_queue *q,
			 struct ipcq_shutdown __user *uarg)
{
	struct ipcq_dropped dropped = { .msgs = LIST_HEAD_INIT(dropped.msgs) };
	struct ipcq_shutdown arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_SHUTDOWN_IMMEDIATE) || arg.pad || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	q->shutdown = true;
	if (arg.flags & IPCQ_SHUTDOWN_IMMEDIATE) {
		/* Dropped messages leave the count of unfinished tasks. */
		q->drained = true;
		ipcq_queue_drop_all(q, &dropped);
	}
	ipcq_queue_publish(q);
	if (q->drained && q->ring)
		ipcq_ring_drop(q->ring);
	spin_unlock(&q->lock);

	ipcq_queue_dropped_free(&dropped);
	ipcq_queue_wake_all_putters(q);
	ipcq_queue_wake_all_getters(q);
	wake_up_all(&q->join_wq);
	return 0;
}

/* Counts a new endpoint file with @roles (IPCQ_OPEN_PRODUCER/CONSUMER). */
void ipcq_queue_attach(struct ipcq_queue *q, u32 roles)
{
	spin_lock(&q->lock);
	if (roles & IPCQ_OPEN_PRODUCER) {
		q->producers++;
		q->had_producer = true;
	}
	if (roles & IPCQ_OPEN_CONSUMER) {
		q->consumers++;
		q->had_consumer = true;
	}
	ipcq_queue_publish(q);
	spin_unlock(&q->lock);
}

/*
 * Uncounts an endpoint file. The loss of the last producer or consumer
 * concerns every waiter, not just one.
 */
void ipcq_queue_detach(struct ipcq_queue *q, u32 roles)
{
	bool wake_getters = false, wake_putters = false;

	spin_lock(&q->lock);
	if (roles & IPCQ_OPEN_PRODUCER)
		wake_getters = !--q->producers;
	if (roles & IPCQ_OPEN_CONSUMER)
		wake_putters = !--q->consumers;
	ipcq_queue_publish(q);
	spin_unlock(&q->lock);

	if (wake_getters)
		ipcq_queue_wake_all_getters(q);
	if (wake_putters)
		ipcq_queue_wake_all_putters(q);
}

long ipcq_queue_ring_wake(struct ipcq_queue *q,
			  struct ipcq_ring_wake __user *uarg)
{
	const u32 known = IPCQ_WAKE_GETTERS | IPCQ_WAKE_PUTTERS;
	struct ipcq_ring_wake arg;
	bool all;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.flags || (arg.flags & ~known) || arg.pad)
		return -EINVAL;
	if (!q->ring)
		return -ENXIO;
	/*
	 * Taking the lock orders this wake-up after any waiter's last look
	 * at the ring (made under the lock, before it sleeps): none is lost.
	 */
	spin_lock(&q->lock);
	ipcq_queue_publish(q);
	all = q->bytes_waiters;
	spin_unlock(&q->lock);
	if (arg.flags & IPCQ_WAKE_GETTERS)
		ipcq_queue_wake_getters(q, NULL);
	if (arg.flags & IPCQ_WAKE_PUTTERS)
		ipcq_queue_wake_putters(q, all, NULL);
	return 0;
}

/*
 * A ring attachment of @q is released: what its @owner claimed is skipped
 * or freed. A skipped claim may unblock getters, a freed one putters.
 */
void ipcq_queue_ring_released(struct ipcq_queue *q, u32 owner)
{
	bool changed;

	spin_lock(&q->lock);
	changed = ipcq_ring_reclaim(q->ring, owner);
	ipcq_queue_publish(q);
	spin_unlock(&q->lock);
	if (changed) {
		ipcq_queue_wake_all_getters(q);
		ipcq_queue_wake_all_putters(q);
	}
}

/* Readiness of @q for a file with @roles; see ipcq(4). */
__poll_t ipcq_queue_poll_roles(struct ipcq_queue *q, struct file *file,
			       u32 roles, poll_table *wait)
{
	__poll_t mask = 0;

	if (roles & IPCQ_OPEN_CONSUMER)
		poll_wait(file, &q->get_wq, wait);
	if (roles & IPCQ_OPEN_PRODUCER)
		poll_wait(file, &q->put_wq, wait);

	spin_lock(&q->lock);
	/* Polling counts as waiting: ring users then ask for a wake-up. */
	ipcq_queue_publish(q);
	if (roles & IPCQ_OPEN_CONSUMER) {
		if (ipcq_queue_has_msg(q))
			mask |= EPOLLIN | EPOLLRDNORM;
		/* Nothing more will come: a get will not block. */
		if ((ipcq_queue_eof(q) || q->shutdown) &&
		    !ipcq_queue_held(q))
			mask |= EPOLLHUP;
	}
	if (roles & IPCQ_OPEN_PRODUCER) {
		if (!ipcq_queue_full(q) && !q->shutdown &&
		    !ipcq_queue_broken(q))
			mask |= EPOLLOUT | EPOLLWRNORM;
		/* A put would fail at once, as a pipe without readers. */
		if (ipcq_queue_broken(q) || q->shutdown)
			mask |= EPOLLERR;
	}
	spin_unlock(&q->lock);
	return mask;
}

static u32 ipcq_queue_state(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return (q->shutdown ? IPCQ_STATE_SHUTDOWN : 0) |
	       (READ_ONCE(q->obj.ns) ? IPCQ_STATE_NAMED : 0) |
	       (q->ring ? IPCQ_STATE_RING : 0) |
	       (q->nohup ? IPCQ_STATE_NOHUP : 0) |
	       (q->notify ? IPCQ_STATE_NOTIFY : 0);
}

/* Every count of @q, exact, for a file with @roles. */
void ipcq_queue_fill_stat(struct ipcq_queue *q, u32 roles,
			  struct ipcq_queue_stat *st)
{
	struct ipcq_ring_count c;

	lockdep_assert_held(&q->lock);
	memset(st, 0, sizeof(*st));
	ipcq_queue_tally(q, &c);
	st->endpoint = roles;
	st->messages = c.msgs;
	st->bytes = c.bytes;
	st->capacity = q->capacity;
	st->max_msg_size = q->max_msg_size;
	st->max_bytes = q->max_bytes;
	st->unfinished = ipcq_queue_unfinished(q);
	st->putters = q->putters;
	st->getters = q->getters;
	st->joiners = q->joiners;
	st->producers = q->producers;
	st->consumers = q->consumers;
	st->state = ipcq_queue_state(q);
}

/* Counts of @q for introspection (pipes show both directions). */
void ipcq_queue_counts(struct ipcq_queue *q, struct ipcq_queue_stat *st)
{
	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, 0, st);
	spin_unlock(&q->lock);
}

struct ipcq_object *ipcq_queue_object(struct ipcq_queue *q)
{
	return &q->obj;
}

static void ipcq_queue_free(struct ipcq_object *obj)
{
	struct ipcq_queue *q = container_of(obj, struct ipcq_queue, obj);
	struct ipcq_dropped dropped;

	spin_lock(&q->lock);
	ipcq_queue_drop_all(q, &dropped);
	spin_unlock(&q->lock);
	ipcq_queue_dropped_free(&dropped);
	kfree(q->node_cache);
	ipcq_queue_msg_cache_free(q);
	ipcq_notify_reg_free(q->notify);
	ipcq_ring_free(q->ring);
	kfree(q);
}

static void ipcq_queue_info(struct ipcq_object *obj,
			    struct ipcq_object_info *info)
{
	struct ipcq_queue *q = container_of(obj, struct ipcq_queue, obj);
	struct ipcq_ring_count c;

	spin_lock(&q->lock);
	ipcq_queue_tally(q, &c);
	info->value = c.msgs;
	info->bytes = c.bytes;
	info->capacity = q->capacity;
	info->waiters = q->putters + q->getters + q->joiners;
	info->producers = q->producers;
	info->consumers = q->consumers;
	info->state = ipcq_queue_state(q);
	spin_unlock(&q->lock);
}

static const struct ipcq_object_ops ipcq_queue_ops = {
	.free = ipcq_queue_free,
	.info = ipcq_queue_info,
};

/* A new queue with one reference, published, or an ERR_PTR. */
struct ipcq_queue *ipcq_queue_create_obj(const struct ipcq_queue_attr *attr)
{
	struct ipcq_queue *q;
	int ret;

	/*
	 * An idle queue costs less than a POSIX mq (issue 23 item 6): it
	 * stays in a 512-byte object (but on kernels that debug locks).
	 */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_DEBUG_SPINLOCK) &&
		     !IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) && sizeof(*q) > 512);
	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return ERR_PTR(-ENOMEM);
	if (attr->ring_slots) {
		q->ring = ipcq_ring_new(attr->ring_slots, attr->slot_size);
		if (IS_ERR(q->ring)) {
			ret = PTR_ERR(q->ring);
			kfree(q);
			return ERR_PTR(ret);
		}
		q->ring_max_bytes = (u64)attr->ring_slots * attr->slot_size;
	}
	ret = ipcq_object_init(&q->obj, IPCQ_TYPE_QUEUE, &ipcq_queue_ops,
			       &q->lock, attr->mode);
	if (ret) {
		ipcq_ring_free(q->ring);
		kfree(q);
		return ERR_PTR(ret);
	}
	q->capacity = attr->capacity;
	q->max_msg_size = attr->max_msg_size;
	q->nohup = attr->nohup;
	q->max_bytes = READ_ONCE(ipcq_max_queue_bytes);
	spin_lock_init(&q->lock);
	spin_lock_init(&q->msg_cache_lock);
	ipcq_queue_index_init(q);
	q->next_seq = IPCQ_SEQ_BASE;
	if (q->ring) {
		q->front_seq = IPCQ_SEQ_BASE - 1;
	} else {
		/* Neither side has acted lately. */
		q->put_jiffies = jiffies - IPCQ_SPIN_RECENT - 1;
		q->get_jiffies = q->put_jiffies;
	}
	INIT_LIST_HEAD(&q->put_sleepers);
	INIT_LIST_HEAD(&q->get_sleepers);
	init_waitqueue_head(&q->put_wq);
	init_waitqueue_head(&q->get_wq);
	init_waitqueue_head(&q->join_wq);
	ipcq_park_site_init(&q->put_site);
	ipcq_park_site_init(&q->get_site);
	ipcq_object_publish(&q->obj);
	return q;
}
