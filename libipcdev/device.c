// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process-wide connection to /dev/ipcq: opened once, handshaken once;
 * and what every object's code shares: deadlines, restarted calls, flags
 * (the ioctl and mmap wrappers are sys.c's). Handles themselves are
 * handle.c's.
 *
 * The device file carries no per-open state, so one descriptor serves every
 * thread, and a child after fork() inherits a working one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

#define IPCDEV_DEVICE_PATH "/dev/ipcq"

#define STR2(x) #x
#define STR(x) STR2(x)

/* -1: not opened yet. */
static atomic_int device_fd = -1;

/* Set once by the first successful handshake, then only read. */
static struct ipcdev_info cached_info;
static atomic_int info_state;	/* 0: unknown, 1: filling, 2: valid */

int ipcdev_device_fd(void)
{
	int fd = atomic_load_explicit(&device_fd, memory_order_acquire);
	int expected = -1;

	if (fd >= 0)
		return fd;

	fd = open(IPCDEV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Another thread may have won the race: keep its fd, drop ours. */
	if (!atomic_compare_exchange_strong_explicit(&device_fd, &expected, fd,
						     memory_order_acq_rel,
						     memory_order_acquire)) {
		close(fd);
		return expected;
	}
	return fd;
}

static int handshake(struct ipcdev_info *out)
{
	struct ipcq_api api;
	int fd = ipcdev_device_fd();

	if (fd < 0)
		return fd;
	memset(&api, 0, sizeof(api));
	api.api_version = IPCQ_API_VERSION;
	if (ioctl(fd, IPCQ_IOC_API, &api) < 0)
		return -errno;
	if (api.api_version < 1 || api.api_version > IPCQ_API_VERSION)
		return -EPROTO;

	out->api_version = api.api_version;
	out->features = api.features;
	out->max_msg_size = api.max_msg_size;
	out->max_queue_bytes = api.max_queue_bytes;
	out->max_objects = api.max_objects;
	out->max_shm_bytes = api.max_shm_bytes;
	return 0;
}

int ipcdev__info(struct ipcdev_info *info)
{
	int expected = 0;
	int ret;

	if (atomic_load_explicit(&info_state, memory_order_acquire) == 2) {
		*info = cached_info;
		return 0;
	}
	ret = handshake(info);
	if (ret)
		return ret;
	/*
	 * The first thread to finish publishes; the answer is the same for
	 * everyone, so losers just use their own copy and nobody ever waits
	 * (a fork during the copy leaves a child that handshakes again).
	 */
	if (atomic_compare_exchange_strong(&info_state, &expected, 1)) {
		cached_info = *info;
		atomic_store_explicit(&info_state, 2, memory_order_release);
	}
	return 0;
}

int ipcdev_query(struct ipcdev_info *info, size_t size)
{
	struct ipcdev_info cur;
	int ret;

	if (!info)
		return -EINVAL;
	ret = ipcdev__info(&cur);
	if (ret)
		return ret;
	memcpy(info, &cur, size < sizeof(cur) ? size : sizeof(cur));
	return 0;
}

int ipcdev_has_feature(uint64_t features)
{
	struct ipcdev_info cur;
	int ret = ipcdev__info(&cur);

	if (ret)
		return ret;
	return (cur.features & features) == features;
}

const char *ipcdev_version(void)
{
	return STR(IPCDEV_VERSION_MAJOR) "." STR(IPCDEV_VERSION_MINOR) "."
		STR(IPCDEV_VERSION_PATCH);
}

int ipcdev__require(uint64_t features)
{
	int ret = ipcdev_has_feature(features);

	if (ret < 0)
		return ret;
	return ret ? 0 : -EOPNOTSUPP;
}

uint64_t ipcdev__now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}

uint64_t ipcdev__deadline(int64_t timeout_ns)
{
	uint64_t now_ns;

	if (timeout_ns < 0)
		return IPCQ_DEADLINE_FOREVER;
	now_ns = ipcdev__now_ns();
	/* Saturate: a huge timeout is "forever", not a wrapped deadline. */
	if ((uint64_t)timeout_ns >= IPCQ_DEADLINE_FOREVER - now_ns)
		return IPCQ_DEADLINE_FOREVER;
	return now_ns + (uint64_t)timeout_ns;
}

uint32_t ipcdev__kernel_flags(unsigned int flags)
{
	/*
	 * The library's flags are its own (ipcdev.h); each is mapped here, so
	 * that neither side's values constrain the other's.
	 */
	static const struct {
		unsigned int lib;
		uint32_t kernel;
	} map[] = {
		{ IPCDEV_PRODUCER, IPCQ_OPEN_PRODUCER },
		{ IPCDEV_CONSUMER, IPCQ_OPEN_CONSUMER },
		{ IPCDEV_CREATE, IPCQ_OPEN_CREATE },
		{ IPCDEV_EXCL, IPCQ_OPEN_EXCL },
		{ IPCDEV_RING, IPCQ_OPEN_RING },
		{ IPCDEV_SEM_BOUNDED, IPCQ_SYNC_BOUNDED },
		{ IPCDEV_SEM_UNDO, IPCQ_SYNC_UNDO },
		{ IPCDEV_SEM_SHARED, IPCQ_SYNC_SHARED },
		{ IPCDEV_SHM_RDONLY, IPCQ_SHM_RDONLY },
		{ IPCDEV_SHM_LOCK, IPCQ_SHM_LOCK },
		{ IPCDEV_SHM_RLOCK, IPCQ_SHM_RLOCK },
	};
	uint32_t out = 0;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (flags & map[i].lib)
			out |= map[i].kernel;
	return out;
}

int ipcdev_list(struct ipcq_object_info **infos, size_t *n)
{
	struct ipcq_object_info *buf = NULL, *bigger;
	struct ipcq_list arg;
	uint32_t room = 16;
	int dev, ret;

	if (!infos || !n)
		return -EINVAL;
	ret = ipcdev__require(IPCQ_FEATURE_LIST);
	if (ret)
		return ret;
	dev = ipcdev_device_fd();
	if (dev < 0)
		return dev;
	/* Objects come and go: grow until everything fitted. */
	for (;;) {
		bigger = realloc(buf, room * sizeof(*buf));
		if (!bigger) {
			free(buf);
			return -ENOMEM;
		}
		buf = bigger;
		memset(&arg, 0, sizeof(arg));
		arg.entries = (uintptr_t)buf;
		arg.max_entries = room;
		ret = ipcdev__ioctl(dev, IPCQ_IOC_LIST, &arg);
		if (ret) {
			free(buf);
			return ret;
		}
		if (arg.count <= room)
			break;
		room = arg.count + 16;
	}
	*infos = buf;
	*n = arg.count;
	return 0;
}

/* Set by ipcdev_set_interruptible(): this thread's waits end at signals. */
static __thread int interruptible;

int ipcdev_set_interruptible(int on)
{
	int was = interruptible;

	interruptible = !!on;
	return was;
}

int ipcdev__interruptible(void)
{
	return interruptible;
}

/* ioctl(2), restarted after signal handlers: the argument carries an
 * absolute deadline, so a restart never lengthens the wait. In an
 * interruptible thread -EINTR is returned instead.
 */
int ipcdev__ioctl_restart(int fd, unsigned long cmd, void *arg)
{
	int ret;

	do
		ret = ipcdev__ioctl(fd, cmd, arg);
	while (ret == -EINTR && !interruptible);
	return ret;
}

/*
 * One message through read(2) (@put false) or write(2) of a queue file or
 * pipe end (IPCQ_FEATURE_QUEUE_RW), waiting for ever, or not at all if
 * @nowait (RWF_NOWAIT), restarted after signal handlers as
 * ipcdev__ioctl_restart(): the bytes moved, or -errno.
 */
static ssize_t queue_rw(int fd, bool put, void *buf, size_t len, bool nowait)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	ssize_t n;

	do {
		if (nowait)
			n = put ? pwritev2(fd, &iov, 1, -1, RWF_NOWAIT) :
				  preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
		else
			n = put ? write(fd, buf, len) : read(fd, buf, len);
	} while (n < 0 && errno == EINTR && !interruptible);
	return n < 0 ? -errno : n;
}

