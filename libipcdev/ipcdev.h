/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcdev: Python multiprocessing's toolbox (Queue, Pipe, Semaphore, ...)
 * for C, backed by the ipcq kernel module (/dev/ipcq).
 *
 * Conventions, for every function of this library:
 *  - returns 0 or a positive value on success, a negative errno on failure
 *    (never -1 with errno set); the shared memory accessors that return a
 *    pointer (ipcdev_shm_lock(), ipcdev_value_ptr(), ...) return NULL for
 *    a NULL handle;
 *  - thread-safe, and safe to use in a child after fork();
 *  - file descriptors the library opens are close-on-exec;
 *  - flags are the library's own IPCDEV_* values (the library maps them
 *    to the kernel's IPCQ_* bits; do not pass IPCQ_* flags here).
 *
 * After fork(), a child is independent at once: a fork handler gives
 * every live queue and synchronisation handle of the child a kernel file
 * of its own (same fd number, rings and shared semaphores mapped anew),
 * so the child counts as a producer or consumer by itself and holds
 * locks and semaphore units by itself, and a parent that dies releases
 * its own at once, even while the child sleeps. This costs fork() a few
 * system calls per live handle (posix_spawn() and vfork() run no fork
 * handlers). Should it fail for a handle (EMFILE), the child's first call
 * on that handle tries again. Pipe ends are not re-owned: like Python's
 * Connection, an end shared by several processes closes when the last of
 * them closes it.
 */
#ifndef IPCDEV_H
#define IPCDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/ipcq.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Library version, also returned at run time by ipcdev_version(); the one
 * definition (the Makefile, pkg-config file, man pages and DKMS tree take
 * it from here).
 */
#define IPCDEV_VERSION_MAJOR	0
#define IPCDEV_VERSION_MINOR	7
#define IPCDEV_VERSION_PATCH	0

/* What the running kernel module offers; filled by ipcdev_query(). */
struct ipcdev_info {
	unsigned int api_version;	/* API version agreed with the kernel */
	uint64_t features;		/* IPCQ_FEATURE_* bits */
	uint64_t max_msg_size;		/* largest message, bytes */
	uint64_t max_queue_bytes;	/* most bytes one object holds */
	uint64_t max_objects;		/* most objects per user */
	/* Since 0.4: most bytes of shared memory per user (0: no feature). */
	uint64_t max_shm_bytes;
};

/*
 * Handshake with the kernel (done once per process, then cached) and copy
 * up to @size bytes of the answer into @info, so programs built against an
 * older, smaller struct ipcdev_info keep working.
 * Returns 0, -ENOENT if /dev/ipcq does not exist (module not loaded),
 * -EPROTO if the kernel speaks no API version this library knows, or the
 * errno of open(2)/ioctl(2).
 */
int ipcdev_query(struct ipcdev_info *info, size_t size);

/* 1 if the kernel offers every bit of @features, 0 if not, or -errno. */
int ipcdev_has_feature(uint64_t features);

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *ipcdev_version(void);

/*
 * The library's file descriptor for /dev/ipcq (opened on first use and kept
 * for the life of the process), or -errno. Do not close it.
 */
int ipcdev_device_fd(void);

/*
 * Timeouts, as Python's block/timeout arguments: IPCDEV_FOREVER (any
 * negative value) blocks until the call can complete, IPCDEV_NOWAIT fails
 * at once with -EAGAIN, a positive value is a relative time in nanoseconds
 * after which the call fails with -ETIMEDOUT. The library turns it into an
 * absolute CLOCK_MONOTONIC deadline once, so interrupted calls (which it
 * restarts) never wait longer in total.
 */
#define IPCDEV_FOREVER		((int64_t)-1)
#define IPCDEV_NOWAIT		((int64_t)0)

/*
 * Since 0.6: ipcdev_set_interruptible(1) makes the calling thread's waits
 * (put, get, send, recv, poll, acquire, wait, join, accept, connect; not a
 * barrier's wait, which only fatal signals end) return -EINTR when a
 * signal handler ran, instead of restarting, so the caller can act on the
 * signal (Python raises KeyboardInterrupt) and try again with the time
 * left. A condition wait returns with the lock held again. 0 (the
 * default) restarts. Returns the thread's previous setting.
 */
int ipcdev_set_interruptible(int on);

/* Returned by the get calls at end-of-file: empty, no producer left. */
#define IPCDEV_EOF		1

/*
 * Flags of ipcdev_queue_open() and ipcdev_queue_endpoint(); CREATE and
 * EXCL also of the sync objects' _open() functions. (Their values are
 * those of libipcdev 0.1, kept for binary compatibility.)
 */
#define IPCDEV_PRODUCER		(1U << 0)	/* may put */
#define IPCDEV_CONSUMER		(1U << 1)	/* may get */
#define IPCDEV_CREATE		(1U << 2)	/* create if missing */
#define IPCDEV_EXCL		(1U << 3)	/* must not exist */
/* Creating: give the queue a ring, for puts and gets without syscalls. */
#define IPCDEV_RING		(1U << 5)
/*
 * Neither producer nor consumer, no endpoint: stat, qsize, shutdown,
 * task_done, join (for tools and supervisors); put and get fail with
 * -EBADF. Any handle of a queue can make one (ipcdev_queue_endpoint).
 */
#define IPCDEV_OBSERVER		(1U << 16)

/* A queue handle; one per open queue file. */
typedef struct ipcdev_queue ipcdev_queue;

/* Creation attributes; zeroes mean "the default". */
struct ipcdev_queue_attr {
	uint64_t maxsize;	/* most messages; 0: no count limit */
	uint64_t max_msg_size;	/* largest message; 0: module's limit */
	uint64_t slot_size;	/* IPCDEV_RING: bytes per slot; 0: default */
};

/*
 * Queue(maxsize): a new anonymous queue, producer and consumer.
 *
 * End-of-file (IPCDEV_EOF) and EPIPE come when the last producer (last
 * consumer) file is gone. A handle from create is both, so a process that
 * keeps it open counts as a producer forever: for EOF, give each process
 * a handle with only the role it plays, from ipcdev_queue_endpoint(), and
 * close the both-roles handle (see ipcdev_queue_create(3)).
 */
