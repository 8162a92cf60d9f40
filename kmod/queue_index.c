// SPDX-License-Identifier: GPL-2.0
/*
 * The order of a queue's kept messages: where a put links a message, what
 * a get finds at the head (inline in queue.h: ipcq_queue_head()), and
 * what an immediate shutdown or the queue's end drops. Delivery order is
 * priority descending, then arrival.
 *
 * Untyped messages, the common case, are in one list per priority, in
 * order of arrival: priority 0's is part of the queue, and the other
 * priorities that hold messages are nodes of the queue's priority tree,
 * highest leftmost (POSIX mq's layout). A put appends and a get takes the
 * first message of the leftmost list, else of priority 0's: O(1) at
 * priority 0, else once the priority's node is found, in O(log
 * priorities in use). A message's only link is its list's, so its header
 * is 56 bytes and a 64-byte message fits a 128-byte slab object (queue.h).
 * Typed messages (queue_type.c) carry their two tree links in front of
 * that header: they are in the tree of every typed message, in order of
 * delivery, and in their type's. The head of the queue is the earlier of
 * the untyped and the typed heads.
 *
 * A message given back after a failed copy-out keeps its arrival number
 * (a ring queue's gets a lower one, queue_xfer.c) and goes back to its
 * place. Untyped messages are only ever taken from the front of their
 * list, so the walk to that place from the front passes at most the
 * other messages taken at the same time; a new message goes last.
 *
 * Nodes: a put of a priority other than 0 (or of a type, queue_type.c)
 * brings a node, allocated before it takes the lock, in case its
 * priority (type) has none; it frees the node after dropping the lock if
 * it was not needed. A get that empties a priority (type) takes its node
 * and frees it after dropping the lock, or keeps it to give the message
 * back. One free node is cached per queue, taken and returned with atomic
 * exchanges, so that a stream at one priority other than 0 allocates no
 * nodes.
 *
 * Locks: the queue lock (queue.h) for everything but the allocation,
 * freeing and caching of nodes and the freeing of dropped messages.
 */
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "queue.h"

void ipcq_queue_index_init(struct ipcq_queue *q)
{
	INIT_LIST_HEAD(&q->fifo0);
	q->prios = RB_ROOT_CACHED;
	q->typed = RB_ROOT_CACHED;
	q->types = RB_ROOT_CACHED;
}

/*
 * A node for a put or a give-back: the queue's cached one, else a new
 * one charged to the caller's memory cgroup. @gfp: __GFP_NOFAIL where a
 * message must be given back.
 */
struct ipcq_qnode *ipcq_qnode_new(struct ipcq_queue *q, gfp_t gfp)
{
	struct ipcq_qnode *n = NULL;

	if (READ_ONCE(q->node_cache))
		n = xchg(&q->node_cache, NULL);
	if (!n)
		n = kmalloc(sizeof(*n), GFP_KERNEL_ACCOUNT | gfp);
	return n;
}

static bool ipcq_prio_higher(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct ipcq_qnode, node)->key >
	       rb_entry(b, struct ipcq_qnode, node)->key;
}

/* Highest leftmost, as ipcq_prio_higher() orders the tree. */
static int ipcq_prio_cmp(const void *key, const struct rb_node *n)
{
	u64 prio = *(const u64 *)key;
	u64 k = rb_entry(n, struct ipcq_qnode, node)->key;

	return prio > k ? -1 : prio < k;
}

static struct ipcq_qnode *ipcq_prio_find(struct ipcq_queue *q, u64 prio)
{
	struct rb_node *n = rb_find(&prio, &q->prios.rb_root, ipcq_prio_cmp);

	return n ? rb_entry(n, struct ipcq_qnode, node) : NULL;
}

/* Appends untyped @m to its priority's list, or puts it back in place. */
static void ipcq_prio_link(struct ipcq_queue *q, struct ipcq_qmsg *m,
			   struct ipcq_qnode **spare)
{
	struct list_head *fifo = &q->fifo0;
	struct ipcq_qnode *pn;
	struct ipcq_qmsg *cur;

