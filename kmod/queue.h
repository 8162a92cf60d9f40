/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message queues, shared by queue.c (the core: put, get, join, shutdown,
 * counts), queue_file.c (endpoint files) and ring.c (the shared ring and
 * its attachment files).
 *
 * struct ipcq_queue.lock guards every mutable field below it, and the
 * kernel's own operations on the ring; ring users work lock-free.
 */
#ifndef IPCQ_QUEUE_H
#define IPCQ_QUEUE_H

#include <linux/jiffies.h>
#include <linux/llist.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/slab.h>

#include "ipcq.h"

struct iov_iter;

struct ipcq_ring;
struct ipcq_notify_reg;

/*
 * A node of one of a queue's two indexes of kept messages: the untyped
 * messages of one priority other than 0 in order of arrival, a node of
 * ipcq_queue.prios while it holds any (queue_index.c); or the typed
 * messages of one type by (priority descending, arrival), a node of
 * ipcq_queue.types while it holds any (queue_type.c). Each is brought by
 * the put that may need it.
 */
struct ipcq_qnode {
	struct rb_node node;
	u64 key;			/* the priority, or the type */
	union {
		struct list_head fifo;		/* a priority's messages */
		struct rb_root_cached msgs;	/* a type's messages */
	};
};

struct ipcq_queue {
	struct ipcq_object obj;

	/*
	 * Limits: changed only by IPCQ_IOC_SET (under the lock, with
	 * WRITE_ONCE); read under the lock, or with READ_ONCE.
	 */
	u64 capacity;			/* 0: no count limit */
	u64 max_msg_size;
	u64 max_bytes;

	/* Constant after creation. */
	struct ipcq_ring *ring;		/* NULL: no ring */
	u64 ring_max_bytes;		/* what the ring can hold at most */

	/* A free index node, or NULL: exchanged atomically, no lock. */
	struct ipcq_qnode *node_cache;
	/* Freed small messages for reuse, and their bytes (queue_msg.c). */
	struct llist_head msg_cache;
	atomic_t msg_cache_bytes;
	spinlock_t msg_cache_lock;	/* taking from msg_cache */

	/* Constant after creation; here, it packs with the lock. */
	bool nohup;			/* IPCQ_OPEN_NOHUP: no EOF, no EPIPE */
	spinlock_t lock;		/* guards every field below */
	struct list_head fifo0;		/* untyped messages of priority 0 */
	struct rb_root_cached prios;	/* struct ipcq_qnode of the other
					 * priorities of untyped messages,
					 * highest leftmost
					 */
	struct rb_root_cached typed;	/* typed messages, in order */
	struct rb_root_cached types;	/* struct ipcq_qnode, by type */
	u32 bytes_waiters;		/* puts waiting for the byte limit */
	bool selective;			/* a get waited with a type to match;
					 * never cleared (READ_ONCE outside)
					 */
	u64 next_seq;
	u64 nr_msgs;			/* kept messages */
	u64 nr_bytes;
	s64 taken;			/* gets minus task_done calls */
	u32 producers, consumers;
	u32 putters, getters, joiners;
	bool had_producer, had_consumer;
	bool shutdown;
	bool drained;			/* shut down with IMMEDIATE */
	struct ipcq_notify_reg *notify;	/* IPCQ_IOC_QUEUE_NOTIFY's, or NULL */
	union {
		struct {			/* ring queues (q->ring) */
			u64 front_seq;		/* for messages put back */
			u32 ring_putters;	/* puts, gets in the kernel */
			u32 ring_getters;
		};
		/*
		 * The others: when (jiffies) a put, a get last changed the
		 * queue. A get or put about to sleep spins only if the
		 * other side did so a moment ago (wait.c); ring queues'
		 * users spin in memory instead.
		 */
		struct {
			unsigned long put_jiffies, get_jiffies;
		};
	};

	struct list_head put_sleepers;	/* putters asleep (wait.c) */
	struct list_head get_sleepers;	/* getters asleep, but selective */
	wait_queue_head_t put_wq;	/* io_uring puts, EPOLLOUT pollers */
	wait_queue_head_t get_wq;	/* io_uring and selective gets,
					 * EPOLLIN pollers, multi-waits
					 */
	wait_queue_head_t join_wq;	/* joiners */
	struct ipcq_park_site put_site;	/* io_uring puts on put_wq */
	struct ipcq_park_site get_site;	/* io_uring gets on get_wq */
};

