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
 *
 *   syscalls      per message, 64-byte streaming 1x1, producer and
 *                 consumer loops counted apart (perf tracepoint
 *                 raw_syscalls:sys_enter), in an extra run of the cell
 *   io_uring      64-byte queue messages put and got asynchronously,
 *                 batched through one io_uring per process, against the
 *                 blocking API: 1x1, and one thread serving 16 queues
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
 * Usage: ipcq-bench [-r REPS] [-q] [-u]
 *   -q: fewer iterations, for a smoke run
 *   -u: only the io_uring cells (they run their own baselines)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/perf_event.h>
#include <liburing.h>
#include <mqueue.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcdev.h"

#define MAX_MSG		(64 * 1024)
#define HDR		16	/* seq, producer, length, checksum */
#define MAX_PARTIES	4

static int reps = 5;
static int quick;
static int only_uring;	/* -u */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *shared_alloc(size_t size)
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

/* Message framing shared by every mechanism: a header then payload. */
static void msg_fill(unsigned char *buf, size_t len, uint32_t seq,
		     uint32_t producer)
{
	uint32_t h[4] = { seq, producer, (uint32_t)len, 0 }, sum = 2166136261u;
	size_t i;

	for (i = HDR; i < len; i++) {
		buf[i] = (unsigned char)(seq + i * 7 + producer);
		sum = (sum ^ buf[i]) * 16777619u;
	}
	h[3] = sum;
	memcpy(buf, h, len < HDR ? len : HDR);
}

static int msg_ok(const unsigned char *buf, size_t len)
{
	uint32_t h[4], sum = 2166136261u;
	size_t i;

	if (len < HDR)
		return 1;	/* too small to carry a header: not checked */
	memcpy(h, buf, HDR);
	if (h[2] != len)
		return 0;
	for (i = HDR; i < len; i++) {
		if (buf[i] != (unsigned char)(h[0] + i * 7 + h[1]))
			return 0;
		sum = (sum ^ buf[i]) * 16777619u;
	}
	return sum == h[3];
}

/* Shared-memory single-producer single-consumer ring. */
struct spsc {
	_Atomic uint32_t head __attribute__((aligned(64)));
	_Atomic uint32_t consumer_waits;
	_Atomic uint32_t tail __attribute__((aligned(64)));
	_Atomic uint32_t producer_waits;
	uint32_t slots, slot_size;
	unsigned char data[] __attribute__((aligned(64)));
};

#define SPSC_SLOTS 64

static struct spsc *spsc_new(size_t slot_size)
{
	struct spsc *r = shared_alloc(sizeof(*r) + SPSC_SLOTS * (slot_size + 8));

	r->slots = SPSC_SLOTS;
	r->slot_size = (uint32_t)slot_size + 8;
	return r;
}

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, 1, NULL, NULL, 0);
}

enum spsc_mode { SPIN, EVENTFD, FUTEX };

struct link {
	/* Per mechanism state, set up before fork. */
	int fd[4];
	mqd_t mq[2];
	int msqid;
	ipcdev_queue *q[2];
	ipcdev_pipe *p[2];
	struct spsc *ring[2];
	int efd[4];		/* eventfd: [dir*2] data ready, [dir*2+1] room */
	enum spsc_mode mode;
	size_t size;
};

struct mech {
	const char *name;
	int multi;		/* many producers/consumers on one channel */
	int (*setup)(struct link *l);
	/* dir 0: parent to child (or producers to consumers); 1: back. */
	int (*send)(struct link *l, int dir, const void *buf, size_t len);
	ssize_t (*recv)(struct link *l, int dir, void *buf, size_t len);
	void (*close_end)(struct link *l, int dir, int sender);
	void (*teardown)(struct link *l);
	/* The parent lets go once children run (for end-of-file). */
	void (*parent_done)(struct link *l);
};

/* ipcq queue, ioctl path. */
static int q_setup(struct link *l)
{
	if (ipcdev_queue_create(&l->q[0], 64) || ipcdev_queue_create(&l->q[1], 64))
		return -1;
	return 0;
}

static int q_send(struct link *l, int dir, const void *buf, size_t len)
{
	return ipcdev_queue_put(l->q[dir], buf, len, IPCDEV_FOREVER);
}

static ssize_t q_recv(struct link *l, int dir, void *buf, size_t len)
{
	size_t n = len;
	int ret = ipcdev_queue_get(l->q[dir], buf, &n, IPCDEV_FOREVER);

	return ret == 0 ? (ssize_t)n : ret == IPCDEV_EOF ? 0 : ret;
}

static void q_close_end(struct link *l, int dir, int sender)
{
	ipcdev_queue *mine;

	/* Each process becomes an endpoint of its own kind only. */
	if (ipcdev_queue_endpoint(&mine, l->q[dir], sender ? IPCDEV_PRODUCER :
				  IPCDEV_CONSUMER) == 0) {
		ipcdev_queue_close(l->q[dir]);
		l->q[dir] = mine;
	}
}

static void q_teardown(struct link *l)
{
	if (l->q[0])
		ipcdev_queue_close(l->q[0]);
	if (l->q[1])
		ipcdev_queue_close(l->q[1]);
	l->q[0] = l->q[1] = NULL;
}

/*
 * ipcq queue with a ring: the queue of q_setup (capacity 64, so the two
 * differ only in the path a message takes), with 64 slots each holding one
 * message of the size measured, so that every message can use the ring.
 * A size no slot can take has no ring row (n/a, said once on stderr)
 * rather than a row that silently measures the ioctl path.
 */
static int qr_setup(struct link *l)
{
	static size_t said;
	int ret = -EMSGSIZE;

	if (l->size <= IPCQ_RING_SLOT_MAX) {
		ret = ipcdev_queue_create_ring(&l->q[0], 64, l->size);
		if (!ret)
			ret = ipcdev_queue_create_ring(&l->q[1], 64, l->size);
	}
	if (ret) {
		if (said != l->size)
			fprintf(stderr, "# ipcq-ring: no ring for %zu-byte messages: %s\n",
				l->size, strerror(-ret));
		said = l->size;
		q_teardown(l);
		return -1;
	}
	return 0;
}

/* ipcq pipe (duplex): end 0 in the parent, end 1 in the child. */
static int p_setup(struct link *l)
{
	struct ipcdev_pipe_attr attr = { .maxsize = 64 };

	return ipcdev_pipe_create(&l->p[0], &l->p[1], 1, &attr) ? -1 : 0;
}

static int p_send(struct link *l, int dir, const void *buf, size_t len)
{
	return ipcdev_pipe_send(l->p[dir], buf, len, IPCDEV_FOREVER);
}

static ssize_t p_recv(struct link *l, int dir, void *buf, size_t len)
{
	size_t n = len;
	int ret = ipcdev_pipe_recv(l->p[!dir], buf, &n, IPCDEV_FOREVER);

	return ret == 0 ? (ssize_t)n : ret == IPCDEV_EOF ? 0 : ret;
}

