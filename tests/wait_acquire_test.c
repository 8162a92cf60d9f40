// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting with acquisition (IPCQ_IOC_WAIT_ACQUIRE), auto-reset events and
 * the semaphore's acquire-n, wait-zero and set-value: every argument
 * check, ANY's lowest index, ALL's all-or-none, deadlines, signals, the
 * alert, owner death inside ALL, destroy during a wait; ANY under
 * contention from many processes (every unit taken exactly once), ALL
 * never seen half-taken by a checker, five dining philosophers; the
 * library's functions. Queues and pipe ends in ANY waits, plain and ring:
 * argument checks, index order, wake-up by a put, EMSGSIZE and EFAULT
 * keeping the message, end-of-file, shutdown and destroy, deadlines,
 * typed descriptors, every message received once under contention.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define FOREVER IPCQ_DEADLINE_FOREVER

static int sync_new(int dev, uint32_t type, uint32_t flags, uint64_t value)
{
	return raw_sync_open(dev, type, flags, value);
}

static struct ipcq_sync_stat sstat(int fd)
{
	struct ipcq_sync_stat st;

	memset(&st, POISON_BYTE, sizeof(st));
	if (xioctl(fd, IPCQ_IOC_SYNC_STAT, &st))
		memset(&st, 0xff, sizeof(st));
	return st;
}

/*
 * IPCQ_IOC_WAIT_ACQUIRE with @msgs (NULL: none) the queues' get
 * descriptors: its value or -errno; *@index as the kernel left it.
 */
static int wacq_msg(int dev, const int *fds, unsigned int n, uint32_t mode,
		    uint32_t flags, int alert, uint64_t deadline,
		    struct ipcq_msg *msgs, uint32_t *index)
{
	uint32_t ufds[IPCQ_WAIT_ACQUIRE_MAX + 1];
	struct ipcq_wait_acquire arg;
	unsigned int i;
	int ret;

	for (i = 0; i < n && i <= IPCQ_WAIT_ACQUIRE_MAX; i++)
		ufds[i] = (uint32_t)fds[i];
	memset(&arg, 0, sizeof(arg));
	arg.fds = (uintptr_t)ufds;
	arg.count = n;
	arg.mode = mode;
	arg.deadline = deadline;
	arg.flags = flags | (alert >= 0 ? IPCQ_WAIT_ALERT : 0);
	arg.alert_fd = alert >= 0 ? (uint32_t)alert : 0;
	arg.msgs = (uintptr_t)msgs;
	ret = xioctl(dev, IPCQ_IOC_WAIT_ACQUIRE, &arg);
	if (index)
		*index = arg.index;
	return ret;
}

static int wacq(int dev, const int *fds, unsigned int n, uint32_t mode,
		uint32_t flags, int alert, uint64_t deadline, uint32_t *index)
{
	return wacq_msg(dev, fds, n, mode, flags, alert, deadline, NULL,
			index);
}

#define NB IPCQ_WAIT_NONBLOCK
#define ANY IPCQ_WAIT_ANY
#define ALL IPCQ_WAIT_ALL

/* Waits until @fd's object counts @n waiters (a child is blocked on it). */
static bool waiters_reach(int fd, uint32_t n)
{
	return wait_for(sstat(fd).waiters >= n, WAIT_MS);
}

FIXTURE(w) {
	int dev;
};

FIXTURE_SETUP(w)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(w)
{
	close(self->dev);
}

TEST(abi_numbers_pinned)
{
	ASSERT_EQ(0x09, _IOC_NR(IPCQ_IOC_WAIT_ACQUIRE));
	ASSERT_EQ(0x52, _IOC_NR(IPCQ_IOC_SEM_ACQUIRE_N));
	ASSERT_EQ(0x53, _IOC_NR(IPCQ_IOC_SEM_WAIT_ZERO));
	ASSERT_EQ(0x54, _IOC_NR(IPCQ_IOC_SEM_SET_VALUE));
	ASSERT_EQ(56, sizeof(struct ipcq_wait_acquire));
	ASSERT_EQ(40, offsetof(struct ipcq_wait_acquire, msgs));
	ASSERT_EQ(48, offsetof(struct ipcq_wait_acquire, reserved));
	ASSERT_EQ(1ULL << 14, IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE);
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE));
	ASSERT_EQ(1ULL << 11, IPCQ_FEATURE_WAIT_ACQUIRE);
	ASSERT_EQ(1U << 12, IPCQ_SYNC_AUTO_RESET);
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_WAIT_ACQUIRE));
}

TEST_F(w, rejects_bad_arguments)
{
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int lock = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	int ev = sync_new(self->dev, IPCQ_TYPE_EVENT, 0, 0);
	int bar = sync_new(self->dev, IPCQ_TYPE_BARRIER, 0, 2);
	int cond = -1, null = open("/dev/null", O_RDONLY);
	int many[IPCQ_WAIT_ACQUIRE_MAX + 1];
	struct ipcq_sync_open co;
	struct ipcq_wait_acquire arg;
	uint32_t ufd, idx;
	int fds[2], i;

	ASSERT_LE(0, sem);
	ASSERT_LE(0, lock);
	ASSERT_LE(0, ev);
	ASSERT_LE(0, bar);
	memset(&co, 0, sizeof(co));
	co.type = IPCQ_TYPE_COND;
	co.flags = IPCQ_OPEN_CLOEXEC;
	co.mode = 0600;
	co.lock_fd = (uint32_t)lock;
	cond = xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &co);
	ASSERT_LE(0, cond);

	/* Count, mode, flags, alert_fd without the flag. */
	EXPECT_EQ(-EINVAL, wacq(self->dev, &sem, 0, ANY, NB, -1, 0, NULL));
	for (i = 0; i <= IPCQ_WAIT_ACQUIRE_MAX; i++)
		many[i] = sem;
	EXPECT_EQ(-EINVAL, wacq(self->dev, many, IPCQ_WAIT_ACQUIRE_MAX + 1,
				ANY, NB, -1, 0, NULL));
	EXPECT_EQ(-EINVAL, wacq(self->dev, &sem, 1, 2, NB, -1, 0, NULL));
	EXPECT_EQ(-EINVAL, wacq(self->dev, &sem, 1, ANY, 1U << 2, -1, 0,
				NULL));
	/* Pad, index on input, reserved words, alert_fd alone. */
	ufd = (uint32_t)sem;
	memset(&arg, 0, sizeof(arg));
	arg.fds = (uintptr_t)&ufd;
	arg.count = 1;
	arg.flags = NB;
	arg.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_WAIT_ACQUIRE, &arg));
	arg.pad = 0;
	arg.index = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_WAIT_ACQUIRE, &arg));
	arg.index = 0;
	arg.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_WAIT_ACQUIRE, &arg));
	arg.reserved = 0;
	arg.alert_fd = (uint32_t)ev;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_WAIT_ACQUIRE, &arg));
	arg.alert_fd = 0;
	/* Unreadable argument, unreadable fds. */
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_WAIT_ACQUIRE, NULL));
	arg.fds = 8;
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_WAIT_ACQUIRE, &arg));
	/* A descriptor not open, not a sync object, of a type not taken. */
	fds[0] = 9999;
	EXPECT_EQ(-EBADF, wacq(self->dev, fds, 1, ANY, NB, -1, 0, NULL));
	EXPECT_EQ(-ENOTTY, wacq(self->dev, &null, 1, ANY, NB, -1, 0, NULL));
	EXPECT_EQ(-ENOTTY, wacq(self->dev, &self->dev, 1, ANY, NB, -1, 0,
				NULL));
	EXPECT_EQ(-EINVAL, wacq(self->dev, &bar, 1, ANY, NB, -1, 0, NULL));
	EXPECT_EQ(-EINVAL, wacq(self->dev, &cond, 1, ANY, NB, -1, 0, NULL));
	/* The alert: open, a sync object, an event. */
	EXPECT_EQ(-EBADF, wacq(self->dev, &lock, 1, ANY, NB, 9999, 0, NULL));
	EXPECT_EQ(-ENOTTY, wacq(self->dev, &lock, 1, ANY, NB, null, 0, NULL));
	EXPECT_EQ(-EINVAL, wacq(self->dev, &lock, 1, ANY, NB, sem, 0, NULL));
	/* One object twice: ANY takes one, ALL refuses. */
	fds[0] = fds[1] = sem;
	EXPECT_EQ(-EINVAL, wacq(self->dev, fds, 2, ALL, NB, -1, 0, NULL));
	fds[1] = xioctl(sem, IPCQ_IOC_SYNC_REOPEN,
			&(struct ipcq_reopen){ .flags = IPCQ_OPEN_CLOEXEC });
	ASSERT_LE(0, fds[1]);
	EXPECT_EQ(-EINVAL, wacq(self->dev, fds, 2, ALL, NB, -1, 0, NULL));
	EXPECT_EQ(1, sstat(sem).value);
	EXPECT_EQ(0, wacq(self->dev, fds, 2, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(0, sstat(sem).value);
	close(fds[1]);
	/* Nothing was taken by any refused call. */
	EXPECT_EQ(0, sstat(lock).state & IPCQ_SYNC_LOCKED);
	EXPECT_EQ(0, sstat(sem).waiters);
	/* On an object fd, it is an unknown command. */
	EXPECT_EQ(-ENOTTY, xioctl(sem, IPCQ_IOC_WAIT_ACQUIRE, &arg));
	close(sem);
	close(lock);
	close(ev);
	close(bar);
	close(cond);
	close(null);
}

TEST_F(w, shared_semaphores_are_not_offered)
{
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_SHARED, 3);

	ASSERT_LE(0, sem);
	EXPECT_EQ(-EOPNOTSUPP, wacq(self->dev, &sem, 1, ANY, NB, -1, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 2, 0, FOREVER));
	EXPECT_EQ(-EOPNOTSUPP, sop(sem, IPCQ_IOC_SEM_WAIT_ZERO, 0, NB, 0));
	EXPECT_EQ(-EOPNOTSUPP, sop(sem, IPCQ_IOC_SEM_SET_VALUE, 1, 0, 0));
	EXPECT_EQ(3, sstat(sem).value);
	close(sem);
}

