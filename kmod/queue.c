// SPDX-License-Identifier: GPL-2.0
/*
 * Message queues: Python's multiprocessing Queue, JoinableQueue and
 * SimpleQueue, kept by the kernel.
 *
 * A queue is a file (anon inode) per endpoint: FMODE_WRITE makes a file a
 * producer, FMODE_READ a consumer. Messages are kept in an rbtree ordered
 * by (priority descending, arrival ascending), so the leftmost node is the
 * next one to deliver.
 *
 * No user memory is touched under the lock: a put copies the message in
 * before taking it; a get detaches the message, copies it out after
 * dropping the lock, and on a fault puts it back at its old place (its
 * (priority, seq) key is kept), so nothing is lost or reordered and a
 * consumer stalled in a page fault stalls only itself.
 *
 * Waiting: putters and getters sleep exclusively (one message wakes one
 * getter) on put_wq/get_wq; poll waiters sleep there too. A put wakes
 * getters only on the empty -> non-empty edge, a get wakes putters only on
 * the full -> not-full edge; a waiter leaving while the state it waited for
 * still holds passes the wake-up on, so none is lost. Endpoint loss and
 * shutdown wake everyone. Wake-ups happen after the lock is dropped.
 * io_uring commands park on the same wait queues, counted as putters and
 * getters, and are tried again when woken (uring.c).
 *
 * A ring queue (IPCQ_OPEN_RING) also has a ring its users map (ring.c):
 * priority-0 messages that fit a slot travel there without system calls.
 * The rbtree then holds the messages the kernel keeps: those with a
 * priority, those longer than a slot, those that found no room in the
 * ring of a queue without count limit, and everything put while any of
 * these is kept, so FIFO order holds across both. While the kernel keeps
 * messages (or a put waits in it, or the queue is shut down or broken) the
 * route word in the ring's status page sends users through the ioctls.
 * A get delivers, in order: kept messages with a priority (or put back
 * after a failed copy-out), the ring's messages, the other kept ones.
 * Waits work as above; users that change the ring ask for wake-ups
 * (IPCQ_IOC_RING_WAKE) only when the status page says someone waits.
 *
 * Counting tasks (JoinableQueue): unfinished = messages queued + taken,
 * where taken counts gets minus task_done calls (users of the ring add
 * their gets to a counter the kernel folds in), so a message dropped by
 * an immediate shutdown is finished with no bookkeeping of its own.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "ipcq.h"

/*
 * Arrival numbers start in the middle of the u64 range: messages a ring
 * queue puts back after a failed copy-out are numbered down from below
 * it, so they go first again.
 */
#define IPCQ_SEQ_BASE		BIT_ULL(63)

struct ipcq_qmsg {
	struct rb_node node;
	refcount_t ref;			/* the queue's, plus one per peeker */
	u64 seq;			/* arrival order, kept on reinsertion */
	u64 ring_mark;			/* ring queue, priority 0: the claim
					 * frontier when it was put, see
					 * ipcq_queue_next()
					 */
	size_t len;
	u32 prio;
	char data[];
};

static void ipcq_qmsg_put(struct ipcq_qmsg *m)
{
	if (m && refcount_dec_and_test(&m->ref))
		kvfree(m);
}

struct ipcq_queue {
	struct ipcq_object obj;

	/* Constant after creation. */
	u64 capacity;			/* 0: no count limit */
	u64 max_msg_size;
	u64 max_bytes;
	struct ipcq_ring *ring;		/* NULL: no ring */

	spinlock_t lock;		/* guards every field below */
	struct rb_root_cached msgs;	/* kept messages */
	u64 next_seq, front_seq;
	u64 nr_msgs;			/* kept messages */
	u64 nr_bytes;
	s64 taken;			/* gets minus task_done calls */
	u32 producers, consumers;
	u32 putters, getters, joiners;
	u32 ring_putters, ring_getters;	/* puts, gets in the kernel (ring) */
	bool had_producer, had_consumer;
	bool shutdown;
	bool drained;			/* shut down with IMMEDIATE */

	wait_queue_head_t put_wq;	/* putters, EPOLLOUT pollers */
	wait_queue_head_t get_wq;	/* getters, EPOLLIN pollers */
	wait_queue_head_t join_wq;	/* joiners */
	struct ipcq_park_site put_site;	/* io_uring puts on put_wq */
	struct ipcq_park_site get_site;	/* io_uring gets on get_wq */
};

static const struct file_operations ipcq_queue_fops;

static struct ipcq_queue *ipcq_queue_of(struct ipcq_object *obj)
{
	return container_of(obj, struct ipcq_queue, obj);
}

static u32 ipcq_file_roles(struct file *file)
{
	if (!file)
		return 0;
	return (file->f_mode & FMODE_WRITE ? IPCQ_OPEN_PRODUCER : 0) |
	       (file->f_mode & FMODE_READ ? IPCQ_OPEN_CONSUMER : 0);
}

static struct ipcq_qmsg *ipcq_queue_head(struct ipcq_queue *q)
{
	struct rb_node *n;

	lockdep_assert_held(&q->lock);
	n = rb_first_cached(&q->msgs);
	return n ? rb_entry(n, struct ipcq_qmsg, node) : NULL;
}

