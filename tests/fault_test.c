// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection (debug kernels with CONFIG_FAULT_INJECTION): every
 * allocation and user copy on each path is made to fail in turn, through
 * /proc/thread-self/fail-nth. Every call must then fail cleanly (ENOMEM,
 * or EFAULT for a failed copy) or succeed, and leave the object usable
 * and its counts exact; kmemleak, run by the VM runner, finds leaks.
 * Skipped on kernels without fault injection.
 */
#define _GNU_SOURCE
#include <liburing.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

static int nth_fd = -1;

/* Arms the fault for the n-th fallible call; only called disarmed. */
static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, (size_t)len, 0) != len)
		abort();
}

/*
 * fail-nth counts every fallible call, user copies included: when the
 * tested call did not use up the count, our own read and write of
 * fail-nth do, and fail. Each failure uses one up, so retrying ends.
 */
static void disarm(void)
{
	int i;

	for (i = 0; i < 1000; i++)
		if (pwrite(nth_fd, "0", 1, 0) == 1)
			return;
	abort();
}

/* True if the armed fault fired during the last call; disarms. */
static int fired(void)
{
	char buf[16] = { 0 };
	ssize_t n = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	disarm();
	/* A failed read means the count ran out there: not in the call. */
	return n > 0 && atoi(buf) == 0;
}

static int acceptable(int ret)
{
	return ret >= 0 || ret == -ENOMEM || ret == -EFAULT;
}

FIXTURE(fault) {
	int dev;
	char name[64];
};

FIXTURE_SETUP(fault)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	snprintf(self->name, sizeof(self->name), "fault-%d", getpid());
}

FIXTURE_TEARDOWN(fault)
{
	ipcdev_queue_unlink(self->name);
	ipcdev_sem_unlink(self->name);
	ipcdev_shm_unlink(self->name);
	close(self->dev);
	if (nth_fd >= 0)
		close(nth_fd);
}

/*
 * Creating (anonymous and named), opening by name, pipes, sync objects,
 * listing names, shared memory regions (with their bound lock) and
 * their lock files.
 */
TEST_F(fault, create_and_open_paths)
{
	unsigned int n, path;
	int ret, fds[2] = { -1, -1 };
	struct ipcq_pipe_create pc;
	int ring_fd, shm_fd;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	ring_fd = raw_queue_open(self->dev, NULL, 3 | IPCQ_OPEN_RING, 0600, 4,
				 0);
	ASSERT_LE(0, ring_fd);
	shm_fd = raw_shm_open(self->dev, NULL, IPCQ_SHM_LOCK, 0600, 100);
	ASSERT_LE(0, shm_fd);
	for (path = 0; path < 12; path++) {
		for (n = 1; n < 500; n++) {
			arm(n);
			switch (path) {
			case 0:
				ret = raw_queue_open(self->dev, NULL, 3, 0, 4, 0);
				break;
			case 1:
				ret = raw_queue_open(self->dev, self->name, 3 |
						     IPCQ_OPEN_CREATE, 0600, 4, 0);
				break;
			case 2:
				ret = raw_queue_open(self->dev, self->name, 3,
						     0, 0, 0);
				break;
			case 3:
				memset(&pc, 0, sizeof(pc));
				pc.flags = IPCQ_PIPE_DUPLEX;
				ret = xioctl(self->dev, IPCQ_IOC_PIPE_CREATE, &pc);
				fds[0] = ret ? -1 : (int)pc.fds[0];
				fds[1] = ret ? -1 : (int)pc.fds[1];
				break;
			case 6:
				ret = raw_queue_open(self->dev, NULL, 3 |
						     IPCQ_OPEN_RING, 0600, 4, 0);
				break;
			case 7: {
				struct ipcq_ring_info info = {
					.flags = IPCQ_OPEN_CLOEXEC,
				};

				ret = xioctl(ring_fd, IPCQ_IOC_RING_ATTACH, &info);
				break;
			}
			case 8: {
				struct ipcq_sync_open so = {
					.type = IPCQ_TYPE_SEM,
					.flags = IPCQ_SYNC_SHARED,
					.mode = 0600, .value = 1,
				};

				ret = xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &so);
				break;
			}
			case 9:
				ret = raw_shm_open(self->dev, NULL,
						   IPCQ_SHM_RLOCK, 0600,
						   3 * 4096);
				break;
			case 10:
				ret = raw_shm_open(self->dev, self->name,
						   IPCQ_OPEN_CREATE |
						   IPCQ_SHM_LOCK, 0600, 4096);
				break;
			case 11: {
				struct ipcq_reopen r = { 0 };

				ret = xioctl(shm_fd, IPCQ_IOC_SHM_LOCK, &r);
				break;
			}
			case 5: {
				struct ipcq_object_info infos[4];
				struct ipcq_list l = {
					.entries = (uintptr_t)infos,
					.max_entries = 4,
				};

				ret = xioctl(self->dev, IPCQ_IOC_LIST, &l);
				break;
			}
			default: {
				struct ipcq_sync_open so = {
					.name = (uintptr_t)self->name,
					.name_len = (uint32_t)strlen(self->name),
					.type = IPCQ_TYPE_SEM,
					.flags = IPCQ_OPEN_CREATE,
					.mode = 0600, .value = 1,
				};

				ret = xioctl(self->dev, IPCQ_IOC_SYNC_OPEN, &so);
			}
			}
			if (!fired()) {
				/* Every allocation passed: the path is done. */
				EXPECT_LE(0, ret) TH_LOG("path %u", path);
				if (ret > 0)
					close(ret);
				if (path == 3 && ret == 0) {
					close(fds[0]);
					close(fds[1]);
				}
				break;
			}
			EXPECT_TRUE(acceptable(ret)) TH_LOG("path %u n %u: %d",
							    path, n, ret);
			if (ret > 0)
				close(ret);
			if (path == 3 && ret == 0) {
				close(fds[0]);
				close(fds[1]);
			}
		}
		EXPECT_GT(500, n) TH_LOG("path %u never completed", path);
		/* Not vacuous: every path allocates, so faults did fire. */
		EXPECT_LT(1, n) TH_LOG("path %u: no fault point", path);
		TH_LOG("path %u: %u fault points, each failed cleanly", path,
		       n - 1);
	}
	close(ring_fd);
	close(shm_fd);
}

