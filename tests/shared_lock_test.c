// SPDX-License-Identifier: GPL-2.0
/*
 * Shared locks (IPCQ_SYNC_SHARED Lock and RLock): the holder in an owner
 * word its users map, acquire and release without system calls. Creation
 * and mapping errors, the word seen and written by the ioctls, stat and
 * poll, no ioctl on the fast path, sleepers woken by releases made in
 * memory, a holder's death found in the word (EOWNERDEAD, consistent, not
 * recoverable), destroy, owner ids per file, a caller the file's PID
 * namespace cannot name, waits on several objects, and hostile writers. The rest of the lock suite runs on shared locks as
 * sync_test and sync_process_test (the library's default), and on locks
 * that are not shared as sync_shared_test and sync_process_shared_test.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

/* sop() without a count; a blocking acquire waits for good. */
static int lock_op(int fd, unsigned long cmd, uint32_t flags)
{
	return sop(fd, cmd, 0, flags, cmd == IPCQ_IOC_LOCK_ACQUIRE && !flags ?
				      IPCQ_DEADLINE_FOREVER : 0);
}

static struct ipcq_sync_stat lock_stat(int fd)
{
	struct ipcq_sync_stat st;

	if (xioctl(fd, IPCQ_IOC_SYNC_STAT, &st))
		memset(&st, 0xff, sizeof(st));
	return st;
}

static uint32_t my_tid(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

struct mapped {
	struct ipcq_lock_share sh;
	const _Atomic uint32_t *route, *wake;
	_Atomic uint64_t *owner, *depth;
};

static int lock_map_raw(int fd, struct mapped *m)
{
	char *st, *words;

	if (xioctl(fd, IPCQ_IOC_LOCK_SHARE, &m->sh))
		return -errno;
	st = mmap(NULL, m->sh.status_size, PROT_READ, MAP_SHARED, fd,
		  m->sh.status_offset);
	words = mmap(NULL, m->sh.word_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED, fd, m->sh.word_offset);
	if (st == MAP_FAILED || words == MAP_FAILED)
		return -errno;
	m->route = (void *)(st + m->sh.off_route);
	m->wake = (void *)(st + m->sh.off_wake);
	m->owner = (void *)(words + m->sh.off_owner);
	m->depth = (void *)(words + m->sh.off_depth);
	return 0;
}

static uint64_t mine(const struct mapped *m)
{
	return IPCQ_LOCK_OWNER(m->sh.owner_id, my_tid());
}

FIXTURE(sl) {
	int dev;
};

FIXTURE_SETUP(sl)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(sl)
{
	close(self->dev);
}

TEST(abi_layout_pinned)
{
	ASSERT_EQ(72, sizeof(struct ipcq_lock_share));
	ASSERT_EQ(32, offsetof(struct ipcq_lock_share, off_owner));
	ASSERT_EQ(48, offsetof(struct ipcq_lock_share, owner_id));
	ASSERT_EQ(52, offsetof(struct ipcq_lock_share, flags));
	ASSERT_EQ(56, offsetof(struct ipcq_lock_share, reserved));
	ASSERT_EQ(0x55, _IOC_NR(IPCQ_IOC_LOCK_SHARE));
	ASSERT_EQ(0x56, _IOC_NR(IPCQ_IOC_LOCK_WAKE));
	ASSERT_EQ(0x0000000700000009ULL, IPCQ_LOCK_OWNER(7, 9));
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_LOCK_SHARED));
}

