// SPDX-License-Identifier: GPL-2.0
/*
 * ipcq-fuzz: throw random ioctls at every kind of ipcq file, from several
 * processes at once, for a fixed time. Structs start from valid templates
 * and are then mutated (flags, sizes, reserved words, counts, names);
 * pointers are valid, NULL, unmapped, kernel addresses, misaligned or
 * read-only; unknown command numbers and sizes are mixed in. Files are
 * closed, duplicated, passed to children that get SIGKILLed mid-call.
 * Shared memory regions are created, mapped at random offsets, touched,
 * kept mapped across forks and kills, and their bound locks taken.
 * The same commands also go through io_uring (IORING_OP_URING_CMD), with
 * mutated command fields, cancels, rings torn down with commands parked
 * and children killed with commands parked. Queue files also get read(2)
 * and write(2) (RWF_NOWAIT, so no worker waits) and io_uring's READ and
 * WRITE (which do wait, parked on poll or in io-wq, until a teardown),
 * with hostile and page-crossing segments.
 *
 * Each command goes, fifteen times in sixteen, to a file of the kind it is
 * meant for (its number's range in the uapi), known from the call that
 * made the file; the rest of the time to any descriptor at all.
 *
 * The fuzzer checks nothing itself beyond "the kernel answered": the VM
 * runner fails the run on any kernel splat, and the module must unload
 * afterwards. Waiting calls get short deadlines so no worker blocks for
 * long; barrier waits sleep through signals, so they must.
 *
 * Calls come in programs (kcov.h): a state seed and up to PROG_OPS call
 * seeds, each call generated from its own seed. With kcov (a kernel with
 * CONFIG_KCOV, the module built with IPCQ_KCOV=1: make fuzz) each program
 * starts from fresh objects made from its state seed, and programs that
 * reach new edges of the module are kept and mutated (kcov.c). Without
 * kcov the calls run as one long random sequence on long-lived objects,
 * as they did before programs. Either way each worker's current and
 * previous programs are in memory the parent reads: when a worker dies
 * or the kernel log shows a splat, the parent prints them between
 * IPCQ-FUZZ-REPRO-BEGIN/END lines and exits 1 (make fuzz saves them as
 * build/fuzz/crash-*.repro). --replay runs such a file's programs again,
 * one by one from fresh objects, in one process: as far as a program's
 * effect depends on other processes, timing and names other runs left,
 * a replay is a good try, not a guarantee.
 *
 *   ipcq-fuzz [-t SECONDS] [-p PROCESSES] [-s SEED] [-F]
 *   ipcq-fuzz --replay FILE
 * -F: kcov but no feedback (fresh programs only), to compare against.
 * Prints the operations tried, the share that reached an object (ended
 * other than ENOTTY or EBADF) and their outcomes by errno; with kcov the
 * edges seen and the corpus every 10 s and at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ipcq.h>
#include <liburing.h>

#include "kcov.h"

#define POOL 48
#define NERR 140

struct counters {
	uint64_t ops;
	uint64_t by_errno[NERR];	/* [0]: success */
	uint64_t progs;
	uint32_t corpus;
	uint32_t traced;		/* kcov traced this worker */
	struct prog cur, prev;		/* running, and the one before */
};

/*
 * What a pooled descriptor is, so that a command mostly goes to a file
 * that understands it (reaching the object's code rather than ENOTTY);
 * set from the call that made the file.
 */
enum kind {
	K_ANY,		/* not known, or not ours */
	K_DEV,		/* /dev/ipcq */
	K_QUEUE,
	K_PIPE,
	K_SYNC,		/* as a target: any of the five below */
	K_SEM,
	K_LOCK,
	K_EVENT,
	K_COND,
	K_BARRIER,
	K_RING,		/* a ring attachment */
	K_SHM,
	K_LISTENER,
	K_NKINDS,
};

static uint64_t rng;
static int pool[POOL];
static enum kind pool_kind[POOL];
static unsigned char *page_ro, *page_none;
static int notify_efd = -1;	/* an eventfd for QUEUE_NOTIFY */
static struct counters *shared;	/* one slot per process */
static struct edges *edges;		/* shared, with kcov */

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const unsigned long cmds[] = {
	IPCQ_IOC_API, IPCQ_IOC_QUEUE_OPEN, IPCQ_IOC_UNLINK, IPCQ_IOC_PIPE_CREATE,
	IPCQ_IOC_SYNC_OPEN, IPCQ_IOC_LIST,
	IPCQ_IOC_QUEUE_PUT, IPCQ_IOC_QUEUE_GET, IPCQ_IOC_QUEUE_STAT,
	IPCQ_IOC_QUEUE_TASK_DONE, IPCQ_IOC_QUEUE_JOIN, IPCQ_IOC_QUEUE_SHUTDOWN,
	IPCQ_IOC_QUEUE_REOPEN, IPCQ_IOC_QUEUE_NOTIFY,
	IPCQ_IOC_PIPE_SEND, IPCQ_IOC_PIPE_RECV, IPCQ_IOC_PIPE_STAT,
	IPCQ_IOC_SEM_ACQUIRE, IPCQ_IOC_SEM_RELEASE, IPCQ_IOC_LOCK_ACQUIRE,
	IPCQ_IOC_LOCK_RELEASE, IPCQ_IOC_LOCK_CONSISTENT, IPCQ_IOC_EVENT_SET,
	IPCQ_IOC_EVENT_CLEAR, IPCQ_IOC_EVENT_WAIT, IPCQ_IOC_COND_WAIT,
	IPCQ_IOC_COND_NOTIFY, IPCQ_IOC_BARRIER_WAIT, IPCQ_IOC_BARRIER_ABORT,
	IPCQ_IOC_BARRIER_RESET, IPCQ_IOC_SYNC_DESTROY, IPCQ_IOC_SYNC_REOPEN,
	IPCQ_IOC_SYNC_STAT, IPCQ_IOC_RING_ATTACH, IPCQ_IOC_RING_WAKE,
	IPCQ_IOC_SHM_OPEN, IPCQ_IOC_SHM_STAT, IPCQ_IOC_SHM_LOCK,
	IPCQ_IOC_LISTENER_OPEN, IPCQ_IOC_CONNECT, IPCQ_IOC_LISTENER_ACCEPT,
	IPCQ_IOC_LISTENER_STAT, IPCQ_IOC_SET,
	IPCQ_IOC_WAIT_ACQUIRE, IPCQ_IOC_SEM_ACQUIRE_N, IPCQ_IOC_SEM_WAIT_ZERO,
	IPCQ_IOC_SEM_SET_VALUE, IPCQ_IOC_QUEUE_PUT_MANY, IPCQ_IOC_QUEUE_GET_MANY,
	IPCQ_IOC_PIPE_SEND_MANY, IPCQ_IOC_PIPE_RECV_MANY,
	IPCQ_IOC_LOCK_SHARE, IPCQ_IOC_LOCK_WAKE,
};
#define NCMD (sizeof(cmds) / sizeof(cmds[0]))

