// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes: Pipe(duplex) ends as connections. Both modes and directions,
 * message boundaries, wrong-direction use, peer close and peer kill -9 at
 * every stage, deadlines, signals, epoll, fd passing, a long checksummed
 * stream both ways at once, and every error path.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

static int raw_pipe(int dev, uint32_t flags, uint64_t capacity,
		    uint64_t max_msg_size, int fds[2])
{
	struct ipcq_pipe_create arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags;
	arg.capacity = capacity;
	arg.max_msg_size = max_msg_size;
	arg.fds[0] = arg.fds[1] = 0xa5a5a5a5;	/* output only */
	ret = xioctl(dev, IPCQ_IOC_PIPE_CREATE, &arg);
	if (!ret) {
		fds[0] = arg.fds[0];
		fds[1] = arg.fds[1];
	}
	return ret;
}

static int psend(int fd, const void *buf, size_t len, uint32_t flags,
		 uint64_t deadline)
{
	struct ipcq_msg m;

	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)buf;
	m.len = len;
	m.flags = flags;
	m.deadline = deadline;
	return xioctl(fd, IPCQ_IOC_PIPE_SEND, &m);
}

static int precv(int fd, void *buf, uint64_t *len, uint32_t flags,
		 uint64_t deadline)
{
	struct ipcq_msg m;
	int ret;

	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)buf;
	m.len = *len;
	m.flags = flags;
	m.deadline = deadline;
	ret = xioctl(fd, IPCQ_IOC_PIPE_RECV, &m);
	*len = m.len;
	return ret;
}

static int pstat(int fd, struct ipcq_pipe_stat *st)
{
	memset(st, POISON_BYTE, sizeof(*st));
	return xioctl(fd, IPCQ_IOC_PIPE_STAT, st);
}

static int count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

FIXTURE(p) {
	int dev;
	int duplex[2];		/* capacity 2 */
	int oneway[2];		/* [0] receives, [1] sends; capacity 2 */
};

FIXTURE_SETUP(p)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, raw_pipe(self->dev, IPCQ_PIPE_DUPLEX | IPCQ_PIPE_CLOEXEC,
			      2, 0, self->duplex));
	ASSERT_EQ(0, raw_pipe(self->dev, IPCQ_PIPE_CLOEXEC, 2, 0, self->oneway));
}

FIXTURE_TEARDOWN(p)
{
	close(self->duplex[0]);
	close(self->duplex[1]);
	close(self->oneway[0]);
	close(self->oneway[1]);
	close(self->dev);
}

TEST(abi_struct_layouts_pinned)
{
	ASSERT_EQ(48, sizeof(struct ipcq_pipe_create));
	ASSERT_EQ(8, offsetof(struct ipcq_pipe_create, capacity));
	ASSERT_EQ(24, offsetof(struct ipcq_pipe_create, fds));
	ASSERT_EQ(104, sizeof(struct ipcq_pipe_stat));
	ASSERT_EQ(56, offsetof(struct ipcq_pipe_stat, ends));
	ASSERT_EQ(72, offsetof(struct ipcq_pipe_stat, peer_pid));
	ASSERT_EQ(76, offsetof(struct ipcq_pipe_stat, peer_uid));
	ASSERT_EQ(80, offsetof(struct ipcq_pipe_stat, peer_gid));
	ASSERT_EQ(88, offsetof(struct ipcq_pipe_stat, reserved));
	ASSERT_EQ(0x03, _IOC_NR(IPCQ_IOC_PIPE_CREATE));
	ASSERT_EQ(0x30, _IOC_NR(IPCQ_IOC_PIPE_SEND));
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_PIPE));
}

