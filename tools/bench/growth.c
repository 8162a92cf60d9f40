// SPDX-License-Identifier: GPL-2.0
/*
 * How cost grows (issue 23 item 6): each cost measured small and large in
 * one run, the ratio judged (flat within 2x), ipcq queues only:
 *
 *   depth       ns per nonblocking put + get of a 64-byte message, one
 *               process, on a queue without count limit already holding
 *               1, 1000 or 1000000 messages (10000 with -q)
 *   priorities  the same on a queue of 1000 messages, all at one
 *               priority, or at 1000 distinct ones (each put at a
 *               priority below every queued one, each get the highest)
 *   live        ns per create + close of a queue with 10 or 10000 other
 *               queues open
 *   epoll       ns per event (epoll_wait + get) with 10 or 1000 queues
 *               in the epoll set, one of them holding messages
 *
 * and kernel memory per idle object and per queued 64-byte message of an
 * ipcq queue, a POSIX mq and a pipe(2): the memory cgroup's "kernel"
 * count (memory.stat) of a cgroup the bench moves itself into, before
 * and after making 1000 objects (10000 messages), divided by their number;
 * /proc/meminfo's Slab + KernelStack without cgroup2 (pipe pages then go
 * uncounted). The cgroup's counts reach memory.stat when flushed, which
 * the kernel does every 2 s: each reading waits MEM_SETTLE_S first.
 *
 * Each timed loop runs in 15 blocks; a repetition's number is the median
 * block's (a host stall costs one block, not the cell).
 *
 * Every get is checked (its length, sequence number, priority and bytes);
 * the counts left are checked after each cell; a wrong one counts into
 * stream_errors. A cell that cannot run (a limit: the module's
 * max_objects_per_user, RLIMIT_NOFILE, fs.mqueue) is n/a, with why.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "bench.h"

#define G_SIZE		64
#define G_BATCH		256	/* messages per put_many filling a queue */
#define G_PRIOS		1000	/* the priority cells' queue depth, too */
#define G_LIVE		10000
#define G_BLOCKS	15	/* at most 16: stats() */
#define G_EPOLL		1000
#define MEM_OBJS	1000
#define MEM_MSGS	10000
#define MEM_SETTLE_S	2.5
#define CG_DIR		"/sys/fs/cgroup/ipcq-bench-growth"

const struct grow_row grow_rows[NGROW] = {
	[GR_DEPTH_1] = { "put+get", "queued", "depth", 1 },
	[GR_DEPTH_1K] = { "put+get", "queued", "depth", 1000 },
	[GR_DEPTH_1M] = { "put+get", "queued", "depth", 1000000 },
	[GR_PRIO_1] = { "put+get", "priorities", "priorities", 1 },
	[GR_PRIO_1K] = { "put+get", "priorities", "priorities", G_PRIOS },
	[GR_LIVE_10] = { "create+close", "live queues", "live", 10 },
	[GR_LIVE_10K] = { "create+close", "live queues", "live", G_LIVE },
	[GR_EPOLL_10] = { "epoll_wait+get", "queues in epoll", "epoll", 10 },
	[GR_EPOLL_1K] = { "epoll_wait+get", "queues in epoll", "epoll",
			  G_EPOLL },
};
long grow_n[NGROW];
double grow_ns[NGROW][MAX_REPS];
char grow_why[NGROW][96];

const char *const mem_names[NMEM] = { "ipcq-queue", "posix-mq", "pipe" };
double mem_idle[NMEM][MAX_REPS], mem_msg[NMEM][MAX_REPS];
char mem_source[128] = "not measured";

static unsigned char tmpl[G_SIZE];

/* A message: @seq in the first 4 bytes, the template after them. */
static void g_fill(unsigned char *buf, uint32_t seq)
{
	memcpy(buf, tmpl, G_SIZE);
	memcpy(buf, &seq, sizeof(seq));
}