/*
 * put and get: a failed put queues nothing, a failed get loses nothing.
 * @size 64 on a ring queue goes through the ring, 8192 is kept.
 */
static int typed_msg(int q, int put, uint64_t type, uint64_t *len, void *buf)
{
	struct ipcq_msg m;
	int ret;

	msg_init(&m, buf, *len, 0, put ? 0 : IPCQ_MSG_TYPE_EQ |
				  IPCQ_MSG_NONBLOCK);
	m.type = type;
	ret = xioctl(q, put ? IPCQ_IOC_QUEUE_PUT : IPCQ_IOC_QUEUE_GET, &m);
	*len = m.len;
	return ret;
}

/*
 * Puts @msg of @size bytes, the n-th fallible call failing for n = 1, 2,
 * ... until a put meets no fault; each a new type (1000 + n) if @typed.
 * Returns how many were queued; *@np: the last n.
 */
static int put_faulted(struct __test_metadata *_metadata, int q,
		       const char *msg, size_t size, bool typed,
		       unsigned int *np)
{
	struct ipcq_queue_stat st;
	int ret, queued = 0;
	uint64_t len;
	unsigned int n;

	for (n = 1; n < 500; n++) {
		len = size;
		arm(n);
		ret = typed ? typed_msg(q, 1, 1000 + n, &len, (void *)msg) :
			      raw_put(q, msg, size, 0, 0, 0);
		if (!fired()) {
			EXPECT_EQ(0, ret);
			queued += ret == 0;
			break;
		}
		EXPECT_TRUE(acceptable(ret)) TH_LOG("put n %u: %d", n, ret);
		queued += ret == 0;
		EXPECT_EQ(0, raw_stat(q, &st));
		EXPECT_EQ(queued, st.messages) TH_LOG("put n %u", n);
	}
	*np = n;
	return queued;
}

