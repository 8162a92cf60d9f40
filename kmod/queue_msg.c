// SPDX-License-Identifier: GPL-2.0
/*
 * The memory of a queue's kept messages (struct ipcq_qmsg, queue.h):
 * allocation, freeing, and the queue's cache of freed small messages.
 *
 * A message is one allocation, header and data, charged to the memory
 * cgroup of the task that puts it; its data has an allocation of its own
 * only where the header would double the size (ipcq_qmsg_new()).
 *
 * The cache: a stream of small messages would otherwise allocate one
 * object on the putter's CPU and free it on the getter's for every
 * message, which with the kernel's hardening (zeroing on allocation) and
 * a remote free costs a fifth of a batched stream's time (measured,
 * README). So a queue keeps the small untyped messages its gets free, up
 * to IPCQ_MSG_CACHE_BYTES of them, and its puts take one of the same
 * slab size before they allocate; as pipe(2) keeps a spare page. Cached
 * objects stay charged to whoever allocated them (as that page does);
 * they are freed with the queue. A reused object is never read beyond
 * the new message's length, which its put has filled.
 *
 * Locks: none. The cache is a lock-free list (llist): frees push onto
 * it, any number at once; a put takes the whole list with one exchange,
 * keeps the first object of its size and pushes the rest back, so two
 * puts never take the same object. The byte count bounds the cache; it
 * may briefly count objects a put holds, which only makes frees skip the
 * cache.
 */
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "queue.h"

/* Bytes of freed messages a queue keeps for reuse, at most. */
#define IPCQ_MSG_CACHE_BYTES	4096U
/* The largest slab size cached: at least eight objects fit the cache. */
#define IPCQ_MSG_CACHE_OBJ	(IPCQ_MSG_CACHE_BYTES / 8)

static void ipcq_qmsg_free(struct ipcq_qmsg *m)
{
	if (m->data != m->inline_data)
		kvfree(m->data);
	kvfree(m->typed ? (void *)ipcq_qmsg_typed(m) : m);
}

void ipcq_qmsg_put(struct ipcq_qmsg *m)
{
	if (m && refcount_dec_and_test(&m->ref))
		ipcq_qmsg_free(m);
}

/* The slab size of an untyped message of @len bytes with inline data. */
static size_t ipcq_qmsg_obj_size(size_t len)
{
	return kmalloc_size_roundup(size_add(sizeof(struct ipcq_qmsg), len));
}

/*
 * The queue's most recently cached object, if it has @size bytes, or
 * NULL. One of another size is freed: the stream's sizes changed.
 */
static struct ipcq_qmsg *ipcq_qmsg_cached(struct ipcq_queue *q, size_t size)
{
	struct llist_node *node;
	struct ipcq_qmsg *m;

	if (llist_empty(&q->msg_cache))
		return NULL;
	spin_lock(&q->msg_cache_lock);
	node = llist_del_first(&q->msg_cache);
	spin_unlock(&q->msg_cache_lock);
	if (!node)
		return NULL;
	m = llist_entry(node, struct ipcq_qmsg, cache);
	/* A cached object's len is its slab size. */
	atomic_sub(m->len, &q->msg_cache_bytes);
	if (m->len == size)
		return m;
	kvfree(m);
	return NULL;
}

/*
 * A message of @len bytes for a put to @q (NULL: none, no cache), with
 * the links of a typed one if @typed. Its data follows the header unless
 * that costs more than allocating the two apart: every allocation is
 * rounded up to its slab's size or a power of two pages, so a header in
 * front of a payload of 4 KiB, 16 KiB or 64 KiB (the sizes messages most
 * often have) would double it.
 */
struct ipcq_qmsg *ipcq_qmsg_new(struct ipcq_queue *q, size_t len, bool typed)
{
	size_t front = typed ? sizeof(struct ipcq_qmsg_typed) : 0;
	size_t head = front + sizeof(struct ipcq_qmsg);
	/*
	 * Charged to the caller's memory cgroup; over its limit the call
	 * fails with ENOMEM, quietly, rather than invoking the OOM killer.
	 */
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	size_t size = kmalloc_size_roundup(size_add(head, len));
	bool apart = size > kmalloc_size_roundup(head) +
			    kmalloc_size_roundup(len);
	bool cacheable = !typed && !apart && size <= IPCQ_MSG_CACHE_OBJ;
	struct ipcq_qmsg *m = NULL;
	void *p;

	if (q && cacheable)
		m = ipcq_qmsg_cached(q, size);
	if (m) {
		m->data = m->inline_data;
		goto init;
	}
	/*
	 * One the cache may take is allocated whole, its slab size, so that
	 * a later message of that size may use every byte: KASAN checks
	 * accesses against the size asked for, not the slab's.
	 */
	p = kvmalloc(cacheable ? size : apart ? head : size_add(head, len),
		     gfp);
	if (!p)
		return NULL;
	m = p + front;
	m->data = apart ? kvmalloc(len, gfp) : m->inline_data;
	if (!m->data) {
		kvfree(p);
		return NULL;
	}
init:
	refcount_set(&m->ref, 1);
	m->len = len;
	m->typed = typed;
	return m;
}

/* Drops a reference to @m of @q; the last one caches it or frees it. */
void ipcq_queue_msg_put(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	size_t size;

	if (!m || !refcount_dec_and_test(&m->ref))
		return;
	size = ipcq_qmsg_obj_size(m->len);
	if (m->typed || m->data != m->inline_data ||
	    size > IPCQ_MSG_CACHE_OBJ ||
	    atomic_add_return(size, &q->msg_cache_bytes) >
	    IPCQ_MSG_CACHE_BYTES) {
		if (!m->typed && m->data == m->inline_data &&
		    size <= IPCQ_MSG_CACHE_OBJ)
			atomic_sub(size, &q->msg_cache_bytes);
		ipcq_qmsg_free(m);
		return;
	}
	m->len = size;
	llist_add(&m->cache, &q->msg_cache);
}

/* Frees the queue's cache: at its end, with no put or get left. */
void ipcq_queue_msg_cache_free(struct ipcq_queue *q)
{
	struct llist_node *node = llist_del_all(&q->msg_cache), *next;

	for (; node; node = next) {
		next = node->next;
		kvfree(llist_entry(node, struct ipcq_qmsg, cache));
	}
	atomic_set(&q->msg_cache_bytes, 0);
}
