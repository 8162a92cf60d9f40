// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory locks: ns per acquire + increment of a counter in shared
 * memory + release, the seed's "with counter.get_lock(): counter.value +=
 * 1", uncontended and with two processes contending: ipcq's get_lock()
 * (the region's bound RLock, Python's default, and a bound Lock: each an
 * ioctl to acquire and one to release), against the robust
 * process-shared pthread mutex (the speed bar: a futex, no syscall
 * uncontended), a POSIX sem_t, and a C11 atomic increment (no lock at
 * all). Every counter is checked after each cell.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>

#include "bench.h"

const char *const shm_names[NSHM] = { "ipcq-get_lock", "ipcq-get_lock-Lock",
				      "pthread-robust", "posix-sem_t",
				      "c11-atomic" };
double shm_unc[NSHM][MAX_REPS], shm_con[NSHM][MAX_REPS];
uint64_t shm_errors;

/* Everything lives in shared memory, for the processes of a cell. */
struct shm_peers {
	pthread_mutex_t mutex;
	long mutex_count;
	sem_t sem;
	long sem_count;
	_Atomic long atomic_count;
};

struct shmset {
	ipcdev_value *v[2];		/* SHM_RLOCK, SHM_LOCK: int counters */
	struct shm_peers *p;
};

static long *shm_counter(struct shmset *s, int kind)
{
	switch (kind) {
	case SHM_RLOCK:
	case SHM_LOCK:
		return ipcdev_value_ptr(s->v[kind]);
	case SHM_PTHREAD:
		return &s->p->mutex_count;
	case SHM_SEM:
		return &s->p->sem_count;
	default:
		return (long *)&s->p->atomic_count;
	}
}

/* One acquire + increment + release of @kind. */
static void shm_op(void *arg, int kind)
{
	struct shmset *s = arg;
	volatile long *n = shm_counter(s, kind);

	switch (kind) {
	case SHM_RLOCK:
	case SHM_LOCK: {
		ipcdev_lock *l = ipcdev_value_get_lock(s->v[kind]);

		if (ipcdev_lock_acquire(l, IPCDEV_FOREVER) == -EOWNERDEAD)
			ipcdev_lock_consistent(l);
		++*n;
		ipcdev_lock_release(l);
		break;
	}
	case SHM_PTHREAD:
		if (pthread_mutex_lock(&s->p->mutex) == EOWNERDEAD)
			pthread_mutex_consistent(&s->p->mutex);
		++*n;
		pthread_mutex_unlock(&s->p->mutex);
		break;
	case SHM_SEM:
		sem_wait(&s->p->sem);
		++*n;
		sem_post(&s->p->sem);
		break;
	default:
		atomic_fetch_add(&s->p->atomic_count, 1);
	}
}

struct shmset *shm_setup(void)
{
	struct shmset *s = calloc(1, sizeof(*s));
	pthread_mutexattr_t a;

	if (!s || ipcdev_value_create(&s->v[SHM_RLOCK], IPCDEV_C_LONG, NULL, 0) ||
	    ipcdev_value_create(&s->v[SHM_LOCK], IPCDEV_C_LONG, NULL,
				IPCDEV_SHM_LOCK))
		return NULL;
	s->p = shared_alloc(sizeof(*s->p));
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&s->p->mutex, &a) || sem_init(&s->p->sem, 1, 1))
		return NULL;
	pthread_mutexattr_destroy(&a);
	return s;
}

void shm_teardown(struct shmset *s)
{
	if (!s)
		return;
	ipcdev_value_close(s->v[SHM_RLOCK]);
	ipcdev_value_close(s->v[SHM_LOCK]);
	pthread_mutex_destroy(&s->p->mutex);
	sem_destroy(&s->p->sem);
	munmap(s->p, sizeof(*s->p));
	free(s);
}

/* One cell: ns per operation; the counter must have moved by all of them. */
static double shm_cell(struct shmset *s, int kind, int procs, int iters)
{
	long *n = shm_counter(s, kind), before = *n;
	double ns = op_bench(shm_op, s, kind, procs, iters);

	if (*n - before != (long)procs * iters) {
		fprintf(stderr, "shm: %s counted %ld of %ld\n", shm_names[kind],
			*n - before, (long)procs * iters);
		shm_errors++;
	}
	return ns;
}

/* Repetition @r of every cell, the mechanisms interleaved. */
void shm_rep(struct shmset *s, int r)
{
	int k, iters = quick ? 2000 : 50000;

	for (k = 0; k < NSHM; k++) {
		shm_unc[k][r] = s ? shm_cell(s, k, 1, iters) : -1;
		shm_con[k][r] = s ? shm_cell(s, k, 2, iters / 5) : -1;
	}
}
