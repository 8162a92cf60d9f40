// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libipcdev-mq: POSIX message queues (<mqueue.h>, glibc's prototypes) on
 * ipcq queues. An mqd_t is the queue file's descriptor, so poll, select
 * and epoll work on it. See libipcdev-mq(7).
 *
 * Mapping: mq_open() opens (creates) the named ipcq queue "name" for the
 * POSIX name "/name", a producer for O_WRONLY, a consumer for O_RDONLY,
 * both for O_RDWR, always close-on-exec as Linux does; a queue it creates
 * has IPCQ_OPEN_NOHUP (POSIX has no end-of-file), mq_maxmsg as capacity and
 * mq_msgsize as max_msg_size. O_NONBLOCK is the file's status flag, so it
 * belongs to the open description, as POSIX says, and the module honours
 * it. Deadlines: CLOCK_REALTIME absolute timeouts become CLOCK_MONOTONIC
 * ones once, at the call. Signals interrupt blocking calls with EINTR
 * unless the handler has SA_RESTART, as for the kernel's queues: nothing
 * here restarts. mq_notify() is IPCQ_IOC_QUEUE_NOTIFY; SIGEV_THREAD gets
 * an eventfd the module signals and a thread of ours that waits on it and
 * runs the function.
 *
 * Queues it creates have rings, which spare sends and receives the
 * system call: see "Rings" below.
 *
 * This library is self-contained: its own /dev/ipcq descriptor (for
 * opening and unlinking) and handshake, no libipcdev symbol. It has
 * libipcdev's ring code (ring.c, sys.c) built in under names of its own
 * (the Makefile's MQ_OWN_NAMES).
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE		/* we define mq_open, not its inline wrapper */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/ipcq.h>

#include "internal.h"		/* ipcdev__ring_*: ring.c */

#define MQ_DEFAULT_MAXMSG	10	/* Linux's defaults without attr */
#define MQ_DEFAULT_MSGSIZE	8192
#define MQ_HARD_MAXMSG		65536	/* Linux's HARD_MSGMAX */

#define NSEC_PER_SEC		1000000000LL

/* Added to a SIGEV_THREAD eventfd by us: the registration went away. */
#define NOTIFY_CANCEL		((uint64_t)1 << 32)

#define EXPORT __attribute__((visibility("default")))

mqd_t __mq_open_2(const char *name, int oflag);

static atomic_int device_fd = -1;
static struct ipcq_api device_api;	/* valid once device_fd >= 0 */
static pthread_mutex_t device_lock = PTHREAD_MUTEX_INITIALIZER;

/* The device, handshaken, with what POSIX queues need: fd or -1, errno. */
static int mq_device(void)
{
	struct ipcq_api api;
	int fd = atomic_load_explicit(&device_fd, memory_order_acquire);

	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&device_lock);
	fd = atomic_load_explicit(&device_fd, memory_order_acquire);
	if (fd >= 0)
		goto out;
	fd = open("/dev/ipcq", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		errno = ENOSYS;
		goto out;
	}
	memset(&api, 0, sizeof(api));
	api.api_version = IPCQ_API_VERSION;
	if (ioctl(fd, IPCQ_IOC_API, &api) < 0 ||
	    !(api.features & IPCQ_FEATURE_QUEUE_POSIX)) {
		close(fd);
		fd = -1;
		errno = ENOSYS;
		goto out;
	}
	device_api = api;
	atomic_store_explicit(&device_fd, fd, memory_order_release);
out:
	pthread_mutex_unlock(&device_lock);
	return fd;
}

/* Descriptors below this number have a msgsize cache entry and rings. */
#define MQ_FDS		4096

/*
 * mq_msgsize per descriptor, for mq_receive's EMSGSIZE check without a
 * system call: 0 unknown (asked for with STAT). Set by mq_open and the
 * first use, cleared by mq_close.
 */
static atomic_long msgsize_cache[MQ_FDS];

static void msgsize_set(int fd, long size)
{
	if (fd >= 0 && fd < MQ_FDS)
		atomic_store_explicit(&msgsize_cache[fd], size,
				      memory_order_relaxed);
}

