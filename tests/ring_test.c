// SPDX-License-Identifier: GPL-2.0
/*
 * Ring queues (IPCQ_OPEN_RING): attaching and mapping and each of their
 * error paths, the slot protocol as the kernel sees it (messages put
 * through the ring are counted, polled and got through the ioctls and the
 * other way round), claims of dead processes reclaimed, order kept across
 * the ring and the kernel, the fast path making no system call, and
 * processes scribbling over the ring while others use it.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

/* A raw attachment, mapped: the test's own reading of the protocol. */
struct raw_ring {
	int fd;
	struct ipcq_ring_info info;
	char *status;
	char *ring;
};

static int ring_open(int dev, uint64_t capacity, uint64_t slot_size)
{
	struct ipcq_queue_open arg;

	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH | IPCQ_OPEN_RING | IPCQ_OPEN_CLOEXEC;
	arg.mode = 0600;
	arg.capacity = capacity;
	arg.slot_size = slot_size;
	return xioctl(dev, IPCQ_IOC_QUEUE_OPEN, &arg);
}

static int ring_attach(int q, struct ipcq_ring_info *info)
{
	memset(info, 0, sizeof(*info));
	info->flags = IPCQ_OPEN_CLOEXEC;
	return xioctl(q, IPCQ_IOC_RING_ATTACH, info);
}

static int raw_map(int q, struct raw_ring *r)
{
	r->fd = ring_attach(q, &r->info);
	if (r->fd < 0)
		return r->fd;
	r->status = mmap(NULL, r->info.status_size, PROT_READ, MAP_SHARED,
			 r->fd, r->info.status_offset);
	r->ring = mmap(NULL, r->info.ring_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, r->fd, r->info.ring_offset);
	if (r->status == MAP_FAILED || r->ring == MAP_FAILED)
		return -errno;
	return 0;
}

static void raw_unmap(struct raw_ring *r)
{
	munmap(r->status, r->info.status_size);
	munmap(r->ring, r->info.ring_size);
	close(r->fd);
}

static _Atomic uint64_t *raw_word(struct raw_ring *r, uint32_t off)
{
	return (_Atomic uint64_t *)(r->ring + off);
}

static _Atomic uint64_t *raw_ctl(struct raw_ring *r, uint64_t pos)
{
	return raw_word(r, r->info.off_slots +
			(pos % r->info.slots) * r->info.slot_stride);
}

static uint32_t raw_status(struct raw_ring *r, uint32_t off)
{
	return atomic_load((_Atomic uint32_t *)(r->status + off));
}

/* Claims position @pos for writing; true if it was free. */
static bool raw_claim(struct raw_ring *r, uint64_t pos)
{
	uint64_t cur = IPCQ_RING_CTL(pos, IPCQ_RING_EMPTY, 0);

	return atomic_compare_exchange_strong(raw_ctl(r, pos), &cur,
		IPCQ_RING_CTL(pos, IPCQ_RING_WRITING, r->info.owner));
}

static void raw_commit(struct raw_ring *r, uint64_t pos, const void *buf,
		       uint32_t len)
{
	char *slot = (char *)raw_ctl(r, pos);

	memcpy(slot + r->info.slot_off_len, &len, sizeof(len));
	memcpy(slot + r->info.slot_off_data, buf, len);
	atomic_store(raw_ctl(r, pos), IPCQ_RING_CTL(pos, IPCQ_RING_FULL, 0));
	atomic_store(raw_word(r, r->info.off_tail), pos + 1);
}

FIXTURE(ring) {
	int dev;
	int fd;			/* ring queue: 8 slots of 64 bytes */
};

FIXTURE_SETUP(ring)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	self->fd = ring_open(self->dev, 8, 64);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(ring)
{
	close(self->fd);
	close(self->dev);
}

TEST(abi_layout_pinned)
{
	ASSERT_EQ(104, sizeof(struct ipcq_ring_info));
	ASSERT_EQ(56, offsetof(struct ipcq_ring_info, status_offset));
	ASSERT_EQ(8, sizeof(struct ipcq_ring_wake));
	ASSERT_EQ(40, offsetof(struct ipcq_queue_open, slot_size));
	ASSERT_EQ(0x60, _IOC_NR(IPCQ_IOC_RING_ATTACH));
	ASSERT_EQ(0x61, _IOC_NR(IPCQ_IOC_RING_WAKE));
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_RING));
}

TEST_F(ring, attach_hands_out_a_sane_layout)
{
	struct ipcq_ring_info a, b;
	struct ipcq_queue_stat st;
	int fa, fb;

	memset(&a, POISON_BYTE, sizeof(a));
	a.flags = 0;
	memset(&a.owner, 0, offsetof(struct ipcq_ring_info, reserved) -
	       offsetof(struct ipcq_ring_info, owner));
	memset(a.reserved, 0, sizeof(a.reserved));
	fa = xioctl(self->fd, IPCQ_IOC_RING_ATTACH, &a);
	ASSERT_LE(0, fa);
	EXPECT_EQ(8, a.slots);
	EXPECT_EQ(64, a.slot_size);
	EXPECT_LE(a.slot_off_data + 64, a.slot_stride);
	EXPECT_LE(a.slot_off_len + 4, a.slot_off_data);
	EXPECT_LE((uint64_t)a.off_slots + 8 * a.slot_stride, a.ring_size);
	EXPECT_GE(a.status_size, a.off_put_wake + 4);
	EXPECT_EQ(0, a.ring_size % getpagesize());
	EXPECT_EQ(IPCQ_RING_OFF_STATUS, a.status_offset);
	EXPECT_EQ(IPCQ_RING_OFF_RING, a.ring_offset);
	EXPECT_EQ(0, a.reserved[0] | a.reserved[1]);
	EXPECT_LE(1, a.owner);
	/* Without CLOEXEC the attachment is inherited across exec. */
	EXPECT_EQ(0, fcntl(fa, F_GETFD) & FD_CLOEXEC);

	fb = ring_attach(self->fd, &b);
	ASSERT_LE(0, fb);
	EXPECT_NE(a.owner, b.owner);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fb, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(IPCQ_STATE_RING, st.state);
	close(fa);
	close(fb);
}

