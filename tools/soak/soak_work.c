// SPDX-License-Identifier: GPL-2.0
/*
 * ipcq-soak's workers, each a process in the soak's memory cgroup:
 *
 * - a producer puts numbered messages (seq 1, 2, ... of its incarnation)
 *   on one stream and, after each put that returned success, stores the
 *   seq in soak->acked[inc]: acknowledged means "the call returned 0".
 *   SIGKILL may land before, during or after a put; only the one put in
 *   flight is then unacknowledged.
 * - a consumer gets from one stream and checks each message: intact,
 *   from a producer of this stream, and the next seq of its incarnation
 *   (a stream is FIFO per producer, so any other seq is a duplicate or a
 *   loss). The parent never kills consumers (a message a killed consumer
 *   took is gone with its memory, and nothing could tell that from a
 *   loss) and the OOM killer may not (oom_score_adj -1000).
 * - a churner creates, uses and destroys objects of every kind, keeps a
 *   few (with their messages and mapped pages) open across actions so the
 *   cgroup fills up, and counts what failed with ENOMEM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"

#define MS	1000000LL

const char *const soak_kind_name[K_NKINDS] = {
	"queue", "named queue", "ring queue", "joinable queue", "simple queue",
	"pipe", "semaphore", "shared semaphore", "lock", "rlock", "condition",
	"event", "barrier", "shm", "listener",
};

const char *const soak_stream_name[S_NSTREAMS] = {
	"queue", "ring queue", "joinable queue", "named queue", "pipe",
};

static unsigned char pattern(uint32_t inc, uint64_t seq, size_t i)
{
	return (unsigned char)(inc * 31 + seq * 7 + i);
}

static void fill(struct soak_msg *m, uint32_t inc, uint64_t seq, uint32_t len)
{
	unsigned char *p = (unsigned char *)(m + 1);
	size_t i;

	m->magic = SOAK_MAGIC;
	m->inc = inc;
	m->seq = seq;
	m->len = len;
	m->pad = 0;
	for (i = 0; i < len - sizeof(*m); i++)
		p[i] = pattern(inc, seq, i);
}

static int intact(const struct soak_msg *m, size_t len, int stream)
{
	const unsigned char *p = (const unsigned char *)(m + 1);
	size_t i;

	if (len < sizeof(*m) || m->magic != SOAK_MAGIC || m->len != len ||
	    m->inc >= SOAK_MAX_INC ||
	    soak->inc_stream[m->inc] != (uint32_t)stream + 1)
		return 0;
	for (i = 0; i < len - sizeof(*m); i++)
		if (p[i] != pattern(m->inc, m->seq, i))
			return 0;
	return 1;
}

union soak_buf {
	struct soak_msg m;
	unsigned char b[SOAK_MSG_MAX];
};

void soak_producer(int s, uint32_t inc, unsigned int seed)
{
	static union soak_buf u;
	uint64_t seq = 1;
	int r;

	while (!soak->stop) {
		uint32_t len = sizeof(u.m) +
			       rand_r(&seed) % (SOAK_MSG_MAX - sizeof(u.m) + 1);

		fill(&u.m, inc, seq, len);
		if (s == S_PIPE)
			r = ipcdev_pipe_send(soak_st.tx, &u, len, 200 * MS);
		else
			r = ipcdev_queue_put(soak_st.q[s], &u, len, 200 * MS);
		if (r == 0) {
			__atomic_store_n(&soak->acked[inc], seq,
					 __ATOMIC_RELEASE);
			seq++;
		} else if (r == -ENOMEM) {
			__atomic_fetch_add(&soak->stream_enomem, 1,
					   __ATOMIC_RELAXED);
			usleep(1000);
		} else if (r != -ETIMEDOUT && r != -EAGAIN) {
			soak_problem(0, "%s producer %u: put: %s",
				     soak_stream_name[s], inc, strerror(-r));
			usleep(10000);
		}
	}
	_exit(0);
}

static void deliver(int s, const struct soak_msg *m, size_t len)
{
	uint64_t last;

	if (!intact(m, len, s)) {
		soak_problem(1, "%s: a damaged or foreign message (%zu bytes)",
			     soak_stream_name[s], len);
		return;
	}
	last = soak->delivered[m->inc];
	if (m->seq != last + 1)
		soak_problem(1, "%s: producer %u: seq %llu after %llu (%s)",
			     soak_stream_name[s], m->inc,
			     (unsigned long long)m->seq,
			     (unsigned long long)last,
			     m->seq <= last ? "duplicate or reordered" :
			     "a put lost");
	if (m->seq > last)
		__atomic_store_n(&soak->delivered[m->inc], m->seq,
				 __ATOMIC_RELEASE);
}

void soak_consumer(int s, unsigned int seed)
{
	static union soak_buf u;
	size_t len;
	int r;

	for (;;) {
		len = sizeof(u);
		if (s == S_PIPE)
			r = ipcdev_pipe_recv(soak_st.rx, &u, &len, 200 * MS);
		else
			r = ipcdev_queue_get(soak_st.q[s], &u, &len, 200 * MS);
		if (r == 0) {
			deliver(s, &u.m, len);
			if (s == S_JOINABLE) {
				r = ipcdev_queue_task_done(soak_st.q[s]);
				if (r)
					soak_problem(1, "task_done: %s",
						     strerror(-r));
			}
		} else if (r == -ETIMEDOUT || r == -EAGAIN) {
			/* Drained: no producer is left, nothing came. */
			if (soak->drain)
				break;
		} else if (r == -ENOMEM) {
			__atomic_fetch_add(&soak->stream_enomem, 1,
					   __ATOMIC_RELAXED);
			usleep(1000);
		} else {
			soak_problem(1, "%s consumer: get: %s",
				     soak_stream_name[s],
				     r > 0 ? "end of file" : strerror(-r));
			usleep(10000);
		}
	}
	soak->quiet[s] = 1;
	_exit(0);
}