/* What the queue holds: kept messages plus the ring's. */
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
 * Full, by a tally of @q just taken. Slots claimed by ring users count
 * until their put or get is done (a queue without ring has none).
 */
static bool ipcq_queue_full_by(struct ipcq_queue *q,
			       const struct ipcq_ring_count *c)
{
	return q->capacity && c->msgs + c->writing + c->reading >= q->capacity;
}

static bool ipcq_queue_full(struct ipcq_queue *q)
{
	struct ipcq_ring_count c;

	lockdep_assert_held(&q->lock);
	if (!q->capacity)
		return false;
	ipcq_queue_tally(q, &c);
	return ipcq_queue_full_by(q, &c);
}

/*
 * What a get would take next. Order: kept messages with a priority or put
 * back after a failed copy-out; then priority 0 in order of arrival,
 * whichever path it took. A message of priority 0 the kernel kept goes
 * after every ring position claimed before it was put (its ring_mark):
 * committed ones are delivered first, and a claim still being written
 * holds it back as it holds back the ring messages behind it, until its
 * put commits or is skipped (its owner gone).
 */
enum ipcq_next {
	IPCQ_NEXT_NONE,		/* nothing to take */
	IPCQ_NEXT_KEPT,		/* the rbtree's head */
	IPCQ_NEXT_RING,		/* the ring's message at *@posp */
	IPCQ_NEXT_HELD,		/* messages wait behind a pending claim */
	IPCQ_NEXT_CORRUPT,	/* a corrupt ring message was dropped */
};

static bool ipcq_qmsg_after_ring(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	return q->ring && !m->prio && m->seq >= IPCQ_SEQ_BASE;
}

static enum ipcq_next ipcq_queue_next(struct ipcq_queue *q,
				      struct ipcq_qmsg **mp, u64 *posp,
				      u32 *lenp)
{
	struct ipcq_qmsg *m = ipcq_queue_head(q);
	bool before;
	int ret;

	*mp = m;
	if (!q->ring || (m && !ipcq_qmsg_after_ring(q, m)))
		return m ? IPCQ_NEXT_KEPT : IPCQ_NEXT_NONE;
	ret = ipcq_ring_first(q->ring, posp, lenp);
	if (ret == -EBADMSG)
		return IPCQ_NEXT_CORRUPT;
	before = !m || ipcq_ring_before(*posp, m->ring_mark);
	if (!ret && before)
		return IPCQ_NEXT_RING;
	if (ret == -EINPROGRESS && before)
		return m ? IPCQ_NEXT_HELD : IPCQ_NEXT_NONE;
	return m ? IPCQ_NEXT_KEPT : IPCQ_NEXT_NONE;
}

/* A get would not wait: a message (or a corrupt one) is there. */
static bool ipcq_queue_has_msg(struct ipcq_queue *q)
{
	struct ipcq_qmsg *m;
	enum ipcq_next next;
	u64 pos;
	u32 len;

	lockdep_assert_held(&q->lock);
	next = ipcq_queue_next(q, &m, &pos, &len);
	return next != IPCQ_NEXT_NONE && next != IPCQ_NEXT_HELD;
}

/* JoinableQueue's count: see the comment at the top. */
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

static bool ipcq_queue_eof(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return q->had_producer && !q->producers;
}

static bool ipcq_queue_broken(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return q->had_consumer && !q->consumers;
}

/*
 * Tells the ring's users, through its status page, where to go and
 * whether to wake anyone, then orders that before the caller's next look
 * at the ring: either a user sees the new words, or we see its slot.
 */
