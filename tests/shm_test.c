// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory regions through the ioctls: creation and its checks,
 * names, the per-user byte limit, mmap (shared only, within the region,
 * never executable, read-only files stay read-only), lifetime (a mapping
 * keeps a region alive), stat, fdinfo and the bound lock's state.
 * shm_process_test.c has the multi-process promises and the library.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"
#include "uring_fixture.h"

#define PAGE 4096UL

FIXTURE(shm) {
	int dev;
	char name[64];
};

FIXTURE_SETUP(shm)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	snprintf(self->name, sizeof(self->name), "shm-test-%d", getpid());
}

FIXTURE_TEARDOWN(shm)
{
	struct ipcq_unlink u = {
		.name = (uintptr_t)self->name,
		.name_len = (uint32_t)strlen(self->name),
		.type = IPCQ_TYPE_SHM,
	};

	xioctl(self->dev, IPCQ_IOC_UNLINK, &u);
	close(self->dev);
}

static int shm_unlink_raw(int dev, const char *name)
{
	struct ipcq_unlink u;

	memset(&u, 0, sizeof(u));
	u.name = (uintptr_t)name;
	u.name_len = (uint32_t)strlen(name);
	u.type = IPCQ_TYPE_SHM;
	return xioctl(dev, IPCQ_IOC_UNLINK, &u);
}

/* A new lock file on region @fd: its fd, or -errno. */
static int shm_lock_fd(int fd, uint32_t flags)
{
	struct ipcq_reopen r = { .flags = flags };

	return xioctl(fd, IPCQ_IOC_SHM_LOCK, &r);
}

static int lock_op(int fd, unsigned long cmd, uint32_t flags)
{
	struct ipcq_sync_op op;

	memset(&op, 0, sizeof(op));
	if (cmd == IPCQ_IOC_LOCK_ACQUIRE) {
		op.deadline = IPCQ_DEADLINE_FOREVER;
		op.flags = flags;
	}
	return xioctl(fd, cmd, &op);
}

/* Layouts, numbers and directions never change (see also device.c). */
TEST(abi_struct_shm_pinned)
{
#define OPEN(f) offsetof(struct ipcq_shm_open, f)
#define STAT(f) offsetof(struct ipcq_shm_stat, f)
	const size_t open_offs[] = {
		OPEN(name), OPEN(name_len), OPEN(flags), OPEN(mode), OPEN(pad),
		OPEN(size), OPEN(reserved),
	}, stat_offs[] = {
		STAT(size), STAT(lock_id), STAT(mappings), STAT(flags),
		STAT(state), STAT(lock_state), STAT(lock_owner_tid),
		STAT(lock_waiters), STAT(lock_depth), STAT(reserved),
	};
#undef OPEN
#undef STAT
	const size_t open_want[] = { 0, 8, 12, 16, 20, 24, 32 };
	const size_t stat_want[] = { 0, 8, 16, 20, 24, 28, 32, 36, 40, 48 };

	ASSERT_EQ(48, sizeof(struct ipcq_shm_open));
	ASSERT_EQ(80, sizeof(struct ipcq_shm_stat));
	ASSERT_EQ(0, memcmp(open_offs, open_want, sizeof(open_want)));
	ASSERT_EQ(0, memcmp(stat_offs, stat_want, sizeof(stat_want)));
	ASSERT_EQ(40, offsetof(struct ipcq_api, max_shm_bytes));
	ASSERT_EQ(_IOW(0xD1, 0x06, struct ipcq_shm_open), IPCQ_IOC_SHM_OPEN);
	ASSERT_EQ(_IOR(0xD1, 0x80, struct ipcq_shm_stat), IPCQ_IOC_SHM_STAT);
	ASSERT_EQ(_IOW(0xD1, 0x81, struct ipcq_reopen), IPCQ_IOC_SHM_LOCK);
	ASSERT_EQ(7, IPCQ_TYPE_SHM);
	ASSERT_EQ((uint64_t)1 << 8, IPCQ_FEATURE_SHM);
}

