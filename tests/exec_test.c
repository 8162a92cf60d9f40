// SPDX-License-Identifier: GPL-2.0
/*
 * Handles through exec: a child exports a handle (ipcdev_export, between
 * fork and exec) and execs import_child, a separate program, which
 * imports it (ipcdev_import, then the kind's *_from_fd). The exec'd
 * program is a holder of its own: its death gives EOWNERDEAD for a Lock
 * or RLock it held (or a region's bound lock), the units of an UNDO
 * semaphore back, end-of-file to a queue's consumer when it was the last
 * producer and to a pipe's other end when it held the end last. Every
 * kind of object
 * makes the trip; bad strings and descriptors are refused.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "ipcq_test.h"

/*
 * Forks a child that exports @fd and execs import_child @kind STR
 * @action; *@notify reads the byte it writes once it holds. The pid, or
 * -1.
 */
static pid_t exec_child(int fd, const char *kind, const char *action,
			int *notify)
{
	char path[600];
	int p[2];
	pid_t pid;

	if (helper_path(path, sizeof(path), "import_child") ||
	    pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		char s[IPCDEV_EXPORT_MAX], w[16];
		int wfd = dup(p[1]);	/* not close-on-exec */

		if (wfd < 0 || ipcdev_export(fd, s, sizeof(s)) < 0)
			_exit(90);
		snprintf(w, sizeof(w), "%d", wfd);
		execl(path, "import_child", kind, s, action, w, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*notify = p[0];
	return pid;
}

/* Waits for the child's byte: true once it holds. */
static bool holds(int notify)
{
	char c;
	bool ok = read(notify, &c, 1) == 1;

	close(notify);
	return ok;
}

TEST(lock_holder_started_by_exec_dies_as_its_own)
{
	ipcdev_lock *l;
	int notify;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	pid = exec_child(ipcdev_lock_fd(l), "lock", "hold", &notify);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(holds(notify));
	ASSERT_EQ(0, lock_taken_over_from_killed_holder(l, pid));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	ipcdev_lock_close(l);
}

TEST(rlock_holder_started_by_exec_dies_as_its_own)
{
	ipcdev_rlock *l;
	int notify;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_rlock_create(&l));
	pid = exec_child(ipcdev_lock_fd(l), "rlock", "hold", &notify);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(holds(notify));
	EXPECT_EQ(-EAGAIN, ipcdev_rlock_acquire(l, IPCDEV_NOWAIT));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	EXPECT_EQ(-EOWNERDEAD, ipcdev_rlock_acquire(l, WAIT_NS));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	ipcdev_lock_close(l);
}

TEST(undo_units_of_a_program_started_by_exec_come_back)
{
	ipcdev_sem *s;
	int notify;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_sem_create(&s, 2, IPCDEV_SEM_UNDO));
	pid = exec_child(ipcdev_sem_fd(s), "sem", "hold", &notify);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(holds(notify));
	EXPECT_EQ(0, ipcdev_sem_get_value(s));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	EXPECT_TRUE(wait_for(ipcdev_sem_get_value(s) == 2, WAIT_MS));
	ipcdev_sem_close(s);
}

/* The exec'd program is the last producer: its death is end-of-file. */
TEST(producer_started_by_exec_gives_eof_when_it_dies)
{
	ipcdev_queue *q, *prod, *cons;
	char buf[8];
	size_t len = sizeof(buf);
	int notify;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_queue_create(&q, 4));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&prod, q, IPCDEV_PRODUCER));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&cons, q, IPCDEV_CONSUMER));
	ipcdev_queue_close(q);
	pid = exec_child(ipcdev_queue_fd(prod), "queue", "hold", &notify);
	ASSERT_LT(0, pid);
	ipcdev_queue_close(prod);
	ASSERT_TRUE(holds(notify));
	ASSERT_EQ(0, ipcdev_queue_get(cons, buf, &len, WAIT_NS));
	EXPECT_EQ(1, len);
	/* Still a producer: no end-of-file yet. */
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, ipcdev_queue_get(cons, buf, &len, IPCDEV_NOWAIT));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	len = sizeof(buf);
	EXPECT_EQ(IPCDEV_EOF, ipcdev_queue_get(cons, buf, &len, WAIT_NS));
	ipcdev_queue_close(cons);
}

/*
 * A pipe end handed to an exec'd program and closed by the parent: the
 * program's death closes the end, so the other end reads what it sent,
 * then end-of-file.
 */
TEST(pipe_end_started_by_exec_gives_eof_when_it_dies)
{
	ipcdev_pipe *mine, *theirs;
	int notify;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_pipe_create(&mine, &theirs, 1, NULL));
	pid = exec_child(ipcdev_pipe_fd(theirs), "pipe", "hold", &notify);
	ASSERT_LT(0, pid);
	ipcdev_pipe_close(theirs);
	ASSERT_TRUE(holds(notify));
	EXPECT_EQ(0, pipe_eof_follows_holders_death(mine, pid));
	ipcdev_pipe_close(mine);
}

