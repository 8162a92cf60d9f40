/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libipcdev internals: not installed, not part of the ABI. */
#ifndef IPCDEV_INTERNAL_H
#define IPCDEV_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "ipcdev.h"

/*
 * Symbol versions (libipcdev.map). A function whose signature changed is
 * defined as ipcdev__NAME_vXY and bound to NAME@@IPCDEV_X.Y, the default
 * that programs link to from then on (statically too); its old signature
 * stays as NAME@IPCDEV_0.1 for programs linked before.
 */
#define IPCDEV__DEFAULT(name, node)	__attribute__((symver(#name "@@" node)))
#define IPCDEV__COMPAT(name, node)	__attribute__((symver(#name "@" node)))

/* The cached handshake answer; 0 or -errno. */
int ipcdev__info(struct ipcdev_info *info);

/* 0 if the kernel offers @features, -EOPNOTSUPP if not, or -errno. */
int ipcdev__require(uint64_t features);

/* CLOCK_MONOTONIC now, in ns. */
uint64_t ipcdev__now_ns(void);

/* Absolute CLOCK_MONOTONIC deadline for a Python-style timeout. */
uint64_t ipcdev__deadline(int64_t timeout_ns);

/* ioctl(2) as the library wants it: its value, or -errno. */
int ipcdev__ioctl(int fd, unsigned long cmd, void *arg);

struct pollfd;
int ipcdev__ioctl_restart(int fd, unsigned long cmd, void *arg);
/* 1 if the calling thread asked for -EINTR (ipcdev_set_interruptible). */
int ipcdev__interruptible(void);
/* ipcdev__msg_rw()'s answer when the call's ioctl is to answer it. */
#define IPCDEV__BY_IOCTL	2
int ipcdev__msg_rw(int fd, bool put, void *buf, size_t *len,
		   int64_t timeout_ns);
int ipcdev__msg_call(int fd, unsigned long cmd, struct ipcq_msg *msg,
		     int64_t timeout_ns);
int ipcdev__ppoll(struct pollfd *pfd, unsigned int n, uint64_t deadline);
int ipcdev__map_shared(int fd, uint64_t ro_off, size_t ro_size,
		       uint64_t rw_off, size_t rw_size, void **ro, void **rw);

/* The library's open flags (ipcdev.h) as the kernel's IPCQ_* bits. */
uint32_t ipcdev__kernel_flags(unsigned int flags);

/*
 * One handle model (handle.c). Every handle type starts with a struct
 * ipcdev__handle, and the common code finds what differs between types
 * in its struct ipcdev__kind.
 *
 * After fork() a child must not act through the files it shares with its
 * parent: they would keep the parent's endpoints, locks and units alive
 * after the parent died. So every live handle of a kind with a reopen_cmd
 * is in a registry, and the fork child handler gives each a file of the
 * child's own at the same descriptor number (and maps anew what it maps).
 * If that fails for a handle (EMFILE, ENOMEM), the handle keeps the
 * generation of the parent, and its next use in the child retries
 * (ipcdev__own()). Both run under the registry lock, which the fork
 * prepare handler takes too, so a swap is never seen half done, never
 * done twice, and never left half done in a child.
 */
struct ipcdev__handle;

struct ipcdev__kind {
	uint32_t type;			/* IPCQ_TYPE_*; 0 for pipe ends */
	size_t size;			/* bytes of the whole handle */
	uint64_t feature;		/* IPCQ_FEATURE_* needed to open */
	unsigned long open_cmd;		/* ioctl on /dev/ipcq that opens */
	unsigned long reopen_cmd;	/* 0: never re-owned (pipe ends) */
	/*
	 * Maps what the object shares, from the handle's file: after open
	 * and after a re-own. A failure leaves the handle on the ioctls,
	 * which keep every promise.
	 */
	void (*map)(struct ipcdev__handle *h);
	void (*unmap)(struct ipcdev__handle *h);
};

