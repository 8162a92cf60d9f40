// SPDX-License-Identifier: GPL-2.0
/*
 * libipcdev handles across fork(): a child is independent of its parent
 * from the moment fork() returns, without calling the library (a parent
 * killed while an idle child lives is seen dead at once: EOWNERDEAD,
 * end-of-file, semaphore undo); when the fork handler could not re-own a
 * handle, the child's threads racing to use it re-own it exactly once,
 * and so are a thousand handles; a listener, which holds nothing per
 * process, is shared: a child accepts on it and its exit closes nothing.
 * (What a fork costs with live handles is measured by make bench.)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define DEADLINE_NS	(5 * NSEC_PER_SEC)

/*
 * Runs @holder in a child H after making this process a subreaper; H
 * calls it and forks a grandchild G, which sends its pid and only
 * sleeps (it never calls the library); H sleeps too. Returns H's pid and sets *@g
 * to G's; the caller kills H and then reaps G with reap_idle().
 */
static pid_t spawn_holder_with_idle_child(int (*holder)(void *), void *arg,
					  pid_t *g)
{
	int fds[2];
	pid_t h;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(fds))
		return -1;
	h = fork();
	if (h < 0)
		return -1;
	if (h == 0) {
		pid_t idle;

		close(fds[0]);
		if (holder(arg))
			_exit(1);
		idle = fork();
		if (idle == 0) {
			/* fork() has returned here: the child is set up. */
			idle = getpid();
			if (write(fds[1], &idle, sizeof(idle)) != sizeof(idle))
				_exit(2);
			for (;;)
				pause();
		}
		if (idle < 0)
			_exit(3);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (read(fds[0], g, sizeof(*g)) != sizeof(*g)) {
		close(fds[0]);
		kill(h, SIGKILL);
		child_status(h);
		return -1;
	}
	close(fds[0]);
	return h;
}

/* The idle grandchild, ours once its parent died (we are a subreaper). */
static int reap_idle(pid_t g)
{
	kill(g, SIGKILL);
	return child_status(g);
}

static int take_lock(void *arg)
{
	return ipcdev_lock_acquire(arg, IPCDEV_FOREVER);
}

