// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands (IPCQ_FEATURE_URING): each command's success and
 * error paths as the ioctl has them, commands parked where a thread would
 * sleep and completed later, in the order they were parked, deadlines,
 * cancels, poll readiness through io_uring, and libipcdev's helpers and
 * probe. Rings closed, processes exiting, stopped or killed, and objects
 * lost with commands parked, and churn, are in uring_teardown_test.c.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "uring_fixture.h"

#define NPARK 64

/* The feature is announced, and put/get complete at once when they can. */
TEST_F(uring, put_get_inline)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	char out[64] = "hello uring", in[64];
	struct ipcq_msg put, get;

	ASSERT_GE(q, 0);
	ASSERT_EQ(ipcdev_has_feature(IPCQ_FEATURE_URING), 1);
	msg_init(&put, out, 12, IPCQ_DEADLINE_FOREVER, 0);
	put.priority = 0;
	ASSERT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&put, 0, 0), 0);
	memset(in, 0, sizeof(in));
	msg_init(&get, in, sizeof(in), IPCQ_DEADLINE_FOREVER, 0);
	ASSERT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET,
			  (uintptr_t)&get, 0, 0), 0);
	ASSERT_EQ(get.len, 12);
	ASSERT_STREQ(in, "hello uring");
	/* A priority travels as with the ioctl. */
	put.priority = 9;
	ASSERT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&put, 0, 0), 0);
	msg_init(&get, in, sizeof(in), IPCQ_DEADLINE_FOREVER, 0);
	ASSERT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET,
			  (uintptr_t)&get, 0, 0), 0);
	ASSERT_EQ(get.priority, 9);
	close(q);
}

/* Every error the ioctls give, the commands give, and their own. */
TEST_F(uring, errors)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 1);
	int prod = queue_new(self->dev, IPCQ_OPEN_PRODUCER, 0);
	int sem = raw_sync_open(self->dev, IPCQ_TYPE_SEM, 0, 0);
	int lock = raw_sync_open(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	struct ipcq_msg m;
	struct ipcq_sync_op op;
	char buf[64];
	int pfd[2];

	ASSERT_GE(q, 0);
	ASSERT_GE(prod, 0);
	ASSERT_GE(sem, 0);
	ASSERT_GE(lock, 0);
	/* Our own fields: pad, flags, op numbers. */
	msg_init(&m, buf, 1, IPCQ_DEADLINE_FOREVER, 0);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 1), -EINVAL);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 1, 0), -EINVAL);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_STAT,
			  (uintptr_t)buf, 0, 0), -EOPNOTSUPP);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_REOPEN,
			  (uintptr_t)buf, 0, 0), -EOPNOTSUPP);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_RING_ATTACH,
			  (uintptr_t)buf, 0, 0), -EOPNOTSUPP);
	EXPECT_EQ(run_raw(&self->ring, q, 0xdead, 0, 0, 0), -EOPNOTSUPP);
	sync_op_init(&op, IPCQ_DEADLINE_FOREVER, 0, 0);
	EXPECT_EQ(run_raw(&self->ring, lock, IPCQ_IOC_LOCK_ACQUIRE,
			  (uintptr_t)&op, 0, 0), -EOPNOTSUPP);
	/* Neither are the semaphore's SysV operations, nor wait-acquire. */
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_ACQUIRE_N,
			  (uintptr_t)&op, 0, 0), -EOPNOTSUPP);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_WAIT_ZERO,
			  (uintptr_t)&op, 0, 0), -EOPNOTSUPP);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_SET_VALUE,
			  (uintptr_t)&op, 0, 0), -EOPNOTSUPP);
	EXPECT_EQ(run_raw(&self->ring, self->dev, IPCQ_IOC_WAIT_ACQUIRE,
			  (uintptr_t)buf, 0, 0), -EOPNOTSUPP);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_URING_CANCEL, 1, 4, 0),
		  -EINVAL);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_URING_CANCEL, 12345, 0, 0),
		  -ENOENT);
	/* The device file and other files have no commands. */
	EXPECT_EQ(run_raw(&self->ring, self->dev, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), -EOPNOTSUPP);
	ASSERT_EQ(pipe(pfd), 0);
	EXPECT_EQ(run_raw(&self->ring, pfd[0], IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), -EOPNOTSUPP);
	close(pfd[0]);
	close(pfd[1]);

	/* The ioctls' own checks, unchanged. */
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT, 16, 0, 0),
		  -EFAULT);
	m.flags = 0x80;
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), -EINVAL);
	msg_init(&m, buf, 1, IPCQ_DEADLINE_FOREVER, 0);
	m.priority = IPCQ_PRIO_MAX + 1;
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), -EINVAL);
	msg_init(&m, buf, 1, IPCQ_DEADLINE_FOREVER, 0);
	EXPECT_EQ(run_raw(&self->ring, prod, IPCQ_IOC_QUEUE_GET,
			  (uintptr_t)&m, 0, 0), -EBADF);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_SEM_ACQUIRE,
			  (uintptr_t)&m, 0, 0), -ENOTTY);
	msg_init(&m, NULL, 1ULL << 40, IPCQ_DEADLINE_FOREVER, 0);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), -EMSGSIZE);
	msg_init(&m, NULL, 8, IPCQ_DEADLINE_FOREVER, 0);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), -EFAULT);
	/* Empty with NONBLOCK: EAGAIN, never parked. */
	msg_init(&m, buf, sizeof(buf), IPCQ_DEADLINE_FOREVER,
		 IPCQ_MSG_NONBLOCK);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET,
			  (uintptr_t)&m, 0, 0), -EAGAIN);
	/* A deadline already past: ETIMEDOUT, never parked. */
	msg_init(&m, buf, sizeof(buf), 1, 0);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET,
			  (uintptr_t)&m, 0, 0), -ETIMEDOUT);
	/* Too small a buffer: EMSGSIZE with the length, message kept. */
	msg_init(&m, "abcdef", 6, IPCQ_DEADLINE_FOREVER, 0);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), 0);
	msg_init(&m, buf, 2, IPCQ_DEADLINE_FOREVER, 0);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET,
			  (uintptr_t)&m, 0, 0), -EMSGSIZE);
	EXPECT_EQ(m.len, 6);
	/* Full (capacity 1) with NONBLOCK: EAGAIN. */
	msg_init(&m, "x", 1, IPCQ_DEADLINE_FOREVER, IPCQ_MSG_NONBLOCK);
	EXPECT_EQ(run_raw(&self->ring, q, IPCQ_IOC_QUEUE_PUT,
			  (uintptr_t)&m, 0, 0), -EAGAIN);
	/* Semaphores and events. */
	sync_op_init(&op, IPCQ_DEADLINE_FOREVER, IPCQ_SYNC_NONBLOCK, 0);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_ACQUIRE,
			  (uintptr_t)&op, 0, 0), -EAGAIN);
	sync_op_init(&op, 0, 0, 0);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_RELEASE,
			  (uintptr_t)&op, 0, 0), -EINVAL);
	sync_op_init(&op, 0, 0, IPCQ_SEM_VALUE_MAX);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_RELEASE,
			  (uintptr_t)&op, 0, 0), 0);
	sync_op_init(&op, 0, 0, 1);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_RELEASE,
			  (uintptr_t)&op, 0, 0), -EOVERFLOW);
	sync_op_init(&op, IPCQ_DEADLINE_FOREVER, 0, 0);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_EVENT_WAIT,
			  (uintptr_t)&op, 0, 0), -ENOTTY);
	sync_op_init(&op, 0, 0, 0);
	ASSERT_EQ(xioctl(sem, IPCQ_IOC_SYNC_DESTROY, &op), 0);
	sync_op_init(&op, IPCQ_DEADLINE_FOREVER, 0, 0);
	EXPECT_EQ(run_raw(&self->ring, sem, IPCQ_IOC_SEM_ACQUIRE,
			  (uintptr_t)&op, 0, 0), -EIDRM);
	close(lock);
	close(sem);
	close(prod);
	close(q);
}

