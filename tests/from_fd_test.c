// SPDX-License-Identifier: GPL-2.0
/*
 * Sync object and listener handles for descriptors received over a UNIX
 * socket (SCM_RIGHTS): ipcdev_<type>_from_fd checks the type and gives
 * the receiver a file of its own, so its death is its own: a Lock or
 * RLock it held (or a region's bound lock) gives the next acquirer
 * EOWNERDEAD and the units of an UNDO semaphore come back, while the
 * sender lives on. A pipe end holds nothing per process: the receiver
 * shares it, and the end closes (end-of-file for the other end) when its
 * last holder, sender or receiver, closes it or dies.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

static int take_lock(int fd)
{
	ipcdev_lock *l;

	return ipcdev_lock_from_fd(&l, fd) ||
	       ipcdev_lock_acquire(l, IPCDEV_NOWAIT);
}

static int take_rlock(int fd)
{
	ipcdev_rlock *l;

	return ipcdev_rlock_from_fd(&l, fd) ||
	       ipcdev_rlock_acquire(l, IPCDEV_NOWAIT) ||
	       ipcdev_rlock_acquire(l, IPCDEV_NOWAIT);
}

static int take_two_units(int fd)
{
	ipcdev_sem *s;

	return ipcdev_sem_from_fd(&s, fd) ||
	       ipcdev_sem_acquire(s, IPCDEV_NOWAIT) ||
	       ipcdev_sem_acquire(s, IPCDEV_NOWAIT);
}

/*
 * A child that exists before the object (it inherits no handle of it),
 * receives its fd on sv[1], takes it with @take, says so with one byte
 * and waits to be killed.
 */
static pid_t receiver_that_takes(int sv[2], int (*take)(int fd))
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = recv_fd(sv[1]);

		if (fd < 0 || take(fd))
			_exit(1);
		write(sv[1], "h", 1);
		for (;;)
			pause();
	}
	return pid;
}

static int take_region_lock(int fd)
{
	ipcdev_shm *m;

	return ipcdev_shm_from_fd(&m, fd) || !ipcdev_shm_lock(m) ||
	       ipcdev_lock_acquire(ipcdev_shm_lock(m), IPCDEV_NOWAIT);
}

static int send_on_end(int fd)
{
	ipcdev_pipe *p;

	return ipcdev_pipe_from_fd(&p, fd) ||
	       ipcdev_pipe_send(p, "x", 1, IPCDEV_NOWAIT);
}

TEST(lock_passed_over_scm_rights_dies_with_its_receiver)
{
	ipcdev_lock *l;
	int sv[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = receiver_that_takes(sv, take_lock);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_lock_fd(l)));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	/* Held by the receiver, not by our file. */
	ASSERT_EQ(0, lock_taken_over_from_killed_holder(l, pid));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	EXPECT_EQ(0, ipcdev_lock_close(l));
	close(sv[0]);
	close(sv[1]);
}

TEST(rlock_passed_over_scm_rights_dies_with_its_receiver)
{
	ipcdev_rlock *l;
	int sv[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = receiver_that_takes(sv, take_rlock);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, ipcdev_rlock_create(&l));
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_lock_fd(l)));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	EXPECT_EQ(-EAGAIN, ipcdev_rlock_acquire(l, IPCDEV_NOWAIT));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	EXPECT_EQ(-EOWNERDEAD, ipcdev_rlock_acquire(l, WAIT_NS));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	EXPECT_EQ(0, ipcdev_lock_close(l));
	close(sv[0]);
	close(sv[1]);
}

TEST(undo_units_passed_over_scm_rights_come_back_with_receiver_death)
{
	ipcdev_sem *s;
	int sv[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = receiver_that_takes(sv, take_two_units);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, ipcdev_sem_create(&s, 2, IPCDEV_SEM_UNDO));
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_sem_fd(s)));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	EXPECT_EQ(0, ipcdev_sem_get_value(s));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	EXPECT_TRUE(wait_for(ipcdev_sem_get_value(s) == 2, WAIT_MS));
	EXPECT_EQ(0, ipcdev_sem_close(s));
	close(sv[0]);
	close(sv[1]);
}

