// SPDX-License-Identifier: GPL-2.0
/*
 * ipcq-soak: a bounded soak of the ipcq module under memory pressure and
 * SIGKILL, run as root in the test VM (make soak; a short run in make
 * check-debug through tests/soak_test.sh).
 *
 *   ipcq-soak [-t SECONDS] [-w CHURNERS] [-s SEED]
 *
 * The parent makes a memory cgroup (/sys/fs/cgroup/ipcq-soak) and the
 * streams (soak.h), then forks into the cgroup a consumer and two
 * producers per stream and CHURNERS (default 4) churners (soak_work.c).
 * Until the time is up it SIGKILLs a random producer or churner every
 * 50-350 ms and starts another in its place, and moves memory.max through
 * limit_pct (one step every PHASE_SECONDS): the limit is hit again and
 * again, so allocations inside the module fail with ENOMEM (they carry
 * __GFP_RETRY_MAYFAIL: no OOM killer) and the workers' own page faults
 * bring the OOM killer (consumers are exempt, see soak_work.c).
 *
 * Then it stops everything and checks, each failure a violation:
 * - every producer incarnation: delivered seq = acknowledged seq, or one
 *   more (the put SIGKILL interrupted may have landed); never fewer (an
 *   acknowledged put lost), never a duplicate or a reordering (the
 *   consumers check as they go), every message intact;
 * - the JoinableQueue's join returns at once (task counter exact), the
 *   streams are empty;
 * - no object left: the debugfs object list (every object, anonymous
 *   ones too) holds exactly the objects it held before, and IPCQ_IOC_LIST
 *   no name of the soak's (named objects a killed worker left are
 *   unlinked first, as their owner would);
 * - the cgroup's memory.current, with the per-CPU charge caches drained,
 *   is back to at most MEMCG_SLACK bytes (it starts at 0): what stays
 *   charged is RCU-deferred frees and reclaimable caches, never objects;
 * - the kmalloc-cg-* slab caches (where GFP_KERNEL_ACCOUNT memory goes;
 *   the module has no caches of its own), shrunk, hold at most SLAB_SLACK
 *   bytes more than before;
 * - no call failed with an errno other than ENOMEM or one its use allows.
 * A kernel splat or a kmemleak report fails the VM run (tools/vm/run).
 * Prints a summary; exits 1 on any violation.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

#define CGROUP		"/sys/fs/cgroup/ipcq-soak"
#define DEBUGFS		"/sys/kernel/debug/ipcq/objects"
#define PHASE_SECONDS	5
#define MEMCG_SLACK	(64UL << 10)
#define SLAB_SLACK	(64UL << 10)
#define MAX_CHURNERS	32
#define MAX_OBJECTS	65536

/*
 * memory.max, one after another, round and round: a share of the most
 * the workers used in the phases without a limit (0: "max"), so the limit
 * bites whatever the kernel's own footprint per process (a debug kernel's
 * is several times a production one's).
 */
static const int limit_pct[] = { 0, 80, 60, 45, 60, 80 };

struct soak_shared *soak;
struct soak_streams soak_st;

enum role { PRODUCER, CONSUMER, CHURNER };

struct child {
	pid_t pid;
	enum role role;
	int stream;
	int killed;			/* SIGKILL sent by the parent */
};

static struct child kids[S_NSTREAMS * (SOAK_PRODUCERS + 1) + MAX_CHURNERS];
static int nkids;
static uint32_t next_inc = 1;
static unsigned int seed;
static unsigned long kills, oom_kills, respawns, limit_changes;

