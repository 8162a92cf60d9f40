// SPDX-License-Identifier: GPL-2.0
/*
 * Shared semaphores (IPCQ_SYNC_SHARED): the value in a page its users
 * map, acquire and release without system calls. Creation and mapping
 * errors, the word seen through the ioctls and poll, no ioctl on the fast
 * path, sleepers woken by releases made in memory, bounds, destroy, and a
 * value scribbled over. The rest of the semaphore suite runs on shared
 * semaphores as sync_shared_test and sync_process_shared_test.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

static int sem_op(int fd, unsigned long cmd, uint64_t count, uint32_t flags)
{
	struct ipcq_sync_op op;

	memset(&op, 0, sizeof(op));
	op.count = count;
	op.flags = flags;
	/* Only waits take a deadline. */
	if (cmd == IPCQ_IOC_SEM_ACQUIRE && !flags)
		op.deadline = IPCQ_DEADLINE_FOREVER;
	return xioctl(fd, cmd, &op);
}

static uint64_t sem_stat_value(int fd)
{
	struct ipcq_sync_stat st;

	if (xioctl(fd, IPCQ_IOC_SYNC_STAT, &st))
		return ~0ULL;
	return st.value;
}

struct mapped {
	struct ipcq_sem_share sh;
	const _Atomic uint32_t *route, *wake;
	_Atomic uint64_t *value;
};

static int sem_map_raw(int fd, struct mapped *m)
{
	char *st, *val;

	if (xioctl(fd, IPCQ_IOC_SEM_SHARE, &m->sh))
		return -errno;
	st = mmap(NULL, m->sh.status_size, PROT_READ, MAP_SHARED, fd,
		  m->sh.status_offset);
	val = mmap(NULL, m->sh.value_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, m->sh.value_offset);
	if (st == MAP_FAILED || val == MAP_FAILED)
		return -errno;
	m->route = (void *)(st + m->sh.off_route);
	m->wake = (void *)(st + m->sh.off_wake);
	m->value = (void *)(val + m->sh.off_value);
	return 0;
}

FIXTURE(sh) {
	int dev;
};

FIXTURE_SETUP(sh)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(sh)
{
	close(self->dev);
}

TEST(abi_layout_pinned)
{
	ASSERT_EQ(72, sizeof(struct ipcq_sem_share));
	ASSERT_EQ(32, offsetof(struct ipcq_sem_share, off_value));
	ASSERT_EQ(48, offsetof(struct ipcq_sem_share, max));
	ASSERT_EQ(0x50, _IOC_NR(IPCQ_IOC_SEM_SHARE));
	ASSERT_EQ(0x51, _IOC_NR(IPCQ_IOC_SEM_WAKE));
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_SEM_SHARED));
}