TEST_F(ring, create_and_attach_reject_bad_arguments)
{
	struct ipcq_queue_open open_arg;
	struct ipcq_ring_wake wake;
	struct ipcq_ring_info info;
	struct ipcq_reopen reopen;
	int plain, obs, fd;

	/* Creation: too many slots, too big a slot, more than max bytes. */
	EXPECT_EQ(-EINVAL, ring_open(self->dev, IPCQ_RING_SLOTS_MAX + 1, 0));
	EXPECT_EQ(-EINVAL, ring_open(self->dev, 8, IPCQ_RING_SLOT_MAX + 1));
	EXPECT_EQ(-EINVAL, ring_open(self->dev, IPCQ_RING_SLOTS_MAX,
				     IPCQ_RING_SLOT_MAX));
	memset(&open_arg, 0, sizeof(open_arg));
	open_arg.flags = BOTH;
	open_arg.slot_size = 8;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &open_arg));

	/* Attach: bad flags, input in output fields, reserved, pointer. */
	memset(&info, 0, sizeof(info));
	info.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_RING_ATTACH, &info));
	memset(&info, 0, sizeof(info));
	info.slots = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_RING_ATTACH, &info));
	memset(&info, 0, sizeof(info));
	info.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_RING_ATTACH, &info));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_RING_ATTACH, NULL));

	/* A queue without a ring; an observer file. */
	plain = raw_queue_open(self->dev, NULL, BOTH, 0, 8, 0);
	ASSERT_LE(0, plain);
	EXPECT_EQ(-ENXIO, ring_attach(plain, &info));
	memset(&wake, 0, sizeof(wake));
	wake.flags = IPCQ_WAKE_GETTERS;
	EXPECT_EQ(-ENXIO, xioctl(plain, IPCQ_IOC_RING_WAKE, &wake));
	close(plain);
	memset(&reopen, 0, sizeof(reopen));
	reopen.flags = IPCQ_OPEN_PRODUCER;
	fd = xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &reopen);
	ASSERT_LE(0, fd);
	EXPECT_LE(0, obs = ring_attach(fd, &info));	/* a producer may */
	close(obs);
	close(fd);
	memset(&open_arg, 0, sizeof(open_arg));
	open_arg.name = (uintptr_t)"ring-test-observer";
	open_arg.name_len = strlen("ring-test-observer");
	open_arg.flags = IPCQ_OPEN_CREATE | IPCQ_OPEN_RING | IPCQ_OPEN_CLOEXEC;
	open_arg.mode = 0600;
	obs = xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &open_arg);
	ASSERT_LE(0, obs);
	EXPECT_EQ(-EBADF, ring_attach(obs, &info));
	close(obs);
	EXPECT_EQ(0, raw_unlink(self->dev, "ring-test-observer"));

	/* Wake: no flag, unknown flags, pad, pointer. */
	memset(&wake, 0, sizeof(wake));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_RING_WAKE, &wake));
	wake.flags = 1U << 2;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_RING_WAKE, &wake));
	wake.flags = IPCQ_WAKE_PUTTERS;
	wake.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_RING_WAKE, &wake));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_RING_WAKE, NULL));
	wake.pad = 0;
	EXPECT_EQ(0, xioctl(self->fd, IPCQ_IOC_RING_WAKE, &wake));
}

/* No fd left: EMFILE, and the owner id the call took is given back. */
TEST_F(ring, attach_without_fds_is_emfile)
{
	struct rlimit old, lim;
	struct ipcq_ring_info info;
	int fd;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	fd = dup(0);
	ASSERT_LE(0, fd);
	lim.rlim_cur = fd;
	lim.rlim_max = old.rlim_max;
	close(fd);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	EXPECT_EQ(-EMFILE, ring_attach(self->fd, &info));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	fd = ring_attach(self->fd, &info);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, info.owner);
	close(fd);
}

/*
 * 65535 attachments: on a debug kernel (KASAN, kmemleak) they alone took
 * over four minutes of check-debug, for a path (an IDA running out) that
 * allocates nothing, so the case runs on the production kernels only.
 */
TEST_F_TIMEOUT(ring, attach_runs_out_of_owner_ids_with_eusers, 120)
{
	struct rlimit old, lim;
	struct ipcq_ring_info info;
	int *fds, n, fd, i, ret;

	if (geteuid() != 0)
		SKIP(return, "needs root to open 65536 files");
	if (ipcq_debug_kernel())
		SKIP(return, "65535 files: production kernels only (slow under KASAN)");
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	lim.rlim_cur = lim.rlim_max = 70000;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	fds = calloc(0x10000, sizeof(*fds));
	ASSERT_NE(NULL, fds);
	for (n = 0; n < 0x10000; n++) {
		ret = ring_attach(self->fd, &info);
		if (ret < 0)
			break;
		fds[n] = ret;
	}
	EXPECT_EQ(0xffff, n);
	EXPECT_EQ(-EUSERS, ret);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	/* Every id came back. */
	fd = ring_attach(self->fd, &info);
	EXPECT_LE(0, fd);
	EXPECT_EQ(1, info.owner);
	close(fd);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
}

