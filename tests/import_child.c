// SPDX-License-Identifier: GPL-2.0
/*
 * import_child KIND STR ACTION NOTIFY_FD: the program exec_test starts by
 * exec with a handle exported as STR (ipcdev_export). It imports it
 * (ipcdev_import, then the kind's *_from_fd), checks the descriptor is
 * close-on-exec again, and with ACTION "check" exits 0; with "hold" it
 * takes what the kind offers (a Lock or RLock, two units of a semaphore,
 * one message put on a queue or sent on a pipe end, a region's bound
 * lock), writes a byte to NOTIFY_FD and waits to be killed. Exit status: 0 fine, 2 import, 3 from_fd, 4 not close-on-exec,
 * 5 the take failed, 6 bad usage.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"

static int adopt(const char *kind, int fd, int hold)
{
	if (!strcmp(kind, "queue")) {
		ipcdev_queue *q;

		if (ipcdev_queue_from_fd(&q, fd))
			return 3;
		return hold && ipcdev_queue_put(q, "x", 1, IPCDEV_NOWAIT) ? 5 : 0;
	}
	if (!strcmp(kind, "lock") || !strcmp(kind, "rlock")) {
		ipcdev_lock *l;

		if (kind[0] == 'r' ? ipcdev_rlock_from_fd(&l, fd) :
		    ipcdev_lock_from_fd(&l, fd))
			return 3;
		return hold && ipcdev_lock_acquire(l, IPCDEV_NOWAIT) ? 5 : 0;
	}
	if (!strcmp(kind, "sem")) {
		ipcdev_sem *s;

		if (ipcdev_sem_from_fd(&s, fd))
			return 3;
		return hold && (ipcdev_sem_acquire(s, IPCDEV_NOWAIT) ||
				ipcdev_sem_acquire(s, IPCDEV_NOWAIT)) ? 5 : 0;
	}
	if (!strcmp(kind, "event")) {
		ipcdev_event *e;

		return ipcdev_event_from_fd(&e, fd) ? 3 : 0;
	}
	if (!strcmp(kind, "cond")) {
		ipcdev_cond *c;

		return ipcdev_cond_from_fd(&c, fd) ? 3 : 0;
	}
	if (!strcmp(kind, "barrier")) {
		ipcdev_barrier *b;

		return ipcdev_barrier_from_fd(&b, fd) ? 3 : 0;
	}
	if (!strcmp(kind, "pipe")) {
		ipcdev_pipe *p;

		if (ipcdev_pipe_from_fd(&p, fd))
			return 3;
		return hold && ipcdev_pipe_send(p, "x", 1, IPCDEV_NOWAIT) ? 5 : 0;
	}
	if (!strcmp(kind, "shm")) {
		ipcdev_shm *m;

		if (ipcdev_shm_from_fd(&m, fd))
			return 3;
		return hold && (!ipcdev_shm_lock(m) ||
				ipcdev_lock_acquire(ipcdev_shm_lock(m),
						    IPCDEV_NOWAIT)) ? 5 : 0;
	}
	if (!strcmp(kind, "listener")) {
		ipcdev_listener *l;

		return ipcdev_listener_from_fd(&l, fd) ? 3 : 0;
	}
	return 6;
}

int main(int argc, char **argv)
{
	int fd, hold, ret;

	if (argc != 5)
		return 6;
	hold = !strcmp(argv[3], "hold");
	fd = ipcdev_import(argv[2], argv[1]);
	if (fd < 0)
		return 2;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		return 4;
	ret = adopt(argv[1], fd, hold);
	if (ret || !hold)
		return ret;
	if (write(atoi(argv[4]), "h", 1) != 1)
		return 6;
	for (;;)
		pause();
}
