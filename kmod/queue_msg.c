// SPDX-License-Identifier: GPL-2.0
/*
 * The memory of a queue's kept messages (struct ipcq_qmsg, queue.h):
 * allocation, freeing, and the queue's cache of freed messages.
 *
 * A message is one allocation, header and data, charged to the memory
 * cgroup of the task that puts it; its data has an allocation of its own
 * only where the header would double the size (ipcq_qmsg_apart()).
 *
 * The cache: a stream of messages would otherwise allocate on the
 * putter's CPU and free on the getter's for every message, which with
 * the kernel's hardening (zeroing on allocation) and a remote free is a
 * fifth of a batched stream's time (measured, README). So a queue keeps
 * the untyped messages its gets free, each of at most IPCQ_MSG_CACHE_OBJ
 * bytes of allocations (a header and 1 KiB), up to IPCQ_MSG_CACHE_BYTES
 * of them, and its puts take one of the same key (ipcq_qmsg_key(): the
 * same allocations) before they allocate; as pipe(2) keeps a spare page.
 * Cached messages stay charged to whoever allocated them (as that page
 * does); they are freed with the queue. A reused one is never read
 * beyond the new message's length, which its put has filled, and its
 * allocations are whole slab objects, so that KASAN sees every byte of
 * them as the message's.
 *
 * Locks: the cache is a lock-free list (llist): frees push onto it, any
 * number at once; takers serialize on msg_cache_lock, as llist_del_first()
 * wants, a lock of its own so that a put takes its message before the
 * queue lock. The byte count bounds the cache; it may briefly count a
 * message on its way in or out, which only makes other frees skip the
 * cache.
 */
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "queue.h"

/* Bytes of freed messages a queue keeps for reuse, at most. */
#define IPCQ_MSG_CACHE_BYTES	4096U
/* The most one cached message takes: a header and 1 KiB of data. */
#define IPCQ_MSG_CACHE_OBJ	(1024U + 64U)

void ipcq_qmsg_free(struct ipcq_qmsg *m)
{
	if (m->data != m->inline_data)
		kvfree(m->data);
	kvfree(m->typed ? (void *)ipcq_qmsg_typed(m) : m);
}

/*
 * Whether the data of @len bytes behind a @head-byte header goes apart:
 * every allocation is rounded up to its slab's size or a power of two
 * pages, so a header in front of a payload of 4 KiB, 16 KiB or 64 KiB
 * (the sizes messages most often have) would double it.
 */
static bool ipcq_qmsg_apart(size_t head, size_t len)
{
	return kmalloc_size_roundup(size_add(head, len)) >
	       kmalloc_size_roundup(head) + kmalloc_size_roundup(len);
}

/*
 * The cache's key of an untyped message of @len bytes, its data @apart
 * (ipcq_qmsg_apart()): the bytes its allocations take, doubled, plus 1
 * if apart; 0 if the cache takes none so large. Messages of one key fit
 * each other's memory exactly.
 */
static u32 ipcq_qmsg_key(size_t len, bool apart)
{
	size_t head = sizeof(struct ipcq_qmsg), bytes;

	bytes = apart ? kmalloc_size_roundup(head) + kmalloc_size_roundup(len) :
			kmalloc_size_roundup(size_add(head, len));
	return bytes <= IPCQ_MSG_CACHE_OBJ ? bytes * 2 + apart : 0;
}

/*
 * The sizing of an untyped message of each length the cache may take:
 * its key, IPCQ_QMSG_APART if its data goes apart. Working it out calls
 * the slab allocator five times, more than the rest of a small put (and
 * a call is dear under emulation: README), so it is worked out once, at
 * load (ipcq_queue_msg_init()). Longer ones have no key.
 */
#define IPCQ_QMSG_APART		BIT(15)
static u16 ipcq_qmsg_sizes[IPCQ_MSG_CACHE_OBJ + 1] __ro_after_init;

