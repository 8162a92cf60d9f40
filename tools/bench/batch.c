// SPDX-License-Identifier: GPL-2.0
/*
 * Batches (IPCQ_FEATURE_BATCH): 1x1 streaming of 64-byte messages, a
 * producer process and a consumer process on one queue of BATCH_CAPACITY
 * messages (the 64 KiB a pipe(2) buffers, in 64-byte messages),
 * through ipcdev_queue_put_many/get_many with BATCH_N messages per call,
 * against the blocking single put/get (stream() on mechanisms.c's queue of
 * 64 messages, the main tables' row) and pipe(2), each cell run next to the others in
 * every repetition. Every message is checked as in stream(): content,
 * and each sequence number once, in order. The goal of the batches issue:
 * at least 3x pipe(2)'s msg/s.
 */
#include <sys/wait.h>

#include "bench.h"

#define BATCH_N		32
#define BATCH_SIZE	64
#define BATCH_CAPACITY	1024

const char *const batch_names[NBATCH] = {
	"pipe", "ipcq-queue", "ipcq-queue x32",
};
double batch_tput[NBATCH][MAX_REPS];

/* Producer: @count messages in batches of BATCH_N; 0 or 1 (failed). */
static int batch_produce(ipcdev_queue *q, int count)
{
	static unsigned char buf[BATCH_N][BATCH_SIZE];
	struct ipcq_msg m[BATCH_N];
	int sent = 0, n, i, ret;

	memset(m, 0, sizeof(m));
	while (sent < count) {
		n = count - sent < BATCH_N ? count - sent : BATCH_N;
		for (i = 0; i < n; i++) {
			msg_fill(buf[i], BATCH_SIZE, (uint32_t)(sent + i), 0);
			m[i].buf = (uintptr_t)buf[i];
			m[i].len = BATCH_SIZE;
		}
		for (i = 0; i < n; i += ret) {
			ret = ipcdev_queue_put_many(q, &m[i], (size_t)(n - i),
						    IPCDEV_FOREVER);
			if (ret < 1)
				return 1;
		}
		sent += n;
	}
	return 0;
}

/* Consumer: until end-of-file; the number of messages off, or -1. */
static long batch_consume(ipcdev_queue *q, int count)
{
	static unsigned char buf[BATCH_N][BATCH_SIZE];
	struct ipcq_msg m[BATCH_N];
	uint32_t h[2], next = 0;
	long bad = 0;
	int i, ret;

	for (;;) {
		for (i = 0; i < BATCH_N; i++) {
			memset(&m[i], 0, sizeof(m[i]));
			m[i].buf = (uintptr_t)buf[i];
			m[i].len = BATCH_SIZE;
		}
		ret = ipcdev_queue_get_many(q, m, BATCH_N, IPCDEV_FOREVER);
		if (ret <= 0)
			break;
		for (i = 0; i < ret; i++) {
			memcpy(h, buf[i], sizeof(h));
			if (m[i].len != BATCH_SIZE ||
			    !msg_ok(buf[i], BATCH_SIZE) || h[0] != next)
				bad++;
			next++;
		}
	}
	return ret < 0 ? -1 : bad + (next != (uint32_t)count);
}

/* msg/s of one batched 1x1 stream of @count messages; -1 on an error. */
static double batch_stream(int count)
{
	ipcdev_queue *q, *end;
	struct start_gate gate;
	int status, fail = 0;
	uint64_t t0, t1;
	long bad;
	pid_t pid;

	if (ipcdev_queue_create(&q, BATCH_CAPACITY))
		return -1;
	if (gate_init(&gate)) {
		ipcdev_queue_close(q);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		if (ipcdev_queue_endpoint(&end, q, IPCDEV_PRODUCER))
			_exit(1);
		ipcdev_queue_close(q);
		if (gate_wait(&gate))
			_exit(1);
		_exit(batch_produce(end, count));
	}
	if (pid < 0 || ipcdev_queue_endpoint(&end, q, IPCDEV_CONSUMER)) {
		ipcdev_queue_close(q);
		gate_close(&gate);
		if (pid > 0)
			waitpid(pid, &status, 0);
		return -1;
	}
	/* Only the producer's file left as producer: end-of-file. */
	ipcdev_queue_close(q);
	/* Timed as stream(): from the common start to the last get. */
	t0 = gate_open(&gate, 1, &fail);
	bad = batch_consume(end, count);
	t1 = now_ns();
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail = 1;
	ipcdev_queue_close(end);
	if (bad) {
		stream_errors += bad > 0 ? (uint64_t)bad : 1;
		return -1;
	}
	return fail ? -1 : count / ((double)(t1 - t0) / 1e9);
}

/* The mechanism of mechs[] named @name, or NULL. */
static const struct mech *mech_named(const char *name)
{
	unsigned int i;

	for (i = 0; i < NMECH; i++)
		if (!strcmp(mechs[i].name, name))
			return &mechs[i];
	return NULL;
}

void batch_rep(int r)
{
	int k, count = quick ? 2000 : 20000;
	const struct mech *m;
	double c;

	for (k = 0; k < NBATCH; k++) {
		batch_tput[k][r] = -1;
		m = mech_named(batch_names[k]);
		if (m)
			batch_tput[k][r] = stream(m, BATCH_SIZE, 1, 1, count,
						  &c, NULL);
	}
	if (ipcdev_has_feature(IPCQ_FEATURE_BATCH) == 1)
		batch_tput[BATCH_X32][r] = batch_stream(count);
}