/* queue.c: the queue's state, for the operations of queue_xfer.c */
/*
 * Arrival numbers start in the middle of the u64 range: messages a ring
 * queue puts back after a failed copy-out are numbered down from below
 * it, so they go first again.
 */
#define IPCQ_SEQ_BASE		BIT_ULL(63)

/*
 * A kept message: a 56-byte header, so that a 64-byte message takes a
 * 128-byte slab object (issue 23 item 6). Its data follows the header in
 * the same allocation, unless the header would push it into an
 * allocation twice the size (a 4 KiB payload into 8 KiB): then the data
 * has an allocation of its own (ipcq_qmsg_new()). A typed one has struct
 * ipcq_qmsg_typed in front of the header, in the header's allocation.
 */
struct ipcq_qmsg {
	union {
		struct list_head link;	/* untyped: in its priority's fifo */
		struct llist_node cache; /* in its queue's msg_cache */
	};
	u64 seq;			/* arrival order, kept on reinsertion */
	u64 ring_mark;			/* ring queue, priority 0: the claim
					 * frontier when it was put, see
					 * ipcq_queue_next()
					 */
	u32 len;			/* at most IPCQ_MSG_SIZE_MAX */
	u32 prio;
	refcount_t ref;			/* the queue's, plus one per peeker */
	u32 typed;			/* has a struct ipcq_qmsg_typed */
	char *data;			/* inline_data, or allocated apart */
	char inline_data[];
};

/* What a typed message (one with a type other than 0) has in front. */
struct ipcq_qmsg_typed {
	struct rb_node onode;		/* in ipcq_queue.typed */
	struct rb_node tnode;		/* in its type's node's msgs */
	struct ipcq_qnode *mt;		/* its type's node, while kept */
	u64 type;
};

static inline struct ipcq_qmsg_typed *ipcq_qmsg_typed(struct ipcq_qmsg *m)
{
	return (struct ipcq_qmsg_typed *)m - 1;
}

static inline struct ipcq_qmsg *ipcq_typed_qmsg(struct ipcq_qmsg_typed *t)
{
	return (struct ipcq_qmsg *)(t + 1);
}

static inline u64 ipcq_qmsg_type(struct ipcq_qmsg *m)
{
	return m->typed ? ipcq_qmsg_typed(m)->type : 0;
}

/*
 * Under the lock, by a put or get that changed the queue: it did so now
 * (*@when: put_jiffies or get_jiffies), for waiters about to spin, which
 * read it under the lock too (wait.c).
 */
static inline void ipcq_queue_note_change(struct ipcq_queue *q,
					  unsigned long *when)
{
	lockdep_assert_held(&q->lock);
	if (!q->ring)
		*when = jiffies;
}

/* Whether linking @m may need a new index node (struct ipcq_qnode). */
static inline bool ipcq_qmsg_needs_node(const struct ipcq_qmsg *m)
{
	return m->typed || m->prio;
}

/*
 * What a get would take next (ipcq_queue_next()). Order: kept messages
 * with a priority or put back after a failed copy-out; then priority 0
 * in order of arrival, whichever path it took. A message of priority 0
 * the kernel kept goes after every ring position claimed before it was
 * put (its ring_mark): committed ones are delivered first, and a claim
 * still being written holds it back as it holds back the ring messages
 * behind it, until its put commits or is skipped (its owner gone).
 */
enum ipcq_next {
	IPCQ_NEXT_NONE,		/* nothing to take */
	IPCQ_NEXT_KEPT,		/* a kept message, at *@mp */
	IPCQ_NEXT_RING,		/* the ring's message at *@posp */
	IPCQ_NEXT_HELD,		/* messages wait behind a pending claim */
	IPCQ_NEXT_CORRUPT,	/* a corrupt ring message was dropped */
};

/* The order of delivery: higher priority first, then arrival. */
static inline bool ipcq_qmsg_before(const struct ipcq_qmsg *a,
				    const struct ipcq_qmsg *b)
{
	return a->prio > b->prio || (a->prio == b->prio && a->seq < b->seq);
}

/* The earlier of two kept messages, either NULL. */
static inline struct ipcq_qmsg *ipcq_qmsg_earlier(struct ipcq_qmsg *a,
						  struct ipcq_qmsg *b)
{
	if (!a || !b)
		return a ? a : b;
	return ipcq_qmsg_before(b, a) ? b : a;
}

