// SPDX-License-Identifier: GPL-2.0
/*
 * Limits: each fails cleanly with its own errno and recovers once memory
 * is freed. Message size (EMSGSIZE), bytes per queue (ENOBUFS) and
 * objects per user (ENOSPC) are in queue_test.c, shared memory bytes per
 * user (EDQUOT) in shm_test.c; here the memory cgroup, which is charged
 * when a message is queued and when a region is created (ENOMEM, no OOM
 * kill).
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Puts 16 KiB messages until the cgroup's 8 MiB are used up. */
static int fill_until_enomem(ipcdev_queue *q, int *count)
{
	static char msg[16384];
	int ret;

	memset(msg, 0x5a, sizeof(msg));
	for (*count = 0; *count < 100000; (*count)++) {
		ret = ipcdev_queue_put(q, msg, sizeof(msg), IPCDEV_NOWAIT);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Runs @body in a child inside a new cgroup limited to 8 MiB: the test
 * passes if the child exits 0 (a kill means the OOM killer ran), and is
 * skipped where no cgroup can be made (not root, no cgroup2 or memory
 * controller).
 */
static void in_small_cgroup(struct __test_metadata *_metadata,
			    int (*body)(void))
{
	char dir[96], path[128], pidbuf[32];
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to make a cgroup");
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		SKIP(return, "no cgroup2 mounted");
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/ipcq-limit-%d", getpid());
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	ASSERT_EQ(0, mkdir(dir, 0755));
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	if (write_file(path, "8M")) {
		rmdir(dir);
		SKIP(return, "memory controller unavailable");
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
		_exit(write_file(path, pidbuf) ? 10 : body());
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("killed: the OOM killer ran?");
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, rmdir(dir));
}

/* Queues in the cgroup: messages until ENOMEM, then room again. */
static int queue_until_enomem(void)
{
	/*
	 * Touched before the cgroup fills up: a page fault at the limit is
	 * the OOM killer's business, not ours.
	 */
	static char buf[16384];
	ipcdev_queue *q;
	size_t len;
	int n, i, ret;

	memset(buf, 0, sizeof(buf));
	if (ipcdev_simplequeue_create(&q))
		return 11;
	ret = fill_until_enomem(q, &n);
	if (ret != -ENOMEM)
		return 12;
	/*
	 * The limit bit before 8 MiB of payload, and not before 7 MiB: a
	 * 16 KiB message costs its payload and a header, not twice its
	 * payload (a header in front of it would round it up to 32 KiB).
	 */
	if (n < 7 * 64 || n > 8 * 64)
		return 13;
	/* Nothing was half-queued: exactly n messages, intact. */
	if (ipcdev_queue_qsize(q) != n)
		return 14;
	for (i = 0; i < n; i++) {
		len = sizeof(buf);
		if (ipcdev_queue_get(q, buf, &len, IPCDEV_NOWAIT) ||
		    len != sizeof(buf) || buf[0] != 0x5a)
			return 15;
	}
	/* Only now: at the limit, writing to a pipe could OOM-kill us. */
	fprintf(stderr, "# %d messages of 16 KiB in 8 MiB\n", n);
	/* Freed: putting works again, about as far as before. */
	ret = fill_until_enomem(q, &i);
	if (ret != -ENOMEM || i < n / 2)
		return 16;
	ipcdev_queue_close(q);
	return 0;
}

TEST(memcg_limit_is_enomem_and_recovers)
{
	in_small_cgroup(_metadata, queue_until_enomem);
}

/* Regions in the cgroup: one larger than it refused, one that fits. */
static int region_larger_than_the_cgroup(void)
{
	ipcdev_shm *m;
	size_t i;
	char *p;
	int n;

	/* 32 MiB in 8: refused, again and again. */
	for (n = 0; n < 3; n++)
		if (ipcdev_shm_create(&m, 32 << 20, IPCDEV_SHM_LOCK) != -ENOMEM)
			return 11 + n;
	/* What fits is made, and all of it is there. */
	if (ipcdev_shm_create(&m, 2 << 20, IPCDEV_SHM_LOCK) ||
	    ipcdev_shm_map(m, (void **)&p))
		return 15;
	for (i = 0; i < (2 << 20); i += 4096)
		p[i] = 1;
	if (ipcdev_lock_acquire(ipcdev_shm_lock(m), 0) || ipcdev_shm_close(m))
		return 16;
	return 0;
}

/*
 * A shared memory region larger than what the cgroup may use fails
 * cleanly (ENOMEM, nobody killed); one that fits works, every page of it.
 */
TEST(memcg_region_larger_than_the_limit_is_enomem)
{
	in_small_cgroup(_metadata, region_larger_than_the_cgroup);
}

TEST(module_limit_on_message_size)
{
	long old = get_param("max_msg_size");
	int dev = dev_open(), fd;
	char buf[64] = { 0 };

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, set_param("max_msg_size", 32));
	/* New queues take the new limit; a larger per-queue one is refused. */
	EXPECT_EQ(-EINVAL, raw_queue_open(dev, NULL, IPCQ_OPEN_PRODUCER |
					  IPCQ_OPEN_CONSUMER, 0, 0, 33));
	fd = raw_queue_open(dev, NULL, IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER,
			    0, 0, 0);
	ASSERT_EQ(0, set_param("max_msg_size", old));
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, raw_put(fd, buf, 32, 0, 0, 0));
	EXPECT_EQ(-EMSGSIZE, raw_put(fd, buf, 33, 0, 0, 0));
	close(fd);
	close(dev);
}