/* 1 if @buf of @len is message @seq. */
static int g_ok(const unsigned char *buf, size_t len, uint32_t seq)
{
	uint32_t s;

	memcpy(&s, buf, sizeof(s));
	return len == G_SIZE && s == seq &&
	       !memcmp(buf + sizeof(s), tmpl + sizeof(s), G_SIZE - sizeof(s));
}

/*
 * A cell's loop timed in G_BLOCKS blocks: the repetition's number is the
 * median block's ns per operation, so that a stall of the host (the VM's
 * vCPUs share it) costs one block, not the cell.
 */
struct blocks {
	uint64_t t0;
	int per, n;
	double v[G_BLOCKS];
};

static void blk_start(struct blocks *b, int iters)
{
	b->per = iters / G_BLOCKS > 0 ? iters / G_BLOCKS : 1;
	b->n = 0;
	b->t0 = now_ns();
}

/* After operation @i (from 0). */
static void blk_tick(struct blocks *b, int i)
{
	uint64_t t;

	if ((i + 1) % b->per || b->n == G_BLOCKS)
		return;
	t = now_ns();
	b->v[b->n++] = (double)(t - b->t0) / b->per;
	b->t0 = t;
}

static double blk_median(const struct blocks *b)
{
	double med, lo, hi;

	stats(b->v, b->n, &med, &lo, &hi);
	return med;
}

static void why(int row, const char *what, int err)
{
	if (!grow_why[row][0])
		snprintf(grow_why[row], sizeof(grow_why[row]), "%s: %s", what,
			 strerror(err < 0 ? -err : err));
}

/* Puts messages @from..@to-1 at priority @prio(seq), batched if offered. */
static int g_fill_queue(ipcdev_queue *q, uint32_t from, uint32_t to,
			unsigned int (*prio)(uint32_t seq))
{
	static unsigned char buf[G_BATCH][G_SIZE];
	static struct ipcq_msg m[G_BATCH];
	int batch = ipcdev_has_feature(IPCQ_FEATURE_BATCH) == 1;
	uint32_t s, n, i;
	int ret;

	for (s = from; s < to; s += n) {
		n = to - s < G_BATCH ? to - s : G_BATCH;
		if (!batch) {
			n = 1;
			g_fill(buf[0], s);
			ret = ipcdev_queue_put_prio(q, buf[0], G_SIZE,
						    prio ? prio(s) : 0,
						    IPCDEV_NOWAIT);
			if (ret)
				return ret;
			continue;
		}
		memset(m, 0, sizeof(m));
		for (i = 0; i < n; i++) {
			g_fill(buf[i], s + i);
			m[i].buf = (uintptr_t)buf[i];
			m[i].len = G_SIZE;
			m[i].priority = prio ? prio(s + i) : 0;
		}
		for (i = 0; i < n; i += (uint32_t)ret) {
			ret = ipcdev_queue_put_many(q, &m[i], n - i,
						    IPCDEV_NOWAIT);
			if (ret < 1)
				return ret < 0 ? ret : -EIO;
		}
	}
	return 0;
}

/*
 * The priority cells: message @seq has priority IPCQ_PRIO_MAX - seq with
 * 1000 priorities (a window sliding down one per put+get), else
 * IPCQ_PRIO_MAX.
 */
static int g_nprio;

static unsigned int g_prio(uint32_t seq)
{
	return g_nprio > 1 ? IPCQ_PRIO_MAX - seq : IPCQ_PRIO_MAX;
}

/*
 * ns per put (message @depth + i) + get (message i, checked) on a queue
 * of @depth messages; @nprio: 0 for priority 0, else as g_prio().
 */