/* The commands io_uring takes (ipcq(4)); others go now and then too. */
static const unsigned long uring_cmds[] = {
	IPCQ_IOC_QUEUE_PUT, IPCQ_IOC_QUEUE_GET, IPCQ_IOC_QUEUE_JOIN,
	IPCQ_IOC_PIPE_SEND, IPCQ_IOC_PIPE_RECV, IPCQ_IOC_SEM_ACQUIRE,
	IPCQ_IOC_SEM_RELEASE, IPCQ_IOC_EVENT_WAIT, IPCQ_IOC_EVENT_SET,
	IPCQ_IOC_EVENT_CLEAR, IPCQ_IOC_QUEUE_PUT_MANY, IPCQ_IOC_QUEUE_GET_MANY,
	IPCQ_IOC_PIPE_SEND_MANY, IPCQ_IOC_PIPE_RECV_MANY,
};
#define NURING (sizeof(uring_cmds) / sizeof(uring_cmds[0]))

static const char *const names[] = {
	"fz0", "fz1", "fz2", "fz3", "fz-queue", "fz-sem",
	"bad/name", "", "fz\x01", "fzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
};

static void *hostile_ptr(void *valid)
{
	switch (rnd() % 8) {
	case 0:
		return NULL;
	case 1:
		return page_none;
	case 2:
		return (void *)0xffffffff81000000UL;
	case 3:
		return (char *)valid + 1;	/* misaligned */
	case 4:
		return page_ro;
	case 5:
		return (void *)(uintptr_t)rnd();
	default:
		return valid;
	}
}

static void add_fd(int fd, enum kind kind)
{
	int i = (int)(rnd() % POOL);

	if (fd < 0)
		return;
	if (pool[i] >= 0)
		close(pool[i]);
	pool[i] = fd;
	pool_kind[i] = kind;
}

/* A pooled descriptor (-1 if none), or now and then any number at all. */
static int pick_fd(void)
{
	int i, start = (int)(rnd() % POOL);

	if (rnd() % 16 == 0)
		return (int)(rnd() % 64);	/* whatever is there */
	for (i = 0; i < POOL; i++)
		if (pool[(start + i) % POOL] >= 0)
			return pool[(start + i) % POOL];
	return -1;
}

/* The kind of file @cmd is meant for, by its number's range (uapi). */
static enum kind target_kind(unsigned long cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != IPCQ_IOC_MAGIC)
		return K_ANY;
	switch (cmd) {
	case IPCQ_IOC_SEM_ACQUIRE: case IPCQ_IOC_SEM_RELEASE:
	case IPCQ_IOC_SEM_SHARE: case IPCQ_IOC_SEM_WAKE:
	case IPCQ_IOC_SEM_ACQUIRE_N: case IPCQ_IOC_SEM_WAIT_ZERO:
	case IPCQ_IOC_SEM_SET_VALUE:
		return K_SEM;
	case IPCQ_IOC_LOCK_ACQUIRE: case IPCQ_IOC_LOCK_RELEASE:
	case IPCQ_IOC_LOCK_CONSISTENT:
	case IPCQ_IOC_LOCK_SHARE: case IPCQ_IOC_LOCK_WAKE:
		return K_LOCK;
	case IPCQ_IOC_EVENT_SET: case IPCQ_IOC_EVENT_CLEAR:
	case IPCQ_IOC_EVENT_WAIT:
		return K_EVENT;
	case IPCQ_IOC_COND_WAIT: case IPCQ_IOC_COND_NOTIFY:
		return K_COND;
	case IPCQ_IOC_BARRIER_WAIT: case IPCQ_IOC_BARRIER_ABORT:
	case IPCQ_IOC_BARRIER_RESET:
		return K_BARRIER;
	}
	switch (nr >> 4) {
	case 0x0:
		return K_DEV;
	case 0x1:
	case 0x6:	/* RING_ATTACH and RING_WAKE, on a queue file */
		return K_QUEUE;
	case 0x3:
		return K_PIPE;
	case 0x4:
	case 0x5:
		return K_SYNC;
	case 0x8:
		return K_SHM;
	case 0x9:
		return K_LISTENER;
	}
	return K_ANY;
}

static int seed_kind(enum kind kind);

/*
 * A descriptor for @cmd: fifteen times in sixteen one of the pool's files of
 * the kind it is meant for, if there is one; else any (pick_fd()).
 */
static int pick_fd_for(unsigned long cmd)
{
	enum kind want = target_kind(cmd);
	int i, start = (int)(rnd() % POOL);

	if (want == K_ANY || rnd() % 16 == 0)
		return pick_fd();
	for (i = 0; i < POOL; i++) {
		int j = (start + i) % POOL;

		if (pool[j] >= 0 && (pool_kind[j] == want ||
				     (want == K_SYNC && pool_kind[j] >= K_SEM &&
				      pool_kind[j] <= K_BARRIER)))
			return pool[j];
	}
	/* None: make one (it may fail, as anything may here). */
	i = seed_kind(want);
	return i >= 0 ? i : pick_fd();
}

/* The pool's slot holding @fd, or -1. */
static int pool_slot(int fd)
{
	int i;

	for (i = 0; fd >= 0 && i < POOL; i++)
		if (pool[i] == fd)
			return i;
	return -1;
}

/* The pool's kind for @fd (K_ANY if it is not pooled). */
static enum kind kind_of(int fd)
{
	int i = pool_slot(fd);

	return i < 0 ? K_ANY : pool_kind[i];
}

/* The kind of a sync object of uapi type @type. */
static enum kind sync_kind(uint32_t type)
{
	switch (type) {
	case IPCQ_TYPE_SEM:
		return K_SEM;
	case IPCQ_TYPE_LOCK:
		return K_LOCK;
	case IPCQ_TYPE_EVENT:
		return K_EVENT;
	case IPCQ_TYPE_COND:
		return K_COND;
	case IPCQ_TYPE_BARRIER:
		return K_BARRIER;
	}
	return K_ANY;
}

/*
 * The kind of file a successful @cmd on @fd with argument @arg returned
 * (K_ANY: none).
 */