TEST_F(sl, create_share_and_map_errors)
{
	struct ipcq_lock_share sh, sh2;
	size_t page = getpagesize();
	int plain, sem, fd, fd2;
	struct ipcq_reopen ro;

	/* Shared is for semaphores and locks. */
	EXPECT_EQ(-EINVAL, raw_sync_open(self->dev, IPCQ_TYPE_EVENT,
					IPCQ_SYNC_SHARED, 0));
	EXPECT_EQ(-EINVAL, raw_sync_open(self->dev, IPCQ_TYPE_BARRIER,
					IPCQ_SYNC_SHARED, 2));
	plain = raw_sync_open(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	ASSERT_LE(0, plain);
	EXPECT_EQ(-ENXIO, xioctl(plain, IPCQ_IOC_LOCK_SHARE, &sh));
	EXPECT_EQ(-ENXIO, lock_op(plain, IPCQ_IOC_LOCK_WAKE, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, plain, 0));
	EXPECT_EQ(ENODEV, errno);
	sem = raw_sync_open(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_SHARED, 1);
	ASSERT_LE(0, sem);
	EXPECT_EQ(-ENOTTY, xioctl(sem, IPCQ_IOC_LOCK_SHARE, &sh));
	EXPECT_EQ(-ENOTTY, lock_op(sem, IPCQ_IOC_LOCK_WAKE, 0));

	fd = raw_sync_open(self->dev, IPCQ_TYPE_LOCK,
			  IPCQ_SYNC_SHARED | IPCQ_SYNC_RECURSIVE, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(IPCQ_SYNC_SHARED | IPCQ_SYNC_RECURSIVE, lock_stat(fd).flags);
	memset(&sh, POISON_BYTE, sizeof(sh));
	ASSERT_EQ(0, xioctl(fd, IPCQ_IOC_LOCK_SHARE, &sh));
	EXPECT_EQ(IPCQ_SYNC_SHARED | IPCQ_SYNC_RECURSIVE, sh.flags);
	EXPECT_LE(1, sh.owner_id);
	EXPECT_GE(0x7fffffffU, sh.owner_id);
	EXPECT_EQ(0, sh.reserved[0] | sh.reserved[1]);
	EXPECT_LE(sh.off_owner + 8, sh.word_size);
	EXPECT_LE(sh.off_depth + 8, sh.word_size);
	EXPECT_NE(sh.off_owner, sh.off_depth);
	EXPECT_LE(sh.off_route + 4, sh.status_size);
	EXPECT_LE(sh.off_wake + 4, sh.status_size);
	EXPECT_EQ(-EFAULT, xioctl(fd, IPCQ_IOC_LOCK_SHARE, NULL));
	/* LOCK_WAKE takes no count, deadline or flags. */
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_WAKE, 0));
	EXPECT_EQ(-EINVAL, lock_op(fd, IPCQ_IOC_LOCK_WAKE, IPCQ_SYNC_NONBLOCK));
	EXPECT_EQ(-EINVAL, sop(fd, IPCQ_IOC_LOCK_WAKE, 1, 0, 0));
	EXPECT_EQ(-EINVAL, sop(fd, IPCQ_IOC_LOCK_WAKE, 0, 0, 1));
	/* Every file of the lock has an owner id of its own. */
	memset(&ro, 0, sizeof(ro));
	ro.flags = IPCQ_OPEN_CLOEXEC;
	fd2 = xioctl(fd, IPCQ_IOC_SYNC_REOPEN, &ro);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, xioctl(fd2, IPCQ_IOC_LOCK_SHARE, &sh2));
	EXPECT_NE(sh.owner_id, sh2.owner_id);
	close(fd2);

	/* Status read-only for good, words shared only, whole, in place. */
	expect_status_read_only(_metadata, fd, sh.status_offset, sh.status_size);
	expect_never_executable(_metadata, fd, sh.status_offset, sh.status_size,
				sh.word_offset, sh.word_size);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, sh.word_size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, sh.word_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd,
				   sh.word_offset));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	close(sem);
	close(plain);
}

