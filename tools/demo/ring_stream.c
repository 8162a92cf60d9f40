// SPDX-License-Identifier: GPL-2.0
/*
 * ring_stream: one producer process streams 200000 numbered 64-byte
 * messages to one consumer, first through a plain queue (one ioctl per
 * put and per get), then through a ring queue (shared memory, no system
 * call while the ring is neither full nor empty). The consumer checks
 * every message, and end-of-file arrives when the producer exits, as for
 * any queue. Times are printed for comparison, nothing is asserted on
 * them (the VM is emulated; see `make bench` for measurements).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcdev.h"

#define MESSAGES 200000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Streams through @q; returns messages per second, or -1 on an error. */
static double stream(ipcdev_queue *q)
{
	char msg[64];
	uint32_t i, seq;
	size_t len;
	double t0 = now();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		ipcdev_queue *out;

		if (ipcdev_queue_endpoint(&out, q, IPCDEV_PRODUCER))
			_exit(1);
		ipcdev_queue_close(q);
		memset(msg, 'x', sizeof(msg));
		for (i = 0; i < MESSAGES; i++) {
			memcpy(msg, &i, sizeof(i));
			if (ipcdev_queue_put(out, msg, sizeof(msg), IPCDEV_FOREVER))
				_exit(1);
		}
		_exit(0);
	}
	/* Only the child produces: its exit is our end-of-file. */
	{
		ipcdev_queue *in;

		if (ipcdev_queue_endpoint(&in, q, IPCDEV_CONSUMER))
			return -1;
		ipcdev_queue_close(q);
		q = in;
	}
	for (i = 0;; i++) {
		len = sizeof(msg);
		int ret = ipcdev_queue_get(q, msg, &len, IPCDEV_FOREVER);

		if (ret == IPCDEV_EOF)
			break;
		memcpy(&seq, msg, sizeof(seq));
		if (ret || len != sizeof(msg) || seq != i) {
			fprintf(stderr, "message %u: ret %d, len %zu, seq %u\n",
				i, ret, len, seq);
			return -1;
		}
	}
	ipcdev_queue_close(q);
	if (waitpid(pid, &status, 0) != pid || status || i != MESSAGES)
		return -1;
	return MESSAGES / (now() - t0);
}

int main(void)
{
	ipcdev_queue *plain, *ring;
	double p, r;

	if (ipcdev_queue_create(&plain, 256) ||
	    ipcdev_queue_create_ring(&ring, 256, 64)) {
		fprintf(stderr, "ring_stream: cannot create the queues\n");
		return 1;
	}
	p = stream(plain);
	r = stream(ring);
	if (p < 0 || r < 0) {
		fprintf(stderr, "ring_stream: the stream went wrong\n");
		return 1;
	}
	printf("%d messages, all in order, then end-of-file:\n", MESSAGES);
	printf("  plain queue (ioctl per put and get): %9.0f msg/s\n", p);
	printf("  ring queue (shared memory):          %9.0f msg/s (%.1fx)\n",
	       r, r / p);
	return 0;
}