static void ipcq_queue_publish(struct ipcq_queue *q)
{
	bool get_wake, put_wake;
	u32 route = 0;

	lockdep_assert_held(&q->lock);
	if (!q->ring)
		return;
	if (q->nr_msgs || q->ring_putters || q->shutdown ||
	    ipcq_queue_broken(q))
		route |= IPCQ_ROUTE_PUT;
	if (q->nr_msgs || q->drained)
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

/* Inserts @m by its (prio, seq) key: new messages and returning ones. */
static void ipcq_queue_link(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	struct rb_node **link = &q->msgs.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	lockdep_assert_held(&q->lock);
	while (*link) {
		struct ipcq_qmsg *cur = rb_entry(*link, struct ipcq_qmsg, node);

		parent = *link;
		/* Higher priority first, then lower seq (arrival order). */
		if (m->prio > cur->prio ||
		    (m->prio == cur->prio && m->seq < cur->seq)) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&m->node, parent, link);
	rb_insert_color_cached(&m->node, &q->msgs, leftmost);
	q->nr_msgs++;
	q->nr_bytes += m->len;
}

static void ipcq_queue_unlink(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	lockdep_assert_held(&q->lock);
	rb_erase_cached(&m->node, &q->msgs);
	q->nr_msgs--;
	q->nr_bytes -= m->len;
}

/*
 * Sleeps on @wq with q->lock dropped, counted in *@waiters. Returns with
 * the lock held again: 0 when woken, -ETIMEDOUT or -ERESTARTSYS.
 */
static int ipcq_queue_wait(struct ipcq_queue *q, struct wait_queue_head *wq,
			   u32 *waiters, u64 deadline, bool exclusive)
{
	DEFINE_WAIT(wait);
	int ret;

	lockdep_assert_held(&q->lock);
	if (exclusive)
		prepare_to_wait_exclusive(wq, &wait, TASK_INTERRUPTIBLE);
	else
		prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
	(*waiters)++;
	spin_unlock(&q->lock);

	ret = ipcq_sleep_until(deadline);

	finish_wait(wq, &wait);
	spin_lock(&q->lock);
	(*waiters)--;
	return ret;
}

static bool ipcq_msg_args_valid(const struct ipcq_msg *arg, u32 flags)
{
	return !(arg->flags & ~flags) && !arg->reserved[0] && !arg->reserved[1];
}

/*
 * Put from userspace; the caller has checked that it may. An io_uring
 * @call parks where a thread would sleep.
 */
long ipcq_queue_put(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call)
{
	bool wake_getters = false, wake_putter = false;
	struct ipcq_msg arg;
	struct ipcq_qmsg *m;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_msg_args_valid(&arg, IPCQ_MSG_NONBLOCK) ||
	    arg.priority > IPCQ_PRIO_MAX)
		return -EINVAL;
	if (arg.len > q->max_msg_size)
		return -EMSGSIZE;

	/*
	 * Charged to the putter's memory cgroup; over its limit the put fails
	 * with ENOMEM, quietly, rather than invoking the OOM killer.
	 */
	m = kvmalloc(struct_size(m, data, arg.len),
		     GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!m)
		return -ENOMEM;
	if (copy_from_user(m->data, u64_to_user_ptr(arg.buf), arg.len)) {
		kvfree(m);
		return -EFAULT;
	}
	refcount_set(&m->ref, 1);
	m->len = arg.len;
	m->prio = arg.priority;

	spin_lock(&q->lock);
	if (q->ring) {
		/* Users' puts come here too while this one is in. */
		q->ring_putters++;
		ipcq_queue_publish(q);
	}
	for (;;) {
		struct ipcq_ring_count c;

		ipcq_queue_tally(q, &c);
		if (q->shutdown) {
			ret = -ESHUTDOWN;
		} else if (ipcq_queue_broken(q)) {
			ret = -EPIPE;
		} else if (c.bytes + m->len > q->max_bytes) {
			ret = -ENOBUFS;
		} else if (!ipcq_queue_full_by(q, &c)) {
			ret = 0;
		} else if (arg.flags & IPCQ_MSG_NONBLOCK) {
			ret = -EAGAIN;
		} else if (call) {
			ret = ipcq_park(call, &q->lock, &q->put_wq, &q->putters,
					&q->put_site, arg.deadline);
		} else {
			ret = ipcq_queue_wait(q, &q->put_wq, &q->putters,
					      arg.deadline, true);
			/*
			 * Re-judge unless only the wait failed: room that
			 * appeared meanwhile is taken, a shutdown or a lost
			 * consumer is reported as such.
			 */
			if (!ret || !ipcq_queue_full(q) || q->shutdown ||
			    ipcq_queue_broken(q))
				continue;
		}
		break;
	}
	if (!ret) {
		wake_getters = q->ring || q->nr_msgs == 0;
		m->seq = q->next_seq++;
		/* Into the ring when that keeps FIFO order, else kept. */
		if (!q->ring || q->nr_msgs || m->prio ||
		    !ipcq_ring_push(q->ring, m->data, m->len)) {
			/*
			 * After every claim made so far. Users see the route
			 * set above before they commit a later claim, or we
			 * see their claim here (both sides order with a full
			 * barrier): a later claim is committed as skipped.
			 */
			if (q->ring && !m->prio)
				m->ring_mark = ipcq_ring_frontier(q->ring);
			ipcq_queue_link(q, m);
			m = NULL;
		}
	}
	if (q->ring) {
		q->ring_putters--;
		ipcq_queue_publish(q);
	}
	/* Pass the turn on to the next putter while there is room. */
	wake_putter = q->putters && !ipcq_queue_full(q) && !q->shutdown;
	spin_unlock(&q->lock);

	kvfree(m);
	if (wake_getters)
		wake_up_poll(&q->get_wq, EPOLLIN | EPOLLRDNORM);
	if (wake_putter)
		wake_up_poll(&q->put_wq, EPOLLOUT | EPOLLWRNORM);
	return ret;
}

/*
 * Takes (or with IPCQ_MSG_PEEK copies) the ring's message at @pos, of
 * @len bytes, into @bounce, which becomes the message to deliver. 0 with
 * *@mp set; -EMSGSIZE with @arg->len set (nothing taken); -EAGAIN if a
 * user took it first (look again); -EBADMSG if it was corrupt (gone now).
 */
static int ipcq_queue_take_ring(struct ipcq_queue *q, struct ipcq_qmsg **bounce,
				struct ipcq_msg *arg, u64 buflen, u64 pos,
				u32 len, struct ipcq_qmsg **mp)
{
	int ret;

	lockdep_assert_held(&q->lock);
	arg->len = len;
	arg->priority = 0;
	if (len > buflen)
		return -EMSGSIZE;
	ret = ipcq_ring_take(q->ring, pos, (*bounce)->data,
			     arg->flags & IPCQ_MSG_PEEK);
	if (ret < 0)
		return ret;
	/* A scribbler may have grown it since it was measured. */
	if (ret > buflen)
		return -EBADMSG;
	arg->len = ret;
	(*bounce)->len = ret;
	(*bounce)->prio = 0;
	*mp = *bounce;
	*bounce = NULL;
	return 0;
}

