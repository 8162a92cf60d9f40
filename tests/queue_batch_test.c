// SPDX-License-Identifier: GPL-2.0
/*
 * Batches (IPCQ_FEATURE_BATCH): IPCQ_IOC_QUEUE_PUT_MANY, _GET_MANY and the
 * pipe's SEND_MANY, RECV_MANY, through the ioctls, io_uring and the
 * library, on plain and ring queues: the ABI pinned, every argument
 * check, every partial-success path (no room left, a message too big, a
 * buffer too small, an entry that faults, end-of-file, each in the middle
 * of a batch, then its error from the next call), waits of the first
 * message only (NONBLOCK, deadline, woken by a put), order by priority
 * and FIFO, type selection per entry, JoinableQueue counts, poll, and a
 * two-process stream with exact accounting.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "uring_fixture.h"

#define N 32

/* A batch's argument over @msgs, the rest zero. */
static void batch_init(struct ipcq_batch *b, struct ipcq_msg *msgs,
		       uint32_t count, uint32_t flags, uint64_t deadline)
{
	memset(b, 0, sizeof(*b));
	b->msgs = (uintptr_t)msgs;
	b->count = count;
	b->flags = flags;
	b->deadline = deadline;
	b->done = 0xa5a5a5a5;	/* proves the kernel wrote it */
}

/* One batch ioctl: its value or -errno; *@done (may be NULL) its done. */
static int batch(int fd, unsigned long cmd, struct ipcq_msg *msgs,
		 uint32_t count, uint32_t flags, uint64_t deadline,
		 uint32_t *done)
{
	struct ipcq_batch b;
	int ret;

	batch_init(&b, msgs, count, flags, deadline);
	ret = xioctl(fd, cmd, &b);
	if (done)
		*done = b.done;
	return ret;
}

/* Entries for @n messages of @len bytes at @data + i * @len. */
static void entries(struct ipcq_msg *m, unsigned int n, char *data,
		    size_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		msg_init(&m[i], data + i * len, len, 0, 0);
}

/* Messages "0", "1", ... of 8 bytes each: @n of them from @first. */
static void numbered(char (*data)[8], unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		snprintf(data[i], 8, "%u", first + i);
}

static int put_many(int q, struct ipcq_msg *m, uint32_t n, uint32_t flags)
{
	return batch(q, IPCQ_IOC_QUEUE_PUT_MANY, m, n, flags,
		     IPCQ_DEADLINE_FOREVER, NULL);
}

static int get_many(int q, struct ipcq_msg *m, uint32_t n, uint32_t flags)
{
	return batch(q, IPCQ_IOC_QUEUE_GET_MANY, m, n, flags,
		     IPCQ_DEADLINE_FOREVER, NULL);
}

/* Puts @n numbered messages from @first, all in one batch. */
static int put_numbered(int q, unsigned int first, unsigned int n)
{
	char data[N][8];
	struct ipcq_msg m[N];

	numbered(data, first, n);
	entries(m, n, data[0], 8);
	return put_many(q, m, n, IPCQ_BATCH_NONBLOCK);
}

/* Gets what it can of @n into @out, entries of 8-byte buffers. */
static int get_into(int q, char (*out)[8], struct ipcq_msg *m, unsigned int n)
{
	memset(out, 0, n * 8);
	entries(m, n, out[0], 8);
	return get_many(q, m, n, IPCQ_BATCH_NONBLOCK);
}

static uint64_t queued(int q)
{
	struct ipcq_queue_stat st;

	return raw_stat(q, &st) ? ~0ULL : st.messages;
}

/* A page that faults: a pointer into it fails with EFAULT. */
static void *hole(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST(abi_batch_pinned)
{
	ASSERT_EQ(48, sizeof(struct ipcq_batch));
	ASSERT_EQ(0, offsetof(struct ipcq_batch, msgs));
	ASSERT_EQ(8, offsetof(struct ipcq_batch, count));
	ASSERT_EQ(12, offsetof(struct ipcq_batch, flags));
	ASSERT_EQ(16, offsetof(struct ipcq_batch, deadline));
	ASSERT_EQ(24, offsetof(struct ipcq_batch, done));
	ASSERT_EQ(28, offsetof(struct ipcq_batch, pad));
	ASSERT_EQ(32, offsetof(struct ipcq_batch, reserved));
	ASSERT_EQ(0x18, _IOC_NR(IPCQ_IOC_QUEUE_PUT_MANY));
	ASSERT_EQ(0x19, _IOC_NR(IPCQ_IOC_QUEUE_GET_MANY));
	ASSERT_EQ(0x33, _IOC_NR(IPCQ_IOC_PIPE_SEND_MANY));
	ASSERT_EQ(0x34, _IOC_NR(IPCQ_IOC_PIPE_RECV_MANY));
	ASSERT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(IPCQ_IOC_QUEUE_GET_MANY));
	ASSERT_EQ(1024, IPCQ_BATCH_MAX);
	ASSERT_EQ((uint64_t)1 << 13, IPCQ_FEATURE_BATCH);
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_BATCH));
}

