// SPDX-License-Identifier: GPL-2.0
/*
 * Rings: the memory a ring queue shares with its users, the kernel's side
 * of the slot protocol described in include/uapi/linux/ipcq.h, and the
 * attachment files the ring is mapped from.
 *
 * Two regions (mapping.c): a status page only the kernel writes, and the
 * ring region of hints and slots that users write freely. Everything the
 * kernel relies on (sizes, page arrays, owner ids, the kernel-kept
 * messages, counts) lives in struct ipcq_ring and struct ipcq_queue, never
 * in shared memory. Every word read from the ring region is read once,
 * bounded, and its worst value costs only that queue's messages: each
 * scan is bounded by the slot count and each copy by the slot size.
 *
 * What queue.c asks of a ring: push a message; where the next one is
 * (ipcq_ring_next()) and where the next claim will be (the frontier);
 * peek, or claim a slot for reading, copy its payload straight to the
 * getter (no bounce buffer) and then free it or give it back; counts,
 * drop, reclaim of a dead attachment's claims, the users' gets.
 *
 * An attachment file names the owner id its user claims slots with and
 * holds the endpoint file it came from, so that when a process dies its
 * claims are reclaimed before its endpoint is counted out (a consumer
 * never sees end-of-file ahead of the messages behind a dead producer's
 * claim).
 *
 * Locks: the callers (queue.c) serialise the kernel's own ring operations
 * with the queue lock, except the copy-out of a slot the kernel claimed
 * (it owns that slot); users run concurrently, lock-free, with
 * compare-and-swap on the control words. Pages are allocated one by one
 * (charged to the creator's memory cgroup) and vmapped for the kernel.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "queue.h"

/* Layout; handed to users through struct ipcq_ring_info. */
#define RING_OFF_HEAD		0
#define RING_OFF_TAIL		64
#define RING_OFF_GETS		128
#define RING_OFF_SLOTS		192
#define SLOT_OFF_CTL		0
#define SLOT_OFF_LEN		8
#define SLOT_OFF_DATA		16
#define STATUS_OFF_ROUTE	0
#define STATUS_OFF_GET_WAKE	4
#define STATUS_OFF_PUT_WAKE	8

struct ipcq_ring {
	u32 slots;
	u32 slot_size;
	u32 stride;
	struct page **pages;		/* the ring region */
	unsigned int nr_pages;
	void *mem;			/* its kernel mapping */
	struct page *status_page;
	u32 *status;			/* its kernel mapping */
	u64 gets_seen;			/* the gets hint, when last folded */
	struct ida owners;
};

static u64 *ring_word(struct ipcq_ring *r, size_t off)
{
	return (u64 *)((char *)r->mem + off);
}

static u64 *ring_ctl(struct ipcq_ring *r, u64 pos)
{
	u32 idx;

	div_u64_rem(pos, r->slots, &idx);
	return ring_word(r, RING_OFF_SLOTS + (size_t)idx * r->stride);
}

static u32 *ring_len(u64 *ctl)
{
	return (u32 *)((char *)ctl + SLOT_OFF_LEN);
}

static void *ring_data(u64 *ctl)
{
	return (char *)ctl + SLOT_OFF_DATA;
}

/* Slots start on their own cache lines. */
static u32 ring_stride(u32 slot_size)
{
	return ALIGN(SLOT_OFF_DATA + slot_size, 64);
}

static size_t ring_region_size(u32 slots, u32 stride)
{
	return PAGE_ALIGN(RING_OFF_SLOTS + (size_t)slots * stride);
}

/* Bytes of the ring region, or 0 if @slots x @slot_size is too large. */
size_t ipcq_ring_bytes(u32 slots, u32 slot_size)
{
	if (!slots || slots > IPCQ_RING_SLOTS_MAX ||
	    slot_size > IPCQ_RING_SLOT_MAX)
		return 0;
	return ring_region_size(slots, ring_stride(slot_size));
}

struct ipcq_ring *ipcq_ring_new(u32 slots, u32 slot_size)
{
	struct ipcq_ring *r;
	u64 pos;

	if (!ipcq_ring_bytes(slots, slot_size))
		return ERR_PTR(-EINVAL);
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->slots = slots;
	r->slot_size = slot_size;
	r->stride = ring_stride(slot_size);
	r->nr_pages = ring_region_size(slots, r->stride) >> PAGE_SHIFT;
	ida_init(&r->owners);

