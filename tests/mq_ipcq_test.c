// SPDX-License-Identifier: GPL-2.0
/*
 * What ipcq gives POSIX message queues (IPCQ_FEATURE_QUEUE_POSIX), through
 * the ioctls: IPCQ_OPEN_NOHUP queues, IPCQ_IOC_QUEUE_NOTIFY with each of its
 * errors, O_NONBLOCK queue files; and what libipcdev-mq does that Linux's
 * own queues do not (mq_test checks what both do).
 */
#define _GNU_SOURCE
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include "kselftest_harness.h"
#include "ipcq_test.h"

static int q_stat(int fd, struct ipcq_queue_stat *st)
{
	return xioctl(fd, IPCQ_IOC_QUEUE_STAT, st);
}

static uint32_t q_state(int fd)
{
	struct ipcq_queue_stat st;

	if (q_stat(fd, &st))
		return ~0U;
	return st.state;
}

static int q_reopen(int fd, uint32_t flags)
{
	struct ipcq_reopen arg = { .flags = flags | IPCQ_OPEN_CLOEXEC };

	return xioctl(fd, IPCQ_IOC_QUEUE_REOPEN, &arg);
}

TEST(abi_struct_notify_pinned)
{
	EXPECT_EQ(40, sizeof(struct ipcq_queue_notify));
	EXPECT_EQ(0, offsetof(struct ipcq_queue_notify, flags));
	EXPECT_EQ(4, offsetof(struct ipcq_queue_notify, signo));
	EXPECT_EQ(8, offsetof(struct ipcq_queue_notify, value));
	EXPECT_EQ(16, offsetof(struct ipcq_queue_notify, eventfd));
	EXPECT_EQ(20, offsetof(struct ipcq_queue_notify, pad));
	EXPECT_EQ(24, offsetof(struct ipcq_queue_notify, reserved));
	EXPECT_EQ(_IOW(0xD1, 0x17, struct ipcq_queue_notify),
		  IPCQ_IOC_QUEUE_NOTIFY);
	EXPECT_EQ(1U << 6, IPCQ_OPEN_NOHUP);
	EXPECT_EQ(1ULL << 9, IPCQ_FEATURE_QUEUE_POSIX);
	EXPECT_EQ(1U << 3, IPCQ_STATE_NOHUP);
	EXPECT_EQ(1U << 4, IPCQ_STATE_NOTIFY);
	EXPECT_EQ(1ULL << 16, IPCQ_FEATURE_RING_NOTIFY);
}

/* Every case on a queue with and without a ring (the kernel's paths). */
FIXTURE(posixq) {
	int dev;
	int q;		/* anonymous, producer and consumer, 4 x 64 bytes */
};
FIXTURE_VARIANT(posixq) {
	uint32_t flags;
};
FIXTURE_VARIANT_ADD(posixq, plain) { .flags = 0 };
FIXTURE_VARIANT_ADD(posixq, ring) { .flags = IPCQ_OPEN_RING };

FIXTURE_SETUP(posixq)
{
	struct ipcq_api api = { .api_version = IPCQ_API_VERSION };

	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, xioctl(self->dev, IPCQ_IOC_API, &api));
	ASSERT_TRUE(api.features & IPCQ_FEATURE_QUEUE_POSIX);
	ASSERT_TRUE(api.features & IPCQ_FEATURE_RING_NOTIFY);
	self->q = raw_queue_open(self->dev, NULL, BOTH | IPCQ_OPEN_CLOEXEC |
				 variant->flags, 0600, 4, 64);
	ASSERT_LE(0, self->q);
}

FIXTURE_TEARDOWN(posixq)
{
	close(self->q);
	close(self->dev);
}

/* With and without NOHUP: the loss of every producer and consumer. */
FIXTURE(posixq_hup) {
	int dev;
};
FIXTURE_VARIANT(posixq_hup) {
	bool nohup;
};
FIXTURE_VARIANT_ADD(posixq_hup, nohup) { .nohup = true };
FIXTURE_VARIANT_ADD(posixq_hup, hup) { .nohup = false };
FIXTURE_SETUP(posixq_hup)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}
FIXTURE_TEARDOWN(posixq_hup)
{
	close(self->dev);
}

