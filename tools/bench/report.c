// SPDX-License-Identifier: GPL-2.0
/*
 * The report: a header, one table per section, then the goals. Each table
 * is a description (heading lines, columns, a row function) printed by
 * print_table(); a row function prints the row's CSV lines ("csv,...",
 * every number) before the printer prints the row.
 */
#define _GNU_SOURCE
#include <sys/utsname.h>

#include "bench.h"

void header(void)
{
	struct utsname u;
	double load[3] = { 0 };
	char accel[64] = "unknown";
	FILE *f;

	uname(&u);
	getloadavg(load, 3);
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[256];

		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "flags", 5)) {
				strcpy(accel, strstr(line, " hypervisor") ?
				       "virtualized" : "bare metal");
				break;
			}
		fclose(f);
	}
	if (getenv("IPCQ_VM_ACCEL"))
		snprintf(accel, sizeof(accel), "%s", getenv("IPCQ_VM_ACCEL"));
	printf("# ipcq-bench: kernel %s %s, accel %s, %ld vCPUs, load %.2f %.2f %.2f\n",
	       u.release, u.machine, accel, sysconf(_SC_NPROCESSORS_ONLN),
	       load[0], load[1], load[2]);
	printf("# %d repetitions per cell, mechanisms interleaved; median (min-max)\n",
	       reps);
	measure_clock();
	printf("# clock: clocksource %s, %.0f ns per clock_gettime; each round-trip sample includes about one\n",
	       clocksource, clock_ns);
	printf("csv,kind,mechanism,size,parties,stat,median,min,max\n");
}


static int mech_index(const char *name)
{
	unsigned int mi;

	for (mi = 0; mi < NMECH; mi++)
		if (!strcmp(mechs[mi].name, name))
			return (int)mi;
	abort();
}

/* Medians over the repetitions, -1 if no repetition gave a number. */
static double med_of(const double *v)
{
	double med, lo, hi;

	stats(v, reps, &med, &lo, &hi);
	return med;
}

static double lat_p50(int mi, int s)
{
	double v[16];
	int r;

	for (r = 0; r < reps; r++)
		v[r] = lat[mi][s][r][P50];
	return med_of(v);
}

/* Syscalls per message, producer plus consumer, of each repetition. */
static void scalls_total(int mi, double v[16])
{
	int r;

	for (r = 0; r < reps; r++)
		v[r] = scalls[mi][0][r] < 0 || scalls[mi][1][r] < 0 ? -1 :
		       scalls[mi][0][r] + scalls[mi][1][r];
}

/* Why a cell whose counting ended with @err (errno, or <0) has no count. */
static const char *scalls_err_why(int err)
{
	static char why[128];

	if (sc_id < 0)
		return sc_why;
	if (err < 0)
		return "the run failed";
	snprintf(why, sizeof(why), "counter failed: %s", strerror(err));
	return why;
}

static const char *scalls_why(int mi)
{
	return scalls_err_why(scalls_err[mi]);
}

/* "median" of @v formatted with @fmt, or "n/a" when nothing was measured. */
static const char *ur_fmt(char *out, size_t n, const char *fmt,
			  const double *v, double *med)
{
	double lo, hi;

	stats(v, reps, med, &lo, &hi);
	if (*med < 0)
		snprintf(out, n, "n/a");
	else
		snprintf(out, n, fmt, *med);
	return out;
}

/*
 * A column: its heading, its width (negative: left-aligned) and, for a
 * number, its decimals; a text column has prec -1.
 */
struct col {
	const char *head;
	int width;
	int prec;
};

struct cell {
	char text[64];		/* a text column's */
	double num;		/* a number column's */
};

#define MAX_COLS 10

/*
 * A table: the title ("## ..."), notes under it ("# ..." lines, fixed
 * and then printed by notes_fn), its columns, how many rows, and the row
 * function. That fills row @i's cells and returns how many it filled
 * from the left: all, or fewer when the row has no numbers (its @tail
 * then says why); @tail, if set, ends the row's line either way.
 */
struct table {
	const char *title;
	const char *notes;
	void (*notes_fn)(void);
	int nrows;
	int (*row)(int i, struct cell *cells, char *tail, size_t n);
	struct col cols[MAX_COLS];
};

static int ncols(const struct table *t)
{
	int k = 0;

	while (k < MAX_COLS && t->cols[k].head)
		k++;
	return k;
}

static void print_table(const struct table *t)
{
	struct cell cells[MAX_COLS];
	char tail[256];
	int i, k, n, nc = ncols(t);

	printf("\n%s\n", t->title);
	if (t->notes)
		printf("%s", t->notes);
	if (t->notes_fn)
		t->notes_fn();
	for (k = 0; k < nc; k++)
		printf("%s%*s", k ? " " : "", t->cols[k].width, t->cols[k].head);
	printf("\n");
	for (i = 0; i < t->nrows; i++) {
		tail[0] = 0;
		n = t->row(i, cells, tail, sizeof(tail));
		for (k = 0; k < n; k++) {
			const struct col *c = &t->cols[k];

			if (k)
				putchar(' ');
			if (c->prec < 0)
				printf("%*s", c->width, cells[k].text);
			else
				printf("%*.*f", c->width, c->prec, cells[k].num);
		}
		printf("%s\n", tail);
	}
}

/* A "median (min-max)" cell with @prec decimals. */
static void range_cell(struct cell *c, int prec, double med, double lo,
		       double hi)
{
	snprintf(c->text, sizeof(c->text), "%.*f (%.*f-%.*f)", prec, med,
		 prec, lo, prec, hi);
}