/* A Lock holder forks a child that sleeps, then dies: EOWNERDEAD. */
TEST(idle_child_keeps_no_dead_holders_lock)
{
	ipcdev_lock *l;
	pid_t h, g;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	h = spawn_holder_with_idle_child(take_lock, l, &g);
	ASSERT_LT(0, h);
	EXPECT_EQ(-EAGAIN, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	ASSERT_EQ(0, kill(h, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(h));
	/* The idle child is alive all along, and holds nothing. */
	EXPECT_EQ(-EOWNERDEAD, ipcdev_lock_acquire(l, DEADLINE_NS));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	EXPECT_EQ(128 + SIGKILL, reap_idle(g));
	ipcdev_lock_close(l);
}

static int take_unit(void *arg)
{
	return ipcdev_sem_acquire(arg, IPCDEV_FOREVER);
}

/* An UNDO semaphore's holder forks a child that sleeps, then dies. */
TEST(idle_child_keeps_no_dead_holders_units)
{
	ipcdev_sem *s;
	pid_t h, g;

	ASSERT_EQ(0, ipcdev_sem_create(&s, 1, IPCDEV_SEM_UNDO));
	h = spawn_holder_with_idle_child(take_unit, s, &g);
	ASSERT_LT(0, h);
	EXPECT_EQ(0, ipcdev_sem_get_value(s));
	ASSERT_EQ(0, kill(h, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(h));
	EXPECT_EQ(0, ipcdev_sem_acquire(s, DEADLINE_NS));
	EXPECT_EQ(128 + SIGKILL, reap_idle(g));
	ipcdev_sem_close(s);
}

FIXTURE(eof) {
	ipcdev_queue *q;
};

FIXTURE_VARIANT(eof) {
	bool ring;
};

FIXTURE_VARIANT_ADD(eof, plain) {
	.ring = false,
};

FIXTURE_VARIANT_ADD(eof, ring) {
	.ring = true,
};

FIXTURE_SETUP(eof)
{
	ASSERT_EQ(0, variant->ring ? ipcdev_queue_create_ring(&self->q, 0, 0) :
				     ipcdev_queue_create(&self->q, 0));
}

FIXTURE_TEARDOWN(eof)
{
}

/* A producer only (the pattern of ipcdev_queue_create(3)), one message. */
static int produce_one(void *arg)
{
	ipcdev_queue *q = arg, *prod;

	if (ipcdev_queue_endpoint(&prod, q, IPCDEV_PRODUCER) ||
	    ipcdev_queue_close(q))
		return -1;
	return ipcdev_queue_put(prod, "m", 1, IPCDEV_FOREVER);
}

static uint32_t producers(ipcdev_queue *q)
{
	struct ipcq_queue_stat st;

	return ipcdev_queue_stat(q, &st) ? ~0U : st.producers;
}

/*
 * The idle child of a producer inherits its producer handle, so it may
 * put: it is a producer of its own from fork() on, not a holder of its
 * parent's file. The parent's death is counted at once; end-of-file
 * comes when the child is gone too (or has closed the handle).
 */
TEST_F(eof, idle_child_of_a_producer_is_a_producer_of_its_own)
{
	ipcdev_queue *cons;
	char buf[8];
	size_t len = sizeof(buf);
	pid_t h, g;

	ASSERT_EQ(0, ipcdev_queue_endpoint(&cons, self->q, IPCDEV_CONSUMER));
	h = spawn_holder_with_idle_child(produce_one, self->q, &g);
	ASSERT_LT(0, h);
	ASSERT_EQ(0, ipcdev_queue_close(self->q));
	ASSERT_EQ(0, ipcdev_queue_get(cons, buf, &len, DEADLINE_NS));
	EXPECT_EQ(1, len);
	EXPECT_EQ(2, producers(cons));
	ASSERT_EQ(0, kill(h, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(h));
	EXPECT_TRUE(wait_for(producers(cons) == 1, 5000));
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, ipcdev_queue_get_nowait(cons, buf, &len));
	EXPECT_EQ(128 + SIGKILL, reap_idle(g));
	len = sizeof(buf);
	EXPECT_EQ(IPCDEV_EOF, ipcdev_queue_get(cons, buf, &len, DEADLINE_NS));
	ipcdev_queue_close(cons);
}

/*
 * One handle of every type, hammered by the threads of a forked child
 * whose fork handler could not re-own them: they all find the handle
 * inherited at once, and each must be re-owned exactly once (a second
 * swap would close the file a first thread just took a lock or a unit
 * through, and unmap a ring twice).
 */
struct every {
	ipcdev_queue *q, *rq;
	ipcdev_sem *sem, *ssem;
	ipcdev_lock *lock, *cond_lock;
	ipcdev_rlock *rlock;
	ipcdev_event *event;
	ipcdev_cond *cond;
	ipcdev_barrier *barrier;
	pthread_barrier_t start;
	_Atomic int errors;
};

#define HAMMER_THREADS	8
#define HAMMER_ROUNDS	20
#define HAMMER_FORKS	20

static void count(struct every *e, int ok)
{
	if (!ok)
		atomic_fetch_add(&e->errors, 1);
}

static void queue_round(struct every *e, ipcdev_queue *q)
{
	char buf[8];
	size_t len = sizeof(buf);

	count(e, !ipcdev_queue_put(q, "x", 1, IPCDEV_FOREVER));
	count(e, !ipcdev_queue_get(q, buf, &len, DEADLINE_NS));
}

static void *hammer(void *arg)
{
	struct every *e = arg;
	int i;

	pthread_barrier_wait(&e->start);
	for (i = 0; i < HAMMER_ROUNDS; i++) {
		/* Every type's first call is a race to re-own it. */
		count(e, !ipcdev_lock_acquire(e->lock, DEADLINE_NS));
		count(e, !ipcdev_lock_release(e->lock));
		count(e, !ipcdev_rlock_acquire(e->rlock, DEADLINE_NS));
		count(e, !ipcdev_rlock_release(e->rlock));
		count(e, !ipcdev_sem_acquire(e->sem, DEADLINE_NS));
		count(e, !ipcdev_sem_release(e->sem, 1));
		count(e, !ipcdev_sem_acquire(e->ssem, DEADLINE_NS));
		count(e, !ipcdev_sem_release(e->ssem, 1));
		queue_round(e, e->q);
		queue_round(e, e->rq);
		count(e, !ipcdev_event_set(e->event));
		count(e, ipcdev_event_is_set(e->event) == 1);
		count(e, !ipcdev_lock_acquire(e->cond_lock, DEADLINE_NS));
		count(e, !ipcdev_cond_notify(e->cond, 1));
		count(e, !ipcdev_lock_release(e->cond_lock));
		count(e, ipcdev_barrier_wait(e->barrier, DEADLINE_NS) == 0);
	}
	return NULL;
}

/* In the child: every handle is now this process's own, once. */
static int check_owned(struct every *e)
{
	struct ipcq_queue_stat qs;
	struct ipcq_sync_stat ss;

	/* The parent's file and ours: two producers, not one, not three. */
	if (ipcdev_queue_stat(e->q, &qs) || qs.producers != 2 ||
	    ipcdev_queue_stat(e->rq, &qs) || qs.producers != 2)
		return 1;
	/* A lock taken now is held through our file, and is ours. */
	if (ipcdev_lock_acquire(e->lock, IPCDEV_NOWAIT) ||
	    ipcdev_lock_stat(e->lock, &ss) || !(ss.state & IPCQ_SYNC_MINE) ||
	    ipcdev_lock_release(e->lock))
		return 1;
	return 0;
}

static int hammer_child(struct every *e, struct rlimit *old)
{
	pthread_t t[HAMMER_THREADS];
	int i;

	if (setrlimit(RLIMIT_NOFILE, old))
		return 10;
	for (i = 0; i < HAMMER_THREADS; i++)
		if (pthread_create(&t[i], NULL, hammer, e))
			return 11;
	for (i = 0; i < HAMMER_THREADS; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&e->errors))
		return 12;
	return check_owned(e) ? 13 : 0;
}

/* The lowest fd number not in use (what the next open would get). */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

TEST(threads_of_a_child_reown_each_handle_once)
{
	struct every e = { .errors = 0 };
	struct rlimit old, low;
	int round;

	ASSERT_EQ(0, ipcdev_queue_create(&e.q, 0));
	ASSERT_EQ(0, ipcdev_queue_create_ring(&e.rq, 0, 0));
	ASSERT_EQ(0, ipcdev_sem_create(&e.sem, HAMMER_THREADS, 0));
	ASSERT_EQ(0, ipcdev_sem_create(&e.ssem, HAMMER_THREADS,
				       IPCDEV_SEM_SHARED));
	ASSERT_EQ(0, ipcdev_lock_create(&e.lock));
	ASSERT_EQ(0, ipcdev_lock_create(&e.cond_lock));
	ASSERT_EQ(0, ipcdev_rlock_create(&e.rlock));
	ASSERT_EQ(0, ipcdev_event_create(&e.event));
	ASSERT_EQ(0, ipcdev_cond_create(&e.cond, e.cond_lock));
	ASSERT_EQ(0, ipcdev_barrier_create(&e.barrier, 1));
	ASSERT_EQ(0, pthread_barrier_init(&e.start, NULL, HAMMER_THREADS));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));

	for (round = 0; round < HAMMER_FORKS; round++) {
		pid_t pid;

		/*
		 * No fd free below the limit: the fork handler's re-own fails
		 * with EMFILE, and the child's threads find every handle
		 * inherited. The child raises the limit again first.
		 */
		low = old;
		low.rlim_cur = lowest_free_fd();
		ASSERT_LT(0, (int)low.rlim_cur);
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
		pid = fork();
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(hammer_child(&e, &old));
		ASSERT_EQ(0, child_status(pid)) {
			TH_LOG("round %d", round);
		}
	}
	/* The parent's handles never moved. */
	EXPECT_EQ(0, ipcdev_lock_acquire(e.lock, IPCDEV_NOWAIT));
	EXPECT_EQ(HAMMER_THREADS, ipcdev_sem_get_value(e.sem));
	EXPECT_EQ(HAMMER_THREADS, ipcdev_sem_get_value(e.ssem));
	EXPECT_EQ(0, ipcdev_queue_qsize(e.q));
	EXPECT_EQ(0, ipcdev_queue_qsize(e.rq));
}