/*
 * After a failed wait, whether the state changed so that a get would not
 * wait any more (and must answer for that rather than for the wait).
 */
static bool ipcq_queue_get_ready(struct ipcq_queue *q)
{
	struct ipcq_qmsg *m;
	enum ipcq_next next;
	u64 pos;
	u32 len;

	next = ipcq_queue_next(q, &m, &pos, &len);
	if (next == IPCQ_NEXT_HELD)
		return false;
	return next != IPCQ_NEXT_NONE || q->shutdown || ipcq_queue_eof(q);
}

/* Get to userspace; the caller has checked that it may. As put for @call. */
long ipcq_queue_get(struct ipcq_queue *q, struct ipcq_msg __user *uarg,
		    struct ipcq_call *call)
{
	bool wake_putters = false, wake_getter, peek, from_ring = false;
	bool detached = false, held = false;
	struct ipcq_qmsg *m = NULL, *bounce = NULL;
	unsigned int lost = 0;
	struct ipcq_msg arg;
	u64 buflen;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_msg_args_valid(&arg, IPCQ_MSG_NONBLOCK | IPCQ_MSG_PEEK))
		return -EINVAL;
	peek = arg.flags & IPCQ_MSG_PEEK;
	buflen = arg.len;
	if (q->ring) {
		/* Room to copy a ring message out of the lock. */
		bounce = kvmalloc(struct_size(bounce, data,
					      ipcq_ring_slot_size(q->ring)),
				  GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				  __GFP_NOWARN);
		if (!bounce)
			return -ENOMEM;
		refcount_set(&bounce->ref, 1);
	}

	spin_lock(&q->lock);
	if (q->ring) {
		q->ring_getters++;
		ipcq_queue_publish(q);
	}
	for (;;) {
		enum ipcq_next next;
		u64 pos;
		u32 len;

		if (q->ring && q->drained)
			ipcq_ring_drop(q->ring);	/* puts that raced it */
		next = ipcq_queue_next(q, &m, &pos, &len);
		if (next == IPCQ_NEXT_RING) {
			ret = ipcq_queue_take_ring(q, &bounce, &arg, buflen,
						   pos, len, &m);
			if (!ret) {
				from_ring = true;
				break;
			}
			m = NULL;
			if (ret != -EAGAIN)
				break;
			/*
			 * Users took it first: look again, bounded under the
			 * lock, then letting the CPU go.
			 */
			if (++lost % 16)
				continue;
			ret = -EAGAIN;
			if (arg.flags & IPCQ_MSG_NONBLOCK)
				break;
			ret = ipcq_relax_locked(&q->lock, arg.deadline);
			if (ret)
				break;
			continue;
		}
		if (next == IPCQ_NEXT_KEPT) {
			ret = 0;
			break;
		}
		/* Nothing to deliver now. */
		m = NULL;
		if (next == IPCQ_NEXT_CORRUPT) {
			ret = -EBADMSG;
		} else if (next == IPCQ_NEXT_NONE && q->shutdown) {
			ret = -ESHUTDOWN;
		} else if (next == IPCQ_NEXT_NONE && ipcq_queue_eof(q)) {
			ret = IPCQ_GET_EOF;
		} else if (arg.flags & IPCQ_MSG_NONBLOCK) {
			ret = -EAGAIN;
		} else if (call) {
			ret = ipcq_park(call, &q->lock, &q->get_wq, &q->getters,
					&q->get_site, arg.deadline);
		} else {
			ret = ipcq_queue_wait(q, &q->get_wq, &q->getters,
					      arg.deadline, true);
			/* As in put: re-judge unless only the wait failed. */
			if (!ret || ipcq_queue_get_ready(q))
				continue;
		}
		break;
	}
	if (from_ring) {
		/* @m is our private copy; the ring slot is free already. */
		if (peek) {
			held = true;
		} else {
			detached = true;
			wake_putters = true;
			q->taken++;
		}
	} else if (m) {
		arg.len = m->len;
		arg.priority = m->prio;
		if (m->len > buflen) {
			/*
			 * Too small: it stays queued, untouched by us from
			 * here on (another getter may take it at once).
			 */
			ret = -EMSGSIZE;
			m = NULL;
		} else if (peek) {
			refcount_inc(&m->ref);
			held = true;
		} else {
			wake_putters = q->ring || ipcq_queue_full(q);
			ipcq_queue_unlink(q, m);
			detached = true;
			q->taken++;
		}
	}
	if (q->ring)
		q->ring_getters--;
	ipcq_queue_publish(q);
	/* Pass the turn on to the next getter while messages remain. */
	wake_getter = q->getters && ipcq_queue_has_msg(q);
	spin_unlock(&q->lock);

	kvfree(bounce);
	if (wake_putters)
		wake_up_poll(&q->put_wq, EPOLLOUT | EPOLLWRNORM);
	if (wake_getter)
		wake_up_poll(&q->get_wq, EPOLLIN | EPOLLRDNORM);
	if (!m && ret != -EMSGSIZE)
		return ret;

	/* What was done to the message decides what to undo, not ret. */
	if (copy_to_user(&uarg->len, &arg.len, sizeof(arg.len)) ||
	    copy_to_user(&uarg->priority, &arg.priority, sizeof(arg.priority)))
		ret = -EFAULT;
	else if ((held || detached) &&
		 copy_to_user(u64_to_user_ptr(arg.buf), m->data, m->len))
		ret = -EFAULT;

	if (held) {
		ipcq_qmsg_put(m);
		return ret;
	}
	if (!detached)
		return ret;
	if (!ret) {
		ipcq_qmsg_put(m);
		return 0;
	}
	/*
	 * The copy-out faulted: back to where it was, nothing lost, unless
	 * an immediate shutdown dropped everything meanwhile: then it is
	 * dropped as that shutdown would have. A ring queue puts it first,
	 * as its place in the ring is gone.
	 */
	spin_lock(&q->lock);
	q->taken--;
	wake_getter = true;
	if (q->drained) {
		wake_getter = false;
	} else {
		if (q->ring)
			m->seq = q->front_seq--;
		ipcq_queue_link(q, m);
		m = NULL;
	}
	ipcq_queue_publish(q);
	spin_unlock(&q->lock);
	ipcq_qmsg_put(m);
	if (wake_getter)
		wake_up_poll(&q->get_wq, EPOLLIN | EPOLLRDNORM);
	return ret;
}

