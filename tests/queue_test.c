// SPDX-License-Identifier: GPL-2.0
/*
 * Message queues through the raw ioctls: put/get in every mode,
 * priorities, peek, deadlines, blocking, signals, exact counts,
 * JoinableQueue counting, poll, and the error paths of put and get.
 * Creation, names, endpoints, shutdown, limits and permissions are in
 * queue_lifecycle_test.c.
 */
#define _GNU_SOURCE
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "queue_fixture.h"

TEST(abi_struct_layouts_pinned)
{
	ASSERT_EQ(64, sizeof(struct ipcq_queue_open));
	ASSERT_EQ(8, offsetof(struct ipcq_queue_open, name_len));
	ASSERT_EQ(12, offsetof(struct ipcq_queue_open, flags));
	ASSERT_EQ(16, offsetof(struct ipcq_queue_open, mode));
	ASSERT_EQ(24, offsetof(struct ipcq_queue_open, capacity));
	ASSERT_EQ(32, offsetof(struct ipcq_queue_open, max_msg_size));
	ASSERT_EQ(32, sizeof(struct ipcq_unlink));
	ASSERT_EQ(48, sizeof(struct ipcq_msg));
	ASSERT_EQ(16, offsetof(struct ipcq_msg, deadline));
	ASSERT_EQ(24, offsetof(struct ipcq_msg, flags));
	ASSERT_EQ(28, offsetof(struct ipcq_msg, priority));
	ASSERT_EQ(112, sizeof(struct ipcq_queue_stat));
	ASSERT_EQ(48, offsetof(struct ipcq_queue_stat, putters));
	ASSERT_EQ(80, offsetof(struct ipcq_queue_stat, reserved));
	ASSERT_EQ(16, sizeof(struct ipcq_task_done));
	ASSERT_EQ(24, sizeof(struct ipcq_wait));
	ASSERT_EQ(16, sizeof(struct ipcq_shutdown));
	ASSERT_EQ(16, sizeof(struct ipcq_reopen));
	ASSERT_EQ(0x01, _IOC_NR(IPCQ_IOC_QUEUE_OPEN));
	ASSERT_EQ(0x10, _IOC_NR(IPCQ_IOC_QUEUE_PUT));
	ASSERT_EQ(0x16, _IOC_NR(IPCQ_IOC_QUEUE_REOPEN));
}

TEST(handshake_offers_queues)
{
	EXPECT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_QUEUE));
}

TEST_F(q, fifo_order_lengths_and_zero_length)
{
	char buf[64];
	uint64_t len;
	int i;

	ASSERT_EQ(0, raw_put(self->fd, "one", 3, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_put(self->fd, "", 0, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_put(self->fd, "three", 5, 0, 0, IPCQ_DEADLINE_FOREVER));
	/* A zero-length put needs no valid buffer. */
	ASSERT_EQ(0, raw_put(self->fd, NULL, 0, 0, 0, IPCQ_DEADLINE_FOREVER));

	const char *want[] = { "one", "", "three", "" };

	for (i = 0; i < 4; i++) {
		len = sizeof(buf);
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
				     IPCQ_DEADLINE_FOREVER));
		EXPECT_EQ(strlen(want[i]), len);
		EXPECT_EQ(0, memcmp(buf, want[i], len));
	}
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK, IPCQ_DEADLINE_FOREVER));
}