static double put_get_cell(int row, uint32_t depth, int nprio, int iters)
{
	unsigned char in[G_SIZE], out[G_SIZE];
	unsigned int (*prio)(uint32_t) = nprio ? g_prio : NULL;
	unsigned int p = 0;
	struct blocks b;
	ipcdev_queue *q;
	long bad = 0;
	size_t len;
	int i, ret;

	g_nprio = nprio;
	ret = ipcdev_queue_create(&q, 0);
	if (ret) {
		why(row, "create", ret);
		return -1;
	}
	ret = g_fill_queue(q, 0, depth, prio);
	if (ret) {
		why(row, "filling the queue", ret);
		ipcdev_queue_close(q);
		return -1;
	}
	blk_start(&b, iters);
	for (i = 0; i < iters; i++) {
		g_fill(in, depth + (uint32_t)i);
		ret = ipcdev_queue_put_prio(q, in, G_SIZE,
					    prio ? prio(depth + (uint32_t)i) : 0,
					    IPCDEV_NOWAIT);
		len = sizeof(out);
		ret = ret ? ret : ipcdev_queue_get_prio(q, out, &len, &p,
							IPCDEV_NOWAIT);
		if (ret || !g_ok(out, len, (uint32_t)i) ||
		    p != (prio ? prio((uint32_t)i) : 0))
			bad++;
		blk_tick(&b, i);
	}
	if (ipcdev_queue_qsize(q) != (int64_t)depth)
		bad++;
	ipcdev_queue_close(q);
	stream_errors += (uint64_t)bad;
	return bad ? -1 : blk_median(&b);
}

/* ns per create + close with @live queues open, each holding its number. */
static double live_cell(int row, int live, int iters)
{
	ipcdev_queue **qs = calloc((size_t)live, sizeof(*qs)), *x;
	unsigned char buf[G_SIZE];
	struct blocks b;
	double ns = -1;
	long bad = 0;
	int i, k = 0, ret = 0;
	size_t len;

	if (!qs)
		return -1;
	for (k = 0; k < live && !ret; k++) {
		ret = ipcdev_queue_create(&qs[k], 0);
		if (ret) {
			why(row, "creating the live queues", ret);
			break;
		}
		g_fill(buf, (uint32_t)k);
		ret = ipcdev_queue_put_nowait(qs[k], buf, G_SIZE);
		if (ret)
			bad++;
	}
	if (!ret) {
		blk_start(&b, iters);
		for (i = 0; i < iters; i++) {
			ret = ipcdev_queue_create(&x, 0);
			if (ret) {
				why(row, "create", ret);
				break;
			}
			if (ipcdev_queue_close(x))
				bad++;
			blk_tick(&b, i);
		}
		if (i == iters)
			ns = blk_median(&b);
	}
	while (k-- > 0) {
		if (!qs[k])
			continue;
		len = sizeof(buf);
		if (ipcdev_queue_get_nowait(qs[k], buf, &len) ||
		    !g_ok(buf, len, (uint32_t)k) || ipcdev_queue_qsize(qs[k]))
			bad++;
		ipcdev_queue_close(qs[k]);
	}
	free(qs);
	stream_errors += (uint64_t)bad;
	return bad ? -1 : ns;
}

/*
 * ns per event: epoll_wait (no timeout) + get, @nq queues in the epoll
 * set, the middle one holding @iters messages; each wait must report it
 * alone, each get its next message.
 */