static u32 ipcq_queue_state(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return (q->shutdown ? IPCQ_STATE_SHUTDOWN : 0) |
	       (READ_ONCE(q->obj.ns) ? IPCQ_STATE_NAMED : 0) |
	       (q->ring ? IPCQ_STATE_RING : 0);
}

static void ipcq_queue_fill_stat(struct ipcq_queue *q, struct file *file,
				 struct ipcq_queue_stat *st)
{
	struct ipcq_ring_count c;

	lockdep_assert_held(&q->lock);
	memset(st, 0, sizeof(*st));
	ipcq_queue_tally(q, &c);
	st->endpoint = ipcq_file_roles(file);
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

static long ipcq_queue_stat(struct ipcq_queue *q, struct file *file,
			    struct ipcq_queue_stat __user *uarg)
{
	struct ipcq_queue_stat st;

	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, file, &st);
	spin_unlock(&q->lock);
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long ipcq_queue_task_done(struct ipcq_queue *q,
				 struct ipcq_task_done __user *uarg)
{
	struct ipcq_task_done arg;
	bool wake = false;
	u64 unfinished;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.count || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	unfinished = ipcq_queue_unfinished(q);
	if (arg.count > unfinished) {
		ret = -ERANGE;
	} else {
		q->taken -= arg.count;
		wake = arg.count == unfinished;
	}
	spin_unlock(&q->lock);
	if (wake)
		wake_up_all(&q->join_wq);
	return ret;
}

static long ipcq_queue_join(struct ipcq_queue *q, struct ipcq_wait __user *uarg,
			    struct ipcq_call *call)
{
	struct ipcq_wait arg;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_WAIT_NONBLOCK) || arg.pad || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	for (;;) {
		if (!ipcq_queue_unfinished(q)) {
			ret = 0;
		} else if (arg.flags & IPCQ_WAIT_NONBLOCK) {
			ret = -EAGAIN;
		} else if (call) {
			ret = ipcq_park(call, &q->lock, &q->join_wq,
					&q->joiners, NULL, arg.deadline);
		} else {
			ret = ipcq_queue_wait(q, &q->join_wq, &q->joiners,
					      arg.deadline, false);
			if (!ret || !ipcq_queue_unfinished(q))
				continue;
		}
		break;
	}
	spin_unlock(&q->lock);
	return ret;
}

static long ipcq_queue_shutdown(struct ipcq_queue *q,
				struct ipcq_shutdown __user *uarg)
{
	struct ipcq_qmsg *m, *tmp;
	struct ipcq_shutdown arg;
	struct rb_root dropped = RB_ROOT;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_SHUTDOWN_IMMEDIATE) || arg.pad || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	q->shutdown = true;
	if (arg.flags & IPCQ_SHUTDOWN_IMMEDIATE) {
		/* Dropped messages leave the count of unfinished tasks. */
		q->drained = true;
		dropped = q->msgs.rb_root;
		q->msgs = RB_ROOT_CACHED;
		q->nr_msgs = 0;
		q->nr_bytes = 0;
	}
	ipcq_queue_publish(q);
	if (q->drained && q->ring)
		ipcq_ring_drop(q->ring);
	spin_unlock(&q->lock);

	rbtree_postorder_for_each_entry_safe(m, tmp, &dropped, node)
		ipcq_qmsg_put(m);
	wake_up_all(&q->put_wq);
	wake_up_all(&q->get_wq);
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
		wake_up_all(&q->get_wq);
	if (wake_putters)
		wake_up_all(&q->put_wq);
}

/*
 * Makes a new file for @q with @roles and returns its fd. Takes a new
 * reference to the queue for the file.
 */
