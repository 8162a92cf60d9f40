// SPDX-License-Identifier: GPL-2.0
/*
 * read(2) and write(2) on queue files (IPCQ_FEATURE_QUEUE_RW): one
 * message per call, as a get and a put without flags; writev/readv gather and
 * scatter; what read(2) leaves queued (a message too big for its buffer,
 * an empty one) and what the ioctl then tells; end-of-file as 0; EPIPE
 * without SIGPIPE; roles; O_NONBLOCK and RWF_NOWAIT; waits woken by the
 * other side and by signals; faults that lose nothing; no file position;
 * shutdown; JoinableQueue counts; io_uring's READ and WRITE; the library's
 * puts and gets, which take this path; and processes mixing both paths
 * with nothing lost or doubled. Pipe ends, whose sends and receives they
 * are there (both ways, one way, the peer gone, a wait, the library).
 * Built again as queue_rw_ring_test, every queue case runs on ring
 * queues, whose messages the kernel reads from the slots.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "queue_fixture.h"
#include "uring_fixture.h"

/* A new file of the fixture's queue with @roles (kernel bits): fd or -errno. */
static int reopen(int fd, uint32_t roles)
{
	struct ipcq_reopen arg = { .flags = roles | IPCQ_OPEN_CLOEXEC };

	return xioctl(fd, IPCQ_IOC_QUEUE_REOPEN, &arg);
}

/* read(2), write(2) and friends as the ioctl helpers: a value or -errno. */
static ssize_t rd(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

static ssize_t wr(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

static ssize_t rd_nowait(int fd, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	ssize_t n = preadv2(fd, &iov, 1, -1, RWF_NOWAIT);

	return n < 0 ? -errno : n;
}

static ssize_t wr_nowait(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	ssize_t n = pwritev2(fd, &iov, 1, -1, RWF_NOWAIT);

	return n < 0 ? -errno : n;
}

static uint64_t messages(int fd)
{
	struct ipcq_queue_stat st;

	return raw_stat(fd, &st) ? ~0ULL : st.messages;
}

/* Replaces the fixture's file (both roles) by one with @roles only. */
static int keep_only(int *fd, uint32_t roles)
{
	int nfd = reopen(*fd, roles);

	if (nfd < 0)
		return nfd;
	close(*fd);
	*fd = nfd;
	return 0;
}

TEST(feature_is_offered)
{
	struct ipcdev_info info;

	EXPECT_EQ(1ULL << 17, IPCQ_FEATURE_QUEUE_RW);
	ASSERT_EQ(0, ipcdev_query(&info, sizeof(info)));
	EXPECT_TRUE(info.features & IPCQ_FEATURE_QUEUE_RW);
}

TEST_F(q, write_puts_one_message_of_priority_zero)
{
	uint32_t prio = 7;
	uint64_t len;
	char buf[16];

	EXPECT_EQ(5, wr(self->fd, "hello", 5));
	EXPECT_EQ(3, wr(self->fd, "abc", 3));
	EXPECT_EQ(2, messages(self->fd));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, &prio, 0, 0));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, prio);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, &prio, 0, 0));
	EXPECT_EQ(3, len);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
}

TEST_F(q, read_takes_the_next_message_of_any_priority_and_type)
{
	struct ipcq_msg m;
	char buf[16];

	ASSERT_EQ(0, raw_put(self->fd, "low", 3, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "high", 4, 9, 0, 0));
	msg_init(&m, "typed", 5, 0, 0);
	m.priority = 5;
	m.type = 42;
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, rd(self->fd, buf, sizeof(buf)));
	EXPECT_STREQ("high", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, rd(self->fd, buf, sizeof(buf)));
	EXPECT_STREQ("typed", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(3, rd(self->fd, buf, sizeof(buf)));
	EXPECT_STREQ("low", buf);
	EXPECT_EQ(0, messages(self->fd));
}