TEST_F(p, create_rejects_bad_arguments)
{
	struct ipcq_pipe_create arg;
	int before, fds[2];
	void *ro;

	EXPECT_EQ(-EINVAL, raw_pipe(self->dev, 1U << 2, 0, 0, fds));
	EXPECT_EQ(-EINVAL, raw_pipe(self->dev, 1U << 31, 0, 0, fds));
	EXPECT_EQ(-EINVAL, raw_pipe(self->dev, 0, 0,
				    (uint64_t)get_param("max_msg_size") + 1, fds));
	memset(&arg, 0, sizeof(arg));
	arg.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_PIPE_CREATE, &arg));
	arg.pad = 0;
	arg.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_PIPE_CREATE, &arg));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_PIPE_CREATE, NULL));

	/* The fds cannot be written back: EFAULT, and no fd is left open. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0, sizeof(arg));
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	before = count_fds();
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_PIPE_CREATE, ro));
	EXPECT_EQ(before, count_fds());
	munmap(ro, 4096);
}

TEST_F(p, ends_are_cloexec_unless_asked)
{
	int fds[2];

	EXPECT_EQ(FD_CLOEXEC, fcntl(self->duplex[0], F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, raw_pipe(self->dev, 0, 0, 0, fds));
	EXPECT_EQ(0, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(p, duplex_both_directions_keep_boundaries)
{
	char buf[16];
	uint64_t len;

	ASSERT_EQ(0, psend(self->duplex[0], "ping", 4, 0, 0));
	ASSERT_EQ(0, psend(self->duplex[0], "", 0, 0, 0));
	ASSERT_EQ(0, psend(self->duplex[1], "pong!", 5, 0, 0));
	len = sizeof(buf);
	ASSERT_EQ(0, precv(self->duplex[1], buf, &len, 0, 0));
	EXPECT_EQ(4, len);
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	len = sizeof(buf);
	ASSERT_EQ(0, precv(self->duplex[1], buf, &len, 0, 0));
	EXPECT_EQ(0, len);
	len = sizeof(buf);
	ASSERT_EQ(0, precv(self->duplex[0], buf, &len, 0, 0));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(buf, "pong!", 5));
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, precv(self->duplex[0], buf, &len,
				 IPCQ_MSG_NONBLOCK, 0));
}

TEST_F(p, one_way_directions_are_enforced)
{
	struct ipcq_pipe_stat st;
	char buf[8];
	uint64_t len = sizeof(buf);

	EXPECT_EQ(-EBADF, psend(self->oneway[0], "x", 1, 0, 0));
	EXPECT_EQ(-EBADF, precv(self->oneway[1], buf, &len, IPCQ_MSG_NONBLOCK, 0));
	ASSERT_EQ(0, psend(self->oneway[1], "abc", 3, 0, 0));
	ASSERT_EQ(0, precv(self->oneway[0], buf, &len, 0, 0));
	EXPECT_EQ(3, len);

	ASSERT_EQ(0, pstat(self->oneway[0], &st));
	EXPECT_EQ(IPCQ_PIPE_CAN_RECV, st.ends);
	ASSERT_EQ(0, pstat(self->oneway[1], &st));
	EXPECT_EQ(IPCQ_PIPE_CAN_SEND, st.ends);
	ASSERT_EQ(0, pstat(self->duplex[1], &st));
	EXPECT_EQ(IPCQ_PIPE_CAN_SEND | IPCQ_PIPE_CAN_RECV, st.ends);
}

TEST_F(p, stat_and_fdinfo_show_both_directions)
{
	struct ipcq_pipe_stat st;
	char text[1024];

	ASSERT_EQ(0, psend(self->duplex[0], "12345", 5, 0, 0));
	ASSERT_EQ(0, psend(self->duplex[1], "ab", 2, 0, 0));
	ASSERT_EQ(0, psend(self->duplex[1], "c", 1, 0, 0));
	ASSERT_EQ(0, pstat(self->duplex[0], &st));
	EXPECT_EQ(2, st.in_messages);
	EXPECT_EQ(3, st.in_bytes);
	EXPECT_EQ(1, st.out_messages);
	EXPECT_EQ(5, st.out_bytes);
	EXPECT_EQ(2, st.capacity);
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(0, st.receivers);
	EXPECT_EQ(0, st.senders);
	/* An anonymous pipe knows no peer credentials. */
	EXPECT_EQ(0, st.state & IPCQ_PIPE_PEER_CRED);
	EXPECT_EQ(0, st.peer_pid);
	EXPECT_EQ(0, st.peer_uid);
	EXPECT_EQ(0, st.peer_gid);
	EXPECT_EQ(0, st.pad);
	EXPECT_EQ(0, st.reserved[0]);
	EXPECT_EQ(0, st.reserved[1]);

	ASSERT_LT(0, read_fdinfo(self->duplex[0], text, sizeof(text)));
	EXPECT_NE(NULL, strstr(text, "ipcq-type:\tpipe\n"));
	EXPECT_NE(NULL, strstr(text, "end:\tsend,recv\n"));
	EXPECT_NE(NULL, strstr(text, "in_messages:\t2\n"));
	EXPECT_NE(NULL, strstr(text, "out_bytes:\t5\n"));
	EXPECT_NE(NULL, strstr(text, "peer_closed:\t0\n"));
}

