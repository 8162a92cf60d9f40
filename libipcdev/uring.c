// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * io_uring commands: SQEs carrying the ioctls of queues, pipes and sync
 * objects (see <linux/ipcq.h>, "io_uring commands"). No liburing needed:
 * the SQE layout is the kernel's, and the probe uses raw system calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/io_uring.h>

#include "internal.h"

int ipcdev_uring_probe(void)
{
	const size_t probe_size = sizeof(struct io_uring_probe) +
				  256 * sizeof(struct io_uring_probe_op);
	struct io_uring_params params;
	struct io_uring_probe *probe;
	int fd, ret;

	ret = ipcdev__require(IPCQ_FEATURE_URING);
	if (ret)
		return ret;
	memset(&params, 0, sizeof(params));
	fd = (int)syscall(__NR_io_uring_setup, 1, &params);
	if (fd < 0)
		return errno == EACCES ? -EPERM : -errno;
	probe = calloc(1, probe_size);
	if (!probe) {
		close(fd);
		return -ENOMEM;
	}
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_PROBE, probe,
		    256) < 0)
		ret = -errno;
	else if (probe->ops_len <= IORING_OP_URING_CMD ||
		 !(probe->ops[IORING_OP_URING_CMD].flags & IO_URING_OP_SUPPORTED))
		ret = -EOPNOTSUPP;
	free(probe);
	close(fd);
	return ret;
}

/* Each handle's fd, this process's own; -EINVAL for a miscast handle. */
static int queue_fd(ipcdev_queue *q)
{
	return ipcdev__fd_typed(IPCDEV__H(q), IPCQ_TYPE_QUEUE);
}

static int pipe_fd(ipcdev_pipe *p)
{
	return ipcdev__fd_typed(IPCDEV__H(p), 0);
}

static int sem_fd(ipcdev_sem *s)
{
	return ipcdev__fd_typed(IPCDEV__H(s), IPCQ_TYPE_SEM);
}

static int event_fd(ipcdev_event *e)
{
	return ipcdev__fd_typed(IPCDEV__H(e), IPCQ_TYPE_EVENT);
}

/* Fills @sqe with the command @cmd_op on @fd, keeping its user_data. */
static int prep(struct io_uring_sqe *sqe, int fd, uint32_t cmd_op,
		uint64_t arg, uint32_t flags)
{
	struct ipcq_uring_cmd cmd = { .arg = arg, .flags = flags };
	uint64_t user_data;

	if (!sqe)
		return -EINVAL;
	if (fd < 0)
		return fd;
	user_data = sqe->user_data;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = user_data;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	return 0;
}

static int prep_msg(struct io_uring_sqe *sqe, int fd, uint32_t cmd_op,
		    struct ipcdev_uring_op *op, const void *buf, size_t len,
		    unsigned int prio, int64_t timeout_ns)
{
	if (!op || (len && !buf) || prio > IPCQ_PRIO_MAX)
		return -EINVAL;
	memset(op, 0, sizeof(*op));
	op->cmd_op = cmd_op;
	op->arg.msg.buf = (uintptr_t)buf;
	op->arg.msg.len = len;
	op->arg.msg.priority = prio;
	op->arg.msg.deadline = ipcdev__deadline(timeout_ns);
	if (timeout_ns == IPCDEV_NOWAIT)
		op->arg.msg.flags = IPCQ_MSG_NONBLOCK;
	return prep(sqe, fd, cmd_op, (uintptr_t)&op->arg.msg, 0);
}

static int prep_sync(struct io_uring_sqe *sqe, int fd, uint32_t cmd_op,
		     struct ipcdev_uring_op *op, bool waits, int64_t timeout_ns,
		     uint64_t count)
{
	if (!op)
		return -EINVAL;
	memset(op, 0, sizeof(*op));
	op->cmd_op = cmd_op;
	op->arg.sync.count = count;
	if (waits) {
		op->arg.sync.deadline = ipcdev__deadline(timeout_ns);
		if (timeout_ns == IPCDEV_NOWAIT)
			op->arg.sync.flags = IPCQ_SYNC_NONBLOCK;
	}
	return prep(sqe, fd, cmd_op, (uintptr_t)&op->arg.sync, 0);
}

int ipcdev_uring_prep_put_prio(struct io_uring_sqe *sqe, ipcdev_queue *q,
			       struct ipcdev_uring_op *op, const void *buf,
			       size_t len, unsigned int prio,
			       int64_t timeout_ns)
{
	return prep_msg(sqe, queue_fd(q), IPCQ_IOC_QUEUE_PUT, op,
			buf, len, prio, timeout_ns);
}