/*
 * Each limit has a range; a value outside it is refused with EINVAL and
 * the value in force stays. Non-root users cannot write them at all.
 */
TEST(module_parameters_are_bounded)
{
	static const struct {
		const char *name;
		unsigned long bad[3];
	} params[] = {
		{ "max_msg_size", { 0, (1UL << 30) + 1, ~0UL } },
		{ "max_queue_bytes", { 0, (1UL << 40) + 1, ~0UL } },
		{ "max_objects_per_user", { 0, (1UL << 20) + 1, ~0UL } },
		{ "max_shm_bytes_per_user", { 0, (1UL << 40) + 1, ~0UL } },
	};
	unsigned int i, j;

	if (geteuid() != 0) {
		EXPECT_NE(0, set_param("max_msg_size", 1000));
		SKIP(return, "needs root to change module parameters");
	}
	for (i = 0; i < ARRAY_SIZE(params); i++) {
		long old = get_param(params[i].name);

		ASSERT_LT(0, old);
		for (j = 0; j < ARRAY_SIZE(params[i].bad); j++) {
			EXPECT_EQ(-EINVAL, set_param(params[i].name,
						     params[i].bad[j]))
				TH_LOG("%s = %lu", params[i].name,
				       params[i].bad[j]);
			EXPECT_EQ(old, get_param(params[i].name));
		}
		/* The edges are in range. */
		EXPECT_EQ(0, set_param(params[i].name, 1));
		EXPECT_EQ(1, get_param(params[i].name));
		EXPECT_EQ(0, set_param(params[i].name, old));
		EXPECT_EQ(old, get_param(params[i].name));
	}
	EXPECT_EQ(0, set_param("max_msg_size", 1UL << 30));
	EXPECT_EQ(0, set_param("max_msg_size", 4UL << 20));
}

/* wait_spin_ns is no limit: 0 (never spin) to a second. */
TEST(wait_spin_budget_is_bounded)
{
	static const unsigned long bad[] = { 1000000001UL, 1UL << 32, ~0UL };
	long old = get_param("wait_spin_ns");
	unsigned int i;

	ASSERT_LE(0, old);
	if (geteuid() != 0) {
		EXPECT_NE(0, set_param("wait_spin_ns", 0));
		EXPECT_EQ(old, get_param("wait_spin_ns"));
		SKIP(return, "needs root to change module parameters");
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, set_param("wait_spin_ns", bad[i]));
		EXPECT_EQ(old, get_param("wait_spin_ns"));
	}
	EXPECT_EQ(0, set_param("wait_spin_ns", 0));
	EXPECT_EQ(0, get_param("wait_spin_ns"));
	EXPECT_EQ(0, set_param("wait_spin_ns", 1000000000UL));
	EXPECT_EQ(1000000000L, get_param("wait_spin_ns"));
	EXPECT_EQ(0, set_param("wait_spin_ns", old));
}

TEST_HARNESS_MAIN