void __init ipcq_queue_msg_init(void)
{
	size_t head = sizeof(struct ipcq_qmsg), len;
	bool apart;

	BUILD_BUG_ON(IPCQ_MSG_CACHE_OBJ * 2 + 1 >= IPCQ_QMSG_APART);
	for (len = 0; len <= IPCQ_MSG_CACHE_OBJ; len++) {
		apart = ipcq_qmsg_apart(head, len);
		ipcq_qmsg_sizes[len] = ipcq_qmsg_key(len, apart) |
				       (apart ? IPCQ_QMSG_APART : 0);
	}
}

/* The cache key of an untyped message of @len bytes: 0 if none. */
static u32 ipcq_qmsg_cache_key(size_t len)
{
	return len > IPCQ_MSG_CACHE_OBJ ? 0 :
	       ipcq_qmsg_sizes[len] & ~IPCQ_QMSG_APART;
}

/*
 * The queue's most recently cached message, if its key is @key, or NULL.
 * One of another key is freed: the stream's sizes changed.
 */
static struct ipcq_qmsg *ipcq_qmsg_cached(struct ipcq_queue *q, u32 key)
{
	struct llist_node *node;
	struct ipcq_qmsg *m;

	lockdep_assert_not_held(&q->lock);
	if (llist_empty(&q->msg_cache))
		return NULL;
	spin_lock(&q->msg_cache_lock);
	node = llist_del_first(&q->msg_cache);
	spin_unlock(&q->msg_cache_lock);
	if (!node)
		return NULL;
	m = llist_entry(node, struct ipcq_qmsg, cache);
	/* A cached message's len is its key. */
	atomic_sub(m->len / 2, &q->msg_cache_bytes);
	if (m->len == key)
		return m;
	ipcq_qmsg_free(m);
	return NULL;
}

/*
 * A message of @len bytes for a put to @q (NULL: none, no cache), with
 * the links of a typed one if @typed: one allocation, or two where its
 * data goes apart (ipcq_qmsg_apart()).
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
	struct ipcq_qmsg *m = NULL;
	u32 key = 0;
	size_t size;
	bool apart;
	void *p;

	if (!typed && len <= IPCQ_MSG_CACHE_OBJ) {
		key = ipcq_qmsg_sizes[len] & ~IPCQ_QMSG_APART;
		apart = ipcq_qmsg_sizes[len] & IPCQ_QMSG_APART;
	} else {
		apart = ipcq_qmsg_apart(head, len);
	}
	if (q && key)
		m = ipcq_qmsg_cached(q, key);
	if (m)
		goto init;
	/*
	 * One the cache may take is allocated whole, its slab sizes, so that
	 * a later message of its key may use every byte: KASAN checks
	 * accesses against the size asked for, not the slab's.
	 */
	size = apart ? head : size_add(head, len);
	p = kvmalloc(key ? kmalloc_size_roundup(size) : size, gfp);
	if (!p)
		return NULL;
	m = p + front;
	m->data = m->inline_data;
	if (apart) {
		m->data = kvmalloc(key ? kmalloc_size_roundup(len) : len, gfp);
		if (!m->data) {
			kvfree(p);
			return NULL;
		}
	}
init:
	refcount_set(&m->ref, 1);
	m->len = len;
	m->typed = typed;
	return m;
}

/* After the last reference to @m of @q: caches it or frees it. */
void ipcq_queue_msg_release(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	u32 key = m->typed ? 0 : ipcq_qmsg_cache_key(m->len);

	if (!key || atomic_add_return(key / 2, &q->msg_cache_bytes) >
		    IPCQ_MSG_CACHE_BYTES) {
		if (key)
			atomic_sub(key / 2, &q->msg_cache_bytes);
		ipcq_qmsg_free(m);
		return;
	}
	m->len = key;
	llist_add(&m->cache, &q->msg_cache);
}

/* Frees the queue's cache: at its end, with no put or get left. */
void ipcq_queue_msg_cache_free(struct ipcq_queue *q)
{
	struct llist_node *node = llist_del_all(&q->msg_cache), *next;

	for (; node; node = next) {
		next = node->next;
		ipcq_qmsg_free(llist_entry(node, struct ipcq_qmsg, cache));
	}
	atomic_set(&q->msg_cache_bytes, 0);
}