	r->pages = ipcq_pages_alloc(r->nr_pages);
	if (IS_ERR(r->pages)) {
		r->pages = NULL;
		goto fail;
	}
	r->mem = vmap(r->pages, r->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!r->mem)
		goto fail;
	r->status_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!r->status_page)
		goto fail;
	r->status = page_address(r->status_page);

	for (pos = 0; pos < slots; pos++)
		WRITE_ONCE(*ring_ctl(r, pos),
			   IPCQ_RING_CTL(pos, IPCQ_RING_EMPTY, 0));
	return r;
fail:
	ipcq_ring_free(r);
	return ERR_PTR(-ENOMEM);
}

void ipcq_ring_free(struct ipcq_ring *r)
{
	if (!r)
		return;
	if (r->status_page)
		__free_page(r->status_page);
	if (r->mem)
		vunmap(r->mem);
	ipcq_pages_free(r->pages, r->nr_pages);
	ida_destroy(&r->owners);
	kfree(r);
}

u32 ipcq_ring_slot_size(const struct ipcq_ring *r)
{
	return r->slot_size;
}

u32 ipcq_ring_slots(const struct ipcq_ring *r)
{
	return r->slots;
}

/* Publishes the kernel's view; the caller orders it with its own reads. */
void ipcq_ring_set_status(struct ipcq_ring *r, u32 route, bool get_wake,
			  bool put_wake)
{
	WRITE_ONCE(r->status[STATUS_OFF_ROUTE / 4], route);
	WRITE_ONCE(r->status[STATUS_OFF_GET_WAKE / 4], get_wake);
	WRITE_ONCE(r->status[STATUS_OFF_PUT_WAKE / 4], put_wake);
}

/* Moves a position hint forward to @pos, never back. */
static void ring_advance(u64 *hint, u64 pos)
{
	u64 old = READ_ONCE(*hint);

	if (ipcq_ring_pos_diff(pos, old) > 0)
		cmpxchg64(hint, old, pos);
}

/*
 * Kernel put: claims the first free slot from the tail hint, writes @len
 * bytes of @data and commits. False when no slot is free (or the hints
 * are too damaged to find one).
 */
bool ipcq_ring_push(struct ipcq_ring *r, const void *data, u32 len)
{
	u64 *tail = ring_word(r, RING_OFF_TAIL);
	u64 pos = READ_ONCE(*tail);
	u32 i;

	if (len > r->slot_size)
		return false;
	for (i = 0; i < 2 * r->slots; i++) {
		u64 *ctl = ring_ctl(r, pos);
		u64 cur = READ_ONCE(*ctl);
		s64 d = ipcq_ring_ctl_diff(cur, pos);

		if (d < 0)
			return false;	/* an older lap is still here: full */
		if (d > 0 || IPCQ_RING_CTL_STATE(cur) != IPCQ_RING_EMPTY) {
			pos++;
			continue;
		}
		if (cmpxchg64(ctl, cur, IPCQ_RING_CTL(pos, IPCQ_RING_WRITING,
						      0)) != cur)
			continue;
		WRITE_ONCE(*ring_len(ctl), len);
		memcpy(ring_data(ctl), data, len);
		/* The commit: length and payload before FULL. */
		smp_store_release(ctl, IPCQ_RING_CTL(pos, IPCQ_RING_FULL, 0));
		ring_advance(tail, pos + 1);
		return true;
	}
	return false;
}

/*
 * The claim frontier: the first position no put has claimed yet (every
 * position below it is claimed, committed or consumed), found from the
 * tail hint, which lags behind claims not yet committed. *@full: that
 * position's slot still holds an older lap, so no put can claim it yet.
 * O(1) while the hint is accurate.
 */
u64 ipcq_ring_frontier(struct ipcq_ring *r, bool *full)
{
	u64 pos = READ_ONCE(*ring_word(r, RING_OFF_TAIL));
	u32 i;

	*full = false;
	for (i = 0; i < 2 * r->slots; i++) {
		u64 cur = READ_ONCE(*ring_ctl(r, pos));
		s64 d = ipcq_ring_ctl_diff(cur, pos);

		if (d < 0) {
			*full = true;
			break;
		}
		if (!d && IPCQ_RING_CTL_STATE(cur) == IPCQ_RING_EMPTY)
			break;
		pos++;
	}
	return pos;
}

/* True if position @pos comes before position @mark. */
bool ipcq_ring_before(u64 pos, u64 mark)
{
	return ipcq_ring_pos_diff(pos, mark) < 0;
}

/* Frees the slot of @pos, which the kernel claimed for reading. */
static void ring_release(struct ipcq_ring *r, u64 *ctl, u64 pos)
{
	/* Our reads of the slot before it is free for the next put. */
	smp_store_release(ctl, ipcq_ring_ctl_freed(pos, r->slots));
	ring_advance(ring_word(r, RING_OFF_HEAD), pos + 1);
}

