// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX message queues through <mqueue.h>: built twice from this one
 * source, as mq_test on libipcdev-mq (ipcq ring queues, mq_plain_test
 * with the library's rings off) and as mq_librt_test on glibc's mq_*
 * (the kernel's own POSIX queues), and run in the same VM:
 * both must pass every case, so libipcdev-mq behaves as Linux does
 * wherever this file looks. Only behaviour both must share is asserted
 * here; what is ipcq's own is in mq_ipcq_test.c.
 *
 * Queue attributes stay within Linux's unprivileged defaults (mq_maxmsg
 * <= 10, mq_msgsize <= 8192), so the cases also run as nobody.
 */
#define _GNU_SOURCE
#include <mqueue.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include "kselftest_harness.h"
#include "ipcq_test.h"

#if defined(MQ_TEST_LIBRT)
#define IMPL "librt"
#elif defined(MQ_TEST_PLAIN)
#define IMPL "plain"
/* libipcdev-mq without rings: IPCDEV_MQ_RING=0 for every mq_open(). */
__attribute__((constructor)) static void rings_off(void)
{
	setenv("IPCDEV_MQ_RING", "0", 1);
}
#else
#define IMPL "ipcq"
#endif

static char *qname(char *buf, const char *tag)
{
	snprintf(buf, 128, "/mqt_%s_%s_%d", IMPL, tag, (int)getpid());
	return buf;
}

static mqd_t mq_make(const char *name, int oflag, long maxmsg, long msgsize)
{
	struct mq_attr attr = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };

	mq_unlink(name);
	return mq_open(name, oflag | O_CREAT | O_EXCL, 0600, &attr);
}

/* An absolute CLOCK_REALTIME time @ms from now (negative: in the past). */
static struct timespec rt_after(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	} else if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000L;
	}
	return ts;
}

#define EXPECT_ERR(call, err) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, (long)(call));					\
	EXPECT_EQ(err, errno);						\
} while (0)

TEST(open_create_exist_enoent_and_unlink)
{
	char n[128];
	mqd_t q, q2;

	qname(n, "open");
	mq_unlink(n);
	EXPECT_ERR(mq_open(n, O_RDWR), ENOENT);
	q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q);
	EXPECT_ERR(mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL), EEXIST);
	/* O_CREAT alone opens the existing one; O_EXCL alone is ignored. */
	q2 = mq_open(n, O_RDWR | O_CREAT, 0600, NULL);
	ASSERT_LE(0, q2);
	EXPECT_EQ(0, mq_close(q2));
	q2 = mq_open(n, O_RDONLY | O_EXCL);
	ASSERT_LE(0, q2);
	EXPECT_EQ(0, mq_close(q2));
	/* Always close-on-exec, as Linux makes them. */
	EXPECT_TRUE(fcntl(q, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, mq_unlink(n));
	EXPECT_ERR(mq_unlink(n), ENOENT);
	EXPECT_ERR(mq_open(n, O_RDWR), ENOENT);
	EXPECT_EQ(0, mq_close(q));
	EXPECT_ERR(mq_close(q), EBADF);
}

TEST(names_are_checked_as_linux_does)
{
	char longname[300];

	EXPECT_ERR(mq_open("noslash", O_RDWR | O_CREAT, 0600, NULL), EINVAL);
	EXPECT_ERR(mq_unlink("noslash"), EINVAL);
	/* Linux: a second slash, "." and ".." are EACCES, "" ENOENT. */
	EXPECT_ERR(mq_open("/a/b", O_RDWR | O_CREAT, 0600, NULL), EACCES);
	EXPECT_ERR(mq_open("/a/b", O_RDWR), EACCES);
	EXPECT_ERR(mq_open("/", O_RDWR | O_CREAT, 0600, NULL), ENOENT);
	EXPECT_ERR(mq_open("/..", O_RDWR | O_CREAT, 0600, NULL), EACCES);
	EXPECT_ERR(mq_open("/.", O_RDWR), EACCES);
	EXPECT_ERR(mq_unlink("/a/b"), EACCES);
	EXPECT_ERR(mq_unlink("/"), ENOENT);
	longname[0] = '/';
	memset(longname + 1, 'n', 256);
	longname[257] = 0;
	EXPECT_ERR(mq_open(longname, O_RDWR | O_CREAT, 0600, NULL),
		   ENAMETOOLONG);
	EXPECT_ERR(mq_unlink(longname), ENAMETOOLONG);
	/* NAME_MAX bytes after the slash are fine. */
	longname[256] = 0;
	mq_unlink(longname);
	mqd_t q = mq_open(longname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);

	ASSERT_LE(0, q);
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(0, mq_unlink(longname));
}