static void put_get_paths(struct __test_metadata *_metadata, int q,
			  size_t size)
{
	struct ipcq_queue_stat st;
	char msg[8192], out[8192];
	uint64_t len;
	unsigned int n;
	int ret, queued = 0, got = 0;

	memset(msg, 0x3c, size);
	queued = put_faulted(_metadata, q, msg, size, false, &n);
	for (n = 1; n < 500; n++) {
		len = sizeof(out);
		arm(n);
		ret = raw_get(q, out, &len, NULL, IPCQ_MSG_NONBLOCK, 0);
		if (!fired()) {
			/* Nothing failed: this get went through. */
			ASSERT_EQ(0, ret);
			ASSERT_EQ(0, memcmp(out, msg, size));
			got++;
			break;
		}
		EXPECT_TRUE(acceptable(ret)) TH_LOG("get n %u: %d", n, ret);
		got += ret == 0;
		ASSERT_EQ(0, raw_stat(q, &st));
		ASSERT_EQ(queued - got, st.messages) TH_LOG("get n %u", n);
	}
	EXPECT_LT(0, queued);
	TH_LOG("put/get: every fault point failed cleanly, %d queued", queued);
	/* Everything put is still there, intact. */
	while (got < queued) {
		len = sizeof(out);
		ASSERT_EQ(0, raw_get(q, out, &len, NULL, IPCQ_MSG_NONBLOCK, 0));
		ASSERT_EQ(size, len);
		ASSERT_EQ(0, memcmp(out, msg, len));
		got++;
	}
}

TEST_F(fault, put_and_get_paths)
{
	int q;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	q = raw_queue_open(self->dev, NULL, 3, 0, 0, 0);
	ASSERT_LE(0, q);
	put_get_paths(_metadata, q, 8192);
	close(q);
}

TEST_F(fault, ring_put_and_get_paths)
{
	int q;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	q = raw_queue_open(self->dev, NULL, 3 | IPCQ_OPEN_RING, 0600, 0, 0);
	ASSERT_LE(0, q);
	put_get_paths(_metadata, q, 64);	/* through the ring */
	put_get_paths(_metadata, q, 8192);	/* kept by the kernel */
	close(q);
}

/*
 * Typed puts (a new type's index node, the message) and gets selecting by
 * type (a failed copy-out gives the message back, into an index whose
 * node for its type may be gone), and IPCQ_IOC_SET, with each fallible
 * call on their way failing: clean errors, exact counts, every message
 * found again under its type.
 */
TEST_F(fault, typed_and_set_paths)
{
	struct ipcq_queue_stat st;
	struct ipcq_set set;
	char msg[256], out[256];
	int q, ret, queued, got = 0;
	uint64_t len, type;
	unsigned int n;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	q = raw_queue_open(self->dev, self->name, 3 | IPCQ_OPEN_CREATE, 0600,
			   0, 0);
	ASSERT_LE(0, q);
	memset(msg, 0x5a, sizeof(msg));
	/* Each put a new type: every one needs its index node. */
	queued = put_faulted(_metadata, q, msg, sizeof(msg), true, &n);
	/* Gets of each type, the copy-out failing among others. */
	for (type = 1001; type <= 1000 + n; type++) {
		unsigned int k;

		for (k = 1; k < 200; k++) {
			len = sizeof(out);
			arm(k);
			ret = typed_msg(q, 0, type, &len, out);
			if (!fired())
				break;
			EXPECT_TRUE(acceptable(ret) || ret == -EAGAIN)
				TH_LOG("get n %u: %d", k, ret);
			if (ret == 0 || ret == -EAGAIN)
				break;
		}
		if (ret == 0)
			got++;
		ASSERT_EQ(0, raw_stat(q, &st));
		ASSERT_EQ(queued - got, st.messages);
	}
	EXPECT_EQ(queued, got);
	memset(&set, 0, sizeof(set));
	set.name = (uintptr_t)self->name;
	set.name_len = strlen(self->name);
	set.type = IPCQ_TYPE_QUEUE;
	set.flags = IPCQ_SET_MODE | IPCQ_SET_LIMITS;
	set.mode = 0640;
	set.capacity = 7;
	set.max_msg_size = 256;
	set.max_bytes = 4096;
	for (n = 1; n < 100; n++) {
		arm(n);
		ret = xioctl(self->dev, IPCQ_IOC_SET, &set);
		if (!fired()) {
			ASSERT_EQ(0, ret);
			break;
		}
		EXPECT_TRUE(ret == 0 || ret == -EFAULT) TH_LOG("set n %u", n);
	}
	ASSERT_EQ(0, raw_stat(q, &st));
	EXPECT_EQ(7, st.capacity);
	EXPECT_EQ(4096, st.max_bytes);
	close(q);
}

