// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The user side of a ring queue (IPCQ_OPEN_RING): put and get through the
 * shared ring without a system call, by the slot protocol written down in
 * <linux/ipcq.h>. Every layout value comes from the kernel
 * (IPCQ_IOC_RING_ATTACH); nothing here hard-codes an offset.
 *
 * A fast path answers 1 when it did the work, 0 when the caller must go
 * through the kernel (the route word says so, the message does not fit a
 * slot, the ring is full or empty), or a negative errno. The kernel is
 * where callers sleep; before that, when another CPU could be feeding or
 * draining the ring, a fast path spins a while, and adapts how long to
 * whether spinning paid off last time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

struct ipcdev__ring {
	void *status_map;
	size_t status_size;
	void *ring_map;
	size_t ring_size;
	const _Atomic uint32_t *route;
	const _Atomic uint32_t *get_wake;
	const _Atomic uint32_t *put_wake;
	_Atomic uint64_t *head;
	_Atomic uint64_t *tail;
	_Atomic uint64_t *gets;
	char *slots;
	uint32_t nslots;
	uint32_t slot_mask;		/* nslots - 1 for a power of two, else 0 */
	uint32_t slot_size;
	uint32_t stride;
	uint32_t off_len;
	uint32_t off_data;
	uint32_t owner;
	_Atomic unsigned int spin;	/* current spin budget, iterations */
};

/*
 * Spinning only pays when the other side can run at the same time: not
 * when this process may use one CPU only (the peer then waits for our
 * time slice to end). The budget's adaptation covers the rest.
 */
bool ipcdev__spin_useful(void)
{
	static _Atomic int ncpu;
	int n = atomic_load_explicit(&ncpu, memory_order_relaxed);

	if (!n) {
		cpu_set_t set;

		n = sched_getaffinity(0, sizeof(set), &set) ? 1 : CPU_COUNT(&set);
		atomic_store_explicit(&ncpu, n, memory_order_relaxed);
	}
	return n > 1;
}

static _Atomic uint64_t *slot_ctl(struct ipcdev__ring *r, uint64_t pos)
{
	/* A mask where it can: a division is a helper call under emulation. */
	uint64_t i = r->slot_mask ? pos & r->slot_mask : pos % r->nslots;

	return (_Atomic uint64_t *)(r->slots + i * r->stride);
}

static _Atomic uint32_t *slot_len(struct ipcdev__ring *r,
				  _Atomic uint64_t *ctl)
{
	return (_Atomic uint32_t *)((char *)ctl + r->off_len);
}

static char *slot_data(struct ipcdev__ring *r, _Atomic uint64_t *ctl)
{
	return (char *)ctl + r->off_data;
}

