// SPDX-License-Identifier: GPL-2.0
/*
 * What SysV message-queue users need (IPCQ_FEATURE_QUEUE_SYSV): typed
 * messages and gets that select by type (EQ, LE lowest first, NE), FIFO
 * and priority within a selection, on plain and ring queues; the
 * pid-tagged reply pattern on one queue; truncating gets; puts that wait
 * for the byte limit (NONBLOCK, deadlines, woken by gets); IPCQ_IOC_SET
 * (owner, group, mode, limits; who may; waiters judged again), and every
 * error of each, through the ioctls and the library; one order shared by
 * typed and untyped messages, checked against a model with random
 * operations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

/* Put of @len bytes of @buf with @type and @prio. */
static int tput(int fd, const void *buf, size_t len, uint64_t type,
		uint32_t prio, uint32_t flags, uint64_t deadline)
{
	struct ipcq_msg m;

	msg_init(&m, buf, len, deadline, flags);
	m.type = type;
	m.priority = prio;
	return xioctl(fd, IPCQ_IOC_QUEUE_PUT, &m);
}

/* Get selecting by @flags and @type; the message's type in *@got. */
static int tget(int fd, void *buf, uint64_t *len, uint64_t type,
		uint32_t flags, uint64_t deadline, uint64_t *got)
{
	struct ipcq_msg m;
	int ret;

	msg_init(&m, buf, *len, deadline, flags);
	m.type = type;
	ret = xioctl(fd, IPCQ_IOC_QUEUE_GET, &m);
	*len = m.len;
	if (got)
		*got = m.type;
	return ret;
}

/* Puts "<type>:<n>" for each type of @types, in order. */
static void put_types(struct __test_metadata *_metadata, int fd,
		      const uint64_t *types, int n)
{
	char buf[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%llu:%d",
			 (unsigned long long)types[i], i);
		ASSERT_EQ(0, tput(fd, buf, strlen(buf), types[i], 0, 0, 0));
	}
}

/* Expects the next get selecting (@flags, @type) to be "<want>:<n>". */
static void expect_get(struct __test_metadata *_metadata, int fd,
		       uint32_t flags, uint64_t type, uint64_t want, int n)
{
	char buf[32], exp[32];
	uint64_t len = sizeof(buf) - 1, got = ~0ULL;

	snprintf(exp, sizeof(exp), "%llu:%d", (unsigned long long)want, n);
	ASSERT_EQ(0, tget(fd, buf, &len, type, flags | IPCQ_MSG_NONBLOCK, 0,
			  &got));
	buf[len] = 0;
	EXPECT_STREQ(exp, buf);
	EXPECT_EQ(want, got);
}

static int raw_set(int dev, const char *name, uint32_t type,
		   struct ipcq_set *arg)
{
	arg->name = (uintptr_t)name;
	arg->name_len = name ? strlen(name) : 0;
	arg->type = type;
	return xioctl(dev, IPCQ_IOC_SET, arg);
}


FIXTURE(t) {
	int dev;
	int fd;			/* named queue, no count limit, both roles */
	char name[64];
};

FIXTURE_SETUP(t)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	snprintf(self->name, sizeof(self->name), "sysv-test-%d", getpid());
	raw_unlink(self->dev, self->name);
	self->fd = raw_queue_open(self->dev, self->name,
				  BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_CLOEXEC,
				  0600, 0, 0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(t)
{
	raw_unlink(self->dev, self->name);
	close(self->fd);
	close(self->dev);
}

TEST(feature_is_offered)
{
	EXPECT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_QUEUE_SYSV));
}

TEST_F(t, eq_takes_its_type_in_fifo_order)
{
	static const uint64_t types[] = { 3, 1, 3, 2, 3 };
	uint64_t len = 8;
	char buf[8];

	put_types(_metadata, self->fd, types, 5);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_EQ, 3, 3, 0);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_EQ, 3, 3, 2);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_EQ, 2, 2, 3);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_EQ, 3, 3, 4);
	EXPECT_EQ(-EAGAIN, tget(self->fd, buf, &len, 3,
				IPCQ_MSG_TYPE_EQ | IPCQ_MSG_NONBLOCK, 0, NULL));
	/* Untyped is type 0, and there is none. */
	EXPECT_EQ(-EAGAIN, tget(self->fd, buf, &len, 0,
				IPCQ_MSG_TYPE_EQ | IPCQ_MSG_NONBLOCK, 0, NULL));
	/* A plain get takes any type. */
	expect_get(_metadata, self->fd, 0, 0, 1, 1);
}

TEST_F(t, le_takes_the_lowest_type_first)
{
	static const uint64_t types[] = { 5, 3, 4, 3, 9 };
	uint64_t len = 8;
	char buf[8];

	put_types(_metadata, self->fd, types, 5);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, 4, 3, 1);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, 4, 3, 3);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, 4, 4, 2);
	EXPECT_EQ(-EAGAIN, tget(self->fd, buf, &len, 4,
				IPCQ_MSG_TYPE_LE | IPCQ_MSG_NONBLOCK, 0, NULL));
	/* Untyped messages are the lowest of all. */
	ASSERT_EQ(0, tput(self->fd, "0:7", 3, 0, 0, 0, 0));
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, ~0ULL, 0, 7);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, ~0ULL, 5, 0);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, 9, 9, 4);
}

TEST_F(t, ne_takes_every_other_type_in_order)
{
	static const uint64_t types[] = { 1, 1, 2, 1, 0, 1, 3 };
	uint64_t len = 8;
	char buf[8];

	put_types(_metadata, self->fd, types, 7);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_NE, 1, 2, 2);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_NE, 1, 0, 4);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_NE, 1, 3, 6);
	EXPECT_EQ(-EAGAIN, tget(self->fd, buf, &len, 1,
				IPCQ_MSG_TYPE_NE | IPCQ_MSG_NONBLOCK, 0, NULL));
	/* NE 0: every typed message. */
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_NE, 0, 1, 0);
}

