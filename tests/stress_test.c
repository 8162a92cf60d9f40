// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: processes on shared queues and sync objects while others are
 * killed with SIGKILL and everyone gets storms of SIGUSR1. Accounting must
 * stay exact: no message delivered twice, none lost except one in flight
 * per killed process; undo gives back every unit; the lock stays usable
 * through every owner death; shutdown wakes all waiters. The VM runner
 * then unloads the module, which proves every file was released.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define MAX_PRODUCERS 64
#define RUN_MS 6000

struct board {
	_Atomic uint64_t completed[MAX_PRODUCERS];	/* puts returned 0 */
	_Atomic uint32_t count[MAX_PRODUCERS * 512];	/* seen, per seq */
	_Atomic uint64_t duplicates, bad;
	_Atomic uint64_t consumer_kills, producer_kills;
	_Atomic int done;				/* consumers may stop */
};

static void on_usr1(int sig)
{
}

static void storm_ready(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: EINTR everywhere */
}

struct msg {
	uint32_t producer;
	uint32_t seq;
	uint32_t check;
};

static void producer(const char *name, struct board *b, uint32_t id)
{
	ipcdev_queue *q;
	struct msg m = { id, 0, 0 };

	storm_ready();
	if (ipcdev_queue_open(&q, name, IPCDEV_PRODUCER, 0, NULL))
		_exit(1);
	for (m.seq = 0; m.seq < 512; m.seq++) {
		m.check = m.producer * 2654435761u ^ m.seq;
		if (ipcdev_queue_put(q, &m, sizeof(m), IPCDEV_FOREVER))
			_exit(2);
		atomic_store(&b->completed[id], m.seq + 1);
	}
	/* Stay a producer, so consumers see no end-of-file mid-run. */
	for (;;)
		pause();
}

static void consumer(const char *name, struct board *b)
{
	ipcdev_queue *q;
	struct msg m;
	size_t len;
	int ret;

	storm_ready();
	if (ipcdev_queue_open(&q, name, IPCDEV_CONSUMER, 0, NULL))
		_exit(1);
	for (;;) {
		len = sizeof(m);
		ret = ipcdev_queue_get(q, &m, &len, IPCDEV_FOREVER);
		if (ret == IPCDEV_EOF && !atomic_load(&b->done)) {
			/* Between a producer's death and its successor. */
			sleep_ms(1);
			continue;
		}
		if (ret == IPCDEV_EOF || ret == -ESHUTDOWN)
			_exit(0);
		if (ret)
			_exit(2);
		if (len != sizeof(m) || m.producer >= MAX_PRODUCERS ||
		    m.seq >= 512 || m.check != (m.producer * 2654435761u ^ m.seq)) {
			atomic_fetch_add(&b->bad, 1);
			continue;
		}
		if (atomic_fetch_add(&b->count[m.producer * 512 + m.seq], 1))
			atomic_fetch_add(&b->duplicates, 1);
	}
}

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

FIXTURE(st) {
	int unused;
};

FIXTURE_SETUP(st) {}
FIXTURE_TEARDOWN(st) {}

