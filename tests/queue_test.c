// SPDX-License-Identifier: GPL-2.0
/*
 * Message queues through the raw ioctls: creation and names, put/get in
 * every mode, priorities, peek, limits, JoinableQueue counting, endpoint
 * loss, shutdown, poll, and every error path.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <grp.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define BOTH (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER)

FIXTURE(q) {
	int dev;
	int fd;			/* anonymous queue, capacity 4, both roles */
	char name[64];		/* a name unique to this test */
};

FIXTURE_SETUP(q)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	self->fd = raw_queue_open(self->dev, NULL, BOTH | IPCQ_OPEN_CLOEXEC,
				  0, 4, 0);
	ASSERT_LE(0, self->fd);
	snprintf(self->name, sizeof(self->name), "queue-test-%d", getpid());
}

FIXTURE_TEARDOWN(q)
{
	raw_unlink(self->dev, self->name);
	close(self->fd);
	close(self->dev);
}

TEST(abi_struct_layouts_pinned)
{
	ASSERT_EQ(64, sizeof(struct ipcq_queue_open));
	ASSERT_EQ(8, offsetof(struct ipcq_queue_open, name_len));
	ASSERT_EQ(12, offsetof(struct ipcq_queue_open, flags));
	ASSERT_EQ(16, offsetof(struct ipcq_queue_open, mode));
	ASSERT_EQ(24, offsetof(struct ipcq_queue_open, capacity));
	ASSERT_EQ(32, offsetof(struct ipcq_queue_open, max_msg_size));
	ASSERT_EQ(32, sizeof(struct ipcq_unlink));
	ASSERT_EQ(48, sizeof(struct ipcq_msg));
	ASSERT_EQ(16, offsetof(struct ipcq_msg, deadline));
	ASSERT_EQ(24, offsetof(struct ipcq_msg, flags));
	ASSERT_EQ(28, offsetof(struct ipcq_msg, priority));
	ASSERT_EQ(112, sizeof(struct ipcq_queue_stat));
	ASSERT_EQ(48, offsetof(struct ipcq_queue_stat, putters));
	ASSERT_EQ(80, offsetof(struct ipcq_queue_stat, reserved));
	ASSERT_EQ(16, sizeof(struct ipcq_task_done));
	ASSERT_EQ(24, sizeof(struct ipcq_wait));
	ASSERT_EQ(16, sizeof(struct ipcq_shutdown));
	ASSERT_EQ(16, sizeof(struct ipcq_reopen));
	ASSERT_EQ(0x01, _IOC_NR(IPCQ_IOC_QUEUE_OPEN));
	ASSERT_EQ(0x10, _IOC_NR(IPCQ_IOC_QUEUE_PUT));
	ASSERT_EQ(0x16, _IOC_NR(IPCQ_IOC_QUEUE_REOPEN));
}

TEST(handshake_offers_queues)
{
	EXPECT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_QUEUE));
}

TEST_F(q, anonymous_queue_stat_defaults)
{
	struct ipcq_queue_stat st;
	struct ipcdev_info info;

	ASSERT_EQ(0, ipcdev_query(&info, sizeof(info)));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.bytes);
	EXPECT_EQ(4, st.capacity);
	EXPECT_EQ(info.max_msg_size, st.max_msg_size);
	EXPECT_EQ(info.max_queue_bytes, st.max_bytes);
	EXPECT_EQ(0, st.unfinished);
	EXPECT_EQ(0, st.putters);
	EXPECT_EQ(0, st.getters);
	EXPECT_EQ(0, st.joiners);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(1, st.consumers);
	EXPECT_EQ(TEST_QUEUE_STATE, st.state);
	EXPECT_EQ(BOTH, st.endpoint);
	EXPECT_EQ(0, st.pad);
	EXPECT_EQ(0, st.reserved[0]);
	EXPECT_EQ(0, st.reserved[3]);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(q, open_without_cloexec)
{
	int fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(q, open_rejects_bad_arguments)
{
	struct ipcq_queue_open arg;
	unsigned int i;
	char long_name[IPCQ_NAME_MAX + 2];

	/* Unknown flag bits, no role, EXCL without CREATE. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, BOTH | (1U << 6),
					  0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, 1U << 31, 0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, IPCQ_OPEN_CREATE,
					  0, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, self->name,
					  BOTH | IPCQ_OPEN_EXCL, 0600, 0, 0));
	/* Mode bits beyond 0777. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, self->name,
					  BOTH | IPCQ_OPEN_CREATE, 01777, 0, 0));
	/* Anonymous queues take no create flags. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL,
					  BOTH | IPCQ_OPEN_CREATE, 0, 0, 0));
	/* max_msg_size above the module's limit. */
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, NULL, BOTH, 0, 0,
					  (uint64_t)get_param("max_msg_size") + 1));

	/* pad and each reserved word. */
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH;
	arg.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	for (i = 0; i < 2; i++) {
		memset(&arg, 0, sizeof(arg));
		arg.flags = BOTH;
		arg.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	}
	/* A slot size without a ring. */
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH;
	arg.slot_size = 64;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	/* Anonymous with a length, named with none. */
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH;
	arg.name_len = 3;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	arg.name = (uintptr_t)"abc";
	arg.name_len = 0;
	arg.flags = BOTH | IPCQ_OPEN_CREATE;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));

	/* Names: too long, bad bytes, bad pointer. */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, raw_queue_open(self->dev, long_name,
						BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	long_name[IPCQ_NAME_MAX] = 0;
	EXPECT_LE(0, i = raw_queue_open(self->dev, long_name,
					BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	close(i);
	EXPECT_EQ(0, raw_unlink(self->dev, long_name));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "a/b",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "a b",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "a\x01",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, raw_queue_open(self->dev, "caf\xc3\xa9",
					  BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0));
	memset(&arg, 0, sizeof(arg));
	arg.flags = BOTH | IPCQ_OPEN_CREATE;
	arg.name = 8;
	arg.name_len = 4;
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, &arg));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_QUEUE_OPEN, NULL));
}