/* Round trip: a row per size and mechanism, percentiles in us. */
static int lat_row(int i, struct cell *c, char *tail, size_t n)
{
	static const char *const stat_names[NLAT] = {
		"p50", "p90", "p99", "p99.9", "max"
	};
	int s = i / NMECH, mi = i % NMECH, r, k;
	double v[MAX_REPS], st[NLAT], base, lo, hi, l50 = 0, h50 = 0;

	for (r = 0; r < reps; r++)
		v[r] = lat[0][s][r][P50];
	stats(v, reps, &base, &lo, &hi);
	for (k = 0; k < NLAT; k++) {
		for (r = 0; r < reps; r++)
			v[r] = lat[mi][s][r][k];
		stats(v, reps, &st[k], &lo, &hi);
		if (k == P50) {
			l50 = lo;
			h50 = hi;
		}
		printf("csv,latency_us,%s,%zu,2,%s,%.3f,%.3f,%.3f\n",
		       mechs[mi].name, sizes[s], stat_names[k], st[k], lo, hi);
	}
	snprintf(c[0].text, sizeof(c[0].text), "%s", mechs[mi].name);
	snprintf(c[1].text, sizeof(c[1].text), "%zu", sizes[s]);
	if (st[P50] < 0)
		snprintf(c[2].text, sizeof(c[2].text), "n/a");
	else
		range_cell(&c[2], 1, st[P50], l50, h50);
	for (k = P90; k < NLAT; k++)
		c[2 + k].num = st[k];
	c[2 + NLAT].num = base > 0 && st[P50] > 0 ? st[P50] / base : -1;
	return 3 + NLAT;
}

/*
 * A streaming row's CSV line and first cells: mechanism @mi, @label (its
 * size or its PxC) and the msg/s median (min-max) of @v, or @na. Returns
 * the median.
 */
static double stream_cells(struct cell *c, int mi, const char *size,
			   const char *pxc, const char *label,
			   const double *v, const char *na)
{
	double med, lo, hi;

	stats(v, reps, &med, &lo, &hi);
	printf("csv,stream_msgs_per_s,%s,%s,%s,median,%.0f,%.0f,%.0f\n",
	       mechs[mi].name, size, pxc, med, lo, hi);
	snprintf(c[0].text, sizeof(c[0].text), "%s", mechs[mi].name);
	snprintf(c[1].text, sizeof(c[1].text), "%s", label);
	if (med < 0)
		snprintf(c[2].text, sizeof(c[2].text), "%s", na);
	else
		range_cell(&c[2], 0, med, lo, hi);
	return med;
}

/* Streaming 1x1 by size. */
static int size_row(int i, struct cell *c, char *tail, size_t n)
{
	int s = i / NMECH, mi = i % NMECH, r;
	double v[MAX_REPS], base, med, lo, hi;
	char size[24];

	for (r = 0; r < reps; r++)
		v[r] = tput_size[0][s][r];
	stats(v, reps, &base, &lo, &hi);
	for (r = 0; r < reps; r++)
		v[r] = tput_size[mi][s][r];
	snprintf(size, sizeof(size), "%zu", sizes[s]);
	med = stream_cells(c, mi, size, "1x1", size, v, "n/a");
	c[3].num = med * (double)sizes[s] / 1e6;
	c[4].num = base > 0 && med > 0 ? med / base : -1;
	return 5;
}

/* Streaming 64 B by producers x consumers, with context switches. */
static int parties_row(int i, struct cell *c, char *tail, size_t n)
{
	static const char *const pc[] = { "1x1", "2x2", "4x4" };
	int p = i / NMECH, mi = i % NMECH;
	double base, med, lo, hi;

	stats(tput[0][p], reps, &base, &lo, &hi);
	med = stream_cells(c, mi, "64", pc[p], pc[p], tput[mi][p],
			   "n/a (SPSC or stream)");
	c[3].num = base > 0 && med > 0 ? med / base : -1;
	stats(csw[mi][p], reps, &c[4].num, &lo, &hi);
	return 5;
}

static const char *const side[] = { "producer", "consumer" };

static void syscall_notes(void)
{
	printf("# counted: %s%s\n", sc_id < 0 ? "n/a, " : "", sc_why);
	if (sc_id >= 0)
		printf("# in extra runs of the cell: the tracepoint slows every syscall, so they give no msg/s\n");
}

/* Syscalls per message of each mechanism, 64 B 1x1. */
static int syscall_row(int mi, struct cell *c, char *tail, size_t n)
{
	double v[MAX_REPS], med, lo, hi;
	int r, k, missing = 0;

	snprintf(c[0].text, sizeof(c[0].text), "%s", mechs[mi].name);
	scalls_total(mi, v);
	for (r = 0; r < reps; r++)
		missing += v[r] < 0;
	stats(v, reps, &med, &lo, &hi);
	if (med < 0) {
		snprintf(tail, n, " n/a: %s", scalls_why(mi));
		return 1;
	}
	printf("csv,syscalls_per_msg,%s,64,1x1,total,%.5f,%.5f,%.5f\n",
	       mechs[mi].name, med, lo, hi);
	range_cell(&c[1], 4, med, lo, hi);
	for (k = 0; k < 2; k++) {
		stats(scalls[mi][k], reps, &c[2 + k].num, &lo, &hi);
		printf("csv,syscalls_per_msg,%s,64,1x1,%s,%.5f,%.5f,%.5f\n",
		       mechs[mi].name, side[k], c[2 + k].num, lo, hi);
	}
	if (missing)
		snprintf(tail, n, "  (%d of %d runs not counted: %s)", missing,
			 reps, scalls_why(mi));
	return 4;
}

/*
 * A table of one operation timed per mechanism, uncontended and with two
 * processes contending (ns): its names, times ([mechanism][rep]), the CSV
 * kind; ratios against the first mechanism.
 */
struct op_table {
	const char *const *names;
	double (*unc)[MAX_REPS], (*con)[MAX_REPS];
	const char *csv;
};

static const struct op_table sem_ops = { sem_names, sem_unc, sem_con,
					 "sem_ns" };
static const struct op_table shm_ops = { shm_names, shm_unc, shm_con,
					 "shm_lock_ns" };