TEST_F(shm, handshake_offers_shm_and_its_limit)
{
	struct ipcq_api api;

	memset(&api, 0, sizeof(api));
	api.api_version = IPCQ_API_VERSION;
	api.max_shm_bytes = 0;
	ASSERT_EQ(0, xioctl(self->dev, IPCQ_IOC_API, &api));
	EXPECT_TRUE(api.features & IPCQ_FEATURE_SHM);
	EXPECT_LT(0, api.max_shm_bytes);
	/* Output only, but it was reserved: nonzero input is EINVAL. */
	api.max_shm_bytes = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_API, &api));
}

TEST_F(shm, open_rejects_bad_arguments)
{
	struct ipcq_shm_open arg;
	char longname[300];
	unsigned int bit;
	int fd;

	/* Size 0 when creating, anonymous or named. */
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, NULL, 0, 0600, 0));
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, self->name,
					IPCQ_OPEN_CREATE, 0600, 0));
	/* Both locks at once. */
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, NULL, IPCQ_SHM_LOCK |
					IPCQ_SHM_RLOCK, 0600, 1));
	/* Unknown flags, bit by bit. */
	for (bit = 0; bit < 32; bit++) {
		uint32_t f = 1U << bit;

		if (f & (IPCQ_OPEN_CLOEXEC | IPCQ_SHM_RDONLY | IPCQ_SHM_LOCK |
			 IPCQ_SHM_RLOCK | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL))
			continue;
		EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, NULL, f, 0600, 1))
			TH_LOG("flag bit %u", bit);
	}
	/* Create flags on an anonymous region; EXCL without CREATE. */
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, NULL, IPCQ_OPEN_CREATE,
					0600, 1));
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, self->name, IPCQ_OPEN_EXCL,
					0600, 1));
	/* Mode bits only. */
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, NULL, 0, 01600, 1));
	/* Pad and reserved. */
	memset(&arg, 0, sizeof(arg));
	arg.size = 1;
	arg.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_SHM_OPEN, &arg));
	arg.pad = 0;
	arg.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_SHM_OPEN, &arg));
	/* Names as for queues. */
	memset(longname, 'n', sizeof(longname));
	longname[sizeof(longname) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, raw_shm_open(self->dev, longname,
					      IPCQ_OPEN_CREATE, 0600, 1));
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, "a/b", IPCQ_OPEN_CREATE,
					0600, 1));
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, "a b", IPCQ_OPEN_CREATE,
					0600, 1));
	/* Bad pointers. */
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_SHM_OPEN, NULL));
	memset(&arg, 0, sizeof(arg));
	arg.name = 8;
	arg.name_len = 3;
	arg.flags = IPCQ_OPEN_CREATE;
	arg.size = 1;
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_SHM_OPEN, &arg));

	/* Opening asks for no more than there is. */
	fd = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE, 0600, 100);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, raw_shm_open(self->dev, self->name, 0, 0, 101));
	close(fd);
	fd = raw_shm_open(self->dev, self->name, 0, 0, 100);
	EXPECT_LE(0, fd);
	close(fd);
	fd = raw_shm_open(self->dev, self->name, 0, 0, 0);
	EXPECT_LE(0, fd);
	close(fd);
}

/* Anyone's limit, and a region larger than it: EDQUOT. */
TEST_F(shm, size_over_the_limit_is_edquot)
{
	struct ipcq_api api;

	memset(&api, 0, sizeof(api));
	api.api_version = IPCQ_API_VERSION;
	ASSERT_EQ(0, xioctl(self->dev, IPCQ_IOC_API, &api));
	EXPECT_EQ(-EDQUOT, raw_shm_open(self->dev, NULL, 0, 0600,
					api.max_shm_bytes + 1));
	EXPECT_EQ(-EDQUOT, raw_shm_open(self->dev, NULL, 0, 0600, ~0ULL));
	EXPECT_EQ(-EDQUOT, raw_shm_open(self->dev, self->name,
					IPCQ_OPEN_CREATE, 0600, ~0ULL));
	/* Nothing was named. */
	EXPECT_EQ(-ENOENT, raw_shm_open(self->dev, self->name, 0, 0, 0));
}