TEST_F(q, named_create_open_exclusive_unlink)
{
	struct ipcq_queue_stat st;
	uint64_t len = 16;
	char buf[16];
	int a, b;

	EXPECT_EQ(-ENOENT, raw_queue_open(self->dev, self->name, BOTH, 0, 0, 0));
	a = raw_queue_open(self->dev, self->name,
			   BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 2, 64);
	ASSERT_LE(0, a);
	EXPECT_EQ(-EEXIST, raw_queue_open(self->dev, self->name,
					  BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL,
					  0600, 0, 0));
	/* CREATE without EXCL opens the existing one; attributes ignored. */
	b = raw_queue_open(self->dev, self->name, BOTH | IPCQ_OPEN_CREATE,
			   0600, 9, 0);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, raw_stat(b, &st));
	EXPECT_EQ(2, st.capacity);
	EXPECT_EQ(64, st.max_msg_size);
	EXPECT_EQ(IPCQ_STATE_NAMED | TEST_QUEUE_STATE, st.state);
	EXPECT_EQ(2, st.producers);

	/* Both files are the same queue. */
	ASSERT_EQ(0, raw_put(a, "hello", 5, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_get(b, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	/* A name outlives its files until unlinked. */
	ASSERT_EQ(0, raw_put(a, "kept", 4, 0, 0, IPCQ_DEADLINE_FOREVER));
	close(a);
	close(b);
	a = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER, 0, 0, 0);
	ASSERT_LE(0, a);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(a, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(4, len);

	/* Unlinked: the name is gone, the open file still works. */
	ASSERT_EQ(0, raw_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, raw_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, raw_queue_open(self->dev, self->name, BOTH, 0, 0, 0));
	ASSERT_EQ(0, raw_stat(a, &st));
	EXPECT_EQ(0, st.state & IPCQ_STATE_NAMED);
	/* A new queue may take the name; it is a different queue. */
	b = raw_queue_open(self->dev, self->name,
			   BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, raw_put(b, "x", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_stat(a, &st));
	EXPECT_EQ(0, st.messages);
	close(a);
	close(b);
}

TEST_F(q, unlink_rejects_bad_arguments)
{
	struct ipcq_unlink arg;

	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)self->name;
	arg.name_len = strlen(self->name);
	arg.type = 99;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.type = IPCQ_TYPE_QUEUE;
	arg.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.reserved[1] = 0;
	arg.name_len = IPCQ_NAME_MAX + 1;
	EXPECT_EQ(-ENAMETOOLONG, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.name_len = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	arg.name = 8;
	arg.name_len = 3;
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_UNLINK, &arg));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_UNLINK, (void *)8));
}

TEST_F(q, fifo_order_lengths_and_zero_length)
{
	char buf[64];
	uint64_t len;
	int i;

	ASSERT_EQ(0, raw_put(self->fd, "one", 3, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_put(self->fd, "", 0, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_put(self->fd, "three", 5, 0, 0, IPCQ_DEADLINE_FOREVER));
	/* A zero-length put needs no valid buffer. */
	ASSERT_EQ(0, raw_put(self->fd, NULL, 0, 0, 0, IPCQ_DEADLINE_FOREVER));

	const char *want[] = { "one", "", "three", "" };

	for (i = 0; i < 4; i++) {
		len = sizeof(buf);
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
				     IPCQ_DEADLINE_FOREVER));
		EXPECT_EQ(strlen(want[i]), len);
		EXPECT_EQ(0, memcmp(buf, want[i], len));
	}
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK, IPCQ_DEADLINE_FOREVER));
}

TEST_F(q, priorities_highest_first_fifo_within)
{
	static const struct { const char *s; uint32_t prio; } in[] = {
		{ "a0", 0 }, { "b5", 5 }, { "c0", 0 }, { "d5", 5 },
		{ "e9", IPCQ_PRIO_MAX }, { "f1", 1 },
	};
	static const char *out[] = { "e9", "b5", "d5", "f1", "a0", "c0" };
	int fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
	uint32_t prio;
	uint64_t len;
	char buf[8];
	unsigned int i;

	ASSERT_LE(0, fd);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, raw_put(fd, in[i].s, 2, in[i].prio, 0,
				     IPCQ_DEADLINE_FOREVER));
	for (i = 0; i < 6; i++) {
		len = sizeof(buf);
		ASSERT_EQ(0, raw_get(fd, buf, &len, &prio, 0,
				     IPCQ_DEADLINE_FOREVER));
		ASSERT_EQ(2, len);
		EXPECT_EQ(0, memcmp(buf, out[i], 2)) TH_LOG("at %u", i);
		EXPECT_EQ(out[i][1] == '9' ? IPCQ_PRIO_MAX :
			  (uint32_t)(out[i][1] - '0'), prio);
	}
	EXPECT_EQ(-EINVAL, raw_put(fd, "x", 1, IPCQ_PRIO_MAX + 1, 0,
				   IPCQ_DEADLINE_FOREVER));
	close(fd);
}

