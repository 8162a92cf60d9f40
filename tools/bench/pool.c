// SPDX-License-Identifier: GPL-2.0
/*
 * Pool: tasks per second through libipcdev's Pool (4 workers, map with
 * chunksize 1: one task per message, the dispatcher's whole path) for an
 * empty task and for a 64 KiB input, against a hand-written pool on
 * pipe(2): 4 forked workers, a pipe each for tasks (written round-robin
 * by a writer thread, no load balancing, no death handling) and one
 * shared pipe for 16-byte results. Each result is checked (the task
 * returns its input's first word). Per-task overhead: us per task (wall
 * time / tasks, 4 workers busy).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "bench.h"

#define WORKERS 4

const char *const pool_names[NPOOL] = { "ipcq Pool.map", "pipe(2) pool" };
const size_t pool_sizes[NPOOLSZ] = { 8, 64 * 1024 };
double pool_tps[NPOOL][NPOOLSZ][MAX_REPS];
uint64_t pool_errors;

/* The task: its input's first word back, as the status. */
static int first_word(const void *in, size_t in_len, void *out,
		      size_t *out_len, void *ctx)
{
	uint32_t v;

	memcpy(&v, in, sizeof(v));
	*out_len = 0;
	return (int)(v & 0x7fffffff);
}

static double ipcq_pool(size_t size, int n, char *inputs)
{
	struct ipcdev_pool_item *items = calloc(n, sizeof(*items));
	ipcdev_pool *p = NULL;
	double tps = -1;
	uint64_t t0;
	int i;

	if (!items || ipcdev_pool_create(&p, WORKERS, NULL))
		goto out;
	for (i = 0; i < n; i++) {
		items[i].in = inputs + (size_t)i % 16 * size;
		items[i].in_len = size;
	}
	t0 = now_ns();
	if (ipcdev_pool_map(p, first_word, items, n, 1, IPCDEV_FOREVER))
		pool_errors++;
	tps = (double)n * 1e9 / (double)(now_ns() - t0);
	for (i = 0; i < n; i++)
		if (items[i].status != (int)(i % 16))
			pool_errors++;
out:
	if (p)
		ipcdev_pool_free(p);
	free(items);
	return tps;
}

struct writer {
	int fds[WORKERS];
	size_t size;
	int n;
	char *inputs;
};

/* Writes task i (its size, then its input) to worker i % WORKERS. */
static void *write_tasks(void *arg)
{
	struct writer *w = arg;
	uint64_t len = w->size;
	int i;

	for (i = 0; i < w->n; i++) {
		int fd = w->fds[i % WORKERS];

		if (write(fd, &len, sizeof(len)) != sizeof(len) ||
		    write(fd, w->inputs + (size_t)i % 16 * w->size, w->size) !=
		    (ssize_t)w->size)
			break;
	}
	return NULL;
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void __attribute__((noreturn)) pipe_worker(int in, int out, size_t max)
{
	char *buf = malloc(max);
	uint64_t len, reply[2];

	while (buf && !read_all(in, &len, sizeof(len)) && len <= max &&
	       !read_all(in, buf, len)) {
		size_t olen;

		reply[0] = 0;
		reply[1] = (uint64_t)first_word(buf, len, NULL, &olen, NULL);
		if (write(out, reply, sizeof(reply)) != sizeof(reply))
			break;
	}
	_exit(0);
}

static double pipe_pool(size_t size, int n, char *inputs)
{
	struct writer w = { .size = size, .n = n, .inputs = inputs };
	int res[2], task[2], i, k, ok = 0;
	pid_t pids[WORKERS] = { 0 };
	uint64_t reply[2], t0, seen[16] = { 0 };
	double tps = -1;
	pthread_t t;

	if (pipe(res))
		return -1;
	for (k = 0; k < WORKERS; k++) {
		if (pipe(task))
			goto out;
		pids[k] = fork();
		if (pids[k] == 0) {
			for (i = 0; i < k; i++)
				close(w.fds[i]);
			close(task[1]);
			close(res[0]);
			pipe_worker(task[0], res[1], size);
		}
		close(task[0]);
		w.fds[k] = task[1];
	}
	close(res[1]);
	res[1] = -1;
	t0 = now_ns();
	if (pthread_create(&t, NULL, write_tasks, &w))
		goto out;
	for (i = 0; i < n; i++) {
		if (read_all(res[0], reply, sizeof(reply)) || reply[1] >= 16)
			break;
		seen[reply[1]]++;
	}
	tps = (double)n * 1e9 / (double)(now_ns() - t0);
	pthread_join(t, NULL);
	for (i = 0, ok = 1; i < 16; i++)
		if (seen[i] != (uint64_t)(n / 16 + (i < n % 16)))
			ok = 0;
	if (!ok)
		pool_errors++;
out:
	for (k = 0; k < WORKERS; k++) {
		if (w.fds[k] > 0)
			close(w.fds[k]);
		if (pids[k] > 0)
			waitpid(pids[k], NULL, 0);
	}
	close(res[0]);
	if (res[1] >= 0)
		close(res[1]);
	return ok ? tps : -1;
}

void pool_rep(int r)
{
	char *inputs = malloc(16 * pool_sizes[NPOOLSZ - 1]);
	int s, i;

	for (s = 0; s < NPOOLSZ; s++) {
		int n = quick ? 200 : s ? 2000 : 10000;

		pool_tps[POOL_IPCQ][s][r] = -1;
		pool_tps[POOL_PIPE][s][r] = -1;
		if (!inputs)
			continue;
		for (i = 0; i < 16; i++) {
			uint32_t v = (uint32_t)i;

			memset(inputs + (size_t)i * pool_sizes[s], i,
			       pool_sizes[s]);
			memcpy(inputs + (size_t)i * pool_sizes[s], &v, sizeof(v));
		}
		pool_tps[POOL_IPCQ][s][r] = ipcq_pool(pool_sizes[s], n, inputs);
		pool_tps[POOL_PIPE][s][r] = pipe_pool(pool_sizes[s], n, inputs);
	}
	free(inputs);
}
