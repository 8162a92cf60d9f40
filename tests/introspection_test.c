// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection: IPCQ_IOC_LIST (per IPC namespace, no side effects),
 * debugfs, and ipcqctl's commands, as root and as an ordinary user
 * against objects it may see but not touch.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define IPCQCTL "/ipcq/bin/ipcqctl"

struct run {
	int status;
	char out[8192];
	char err[2048];
};

static int slurp(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	return (int)got;
}

/* Runs ipcqctl with @argv (NULL-terminated), feeding @input on stdin. */
static int ipcqctl(struct run *r, const char *input, const char *const *argv)
{
	int in[2], out[2], err[2];
	const char *args[32];
	pid_t pid;
	int i;

	if (pipe(in) || pipe(out) || pipe(err))
		return -1;
	args[0] = IPCQCTL;
	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		execv(IPCQCTL, (char *const *)args);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (input)
		write(in[1], input, strlen(input));
	close(in[1]);
	slurp(out[0], r->out, sizeof(r->out));
	slurp(err[0], r->err, sizeof(r->err));
	close(out[0]);
	close(err[0]);
	r->status = child_status(pid);
	return r->status;
}

#define CTL(r, in, ...) ipcqctl(r, in, (const char *const[]){ __VA_ARGS__, NULL })

static int raw_list(int dev, struct ipcq_object_info *infos, uint32_t max,
		    uint32_t *count)
{
	struct ipcq_list arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.entries = (uintptr_t)infos;
	arg.max_entries = max;
	arg.count = 0xdeadbeef;
	ret = xioctl(dev, IPCQ_IOC_LIST, &arg);
	*count = arg.count;
	return ret;
}

static const struct ipcq_object_info *find_info(const struct ipcq_object_info *v,
						uint32_t n, const char *name)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (v[i].name_len == strlen(name) &&
		    !memcmp(v[i].name, name, v[i].name_len))
			return &v[i];
	return NULL;
}

FIXTURE(intro) {
	int dev;
	char name[64];
};

FIXTURE_SETUP(intro)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	snprintf(self->name, sizeof(self->name), "intro-%d", getpid());
	/* tools/vm/run-suite installs it; without it every CTL fails. */
	ASSERT_EQ(0, access(IPCQCTL, X_OK));
}

FIXTURE_TEARDOWN(intro)
{
	ipcdev_queue_unlink(self->name);
	ipcdev_sem_unlink(self->name);
	ipcdev_shm_unlink(self->name);
	close(self->dev);
}

TEST(abi_struct_layouts_pinned)
{
	ASSERT_EQ(328, sizeof(struct ipcq_object_info));
	ASSERT_EQ(8, offsetof(struct ipcq_object_info, id));
	ASSERT_EQ(72, offsetof(struct ipcq_object_info, name));
	ASSERT_EQ(32, sizeof(struct ipcq_list));
	ASSERT_EQ(0x05, _IOC_NR(IPCQ_IOC_LIST));
	ASSERT_EQ(1, ipcdev_has_feature(IPCQ_FEATURE_LIST));
}

TEST_F(intro, list_reports_without_side_effects)
{
	struct ipcq_object_info infos[64];
	const struct ipcq_object_info *o;
	struct ipcq_queue_stat st;
	struct ipcq_list arg;
	uint32_t count, n;
	int q;

	umask(022);
	q = raw_queue_open(self->dev, self->name, IPCQ_OPEN_CONSUMER |
			   IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL, 0666, 5, 0);
	ASSERT_LE(0, q);
	memset(infos, POISON_BYTE, sizeof(infos));
	ASSERT_EQ(0, raw_list(self->dev, infos, 64, &count));
	n = count < 64 ? count : 64;
	o = find_info(infos, n, self->name);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(IPCQ_TYPE_QUEUE, o->type);
	EXPECT_EQ(geteuid(), o->uid);
	EXPECT_EQ(0644, o->mode);
	EXPECT_EQ(0, o->value);
	EXPECT_EQ(5, o->capacity);
	EXPECT_EQ(0, o->producers);
	EXPECT_EQ(1, o->consumers);
	EXPECT_EQ(IPCQ_STATE_NAMED, o->state);
	EXPECT_EQ(0, o->pad);
	/* Listing opened nothing. */
	ASSERT_EQ(0, raw_stat(q, &st));
	EXPECT_EQ(1, st.consumers);
	EXPECT_EQ(0, st.producers);

	/* Count only; errors. */
	ASSERT_EQ(0, raw_list(self->dev, NULL, 0, &count));
	EXPECT_LE(1, count);
	memset(&arg, 0, sizeof(arg));
	arg.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, IPCQ_IOC_LIST, &arg));
	arg.reserved[1] = 0;
	arg.entries = 8;
	arg.max_entries = 4;
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_LIST, &arg));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, IPCQ_IOC_LIST, NULL));
	close(q);
}

