// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands (IPCQ_FEATURE_URING): each command's success and
 * error paths as the ioctl has them, commands parked where a thread would
 * sleep and completed later, in the order they were parked, deadlines,
 * cancels, rings closed and processes dying with commands parked, poll
 * readiness through io_uring, and libipcdev's helpers and probe.
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define BOTH (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER)
#define NPARK 64

/* The ring's next SQE; the tests never fill more than the ring holds. */
static struct io_uring_sqe *sqe_of(struct io_uring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);

	if (!sqe)
		abort();
	return sqe;
}

/*
 * Submits what is prepared: true if all @n went in. With SQPOLL,
 * io_uring_submit() answers how many its thread has not consumed yet,
 * anything from 0 up.
 */
static bool submitted(struct io_uring *r, int n)
{
	int ret = io_uring_submit(r);

	return r->flags & IORING_SETUP_SQPOLL ? ret >= 0 : ret == n;
}

/* Fills @sqe with a raw ipcq command, all fields as given. */
static void prep_raw(struct io_uring_sqe *sqe, int fd, uint32_t cmd_op,
		     uint64_t arg, uint32_t flags, uint32_t pad,
		     uint64_t user_data)
{
	struct ipcq_uring_cmd cmd = { .arg = arg, .flags = flags, .pad = pad };

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = user_data;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
}

/* Submits one raw command and returns its completion's res. */
static int run_raw(struct io_uring *r, int fd, uint32_t cmd_op, uint64_t arg,
		   uint32_t flags, uint32_t pad)
{
	struct io_uring_cqe *cqe;
	int res;

	prep_raw(sqe_of(r), fd, cmd_op, arg, flags, pad, 7);
	if (!submitted(r, 1))
		return -1000;
	if (io_uring_wait_cqe(r, &cqe))
		return -1001;
	res = cqe->res;
	io_uring_cqe_seen(r, cqe);
	return res;
}

/*
 * Waits up to @ms for a completion: its res, with *@user_data set, or
 * -1000 if none came (a parked command that should have completed).
 */
static int next_cqe(struct io_uring *r, uint64_t *user_data, unsigned int ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * NSEC_PER_MSEC,
	};
	struct io_uring_cqe *cqe;
	int res;

	do
		res = io_uring_wait_cqe_timeout(r, &cqe, &ts);
	while (res == -EINTR);	/* stopped and continued, say */
	if (res)
		return -1000;
	res = cqe->res;
	if (user_data)
		*user_data = cqe->user_data;
	io_uring_cqe_seen(r, cqe);
	return res;
}

/* True when no completion arrives within @ms: the commands stay parked. */
static bool none_completes(struct io_uring *r, unsigned int ms)
{
	return next_cqe(r, NULL, ms) == -1000;
}

static int queue_new(int dev, uint32_t flags, uint64_t capacity)
{
	return raw_queue_open(dev, NULL, flags | IPCQ_OPEN_CLOEXEC, 0600,
			      capacity, 0);
}

static void sync_op_init(struct ipcq_sync_op *op, uint64_t deadline,
			 uint32_t flags, uint64_t count)
{
	memset(op, 0, sizeof(*op));
	op->deadline = deadline;
	op->flags = flags;
	op->count = count;
}

static uint32_t getters(int q)
{
	struct ipcq_queue_stat st;

	return raw_stat(q, &st) ? ~0U : st.getters;
}

static uint32_t sync_waiters(int s)
{
	struct ipcq_sync_stat st;

	memset(&st, 0, sizeof(st));
	return xioctl(s, IPCQ_IOC_SYNC_STAT, &st) ? ~0U : st.waiters;
}

FIXTURE(uring) {
	int dev;
	struct io_uring ring;
};

FIXTURE_VARIANT(uring) {
	uint32_t queue_flags;
	uint32_t setup_flags;	/* of the io_uring instance */
};

FIXTURE_VARIANT_ADD(uring, queue) {
	.queue_flags = 0,
};

FIXTURE_VARIANT_ADD(uring, ring_queue) {
	.queue_flags = IPCQ_OPEN_RING,
};

/* Submitted by io_uring's own thread, which then runs the task work. */
FIXTURE_VARIANT_ADD(uring, sqpoll) {
	.setup_flags = IORING_SETUP_SQPOLL,
};

/* Task work runs only when the submitter waits for completions. */
FIXTURE_VARIANT_ADD(uring, defer_taskrun) {
	.setup_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
};

