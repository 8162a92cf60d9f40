// SPDX-License-Identifier: GPL-2.0
/*
 * Typed messages (SysV msgsnd/msgrcv on a queue): the index of a queue's
 * kept messages by type, the selective get's choice of the next message
 * (IPCQ_MSG_TYPE_EQ, _LE, _NE), and IPCQ_IOC_SET's change of a queue's
 * limits.
 *
 * Every kept message is in the queue's rbtree (queue.c: the order of
 * delivery) and in the tree of its type, ordered the same way (priority
 * descending, arrival ascending); the types that have kept messages are
 * nodes of the queue's type tree, ordered by type, the untyped messages'
 * (type 0) one being part of the queue. A get of type == t finds its type
 * in O(log types) and takes the leftmost message of that type; type <= t
 * takes the leftmost message of the lowest type, if that type is <= t;
 * type != t steps over the messages of type t at the head of the queue's
 * order. Nothing else is scanned, so a selective get costs about what a
 * plain one does, whatever else the queue holds.
 *
 * A node for a new type is allocated by its put before the lock is taken
 * (the spare), used if the type has none, else freed after the lock is
 * dropped. The caller that unlinks a type's last message gets its node
 * back and frees it with the lock dropped (a get keeps it as the spare of
 * a message it may have to give back).
 *
 * On a ring queue the ring's messages have type 0 (typed puts are kept
 * by the kernel): a selection that matches type 0 weighs the ring's next
 * message against its kept candidate as a plain get does
 * (ipcq_queue_next_in()).
 *
 * Locks: everything here runs under the queue lock (queue.h) but the
 * allocation and freeing of type nodes and the wake-up after a change of
 * limits.
 */
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "queue.h"

void ipcq_queue_types_init(struct ipcq_queue *q)
{
	q->types = RB_ROOT_CACHED;
	q->type0.type = 0;
	q->type0.msgs = RB_ROOT_CACHED;
	RB_CLEAR_NODE(&q->type0.node);
}

/*
 * A node for messages of @type, charged to the caller's memory cgroup;
 * @gfp: __GFP_NOFAIL where a message must be given back.
 */
struct ipcq_mtype *ipcq_mtype_new(u64 type, gfp_t gfp)
{
	struct ipcq_mtype *mt = kmalloc(sizeof(*mt), GFP_KERNEL_ACCOUNT | gfp);

	if (mt) {
		mt->type = type;
		mt->msgs = RB_ROOT_CACHED;
		RB_CLEAR_NODE(&mt->node);
	}
	return mt;
}

void ipcq_mtype_free(struct ipcq_mtype *mt)
{
	kfree(mt);
}

static struct ipcq_mtype *ipcq_mtype_find(struct ipcq_queue *q, u64 type)
{
	struct rb_node *n = q->types.rb_root.rb_node;

	lockdep_assert_held(&q->lock);
	if (!type)
		return &q->type0;
	while (n) {
		struct ipcq_mtype *mt = rb_entry(n, struct ipcq_mtype, node);

		if (type < mt->type)
			n = n->rb_left;
		else if (type > mt->type)
			n = n->rb_right;
		else
			return mt;
	}
	return NULL;
}

static void ipcq_mtype_insert(struct ipcq_queue *q, struct ipcq_mtype *mt)
{
	struct rb_node **link = &q->types.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	while (*link) {
		parent = *link;
		if (mt->type < rb_entry(parent, struct ipcq_mtype, node)->type) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&mt->node, parent, link);
	rb_insert_color_cached(&mt->node, &q->types, leftmost);
}

/*
 * Adds @m to its type's tree, making the type's node from *@spare (then
 * NULL) if it has none: a put of a new type must bring one.
 */
void ipcq_queue_type_link(struct ipcq_queue *q, struct ipcq_qmsg *m,
			  struct ipcq_mtype **spare)
{
	struct rb_node **link, *parent = NULL;
	struct ipcq_mtype *mt;
	bool leftmost = true;