TEST_F(intro, list_is_per_ipc_namespace)
{
	uint32_t count;
	pid_t pid;
	int q;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_SYS_ADMIN for unshare(CLONE_NEWIPC)");
	q = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER |
			   IPCQ_OPEN_CREATE, 0600, 0, 0);
	ASSERT_LE(0, q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWIPC))
			_exit(100);
		_exit(raw_list(self->dev, NULL, 0, &count) || count ? 1 : 0);
	}
	EXPECT_EQ(0, child_status(pid));
	close(q);
}

/* Writes @text to the file at @path; 0 or -errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -errno;
	close(fd);
	return ret;
}

/* Enters new user and IPC namespaces as their root; 0 or -errno. */
static int enter_container(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int ret;

	if (unshare(CLONE_NEWUSER | CLONE_NEWIPC))
		return -errno;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	ret = write_file("/proc/self/uid_map", map);
	if (!ret)
		ret = write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if (!ret)
		ret = write_file("/proc/self/gid_map", map);
	return ret;
}

/*
 * CAP_IPC_OWNER counts in the user namespace that owns an object's IPC
 * namespace, as for SysV IPC: root in a container overrides the mode of
 * its own namespace's objects, never of the host's.
 */
TEST_F(intro, container_root_overrides_modes_in_its_namespace_only)
{
	int host, status;
	pid_t pid;

	host = raw_queue_open(self->dev, NULL, IPCQ_OPEN_CONSUMER |
			      IPCQ_OPEN_RING | IPCQ_OPEN_CLOEXEC, 0, 4, 0);
	ASSERT_LE(0, host);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcq_ring_info info = { .flags = IPCQ_OPEN_CLOEXEC };
		int q, again;

		if (enter_container())
			_exit(99);
		/* Mode 0: only a capable user opens them again. */
		q = raw_queue_open(self->dev, "c", IPCQ_OPEN_PRODUCER |
				   IPCQ_OPEN_CREATE, 0, 0, 0);
		if (q < 0)
			_exit(10);
		again = raw_queue_open(self->dev, "c", IPCQ_OPEN_CONSUMER, 0,
				       0, 0);
		if (again < 0)
			_exit(11);
		/* The host's queue stays closed to it. */
		if (xioctl(host, IPCQ_IOC_RING_ATTACH, &info) != -EACCES)
			_exit(13);
		_exit(0);
	}
	status = child_status(pid);
	close(host);
	if (status == 99)
		SKIP(return, "cannot make a user namespace here");
	EXPECT_EQ(0, status);
}

TEST_F(intro, debugfs_lists_every_object)
{
	char text[65536], idline[64];
	struct ipcq_queue_stat st;
	ipcdev_pipe *a, *b;
	int fd, q, n;

	if (geteuid() != 0)
		SKIP(return, "debugfs is root only");
	fd = open("/sys/kernel/debug/ipcq/objects", O_RDONLY);
	if (fd < 0)
		SKIP(return, "debugfs not mounted");
	close(fd);
	q = raw_queue_open(self->dev, self->name, IPCQ_OPEN_PRODUCER |
			   IPCQ_OPEN_CREATE, 0600, 0, 0);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, raw_put(q, "abc", 3, 0, 0, 0));
	ASSERT_EQ(0, ipcdev_pipe_create(&a, &b, 1, NULL));
	ASSERT_EQ(0, raw_stat(q, &st));

	fd = open("/sys/kernel/debug/ipcq/objects", O_RDONLY);
	ASSERT_LE(0, fd);
	n = slurp(fd, text, sizeof(text));
	close(fd);
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(text, self->name));
	snprintf(idline, sizeof(idline), "\tqueue\t%u\t", geteuid());
	EXPECT_NE(NULL, strstr(text, idline));
	/* Anonymous objects (a pipe's two queues) are listed too. */
	EXPECT_NE(NULL, strstr(text, "\t-\n"));

	fd = open("/sys/kernel/debug/ipcq/stats", O_RDONLY);
	ASSERT_LE(0, fd);
	n = slurp(fd, text, sizeof(text));
	close(fd);
	EXPECT_NE(NULL, strstr(text, "objects_created:\t"));
	EXPECT_NE(NULL, strstr(text, "max_objects_per_user:\t"));
	ipcdev_pipe_close(a);
	ipcdev_pipe_close(b);
	close(q);
}

