// SPDX-License-Identifier: GPL-2.0
/*
 * Listeners through the ioctls: creation and its checks, connect and
 * accept (duplex and one-way), peer credentials, the backlog (full:
 * NONBLOCK, deadline, a connector blocked until accept makes room),
 * deadlines of accept, poll, the listener closed or unlinked with
 * connections queued and connectors waiting, clients killed before and
 * after accept, permissions (as nobody), descriptor limits, LIST and
 * fdinfo, and 100 client processes with exact message accounting.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "uring_fixture.h"

FIXTURE(lis) {
	int dev;
	char name[64];
};

FIXTURE_SETUP(lis)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	snprintf(self->name, sizeof(self->name), "lis-test-%d", getpid());
	umask(0);
}

static int lis_unlink(int dev, const char *name)
{
	struct ipcq_unlink u;

	memset(&u, 0, sizeof(u));
	u.name = (uintptr_t)name;
	u.name_len = (uint32_t)strlen(name);
	u.type = IPCQ_TYPE_LISTENER;
	return xioctl(dev, IPCQ_IOC_UNLINK, &u);
}

FIXTURE_TEARDOWN(lis)
{
	lis_unlink(self->dev, self->name);
	close(self->dev);
}

static int lis_open(int dev, const char *name, uint32_t flags, uint32_t mode,
		    uint32_t backlog)
{
	struct ipcq_listener_open a;

	memset(&a, 0, sizeof(a));
	a.name = (uintptr_t)name;
	a.name_len = name ? (uint32_t)strlen(name) : 0;
	a.flags = flags | IPCQ_OPEN_CLOEXEC;
	a.mode = mode;
	a.backlog = backlog;
	return xioctl(dev, IPCQ_IOC_LISTENER_OPEN, &a);
}

static int lis_create(int dev, const char *name, uint32_t mode,
		      uint32_t backlog)
{
	return lis_open(dev, name, IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, mode,
			backlog);
}

static int lis_connect(int dev, const char *name, uint32_t flags,
		       uint64_t deadline)
{
	struct ipcq_connect a;

	memset(&a, 0, sizeof(a));
	a.name = (uintptr_t)name;
	a.name_len = (uint32_t)strlen(name);
	a.flags = flags | IPCQ_OPEN_CLOEXEC;
	a.deadline = deadline;
	return xioctl(dev, IPCQ_IOC_CONNECT, &a);
}

static int lis_accept(int l, uint32_t flags, uint64_t deadline)
{
	struct ipcq_accept a;

	memset(&a, 0, sizeof(a));
	a.flags = flags | IPCQ_OPEN_CLOEXEC;
	a.deadline = deadline;
	return xioctl(l, IPCQ_IOC_LISTENER_ACCEPT, &a);
}

static int lis_stat(int l, struct ipcq_listener_stat *st)
{
	memset(st, POISON_BYTE, sizeof(*st));
	return xioctl(l, IPCQ_IOC_LISTENER_STAT, st);
}

static uint32_t lis_pending(int l)
{
	struct ipcq_listener_stat st;

	return lis_stat(l, &st) ? ~0U : st.pending;
}

static uint32_t lis_connectors(int l)
{
	struct ipcq_listener_stat st;

	return lis_stat(l, &st) ? ~0U : st.connectors;
}

static int psend(int fd, const void *buf, size_t len)
{
	struct ipcq_msg m;

	msg_init(&m, buf, len, IPCQ_DEADLINE_FOREVER, 0);
	return xioctl(fd, IPCQ_IOC_PIPE_SEND, &m);
}

/* A receive; *len in: buffer bytes, out: message bytes. */
static int precv(int fd, void *buf, uint64_t *len, uint32_t flags)
{
	struct ipcq_msg m;
	int ret;

	msg_init(&m, buf, *len, IPCQ_DEADLINE_FOREVER, flags);
	ret = xioctl(fd, IPCQ_IOC_PIPE_RECV, &m);
	*len = m.len;
	return ret;
}

static int pstat(int fd, struct ipcq_pipe_stat *st)
{
	memset(st, POISON_BYTE, sizeof(*st));
	return xioctl(fd, IPCQ_IOC_PIPE_STAT, st);
}

