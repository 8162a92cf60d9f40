// SPDX-License-Identifier: GPL-2.0
/*
 * Batches of puts and gets (IPCQ_IOC_QUEUE_PUT_MANY, _GET_MANY and the
 * pipe's SEND_MANY, RECV_MANY): up to IPCQ_BATCH_MAX messages per call,
 * as sendmmsg(2) and recvmmsg(2).
 *
 * Every message moves as its single put (get) would, so every promise of
 * a queue holds for each: order, types, limits, task counts, notify and
 * poll wake-ups. The first entry is the single call of queue_xfer.c: it
 * waits as that call would (the batch's deadline and NONBLOCK; an
 * io_uring call parks and is run again from the start when woken,
 * nothing having moved). Every later one is tried without waiting, and
 * the first that cannot move ends the batch with the count of those that
 * did. Nothing is carried from one call to the next: the entry that
 * stopped a batch meets its error again as the first of the next.
 *
 * The entries are read from user memory a chunk (IPCQ_BATCH_CHUNK) at a
 * time, not one by one. After the first, a run of a chunk's entries
 * moves under one hold of the queue lock:
 *  - puts: each message is checked, allocated and copied in before the
 *    lock is taken (at most IPCQ_BATCH_AHEAD bytes of them ahead), then
 *    the lock is taken once and they are queued in order while the
 *    queue's limits let them (shutdown, no consumer, largest message and
 *    byte limit as they are now, capacity), as a single put would queue
 *    each (queue_xfer.c: ipcq_queue_put_room(), _commit()); those left
 *    are freed after the lock is dropped;
 *  - gets: the entries that select nothing and do not truncate (the
 *    others take the single get, one by one) each detach the queue's
 *    next message under one hold of the lock, up to the first whose
 *    buffer is too small; with the lock dropped each is copied out, and
 *    on a fault the ones not delivered go back to their old places (a
 *    kept message keeps its (priority, seq) key) under one more hold, so
 *    nothing is lost or reordered.
 * Ring queues take the single put and get for every entry (simpler than
 * a run there: the ring's claims, its route word and its messages' order
 * against kept ones, queue.c, are the single calls' to keep), so their
 * batches save the system calls and the entries' reads, not the locking.
 *
 * Wake-ups: the other side's, which each message would make, are made
 * once, at the end of the batch (struct ipcq_wakes), so that a blocked
 * getter (putter) wakes to a whole batch, not to its first message.
 *
 * Locks: the queue lock (queue.h), taken once per run, never held across
 * user memory access, allocation or freeing; the single calls take it as
 * they do alone.
 */
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "queue.h"

/* Entries read from user memory at a time: on the stack. */
#define IPCQ_BATCH_CHUNK	16
/* Message bytes a put run copies in before it takes the lock, at most. */
#define IPCQ_BATCH_AHEAD	(256U << 10)

/* A batch in progress; ent[] holds the entries base .. base + n - 1. */
struct ipcq_batch_ctx {
	struct ipcq_queue *q;
	struct ipcq_batch arg;
	struct ipcq_msg __user *umsg;
	struct ipcq_call *call;
	u32 xflags;
	bool get;
	u32 done;			/* entries moved */
	u32 base, n;
	struct ipcq_wakes wakes;
	struct ipcq_msg ent[IPCQ_BATCH_CHUNK];
	/* A run's messages and index nodes, by index in ent[]. */
	struct ipcq_qmsg *m[IPCQ_BATCH_CHUNK];
	struct ipcq_qnode *spare[IPCQ_BATCH_CHUNK];
};

/*
 * Checks and copies in @uarg; writes a zero done, so that a batch never
 * moves messages it could not report.
 */
static long ipcq_batch_begin(struct ipcq_batch __user *uarg,
			     struct ipcq_batch *arg)
{
	if (copy_from_user(arg, uarg, sizeof(*arg)))
		return -EFAULT;
	if (!arg->count || arg->count > IPCQ_BATCH_MAX ||
	    (arg->flags & ~IPCQ_BATCH_NONBLOCK) || arg->pad ||
	    arg->reserved[0] || arg->reserved[1])
		return -EINVAL;
	if (put_user(0U, &uarg->done))
		return -EFAULT;
	return 0;
}

/*
 * Reads the chunk of entries from @base: how many were readable, up to
 * the first that is not (one by one only after a fault).
 */
static u32 ipcq_batch_load(struct ipcq_batch_ctx *b, u32 base)
{
	u32 n = min_t(u32, b->arg.count - base, IPCQ_BATCH_CHUNK), i;

	b->base = base;
	b->n = n;
	if (!copy_from_user(b->ent, &b->umsg[base], n * sizeof(b->ent[0])))
		return n;
	for (i = 0; i < n; i++)
		if (copy_from_user(&b->ent[i], &b->umsg[base + i],
				   sizeof(b->ent[0])))
			break;
	b->n = i;
	return i;
}