struct ipcdev__handle {
	int fd;
	uint32_t reopen_flags;		/* IPCQ flags of a re-owned file */
	const struct ipcdev__kind *kind;
	/* The fork generation of the process whose own file fd is. */
	_Atomic unsigned long gen;
	/* Registry links, under the registry lock; NULL: not registered. */
	struct ipcdev__handle *prev, *next;
};

/* The handle header of a typed handle, or NULL for NULL. */
#define IPCDEV__H(p)	((p) ? &(p)->h : NULL)
/* The typed handle around a header (the header is its first member). */
#define IPCDEV__OF(hp, type) \
	((type *)(void *)((char *)(hp) - offsetof(type, h)))

/*
 * Checks @name (NULL: anonymous) and stores it in the open argument
 * through @name_ptr and @name_len; makes the kind's open ioctl with @arg,
 * wraps its fd in a new handle (closing it on failure).
 */
int ipcdev__open(const struct ipcdev__kind *kind, const char *name,
		 __u64 *name_ptr, __u32 *name_len, void *arg,
		 uint32_t reopen_flags, struct ipcdev__handle **out);
/* The kind's open ioctl with @arg (feature, device fd): its value. */
int ipcdev__dev_ioctl(const struct ipcdev__kind *kind, void *arg);
/* A new file of this process at @fd, on the same object (reopen). */
int ipcdev__reopen_at(int fd, unsigned long reopen_cmd, uint32_t flags);
/* A new handle owning @fd; on failure the caller still owns @fd. */
int ipcdev__adopt(const struct ipcdev__kind *kind, int fd,
		  uint32_t reopen_flags, struct ipcdev__handle **out);
/*
 * Which process this is, as far as handles are concerned: 0 in the process
 * that loaded the library, one more in each child of a fork than in its
 * parent. A handle whose gen differs acts through its parent's file.
 */
extern _Atomic unsigned long ipcdev__generation;
/* The lazy re-own of a handle whose gen is not this process's; 0 or -errno. */
int ipcdev__reown(struct ipcdev__handle *h);

/*
 * Whether @h's file is this process's own: the paths in memory of shared
 * semaphores and locks test this alone and leave a re-own to the ioctl
 * path they fall back to, so that they make no call.
 */
static inline bool ipcdev__owned(struct ipcdev__handle *h)
{
	return atomic_load_explicit(&h->gen, memory_order_acquire) ==
	       atomic_load_explicit(&ipcdev__generation, memory_order_relaxed);
}

/* In a child after fork, the lazy re-own (see above); 0 or -errno. */
static inline int ipcdev__own(struct ipcdev__handle *h)
{
	return ipcdev__owned(h) ? 0 : ipcdev__reown(h);
}
/*
 * The fd to act through, this process's own; or -errno. Inline, so that a
 * ring queue's put and get make no call before the ring's.
 */
static inline int ipcdev__fd(struct ipcdev__handle *h)
{
	int ret;

	if (!h)
		return -EINVAL;
	ret = ipcdev__own(h);
	return ret ? ret : h->fd;
}
/* As ipcdev__fd(), and -EINVAL unless the handle is of @type (uring.c). */
int ipcdev__fd_typed(struct ipcdev__handle *h, uint32_t type);
/* The fd, as the public *_fd() functions give it; -EINVAL for NULL. */
int ipcdev__handle_fd(const struct ipcdev__handle *h);
/* Unregisters, unmaps, closes and frees a handle. */
int ipcdev__close(struct ipcdev__handle *h);
/* Removes the name of an object of @type. */
int ipcdev__unlink(const char *name, uint32_t type);

/* ring.c: the ring of an IPCQ_OPEN_RING queue, mapped. */
struct ipcdev__ring;
int ipcdev__ring_attach(int fd, struct ipcdev__ring **out);
void ipcdev__ring_detach(struct ipcdev__ring *r);
/* 1 done through the ring, 0 go through the kernel, or -errno. */
int ipcdev__ring_put(struct ipcdev__ring *r, int fd, const void *buf,
		     size_t len, bool may_wait);
int ipcdev__ring_get(struct ipcdev__ring *r, int fd, void *buf, size_t *len,
		     bool may_wait);
/* Whether spinning can pay: this process may run on more than one CPU. */
bool ipcdev__spin_useful(void);