/* Layouts, numbers and directions never change (see also device.c). */
TEST(abi_listener_pinned)
{
	ASSERT_EQ(40, sizeof(struct ipcq_listener_open));
	ASSERT_EQ(56, sizeof(struct ipcq_connect));
	ASSERT_EQ(32, sizeof(struct ipcq_accept));
	ASSERT_EQ(56, sizeof(struct ipcq_listener_stat));
	ASSERT_EQ(20, offsetof(struct ipcq_listener_open, backlog));
	ASSERT_EQ(24, offsetof(struct ipcq_listener_open, reserved));
	ASSERT_EQ(16, offsetof(struct ipcq_connect, deadline));
	ASSERT_EQ(24, offsetof(struct ipcq_connect, capacity));
	ASSERT_EQ(32, offsetof(struct ipcq_connect, max_msg_size));
	ASSERT_EQ(40, offsetof(struct ipcq_connect, reserved));
	ASSERT_EQ(12, offsetof(struct ipcq_accept, pad));
	ASSERT_EQ(24, offsetof(struct ipcq_listener_stat, connects));
	ASSERT_EQ(40, offsetof(struct ipcq_listener_stat, reserved));
	ASSERT_EQ(_IOW(0xD1, 0x07, struct ipcq_listener_open),
		  IPCQ_IOC_LISTENER_OPEN);
	ASSERT_EQ(_IOW(0xD1, 0x08, struct ipcq_connect), IPCQ_IOC_CONNECT);
	ASSERT_EQ(_IOW(0xD1, 0x90, struct ipcq_accept),
		  IPCQ_IOC_LISTENER_ACCEPT);
	ASSERT_EQ(_IOR(0xD1, 0x91, struct ipcq_listener_stat),
		  IPCQ_IOC_LISTENER_STAT);
	ASSERT_EQ(8, IPCQ_TYPE_LISTENER);
	ASSERT_EQ((uint64_t)1 << 10, IPCQ_FEATURE_LISTENER);
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_LISTENER));
}

TEST_F(lis, open_rejects_bad_arguments)
{
	struct ipcq_listener_open a;
	char longname[IPCQ_NAME_MAX + 2];
	int l;

	/* Always named. */
	EXPECT_EQ(-EINVAL, lis_open(self->dev, NULL, IPCQ_OPEN_CREATE, 0600,
				    1));
	/* Backlog 1..MAX when creating, 0 when not. */
	EXPECT_EQ(-EINVAL, lis_create(self->dev, self->name, 0600, 0));
	EXPECT_EQ(-EINVAL, lis_create(self->dev, self->name, 0600,
				      IPCQ_LISTENER_BACKLOG_MAX + 1));
	EXPECT_EQ(-EINVAL, lis_open(self->dev, self->name, 0, 0, 1));
	EXPECT_EQ(-EINVAL, lis_create(self->dev, self->name, 01000, 1));
	EXPECT_EQ(-EINVAL, lis_open(self->dev, self->name, IPCQ_OPEN_EXCL,
				    0600, 0));
	EXPECT_EQ(-EINVAL, lis_open(self->dev, self->name, IPCQ_OPEN_RING |
				    IPCQ_OPEN_CREATE, 0600, 1));
	memset(&a, 0, sizeof(a));
	a.name = (uintptr_t)self->name;
	a.name_len = strlen(self->name);
	a.flags = IPCQ_OPEN_CREATE;
	a.backlog = 1;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_LISTENER_OPEN, &a));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_LISTENER_OPEN,
				  (void *)8));
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, lis_create(self->dev, longname, 0600, 1));
	EXPECT_EQ(-EINVAL, lis_create(self->dev, "a/b", 0600, 1));
	EXPECT_EQ(-ENOENT, lis_open(self->dev, self->name, 0, 0, 0));

	l = lis_create(self->dev, self->name, 0600, IPCQ_LISTENER_BACKLOG_MAX);
	ASSERT_LE(0, l);
	EXPECT_EQ(-EEXIST, lis_create(self->dev, self->name, 0600, 1));
	close(l);
}

TEST_F(lis, connect_and_accept_reject_bad_arguments)
{
	struct ipcq_connect c;
	struct ipcq_accept a;
	int l;

	EXPECT_EQ(-ENOENT, lis_connect(self->dev, self->name, 0, 0));
	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	EXPECT_EQ(-EINVAL, lis_connect(self->dev, self->name, 1U << 0, 0));
	EXPECT_EQ(-EINVAL, lis_connect(self->dev, "", 0, 0));
	memset(&c, 0, sizeof(c));
	c.name = (uintptr_t)self->name;
	c.name_len = strlen(self->name);
	c.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_CONNECT, &c));
	c.reserved[0] = 0;
	c.max_msg_size = (uint64_t)get_param("max_msg_size") + 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_CONNECT, &c));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_CONNECT, (void *)8));
	/* Another type's name is not a listener's. */
	EXPECT_EQ(-ENOENT, lis_connect(self->dev, "no-such-listener", 0, 0));

	memset(&a, 0, sizeof(a));
	a.flags = 1U << 5;
	EXPECT_EQ(-EINVAL, xioctl(l, IPCQ_IOC_LISTENER_ACCEPT, &a));
	a.flags = 0;
	a.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(l, IPCQ_IOC_LISTENER_ACCEPT, &a));
	a.pad = 0;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(l, IPCQ_IOC_LISTENER_ACCEPT, &a));
	EXPECT_EQ(-EFAULT, xioctl(l, IPCQ_IOC_LISTENER_ACCEPT, (void *)8));
	EXPECT_EQ(-EFAULT, xioctl(l, IPCQ_IOC_LISTENER_STAT, (void *)8));
	EXPECT_EQ(-ENOTTY, xioctl(l, IPCQ_IOC_QUEUE_STAT, &a));
	/* Nothing queued: NONBLOCK, a deadline passed. */
	EXPECT_EQ(-EAGAIN, lis_accept(l, IPCQ_ACCEPT_NONBLOCK, 0));
	EXPECT_EQ(-ETIMEDOUT, lis_accept(l, 0, 0));
	EXPECT_EQ(-ETIMEDOUT, lis_accept(l, 0, now_ns()));
	close(l);
}