static enum kind made_kind(unsigned long cmd, int fd, const void *arg)
{
	switch (cmd) {
	case IPCQ_IOC_QUEUE_OPEN:
	case IPCQ_IOC_QUEUE_REOPEN:
		return K_QUEUE;
	case IPCQ_IOC_SYNC_OPEN:
		return sync_kind(((const struct ipcq_sync_open *)arg)->type);
	case IPCQ_IOC_SYNC_REOPEN:
		return kind_of(fd) >= K_SEM && kind_of(fd) <= K_BARRIER ?
		       kind_of(fd) : K_SYNC;
	case IPCQ_IOC_SHM_LOCK:
		return K_LOCK;
	case IPCQ_IOC_SHM_OPEN:
		return K_SHM;
	case IPCQ_IOC_LISTENER_OPEN:
		return K_LISTENER;
	case IPCQ_IOC_CONNECT:
	case IPCQ_IOC_LISTENER_ACCEPT:
		return K_PIPE;
	case IPCQ_IOC_RING_ATTACH:
		return K_RING;
	}
	return K_ANY;
}

/* A plausible put's or get's message, at @data or elsewhere. */
static void fill_msg(struct ipcq_msg *a, unsigned char *data,
		     uint64_t deadline)
{
	memset(a, 0, sizeof(*a));
	a->buf = (uintptr_t)hostile_ptr(data);
	a->len = rnd() % 4 ? rnd() % 4096 : rnd();
	/* NONBLOCK, PEEK, TYPE_EQ/LE/NE, TRUNCATE, and beyond. */
	a->flags = (uint32_t)(rnd() % 4 ? rnd() % 4 : rnd() % 128);
	a->priority = (uint32_t)(rnd() % 4 ? rnd() % 8 : rnd());
	a->type = rnd() % 2 ? 0 : rnd() % 4 ? rnd() % 4 : rnd();
	a->deadline = deadline;
}