FIXTURE_SETUP(uring)
{
	self->dev = dev_open();
	ASSERT_GE(self->dev, 0);
	ASSERT_EQ(ipcdev_uring_probe(), 0);
	ASSERT_EQ(io_uring_queue_init(256, &self->ring, variant->setup_flags),
		  0);
}

FIXTURE_TEARDOWN(uring)
{
	io_uring_queue_exit(&self->ring);
	close(self->dev);
}

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
	ASSERT_TRUE(wait_for(getters(q) == NPARK, 10000));

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

		ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), 0);
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

			ASSERT_EQ(next_cqe(&ring, &ud, 10000), 0);
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
	ASSERT_EQ(raw_stat(q, &st), 0);
	EXPECT_EQ(st.putters, 8);
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
			ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), 0);
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
		ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), -ETIMEDOUT);
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
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), -ETIMEDOUT);
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
	ASSERT_EQ(getters(q), 6);

	/* io_uring's own cancel cannot reach a driver's command. */
	sqe = sqe_of(&self->ring);
	io_uring_prep_cancel64(sqe, 10, 0);
	sqe->user_data = 99;
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), -ENOENT);
	ASSERT_EQ(ud, 99);
	ASSERT_EQ(getters(q), 6);

	/* The first match only. */
	ASSERT_EQ(ipcdev_uring_prep_cancel(sqe_of(&self->ring), q,
					   11, 0), 0);
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (n = 0; n < 2; n++) {
		res = next_cqe(&self->ring, &ud, 10000);
		EXPECT_EQ(res, ud == 11 ? -ECANCELED : 1);
	}
	EXPECT_EQ(getters(q), 5);
	/* Every match, through another object's fd. */
	int other = queue_new(self->dev, BOTH, 0);

	ASSERT_GE(other, 0);
	sqe = sqe_of(&self->ring);
	ASSERT_EQ(ipcdev_uring_prep_cancel(sqe, other, 12, IPCDEV_CANCEL_ALL),
		  0);
	sqe->user_data = 1000;
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (n = 0; n < 2; n++) {
		res = next_cqe(&self->ring, &ud, 10000);
		EXPECT_EQ(res, ud == 12 ? -ECANCELED : 1);
	}
	/* Another ring cannot cancel ours. */
	struct io_uring ring2;

	ASSERT_EQ(io_uring_queue_init(8, &ring2, 0), 0);
	ASSERT_EQ(run_raw(&ring2, q, IPCQ_URING_CANCEL, 0, IPCQ_CANCEL_ANY,
			  0), -ENOENT);
	io_uring_queue_exit(&ring2);
	EXPECT_EQ(getters(q), 4);
	/* ANY: the four left. */
	sqe = sqe_of(&self->ring);
	ASSERT_EQ(ipcdev_uring_prep_cancel(sqe, q, 0, IPCDEV_CANCEL_ANY), 0);
	sqe->user_data = 2000;
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (n = 0; n < 5; n++) {
		res = next_cqe(&self->ring, &ud, 10000);
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

/* Closing the ring with commands parked cancels them; no leak, no hang. */
TEST_F(uring, ring_closed_while_parked)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 1);
	int sem = raw_sync_open(self->dev, IPCQ_TYPE_SEM, 0, 0);
	int ev = raw_sync_open(self->dev, IPCQ_TYPE_EVENT, 0, 0);
	static struct ipcq_msg m[3];
	static struct ipcq_sync_op op[2];
	struct io_uring r;
	char buf[8];
	uint64_t len;
	int i;

	ASSERT_GE(q, 0);
	ASSERT_GE(sem, 0);
	ASSERT_GE(ev, 0);
	ASSERT_EQ(io_uring_queue_init(16, &r, 0), 0);
	for (i = 0; i < 2; i++) {
		msg_init(&m[i], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
		prep_raw(sqe_of(&r), q, IPCQ_IOC_QUEUE_GET,
			 (uintptr_t)&m[i], 0, 0, i);
	}
	sync_op_init(&op[0], IPCQ_DEADLINE_FOREVER, 0, 0);
	prep_raw(sqe_of(&r), sem, IPCQ_IOC_SEM_ACQUIRE,
		 (uintptr_t)&op[0], 0, 0, 5);
	sync_op_init(&op[1], IPCQ_DEADLINE_FOREVER, 0, 0);
	prep_raw(sqe_of(&r), ev, IPCQ_IOC_EVENT_WAIT,
		 (uintptr_t)&op[1], 0, 0, 6);
	ASSERT_TRUE(submitted(&r, 4));
	ASSERT_TRUE(wait_for(getters(q) == 2, 5000));
	ASSERT_EQ(sync_waiters(sem), 1);
	ASSERT_EQ(sync_waiters(ev), 1);
	io_uring_queue_exit(&r);
	/*
	 * A put at once wakes a parked get of the closed ring: it must take
	 * nothing (its completion would go nowhere). The teardown cancels
	 * them all (in the background).
	 */
	ASSERT_EQ(raw_put(q, "k", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_TRUE(wait_for(getters(q) == 0, 10000));
	ASSERT_TRUE(wait_for(sync_waiters(sem) == 0, 10000));
	ASSERT_TRUE(wait_for(sync_waiters(ev) == 0, 10000));
	len = sizeof(buf);
	ASSERT_EQ(raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0), 0);
	ASSERT_STREQ(buf, "k");
	close(ev);
	close(sem);
	close(q);
}

/*
 * A process exits, or is killed, with commands parked on objects others
 * share: it exits, its commands go, the objects stay whole.
 */
static void exit_with_parked(struct __test_metadata *_metadata, int dev,
			     uint32_t queue_flags, bool killed)
{
	int q = queue_new(dev, BOTH | queue_flags, 1);
	int sem = raw_sync_open(dev, IPCQ_TYPE_SEM, 0, 0);
	struct ipcq_queue_stat st;
	int ready[2];
	char c, buf[8];
	uint64_t len;
	pid_t pid;

	ASSERT_GE(q, 0);
	ASSERT_GE(sem, 0);
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(raw_put(q, "full", 5, 0, 0, IPCQ_DEADLINE_FOREVER), 0);	/* puts will park */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct ipcq_msg m[4];
		static struct ipcq_sync_op op;
		struct io_uring r;
		int i;

		if (io_uring_queue_init(16, &r, 0))
			_exit(1);
		for (i = 0; i < 4; i++) {
			msg_init(&m[i], "x", 2, IPCQ_DEADLINE_FOREVER, 0);
			prep_raw(sqe_of(&r), q, IPCQ_IOC_QUEUE_PUT,
				 (uintptr_t)&m[i], 0, 0, i);
		}
		sync_op_init(&op, IPCQ_DEADLINE_FOREVER, 0, 0);
		prep_raw(sqe_of(&r), sem, IPCQ_IOC_SEM_ACQUIRE,
			 (uintptr_t)&op, 0, 0, 9);
		if (io_uring_submit(&r) != 5)
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		if (killed)
			pause();
		_exit(0);	/* with the ring and its commands open */
	}
	close(ready[1]);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.putters == 4, 5000));
	if (killed) {
		ASSERT_EQ(kill(pid, SIGKILL), 0);
	}
	ASSERT_EQ(child_status(pid), killed ? 128 + SIGKILL : 0);
	ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.putters == 0, 10000));
	ASSERT_EQ(st.messages, 1);
	ASSERT_TRUE(wait_for(sync_waiters(sem) == 0, 10000));
	/* None of the dead process's puts landed; the queue works. */
	len = sizeof(buf);
	ASSERT_EQ(raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0), 0);
	ASSERT_STREQ(buf, "full");
	len = sizeof(buf);
	ASSERT_EQ(raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0), -EAGAIN);
	close(sem);
	close(q);
}

