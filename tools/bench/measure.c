// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement: the clock and what it costs, medians over repetitions,
 * context switches, and the harnesses: round trip (ping-pong between two
 * processes, percentiles) and streaming (producers x consumers, every
 * message checked, messages/s), which every mechanism runs in, and one
 * operation timed alone or in two processes at once (semaphores, shared
 * memory locks).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "bench.h"

const size_t sizes[] = { 8, 64, 1024, 16384, 65536 };
_Static_assert(sizeof(sizes) / sizeof(sizes[0]) == NSIZE,
	       "NSIZE counts sizes[]");

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(p, 0, size);
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

long csw_children(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}


/* Median, min and max of n values. */
void stats(const double *v, int n, double *med, double *lo, double *hi)
{
	double tmp[16];
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (v[i] >= 0)
			tmp[m++] = v[i];
	if (!m) {
		*med = *lo = *hi = -1;
		return;
	}
	qsort(tmp, (size_t)m, sizeof(double), cmp_dbl);
	*med = m % 2 ? tmp[m / 2] : (tmp[m / 2 - 1] + tmp[m / 2]) / 2;
	*lo = tmp[0];
	*hi = tmp[m - 1];
}

/*
 * What one now_ns() costs. Every round-trip sample includes about one
 * call, which matters next to the shared-memory rows: a guest whose TSC
 * is unusable (TCG) reads an hpet or acpi_pm clocksource, which the vDSO
 * cannot, so each call is a syscall and an emulated device read.
 */
double clock_ns;
char clocksource[32] = "unknown";

void measure_clock(void)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			"r");
	uint64_t t0;
	int i;

	if (f) {
		if (fscanf(f, "%31s", clocksource) != 1)
			strcpy(clocksource, "unknown");
		fclose(f);
	}
	t0 = now_ns();
	for (i = 0; i < 1000; i++)
		now_ns();
	clock_ns = (double)(now_ns() - t0) / 1001;
}


/* Ping-pong: returns 0 and fills out[] with percentiles in us. */
int round_trip(const struct mech *m, size_t size, int iters,
		      double out[NLAT])
{
	static unsigned char buf[MAX_MSG], back[MAX_MSG];
	uint64_t *t = malloc(sizeof(*t) * (size_t)iters);
	struct link l;
	int i, status, bad = 0;
	pid_t pid;

	memset(&l, 0, sizeof(l));
	l.fd[0] = l.fd[1] = l.fd[2] = l.fd[3] = -1;
	l.size = size;
	if (!t || m->setup(&l))
		return -1;
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < iters + 10; i++) {
			if (m->recv(&l, 0, back, size) != (ssize_t)size)
				_exit(1);
			if (m->send(&l, 1, back, size))
				_exit(2);
		}
		_exit(0);
	}
	msg_fill(buf, size, 0, 0);
	for (i = -10; i < iters; i++) {
		uint64_t t0 = now_ns();

		if (m->send(&l, 0, buf, size) ||
		    m->recv(&l, 1, back, size) != (ssize_t)size) {
			bad = 1;
			break;
		}
		if (i >= 0)
			t[i] = now_ns() - t0;
		if (i == 0 && !msg_ok(back, size))
			bad = 1;
	}
	waitpid(pid, &status, 0);
	m->teardown(&l);
	if (bad || !WIFEXITED(status) || WEXITSTATUS(status)) {
		free(t);
		return -1;
	}
	qsort(t, (size_t)iters, sizeof(*t), cmp_u64);
	out[P50] = t[iters / 2] / 1000.0;
	out[P90] = t[(size_t)iters * 90 / 100] / 1000.0;
	out[P99] = t[(size_t)iters * 99 / 100] / 1000.0;
	out[P999] = t[(size_t)iters * 999 / 1000] / 1000.0;
	out[MAX] = t[iters - 1] / 1000.0;
	free(t);
	return 0;
}

/*
 * Streaming: @np producers each send @count messages to @nc consumers.
 * Consumers check every message and count; returns messages/s, or -1.
 * With @sc, every producer and consumer counts its syscalls (sc_open).
 * The time is from a common start, once every process is forked and has
 * its end of the channel, to the last one's finish: neither fork(), nor
 * a channel's setup, nor exit() is counted (they took most of the time
 * of the fastest mechanisms' runs, and of every 4x4 run, when they were).
 */
