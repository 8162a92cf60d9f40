// SPDX-License-Identifier: GPL-2.0
/*
 * Put and get: moving a message into a queue and out of it, through the
 * kernel or, on a ring queue, to and from the ring's slots (the queue's
 * state and order are queue.c's; see its opening comment).
 *
 * A put copies the message in before it takes the queue lock, then waits
 * for room (wait.c) and queues it: into the ring when nothing is kept and
 * it fits a slot, else in the rbtree, after every ring slot claimed so
 * far. A get waits for the next message (ipcq_queue_next()), detaches it
 * (a kept one) or claims its slot (a ring one), drops the lock, copies it
 * out straight from where it is, and on a fault gives it back in place.
 * A peek of a ring message copies it under the lock into a buffer of its
 * own, so that no other getter overtakes it meanwhile. read(2) and
 * write(2) are a get and a put whose message goes to or comes from an
 * iov_iter instead of the descriptor's buffer, and whose get leaves an
 * empty message queued (its 0 would read as end-of-file). A put's steps
 * (ipcq_queue_put_prep(), _room(), _commit()) also serve a batch's runs,
 * which queue many messages under one hold of the lock (queue_batch.c).
 *
 * Locks: the queue lock (queue.h), never held across the copies or the
 * allocation; a slot the kernel claimed is its own during the copy-out,
 * and is freed under the lock, so a putter waiting for room sees it.
 */
#include <linux/bitops.h>
#include <linux/minmax.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include "queue.h"

#define IPCQ_MSG_MATCH	(IPCQ_MSG_TYPE_EQ | IPCQ_MSG_TYPE_LE | IPCQ_MSG_TYPE_NE)

static bool ipcq_msg_args_valid(const struct ipcq_msg *arg, u32 flags)
{
	return !(arg->flags & ~flags) && !arg->reserved;
}

static void ipcq_queue_waiter(struct ipcq_waiter *w, struct ipcq_queue *q,
			      bool put, const struct ipcq_msg *arg,
			      struct ipcq_call *call)
{
	*w = (struct ipcq_waiter) {
		.obj = &q->obj,
		.wq = put ? &q->put_wq : &q->get_wq,
		.sleepers = put ? &q->put_sleepers : &q->get_sleepers,
		.waiters = put ? &q->putters : &q->getters,
		.site = put ? &q->put_site : &q->get_site,
		.call = call,
		.deadline = arg->deadline,
		.exclusive = true,
		.nonblock = arg->flags & IPCQ_MSG_NONBLOCK,
	};
	/* A put waits for a get to take a message, a get for a put. */
	if (!q->ring) {
		w->spin_watch = &q->nr_msgs;
		w->spin_since = put ? &q->get_jiffies : &q->put_jiffies;
	}
}

struct ipcq_put {
	struct ipcq_queue *q;
	struct ipcq_qmsg *m;		/* NULL once the queue keeps it */
	struct ipcq_qnode *spare;	/* its priority's or type's node */
	struct ipcq_notify_reg *notify;	/* fired by this put */
	bool wake_getters;
	bool bytes_waiting;		/* counted in q->bytes_waiters */
};

/* Waits for the byte limit: counted, so gets wake every putter. */
static bool ipcq_queue_put_bytes_wait(struct ipcq_put *p)
{
	if (!p->bytes_waiting) {
		p->bytes_waiting = true;
		p->q->bytes_waiters++;
	}
	return false;
}

/*
 * Whether a message of @len bytes may be queued now: 0; -EAGAIN when
 * there is no room, *@bytes set if by the byte limit; or the put's error.
 */
long ipcq_queue_put_room(struct ipcq_queue *q, size_t len, bool *bytes)
{
	lockdep_assert_held(&q->lock);
	if (q->shutdown)
		return -ESHUTDOWN;
	if (ipcq_queue_broken(q))
		return -EPIPE;
	/* Limits may have changed since it was copied in (IPCQ_IOC_SET). */
	if (len > q->max_msg_size)
		return -EMSGSIZE;
	if (len > q->max_bytes)
		return -ENOBUFS;
	if (ipcq_queue_over_bytes(q, len)) {
		*bytes = true;
		return -EAGAIN;
	}
	return ipcq_queue_full(q) ? -EAGAIN : 0;
}