/* What a get selects (IPCQ_MSG_TYPE_*): @match 0 for any message. */
struct ipcq_select {
	u32 match;
	u64 type;
};

bool ipcq_queue_ring_full(struct ipcq_queue *q);
bool ipcq_queue_over_bytes_counted(struct ipcq_queue *q, u64 len);

/*
 * Whether a put must wait for room by count (capacity). A ring queue's
 * answer counts its ring (ipcq_queue_ring_full()).
 */
static inline bool ipcq_queue_full(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	if (!q->capacity)
		return false;
	if (!q->ring)
		return q->nr_msgs >= q->capacity;
	return ipcq_queue_ring_full(q);
}

/*
 * Whether @len more bytes would take the queue past its byte limit: only
 * near it are the ring's bytes counted (ipcq_queue_over_bytes_counted()).
 */
static inline bool ipcq_queue_over_bytes(struct ipcq_queue *q, u64 len)
{
	lockdep_assert_held(&q->lock);
	if (q->nr_bytes + len + q->ring_max_bytes <= q->max_bytes)
		return false;
	return ipcq_queue_over_bytes_counted(q, len);
}

void ipcq_queue_wake_putters(struct ipcq_queue *q, bool all,
			     struct task_struct *taken);
void ipcq_queue_wake_getters(struct ipcq_queue *q, struct task_struct *taken);
void ipcq_queue_wake_all_getters(struct ipcq_queue *q);
void ipcq_queue_wake_all_putters(struct ipcq_queue *q);
enum ipcq_next ipcq_queue_next_ring(struct ipcq_queue *q, struct ipcq_qmsg *m,
				    u64 *posp, u32 *lenp);

/* End-of-file for getters: every producer gone, and EOF not turned off. */
static inline bool ipcq_queue_eof(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return q->had_producer && !q->producers && !q->nohup;
}

/* EPIPE for putters: every consumer gone, and EPIPE not turned off. */
static inline bool ipcq_queue_broken(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return q->had_consumer && !q->consumers && !q->nohup;
}

void ipcq_queue_publish_ring(struct ipcq_queue *q);

/*
 * Under the lock, after a change: a ring queue's status page says what
 * its users must know (ipcq_queue_publish_ring()); other queues have none.
 */
static inline void ipcq_queue_publish(struct ipcq_queue *q)
{
	if (q->ring)
		ipcq_queue_publish_ring(q);
}

/*
 * Under the lock, where a single put or get has decided that getters
 * (putters) are to be woken: the first sleeping thread, taken off its
 * list for ipcq_queue_wake(), which then need not take the lock again
 * (ipcq_sleepers_take_one()). None while gets select by type: every
 * getter is woken then.
 */
static inline struct task_struct *ipcq_queue_take_getter(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	if (q->selective || list_empty(&q->get_sleepers))
		return NULL;
	return ipcq_sleepers_take_one(&q->lock, &q->get_sleepers);
}

static inline struct task_struct *ipcq_queue_take_putter(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	if (list_empty(&q->put_sleepers))
		return NULL;
	return ipcq_sleepers_take_one(&q->lock, &q->put_sleepers);
}

/* queue_msg.c: the memory of kept messages */
struct ipcq_qmsg *ipcq_qmsg_new(struct ipcq_queue *q, size_t len, bool typed);
void ipcq_qmsg_free(struct ipcq_qmsg *m);
void ipcq_queue_msg_release(struct ipcq_queue *q, struct ipcq_qmsg *m);
void ipcq_queue_msg_cache_free(struct ipcq_queue *q);

/*
 * The helpers below that a put or get calls on every message, or with
 * NULL on most, are inline: a call costs more than they do (README).
 */

/* Drops a reference to @m (NULL: none); the last one frees it. */
static inline void ipcq_qmsg_put(struct ipcq_qmsg *m)
{
	if (m && refcount_dec_and_test(&m->ref))
		ipcq_qmsg_free(m);
}

/* Drops a reference to @m of @q; the last one caches it or frees it. */
static inline void ipcq_queue_msg_put(struct ipcq_queue *q,
				      struct ipcq_qmsg *m)
{
	if (m && refcount_dec_and_test(&m->ref))
		ipcq_queue_msg_release(q, m);
}

/* queue_index.c: the order of kept messages */
/* What an immediate shutdown or the queue's end drops (lock dropped). */
struct ipcq_dropped {
	struct list_head msgs;		/* untyped messages */
	struct rb_root typed;		/* typed messages, by onode */
	struct rb_root prios, types;	/* index nodes */
};