#define IPCDEV__SPIN_MIN	64
#define IPCDEV__SPIN_MAX	16384

static inline void ipcdev__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * After the caller's own first try answered -EAGAIN (made inline, so the
 * uncontended path calls nothing): calls @try until it answers something
 * other than -EAGAIN, spinning a while when that may pay off (another CPU
 * can change what it waits for), for as long as *@budget says; the budget
 * halves when spinning was in vain and doubles when it paid. Returns
 * @try's last answer, -EAGAIN when it did not spin. Inline, so that @try
 * (a constant in every caller) is inlined into the loop: each iteration
 * then costs a look at memory, not two calls.
 */
static inline int ipcdev__spin(_Atomic unsigned int *budget, bool may_wait,
			       int (*try)(void *), void *arg)
{
	unsigned int b, n;
	int ret = -EAGAIN;

	if (!may_wait || !ipcdev__spin_useful())
		return ret;
	b = atomic_load_explicit(budget, memory_order_relaxed);
	for (n = 0; n < b && ret == -EAGAIN; n++) {
		ipcdev__cpu_relax();
		ret = try(arg);
	}
	b = ret == -EAGAIN ? b / 2 : b * 2;
	b = b < IPCDEV__SPIN_MIN ? IPCDEV__SPIN_MIN :
	    b > IPCDEV__SPIN_MAX ? IPCDEV__SPIN_MAX : b;
	atomic_store_explicit(budget, b, memory_order_relaxed);
	return ret;
}

/* The handle types. */
struct ipcdev_queue {
	struct ipcdev__handle h;	/* reopen_flags: its roles */
	struct ipcdev__ring *ring;	/* NULL: no ring, or not mappable */
};

struct ipcdev_pipe {
	struct ipcdev__handle h;
};

struct ipcdev_listener {
	struct ipcdev__handle h;
};

/* pipe.c: a pipe handle owning @fd (a connection's end, listener.c). */
int ipcdev__pipe_adopt(ipcdev_pipe **pp, int fd);

struct ipcdev_sem {
	struct ipcdev__handle h;
	/* A shared semaphore's pages, mapped; NULL when not shared. */
	void *status_map;
	void *value_map;
	const _Atomic uint32_t *route;
	const _Atomic uint32_t *wake;
	_Atomic uint64_t *value;
	uint64_t max;
	_Atomic unsigned int spin;
};

struct ipcdev_lock {
	struct ipcdev__handle h;
	/* A shared lock's pages, mapped; NULL when not shared. */
	void *status_map;
	void *word_map;
	const _Atomic uint32_t *route;
	const _Atomic uint32_t *wake;
	_Atomic uint64_t *owner;
	_Atomic uint64_t *depth;
	uint64_t owner_hi;		/* this file's owner id, shifted */
	bool recursive;
	_Atomic unsigned int spin;
};

/* sync.c: lock creation without IPCQ_SYNC_SHARED (tests of the ioctls). */
void ipcdev__locks_plain(bool plain);

struct ipcdev_event {
	struct ipcdev__handle h;
};

struct ipcdev_cond {
	struct ipcdev__handle h;
};

struct ipcdev_barrier {
	struct ipcdev__handle h;
};

/* sync.c: a lock handle owning @fd (a bound lock's file, shm.c). */
int ipcdev__lock_adopt(ipcdev_lock **l, int fd);

/*
 * A shared memory region (shm.c): its file and its mapping, made whole
 * when the handle is; never re-owned after fork (nothing per process).
 */
struct ipcdev_shm {
	struct ipcdev__handle h;
	void *addr;			/* the mapping, map_size bytes */
	size_t map_size;		/* size rounded up to whole pages */
	uint64_t size;			/* bytes, as created */
	ipcdev_lock *lock;		/* the bound lock's handle, or NULL */
};

/* Value and Array (value.c): a typed view of a region of their own. */
struct ipcdev__typed {
	ipcdev_shm *shm;
	int type;			/* IPCDEV_C_* */
	uint64_t n;			/* elements (a Value: 1) */
};

