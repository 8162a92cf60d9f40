// SPDX-License-Identifier: GPL-2.0
/*
 * A queue's life through the raw ioctls: creation and its checks, names,
 * endpoints and their loss (end-of-file, EPIPE), observers, shutdown,
 * reopen, the byte and object limits, permissions for other users, IPC
 * namespaces, and the module pinned by a queue file. Built again as
 * queue_lifecycle_ring_test on ring queues, as queue_test.c is.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "queue_fixture.h"

TEST_F(q, anonymous_queue_stat_defaults)
{
	struct ipcq_queue_stat st;
	struct ipcdev_info info;

	ASSERT_EQ(0, ipcdev_query(&info, sizeof(info)));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.bytes);
	EXPECT_EQ(4, st.capacity);
	EXPECT_EQ(info.max_msg_size, st.max_msg_size);
	EXPECT_EQ(info.max_queue_bytes, st.max_bytes);
	EXPECT_EQ(0, st.unfinished);
	EXPECT_EQ(0, st.putters);
	EXPECT_EQ(0, st.getters);
	EXPECT_EQ(0, st.joiners);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(1, st.consumers);
	EXPECT_EQ(TEST_QUEUE_STATE, st.state);
	EXPECT_EQ(BOTH, st.endpoint);
	EXPECT_EQ(0, st.pad);
	EXPECT_EQ(0, st.reserved[0]);
	EXPECT_EQ(0, st.reserved[3]);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(q, open_without_cloexec)
{
	int fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(q, open_rejects_bad_arguments)
{
	struct ipcq_queue_open arg;
	unsigned int i;
	char long_name[IPCQ_NAME_MAX + 2];

	/* Unknown flag bits, no role, EXCL without CREATE. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, BOTH | (1U << 7),
					  0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, 1U << 31, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, IPCQ_OPEN_CREATE,
					  0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, self->name,
					  BOTH | IPCQ_OPEN_EXCL, 0600, 0, 0));
	/* Mode bits beyond 0777. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, self->name,
					  BOTH | IPCQ_OPEN_CREATE, 01777, 0, 0));
	/* Anonymous queues take no create flags. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL,
					  BOTH | IPCQ_OPEN_CREATE, 0, 0, 0));
	/* max_msg_size above the module's limit. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, BOTH, 0, 0,
					  (uint64_t)get_param("max_msg_size") + 1));

	/* pad and each reserved word. */
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH;
	arg.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	for (i = 0; i < 2; i++) {
		memset(&arg, 0, sizeof(arg));
		arg.flags = BOTH;
		arg.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	}
	/* A slot size without a ring. */
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH;
	arg.slot_size = 64;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	/* Anonymous with a length, named with none. */
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH;
	arg.name_len = 3;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	arg.name = (uintptr_t)"abc";
	arg.name_len = 0;
	arg.flags = BOTH | IPCQ_OPEN_CREATE;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));

	/* Names: too long, bad bytes, bad pointer. */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, raw_queue_open(self->dev, long_name,
						BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	long_name[IPCQ_NAME_MAX] = 0;
	EXPECT_LE(0, i = raw_queue_open(self->dev, long_name,
					BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	close(i);
	EXPECT_EQ(0, raw_unlink(self->dev, long_name));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "a/b",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "a b",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "a\x01",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "caf\xc3\xa9",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH | IPCQ_OPEN_CREATE;
	arg.name = 8;
	arg.name_len = 4;
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, NULL));
}