TEST_F(q, priorities_highest_first_fifo_within)
{
	static const struct { const char *s; uint32_t prio; } in[] = {
		{ "a0", 0 }, { "b5", 5 }, { "c0", 0 }, { "d5", 5 },
		{ "e9", IPCQ_PRIO_MAX }, { "f1", 1 },
	};
	static const char *out[] = { "e9", "b5", "d5", "f1", "a0", "c0" };
	int fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
	uint32_t prio;
	uint64_t len;
	char buf[8];
	unsigned int i;

	ASSERT_LE(0, fd);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, raw_put(fd, in[i].s, 2, in[i].prio, 0,
				     IPCQ_DEADLINE_FOREVER));
	for (i = 0; i < 6; i++) {
		len = sizeof(buf);
		ASSERT_EQ(0, raw_get(fd, buf, &len, &prio, 0,
				     IPCQ_DEADLINE_FOREVER));
		ASSERT_EQ(2, len);
		EXPECT_EQ(0, memcmp(buf, out[i], 2)) TH_LOG("at %u", i);
		EXPECT_EQ(out[i][1] == '9' ? IPCQ_PRIO_MAX :
			  (uint32_t)(out[i][1] - '0'), prio);
	}
	EXPECT_EQ(-EINVAL, raw_put(fd, "x", 1, IPCQ_PRIO_MAX + 1, 0,
				   IPCQ_DEADLINE_FOREVER));
	close(fd);
}

TEST_F(q, peek_leaves_the_message)
{
	struct ipcq_queue_stat st;
	uint32_t prio = 0;
	uint64_t len;
	char buf[8];

	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_PEEK | IPCQ_MSG_NONBLOCK, 0));
	ASSERT_EQ(0, raw_put(self->fd, "pk", 2, 3, 0, IPCQ_DEADLINE_FOREVER));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, &prio, IPCQ_MSG_PEEK,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(2, len);
	EXPECT_EQ(3, prio);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, memcmp(buf, "pk", 2));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
}

TEST_F(q, get_small_buffer_is_emsgsize_and_keeps_message)
{
	struct ipcq_queue_stat st;
	char buf[16];
	uint64_t len = 3;

	ASSERT_EQ(0, raw_put(self->fd, "0123456789", 10, 0, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EMSGSIZE, raw_get(self->fd, buf, &len, NULL, 0,
				     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(10, len);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(10, st.bytes);
	len = 10;
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

TEST_F(q, put_above_max_msg_size_is_emsgsize)
{
	int fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 8);
	char buf[9] = "12345678";

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, raw_put(fd, buf, 8, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EMSGSIZE, raw_put(fd, buf, 9, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EMSGSIZE, raw_put(fd, buf, ~0ULL, 0, 0,
				     IPCQ_DEADLINE_FOREVER));
	close(fd);
}

TEST_F(q, bad_pointers_are_efault_and_lose_nothing)
{
	struct ipcq_queue_stat st;
	uint64_t len;
	char buf[8];
	void *ro;

	/* Put from a bad buffer queues nothing. */
	EXPECT_EQ(-EFAULT, raw_put(self->fd, (void *)8, 4, 0, 0,
				   IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.unfinished);

	/* Get into a bad buffer leaves the message queued. */
	ASSERT_EQ(0, raw_put(self->fd, "abcd", 4, 0, 0, IPCQ_DEADLINE_FOREVER));
	len = 8;
	EXPECT_EQ(-EFAULT, raw_get(self->fd, (void *)8, &len, NULL, 0,
				   IPCQ_DEADLINE_FOREVER));
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	len = 8;
	EXPECT_EQ(-EFAULT, raw_get(self->fd, ro, &len, NULL, 0,
				   IPCQ_DEADLINE_FOREVER));
	munmap(ro, 4096);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));

	/* Bad argument structs. */
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, (void *)8));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_STAT, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, NULL));
}

TEST_F(q, get_struct_copy_out_fault_keeps_message)
{
	struct ipcq_queue_stat st;
	struct ipcq_msg *m;
	char buf[8];

	/* The argument struct itself is read-only: its len can't be written. */
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, sizeof(*m));
	m->buf = (uintptr_t)buf;
	m->len = sizeof(buf);
	m->deadline = IPCQ_DEADLINE_FOREVER;
	ASSERT_EQ(0, mprotect(m, 4096, PROT_READ));
	ASSERT_EQ(0, raw_put(self->fd, "abcd", 4, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, m));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	munmap(m, 4096);
}

/*
 * Regression (found by the fuzzer): a buffer too small AND a struct whose
 * len cannot be written back. The message must stay queued, once, and the
 * queue stay intact; with PEEK likewise. This used to insert a queued
 * message a second time (rbtree corruption, soft lockup at free).
 */