/* The type selects, the priority orders within the selection. */
TEST_F(t, priority_orders_within_a_type)
{
	char buf[8];
	uint64_t len, got;

	ASSERT_EQ(0, tput(self->fd, "a", 1, 7, 0, 0, 0));
	ASSERT_EQ(0, tput(self->fd, "b", 1, 8, 9, 0, 0));
	ASSERT_EQ(0, tput(self->fd, "c", 1, 7, 5, 0, 0));
	ASSERT_EQ(0, tput(self->fd, "d", 1, 7, 5, 0, 0));
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 7, IPCQ_MSG_TYPE_EQ, 0, &got));
	EXPECT_EQ('c', buf[0]);
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 7, IPCQ_MSG_TYPE_EQ, 0, &got));
	EXPECT_EQ('d', buf[0]);
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 0, 0, 0, &got));
	EXPECT_EQ('b', buf[0]);
	EXPECT_EQ(8, got);
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 7, IPCQ_MSG_TYPE_LE, 0, &got));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(7, got);
}

/*
 * Typed and untyped messages are kept apart (the kernel's two indexes),
 * but every get sees one order: priority, then arrival, across both;
 * selections pick from it, and an immediate shutdown drops both.
 */
TEST_F(t, typed_and_untyped_share_one_order)
{
	static const struct { uint64_t type; uint32_t prio; } in[] = {
		{ 0, 0 }, { 4, 0 }, { 0, 0 }, { 2, 3 }, { 0, 3 }, { 4, 3 },
		{ 0, 0 }, { 4, 0 },
	};
	struct ipcq_shutdown sd = { .flags = IPCQ_SHUTDOWN_IMMEDIATE };
	struct ipcq_queue_stat st;
	char buf[16];
	unsigned int i;

	for (i = 0; i < 8; i++) {
		snprintf(buf, sizeof(buf), "%llu:%u",
			 (unsigned long long)in[i].type, i);
		ASSERT_EQ(0, tput(self->fd, buf, strlen(buf), in[i].type,
				  in[i].prio, 0, 0));
	}
	expect_get(_metadata, self->fd, 0, 0, 2, 3);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_EQ, 0, 0, 4);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_NE, 0, 4, 5);
	expect_get(_metadata, self->fd, 0, 0, 0, 0);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_NE, 0, 4, 1);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_NE, 4, 0, 2);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, 9, 0, 6);
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_LE, 9, 4, 7);
	for (i = 0; i < 8; i++) {
		snprintf(buf, sizeof(buf), "%llu:%u",
			 (unsigned long long)in[i].type, i);
		ASSERT_EQ(0, tput(self->fd, buf, strlen(buf), in[i].type,
				  in[i].prio, 0, 0));
	}
	expect_get(_metadata, self->fd, IPCQ_MSG_TYPE_EQ, 4, 4, 5);
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.bytes);
}

/* The model of a queue's kept messages for random_operations_match_a_model. */
struct model_msg {
	uint32_t id, prio, len;
	uint64_t type, seq;
};

/*
 * The message a get selecting (@match, @t) takes from the model: the
 * first in order (priority descending, then arrival); for LE the first of
 * the lowest type at most @t. -1: none.
 */
static int model_pick(const struct model_msg *q, int n, uint32_t match,
		      uint64_t t)
{
	int best = -1, i;

	for (i = 0; i < n; i++) {
		if ((match == IPCQ_MSG_TYPE_EQ && q[i].type != t) ||
		    (match == IPCQ_MSG_TYPE_NE && q[i].type == t) ||
		    (match == IPCQ_MSG_TYPE_LE && q[i].type > t))
			continue;
		if (best >= 0 && match == IPCQ_MSG_TYPE_LE &&
		    q[i].type != q[best].type) {
			if (q[i].type < q[best].type)
				best = i;
			continue;
		}
		if (best < 0 || q[i].prio > q[best].prio ||
		    (q[i].prio == q[best].prio && q[i].seq < q[best].seq))
			best = i;
	}
	return best;
}

/*
 * Random puts (priorities, types, lengths) and gets (plain, EQ, LE, NE,
 * peeks, gets whose copy-out faults, gets into a buffer one byte short)
 * on @fd against a model: every get takes exactly the message the model
 * says, and a failed one changes nothing. A fixed seed: a failure
 * repeats. With @q (a ring queue's handle), untyped priority-0 puts and
 * half the plain gets go through the library's ring path, and no
 * copy-out faults (a kept message of a ring queue that faults goes
 * first, not back to its place: ipcq(4)).
 */
