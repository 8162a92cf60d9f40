// SPDX-License-Identifier: GPL-2.0
/*
 * The mechanisms ipcq-bench compares, each as setup, send, recv,
 * close_end and teardown over a struct link: ipcq's queue (ioctl path and
 * ring) and pipe, pipe(2), unix stream and datagram sockets, POSIX mq,
 * SysV msg, and shared-memory rings woken by eventfd, by futex, or not
 * at all (spinning). Every message is framed alike (msg_fill, msg_ok).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "bench.h"

/* Message framing shared by every mechanism: a header then payload. */
void msg_fill(unsigned char *buf, size_t len, uint32_t seq,
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

int msg_ok(const unsigned char *buf, size_t len)
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

/*
 * libipcdev-mq: the same calls on ipcq. Its mq.c is built into the
 * benchmark a second time with each mq_* renamed ipcdevmq_* (see the
 * Makefile), so that both it and glibc's mq_* are in one binary.
 */
mqd_t ipcdevmq_open(const char *name, int oflag, ...);
int ipcdevmq_send(mqd_t mqdes, const char *msg, size_t len, unsigned int prio);
ssize_t ipcdevmq_receive(mqd_t mqdes, char *msg, size_t len,
			 unsigned int *prio);
int ipcdevmq_close(mqd_t mqdes);
int ipcdevmq_unlink(const char *name);

static int imq_setup(struct link *l)
{
	struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = (long)l->size };
	char name[64];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "/ipcq-bench-imq-%d-%d", getpid(),
			 i);
		l->mq[i] = ipcdevmq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600,
					 &attr);
		if (l->mq[i] == (mqd_t)-1)
			return -1;
		ipcdevmq_unlink(name);
	}
	return 0;
}

static int imq_send(struct link *l, int dir, const void *buf, size_t len)
{
	while (ipcdevmq_send(l->mq[dir], buf, len, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t imq_recv(struct link *l, int dir, void *buf, size_t len)
{
	ssize_t n;

	do
		n = ipcdevmq_receive(l->mq[dir], buf, l->size, NULL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void imq_teardown(struct link *l)
{
	ipcdevmq_close(l->mq[0]);
	ipcdevmq_close(l->mq[1]);
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

const struct mech mechs[] = {
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
	{ "libipcdev-mq", 1, imq_setup, imq_send, imq_recv, nop_close_end,
	  imq_teardown },
	{ "sysv-msg", 1, msg_setup, msg_send, msg_recv, nop_close_end,
	  msg_teardown },
	{ "eventfd+shm", 0, efd_setup, ring_send, ring_recv, nop_close_end,
	  ring_teardown },
	{ "futex+shm", 0, futex_setup, ring_send, ring_recv, nop_close_end,
	  ring_teardown },
	{ "spin-ring", 0, spin_setup, ring_send, ring_recv, nop_close_end,
	  ring_teardown },
};
_Static_assert(sizeof(mechs) / sizeof(mechs[0]) == NMECH,
	       "NMECH counts mechs[]");