/*
 * The next entry through the single put (get) of queue_xfer.c: checked
 * (its own flags, its deadline zero), given the batch's deadline; the
 * first waits as the batch says, the others never. 0 when it moved.
 */
static long ipcq_batch_one(struct ipcq_batch_ctx *b)
{
	const u32 allowed = b->get ? IPCQ_MSG_TYPE_EQ | IPCQ_MSG_TYPE_LE |
				     IPCQ_MSG_TYPE_NE | IPCQ_MSG_TRUNCATE : 0;
	struct ipcq_msg *msg = &b->ent[b->done - b->base];
	u32 i = b->done, x = b->xflags;
	long ret;

	if ((msg->flags & ~allowed) || msg->deadline)
		return -EINVAL;
	msg->deadline = b->arg.deadline;
	if (i)
		x |= IPCQ_MSG_NONBLOCK | IPCQ_MSG_XQUIET;
	else if (b->arg.flags & IPCQ_BATCH_NONBLOCK)
		x |= IPCQ_MSG_NONBLOCK;
	/* Only the first may park: the others never wait. */
	if (b->get)
		ret = ipcq_queue_get_msg(b->q, msg, &b->umsg[i],
					 i ? NULL : b->call, x, &b->wakes);
	else
		ret = ipcq_queue_put_msg(b->q, msg, i ? NULL : b->call, x,
					 &b->wakes);
	if (!ret)
		b->done++;
	return ret;
}

/*
 * Puts of the chunk's entries from the next, as many as one run takes
 * (see the opening comment). 0 when all of them moved.
 */
static long ipcq_batch_put_run(struct ipcq_batch_ctx *b)
{
	u32 first = b->done - b->base, end, i;
	struct ipcq_notify_reg *notify = NULL;
	struct ipcq_queue *q = b->q;
	bool getters = false, bytes = false, putters;
	long ret = 0, stop = 0;
	u64 ahead = 0;

	/* Copied in up to the first that cannot be, whose error ends it. */
	for (end = first; end < b->n; end++) {
		struct ipcq_msg *msg = &b->ent[end];

		if (end > first && (ahead >= IPCQ_BATCH_AHEAD ||
				    msg->len > IPCQ_BATCH_AHEAD - ahead))
			break;
		/* A later entry: no flags of its own, no deadline. */
		ret = msg->flags || msg->deadline ? -EINVAL :
		      ipcq_queue_put_prep(q, msg, NULL, &b->m[end], &b->spare[end]);
		if (ret)
			break;
		ahead += msg->len;
	}
	if (end == first)
		return ret;

	spin_lock(&q->lock);
	for (i = first; i < end; i++) {
		stop = ipcq_queue_put_room(q, b->m[i]->len, &bytes);
		if (stop)
			break;
		/* Not a ring queue (ipcq_batch_run()): the queue keeps it. */
		if (ipcq_queue_put_commit(q, b->m[i], &b->spare[i], &notify,
					  &getters))
			b->m[i] = NULL;
	}
	/* Pass the turn on to the next putter while there is room. */
	putters = q->putters && !ipcq_queue_full(q) && !q->shutdown;
	spin_unlock(&q->lock);

	b->done += i - first;
	for (i = first; i < end; i++) {
		ipcq_queue_msg_put(q, b->m[i]);
		ipcq_qnode_free(q, b->spare[i]);
	}
	ipcq_queue_notify_fire(notify);
	b->wakes.getters |= getters;
	b->wakes.putters |= putters;
	return stop ? stop : ret;
}

/*
 * Messages @from .. @to - 1 of a get run, taken but not delivered, go
 * back where they were (queue_xfer.c's undo, for many at once), unless an
 * immediate shutdown dropped everything meanwhile.
 */
static void ipcq_batch_get_undo(struct ipcq_batch_ctx *b, u32 from, u32 to)
{
	struct ipcq_queue *q = b->q;
	bool drained;
	u32 i;

	/* An index node may be gone since: new ones, before the lock. */
	for (i = from; i < to; i++)
		if (ipcq_qmsg_needs_node(b->m[i]) && !b->spare[i])
			b->spare[i] = ipcq_qnode_new(q, __GFP_NOFAIL);
	spin_lock(&q->lock);
	drained = q->drained;
	for (i = from; i < to; i++) {
		q->taken--;
		if (drained)
			continue;
		ipcq_queue_link(q, b->m[i], &b->spare[i]);
		b->m[i] = NULL;
	}
	spin_unlock(&q->lock);
	b->wakes.getters |= !drained;
}

/*
 * Gets of the chunk's entries from the next: the single get for one that
 * selects by type or truncates, else a run of those that do neither (see
 * the opening comment). 0 when all of them moved.
 */