TEST_F(q, emsgsize_with_unwritable_struct_keeps_queue_intact)
{
	struct ipcq_queue_stat st;
	struct ipcq_msg *m;
	char buf[8], big[16];
	uint64_t len;
	int pass;

	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, raw_put(self->fd, "0123456789", 10, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "ab", 2, 0, 0, 0));
	for (pass = 0; pass < 2; pass++) {
		memset(m, 0, sizeof(*m));
		m->buf = (uintptr_t)buf;
		m->len = 4;			/* too small for the first */
		m->flags = pass ? IPCQ_MSG_PEEK : 0;
		m->deadline = IPCQ_DEADLINE_FOREVER;
		ASSERT_EQ(0, mprotect(m, 4096, PROT_READ));
		EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, m));
		ASSERT_EQ(0, mprotect(m, 4096, PROT_READ | PROT_WRITE));
		ASSERT_EQ(0, raw_stat(self->fd, &st));
		EXPECT_EQ(2, st.messages);
		EXPECT_EQ(12, st.bytes);
	}
	munmap(m, 4096);
	len = sizeof(big);
	ASSERT_EQ(0, raw_get(self->fd, big, &len, NULL, 0, 0));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(big, "0123456789", 10));
	len = sizeof(big);
	ASSERT_EQ(0, raw_get(self->fd, big, &len, NULL, 0, 0));
	EXPECT_EQ(2, len);
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK, 0));
	/* Closing frees the queue: must not hang on a damaged tree. */
}

TEST_F(q, msg_flags_and_reserved_are_checked)
{
	struct ipcq_msg m;
	char buf[4];

	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)buf;
	m.len = 1;
	m.flags = IPCQ_MSG_PEEK;	/* get only */
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	m.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
	m.flags = 0;
	/* A get's type is what it matches: without a TYPE flag, none. */
	m.type = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
	m.flags = IPCQ_MSG_TYPE_EQ | IPCQ_MSG_TYPE_NE;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
	m.flags = IPCQ_MSG_TYPE_LE | IPCQ_MSG_TYPE_NE;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
	/* Selection and truncation are a get's. */
	m.flags = IPCQ_MSG_TYPE_EQ;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	m.flags = IPCQ_MSG_TRUNCATE;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	m.flags = 0;
	m.type = 0;
	m.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
}

TEST_F(q, unknown_ioctl_and_file_ops)
{
	char buf[8];

	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IO(IPCQ_IOC_MAGIC, 0x2f), NULL));
	/* Device ioctls are not queue ioctls, and the reverse. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, IPCQ_IOC_API, buf));
	EXPECT_EQ(-ENOTTY, xioctl(self->dev, IPCQ_IOC_QUEUE_STAT, buf));
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	/* read(2) and write(2) move messages: queue_rw_test.c. */
}

TEST_F(q, nonblocking_full_and_empty_are_eagain)
{
	uint64_t len = 4;
	char buf[4];
	int i;

	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK, IPCQ_DEADLINE_FOREVER));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(self->fd, "m", 1, 0, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, raw_put(self->fd, "m", 1, 0, IPCQ_MSG_NONBLOCK,
				   IPCQ_DEADLINE_FOREVER));
}

TEST_F(q, deadlines_expire_with_etimedout)
{
	uint64_t len = 4, start, deadline;
	char buf[4];
	int i;

	/* A deadline already past fails at once, without NONBLOCK. */
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->fd, buf, &len, NULL, 0,
				      now_ns() - 1));

	/* A future one is waited for, and never cut short. */
	start = now_ns();
	deadline = start + 100 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->fd, buf, &len, NULL, 0, deadline));
	EXPECT_LE(deadline, now_ns());

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(self->fd, "m", 1, 0, 0, 0));
	deadline = now_ns() + 100 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, raw_put(self->fd, "m", 1, 0, 0, deadline));
	EXPECT_LE(deadline, now_ns());
}