void ipcq_queue_index_init(struct ipcq_queue *q);
struct ipcq_qnode *ipcq_qnode_new(struct ipcq_queue *q, gfp_t gfp);

/* Caches @n (NULL: none) as @q's free node, or frees it. No lock. */
static inline void ipcq_qnode_free(struct ipcq_queue *q, struct ipcq_qnode *n)
{
	if (n && cmpxchg(&q->node_cache, NULL, n))
		kfree(n);
}

void ipcq_queue_link(struct ipcq_queue *q, struct ipcq_qmsg *m,
		     struct ipcq_qnode **spare);
struct ipcq_qnode *ipcq_queue_unlink(struct ipcq_queue *q,
				     struct ipcq_qmsg *m);
void ipcq_queue_drop_all(struct ipcq_queue *q, struct ipcq_dropped *d);
void ipcq_queue_dropped_free(struct ipcq_dropped *d);

/* queue_type.c: the index of kept messages by type */
void ipcq_queue_type_link(struct ipcq_queue *q, struct ipcq_qmsg *m,
			  struct ipcq_qnode **spare);
struct ipcq_qnode *ipcq_queue_type_unlink(struct ipcq_queue *q,
					  struct ipcq_qmsg *m);
enum ipcq_next ipcq_queue_next_typed(struct ipcq_queue *q,
				     const struct ipcq_select *sel,
				     struct ipcq_qmsg **mp, u64 *posp,
				     u32 *lenp);
long ipcq_queue_set_limits(struct ipcq_queue *q, u64 capacity,
			   u64 max_msg_size, u64 max_bytes);
struct ipcq_queue *ipcq_queue_of(struct ipcq_object *obj);

/*
 * What a get takes next, inline: every get and every wake-up decision
 * asks, and the calls cost more than the looks (README).
 */

/* The first untyped message: of the highest priority, else of 0's list. */
static inline struct ipcq_qmsg *ipcq_queue_untyped_head(struct ipcq_queue *q)
{
	struct rb_node *n;

	lockdep_assert_held(&q->lock);
	n = rb_first_cached(&q->prios);
	if (n)
		return list_first_entry(&rb_entry(n, struct ipcq_qnode,
						  node)->fifo,
					struct ipcq_qmsg, link);
	return list_first_entry_or_null(&q->fifo0, struct ipcq_qmsg, link);
}

/* The first typed message in order, or NULL. */
static inline struct ipcq_qmsg *ipcq_queue_typed_head(struct ipcq_queue *q)
{
	struct rb_node *n = rb_first_cached(&q->typed);

	return n ? ipcq_typed_qmsg(rb_entry(n, struct ipcq_qmsg_typed,
					    onode)) : NULL;
}

/* The kept message a get would take first, or NULL. */
static inline struct ipcq_qmsg *ipcq_queue_head(struct ipcq_queue *q)
{
	return ipcq_qmsg_earlier(ipcq_queue_untyped_head(q),
				 ipcq_queue_typed_head(q));
}

/*
 * Between the kept message @m (NULL: none) and, if @ring, the ring's next
 * one (ipcq_queue_next_ring()): the kept messages a selective get may
 * take have @m at their head, and it may take ring messages only if it
 * takes type 0 (queue_type.c).
 */
static inline enum ipcq_next ipcq_queue_next_in(struct ipcq_queue *q,
						struct ipcq_qmsg *m, bool ring,
						struct ipcq_qmsg **mp,
						u64 *posp, u32 *lenp)
{
	lockdep_assert_held(&q->lock);
	*mp = m;
	if (!q->ring || !ring)
		return m ? IPCQ_NEXT_KEPT : IPCQ_NEXT_NONE;
	return ipcq_queue_next_ring(q, m, posp, lenp);
}

/* What a get of any message takes next (enum ipcq_next). */
static inline enum ipcq_next ipcq_queue_next(struct ipcq_queue *q,
					     struct ipcq_qmsg **mp, u64 *posp,
					     u32 *lenp)
{
	return ipcq_queue_next_in(q, ipcq_queue_head(q), true, mp, posp, lenp);
}

/*
 * What a get selecting by @sel takes next; see enum ipcq_next. A get of
 * any message, the common one, is answered here.
 */