/*
 * NPARK gets parked on an empty queue complete, one message each, in the
 * order they were parked, whoever puts and however fast.
 */
TEST_F(uring, parked_gets_in_order)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	static struct ipcq_msg m[NPARK];
	static char bufs[NPARK][16];
	uint64_t ud;
	int i, seen[NPARK] = { 0 };

	ASSERT_GE(q, 0);
	for (i = 0; i < NPARK; i++) {
		msg_init(&m[i], bufs[i], sizeof(bufs[i]),
			 IPCQ_DEADLINE_FOREVER, 0);
		prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET,
			 (uintptr_t)&m[i], 0, 0, i);
	}
	ASSERT_TRUE(submitted(&self->ring, NPARK));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	/* Parked commands are getters, as blocked threads are (SQPOLL's
	 * thread takes them in its own time).
	 */
	ASSERT_TRUE(wait_for(getters(q) == NPARK, WAIT_MS));

	/* A child puts them all at once, as fast as it can. */
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char msg[16];

		for (i = 0; i < NPARK; i++) {
			snprintf(msg, sizeof(msg), "m%d", i);
			if (raw_put(q, msg, strlen(msg) + 1, 0, 0, IPCQ_DEADLINE_FOREVER))
				_exit(1);
		}
		_exit(0);
	}
	ASSERT_EQ(child_status(pid), 0);
	for (i = 0; i < NPARK; i++) {
		char want[16];

		ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), 0);
		ASSERT_LT(ud, NPARK);
		seen[ud]++;
		snprintf(want, sizeof(want), "m%d", (int)ud);
		EXPECT_STREQ(bufs[ud], want);
		EXPECT_EQ(m[ud].len, strlen(want) + 1);
	}
	for (i = 0; i < NPARK; i++)
		EXPECT_EQ(seen[i], 1);
	EXPECT_EQ(getters(q), 0);
	close(q);
}

/*
 * A command that parks never wakes itself: in a child, one io_uring
 * command (@m, @op on @q) that must wait; the child says when its submit
 * has returned, then waits for the completion (0 and @want in @buf) and
 * exits 0. A command that woke itself would try again and park again in
 * its task's task work for good, and the submit would never return.
 */
static pid_t park_in_child(int q, uint32_t op, struct ipcq_msg *m,
			   const char *buf, const char *want,
			   uint32_t setup_flags, int *submitted_fd)
{
	int sync[2];
	pid_t pid;

	if (pipe(sync))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct io_uring r;

		close(sync[0]);
		if (io_uring_queue_init(4, &r, setup_flags))
			_exit(1);
		prep_raw(sqe_of(&r), q, op, (uintptr_t)m, 0, 0, 1);
		if (io_uring_submit(&r) != 1 || write(sync[1], "s", 1) != 1)
			_exit(2);
		if (next_cqe(&r, NULL, 3 * WAIT_MS) != 0)
			_exit(3);
		_exit(want && strcmp(buf, want) ? 4 : 0);
	}
	close(sync[1]);
	*submitted_fd = sync[0];
	return pid;
}

/* Whether @fd becomes readable within WAIT_MS. */
static bool readable_soon(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, WAIT_MS) == 1;
}

/* A get for type 5 parks beside a message of type 3, and waits. */
TEST_F(uring, parked_typed_get_beside_other_types_waits)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	static struct ipcq_msg m;
	static char buf[16];
	struct ipcq_queue_stat st;
	struct ipcq_msg put;
	int submitted_fd;
	pid_t pid;

	ASSERT_GE(q, 0);
	msg_init(&put, "three", 6, 0, 0);
	put.type = 3;
	ASSERT_EQ(0, xioctl(q, IPCQ_IOC_QUEUE_PUT, &put));
	msg_init(&m, buf, sizeof(buf), IPCQ_DEADLINE_FOREVER,
		 IPCQ_MSG_TYPE_EQ);
	m.type = 5;
	pid = park_in_child(q, IPCQ_IOC_QUEUE_GET, &m, buf, "five",
			    variant->setup_flags, &submitted_fd);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(readable_soon(submitted_fd));
	ASSERT_TRUE(wait_for(getters(q) == 1, WAIT_MS));
	msg_init(&put, "five", 5, 0, 0);
	put.type = 5;
	ASSERT_EQ(0, xioctl(q, IPCQ_IOC_QUEUE_PUT, &put));
	ASSERT_EQ(0, child_status(pid));
	ASSERT_EQ(0, raw_stat(q, &st));
	EXPECT_EQ(1, st.messages);	/* type 3's, untouched */
	close(submitted_fd);
	close(q);
}