TEST_F(q, put_blocks_on_full_until_a_get)
{
	struct ipcq_queue_stat st;
	uint64_t len;
	char buf[4];
	pid_t pid;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(self->fd, "abcd" + i, 1, 0, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(raw_put(self->fd, "e", 1, 0, 0, IPCQ_DEADLINE_FOREVER) ? 1 : 0);

	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.putters == 1,
			     WAIT_MS));
	EXPECT_EQ(4, st.messages);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(0, child_status(pid));
	/* FIFO kept: b c d then the blocked putter's e. */
	for (i = 0; i < 4; i++) {
		len = sizeof(buf);
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
		EXPECT_EQ("bcde"[i], buf[0]);
	}
}

TEST_F(q, get_blocks_on_empty_until_a_put)
{
	struct ipcq_queue_stat st;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[8];
		uint64_t len = sizeof(buf);

		if (raw_get(self->fd, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER))
			_exit(1);
		_exit(len == 3 && !memcmp(buf, "hey", 3) ? 0 : 2);
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.getters == 1,
			     WAIT_MS));
	ASSERT_EQ(0, raw_put(self->fd, "hey", 3, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.getters);
	EXPECT_EQ(0, st.messages);
}

/* One message wakes one of several blocked getters; each gets one. */
TEST_F(q, each_message_goes_to_exactly_one_blocked_getter)
{
	struct ipcq_queue_stat st;
	pid_t pids[3];
	int i, got = 0;

	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			char buf[8];
			uint64_t len = sizeof(buf);
			int ret = raw_get(self->fd, buf, &len, NULL, 0,
					  now_ns() + WAIT_NS);

			_exit(ret == 0 ? 0 : 1);
		}
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.getters == 3,
			     WAIT_MS));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, raw_put(self->fd, "x", 1, 0, 0, 0));
	for (i = 0; i < 3; i++)
		got += child_status(pids[i]) == 0;
	EXPECT_EQ(3, got);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
}

/*
 * Signals every 20 ms during a 300 ms get: the raw call returns EINTR
 * (no SA_RESTART), and restarting it with the same absolute deadline ends
 * at that deadline. A relative timeout restarted each time would never
 * end while signals keep coming.
 */
TEST_F(q, signals_interrupt_and_restart_without_stretching)
{
	uint64_t len, deadline;
	int ret, eintr = 0;
	char buf[4];

	ASSERT_EQ(0, start_ticks(20000, 0));
	deadline = now_ns() + 300 * NSEC_PER_MSEC;
	do {
		len = sizeof(buf);
		ret = raw_get(self->fd, buf, &len, NULL, 0, deadline);
		eintr += ret == -EINTR;
	} while (ret == -EINTR);
	stop_ticks();
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_LE(deadline, now_ns());
	EXPECT_LT(0, eintr);

	/* With SA_RESTART the kernel restarts the call by itself. */
	ASSERT_EQ(0, start_ticks(20000, SA_RESTART));
	deadline = now_ns() + 300 * NSEC_PER_MSEC;
	len = sizeof(buf);
	ret = raw_get(self->fd, buf, &len, NULL, 0, deadline);
	stop_ticks();
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_LE(deadline, now_ns());
	EXPECT_LT(0, *tick_count());
}

TEST_F(q, stat_counts_are_exact)
{
	struct ipcq_queue_stat st;
	uint64_t len = 16;
	char buf[16];

	ASSERT_EQ(0, raw_put(self->fd, "12345", 5, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "1234567", 7, 2, 0, 0));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(2, st.messages);
	EXPECT_EQ(12, st.bytes);
	EXPECT_EQ(2, st.unfinished);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(7, len);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(5, st.bytes);
	EXPECT_EQ(2, st.unfinished);
}