static int ipcq_queue_install(struct ipcq_queue *q, u32 roles, u32 flags)
{
	int accmode, fd;
	struct file *file;

	if (roles == (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER))
		accmode = O_RDWR;
	else if (roles == IPCQ_OPEN_PRODUCER)
		accmode = O_WRONLY;
	else if (roles == IPCQ_OPEN_CONSUMER)
		accmode = O_RDONLY;
	else
		accmode = O_ACCMODE;	/* an observer: neither read nor write */

	fd = get_unused_fd_flags(flags & IPCQ_OPEN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	ipcq_object_get(&q->obj);
	file = ipcq_anon_file("[ipcq-queue]", &ipcq_queue_fops, q, accmode);
	if (IS_ERR(file)) {
		ipcq_object_put(&q->obj);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	ipcq_queue_attach(q, roles);
	fd_install(fd, file);
	return fd;
}

static long ipcq_queue_reopen(struct ipcq_queue *q, struct file *file,
			      struct ipcq_reopen __user *uarg)
{
	const u32 roles = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;
	struct ipcq_reopen arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~(roles | IPCQ_OPEN_CLOEXEC)) || arg.pad ||
	    arg.reserved)
		return -EINVAL;
	/* A file grants no role it was not opened with. */
	if (arg.flags & roles & ~ipcq_file_roles(file))
		return -EACCES;
	return ipcq_queue_install(q, arg.flags & roles, arg.flags);
}

/*
 * A ring attachment: the file a ring is mapped from. It names the owner id
 * its user claims slots with, and holds the endpoint file it came from, so
 * that when a process dies its claims are reclaimed before its endpoint is
 * counted out (a consumer never sees end-of-file ahead of the messages
 * behind a dead producer's claim).
 */
struct ipcq_ring_file {
	struct ipcq_queue *q;
	struct file *endpoint;
	u32 owner;
};

static int ipcq_ring_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcq_ring_file *rf = file->private_data;

	return ipcq_ring_mmap(rf->q->ring, vma);
}

static int ipcq_ring_file_release(struct inode *inode, struct file *file)
{
	struct ipcq_ring_file *rf = file->private_data;
	struct ipcq_queue *q = rf->q;
	bool changed;

	spin_lock(&q->lock);
	changed = ipcq_ring_reclaim(q->ring, rf->owner);
	ipcq_queue_publish(q);
	spin_unlock(&q->lock);
	ipcq_ring_owner_free(q->ring, rf->owner);
	if (changed) {
		/* A skipped claim may unblock getters, a freed one putters. */
		wake_up_all(&q->get_wq);
		wake_up_all(&q->put_wq);
	}
	fput(rf->endpoint);
	ipcq_object_put(&q->obj);
	kfree(rf);
	return 0;
}

static void ipcq_ring_file_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct ipcq_ring_file *rf = file->private_data;

	ipcq_object_show_fdinfo(m, &rf->q->obj);
	seq_printf(m, "ring-owner:\t%u\n", rf->owner);
}

static const struct file_operations ipcq_ring_fops = {
	.owner		= THIS_MODULE,
	.release	= ipcq_ring_file_release,
	.mmap		= ipcq_ring_file_mmap,
	.llseek		= no_llseek,
	.show_fdinfo	= ipcq_ring_file_show_fdinfo,
};

static long ipcq_queue_ring_attach(struct ipcq_queue *q, struct file *file,
				   struct ipcq_ring_info __user *uarg)
{
	struct ipcq_ring_info info;
	struct ipcq_ring_file *rf;
	struct file *rfile;
	int fd, ret;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	/* Every field but flags is output, so must come in as zero. */
	if ((info.flags & ~IPCQ_OPEN_CLOEXEC) ||
	    memchr_inv(&info.owner, 0, sizeof(info) - sizeof(info.flags)))
		return -EINVAL;
	if (!q->ring)
		return -ENXIO;
	if (!ipcq_file_roles(file))
		return -EBADF;
	/*
	 * Whoever maps the ring can both put and get through it: a file
	 * that may not do both needs the permission to.
	 */
	if (ipcq_file_roles(file) != (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER)) {
		ret = ipcq_object_permission(&q->obj, MAY_READ | MAY_WRITE);
		if (ret)
			return ret;
	}

	rf = kzalloc(sizeof(*rf), GFP_KERNEL_ACCOUNT);
	if (!rf)
		return -ENOMEM;
	ret = ipcq_ring_owner_new(q->ring);
	if (ret < 0)
		goto free_rf;
	rf->owner = ret;
	rf->q = q;
	ipcq_ring_fill_info(q->ring, &info);
	info.owner = rf->owner;

	fd = get_unused_fd_flags(info.flags & IPCQ_OPEN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto free_owner;
	}
	rfile = ipcq_anon_file("[ipcq-ring]", &ipcq_ring_fops, rf, O_RDWR);
	if (IS_ERR(rfile)) {
		ret = PTR_ERR(rfile);
		goto put_fd;
	}
	/* From here the file's release undoes it all. */
	ipcq_object_get(&q->obj);
	rf->endpoint = get_file(file);
	if (copy_to_user(uarg, &info, sizeof(info))) {
		put_unused_fd(fd);
		fput(rfile);
		return -EFAULT;
	}
	fd_install(fd, rfile);
	return fd;

put_fd:
	put_unused_fd(fd);
free_owner:
	ipcq_ring_owner_free(q->ring, rf->owner);
free_rf:
	kfree(rf);
	return ret;
}