TEST_F(q, writev_gathers_and_readv_scatters_one_message)
{
	char a[3], b[4], c[8];
	struct iovec out[] = {
		{ .iov_base = "one", .iov_len = 3 },
		{ .iov_base = "", .iov_len = 0 },
		{ .iov_base = "two!", .iov_len = 4 },
		{ .iov_base = "3", .iov_len = 1 },
	};
	struct iovec in[] = {
		{ .iov_base = a, .iov_len = sizeof(a) },
		{ .iov_base = b, .iov_len = sizeof(b) },
		{ .iov_base = c, .iov_len = sizeof(c) },
	};
	uint64_t len;
	char buf[16];

	EXPECT_EQ(8, writev(self->fd, out, 4));
	EXPECT_EQ(1, messages(self->fd));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, IPCQ_MSG_PEEK, 0));
	EXPECT_EQ(8, len);
	EXPECT_EQ(0, memcmp(buf, "onetwo!3", 8));

	memset(c, 0, sizeof(c));
	EXPECT_EQ(8, readv(self->fd, in, 3));
	EXPECT_EQ(0, memcmp(a, "one", 3));
	EXPECT_EQ(0, memcmp(b, "two!", 4));
	EXPECT_EQ('3', c[0]);
	EXPECT_EQ(0, c[1]);
	EXPECT_EQ(0, messages(self->fd));
}

/*
 * 0 from read(2) of a buffer means end-of-file only: an empty message
 * stays queued. Calls of 0 bytes do nothing, as POSIX has it.
 */