/* Slow kernels (KASAN under TCG) need more than the default 30 s. */
TEST_F_TIMEOUT(st, queue_under_kills_and_signal_storms, 300)
{
	enum { P = 3, C = 3 };
	struct board *b = shared_page(sizeof(struct board));
	pid_t prods[P], cons[C];
	uint32_t next_id = 0, id_of[P];
	struct ipcq_queue_stat st;
	uint64_t end, lost_bound;
	ipcdev_queue *obs;
	char name[64];
	int i, p, s, missing = 0, beyond = 0;

	ASSERT_NE(NULL, b);
	/* Before any fork: a child must never meet SIGUSR1's default. */
	storm_ready();
	snprintf(name, sizeof(name), "stress-%d", getpid());
	/* The parent only observes: it is neither producer nor consumer. */
	ASSERT_EQ(0, ipcdev_queue_open(&obs, name, IPCDEV_OBSERVER |
				       IPCDEV_CREATE | IPCDEV_EXCL, 0600,
				       &(struct ipcdev_queue_attr){ .maxsize = 32 }));
	for (i = 0; i < P; i++) {
		id_of[i] = next_id++;
		prods[i] = fork();
		ASSERT_LE(0, prods[i]);
		if (prods[i] == 0)
			producer(name, b, id_of[i]);
	}
	for (i = 0; i < C; i++) {
		cons[i] = fork();
		ASSERT_LE(0, cons[i]);
		if (cons[i] == 0)
			consumer(name, b);
	}

	end = now_ns() + RUN_MS * NSEC_PER_MSEC;
	while (now_ns() < end && next_id < MAX_PRODUCERS - P) {
		for (i = 0; i < P; i++)
			kill(prods[i], SIGUSR1);
		for (i = 0; i < C; i++)
			kill(cons[i], SIGUSR1);
		sleep_ms(5);
		if (rnd() % 20)
			continue;
		/* Kill one side or the other, and replace it. */
		if (rnd() % 2) {
			i = (int)(rnd() % P);
			kill(prods[i], SIGKILL);
			waitpid(prods[i], NULL, 0);
			atomic_fetch_add(&b->producer_kills, 1);
			id_of[i] = next_id++;
			prods[i] = fork();
			ASSERT_LE(0, prods[i]);
			if (prods[i] == 0)
				producer(name, b, id_of[i]);
		} else {
			i = (int)(rnd() % C);
			kill(cons[i], SIGKILL);
			waitpid(cons[i], NULL, 0);
			atomic_fetch_add(&b->consumer_kills, 1);
			cons[i] = fork();
			ASSERT_LE(0, cons[i]);
			if (cons[i] == 0)
				consumer(name, b);
		}
	}
	/* Producers finish their 512 and idle; then consumers drain. */
	for (i = 0; i < P; i++) {
		int ok = wait_for(atomic_load(&b->completed[id_of[i]]) == 512,
				  WAIT_MS);

		if (!ok) {
			ipcdev_queue_stat(obs, &st);
			TH_LOG("producer %u stuck at %llu: messages %llu putters %u getters %u producers %u consumers %u",
			       id_of[i], (unsigned long long)
			       atomic_load(&b->completed[id_of[i]]),
			       (unsigned long long)st.messages, st.putters,
			       st.getters, st.producers, st.consumers);
		}
		ASSERT_TRUE(ok);
	}
	atomic_store(&b->done, 1);
	for (i = 0; i < P; i++) {
		kill(prods[i], SIGKILL);
		EXPECT_EQ(128 + SIGKILL, child_status(prods[i]));
	}
	for (i = 0; i < C; i++)
		EXPECT_EQ(0, child_status(cons[i]));
	ASSERT_EQ(0, ipcdev_queue_stat(obs, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.producers);
	EXPECT_EQ(0, st.consumers);

	EXPECT_EQ(0, atomic_load(&b->duplicates));
	EXPECT_EQ(0, atomic_load(&b->bad));
	/*
	 * Every completed put was received, except at most one message per
	 * killed consumer (taken, then killed before counting it); beyond a
	 * producer's completed count, at most the one put in flight when it
	 * was killed may have arrived.
	 */
	for (p = 0; p < (int)next_id; p++) {
		uint64_t done = atomic_load(&b->completed[p]);

		for (s = 0; s < 512; s++) {
			uint32_t n = atomic_load(&b->count[p * 512 + s]);

			if ((uint64_t)s < done && !n)
				missing++;
			if ((uint64_t)s > done && n)
				beyond++;
		}
	}
	lost_bound = atomic_load(&b->consumer_kills);
	EXPECT_GE(lost_bound, (uint64_t)missing);
	EXPECT_EQ(0, beyond);
	TH_LOG("%u producers, %llu producer kills, %llu consumer kills, %d lost in flight",
	       next_id, (unsigned long long)atomic_load(&b->producer_kills),
	       (unsigned long long)lost_bound, missing);
	ipcdev_queue_close(obs);
	EXPECT_EQ(0, ipcdev_queue_unlink(name));
	munmap(b, sizeof(*b));
}

/*
 * A Lock-protected counter whose holders get killed mid-update: the next
 * holder sees EOWNERDEAD, repairs, and the lock is never wedged. An UNDO
 * semaphore gets back every unit the killed processes held.
 */
struct guarded {
	long counter;
	int dirty;
	long repairs;
};

TEST_F_TIMEOUT(st, lock_and_undo_semaphore_under_kills, 300)
{
	enum { N = 4 };
	struct guarded *g = shared_page(4096);
	ipcdev_lock *l;
	ipcdev_sem *sem;
	pid_t pids[N];
	uint64_t end;
	int i, kills = 0;

	ASSERT_NE(NULL, g);
	storm_ready();
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_sem_create(&sem, 3, IPCDEV_SEM_UNDO));
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			storm_ready();
			for (;;) {
				int ret = ipcdev_lock_acquire(l, IPCDEV_FOREVER);

				if (ret == -EOWNERDEAD) {
					/* Finish the dead holder's update. */
					if (g->dirty) {
						g->dirty = 0;
						g->repairs++;
					}
					ipcdev_lock_consistent(l);
				} else if (ret) {
					_exit(1);
				}
				g->dirty = 1;
				g->counter++;
				g->dirty = 0;
				if (ipcdev_lock_release(l))
					_exit(2);
				if (ipcdev_sem_acquire(sem, IPCDEV_FOREVER))
					_exit(3);
				sched_yield();
				if (ipcdev_sem_release(sem, 1))
					_exit(4);
			}
		}
	}
	end = now_ns() + 3000 * NSEC_PER_MSEC;
	while (now_ns() < end) {
		sleep_ms(40);
		for (i = 0; i < N; i++)
			kill(pids[i], SIGUSR1);
		i = (int)(rnd() % N);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		kills++;
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			/* A new worker, the same loop: exec-free re-entry. */
			for (;;) {
				int ret = ipcdev_lock_acquire(l, IPCDEV_FOREVER);

				if (ret == -EOWNERDEAD) {
					if (g->dirty) {
						g->dirty = 0;
						g->repairs++;
					}
					ipcdev_lock_consistent(l);
				} else if (ret) {
					_exit(1);
				}
				g->dirty = 1;
				g->counter++;
				g->dirty = 0;
				ipcdev_lock_release(l);
				ipcdev_sem_acquire(sem, IPCDEV_FOREVER);
				sched_yield();
				ipcdev_sem_release(sem, 1);
			}
		}
	}
	for (i = 0; i < N; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	/* Never wedged, never unrecoverable; every unit back. */
	i = ipcdev_lock_acquire(l, IPCDEV_NOWAIT);
	EXPECT_TRUE(i == 0 || i == -EOWNERDEAD) TH_LOG("acquire: %d", i);
	EXPECT_EQ(3, ipcdev_sem_get_value(sem));
	EXPECT_LT(0, g->counter);
	TH_LOG("%d kills, counter %ld, %ld repairs", kills, g->counter,
	       g->repairs);
	ipcdev_lock_close(l);
	ipcdev_sem_close(sem);
	munmap(g, 4096);
}