TEST_F(ring, attach_needs_read_and_write_permission)
{
	struct ipcq_queue_open arg;
	struct ipcq_ring_info info;
	const char *name = "ring-test-perm";
	pid_t pid;
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch users");
	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = strlen(name);
	arg.flags = BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_RING;
	arg.mode = 0622;	/* others may put, not get */
	umask(0);
	fd = xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int p;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		p = raw_queue_open(self->dev, name, IPCQ_OPEN_PRODUCER, 0, 0, 0);
		if (p < 0)
			_exit(11);
		/* Put works through the kernel; the ring is not for it. */
		if (raw_put(p, "x", 1, 0, 0, 0))
			_exit(12);
		_exit(ring_attach(p, &info) == -EACCES ? 0 : 13);
	}
	EXPECT_EQ(0, child_status(pid));
	close(fd);
	EXPECT_EQ(0, raw_unlink(self->dev, name));
}

TEST_F(ring, mmap_wrong_offset_size_or_protection_fails)
{
	struct ipcq_ring_info info;
	size_t page = getpagesize();
	void *p;
	int fd;

	fd = ring_attach(self->fd, &info);
	ASSERT_LE(0, fd);
	/* The status page never becomes writable. */
	expect_status_read_only(_metadata, fd, info.status_offset,
				info.status_size);
	/* Neither region is ever executable. */
	expect_never_executable(_metadata, fd, info.status_offset,
				info.status_size, info.ring_offset,
				info.ring_size);
	/* The ring only shared, whole, at its offset. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, info.ring_size, PROT_READ |
				   PROT_WRITE, MAP_PRIVATE, fd,
				   info.ring_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, info.ring_size - page, PROT_READ,
				   MAP_SHARED, fd, info.ring_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, info.ring_size + page, PROT_READ,
				   MAP_SHARED, fd, info.ring_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
				   info.ring_offset + page));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
				   0x5000000));
	EXPECT_EQ(EINVAL, errno);
	/* The queue fd itself maps nothing. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(ENODEV, errno);
	/* Growing the mapping is refused. */
	p = mmap(NULL, info.ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 info.ring_offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, info.ring_size, info.ring_size + page,
				     0));
	munmap(p, info.ring_size);
	close(fd);
}

TEST_F(ring, ring_put_is_counted_polled_and_got_by_ioctl)
{
	struct ipcq_queue_stat st;
	struct raw_ring r;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	char buf[64];
	uint64_t len = sizeof(buf);
	uint32_t prio = 7;

	ASSERT_EQ(0, raw_map(self->fd, &r));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_TRUE(raw_claim(&r, 0));
	/* Claimed, not committed: no message yet, but a slot taken. */
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL, IPCQ_MSG_NONBLOCK,
				   0));
	raw_commit(&r, 0, "through the ring", 16);
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(16, st.bytes);
	EXPECT_EQ(1, st.unfinished);
	len = 4;
	EXPECT_EQ(-EMSGSIZE, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(16, len);
	len = sizeof(buf);
	EXPECT_EQ(0, raw_get(self->fd, buf, &len, NULL, IPCQ_MSG_PEEK, 0));
	EXPECT_EQ(16, len);
	len = sizeof(buf);
	EXPECT_EQ(0, raw_get(self->fd, buf, &len, &prio, 0, 0));
	EXPECT_EQ(16, len);
	EXPECT_EQ(0, prio);
	EXPECT_EQ(0, memcmp(buf, "through the ring", 16));
	EXPECT_EQ(IPCQ_RING_CTL(8, IPCQ_RING_EMPTY, 0),
		  atomic_load(raw_ctl(&r, 0)));
	EXPECT_EQ(1, atomic_load(raw_word(&r, r.info.off_head)));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(1, st.unfinished);
	raw_unmap(&r);
}

TEST_F(ring, ioctl_put_lands_in_the_ring)
{
	struct raw_ring r;
	char *slot;
	uint32_t len;

	ASSERT_EQ(0, raw_map(self->fd, &r));
	ASSERT_EQ(0, raw_put(self->fd, "kernel put", 10, 0, 0, 0));
	EXPECT_EQ(IPCQ_RING_CTL(0, IPCQ_RING_FULL, 0),
		  atomic_load(raw_ctl(&r, 0)));
	slot = (char *)raw_ctl(&r, 0);
	memcpy(&len, slot + r.info.slot_off_len, sizeof(len));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(slot + r.info.slot_off_data, "kernel put", 10));
	EXPECT_EQ(1, atomic_load(raw_word(&r, r.info.off_tail)));
	/* Nobody waits, nothing is kept: no wake-ups asked, no detour. */
	EXPECT_EQ(0, raw_status(&r, r.info.off_route));
	EXPECT_EQ(0, raw_status(&r, r.info.off_get_wake));
	EXPECT_EQ(0, raw_status(&r, r.info.off_put_wake));
	raw_unmap(&r);
}