/*
 * Queues @m, for which there is room (ipcq_queue_put_room()): into the
 * ring when that keeps FIFO order (false: @m is still the caller's, to
 * free with the lock dropped), else kept (true), its priority's or type's
 * node from *@spare if it is new. Sets *@wake_getters if getters are to
 * be woken, and takes mq_notify's registration into *@notify when this
 * put fires it.
 */
bool ipcq_queue_put_commit(struct ipcq_queue *q, struct ipcq_qmsg *m,
			   struct ipcq_qnode **spare,
			   struct ipcq_notify_reg **notify, bool *wake_getters)
{
	lockdep_assert_held(&q->lock);
	if (q->ring || q->nr_msgs == 0 || q->selective)
		*wake_getters = true;
	/* mq_notify: empty to non-empty with no getter blocked. */
	if (ipcq_queue_notify_due(q))
		*notify = ipcq_queue_notify_take(q);
	m->seq = q->next_seq++;
	ipcq_queue_note_change(q, &q->put_jiffies);
	if (q->ring && !q->nr_msgs && !m->prio && !m->typed &&
	    ipcq_ring_push(q->ring, m->data, m->len))
		return false;
	/*
	 * After every claim made so far. Users see the route set on entry
	 * before they commit a later claim, or we see their claim here
	 * (both sides order with a full barrier): a later claim is
	 * committed as skipped.
	 */
	if (q->ring && !m->prio) {
		bool full;

		m->ring_mark = ipcq_ring_frontier(q->ring, &full);
	}
	ipcq_queue_link(q, m, spare);
	return true;
}

static bool ipcq_queue_put_ready(void *ctx, long *ret)
{
	struct ipcq_put *p = ctx;
	bool bytes = false;

	*ret = ipcq_queue_put_room(p->q, p->m->len, &bytes);
	if (*ret == -EAGAIN) {
		if (bytes)
			return ipcq_queue_put_bytes_wait(p);
		return false;
	}
	/* Pushed into the ring, it is freed with the lock dropped. */
	if (!*ret && ipcq_queue_put_commit(p->q, p->m, &p->spare, &p->notify,
					   &p->wake_getters))
		p->m = NULL;
	return true;
}

/*
 * The message of the put @arg (checked here, but for the flags a caller
 * adds), copied in from @arg's buf, or from @from (write(2)) if set, into
 * *@mp, with an index node in *@spare if it has a priority or a type (a
 * new one needs a node in the index: brought along, queue_index.c). No
 * lock held.
 */
long ipcq_queue_put_prep(struct ipcq_queue *q, const struct ipcq_msg *arg,
			 struct iov_iter *from, struct ipcq_qmsg **mp,
			 struct ipcq_qnode **spare)
{
	bool copied = false;
	struct ipcq_qmsg *m;
	long ret = -ENOMEM;

	*mp = NULL;
	*spare = NULL;
	if (!ipcq_msg_args_valid(arg, IPCQ_MSG_NONBLOCK) ||
	    arg->priority > IPCQ_PRIO_MAX)
		return -EINVAL;
	if (arg->len > READ_ONCE(q->max_msg_size))
		return -EMSGSIZE;
	if (arg->type || arg->priority) {
		*spare = ipcq_qnode_new(q, 0);
		if (!*spare)
			return -ENOMEM;
	}
	m = ipcq_qmsg_new(q, arg->len, arg->type != 0);
	if (m && from)
		copied = copy_from_iter_full(m->data, arg->len, from);
	else if (m)
		copied = !copy_from_user(m->data, u64_to_user_ptr(arg->buf),
					 arg->len);
	if (m && copied) {
		m->prio = arg->priority;
		if (arg->type)
			ipcq_qmsg_typed(m)->type = arg->type;
		*mp = m;
		return 0;
	}
	if (m)
		ret = -EFAULT;
	ipcq_queue_msg_put(q, m);
	ipcq_qnode_free(q, *spare);
	*spare = NULL;
	return ret;
}

/*
 * Put from userspace; the caller has checked that it may. An io_uring
 * @call parks where a thread would sleep.
 */