/*
 * With max_shm_bytes_per_user 4 pages: a bit per broken promise. Run as a
 * user of its own, so that regions other processes of root still hold
 * (earlier tests' children exiting, under load) do not count.
 */
static int user_bytes_count(int dev, const char *name)
{
	int fds[4], i, n, bad = 0;

	for (n = 0; n < 4; n++) {
		/* One byte takes a page. */
		fds[n] = raw_shm_open(dev, NULL, 0, 0600, 1);
		if (fds[n] < 0)
			break;
	}
	if (n != 4)
		bad |= 1;
	if (raw_shm_open(dev, NULL, 0, 0600, 1) != -EDQUOT)
		bad |= 2;
	/* Freed is given back. */
	if (n > 0) {
		close(fds[0]);
		fds[0] = raw_shm_open(dev, NULL, 0, 0600, PAGE);
		if (fds[0] < 0)
			bad |= 4;
	}
	if (raw_shm_open(dev, NULL, 0, 0600, 1) != -EDQUOT)
		bad |= 8;
	for (i = 0; i < n; i++)
		close(fds[i]);
	return bad;
}

/*
 * The limit counts every region of a user, page-rounded, and what is
 * freed is counted off: a lower limit in force, regions up to it, then
 * EDQUOT, then room again after a close.
 */
TEST_F(shm, per_user_bytes_are_counted_and_given_back)
{
	long old = get_param("max_shm_bytes_per_user");

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_LT(0, old);
	ASSERT_EQ(0, set_param("max_shm_bytes_per_user", 4 * PAGE));
	EXPECT_EQ(0, as_uid(4246, user_bytes_count, self->dev, NULL));
	EXPECT_EQ(0, set_param("max_shm_bytes_per_user", old));
}

/* With max_objects_per_user 2: a bit per broken promise. */
static int region_and_lock_count(int dev, const char *name)
{
	int a, b, c, bad = 0;

	a = raw_shm_open(dev, NULL, IPCQ_SHM_LOCK, 0600, 1);
	b = raw_shm_open(dev, NULL, 0, 0600, 1);
	close(a);
	c = raw_shm_open(dev, NULL, IPCQ_SHM_RLOCK, 0600, 1);
	bad |= (a < 0) << 0;
	bad |= (b != -ENOSPC) << 1;
	bad |= (c < 0) << 2;
	return bad;
}

/*
 * A region counts as an object, and its bound lock as another, against
 * max_objects_per_user: ENOSPC at the limit, room again after a close.
 * As a user of its own: root's objects of earlier tests count for nothing.
 */
TEST_F(shm, object_limit_is_enospc_and_a_bound_lock_counts)
{
	long old = get_param("max_objects_per_user");

	if (geteuid() != 0)
		SKIP(return, "needs root to change module parameters");
	ASSERT_LT(0, old);
	ASSERT_EQ(0, set_param("max_objects_per_user", 2));
	EXPECT_EQ(0, as_uid(4245, region_and_lock_count, self->dev, NULL));
	EXPECT_EQ(0, set_param("max_objects_per_user", old));
}