/*
 * With IPCQ_FEATURE_QUEUE_RW, the module's largest message: read(2) and
 * write(2) of up to this many bytes mean what the ioctls do (past it the
 * VFS would answer first, EFAULT where the ioctl says EMSGSIZE); else 0.
 */
static size_t rw_max(void)
{
	/*
	 * Known after the first answer, as ipcdev__info() keeps it: every
	 * small put and get asks, and copying the whole answer each time was
	 * a measurable part of them. SIZE_MAX: not known yet.
	 */
	static _Atomic size_t known = SIZE_MAX;
	size_t max = atomic_load_explicit(&known, memory_order_relaxed);
	struct ipcdev_info info;

	if (max != SIZE_MAX)
		return max;
	if (ipcdev__info(&info))
		return 0;
	max = info.features & IPCQ_FEATURE_QUEUE_RW ?
	      (size_t)info.max_msg_size : 0;
	atomic_store_explicit(&known, max, memory_order_relaxed);
	return max;
}

/*
 * A put or send (@put) of @len bytes, or a get or receive into @len, with
 * a Python-style timeout, through write(2) or read(2) where they mean the
 * same (queue_rw()): IPCDEV__BY_IOCTL if the call was not one of
 * those (the caller then makes its ioctl); else the ioctl's answer: 0 (a
 * get's length in *@len), IPCDEV_EOF, or -errno. A read leaves a message too
 * big for the buffer or an empty one queued, -EMSGSIZE or -ENOMSG: the
 * ioctl then answers for it, with its length.
 */
