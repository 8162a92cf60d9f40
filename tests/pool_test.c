// SPDX-License-Identifier: GPL-2.0
/*
 * Pool (libipcdev's multiprocessing.Pool): map equals the serial result,
 * apply_async results in order of submission, 10000 tasks with exact
 * accounting, workers SIGKILLed during a long map (every task done or
 * failed with -ECHILD exactly once, or retried to done), a worker that
 * calls exit() mid-task, maxtasksperchild (counting pids), the initializer
 * once per worker, terminate with queued and running tasks, deadlines on
 * get and join, the creator SIGKILLed (no worker survives, seen from its
 * parent as subreaper), results past the bound, task errors, close and
 * its errors, apply from inside a worker, imap and imap_unordered, the
 * object limit on the pool's pipes, and workers that are a program started
 * by exec (tests/pool_worker_child): map, a killed one replaced,
 * maxtasksperchild, the attributes' checks.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "pool_tasks.h"

/* Shared with the workers: what tasks saw and did. */
struct seen {
	_Atomic int started;		/* tasks started */
	_Atomic int inits;		/* initializer calls */
	_Atomic pid_t last;		/* the pid of the last task started */
	_Atomic int killed_once;	/* die_once: the first run died */
	_Atomic pid_t pids[16];		/* blocker: worker pids, by slot */
};

static struct seen *seen;
static bool initialized;

/* Returns its worker's pid as the status; no bytes. */
static int whoami(const void *in, size_t in_len, void *out, size_t *out_len,
		  void *ctx)
{
	*out_len = 0;
	return initialized || !seen->inits ? getpid() : -EPROTO;
}

/* Sleeps a little, as a long task; returns its input, after its pid. */
static int slow_echo(const void *in, size_t in_len, void *out,
		     size_t *out_len, void *ctx)
{
	atomic_store(&seen->last, getpid());
	atomic_fetch_add(&seen->started, 1);
	usleep(2000);
	memcpy(out, in, in_len);
	*out_len = in_len;
	return 0;
}

/* Blocks until killed, its pid in seen->pids[started]. */
static int blocker(const void *in, size_t in_len, void *out, size_t *out_len,
		   void *ctx)
{
	int i = atomic_fetch_add(&seen->started, 1);

	if (i < 16)
		atomic_store(&seen->pids[i], getpid());
	for (;;)
		pause();
	return 0;
}

static int fails(const void *in, size_t in_len, void *out, size_t *out_len,
		 void *ctx)
{
	return -ENOENT;
}

static int exits(const void *in, size_t in_len, void *out, size_t *out_len,
		 void *ctx)
{
	exit(3);
}

/* Its first run SIGKILLs its own worker; the second succeeds. */
static int die_once(const void *in, size_t in_len, void *out,
		    size_t *out_len, void *ctx)
{
	if (!atomic_exchange(&seen->killed_once, 1))
		kill(getpid(), SIGKILL);
	*out_len = 0;
	return 7;
}

/* Claims a result of *in bytes (it writes none past the room). */
static int claims(const void *in, size_t in_len, void *out, size_t *out_len,
		  void *ctx)
{
	uint64_t n;

	memcpy(&n, in, sizeof(n));
	if (n <= *out_len)
		memset(out, 'r', n);
	*out_len = n;
	return 0;
}

/* ctx is the pool: apply from inside a worker. */
static int nested(const void *in, size_t in_len, void *out, size_t *out_len,
		  void *ctx)
{
	size_t len = 0;

	*out_len = 0;
	return ipcdev_pool_apply(*(ipcdev_pool **)ctx, whoami, NULL, 0, NULL,
				 &len, IPCDEV_FOREVER);
}

static int init_worker(void *ctx)
{
	atomic_fetch_add(&seen->inits, 1);
	initialized = true;
	return 0;
}

FIXTURE(pool) {
	ipcdev_pool *p;
};

FIXTURE_SETUP(pool)
{
	seen = shared_page(sizeof(*seen));
	ASSERT_NE(NULL, seen);
	self->p = NULL;
}

FIXTURE_TEARDOWN(pool)
{
	if (self->p)
		ipcdev_pool_free(self->p);
}

/* Nothing queued or running, and these counts. */
static void expect_counts(struct __test_metadata *_metadata, ipcdev_pool *p,
			  uint64_t done, uint64_t failed, uint64_t died,
			  uint64_t respawns)
{
	struct ipcdev_pool_stat st;

	ASSERT_EQ(0, ipcdev_pool_stat(p, &st));
	EXPECT_EQ(done, st.done);
	EXPECT_EQ(failed, st.failed);
	EXPECT_EQ(died, st.died);
	EXPECT_EQ(respawns, st.respawns);
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.running);
}