TEST_F(posixq_hup, no_eof_no_epipe_no_pollhup)
{
	uint32_t nohup = variant->nohup ? IPCQ_OPEN_NOHUP : 0;
	struct pollfd pfd;
	uint64_t len = 8;
	char buf[8];
	int q, p, c;

	q = raw_queue_open(self->dev, NULL, BOTH | nohup, 0600, 0, 64);
	ASSERT_LE(0, q);
	EXPECT_EQ(variant->nohup ? IPCQ_STATE_NOHUP : 0,
		  q_state(q) & IPCQ_STATE_NOHUP);
	p = q_reopen(q, IPCQ_OPEN_PRODUCER);
	c = q_reopen(q, IPCQ_OPEN_CONSUMER);
	ASSERT_LE(0, p);
	ASSERT_LE(0, c);
	close(q);
	ASSERT_EQ(0, raw_put(p, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	close(p);
	/* What was put is still delivered. */
	EXPECT_EQ(0, raw_get(c, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER));
	len = 8;
	pfd.fd = c;
	pfd.events = POLLIN;
	ASSERT_LE(0, poll(&pfd, 1, 0));
	if (variant->nohup) {
		EXPECT_EQ(-EAGAIN, raw_get(c, buf, &len, NULL,
					   IPCQ_MSG_NONBLOCK,
					   IPCQ_DEADLINE_FOREVER));
		EXPECT_EQ(-ETIMEDOUT, raw_get(c, buf, &len, NULL, 0,
					      now_ns() + 10 * NSEC_PER_MSEC));
		EXPECT_EQ(0, pfd.revents);
	} else {
		EXPECT_EQ(IPCQ_GET_EOF, raw_get(c, buf, &len, NULL, 0,
						IPCQ_DEADLINE_FOREVER));
		EXPECT_EQ(POLLHUP, pfd.revents);
	}
	/* Every consumer gone: puts go on with NOHUP, else EPIPE. */
	p = q_reopen(c, 0);	/* an observer keeps the queue alive */
	ASSERT_LE(0, p);
	close(c);
	c = raw_queue_open(self->dev, NULL, BOTH | nohup, 0600, 0, 64);
	ASSERT_LE(0, c);
	q = q_reopen(c, IPCQ_OPEN_PRODUCER);
	ASSERT_LE(0, q);
	close(c);
	pfd.fd = q;
	pfd.events = POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	if (variant->nohup) {
		EXPECT_EQ(0, raw_put(q, "b", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
		EXPECT_EQ(POLLOUT, pfd.revents & (POLLOUT | POLLERR));
	} else {
		EXPECT_EQ(-EPIPE, raw_put(q, "b", 1, 0, 0,
					  IPCQ_DEADLINE_FOREVER));
		EXPECT_EQ(POLLERR, pfd.revents & (POLLOUT | POLLERR));
	}
	close(q);
	close(p);
}

TEST_F(posixq_hup, nohup_applies_when_created_only)
{
	const char *name = "mq_ipcq_test_nohup";
	int q, q2;

	raw_unlink(self->dev, name);
	q = raw_queue_open(self->dev, name, BOTH | IPCQ_OPEN_CREATE |
			   (variant->nohup ? IPCQ_OPEN_NOHUP : 0), 0600, 0, 0);
	ASSERT_LE(0, q);
	/* Opening with the other choice changes nothing. */
	q2 = raw_queue_open(self->dev, name, BOTH | IPCQ_OPEN_CREATE |
			    (variant->nohup ? 0 : IPCQ_OPEN_NOHUP), 0600, 0, 0);
	ASSERT_LE(0, q2);
	EXPECT_EQ(variant->nohup ? IPCQ_STATE_NOHUP : 0,
		  q_state(q2) & IPCQ_STATE_NOHUP);
	close(q2);
	close(q);
	EXPECT_EQ(0, raw_unlink(self->dev, name));
}

TEST_F(posixq, open_rejects_unknown_flag_bit)
{
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, BOTH | (1U << 7),
					  0600, 0, 0));
}

TEST_F(posixq, notify_argument_errors)
{
	struct ipcq_queue_notify n;
	int efd;

	EXPECT_EQ(-EINVAL, raw_notify(self->q, 1U << 3, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, IPCQ_NOTIFY_SIGNAL |
				    IPCQ_NOTIFY_EVENTFD, SIGUSR1, 0, 0));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, IPCQ_NOTIFY_SIGNAL, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, IPCQ_NOTIFY_SIGNAL, 65, 0, 0));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, 0, SIGUSR1, 0, 0));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, 0, 0, 1, 0));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, 0, 0, 0, 3));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, IPCQ_NOTIFY_REMOVE, SIGUSR1, 0,
				    0));
	/* Not an eventfd, and no descriptor at all. */
	EXPECT_EQ(-EINVAL, raw_notify(self->q, IPCQ_NOTIFY_EVENTFD, 0, 0,
				    self->dev));
	EXPECT_EQ(-EINVAL, raw_notify(self->q, IPCQ_NOTIFY_EVENTFD, 0, 0, -1));
	memset(&n, 0, sizeof(n));
	n.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->q, IPCQ_IOC_QUEUE_NOTIFY, &n));
	n.pad = 0;
	n.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->q, IPCQ_IOC_QUEUE_NOTIFY, &n));
	EXPECT_EQ(-EFAULT, xioctl(self->q, IPCQ_IOC_QUEUE_NOTIFY,
				  (void *)16));
	/* None of these registered anything. */
	EXPECT_EQ(0, q_state(self->q) & IPCQ_STATE_NOTIFY);

	/* One registration; the second is EBUSY, also from its owner. */
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(0, raw_notify(self->q, 0, 0, 0, 0));
	EXPECT_EQ(IPCQ_STATE_NOTIFY, q_state(self->q) & IPCQ_STATE_NOTIFY);
	EXPECT_EQ(-EBUSY, raw_notify(self->q, IPCQ_NOTIFY_EVENTFD, 0, 0, efd));
	EXPECT_EQ(-EBUSY, raw_notify(self->q, IPCQ_NOTIFY_SIGNAL, SIGUSR1, 0,
				   0));
	EXPECT_EQ(0, raw_notify(self->q, IPCQ_NOTIFY_REMOVE, 0, 0, 0));
	EXPECT_EQ(0, q_state(self->q) & IPCQ_STATE_NOTIFY);
	/* REMOVE with nothing registered succeeds. */
	EXPECT_EQ(0, raw_notify(self->q, IPCQ_NOTIFY_REMOVE, 0, 0, 0));
	close(efd);
}