static long ipcq_queue_ring_wake(struct ipcq_queue *q,
				 struct ipcq_ring_wake __user *uarg)
{
	const u32 known = IPCQ_WAKE_GETTERS | IPCQ_WAKE_PUTTERS;
	struct ipcq_ring_wake arg;

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
	spin_unlock(&q->lock);
	if (arg.flags & IPCQ_WAKE_GETTERS)
		wake_up_poll(&q->get_wq, EPOLLIN | EPOLLRDNORM);
	if (arg.flags & IPCQ_WAKE_PUTTERS)
		wake_up_poll(&q->put_wq, EPOLLOUT | EPOLLWRNORM);
	return 0;
}

/* The queue file's operations, for ioctl(2) (@call NULL) and io_uring. */
static long ipcq_queue_dispatch(struct file *file, unsigned int cmd,
				unsigned long arg, struct ipcq_call *call)
{
	struct ipcq_queue *q = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case IPCQ_IOC_QUEUE_PUT:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return ipcq_queue_put(q, argp, call);
	case IPCQ_IOC_QUEUE_GET:
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		return ipcq_queue_get(q, argp, call);
	case IPCQ_IOC_QUEUE_STAT:
		return ipcq_queue_stat(q, file, argp);
	case IPCQ_IOC_QUEUE_TASK_DONE:
		return ipcq_queue_task_done(q, argp);
	case IPCQ_IOC_QUEUE_JOIN:
		return ipcq_queue_join(q, argp, call);
	case IPCQ_IOC_QUEUE_SHUTDOWN:
		return ipcq_queue_shutdown(q, argp);
	case IPCQ_IOC_QUEUE_REOPEN:
		return ipcq_queue_reopen(q, file, argp);
	case IPCQ_IOC_RING_ATTACH:
		return ipcq_queue_ring_attach(q, file, argp);
	case IPCQ_IOC_RING_WAKE:
		return ipcq_queue_ring_wake(q, argp);
	default:
		return -ENOTTY;
	}
}

static long ipcq_queue_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return ipcq_queue_dispatch(file, cmd, arg, NULL);
}

static int ipcq_queue_uring_cmd(struct io_uring_cmd *cmd,
				unsigned int issue_flags)
{
	return ipcq_uring_cmd(cmd, issue_flags, ipcq_queue_dispatch);
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
		    ipcq_queue_get_ready(q))
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

static __poll_t ipcq_queue_poll(struct file *file, poll_table *wait)
{
	return ipcq_queue_poll_roles(file->private_data, file,
				     ipcq_file_roles(file), wait);
}

static int ipcq_queue_release(struct inode *inode, struct file *file)
{
	struct ipcq_queue *q = file->private_data;

	ipcq_queue_detach(q, ipcq_file_roles(file));
	ipcq_object_put(&q->obj);
	return 0;
}

static void ipcq_queue_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct ipcq_queue *q = file->private_data;
	struct ipcq_queue_stat st;

	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, file, &st);
	spin_unlock(&q->lock);

	ipcq_object_show_fdinfo(m, &q->obj);
	seq_printf(m, "endpoint:\t%s%s\n",
		   st.endpoint & IPCQ_OPEN_PRODUCER ? "producer" : "",
		   st.endpoint == (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER) ?
		   ",consumer" :
		   (st.endpoint & IPCQ_OPEN_CONSUMER ? "consumer" : ""));
	seq_printf(m, "messages:\t%llu\nbytes:\t%llu\ncapacity:\t%llu\n",
		   st.messages, st.bytes, st.capacity);
	seq_printf(m, "max_msg_size:\t%llu\nmax_bytes:\t%llu\n",
		   st.max_msg_size, st.max_bytes);
	seq_printf(m, "unfinished:\t%llu\nputters:\t%u\ngetters:\t%u\n",
		   st.unfinished, st.putters, st.getters);
	seq_printf(m, "joiners:\t%u\nproducers:\t%u\nconsumers:\t%u\n",
		   st.joiners, st.producers, st.consumers);
	seq_printf(m, "shutdown:\t%u\n", !!(st.state & IPCQ_STATE_SHUTDOWN));
	if (q->ring)
		seq_printf(m, "ring:\t%u slots of %u bytes\n",
			   ipcq_ring_slots(q->ring),
			   ipcq_ring_slot_size(q->ring));
}

static const struct file_operations ipcq_queue_fops = {
	.owner		= THIS_MODULE,
	.release	= ipcq_queue_release,
	.poll		= ipcq_queue_poll,
	.unlocked_ioctl	= ipcq_queue_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= ipcq_queue_uring_cmd,
	.llseek		= no_llseek,
	.show_fdinfo	= ipcq_queue_show_fdinfo,
};

static void ipcq_queue_free(struct ipcq_object *obj)
{
	struct ipcq_queue *q = ipcq_queue_of(obj);
	struct ipcq_qmsg *m, *tmp;

	rbtree_postorder_for_each_entry_safe(m, tmp, &q->msgs.rb_root, node)
		ipcq_qmsg_put(m);
	ipcq_ring_free(q->ring);
	kfree(q);
}