TEST_F(q, empty_message_is_enomsg_to_read_and_stays_for_the_ioctl)
{
	struct iovec none = { .iov_base = NULL, .iov_len = 0 };
	uint64_t len;
	char buf[8];

	EXPECT_EQ(0, wr(self->fd, buf, 0));
	EXPECT_EQ(0, writev(self->fd, &none, 1));
	EXPECT_EQ(0, wr_nowait(self->fd, buf, 0));
	EXPECT_EQ(0, messages(self->fd));
	EXPECT_EQ(0, rd(self->fd, buf, 0));	/* empty: no wait either */
	ASSERT_EQ(0, raw_put(self->fd, "", 0, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "", 0, 0, 0, 0));
	EXPECT_EQ(0, rd(self->fd, buf, 0));
	EXPECT_EQ(0, readv(self->fd, &none, 1));
	EXPECT_EQ(2, messages(self->fd));
	EXPECT_EQ(-ENOMSG, rd(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(-ENOMSG, rd_nowait(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(2, messages(self->fd));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(0, len);
	EXPECT_EQ(-ENOMSG, rd(self->fd, buf, sizeof(buf)));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(0, len);
	EXPECT_EQ(-EAGAIN, rd_nowait(self->fd, buf, sizeof(buf)));
}

TEST_F(q, short_buffer_is_emsgsize_and_keeps_the_message)
{
	char buf[16];
	uint64_t len;

	EXPECT_EQ(10, wr(self->fd, "0123456789", 10));
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(-EMSGSIZE, rd(self->fd, buf, 9));
	EXPECT_EQ('x', buf[0]);		/* nothing written */
	EXPECT_EQ(1, messages(self->fd));
	/* The ioctl tells its length. */
	len = 4;
	EXPECT_EQ(-EMSGSIZE, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(10, len);
	EXPECT_EQ(10, rd(self->fd, buf, 10));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

TEST_F(q, end_of_file_reads_zero_after_the_last_message)
{
	int prod = reopen(self->fd, IPCQ_OPEN_PRODUCER);
	char buf[8];

	ASSERT_LE(0, prod);
	ASSERT_EQ(0, keep_only(&self->fd, IPCQ_OPEN_CONSUMER));
	EXPECT_EQ(4, wr(prod, "last", 4));
	close(prod);
	EXPECT_EQ(4, rd(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "last", 4));
	EXPECT_EQ(0, rd(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, rd_nowait(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, rd(self->fd, buf, sizeof(buf)));
}

TEST_F(q, write_without_consumers_is_epipe_without_sigpipe)
{
	sigset_t block, pending;

	ASSERT_EQ(0, keep_only(&self->fd, IPCQ_OPEN_PRODUCER));
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &block, NULL));
	EXPECT_EQ(-EPIPE, wr(self->fd, "x", 1));
	EXPECT_EQ(-EPIPE, wr_nowait(self->fd, "x", 1));
	ASSERT_EQ(0, sigpending(&pending));
	EXPECT_FALSE(sigismember(&pending, SIGPIPE));
	ASSERT_EQ(0, sigprocmask(SIG_UNBLOCK, &block, NULL));
	EXPECT_EQ(0, messages(self->fd));
}

TEST_F(q, roles_decide_who_reads_and_writes)
{
	int prod = reopen(self->fd, IPCQ_OPEN_PRODUCER);
	int cons = reopen(self->fd, IPCQ_OPEN_CONSUMER);
	int obs = reopen(self->fd, 0);
	char buf[8];

	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	ASSERT_LE(0, obs);
	EXPECT_EQ(-EBADF, rd(prod, buf, sizeof(buf)));
	EXPECT_EQ(-EBADF, wr(cons, "x", 1));
	EXPECT_EQ(-EBADF, rd(obs, buf, sizeof(buf)));
	EXPECT_EQ(-EBADF, wr(obs, "x", 1));
	EXPECT_EQ(0, messages(self->fd));
	EXPECT_EQ(1, wr(prod, "p", 1));
	EXPECT_EQ(1, rd(cons, buf, sizeof(buf)));
	EXPECT_EQ('p', buf[0]);
	close(prod);
	close(cons);
	close(obs);
}

TEST_F(q, o_nonblock_and_rwf_nowait_are_eagain)
{
	char buf[8];
	int i, fl;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, wr(self->fd, "abcd" + i, 1));
	EXPECT_EQ(-EAGAIN, wr_nowait(self->fd, "e", 1));
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, wr(self->fd, "e", 1));
	EXPECT_EQ(4, messages(self->fd));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, rd(self->fd, buf, sizeof(buf)));
		EXPECT_EQ("abcd"[i], buf[0]);
	}
	EXPECT_EQ(-EAGAIN, rd(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl));
	EXPECT_EQ(-EAGAIN, rd_nowait(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(1, wr_nowait(self->fd, "f", 1));
	EXPECT_EQ(1, rd_nowait(self->fd, buf, sizeof(buf)));
	EXPECT_EQ('f', buf[0]);
}

TEST_F(q, read_waits_for_a_put_and_write_for_room)
{
	struct ipcq_queue_stat st;
	uint64_t len;
	char buf[8];
	pid_t pid;
	int i;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(rd(self->fd, buf, sizeof(buf)) == 3 &&
		      !memcmp(buf, "hey", 3) ? 0 : 1);
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.getters == 1,
			     WAIT_MS));
	ASSERT_EQ(0, raw_put(self->fd, "hey", 3, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));

	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, wr(self->fd, "abcd" + i, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(wr(self->fd, "e", 1) == 1 ? 0 : 1);
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.putters == 1,
			     WAIT_MS));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(0, child_status(pid));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, rd(self->fd, buf, sizeof(buf)));
		EXPECT_EQ("bcde"[i], buf[0]);
	}
}

/* The handler's mark: one byte down a pipe, which the signalling child reads. */
static int handled[2];

static void on_signal(int sig)
{
	int saved = errno;

	if (write(handled[1], "h", 1) != 1)
		abort();
	errno = saved;
}

/*
 * Signals while a read waits: EINTR without SA_RESTART; with it the read
 * goes on (three times, each signal sent once the read waits and
 * handled before the next) and takes the message put afterwards.
 */