long ipcq_queue_put(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call, u32 xflags)
{
	struct ipcq_msg arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	return ipcq_queue_put_msg(q, &arg, call, xflags, NULL);
}

/* A put of @argp, its message from @from if set (ipcq_queue_put_prep()). */
static long ipcq_queue_put_from(struct ipcq_queue *q, struct ipcq_msg *argp,
				struct iov_iter *from, struct ipcq_call *call,
				u32 xflags, struct ipcq_wakes *defer)
{
	struct ipcq_wakes wakes = { };
	struct ipcq_put p = { .q = q };
	struct ipcq_msg arg = *argp;
	struct ipcq_waiter w;
	bool wake_putter;
	long ret;

	ret = ipcq_queue_put_prep(q, &arg, from, &p.m, &p.spare);
	if (ret)
		return ret;
	arg.flags |= xflags;
	ipcq_queue_waiter(&w, q, true, &arg, call);

	spin_lock(&q->lock);
	if (q->ring) {
		/* Users' puts come here too while this one is in. */
		q->ring_putters++;
		ipcq_queue_publish(q);
	}
	ret = ipcq_wait(&w, ipcq_queue_put_ready, &p);
	if (p.bytes_waiting) {
		/* A parked io_uring call stays counted until it leaves. */
		if (ret == -EIOCBQUEUED)
			ipcq_call_hold(call, &q->bytes_waiters);
		else
			q->bytes_waiters--;
	}
	if (q->ring) {
		q->ring_putters--;
		ipcq_queue_publish(q);
	}
	/*
	 * Pass the turn on to the next putter while there is room; not from
	 * an io_uring call that parked: it is one of those putters, and would
	 * wake itself to try again, over and over (waiting for the byte
	 * limit with room by count), in its task's task work, for good.
	 */
	wake_putter = ret != -EIOCBQUEUED && q->putters &&
		      !ipcq_queue_full(q) && !q->shutdown;
	if (!defer) {
		if (p.wake_getters)
			wakes.getter = ipcq_queue_take_getter(q);
		if (wake_putter)
			wakes.putter = ipcq_queue_take_putter(q);
	}
	spin_unlock(&q->lock);

	ipcq_queue_msg_put(q, p.m);
	ipcq_qnode_free(q, p.spare);
	ipcq_queue_notify_fire(p.notify);
	if (!defer)
		defer = &wakes;
	defer->getters |= p.wake_getters;
	defer->putters |= wake_putter;
	if (defer == &wakes)
		ipcq_queue_wake(q, &wakes);
	return ret;
}

/* Put of @arg, already copied in (by put or a batch, queue_batch.c). */
long ipcq_queue_put_msg(struct ipcq_queue *q, struct ipcq_msg *argp,
			struct ipcq_call *call, u32 xflags,
			struct ipcq_wakes *defer)
{
	return ipcq_queue_put_from(q, argp, NULL, call, xflags, defer);
}

/*
 * write(2): all of @from as one message of priority 0, waiting for room
 * unless @xflags has IPCQ_MSG_NONBLOCK. The bytes written, or the put's
 * error. Of 0 bytes, nothing: the VFS ends a writev(2) of none before it
 * gets here, and read(2) could not tell an empty message from end-of-file.
 */
ssize_t ipcq_queue_write(struct ipcq_queue *q, struct iov_iter *from,
			 u32 xflags)
{
	struct ipcq_msg arg = {
		.len = iov_iter_count(from),
		.deadline = IPCQ_DEADLINE_FOREVER,
	};
	long ret;

	if (!arg.len)
		return 0;
	ret = ipcq_queue_put_from(q, &arg, from, NULL, xflags, NULL);
	return ret ? ret : arg.len;
}

/* Users took the ring message we found: 0 to look again, or the answer. */
static long ipcq_queue_get_lost(struct ipcq_get *g)
{
	/* Bounded under the lock, then letting the CPU go. */
	if (++g->lost % 16)
		return 0;
	if (g->arg->flags & IPCQ_MSG_NONBLOCK)
		return -EAGAIN;
	return ipcq_relax_locked(&g->q->lock, g->arg->deadline);
}