TEST_F(w, any_takes_the_ready_object_of_lowest_index)
{
	int s0 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
	int s1 = sync_new(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_UNDO, 1);
	int s2 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int lk = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	int man = sync_new(self->dev, IPCQ_TYPE_EVENT, 0, 1);
	int aut = sync_new(self->dev, IPCQ_TYPE_EVENT, IPCQ_SYNC_AUTO_RESET, 1);
	int fds[3] = { s0, s1, s2 };
	uint32_t idx = 99;

	ASSERT_LE(0, s0);
	ASSERT_LE(0, s1);
	ASSERT_LE(0, s2);
	ASSERT_LE(0, lk);
	ASSERT_LE(0, man);
	ASSERT_LE(0, aut);
	EXPECT_EQ(1, wacq(self->dev, fds, 3, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(0, sstat(s0).value);
	EXPECT_EQ(0, sstat(s1).value);
	EXPECT_EQ(1, sstat(s1).held);		/* UNDO: through this file */
	EXPECT_EQ(1, sstat(s2).value);
	EXPECT_EQ(2, wacq(self->dev, fds, 3, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(0, sstat(s2).value);
	EXPECT_EQ(-EAGAIN, wacq(self->dev, fds, 3, ANY, NB, -1, 0, &idx));

	/* A lock is taken by the caller; a held one is not ready. */
	EXPECT_EQ(0, wacq(self->dev, &lk, 1, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE,
		  sstat(lk).state & (IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE));
	EXPECT_EQ(-EAGAIN, wacq(self->dev, &lk, 1, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(0, sop(lk, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));

	/* A manual event stays set; an auto-reset one is consumed. */
	EXPECT_EQ(0, wacq(self->dev, &man, 1, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(0, wacq(self->dev, &man, 1, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(IPCQ_SYNC_SET, sstat(man).state & IPCQ_SYNC_SET);
	EXPECT_EQ(0, wacq(self->dev, &aut, 1, ANY, NB, -1, 0, &idx));
	EXPECT_EQ(0, sstat(aut).state & IPCQ_SYNC_SET);
	EXPECT_EQ(-EAGAIN, wacq(self->dev, &aut, 1, ANY, NB, -1, 0, &idx));
	close(s0);
	close(s1);
	close(s2);
	close(lk);
	close(man);
	close(aut);
}

TEST_F(w, deadlines_end_the_wait_with_nothing_taken)
{
	int s0 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
	int s1 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int fds[2] = { s0, s1 };

	ASSERT_LE(0, s0);
	ASSERT_LE(0, s1);
	EXPECT_EQ(-ETIMEDOUT, wacq(self->dev, fds, 1, ANY, 0, -1, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, wacq(self->dev, fds, 1, ANY, 0, -1,
				   now_ns() + 20 * NSEC_PER_MSEC, NULL));
	EXPECT_EQ(-ETIMEDOUT, wacq(self->dev, fds, 2, ALL, 0, -1,
				   now_ns() + 20 * NSEC_PER_MSEC, NULL));
	EXPECT_EQ(-EAGAIN, wacq(self->dev, fds, 2, ALL, NB, -1, FOREVER, NULL));
	/* An expired deadline still takes what is ready. */
	EXPECT_EQ(1, wacq(self->dev, fds, 2, ANY, 0, -1, 0, NULL));
	EXPECT_EQ(0, sstat(s0).value);
	EXPECT_EQ(0, sstat(s1).value);
	EXPECT_EQ(0, sstat(s0).waiters);
	EXPECT_EQ(0, sstat(s1).waiters);
	close(s0);
	close(s1);
}

TEST_F(w, all_takes_every_object_or_none)
{
	int s0 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int s1 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
	int lk = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	int ev = sync_new(self->dev, IPCQ_TYPE_EVENT, IPCQ_SYNC_AUTO_RESET, 1);
	int fds[4] = { s0, s1, lk, ev };
	uint32_t idx;

	ASSERT_LE(0, s0);
	ASSERT_LE(0, s1);
	ASSERT_LE(0, lk);
	ASSERT_LE(0, ev);
	EXPECT_EQ(-EAGAIN, wacq(self->dev, fds, 4, ALL, NB, -1, 0, &idx));
	EXPECT_EQ(1, sstat(s0).value);
	EXPECT_EQ(0, sstat(lk).state & IPCQ_SYNC_LOCKED);
	EXPECT_EQ(IPCQ_SYNC_SET, sstat(ev).state & IPCQ_SYNC_SET);
	EXPECT_EQ(0, sop(s1, IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	EXPECT_EQ(0, wacq(self->dev, fds, 4, ALL, NB, -1, 0, &idx));
	EXPECT_EQ(0, sstat(s0).value);
	EXPECT_EQ(0, sstat(s1).value);
	EXPECT_EQ(IPCQ_SYNC_LOCKED, sstat(lk).state & IPCQ_SYNC_LOCKED);
	EXPECT_EQ(0, sstat(ev).state & IPCQ_SYNC_SET);
	close(s0);
	close(s1);
	close(lk);
	close(ev);
}

/* A child blocked in an ALL wait takes everything once the last is ready. */
TEST_F(w, all_waiter_takes_everything_when_the_last_becomes_ready)
{
	int s0 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int lk = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	int fds[2] = { s0, lk };
	pid_t pid;

	ASSERT_LE(0, s0);
	ASSERT_LE(0, lk);
	ASSERT_EQ(0, sop(lk, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER));
	pid = fork();
	if (pid == 0) {
		int ret = wacq(self->dev, fds, 2, ALL, 0, -1, FOREVER, NULL);

		if (ret)
			_exit(1);
		_exit(sop(lk, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0) ? 2 : 0);
	}
	ASSERT_LT(0, pid);
	ASSERT_TRUE(waiters_reach(s0, 1));
	ASSERT_TRUE(waiters_reach(lk, 1));
	/* Waiting for the lock, it has not taken the unit. */
	EXPECT_EQ(1, sstat(s0).value);
	EXPECT_EQ(0, sop(lk, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, sstat(s0).value);
	EXPECT_EQ(0, sstat(s0).waiters);
	EXPECT_EQ(0, sstat(lk).waiters);
	close(s0);
	close(lk);
}

/* What ALL takes belongs to the given files: their release gives it back. */
TEST_F(w, undo_and_owner_death_follow_the_given_file)
{
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_UNDO, 1);
	int lk = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CLOEXEC };
	pid_t pid;

	ASSERT_LE(0, sem);
	ASSERT_LE(0, lk);
	pid = fork();
	if (pid == 0) {
		/* Files of the child's own, as libipcdev gives it. */
		int fds[2] = { xioctl(sem, IPCQ_IOC_SYNC_REOPEN, &ro),
			       xioctl(lk, IPCQ_IOC_SYNC_REOPEN, &ro) };

		_exit(wacq(self->dev, fds, 2, ALL, NB, -1, 0, NULL) ? 1 : 0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, child_status(pid));
	EXPECT_EQ(1, sstat(sem).value);
	EXPECT_EQ(-EOWNERDEAD, sop(lk, IPCQ_IOC_LOCK_ACQUIRE, 0, NB, 0));
	EXPECT_EQ(0, sop(lk, IPCQ_IOC_LOCK_CONSISTENT, 0, 0, 0));
	EXPECT_EQ(0, sop(lk, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
	close(sem);
	close(lk);
}

struct two_locks {
	int dev, fds[2];
};

static int take_both(void *arg)
{
	struct two_locks *t = arg;
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CLOEXEC };
	int own[2] = { xioctl(t->fds[0], IPCQ_IOC_SYNC_REOPEN, &ro),
		       xioctl(t->fds[1], IPCQ_IOC_SYNC_REOPEN, &ro) };

	return wacq(t->dev, own, 2, ALL, NB, -1, 0, NULL);
}

TEST_F(w, owner_death_inside_all)
{
	struct two_locks t = { .dev = self->dev };
	pid_t holder, waiter;
	uint32_t idx;

	t.fds[0] = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	t.fds[1] = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	ASSERT_LE(0, t.fds[0]);
	ASSERT_LE(0, t.fds[1]);
	holder = fork_holder(take_both, &t);
	ASSERT_LT(0, holder);
	waiter = fork();
	if (waiter == 0) {
		int ret = wacq(self->dev, t.fds, 2, ALL, 0, -1, FOREVER, &idx);

		if (ret != -EOWNERDEAD || idx != 0)
			_exit(1);
		/* Both held by us, both marked possibly inconsistent. */
		if (!(sstat(t.fds[0]).state & IPCQ_SYNC_INCONSISTENT) ||
		    !(sstat(t.fds[1]).state & IPCQ_SYNC_INCONSISTENT) ||
		    !(sstat(t.fds[1]).state & IPCQ_SYNC_MINE))
			_exit(2);
		if (sop(t.fds[0], IPCQ_IOC_LOCK_CONSISTENT, 0, 0, 0) ||
		    sop(t.fds[1], IPCQ_IOC_LOCK_CONSISTENT, 0, 0, 0) ||
		    sop(t.fds[0], IPCQ_IOC_LOCK_RELEASE, 0, 0, 0) ||
		    sop(t.fds[1], IPCQ_IOC_LOCK_RELEASE, 0, 0, 0))
			_exit(3);
		_exit(0);
	}
	ASSERT_LT(0, waiter);
	ASSERT_TRUE(waiters_reach(t.fds[1], 1));
	kill(holder, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(holder));
	EXPECT_EQ(0, child_status(waiter));
	EXPECT_EQ(0, sstat(t.fds[0]).state);
	EXPECT_EQ(0, sstat(t.fds[1]).state);
	close(t.fds[0]);
	close(t.fds[1]);
}

/* The same in both modes. */
FIXTURE(wm) {
	int dev;
};

FIXTURE_VARIANT(wm) {
	uint32_t mode;
};
FIXTURE_VARIANT_ADD(wm, any) { ANY };
FIXTURE_VARIANT_ADD(wm, all) { ALL };

FIXTURE_SETUP(wm)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(wm)
{
	close(self->dev);
}

TEST_F(wm, destroy_during_the_wait_is_eidrm_with_its_index)
{
	int s0 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
	int s1 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
	int fds[2] = { s0, s1 };
	pid_t pid;

	ASSERT_LE(0, s0);
	ASSERT_LE(0, s1);
	pid = fork();
	if (pid == 0) {
		uint32_t idx = 7;
		int ret = wacq(self->dev, fds, 2, variant->mode, 0, -1,
			       FOREVER, &idx);

		_exit(ret == -EIDRM && idx == 1 ? 0 : 1);
	}
	ASSERT_LT(0, pid);
	ASSERT_TRUE(waiters_reach(s1, 1));
	ASSERT_EQ(0, sop(s1, IPCQ_IOC_SYNC_DESTROY, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, sstat(s0).waiters);
	close(s0);
	close(s1);
}

TEST_F(wm, alert_ends_the_wait_with_count)
{
	int lk = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int alert = sync_new(self->dev, IPCQ_TYPE_EVENT, IPCQ_SYNC_AUTO_RESET,
			     0);
	int fds[2] = { sem, lk };
	uint32_t idx;
	pid_t pid;

	ASSERT_LE(0, lk);
	ASSERT_LE(0, sem);
	ASSERT_LE(0, alert);
	ASSERT_EQ(0, sop(lk, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER));
	pid = fork();
	if (pid == 0)
		_exit(wacq(self->dev, fds, 2, variant->mode, 0, alert,
			   FOREVER, NULL) == 2 ? 0 : 1);
	ASSERT_LT(0, pid);
	if (variant->mode == ALL) {
		ASSERT_TRUE(waiters_reach(alert, 1));
		ASSERT_EQ(0, sop(alert, IPCQ_IOC_EVENT_SET, 0, 0, 0));
		EXPECT_EQ(0, child_status(pid));
		/* Consumed; nothing else taken. */
		EXPECT_EQ(0, sstat(alert).state & IPCQ_SYNC_SET);
		EXPECT_EQ(1, sstat(sem).value);
	} else {
		/* ANY found the unit: the objects come before the alert. */
		EXPECT_EQ(1, child_status(pid));
		EXPECT_EQ(0, sstat(sem).value);
		ASSERT_EQ(0, sop(alert, IPCQ_IOC_EVENT_SET, 0, 0, 0));
		EXPECT_EQ(2, wacq(self->dev, fds, 2, ANY, NB, alert, 0, &idx));
		EXPECT_EQ(-EAGAIN, wacq(self->dev, fds, 2, ANY, NB, alert, 0,
					&idx));
	}
	/* A destroyed alert is an end of its own, at index count. */
	ASSERT_EQ(0, sop(alert, IPCQ_IOC_SYNC_DESTROY, 0, 0, 0));
	EXPECT_EQ(-EIDRM, wacq(self->dev, fds, 2, variant->mode, NB, alert, 0,
			       &idx));
	EXPECT_EQ(2, idx);
	close(lk);
	close(sem);
	close(alert);
}

static volatile sig_atomic_t got_usr1;
static int usr1_pipe = -1;

/* Tells the parent the handler ran (write(2) is async-signal-safe). */
static void on_usr1(int sig)
{
	got_usr1 = 1;
	if (write(usr1_pipe, "s", 1) != 1)
		got_usr1 = 2;
}

TEST_F(w, signals_interrupt_or_restart_the_wait)
{
	int lk = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int fds[2] = { sem, lk };
	int restart;

	ASSERT_LE(0, lk);
	ASSERT_LE(0, sem);
	ASSERT_EQ(0, sop(lk, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER));
	for (restart = 0; restart < 2; restart++) {
		int p[2];
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(p));
		pid = fork();
		if (pid == 0) {
			struct sigaction sa = { .sa_handler = on_usr1 };
			int ret;

			usr1_pipe = p[1];
			sa.sa_flags = restart ? SA_RESTART : 0;
			sigaction(SIGUSR1, &sa, NULL);
			ret = wacq(self->dev, fds, 2, ALL, 0, -1, FOREVER,
				   NULL);
			if (got_usr1 != 1)
				_exit(3);
			if (restart)
				_exit(ret == 0 ? 0 : 1);
			_exit(ret == -EINTR && sstat(sem).value == 1 ? 0 : 2);
		}
		ASSERT_LT(0, pid);
		ASSERT_TRUE(waiters_reach(lk, 1));
		kill(pid, SIGUSR1);
		ASSERT_EQ(1, read(p[0], &c, 1));
		close(p[0]);
		close(p[1]);
		if (restart) {
			/* Still waiting after the signal, then takes both. */
			ASSERT_TRUE(wait_for(task_sleeping(pid) &&
					     sstat(lk).waiters == 1, WAIT_MS));
			EXPECT_EQ(1, sstat(sem).value);
			ASSERT_EQ(0, sop(lk, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0));
		}
		EXPECT_EQ(0, child_status(pid));
	}
	EXPECT_EQ(0, sstat(sem).value);
	close(lk);
	close(sem);
}

TEST_F(w, auto_reset_event_lets_one_waiter_through_per_set)
{
	int ev = sync_new(self->dev, IPCQ_TYPE_EVENT, IPCQ_SYNC_AUTO_RESET, 0);
	pid_t pids[2], done, other;
	int i, status = -1;

	ASSERT_LE(0, ev);
	EXPECT_EQ(IPCQ_SYNC_AUTO_RESET, sstat(ev).flags);
	/* Other kind flags stay refused. */
	EXPECT_EQ(-EINVAL, sync_new(self->dev, IPCQ_TYPE_SEM,
				    IPCQ_SYNC_AUTO_RESET, 1));
	EXPECT_EQ(-EINVAL, sync_new(self->dev, IPCQ_TYPE_LOCK,
				    IPCQ_SYNC_AUTO_RESET, 0));
	/* A set with nobody waiting stays until a wait takes it. */
	ASSERT_EQ(0, sop(ev, IPCQ_IOC_EVENT_SET, 0, 0, 0));
	EXPECT_EQ(IPCQ_SYNC_SET, sstat(ev).state & IPCQ_SYNC_SET);
	EXPECT_EQ(0, sop(ev, IPCQ_IOC_EVENT_WAIT, 0, NB, 0));
	EXPECT_EQ(-EAGAIN, sop(ev, IPCQ_IOC_EVENT_WAIT, 0, NB, 0));
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(sop(ev, IPCQ_IOC_EVENT_WAIT, 0, 0, FOREVER) ? 1 : 0);
		ASSERT_LT(0, pids[i]);
	}
	ASSERT_TRUE(waiters_reach(ev, 2));
	ASSERT_EQ(0, sop(ev, IPCQ_IOC_EVENT_SET, 0, 0, 0));
	/* One is let through, the other keeps waiting. */
	/* (wait_for() tests its condition once more: no side effects there.) */
	for (i = 0, done = 0; i < WAIT_MS && done <= 0; i++) {
		done = waitpid(-1, &status, WNOHANG);
		if (!done)
			sleep_ms(1);
	}
	ASSERT_LT(0, done);
	EXPECT_EQ(0, status);
	other = done == pids[0] ? pids[1] : pids[0];
	ASSERT_TRUE(wait_for(task_sleeping(other) && sstat(ev).waiters == 1,
			     WAIT_MS));
	EXPECT_EQ(0, waitpid(other, NULL, WNOHANG));
	EXPECT_EQ(0, sstat(ev).state & IPCQ_SYNC_SET);
	ASSERT_EQ(0, sop(ev, IPCQ_IOC_EVENT_SET, 0, 0, 0));
	EXPECT_EQ(0, child_status(other));
	EXPECT_EQ(0, sstat(ev).state & IPCQ_SYNC_SET);
	close(ev);
}

TEST_F(w, sem_acquire_n_takes_all_units_at_once)
{
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_UNDO, 5);
	int bnd = sync_new(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_BOUNDED, 2);
	pid_t pid;

	ASSERT_LE(0, sem);
	ASSERT_LE(0, bnd);
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 0, NB, 0));
	EXPECT_EQ(-EINVAL, sop(bnd, IPCQ_IOC_SEM_ACQUIRE_N, 3, NB, 0));
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 1, 2, 0));
	EXPECT_EQ(0, sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 3, NB, 0));
	EXPECT_EQ(2, sstat(sem).value);
	EXPECT_EQ(3, sstat(sem).held);
	EXPECT_EQ(-EAGAIN, sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 3, NB, 0));
	EXPECT_EQ(-ETIMEDOUT, sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 3, 0,
				  now_ns() + 10 * NSEC_PER_MSEC));
	EXPECT_EQ(2, sstat(sem).value);
	/* A blocked acquirer of 4 takes nothing until 4 are there. */
	pid = fork();
	if (pid == 0)
		_exit(sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 4, 0, FOREVER) ? 1 : 0);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(waiters_reach(sem, 1));
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	EXPECT_EQ(3, sstat(sem).value);
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, sstat(sem).value);
	EXPECT_EQ(0, sop(bnd, IPCQ_IOC_SEM_ACQUIRE_N, 2, NB, 0));
	close(sem);
	close(bnd);
}

TEST_F(w, sem_wait_zero_returns_once_the_value_is_zero)
{
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 2);
	int s2 = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	pid_t pid;

	ASSERT_LE(0, sem);
	ASSERT_LE(0, s2);
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_WAIT_ZERO, 1, NB, 0));
	EXPECT_EQ(-EAGAIN, sop(sem, IPCQ_IOC_SEM_WAIT_ZERO, 0, NB, 0));
	EXPECT_EQ(-ETIMEDOUT, sop(sem, IPCQ_IOC_SEM_WAIT_ZERO, 0, 0,
				  now_ns() + 10 * NSEC_PER_MSEC));
	pid = fork();
	if (pid == 0)
		_exit(sop(sem, IPCQ_IOC_SEM_WAIT_ZERO, 0, 0, FOREVER) ? 1 : 0);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(waiters_reach(sem, 1));
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, NB, 0));
	EXPECT_EQ(1, sstat(sem).waiters);
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_ACQUIRE, 0, NB, 0));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, sop(sem, IPCQ_IOC_SEM_WAIT_ZERO, 0, NB, 0));
	/* Destroy ends it too. */
	pid = fork();
	if (pid == 0)
		_exit(sop(s2, IPCQ_IOC_SEM_WAIT_ZERO, 0, 0, FOREVER) == -EIDRM ?
		      0 : 1);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(waiters_reach(s2, 1));
	ASSERT_EQ(0, sop(s2, IPCQ_IOC_SYNC_DESTROY, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	close(sem);
	close(s2);
}

static int set_value_as_nobody(int fd, const char *unused)
{
	return sop(fd, IPCQ_IOC_SEM_SET_VALUE, 1, 0, 0) == -EPERM ? 0 : 1;
}

TEST_F(w, sem_set_value_judges_waiters_again)
{
	int sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	int bnd = sync_new(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_BOUNDED, 2);
	pid_t acq, zero;

	ASSERT_LE(0, sem);
	ASSERT_LE(0, bnd);
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_SET_VALUE, 1, 0, 1));
	EXPECT_EQ(-EINVAL, sop(sem, IPCQ_IOC_SEM_SET_VALUE, 1, NB, 0));
	EXPECT_EQ(-EOVERFLOW, sop(bnd, IPCQ_IOC_SEM_SET_VALUE, 3, 0, 0));
	EXPECT_EQ(-EOVERFLOW, sop(sem, IPCQ_IOC_SEM_SET_VALUE,
				  IPCQ_SEM_VALUE_MAX + 1, 0, 0));
	EXPECT_EQ(0, sop(bnd, IPCQ_IOC_SEM_SET_VALUE, 0, 0, 0));
	EXPECT_EQ(0, sstat(bnd).value);
	EXPECT_EQ(2, sstat(bnd).max);
	/* A waiter for 5 units and a waiter for zero. */
	acq = fork();
	if (acq == 0)
		_exit(sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 5, 0, FOREVER) ? 1 : 0);
	ASSERT_LT(0, acq);
	zero = fork();
	if (zero == 0)
		_exit(sop(sem, IPCQ_IOC_SEM_WAIT_ZERO, 0, 0, FOREVER) ? 1 : 0);
	ASSERT_LT(0, zero);
	ASSERT_TRUE(waiters_reach(sem, 2));
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SEM_SET_VALUE, 5, 0, 0));
	EXPECT_EQ(0, child_status(acq));
	/* The acquirer took the value to 0: the zero waiter goes too. */
	EXPECT_EQ(0, child_status(zero));
	EXPECT_EQ(0, sstat(sem).value);
	ASSERT_EQ(0, sop(bnd, IPCQ_IOC_SEM_SET_VALUE, 2, 0, 0));
	zero = fork();
	if (zero == 0)
		_exit(sop(bnd, IPCQ_IOC_SEM_WAIT_ZERO, 0, 0, FOREVER) ? 1 : 0);
	ASSERT_LT(0, zero);
	ASSERT_TRUE(waiters_reach(bnd, 1));
	ASSERT_EQ(0, sop(bnd, IPCQ_IOC_SEM_SET_VALUE, 0, 0, 0));
	EXPECT_EQ(0, child_status(zero));
	/* Only its owner, creator or CAP_IPC_OWNER. */
	if (geteuid() == 0)
		EXPECT_EQ(0, as_nobody(set_value_as_nobody, sem, NULL));
	EXPECT_EQ(0, sstat(sem).value);
	ASSERT_EQ(0, sop(sem, IPCQ_IOC_SYNC_DESTROY, 0, 0, 0));
	EXPECT_EQ(-EIDRM, sop(sem, IPCQ_IOC_SEM_SET_VALUE, 1, 0, 0));
	EXPECT_EQ(-EIDRM, sop(sem, IPCQ_IOC_SEM_ACQUIRE_N, 1, NB, 0));
	close(sem);
	close(bnd);
}