static int op_row(const struct op_table *t, int k, struct cell *c,
		  char *tail, size_t n)
{
	double ub, cb, um, cm, lo, hi;

	stats(t->unc[0], reps, &ub, &lo, &hi);
	stats(t->con[0], reps, &cb, &lo, &hi);
	snprintf(c[0].text, sizeof(c[0].text), "%s", t->names[k]);
	stats(t->unc[k], reps, &um, &lo, &hi);
	range_cell(&c[1], 0, um, lo, hi);
	printf("csv,%s,%s,0,1,uncontended,%.1f,%.1f,%.1f\n", t->csv,
	       t->names[k], um, lo, hi);
	stats(t->con[k], reps, &cm, &lo, &hi);
	range_cell(&c[3], 0, cm, lo, hi);
	printf("csv,%s,%s,0,2,contended,%.1f,%.1f,%.1f\n", t->csv,
	       t->names[k], cm, lo, hi);
	c[2].num = um / ub;
	c[4].num = cm / cb;
	if (um < 0)
		snprintf(tail, n, "  (n/a: setup failed)");
	return 5;
}

/* Semaphores, uncontended and two processes contending. */
static int sem_row(int k, struct cell *c, char *tail, size_t n)
{
	return op_row(&sem_ops, k, c, tail, n);
}

/* Shared memory locks: acquire + increment + release, two ways. */
static int shm_row(int k, struct cell *c, char *tail, size_t n)
{
	return op_row(&shm_ops, k, c, tail, n);
}

static void uring_notes(void)
{
	if (uring_err)
		printf("# io_uring rows n/a: ipcdev_uring_probe(): %s\n",
		       strerror(-uring_err));
	printf("# 1x1: producer process -> consumer process, one queue (capacity 64), %d messages.\n",
	       ur_count(UR_1X1));
	printf("#   ipcq-queue: blocking ipcdev_queue_put/get (the streaming 1x1 cell, run again here to time\n");
	printf("#   each side); ipcq-uring: one ring per process, the producer submits %d puts per\n",
	       URING_BATCH);
	printf("#   io_uring_submit_and_wait and waits for them, the consumer keeps %d gets in flight and\n",
	       URING_BATCH);
	printf("#   re-arms each as it completes\n");
	if (!only_uring) {
		int queue = mech_index("ipcq-queue");
		double med, lo, hi;

		stats(tput[queue][0], reps, &med, &lo, &hi);
		printf("#   (the streaming table's ipcq-queue 1x1 cell of this run: %.0f msg/s)\n",
		       med);
	}
	printf("# 16q: one consumer thread serves %d queues (capacity 64 each), %d messages put round-robin by\n",
	       FANIN_QUEUES, ur_count(UR_FANIN));
	printf("#   one producer process with blocking ipcdev_queue_put (the same in both rows).\n");
	printf("#   poll+get_nowait: poll(2) on the %d fds, then ipcdev_queue_get_nowait on each ready queue\n",
	       FANIN_QUEUES);
	printf("#   until EAGAIN; ipcq-uring: one ring, one get parked per queue, re-armed as it completes\n");
	printf("# x/base: msg/s / msg/s of the blocking row of the same PxC (above 1: faster)\n");
	printf("# syscalls per message (total, producer, consumer loop): from the extra counted runs; CPU ns\n");
	printf("#   per message of each loop (CLOCK_PROCESS_CPUTIME_ID; one vCPU per side: the side needing\n");
	printf("#   more bounds msg/s). CSV kinds: uring_msgs_per_s, uring_syscalls_per_msg, uring_cpu_ns_per_msg\n");
}

/*
 * A cell of io_uring row @c: the median of @v as @fmt has it, or n/a;
 * with a median, its CSV line (@kind, @stat, @prec decimals).
 */
static void uring_cell(struct cell *cell, const char *fmt, const double *v,
		       int c, const char *kind, const char *stat, int prec)
{
	double med, lo, hi;

	ur_fmt(cell->text, sizeof(cell->text), fmt, v, &med);
	if (med < 0)
		return;
	stats(v, reps, &med, &lo, &hi);
	printf("csv,%s,%s,64,%s,%s,%.*f,%.*f,%.*f\n", kind, ur_rows[c].name,
	       ur_rows[c].cell, stat, prec, med, prec, lo, prec, hi);
}

/*
 * One row of the io_uring table, @c of ur_rows, with its CSV lines: msg/s
 * and its ratio to the blocking row above it (or itself), context
 * switches, syscalls and CPU time per message of the producer and
 * consumer loops.
 */
static int uring_row(int c, struct cell *cells, char *tail, size_t n)
{
	const char *name = ur_rows[c].name, *cell = ur_rows[c].cell;
	double med, lo, hi, base, v[MAX_REPS];
	int r, k, b = c;

	snprintf(cells[0].text, sizeof(cells[0].text), "%s", name);
	snprintf(cells[1].text, sizeof(cells[1].text), "%s", cell);
	if (uring_err && ur_rows[c].uring) {
		snprintf(tail, n, " n/a, skipped: ipcdev_uring_probe(): %s",
			 strerror(-uring_err));
		return 2;
	}
	while (ur_rows[b].uring)
		b--;
	stats(ur_tput[b], reps, &base, &lo, &hi);
	stats(ur_tput[c], reps, &med, &lo, &hi);
	printf("csv,uring_msgs_per_s,%s,64,%s,median,%.0f,%.0f,%.0f\n",
	       name, cell, med, lo, hi);
	if (med < 0)
		snprintf(cells[2].text, sizeof(cells[2].text), "n/a (run failed)");
	else
		range_cell(&cells[2], 0, med, lo, hi);
	cells[3].num = base > 0 && med > 0 ? med / base : -1;
	ur_fmt(cells[4].text, sizeof(cells[4].text), "%.2f", ur_csw[c], &med);
	for (r = 0; r < reps; r++)
		v[r] = ur_scalls[c][0][r] < 0 || ur_scalls[c][1][r] < 0 ? -1 :
		       ur_scalls[c][0][r] + ur_scalls[c][1][r];
	uring_cell(&cells[5], "%.4f", v, c, "uring_syscalls_per_msg", "total",
		   5);
	for (k = 0; k < 2; k++) {
		uring_cell(&cells[6 + k], "%.4f", ur_scalls[c][k], c,
			   "uring_syscalls_per_msg", side[k], 5);
		uring_cell(&cells[8 + k], "%.0f", ur_cpu[c][k], c,
			   "uring_cpu_ns_per_msg", side[k], 1);
	}
	if (!strcmp(cells[5].text, "n/a"))
		snprintf(tail, n, "  (syscalls n/a: %s)",
			 scalls_err_why(ur_scalls_err[c]));
	return 10;
}