static void model_run(struct __test_metadata *_metadata, int fd,
		      ipcdev_queue *q)
{
	static const uint32_t prios[] = { 0, 0, 0, 1, 2, 7, IPCQ_PRIO_MAX };
	static const uint64_t types[] = { 0, 0, 0, 0, 1, 2, 3, 1000000007 };
	static const uint64_t le_types[] = { 0, 1, 2, 5, ~0ULL };
	static const uint32_t matches[] = {
		0, IPCQ_MSG_TYPE_EQ, IPCQ_MSG_TYPE_LE, IPCQ_MSG_TYPE_NE,
	};
	enum { OPS = 20000, MAX_KEPT = 300 };
	static struct model_msg kept[MAX_KEPT];
	struct ipcq_queue_stat st;
	uint32_t next_id = 1, match, flags;
	uint64_t seq = 0, t, len, got;
	unsigned char buf[64];
	int n = 0, op, r, k, ret;
	size_t libret_len;

	srandom(20261129);
	for (op = 0; op < OPS; op++) {
		r = random() % 100;
		if (r < 45 && n < MAX_KEPT) {
			struct model_msg m = {
				.id = next_id++,
				.prio = prios[random() % 7],
				.len = 4 + random() % 37,
				.type = types[random() % 8],
				.seq = seq++,
			};

			memset(buf, 0xa5, sizeof(buf));
			memcpy(buf, &m.id, sizeof(m.id));
			if (q && !m.type && !m.prio)
				ret = ipcdev_queue_put(q, buf, m.len,
						       IPCDEV_NOWAIT);
			else
				ret = tput(fd, buf, m.len, m.type, m.prio, 0,
					   0);
			ASSERT_EQ(0, ret) TH_LOG("op %d: put", op);
			kept[n++] = m;
			continue;
		}
		if (q && r >= 90 && r < 95)
			continue;
		match = matches[random() % 4];
		t = match == IPCQ_MSG_TYPE_LE ? le_types[random() % 5] :
		    match ? types[random() % 8] : 0;
		k = model_pick(kept, n, match, t);
		flags = match | IPCQ_MSG_NONBLOCK;
		len = sizeof(buf);
		if (r >= 85 && r < 90)
			flags |= IPCQ_MSG_PEEK;
		if (r >= 90 && r < 95) {
			/* The copy-out faults: the message goes back. */
			ret = tget(fd, (void *)8, &len, t, flags, 0, &got);
			ASSERT_EQ(k < 0 ? -EAGAIN : -EFAULT, ret)
				TH_LOG("op %d: fault, match %u type %llu", op,
				       match, (unsigned long long)t);
			continue;
		}
		if (r >= 95 && k >= 0)
			len = kept[k].len - 1;
		memset(buf, 0, sizeof(buf));
		got = k >= 0 ? kept[k].type : 0;
		if (q && !match && r < 85 && (random() & 1)) {
			libret_len = len;
			ret = ipcdev_queue_get(q, buf, &libret_len,
					       IPCDEV_NOWAIT);
			len = libret_len;
		} else {
			ret = tget(fd, buf, &len, t, flags, 0, &got);
		}
		if (k < 0) {
			ASSERT_EQ(-EAGAIN, ret)
				TH_LOG("op %d: match %u type %llu, %d kept",
				       op, match, (unsigned long long)t, n);
			continue;
		}
		if (r >= 95) {
			ASSERT_EQ(-EMSGSIZE, ret) TH_LOG("op %d", op);
			ASSERT_EQ(kept[k].len, len);
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("op %d", op);
		ASSERT_EQ(kept[k].len, len) TH_LOG("op %d", op);
		ASSERT_EQ(kept[k].type, got) TH_LOG("op %d", op);
		ASSERT_EQ(0, memcmp(buf, &kept[k].id, sizeof(kept[k].id)))
			TH_LOG("op %d: match %u type %llu: want id %u", op,
			       match, (unsigned long long)t, kept[k].id);
		if (!(flags & IPCQ_MSG_PEEK))
			kept[k] = kept[--n];
	}
	ASSERT_EQ(0, raw_stat(fd, &st));
	ASSERT_EQ((uint64_t)n, st.messages);
	while ((k = model_pick(kept, n, 0, 0)) >= 0) {
		len = sizeof(buf);
		ASSERT_EQ(0, tget(fd, buf, &len, 0, IPCQ_MSG_NONBLOCK, 0,
				  &got));
		ASSERT_EQ(0, memcmp(buf, &kept[k].id, sizeof(kept[k].id)));
		kept[k] = kept[--n];
	}
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, tget(fd, buf, &len, 0, IPCQ_MSG_NONBLOCK, 0,
				NULL));
}

TEST_F(t, random_operations_match_a_model)
{
	model_run(_metadata, self->fd, NULL);
}

/*
 * The same on a ring queue of 256 slots without count limit: ring and
 * kept messages (priorities, types, the ring's overflow) in one order.
 */
TEST(ring_random_operations_match_a_model)
{
	ipcdev_queue *q;

	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 0, 64));
	model_run(_metadata, ipcdev_queue_fd(q), q);
	ipcdev_queue_close(q);
}

TEST_F(t, peek_by_type_leaves_it_and_counts_are_exact)
{
	struct ipcq_queue_stat st;
	char buf[8];
	uint64_t len = sizeof(buf), got = 0;

	ASSERT_EQ(0, tput(self->fd, "x", 1, 1, 0, 0, 0));
	ASSERT_EQ(0, tput(self->fd, "yy", 2, 2, 0, 0, 0));
	ASSERT_EQ(0, tget(self->fd, buf, &len, 2,
			  IPCQ_MSG_TYPE_EQ | IPCQ_MSG_PEEK, 0, &got));
	EXPECT_EQ(2, len);
	EXPECT_EQ(2, got);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(2, st.messages);
	EXPECT_EQ(3, st.bytes);
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 1, IPCQ_MSG_TYPE_NE, 0, &got));
	EXPECT_EQ(0, memcmp(buf, "yy", 2));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(1, st.bytes);
}

