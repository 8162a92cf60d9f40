// SPDX-License-Identifier: GPL-2.0
/*
 * Queues between processes through libipcdev: the Python-style API, fork
 * and fd passing, peers killed with SIGKILL at every stage, a JoinableQueue
 * worker pool, and N producers x M consumers with every message checked.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#ifdef IPCQ_TEST_RING
/* queue_process_ring_test: every queue of this suite has a ring. */
#define ipcdev_queue_create(q, maxsize) ipcdev_queue_create_ring(q, maxsize, 0)
#define ipcdev_simplequeue_create(q) ipcdev_queue_create_ring(q, 0, 0)
#define ipcdev_joinablequeue_create(q, maxsize) \
	ipcdev_queue_create_ring(q, maxsize, 0)
#endif

TEST(api_put_get_sizes_and_counts)
{
	struct ipcq_queue_stat st;
	ipcdev_queue *q;
	unsigned int prio;
	char buf[32];
	size_t len;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 2));
	EXPECT_EQ(1, ipcdev_queue_empty(q));
	EXPECT_EQ(0, ipcdev_queue_full(q));
	EXPECT_EQ(0, ipcdev_queue_put(q, "hello", 5, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_queue_put_prio(q, "urgent", 6, 7, IPCDEV_NOWAIT));
	EXPECT_EQ(2, ipcdev_queue_qsize(q));
	EXPECT_EQ(1, ipcdev_queue_full(q));
	EXPECT_EQ(-EAGAIN, ipcdev_queue_put_nowait(q, "x", 1));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_queue_put(q, "x", 1, 20 * NSEC_PER_MSEC));

	/* Peek, too small, then the real get; priority first. */
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_peek(q, buf, &len, &prio, IPCDEV_NOWAIT));
	EXPECT_EQ(6, len);
	EXPECT_EQ(7, prio);
	len = 2;
	EXPECT_EQ(-EMSGSIZE, ipcdev_queue_get(q, buf, &len, IPCDEV_NOWAIT));
	EXPECT_EQ(6, len);
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get_prio(q, buf, &len, &prio, IPCDEV_FOREVER));
	EXPECT_EQ(0, memcmp(buf, "urgent", 6));
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get_nowait(q, buf, &len));
	EXPECT_EQ(5, len);
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, ipcdev_queue_get_nowait(q, buf, &len));
	len = sizeof(buf);
	EXPECT_EQ(-ETIMEDOUT, ipcdev_queue_get(q, buf, &len, 20 * NSEC_PER_MSEC));

	ASSERT_EQ(0, ipcdev_queue_stat(q, &st));
	EXPECT_EQ(2, st.unfinished);
	EXPECT_EQ(0, ipcdev_queue_task_done(q));
	EXPECT_EQ(0, ipcdev_queue_task_done(q));
	EXPECT_EQ(-ERANGE, ipcdev_queue_task_done(q));
	EXPECT_EQ(0, ipcdev_queue_join(q, IPCDEV_NOWAIT));
	EXPECT_LE(0, ipcdev_queue_fd(q));
	EXPECT_EQ(0, ipcdev_queue_close(q));
}