/*
 * Rings. A queue mq_open() creates is a ring queue (IPCQ_OPEN_RING) when
 * the module notifies on ring queues (IPCQ_FEATURE_RING_NOTIFY) and
 * mq_maxmsg is at most MQ_RING_SLOTS: a slot per message of mq_maxmsg,
 * each of mq_msgsize bytes while the ring stays within MQ_RING_BYTES
 * (so that every message can travel there, as Linux's queues account
 * mq_maxmsg x mq_msgsize against RLIMIT_MSGQUEUE), else of
 * IPCQ_RING_SLOT_DEFAULT bytes (capped at mq_msgsize). Each descriptor
 * mq_open() makes on a ring queue maps the ring through an attachment of
 * its own, so that mq_send() of a priority-0 message that fits a slot,
 * and mq_receive(), make no system call while the ring is neither full
 * nor empty (ring.c, libipcdev's code). Everything else,
 * and every wait, goes through the kernel, which keeps POSIX's order
 * across both and sends everyone through itself while an mq_notify()
 * registration exists (ipcq(4)).
 *
 * The mapping belongs to the descriptor number mq_open() returned, until
 * mq_close(); descriptors made by dup() or received over a socket have
 * none and go through the kernel. After fork() the child unmaps what it
 * inherited (its claims would be made in its parent's name, and an idle
 * child would keep them alive after the parent's death) and attaches
 * anew at its first use. IPCDEV_MQ_RING=0 in the environment of an
 * mq_open() call turns rings off for it: no ring queue created, no ring
 * mapped.
 *
 * rings_lock guards the table's changes and every attachment; the paths
 * that use a ring take no lock: one load of the table entry.
 */
#define MQ_RING_SLOTS	1024
#define MQ_RING_BYTES	(1L << 20)

struct mq_ring {
	struct ipcdev__ring *_Atomic ring;	/* NULL: through the kernel */
	_Atomic bool inherited;		/* NULL since a fork: attach anew */
	/*
	 * O_NONBLOCK as mq_open() and mq_setattr() left it: a blocking call
	 * spins a while before it sleeps, a non-blocking one need not. Only
	 * a hint (fcntl() on a dup may change the flag): the kernel
	 * decides, on the file's flag.
	 */
	_Atomic bool nonblock;
	bool put, get;			/* the descriptor's roles */
};

static struct mq_ring *_Atomic mq_rings[MQ_FDS];
static pthread_mutex_t rings_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t rings_once = PTHREAD_ONCE_INIT;
static bool rings_broken;	/* no fork handlers: no rings */

static void rings_fork_prepare(void)
{
	pthread_mutex_lock(&rings_lock);
}

static void rings_fork_parent(void)
{
	pthread_mutex_unlock(&rings_lock);
}

/* One thread, the table stable: every inherited mapping goes. */
static void rings_fork_child(void)
{
	struct mq_ring *d;
	int fd;

	for (fd = 0; fd < MQ_FDS; fd++) {
		d = atomic_load_explicit(&mq_rings[fd], memory_order_relaxed);
		if (!d || !d->ring)
			continue;
		ipcdev__ring_detach(d->ring);
		atomic_store_explicit(&d->ring, NULL, memory_order_relaxed);
		atomic_store_explicit(&d->inherited, true,
				      memory_order_relaxed);
	}
	pthread_mutex_unlock(&rings_lock);
}

static void rings_init(void)
{
	rings_broken = pthread_atfork(rings_fork_prepare, rings_fork_parent,
				      rings_fork_child) != 0;
}

/* Whether this mq_open() may create or map rings. */
static bool rings_on(void)
{
	const char *env = getenv("IPCDEV_MQ_RING");

	pthread_once(&rings_once, rings_init);
	return !rings_broken && !(env && !strcmp(env, "0"));
}

/* Whether mq_open() makes a ring queue for @attr (NULL: the defaults). */
static bool ring_wanted(const struct mq_attr *attr)
{
	return (device_api.features & IPCQ_FEATURE_RING_NOTIFY) &&
	       (!attr || attr->mq_maxmsg <= MQ_RING_SLOTS) && rings_on();
}

