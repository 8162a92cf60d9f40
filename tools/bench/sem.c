// SPDX-License-Identifier: GPL-2.0
/*
 * Semaphores: ns per acquire+release pair of ipcq's semaphore (ioctl path
 * and shared), POSIX sem_t and SysV semop, uncontended and with two
 * processes contending; and ipcq's semaphore taken through
 * ipcdev_wait_acquire() (one object, ANY), released as usual.
 */
#define _GNU_SOURCE
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>

#include "bench.h"

const char *const sem_names[NSEM] = { "ipcq-sem", "ipcq-sem-shared",
				     "posix-sem_t", "sysv-semop",
				     "ipcq-wait-acquire" };
double sem_unc[NSEM][MAX_REPS], sem_con[NSEM][MAX_REPS];

struct semset {
	ipcdev_sem *ipcq;
	ipcdev_sem *shared;	/* IPCDEV_SEM_SHARED: no syscall uncontended */
	sem_t *posix;
	int sysv;
	ipcdev_sem *wacq;	/* taken through ipcdev_wait_acquire() */
};

static void sem_op(struct semset *s, int kind, int acquire)
{
	struct sembuf sb = { 0, (short)(acquire ? -1 : 1), 0 };

	switch (kind) {
	case SEM_IPCQ:
	case SEM_SHARED: {
		ipcdev_sem *sem = kind == SEM_IPCQ ? s->ipcq : s->shared;

		if (acquire)
			ipcdev_sem_acquire(sem, IPCDEV_FOREVER);
		else
			ipcdev_sem_release(sem, 1);
		break;
	}
	case SEM_WAITACQ: {
		void *h = s->wacq;
		unsigned int idx;

		if (acquire)
			ipcdev_wait_acquire(&idx, &h, 1, 0, NULL,
					    IPCDEV_FOREVER);
		else
			ipcdev_sem_release(s->wacq, 1);
		break;
	}
	case SEM_POSIX:
		if (acquire)
			sem_wait(s->posix);
		else
			sem_post(s->posix);
		break;
	default:
		semop(s->sysv, &sb, 1);
	}
}

static int sem_setup(struct semset *s)
{
	union { int val; } arg = { 1 };

	s->posix = shared_alloc(sizeof(sem_t));
	if (ipcdev_sem_create(&s->ipcq, 1, 0) ||
	    ipcdev_sem_create(&s->shared, 1, IPCDEV_SEM_SHARED) ||
	    ipcdev_sem_create(&s->wacq, 1, 0) ||
	    sem_init(s->posix, 1, 1))
		return -1;
	s->sysv = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (s->sysv < 0 || semctl(s->sysv, 0, SETVAL, arg) < 0)
		return -1;
	return 0;
}

static void sem_teardown(struct semset *s)
{
	ipcdev_sem_close(s->ipcq);
	ipcdev_sem_close(s->shared);
	ipcdev_sem_close(s->wacq);
	sem_destroy(s->posix);
	munmap(s->posix, sizeof(sem_t));
	semctl(s->sysv, 0, IPC_RMID);
}

/* One acquire+release pair of semaphore @kind of the set @arg. */
static void sem_pair(void *arg, int kind)
{
	sem_op(arg, kind, 1);
	sem_op(arg, kind, 0);
}

/* ns per acquire+release pair: one process alone, or @procs at once. */
static double sem_bench(struct semset *s, int kind, int procs, int iters)
{
	return op_bench(sem_pair, s, kind, procs, iters);
}

/* One repetition of every semaphore cell, uncontended and contended. */
void sem_rep(int r)
{
	struct semset ss;
	int k, iters = quick ? 2000 : 50000;

	if (sem_setup(&ss))
		return;
	for (k = 0; k < NSEM; k++) {
		sem_unc[k][r] = sem_bench(&ss, k, 1, iters);
		sem_con[k][r] = sem_bench(&ss, k, 2, iters / 5);
	}
	sem_teardown(&ss);
}
