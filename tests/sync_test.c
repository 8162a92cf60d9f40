// SPDX-License-Identifier: GPL-2.0
/*
 * Sync objects: Semaphore, BoundedSemaphore, Lock, RLock, Event,
 * Condition, Barrier. Every operation and error path, undo and owner death
 * on SIGKILL, destroy with waiters, signals, and wait() on several objects.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

static int raw_sync(int dev, uint32_t type, const char *name, uint32_t flags,
		    uint32_t mode, uint64_t value, uint32_t lock_fd)
{
	struct ipcq_sync_open arg;

	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = name ? strlen(name) : 0;
	arg.type = type;
	arg.flags = flags;
#ifdef IPCQ_TEST_SHARED
	/* sync_shared_test: every semaphore that may be shared is. */
	if (type == IPCQ_TYPE_SEM && !(flags & IPCQ_SYNC_UNDO))
		arg.flags |= IPCQ_SYNC_SHARED;
#endif
	arg.mode = mode;
	arg.value = value;
	arg.lock_fd = lock_fd;
	return xioctl(dev, IPCQ_IOC_SYNC_OPEN, &arg);
}

static int sstat(int fd, struct ipcq_sync_stat *st)
{
	memset(st, POISON_BYTE, sizeof(*st));
	return xioctl(fd, IPCQ_IOC_SYNC_STAT, st);
}

#define FOREVER IPCQ_DEADLINE_FOREVER

FIXTURE(s) {
	int dev;
	char name[64];
};

FIXTURE_SETUP(s)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	snprintf(self->name, sizeof(self->name), "sync-test-%d", getpid());
}

FIXTURE_TEARDOWN(s)
{
	close(self->dev);
}

TEST(abi_struct_layouts_pinned)
{
	ASSERT_EQ(56, sizeof(struct ipcq_sync_open));
	ASSERT_EQ(12, offsetof(struct ipcq_sync_open, type));
	ASSERT_EQ(24, offsetof(struct ipcq_sync_open, lock_fd));
	ASSERT_EQ(32, offsetof(struct ipcq_sync_open, value));
	ASSERT_EQ(40, sizeof(struct ipcq_sync_op));
	ASSERT_EQ(80, sizeof(struct ipcq_sync_stat));
	ASSERT_EQ(24, offsetof(struct ipcq_sync_stat, held));
	ASSERT_EQ(40, offsetof(struct ipcq_sync_stat, owner_tid));
	ASSERT_EQ(0x04, _IOC_NR(IPCQ_IOC_SYNC_OPEN));
	ASSERT_EQ(0x40, _IOC_NR(IPCQ_IOC_SEM_ACQUIRE));
	ASSERT_EQ(0x4f, _IOC_NR(IPCQ_IOC_SYNC_STAT));
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_SYNC));
}

TEST_F(s, open_rejects_bad_arguments)
{
	struct ipcq_sync_open arg;
	int lock, sem, fd;

	EXPECT_EQ(-EINVAL, raw_sync(self->dev, 0, NULL, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_QUEUE, NULL, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, 7, NULL, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 1U << 20,
				    0, 0, 0));
	/* Kind flags belong to their kind. */
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_LOCK, NULL,
				    IPCQ_SYNC_BOUNDED, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_SEM, NULL,
				    IPCQ_SYNC_RECURSIVE, 0, 1, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_EVENT, NULL,
				    IPCQ_SYNC_UNDO, 0, 0, 0));
	/* Values belong to their kind. */
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0,
				    IPCQ_SEM_VALUE_MAX + 1, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_EVENT, NULL, 0, 0, 2, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_BARRIER, NULL, 0, 0,
				    0, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_BARRIER, NULL, 0, 0,
				    1ULL << 32, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_LOCK, NULL, 0, 0, 1, 0));
	/* Create flags: anonymous objects take none, EXCL needs CREATE. */
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_EVENT, NULL,
				    IPCQ_OPEN_CREATE, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_EVENT, self->name,
				    IPCQ_OPEN_EXCL, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_EVENT, self->name,
				    IPCQ_OPEN_CREATE, 01000, 0, 0));

	/* Only a condition takes a lock, and it must be one. */
	lock = raw_sync(self->dev, IPCQ_TYPE_LOCK, NULL, 0, 0, 0, 0);
	sem = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0, 1, 0);
	ASSERT_LE(0, lock);
	ASSERT_LE(0, sem);
	EXPECT_EQ(-EINVAL, raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0, 1, lock));
	EXPECT_EQ(-ENOTTY, raw_sync(self->dev, IPCQ_TYPE_COND, NULL, 0, 0, 0, sem));
	fd = open("/dev/null", O_RDONLY);
	EXPECT_EQ(-ENOTTY, raw_sync(self->dev, IPCQ_TYPE_COND, NULL, 0, 0, 0, fd));
	close(fd);
	EXPECT_EQ(-EBADF, raw_sync(self->dev, IPCQ_TYPE_COND, NULL, 0, 0, 0, 9999));
	fd = raw_sync(self->dev, IPCQ_TYPE_COND, NULL, 0, 0, 0, lock);
	EXPECT_LE(0, fd);
	close(fd);

	memset(&arg, 0, sizeof(arg));
	arg.type = IPCQ_TYPE_EVENT;
	arg.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &arg));
	arg.pad = 0;
	arg.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &arg));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, NULL));
	close(lock);
	close(sem);
}