/* Many types, each in order: the index stays right as types come and go. */
TEST_F(t, many_types_stay_in_order)
{
	enum { TYPES = 97, EACH = 20 };
	uint64_t len, got;
	uint32_t v;
	int i, j;

	for (j = 0; j < EACH; j++)
		for (i = 1; i <= TYPES; i++) {
			v = i * 1000 + j;
			ASSERT_EQ(0, tput(self->fd, &v, sizeof(v), i, 0, 0,
					  0));
		}
	/* Odd types by EQ, even ones by NE of the last type... */
	for (i = 1; i <= TYPES; i += 2)
		for (j = 0; j < EACH; j++) {
			len = sizeof(v);
			ASSERT_EQ(0, tget(self->fd, &v, &len, i,
					  IPCQ_MSG_TYPE_EQ, 0, &got));
			ASSERT_EQ((uint32_t)(i * 1000 + j), v);
		}
	/* ...then LE: lowest type first, each in order. */
	for (i = 2; i <= TYPES; i += 2)
		for (j = 0; j < EACH; j++) {
			len = sizeof(v);
			ASSERT_EQ(0, tget(self->fd, &v, &len, TYPES,
					  IPCQ_MSG_TYPE_LE, 0, &got));
			ASSERT_EQ((uint32_t)(i * 1000 + j), v);
			ASSERT_EQ(i, got);
		}
	len = sizeof(v);
	EXPECT_EQ(-EAGAIN, tget(self->fd, &v, &len, 0, IPCQ_MSG_NONBLOCK, 0,
				NULL));
}

/* A get waiting for its type is not woken by another, then by its own. */
TEST_F(t, selective_get_waits_for_its_type)
{
	uint64_t len, got;
	char buf[8];
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		len = sizeof(buf);
		if (tget(self->fd, buf, &len, 9, IPCQ_MSG_TYPE_EQ,
			 now_ns() + WAIT_NS, &got))
			_exit(1);
		_exit(got == 9 && buf[0] == 'n' ? 0 : 2);
	}
	ASSERT_TRUE(wait_for(task_sleeping(pid), WAIT_MS));
	ASSERT_EQ(0, tput(self->fd, "e", 1, 8, 0, 0, 0));
	/* Woken, it finds nothing of its type and waits again. */
	ASSERT_TRUE(wait_for(task_sleeping(pid), WAIT_MS));
	ASSERT_EQ(0, tput(self->fd, "n", 1, 9, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	/* The other type stayed. */
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 0, IPCQ_MSG_NONBLOCK, 0, &got));
	EXPECT_EQ(8, got);
	EXPECT_EQ('e', buf[0]);
}

TEST_F(t, selective_get_deadline_nonblock_eof_shutdown)
{
	struct ipcq_shutdown sd = { 0 };
	uint64_t len = 8;
	char buf[8];
	int prod, cons;

	ASSERT_EQ(0, tput(self->fd, "a", 1, 1, 0, 0, 0));
	EXPECT_EQ(-EAGAIN, tget(self->fd, buf, &len, 2,
				IPCQ_MSG_TYPE_EQ | IPCQ_MSG_NONBLOCK, 0, NULL));
	len = 8;
	EXPECT_EQ(-ETIMEDOUT, tget(self->fd, buf, &len, 2, IPCQ_MSG_TYPE_EQ,
				   now_ns() + NSEC_PER_MSEC, NULL));
	/* End-of-file: nothing of its type can come. */
	prod = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER, 0, 0,
			      0);
	cons = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER, 0, 0,
			      0);
	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	close(self->fd);
	self->fd = -1;
	close(prod);
	len = 8;
	EXPECT_EQ(IPCQ_GET_EOF, tget(cons, buf, &len, 2, IPCQ_MSG_TYPE_EQ,
				     IPCQ_DEADLINE_FOREVER, NULL));
	len = 8;
	EXPECT_EQ(0, tget(cons, buf, &len, 1, IPCQ_MSG_TYPE_EQ, 0, NULL));
	EXPECT_EQ(IPCQ_GET_EOF, tget(cons, buf, &len, 1, IPCQ_MSG_TYPE_EQ, 0,
				     NULL));
	close(cons);

	/* Shut down: nothing of its type can come either. */
	self->fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tput(self->fd, "a", 1, 1, 0, 0, 0));
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	len = 8;
	EXPECT_EQ(-ESHUTDOWN, tget(self->fd, buf, &len, 2, IPCQ_MSG_TYPE_EQ,
				   IPCQ_DEADLINE_FOREVER, NULL));
	len = 8;
	EXPECT_EQ(0, tget(self->fd, buf, &len, 1, IPCQ_MSG_TYPE_LE, 0, NULL));
}

/*
 * One server queue: requests of type 1, replies tagged with the client's
 * pid, each client taking only its own, without a queue per client.
 */
#define CLIENTS		4
#define REQUESTS	200

struct req {
	pid_t pid;
	uint32_t seq;
};

TEST_F(t, pid_tagged_replies_on_one_queue)
{
	pid_t pids[CLIENTS], server;
	uint64_t len, got;
	struct req r;
	int i;

	server = fork();
	ASSERT_LE(0, server);
	if (server == 0) {
		for (i = 0; i < CLIENTS * REQUESTS; i++) {
			len = sizeof(r);
			if (tget(self->fd, &r, &len, 1, IPCQ_MSG_TYPE_EQ,
				 now_ns() + WAIT_NS, NULL))
				_exit(1);
			r.seq++;
			if (tput(self->fd, &r, sizeof(r), r.pid, 0, 0,
				 IPCQ_DEADLINE_FOREVER))
				_exit(2);
		}
		_exit(0);
	}
	for (i = 0; i < CLIENTS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			uint32_t n;

			for (n = 0; n < REQUESTS; n++) {
				r.pid = getpid();
				r.seq = n;
				if (tput(self->fd, &r, sizeof(r), 1, 0, 0,
					 IPCQ_DEADLINE_FOREVER))
					_exit(1);
				len = sizeof(r);
				if (tget(self->fd, &r, &len, getpid(),
					 IPCQ_MSG_TYPE_EQ, now_ns() + WAIT_NS,
					 &got))
					_exit(2);
				if (got != (uint64_t)getpid() ||
				    r.pid != getpid() || r.seq != n + 1)
					_exit(3);
			}
			_exit(0);
		}
	}
	for (i = 0; i < CLIENTS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(0, child_status(server));
	len = sizeof(r);
	EXPECT_EQ(-EAGAIN, tget(self->fd, &r, &len, 0, IPCQ_MSG_NONBLOCK, 0,
				NULL));
}