static void p_close_end(struct link *l, int dir, int sender)
{
}

static void p_teardown(struct link *l)
{
	ipcdev_pipe_close(l->p[0]);
	ipcdev_pipe_close(l->p[1]);
}

/* Byte streams (pipe, unix stream): fixed-size messages, read fully. */
static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int pipe_setup(struct link *l)
{
	if (pipe(&l->fd[0]) || pipe(&l->fd[2]))
		return -1;
	return 0;
}

static int fd_send(struct link *l, int dir, const void *buf, size_t len)
{
	return write_full(l->fd[dir * 2 + 1], buf, len);
}

static ssize_t fd_recv(struct link *l, int dir, void *buf, size_t len)
{
	return read_full(l->fd[dir * 2], buf, len);
}

static void fd_close_end(struct link *l, int dir, int sender)
{
	close(l->fd[dir * 2 + (sender ? 0 : 1)]);
	l->fd[dir * 2 + (sender ? 0 : 1)] = -1;
}

static void fd_teardown(struct link *l)
{
	int i;

	for (i = 0; i < 4; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
}

static int sock_setup(struct link *l, int type)
{
	int a[2], b[2];

	if (socketpair(AF_UNIX, type, 0, a) || socketpair(AF_UNIX, type, 0, b))
		return -1;
	/* Same layout as pipes: [0] read end, [1] write end, per direction. */
	l->fd[0] = a[0];
	l->fd[1] = a[1];
	l->fd[2] = b[0];
	l->fd[3] = b[1];
	if (type == SOCK_DGRAM) {
		int sz = 4 << 20, i;

		for (i = 0; i < 4; i++) {
			setsockopt(l->fd[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
			setsockopt(l->fd[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		}
	}
	return 0;
}

static int stream_setup(struct link *l)
{
	return sock_setup(l, SOCK_STREAM);
}

static int dgram_setup(struct link *l)
{
	return sock_setup(l, SOCK_DGRAM);
}

static int dgram_send(struct link *l, int dir, const void *buf, size_t len)
{
	while (send(l->fd[dir * 2 + 1], buf, len, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t dgram_recv(struct link *l, int dir, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(l->fd[dir * 2], buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* POSIX mq. */
static int mq_setup(struct link *l)
{
	struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = (long)l->size };
	char name[64];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "/ipcq-bench-%d-%d", getpid(), i);
		l->mq[i] = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
		if (l->mq[i] == (mqd_t)-1)
			return -1;
		mq_unlink(name);
	}
	return 0;
}

static int mq_send_(struct link *l, int dir, const void *buf, size_t len)
{
	while (mq_send(l->mq[dir], buf, len, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t mq_recv_(struct link *l, int dir, void *buf, size_t len)
{
	ssize_t n;

	do
		n = mq_receive(l->mq[dir], buf, l->size, NULL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void mq_teardown(struct link *l)
{
	mq_close(l->mq[0]);
	mq_close(l->mq[1]);
}

/* SysV msg: one queue, mtype 1 and 2 for the two directions. */
struct sysv_msg {
	long mtype;
	char text[MAX_MSG];
};

static int msg_setup(struct link *l)
{
	l->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	return l->msqid < 0 ? -1 : 0;
}

static int msg_send(struct link *l, int dir, const void *buf, size_t len)
{
	static struct sysv_msg m;

	m.mtype = dir + 1;
	memcpy(m.text, buf, len);
	while (msgsnd(l->msqid, &m, len, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t msg_recv(struct link *l, int dir, void *buf, size_t len)
{
	static struct sysv_msg m;
	ssize_t n;

	do
		n = msgrcv(l->msqid, &m, sizeof(m.text), dir + 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	memcpy(buf, m.text, (size_t)n);
	return n;
}

static void msg_teardown(struct link *l)
{
	msgctl(l->msqid, IPC_RMID, NULL);
}

/*
 * Shared-memory rings: the consumer sleeps (eventfd read or futex wait)
 * only after announcing it in consumer_waits and re-checking; the producer
 * wakes only if that word is set. Likewise for a full ring.
 */
static int ring_setup(struct link *l, enum spsc_mode mode)
{
	int i;

	l->mode = mode;
	l->ring[0] = spsc_new(l->size);
	l->ring[1] = spsc_new(l->size);
	if (mode == EVENTFD)
		for (i = 0; i < 4; i++)
			if ((l->efd[i] = eventfd(0, 0)) < 0)
				return -1;
	return 0;
}

static int spin_setup(struct link *l)
{
	return ring_setup(l, SPIN);
}

static int efd_setup(struct link *l)
{
	return ring_setup(l, EVENTFD);
}

static int futex_setup(struct link *l)
{
	return ring_setup(l, FUTEX);
}

static void ring_sleep(struct link *l, int dir, int room,
		       _Atomic uint32_t *word, uint32_t seen,
		       _Atomic uint32_t *waits)
{
	uint64_t v;

	if (l->mode == SPIN)
		return;
	atomic_store(waits, 1);
	if (atomic_load(word) == seen) {
		if (l->mode == EVENTFD) {
			if (read(l->efd[dir * 2 + room], &v, sizeof(v)) < 0)
				return;
		} else {
			futex_wait(word, seen);
		}
	}
	atomic_store(waits, 0);
}

static void ring_wake(struct link *l, int dir, int room,
		      _Atomic uint32_t *word, _Atomic uint32_t *waits)
{
	uint64_t one = 1;

	if (l->mode == SPIN || !atomic_load(waits))
		return;
	if (l->mode == EVENTFD)
		write(l->efd[dir * 2 + room], &one, sizeof(one));
	else
		futex_wake(word);
}

static int ring_send(struct link *l, int dir, const void *buf, size_t len)
{
	struct spsc *r = l->ring[dir];
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head;
	unsigned char *slot;

	while (tail - (head = atomic_load_explicit(&r->head,
						   memory_order_acquire)) >= r->slots)
		ring_sleep(l, dir, 1, &r->head, head, &r->producer_waits);
	slot = r->data + (size_t)(tail % r->slots) * r->slot_size;
	memcpy(slot, &len, sizeof(uint32_t));
	memcpy(slot + 8, buf, len);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	ring_wake(l, dir, 0, &r->tail, &r->consumer_waits);
	return 0;
}

static ssize_t ring_recv(struct link *l, int dir, void *buf, size_t len)
{
	struct spsc *r = l->ring[dir];
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail, n;
	unsigned char *slot;

	while ((tail = atomic_load_explicit(&r->tail, memory_order_acquire)) ==
	       head)
		ring_sleep(l, dir, 0, &r->tail, tail, &r->consumer_waits);
	slot = r->data + (size_t)(head % r->slots) * r->slot_size;
	memcpy(&n, slot, sizeof(n));
	memcpy(buf, slot + 8, n);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	ring_wake(l, dir, 1, &r->head, &r->producer_waits);
	return n;
}

static void ring_teardown(struct link *l)
{
	int i;

	if (l->mode == EVENTFD)
		for (i = 0; i < 4; i++)
			close(l->efd[i]);
}

static void nop_close_end(struct link *l, int dir, int sender)
{
}

static const struct mech mechs[] = {
	{ "ipcq-queue", 1, q_setup, q_send, q_recv, q_close_end, q_teardown,
	  q_teardown },
	{ "ipcq-ring", 1, qr_setup, q_send, q_recv, q_close_end, q_teardown,
	  q_teardown },
	{ "ipcq-pipe", 0, p_setup, p_send, p_recv, p_close_end, p_teardown },
	{ "pipe", 0, pipe_setup, fd_send, fd_recv, fd_close_end, fd_teardown },
	{ "unix-stream", 0, stream_setup, fd_send, fd_recv, fd_close_end,
	  fd_teardown },
	{ "unix-dgram", 1, dgram_setup, dgram_send, dgram_recv, nop_close_end,
	  fd_teardown },
	{ "posix-mq", 1, mq_setup, mq_send_, mq_recv_, nop_close_end,
	  mq_teardown },
	{ "sysv-msg", 1, msg_setup, msg_send, msg_recv, nop_close_end,
	  msg_teardown },
	{ "eventfd+shm", 0, efd_setup, ring_send, ring_recv, nop_close_end,
	  ring_teardown },
	{ "futex+shm", 0, futex_setup, ring_send, ring_recv, nop_close_end,
	  ring_teardown },
	{ "spin-ring", 0, spin_setup, ring_send, ring_recv, nop_close_end,
	  ring_teardown },
};
#define NMECH (sizeof(mechs) / sizeof(mechs[0]))

static const size_t sizes[] = { 8, 64, 1024, 16384, 65536 };
#define NSIZE (sizeof(sizes) / sizeof(sizes[0]))
#define S64 1		/* sizes[S64] == 64, the size of the goals */

/* Results: [mech][size][rep][stat]. */
enum { P50, P90, P99, P999, MAX, NLAT };
static double lat[NMECH][NSIZE][16][NLAT];
static double tput[NMECH][3][16];	/* 64 B, 1x1 2x2 4x4 */
static double tput_size[NMECH][NSIZE][16];	/* 1x1 by size */
static double csw[NMECH][3][16];
/* Syscalls per message, 64 B 1x1: [mech][producer, consumer][rep]. */
static double scalls[NMECH][2][16];
static int scalls_err[NMECH];	/* an errno that kept a count from us */
static uint64_t stream_errors;

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

static long csw_children(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

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
static int sc_id = -1;			/* the tracepoint's id, or -1 */
static char sc_why[160] = "not tried";	/* why sc_id is -1, or what it is */

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

static int sc_open(void)
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
static int64_t sc_close(int fd)
{
	int64_t n;

	if (fd < 0)
		return fd;
	n = sc_read(fd);
	close(fd);
	return n < 0 ? n : n - 1;
}

/* Finds the tracepoint; opens nothing yet (see above). */
static void sc_init(void)
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

/* Counted syscalls of one streaming run, per message. */
struct syscount {
	int err;		/* 0, or the errno that stopped counting */
	double producer, consumer;
};

/* Adds a child's count (or its error) to the run's, in shared memory. */
static void sc_add(int64_t n, _Atomic uint64_t *sum, _Atomic uint64_t *err)
{
	uint64_t none = 0;

	if (n < 0)
		atomic_compare_exchange_strong(err, &none, (uint64_t)-n);
	else
		atomic_fetch_add(sum, (uint64_t)n);
}

/* Ping-pong: returns 0 and fills out[] with percentiles in us. */
static int round_trip(const struct mech *m, size_t size, int iters,
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
 */
#define DUMMY_PRODUCER 0xffffu

static double stream(const struct mech *m, size_t size, int np, int nc,
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
	static unsigned char buf[MAX_MSG];
	pid_t pids[2 * MAX_PARTIES];
	long csw0 = csw_children();
	uint64_t t0, total = (uint64_t)np * count;
	struct link l;
	int i, k, status, fail = 0;

	memset(&l, 0, sizeof(l));
	l.fd[0] = l.fd[1] = l.fd[2] = l.fd[3] = -1;
	l.size = size;
	if (m->setup(&l)) {
		munmap(got, 4096);
		return -1;
	}
	t0 = now_ns();
	for (i = 0; i < np + nc; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int producer = i < np, scfd = -1;

			m->close_end(&l, 0, producer);
			if (sc)
				scfd = sc_open();
			if (producer) {
				for (k = 0; k < count; k++) {
					msg_fill(buf, size, (uint32_t)k,
						 (uint32_t)i);
					if (m->send(&l, 0, buf, size))
						_exit(1);
				}
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
			if (sc)
				sc_add(sc_close(scfd), &sc_sum[1], sc_err);
			_exit(0);
		}
	}
	/* With no endpoint left here, ipcq consumers see end-of-file. */
	if (m->parent_done)
		m->parent_done(&l);
	for (i = 0; i < np + nc; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail = 1;
	}
	t0 = now_ns() - t0;
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
 * io_uring: queue messages put and got as io_uring commands
 * (ipcdev_uring_prep_put/get, liburing), one ring per process, against
 * the blocking API on the same queues (capacity 64), 64-byte messages
 * checked as in stream(): content, queue, and every sequence once. Each
 * cell's blocking baseline runs in the same harness, next to it, so that
 * each side's CPU time per message (CLOCK_PROCESS_CPUTIME_ID around its
 * loop) can be shown too: with one vCPU per side, the side that needs
 * more bounds msg/s.
 *
 *   1x1  producer process -> consumer process, one queue. "ipcq-queue":
 *        blocking ipcdev_queue_put/get, as in stream(). "ipcq-uring": the
 *        producer puts in batches of URING_BATCH (one
 *        io_uring_submit_and_wait per batch, returning once the whole
 *        batch has completed, parked puts included); the consumer keeps
 *        URING_BATCH gets in flight and re-arms each as it completes.
 *   16q  one consumer thread serving FANIN_QUEUES queues, fed by one
 *        producer process putting message k into queue k % 16 with
 *        blocking puts, the same in both rows. "poll+get_nowait": poll(2)
 *        on the queues' fds, then ipcdev_queue_get_nowait() on each ready
 *        queue until -EAGAIN (what one thread has without io_uring).
 *        "ipcq-uring": one ring with one get parked per queue.
 *
 * Every get armed is met by a message, so no command is left parked
 * when a process exits.
 */
#define URING_BATCH	32
#define FANIN_QUEUES	16
#define UR_SIZE		64

enum { UR_QUEUE, UR_1X1, UR_POLL, UR_FANIN, NUR };
static const struct {
	const char *name, *cell;	/* mechanism and parties, as in the CSV */
	int uring;			/* needs io_uring */
} ur_rows[NUR] = {
	{ "ipcq-queue", "1x1", 0 },
	{ "ipcq-uring", "1x1", 1 },
	{ "poll+get_nowait", "16q", 0 },
	{ "ipcq-uring", "16q", 1 },
};
static int uring_err = -ENOSYS;	/* ipcdev_uring_probe() */
static double ur_tput[NUR][16], ur_csw[NUR][16];
static double ur_cpu[NUR][2][16];	/* CPU ns per message of each loop */
static double ur_scalls[NUR][2][16];	/* [cell][producer, consumer][rep] */
static int ur_scalls_err[NUR];

/* One cell's outcome, in shared memory; filled by the consumer. */
struct ur_run {
	_Atomic uint64_t got, errors, seqsum;
	/* As in stream(): syscalls of the producer, of the consumer; errno. */
	_Atomic uint64_t sc_sum[2], sc_err;
	_Atomic uint64_t cpu_ns[2];	/* CPU time of each loop */
};

static uint64_t cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Blocking producer, message k into qs[k % nq]. */
static int blk_produce(ipcdev_queue **qs, int nq, int total,
		       struct ur_run *run, int counting)
{
	unsigned char buf[UR_SIZE];
	int k, scfd = -1, ret = 0;
	uint64_t c0 = cpu_now();

	if (counting)
		scfd = sc_open();
	for (k = 0; k < total && !ret; k++) {
		msg_fill(buf, UR_SIZE, (uint32_t)k, (uint32_t)(k % nq));
		ret = ipcdev_queue_put(qs[k % nq], buf, UR_SIZE, IPCDEV_FOREVER);
	}
	if (counting)
		sc_add(sc_close(scfd), &run->sc_sum[0], &run->sc_err);
	atomic_store(&run->cpu_ns[0], cpu_now() - c0);
	return ret ? -1 : 0;
}

/* Each child holds an endpoint of its own kind only, as in stream(). */
static void ur_endpoint(ipcdev_queue **q, int producer)
{
	ipcdev_queue *mine;

	if (ipcdev_queue_endpoint(&mine, *q, producer ? IPCDEV_PRODUCER :
				  IPCDEV_CONSUMER) == 0) {
		ipcdev_queue_close(*q);
		*q = mine;
	}
}

/* A consumer loop's end: its syscall count, CPU time and tallies. */
static void ur_consumed(struct ur_run *run, int counting, int scfd,
			uint64_t c0, int got, uint64_t errors, uint64_t seqsum)
{
	if (counting)
		sc_add(sc_close(scfd), &run->sc_sum[1], &run->sc_err);
	atomic_store(&run->cpu_ns[1], cpu_now() - c0);
	atomic_store(&run->got, (uint64_t)got);
	atomic_store(&run->errors, errors);
	atomic_store(&run->seqsum, seqsum);
}

/* Checks a message got from queue @qi and adds its sequence to *@seqsum. */
static void ur_check(const unsigned char *buf, size_t len, int qi,
		     uint64_t *errors, uint64_t *seqsum)
{
	uint32_t h[2];

	if (len != UR_SIZE || !msg_ok(buf, len)) {
		(*errors)++;
		return;
	}
	memcpy(h, buf, sizeof(h));
	if (h[1] != (uint32_t)qi)
		(*errors)++;
	*seqsum += h[0];
}

/* Submits what is queued and waits for @wait_nr completions. */
static int ur_submit_wait(struct io_uring *ring, unsigned int wait_nr)
{
	int ret;

	do
		ret = io_uring_submit_and_wait(ring, wait_nr);
	while (ret == -EINTR);
	return ret < 0 ? ret : 0;
}

/*
 * Producer: @total messages, message k into qs[k % nq], URING_BATCH puts
 * per submission, each batch waited for. 0, or -1 if any put failed.
 */
static int ur_produce(ipcdev_queue **qs, int nq, int total,
		      struct ur_run *run, int counting)
{
	static unsigned char bufs[URING_BATCH][UR_SIZE];
	static struct ipcdev_uring_op ops[URING_BATCH];
	struct io_uring_cqe *cqes[URING_BATCH];
	struct io_uring ring;
	int sent = 0, scfd = -1, i, n, done, ret = 0;
	uint64_t c0;

	if (io_uring_queue_init(URING_BATCH, &ring, 0))
		return -1;
	c0 = cpu_now();
	if (counting)
		scfd = sc_open();
	while (sent < total && !ret) {
		n = total - sent < URING_BATCH ? total - sent : URING_BATCH;
		for (i = 0; i < n && !ret; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			int k = sent + i;

			msg_fill(bufs[i], UR_SIZE, (uint32_t)k,
				 (uint32_t)(k % nq));
			if (!sqe) {
				ret = -1;
				break;
			}
			sqe->user_data = (uint64_t)i;
			ret = ipcdev_uring_prep_put(sqe, qs[k % nq], &ops[i],
						    bufs[i], UR_SIZE,
						    IPCDEV_FOREVER);
		}
		if (ret || ur_submit_wait(&ring, (unsigned int)n)) {
			ret = -1;
			break;
		}
		for (done = 0; done < n && !ret;) {
			unsigned int got = io_uring_peek_batch_cqe(&ring, cqes,
							(unsigned int)(n - done));
			unsigned int j;

			if (!got) {
				if (ur_submit_wait(&ring, 1))
					ret = -1;
				continue;
			}
			for (j = 0; j < got; j++)
				if (cqes[j]->user_data >= (uint64_t)n ||
				    ipcdev_uring_result(cqes[j],
						&ops[cqes[j]->user_data],
						NULL, NULL))
					ret = -1;
			io_uring_cq_advance(&ring, got);
			done += (int)got;
		}
		sent += n;
	}
	if (counting)
		sc_add(sc_close(scfd), &run->sc_sum[0], &run->sc_err);
	atomic_store(&run->cpu_ns[0], cpu_now() - c0);
	io_uring_queue_exit(&ring);
	return ret ? -1 : 0;
}

/*
 * io_uring consumer: @per gets in flight on each of the @nq queues (slot
 * s serves queue s % nq), each re-armed as it completes until its queue's
 * share of @total is asked for. 0 once all arrived, or -1.
 */
static int ur_consume(ipcdev_queue **qs, int nq, int per, int total,
		      struct ur_run *run, int counting)
{
	static unsigned char bufs[URING_BATCH][UR_SIZE];
	static struct ipcdev_uring_op ops[URING_BATCH];
	struct io_uring_cqe *cqes[URING_BATCH];
	uint64_t errors = 0, seqsum = 0;
	int left[FANIN_QUEUES], nslots = nq * per, got = 0, scfd = -1;
	int s, ret = 0;
	struct io_uring ring;
	uint64_t c0;

	if (nslots > URING_BATCH || nq > FANIN_QUEUES ||
	    io_uring_queue_init(URING_BATCH, &ring, 0))
		return -1;
	for (s = 0; s < nq; s++)
		left[s] = total / nq;
	c0 = cpu_now();
	if (counting)
		scfd = sc_open();
	for (s = 0; s < nslots && !ret; s++) {
		struct io_uring_sqe *sqe;

		if (!left[s % nq])
			continue;
		left[s % nq]--;
		sqe = io_uring_get_sqe(&ring);
		if (!sqe) {
			ret = -1;
			break;
		}
		sqe->user_data = (uint64_t)s;
		ret = ipcdev_uring_prep_get(sqe, qs[s % nq], &ops[s], bufs[s],
					    UR_SIZE, IPCDEV_FOREVER);
	}
	while (got < total && !ret) {
		unsigned int n, j;

		if (ur_submit_wait(&ring, 1)) {
			ret = -1;
			break;
		}
		n = io_uring_peek_batch_cqe(&ring, cqes, URING_BATCH);
		for (j = 0; j < n && !ret; j++) {
			size_t len = 0;
			struct io_uring_sqe *sqe;

			s = (int)cqes[j]->user_data;
			/* Any failure would leave a slot unarmed: stop. */
			if (s < 0 || s >= nslots ||
			    ipcdev_uring_result(cqes[j], &ops[s], &len, NULL)) {
				ret = -1;
				break;
			}
			ur_check(bufs[s], len, s % nq, &errors, &seqsum);
			got++;
			if (!left[s % nq])
				continue;
			left[s % nq]--;
			sqe = io_uring_get_sqe(&ring);
			if (!sqe) {
				ret = -1;
				break;
			}
			sqe->user_data = (uint64_t)s;
			ret = ipcdev_uring_prep_get(sqe, qs[s % nq], &ops[s],
						    bufs[s], UR_SIZE,
						    IPCDEV_FOREVER);
		}
		io_uring_cq_advance(&ring, n);
	}
	ur_consumed(run, counting, scfd, c0, got, errors, seqsum);
	io_uring_queue_exit(&ring);
	return ret ? -1 : 0;
}

/* The single-thread alternative: poll(2), then drain each ready queue. */
static int poll_consume(ipcdev_queue **qs, int nq, int total,
			struct ur_run *run, int counting)
{
	struct pollfd pfd[FANIN_QUEUES];
	unsigned char buf[UR_SIZE];
	uint64_t errors = 0, seqsum = 0;
	int got = 0, open = nq, scfd = -1, i, ret = 0;
	uint64_t c0;

	if (nq > FANIN_QUEUES)
		return -1;
	for (i = 0; i < nq; i++) {
		pfd[i].fd = ipcdev_queue_fd(qs[i]);
		pfd[i].events = POLLIN;
	}
	c0 = cpu_now();
	if (counting)
		scfd = sc_open();
	while (got < total && open && !ret) {
		if (poll(pfd, (nfds_t)nq, -1) < 0) {
			if (errno != EINTR)
				ret = -1;
			continue;
		}
		for (i = 0; i < nq && !ret; i++) {
			if (!pfd[i].revents)
				continue;
			for (;;) {
				size_t len = sizeof(buf);
				int r = ipcdev_queue_get_nowait(qs[i], buf, &len);

				if (r == -EAGAIN)
					break;
				if (r == IPCDEV_EOF) {
					/* No producer left: poll no more. */
					pfd[i].fd = -1;
					open--;
					break;
				}
				if (r) {
					ret = -1;
					break;
				}
				ur_check(buf, len, i, &errors, &seqsum);
				got++;
			}
		}
	}
	ur_consumed(run, counting, scfd, c0, got, errors, seqsum);
	return ret || got < total ? -1 : 0;
}

/* The blocking API: ipcdev_queue_get() until all arrived. */
static int blk_consume(ipcdev_queue *q, int total, struct ur_run *run,
		       int counting)
{
	unsigned char buf[UR_SIZE];
	uint64_t errors = 0, seqsum = 0, c0 = cpu_now();
	int got = 0, scfd = -1, ret = 0;

	if (counting)
		scfd = sc_open();
	while (got < total) {
		size_t len = sizeof(buf);

		ret = ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER);
		if (ret)
			break;
		ur_check(buf, len, 0, &errors, &seqsum);
		got++;
	}
	ur_consumed(run, counting, scfd, c0, got, errors, seqsum);
	return ret ? -1 : 0;
}

/*
 * One io_uring cell: messages/s from the first fork to the last exit, as
 * stream() times it, or -1. With @sc, both loops count their syscalls.
 */
static double ur_cell(int cell, int total, double *csw_per_msg,
		      double cpu[2], struct syscount *sc)
{
	struct ur_run *run = shared_alloc(4096);
	ipcdev_queue *qs[FANIN_QUEUES] = { NULL };
	int nq = cell <= UR_1X1 ? 1 : FANIN_QUEUES, i, k, status, fail = 0;
	long csw0 = csw_children();
	uint64_t t0, errors;
	pid_t pids[2];

	for (i = 0; i < nq && !fail; i++)
		fail = ipcdev_queue_create(&qs[i], 64) != 0;
	if (fail || total % nq) {
		for (i = 0; i < nq; i++)
			if (qs[i])
				ipcdev_queue_close(qs[i]);
		munmap(run, 4096);
		return -1;
	}
	t0 = now_ns();
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int producer = i == 0, ret;

			for (k = 0; k < nq; k++)
				ur_endpoint(&qs[k], producer);
			if (producer && cell == UR_1X1)
				ret = ur_produce(qs, nq, total, run, sc != NULL);
			else if (producer)
				ret = blk_produce(qs, nq, total, run, sc != NULL);
			else if (cell == UR_QUEUE)
				ret = blk_consume(qs[0], total, run, sc != NULL);
			else if (cell == UR_POLL)
				ret = poll_consume(qs, nq, total, run, sc != NULL);
			else
				ret = ur_consume(qs, nq,
						 cell == UR_1X1 ? URING_BATCH : 1,
						 total, run, sc != NULL);
			_exit(ret ? 1 : 0);
		}
	}
	/* No endpoint left here: a consumer that dies fails the producer. */
	for (i = 0; i < nq; i++)
		ipcdev_queue_close(qs[i]);
	for (i = 0; i < 2; i++) {
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			fail = 1;
	}
	t0 = now_ns() - t0;
	errors = atomic_load(&run->errors);
	/* Nothing lost or duplicated: every sequence 0..total-1, once. */
	if (!fail && (atomic_load(&run->got) != (uint64_t)total ||
		      atomic_load(&run->seqsum) !=
		      (uint64_t)total * (uint64_t)(total - 1) / 2))
		errors++;
	stream_errors += errors;
	if (fail) {
		munmap(run, 4096);
		return -1;
	}
	*csw_per_msg = (double)(csw_children() - csw0) / (double)total;
	for (i = 0; i < 2; i++)
		cpu[i] = (double)atomic_load(&run->cpu_ns[i]) / (double)total;
	if (sc) {
		sc->err = (int)atomic_load(&run->sc_err);
		sc->producer = (double)atomic_load(&run->sc_sum[0]) / (double)total;
		sc->consumer = (double)atomic_load(&run->sc_sum[1]) / (double)total;
	}
	munmap(run, 4096);
	return (double)total * 1e9 / (double)t0;
}

/* Messages per io_uring cell: as many as streaming 1x1 at 64 B. */
static int ur_count(int cell)
{
	if (cell <= UR_1X1)
		return quick ? 500 : 20000;
	return quick ? 512 : 20000;	/* a multiple of FANIN_QUEUES */
}

/* The io_uring cells of repetition @r, interleaved like the others. */
static void ur_rep(int r)
{
	int c;

	for (c = 0; c < NUR; c++) {
		double cs = -1, cpu[2] = { -1, -1 };

		ur_tput[c][r] = uring_err && ur_rows[c].uring ? -1 :
				ur_cell(c, ur_count(c), &cs, cpu, NULL);
		ur_csw[c][r] = cs;
		ur_cpu[c][0][r] = cpu[0];
		ur_cpu[c][1][r] = cpu[1];
	}
}

/* Semaphores. */
enum { SEM_IPCQ, SEM_SHARED, SEM_POSIX, SEM_SYSV, NSEM };
static const char *const sem_names[NSEM] = { "ipcq-sem", "ipcq-sem-shared",
					     "posix-sem_t", "sysv-semop" };
static double sem_unc[NSEM][16], sem_con[NSEM][16];

struct semset {
	ipcdev_sem *ipcq;
	ipcdev_sem *shared;	/* IPCDEV_SEM_SHARED: no syscall uncontended */
	sem_t *posix;
	int sysv;
};

static void sem_op(struct semset *s, int kind, int acquire)
{
	struct sembuf sb = { 0, (short)(acquire ? -1 : 1), 0 };

	switch (kind) {
	case SEM_IPCQ:
	case SEM_SHARED: {
		ipcdev_sem *sem = kind == SEM_IPCQ ? s->ipcq : s->shared;

		if (acquire)
			ipcdev_sem_acquire(sem, IPCDEV_FOREVER);
		else
			ipcdev_sem_release(sem, 1);
		break;
	}
	case SEM_POSIX:
		if (acquire)
			sem_wait(s->posix);
		else
			sem_post(s->posix);
		break;
	default:
		semop(s->sysv, &sb, 1);
	}
}

static int sem_setup(struct semset *s)
{
	union { int val; } arg = { 1 };

	s->posix = shared_alloc(sizeof(sem_t));
	if (ipcdev_sem_create(&s->ipcq, 1, 0) ||
	    ipcdev_sem_create(&s->shared, 1, IPCDEV_SEM_SHARED) ||
	    sem_init(s->posix, 1, 1))
		return -1;
	s->sysv = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (s->sysv < 0 || semctl(s->sysv, 0, SETVAL, arg) < 0)
		return -1;
	return 0;
}

static void sem_teardown(struct semset *s)
{
	ipcdev_sem_close(s->ipcq);
	ipcdev_sem_close(s->shared);
	sem_destroy(s->posix);
	munmap(s->posix, sizeof(sem_t));
	semctl(s->sysv, 0, IPC_RMID);
}

/*
 * ns per acquire+release pair: one process alone, or @procs processes at
 * once, each timing itself after a common start (fork not counted).
 */
static double sem_bench(struct semset *s, int kind, int procs, int iters)
{
	struct { _Atomic int ready; _Atomic int go; uint64_t ns[2]; } *sh;
	uint64_t t0, worst = 0;
	pid_t pids[2];
	int i, k, status;

	if (procs == 1) {
		t0 = now_ns();
		for (k = 0; k < iters; k++) {
			sem_op(s, kind, 1);
			sem_op(s, kind, 0);
		}
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
			for (k = 0; k < iters; k++) {
				sem_op(s, kind, 1);
				sem_op(s, kind, 0);
			}
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
	/* Pairs completed by everyone over the time the slowest took. */
	return (double)worst / ((double)iters * procs);
}

/* Median, min and max of n values. */
static void stats(const double *v, int n, double *med, double *lo, double *hi)
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
static double clock_ns;
static char clocksource[32] = "unknown";

static void measure_clock(void)
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

static void header(void)
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

/*
 * Syscalls per message, 64 B 1x1, every mechanism, REPS times, in runs of
 * their own after all timed ones: while a syscall tracepoint is in use,
 * every syscall of every process takes the slow path, a tax on exactly
 * the mechanisms the ring is compared with.
 */
static void count_syscalls(int count)
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

static void print_syscalls(void)
{
	static const char *const side[] = { "producer", "consumer" };
	unsigned int mi;
	int r, k;

	printf("\n## Syscalls per message, 64 B streaming 1x1 (producer and consumer loops)\n");
	printf("# counted: %s%s\n", sc_id < 0 ? "n/a, " : "", sc_why);
	if (sc_id >= 0)
		printf("# in extra runs of the cell: the tracepoint slows every syscall, so they give no msg/s\n");
	printf("%-12s %28s %10s %10s\n", "mechanism",
	       "total median (min-max)", "producer", "consumer");
	for (mi = 0; mi < NMECH; mi++) {
		double v[16], med, lo, hi, sd[2];
		char cell[64];
		int missing = 0;

		scalls_total((int)mi, v);
		for (r = 0; r < reps; r++)
			missing += v[r] < 0;
		stats(v, reps, &med, &lo, &hi);
		if (med < 0) {
			printf("%-12s n/a: %s\n", mechs[mi].name,
			       scalls_why((int)mi));
			continue;
		}
		printf("csv,syscalls_per_msg,%s,64,1x1,total,%.5f,%.5f,%.5f\n",
		       mechs[mi].name, med, lo, hi);
		snprintf(cell, sizeof(cell), "%.4f (%.4f-%.4f)", med, lo, hi);
		for (k = 0; k < 2; k++) {
			stats(scalls[mi][k], reps, &sd[k], &lo, &hi);
			printf("csv,syscalls_per_msg,%s,64,1x1,%s,%.5f,%.5f,%.5f\n",
			       mechs[mi].name, side[k], sd[k], lo, hi);
		}
		printf("%-12s %28s %10.4f %10.4f", mechs[mi].name, cell, sd[0],
		       sd[1]);
		if (missing)
			printf("  (%d of %d runs not counted: %s)", missing,
			       reps, scalls_why((int)mi));
		printf("\n");
	}
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
 * One row of the io_uring table, @c of ur_rows, with its CSV lines: msg/s
 * and its ratio to @base, context switches, syscalls and CPU time per
 * message of the producer and consumer loops.
 */
static void ur_row(int c, double base)
{
	static const char *const side[] = { "producer", "consumer" };
	const char *name = ur_rows[c].name, *cell = ur_rows[c].cell;
	char tp_s[48], csw_s[16], sc_s[3][16], cpu_s[2][16];
	double med, lo, hi, x, v[16];
	int r, k;

	if (uring_err && ur_rows[c].uring) {
		printf("%-16s %4s n/a, skipped: ipcdev_uring_probe(): %s\n",
		       name, cell, strerror(-uring_err));
		return;
	}
	stats(ur_tput[c], reps, &med, &lo, &hi);
	printf("csv,uring_msgs_per_s,%s,64,%s,median,%.0f,%.0f,%.0f\n",
	       name, cell, med, lo, hi);
	if (med < 0)
		snprintf(tp_s, sizeof(tp_s), "n/a (run failed)");
	else
		snprintf(tp_s, sizeof(tp_s), "%.0f (%.0f-%.0f)", med, lo, hi);
	x = base > 0 && med > 0 ? med / base : -1;
	ur_fmt(csw_s, sizeof(csw_s), "%.2f", ur_csw[c], &med);
	for (r = 0; r < reps; r++)
		v[r] = ur_scalls[c][0][r] < 0 || ur_scalls[c][1][r] < 0 ? -1 :
		       ur_scalls[c][0][r] + ur_scalls[c][1][r];
	ur_fmt(sc_s[0], sizeof(sc_s[0]), "%.4f", v, &med);
	if (med >= 0) {
		stats(v, reps, &med, &lo, &hi);
		printf("csv,uring_syscalls_per_msg,%s,64,%s,total,%.5f,%.5f,%.5f\n",
		       name, cell, med, lo, hi);
	}
	for (k = 0; k < 2; k++) {
		ur_fmt(sc_s[k + 1], sizeof(sc_s[k + 1]), "%.4f",
		       ur_scalls[c][k], &med);
		if (med >= 0) {
			stats(ur_scalls[c][k], reps, &med, &lo, &hi);
			printf("csv,uring_syscalls_per_msg,%s,64,%s,%s,%.5f,%.5f,%.5f\n",
			       name, cell, side[k], med, lo, hi);
		}
		ur_fmt(cpu_s[k], sizeof(cpu_s[k]), "%.0f", ur_cpu[c][k], &med);
		if (med >= 0) {
			stats(ur_cpu[c][k], reps, &med, &lo, &hi);
			printf("csv,uring_cpu_ns_per_msg,%s,64,%s,%s,%.1f,%.1f,%.1f\n",
			       name, cell, side[k], med, lo, hi);
		}
	}
	printf("%-16s %4s %24s %7.2f %7s %9s %9s %9s %8s %8s", name, cell, tp_s,
	       x, csw_s, sc_s[0], sc_s[1], sc_s[2], cpu_s[0], cpu_s[1]);
	if (!strcmp(sc_s[0], "n/a"))
		printf("  (syscalls n/a: %s)", scalls_err_why(ur_scalls_err[c]));
	printf("\n");
}

static void print_uring(void)
{
	double base;
	int c;

	printf("\n## io_uring: batched asynchronous put/get vs the blocking API, 64 B queue messages (checked)\n");
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
	printf("%-16s %4s %24s %7s %7s %9s %9s %9s %8s %8s\n", "mechanism", "PxC",
	       "msg/s median (min-max)", "x/base", "csw/msg", "syscalls",
	       "sc prod", "sc cons", "cpu prod", "cpu cons");
	for (c = 0; c < NUR; c++) {
		double lo, hi;

		if (!ur_rows[c].uring)
			stats(ur_tput[c], reps, &base, &lo, &hi);
		ur_row(c, base);
	}
}

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
	snprintf(m, sizeof(m), "%.2fx (%.*f vs %.*f %s)", x,
		 num < 100 ? 1 : 0, num, den < 100 ? 1 : 0, den, unit);
	goal(what, target, m, at_least ? x >= limit : x <= limit);
}

static void print_goals(void)
{
	int ring = mech_index("ipcq-ring"), queue = mech_index("ipcq-queue");
	int pipe_ = mech_index("pipe"), mq = mech_index("posix-mq");
	int spin = mech_index("spin-ring");
	double v[16], sc, pm, cm;
	char m[256];

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
	printf("# ioctl path (ipcq-queue, ipcq-sem)\n");
	goal_ratio("queue round trip p50 vs pipe", "no slower than pipe (<= 1x)",
		   lat_p50(queue, S64), lat_p50(pipe_, S64), "us", 1, 0);
	goal_ratio("queue round trip p50 vs POSIX mq",
		   "1.3x faster (posix-mq p50 / ipcq p50 >= 1.3)",
		   lat_p50(mq, S64), lat_p50(queue, S64), "us", 1.3, 1);
	goal_ratio("semaphore uncontended vs sem_t", "within 2x of sem_t",
		   med_of(sem_unc[SEM_IPCQ]), med_of(sem_unc[SEM_POSIX]), "ns",
		   2, 0);
	goal_ratio("semaphore uncontended vs SysV",
		   "20x faster (semop ns / ipcq ns >= 20)",
		   med_of(sem_unc[SEM_SYSV]), med_of(sem_unc[SEM_IPCQ]), "ns",
		   20, 1);
	printf("# shared semaphore (IPCDEV_SEM_SHARED: value in a mapped page)\n");
	goal_ratio("shared semaphore uncontended vs sem_t", "within 2x of sem_t",
		   med_of(sem_unc[SEM_SHARED]), med_of(sem_unc[SEM_POSIX]),
		   "ns", 2, 0);
	goal_ratio("shared semaphore uncontended vs SysV",
		   "20x faster (semop ns / ipcq ns >= 20)",
		   med_of(sem_unc[SEM_SYSV]), med_of(sem_unc[SEM_SHARED]),
		   "ns", 20, 1);
}

int main(int argc, char **argv)
{
	int opt, r, s, n, k, iters, count;
	double med, lo, hi, base;
	struct semset ss;
	unsigned int mi;

	while ((opt = getopt(argc, argv, "r:qu")) != -1) {
		if (opt == 'r')
			reps = atoi(optarg);
		else if (opt == 'q')
			quick = 1;
		else if (opt == 'u')
			only_uring = 1;
	}
	if (reps < 1 || reps > 16)
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

	for (r = 0; r < reps; r++) {
		if (only_uring) {
			ur_rep(r);
			fprintf(stderr, "# repetition %d/%d done\n", r + 1,
				reps);
			continue;
		}
		for (s = 0; s < (int)NSIZE; s++) {
			iters = quick ? 200 : sizes[s] >= 16384 ? 500 : 2000;
			for (mi = 0; mi < NMECH; mi++)
				if (round_trip(&mechs[mi], sizes[s], iters,
					       lat[mi][s][r]))
					for (k = 0; k < NLAT; k++)
						lat[mi][s][r][k] = -1;
		}
		for (s = 0; s < (int)NSIZE; s++) {
			count = quick ? 500 : sizes[s] >= 16384 ? 2000 : 20000;
			for (mi = 0; mi < NMECH; mi++) {
				double c;

				tput_size[mi][s][r] = stream(&mechs[mi], sizes[s],
							     1, 1, count, &c,
							     NULL);
				if (s == S64) {
					tput[mi][0][r] = tput_size[mi][s][r];
					csw[mi][0][r] = c;
				}
			}
		}
		for (n = 1; n < 3; n++) {
			int parties = n == 1 ? 2 : 4;

			count = quick ? 250 : 10000 / parties;
			for (mi = 0; mi < NMECH; mi++) {
				double c = -1;

				tput[mi][n][r] = mechs[mi].multi ?
					stream(&mechs[mi], 64, parties, parties,
					       count, &c, NULL) : -1;
				csw[mi][n][r] = c;
			}
		}
		ur_rep(r);
		if (sem_setup(&ss) == 0) {
			iters = quick ? 2000 : 50000;
			for (k = 0; k < NSEM; k++) {
				sem_unc[k][r] = sem_bench(&ss, k, 1, iters);
				sem_con[k][r] = sem_bench(&ss, k, 2, iters / 5);
			}
			sem_teardown(&ss);
		}
		fprintf(stderr, "# repetition %d/%d done\n", r + 1, reps);
	}
	count_syscalls(quick ? 500 : 20000);
	if (only_uring) {
		print_uring();
		printf("\nstream check errors: %llu\n",
		       (unsigned long long)stream_errors);
		return stream_errors ? 1 : 0;
	}

	printf("\n## Round-trip latency, us (two processes, ping-pong)\n");
	printf("# last column: p50 / ipcq-queue p50 (below 1: faster than ipcq)\n");
	printf("%-12s %6s %22s %8s %8s %8s %8s %8s\n", "mechanism", "size",
	       "p50 median (min-max)", "p90", "p99", "p99.9", "max",
	       "p50/ipcq");
	for (s = 0; s < (int)NSIZE; s++) {
		double v[16];

		for (r = 0; r < reps; r++)
			v[r] = lat[0][s][r][P50];
		stats(v, reps, &base, &lo, &hi);
		for (mi = 0; mi < NMECH; mi++) {
			double st[NLAT], l50, h50;
			char cell[40];

			for (k = 0; k < NLAT; k++) {
				for (r = 0; r < reps; r++)
					v[r] = lat[mi][s][r][k];
				stats(v, reps, &st[k], &lo, &hi);
				if (k == P50) {
					l50 = lo;
					h50 = hi;
				}
				printf("csv,latency_us,%s,%zu,2,%s,%.3f,%.3f,%.3f\n",
				       mechs[mi].name, sizes[s],
				       (const char *[]){ "p50", "p90", "p99",
							 "p99.9", "max" }[k],
				       st[k], lo, hi);
			}
			snprintf(cell, sizeof(cell), "%.1f (%.1f-%.1f)", st[P50],
				 l50, h50);
			printf("%-12s %6zu %22s %8.1f %8.1f %8.1f %8.1f %8.2f\n",
			       mechs[mi].name, sizes[s],
			       st[P50] < 0 ? "n/a" : cell, st[P90], st[P99],
			       st[P999], st[MAX],
			       base > 0 && st[P50] > 0 ? st[P50] / base : -1);
		}
	}

	printf("\n## Streaming 1 producer -> 1 consumer, messages/s (checked)\n");
	printf("# x/ipcq: throughput / ipcq-queue throughput (above 1: faster)\n");
	printf("%-12s %6s %26s %10s %9s\n", "mechanism", "size",
	       "msg/s median (min-max)", "MB/s", "x/ipcq");
	for (s = 0; s < (int)NSIZE; s++) {
		double v[16];

		for (r = 0; r < reps; r++)
			v[r] = tput_size[0][s][r];
		stats(v, reps, &base, &lo, &hi);
		for (mi = 0; mi < NMECH; mi++) {
			char cell[48];

			for (r = 0; r < reps; r++)
				v[r] = tput_size[mi][s][r];
			stats(v, reps, &med, &lo, &hi);
			printf("csv,stream_msgs_per_s,%s,%zu,1x1,median,%.0f,%.0f,%.0f\n",
			       mechs[mi].name, sizes[s], med, lo, hi);
			snprintf(cell, sizeof(cell), "%.0f (%.0f-%.0f)", med, lo, hi);
			printf("%-12s %6zu %26s %10.1f %9.2f\n", mechs[mi].name,
			       sizes[s], med < 0 ? "n/a" : cell,
			       med * (double)sizes[s] / 1e6,
			       base > 0 && med > 0 ? med / base : -1);
		}
	}

	printf("\n## Streaming 64 B, producers x consumers, messages/s; context switches per message\n");
	printf("%-12s %6s %26s %9s %9s\n", "mechanism", "PxC",
	       "msg/s median (min-max)", "x/ipcq", "csw/msg");
	for (n = 0; n < 3; n++) {
		static const char *const pc[] = { "1x1", "2x2", "4x4" };
		double v[16], cs;

		for (r = 0; r < reps; r++)
			v[r] = tput[0][n][r];
		stats(v, reps, &base, &lo, &hi);
		for (mi = 0; mi < NMECH; mi++) {
			char cell[48];

			for (r = 0; r < reps; r++)
				v[r] = csw[mi][n][r];
			stats(v, reps, &cs, &lo, &hi);
			for (r = 0; r < reps; r++)
				v[r] = tput[mi][n][r];
			stats(v, reps, &med, &lo, &hi);
			printf("csv,stream_msgs_per_s,%s,64,%s,median,%.0f,%.0f,%.0f\n",
			       mechs[mi].name, pc[n], med, lo, hi);
			snprintf(cell, sizeof(cell), "%.0f (%.0f-%.0f)", med, lo, hi);
			printf("%-12s %6s %26s %9.2f %9.2f\n", mechs[mi].name, pc[n],
			       med < 0 ? "n/a (SPSC or stream)" : cell,
			       base > 0 && med > 0 ? med / base : -1, cs);
		}
	}

	print_syscalls();

	printf("\n## Semaphores: ns per acquire+release\n");
	printf("# x/ipcq: time / ipcq-sem time (below 1: faster than ipcq)\n");
	printf("%-16s %24s %9s %24s %9s\n", "mechanism", "uncontended (min-max)",
	       "x/ipcq", "2 procs contending", "x/ipcq");
	{
		double ub, cb, um, cm;

		stats(sem_unc[0], reps, &ub, &lo, &hi);
		stats(sem_con[0], reps, &cb, &lo, &hi);
		for (k = 0; k < NSEM; k++) {
			char c1[48], c2[48];

			stats(sem_unc[k], reps, &um, &lo, &hi);
			snprintf(c1, sizeof(c1), "%.0f (%.0f-%.0f)", um, lo, hi);
			printf("csv,sem_ns,%s,0,1,uncontended,%.1f,%.1f,%.1f\n",
			       sem_names[k], um, lo, hi);
			stats(sem_con[k], reps, &cm, &lo, &hi);
			snprintf(c2, sizeof(c2), "%.0f (%.0f-%.0f)", cm, lo, hi);
			printf("csv,sem_ns,%s,0,2,contended,%.1f,%.1f,%.1f\n",
			       sem_names[k], cm, lo, hi);
			printf("%-16s %24s %9.2f %24s %9.2f\n", sem_names[k], c1,
			       um / ub, c2, cm / cb);
		}
	}
	print_uring();
	print_goals();
	printf("\nstream check errors: %llu\n", (unsigned long long)stream_errors);
	return stream_errors ? 1 : 0;
}