TEST_F(s, names_are_per_type_and_unlinkable)
{
	struct ipcq_sync_stat st;
	int a, b, q;

	EXPECT_EQ(-ENOENT, raw_sync(self->dev, IPCQ_TYPE_SEM, self->name, 0, 0,
				    0, 0));
	a = raw_sync(self->dev, IPCQ_TYPE_SEM, self->name,
		     IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 3, 0);
	ASSERT_LE(0, a);
	EXPECT_EQ(-EEXIST, raw_sync(self->dev, IPCQ_TYPE_SEM, self->name,
				    IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 3, 0));
	/* Same name, other type: another namespace. */
	b = raw_sync(self->dev, IPCQ_TYPE_EVENT, self->name,
		     IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, b);
	q = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER |
			   IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, q);
	close(b);
	/* Opened by name: the same semaphore. */
	b = raw_sync(self->dev, IPCQ_TYPE_SEM, self->name, 0, 0, 0, 0);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, sop(b, IPCQ_IOC_SEM_ACQUIRE, 0, 0, 0));
	ASSERT_EQ(0, sstat(a, &st));
	EXPECT_EQ(2, st.value);
	EXPECT_EQ(IPCQ_SYNC_NAMED, st.state);
	EXPECT_EQ(0, ipcdev_sem_unlink(self->name));
	EXPECT_EQ(-ENOENT, ipcdev_sem_unlink(self->name));
	EXPECT_EQ(0, ipcdev_event_unlink(self->name));
	EXPECT_EQ(0, raw_unlink(self->dev, self->name));
	EXPECT_EQ(0, sop(a, IPCQ_IOC_SEM_ACQUIRE, 0, 0, 0));
	close(a);
	close(b);
	close(q);
}

TEST_F(s, ops_check_kind_and_arguments)
{
	int ev = raw_sync(self->dev, IPCQ_TYPE_EVENT, NULL, 0, 0, 0, 0);
	int sem = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0, 1, 0);
	struct ipcq_sync_op op;

	ASSERT_LE(0, ev);
	ASSERT_LE(0, sem);
	EXPECT_EQ(-ENOTTY, sop(ev, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER));
	EXPECT_EQ(-ENOTTY, sop(sem, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
	EXPECT_EQ(-ENOTTY, sop(sem, IPCQ_IOC_BARRIER_WAIT, 0, 0, FOREVER));
	EXPECT_EQ(-ENOTTY, sop(sem, IPCQ_IOC_QUEUE_PUT, 0, 0, 0));
	EXPECT_EQ(-ENOTTY, xioctl(sem, _IO(IPCQ_IOC_MAGIC, 0x5f), NULL));
	/* Fields an operation does not use must be zero. */
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_RELEASE, 0, 0, 0));
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_RELEASE, 1, 0, 5));
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_RELEASE, 1,
			       IPCQ_SYNC_NONBLOCK, 0));
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 1, 0, FOREVER));
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, 2, FOREVER));
	EXPECT_EQ(-EINVAL, sop(ev, IPCQ_IOC_EVENT_SET, 0, 0, 1));
	memset(&op, 0, sizeof(op));
	op.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(ev, IPCQ_IOC_EVENT_SET, &op));
	op.pad = 0;
	op.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, xioctl(ev, IPCQ_IOC_EVENT_SET, &op));
	EXPECT_EQ(-EFAULT, xioctl(ev, IPCQ_IOC_EVENT_SET, NULL));
	EXPECT_EQ(-EFAULT, xioctl(ev, IPCQ_IOC_SYNC_STAT, NULL));
	EXPECT_EQ(-EFAULT, xioctl(ev, IPCQ_IOC_SYNC_REOPEN, NULL));
	close(ev);
	close(sem);
}

/*
 * Every command a type does not know is ENOTTY and leaves the object
 * intact: numbers of the sync range with no command, known numbers with
 * another size or direction (SYNC_DESTROY's among them), other types'
 * commands, and the queue's and io_uring's.
 */