TEST(attr_rules_at_creation)
{
	struct mq_attr bad[] = {
		{ .mq_maxmsg = 0, .mq_msgsize = 8 },
		{ .mq_maxmsg = -1, .mq_msgsize = 8 },
		{ .mq_maxmsg = 4, .mq_msgsize = 0 },
		{ .mq_maxmsg = 4, .mq_msgsize = -5 },
	};
	struct mq_attr a;
	unsigned int i;
	char n[128];
	mqd_t q;

	qname(n, "attr");
	mq_unlink(n);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERR(mq_open(n, O_RDWR | O_CREAT, 0600, &bad[i]), EINVAL);
		EXPECT_ERR(mq_open(n, O_RDWR), ENOENT);
	}
	/*
	 * A bad access mode: Linux creates the queue with a descriptor that
	 * can neither send nor receive, and refuses it for an existing one.
	 */
	q = mq_open(n, O_WRONLY | O_RDWR | O_CREAT, 0600, NULL);
	ASSERT_LE(0, q);
	EXPECT_ERR(mq_send(q, "a", 1, 0), EBADF);
	EXPECT_ERR(mq_receive(q, (char *)bad, 8192, NULL), EBADF);
	EXPECT_ERR(mq_open(n, O_WRONLY | O_RDWR | O_CREAT, 0600, NULL), EINVAL);
	EXPECT_ERR(mq_open(n, O_WRONLY | O_RDWR), EINVAL);
	EXPECT_ERR(mq_open(n, O_WRONLY | O_RDWR | O_CREAT | O_EXCL, 0600,
			   NULL), EEXIST);
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(0, mq_unlink(n));
	EXPECT_ERR(mq_open(n, O_WRONLY | O_RDWR), ENOENT);
	/* Without attr: Linux's defaults. */
	q = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(10, a.mq_maxmsg);
	EXPECT_EQ(8192, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
	EXPECT_EQ(0, a.mq_flags);
	/* Attributes are looked at only when the call creates. */
	mqd_t q2 = mq_open(n, O_RDWR | O_CREAT, 0600, &bad[0]);

	ASSERT_LE(0, q2);
	EXPECT_EQ(0, mq_close(q2));
	EXPECT_ERR(mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, &bad[0]),
		   EEXIST);
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(0, mq_unlink(n));

	q = mq_make(n, O_RDWR, 3, 100);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, mq_send(q, "ab", 2, 0));
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(3, a.mq_maxmsg);
	EXPECT_EQ(100, a.mq_msgsize);
	EXPECT_EQ(1, a.mq_curmsgs);
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(0, mq_unlink(n));
	EXPECT_ERR(mq_getattr(q, &a), EBADF);
}

TEST(priorities_highest_first_fifo_within)
{
	unsigned int prios[] = { 1, 5, 0, 5, MQ_PRIO_MAX - 1, 1, 0 };
	unsigned int want[] = { MQ_PRIO_MAX - 1, 5, 5, 1, 1, 0, 0 };
	int want_id[] = { 4, 1, 3, 0, 5, 2, 6 };
	char n[128], buf[64];
	unsigned int i, p;
	mqd_t q;

	q = mq_make(qname(n, "prio"), O_RDWR, 10, 64);
	ASSERT_LE(0, q);
	for (i = 0; i < 7; i++) {
		buf[0] = (char)i;
		ASSERT_EQ(0, mq_send(q, buf, 1 + i, prios[i]));
	}
	for (i = 0; i < 7; i++) {
		ASSERT_EQ(1 + want_id[i], mq_receive(q, buf, sizeof(buf), &p));
		EXPECT_EQ(want[i], p);
		EXPECT_EQ(want_id[i], buf[0]);
	}
	/* NULL msg_prio is allowed. */
	ASSERT_EQ(0, mq_send(q, "x", 1, 3));
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	/* Zero-length messages. */
	ASSERT_EQ(0, mq_send(q, "", 0, 0));
	EXPECT_EQ(0, mq_receive(q, buf, sizeof(buf), &p));
	mq_close(q);
	mq_unlink(n);
}

