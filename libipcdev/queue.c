// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Queue, SimpleQueue and JoinableQueue over ipcq queue files.
 *
 * A handle owns one queue file. After fork() the child's first call on a
 * handle swaps the inherited file (shared with the parent) for a file of
 * its own with the same roles, at the same fd number: each process then
 * counts as a producer or consumer by itself, so its exit, even by
 * SIGKILL, is seen by the peers at once.
 *
 * A handle on a ring queue (IPCDEV_RING) also maps the queue's ring, with
 * an attachment of its own (taken again in a child after fork), and puts
 * and gets priority-0 messages there without system calls (ring.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

struct ipcdev_queue {
	int fd;
	unsigned int roles;
	atomic_ulong fork_gen;	/* generation the file was made ours in */
	struct ipcdev__ring *ring;	/* NULL: no ring, or not mappable */
};

static const unsigned int all_roles = IPCDEV_PRODUCER | IPCDEV_CONSUMER;

/* Wraps @fd in a new handle; on failure the caller still owns @fd. */
static int queue_new(ipcdev_queue **qp, int fd, unsigned int roles)
{
	ipcdev_queue *q = malloc(sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->fd = fd;
	q->roles = roles;
	atomic_init(&q->fork_gen, ipcdev__fork_generation());
	/*
	 * Any failure (no ring: ENXIO; no read and write permission: EACCES)
	 * leaves the handle on the ioctl path, which keeps every promise.
	 */
	q->ring = NULL;
	if (roles)
		ipcdev__ring_attach(fd, &q->ring);
	*qp = q;
	return 0;
}

/* In a child after fork: take a file of our own (see the top comment). */
static int queue_own(ipcdev_queue *q)
{
	bool forked = atomic_load_explicit(&q->fork_gen, memory_order_relaxed) !=
		      ipcdev__fork_generation();
	int ret = ipcdev__own(q->fd, &q->fork_gen, IPCQ_IOC_QUEUE_REOPEN,
			      q->roles);

	/* The inherited mapping claims slots in the parent's name. */
	if (!ret && forked && q->ring) {
		ipcdev__ring_detach(q->ring);
		q->ring = NULL;
		ipcdev__ring_attach(q->fd, &q->ring);
	}
	return ret;
}

static int queue_open_raw(ipcdev_queue **qp, const char *name,
			  unsigned int flags, unsigned int mode,
			  const struct ipcdev_queue_attr *attr)
{
	struct ipcq_queue_open arg;
	size_t name_len = 0;
	int dev, fd, ret;

	if (!qp)
		return -EINVAL;
	if (name) {
		name_len = strlen(name);
		if (name_len > IPCQ_NAME_MAX)
			return -ENAMETOOLONG;
	}
	ret = ipcdev__require(IPCQ_FEATURE_QUEUE);
	if (ret)
		return ret;
	dev = ipcdev_device_fd();
	if (dev < 0)
		return dev;

	if (flags & IPCDEV_OBSERVER)
		flags &= ~(IPCDEV_OBSERVER | all_roles);
	else if (!(flags & all_roles))
		flags |= all_roles;
	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = (uint32_t)name_len;
	arg.flags = flags | IPCQ_OPEN_CLOEXEC;
	arg.mode = mode;
	if (attr) {
		arg.capacity = attr->maxsize;
		arg.max_msg_size = attr->max_msg_size;
		arg.slot_size = attr->slot_size;
	}
	fd = ipcdev__ioctl(dev, IPCQ_IOC_QUEUE_OPEN, &arg);
	if (fd < 0)
		return fd;
	ret = queue_new(qp, fd, flags & all_roles);
	if (ret)
		close(fd);
	return ret;
}

int ipcdev_queue_create(ipcdev_queue **q, uint64_t maxsize)
{
	struct ipcdev_queue_attr attr = { .maxsize = maxsize };

	return queue_open_raw(q, NULL, all_roles, 0600, &attr);
}

int ipcdev_queue_create_ring(ipcdev_queue **q, uint64_t maxsize,
			     size_t slot_size)
{
	struct ipcdev_queue_attr attr = {
		.maxsize = maxsize,
		.slot_size = slot_size,
	};
	int ret = ipcdev__require(IPCQ_FEATURE_RING);

	if (ret)
		return ret;
	return queue_open_raw(q, NULL, all_roles | IPCDEV_RING, 0600, &attr);
}

int ipcdev_simplequeue_create(ipcdev_queue **q)
{
	return ipcdev_queue_create(q, 0);
}

int ipcdev_joinablequeue_create(ipcdev_queue **q, uint64_t maxsize)
{
	return ipcdev_queue_create(q, maxsize);
}

int ipcdev_queue_open(ipcdev_queue **q, const char *name, unsigned int flags,
		      unsigned int mode, const struct ipcdev_queue_attr *attr)
{
	if (!name || (flags & ~(all_roles | IPCDEV_CREATE | IPCDEV_EXCL |
				IPCDEV_OBSERVER | IPCDEV_RING)) ||
	    ((flags & IPCDEV_OBSERVER) && (flags & all_roles)))
		return -EINVAL;
	return queue_open_raw(q, name, flags, mode, attr);
}

int ipcdev_queue_endpoint(ipcdev_queue *q, unsigned int roles,
			  ipcdev_queue **out)
{
	struct ipcq_reopen arg;
	int fd, ret;

	if (!q || !out || !roles || (roles & ~all_roles))
		return -EINVAL;
	ret = queue_own(q);
	if (ret)
		return ret;
	memset(&arg, 0, sizeof(arg));
	arg.flags = roles | IPCQ_OPEN_CLOEXEC;
	fd = ipcdev__ioctl(q->fd, IPCQ_IOC_QUEUE_REOPEN, &arg);
	if (fd < 0)
		return fd;
	ret = queue_new(out, fd, roles);
	if (ret)
		close(fd);
	return ret;
}

int ipcdev_queue_from_fd(int fd, ipcdev_queue **q)
{
	struct ipcq_queue_stat st;
	int ret;

	if (fd < 0 || !q)
		return -EINVAL;
	ret = ipcdev__ioctl(fd, IPCQ_IOC_QUEUE_STAT, &st);
	if (ret)
		return ret;
	return queue_new(q, fd, st.endpoint);
}

int ipcdev_queue_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_QUEUE);
}