static void items_of(struct ipcdev_pool_item *items, uint64_t *in,
		     uint64_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		in[i] = i + 1;
		items[i] = (struct ipcdev_pool_item){
			.in = &in[i], .in_len = sizeof(in[i]),
			.out = &out[i], .out_len = sizeof(out[i]),
			.status = 1,
		};
	}
}

TEST_F(pool, map_of_square_equals_the_serial_result)
{
	struct ipcdev_pool_item items[100];
	uint64_t in[100], out[100];
	struct ipcdev_pool_stat st;
	size_t i, chunk;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 4, NULL));
	for (chunk = 0; chunk <= 7; chunk += 7) {
		items_of(items, in, out, 100);
		ASSERT_EQ(0, ipcdev_pool_map(self->p, square, items, 100,
					     chunk, WAIT_NS));
		for (i = 0; i < 100; i++) {
			EXPECT_EQ(0, items[i].status);
			EXPECT_EQ(sizeof(uint64_t), items[i].out_len);
			EXPECT_EQ((i + 1) * (i + 1), out[i]);
		}
	}
	expect_counts(_metadata, self->p, 200, 0, 0, 0);
	ASSERT_EQ(0, ipcdev_pool_stat(self->p, &st));
	EXPECT_EQ(4, st.processes);
	EXPECT_EQ(4, st.alive);
}

TEST_F(pool, apply_async_results_in_order_of_submission)
{
	ipcdev_pool_result *r[20];
	uint64_t v, out;
	size_t len;
	int i;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 3, NULL));
	for (i = 0; i < 20; i++) {
		v = i;
		ASSERT_EQ(0, ipcdev_pool_apply_async(self->p, square, &v,
						     sizeof(v), &r[i]));
	}
	for (i = 0; i < 20; i++) {
		struct pollfd pfd = { .fd = ipcdev_pool_result_fd(r[i]),
				      .events = POLLIN };

		ASSERT_LE(0, pfd.fd);
		EXPECT_EQ(1, poll(&pfd, 1, WAIT_MS));
		EXPECT_EQ(1, ipcdev_pool_result_ready(r[i]));
		EXPECT_EQ(0, ipcdev_pool_result_wait(r[i], IPCDEV_NOWAIT));
		EXPECT_EQ(1, ipcdev_pool_result_successful(r[i]));
		len = sizeof(out);
		EXPECT_EQ(0, ipcdev_pool_result_get(r[i], &out, &len,
						    IPCDEV_FOREVER));
		EXPECT_EQ((uint64_t)i * i, out);
		ipcdev_pool_result_free(r[i]);
	}
	/* apply: the same, waiting */
	v = 12;
	len = sizeof(out);
	EXPECT_EQ(0, ipcdev_pool_apply(self->p, square, &v, sizeof(v), &out,
				       &len, WAIT_NS));
	EXPECT_EQ(144, out);
}

TEST_F_TIMEOUT(pool, ten_thousand_tasks_through_four_workers, 300)
{
	enum { N = 10000 };
	ipcdev_pool_result **r = calloc(N, sizeof(*r));
	struct ipcdev_pool_stat st;
	uint64_t v, out, sum = 0;
	size_t len;
	int i;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 4, NULL));
	for (i = 0; i < N; i++) {
		v = i;
		ASSERT_EQ(0, ipcdev_pool_apply_async(self->p, square, &v,
						     sizeof(v), &r[i]));
	}
	for (i = 0; i < N; i++) {
		len = sizeof(out);
		ASSERT_EQ(0, ipcdev_pool_result_get(r[i], &out, &len,
						    WAIT_NS));
		EXPECT_EQ((uint64_t)i * i, out);
		sum += out;
		ipcdev_pool_result_free(r[i]);
	}
	EXPECT_EQ((uint64_t)(N - 1) * N * (2 * N - 1) / 6, sum);
	ASSERT_EQ(0, ipcdev_pool_close(self->p));
	ASSERT_EQ(0, ipcdev_pool_join(self->p, WAIT_NS));
	expect_counts(_metadata, self->p, N, 0, 0, 0);
	ASSERT_EQ(0, ipcdev_pool_stat(self->p, &st));
	EXPECT_EQ(0, st.alive);
	free(r);
}

/* The killer thread's orders and count. */
struct kills {
	int max;
	_Atomic bool stop;
	int done;
};