/* What a churner keeps open between actions. */
struct hoard {
	int kind;
	void *h;
};

#define HOARD	6

static void close_kind(int kind, void *h)
{
	if (!h)
		return;
	switch (kind) {
	case K_SEM:
	case K_SEM_SHARED:
		ipcdev_sem_close(h);
		break;
	case K_SHM:
		ipcdev_shm_close(h);
		break;
	default:
		ipcdev_queue_close(h);
		break;
	}
}

/*
 * A call's result: ENOMEM is counted (the point of the cgroup), the
 * errnos a call may meet by design pass, any other is a problem. Returns
 * nonzero when the action cannot go on.
 */
static int bad(int kind, int r, const char *what, int ok_errno)
{
	if (r >= 0 || r == -ok_errno)
		return 0;
	if (r == -ENOMEM)
		__atomic_fetch_add(&soak->enomem[kind], 1, __ATOMIC_RELAXED);
	else
		soak_problem(0, "%s: %s: %s", soak_kind_name[kind], what,
			     strerror(-r));
	return 1;
}

#define TRY(call, ok_errno) do { \
	if (bad(kind, (call), #call, (ok_errno))) \
		goto out; \
} while (0)

/* Puts n messages of up to max bytes, takes some back. */
static void churn_queue(int kind, ipcdev_queue *q, int n, size_t max,
			unsigned int *seed)
{
	static unsigned char buf[256 << 10];
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		len = 1 + rand_r(seed) % max;
		memset(buf, i, len);
		TRY(ipcdev_queue_put_nowait(q, buf, len), EAGAIN);
	}
	for (i = rand_r(seed) % (n + 1); i > 0; i--) {
		len = sizeof(buf);
		TRY(ipcdev_queue_get_nowait(q, buf, &len), EAGAIN);
	}
out:
	return;
}