int ipcdev_queue_close(ipcdev_queue *q)
{
	if (!q)
		return -EINVAL;
	/* Unmapped first: the attachment goes before the endpoint. */
	ipcdev__ring_detach(q->ring);
	return ipcdev__close(q->fd, q);
}

int ipcdev_queue_fd(const ipcdev_queue *q)
{
	return q ? q->fd : -EINVAL;
}

/* The fd to act through, made this process's own after fork (uring.c). */
int ipcdev__queue_fd(ipcdev_queue *q)
{
	int ret;

	if (!q)
		return -EINVAL;
	ret = queue_own(q);
	return ret ? ret : q->fd;
}

/* One put or get, restarted after signals with the same deadline. */
static int queue_xfer(ipcdev_queue *q, unsigned long cmd,
		      struct ipcq_msg *msg, int64_t timeout_ns)
{
	int fd = ipcdev__queue_fd(q);

	if (fd < 0)
		return fd;
	return ipcdev__msg_call(fd, cmd, msg, timeout_ns);
}

int ipcdev_queue_put_prio(ipcdev_queue *q, const void *buf, size_t len,
			  unsigned int prio, int64_t timeout_ns)
{
	struct ipcq_msg msg;

	if (q && q->ring && !prio && (q->roles & IPCDEV_PRODUCER)) {
		int ret = queue_own(q);

		if (!ret && q->ring)
			ret = ipcdev__ring_put(q->ring, q->fd, buf, len,
					       timeout_ns != IPCDEV_NOWAIT);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)buf;
	msg.len = len;
	msg.priority = prio;
	return queue_xfer(q, IPCQ_IOC_QUEUE_PUT, &msg, timeout_ns);
}

int ipcdev_queue_put(ipcdev_queue *q, const void *buf, size_t len,
		     int64_t timeout_ns)
{
	return ipcdev_queue_put_prio(q, buf, len, 0, timeout_ns);
}