int ipcdev_queue_create(ipcdev_queue **q, uint64_t maxsize);
/*
 * Queue(maxsize) with a ring: priority-0 messages of up to @slot_size
 * bytes (0: IPCQ_RING_SLOT_DEFAULT) go through memory shared with the
 * other processes, without system calls while the queue is neither full
 * nor empty. The ring has @maxsize slots (0: IPCQ_RING_SLOTS_DEFAULT, the
 * queue then has no count limit). Everything else works as in any queue.
 * -EOPNOTSUPP: the kernel module has no rings.
 */
int ipcdev_queue_create_ring(ipcdev_queue **q, uint64_t maxsize,
			     uint64_t slot_size);
/* SimpleQueue(): an anonymous queue without count limit. */
int ipcdev_simplequeue_create(ipcdev_queue **q);
/* JoinableQueue(maxsize): every queue counts tasks; this is Queue. */
int ipcdev_joinablequeue_create(ipcdev_queue **q, uint64_t maxsize);
/* A named queue; flags: IPCDEV_PRODUCER/CONSUMER (none: both) or
 * IPCDEV_OBSERVER, CREATE, EXCL, RING; mode, attr and RING apply when this
 * call creates it (attr may be NULL).
 */
int ipcdev_queue_open(ipcdev_queue **q, const char *name, unsigned int flags,
		      unsigned int mode, const struct ipcdev_queue_attr *attr);
/*
 * *out: a new handle with its own endpoint file on q's queue. roles:
 * IPCDEV_PRODUCER and/or IPCDEV_CONSUMER (a subset of q's: -EACCES
 * otherwise), or IPCDEV_OBSERVER or 0 for an observer (any handle may).
 */
int ipcdev_queue_endpoint(ipcdev_queue **out, ipcdev_queue *q,
			  unsigned int roles);
int ipcdev_queue_unlink(const char *name);
/* close(): frees the handle and its file (no more puts through it). */
int ipcdev_queue_close(ipcdev_queue *q);
int ipcdev_queue_fd(const ipcdev_queue *q);

int ipcdev_queue_put(ipcdev_queue *q, const void *buf, size_t len,
		     int64_t timeout_ns);
int ipcdev_queue_put_nowait(ipcdev_queue *q, const void *buf, size_t len);
int ipcdev_queue_put_prio(ipcdev_queue *q, const void *buf, size_t len,
			  unsigned int prio, int64_t timeout_ns);
/*
 * *len: in, the buffer's size; out, the message's size (also when the
 * call fails with -EMSGSIZE, the message then stays queued).
 * Returns 0 with a message, IPCDEV_EOF, or -errno.
 */
int ipcdev_queue_get(ipcdev_queue *q, void *buf, size_t *len,
		     int64_t timeout_ns);
int ipcdev_queue_get_nowait(ipcdev_queue *q, void *buf, size_t *len);
int ipcdev_queue_get_prio(ipcdev_queue *q, void *buf, size_t *len,
			  unsigned int *prio, int64_t timeout_ns);
int ipcdev_queue_peek(ipcdev_queue *q, void *buf, size_t *len,
		      unsigned int *prio, int64_t timeout_ns);

/* Exact, from the kernel: messages queued, or -errno. */
int64_t ipcdev_queue_qsize(ipcdev_queue *q);
int ipcdev_queue_empty(ipcdev_queue *q);	/* 1, 0 or -errno */
int ipcdev_queue_full(ipcdev_queue *q);		/* 1, 0 or -errno */
int ipcdev_queue_stat(ipcdev_queue *q, struct ipcq_queue_stat *st);

/* A handle for a queue fd received from elsewhere (SCM_RIGHTS, exec);
 * the handle owns @fd from then on, at which it puts a file of its own
 * with the same roles (since 0.5; the received file is closed): the
 * receiver is an endpoint of its own. -ENOTTY: not a queue.
 */
int ipcdev_queue_from_fd(ipcdev_queue **q, int fd);

int ipcdev_queue_shutdown(ipcdev_queue *q, int immediate);
/* Also through an observer handle (a supervisor may count tasks done). */
int ipcdev_queue_task_done(ipcdev_queue *q);
int ipcdev_queue_join(ipcdev_queue *q, int64_t timeout_ns);

/*
 * Typed messages (kernel feature IPCQ_FEATURE_QUEUE_SYSV; -EOPNOTSUPP
 * without it), as SysV msgsnd and msgrcv: a message carries a 64-bit type
 * (0: untyped, what every other put sends) apart from its priority. A
 * typed get takes the first message, in the queue's order (priority, then
 * arrival), among those its flags select by @match: IPCDEV_TYPE_EQ (type
 * == match), IPCDEV_TYPE_LE (the lowest type <= match: SysV's negative
 * msgtyp), IPCDEV_TYPE_NE (type != match: MSG_EXCEPT), or none of them
 * (any type; @match must be 0). IPCDEV_TRUNCATE (MSG_NOERROR): a message
 * longer than the buffer is taken cut to it (*len: its full size);
 * IPCDEV_PEEK leaves it queued. *type (may be NULL): the message's type.
 * Both go through the kernel, also on a ring queue (since 0.6).
 */
#define IPCDEV_TYPE_EQ		IPCQ_MSG_TYPE_EQ
#define IPCDEV_TYPE_LE		IPCQ_MSG_TYPE_LE
#define IPCDEV_TYPE_NE		IPCQ_MSG_TYPE_NE
#define IPCDEV_TRUNCATE		IPCQ_MSG_TRUNCATE
#define IPCDEV_PEEK		IPCQ_MSG_PEEK

int ipcdev_queue_put_typed(ipcdev_queue *q, const void *buf, size_t len,
			   uint64_t type, unsigned int prio,
			   int64_t timeout_ns);
int ipcdev_queue_get_typed(ipcdev_queue *q, void *buf, size_t *len,
			   uint64_t *type, uint64_t match, unsigned int flags,
			   int64_t timeout_ns);