	lockdep_assert_held(&q->lock);
	mt = ipcq_mtype_find(q, m->type);
	if (!mt) {
		mt = *spare;
		*spare = NULL;
		mt->type = m->type;
	}
	if (RB_EMPTY_NODE(&mt->node))
		ipcq_mtype_insert(q, mt);
	link = &mt->msgs.rb_root.rb_node;
	while (*link) {
		parent = *link;
		if (ipcq_qmsg_before(m, rb_entry(parent, struct ipcq_qmsg,
						 tnode))) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&m->tnode, parent, link);
	rb_insert_color_cached(&m->tnode, &mt->msgs, leftmost);
	m->mt = mt;
}

/*
 * Removes @m from its type's tree. Returns the type's node if @m was its
 * last message (no longer indexed: the caller frees it), else NULL.
 */
struct ipcq_mtype *ipcq_queue_type_unlink(struct ipcq_queue *q,
					  struct ipcq_qmsg *m)
{
	struct ipcq_mtype *mt = m->mt;

	lockdep_assert_held(&q->lock);
	m->mt = NULL;
	rb_erase_cached(&m->tnode, &mt->msgs);
	if (!RB_EMPTY_ROOT(&mt->msgs.rb_root))
		return NULL;
	rb_erase_cached(&mt->node, &q->types);
	RB_CLEAR_NODE(&mt->node);
	return mt == &q->type0 ? NULL : mt;
}

/*
 * Empties the index (the messages went with the queue's tree); the type
 * nodes left in *@dropped are freed by ipcq_queue_types_free() with the
 * lock dropped.
 */
void ipcq_queue_types_drop(struct ipcq_queue *q, struct rb_root *dropped)
{
	lockdep_assert_held(&q->lock);
	if (!RB_EMPTY_NODE(&q->type0.node))
		rb_erase_cached(&q->type0.node, &q->types);
	*dropped = q->types.rb_root;
	ipcq_queue_types_init(q);
}

void ipcq_queue_types_free(struct rb_root *dropped)
{
	struct ipcq_mtype *mt, *tmp;

	rbtree_postorder_for_each_entry_safe(mt, tmp, dropped, node)
		ipcq_mtype_free(mt);
}

static struct ipcq_qmsg *ipcq_mtype_head(struct ipcq_mtype *mt)
{
	struct rb_node *n = mt ? rb_first_cached(&mt->msgs) : NULL;

	return n ? rb_entry(n, struct ipcq_qmsg, tnode) : NULL;
}

/* What a get selecting by @sel takes next; see enum ipcq_next. */
enum ipcq_next ipcq_queue_next_select(struct ipcq_queue *q,
				      const struct ipcq_select *sel,
				      struct ipcq_qmsg **mp, u64 *posp,
				      u32 *lenp)
{
	struct ipcq_qmsg *m = NULL;
	struct ipcq_mtype *mt;
	enum ipcq_next next;
	struct rb_node *n;

	lockdep_assert_held(&q->lock);
	switch (sel->match) {
	case IPCQ_MSG_TYPE_EQ:
		return ipcq_queue_next_in(q, ipcq_mtype_head(ipcq_mtype_find(q,
							       sel->type)),
					  !sel->type, mp, posp, lenp);
	case IPCQ_MSG_TYPE_LE:
		/* Type 0, the ring's messages included, is the lowest. */
		next = ipcq_queue_next_in(q, ipcq_mtype_head(&q->type0), true,
					  mp, posp, lenp);
		if (next != IPCQ_NEXT_NONE)
			return next;
		n = rb_first_cached(&q->types);
		mt = n ? rb_entry(n, struct ipcq_mtype, node) : NULL;
		if (mt && mt->type > sel->type)
			mt = NULL;
		return ipcq_queue_next_in(q, ipcq_mtype_head(mt), false, mp,
					  posp, lenp);
	case IPCQ_MSG_TYPE_NE:
		for (n = rb_first_cached(&q->msgs); n; n = rb_next(n)) {
			m = rb_entry(n, struct ipcq_qmsg, node);
			if (m->type != sel->type)
				break;
		}
		return ipcq_queue_next_in(q, n ? m : NULL, sel->type != 0, mp,
					  posp, lenp);
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