TEST_F(sl, the_word_is_the_holder_for_everyone)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd pfd = { .events = POLLIN };
	struct ipcq_sync_stat st;
	struct mapped m;
	int fd, ep;

	fd = raw_sync_open(self->dev, IPCQ_TYPE_LOCK,
			  IPCQ_SYNC_SHARED | IPCQ_SYNC_RECURSIVE, 0);
	ASSERT_LE(0, fd);
	pfd.fd = fd;
	ASSERT_EQ(0, lock_map_raw(fd, &m));
	EXPECT_EQ(0, atomic_load(m.owner));
	EXPECT_EQ(0, atomic_load(m.route));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	/* A kernel acquire writes the caller into the word... */
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(mine(&m), atomic_load(m.owner));
	EXPECT_EQ(1, atomic_load(m.depth));
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE, IPCQ_SYNC_NONBLOCK));
	EXPECT_EQ(2, atomic_load(m.depth));
	st = lock_stat(fd);
	EXPECT_EQ(2, st.value);
	EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE,
		  st.state & (IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE));
	EXPECT_EQ(my_tid(), st.owner_tid);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* ...and sees what users write there: a recursion made in memory. */
	atomic_store(m.depth, 5);
	EXPECT_EQ(5, lock_stat(fd).value);
	atomic_store(m.depth, 2);
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	EXPECT_EQ(1, atomic_load(m.depth));
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	EXPECT_EQ(0, atomic_load(m.owner));
	EXPECT_EQ(-EPERM, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	/* Taken in memory: the kernel sees it held, and whose it is. */
	atomic_store(m.owner, mine(&m));
	atomic_store(m.depth, 1);
	st = lock_stat(fd);
	EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE,
		  st.state & (IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE));
	EXPECT_EQ(my_tid(), st.owner_tid);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* A poller that waits asks releasers in memory for a wake-up. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_NE(0, atomic_load(m.wake));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	/* Released in memory, as the library does: the poller hears it. */
	atomic_store(m.owner, 0);
	atomic_thread_fence(memory_order_seq_cst);
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_WAKE, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	close(ep);
	close(fd);
}

/*
 * A file opened in a PID namespace where the caller has no thread id
 * cannot name the caller in the owner word: acquiring through it fails
 * with EPERM, blocking or not, while the opener takes it through it and
 * the caller through a file of its own.
 */
TEST_F(sl, acquire_through_a_file_of_a_hidden_namespace_is_eperm)
{
	int sv[2], fd, theirs;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_SYS_ADMIN for unshare(CLONE_NEWPID)");
	fd = raw_sync_open(self->dev, IPCQ_TYPE_LOCK, IPCQ_SYNC_SHARED, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t opener;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		/* The first child in the new namespace opens a file. */
		opener = fork();
		if (opener == 0) {
			struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CLOEXEC };
			int own = xioctl(fd, IPCQ_IOC_SYNC_REOPEN, &ro);

			if (own < 0 ||
			    lock_op(own, IPCQ_IOC_LOCK_ACQUIRE,
				    IPCQ_SYNC_NONBLOCK) ||
			    lock_op(own, IPCQ_IOC_LOCK_RELEASE, 0))
				_exit(2);
			_exit(send_fd(sv[1], own) ? 3 : 0);
		}
		_exit(opener < 0 ? 4 : child_status(opener));
	}
	theirs = recv_fd(sv[0]);
	EXPECT_EQ(0, child_status(pid));
	ASSERT_LE(0, theirs);
	EXPECT_EQ(-EPERM, lock_op(theirs, IPCQ_IOC_LOCK_ACQUIRE,
				  IPCQ_SYNC_NONBLOCK));
	EXPECT_EQ(-EPERM, lock_op(theirs, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE, IPCQ_SYNC_NONBLOCK));
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	close(theirs);
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

/* Another thread of this process may not release an RLock, even shared. */
static void *release_rlock_fd(void *arg)
{
	return (void *)(intptr_t)lock_op(*(int *)arg, IPCQ_IOC_LOCK_RELEASE, 0);
}

TEST_F(sl, owner_checks_follow_the_word)
{
	pthread_t th;
	void *ret;
	int fd, cond;
	struct ipcq_sync_open co;

	fd = raw_sync_open(self->dev, IPCQ_TYPE_LOCK,
			  IPCQ_SYNC_SHARED | IPCQ_SYNC_RECURSIVE, 0);
	ASSERT_LE(0, fd);
	memset(&co, 0, sizeof(co));
	co.type = IPCQ_TYPE_COND;
	co.flags = IPCQ_OPEN_CLOEXEC;
	co.mode = 0600;
	co.lock_fd = fd;
	cond = xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &co);
	ASSERT_LE(0, cond);
	/* Not held: a condition refuses, as for a lock not shared. */
	EXPECT_EQ(-EPERM, lock_op(cond, IPCQ_IOC_COND_NOTIFY, 0));
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(0, lock_op(cond, IPCQ_IOC_COND_NOTIFY, 0));
	EXPECT_EQ(-EINVAL, lock_op(fd, IPCQ_IOC_LOCK_CONSISTENT, 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, release_rlock_fd, &fd));
	pthread_join(th, &ret);
	EXPECT_EQ(-EPERM, (int)(intptr_t)ret);
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	close(cond);
	close(fd);
}