TEST(api_rejects_bad_arguments)
{
	char name[IPCQ_NAME_MAX + 2];
	ipcdev_queue *q;
	size_t len = 1;

	EXPECT_EQ(-EINVAL, ipcdev_queue_create(NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_queue_open(&q, NULL, 0, 0600, NULL));
	EXPECT_EQ(-EINVAL, ipcdev_queue_open(&q, "x", 1U << 20, 0600, NULL));
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, ipcdev_queue_open(&q, name, IPCDEV_CREATE,
						   0600, NULL));
	EXPECT_EQ(-ENAMETOOLONG, ipcdev_queue_unlink(name));
	EXPECT_EQ(-ENOENT, ipcdev_queue_open(&q, "no-such-queue", 0, 0, NULL));
	EXPECT_EQ(-ENOENT, ipcdev_queue_unlink("no-such-queue"));
	EXPECT_EQ(-EINVAL, ipcdev_queue_unlink(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_queue_put(NULL, "x", 1, 0));
	EXPECT_EQ(-EINVAL, ipcdev_queue_get(NULL, name, &len, 0));
	EXPECT_EQ(-EINVAL, ipcdev_queue_close(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_queue_fd(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_queue_qsize(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_queue_join(NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_queue_shutdown(NULL, 0));
	ASSERT_EQ(0, ipcdev_simplequeue_create(&q));
	EXPECT_EQ(-EINVAL, ipcdev_queue_get(q, name, NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_queue_endpoint(&q, q, IPCDEV_CREATE));
	EXPECT_EQ(-EINVAL, ipcdev_queue_endpoint(&q, q, IPCDEV_OBSERVER |
						 IPCDEV_PRODUCER));
	EXPECT_EQ(-EINVAL, ipcdev_queue_endpoint(NULL, q, IPCDEV_PRODUCER));
	ipcdev_queue_close(q);
}

/* The library restarts after EINTR with the deadline it computed once. */
/*
 * An anonymous queue's handle makes observer handles (IPCDEV_OBSERVER, or
 * no role at all): no endpoint, no put or get, but counts, task_done,
 * join and shutdown; the library maps no ring for them.
 */
TEST(api_observer_endpoint_on_anonymous_queue)
{
	struct ipcq_queue_stat st;
	ipcdev_queue *q, *obs, *none;
	char buf[8];
	size_t len = sizeof(buf);

	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&obs, q, IPCDEV_OBSERVER));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&none, q, 0));
	ASSERT_EQ(0, ipcdev_queue_stat(obs, &st));
	EXPECT_EQ(0, st.endpoint);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(1, st.consumers);
	ASSERT_EQ(0, ipcdev_queue_stat(none, &st));
	EXPECT_EQ(0, st.endpoint);
	EXPECT_EQ(TEST_QUEUE_STATE, st.state & IPCQ_STATE_RING);
	EXPECT_EQ(-EBADF, ipcdev_queue_put(obs, "x", 1, IPCDEV_NOWAIT));
	EXPECT_EQ(-EBADF, ipcdev_queue_get(none, buf, &len, IPCDEV_NOWAIT));
	/* An observer of an observer is still an observer; never more. */
	EXPECT_EQ(-EACCES, ipcdev_queue_endpoint(&q, obs, IPCDEV_PRODUCER));
	ASSERT_EQ(0, ipcdev_queue_put(q, "x", 1, IPCDEV_NOWAIT));
	EXPECT_EQ(1, ipcdev_queue_qsize(obs));
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &len, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_queue_join(obs, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_queue_task_done(obs));
	EXPECT_EQ(0, ipcdev_queue_join(none, IPCDEV_NOWAIT));
	/* An observer may shut the queue down (a supervisor would). */
	EXPECT_EQ(0, ipcdev_queue_shutdown(none, 0));
	EXPECT_EQ(-ESHUTDOWN, ipcdev_queue_put(q, "x", 1, IPCDEV_NOWAIT));
	ipcdev_queue_close(q);
	ipcdev_queue_close(obs);
	ipcdev_queue_close(none);
}

TEST(api_restarts_after_signals_without_stretching)
{
	uint64_t start, end;
	ipcdev_queue *q;
	char buf[4];
	size_t len = sizeof(buf);
	int ret;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	ASSERT_EQ(0, start_ticks(10000, 0));
	start = now_ns();
	ret = ipcdev_queue_get(q, buf, &len, 200 * NSEC_PER_MSEC);
	end = now_ns();
	stop_ticks();
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_LE(start + 200 * NSEC_PER_MSEC, end);
	EXPECT_LT(0, *tick_count());
	ipcdev_queue_close(q);
}

/* After fork, a child's first call gives it an endpoint file of its own. */
TEST(fork_child_becomes_its_own_endpoint)
{
	struct ipcq_queue_stat st;
	ipcdev_queue *q;
	int go[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ipcdev_queue_put(q, "child", 5, IPCDEV_FOREVER))
			_exit(1);
		read(go[0], &c, 1);
		_exit(0);
	}
	/* The reopen happens before the put: wait for both. */
	ASSERT_TRUE(wait_for(ipcdev_queue_stat(q, &st) == 0 &&
			     st.producers == 2 && st.messages == 1, WAIT_MS));
	EXPECT_EQ(2, st.consumers);
	ASSERT_EQ(1, write(go[1], "x", 1));
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, ipcdev_queue_stat(q, &st));
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(1, st.consumers);
	ipcdev_queue_close(q);
}