static const struct table lat_table = {
	"## Round-trip latency, us (two processes, ping-pong)",
	"# last column: p50 / ipcq-queue p50 (below 1: faster than ipcq)\n",
	NULL, NSIZE * NMECH, lat_row,
	{ { "mechanism", -12, -1 }, { "size", 6, -1 },
	  { "p50 median (min-max)", 22, -1 }, { "p90", 8, 1 },
	  { "p99", 8, 1 }, { "p99.9", 8, 1 }, { "max", 8, 1 },
	  { "p50/ipcq", 8, 2 } },
};

static const struct table size_table = {
	"## Streaming 1 producer -> 1 consumer, messages/s (checked; timed from a common start, after fork and setup)",
	"# x/ipcq: throughput / ipcq-queue throughput (above 1: faster)\n",
	NULL, NSIZE * NMECH, size_row,
	{ { "mechanism", -12, -1 }, { "size", 6, -1 },
	  { "msg/s median (min-max)", 26, -1 }, { "MB/s", 10, 1 },
	  { "x/ipcq", 9, 2 } },
};

static const struct table parties_table = {
	"## Streaming 64 B, producers x consumers, messages/s; context switches per message",
	NULL, NULL, 3 * NMECH, parties_row,
	{ { "mechanism", -12, -1 }, { "PxC", 6, -1 },
	  { "msg/s median (min-max)", 26, -1 }, { "x/ipcq", 9, 2 },
	  { "csw/msg", 9, 2 } },
};

static const struct table syscall_table = {
	"## Syscalls per message, 64 B streaming 1x1 (producer and consumer loops)",
	NULL, syscall_notes, NMECH, syscall_row,
	{ { "mechanism", -12, -1 }, { "total median (min-max)", 28, -1 },
	  { "producer", 10, 4 }, { "consumer", 10, 4 } },
};

static const struct table sem_table = {
	"## Semaphores: ns per acquire+release",
	"# x/ipcq: time / ipcq-sem time (below 1: faster than ipcq)\n",
	NULL, NSEM, sem_row,
	{ { "mechanism", -16, -1 }, { "uncontended (min-max)", 24, -1 },
	  { "x/ipcq", 9, 2 }, { "2 procs contending", 24, -1 },
	  { "x/ipcq", 9, 2 } },
};

static const struct table shm_table = {
	"## Shared memory: ns per acquire + counter increment + release",
	"# the seed's counter: with counter.get_lock(): counter.value += 1, the counter in shared memory\n"
	"# ipcq-get_lock: a Value's bound RLock (Python's default); -Lock: a bound Lock; both shared\n"
	"#   (taken and released in memory when uncontended). ipcq-Lock-ioctl: a Lock not shared, an\n"
	"#   ioctl each way. pthread-robust: PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_ROBUST, in shared\n"
	"#   memory; posix-sem_t: sem_wait/sem_post; c11-atomic: atomic_fetch_add, no lock\n"
	"# x/ipcq: time / ipcq-get_lock time (below 1: faster than ipcq's get_lock)\n",
	NULL, NSHM, shm_row,
	{ { "mechanism", -20, -1 }, { "uncontended (min-max)", 24, -1 },
	  { "x/ipcq", 9, 2 }, { "2 procs contending", 24, -1 },
	  { "x/ipcq", 9, 2 } },
};

/*
 * A row of a value against the first row's (@v[0], the base): @label,
 * median (min-max), the ratio; a csv line @csv,@label,...; @na after a
 * row that has no number.
 */
static int base_row(const double (*v)[MAX_REPS], int k, const char *label,
		    const char *csv, const char *na, struct cell *c,
		    char *tail, size_t n)
{
	double base, m, lo, hi;

	stats(v[0], reps, &base, &lo, &hi);
	stats(v[k], reps, &m, &lo, &hi);
	snprintf(c[0].text, sizeof(c[0].text), "%s", label);
	range_cell(&c[1], 0, m, lo, hi);
	c[2].num = m / base;
	printf("csv,%s,%s,%.1f,%.1f,%.1f\n", csv, label, m, lo, hi);
	if (m < 0)
		snprintf(tail, n, "  (n/a: %s)", na);
	return 3;
}

/* fork() with live handles; ratios against fork() with none. */
static int fork_row(int k, struct cell *c, char *tail, size_t n)
{
	char label[16];

	snprintf(label, sizeof(label), "%d", fork_handles[k]);
	return base_row(fork_us, k, label, "fork_us",
			"handles or fork failed", c, tail, n);
}

static const struct table fork_table = {
	"## fork() with live libipcdev handles: us until the child runs",
	"# the fork handler re-owns every live handle in the child (one open per handle)\n"
	"# x/none: time / the time with no handle\n",
	NULL, NFORK, fork_row,
	{ { "live handles", 12, -1 }, { "us median (min-max)", 24, -1 },
	  { "x/none", 9, 2 } },
};