/* Shutdown while many wait, under a signal storm. */
TEST_F_TIMEOUT(st, shutdown_while_many_wait, 120)
{
	struct ipcq_queue_stat st_full, st_empty;
	ipcdev_queue *full, *empty;
	pid_t pids[6];
	int i;

	storm_ready();
	ASSERT_EQ(0, ipcdev_queue_create(&full, 1));
	ASSERT_EQ(0, ipcdev_queue_create(&empty, 1));
	ASSERT_EQ(0, ipcdev_queue_put(full, "x", 1, IPCDEV_NOWAIT));
	for (i = 0; i < 6; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			char buf[4];
			size_t len = sizeof(buf);

			storm_ready();
			if (i % 2)
				_exit(-ipcdev_queue_put(full, "y", 1,
							IPCDEV_FOREVER));
			_exit(-ipcdev_queue_get(empty, buf, &len,
						IPCDEV_FOREVER));
		}
	}
	ASSERT_TRUE(wait_for(ipcdev_queue_stat(full, &st_full) == 0 &&
			     ipcdev_queue_stat(empty, &st_empty) == 0 &&
			     st_full.putters == 3 && st_empty.getters == 3,
			     WAIT_MS));
	for (i = 0; i < 6; i++)
		kill(pids[i], SIGUSR1);
	ASSERT_EQ(0, ipcdev_queue_shutdown(full, 0));
	ASSERT_EQ(0, ipcdev_queue_shutdown(empty, 0));
	for (i = 0; i < 6; i++)
		EXPECT_EQ(ESHUTDOWN, child_status(pids[i])) TH_LOG("child %d", i);
	ipcdev_queue_close(full);
	ipcdev_queue_close(empty);
}