/*
 * mmap of a region with each allocation on its way failing (the area,
 * the VMA tree's nodes after our mmap handler ran): a clean ENOMEM, and
 * the region's count of mapped areas exact whatever failed.
 */
TEST_F(fault, shm_mmap_paths)
{
	struct ipcq_shm_stat st;
	unsigned int n;
	void *p;
	int fd;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	fd = raw_shm_open(self->dev, NULL, IPCQ_SHM_LOCK, 0600, 2 * 4096);
	ASSERT_LE(0, fd);
	for (n = 1; n < 500; n++) {
		arm(n);
		p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (!fired()) {
			ASSERT_NE(MAP_FAILED, p);
			ASSERT_EQ(0, raw_shm_stat(fd, &st));
			EXPECT_EQ(1, st.mappings);
			munmap(p, 2 * 4096);
			break;
		}
		EXPECT_TRUE(p != MAP_FAILED || errno == ENOMEM)
			TH_LOG("n %u: %s", n, strerror(errno));
		ASSERT_EQ(0, raw_shm_stat(fd, &st));
		EXPECT_EQ(p != MAP_FAILED, st.mappings) TH_LOG("n %u", n);
		if (p != MAP_FAILED)
			munmap(p, 2 * 4096);
	}
	ASSERT_EQ(0, raw_shm_stat(fd, &st));
	EXPECT_EQ(0, st.mappings);
	EXPECT_LT(1, n) TH_LOG("mmap: no fault point");
	TH_LOG("shm mmap: %u fault points, each failed cleanly", n - 1);
	close(fd);
}

/* Fills the ring's next SQE with an ipcq command on @fd. */
static void prep_cmd(struct io_uring *r, int fd, uint32_t cmd_op, void *arg)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	struct ipcq_uring_cmd cmd = { .arg = (uintptr_t)arg };

	if (!sqe)
		abort();
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
}

/*
 * Submits what is prepared with the n-th fallible call failing; a submit
 * the fault stopped is made again without. Returns the completion's res.
 */
static int submit_armed(struct io_uring *r, unsigned int n, bool *hit)
{
	struct io_uring_cqe *cqe;
	int ret, res;

	arm(n);
	ret = io_uring_submit(r);
	*hit = fired();
	while (ret != 1) {
		if (ret != -ENOMEM && ret != -EAGAIN && ret != -EFAULT && ret)
			return -1000 + ret;
		ret = io_uring_submit(r);
	}
	if (io_uring_wait_cqe(r, &cqe))
		return -2000;
	res = cqe->res;
	io_uring_cqe_seen(r, cqe);
	return res;
}

/*
 * io_uring commands: a put and a get completed at once, and a get parked
 * then completed by a put (the fault may hit the put or the get's retry
 * in task work). A failed command queues or loses nothing.
 */