/* Pool: tasks/s and us per task, empty and 64 KiB; x/ipcq on tasks/s. */
static int pool_row(int k, struct cell *c, char *tail, size_t n)
{
	double m, lo, hi, base, b_lo, b_hi;
	int s, col = 1;

	snprintf(c[0].text, sizeof(c[0].text), "%s", pool_names[k]);
	for (s = 0; s < NPOOLSZ; s++) {
		stats(pool_tps[k][s], reps, &m, &lo, &hi);
		stats(pool_tps[POOL_IPCQ][s], reps, &base, &b_lo, &b_hi);
		range_cell(&c[col++], 0, m, lo, hi);
		c[col++].num = m > 0 ? 1e6 / m : -1;
		c[col++].num = base > 0 ? m / base : -1;
		printf("csv,pool_tps,%s,%zu,%.1f,%.1f,%.1f\n", pool_names[k],
		       pool_sizes[s], m, lo, hi);
	}
	return col;
}

static const struct table pool_table = {
	"## Pool: tasks/s through 4 workers, one task per message (map, chunksize 1)",
	"# the task returns its input's first word (checked); empty: 8-byte input; 64 KiB: a 64 KiB input\n"
	"# ipcq Pool.map: libipcdev's Pool (dispatcher thread, a pipe per worker, death handled)\n"
	"# pipe(2) pool: hand-written, a pipe(2) per worker written round-robin by a thread, one\n"
	"#   result pipe; no load balancing, no death handling\n"
	"# us/task: wall time per task with 4 workers (the per-task overhead for the empty task)\n"
	"# Python's multiprocessing.Pool: measured by python_bench.py in the same run when the\n"
	"#   guest has Python (make python: tools/vm/python-root), printed after this report\n",
	NULL, NPOOL, pool_row,
	{ { "pool", -16, -1 }, { "empty tasks/s (min-max)", 24, -1 },
	  { "us/task", 8, 1 }, { "x/ipcq", 7, 2 },
	  { "64 KiB tasks/s (min-max)", 24, -1 }, { "us/task", 8, 1 },
	  { "x/ipcq", 7, 2 } },
};

/* Typed gets against plain ones (row 0) on a queue of 100000 messages. */
static int typed_row(int k, struct cell *c, char *tail, size_t n)
{
	return base_row(typed_ns, k, typed_names[k], "typed_ns",
			"no IPCQ_FEATURE_QUEUE_SYSV, or failed", c, tail, n);
}

static const struct table typed_table = {
	"## Typed messages: ns per get + put back, queue of 100000 messages of 1000 types",
	"# a plain get takes the head; type == t cycles over the 1000 types; type <= max takes the lowest\n"
	"# x/plain: time / the plain get's time\n",
	NULL, NTYPED, typed_row,
	{ { "operation", -16, -1 }, { "ns median (min-max)", 24, -1 },
	  { "x/plain", 9, 2 } },
};

/* Batched streaming against pipe(2) (row 0). */
static int batch_row(int k, struct cell *c, char *tail, size_t n)
{
	return base_row(batch_tput, k, batch_names[k], "batch_msgs_per_s",
			"no IPCQ_FEATURE_BATCH, or failed", c, tail, n);
}

static const struct table batch_table = {
	"## Batches: 1x1 streaming, 64 B messages (checked), msg/s",
	"# ipcq-queue x32: ipcdev_queue_put_many/get_many, 32 messages per call, queue of 1024 (the\n"
	"#   64 KiB pipe(2) buffers); ipcq-queue: the single put/get (queue of 64, as in the tables\n"
	"#   above); pipe: pipe(2) write/read; x/pipe: msg/s / pipe(2)'s\n",
	NULL, NBATCH, batch_row,
	{ { "mechanism", -16, -1 }, { "msg/s median (min-max)", 24, -1 },
	  { "x/pipe", 9, 2 } },
};

/* The row whose size row @k's is judged against: its group's first. */
static int grow_base(int k)
{
	while (k > 0 && !strcmp(grow_rows[k - 1].key, grow_rows[k].key))
		k--;
	return k;
}

/* How cost grows: ns at each size; x/small against the group's first. */
static int growth_row(int k, struct cell *c, char *tail, size_t n)
{
	double base, m, lo, hi;

	stats(grow_ns[grow_base(k)], reps, &base, &lo, &hi);
	stats(grow_ns[k], reps, &m, &lo, &hi);
	snprintf(c[0].text, sizeof(c[0].text), "%s", grow_rows[k].op);
	snprintf(c[1].text, sizeof(c[1].text), "%ld %s", grow_n[k],
		 grow_rows[k].axis);
	printf("csv,growth_ns,%s,%ld,1,median,%.1f,%.1f,%.1f\n",
	       grow_rows[k].key, grow_n[k], m, lo, hi);
	if (m < 0) {
		snprintf(tail, n, " n/a: %s",
			 grow_why[k][0] ? grow_why[k] : "a check failed");
		return 2;
	}
	range_cell(&c[2], 0, m, lo, hi);
	c[3].num = base > 0 ? m / base : -1;
	return 4;
}

static const struct table growth_table = {
	"## How cost grows: ns per operation, small and large (ipcq queues, 64 B messages, checked)",
	"# put+get: a nonblocking put and a get, one process, on a queue without count limit holding\n"
	"#   that many messages (priorities: 1000 messages, at one priority or at 1000, each put\n"
	"#   below every queued priority, each get the highest); create+close: a queue, with that many\n"
	"#   others open; epoll_wait+get: per event, that many queues in the epoll set, one holding\n"
	"#   messages. Each repetition: the median of 15 equal blocks of its loop (a host stall\n"
	"#   costs one block). x/small: ns / the first row of its kind (goal: at most 2)\n",
	NULL, NGROW, growth_row,
	{ { "operation", -15, -1 }, { "with", -22, -1 },
	  { "ns median (min-max)", 24, -1 }, { "x/small", 8, 2 } },
};