/* Zero-filled, shared between mappings, the last page's tail usable. */
TEST_F(shm, region_is_zeroed_and_shared_between_mappings)
{
	unsigned char *a, *b;
	size_t i;
	int fd;

	fd = raw_shm_open(self->dev, NULL, 0, 0600, 2 * PAGE + 10);
	ASSERT_LE(0, fd);
	a = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PAGE);
	ASSERT_NE(MAP_FAILED, b);
	for (i = 0; i < 3 * PAGE; i++)
		ASSERT_EQ(0, a[i]) TH_LOG("byte %zu", i);
	a[2 * PAGE + 5] = 0x42;
	EXPECT_EQ(0x42, b[5]);
	b[PAGE - 1] = 0x17;	/* past the size, in the last page */
	EXPECT_EQ(0x17, a[3 * PAGE - 1]);
	/* MADV_DONTNEED drops our page tables, not the region's memory. */
	ASSERT_EQ(0, madvise(a, 3 * PAGE, MADV_DONTNEED));
	EXPECT_EQ(0x42, a[2 * PAGE + 5]);
	EXPECT_EQ(0x17, a[3 * PAGE - 1]);
	/* Growing a mapping is refused. */
	EXPECT_EQ(MAP_FAILED, mremap(b, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	munmap(a, 3 * PAGE);
	munmap(b, PAGE);
	close(fd);
}

TEST_F(shm, mapping_past_the_end_is_enxio_private_is_einval)
{
	void *p;
	int fd;

	fd = raw_shm_open(self->dev, NULL, 0, 0600, PAGE + 1);
	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd,
				   0));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd,
				   2 * PAGE));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd,
				   PAGE));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd,
				   (off_t)1 << 40));
	EXPECT_EQ(ENXIO, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	EXPECT_NE(MAP_FAILED, p);
	munmap(p, PAGE);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(shm, never_executable)
{
	void *p;
	int fd;

	fd = raw_shm_open(self->dev, NULL, 0, 0600, PAGE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_EXEC,
				   MAP_SHARED, fd, 0));
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, PAGE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	munmap(p, PAGE);
	close(fd);
}

/* A read-only file never gets a writable mapping. */
TEST_F(shm, read_only_file_maps_read_only_for_good)
{
	struct ipcq_shm_stat st;
	volatile unsigned char *p;
	unsigned char *w;
	int rw, ro, mem;
	pid_t pid;

	rw = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE, 0600, PAGE);
	ASSERT_LE(0, rw);
	ro = raw_shm_open(self->dev, self->name, IPCQ_SHM_RDONLY, 0, 0);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, raw_shm_stat(ro, &st));
	EXPECT_EQ(IPCQ_SHM_RDONLY, st.flags);
	ASSERT_EQ(0, raw_shm_stat(rw, &st));
	EXPECT_EQ(0, st.flags);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, ro, 0));
	EXPECT_EQ(EACCES, errno);
	w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	ASSERT_NE(MAP_FAILED, w);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, p);
	w[7] = 99;
	EXPECT_EQ(99, p[7]);
	EXPECT_EQ(-1, mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	/* A write through it faults, and changes nothing. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		p[7] = 1;
		_exit(0);
	}
	EXPECT_EQ(128 + SIGSEGV, child_status(pid));
	EXPECT_EQ(99, w[7]);
	/* Nor through /proc/self/mem (FOLL_FORCE). */
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);
	EXPECT_EQ(-1, pwrite(mem, "\1", 1, (off_t)(uintptr_t)(p + 7)));
	close(mem);
	EXPECT_EQ(99, w[7]);
	munmap((void *)p, PAGE);
	munmap(w, PAGE);
	close(ro);
	close(rw);
}

/* Mode 0604: others may map it read-only, nothing more. */
static int others_read_only(int dev, const char *name)
{
	int ro, bad = 0;

	ro = raw_shm_open(dev, name, IPCQ_SHM_RDONLY, 0, 0);
	bad |= ro < 0;
	bad |= (mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0) ==
		MAP_FAILED) << 1;
	bad |= (raw_shm_open(dev, name, 0, 0, 0) != -EACCES) << 2;
	bad |= (raw_shm_open(dev, name, IPCQ_OPEN_CREATE, 0666, PAGE) !=
		-EACCES) << 3;
	bad |= (shm_unlink_raw(dev, name) != -EPERM) << 4;
	/* Anyone may create anonymous regions. */
	bad |= (raw_shm_open(dev, NULL, 0, 0600, 1) < 0) << 5;
	return bad;
}

/* Mode 0600: others may not even read. */
static int others_nothing(int dev, const char *name)
{
	return raw_shm_open(dev, name, IPCQ_SHM_RDONLY, 0, 0) != -EACCES;
}

/*
 * Access by mode bits: read-only needs read permission, read-write read
 * and write; EACCES otherwise; unlink by others EPERM.
 */