FIXTURE(batch) {
	int dev;
	int q;		/* producer and consumer */
};

FIXTURE_VARIANT(batch) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(batch, queue) {
	.flags = 0,
};

FIXTURE_VARIANT_ADD(batch, ring_queue) {
	.flags = IPCQ_OPEN_RING,
};

/* A new anonymous queue of the variant's kind; fd or -errno. */
static int vqueue(int dev, uint32_t flags, uint32_t roles, uint64_t capacity,
		  uint64_t max_msg_size)
{
	struct ipcq_queue_open arg;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags | roles | IPCQ_OPEN_CLOEXEC;
	arg.capacity = capacity;
	arg.max_msg_size = max_msg_size;
	return xioctl(dev, IPCQ_IOC_QUEUE_OPEN, &arg);
}

FIXTURE_SETUP(batch)
{
	self->dev = dev_open();
	ASSERT_GE(self->dev, 0);
	self->q = vqueue(self->dev, variant->flags, BOTH, 64, 64);
	ASSERT_GE(self->q, 0);
}

FIXTURE_TEARDOWN(batch)
{
	if (self->q >= 0)
		close(self->q);
	close(self->dev);
}

TEST_F(batch, put_many_get_many_in_order_with_done)
{
	char out[N][8], want[N][8];
	struct ipcq_msg m[N];
	uint32_t done;
	int i;

	ASSERT_EQ(N, put_numbered(self->q, 0, N));
	ASSERT_EQ(N, queued(self->q));
	entries(m, N, out[0], 8);
	ASSERT_EQ(N, batch(self->q, IPCQ_IOC_QUEUE_GET_MANY, m, N,
			   IPCQ_BATCH_NONBLOCK, 0, &done));
	EXPECT_EQ(N, done);
	numbered(want, 0, N);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(8, m[i].len);
		EXPECT_EQ(0, m[i].priority);
		EXPECT_EQ(0, m[i].type);
		EXPECT_STREQ(want[i], out[i]);
	}
	EXPECT_EQ(0, queued(self->q));
}

TEST_F(batch, arguments_are_checked)
{
	char buf[8] = "x";
	struct ipcq_msg m[2];
	struct ipcq_batch b;
	uint32_t done;
	void *bad = hole();

	ASSERT_NE(NULL, bad);
	entries(m, 2, buf, 1);
	/* count 0 and above the maximum. */
	EXPECT_EQ(-EINVAL, batch(self->q, IPCQ_IOC_QUEUE_PUT_MANY, m, 0, 0, 0,
				 NULL));
	EXPECT_EQ(-EINVAL, batch(self->q, IPCQ_IOC_QUEUE_GET_MANY, m,
				 IPCQ_BATCH_MAX + 1, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, batch(self->q, IPCQ_IOC_QUEUE_PUT_MANY, m, 1, 2, 0,
				 NULL));
	batch_init(&b, m, 1, 0, 0);
	b.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->q, IPCQ_IOC_QUEUE_PUT_MANY, &b));
	batch_init(&b, m, 1, 0, 0);
	b.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->q, IPCQ_IOC_QUEUE_GET_MANY, &b));
	/* Entries: a deadline, flags of a put, NONBLOCK or PEEK of a get. */
	m[0].deadline = 1;
	EXPECT_EQ(-EINVAL, put_many(self->q, m, 1, 0));
	entries(m, 2, buf, 1);
	m[0].flags = IPCQ_MSG_NONBLOCK;
	EXPECT_EQ(-EINVAL, put_many(self->q, m, 1, 0));
	m[0].flags = IPCQ_MSG_TRUNCATE;
	EXPECT_EQ(-EINVAL, put_many(self->q, m, 1, 0));
	m[0].flags = IPCQ_MSG_PEEK;
	EXPECT_EQ(-EINVAL, get_many(self->q, m, 1, 0));
	m[0].flags = IPCQ_MSG_NONBLOCK;
	EXPECT_EQ(-EINVAL, get_many(self->q, m, 1, 0));
	/* The single call's checks: reserved, priority, two TYPE flags. */
	entries(m, 2, buf, 1);
	m[0].reserved = 1;
	EXPECT_EQ(-EINVAL, put_many(self->q, m, 1, 0));
	entries(m, 2, buf, 1);
	m[0].priority = IPCQ_PRIO_MAX + 1;
	EXPECT_EQ(-EINVAL, put_many(self->q, m, 1, 0));
	entries(m, 2, buf, 1);
	m[0].flags = IPCQ_MSG_TYPE_EQ | IPCQ_MSG_TYPE_NE;
	EXPECT_EQ(-EINVAL, get_many(self->q, m, 1, 0));
	/* Faults: the argument, the array, the message. */
	EXPECT_EQ(-EFAULT, xioctl(self->q, IPCQ_IOC_QUEUE_PUT_MANY, bad));
	EXPECT_EQ(-EFAULT, xioctl(self->q, IPCQ_IOC_QUEUE_GET_MANY, NULL));
	EXPECT_EQ(-EFAULT, batch(self->q, IPCQ_IOC_QUEUE_PUT_MANY, bad, 1, 0,
				 0, NULL));
	entries(m, 2, bad, 1);
	EXPECT_EQ(-EFAULT, batch(self->q, IPCQ_IOC_QUEUE_PUT_MANY, m, 2, 0, 0,
				 &done));
	EXPECT_EQ(0, done);
	/* Nothing moved by any of them; unknown-size ioctls: ENOTTY. */
	EXPECT_EQ(0, queued(self->q));
	EXPECT_EQ(-ENOTTY, xioctl(self->q, _IOWR(IPCQ_IOC_MAGIC, 0x19,
						 struct ipcq_wait), m));
	munmap(bad, 4096);
}