TEST_F(q, peek_leaves_the_message)
{
	struct ipcq_queue_stat st;
	uint32_t prio = 0;
	uint64_t len;
	char buf[8];

	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_PEEK | IPCQ_MSG_NONBLOCK, 0));
	ASSERT_EQ(0, raw_put(self->fd, "pk", 2, 3, 0, IPCQ_DEADLINE_FOREVER));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, &prio, IPCQ_MSG_PEEK,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(2, len);
	EXPECT_EQ(3, prio);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, memcmp(buf, "pk", 2));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
}

TEST_F(q, get_small_buffer_is_emsgsize_and_keeps_message)
{
	struct ipcq_queue_stat st;
	char buf[16];
	uint64_t len = 3;

	ASSERT_EQ(0, raw_put(self->fd, "0123456789", 10, 0, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EMSGSIZE, raw_get(self->fd, buf, &len, NULL, 0,
				     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(10, len);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(10, st.bytes);
	len = 10;
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

TEST_F(q, put_above_max_msg_size_is_emsgsize)
{
	int fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 8);
	char buf[9] = "12345678";

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, raw_put(fd, buf, 8, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EMSGSIZE, raw_put(fd, buf, 9, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EMSGSIZE, raw_put(fd, buf, ~0ULL, 0, 0,
				     IPCQ_DEADLINE_FOREVER));
	close(fd);
}

TEST_F(q, bad_pointers_are_efault_and_lose_nothing)
{
	struct ipcq_queue_stat st;
	uint64_t len;
	char buf[8];
	void *ro;

	/* Put from a bad buffer queues nothing. */
	EXPECT_EQ(-EFAULT, raw_put(self->fd, (void *)8, 4, 0, 0,
				   IPCQ_DEADLINE_FOREVER));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.unfinished);

	/* Get into a bad buffer leaves the message queued. */
	ASSERT_EQ(0, raw_put(self->fd, "abcd", 4, 0, 0, IPCQ_DEADLINE_FOREVER));
	len = 8;
	EXPECT_EQ(-EFAULT, raw_get(self->fd, (void *)8, &len, NULL, 0,
				   IPCQ_DEADLINE_FOREVER));
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	len = 8;
	EXPECT_EQ(-EFAULT, raw_get(self->fd, ro, &len, NULL, 0,
				   IPCQ_DEADLINE_FOREVER));
	munmap(ro, 4096);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0,
			     IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));

	/* Bad argument structs. */
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, (void *)8));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_STAT, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, NULL));
}

TEST_F(q, get_struct_copy_out_fault_keeps_message)
{
	struct ipcq_queue_stat st;
	struct ipcq_msg *m;
	char buf[8];

	/* The argument struct itself is read-only: its len can't be written. */
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, sizeof(*m));
	m->buf = (uintptr_t)buf;
	m->len = sizeof(buf);
	m->deadline = IPCQ_DEADLINE_FOREVER;
	ASSERT_EQ(0, mprotect(m, 4096, PROT_READ));
	ASSERT_EQ(0, raw_put(self->fd, "abcd", 4, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, m));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	munmap(m, 4096);
}

/*
 * Regression (found by the fuzzer): a buffer too small AND a struct whose
 * len cannot be written back. The message must stay queued, once, and the
 * queue stay intact; with PEEK likewise. This used to insert a queued
 * message a second time (rbtree corruption, soft lockup at free).
 */
TEST_F(q, emsgsize_with_unwritable_struct_keeps_queue_intact)
{
	struct ipcq_queue_stat st;
	struct ipcq_msg *m;
	char buf[8], big[16];
	uint64_t len;
	int pass;

	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, raw_put(self->fd, "0123456789", 10, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "ab", 2, 0, 0, 0));
	for (pass = 0; pass < 2; pass++) {
		memset(m, 0, sizeof(*m));
		m->buf = (uintptr_t)buf;
		m->len = 4;			/* too small for the first */
		m->flags = pass ? IPCQ_MSG_PEEK : 0;
		m->deadline = IPCQ_DEADLINE_FOREVER;
		ASSERT_EQ(0, mprotect(m, 4096, PROT_READ));
		EXPECT_EQ(-EFAULT, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, m));
		ASSERT_EQ(0, mprotect(m, 4096, PROT_READ | PROT_WRITE));
		ASSERT_EQ(0, raw_stat(self->fd, &st));
		EXPECT_EQ(2, st.messages);
		EXPECT_EQ(12, st.bytes);
	}
	munmap(m, 4096);
	len = sizeof(big);
	ASSERT_EQ(0, raw_get(self->fd, big, &len, NULL, 0, 0));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(big, "0123456789", 10));
	len = sizeof(big);
	ASSERT_EQ(0, raw_get(self->fd, big, &len, NULL, 0, 0));
	EXPECT_EQ(2, len);
	len = sizeof(buf);
	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK, 0));
	/* Closing frees the queue: must not hang on a damaged tree. */
}