static void churn_listener(unsigned int *seed)
{
	int kind = K_LISTENER;
	static unsigned int n;
	ipcdev_listener *l = NULL;
	ipcdev_pipe *c = NULL, *a = NULL;
	char name[64], buf[64];
	size_t len = sizeof(buf);

	snprintf(name, sizeof(name), SOAK_PREFIX "L-%d-%u", getpid(), n++);
	TRY(ipcdev_listener_create(&l, name, 2, 0600), 0);
	TRY(ipcdev_client_connect(&c, name, 1, 100 * MS), 0);
	TRY(ipcdev_listener_accept(l, &a, 100 * MS), 0);
	TRY(ipcdev_pipe_send(c, name, strlen(name), 100 * MS), 0);
	TRY(ipcdev_pipe_recv(a, buf, &len, 100 * MS), 0);
	if (len != strlen(name) || memcmp(buf, name, len))
		soak_problem(1, "listener: connection damaged a message");
out:
	if (a)
		ipcdev_pipe_close(a);
	if (c)
		ipcdev_pipe_close(c);
	if (l)
		ipcdev_listener_close(l);
}

static void churn_sync(int kind, unsigned int *seed)
{
	ipcdev_lock *lk = NULL;
	ipcdev_rlock *rl = NULL;
	ipcdev_cond *cv = NULL;
	ipcdev_event *ev = NULL;
	ipcdev_barrier *b = NULL;

	switch (kind) {
	case K_LOCK:
		TRY(ipcdev_lock_create(&lk), 0);
		TRY(ipcdev_lock_acquire(lk, 100 * MS), 0);
		TRY(ipcdev_lock_release(lk), 0);
		break;
	case K_RLOCK:
		TRY(ipcdev_rlock_create(&rl), 0);
		TRY(ipcdev_rlock_acquire(rl, 100 * MS), 0);
		TRY(ipcdev_rlock_acquire(rl, 100 * MS), 0);
		TRY(ipcdev_rlock_release(rl), 0);
		TRY(ipcdev_rlock_release(rl), 0);
		break;
	case K_COND:
		TRY(ipcdev_lock_create(&lk), 0);
		TRY(ipcdev_cond_create(&cv, lk), 0);
		TRY(ipcdev_lock_acquire(lk, 100 * MS), 0);
		TRY(ipcdev_cond_notify_all(cv), 0);
		TRY(ipcdev_cond_wait(cv, 1 * MS), ETIMEDOUT);
		TRY(ipcdev_lock_release(lk), 0);
		break;
	case K_EVENT:
		TRY(ipcdev_event_create(&ev), 0);
		TRY(ipcdev_event_set(ev), 0);
		TRY(ipcdev_event_wait(ev, 100 * MS), 0);
		TRY(ipcdev_event_clear(ev), 0);
		break;
	case K_BARRIER:
		TRY(ipcdev_barrier_create(&b, 1), 0);
		TRY(ipcdev_barrier_wait(b, 100 * MS), 0);
		break;
	}
out:
	if (cv)
		ipcdev_cond_close(cv);
	if (lk)
		ipcdev_lock_close(lk);
	if (rl)
		ipcdev_lock_close((ipcdev_lock *)rl);
	if (ev)
		ipcdev_event_close(ev);
	if (b)
		ipcdev_barrier_close(b);
}