static double epoll_cell(int row, int nq, int iters)
{
	ipcdev_queue **qs = calloc((size_t)nq, sizeof(*qs));
	unsigned char buf[G_SIZE];
	struct epoll_event ev[8];
	int i, k, n, ep, act = nq / 2, ret = 0;
	struct blocks b;
	double ns = -1;
	long bad = 0;
	size_t len;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!qs || ep < 0) {
		why(row, "epoll_create1", errno);
		free(qs);
		return -1;
	}
	for (k = 0; k < nq; k++) {
		ret = ipcdev_queue_create(&qs[k], 0);
		if (ret) {
			why(row, "create", ret);
			break;
		}
		ev[0].events = EPOLLIN;
		ev[0].data.u32 = (uint32_t)k;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ipcdev_queue_fd(qs[k]),
			      &ev[0])) {
			ret = -errno;
			why(row, "epoll_ctl", ret);
			k++;
			break;
		}
	}
	if (!ret) {
		ret = g_fill_queue(qs[act], 0, (uint32_t)iters, NULL);
		if (ret)
			why(row, "filling the queue", ret);
	}
	if (!ret) {
		blk_start(&b, iters);
		for (i = 0; i < iters; i++) {
			n = epoll_wait(ep, ev, 8, 0);
			len = sizeof(buf);
			if (n != 1 || ev[0].data.u32 != (uint32_t)act ||
			    ipcdev_queue_get_nowait(qs[act], buf, &len) ||
			    !g_ok(buf, len, (uint32_t)i))
				bad++;
			blk_tick(&b, i);
		}
		ns = blk_median(&b);
		if (epoll_wait(ep, ev, 8, 0) != 0)
			bad++;
	}
	while (k-- > 0)
		ipcdev_queue_close(qs[k]);
	close(ep);
	free(qs);
	stream_errors += (uint64_t)bad;
	return bad ? -1 : ns;
}

/* Kernel memory. */

static int cg_moved;

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Into a memory cgroup of our own; 0 or -errno (then /proc/meminfo). */
static int cg_enter(void)
{
	char pid[24];
	int ret;

	if (cg_moved)
		return 0;
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		return -ENOENT;
	write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(CG_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (access(CG_DIR "/memory.stat", R_OK))
		return -ENOENT;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = write_str(CG_DIR "/cgroup.procs", pid);
	if (!ret)
		cg_moved = 1;
	return ret;
}

static void cg_leave(void)
{
	char pid[24];

	if (!cg_moved)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!write_str("/sys/fs/cgroup/cgroup.procs", pid))
		rmdir(CG_DIR);
	cg_moved = 0;
}

/* Value of the line "@key N" (N times @scale) of @path, or -1. */
static double read_key(const char *path, const char *key, double scale)
{
	char line[256];
	size_t n = strlen(key);
	double v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && (line[n] == ' ' || line[n] == ':')) {
			v = strtod(line + n + 1, NULL) * scale;
			break;
		}
	fclose(f);
	return v;
}

/* Kernel memory charged to us now, bytes (after the stats settle). */
static double kmem_now(void)
{
	struct timespec ts = { (time_t)MEM_SETTLE_S,
			       (long)((MEM_SETTLE_S - (int)MEM_SETTLE_S) * 1e9) };
	double a, b;

	nanosleep(&ts, NULL);
	if (cg_moved) {
		a = read_key(CG_DIR "/memory.stat", "kernel", 1);
		if (a >= 0)
			return a;
		/* Before Linux 5.18: no "kernel" line, its main parts. */
		a = read_key(CG_DIR "/memory.stat", "slab", 1);
		b = read_key(CG_DIR "/memory.stat", "kernel_stack", 1);
		return a < 0 || b < 0 ? -1 : a + b;
	}
	a = read_key("/proc/meminfo", "Slab", 1024);
	b = read_key("/proc/meminfo", "KernelStack", 1024);
	return a < 0 || b < 0 ? -1 : a + b;
}

static double per(double before, double after, int n)
{
	return before < 0 || after < 0 ? -1 : (after - before) / n;
}