struct getter_arg {
	int fd;
	int ret;
	char msg[8];
};

static void *blocked_getter(void *p)
{
	struct getter_arg *g = p;
	uint64_t len = sizeof(g->msg);

	g->ret = raw_get(g->fd, g->msg, &len, NULL, 0, IPCQ_DEADLINE_FOREVER);
	return NULL;
}

struct putter_arg {
	ipcdev_queue *q;
	int id;
	int errors;
};

static void *putter_thread(void *p)
{
	struct putter_arg *a = p;
	uint32_t m[2];
	int i;

	for (i = 0; i < 2000; i++) {
		m[0] = (uint32_t)a->id;
		m[1] = (uint32_t)i;
		a->errors += ipcdev_queue_put(a->q, m, sizeof(m),
					      IPCDEV_FOREVER) != 0;
	}
	return NULL;
}

/*
 * Threads: four block in get on one fd while a fifth closes it. A call
 * in progress holds the file, so they carry on and get messages put
 * through another file; the file goes once the last of them returns.
 * Then eight threads put through one handle at once: every message
 * arrives once.
 */
TEST_F_TIMEOUT(st, threads_and_close_while_waiting, 120)
{
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CONSUMER };
	struct getter_arg g[4];
	struct putter_arg pa[8];
	struct ipcq_queue_stat st;
	pthread_t th[8];
	int dev = dev_open(), both, cons, prod, i;
	ipcdev_queue *q;
	uint32_t m[2];
	size_t len;
	char *seen;

	ASSERT_LE(0, dev);
	both = raw_queue_open(dev, NULL, IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER,
			      0, 0, 0);
	ASSERT_LE(0, both);
	cons = xioctl(both, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ro.flags = IPCQ_OPEN_PRODUCER;
	prod = xioctl(both, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, cons);
	ASSERT_LE(0, prod);
	close(both);

	for (i = 0; i < 4; i++) {
		g[i].fd = cons;
		g[i].ret = -1;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, blocked_getter, &g[i]));
	}
	ASSERT_TRUE(wait_for(raw_stat(prod, &st) == 0 && st.getters == 4,
			     WAIT_MS));
	/* Close under their feet: the file lives while they wait. */
	ASSERT_EQ(0, close(cons));
	ASSERT_EQ(0, raw_stat(prod, &st));
	EXPECT_EQ(1, st.consumers);
	EXPECT_EQ(4, st.getters);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(prod, "m", 1, 0, 0, 0));
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, g[i].ret);
		EXPECT_EQ('m', g[i].msg[0]);
	}
	/* The last call returned: the file is released now. */
	ASSERT_TRUE(wait_for(raw_stat(prod, &st) == 0 && st.consumers == 0,
			     WAIT_MS));
	EXPECT_EQ(-EPIPE, raw_put(prod, "x", 1, 0, 0, 0));
	close(prod);
	close(dev);

	/* Eight threads putting through one handle at once. */
	ASSERT_EQ(0, ipcdev_queue_create(&q, 64));
	seen = calloc(8 * 2000, 1);
	ASSERT_NE(NULL, seen);
	for (i = 0; i < 8; i++) {
		pa[i].q = q;
		pa[i].id = i;
		pa[i].errors = 0;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, putter_thread, &pa[i]));
	}
	for (i = 0; i < 8 * 2000; i++) {
		len = sizeof(m);
		ASSERT_EQ(0, ipcdev_queue_get(q, m, &len, 30 * NSEC_PER_SEC));
		ASSERT_EQ(sizeof(m), len);
		ASSERT_GT(8, m[0]);
		ASSERT_GT(2000, m[1]);
		EXPECT_EQ(0, seen[m[0] * 2000 + m[1]]++);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, pa[i].errors);
	}
	EXPECT_EQ(0, ipcdev_queue_qsize(q));
	free(seen);
	ipcdev_queue_close(q);
}

TEST_HARNESS_MAIN