/* One action; returns the handle to keep open, or NULL. */
static void *churn_one(int kind, unsigned int *seed)
{
	ipcdev_queue *q = NULL, *q2 = NULL;
	ipcdev_pipe *p1 = NULL, *p2 = NULL;
	ipcdev_sem *sem = NULL;
	ipcdev_shm *shm = NULL;
	char name[32], buf[64];
	size_t len = sizeof(buf);
	uint64_t size;
	void *addr;

	switch (kind) {
	case K_QUEUE:
		TRY(ipcdev_queue_create(&q, 64), 0);
		churn_queue(kind, q, 1 + rand_r(seed) % 32, 64 << 10, seed);
		return q;
	case K_NAMED_QUEUE:
		snprintf(name, sizeof(name), SOAK_PREFIX "q-%d",
			 rand_r(seed) % 8);
		TRY(ipcdev_queue_open(&q, name, IPCDEV_CREATE, 0600, NULL), 0);
		churn_queue(kind, q, 1 + rand_r(seed) % 8, 4096, seed);
		TRY(ipcdev_queue_unlink(name), ENOENT);
		break;
	case K_RING:
		TRY(ipcdev_queue_create_ring(&q, 16, 0), 0);
		churn_queue(kind, q, 1 + rand_r(seed) % 16, 1024, seed);
		return q;
	case K_JOINABLE:
		TRY(ipcdev_joinablequeue_create(&q, 8), 0);
		TRY(ipcdev_queue_put(q, name, 8, 100 * MS), 0);
		TRY(ipcdev_queue_get(q, buf, &len, 100 * MS), 0);
		TRY(ipcdev_queue_task_done(q), 0);
		TRY(ipcdev_queue_join(q, 100 * MS), 0);
		break;
	case K_SIMPLE:
		TRY(ipcdev_simplequeue_create(&q), 0);
		churn_queue(kind, q, 1 + rand_r(seed) % 4, 256 << 10, seed);
		return q;
	case K_PIPE:
		TRY(ipcdev_pipe_create(&p1, &p2, 1, NULL), 0);
		TRY(ipcdev_pipe_send(p1, "ping", 4, 100 * MS), 0);
		TRY(ipcdev_pipe_recv(p2, buf, &len, 100 * MS), 0);
		if (len != 4 || memcmp(buf, "ping", 4))
			soak_problem(1, "pipe: a damaged message");
		break;
	case K_SEM:
	case K_SEM_SHARED:
		TRY(ipcdev_sem_create(&sem, 1, kind == K_SEM_SHARED ?
				      IPCDEV_SEM_SHARED :
				      rand_r(seed) % 2 ? IPCDEV_SEM_UNDO :
				      IPCDEV_SEM_BOUNDED), 0);
		TRY(ipcdev_sem_acquire(sem, 100 * MS), 0);
		TRY(ipcdev_sem_release(sem, 1), 0);
		/* Sometimes kept with its unit taken: undo on death. */
		TRY(ipcdev_sem_acquire(sem, 100 * MS), 0);
		return sem;
	case K_SHM:
		size = 4096 << (rand_r(seed) % 9);
		TRY(ipcdev_shm_create(&shm, size, rand_r(seed) % 2 ?
				      IPCDEV_SHM_LOCK : 0), 0);
		TRY(ipcdev_shm_map(shm, &addr), 0);
		memset(addr, 0x5a, size);
		return shm;
	case K_LISTENER:
		churn_listener(seed);
		break;
	default:
		churn_sync(kind, seed);
		break;
	}
out:
	if (p1)
		ipcdev_pipe_close(p1);
	if (p2)
		ipcdev_pipe_close(p2);
	close_kind(kind, q2);
	close_kind(kind, q);
	close_kind(kind, sem);
	close_kind(kind, shm);
	return NULL;
}

void soak_churner(unsigned int seed)
{
	struct hoard hoard[HOARD] = { { 0, NULL } };
	int kind, i;
	void *h;

	while (!soak->stop) {
		kind = rand_r(&seed) % K_NKINDS;
		__atomic_fetch_add(&soak->ops[kind], 1, __ATOMIC_RELAXED);
		h = churn_one(kind, &seed);
		if (!h)
			continue;
		/* Kept in a random slot, replacing what was there. */
		i = rand_r(&seed) % HOARD;
		close_kind(hoard[i].kind, hoard[i].h);
		hoard[i].kind = kind;
		hoard[i].h = h;
	}
	_exit(0);
}
