// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handing a handle to a program started by exec: ipcdev_export() makes a
 * fresh file of the object, without close-on-exec, and names it in a
 * short string ("queue:7"); ipcdev_import() in the new program checks
 * the string against the object behind the descriptor, sets close-on-exec
 * again (so it goes no further) and returns the descriptor for the
 * type's *_from_fd().
 *
 * The fresh file is the new program's own: a queue file with the roles
 * of the exported one (its own endpoint), a sync object file of its own
 * (its own holder and undo), as a fork child's; pipe ends, regions and
 * listeners hold nothing per process, so theirs is a duplicate. Every
 * library descriptor is close-on-exec: only the exported file reaches the
 * exec'd program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

/* The kind of object file @fd is, by its stat ioctl; NULL if none. */
static const char *kind_of(int fd, uint32_t *roles)
{
	struct ipcq_queue_stat qs;
	struct ipcq_sync_stat ss;
	struct ipcq_pipe_stat ps;
	struct ipcq_shm_stat ms;
	struct ipcq_listener_stat ls;

	if (!ipcdev__ioctl(fd, IPCQ_IOC_QUEUE_STAT, &qs)) {
		*roles = qs.endpoint & (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER);
		return "queue";
	}
	if (!ipcdev__ioctl(fd, IPCQ_IOC_SYNC_STAT, &ss)) {
		switch (ss.type) {
		case IPCQ_TYPE_SEM:
			return "sem";
		case IPCQ_TYPE_LOCK:
			return ss.flags & IPCQ_SYNC_RECURSIVE ? "rlock" : "lock";
		case IPCQ_TYPE_EVENT:
			return "event";
		case IPCQ_TYPE_COND:
			return "cond";
		case IPCQ_TYPE_BARRIER:
			return "barrier";
		}
		return NULL;
	}
	if (!ipcdev__ioctl(fd, IPCQ_IOC_PIPE_STAT, &ps))
		return "pipe";
	if (!ipcdev__ioctl(fd, IPCQ_IOC_SHM_STAT, &ms))
		return "shm";
	if (!ipcdev__ioctl(fd, IPCQ_IOC_LISTENER_STAT, &ls))
		return "listener";
	return NULL;
}

int ipcdev_export(int fd, char *buf, size_t len)
{
	struct ipcq_reopen arg;
	const char *kind;
	uint32_t roles = 0;
	int nfd, n;

	if (fd < 0 || !buf)
		return -EINVAL;
	kind = kind_of(fd, &roles);
	if (!kind)
		return -ENOTTY;
	memset(&arg, 0, sizeof(arg));
	if (!strcmp(kind, "queue")) {
		arg.flags = roles;
		nfd = ipcdev__ioctl(fd, IPCQ_IOC_QUEUE_REOPEN, &arg);
	} else if (!strcmp(kind, "pipe") || !strcmp(kind, "shm") ||
		   !strcmp(kind, "listener")) {
		nfd = fcntl(fd, F_DUPFD, 0);
		if (nfd < 0)
			nfd = -errno;
	} else {
		nfd = ipcdev__ioctl(fd, IPCQ_IOC_SYNC_REOPEN, &arg);
	}
	if (nfd < 0)
		return nfd;
	n = snprintf(buf, len, "%s:%d", kind, nfd);
	if (n < 0 || (size_t)n >= len) {
		close(nfd);
		return -ENOSPC;
	}
	return nfd;
}

int ipcdev_import(const char *str, const char *kind)
{
	const char *colon, *have;
	uint32_t roles;
	char *end;
	long fd;
	int flags;

	if (!str || !kind)
		return -EINVAL;
	colon = strchr(str, ':');
	if (!colon || (size_t)(colon - str) != strlen(kind) ||
	    strncmp(str, kind, strlen(kind)))
		return -EINVAL;
	errno = 0;
	fd = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || fd < 0 || fd > 0x7fffffff)
		return -EINVAL;
	flags = fcntl((int)fd, F_GETFD);
	if (flags < 0)
		return -EBADF;
	have = kind_of((int)fd, &roles);
	if (!have || strcmp(have, kind))
		return -EINVAL;
	/* It reached us; it goes no further. */
	if (fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) < 0)
		return -errno;
	return (int)fd;
}