/*
 * Kills the worker of the last task started, up to k->max times, 10 ms
 * apart, until told to stop.
 */
static void *killer(void *arg)
{
	struct kills *k = arg;
	pid_t pid, last = 0;

	while (k->done < k->max && !atomic_load(&k->stop)) {
		usleep(10000);
		pid = atomic_load(&seen->last);
		if (pid && pid != last && !kill(pid, SIGKILL)) {
			last = pid;
			k->done++;
		}
	}
	return NULL;
}

/* A map of 600 slow tasks while up to 8 workers get SIGKILLed. */
static void map_under_kills(struct __test_metadata *_metadata,
			    ipcdev_pool **pp, unsigned int retries)
{
	enum { N = 600 };
	struct ipcdev_pool_attr attr = { .retries = retries };
	struct ipcdev_pool_item items[N];
	struct kills k = { .max = 8 };
	uint64_t in[N], out[N];
	struct ipcdev_pool_stat st;
	int i, died = 0, ret;
	pthread_t t;

	items_of(items, in, out, N);
	ASSERT_EQ(0, ipcdev_pool_create(pp, 4, &attr));
	ASSERT_EQ(0, pthread_create(&t, NULL, killer, &k));
	ret = ipcdev_pool_map(*pp, slow_echo, items, N, 1, 4 * WAIT_NS);
	atomic_store(&k.stop, true);
	pthread_join(t, NULL);
	ASSERT_LE(0, ret);
	EXPECT_LT(0, k.done);
	for (i = 0; i < N; i++) {
		if (items[i].status == -ECHILD) {
			died++;
			continue;
		}
		EXPECT_EQ(0, items[i].status);
		EXPECT_EQ(i + 1, out[i]);
	}
	EXPECT_EQ(died, ret);
	/* the last kill's replacement may still be on its way */
	ASSERT_TRUE(wait_for(ipcdev_pool_stat(*pp, &st) == 0 &&
			     st.respawns == k.done && st.alive == 4,
			     WAIT_MS));
	EXPECT_EQ(N, st.done + st.failed);
	EXPECT_EQ(died, st.failed);
	EXPECT_EQ(st.died, died + st.retried);
	EXPECT_LE(st.died, k.done);
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.running);
	/* a task fails only after retries + 1 deaths */
	EXPECT_LE(died * (retries + 1), st.died);
	TH_LOG("%d kills: %d tasks failed, %llu retried", k.done, died,
	       (unsigned long long)st.retried);
}

TEST_F_TIMEOUT(pool, workers_killed_during_a_long_map, 300)
{
	map_under_kills(_metadata, &self->p, 0);
}

TEST_F_TIMEOUT(pool, workers_killed_during_a_long_map_with_retries, 300)
{
	map_under_kills(_metadata, &self->p, 2);
}

TEST_F(pool, task_of_a_worker_that_dies_is_retried_when_asked)
{
	struct ipcdev_pool_attr attr = { .retries = 1 };
	struct ipcdev_pool_stat st;
	size_t len = 0;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 1, &attr));
	EXPECT_EQ(7, ipcdev_pool_apply(self->p, die_once, NULL, 0, NULL, &len,
				       WAIT_NS));
	expect_counts(_metadata, self->p, 1, 0, 1, 1);
	ASSERT_EQ(0, ipcdev_pool_stat(self->p, &st));
	EXPECT_EQ(1, st.retried);
}

TEST_F(pool, worker_calling_exit_fails_its_task_with_echild_only)
{
	struct ipcdev_pool_item items[3];
	uint64_t in[3], out[3];
	ipcdev_pool_result *r;
	struct ipcdev_pool_stat st;
	size_t len = 0;

	fflush(NULL);	/* exit() in a worker flushes its copy of stdio */
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 2, NULL));
	ASSERT_EQ(0, ipcdev_pool_apply_async(self->p, exits, NULL, 0, &r));
	items_of(items, in, out, 3);
	EXPECT_EQ(0, ipcdev_pool_map(self->p, square, items, 3, 1, WAIT_NS));
	EXPECT_EQ(-ECHILD, ipcdev_pool_result_get(r, NULL, &len, WAIT_NS));
	EXPECT_EQ(0, ipcdev_pool_result_successful(r));
	ipcdev_pool_result_free(r);
	EXPECT_EQ(9, out[2]);
	EXPECT_TRUE(wait_for(ipcdev_pool_stat(self->p, &st) == 0 &&
			     st.alive == 2, WAIT_MS));
	expect_counts(_metadata, self->p, 3, 1, 1, 1);
}