TEST_F(q, signals_interrupt_or_restart_a_waiting_read)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct ipcq_queue_stat st;
	pid_t parent = getpid(), pid;
	char buf[8];
	int round;

	ASSERT_EQ(0, pipe(handled));
	for (round = 0; round < 2; round++) {
		sa.sa_flags = round ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			char c;
			int i;

			for (i = 0; i < (round ? 3 : 1); i++) {
				if (!wait_for(raw_stat(self->fd, &st) == 0 &&
					      st.getters == 1, WAIT_MS))
					_exit(1);
				kill(parent, SIGUSR1);
				if (read(handled[0], &c, 1) != 1)
					_exit(2);
			}
			if (!round)
				_exit(0);
			/* The restarted read waits again before the put. */
			if (!wait_for(raw_stat(self->fd, &st) == 0 &&
				      st.getters == 1, WAIT_MS))
				_exit(3);
			_exit(raw_put(self->fd, "sig", 3, 0, 0, 0) ? 4 : 0);
		}
		if (!round) {
			EXPECT_EQ(-EINTR, rd(self->fd, buf, sizeof(buf)));
		} else {
			EXPECT_EQ(3, rd(self->fd, buf, sizeof(buf)));
			EXPECT_EQ(0, memcmp(buf, "sig", 3));
		}
		EXPECT_EQ(0, child_status(pid));
	}
	signal(SIGUSR1, SIG_DFL);
	close(handled[0]);
	close(handled[1]);
}

TEST(oversized_write_is_emsgsize_and_queues_nothing)
{
	int dev = dev_open(), fd;
	char buf[32] = { 0 };

	ASSERT_LE(0, dev);
	fd = raw_queue_open(dev, NULL, BOTH | IPCQ_OPEN_CLOEXEC, 0, 4, 16);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EMSGSIZE, wr(fd, buf, 17));
	EXPECT_EQ(0, messages(fd));
	EXPECT_EQ(16, wr(fd, buf, 16));
	EXPECT_EQ(1, messages(fd));
	close(fd);
	close(dev);
}

TEST_F(q, faults_lose_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	char *bad, buf[8];
	struct iovec iov[2];
	uint64_t len;

	bad = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	EXPECT_EQ(-EFAULT, wr(self->fd, bad, 4));
	EXPECT_EQ(0, messages(self->fd));

	EXPECT_EQ(6, wr(self->fd, "intact", 6));
	EXPECT_EQ(-EFAULT, rd(self->fd, bad, 8));
	/* A fault after some bytes went out: still queued, whole. */
	iov[0].iov_base = buf;
	iov[0].iov_len = 2;
	iov[1].iov_base = bad;
	iov[1].iov_len = 6;
	EXPECT_EQ(-1, readv(self->fd, iov, 2));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, messages(self->fd));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(6, len);
	EXPECT_EQ(0, memcmp(buf, "intact", 6));
	munmap(bad, page);
}

