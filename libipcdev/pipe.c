// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pipe(duplex) over ipcq pipe ends. An end is one file; unlike a queue
 * handle it is not replaced after fork(): like Python's Connection, an end
 * shared by several processes closes when the last of them closes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

/* No reopen_cmd: an end is never re-owned, nor registered. */
static const struct ipcdev__kind pipe_kind = {
	.size = sizeof(ipcdev_pipe),
	.feature = IPCQ_FEATURE_PIPE,
	.open_cmd = IPCQ_IOC_PIPE_CREATE,
};

int ipcdev__pipe_adopt(ipcdev_pipe **pp, int fd)
{
	struct ipcdev__handle *h;
	int ret = ipcdev__adopt(&pipe_kind, fd, 0, &h);

	if (!ret)
		*pp = IPCDEV__OF(h, ipcdev_pipe);
	return ret;
}

int ipcdev_pipe_create(ipcdev_pipe **conn1, ipcdev_pipe **conn2, int duplex,
		       const struct ipcdev_pipe_attr *attr)
{
	struct ipcq_pipe_create arg;
	int ret;

	if (!conn1 || !conn2)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_PIPE_CLOEXEC | (duplex ? IPCQ_PIPE_DUPLEX : 0);
	arg.capacity = attr ? attr->maxsize : IPCDEV_PIPE_DEFAULT_MAXSIZE;
	arg.max_msg_size = attr ? attr->max_msg_size : 0;
	ret = ipcdev__dev_ioctl(&pipe_kind, &arg);
	if (ret)
		return ret;
	ret = ipcdev__pipe_adopt(conn1, (int)arg.fds[0]);
	if (ret)
		goto fail;
	ret = ipcdev__pipe_adopt(conn2, (int)arg.fds[1]);
	if (ret) {
		free(*conn1);
		goto fail;
	}
	return 0;
fail:
	close((int)arg.fds[0]);
	close((int)arg.fds[1]);
	return ret;
}

int ipcdev__pipe_from_fd_v03(ipcdev_pipe **p, int fd)
	IPCDEV__DEFAULT(ipcdev_pipe_from_fd, "IPCDEV_0.3");
int ipcdev__pipe_from_fd_v03(ipcdev_pipe **p, int fd)
{
	struct ipcq_pipe_stat st;
	int ret;

	if (fd < 0 || !p)
		return -EINVAL;
	ret = ipcdev__ioctl(fd, IPCQ_IOC_PIPE_STAT, &st);
	if (ret)
		return ret;
	return ipcdev__pipe_adopt(p, fd);
}

/* 0.1 and 0.2 took the out-parameter last. */
int ipcdev__pipe_from_fd_v01(int fd, ipcdev_pipe **p)
	IPCDEV__COMPAT(ipcdev_pipe_from_fd, "IPCDEV_0.1");
int ipcdev__pipe_from_fd_v01(int fd, ipcdev_pipe **p)
{
	return ipcdev__pipe_from_fd_v03(p, fd);
}

/* ipcdev__msg_rw() on the end's file: IPCDEV__BY_IOCTL, or its answer. */
static int pipe_rw(ipcdev_pipe *p, bool send, void *buf, size_t *len,
		   int64_t timeout_ns)
{
	int fd = ipcdev__fd(IPCDEV__H(p));

	if (fd < 0)
		return fd;
	return ipcdev__msg_rw(fd, send, buf, len, timeout_ns);
}

static int pipe_xfer(ipcdev_pipe *p, unsigned long cmd, struct ipcq_msg *msg,
		     int64_t timeout_ns)
{
	int fd = ipcdev__fd(IPCDEV__H(p));

	if (fd < 0)
		return fd;
	return ipcdev__msg_call(fd, cmd, msg, timeout_ns);
}

int ipcdev_pipe_send(ipcdev_pipe *p, const void *buf, size_t len,
		     int64_t timeout_ns)
{
	struct ipcq_msg msg;
	int ret = pipe_rw(p, true, (void *)buf, &len, timeout_ns);

	if (ret != IPCDEV__BY_IOCTL)
		return ret;
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)buf;
	msg.len = len;
	return pipe_xfer(p, IPCQ_IOC_PIPE_SEND, &msg, timeout_ns);
}

int ipcdev_pipe_recv(ipcdev_pipe *p, void *buf, size_t *len,
		     int64_t timeout_ns)
{
	struct ipcq_msg msg;
	int ret;

	if (!len)
		return -EINVAL;
	ret = pipe_rw(p, false, buf, len, timeout_ns);
	if (ret != IPCDEV__BY_IOCTL)
		return ret;
	memset(&msg, 0, sizeof(msg));
	msg.buf = (uintptr_t)buf;
	msg.len = *len;
	ret = pipe_xfer(p, IPCQ_IOC_PIPE_RECV, &msg, timeout_ns);
	if (ret == 0 || ret == -EMSGSIZE)
		*len = msg.len;
	return ret;
}

int ipcdev_pipe_poll(ipcdev_pipe *p, int64_t timeout_ns)
{
	struct pollfd pfd;
	int ret;

	if (!p)
		return -EINVAL;
	pfd.fd = p->h.fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	ret = ipcdev__ppoll(&pfd, 1, ipcdev__deadline(timeout_ns));
	if (ret < 0)
		return ret;
	/* End-of-file counts as readable: recv would not block. */
	return ret > 0 && (pfd.revents & (POLLIN | POLLHUP)) ? 1 : 0;
}

int ipcdev_pipe_stat(ipcdev_pipe *p, struct ipcq_pipe_stat *st)
{
	if (!p || !st)
		return -EINVAL;
	return ipcdev__ioctl(p->h.fd, IPCQ_IOC_PIPE_STAT, st);
}

int ipcdev_pipe_close(ipcdev_pipe *p)
{
	return ipcdev__close(IPCDEV__H(p));
}

int ipcdev_pipe_fd(const ipcdev_pipe *p)
{
	return ipcdev__handle_fd(IPCDEV__H(p));
}

int ipcdev_pipe_peer(ipcdev_pipe *conn, struct ipcdev_peer *cred)
{
	struct ipcq_pipe_stat st;
	int ret;

	if (!conn || !cred)
		return -EINVAL;
	ret = ipcdev__ioctl(conn->h.fd, IPCQ_IOC_PIPE_STAT, &st);
	if (ret)
		return ret;
	if (!(st.state & IPCQ_PIPE_PEER_CRED))
		return -ENODATA;
	cred->pid = (pid_t)st.peer_pid;
	cred->uid = (uid_t)st.peer_uid;
	cred->gid = (gid_t)st.peer_gid;
	return 0;
}