/* Bytes per idle queue and per message of an ipcq queue. */
static void mem_ipcq(int r)
{
	ipcdev_queue **qs = calloc(MEM_OBJS, sizeof(*qs)), *q = NULL;
	unsigned char buf[G_SIZE];
	double b0, b1, b2;
	long bad = 0;
	int k, n = 0;
	size_t len;
	uint32_t i;

	b0 = kmem_now();
	for (n = 0; qs && n < MEM_OBJS; n++)
		if (ipcdev_queue_create(&qs[n], 0))
			break;
	b1 = kmem_now();
	if (n == MEM_OBJS)
		mem_idle[MEM_IPCQ][r] = per(b0, b1, MEM_OBJS);
	for (k = 0; k < n; k++)
		ipcdev_queue_close(qs[k]);
	free(qs);
	if (ipcdev_queue_create(&q, 0))
		return;
	b1 = kmem_now();
	for (i = 0; i < MEM_MSGS; i++) {
		g_fill(buf, i);
		if (ipcdev_queue_put_nowait(q, buf, G_SIZE))
			break;
	}
	b2 = kmem_now();
	if (i == MEM_MSGS && ipcdev_queue_qsize(q) == MEM_MSGS)
		mem_msg[MEM_IPCQ][r] = per(b1, b2, MEM_MSGS);
	else
		bad++;
	for (i = 0; i < MEM_MSGS; i++) {
		len = sizeof(buf);
		if (ipcdev_queue_get_nowait(q, buf, &len) || !g_ok(buf, len, i))
			bad++;
	}
	ipcdev_queue_close(q);
	stream_errors += (uint64_t)bad;
}

/* The same of POSIX mq: idle queues of the default attributes. */
static void mem_mq(int r)
{
	struct mq_attr attr = { .mq_maxmsg = MEM_MSGS, .mq_msgsize = G_SIZE };
	mqd_t *qs = calloc(MEM_OBJS, sizeof(*qs)), q;
	unsigned char buf[G_SIZE];
	char name[64];
	unsigned int p;
	double b0, b1, b2;
	long bad = 0;
	int k, n;
	uint32_t i;

	b0 = kmem_now();
	for (n = 0; qs && n < MEM_OBJS; n++) {
		snprintf(name, sizeof(name), "/ipcq-growth-%d-%d", (int)getpid(),
			 n);
		qs[n] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				0600, NULL);
		if (qs[n] == (mqd_t)-1)
			break;
	}
	b1 = kmem_now();
	if (n == MEM_OBJS)
		mem_idle[MEM_MQ][r] = per(b0, b1, MEM_OBJS);
	else
		fprintf(stderr, "# growth: %d POSIX mq queues: %s (fs.mqueue.queues_max)\n",
			MEM_OBJS, strerror(errno));
	for (k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "/ipcq-growth-%d-%d", (int)getpid(),
			 k);
		mq_close(qs[k]);
		mq_unlink(name);
	}
	free(qs);
	snprintf(name, sizeof(name), "/ipcq-growth-%d", (int)getpid());
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC,
		    0600, &attr);
	if (q == (mqd_t)-1) {
		fprintf(stderr, "# growth: a POSIX mq of %d messages: %s (fs.mqueue.msg_max)\n",
			MEM_MSGS, strerror(errno));
		return;
	}
	mq_unlink(name);
	b1 = kmem_now();
	for (i = 0; i < MEM_MSGS; i++) {
		g_fill(buf, i);
		if (mq_send(q, (char *)buf, G_SIZE, 0))
			break;
	}
	b2 = kmem_now();
	if (i == MEM_MSGS && !mq_getattr(q, &attr) && attr.mq_curmsgs == MEM_MSGS)
		mem_msg[MEM_MQ][r] = per(b1, b2, MEM_MSGS);
	else
		bad++;
	for (i = 0; i < MEM_MSGS; i++) {
		ssize_t got = mq_receive(q, (char *)buf, sizeof(buf), &p);

		if (got < 0 || !g_ok(buf, (size_t)got, i))
			bad++;
	}
	mq_close(q);
	stream_errors += (uint64_t)bad;
}