TEST_F(ring, order_holds_across_ring_and_kernel)
{
	char big[200], buf[256];
	struct ipcq_queue_stat st;
	ipcdev_queue *q;
	struct raw_ring r;
	uint64_t len;
	uint32_t prio;
	size_t slen;
	int i;

	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 0, 16));
	ASSERT_EQ(0, raw_map(ipcdev_queue_fd(q), &r));
	memset(big, 'B', sizeof(big));
	EXPECT_EQ(0, ipcdev_queue_put(q, "a", 1, IPCDEV_FOREVER));	/* ring */
	EXPECT_EQ(0, raw_put(ipcdev_queue_fd(q), "b", 1, 0, 0, 0));	/* ring */
	EXPECT_EQ(0, ipcdev_queue_put_prio(q, "p", 1, 5, IPCDEV_FOREVER));
	/* Kept by the kernel now: users are routed through it. */
	EXPECT_EQ(IPCQ_ROUTE_PUT | IPCQ_ROUTE_GET,
		  raw_status(&r, r.info.off_route));
	EXPECT_EQ(0, ipcdev_queue_put(q, big, sizeof(big), IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_queue_put(q, "c", 1, IPCDEV_FOREVER));
	ASSERT_EQ(0, raw_stat(ipcdev_queue_fd(q), &st));
	EXPECT_EQ(5, st.messages);
	EXPECT_EQ(4 + sizeof(big), st.bytes);

	const char *want[] = { "p", "a", "b", big, "c" };
	for (i = 0; i < 5; i++) {
		len = sizeof(buf);
		if (i % 2) {
			slen = sizeof(buf);
			EXPECT_EQ(0, ipcdev_queue_get_prio(q, buf, &slen, &prio,
							   0));
			len = slen;
		} else {
			EXPECT_EQ(0, raw_get(ipcdev_queue_fd(q), buf, &len,
					     &prio, 0, 0));
		}
		EXPECT_EQ(i == 0 ? 5 : 0, prio);
		EXPECT_EQ(i == 3 ? sizeof(big) : 1, len);
		EXPECT_EQ(0, memcmp(buf, want[i], len));
	}
	/* Nothing kept: back on the ring. */
	EXPECT_EQ(0, raw_status(&r, r.info.off_route));
	EXPECT_EQ(0, ipcdev_queue_put(q, "d", 1, IPCDEV_FOREVER));
	EXPECT_EQ(IPCQ_RING_FULL,
		  IPCQ_RING_CTL_STATE(atomic_load(raw_ctl(&r, 2))));
	raw_unmap(&r);
	ipcdev_queue_close(q);
}

/*
 * The library finds a position's slot as the kernel does for any slot
 * count (a mask for powers of two, a remainder otherwise): over several
 * laps each put lands in slot pos % slots, a full ring says so, and the
 * messages come back in order whether the library or the kernel takes
 * them.
 */
TEST(slots_of_any_count_wrap_in_order)
{
	static const uint64_t counts[] = { 1, 3, 5, 8, 12 };
	uint64_t pos, len, n, i;
	unsigned int c, lap;
	char buf[16], want[16];
	ipcdev_queue *q;
	struct raw_ring r;
	size_t slen;

	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		n = counts[c];
		ASSERT_EQ(0, ipcdev_queue_create_ring(&q, n, 16));
		ASSERT_EQ(0, raw_map(ipcdev_queue_fd(q), &r));
		ASSERT_EQ(n, r.info.slots);
		pos = 0;
		for (lap = 0; lap < 4; lap++) {
			for (i = 0; i < n; i++) {
				snprintf(buf, sizeof(buf), "%u.%u", lap % 10,
					 (unsigned int)(i % 100));
				ASSERT_EQ(0, ipcdev_queue_put_nowait(q, buf,
							strlen(buf)));
				EXPECT_EQ(IPCQ_RING_CTL(pos + i, IPCQ_RING_FULL,
							0),
					  atomic_load(raw_ctl(&r, pos + i)));
			}
			EXPECT_EQ(-EAGAIN, ipcdev_queue_put_nowait(q, "x", 1));
			for (i = 0; i < n; i++) {
				snprintf(want, sizeof(want), "%u.%u", lap % 10,
					 (unsigned int)(i % 100));
				memset(buf, 0, sizeof(buf));
				if ((lap + i) % 2) {
					len = sizeof(buf);
					ASSERT_EQ(0, raw_get(ipcdev_queue_fd(q),
							     buf, &len, NULL,
							     0, 0));
				} else {
					slen = sizeof(buf);
					ASSERT_EQ(0, ipcdev_queue_get_nowait(q,
							buf, &slen));
				}
				EXPECT_STREQ(want, buf);
			}
			slen = sizeof(buf);
			EXPECT_EQ(-EAGAIN, ipcdev_queue_get_nowait(q, buf,
								   &slen));
			pos += n;
		}
		raw_unmap(&r);
		ipcdev_queue_close(q);
	}
}

/*
 * A claim not yet committed holds back every later message of priority
 * 0, whichever path it took: here A went into the ring behind the claim
 * and B, too long for a slot, to the kernel. Priorities are not held.
 */