TEST_F(shm, permissions_by_access_mode)
{
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch users");
	umask(0);
	fd = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE |
			  IPCQ_OPEN_EXCL, 0604, PAGE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, as_nobody(others_read_only, self->dev, self->name));
	close(fd);
	ASSERT_EQ(0, shm_unlink_raw(self->dev, self->name));
	fd = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE |
			  IPCQ_OPEN_EXCL, 0600, PAGE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, as_nobody(others_nothing, self->dev, self->name));
	close(fd);
}

TEST_F(shm, names_create_open_exclusive_unlink_while_mapped)
{
	struct ipcq_shm_stat st;
	unsigned char *p, *q;
	int a, b, c;

	EXPECT_EQ(-ENOENT, raw_shm_open(self->dev, self->name, 0, 0, 0));
	a = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE |
			 IPCQ_OPEN_EXCL, 0600, 64);
	ASSERT_LE(0, a);
	EXPECT_EQ(-EEXIST, raw_shm_open(self->dev, self->name,
					IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL,
					0600, 64));
	/* CREATE without EXCL opens the one there (its size stays). */
	b = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE, 0600, 32);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, raw_shm_stat(b, &st));
	EXPECT_EQ(64, st.size);
	EXPECT_EQ(IPCQ_SHM_STATE_NAMED, st.state);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	ASSERT_NE(MAP_FAILED, q);
	p[0] = 'x';
	EXPECT_EQ('x', q[0]);
	/* Unlinked while mapped: the name goes, the memory stays. */
	ASSERT_EQ(0, shm_unlink_raw(self->dev, self->name));
	EXPECT_EQ(-ENOENT, shm_unlink_raw(self->dev, self->name));
	EXPECT_EQ(-ENOENT, raw_shm_open(self->dev, self->name, 0, 0, 0));
	ASSERT_EQ(0, raw_shm_stat(a, &st));
	EXPECT_EQ(0, st.state);
	q[1] = 'y';
	EXPECT_EQ('y', p[1]);
	/* The name now makes a new region. */
	c = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE |
			 IPCQ_OPEN_EXCL, 0600, 64);
	ASSERT_LE(0, c);
	EXPECT_NE(fdinfo_value(a, "ipcq-id"), fdinfo_value(c, "ipcq-id"));
	munmap(p, PAGE);
	munmap(q, PAGE);
	close(a);
	close(b);
	close(c);
}

/* Every fd closed, the mapping alone keeps the region, until unmapped. */
TEST_F(shm, mapping_keeps_region_alive_after_every_fd_is_closed)
{
	char text[65536], idline[64];
	volatile unsigned char *p;
	long long id;
	int fd, dbg, n;
	pid_t pid;

	fd = raw_shm_open(self->dev, NULL, 0, 0600, PAGE);
	ASSERT_LE(0, fd);
	id = fdinfo_value(fd, "ipcq-id");
	ASSERT_LT(0, id);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd));
	p[0] = 1;
	/* A child made now shares it still. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		p[1] = p[0] + 1;
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(2, p[1]);
	snprintf(idline, sizeof(idline), "\n%lld\tshm\t", id);
	dbg = open("/sys/kernel/debug/ipcq/objects", O_RDONLY | O_CLOEXEC);
	if (dbg >= 0) {
		n = (int)read(dbg, text, sizeof(text) - 1);
		close(dbg);
		ASSERT_LT(0, n);
		text[n] = 0;
		EXPECT_NE(NULL, strstr(text, idline));
	}
	munmap((void *)p, PAGE);
	/* debugfs is root's: as another user, the end is not seen. */
	dbg = open("/sys/kernel/debug/ipcq/objects", O_RDONLY | O_CLOEXEC);
	if (dbg < 0)
		return;
	n = (int)read(dbg, text, sizeof(text) - 1);
	close(dbg);
	ASSERT_LT(0, n);
	text[n] = 0;
	EXPECT_EQ(NULL, strstr(text, idline));
}