TEST(send_and_receive_errors)
{
	char n[128], buf[128];
	mqd_t q, r, w;

	q = mq_make(qname(n, "err"), O_RDWR, 2, 64);
	ASSERT_LE(0, q);
	r = mq_open(n, O_RDONLY);
	w = mq_open(n, O_WRONLY);
	ASSERT_LE(0, r);
	ASSERT_LE(0, w);
	EXPECT_ERR(mq_send(q, buf, 65, 0), EMSGSIZE);
	EXPECT_ERR(mq_send(q, buf, 1, MQ_PRIO_MAX), EINVAL);
	EXPECT_ERR(mq_send(r, buf, 1, 0), EBADF);
	EXPECT_ERR(mq_receive(w, buf, sizeof(buf), NULL), EBADF);
	/* Even with a buffer too small, the direction is checked first. */
	EXPECT_ERR(mq_receive(w, buf, 8, NULL), EBADF);
	ASSERT_EQ(0, mq_send(w, "hello", 5, 0));
	/* A buffer smaller than mq_msgsize: EMSGSIZE, nothing taken. */
	EXPECT_ERR(mq_receive(r, buf, 63, NULL), EMSGSIZE);
	EXPECT_EQ(5, mq_receive(r, buf, 64, NULL));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, mq_close(r));
	EXPECT_EQ(0, mq_close(w));
	EXPECT_ERR(mq_send(r, buf, 1, 0), EBADF);
	EXPECT_ERR(mq_receive(r, buf, sizeof(buf), NULL), EBADF);
	EXPECT_ERR(mq_send(-1, buf, 1, 0), EBADF);
	mq_close(q);
	mq_unlink(n);
}

TEST(nonblock_is_per_open_description)
{
	struct timespec ts;
	struct mq_attr a, old;
	char n[128], buf[64];
	mqd_t nb, bl;

	nb = mq_make(qname(n, "nb"), O_RDWR | O_NONBLOCK, 1, 64);
	ASSERT_LE(0, nb);
	bl = mq_open(n, O_RDWR);
	ASSERT_LE(0, bl);
	ASSERT_EQ(0, mq_getattr(nb, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	ASSERT_EQ(0, mq_getattr(bl, &a));
	EXPECT_EQ(0, a.mq_flags);

	EXPECT_ERR(mq_receive(nb, buf, sizeof(buf), NULL), EAGAIN);
	ts = rt_after(20);
	EXPECT_ERR(mq_timedreceive(bl, buf, sizeof(buf), NULL, &ts), ETIMEDOUT);
	ASSERT_EQ(0, mq_send(nb, "a", 1, 0));
	EXPECT_ERR(mq_send(nb, "b", 1, 0), EAGAIN);
	ts = rt_after(20);
	EXPECT_ERR(mq_timedsend(bl, "b", 1, 0, &ts), ETIMEDOUT);
	/* A timeout does not matter to a non-blocking descriptor. */
	ts = rt_after(20);
	EXPECT_ERR(mq_timedsend(nb, "b", 1, 0, &ts), EAGAIN);

	/* mq_setattr switches it, and returns the old attributes. */
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(0, mq_setattr(nb, &a, &old));
	EXPECT_EQ(O_NONBLOCK, old.mq_flags);
	EXPECT_EQ(1, old.mq_maxmsg);
	EXPECT_EQ(64, old.mq_msgsize);
	EXPECT_EQ(1, old.mq_curmsgs);
	ts = rt_after(20);
	EXPECT_ERR(mq_timedsend(nb, "b", 1, 0, &ts), ETIMEDOUT);
	a.mq_flags = O_NONBLOCK;
	/* Only mq_flags is used; the rest is ignored. */
	a.mq_maxmsg = 99;
	ASSERT_EQ(0, mq_setattr(bl, &a, NULL));
	EXPECT_ERR(mq_send(bl, "b", 1, 0), EAGAIN);
	ASSERT_EQ(0, mq_getattr(bl, &a));
	EXPECT_EQ(1, a.mq_maxmsg);
	a.mq_flags = O_NONBLOCK | O_APPEND;
	EXPECT_ERR(mq_setattr(bl, &a, NULL), EINVAL);
	EXPECT_ERR(mq_setattr(-1, &a, NULL), EINVAL);
	a.mq_flags = 0;
	EXPECT_ERR(mq_setattr(-1, &a, NULL), EBADF);
	/* dup() shares the description, and so its O_NONBLOCK. */
	mqd_t d = dup(bl);

	ASSERT_EQ(0, mq_getattr(d, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	mq_close(d);
	mq_close(nb);
	mq_close(bl);
	mq_unlink(n);
}

TEST(timeouts)
{
	struct timespec ts;
	char n[128], buf[64];
	mqd_t q;

	q = mq_make(qname(n, "tmo"), O_RDWR, 1, 64);
	ASSERT_LE(0, q);
	ts = rt_after(-1000);
	EXPECT_ERR(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts), ETIMEDOUT);
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	EXPECT_ERR(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts), ETIMEDOUT);
	/* A bad tv_nsec where the call would block. */
	ts = rt_after(1000);
	ts.tv_nsec = 1000000000L;
	EXPECT_ERR(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts), EINVAL);
	ts.tv_nsec = -1;
	EXPECT_ERR(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts), EINVAL);
	/* A past timeout does not stop what need not wait. */
	ts = rt_after(-1000);
	EXPECT_EQ(0, mq_timedsend(q, "a", 1, 0, &ts));
	ts = rt_after(-1000);
	EXPECT_ERR(mq_timedsend(q, "b", 1, 0, &ts), ETIMEDOUT);
	ts = rt_after(1000);
	ts.tv_nsec = 1000000000L;
	EXPECT_ERR(mq_timedsend(q, "b", 1, 0, &ts), EINVAL);
	ts = rt_after(20);
	EXPECT_ERR(mq_timedsend(q, "b", 1, 0, &ts), ETIMEDOUT);
	ts = rt_after(-1000);
	EXPECT_EQ(1, mq_timedreceive(q, buf, sizeof(buf), NULL, &ts));
	mq_close(q);
	mq_unlink(n);
}