void soak_problem(int violation, const char *fmt, ...)
{
	char msg[sizeof(soak->first_problem)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (__atomic_fetch_add(violation ? &soak->violations :
			       &soak->unexpected, 1, __ATOMIC_RELAXED) < 5)
		fprintf(stderr, "soak: %s: %s\n",
			violation ? "VIOLATION" : "unexpected error", msg);
	if (!soak->first_problem[0])
		memcpy(soak->first_problem, msg, sizeof(msg));
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

static long long read_ll(const char *path, const char *key)
{
	char line[256];
	long long v = -1;
	size_t kl = key ? strlen(key) : 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!key) {
			v = strtoll(line, NULL, 10);
			break;
		} else if (!strncmp(line, key, kl) && line[kl] == ' ') {
			v = strtoll(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

void soak_join_cgroup(const char *procs, int oom_score_adj)
{
	char adj[16];

	snprintf(adj, sizeof(adj), "%d", oom_score_adj);
	if (write_file("/proc/self/oom_score_adj", adj) ||
	    write_file(procs, "0")) {
		soak_problem(0, "cannot join the cgroup");
		_exit(1);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spawn(struct child *c)
{
	unsigned int s = rand_r(&seed);
	uint32_t inc = 0;
	pid_t pid;

	if (c->role == PRODUCER) {
		if (next_inc >= SOAK_MAX_INC) {
			c->pid = 0;
			return;
		}
		inc = next_inc++;
		soak->inc_stream[inc] = c->stream + 1;
	}
	pid = fork();
	if (pid < 0) {
		soak_problem(0, "fork: %s", strerror(errno));
		c->pid = 0;
		return;
	}
	if (pid == 0) {
		setpriority(PRIO_PROCESS, 0, 0);
		soak_join_cgroup(CGROUP "/cgroup.procs",
				 c->role == CONSUMER ? -1000 : 0);
		if (c->role == PRODUCER)
			soak_producer(c->stream, inc, s);
		else if (c->role == CONSUMER)
			soak_consumer(c->stream, s);
		soak_churner(s);
	}
	c->pid = pid;
	c->killed = 0;
}

/* Collects dead children; respawns them until the end. */
static void reap(int respawn)
{
	int st, i;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < nkids && kids[i].pid != pid; i++)
			;
		if (i == nkids)
			continue;
		kids[i].pid = 0;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			if (!kids[i].killed)
				oom_kills++;
			if (kids[i].role == CONSUMER)
				soak_problem(1, "%s consumer killed",
					     soak_stream_name[kids[i].stream]);
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) ||
			   (respawn && kids[i].role != CONSUMER)) {
			soak_problem(0, "worker %d ended: status %#x", pid, st);
		}
		if (respawn) {
			respawns++;
			spawn(&kids[i]);
		}
	}
}

static void kill_random(void)
{
	int i, tries;

	for (tries = 0; tries < 8; tries++) {
		i = rand_r(&seed) % nkids;
		if (kids[i].role != CONSUMER && kids[i].pid > 0 &&
		    !kids[i].killed) {
			kids[i].killed = 1;
			kill(kids[i].pid, SIGKILL);
			kills++;
			return;
		}
	}
}

/* Waits for every child of the roles in mask to end, killing at limit. */
static void wait_role(unsigned int mask, double limit)
{
	double end = now() + limit;
	int i, left;

	do {
		reap(0);
		left = 0;
		for (i = 0; i < nkids; i++)
			if (kids[i].pid > 0 && (mask & (1U << kids[i].role)))
				left++;
		if (left)
			usleep(20000);
	} while (left && now() < end);
	for (i = 0; i < nkids; i++)
		if (kids[i].pid > 0 && (mask & (1U << kids[i].role))) {
			soak_problem(1, "worker %d did not finish",
				     kids[i].pid);
			kids[i].killed = 1;
			kill(kids[i].pid, SIGKILL);
			waitpid(kids[i].pid, NULL, 0);
			kids[i].pid = 0;
		}
}

/* The ids in the debugfs object list, sorted; -1 if it cannot be read. */
static long debugfs_ids(uint64_t *ids, long max)
{
	char line[512];
	long n = 0;
	FILE *f = fopen(DEBUGFS, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (line[0] >= '0' && line[0] <= '9' && n < max)
			ids[n++] = strtoull(line, NULL, 10);
	fclose(f);
	return n;
}

static void print_debugfs_extra(const uint64_t *base, long nbase)
{
	char line[512];
	FILE *f = fopen(DEBUGFS, "re");
	long i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		uint64_t id = strtoull(line, NULL, 10);

		if (line[0] < '0' || line[0] > '9')
			continue;
		for (i = 0; i < nbase && base[i] != id; i++)
			;
		if (i == nbase)
			fprintf(stderr, "soak: left: %s", line);
	}
	fclose(f);
}

/* Objects in the debugfs list that were not there at the start. */
static long new_objects(const uint64_t *base, long nbase)
{
	static uint64_t ids[MAX_OBJECTS];
	long n = debugfs_ids(ids, MAX_OBJECTS), i, j, extra = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < nbase && base[j] != ids[i]; j++)
			;
		extra += j == nbase;
	}
	return extra;
}