TEST_F(q, task_done_and_join)
{
	struct ipcq_task_done td = { .count = 1 };
	struct ipcq_wait w = { .deadline = IPCQ_DEADLINE_FOREVER };
	struct ipcq_queue_stat st;
	uint64_t deadline;
	pid_t pid;

	/* Nothing unfinished: join returns at once, task_done is ERANGE. */
	EXPECT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	EXPECT_EQ(-ERANGE, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));

	ASSERT_EQ(0, raw_put(self->fd, "a", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "b", 1, 0, 0, 0));
	/* Too many at once changes nothing. */
	td.count = 3;
	EXPECT_EQ(-ERANGE, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(2, st.unfinished);

	w.flags = IPCQ_WAIT_NONBLOCK;
	EXPECT_EQ(-EAGAIN, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	w.flags = 0;
	deadline = now_ns() + 50 * NSEC_PER_MSEC;
	w.deadline = deadline;
	EXPECT_EQ(-ETIMEDOUT, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	EXPECT_LE(deadline, now_ns());

	/* Join sleeps until the last task_done. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_wait cw = { .deadline = IPCQ_DEADLINE_FOREVER };

		_exit(xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &cw) ? 1 : 0);
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.joiners == 1,
			     WAIT_MS));
	td.count = 1;
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.joiners);
	EXPECT_EQ(1, st.unfinished);
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	EXPECT_EQ(0, child_status(pid));

	/* Bad arguments. */
	td.count = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	td.count = 1;
	td.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	memset(&w, 0, sizeof(w));
	w.flags = 2;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	w.flags = 0;
	w.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	w.pad = 0;
	w.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
}

TEST_F(q, poll_and_epoll_readiness)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN | POLLOUT };
	uint64_t len = 4;
	char buf[4];
	pid_t pid;
	int ep, i;

	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	ASSERT_EQ(0, raw_put(self->fd, "x", 1, 0, 0, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, raw_put(self->fd, "x", 1, 0, 0, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));

	/* epoll wakes when another process puts. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Put only once the parent sleeps in epoll_wait(). */
		if (!wait_for(task_sleeping(getppid()), WAIT_MS))
			_exit(2);
		_exit(raw_put(self->fd, "y", 1, 0, 0, 0) ? 1 : 0);
	}
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, WAIT_MS));
	EXPECT_EQ(EPOLLIN, out.events);
	EXPECT_EQ(0, child_status(pid));
	close(ep);
}

TEST_F(q, fdinfo_shows_the_counts)
{
	char text[1024];

	ASSERT_EQ(0, raw_put(self->fd, "abc", 3, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "de", 2, 0, 0, 0));
	ASSERT_LT(0, read_fdinfo(self->fd, text, sizeof(text)));
	EXPECT_NE(NULL, strstr(text, "ipcq-type:\tqueue\n"));
	EXPECT_NE(NULL, strstr(text, "messages:\t2\n"));
	EXPECT_NE(NULL, strstr(text, "bytes:\t5\n"));
	EXPECT_NE(NULL, strstr(text, "capacity:\t4\n"));
	EXPECT_NE(NULL, strstr(text, "unfinished:\t2\n"));
	EXPECT_NE(NULL, strstr(text, "producers:\t1\n"));
	EXPECT_NE(NULL, strstr(text, "endpoint:\tproducer,consumer\n"));
}

/*
 * The memory of a message a get freed is kept for the next put of its
 * size (ipcq(4), Module parameters): the next message shows only its own
 * bytes, whether got, peeked or refused to a buffer too small, and the
 * queue never keeps more than 4096 bytes of such memory. Two cases: 64
 * then 57 bytes (one allocation, header and data), 1000 then 990 bytes
 * (the data apart). Priority 1 keeps the messages in the kernel on a
 * ring queue too.
 */