TEST_F(q, msg_flags_and_reserved_are_checked)
{
	struct ipcq_msg m;
	char buf[4];

	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)buf;
	m.len = 1;
	m.flags = IPCQ_MSG_PEEK;	/* get only */
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	m.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
	m.flags = 0;
	m.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
	m.reserved[0] = 0;
	m.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_PUT, &m));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_GET, &m));
}

TEST_F(q, unknown_ioctl_and_file_ops)
{
	char buf[8];

	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IO(IPCQ_IOC_MAGIC, 0x2f), NULL));
	/* Device ioctls are not queue ioctls, and the reverse. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, IPCQ_IOC_API, buf));
	EXPECT_EQ(-ENOTTY, xioctl(self->dev, IPCQ_IOC_QUEUE_STAT, buf));
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
}

TEST_F(q, nonblocking_full_and_empty_are_eagain)
{
	uint64_t len = 4;
	char buf[4];
	int i;

	EXPECT_EQ(-EAGAIN, raw_get(self->fd, buf, &len, NULL,
				   IPCQ_MSG_NONBLOCK, IPCQ_DEADLINE_FOREVER));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(self->fd, "m", 1, 0, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, raw_put(self->fd, "m", 1, 0, IPCQ_MSG_NONBLOCK,
				   IPCQ_DEADLINE_FOREVER));
}

TEST_F(q, deadlines_expire_with_etimedout)
{
	uint64_t len = 4, start, deadline;
	char buf[4];
	int i;

	/* A deadline already past fails at once, without NONBLOCK. */
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->fd, buf, &len, NULL, 0,
				      now_ns() - 1));

	/* A future one is waited for, and never cut short. */
	start = now_ns();
	deadline = start + 100 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, raw_get(self->fd, buf, &len, NULL, 0, deadline));
	EXPECT_LE(deadline, now_ns());

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(self->fd, "m", 1, 0, 0, 0));
	deadline = now_ns() + 100 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, raw_put(self->fd, "m", 1, 0, 0, deadline));
	EXPECT_LE(deadline, now_ns());
}

TEST_F(q, put_blocks_on_full_until_a_get)
{
	struct ipcq_queue_stat st;
	uint64_t len;
	char buf[4];
	pid_t pid;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_put(self->fd, "abcd" + i, 1, 0, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(raw_put(self->fd, "e", 1, 0, 0, IPCQ_DEADLINE_FOREVER) ? 1 : 0);

	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.putters == 1,
			     10000));
	EXPECT_EQ(4, st.messages);
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(0, child_status(pid));
	/* FIFO kept: b c d then the blocked putter's e. */
	for (i = 0; i < 4; i++) {
		len = sizeof(buf);
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
		EXPECT_EQ("bcde"[i], buf[0]);
	}
}

TEST_F(q, get_blocks_on_empty_until_a_put)
{
	struct ipcq_queue_stat st;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[8];
		uint64_t len = sizeof(buf);

		if (raw_get(self->fd, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER))
			_exit(1);
		_exit(len == 3 && !memcmp(buf, "hey", 3) ? 0 : 2);
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.getters == 1,
			     10000));
	ASSERT_EQ(0, raw_put(self->fd, "hey", 3, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.getters);
	EXPECT_EQ(0, st.messages);
}

/* One message wakes one of several blocked getters; each gets one. */
TEST_F(q, each_message_goes_to_exactly_one_blocked_getter)
{
	struct ipcq_queue_stat st;
	pid_t pids[3];
	int i, got = 0;

	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			char buf[8];
			uint64_t len = sizeof(buf);
			int ret = raw_get(self->fd, buf, &len, NULL, 0,
					  now_ns() + 10 * NSEC_PER_SEC);

			_exit(ret == 0 ? 0 : 1);
		}
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.getters == 3,
			     10000));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, raw_put(self->fd, "x", 1, 0, 0, 0));
	for (i = 0; i < 3; i++)
		got += child_status(pids[i]) == 0;
	EXPECT_EQ(3, got);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
}

/*
 * Signals every 20 ms during a 300 ms get: the raw call returns EINTR
 * (no SA_RESTART), and restarting it with the same absolute deadline ends
 * at that deadline. A relative timeout restarted each time would never
 * end while signals keep coming.
 */
TEST_F(q, signals_interrupt_and_restart_without_stretching)
{
	uint64_t len, deadline;
	int ret, eintr = 0;
	char buf[4];

	ASSERT_EQ(0, start_ticks(20000, 0));
	deadline = now_ns() + 300 * NSEC_PER_MSEC;
	do {
		len = sizeof(buf);
		ret = raw_get(self->fd, buf, &len, NULL, 0, deadline);
		eintr += ret == -EINTR;
	} while (ret == -EINTR);
	stop_ticks();
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_LE(deadline, now_ns());
	EXPECT_LT(0, eintr);

	/* With SA_RESTART the kernel restarts the call by itself. */
	ASSERT_EQ(0, start_ticks(20000, SA_RESTART));
	deadline = now_ns() + 300 * NSEC_PER_MSEC;
	len = sizeof(buf);
	ret = raw_get(self->fd, buf, &len, NULL, 0, deadline);
	stop_ticks();
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_LE(deadline, now_ns());
	EXPECT_LT(0, *tick_count());
}