/* Payload bytes per slot of a new queue's ring (see Rings). */
static __u64 ring_slot_size(__u64 maxmsg, __u64 msgsize)
{
	/* About what a slot takes: control word, length, payload, aligned. */
	__u64 stride = (16 + msgsize + 63) / 64 * 64;

	if (msgsize <= IPCQ_RING_SLOT_MAX && maxmsg * stride <= MQ_RING_BYTES)
		return msgsize;
	return 0;	/* IPCQ_RING_SLOT_DEFAULT, capped at msgsize */
}

/* Drops @fd's entry and its mapping, if any. */
static void ring_forget(int fd)
{
	struct mq_ring *d;

	if (fd < 0 || fd >= MQ_FDS)
		return;
	pthread_mutex_lock(&rings_lock);
	d = atomic_exchange_explicit(&mq_rings[fd], NULL, memory_order_acq_rel);
	pthread_mutex_unlock(&rings_lock);
	if (d) {
		ipcdev__ring_detach(d->ring);
		free(d);
	}
}

/*
 * Maps the ring of the queue mq_open() just opened at @fd with @oflag's
 * access mode, if it has one. Any failure (no ring: ENXIO; no read and
 * write permission: EACCES; no memory) leaves @fd on the kernel's path.
 */
static void ring_map(int fd, int oflag)
{
	struct ipcdev__ring *r;
	struct mq_ring *d;
	int mode = oflag & O_ACCMODE;

	ring_forget(fd);	/* closed with close(2) and reused */
	if (fd >= MQ_FDS || mode == O_ACCMODE || !rings_on())
		return;
	d = calloc(1, sizeof(*d));
	if (!d)
		return;
	if (ipcdev__ring_attach(fd, &r)) {
		free(d);
		return;
	}
	atomic_init(&d->ring, r);
	atomic_init(&d->inherited, false);
	atomic_init(&d->nonblock, oflag & O_NONBLOCK);
	d->put = mode != O_RDONLY;
	d->get = mode != O_WRONLY;
	pthread_mutex_lock(&rings_lock);
	atomic_store_explicit(&mq_rings[fd], d, memory_order_release);
	pthread_mutex_unlock(&rings_lock);
}

/* In a child after fork: @d's ring attached again, or NULL. */
static struct ipcdev__ring *ring_reattach(struct mq_ring *d, int fd)
{
	struct ipcdev__ring *r = NULL;

	pthread_mutex_lock(&rings_lock);
	if (atomic_load_explicit(&d->inherited, memory_order_relaxed)) {
		if (!ipcdev__ring_attach(fd, &r))
			atomic_store_explicit(&d->ring, r,
					      memory_order_release);
		atomic_store_explicit(&d->inherited, false,
				      memory_order_relaxed);
	}
	r = atomic_load_explicit(&d->ring, memory_order_acquire);
	pthread_mutex_unlock(&rings_lock);
	return r;
}

/*
 * The ring @fd may put into (@put) or get from, or NULL; *@may_wait: the
 * call may spin before it goes to the kernel.
 */
static inline struct ipcdev__ring *ring_of(int fd, bool put, bool *may_wait)
{
	struct ipcdev__ring *r;
	struct mq_ring *d;

	if (fd < 0 || fd >= MQ_FDS)
		return NULL;
	d = atomic_load_explicit(&mq_rings[fd], memory_order_acquire);
	if (!d || !(put ? d->put : d->get))
		return NULL;
	*may_wait = !atomic_load_explicit(&d->nonblock, memory_order_relaxed);
	r = atomic_load_explicit(&d->ring, memory_order_acquire);
	if (!r && atomic_load_explicit(&d->inherited, memory_order_relaxed))
		r = ring_reattach(d, fd);
	return r;
}

/* mq_setattr() changed @fd's O_NONBLOCK: the hint follows. */
static void ring_nonblock(int fd, bool on)
{
	struct mq_ring *d;

	if (fd < 0 || fd >= MQ_FDS)
		return;
	pthread_mutex_lock(&rings_lock);
	d = atomic_load_explicit(&mq_rings[fd], memory_order_relaxed);
	if (d)
		atomic_store_explicit(&d->nonblock, on, memory_order_relaxed);
	pthread_mutex_unlock(&rings_lock);
}

/* ioctl's errno for a descriptor that is no queue of ours: EBADF. */
static int mq_errno(int err)
{
	return err == ENOTTY ? EBADF : err;
}