static inline enum ipcq_next ipcq_queue_next_select(struct ipcq_queue *q,
						    const struct ipcq_select *sel,
						    struct ipcq_qmsg **mp,
						    u64 *posp, u32 *lenp)
{
	if (!sel->match)
		return ipcq_queue_next(q, mp, posp, lenp);
	return ipcq_queue_next_typed(q, sel, mp, posp, lenp);
}

/* A get would not wait: a message (or a corrupt one) is there. */
static inline bool ipcq_queue_has_msg(struct ipcq_queue *q)
{
	struct ipcq_qmsg *m;
	enum ipcq_next next;
	u64 pos;
	u32 len;

	next = ipcq_queue_next(q, &m, &pos, &len);
	return next != IPCQ_NEXT_NONE && next != IPCQ_NEXT_HELD;
}

/* queue_xfer.c: put and get of a message already copied in */
/* Kernel-only @xflags bit: a failed get writes nothing back (batches). */
#define IPCQ_MSG_XQUIET		BIT(31)
/*
 * Wake-ups a batch's puts (gets) leave to its end, so that the other side
 * wakes once per batch, finding it whole: a batch waits only before its
 * first message is queued, so nobody waits for what it defers.
 */
struct ipcq_wakes {
	bool getters;
	bool putters;
	bool putters_all;
	/*
	 * The first sleeping getter (putter), taken off its list under the
	 * lock where the wake-up was decided (single puts and gets only, so
	 * never a batch's deferred wake-up): woken without the lock. Set
	 * only with getters (putters).
	 */
	struct task_struct *getter;
	struct task_struct *putter;
};

/* queue_xfer.c: a put, in steps, also for a batch's lock-once run */
long ipcq_queue_put_prep(struct ipcq_queue *q, const struct ipcq_msg *arg,
			 struct iov_iter *from, struct ipcq_qmsg **mp,
			 struct ipcq_qnode **spare);
long ipcq_queue_put_room(struct ipcq_queue *q, size_t len, bool *bytes);
bool ipcq_queue_put_commit(struct ipcq_queue *q, struct ipcq_qmsg *m,
			   struct ipcq_qnode **spare,
			   struct ipcq_notify_reg **notify, bool *wake_getters);
int ipcq_queue_get_answer(struct ipcq_msg __user *uarg,
			  const struct ipcq_msg *arg);

long ipcq_queue_put_msg(struct ipcq_queue *q, struct ipcq_msg *argp,
			struct ipcq_call *call, u32 xflags,
			struct ipcq_wakes *defer);
long ipcq_queue_get_msg(struct ipcq_queue *q, struct ipcq_msg *argp,
			struct ipcq_msg __user *uarg, struct ipcq_call *call,
			u32 xflags, struct ipcq_wakes *defer);

/* The wake-ups @w asks for, after the queue lock is dropped. */
static inline void ipcq_queue_wake(struct ipcq_queue *q,
				   const struct ipcq_wakes *w)
{
	if (w->getters)
		ipcq_queue_wake_getters(q, w->getter);
	if (w->putters)
		ipcq_queue_wake_putters(q, w->putters_all, w->putter);
}

/* queue_xfer.c: a get, in steps, also for wait_acquire.c (@defer NULL) */
/* A get in progress: what it found, and how to finish or undo it. */
struct ipcq_get {
	struct ipcq_queue *q;
	struct ipcq_msg *arg;		/* len, priority, type: the answer */
	struct ipcq_select sel;
	u64 buflen;
	struct iov_iter *to;		/* read(2)'s buffer, else @arg's buf */
	bool truncate;			/* IPCQ_MSG_TRUNCATE */
	struct ipcq_qmsg *bounce;	/* peek of a ring message: its copy */
	struct ipcq_qmsg *m;		/* kept message taken or peeked */
	u64 pos;			/* ring slot claimed, if claimed */
	bool claimed;
	bool held;			/* @m is referenced for a peek */
	bool wake_putters;
	bool wake_getter;		/* messages remain for other getters */
	bool wake_all_putters;		/* bytes freed while puts wait */
	struct task_struct *getter;	/* taken to wake (struct ipcq_wakes) */
	struct task_struct *putter;
	struct ipcq_qnode *spare;	/* @m's index node, if emptied */
	unsigned int lost;		/* ring messages users took first */
};

int ipcq_queue_get_init(struct ipcq_get *g, struct ipcq_queue *q,
			struct ipcq_msg *arg);