TEST_F(sh, create_share_and_map_errors)
{
	struct ipcq_sem_share sh;
	size_t page = getpagesize();
	int plain, lock, fd;

	/* Shared is for semaphores without undo (and locks). */
	EXPECT_EQ(-EINVAL, raw_sync_open(self->dev, IPCQ_TYPE_SEM,
					IPCQ_SYNC_SHARED | IPCQ_SYNC_UNDO, 1));
	EXPECT_EQ(-EINVAL, raw_sync_open(self->dev, IPCQ_TYPE_EVENT,
					IPCQ_SYNC_SHARED, 0));
	plain = raw_sync_open(self->dev, IPCQ_TYPE_SEM, 0, 1);
	ASSERT_LE(0, plain);
	EXPECT_EQ(-ENXIO, xioctl(plain, IPCQ_IOC_SEM_SHARE, &sh));
	EXPECT_EQ(-ENXIO, sem_op(plain, IPCQ_IOC_SEM_WAKE, 1, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, plain, 0));
	EXPECT_EQ(ENODEV, errno);
	lock = raw_sync_open(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	ASSERT_LE(0, lock);
	EXPECT_EQ(-ENOTTY, xioctl(lock, IPCQ_IOC_SEM_SHARE, &sh));
	EXPECT_EQ(-ENOTTY, sem_op(lock, IPCQ_IOC_SEM_WAKE, 1, 0));

	fd = raw_sync_open(self->dev, IPCQ_TYPE_SEM,
			  IPCQ_SYNC_SHARED | IPCQ_SYNC_BOUNDED, 3);
	ASSERT_LE(0, fd);
	memset(&sh, POISON_BYTE, sizeof(sh));
	ASSERT_EQ(0, xioctl(fd, IPCQ_IOC_SEM_SHARE, &sh));
	EXPECT_EQ(3, sh.max);
	EXPECT_EQ(0, sh.pad);
	EXPECT_EQ(0, sh.reserved[0] | sh.reserved[1]);
	EXPECT_LE(sh.off_value + 8, sh.value_size);
	EXPECT_LE(sh.off_route + 4, sh.status_size);
	EXPECT_LE(sh.off_wake + 4, sh.status_size);
	EXPECT_EQ(-EFAULT, xioctl(fd, IPCQ_IOC_SEM_SHARE, NULL));
	EXPECT_EQ(-EINVAL, sem_op(fd, IPCQ_IOC_SEM_WAKE, 0, 0));
	EXPECT_EQ(0, sem_op(fd, IPCQ_IOC_SEM_WAKE, 1, 0));

	/* Status read-only for good, value shared only, whole, in place. */
	expect_status_read_only(_metadata, fd, sh.status_offset, sh.status_size);
	expect_never_executable(_metadata, fd, sh.status_offset, sh.status_size,
				sh.value_offset, sh.value_size);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, sh.value_size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, sh.value_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd,
				   sh.value_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
				   3 * page));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	close(lock);
	close(plain);
}

TEST_F(sh, the_word_is_the_value_for_everyone)
{
	struct pollfd pfd = { .events = POLLIN };
	struct mapped m;
	int fd;

	fd = raw_sync_open(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_SHARED, 2);
	ASSERT_LE(0, fd);
	pfd.fd = fd;
	ASSERT_EQ(0, sem_map_raw(fd, &m));
	EXPECT_EQ(2, atomic_load(m.value));
	EXPECT_EQ(0, atomic_load(m.route));
	EXPECT_EQ(0, atomic_load(m.wake));
	/* Kernel acquires take from the word... */
	EXPECT_EQ(0, sem_op(fd, IPCQ_IOC_SEM_ACQUIRE, 0, 0));
	EXPECT_EQ(1, atomic_load(m.value));
	/* ...and see what users did to it. */
	atomic_store(m.value, 0);
	EXPECT_EQ(0, sem_stat_value(fd));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-EAGAIN, sem_op(fd, IPCQ_IOC_SEM_ACQUIRE, 0,
				  IPCQ_SYNC_NONBLOCK));
	atomic_store(m.value, 5);
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(5, sem_stat_value(fd));
	EXPECT_EQ(0, sem_op(fd, IPCQ_IOC_SEM_RELEASE, 2, 0));
	EXPECT_EQ(7, atomic_load(m.value));
	close(fd);
}

TEST(fast_path_makes_no_ioctl)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_sem *s;
		int i;

		if (ipcdev_sem_create(&s, 2, IPCDEV_SEM_SHARED |
				      IPCDEV_SEM_BOUNDED))
			_exit(10);
		if (forbid_ioctl())
			_exit(11);
		if (ipcdev_sem_get_value(s) != -EPERM)
			_exit(12);	/* the filter bites */
		for (i = 0; i < 10000; i++) {
			if (ipcdev_sem_acquire(s, IPCDEV_FOREVER) ||
			    ipcdev_sem_acquire(s, IPCDEV_NOWAIT))
				_exit(13);
			if (ipcdev_sem_release(s, 2))
				_exit(14);
		}
		/* No unit: the kernel is asked (and refuses here). */
		if (ipcdev_sem_acquire(s, 0) || ipcdev_sem_acquire(s, 0) ||
		    ipcdev_sem_acquire(s, IPCDEV_NOWAIT) != -EPERM)
			_exit(15);
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
}