static long ipcq_batch_get_run(struct ipcq_batch_ctx *b)
{
	u32 first = b->done - b->base, end, i, taken;
	struct ipcq_queue *q = b->q;
	bool putters = false, all = false, getters;
	struct ipcq_msg *msg;
	struct ipcq_qmsg *m;
	enum ipcq_next next = IPCQ_NEXT_NONE;
	long ret = 0;
	u64 pos;
	u32 len;

	for (end = first; end < b->n; end++) {
		msg = &b->ent[end];
		if (msg->flags || msg->deadline || msg->type || msg->reserved)
			break;
	}
	if (end == first)
		return ipcq_batch_one(b);

	spin_lock(&q->lock);
	for (i = first; i < end; i++) {
		/* Not a ring queue (ipcq_batch_run()): kept or nothing. */
		next = ipcq_queue_next(q, &m, &pos, &len);
		if (next != IPCQ_NEXT_KEPT || m->len > b->ent[i].len)
			break;
		all |= q->bytes_waiters;
		putters |= ipcq_queue_full(q) || q->bytes_waiters;
		b->spare[i] = ipcq_queue_unlink(q, m);
		b->m[i] = m;
		q->taken++;
	}
	if (i > first)
		ipcq_queue_note_change(q, &q->get_jiffies);
	if (i < end) {
		/* What the entry that stopped it meets as the next call's. */
		if (next == IPCQ_NEXT_KEPT)
			ret = -EMSGSIZE;
		else if (q->shutdown)
			ret = -ESHUTDOWN;
		else
			ret = ipcq_queue_eof(q) ? IPCQ_GET_EOF : -EAGAIN;
	}
	/* Pass the turn on to the next getter while messages remain. */
	getters = q->getters && ipcq_queue_has_msg(q);
	spin_unlock(&q->lock);

	b->wakes.putters |= putters;
	b->wakes.putters_all |= all;
	b->wakes.getters |= getters;
	/* The message first: a fault leaves the entry untouched. */
	taken = i;
	for (i = first; i < taken; i++) {
		msg = &b->ent[i];
		m = b->m[i];
		msg->len = m->len;
		msg->priority = m->prio;
		msg->type = ipcq_qmsg_type(m);
		if (copy_to_user(u64_to_user_ptr(msg->buf), m->data, m->len) ||
		    ipcq_queue_get_answer(&b->umsg[b->base + i], msg))
			break;
	}
	b->done += i - first;
	if (i < taken) {
		ipcq_batch_get_undo(b, i, taken);
		ret = -EFAULT;
	}
	for (i = first; i < taken; i++) {
		ipcq_queue_msg_put(q, b->m[i]);
		ipcq_qnode_free(q, b->spare[i]);
	}
	return ret;
}

/* The batch's answer after @done messages moved, the last try's @ret. */
static long ipcq_batch_end(struct ipcq_batch __user *uarg, u32 done,
			   long ret)
{
	/* End-of-file: 0, as read(2); IPCQ_GET_EOF is a count. */
	if (ret == IPCQ_GET_EOF)
		ret = 0;
	if (!done)
		return ret;
	/*
	 * It was writable at the start: a caller unmapping it meanwhile
	 * loses only this copy of what the return value says.
	 */
	(void)put_user(done, &uarg->done);
	return done;
}

/* A batch of gets (@get) or puts; see the opening comment. */
static long ipcq_batch_run(struct ipcq_queue *q,
			   struct ipcq_batch __user *uarg,
			   struct ipcq_call *call, u32 xflags, bool get)
{
	struct ipcq_batch_ctx b = {
		.q = q, .call = call, .xflags = xflags, .get = get,
	};
	long ret;

	ret = ipcq_batch_begin(uarg, &b.arg);
	if (ret)
		return ret;
	b.umsg = u64_to_user_ptr(b.arg.msgs);
	while (!ret && b.done < b.arg.count) {
		if (b.done == b.base + b.n && !ipcq_batch_load(&b, b.done))
			ret = -EFAULT;
		else if (!b.done || q->ring)
			ret = ipcq_batch_one(&b);
		else if (get)
			ret = ipcq_batch_get_run(&b);
		else
			ret = ipcq_batch_put_run(&b);
	}
	ipcq_queue_wake(q, &b.wakes);
	return ipcq_batch_end(uarg, b.done, ret);
}

long ipcq_queue_put_many(struct ipcq_queue *q, struct ipcq_batch __user *uarg,
			 struct ipcq_call *call, u32 xflags)
{
	return ipcq_batch_run(q, uarg, call, xflags, false);
}

long ipcq_queue_get_many(struct ipcq_queue *q, struct ipcq_batch __user *uarg,
			 struct ipcq_call *call, u32 xflags)
{
	return ipcq_batch_run(q, uarg, call, xflags, true);
}
