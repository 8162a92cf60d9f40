// SPDX-License-Identifier: GPL-2.0
/*
 * robust_lock: a worker is killed with SIGKILL while it holds a Lock and
 * is half-way through updating shared state. The next process to acquire
 * the lock is told so (EOWNERDEAD), repairs the state, marks the lock
 * consistent and carries on. With Python's multiprocessing.Lock, every
 * other process would wait forever. Also shows undo: units of a
 * Semaphore(IPCDEV_SEM_UNDO) held by the killed worker come back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

struct account {
	long debit, credit;	/* invariant: debit == credit */
};

int main(void)
{
	struct account *acct = mmap(NULL, sizeof(*acct), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ipcdev_lock *lock;
	ipcdev_sem *slots;
	int go[2], ret, status;
	pid_t pid;
	char c;

	if (acct == MAP_FAILED || ipcdev_lock_create(&lock) ||
	    ipcdev_sem_create(&slots, 3, IPCDEV_SEM_UNDO) || pipe(go))
		return 1;

	pid = fork();
	if (pid == 0) {
		ipcdev_sem_acquire(slots, IPCDEV_FOREVER);
		ipcdev_sem_acquire(slots, IPCDEV_FOREVER);
		ipcdev_lock_acquire(lock, IPCDEV_FOREVER);
		acct->debit += 100;	/* ... and dies before the credit */
		write(go[1], "x", 1);
		pause();
		_exit(0);
	}
	read(go[0], &c, 1);
	printf("worker holds the lock and 2 of 3 slots; slots free: %lld\n",
	       (long long)ipcdev_sem_get_value(slots));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("worker killed with SIGKILL\n");
	printf("slots free after its death: %lld (undo)\n",
	       (long long)ipcdev_sem_get_value(slots));

	ret = ipcdev_lock_acquire(lock, IPCDEV_FOREVER);
	if (ret == -EOWNERDEAD) {
		printf("acquire -> EOWNERDEAD: debit %ld, credit %ld; repairing\n",
		       acct->debit, acct->credit);
		acct->credit = acct->debit;
		ipcdev_lock_consistent(lock);
	} else {
		printf("acquire -> %d (unexpected)\n", ret);
		return 1;
	}
	ipcdev_lock_release(lock);
	ret = ipcdev_lock_acquire(lock, IPCDEV_NOWAIT);
	printf("next acquire -> %s; debit %ld, credit %ld\n",
	       ret == 0 ? "0 (consistent again)" : "error", acct->debit,
	       acct->credit);
	return ret == 0 ? 0 : 1;
}