static int mq_stat(mqd_t mqdes, struct ipcq_queue_stat *st)
{
	if (ioctl(mqdes, IPCQ_IOC_QUEUE_STAT, st) < 0) {
		errno = mq_errno(errno);
		return -1;
	}
	msgsize_set(mqdes, (long)st->max_msg_size);
	return 0;
}

/*
 * A POSIX name to the ipcq name: as glibc, EINVAL without the leading
 * '/'; as Linux, ENOENT for an empty name, EACCES for "." and "..", and
 * one with another '/', ENAMETOOLONG past NAME_MAX bytes.
 * ipcq names are printable ASCII: other bytes are EINVAL.
 */
static int mq_name(const char *name, size_t *len)
{
	size_t i, n;

	if (name[0] != '/')
		return EINVAL;
	name++;
	n = strlen(name);
	if (!n)
		return ENOENT;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return EACCES;
	if (strchr(name, '/'))
		return EACCES;
	if (n > NAME_MAX || n > IPCQ_NAME_MAX)
		return ENAMETOOLONG;
	for (i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return EINVAL;
	*len = n;
	return 0;
}

/* Linux's rules for mq_attr at creation (the ipcq limits in place of
 * /proc/sys/fs/mqueue's): EINVAL.
 */
static bool mq_attr_bad(const struct mq_attr *attr)
{
	unsigned long long bytes;

	if (attr->mq_maxmsg <= 0 || attr->mq_msgsize <= 0)
		return true;
	if (attr->mq_maxmsg > MQ_HARD_MAXMSG ||
	    (unsigned long long)attr->mq_msgsize > device_api.max_msg_size)
		return true;
	bytes = (unsigned long long)attr->mq_maxmsg * attr->mq_msgsize;
	return bytes > device_api.max_queue_bytes;
}

static int mq_do_open(const char *name, size_t len, __u32 flags, mode_t mode,
		      const struct mq_attr *attr)
{
	struct ipcq_queue_open op;
	int fd;

	memset(&op, 0, sizeof(op));
	op.name = (uintptr_t)name;
	op.name_len = (__u32)len;
	op.flags = flags;
	op.mode = mode & 0777;
	op.capacity = attr ? (__u64)attr->mq_maxmsg : MQ_DEFAULT_MAXMSG;
	op.max_msg_size = attr ? (__u64)attr->mq_msgsize : MQ_DEFAULT_MSGSIZE;
	if ((flags & IPCQ_OPEN_CREATE) && ring_wanted(attr)) {
		op.flags |= IPCQ_OPEN_RING;
		op.slot_size = ring_slot_size(op.capacity, op.max_msg_size);
		fd = ioctl(mq_device(), IPCQ_IOC_QUEUE_OPEN, &op);
		/* A ring too large for the module's limits: none, then. */
		if (fd >= 0 || (errno != EINVAL && errno != ENOMEM))
			goto out;
		op.flags &= ~IPCQ_OPEN_RING;
		op.slot_size = 0;
	}
	fd = ioctl(mq_device(), IPCQ_IOC_QUEUE_OPEN, &op);
out:
	if (fd >= 0)
		msgsize_set(fd, 0);
	return fd;
}

EXPORT mqd_t mq_open(const char *name, int oflag, ...)
{
	const struct mq_attr *attr = NULL;
	mode_t mode = 0;
	__u32 flags;
	size_t len;
	va_list ap;
	int fd, err;

	if (oflag & O_CREAT) {
		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, const struct mq_attr *);
		va_end(ap);
	}
	err = mq_name(name, &len);
	if (err) {
		errno = err;
		return (mqd_t)-1;
	}
	if (mq_device() < 0)
		return (mqd_t)-1;
	switch (oflag & O_ACCMODE) {
	case O_RDONLY:
		flags = IPCQ_OPEN_CONSUMER;
		break;
	case O_WRONLY:
		flags = IPCQ_OPEN_PRODUCER;
		break;
	case O_RDWR:
		flags = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;
		break;
	default:
		/*
		 * O_WRONLY|O_RDWR: Linux creates a queue with a descriptor
		 * that may neither send nor receive (an observer here) and
		 * refuses an existing queue with EINVAL.
		 */
		flags = 0;
		break;
	}
	flags |= IPCQ_OPEN_CLOEXEC;
	name++;
	if ((oflag & O_ACCMODE) == O_ACCMODE) {
		if (!(oflag & O_CREAT) || (attr && mq_attr_bad(attr))) {
			/* Exists (or not) with no descriptor made. */
			fd = mq_do_open(name, len, 0, 0, NULL);
			err = fd >= 0 || errno == EACCES ? EINVAL : errno;
			if (fd >= 0)
				close(fd);
			if (err == EINVAL && (oflag & O_CREAT) &&
			    (oflag & O_EXCL))
				err = EEXIST;
			else if (err == ENOENT && (oflag & O_CREAT))
				err = EINVAL;	/* the attributes */
			errno = err;
			return (mqd_t)-1;
		}
		fd = mq_do_open(name, len, flags | IPCQ_OPEN_CREATE |
				IPCQ_OPEN_EXCL | IPCQ_OPEN_NOHUP, mode, attr);
		if (fd < 0 && errno == EEXIST && !(oflag & O_EXCL))
			errno = EINVAL;
		return fd < 0 ? (mqd_t)-1 : fd;
	}

	if (!(oflag & O_CREAT)) {
		fd = mq_do_open(name, len, flags, 0, NULL);
	} else if (attr && mq_attr_bad(attr)) {
		/* Linux checks the attributes only when it creates. */
		fd = mq_do_open(name, len, flags, 0, NULL);
		if (fd < 0 && errno == ENOENT) {
			errno = EINVAL;
		} else if ((oflag & O_EXCL) && (fd >= 0 || errno == EACCES)) {
			if (fd >= 0)
				close(fd);
			errno = EEXIST;
			fd = -1;
		}
	} else {
		flags |= IPCQ_OPEN_CREATE | IPCQ_OPEN_NOHUP |
			 (oflag & O_EXCL ? IPCQ_OPEN_EXCL : 0);
		fd = mq_do_open(name, len, flags, mode, attr);
	}
	if (fd < 0)
		return (mqd_t)-1;
	if ((oflag & O_NONBLOCK) && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return (mqd_t)-1;
	}
	ring_map(fd, oflag);
	return fd;
}