TEST_F(s, unknown_commands_are_enotty_and_leave_the_object_intact)
{
	static const unsigned long others[] = {
		IPCQ_IOC_SEM_ACQUIRE, IPCQ_IOC_SEM_RELEASE, IPCQ_IOC_SEM_WAKE,
		IPCQ_IOC_SEM_SHARE, IPCQ_IOC_SEM_ACQUIRE_N,
		IPCQ_IOC_SEM_WAIT_ZERO, IPCQ_IOC_SEM_SET_VALUE,
		IPCQ_IOC_LOCK_ACQUIRE,
		IPCQ_IOC_LOCK_RELEASE, IPCQ_IOC_LOCK_CONSISTENT,
		IPCQ_IOC_LOCK_SHARE, IPCQ_IOC_LOCK_WAKE,
		IPCQ_IOC_EVENT_SET, IPCQ_IOC_EVENT_CLEAR, IPCQ_IOC_EVENT_WAIT,
		IPCQ_IOC_COND_WAIT, IPCQ_IOC_COND_NOTIFY, IPCQ_IOC_BARRIER_WAIT,
		IPCQ_IOC_BARRIER_ABORT, IPCQ_IOC_BARRIER_RESET,
		IPCQ_IOC_QUEUE_PUT, IPCQ_IOC_QUEUE_SHUTDOWN, IPCQ_IOC_RING_ATTACH,
		IPCQ_URING_CANCEL,
		_IOW(IPCQ_IOC_MAGIC, 0x4d, uint32_t),	/* DESTROY, wrong size */
		_IOR(IPCQ_IOC_MAGIC, 0x4d, struct ipcq_sync_op),
		_IO(IPCQ_IOC_MAGIC, 0x4d),
		_IOWR(IPCQ_IOC_MAGIC, 0x4e, struct ipcq_reopen),
		_IOW(IPCQ_IOC_MAGIC, 0x4f, struct ipcq_sync_stat),
	};
	uint32_t types[] = { IPCQ_TYPE_SEM, IPCQ_TYPE_LOCK, IPCQ_TYPE_EVENT,
			     IPCQ_TYPE_COND, IPCQ_TYPE_BARRIER };
	struct ipcq_sync_stat st;
	struct ipcq_sync_op op;
	unsigned int i, j, nr;
	int lock, fd;

	lock = raw_sync(self->dev, IPCQ_TYPE_LOCK, NULL, 0, 0, 0, 0);
	ASSERT_LE(0, lock);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		fd = raw_sync(self->dev, types[i], NULL, 0, 0,
			      types[i] == IPCQ_TYPE_BARRIER ? 2 :
			      types[i] == IPCQ_TYPE_SEM,
			      types[i] == IPCQ_TYPE_COND ? lock : 0);
		ASSERT_LE(0, fd);
		memset(&op, 0, sizeof(op));
		/* The sync range's free numbers, in every shape. */
		for (nr = 0x57; nr <= 0x5f; nr++) {
			EXPECT_EQ(-ENOTTY, xioctl(fd, _IO(IPCQ_IOC_MAGIC, nr),
						  NULL));
			EXPECT_EQ(-ENOTTY, xioctl(fd, _IOW(IPCQ_IOC_MAGIC, nr,
							   struct ipcq_sync_op),
						  &op));
			EXPECT_EQ(-ENOTTY, xioctl(fd, _IOWR(IPCQ_IOC_MAGIC, nr,
							    struct ipcq_sync_op),
						  &op));
		}
		for (j = 0; j < ARRAY_SIZE(others); j++) {
			unsigned long cmd = others[j];
			bool own;

			/* The type's own commands are not unknown. */
			switch (types[i]) {
			case IPCQ_TYPE_SEM:
				own = _IOC_NR(cmd) == 0x40 || _IOC_NR(cmd) == 0x41 ||
				      (_IOC_NR(cmd) >= 0x50 &&
				       _IOC_NR(cmd) <= 0x54);
				break;
			case IPCQ_TYPE_LOCK:
				own = (_IOC_NR(cmd) >= 0x42 &&
				       _IOC_NR(cmd) <= 0x44) ||
				      _IOC_NR(cmd) == 0x55 || _IOC_NR(cmd) == 0x56;
				break;
			case IPCQ_TYPE_EVENT:
				own = _IOC_NR(cmd) >= 0x45 && _IOC_NR(cmd) <= 0x47;
				break;
			case IPCQ_TYPE_COND:
				own = _IOC_NR(cmd) == 0x48 || _IOC_NR(cmd) == 0x49;
				break;
			default:
				own = _IOC_NR(cmd) >= 0x4a && _IOC_NR(cmd) <= 0x4c;
				break;
			}
			if (own)
				continue;
			memset(&op, 0, sizeof(op));
			EXPECT_EQ(-ENOTTY, xioctl(fd, cmd, &op))
				TH_LOG("type %u, command %#lx", types[i], cmd);
		}
		/* Still there, not destroyed, and working. */
		ASSERT_EQ(0, sstat(fd, &st));
		EXPECT_EQ(types[i], st.type);
		EXPECT_EQ(0, st.state & IPCQ_SYNC_DESTROYED);
		if (types[i] == IPCQ_TYPE_SEM)
			EXPECT_EQ(0, sop(fd, IPCQ_IOC_SEM_ACQUIRE, 0,
					 IPCQ_SYNC_NONBLOCK, 0));
		if (types[i] == IPCQ_TYPE_EVENT)
			EXPECT_EQ(0, sop(fd, IPCQ_IOC_EVENT_SET, 0, 0, 0));
		if (types[i] == IPCQ_TYPE_LOCK) {
			EXPECT_EQ(0, sop(fd, IPCQ_IOC_LOCK_ACQUIRE, 0, 0,
					 FOREVER));
			EXPECT_EQ(0, sop(fd, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
		}
		close(fd);
	}
	close(lock);
}

TEST_F(s, semaphore_acquire_release_value)
{
	struct pollfd pfd = { .events = POLLIN };
	struct ipcq_sync_stat st;
	uint64_t deadline;
	int sem;

	sem = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0, 2, 0);
	ASSERT_LE(0, sem);
	pfd.fd = sem;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(0, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER));
	EXPECT_EQ(0, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, IPCQ_SYNC_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0,
			       IPCQ_SYNC_NONBLOCK, FOREVER));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	deadline = now_ns() + 50 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, 0, deadline));
	EXPECT_LE(deadline, now_ns());
	EXPECT_EQ(0, sop(sem, IPCQ_IOC_SEM_RELEASE, 5, 0, 0));
	ASSERT_EQ(0, sstat(sem, &st));
	EXPECT_EQ(IPCQ_TYPE_SEM, st.type);
	EXPECT_EQ(5, st.value);
	EXPECT_EQ(IPCQ_SEM_VALUE_MAX, st.max);
	EXPECT_EQ(0, st.held);
	EXPECT_EQ(0, st.waiters);
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(0, st.reserved[0]);
	/* Unbounded still has a maximum: overflow changes nothing. */
	EXPECT_EQ(-EOVERFLOW, sop(sem, IPCQ_IOC_SEM_RELEASE,
				  IPCQ_SEM_VALUE_MAX, 0, 0));
	ASSERT_EQ(0, sstat(sem, &st));
	EXPECT_EQ(5, st.value);
	EXPECT_EQ(0, sop(sem, IPCQ_IOC_SEM_RELEASE, IPCQ_SEM_VALUE_MAX - 5, 0, 0));
	EXPECT_EQ(-EOVERFLOW, sop(sem, IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	close(sem);
}

TEST_F(s, bounded_semaphore_rejects_release_past_start)
{
	ipcdev_sem *sem;

	ASSERT_EQ(0, ipcdev_sem_create(&sem, 2, IPCDEV_SEM_BOUNDED));
	EXPECT_EQ(-EOVERFLOW, ipcdev_sem_release(sem, 1));
	EXPECT_EQ(0, ipcdev_sem_acquire(sem, IPCDEV_NOWAIT));
	EXPECT_EQ(-EOVERFLOW, ipcdev_sem_release(sem, 2));
	EXPECT_EQ(1, ipcdev_sem_get_value(sem));
	EXPECT_EQ(0, ipcdev_sem_release(sem, 1));
	EXPECT_EQ(2, ipcdev_sem_get_value(sem));
	EXPECT_EQ(-EINVAL, ipcdev_sem_create(&sem, 1, 1U << 30));
	ipcdev_sem_close(sem);
}

/* release(k) lets exactly k blocked acquirers through. */
TEST_F(s, release_k_wakes_k)
{
	struct ipcq_sync_stat st;
	int sem, i, done = 0;
	pid_t pids[3];

	sem = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0, 0, 0);
	ASSERT_LE(0, sem);
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(-sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER));
	}
	ASSERT_TRUE(wait_for(sstat(sem, &st) == 0 && st.waiters == 3, WAIT_MS));
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_RELEASE, 2, 0, 0));
	ASSERT_TRUE(wait_for(sstat(sem, &st) == 0 && st.waiters == 1, WAIT_MS));
	EXPECT_EQ(0, st.value);
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	for (i = 0; i < 3; i++)
		done += child_status(pids[i]) == 0;
	EXPECT_EQ(3, done);
	close(sem);
}