static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
	signals_seen++;
}

struct kicker {
	pthread_t target;
	volatile int stop;
	int signals;		/* then send a message, when msg */
	mqd_t msg;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;
	int i;

	for (i = 0; !k->stop; i++) {
		if (k->signals && i == k->signals) {
			mq_send(k->msg, "late", 4, 0);
			break;
		}
		pthread_kill(k->target, SIGUSR1);
		sleep_ms(10);
	}
	return NULL;
}

TEST(signal_without_restart_gives_eintr)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct kicker k = { .target = pthread_self() };
	char n[128], buf[64];
	pthread_t th;
	mqd_t q;

	q = mq_make(qname(n, "intr"), O_RDWR, 1, 64);
	ASSERT_LE(0, q);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&th, NULL, kick, &k));
	EXPECT_ERR(mq_receive(q, buf, sizeof(buf), NULL), EINTR);
	ASSERT_EQ(0, mq_send(q, "a", 1, 0));
	EXPECT_ERR(mq_send(q, "b", 1, 0), EINTR);
	k.stop = 1;
	pthread_join(th, NULL);
	EXPECT_LT(0, signals_seen);

	/* With SA_RESTART the call goes on until the message comes. */
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	sa.sa_flags = SA_RESTART;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	signals_seen = 0;
	k.stop = 0;
	k.signals = 20;
	k.msg = q;
	ASSERT_EQ(0, pthread_create(&th, NULL, kick, &k));
	EXPECT_EQ(4, mq_receive(q, buf, sizeof(buf), NULL));
	pthread_join(th, NULL);
	EXPECT_LT(0, signals_seen);
	signal(SIGUSR1, SIG_DFL);
	mq_close(q);
	mq_unlink(n);
}