/* Unlinks the names the soak gave; returns how many there were. */
static int unlink_soak_names(int count_only)
{
	struct ipcq_object_info *infos;
	size_t n, i;
	int left = 0, r;

	r = ipcdev_list(&infos, &n);
	if (r) {
		soak_problem(0, "IPCQ_IOC_LIST: %s", strerror(-r));
		return 1;
	}
	for (i = 0; i < n; i++) {
		char name[IPCQ_NAME_MAX + 1];

		memcpy(name, infos[i].name, infos[i].name_len);
		name[infos[i].name_len] = 0;
		if (strncmp(name, SOAK_PREFIX, strlen(SOAK_PREFIX)))
			continue;
		left++;
		if (count_only)
			continue;
		r = infos[i].type == IPCQ_TYPE_QUEUE ?
		    ipcdev_queue_unlink(name) :
		    infos[i].type == IPCQ_TYPE_LISTENER ?
		    ipcdev_listener_unlink(name) : -EINVAL;
		if (r && r != -ENOENT)
			soak_problem(0, "unlink %s: %s", name, strerror(-r));
	}
	free(infos);
	return left;
}

/* Bytes in use in the kmalloc-cg-* caches, each shrunk first. */
static long long slab_cg_bytes(void)
{
	char line[512], name[64], path[128];
	unsigned long active, total, size;
	long long bytes = 0;
	FILE *f;

	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &total,
			   &size) == 4 && !strncmp(name, "kmalloc-cg-", 11)) {
			snprintf(path, sizeof(path),
				 "/sys/kernel/slab/%s/shrink", name);
			write_file(path, "1");
		}
	fclose(f);
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &total,
			   &size) == 4 && !strncmp(name, "kmalloc-cg-", 11))
			bytes += (long long)active * size;
	fclose(f);
	return bytes;
}

static int make_streams(void)
{
	struct ipcdev_queue_attr attr = { .maxsize = 16 };
	int r;

	ipcdev_queue_unlink(SOAK_PREFIX "stream");
	r = ipcdev_queue_create(&soak_st.q[S_QUEUE], 16);
	if (!r)
		r = ipcdev_queue_create_ring(&soak_st.q[S_RING], 16, 0);
	if (!r)
		r = ipcdev_joinablequeue_create(&soak_st.q[S_JOINABLE], 16);
	if (!r)
		r = ipcdev_queue_open(&soak_st.q[S_NAMED], SOAK_PREFIX "stream",
				      IPCDEV_CREATE | IPCDEV_EXCL, 0600, &attr);
	if (!r)
		r = ipcdev_pipe_create(&soak_st.rx, &soak_st.tx, 0, NULL);
	if (r)
		fprintf(stderr, "soak: making the streams: %s\n", strerror(-r));
	return r;
}

static void close_streams(void)
{
	int s;

	for (s = 0; s < S_NSTREAMS; s++)
		if (soak_st.q[s]) {
			int64_t n = ipcdev_queue_qsize(soak_st.q[s]);

			if (n != 0)
				soak_problem(1, "%s: %lld left after the drain",
					     soak_stream_name[s], (long long)n);
			ipcdev_queue_close(soak_st.q[s]);
		}
	ipcdev_pipe_close(soak_st.rx);
	ipcdev_pipe_close(soak_st.tx);
	ipcdev_queue_unlink(SOAK_PREFIX "stream");
}

/* Every incarnation: delivered is acked or acked + 1. */
static void account(unsigned long long *acked, unsigned long long *delivered,
		    unsigned long *inflight)
{
	uint32_t i;

	for (i = 1; i < next_inc; i++) {
		uint64_t a = soak->acked[i], d = soak->delivered[i];

		*acked += a;
		*delivered += d;
		if (d == a + 1)
			(*inflight)++;
		else if (d < a)
			soak_problem(1, "%s producer %u: %llu acknowledged, %llu delivered",
				     soak_stream_name[soak->inc_stream[i] - 1],
				     i, (unsigned long long)a,
				     (unsigned long long)d);
		else if (d > a + 1)
			soak_problem(1, "%s producer %u: %llu delivered, only %llu put",
				     soak_stream_name[soak->inc_stream[i] - 1],
				     i, (unsigned long long)d,
				     (unsigned long long)a + 1);
	}
}