/* glibc's _FORTIFY_SOURCE sends two-argument mq_open() calls here. */
EXPORT mqd_t __mq_open_2(const char *name, int oflag)
{
	if (oflag & O_CREAT) {
		fputs("invalid mq_open call: O_CREAT without mode and attr\n",
		      stderr);
		abort();
	}
	return mq_open(name, oflag);
}

/*
 * Deadline of an absolute CLOCK_REALTIME timeout, taken now: 0, or
 * EINVAL for a bad timespec (reported only if the call would block).
 */
static int mq_deadline(const struct timespec *abs, __u64 *deadline)
{
	struct timespec rt, mono;
	long long left, ns;

	if (!abs) {
		*deadline = IPCQ_DEADLINE_FOREVER;
		return 0;
	}
	if (abs->tv_nsec < 0 || abs->tv_nsec >= NSEC_PER_SEC || abs->tv_sec < 0)
		return EINVAL;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	ns = (long long)mono.tv_sec * NSEC_PER_SEC + mono.tv_nsec;
	if (abs->tv_sec - rt.tv_sec > 1000000000LL) {
		*deadline = IPCQ_DEADLINE_FOREVER;	/* beyond 31 years */
		return 0;
	}
	left = (long long)(abs->tv_sec - rt.tv_sec) * NSEC_PER_SEC +
	       (abs->tv_nsec - rt.tv_nsec);
	*deadline = (__u64)ns + (left > 0 ? (__u64)left : 0);
	return 0;
}

/*
 * A put or get with @msg, waiting until @abs: the ioctl's result, or -1
 * with errno. A bad @abs is EINVAL only where the call would block.
 */
static int mq_xfer(mqd_t mqdes, unsigned long cmd, struct ipcq_msg *msg,
		   const struct timespec *abs)
{
	int ret, err = mq_deadline(abs, &msg->deadline);

	if (err)
		msg->flags |= IPCQ_MSG_NONBLOCK;
	ret = ioctl(mqdes, cmd, msg);
	if (ret >= 0)
		return ret;
	if (errno == EAGAIN && err) {
		int fl = fcntl(mqdes, F_GETFL);

		if (fl >= 0 && !(fl & O_NONBLOCK))
			errno = err;
	}
	errno = mq_errno(errno);
	return -1;
}