TEST_F(posixq, notify_eventfd_once_on_empty_to_nonempty)
{
	uint64_t v = 0, len = 64;
	char buf[64];
	int efd, obs;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	/* Any file may register, an observer too. */
	obs = q_reopen(self->q, 0);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, raw_notify(obs, IPCQ_NOTIFY_EVENTFD, 0, 0, efd));
	/* The registration holds the eventfd, not its descriptor. */
	close(efd);
	efd = -1;
	ASSERT_EQ(0, raw_notify(obs, IPCQ_NOTIFY_REMOVE, 0, 0, 0));

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, raw_notify(obs, IPCQ_NOTIFY_EVENTFD, 0, 0, efd));
	ASSERT_EQ(0, raw_put(self->q, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(8, read(efd, &v, sizeof(v)));
	EXPECT_EQ(1, v);
	EXPECT_EQ(0, q_state(self->q) & IPCQ_STATE_NOTIFY);
	/* Removed after delivery: the next put signals nothing. */
	ASSERT_EQ(0, raw_get(self->q, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_put(self->q, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-1, read(efd, &v, sizeof(v)));
	EXPECT_EQ(EAGAIN, errno);
	/* Not on a non-empty queue. */
	ASSERT_EQ(0, raw_notify(obs, IPCQ_NOTIFY_EVENTFD, 0, 0, efd));
	ASSERT_EQ(0, raw_put(self->q, "b", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-1, read(efd, &v, sizeof(v)));
	EXPECT_EQ(IPCQ_STATE_NOTIFY, q_state(self->q) & IPCQ_STATE_NOTIFY);
	/* Nor by a failed put (the queue is empty, but it is too long). */
	len = 64;
	ASSERT_EQ(0, raw_get(self->q, buf, &len, NULL, 0, 0));
	len = 64;
	ASSERT_EQ(0, raw_get(self->q, buf, &len, NULL, 0, 0));
	EXPECT_EQ(-EMSGSIZE, raw_put(self->q, buf, 65, 0, 0, 0));
	EXPECT_EQ(IPCQ_STATE_NOTIFY, q_state(self->q) & IPCQ_STATE_NOTIFY);
	/* The release of the file that registered removes it. */
	close(obs);
	EXPECT_EQ(0, q_state(self->q) & IPCQ_STATE_NOTIFY);
	close(efd);
}

TEST_F(posixq, notify_signal_carries_value_and_putter)
{
	uint64_t value = 0x0123456789abcdefULL;
	struct timespec ts = { WAIT_MS / 1000, 0 };
	siginfo_t si;
	sigset_t set;
	int status;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	ASSERT_EQ(0, raw_notify(self->q, IPCQ_NOTIFY_SIGNAL, SIGRTMIN + 1,
			      value, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Not the owner: its REMOVE leaves the registration be. */
		if (raw_notify(self->q, IPCQ_NOTIFY_REMOVE, 0, 0, 0) ||
		    !(q_state(self->q) & IPCQ_STATE_NOTIFY))
			_exit(1);
		close(self->q);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(IPCQ_STATE_NOTIFY, q_state(self->q) & IPCQ_STATE_NOTIFY);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(raw_put(self->q, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(SIGRTMIN + 1, sigtimedwait(&set, &si, &ts));
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(pid, si.si_pid);
	EXPECT_EQ(getuid(), si.si_uid);
	EXPECT_EQ(value, (uint64_t)(uintptr_t)si.si_value.sival_ptr);
}

TEST_F(posixq, notify_release_of_its_file_removes_it)
{
	int q2 = q_reopen(self->q, BOTH), d;

	ASSERT_LE(0, q2);
	ASSERT_EQ(0, raw_notify(q2, 0, 0, 0, 0));
	/* The release of another file of the queue does not. */
	d = q_reopen(self->q, 0);
	ASSERT_LE(0, d);
	close(d);
	EXPECT_EQ(IPCQ_STATE_NOTIFY, q_state(self->q) & IPCQ_STATE_NOTIFY);
	/* Nor a close that leaves the file open (a dup). */
	d = dup(q2);
	ASSERT_LE(0, d);
	close(d);
	EXPECT_EQ(IPCQ_STATE_NOTIFY, q_state(self->q) & IPCQ_STATE_NOTIFY);
	close(q2);
	EXPECT_EQ(0, q_state(self->q) & IPCQ_STATE_NOTIFY);
}

TEST_F(posixq, notify_of_a_dead_owner_is_replaced)
{
	int status, p[2];
	pid_t pid;
	char c;

	/*
	 * The child registers through the file it shares with us and with a
	 * grandchild that outlives it: once it is dead its registration is
	 * void, and the next one replaces it.
	 */
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (raw_notify(self->q, 0, 0, 0, 0))
			_exit(1);
		if (fork() == 0) {
			close(p[1]);
			if (read(p[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(0, raw_notify(self->q, 0, 0, 0, 0));
	EXPECT_EQ(-EBUSY, raw_notify(self->q, 0, 0, 0, 0));
	close(p[1]);
}

/* A put drops a dead owner's registration, empty queue or not. */
TEST_F(posixq, notify_of_a_dead_owner_goes_with_the_next_put)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, raw_put(self->q, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(raw_notify(self->q, 0, 0, 0, 0) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	/* Its file is ours too: only the owner's death voids it. */
	EXPECT_EQ(IPCQ_STATE_NOTIFY, q_state(self->q) & IPCQ_STATE_NOTIFY);
	ASSERT_EQ(0, raw_put(self->q, "b", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, q_state(self->q) & IPCQ_STATE_NOTIFY);
}

TEST_F(posixq, o_nonblock_file_flag_makes_put_and_get_nonblocking)
{
	uint64_t len = 64;
	char buf[64];
	int i, d;

	d = q_reopen(self->q, BOTH);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, fcntl(d, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, raw_get(d, buf, &len, NULL, 0,
				   IPCQ_DEADLINE_FOREVER));
	/* The other file still blocks (here: until its deadline). */
	len = 64;
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->q, buf, &len, NULL, 0,
				      now_ns() + 10 * NSEC_PER_MSEC));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(d, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EAGAIN, raw_put(d, "a", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-ETIMEDOUT, raw_put(self->q, "a", 1, 0, 0,
				      now_ns() + 10 * NSEC_PER_MSEC));
	ASSERT_EQ(0, fcntl(d, F_SETFL, 0));
	EXPECT_EQ(-ETIMEDOUT, raw_put(d, "a", 1, 0, 0,
				      now_ns() + 10 * NSEC_PER_MSEC));
	close(d);
}

/* libipcdev-mq where it goes beyond (or differs from) Linux's queues. */

static struct timespec rt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

TEST(library_bad_timeout_is_checked_only_when_blocking)
{
	const char *n = "/mq_ipcq_test_tmo";
	struct timespec ts = rt_now();
	char buf[8192];
	mqd_t q;

	mq_unlink(n);
	q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q);
	ts.tv_nsec = 1000000000L;
	EXPECT_EQ(0, mq_timedsend(q, "a", 1, 0, &ts));
	EXPECT_EQ(1, mq_timedreceive(q, buf, sizeof(buf), NULL, &ts));
	errno = 0;
	EXPECT_EQ(-1, mq_timedreceive(q, buf, sizeof(buf), NULL, &ts));
	EXPECT_EQ(EINVAL, errno);
	mq_close(q);
	mq_unlink(n);
}

TEST(library_queue_is_an_ipcq_queue)
{
	struct mq_attr attr = { .mq_maxmsg = 1000, .mq_msgsize = 100 };
	const char *n = "/mq_ipcq_test_named";
	struct ipcq_queue_stat st;
	uint64_t len = 100;
	char buf[100];
	int dev, fd;
	mqd_t q;

	mq_unlink(n);
	/* No msg_max of 10 for unprivileged callers. */
	q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, q_stat(q, &st));
	EXPECT_EQ(1000, st.capacity);
	EXPECT_EQ(100, st.max_msg_size);
	EXPECT_EQ(IPCQ_STATE_NOHUP | IPCQ_STATE_NAMED,
		  st.state & (IPCQ_STATE_NOHUP | IPCQ_STATE_NAMED));
	/* The name without its slash, reachable through the ioctls. */
	dev = dev_open();
	ASSERT_LE(0, dev);
	fd = raw_queue_open(dev, n + 1, IPCQ_OPEN_CONSUMER, 0, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mq_send(q, "x", 1, 7));
	EXPECT_EQ(0, raw_get(fd, buf, &len, NULL, 0, 0));
	close(fd);
	/* Names ipcq cannot hold. */
	errno = 0;
	EXPECT_EQ(-1, mq_open("/tab\there", O_RDWR | O_CREAT, 0600, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Limits of the module: mq_msgsize above max_msg_size. */
	attr.mq_maxmsg = 1;
	attr.mq_msgsize = 1L << 40;
	errno = 0;
	EXPECT_EQ(-1, mq_open("/mq_ipcq_test_big", O_RDWR | O_CREAT, 0600,
			      &attr));
	EXPECT_EQ(EINVAL, errno);
	close(dev);
	mq_close(q);
	mq_unlink(n);
}

/* Mappings of ring attachments in this process (two per attachment). */
static int ring_mappings(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "anon_inode:[ipcq-ring]"))
			n++;
	fclose(f);
	return n;
}

static uint32_t mq_state(mqd_t q)
{
	struct ipcq_queue_stat st;

	return q_stat(q, &st) ? ~0U : st.state;
}

/*
 * The library's queues are ring queues: a priority-0 message that fits a
 * slot goes both ways without a system call on the descriptor mq_open()
 * made; priorities, longer messages, dup()ed descriptors and the calls
 * that wait go through the kernel.
 */
TEST(library_ring_path_makes_no_ioctl)
{
	struct mq_attr attr = { .mq_maxmsg = 8, .mq_msgsize = 1024 };
	const char *n = "/mq_ipcq_test_ring";
	pid_t pid;
	mqd_t q;

	mq_unlink(n);
	q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	ASSERT_LE(0, q);
	EXPECT_EQ(IPCQ_STATE_RING, mq_state(q) & IPCQ_STATE_RING);
	EXPECT_EQ(2, ring_mappings());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[1024] = "";
		unsigned int prio = 9;
		int i, d = dup(q);

		/*
		 * A child maps its own ring at its first use; mq_msgsize is
		 * known after a first receive.
		 */
		if (d < 0 || mq_send(q, "x", 1, 0) ||
		    mq_receive(q, buf, sizeof(buf), NULL) != 1)
			_exit(10);
		if (forbid_ioctl())
			_exit(11);
		/* Proof that the filter bites. */
		if (mq_getattr(q, &attr) != -1 || errno != EPERM)
			_exit(12);
		for (i = 0; i < 10000; i++) {
			if (mq_send(q, (char *)&i, sizeof(i), 0))
				_exit(13);
			if (mq_receive(q, buf, sizeof(buf), &prio) !=
			    sizeof(i) || prio || memcmp(buf, &i, sizeof(i)))
				_exit(14);
		}
		/* A full ring and an empty one: the kernel says why. */
		for (i = 0; i < 8; i++)
			if (mq_send(q, "x", 1, 0))
				_exit(15);
		if (mq_send(q, "x", 1, 0) != -1 || errno != EPERM)
			_exit(16);
		for (i = 0; i < 8; i++)
			if (mq_receive(q, buf, sizeof(buf), NULL) != 1)
				_exit(17);
		if (mq_receive(q, buf, sizeof(buf), NULL) != -1 ||
		    errno != EPERM)
			_exit(18);
		/* Slots of mq_msgsize: the longest message travels there. */
		if (mq_send(q, buf, 1024, 0) ||
		    mq_receive(q, buf, sizeof(buf), NULL) != 1024)
			_exit(19);
		/* Through the kernel: a priority, a dup. */
		if (mq_send(q, "p", 1, 1) != -1 || errno != EPERM)
			_exit(20);
		if (mq_send(d, "d", 1, 0) != -1 || errno != EPERM)
			_exit(21);
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(0, ring_mappings());
	mq_unlink(n);
}

/*
 * Registrations come and go while a stream runs through the ring: the
 * route word switches every put and get between ring and kernel under
 * way, and every message still arrives once, in order.
 */
TEST(library_ring_stream_through_notify_registrations)
{
	struct mq_attr attr = { .mq_maxmsg = 8, .mq_msgsize = 64 };
	const char *n = "/mq_ipcq_test_ringnotify";
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	_Atomic long *registrations = shared_page(4096);
	const int count = 20000;
	pid_t producer, toggler;
	int i, got, go[2];
	char buf[64], c;
	mqd_t q;

	ASSERT_NE(NULL, registrations);
	ASSERT_EQ(0, pipe(go));
	mq_unlink(n);
	q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	ASSERT_LE(0, q);
	toggler = fork();
	ASSERT_LE(0, toggler);
	if (toggler == 0) {
		for (;;) {
			mq_notify(q, NULL);
			if (!mq_notify(q, &none)) {
				/* The stream starts with one registered. */
				if (atomic_fetch_add(registrations, 1) == 0 &&
				    write(go[1], "g", 1) != 1)
					_exit(1);
			} else if (errno != EBUSY) {
				_exit(1);
			}
			sched_yield();
		}
	}
	producer = fork();
	ASSERT_LE(0, producer);
	if (producer == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		for (i = 0; i < count; i++)
			if (mq_send(q, (char *)&i, sizeof(i), 0))
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < count; i++) {
		ASSERT_EQ(sizeof(got), mq_receive(q, buf, sizeof(buf), NULL));
		memcpy(&got, buf, sizeof(got));
		ASSERT_EQ(i, got);
	}
	EXPECT_EQ(0, child_status(producer));
	kill(toggler, SIGKILL);
	waitpid(toggler, NULL, 0);
	EXPECT_LE(1, atomic_load(registrations));
	TH_LOG("%ld registrations during %d messages",
	       atomic_load(registrations), count);
	close(go[0]);
	close(go[1]);
	mq_close(q);
	mq_unlink(n);
}

/*
 * After fork() the child maps the ring anew at its first use: never in
 * its parent's name, and an idle child holds nothing of its parent's.
 */
TEST(library_fork_child_maps_its_own_ring)
{
	const char *n = "/mq_ipcq_test_fork";
	char buf[8192];
	int status;
	pid_t pid;
	mqd_t q;

	mq_unlink(n);
	q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, mq_send(q, "a", 1, 0));
	ASSERT_EQ(2, ring_mappings());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ring_mappings() != 0)
			_exit(1);
		if (mq_receive(q, buf, sizeof(buf), NULL) != 1 || buf[0] != 'a')
			_exit(2);
		if (ring_mappings() != 2)
			_exit(3);
		if (mq_send(q, "b", 1, 0))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(2, ring_mappings());
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	EXPECT_EQ('b', buf[0]);
	EXPECT_EQ(0, mq_close(q));
	mq_unlink(n);
}

/* The slot size of @q's ring (0: none), from an attachment of our own. */
static uint32_t mq_slot_size(mqd_t q)
{
	struct ipcq_ring_info info;
	int fd;

	memset(&info, 0, sizeof(info));
	info.flags = IPCQ_OPEN_CLOEXEC;
	fd = xioctl(q, IPCQ_IOC_RING_ATTACH, &info);
	if (fd < 0)
		return 0;
	close(fd);
	return info.slot_size;
}

/*
 * The rings mq_open() makes: a slot per message of mq_maxmsg, of
 * mq_msgsize bytes while the ring stays within 1 MiB, else of 240 bytes;
 * none above 1024 messages. IPCDEV_MQ_RING=0 turns them off: the queue
 * created has none, and a ring queue opened is used through the kernel.
 */
TEST(library_ring_sizes_and_rings_off)
{
	static const struct {
		long maxmsg, msgsize;
		uint32_t slot;
	} cases[] = {
		{ 10, 8192, 8192 },	/* Linux's defaults */
		{ 16, 65536, 0 },	/* over 1 MiB: default slots */
		{ 1024, 1008, 1008 },	/* 1 MiB exactly */
		{ 1024, 2048, 240 },
		{ 4, 100, 100 },
		{ 1025, 8, 0 },		/* no ring */
	};
	const char *n = "/mq_ipcq_test_noring";
	const char *r = "/mq_ipcq_test_withring";
	struct mq_attr attr;
	unsigned int i;
	pid_t pid;
	mqd_t q;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		attr.mq_maxmsg = cases[i].maxmsg;
		attr.mq_msgsize = cases[i].msgsize;
		mq_unlink(n);
		q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
		ASSERT_LE(0, q);
		EXPECT_EQ(cases[i].maxmsg == 1025 ? 0 : IPCQ_STATE_RING,
			  mq_state(q) & IPCQ_STATE_RING);
		EXPECT_EQ(cases[i].slot ? cases[i].slot :
			  cases[i].maxmsg == 1025 ? 0 : IPCQ_RING_SLOT_DEFAULT,
			  mq_slot_size(q));
		EXPECT_EQ(cases[i].maxmsg == 1025 ? 0 : 2, ring_mappings());
		mq_close(q);
		mq_unlink(n);
	}
	mq_unlink(r);
	q = mq_open(r, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q);
	mq_close(q);

	/* The variable is read by every mq_open(). */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[8192];

		setenv("IPCDEV_MQ_RING", "0", 1);
		q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
		if (q < 0 || (mq_state(q) & IPCQ_STATE_RING))
			_exit(1);
		mq_close(q);
		mq_unlink(n);
		q = mq_open(r, O_RDWR);
		if (q < 0 || ring_mappings() != 0)
			_exit(2);
		if (mq_send(q, "a", 1, 0) ||
		    mq_receive(q, buf, sizeof(buf), NULL) != 1)
			_exit(3);
		if (forbid_ioctl())
			_exit(4);
		if (mq_send(q, "a", 1, 0) != -1 || errno != EPERM)
			_exit(5);
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
	mq_unlink(r);
}

TEST_HARNESS_MAIN
