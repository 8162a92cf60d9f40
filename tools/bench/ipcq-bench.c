// SPDX-License-Identifier: GPL-2.0
/*
 * ipcq-bench: ipcq side by side with the kernel IPC a user would pick
 * instead, measured in one run on one machine.
 *
 *   round trip    ping-pong between two processes; p50/p90/p99/p99.9/max
 *   streaming     producers x consumers, every message sequence-numbered
 *                 and checksummed (from 16 bytes up, each producer's
 *                 sequences must all arrive once); messages/s and bytes/s
 *   semaphores    uncontended acquire+release, and two processes contending
 *   shared memory acquire + counter increment + release in shared memory:
 *                 ipcq's get_lock() against a robust pthread mutex, a
 *                 POSIX sem_t and a C11 atomic increment; uncontended, and
 *                 two processes contending
 *
 *   syscalls      per message, 64-byte streaming 1x1, producer and
 *                 consumer loops counted apart (perf tracepoint
 *                 raw_syscalls:sys_enter), in an extra run of the cell
 *   io_uring      64-byte queue messages put and got asynchronously,
 *                 batched through one io_uring per process, against the
 *                 blocking API: 1x1, and one thread serving 16 queues
 *   growth        put+get, create+close and epoll costs at small and
 *                 large sizes; kernel memory per idle object and per
 *                 queued message against POSIX mq and pipe(2)
 *
 * ipcq appears twice: its queue on the ioctl path ("ipcq-queue") and the
 * same queue with a shared ring ("ipcq-ring", ipcdev_queue_create_ring),
 * where puts and gets need no system call while the ring is neither full
 * nor empty.
 *
 * Every cell is run REPS times, the mechanisms interleaved within each
 * repetition; the tables show the median with min-max, and ratios against
 * ipcq's queue (ioctl path). Context switches per message (getrusage, both
 * sides) stand in for wake-ups. The report ends with the benchmark issue's
 * goals, judged on this run's medians. Lines starting "csv," carry every
 * number.
 *
 * The parts are in bench.h's order: mechanisms.c, measure.c, syscount.c,
 * uring.c, sem.c, shm.c, fork.c, pool.c, typed.c, batch.c, growth.c,
 * report.c; this file runs
 * the cells, interleaved.
 *
 * Usage: ipcq-bench [-r REPS] [-q] [-u] [-m] [-s] [-p] [-y] [-b] [-g]
 *                   [-M NAME,...]
 *   -q: fewer iterations, for a smoke run
 *   -u: only the io_uring cells (they run their own baselines)
 *   -m: only the shared memory cells
 *   -s: only the semaphore cells
 *   -p: only the Pool cells
 *   -y: only the typed messages cells
 *   -b: only the batch cells
 *   -M: only the latency and streaming cells of these mechanisms (e.g.
 *       -M ipcq-ring,spin-ring), their tables and goal lines
 *   -g: only the growth cells (cost at small and large sizes, kernel
 *       memory per object and per message)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

int reps = 5;
int quick;
int only_uring;
int only_shm;
int only_pool;
int only_typed;
int only_batch;
int only_growth;
int only_sem;
static const char *only_mechs;

double lat[NMECH][NSIZE][MAX_REPS][NLAT];
double tput[NMECH][3][MAX_REPS];
double tput_size[NMECH][NSIZE][MAX_REPS];
double csw[NMECH][3][MAX_REPS];
double scalls[NMECH][2][MAX_REPS];
int scalls_err[NMECH];
uint64_t stream_errors;

/* Whether -M leaves mechanism @mi in (a whole name of its list). */
static int mech_on(unsigned int mi)
{
	size_t n = strlen(mechs[mi].name);
	const char *p = only_mechs;

	if (!p)
		return 1;
	for (; (p = strstr(p, mechs[mi].name)); p += n)
		if ((p == only_mechs || p[-1] == ',') &&
		    (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int opt, r, s, n, k, iters, count;
	struct shmset *shm;
	unsigned int mi;

	while ((opt = getopt(argc, argv, "r:qumspybgM:")) != -1) {
		if (opt == 'r')
			reps = atoi(optarg);
		else if (opt == 'q')
			quick = 1;
		else if (opt == 'u')
			only_uring = 1;
		else if (opt == 'm')
			only_shm = 1;
		else if (opt == 'p')
			only_pool = 1;
		else if (opt == 'y')
			only_typed = 1;
		else if (opt == 'b')
			only_batch = 1;
		else if (opt == 'g')
			only_growth = 1;
		else if (opt == 's')
			only_sem = 1;
		else if (opt == 'M')
			only_mechs = optarg;
	}
	if (reps < 1 || reps > MAX_REPS)
		reps = 5;
	signal(SIGPIPE, SIG_IGN);
	/* POSIX mq charges every queue's worst case up front: lift it. */
	{
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_MSGQUEUE, &rl);
	}
	header();
	sc_init();
	printf("# syscall counting: %s%s\n", sc_id < 0 ? "n/a, " : "", sc_why);
	uring_err = ipcdev_uring_probe();
	if (uring_err)
		printf("# io_uring: n/a, ipcdev_uring_probe(): %s; its rows are skipped\n",
		       strerror(-uring_err));
	else
		printf("# io_uring: ipcdev_uring_probe() ok\n");

	shm = shm_setup();
	if (!shm)
		printf("# shared memory: setup failed; its rows are n/a\n");
	for (r = 0; r < reps; r++) {
		if (only_growth) {
			growth_rep(r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		if (only_batch) {
			batch_rep(r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		if (only_typed) {
			typed_rep(r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		if (only_shm) {
			shm_rep(shm, r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		if (only_sem) {
			sem_rep(r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		if (only_pool) {
			pool_rep(r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		if (only_uring) {
			ur_rep(r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		for (s = 0; s < (int)NSIZE; s++) {
			iters = quick ? 200 : sizes[s] >= 16384 ? 500 : 2000;
			for (mi = 0; mi < NMECH; mi++)
				if (!mech_on(mi) ||
				    round_trip(&mechs[mi], sizes[s], iters,
					       lat[mi][s][r]))
					for (k = 0; k < NLAT; k++)
						lat[mi][s][r][k] = -1;
		}
		for (s = 0; s < (int)NSIZE; s++) {
			/*
			 * Enough for a fast mechanism to run over many
			 * scheduler time slices (the ring streams 2 M msg/s).
			 */
			count = quick ? 500 : sizes[s] >= 16384 ? 2000 : 100000;
			for (mi = 0; mi < NMECH; mi++) {
				double c = -1;

				tput_size[mi][s][r] = !mech_on(mi) ? -1 :
					stream(&mechs[mi], sizes[s], 1, 1,
					       count, &c, NULL);
				if (s == S64) {
					tput[mi][0][r] = tput_size[mi][s][r];
					csw[mi][0][r] = c;
				}
			}
		}
		for (n = 1; n < 3; n++) {
			int parties = n == 1 ? 2 : 4;

			count = quick ? 250 : 40000 / parties;
			for (mi = 0; mi < NMECH; mi++) {
				double c = -1;

				tput[mi][n][r] = mechs[mi].multi && mech_on(mi) ?
					stream(&mechs[mi], 64, parties, parties,
					       count, &c, NULL) : -1;
				csw[mi][n][r] = c;
			}
		}
		if (only_mechs) {
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		ur_rep(r);
		sem_rep(r);
		shm_rep(shm, r);
		fork_rep(r);
		pool_rep(r);
		typed_rep(r);
		batch_rep(r);
		growth_rep(r);
		fprintf(stderr, "# repetition %d/%d done\n", r + 1, reps);
	}
	shm_teardown(shm);
	if (only_typed) {
		report_typed();
		return 0;
	}
	if (only_growth) {
		report_growth();
		printf("\ngrowth check errors (stream check errors): %llu\n",
		       (unsigned long long)stream_errors);
		return stream_errors ? 1 : 0;
	}
	if (only_batch) {
		report_batch();
		printf("\nstream check errors: %llu\n",
		       (unsigned long long)stream_errors);
		return stream_errors ? 1 : 0;
	}
	if (only_shm) {
		report_shm();
		printf("\nshared memory counter errors: %llu\n",
		       (unsigned long long)shm_errors);
		return shm_errors ? 1 : 0;
	}
	if (only_sem) {
		report_sem();
		return 0;
	}
	if (only_pool) {
		report_pool();
		printf("\npool result errors: %llu\n",
		       (unsigned long long)pool_errors);
		return pool_errors ? 1 : 0;
	}
	if (only_mechs) {
		report_mechs();
		printf("\nstream check errors: %llu\n",
		       (unsigned long long)stream_errors);
		return stream_errors ? 1 : 0;
	}
	/* As many messages as the streaming 1x1 cells run. */
	count_syscalls(quick ? 500 : 100000);
	if (only_uring) {
		report_uring();
		printf("\nstream check errors: %llu\n",
		       (unsigned long long)stream_errors);
		return stream_errors ? 1 : 0;
	}

	report();
	printf("\nstream check errors: %llu\n", (unsigned long long)stream_errors);
	printf("shared memory counter errors: %llu\n",
	       (unsigned long long)shm_errors);
	printf("pool result errors: %llu\n", (unsigned long long)pool_errors);
	return stream_errors || shm_errors || pool_errors ? 1 : 0;
}