/* Stat, fdinfo and LIST count the mapped areas, in every process. */
TEST_F(shm, stat_fdinfo_and_list_count_mappings)
{
	struct ipcq_object_info infos[64];
	struct ipcq_list l;
	struct ipcq_shm_stat st;
	unsigned char *p, *q;
	uint32_t i;
	int fd, go[2];
	pid_t pid;
	char c;

	fd = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE, 0640,
			  3 * PAGE);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(3 * PAGE, st.size);
	EXPECT_EQ(0, st.mappings);
	EXPECT_EQ(0, st.lock_id);
	EXPECT_EQ(0, st.lock_state);
	EXPECT_EQ(0, st.lock_owner_tid);
	EXPECT_EQ(0, st.lock_waiters);
	EXPECT_EQ(0, st.lock_depth);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, st.reserved[i]);
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(2, st.mappings);
	/* A split area counts twice. */
	ASSERT_EQ(0, mprotect(p, PAGE, PROT_READ));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(3, st.mappings);
	/* A child's copies count while it lives. */
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		read(go[0], &c, 1);
		_exit(0);
	}
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(6, st.mappings);
	EXPECT_EQ(6, fdinfo_value(fd, "mappings"));
	EXPECT_EQ(3 * PAGE, fdinfo_value(fd, "size"));
	EXPECT_EQ(0, fdinfo_value(fd, "lock_id"));
	ASSERT_EQ(1, write(go[1], "g", 1));
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(3, st.mappings);

	memset(&l, 0, sizeof(l));
	l.entries = (uintptr_t)infos;
	l.max_entries = 64;
	ASSERT_EQ(0, xioctl(self->dev, IPCQ_IOC_LIST, &l));
	for (i = 0; i < l.count && i < 64; i++)
		if (infos[i].type == IPCQ_TYPE_SHM &&
		    infos[i].name_len == strlen(self->name) &&
		    !memcmp(infos[i].name, self->name, infos[i].name_len))
			break;
	ASSERT_GT(l.count, i) TH_LOG("the region is not listed");
	EXPECT_EQ(3 * PAGE, infos[i].bytes);
	EXPECT_EQ(3, infos[i].value);
	EXPECT_EQ(IPCQ_SHM_STATE_NAMED, infos[i].state);
	EXPECT_EQ(0640, infos[i].mode);
	munmap(p, 3 * PAGE);
	munmap(q, PAGE);
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(0, st.mappings);
	close(fd);
}