TEST_F(t, truncate_takes_a_long_message_cut)
{
	char buf[8];
	uint64_t len = 4;

	ASSERT_EQ(0, tput(self->fd, "0123456789", 10, 0, 0, 0, 0));
	memset(buf, 'z', sizeof(buf));
	/* The default: EMSGSIZE, the message stays, its size told. */
	EXPECT_EQ(-EMSGSIZE, tget(self->fd, buf, &len, 0, IPCQ_MSG_NONBLOCK,
				  0, NULL));
	EXPECT_EQ(10, len);
	len = 4;
	EXPECT_EQ(0, tget(self->fd, buf, &len, 0,
			  IPCQ_MSG_TRUNCATE | IPCQ_MSG_PEEK, 0, NULL));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(buf, "0123zzzz", 8));
	len = 4;
	EXPECT_EQ(0, tget(self->fd, buf, &len, 0, IPCQ_MSG_TRUNCATE, 0, NULL));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(buf, "0123zzzz", 8));
	len = 4;
	EXPECT_EQ(-EAGAIN, tget(self->fd, buf, &len, 0,
				IPCQ_MSG_TRUNCATE | IPCQ_MSG_NONBLOCK, 0,
				NULL));
	/* With a type to match, and a message that fits: untouched. */
	ASSERT_EQ(0, tput(self->fd, "ab", 2, 5, 0, 0, 0));
	len = 4;
	EXPECT_EQ(0, tget(self->fd, buf, &len, 5,
			  IPCQ_MSG_TRUNCATE | IPCQ_MSG_TYPE_EQ, 0, NULL));
	EXPECT_EQ(2, len);
	EXPECT_EQ(0, memcmp(buf, "ab23", 4));
}

/* Ring queues: ring messages are type 0, typed ones go through the kernel. */
TEST(ring_queue_types_and_truncation)
{
	ipcdev_queue *q;
	uint64_t len, got;
	char buf[16];
	int fd, i;

	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 16, 32));
	fd = ipcdev_queue_fd(q);
	/* Through the ring (untyped, priority 0), and typed ones. */
	ASSERT_EQ(0, ipcdev_queue_put(q, "r0", 2, IPCDEV_NOWAIT));
	ASSERT_EQ(0, tput(fd, "t5", 2, 5, 0, 0, 0));
	ASSERT_EQ(0, ipcdev_queue_put(q, "r1", 2, IPCDEV_NOWAIT));
	ASSERT_EQ(0, tput(fd, "t6", 2, 6, 0, 0, 0));
	len = sizeof(buf);
	ASSERT_EQ(0, tget(fd, buf, &len, 6, IPCQ_MSG_TYPE_EQ, 0, &got));
	EXPECT_EQ(0, memcmp(buf, "t6", 2));
	len = sizeof(buf);
	ASSERT_EQ(0, tget(fd, buf, &len, 0, IPCQ_MSG_TYPE_EQ, 0, &got));
	EXPECT_EQ(0, memcmp(buf, "r0", 2));
	EXPECT_EQ(0, got);
	len = sizeof(buf);
	ASSERT_EQ(0, tget(fd, buf, &len, 5, IPCQ_MSG_TYPE_NE, 0, &got));
	EXPECT_EQ(0, memcmp(buf, "r1", 2));
	len = sizeof(buf);
	ASSERT_EQ(0, tget(fd, buf, &len, 9, IPCQ_MSG_TYPE_LE, 0, &got));
	EXPECT_EQ(0, memcmp(buf, "t5", 2));
	EXPECT_EQ(5, got);
	/* Truncating a ring message. */
	ASSERT_EQ(0, ipcdev_queue_put(q, "abcdefgh", 8, IPCDEV_NOWAIT));
	memset(buf, 'z', sizeof(buf));
	len = 3;
	ASSERT_EQ(0, tget(fd, buf, &len, 0, IPCQ_MSG_TRUNCATE, 0, NULL));
	EXPECT_EQ(8, len);
	EXPECT_EQ(0, memcmp(buf, "abczz", 5));
	/* The ring's own path still works. */
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, ipcdev_queue_put(q, &i, sizeof(i),
					      IPCDEV_NOWAIT));
	for (i = 0; i < 10; i++) {
		int v;
		size_t l = sizeof(v);

		ASSERT_EQ(0, ipcdev_queue_get(q, &v, &l, IPCDEV_NOWAIT));
		EXPECT_EQ(i, v);
	}
	ipcdev_queue_close(q);
}

/*
 * A put through the ring wakes the getters of a queue on which a get
 * waits for a type: the plain getter that waited second takes it, though
 * the selective one (first in line) does not want it.
 */
