// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ipcq itself: opening it, the API handshake, and the ABI rules every
 * ioctl follows (ENOTTY, EINVAL on reserved bits, EFAULT on bad pointers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ipcq.h>
#include "ipcdev.h"

#include "kselftest_harness.h"

#define POISON 0xa5

/* ioctl(2) as the tests want it: 0 or -errno. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static void api_init(struct ipcq_api *api)
{
	memset(api, 0, sizeof(*api));
	api->api_version = IPCQ_API_VERSION;
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/ipcq", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/ipcq: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(abi_struct_sizes_pinned)
{
	ASSERT_EQ(64, sizeof(struct ipcq_api));
	ASSERT_EQ(0, offsetof(struct ipcq_api, api_version));
	ASSERT_EQ(4, offsetof(struct ipcq_api, flags));
	ASSERT_EQ(8, offsetof(struct ipcq_api, features));
	ASSERT_EQ(16, offsetof(struct ipcq_api, max_msg_size));
	ASSERT_EQ(24, offsetof(struct ipcq_api, max_queue_bytes));
	ASSERT_EQ(32, offsetof(struct ipcq_api, max_objects));
	ASSERT_EQ(40, offsetof(struct ipcq_api, max_shm_bytes));
	ASSERT_EQ(48, offsetof(struct ipcq_api, reserved));
	ASSERT_EQ(0xD1, _IOC_TYPE(IPCQ_IOC_API));
	ASSERT_EQ(0x00, _IOC_NR(IPCQ_IOC_API));
	ASSERT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(IPCQ_IOC_API));
	ASSERT_EQ(sizeof(struct ipcq_api), _IOC_SIZE(IPCQ_IOC_API));
}

TEST(device_opens_read_only_and_read_write)
{
	struct ipcq_api api;
	int fd;

	fd = open("/dev/ipcq", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	api_init(&api);
	EXPECT_EQ(0, xioctl(fd, IPCQ_IOC_API, &api));
	close(fd);

	fd = open("/dev/ipcq", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(dev, device_is_not_seekable)
{
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(dev, handshake_fills_every_field)
{
	struct ipcq_api api;
	unsigned int i;

	memset(&api, POISON, sizeof(api));
	api.api_version = IPCQ_API_VERSION;
	api.flags = 0;
	memset(api.reserved, 0, sizeof(api.reserved));
	api.max_shm_bytes = 0;

	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_API, &api));
	EXPECT_EQ(IPCQ_API_VERSION, api.api_version);
	EXPECT_EQ(0, api.flags);
	EXPECT_TRUE(api.features & IPCQ_FEATURE_API);
	/* Poisoned outputs must have been overwritten with real values. */
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, api.features);
	EXPECT_LT(0, api.max_msg_size);
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, api.max_msg_size);
	EXPECT_LT(0, api.max_queue_bytes);
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, api.max_queue_bytes);
	EXPECT_LT(0, api.max_objects);
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, api.max_objects);
	EXPECT_LT(0, api.max_shm_bytes);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, api.reserved[i]);
}

TEST_F(dev, handshake_newer_caller_gets_kernel_version)
{
	struct ipcq_api api;

	api_init(&api);
	api.api_version = IPCQ_API_VERSION + 1000;
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_API, &api));
	EXPECT_EQ(IPCQ_API_VERSION, api.api_version);
	EXPECT_TRUE(api.features & IPCQ_FEATURE_API);
}

TEST_F(dev, handshake_version_zero_is_einval)
{
	struct ipcq_api api;

	api_init(&api);
	api.api_version = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_API, &api));
}

TEST_F(dev, handshake_nonzero_flags_is_einval)
{
	struct ipcq_api api;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		api_init(&api);
		api.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_API, &api))
			TH_LOG("flags bit %u", bit);
	}
}