/* A plausible argument for @cmd in @buf, then mutated. */
static void fill_arg(unsigned long cmd, unsigned char *buf, size_t size,
		     unsigned char *data)
{
	uint64_t deadline = now_ns() + rnd() % 3000000;
	const char *name = names[rnd() % (sizeof(names) / sizeof(names[0]))];
	int i;

	memset(buf, 0, size);
	switch (cmd) {
	case IPCQ_IOC_API:
		((struct ipcq_api *)buf)->api_version = (uint32_t)(rnd() % 3);
		break;
	case IPCQ_IOC_QUEUE_OPEN: {
		struct ipcq_queue_open *a = (void *)buf;

		if (rnd() % 2) {
			a->name = (uintptr_t)name;
			a->name_len = (uint32_t)strlen(name);
		}
		a->flags = (uint32_t)(rnd() % 64);	/* RING included */
		a->mode = rnd() % 2 ? 0666 : (uint32_t)rnd();
		a->capacity = rnd() % 8;
		a->max_msg_size = rnd() % 4 ? rnd() % 256 : rnd();
		if (a->flags & IPCQ_OPEN_RING)
			a->slot_size = rnd() % 4 ? rnd() % 128 : rnd();
		break;
	}
	case IPCQ_IOC_RING_ATTACH:
		((struct ipcq_ring_info *)buf)->flags = (uint32_t)(rnd() % 2) << 4;
		break;
	case IPCQ_IOC_RING_WAKE:
		((struct ipcq_ring_wake *)buf)->flags = (uint32_t)(rnd() % 4);
		break;
	case IPCQ_IOC_SYNC_OPEN: {
		struct ipcq_sync_open *a = (void *)buf;

		if (rnd() % 2) {
			a->name = (uintptr_t)name;
			a->name_len = (uint32_t)strlen(name);
		}
		a->type = (uint32_t)(rnd() % 8);
		a->flags = (uint32_t)(rnd() % 32) | (uint32_t)((rnd() % 32) << 8);
		a->mode = 0666;
		a->value = rnd() % 4;
		a->lock_fd = (uint32_t)pick_fd_for(IPCQ_IOC_LOCK_ACQUIRE);
		break;
	}
	case IPCQ_IOC_WAIT_ACQUIRE: {
		static const unsigned long kinds[] = {
			IPCQ_IOC_SEM_ACQUIRE, IPCQ_IOC_LOCK_ACQUIRE,
			IPCQ_IOC_EVENT_WAIT, IPCQ_IOC_QUEUE_GET,
			IPCQ_IOC_PIPE_RECV,
		};
		struct ipcq_wait_acquire *a = (void *)buf;
		uint32_t *fds = (uint32_t *)data;
		/* Past the fds; each get's buffer anywhere, mostly in data. */
		struct ipcq_msg *msgs = (void *)(data + 1024);

		/* Pool fds, a few twice; now and then too many or none. */
		a->count = (uint32_t)(rnd() % 6);
		if (rnd() % 16 == 0)
			a->count = IPCQ_WAIT_ACQUIRE_MAX + 1;
		for (i = 0; i < (int)a->count && i < IPCQ_WAIT_ACQUIRE_MAX; i++) {
			fds[i] = (uint32_t)pick_fd_for(kinds[rnd() % 5]);
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].buf = (uintptr_t)(rnd() % 2 ? data + 8192 :
						  hostile_ptr(data));
			msgs[i].len = rnd() % 4 ? rnd() % 4096 : rnd();
			/* TYPE_EQ/LE/NE, TRUNCATE; now and then anything. */
			msgs[i].flags = (uint32_t)(rnd() % 4 ?
						   (rnd() % 32) & ~3U :
						   rnd() % 128);
			msgs[i].type = rnd() % 2 ? 0 : rnd() % 4;
			if (rnd() % 32 == 0)
				msgs[i].deadline = deadline;
		}
		a->fds = (uintptr_t)fds;
		a->msgs = rnd() % 8 ? (uintptr_t)msgs :
			  (uintptr_t)hostile_ptr(msgs);
		a->mode = (uint32_t)(rnd() % 3);
		a->deadline = rnd() % 2 ? deadline : 0;
		a->flags = (uint32_t)(rnd() % 4);
		a->alert_fd = a->flags & IPCQ_WAIT_ALERT ?
			      (uint32_t)pick_fd_for(IPCQ_IOC_EVENT_WAIT) : 0;
		break;
	}
	case IPCQ_IOC_SHM_OPEN: {
		struct ipcq_shm_open *a = (void *)buf;

		if (rnd() % 2) {
			a->name = (uintptr_t)name;
			a->name_len = (uint32_t)strlen(name);
		}
		a->flags = (uint32_t)(rnd() % 32) | (uint32_t)((rnd() % 8) << 8);
		a->mode = rnd() % 2 ? 0666 : 0444;
		a->size = rnd() % 4 ? rnd() % 65536 : rnd() % 8 ? rnd() % (8u << 20) :
			  rnd();
		break;
	}
	case IPCQ_IOC_LISTENER_OPEN: {
		struct ipcq_listener_open *a = (void *)buf;

		if (rnd() % 8) {
			a->name = (uintptr_t)name;
			a->name_len = (uint32_t)strlen(name);
		}
		a->flags = (uint32_t)(rnd() % 32);
		a->mode = rnd() % 2 ? 0666 : 0600;
		a->backlog = (uint32_t)(rnd() % 4 ? rnd() % 4 : rnd());
		break;
	}
	case IPCQ_IOC_CONNECT: {
		struct ipcq_connect *a = (void *)buf;

		a->name = (uintptr_t)name;
		a->name_len = (uint32_t)strlen(name);
		a->flags = (uint32_t)(rnd() % 32) | (uint32_t)((rnd() % 4) << 8);
		a->deadline = deadline;
		a->capacity = rnd() % 4;
		a->max_msg_size = rnd() % 4 ? rnd() % 256 : rnd();
		break;
	}
	case IPCQ_IOC_LISTENER_ACCEPT: {
		struct ipcq_accept *a = (void *)buf;

		a->deadline = rnd() % 4 ? deadline : 0;
		a->flags = (uint32_t)(rnd() % 32);
		break;
	}
	case IPCQ_IOC_UNLINK: {
		struct ipcq_unlink *a = (void *)buf;

		a->name = (uintptr_t)name;
		a->name_len = (uint32_t)strlen(name);
		a->type = (uint32_t)(rnd() % 10);
		break;
	}
	case IPCQ_IOC_SET: {
		struct ipcq_set *a = (void *)buf;

		a->name = (uintptr_t)name;
		a->name_len = (uint32_t)strlen(name);
		a->type = (uint32_t)(rnd() % 10);
		a->flags = (uint32_t)(rnd() % 32);
		a->mode = a->flags & IPCQ_SET_MODE ? (uint32_t)(rnd() % 01000) : 0;
		/* Ids the fuzzer's own processes keep using. */
		a->uid = a->flags & IPCQ_SET_UID ? (uint32_t)geteuid() : 0;
		a->gid = a->flags & IPCQ_SET_GID ? (uint32_t)getegid() : 0;
		if (a->flags & IPCQ_SET_LIMITS) {
			a->capacity = rnd() % 8;
			a->max_msg_size = rnd() % 4096;
			a->max_bytes = rnd() % 16384;
		}
		break;
	}
	case IPCQ_IOC_PIPE_CREATE: {
		struct ipcq_pipe_create *a = (void *)buf;

		a->flags = (uint32_t)(rnd() % 4);
		a->capacity = rnd() % 4;
		break;
	}
	case IPCQ_IOC_LIST: {
		struct ipcq_list *a = (void *)buf;

		a->entries = (uintptr_t)hostile_ptr(data);
		a->max_entries = (uint32_t)(rnd() % 8);
		break;
	}
	case IPCQ_IOC_QUEUE_PUT:
	case IPCQ_IOC_QUEUE_GET:
	case IPCQ_IOC_PIPE_SEND:
	case IPCQ_IOC_PIPE_RECV:
		fill_msg((void *)buf, data, deadline);
		break;
	case IPCQ_IOC_QUEUE_PUT_MANY:
	case IPCQ_IOC_QUEUE_GET_MANY:
	case IPCQ_IOC_PIPE_SEND_MANY:
	case IPCQ_IOC_PIPE_RECV_MANY: {
		/*
		 * Entries the kernel reads, and for a get writes: in @data,
		 * past what the wait's fds and entries use, so that whatever
		 * the kernel writes lands in scratch memory. A command parked
		 * through io_uring reads its argument again when woken, after
		 * the arena may hold another's, whose pointer and count it
		 * then follows (legal): entries in the program's own static
		 * memory were once overwritten that way, and the fuzzer died.
		 */
		struct ipcq_msg *msgs = (void *)(data + 12288);
		struct ipcq_batch *a = (void *)buf;
		unsigned int n = (unsigned int)(rnd() % 8) + 1;

		for (i = 0; i < (int)n; i++) {
			fill_msg(&msgs[i], data, deadline);
			/* Mostly valid: no deadline, no flag of its own. */
			if (rnd() % 4)
				msgs[i].deadline = 0;
			if (rnd() % 2)
				msgs[i].flags &= ~(uint32_t)(IPCQ_MSG_NONBLOCK |
							    IPCQ_MSG_PEEK);
		}
		a->msgs = (uintptr_t)(rnd() % 8 ? (void *)msgs :
				      hostile_ptr(msgs));
		a->count = (uint32_t)(rnd() % 8 ? n : rnd() % 2 ? 0 : rnd());
		a->flags = (uint32_t)(rnd() % 4);
		a->deadline = deadline;
		break;
	}
	case IPCQ_IOC_QUEUE_TASK_DONE:
		((struct ipcq_task_done *)buf)->count = rnd() % 3;
		break;
	case IPCQ_IOC_QUEUE_JOIN:
		((struct ipcq_wait *)buf)->deadline = deadline;
		((struct ipcq_wait *)buf)->flags = (uint32_t)(rnd() % 2);
		break;
	case IPCQ_IOC_QUEUE_SHUTDOWN:
		((struct ipcq_shutdown *)buf)->flags = (uint32_t)(rnd() % 2);
		break;
	case IPCQ_IOC_QUEUE_NOTIFY: {
		/*
		 * Signals the fuzzer ignores by default (a notification
		 * fires at a later put, in whichever process), or bad ones.
		 */
		static const uint32_t signos[] = { SIGURG, SIGWINCH, SIGCHLD,
						   0, 65, 1000 };
		struct ipcq_queue_notify *a = (void *)buf;

		a->flags = (uint32_t)(rnd() % 8);
		a->signo = signos[rnd() % (sizeof(signos) / sizeof(signos[0]))];
		a->value = rnd() % 2 ? 0 : rnd();
		a->eventfd = rnd() % 2 ? notify_efd : pick_fd();
		break;
	}
	case IPCQ_IOC_QUEUE_REOPEN:
	case IPCQ_IOC_SYNC_REOPEN:
	case IPCQ_IOC_SHM_LOCK:
		((struct ipcq_reopen *)buf)->flags = (uint32_t)(rnd() % 32);
		break;
	default:
		if (_IOC_SIZE(cmd) == sizeof(struct ipcq_sync_op)) {
			struct ipcq_sync_op *a = (void *)buf;

			a->deadline = rnd() % 2 ? deadline : 0;
			a->count = rnd() % 3;
			a->flags = (uint32_t)(rnd() % 2);
		}
	}
	/*
	 * Mutate a few bytes: flags, lengths, reserved words. Not the first
	 * eight: every struct keeps its user pointer there, and a bit-flipped
	 * pointer lets the kernel legally write over the fuzzer's own memory
	 * (hostile_ptr() already varies pointers).
	 */
	for (i = (int)(rnd() % 3); size > 8 && i > 0; i--)
		buf[8 + rnd() % (size - 8)] ^= (unsigned char)(1u << (rnd() % 8));
	/* Waiting calls always end soon (barriers ignore signals). */
	if (_IOC_SIZE(cmd) == sizeof(struct ipcq_sync_op) &&
	    ((struct ipcq_sync_op *)buf)->deadline > deadline)
		((struct ipcq_sync_op *)buf)->deadline = deadline;
	if ((cmd == IPCQ_IOC_QUEUE_PUT || cmd == IPCQ_IOC_QUEUE_GET ||
	     cmd == IPCQ_IOC_PIPE_SEND || cmd == IPCQ_IOC_PIPE_RECV) &&
	    ((struct ipcq_msg *)buf)->deadline > deadline)
		((struct ipcq_msg *)buf)->deadline = deadline;
	if ((cmd == IPCQ_IOC_QUEUE_PUT_MANY || cmd == IPCQ_IOC_QUEUE_GET_MANY ||
	     cmd == IPCQ_IOC_PIPE_SEND_MANY || cmd == IPCQ_IOC_PIPE_RECV_MANY) &&
	    ((struct ipcq_batch *)buf)->deadline > deadline)
		((struct ipcq_batch *)buf)->deadline = deadline;
	if (cmd == IPCQ_IOC_QUEUE_JOIN &&
	    ((struct ipcq_wait *)buf)->deadline > deadline)
		((struct ipcq_wait *)buf)->deadline = deadline;
	if (cmd == IPCQ_IOC_CONNECT &&
	    ((struct ipcq_connect *)buf)->deadline > deadline)
		((struct ipcq_connect *)buf)->deadline = deadline;
	if (cmd == IPCQ_IOC_WAIT_ACQUIRE &&
	    ((struct ipcq_wait_acquire *)buf)->deadline > deadline)
		((struct ipcq_wait_acquire *)buf)->deadline = deadline;
}

