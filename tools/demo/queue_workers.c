// SPDX-License-Identifier: GPL-2.0
/*
 * queue_workers: two producer processes and two consumer processes share
 * one kernel queue, as in Python's multiprocessing Queue examples. The
 * consumers stop at end-of-file, which the kernel reports once both
 * producers have exited: no sentinel messages needed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

#define JOBS_PER_PRODUCER 5

static void producer(ipcdev_queue *q, int id)
{
	ipcdev_queue *out;
	char msg[64];
	int i, len;

	/* An endpoint of our own: our exit is what ends the stream. */
	if (ipcdev_queue_endpoint(&out, q, IPCDEV_PRODUCER))
		_exit(1);
	ipcdev_queue_close(q);
	for (i = 0; i < JOBS_PER_PRODUCER; i++) {
		len = snprintf(msg, sizeof(msg), "job %d from producer %d", i, id);
		if (ipcdev_queue_put(out, msg, len, IPCDEV_FOREVER))
			_exit(1);
	}
	_exit(0);
}

static void consumer(ipcdev_queue *q, int id)
{
	ipcdev_queue *in;
	char msg[64];
	size_t len;
	int ret, n = 0;

	if (ipcdev_queue_endpoint(&in, q, IPCDEV_CONSUMER))
		_exit(1);
	ipcdev_queue_close(q);
	for (;;) {
		len = sizeof(msg) - 1;
		ret = ipcdev_queue_get(in, msg, &len, IPCDEV_FOREVER);
		if (ret == IPCDEV_EOF)
			break;
		if (ret < 0) {
			fprintf(stderr, "consumer %d: %s\n", id, strerror(-ret));
			_exit(1);
		}
		msg[len] = 0;
		printf("consumer %d got: %s\n", id, msg);
		fflush(stdout);
		n++;
	}
	printf("consumer %d: end of file after %d messages\n", id, n);
	_exit(0);
}

int main(void)
{
	ipcdev_queue *q;
	int i, status, rc = 0;

	/* Small on purpose, so producers block now and then. */
	if (ipcdev_queue_create(&q, 3)) {
		perror("ipcdev_queue_create");
		return 1;
	}
	for (i = 0; i < 2; i++)
		if (fork() == 0)
			producer(q, i);
	for (i = 0; i < 2; i++)
		if (fork() == 0)
			consumer(q, i);
	/* The parent keeps no endpoint, or consumers would wait for it. */
	ipcdev_queue_close(q);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			rc = 1;
	printf("all %d jobs delivered, every process done\n",
	       2 * JOBS_PER_PRODUCER);
	return rc;
}
