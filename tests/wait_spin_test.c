// SPDX-License-Identifier: GPL-2.0
/*
 * Spinning before a sleep (wait_spin_ns): a put or get that has to wait
 * on a queue without a ring first spins if the other side (a get, for a
 * put; a put, for a get) changed the queue a moment ago (this tick or the
 * one before), for at most wait_spin_ns, and sleeps after that. A quiet
 * other side, a new queue, a ring queue, a budget of 0, a signal or the
 * deadline prevent or end the spin; a message that comes during it is
 * taken; a spinning getter counts as a waiter. Observed through the
 * waiter's own CPU time, against budgets far from it (hundreds of
 * milliseconds): a thread that sleeps uses next to none, one that spins
 * uses the time it spins. Root only: the tests set the module parameter.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define SPIN_PARAM "wait_spin_ns"
#define MSEC (1000 * 1000ULL)

FIXTURE(spin) {
	int dev;
	int fd;			/* capacity 1, both roles, no ring */
	long old_budget;
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

FIXTURE_SETUP(spin)
{
	self->old_budget = get_param(SPIN_PARAM);
	ASSERT_LE(0, self->old_budget);
	if (set_param(SPIN_PARAM, self->old_budget))
		SKIP(_exit(255), "needs root to change module parameters");
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	self->fd = raw_queue_open(self->dev, NULL, BOTH | IPCQ_OPEN_CLOEXEC,
				  0, 1, 0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(spin)
{
	set_param(SPIN_PARAM, self->old_budget);
	close(self->fd);
	close(self->dev);
}

/* A put and a get now: both sides of @fd have just acted; it is empty. */
static int both_act(int fd)
{
	uint64_t len = 8;
	char buf[8];

	return raw_put(fd, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER) ?:
	       raw_get(fd, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER);
}

/*
 * CPU time of a get on the empty queue (@put false), or of a put on the
 * full one, that waits @wait_ms in vain, @quiet_ms after both sides
 * last acted.
 */
static uint64_t cpu_of_wait(struct __test_metadata *_metadata, int fd,
			    bool put, uint64_t quiet_ms, uint64_t wait_ms)
{
	uint64_t len = 8, start;
	char buf[8];
	int ret;

	EXPECT_EQ(0, both_act(fd));
	if (put)
		EXPECT_EQ(0, raw_put(fd, "b", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	if (quiet_ms)
		sleep_ms(quiet_ms);
	start = cpu_ns();
	if (put)
		ret = raw_put(fd, "c", 1, 0, 0, now_ns() + wait_ms * MSEC);
	else
		ret = raw_get(fd, buf, &len, NULL, 0,
			      now_ns() + wait_ms * MSEC);
	start = cpu_ns() - start;
	EXPECT_EQ(-ETIMEDOUT, ret);
	if (put)
		EXPECT_EQ(0, raw_get(fd, buf, &len, NULL, 0,
				     IPCQ_DEADLINE_FOREVER));
	return start;
}

/*
 * The most CPU time of three such waits right after both sides acted: a
 * spin lets tasks that need the CPU go first (kernel workers, RCU), which
 * may take from one, not from all three.
 */
static uint64_t most_cpu_of_waits(struct __test_metadata *_metadata, int fd,
				  bool put, uint64_t wait_ms)
{
	uint64_t most = 0, t;
	int tries = 3;

	while (tries--) {
		t = cpu_of_wait(_metadata, fd, put, 0, wait_ms);
		if (t > most)
			most = t;
	}
	return most;
}

/*
 * A get (@put false) or put spins when the other side changed the queue
 * a moment ago, for the budget and no longer: with 200 ms of budget, a
 * wait of 1 s uses at least 50 ms of CPU and at most 800 (the rest
 * asleep).
 */
static void expect_spin_up_to_the_budget(struct __test_metadata *_metadata,
					 int fd, bool put)
{
	uint64_t cpu;

	ASSERT_EQ(0, set_param(SPIN_PARAM, 200 * MSEC));
	cpu = most_cpu_of_waits(_metadata, fd, put, 1000);
	EXPECT_LE(50 * MSEC, cpu);
	EXPECT_GE(800 * MSEC, cpu);
}

TEST_F(spin, a_get_spins_after_a_recent_put_up_to_the_budget)
{
	expect_spin_up_to_the_budget(_metadata, self->fd, false);
}

TEST_F(spin, a_put_spins_after_a_recent_get_up_to_the_budget)
{
	expect_spin_up_to_the_budget(_metadata, self->fd, true);
}

/*
 * Once the other side has been quiet for 100 ms (many ticks), a wait
 * sleeps at once, whatever the budget: under 100 ms of CPU for a wait of
 * 300.
 */
TEST_F(spin, no_spin_once_the_putters_are_quiet)
{
	ASSERT_EQ(0, set_param(SPIN_PARAM, NSEC_PER_SEC));
	EXPECT_GE(100 * MSEC, cpu_of_wait(_metadata, self->fd, false, 100,
					  300));
}

TEST_F(spin, no_spin_once_the_getters_are_quiet)
{
	ASSERT_EQ(0, set_param(SPIN_PARAM, NSEC_PER_SEC));
	EXPECT_GE(100 * MSEC, cpu_of_wait(_metadata, self->fd, true, 100,
					  300));
}

/* A budget of 0 never spins. */
TEST_F(spin, no_spin_at_a_budget_of_zero)
{
	ASSERT_EQ(0, set_param(SPIN_PARAM, 0));
	EXPECT_GE(100 * MSEC, cpu_of_wait(_metadata, self->fd, false, 0, 300));
	EXPECT_GE(100 * MSEC, cpu_of_wait(_metadata, self->fd, true, 0, 300));
}

/* A queue nothing was ever put to: nothing to spin for. */
TEST_F(spin, no_spin_on_a_new_queue)
{
	uint64_t len = 8, cpu = cpu_ns();
	char buf[8];

	ASSERT_EQ(0, set_param(SPIN_PARAM, NSEC_PER_SEC));
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->fd, buf, &len, NULL, 0,
				      now_ns() + 300 * MSEC));
	EXPECT_GE(100 * MSEC, cpu_ns() - cpu);
}

/* A ring queue's kernel waits never spin: its users spin in memory. */
TEST_F(spin, no_spin_on_a_ring_queue)
{
	int fd;

	ASSERT_EQ(0, set_param(SPIN_PARAM, NSEC_PER_SEC));
	fd = raw_queue_open(self->dev, NULL,
			    BOTH | IPCQ_OPEN_CLOEXEC | IPCQ_OPEN_RING, 0, 1, 0);
	ASSERT_LE(0, fd);
	EXPECT_GE(100 * MSEC, cpu_of_wait(_metadata, fd, false, 0, 300));
	close(fd);
}

/*
 * The deadline ends a spin: with a budget of 1 s, a get with a deadline
 * 100 ms away uses less than 700 ms of CPU.
 */
TEST_F(spin, the_deadline_ends_a_spin)
{
	ASSERT_EQ(0, set_param(SPIN_PARAM, NSEC_PER_SEC));
	EXPECT_GT(700 * MSEC, cpu_of_wait(_metadata, self->fd, false, 0, 100));
}

/*
 * A signal ends a spin, even while the other side keeps acting: a get of
 * type 2 on a queue (of capacity 4 here) where another process puts and
 * takes back type-1 messages without pause, SIGALRM every 100 ms, no
 * SA_RESTART, a budget of 1 s: EINTR, with less than 700 ms of CPU used.
 */
TEST_F(spin, a_signal_ends_a_spin)
{
	volatile uint64_t *rounds = shared_page(sizeof(*rounds));
	uint64_t len = 8, cpu;
	struct ipcq_msg m;
	char buf[8];
	pid_t pid;
	int fd, ret;

	ASSERT_NE(NULL, rounds);
	ASSERT_EQ(0, set_param(SPIN_PARAM, NSEC_PER_SEC));
	fd = raw_queue_open(self->dev, NULL, BOTH | IPCQ_OPEN_CLOEXEC, 0, 4, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;; (*rounds)++) {
			msg_init(&m, "1", 1, IPCQ_DEADLINE_FOREVER, 0);
			m.type = 1;
			if (xioctl(fd, IPCQ_IOC_QUEUE_PUT, &m))
				_exit(1);
			msg_init(&m, buf, sizeof(buf), IPCQ_DEADLINE_FOREVER,
				 IPCQ_MSG_TYPE_EQ);
			m.type = 1;
			if (xioctl(fd, IPCQ_IOC_QUEUE_GET, &m))
				_exit(1);
		}
	}
	ASSERT_TRUE(wait_for(*rounds > 100, WAIT_MS));
	ASSERT_EQ(0, start_ticks(100 * 1000, 0));
	msg_init(&m, buf, len, IPCQ_DEADLINE_FOREVER, IPCQ_MSG_TYPE_EQ);
	m.type = 2;
	cpu = cpu_ns();
	ret = xioctl(fd, IPCQ_IOC_QUEUE_GET, &m);
	cpu = cpu_ns() - cpu;
	stop_ticks();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
	EXPECT_EQ(-EINTR, ret);
	EXPECT_LE(1, *tick_count());
	EXPECT_GT(700 * MSEC, cpu);
}

/*
 * A message put during a spin is the one the get returns; meanwhile the
 * spinning getter counts as a waiter (the queue's getters, 1), as a
 * sleeping one does. The putter, another process, checks that count,
 * then puts.
 */
TEST_F(spin, a_message_put_during_a_spin_is_taken)
{
	char buf[8] = { 0 };
	uint64_t len = sizeof(buf);
	pid_t pid;

	ASSERT_EQ(0, set_param(SPIN_PARAM, NSEC_PER_SEC));
	ASSERT_EQ(0, both_act(self->fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_queue_stat st;
		bool waiting;

		waiting = wait_for(!raw_stat(self->fd, &st) && st.getters == 1,
				   WAIT_MS);
		_exit(!waiting || raw_put(self->fd, "late", 4, 0, 0,
					  IPCQ_DEADLINE_FOREVER));
	}
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(4, len);
	EXPECT_EQ(0, memcmp(buf, "late", 4));
	EXPECT_EQ(0, child_status(pid));
}

TEST_HARNESS_MAIN