/* A put waiting for the byte limit, with room by count, waits. */
TEST_F(uring, parked_put_waiting_for_bytes_waits)
{
	char name[64];
	struct ipcq_queue_stat st;
	static struct ipcq_msg m;
	char buf[8];
	uint64_t len;
	int q, submitted_fd;
	pid_t pid;

	/* A ring queue's limits are fixed (IPCQ_IOC_SET: EOPNOTSUPP). */
	if (variant->queue_flags & IPCQ_OPEN_RING)
		SKIP(return, "a ring queue's byte limit cannot be set");
	snprintf(name, sizeof(name), "uring-bytes-%d", getpid());
	q = raw_queue_open(self->dev, name, IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL |
			   BOTH | variant->queue_flags, 0600, 0, 0);
	ASSERT_GE(q, 0);
	ASSERT_EQ(0, raw_set_queue_limits(self->dev, name, 0, 6, 6));
	/* 5 bytes each (with the NUL): the second waits for the first. */
	ASSERT_EQ(0, raw_put(q, "four", 5, 0, 0, IPCQ_DEADLINE_FOREVER));
	msg_init(&m, "more", 5, IPCQ_DEADLINE_FOREVER, 0);
	pid = park_in_child(q, IPCQ_IOC_QUEUE_PUT, &m, NULL, NULL,
			    variant->setup_flags, &submitted_fd);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(readable_soon(submitted_fd));
	ASSERT_TRUE(wait_for(putters(q) == 1, WAIT_MS));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	ASSERT_STREQ("four", buf);
	ASSERT_EQ(0, child_status(pid));
	ASSERT_EQ(0, raw_stat(q, &st));
	EXPECT_EQ(1, st.messages);	/* the child's */
	EXPECT_EQ(0, raw_unlink(self->dev, name));
	close(submitted_fd);
	close(q);
}

/*
 * Gets that select by type (IPCQ_FEATURE_QUEUE_SYSV), parked by one task:
 * the same arguments as the ioctl, and each completes when its type
 * comes, the later one first if its type comes first; truncation too.
 */
TEST_F(uring, typed_gets_complete_as_their_types_come)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	static struct ipcq_msg m[3];
	static char bufs[3][16];
	struct ipcq_msg put;
	uint64_t ud;

	ASSERT_GE(q, 0);
	msg_init(&m[0], bufs[0], sizeof(bufs[0]), IPCQ_DEADLINE_FOREVER,
		 IPCQ_MSG_TYPE_EQ);
	m[0].type = 2;
	msg_init(&m[1], bufs[1], sizeof(bufs[1]), IPCQ_DEADLINE_FOREVER,
		 IPCQ_MSG_TYPE_EQ);
	m[1].type = 1;
	msg_init(&m[2], bufs[2], 2, IPCQ_DEADLINE_FOREVER,
		 IPCQ_MSG_TYPE_LE | IPCQ_MSG_TRUNCATE);
	m[2].type = 9;
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[0],
		 0, 0, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[1],
		 0, 0, 1);
	ASSERT_TRUE(submitted(&self->ring, 2));
	ASSERT_TRUE(wait_for(getters(q) == 2, WAIT_MS));
	msg_init(&put, "one", 4, 0, 0);
	put.type = 1;
	ASSERT_EQ(0, xioctl(q, IPCQ_IOC_QUEUE_PUT, &put));
	ASSERT_EQ(0, next_cqe(&self->ring, &ud, WAIT_MS));
	EXPECT_EQ(1, ud);
	EXPECT_STREQ("one", bufs[1]);
	EXPECT_EQ(1, m[1].type);
	EXPECT_TRUE(none_completes(&self->ring, 20));
	msg_init(&put, "two", 4, 0, 0);
	put.type = 2;
	ASSERT_EQ(0, xioctl(q, IPCQ_IOC_QUEUE_PUT, &put));
	ASSERT_EQ(0, next_cqe(&self->ring, &ud, WAIT_MS));
	EXPECT_EQ(0, ud);
	EXPECT_STREQ("two", bufs[0]);
	/* Truncating, lowest type first. */
	msg_init(&put, "seven", 6, 0, 0);
	put.type = 7;
	ASSERT_EQ(0, xioctl(q, IPCQ_IOC_QUEUE_PUT, &put));
	put.type = 3;
	ASSERT_EQ(0, xioctl(q, IPCQ_IOC_QUEUE_PUT, &put));
	ASSERT_EQ(0, run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET,
			     (uintptr_t)&m[2], 0, 0));
	EXPECT_EQ(6, m[2].len);
	EXPECT_EQ(3, m[2].type);
	EXPECT_EQ(0, memcmp(bufs[2], "se", 2));
	/* The same checks as the ioctl. */
	m[2].flags = IPCQ_MSG_TYPE_EQ | IPCQ_MSG_TYPE_NE;
	EXPECT_EQ(-EINVAL, run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET,
				   (uintptr_t)&m[2], 0, 0));
	close(q);
}

/*
 * A woken get that finds nothing keeps its place ahead of its task's later
 * gets, even when those were woken meanwhile. Here the messages that woke
 * them are taken by someone else first. Only on a DEFER_TASKRUN ring do
 * woken gets try when the test says (when it waits for completions), so
 * that the steal comes first every time; plain and ring queues.
 */