/* Undo: units a killed process held come back; without undo they don't. */
TEST_F(s, semaphore_undo_on_sigkill)
{
	struct ipcq_sync_stat st;
	int undo, plain, go[2];
	pid_t pid;
	char c;

	undo = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, IPCQ_SYNC_UNDO, 0, 3, 0);
	plain = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0, 3, 0);
	ASSERT_LE(0, undo);
	ASSERT_LE(0, plain);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_reopen ro = { 0 };
		int mine = xioctl(undo, IPCQ_IOC_SYNC_REOPEN, &ro);

		/* A file of our own, as libipcdev makes after fork. */
		if (mine < 0)
			_exit(1);
		close(undo);
		sop(mine, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER);
		sop(mine, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER);
		sop(plain, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER);
		write(go[1], "x", 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	ASSERT_EQ(0, sstat(undo, &st));
	EXPECT_EQ(1, st.value);
	EXPECT_EQ(0, st.held);		/* ours: the child's file holds 2 */
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	ASSERT_EQ(0, sstat(undo, &st));
	EXPECT_EQ(3, st.value);
	ASSERT_EQ(0, sstat(plain, &st));
	EXPECT_EQ(2, st.value);

	/* Balanced use leaves nothing to undo; over-release is not undone. */
	EXPECT_EQ(0, sop(undo, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER));
	ASSERT_EQ(0, sstat(undo, &st));
	EXPECT_EQ(1, st.held);
	EXPECT_EQ(0, sop(undo, IPCQ_IOC_SEM_RELEASE, 2, 0, 0));
	ASSERT_EQ(0, sstat(undo, &st));
	EXPECT_EQ(-1, st.held);
	EXPECT_EQ(4, st.value);
	close(undo);
	close(plain);
}

TEST_F(s, lock_basic_and_release_rules)
{
	struct ipcq_sync_stat st;
	uint64_t deadline;
	pid_t pid;
	int lock;

	lock = raw_sync(self->dev, IPCQ_TYPE_LOCK, NULL, 0, 0, 0, 0);
	ASSERT_LE(0, lock);
	EXPECT_EQ(-EPERM, sop(lock, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
	EXPECT_EQ(0, sop(lock, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER));
	ASSERT_EQ(0, sstat(lock, &st));
	EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE, st.state);
	EXPECT_EQ(1, st.value);
	EXPECT_EQ(gettid(), st.owner_tid);
	/* Not recursive: even the holder would block. */
	EXPECT_EQ(-EAGAIN, sop(lock, IPCQ_IOC_LOCK_ACQUIRE, 0,
			       IPCQ_SYNC_NONBLOCK, 0));
	deadline = now_ns() + 30 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, sop(lock, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, deadline));
	/* Python's Lock may be released by another process. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-sop(lock, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, sstat(lock, &st));
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(0, st.owner_tid);
	/* Consistent without EOWNERDEAD is not allowed. */
	EXPECT_EQ(0, sop(lock, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER));
	EXPECT_EQ(-EINVAL, sop(lock, IPCQ_IOC_LOCK_CONSISTENT, 0, 0, 0));
	close(lock);
}

struct thread_op {
	ipcdev_lock *l;
	int ret;
};

static void *release_from_thread(void *arg)
{
	struct thread_op *t = arg;

	t->ret = ipcdev_rlock_release(t->l);
	return NULL;
}