TEST_F(fault, uring_paths)
{
	struct ipcq_queue_stat st;
	struct io_uring ring;
	struct ipcq_msg m;
	char msg[256], out[256];
	unsigned int n, path;
	uint64_t len;
	bool hit, put_hit;
	int q, ret;

	SKIP_WITHOUT_URING();
	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	for (path = 0; path < 2; path++) {
		q = raw_queue_open(self->dev, NULL, 3 | (path ? IPCQ_OPEN_RING :
							 0), 0600, 0, 0);
		ASSERT_LE(0, q);
		memset(msg, 0x5a, sizeof(msg));
		for (n = 1; n < 500; n++) {
			msg_init(&m, msg, 64, IPCQ_DEADLINE_FOREVER, 0);
			prep_cmd(&ring, q, IPCQ_IOC_QUEUE_PUT, &m);
			ret = submit_armed(&ring, n, &put_hit);
			EXPECT_TRUE(acceptable(ret)) TH_LOG("put n %u: %d", n, ret);
			ASSERT_EQ(0, raw_stat(q, &st));
			ASSERT_EQ(ret == 0, st.messages) TH_LOG("put n %u", n);
			if (ret)
				ASSERT_EQ(0, raw_put(q, msg, 64, 0, 0, 0));
			msg_init(&m, out, sizeof(out), IPCQ_DEADLINE_FOREVER, 0);
			prep_cmd(&ring, q, IPCQ_IOC_QUEUE_GET, &m);
			ret = submit_armed(&ring, n, &hit);
			EXPECT_TRUE(acceptable(ret)) TH_LOG("get n %u: %d", n, ret);
			ASSERT_EQ(0, raw_stat(q, &st));
			ASSERT_EQ(ret != 0, st.messages) TH_LOG("get n %u", n);
			if (ret) {
				len = sizeof(out);
				ASSERT_EQ(0, raw_get(q, out, &len, NULL,
						     IPCQ_MSG_NONBLOCK, 0));
			}
			ASSERT_EQ(0, memcmp(out, msg, 64));
			if (!hit && !put_hit)
				break;
		}
		EXPECT_LT(1, n) TH_LOG("path %u: no fault point", path);
		TH_LOG("uring put/get path %u: %u fault points", path, n);

		/* Parked get, then a put with the fault armed. */
		for (n = 1; n < 500; n++) {
			struct io_uring_cqe *cqe;
			int res;

			msg_init(&m, out, sizeof(out), IPCQ_DEADLINE_FOREVER, 0);
			prep_cmd(&ring, q, IPCQ_IOC_QUEUE_GET, &m);
			ASSERT_EQ(1, io_uring_submit(&ring));
			arm(n);
			/* The retry runs as task work when the put returns. */
			ret = raw_put(q, msg, 64, 0, 0, 0);
			hit = fired();
			EXPECT_TRUE(acceptable(ret)) TH_LOG("put n %u: %d", n, ret);
			if (ret)
				ASSERT_EQ(0, raw_put(q, msg, 64, 0, 0, 0));
			ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
			res = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
			EXPECT_TRUE(acceptable(res)) TH_LOG("get n %u: %d", n, res);
			ASSERT_EQ(0, raw_stat(q, &st));
			ASSERT_EQ(res != 0, st.messages) TH_LOG("parked n %u", n);
			if (res) {
				len = sizeof(out);
				ASSERT_EQ(0, raw_get(q, out, &len, NULL,
						     IPCQ_MSG_NONBLOCK, 0));
			}
			ASSERT_EQ(0, memcmp(out, msg, 64));
			if (!hit)
				break;
		}
		EXPECT_LT(1, n) TH_LOG("parked path %u: no fault point", path);
		TH_LOG("uring parked get path %u: %u fault points", path, n);
		ASSERT_EQ(0, raw_stat(q, &st));
		EXPECT_EQ(0, st.getters);
		EXPECT_EQ(0, st.messages);
		close(q);
	}
	io_uring_queue_exit(&ring);
}

static int fl_listen(int dev, const char *name, uint32_t backlog)
{
	struct ipcq_listener_open a = {
		.name = (uintptr_t)name, .name_len = (uint32_t)strlen(name),
		.flags = IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL | IPCQ_OPEN_CLOEXEC,
		.mode = 0600, .backlog = backlog,
	};

	return xioctl(dev, IPCQ_IOC_LISTENER_OPEN, &a);
}

static int fl_connect(int dev, const char *name)
{
	struct ipcq_connect a = {
		.name = (uintptr_t)name, .name_len = (uint32_t)strlen(name),
		.flags = IPCQ_OPEN_CLOEXEC | IPCQ_CONNECT_NONBLOCK,
	};

	return xioctl(dev, IPCQ_IOC_CONNECT, &a);
}

static int fl_accept(int l)
{
	struct ipcq_accept a = {
		.flags = IPCQ_OPEN_CLOEXEC | IPCQ_ACCEPT_NONBLOCK,
	};

	return xioctl(l, IPCQ_IOC_LISTENER_ACCEPT, &a);
}

static int fl_pending(int l)
{
	struct ipcq_listener_stat st;

	return xioctl(l, IPCQ_IOC_LISTENER_STAT, &st) ? -1 : (int)st.pending;
}

/*
 * Listeners: creating one, connecting (two queues, two ends, the
 * queued connection) and accepting. A failed connect queues nothing, a
 * failed accept leaves the connection queued: the counts stay exact.
 */
