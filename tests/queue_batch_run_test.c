// SPDX-License-Identifier: GPL-2.0
/*
 * Batches moved a run at a time (kmod/queue_batch.c): entries read a
 * chunk (16) at a time, each chunk's messages queued (taken) under one
 * hold of the queue lock. Checked at the edges of that design, on plain
 * queues and on ring queues (whose batches take the single calls, and
 * must answer the same): batch sizes around the chunk (1, 15, 16, 17, 33,
 * 1024); a queue that fills, a byte limit reached, a message too big, a
 * message that faults and an entry array that ends, each in the middle of
 * a chunk; a get buffer faulting at the Nth entry (the messages after it
 * stay queued, in order, indexed by type, counted as tasks); typed and
 * prioritized messages mixed in one batch, plain, selecting and
 * truncating entries against a model of the queue's order; shutdown
 * during a two-process stream of batches, every count exact; mq_notify
 * once per batch (plain queues: ring queues have none).
 */
#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define MAXN	1024
#define MSZ	16		/* bytes per message */

static char src[MAXN][MSZ], dst[MAXN][MSZ];
static struct ipcq_msg ents[MAXN];

/* One batch ioctl: its value or -errno; *@done (may be NULL) its done. */
static int batch(int fd, unsigned long cmd, struct ipcq_msg *m, uint32_t n,
		 uint32_t flags, uint32_t *done)
{
	struct ipcq_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)m;
	b.count = n;
	b.flags = flags;
	b.deadline = IPCQ_DEADLINE_FOREVER;
	b.done = 0xa5a5a5a5;
	ret = xioctl(fd, cmd, &b);
	if (done)
		*done = b.done;
	return ret;
}

static int put_nb(int q, struct ipcq_msg *m, uint32_t n)
{
	return batch(q, IPCQ_IOC_QUEUE_PUT_MANY, m, n, IPCQ_BATCH_NONBLOCK,
		     NULL);
}

static int get_nb(int q, struct ipcq_msg *m, uint32_t n)
{
	return batch(q, IPCQ_IOC_QUEUE_GET_MANY, m, n, IPCQ_BATCH_NONBLOCK,
		     NULL);
}

/* Message @seq's bytes: its number, then its low byte repeated. */
static void fill(char *p, uint32_t seq)
{
	memset(p, seq & 0xff, MSZ);
	memcpy(p, &seq, sizeof(seq));
}

static uint32_t seq_of(const char *p)
{
	uint32_t seq;

	memcpy(&seq, p, sizeof(seq));
	return seq;
}

/* @p holds message @seq, whole. */
static int whole(const char *p, uint32_t seq)
{
	char want[MSZ];

	fill(want, seq);
	return !memcmp(p, want, MSZ);
}

/* Put entries 0..@n-1 for messages @first.., in src[]. */
static void put_entries(unsigned int n, uint32_t first)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		fill(src[i], first + i);
		msg_init(&ents[i], src[i], MSZ, 0, 0);
	}
}

/* Get entries 0..@n-1 into dst[], poisoned. */
static void get_entries(unsigned int n)
{
	unsigned int i;

	memset(dst, 0, sizeof(dst));
	for (i = 0; i < n; i++) {
		msg_init(&ents[i], dst[i], MSZ, 0, 0);
		ents[i].priority = 0xdeadbeef;
	}
}

static uint64_t queued(int q)
{
	struct ipcq_queue_stat st;

	return raw_stat(q, &st) ? ~0ULL : st.messages;
}

/* Takes every message left; checks they are @first.. in order, whole. */
static int drain_in_order(int q, uint32_t first, uint32_t count)
{
	uint32_t next = first;
	int got, i;

	while (next < first + count) {
		get_entries(33);
		got = get_nb(q, ents, 33);
		if (got <= 0)
			return -1;
		for (i = 0; i < got; i++, next++)
			if (ents[i].len != MSZ || !whole(dst[i], next))
				return -1;
	}
	return queued(q) == 0 ? 0 : -1;
}