/*
 * With a thousand live handles, the child of a fork owns a fresh file of
 * each: while it lives, every consumer role is counted twice (the
 * parent's and the child's), and once again after it exits. What the
 * re-owning costs is measured by make bench (tools/bench/fork.c), not
 * here.
 */
TEST(thousand_live_handles_are_each_reowned_in_the_child)
{
	enum { HANDLES = 1000 };
	ipcdev_queue **h = calloc(HANDLES, sizeof(*h));
	struct ipcq_queue_stat st;
	struct rlimit rl;
	uint32_t consumers;
	pid_t pid;
	int made, i;

	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < HANDLES + 100) {
		if (rl.rlim_max < HANDLES + 100)
			SKIP(return, "RLIMIT_NOFILE hard limit %llu is below %d",
			     (unsigned long long)rl.rlim_max, HANDLES + 100);
		rl.rlim_cur = rl.rlim_max;
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	}
	/* A queue, then consumer endpoints of it. */
	ASSERT_EQ(0, ipcdev_queue_create(&h[0], 0));
	for (made = 1; made < HANDLES; made++)
		ASSERT_EQ(0, ipcdev_queue_endpoint(&h[made], h[0],
						   IPCDEV_CONSUMER));
	ASSERT_EQ(0, ipcdev_queue_stat(h[0], &st));
	consumers = st.consumers;
	ASSERT_LE(HANDLES - 1, consumers);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ipcdev_queue_stat(h[HANDLES - 1], &st))
			_exit(1);
		_exit(st.consumers == 2 * consumers ? 0 : 2);
	}
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, ipcdev_queue_stat(h[0], &st));
	EXPECT_EQ(consumers, st.consumers);
	for (i = HANDLES - 1; i >= 0; i--)
		ipcdev_queue_close(h[i]);
	free(h);
}