TEST_F(fault, listener_paths)
{
	char other[80];
	unsigned int n, path;
	int l, c = -1, ret, before, hit;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	snprintf(other, sizeof(other), "%s-l", self->name);
	l = fl_listen(self->dev, self->name, 8);
	ASSERT_LE(0, l);
	for (path = 0; path < 3; path++) {
		for (n = 1; n < 500; n++) {
			if (path == 2) {
				c = fl_connect(self->dev, self->name);
				ASSERT_LE(0, c);
			}
			before = fl_pending(l);
			arm(n);
			if (path == 0)
				ret = fl_listen(self->dev, other, 2);
			else if (path == 1)
				ret = fl_connect(self->dev, self->name);
			else
				ret = fl_accept(l);
			hit = fired();
			EXPECT_TRUE(acceptable(ret)) TH_LOG("path %u n %u: %d",
							    path, n, ret);
			if (path == 1)
				EXPECT_EQ(before + (ret >= 0), fl_pending(l));
			if (path == 2)
				EXPECT_EQ(before - (ret >= 0), fl_pending(l));
			if (ret >= 0)
				close(ret);
			/* Drain what is queued, unarmed. */
			while (fl_pending(l) > 0) {
				int s = fl_accept(l);

				ASSERT_LE(0, s);
				close(s);
			}
			if (c >= 0) {
				close(c);
				c = -1;
			}
			if (!hit) {
				EXPECT_LE(0, ret) TH_LOG("path %u", path);
				break;
			}
		}
		EXPECT_GT(500, n) TH_LOG("path %u never completed", path);
		EXPECT_LT(1, n) TH_LOG("path %u: no fault point", path);
		TH_LOG("path %u: %u fault points, each failed cleanly", path,
		       n - 1);
	}
	close(l);
}

/*
 * IPCQ_IOC_WAIT_ACQUIRE (ALL over two semaphores and a lock): its
 * allocation and copies fail cleanly, and all-or-none holds: a failed
 * call took nothing.
 */
TEST_F(fault, wait_acquire_paths)
{
	struct ipcq_sync_op op = { 0 };
	struct ipcq_wait_acquire arg;
	struct ipcq_sync_stat st;
	uint32_t fds[3];
	unsigned int n, i;
	int ret, hit;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	fds[0] = (uint32_t)raw_sync_open(self->dev, IPCQ_TYPE_SEM, 0, 1);
	fds[1] = (uint32_t)raw_sync_open(self->dev, IPCQ_TYPE_SEM,
					 IPCQ_SYNC_UNDO, 1);
	fds[2] = (uint32_t)raw_sync_open(self->dev, IPCQ_TYPE_LOCK, 0, 0);
	for (i = 0; i < 3; i++)
		ASSERT_LE(0, (int)fds[i]);
	for (n = 1; n < 500; n++) {
		memset(&arg, 0, sizeof(arg));
		arg.fds = (uintptr_t)fds;
		arg.count = 3;
		arg.mode = IPCQ_WAIT_ALL;
		arg.flags = IPCQ_WAIT_NONBLOCK;
		arm(n);
		ret = xioctl(self->dev, IPCQ_IOC_WAIT_ACQUIRE, &arg);
		hit = fired();
		EXPECT_TRUE(acceptable(ret)) TH_LOG("n %u: %d", n, ret);
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, xioctl((int)fds[i], IPCQ_IOC_SYNC_STAT, &st));
			EXPECT_EQ(ret == 0 ? 0 : 1, st.value);
		}
		ASSERT_EQ(0, xioctl((int)fds[2], IPCQ_IOC_SYNC_STAT, &st));
		EXPECT_EQ(ret == 0, !!(st.state & IPCQ_SYNC_LOCKED));
		if (ret == 0) {
			op.count = 1;
			for (i = 0; i < 2; i++)
				ASSERT_EQ(0, xioctl((int)fds[i],
						    IPCQ_IOC_SEM_RELEASE, &op));
			op.count = 0;
			ASSERT_EQ(0, xioctl((int)fds[2], IPCQ_IOC_LOCK_RELEASE,
					    &op));
		}
		if (!hit) {
			EXPECT_EQ(0, ret);
			break;
		}
	}
	EXPECT_GT(500, n);
	EXPECT_LT(1, n);
	TH_LOG("%u fault points, each failed cleanly", n - 1);
	for (i = 0; i < 3; i++)
		close((int)fds[i]);
}


/*
 * Batches (IPCQ_IOC_QUEUE_PUT_MANY, _GET_MANY) of four messages, on a
 * plain and a ring queue, with each fallible call on their way failing
 * in turn: the call fails cleanly or reports how many moved, exactly that
 * many are queued (taken), and every message comes out whole and in
 * order, none twice, none lost.
 */
