// SPDX-License-Identifier: GPL-2.0
/*
 * shared_array: Python's
 *
 *     arr = Array('d', 1000)
 *     def fill(i):                    # four processes, a slice each
 *         for k in range(i * 250, (i + 1) * 250):
 *             arr[k] = k * k / 1000
 *     print(sum(arr))                 # the parent, once they are done
 *
 * then a named region any process can open, with ipcqctl showing it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

#define N	1000
#define PROCS	4

int main(void)
{
	struct ipcq_shm_stat st;
	double *arr, sum = 0, want = 0;
	ipcdev_array *a;
	ipcdev_shm *m;
	int i, k;
	char *p;

	if (ipcdev_array_create(&a, IPCDEV_C_DOUBLE, N, NULL, 0)) {
		fprintf(stderr, "setup failed (module loaded?)\n");
		return 1;
	}
	arr = ipcdev_array_ptr(a);
	for (i = 0; i < PROCS; i++) {
		if (fork() == 0) {
			for (k = i * (N / PROCS); k < (i + 1) * (N / PROCS); k++)
				arr[k] = k * (double)k / 1000;
			printf("process %d filled arr[%d..%d]\n", i,
			       i * (N / PROCS), (i + 1) * (N / PROCS) - 1);
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++)
		wait(NULL);
	for (k = 0; k < N; k++) {
		sum += arr[k];
		want += k * (double)k / 1000;
	}
	printf("Array('d', %lld): sum %.3f (expected %.3f)\n",
	       (long long)ipcdev_array_len(a), sum, want);
	ipcdev_array_close(a);

	/* A named region, as shared_memory.SharedMemory(name, create=True). */
	if (ipcdev_shm_open(&m, "demo-region", IPCDEV_CREATE | IPCDEV_EXCL |
			    IPCDEV_SHM_LOCK, 0644, 64) ||
	    ipcdev_shm_map(m, (void **)&p))
		return 1;
	strcpy(p, "hello from shared_array");
	ipcdev_shm_stat(m, &st);
	printf("named region demo-region: %llu bytes, %u mapping(s), bound lock id %llu\n",
	       (unsigned long long)st.size, st.mappings,
	       (unsigned long long)st.lock_id);
	fflush(stdout);
	if (fork() == 0) {
		execl("/ipcq/bin/ipcqctl", "ipcqctl", "stat", "--dump", "32",
		      "demo-region", (char *)NULL);
		_exit(127);
	}
	wait(NULL);
	ipcdev_shm_unlink("demo-region");
	ipcdev_shm_close(m);
	return sum == want ? 0 : 1;
}
