/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the ipcq selftests. Include after kselftest_harness.h. */
#ifndef IPCQ_TEST_H
#define IPCQ_TEST_H

#include <errno.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ipcq.h>
#include "ipcdev.h"

/* A queue file that is both producer and consumer. */
#define BOTH (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER)

#define POISON_BYTE 0xa5
#define POISON_U64 0xa5a5a5a5a5a5a5a5ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

/*
 * How long a test waits for what another process, thread, io_uring's
 * SQPOLL thread, a workqueue or a timer brings about. wait_for() returns
 * as soon as the state holds, so this costs nothing when all is well; it
 * is long because on a 2-vCPU TCG guest whose host is busy a runnable
 * task can wait seconds for a CPU, and shorter than the harness's 30 s
 * per test so that a wait that fails says so itself. Tests never assert
 * how fast anything happens, only that it does.
 */
#define WAIT_MS 20000
#define WAIT_NS ((uint64_t)WAIT_MS * NSEC_PER_MSEC)

/*
 * The harness's per-test timeouts (30 s, or a test's own) catch hangs,
 * not slowness. A debug kernel (make check-debug: KASAN, lockdep,
 * kmemleak) makes every system call several times slower, so there they
 * are multiplied by 4 (lockdep's /proc/lockdep tells such a kernel), or
 * by IPCQ_TEST_TIMEOUT_SCALE (1 to 100) when set. Nothing is asserted
 * about time either way.
 */
/* A debug kernel: lockdep's /proc/lockdep is the sign. */
static inline int ipcq_debug_kernel(void)
{
	return access("/proc/lockdep", F_OK) == 0;
}

static inline unsigned int ipcq_timeout_scale(void)
{
	const char *env = getenv("IPCQ_TEST_TIMEOUT_SCALE");
	int scale = env ? atoi(env) : 0;

	if (scale >= 1 && scale <= 100)
		return scale;
	return ipcq_debug_kernel() ? 4 : 1;
}

static inline void ipcq_scale_timeouts(void)
{
	unsigned int scale = ipcq_timeout_scale();
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= scale;
}

/* The harness's main, with the timeouts scaled first. */
#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) \
	{ \
		ipcq_scale_timeouts(); \
		return test_harness_run(argc, argv); \
	}

/* ioctl(2) as the tests want it: its value, or -errno. */
static inline int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int dev_open(void)
{
	return open("/dev/ipcq", O_RDWR | O_CLOEXEC);
}

/*
 * Built as *_ring_test, a queue suite runs every case again on ring
 * queues: the same promises hold whichever path a message takes.
 */
#ifdef IPCQ_TEST_RING
#define TEST_QUEUE_FLAGS	IPCQ_OPEN_RING
#define TEST_QUEUE_STATE	IPCQ_STATE_RING
#else
#define TEST_QUEUE_FLAGS	0
#define TEST_QUEUE_STATE	0
#endif

/*
 * Built as *_shared_test, a sync suite runs every case again with its
 * semaphores shared (IPCQ_SYNC_SHARED) wherever that may be (not UNDO),
 * and its locks not shared: the library makes them shared by default, so
 * each pass runs one kind of each on the fast path and the other on the
 * ioctls alone.
 */
#ifdef IPCQ_TEST_SHARED
void ipcdev__locks_plain(bool plain);	/* libipcdev's, internal */

__attribute__((constructor)) static void test_locks_plain(void)
{
	ipcdev__locks_plain(true);
}

static inline unsigned int test_sem_flags(unsigned int flags)
{
	return flags & IPCDEV_SEM_UNDO ? flags : flags | IPCDEV_SEM_SHARED;
}
#define ipcdev_sem_create(s, value, flags) \
	ipcdev_sem_create(s, value, test_sem_flags(flags))
#define ipcdev_sem_open(s, name, flags, mode, value) \
	ipcdev_sem_open(s, name, (flags) & IPCDEV_CREATE ? \
			test_sem_flags(flags) : (flags), mode, value)
#endif

/* Raw IPCQ_IOC_QUEUE_OPEN; returns the fd or -errno. */
static inline int raw_queue_open(int dev, const char *name, uint32_t flags,
				 uint32_t mode, uint64_t capacity,
				 uint64_t max_msg_size)
{
	struct ipcq_queue_open arg;

	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = name ? strlen(name) : 0;
	arg.flags = flags | TEST_QUEUE_FLAGS;
	arg.mode = mode;
	arg.capacity = capacity;
	arg.max_msg_size = max_msg_size;
	return xioctl(dev, IPCQ_IOC_QUEUE_OPEN, &arg);
}