TEST_F(batch, roles_are_enforced)
{
	int prod = vqueue(self->dev, variant->flags, IPCQ_OPEN_PRODUCER, 0, 0);
	struct ipcq_msg m[1];
	char buf[8];

	ASSERT_GE(prod, 0);
	entries(m, 1, buf, 8);
	EXPECT_EQ(-EBADF, get_many(prod, m, 1, IPCQ_BATCH_NONBLOCK));
	close(prod);
}

TEST_F(batch, batch_larger_than_the_room_moves_what_fits)
{
	int q = vqueue(self->dev, variant->flags, BOTH, 5, 0);
	char data[8][8], out[8][8];
	struct ipcq_msg m[8];
	uint32_t done;

	ASSERT_GE(q, 0);
	numbered(data, 0, 8);
	entries(m, 8, data[0], 8);
	ASSERT_EQ(5, batch(q, IPCQ_IOC_QUEUE_PUT_MANY, m, 8,
			   IPCQ_BATCH_NONBLOCK, 0, &done));
	EXPECT_EQ(5, done);
	EXPECT_EQ(5, queued(q));
	/* The rest, as the first of the next call: EAGAIN, or waits. */
	EXPECT_EQ(-EAGAIN, put_many(q, &m[5], 3, IPCQ_BATCH_NONBLOCK));
	EXPECT_EQ(-ETIMEDOUT, batch(q, IPCQ_IOC_QUEUE_PUT_MANY, &m[5], 3, 0,
				    now_ns() + 20 * NSEC_PER_MSEC, NULL));
	/* Also blocking: the first waits, the others never do. */
	ASSERT_EQ(2, get_into(q, out, m, 2));
	EXPECT_EQ(2, put_many(q, &m[0], 8, 0));
	EXPECT_EQ(5, queued(q));
	close(q);
}

TEST_F(batch, too_big_message_in_the_middle)
{
	char data[4][100];
	struct ipcq_msg m[4];

	memset(data, 'a', sizeof(data));
	entries(m, 4, data[0], 10);
	m[2].len = 65;		/* above the fixture's max_msg_size 64 */
	ASSERT_EQ(2, put_many(self->q, m, 4, 0));
	EXPECT_EQ(2, queued(self->q));
	EXPECT_EQ(-EMSGSIZE, put_many(self->q, &m[2], 2, 0));
	m[2].len = 64;
	EXPECT_EQ(2, put_many(self->q, &m[2], 2, 0));
	EXPECT_EQ(4, queued(self->q));
}