TEST(woken_get_that_finds_nothing_keeps_its_place)
{
	static struct ipcq_msg m[4];
	static char bufs[4][16];
	struct io_uring ring;
	char buf[16];
	uint64_t ud, len;
	int dev, q, i, round, kind;

	SKIP_WITHOUT_URING();
	dev = dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(io_uring_queue_init(64, &ring, IORING_SETUP_SINGLE_ISSUER |
				      IORING_SETUP_DEFER_TASKRUN), 0);
	for (kind = 0; kind < 2; kind++) {
		q = queue_new(dev, BOTH | (kind ? IPCQ_OPEN_RING : 0), 0);
		ASSERT_GE(q, 0);
		for (i = 0; i < 4; i++) {
			msg_init(&m[i], bufs[i], sizeof(bufs[i]),
				 IPCQ_DEADLINE_FOREVER, 0);
			prep_raw(sqe_of(&ring), q, IPCQ_IOC_QUEUE_GET,
				 (uintptr_t)&m[i], 0, 0, i);
		}
		ASSERT_TRUE(submitted(&ring, 4));
		ASSERT_EQ(getters(q), 4);
		for (round = 0; round < 3; round++) {
			/* Two wake-ups; both messages stolen before a try. */
			ASSERT_EQ(raw_put(q, "s1", 3, 0, 0,
					  IPCQ_DEADLINE_FOREVER), 0);
			ASSERT_EQ(raw_put(q, "s2", 3, 0, 0,
					  IPCQ_DEADLINE_FOREVER), 0);
			len = sizeof(buf);
			ASSERT_EQ(raw_get(q, buf, &len, NULL,
					  IPCQ_MSG_NONBLOCK, 0), 0);
			len = sizeof(buf);
			ASSERT_EQ(raw_get(q, buf, &len, NULL,
					  IPCQ_MSG_NONBLOCK, 0), 0);
			ASSERT_TRUE(none_completes(&ring, 20));
			ASSERT_EQ(getters(q), 4);
		}
		for (i = 0; i < 4; i++) {
			char want[16];

			snprintf(want, sizeof(want), "m%d", i);
			ASSERT_EQ(raw_put(q, want, strlen(want) + 1, 0, 0,
					  IPCQ_DEADLINE_FOREVER), 0);
		}
		for (i = 0; i < 4; i++) {
			char want[16];

			ASSERT_EQ(next_cqe(&ring, &ud, WAIT_MS), 0);
			ASSERT_LT(ud, 4);
			snprintf(want, sizeof(want), "m%d", (int)ud);
			EXPECT_STREQ(bufs[ud], want);
		}
		EXPECT_EQ(getters(q), 0);
		close(q);
	}
	io_uring_queue_exit(&ring);
	close(dev);
}

/* Puts parked on a full queue complete in order as room appears. */
TEST_F(uring, parked_puts_in_order)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 2);
	static struct ipcq_msg m[8];
	static char bufs[8][8];
	struct ipcq_queue_stat st;
	uint64_t ud, len;
	char got[8];
	int i;

	ASSERT_GE(q, 0);
	ASSERT_EQ(raw_put(q, "a", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_EQ(raw_put(q, "b", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	for (i = 0; i < 8; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "p%d", i);
		msg_init(&m[i], bufs[i], 3, IPCQ_DEADLINE_FOREVER, 0);
		prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_PUT,
			 (uintptr_t)&m[i], 0, 0, i);
	}
	ASSERT_TRUE(submitted(&self->ring, 8));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	/* All parked (SQPOLL's thread takes them in its own time). */
	ASSERT_TRUE(wait_for(putters(q) == 8, WAIT_MS));
	ASSERT_EQ(raw_stat(q, &st), 0);
	EXPECT_EQ(st.messages, 2);

	/* Each get makes room for the next parked put, in order. */
	for (i = 0; i < 10; i++) {
		char want[8];

		len = sizeof(got);
		ASSERT_EQ(raw_get(q, got, &len, NULL, 0, IPCQ_DEADLINE_FOREVER), 0);
		if (i < 2)
			snprintf(want, sizeof(want), "%c", 'a' + i);
		else
			snprintf(want, sizeof(want), "p%d", i - 2);
		ASSERT_STREQ(got, want);
		if (i < 8) {
			ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), 0);
			ASSERT_EQ(ud, i);
		}
	}
	ASSERT_EQ(raw_stat(q, &st), 0);
	EXPECT_EQ(st.putters, 0);
	EXPECT_EQ(st.messages, 0);
	close(q);
}