static void count(struct counters *c, long ret)
{
	long e = ret < 0 ? -ret : 0;

	c->ops++;
	c->by_errno[e < NERR ? e : NERR - 1]++;
}

/*
 * Maps the ring of a new attachment and writes garbage over it, the way
 * a buggy process could; the mapping stays for a while, so the kernel
 * and other fuzzing processes meet a damaged ring.
 */
static void *mapped[4];
static size_t mapped_size[4];

static void scribble_ring(int fd, const struct ipcq_ring_info *info)
{
	int slot = (int)(rnd() % 4), i;
	uint64_t *ring;

	if (info->ring_size == 0 || info->ring_size > (64u << 20))
		return;
	ring = mmap(NULL, info->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, (off_t)info->ring_offset);
	if (ring == MAP_FAILED)
		return;
	for (i = (int)(rnd() % 32); i > 0; i--)
		ring[rnd() % (info->ring_size / 8)] =
			rnd() % 2 ? rnd() : rnd() % 1024;
	if (mapped[slot])
		munmap(mapped[slot], mapped_size[slot]);
	mapped[slot] = ring;
	mapped_size[slot] = info->ring_size;
}

/* Whether @fd is one of the pool's (an ipcq file or /dev/ipcq). */
static bool in_pool(int fd)
{
	return pool_slot(fd) >= 0;
}

/*
 * mmap with whatever offset, size and protection on whatever fd; what
 * maps from an ipcq file is touched (read, and written where writable:
 * scribbling is allowed), and sometimes kept, so that forks, kills and
 * closes meet mapped regions, rings and semaphores. Other files (this
 * process's own io_uring, say) are mapped and unmapped untouched.
 */
static void *kept[4];
static size_t kept_size[4];

static void wild_mmap(void)
{
	static const off_t offs[] = { 0, 0x10000000, 4096, 0x10001000, 8192 };
	size_t size = (rnd() % 4 + 1) * 4096, i;
	int prot = rnd() % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
	int slot = (int)(rnd() % 4), fd = pick_fd();
	volatile unsigned char *p = mmap(NULL, size, prot,
					 rnd() % 4 ? MAP_SHARED : MAP_PRIVATE,
					 fd, offs[rnd() % 5]);

	if (p == MAP_FAILED)
		return;
	if (!in_pool(fd)) {
		munmap((void *)p, size);
		return;
	}
	for (i = 0; i < size; i += 4096) {
		unsigned char v = p[i];

		if (prot & PROT_WRITE)
			p[i + rnd() % 4096] = (unsigned char)(v + rnd());
	}
	if (rnd() % 4) {
		munmap((void *)p, size);
		return;
	}
	if (kept[slot])
		munmap(kept[slot], kept_size[slot]);
	kept[slot] = (void *)p;
	kept_size[slot] = size;
}

/*
 * io_uring: a batch of commands on random files, their arguments in an
 * arena that later batches reuse while earlier commands may still be
 * parked (legal: the kernel copies in and out with checks). Completions
 * are reaped without waiting; the ring is torn down now and then.
 */
#define URING_SLOTS 64
static struct io_uring uring;
static bool uring_up;
static unsigned char *uring_arena;

/* A segment of @data (its end crosses into the guard page) or hostile. */
static void rw_segment(struct iovec *iov, unsigned char *data)
{
	iov->iov_base = rnd() % 6 ? data + rnd() % 4096 : hostile_ptr(data);
	iov->iov_len = rnd() % 4 ? rnd() % 256 : rnd() % (1 << 16);
}

/* read(2) or write(2) of a queue file or pipe end, never waiting. */
static void rw_op(struct counters *c, unsigned char *data)
{
	unsigned int i, n = 1 + (unsigned int)(rnd() % 3);
	int fd = pick_fd_for(rnd() % 4 ? IPCQ_IOC_QUEUE_PUT :
			     IPCQ_IOC_PIPE_SEND);
	struct iovec iov[3];
	ssize_t ret;

	for (i = 0; i < n; i++)
		rw_segment(&iov[i], data);
	if (rnd() % 2)
		ret = pwritev2(fd, iov, (int)n, -1, RWF_NOWAIT);
	else
		ret = preadv2(fd, iov, (int)n, -1, RWF_NOWAIT);
	count(c, ret < 0 ? -errno : 0);
}

/* io_uring's READ or WRITE of a queue file, into @sqe. */
static void uring_rw(struct io_uring_sqe *sqe, unsigned char *data)
{
	struct iovec iov;

	rw_segment(&iov, data);
	if (rnd() % 2)
		io_uring_prep_write(sqe, pick_fd_for(IPCQ_IOC_QUEUE_PUT),
				    iov.iov_base, (unsigned int)iov.iov_len, 0);
	else
		io_uring_prep_read(sqe, pick_fd_for(IPCQ_IOC_QUEUE_GET),
				   iov.iov_base, (unsigned int)iov.iov_len, 0);
	sqe->user_data = rnd() % 16;
	if (rnd() % 8 == 0)
		sqe->flags |= IOSQE_ASYNC;
}