TEST(fast_path_makes_no_ioctl)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_sync_stat st;
		ipcdev_rlock *r;
		ipcdev_lock *l;
		int i;

		if (ipcdev_lock_create(&l) || ipcdev_rlock_create(&r))
			_exit(10);
		if (ipcdev_lock_stat(l, &st) || !(st.flags & IPCQ_SYNC_SHARED))
			_exit(11);
		if (forbid_ioctl())
			_exit(12);
		if (ipcdev_lock_stat(l, &st) != -EPERM)
			_exit(13);	/* the filter bites */
		for (i = 0; i < 10000; i++) {
			if (ipcdev_lock_acquire(l, IPCDEV_FOREVER) ||
			    ipcdev_lock_release(l))
				_exit(14);
			if (ipcdev_rlock_acquire(r, IPCDEV_FOREVER) ||
			    ipcdev_rlock_acquire(r, IPCDEV_NOWAIT) ||
			    ipcdev_rlock_acquire(r, 0) ||
			    ipcdev_rlock_release(r) || ipcdev_rlock_release(r) ||
			    ipcdev_rlock_release(r))
				_exit(15);
		}
		/* Held: the kernel is asked (and refuses here). */
		if (ipcdev_lock_acquire(l, 0) ||
		    ipcdev_lock_acquire(l, IPCDEV_NOWAIT) != -EPERM)
			_exit(16);
		/* Free: a release is the kernel's to refuse. */
		if (ipcdev_rlock_release(r) != -EPERM)
			_exit(17);
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
}

/*
 * In a child after fork, a handle's first call goes through the kernel
 * (the re-own: a file and an owner id of its own); from then on acquire
 * and release are in memory again.
 */
TEST(after_fork_the_first_call_reowns_then_memory)
{
	ipcdev_rlock *r;
	ipcdev_lock *l;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_rlock_create(&r));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int i;

		if (ipcdev_lock_acquire(l, IPCDEV_NOWAIT) ||
		    ipcdev_lock_release(l) ||
		    ipcdev_rlock_acquire(r, IPCDEV_NOWAIT) ||
		    ipcdev_rlock_release(r))
			_exit(10);
		if (forbid_ioctl())
			_exit(11);
		for (i = 0; i < 1000; i++)
			if (ipcdev_lock_acquire(l, IPCDEV_NOWAIT) ||
			    ipcdev_lock_release(l) ||
			    ipcdev_rlock_acquire(r, IPCDEV_NOWAIT) ||
			    ipcdev_rlock_acquire(r, IPCDEV_NOWAIT) ||
			    ipcdev_rlock_release(r) || ipcdev_rlock_release(r))
				_exit(12);
		/* Held at exit, in memory: the parent finds it owner-dead. */
		if (ipcdev_lock_acquire(l, IPCDEV_NOWAIT))
			_exit(13);
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(-EOWNERDEAD, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	EXPECT_EQ(0, ipcdev_rlock_acquire(r, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_rlock_release(r));
	ipcdev_lock_close(l);
	ipcdev_lock_close(r);
}

TEST(sleepers_are_woken_by_releases_in_memory)
{
	_Atomic int *inside = shared_page(4096);
	ipcdev_lock *l;
	pid_t pids[3];
	int i;

	ASSERT_NE(NULL, inside);
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			if (ipcdev_lock_acquire(l, WAIT_NS))
				_exit(1);
			/* Alone inside, then out through memory. */
			if (atomic_fetch_add(inside, 1) != 0)
				_exit(2);
			atomic_fetch_sub(inside, 1);
			_exit(ipcdev_lock_release(l) ? 3 : 0);
		}
	}
	/* All three asleep in the kernel: the wake word is up. */
	ASSERT_TRUE(wait_for(({
		struct ipcq_sync_stat st;

		!ipcdev_lock_stat(l, &st) && st.waiters == 3;
	}), WAIT_MS));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	ipcdev_lock_close(l);
}