static void usage(void)
{
	fprintf(stderr, "current: ipcq-soak [-t SECONDS] [-w CHURNERS] [-s SEED]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static uint64_t base_ids[MAX_OBJECTS];
	unsigned long long acked = 0, delivered = 0, ops = 0, enomem = 0;
	long long memcg_left, slab_before, slab_after, memcg_peak;
	long long current, unlimited_peak = 0;
	int seconds = 600, churners = 4, opt, i, s, phase = 0;
	unsigned long inflight = 0;
	double start, end, next_kill, next_phase, next_report;
	long nbase, left = 0;

	seed = time(NULL);
	while ((opt = getopt(argc, argv, "t:w:s:")) != -1) {
		switch (opt) {
		case 't':
			seconds = atoi(optarg);
			break;
		case 'w':
			churners = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (seconds <= 0 || churners < 1 || churners > MAX_CHURNERS)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * The parent ahead of its twenty-odd busy workers (which go back to
	 * nice 0), so kills and limits keep their pace on a slow kernel.
	 */
	setpriority(PRIO_PROCESS, 0, -10);
	printf("soak: %d s, %d churners, seed %u\n", seconds, churners, seed);

	/* Touched now, so no page of it is charged to the cgroup. */
	soak = mmap(NULL, sizeof(*soak), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (soak == MAP_FAILED)
		return 1;
	memset(soak, 0, sizeof(*soak));

	rmdir(CGROUP);
	if (write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory") ||
	    mkdir(CGROUP, 0755)) {
		fprintf(stderr, "soak: cannot make " CGROUP " (cgroup v2 with the memory controller?)\n");
		return 1;
	}
	nbase = debugfs_ids(base_ids, MAX_OBJECTS);
	if (nbase < 0) {
		fprintf(stderr, "soak: cannot read " DEBUGFS "\n");
		return 1;
	}
	slab_before = slab_cg_bytes();
	if (make_streams())
		return 1;

	for (s = 0; s < S_NSTREAMS; s++) {
		kids[nkids++] = (struct child){ .role = CONSUMER, .stream = s };
		for (i = 0; i < SOAK_PRODUCERS; i++)
			kids[nkids++] = (struct child){ .role = PRODUCER,
							.stream = s };
	}
	for (i = 0; i < churners; i++)
		kids[nkids++] = (struct child){ .role = CHURNER };
	for (i = 0; i < nkids; i++)
		spawn(&kids[i]);

	start = now();
	end = start + seconds;
	next_report = start + 60;
	next_kill = now();
	next_phase = now() + PHASE_SECONDS;
	while (now() < end) {
		reap(1);
		if (now() >= next_kill) {
			kill_random();
			next_kill = now() + (50 + rand_r(&seed) % 300) / 1e3;
		}
		current = read_ll(CGROUP "/memory.current", NULL);
		if (!limit_pct[phase] && current > unlimited_peak)
			unlimited_peak = current;
		if (now() >= next_phase) {
			char max[32] = "max";

			phase = (phase + 1) % (sizeof(limit_pct) /
					       sizeof(*limit_pct));
			if (limit_pct[phase])
				snprintf(max, sizeof(max), "%lld",
					 unlimited_peak * limit_pct[phase] / 100);
			write_file(CGROUP "/memory.max", max);
			limit_changes++;
			next_phase = now() + PHASE_SECONDS;
		}
		if (now() >= next_report) {
			unsigned long long a = 0;
			uint32_t k;

			for (k = 1; k < next_inc; k++)
				a += soak->acked[k];
			printf("soak: %.0f s: %llu puts acknowledged, %lu kills, %lu by the OOM killer, %llu violations\n",
			       now() - start, a, kills, oom_kills,
			       (unsigned long long)soak->violations);
			next_report = now() + 60;
		}
		usleep(20000);
	}

	/* The end: producers and churners stop, consumers drain. */
	printf("soak: %.0f s: stopping\n", now() - start);
	soak->stop = 1;
	wait_role(1U << PRODUCER | 1U << CHURNER, 30);
	write_file(CGROUP "/memory.max", "max");
	soak->drain = 1;
	wait_role(1U << CONSUMER, 120);
	i = ipcdev_queue_join(soak_st.q[S_JOINABLE], 5000000000LL);
	if (i)
		soak_problem(1, "JoinableQueue: join: %s", strerror(-i));
	printf("soak: %.0f s: workers gone, checking\n", now() - start);
	account(&acked, &delivered, &inflight);
	close_streams();

	/* Objects: what killed workers left named goes by unlink. */
	unlink_soak_names(0);
	for (i = 0; i < 100; i++) {
		left = new_objects(base_ids, nbase);
		if (!left)
			break;
		usleep(100000);
	}
	if (left) {
		soak_problem(1, "%ld objects left", left);
		print_debugfs_extra(base_ids, nbase);
	}
	if (unlink_soak_names(1))
		soak_problem(1, "names left in IPCQ_IOC_LIST");

	/* Memory: per-CPU charge caches drained (memory.high), then read. */
	memcg_peak = read_ll(CGROUP "/memory.peak", NULL);
	for (i = 0; i < 100; i++) {
		write_file(CGROUP "/memory.high", "0");
		write_file(CGROUP "/memory.high", "max");
		memcg_left = read_ll(CGROUP "/memory.current", NULL);
		if (memcg_left >= 0 && memcg_left <= (long long)MEMCG_SLACK)
			break;
		usleep(100000);
	}
	slab_after = slab_cg_bytes();
	printf("soak: %.0f s: checked\n", now() - start);

	for (i = 0; i < K_NKINDS; i++) {
		ops += soak->ops[i];
		enomem += soak->enomem[i];
	}
	printf("soak: %-18s %10s %8s\n", "object", "actions", "ENOMEM");
	for (i = 0; i < K_NKINDS; i++)
		printf("soak: %-18s %10llu %8llu\n", soak_kind_name[i],
		       (unsigned long long)soak->ops[i],
		       (unsigned long long)soak->enomem[i]);
	printf("soak: %-18s %10llu %8llu\n", "all", ops, enomem);
	printf("soak: streams: %u producers, %llu puts acknowledged, %llu delivered (%lu of them unacknowledged, in flight at a kill), %llu ENOMEM\n",
	       next_inc - 1, acked, delivered, inflight,
	       (unsigned long long)soak->stream_enomem);
	printf("soak: kills: %lu by the soak, %lu by the OOM killer, %lu respawns; memory.max changed %lu times\n",
	       kills, oom_kills, respawns, limit_changes);
	printf("soak: memory.events: max %lld, oom %lld, oom_kill %lld; memory.peak %lld, %lld without a limit\n",
	       read_ll(CGROUP "/memory.events", "max"),
	       read_ll(CGROUP "/memory.events", "oom"),
	       read_ll(CGROUP "/memory.events", "oom_kill"), memcg_peak,
	       unlimited_peak);
	printf("soak: memcg after: memory.current %lld (slack %lu), kernel %lld, slab %lld, percpu %lld\n",
	       memcg_left, MEMCG_SLACK,
	       read_ll(CGROUP "/memory.stat", "kernel"),
	       read_ll(CGROUP "/memory.stat", "slab"),
	       read_ll(CGROUP "/memory.stat", "percpu"));
	printf("soak: kmalloc-cg slab bytes: %lld before, %lld after (slack %lu)\n",
	       slab_before, slab_after, SLAB_SLACK);
	if (memcg_left < 0 || memcg_left > (long long)MEMCG_SLACK)
		soak_problem(1, "memory cgroup still charged %lld bytes",
			     memcg_left);
	if (slab_after - slab_before > (long long)SLAB_SLACK)
		soak_problem(1, "kmalloc-cg caches grew by %lld bytes",
			     slab_after - slab_before);
	if (rmdir(CGROUP))
		soak_problem(1, "rmdir " CGROUP ": %s", strerror(errno));
	printf("soak: objects left: %ld; unexpected errors: %llu; violations: %llu\n",
	       left, (unsigned long long)soak->unexpected,
	       (unsigned long long)soak->violations);
	if (soak->unexpected || soak->violations) {
		printf("soak: FAIL: %s\n", soak->first_problem);
		return 1;
	}
	printf("soak: ok\n");
	return 0;
}