TEST_F(q, freed_message_memory_is_reused_without_old_bytes)
{
	static const size_t sizes[][2] = { { 64, 57 }, { 1000, 990 } };
	static const size_t mixed[] = { 0, 8, 64, 100, 300, 1000, 1024, 1100 };
	char old[1100], want[1000], buf[1100], got[1200];
	uint64_t len;
	uint32_t prio;
	size_t c, i, n;
	int k;

	EXPECT_EQ(0, fdinfo_value(self->fd, "msg_cache_bytes"));
	memset(old, 0xaa, sizeof(old));
	memset(want, 0x55, sizeof(want));
	for (c = 0; c < ARRAY_SIZE(sizes); c++) {
		size_t first = sizes[c][0], second = sizes[c][1];

		ASSERT_EQ(0, raw_put(self->fd, old, first, 1, 0, 0));
		len = sizeof(buf);
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
		ASSERT_EQ(first, len);
		/* Its memory is kept: some bytes, within the bound. */
		EXPECT_LT(0, fdinfo_value(self->fd, "msg_cache_bytes"));
		EXPECT_GE(4096, fdinfo_value(self->fd, "msg_cache_bytes"));

		/* The second size takes the same memory as the first. */
		ASSERT_EQ(0, raw_put(self->fd, want, second, 1, 0, 0));
		EXPECT_EQ(0, fdinfo_value(self->fd, "msg_cache_bytes"));
		/* A buffer too small: EMSGSIZE, the message stays whole. */
		len = 10;
		EXPECT_EQ(-EMSGSIZE, raw_get(self->fd, buf, &len, NULL, 0, 0));
		EXPECT_EQ(second, len);
		/* Peeked, then got: its own bytes, nothing past them. */
		for (k = 0; k < 2; k++) {
			memset(buf, 0x11, sizeof(buf));
			len = sizeof(buf);
			ASSERT_EQ(0, raw_get(self->fd, buf, &len, &prio,
					     k ? 0 : IPCQ_MSG_PEEK, 0));
			ASSERT_EQ(second, len);
			EXPECT_EQ(1, prio);
			EXPECT_EQ(0, memcmp(buf, want, second));
			for (i = second; i < sizeof(buf); i++)
				ASSERT_EQ(0x11, (unsigned char)buf[i]);
		}
	}

	/* Streams of mixed sizes, a full queue each time: within the bound. */
	for (c = 0; c < 200; c++) {
		n = mixed[c % ARRAY_SIZE(mixed)];
		memset(old, c & 0xff, sizeof(old));
		for (k = 0; k < 4; k++)
			ASSERT_EQ(0, raw_put(self->fd, old, n, k & 1, 0, 0));
		for (k = 0; k < 4; k++) {
			memset(got, ~c & 0xff, sizeof(got));
			len = sizeof(got);
			ASSERT_EQ(0, raw_get(self->fd, got, &len, NULL, 0, 0));
			ASSERT_EQ(n, len);
			for (i = 0; i < sizeof(got); i++)
				ASSERT_EQ(i < n ? (char)c : (char)~c, got[i]);
		}
		ASSERT_GE(4096, fdinfo_value(self->fd, "msg_cache_bytes"));
	}
}

struct stalled_get {
	int fd;
	void *buf;
	int ret;
	uint64_t len;
};

static void *stalled_get_thread(void *arg)
{
	struct stalled_get *sg = arg;

	sg->len = 4096;
	sg->ret = raw_get(sg->fd, sg->buf, &sg->len, NULL, 0,
			  IPCQ_DEADLINE_FOREVER);
	return NULL;
}

/*
 * A getter whose buffer faults (here: a userfaultfd page nobody serves
 * yet) must stall only itself: no queue lock is held across user memory.
 */
/*
 * A userfaultfd whose page at *@page nobody serves yet: a get into it
 * stalls until the page is served (UFFDIO_COPY) or unmapped and the
 * userfaultfd closed (then the get's copy-out fails). -1: unavailable.
 */
static int uffd_stall_page(void **page)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd < 0)
		return -1;
	*page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (uintptr_t)*page;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (*page == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api) ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		close(uffd);
		return -1;
	}
	return uffd;
}

/*
 * A getter whose buffer faults (here: a userfaultfd page nobody serves
 * yet) must stall only itself: no queue lock is held across user memory.
 */