/* An anonymous queue passed to an unrelated process over a socket. */
TEST(fd_passing_over_unix_socket)
{
	ipcdev_queue *q;
	char buf[16];
	size_t len = sizeof(buf);
	int sv[2], fd;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_msg m = { 0 };

		fd = recv_fd(sv[1]);
		if (fd < 0)
			_exit(-fd);
		m.buf = (uintptr_t)"passed";
		m.len = 6;
		m.deadline = IPCQ_DEADLINE_FOREVER;
		_exit(ioctl(fd, IPCQ_IOC_QUEUE_PUT, &m) ? 3 : 0);
	}
	/* Created after the fork: the child can only get it by passing. */
	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_queue_fd(q)));
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &len, WAIT_NS));
	EXPECT_EQ(6, len);
	EXPECT_EQ(0, memcmp(buf, "passed", 6));
	EXPECT_EQ(0, child_status(pid));
	ipcdev_queue_close(q);
}

/* Where the producer is when it is killed. */
FIXTURE(kill_producer) {
	ipcdev_queue *cons;
	uint64_t *done;		/* shared: puts the child completed */
};

FIXTURE_VARIANT(kill_producer) {
	int stage;		/* 0: idle, 1: streaming, 2: blocked in put */
};

FIXTURE_VARIANT_ADD(kill_producer, idle) { .stage = 0 };
FIXTURE_VARIANT_ADD(kill_producer, streaming) { .stage = 1 };
FIXTURE_VARIANT_ADD(kill_producer, blocked_on_full) { .stage = 2 };

FIXTURE_SETUP(kill_producer)
{
	self->done = shared_page(4096);
	ASSERT_NE(NULL, self->done);
}

FIXTURE_TEARDOWN(kill_producer)
{
	munmap(self->done, 4096);
}

/*
 * Kill -9 of the only producer: the consumer receives every message that
 * was fully put, each once and in order, then end-of-file.
 */
TEST_F(kill_producer, consumer_sees_everything_then_eof)
{
	struct ipcq_queue_stat st;
	ipcdev_queue *q;
	uint64_t seq, expect = 0;
	size_t len;
	pid_t pid;
	int ret;

	ASSERT_EQ(0, ipcdev_queue_create(&q, variant->stage == 2 ? 8 : 0));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&self->cons, q, IPCDEV_CONSUMER));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_queue *p;

		if (ipcdev_queue_endpoint(&p, q, IPCDEV_PRODUCER))
			_exit(1);
		ipcdev_queue_close(q);
		ipcdev_queue_close(self->cons);
		for (seq = 0; variant->stage != 0; seq++) {
			if (ipcdev_queue_put(p, &seq, sizeof(seq),
					     IPCDEV_FOREVER))
				_exit(2);
			__atomic_store_n(self->done, seq + 1, __ATOMIC_RELEASE);
		}
		__atomic_store_n(self->done, ~0ULL, __ATOMIC_RELEASE);
		pause();
		_exit(0);
	}
	/* The parent is only a consumer. */
	ipcdev_queue_close(q);

	if (variant->stage == 0) {
		ASSERT_TRUE(wait_for(__atomic_load_n(self->done,
						     __ATOMIC_ACQUIRE), WAIT_MS));
	} else if (variant->stage == 1) {
		ASSERT_TRUE(wait_for(__atomic_load_n(self->done,
						     __ATOMIC_ACQUIRE) > 100,
				     WAIT_MS));
	} else {
		ASSERT_TRUE(wait_for(ipcdev_queue_stat(self->cons, &st) == 0 &&
				     st.putters == 1, WAIT_MS));
	}
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(pid));

	for (;;) {
		len = sizeof(seq);
		ret = ipcdev_queue_get(self->cons, &seq, &len, WAIT_NS);
		if (ret != 0)
			break;
		ASSERT_EQ(sizeof(seq), len);
		ASSERT_EQ(expect, seq);
		expect++;
	}
	EXPECT_EQ(IPCDEV_EOF, ret);
	if (variant->stage == 0) {
		EXPECT_EQ(0, expect);
	} else {
		/* Every completed put arrived; at most the one in flight more. */
		uint64_t done = __atomic_load_n(self->done, __ATOMIC_ACQUIRE);

		EXPECT_LE(done, expect);
		EXPECT_GE(done + 1, expect);
	}
	ASSERT_EQ(0, ipcdev_queue_stat(self->cons, &st));
	EXPECT_EQ(0, st.producers);
	ipcdev_queue_close(self->cons);
}