/*
 * ANY under contention: consumers take units from three semaphores until
 * an alert says the producer is done; every unit is taken exactly once.
 */
#define CONSUMERS 4
#define RELEASES 3000		/* of 1 and 2 units in turn, over three */
#define PER_SEM 1500		/* units each semaphore gets */

TEST_F_TIMEOUT(w, any_under_contention_takes_every_unit_once, 120)
{
	uint64_t *counts = shared_page(4096);
	int sems[3], done, i;
	pid_t pids[CONSUMERS];
	uint64_t total;

	ASSERT_NE(NULL, counts);
	for (i = 0; i < 3; i++) {
		sems[i] = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
		ASSERT_LE(0, sems[i]);
	}
	done = sync_new(self->dev, IPCQ_TYPE_EVENT, 0, 0);
	ASSERT_LE(0, done);
	for (i = 0; i < CONSUMERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			uint64_t mine[3] = { 0 };
			int ret, k;

			for (;;) {
				ret = wacq(self->dev, sems, 3, ANY, 0, done,
					   FOREVER, NULL);
				if (ret < 0 || ret > 3)
					_exit(1);
				if (ret == 3)
					break;
				mine[ret]++;
			}
			for (k = 0; k < 3; k++)
				__atomic_add_fetch(&counts[k], mine[k],
						   __ATOMIC_SEQ_CST);
			_exit(0);
		}
		ASSERT_LT(0, pids[i]);
	}
	for (i = 0; i < RELEASES; i++)
		ASSERT_EQ(0, sop(sems[i % 3], IPCQ_IOC_SEM_RELEASE,
				 1 + (i % 2), 0, 0));
	/* Every unit taken before the alert: objects come first. */
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(wait_for(sstat(sems[i]).value == 0, WAIT_MS));
	ASSERT_EQ(0, sop(done, IPCQ_IOC_EVENT_SET, 0, 0, 0));
	for (i = 0; i < CONSUMERS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	total = 0;
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(PER_SEM, counts[i]);
		total += counts[i];
		EXPECT_EQ(0, sstat(sems[i]).value);
		EXPECT_EQ(0, sstat(sems[i]).waiters);
		close(sems[i]);
	}
	EXPECT_EQ(3 * PER_SEM, total);
	close(done);
	munmap(counts, 4096);
}