TEST_F(q, stat_counts_are_exact)
{
	struct ipcq_queue_stat st;
	uint64_t len = 16;
	char buf[16];

	ASSERT_EQ(0, raw_put(self->fd, "12345", 5, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "1234567", 7, 2, 0, 0));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(2, st.messages);
	EXPECT_EQ(12, st.bytes);
	EXPECT_EQ(2, st.unfinished);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	EXPECT_EQ(7, len);
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(5, st.bytes);
	EXPECT_EQ(2, st.unfinished);
}

TEST_F(q, task_done_and_join)
{
	struct ipcq_task_done td = { .count = 1 };
	struct ipcq_wait w = { .deadline = IPCQ_DEADLINE_FOREVER };
	struct ipcq_queue_stat st;
	uint64_t deadline;
	pid_t pid;

	/* Nothing unfinished: join returns at once, task_done is ERANGE. */
	EXPECT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	EXPECT_EQ(-ERANGE, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));

	ASSERT_EQ(0, raw_put(self->fd, "a", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "b", 1, 0, 0, 0));
	/* Too many at once changes nothing. */
	td.count = 3;
	EXPECT_EQ(-ERANGE, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(2, st.unfinished);

	w.flags = IPCQ_WAIT_NONBLOCK;
	EXPECT_EQ(-EAGAIN, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	w.flags = 0;
	deadline = now_ns() + 50 * NSEC_PER_MSEC;
	w.deadline = deadline;
	EXPECT_EQ(-ETIMEDOUT, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	EXPECT_LE(deadline, now_ns());

	/* Join sleeps until the last task_done. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_wait cw = { .deadline = IPCQ_DEADLINE_FOREVER };

		_exit(xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &cw) ? 1 : 0);
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.joiners == 1,
			     10000));
	td.count = 1;
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(1, st.joiners);
	EXPECT_EQ(1, st.unfinished);
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	EXPECT_EQ(0, child_status(pid));

	/* Bad arguments. */
	td.count = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	td.count = 1;
	td.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	memset(&w, 0, sizeof(w));
	w.flags = 2;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	w.flags = 0;
	w.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	w.pad = 0;
	w.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
}

TEST_F(q, endpoint_roles_are_enforced)
{
	int prod = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE, 0600, 0, 0);
	int cons = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				  0, 0, 0);
	struct ipcq_queue_stat st;
	uint64_t len = 4;
	char buf[4];

	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	EXPECT_EQ(-EBADF, raw_get(prod, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(-EBADF, raw_put(cons, "x", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_stat(prod, &st));
	EXPECT_EQ(IPCQ_OPEN_PRODUCER, st.endpoint);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(1, st.consumers);
	ASSERT_EQ(0, raw_stat(cons, &st));
	EXPECT_EQ(IPCQ_OPEN_CONSUMER, st.endpoint);
	close(prod);
	close(cons);
}

/* A file with no role is an observer: no endpoint, no put, no get. */
TEST_F(q, observer_is_no_endpoint)
{
	int obs = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CREATE,
				 0600, 2, 0);
	struct ipcq_shutdown sd = { 0 };
	struct ipcq_queue_stat st;
	uint64_t len = 4;
	char buf[4];
	int prod;

	ASSERT_LE(0, obs);
	ASSERT_EQ(0, raw_stat(obs, &st));
	EXPECT_EQ(0, st.endpoint);
	EXPECT_EQ(0, st.producers);
	EXPECT_EQ(0, st.consumers);
	EXPECT_EQ(-EBADF, raw_put(obs, "x", 1, 0, 0, 0));
	EXPECT_EQ(-EBADF, raw_get(obs, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	close(obs);
	/* Having had only an observer, the queue reports no EPIPE. */
	prod = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	EXPECT_EQ(0, raw_put(prod, "x", 1, 0, 0, 0));
	obs = raw_queue_open(self->dev, self->name, 0, 0, 0, 0);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, raw_stat(obs, &st));
	EXPECT_EQ(1, st.messages);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(0, xioctl(obs, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	EXPECT_EQ(-ESHUTDOWN, raw_put(prod, "y", 1, 0, 0, 0));
	close(obs);
	close(prod);
}

TEST_F(q, no_eof_before_any_producer)
{
	int cons = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_CONSUMER | IPCQ_OPEN_CREATE, 0600, 0, 0);
	uint64_t len = 4;
	char buf[4];
	int prod;

	ASSERT_LE(0, cons);
	EXPECT_EQ(-EAGAIN, raw_get(cons, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	prod = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	ASSERT_EQ(0, raw_put(prod, "x", 1, 0, 0, 0));
	close(prod);
	/* Drains what is left, then end-of-file. */
	EXPECT_EQ(0, raw_get(cons, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(IPCQ_GET_EOF, raw_get(cons, buf, &len, NULL,
					IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(IPCQ_GET_EOF, raw_get(cons, buf, &len, NULL, 0,
					IPCQ_DEADLINE_FOREVER));
	/* A new producer revives the queue. */
	prod = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	EXPECT_EQ(-EAGAIN, raw_get(cons, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	close(prod);
	close(cons);
}

TEST_F(q, last_producer_close_wakes_blocked_getter_with_eof)
{
	int prod = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE, 0600, 0, 0);
	int cons = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				  0, 0, 0);
	struct ipcq_queue_stat st;
	struct pollfd pfd;
	pid_t pid;

	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[4];
		uint64_t len = sizeof(buf);

		close(prod);
		_exit(raw_get(cons, buf, &len, NULL, 0, IPCQ_DEADLINE_FOREVER));
	}
	ASSERT_TRUE(wait_for(raw_stat(cons, &st) == 0 && st.getters == 1,
			     10000));
	pfd.fd = cons;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	close(prod);
	EXPECT_EQ(IPCQ_GET_EOF, child_status(pid));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP, pfd.revents);
	close(cons);
}

TEST_F(q, last_consumer_close_gives_epipe_without_sigpipe)
{
	int prod = raw_queue_open(self->dev, self->name,
				  IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE, 0600, 1, 0);
	int cons = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				  0, 0, 0);
	struct ipcq_queue_stat st;
	struct pollfd pfd;
	pid_t pid;

	ASSERT_LE(0, prod);
	ASSERT_LE(0, cons);
	ASSERT_EQ(0, raw_put(prod, "x", 1, 0, 0, 0));
	/* A putter blocked on the full queue is woken with EPIPE. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(cons);
		_exit(-raw_put(prod, "y", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	}
	ASSERT_TRUE(wait_for(raw_stat(prod, &st) == 0 && st.putters == 1,
			     10000));
	close(cons);
	EXPECT_EQ(EPIPE, child_status(pid));
	/* Default SIGPIPE disposition: we are still alive after this. */
	EXPECT_EQ(-EPIPE, raw_put(prod, "z", 1, 0, IPCQ_MSG_NONBLOCK, 0));
	pfd.fd = prod;
	pfd.events = POLLOUT;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);
	close(prod);
}

TEST_F(q, poll_and_epoll_readiness)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN | POLLOUT };
	uint64_t len = 4;
	char buf[4];
	pid_t pid;
	int ep, i;

	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	ASSERT_EQ(0, raw_put(self->fd, "x", 1, 0, 0, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, raw_put(self->fd, "x", 1, 0, 0, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));

	/* epoll wakes when another process puts. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sleep_ms(50);
		_exit(raw_put(self->fd, "y", 1, 0, 0, 0) ? 1 : 0);
	}
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 10000));
	EXPECT_EQ(EPOLLIN, out.events);
	EXPECT_EQ(0, child_status(pid));
	close(ep);
}

TEST_F(q, shutdown_wakes_everyone_then_drains)
{
	struct ipcq_shutdown sd = { 0 };
	struct ipcq_queue_stat st;
	int full = raw_queue_open(self->dev, NULL, BOTH, 0, 1, 0);
	uint64_t len = 4;
	pid_t getter, putter;
	char buf[4];

	ASSERT_LE(0, full);
	ASSERT_EQ(0, raw_put(full, "a", 1, 0, 0, 0));
	getter = fork();
	ASSERT_LE(0, getter);
	if (getter == 0)
		_exit(-raw_get(self->fd, buf, &len, NULL, 0,
			       IPCQ_DEADLINE_FOREVER));
	putter = fork();
	ASSERT_LE(0, putter);
	if (putter == 0)
		_exit(-raw_put(full, "b", 1, 0, 0, IPCQ_DEADLINE_FOREVER));
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.getters == 1,
			     10000));
	ASSERT_TRUE(wait_for(raw_stat(full, &st) == 0 && st.putters == 1,
			     10000));
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	ASSERT_EQ(0, xioctl(full, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	EXPECT_EQ(ESHUTDOWN, child_status(getter));
	EXPECT_EQ(ESHUTDOWN, child_status(putter));

	/* After shutdown: put fails, get drains, then fails; twice is fine. */
	EXPECT_EQ(-ESHUTDOWN, raw_put(full, "c", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_stat(full, &st));
	EXPECT_EQ(IPCQ_STATE_SHUTDOWN | TEST_QUEUE_STATE, st.state);
	EXPECT_EQ(0, raw_get(full, buf, &len, NULL, 0, 0));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(-ESHUTDOWN, raw_get(full, buf, &len, NULL, 0,
				      IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, xioctl(full, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	close(full);

	/* Bad arguments. */
	sd.flags = 2;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	sd.flags = 0;
	sd.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	sd.pad = 0;
	sd.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
}

TEST_F(q, immediate_shutdown_drops_and_releases_join)
{
	struct ipcq_shutdown sd = { .flags = IPCQ_SHUTDOWN_IMMEDIATE };
	struct ipcq_task_done td = { .count = 1 };
	struct ipcq_queue_stat st;
	uint64_t len = 4;
	char buf[4];
	pid_t pid;

	ASSERT_EQ(0, raw_put(self->fd, "a", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "b", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "c", 1, 0, 0, 0));
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_wait w = { .deadline = IPCQ_DEADLINE_FOREVER };

		_exit(-xioctl(self->fd, IPCQ_IOC_QUEUE_JOIN, &w));
	}
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.joiners == 1,
			     10000));
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_SHUTDOWN, &sd));
	ASSERT_EQ(0, raw_stat(self->fd, &st));
	EXPECT_EQ(0, st.messages);
	EXPECT_EQ(0, st.bytes);
	/* Two dropped count as done; the one taken is still unfinished. */
	EXPECT_EQ(1, st.unfinished);
	ASSERT_EQ(0, xioctl(self->fd, IPCQ_IOC_QUEUE_TASK_DONE, &td));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(-ESHUTDOWN, raw_get(self->fd, buf, &len, NULL, 0, 0));
}

TEST_F(q, reopen_gives_own_endpoint_subset_only)
{
	struct ipcq_reopen ro = { .flags = IPCQ_OPEN_CONSUMER };
	struct ipcq_queue_stat st;
	int prod, cons, fd;

	prod = raw_queue_open(self->dev, NULL, IPCQ_OPEN_PRODUCER, 0, 0, 0);
	ASSERT_LE(0, prod);
	/* A producer file cannot grant consuming. */
	EXPECT_EQ(-EACCES, xioctl(prod, IPCQ_IOC_QUEUE_REOPEN, &ro));
	ro.flags = IPCQ_OPEN_PRODUCER;
	fd = xioctl(prod, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_stat(prod, &st));
	EXPECT_EQ(2, st.producers);
	close(fd);
	ASSERT_EQ(0, raw_stat(prod, &st));
	EXPECT_EQ(1, st.producers);

	ro.flags = IPCQ_OPEN_CONSUMER | IPCQ_OPEN_CLOEXEC;
	cons = xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, cons);
	EXPECT_EQ(FD_CLOEXEC, fcntl(cons, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, raw_stat(cons, &st));
	EXPECT_EQ(IPCQ_OPEN_CONSUMER, st.endpoint);
	EXPECT_EQ(2, st.consumers);
	close(cons);

	/* No role: an observer, from any file (here a producer's). */
	ro.flags = 0;
	fd = xioctl(prod, IPCQ_IOC_QUEUE_REOPEN, &ro);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_stat(fd, &st));
	EXPECT_EQ(0, st.endpoint);
	EXPECT_EQ(1, st.producers);
	EXPECT_EQ(-EBADF, raw_put(fd, "x", 1, 0, 0, 0));
	close(fd);
	ro.flags = IPCQ_OPEN_CREATE | IPCQ_OPEN_CONSUMER;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro));
	ro.flags = IPCQ_OPEN_CONSUMER;
	ro.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro));
	ro.pad = 0;
	ro.reserved = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, IPCQ_IOC_QUEUE_REOPEN, &ro));
	close(prod);
}