TEST_F(lis, duplex_connection_with_peer_credentials)
{
	struct ipcq_listener_stat st;
	struct ipcq_pipe_stat ps;
	struct pollfd pfd;
	char buf[16], text[2048];
	uint64_t len;
	int l, c, s;

	l = lis_create(self->dev, self->name, 0600, 4);
	ASSERT_LE(0, l);
	pfd.fd = l;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	c = lis_connect(self->dev, self->name, 0, IPCQ_DEADLINE_FOREVER);
	ASSERT_LE(0, c);
	EXPECT_EQ(FD_CLOEXEC, fcntl(c, F_GETFD));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	ASSERT_EQ(0, lis_stat(l, &st));
	EXPECT_EQ(4, st.backlog);
	EXPECT_EQ(1, st.pending);
	EXPECT_EQ(1, st.connects);
	EXPECT_EQ(0, st.accepts);
	EXPECT_EQ(IPCQ_LISTENER_NAMED, st.state);
	EXPECT_EQ(0, st.pad);
	EXPECT_EQ(0, st.reserved[0]);

	/* The client may send before accept. */
	ASSERT_EQ(0, psend(c, "hello", 5));
	s = lis_accept(l, 0, IPCQ_DEADLINE_FOREVER);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, lis_stat(l, &st));
	EXPECT_EQ(0, st.pending);
	EXPECT_EQ(1, st.accepts);

	len = sizeof(buf);
	ASSERT_EQ(0, precv(s, buf, &len, 0));
	ASSERT_EQ(5, len);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(0, psend(s, "back", 4));
	len = sizeof(buf);
	ASSERT_EQ(0, precv(c, buf, &len, 0));
	ASSERT_EQ(4, len);

	/* Each end knows the other's credentials (both this process). */
	ASSERT_EQ(0, pstat(s, &ps));
	EXPECT_EQ(IPCQ_PIPE_CAN_SEND | IPCQ_PIPE_CAN_RECV, ps.ends);
	EXPECT_EQ(IPCQ_PIPE_PEER_CRED, ps.state);
	EXPECT_EQ(getpid(), ps.peer_pid);
	EXPECT_EQ(geteuid(), ps.peer_uid);
	EXPECT_EQ(getegid(), ps.peer_gid);
	EXPECT_EQ(0, ps.pad);
	EXPECT_EQ(0, ps.reserved[1]);
	ASSERT_EQ(0, pstat(c, &ps));
	EXPECT_EQ(IPCQ_PIPE_PEER_CRED, ps.state);
	EXPECT_EQ(getpid(), ps.peer_pid);
	ASSERT_LT(0, read_fdinfo(s, text, sizeof(text)));
	EXPECT_NE(NULL, strstr(text, "peer_pid:\t"));
	ASSERT_LT(0, read_fdinfo(l, text, sizeof(text)));
	EXPECT_NE(NULL, strstr(text, "ipcq-type:\tlistener\n"));
	EXPECT_NE(NULL, strstr(text, "backlog:\t4\n"));
	EXPECT_NE(NULL, strstr(text, "accepts:\t1\n"));

	/* Closing one end: the other sees end-of-file and EPIPE. */
	close(c);
	len = sizeof(buf);
	EXPECT_EQ(IPCQ_GET_EOF, precv(s, buf, &len, 0));
	EXPECT_EQ(-EPIPE, psend(s, "x", 1));
	close(s);
	close(l);
}

/* The peer of the accepted end is the connecting process, not ours. */
TEST_F(lis, peer_is_the_connecting_process)
{
	struct ipcq_pipe_stat ps;
	pid_t pid;
	int l, s, go[2];
	char ch;

	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	if (pid == 0) {
		int c = lis_connect(self->dev, self->name, 0,
				    IPCQ_DEADLINE_FOREVER);
		struct ipcq_pipe_stat cs;

		if (c < 0 || pstat(c, &cs) || cs.peer_pid != getppid())
			_exit(1);
		read(go[0], &ch, 1);
		_exit(0);
	}
	s = lis_accept(l, 0, now_ns() + WAIT_NS);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, pstat(s, &ps));
	EXPECT_EQ(pid, ps.peer_pid);
	write(go[1], "g", 1);
	EXPECT_EQ(0, child_status(pid));
	close(s);
	close(l);
	close(go[0]);
	close(go[1]);
}

