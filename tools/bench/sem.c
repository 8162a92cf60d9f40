// SPDX-License-Identifier: GPL-2.0
/*
 * Semaphores: ns per acquire+release pair of ipcq's semaphore (ioctl path
 * and shared), POSIX sem_t and SysV semop, uncontended and with two
 * processes contending.
 */
#define _GNU_SOURCE
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/wait.h>

#include "bench.h"

const char *const sem_names[NSEM] = { "ipcq-sem", "ipcq-sem-shared",
				     "posix-sem_t", "sysv-semop" };
double sem_unc[NSEM][MAX_REPS], sem_con[NSEM][MAX_REPS];

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

int sem_setup(struct semset *s)
{
	union { int val; } arg = { 1 };

	s->posix = shared_alloc(sizeof(sem_t));
	if (ipcdev_sem_create(&s->ipcq, 1, 0) ||
	    ipcdev_sem_create(&s->shared, 1, IPCDEV_SEM_SHARED) ||
	    sem_init(s->posix, 1, 1))
		return -1;
	s->sysv = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (s->sysv < 0 || semctl(s->sysv, 0, SETVAL, arg) < 0)
		return -1;
	return 0;
}

void sem_teardown(struct semset *s)
{
	ipcdev_sem_close(s->ipcq);
	ipcdev_sem_close(s->shared);
	sem_destroy(s->posix);
	munmap(s->posix, sizeof(sem_t));
	semctl(s->sysv, 0, IPC_RMID);
}

/*
 * ns per acquire+release pair: one process alone, or @procs processes at
 * once, each timing itself after a common start (fork not counted).
 */
double sem_bench(struct semset *s, int kind, int procs, int iters)
{
	struct { _Atomic int ready; _Atomic int go; uint64_t ns[2]; } *sh;
	uint64_t t0, worst = 0;
	pid_t pids[2];
	int i, k, status;

	if (procs == 1) {
		t0 = now_ns();
		for (k = 0; k < iters; k++) {
			sem_op(s, kind, 1);
			sem_op(s, kind, 0);
		}
		return (double)(now_ns() - t0) / iters;
	}
	sh = shared_alloc(4096);
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			atomic_fetch_add(&sh->ready, 1);
			while (!atomic_load(&sh->go))
				;
			t0 = now_ns();
			for (k = 0; k < iters; k++) {
				sem_op(s, kind, 1);
				sem_op(s, kind, 0);
			}
			sh->ns[i] = now_ns() - t0;
			_exit(0);
		}
	}
	while (atomic_load(&sh->ready) < procs)
		;
	atomic_store(&sh->go, 1);
	for (i = 0; i < procs; i++) {
		waitpid(pids[i], &status, 0);
		if (sh->ns[i] > worst)
			worst = sh->ns[i];
	}
	munmap(sh, 4096);
	/* Pairs completed by everyone over the time the slowest took. */
	return (double)worst / ((double)iters * procs);
}