/*
 * Each worker runs at most 3 tasks and leaves after its third, replaced:
 * the pids that ran 3 are the respawns; at most the last worker of each
 * of the 2 slots ran fewer (the map ran out).
 */
TEST_F(pool, maxtasksperchild_recycles_workers)
{
	struct ipcdev_pool_attr attr = { .maxtasksperchild = 3 };
	struct ipcdev_pool_item items[30] = { 0 };
	int i, j, full = 0, partial = 0, same;
	struct ipcdev_pool_stat st;
	pid_t pids[30];

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 2, &attr));
	EXPECT_EQ(0, ipcdev_pool_map(self->p, whoami, items, 30, 1, WAIT_NS));
	for (i = 0; i < 30; i++) {
		pids[i] = items[i].status;
		ASSERT_LT(0, pids[i]);
	}
	for (i = 0; i < 30; i++) {
		for (j = 0, same = 0; j < 30; j++)
			same += pids[j] == pids[i];
		EXPECT_GE(3, same);
		for (j = 0; j < i && pids[j] != pids[i]; j++)
			;
		full += j == i && same == 3;
		partial += j == i && same < 3;
	}
	EXPECT_LE(9, full);
	EXPECT_GE(2, partial);
	EXPECT_TRUE(wait_for(ipcdev_pool_stat(self->p, &st) == 0 &&
			     st.respawns == (uint64_t)full && st.alive == 2,
			     WAIT_MS));
	EXPECT_EQ(0, st.died);
}

TEST_F(pool, initializer_runs_once_per_worker)
{
	struct ipcdev_pool_attr attr = { .initializer = init_worker };
	struct ipcdev_pool_item items[40] = { 0 };
	int i;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 3, &attr));
	EXPECT_EQ(0, ipcdev_pool_map(self->p, whoami, items, 40, 1, WAIT_NS));
	for (i = 0; i < 40; i++)
		EXPECT_LT(0, items[i].status);	/* not -EPROTO */
	ASSERT_EQ(0, ipcdev_pool_close(self->p));
	ASSERT_EQ(0, ipcdev_pool_join(self->p, WAIT_NS));
	EXPECT_EQ(3, atomic_load(&seen->inits));
}

TEST_F(pool, terminate_cancels_queued_and_running_tasks)
{
	ipcdev_pool_result *r[10];
	struct ipcdev_pool_stat st;
	size_t len;
	int i;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 2, NULL));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, ipcdev_pool_apply_async(self->p, blocker, NULL, 0,
						     &r[i]));
	ASSERT_TRUE(wait_for(atomic_load(&seen->pids[1]) != 0, WAIT_MS));
	/* two batches ahead each, once the dispatcher has seen all ten */
	EXPECT_TRUE(wait_for(ipcdev_pool_stat(self->p, &st) == 0 &&
			     st.running == 4 && st.queued == 6, WAIT_MS));
	EXPECT_EQ(0, ipcdev_pool_terminate(self->p));
	for (i = 0; i < 10; i++) {
		len = 0;
		EXPECT_EQ(-ECANCELED, ipcdev_pool_result_get(r[i], NULL, &len,
							     IPCDEV_NOWAIT));
		ipcdev_pool_result_free(r[i]);
	}
	for (i = 0; i < 2; i++)
		EXPECT_EQ(-1, kill(seen->pids[i], 0));	/* reaped */
	ASSERT_EQ(0, ipcdev_pool_stat(self->p, &st));
	EXPECT_EQ(0, st.alive);
	EXPECT_EQ(10, st.failed);
	EXPECT_EQ(0, ipcdev_pool_join(self->p, IPCDEV_NOWAIT));
	EXPECT_EQ(-ESHUTDOWN, ipcdev_pool_apply_async(self->p, square, NULL, 0,
						      &r[0]));
}

TEST_F(pool, deadlines_on_get_and_join)
{
	ipcdev_pool_result *r;
	size_t len = 0;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 1, NULL));
	ASSERT_EQ(0, ipcdev_pool_apply_async(self->p, blocker, NULL, 0, &r));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_pool_result_get(r, NULL, &len,
						     IPCDEV_NOWAIT));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_pool_result_get(r, NULL, &len,
						     10 * NSEC_PER_MSEC));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_pool_result_wait(r, 10 * NSEC_PER_MSEC));
	EXPECT_EQ(0, ipcdev_pool_result_ready(r));
	EXPECT_EQ(-EAGAIN, ipcdev_pool_result_successful(r));
	EXPECT_EQ(-EINVAL, ipcdev_pool_join(self->p, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_pool_close(self->p));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_pool_join(self->p, 10 * NSEC_PER_MSEC));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_pool_join(self->p, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_pool_terminate(self->p));
	EXPECT_EQ(-ECANCELED, ipcdev_pool_result_get(r, NULL, &len,
						     IPCDEV_NOWAIT));
	ipcdev_pool_result_free(r);
}