TEST_F(lis, oneway_connection_client_sends_only)
{
	struct ipcq_pipe_stat ps;
	char buf[8];
	uint64_t len = sizeof(buf);
	int l, c, s;

	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	c = lis_connect(self->dev, self->name, IPCQ_CONNECT_ONEWAY, 0);
	ASSERT_LE(0, c);
	s = lis_accept(l, IPCQ_ACCEPT_NONBLOCK, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, pstat(c, &ps));
	EXPECT_EQ(IPCQ_PIPE_CAN_SEND, ps.ends);
	ASSERT_EQ(0, pstat(s, &ps));
	EXPECT_EQ(IPCQ_PIPE_CAN_RECV, ps.ends);
	EXPECT_EQ(-EBADF, precv(c, buf, &len, IPCQ_MSG_NONBLOCK));
	EXPECT_EQ(-EBADF, psend(s, "x", 1));
	ASSERT_EQ(0, psend(c, "one", 3));
	len = sizeof(buf);
	ASSERT_EQ(0, precv(s, buf, &len, 0));
	EXPECT_EQ(3, len);
	close(c);
	close(s);
	close(l);
}

/*
 * A full backlog: NONBLOCK is EAGAIN, a passed deadline ETIMEDOUT, and a
 * blocked connector completes once accept makes room.
 */
TEST_F(lis, backlog_full_blocks_connect_until_accept)
{
	int l, c[3], s, i;
	pid_t pid;

	l = lis_create(self->dev, self->name, 0600, 2);
	ASSERT_LE(0, l);
	for (i = 0; i < 2; i++) {
		c[i] = lis_connect(self->dev, self->name, IPCQ_CONNECT_NONBLOCK,
				   0);
		ASSERT_LE(0, c[i]);
	}
	EXPECT_EQ(-EAGAIN, lis_connect(self->dev, self->name,
				       IPCQ_CONNECT_NONBLOCK, 0));
	EXPECT_EQ(-ETIMEDOUT, lis_connect(self->dev, self->name, 0, 0));
	EXPECT_EQ(-ETIMEDOUT, lis_connect(self->dev, self->name, 0,
					  now_ns() + NSEC_PER_MSEC));
	EXPECT_EQ(2, lis_pending(l));

	pid = fork();
	if (pid == 0) {
		int fd = lis_connect(self->dev, self->name, 0,
				     IPCQ_DEADLINE_FOREVER);

		_exit(fd < 0 || psend(fd, "late", 4) ? 1 : 0);
	}
	ASSERT_TRUE(wait_for(lis_connectors(l) == 1, WAIT_MS));
	s = lis_accept(l, 0, IPCQ_DEADLINE_FOREVER);
	ASSERT_LE(0, s);
	close(s);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(2, lis_pending(l));
	EXPECT_EQ(0, lis_connectors(l));
	for (i = 0; i < 2; i++)
		close(c[i]);
	close(l);
}

/*
 * The last listener file closed: the name goes, queued connections are
 * dropped (their clients read end-of-file, their sends fail EPIPE), a
 * waiting connector is refused.
 */
TEST_F(lis, closed_listener_refuses_and_drops_pending)
{
	char buf[8];
	uint64_t len = sizeof(buf);
	int l, c;
	pid_t pid;

	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	c = lis_connect(self->dev, self->name, 0, 0);
	ASSERT_LE(0, c);
	pid = fork();
	if (pid == 0) {
		int fd;

		close(l);	/* the parent's close is the last */
		fd = lis_connect(self->dev, self->name, 0,
				 IPCQ_DEADLINE_FOREVER);
		_exit(fd == -ECONNREFUSED ? 0 : 1);
	}
	ASSERT_TRUE(wait_for(lis_connectors(l) == 1, WAIT_MS));
	close(l);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(IPCQ_GET_EOF, precv(c, buf, &len, 0));
	EXPECT_EQ(-EPIPE, psend(c, "x", 1));
	close(c);
	/* The name went with it. */
	EXPECT_EQ(-ENOENT, lis_connect(self->dev, self->name, 0, 0));
	EXPECT_EQ(-ENOENT, lis_open(self->dev, self->name, 0, 0, 0));
	EXPECT_EQ(-ENOENT, lis_unlink(self->dev, self->name));
	/* And may be taken again. */
	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	close(l);
}