TEST_F(intro, ipcqctl_create_ls_stat_put_get_rm)
{
	struct run r;

	ASSERT_EQ(0, CTL(&r, NULL, "create", "queue", self->name, "--maxsize",
			 "3", "--mode", "0644")) TH_LOG("%s", r.err);
	ASSERT_EQ(0, CTL(&r, NULL, "ls"));
	EXPECT_NE(NULL, strstr(r.out, "TYPE"));
	EXPECT_NE(NULL, strstr(r.out, self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "put", self->name, "hello world"));
	ASSERT_EQ(0, CTL(&r, "from stdin", "put", "--prio", "5", self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "queue"));
	/* Higher priority first; peek leaves it. */
	ASSERT_EQ(0, CTL(&r, NULL, "get", "--peek", self->name));
	EXPECT_STREQ("from stdin", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "get", self->name));
	EXPECT_STREQ("from stdin", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "get", self->name));
	EXPECT_STREQ("hello world", r.out);
	/* Empty, and every producer (each put above) has come and gone. */
	EXPECT_EQ(1, CTL(&r, NULL, "get", "--timeout", "0", self->name));
	EXPECT_NE(NULL, strstr(r.err, "end of file"));
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "\"type\":\"queue\""));
	EXPECT_NE(NULL, strstr(r.out, "\"capacity\":3"));
	ASSERT_EQ(0, CTL(&r, NULL, "watch", "--count", "2", "--interval",
			 "10", self->name));
	EXPECT_NE(NULL, strstr(strstr(r.out, self->name) + 1, self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name));
	EXPECT_EQ(1, CTL(&r, NULL, "stat", self->name));
	EXPECT_NE(NULL, strstr(r.err, "No such file"));
}

/* The SysV parts: typed put and get, truncation, set. */
TEST_F(intro, ipcqctl_types_truncate_set)
{
	struct run r;

	ASSERT_EQ(0, CTL(&r, NULL, "create", "queue", self->name))
		TH_LOG("%s", r.err);
	ASSERT_EQ(0, CTL(&r, NULL, "put", "--msg-type", "7", self->name,
			 "seven"));
	ASSERT_EQ(0, CTL(&r, NULL, "put", "--msg-type", "3", self->name,
			 "three"));
	ASSERT_EQ(0, CTL(&r, NULL, "put", self->name, "untyped"));
	ASSERT_EQ(0, CTL(&r, NULL, "get", "--msg-type", "3", self->name));
	EXPECT_STREQ("three", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "get", "--msg-type", "0", "--match", "ne",
			 "--peek", self->name));
	EXPECT_STREQ("seven", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "get", "--msg-type", "9", "--match", "le",
			 "--truncate", "3", self->name));
	EXPECT_STREQ("unt", r.out);
	EXPECT_EQ(1, CTL(&r, NULL, "get", "--msg-type", "8", "--timeout",
			 "0", self->name));
	EXPECT_EQ(2, CTL(&r, NULL, "get", "--match", "xx", self->name));
	EXPECT_EQ(2, CTL(&r, NULL, "get", "--match", "eq", self->name));
	/* set: limits not given stay. */
	ASSERT_EQ(0, CTL(&r, NULL, "set", "--max-bytes", "4096", "--mode",
			 "0640", self->name)) TH_LOG("%s", r.err);
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "\"mode\":\"0640\"")) TH_LOG("%s", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "set", "--maxsize", "5", self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "\"capacity\":5")) TH_LOG("%s", r.out);
	EXPECT_EQ(2, CTL(&r, NULL, "set", self->name));
	EXPECT_EQ(1, CTL(&r, NULL, "set", "--mode", "0600", "no-such-queue"));
	EXPECT_EQ(1, CTL(&r, NULL, "set", "--max-bytes", "0", "--maxsize",
			 "1", "--max-msg-size", "0", "--type", "lock",
			 self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name));
}

TEST_F(intro, ipcqctl_ring_queue)
{
	struct run r;

	ASSERT_EQ(0, CTL(&r, NULL, "create", "queue", self->name, "--ring",
			 "--slot-size", "32", "--maxsize", "8"))
		TH_LOG("%s", r.err);
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "ring")) TH_LOG("%s", r.out);
	/* Through the ring, then kept (too long for a slot), in order. */
	ASSERT_EQ(0, CTL(&r, NULL, "put", self->name, "short"));
	ASSERT_EQ(0, CTL(&r, NULL, "put", self->name,
			 "a message longer than the thirty-two byte slot"));
	ASSERT_EQ(0, CTL(&r, NULL, "get", self->name));
	EXPECT_STREQ("short", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "get", self->name));
	EXPECT_STREQ("a message longer than the thirty-two byte slot", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "queue", self->name,
			 "--slot-size", "32"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "lock", self->name, "--ring"));
	EXPECT_EQ(1, CTL(&r, NULL, "create", "queue", self->name, "--ring",
			 "--slot-size", "100000"));
}