FIXTURE(run) {
	int dev;
	int q;		/* both roles, capacity MAXN, max_msg_size 64 */
};

FIXTURE_VARIANT(run) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(run, queue) {
	.flags = 0,
};

FIXTURE_VARIANT_ADD(run, ring_queue) {
	.flags = IPCQ_OPEN_RING,
};

static int vqueue(int dev, uint32_t flags, uint64_t capacity)
{
	struct ipcq_queue_open arg;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags | BOTH | IPCQ_OPEN_CLOEXEC;
	arg.capacity = capacity;
	arg.max_msg_size = 64;
	return xioctl(dev, IPCQ_IOC_QUEUE_OPEN, &arg);
}

FIXTURE_SETUP(run)
{
	self->dev = dev_open();
	ASSERT_GE(self->dev, 0);
	self->q = vqueue(self->dev, variant->flags, MAXN);
	ASSERT_GE(self->q, 0);
}

FIXTURE_TEARDOWN(run)
{
	close(self->q);
	close(self->dev);
}

/* Put in one batch of each size, got back in batches of another. */
TEST_F(run, chunk_boundaries_keep_order_and_counts)
{
	static const uint32_t sizes[] = { 1, 15, 16, 17, 33, 1024 };
	const unsigned int ns = sizeof(sizes) / sizeof(sizes[0]);
	uint32_t seq = 0, next, done, g, i, k;
	int got;

	for (k = 0; k < ns; k++) {
		put_entries(sizes[k], seq);
		ASSERT_EQ(sizes[k], batch(self->q, IPCQ_IOC_QUEUE_PUT_MANY,
					  ents, sizes[k], 0, &done));
		EXPECT_EQ(sizes[k], done);
		ASSERT_EQ(sizes[k], queued(self->q));
		g = sizes[(k + 3) % ns];
		for (next = seq; next < seq + sizes[k]; next += got) {
			get_entries(g);
			got = batch(self->q, IPCQ_IOC_QUEUE_GET_MANY, ents, g,
				    IPCQ_BATCH_NONBLOCK, &done);
			ASSERT_EQ(g < seq + sizes[k] - next ? g :
				  seq + sizes[k] - next, got);
			EXPECT_EQ(got, done);
			for (i = 0; i < (uint32_t)got; i++) {
				ASSERT_TRUE(whole(dst[i], next + i))
					TH_LOG("size %u by %u: entry %u",
					       sizes[k], g, i);
				ASSERT_EQ(MSZ, ents[i].len);
				ASSERT_EQ(0, ents[i].priority);
				ASSERT_EQ(0, ents[i].type);
			}
		}
		seq += sizes[k];
		EXPECT_EQ(0, queued(self->q));
	}
	get_entries(16);
	EXPECT_EQ(-EAGAIN, get_nb(self->q, ents, 16));
}

TEST_F(run, queue_fills_in_the_middle_of_a_chunk)
{
	int q = vqueue(self->dev, variant->flags, 20);
	uint32_t done;

	ASSERT_GE(q, 0);
	put_entries(33, 0);
	ASSERT_EQ(20, batch(q, IPCQ_IOC_QUEUE_PUT_MANY, ents, 33,
			    IPCQ_BATCH_NONBLOCK, &done));
	EXPECT_EQ(20, done);
	EXPECT_EQ(20, queued(q));
	EXPECT_EQ(-EAGAIN, put_nb(q, &ents[20], 13));
	/* Room for 3: the rest's first three go, in order after the 20. */
	get_entries(3);
	ASSERT_EQ(3, get_nb(q, ents, 3));
	EXPECT_TRUE(whole(dst[2], 2));
	put_entries(33, 0);
	EXPECT_EQ(3, put_nb(q, &ents[20], 13));
	EXPECT_EQ(0, drain_in_order(q, 3, 20));
	close(q);
}