TEST(receiver_waits_after_last_sender_closes)
{
	struct timespec ts;
	char n[128], buf[64];
	mqd_t r, w;
	int status;
	pid_t pid;

	r = mq_make(qname(n, "nohup"), O_RDONLY, 4, 64);
	ASSERT_LE(0, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mqd_t cw = mq_open(n, O_WRONLY);

		_exit(cw < 0 || mq_send(cw, "x", 1, 0) || mq_close(cw));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(1, mq_receive(r, buf, sizeof(buf), NULL));
	/* No end-of-file: the queue is just empty. */
	ts = rt_after(50);
	EXPECT_ERR(mq_timedreceive(r, buf, sizeof(buf), NULL, &ts), ETIMEDOUT);
	/* Nor EPIPE without receivers. */
	w = mq_open(n, O_WRONLY);
	ASSERT_LE(0, w);
	EXPECT_EQ(0, mq_close(r));
	EXPECT_EQ(0, mq_send(w, "y", 1, 0));
	r = mq_open(n, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, r);
	EXPECT_EQ(1, mq_receive(r, buf, sizeof(buf), NULL));
	EXPECT_ERR(mq_receive(r, buf, sizeof(buf), NULL), EAGAIN);
	mq_close(r);
	mq_close(w);
	mq_unlink(n);
}

TEST(unlink_while_open)
{
	struct mq_attr a;
	char n[128], buf[64];
	mqd_t q, q2;

	q = mq_make(qname(n, "unl"), O_RDWR, 4, 64);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, mq_send(q, "old", 3, 0));
	ASSERT_EQ(0, mq_unlink(n));
	EXPECT_ERR(mq_open(n, O_RDWR), ENOENT);
	/* A new queue under the same name is another queue. */
	q2 = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_getattr(q2, &a));
	EXPECT_EQ(0, a.mq_curmsgs);
	/* The unlinked one lives on while open. */
	ASSERT_EQ(0, mq_send(q, "two", 3, 0));
	EXPECT_EQ(3, mq_receive(q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "old", 3));
	EXPECT_EQ(3, mq_receive(q, buf, sizeof(buf), NULL));
	mq_close(q);
	mq_close(q2);
	mq_unlink(n);
}

TEST(permissions_eacces)
{
	uid_t owner = geteuid();
	char n[128];
	int status;
	pid_t pid;
	mqd_t q;

	qname(n, "perm");
	mq_unlink(n);
	/* Read-only for the owner, nothing for others. */
	q = mq_open(n, O_RDONLY | O_CREAT | O_EXCL, 0400, NULL);
	ASSERT_LE(0, q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;
		mqd_t r;

		/* Root is let in anywhere: be nobody. */
		if (geteuid() == 0 && setresuid(65534, 65534, 65534))
			_exit(10);
		errno = 0;
		bad |= mq_open(n, O_WRONLY) != -1 || errno != EACCES;
		errno = 0;
		bad |= mq_open(n, O_RDWR) != -1 || errno != EACCES;
		errno = 0;
		r = mq_open(n, O_RDONLY);
		if (geteuid() == owner)
			bad |= r < 0;
		else
			bad |= r != -1 || errno != EACCES;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mq_close(q);
	mq_unlink(n);
}

TEST(poll_select_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd pfd;
	char n[128], buf[64];
	fd_set rfds;
	struct timeval tv = { 0, 0 };
	int ep;
	mqd_t q;

	q = mq_make(qname(n, "poll"), O_RDWR, 1, 64);
	ASSERT_LE(0, q);
	pfd.fd = q;
	pfd.events = POLLIN | POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents & (POLLIN | POLLOUT));
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, mq_send(q, "a", 1, 0));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents & (POLLIN | POLLOUT));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	FD_ZERO(&rfds);
	FD_SET(q, &rfds);
	EXPECT_EQ(1, select(q + 1, &rfds, NULL, NULL, &tv));
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	close(ep);
	mq_close(q);
	mq_unlink(n);
}

/* Blocks @sig and returns once it is pending (or after WAIT_MS). */
static int wait_signal(int sig, siginfo_t *si)
{
	struct timespec ts = { WAIT_MS / 1000, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, si, &ts);
}

static bool signal_pending_now(int sig)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, sig);
}