/* Unlinking removes the name only: queued connections are accepted. */
TEST_F(lis, unlinked_listener_still_accepts_queued)
{
	int l, c, s;

	l = lis_create(self->dev, self->name, 0600, 2);
	ASSERT_LE(0, l);
	c = lis_connect(self->dev, self->name, 0, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, lis_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, lis_connect(self->dev, self->name, 0, 0));
	EXPECT_EQ(1, lis_pending(l));
	s = lis_accept(l, IPCQ_ACCEPT_NONBLOCK, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, psend(c, "q", 1));
	close(c);
	close(s);
	close(l);
}

/* A second file by name accepts from the same backlog. */
TEST_F(lis, second_file_shares_the_backlog)
{
	int l, l2, c, s;

	l = lis_create(self->dev, self->name, 0600, 2);
	ASSERT_LE(0, l);
	l2 = lis_open(self->dev, self->name, IPCQ_OPEN_CREATE, 0600, 7);
	ASSERT_LE(0, l2);
	c = lis_connect(self->dev, self->name, 0, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, lis_pending(l));
	/* The first file closed: still listening through the second. */
	close(l);
	EXPECT_EQ(1, lis_pending(l2));
	s = lis_accept(l2, IPCQ_ACCEPT_NONBLOCK, 0);
	ASSERT_LE(0, s);
	close(s);
	close(c);
	close(l2);
}

/* A client that sent and died before accept: its data, then EOF. */
TEST_F(lis, client_killed_before_accept)
{
	char buf[16], ch;
	uint64_t len = sizeof(buf);
	int l, s, go[2];
	pid_t pid;

	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	if (pid == 0) {
		int fd = lis_connect(self->dev, self->name, 0,
				     IPCQ_DEADLINE_FOREVER);

		if (fd < 0 || psend(fd, "last words", 10))
			_exit(1);
		write(go[1], "s", 1);
		for (;;)
			pause();
	}
	close(go[1]);
	/* Connected and sent: killed before anyone accepts. */
	ASSERT_EQ(1, read(go[0], &ch, 1));
	close(go[0]);
	EXPECT_EQ(1, lis_pending(l));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	s = lis_accept(l, 0, IPCQ_DEADLINE_FOREVER);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, precv(s, buf, &len, 0));
	EXPECT_EQ(10, len);
	len = sizeof(buf);
	EXPECT_EQ(IPCQ_GET_EOF, precv(s, buf, &len, 0));
	EXPECT_EQ(-EPIPE, psend(s, "x", 1));
	close(s);
	close(l);
}

/* A client killed while the server waits in recv: EOF wakes it. */
TEST_F(lis, client_killed_after_accept)
{
	char buf[16];
	uint64_t len = sizeof(buf);
	int l, s;
	pid_t pid;

	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	pid = fork();
	if (pid == 0) {
		int fd = lis_connect(self->dev, self->name, 0,
				     IPCQ_DEADLINE_FOREVER);

		if (fd < 0)
			_exit(1);
		for (;;)
			pause();
	}
	s = lis_accept(l, 0, now_ns() + WAIT_NS);
	ASSERT_LE(0, s);
	pid_t killer = fork();

	if (killer == 0) {
		while (!task_sleeping(getppid()))
			sleep_ms(1);
		kill(pid, SIGKILL);
		_exit(0);
	}
	EXPECT_EQ(IPCQ_GET_EOF, precv(s, buf, &len, 0));
	EXPECT_EQ(0, child_status(killer));
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	close(s);
	close(l);
}

/* The server process dies after accept: the client sees EOF too. */
TEST_F(lis, server_killed_after_accept)
{
	char buf[16];
	uint64_t len = sizeof(buf);
	int l, c;
	pid_t pid;

	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	pid = fork();
	if (pid == 0) {
		int s = lis_accept(l, 0, IPCQ_DEADLINE_FOREVER);

		if (s < 0 || psend(s, "hi", 2))
			_exit(1);
		for (;;)
			pause();
	}
	c = lis_connect(self->dev, self->name, 0, IPCQ_DEADLINE_FOREVER);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, precv(c, buf, &len, 0));
	close(l);
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	len = sizeof(buf);
	EXPECT_EQ(IPCQ_GET_EOF, precv(c, buf, &len, 0));
	close(c);
}

static int others_connect_only(int dev, const char *name)
{
	struct ipcq_pipe_stat ps;
	int bad = 0, c;

	c = lis_connect(dev, name, 0, 0);
	bad |= c < 0;
	bad |= (c >= 0 && (pstat(c, &ps) || ps.peer_uid != 0)) << 1;
	bad |= (lis_open(dev, name, 0, 0, 0) != -EACCES) << 2;
	bad |= (lis_unlink(dev, name) != -EPERM) << 3;
	return bad;
}