#define DUMMY_PRODUCER 0xffffu

/* Raises *@end to now if later: the last process's finish. */
void time_finished(_Atomic uint64_t *end)
{
	uint64_t t = now_ns(), old = atomic_load(end);

	while (old < t && !atomic_compare_exchange_weak(end, &old, t))
		;
}

/* ns from @t0 to the last finish time_finished() recorded (at least 1). */
uint64_t time_to_finish(uint64_t t0, _Atomic uint64_t *end)
{
	uint64_t t = atomic_load(end);

	return t > t0 ? t - t0 : 1;
}

int gate_init(struct start_gate *g)
{
	if (pipe(g->ready))
		return -1;
	if (pipe(g->go)) {
		close(g->ready[0]);
		close(g->ready[1]);
		return -1;
	}
	return 0;
}

/* Closes a gate no child will wait at (a run that failed to start). */
void gate_close(struct start_gate *g)
{
	close(g->ready[0]);
	close(g->ready[1]);
	close(g->go[0]);
	close(g->go[1]);
}

/* In a forked child, once it is ready: 0 when the parent says go. */
int gate_wait(struct start_gate *g)
{
	char token = 0;
	int ret = 0;

	close(g->ready[0]);
	close(g->go[1]);
	if (write(g->ready[1], &token, 1) != 1 || read(g->go[0], &token, 1) != 1)
		ret = -1;
	close(g->ready[1]);
	close(g->go[0]);
	return ret;
}

/*
 * In the parent, after forking @n children that gate_wait(): waits until
 * all are ready (a child that died before closed its end: *@fail set),
 * then starts them; returns the start time.
 */
uint64_t gate_open(struct start_gate *g, int n, int *fail)
{
	char token = 0;
	uint64_t t0;
	int i;

	close(g->ready[1]);
	close(g->go[0]);
	for (i = 0; i < n; i++)
		if (read(g->ready[0], &token, 1) != 1)
			*fail = 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(g->go[1], &token, 1) != 1)
			*fail = 1;
	close(g->ready[0]);
	close(g->go[1]);
	return t0;
}

