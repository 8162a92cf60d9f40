// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Listener and Client (multiprocessing.connection) over ipcq listeners:
 * a listener handle owns one listener file; accept and connect give pipe
 * handles (pipe.c), whose peer credentials ipcdev_pipe_peer() reads.
 * Like pipe ends, listener handles are not re-owned after fork(): a
 * listener file holds nothing per process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

static const struct ipcdev__kind listener_kind = {
	.type = IPCQ_TYPE_LISTENER,
	.size = sizeof(ipcdev_listener),
	.feature = IPCQ_FEATURE_LISTENER,
	.open_cmd = IPCQ_IOC_LISTENER_OPEN,
};

/* For connect: the device ioctl needs the feature too. */
static const struct ipcdev__kind connect_kind = {
	.feature = IPCQ_FEATURE_LISTENER,
	.open_cmd = IPCQ_IOC_CONNECT,
};

int ipcdev_listener_create(ipcdev_listener **l, const char *name,
			   unsigned int backlog, mode_t mode)
{
	struct ipcq_listener_open arg;
	struct ipcdev__handle *h;
	int ret;

	if (!l || !name || (mode & ~0777U) ||
	    backlog > IPCQ_LISTENER_BACKLOG_MAX)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL | IPCQ_OPEN_CLOEXEC;
	arg.mode = mode;
	arg.backlog = backlog ? backlog : IPCDEV_LISTENER_DEFAULT_BACKLOG;
	ret = ipcdev__open(&listener_kind, name, &arg.name, &arg.name_len,
			   &arg, 0, &h);
	if (!ret)
		*l = IPCDEV__OF(h, ipcdev_listener);
	return ret;
}

int ipcdev_listener_accept(ipcdev_listener *l, ipcdev_pipe **conn,
			   int64_t timeout_ns)
{
	struct ipcq_accept arg;
	int fd, ret;

	if (!l || !conn)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.flags = IPCQ_OPEN_CLOEXEC;
	if (timeout_ns == IPCDEV_NOWAIT)
		arg.flags |= IPCQ_ACCEPT_NONBLOCK;
	arg.deadline = ipcdev__deadline(timeout_ns);
	fd = ipcdev__ioctl_restart(l->h.fd, IPCQ_IOC_LISTENER_ACCEPT, &arg);
	if (fd < 0)
		return fd;
	ret = ipcdev__pipe_adopt(conn, fd);
	if (ret)
		close(fd);
	return ret;
}

int ipcdev_client_connect(ipcdev_pipe **conn, const char *name, int duplex,
			  int64_t timeout_ns)
{
	struct ipcq_connect arg;
	size_t len;
	int fd, ret;

	if (!conn || !name)
		return -EINVAL;
	len = strlen(name);
	if (len > IPCQ_NAME_MAX)
		return -ENAMETOOLONG;
	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = (uint32_t)len;
	arg.flags = IPCQ_OPEN_CLOEXEC | (duplex ? 0 : IPCQ_CONNECT_ONEWAY);
	if (timeout_ns == IPCDEV_NOWAIT)
		arg.flags |= IPCQ_CONNECT_NONBLOCK;
	arg.deadline = ipcdev__deadline(timeout_ns);
	arg.capacity = IPCDEV_PIPE_DEFAULT_MAXSIZE;
	/* The deadline is absolute: a restart after a signal waits no longer. */
	do
		fd = ipcdev__dev_ioctl(&connect_kind, &arg);
	while (fd == -EINTR && !ipcdev__interruptible());
	if (fd < 0)
		return fd;
	ret = ipcdev__pipe_adopt(conn, fd);
	if (ret)
		close(fd);
	return ret;
}

int ipcdev_listener_from_fd(ipcdev_listener **l, int fd)
{
	struct ipcq_listener_stat st;
	struct ipcdev__handle *h;
	int ret;

	if (fd < 0 || !l)
		return -EINVAL;
	ret = ipcdev__ioctl(fd, IPCQ_IOC_LISTENER_STAT, &st);
	if (ret)
		return ret;
	ret = ipcdev__adopt(&listener_kind, fd, 0, &h);
	if (!ret)
		*l = IPCDEV__OF(h, ipcdev_listener);
	return ret;
}

int ipcdev_listener_close(ipcdev_listener *l)
{
	return ipcdev__close(IPCDEV__H(l));
}

int ipcdev_listener_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_LISTENER);
}

int ipcdev_listener_fd(const ipcdev_listener *l)
{
	return ipcdev__handle_fd(IPCDEV__H(l));
}