TEST(pending_claim_holds_back_ring_and_kept_messages)
{
	char big[100], buf[128];
	struct pollfd pfd;
	ipcdev_queue *q;
	struct raw_ring r;
	unsigned int prio;
	uint64_t len;
	size_t slen;
	int fd;

	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 0, 16));
	fd = ipcdev_queue_fd(q);
	ASSERT_EQ(0, raw_map(fd, &r));
	ASSERT_TRUE(raw_claim(&r, 0));
	memset(big, 'B', sizeof(big));
	ASSERT_EQ(0, ipcdev_queue_put(q, "A", 1, IPCDEV_FOREVER));
	ASSERT_EQ(IPCQ_RING_FULL,
		  IPCQ_RING_CTL_STATE(atomic_load(raw_ctl(&r, 1))));
	ASSERT_EQ(0, ipcdev_queue_put(q, big, sizeof(big), IPCDEV_FOREVER));

	/* Neither comes out, by any path, while the claim is pending. */
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(fd, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK | IPCQ_MSG_PEEK, 0));
	len = sizeof(buf);
	EXPECT_EQ(-ETIMEDOUT, raw_get(fd, buf, &len, NULL, 0,
				      now_ns() + 20 * NSEC_PER_MSEC));
	slen = sizeof(buf);
	EXPECT_EQ(-EAGAIN, ipcdev_queue_get_nowait(q, buf, &slen));
	pfd.fd = fd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* Counted all the same: two messages are queued. */
	EXPECT_EQ(2, ipcdev_queue_qsize(q));

	/* A priority goes first, claim or not. */
	ASSERT_EQ(0, ipcdev_queue_put_prio(q, "P", 1, 3, IPCDEV_FOREVER));
	slen = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get_prio(q, buf, &slen, &prio, 0));
	EXPECT_EQ(3, prio);
	EXPECT_EQ('P', buf[0]);

	/* The claim commits: its message, then A, then B. */
	raw_commit(&r, 0, "X", 1);
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	len = sizeof(buf);
	EXPECT_EQ(0, raw_get(fd, buf, &len, NULL, IPCQ_MSG_PEEK, 0));
	EXPECT_EQ('X', buf[0]);
	slen = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &slen, 0));
	EXPECT_EQ('X', buf[0]);
	slen = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &slen, 0));
	EXPECT_EQ(1, slen);
	EXPECT_EQ('A', buf[0]);
	slen = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &slen, 0));
	EXPECT_EQ(sizeof(big), slen);
	EXPECT_EQ(0, memcmp(buf, big, sizeof(big)));
	EXPECT_EQ(0, ipcdev_queue_qsize(q));
	raw_unmap(&r);
	ipcdev_queue_close(q);
}

/*
 * The same with the claimer killed: its claim is skipped, and a getter
 * blocked behind it wakes and takes A, then B, in order.
 */
TEST(dead_claim_releases_held_messages_in_order)
{
	int ready[2];
	char big[100], buf[128];
	ipcdev_queue *q;
	size_t slen;
	pid_t pid;
	char c;

	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 0, 16));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct raw_ring r;

		if (raw_map(ipcdev_queue_fd(q), &r) || !raw_claim(&r, 0))
			_exit(10);
		write(ready[1], "c", 1);
		pause();	/* killed mid-put */
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	memset(big, 'B', sizeof(big));
	ASSERT_EQ(0, ipcdev_queue_put(q, "A", 1, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_queue_put(q, big, sizeof(big), IPCDEV_FOREVER));
	slen = sizeof(buf);
	EXPECT_EQ(-EAGAIN, ipcdev_queue_get_nowait(q, buf, &slen));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	slen = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &slen, WAIT_NS));
	EXPECT_EQ(1, slen);
	EXPECT_EQ('A', buf[0]);
	slen = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &slen, 0));
	EXPECT_EQ(sizeof(big), slen);
	EXPECT_EQ(0, ipcdev_queue_qsize(q));
	close(ready[0]);
	close(ready[1]);
	ipcdev_queue_close(q);
}

/*
 * The library alone: a producer streams short messages (ring) and is
 * stopped again and again; each time it is caught mid-put (a slot of the
 * ring claimed, not committed), another producer puts a short message and
 * then a long one (kept by the kernel). Every producer's messages arrive
 * in order, every one exactly once.
 *
 * The producer stays at most ORDER_AHEAD messages ahead of what the test
 * has drained: while the test waited for a CPU (a loaded guest) it once
 * ran on alone up to the queue's byte limit, leaving millions of messages
 * to drain each round and then, at ENOBUFS, a dead producer that was
 * never caught mid-put.
 */
#define ORDER_ROUNDS	20
#define ORDER_AHEAD	1024

struct order_msg {
	uint32_t producer;
	uint32_t seq;
	char pad[200];
};

static bool ring_has_claim(struct raw_ring *r)
{
	uint32_t i;

	for (i = 0; i < r->info.slots; i++)
		if (IPCQ_RING_CTL_STATE(atomic_load(raw_ctl(r, i))) ==
		    IPCQ_RING_WRITING)
			return true;
	return false;
}

/* Takes what is there (-EAGAIN ends it), checking each producer's order. */
static int order_drain(ipcdev_queue *q, uint32_t next[2], int64_t timeout)
{
	struct order_msg m;
	size_t len;
	int ret;

	for (;;) {
		len = sizeof(m);
		ret = ipcdev_queue_get(q, &m, &len, timeout);
		if (ret)
			return ret;
		if (m.producer > 1 || m.seq != next[m.producer])
			return -EPROTO;
		next[m.producer]++;
	}
}