/* glibc declares abs_timeout nonnull: mq_send comes here with NULL. */
static int mq_send_until(mqd_t mqdes, const char *msg_ptr, size_t msg_len,
			 unsigned int msg_prio,
			 const struct timespec *abs_timeout)
{
	struct ipcdev__ring *r;
	struct ipcq_msg msg;
	bool may_wait;

	if (msg_prio >= MQ_PRIO_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* The kernel's path for what the ring cannot take (ring.c). */
	if (!msg_prio) {
		r = ring_of(mqdes, true, &may_wait);
		if (r && ipcdev__ring_put(r, mqdes, msg_ptr, msg_len,
					  may_wait) > 0)
			return 0;
	}
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)msg_ptr;
	msg.len = msg_len;
	msg.priority = msg_prio;
	if (mq_xfer(mqdes, IPCQ_IOC_QUEUE_PUT, &msg, abs_timeout) < 0) {
		/*
		 * Longer than the queue's whole byte limit (a put that only
		 * has to wait for bytes waits, as for a full queue): POSIX
		 * calls a message the queue can never take EMSGSIZE.
		 */
		if (errno == ENOBUFS)
			errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

EXPORT int mq_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len,
			unsigned int msg_prio,
			const struct timespec *abs_timeout)
{
	return mq_send_until(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);
}

EXPORT int mq_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len,
		   unsigned int msg_prio)
{
	return mq_send_until(mqdes, msg_ptr, msg_len, msg_prio, NULL);
}

/* mq_msgsize of @mqdes, or -1 with errno. */
static long mq_msgsize(mqd_t mqdes)
{
	struct ipcq_queue_stat st;
	long size = 0;

	if (mqdes >= 0 && mqdes < MQ_FDS)
		size = atomic_load_explicit(&msgsize_cache[mqdes],
					    memory_order_relaxed);
	if (size)
		return size;
	if (mq_stat(mqdes, &st) < 0)
		return -1;
	return (long)st.max_msg_size;
}

static ssize_t mq_receive_until(mqd_t mqdes, char *msg_ptr, size_t msg_len,
				unsigned int *msg_prio,
				const struct timespec *abs_timeout)
{
	struct ipcq_queue_stat st;
	struct ipcdev__ring *r;
	struct ipcq_msg msg;
	long size = mq_msgsize(mqdes);
	bool may_wait;
	int ret;

	if (size < 0)
		return -1;
	if (msg_len < (size_t)size) {
		/* A descriptor that cannot receive says so first. */
		if (mq_stat(mqdes, &st) < 0)
			return -1;
		errno = st.endpoint & IPCQ_OPEN_CONSUMER ? EMSGSIZE : EBADF;
		return -1;
	}
	r = ring_of(mqdes, false, &may_wait);
	if (r) {
		size_t len = msg_len;

		ret = ipcdev__ring_get(r, mqdes, msg_ptr, &len, may_wait);
		if (ret > 0) {
			if (msg_prio)
				*msg_prio = 0;
			return (ssize_t)len;
		}
		if (ret < 0) {
			/* EBADMSG: the slot was corrupt, now dropped. */
			errno = -ret;
			return -1;
		}
	}
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)msg_ptr;
	msg.len = msg_len;
	ret = mq_xfer(mqdes, IPCQ_IOC_QUEUE_GET, &msg, abs_timeout);
	if (ret < 0)
		return -1;
	if (ret == IPCQ_GET_EOF) {
		/* Only on a queue made without NOHUP, by libipcdev. */
		errno = EPIPE;
		return -1;
	}
	if (msg_prio)
		*msg_prio = msg.priority;
	return (ssize_t)msg.len;
}

EXPORT ssize_t mq_timedreceive(mqd_t mqdes, char *msg_ptr, size_t msg_len,
			       unsigned int *msg_prio,
			       const struct timespec *abs_timeout)
{
	return mq_receive_until(mqdes, msg_ptr, msg_len, msg_prio,
				abs_timeout);
}

EXPORT ssize_t mq_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len,
			  unsigned int *msg_prio)
{
	return mq_receive_until(mqdes, msg_ptr, msg_len, msg_prio, NULL);
}