/*
 * Batches (kernel feature IPCQ_FEATURE_BATCH; -EOPNOTSUPP without it;
 * since 0.7), sendmmsg(2) and recvmmsg(2) of queues and pipes: up to
 * IPCQ_BATCH_MAX of the @n messages of @msgs in one system call (a longer
 * array is cut to that), each entry a struct ipcq_msg as the kernel takes
 * it, handed over without a copy. Put: @buf (as uintptr_t), @len,
 * @priority, @type of each message; other fields zero. Get: @buf and
 * @len (the buffer), @flags IPCDEV_TYPE_* with @type to select by type
 * and IPCDEV_TRUNCATE, or 0; each entry got has @len, @priority and @type
 * of its message. Only the first message waits for @timeout_ns; the call
 * returns how many messages moved (>= 1), in order, as soon as the next
 * one cannot move without waiting or fails: that one's error comes from
 * the next call starting with it. A get returns 0 at end-of-file (not
 * IPCDEV_EOF). Otherwise -errno, the error of the first message, as
 * ipcdev_queue_put() (get) would return it. See ipcq(4), struct
 * ipcq_batch.
 */
int ipcdev_queue_put_many(ipcdev_queue *q, const struct ipcq_msg *msgs,
			  size_t n, int64_t timeout_ns);
int ipcdev_queue_get_many(ipcdev_queue *q, struct ipcq_msg *msgs, size_t n,
			  int64_t timeout_ns);

/*
 * SysV IPC_SET (kernel feature IPCQ_FEATURE_QUEUE_SYSV): changes the named
 * object @name of @type (IPCQ_TYPE_*) of this IPC namespace: what
 * @attr->flags names, all or nothing. The owner, the creator or a caller
 * with CAP_SYS_ADMIN may; a queue's byte limit above max_queue_bytes also
 * takes CAP_SYS_RESOURCE. Limits (queues without a ring only): blocked
 * puts look again. See ipcq(4), IPCQ_IOC_SET.
 */
#define IPCDEV_SET_UID		IPCQ_SET_UID
#define IPCDEV_SET_GID		IPCQ_SET_GID
#define IPCDEV_SET_MODE		IPCQ_SET_MODE
#define IPCDEV_SET_LIMITS	IPCQ_SET_LIMITS

struct ipcdev_set_attr {
	unsigned int flags;	/* IPCDEV_SET_* */
	mode_t mode;		/* permission bits (0777) */
	uid_t uid;		/* owner */
	gid_t gid;		/* group */
	uint64_t capacity;	/* most messages; 0: no count limit */
	uint64_t max_msg_size;	/* largest message, >= 1 */
	uint64_t max_bytes;	/* most payload bytes, >= 1 */
};

int ipcdev_set(const char *name, unsigned int type,
	       const struct ipcdev_set_attr *attr);

/*
 * Pipes: Python's Pipe(duplex). Each end is a connection; an end is
 * closed when its last descriptor is, in whichever process.
 */
typedef struct ipcdev_pipe ipcdev_pipe;

struct ipcdev_pipe_attr {
	uint64_t maxsize;	/* most messages buffered per direction */
	uint64_t max_msg_size;	/* largest message; 0: module's limit */
};

/* Default per-direction buffer when no attr is given, in messages. */
#define IPCDEV_PIPE_DEFAULT_MAXSIZE	256

/* duplex: both ends send and receive; else *conn1 only receives and
 * *conn2 only sends. attr may be NULL.
 */
int ipcdev_pipe_create(ipcdev_pipe **conn1, ipcdev_pipe **conn2, int duplex,
		       const struct ipcdev_pipe_attr *attr);
int ipcdev_pipe_send(ipcdev_pipe *p, const void *buf, size_t len,
		     int64_t timeout_ns);
/* 0 with a message, IPCDEV_EOF once the peer is closed and drained. */
int ipcdev_pipe_recv(ipcdev_pipe *p, void *buf, size_t *len,
		     int64_t timeout_ns);
/* 1 if recv would not block (a message, or end-of-file), 0 on timeout. */
/* Batches, as ipcdev_queue_put_many() and ipcdev_queue_get_many(). */
int ipcdev_pipe_send_many(ipcdev_pipe *p, const struct ipcq_msg *msgs,
			  size_t n, int64_t timeout_ns);
int ipcdev_pipe_recv_many(ipcdev_pipe *p, struct ipcq_msg *msgs, size_t n,
			  int64_t timeout_ns);
int ipcdev_pipe_poll(ipcdev_pipe *p, int64_t timeout_ns);
int ipcdev_pipe_stat(ipcdev_pipe *p, struct ipcq_pipe_stat *st);
int ipcdev_pipe_close(ipcdev_pipe *p);
int ipcdev_pipe_fd(const ipcdev_pipe *p);
/* A handle for a pipe end fd received from elsewhere; owns @fd. */
int ipcdev_pipe_from_fd(ipcdev_pipe **p, int fd);

/*
 * Listener and Client (kernel feature IPCQ_FEATURE_LISTENER):
 * multiprocessing.connection for unrelated processes. A listener has a
 * name in the IPC namespace and a backlog; a client connects by that name
 * and gets one end of a new pipe (duplex, or one-way: the client sends,
 * the server receives), the server accepts the other. A listener listens
 * while one of its descriptors is open in any process: once the last is
 * closed its name goes, connections not yet accepted are dropped (their
 * clients receive IPCDEV_EOF) and waiting clients fail with
 * -ECONNREFUSED. A listener handle is not re-owned after fork() (it holds
 * nothing per process): a child may accept too.
 */
typedef struct ipcdev_listener ipcdev_listener;

/* The peer of a connection when it connected (SO_PEERCRED). */
struct ipcdev_peer {
	pid_t pid;		/* 0 if not visible in this PID namespace */
	uid_t uid;		/* effective ids */
	gid_t gid;
};

/* Python's Listener() default backlog, used for backlog 0. */
#define IPCDEV_LISTENER_DEFAULT_BACKLOG	1

/* A new listener named @name (-EEXIST if one is); mode: who may connect
 * (write permission) and open it (read and write).
 */
int ipcdev_listener_create(ipcdev_listener **l, const char *name,
			   unsigned int backlog, mode_t mode);
/* The oldest waiting connection's server end, as a new pipe handle. */
int ipcdev_listener_accept(ipcdev_listener *l, ipcdev_pipe **conn,
			   int64_t timeout_ns);
int ipcdev_listener_close(ipcdev_listener *l);
int ipcdev_listener_unlink(const char *name);
int ipcdev_listener_fd(const ipcdev_listener *l);
/* A handle for a listener fd received from elsewhere; owns @fd. */
int ipcdev_listener_from_fd(ipcdev_listener **l, int fd);
/* Client(address): waits for room in the backlog until the timeout. */
int ipcdev_client_connect(ipcdev_pipe **conn, const char *name, int duplex,
			  int64_t timeout_ns);