TEST_F(q, fdinfo_shows_the_counts)
{
	char text[1024];

	ASSERT_EQ(0, raw_put(self->fd, "abc", 3, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "de", 2, 0, 0, 0));
	ASSERT_LT(0, read_fdinfo(self->fd, text, sizeof(text)));
	EXPECT_NE(NULL, strstr(text, "ipcq-type:\tqueue\n"));
	EXPECT_NE(NULL, strstr(text, "messages:\t2\n"));
	EXPECT_NE(NULL, strstr(text, "bytes:\t5\n"));
	EXPECT_NE(NULL, strstr(text, "capacity:\t4\n"));
	EXPECT_NE(NULL, strstr(text, "unfinished:\t2\n"));
	EXPECT_NE(NULL, strstr(text, "producers:\t1\n"));
	EXPECT_NE(NULL, strstr(text, "endpoint:\tproducer,consumer\n"));
}

TEST_F(q, byte_limit_is_enobufs)
{
	long old = get_param("max_queue_bytes");
	struct ipcq_queue_stat st;
	char buf[64] = { 0 };
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_LT(0, old);
	ASSERT_EQ(0, set_param("max_queue_bytes", 100));
	fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
	ASSERT_EQ(0, set_param("max_queue_bytes", old));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_stat(fd, &st));
	EXPECT_EQ(100, st.max_bytes);
	EXPECT_EQ(0, raw_put(fd, buf, 60, 0, 0, 0));
	EXPECT_EQ(-ENOBUFS, raw_put(fd, buf, 41, 0, 0, IPCQ_DEADLINE_FOREVER));
	EXPECT_EQ(0, raw_put(fd, buf, 40, 0, 0, 0));
	EXPECT_EQ(-ENOBUFS, raw_put(fd, buf, 1, 0, 0, 0));
	/* Zero-length messages take no bytes. */
	EXPECT_EQ(0, raw_put(fd, buf, 0, 0, 0, 0));
	close(fd);
}