EXPORT int mq_getattr(mqd_t mqdes, struct mq_attr *mqstat)
{
	struct ipcq_queue_stat st;
	int fl;

	if (mq_stat(mqdes, &st) < 0)
		return -1;
	fl = fcntl(mqdes, F_GETFL);
	if (fl < 0)
		return -1;
	memset(mqstat, 0, sizeof(*mqstat));
	mqstat->mq_flags = fl & O_NONBLOCK;
	mqstat->mq_maxmsg = (long)st.capacity;
	mqstat->mq_msgsize = (long)st.max_msg_size;
	mqstat->mq_curmsgs = (long)st.messages;
	return 0;
}

EXPORT int mq_setattr(mqd_t mqdes, const struct mq_attr *mqstat,
		      struct mq_attr *omqstat)
{
	struct mq_attr old;
	int fl;

	/* glibc declares @mqstat nonnull. */
	if (mqstat->mq_flags & ~(long)O_NONBLOCK) {
		errno = EINVAL;
		return -1;
	}
	if (mq_getattr(mqdes, &old) < 0)
		return -1;
	fl = fcntl(mqdes, F_GETFL);
	if (fl < 0)
		return -1;
	fl = (fl & ~O_NONBLOCK) | (int)(mqstat->mq_flags & O_NONBLOCK);
	if (fcntl(mqdes, F_SETFL, fl) < 0)
		return -1;
	ring_nonblock(mqdes, fl & O_NONBLOCK);
	if (omqstat)
		*omqstat = old;
	return 0;
}

/*
 * SIGEV_THREAD registrations of this process: the eventfd the module
 * signals and the thread of ours waiting on it, per descriptor.
 */
struct mq_thread_reg {
	struct mq_thread_reg *next;
	mqd_t mqdes;
	int efd;
	void (*fn)(union sigval);
	union sigval value;
};

static pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mq_thread_reg *notify_regs;
static pthread_once_t notify_once = PTHREAD_ONCE_INIT;

/* Unlinks @reg if still listed: true if it was (we own it now). */
static bool notify_unlink(struct mq_thread_reg *reg)
{
	struct mq_thread_reg **p;

	for (p = &notify_regs; *p; p = &(*p)->next) {
		if (*p == reg) {
			*p = reg->next;
			return true;
		}
	}
	return false;
}