/*
 * Whether the get @g may take a message of @len bytes: 0; -EMSGSIZE if it
 * is too big for the buffer, or -ENOMSG if it is empty and @g is a read(2),
 * whose 0 means end-of-file. Either way it stays queued (another getter
 * may take it at once).
 */
static long ipcq_queue_get_fits(const struct ipcq_get *g, u64 len)
{
	if (len > g->buflen && !g->truncate)
		return -EMSGSIZE;
	return !len && g->to ? -ENOMSG : 0;
}

/* Takes (or peeks at) the ring's message at @pos, of @len bytes. */
static long ipcq_queue_get_ring(struct ipcq_get *g, u64 pos, u32 len)
{
	struct ipcq_queue *q = g->q;
	long fits;
	int ret;

	g->arg->len = len;
	g->arg->priority = 0;
	g->arg->type = 0;
	ret = ipcq_queue_get_fits(g, len);
	if (ret)
		return ret;
	if (g->bounce) {
		ret = ipcq_ring_peek(q->ring, pos, g->bounce->data);
		if (ret < 0)
			return ret;
		/* A scribbler may have grown it since it was measured. */
		if (ret > g->buflen && !g->truncate)
			return -EBADMSG;
		g->bounce->len = ret;
		g->m = g->bounce;
		g->bounce = NULL;
		g->held = true;
	} else {
		ret = ipcq_ring_claim(q->ring, pos);
		if (ret < 0)
			return ret;
		/*
		 * A scribbler changed it since it was measured: emptied, it
		 * stays as an empty one found would; grown, it is dropped.
		 */
		fits = ipcq_queue_get_fits(g, ret);
		if (fits) {
			ipcq_ring_done(q->ring, pos, fits == -EMSGSIZE);
			return fits == -EMSGSIZE ? -EBADMSG : fits;
		}
		g->pos = pos;
		g->claimed = true;
		g->wake_putters = true;
		g->wake_all_putters = q->bytes_waiters;
		q->taken++;
	}
	g->arg->len = ret;
	return 0;
}

/* Takes (or peeks at) the kept message @m. */
static long ipcq_queue_get_kept(struct ipcq_get *g, struct ipcq_qmsg *m)
{
	struct ipcq_queue *q = g->q;
	long ret;

	g->arg->len = m->len;
	g->arg->priority = m->prio;
	g->arg->type = ipcq_qmsg_type(m);
	ret = ipcq_queue_get_fits(g, m->len);
	if (ret)
		return ret;
	if (g->arg->flags & IPCQ_MSG_PEEK) {
		refcount_inc(&m->ref);
		g->held = true;
	} else {
		g->wake_all_putters = q->bytes_waiters;
		g->wake_putters = q->ring || ipcq_queue_full(q) ||
				  g->wake_all_putters;
		g->spare = ipcq_queue_unlink(q, m);
		q->taken++;
		ipcq_queue_note_change(q, &q->get_jiffies);
	}
	g->m = m;
	return 0;
}

/*
 * A selective get waits: from now on every put wakes every getter, as
 * the next message may not be the one a woken getter wants.
 */
static bool ipcq_queue_get_select_wait(struct ipcq_get *g)
{
	if (!(g->arg->flags & IPCQ_MSG_NONBLOCK))
		WRITE_ONCE(g->q->selective, true);
	return false;
}

static bool ipcq_queue_get_ready(void *ctx, long *ret)
{
	struct ipcq_get *g = ctx;
	struct ipcq_queue *q = g->q;
	enum ipcq_next next;
	struct ipcq_qmsg *m;
	u64 pos;
	u32 len;

	lockdep_assert_held(&q->lock);
	for (;;) {
		if (q->ring && q->drained)
			ipcq_ring_drop(q->ring);	/* puts that raced it */
		next = ipcq_queue_next_select(q, &g->sel, &m, &pos, &len);
		if (next != IPCQ_NEXT_RING)
			break;
		*ret = ipcq_queue_get_ring(g, pos, len);
		if (*ret != -EAGAIN)
			return true;
		*ret = ipcq_queue_get_lost(g);
		if (*ret)
			return true;
	}
	switch (next) {
	case IPCQ_NEXT_KEPT:
		*ret = ipcq_queue_get_kept(g, m);
		return true;
	case IPCQ_NEXT_CORRUPT:
		*ret = -EBADMSG;
		return true;
	case IPCQ_NEXT_HELD:
		return false;
	default:
		break;
	}
	/* Nothing it selects is there, nor will come after these. */
	if (q->shutdown)
		*ret = -ESHUTDOWN;
	else if (ipcq_queue_eof(q))
		*ret = IPCQ_GET_EOF;
	else if (g->sel.match)
		return ipcq_queue_get_select_wait(g);
	else
		return false;
	return true;
}

