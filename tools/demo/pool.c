// SPDX-License-Identifier: GPL-2.0
/*
 * pool: the seeds' Pool example, Pool(4).map(square, range(1, 11)) and
 * apply_async, then a long map during which a worker is SIGKILLed in the
 * middle of a task: the pool replaces it, the one task it was running
 * fails with -ECHILD (or, in the second run, is retried), every other
 * task completes.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

#define N 200

static _Atomic pid_t *victim;	/* shared: a worker running task 50 */

static int square(const void *in, size_t in_len, void *out, size_t *out_len,
		  void *ctx)
{
	long v;

	memcpy(&v, in, sizeof(v));
	if (v == 50 && victim && !atomic_load(victim)) {
		atomic_store(victim, getpid());
		pause();	/* until killed */
	}
	v *= v;
	memcpy(out, &v, sizeof(v));
	*out_len = sizeof(v);
	usleep(1000);
	return 0;
}

static int long_map(unsigned int retries)
{
	struct ipcdev_pool_attr attr = { .retries = retries };
	struct ipcdev_pool_item items[N];
	struct ipcdev_pool_stat st;
	long in[N], out[N];
	pid_t pid, killer;
	ipcdev_pool *p;
	int i, failed;

	atomic_store(victim, 0);
	if (ipcdev_pool_create(&p, 4, &attr))
		return 1;
	for (i = 0; i < N; i++) {
		in[i] = i;
		items[i] = (struct ipcdev_pool_item){ &in[i], sizeof(in[i]),
						      &out[i], sizeof(out[i]),
						      0 };
	}
	killer = fork();
	if (killer == 0) {
		while (!(pid = atomic_load(victim)))
			usleep(1000);
		printf("killing worker %d in the middle of task 50\n", pid);
		fflush(stdout);
		kill(pid, SIGKILL);
		_exit(0);
	}
	failed = ipcdev_pool_map(p, square, items, N, 1, IPCDEV_FOREVER);
	waitpid(killer, NULL, 0);
	ipcdev_pool_stat(p, &st);
	printf("map of %d tasks (retries %u): %d failed", N, retries, failed);
	for (i = 0; i < N; i++)
		if (items[i].status < 0)
			printf(" [task %d: %s]", i, strerror(-items[i].status));
	printf("; task 199 gave %ld\n", out[199]);
	printf("stat: alive %u, done %llu, failed %llu, died %llu, "
	       "retried %llu, respawns %llu\n", st.alive,
	       (unsigned long long)st.done, (unsigned long long)st.failed,
	       (unsigned long long)st.died, (unsigned long long)st.retried,
	       (unsigned long long)st.respawns);
	ipcdev_pool_close(p);
	ipcdev_pool_join(p, IPCDEV_FOREVER);
	ipcdev_pool_free(p);
	return failed == (retries ? 0 : 1) && out[199] == 199L * 199 ? 0 : 1;
}

int main(void)
{
	struct ipcdev_pool_item items[10];
	ipcdev_pool_result *r[3];
	long in[10], out[10], v;
	ipcdev_pool *p;
	size_t len;
	int i, rc = 0;

	victim = mmap(NULL, sizeof(*victim), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (victim == MAP_FAILED || ipcdev_pool_create(&p, 4, NULL)) {
		fprintf(stderr, "cannot create the pool\n");
		return 1;
	}
	atomic_store(victim, -1);	/* no victim in the seeds' example */
	for (i = 0; i < 10; i++) {
		in[i] = i + 1;
		items[i] = (struct ipcdev_pool_item){ &in[i], sizeof(in[i]),
						      &out[i], sizeof(out[i]),
						      0 };
	}
	if (ipcdev_pool_map(p, square, items, 10, 0, IPCDEV_FOREVER))
		rc = 1;
	printf("pool.map(square, range(1, 11)) = [");
	for (i = 0; i < 10; i++)
		printf("%s%ld", i ? ", " : "", out[i]);
	printf("]\n");
	for (i = 0; i < 3; i++) {
		v = 20 + i;
		if (ipcdev_pool_apply_async(p, square, &v, sizeof(v), &r[i]))
			rc = 1;
	}
	printf("apply_async(square, 20..22).get() =");
	for (i = 0; i < 3; i++) {
		len = sizeof(v);
		if (ipcdev_pool_result_get(r[i], &v, &len, IPCDEV_FOREVER))
			rc = 1;
		printf(" %ld", v);
		ipcdev_pool_result_free(r[i]);
	}
	printf("\n");
	ipcdev_pool_close(p);
	ipcdev_pool_join(p, IPCDEV_FOREVER);
	ipcdev_pool_free(p);

	if (long_map(0) || long_map(1))
		rc = 1;
	return rc;
}