	if (m->prio) {
		pn = ipcq_prio_find(q, m->prio);
		if (!pn) {
			pn = *spare;
			*spare = NULL;
			pn->key = m->prio;
			INIT_LIST_HEAD(&pn->fifo);
		}
		/* A node is in the tree exactly while it holds messages. */
		if (list_empty(&pn->fifo))
			rb_add_cached(&pn->node, &q->prios, ipcq_prio_higher);
		fifo = &pn->fifo;
	}
	if (list_empty(fifo) ||
	    list_last_entry(fifo, struct ipcq_qmsg, link)->seq < m->seq) {
		list_add_tail(&m->link, fifo);
		return;
	}
	list_for_each_entry(cur, fifo, link)
		if (cur->seq > m->seq)
			break;
	list_add_tail(&m->link, &cur->link);
}

/* Takes untyped @m out; returns its priority's node if now unused. */
static struct ipcq_qnode *ipcq_prio_unlink(struct ipcq_queue *q,
					   struct ipcq_qmsg *m)
{
	struct ipcq_qnode *pn;

	/* Its list's only message has the list's head on both sides. */
	if (m->link.next != m->link.prev || m->link.next == &q->fifo0) {
		list_del(&m->link);
		return NULL;
	}
	pn = container_of(m->link.next, struct ipcq_qnode, fifo);
	list_del(&m->link);
	rb_erase_cached(&pn->node, &q->prios);
	return pn;
}

/*
 * Links @m by its (prio, seq) key: new messages and returning ones. Its
 * priority's (type's) node comes from *@spare if it has none.
 */
void ipcq_queue_link(struct ipcq_queue *q, struct ipcq_qmsg *m,
		     struct ipcq_qnode **spare)
{
	lockdep_assert_held(&q->lock);
	if (m->typed)
		ipcq_queue_type_link(q, m, spare);
	else
		ipcq_prio_link(q, m, spare);
	WRITE_ONCE(q->nr_msgs, q->nr_msgs + 1);	/* spinning putters watch it */
	q->nr_bytes += m->len;
}

/* Takes @m out; returns its priority's (type's) node if now unused. */
struct ipcq_qnode *ipcq_queue_unlink(struct ipcq_queue *q,
				     struct ipcq_qmsg *m)
{
	lockdep_assert_held(&q->lock);
	WRITE_ONCE(q->nr_msgs, q->nr_msgs - 1);
	q->nr_bytes -= m->len;
	if (m->typed)
		return ipcq_queue_type_unlink(q, m);
	return ipcq_prio_unlink(q, m);
}

/*
 * Empties the queue's indexes into *@d, whose messages and nodes
 * ipcq_queue_dropped_free() frees with the lock dropped.
 */
void ipcq_queue_drop_all(struct ipcq_queue *q, struct ipcq_dropped *d)
{
	struct ipcq_qnode *pn, *pn_next;

	lockdep_assert_held(&q->lock);
	INIT_LIST_HEAD(&d->msgs);
	list_splice(&q->fifo0, &d->msgs);
	rbtree_postorder_for_each_entry_safe(pn, pn_next, &q->prios.rb_root,
					     node)
		list_splice(&pn->fifo, &d->msgs);
	d->prios = q->prios.rb_root;
	d->typed = q->typed.rb_root;
	d->types = q->types.rb_root;
	ipcq_queue_index_init(q);
	WRITE_ONCE(q->nr_msgs, 0);
	q->nr_bytes = 0;
}

void ipcq_queue_dropped_free(struct ipcq_dropped *d)
{
	struct ipcq_qmsg_typed *t, *t_next;
	struct ipcq_qnode *n, *n_next;
	struct ipcq_qmsg *m, *m_next;

	list_for_each_entry_safe(m, m_next, &d->msgs, link)
		ipcq_qmsg_put(m);
	rbtree_postorder_for_each_entry_safe(t, t_next, &d->typed, onode)
		ipcq_qmsg_put(ipcq_typed_qmsg(t));
	rbtree_postorder_for_each_entry_safe(n, n_next, &d->prios, node)
		kfree(n);
	rbtree_postorder_for_each_entry_safe(n, n_next, &d->types, node)
		kfree(n);
}
