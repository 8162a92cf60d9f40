// SPDX-License-Identifier: GPL-2.0
/*
 * Typed messages (SysV msgsnd/msgrcv on a queue): the index of a queue's
 * kept messages by type, the selective get's choice of the next message
 * (IPCQ_MSG_TYPE_EQ, _LE, _NE), and IPCQ_IOC_SET's change of a queue's
 * limits.
 *
 * Typed messages (a type other than 0) are kept apart from untyped ones
 * (queue_index.c), in two trees ordered the same way (priority
 * descending, arrival ascending): that of every typed message, and that
 * of their type; the types that have kept messages are nodes of the
 * queue's type tree, ordered by type. A get of type == t finds its type
 * in O(log types) and takes the leftmost message of that type; type == 0
 * takes the untyped head; type <= t takes the untyped head, else the
 * leftmost message of the lowest type if that type is <= t; type != t
 * weighs the untyped head (unless t is 0) against the first typed message
 * not of type t, stepping over those of type t at the head of the typed
 * order. Nothing else is scanned, so a selective get costs about what a
 * plain one does, whatever else the queue holds.
 *
 * A typed message's node (struct ipcq_qnode) is brought by its put
 * (queue_index.c), used if its type has none.
 *
 * On a ring queue the ring's messages have type 0 (typed puts are kept
 * by the kernel): a selection that matches type 0 weighs the ring's next
 * message against its kept candidate as a plain get does
 * (ipcq_queue_next_in()).
 *
 * Locks: everything here runs under the queue lock (queue.h) but the
 * wake-up after a change of limits.
 */
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "queue.h"

static int ipcq_mtype_cmp(const void *key, const struct rb_node *n)
{
	u64 type = *(const u64 *)key;
	u64 k = rb_entry(n, struct ipcq_qnode, node)->key;

	return type < k ? -1 : type > k;
}

static struct ipcq_qnode *ipcq_mtype_find(struct ipcq_queue *q, u64 type)
{
	struct rb_node *n = rb_find(&type, &q->types.rb_root, ipcq_mtype_cmp);

	return n ? rb_entry(n, struct ipcq_qnode, node) : NULL;
}

static bool ipcq_mtype_lower(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct ipcq_qnode, node)->key <
	       rb_entry(b, struct ipcq_qnode, node)->key;
}

/* Delivery order of two typed messages (the header follows, queue.h). */
static bool ipcq_typed_pair_before(const struct ipcq_qmsg_typed *ta,
				   const struct ipcq_qmsg_typed *tb)
{
	return ipcq_qmsg_before((const struct ipcq_qmsg *)(ta + 1),
				(const struct ipcq_qmsg *)(tb + 1));
}

static bool ipcq_typed_before(struct rb_node *a, const struct rb_node *b)
{
	const struct ipcq_qmsg_typed *ta, *tb;

	ta = rb_entry(a, struct ipcq_qmsg_typed, onode);
	tb = rb_entry(b, struct ipcq_qmsg_typed, onode);
	return ipcq_typed_pair_before(ta, tb);
}

static bool ipcq_type_before(struct rb_node *a, const struct rb_node *b)
{
	const struct ipcq_qmsg_typed *ta, *tb;

	ta = rb_entry(a, struct ipcq_qmsg_typed, tnode);
	tb = rb_entry(b, struct ipcq_qmsg_typed, tnode);
	return ipcq_typed_pair_before(ta, tb);
}

/*
 * Links typed @m into the typed order and its type's tree, making the
 * type's node from *@spare (then NULL) if it has none.
 */
void ipcq_queue_type_link(struct ipcq_queue *q, struct ipcq_qmsg *m,
			  struct ipcq_qnode **spare)
{
	struct ipcq_qmsg_typed *t = ipcq_qmsg_typed(m);
	struct ipcq_qnode *mt;

	lockdep_assert_held(&q->lock);
	mt = ipcq_mtype_find(q, t->type);
	if (!mt) {
		mt = *spare;
		*spare = NULL;
		mt->key = t->type;
		mt->msgs = RB_ROOT_CACHED;
		rb_add_cached(&mt->node, &q->types, ipcq_mtype_lower);
	}
	rb_add_cached(&t->tnode, &mt->msgs, ipcq_type_before);
	rb_add_cached(&t->onode, &q->typed, ipcq_typed_before);
	t->mt = mt;
}

/*
 * Takes typed @m out. Returns its type's node if @m was its last message
 * (no longer indexed: the caller frees it), else NULL.
 */