TEST_F(s, rlock_recursion_and_owner_only_release)
{
	struct thread_op t;
	struct ipcq_sync_stat st;
	ipcdev_rlock *l;
	pthread_t th;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_rlock_create(&l));
	EXPECT_EQ(-EPERM, ipcdev_rlock_release(l));
	EXPECT_EQ(0, ipcdev_rlock_acquire(l, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_rlock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_rlock_acquire(l, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
	EXPECT_EQ(3, st.value);
#ifdef IPCQ_TEST_SHARED
	EXPECT_EQ(IPCQ_SYNC_RECURSIVE, st.flags);
#else
	/* The library's locks are shared by default. */
	EXPECT_EQ(IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED, st.flags);
#endif
	/* Another thread may not release it. */
	t.l = l;
	ASSERT_EQ(0, pthread_create(&th, NULL, release_from_thread, &t));
	pthread_join(th, NULL);
	EXPECT_EQ(-EPERM, t.ret);
	/* Another process waits until the depth is back to zero. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ipcdev_rlock_acquire(l, IPCDEV_NOWAIT) == -EAGAIN ? 0 : 1);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
	EXPECT_EQ(1, st.value);
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ipcdev_rlock_acquire(l, IPCDEV_NOWAIT) == 0 ? 0 : 1);
	EXPECT_EQ(0, child_status(pid));
	ipcdev_lock_close(l);
}

/*
 * A holder killed with SIGKILL: the next acquirer (a waiter already
 * blocked, or a later one) gets the lock and EOWNERDEAD; if it marks the
 * lock consistent the lock lives on, if not it becomes unrecoverable.
 */
FIXTURE(owner_death) {
	int unused;
};

FIXTURE_VARIANT(owner_death) {
	int recursive;
	int waiter_blocked;
	int make_consistent;
};

FIXTURE_VARIANT_ADD(owner_death, lock_later_acquirer_consistent) { 0, 0, 1 };
FIXTURE_VARIANT_ADD(owner_death, lock_blocked_waiter_consistent) { 0, 1, 1 };
FIXTURE_VARIANT_ADD(owner_death, lock_not_made_consistent) { 0, 0, 0 };
FIXTURE_VARIANT_ADD(owner_death, rlock_blocked_waiter_consistent) { 1, 1, 1 };
FIXTURE_VARIANT_ADD(owner_death, rlock_not_made_consistent) { 1, 1, 0 };

FIXTURE_SETUP(owner_death) {}
FIXTURE_TEARDOWN(owner_death) {}

TEST_F(owner_death, next_acquirer_gets_eownerdead)
{
	struct ipcq_sync_stat st;
	struct pollfd pfd = { .events = POLLIN };
	ipcdev_lock *l;
	pid_t holder, waiter = 0;
	int go[2], ret;
	char c;

	ASSERT_EQ(0, variant->recursive ? ipcdev_rlock_create(&l) :
		     ipcdev_lock_create(&l));
	ASSERT_EQ(0, pipe(go));
	holder = fork();
	ASSERT_LE(0, holder);
	if (holder == 0) {
		ipcdev_lock_acquire(l, IPCDEV_FOREVER);
		if (variant->recursive)
			ipcdev_lock_acquire(l, IPCDEV_FOREVER);
		write(go[1], "h", 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	if (variant->waiter_blocked) {
		waiter = fork();
		ASSERT_LE(0, waiter);
		if (waiter == 0) {
			ret = ipcdev_lock_acquire(l, IPCDEV_FOREVER);
			if (ret != -EOWNERDEAD)
				_exit(1);
			if (variant->make_consistent &&
			    ipcdev_lock_consistent(l))
				_exit(2);
			_exit(ipcdev_lock_release(l) ? 3 : 0);
		}
		ASSERT_TRUE(wait_for(ipcdev_lock_stat(l, &st) == 0 &&
				     st.waiters == 1, WAIT_MS));
	}
	ASSERT_EQ(0, kill(holder, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(holder));

	if (waiter) {
		EXPECT_EQ(0, child_status(waiter));
	} else {
		ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
		EXPECT_EQ(IPCQ_SYNC_OWNER_DEAD, st.state);
		EXPECT_EQ(-EOWNERDEAD, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
		ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
		EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE |
			  IPCQ_SYNC_INCONSISTENT, st.state);
		if (variant->make_consistent)
			EXPECT_EQ(0, ipcdev_lock_consistent(l));
		EXPECT_EQ(0, ipcdev_lock_release(l));
	}

	pfd.fd = ipcdev_lock_fd(l);
	if (variant->make_consistent) {
		EXPECT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
		EXPECT_EQ(0, ipcdev_lock_release(l));
		EXPECT_EQ(1, poll(&pfd, 1, 0));
		EXPECT_EQ(POLLIN, pfd.revents);
	} else {
		EXPECT_EQ(-ENOTRECOVERABLE, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
		ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
		EXPECT_EQ(IPCQ_SYNC_NOTRECOVERABLE, st.state);
		EXPECT_EQ(1, poll(&pfd, 1, 0));
		EXPECT_EQ(POLLERR, pfd.revents);
	}
	ipcdev_lock_close(l);
}

TEST_F(s, event_set_clear_wait)
{
	struct pollfd pfd = { .events = POLLIN };
	struct ipcq_sync_stat st;
	ipcdev_event *e;
	pid_t pids[2];
	int i;

	ASSERT_EQ(0, ipcdev_event_create(&e));
	pfd.fd = ipcdev_event_fd(e);
	EXPECT_EQ(0, ipcdev_event_is_set(e));
	EXPECT_EQ(-EAGAIN, ipcdev_event_wait(e, IPCDEV_NOWAIT));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_event_wait(e, 20 * NSEC_PER_MSEC));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(-ipcdev_event_wait(e, IPCDEV_FOREVER));
	}
	ASSERT_TRUE(wait_for(sstat(ipcdev_event_fd(e), &st) == 0 &&
			     st.waiters == 2, WAIT_MS));
	EXPECT_EQ(0, ipcdev_event_set(e));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(1, ipcdev_event_is_set(e));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(0, ipcdev_event_wait(e, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_event_clear(e));
	EXPECT_EQ(0, ipcdev_event_is_set(e));
	ipcdev_event_close(e);

	/* Created set. */
	i = raw_sync(self->dev, IPCQ_TYPE_EVENT, NULL, 0, 0, 1, 0);
	ASSERT_LE(0, i);
	EXPECT_EQ(0, sop(i, IPCQ_IOC_EVENT_WAIT, 0, IPCQ_SYNC_NONBLOCK, 0));
	close(i);
}

struct cond_shared {
	int value;
	int woken;
};

TEST_F(s, condition_requires_the_lock)
{
	struct pollfd pfd = { .events = POLLIN };
	ipcdev_lock *l;
	ipcdev_cond *c;

	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	/* A condition is never ready to poll: it is waited on, not polled. */
	pfd.fd = ipcdev_cond_fd(c);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-EPERM, ipcdev_cond_wait(c, IPCDEV_FOREVER));
	EXPECT_EQ(-EPERM, ipcdev_cond_notify(c, 1));
	EXPECT_EQ(-EPERM, ipcdev_cond_notify_all(c));
	EXPECT_EQ(-EINVAL, ipcdev_cond_create(&c, NULL));
	/* Timeout: ETIMEDOUT, and the lock is held again. */
	ASSERT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_cond_wait(c, 20 * NSEC_PER_MSEC));
	EXPECT_EQ(-EAGAIN, ipcdev_lock_acquire(l, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_cond_notify(c, 1));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
}

/* notify(1) wakes one of two waiters, notify_all the rest. */
TEST_F(s, condition_notify_counts)
{
	struct ipcq_sync_stat st;
	struct cond_shared *sh = shared_page(4096);
	ipcdev_lock *l;
	ipcdev_cond *c;
	pid_t pids[2];
	int i;

	ASSERT_NE(NULL, sh);
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			if (ipcdev_lock_acquire(l, IPCDEV_FOREVER))
				_exit(1);
			if (ipcdev_cond_wait(c, IPCDEV_FOREVER))
				_exit(2);
			sh->woken++;	/* under the lock */
			_exit(ipcdev_lock_release(l) ? 3 : 0);
		}
	}
	ASSERT_TRUE(wait_for(sstat(ipcdev_cond_fd(c), &st) == 0 &&
			     st.waiters == 2, WAIT_MS));
	ASSERT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_cond_notify(c, 1));
	ASSERT_EQ(0, ipcdev_lock_release(l));
	ASSERT_TRUE(wait_for(sstat(ipcdev_cond_fd(c), &st) == 0 &&
			     st.waiters == 1, WAIT_MS));
	ASSERT_TRUE(wait_for(__atomic_load_n(&sh->woken, __ATOMIC_SEQ_CST) == 1,
			     WAIT_MS));
	ASSERT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_cond_notify_all(c));
	ASSERT_EQ(0, ipcdev_lock_release(l));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(2, sh->woken);
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
	munmap(sh, 4096);
}

TEST_F(s, condition_with_rlock_restores_depth)
{
	struct ipcq_sync_stat st;
	ipcdev_rlock *l;
	ipcdev_cond *c;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_rlock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	ASSERT_EQ(0, ipcdev_rlock_acquire(l, IPCDEV_FOREVER));
	ASSERT_EQ(0, ipcdev_rlock_acquire(l, IPCDEV_FOREVER));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Gets the lock only because the waiter let go of all of it. */
		if (ipcdev_rlock_acquire(l, WAIT_NS))
			_exit(1);
		ipcdev_cond_notify(c, 1);
		_exit(ipcdev_rlock_release(l) ? 2 : 0);
	}
	EXPECT_EQ(0, ipcdev_cond_wait(c, WAIT_NS));
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, ipcdev_lock_stat(l, &st));
	EXPECT_EQ(2, st.value);
	EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE, st.state);
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
}