TEST_F(uring, process_exits_with_parked)
{
	exit_with_parked(_metadata, self->dev, variant->queue_flags, false);
}

TEST_F(uring, process_killed_with_parked)
{
	exit_with_parked(_metadata, self->dev, variant->queue_flags, true);
}

/* End-of-file, shutdown and a consumer's loss reach parked commands. */
TEST_F(uring, endpoint_loss_and_shutdown)
{
	int q = queue_new(self->dev, IPCQ_OPEN_CONSUMER | variant->queue_flags,
			  1);
	struct ipcq_reopen prod_only = { .flags = IPCQ_OPEN_PRODUCER };
	struct ipcq_reopen cons_only = { .flags = IPCQ_OPEN_CONSUMER };
	struct ipcq_shutdown sd;
	static struct ipcq_msg m[3];
	char buf[8];
	uint64_t ud;
	int prod, cons, both;

	ASSERT_GE(q, 0);
	/* One producer file and one consumer file of a new queue. */
	both = queue_new(self->dev, BOTH | variant->queue_flags, 0);
	ASSERT_GE(both, 0);
	prod = xioctl(both, IPCQ_IOC_QUEUE_REOPEN, &prod_only);
	ASSERT_GE(prod, 0);
	cons = xioctl(both, IPCQ_IOC_QUEUE_REOPEN, &cons_only);
	ASSERT_GE(cons, 0);
	close(both);
	msg_init(&m[0], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), cons, IPCQ_IOC_QUEUE_GET,
		 (uintptr_t)&m[0], 0, 0, 1);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	close(prod);	/* the last producer: end-of-file */
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), IPCQ_GET_EOF);
	close(cons);

	/* Shutdown ends a parked get with ESHUTDOWN. */
	msg_init(&m[1], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET,
		 (uintptr_t)&m[1], 0, 0, 2);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	memset(&sd, 0, sizeof(sd));
	ASSERT_EQ(xioctl(q, IPCQ_IOC_QUEUE_SHUTDOWN, &sd), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), -ESHUTDOWN);
	close(q);

	/* The last consumer gone: a parked put fails with EPIPE. */
	q = queue_new(self->dev, BOTH | variant->queue_flags, 1);
	ASSERT_GE(q, 0);
	prod = xioctl(q, IPCQ_IOC_QUEUE_REOPEN, &prod_only);
	ASSERT_GE(prod, 0);
	ASSERT_EQ(raw_put(q, "a", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	msg_init(&m[2], "b", 2, IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), prod, IPCQ_IOC_QUEUE_PUT,
		 (uintptr_t)&m[2], 0, 0, 3);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	close(q);
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), -EPIPE);
	close(prod);
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
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_EQ(munmap(buf, page), 0);
	ASSERT_EQ(raw_put(q, "kept", 5, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), -EFAULT);
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
	/* Two units: the first two parked take them. */
	ASSERT_EQ(ipcdev_sem_release(s, 2), 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(next_cqe(r, &ud, 10000), 0);
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
		ASSERT_EQ(next_cqe(r, &ud, 10000), 0);
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

/*
 * Order is kept per task, not across them: a process stopped with a woken
 * acquire does not hold up another process's parked acquire.
 */
TEST(stopped_process_holds_up_no_other)
{
	int dev = dev_open();
	int sem = raw_sync_open(dev, IPCQ_TYPE_SEM, 0, 0);
	int ready[2], i;
	uint64_t ud;
	pid_t pid;

	ASSERT_GE(sem, 0);
	ASSERT_EQ(pipe(ready), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct ipcq_sync_op op;
		struct io_uring r;
		char c = 'r';

		if (io_uring_queue_init(4, &r, 0))
			_exit(1);
		sync_op_init(&op, IPCQ_DEADLINE_FOREVER, 0, 0);
		prep_raw(sqe_of(&r), sem, IPCQ_IOC_SEM_ACQUIRE, (uintptr_t)&op,
			 0, 0, 1);
		if (io_uring_submit(&r) != 1 || write(ready[1], &c, 1) != 1)
			_exit(2);
		_exit(next_cqe(&r, NULL, 20000) == 0 ? 0 : 3);
	}
	{
		static struct ipcq_sync_op op;
		struct io_uring r;
		int status;
		char c;

		ASSERT_EQ(read(ready[0], &c, 1), 1);
		ASSERT_TRUE(wait_for(sync_waiters(sem) == 1, 5000));
		ASSERT_EQ(io_uring_queue_init(4, &r, 0), 0);
		sync_op_init(&op, IPCQ_DEADLINE_FOREVER, 0, 0);
		prep_raw(sqe_of(&r), sem, IPCQ_IOC_SEM_ACQUIRE, (uintptr_t)&op,
			 0, 0, 2);
		ASSERT_TRUE(submitted(&r, 1));
		ASSERT_EQ(sync_waiters(sem), 2);
		/* The child's acquire, parked first, is woken while stopped. */
		ASSERT_EQ(kill(pid, SIGSTOP), 0);
		ASSERT_EQ(waitpid(pid, &status, WUNTRACED), pid);
		ASSERT_TRUE(WIFSTOPPED(status));
		struct ipcq_sync_op rel;

		sync_op_init(&rel, 0, 0, 2);
		ASSERT_EQ(xioctl(sem, IPCQ_IOC_SEM_RELEASE, &rel), 0);
		ASSERT_EQ(next_cqe(&r, &ud, 10000), 0);
		ASSERT_EQ(ud, 2);
		ASSERT_EQ(kill(pid, SIGCONT), 0);
		ASSERT_EQ(child_status(pid), 0);
		io_uring_queue_exit(&r);
	}
	for (i = 0; i < 2; i++)
		close(ready[i]);
	close(sem);
	close(dev);
}

/* Events wake every parked waiter; join waits for task_done. */
TEST_F(uring, event_and_join)
{
	static struct ipcdev_uring_op op[5];
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
	ASSERT_EQ(ipcdev_event_set(e), 0);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), 0);
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
	ASSERT_EQ(ipcdev_queue_task_done(q), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), 0);
	ASSERT_EQ(ud, 77);
	ASSERT_EQ(ipcdev_queue_close(q), 0);
}