int ipcdev_uring_prep_put(struct io_uring_sqe *sqe, ipcdev_queue *q,
			  struct ipcdev_uring_op *op, const void *buf,
			  size_t len, int64_t timeout_ns)
{
	return ipcdev_uring_prep_put_prio(sqe, q, op, buf, len, 0, timeout_ns);
}

int ipcdev_uring_prep_get(struct io_uring_sqe *sqe, ipcdev_queue *q,
			  struct ipcdev_uring_op *op, void *buf, size_t len,
			  int64_t timeout_ns)
{
	return prep_msg(sqe, queue_fd(q), IPCQ_IOC_QUEUE_GET, op,
			buf, len, 0, timeout_ns);
}

int ipcdev_uring_prep_join(struct io_uring_sqe *sqe, ipcdev_queue *q,
			   struct ipcdev_uring_op *op, int64_t timeout_ns)
{
	if (!op)
		return -EINVAL;
	memset(op, 0, sizeof(*op));
	op->cmd_op = IPCQ_IOC_QUEUE_JOIN;
	op->arg.wait.deadline = ipcdev__deadline(timeout_ns);
	if (timeout_ns == IPCDEV_NOWAIT)
		op->arg.wait.flags = IPCQ_WAIT_NONBLOCK;
	return prep(sqe, queue_fd(q), IPCQ_IOC_QUEUE_JOIN,
		    (uintptr_t)&op->arg.wait, 0);
}

int ipcdev_uring_prep_send(struct io_uring_sqe *sqe, ipcdev_pipe *p,
			   struct ipcdev_uring_op *op, const void *buf,
			   size_t len, int64_t timeout_ns)
{
	return prep_msg(sqe, pipe_fd(p),
			IPCQ_IOC_PIPE_SEND, op, buf, len, 0, timeout_ns);
}

int ipcdev_uring_prep_recv(struct io_uring_sqe *sqe, ipcdev_pipe *p,
			   struct ipcdev_uring_op *op, void *buf, size_t len,
			   int64_t timeout_ns)
{
	return prep_msg(sqe, pipe_fd(p),
			IPCQ_IOC_PIPE_RECV, op, buf, len, 0, timeout_ns);
}

int ipcdev_uring_prep_acquire(struct io_uring_sqe *sqe, ipcdev_sem *s,
			      struct ipcdev_uring_op *op, int64_t timeout_ns)
{
	return prep_sync(sqe, sem_fd(s),
			 IPCQ_IOC_SEM_ACQUIRE, op, true, timeout_ns, 0);
}

int ipcdev_uring_prep_release(struct io_uring_sqe *sqe, ipcdev_sem *s,
			      struct ipcdev_uring_op *op, uint64_t n)
{
	return prep_sync(sqe, sem_fd(s),
			 IPCQ_IOC_SEM_RELEASE, op, false, 0, n);
}

int ipcdev_uring_prep_wait(struct io_uring_sqe *sqe, ipcdev_event *e,
			   struct ipcdev_uring_op *op, int64_t timeout_ns)
{
	return prep_sync(sqe, event_fd(e),
			 IPCQ_IOC_EVENT_WAIT, op, true, timeout_ns, 0);
}

int ipcdev_uring_prep_set(struct io_uring_sqe *sqe, ipcdev_event *e,
			  struct ipcdev_uring_op *op)
{
	return prep_sync(sqe, event_fd(e),
			 IPCQ_IOC_EVENT_SET, op, false, 0, 0);
}

int ipcdev_uring_prep_cancel(struct io_uring_sqe *sqe, int fd,
			     uint64_t user_data, unsigned int flags)
{
	if (flags & ~(IPCDEV_CANCEL_ALL | IPCDEV_CANCEL_ANY))
		return -EINVAL;
	return prep(sqe, fd < 0 ? -EBADF : fd, IPCQ_URING_CANCEL, user_data,
		    flags);
}

int ipcdev_uring_result(const struct io_uring_cqe *cqe,
			const struct ipcdev_uring_op *op, size_t *len,
			unsigned int *prio)
{
	if (!cqe)
		return -EINVAL;
	if (op && (op->cmd_op == IPCQ_IOC_QUEUE_GET ||
		   op->cmd_op == IPCQ_IOC_PIPE_RECV) &&
	    (cqe->res == 0 || cqe->res == -EMSGSIZE)) {
		if (len)
			*len = op->arg.msg.len;
		if (prio)
			*prio = op->arg.msg.priority;
	}
	return cqe->res;
}