/*
 * Batches of 20: the first entry takes the single call, the rest go a
 * run at a time (kmod/queue_batch.c): the second chunk's read, each
 * message's type node and copy-in before the lock, each copy-out and
 * answer after it, the undo of what a fault left; every fourth message
 * typed, so that the type nodes are made, used and given back.
 */
static void batch_paths(struct __test_metadata *_metadata, int q,
			size_t size)
{
	enum { N = 20 };
	static char data[N][8192], out[N][8192];
	struct ipcq_msg msgs[N];
	struct ipcq_batch b;
	struct ipcq_queue_stat st;
	unsigned int n, next_put = 0, next_get = 0;
	bool put_hit = true, get_hit = true;
	int i, ret;

	/* Until neither call meets the armed fault: every point was hit. */
	for (n = 1; n < 500 && (put_hit || get_hit); n++) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < N; i++) {
			memset(data[i], (int)(next_put + i) & 0xff, size);
			msgs[i].buf = (uintptr_t)data[i];
			msgs[i].len = size;
			msgs[i].type = i % 4 == 1 ? 7 : 0;
		}
		memset(&b, 0, sizeof(b));
		b.msgs = (uintptr_t)msgs;
		b.count = N;
		b.flags = IPCQ_BATCH_NONBLOCK;
		arm(n);
		ret = xioctl(q, IPCQ_IOC_QUEUE_PUT_MANY, &b);
		put_hit = fired();
		EXPECT_TRUE(acceptable(ret)) TH_LOG("put n %u: %d", n, ret);
		EXPECT_NE(0, ret);
		if (!put_hit)
			EXPECT_EQ(N, ret);
		if (ret > 0)
			next_put += (unsigned int)ret;
		ASSERT_EQ(0, raw_stat(q, &st));
		ASSERT_EQ(next_put - next_get, st.messages) TH_LOG("put n %u", n);
		/* Take them out with faults too, each checked. */
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < N; i++) {
			msgs[i].buf = (uintptr_t)out[i];
			msgs[i].len = sizeof(out[i]);
		}
		b.msgs = (uintptr_t)msgs;
		b.count = N;
		b.flags = IPCQ_BATCH_NONBLOCK;
		arm(n);
		ret = xioctl(q, IPCQ_IOC_QUEUE_GET_MANY, &b);
		get_hit = fired();
		EXPECT_TRUE(acceptable(ret) || ret == -EAGAIN)
			TH_LOG("get n %u: %d", n, ret);
		for (i = 0; i < ret; i++) {
			ASSERT_EQ(size, msgs[i].len);
			ASSERT_EQ((char)((next_get + i) & 0xff), out[i][0]);
			ASSERT_EQ((char)((next_get + i) & 0xff),
				  out[i][size - 1]);
		}
		if (ret > 0)
			next_get += (unsigned int)ret;
		ASSERT_EQ(0, raw_stat(q, &st));
		ASSERT_EQ(next_put - next_get, st.messages) TH_LOG("get n %u", n);
	}
	EXPECT_GT(500, n);
	EXPECT_LE(N, next_put);
	/* What the faults left queued, whole and in order. */
	while (next_get < next_put) {
		uint64_t len = sizeof(out[0]);

		ASSERT_EQ(0, raw_get(q, out[0], &len, NULL, IPCQ_MSG_NONBLOCK,
				     0));
		ASSERT_EQ(size, len);
		ASSERT_EQ((char)(next_get & 0xff), out[0][0]);
		next_get++;
	}
	TH_LOG("batches: %u messages through %u fault points", next_put, n);
}

TEST_F(fault, batch_paths)
{
	int q;

	if (nth_fd < 0)
		SKIP(return, "no fault injection in this kernel");
	q = raw_queue_open(self->dev, NULL, 3, 0, 0, 0);
	ASSERT_LE(0, q);
	batch_paths(_metadata, q, 8192);
	close(q);
	q = raw_queue_open(self->dev, NULL, 3 | IPCQ_OPEN_RING, 0600, 0, 0);
	ASSERT_LE(0, q);
	batch_paths(_metadata, q, 64);		/* through the ring */
	batch_paths(_metadata, q, 8192);	/* kept by the kernel */
	close(q);
}

TEST_HARNESS_MAIN