/* The peer's credentials; -ENODATA for an end of ipcdev_pipe_create(). */
int ipcdev_pipe_peer(ipcdev_pipe *conn, struct ipcdev_peer *cred);

/*
 * Handles across exec. ipcdev_export(fd, buf, len): for the handle whose
 * descriptor is @fd (ipcdev_<type>_fd()), a fresh file of the object that
 * is not close-on-exec, named in @buf as "KIND:FD" (KIND: queue, pipe,
 * sem, lock, rlock, event, cond, barrier, shm, listener); returns that
 * descriptor. The file is the exec'd program's own (its own endpoint,
 * holder and undo). Call it in the child between fork() and exec, so the
 * file reaches no other program; a parent that spawns closes the returned
 * descriptor right after. -ENOSPC if @len is too short (nothing made).
 * ipcdev_import(str, kind) in the new program: the descriptor, made
 * close-on-exec again, if @str names an object of @kind (-EINVAL
 * otherwise, -EBADF for no such descriptor); then ipcdev_<kind>_from_fd().
 */
#define IPCDEV_EXPORT_MAX	32	/* room for any exported string */
int ipcdev_export(int fd, char *buf, size_t len);
int ipcdev_import(const char *str, const char *kind);

/*
 * Synchronisation objects: Semaphore, BoundedSemaphore, Lock, RLock,
 * Event, Condition, Barrier. Each handle owns one file of the object;
 * after fork() the child has a file of its own (see the top of this
 * header), so units held and locks owned are counted per process and
 * returned or marked owner-dead when the process dies. Anonymous objects
 * are shared by fork or fd passing, named ones by name (IPCDEV_CREATE,
 * IPCDEV_EXCL as for queues; opening needs read and write permission).
 */
typedef struct ipcdev_sem ipcdev_sem;
typedef struct ipcdev_lock ipcdev_lock;
typedef struct ipcdev_lock ipcdev_rlock;	/* the same handle type */
typedef struct ipcdev_event ipcdev_event;
typedef struct ipcdev_cond ipcdev_cond;
typedef struct ipcdev_barrier ipcdev_barrier;

/*
 * Handles for sync object fds received from elsewhere (SCM_RIGHTS, an
 * inherited descriptor), of the type asked (-EINVAL for another type, a
 * Lock for an RLock or the reverse; -ENOTTY for no sync object: @fd is
 * then left alone). The handle owns @fd, at which it puts a file of its
 * own on the object (the received one is closed): like a child after
 * fork(), the receiver holds locks, units and undo by itself, and its
 * death is seen as its own.
 */
int ipcdev_sem_from_fd(ipcdev_sem **s, int fd);
int ipcdev_lock_from_fd(ipcdev_lock **l, int fd);
int ipcdev_rlock_from_fd(ipcdev_rlock **l, int fd);
int ipcdev_event_from_fd(ipcdev_event **e, int fd);
int ipcdev_cond_from_fd(ipcdev_cond **c, int fd);
int ipcdev_barrier_from_fd(ipcdev_barrier **b, int fd);

/* Semaphore flags (the library's own, as the queue flags). */
#define IPCDEV_SEM_BOUNDED	(1U << 8)	/* BoundedSemaphore */
#define IPCDEV_SEM_UNDO		(1U << 9)	/* undo on death */
/* Value in shared memory: acquire/release without syscalls; not with UNDO. */
#define IPCDEV_SEM_SHARED	(1U << 11)

int ipcdev_sem_create(ipcdev_sem **s, uint64_t value, unsigned int flags);
int ipcdev_sem_open(ipcdev_sem **s, const char *name, unsigned int flags,
		    unsigned int mode, uint64_t value);
int ipcdev_sem_acquire(ipcdev_sem *s, int64_t timeout_ns);
int ipcdev_sem_release(ipcdev_sem *s, uint64_t n);
/*
 * SysV's semop and SETVAL (kernel feature IPCQ_FEATURE_WAIT_ACQUIRE; not
 * on IPCDEV_SEM_SHARED semaphores: -EOPNOTSUPP): take @n units at once,
 * wait for the value to be 0, set the value (owner or creator).
 */
int ipcdev_sem_acquire_n(ipcdev_sem *s, uint64_t n, int64_t timeout_ns);
int ipcdev_sem_wait_zero(ipcdev_sem *s, int64_t timeout_ns);
int ipcdev_sem_set_value(ipcdev_sem *s, uint64_t value);
int64_t ipcdev_sem_get_value(ipcdev_sem *s);
int ipcdev_sem_stat(ipcdev_sem *s, struct ipcq_sync_stat *st);
int ipcdev_sem_destroy(ipcdev_sem *s);
int ipcdev_sem_unlink(const char *name);
int ipcdev_sem_close(ipcdev_sem *s);
int ipcdev_sem_fd(const ipcdev_sem *s);

/*
 * Lock: acquire returns 0, or -EOWNERDEAD when the previous holder died
 * holding it (the caller holds it now; call ipcdev_lock_consistent()
 * before releasing it, or it becomes unrecoverable: -ENOTRECOVERABLE).
 */
int ipcdev_lock_create(ipcdev_lock **l);
int ipcdev_lock_open(ipcdev_lock **l, const char *name, unsigned int flags,
		     unsigned int mode);
int ipcdev_lock_acquire(ipcdev_lock *l, int64_t timeout_ns);
int ipcdev_lock_release(ipcdev_lock *l);
int ipcdev_lock_consistent(ipcdev_lock *l);
int ipcdev_lock_stat(ipcdev_lock *l, struct ipcq_sync_stat *st);
int ipcdev_lock_destroy(ipcdev_lock *l);
int ipcdev_lock_unlink(const char *name);
int ipcdev_lock_close(ipcdev_lock *l);
int ipcdev_lock_fd(const ipcdev_lock *l);

/* RLock: re-entered by the thread holding it, released only by it. */
int ipcdev_rlock_create(ipcdev_rlock **l);
int ipcdev_rlock_open(ipcdev_rlock **l, const char *name, unsigned int flags,
		      unsigned int mode);
int ipcdev_rlock_acquire(ipcdev_rlock *l, int64_t timeout_ns);
int ipcdev_rlock_release(ipcdev_rlock *l);