static void *notify_thread(void *arg)
{
	struct mq_thread_reg *reg = arg;
	uint64_t v = 0;
	bool fire;

	while (read(reg->efd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	/* Fired unless cancelled first (mq_notify(NULL), mq_close). */
	fire = v && v < NOTIFY_CANCEL;
	pthread_mutex_lock(&notify_lock);
	notify_unlink(reg);
	pthread_mutex_unlock(&notify_lock);
	close(reg->efd);
	if (fire)
		reg->fn(reg->value);
	free(reg);
	return NULL;
}

/* Cancels this process's SIGEV_THREAD waiter for @mqdes, if any. */
static void notify_cancel(mqd_t mqdes)
{
	static const uint64_t cancel = NOTIFY_CANCEL;
	struct mq_thread_reg *reg;

	pthread_mutex_lock(&notify_lock);
	for (reg = notify_regs; reg; reg = reg->next) {
		if (reg->mqdes == mqdes) {
			notify_unlink(reg);
			/* The thread frees it. */
			if (write(reg->efd, &cancel, sizeof(cancel)) < 0)
				break;
			break;
		}
	}
	pthread_mutex_unlock(&notify_lock);
}

/* A fork child has none of the parent's registrations or threads. */
static void notify_atfork_child(void)
{
	struct mq_thread_reg *reg, *next;

	pthread_mutex_init(&notify_lock, NULL);
	for (reg = notify_regs; reg; reg = next) {
		next = reg->next;
		close(reg->efd);
	}
	notify_regs = NULL;
}

static void notify_init(void)
{
	pthread_atfork(NULL, NULL, notify_atfork_child);
}

static int notify_ioctl(mqd_t mqdes, struct ipcq_queue_notify *n)
{
	if (ioctl(mqdes, IPCQ_IOC_QUEUE_NOTIFY, n) < 0) {
		errno = mq_errno(errno);
		return -1;
	}
	return 0;
}

static int notify_thread_register(mqd_t mqdes, const struct sigevent *sev)
{
	struct ipcq_queue_notify n;
	struct mq_thread_reg *reg;
	sigset_t all, old;
	pthread_t th;
	int err;

	pthread_once(&notify_once, notify_init);
	reg = calloc(1, sizeof(*reg));
	if (!reg) {
		errno = ENOMEM;
		return -1;
	}
	reg->mqdes = mqdes;
	reg->fn = sev->sigev_notify_function;
	reg->value = sev->sigev_value;
	reg->efd = eventfd(0, EFD_CLOEXEC);
	if (reg->efd < 0) {
		free(reg);
		return -1;
	}
	memset(&n, 0, sizeof(n));
	n.flags = IPCQ_NOTIFY_EVENTFD;
	n.eventfd = reg->efd;
	pthread_mutex_lock(&notify_lock);
	if (notify_ioctl(mqdes, &n) < 0) {
		err = errno;
		pthread_mutex_unlock(&notify_lock);
		close(reg->efd);
		free(reg);
		errno = err;
		return -1;
	}
	reg->next = notify_regs;
	notify_regs = reg;
	/* Our thread takes none of the process's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&th, sev->sigev_notify_attributes, notify_thread,
			     reg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		notify_unlink(reg);
		pthread_mutex_unlock(&notify_lock);
		memset(&n, 0, sizeof(n));
		n.flags = IPCQ_NOTIFY_REMOVE;
		notify_ioctl(mqdes, &n);
		close(reg->efd);
		free(reg);
		errno = EAGAIN;
		return -1;
	}
	pthread_detach(th);
	pthread_mutex_unlock(&notify_lock);
	return 0;
}

EXPORT int mq_notify(mqd_t mqdes, const struct sigevent *notification)
{
	struct ipcq_queue_notify n;

	memset(&n, 0, sizeof(n));
	if (!notification) {
		n.flags = IPCQ_NOTIFY_REMOVE;
		if (notify_ioctl(mqdes, &n) < 0)
			return -1;
		notify_cancel(mqdes);
		return 0;
	}
	switch (notification->sigev_notify) {
	case SIGEV_NONE:
		break;
	case SIGEV_SIGNAL:
		if (notification->sigev_signo < 0 ||
		    notification->sigev_signo > SIGRTMAX) {
			errno = EINVAL;
			return -1;
		}
		/* Signal 0, as Linux allows it: a registration, no signal. */
		if (!notification->sigev_signo)
			break;
		n.flags = IPCQ_NOTIFY_SIGNAL;
		n.signo = (__u32)notification->sigev_signo;
		memcpy(&n.value, &notification->sigev_value,
		       sizeof(notification->sigev_value) < sizeof(n.value) ?
		       sizeof(notification->sigev_value) : sizeof(n.value));
		break;
	case SIGEV_THREAD:
		return notify_thread_register(mqdes, notification);
	default:
		errno = EINVAL;
		return -1;
	}
	return notify_ioctl(mqdes, &n);
}

EXPORT int mq_close(mqd_t mqdes)
{
	struct ipcq_queue_notify n;

	/* This process's registration goes with its mq_close, as on Linux. */
	memset(&n, 0, sizeof(n));
	n.flags = IPCQ_NOTIFY_REMOVE;
	ioctl(mqdes, IPCQ_IOC_QUEUE_NOTIFY, &n);
	notify_cancel(mqdes);
	msgsize_set(mqdes, 0);
	ring_forget(mqdes);
	return close(mqdes);
}

EXPORT int mq_unlink(const char *name)
{
	struct ipcq_unlink un;
	size_t len;
	int err = mq_name(name, &len);

	if (err) {
		errno = err;
		return -1;
	}
	if (mq_device() < 0)
		return -1;
	memset(&un, 0, sizeof(un));
	un.name = (uintptr_t)(name + 1);
	un.name_len = (__u32)len;
	un.type = IPCQ_TYPE_QUEUE;
	if (ioctl(mq_device(), IPCQ_IOC_UNLINK, &un) < 0) {
		/* As glibc: mq_unlink reports EACCES, not EPERM. */
		if (errno == EPERM)
			errno = EACCES;
		return -1;
	}
	return 0;
}