static void uring_op(struct counters *c, unsigned char *data, bool die)
{
	struct io_uring_cqe *cqe;
	unsigned int i, n = 1 + (unsigned int)(rnd() % 8);

	if (!uring_up) {
		if (!uring_arena)
			uring_arena = malloc(URING_SLOTS * 1024);
		if (!uring_arena || io_uring_queue_init(64, &uring, 0))
			return;
		uring_up = true;
	}
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&uring);
		unsigned char *arg = uring_arena + (rnd() % URING_SLOTS) * 1024;
		struct ipcq_uring_cmd cmd = { 0 };
		unsigned long op = rnd() % 8 ? uring_cmds[rnd() % NURING] :
				   cmds[rnd() % NCMD];

		if (!sqe)
			break;
		if (rnd() % 10 == 0) {
			uring_rw(sqe, data);
			continue;
		}
		fill_arg(op, arg, _IOC_SIZE(op), data);
		cmd.arg = rnd() % 6 ? (uintptr_t)arg :
			  (uintptr_t)hostile_ptr(arg);
		switch (rnd() % 12) {
		case 0:
			op = IPCQ_URING_CANCEL;
			cmd.arg = rnd() % 16;
			cmd.flags = (uint32_t)(rnd() % 5);
			break;
		case 1:
			cmd.flags = (uint32_t)rnd();
			break;
		case 2:
			cmd.pad = (uint32_t)rnd();
			break;
		case 3:
			op = (unsigned long)rnd();
			break;
		}
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = pick_fd_for(op);
		sqe->cmd_op = (uint32_t)op;
		sqe->user_data = rnd() % 16;
		if (rnd() % 8 == 0)
			sqe->flags |= IOSQE_ASYNC;
		memcpy(sqe->cmd, &cmd, sizeof(cmd));
	}
	io_uring_submit(&uring);
	while (io_uring_peek_cqe(&uring, &cqe) == 0) {
		count(c, cqe->res > 0 ? 0 : cqe->res);
		io_uring_cqe_seen(&uring, cqe);
	}
	if (die)
		return;
	if (rnd() % 16 == 0) {
		io_uring_queue_exit(&uring);
		uring_up = false;
	}
}

/*
 * A valid object of @kind made through a pooled /dev/ipcq and pooled: the
 * state that mutated calls then act on. Its fd, or -1.
 */
static int seed_kind(enum kind kind)
{
	int dev = -1, fd = -1, i;
	char name[32];

	for (i = 0; i < POOL && dev < 0; i++)
		if (pool[i] >= 0 && pool_kind[i] == K_DEV)
			dev = pool[i];
	if (dev < 0) {
		dev = open("/dev/ipcq", O_RDWR | O_CLOEXEC);
		add_fd(dev, K_DEV);
		if (kind == K_DEV || dev < 0)
			return dev;
	}
	switch (kind) {
	case K_QUEUE:
	case K_RING: {
		struct ipcq_queue_open a = {
			.flags = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER |
				 IPCQ_OPEN_CLOEXEC |
				 (kind == K_RING || rnd() % 2 ? IPCQ_OPEN_RING : 0),
			.mode = 0600, .capacity = 4, .slot_size = 64,
		};
		struct ipcq_ring_info info = { 0 };
		int q = ioctl(dev, IPCQ_IOC_QUEUE_OPEN, &a);

		add_fd(q, K_QUEUE);
		fd = q;
		if (q >= 0 && (a.flags & IPCQ_OPEN_RING)) {
			int r = ioctl(q, IPCQ_IOC_RING_ATTACH, &info);

			add_fd(r, K_RING);
			if (kind == K_RING)
				fd = r;
		}
		break;
	}
	case K_PIPE: {
		struct ipcq_pipe_create a = {
			.flags = IPCQ_PIPE_DUPLEX | IPCQ_PIPE_CLOEXEC,
		};

		if (ioctl(dev, IPCQ_IOC_PIPE_CREATE, &a) == 0) {
			add_fd((int)a.fds[0], K_PIPE);
			add_fd((int)a.fds[1], K_PIPE);
			fd = (int)a.fds[0];
		}
		break;
	}
	case K_SYNC:
	case K_SEM:
	case K_LOCK:
	case K_EVENT:
	case K_BARRIER:
	case K_COND: {
		static const uint32_t types[] = {
			IPCQ_TYPE_SEM, IPCQ_TYPE_LOCK, IPCQ_TYPE_EVENT,
			IPCQ_TYPE_COND, IPCQ_TYPE_BARRIER,
		};
		struct ipcq_sync_open a = {
			.type = kind == K_SYNC ? types[rnd() % 5] :
				types[kind - K_SEM],
			.mode = 0600, .flags = IPCQ_OPEN_CLOEXEC,
		};

		if (a.type == IPCQ_TYPE_SEM) {
			a.value = rnd() % 3;
			a.flags |= rnd() % 2 ? IPCQ_SYNC_UNDO : 0;
		} else if (a.type == IPCQ_TYPE_EVENT) {
			a.value = rnd() % 2;
		} else if (a.type == IPCQ_TYPE_BARRIER) {
			a.value = rnd() % 3 + 1;
		} else if (a.type == IPCQ_TYPE_COND) {
			int lock = pick_fd_for(IPCQ_IOC_LOCK_ACQUIRE);

			a.lock_fd = (uint32_t)(lock >= 0 ? lock : 0);
		}
		fd = ioctl(dev, IPCQ_IOC_SYNC_OPEN, &a);
		add_fd(fd, sync_kind(a.type));
		break;
	}
	case K_SHM: {
		struct ipcq_shm_open a = {
			.flags = IPCQ_OPEN_CLOEXEC |
				 (rnd() % 2 ? IPCQ_SHM_LOCK : 0),
			.mode = 0600, .size = 4096 * (rnd() % 4 + 1),
		};

		fd = ioctl(dev, IPCQ_IOC_SHM_OPEN, &a);
		add_fd(fd, K_SHM);
		break;
	}
	case K_LISTENER: {
		struct ipcq_listener_open a = {
			.flags = IPCQ_OPEN_CREATE | IPCQ_OPEN_CLOEXEC,
			.mode = 0666, .backlog = 2,
		};

		snprintf(name, sizeof(name), "fz-l%d-%d", (int)getpid(),
			 (int)(rnd() % 4));
		a.name = (uintptr_t)name;
		a.name_len = (uint32_t)strlen(name);
		fd = ioctl(dev, IPCQ_IOC_LISTENER_OPEN, &a);
		add_fd(fd, K_LISTENER);
		break;
	}
	default:
		fd = dev;
	}
	return fd;
}

/*
 * Kills @pid, a child made to die mid-call, a little later, and reaps
 * it. SIGALRM (no SA_RESTART) interrupts the wait now and then, and a
 * child whose exit outlasts the alarm's period (io_uring's teardown)
 * would be left a zombie: enough of them took every pid of the guest, and
 * then neither the fuzzer nor the kernel's workqueues could start a task.
 */