/*
 * The copy-out of what get took failed: back to where it was, nothing
 * lost, unless an immediate shutdown dropped everything meanwhile: then
 * it is dropped as that shutdown would have. A kept message of a ring
 * queue goes first, as its place among the ring's is gone; a ring message
 * stays in its slot.
 */
static void ipcq_queue_get_undo(struct ipcq_get *g)
{
	struct ipcq_queue *q = g->q;
	bool wake_getter;

	/*
	 * Its priority's or type's node may be gone since (others took the
	 * rest): a new one, small, allocated with the lock dropped.
	 */
	if (g->m && ipcq_qmsg_needs_node(g->m) && !g->spare)
		g->spare = ipcq_qnode_new(q, __GFP_NOFAIL);
	spin_lock(&q->lock);
	q->taken--;
	wake_getter = !q->drained;
	if (g->claimed) {
		ipcq_ring_done(q->ring, g->pos, q->drained);
	} else if (!q->drained) {
		if (q->ring)
			g->m->seq = q->front_seq--;
		ipcq_queue_link(q, g->m, &g->spare);
		g->m = NULL;
	}
	ipcq_queue_publish(q);
	spin_unlock(&q->lock);
	ipcq_queue_msg_put(q, g->m);
	if (wake_getter)
		ipcq_queue_wake_getters(q, NULL);
}

/*
 * Writes the answer of a get (@arg's len, priority, type) to @uarg, in
 * one user access window: three fields, one per get, on the hot path.
 */