struct ipcdev_value {
	struct ipcdev__typed t;
};

struct ipcdev_array {
	struct ipcdev__typed t;
};

/*
 * Pool (pool.c, pool_result.c). A result is also the task it completes:
 * the dispatcher keeps it, under the pool's lock, queued or in the list
 * of the worker it was given to, until it completes it.
 */
struct ipcdev_pool_result {
	pthread_mutex_t mu;		/* the fields below up to @index */
	pthread_cond_t cv;		/* broadcast on completion */
	_Atomic int refs;		/* the caller's, the pool's */
	_Atomic bool done;		/* set last, once; then fixed */
	int status;
	void *out;			/* malloc()ed, @out_len bytes */
	size_t out_len;
	int efd;			/* ipcdev_pool_result_fd(); -1: none */
	struct ipcdev_pool_iter *it;	/* notified on completion */
	size_t index;			/* in @it */
	/* The dispatcher's, under the pool's lock. */
	uint64_t id;
	ipcdev_pool_fn fn;
	void *in;			/* a copy of the input */
	size_t in_len;
	size_t chunk;			/* most tasks per message */
	unsigned int tries;		/* workers that died running it */
	uint64_t batch;			/* message it went in, per worker */
	struct ipcdev_pool_result *next;
};

/* A new result for @fn on a copy of @in, refs 2 (caller, pool). */
int ipcdev__pool_result_new(struct ipcdev_pool_result **r, ipcdev_pool_fn fn,
			    const void *in, size_t in_len, size_t chunk);
/* Completes @r with @status and @len bytes at @out; drops the pool's ref. */
void ipcdev__pool_result_complete(struct ipcdev_pool_result *r, int status,
				  const void *out, size_t len);
/* Drops one reference. */
void ipcdev__pool_result_put(struct ipcdev_pool_result *r);
/* Hands @n results to the pool's queue, in order; 0 or -errno (none). */
int ipcdev__pool_submit(ipcdev_pool *p, struct ipcdev_pool_result **r,
			size_t n);
/*
 * 0 if @p may be used by this process (else -EDEADLK) for a task of @fn
 * (NULL: not checked; one the workers cannot run: -EINVAL) with @in_len
 * input bytes (else -EMSGSIZE).
 */
int ipcdev__pool_usable(ipcdev_pool *p, ipcdev_pool_fn fn, size_t in_len);

/* A batch: this header, then per task a task header and its input. */
struct ipcdev__pool_batch {
	uint32_t n;			/* tasks; 0: leave */
	uint32_t pad;
};

struct ipcdev__pool_task {
	uint64_t id;
	uint64_t fn;			/* address (fork) or index (exec) */
	uint64_t len;
};

/* A result message: this header, then @len bytes. */
struct ipcdev__pool_reply {
	uint64_t id;
	int32_t status;
	uint32_t len;
};

/* What a worker's loop needs (pool_worker.c). */
struct ipcdev__pool_serve {
	ipcdev_pipe *conn;		/* the worker's end */
	size_t max_msg, max_result;
	uint64_t maxtasks;		/* 0: no limit */
	const ipcdev_pool_fn *table;	/* NULL: tasks carry addresses */
	unsigned int ntable;
	void *ctx;
};

/* Runs batches from s->conn until told to leave, then exits. */
void ipcdev__pool_serve(const struct ipcdev__pool_serve *s)
	__attribute__((noreturn));
/*
 * Execs attr->program as a worker on @end (in the forked child); returns
 * only on failure, -errno.
 */
int ipcdev__pool_exec(const struct ipcdev_pool_attr *attr, ipcdev_pipe *end,
		      uint64_t max_result);
/* A condition variable on CLOCK_MONOTONIC. */
void ipcdev__cond_init(pthread_cond_t *cv);
/* Waits on @cv until @deadline: 0, or -ETIMEDOUT once it has passed. */
int ipcdev__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu,
			    uint64_t deadline);
/* Python's default chunksize for @n tasks. */
size_t ipcdev__pool_chunksize(ipcdev_pool *p, size_t n);

#endif /* IPCDEV_INTERNAL_H */
