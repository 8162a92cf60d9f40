// SPDX-License-Identifier: GPL-2.0
/*
 * fork() with live handles: libipcdev's fork handler re-owns every live
 * handle in the child (a fresh open of each object, so that EOF, undo and
 * EOWNERDEAD stay per process), which makes fork cost grow with the
 * number of handles. Measured here, not asserted in the tests: us from
 * fork() in the parent until the child runs its first line after the
 * handler, the median of 21 forks per repetition, with 0, 10 and 1000
 * live handles (a queue and consumer endpoints of it).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "bench.h"

#define FORKS 21

const int fork_handles[NFORK] = { 0, 10, 1000 };
double fork_us[NFORK][MAX_REPS];

/* The median of FORKS forks, in us; -1 when a fork or child failed. */
static double fork_median(_Atomic uint64_t *child_ran)
{
	double t[FORKS], tmp;
	int i, j, status;

	for (i = 0; i < FORKS; i++) {
		uint64_t t0 = now_ns();
		pid_t pid = fork();

		if (pid == 0) {
			atomic_store(child_ran, now_ns());
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			return -1;
		t[i] = (double)(atomic_load(child_ran) - t0) / 1000;
	}
	for (i = 0; i < FORKS; i++)
		for (j = i + 1; j < FORKS; j++)
			if (t[j] < t[i]) {
				tmp = t[i];
				t[i] = t[j];
				t[j] = tmp;
			}
	return t[FORKS / 2];
}

void fork_rep(int r)
{
	int max = fork_handles[NFORK - 1], made = 0, k;
	ipcdev_queue **h = calloc(max, sizeof(*h));
	_Atomic uint64_t *child_ran = shared_alloc(4096);
	struct rlimit rl;

	for (k = 0; k < NFORK; k++)
		fork_us[k][r] = -1;
	if (!h || !child_ran)
		goto out;
	/* A thousand handles need a thousand fds, and a few more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)max + 64 && rl.rlim_max >= (rlim_t)max + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (k = 0; k < NFORK; k++) {
		for (; made < fork_handles[k]; made++)
			if (made ? ipcdev_queue_endpoint(&h[made], h[0],
							 IPCDEV_CONSUMER) :
				   ipcdev_queue_create(&h[0], 0))
				break;
		if (made < fork_handles[k])
			break;
		fork_us[k][r] = fork_median(child_ran);
	}
	while (made > 0)
		ipcdev_queue_close(h[--made]);
out:
	free(h);
	if (child_ran)
		munmap((void *)child_ran, 4096);
}