int ipcdev_queue_put_nowait(ipcdev_queue *q, const void *buf, size_t len)
{
	return ipcdev_queue_put_prio(q, buf, len, 0, IPCDEV_NOWAIT);
}

static int queue_get_flags(ipcdev_queue *q, void *buf, size_t *len,
			   unsigned int *prio, int64_t timeout_ns,
			   unsigned int flags)
{
	struct ipcq_msg msg;
	int ret;

	if (!len)
		return -EINVAL;
	if (q && q->ring && !(flags & IPCQ_MSG_PEEK) &&
	    (q->roles & IPCDEV_CONSUMER)) {
		ret = queue_own(q);
		if (!ret && q->ring)
			ret = ipcdev__ring_get(q->ring, q->fd, buf, len,
					       timeout_ns != IPCDEV_NOWAIT);
		if (ret) {
			if (ret > 0 && prio)
				*prio = 0;
			return ret < 0 ? ret : 0;
		}
	}
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)buf;
	msg.len = *len;
	msg.flags = flags;
	ret = queue_xfer(q, IPCQ_IOC_QUEUE_GET, &msg, timeout_ns);
	if (ret == 0 || ret == -EMSGSIZE) {
		*len = msg.len;
		if (prio)
			*prio = msg.priority;
	}
	return ret;
}

int ipcdev_queue_get_prio(ipcdev_queue *q, void *buf, size_t *len,
			  unsigned int *prio, int64_t timeout_ns)
{
	return queue_get_flags(q, buf, len, prio, timeout_ns, 0);
}

int ipcdev_queue_get(ipcdev_queue *q, void *buf, size_t *len,
		     int64_t timeout_ns)
{
	return queue_get_flags(q, buf, len, NULL, timeout_ns, 0);
}

int ipcdev_queue_get_nowait(ipcdev_queue *q, void *buf, size_t *len)
{
	return queue_get_flags(q, buf, len, NULL, IPCDEV_NOWAIT, 0);
}

int ipcdev_queue_peek(ipcdev_queue *q, void *buf, size_t *len,
		      unsigned int *prio, int64_t timeout_ns)
{
	return queue_get_flags(q, buf, len, prio, timeout_ns, IPCQ_MSG_PEEK);
}

int ipcdev_queue_stat(ipcdev_queue *q, struct ipcq_queue_stat *st)
{
	if (!q || !st)
		return -EINVAL;
	return ipcdev__ioctl(q->fd, IPCQ_IOC_QUEUE_STAT, st);
}

int64_t ipcdev_queue_qsize(ipcdev_queue *q)
{
	struct ipcq_queue_stat st;
	int ret = ipcdev_queue_stat(q, &st);

	return ret < 0 ? ret : (int64_t)st.messages;
}

int ipcdev_queue_empty(ipcdev_queue *q)
{
	struct ipcq_queue_stat st;
	int ret = ipcdev_queue_stat(q, &st);

	return ret < 0 ? ret : st.messages == 0;
}

int ipcdev_queue_full(ipcdev_queue *q)
{
	struct ipcq_queue_stat st;
	int ret = ipcdev_queue_stat(q, &st);

	if (ret < 0)
		return ret;
	return st.capacity && st.messages >= st.capacity;
}

int ipcdev_queue_shutdown(ipcdev_queue *q, int immediate)
{
	struct ipcq_shutdown arg;

	if (!q)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.flags = immediate ? IPCQ_SHUTDOWN_IMMEDIATE : 0;
	return ipcdev__ioctl(q->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &arg);
}

int ipcdev_queue_task_done(ipcdev_queue *q)
{
	struct ipcq_task_done arg;

	if (!q)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.count = 1;
	return ipcdev__ioctl(q->fd, IPCQ_IOC_QUEUE_TASK_DONE, &arg);
}

int ipcdev_queue_join(ipcdev_queue *q, int64_t timeout_ns)
{
	struct ipcq_wait arg;

	if (!q)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	if (timeout_ns == IPCDEV_NOWAIT)
		arg.flags = IPCQ_WAIT_NONBLOCK;
	arg.deadline = ipcdev__deadline(timeout_ns);
	return ipcdev__ioctl_restart(q->fd, IPCQ_IOC_QUEUE_JOIN, &arg);
}