/* Raw anonymous IPCQ_IOC_SYNC_OPEN (mode 0600, CLOEXEC); fd or -errno. */
static inline int raw_sync_open(int dev, uint32_t type, uint32_t flags,
				uint64_t value)
{
	struct ipcq_sync_open arg;

	memset(&arg, 0, sizeof(arg));
	arg.type = type;
	arg.flags = flags | IPCQ_OPEN_CLOEXEC;
	arg.mode = 0600;
	arg.value = value;
	return xioctl(dev, IPCQ_IOC_SYNC_OPEN, &arg);
}

/* A sync object operation (struct ipcq_sync_op); its value or -errno. */
static inline int sop(int fd, unsigned long cmd, uint64_t count,
		      uint32_t flags, uint64_t deadline)
{
	struct ipcq_sync_op op;

	memset(&op, 0, sizeof(op));
	op.count = count;
	op.flags = flags;
	op.deadline = deadline;
	return xioctl(fd, cmd, &op);
}

/* Raw IPCQ_IOC_SHM_OPEN (CLOEXEC); the region's fd or -errno. */
static inline int raw_shm_open(int dev, const char *name, uint32_t flags,
			       uint32_t mode, uint64_t size)
{
	struct ipcq_shm_open arg = {
		.name = (uintptr_t)name, .name_len = name ? strlen(name) : 0,
		.flags = flags | IPCQ_OPEN_CLOEXEC, .mode = mode, .size = size,
	};

	return xioctl(dev, IPCQ_IOC_SHM_OPEN, &arg);
}

static inline int raw_shm_stat(int fd, struct ipcq_shm_stat *st)
{
	memset(st, POISON_BYTE, sizeof(*st));
	return xioctl(fd, IPCQ_IOC_SHM_STAT, st);
}

/*
 * IPCQ_IOC_SET of a named queue's limits (capacity 0: no count limit); a
 * NULL @name goes as no name.
 */
static inline int raw_set_queue_limits(int dev, const char *name,
				       uint64_t capacity, uint64_t max_msg_size,
				       uint64_t max_bytes)
{
	struct ipcq_set arg;

	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = name ? strlen(name) : 0;
	arg.type = IPCQ_TYPE_QUEUE;
	arg.flags = IPCQ_SET_LIMITS;
	arg.capacity = capacity;
	arg.max_msg_size = max_msg_size;
	arg.max_bytes = max_bytes;
	return xioctl(dev, IPCQ_IOC_SET, &arg);
}

static inline int raw_unlink(int dev, const char *name)
{
	struct ipcq_unlink arg;

	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = strlen(name);
	arg.type = IPCQ_TYPE_QUEUE;
	return xioctl(dev, IPCQ_IOC_UNLINK, &arg);
}

/* A put's or get's argument: @buf of @len bytes, the rest zero. */
static inline void msg_init(struct ipcq_msg *m, const void *buf, size_t len,
			    uint64_t deadline, uint32_t flags)
{
	memset(m, 0, sizeof(*m));
	m->buf = (uintptr_t)buf;
	m->len = len;
	m->deadline = deadline;
	m->flags = flags;
}

static inline int raw_put(int q, const void *buf, size_t len, uint32_t prio,
			  uint32_t flags, uint64_t deadline)
{
	struct ipcq_msg m;

	msg_init(&m, buf, len, deadline, flags);
	m.priority = prio;
	return xioctl(q, IPCQ_IOC_QUEUE_PUT, &m);
}

/* Raw get; *len in: buffer size, out: message size. */
static inline int raw_get(int q, void *buf, uint64_t *len, uint32_t *prio,
			  uint32_t flags, uint64_t deadline)
{
	struct ipcq_msg m;
	int ret;

	msg_init(&m, buf, *len, deadline, flags);
	m.priority = 0xdeadbeef;
	ret = xioctl(q, IPCQ_IOC_QUEUE_GET, &m);
	*len = m.len;
	if (prio)
		*prio = m.priority;
	return ret;
}

/* IPCQ_IOC_QUEUE_NOTIFY: 0 or -errno. */
static inline int raw_notify(int q, uint32_t flags, uint32_t signo,
			     uint64_t value, int efd)
{
	struct ipcq_queue_notify n = {
		.flags = flags, .signo = signo, .value = value, .eventfd = efd,
	};

	return xioctl(q, IPCQ_IOC_QUEUE_NOTIFY, &n);
}