double stream(const struct mech *m, size_t size, int np, int nc,
		     int count, double *csw_per_msg, struct syscount *sc)
{
	_Atomic uint64_t *got = shared_alloc(4096);
	_Atomic uint64_t *errors = got + 1;
	/* Per producer: messages received and the sum of their sequences. */
	_Atomic uint64_t *per_count = got + 2;
	_Atomic uint64_t *per_sum = per_count + MAX_PARTIES;
	/* Syscalls of all producers, of all consumers; the first errno. */
	_Atomic uint64_t *sc_sum = per_sum + MAX_PARTIES;
	_Atomic uint64_t *sc_err = sc_sum + 2;
	_Atomic uint64_t *t_end = sc_err + 1;
	static unsigned char buf[MAX_MSG];
	struct start_gate gate;
	pid_t pids[2 * MAX_PARTIES];
	long csw0 = csw_children();
	uint64_t t0, total = (uint64_t)np * count;
	struct link l;
	int i, k, status, fail = 0;

	memset(&l, 0, sizeof(l));
	l.fd[0] = l.fd[1] = l.fd[2] = l.fd[3] = -1;
	l.size = size;
	if (gate_init(&gate)) {
		munmap(got, 4096);
		return -1;
	}
	if (m->setup(&l)) {
		munmap(got, 4096);
		gate_close(&gate);
		return -1;
	}
	for (i = 0; i < np + nc; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int producer = i < np, scfd = -1;

			m->close_end(&l, 0, producer);
			if (gate_wait(&gate))
				_exit(1);
			if (sc)
				scfd = sc_open();
			if (producer) {
				for (k = 0; k < count; k++) {
					msg_fill(buf, size, (uint32_t)k,
						 (uint32_t)i);
					if (m->send(&l, 0, buf, size))
						_exit(1);
				}
				time_finished(t_end);
				if (sc)
					sc_add(sc_close(scfd), &sc_sum[0], sc_err);
				_exit(0);
			}
			/* Consumers stop at a shared total: not every
			 * mechanism reports end-of-file.
			 */
			for (;;) {
				ssize_t n;

				if (atomic_load(got) >= total)
					break;
				n = m->recv(&l, 0, buf, size);
				if (n <= 0)
					break;
				if (n != (ssize_t)size || !msg_ok(buf, (size_t)n))
					atomic_fetch_add(errors, 1);
				if (size >= HDR) {
					uint32_t h[2];

					memcpy(h, buf, sizeof(h));
					if (h[1] == DUMMY_PRODUCER)
						continue;
					if (h[1] < MAX_PARTIES) {
						atomic_fetch_add(&per_count[h[1]], 1);
						atomic_fetch_add(&per_sum[h[1]], h[0]);
					} else {
						atomic_fetch_add(errors, 1);
					}
				}
				if (atomic_fetch_add(got, 1) + 1 >= total) {
					/* Unblock the other consumers. */
					msg_fill(buf, size, 0, DUMMY_PRODUCER);
					for (k = 0; k < nc - 1; k++)
						m->send(&l, 0, buf, size);
					break;
				}
			}
			time_finished(t_end);
			if (sc)
				sc_add(sc_close(scfd), &sc_sum[1], sc_err);
			_exit(0);
		}
	}
	t0 = gate_open(&gate, np + nc, &fail);
	/* With no endpoint left here, ipcq consumers see end-of-file. */
	if (m->parent_done)
		m->parent_done(&l);
	for (i = 0; i < np + nc; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail = 1;
	}
	t0 = time_to_finish(t0, t_end);
	m->teardown(&l);
	/* Nothing lost or duplicated: every sequence 0..count-1, once. */
	if (size >= HDR && !fail)
		for (i = 0; i < np; i++)
			if (atomic_load(&per_count[i]) != (uint64_t)count ||
			    atomic_load(&per_sum[i]) !=
			    (uint64_t)count * (uint64_t)(count - 1) / 2)
				atomic_fetch_add(errors, 1);
	stream_errors += atomic_load(errors);
	if (fail || atomic_load(got) < total) {
		munmap(got, 4096);
		return -1;
	}
	*csw_per_msg = (double)(csw_children() - csw0) / (double)total;
	if (sc) {
		sc->err = (int)atomic_load(sc_err);
		sc->producer = (double)atomic_load(&sc_sum[0]) / (double)total;
		sc->consumer = (double)atomic_load(&sc_sum[1]) / (double)total;
	}
	munmap(got, 4096);
	return (double)total * 1e9 / (double)t0;
}


/*
 * ns per @op(@arg, @kind): one process alone, or @procs (at most 2)
 * processes at once, each timing itself after a common start (fork not
 * counted); with several, the pairs all did over the time the slowest
 * took.
 */
double op_bench(void (*op)(void *arg, int kind), void *arg, int kind,
		int procs, int iters)
{
	struct { _Atomic int ready; _Atomic int go; uint64_t ns[2]; } *sh;
	uint64_t t0, worst = 0;
	pid_t pids[2];
	int i, k, status;

	if (procs == 1) {
		t0 = now_ns();
		for (k = 0; k < iters; k++)
			op(arg, kind);
		return (double)(now_ns() - t0) / iters;
	}
	sh = shared_alloc(4096);
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			atomic_fetch_add(&sh->ready, 1);
			while (!atomic_load(&sh->go))
				;
			t0 = now_ns();
			for (k = 0; k < iters; k++)
				op(arg, kind);
			sh->ns[i] = now_ns() - t0;
			_exit(0);
		}
	}
	while (atomic_load(&sh->ready) < procs)
		;
	atomic_store(&sh->go, 1);
	for (i = 0; i < procs; i++) {
		waitpid(pids[i], &status, 0);
		if (sh->ns[i] > worst)
			worst = sh->ns[i];
	}
	munmap(sh, 4096);
	return (double)worst / ((double)iters * procs);
}