TEST_F(dev, handshake_nonzero_reserved_is_einval)
{
	struct ipcq_api api;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		api_init(&api);
		api.reserved[i] = 1ULL << (i * 21);
		EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_API, &api))
			TH_LOG("reserved[%u]", i);
	}
	/* Once reserved, now an output: still zero on input. */
	api_init(&api);
	api.max_shm_bytes = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_API, &api));
	/* Output-only fields are ignored on input, not rejected. */
	api_init(&api);
	api.features = ~0ULL;
	api.max_msg_size = ~0ULL;
	EXPECT_EQ(0, xioctl(self->fd, IPCQ_IOC_API, &api));
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IO(IPCQ_IOC_MAGIC, 0x0f), NULL));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IOWR(IPCQ_IOC_MAGIC, 0xff, buf), buf));
	/* The handshake number with another size is another ioctl. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd,
				 _IOWR(IPCQ_IOC_MAGIC, 0x00, __u64), buf));
	/* ... and so is the same number read-only. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd,
				 _IOR(IPCQ_IOC_MAGIC, 0x00, struct ipcq_api), buf));
	/* Someone else's ioctl. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, TCGETS, buf));
}

TEST_F(dev, handshake_bad_pointers_are_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct ipcq_api api;
	void *ro, *none;

	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_API, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_API, (void *)1));
	/* A kernel address. */
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_API,
				 (void *)0xffffffff81000000UL));

	/* Unmapped memory. */
	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_API, none));

	/* Readable but not writable: the copy-out must fail. */
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	api_init(&api);
	memcpy(ro, &api, sizeof(api));
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_API, ro));

	/* Straddling the end of a mapping. */
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, munmap(none, page));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_API,
				 (char *)ro + page - sizeof(api) / 2));
	munmap(ro, page);
}

TEST_F(dev, device_fd_survives_fork)
{
	struct ipcq_api api;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		api_init(&api);
		_exit(xioctl(self->fd, IPCQ_IOC_API, &api) == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(library_query_matches_kernel)
{
	struct ipcdev_info info;
	struct ipcq_api api;
	int fd;

	memset(&info, POISON, sizeof(info));
	ASSERT_EQ(0, ipcdev_query(&info, sizeof(info)));

	fd = open("/dev/ipcq", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	api_init(&api);
	ASSERT_EQ(0, xioctl(fd, IPCQ_IOC_API, &api));
	close(fd);

	EXPECT_EQ(api.api_version, info.api_version);
	EXPECT_EQ(api.features, info.features);
	EXPECT_EQ(api.max_msg_size, info.max_msg_size);
	EXPECT_EQ(api.max_queue_bytes, info.max_queue_bytes);
	EXPECT_EQ(api.max_objects, info.max_objects);
}

TEST(library_query_short_struct)
{
	struct ipcdev_info info;

	/* An old caller's smaller struct: nothing past it is written. */
	memset(&info, POISON, sizeof(info));
	ASSERT_EQ(0, ipcdev_query(&info, sizeof(info.api_version)));
	EXPECT_EQ(IPCQ_API_VERSION, info.api_version);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, info.features);

	EXPECT_EQ(-EINVAL, ipcdev_query(NULL, sizeof(info)));
}

TEST(library_features_and_version)
{
	char expect[32];
	int fd;

	EXPECT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_API));
	EXPECT_EQ(1, ipcdev_has_feature(0));
	EXPECT_EQ(0, ipcdev_has_feature(1ULL << 63));
	EXPECT_EQ(0, ipcdev_has_feature(IPCQ_FEATURE_API | (1ULL << 63)));

	snprintf(expect, sizeof(expect), "%d.%d.%d", IPCDEV_VERSION_MAJOR,
		 IPCDEV_VERSION_MINOR, IPCDEV_VERSION_PATCH);
	EXPECT_STREQ(expect, ipcdev_version());

	/* The library's descriptor is stable and close-on-exec. */
	fd = ipcdev_device_fd();
	ASSERT_LE(0, fd);
	EXPECT_EQ(fd, ipcdev_device_fd());
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* While any /dev/ipcq file is open, the module cannot go away. */
TEST_F(dev, module_pinned_while_open)
{
	if (geteuid() != 0)
		SKIP(return, "needs root to try delete_module");
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_delete_module, "ipcq", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, access("/sys/module/ipcq", F_OK));
}

TEST_HARNESS_MAIN