TEST_F(pool, close_then_join_drains_and_refuses_new_tasks)
{
	ipcdev_pool_result *r[8];
	uint64_t v = 3, out;
	size_t len;
	int i;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 2, NULL));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, ipcdev_pool_apply_async(self->p, slow_echo, &v,
						     sizeof(v), &r[i]));
	EXPECT_EQ(0, ipcdev_pool_close(self->p));
	EXPECT_EQ(-ESHUTDOWN, ipcdev_pool_apply_async(self->p, square, &v,
						      sizeof(v), &r[0]));
	len = sizeof(out);
	EXPECT_EQ(-ESHUTDOWN, ipcdev_pool_apply(self->p, square, &v, sizeof(v),
						&out, &len, WAIT_NS));
	EXPECT_EQ(-ESHUTDOWN, ipcdev_pool_map(self->p, square, NULL, 0, 0,
					      WAIT_NS));
	EXPECT_EQ(0, ipcdev_pool_join(self->p, WAIT_NS));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(1, ipcdev_pool_result_ready(r[i]));
		len = sizeof(out);
		EXPECT_EQ(0, ipcdev_pool_result_get(r[i], &out, &len,
						    IPCDEV_NOWAIT));
		EXPECT_EQ(3, out);
		ipcdev_pool_result_free(r[i]);
	}
	EXPECT_EQ(0, ipcdev_pool_join(self->p, IPCDEV_NOWAIT));
}

TEST_F(pool, task_errors_complete_with_their_code)
{
	struct ipcdev_pool_item items[4] = { 0 };
	size_t len = 0;
	int i;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 2, NULL));
	EXPECT_EQ(-ENOENT, ipcdev_pool_apply(self->p, fails, NULL, 0, NULL,
					     &len, WAIT_NS));
	EXPECT_EQ(4, ipcdev_pool_map(self->p, fails, items, 4, 0, WAIT_NS));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-ENOENT, items[i].status);
}

TEST_F(pool, results_larger_than_the_bound)
{
	struct ipcdev_pool_attr attr = { .max_result = 16 };
	struct ipcdev_info info;
	ipcdev_pool *q;
	uint64_t n;
	char out[32];
	size_t len;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 1, &attr));
	n = 16;
	len = sizeof(out);
	EXPECT_EQ(0, ipcdev_pool_apply(self->p, claims, &n, sizeof(n), out,
				       &len, WAIT_NS));
	EXPECT_EQ(16, len);
	EXPECT_EQ('r', out[15]);
	n = 17;
	len = sizeof(out);
	EXPECT_EQ(-EMSGSIZE, ipcdev_pool_apply(self->p, claims, &n, sizeof(n),
					       out, &len, WAIT_NS));
	EXPECT_EQ(0, len);
	/* the caller's buffer too small: the size, -EMSGSIZE */
	n = 16;
	len = 8;
	EXPECT_EQ(-EMSGSIZE, ipcdev_pool_apply(self->p, claims, &n, sizeof(n),
					       out, &len, WAIT_NS));
	EXPECT_EQ(16, len);
	/* a bound past the module's message size, an input past it */
	ASSERT_EQ(0, ipcdev_query(&info, sizeof(info)));
	attr.max_result = info.max_msg_size;
	EXPECT_EQ(-EMSGSIZE, ipcdev_pool_create(&q, 1, &attr));
	EXPECT_EQ(-EMSGSIZE, ipcdev_pool_apply(self->p, claims, out,
					       info.max_msg_size, out, &len,
					       WAIT_NS));
}

/*
 * ctx points at the caller's pool pointer, set once create returned: the
 * worker that runs nested is forked after that (maxtasksperchild 1, a
 * first task before it).
 */
TEST_F(pool, apply_from_inside_a_worker_fails_with_edeadlk)
{
	struct ipcdev_pool_attr attr = { .ctx = &self->p,
					 .maxtasksperchild = 1 };
	size_t len = 0;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 1, &attr));
	EXPECT_LT(0, ipcdev_pool_apply(self->p, whoami, NULL, 0, NULL, &len,
				       WAIT_NS));
	EXPECT_EQ(-EDEADLK, ipcdev_pool_apply(self->p, nested, NULL, 0, NULL,
					      &len, WAIT_NS));
}