static void ipcq_queue_info(struct ipcq_object *obj,
			    struct ipcq_object_info *info)
{
	struct ipcq_queue *q = ipcq_queue_of(obj);
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

static struct ipcq_object *ipcq_queue_create(void *arg)
{
	const struct ipcq_queue_attr *attr = arg;
	struct ipcq_queue *q;
	int ret;

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
	}
	ret = ipcq_object_init(&q->obj, IPCQ_TYPE_QUEUE, &ipcq_queue_ops,
			       attr->mode);
	if (ret) {
		ipcq_ring_free(q->ring);
		kfree(q);
		return ERR_PTR(ret);
	}
	q->capacity = attr->capacity;
	q->max_msg_size = attr->max_msg_size;
	q->max_bytes = READ_ONCE(ipcq_max_queue_bytes);
	spin_lock_init(&q->lock);
	q->msgs = RB_ROOT_CACHED;
	q->next_seq = IPCQ_SEQ_BASE;
	q->front_seq = IPCQ_SEQ_BASE - 1;
	init_waitqueue_head(&q->put_wq);
	init_waitqueue_head(&q->get_wq);
	init_waitqueue_head(&q->join_wq);
	ipcq_park_site_init(&q->put_site);
	ipcq_park_site_init(&q->get_site);
	ipcq_object_publish(&q->obj);
	return &q->obj;
}

/* A new anonymous queue with one reference, or an ERR_PTR. */
struct ipcq_queue *ipcq_queue_new(const struct ipcq_queue_attr *attr)
{
	struct ipcq_object *obj = ipcq_queue_create((void *)attr);

	/* Names of dead namespaces may hold the caller's quota. */
	if (obj == ERR_PTR(-ENOSPC)) {
		ipcq_registry_collect();
		obj = ipcq_queue_create((void *)attr);
	}
	return IS_ERR(obj) ? ERR_CAST(obj) : ipcq_queue_of(obj);
}

/* Counts of @q for introspection (pipes show both directions). */
void ipcq_queue_counts(struct ipcq_queue *q, struct ipcq_queue_stat *st)
{
	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, NULL, st);
	spin_unlock(&q->lock);
}

struct ipcq_object *ipcq_queue_object(struct ipcq_queue *q)
{
	return &q->obj;
}

long ipcq_queue_open(struct ipcq_queue_open __user *uarg)
{
	const u32 roles = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;
	const u32 known = roles | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL |
			  IPCQ_OPEN_CLOEXEC | IPCQ_OPEN_RING;
	unsigned int max_msg_size = READ_ONCE(ipcq_max_msg_size);
	struct ipcq_queue_attr attr;
	struct ipcq_queue_open arg;
	struct ipcq_object *obj;
	struct ipcq_name name;
	bool created = true;
	long ret;
	int may;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~known) || (arg.mode & ~0777) || arg.pad ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	if ((arg.flags & IPCQ_OPEN_EXCL) && !(arg.flags & IPCQ_OPEN_CREATE))
		return -EINVAL;
	if (arg.max_msg_size > max_msg_size)
		return -EINVAL;

	memset(&attr, 0, sizeof(attr));
	attr.capacity = arg.capacity;
	attr.max_msg_size = arg.max_msg_size ?: max_msg_size;
	attr.mode = arg.mode & ~current_umask();
	if (!(arg.flags & IPCQ_OPEN_RING)) {
		if (arg.slot_size)
			return -EINVAL;
	} else {
		u64 max_bytes = READ_ONCE(ipcq_max_queue_bytes);

		if (arg.capacity > IPCQ_RING_SLOTS_MAX ||
		    arg.slot_size > IPCQ_RING_SLOT_MAX)
			return -EINVAL;
		attr.ring_slots = arg.capacity ?: IPCQ_RING_SLOTS_DEFAULT;
		/*
		 * The ring alone never holds more than max_queue_bytes, so
		 * its users need no byte count: a default slot shrinks to
		 * fit, a slot size asked for must fit.
		 */
		if (arg.slot_size && arg.slot_size * attr.ring_slots > max_bytes)
			return -EINVAL;
		attr.slot_size = min_t(u64, arg.slot_size ?: IPCQ_RING_SLOT_DEFAULT,
				       attr.max_msg_size);
		attr.slot_size = min_t(u64, attr.slot_size,
				       div_u64(max_bytes, attr.ring_slots));
	}

	if (!arg.name) {
		/* Anonymous: always new; names and create flags make no sense. */
		if (arg.name_len || (arg.flags & (IPCQ_OPEN_CREATE |
						  IPCQ_OPEN_EXCL)))
			return -EINVAL;
		struct ipcq_queue *q = ipcq_queue_new(&attr);

		obj = IS_ERR(q) ? ERR_CAST(q) : &q->obj;
	} else {
		ret = ipcq_name_from_user(&name, arg.name, arg.name_len);
		if (ret)
			return ret;
		obj = ipcq_registry_open(IPCQ_TYPE_QUEUE, &name, arg.flags,
					 ipcq_queue_create, &attr, &created);
	}
	if (IS_ERR(obj))
		return PTR_ERR(obj);

	/* The creator gets the endpoints it asked for, like open(O_CREAT). */
	/* An observer (no role) needs read permission, as a consumer. */
	may = (arg.flags & IPCQ_OPEN_PRODUCER ? MAY_WRITE : 0) |
	      (arg.flags & roles & ~IPCQ_OPEN_PRODUCER || !(arg.flags & roles) ?
	       MAY_READ : 0);
	ret = created ? 0 : ipcq_object_permission(obj, may);
	if (!ret)
		ret = ipcq_queue_install(ipcq_queue_of(obj), arg.flags & roles,
					 arg.flags);
	ipcq_object_put(obj);
	return ret;
}