/*
 * Objects are charged to the owner's euid. A user of its own (no other
 * test's leftovers count against it) meets the limit exactly.
 */
#define LIMIT_UID 4242

TEST_F(q, object_limit_is_enospc_and_recovers)
{
	long old = get_param("max_objects_per_user");
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_EQ(0, set_param("max_objects_per_user", 3));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fds[3], i, fd, bad = 0;

		if (setgroups(0, NULL) || setgid(LIMIT_UID) || setuid(LIMIT_UID))
			_exit(100);
		for (i = 0; i < 3; i++) {
			fds[i] = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
			bad |= fds[i] < 0;
		}
		bad |= (raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0) !=
			-ENOSPC) << 1;
		bad |= (raw_queue_open(self->dev, self->name,
				       BOTH | IPCQ_OPEN_CREATE, 0600, 0, 0) !=
			-ENOSPC) << 2;
		/* Freed: one more fits again. */
		close(fds[0]);
		fd = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
		bad |= (fd < 0) << 3;
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, set_param("max_objects_per_user", old));
}

TEST_F(q, permissions_for_other_users)
{
	int fd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch users");
	umask(0);
	fd = raw_queue_open(self->dev, self->name,
			    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0620, 0, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int p, bad = 0;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		/* Other: no bits. */
		bad |= raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER,
				      0, 0, 0) != -EACCES;
		bad |= (raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				       0, 0, 0) != -EACCES) << 1;
		bad |= (raw_unlink(self->dev, self->name) != -EPERM) << 2;
		/* The name is still there, so open without CREATE is EACCES,
		 * and CREATE without EXCL opens (then checks) the same queue.
		 */
		bad |= (raw_queue_open(self->dev, self->name,
				       IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CREATE,
				       0666, 0, 0) != -EACCES) << 3;
		/* Anyone may create anonymous queues. */
		p = raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0);
		bad |= (p < 0) << 4;
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));

	/* Other write: anyone may put, nobody else may get. */
	close(fd);
	ASSERT_EQ(0, raw_unlink(self->dev, self->name));
	fd = raw_queue_open(self->dev, self->name,
			    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0602, 0, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int p, bad = 0;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		p = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER,
				   0, 0, 0);
		bad |= p < 0;
		bad |= (raw_put(p, "x", 1, 0, 0, 0) != 0) << 1;
		bad |= (raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER,
				       0, 0, 0) != -EACCES) << 2;
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));
	close(fd);
}