static int is_positive(void *arg)
{
	return __atomic_load_n((int *)arg, __ATOMIC_SEQ_CST) > 0;
}

TEST_F(s, condition_wait_for_predicate)
{
	int *flag = shared_page(4096);
	ipcdev_lock *l;
	ipcdev_cond *c;
	pid_t pid;

	ASSERT_NE(NULL, flag);
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	ASSERT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_cond_wait_for(c, is_positive, flag,
					  30 * NSEC_PER_MSEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_sync_stat st;

		ipcdev_lock_acquire(l, IPCDEV_FOREVER);
		ipcdev_cond_notify_all(c);	/* a wake-up, no change */
		ipcdev_lock_release(l);
		/*
		 * The parent, woken, finds the predicate false and waits
		 * again: asleep and counted as the condition's waiter (it
		 * stops counting once it runs after the wake-up).
		 */
		if (!wait_for(task_sleeping(getppid()) &&
			      sstat(ipcdev_cond_fd(c), &st) == 0 &&
			      st.waiters == 1, WAIT_MS))
			_exit(2);
		ipcdev_lock_acquire(l, IPCDEV_FOREVER);
		*flag = 1;
		ipcdev_cond_notify_all(c);
		_exit(ipcdev_lock_release(l) ? 1 : 0);
	}
	EXPECT_EQ(1, ipcdev_cond_wait_for(c, is_positive, flag,
					  WAIT_NS));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	EXPECT_EQ(0, child_status(pid));
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
	munmap(flag, 4096);
}