TEST_F(q, there_is_no_file_position)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	char buf[8];

	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, pwrite(self->fd, "x", 1, 0));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, pwritev2(self->fd, &iov, 1, 0, 0));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(0, messages(self->fd));
	ASSERT_EQ(0, raw_put(self->fd, "y", 1, 0, 0, 0));
	EXPECT_EQ(-1, pread(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(1, messages(self->fd));
}

TEST_F(q, shutdown_ends_writes_then_reads)
{
	struct ipcq_shutdown sd = { 0 };
	char buf[8];

	EXPECT_EQ(2, wr(self->fd, "ok", 2));
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	EXPECT_EQ(-ESHUTDOWN, wr(self->fd, "no", 2));
	EXPECT_EQ(2, rd(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(-ESHUTDOWN, rd(self->fd, buf, sizeof(buf)));
}

TEST_F(q, writes_count_as_unfinished_tasks)
{
	struct ipcq_task_done td = { .count = 1 };
	struct ipcq_queue_stat st;
	char buf[8];

	EXPECT_EQ(1, wr(self->fd, "a", 1));
	EXPECT_EQ(1, wr(self->fd, "b", 1));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(2, st.unfinished);
	EXPECT_EQ(1, rd(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.unfinished);
}

/* io_uring's READ and WRITE: the same messages, waiting through poll. */
TEST_F(q, uring_read_and_write_move_messages)
{
	struct io_uring ring;
	char in[16], small[2];
	int i, ret;

	/* Plain READ and WRITE: every kernel, unless io_uring is off. */
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret == -EPERM || ret == -ENOSYS)
		SKIP(return, "io_uring is disabled here");
	ASSERT_EQ(0, ret);

	io_uring_prep_write(sqe_of(&ring), self->fd, "uring", 5, 0);
	ASSERT_TRUE(submitted(&ring, 1));
	EXPECT_EQ(5, next_cqe(&ring, NULL, WAIT_MS));
	EXPECT_EQ(1, messages(self->fd));
	io_uring_prep_read(sqe_of(&ring), self->fd, small, sizeof(small), 0);
	ASSERT_TRUE(submitted(&ring, 1));
	EXPECT_EQ(-EMSGSIZE, next_cqe(&ring, NULL, WAIT_MS));
	io_uring_prep_read(sqe_of(&ring), self->fd, in, sizeof(in), 0);
	ASSERT_TRUE(submitted(&ring, 1));
	EXPECT_EQ(5, next_cqe(&ring, NULL, WAIT_MS));
	EXPECT_EQ(0, memcmp(in, "uring", 5));

	/* A read of an empty queue waits for the next put. */
	io_uring_prep_read(sqe_of(&ring), self->fd, in, sizeof(in), 0);
	ASSERT_TRUE(submitted(&ring, 1));
	EXPECT_TRUE(none_completes(&ring, 100));
	ASSERT_EQ(0, raw_put(self->fd, "late", 4, 0, 0, 0));
	EXPECT_EQ(4, next_cqe(&ring, NULL, WAIT_MS));
	EXPECT_EQ(0, memcmp(in, "late", 4));

	/* A write to a full queue waits for room. */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, wr(self->fd, "abcd" + i, 1));
	io_uring_prep_write(sqe_of(&ring), self->fd, "e", 1, 0);
	ASSERT_TRUE(submitted(&ring, 1));
	EXPECT_TRUE(none_completes(&ring, 100));
	EXPECT_EQ(1, rd(self->fd, in, sizeof(in)));
	EXPECT_EQ('a', in[0]);
	EXPECT_EQ(1, next_cqe(&ring, NULL, WAIT_MS));
	EXPECT_EQ(4, messages(self->fd));

	/* End-of-file, once the last producer is gone: 0. */
	ASSERT_EQ(0, keep_only(&self->fd, IPCQ_OPEN_CONSUMER));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, rd(self->fd, in, sizeof(in)));
		EXPECT_EQ("bcde"[i], in[0]);
	}
	io_uring_prep_read(sqe_of(&ring), self->fd, in, sizeof(in), 0);
	ASSERT_TRUE(submitted(&ring, 1));
	EXPECT_EQ(0, next_cqe(&ring, NULL, WAIT_MS));
	io_uring_queue_exit(&ring);
}

/*
 * A WRITE held back by the byte limit, not the count: poll says there is
 * room by count, the write still cannot go; it completes once a read
 * frees the bytes, and only then, nothing lost or doubled.
 */