TEST_F(intro, ipcqctl_sync_objects_and_json_list)
{
	struct run r;

	ASSERT_EQ(0, CTL(&r, NULL, "create", "semaphore", self->name,
			 "--value", "4", "--bounded", "--undo"));
	ASSERT_EQ(0, CTL(&r, NULL, "create", "queue", self->name));
	/* Two types share the name: rm needs --type. */
	EXPECT_EQ(1, CTL(&r, NULL, "rm", self->name));
	EXPECT_NE(NULL, strstr(r.err, "--type"));
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "ls"));
	EXPECT_EQ('[', r.out[0]);
	EXPECT_NE(NULL, strstr(r.out, "\"type\":\"semaphore\""));
	EXPECT_NE(NULL, strstr(r.out, "\"value\":4"));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", "--type", "sem", self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", "--type", "queue", self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "create", "barrier", self->name,
			 "--parties", "3"));
	ASSERT_EQ(0, CTL(&r, NULL, "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "barrier"));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "create", "rlock", self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name));
	ASSERT_EQ(0, CTL(&r, NULL, "create", "event", self->name, "--value", "1"));
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "\"state\":\"set\""));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name));
}

/*
 * Shared memory regions: create (size, bound lock, mode), ls and stat
 * with their size, mappings and lock state, stat --dump's hexdump of the
 * first bytes (also in JSON), rm; and the options' checks.
 */
/* Listeners: listed and removed by ipcqctl, never created by it. */
TEST_F(intro, ipcqctl_listeners)
{
	ipcdev_listener *l;
	ipcdev_pipe *c;
	struct run r;

	ASSERT_EQ(0, ipcdev_listener_create(&l, self->name, 3, 0640));
	ASSERT_EQ(0, ipcdev_client_connect(&c, self->name, 1, IPCDEV_NOWAIT));
	ASSERT_EQ(0, CTL(&r, NULL, "ls"));
	EXPECT_NE(NULL, strstr(r.out, "listener")) TH_LOG("%s", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "\"type\":\"listener\"")) TH_LOG("%s",
									r.out);
	EXPECT_NE(NULL, strstr(r.out, "\"value\":1"));
	EXPECT_NE(NULL, strstr(r.out, "\"capacity\":3"));
	EXPECT_NE(NULL, strstr(r.out, "\"mode\":\"0640\""));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "listener", "other-listener"));
	EXPECT_NE(NULL, strstr(r.err, "ipcdev_listener_create"));
	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name)) TH_LOG("%s", r.err);
	EXPECT_EQ(1, CTL(&r, NULL, "stat", self->name));
	EXPECT_EQ(0, ipcdev_pipe_close(c));
	EXPECT_EQ(0, ipcdev_listener_close(l));
}