int ipcdev_event_create(ipcdev_event **e);
int ipcdev_event_open(ipcdev_event **e, const char *name, unsigned int flags,
		      unsigned int mode);
/*
 * Auto-reset events (kernel feature IPCQ_FEATURE_WAIT_ACQUIRE): a wait
 * that finds one set clears it, so each set lets one waiter through.
 */
int ipcdev_event_create_auto(ipcdev_event **e);
int ipcdev_event_open_auto(ipcdev_event **e, const char *name,
			   unsigned int flags, unsigned int mode);
int ipcdev_event_set(ipcdev_event *e);
int ipcdev_event_clear(ipcdev_event *e);
int ipcdev_event_is_set(ipcdev_event *e);	/* 1, 0 or -errno */
int ipcdev_event_wait(ipcdev_event *e, int64_t timeout_ns);
/* state has IPCQ_SYNC_SET while set; waiters: how many wait. */
int ipcdev_event_stat(ipcdev_event *e, struct ipcq_sync_stat *st);
int ipcdev_event_destroy(ipcdev_event *e);
int ipcdev_event_unlink(const char *name);
int ipcdev_event_close(ipcdev_event *e);
int ipcdev_event_fd(const ipcdev_event *e);

/* Condition(lock): lock is a Lock or RLock handle, kept by the kernel. */
int ipcdev_cond_create(ipcdev_cond **c, ipcdev_lock *lock);
int ipcdev_cond_open(ipcdev_cond **c, const char *name, unsigned int flags,
		     unsigned int mode, ipcdev_lock *lock);
/*
 * The caller holds the condition's lock; it is released while waiting and
 * held again on return, whatever the result. 0 notified, -ETIMEDOUT,
 * -EOWNERDEAD...
 */
int ipcdev_cond_wait(ipcdev_cond *c, int64_t timeout_ns);
/*
 * The caller holds the lock; predicate(arg) runs with it held (first
 * before any wait). 1 once it is true, 0 if still false at the timeout,
 * or -errno of a wait; the lock is held on return.
 */
int ipcdev_cond_wait_for(ipcdev_cond *c, int (*predicate)(void *arg),
			 void *arg, int64_t timeout_ns);
int ipcdev_cond_notify(ipcdev_cond *c, unsigned int n);
int ipcdev_cond_notify_all(ipcdev_cond *c);
int ipcdev_cond_destroy(ipcdev_cond *c);
int ipcdev_cond_unlink(const char *name);
int ipcdev_cond_close(ipcdev_cond *c);
int ipcdev_cond_fd(const ipcdev_cond *c);

/* Barrier(parties): wait returns the arrival index 0..parties-1. */
int ipcdev_barrier_create(ipcdev_barrier **b, unsigned int parties);
int ipcdev_barrier_open(ipcdev_barrier **b, const char *name,
			unsigned int flags, unsigned int mode,
			unsigned int parties);
int ipcdev_barrier_wait(ipcdev_barrier *b, int64_t timeout_ns);
int ipcdev_barrier_abort(ipcdev_barrier *b);
int ipcdev_barrier_reset(ipcdev_barrier *b);
/* The number of parties (up to UINT32_MAX), or -errno. */
int64_t ipcdev_barrier_parties(ipcdev_barrier *b);
int ipcdev_barrier_n_waiting(ipcdev_barrier *b);
int ipcdev_barrier_broken(ipcdev_barrier *b);	/* 1, 0 or -errno */
int ipcdev_barrier_destroy(ipcdev_barrier *b);
int ipcdev_barrier_unlink(const char *name);
int ipcdev_barrier_close(ipcdev_barrier *b);
int ipcdev_barrier_fd(const ipcdev_barrier *b);

/*
 * Shared memory (kernel feature IPCQ_FEATURE_SHM): Python's SharedMemory,
 * Value and Array, with an optional lock bound to the memory (Python's
 * get_lock()) that tells the next holder when the last one died holding
 * it (-EOWNERDEAD) and marks the memory possibly inconsistent until
 * ipcdev_lock_consistent(). A region's size is fixed when it is created
 * (bytes; zero-filled); each handle maps the whole region once, when it
 * is made, read-write or (IPCDEV_SHM_RDONLY) read-only, shared with every
 * process that maps it, and unmaps it when closed. The mapping survives
 * fork(); the memory lives as long as any descriptor or mapping of it.
 * Region handles are not re-owned after fork() (a region file holds
 * nothing per process); their bound lock handle is, like any lock.
 */
typedef struct ipcdev_shm ipcdev_shm;

/* Shared memory flags (the library's own, as the queue flags). */
#define IPCDEV_SHM_RDONLY	(1U << 12)	/* open read-only */
#define IPCDEV_SHM_LOCK		(1U << 13)	/* creating: bind a Lock */
#define IPCDEV_SHM_RLOCK	(1U << 14)	/* creating: bind an RLock */

/* An anonymous region of @size bytes; flags: IPCDEV_SHM_LOCK or _RLOCK. */
int ipcdev_shm_create(ipcdev_shm **m, uint64_t size, unsigned int flags);
/*
 * A named region; flags: IPCDEV_CREATE, IPCDEV_EXCL, IPCDEV_SHM_RDONLY,
 * and (creating) IPCDEV_SHM_LOCK or _RLOCK. @size: creating, its size;
 * opening, 0 or at most its size. @mode applies when this call creates.
 */
int ipcdev_shm_open(ipcdev_shm **m, const char *name, unsigned int flags,
		    unsigned int mode, uint64_t size);
/* *addr: the handle's mapping of the whole region, until close. */
int ipcdev_shm_map(ipcdev_shm *m, void **addr);
/* The size in bytes, as created, or -errno. */
int64_t ipcdev_shm_size(const ipcdev_shm *m);
/*
 * The bound lock, an ordinary Lock or RLock handle belonging to @m (it is
 * closed with @m: do not close it), or NULL if the region has none.
 */
ipcdev_lock *ipcdev_shm_lock(const ipcdev_shm *m);
/* Size, mappings, the bound lock's state, IPCQ_SHM_STATE_INCONSISTENT. */
int ipcdev_shm_stat(ipcdev_shm *m, struct ipcq_shm_stat *st);
int ipcdev_shm_close(ipcdev_shm *m);
int ipcdev_shm_unlink(const char *name);
int ipcdev_shm_fd(const ipcdev_shm *m);
/* A handle for a region fd received from elsewhere; owns @fd on success. */
int ipcdev_shm_from_fd(ipcdev_shm **m, int fd);