TEST_F(pool, imap_in_order_and_imap_unordered_as_completed)
{
	struct ipcdev_pool_item items[50];
	uint64_t in[50], out[50], v;
	ipcdev_pool_iter *it;
	bool got[50] = { 0 };
	int status, pass;
	size_t i, idx, len;

	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 3, NULL));
	items_of(items, in, out, 50);
	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, (pass ? ipcdev_pool_imap_unordered :
			      ipcdev_pool_imap)(&it, self->p, square, items,
						50, 4));
		for (i = 0; i < 50; i++) {
			len = 4;	/* too small: stays */
			EXPECT_EQ(-EMSGSIZE,
				  ipcdev_pool_iter_next(it, &idx, &status, &v,
							&len, WAIT_NS));
			EXPECT_EQ(sizeof(v), len);
			ASSERT_EQ(0, ipcdev_pool_iter_next(it, &idx, &status,
							   &v, &len,
							   WAIT_NS));
			EXPECT_EQ(0, status);
			if (!pass)
				EXPECT_EQ(i, idx);
			ASSERT_GT(50, idx);
			EXPECT_FALSE(pass && got[idx]);
			got[idx] = pass;
			EXPECT_EQ((idx + 1) * (idx + 1), v);
		}
		EXPECT_EQ(IPCDEV_EOF, ipcdev_pool_iter_next(it, &idx, &status,
							    &v, &len, 0));
		EXPECT_EQ(0, ipcdev_pool_iter_free(it));
	}
}

TEST_F(pool, bad_arguments)
{
	struct ipcdev_pool_attr attr = { .flags = 1 };
	ipcdev_pool_result *r;
	ipcdev_pool *q;

	EXPECT_EQ(-EINVAL, ipcdev_pool_create(NULL, 1, NULL));
	EXPECT_EQ(-EINVAL, ipcdev_pool_create(&q, 1, &attr));
	EXPECT_EQ(-EINVAL, ipcdev_pool_create(&q, 100000, NULL));
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 0, NULL));
	EXPECT_EQ(-EINVAL, ipcdev_pool_apply_async(self->p, NULL, NULL, 0, &r));
	EXPECT_EQ(-EINVAL, ipcdev_pool_apply_async(self->p, square, NULL, 8,
						   &r));
	EXPECT_EQ(-EINVAL, ipcdev_pool_stat(self->p, NULL));
	EXPECT_EQ(-EINVAL, ipcdev_pool_result_free(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_pool_iter_free(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_pool_free(NULL));
}

/* True once @pid has ended: reaped, or a zombie not yet reaped. */
static bool ended(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool gone;

	waitpid(pid, NULL, WNOHANG);	/* ours once orphaned: reap it */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT;
	gone = fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	       (p[2] == 'Z' || p[2] == 'X');
	fclose(f);
	return gone;
}

/*
 * The creator SIGKILLed while its workers run tasks: none survives. This
 * process is a subreaper, so the orphaned workers become its children.
 */
TEST_F(pool, creator_killed_leaves_no_worker)
{
	pid_t creator;
	int i;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	creator = fork();
	ASSERT_LE(0, creator);
	if (creator == 0) {
		ipcdev_pool_result *r[3];
		ipcdev_pool *p;

		if (ipcdev_pool_create(&p, 3, NULL))
			_exit(1);
		for (i = 0; i < 3; i++)
			if (ipcdev_pool_apply_async(p, blocker, NULL, 0, &r[i]))
				_exit(2);
		for (;;)
			pause();
	}
	ASSERT_TRUE(wait_for(atomic_load(&seen->pids[2]) != 0, WAIT_MS));
	for (i = 0; i < 3; i++)
		EXPECT_FALSE(ended(atomic_load(&seen->pids[i])));
	kill(creator, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(creator));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(wait_for(ended(atomic_load(&seen->pids[i])),
				     WAIT_MS));
}

/* Workers need pipes, each charged to the user's object limit. */
TEST_F(pool, object_limit_fails_create_cleanly)
{
	long old = get_param("max_objects_per_user");
	int ret;

	if (geteuid() != 0)
		SKIP(return, "changing module parameters needs root");
	ASSERT_LT(0, old);
	ASSERT_EQ(0, set_param("max_objects_per_user", 1));
	ret = ipcdev_pool_create(&self->p, 8, NULL);
	ASSERT_EQ(0, set_param("max_objects_per_user", old));
	self->p = ret ? NULL : self->p;
	EXPECT_EQ(-ENOSPC, ret);
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 8, NULL));
}