static void block_signal(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

TEST(notify_signal_across_processes)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR2 };
	char n[128], buf[64];
	siginfo_t si;
	int status;
	pid_t pid;
	mqd_t q;

	block_signal(SIGUSR2);
	q = mq_make(qname(n, "nsig"), O_RDONLY, 4, 64);
	ASSERT_LE(0, q);
	sev.sigev_value.sival_int = 4242;
	ASSERT_EQ(0, mq_notify(q, &sev));
	/* One registration per queue, whoever asks. */
	EXPECT_ERR(mq_notify(q, &sev), EBUSY);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mqd_t w = mq_open(n, O_WRONLY);
		int bad = 0;

		errno = 0;
		bad |= mq_notify(w, &sev) != -1 || errno != EBUSY;
		bad |= mq_send(w, "x", 1, 0) != 0;
		/* Removed by the delivery: now this process may register. */
		bad |= mq_notify(w, &sev) != 0;
		bad |= mq_notify(w, NULL) != 0;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(SIGUSR2, wait_signal(SIGUSR2, &si));
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(4242, si.si_value.sival_int);
	EXPECT_EQ(pid, si.si_pid);
	EXPECT_EQ(getuid(), si.si_uid);
	/* Once: a second message sends nothing. */
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	mq_close(q);
	mq_unlink(n);
}

TEST(notify_only_when_empty_and_no_receiver_waits)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR2 };
	char n[128], buf[64];
	siginfo_t si;
	mqd_t q;

	block_signal(SIGUSR2);
	q = mq_make(qname(n, "nempty"), O_RDWR, 4, 64);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, mq_send(q, "a", 1, 0));
	ASSERT_EQ(0, mq_notify(q, &sev));
	/* Not empty: no notification, the registration stays. */
	ASSERT_EQ(0, mq_send(q, "b", 1, 0));
	EXPECT_FALSE(signal_pending_now(SIGUSR2));
	EXPECT_ERR(mq_notify(q, &sev), EBUSY);
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	/* Empty again: the next message notifies, synchronously. */
	ASSERT_EQ(0, mq_send(q, "c", 1, 0));
	EXPECT_TRUE(signal_pending_now(SIGUSR2));
	ASSERT_EQ(SIGUSR2, wait_signal(SIGUSR2, &si));
	EXPECT_EQ(getpid(), si.si_pid);
	/* Removed: registering again works, mq_notify(NULL) removes it. */
	EXPECT_EQ(0, mq_notify(q, &sev));
	EXPECT_EQ(0, mq_notify(q, NULL));
	EXPECT_EQ(0, mq_notify(q, NULL));
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mq_send(q, "d", 1, 0));
	EXPECT_FALSE(signal_pending_now(SIGUSR2));
	mq_close(q);
	mq_unlink(n);
}

/* The thread's state letter in /proc, 0 if unknown. */
static char thread_state(pid_t tid)
{
	char path[64], line[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (!p)
		return 0;
	p = strrchr(line, ')');
	return p && p[1] ? p[2] : 0;
}

struct blocked_rx {
	mqd_t q;
	volatile pid_t tid;
	ssize_t got;
};

static void *receive_one(void *arg)
{
	struct blocked_rx *b = arg;
	char buf[64];

	b->tid = (pid_t)syscall(SYS_gettid);
	b->got = mq_receive(b->q, buf, sizeof(buf), NULL);
	return NULL;
}

TEST(notify_not_sent_when_a_receiver_waits)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR2 };
	struct blocked_rx b = { 0 };
	char n[128];
	pthread_t th;
	int i;

	block_signal(SIGUSR2);
	b.q = mq_make(qname(n, "nrecv"), O_RDWR, 4, 64);
	ASSERT_LE(0, b.q);
	ASSERT_EQ(0, mq_notify(b.q, &sev));
	ASSERT_EQ(0, pthread_create(&th, NULL, receive_one, &b));
	/* Until the receiver sleeps (in the call: nothing else sleeps). */
	for (i = 0; i < WAIT_MS / 10; i++) {
		if (b.tid && thread_state(b.tid) == 'S')
			break;
		sleep_ms(10);
	}
	ASSERT_EQ('S', thread_state(b.tid));
	ASSERT_EQ(0, mq_send(b.q, "a", 1, 0));
	pthread_join(th, NULL);
	EXPECT_EQ(1, b.got);
	EXPECT_FALSE(signal_pending_now(SIGUSR2));
	/* Still registered. */
	EXPECT_ERR(mq_notify(b.q, &sev), EBUSY);
	mq_close(b.q);
	mq_unlink(n);
}

static sem_t thread_sem;
static volatile int thread_value;

static void on_notify(union sigval v)
{
	thread_value = v.sival_int;
	sem_post(&thread_sem);
}

