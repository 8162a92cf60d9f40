/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libipcdev internals: not installed, not part of the ABI. */
#ifndef IPCDEV_INTERNAL_H
#define IPCDEV_INTERNAL_H

#include <stdatomic.h>

#include "ipcdev.h"

/* The cached handshake answer; 0 or -errno. */
int ipcdev__info(struct ipcdev_info *info);

/* 0 if the kernel offers @features, -EOPNOTSUPP if not, or -errno. */
int ipcdev__require(uint64_t features);

/* CLOCK_MONOTONIC now, in ns. */
uint64_t ipcdev__now_ns(void);

/* Absolute CLOCK_MONOTONIC deadline for a Python-style timeout. */
uint64_t ipcdev__deadline(int64_t timeout_ns);

/* ioctl(2) as the library wants it: its value, or -errno. */
int ipcdev__ioctl(int fd, unsigned long cmd, void *arg);

/* Bumped in every child after fork(), for handles to notice. */
unsigned long ipcdev__fork_generation(void);

struct pollfd;
int ipcdev__ioctl_restart(int fd, unsigned long cmd, void *arg);
int ipcdev__msg_call(int fd, unsigned long cmd, struct ipcq_msg *msg,
		     int64_t timeout_ns);
int ipcdev__ppoll(struct pollfd *pfd, unsigned int n, uint64_t deadline);
int ipcdev__own(int fd, atomic_ulong *gen, unsigned long reopen_cmd,
		uint32_t flags);
int ipcdev__unlink(const char *name, uint32_t type);
int ipcdev__close(int fd, void *handle);
int ipcdev__map_shared(int fd, uint64_t ro_off, size_t ro_size,
		       uint64_t rw_off, size_t rw_size, void **ro, void **rw);

/* Handles' fds, owned by this process (for uring.c); -errno. */
int ipcdev__queue_fd(ipcdev_queue *q);
int ipcdev__sync_fd(void *handle, uint32_t type);

/* ring.c: the ring of an IPCQ_OPEN_RING queue, mapped. */
#include <stdbool.h>
struct ipcdev__ring;
int ipcdev__ring_attach(int fd, struct ipcdev__ring **out);
void ipcdev__ring_detach(struct ipcdev__ring *r);
/* 1 done through the ring, 0 go through the kernel, or -errno. */
int ipcdev__ring_put(struct ipcdev__ring *r, int fd, const void *buf,
		     size_t len, bool may_wait);
int ipcdev__ring_get(struct ipcdev__ring *r, int fd, void *buf, size_t *len,
		     bool may_wait);
/* Adaptive spinning around @try while it answers -EAGAIN (ring.c). */
int ipcdev__spin(_Atomic unsigned int *budget, bool may_wait,
		 int (*try)(void *), void *arg);

#endif /* IPCDEV_INTERNAL_H */