TEST_F(q, uring_write_waits_for_the_byte_limit)
{
	int named = raw_queue_open(self->dev, self->name,
				   IPCQ_OPEN_CREATE | BOTH | IPCQ_OPEN_CLOEXEC,
				   0600, 8, 64);
	struct ipcq_queue_stat st;
	struct io_uring ring;
	char buf[128] = { 0 };
	int ret;

	ASSERT_LE(0, named);
	if (TEST_QUEUE_FLAGS & IPCQ_OPEN_RING) {
		EXPECT_EQ(-EOPNOTSUPP, raw_set_queue_limits(self->dev,
							    self->name, 8,
							    64, 100));
		close(named);
		SKIP(return, "a ring queue's limits are fixed (IPCQ_IOC_SET)");
	}
	ASSERT_EQ(0, raw_set_queue_limits(self->dev, self->name, 8, 128, 100));
	/* Larger than the whole byte limit: ENOBUFS at once, as a put. */
	EXPECT_EQ(-ENOBUFS, wr(named, buf, 101));
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret == -EPERM || ret == -ENOSYS)
		SKIP(return, "io_uring is disabled here");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(60, wr(named, buf, 60));
	ASSERT_EQ(30, wr(named, buf, 30));
	EXPECT_EQ(-EAGAIN, wr_nowait(named, buf, 11));
	io_uring_prep_write(sqe_of(&ring), named, buf, 11, 0);
	ASSERT_TRUE(submitted(&ring, 1));
	EXPECT_TRUE(none_completes(&ring, 200));
	ASSERT_EQ(0, raw_stat(named, &st));
	EXPECT_EQ(2, st.messages);
	EXPECT_EQ(90, st.bytes);
	EXPECT_EQ(60, rd(named, buf, sizeof(buf)));
	EXPECT_EQ(11, next_cqe(&ring, NULL, WAIT_MS));
	ASSERT_EQ(0, raw_stat(named, &st));
	EXPECT_EQ(2, st.messages);
	EXPECT_EQ(41, st.bytes);
	io_uring_queue_exit(&ring);
	close(named);
}

/*
 * The library puts and gets through write(2) and read(2) where it can;
 * what read(2) leaves queued it answers through the ioctl, as ever.
 */
TEST(library_calls_keep_their_answers)
{
	ipcdev_queue *q;
	char buf[16];
	size_t len;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 4));
	ASSERT_EQ(0, ipcdev_queue_put(q, "0123456789", 10, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_queue_put_nowait(q, "", 0));
	len = 4;
	EXPECT_EQ(-EMSGSIZE, ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(10, len);
	len = 4;
	EXPECT_EQ(-EMSGSIZE, ipcdev_queue_get_nowait(q, buf, &len));
	EXPECT_EQ(10, len);
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get_nowait(q, buf, &len));
	EXPECT_EQ(0, len);
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, ipcdev_queue_get_nowait(q, buf, &len));
	ASSERT_EQ(0, ipcdev_queue_put(q, "", 0, IPCDEV_FOREVER));
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(0, len);
	ASSERT_EQ(0, ipcdev_queue_close(q));
}

/*
 * Two writers (one by write(2), one by the ioctl) and two readers (the
 * same) on one queue: every message arrives once, in each writer's order.
 */
#define MIX_N 3000

static int mix_reader(int fd, bool by_read, int out)
{
	uint32_t v;
	uint64_t len;
	ssize_t n;

	for (;;) {
		if (by_read) {
			n = rd(fd, &v, sizeof(v));
			if (n == 0)
				return 0;
			if (n != sizeof(v))
				return 1;
		} else {
			len = sizeof(v);
			n = raw_get(fd, &v, &len, NULL, 0, IPCQ_DEADLINE_FOREVER);
			if (n == IPCQ_GET_EOF)
				return 0;
			if (n || len != sizeof(v))
				return 1;
		}
		if (write(out, &v, sizeof(v)) != sizeof(v))
			return 2;
	}
}