TEST(notify_thread_and_none)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD,
				.sigev_notify_function = on_notify };
	struct timespec ts;
	char n[128], buf[64];
	int i;
	mqd_t q;

	ASSERT_EQ(0, sem_init(&thread_sem, 0, 0));
	q = mq_make(qname(n, "nthr"), O_RDWR, 4, 64);
	ASSERT_LE(0, q);
	for (i = 0; i < 3; i++) {
		sev.sigev_value.sival_int = 100 + i;
		ASSERT_EQ(0, mq_notify(q, &sev));
		EXPECT_ERR(mq_notify(q, &sev), EBUSY);
		ASSERT_EQ(0, mq_send(q, "a", 1, 0));
		ts = rt_after(WAIT_MS);
		ASSERT_EQ(0, sem_timedwait(&thread_sem, &ts));
		EXPECT_EQ(100 + i, thread_value);
		EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));
	}
	/* Removed before anything comes: the function is not run. */
	ASSERT_EQ(0, mq_notify(q, &sev));
	ASSERT_EQ(0, mq_notify(q, NULL));
	ASSERT_EQ(0, mq_send(q, "a", 1, 0));
	EXPECT_EQ(1, mq_receive(q, buf, sizeof(buf), NULL));

	/* SIGEV_NONE registers and is used up by a message, silently. */
	sev.sigev_notify = SIGEV_NONE;
	ASSERT_EQ(0, mq_notify(q, &sev));
	EXPECT_ERR(mq_notify(q, &sev), EBUSY);
	ASSERT_EQ(0, mq_send(q, "a", 1, 0));
	EXPECT_EQ(0, mq_notify(q, &sev));
	sev.sigev_notify = 12345;
	EXPECT_ERR(mq_notify(q, &sev), EINVAL);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 1000;
	EXPECT_ERR(mq_notify(q, &sev), EINVAL);
	EXPECT_ERR(mq_notify(-1, NULL), EBADF);
	mq_close(q);
	EXPECT_EQ(0, sem_trywait(&thread_sem) == -1 ? 0 : 1);
	mq_unlink(n);
}

TEST(close_removes_the_registration)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	char n[128];
	int status;
	pid_t pid;
	mqd_t q, q2;

	q = mq_make(qname(n, "nclose"), O_RDWR, 4, 64);
	ASSERT_LE(0, q);
	q2 = mq_open(n, O_RDWR);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_notify(q, &sev));
	ASSERT_EQ(0, mq_close(q));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mq_notify(q2, &sev) != 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's registration died with it. */
	EXPECT_EQ(0, mq_notify(q2, &sev));
	mq_close(q2);
	mq_unlink(n);
}

#define PC_MSGS 500

TEST(two_producers_two_consumers_exactly_once)
{
	unsigned char *seen;
	char n[128];
	pid_t pids[4];
	int i, status;
	mqd_t q;

	seen = mmap(NULL, 2 * PC_MSGS, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, seen);
	q = mq_make(qname(n, "pc"), O_RDWR, 4, 64);
	ASSERT_LE(0, q);
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i])
			continue;
		if (i < 2) {
			mqd_t w = mq_open(n, O_WRONLY);
			int k, id;

			for (k = 0; k < PC_MSGS; k++) {
				id = i * PC_MSGS + k;
				if (mq_send(w, (char *)&id, sizeof(id), 1))
					_exit(1);
			}
			_exit(0);
		} else {
			mqd_t r = mq_open(n, O_RDONLY);
			char buf[64];
			int id;

			for (;;) {
				if (mq_receive(r, buf, sizeof(buf), NULL) !=
				    sizeof(id))
					_exit(1);
				memcpy(&id, buf, sizeof(id));
				if (id < 0)
					_exit(0);
				__atomic_add_fetch(&seen[id], 1,
						   __ATOMIC_SEQ_CST);
			}
		}
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, status);
	}
	/* Lower priority than the data: they come after all of it. */
	for (i = 0; i < 2; i++) {
		int stop = -1;

		ASSERT_EQ(0, mq_send(q, (char *)&stop, sizeof(stop), 0));
	}
	for (i = 2; i < 4; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, status);
	}
	for (i = 0; i < 2 * PC_MSGS; i++)
		ASSERT_EQ(1, seen[i]);
	mq_close(q);
	mq_unlink(n);
	munmap(seen, 2 * PC_MSGS);
}

TEST_HARNESS_MAIN