TEST_F(q, named_create_open_exclusive_unlink)
{
	struct ipcq_queue_stat st;
	uint64_t len = 16;
	char buf[16];
	int a, b;

	EXPECT_EQ(-ENOENT, raw_queue_open(self->dev, self->name, BOTH, 0, 0, 0));
	a = raw_queue_open(self->dev, self->name,
			   BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 2, 64);
	ASSERT_LE(0, a);
	EXPECT_EQ(-EEXIST, raw_queue_open(self->dev, self->name,
					  BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL,
					  0600, 0, 0));
	/* CREATE without EXCL opens the existing one; attributes ignored. */
	b = raw_queue_open(self->dev, self->name, BOTH | IPCQ_OPEN_CREATE,
			   0600, 9, 0);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, raw_stat(b, &st));
	EXPECT_EQ(2, st.capacity);
	EXPECT_EQ(64, st.max_msg_size);
	EXPECT_EQ(IPCQ_STATE_NAMED | TEST_QUEUE_STATE, st.state);
	EXPECT_EQ(2, st.producers);

	/* Both files are the same queue. */
	ASSERT_EQ(0, raw_put(a, "hello", 5, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_get(b, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	/* A name outlives its files until unlinked. */
	ASSERT_EQ(0, raw_put(a, "kept", 4, 0, 0, IPCQ_DEADLINE_FOREVER));
	close(a);
	close(b);
	a = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER, 0, 0, 0);
	ASSERT_LE(0, a);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(a, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(4, len);

	/* Unlinked: the name is gone, the open file still works. */
	ASSERT_EQ(0, raw_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, raw_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, raw_queue_open(self->dev, self->name, BOTH, 0, 0, 0));
	ASSERT_EQ(0, raw_stat(a, &st));
	EXPECT_EQ(0, st.state & IPCQ_STATE_NAMED);
	/* A new queue may take the name; it is a different queue. */
	b = raw_queue_open(self->dev, self->name,
			   BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, raw_put(b, "x", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_stat(a, &st));
	EXPECT_EQ(0, st.messages);
	close(a);
	close(b);
}

TEST_F(q, unlink_rejects_bad_arguments)
{
	struct ipcq_unlink arg;

	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)self->name;
	arg.name_len = strlen(self->name);
	arg.type = 99;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.type = IPCQ_TYPE_QUEUE;
	arg.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.reserved[1] = 0;
	arg.name_len = IPCQ_NAME_MAX + 1;
	EXPECT_EQ(-ENAMETOOLONG, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.name_len = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.name = 8;
	arg.name_len = 3;
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_UNLINK, (void *)8));
}

TEST_F(q, endpoint_roles_are_enforced)
{
	int prod = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE, 0600, 0, 0);
	int cons = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				  0, 0, 0);
	struct ipcq_queue_stat st;
	uint64_t len = 4;
	char buf[4];

	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	EXPECT_EQ(-EBADF, raw_get(prod, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(-EBADF, raw_put(cons, "x", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_stat(prod, &st));
	EXPECT_EQ(IPCQ_OPEN_PRODUCER, st.endpoint);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(1, st.consumers);
	ASSERT_EQ(0, raw_stat(cons, &st));
	EXPECT_EQ(IPCQ_OPEN_CONSUMER, st.endpoint);
	close(prod);
	close(cons);
}

/* A file with no role is an observer: no endpoint, no put, no get. */
TEST_F(q, observer_is_no_endpoint)
{
	int obs = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CREATE,
				 0600, 2, 0);
	struct ipcq_shutdown sd = { 0 };
	struct ipcq_queue_stat st;
	uint64_t len = 4;
	char buf[4];
	int prod;

	ASSERT_LE(0, obs);
	ASSERT_EQ(0, raw_stat(obs, &st));
	EXPECT_EQ(0, st.endpoint);
	EXPECT_EQ(0, st.producers);
	EXPECT_EQ(0, st.consumers);
	EXPECT_EQ(-EBADF, raw_put(obs, "x", 1, 0, 0, 0));
	EXPECT_EQ(-EBADF, raw_get(obs, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	close(obs);
	/* Having had only an observer, the queue reports no EPIPE. */
	prod = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	EXPECT_EQ(0, raw_put(prod, "x", 1, 0, 0, 0));
	obs = raw_queue_open(self->dev, self->name, 0, 0, 0, 0);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, raw_stat(obs, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(0, xioctl(obs, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	EXPECT_EQ(-ESHUTDOWN, raw_put(prod, "y", 1, 0, 0, 0));
	close(obs);
	close(prod);
}

TEST_F(q, no_eof_before_any_producer)
{
	int cons = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_CONSUMER | IPCQ_OPEN_CREATE, 0600, 0, 0);
	uint64_t len = 4;
	char buf[4];
	int prod;

	ASSERT_LE(0, cons);
	EXPECT_EQ(-EAGAIN, raw_get(cons, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	prod = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	ASSERT_EQ(0, raw_put(prod, "x", 1, 0, 0, 0));
	close(prod);
	/* Drains what is left, then end-of-file. */
	EXPECT_EQ(0, raw_get(cons, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(IPCQ_GET_EOF, raw_get(cons, buf, &len, NULL,
					IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(IPCQ_GET_EOF, raw_get(cons, buf, &len, NULL, 0,
					IPCQ_DEADLINE_FOREVER));
	/* A new producer revives the queue. */
	prod = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	EXPECT_EQ(-EAGAIN, raw_get(cons, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	close(prod);
	close(cons);
}

TEST_F(q, last_producer_close_wakes_blocked_getter_with_eof)
{
	int prod = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE, 0600, 0, 0);
	int cons = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				  0, 0, 0);
	struct ipcq_queue_stat st;
	struct pollfd pfd;
	pid_t pid;

	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[4];
		uint64_t len = sizeof(buf);

		close(prod);
		_exit(raw_get(cons, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER));
	}
	ASSERT_TRUE(wait_for(raw_stat(cons, &st) == 0 && st.getters == 1,
			     WAIT_MS));
	pfd.fd = cons;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	close(prod);
	EXPECT_EQ(IPCQ_GET_EOF, child_status(pid));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP, pfd.revents);
	close(cons);
}

TEST_F(q, last_consumer_close_gives_epipe_without_sigpipe)
{
	int prod = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE, 0600, 1, 0);
	int cons = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				  0, 0, 0);
	struct ipcq_queue_stat st;
	struct pollfd pfd;
	pid_t pid;

	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	ASSERT_EQ(0, raw_put(prod, "x", 1, 0, 0, 0));
	/* A putter blocked on the full queue is woken with EPIPE. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(cons);
		_exit(-raw_put(prod, "y", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	}
	ASSERT_TRUE(wait_for(raw_stat(prod, &st) == 0 && st.putters == 1,
			     WAIT_MS));
	close(cons);
	EXPECT_EQ(EPIPE, child_status(pid));
	/* Default SIGPIPE disposition: we are still alive after this. */
	EXPECT_EQ(-EPIPE, raw_put(prod, "z", 1, 0, IPCQ_MSG_NONBLOCK, 0));
	pfd.fd = prod;
	pfd.events = POLLOUT;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);
	close(prod);
}

TEST_F(q, shutdown_wakes_everyone_then_drains)
{
	struct ipcq_shutdown sd = { 0 };
	struct ipcq_queue_stat st;
	int full = raw_queue_open(self->dev, NULL, BOTH, 0, 1, 0);
	uint64_t len = 4;
	pid_t getter, putter;
	char buf[4];

	ASSERT_LE(0, full);
	ASSERT_EQ(0, raw_put(full, "a", 1, 0, 0, 0));
	getter = fork();
	ASSERT_LE(0, getter);
	if (getter == 0)
		_exit(-raw_get(self->fd, buf, &len, NULL, 0,
			       IPCQ_DEADLINE_FOREVER));
	putter = fork();
	ASSERT_LE(0, putter);
	if (putter == 0)
		_exit(-raw_put(full, "b", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.getters == 1,
			     WAIT_MS));
	ASSERT_TRUE(wait_for(raw_stat(full, &st) == 0 && st.putters == 1,
			     WAIT_MS));
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	ASSERT_EQ(0, xioctl(full, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	EXPECT_EQ(ESHUTDOWN, child_status(getter));
	EXPECT_EQ(ESHUTDOWN, child_status(putter));

	/* After shutdown: put fails, get drains, then fails; twice is fine. */
	EXPECT_EQ(-ESHUTDOWN, raw_put(full, "c", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_stat(full, &st));
	EXPECT_EQ(IPCQ_STATE_SHUTDOWN | TEST_QUEUE_STATE, st.state);
	EXPECT_EQ(0, raw_get(full, buf, &len, NULL, 0, 0));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(-ESHUTDOWN, raw_get(full, buf, &len, NULL, 0,
				      IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, xioctl(full, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	close(full);

	/* Bad arguments. */
	sd.flags = 2;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	sd.flags = 0;
	sd.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	sd.pad = 0;
	sd.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
}

TEST_F(q, immediate_shutdown_drops_and_releases_join)
{
	struct ipcq_shutdown sd = { .flags = IPCQ_SHUTDOWN_IMMEDIATE };
	struct ipcq_task_done td = { .count = 1 };
	struct ipcq_queue_stat st;
	uint64_t len = 4;
	char buf[4];
	pid_t pid;

	ASSERT_EQ(0, raw_put(self->fd, "a", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "b", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "c", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_wait w = { .deadline = IPCQ_DEADLINE_FOREVER };

		_exit(-xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.joiners == 1,
			     WAIT_MS));
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.bytes);
	/* Two dropped count as done; the one taken is still unfinished. */
	EXPECT_EQ(1, st.unfinished);
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(-ESHUTDOWN, raw_get(self->fd, buf, &len, NULL, 0, 0));
}

TEST_F(q, reopen_gives_own_endpoint_subset_only)
{
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CONSUMER };
	struct ipcq_queue_stat st;
	int prod, cons, fd;

	prod = raw_queue_open(self->dev, NULL, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	/* A producer file cannot grant consuming. */
	EXPECT_EQ(-EACCES, xioctl(prod, IPCQ_IOC_QUEUE_REOPEN, &ro));
	ro.flags = IPCQ_OPEN_PRODUCER;
	fd = xioctl(prod, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_stat(prod, &st));
	EXPECT_EQ(2, st.producers);
	close(fd);
	ASSERT_EQ(0, raw_stat(prod, &st));
	EXPECT_EQ(1, st.producers);

	ro.flags = IPCQ_OPEN_CONSUMER | IPCQ_OPEN_CLOEXEC;
	cons = xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, cons);
	EXPECT_EQ(FD_CLOEXEC, fcntl(cons, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, raw_stat(cons, &st));
	EXPECT_EQ(IPCQ_OPEN_CONSUMER, st.endpoint);
	EXPECT_EQ(2, st.consumers);
	close(cons);

	/* No role: an observer, from any file (here a producer's). */
	ro.flags = 0;
	fd = xioctl(prod, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_stat(fd, &st));
	EXPECT_EQ(0, st.endpoint);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(-EBADF, raw_put(fd, "x", 1, 0, 0, 0));
	close(fd);
	ro.flags = IPCQ_OPEN_CREATE | IPCQ_OPEN_CONSUMER;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro));
	ro.flags = IPCQ_OPEN_CONSUMER;
	ro.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro));
	ro.pad = 0;
	ro.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro));
	close(prod);
}

/*
 * A put past the byte limit waits as a put to a full queue does
 * (IPCQ_FEATURE_QUEUE_SYSV); ENOBUFS only for a message larger than the
 * whole limit. Waking is queue_sysv_test's.
 */
TEST_F(q, byte_limit_waits_enobufs_only_past_it)
{
	long old = get_param("max_queue_bytes");
	struct ipcq_queue_stat st;
	char buf[64] = { 0 };
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_LT(0, old);
	ASSERT_EQ(0, set_param("max_queue_bytes", 100));
	fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
	ASSERT_EQ(0, set_param("max_queue_bytes", old));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_stat(fd, &st));
	EXPECT_EQ(100, st.max_bytes);
	EXPECT_EQ(0, raw_put(fd, buf, 60, 0, 0, 0));
	EXPECT_EQ(-EAGAIN, raw_put(fd, buf, 41, 0, IPCQ_MSG_NONBLOCK,
				   IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-ETIMEDOUT, raw_put(fd, buf, 41, 0, 0,
				      now_ns() + NSEC_PER_MSEC));
	EXPECT_EQ(-ENOBUFS, raw_put(fd, buf, 101, 0, 0,
				    IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, raw_put(fd, buf, 40, 0, 0, 0));
	EXPECT_EQ(-EAGAIN, raw_put(fd, buf, 1, 0, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(-ETIMEDOUT, raw_put(fd, buf, 1, 0, 0, 0));
	EXPECT_EQ(0, raw_stat(fd, &st));
	EXPECT_EQ(2, st.messages);
	EXPECT_EQ(100, st.bytes);
	/* Zero-length messages take no bytes. */
	EXPECT_EQ(0, raw_put(fd, buf, 0, 0, 0, 0));
	close(fd);
}

/*
 * Objects are charged to the owner's euid. A user of its own (no other
 * test's leftovers count against it) meets the limit exactly.
 */
#define LIMIT_UID 4242

TEST_F(q, object_limit_is_enospc_and_recovers)
{
	long old = get_param("max_objects_per_user");
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_EQ(0, set_param("max_objects_per_user", 3));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fds[3], i, fd, bad = 0;

		if (setgroups(0, NULL) || setgid(LIMIT_UID) || setuid(LIMIT_UID))
			_exit(100);
		for (i = 0; i < 3; i++) {
			fds[i] = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
			bad |= fds[i] < 0;
		}
		bad |= (raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0) !=
			-ENOSPC) << 1;
		bad |= (raw_queue_open(self->dev, self->name,
				       BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0) !=
			-ENOSPC) << 2;
		/* Freed: one more fits again. */
		close(fds[0]);
		fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
		bad |= (fd < 0) << 3;
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, set_param("max_objects_per_user", old));
}

TEST_F(q, permissions_for_other_users)
{
	int fd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch users");
	umask(0);
	fd = raw_queue_open(self->dev, self->name,
			    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0620, 0, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int p, bad = 0;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		/* Other: no bits. */
		bad |= raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER,
				      0, 0, 0) != -EACCES;
		bad |= (raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				       0, 0, 0) != -EACCES) << 1;
		bad |= (raw_unlink(self->dev, self->name) != -EPERM) << 2;
		/* The name is still there, so open without CREATE is EACCES,
		 * and CREATE without EXCL opens (then checks) the same queue.
		 */
		bad |= (raw_queue_open(self->dev, self->name,
				       IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE,
				       0666, 0, 0) != -EACCES) << 3;
		/* Anyone may create anonymous queues. */
		p = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
		bad |= (p < 0) << 4;
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));

	/* Other write: anyone may put, nobody else may get. */
	close(fd);
	ASSERT_EQ(0, raw_unlink(self->dev, self->name));
	fd = raw_queue_open(self->dev, self->name,
			    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0602, 0, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int p, bad = 0;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		p = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER,
				   0, 0, 0);
		bad |= p < 0;
		bad |= (raw_put(p, "x", 1, 0, 0, 0) != 0) << 1;
		bad |= (raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				       0, 0, 0) != -EACCES) << 2;
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));
	close(fd);
}

/* Names live per IPC namespace; a dead namespace's names are dropped. */
TEST_F(q, ipc_namespaces_isolate_names)
{
	long old = get_param("max_objects_per_user");
	struct ipcq_queue_stat st;
	int fd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_SYS_ADMIN for unshare(CLONE_NEWIPC)");
	fd = raw_queue_open(self->dev, self->name,
			    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_put(fd, "outer", 5, 0, 0, 0));
	ASSERT_EQ(0, set_param("max_objects_per_user", 1));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0, in;

		if (unshare(CLONE_NEWIPC))
			_exit(100);
		if (setgroups(0, NULL) || setgid(LIMIT_UID) || setuid(LIMIT_UID))
			_exit(101);
		bad |= raw_queue_open(self->dev, self->name, BOTH, 0, 0, 0) !=
		       -ENOENT;
		in = raw_queue_open(self->dev, self->name,
				    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL,
				    0600, 0, 0);
		bad |= (in < 0) << 1;
		bad |= (raw_put(in, "inner", 5, 0, 0, 0) != 0) << 2;
		/* Left behind, named, with no file, in a dying namespace. */
		close(in);
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));

	/* Ours still holds only "outer". */
	ASSERT_EQ(0, raw_stat(fd, &st));
	EXPECT_EQ(1, st.messages);

	/*
	 * The child's namespace is gone, so its queue, the one object
	 * LIMIT_UID may own, must have been dropped: LIMIT_UID can create
	 * one again.
	 */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(LIMIT_UID) || setuid(LIMIT_UID))
			_exit(100);
		_exit(raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0) < 0);
	}
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, set_param("max_objects_per_user", old));
	close(fd);
}

/* While a queue file is open, the module cannot be unloaded. */
TEST(module_pinned_by_queue_file)
{
	int dev = dev_open(), fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to try delete_module");
	ASSERT_LE(0, dev);
	fd = raw_queue_open(dev, NULL, BOTH, 0, 0, 0);
	ASSERT_LE(0, fd);
	close(dev);
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_delete_module, "ipcq", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
}

TEST_HARNESS_MAIN
