// SPDX-License-Identifier: GPL-2.0
/*
 * semaphore: three processes share a Semaphore(2); each enters the
 * guarded section a few times. The count of processes inside, kept in
 * shared memory, never goes above two.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

int main(void)
{
	_Atomic int *inside = mmap(NULL, sizeof(*inside), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ipcdev_sem *sem;
	int i, round, status, rc = 0;

	if (inside == MAP_FAILED || ipcdev_sem_create(&sem, 2, 0)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		if (fork() == 0) {
			for (round = 0; round < 2; round++) {
				ipcdev_sem_acquire(sem, IPCDEV_FOREVER);
				printf("process %d enters (%d inside)\n", i,
				       atomic_fetch_add(inside, 1) + 1);
				fflush(stdout);
				usleep(50000);
				printf("process %d leaves\n", i);
				fflush(stdout);
				atomic_fetch_sub(inside, 1);
				ipcdev_sem_release(sem, 1);
			}
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			rc = 1;
	printf("value back to %lld\n", (long long)ipcdev_sem_get_value(sem));
	return rc;
}