/* Deadlines end parked commands with ETIMEDOUT, and nothing else. */
TEST_F(uring, deadlines)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 1);
	int sem = raw_sync_open(self->dev, IPCQ_TYPE_SEM, 0, 0);
	struct ipcq_msg get, put;
	struct ipcq_sync_op op;
	char buf[8];
	uint64_t ud, start = now_ns();
	int i;

	ASSERT_GE(q, 0);
	ASSERT_GE(sem, 0);
	msg_init(&get, buf, sizeof(buf), start + 50 * NSEC_PER_MSEC, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET,
		 (uintptr_t)&get, 0, 0, 1);
	sync_op_init(&op, start + 80 * NSEC_PER_MSEC, 0, 0);
	prep_raw(sqe_of(&self->ring), sem, IPCQ_IOC_SEM_ACQUIRE,
		 (uintptr_t)&op, 0, 0, 2);
	ASSERT_TRUE(submitted(&self->ring, 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -ETIMEDOUT);
		ASSERT_TRUE(ud == 1 || ud == 2);
	}
	/* Not before its deadline. */
	ASSERT_GE(now_ns(), start + 80 * NSEC_PER_MSEC);
	EXPECT_EQ(getters(q), 0);
	EXPECT_EQ(sync_waiters(sem), 0);

	/* A put parked on a full queue times out too; the queue is intact. */
	ASSERT_EQ(raw_put(q, "a", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	msg_init(&put, "b", 2, now_ns() + 30 * NSEC_PER_MSEC, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_PUT,
		 (uintptr_t)&put, 0, 0, 3);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -ETIMEDOUT);
	uint64_t len = sizeof(buf);

	ASSERT_EQ(raw_get(q, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_STREQ(buf, "a");
	len = sizeof(buf);
	ASSERT_EQ(raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0), -EAGAIN);
	close(sem);
	close(q);
}

/* IPCQ_URING_CANCEL by user_data, ALL and ANY; nothing is consumed. */
TEST_F(uring, cancel)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	static struct ipcq_msg m[6];
	static char bufs[6][8];
	struct io_uring_sqe *sqe;
	uint64_t ud, len;
	char got[8];
	int i, res, n;

	ASSERT_GE(q, 0);
	for (i = 0; i < 6; i++) {
		msg_init(&m[i], bufs[i], sizeof(bufs[i]),
			 IPCQ_DEADLINE_FOREVER, 0);
		/* user_data 10, 11, 11, 12, 13, 14 */
		prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET,
			 (uintptr_t)&m[i], 0, 0, i == 2 ? 11 : 10 + i - (i > 2));
	}
	ASSERT_TRUE(submitted(&self->ring, 6));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_TRUE(wait_for(getters(q) == 6, WAIT_MS));

	/* io_uring's own cancel cannot reach a driver's command. */
	sqe = sqe_of(&self->ring);
	io_uring_prep_cancel64(sqe, 10, 0);
	sqe->user_data = 99;
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -ENOENT);
	ASSERT_EQ(ud, 99);
	ASSERT_EQ(getters(q), 6);

	/* The first match only. */
	ASSERT_EQ(ipcdev_uring_prep_cancel(sqe_of(&self->ring), q,
					   11, 0), 0);
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (n = 0; n < 2; n++) {
		res = next_cqe(&self->ring, &ud, WAIT_MS);
		EXPECT_EQ(res, ud == 11 ? -ECANCELED : 1);
	}
	EXPECT_EQ(getters(q), 5);
	/* Another object's fd reaches only that object's commands. */
	int other = queue_new(self->dev, BOTH, 0);

	ASSERT_GE(other, 0);
	sqe = sqe_of(&self->ring);
	ASSERT_EQ(ipcdev_uring_prep_cancel(sqe, other, 12, IPCDEV_CANCEL_ALL),
		  0);
	sqe->user_data = 1000;
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -ENOENT);
	ASSERT_EQ(ud, 1000);
	/* Every match. */
	sqe = sqe_of(&self->ring);
	ASSERT_EQ(ipcdev_uring_prep_cancel(sqe, q, 12, IPCDEV_CANCEL_ALL), 0);
	sqe->user_data = 1000;
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (n = 0; n < 2; n++) {
		res = next_cqe(&self->ring, &ud, WAIT_MS);
		EXPECT_EQ(res, ud == 12 ? -ECANCELED : 1);
	}
	/* Another process (its own task and ring) cannot cancel ours. */
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct io_uring ring2;

		if (io_uring_queue_init(8, &ring2, 0))
			_exit(1);
		_exit(run_raw(&ring2, q, IPCQ_URING_CANCEL, 0,
			      IPCQ_CANCEL_ANY, 0) == -ENOENT ? 0 : 2);
	}
	ASSERT_EQ(child_status(pid), 0);
	EXPECT_EQ(getters(q), 4);
	/* ANY: the four left. */
	sqe = sqe_of(&self->ring);
	ASSERT_EQ(ipcdev_uring_prep_cancel(sqe, q, 0, IPCDEV_CANCEL_ANY), 0);
	sqe->user_data = 2000;
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (n = 0; n < 5; n++) {
		res = next_cqe(&self->ring, &ud, WAIT_MS);
		EXPECT_EQ(res, ud == 2000 ? 4 : -ECANCELED);
	}
	EXPECT_EQ(getters(q), 0);
	/* A message put now stays for the next get: nothing took it. */
	ASSERT_EQ(raw_put(q, "z", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	len = sizeof(got);
	ASSERT_EQ(raw_get(q, got, &len, NULL, IPCQ_MSG_NONBLOCK, 0), 0);
	ASSERT_STREQ(got, "z");
	close(other);
	close(q);
}

/* A get whose buffer is gone when it completes: EFAULT, message kept. */
TEST_F(uring, fault_at_completion)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	long page = sysconf(_SC_PAGESIZE);
	struct ipcq_msg m;
	char *buf, got[16];
	uint64_t ud, len;

	ASSERT_GE(q, 0);
	buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(buf, MAP_FAILED);
	msg_init(&m, buf, 16, IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET,
		 (uintptr_t)&m, 0, 0, 1);
	ASSERT_TRUE(submitted(&self->ring, 1));
	/* Parked before the buffer goes, so it fails at completion. */
	ASSERT_TRUE(wait_for(getters(q) == 1, WAIT_MS));
	ASSERT_EQ(munmap(buf, page), 0);
	ASSERT_EQ(raw_put(q, "kept", 5, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -EFAULT);
	len = sizeof(got);
	ASSERT_EQ(raw_get(q, got, &len, NULL, IPCQ_MSG_NONBLOCK, 0), 0);
	ASSERT_STREQ(got, "kept");
	close(q);
}

/* Semaphores: parked acquires take released units; shared ones too. */
static void sem_parked(struct __test_metadata *_metadata, struct io_uring *r,
		       unsigned int flags)
{
	static struct ipcdev_uring_op op[3];
	ipcdev_sem *s;
	uint64_t ud;
	int i, done = 0;

	ASSERT_EQ(ipcdev_sem_create(&s, 0, flags), 0);
	for (i = 0; i < 3; i++) {
		struct io_uring_sqe *sqe = sqe_of(r);

		sqe->user_data = i;
		ASSERT_EQ(ipcdev_uring_prep_acquire(sqe, s, &op[i],
						    IPCDEV_FOREVER), 0);
		ASSERT_EQ(sqe->user_data, i);
	}
	ASSERT_TRUE(submitted(r, 3));
	ASSERT_TRUE(none_completes(r, 20));
	ASSERT_TRUE(wait_for(sync_waiters(ipcdev_sem_fd(s)) == 3, WAIT_MS));
	/* Two units: the first two parked take them. */
	ASSERT_EQ(ipcdev_sem_release(s, 2), 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(next_cqe(r, &ud, WAIT_MS), 0);
		EXPECT_LT(ud, 2);
		done |= 1 << ud;
	}
	EXPECT_EQ(done, 3);
	ASSERT_TRUE(none_completes(r, 20));
	EXPECT_EQ(ipcdev_sem_get_value(s), 0);
	/* A release through io_uring wakes the third. */
	struct io_uring_sqe *sqe = sqe_of(r);
	static struct ipcdev_uring_op rel;

	sqe->user_data = 50;
	ASSERT_EQ(ipcdev_uring_prep_release(sqe, s, &rel, 1), 0);
	ASSERT_TRUE(submitted(r, 1));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(next_cqe(r, &ud, WAIT_MS), 0);
		EXPECT_TRUE(ud == 2 || ud == 50);
	}
	EXPECT_EQ(ipcdev_sem_get_value(s), 0);
	ASSERT_EQ(ipcdev_sem_close(s), 0);
}

