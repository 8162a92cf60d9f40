// SPDX-License-Identifier: GPL-2.0
/*
 * Sync objects between processes through libipcdev: Semaphore(2) never
 * lets a third in, a Lock keeps a shared counter exact under contention,
 * a Condition carries a producer/consumer stream without lost wake-ups,
 * and a process killed while holding a Lock, an RLock or semaphore units
 * (using only the library, which gives each process its own files) is
 * seen by the others.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

/* Three processes, Semaphore(2): never more than two inside at once. */
TEST(semaphore_two_of_three)
{
	struct { _Atomic int inside, most, entries; } *sh = shared_page(4096);
	ipcdev_sem *sem;
	pid_t pids[3];
	int i, round;

	ASSERT_NE(NULL, sh);
	ASSERT_EQ(0, ipcdev_sem_create(&sem, 2, IPCDEV_SEM_BOUNDED));
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			for (round = 0; round < 200; round++) {
				int now, most;

				if (ipcdev_sem_acquire(sem, IPCDEV_FOREVER))
					_exit(1);
				now = atomic_fetch_add(&sh->inside, 1) + 1;
				most = atomic_load(&sh->most);
				while (now > most &&
				       !atomic_compare_exchange_weak(&sh->most,
								     &most, now))
					;
				atomic_fetch_add(&sh->entries, 1);
				if (round % 16 == 0)
					sleep_ms(1);
				atomic_fetch_sub(&sh->inside, 1);
				if (ipcdev_sem_release(sem, 1))
					_exit(2);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(600, atomic_load(&sh->entries));
	EXPECT_GE(2, atomic_load(&sh->most));
	EXPECT_EQ(2, ipcdev_sem_get_value(sem));
	ipcdev_sem_close(sem);
	munmap(sh, 4096);
}

/*
 * N processes x M increments of a plain (non-atomic) shared counter
 * under a Lock: the total is exact only if the lock excludes.
 */
static void counter_run(struct __test_metadata *_metadata, int recursive)
{
	enum { PROCS = 4, ITERS = 2000 };
	volatile long *counter = shared_page(4096);
	ipcdev_lock *l;
	pid_t pids[PROCS];
	int i, j;

	ASSERT_NE(NULL, counter);
	ASSERT_EQ(0, recursive ? ipcdev_rlock_create(&l) :
		     ipcdev_lock_create(&l));
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			for (j = 0; j < ITERS; j++) {
				long v;

				if (ipcdev_lock_acquire(l, IPCDEV_FOREVER))
					_exit(1);
				if (recursive &&
				    ipcdev_rlock_acquire(l, IPCDEV_FOREVER))
					_exit(2);
				v = *counter;
				if (j % 64 == 0)
					sched_yield();
				*counter = v + 1;
				if (recursive && ipcdev_rlock_release(l))
					_exit(3);
				if (ipcdev_lock_release(l))
					_exit(4);
			}
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ((long)PROCS * ITERS, *counter);
	ipcdev_lock_close(l);
	munmap((void *)counter, 4096);
}

TEST(lock_keeps_a_shared_counter_exact)
{
	counter_run(_metadata, 0);
}

TEST(rlock_keeps_a_shared_counter_exact)
{
	counter_run(_metadata, 1);
}

/*
 * Bounded buffer over a Condition: 2 producers and 2 consumers move
 * ITEMS items through 4 slots, each side waiting for its predicate.
 * A lost wake-up would hang (and the harness would fail the test).
 */
struct ring {
	long slots[4];
	int head, tail, count;
	long produced_sum, consumed_sum;
	int consumed;
};

static int ring_not_full(void *arg)
{
	return ((struct ring *)arg)->count < 4;
}

static int ring_not_empty(void *arg)
{
	struct ring *r = arg;

	return r->count > 0;
}

TEST(condition_producer_consumer_no_lost_wakeups)
{
	enum { ITEMS = 3000 };
	struct ring *r = shared_page(4096);
	ipcdev_lock *l;
	ipcdev_cond *c;
	pid_t pids[4];
	long want = 0;
	int i, k;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int producer = i < 2;

			for (k = 0; k < ITEMS; k++) {
				if (ipcdev_lock_acquire(l, IPCDEV_FOREVER))
					_exit(1);
				if (producer) {
					if (ipcdev_cond_wait_for(c, ring_not_full,
								 r, IPCDEV_FOREVER) != 1)
						_exit(2);
					r->slots[r->tail] = i * ITEMS + k + 1;
					r->tail = (r->tail + 1) % 4;
					r->count++;
					r->produced_sum += i * ITEMS + k + 1;
				} else {
					if (ipcdev_cond_wait_for(c, ring_not_empty,
								 r, IPCDEV_FOREVER) != 1)
						_exit(3);
					r->consumed_sum += r->slots[r->head];
					r->head = (r->head + 1) % 4;
					r->count--;
					r->consumed++;
				}
				/* notify_all: waiters of both kinds share c. */
				if (ipcdev_cond_notify_all(c) ||
				    ipcdev_lock_release(l))
					_exit(4);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	for (k = 1; k <= 2 * ITEMS; k++)
		want += k;
	EXPECT_EQ(want, r->produced_sum);
	EXPECT_EQ(want, r->consumed_sum);
	EXPECT_EQ(2 * ITEMS, r->consumed);
	EXPECT_EQ(0, r->count);
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
	munmap(r, 4096);
}

/*
 * Death with nothing but the library: the killed child used handles it
 * inherited, and the library gave it files of its own, so its death is
 * seen: the lock is owner-dead, the undo semaphore's units come back.
 */
TEST(library_handles_make_death_visible)
{
	struct ipcq_sync_stat st;
	ipcdev_lock *l, *rl;
	ipcdev_sem *sem;
	int go[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_rlock_create(&rl));
	ASSERT_EQ(0, ipcdev_sem_create(&sem, 2, IPCDEV_SEM_UNDO));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ipcdev_lock_acquire(l, IPCDEV_FOREVER) ||
		    ipcdev_rlock_acquire(rl, IPCDEV_FOREVER) ||
		    ipcdev_rlock_acquire(rl, IPCDEV_FOREVER) ||
		    ipcdev_sem_acquire(sem, IPCDEV_FOREVER) ||
		    ipcdev_sem_acquire(sem, IPCDEV_FOREVER))
			_exit(1);
		write(go[1], "k", 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	EXPECT_EQ(0, ipcdev_sem_get_value(sem));
	EXPECT_EQ(-EAGAIN, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(pid));

	EXPECT_EQ(2, ipcdev_sem_get_value(sem));
	EXPECT_EQ(-EOWNERDEAD, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	EXPECT_EQ(-EOWNERDEAD, ipcdev_rlock_acquire(rl, IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_lock_stat(rl, &st));
	EXPECT_EQ(1, st.value);		/* our depth, not the dead one's */
	EXPECT_EQ(0, ipcdev_lock_consistent(rl));
	EXPECT_EQ(0, ipcdev_rlock_release(rl));
	EXPECT_EQ(0, ipcdev_rlock_acquire(rl, IPCDEV_NOWAIT));
	ipcdev_lock_close(l);
	ipcdev_lock_close(rl);
	ipcdev_sem_close(sem);
}

/*
 * A process killed while waiting on a Condition leaves nothing behind:
 * no waiter, and no lock it grabbed on its way out.
 */
TEST(killed_condition_waiter_leaves_no_trace)
{
	struct ipcq_sync_stat st;
	ipcdev_lock *l;
	ipcdev_cond *c;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ipcdev_lock_acquire(l, IPCDEV_FOREVER))
			_exit(1);
		ipcdev_cond_wait(c, IPCDEV_FOREVER);
		_exit(2);
	}
	ASSERT_TRUE(wait_for(ipcdev_lock_stat((ipcdev_lock *)l, &st) == 0 &&
			     !(st.state & IPCQ_SYNC_LOCKED), WAIT_MS));
	ASSERT_TRUE(wait_for(ioctl(ipcdev_cond_fd(c), IPCQ_IOC_SYNC_STAT, &st) == 0 &&
			     st.waiters == 1, WAIT_MS));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	ASSERT_EQ(0, ioctl(ipcdev_cond_fd(c), IPCQ_IOC_SYNC_STAT, &st));
	EXPECT_EQ(0, st.waiters);
	ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_cond_notify(c, 1));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
}

/* Named objects between processes that share nothing but the names. */
TEST(named_objects_between_unrelated_processes)
{
	char sname[64], ename[64];
	ipcdev_event *ev;
	ipcdev_sem *sem;
	int go[2];
	pid_t pid;
	char c;

	snprintf(sname, sizeof(sname), "sp-sem-%d", getpid());
	snprintf(ename, sizeof(ename), "sp-ev-%d", getpid());
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_event *e;
		ipcdev_sem *s;

		read(go[0], &c, 1);
		if (ipcdev_sem_open(&s, sname, 0, 0, 0) ||
		    ipcdev_event_open(&e, ename, 0, 0))
			_exit(1);
		if (ipcdev_sem_release(s, 3))
			_exit(2);
		_exit(ipcdev_event_set(e) ? 3 : 0);
	}
	ASSERT_EQ(0, ipcdev_sem_open(&sem, sname, IPCDEV_CREATE | IPCDEV_EXCL,
				     0600, 0));
	ASSERT_EQ(0, ipcdev_event_open(&ev, ename, IPCDEV_CREATE, 0600));
	ASSERT_EQ(1, write(go[1], "g", 1));
	EXPECT_EQ(0, ipcdev_event_wait(ev, WAIT_NS));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(3, ipcdev_sem_get_value(sem));
	EXPECT_EQ(0, ipcdev_sem_unlink(sname));
	EXPECT_EQ(0, ipcdev_event_unlink(ename));
	ipcdev_sem_close(sem);
	ipcdev_event_close(ev);
}

TEST_HARNESS_MAIN