TEST_F(s, barrier_indices_abort_reset_timeout)
{
	struct pollfd pfd = { .events = POLLIN };
	int *idx = shared_page(4096);
	ipcdev_barrier *b;
	pid_t pids[3];
	int i, seen = 0;

	ASSERT_NE(NULL, idx);
	ASSERT_EQ(0, ipcdev_barrier_create(&b, 3));
	EXPECT_EQ(3, ipcdev_barrier_parties(b));
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int r = ipcdev_barrier_wait(b, WAIT_NS);

			if (r < 0 || r > 2)
				_exit(1);
			__atomic_fetch_or(idx, 1 << r, __ATOMIC_SEQ_CST);
			_exit(0);
		}
	}
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	seen = *idx;
	EXPECT_EQ(7, seen);		/* 0, 1 and 2, once each */
	EXPECT_EQ(0, ipcdev_barrier_n_waiting(b));
	/* Whole, it polls nothing; broken, POLLERR; reset, nothing again. */
	pfd.fd = ipcdev_barrier_fd(b);
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	/* Abort breaks it for a waiter and for later callers. */
	pids[0] = fork();
	ASSERT_LE(0, pids[0]);
	if (pids[0] == 0)
		_exit(-ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	ASSERT_TRUE(wait_for(ipcdev_barrier_n_waiting(b) == 1, WAIT_MS));
	EXPECT_EQ(0, ipcdev_barrier_abort(b));
	EXPECT_EQ(ECANCELED, child_status(pids[0]));
	EXPECT_EQ(1, ipcdev_barrier_broken(b));
	EXPECT_EQ(-ECANCELED, ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);

	/* Reset: usable again; current waiters get ECANCELED. */
	EXPECT_EQ(0, ipcdev_barrier_reset(b));
	EXPECT_EQ(0, ipcdev_barrier_broken(b));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	pids[0] = fork();
	ASSERT_LE(0, pids[0]);
	if (pids[0] == 0)
		_exit(-ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	ASSERT_TRUE(wait_for(ipcdev_barrier_n_waiting(b) == 1, WAIT_MS));
	EXPECT_EQ(0, ipcdev_barrier_reset(b));
	EXPECT_EQ(ECANCELED, child_status(pids[0]));
	EXPECT_EQ(0, ipcdev_barrier_broken(b));
	EXPECT_EQ(0, ipcdev_barrier_n_waiting(b));

	/* A timeout breaks it: ETIMEDOUT for that waiter, ECANCELED others. */
	pids[0] = fork();
	ASSERT_LE(0, pids[0]);
	if (pids[0] == 0)
		_exit(-ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	ASSERT_TRUE(wait_for(ipcdev_barrier_n_waiting(b) == 1, WAIT_MS));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_barrier_wait(b, 30 * NSEC_PER_MSEC));
	EXPECT_EQ(ECANCELED, child_status(pids[0]));
	EXPECT_EQ(1, ipcdev_barrier_broken(b));
	ipcdev_barrier_close(b);

	/* One party: through at once. */
	ASSERT_EQ(0, ipcdev_barrier_create(&b, 1));
	EXPECT_EQ(0, ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	ipcdev_barrier_close(b);
	munmap(idx, 4096);
}

TEST_F(s, barrier_party_killed_breaks_it)
{
	ipcdev_barrier *b;
	pid_t victim, other;

	ASSERT_EQ(0, ipcdev_barrier_create(&b, 3));
	victim = fork();
	ASSERT_LE(0, victim);
	if (victim == 0)
		_exit(-ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	other = fork();
	ASSERT_LE(0, other);
	if (other == 0)
		_exit(-ipcdev_barrier_wait(b, IPCDEV_FOREVER));
	ASSERT_TRUE(wait_for(ipcdev_barrier_n_waiting(b) == 2, WAIT_MS));
	ASSERT_EQ(0, kill(victim, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, child_status(victim));
	EXPECT_EQ(ECANCELED, child_status(other));
	EXPECT_EQ(1, ipcdev_barrier_broken(b));
	EXPECT_EQ(0, ipcdev_barrier_n_waiting(b));
	ipcdev_barrier_close(b);
}

/* Destroying an object wakes its waiters with EIDRM. */
TEST_F(s, destroy_wakes_waiters_with_eidrm)
{
	static const unsigned long cmd[] = {
		IPCQ_IOC_SEM_ACQUIRE, IPCQ_IOC_LOCK_ACQUIRE,
		IPCQ_IOC_EVENT_WAIT, IPCQ_IOC_BARRIER_WAIT,
		IPCQ_IOC_COND_WAIT,
	};
	int lock2, fds[5], i;
	struct ipcq_sync_stat st;
	struct pollfd pfd;
	pid_t pids[5];

	fds[0] = raw_sync(self->dev, IPCQ_TYPE_SEM, self->name,
			  IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 0, 0);
	fds[1] = raw_sync(self->dev, IPCQ_TYPE_LOCK, NULL, 0, 0, 0, 0);
	fds[2] = raw_sync(self->dev, IPCQ_TYPE_EVENT, NULL, 0, 0, 0, 0);
	fds[3] = raw_sync(self->dev, IPCQ_TYPE_BARRIER, NULL, 0, 0, 2, 0);
	lock2 = raw_sync(self->dev, IPCQ_TYPE_LOCK, NULL, 0, 0, 0, 0);
	ASSERT_LE(0, lock2);
	fds[4] = raw_sync(self->dev, IPCQ_TYPE_COND, NULL, 0, 0, 0, lock2);
	for (i = 0; i < 5; i++)
		ASSERT_LE(0, fds[i]);
	/* The lock waiter needs a holder: us. */
	ASSERT_EQ(0, sop(fds[1], IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER));
	for (i = 0; i < 5; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int ret;

			/* A condition waiter holds the bound lock first. */
			if (i == 4 && sop(lock2, IPCQ_IOC_LOCK_ACQUIRE, 0, 0,
					  FOREVER))
				_exit(100);
			ret = sop(fds[i], cmd[i], 0, 0, FOREVER);
			/*
			 * Our lock2 file is the parent's too (no reopen after
			 * fork), so exiting would not count as owner death:
			 * let go of it, as cond_wait gave it back to us.
			 */
			if (i == 4 && sop(lock2, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0))
				_exit(101);
			_exit(-ret);
		}
	}
	for (i = 0; i < 5; i++)
		ASSERT_TRUE(wait_for(sstat(fds[i], &st) == 0 &&
				     st.waiters == 1, WAIT_MS)) TH_LOG("obj %d", i);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(0, sop(fds[i], IPCQ_IOC_SYNC_DESTROY, 0, 0, 0));
	for (i = 0; i < 5; i++)
		EXPECT_EQ(EIDRM, child_status(pids[i])) TH_LOG("obj %d", i);

	/* Afterwards: EIDRM for everything, the name is gone, poll says so. */
	EXPECT_EQ(-EIDRM, sop(fds[0], IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	EXPECT_EQ(-EIDRM, sop(fds[1], IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
	EXPECT_EQ(-EIDRM, sop(fds[2], IPCQ_IOC_EVENT_SET, 0, 0, 0));
	EXPECT_EQ(-EIDRM, sop(fds[3], IPCQ_IOC_BARRIER_RESET, 0, 0, 0));
	ASSERT_EQ(0, sop(lock2, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER));
	EXPECT_EQ(-EIDRM, sop(fds[4], IPCQ_IOC_COND_WAIT, 0, 0, FOREVER));
	EXPECT_EQ(-EIDRM, sop(fds[4], IPCQ_IOC_COND_NOTIFY, 0, 0, 0));
	EXPECT_EQ(-ENOENT, raw_sync(self->dev, IPCQ_TYPE_SEM, self->name, 0, 0,
				    0, 0));
	ASSERT_EQ(0, sstat(fds[0], &st));
	EXPECT_EQ(IPCQ_SYNC_DESTROYED, st.state);
	pfd.fd = fds[2];
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR | POLLHUP, pfd.revents);
	for (i = 0; i < 5; i++)
		close(fds[i]);
	close(lock2);
}

TEST_F(s, destroy_by_other_user_is_eperm)
{
	int sem;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch users");
	sem = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, 0, 0, 1, 0);
	ASSERT_LE(0, sem);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		_exit(-sop(sem, IPCQ_IOC_SYNC_DESTROY, 0, 0, 0));
	}
	EXPECT_EQ(EPERM, child_status(pid));
	EXPECT_EQ(0, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER));
	close(sem);
}

TEST_F(s, signals_restart_without_stretching)
{
	ipcdev_sem *sem;
	ipcdev_lock *l;
	ipcdev_cond *c;
	uint64_t start;

	ASSERT_EQ(0, ipcdev_sem_create(&sem, 0, 0));
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	ASSERT_EQ(0, start_ticks(10000, 0));
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, ipcdev_sem_acquire(sem, 150 * NSEC_PER_MSEC));
	EXPECT_LE(start + 150 * NSEC_PER_MSEC, now_ns());
	ASSERT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, ipcdev_cond_wait(c, 150 * NSEC_PER_MSEC));
	EXPECT_LE(start + 150 * NSEC_PER_MSEC, now_ns());
	EXPECT_EQ(0, ipcdev_lock_release(l));
	stop_ticks();
	EXPECT_LT(0, *tick_count());
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
	ipcdev_sem_close(sem);
}

TEST_F(s, wait_any_and_all)
{
	ipcdev_sem *sem;
	ipcdev_event *e;
	ipcdev_queue *q;
	int fds[3], ready[3], bad[1] = { 9999 };
	uint64_t start;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_sem_create(&sem, 0, 0));
	ASSERT_EQ(0, ipcdev_event_create(&e));
	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	fds[0] = ipcdev_sem_fd(sem);
	fds[1] = ipcdev_event_fd(e);
	fds[2] = ipcdev_queue_fd(q);

	EXPECT_EQ(0, ipcdev_wait(fds, ready, 3, 0, IPCDEV_NOWAIT));
	start = now_ns();
	EXPECT_EQ(0, ipcdev_wait(fds, ready, 3, 0, 30 * NSEC_PER_MSEC));
	EXPECT_LE(start + 30 * NSEC_PER_MSEC, now_ns());

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Set only once the parent sleeps in ipcdev_wait(). */
		if (!wait_for(task_sleeping(getppid()), WAIT_MS))
			_exit(2);
		_exit(ipcdev_event_set(e) ? 1 : 0);
	}
	EXPECT_EQ(1, ipcdev_wait(fds, ready, 3, 0, WAIT_NS));
	EXPECT_EQ(0, ready[0]);
	EXPECT_EQ(1, ready[1]);
	EXPECT_EQ(0, ready[2]);
	EXPECT_EQ(0, child_status(pid));

	/* All: only once every one is ready at the same time. */
	EXPECT_EQ(0, ipcdev_wait(fds, ready, 3, IPCDEV_WAIT_ALL, IPCDEV_NOWAIT));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/*
		 * One ready object at a time, each while the parent sleeps in
		 * ipcdev_wait(): the release alone must not end its wait.
		 */
		if (!wait_for(task_sleeping(getppid()), WAIT_MS))
			_exit(2);
		ipcdev_sem_release(sem, 1);
		if (!wait_for(task_sleeping(getppid()), WAIT_MS))
			_exit(3);
		_exit(ipcdev_queue_put(q, "x", 1, IPCDEV_FOREVER) ? 1 : 0);
	}
	EXPECT_EQ(3, ipcdev_wait(fds, ready, 3, IPCDEV_WAIT_ALL,
				 WAIT_NS));
	EXPECT_EQ(0, child_status(pid));
	/* Nothing was consumed. */
	EXPECT_EQ(1, ipcdev_sem_get_value(sem));
	EXPECT_EQ(1, ipcdev_queue_qsize(q));

	EXPECT_EQ(-EBADF, ipcdev_wait(bad, ready, 1, 0, IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_wait(fds, ready, 0, 0, IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_wait(fds, ready, 3, 8, IPCDEV_NOWAIT));
	ipcdev_sem_close(sem);
	ipcdev_event_close(e);
	ipcdev_queue_close(q);
}

TEST_F(s, fdinfo_and_reopen)
{
	char text[1024];
	struct ipcq_reopen ro = { 0 };
	struct ipcq_sync_stat st;
	int sem, again;

	sem = raw_sync(self->dev, IPCQ_TYPE_SEM, NULL, IPCQ_SYNC_UNDO, 0, 4, 0);
	ASSERT_LE(0, sem);
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, 0, FOREVER));
	ASSERT_LT(0, read_fdinfo(sem, text, sizeof(text)));
	EXPECT_NE(NULL, strstr(text, "ipcq-type:\tsemaphore\n"));
	EXPECT_NE(NULL, strstr(text, "value:\t3\n"));
	EXPECT_NE(NULL, strstr(text, "held:\t1\n"));

	/* A reopened file is another holder: it holds nothing yet. */
	again = xioctl(sem, IPCQ_IOC_SYNC_REOPEN, &ro);
	ASSERT_LE(0, again);
	ASSERT_EQ(0, sstat(again, &st));
	EXPECT_EQ(0, st.held);
	EXPECT_EQ(3, st.value);
	ro.flags = IPCQ_OPEN_PRODUCER;
	EXPECT_EQ(-EINVAL, xioctl(sem, IPCQ_IOC_SYNC_REOPEN, &ro));
	close(again);
	close(sem);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static void *default_in_new_thread(void *arg)
{
	*(int *)arg = ipcdev_set_interruptible(0);
	return NULL;
}