TEST_F(p, small_buffer_is_emsgsize_and_keeps_message)
{
	char buf[16];
	uint64_t len = 2;

	ASSERT_EQ(0, psend(self->duplex[0], "0123456789", 10, 0, 0));
	EXPECT_EQ(-EMSGSIZE, precv(self->duplex[1], buf, &len, 0, 0));
	EXPECT_EQ(10, len);
	len = sizeof(buf);
	ASSERT_EQ(0, precv(self->duplex[1], buf, &len, 0, 0));
	EXPECT_EQ(10, len);
}

TEST_F(p, oversize_bad_pointers_and_flags)
{
	char buf[64] = { 0 };
	uint64_t len = sizeof(buf);
	struct ipcq_msg m;
	int fds[2];

	ASSERT_EQ(0, raw_pipe(self->dev, IPCQ_PIPE_DUPLEX, 0, 32, fds));
	EXPECT_EQ(0, psend(fds[0], buf, 32, 0, 0));
	EXPECT_EQ(-EMSGSIZE, psend(fds[0], buf, 33, 0, 0));
	EXPECT_EQ(-EFAULT, psend(fds[0], (void *)8, 4, 0, 0));
	EXPECT_EQ(-EFAULT, precv(fds[1], (void *)8, &len, 0, 0));
	/* The message survived the faulting recv. */
	len = sizeof(buf);
	EXPECT_EQ(0, precv(fds[1], buf, &len, 0, 0));
	EXPECT_EQ(32, len);
	EXPECT_EQ(-EFAULT, xioctl(fds[0], IPCQ_IOC_PIPE_SEND, NULL));
	EXPECT_EQ(-EFAULT, xioctl(fds[0], IPCQ_IOC_PIPE_RECV, NULL));
	EXPECT_EQ(-EFAULT, xioctl(fds[0], IPCQ_IOC_PIPE_STAT, NULL));
	memset(&m, 0, sizeof(m));
	m.flags = 1U << 9;
	EXPECT_EQ(-EINVAL, xioctl(fds[0], IPCQ_IOC_PIPE_SEND, &m));
	m.flags = 0;
	m.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(fds[0], IPCQ_IOC_PIPE_RECV, &m));
	m.reserved = 0;
	m.type = 1;	/* a type to match, but no IPCQ_MSG_TYPE_* */
	EXPECT_EQ(-EINVAL, xioctl(fds[0], IPCQ_IOC_PIPE_RECV, &m));
	/* Queue ioctls are not pipe ioctls. */
	EXPECT_EQ(-ENOTTY, xioctl(fds[0], IPCQ_IOC_QUEUE_PUT, &m));
	EXPECT_EQ(-ENOTTY, xioctl(fds[0], _IO(IPCQ_IOC_MAGIC, 0x3f), NULL));
	close(fds[0]);
	close(fds[1]);
}

TEST_F(p, nonblock_and_deadlines)
{
	uint64_t len, deadline;
	char buf[4];

	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, precv(self->duplex[0], buf, &len,
				 IPCQ_MSG_NONBLOCK, IPCQ_DEADLINE_FOREVER));
	deadline = now_ns() + 50 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, precv(self->duplex[0], buf, &len, 0, deadline));
	EXPECT_LE(deadline, now_ns());
	ASSERT_EQ(0, psend(self->duplex[0], "a", 1, 0, 0));
	ASSERT_EQ(0, psend(self->duplex[0], "b", 1, 0, 0));
	EXPECT_EQ(-EAGAIN, psend(self->duplex[0], "c", 1, IPCQ_MSG_NONBLOCK,
				 IPCQ_DEADLINE_FOREVER));
	deadline = now_ns() + 50 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, psend(self->duplex[0], "c", 1, 0, deadline));
	EXPECT_LE(deadline, now_ns());
}