TEST_F(q, processes_mixing_both_paths_lose_and_double_nothing)
{
	int cons = reopen(self->fd, IPCQ_OPEN_CONSUMER);
	int prod = reopen(self->fd, IPCQ_OPEN_PRODUCER);
	static uint8_t seen[2][MIX_N];
	uint32_t last[2] = { 0, 0 }, v;
	int fds[2][2], w, r;
	pid_t pids[4];

	ASSERT_LE(0, cons);
	ASSERT_LE(0, prod);
	close(self->fd);
	self->fd = -1;
	for (w = 0; w < 2; w++) {
		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (pids[w] == 0) {
			uint32_t i;

			close(cons);
			for (i = 1; i <= MIX_N; i++) {
				v = (uint32_t)w << 31 | i;
				if (w ? wr(prod, &v, sizeof(v)) != sizeof(v) :
				    raw_put(prod, &v, sizeof(v), 0, 0,
					    IPCQ_DEADLINE_FOREVER))
					_exit(1);
			}
			_exit(0);
		}
	}
	close(prod);
	for (r = 0; r < 2; r++) {
		ASSERT_EQ(0, pipe(fds[r]));
		pids[2 + r] = fork();
		ASSERT_LE(0, pids[2 + r]);
		if (pids[2 + r] == 0) {
			close(fds[r][0]);
			_exit(mix_reader(cons, r, fds[r][1]));
		}
		close(fds[r][1]);
	}
	close(cons);
	for (r = 0; r < 2; r++) {
		uint32_t prev[2] = { 0, 0 };

		while (read(fds[r][0], &v, sizeof(v)) == sizeof(v)) {
			w = v >> 31;
			v &= ~(1U << 31);
			ASSERT_LE(1, v);
			ASSERT_GE(MIX_N, v);
			/* Each reader sees each writer's messages in order. */
			EXPECT_LT(prev[w], v);
			prev[w] = v;
			EXPECT_EQ(0, seen[w][v - 1]);
			seen[w][v - 1] = 1;
			last[w]++;
		}
		close(fds[r][0]);
	}
	for (r = 0; r < 4; r++)
		EXPECT_EQ(0, child_status(pids[r]));
	EXPECT_EQ(MIX_N, last[0]);
	EXPECT_EQ(MIX_N, last[1]);
}

/* A pipe (IPCQ_IOC_PIPE_CREATE) of @flags and capacity 2: 0 or -errno. */
static int pipe_new(uint32_t flags, int fds[2])
{
	struct ipcq_pipe_create arg = {
		.flags = flags | IPCQ_PIPE_CLOEXEC,
		.capacity = 2,
	};
	int dev = dev_open(), ret;

	if (dev < 0)
		return -errno;
	ret = xioctl(dev, IPCQ_IOC_PIPE_CREATE, &arg);
	close(dev);
	fds[0] = (int)arg.fds[0];
	fds[1] = (int)arg.fds[1];
	return ret;
}

/*
 * Pipe ends read and write too: a send and a receive each, both ways on a
 * duplex pipe, one way (EBADF the other) on a one-way pipe; what read
 * leaves queued; EAGAIN; end-of-file and EPIPE once the peer is gone.
 */