int ipcq_queue_get_answer(struct ipcq_msg __user *uarg,
			  const struct ipcq_msg *arg)
{
	if (!user_write_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_put_user(arg->len, &uarg->len, efault);
	unsafe_put_user(arg->priority, &uarg->priority, efault);
	unsafe_put_user(arg->type, &uarg->type, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * Copies out the message @g took, if any, to its buffer or its iterator:
 * @ret, or the copy's error.
 */
static long ipcq_queue_get_copy_msg(struct ipcq_get *g, long ret)
{
	void __user *buf = u64_to_user_ptr(g->arg->buf);
	size_t len = min(g->arg->len, g->buflen);

	if (g->to && (g->claimed || g->m)) {
		const void *data = g->claimed ?
			ipcq_ring_msg_data(g->q->ring, g->pos) : g->m->data;

		return copy_to_iter(data, len, g->to) == len ? ret : -EFAULT;
	}
	if (g->claimed)
		return ipcq_ring_copy_out(g->q->ring, g->pos, buf, len);
	if (g->m && copy_to_user(buf, g->m->data, len))
		return -EFAULT;
	return ret;
}

/* Checks a get's descriptor @arg (flags as ioctl(2) gives them) for @g. */
int ipcq_queue_get_init(struct ipcq_get *g, struct ipcq_queue *q,
			struct ipcq_msg *arg)
{
	*g = (struct ipcq_get) { .q = q, .arg = arg };
	if (!ipcq_msg_args_valid(arg, IPCQ_MSG_NONBLOCK | IPCQ_MSG_PEEK |
				 IPCQ_MSG_MATCH | IPCQ_MSG_TRUNCATE))
		return -EINVAL;
	g->sel.match = arg->flags & IPCQ_MSG_MATCH;
	g->sel.type = arg->type;
	/* One match bit at most: no popcount (a library call without it). */
	if ((g->sel.match & (g->sel.match - 1)) || (!g->sel.match && arg->type))
		return -EINVAL;
	g->truncate = arg->flags & IPCQ_MSG_TRUNCATE;
	g->buflen = arg->len;
	return 0;
}

/*
 * One look of a wait on several objects (wait_acquire.c), whose entry
 * waits on get_wq (ipcq_queue_get_watch()): true with *@ret the answer
 * of a get (the message taken, for ipcq_queue_get_finish()), false when
 * a get would wait.
 */
bool ipcq_queue_get_try(struct ipcq_get *g, long *ret)
{
	struct ipcq_queue *q = g->q;
	bool done;

	spin_lock(&q->lock);
	done = ipcq_queue_get_ready(g, ret);
	if (done) {
		ipcq_queue_publish(q);
		g->wake_getter = q->getters && ipcq_queue_has_msg(q);
	}
	spin_unlock(&q->lock);
	return done;
}

/*
 * Queues (@add) or dequeues a wait on several objects' @entry (not
 * exclusive) with the getters of @q, counted as one of them.
 */
void ipcq_queue_get_watch(struct ipcq_queue *q, struct wait_queue_entry *entry,
			  bool add)
{
	spin_lock(&q->lock);
	if (add) {
		add_wait_queue(&q->get_wq, entry);
		q->getters++;
	} else {
		remove_wait_queue(&q->get_wq, entry);
		q->getters--;
	}
	/* A ring's users ask for wake-ups while the entry is there. */
	ipcq_queue_publish(q);
	spin_unlock(&q->lock);
}

/*
 * Ends a get whose readiness test answered @ret: passes wake-ups on (or
 * leaves them to a batch's end, @defer), copies what it took out through
 * @uarg (or, NULL, to @g's iterator) and, on a fault, gives it back.
 * Returns the get's answer.
 */
long ipcq_queue_get_finish(struct ipcq_get *g, struct ipcq_msg __user *uarg,
			   long ret, struct ipcq_wakes *defer)
{
	/* Sleepers taken under the lock are woken, whatever comes next. */
	struct ipcq_wakes wakes = { .getter = g->getter, .putter = g->putter };
	struct ipcq_queue *q = g->q;
	struct ipcq_msg *arg = g->arg;
	bool wake_all;

	ipcq_qmsg_put(g->bounce);
	g->bounce = NULL;
	/* Only a get that is not part of a batch takes sleepers. */
	WARN_ON_ONCE(defer && (g->getter || g->putter));
	if (!defer)
		defer = &wakes;
	/* A kept message leaving a full queue makes room now. */
	if (g->wake_putters && !g->claimed) {
		defer->putters = true;
		defer->putters_all |= g->wake_all_putters;
	}
	defer->getters |= g->wake_getter;
	if (defer == &wakes)
		ipcq_queue_wake(q, &wakes);
	/* A batch's later entry is left untouched on any failure. */
	if (ret && (ret != -EMSGSIZE || (arg->flags & IPCQ_MSG_XQUIET)) &&
	    !g->claimed && !g->m)
		return ret;

	if (!uarg) {
		ret = ipcq_queue_get_copy_msg(g, ret);	/* read(2) */
	} else if (arg->flags & IPCQ_MSG_XQUIET) {
		/* The message first: a fault leaves the entry untouched. */
		ret = ipcq_queue_get_copy_msg(g, ret);
		if (!ret && ipcq_queue_get_answer(uarg, arg))
			ret = -EFAULT;
	} else if (ipcq_queue_get_answer(uarg, arg)) {
		ret = -EFAULT;
	} else {
		ret = ipcq_queue_get_copy_msg(g, ret);
	}

	/* What was done to the message decides what to undo, not ret. */
	if (g->held || (!ret && g->m)) {
		ipcq_queue_msg_put(q, g->m);
	} else if (!ret && g->claimed) {
		/* Freed under the lock: a putter waiting for room sees it. */
		spin_lock(&q->lock);
		ipcq_ring_done(q->ring, g->pos, true);
		wake_all = q->bytes_waiters;
		spin_unlock(&q->lock);
		if (defer != &wakes) {
			defer->putters = true;
			defer->putters_all |= wake_all;
		} else {
			ipcq_queue_wake_putters(q, wake_all, NULL);
		}
	} else if (g->claimed || g->m) {
		ipcq_queue_get_undo(g);
	}
	ipcq_qnode_free(q, g->spare);
	return ret;
}

/* Get to userspace; the caller has checked that it may. As put for @call. */
long ipcq_queue_get(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call, u32 xflags)
{
	struct ipcq_msg arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	return ipcq_queue_get_msg(q, &arg, uarg, call, xflags, NULL);
}

/*
 * A get of @argp, its answer written to @uarg's len, priority and type,
 * or, with @uarg NULL, its message copied to @to (read(2)), which then
 * answers its length in @argp.
 */
static long ipcq_queue_get_to(struct ipcq_queue *q, struct ipcq_msg *argp,
			      struct ipcq_msg __user *uarg,
			      struct iov_iter *to, struct ipcq_call *call,
			      u32 xflags, struct ipcq_wakes *defer)
{
	struct ipcq_msg arg = *argp;
	struct ipcq_get g;
	struct ipcq_waiter w;
	long ret;

	ret = ipcq_queue_get_init(&g, q, &arg);
	if (ret)
		return ret;
	g.to = to;
	arg.flags |= xflags;
	/* A peek copies a ring message under the lock: room for it. */
	if (q->ring && (arg.flags & IPCQ_MSG_PEEK)) {
		g.bounce = ipcq_qmsg_new(NULL, ipcq_ring_slot_size(q->ring),
					 false);
		if (!g.bounce)
			return -ENOMEM;
	}
	ipcq_queue_waiter(&w, q, false, &arg, call);
	/*
	 * A get that selects by type waits for what others may not want:
	 * woken by every wake-up (not one of a line), and its io_uring
	 * commands park unordered (a park site's order would hold a
	 * command back behind its task's earlier one that wants another
	 * type).
	 */
	if (g.sel.match) {
		w.exclusive = false;
		w.site = NULL;
	}

	spin_lock(&q->lock);
	if (q->ring) {
		q->ring_getters++;
		ipcq_queue_publish(q);
	}
	ret = ipcq_wait(&w, ipcq_queue_get_ready, &g);
	if (q->ring)
		q->ring_getters--;
	ipcq_queue_publish(q);
	/*
	 * Pass the turn on to the next getter while messages remain; not
	 * from an io_uring call that parked (a selective get beside messages
	 * of other types): as for puts, it would wake itself for good.
	 */
	g.wake_getter = ret != -EIOCBQUEUED && q->getters &&
			ipcq_queue_has_msg(q);
	/* The wake-ups ipcq_queue_get_finish() will ask for (not deferred). */
	if (!defer) {
		if (g.wake_putters && !g.claimed)
			g.putter = ipcq_queue_take_putter(q);
		if (g.wake_getter)
			g.getter = ipcq_queue_take_getter(q);
	}
	spin_unlock(&q->lock);

	ret = ipcq_queue_get_finish(&g, uarg, ret, defer);
	if (to)
		argp->len = arg.len;
	return ret;
}

/*
 * Get of @argp, already copied in (by get or a batch, queue_batch.c),
 * its answer written to @uarg's len, priority and type.
 */
long ipcq_queue_get_msg(struct ipcq_queue *q, struct ipcq_msg *argp,
			struct ipcq_msg __user *uarg, struct ipcq_call *call,
			u32 xflags, struct ipcq_wakes *defer)
{
	return ipcq_queue_get_to(q, argp, uarg, NULL, call, xflags, defer);
}

/*
 * read(2): the next message, of any priority or type, into @to, waiting
 * for one unless @xflags has IPCQ_MSG_NONBLOCK. Its length; 0 at
 * end-of-file; or the get's error, -EMSGSIZE if @to is too small and
 * -ENOMSG if the message is empty (both leave it queued). Of 0 bytes,
 * nothing, as POSIX allows and readv(2) does before it gets here.
 */
ssize_t ipcq_queue_read(struct ipcq_queue *q, struct iov_iter *to, u32 xflags)
{
	struct ipcq_msg arg = {
		.len = iov_iter_count(to),
		.deadline = IPCQ_DEADLINE_FOREVER,
	};
	long ret;

	if (!arg.len)
		return 0;
	ret = ipcq_queue_get_to(q, &arg, NULL, to, NULL, xflags, NULL);
	if (ret == IPCQ_GET_EOF)
		return 0;
	return ret ? ret : arg.len;
}