TEST_F(p, signals_restart_without_stretching)
{
	ipcdev_pipe *a, *b;
	uint64_t start;
	char buf[4];
	size_t len = sizeof(buf);
	int ret;

	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, NULL));
	ASSERT_EQ(0, start_ticks(10000, 0));
	start = now_ns();
	ret = ipcdev_pipe_recv(a, buf, &len, 150 * NSEC_PER_MSEC);
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_LE(start + 150 * NSEC_PER_MSEC, now_ns());
	start = now_ns();
	EXPECT_EQ(0, ipcdev_pipe_poll(a, 150 * NSEC_PER_MSEC));
	EXPECT_LE(start + 150 * NSEC_PER_MSEC, now_ns());
	stop_ticks();
	EXPECT_LT(0, *tick_count());
	ipcdev_pipe_close(a);
	ipcdev_pipe_close(b);
}

TEST_F(p, peer_close_drains_then_eof_and_epipe)
{
	struct pollfd pfd = { .fd = self->duplex[0], .events = POLLIN | POLLOUT };
	struct ipcq_pipe_stat st;
	char buf[8];
	uint64_t len;

	ASSERT_EQ(0, psend(self->duplex[1], "last", 4, 0, 0));
	close(self->duplex[1]);
	self->duplex[1] = -1;

	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLHUP | POLLERR, pfd.revents);
	ASSERT_EQ(0, pstat(self->duplex[0], &st));
	EXPECT_EQ(IPCQ_PIPE_PEER_CLOSED, st.state);
	len = sizeof(buf);
	EXPECT_EQ(0, precv(self->duplex[0], buf, &len, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(4, len);
	len = sizeof(buf);
	EXPECT_EQ(IPCQ_GET_EOF, precv(self->duplex[0], buf, &len, 0,
				      IPCQ_DEADLINE_FOREVER));
	/* No SIGPIPE: we are still here to check the errno. */
	EXPECT_EQ(-EPIPE, psend(self->duplex[0], "x", 1, 0,
				IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP | POLLERR, pfd.revents);

	/* One-way: the receiver sees EOF, the sender EPIPE. */
	close(self->oneway[1]);
	self->oneway[1] = -1;
	len = sizeof(buf);
	EXPECT_EQ(IPCQ_GET_EOF, precv(self->oneway[0], buf, &len, 0, 0));
}

TEST_F(p, receiver_close_gives_sender_epipe)
{
	struct pollfd pfd = { .fd = self->oneway[1], .events = POLLOUT };

	close(self->oneway[0]);
	self->oneway[0] = -1;
	EXPECT_EQ(-EPIPE, psend(self->oneway[1], "x", 1, 0,
				IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR | POLLHUP, pfd.revents);
}

/*
 * The peer goes away (closes its end, or is killed with SIGKILL) while
 * this side is idle, blocked in recv, or blocked in send on a full pipe.
 */
FIXTURE(peer_loss) {
	int dev;
	int ends[2];
};

FIXTURE_VARIANT(peer_loss) {
	int kill9;		/* SIGKILL instead of close+exit */
	int stage;		/* 0 idle, 1 blocked in recv, 2 blocked in send */
};

FIXTURE_VARIANT_ADD(peer_loss, close_idle) { 0, 0 };
FIXTURE_VARIANT_ADD(peer_loss, close_while_recv_blocks) { 0, 1 };
FIXTURE_VARIANT_ADD(peer_loss, close_while_send_blocks) { 0, 2 };
FIXTURE_VARIANT_ADD(peer_loss, kill_idle) { 1, 0 };
FIXTURE_VARIANT_ADD(peer_loss, kill_while_recv_blocks) { 1, 1 };
FIXTURE_VARIANT_ADD(peer_loss, kill_while_send_blocks) { 1, 2 };

FIXTURE_SETUP(peer_loss)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, raw_pipe(self->dev, IPCQ_PIPE_DUPLEX, 2, 0, self->ends));
}

FIXTURE_TEARDOWN(peer_loss)
{
	close(self->ends[0]);
	close(self->dev);
}

TEST_F(peer_loss, other_side_sees_eof_or_epipe)
{
	struct ipcq_pipe_stat st;
	int go[2], status, ret;
	pid_t peer, blocked = 0;
	char c;

	ASSERT_EQ(0, pipe(go));
	peer = fork();
	ASSERT_LE(0, peer);
	if (peer == 0) {
		close(self->ends[0]);
		close(go[1]);
		/* Holds ends[1] until told to close, or until killed. */
		read(go[0], &c, 1);
		_exit(0);
	}
	close(self->ends[1]);
	close(go[0]);

	if (variant->stage == 2) {
		ASSERT_EQ(0, psend(self->ends[0], "a", 1, 0, 0));
		ASSERT_EQ(0, psend(self->ends[0], "b", 1, 0, 0));
	}
	if (variant->stage) {
		blocked = fork();
		ASSERT_LE(0, blocked);
		if (blocked == 0) {
			char buf[8];
			uint64_t len = sizeof(buf);

			if (variant->stage == 1)
				ret = precv(self->ends[0], buf, &len, 0,
					    IPCQ_DEADLINE_FOREVER);
			else
				ret = psend(self->ends[0], "c", 1, 0,
					    IPCQ_DEADLINE_FOREVER);
			_exit(ret < 0 ? -ret : 200 + ret);
		}
		ASSERT_TRUE(wait_for(pstat(self->ends[0], &st) == 0 &&
				     (variant->stage == 1 ? st.receivers :
				      st.senders) == 1, WAIT_MS));
	}

	if (variant->kill9) {
		ASSERT_EQ(0, kill(peer, SIGKILL));
	} else {
		ASSERT_EQ(1, write(go[1], "q", 1));
	}
	status = child_status(peer);
	EXPECT_EQ(variant->kill9 ? 128 + SIGKILL : 0, status);

	if (variant->stage == 1) {
		EXPECT_EQ(200 + IPCQ_GET_EOF, child_status(blocked));
	} else if (variant->stage == 2) {
		EXPECT_EQ(EPIPE, child_status(blocked));
	}
	ASSERT_EQ(0, pstat(self->ends[0], &st));
	EXPECT_EQ(IPCQ_PIPE_PEER_CLOSED, st.state);
	EXPECT_EQ(-EPIPE, psend(self->ends[0], "d", 1, IPCQ_MSG_NONBLOCK, 0));
	close(go[1]);
}

TEST_F(p, epoll_wakes_on_send_from_child)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	pid_t pid;
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->oneway[0], &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Send only once the parent sleeps in epoll_wait(). */
		if (!wait_for(task_sleeping(getppid()), WAIT_MS))
			_exit(2);
		_exit(psend(self->oneway[1], "hi", 2, 0, 0) ? 1 : 0);
	}
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, WAIT_MS));
	EXPECT_EQ(EPOLLIN, out.events);
	EXPECT_EQ(0, child_status(pid));
	close(ep);
}