static inline int raw_stat(int q, struct ipcq_queue_stat *st)
{
	memset(st, POISON_BYTE, sizeof(*st));
	return xioctl(q, IPCQ_IOC_QUEUE_STAT, st);
}

/*
 * Forks a child that runs @take(@arg) (a lock to acquire, say) and then
 * waits to be killed; returns its pid once @take has succeeded, or -1
 * (the child exited: @take failed).
 */
static inline pid_t fork_holder(int (*take)(void *arg), void *arg)
{
	int go[2];
	pid_t pid;
	char c;

	if (pipe(go))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (take(arg))
			_exit(1);
		write(go[1], "h", 1);
		for (;;)
			pause();
	}
	close(go[1]);
	if (pid > 0 && read(go[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(go[0]);
	return pid;
}

/* Polls @cond every millisecond for up to @ms; true once it holds. */
#define wait_for(cond, ms) ({						\
	int __left = (ms);						\
	while (!(cond) && __left-- > 0)					\
		sleep_ms(1);						\
	(cond);								\
})

/*
 * True when task @pid is asleep (state S): blocked in the call it was
 * about to make, such as a parent that forked a child to wake it. The
 * child waits for this instead of sleeping for a while and hoping.
 */
static inline bool task_sleeping(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	/* "pid (comm) S ...": comm may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/*
 * Ends the test as skipped (exit status 255, which the harness reads as a
 * skip even from a fixture's setup) on kernels that get no io_uring
 * commands: IPCQ_FEATURE_URING needs 6.12's cancelable uring_cmd API.
 */
#define SKIP_WITHOUT_URING() do {					\
	if (ipcdev_uring_probe() == -EOPNOTSUPP)			\
		SKIP(_exit(255), "no io_uring commands on this kernel "	\
		     "(IPCQ_FEATURE_URING needs 6.12)");		\
} while (0)

/* Exit status of a child, or -1 if it did not exit normally. */
static inline int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * @pid holds the Lock @l and lives: @l is not ours to take; @pid is
 * killed, and our acquire succeeds with EOWNERDEAD (so we hold @l, its
 * state to be made consistent). 0, or the number of the step that went
 * otherwise.
 */
static inline int lock_taken_over_from_killed_holder(ipcdev_lock *l,
						     pid_t pid)
{
	if (ipcdev_lock_acquire(l, IPCDEV_NOWAIT) != -EAGAIN)
		return 1;
	kill(pid, SIGKILL);
	if (child_status(pid) != 128 + SIGKILL)
		return 2;
	if (ipcdev_lock_acquire(l, WAIT_NS) != -EOWNERDEAD)
		return 3;
	return 0;
}

/*
 * @pid, the last holder of the end opposite @p, sent one byte and lives:
 * @p reads it and then nothing (no end-of-file yet); @pid is killed, and
 * @p reads end-of-file and its sends fail with EPIPE. 0, or the number of
 * the step that went otherwise.
 */
static inline int pipe_eof_follows_holders_death(ipcdev_pipe *p, pid_t pid)
{
	char buf[8];
	size_t len = sizeof(buf);

	if (ipcdev_pipe_recv(p, buf, &len, WAIT_NS) || len != 1)
		return 1;
	len = sizeof(buf);
	if (ipcdev_pipe_recv(p, buf, &len, IPCDEV_NOWAIT) != -EAGAIN)
		return 2;
	kill(pid, SIGKILL);
	if (child_status(pid) != 128 + SIGKILL)
		return 3;
	len = sizeof(buf);
	if (ipcdev_pipe_recv(p, buf, &len, WAIT_NS) != IPCDEV_EOF)
		return 4;
	if (ipcdev_pipe_send(p, "y", 1, IPCDEV_NOWAIT) != -EPIPE)
		return 5;
	return 0;
}

