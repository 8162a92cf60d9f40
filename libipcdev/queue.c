// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Queue, SimpleQueue and JoinableQueue over ipcq queue files.
 *
 * A handle owns one queue file. After fork() the child's handles are
 * given files of their own with the same roles, at the same fd numbers
 * (handle.c): each process then counts as a producer or consumer by
 * itself, so its exit, even by SIGKILL, is seen by the peers at once.
 *
 * A handle on a ring queue (IPCDEV_RING) also maps the queue's ring, with
 * an attachment of its own (taken again in a child after fork), and puts
 * and gets priority-0 messages there without system calls (ring.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

static const uint32_t all_roles = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;

/*
 * Any failure (no ring: ENXIO; no read and write permission: EACCES)
 * leaves the handle on the ioctl path, which keeps every promise.
 * Observers have no attachment (EBADF): they neither put nor get.
 */
static void queue_map(struct ipcdev__handle *h)
{
	ipcdev_queue *q = IPCDEV__OF(h, ipcdev_queue);

	q->ring = NULL;
	if (h->reopen_flags & all_roles)
		ipcdev__ring_attach(h->fd, &q->ring);
}

static void queue_unmap(struct ipcdev__handle *h)
{
	ipcdev_queue *q = IPCDEV__OF(h, ipcdev_queue);

	ipcdev__ring_detach(q->ring);
	q->ring = NULL;
}

static const struct ipcdev__kind queue_kind = {
	.type = IPCQ_TYPE_QUEUE,
	.size = sizeof(ipcdev_queue),
	.feature = IPCQ_FEATURE_QUEUE,
	.open_cmd = IPCQ_IOC_QUEUE_OPEN,
	.reopen_cmd = IPCQ_IOC_QUEUE_REOPEN,
	.map = queue_map,
	.unmap = queue_unmap,
};

/* Wraps @fd with @roles (kernel bits); on failure the caller owns @fd. */
static int queue_adopt(ipcdev_queue **qp, int fd, uint32_t roles)
{
	struct ipcdev__handle *h;
	int ret = ipcdev__adopt(&queue_kind, fd, roles, &h);

	if (!ret)
		*qp = IPCDEV__OF(h, ipcdev_queue);
	return ret;
}

static int queue_open_raw(ipcdev_queue **qp, const char *name,
			  unsigned int flags, unsigned int mode,
			  const struct ipcdev_queue_attr *attr)
{
	struct ipcq_queue_open arg;
	struct ipcdev__handle *h;
	uint32_t kflags = ipcdev__kernel_flags(flags);
	int ret;

	if (!qp)
		return -EINVAL;
	if (flags & IPCDEV_OBSERVER)
		kflags &= ~all_roles;
	else if (!(kflags & all_roles))
		kflags |= all_roles;
	memset(&arg, 0, sizeof(arg));
	arg.flags = kflags | IPCQ_OPEN_CLOEXEC;
	arg.mode = mode;
	if (attr) {
		arg.capacity = attr->maxsize;
		arg.max_msg_size = attr->max_msg_size;
		arg.slot_size = attr->slot_size;
	}
	ret = ipcdev__open(&queue_kind, name, &arg.name, &arg.name_len, &arg,
			   kflags & all_roles, &h);
	if (!ret)
		*qp = IPCDEV__OF(h, ipcdev_queue);
	return ret;
}

static const unsigned int both_roles = IPCDEV_PRODUCER | IPCDEV_CONSUMER;

int ipcdev_queue_create(ipcdev_queue **q, uint64_t maxsize)
{
	struct ipcdev_queue_attr attr = { .maxsize = maxsize };

	return queue_open_raw(q, NULL, both_roles, 0600, &attr);
}

int ipcdev__queue_create_ring_v03(ipcdev_queue **q, uint64_t maxsize,
				  uint64_t slot_size)
	IPCDEV__DEFAULT(ipcdev_queue_create_ring, "IPCDEV_0.3");
int ipcdev__queue_create_ring_v03(ipcdev_queue **q, uint64_t maxsize,
				  uint64_t slot_size)
{
	struct ipcdev_queue_attr attr = {
		.maxsize = maxsize,
		.slot_size = slot_size,
	};
	int ret = ipcdev__require(IPCQ_FEATURE_RING);

	if (ret)
		return ret;
	return queue_open_raw(q, NULL, both_roles | IPCDEV_RING, 0600, &attr);
}

/* 0.1 and 0.2 took the slot size as a size_t. */
int ipcdev__queue_create_ring_v01(ipcdev_queue **q, uint64_t maxsize,
				  size_t slot_size)
	IPCDEV__COMPAT(ipcdev_queue_create_ring, "IPCDEV_0.1");
int ipcdev__queue_create_ring_v01(ipcdev_queue **q, uint64_t maxsize,
				  size_t slot_size)
{
	return ipcdev__queue_create_ring_v03(q, maxsize, slot_size);
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
	if (!name || (flags & ~(both_roles | IPCDEV_CREATE | IPCDEV_EXCL |
				IPCDEV_OBSERVER | IPCDEV_RING)) ||
	    ((flags & IPCDEV_OBSERVER) && (flags & both_roles)))
		return -EINVAL;
	return queue_open_raw(q, name, flags, mode, attr);
}

int ipcdev__queue_endpoint_v03(ipcdev_queue **out, ipcdev_queue *q,
			       unsigned int roles)
	IPCDEV__DEFAULT(ipcdev_queue_endpoint, "IPCDEV_0.3");
int ipcdev__queue_endpoint_v03(ipcdev_queue **out, ipcdev_queue *q,
			       unsigned int roles)
{
	struct ipcq_reopen arg;
	uint32_t kroles = ipcdev__kernel_flags(roles) & all_roles;
	int fd, ret;

	/* 0 and IPCDEV_OBSERVER alike ask for an observer. */
	if (!q || !out || (roles & ~(both_roles | IPCDEV_OBSERVER)) ||
	    ((roles & IPCDEV_OBSERVER) && (roles & both_roles)))
		return -EINVAL;
	fd = ipcdev__fd(&q->h);
	if (fd < 0)
		return fd;
	memset(&arg, 0, sizeof(arg));
	arg.flags = kroles | IPCQ_OPEN_CLOEXEC;
	fd = ipcdev__ioctl(fd, IPCQ_IOC_QUEUE_REOPEN, &arg);
	if (fd < 0)
		return fd;
	ret = queue_adopt(out, fd, kroles);
	if (ret)
		close(fd);
	return ret;
}

/* 0.1 and 0.2 took the out-parameter last. */
int ipcdev__queue_endpoint_v01(ipcdev_queue *q, unsigned int roles,
			       ipcdev_queue **out)
	IPCDEV__COMPAT(ipcdev_queue_endpoint, "IPCDEV_0.1");
int ipcdev__queue_endpoint_v01(ipcdev_queue *q, unsigned int roles,
			       ipcdev_queue **out)
{
	return ipcdev__queue_endpoint_v03(out, q, roles);
}

int ipcdev__queue_from_fd_v03(ipcdev_queue **q, int fd)
	IPCDEV__DEFAULT(ipcdev_queue_from_fd, "IPCDEV_0.3");
int ipcdev__queue_from_fd_v03(ipcdev_queue **q, int fd)
{
	struct ipcq_queue_stat st;
	int ret;

	if (fd < 0 || !q)
		return -EINVAL;
	ret = ipcdev__ioctl(fd, IPCQ_IOC_QUEUE_STAT, &st);
	if (ret)
		return ret;
	/*
	 * The receiver is an endpoint of its own, with the roles of the file
	 * received, at the same number (the received file is closed): as a
	 * fork child's, its death counts as its own (end-of-file, EPIPE).
	 */
	ret = ipcdev__reopen_at(fd, IPCQ_IOC_QUEUE_REOPEN,
				st.endpoint & all_roles);
	if (ret)
		return ret;
	return queue_adopt(q, fd, st.endpoint & all_roles);
}

int ipcdev__queue_from_fd_v01(int fd, ipcdev_queue **q)
	IPCDEV__COMPAT(ipcdev_queue_from_fd, "IPCDEV_0.1");
int ipcdev__queue_from_fd_v01(int fd, ipcdev_queue **q)
{
	return ipcdev__queue_from_fd_v03(q, fd);
}

int ipcdev_queue_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_QUEUE);
}