TEST_F_TIMEOUT(ring, producer_stopped_mid_put_keeps_fifo, 300)
{
	uint32_t next[2] = { 0, 0 }, sent = 0;
	ipcdev_queue *q, *prod, *cons;
	unsigned int rounds = 0, stops = 0;
	_Atomic int *stop = shared_page(4096);
	_Atomic uint32_t *drained = (_Atomic uint32_t *)&stop[1];
	struct order_msg m;
	struct raw_ring r;
	pid_t pid;
	int status;

	ASSERT_NE(NULL, stop);
	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 0, 32));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&prod, q, IPCDEV_PRODUCER));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&cons, q, IPCDEV_CONSUMER));
	ASSERT_EQ(0, raw_map(ipcdev_queue_fd(q), &r));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint32_t s = 0;

		ipcdev_queue_close(cons);
		m.producer = 0;
		while (!atomic_load(stop)) {
			if (s - atomic_load(drained) > ORDER_AHEAD) {
				sched_yield();
				continue;
			}
			m.seq = s++;
			if (ipcdev_queue_put(prod, &m, 8, IPCDEV_FOREVER))
				_exit(10);
		}
		_exit(0);
	}
	m.producer = 1;
	memset(m.pad, 'L', sizeof(m.pad));
	while (rounds < ORDER_ROUNDS) {
		ASSERT_EQ(-EAGAIN, order_drain(cons, next, IPCDEV_NOWAIT))
			TH_LOG("order broken: producer 0 at %u, 1 at %u",
			       next[0], next[1]);
		ASSERT_EQ(0, kill(pid, SIGSTOP));
		ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
		ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("producer 0 ended: %#x",
						       status);
		stops++;
		atomic_store(drained, next[0]);
		if (ring_has_claim(&r)) {
			rounds++;
			m.seq = sent++;
			ASSERT_EQ(0, ipcdev_queue_put(prod, &m, 8,
						      IPCDEV_FOREVER));
			m.seq = sent++;
			ASSERT_EQ(0, ipcdev_queue_put(prod, &m, sizeof(m),
						      IPCDEV_FOREVER));
		}
		ASSERT_EQ(0, kill(pid, SIGCONT));
	}
	atomic_store(stop, 1);
	/* The attachment holds q's file, a producer: both go for EOF. */
	raw_unmap(&r);
	ipcdev_queue_close(q);
	ipcdev_queue_close(prod);
	ASSERT_EQ(0, child_status(pid));
	EXPECT_EQ(IPCDEV_EOF, order_drain(cons, next, IPCDEV_FOREVER));
	EXPECT_EQ(sent, next[1]);
	TH_LOG("%u stops, %u mid-put, %u messages", stops, rounds,
	       next[0] + next[1]);
	ipcdev_queue_close(cons);
}

TEST(fast_path_makes_no_ioctl)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[64];
		ipcdev_queue *q;
		size_t len;
		int i;

		if (ipcdev_queue_create_ring(&q, 16, 64))
			_exit(10);
		if (forbid_ioctl())
			_exit(11);
		/* Proof that the filter bites. */
		if (ipcdev_queue_qsize(q) != -EPERM)
			_exit(12);
		for (i = 0; i < 10000; i++) {
			if (ipcdev_queue_put(q, &i, sizeof(i), IPCDEV_FOREVER))
				_exit(13);
			if (i % 2 == 0 &&
			    ipcdev_queue_put(q, &i, sizeof(i), IPCDEV_NOWAIT))
				_exit(14);
			len = sizeof(buf);
			if (ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER) ||
			    len != sizeof(i))
				_exit(15);
			if (i % 2 == 1) {
				len = sizeof(buf);
				if (ipcdev_queue_get(q, buf, &len,
						     IPCDEV_NOWAIT))
					_exit(16);
			}
		}
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
}

TEST_F(ring, dead_writer_claim_is_skipped_not_torn)
{
	struct ipcq_queue_stat st;
	int ready[2], done[2];
	char buf[64];
	uint64_t len;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct raw_ring r;

		if (raw_map(self->fd, &r) || !raw_claim(&r, 0))
			_exit(10);
		/* Half a message, never committed. */
		memcpy((char *)raw_ctl(&r, 0) + r.info.slot_off_data, "torn", 4);
		atomic_store(raw_word(&r, r.info.off_tail), 1);
		write(ready[1], "c", 1);
		read(done[0], &c, 1);	/* the parent puts behind it */
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, raw_put(self->fd, "whole", 5, 0, 0, 0));
	/* Behind a claim that is still being written: not yet. */
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK, 0));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	ASSERT_EQ(1, write(done[1], "g", 1));
	EXPECT_EQ(0, child_status(pid));
	/* The dead claim is skipped; the message behind it comes out. */
	len = sizeof(buf);
	EXPECT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     now_ns() + WAIT_NS));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(buf, "whole", 5));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(1, st.unfinished);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
}

TEST_F(ring, dead_reader_claim_frees_its_slot)
{
	char buf[64];
	uint64_t len;
	pid_t pid;
	int i, fd;

	/* One slot: a claimed reader's slot is room nobody has. */
	fd = ring_open(self->dev, 1, 64);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_put(fd, "m", 1, 0, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct raw_ring r;
		uint64_t cur = IPCQ_RING_CTL(0, IPCQ_RING_FULL, 0);

		if (raw_map(fd, &r))
			_exit(10);
		_exit(atomic_compare_exchange_strong(raw_ctl(&r, 0), &cur,
			IPCQ_RING_CTL(0, IPCQ_RING_READING, r.info.owner)) ?
		      0 : 11);
	}
	EXPECT_EQ(0, child_status(pid));
	/* Freed when the reader's attachment went: room for two more. */
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, raw_put(fd, "n", 1, 0, 0,
				     now_ns() + WAIT_NS));
		len = sizeof(buf);
		EXPECT_EQ(0, raw_get(fd, buf, &len, NULL, 0, 0));
		EXPECT_EQ('n', buf[0]);
	}
	close(fd);
}