/*
 * A worker that cannot be replaced (the per-user object limit refuses
 * its pipe): the queued tasks fail with that error rather than wait for
 * a worker that never comes; once the limit allows, the next submission
 * starts one and runs.
 */
TEST_F(pool, failed_respawn_fails_tasks_then_recovers)
{
	long old = get_param("max_objects_per_user");
	struct ipcdev_pool_stat st;
	uint64_t v = 5, sq = 0;
	size_t len = sizeof(sq);
	int pid;

	if (geteuid() != 0)
		SKIP(return, "changing module parameters needs root");
	ASSERT_LT(0, old);
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 1, NULL));
	pid = ipcdev_pool_apply(self->p, whoami, NULL, 0, NULL, NULL, WAIT_NS);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, set_param("max_objects_per_user", 1));
	kill(pid, SIGKILL);
	/* No ASSERT until the limit is back: later tests need it. */
	EXPECT_TRUE(wait_for(ipcdev_pool_stat(self->p, &st) == 0 &&
			     st.alive == 0, WAIT_MS));
	EXPECT_EQ(-ENOSPC, ipcdev_pool_apply(self->p, square, &v, sizeof(v),
					     &sq, &len, WAIT_NS));
	ASSERT_EQ(0, set_param("max_objects_per_user", old));
	len = sizeof(sq);
	EXPECT_EQ(0, ipcdev_pool_apply(self->p, square, &v, sizeof(v), &sq,
				       &len, WAIT_NS));
	EXPECT_EQ(25, sq);
	ASSERT_EQ(0, ipcdev_pool_stat(self->p, &st));
	EXPECT_EQ(1, st.alive);
	EXPECT_EQ(1, st.respawns);
}

/*
 * Exec'd workers (attr.program): tests/pool_worker_child, whose table is
 * this one in the same order (only the functions' identity matters here:
 * the worker runs its own square, pid and hang).
 */
static int pid_of(const void *in, size_t in_len, void *out, size_t *out_len,
		  void *ctx)
{
	return -ENOSYS;	/* never run here: the worker program's runs */
}

static const ipcdev_pool_fn exec_table[] = { square, pid_of, blocker };

static void exec_attr(struct ipcdev_pool_attr *attr, char *path, size_t size)
{
	memset(attr, 0, sizeof(*attr));
	if (helper_path(path, size, "pool_worker_child"))
		path[0] = 0;
	attr->program = path;
	attr->functions = exec_table;
	attr->nfunctions = 3;
}

/* The program named by /proc/@pid/exe ends in @name. */
static bool runs(pid_t pid, const char *name)
{
	char link[64], exe[512];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = 0;
	return strlen(exe) >= strlen(name) &&
	       !strcmp(exe + strlen(exe) - strlen(name), name);
}

TEST_F(pool, exec_workers_map_and_apply)
{
	struct ipcdev_pool_item items[100];
	uint64_t in[100], out[100];
	struct ipcdev_pool_attr attr;
	char path[600];
	int i, pid;

	exec_attr(&attr, path, sizeof(path));
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 2, &attr));
	items_of(items, in, out, 100);
	EXPECT_EQ(0, ipcdev_pool_map(self->p, square, items, 100, 0, WAIT_NS));
	for (i = 0; i < 100; i++) {
		EXPECT_EQ(0, items[i].status);
		EXPECT_EQ(in[i] * in[i], out[i]);
	}
	/* The worker program's pid task, after its initializer. */
	pid = ipcdev_pool_apply(self->p, pid_of, NULL, 0, NULL, NULL, WAIT_NS);
	ASSERT_LT(0, pid);
	EXPECT_TRUE(runs(pid, "/pool_worker_child"));
	/* A function not in the table cannot travel. */
	EXPECT_EQ(-EINVAL, ipcdev_pool_apply(self->p, whoami, NULL, 0, NULL,
					     NULL, WAIT_NS));
	EXPECT_EQ(0, ipcdev_pool_close(self->p));
	EXPECT_EQ(0, ipcdev_pool_join(self->p, WAIT_NS));
	expect_counts(_metadata, self->p, 101, 0, 0, 0);
}