/* Pipes: a parked recv gets the peer's send, then end-of-file. */
TEST_F(uring, pipe_send_recv)
{
	static struct ipcdev_uring_op op[3];
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
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000) & POLLIN, POLLIN);
	ASSERT_EQ(ud, 5);
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
	ASSERT_TRUE(wait_for(getters(q) == 8, 5000));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(raw_put(q, "w", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), 0);
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
		int res = next_cqe(&self->ring, &ud, 10000);

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
	ASSERT_EQ(next_cqe(&self->ring, &ud, 10000), -EAGAIN);
	/* A cancel count from a worker. */
	msg_init(&m[0], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m[0],
		 0, 0, 4);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(wait_for(getters(q) == 1, 5000));
	sqe = sqe_of(&self->ring);
	prep_raw(sqe, q, IPCQ_URING_CANCEL, 4, 0, 0, 5);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_TRUE(submitted(&self->ring, 1));
	for (i = 0; i < 2; i++) {
		int res = next_cqe(&self->ring, &ud, 10000);

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

/*
 * Exact accounting under churn: producers put numbered messages while
 * consumers keep gets in flight with short deadlines, cancel some, and
 * close their rings now and then with gets parked. Every message must
 * arrive exactly once: a get that times out or is cancelled takes none.
 */
#define CHURN_PRODUCERS	2
#define CHURN_CONSUMERS	3
#define CHURN_PER_PROD	2000
#define CHURN_INFLIGHT	8

static bool churn_armed(const bool *armed)
{
	int i;

	for (i = 0; i < CHURN_INFLIGHT; i++)
		if (armed[i])
			return true;
	return false;
}

static void churn_consumer(int q, _Atomic uint32_t *seen,
			   _Atomic uint32_t *received, _Atomic uint32_t *stop,
			   uint32_t total, unsigned int seed)
{
	static struct ipcq_msg m[CHURN_INFLIGHT];
	static uint32_t bufs[CHURN_INFLIGHT];
	bool up = false, armed[CHURN_INFLIGHT] = { false };
	struct io_uring r;
	int i;

	while (!atomic_load(stop)) {
		struct io_uring_cqe *cqe;
		struct __kernel_timespec ts = { .tv_nsec = 2 * NSEC_PER_MSEC };

		if (!up) {
			if (io_uring_queue_init(2 * CHURN_INFLIGHT, &r, 0))
				_exit(10);
			up = true;
			memset(armed, 0, sizeof(armed));
		}
		for (i = 0; i < CHURN_INFLIGHT; i++) {
			uint64_t deadline = rand_r(&seed) % 4 ?
				now_ns() + (1 + rand_r(&seed) % 5) *
				NSEC_PER_MSEC : IPCQ_DEADLINE_FOREVER;

			if (armed[i])
				continue;
			msg_init(&m[i], &bufs[i], sizeof(bufs[i]), deadline, 0);
			prep_raw(sqe_of(&r), q, IPCQ_IOC_QUEUE_GET,
				 (uintptr_t)&m[i], 0, 0, i);
			armed[i] = true;
		}
		if (rand_r(&seed) % 16 == 0)
			prep_raw(sqe_of(&r), q, IPCQ_URING_CANCEL,
				 rand_r(&seed) % CHURN_INFLIGHT,
				 rand_r(&seed) % 4 ? 0 : IPCQ_CANCEL_ANY, 0, 100);
		if (io_uring_submit(&r) < 0)
			_exit(11);
		while (io_uring_wait_cqe_timeout(&r, &cqe, &ts) == 0) {
			uint64_t ud = cqe->user_data;
			int res = cqe->res;

			io_uring_cqe_seen(&r, cqe);
			if (ud == 100)
				continue;	/* a cancel's own answer */
			armed[ud] = false;
			if (res == 0) {
				if (bufs[ud] >= total)
					_exit(12);
				atomic_fetch_add(&seen[bufs[ud]], 1);
				atomic_fetch_add(received, 1);
			} else if (res != -ETIMEDOUT && res != -ECANCELED) {
				_exit(13);
			}
			ts.tv_nsec = 0;
		}
		if (rand_r(&seed) % 32 == 0) {
			/*
			 * A new ring now and then, the old one closed after
			 * its gets are cancelled and reaped: a completion
			 * still unread when a ring closes is lost, whatever
			 * the command (ring_closed_while_parked checks that
			 * parked gets take nothing).
			 */
			prep_raw(sqe_of(&r), q, IPCQ_URING_CANCEL, 0,
				 IPCQ_CANCEL_ANY, 0, 100);
			if (io_uring_submit(&r) < 0)
				_exit(14);
			while (churn_armed(armed)) {
				uint64_t ud;
				int res;

				if (io_uring_wait_cqe(&r, &cqe))
					_exit(15);
				ud = cqe->user_data;
				res = cqe->res;
				io_uring_cqe_seen(&r, cqe);
				if (ud == 100)
					continue;
				armed[ud] = false;
				if (!res) {
					atomic_fetch_add(&seen[bufs[ud]], 1);
					atomic_fetch_add(received, 1);
				} else if (res != -ETIMEDOUT &&
					   res != -ECANCELED) {
					_exit(16);
				}
			}
			io_uring_queue_exit(&r);
			up = false;
		}
	}
	if (up)
		io_uring_queue_exit(&r);
	_exit(0);
}

FIXTURE(churn) {
	int unused;
};

FIXTURE_SETUP(churn)
{
}

FIXTURE_TEARDOWN(churn)
{
}

TEST_F_TIMEOUT(churn, loses_and_duplicates_nothing, 120)
{
	const uint32_t total = CHURN_PRODUCERS * CHURN_PER_PROD;
	int dev = dev_open();
	int q, i, kind;

	ASSERT_GE(dev, 0);
	for (kind = 0; kind < 2; kind++) {
		_Atomic uint32_t *seen = shared_page((total + 2) * 4);
		_Atomic uint32_t *received = &seen[total];
		_Atomic uint32_t *stop = &seen[total + 1];
		pid_t pids[CHURN_PRODUCERS + CHURN_CONSUMERS];
		struct ipcq_queue_stat st;

		ASSERT_NE(seen, NULL);
		q = queue_new(dev, BOTH | (kind ? IPCQ_OPEN_RING : 0), 8);
		ASSERT_GE(q, 0);
		for (i = 0; i < CHURN_PRODUCERS + CHURN_CONSUMERS; i++) {
			pids[i] = fork();
			ASSERT_GE(pids[i], 0);
			if (pids[i])
				continue;
			if (i >= CHURN_PRODUCERS)
				churn_consumer(q, seen, received, stop, total,
					       getpid());
			for (uint32_t k = 0; k < CHURN_PER_PROD; k++) {
				uint32_t id = i * CHURN_PER_PROD + k;

				if (raw_put(q, &id, sizeof(id), 0, 0,
					    now_ns() + 60 * NSEC_PER_SEC))
					_exit(20);
			}
			_exit(0);
		}
		for (i = 0; i < CHURN_PRODUCERS; i++)
			EXPECT_EQ(child_status(pids[i]), 0) TH_LOG("producer %d", i);
		/* Everything put is got, then the consumers stop. */
		EXPECT_TRUE(wait_for(atomic_load(received) == total, 20000))
			TH_LOG("received %u of %u", atomic_load(received), total);
		atomic_store(stop, 1);
		for (i = CHURN_PRODUCERS; i < CHURN_PRODUCERS + CHURN_CONSUMERS; i++)
			EXPECT_EQ(child_status(pids[i]), 0) TH_LOG("consumer %d", i);
		for (i = 0; i < (int)total; i++)
			ASSERT_EQ(atomic_load(&seen[i]), 1) TH_LOG("message %d", i);
		ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.getters == 0,
				     10000));
		EXPECT_EQ(st.messages, 0);
		EXPECT_EQ(st.putters, 0);
		close(q);
		munmap((void *)seen, (total + 2) * 4);
	}
	close(dev);
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