TEST_F(batch, put_entry_that_faults_in_the_middle)
{
	char data[3][8] = { "a", "b", "c" }, out[3][8];
	struct ipcq_msg m[3];
	void *bad = hole();
	struct ipcq_msg *tail;

	ASSERT_NE(NULL, bad);
	entries(m, 3, data[0], 8);
	m[1].buf = (uintptr_t)bad;
	ASSERT_EQ(1, put_many(self->q, m, 3, 0));
	EXPECT_EQ(-EFAULT, put_many(self->q, &m[1], 2, 0));
	EXPECT_EQ(1, queued(self->q));
	ASSERT_EQ(1, get_into(self->q, out, m, 3));
	EXPECT_STREQ("a", out[0]);
	/* The array itself ends in a hole: what was readable went. */
	tail = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, tail);
	ASSERT_EQ(0, munmap((char *)tail + 4096, 4096));
	tail = (struct ipcq_msg *)((char *)tail + 4096) - 2;
	entries(tail, 2, data[0], 8);
	ASSERT_EQ(2, put_many(self->q, tail, 3, 0));
	EXPECT_EQ(2, queued(self->q));
	munmap(bad, 4096);
}

TEST_F(batch, get_buffer_too_small_in_the_middle)
{
	char data[3][40], out[3][40];
	struct ipcq_msg m[3];

	memset(data, 'z', sizeof(data));
	entries(m, 3, data[0], 8);
	m[2].len = 40;
	ASSERT_EQ(3, put_many(self->q, m, 3, 0));
	entries(m, 3, out[0], 8);
	ASSERT_EQ(2, get_many(self->q, m, 3, IPCQ_BATCH_NONBLOCK));
	EXPECT_EQ(1, queued(self->q));
	/* Entry 2 untouched; its error comes with the next call. */
	EXPECT_EQ(8, m[2].len);
	EXPECT_EQ(-EMSGSIZE, get_many(self->q, &m[2], 1, IPCQ_BATCH_NONBLOCK));
	EXPECT_EQ(40, m[2].len);
	EXPECT_EQ(1, queued(self->q));
	/* TRUNCATE takes it, cut, its full size told. */
	entries(m, 1, out[0], 8);
	m[0].flags = IPCQ_MSG_TRUNCATE;
	ASSERT_EQ(1, get_many(self->q, m, 1, IPCQ_BATCH_NONBLOCK));
	EXPECT_EQ(40, m[0].len);
	EXPECT_EQ(0, queued(self->q));
}

TEST_F(batch, get_entry_that_faults_in_the_middle_loses_nothing)
{
	char out[3][8];
	struct ipcq_msg m[3];
	void *bad = hole();

	ASSERT_NE(NULL, bad);
	ASSERT_EQ(3, put_numbered(self->q, 0, 3));
	entries(m, 3, out[0], 8);
	m[1].buf = (uintptr_t)bad;
	m[1].priority = 77;
	ASSERT_EQ(1, get_many(self->q, m, 3, IPCQ_BATCH_NONBLOCK));
	EXPECT_STREQ("0", out[0]);
	/* Entry 1 untouched, message and answer. */
	EXPECT_EQ(8, m[1].len);
	EXPECT_EQ(77, m[1].priority);
	EXPECT_EQ(2, queued(self->q));
	EXPECT_EQ(-EFAULT, get_many(self->q, &m[1], 2, IPCQ_BATCH_NONBLOCK));
	EXPECT_EQ(2, queued(self->q));
	ASSERT_EQ(2, get_into(self->q, out, m, 3));
	EXPECT_STREQ("1", out[0]);
	EXPECT_STREQ("2", out[1]);
	munmap(bad, 4096);
}

/* The fixture's queue split into a producer and a consumer file. */
static void split(int *q, int *prod, int *cons)
{
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_PRODUCER };

	*prod = xioctl(*q, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ro.flags = IPCQ_OPEN_CONSUMER;
	*cons = xioctl(*q, IPCQ_IOC_QUEUE_REOPEN, &ro);
	close(*q);
	*q = -1;
}

TEST_F(batch, end_of_file_in_the_middle_then_zero)
{
	char out[8][8];
	struct ipcq_msg m[8];
	uint32_t done;
	int prod, cons;

	split(&self->q, &prod, &cons);
	ASSERT_GE(prod, 0);
	ASSERT_GE(cons, 0);
	ASSERT_EQ(3, put_numbered(prod, 0, 3));
	close(prod);
	entries(m, 8, out[0], 8);
	ASSERT_EQ(3, batch(cons, IPCQ_IOC_QUEUE_GET_MANY, m, 8, 0,
			   IPCQ_DEADLINE_FOREVER, &done));
	EXPECT_EQ(3, done);
	EXPECT_STREQ("2", out[2]);
	/* The next call: end-of-file, 0, also for a blocking one. */
	EXPECT_EQ(0, batch(cons, IPCQ_IOC_QUEUE_GET_MANY, m, 8, 0,
			   IPCQ_DEADLINE_FOREVER, &done));
	EXPECT_EQ(0, done);
	EXPECT_EQ(0, get_many(cons, m, 1, IPCQ_BATCH_NONBLOCK));
	close(cons);
}

