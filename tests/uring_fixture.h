/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the io_uring suites (uring_test.c, uring_teardown_test.c) share:
 * raw ipcq commands on a liburing ring, completions awaited with a time
 * limit, counts of parked commands, and the uring fixture, a device fd
 * and a ring set up plain, with SQPOLL or with DEFER_TASKRUN, its
 * variants run on plain and on ring queues. Include after ipcq_test.h.
 */
#ifndef URING_FIXTURE_H
#define URING_FIXTURE_H

#include <liburing.h>

/* The ring's next SQE; the tests never fill more than the ring holds. */
static inline struct io_uring_sqe *sqe_of(struct io_uring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);

	if (!sqe)
		abort();
	return sqe;
}

/*
 * Submits what is prepared: true if all @n went in. With SQPOLL,
 * io_uring_submit() answers how many its thread has not consumed yet,
 * anything from 0 up.
 */
static inline bool submitted(struct io_uring *r, int n)
{
	int ret = io_uring_submit(r);

	return r->flags & IORING_SETUP_SQPOLL ? ret >= 0 : ret == n;
}

/* Fills @sqe with a raw ipcq command, all fields as given. */
static inline void prep_raw(struct io_uring_sqe *sqe, int fd, uint32_t cmd_op,
			    uint64_t arg, uint32_t flags, uint32_t pad,
			    uint64_t user_data)
{
	struct ipcq_uring_cmd cmd = { .arg = arg, .flags = flags, .pad = pad };

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = user_data;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
}

/* Submits one raw command and returns its completion's res. */
static inline int run_raw(struct io_uring *r, int fd, uint32_t cmd_op,
			  uint64_t arg, uint32_t flags, uint32_t pad)
{
	struct io_uring_cqe *cqe;
	int res;

	prep_raw(sqe_of(r), fd, cmd_op, arg, flags, pad, 7);
	if (!submitted(r, 1))
		return -1000;
	if (io_uring_wait_cqe(r, &cqe))
		return -1001;
	res = cqe->res;
	io_uring_cqe_seen(r, cqe);
	return res;
}

/*
 * Waits up to @ms for a completion: its res, with *@user_data set, or
 * -1000 if none came (a parked command that should have completed).
 */
static inline int next_cqe(struct io_uring *r, uint64_t *user_data,
			   unsigned int ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * NSEC_PER_MSEC,
	};
	struct io_uring_cqe *cqe;
	int res;

	do
		res = io_uring_wait_cqe_timeout(r, &cqe, &ts);
	while (res == -EINTR);	/* stopped and continued, say */
	if (res)
		return -1000;
	res = cqe->res;
	if (user_data)
		*user_data = cqe->user_data;
	io_uring_cqe_seen(r, cqe);
	return res;
}

/* True when no completion arrives within @ms: the commands stay parked. */
static inline bool none_completes(struct io_uring *r, unsigned int ms)
{
	return next_cqe(r, NULL, ms) == -1000;
}

/* Stops @pid (SIGSTOP) and waits until it is stopped. */
static inline bool stop_child(pid_t pid)
{
	int status;

	return kill(pid, SIGSTOP) == 0 &&
	       waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status);
}

static inline int queue_new(int dev, uint32_t flags, uint64_t capacity)
{
	return raw_queue_open(dev, NULL, flags | IPCQ_OPEN_CLOEXEC, 0600,
			      capacity, 0);
}

static inline void sync_op_init(struct ipcq_sync_op *op, uint64_t deadline,
				uint32_t flags, uint64_t count)
{
	memset(op, 0, sizeof(*op));
	op->deadline = deadline;
	op->flags = flags;
	op->count = count;
}

static inline uint32_t getters(int q)
{
	struct ipcq_queue_stat st;

	return raw_stat(q, &st) ? ~0U : st.getters;
}

static inline uint32_t putters(int q)
{
	struct ipcq_queue_stat st;

	return raw_stat(q, &st) ? ~0U : st.putters;
}

static inline uint32_t sync_waiters(int s)
{
	struct ipcq_sync_stat st;

	memset(&st, 0, sizeof(st));
	return xioctl(s, IPCQ_IOC_SYNC_STAT, &st) ? ~0U : st.waiters;
}

FIXTURE(uring) {
	int dev;
	struct io_uring ring;
};

FIXTURE_VARIANT(uring) {
	uint32_t queue_flags;
	uint32_t setup_flags;	/* of the io_uring instance */
};

FIXTURE_VARIANT_ADD(uring, queue) {
	.queue_flags = 0,
};

FIXTURE_VARIANT_ADD(uring, ring_queue) {
	.queue_flags = IPCQ_OPEN_RING,
};

/* Submitted by io_uring's own thread, which then runs the task work. */
FIXTURE_VARIANT_ADD(uring, sqpoll) {
	.setup_flags = IORING_SETUP_SQPOLL,
};

/* Task work runs only when the submitter waits for completions. */
FIXTURE_VARIANT_ADD(uring, defer_taskrun) {
	.setup_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
};

FIXTURE_SETUP(uring)
{
	SKIP_WITHOUT_URING();
	self->dev = dev_open();
	ASSERT_GE(self->dev, 0);
	ASSERT_EQ(ipcdev_uring_probe(), 0);
	ASSERT_EQ(io_uring_queue_init(256, &self->ring, variant->setup_flags),
		  0);
}

FIXTURE_TEARDOWN(uring)
{
	io_uring_queue_exit(&self->ring);
	close(self->dev);
}

#endif /* URING_FIXTURE_H */