TEST(ring_put_wakes_a_plain_getter_behind_a_selective_one)
{
	ipcdev_queue *q;
	uint64_t len;
	pid_t sel, plain;
	char buf[8];
	int fd;

	ASSERT_EQ(0, ipcdev_queue_create_ring(&q, 16, 32));
	fd = ipcdev_queue_fd(q);
	sel = fork();
	ASSERT_LE(0, sel);
	if (sel == 0) {
		len = sizeof(buf);
		_exit(tget(fd, buf, &len, 5, IPCQ_MSG_TYPE_EQ,
			   now_ns() + WAIT_NS, NULL) ? 1 : 0);
	}
	ASSERT_TRUE(wait_for(task_sleeping(sel), WAIT_MS));
	plain = fork();
	ASSERT_LE(0, plain);
	if (plain == 0) {
		len = sizeof(buf);
		_exit(tget(fd, buf, &len, 0, 0, now_ns() + WAIT_NS, NULL) ||
		      buf[0] != 'r' ? 1 : 0);
	}
	ASSERT_TRUE(wait_for(task_sleeping(plain), WAIT_MS));
	/* Through the ring: nothing is kept, no put waits. */
	ASSERT_EQ(0, ipcdev_queue_put(q, "r", 1, IPCDEV_NOWAIT));
	EXPECT_EQ(0, child_status(plain));
	ASSERT_EQ(0, tput(fd, "5", 1, 5, 0, 0, 0));
	EXPECT_EQ(0, child_status(sel));
	ipcdev_queue_close(q);
}

/* Byte limit: a put past it waits, and a get that frees bytes wakes it. */
TEST_F(t, byte_limit_put_waits_and_get_wakes_it)
{
	struct ipcq_queue_stat st;
	char buf[64] = { 0 };
	uint64_t len;
	pid_t big, small;

	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 0, 64, 100));
	ASSERT_EQ(0, tput(self->fd, buf, 60, 1, 0, 0, 0));
	ASSERT_EQ(0, tput(self->fd, buf, 30, 2, 0, 0, 0));
	EXPECT_EQ(-EAGAIN, tput(self->fd, buf, 11, 0, 0, IPCQ_MSG_NONBLOCK,
				0));
	EXPECT_EQ(-ETIMEDOUT, tput(self->fd, buf, 11, 0, 0, 0,
				   now_ns() + NSEC_PER_MSEC));
	/* Larger than the whole limit: ENOBUFS at once. */
	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 0, 64, 50));
	EXPECT_EQ(-ENOBUFS, tput(self->fd, buf, 51, 0, 0, 0,
				 IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 0, 64, 100));

	/* A big put waits first, a small one after it. */
	big = fork();
	ASSERT_LE(0, big);
	if (big == 0)
		_exit(tput(self->fd, buf, 50, 0, 0, 0, now_ns() + WAIT_NS) ?
		      1 : 0);
	ASSERT_TRUE(wait_for(task_sleeping(big), WAIT_MS));
	small = fork();
	ASSERT_LE(0, small);
	if (small == 0)
		_exit(tput(self->fd, buf, 20, 0, 0, 0, now_ns() + WAIT_NS) ?
		      1 : 0);
	ASSERT_TRUE(wait_for(task_sleeping(small), WAIT_MS));
	/* 30 bytes freed: the small one fits, the big one waits on. */
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 2, IPCQ_MSG_TYPE_EQ, 0, NULL));
	EXPECT_EQ(30, len);
	EXPECT_EQ(0, child_status(small));
	ASSERT_TRUE(wait_for(task_sleeping(big), WAIT_MS));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.putters);
	EXPECT_EQ(80, st.bytes);
	len = sizeof(buf);
	ASSERT_EQ(0, tget(self->fd, buf, &len, 0, 0, 0, NULL));
	EXPECT_EQ(0, child_status(big));
}

/* Growing a limit judges blocked puts again; shrinking fails them. */
TEST_F(t, set_limits_judges_waiting_puts_again)
{
	struct ipcq_queue_stat st;
	char buf[64] = { 0 };
	pid_t pid;

	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 1, 64, 1000));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.capacity);
	EXPECT_EQ(64, st.max_msg_size);
	EXPECT_EQ(1000, st.max_bytes);
	ASSERT_EQ(0, tput(self->fd, buf, 1, 0, 0, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(tput(self->fd, buf, 2, 0, 0, 0, now_ns() + WAIT_NS) ?
		      1 : 0);
	ASSERT_TRUE(wait_for(task_sleeping(pid), WAIT_MS));
	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 2, 64, 1000));
	EXPECT_EQ(0, child_status(pid));

	/* A waiting put larger than the new largest message: EMSGSIZE. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-tput(self->fd, buf, 40, 0, 0, 0, now_ns() + WAIT_NS));
	ASSERT_TRUE(wait_for(task_sleeping(pid), WAIT_MS));
	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 2, 32, 1000));
	EXPECT_EQ(EMSGSIZE, child_status(pid));
	/* ...and larger than the new byte limit: ENOBUFS. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-tput(self->fd, buf, 30, 0, 0, 0, now_ns() + WAIT_NS));
	ASSERT_TRUE(wait_for(task_sleeping(pid), WAIT_MS));
	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 2, 32, 20));
	EXPECT_EQ(ENOBUFS, child_status(pid));
	/* Below what it holds: nothing dropped. */
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(2, st.messages);
	EXPECT_EQ(20, st.max_bytes);
}

static int open_consumer(int dev, const char *name)
{
	int fd = raw_queue_open(dev, name, IPCQ_OPEN_CONSUMER, 0, 0, 0);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? -fd : 0;
}

static int set_mode_0666(int dev, const char *name)
{
	struct ipcq_set arg;

	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_SET_MODE;
	arg.mode = 0666;
	return -raw_set(dev, name, IPCQ_TYPE_QUEUE, &arg);
}