TEST_F(run, too_big_and_faulting_messages_in_the_middle_of_a_chunk)
{
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	struct ipcq_msg *tail;
	char *area;

	ASSERT_NE(MAP_FAILED, bad);
	/* Entry 20 too big: 20 go; the next call meets EMSGSIZE. */
	put_entries(33, 0);
	ents[20].len = 65;
	ASSERT_EQ(20, put_nb(self->q, ents, 33));
	EXPECT_EQ(-EMSGSIZE, put_nb(self->q, &ents[20], 13));
	/* Its message faults at entry 25: 20..24 go, then EFAULT. */
	ents[20].len = MSZ;
	ents[25].buf = (uintptr_t)bad;
	ASSERT_EQ(5, put_nb(self->q, &ents[20], 13));
	EXPECT_EQ(-EFAULT, put_nb(self->q, &ents[25], 8));
	EXPECT_EQ(25, queued(self->q));
	/* An array whose 18th entry is unmapped: 17 go (chunk 2 cut). */
	area = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, munmap(area + 4096, 4096));
	tail = (struct ipcq_msg *)(area + 4096) - 17;
	put_entries(17, 25);
	memcpy(tail, ents, 17 * sizeof(*tail));
	EXPECT_EQ(17, put_nb(self->q, tail, 33));
	EXPECT_EQ(0, drain_in_order(self->q, 0, 42));
	munmap(area, 4096);
	munmap(bad, 4096);
}

static int set_limits(int dev, const char *name, uint64_t max_bytes)
{
	return raw_set_queue_limits(dev, name, 0, 64, max_bytes);
}

TEST_F(run, byte_limit_in_the_middle_of_a_chunk)
{
	char name[64];
	int q;

	if (variant->flags & IPCQ_OPEN_RING)
		SKIP(return, "a ring queue's limits are its ring's");
	snprintf(name, sizeof(name), "batch-run-%d", getpid());
	q = raw_queue_open(self->dev, name, BOTH | IPCQ_OPEN_CREATE, 0600, 0,
			   64);
	ASSERT_GE(q, 0);
	/* Room for 20 messages and a half: 20 go, then EAGAIN (bytes). */
	ASSERT_EQ(0, set_limits(self->dev, name, 20 * MSZ + MSZ / 2));
	put_entries(33, 0);
	ASSERT_EQ(20, put_nb(q, ents, 33));
	EXPECT_EQ(-EAGAIN, put_nb(q, &ents[20], 13));
	EXPECT_EQ(0, drain_in_order(q, 0, 20));
	/* A message larger than the whole limit: ENOBUFS, next call. */
	ASSERT_EQ(0, set_limits(self->dev, name, 40));
	put_entries(33, 20);
	ents[1].len = 41;
	ASSERT_EQ(1, put_nb(q, ents, 33));
	EXPECT_EQ(-ENOBUFS, put_nb(q, &ents[1], 32));
	EXPECT_EQ(0, drain_in_order(q, 20, 1));
	close(q);
	raw_unlink(self->dev, name);
}

/* A message of the model: the queue's order is (prio desc, seq asc). */
struct mmsg {
	uint32_t seq, prio;
	uint64_t type;
	int gone;
};

static int before(const struct mmsg *a, const struct mmsg *b)
{
	return a->prio > b->prio || (a->prio == b->prio && a->seq < b->seq);
}

/* What a get selecting by @flags and @type takes from @ms, or -1. */
static int model_take(struct mmsg *ms, int n, uint32_t flags, uint64_t type)
{
	uint64_t low = ~0ULL;
	int i, best = -1;

	if (flags & IPCQ_MSG_TYPE_LE) {
		for (i = 0; i < n; i++)
			if (!ms[i].gone && ms[i].type <= type &&
			    ms[i].type < low)
				low = ms[i].type;
		flags = IPCQ_MSG_TYPE_EQ;
		type = low;
	}
	for (i = 0; i < n; i++) {
		if (ms[i].gone ||
		    ((flags & IPCQ_MSG_TYPE_EQ) && ms[i].type != type) ||
		    ((flags & IPCQ_MSG_TYPE_NE) && ms[i].type == type))
			continue;
		if (best < 0 || before(&ms[i], &ms[best]))
			best = i;
	}
	if (best >= 0)
		ms[best].gone = 1;
	return best;
}