TEST_F(ring, eof_comes_after_what_a_dead_producer_committed)
{
	char buf[64];
	uint64_t len;
	pid_t pid;
	int fd;

	fd = raw_queue_open(self->dev, NULL,
			    BOTH | IPCQ_OPEN_CLOEXEC | IPCQ_OPEN_RING, 0600, 8, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_reopen arg = { .flags = IPCQ_OPEN_PRODUCER };
		struct raw_ring r;
		int p;

		/* A producer of its own, mapped; the inherited file goes. */
		p = xioctl(fd, IPCQ_IOC_QUEUE_REOPEN, &arg);
		close(fd);
		if (p < 0 || raw_map(p, &r) || !raw_claim(&r, 0) ||
		    !raw_claim(&r, 1))
			_exit(10);
		raw_commit(&r, 1, "last words", 10);
		close(p);
		_exit(0);	/* killed mid-put of position 0 */
	}
	/* The parent is a consumer only: the child is the last producer. */
	{
		struct ipcq_reopen arg = { .flags = IPCQ_OPEN_CONSUMER };
		int c = xioctl(fd, IPCQ_IOC_QUEUE_REOPEN, &arg);

		ASSERT_LE(0, c);
		close(fd);
		fd = c;
	}
	EXPECT_EQ(0, child_status(pid));
	len = sizeof(buf);
	EXPECT_EQ(0, raw_get(fd, buf, &len, NULL, 0,
			     now_ns() + WAIT_NS));
	EXPECT_EQ(10, len);
	len = sizeof(buf);
	EXPECT_EQ(IPCQ_GET_EOF, raw_get(fd, buf, &len, NULL, 0,
					now_ns() + WAIT_NS));
	close(fd);
}

TEST_F(ring, mapping_outlives_fds_and_fork)
{
	struct raw_ring r;
	char buf[64];
	uint64_t len;
	pid_t pid;
	int q2;

	q2 = ring_open(self->dev, 4, 64);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, raw_map(q2, &r));
	close(r.fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child writes through the mapping it inherited. */
		if (!raw_claim(&r, 0))
			_exit(10);
		raw_commit(&r, 0, "from child", 10);
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
	len = sizeof(buf);
	EXPECT_EQ(0, raw_get(q2, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(10, len);
	/* No fd left: the mapping keeps queue and pages alive. */
	close(q2);
	EXPECT_TRUE(raw_claim(&r, 1));
	raw_commit(&r, 1, "still here", 10);
	EXPECT_EQ(0, raw_status(&r, r.info.off_get_wake));
	munmap(r.status, r.info.status_size);
	munmap(r.ring, r.info.ring_size);
}

TEST_F(ring, epoll_wakes_on_a_ring_put_from_another_process)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	ipcdev_queue *q;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 4, 64));
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, ipcdev_queue_fd(q), &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Put only once the parent sleeps in epoll_wait(). */
		if (!wait_for(task_sleeping(getppid()), WAIT_MS))
			_exit(2);
		_exit(ipcdev_queue_put(q, "x", 1, IPCDEV_FOREVER) ? 1 : 0);
	}
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, WAIT_MS));
	EXPECT_EQ(EPOLLIN, ev.events & EPOLLIN);
	EXPECT_EQ(0, child_status(pid));
	close(ep);
	ipcdev_queue_close(q);
}

/*
 * A process with the right to map the ring writes garbage over all of it
 * while a producer and a consumer use the queue through the library and
 * the ioctls. Whatever they get back must be an error code of the API,
 * nobody may crash or hang, and the kernel must stay clean (the runner
 * fails the run on any splat).
 */
/*
 * IPCQ_IOC_QUEUE_NOTIFY on a ring queue: while a registration exists the
 * route word sends every put and get through the kernel, so that no put
 * passes unseen; it is lifted when the registration fires, is removed,
 * or goes with the file that made it.
 */
TEST_F(ring, notify_routes_every_put_and_get_through_the_kernel)
{
	const uint32_t both = IPCQ_ROUTE_PUT | IPCQ_ROUTE_GET;
	struct ipcq_reopen ro = { .flags = BOTH | IPCQ_OPEN_CLOEXEC };
	struct raw_ring r;
	uint64_t v = 0, len;
	char buf[64];
	int efd, f2;

	ASSERT_EQ(0, raw_map(self->fd, &r));
	EXPECT_EQ(0, raw_status(&r, r.info.off_route));
	ASSERT_EQ(0, raw_notify(self->fd, 0, 0, 0, 0));
	EXPECT_EQ(both, raw_status(&r, r.info.off_route));
	ASSERT_EQ(0, raw_notify(self->fd, IPCQ_NOTIFY_REMOVE, 0, 0, 0));
	EXPECT_EQ(0, raw_status(&r, r.info.off_route));

	/* Fired by a put: the ring is the users' again. */
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, raw_notify(self->fd, IPCQ_NOTIFY_EVENTFD, 0, 0, efd));
	EXPECT_EQ(both, raw_status(&r, r.info.off_route));
	ASSERT_EQ(0, raw_put(self->fd, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(8, read(efd, &v, sizeof(v)));
	EXPECT_EQ(1, v);
	EXPECT_EQ(0, raw_status(&r, r.info.off_route));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));

	/* Gone with the file that made it. */
	f2 = xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, f2);
	ASSERT_EQ(0, raw_notify(f2, 0, 0, 0, 0));
	EXPECT_EQ(both, raw_status(&r, r.info.off_route));
	close(f2);
	EXPECT_EQ(0, raw_status(&r, r.info.off_route));
	close(efd);
	raw_unmap(&r);
}