/*
 * Finds the next message from the head hint, passing over (and freeing)
 * skipped slots: 0 with its position and length; -EINPROGRESS when the
 * next position is claimed by a put not yet committed (what follows waits
 * for it); -ENOENT when nothing is there; -EBADMSG when the next one is
 * corrupt (its slot is freed, so the next call moves on). *@posp is where
 * the search stopped, for every answer but -EBADMSG.
 */
int ipcq_ring_next(struct ipcq_ring *r, u64 *posp, u32 *lenp)
{
	u64 pos = READ_ONCE(*ring_word(r, RING_OFF_HEAD));
	u32 i;

	*posp = pos;
	for (i = 0; i < 2 * r->slots; i++) {
		u64 *ctl = ring_ctl(r, pos);
		/* Pairs with the commit: FULL before length and payload. */
		u64 cur = smp_load_acquire(ctl);
		s64 d = ipcq_ring_ctl_diff(cur, pos);
		u32 len;

		*posp = pos;
		if (d < 0)
			return -ENOENT;
		if (d > 0 || IPCQ_RING_CTL_STATE(cur) == IPCQ_RING_READING) {
			pos++;
			continue;
		}
		if (IPCQ_RING_CTL_STATE(cur) == IPCQ_RING_WRITING)
			return -EINPROGRESS;
		if (IPCQ_RING_CTL_STATE(cur) != IPCQ_RING_FULL)
			return -ENOENT;	/* EMPTY: not yet */
		len = READ_ONCE(*ring_len(ctl));
		if (IPCQ_RING_CTL_OWNER(cur) != IPCQ_RING_SKIP &&
		    len <= r->slot_size) {
			*lenp = len;
			return 0;
		}
		/* Skipped or corrupt: take it out of the way. */
		if (cmpxchg64(ctl, cur, IPCQ_RING_CTL(pos, IPCQ_RING_READING,
						      0)) != cur)
			continue;
		ring_release(r, ctl, pos);
		if (IPCQ_RING_CTL_OWNER(cur) != IPCQ_RING_SKIP)
			return -EBADMSG;
		pos++;
	}
	return -ENOENT;
}

/* The control word of @pos if it holds a committed message, else -EAGAIN. */
static int ring_full_at(struct ipcq_ring *r, u64 pos, u64 *curp)
{
	/* Pairs with the commit: FULL before length and payload. */
	u64 cur = smp_load_acquire(ring_ctl(r, pos));

	if (IPCQ_RING_CTL_STATE(cur) != IPCQ_RING_FULL ||
	    ipcq_ring_ctl_diff(cur, pos) ||
	    IPCQ_RING_CTL_OWNER(cur) == IPCQ_RING_SKIP)
		return -EAGAIN;
	*curp = cur;
	return 0;
}

/*
 * Copies the message of @pos found by ipcq_ring_next() into @buf (room
 * for slot_size bytes), leaving it in place: its length, or -EAGAIN if a
 * user took it meanwhile.
 */
int ipcq_ring_peek(struct ipcq_ring *r, u64 pos, void *buf)
{
	u64 *ctl = ring_ctl(r, pos);
	u64 cur;
	u32 len;

	if (ring_full_at(r, pos, &cur))
		return -EAGAIN;
	len = READ_ONCE(*ring_len(ctl));
	if (len > r->slot_size)
		return -EAGAIN;
	memcpy(buf, ring_data(ctl), len);
	smp_rmb();	/* the copy before the re-check */
	return READ_ONCE(*ctl) == cur ? len : -EAGAIN;
}

/*
 * Claims the message of @pos found by ipcq_ring_next() for the kernel:
 * its length (read once; the copy-out uses no other), -EAGAIN if a user
 * took it first, or -EBADMSG if it turned corrupt (it is gone). The slot
 * is the kernel's until ipcq_ring_done().
 */
int ipcq_ring_claim(struct ipcq_ring *r, u64 pos)
{
	u64 *ctl = ring_ctl(r, pos);
	u64 cur;
	u32 len;

	if (ring_full_at(r, pos, &cur) ||
	    cmpxchg64(ctl, cur, IPCQ_RING_CTL(pos, IPCQ_RING_READING, 0)) != cur)
		return -EAGAIN;
	len = READ_ONCE(*ring_len(ctl));
	if (len > r->slot_size) {
		ring_release(r, ctl, pos);
		return -EBADMSG;
	}
	return len;
}