static void hint_advance(_Atomic uint64_t *hint, uint64_t pos)
{
	uint64_t old = atomic_load_explicit(hint, memory_order_relaxed);

	while (ipcq_ring_pos_diff(pos, old) > 0 &&
	       !atomic_compare_exchange_weak_explicit(hint, &old, pos,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

static void ring_wake(int fd, uint32_t flags)
{
	struct ipcq_ring_wake arg = { .flags = flags };

	ipcdev__ioctl(fd, IPCQ_IOC_RING_WAKE, &arg);
}

static bool route_has(struct ipcdev__ring *r, uint32_t bit)
{
	return atomic_load_explicit(r->route, memory_order_seq_cst) & bit;
}

int ipcdev__ring_attach(int fd, struct ipcdev__ring **out)
{
	struct ipcq_ring_info info;
	struct ipcdev__ring *r;
	int rfd, ret = -ENOMEM;

	memset(&info, 0, sizeof(info));
	info.flags = IPCQ_OPEN_CLOEXEC;
	rfd = ipcdev__ioctl(fd, IPCQ_IOC_RING_ATTACH, &info);
	if (rfd < 0)
		return rfd;
	/* What the kernel says must make sense before we trust our reads. */
	if (!info.slots || info.slot_stride < info.slot_off_data + info.slot_size ||
	    info.slot_off_len + 4 > info.slot_off_data ||
	    info.off_slots + (uint64_t)info.slots * info.slot_stride > info.ring_size ||
	    info.off_put_wake + 4 > info.status_size) {
		close(rfd);
		return -EPROTO;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	ret = ipcdev__map_shared(rfd, info.status_offset, info.status_size,
				 info.ring_offset, info.ring_size,
				 &r->status_map, &r->ring_map);
	if (ret)
		goto out_free;
	/* The mappings hold the attachment now. */
	close(rfd);
	r->status_size = info.status_size;
	r->ring_size = info.ring_size;
	r->route = (void *)((char *)r->status_map + info.off_route);
	r->get_wake = (void *)((char *)r->status_map + info.off_get_wake);
	r->put_wake = (void *)((char *)r->status_map + info.off_put_wake);
	r->head = (void *)((char *)r->ring_map + info.off_head);
	r->tail = (void *)((char *)r->ring_map + info.off_tail);
	r->gets = (void *)((char *)r->ring_map + info.off_gets);
	r->slots = (char *)r->ring_map + info.off_slots;
	r->nslots = info.slots;
	if (!(info.slots & (info.slots - 1)))
		r->slot_mask = info.slots - 1;
	r->slot_size = info.slot_size;
	r->stride = info.slot_stride;
	r->off_len = info.slot_off_len;
	r->off_data = info.slot_off_data;
	r->owner = info.owner;
	atomic_init(&r->spin, 1024);
	*out = r;
	return 0;
out_free:
	free(r);
out:
	close(rfd);
	return ret;
}

void ipcdev__ring_detach(struct ipcdev__ring *r)
{
	if (!r)
		return;
	munmap(r->ring_map, r->ring_size);
	munmap(r->status_map, r->status_size);
	free(r);
}

/* Claims the slot of the next free position; false when the ring is full. */
static inline __attribute__((always_inline)) bool
claim_put(struct ipcdev__ring *r, uint64_t *posp, _Atomic uint64_t **ctlp)
{
	uint64_t pos = atomic_load_explicit(r->tail, memory_order_relaxed);
	uint32_t i;

	for (i = 0; i < 2 * r->nslots; i++) {
		_Atomic uint64_t *ctl = slot_ctl(r, pos);
		uint64_t cur = atomic_load_explicit(ctl, memory_order_acquire);
		int64_t d = ipcq_ring_ctl_diff(cur, pos);

		if (d < 0)
			return false;
		if (d > 0 || IPCQ_RING_CTL_STATE(cur) != IPCQ_RING_EMPTY) {
			pos++;
			continue;
		}
		if (atomic_compare_exchange_strong(ctl, &cur,
				IPCQ_RING_CTL(pos, IPCQ_RING_WRITING, r->owner))) {
			*posp = pos;
			*ctlp = ctl;
			return true;
		}
	}
	return false;
}

/* After a change that someone may be waiting for: wake them if asked. */
static void wake_if_asked(struct ipcdev__ring *r, int fd,
			  const _Atomic uint32_t *word, uint32_t flags)
{
	/* Pairs with the kernel's barrier between setting @word and looking. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(word, memory_order_relaxed))
		ring_wake(fd, flags);
}

/*
 * One put into the ring: 1 done, 0 the kernel is to do it, -EAGAIN full.
 * Inline in both callers (the first try and the spin's), so the common
 * path makes no call of its own.
 */
static inline __attribute__((always_inline)) int
ring_put_once(struct ipcdev__ring *r, int fd, const void *buf, size_t len)
{
	_Atomic uint64_t *ctl;
	uint64_t pos;

	if (route_has(r, IPCQ_ROUTE_PUT))
		return 0;
	if (!claim_put(r, &pos, &ctl))
		return -EAGAIN;
	/* The claim is a full barrier; look at the route again after it. */
	if (route_has(r, IPCQ_ROUTE_PUT)) {
		atomic_store_explicit(ctl, IPCQ_RING_CTL(pos, IPCQ_RING_FULL,
							 IPCQ_RING_SKIP),
				      memory_order_release);
		hint_advance(r->tail, pos + 1);
		wake_if_asked(r, fd, r->get_wake, IPCQ_WAKE_GETTERS);
		return 0;
	}
	atomic_store_explicit(slot_len(r, ctl), (uint32_t)len,
			      memory_order_relaxed);
	memcpy(slot_data(r, ctl), buf, len);
	atomic_store_explicit(ctl, IPCQ_RING_CTL(pos, IPCQ_RING_FULL, 0),
			      memory_order_release);
	hint_advance(r->tail, pos + 1);
	wake_if_asked(r, fd, r->get_wake, IPCQ_WAKE_GETTERS);
	return 1;
}

/*
 * Takes the next message into @buf (*@len bytes of room). -EMSGSIZE with
 * *@len set leaves it in place; -EBADMSG: it was corrupt, now dropped.
 */
static inline __attribute__((always_inline)) int
ring_get_once(struct ipcdev__ring *r, int fd, void *buf, size_t *len)
{
	uint64_t pos = atomic_load_explicit(r->head, memory_order_relaxed);
	uint32_t i;

	if (route_has(r, IPCQ_ROUTE_GET))
		return 0;
	for (i = 0; i < 2 * r->nslots; i++) {
		_Atomic uint64_t *ctl = slot_ctl(r, pos);
		uint64_t cur = atomic_load_explicit(ctl, memory_order_acquire);
		int64_t d = ipcq_ring_ctl_diff(cur, pos);
		bool skip = IPCQ_RING_CTL_OWNER(cur) == IPCQ_RING_SKIP;
		uint32_t mlen;

		if (d < 0)
			return -EAGAIN;
		if (d > 0 || IPCQ_RING_CTL_STATE(cur) == IPCQ_RING_READING) {
			pos++;
			continue;
		}
		if (IPCQ_RING_CTL_STATE(cur) != IPCQ_RING_FULL)
			return -EAGAIN;
		mlen = atomic_load_explicit(slot_len(r, ctl),
					    memory_order_relaxed);
		if (!skip && mlen <= r->slot_size && mlen > *len) {
			/* Too long for the buffer: it stays, if still there. */
			if (atomic_load_explicit(ctl, memory_order_acquire) != cur)
				continue;
			*len = mlen;
			return -EMSGSIZE;
		}
		if (!atomic_compare_exchange_strong(ctl, &cur,
				IPCQ_RING_CTL(pos, IPCQ_RING_READING, r->owner)))
			continue;
		if (!skip) {
			atomic_fetch_add_explicit(r->gets, 1,
						  memory_order_relaxed);
			mlen = atomic_load_explicit(slot_len(r, ctl),
						    memory_order_relaxed);
			if (mlen <= r->slot_size && mlen <= *len)
				memcpy(buf, slot_data(r, ctl), mlen);
		}
		atomic_store_explicit(ctl, ipcq_ring_ctl_freed(pos, r->nslots),
				      memory_order_release);
		hint_advance(r->head, pos + 1);
		wake_if_asked(r, fd, r->put_wake, IPCQ_WAKE_PUTTERS);
		if (skip) {
			pos++;
			continue;
		}
		if (mlen > r->slot_size || mlen > *len)
			return -EBADMSG;
		*len = mlen;
		return 1;
	}
	return -EAGAIN;
}

struct xfer {
	struct ipcdev__ring *r;
	int fd;
	void *buf;
	size_t len;
	size_t *lenp;
};

static int put_try(void *arg)
{
	struct xfer *x = arg;

	return ring_put_once(x->r, x->fd, x->buf, x->len);
}

static int get_try(void *arg)
{
	struct xfer *x = arg;

	return ring_get_once(x->r, x->fd, x->buf, x->lenp);
}

/* -EAGAIN (full, empty) becomes 0: the kernel waits, or says why. */
int ipcdev__ring_put(struct ipcdev__ring *r, int fd, const void *buf,
		     size_t len, bool may_wait)
{
	struct xfer x = { .r = r, .fd = fd, .buf = (void *)buf, .len = len };
	int ret;

	if (len > r->slot_size)
		return 0;
	ret = ring_put_once(r, fd, buf, len);
	if (ret == -EAGAIN)
		ret = ipcdev__spin(&r->spin, may_wait, put_try, &x);
	return ret == -EAGAIN ? 0 : ret;
}

int ipcdev__ring_get(struct ipcdev__ring *r, int fd, void *buf, size_t *len,
		     bool may_wait)
{
	struct xfer x = { .r = r, .fd = fd, .buf = buf, .lenp = len };
	int ret = ring_get_once(r, fd, buf, len);

	if (ret == -EAGAIN)
		ret = ipcdev__spin(&r->spin, may_wait, get_try, &x);
	return ret == -EAGAIN ? 0 : ret;
}
