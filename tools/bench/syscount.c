// SPDX-License-Identifier: GPL-2.0
/*
 * Syscalls per message: perf counters on the tracepoint
 * raw_syscalls:sys_enter around each producer's and consumer's loop, in
 * runs of their own after the timed ones.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "bench.h"

/*
 * Syscall counting: a perf counter on the tracepoint raw_syscalls:sys_enter,
 * opened by each producer and consumer on itself just before its loop and
 * read just after it, so fork, setup and exit are not counted. Counting
 * needs no sampling, so root or perf_event_paranoid is not in the way, but
 * the tracepoint must exist: when it does not, the report says why instead
 * of giving a number.
 *
 * The first counter turns static keys on (the tracepoint's, perf's
 * context-switch hooks) and the last one off, each time by patching kernel
 * text, and QEMU's TCG was seen to wedge a guest for good when a vCPU ran
 * through the code being patched: it kept executing a stale int3. So a
 * keeper counter on the parent holds the keys on while the children open
 * and close theirs, and both switches happen while nothing else runs.
 */
int sc_id = -1;
char sc_why[160] = "not tried";

static int sc_read_id(const char *path)
{
	FILE *f = fopen(path, "r");
	int id;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &id) != 1 || id < 0)
		id = -EINVAL;
	fclose(f);
	return id;
}

int sc_open(void)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = (uint64_t)sc_id;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1,
			  PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The count so far, including the read(2) that asks, or -errno. */
static int64_t sc_read(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));

	if (n != (ssize_t)sizeof(v))
		return n < 0 ? -errno : -EIO;
	return (int64_t)v;
}

/*
 * Syscalls since sc_open(), without the read(2) that asks: its own entry
 * is counted before it can answer. -errno if the counter failed.
 */
int64_t sc_close(int fd)
{
	int64_t n;

	if (fd < 0)
		return fd;
	n = sc_read(fd);
	close(fd);
	return n < 0 ? n : n - 1;
}

/* Finds the tracepoint; opens nothing yet (see above). */
void sc_init(void)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
		"/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
	};
	int id = -ENOENT, i;

	for (i = 0; i < 2 && id < 0; i++)
		id = sc_read_id(paths[i]);
	/* A guest may have no tracefs mounted yet: mount it and look again. */
	if (id < 0 && mount("tracefs", "/sys/kernel/tracing", "tracefs", 0,
			    NULL) == 0)
		id = sc_read_id(paths[0]);
	if (id < 0) {
		snprintf(sc_why, sizeof(sc_why),
			 "no tracepoint raw_syscalls:sys_enter (%s: %s)",
			 paths[0], strerror(-id));
		return;
	}
	sc_id = id;
	snprintf(sc_why, sizeof(sc_why),
		 "perf counter on tracepoint raw_syscalls:sys_enter (id %d)",
		 sc_id);
}

/*
 * Opens the keeper counter and checks it against a known number of
 * syscalls: the fd, or -1 with sc_id -1 and sc_why saying why.
 */
static int sc_keeper_open(void)
{
	int64_t before, after;
	int fd = sc_open(), i;

	if (fd < 0) {
		snprintf(sc_why, sizeof(sc_why), "perf_event_open: %s",
			 strerror(-fd));
		sc_id = -1;
		return -1;
	}
	before = sc_read(fd);
	for (i = 0; i < 100; i++)
		syscall(SYS_getppid);
	after = sc_read(fd);
	/* 100 getppid and the second read. */
	if (before < 0 || after < 0 || after - before != 101) {
		snprintf(sc_why, sizeof(sc_why),
			 "self-test counted %lld syscalls for 101",
			 (long long)(after - before));
		sc_id = -1;
		close(fd);
		return -1;
	}
	strncat(sc_why, ", self-test 101/101",
		sizeof(sc_why) - strlen(sc_why) - 1);
	return fd;
}

/* Adds a child's count (or its error) to the run's, in shared memory. */
void sc_add(int64_t n, _Atomic uint64_t *sum, _Atomic uint64_t *err)
{
	uint64_t none = 0;

	if (n < 0)
		atomic_compare_exchange_strong(err, &none, (uint64_t)-n);
	else
		atomic_fetch_add(sum, (uint64_t)n);
}


/*
 * Syscalls per message, 64 B 1x1, every mechanism, REPS times, in runs of
 * their own after all timed ones: while a syscall tracepoint is in use,
 * every syscall of every process takes the slow path, a tax on exactly
 * the mechanisms the ring is compared with.
 */
void count_syscalls(int count)
{
	unsigned int mi;
	int keeper, r, cell;

	for (mi = 0; mi < NMECH; mi++)
		for (r = 0; r < reps; r++)
			scalls[mi][0][r] = scalls[mi][1][r] = -1;
	for (cell = 0; cell < NUR; cell++)
		for (r = 0; r < reps; r++)
			ur_scalls[cell][0][r] = ur_scalls[cell][1][r] = -1;
	if (sc_id < 0)
		return;
	keeper = sc_keeper_open();
	if (keeper < 0)
		return;
	for (r = 0; r < reps; r++) {
		for (cell = 0; cell < NUR; cell++) {
			struct syscount sc = { 0 };
			double cs, cpu[2];

			if (uring_err && ur_rows[cell].uring)
				continue;
			if (ur_cell(cell, ur_count(cell), &cs, cpu, &sc) < 0 &&
			    !sc.err)
				sc.err = -1;
			if (sc.err) {
				ur_scalls_err[cell] = sc.err;
				continue;
			}
			ur_scalls[cell][0][r] = sc.producer;
			ur_scalls[cell][1][r] = sc.consumer;
		}
		for (mi = 0; mi < NMECH; mi++) {
			struct syscount sc = { 0 };
			double c;

			if (only_uring)
				break;
			/* err -1: the run itself failed. */
			if (stream(&mechs[mi], 64, 1, 1, count, &c, &sc) < 0 &&
			    !sc.err)
				sc.err = -1;
			if (sc.err) {
				scalls_err[mi] = sc.err;
				continue;
			}
			scalls[mi][0][r] = sc.producer;
			scalls[mi][1][r] = sc.consumer;
		}
	}
	close(keeper);
	/* perf turns its context-switch hooks off a second later: idle. */
	sleep(2);
	fprintf(stderr, "# syscall counts done\n");
}