static void kill_and_reap(pid_t pid)
{
	usleep((useconds_t)(rnd() % 3000));
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void one_op(struct counters *c, unsigned char *buf, unsigned char *data)
{
	unsigned long cmd;
	void *arg;
	long ret;
	int fd;

	switch (rnd() % 24) {
	case 8:
		seed_kind((enum kind)(rnd() % K_NKINDS));
		return;
	case 4:
		wild_mmap();
		return;
	case 9:
		rw_op(c, data);
		return;
	case 5:
	case 6:
		uring_op(c, data, false);
		return;
	case 7: {
		/* A child killed with io_uring commands parked. */
		pid_t pid = fork();

		if (pid == 0) {
			static struct counters mine;	/* not the shared ones */

			uring_up = false;
			for (;;)
				uring_op(&mine, data, true);
		}
		if (pid > 0)
			kill_and_reap(pid);
		return;
	}
	case 0:
		add_fd(open("/dev/ipcq", O_RDWR | O_CLOEXEC), K_DEV);
		return;
	case 1: {
		int i = (int)(rnd() % POOL);

		if (pool[i] >= 0)
			add_fd(dup(pool[i]), pool_kind[i]);
		return;
	}
	case 2: {
		int i = (int)(rnd() % POOL);

		if (pool[i] >= 0) {
			close(pool[i]);
			pool[i] = -1;
		}
		return;
	}
	case 3: {
		/* A child that dies mid-call, holding whatever it took. */
		pid_t pid = fork();

		if (pid == 0) {
			for (;;) {
				cmd = cmds[rnd() % NCMD];
				fill_arg(cmd, buf, _IOC_SIZE(cmd), data);
				ioctl(pick_fd_for(cmd), cmd, buf);
			}
		}
		if (pid > 0)
			kill_and_reap(pid);
		return;
	}
	}

	if (rnd() % 20 == 0) {
		/* Unknown numbers, wrong sizes, other magics. */
		cmd = _IOC((unsigned int)(rnd() % 4),
			   rnd() % 4 ? IPCQ_IOC_MAGIC : (unsigned int)(rnd() % 256),
			   (unsigned int)(rnd() % 256),
			   (unsigned int)(rnd() % 512));
		if (cmd == IPCQ_IOC_BARRIER_WAIT)
			return;
		arg = rnd() % 2 ? buf : hostile_ptr(buf);
		memset(buf, (int)(rnd() & 0xff), 1024);
	} else {
		cmd = cmds[rnd() % NCMD];
		fill_arg(cmd, buf, _IOC_SIZE(cmd), data);
		/* Hostile argument pointers, but never for barrier waits,
		 * whose deadline must be the one we set.
		 */
		arg = cmd == IPCQ_IOC_BARRIER_WAIT || rnd() % 6 ? (void *)buf :
		      hostile_ptr(buf);
	}
	fd = pick_fd_for(cmd);
	ret = ioctl(fd, cmd, arg);
	if (ret >= 0) {
		enum kind made = made_kind(cmd, fd, buf);

		/* New fds come back as the return value of open calls. */
		if (cmd == IPCQ_IOC_RING_ATTACH && arg == buf)
			scribble_ring((int)ret, (void *)buf);
		if (made != K_ANY)
			add_fd((int)ret, made);
		if (cmd == IPCQ_IOC_PIPE_CREATE && arg == buf) {
			add_fd((int)((struct ipcq_pipe_create *)buf)->fds[0],
			       K_PIPE);
			add_fd((int)((struct ipcq_pipe_create *)buf)->fds[1],
			       K_PIPE);
		}
		count(c, 0);
	} else {
		count(c, -errno);
	}
}

static void on_alarm(int sig)
{
}

/* Fresh objects for a program: the pool, mappings and ring dropped. */
static void reset_state(uint64_t seed)
{
	int i;

	for (i = 0; i < POOL; i++) {
		if (pool[i] >= 0)
			close(pool[i]);
		pool[i] = -1;
	}
	for (i = 0; i < 4; i++) {
		if (kept[i])
			munmap(kept[i], kept_size[i]);
		if (mapped[i])
			munmap(mapped[i], mapped_size[i]);
		kept[i] = mapped[i] = NULL;
	}
	if (uring_up)
		io_uring_queue_exit(&uring);
	uring_up = false;
	rng = seed | 1;
	for (i = K_DEV; i < K_NKINDS; i++)
		seed_kind((enum kind)i);
}

/* Each call from its own seed (xorshift must not start at 0). */
static void run_prog(struct counters *c, const struct prog *p,
		     unsigned char *buf, unsigned char *data)
{
	uint32_t i;

	for (i = 0; i < p->n; i++) {
		rng = p->op[i] | 1;
		one_op(c, buf, data);
	}
}

/* A worker's buffers, pool and signals; exits 3 if it cannot. */
static void worker_init(uint64_t seed, unsigned char **buf,
			unsigned char **data)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int i;

	/*
	 * Message buffers are followed by a guard page: a fuzzed length
	 * larger than the buffer makes the kernel fault (EFAULT) instead of
	 * writing over the fuzzer's own memory, which would be legal.
	 */
	*buf = malloc(4096);
	*data = mmap(NULL, (1 << 16) + 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!*buf || *data == MAP_FAILED ||
	    mprotect(*data + (1 << 16), 4096, PROT_NONE))
		_exit(3);
	rng = seed;
	for (i = 0; i < POOL; i++)
		pool[i] = -1;
	notify_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	memset(*data, 0x5a, 1 << 16);
	/* Interrupt blocking calls now and then (no SA_RESTART). */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	ualarm(2000, 2000);
}

/*
 * @traced: programs from fresh objects, kept when kcov saw new edges
 * (with @feedback); else one long sequence on long-lived objects.
 */
static void worker(int id, uint64_t seed, uint64_t end, bool traced,
		   bool feedback)
{
	struct counters *c = &shared[id];
	unsigned char *buf, *data;
	uint64_t master;
	int i;

	worker_init(seed * 2654435761u + (uint64_t)id * 40503u + 1, &buf,
		    &data);
	traced = traced && kcov_start();
	c->traced = traced;
	if (!traced)
		for (i = K_DEV; i < K_NKINDS; i++)
			seed_kind((enum kind)i);
	while (now_ns() < end) {
		struct prog p;

		prog_next(&p, rnd, traced && feedback);
		master = rng;	/* the calls reseed rng: the stream resumes */
		c->prev = c->cur;
		c->cur = p;
		kcov_reset();
		if (traced)
			reset_state(p.seed);
		run_prog(c, &p, buf, data);
		if (traced && kcov_collect(edges) && feedback)
			corpus_add(&p);
		c->corpus = corpus_size();
		c->progs++;
		rng = master;
	}
	ualarm(0, 0);
	_exit(0);
}