TEST_F(uring, semaphore)
{
	sem_parked(_metadata, &self->ring, 0);
}

TEST_F(uring, shared_semaphore)
{
	sem_parked(_metadata, &self->ring, IPCDEV_SEM_SHARED);
}

/* Events wake every parked waiter; join waits for task_done. */
TEST_F(uring, event_and_join)
{
	static struct ipcdev_uring_op op[5];
	struct ipcq_queue_stat st;
	ipcdev_event *e;
	ipcdev_queue *q;
	uint64_t ud;
	char buf[8];
	size_t len;
	int i;

	ASSERT_EQ(ipcdev_event_create(&e), 0);
	for (i = 0; i < 4; i++) {
		struct io_uring_sqe *sqe = sqe_of(&self->ring);

		sqe->user_data = i;
		ASSERT_EQ(ipcdev_uring_prep_wait(sqe, e, &op[i],
						 IPCDEV_FOREVER), 0);
	}
	ASSERT_TRUE(submitted(&self->ring, 4));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_TRUE(wait_for(sync_waiters(ipcdev_event_fd(e)) == 4, WAIT_MS));
	ASSERT_EQ(ipcdev_event_set(e), 0);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), 0);
	ASSERT_EQ(ipcdev_event_close(e), 0);

	ASSERT_EQ(ipcdev_joinablequeue_create(&q, 0), 0);
	ASSERT_EQ(ipcdev_queue_put(q, "t", 2, IPCDEV_FOREVER), 0);
	len = sizeof(buf);
	ASSERT_EQ(ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER), 0);
	struct io_uring_sqe *sqe = sqe_of(&self->ring);

	sqe->user_data = 77;
	ASSERT_EQ(ipcdev_uring_prep_join(sqe, q, &op[4], IPCDEV_FOREVER), 0);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_TRUE(wait_for(ipcdev_queue_stat(q, &st) == 0 && st.joiners == 1,
			     WAIT_MS));
	ASSERT_EQ(ipcdev_queue_task_done(q), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), 0);
	ASSERT_EQ(ud, 77);
	ASSERT_EQ(ipcdev_queue_close(q), 0);
}

/* Pipes: a parked recv gets the peer's send, then end-of-file. */
TEST_F(uring, pipe_send_recv)
{
	static struct ipcdev_uring_op op[3];
	struct ipcq_pipe_stat st;
	struct io_uring_cqe *cqe;
	ipcdev_pipe *a, *b;
	char buf[32];
	size_t len = 0;
	int i;

	ASSERT_EQ(ipcdev_pipe_create(&a, &b, 1, NULL), 0);
	ASSERT_EQ(ipcdev_uring_prep_recv(sqe_of(&self->ring), a,
					 &op[0], buf, sizeof(buf),
					 IPCDEV_FOREVER), 0);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_TRUE(wait_for(ipcdev_pipe_stat(a, &st) == 0 && st.receivers == 1,
			     WAIT_MS));
	ASSERT_EQ(ipcdev_uring_prep_send(sqe_of(&self->ring), b,
					 &op[1], "over the pipe", 14,
					 IPCDEV_FOREVER), 0);
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(io_uring_wait_cqe(&self->ring, &cqe), 0);
		ASSERT_EQ(ipcdev_uring_result(cqe, &op[0], &len, NULL), 0);
		io_uring_cqe_seen(&self->ring, cqe);
	}
	ASSERT_EQ(len, 14);
	ASSERT_STREQ(buf, "over the pipe");
	ASSERT_EQ(ipcdev_uring_prep_recv(sqe_of(&self->ring), a,
					 &op[2], buf, sizeof(buf),
					 IPCDEV_FOREVER), 0);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_TRUE(wait_for(ipcdev_pipe_stat(a, &st) == 0 && st.receivers == 1,
			     WAIT_MS));
	ASSERT_EQ(ipcdev_pipe_close(b), 0);
	ASSERT_EQ(io_uring_wait_cqe(&self->ring, &cqe), 0);
	ASSERT_EQ(ipcdev_uring_result(cqe, &op[2], &len, NULL), IPCDEV_EOF);
	io_uring_cqe_seen(&self->ring, cqe);
	ASSERT_EQ(ipcdev_pipe_close(a), 0);
}

/* Readiness through io_uring's own poll, unchanged. */
TEST_F(uring, poll_add)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	struct io_uring_sqe *sqe;
	uint64_t ud;

	ASSERT_GE(q, 0);
	sqe = sqe_of(&self->ring);
	io_uring_prep_poll_add(sqe, q, POLLIN);
	sqe->user_data = 5;
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_EQ(raw_put(q, "p", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS) & POLLIN, POLLIN);
	ASSERT_EQ(ud, 5);
	close(q);
}

/*
 * A thread blocked in a get, a parked get and a poll on one queue: a put
 * wakes the thread, not the parked get (ipcq(4): the longest blocked
 * thread before any parked command), and completes the poll; the next put
 * goes to the parked get. Each gets one message, none is lost.
 */