/*
 * Value and Array: one C object or an array of them in an anonymous
 * region, typed by Python's ctypes type codes, with the C type each
 * stands for. The memory starts page-aligned, so every element is
 * aligned for its type. By default the region has a bound RLock (as
 * Python's lock=True); IPCDEV_SHM_LOCK binds a Lock instead, IPCDEV_RAW
 * none (RawValue, RawArray). Shared by fork().
 */
#define IPCDEV_C_CHAR		'c'	/* char */
#define IPCDEV_C_BYTE		'b'	/* signed char */
#define IPCDEV_C_UBYTE		'B'	/* unsigned char */
#define IPCDEV_C_SHORT		'h'	/* short */
#define IPCDEV_C_USHORT		'H'	/* unsigned short */
#define IPCDEV_C_INT		'i'	/* int */
#define IPCDEV_C_UINT		'I'	/* unsigned int */
#define IPCDEV_C_LONG		'l'	/* long */
#define IPCDEV_C_ULONG		'L'	/* unsigned long */
#define IPCDEV_C_LONGLONG	'q'	/* long long */
#define IPCDEV_C_ULONGLONG	'Q'	/* unsigned long long */
#define IPCDEV_C_FLOAT		'f'	/* float */
#define IPCDEV_C_DOUBLE		'd'	/* double */

#define IPCDEV_RAW		(1U << 15)	/* no lock */

typedef struct ipcdev_value ipcdev_value;
typedef struct ipcdev_array ipcdev_array;

/* Value(type, *init): @init points at one object of the type, or NULL (0). */
int ipcdev_value_create(ipcdev_value **v, int type, const void *init,
			unsigned int flags);
void *ipcdev_value_ptr(const ipcdev_value *v);
/* The bound lock (do not close it), or NULL for IPCDEV_RAW. */
ipcdev_lock *ipcdev_value_get_lock(const ipcdev_value *v);
int ipcdev_value_close(ipcdev_value *v);

/* Array(type, n): @init points at @n objects of the type, or NULL (0s). */
int ipcdev_array_create(ipcdev_array **a, int type, uint64_t n,
			const void *init, unsigned int flags);
void *ipcdev_array_ptr(const ipcdev_array *a);
/* The number of elements, or -errno. */
int64_t ipcdev_array_len(const ipcdev_array *a);
ipcdev_lock *ipcdev_array_get_lock(const ipcdev_array *a);
int ipcdev_array_close(ipcdev_array *a);

/*
 * multiprocessing.connection.wait: waits until any (or, with
 * IPCDEV_WAIT_ALL, every one at the same moment) of @n objects, given by
 * their fds (ipcdev_queue_fd(), ipcdev_pipe_fd(), ipcdev_sem_fd(), ...,
 * or any pollable fd), is ready: a message or end-of-file to receive, a
 * semaphore unit, a free lock, a set event. Nothing is consumed. Sets
 * ready[i] to 1 or 0 and returns how many are ready, 0 at the timeout, or
 * -errno.
 */
#define IPCDEV_WAIT_ALL		(1U << 0)
int ipcdev_wait(const int *fds, int *ready, unsigned int n,
		unsigned int flags, int64_t timeout_ns);

/*
 * Waits with acquisition (kernel feature IPCQ_FEATURE_WAIT_ACQUIRE): on
 * @n (1..IPCQ_WAIT_ACQUIRE_MAX) handles of semaphores (not SHARED),
 * Locks, RLocks and Events (each an ipcdev_sem *, ipcdev_lock *, ... cast
 * to void *), takes exactly one, the ready one of lowest index, and sets
 * *@index to it; with IPCDEV_WAIT_ALL takes every one at once or none
 * (*@index 0). An @alert event (or NULL) found set ends the wait: 0 with
 * *@index == @n. Returns 0, or -errno: -EOWNERDEAD acquired, but the lock
 * at *@index had a dead holder; -EIDRM, -ENOTRECOVERABLE about the object
 * at *@index, nothing acquired; -EAGAIN, -ETIMEDOUT; -EINVAL; -EBADF.
 */
int ipcdev_wait_acquire(unsigned int *index, void *const *handles,
			unsigned int n, unsigned int flags,
			ipcdev_event *alert, int64_t timeout_ns);

/*
 * Waits with acquisition over queues too (kernel feature
 * IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE): as ipcdev_wait_acquire() without
 * flags (exactly one object, the ready one of lowest index), where a
 * handle may also be an ipcdev_queue * (a consumer) or an ipcdev_pipe *;
 * for those, acquiring is a get into msgs[i] (the others' entries are not
 * used): buf, len (in: its size; out: the message's, also with -EMSGSIZE,
 * the message then staying queued), flags IPCDEV_TYPE_* with match (as
 * ipcdev_queue_get_typed()) and IPCDEV_TRUNCATE; type and prio out. Returns 0, IPCDEV_EOF with *@index the queue
 * at end-of-file (empty, its last producer gone), or -errno: those of
 * ipcdev_wait_acquire(), -ESHUTDOWN (shut down; *@index), -EMSGSIZE
 * (*@index), -EFAULT (the message stays queued).
 */
struct ipcdev_wait_msg {
	void *buf;
	size_t len;
	uint64_t match;
	uint64_t type;
	unsigned int flags;
	unsigned int prio;
};
int ipcdev_wait_acquire_msg(unsigned int *index, void *const *handles,
			    struct ipcdev_wait_msg *msgs, unsigned int n,
			    ipcdev_event *alert, int64_t timeout_ns);

/*
 * Every named object of the caller's IPC namespace (like ipcs(1)):
 * *infos is a malloc()ed array of *n entries, for free().
 */
int ipcdev_list(struct ipcq_object_info **infos, size_t *n);