/* Wrong types: EINVAL for another sync type, ENOTTY for no sync object,
 * the fd left open; the right type works through the received fd.
 */
TEST(from_fd_checks_the_type_and_keeps_the_object)
{
	ipcdev_lock *l, *l2;
	ipcdev_rlock *r;
	ipcdev_event *e, *e2;
	ipcdev_sem *s;
	ipcdev_cond *c, *c2;
	ipcdev_barrier *b, *b2;
	ipcdev_listener *li;
	ipcdev_queue *q;
	int fd;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_event_create(&e));
	ASSERT_EQ(0, ipcdev_queue_create(&q, 1));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	ASSERT_EQ(0, ipcdev_barrier_create(&b, 3));

	fd = dup(ipcdev_lock_fd(l));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, ipcdev_rlock_from_fd(&r, fd));
	EXPECT_EQ(-EINVAL, ipcdev_sem_from_fd(&s, fd));
	EXPECT_EQ(-EINVAL, ipcdev_event_from_fd(&e2, fd));
	EXPECT_EQ(-ENOTTY, ipcdev_listener_from_fd(&li, fd));
	EXPECT_LE(0, fcntl(fd, F_GETFD));
	EXPECT_EQ(-EINVAL, ipcdev_lock_from_fd(NULL, fd));
	EXPECT_EQ(-EINVAL, ipcdev_lock_from_fd(&l2, -1));
	ASSERT_EQ(0, ipcdev_lock_from_fd(&l2, fd));
	/* The same lock, a holder of its own: our hold is not its. */
	EXPECT_EQ(fd, ipcdev_lock_fd(l2));
	EXPECT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_lock_acquire(l2, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	EXPECT_EQ(0, ipcdev_lock_close(l2));

	fd = dup(ipcdev_queue_fd(q));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, ipcdev_lock_from_fd(&l2, fd));
	EXPECT_LE(0, fcntl(fd, F_GETFD));
	close(fd);

	fd = dup(ipcdev_event_fd(e));
	ASSERT_EQ(0, ipcdev_event_from_fd(&e2, fd));
	EXPECT_EQ(0, ipcdev_event_set(e2));
	EXPECT_EQ(1, ipcdev_event_is_set(e));
	EXPECT_EQ(0, ipcdev_event_close(e2));

	fd = dup(ipcdev_cond_fd(c));
	ASSERT_EQ(0, ipcdev_cond_from_fd(&c2, fd));
	EXPECT_EQ(0, ipcdev_cond_close(c2));

	fd = dup(ipcdev_barrier_fd(b));
	ASSERT_EQ(0, ipcdev_barrier_from_fd(&b2, fd));
	EXPECT_EQ(3, ipcdev_barrier_parties(b2));
	EXPECT_EQ(0, ipcdev_barrier_close(b2));

	ipcdev_barrier_close(b);
	ipcdev_cond_close(c);
	ipcdev_queue_close(q);
	ipcdev_event_close(e);
	ipcdev_lock_close(l);
}