/* The same of pipe(2): idle pipes; messages written into one of 1 MiB. */
static void mem_pipe(int r)
{
	int (*ps)[2] = calloc(MEM_OBJS, sizeof(*ps)), p[2], k, n, avail = 0;
	unsigned char buf[G_SIZE];
	double b0, b1, b2;
	long bad = 0;
	uint32_t i;

	b0 = kmem_now();
	for (n = 0; ps && n < MEM_OBJS; n++)
		if (pipe2(ps[n], O_CLOEXEC))
			break;
	b1 = kmem_now();
	if (n == MEM_OBJS)
		mem_idle[MEM_PIPE][r] = per(b0, b1, MEM_OBJS);
	for (k = 0; k < n; k++) {
		close(ps[k][0]);
		close(ps[k][1]);
	}
	free(ps);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return;
	if (fcntl(p[1], F_SETPIPE_SZ, 1 << 20) < MEM_MSGS * G_SIZE) {
		fprintf(stderr, "# growth: F_SETPIPE_SZ 1 MiB: %s\n",
			strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	b1 = kmem_now();
	for (i = 0; i < MEM_MSGS; i++) {
		g_fill(buf, i);
		if (write(p[1], buf, G_SIZE) != G_SIZE)
			break;
	}
	b2 = kmem_now();
	if (i == MEM_MSGS && !ioctl(p[0], FIONREAD, &avail) &&
	    avail == MEM_MSGS * G_SIZE)
		mem_msg[MEM_PIPE][r] = per(b1, b2, MEM_MSGS);
	else
		bad++;
	for (i = 0; i < MEM_MSGS; i++)
		if (read(p[0], buf, G_SIZE) != G_SIZE || !g_ok(buf, G_SIZE, i))
			bad++;
	close(p[0]);
	close(p[1]);
	stream_errors += (uint64_t)bad;
}

/* Room for G_LIVE queues and the idle objects: descriptors, fd table. */
static void g_prepare(void)
{
	struct rlimit rl;
	int fd;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 65536) {
		rl.rlim_cur = 65536;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	/* The fd table at its largest before any memory is counted. */
	getrlimit(RLIMIT_NOFILE, &rl);
	fd = dup2(2, rl.rlim_cur > 65536 ? 65535 : (int)rl.rlim_cur - 1);
	if (fd >= 0)
		close(fd);
	memset(tmpl, 0, sizeof(tmpl));
	msg_fill(tmpl, G_SIZE, 0, 7);
}

void growth_rep(int r)
{
	int k, iters = quick ? 1500 : 15000, ret;

	g_prepare();
	for (k = 0; k < NGROW; k++) {
		grow_ns[k][r] = -1;
		grow_n[k] = grow_rows[k].n;
	}
	if (quick)
		grow_n[GR_DEPTH_1M] = 10000;
	for (k = 0; k < NMEM; k++)
		mem_idle[k][r] = mem_msg[k][r] = -1;
	/* Small and large next to each other. */
	for (k = GR_DEPTH_1; k <= GR_DEPTH_1M; k++)
		grow_ns[k][r] = put_get_cell(k, (uint32_t)grow_n[k], 0, iters);
	grow_ns[GR_PRIO_1][r] = put_get_cell(GR_PRIO_1, G_PRIOS, 1, iters);
	grow_ns[GR_PRIO_1K][r] = put_get_cell(GR_PRIO_1K, G_PRIOS, G_PRIOS,
					      iters);
	grow_ns[GR_LIVE_10][r] = live_cell(GR_LIVE_10, 10, iters / 2);
	grow_ns[GR_LIVE_10K][r] = live_cell(GR_LIVE_10K, G_LIVE, iters / 2);
	grow_ns[GR_EPOLL_10][r] = epoll_cell(GR_EPOLL_10, 10, iters);
	grow_ns[GR_EPOLL_1K][r] = epoll_cell(GR_EPOLL_1K, G_EPOLL, iters);

	ret = cg_enter();
	if (ret)
		snprintf(mem_source, sizeof(mem_source),
			 "/proc/meminfo Slab + KernelStack (no memory cgroup: %s; pipe pages not counted)",
			 strerror(-ret));
	else
		snprintf(mem_source, sizeof(mem_source),
			 "memory.stat \"kernel\" of cgroup %s", CG_DIR);
	mem_ipcq(r);
	mem_mq(r);
	mem_pipe(r);
	cg_leave();
}