/*
 * io_uring (kernel feature IPCQ_FEATURE_URING): put, get, send, recv,
 * acquire, release, wait and join as io_uring commands, so one thread can
 * serve many objects through one ring with no thread per blocking call.
 * The functions below fill an SQE the caller got from its ring (liburing's
 * io_uring_get_sqe()), keeping its user_data, and decode the completion
 * (64-byte SQEs: with IORING_SETUP_SQE128, zero sqe->cmd[16..79] too).
 * An operation waits in the kernel, not in a thread, for as long as the
 * blocking call would; its @op (and the buffer) must stay valid until its
 * completion has been decoded. @timeout_ns is as for the blocking calls,
 * turned into a deadline when the SQE is prepared.
 *
 * ipcdev_uring_probe() says whether this works here: 0; -ENOSYS when the
 * kernel has no io_uring or a seccomp filter hides it; -EPERM when it is
 * disabled (sysctl kernel.io_uring_disabled, seccomp, LSM); -EOPNOTSUPP
 * when the module or io_uring lacks the commands; -ENOENT without the
 * module. The blocking API never depends on io_uring.
 *
 * A parked operation is cancelled with ipcdev_uring_prep_cancel() (not
 * IORING_OP_ASYNC_CANCEL, which does not reach driver commands), and ends
 * by itself with -ECANCELED when its ring is closed or its thread exits.
 */
struct io_uring_sqe;
struct io_uring_cqe;

/* The argument of one asynchronous operation; see above for its life. */
struct ipcdev_uring_op {
	union {
		struct ipcq_msg msg;
		struct ipcq_sync_op sync;
		struct ipcq_wait wait;
	} arg;
	uint32_t cmd_op;		/* the ioctl number it carries */
	uint32_t pad;
};

int ipcdev_uring_probe(void);

int ipcdev_uring_prep_put(struct io_uring_sqe *sqe, ipcdev_queue *q,
			  struct ipcdev_uring_op *op, const void *buf,
			  size_t len, int64_t timeout_ns);
int ipcdev_uring_prep_put_prio(struct io_uring_sqe *sqe, ipcdev_queue *q,
			       struct ipcdev_uring_op *op, const void *buf,
			       size_t len, unsigned int prio,
			       int64_t timeout_ns);
int ipcdev_uring_prep_get(struct io_uring_sqe *sqe, ipcdev_queue *q,
			  struct ipcdev_uring_op *op, void *buf, size_t len,
			  int64_t timeout_ns);
int ipcdev_uring_prep_join(struct io_uring_sqe *sqe, ipcdev_queue *q,
			   struct ipcdev_uring_op *op, int64_t timeout_ns);
int ipcdev_uring_prep_send(struct io_uring_sqe *sqe, ipcdev_pipe *p,
			   struct ipcdev_uring_op *op, const void *buf,
			   size_t len, int64_t timeout_ns);
int ipcdev_uring_prep_recv(struct io_uring_sqe *sqe, ipcdev_pipe *p,
			   struct ipcdev_uring_op *op, void *buf, size_t len,
			   int64_t timeout_ns);
int ipcdev_uring_prep_acquire(struct io_uring_sqe *sqe, ipcdev_sem *s,
			      struct ipcdev_uring_op *op, int64_t timeout_ns);
int ipcdev_uring_prep_release(struct io_uring_sqe *sqe, ipcdev_sem *s,
			      struct ipcdev_uring_op *op, uint64_t n);
int ipcdev_uring_prep_wait(struct io_uring_sqe *sqe, ipcdev_event *e,
			   struct ipcdev_uring_op *op, int64_t timeout_ns);
int ipcdev_uring_prep_set(struct io_uring_sqe *sqe, ipcdev_event *e,
			  struct ipcdev_uring_op *op);

/*
 * Cancels parked operations of the ring @sqe belongs to, through any ipcq
 * object @fd: the one whose user_data is @user_data, every such one with
 * IPCDEV_CANCEL_ALL, or every parked one with IPCDEV_CANCEL_ANY. Its
 * completion: how many were cancelled, or -ENOENT.
 */
#define IPCDEV_CANCEL_ALL	IPCQ_CANCEL_ALL
#define IPCDEV_CANCEL_ANY	IPCQ_CANCEL_ANY
int ipcdev_uring_prep_cancel(struct io_uring_sqe *sqe, int fd,
			     uint64_t user_data, unsigned int flags);

/*
 * The operation's result as the blocking call returns it (0, IPCDEV_EOF,
 * or -errno; -ECANCELED if cancelled). For get and recv, *len (if not
 * NULL) is the message's size, also with -EMSGSIZE; *prio (if not NULL)
 * its priority.
 */
int ipcdev_uring_result(const struct io_uring_cqe *cqe,
			const struct ipcdev_uring_op *op, size_t *len,
			unsigned int *prio);

/*
 * Pool (since 0.6): Python's multiprocessing.Pool, a pool of worker
 * processes forked from the caller that run C functions on byte inputs.
 * Each worker talks to the pool through an ipcq pipe of its own; the
 * pool's dispatcher (a thread of the creating process) hands tasks out,
 * at most two batches ahead per worker, and sees a worker's death at
 * once as end-of-file on that pipe (poll, no waitpid loop). The one task
 * the dead worker was running completes with -ECHILD (no libipcdev call
 * returns -ECHILD, so a task that passes a library error on is never
 * taken for one whose worker died), or runs again when attr.retries
 * allows; tasks it had been given but had not started run elsewhere as
 * if nothing happened; a new worker replaces it. Workers die with the
 * dispatcher thread (PR_SET_PDEATHSIG) and leave when the pool's pipe
 * reports end-of-file: a pool whose creator dies leaves no worker behind.
 * The pool is used by the process that created it; from any other
 * process (a worker, a child) every pool call fails with -EDEADLK.
 */
typedef struct ipcdev_pool ipcdev_pool;
typedef struct ipcdev_pool_result ipcdev_pool_result;
typedef struct ipcdev_pool_iter ipcdev_pool_iter;

/*
 * A task: runs in a worker on @in_len bytes at @in, writes its result
 * at @out, whose room *@out_len gives on entry (the pool's result
 * bound), and sets *@out_len to its size (larger than the room: the task
 * fails with -EMSGSIZE). Returns a value >= 0 (success: the
 * value is the result's status) or a negative errno (failure: the result
 * carries it, no bytes). @ctx is the pool's attr.ctx.
 */
typedef int (*ipcdev_pool_fn)(const void *in, size_t in_len, void *out,
			      size_t *out_len, void *ctx);

/* Default bound on one task's result, bytes. */
#define IPCDEV_POOL_RESULT_DEFAULT	(64U * 1024)