TEST_F(t, set_owner_group_mode_and_who_may)
{
	struct ipcq_object_info *infos = NULL;
	struct ipcq_set arg;
	size_t n = 0, i;
	int found = 0;

	if (geteuid() != 0)
		SKIP(return, "needs root to act as another user");
	/* Mode 0600, owner root: nobody may not open it, nor change it. */
	EXPECT_EQ(EACCES, as_nobody(open_consumer, self->dev, self->name));
	EXPECT_EQ(EPERM, as_nobody(set_mode_0666, self->dev, self->name));
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_SET_MODE;
	arg.mode = 0604;
	ASSERT_EQ(0, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE, &arg));
	EXPECT_EQ(0, as_nobody(open_consumer, self->dev, self->name));
	/* Given to nobody, nobody may change it. */
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_SET_UID | IPCQ_SET_GID;
	arg.uid = 65534;
	arg.gid = 65534;
	ASSERT_EQ(0, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE, &arg));
	EXPECT_EQ(0, as_nobody(set_mode_0666, self->dev, self->name));
	ASSERT_EQ(0, ipcdev_list(&infos, &n));
	for (i = 0; i < n; i++) {
		if (strcmp(infos[i].name, self->name))
			continue;
		found = 1;
		EXPECT_EQ(65534, infos[i].uid);
		EXPECT_EQ(65534, infos[i].gid);
		EXPECT_EQ(0666, infos[i].mode);
	}
	free(infos);
	EXPECT_EQ(1, found);
}

static int set_big_bytes(int dev, const char *name)
{
	return -raw_set_queue_limits(dev, name, 0, 64, get_param("max_queue_bytes") + 1);
}

TEST_F(t, set_errors)
{
	struct ipcq_set arg;
	char long_name[IPCQ_NAME_MAX + 2];
	int ring;

	memset(&arg, 0, sizeof(arg));
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));	/* no flag */
	arg.flags = 1U << 4;
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));
	arg.flags = IPCQ_SET_MODE;
	arg.mode = 01000;
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));
	arg.mode = 0600;
	arg.uid = 1;		/* without IPCQ_SET_UID */
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));
	arg.uid = 0;
	arg.gid = 1;
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));
	arg.gid = 0;
	arg.max_bytes = 1;	/* without IPCQ_SET_LIMITS */
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));
	arg.max_bytes = 0;
	arg.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));
	arg.reserved[1] = 0;
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, 0, &arg));
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, 99, &arg));
	arg.flags = IPCQ_SET_UID;
	arg.mode = 0;
	arg.uid = (uint32_t)-1;	/* not a valid id */
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				   &arg));
	/* Limits: in range, of queues only. */
	EXPECT_EQ(-EINVAL, raw_set_queue_limits(self->dev, self->name, 0, 0, 100));
	EXPECT_EQ(-EINVAL, raw_set_queue_limits(self->dev, self->name, 0,
				      get_param("max_msg_size") + 1, 100));
	EXPECT_EQ(-EINVAL, raw_set_queue_limits(self->dev, self->name, 0, 64, 0));
	EXPECT_EQ(-EINVAL, raw_set_queue_limits(self->dev, self->name, 0, 64,
				      (1ULL << 40) + 1));
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_SET_LIMITS;
	arg.max_msg_size = 64;
	arg.max_bytes = 100;
	EXPECT_EQ(-EINVAL, raw_set(self->dev, self->name, IPCQ_TYPE_SEM,
				   &arg));
	/* Names. */
	EXPECT_EQ(-ENOENT, raw_set_queue_limits(self->dev, "sysv-test-none", 0, 64,
				      100));
	/* Checked before the name is looked up. */
	EXPECT_EQ(-EINVAL, raw_set(self->dev, "sysv-test-none",
				   IPCQ_TYPE_SEM, &arg));
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_SET_MODE;
	EXPECT_EQ(-ENOENT, raw_set(self->dev, self->name, IPCQ_TYPE_SEM,
				   &arg));
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, raw_set_queue_limits(self->dev, long_name, 0, 64, 100));
	EXPECT_EQ(-EINVAL, raw_set_queue_limits(self->dev, NULL, 0, 64, 100));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_SET, NULL));
	/* A ring queue's limits are its ring's. */
	raw_unlink(self->dev, self->name);
	ring = raw_queue_open(self->dev, self->name,
			      BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_RING, 0600,
			      8, 0);
	ASSERT_LE(0, ring);
	EXPECT_EQ(-EOPNOTSUPP, raw_set_queue_limits(self->dev, self->name, 0, 64, 100));
	close(ring);
	/* Above max_queue_bytes only with CAP_SYS_RESOURCE. */
	if (geteuid() == 0) {
		raw_unlink(self->dev, self->name);
		close(self->fd);
		self->fd = raw_queue_open(self->dev, self->name,
					  BOTH | IPCQ_OPEN_CREATE, 0666, 0, 0);
		ASSERT_LE(0, self->fd);
		memset(&arg, 0, sizeof(arg));
		arg.flags = IPCQ_SET_UID;
		arg.uid = 65534;
		ASSERT_EQ(0, raw_set(self->dev, self->name, IPCQ_TYPE_QUEUE,
				     &arg));
		EXPECT_EQ(EPERM, as_nobody(set_big_bytes, self->dev,
					   self->name));
		EXPECT_EQ(0, set_big_bytes(self->dev, self->name));
	}
}

/* Every named type takes a new mode. */
TEST_F(t, set_mode_of_a_semaphore)
{
	struct ipcq_sync_open so;
	struct ipcq_unlink u;
	struct ipcq_set arg;
	int fd;

	memset(&so, 0, sizeof(so));
	so.name = (uintptr_t)self->name;
	so.name_len = strlen(self->name);
	so.type = IPCQ_TYPE_SEM;
	so.flags = IPCQ_OPEN_CREATE;
	so.mode = 0600;
	so.value = 1;
	fd = xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &so);
	ASSERT_LE(0, fd);
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_SET_MODE;
	arg.mode = 0640;
	EXPECT_EQ(0, raw_set(self->dev, self->name, IPCQ_TYPE_SEM, &arg));
	close(fd);
	memset(&u, 0, sizeof(u));
	u.name = (uintptr_t)self->name;
	u.name_len = strlen(self->name);
	u.type = IPCQ_TYPE_SEM;
	EXPECT_EQ(0, xioctl(self->dev, IPCQ_IOC_UNLINK, &u));
}