/* The message of the claimed slot of @pos, for the kernel to copy out. */
const void *ipcq_ring_msg_data(struct ipcq_ring *r, u64 pos)
{
	return ring_data(ring_ctl(r, pos));
}

/* Copies @len bytes of the claimed slot of @pos to @buf: 0 or -EFAULT. */
int ipcq_ring_copy_out(struct ipcq_ring *r, u64 pos, void __user *buf,
		       u32 len)
{
	return copy_to_user(buf, ring_data(ring_ctl(r, pos)), len) ?
	       -EFAULT : 0;
}

/*
 * Ends the kernel's claim of @pos: frees the slot once its message is
 * @taken, else gives the message back in place, as the next one to get
 * (the head hint moves back to it).
 */
void ipcq_ring_done(struct ipcq_ring *r, u64 pos, bool taken)
{
	u64 *ctl = ring_ctl(r, pos);
	u64 *head = ring_word(r, RING_OFF_HEAD);

	if (taken) {
		ring_release(r, ctl, pos);
		return;
	}
	/* Length and payload are as they were: nothing more to order. */
	WRITE_ONCE(*ctl, IPCQ_RING_CTL(pos, IPCQ_RING_FULL, 0));
	if (ipcq_ring_pos_diff(READ_ONCE(*head), pos) > 0)
		WRITE_ONCE(*head, pos);
}

/* Counts what the slots hold; O(slots), for the slow paths only. */
void ipcq_ring_count(struct ipcq_ring *r, struct ipcq_ring_count *c)
{
	u32 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < r->slots; i++) {
		u64 *ctl = ring_ctl(r, i);
		u64 cur = READ_ONCE(*ctl);

		switch (IPCQ_RING_CTL_STATE(cur)) {
		case IPCQ_RING_FULL:
			if (IPCQ_RING_CTL_OWNER(cur) == IPCQ_RING_SKIP)
				break;
			c->msgs++;
			c->bytes += min(READ_ONCE(*ring_len(ctl)), r->slot_size);
			break;
		case IPCQ_RING_WRITING:
			c->writing++;
			break;
		case IPCQ_RING_READING:
			c->reading++;
			break;
		}
	}
}

/* Empties the ring (immediate shutdown); returns the messages dropped. */
u64 ipcq_ring_drop(struct ipcq_ring *r)
{
	u64 dropped = 0;
	u32 i;

	for (i = 0; i < r->slots; i++) {
		u64 *ctl = ring_ctl(r, i);
		u64 cur = READ_ONCE(*ctl);
		u64 pos = IPCQ_RING_CTL_POS(cur);

		if (IPCQ_RING_CTL_STATE(cur) != IPCQ_RING_FULL ||
		    cmpxchg64(ctl, cur, IPCQ_RING_CTL(pos, IPCQ_RING_READING,
						      0)) != cur)
			continue;
		if (IPCQ_RING_CTL_OWNER(cur) != IPCQ_RING_SKIP)
			dropped++;
		/*
		 * Released as in ring_release(); @pos is the control word's
		 * 46 bits, so the hints are left as they are.
		 */
		smp_store_release(ctl, ipcq_ring_ctl_freed(pos, r->slots));
	}
	return dropped;
}

/*
 * The attachment @owner is gone: what it claimed for writing is skipped,
 * what it claimed for reading is freed. True if a slot changed.
 */
bool ipcq_ring_reclaim(struct ipcq_ring *r, u32 owner)
{
	bool changed = false;
	u32 i;

	for (i = 0; i < r->slots; i++) {
		u64 *ctl = ring_ctl(r, i);
		u64 cur = READ_ONCE(*ctl);
		u64 pos = IPCQ_RING_CTL_POS(cur);
		u64 new;

		if (IPCQ_RING_CTL_OWNER(cur) != owner)
			continue;
		if (IPCQ_RING_CTL_STATE(cur) == IPCQ_RING_WRITING)
			new = IPCQ_RING_CTL(pos, IPCQ_RING_FULL, IPCQ_RING_SKIP);
		else if (IPCQ_RING_CTL_STATE(cur) == IPCQ_RING_READING)
			new = ipcq_ring_ctl_freed(pos, r->slots);
		else
			continue;
		if (cmpxchg64(ctl, cur, new) == cur)
			changed = true;
	}
	return changed;
}

/*
 * Messages users took from the ring since the last call, by their gets
 * counter: a hint, so a liar skews only this queue's task counts.
 */