/*
 * ALL never seen half-taken: workers take two locks with one ALL wait and
 * release the second before the first. A checker holding the first alone
 * must then always find the second free; an ALL that took the second and
 * waited for the first would be caught.
 */
#define ALL_ROUNDS 2000

TEST_F_TIMEOUT(w, all_is_never_observed_partially, 120)
{
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CLOEXEC };
	uint64_t *shared = shared_page(4096);
	int locks[2], i, stop, go;
	pid_t workers[2], checker;

	ASSERT_NE(NULL, shared);
	locks[0] = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	locks[1] = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	stop = sync_new(self->dev, IPCQ_TYPE_EVENT, 0, 0);
	go = sync_new(self->dev, IPCQ_TYPE_EVENT, 0, 0);
	ASSERT_LE(0, go);
	ASSERT_LE(0, locks[0]);
	ASSERT_LE(0, locks[1]);
	ASSERT_LE(0, stop);
	for (i = 0; i < 2; i++) {
		workers[i] = fork();
		if (workers[i] == 0) {
			int own[2] = { xioctl(locks[0], IPCQ_IOC_SYNC_REOPEN, &ro),
				       xioctl(locks[1], IPCQ_IOC_SYNC_REOPEN, &ro) };
			int r;

			/* Start once the checker looks, so the two overlap. */
			if (sop(go, IPCQ_IOC_EVENT_WAIT, 0, 0, FOREVER))
				_exit(3);
			for (r = 0; r < ALL_ROUNDS; r++) {
				if (wacq(self->dev, own, 2, ALL, 0, -1,
					 FOREVER, NULL))
					_exit(1);
				shared[0]++;
				if (sop(own[1], IPCQ_IOC_LOCK_RELEASE, 0, 0, 0) ||
				    sop(own[0], IPCQ_IOC_LOCK_RELEASE, 0, 0, 0))
					_exit(2);
			}
			_exit(0);
		}
		ASSERT_LT(0, workers[i]);
	}
	checker = fork();
	if (checker == 0) {
		int own = xioctl(locks[0], IPCQ_IOC_SYNC_REOPEN, &ro);
		uint64_t looks = 0, bad = 0;

		do {
			if (sop(own, IPCQ_IOC_LOCK_ACQUIRE, 0, 0, FOREVER))
				_exit(1);
			if (sstat(locks[1]).state & IPCQ_SYNC_LOCKED)
				bad++;
			looks++;
			if (sop(own, IPCQ_IOC_LOCK_RELEASE, 0, 0, 0))
				_exit(2);
			if (looks == 1 && sop(go, IPCQ_IOC_EVENT_SET, 0, 0, 0))
				_exit(3);
		} while (sop(stop, IPCQ_IOC_EVENT_WAIT, 0, NB, 0) == -EAGAIN);
		shared[1] = looks;
		shared[2] = bad;
		_exit(0);
	}
	ASSERT_LT(0, checker);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, child_status(workers[i]));
	ASSERT_EQ(0, sop(stop, IPCQ_IOC_EVENT_SET, 0, 0, 0));
	EXPECT_EQ(0, child_status(checker));
	EXPECT_EQ(2 * ALL_ROUNDS, shared[0]);
	EXPECT_LT(0, shared[1]);
	EXPECT_EQ(0, shared[2]);
	close(locks[0]);
	close(locks[1]);
	close(stop);
	close(go);
	munmap(shared, 4096);
}