/* The library: typed put and get, truncation, set; their errors. */
TEST(library_typed_calls_and_set)
{
	struct ipcdev_set_attr attr;
	struct ipcq_queue_stat st;
	ipcdev_queue *q, *ring;
	char name[64], buf[8];
	uint64_t type = 0;
	size_t len;

	snprintf(name, sizeof(name), "sysv-lib-%d", getpid());
	ipcdev_queue_unlink(name);
	ASSERT_EQ(0, ipcdev_queue_open(&q, name, IPCDEV_CREATE, 0600, NULL));
	ASSERT_EQ(0, ipcdev_queue_put_typed(q, "a", 1, 4, 0, IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_queue_put_typed(q, "bcdef", 5, 2, 0,
					    IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_queue_put(q, "z", 1, IPCDEV_NOWAIT));
	len = sizeof(buf);
	ASSERT_EQ(0, ipcdev_queue_get_typed(q, buf, &len, &type, 4,
					    IPCDEV_TYPE_EQ, IPCDEV_NOWAIT));
	EXPECT_EQ(4, type);
	EXPECT_EQ('a', buf[0]);
	len = 2;
	EXPECT_EQ(-EMSGSIZE, ipcdev_queue_get_typed(q, buf, &len, &type, 0,
						    IPCDEV_TYPE_NE,
						    IPCDEV_NOWAIT));
	EXPECT_EQ(5, len);
	EXPECT_EQ(2, type);
	len = 2;
	ASSERT_EQ(0, ipcdev_queue_get_typed(q, buf, &len, NULL, 0,
					    IPCDEV_TYPE_NE | IPCDEV_TRUNCATE,
					    IPCDEV_NOWAIT));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(buf, "bc", 2));
	len = sizeof(buf);
	ASSERT_EQ(0, ipcdev_queue_get_typed(q, buf, &len, &type, 3,
					    IPCDEV_TYPE_LE | IPCDEV_PEEK,
					    IPCDEV_NOWAIT));
	EXPECT_EQ(0, type);
	len = sizeof(buf);
	EXPECT_EQ(-ETIMEDOUT, ipcdev_queue_get_typed(q, buf, &len, &type, 9,
						     IPCDEV_TYPE_EQ,
						     NSEC_PER_MSEC));
	/* Errors. */
	EXPECT_EQ(-EINVAL, ipcdev_queue_get_typed(q, buf, NULL, &type, 0, 0,
						  IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_queue_get_typed(q, buf, &len, &type, 0,
						  1U << 20, IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_queue_get_typed(q, buf, &len, &type, 1,
						  IPCDEV_TYPE_EQ |
						  IPCDEV_TYPE_LE,
						  IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_queue_get_typed(q, buf, &len, &type, 1, 0,
						  IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_queue_put_typed(q, "a", 1, 1,
						  IPCQ_PRIO_MAX + 1,
						  IPCDEV_NOWAIT));

	/* Set: limits, mode; the fields not named are not sent. */
	memset(&attr, 0xff, sizeof(attr));
	attr.flags = IPCDEV_SET_LIMITS;
	attr.capacity = 3;
	attr.max_msg_size = 16;
	attr.max_bytes = 48;
	ASSERT_EQ(0, ipcdev_set(name, IPCQ_TYPE_QUEUE, &attr));
	ASSERT_EQ(0, ipcdev_queue_stat(q, &st));
	EXPECT_EQ(3, st.capacity);
	EXPECT_EQ(16, st.max_msg_size);
	EXPECT_EQ(48, st.max_bytes);
	attr.flags = IPCDEV_SET_MODE;
	attr.mode = 0640;
	EXPECT_EQ(0, ipcdev_set(name, IPCQ_TYPE_QUEUE, &attr));
	attr.mode = 01777;
	EXPECT_EQ(-EINVAL, ipcdev_set(name, IPCQ_TYPE_QUEUE, &attr));
	EXPECT_EQ(-EINVAL, ipcdev_set(NULL, IPCQ_TYPE_QUEUE, &attr));
	EXPECT_EQ(-EINVAL, ipcdev_set(name, IPCQ_TYPE_QUEUE, NULL));
	attr.mode = 0600;
	EXPECT_EQ(-ENOENT, ipcdev_set("sysv-lib-none", IPCQ_TYPE_QUEUE,
				      &attr));
	ipcdev_queue_close(q);
	ipcdev_queue_unlink(name);

	/* Typed calls on a ring queue go through the kernel. */
	ASSERT_EQ(0, ipcdev_queue_create_ring(&ring, 8, 16));
	ASSERT_EQ(0, ipcdev_queue_put_typed(ring, "t", 1, 7, 0,
					    IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_queue_put(ring, "r", 1, IPCDEV_NOWAIT));
	len = sizeof(buf);
	ASSERT_EQ(0, ipcdev_queue_get(ring, buf, &len, IPCDEV_NOWAIT));
	EXPECT_EQ('t', buf[0]);
	len = sizeof(buf);
	ASSERT_EQ(0, ipcdev_queue_get_typed(ring, buf, &len, &type, 0,
					    IPCDEV_TYPE_EQ, IPCDEV_NOWAIT));
	EXPECT_EQ('r', buf[0]);
	ipcdev_queue_close(ring);
}

TEST_HARNESS_MAIN
