// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands parked when what they wait on goes away: the ring
 * closed, the submitting process exiting, killed or stopped, the last
 * producer or consumer gone, the queue shut down; and exact accounting
 * under churn of deadlines, cancels and rings replaced.
 */
#define _GNU_SOURCE
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "uring_fixture.h"

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
	ASSERT_TRUE(wait_for(getters(q) == 2, WAIT_MS));
	ASSERT_EQ(sync_waiters(sem), 1);
	ASSERT_EQ(sync_waiters(ev), 1);
	io_uring_queue_exit(&r);
	/*
	 * A put at once wakes a parked get of the closed ring: it must take
	 * nothing (its completion would go nowhere). The teardown cancels
	 * them all (in the background).
	 */
	ASSERT_EQ(raw_put(q, "k", 2, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_TRUE(wait_for(getters(q) == 0, WAIT_MS));
	ASSERT_TRUE(wait_for(sync_waiters(sem) == 0, WAIT_MS));
	ASSERT_TRUE(wait_for(sync_waiters(ev) == 0, WAIT_MS));
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
	int ready[2], go[2];
	char c, buf[8];
	uint64_t len;
	pid_t pid;

	ASSERT_GE(q, 0);
	ASSERT_GE(sem, 0);
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
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
		/*
		 * Until the parent has seen the puts parked (the io_uring
		 * worker or task work may still be submitting them).
		 */
		if (killed)
			pause();
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		_exit(0);	/* with the ring and its commands open */
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.putters == 4, WAIT_MS));
	if (killed) {
		ASSERT_EQ(kill(pid, SIGKILL), 0);
	} else {
		ASSERT_EQ(write(go[1], "g", 1), 1);
	}
	close(go[1]);
	ASSERT_EQ(child_status(pid), killed ? 128 + SIGKILL : 0);
	ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.putters == 0, WAIT_MS));
	ASSERT_EQ(st.messages, 1);
	ASSERT_TRUE(wait_for(sync_waiters(sem) == 0, WAIT_MS));
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

/*
 * A get woken while its process is stopped, then killed before it runs
 * again: the task work that would try again runs only as the process
 * goes (io_uring then says the task is dead) and takes nothing, since its
 * completion would be lost: the message is still there for others.
 */
TEST_F(uring, woken_then_killed_takes_nothing)
{
	int q = queue_new(self->dev, BOTH | variant->queue_flags, 4);
	struct ipcq_queue_stat st;
	int ready[2];
	char c, buf[8];
	uint64_t len;
	pid_t pid;

	/* SQPOLL's thread, not the stopped task, would run the try. */
	if (variant->setup_flags & IORING_SETUP_SQPOLL)
		SKIP(return, "the SQPOLL thread runs a woken command's try");
	ASSERT_GE(q, 0);
	ASSERT_EQ(pipe(ready), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct ipcq_msg m;
		static char rbuf[8];
		struct io_uring r;

		if (io_uring_queue_init(4, &r, variant->setup_flags))
			_exit(1);
		msg_init(&m, rbuf, sizeof(rbuf), IPCQ_DEADLINE_FOREVER, 0);
		prep_raw(sqe_of(&r), q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&m,
			 0, 0, 1);
		if (io_uring_submit(&r) != 1 || write(ready[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.getters == 1,
			     WAIT_MS));
	ASSERT_TRUE(stop_child(pid));
	/* Wakes the parked get; its try waits for the stopped task. */
	ASSERT_EQ(raw_put(q, "msg", 4, 0, 0, IPCQ_DEADLINE_FOREVER), 0);
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_EQ(child_status(pid), 128 + SIGKILL);
	ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.getters == 0,
			     WAIT_MS));
	len = sizeof(buf);
	ASSERT_EQ(raw_get(q, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0), 0);
	ASSERT_STREQ(buf, "msg");
	close(q);
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
	/* Parked first (SQPOLL's thread submits in its own time). */
	ASSERT_TRUE(wait_for(getters(cons) == 1, WAIT_MS));
	close(prod);	/* the last producer: end-of-file */
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), IPCQ_GET_EOF);
	close(cons);

	/* Shutdown ends a parked get with ESHUTDOWN. */
	msg_init(&m[1], buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&self->ring), q, IPCQ_IOC_QUEUE_GET,
		 (uintptr_t)&m[1], 0, 0, 2);
	ASSERT_TRUE(submitted(&self->ring, 1));
	ASSERT_TRUE(none_completes(&self->ring, 20));
	ASSERT_TRUE(wait_for(getters(q) == 1, WAIT_MS));
	memset(&sd, 0, sizeof(sd));
	ASSERT_EQ(xioctl(q, IPCQ_IOC_QUEUE_SHUTDOWN, &sd), 0);
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -ESHUTDOWN);
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
	ASSERT_TRUE(wait_for(putters(prod) == 1, WAIT_MS));
	close(q);
	ASSERT_EQ(next_cqe(&self->ring, &ud, WAIT_MS), -EPIPE);
	close(prod);
}

/*
 * Order is kept per task, not across them: a process stopped with a woken
 * acquire does not hold up another process's parked acquire.
 */
TEST(stopped_process_holds_up_no_other)
{
	SKIP_WITHOUT_URING();
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
		_exit(next_cqe(&r, NULL, 3 * WAIT_MS) == 0 ? 0 : 3);
	}
	{
		static struct ipcq_sync_op op;
		struct io_uring r;
		char c;

		ASSERT_EQ(read(ready[0], &c, 1), 1);
		ASSERT_TRUE(wait_for(sync_waiters(sem) == 1, WAIT_MS));
		ASSERT_EQ(io_uring_queue_init(4, &r, 0), 0);
		sync_op_init(&op, IPCQ_DEADLINE_FOREVER, 0, 0);
		prep_raw(sqe_of(&r), sem, IPCQ_IOC_SEM_ACQUIRE, (uintptr_t)&op,
			 0, 0, 2);
		ASSERT_TRUE(submitted(&r, 1));
		ASSERT_EQ(sync_waiters(sem), 2);
		/* The child's acquire, parked first, is woken while stopped. */
		ASSERT_TRUE(stop_child(pid));
		struct ipcq_sync_op rel;

		sync_op_init(&rel, 0, 0, 2);
		ASSERT_EQ(xioctl(sem, IPCQ_IOC_SEM_RELEASE, &rel), 0);
		ASSERT_EQ(next_cqe(&r, &ud, WAIT_MS), 0);
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
	SKIP_WITHOUT_URING();
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
		EXPECT_TRUE(wait_for(atomic_load(received) == total, WAIT_MS))
			TH_LOG("received %u of %u", atomic_load(received), total);
		atomic_store(stop, 1);
		for (i = CHURN_PRODUCERS; i < CHURN_PRODUCERS + CHURN_CONSUMERS; i++)
			EXPECT_EQ(child_status(pids[i]), 0) TH_LOG("consumer %d", i);
		for (i = 0; i < (int)total; i++)
			ASSERT_EQ(atomic_load(&seen[i]), 1) TH_LOG("message %d", i);
		ASSERT_TRUE(wait_for(raw_stat(q, &st) == 0 && st.getters == 0,
				     WAIT_MS));
		EXPECT_EQ(st.messages, 0);
		EXPECT_EQ(st.putters, 0);
		close(q);
		munmap((void *)seen, (total + 2) * 4);
	}
	close(dev);
}

TEST_HARNESS_MAIN