u64 ipcq_ring_fold_gets(struct ipcq_ring *r)
{
	u64 now = READ_ONCE(*ring_word(r, RING_OFF_GETS));
	u64 delta = now - r->gets_seen;

	r->gets_seen = now;
	return delta;
}

static void ring_fill_info(struct ipcq_ring *r, struct ipcq_ring_info *info)
{
	info->slots = r->slots;
	info->slot_size = r->slot_size;
	info->slot_stride = r->stride;
	info->slot_off_len = SLOT_OFF_LEN;
	info->slot_off_data = SLOT_OFF_DATA;
	info->off_head = RING_OFF_HEAD;
	info->off_tail = RING_OFF_TAIL;
	info->off_gets = RING_OFF_GETS;
	info->off_slots = RING_OFF_SLOTS;
	info->off_route = STATUS_OFF_ROUTE;
	info->off_get_wake = STATUS_OFF_GET_WAKE;
	info->off_put_wake = STATUS_OFF_PUT_WAKE;
	info->status_offset = IPCQ_MAP_OFF_STATUS;
	info->status_size = PAGE_SIZE;
	info->ring_offset = IPCQ_MAP_OFF_DATA;
	info->ring_size = (u64)r->nr_pages << PAGE_SHIFT;
}

/* A ring attachment: the file a ring is mapped from. */
struct ipcq_ring_file {
	struct ipcq_queue *q;
	struct file *endpoint;
	u32 owner;
};

/* An attachment file has no ioctls; it is only mapped. */
static long ipcq_ring_file_dispatch(struct file *file, unsigned int cmd,
				    unsigned long arg, struct ipcq_call *call)
{
	return -ENOTTY;
}

static int ipcq_ring_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcq_ring_file *rf = file->private_data;
	struct ipcq_ring *r = rf->q->ring;

	return ipcq_map_shared(vma, r->status_page, r->pages, r->nr_pages);
}

static int ipcq_ring_file_release(struct inode *inode, struct file *file)
{
	struct ipcq_ring_file *rf = file->private_data;
	struct ipcq_queue *q = rf->q;

	ipcq_queue_ring_released(q, rf->owner);
	ida_free(&q->ring->owners, rf->owner);
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

static const struct ipcq_file_type ipcq_ring_file_type =
	IPCQ_FILE_TYPE(ipcq_ring_file_dispatch, NULL, ipcq_ring_file_release,
		       NULL, ipcq_ring_file_mmap, ipcq_ring_file_show_fdinfo);

/*
 * IPCQ_IOC_RING_ATTACH on @endpoint, a file of @q with @roles: a new
 * attachment file with an owner id of its own.
 */
long ipcq_ring_attach(struct ipcq_queue *q, struct file *endpoint, u32 roles,
		      struct ipcq_ring_info __user *uarg)
{
	const u32 both = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;
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
	if (!roles)
		return -EBADF;
	/*
	 * Whoever maps the ring can both put and get through it: a file
	 * that may not do both needs the permission to.
	 */
	if (roles != both) {
		ret = ipcq_object_permission(&q->obj, MAY_READ | MAY_WRITE);
		if (ret)
			return ret;
	}

	rf = kzalloc(sizeof(*rf), GFP_KERNEL_ACCOUNT);
	if (!rf)
		return -ENOMEM;
	ret = ida_alloc_range(&q->ring->owners, 1, 0xffff, GFP_KERNEL);
	if (ret < 0) {
		kfree(rf);
		return ret == -ENOSPC ? -EUSERS : ret;
	}
	rf->owner = ret;
	rf->q = q;
	ring_fill_info(q->ring, &info);
	info.owner = rf->owner;

	fd = get_unused_fd_flags(info.flags & IPCQ_OPEN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto free_owner;
	}
	rfile = ipcq_anon_file("[ipcq-ring]", &ipcq_ring_file_type, rf, O_RDWR);
	if (IS_ERR(rfile)) {
		ret = PTR_ERR(rfile);
		put_unused_fd(fd);
		goto free_owner;
	}
	/* From here the file's release undoes it all. */
	ipcq_object_get(&q->obj);
	rf->endpoint = get_file(endpoint);
	if (copy_to_user(uarg, &info, sizeof(info))) {
		put_unused_fd(fd);
		fput(rfile);
		return -EFAULT;
	}
	fd_install(fd, rfile);
	return fd;

free_owner:
	ida_free(&q->ring->owners, rf->owner);
	kfree(rf);
	return ret;
}

void ipcq_ring_show_fdinfo(struct seq_file *m, struct ipcq_ring *r)
{
	seq_printf(m, "ring:\t%u slots of %u bytes\n", r->slots, r->slot_size);
}
