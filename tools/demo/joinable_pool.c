// SPDX-License-Identifier: GPL-2.0
/*
 * joinable_pool: a JoinableQueue worker pool. The parent puts tasks,
 * workers call task_done after each, and join() returns when all are done;
 * the kernel keeps the unfinished-task count. Then a shutdown wakes the
 * idle workers, which exit.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

#define WORKERS 3
#define TASKS 12

static void worker(ipcdev_queue *tasks, ipcdev_queue *results, int id)
{
	unsigned int n, done = 0;
	size_t len;
	int ret;

	for (;;) {
		len = sizeof(n);
		ret = ipcdev_queue_get(tasks, &n, &len, IPCDEV_FOREVER);
		if (ret == -ESHUTDOWN)
			break;
		if (ret)
			_exit(1);
		n = n * n;
		usleep(2000);	/* the "work", so the pool shares it */
		ipcdev_queue_put(results, &n, sizeof(n), IPCDEV_FOREVER);
		ipcdev_queue_task_done(tasks);
		done++;
	}
	printf("worker %d: %u tasks, then shutdown\n", id, done);
	_exit(0);
}

int main(void)
{
	ipcdev_queue *tasks, *results;
	struct ipcq_queue_stat st;
	unsigned int n, sum = 0;
	size_t len;
	int i, status, rc = 0;

	if (ipcdev_joinablequeue_create(&tasks, 0) ||
	    ipcdev_simplequeue_create(&results)) {
		fprintf(stderr, "cannot create queues\n");
		return 1;
	}
	for (i = 0; i < WORKERS; i++)
		if (fork() == 0)
			worker(tasks, results, i);
	for (n = 1; n <= TASKS; n++)
		ipcdev_queue_put(tasks, &n, sizeof(n), IPCDEV_FOREVER);
	ipcdev_queue_stat(tasks, &st);
	printf("put %d tasks; unfinished now: %llu\n", TASKS,
	       (unsigned long long)st.unfinished);

	if (ipcdev_queue_join(tasks, IPCDEV_FOREVER))
		rc = 1;
	printf("join() returned: every task done; results queued: %lld\n",
	       (long long)ipcdev_queue_qsize(results));
	for (;;) {
		len = sizeof(n);
		if (ipcdev_queue_get_nowait(results, &n, &len))
			break;
		sum += n;
	}
	printf("sum of squares 1..%d = %u\n", TASKS, sum);

	ipcdev_queue_shutdown(tasks, 0);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			rc = 1;
	return rc;
}