/* An exec'd worker killed mid-task: -ECHILD for it, a new program runs. */
TEST_F(pool, exec_worker_killed_mid_task_is_replaced)
{
	struct ipcdev_pool_result *r;
	struct ipcdev_pool_stat st;
	struct ipcdev_pool_attr attr;
	uint64_t v = 7, sq = 0;
	size_t len = sizeof(sq);
	char path[600];
	int pid, pid2;

	exec_attr(&attr, path, sizeof(path));
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 1, &attr));
	pid = ipcdev_pool_apply(self->p, pid_of, NULL, 0, NULL, NULL, WAIT_NS);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, ipcdev_pool_apply_async(self->p, blocker, NULL, 0, &r));
	ASSERT_TRUE(wait_for(ipcdev_pool_stat(self->p, &st) == 0 &&
			     st.running == 1, WAIT_MS));
	kill(pid, SIGKILL);
	EXPECT_EQ(-ECHILD, ipcdev_pool_result_get(r, NULL, NULL, WAIT_NS));
	ipcdev_pool_result_free(r);
	EXPECT_EQ(0, ipcdev_pool_apply(self->p, square, &v, sizeof(v), &sq,
				       &len, WAIT_NS));
	EXPECT_EQ(49, sq);
	pid2 = ipcdev_pool_apply(self->p, pid_of, NULL, 0, NULL, NULL, WAIT_NS);
	EXPECT_LT(0, pid2);
	EXPECT_NE(pid, pid2);
	EXPECT_TRUE(runs(pid2, "/pool_worker_child"));
	EXPECT_EQ(0, ipcdev_pool_terminate(self->p));
	EXPECT_EQ(0, ipcdev_pool_join(self->p, WAIT_NS));
	expect_counts(_metadata, self->p, 3, 1, 1, 1);
}

/* maxtasksperchild reaches the exec'd program through its environment. */
TEST_F(pool, exec_workers_honour_maxtasksperchild)
{
	struct ipcdev_pool_attr attr;
	char path[600];
	int i, pids[6], distinct = 0, j;

	exec_attr(&attr, path, sizeof(path));
	attr.maxtasksperchild = 2;
	ASSERT_EQ(0, ipcdev_pool_create(&self->p, 1, &attr));
	for (i = 0; i < 6; i++) {
		pids[i] = ipcdev_pool_apply(self->p, pid_of, NULL, 0, NULL,
					    NULL, WAIT_NS);
		ASSERT_LT(0, pids[i]);
		for (j = 0; j < i && pids[j] != pids[i]; j++)
			;
		distinct += j == i;
	}
	EXPECT_EQ(3, distinct);
	EXPECT_EQ(pids[0], pids[1]);
	EXPECT_NE(pids[1], pids[2]);
}

TEST_F(pool, exec_attributes_are_checked)
{
	struct ipcdev_pool_attr attr;
	char path[600], *argv[] = { path, NULL };
	pid_t pid;

	exec_attr(&attr, path, sizeof(path));
	attr.nfunctions = 0;
	EXPECT_EQ(-EINVAL, ipcdev_pool_create(&self->p, 1, &attr));
	attr.nfunctions = 3;
	attr.functions = NULL;
	EXPECT_EQ(-EINVAL, ipcdev_pool_create(&self->p, 1, &attr));
	exec_attr(&attr, path, sizeof(path));
	attr.initializer = init_worker;
	EXPECT_EQ(-EINVAL, ipcdev_pool_create(&self->p, 1, &attr));
	/* No program: no table, no argv. */
	memset(&attr, 0, sizeof(attr));
	attr.functions = exec_table;
	attr.nfunctions = 3;
	EXPECT_EQ(-EINVAL, ipcdev_pool_create(&self->p, 1, &attr));
	memset(&attr, 0, sizeof(attr));
	attr.argv = argv;
	EXPECT_EQ(-EINVAL, ipcdev_pool_create(&self->p, 1, &attr));
	exec_attr(&attr, path, sizeof(path));
	attr.program = "/nonexistent/pool_worker";
	EXPECT_EQ(-ENOENT, ipcdev_pool_create(&self->p, 1, &attr));
	self->p = NULL;
	/* The worker program run by hand: not a pool's worker. */
	exec_attr(&attr, path, sizeof(path));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsetenv("IPCDEV_POOL_WORKER");
		execv(path, argv);
		_exit(127);
	}
	EXPECT_EQ(10, child_status(pid));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setenv("IPCDEV_POOL_WORKER", "pipe:x,1,0", 1);
		execv(path, argv);
		_exit(127);
	}
	EXPECT_EQ(10, child_status(pid));
}

TEST_HARNESS_MAIN