static void mem_notes(void)
{
	printf("# read from %s\n", mem_source);
	printf("# idle: the change with 1000 more objects (queues, POSIX mq of the default attributes, pipes),\n");
	printf("#   / 1000; message: the change with 10000 more 64-byte messages in one queue (POSIX mq of\n");
	printf("#   10000 x 64 B; a pipe of 1 MiB), / 10000. x/ipcq: bytes / ipcq's (above 1: more than ipcq)\n");
}

/*
 * Two cells of a memory row: bytes of mechanism @k in @v (median,
 * min-max) and their ratio to ipcq's; the CSV line of @stat.
 */
static void mem_cells(struct cell *c, double (*v)[MAX_REPS], int k,
		      const char *stat)
{
	double m, lo, hi, base;

	stats(v[MEM_IPCQ], reps, &base, &lo, &hi);
	stats(v[k], reps, &m, &lo, &hi);
	printf("csv,kmem_bytes,%s,64,1,%s,%.1f,%.1f,%.1f\n", mem_names[k],
	       stat, m, lo, hi);
	if (m < 0)
		snprintf(c[0].text, sizeof(c[0].text), "n/a");
	else
		range_cell(&c[0], 0, m, lo, hi);
	c[1].num = base > 0 && m > 0 ? m / base : -1;
}

/* Kernel bytes per idle object and per queued message. */
static int mem_row(int k, struct cell *c, char *tail, size_t n)
{
	snprintf(c[0].text, sizeof(c[0].text), "%s", mem_names[k]);
	mem_cells(&c[1], mem_idle, k, "per_idle");
	mem_cells(&c[3], mem_msg, k, "per_msg");
	return 5;
}

static const struct table mem_table = {
	"## Kernel memory: bytes per idle object and per queued 64-byte message",
	NULL, mem_notes, NMEM, mem_row,
	{ { "mechanism", -12, -1 }, { "idle B (min-max)", 22, -1 },
	  { "x/ipcq", 7, 2 }, { "message B (min-max)", 22, -1 },
	  { "x/ipcq", 7, 2 } },
};

static const struct table uring_table = {
	"## io_uring: batched asynchronous put/get vs the blocking API, 64 B queue messages (checked)",
	NULL, uring_notes, NUR, uring_row,
	{ { "mechanism", -16, -1 }, { "PxC", 4, -1 },
	  { "msg/s median (min-max)", 24, -1 }, { "x/base", 7, 2 },
	  { "csw/msg", 7, -1 }, { "syscalls", 9, -1 }, { "sc prod", 9, -1 },
	  { "sc cons", 9, -1 }, { "cpu prod", 8, -1 }, { "cpu cons", 8, -1 } },
};

/* One goal line; @ok: 1 met, 0 missed, -1 not measured. */
static void goal(const char *what, const char *target, const char *measured,
		 int ok)
{
	printf("%s: goal: %s, measured: %s, %s\n", what, target, measured,
	       ok < 0 ? "not judged" : ok ? "met" : "missed");
}

/*
 * A goal on a ratio of two medians: @num / @den at least (@at_least) or
 * at most @limit; @unit names the medians' unit for the record.
 */
static void goal_ratio(const char *what, const char *target, double num,
		       double den, const char *unit, double limit,
		       int at_least)
{
	char m[128];
	double x = num / den;

	if (num <= 0 || den <= 0) {
		goal(what, target, "n/a (a mechanism gave no number)", -1);
		return;
	}
	/* Two decimals below 10 (ring round trips are about 1 us). */
	snprintf(m, sizeof(m), "%.2fx (%.*f vs %.*f %s)", x,
		 num < 10 ? 2 : num < 100 ? 1 : 0, num,
		 den < 10 ? 2 : den < 100 ? 1 : 0, den, unit);
	goal(what, target, m, at_least ? x >= limit : x <= limit);
	/*
	 * For the goal chart (tools/bench/plot): the ratio over its goal,
	 * turned so that 1 is the goal line and above it is met.
	 */
	printf("csv,goal,%s,0,1,%s,%.4f,%.4f,%.4f\n", what,
	       at_least ? "at_least" : "at_most",
	       at_least ? x / limit : limit / x, x, limit);
}

/*
 * The Lock fast path (issue 23 item 4): get_lock() uncontended within 2x
 * of the robust pthread mutex, and contended no worse than a lock on the
 * ioctls (the bound Lock against the Lock that is not shared).
 */
static void print_shm_goal(void)
{
	printf("# shared memory (get_lock: the bound lock, shared: IPCQ_FEATURE_LOCK_SHARED)\n");
	goal_ratio("get_lock uncontended vs robust pthread mutex",
		   "<= 2x the mutex's ns", med_of(shm_unc[SHM_RLOCK]),
		   med_of(shm_unc[SHM_PTHREAD]), "ns", 2, 0);
	goal_ratio("bound Lock contended (2 processes) vs Lock on the ioctls",
		   "no worse (ns ratio <= 1)", med_of(shm_con[SHM_LOCK]),
		   med_of(shm_con[SHM_IOCTL]), "ns", 1, 0);
}

/* The batches issue: 32 per call at least 3x pipe(2)'s msg/s. */
static void print_batch_goal(void)
{
	printf("# batches (IPCQ_FEATURE_BATCH)\n");
	goal_ratio("queue streaming 1x1 64 B, batches of 32, vs pipe",
		   ">= 3x pipe's msg/s", med_of(batch_tput[BATCH_X32]),
		   med_of(batch_tput[BATCH_PIPE]), "msg/s", 3, 1);
}

/* The typed messages issue: a get by type under 2x a plain get. */
static void print_typed_goal(void)
{
	printf("# typed messages (IPCQ_FEATURE_QUEUE_SYSV)\n");
	goal_ratio("get by type on 100000 messages of 1000 types vs plain get",
		   "under 2x a plain get (get+put ns ratio < 2)",
		   med_of(typed_ns[TYPED_EQ]), med_of(typed_ns[TYPED_PLAIN]),
		   "ns", 2, 0);
}