TEST_F(uring, blocked_thread_is_woken_before_a_parked_get)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	struct io_uring_sqe *sqe;
	struct ipcq_msg m;
	char buf[8] = { 0 };
	int status;
	uint64_t ud = 0;
	pid_t pid;

	ASSERT_GE(q, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char cbuf[8];
		uint64_t len = sizeof(cbuf);

		if (raw_get(q, cbuf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER) ||
		    len != 2)
			_exit(100);
		_exit(cbuf[0]);
	}
	ASSERT_TRUE(wait_for(getters(q) == 1, WAIT_MS));
	/* The poll first: armed once the get after it is parked. */
	sqe = sqe_of(&self->ring);
	io_uring_prep_poll_add(sqe, q, POLLIN);
	sqe->user_data = 5;
	msg_init(&m, buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m,
		 0, 0, 7);
	ASSERT_TRUE(submitted(&self->ring, 2));
	ASSERT_TRUE(wait_for(getters(q) == 2, WAIT_MS));
	ASSERT_TRUE(none_completes(&self->ring, 20));

	ASSERT_EQ(raw_put(q, "a", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS) & POLLIN, POLLIN);
	ASSERT_EQ(ud, 5);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 'a');
	ASSERT_TRUE(none_completes(&self->ring, 20));
	EXPECT_EQ(getters(q), 1);

	ASSERT_EQ(raw_put(q, "b", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), 0);
	ASSERT_EQ(ud, 7);
	EXPECT_EQ(m.len, 2);
	EXPECT_STREQ(buf, "b");
	EXPECT_EQ(getters(q), 0);
	close(q);
}

/*
 * Forced to io_uring's worker (IOSQE_ASYNC), a command still parks and
 * does not hold the worker.
 */
TEST_F(uring, forced_async)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	static struct ipcq_msg m[8];
	static char bufs[8][8];
	struct io_uring_sqe *sqe;
	uint64_t ud;
	int i;

	ASSERT_GE(q, 0);
	for (i = 0; i < 8; i++) {
		msg_init(&m[i], bufs[i], sizeof(bufs[i]),
			 IPCQ_DEADLINE_FOREVER, 0);
		sqe = sqe_of(&self->ring);
		prep_raw(sqe, q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[i], 0, 0,
			 i);
		sqe->flags |= IOSQE_ASYNC;
	}
	ASSERT_TRUE(submitted(&self->ring, 8));
	ASSERT_TRUE(wait_for(getters(q) == 8, WAIT_MS));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(raw_put(q, "w", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), 0);
	close(q);
}

/*
 * Answers given at once from io_uring's worker (IOSQE_ASYNC): a positive
 * one (end-of-file, a cancel count) and EAGAIN complete like any other.
 * (6.1 loses a positive return from a worker: the ring then never
 * closes and the module cannot unload, which the runner checks.)
 */
TEST_F(uring, immediate_answers_from_worker)
{
	struct ipcq_reopen cons_only = { .flags = IPCQ_OPEN_CONSUMER };
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	struct io_uring_sqe *sqe;
	static struct ipcq_msg m[3];
	static char buf[8];
	static uint64_t ud;
	int cons, i;

	ASSERT_GE(q, 0);
	cons = xioctl(q, IPCQ_IOC_QUEUE_REOPEN, &cons_only);
	ASSERT_GE(cons, 0);
	close(q);	/* the last producer: end-of-file for cons */
	msg_init(&m[0], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	sqe = sqe_of(&self->ring);
	prep_raw(sqe, cons, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[0], 0, 0, 1);
	sqe->flags |= IOSQE_ASYNC;
	msg_init(&m[1], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER,
		 IPCQ_MSG_NONBLOCK);
	sqe = sqe_of(&self->ring);
	prep_raw(sqe, cons, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[1], 0, 0, 2);
	ASSERT_TRUE(submitted(&self->ring, 2));
	for (i = 0; i < 2; i++) {
		int res = next_cqe(&self->ring, &ud, WAIT_MS);

		ASSERT_EQ(res, IPCQ_GET_EOF) TH_LOG("user_data %llu",
						    (unsigned long long)ud);
	}
	close(cons);

	q = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	ASSERT_GE(q, 0);
	msg_init(&m[2], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER,
		 IPCQ_MSG_NONBLOCK);
	sqe = sqe_of(&self->ring);
	prep_raw(sqe, q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[2], 0, 0, 3);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -EAGAIN);
	/* A cancel count from a worker. */
	msg_init(&m[0], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[0],
		 0, 0, 4);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(wait_for(getters(q) == 1, WAIT_MS));
	sqe = sqe_of(&self->ring);
	prep_raw(sqe, q, IPCQ_URING_CANCEL, 4, 0, 0, 5);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (i = 0; i < 2; i++) {
		int res = next_cqe(&self->ring, &ud, WAIT_MS);

		ASSERT_EQ(res, ud == 5 ? 1 : -ECANCELED);
	}
	close(q);
}

/*
 * One ring serves many queues: a child streams numbered messages into
 * each; the parent keeps one get parked per queue and resubmits it on
 * every completion. Nothing is lost, duplicated or reordered.
 */