struct ipcq_qnode *ipcq_queue_type_unlink(struct ipcq_queue *q,
					  struct ipcq_qmsg *m)
{
	struct ipcq_qmsg_typed *t = ipcq_qmsg_typed(m);
	struct ipcq_qnode *mt = t->mt;

	lockdep_assert_held(&q->lock);
	t->mt = NULL;
	rb_erase_cached(&t->onode, &q->typed);
	rb_erase_cached(&t->tnode, &mt->msgs);
	if (!RB_EMPTY_ROOT(&mt->msgs.rb_root))
		return NULL;
	rb_erase_cached(&mt->node, &q->types);
	return mt;
}

static struct ipcq_qmsg *ipcq_mtype_head(struct ipcq_qnode *mt)
{
	struct rb_node *n = mt ? rb_first_cached(&mt->msgs) : NULL;

	return n ? ipcq_typed_qmsg(rb_entry(n, struct ipcq_qmsg_typed,
					    tnode)) : NULL;
}

/* The first typed message in order whose type is not @type, or NULL. */
static struct ipcq_qmsg *ipcq_queue_typed_head_ne(struct ipcq_queue *q,
						  u64 type)
{
	struct ipcq_qmsg_typed *t;
	struct rb_node *n;

	for (n = rb_first_cached(&q->typed); n; n = rb_next(n)) {
		t = rb_entry(n, struct ipcq_qmsg_typed, onode);
		if (t->type != type)
			return ipcq_typed_qmsg(t);
	}
	return NULL;
}

/* ipcq_queue_next_select() of a get that selects by type (@sel->match). */
enum ipcq_next ipcq_queue_next_typed(struct ipcq_queue *q,
				     const struct ipcq_select *sel,
				     struct ipcq_qmsg **mp, u64 *posp,
				     u32 *lenp)
{
	struct ipcq_qmsg *m;
	struct ipcq_qnode *mt;
	enum ipcq_next next;
	struct rb_node *n;

	lockdep_assert_held(&q->lock);
	switch (sel->match) {
	case IPCQ_MSG_TYPE_EQ:
		if (!sel->type)
			return ipcq_queue_next_in(q, ipcq_queue_untyped_head(q),
						  true, mp, posp, lenp);
		m = ipcq_mtype_head(ipcq_mtype_find(q, sel->type));
		return ipcq_queue_next_in(q, m, false, mp, posp, lenp);
	case IPCQ_MSG_TYPE_LE:
		/* Type 0, the ring's messages included, is the lowest. */
		next = ipcq_queue_next_in(q, ipcq_queue_untyped_head(q), true,
					  mp, posp, lenp);
		if (next != IPCQ_NEXT_NONE)
			return next;
		n = rb_first_cached(&q->types);
		mt = n ? rb_entry(n, struct ipcq_qnode, node) : NULL;
		if (mt && mt->key > sel->type)
			mt = NULL;
		return ipcq_queue_next_in(q, ipcq_mtype_head(mt), false, mp,
					  posp, lenp);
	case IPCQ_MSG_TYPE_NE:
		m = ipcq_queue_typed_head_ne(q, sel->type);
		if (sel->type)
			m = ipcq_qmsg_earlier(ipcq_queue_untyped_head(q), m);
		return ipcq_queue_next_in(q, m, sel->type != 0, mp, posp,
					  lenp);
	default:
		return ipcq_queue_next(q, mp, posp, lenp);
	}
}

/*
 * IPCQ_IOC_SET on a queue: new limits (checked by the caller), then every
 * blocked put and poller looks again.
 */
long ipcq_queue_set_limits(struct ipcq_queue *q, u64 capacity,
			   u64 max_msg_size, u64 max_bytes)
{
	/* A ring's slots are its capacity; its users count no bytes. */
	if (q->ring)
		return -EOPNOTSUPP;
	spin_lock(&q->lock);
	WRITE_ONCE(q->capacity, capacity);
	WRITE_ONCE(q->max_msg_size, max_msg_size);
	WRITE_ONCE(q->max_bytes, max_bytes);
	spin_unlock(&q->lock);
	ipcq_queue_wake_all_putters(q);
	return 0;
}

struct ipcq_queue *ipcq_queue_of(struct ipcq_object *obj)
{
	return obj->type == IPCQ_TYPE_QUEUE ?
	       container_of(obj, struct ipcq_queue, obj) : NULL;
}