/* Kill -9 of the only consumer, idle or blocked in get: puts get EPIPE. */
FIXTURE(kill_consumer) {
	int unused;
};

FIXTURE_VARIANT(kill_consumer) {
	int blocked;		/* the consumer is blocked in get */
	int producer_blocked;	/* the producer is blocked on a full queue */
};

FIXTURE_VARIANT_ADD(kill_consumer, idle) { 0, 0 };
FIXTURE_VARIANT_ADD(kill_consumer, blocked_in_get) { 1, 0 };
FIXTURE_VARIANT_ADD(kill_consumer, producer_blocked_on_full) { 0, 1 };

FIXTURE_SETUP(kill_consumer) {}
FIXTURE_TEARDOWN(kill_consumer) {}

TEST_F(kill_consumer, producer_gets_epipe)
{
	struct ipcq_queue_stat st;
	ipcdev_queue *q, *prod;
	pid_t pid, putter = 0;
	int go[2];
	char c;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 1));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&prod, q, IPCDEV_PRODUCER));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_queue *cons;
		char buf[8];
		size_t len = sizeof(buf);

		if (ipcdev_queue_endpoint(&cons, q, IPCDEV_CONSUMER))
			_exit(1);
		ipcdev_queue_close(q);
		ipcdev_queue_close(prod);
		write(go[1], "r", 1);
		if (variant->blocked)
			ipcdev_queue_get(cons, buf, &len, IPCDEV_FOREVER);
		pause();
		_exit(0);
	}
	ipcdev_queue_close(q);
	ASSERT_EQ(1, read(go[0], &c, 1));
	ASSERT_TRUE(wait_for(ipcdev_queue_stat(prod, &st) == 0 &&
			     st.consumers == 1, WAIT_MS));
	if (variant->blocked)
		ASSERT_TRUE(wait_for(ipcdev_queue_stat(prod, &st) == 0 &&
				     st.getters == 1, WAIT_MS));
	if (variant->producer_blocked) {
		ASSERT_EQ(0, ipcdev_queue_put(prod, "a", 1, IPCDEV_NOWAIT));
		putter = fork();
		ASSERT_LE(0, putter);
		if (putter == 0)
			_exit(-ipcdev_queue_put(prod, "b", 1, IPCDEV_FOREVER));
		ASSERT_TRUE(wait_for(ipcdev_queue_stat(prod, &st) == 0 &&
				     st.putters == 1, WAIT_MS));
	}
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	if (putter)
		EXPECT_EQ(EPIPE, child_status(putter));
	EXPECT_EQ(-EPIPE, ipcdev_queue_put(prod, "c", 1, IPCDEV_FOREVER));
	ipcdev_queue_close(prod);
}