int ipcdev__msg_rw(int fd, bool put, void *buf, size_t *len,
		   int64_t timeout_ns)
{
	size_t max = rw_max(), ask;
	ssize_t n;

	/* 0 bytes: read(2) and write(2) do nothing. Deadlines: the ioctl. */
	if (!*len || !max || (timeout_ns >= 0 && timeout_ns != IPCDEV_NOWAIT))
		return IPCDEV__BY_IOCTL;
	if (put && *len > max)
		return IPCDEV__BY_IOCTL;
	/* A read of more than the largest message asks for no more. */
	ask = *len < max ? *len : max;
	n = queue_rw(fd, put, buf, ask, timeout_ns == IPCDEV_NOWAIT);
	if (n > 0 && !put)
		*len = (size_t)n;
	if (n >= 0)
		return put || n ? 0 : IPCDEV_EOF;
	if (!put && (n == -EMSGSIZE || n == -ENOMSG))
		return IPCDEV__BY_IOCTL;
	return (int)n;
}

/* A put/get/send/recv with a Python-style timeout. */
int ipcdev__msg_call(int fd, unsigned long cmd, struct ipcq_msg *msg,
		     int64_t timeout_ns)
{
	if (timeout_ns == IPCDEV_NOWAIT) {
		/* NONBLOCK answers before a deadline would: no clock read. */
		msg->flags |= IPCQ_MSG_NONBLOCK;
		msg->deadline = IPCQ_DEADLINE_FOREVER;
	} else {
		msg->deadline = ipcdev__deadline(timeout_ns);
	}
	return ipcdev__ioctl_restart(fd, cmd, msg);
}

/* ppoll(2) until @deadline, restarted after signals with the time left. */
int ipcdev__ppoll(struct pollfd *pfd, unsigned int n, uint64_t deadline)
{
	struct timespec ts, *tsp = NULL;
	int ret;

	for (;;) {
		if (deadline != IPCQ_DEADLINE_FOREVER) {
			uint64_t now = ipcdev__now_ns();
			uint64_t left = deadline > now ? deadline - now : 0;

			ts.tv_sec = (time_t)(left / 1000000000ULL);
			ts.tv_nsec = (long)(left % 1000000000ULL);
			tsp = &ts;
		}
		ret = ppoll(pfd, n, tsp, NULL);
		if (ret >= 0 || errno != EINTR || interruptible)
			return ret < 0 ? -errno : ret;
	}
}