/* The bound lock: an ordinary lock file, its state in the region's. */
TEST_F(shm, bound_lock_is_an_ordinary_lock_seen_in_stat)
{
	struct ipcq_sync_open so;
	struct ipcq_sync_stat ls;
	struct ipcq_shm_stat st;
	int fd, plain, l1, l2, rl, r1;

	plain = raw_shm_open(self->dev, NULL, 0, 0600, 8);
	ASSERT_LE(0, plain);
	EXPECT_EQ(-ENXIO, shm_lock_fd(plain, 0));
	fd = raw_shm_open(self->dev, NULL, IPCQ_SHM_LOCK, 0600, 8);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, shm_lock_fd(fd, IPCQ_OPEN_CREATE));
	EXPECT_EQ(-EFAULT, xioctl(fd, IPCQ_IOC_SHM_LOCK, NULL));
	l1 = shm_lock_fd(fd, IPCQ_OPEN_CLOEXEC);
	ASSERT_LE(0, l1);
	l2 = shm_lock_fd(fd, 0);
	ASSERT_LE(0, l2);
	EXPECT_EQ(0, fcntl(l2, F_GETFD) & FD_CLOEXEC);
	memset(&ls, 0, sizeof(ls));
	ASSERT_EQ(0, xioctl(l1, IPCQ_IOC_SYNC_STAT, &ls));
	EXPECT_EQ(IPCQ_TYPE_LOCK, ls.type);
	EXPECT_EQ(IPCQ_SYNC_SHARED, ls.flags);
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(IPCQ_SHM_LOCK, st.flags);
	EXPECT_LT(0, st.lock_id);
	EXPECT_EQ(st.lock_id, fdinfo_value(l1, "ipcq-id"));
	EXPECT_EQ(0, st.state);
	/* Both files are of one lock. */
	EXPECT_EQ(0, lock_op(l1, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(-EAGAIN, lock_op(l2, IPCQ_IOC_LOCK_ACQUIRE,
				   IPCQ_SYNC_NONBLOCK));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_LOCKED, st.state);
	EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_MINE, st.lock_state);
	EXPECT_EQ(gettid(), st.lock_owner_tid);
	EXPECT_EQ(1, st.lock_depth);
	EXPECT_EQ(0, lock_op(l2, IPCQ_IOC_LOCK_RELEASE, 0));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(0, st.lock_state);

	/* An RLock, and a read-only file may ask for the lock too. */
	rl = raw_shm_open(self->dev, self->name, IPCQ_OPEN_CREATE |
			  IPCQ_SHM_RLOCK, 0600, 8);
	ASSERT_LE(0, rl);
	r1 = raw_shm_open(self->dev, self->name, IPCQ_SHM_RDONLY, 0, 0);
	ASSERT_LE(0, r1);
	close(l2);
	l2 = shm_lock_fd(r1, 0);
	ASSERT_LE(0, l2);
	ASSERT_EQ(0, xioctl(l2, IPCQ_IOC_SYNC_STAT, &ls));
	EXPECT_EQ(IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED, ls.flags);
	EXPECT_EQ(0, lock_op(l2, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(0, lock_op(l2, IPCQ_IOC_LOCK_ACQUIRE, 0));
	ASSERT_EQ(0, raw_shm_stat(r1, &st));
	EXPECT_EQ(IPCQ_SHM_RLOCK | IPCQ_SHM_RDONLY, st.flags);
	EXPECT_EQ(2, st.lock_depth);
	EXPECT_EQ(0, lock_op(l2, IPCQ_IOC_LOCK_RELEASE, 0));
	EXPECT_EQ(0, lock_op(l2, IPCQ_IOC_LOCK_RELEASE, 0));
	/* The bound lock is no named object. */
	memset(&so, 0, sizeof(so));
	so.name = (uintptr_t)self->name;
	so.name_len = (uint32_t)strlen(self->name);
	so.type = IPCQ_TYPE_LOCK;
	so.mode = 0600;
	EXPECT_EQ(-ENOENT, xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &so));
	close(l1);
	close(l2);
	close(r1);
	close(rl);
	close(fd);
	close(plain);
}

/*
 * The holder of the bound lock dies with its lock file: the region is
 * possibly inconsistent from then on, through EOWNERDEAD, until the next
 * holder marks the lock consistent; released without that, for good.
 */
static int take_bound_lock(void *region_fd)
{
	int mine = shm_lock_fd(*(int *)region_fd, 0);

	return mine < 0 || lock_op(mine, IPCQ_IOC_LOCK_ACQUIRE, 0);
}