TEST(listener_from_fd_accepts_through_the_received_fd)
{
	char name[64];
	ipcdev_listener *l, *l2;
	ipcdev_pipe *c, *s;
	ipcdev_lock *lk;
	int fd;

	snprintf(name, sizeof(name), "from-fd-%d", getpid());
	ASSERT_EQ(0, ipcdev_listener_create(&l, name, 1, 0600));
	fd = dup(ipcdev_listener_fd(l));
	ASSERT_EQ(-ENOTTY, ipcdev_lock_from_fd(&lk, fd));
	ASSERT_EQ(0, ipcdev_listener_from_fd(&l2, fd));
	ASSERT_EQ(0, ipcdev_client_connect(&c, name, 1, IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_listener_accept(l2, &s, IPCDEV_NOWAIT));
	ipcdev_pipe_close(s);
	ipcdev_pipe_close(c);
	/* One of two files closed: still listening. */
	EXPECT_EQ(0, ipcdev_listener_close(l));
	ASSERT_EQ(0, ipcdev_client_connect(&c, name, 1, IPCDEV_NOWAIT));
	ipcdev_pipe_close(c);
	EXPECT_EQ(0, ipcdev_listener_close(l2));
}

TEST(region_lock_passed_over_scm_rights_dies_with_its_receiver)
{
	ipcdev_shm *m;
	int sv[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = receiver_that_takes(sv, take_region_lock);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, ipcdev_shm_create(&m, 64, IPCDEV_SHM_LOCK));
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_shm_fd(m)));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	ASSERT_EQ(0, lock_taken_over_from_killed_holder(ipcdev_shm_lock(m),
						       pid));
	EXPECT_EQ(0, ipcdev_lock_consistent(ipcdev_shm_lock(m)));
	EXPECT_EQ(0, ipcdev_lock_release(ipcdev_shm_lock(m)));
	EXPECT_EQ(0, ipcdev_shm_close(m));
	close(sv[0]);
	close(sv[1]);
}

/*
 * A pipe end sent over SCM_RIGHTS and closed by the sender: the
 * receiver's death closes the end; the other end reads what it sent,
 * then end-of-file, and its sends fail with EPIPE.
 */
TEST(pipe_end_passed_over_scm_rights_closes_with_its_last_holder)
{
	ipcdev_pipe *mine, *theirs;
	int sv[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = receiver_that_takes(sv, send_on_end);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, ipcdev_pipe_create(&mine, &theirs, 1, NULL));
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_pipe_fd(theirs)));
	ASSERT_EQ(0, ipcdev_pipe_close(theirs));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	EXPECT_EQ(0, pipe_eof_follows_holders_death(mine, pid));
	ipcdev_pipe_close(mine);
	close(sv[0]);
	close(sv[1]);
}

static uint32_t producers(ipcdev_queue *q)
{
	struct ipcq_queue_stat st;

	return ipcdev_queue_stat(q, &st) ? ~0U : st.producers;
}

/*
 * A producer fd passed over SCM_RIGHTS: the receiver is a producer of its
 * own (counted apart from the sender's file), gone when it dies; with the
 * sender's closed too, end-of-file.
 */
TEST(queue_producer_passed_over_scm_rights_is_its_own_endpoint)
{
	ipcdev_queue *q, *prod, *cons;
	char buf[8], c;
	size_t len = sizeof(buf);
	int sv[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_queue *mine;
		int fd = recv_fd(sv[1]);

		if (fd < 0 || ipcdev_queue_from_fd(&mine, fd) ||
		    ipcdev_queue_put(mine, "x", 1, IPCDEV_NOWAIT))
			_exit(1);
		write(sv[1], "h", 1);
		for (;;)
			pause();
	}
	ASSERT_EQ(0, ipcdev_queue_create(&q, 4));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&prod, q, IPCDEV_PRODUCER));
	ASSERT_EQ(0, ipcdev_queue_endpoint(&cons, q, IPCDEV_CONSUMER));
	ipcdev_queue_close(q);
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_queue_fd(prod)));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	/* Ours and the receiver's own. */
	EXPECT_EQ(2, producers(cons));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	EXPECT_TRUE(wait_for(producers(cons) == 1, WAIT_MS));
	ipcdev_queue_close(prod);
	ASSERT_EQ(0, ipcdev_queue_get(cons, buf, &len, WAIT_NS));
	len = sizeof(buf);
	EXPECT_EQ(IPCDEV_EOF, ipcdev_queue_get(cons, buf, &len, WAIT_NS));
	ipcdev_queue_close(cons);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