/*
 * Five philosophers, five forks (locks): each eats with both of its forks
 * taken by one ALL wait. No deadlock, and each fork's use count, bumped
 * without atomics while it is held, comes out exact.
 */
#define PHILOSOPHERS 5

TEST_F_TIMEOUT(w, dining_philosophers_eat_without_deadlock, 600)
{
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CLOEXEC };
	/* 100000 meals; a tenth on a debug kernel, where calls are slow. */
	uint64_t meals = 100000 / PHILOSOPHERS /
			 (ipcq_timeout_scale() > 1 ? 10 : 1);
	uint64_t *uses = shared_page(4096);
	int forks[PHILOSOPHERS], i;
	pid_t pids[PHILOSOPHERS];

	ASSERT_NE(NULL, uses);
	for (i = 0; i < PHILOSOPHERS; i++) {
		forks[i] = sync_new(self->dev, IPCQ_TYPE_LOCK, 0, 0);
		ASSERT_LE(0, forks[i]);
	}
	for (i = 0; i < PHILOSOPHERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int l = i, r = (i + 1) % PHILOSOPHERS;
			int own[2] = { xioctl(forks[l], IPCQ_IOC_SYNC_REOPEN, &ro),
				       xioctl(forks[r], IPCQ_IOC_SYNC_REOPEN, &ro) };
			uint64_t m;

			for (m = 0; m < meals; m++) {
				if (wacq(self->dev, own, 2, ALL, 0, -1,
					 FOREVER, NULL))
					_exit(1);
				uses[l]++;
				uses[r]++;
				uses[PHILOSOPHERS + i]++;
				if (sop(own[0], IPCQ_IOC_LOCK_RELEASE, 0, 0, 0) ||
				    sop(own[1], IPCQ_IOC_LOCK_RELEASE, 0, 0, 0))
					_exit(2);
			}
			_exit(0);
		}
		ASSERT_LT(0, pids[i]);
	}
	for (i = 0; i < PHILOSOPHERS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	for (i = 0; i < PHILOSOPHERS; i++) {
		EXPECT_EQ(2 * meals, uses[i]);
		EXPECT_EQ(meals, uses[PHILOSOPHERS + i]);
		EXPECT_EQ(0, sstat(forks[i]).state);
		close(forks[i]);
	}
	munmap(uses, 4096);
}