/* A region's bound lock held by the exec'd program: EOWNERDEAD for us. */
TEST(region_lock_holder_started_by_exec_dies_as_its_own)
{
	struct ipcq_shm_stat st;
	ipcdev_shm *m;
	int notify;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_shm_create(&m, 64, IPCDEV_SHM_LOCK));
	pid = exec_child(ipcdev_shm_fd(m), "shm", "hold", &notify);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(holds(notify));
	ASSERT_EQ(0, lock_taken_over_from_killed_holder(ipcdev_shm_lock(m),
						       pid));
	ASSERT_EQ(0, ipcdev_shm_stat(m, &st));
	EXPECT_TRUE(st.state & IPCQ_SHM_STATE_INCONSISTENT);
	EXPECT_EQ(0, ipcdev_lock_consistent(ipcdev_shm_lock(m)));
	EXPECT_EQ(0, ipcdev_lock_release(ipcdev_shm_lock(m)));
	ipcdev_shm_close(m);
}

/* Every kind makes the trip: imported, adopted, close-on-exec again. */
TEST(every_kind_goes_through_exec)
{
	char name[64];
	ipcdev_queue *q;
	ipcdev_pipe *p1, *p2;
	ipcdev_sem *s;
	ipcdev_lock *l;
	ipcdev_event *e;
	ipcdev_cond *c;
	ipcdev_barrier *b;
	ipcdev_shm *m;
	ipcdev_listener *li;
	int fds[10], i, notify;
	const char *kinds[10] = {
		"queue", "pipe", "sem", "lock", "event", "cond", "barrier",
		"shm", "listener", "rlock",
	};
	ipcdev_rlock *r;

	snprintf(name, sizeof(name), "exec-test-%d", getpid());
	ASSERT_EQ(0, ipcdev_queue_create(&q, 1));
	ASSERT_EQ(0, ipcdev_pipe_create(&p1, &p2, 1, NULL));
	ASSERT_EQ(0, ipcdev_sem_create(&s, 1, 0));
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_event_create(&e));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	ASSERT_EQ(0, ipcdev_barrier_create(&b, 2));
	ASSERT_EQ(0, ipcdev_shm_create(&m, 64, 0));
	ASSERT_EQ(0, ipcdev_listener_create(&li, name, 1, 0600));
	ASSERT_EQ(0, ipcdev_rlock_create(&r));
	fds[0] = ipcdev_queue_fd(q);
	fds[1] = ipcdev_pipe_fd(p1);
	fds[2] = ipcdev_sem_fd(s);
	fds[3] = ipcdev_lock_fd(l);
	fds[4] = ipcdev_event_fd(e);
	fds[5] = ipcdev_cond_fd(c);
	fds[6] = ipcdev_barrier_fd(b);
	fds[7] = ipcdev_shm_fd(m);
	fds[8] = ipcdev_listener_fd(li);
	fds[9] = ipcdev_lock_fd(r);
	for (i = 0; i < 10; i++) {
		pid_t pid = exec_child(fds[i], kinds[i], "check", &notify);

		ASSERT_LT(0, pid);
		EXPECT_EQ(0, child_status(pid)) TH_LOG("%s", kinds[i]);
		close(notify);
	}
	ipcdev_lock_close(r);
	ipcdev_listener_close(li);
	ipcdev_shm_close(m);
	ipcdev_barrier_close(b);
	ipcdev_cond_close(c);
	ipcdev_event_close(e);
	ipcdev_lock_close(l);
	ipcdev_sem_close(s);
	ipcdev_pipe_close(p1);
	ipcdev_pipe_close(p2);
	ipcdev_queue_close(q);
}

TEST(export_and_import_refuse_bad_input)
{
	char buf[IPCDEV_EXPORT_MAX];
	ipcdev_lock *l;
	int fd, p[2];

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	EXPECT_EQ(-EINVAL, ipcdev_export(-1, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, ipcdev_export(ipcdev_lock_fd(l), NULL, 8));
	EXPECT_EQ(-ENOSPC, ipcdev_export(ipcdev_lock_fd(l), buf, 3));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	EXPECT_EQ(-ENOTTY, ipcdev_export(p[0], buf, sizeof(buf)));
	fd = ipcdev_export(ipcdev_lock_fd(l), buf, sizeof(buf));
	ASSERT_LE(0, fd);
	/* Not close-on-exec until imported. */
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(-EINVAL, ipcdev_import(buf, "sem"));
	EXPECT_EQ(-EINVAL, ipcdev_import(buf, "rlock"));
	EXPECT_EQ(-EINVAL, ipcdev_import("lock:", "lock"));
	EXPECT_EQ(-EINVAL, ipcdev_import("lock:3x", "lock"));
	EXPECT_EQ(-EINVAL, ipcdev_import("lock", "lock"));
	EXPECT_EQ(-EINVAL, ipcdev_import(NULL, "lock"));
	EXPECT_EQ(-EBADF, ipcdev_import("lock:99999", "lock"));
	snprintf(buf, sizeof(buf), "lock:%d", p[0]);
	EXPECT_EQ(-EINVAL, ipcdev_import(buf, "lock"));
	snprintf(buf, sizeof(buf), "lock:%d", fd);
	EXPECT_EQ(fd, ipcdev_import(buf, "lock"));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(p[0]);
	close(p[1]);
	ipcdev_lock_close(l);
}

TEST_HARNESS_MAIN
