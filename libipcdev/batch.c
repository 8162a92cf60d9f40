// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Batches of puts and gets on queues and pipe ends (kernel feature
 * IPCQ_FEATURE_BATCH): up to IPCQ_BATCH_MAX messages per system call, as
 * sendmmsg(2) and recvmmsg(2). The caller's array of struct ipcq_msg is
 * handed to the kernel as it is, with no copy. Batches always go through
 * the kernel, also on a ring queue (which keeps their order with the
 * ring's messages).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "ipcdev.h"
#include "internal.h"

/*
 * One batch call on @fd: at most IPCQ_BATCH_MAX of the @n entries (a
 * longer array is a batch cut short, as the kernel cuts it short).
 */
static int batch_call(int fd, unsigned long cmd, const struct ipcq_msg *msgs,
		      size_t n, int64_t timeout_ns)
{
	struct ipcq_batch arg;
	int ret;

	if (fd < 0)
		return fd;
	if (!msgs || !n)
		return -EINVAL;
	ret = ipcdev__require(IPCQ_FEATURE_BATCH);
	if (ret)
		return ret;
	memset(&arg, 0, sizeof(arg));
	arg.msgs = (uintptr_t)msgs;
	arg.count = n > IPCQ_BATCH_MAX ? IPCQ_BATCH_MAX : (uint32_t)n;
	if (timeout_ns == IPCDEV_NOWAIT)
		arg.flags = IPCQ_BATCH_NONBLOCK;
	arg.deadline = ipcdev__deadline(timeout_ns);
	return ipcdev__ioctl_restart(fd, cmd, &arg);
}

int ipcdev_queue_put_many(ipcdev_queue *q, const struct ipcq_msg *msgs,
			  size_t n, int64_t timeout_ns)
{
	return batch_call(ipcdev__fd(IPCDEV__H(q)), IPCQ_IOC_QUEUE_PUT_MANY,
			  msgs, n, timeout_ns);
}

int ipcdev_queue_get_many(ipcdev_queue *q, struct ipcq_msg *msgs, size_t n,
			  int64_t timeout_ns)
{
	return batch_call(ipcdev__fd(IPCDEV__H(q)), IPCQ_IOC_QUEUE_GET_MANY,
			  msgs, n, timeout_ns);
}

int ipcdev_pipe_send_many(ipcdev_pipe *p, const struct ipcq_msg *msgs,
			  size_t n, int64_t timeout_ns)
{
	return batch_call(ipcdev__fd(IPCDEV__H(p)), IPCQ_IOC_PIPE_SEND_MANY,
			  msgs, n, timeout_ns);
}

int ipcdev_pipe_recv_many(ipcdev_pipe *p, struct ipcq_msg *msgs, size_t n,
			  int64_t timeout_ns)
{
	return batch_call(ipcdev__fd(IPCDEV__H(p)), IPCQ_IOC_PIPE_RECV_MANY,
			  msgs, n, timeout_ns);
}