TEST_F(shm, dead_holder_marks_region_inconsistent_until_consistent)
{
	struct ipcq_shm_stat st;
	int fd, l;
	pid_t pid;

	fd = raw_shm_open(self->dev, NULL, IPCQ_SHM_LOCK, 0600, 8);
	ASSERT_LE(0, fd);
	pid = fork_holder(take_bound_lock, &fd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_LOCKED, st.state);
	EXPECT_EQ(pid, st.lock_owner_tid);
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_INCONSISTENT, st.state);
	EXPECT_EQ(IPCQ_SYNC_OWNER_DEAD, st.lock_state);
	EXPECT_EQ(1, fdinfo_value(fd, "inconsistent"));

	l = shm_lock_fd(fd, IPCQ_OPEN_CLOEXEC);
	ASSERT_LE(0, l);
	EXPECT_EQ(-EOWNERDEAD, lock_op(l, IPCQ_IOC_LOCK_ACQUIRE, 0));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_INCONSISTENT | IPCQ_SHM_STATE_LOCKED,
		  st.state);
	EXPECT_EQ(IPCQ_SYNC_LOCKED | IPCQ_SYNC_INCONSISTENT | IPCQ_SYNC_MINE,
		  st.lock_state);
	EXPECT_EQ(0, lock_op(l, IPCQ_IOC_LOCK_CONSISTENT, 0));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_LOCKED, st.state);
	EXPECT_EQ(0, lock_op(l, IPCQ_IOC_LOCK_RELEASE, 0));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(0, fdinfo_value(fd, "inconsistent"));

	/* Again, and released without repair: unrecoverable, for good. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(take_bound_lock(&fd));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(-EOWNERDEAD, lock_op(l, IPCQ_IOC_LOCK_ACQUIRE, 0));
	EXPECT_EQ(0, lock_op(l, IPCQ_IOC_LOCK_RELEASE, 0));
	EXPECT_EQ(-ENOTRECOVERABLE, lock_op(l, IPCQ_IOC_LOCK_ACQUIRE, 0));
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_INCONSISTENT, st.state);
	EXPECT_EQ(IPCQ_SYNC_NOTRECOVERABLE, st.lock_state);
	close(l);
	close(fd);
}

/* Region ioctls on region fds only; nothing else on them. */
TEST_F(shm, unknown_ioctls_and_other_objects_are_enotty)
{
	struct ipcq_shm_stat st;
	struct ipcq_queue_stat qs;
	char buf[64] = { 0 };
	int fd, q;

	fd = raw_shm_open(self->dev, NULL, 0, 0600, 8);
	ASSERT_LE(0, fd);
	q = raw_queue_open(self->dev, NULL, BOTH, 0600, 0, 0);
	ASSERT_LE(0, q);
	EXPECT_EQ(-ENOTTY, xioctl(fd, IPCQ_IOC_QUEUE_STAT, &qs));
	EXPECT_EQ(-ENOTTY, xioctl(fd, IPCQ_IOC_SYNC_STAT, buf));
	EXPECT_EQ(-ENOTTY, xioctl(fd, _IOR(IPCQ_IOC_MAGIC, 0x82, __u64), buf));
	EXPECT_EQ(-ENOTTY, xioctl(fd, _IOW(IPCQ_IOC_MAGIC, 0x80,
					   struct ipcq_shm_stat), &st));
	EXPECT_EQ(-ENOTTY, xioctl(q, IPCQ_IOC_SHM_STAT, &st));
	EXPECT_EQ(-ENOTTY, xioctl(self->dev, IPCQ_IOC_SHM_STAT, &st));
	EXPECT_EQ(-EFAULT, xioctl(fd, IPCQ_IOC_SHM_STAT, NULL));
	EXPECT_EQ(-EFAULT, xioctl(fd, IPCQ_IOC_SHM_STAT, (void *)8));
	/* No position, no read or write. */
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(fd, buf, 1));
	EXPECT_EQ(-1, write(fd, buf, 1));
	/* The type is known to unlink. */
	EXPECT_EQ(-ENOENT, shm_unlink_raw(self->dev, "no-such-region"));
	close(q);
	close(fd);
}

/* No region operation is an io_uring command; a cancel finds nothing. */
TEST_F(shm, uring_commands_on_a_region_are_eopnotsupp)
{
	struct ipcq_shm_stat st;
	struct ipcq_reopen ro = { 0 };
	struct io_uring r;
	int fd;

	SKIP_WITHOUT_URING();
	fd = raw_shm_open(self->dev, NULL, IPCQ_SHM_LOCK, 0600, 8);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, io_uring_queue_init(4, &r, 0));
	EXPECT_EQ(-EOPNOTSUPP, run_raw(&r, fd, IPCQ_IOC_SHM_STAT,
				       (uintptr_t)&st, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, run_raw(&r, fd, IPCQ_IOC_SHM_LOCK,
				       (uintptr_t)&ro, 0, 0));
	EXPECT_EQ(-ENOENT, run_raw(&r, fd, IPCQ_URING_CANCEL, 7,
				   IPCQ_CANCEL_ANY, 0));
	io_uring_queue_exit(&r);
	close(fd);
}

TEST_HARNESS_MAIN