/*
 * ipcdev_set_interruptible (0.6): by default a wait goes on through
 * signal handlers (SIGALRM every 20 ms, no SA_RESTART) to its timeout;
 * an interruptible thread's waits return -EINTR (a condition's with the
 * lock held again); the setting is per thread.
 */
TEST(interruptible_waits_end_at_signals)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval every = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	ipcdev_event *e;
	ipcdev_lock *l;
	ipcdev_cond *c;
	pthread_t t;
	int other = -1;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, ipcdev_event_create(&e));
	ASSERT_EQ(0, ipcdev_lock_create(&l));
	ASSERT_EQ(0, ipcdev_cond_create(&c, l));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every, NULL));

	alarms = 0;
	EXPECT_EQ(-ETIMEDOUT, ipcdev_event_wait(e, 500 * NSEC_PER_MSEC));
	EXPECT_LT(0, alarms);

	EXPECT_EQ(0, ipcdev_set_interruptible(1));
	EXPECT_EQ(-EINTR, ipcdev_event_wait(e, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_lock_acquire(l, IPCDEV_FOREVER));
	EXPECT_EQ(-EINTR, ipcdev_cond_wait(c, IPCDEV_FOREVER));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	ASSERT_EQ(0, pthread_create(&t, NULL, default_in_new_thread, &other));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, other);
	EXPECT_EQ(1, ipcdev_set_interruptible(0));

	alarms = 0;
	EXPECT_EQ(-ETIMEDOUT, ipcdev_event_wait(e, 200 * NSEC_PER_MSEC));
	EXPECT_LT(0, alarms);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &off, NULL));
	signal(SIGALRM, SIG_DFL);
	ipcdev_cond_close(c);
	ipcdev_lock_close(l);
	ipcdev_event_close(e);
}

TEST_HARNESS_MAIN