/* How cost grows: each large size within 2x of its small one. */
static void print_growth_goal(void)
{
	static const int big[] = { GR_DEPTH_1M, GR_PRIO_1K, GR_LIVE_10K,
				   GR_EPOLL_1K };
	char what[128];
	unsigned int i;
	int b;

	printf("# how cost grows (issue 23 item 6)\n");
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		b = grow_base(big[i]);
		snprintf(what, sizeof(what), "%s with %ld %s vs %ld",
			 grow_rows[big[i]].op, grow_n[big[i]],
			 grow_rows[big[i]].axis, grow_n[b]);
		goal_ratio(what, "flat within 2x (ns ratio <= 2)",
			   med_of(grow_ns[big[i]]), med_of(grow_ns[b]), "ns", 2,
			   0);
	}
	goal_ratio("kernel memory per idle queue vs POSIX mq",
		   "no more than POSIX mq's (ratio <= 1)",
		   med_of(mem_idle[MEM_IPCQ]), med_of(mem_idle[MEM_MQ]), "B", 1,
		   0);
	goal_ratio("kernel memory per queued 64 B message vs POSIX mq",
		   "no more than POSIX mq's (ratio <= 1)",
		   med_of(mem_msg[MEM_IPCQ]), med_of(mem_msg[MEM_MQ]), "B", 1,
		   0);
}

/*
 * Semaphores: the ioctl path's goals, and the shared semaphore's (issue 23
 * item 5: at least 20x SysV semop and within 1.5x of sem_t).
 */
static void print_sem_goal(void)
{
	printf("# semaphore, ioctl path (ipcq-sem)\n");
	goal_ratio("semaphore uncontended vs sem_t", "within 2x of sem_t",
		   med_of(sem_unc[SEM_IPCQ]), med_of(sem_unc[SEM_POSIX]), "ns",
		   2, 0);
	goal_ratio("semaphore uncontended vs SysV",
		   "20x faster (semop ns / ipcq ns >= 20)",
		   med_of(sem_unc[SEM_SYSV]), med_of(sem_unc[SEM_IPCQ]), "ns",
		   20, 1);
	goal_ratio("semaphore through wait-acquire vs its own acquire",
		   "within 2x (ipcq-wait-acquire / ipcq-sem ns <= 2)",
		   med_of(sem_unc[SEM_WAITACQ]), med_of(sem_unc[SEM_IPCQ]),
		   "ns", 2, 0);
	printf("# shared semaphore (IPCDEV_SEM_SHARED: value in a mapped page)\n");
	goal_ratio("shared semaphore uncontended vs sem_t",
		   "within 1.5x of sem_t", med_of(sem_unc[SEM_SHARED]),
		   med_of(sem_unc[SEM_POSIX]), "ns", 1.5, 0);
	goal_ratio("shared semaphore uncontended vs SysV",
		   "20x faster (semop ns / ipcq ns >= 20)",
		   med_of(sem_unc[SEM_SYSV]), med_of(sem_unc[SEM_SHARED]),
		   "ns", 20, 1);
}

/*
 * Issue 23's goals for the ioctl queue (item 1: 1x1 streaming at least
 * pipe(2)'s at every size, round trip no slower than pipe or POSIX mq,
 * 4x4 at least SysV msg's) and the ring (item 3: 1x1 at least 90% of the
 * spinning ring, ahead of both simple shared-memory designs, round trip
 * within 1.5x the spinning ring's, 4x4 at least the ioctl queue's and
 * 0.8x its own 1x1).
 */
static void print_queue_ring_goal(void)
{
	int ring = mech_index("ipcq-ring"), queue = mech_index("ipcq-queue");
	int pipe_ = mech_index("pipe"), mq = mech_index("posix-mq");
	int spin = mech_index("spin-ring"), sysv = mech_index("sysv-msg");
	int efd = mech_index("eventfd+shm"), ftx = mech_index("futex+shm");
	char what[128];
	int s;

	printf("# ioctl queue (issue 23 item 1)\n");
	for (s = 0; s < (int)NSIZE; s++) {
		snprintf(what, sizeof(what),
			 "queue streaming 1x1 %zu B vs pipe", sizes[s]);
		goal_ratio(what, ">= pipe's msg/s",
			   med_of(tput_size[queue][s]),
			   med_of(tput_size[pipe_][s]), "msg/s", 1, 1);
	}
	goal_ratio("queue round trip p50 vs POSIX mq, 64 B",
		   "no slower (ipcq p50 / posix-mq p50 <= 1)",
		   lat_p50(queue, S64), lat_p50(mq, S64), "us", 1, 0);
	goal_ratio("queue streaming 4x4 vs SysV msg",
		   ">= sysv-msg's msg/s", med_of(tput[queue][2]),
		   med_of(tput[sysv][2]), "msg/s", 1, 1);
	printf("# ring (issue 23 item 3)\n");
	goal_ratio("ring streaming 1x1 vs spin ring (the floor)",
		   ">= 0.9x spin-ring's msg/s", med_of(tput[ring][0]),
		   med_of(tput[spin][0]), "msg/s", 0.9, 1);
	goal_ratio("ring streaming 1x1 vs eventfd+shm", ">= eventfd+shm's msg/s",
		   med_of(tput[ring][0]), med_of(tput[efd][0]), "msg/s", 1, 1);
	goal_ratio("ring streaming 1x1 vs futex+shm", ">= futex+shm's msg/s",
		   med_of(tput[ring][0]), med_of(tput[ftx][0]), "msg/s", 1, 1);
	goal_ratio("ring round trip p50 vs spin ring (the floor)",
		   "within 1.5x spin-ring's p50", lat_p50(ring, S64),
		   lat_p50(spin, S64), "us", 1.5, 0);
	goal_ratio("ring streaming 4x4 vs queue 4x4",
		   ">= ipcq-queue's 4x4 msg/s", med_of(tput[ring][2]),
		   med_of(tput[queue][2]), "msg/s", 1, 1);
	goal_ratio("ring streaming 4x4 vs its own 1x1",
		   ">= 0.8x ipcq-ring's 1x1 msg/s", med_of(tput[ring][2]),
		   med_of(tput[ring][0]), "msg/s", 0.8, 1);
}