static int others_nothing(int dev, const char *name)
{
	return lis_connect(dev, name, 0, 0) != -EACCES;
}

/* Connecting needs write permission, checked at connect. */
TEST_F(lis, permission_to_connect_follows_mode)
{
	struct ipcq_pipe_stat ps;
	int l, s;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch users");
	l = lis_create(self->dev, self->name, 0622, 2);
	ASSERT_LE(0, l);
	EXPECT_EQ(0, as_nobody(others_connect_only, self->dev, self->name));
	s = lis_accept(l, IPCQ_ACCEPT_NONBLOCK, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, pstat(s, &ps));
	EXPECT_EQ(65534, ps.peer_uid);
	EXPECT_EQ(65534, ps.peer_gid);
	close(s);
	close(l);
	l = lis_create(self->dev, self->name, 0644, 2);
	ASSERT_LE(0, l);
	EXPECT_EQ(0, as_nobody(others_nothing, self->dev, self->name));
	EXPECT_EQ(0, lis_pending(l));
	close(l);
}

/* EMFILE: accept leaves the connection queued; connect leaves none. */
TEST_F(lis, descriptor_limit)
{
	struct rlimit old, rl;
	int l, c, s, fd, first = -1, last = -1;

	l = lis_create(self->dev, self->name, 0600, 2);
	ASSERT_LE(0, l);
	c = lis_connect(self->dev, self->name, 0, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	/* Fill the table. */
	while ((fd = dup(self->dev)) >= 0) {
		if (first < 0)
			first = fd;
		last = fd;
	}
	ASSERT_LE(0, first);
	EXPECT_EQ(-EMFILE, lis_accept(l, IPCQ_ACCEPT_NONBLOCK, 0));
	EXPECT_EQ(-EMFILE, lis_connect(self->dev, self->name, 0, 0));
	EXPECT_EQ(1, lis_pending(l));
	for (fd = first; fd <= last; fd++)
		close(fd);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	s = lis_accept(l, IPCQ_ACCEPT_NONBLOCK, 0);
	ASSERT_LE(0, s);
	close(s);
	close(c);
	close(l);
}

/* LIST shows a listener: its backlog, queued connections, state. */
TEST_F(lis, list_shows_listener)
{
	struct ipcq_object_info infos[64];
	struct ipcq_list li;
	unsigned int i;
	int l, c, found = 0;

	l = lis_create(self->dev, self->name, 0640, 3);
	ASSERT_LE(0, l);
	c = lis_connect(self->dev, self->name, 0, 0);
	ASSERT_LE(0, c);
	memset(&li, 0, sizeof(li));
	li.entries = (uintptr_t)infos;
	li.max_entries = 64;
	ASSERT_EQ(0, xioctl(self->dev, IPCQ_IOC_LIST, &li));
	for (i = 0; i < li.count && i < 64; i++) {
		if (infos[i].type != IPCQ_TYPE_LISTENER ||
		    infos[i].name_len != strlen(self->name) ||
		    memcmp(infos[i].name, self->name, infos[i].name_len))
			continue;
		found++;
		EXPECT_EQ(0640, infos[i].mode);
		EXPECT_EQ(3, infos[i].capacity);
		EXPECT_EQ(1, infos[i].value);
		EXPECT_EQ(IPCQ_LISTENER_NAMED, infos[i].state);
	}
	EXPECT_EQ(1, found);
	close(c);
	close(l);
}

/*
 * With max_objects_per_user 1 (set by the caller): the listener alone
 * fits, a connection's queue and a second listener do not. A bit per
 * broken promise.
 */
static int listener_alone_fits(int dev, const char *name)
{
	int l = lis_create(dev, name, 0600, 1), bad = 0;

	bad |= (l < 0) << 0;
	bad |= (lis_connect(dev, name, 0, 0) != -ENOSPC) << 1;
	bad |= (lis_create(dev, "lis-test-other", 0600, 1) != -ENOSPC) << 2;
	lis_unlink(dev, name);
	return bad;
}

/* With max_objects_per_user 3: one connection (two objects), no more. */
static int one_connection_fits(int dev, const char *name)
{
	int l = lis_create(dev, name, 0600, 1), bad = 0;

	bad |= (l < 0) << 0;
	bad |= (lis_connect(dev, name, 0, 0) < 0) << 1;
	bad |= (lis_connect(dev, name, IPCQ_CONNECT_NONBLOCK, 0) !=
		-ENOSPC) << 2;
	lis_unlink(dev, name);
	return bad;
}

/*
 * A listener counts against max_objects_per_user. Each step as a user
 * of its own, so that objects of earlier tests' exiting processes (root's)
 * count for nothing.
 */
TEST_F(lis, counted_in_object_limit)
{
	long old = get_param("max_objects_per_user");

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_LT(0, old);
	ASSERT_EQ(0, set_param("max_objects_per_user", 1));
	EXPECT_EQ(0, as_uid(4243, listener_alone_fits, self->dev, self->name));
	ASSERT_EQ(0, set_param("max_objects_per_user", 3));
	EXPECT_EQ(0, as_uid(4244, one_connection_fits, self->dev, self->name));
	EXPECT_EQ(0, set_param("max_objects_per_user", old));
}

#define CLIENTS 100
#define MSGS 10

/*
 * 100 client processes, a backlog of 4: each sends MSGS numbered
 * messages and checks each echo; the server, one connection at a time,
 * echoes until end-of-file. Every message is counted once each way.
 */
TEST_F(lis, hundred_clients_exact_accounting)
{
	uint64_t got = 0, sum = 0, want_sum = 0;
	pid_t pids[CLIENTS];
	int l, i, failed = 0;

	l = lis_create(self->dev, self->name, 0600, 4);
	ASSERT_LE(0, l);
	for (i = 0; i < CLIENTS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			uint32_t m[2], back[2];
			uint64_t len;
			int c, k;

			close(l);
			c = lis_connect(self->dev, self->name, 0,
					IPCQ_DEADLINE_FOREVER);
			if (c < 0)
				_exit(1);
			for (k = 0; k < MSGS; k++) {
				m[0] = i;
				m[1] = k;
				len = sizeof(back);
				if (psend(c, m, sizeof(m)) ||
				    precv(c, back, &len, 0) ||
				    len != sizeof(back) ||
				    memcmp(m, back, sizeof(m)))
					_exit(2);
			}
			_exit(0);
		}
		for (int k = 0; k < MSGS; k++)
			want_sum += (uint64_t)i * 1000 + k;
	}
	for (i = 0; i < CLIENTS; i++) {
		uint32_t m[2];
		uint64_t len;
		int s = lis_accept(l, 0, now_ns() + WAIT_NS), ret;

		ASSERT_LE(0, s);
		for (;;) {
			len = sizeof(m);
			ret = precv(s, m, &len, 0);
			if (ret == IPCQ_GET_EOF)
				break;
			ASSERT_EQ(0, ret);
			ASSERT_EQ(sizeof(m), len);
			got++;
			sum += (uint64_t)m[0] * 1000 + m[1];
			ASSERT_EQ(0, psend(s, m, sizeof(m)));
		}
		close(s);
	}
	for (i = 0; i < CLIENTS; i++)
		failed += child_status(pids[i]) != 0;
	EXPECT_EQ(0, failed);
	EXPECT_EQ((uint64_t)CLIENTS * MSGS, got);
	EXPECT_EQ(want_sum, sum);
	EXPECT_EQ(0, lis_pending(l));
	close(l);
}