/* Python's JoinableQueue worker pool: join returns when all are done. */
TEST(joinable_worker_pool)
{
	enum { WORKERS = 3, TASKS = 60 };
	ipcdev_queue *tasks, *results;
	pid_t pids[WORKERS];
	uint32_t n, sum = 0, want = 0;
	size_t len;
	int i;

	ASSERT_EQ(0, ipcdev_joinablequeue_create(&tasks, 0));
	ASSERT_EQ(0, ipcdev_simplequeue_create(&results));
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			for (;;) {
				len = sizeof(n);
				if (ipcdev_queue_get(tasks, &n, &len,
						     IPCDEV_FOREVER))
					_exit(1);
				if (n == 0) {
					ipcdev_queue_task_done(tasks);
					_exit(0);
				}
				n *= n;
				if (ipcdev_queue_put(results, &n, sizeof(n),
						     IPCDEV_FOREVER) ||
				    ipcdev_queue_task_done(tasks))
					_exit(2);
			}
		}
	}
	for (n = 1; n <= TASKS; n++) {
		ASSERT_EQ(0, ipcdev_queue_put(tasks, &n, sizeof(n),
					      IPCDEV_FOREVER));
		want += n * n;
	}
	ASSERT_EQ(0, ipcdev_queue_join(tasks, 60 * NSEC_PER_SEC));
	EXPECT_EQ(TASKS, ipcdev_queue_qsize(results));
	for (i = 0; i < TASKS; i++) {
		len = sizeof(n);
		ASSERT_EQ(0, ipcdev_queue_get(results, &n, &len, IPCDEV_NOWAIT));
		sum += n;
	}
	EXPECT_EQ(want, sum);
	n = 0;
	for (i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, ipcdev_queue_put(tasks, &n, sizeof(n),
					      IPCDEV_FOREVER));
	for (i = 0; i < WORKERS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(0, ipcdev_queue_join(tasks, IPCDEV_NOWAIT));
	ipcdev_queue_close(tasks);
	ipcdev_queue_close(results);
}

TEST(shutdown_wakes_a_blocked_child)
{
	struct ipcq_queue_stat st;
	ipcdev_queue *q;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[4];
		size_t len = sizeof(buf);

		_exit(-ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER));
	}
	ASSERT_TRUE(wait_for(ipcdev_queue_stat(q, &st) == 0 && st.getters == 1,
			     WAIT_MS));
	ASSERT_EQ(0, ipcdev_queue_shutdown(q, 0));
	EXPECT_EQ(ESHUTDOWN, child_status(pid));
	EXPECT_EQ(-ESHUTDOWN, ipcdev_queue_put(q, "x", 1, IPCDEV_NOWAIT));
	ipcdev_queue_close(q);
}