/*
 * In a child after fork, a handle's first call goes through the kernel
 * (the re-own); from then on acquire and release are in memory again,
 * and the child's units are the parent's semaphore's.
 */
TEST(after_fork_the_first_call_reowns_then_memory)
{
	ipcdev_sem *s;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_sem_create(&s, 3, IPCDEV_SEM_SHARED));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int i;

		if (ipcdev_sem_acquire(s, IPCDEV_NOWAIT))
			_exit(10);
		if (forbid_ioctl())
			_exit(11);
		for (i = 0; i < 1000; i++)
			if (ipcdev_sem_acquire(s, IPCDEV_NOWAIT) ||
			    ipcdev_sem_release(s, 1))
				_exit(12);
		_exit(0);	/* one unit kept */
	}
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(2, ipcdev_sem_get_value(s));
	ipcdev_sem_close(s);
}

TEST(sleepers_are_woken_by_releases_in_memory)
{
	_Atomic int *got = shared_page(4096);
	ipcdev_sem *s;
	pid_t pids[3];
	int i;

	ASSERT_NE(NULL, got);
	ASSERT_EQ(0, ipcdev_sem_create(&s, 0, IPCDEV_SEM_SHARED));
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			if (ipcdev_sem_acquire(s, WAIT_NS))
				_exit(1);
			atomic_fetch_add(got, 1);
			_exit(0);
		}
	}
	/* All three asleep in the kernel: the wake word is up. */
	ASSERT_TRUE(wait_for(({
		struct ipcq_sync_stat st;

		!ipcdev_sem_stat(s, &st) && st.waiters == 3;
	}), WAIT_MS));
	EXPECT_EQ(0, ipcdev_sem_release(s, 1));
	EXPECT_EQ(0, ipcdev_sem_release(s, 2));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(3, atomic_load(got));
	EXPECT_EQ(0, ipcdev_sem_get_value(s));
	ipcdev_sem_close(s);
}

TEST(bounds_and_destroy_hold_on_the_fast_path)
{
	ipcdev_sem *s;

	ASSERT_EQ(0, ipcdev_sem_create(&s, 1, IPCDEV_SEM_SHARED |
				       IPCDEV_SEM_BOUNDED));
	EXPECT_EQ(-EOVERFLOW, ipcdev_sem_release(s, 1));
	EXPECT_EQ(0, ipcdev_sem_acquire(s, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_sem_acquire(s, IPCDEV_NOWAIT));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_sem_acquire(s, 1000000));
	EXPECT_EQ(-EOVERFLOW, ipcdev_sem_release(s, 2));
	EXPECT_EQ(0, ipcdev_sem_release(s, 1));
	EXPECT_EQ(0, ipcdev_sem_destroy(s));
	EXPECT_EQ(-EIDRM, ipcdev_sem_acquire(s, IPCDEV_NOWAIT));
	EXPECT_EQ(-EIDRM, ipcdev_sem_release(s, 1));
	EXPECT_EQ(-EIDRM, sem_op(ipcdev_sem_fd(s), IPCQ_IOC_SEM_WAKE, 1, 0));
	ipcdev_sem_close(s);
}

TEST_F(sh, scribbled_value_is_bounded)
{
	struct mapped m;
	int fd;

	fd = raw_sync_open(self->dev, IPCQ_TYPE_SEM,
			  IPCQ_SYNC_SHARED | IPCQ_SYNC_BOUNDED, 4);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sem_map_raw(fd, &m));
	atomic_store(m.value, ~0ULL);
	/* Read as the maximum; a unit taken from it leaves max - 1. */
	EXPECT_EQ(4, sem_stat_value(fd));
	EXPECT_EQ(-EOVERFLOW, sem_op(fd, IPCQ_IOC_SEM_RELEASE, 1, 0));
	EXPECT_EQ(0, sem_op(fd, IPCQ_IOC_SEM_ACQUIRE, 0, 0));
	EXPECT_EQ(3, atomic_load(m.value));
	close(fd);
}

TEST_HARNESS_MAIN