/* Dies holding @l, taken in memory at depth @depth (no ioctl). */
static void die_holding(ipcdev_rlock *l, int depth)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		for (i = 0; i < depth; i++)
			if (ipcdev_rlock_acquire(l, IPCDEV_NOWAIT))
				_exit(1);
		if (forbid_ioctl())
			_exit(2);
		_exit(0);
	}
	child_status(pid);
}

TEST(holder_death_found_in_the_word)
{
	struct ipcq_sync_stat st;
	ipcdev_rlock *l;

	ASSERT_EQ(0, ipcdev_rlock_create(&l));
	die_holding(l, 3);
	ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
	EXPECT_EQ(IPCQ_SYNC_OWNER_DEAD, st.state & (IPCQ_SYNC_OWNER_DEAD |
						    IPCQ_SYNC_LOCKED));
	EXPECT_EQ(0, st.owner_tid);
	EXPECT_EQ(-EOWNERDEAD, ipcdev_rlock_acquire(l, IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
	EXPECT_EQ(IPCQ_SYNC_INCONSISTENT | IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE,
		  st.state & (IPCQ_SYNC_INCONSISTENT | IPCQ_SYNC_LOCKED |
			      IPCQ_SYNC_MINE | IPCQ_SYNC_OWNER_DEAD));
	EXPECT_EQ(1, st.value);
	/* Recursion while inconsistent goes through the kernel too. */
	EXPECT_EQ(0, ipcdev_rlock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	/* Consistent again: the fast path serves, death is found again. */
	die_holding(l, 1);
	EXPECT_EQ(-EOWNERDEAD, ipcdev_rlock_acquire(l, IPCDEV_FOREVER));
	/* Released inconsistent: not recoverable, for everyone. */
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
	EXPECT_EQ(IPCQ_SYNC_NOTRECOVERABLE,
		  st.state & (IPCQ_SYNC_NOTRECOVERABLE | IPCQ_SYNC_LOCKED));
	EXPECT_EQ(-ENOTRECOVERABLE, ipcdev_rlock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(-EPERM, ipcdev_rlock_release(l));
	ipcdev_lock_close(l);
}

TEST(destroy_routes_everyone_to_the_kernel)
{
	struct ipcq_lock_share sh;
	ipcdev_lock *l;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	EXPECT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_destroy(l));
	EXPECT_EQ(-EIDRM, ipcdev_lock_release(l));
	EXPECT_EQ(-EIDRM, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(-EIDRM, lock_op(ipcdev_lock_fd(l), IPCQ_IOC_LOCK_WAKE, 0));
	EXPECT_EQ(0, xioctl(ipcdev_lock_fd(l), IPCQ_IOC_LOCK_SHARE, &sh));
	ipcdev_lock_close(l);
}

/* Two handles of one process: the thread, not the handle, holds it. */
TEST(two_handles_one_holder)
{
	char name[64];
	ipcdev_rlock *a, *b;
	ipcdev_lock *c;

	snprintf(name, sizeof(name), "shared-lock-test-%d", getpid());
	ASSERT_EQ(0, ipcdev_rlock_open(&a, name, IPCDEV_CREATE, 0600));
	ASSERT_EQ(0, ipcdev_rlock_open(&b, name, 0, 0600));
	EXPECT_EQ(0, ipcdev_rlock_acquire(a, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_rlock_acquire(b, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_rlock_release(a));
	EXPECT_EQ(0, ipcdev_rlock_release(b));
	EXPECT_EQ(-EPERM, ipcdev_rlock_release(a));
	ipcdev_lock_close(b);
	ipcdev_lock_close(a);
	ipcdev_lock_unlink(name);
	/* A Lock may be released through any handle, by any thread. */
	ASSERT_EQ(0, ipcdev_lock_open(&c, name, IPCDEV_CREATE, 0600));
	ASSERT_EQ(0, ipcdev_lock_open(&a, name, 0, 0600));
	EXPECT_EQ(0, ipcdev_lock_acquire(c, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_lock_acquire(a, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_release(a));
	EXPECT_EQ(-EPERM, ipcdev_lock_release(c));
	ipcdev_lock_close(a);
	ipcdev_lock_close(c);
	ipcdev_lock_unlink(name);
}

/* Waits on several objects take shared locks too, all or none. */
TEST(wait_acquire_takes_shared_locks)
{
	ipcdev_lock *a, *b;
	void *handles[2];
	unsigned int index;
	pid_t pid;
	int go[2];
	char c;

	ASSERT_EQ(0, ipcdev_lock_create(&a));
	ASSERT_EQ(0, ipcdev_lock_create(&b));
	handles[0] = a;
	handles[1] = b;
	ASSERT_EQ(0, pipe(go));
	/* b held in memory by another process, released in memory. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ipcdev_lock_acquire(b, IPCDEV_NOWAIT) ||
		    write(go[1], "x", 1) != 1)
			_exit(1);
		/* Until the parent waits for both. */
		if (!wait_for(({
			struct ipcq_sync_stat st;

			!ipcdev_lock_stat(b, &st) && st.waiters == 1;
		}), WAIT_MS))
			_exit(2);
		_exit(ipcdev_lock_release(b) ? 3 : 0);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	EXPECT_EQ(-EAGAIN, ipcdev_wait_acquire(&index, handles, 2,
					       IPCDEV_WAIT_ALL, NULL,
					       IPCDEV_NOWAIT));
	/* Nothing taken: a is still free. */
	EXPECT_EQ(0, ipcdev_lock_acquire(a, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_release(a));
	EXPECT_EQ(0, ipcdev_wait_acquire(&index, handles, 2, IPCDEV_WAIT_ALL,
					 NULL, WAIT_NS));
	EXPECT_EQ(0, child_status(pid));
	/* Both ours now. */
	EXPECT_EQ(-EAGAIN, ipcdev_lock_acquire(a, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_lock_acquire(b, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_release(a));
	EXPECT_EQ(0, ipcdev_lock_release(b));
	EXPECT_EQ(0, ipcdev_wait_acquire(&index, handles, 2, 0, NULL,
					 IPCDEV_NOWAIT));
	EXPECT_EQ(0, index);
	ipcdev_lock_close(a);
	ipcdev_lock_close(b);
	close(go[0]);
	close(go[1]);
}

/*
 * What a thread does before the library knows its id: it takes an RLock
 * through the kernel (wait_acquire) and releases it (the library, not
 * knowing whose word it is, asks the kernel), then takes it in memory
 * twice and releases it twice.
 */
static void *rlock_first_calls(void *arg)
{
	ipcdev_rlock *r = arg;
	struct ipcq_sync_stat st;
	unsigned int index;
	void *h = r;

	if (ipcdev_wait_acquire(&index, &h, 1, 0, NULL, IPCDEV_NOWAIT) ||
	    ipcdev_lock_stat(r, &st) || st.owner_tid != (uint32_t)my_tid() ||
	    ipcdev_rlock_release(r) || ipcdev_lock_stat(r, &st) ||
	    (st.state & IPCQ_SYNC_LOCKED))
		return (void *)1;
	if (ipcdev_rlock_acquire(r, IPCDEV_NOWAIT) ||
	    ipcdev_rlock_acquire(r, IPCDEV_NOWAIT) ||
	    ipcdev_lock_stat(r, &st) || st.owner_tid != (uint32_t)my_tid() ||
	    ipcdev_rlock_release(r) || ipcdev_rlock_release(r) ||
	    ipcdev_rlock_release(r) != -EPERM)
		return (void *)2;
	return NULL;
}

/* A new thread's first acquire, in memory, through NOWAIT and FOREVER. */
static void *lock_first_acquire(void *arg)
{
	ipcdev_lock *l = arg;
	struct ipcq_sync_stat st;

	if (ipcdev_lock_acquire(l, IPCDEV_FOREVER) || ipcdev_lock_stat(l, &st) ||
	    st.owner_tid != (uint32_t)my_tid() || ipcdev_lock_release(l))
		return (void *)1;
	return NULL;
}

TEST(threads_new_to_the_library)
{
	ipcdev_rlock *r;
	ipcdev_lock *l;
	pthread_t t;
	void *ret;
	int i;

	ASSERT_EQ(0, ipcdev_rlock_create(&r));
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_create(&t, NULL, rlock_first_calls, r));
		ASSERT_EQ(0, pthread_join(t, &ret));
		EXPECT_EQ(NULL, ret);
		ASSERT_EQ(0, pthread_create(&t, NULL, lock_first_acquire, l));
		ASSERT_EQ(0, pthread_join(t, &ret));
		EXPECT_EQ(NULL, ret);
	}
	/* Both free again, for this thread too. */
	EXPECT_EQ(0, ipcdev_rlock_acquire(r, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_rlock_release(r));
	EXPECT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	ipcdev_lock_close(r);
	ipcdev_lock_close(l);
}

struct scribbler {
	_Atomic uint64_t *owner, *depth;
	_Atomic int stop;
};

static void *scribble(void *arg)
{
	struct scribbler *s = arg;
	uint64_t x = 88172645463325252ULL;

	while (!atomic_load(&s->stop)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		atomic_store(s->owner, x % 4 ? x : x % 3 ? 0 : ~0ULL);
		atomic_store(s->depth, x >> 3);
	}
	return NULL;
}

/*
 * Whatever a user writes into the words, every call answers (no hang,
 * no crash, no splat), and only that lock is damaged.
 */
TEST_F(sl, hostile_writers_damage_only_their_lock)
{
	static const uint64_t junk[] = {
		~0ULL, 1, 0x7fffffffULL << 32, 0x80000000ULL << 32,
		IPCQ_LOCK_OWNER(0x7fffffff, 0xffffffff),
	};
	struct scribbler sc = { 0 };
	struct ipcq_sync_stat st;
	struct pollfd pfd;
	struct mapped m;
	pthread_t th;
	unsigned int i;
	int fd, other;
	uint64_t end;

	fd = raw_sync_open(self->dev, IPCQ_TYPE_LOCK,
			  IPCQ_SYNC_SHARED | IPCQ_SYNC_RECURSIVE, 0);
	other = raw_sync_open(self->dev, IPCQ_TYPE_LOCK, IPCQ_SYNC_SHARED, 0);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, lock_map_raw(fd, &m));
	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		atomic_store(m.owner, junk[i]);
		atomic_store(m.depth, junk[i]);
		st = lock_stat(fd);
		EXPECT_EQ(0, st.owner_tid) TH_LOG("junk %#llx",
						  (unsigned long long)junk[i]);
		EXPECT_EQ(-EAGAIN, lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE,
					   IPCQ_SYNC_NONBLOCK));
		EXPECT_EQ(-EPERM, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	}
	/* A scribbled depth of the caller's own hold counts as 1. */
	atomic_store(m.owner, mine(&m));
	atomic_store(m.depth, 0);
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	EXPECT_EQ(0, atomic_load(m.owner));
	atomic_store(m.owner, mine(&m));
	atomic_store(m.depth, ~0ULL);
	EXPECT_EQ(-EOVERFLOW, lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE, 0));
	atomic_store(m.owner, 0);

	/* A writer that never stops, against every call. */
	sc.owner = m.owner;
	sc.depth = m.depth;
	ASSERT_EQ(0, pthread_create(&th, NULL, scribble, &sc));
	end = now_ns() + 2000 * NSEC_PER_MSEC;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (now_ns() < end) {
		lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE, IPCQ_SYNC_NONBLOCK);
		lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0);
		lock_op(fd, IPCQ_IOC_LOCK_WAKE, 0);
		lock_op(fd, IPCQ_IOC_LOCK_CONSISTENT, 0);
		lock_stat(fd);
		poll(&pfd, 1, 0);
	}
	atomic_store(&sc.stop, 1);
	pthread_join(th, NULL);
	/* Its neighbour never noticed. */
	EXPECT_EQ(0, lock_op(other, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(0, lock_op(other, IPCQ_IOC_LOCK_RELEASE, 0));
	/* Put right, the lock works again. */
	atomic_store(m.owner, 0);
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(0, lock_op(fd, IPCQ_IOC_LOCK_RELEASE, 0));
	close(other);
	close(fd);
}

TEST_HARNESS_MAIN