/*
 * A put through the ring takes its place when it claims its slot: one
 * claimed before the registration (its producer read the route before
 * it was set) is a message already queued, so neither its commit nor the
 * next put fires; nor does a put while a committed ring message waits.
 * Once the queue is empty, a put fires it.
 */
TEST_F(ring, notify_counts_what_the_ring_held_before_it)
{
	/* Round 0: claimed before, committed after; 1: committed before. */
	static const char *const msgs[] = { "abc", "def" };
	_Atomic uint64_t *tail;
	struct raw_ring r;
	uint64_t v = 0, len, pos;
	char buf[64];
	int efd, i, k;

	ASSERT_EQ(0, raw_map(self->fd, &r));
	tail = raw_word(&r, r.info.off_tail);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	for (k = 0; k < 2; k++) {
		const char *m = msgs[k];

		pos = atomic_load(tail);
		ASSERT_TRUE(raw_claim(&r, pos));
		if (k == 1)
			raw_commit(&r, pos, &m[0], 1);
		ASSERT_EQ(0, raw_notify(self->fd, IPCQ_NOTIFY_EVENTFD, 0, 0,
					efd));
		if (k == 0)
			raw_commit(&r, pos, &m[0], 1);
		ASSERT_EQ(0, raw_put(self->fd, &m[1], 1, 0, 0,
				     IPCQ_DEADLINE_FOREVER));
		EXPECT_EQ(-1, read(efd, &v, sizeof(v)));
		EXPECT_EQ(EAGAIN, errno);
		for (i = 0; i < 2; i++) {
			len = sizeof(buf);
			ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
			EXPECT_EQ(1, len);
			EXPECT_EQ(m[i], buf[0]);
		}
		/* Empty now: the next put fires it. */
		ASSERT_EQ(0, raw_put(self->fd, &m[2], 1, 0, 0,
				     IPCQ_DEADLINE_FOREVER));
		ASSERT_EQ(8, read(efd, &v, sizeof(v)));
		EXPECT_EQ(1, v);
		len = sizeof(buf);
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	}
	close(efd);
	raw_unmap(&r);
}

static bool api_errno(int ret)
{
	return ret == 0 || ret == IPCDEV_EOF || ret == -EAGAIN ||
	       ret == -ETIMEDOUT || ret == -EBADMSG || ret == -EMSGSIZE ||
	       ret == -ENOBUFS;
}

TEST_F(ring, scribbling_damages_only_that_queue)
{
	_Atomic int *stop = shared_page(4096);
	const uint64_t step = 20 * 1000 * 1000;
	pid_t pids[3];
	ipcdev_queue *q;
	int i, fd2;

	ASSERT_NE(NULL, stop);
	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 32, 64));
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i])
			continue;
		if (i == 0) {		/* the scribbler */
			struct raw_ring r;
			uint64_t n, x = 88172645463325252ULL;

			if (raw_map(ipcdev_queue_fd(q), &r))
				_exit(10);
			for (n = 0; n < 3000000; n++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				((uint64_t *)r.ring)[x % (r.info.ring_size / 8)] =
					n % 3 ? x : x >> (x % 64);
			}
			_exit(0);
		}
		while (!atomic_load(stop)) {
			char buf[128];
			size_t len = sizeof(buf);
			uint64_t len64 = sizeof(buf);
			int ret;

			if (i == 1) {
				ret = ipcdev_queue_put(q, buf, 1 + rand() % 64,
						       step);
				if (!api_errno(ret))
					_exit(20);
				ret = raw_put(ipcdev_queue_fd(q), buf, 16, 0,
					      IPCQ_MSG_NONBLOCK, 0);
			} else {
				ret = ipcdev_queue_get(q, buf, &len, step);
				if (!api_errno(ret))
					_exit(30);
				ret = raw_get(ipcdev_queue_fd(q), buf, &len64,
					      NULL, IPCQ_MSG_NONBLOCK, 0);
			}
			if (!api_errno(ret))
				_exit(40);
		}
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pids[0]));
	atomic_store(stop, 1);
	EXPECT_EQ(0, child_status(pids[1]));
	EXPECT_EQ(0, child_status(pids[2]));
	/* The damaged queue still answers, shuts down and goes away. */
	EXPECT_LE(0, ipcdev_queue_qsize(q));
	EXPECT_EQ(0, ipcdev_queue_shutdown(q, 1));
	EXPECT_EQ(0, ipcdev_queue_close(q));
	/* And a new ring queue works as ever. */
	fd2 = ring_open(self->dev, 4, 64);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, raw_put(fd2, "ok", 2, 0, 0, 0));
	close(fd2);
}

TEST_HARNESS_MAIN