bool ipcq_queue_get_try(struct ipcq_get *g, long *ret);
void ipcq_queue_get_watch(struct ipcq_queue *q, struct wait_queue_entry *entry,
			  bool add);
long ipcq_queue_get_finish(struct ipcq_get *g, struct ipcq_msg __user *uarg,
			   long ret, struct ipcq_wakes *defer);

/* queue.c: the queue object */
struct ipcq_queue *ipcq_queue_create_obj(const struct ipcq_queue_attr *attr);
long ipcq_queue_join(struct ipcq_queue *q, struct ipcq_wait __user *uarg,
		     struct ipcq_call *call);
long ipcq_queue_task_done(struct ipcq_queue *q,
			  struct ipcq_task_done __user *uarg);
long ipcq_queue_shutdown(struct ipcq_queue *q,
			 struct ipcq_shutdown __user *uarg);
long ipcq_queue_ring_wake(struct ipcq_queue *q,
			  struct ipcq_ring_wake __user *uarg);
void ipcq_queue_ring_released(struct ipcq_queue *q, u32 owner);
void ipcq_queue_fill_stat(struct ipcq_queue *q, u32 roles,
			  struct ipcq_queue_stat *st);

/* queue_notify.c: POSIX mq_notify() registrations */
long ipcq_queue_notify(struct ipcq_queue *q, struct file *file,
		       struct ipcq_queue_notify __user *uarg);
struct ipcq_notify_reg *ipcq_queue_notify_take(struct ipcq_queue *q);
bool ipcq_queue_notify_check(struct ipcq_queue *q);

/* Under the lock, in a put: whether it fires mq_notify's registration. */
static inline bool ipcq_queue_notify_due(struct ipcq_queue *q)
{
	return q->notify && ipcq_queue_notify_check(q);
}

void ipcq_queue_notify_send(struct ipcq_notify_reg *reg);

/* Delivers and frees a registration a put took (NULL: none). */
static inline void ipcq_queue_notify_fire(struct ipcq_notify_reg *reg)
{
	if (reg)
		ipcq_queue_notify_send(reg);
}

void ipcq_queue_notify_drop(struct ipcq_queue *q, struct file *file);
void ipcq_notify_reg_free(struct ipcq_notify_reg *reg);

/* ring.c */

/* What the slots hold, counted one by one (explicit queries only). */
struct ipcq_ring_count {
	u64 msgs;			/* FULL slots holding a message */
	u64 bytes;			/* their payload bytes */
	u64 writing;			/* slots claimed by a put */
	u64 reading;			/* slots claimed by a get */
};

size_t ipcq_ring_bytes(u32 slots, u32 slot_size);
struct ipcq_ring *ipcq_ring_new(u32 slots, u32 slot_size);
void ipcq_ring_free(struct ipcq_ring *r);
u32 ipcq_ring_slots(const struct ipcq_ring *r);
u32 ipcq_ring_slot_size(const struct ipcq_ring *r);
void ipcq_ring_set_status(struct ipcq_ring *r, u32 route, bool get_wake,
			  bool put_wake);
bool ipcq_ring_push(struct ipcq_ring *r, const void *data, u32 len);
int ipcq_ring_next(struct ipcq_ring *r, u64 *posp, u32 *lenp);
u64 ipcq_ring_frontier(struct ipcq_ring *r, bool *full);
bool ipcq_ring_before(u64 pos, u64 mark);
int ipcq_ring_peek(struct ipcq_ring *r, u64 pos, void *buf);
int ipcq_ring_claim(struct ipcq_ring *r, u64 pos);
const void *ipcq_ring_msg_data(struct ipcq_ring *r, u64 pos);
int ipcq_ring_copy_out(struct ipcq_ring *r, u64 pos, void __user *buf,
		       u32 len);
void ipcq_ring_done(struct ipcq_ring *r, u64 pos, bool taken);
void ipcq_ring_count(struct ipcq_ring *r, struct ipcq_ring_count *c);
u64 ipcq_ring_drop(struct ipcq_ring *r);
bool ipcq_ring_reclaim(struct ipcq_ring *r, u32 owner);
u64 ipcq_ring_fold_gets(struct ipcq_ring *r);
long ipcq_ring_attach(struct ipcq_queue *q, struct file *endpoint, u32 roles,
		      struct ipcq_ring_info __user *uarg);
void ipcq_ring_show_fdinfo(struct seq_file *m, struct ipcq_ring *r);

#endif /* IPCQ_QUEUE_H */