int ipcdev_queue_close(ipcdev_queue *q)
{
	return ipcdev__close(IPCDEV__H(q));
}

int ipcdev_queue_fd(const ipcdev_queue *q)
{
	return ipcdev__handle_fd(IPCDEV__H(q));
}

int ipcdev_queue_put_prio(ipcdev_queue *q, const void *buf, size_t len,
			  unsigned int prio, int64_t timeout_ns)
{
	struct ipcq_msg msg;
	int fd = ipcdev__fd(IPCDEV__H(q));
	int ret;

	if (fd < 0)
		return fd;
	/* After ipcdev__fd(): a re-own may have replaced the ring. */
	if (q->ring && !prio && (q->h.reopen_flags & IPCQ_OPEN_PRODUCER)) {
		ret = ipcdev__ring_put(q->ring, fd, buf, len,
				       timeout_ns != IPCDEV_NOWAIT);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	/* Without a priority, write(2) where it is the same put. */
	if (!prio) {
		size_t n = len;

		ret = ipcdev__msg_rw(fd, true, (void *)buf, &n, timeout_ns);
		if (ret != IPCDEV__BY_IOCTL)
			return ret;
	}
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)buf;
	msg.len = len;
	msg.priority = prio;
	return ipcdev__msg_call(fd, IPCQ_IOC_QUEUE_PUT, &msg, timeout_ns);
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
	int fd, ret;

	if (!len)
		return -EINVAL;
	fd = ipcdev__fd(IPCDEV__H(q));
	if (fd < 0)
		return fd;
	if (q->ring && !(flags & IPCQ_MSG_PEEK) &&
	    (q->h.reopen_flags & IPCQ_OPEN_CONSUMER)) {
		ret = ipcdev__ring_get(q->ring, fd, buf, len,
				       timeout_ns != IPCDEV_NOWAIT);
		if (ret) {
			if (ret > 0 && prio)
				*prio = 0;
			return ret < 0 ? ret : 0;
		}
	}
	/* Without flags or a priority to tell, read(2) where it is the same. */
	if (!prio && !flags) {
		ret = ipcdev__msg_rw(fd, false, buf, len, timeout_ns);
		if (ret != IPCDEV__BY_IOCTL)
			return ret;
	}
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)buf;
	msg.len = *len;
	msg.flags = flags;
	ret = ipcdev__msg_call(fd, IPCQ_IOC_QUEUE_GET, &msg, timeout_ns);
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

