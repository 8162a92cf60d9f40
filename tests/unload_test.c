// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading under load: while anything of the module is still in use by
 * some process (a mapping of a region, a ring or a shared semaphore whose
 * files are all closed, an io_uring command parked on a queue whose fd is
 * closed), delete_module fails cleanly with EWOULDBLOCK (module in use)
 * and /dev/ipcq keeps working; once the last of them is gone it succeeds,
 * and the module loads again (from /ipcq/ipcq.ko, where the VM runner puts
 * it) and works. Root only: loading and unloading modules needs it.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "uring_fixture.h"

#define MODULE_PATH "/ipcq/ipcq.ko"

/* delete_module without waiting: 0, or -errno (EWOULDBLOCK: in use). */
static int try_unload(void)
{
	return syscall(SYS_delete_module, "ipcq", O_NONBLOCK) ? -errno : 0;
}

/*
 * Unloads if it can; true once the module is gone (wait_for() evaluates
 * its condition once more after it held).
 */
static bool unloaded(void)
{
	return try_unload() == 0 || access("/sys/module/ipcq", F_OK) != 0;
}

/* /sys/module/ipcq/refcnt, or -1. */
static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/ipcq/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int load(void)
{
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Whether the module offers io_uring commands (asked without libipcdev). */
static bool has_uring(int dev)
{
	struct ipcq_api api = { .api_version = IPCQ_API_VERSION };

	return !xioctl(dev, IPCQ_IOC_API, &api) &&
	       (api.features & IPCQ_FEATURE_URING);
}

/* A mapping of @size at @off of @fd, then @fd closed; NULL on failure. */
static void *map_and_close(int fd, size_t size, off_t off, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, off);

	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Each test leaves one thing in use and nothing else: the module refuses
 * to go while it lives, goes once it is released, then loads again and
 * works. The fixture skips where modules cannot be handled.
 */
FIXTURE(unload) {
	int dev;
};

FIXTURE_SETUP(unload)
{
	self->dev = -1;
	if (geteuid() != 0)
		SKIP(return, "needs root to unload and load modules");
	if (access(MODULE_PATH, R_OK))
		SKIP(return, "no %s to load again (not the VM runner)",
		     MODULE_PATH);
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(unload)
{
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * The device fd closed (raw calls only: libipcdev's device fd would pin
 * the module): the module must still be in use.
 */
static int pinned_without_device(struct __test_metadata *_metadata,
				 int *dev)
{
	close(*dev);
	*dev = -1;
	return try_unload() == -EWOULDBLOCK;
}

/* After the last use is released: unloads (shortly), loads, works. */
static void expect_unload_and_load(struct __test_metadata *_metadata)
{
	int dev, q;

	/* Some releases finish in a worker: shortly, not at once. */
	ASSERT_TRUE(wait_for(unloaded(), WAIT_MS))
		TH_LOG("unload: %d, refcnt %ld", try_unload(), module_refcnt());
	EXPECT_NE(0, access("/sys/module/ipcq", F_OK));
	ASSERT_EQ(0, load());
	ASSERT_TRUE(wait_for(access("/dev/ipcq", F_OK) == 0, WAIT_MS));
	dev = dev_open();
	ASSERT_LE(0, dev);
	q = raw_queue_open(dev, NULL, BOTH, 0600, 4, 0);
	EXPECT_LE(0, q);
	close(q);
	close(dev);
}

TEST_F(unload, pinned_by_a_region_mapping)
{
	void *region;
	int fd;

	fd = raw_shm_open(self->dev, NULL, 0, 0600, 4096);
	ASSERT_LE(0, fd);
	region = map_and_close(fd, 4096, 0, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, region);
	EXPECT_TRUE(pinned_without_device(_metadata, &self->dev));
	ASSERT_EQ(0, munmap(region, 4096));
	expect_unload_and_load(_metadata);
}

TEST_F(unload, pinned_by_a_ring_mapping)
{
	struct ipcq_ring_info ring = { .flags = IPCQ_OPEN_CLOEXEC };
	struct ipcq_queue_open qo = {
		.flags = BOTH | IPCQ_OPEN_CLOEXEC | IPCQ_OPEN_RING,
		.mode = 0600, .capacity = 4,
	};
	void *slots;
	int fd, q;

	q = xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &qo);
	ASSERT_LE(0, q);
	fd = xioctl(q, IPCQ_IOC_RING_ATTACH, &ring);
	ASSERT_LE(0, fd);
	close(q);
	slots = map_and_close(fd, ring.ring_size, ring.ring_offset,
			      PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, slots);
	EXPECT_TRUE(pinned_without_device(_metadata, &self->dev));
	ASSERT_EQ(0, munmap(slots, ring.ring_size));
	expect_unload_and_load(_metadata);
}

TEST_F(unload, pinned_by_a_shared_semaphore_mapping)
{
	struct ipcq_sem_share sem = { 0 };
	void *value;
	int fd;

	fd = raw_sync_open(self->dev, IPCQ_TYPE_SEM, IPCQ_SYNC_SHARED, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xioctl(fd, IPCQ_IOC_SEM_SHARE, &sem));
	value = map_and_close(fd, sem.value_size, sem.value_offset,
			      PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, value);
	EXPECT_TRUE(pinned_without_device(_metadata, &self->dev));
	ASSERT_EQ(0, munmap(value, sem.value_size));
	expect_unload_and_load(_metadata);
}

/*
 * A get parked through io_uring on a queue whose fd is closed (NOHUP:
 * losing its producer is no end-of-file, so the get stays parked).
 */
TEST_F(unload, pinned_by_a_parked_io_uring_command)
{
	struct ipcq_queue_open qo = {
		.flags = BOTH | IPCQ_OPEN_CLOEXEC | IPCQ_OPEN_NOHUP,
		.mode = 0600, .capacity = 4,
	};
	struct io_uring uring;
	struct ipcq_msg get;
	char buf[16];
	int q;

	if (!has_uring(self->dev))
		SKIP(return, "no io_uring commands on this kernel (IPCQ_FEATURE_URING needs 6.12)");
	q = xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &qo);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, io_uring_queue_init(4, &uring, 0));
	msg_init(&get, buf, sizeof(buf), IPCQ_DEADLINE_FOREVER, 0);
	prep_raw(sqe_of(&uring), q, IPCQ_IOC_QUEUE_GET, (uintptr_t)&get, 0, 0,
		 1);
	ASSERT_TRUE(submitted(&uring, 1));
	close(q);
	EXPECT_TRUE(pinned_without_device(_metadata, &self->dev));
	/* Still parked: nothing completed. */
	EXPECT_EQ(-1000, next_cqe(&uring, NULL, 200));
	/* The ring's teardown cancels the get and drops the file. */
	io_uring_queue_exit(&uring);
	expect_unload_and_load(_metadata);
}

TEST_HARNESS_MAIN