/* A page of memory shared with children. */
static inline void *shared_page(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Writes a module parameter; returns 0 or -errno. */
static inline int set_param(const char *name, unsigned long value)
{
	char path[128], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "/sys/module/ipcq/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lu", value);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static inline long get_param(const char *name)
{
	char path[128], buf[32] = { 0 };
	int fd;

	snprintf(path, sizeof(path), "/sys/module/ipcq/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf) - 1) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	return strtol(buf, NULL, 10);
}

/* SIGALRMs delivered since the last start_ticks(). */
static inline volatile sig_atomic_t *tick_count(void)
{
	static volatile sig_atomic_t n;

	return &n;
}

static inline void on_tick(int sig)
{
	(*tick_count())++;
}

/*
 * SIGALRM every @usec, counted by tick_count(). Without SA_RESTART in
 * @sa_flags blocking calls see EINTR. Returns 0 or -errno.
 */
static inline int start_ticks(long usec, int sa_flags)
{
	struct sigaction sa = { .sa_handler = on_tick, .sa_flags = sa_flags };
	struct itimerval it = { { 0, usec }, { 0, usec } };

	*tick_count() = 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		return -errno;
	return 0;
}

static inline void stop_ticks(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* /proc/self/fdinfo/@fd into @text (NUL-terminated): its length, or -errno. */
static inline int read_fdinfo(int fd, char *text, size_t size)
{
	char path[64];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	n = read(f, text, size - 1);
	close(f);
	if (n < 0)
		return -errno;
	text[n] = 0;
	return (int)n;
}

/* The value of fdinfo line "@key:\t..." of @fd, or -1. */
static inline long long fdinfo_value(int fd, const char *key)
{
	char text[4096], pat[64], *p;

	if (read_fdinfo(fd, text, sizeof(text)) < 0)
		return -1;
	snprintf(pat, sizeof(pat), "\n%s:\t", key);
	p = strstr(text, pat);
	return p ? strtoll(p + strlen(pat), NULL, 0) : -1;
}

/* Sends @fd over the UNIX socket @sock (one data byte); 0 or -errno. */
static inline int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -errno;
}

/* Receives a fd sent by send_fd(): the fd, -1 if nothing came, -2 if no
 * descriptor came with it.
 */
static inline int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], one;
	struct iovec iov = { .iov_base = &one, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -2;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/*
 * The status page of a shared mapping (a ring's, a shared semaphore's) at
 * @off of @fd: it maps read-only only, and never becomes writable.
 */
static inline void expect_status_read_only(struct __test_metadata *_metadata,
					   int fd, uint64_t off, size_t size)
{
	void *p;

	EXPECT_EQ(MAP_FAILED, mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, off));
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, size);
}

/*
 * Both regions of a shared mapping at @fd (status and data, each at its
 * offset and size) are data, never code: an executable mapping is EPERM,
 * and mprotect() cannot make one executable later (EACCES).
 */
static inline void expect_never_executable(struct __test_metadata *_metadata,
					   int fd, uint64_t status_off,
					   size_t status_size, uint64_t data_off,
					   size_t data_size)
{
	void *p;

	EXPECT_EQ(MAP_FAILED, mmap(NULL, status_size, PROT_READ | PROT_EXEC,
				   MAP_SHARED, fd, status_off));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, data_size, PROT_READ | PROT_EXEC,
				   MAP_SHARED, fd, data_off));
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, status_size, PROT_READ, MAP_SHARED, fd, status_off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, status_size, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	munmap(p, status_size);
	p = mmap(NULL, data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 data_off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, data_size, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	munmap(p, data_size);
}

/*
 * Makes every later call of system call @nr by this process fail with
 * @err (seccomp). 0, or -1 with errno.
 */
static inline int forbid_syscall(int nr, int err)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/*
 * Makes every later ioctl(2) of this process fail with EPERM, to prove
 * that a fast path needs none. 0, or -1 with errno.
 */
static inline int forbid_ioctl(void)
{
	return forbid_syscall(__NR_ioctl, EPERM);
}

/*
 * Runs @check(@dev, @name) in a child as user and group @uid, without
 * supplementary groups: its exit status (0 when it holds, 100 if it could
 * not switch). A limit per user then counts only what @check makes when
 * @uid is one no other test uses, whatever processes of earlier tests
 * still hold while they exit.
 */
static inline int as_uid(uid_t uid, int (*check)(int dev, const char *name),
			 int dev, const char *name)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(100);
		_exit(check(dev, name));
	}
	return pid < 0 ? -1 : child_status(pid);
}

/* As as_uid(), as nobody. */
static inline int as_nobody(int (*check)(int dev, const char *name), int dev,
			    const char *name)
{
	return as_uid(65534, check, dev, name);
}

/*
 * @path: the program @helper in this test binary's directory (programs
 * tests start by exec); 0 when it is there and executable.
 */
static inline int helper_path(char *path, size_t size, const char *helper)
{
	char self_path[512], *slash;
	ssize_t n = readlink("/proc/self/exe", self_path,
			     sizeof(self_path) - 1);

	if (n <= 0)
		return -1;
	self_path[n] = 0;
	slash = strrchr(self_path, '/');
	if (!slash)
		return -1;
	*slash = 0;
	snprintf(path, size, "%s/%s", self_path, helper);
	return access(path, X_OK);
}

#endif /* IPCQ_TEST_H */