#define NQ 32
#define PERQ 200
TEST_F(uring, many_queues_one_ring)
{
	static struct ipcdev_uring_op op[NQ];
	static uint32_t bufs[NQ];
	ipcdev_queue *q[NQ];
	uint32_t next[NQ] = { 0 };
	struct io_uring_cqe *cqe;
	int i, left = NQ * PERQ;
	pid_t pid;

	for (i = 0; i < NQ; i++) {
		int ret = variant->queue_flags & IPCQ_OPEN_RING ?
			  ipcdev_queue_create_ring(&q[i], 8, 0) :
			  ipcdev_queue_create(&q[i], 8);

		ASSERT_EQ(ret, 0);
	}
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint32_t n;
		int j;

		for (n = 0; n < PERQ; n++)
			for (j = 0; j < NQ; j++)
				if (ipcdev_queue_put(q[(j + n) % NQ], &n,
						     sizeof(n), 30 * NSEC_PER_SEC))
					_exit(1);	/* not left behind */
		_exit(0);
	}
	for (i = 0; i < NQ; i++) {
		struct io_uring_sqe *sqe = sqe_of(&self->ring);

		sqe->user_data = i;
		ASSERT_EQ(ipcdev_uring_prep_get(sqe, q[i], &op[i], &bufs[i],
						sizeof(bufs[i]),
						IPCDEV_FOREVER), 0);
	}
	ASSERT_TRUE(submitted(&self->ring, NQ));
	while (left) {
		size_t len = 0;

		ASSERT_EQ(io_uring_wait_cqe(&self->ring, &cqe), 0);
		i = cqe->user_data;
		ASSERT_EQ(ipcdev_uring_result(cqe, &op[i], &len, NULL), 0);
		io_uring_cqe_seen(&self->ring, cqe);
		ASSERT_EQ(len, sizeof(uint32_t));
		ASSERT_EQ(bufs[i], next[i]);
		next[i]++;
		left--;
		if (next[i] < PERQ) {
			struct io_uring_sqe *sqe =
				sqe_of(&self->ring);

			sqe->user_data = i;
			ASSERT_EQ(ipcdev_uring_prep_get(sqe, q[i], &op[i],
							&bufs[i],
							sizeof(bufs[i]),
							IPCDEV_FOREVER), 0);
			ASSERT_TRUE(submitted(&self->ring, 1));
		}
	}
	ASSERT_EQ(child_status(pid), 0);
	for (i = 0; i < NQ; i++)
		ASSERT_EQ(ipcdev_queue_close(q[i]), 0);
}

/*
 * The probe says so when io_uring is forbidden (seccomp), and the
 * blocking API does not care.
 */
TEST(probe_when_forbidden)
{
	ipcdev_queue *q;
	char buf[8];
	size_t len = sizeof(buf);
	pid_t pid;

	SKIP_WITHOUT_URING();
	ASSERT_EQ(ipcdev_uring_probe(), 0);
	ASSERT_EQ(ipcdev_queue_create(&q, 0), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (forbid_syscall(__NR_io_uring_setup, EPERM))
			_exit(1);
		if (ipcdev_uring_probe() != -EPERM)
			_exit(2);
		if (ipcdev_queue_put(q, "b", 2, IPCDEV_FOREVER))
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(child_status(pid), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (forbid_syscall(__NR_io_uring_setup, ENOSYS))
			_exit(1);
		_exit(ipcdev_uring_probe() == -ENOSYS ? 0 : 2);
	}
	ASSERT_EQ(child_status(pid), 0);
	ASSERT_EQ(ipcdev_queue_get(q, buf, &len, IPCDEV_NOWAIT), 0);
	ASSERT_STREQ(buf, "b");
	ASSERT_EQ(ipcdev_queue_close(q), 0);
}

/* In 128-byte SQEs the command's other 64 bytes are reserved. */
TEST(sqe128_reserved_bytes_must_be_zero)
{
	int dev = dev_open();
	int q = queue_new(dev, BOTH, 0);
	struct io_uring r;
	struct ipcq_msg m;
	char buf[8];
	int i;

	SKIP_WITHOUT_URING();
	ASSERT_GE(q, 0);
	ASSERT_EQ(io_uring_queue_init(4, &r, IORING_SETUP_SQE128), 0);
	for (i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = sqe_of(&r);
		struct io_uring_cqe *cqe;

		msg_init(&m, "x", 2, IPCQ_DEADLINE_FOREVER, 0);
		prep_raw(sqe, q, IPCQ_IOC_QUEUE_PUT, (uintptr_t)&m, 0, 0, i);
		memset(sqe->cmd + sizeof(struct ipcq_uring_cmd), 0,
		       80 - sizeof(struct ipcq_uring_cmd));
		if (i == 0)
			sqe->cmd[79] = 1;
		ASSERT_TRUE(submitted(&r, 1));
		ASSERT_EQ(io_uring_wait_cqe(&r, &cqe), 0);
		EXPECT_EQ(cqe->res, i == 0 ? -EINVAL : 0);
		io_uring_cqe_seen(&r, cqe);
	}
	io_uring_queue_exit(&r);
	{
		uint64_t len = sizeof(buf);

		/* Only the second put went in. */
		ASSERT_EQ(raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0), 0);
		len = sizeof(buf);
		ASSERT_EQ(raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0),
			  -EAGAIN);
	}
	close(q);
	close(dev);
}

/* The helpers check what they are given. */
TEST(helpers_reject_bad_arguments)
{
	struct io_uring_sqe sqe;
	struct ipcdev_uring_op op;
	ipcdev_sem *s;
	ipcdev_event *e;

	EXPECT_EQ(ipcdev_uring_prep_put(&sqe, NULL, &op, "a", 1, 0), -EINVAL);
	EXPECT_EQ(ipcdev_uring_prep_get(NULL, NULL, &op, NULL, 0, 0), -EINVAL);
	EXPECT_EQ(ipcdev_uring_prep_cancel(&sqe, 3, 0, 0x10), -EINVAL);
	EXPECT_EQ(ipcdev_uring_prep_cancel(&sqe, -1, 0, 0), -EBADF);
	EXPECT_EQ(ipcdev_uring_result(NULL, &op, NULL, NULL), -EINVAL);
	ASSERT_EQ(ipcdev_sem_create(&s, 0, 0), 0);
	ASSERT_EQ(ipcdev_event_create(&e), 0);
	/* An event is no semaphore. */
	EXPECT_EQ(ipcdev_uring_prep_acquire(&sqe, (ipcdev_sem *)e, &op, 0),
		  -EINVAL);
	EXPECT_EQ(ipcdev_uring_prep_wait(&sqe, (ipcdev_event *)s, &op, 0),
		  -EINVAL);
	EXPECT_EQ(ipcdev_uring_prep_acquire(&sqe, s, NULL, 0), -EINVAL);
	ASSERT_EQ(ipcdev_sem_close(s), 0);
	ASSERT_EQ(ipcdev_event_close(e), 0);
}

TEST_HARNESS_MAIN