/* The library: ipcdev_wait_acquire() and the semaphore calls. */
TEST_F(w, library_calls)
{
	ipcdev_sem *s0, *s1, *sh;
	ipcdev_lock *lk;
	ipcdev_event *ev, *alert;
	void *hs[3];
	unsigned int idx = 77;
	pid_t pid;

	ASSERT_EQ(0, ipcdev_sem_create(&s0, 0, IPCDEV_SEM_UNDO));
	ASSERT_EQ(0, ipcdev_sem_create(&s1, 2, 0));
	ASSERT_EQ(0, ipcdev_lock_create(&lk));
	ASSERT_EQ(0, ipcdev_event_create_auto(&ev));
	ASSERT_EQ(0, ipcdev_event_create_auto(&alert));
	hs[0] = s0;
	hs[1] = s1;
	hs[2] = lk;
	EXPECT_EQ(0, ipcdev_wait_acquire(&idx, hs, 3, 0, NULL, IPCDEV_NOWAIT));
	EXPECT_EQ(1, idx);
	EXPECT_EQ(-EAGAIN, ipcdev_wait_acquire(&idx, hs, 3, IPCDEV_WAIT_ALL,
					       NULL, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_sem_release(s0, 1));
	EXPECT_EQ(0, ipcdev_wait_acquire(&idx, hs, 3, IPCDEV_WAIT_ALL, NULL,
					 IPCDEV_NOWAIT));
	EXPECT_EQ(0, idx);
	EXPECT_EQ(0, ipcdev_sem_get_value(s0));
	EXPECT_EQ(0, ipcdev_sem_get_value(s1));
	EXPECT_EQ(0, ipcdev_lock_release(lk));
	EXPECT_EQ(-ETIMEDOUT, ipcdev_wait_acquire(&idx, hs, 2, 0, NULL,
						  10 * NSEC_PER_MSEC));
	/* The alert. */
	EXPECT_EQ(0, ipcdev_event_set(alert));
	EXPECT_EQ(0, ipcdev_wait_acquire(&idx, hs, 2, 0, alert, IPCDEV_FOREVER));
	EXPECT_EQ(2, idx);
	EXPECT_EQ(0, ipcdev_event_is_set(alert));
	/* Auto-reset event as an object. */
	EXPECT_EQ(0, ipcdev_event_set(ev));
	EXPECT_EQ(0, ipcdev_event_wait(ev, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_event_wait(ev, IPCDEV_NOWAIT));
	/* A child's handles are its own: its death gives back what it took. */
	EXPECT_EQ(0, ipcdev_sem_set_value(s0, 1));
	pid = fork();
	if (pid == 0)
		_exit(ipcdev_wait_acquire(&idx, hs, 3, IPCDEV_WAIT_ALL, NULL,
					  IPCDEV_NOWAIT) == -EAGAIN ? 0 : 1);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, ipcdev_sem_set_value(s1, 1));
	pid = fork();
	if (pid == 0)
		_exit(ipcdev_wait_acquire(&idx, hs, 3, IPCDEV_WAIT_ALL, NULL,
					  IPCDEV_NOWAIT) ? 1 : 0);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(1, ipcdev_sem_get_value(s0));		/* UNDO */
	EXPECT_EQ(0, ipcdev_sem_get_value(s1));
	EXPECT_EQ(-EOWNERDEAD, ipcdev_lock_acquire(lk, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_lock_consistent(lk));
	EXPECT_EQ(0, ipcdev_lock_release(lk));
	/* Semaphore calls. */
	EXPECT_EQ(0, ipcdev_sem_set_value(s1, 4));
	EXPECT_EQ(0, ipcdev_sem_acquire_n(s1, 3, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_sem_acquire_n(s1, 2, IPCDEV_NOWAIT));
	EXPECT_EQ(-EAGAIN, ipcdev_sem_wait_zero(s1, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_sem_acquire_n(s1, 1, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_sem_wait_zero(s1, IPCDEV_NOWAIT));
	/* Error paths. */
	EXPECT_EQ(-EINVAL, ipcdev_sem_acquire_n(s1, 0, IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_sem_acquire_n(NULL, 1, IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_sem_wait_zero(NULL, IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_sem_set_value(NULL, 1));
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire(NULL, hs, 1, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire(&idx, NULL, 1, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire(&idx, hs, 0, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire(&idx, hs,
					       IPCQ_WAIT_ACQUIRE_MAX + 1, 0,
					       NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire(&idx, hs, 1, 2, NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_event_open_auto(&ev, NULL, 0, 0600));
	ASSERT_EQ(0, ipcdev_sem_create(&sh, 1, IPCDEV_SEM_SHARED));
	EXPECT_EQ(-EOPNOTSUPP, ipcdev_sem_acquire_n(sh, 1, IPCDEV_NOWAIT));
	hs[0] = sh;
	EXPECT_EQ(-EOPNOTSUPP, ipcdev_wait_acquire(&idx, hs, 1, 0, NULL, 0));
	/* Destroyed: EIDRM at its index. */
	hs[0] = s0;
	EXPECT_EQ(0, ipcdev_sem_destroy(s1));
	EXPECT_EQ(-EIDRM, ipcdev_wait_acquire(&idx, hs, 2, IPCDEV_WAIT_ALL,
					      NULL, IPCDEV_NOWAIT));
	EXPECT_EQ(1, idx);
	ipcdev_sem_close(sh);
	ipcdev_sem_close(s0);
	ipcdev_sem_close(s1);
	ipcdev_lock_close(lk);
	ipcdev_event_close(ev);
	ipcdev_event_close(alert);
}

TEST_F(w, named_auto_reset_event)
{
	char name[64];
	ipcdev_event *a, *b;

	snprintf(name, sizeof(name), "wacq-auto-%d", (int)getpid());
	ASSERT_EQ(0, ipcdev_event_open_auto(&a, name, IPCDEV_CREATE |
					    IPCDEV_EXCL, 0600));
	ASSERT_EQ(0, ipcdev_event_open(&b, name, 0, 0));
	EXPECT_EQ(0, ipcdev_event_set(a));
	EXPECT_EQ(0, ipcdev_event_wait(b, IPCDEV_NOWAIT));
	EXPECT_EQ(0, ipcdev_event_is_set(a));
	EXPECT_EQ(-EINVAL, ipcdev_event_open_auto(&b, name, IPCDEV_PRODUCER,
						  0600));
	EXPECT_EQ(0, ipcdev_event_unlink(name));
	ipcdev_event_close(a);
	ipcdev_event_close(b);
}

/*
 * Queues in ANY waits (IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE): acquiring is a
 * get into the entry's descriptor. On plain and ring queues.
 */
struct qpair {
	int prod, cons;
};

/* A queue's producer and consumer files (CLOEXEC), @flags at creation. */
static int qpair_open(int dev, uint32_t flags, uint64_t capacity,
		      struct qpair *qp)
{
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CONSUMER |
					    IPCQ_OPEN_CLOEXEC };
	int both = raw_queue_open(dev, NULL, BOTH | IPCQ_OPEN_CLOEXEC | flags,
				  0600, capacity, 0);

	if (both < 0)
		return both;
	qp->cons = xioctl(both, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ro.flags = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CLOEXEC;
	qp->prod = xioctl(both, IPCQ_IOC_QUEUE_REOPEN, &ro);
	close(both);
	return qp->cons < 0 ? qp->cons : qp->prod < 0 ? qp->prod : 0;
}

static void qpair_close(struct qpair *qp)
{
	if (qp->prod >= 0)
		close(qp->prod);
	close(qp->cons);
}

/* A queue's stat; all ones if it fails. */
static struct ipcq_queue_stat qst(int q)
{
	struct ipcq_queue_stat st;

	if (raw_stat(q, &st))
		memset(&st, 0xff, sizeof(st));
	return st;
}

#define qsize(q) qst(q).messages
#define qgetters(q) qst(q).getters

static int put_typed(int q, const char *text, uint32_t prio, uint64_t type)
{
	struct ipcq_msg m;

	msg_init(&m, text, strlen(text), FOREVER, 0);
	m.priority = prio;
	m.type = type;
	return xioctl(q, IPCQ_IOC_QUEUE_PUT, &m);
}

TEST_F(w, queue_arguments_are_checked)
{
	struct ipcq_msg msgs[2];
	struct qpair qp;
	int fds[2], sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 1);
	char buf[16];

	ASSERT_LE(0, sem);
	ASSERT_EQ(0, qpair_open(self->dev, 0, 0, &qp));
	ASSERT_EQ(0, put_typed(qp.prod, "m", 0, 0));
	memset(msgs, 0, sizeof(msgs));
	msg_init(&msgs[0], buf, sizeof(buf), 0, 0);
	fds[0] = qp.cons;
	fds[1] = sem;
	/* A queue needs its descriptor; sync objects alone need none. */
	EXPECT_EQ(-EINVAL, wacq(self->dev, fds, 1, ANY, NB, -1, 0, NULL));
	/* ALL: never with a queue, whatever else is right. */
	EXPECT_EQ(-EOPNOTSUPP, wacq_msg(self->dev, fds, 2, ALL, NB, -1, 0,
					msgs, NULL));
	/* The descriptor: no deadline, NONBLOCK, PEEK; a get's rules. */
	msgs[0].deadline = 1;
	EXPECT_EQ(-EINVAL, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	msgs[0].deadline = 0;
	msgs[0].flags = IPCQ_MSG_NONBLOCK;
	EXPECT_EQ(-EINVAL, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	msgs[0].flags = IPCQ_MSG_PEEK;
	EXPECT_EQ(-EINVAL, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	msgs[0].flags = IPCQ_MSG_TYPE_EQ | IPCQ_MSG_TYPE_NE;
	EXPECT_EQ(-EINVAL, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	msgs[0].flags = 0;
	msgs[0].type = 3;
	EXPECT_EQ(-EINVAL, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	msgs[0].type = 0;
	msgs[0].flags = 1U << 30;
	EXPECT_EQ(-EINVAL, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	msgs[0].flags = 0;
	msgs[0].reserved = 1;
	EXPECT_EQ(-EINVAL, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	msgs[0].reserved = 0;
	/* Unreadable descriptors; a producer file; the alert a queue. */
	EXPECT_EQ(-EFAULT, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0,
				    (struct ipcq_msg *)8, NULL));
	EXPECT_EQ(-EBADF, wacq_msg(self->dev, &qp.prod, 1, ANY, NB, -1, 0,
				   msgs, NULL));
	EXPECT_EQ(-ENOTTY, wacq_msg(self->dev, &sem, 1, ANY, NB, qp.cons, 0,
				    msgs, NULL));
	/* Nothing taken by a refused call; then the right one takes it. */
	EXPECT_EQ(1, qsize(qp.cons));
	EXPECT_EQ(1, sstat(sem).value);
	EXPECT_EQ(0, wacq_msg(self->dev, fds, 2, ANY, NB, -1, 0, msgs, NULL));
	EXPECT_EQ(0, qsize(qp.cons));
	EXPECT_EQ(1, msgs[0].len);
	EXPECT_EQ('m', buf[0]);
	qpair_close(&qp);
	close(sem);
}

FIXTURE(wq) {
	int dev;
	struct qpair q0, q1;
	int sem;
	/* { sem, q0, q1 } and the queues' descriptors, into bufs. */
	int fds[3];
	struct ipcq_msg msgs[3];
	char bufs[3][64];
};

FIXTURE_VARIANT(wq) {
	uint32_t flags;
};
FIXTURE_VARIANT_ADD(wq, plain) { 0 };
FIXTURE_VARIANT_ADD(wq, ring) { IPCQ_OPEN_RING };

/* self->fds, with descriptors for buffers of @size bytes. */
static void wq_args(FIXTURE_DATA(wq) *self, size_t size)
{
	int i;

	self->fds[0] = self->sem;
	self->fds[1] = self->q0.cons;
	self->fds[2] = self->q1.cons;
	memset(self->msgs, 0, sizeof(self->msgs));
	memset(self->bufs, 0, sizeof(self->bufs));
	for (i = 0; i < 3; i++)
		msg_init(&self->msgs[i], self->bufs[i], size, 0, 0);
}

/* ANY over self->fds with self->msgs; *@idx as the kernel left it. */
static int wq_wait(FIXTURE_DATA(wq) *self, uint32_t flags, uint64_t deadline,
		   uint32_t *idx)
{
	return wacq_msg(self->dev, self->fds, 3, ANY, flags, -1, deadline,
			self->msgs, idx);
}

FIXTURE_SETUP(wq)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, qpair_open(self->dev, variant->flags, 4, &self->q0));
	ASSERT_EQ(0, qpair_open(self->dev, variant->flags, 4, &self->q1));
	self->sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
	ASSERT_LE(0, self->sem);
	wq_args(self, 64);
}

FIXTURE_TEARDOWN(wq)
{
	qpair_close(&self->q0);
	qpair_close(&self->q1);
	close(self->sem);
	close(self->dev);
}

TEST_F(wq, any_gets_the_message_of_lowest_index)
{
	EXPECT_EQ(-EAGAIN, wq_wait(self, NB, 0, NULL));
	ASSERT_EQ(0, put_typed(self->q1.prod, "one", 0, 0));
	ASSERT_EQ(0, put_typed(self->q1.prod, "two", 5, 9));
	EXPECT_EQ(2, wq_wait(self, NB, 0, NULL));
	/* The queue's own order: priority first; what a get reports. */
	EXPECT_STREQ("two", self->bufs[2]);
	EXPECT_EQ(3, self->msgs[2].len);
	EXPECT_EQ(5, self->msgs[2].priority);
	EXPECT_EQ(9, self->msgs[2].type);
	/* Written out as by a get: without a TYPE flag it must be 0 again. */
	EXPECT_EQ(-EINVAL, wq_wait(self, NB, 0, NULL));
	self->msgs[2].type = 0;
	EXPECT_EQ(1, qsize(self->q1.cons));
	/* Only the one acquired is written. */
	EXPECT_EQ(64, self->msgs[1].len);
	ASSERT_EQ(0, put_typed(self->q0.prod, "zero", 0, 0));
	ASSERT_EQ(0, sop(self->sem, IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	EXPECT_EQ(0, wq_wait(self, NB, 0, NULL));
	EXPECT_EQ(0, sstat(self->sem).value);
	EXPECT_EQ(1, wq_wait(self, NB, 0, NULL));
	EXPECT_STREQ("zero", self->bufs[1]);
	EXPECT_EQ(2, wq_wait(self, NB, 0, NULL));
	EXPECT_STREQ("one", self->bufs[2]);
	EXPECT_EQ(0, self->msgs[2].priority);
	EXPECT_EQ(-EAGAIN, wq_wait(self, NB, 0, NULL));
	EXPECT_EQ(0, qsize(self->q0.cons));
	EXPECT_EQ(0, qsize(self->q1.cons));
}

TEST_F(wq, a_put_wakes_the_waiter_which_gets_it)
{
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		int ret = wq_wait(self, 0, FOREVER, NULL);

		_exit(ret == 2 && !strcmp(self->bufs[2], "late") ? 0 : 1);
	}
	ASSERT_LT(0, pid);
	/* Counted as a getter of each queue while it waits. */
	ASSERT_TRUE(wait_for(qgetters(self->q1.cons) == 1, WAIT_MS));
	EXPECT_EQ(1, qgetters(self->q0.cons));
	ASSERT_EQ(0, put_typed(self->q1.prod, "late", 0, 0));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, qsize(self->q1.cons));
	EXPECT_EQ(0, qgetters(self->q0.cons));
	EXPECT_EQ(0, qgetters(self->q1.cons));
}

TEST_F(wq, too_small_a_buffer_keeps_the_message)
{
	uint32_t idx = 9;

	wq_args(self, 2);
	ASSERT_EQ(0, put_typed(self->q0.prod, "longer", 0, 0));
	EXPECT_EQ(-EMSGSIZE, wq_wait(self, NB, 0, &idx));
	EXPECT_EQ(1, idx);
	EXPECT_EQ(6, self->msgs[1].len);
	EXPECT_EQ(1, qsize(self->q0.cons));
	/* TRUNCATE takes it cut to the buffer, its size reported. */
	self->msgs[1].len = 2;
	self->msgs[1].flags = IPCQ_MSG_TRUNCATE;
	EXPECT_EQ(1, wq_wait(self, NB, 0, NULL));
	EXPECT_EQ(6, self->msgs[1].len);
	EXPECT_EQ(0, memcmp(self->bufs[1], "lo\0", 3));
	EXPECT_EQ(0, qsize(self->q0.cons));
}

TEST_F(wq, a_fault_writing_the_message_keeps_it)
{
	uint64_t len = 64;
	char buf[64];

	ASSERT_EQ(0, put_typed(self->q1.prod, "first", 0, 0));
	ASSERT_EQ(0, put_typed(self->q1.prod, "second", 0, 0));
	self->msgs[2].buf = 8;
	EXPECT_EQ(-EFAULT, wq_wait(self, NB, 0, NULL));
	EXPECT_EQ(2, qsize(self->q1.cons));
	/* In its place: a plain get takes it first. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(0, raw_get(self->q1.cons, buf, &len, NULL, NB, 0));
	EXPECT_STREQ("first", buf);
	EXPECT_EQ(1, qsize(self->q1.cons));
}

TEST_F(wq, end_of_file_is_enodata_with_its_index)
{
	uint32_t idx = 9;

	ASSERT_EQ(0, put_typed(self->q1.prod, "last", 0, 0));
	close(self->q1.prod);
	self->q1.prod = -1;
	/* What was sent comes first, then the end. */
	EXPECT_EQ(2, wq_wait(self, NB, 0, NULL));
	EXPECT_STREQ("last", self->bufs[2]);
	EXPECT_EQ(-ENODATA, wq_wait(self, NB, 0, &idx));
	EXPECT_EQ(2, idx);
	/* A lower index that is ready still comes first. */
	ASSERT_EQ(0, sop(self->sem, IPCQ_IOC_SEM_RELEASE, 1, 0, 0));
	EXPECT_EQ(0, wq_wait(self, NB, 0, NULL));
}

TEST_F(wq, eof_shutdown_and_destroy_end_a_blocked_wait)
{
	static const int want[3] = { -EIDRM, -ESHUTDOWN, -ENODATA };
	struct qpair fresh;
	int i;
	pid_t pid;

	ASSERT_EQ(0, qpair_open(self->dev, variant->flags, 4, &fresh));
	for (i = 0; i < 3; i++) {
		pid = fork();
		if (pid == 0) {
			uint32_t idx = 9;
			int ret;

			/* No producer of its own: the parent's close ends. */
			close(self->q0.prod);
			close(self->q1.prod);
			close(fresh.prod);
			ret = wq_wait(self, 0, FOREVER, &idx);
			_exit(ret == want[i] && idx == (uint32_t)i ? 0 : 1);
		}
		ASSERT_LT(0, pid);
		ASSERT_TRUE(waiters_reach(self->sem, 1));
		ASSERT_TRUE(wait_for(qgetters(self->q1.cons) == 1, WAIT_MS));
		if (i == 0) {
			ASSERT_EQ(0, sop(self->sem, IPCQ_IOC_SYNC_DESTROY, 0, 0,
					 0));
		} else if (i == 1) {
			struct ipcq_shutdown sd = { 0 };

			ASSERT_EQ(0, xioctl(self->q0.cons,
					    IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
		} else {
			close(self->q1.prod);
			self->q1.prod = -1;
		}
		EXPECT_EQ(0, child_status(pid));
		if (i == 0) {
			close(self->sem);
			self->sem = sync_new(self->dev, IPCQ_TYPE_SEM, 0, 0);
			ASSERT_LE(0, self->sem);
			self->fds[0] = self->sem;
		}
		/* The shut down queue would end every later wait. */
		if (i == 1)
			self->fds[1] = fresh.cons;
	}
	EXPECT_EQ(0, qgetters(self->q0.cons));
	EXPECT_EQ(0, qgetters(self->q1.cons));
	EXPECT_EQ(0, qgetters(fresh.cons));
	qpair_close(&fresh);
}

TEST_F(wq, deadline_and_nonblock_take_nothing)
{

	EXPECT_EQ(-ETIMEDOUT, wq_wait(self, 0, now_ns() + 20 * NSEC_PER_MSEC,
				      NULL));
	EXPECT_EQ(-ETIMEDOUT, wq_wait(self, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, wq_wait(self, NB, FOREVER, NULL));
	EXPECT_EQ(0, qgetters(self->q0.cons));
	/* Too late, but ready: taken (as a get would). */
	ASSERT_EQ(0, put_typed(self->q0.prod, "x", 0, 0));
	EXPECT_EQ(1, wq_wait(self, 0, 0, NULL));
}

TEST_F(wq, typed_descriptors_select)
{
	pid_t pid;

	self->msgs[1].flags = IPCQ_MSG_TYPE_EQ;
	self->msgs[1].type = 5;
	ASSERT_EQ(0, put_typed(self->q0.prod, "three", 0, 3));
	EXPECT_EQ(-EAGAIN, wq_wait(self, NB, 0, NULL));
	pid = fork();
	if (pid == 0) {
		int ret = wq_wait(self, 0, FOREVER, NULL);

		_exit(ret == 1 && !strcmp(self->bufs[1], "five") &&
		      self->msgs[1].type == 5 ? 0 : 1);
	}
	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_for(qgetters(self->q0.cons) == 1, WAIT_MS));
	/* Not what it selects: it waits on; then the queue is not empty. */
	ASSERT_EQ(0, put_typed(self->q0.prod, "four", 0, 4));
	ASSERT_EQ(0, put_typed(self->q0.prod, "five", 0, 5));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(2, qsize(self->q0.cons));
	/* NE and LE. */
	self->msgs[1].flags = IPCQ_MSG_TYPE_NE;
	self->msgs[1].type = 3;
	EXPECT_EQ(1, wq_wait(self, NB, 0, NULL));
	EXPECT_STREQ("four", self->bufs[1]);
	self->msgs[1].flags = IPCQ_MSG_TYPE_LE;
	self->msgs[1].type = 2;
	self->msgs[1].len = 64;
	EXPECT_EQ(-EAGAIN, wq_wait(self, NB, 0, NULL));
	self->msgs[1].type = 3;
	EXPECT_EQ(1, wq_wait(self, NB, 0, NULL));
	EXPECT_EQ(3, self->msgs[1].type);
	EXPECT_EQ(0, qsize(self->q0.cons));
}

/*
 * Get from whichever queue has a message: consumers wait on three queues
 * (and an alert); producers put numbered messages into them. Every
 * message is received exactly once.
 */
#define Q_CONSUMERS 4
#define Q_PRODUCERS 3
#define Q_PER_PRODUCER 300

TEST_F_TIMEOUT(wq, any_over_queues_receives_every_message_once, 300)
{
	const unsigned int total = Q_PRODUCERS * Q_PER_PRODUCER;
	uint32_t *counts = shared_page(4 * 4096);
	struct qpair q2;
	pid_t cons[Q_CONSUMERS], prods[Q_PRODUCERS];
	int qs[3], fds[3], done, i;
	unsigned int k, sum;

	ASSERT_NE(NULL, counts);
	ASSERT_EQ(0, qpair_open(self->dev, variant->flags, 4, &q2));
	done = sync_new(self->dev, IPCQ_TYPE_EVENT, 0, 0);
	ASSERT_LE(0, done);
	fds[0] = self->q0.cons;
	fds[1] = self->q1.cons;
	fds[2] = q2.cons;
	qs[0] = self->q0.prod;
	qs[1] = self->q1.prod;
	qs[2] = q2.prod;
	for (i = 0; i < Q_CONSUMERS; i++) {
		cons[i] = fork();
		if (cons[i] == 0) {
			struct ipcq_msg msgs[3];
			uint32_t ids[3];
			int ret, j;

			for (;;) {
				for (j = 0; j < 3; j++)
					msg_init(&msgs[j], &ids[j],
						 sizeof(ids[j]), 0, 0);
				ret = wacq_msg(self->dev, fds, 3, ANY, 0, done,
					       FOREVER, msgs, NULL);
				if (ret == 3)
					_exit(0);
				if (ret < 0 || ret > 3 ||
				    msgs[ret].len != sizeof(uint32_t) ||
				    ids[ret] >= total)
					_exit(1);
				__atomic_add_fetch(&counts[ids[ret]], 1,
						   __ATOMIC_SEQ_CST);
			}
		}
		ASSERT_LT(0, cons[i]);
	}
	for (i = 0; i < Q_PRODUCERS; i++) {
		prods[i] = fork();
		if (prods[i] == 0) {
			uint32_t id;

			for (k = 0; k < Q_PER_PRODUCER; k++) {
				id = (uint32_t)(i * Q_PER_PRODUCER + k);
				if (raw_put(qs[(i + k) % 3], &id, sizeof(id),
					    k % 3, 0, FOREVER))
					_exit(1);
			}
			_exit(0);
		}
		ASSERT_LT(0, prods[i]);
	}
	for (i = 0; i < Q_PRODUCERS; i++)
		EXPECT_EQ(0, child_status(prods[i]));
	/* Every message taken (and so counted) before the alert. */
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(wait_for(qsize(fds[i]) == 0, WAIT_MS));
	ASSERT_EQ(0, sop(done, IPCQ_IOC_EVENT_SET, 0, 0, 0));
	for (i = 0; i < Q_CONSUMERS; i++)
		EXPECT_EQ(0, child_status(cons[i]));
	sum = 0;
	for (k = 0; k < total; k++) {
		if (counts[k] != 1)
			TH_LOG("message %u received %u times", k, counts[k]);
		EXPECT_EQ(1, counts[k]);
		sum += counts[k];
	}
	EXPECT_EQ(total, sum);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, qgetters(fds[i]));
	qpair_close(&q2);
	close(done);
	munmap(counts, 4 * 4096);
}

TEST_F(w, pipe_ends_receive_through_the_wait)
{
	struct ipcq_pipe_create pc;
	struct ipcq_msg msgs[2];
	char buf[16];
	uint32_t idx = 9;
	int fds[2];

	memset(&pc, 0, sizeof(pc));
	pc.flags = IPCQ_PIPE_CLOEXEC;
	ASSERT_EQ(0, xioctl(self->dev, IPCQ_IOC_PIPE_CREATE, &pc));
	memset(msgs, 0, sizeof(msgs));
	msg_init(&msgs[0], buf, sizeof(buf), 0, 0);
	msg_init(&msgs[1], buf, sizeof(buf), 0, 0);
	/* fds[1] only sends. */
	fds[0] = (int)pc.fds[1];
	EXPECT_EQ(-EBADF, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				   NULL));
	fds[0] = (int)pc.fds[0];
	EXPECT_EQ(-EAGAIN, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				    NULL));
	memset(buf, 0, sizeof(buf));
	msg_init(&msgs[1], "hi", 2, FOREVER, 0);
	ASSERT_EQ(0, xioctl((int)pc.fds[1], IPCQ_IOC_PIPE_SEND, &msgs[1]));
	EXPECT_EQ(0, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs, NULL));
	EXPECT_STREQ("hi", buf);
	EXPECT_EQ(2, msgs[0].len);
	/* The peer gone: end-of-file, as its recv would say. */
	close((int)pc.fds[1]);
	EXPECT_EQ(-ENODATA, wacq_msg(self->dev, fds, 1, ANY, NB, -1, 0, msgs,
				     &idx));
	EXPECT_EQ(0, idx);
	close((int)pc.fds[0]);
}

TEST_F(w, library_waits_over_queues)
{
	struct ipcdev_wait_msg msgs[3];
	ipcdev_queue *q;
	ipcdev_pipe *a, *b;
	ipcdev_sem *s;
	char qb[16], pb[16];
	unsigned int idx = 9;
	void *hs[3];

	ASSERT_EQ(0, ipcdev_sem_create(&s, 0, 0));
	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, NULL));
	hs[0] = s;
	hs[1] = q;
	hs[2] = a;
	memset(msgs, 0, sizeof(msgs));
	memset(qb, 0, sizeof(qb));
	memset(pb, 0, sizeof(pb));
	msgs[1].buf = qb;
	msgs[1].len = sizeof(qb);
	msgs[2].buf = pb;
	msgs[2].len = sizeof(pb);
	EXPECT_EQ(-EAGAIN, ipcdev_wait_acquire_msg(&idx, hs, msgs, 3, NULL,
						   IPCDEV_NOWAIT));
	ASSERT_EQ(0, ipcdev_queue_put_typed(q, "typed", 5, 7, 2,
					    IPCDEV_FOREVER));
	msgs[1].flags = IPCDEV_TYPE_EQ;
	msgs[1].match = 7;
	EXPECT_EQ(0, ipcdev_wait_acquire_msg(&idx, hs, msgs, 3, NULL,
					     IPCDEV_FOREVER));
	EXPECT_EQ(1, idx);
	EXPECT_STREQ("typed", qb);
	EXPECT_EQ(5, msgs[1].len);
	EXPECT_EQ(7, msgs[1].type);
	EXPECT_EQ(2, msgs[1].prio);
	ASSERT_EQ(0, ipcdev_pipe_send(b, "piped", 5, IPCDEV_FOREVER));
	msgs[2].len = 2;
	EXPECT_EQ(-EMSGSIZE, ipcdev_wait_acquire_msg(&idx, hs, msgs, 3, NULL,
						     IPCDEV_NOWAIT));
	EXPECT_EQ(2, idx);
	EXPECT_EQ(5, msgs[2].len);
	EXPECT_EQ(0, ipcdev_wait_acquire_msg(&idx, hs, msgs, 3, NULL,
					     IPCDEV_NOWAIT));
	EXPECT_STREQ("piped", pb);
	EXPECT_EQ(0, msgs[2].type);
	ASSERT_EQ(0, ipcdev_pipe_close(b));
	EXPECT_EQ(IPCDEV_EOF, ipcdev_wait_acquire_msg(&idx, hs, msgs, 3, NULL,
						      IPCDEV_NOWAIT));
	EXPECT_EQ(2, idx);
	msgs[0].flags = 1U << 30;
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire_msg(&idx, hs, msgs, 3, NULL,
						   IPCDEV_NOWAIT));
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire_msg(&idx, hs, NULL, 3, NULL,
						   IPCDEV_NOWAIT));
	/* The plain call has no buffers: a queue is refused. */
	EXPECT_EQ(-EINVAL, ipcdev_wait_acquire(&idx, hs, 2, 0, NULL,
					       IPCDEV_NOWAIT));
	ipcdev_pipe_close(a);
	ipcdev_queue_close(q);
	ipcdev_sem_close(s);
}

TEST_HARNESS_MAIN