/* An end passed over a UNIX socket to a process that did not inherit it. */
TEST(end_passed_over_scm_rights)
{
	ipcdev_pipe *mine, *theirs, *wrong;
	ipcdev_queue *q;
	char buf[16];
	size_t len = sizeof(buf);
	int sv[2], fd;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_pipe *end;

		fd = recv_fd(sv[1]);
		if (fd < 0)
			_exit(-fd);
		if (ipcdev_pipe_from_fd(&end, fd))
			_exit(3);
		if (ipcdev_pipe_send(end, "via socket", 10, IPCDEV_FOREVER))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(0, ipcdev_pipe_create(&mine, &theirs, 0, NULL));
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_pipe_fd(theirs)));
	/* Our copy goes; the child's is the end now. */
	ipcdev_pipe_close(theirs);
	EXPECT_EQ(0, ipcdev_pipe_recv(mine, buf, &len, WAIT_NS));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, child_status(pid));
	len = sizeof(buf);
	EXPECT_EQ(IPCDEV_EOF, ipcdev_pipe_recv(mine, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(1, ipcdev_pipe_poll(mine, 0));

	/* from_fd checks what it wraps. */
	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	EXPECT_EQ(-ENOTTY, ipcdev_pipe_from_fd(&wrong, ipcdev_queue_fd(q)));
	EXPECT_EQ(-ENOTTY, ipcdev_queue_from_fd(&q, ipcdev_pipe_fd(mine)));
	EXPECT_EQ(-EINVAL, ipcdev_pipe_from_fd(&wrong, -1));
	ipcdev_queue_close(q);
	ipcdev_pipe_close(mine);
}

TEST(library_poll_and_arguments)
{
	ipcdev_pipe *a, *b;
	char buf[8];
	size_t len = sizeof(buf);

	EXPECT_EQ(-EINVAL, ipcdev_pipe_create(NULL, &b, 1, NULL));
	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, NULL));
	EXPECT_EQ(0, ipcdev_pipe_poll(a, 0));
	ASSERT_EQ(0, ipcdev_pipe_send(b, "x", 1, IPCDEV_NOWAIT));
	EXPECT_EQ(1, ipcdev_pipe_poll(a, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_pipe_recv(a, buf, &len, IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_pipe_recv(a, buf, NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_pipe_send(NULL, buf, 1, 0));
	EXPECT_EQ(-EINVAL, ipcdev_pipe_poll(NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_pipe_close(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_pipe_fd(NULL));
	ipcdev_pipe_close(a);
	ipcdev_pipe_close(b);
}

/*
 * A long stream both ways at once between two processes: varied sizes
 * (zero included), sequence numbers and a checksum per message; nothing
 * may be lost, duplicated, reordered or damaged.
 */
#define STREAM_MSGS 6000

struct stream_hdr {
	uint32_t seq;
	uint32_t len;
	uint32_t sum;
};

static size_t stream_make(unsigned char *buf, uint32_t seq, uint32_t salt)
{
	struct stream_hdr h = { .seq = seq, .len = (seq * 977 + salt) % 1500 };
	uint32_t i, sum = 2166136261u;

	for (i = 0; i < h.len; i++) {
		buf[sizeof(h) + i] = (unsigned char)(seq * 31 + i * 7 + salt);
		sum = (sum ^ buf[sizeof(h) + i]) * 16777619u;
	}
	h.sum = sum;
	memcpy(buf, &h, sizeof(h));
	return sizeof(h) + h.len;
}

struct streamer {
	ipcdev_pipe *end;
	uint32_t salt;
	int ret;
};

static void *stream_send(void *arg)
{
	struct streamer *s = arg;
	unsigned char buf[2048];
	uint32_t seq;

	for (seq = 0; seq < STREAM_MSGS; seq++) {
		s->ret = ipcdev_pipe_send(s->end, buf, stream_make(buf, seq, s->salt),
					  IPCDEV_FOREVER);
		if (s->ret)
			break;
	}
	return NULL;
}

/* Receives the whole stream; 0 if it was perfect, else what went wrong. */
static int stream_check(ipcdev_pipe *end, uint32_t salt)
{
	unsigned char buf[2048], want[2048];
	uint32_t seq;
	size_t len, wlen;
	int ret;

	for (seq = 0; seq < STREAM_MSGS; seq++) {
		len = sizeof(buf);
		ret = ipcdev_pipe_recv(end, buf, &len, IPCDEV_FOREVER);
		if (ret)
			return 1;
		wlen = stream_make(want, seq, salt);
		if (len != wlen || memcmp(buf, want, len))
			return 2;
	}
	/* And then the peer's close. */
	len = sizeof(buf);
	return ipcdev_pipe_recv(end, buf, &len, IPCDEV_FOREVER) == IPCDEV_EOF ?
	       0 : 3;
}

TEST(long_stream_both_ways_with_checksums)
{
	struct ipcdev_pipe_attr attr = { .maxsize = 16 };
	unsigned char buf[2048], want[2048];
	struct streamer s = { .salt = 1 };
	ipcdev_pipe *a, *b;
	uint32_t seq;
	pthread_t t;
	size_t len;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, &attr));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct streamer cs = { .end = b, .salt = 2 };
		int bad;

		ipcdev_pipe_close(a);
		if (pthread_create(&t, NULL, stream_send, &cs))
			_exit(10);
		bad = stream_check(b, 1);
		pthread_join(t, NULL);
		_exit(bad ? bad : cs.ret ? 9 : 0);
	}
	ipcdev_pipe_close(b);
	s.end = a;
	ASSERT_EQ(0, pthread_create(&t, NULL, stream_send, &s));
	for (seq = 0; seq < STREAM_MSGS; seq++) {
		len = sizeof(buf);
		ASSERT_EQ(0, ipcdev_pipe_recv(a, buf, &len, IPCDEV_FOREVER));
		ASSERT_EQ(stream_make(want, seq, 2), len);
		ASSERT_EQ(0, memcmp(buf, want, len)) TH_LOG("seq %u", seq);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, s.ret);
	/* The child ends after our stream and then our close. */
	ipcdev_pipe_close(a);
	EXPECT_EQ(0, child_status(pid));
}

TEST_HARNESS_MAIN