TEST_F(batch, shutdown_stops_a_batch)
{
	struct ipcq_shutdown sd = { 0 };
	char out[4][8];
	struct ipcq_msg m[4];

	ASSERT_EQ(2, put_numbered(self->q, 0, 2));
	ASSERT_EQ(0, xioctl(self->q, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	EXPECT_EQ(-ESHUTDOWN, put_numbered(self->q, 0, 2));
	ASSERT_EQ(2, get_into(self->q, out, m, 4));
	EXPECT_EQ(-ESHUTDOWN, get_into(self->q, out, m, 4));
}

TEST_F(batch, nonblock_deadline_and_o_nonblock)
{
	char out[2][8];
	struct ipcq_msg m[2];
	uint64_t t0;
	int fl;

	entries(m, 2, out[0], 8);
	EXPECT_EQ(-EAGAIN, get_many(self->q, m, 2, IPCQ_BATCH_NONBLOCK));
	t0 = now_ns();
	EXPECT_EQ(-ETIMEDOUT, batch(self->q, IPCQ_IOC_QUEUE_GET_MANY, m, 2, 0,
				    t0 + 30 * NSEC_PER_MSEC, NULL));
	EXPECT_GE(now_ns(), t0 + 30 * NSEC_PER_MSEC);
	EXPECT_EQ(-ETIMEDOUT, batch(self->q, IPCQ_IOC_QUEUE_GET_MANY, m, 2, 0,
				    0, NULL));
	fl = fcntl(self->q, F_GETFL);
	ASSERT_EQ(0, fcntl(self->q, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, get_many(self->q, m, 2, 0));
	ASSERT_EQ(0, fcntl(self->q, F_SETFL, fl));
}

TEST_F(batch, blocked_get_many_is_woken_by_a_put)
{
	char out[N][8];
	struct ipcq_msg m[N];
	pid_t pid;
	int got;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		wait_for(getters(self->q) == 1, WAIT_MS);
		_exit(put_numbered(self->q, 0, 4) == 4 ? 0 : 1);
	}
	entries(m, N, out[0], 8);
	got = batch(self->q, IPCQ_IOC_QUEUE_GET_MANY, m, N, 0,
		    now_ns() + WAIT_NS, NULL);
	EXPECT_GE(got, 1);
	EXPECT_LE(got, 4);
	EXPECT_STREQ("0", out[0]);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(4 - got, queued(self->q));
}

TEST_F(batch, priorities_and_fifo_across_batches)
{
	static const uint32_t prio[8] = { 0, 5, 0, 9, 5, 0, 9, 1 };
	static const char *const want[8] = { "3", "6", "1", "4", "7",
					     "0", "2", "5" };
	char data[8][8], out[8][8];
	struct ipcq_msg m[8];
	int i;

	numbered(data, 0, 8);
	entries(m, 8, data[0], 8);
	for (i = 0; i < 8; i++)
		m[i].priority = prio[i];
	/* Two batches: order is the queue's, not the batches'. */
	ASSERT_EQ(5, put_many(self->q, m, 5, 0));
	ASSERT_EQ(3, put_many(self->q, &m[5], 3, 0));
	ASSERT_EQ(3, get_into(self->q, out, m, 3));
	ASSERT_EQ(5, get_into(self->q, &out[3], &m[3], 5));
	for (i = 0; i < 8; i++) {
		EXPECT_STREQ(want[i], out[i]);
		EXPECT_EQ(prio[want[i][0] - '0'], m[i].priority);
	}
}

TEST_F(batch, type_selection_per_entry)
{
	char data[6][8], out[6][8];
	struct ipcq_msg m[6];
	int i;

	numbered(data, 0, 6);
	entries(m, 6, data[0], 8);
	for (i = 0; i < 6; i++)
		m[i].type = i % 2 + 1;	/* 1 2 1 2 1 2 */
	ASSERT_EQ(6, put_many(self->q, m, 6, 0));
	/* EQ 2, EQ 2, EQ 1, NE 1, EQ 2: the fifth finds no 2 left. */
	entries(m, 5, out[0], 8);
	for (i = 0; i < 5; i++)
		m[i].flags = i == 3 ? IPCQ_MSG_TYPE_NE : IPCQ_MSG_TYPE_EQ;
	m[0].type = m[1].type = m[4].type = 2;
	m[2].type = m[3].type = 1;
	ASSERT_EQ(4, get_many(self->q, m, 5, IPCQ_BATCH_NONBLOCK));
	EXPECT_STREQ("1", out[0]);
	EXPECT_STREQ("3", out[1]);
	EXPECT_STREQ("0", out[2]);
	EXPECT_STREQ("5", out[3]);
	EXPECT_EQ(2, m[3].type);
	EXPECT_EQ(-EAGAIN, get_many(self->q, &m[4], 1, IPCQ_BATCH_NONBLOCK));
	EXPECT_EQ(2, queued(self->q));
	/* LE 1 takes type 1 left, a plain entry the other. */
	entries(m, 2, out[0], 8);
	m[0].flags = IPCQ_MSG_TYPE_LE;
	m[0].type = 1;
	ASSERT_EQ(2, get_many(self->q, m, 2, IPCQ_BATCH_NONBLOCK));
	EXPECT_STREQ("2", out[0]);
	EXPECT_STREQ("4", out[1]);
}

TEST_F(batch, each_message_is_one_task)
{
	struct ipcq_task_done td = { .count = N };
	struct ipcq_wait w = { .flags = IPCQ_WAIT_NONBLOCK };
	struct ipcq_queue_stat st;
	char out[N][8];
	struct ipcq_msg m[N];

	ASSERT_EQ(N, put_numbered(self->q, 0, N));
	ASSERT_EQ(0, raw_stat(self->q, &st));
	EXPECT_EQ(N, st.unfinished);
	ASSERT_EQ(N, get_into(self->q, out, m, N));
	EXPECT_EQ(-EAGAIN, xioctl(self->q, IPCQ_IOC_QUEUE_JOIN, &w));
	td.count = N + 1;
	EXPECT_EQ(-ERANGE, xioctl(self->q, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	td.count = N;
	ASSERT_EQ(0, xioctl(self->q, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	EXPECT_EQ(0, xioctl(self->q, IPCQ_IOC_QUEUE_JOIN, &w));
}

TEST_F(batch, poll_readiness_follows_batches)
{
	int q = vqueue(self->dev, variant->flags, BOTH, 4, 0);
	struct pollfd pfd = { .fd = q, .events = POLLIN | POLLOUT };
	char out[4][8];
	struct ipcq_msg m[4];

	ASSERT_GE(q, 0);
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents & (POLLIN | POLLOUT));
	ASSERT_EQ(4, put_numbered(q, 0, 4));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents & (POLLIN | POLLOUT));
	ASSERT_EQ(4, get_into(q, out, m, 4));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents & (POLLIN | POLLOUT));
	close(q);
}

/*
 * Batches of 1..N sizes, checked numbers, until end-of-file (a tenth of
 * the messages on a debug kernel, where each call costs ten times more).
 */
TEST_F(batch, two_process_stream_with_exact_accounting)
{
	const unsigned int total = ipcq_debug_kernel() ? 2000 : 20000;
	unsigned int next = 0, calls = 0;
	int prod, cons;
	uint32_t seq[N];
	struct ipcq_msg m[N];
	pid_t pid;
	int got, i;

	split(&self->q, &prod, &cons);
	ASSERT_GE(prod, 0);
	ASSERT_GE(cons, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		unsigned int sent = 0, n;

		close(cons);
		while (sent < total) {
			n = sent % N + 1;
			if (n > total - sent)
				n = total - sent;
			for (i = 0; i < (int)n; i++) {
				seq[i] = sent + i;
				msg_init(&m[i], &seq[i], sizeof(seq[i]), 0, 0);
				m[i].priority = 0;
			}
			got = put_many(prod, m, n, 0);
			if (got < 1)
				_exit(1);
			sent += got;
		}
		_exit(0);
	}
	close(prod);
	for (;;) {
		memset(seq, 0xff, sizeof(seq));
		entries(m, N, (char *)seq, sizeof(seq[0]));
		got = get_many(cons, m, N, 0);
		if (got <= 0)
			break;
		calls++;
		for (i = 0; i < got; i++) {
			if (seq[i] != next || m[i].len != sizeof(seq[i]))
				break;
			next++;
		}
		ASSERT_EQ(got, i);
	}
	EXPECT_EQ(0, got);
	EXPECT_EQ(total, next);
	EXPECT_LE(calls, total);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, queued(cons));
	close(cons);
}

static int raw_pipe_pair(int dev, uint32_t flags, int fds[2])
{
	struct ipcq_pipe_create arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags;
	arg.capacity = 8;
	ret = xioctl(dev, IPCQ_IOC_PIPE_CREATE, &arg);
	fds[0] = arg.fds[0];
	fds[1] = arg.fds[1];
	return ret;
}

TEST(pipe_send_many_recv_many)
{
	int dev = dev_open(), fds[2];
	char data[10][8], out[10][8];
	struct ipcq_msg m[10];

	ASSERT_GE(dev, 0);
	ASSERT_EQ(0, raw_pipe_pair(dev, IPCQ_PIPE_DUPLEX, fds));
	numbered(data, 0, 10);
	entries(m, 10, data[0], 8);
	/* 8 buffered per direction: the batch is cut there. */
	ASSERT_EQ(8, batch(fds[0], IPCQ_IOC_PIPE_SEND_MANY, m, 10,
			   IPCQ_BATCH_NONBLOCK, 0, NULL));
	EXPECT_EQ(-EAGAIN, batch(fds[0], IPCQ_IOC_PIPE_SEND_MANY, &m[8], 2,
				 IPCQ_BATCH_NONBLOCK, 0, NULL));
	entries(m, 10, out[0], 8);
	ASSERT_EQ(8, batch(fds[1], IPCQ_IOC_PIPE_RECV_MANY, m, 10,
			   IPCQ_BATCH_NONBLOCK, 0, NULL));
	EXPECT_STREQ("7", out[7]);
	/* Nothing came the other way. */
	EXPECT_EQ(-EAGAIN, batch(fds[0], IPCQ_IOC_PIPE_RECV_MANY, m, 10,
				 IPCQ_BATCH_NONBLOCK, 0, NULL));
	/* The peer closed: what it sent, then end-of-file; EPIPE. */
	entries(m, 2, data[0], 8);
	ASSERT_EQ(2, batch(fds[1], IPCQ_IOC_PIPE_SEND_MANY, m, 2, 0,
			   IPCQ_DEADLINE_FOREVER, NULL));
	close(fds[1]);
	entries(m, 10, out[0], 8);
	EXPECT_EQ(2, batch(fds[0], IPCQ_IOC_PIPE_RECV_MANY, m, 10, 0,
			   IPCQ_DEADLINE_FOREVER, NULL));
	EXPECT_EQ(0, batch(fds[0], IPCQ_IOC_PIPE_RECV_MANY, m, 10, 0,
			   IPCQ_DEADLINE_FOREVER, NULL));
	EXPECT_EQ(-EPIPE, batch(fds[0], IPCQ_IOC_PIPE_SEND_MANY, m, 1, 0,
				IPCQ_DEADLINE_FOREVER, NULL));
	close(fds[0]);
	/* One-way: the receiving end cannot send, nor the other receive. */
	ASSERT_EQ(0, raw_pipe_pair(dev, 0, fds));
	EXPECT_EQ(-EBADF, batch(fds[0], IPCQ_IOC_PIPE_SEND_MANY, m, 1, 0, 0,
				NULL));
	EXPECT_EQ(-EBADF, batch(fds[1], IPCQ_IOC_PIPE_RECV_MANY, m, 1, 0, 0,
				NULL));
	EXPECT_EQ(-EINVAL, batch(fds[1], IPCQ_IOC_PIPE_SEND_MANY, m, 0, 0, 0,
				 NULL));
	close(fds[0]);
	close(fds[1]);
	close(dev);
}

TEST(library_batches)
{
	ipcdev_queue *q, *prod, *cons;
	ipcdev_pipe *a, *b;
	char data[N][8], out[N][8];
	struct ipcq_msg m[IPCQ_BATCH_MAX + 1];
	static char big[IPCQ_BATCH_MAX + 1];
	size_t i;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&prod, q, IPCDEV_PRODUCER));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&cons, q, IPCDEV_CONSUMER));
	ASSERT_EQ(0, ipcdev_queue_close(q));
	EXPECT_EQ(-EINVAL, ipcdev_queue_put_many(prod, m, 0, IPCDEV_FOREVER));
	EXPECT_EQ(-EINVAL, ipcdev_queue_put_many(prod, NULL, 1,
						 IPCDEV_FOREVER));
	EXPECT_EQ(-EAGAIN, ipcdev_queue_get_many(cons, m, 1, IPCDEV_NOWAIT));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_queue_get_many(cons, m, 1,
						    10 * NSEC_PER_MSEC));
	/* A longer array than a batch: cut to IPCQ_BATCH_MAX. */
	for (i = 0; i <= IPCQ_BATCH_MAX; i++)
		msg_init(&m[i], &big[i], 1, 0, 0);
	EXPECT_EQ(IPCQ_BATCH_MAX,
		  ipcdev_queue_put_many(prod, m, IPCQ_BATCH_MAX + 1,
					IPCDEV_FOREVER));
	EXPECT_EQ(IPCQ_BATCH_MAX,
		  ipcdev_queue_get_many(cons, m, IPCQ_BATCH_MAX + 1,
					IPCDEV_NOWAIT));
	numbered(data, 0, N);
	entries(m, N, data[0], 8);
	m[1].priority = 3;
	ASSERT_EQ(N, ipcdev_queue_put_many(prod, m, N, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_queue_close(prod));
	entries(m, N, out[0], 8);
	ASSERT_EQ(N, ipcdev_queue_get_many(cons, m, N, IPCDEV_FOREVER));
	EXPECT_STREQ("1", out[0]);
	EXPECT_EQ(3, m[0].priority);
	EXPECT_STREQ("0", out[1]);
	EXPECT_EQ(0, ipcdev_queue_get_many(cons, m, N, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_queue_close(cons));

	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, NULL));
	entries(m, 3, data[0], 8);
	ASSERT_EQ(3, ipcdev_pipe_send_many(a, m, 3, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_pipe_close(a));
	entries(m, N, out[0], 8);
	ASSERT_EQ(3, ipcdev_pipe_recv_many(b, m, N, IPCDEV_FOREVER));
	EXPECT_STREQ("2", out[2]);
	EXPECT_EQ(0, ipcdev_pipe_recv_many(b, m, N, IPCDEV_FOREVER));
	EXPECT_EQ(-EPIPE, ipcdev_pipe_send_many(b, m, 1, IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_pipe_close(b));
}

/* The next completion's res if it is @user_data's, else -2000. */
static int cqe_of(struct io_uring *r, uint64_t user_data)
{
	uint64_t ud = 0;
	int res = next_cqe(r, &ud, WAIT_MS);

	return ud == user_data ? res : -2000;
}

/* On the io_uring fixture's variants (uring_fixture.h). */
TEST_F(uring, batches_park_and_complete)
{
	int q = vqueue(self->dev, variant->queue_flags, BOTH, 0, 0), fds[2];
	char data[4][8], out[8][8];
	struct ipcq_msg pm[4], gm[8];
	struct ipcq_batch pb, gb;

	ASSERT_GE(q, 0);
	/* A get of 8 parks on the empty queue... */
	entries(gm, 8, out[0], 8);
	batch_init(&gb, gm, 8, 0, IPCQ_DEADLINE_FOREVER);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET_MANY,
		 (uintptr_t)&gb, 0, 0, 1);
	ASSERT_TRUE(submitted(&self->ring, 1));
	EXPECT_TRUE(none_completes(&self->ring, 50));
	/* ...and a put of 4 completes at once and wakes it. */
	numbered(data, 0, 4);
	entries(pm, 4, data[0], 8);
	batch_init(&pb, pm, 4, 0, IPCQ_DEADLINE_FOREVER);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_PUT_MANY,
		 (uintptr_t)&pb, 0, 0, 2);
	ASSERT_TRUE(submitted(&self->ring, 1));
	EXPECT_EQ(4, cqe_of(&self->ring, 2));
	EXPECT_EQ(4, cqe_of(&self->ring, 1));
	EXPECT_EQ(4, gb.done);
	EXPECT_STREQ("3", out[3]);
	/* Errors as the ioctl's; a deadline ends a parked one. */
	batch_init(&gb, gm, 0, 0, 0);
	EXPECT_EQ(-EINVAL, run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET_MANY,
				   (uintptr_t)&gb, 0, 0));
	batch_init(&gb, gm, 8, 0, now_ns() + 20 * NSEC_PER_MSEC);
	EXPECT_EQ(-ETIMEDOUT, run_raw(&self->ring, q, IPCQ_IOC_QUEUE_GET_MANY,
				      (uintptr_t)&gb, 0, 0));
	close(q);
	/* Pipes too. */
	ASSERT_EQ(0, raw_pipe_pair(self->dev, IPCQ_PIPE_DUPLEX, fds));
	batch_init(&pb, pm, 4, 0, IPCQ_DEADLINE_FOREVER);
	EXPECT_EQ(4, run_raw(&self->ring, fds[0], IPCQ_IOC_PIPE_SEND_MANY,
			     (uintptr_t)&pb, 0, 0));
	batch_init(&gb, gm, 8, 0, IPCQ_DEADLINE_FOREVER);
	EXPECT_EQ(4, run_raw(&self->ring, fds[1], IPCQ_IOC_PIPE_RECV_MANY,
			     (uintptr_t)&gb, 0, 0));
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