TEST(pipe_ends_read_and_write_messages)
{
	struct ipcq_msg m;
	int d[2], o[2], fl;
	char buf[16];

	ASSERT_EQ(0, pipe_new(IPCQ_PIPE_DUPLEX, d));
	EXPECT_EQ(5, wr(d[0], "there", 5));
	EXPECT_EQ(4, wr(d[1], "back", 4));
	EXPECT_EQ(5, rd(d[1], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "there", 5));
	EXPECT_EQ(4, rd(d[0], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "back", 4));
	/* A send through the ioctl is a message read takes, and back. */
	msg_init(&m, "ioctl", 5, 0, 0);
	ASSERT_EQ(0, xioctl(d[0], IPCQ_IOC_PIPE_SEND, &m));
	EXPECT_EQ(-EMSGSIZE, rd(d[1], buf, 2));
	EXPECT_EQ(5, rd(d[1], buf, sizeof(buf)));
	msg_init(&m, "", 0, 0, 0);
	ASSERT_EQ(0, xioctl(d[0], IPCQ_IOC_PIPE_SEND, &m));
	EXPECT_EQ(-ENOMSG, rd(d[1], buf, sizeof(buf)));
	msg_init(&m, buf, sizeof(buf), 0, 0);
	ASSERT_EQ(0, xioctl(d[1], IPCQ_IOC_PIPE_RECV, &m));
	EXPECT_EQ(0, m.len);
	/* Full (capacity 2) and empty: EAGAIN, as O_NONBLOCK or RWF_NOWAIT. */
	EXPECT_EQ(1, wr(d[0], "1", 1));
	EXPECT_EQ(1, wr(d[0], "2", 1));
	EXPECT_EQ(-EAGAIN, wr_nowait(d[0], "3", 1));
	fl = fcntl(d[0], F_GETFL);
	ASSERT_EQ(0, fcntl(d[0], F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, wr(d[0], "3", 1));
	EXPECT_EQ(-EAGAIN, rd(d[0], buf, sizeof(buf)));
	EXPECT_EQ(-EAGAIN, rd_nowait(d[0], buf, sizeof(buf)));
	/* The peer gone: its messages, then end-of-file; sends EPIPE. */
	close(d[0]);
	EXPECT_EQ(1, rd(d[1], buf, sizeof(buf)));
	EXPECT_EQ(1, rd(d[1], buf, sizeof(buf)));
	EXPECT_EQ(0, rd(d[1], buf, sizeof(buf)));
	EXPECT_EQ(-EPIPE, wr(d[1], "x", 1));
	close(d[1]);

	ASSERT_EQ(0, pipe_new(0, o));
	EXPECT_EQ(-EBADF, wr(o[0], "x", 1));
	EXPECT_EQ(-EBADF, rd(o[1], buf, sizeof(buf)));
	EXPECT_EQ(3, wr(o[1], "one", 3));
	EXPECT_EQ(3, rd(o[0], buf, sizeof(buf)));
	EXPECT_EQ(0, wr(o[1], buf, 0));
	EXPECT_EQ(-EAGAIN, rd_nowait(o[0], buf, sizeof(buf)));
	close(o[0]);
	close(o[1]);
}

/* A read of a pipe end waits for the peer's send, in another process. */
TEST(pipe_end_read_waits_for_the_peer)
{
	struct ipcq_pipe_stat st;
	char buf[8];
	int o[2];
	pid_t pid;

	ASSERT_EQ(0, pipe_new(0, o));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(rd(o[0], buf, sizeof(buf)) == 2 && !memcmp(buf, "hi", 2) ?
		      0 : 1);
	ASSERT_TRUE(wait_for(xioctl(o[0], IPCQ_IOC_PIPE_STAT, &st) == 0 &&
			     st.receivers == 1, WAIT_MS));
	EXPECT_EQ(2, wr(o[1], "hi", 2));
	EXPECT_EQ(0, child_status(pid));
	close(o[0]);
	close(o[1]);
}

/* The library's send and receive, which take read and write. */
TEST(library_pipe_calls_keep_their_answers)
{
	ipcdev_pipe *a, *b;
	char buf[16];
	size_t len;

	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, 0));
	ASSERT_EQ(0, ipcdev_pipe_send(a, "0123456789", 10, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_pipe_send(a, "", 0, IPCDEV_NOWAIT));
	len = 4;
	EXPECT_EQ(-EMSGSIZE, ipcdev_pipe_recv(b, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(10, len);
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_pipe_recv(b, buf, &len, IPCDEV_NOWAIT));
	EXPECT_EQ(10, len);
	len = sizeof(buf);
	EXPECT_EQ(0, ipcdev_pipe_recv(b, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(0, len);
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, ipcdev_pipe_recv(b, buf, &len, IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_pipe_close(a));
	len = sizeof(buf);
	EXPECT_EQ(IPCDEV_EOF, ipcdev_pipe_recv(b, buf, &len, IPCDEV_FOREVER));
	EXPECT_EQ(-EPIPE, ipcdev_pipe_send(b, "x", 1, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_pipe_close(b));
}

TEST_HARNESS_MAIN