/* Creation attributes; zeroes mean "the default". */
struct ipcdev_pool_attr {
	/* Runs once in each worker before its first task; < 0: it exits. */
	int (*initializer)(void *ctx);
	void *ctx;			/* for the initializer and each task */
	uint64_t maxtasksperchild;	/* a worker's tasks; 0: no limit */
	uint64_t max_result;		/* 0: IPCDEV_POOL_RESULT_DEFAULT */
	unsigned int retries;		/* runs again after a worker died */
	unsigned int flags;		/* must be 0 */
	/*
	 * Exec'd workers: each worker runs @program (with @argv, or just
	 * its name), which calls ipcdev_pool_worker() with the same table
	 * of task functions as @functions; tasks must then be among them.
	 * NULL: workers are forks of the creator (no @functions, @argv).
	 */
	const char *program;
	char *const *argv;
	const ipcdev_pool_fn *functions;
	unsigned int nfunctions;
};

/*
 * In a program a pool started as a worker (attr.program): serves the
 * pool's tasks, @functions being the pool's attr.functions in the same
 * order, after @initializer(@ctx) (NULL: none; < 0: the worker exits);
 * exits when the pool is done with it. Returns only on failure: -EINVAL
 * when not started by a pool or called with no functions, or -errno.
 */
int ipcdev_pool_worker(const ipcdev_pool_fn *functions, unsigned int n,
		       int (*initializer)(void *ctx), void *ctx);

/* What ipcdev_pool_stat() reports; counts since the pool was created. */
struct ipcdev_pool_stat {
	uint32_t processes;	/* workers the pool keeps */
	uint32_t alive;		/* workers running now */
	uint64_t queued;	/* tasks submitted, not yet given to a worker */
	uint64_t running;	/* given to a worker, not yet completed */
	uint64_t done;		/* completed with a status >= 0 */
	uint64_t failed;	/* completed with an error (any) */
	uint64_t died;		/* tasks completed with -ECHILD or retried */
	uint64_t retried;	/* tasks run again after their worker died */
	uint64_t respawns;	/* workers started to replace one gone */
};

/* One input (and output) of map, imap and imap_unordered. */
struct ipcdev_pool_item {
	const void *in;		/* the task's input */
	size_t in_len;
	void *out;		/* map: where the result goes */
	size_t out_len;		/* map: in, out's size; out, the result's */
	int status;		/* map: the task's status or -errno */
};

/* Pool(processes): @processes 0 is the number of CPUs; attr may be NULL. */
int ipcdev_pool_create(ipcdev_pool **p, unsigned int processes,
		       const struct ipcdev_pool_attr *attr);
/* apply(): runs fn(in) and waits for its result: its status or -errno. */
int ipcdev_pool_apply(ipcdev_pool *p, ipcdev_pool_fn fn, const void *in,
		      size_t in_len, void *out, size_t *out_len,
		      int64_t timeout_ns);
/* apply_async(): *r, a result handle, to ipcdev_pool_result_free(). */
int ipcdev_pool_apply_async(ipcdev_pool *p, ipcdev_pool_fn fn,
			    const void *in, size_t in_len,
			    ipcdev_pool_result **r);
/*
 * map(): fn over @n items (@chunksize tasks per message; 0: as Python
 * chooses), in order; returns how many items failed (their status < 0),
 * or -errno.
 */
int ipcdev_pool_map(ipcdev_pool *p, ipcdev_pool_fn fn,
		    struct ipcdev_pool_item *items, size_t n, size_t chunksize,
		    int64_t timeout_ns);
/* imap() and imap_unordered(): an iterator over the results. */
int ipcdev_pool_imap(ipcdev_pool_iter **it, ipcdev_pool *p, ipcdev_pool_fn fn,
		     const struct ipcdev_pool_item *items, size_t n,
		     size_t chunksize);
int ipcdev_pool_imap_unordered(ipcdev_pool_iter **it, ipcdev_pool *p,
			       ipcdev_pool_fn fn,
			       const struct ipcdev_pool_item *items, size_t n,
			       size_t chunksize);
/*
 * The next result (in input order, or as they complete): 0 with its
 * item's index and status, IPCDEV_EOF when every result has been given,
 * or -errno (-ETIMEDOUT; -EMSGSIZE: *out_len too small, set to the size).
 */
int ipcdev_pool_iter_next(ipcdev_pool_iter *it, size_t *index, int *status,
			  void *out, size_t *out_len, int64_t timeout_ns);
int ipcdev_pool_iter_free(ipcdev_pool_iter *it);
/* close(): no more tasks (-ESHUTDOWN); the workers leave when idle. */
int ipcdev_pool_close(ipcdev_pool *p);
/* terminate(): kills the workers; tasks not done fail with -ECANCELED. */
int ipcdev_pool_terminate(ipcdev_pool *p);
/* join(): after close or terminate, waits for every worker to be gone. */
int ipcdev_pool_join(ipcdev_pool *p, int64_t timeout_ns);
int ipcdev_pool_stat(ipcdev_pool *p, struct ipcdev_pool_stat *st);
/* Terminates and joins the pool if need be, and frees it. */
int ipcdev_pool_free(ipcdev_pool *p);

/*
 * AsyncResult: get() waits for the result and returns its status (the
 * task's value >= 0, or its error), copying its bytes to @out (*out_len:
 * in, the room; out, the size; -EMSGSIZE if too small); -ETIMEDOUT when
 * not complete in time (ipcdev_pool_result_ready() tells it from a task
 * that failed with -ETIMEDOUT).
 */
int ipcdev_pool_result_get(ipcdev_pool_result *r, void *out, size_t *out_len,
			   int64_t timeout_ns);
int ipcdev_pool_result_wait(ipcdev_pool_result *r, int64_t timeout_ns);
int ipcdev_pool_result_ready(ipcdev_pool_result *r);	/* 1 or 0 */
/* 1 or 0 once complete; -EAGAIN before. */
int ipcdev_pool_result_successful(ipcdev_pool_result *r);
/* A descriptor that polls readable once complete; the handle owns it. */
int ipcdev_pool_result_fd(ipcdev_pool_result *r);
int ipcdev_pool_result_free(ipcdev_pool_result *r);

#ifdef __cplusplus
}
#endif

#endif /* IPCDEV_H */
