// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory locks: ns per acquire + increment of a counter in shared
 * memory + release, the seed's "with counter.get_lock(): counter.value +=
 * 1", uncontended and with two processes contending: ipcq's get_lock()
 * (the region's bound RLock, Python's default, and a bound Lock: shared
 * locks, taken and released in memory when uncontended), a Lock that is
 * not shared (an ioctl to acquire and one to release: every lock before
 * the fast path, the bar for the contended cells), against the robust
 * process-shared pthread mutex (the speed bar: a futex, no syscall
 * uncontended), a POSIX sem_t, and a C11 atomic increment (no lock at
 * all). Every counter is checked after each cell.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "bench.h"

const char *const shm_names[NSHM] = { "ipcq-get_lock", "ipcq-get_lock-Lock",
				      "ipcq-Lock-ioctl", "pthread-robust",
				      "posix-sem_t", "c11-atomic" };
double shm_unc[NSHM][MAX_REPS], shm_con[NSHM][MAX_REPS];
uint64_t shm_errors;

/* Everything lives in shared memory, for the processes of a cell. */
struct shm_peers {
	pthread_mutex_t mutex;
	long mutex_count;
	sem_t sem;
	long sem_count;
	_Atomic long atomic_count;
	long ioctl_count;
};

struct shmset {
	ipcdev_value *v[2];		/* SHM_RLOCK, SHM_LOCK: int counters */
	int ioctl_lock;			/* SHM_IOCTL: a Lock, not shared */
	struct shm_peers *p;
};

/* An anonymous Lock without IPCQ_SYNC_SHARED, on the raw ioctls. */
static int ioctl_lock_create(void)
{
	struct ipcq_sync_open arg;
	int dev = ipcdev_device_fd();

	if (dev < 0)
		return -1;
	memset(&arg, 0, sizeof(arg));
	arg.type = IPCQ_TYPE_LOCK;
	arg.flags = IPCQ_OPEN_CLOEXEC;
	arg.mode = 0600;
	return ioctl(dev, IPCQ_IOC_SYNC_OPEN, &arg);
}

static void ioctl_lock_op(int fd, unsigned long cmd)
{
	struct ipcq_sync_op op;

	memset(&op, 0, sizeof(op));
	if (cmd == IPCQ_IOC_LOCK_ACQUIRE)
		op.deadline = IPCQ_DEADLINE_FOREVER;
	ioctl(fd, cmd, &op);
}

static long *shm_counter(struct shmset *s, int kind)
{
	switch (kind) {
	case SHM_RLOCK:
	case SHM_LOCK:
		return ipcdev_value_ptr(s->v[kind]);
	case SHM_IOCTL:
		return &s->p->ioctl_count;
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
	case SHM_IOCTL:
		ioctl_lock_op(s->ioctl_lock, IPCQ_IOC_LOCK_ACQUIRE);
		++*n;
		ioctl_lock_op(s->ioctl_lock, IPCQ_IOC_LOCK_RELEASE);
		break;
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
	s->ioctl_lock = ioctl_lock_create();
	if (s->ioctl_lock < 0)
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
	close(s->ioctl_lock);
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