TEST_F(intro, ipcqctl_shared_memory_regions)
{
	ipcdev_shm *m;
	struct run r;
	void *addr;

	ASSERT_EQ(0, CTL(&r, NULL, "create", "shm", self->name, "--size",
			 "100", "--lock", "--mode", "0640")) TH_LOG("%s", r.err);
	ASSERT_EQ(0, CTL(&r, NULL, "ls"));
	EXPECT_NE(NULL, strstr(r.out, "shm")) TH_LOG("%s", r.out);
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", self->name));
	EXPECT_NE(NULL, strstr(r.out, "\"type\":\"shm\"")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\"bytes\":100"));
	EXPECT_NE(NULL, strstr(r.out, "\"value\":0"));
	EXPECT_NE(NULL, strstr(r.out, "\"mode\":\"0640\""));

	ASSERT_EQ(0, ipcdev_shm_open(&m, self->name, 0, 0, 0));
	ASSERT_EQ(0, ipcdev_shm_map(m, &addr));
	memcpy(addr, "Hello, region", 13);
	ASSERT_EQ(0, ipcdev_lock_acquire(ipcdev_shm_lock(m), 0));
	ASSERT_EQ(0, CTL(&r, NULL, "stat", "--dump", "20", self->name))
		TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "locked")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "00000000  48 65 6c 6c 6f 2c 20 72  "
			       "65 67 69 6f 6e 00 00 00  |Hello, region...|"))
		TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "00000010  00 00 00 00"));
	ASSERT_EQ(0, CTL(&r, NULL, "--json", "stat", "--dump", "6",
			 self->name));
	EXPECT_NE(NULL, strstr(r.out, ",\"dump\":\"48656c6c6f2c\"}"))
		TH_LOG("%s", r.out);
	/* More than the size: the size. */
	ASSERT_EQ(0, CTL(&r, NULL, "stat", "--dump", "4096", self->name));
	EXPECT_NE(NULL, strstr(r.out, "00000060  00 00 00 00"));
	EXPECT_EQ(NULL, strstr(r.out, "00000070"));
	EXPECT_EQ(0, ipcdev_lock_release(ipcdev_shm_lock(m)));
	EXPECT_EQ(0, ipcdev_shm_close(m));

	ASSERT_EQ(0, CTL(&r, NULL, "rm", self->name));
	EXPECT_EQ(1, CTL(&r, NULL, "stat", self->name));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "shm", self->name));
	EXPECT_NE(NULL, strstr(r.err, "--size"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "shm", self->name, "--size", "8",
			 "--lock", "--rlock"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "queue", self->name, "--size",
			 "8"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "shm", self->name, "--size",
			 "8", "--ring"));
	ASSERT_EQ(0, CTL(&r, NULL, "create", "queue", self->name));
	EXPECT_EQ(2, CTL(&r, NULL, "stat", "--dump", "8", self->name));
	EXPECT_NE(NULL, strstr(r.err, "--dump"));
	EXPECT_EQ(0, CTL(&r, NULL, "rm", self->name));
}

TEST_F(intro, ipcqctl_rejects_bad_arguments)
{
	struct run r;

	EXPECT_EQ(2, CTL(&r, NULL, "frobnicate"));
	EXPECT_NE(NULL, strstr(r.err, "unknown command"));
	EXPECT_EQ(2, CTL(&r, NULL, "stat"));
	EXPECT_EQ(2, CTL(&r, NULL, "ls", "extra"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "queue"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "teapot", self->name));
	EXPECT_NE(NULL, strstr(r.err, "unknown type"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "queue", self->name, "--maxsize",
			 "-3"));
	EXPECT_NE(NULL, strstr(r.err, "--maxsize"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "queue", self->name, "--maxsize",
			 "12abc"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "queue", self->name, "--mode",
			 "01777"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "lock", self->name, "--undo"));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "barrier", self->name));
	EXPECT_EQ(2, CTL(&r, NULL, "create", "condition", self->name));
	EXPECT_EQ(2, CTL(&r, NULL, "put", "--prio", "40000", self->name, "x"));
	EXPECT_EQ(2, CTL(&r, NULL, "--bogus", "ls"));
	EXPECT_EQ(2, ipcqctl(&r, NULL, (const char *const[]){ NULL }));
	/* Names the kernel refuses come back as errors, not crashes. */
	EXPECT_EQ(1, CTL(&r, NULL, "create", "queue", "has/slash"));
	EXPECT_NE(NULL, strstr(r.err, "Invalid argument"));
	EXPECT_EQ(1, CTL(&r, NULL, "put", "no-such-queue", "x"));
	EXPECT_NE(NULL, strstr(r.err, "No such file"));
	EXPECT_EQ(0, CTL(&r, NULL, "create", "queue", self->name));
	EXPECT_EQ(1, CTL(&r, NULL, "create", "queue", self->name));
	EXPECT_NE(NULL, strstr(r.err, "File exists"));
}

/* An ordinary user sees root's names but may not touch them. */
TEST_F(intro, ipcqctl_as_other_user)
{
	struct run r;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to create objects for another user");
	ASSERT_EQ(0, CTL(&r, NULL, "create", "queue", self->name, "--mode",
			 "0600"));
	ASSERT_EQ(0, CTL(&r, NULL, "put", self->name, "secret"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		bad |= CTL(&r, NULL, "ls") != 0 || !strstr(r.out, self->name);
		bad |= (CTL(&r, NULL, "get", "--timeout", "0", self->name) != 1 ||
			!strstr(r.err, "Permission denied")) << 1;
		bad |= (CTL(&r, NULL, "put", self->name, "x") != 1 ||
			!strstr(r.err, "Permission denied")) << 2;
		bad |= (CTL(&r, NULL, "rm", self->name) != 1 ||
			!strstr(r.err, "Operation not permitted")) << 3;
		_exit(bad);
	}
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, CTL(&r, NULL, "get", self->name));
	EXPECT_STREQ("secret", r.out);
}

TEST_HARNESS_MAIN