TEST_F(q, getter_stalled_in_page_fault_blocks_nobody)
{
	struct uffdio_copy copy = { 0 };
	struct ipcq_queue_stat st;
	struct stalled_get sg = { .fd = self->fd };
	static char src[4096];
	pthread_t thread;
	char buf[8];
	uint64_t len = sizeof(buf);
	int uffd;

	uffd = uffd_stall_page(&sg.buf);
	if (uffd < 0)
		SKIP(return, "userfaultfd unavailable: %s", strerror(errno));

	ASSERT_EQ(0, raw_put(self->fd, "first", 5, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "second", 6, 0, 0, 0));
	ASSERT_EQ(0, pthread_create(&thread, NULL, stalled_get_thread, &sg));
	/* The stalled getter took "first" out; it is in flight. */
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.messages == 1,
			     WAIT_MS));
	/* Everyone else carries on. */
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(6, len);
	ASSERT_EQ(0, raw_put(self->fd, "third", 5, 0, 0, 0));

	/* Serve the fault: the stalled get completes with "first". */
	copy.dst = (uintptr_t)sg.buf;
	copy.src = (uintptr_t)src;
	copy.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, sg.ret);
	EXPECT_EQ(5, sg.len);
	EXPECT_EQ(0, memcmp(sg.buf, "first", 5));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(0, memcmp(buf, "third", 5));
	munmap(sg.buf, 4096);
	close(uffd);
}

/*
 * A message whose copy-out failed goes back to its place, kept by
 * priority and arrival, even when other getters changed its priority's
 * list meanwhile: emptied it (its list's node is gone, and the cached
 * spare taken by a put of another priority: the give-back makes a new
 * one), or left later messages in it (it goes back in front of them).
 * The get stalls on a userfaultfd page that is then unmapped, so its
 * copy-out fails after the others moved.
 */
TEST_F(q, failed_get_returns_to_its_place_whatever_moved_meanwhile)
{
	static const struct {
		const char *put[3];	/* the first is the stalled get's */
		uint32_t prio[3];
		const char *extra;	/* put at priority 7 meanwhile */
		const char *after[3];	/* what gets take afterwards */
	} cases[] = {
		{ { "m1", "m2", "lo" }, { 5, 5, 0 }, "x7", { "x7", "m1", "lo" } },
		{ { "a1", "a2", "a3" }, { 2, 2, 2 }, NULL, { "a1", "a3", NULL } },
	};
	struct stalled_get sg = { .fd = self->fd };
	struct ipcq_queue_stat st;
	unsigned int c, i;
	pthread_t thread;
	uint64_t len;
	uint32_t prio;
	char buf[8];
	int uffd;

	for (c = 0; c < 2; c++) {
		uffd = uffd_stall_page(&sg.buf);
		if (uffd < 0)
			SKIP(return, "userfaultfd unavailable: %s",
			     strerror(errno));
		for (i = 0; i < 3; i++)
			ASSERT_EQ(0, raw_put(self->fd, cases[c].put[i], 2,
					     cases[c].prio[i], 0, 0));
		ASSERT_EQ(0, pthread_create(&thread, NULL, stalled_get_thread,
					    &sg));
		ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 &&
				     st.messages == 2, WAIT_MS));
		/* Another getter takes the second message meanwhile. */
		len = sizeof(buf);
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
		EXPECT_EQ(0, memcmp(buf, cases[c].put[1], 2));
		if (cases[c].extra)
			ASSERT_EQ(0, raw_put(self->fd, cases[c].extra, 2, 7, 0,
					     0));
		/* The stalled get's page goes away: its copy-out fails. */
		ASSERT_EQ(0, munmap(sg.buf, 4096));
		close(uffd);
		ASSERT_EQ(0, pthread_join(thread, NULL));
		EXPECT_EQ(-EFAULT, sg.ret);
		for (i = 0; i < 3 && cases[c].after[i]; i++) {
			len = sizeof(buf);
			ASSERT_EQ(0, raw_get(self->fd, buf, &len, &prio,
					     IPCQ_MSG_NONBLOCK, 0));
			EXPECT_EQ(0, memcmp(buf, cases[c].after[i], 2))
				TH_LOG("case %u, get %u", c, i);
		}
		len = sizeof(buf);
		EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
					   IPCQ_MSG_NONBLOCK, 0));
	}
}

TEST_HARNESS_MAIN