static void print_goals(void)
{
	int ring = mech_index("ipcq-ring"), queue = mech_index("ipcq-queue");
	int pipe_ = mech_index("pipe"), mq = mech_index("posix-mq");
	int spin = mech_index("spin-ring"), imq, s;
	double v[16], sc, pm, cm;
	char m[256], what[128];

	printf("\n## Goals of the benchmark issue, 64-byte messages, medians of this run\n");
	printf("# ring path (ipcq-ring)\n");
	goal_ratio("ring streaming 1x1 vs pipe", ">= 10x pipe's msg/s",
		   med_of(tput[ring][0]), med_of(tput[pipe_][0]), "msg/s", 10,
		   1);
	goal_ratio("ring streaming 1x1 vs POSIX mq", ">= 20x posix-mq's msg/s",
		   med_of(tput[ring][0]), med_of(tput[mq][0]), "msg/s", 20, 1);
	goal_ratio("ring round trip p50 vs spin ring",
		   "within 2x spin-ring's p50", lat_p50(ring, S64),
		   lat_p50(spin, S64), "us", 2, 0);
	/* Only an estimate, so a note and not the judged number. */
	if (lat_p50(ring, S64) > 0 && lat_p50(spin, S64) > clock_ns / 1000)
		printf("#   note: both p50s include about one clock_gettime (%.2f us here); without it roughly %.1f vs %.1f us, %.2fx (estimate, not judged)\n",
		       clock_ns / 1000, lat_p50(ring, S64) - clock_ns / 1000,
		       lat_p50(spin, S64) - clock_ns / 1000,
		       (lat_p50(ring, S64) - clock_ns / 1000) /
		       (lat_p50(spin, S64) - clock_ns / 1000));
	scalls_total(ring, v);
	sc = med_of(v);
	pm = med_of(scalls[ring][0]);
	cm = med_of(scalls[ring][1]);
	if (sc < 0) {
		snprintf(m, sizeof(m), "n/a (%s)", scalls_why(ring));
		goal("ring syscalls per message, 1x1", "<= 0.01", m, -1);
	} else {
		snprintf(m, sizeof(m), "%.4f (producer %.4f, consumer %.4f)",
			 sc, pm, cm);
		goal("ring syscalls per message, 1x1", "<= 0.01", m,
		     sc <= 0.01);
	}
	printf("# libipcdev-mq (POSIX mq calls on ipcq) vs POSIX mq (the kernel's), every row\n");
	imq = mech_index("libipcdev-mq");
	for (s = 0; s < (int)NSIZE; s++) {
		snprintf(what, sizeof(what),
			 "libipcdev-mq round trip p50 %zu B vs POSIX mq",
			 sizes[s]);
		goal_ratio(what,
			   "no slower (posix-mq p50 / libipcdev-mq p50 >= 1)",
			   lat_p50(mq, s), lat_p50(imq, s), "us", 1, 1);
	}
	for (s = 0; s < (int)NSIZE; s++) {
		snprintf(what, sizeof(what),
			 "libipcdev-mq streaming 1x1 %zu B vs POSIX mq",
			 sizes[s]);
		goal_ratio(what, "faster (libipcdev-mq / posix-mq msg/s > 1)",
			   med_of(tput_size[imq][s]), med_of(tput_size[mq][s]),
			   "msg/s", 1, 1);
	}
	goal_ratio("libipcdev-mq streaming 4x4 vs POSIX mq",
		   "faster (libipcdev-mq / posix-mq msg/s > 1)",
		   med_of(tput[imq][2]), med_of(tput[mq][2]), "msg/s", 1, 1);
	printf("# ioctl path (ipcq-queue)\n");
	goal_ratio("queue round trip p50 vs pipe", "no slower than pipe (<= 1x)",
		   lat_p50(queue, S64), lat_p50(pipe_, S64), "us", 1, 0);
	goal_ratio("queue round trip p50 vs POSIX mq",
		   "1.3x faster (posix-mq p50 / ipcq p50 >= 1.3)",
		   lat_p50(mq, S64), lat_p50(queue, S64), "us", 1.3, 1);
	print_queue_ring_goal();
	print_sem_goal();
	print_shm_goal();
	print_typed_goal();
	print_batch_goal();
	print_growth_goal();
}

void report(void)
{
	print_table(&lat_table);
	print_table(&size_table);
	print_table(&parties_table);
	print_table(&syscall_table);
	print_table(&sem_table);
	print_table(&shm_table);
	print_table(&fork_table);
	print_table(&pool_table);
	print_table(&typed_table);
	print_table(&batch_table);
	print_table(&growth_table);
	print_table(&mem_table);
	print_table(&uring_table);
	print_goals();
}

void report_uring(void)
{
	print_table(&uring_table);
}

void report_shm(void)
{
	print_table(&shm_table);
	printf("\n");
	print_shm_goal();
}

void report_typed(void)
{
	print_table(&typed_table);
	printf("\n");
	print_typed_goal();
}

void report_mechs(void)
{
	print_table(&lat_table);
	print_table(&size_table);
	print_table(&parties_table);
	printf("\n");
	print_queue_ring_goal();
}

void report_sem(void)
{
	print_table(&sem_table);
	printf("\n");
	print_sem_goal();
}

void report_pool(void)
{
	print_table(&pool_table);
}

void report_batch(void)
{
	print_table(&batch_table);
	printf("\n");
	print_batch_goal();
}

void report_growth(void)
{
	print_table(&growth_table);
	print_table(&mem_table);
	printf("\n");
	print_growth_goal();
}