/* Puts @n messages 0.. with a mix of priorities and types, one batch. */
static void put_mixed(struct __test_metadata *_metadata, int q,
		      struct mmsg *ms, int n)
{
	static const uint32_t prios[] = { 0, 3, 0, 7, 3 };
	static const uint64_t types[] = { 0, 1, 2, 0, 5, 1, 0 };
	int i;

	put_entries(n, 0);
	for (i = 0; i < n; i++) {
		ms[i] = (struct mmsg) { .seq = i, .prio = prios[i % 5],
					.type = types[i % 7] };
		ents[i].priority = ms[i].prio;
		ents[i].type = ms[i].type;
	}
	ASSERT_EQ(n, put_nb(q, ents, n));
}

/* Gets the rest in plain batches; checks them against the model. */
static void drain_model(struct __test_metadata *_metadata, int q,
			struct mmsg *ms, int n)
{
	int got, i, want;

	do {
		get_entries(17);
		got = get_nb(q, ents, 17);
		for (i = 0; i < got; i++) {
			want = model_take(ms, n, 0, 0);
			ASSERT_LE(0, want);
			ASSERT_TRUE(whole(dst[i], want)) TH_LOG("%d", i);
			ASSERT_EQ(ms[want].prio, ents[i].priority);
			ASSERT_EQ(ms[want].type, ents[i].type);
		}
	} while (got > 0);
	EXPECT_EQ(-EAGAIN, got);
	EXPECT_EQ(-1, model_take(ms, n, 0, 0));
}

TEST_F(run, typed_and_prioritized_messages_mix_within_a_batch)
{
	/* Per entry: flags and type; every fifth truncates to 4 bytes. */
	static const uint32_t flags[] = { 0, IPCQ_MSG_TYPE_EQ, 0,
					  IPCQ_MSG_TYPE_NE, IPCQ_MSG_TYPE_LE,
					  0, 0, IPCQ_MSG_TYPE_EQ };
	static const uint64_t types[] = { 0, 1, 0, 0, 1, 0, 0, 5 };
	struct mmsg ms[48];
	int i, got, want, expect = 48;

	put_mixed(_metadata, self->q, ms, 48);
	get_entries(48);
	for (i = 0; i < 48; i++) {
		ents[i].flags = flags[i % 8];
		ents[i].type = types[i % 8];
		if (i % 5 == 4) {
			ents[i].flags |= IPCQ_MSG_TRUNCATE;
			ents[i].len = 4;
		}
	}
	got = get_nb(self->q, ents, 48);
	for (i = 0; i < 48; i++) {
		want = model_take(ms, 48, ents[i].flags, types[i % 8]);
		if (want < 0) {
			expect = i;
			break;
		}
		ASSERT_LT(i, got) TH_LOG("model takes %d at entry %d", want, i);
		ASSERT_EQ(want, seq_of(dst[i])) TH_LOG("entry %d", i);
		ASSERT_EQ(MSZ, ents[i].len);
		if (!(ents[i].flags & IPCQ_MSG_TRUNCATE))
			ASSERT_TRUE(whole(dst[i], want));
		ASSERT_EQ(ms[want].prio, ents[i].priority);
		ASSERT_EQ(ms[want].type, ents[i].type);
	}
	EXPECT_EQ(expect, got);
	EXPECT_EQ(48 - got, queued(self->q));
	drain_model(_metadata, self->q, ms, 48);
}