/* Names live per IPC namespace; a dead namespace's names are dropped. */
TEST_F(q, ipc_namespaces_isolate_names)
{
	long old = get_param("max_objects_per_user");
	struct ipcq_queue_stat st;
	int fd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_SYS_ADMIN for unshare(CLONE_NEWIPC)");
	fd = raw_queue_open(self->dev, self->name,
			    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0600, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_put(fd, "outer", 5, 0, 0, 0));
	ASSERT_EQ(0, set_param("max_objects_per_user", 1));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0, in;

		if (unshare(CLONE_NEWIPC))
			_exit(100);
		if (setgroups(0, NULL) || setgid(LIMIT_UID) || setuid(LIMIT_UID))
			_exit(101);
		bad |= raw_queue_open(self->dev, self->name, BOTH, 0, 0, 0) !=
		       -ENOENT;
		in = raw_queue_open(self->dev, self->name,
				    BOTH | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL,
				    0600, 0, 0);
		bad |= (in < 0) << 1;
		bad |= (raw_put(in, "inner", 5, 0, 0, 0) != 0) << 2;
		/* Left behind, named, with no file, in a dying namespace. */
		close(in);
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));

	/* Ours still holds only "outer". */
	ASSERT_EQ(0, raw_stat(fd, &st));
	EXPECT_EQ(1, st.messages);

	/*
	 * The child's namespace is gone, so its queue, the one object
	 * LIMIT_UID may own, must have been dropped: LIMIT_UID can create
	 * one again.
	 */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(LIMIT_UID) || setuid(LIMIT_UID))
			_exit(100);
		_exit(raw_queue_open(self->dev, NULL, BOTH, 0, 0, 0) < 0);
	}
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, set_param("max_objects_per_user", old));
	close(fd);
}

struct stalled_get {
	int fd;
	void *buf;
	int ret;
	uint64_t len;
};

static void *stalled_get_thread(void *arg)
{
	struct stalled_get *sg = arg;

	sg->len = 4096;
	sg->ret = raw_get(sg->fd, sg->buf, &sg->len, NULL, 0,
			  IPCQ_DEADLINE_FOREVER);
	return NULL;
}

/*
 * A getter whose buffer faults (here: a userfaultfd page nobody serves
 * yet) must stall only itself: no queue lock is held across user memory.
 */
TEST_F(q, getter_stalled_in_page_fault_blocks_nobody)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_copy copy = { 0 };
	struct ipcq_queue_stat st;
	struct stalled_get sg = { .fd = self->fd };
	static char src[4096];
	pthread_t thread;
	char buf[8];
	uint64_t len = sizeof(buf);
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "userfaultfd unavailable: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	sg.buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sg.buf);
	reg.range.start = (uintptr_t)sg.buf;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	ASSERT_EQ(0, raw_put(self->fd, "first", 5, 0, 0, 0));
	ASSERT_EQ(0, raw_put(self->fd, "second", 6, 0, 0, 0));
	ASSERT_EQ(0, pthread_create(&thread, NULL, stalled_get_thread, &sg));
	/* The stalled getter took "first" out; it is in flight. */
	ASSERT_TRUE(wait_for(raw_stat(self->fd, &st) == 0 && st.messages == 1,
			     10000));
	/* Everyone else carries on. */
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(6, len);
	ASSERT_EQ(0, raw_put(self->fd, "third", 5, 0, 0, 0));

	/* Serve the fault: the stalled get completes with "first". */
	copy.dst = (uintptr_t)sg.buf;
	copy.src = (uintptr_t)src;
	copy.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, sg.ret);
	EXPECT_EQ(5, sg.len);
	EXPECT_EQ(0, memcmp(sg.buf, "first", 5));
	len = sizeof(buf);
	ASSERT_EQ(0, raw_get(self->fd, buf, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
	EXPECT_EQ(0, memcmp(buf, "third", 5));
	munmap(sg.buf, 4096);
	close(uffd);
}

/* While a queue file is open, the module cannot be unloaded. */
TEST(module_pinned_by_queue_file)
{
	int dev = dev_open(), fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to try delete_module");
	ASSERT_LE(0, dev);
	fd = raw_queue_open(dev, NULL, BOTH, 0, 0, 0);
	ASSERT_LE(0, fd);
	close(dev);
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_delete_module, "ipcq", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
}

TEST_HARNESS_MAIN