TEST(named_queue_between_unrelated_processes)
{
	char name[64], buf[16];
	ipcdev_queue *cons;
	size_t len = sizeof(buf);
	pid_t pid;
	int go[2];
	char c;

	snprintf(name, sizeof(name), "qp-named-%d", getpid());
	ASSERT_EQ(0, pipe(go));
	/* The child exists before the queue: it can only open it by name. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_queue *p;

		read(go[0], &c, 1);
		if (ipcdev_queue_open(&p, name, IPCDEV_PRODUCER, 0, NULL))
			_exit(1);
		_exit(ipcdev_queue_put(p, "by name", 7, IPCDEV_FOREVER) ? 2 : 0);
	}
	ASSERT_EQ(0, ipcdev_queue_open(&cons, name, IPCDEV_CONSUMER |
				       IPCDEV_CREATE | IPCDEV_EXCL |
				       TEST_QUEUE_FLAGS, 0600, NULL));
	ASSERT_EQ(1, write(go[1], "g", 1));
	EXPECT_EQ(0, ipcdev_queue_get(cons, buf, &len, WAIT_NS));
	EXPECT_EQ(7, len);
	EXPECT_EQ(0, child_status(pid));
	/* The producer exited: end-of-file. */
	len = sizeof(buf);
	EXPECT_EQ(IPCDEV_EOF, ipcdev_queue_get(cons, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_queue_unlink(name));
	ipcdev_queue_close(cons);
}

/*
 * N producers x M consumers. Each message carries (producer, sequence),
 * a length that varies with both, a payload derived from them, and a
 * checksum, and one of three priorities. Consumers mark what they receive
 * in a shared table; each message must arrive exactly once and intact.
 */
struct stress_msg {
	uint32_t producer;
	uint32_t seq;
	uint32_t len;
	uint32_t sum;
	unsigned char payload[200];
};

static uint32_t stress_fill(struct stress_msg *m, uint32_t producer,
			    uint32_t seq)
{
	uint32_t i, sum = 2166136261u;

	m->producer = producer;
	m->seq = seq;
	m->len = (producer * 31 + seq * 7) % sizeof(m->payload);
	for (i = 0; i < m->len; i++) {
		m->payload[i] = (unsigned char)(producer * 13 + seq + i);
		sum = (sum ^ m->payload[i]) * 16777619u;
	}
	m->sum = sum;
	return offsetof(struct stress_msg, payload) + m->len;
}

static int stress_check(const struct stress_msg *m, size_t len)
{
	struct stress_msg want;

	if (len < offsetof(struct stress_msg, payload))
		return 0;
	if (stress_fill(&want, m->producer, m->seq) != len)
		return 0;
	return !memcmp(&want, m, len);
}

static void stress_run(struct __test_metadata *_metadata, int producers,
		       int consumers, uint32_t per_producer)
{
	size_t table_size = (size_t)producers * per_producer;
	_Atomic uint32_t *seen;
	_Atomic uint32_t *bad;
	ipcdev_queue *q;
	pid_t pids[16];
	uint32_t i, dup = 0, missing = 0;
	int p, c;

	seen = shared_page(table_size * sizeof(*seen) + 4096);
	ASSERT_NE(NULL, seen);
	bad = seen + table_size;
	ASSERT_EQ(0, ipcdev_queue_create(&q, 16));

	for (p = 0; p < producers; p++) {
		pids[p] = fork();
		ASSERT_LE(0, pids[p]);
		if (pids[p] == 0) {
			struct stress_msg m;
			ipcdev_queue *mine;

			if (ipcdev_queue_endpoint(&mine, q, IPCDEV_PRODUCER))
				_exit(1);
			ipcdev_queue_close(q);
			for (i = 0; i < per_producer; i++)
				if (ipcdev_queue_put_prio(mine, &m,
						stress_fill(&m, p, i), i % 3,
						IPCDEV_FOREVER))
					_exit(2);
			_exit(0);
		}
	}
	for (c = 0; c < consumers; c++) {
		pids[producers + c] = fork();
		ASSERT_LE(0, pids[producers + c]);
		if (pids[producers + c] == 0) {
			struct stress_msg m;
			ipcdev_queue *mine;
			size_t len;
			int ret;

			if (ipcdev_queue_endpoint(&mine, q, IPCDEV_CONSUMER))
				_exit(1);
			ipcdev_queue_close(q);
			for (;;) {
				len = sizeof(m);
				ret = ipcdev_queue_get(mine, &m, &len,
						       IPCDEV_FOREVER);
				if (ret == IPCDEV_EOF)
					_exit(0);
				if (ret)
					_exit(2);
				if (!stress_check(&m, len) ||
				    m.producer >= (uint32_t)producers ||
				    m.seq >= per_producer) {
					atomic_fetch_add(bad, 1);
					continue;
				}
				atomic_fetch_add(&seen[m.producer * per_producer +
						      m.seq], 1);
			}
		}
	}
	/* The parent keeps no endpoint, so EOF follows the last producer. */
	ipcdev_queue_close(q);
	for (p = 0; p < producers + consumers; p++)
		EXPECT_EQ(0, child_status(pids[p])) TH_LOG("child %d", p);
	for (i = 0; i < table_size; i++) {
		dup += seen[i] > 1;
		missing += seen[i] == 0;
	}
	EXPECT_EQ(0, *bad);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, missing);
	munmap(seen, table_size * sizeof(*seen) + 4096);
}

TEST(stress_2_producers_2_consumers)
{
	stress_run(_metadata, 2, 2, 3000);
}

TEST(stress_4_producers_4_consumers)
{
	stress_run(_metadata, 4, 4, 1500);
}

TEST(stress_1_producer_6_consumers)
{
	stress_run(_metadata, 1, 6, 4000);
}

TEST_HARNESS_MAIN