/* One ioctl through the handle's own file; @restart: it may sleep. */
static int queue_call(ipcdev_queue *q, unsigned long cmd, void *arg,
		      bool restart)
{
	int fd = ipcdev__fd(IPCDEV__H(q));

	if (fd < 0)
		return fd;
	return restart ? ipcdev__ioctl_restart(fd, cmd, arg) :
			 ipcdev__ioctl(fd, cmd, arg);
}

int ipcdev_queue_stat(ipcdev_queue *q, struct ipcq_queue_stat *st)
{
	if (!st)
		return -EINVAL;
	return queue_call(q, IPCQ_IOC_QUEUE_STAT, st, false);
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

	memset(&arg, 0, sizeof(arg));
	arg.flags = immediate ? IPCQ_SHUTDOWN_IMMEDIATE : 0;
	return queue_call(q, IPCQ_IOC_QUEUE_SHUTDOWN, &arg, false);
}

int ipcdev_queue_task_done(ipcdev_queue *q)
{
	struct ipcq_task_done arg;

	memset(&arg, 0, sizeof(arg));
	arg.count = 1;
	return queue_call(q, IPCQ_IOC_QUEUE_TASK_DONE, &arg, false);
}

int ipcdev_queue_join(ipcdev_queue *q, int64_t timeout_ns)
{
	struct ipcq_wait arg;

	memset(&arg, 0, sizeof(arg));
	if (timeout_ns == IPCDEV_NOWAIT)
		arg.flags = IPCQ_WAIT_NONBLOCK;
	arg.deadline = ipcdev__deadline(timeout_ns);
	return queue_call(q, IPCQ_IOC_QUEUE_JOIN, &arg, true);
}

/*
 * A typed put's or get's argument in *@msg, and the fd to send it through
 * (typed messages travel through the kernel, never the ring), or -errno.
 */
static int queue_typed_msg(ipcdev_queue *q, struct ipcq_msg *msg,
			   const void *buf, size_t len)
{
	int ret = ipcdev__require(IPCQ_FEATURE_QUEUE_SYSV);

	if (ret)
		return ret;
	memset(msg, 0, sizeof(*msg));
	msg->buf = (uintptr_t)buf;
	msg->len = len;
	return ipcdev__fd(IPCDEV__H(q));
}

int ipcdev_queue_put_typed(ipcdev_queue *q, const void *buf, size_t len,
			   uint64_t type, unsigned int prio,
			   int64_t timeout_ns)
{
	struct ipcq_msg msg;
	int fd = queue_typed_msg(q, &msg, buf, len);

	if (fd < 0)
		return fd;
	msg.priority = prio;
	msg.type = type;
	return ipcdev__msg_call(fd, IPCQ_IOC_QUEUE_PUT, &msg, timeout_ns);
}

int ipcdev_queue_get_typed(ipcdev_queue *q, void *buf, size_t *len,
			   uint64_t *type, uint64_t match, unsigned int flags,
			   int64_t timeout_ns)
{
	const unsigned int known = IPCDEV_TYPE_EQ | IPCDEV_TYPE_LE |
				   IPCDEV_TYPE_NE | IPCDEV_TRUNCATE |
				   IPCDEV_PEEK;
	struct ipcq_msg msg;
	int fd, ret;

	if (!len || (flags & ~known))
		return -EINVAL;
	fd = queue_typed_msg(q, &msg, buf, *len);
	if (fd < 0)
		return fd;
	msg.flags = flags;
	msg.type = match;
	ret = ipcdev__msg_call(fd, IPCQ_IOC_QUEUE_GET, &msg, timeout_ns);
	if (ret == 0 || ret == -EMSGSIZE) {
		*len = msg.len;
		if (type)
			*type = msg.type;
	}
	return ret;
}