/* --replay FILE: each "prog" line from fresh objects, in this process. */
static int replay(const char *file)
{
	static struct counters mine;
	unsigned char *buf, *data;
	char line[2048];
	struct prog p;
	int n = 0;
	FILE *f = fopen(file, "r");

	if (!f) {
		perror(file);
		return 2;
	}
	worker_init(1, &buf, &data);
	while (fgets(line, sizeof(line), f)) {
		if (prog_parse(line, &p))
			continue;
		reset_state(p.seed);
		run_prog(&mine, &p, buf, data);
		n++;
	}
	ualarm(0, 0);
	fclose(f);
	reset_state(1);
	printf("ipcq-fuzz: replayed %d programs (%llu calls) from %s\n", n,
	       (unsigned long long)mine.ops, file);
	return n ? 0 : 2;
}

static void print_repro(int procs, const char *why)
{
	int i;

	printf("IPCQ-FUZZ-REPRO-BEGIN\n");
	printf("# ipcq-fuzz: %s; each worker's last two programs\n", why);
	for (i = 0; i < procs; i++) {
		if (shared[i].prev.n) {
			printf("# worker %d, previous\n", i);
			prog_print(stdout, &shared[i].prev);
		}
		if (shared[i].cur.n) {
			printf("# worker %d, last\n", i);
			prog_print(stdout, &shared[i].cur);
		}
	}
	printf("IPCQ-FUZZ-REPRO-END\n");
	fflush(stdout);
}

/* The workers' sums: ops, programs, corpus entries, traced workers. */
static void sums(int procs, uint64_t *ops, uint64_t *progs, uint64_t *corp)
{
	int i;

	*ops = *progs = *corp = 0;
	for (i = 0; i < procs; i++) {
		*ops += shared[i].ops;
		*progs += shared[i].progs;
		*corp += shared[i].corpus;
	}
}

static void *shared_pages(size_t size)
{
	/* Between two guard pages. */
	size_t len = (size + 4095) & ~4095UL;
	char *p = mmap(NULL, len + 8192, PROT_NONE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + 4096, len, PROT_READ | PROT_WRITE))
		return NULL;
	return p + 4096;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL), start, end, total = 0,
		 by[NERR] = { 0 }, ops, progs, corp, tick;
	int opt, procs = 4, seconds = 10, i, e, status, bad = 0, alive, kmsg;
	bool traced, feedback = true, failed = false;
	pid_t pids[64], pid;

	if (argc == 3 && !strcmp(argv[1], "--replay"))
		return replay(argv[2]);
	while ((opt = getopt(argc, argv, "t:p:s:F")) != -1) {
		if (opt == 't')
			seconds = atoi(optarg);
		else if (opt == 'p')
			procs = atoi(optarg);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else if (opt == 'F')
			feedback = false;
		else
			return 2;
	}
	if (procs < 1 || procs > 64 || seconds < 1)
		return 2;
	page_ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page_none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = shared_pages(sizeof(*shared) * (size_t)procs);
	edges = shared_pages(sizeof(*edges));
	if (page_ro == MAP_FAILED || page_none == MAP_FAILED || !shared || !edges)
		return 1;
	traced = kcov_usable();
	printf("ipcq-fuzz: seed %llu, %d processes, %d s, %s\n",
	       (unsigned long long)seed, procs, seconds,
	       !traced ? "no kcov of the module (no /sys/kernel/debug/kcov, or the module not built with IPCQ_KCOV=1): random type-aware calls, no feedback" :
	       feedback ? "kcov feedback" : "kcov, feedback off (-F)");
	fflush(stdout);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	start = now_ns();
	end = start + (uint64_t)seconds * 1000000000ULL;
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			worker(i, seed, end, traced, feedback);
	}
	/*
	 * Wait for the workers, watching the kernel log; edges every 10 s.
	 * A splat or a worker that died: the programs out, the workers
	 * killed, and 30 s for them to go (an oops may leave one stuck).
	 */
	tick = start + 10000000000ULL;
	for (alive = procs; alive > 0;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			alive--;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				bad++;
				if (!failed)
					print_repro(procs, "a worker died");
				failed = true;
			}
		} else if (!failed && kmsg_splat(kmsg)) {
			print_repro(procs, "a splat in the kernel log");
			failed = true;
			bad++;
		}
		if (failed && end > now_ns()) {
			for (i = 0; i < procs; i++)
				kill(pids[i], SIGKILL);
			end = now_ns();
		}
		if (failed && now_ns() > end + 30000000000ULL)
			break;
		if (traced && now_ns() >= tick) {
			sums(procs, &ops, &progs, &corp);
			printf("ipcq-fuzz: %3llu s: %llu edges, corpus %llu, %llu programs, %llu operations\n",
			       (unsigned long long)((tick - start) / 1000000000ULL),
			       (unsigned long long)edges->seen,
			       (unsigned long long)corp,
			       (unsigned long long)progs,
			       (unsigned long long)ops);
			fflush(stdout);
			tick += 10000000000ULL;
		}
		if (pid <= 0)
			usleep(100000);
	}
	if (alive)
		printf("ipcq-fuzz: %d workers did not end\n", alive);
	for (i = 0; i < procs; i++) {
		uint64_t sum = 0;

		for (e = 0; e < NERR; e++)
			sum += shared[i].by_errno[e];
		if (sum != shared[i].ops) {
			printf("ipcq-fuzz: worker %d counters do not add up\n", i);
			for (e = 0; e < NERR; e++)
				if (shared[i].by_errno[e])
					printf("  [%d] %#llx\n", e, (unsigned long long)shared[i].by_errno[e]);
			bad++;
		}
		total += shared[i].ops;
		for (e = 0; e < NERR; e++)
			by[e] += shared[i].by_errno[e];
	}
	/*
	 * ENOTTY and EBADF end a call before any object's code: the share
	 * of the others says how deep the fuzzing goes.
	 */
	printf("ipcq-fuzz: %.1f%% of operations reached an object (not ENOTTY or EBADF)\n",
	       total ? 100.0 * (double)(total - by[ENOTTY] - by[EBADF]) /
		       (double)total : 0.0);
	printf("ipcq-fuzz: %llu operations; outcomes:", (unsigned long long)total);
	for (e = 0; e < NERR; e++)
		if (by[e])
			printf(" %s=%llu", e ? strerrorname_np(e) ?: "?" : "ok",
			       (unsigned long long)by[e]);
	printf("\n");
	if (traced) {
		sums(procs, &ops, &progs, &corp);
		printf("ipcq-fuzz: kcov: %llu edges of the module in %llu programs, corpus %llu (feedback %s)\n",
		       (unsigned long long)edges->seen,
		       (unsigned long long)progs, (unsigned long long)corp,
		       feedback ? "on" : "off");
	}
	/* A worker that did not finish on its own is a failure. */
	return bad || alive ? 1 : 0;
}
