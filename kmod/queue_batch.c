// SPDX-License-Identifier: GPL-2.0
/*
 * Batches of puts and gets (IPCQ_IOC_QUEUE_PUT_MANY, _GET_MANY and the
 * pipe's SEND_MANY, RECV_MANY): up to IPCQ_BATCH_MAX messages per call,
 * as sendmmsg(2) and recvmmsg(2).
 *
 * A batch is a run of the single put (get) of queue_xfer.c over its
 * entries, so every promise of a queue holds for each message as it does
 * for a single call: order, types, limits, task counts, ring queues,
 * notify and poll wake-ups. The first entry waits as the single call
 * would (the batch's deadline and NONBLOCK, an io_uring call parks: it
 * is run again from the start when woken, nothing having moved); every
 * later one is tried without waiting, and the first that cannot move
 * ends the batch with the count of those that did. Nothing is carried
 * from one call to the next: the entry that stopped a batch meets its
 * error again as the first of the next.
 *
 * Wake-ups: the other side's, which each message would make, are made
 * once, at the end of the batch (struct ipcq_wakes), so that a blocked
 * getter (putter) wakes to a whole batch, not to its first message.
 *
 * Locks: none of its own; each message takes the queue lock as a single
 * put or get does (queue.h).
 */
#include <linux/uaccess.h>

#include "queue.h"

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
 * Entry @i of the batch @arg, copied in and checked: its own flags
 * (@allowed), its deadline zero; then given the batch's deadline and the
 * flags it runs with in *@xflags: the first waits as the batch says, the
 * others never.
 */
static long ipcq_batch_entry(const struct ipcq_batch *arg, u32 i,
			     u32 allowed, struct ipcq_msg *msg, u32 *xflags)
{
	struct ipcq_msg __user *umsg = u64_to_user_ptr(arg->msgs);

	if (copy_from_user(msg, &umsg[i], sizeof(*msg)))
		return -EFAULT;
	if ((msg->flags & ~allowed) || msg->deadline)
		return -EINVAL;
	msg->deadline = arg->deadline;
	if (i)
		*xflags |= IPCQ_MSG_NONBLOCK | IPCQ_MSG_XQUIET;
	else if (arg->flags & IPCQ_BATCH_NONBLOCK)
		*xflags |= IPCQ_MSG_NONBLOCK;
	return 0;
}

/* The batch's answer after @done messages moved, the last try's @ret. */
static long ipcq_batch_end(struct ipcq_batch __user *uarg, u32 done,
			   long ret)
{
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
	const u32 allowed = get ? IPCQ_MSG_TYPE_EQ | IPCQ_MSG_TYPE_LE |
				  IPCQ_MSG_TYPE_NE | IPCQ_MSG_TRUNCATE : 0;
	struct ipcq_wakes wakes = { };
	struct ipcq_msg __user *umsg;
	struct ipcq_batch arg;
	struct ipcq_msg msg;
	long ret;
	u32 i;

	ret = ipcq_batch_begin(uarg, &arg);
	if (ret)
		return ret;
	umsg = u64_to_user_ptr(arg.msgs);
	for (i = 0; i < arg.count; i++) {
		u32 x = xflags;

		ret = ipcq_batch_entry(&arg, i, allowed, &msg, &x);
		if (ret)
			break;
		/* Only the first may park: the others never wait. */
		if (get)
			ret = ipcq_queue_get_msg(q, &msg, &umsg[i],
						 i ? NULL : call, x, &wakes);
		else
			ret = ipcq_queue_put_msg(q, &msg, i ? NULL : call, x,
						 &wakes);
		/* End-of-file: 0, as read(2); IPCQ_GET_EOF is a count. */
		if (ret == IPCQ_GET_EOF) {
			ret = 0;
			break;
		}
		if (ret)
			break;
	}
	ipcq_queue_wake(q, &wakes);
	return ipcq_batch_end(uarg, i, ret);
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