/* The library: create, connect, accept, peer, timeouts, unlink. */
TEST_F(lis, library_listener_and_client)
{
	struct ipcdev_peer peer;
	ipcdev_pipe *c, *s, *a, *b;
	ipcdev_listener *l, *l2;
	char buf[8];
	size_t len = sizeof(buf);

	ASSERT_EQ(0, ipcdev_listener_create(&l, self->name, 0, 0600));
	EXPECT_EQ(-EEXIST, ipcdev_listener_create(&l2, self->name, 1, 0600));
	EXPECT_EQ(-EINVAL, ipcdev_listener_create(&l2, self->name,
						  IPCQ_LISTENER_BACKLOG_MAX + 1,
						  0600));
	EXPECT_EQ(-EINVAL, ipcdev_listener_create(NULL, self->name, 1, 0600));
	EXPECT_LE(0, ipcdev_listener_fd(l));
	EXPECT_EQ(-EINVAL, ipcdev_listener_fd(NULL));
	EXPECT_EQ(-EAGAIN, ipcdev_listener_accept(l, &s, IPCDEV_NOWAIT));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_listener_accept(l, &s, NSEC_PER_MSEC));
	ASSERT_EQ(0, ipcdev_client_connect(&c, self->name, 1, IPCDEV_NOWAIT));
	/* Backlog 0 is Python's default, 1: full now. */
	EXPECT_EQ(-EAGAIN, ipcdev_client_connect(&a, self->name, 1,
						 IPCDEV_NOWAIT));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_client_connect(&a, self->name, 0,
						    NSEC_PER_MSEC));
	ASSERT_EQ(0, ipcdev_listener_accept(l, &s, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_pipe_peer(s, &peer));
	EXPECT_EQ(getpid(), peer.pid);
	EXPECT_EQ(geteuid(), peer.uid);
	EXPECT_EQ(getegid(), peer.gid);
	ASSERT_EQ(0, ipcdev_pipe_peer(c, &peer));
	EXPECT_EQ(getpid(), peer.pid);
	EXPECT_EQ(-EINVAL, ipcdev_pipe_peer(c, NULL));
	ASSERT_EQ(0, ipcdev_pipe_send(c, "ping", 4, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_pipe_recv(s, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(4, len);
	/* One-way: the client only sends. */
	ASSERT_EQ(0, ipcdev_client_connect(&a, self->name, 0, IPCDEV_NOWAIT));
	len = sizeof(buf);
	EXPECT_EQ(-EBADF, ipcdev_pipe_recv(a, buf, &len, IPCDEV_NOWAIT));
	ipcdev_pipe_close(a);
	/* A pipe of ipcdev_pipe_create() knows no peer. */
	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, NULL));
	EXPECT_EQ(-ENODATA, ipcdev_pipe_peer(a, &peer));
	ipcdev_pipe_close(a);
	ipcdev_pipe_close(b);

	ASSERT_EQ(0, ipcdev_listener_unlink(self->name));
	EXPECT_EQ(-ENOENT, ipcdev_listener_unlink(self->name));
	EXPECT_EQ(-ENOENT, ipcdev_client_connect(&a, self->name, 1,
						 IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_listener_close(l));
	ipcdev_pipe_close(s);
	ipcdev_pipe_close(c);
}

#define EXEC_CLIENTS 3
#define EXEC_MSGS 5

/*
 * Clients started by exec (a separate program, listener_client): each
 * connection's peer is the exec'd process, every message echoed once.
 */
TEST_F(lis, clients_started_by_exec)
{
	char path[600], id[16], n[16];
	pid_t pids[EXEC_CLIENTS];
	ipcdev_listener *l;
	long echoed = 0;
	int i, j, seen = 0;

	ASSERT_EQ(0, helper_path(path, sizeof(path), "listener_client"));
	ASSERT_EQ(0, ipcdev_listener_create(&l, self->name, 2, 0600));
	snprintf(n, sizeof(n), "%d", EXEC_MSGS);
	for (i = 0; i < EXEC_CLIENTS; i++) {
		snprintf(id, sizeof(id), "%d", i);
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			execl(path, "listener_client", self->name, id, n,
			      (char *)NULL);
			_exit(127);
		}
	}
	for (i = 0; i < EXEC_CLIENTS; i++) {
		struct ipcdev_peer peer;
		ipcdev_pipe *s;
		char buf[64];
		size_t len;
		int ret;

		ASSERT_EQ(0, ipcdev_listener_accept(l, &s, WAIT_NS));
		ASSERT_EQ(0, ipcdev_pipe_peer(s, &peer));
		for (j = 0; j < EXEC_CLIENTS; j++)
			if (pids[j] == peer.pid)
				seen |= 1 << j;
		for (;;) {
			len = sizeof(buf);
			ret = ipcdev_pipe_recv(s, buf, &len, IPCDEV_FOREVER);
			if (ret == IPCDEV_EOF)
				break;
			ASSERT_EQ(0, ret);
			ASSERT_EQ(0, ipcdev_pipe_send(s, buf, len,
						      IPCDEV_FOREVER));
			echoed++;
		}
		ipcdev_pipe_close(s);
	}
	for (i = 0; i < EXEC_CLIENTS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ((1 << EXEC_CLIENTS) - 1, seen);
	EXPECT_EQ(EXEC_CLIENTS * EXEC_MSGS, echoed);
	ipcdev_listener_close(l);
}

/* No listener operation is offered through io_uring (from 6.12). */
TEST_F(lis, uring_commands_on_a_listener_are_eopnotsupp)
{
	struct ipcq_listener_stat st;
	struct ipcq_accept a;
	struct io_uring r;
	int l;

	SKIP_WITHOUT_URING();
	l = lis_create(self->dev, self->name, 0600, 1);
	ASSERT_LE(0, l);
	ASSERT_LE(0, lis_connect(self->dev, self->name, 0, 0));
	memset(&a, 0, sizeof(a));
	a.flags = IPCQ_ACCEPT_NONBLOCK;
	ASSERT_EQ(0, io_uring_queue_init(4, &r, 0));
	EXPECT_EQ(-EOPNOTSUPP, run_raw(&r, l, IPCQ_IOC_LISTENER_ACCEPT,
				       (uintptr_t)&a, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, run_raw(&r, l, IPCQ_IOC_LISTENER_STAT,
				       (uintptr_t)&st, 0, 0));
	EXPECT_EQ(-ENOENT, run_raw(&r, l, IPCQ_URING_CANCEL, 7,
				   IPCQ_CANCEL_ANY, 0));
	/* The connection is still queued. */
	EXPECT_EQ(1, lis_pending(l));
	io_uring_queue_exit(&r);
	close(l);
}

TEST_HARNESS_MAIN