TEST_F(run, get_buffer_fault_at_the_nth_entry_keeps_the_rest)
{
	static const int nths[] = { 1, 7, 15, 16, 17, 31 };
	struct ipcq_task_done td = { .count = 40 };
	struct ipcq_queue_stat st;
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	struct mmsg ms[40];
	int k, i, nth, want;

	ASSERT_NE(MAP_FAILED, bad);
	for (k = 0; k < (int)(sizeof(nths) / sizeof(nths[0])); k++) {
		nth = nths[k];
		put_mixed(_metadata, self->q, ms, 40);
		get_entries(40);
		ents[nth].buf = (uintptr_t)bad;
		ASSERT_EQ(nth, get_nb(self->q, ents, 40));
		for (i = 0; i < nth; i++) {
			want = model_take(ms, 40, 0, 0);
			ASSERT_TRUE(whole(dst[i], want)) TH_LOG("%d: %d", nth, i);
		}
		/* Entry nth untouched, its message and the rest queued. */
		EXPECT_EQ(MSZ, ents[nth].len);
		EXPECT_EQ(0xdeadbeef, ents[nth].priority);
		EXPECT_EQ(40 - nth, queued(self->q));
		ASSERT_EQ(0, raw_stat(self->q, &st));
		EXPECT_EQ(40, st.unfinished);
		/* Still indexed by type: a get of type 5 finds its first. */
		get_entries(1);
		ents[0].flags = IPCQ_MSG_TYPE_EQ;
		ents[0].type = 5;
		want = model_take(ms, 40, IPCQ_MSG_TYPE_EQ, 5);
		ASSERT_LE(0, want);
		ASSERT_EQ(1, get_nb(self->q, ents, 1));
		EXPECT_TRUE(whole(dst[0], want));
		drain_model(_metadata, self->q, ms, 40);
		ASSERT_EQ(0, xioctl(self->q, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	}
	munmap(bad, 4096);
}

/*
 * A producer streams batches of 33 until shut down; the consumer stops
 * it midway, drains, and gets exactly what the producer was told went.
 */
TEST_F(run, shutdown_during_a_stream_of_batches)
{
	const uint32_t before_stop = ipcq_debug_kernel() ? 500 : 3000;
	struct ipcq_shutdown sd = { 0 };
	uint32_t next = 0, sent = 0;
	int stopped = 0;
	int p[2], got, i;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(p[0]);
		for (;;) {
			put_entries(33, sent);
			got = batch(self->q, IPCQ_IOC_QUEUE_PUT_MANY, ents, 33,
				    0, NULL);
			if (got <= 0)
				break;
			sent += got;
		}
		_exit(write(p[1], &sent, sizeof(sent)) == sizeof(sent) &&
		      got == -ESHUTDOWN ? 0 : 1);
	}
	close(p[1]);
	for (;;) {
		get_entries(33);
		got = batch(self->q, IPCQ_IOC_QUEUE_GET_MANY, ents, 33, 0,
			    NULL);
		if (got <= 0)
			break;
		for (i = 0; i < got; i++, next++)
			ASSERT_TRUE(whole(dst[i], next)) TH_LOG("%u", next);
		if (next >= before_stop && !stopped) {
			ASSERT_EQ(0, xioctl(self->q, IPCQ_IOC_QUEUE_SHUTDOWN,
					    &sd));
			stopped = 1;
		}
	}
	EXPECT_EQ(-ESHUTDOWN, got);
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(sizeof(sent), read(p[0], &sent, sizeof(sent)));
	EXPECT_EQ(sent, next);
	EXPECT_EQ(0, queued(self->q));
	close(p[0]);
}

TEST_F(run, notify_fires_once_for_a_batch)
{
	struct ipcq_queue_notify n;
	uint64_t v = 0;
	int efd;

	if (variant->flags & IPCQ_OPEN_RING)
		SKIP(return, "no mq_notify on ring queues (EOPNOTSUPP)");
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	memset(&n, 0, sizeof(n));
	n.flags = IPCQ_NOTIFY_EVENTFD;
	n.eventfd = efd;
	ASSERT_EQ(0, xioctl(self->q, IPCQ_IOC_QUEUE_NOTIFY, &n));
	put_entries(33, 0);
	ASSERT_EQ(33, put_nb(self->q, ents, 33));
	ASSERT_EQ(sizeof(v), read(efd, &v, sizeof(v)));
	EXPECT_EQ(1, v);
	EXPECT_EQ(-1, read(efd, &v, sizeof(v)));
	EXPECT_EQ(0, drain_in_order(self->q, 0, 33));
	close(efd);
}

TEST_HARNESS_MAIN