/*
 * A listener inherited across fork: the child accepts and answers on it;
 * its exit leaves the parent's listener listening.
 */
TEST(listener_inherited_by_fork_accepts_in_the_child)
{
	char name[64], buf[8];
	size_t len = sizeof(buf);
	ipcdev_listener *l;
	ipcdev_pipe *c, *s;
	pid_t pid;

	snprintf(name, sizeof(name), "fork-test-%d", getpid());
	ASSERT_EQ(0, ipcdev_listener_create(&l, name, 1, 0600));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ipcdev_listener_accept(l, &s, WAIT_NS) ||
		    ipcdev_pipe_recv(s, buf, &len, WAIT_NS) || len != 2 ||
		    ipcdev_pipe_send(s, "pong", 4, WAIT_NS))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, ipcdev_client_connect(&c, name, 1, WAIT_NS));
	ASSERT_EQ(0, ipcdev_pipe_send(c, "hi", 2, WAIT_NS));
	ASSERT_EQ(0, ipcdev_pipe_recv(c, buf, &len, WAIT_NS));
	EXPECT_EQ(4, len);
	EXPECT_EQ(0, child_status(pid));
	len = sizeof(buf);
	EXPECT_EQ(IPCDEV_EOF, ipcdev_pipe_recv(c, buf, &len, WAIT_NS));
	ipcdev_pipe_close(c);
	/* Still listening in the parent. */
	ASSERT_EQ(0, ipcdev_client_connect(&c, name, 1, IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_listener_accept(l, &s, IPCDEV_NOWAIT));
	ipcdev_pipe_close(s);
	ipcdev_pipe_close(c);
	EXPECT_EQ(0, ipcdev_listener_close(l));
}

TEST_HARNESS_MAIN
