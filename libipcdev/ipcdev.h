/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcdev: Python multiprocessing's toolbox (Queue, Pipe, Semaphore, ...)
 * for C, backed by the ipcq kernel module (/dev/ipcq).
 *
 * Conventions, for every function of this library:
 *  - returns 0 or a positive value on success, a negative errno on failure
 *    (never -1 with errno set);
 *  - thread-safe, and safe to use in a child after fork();
 *  - file descriptors the library opens are close-on-exec.
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

/* Library version, also returned at run time by ipcdev_version(). */
#define IPCDEV_VERSION_MAJOR	0
#define IPCDEV_VERSION_MINOR	1
#define IPCDEV_VERSION_PATCH	0

/* What the running kernel module offers; filled by ipcdev_query(). */
struct ipcdev_info {
	unsigned int api_version;	/* API version agreed with the kernel */
	uint64_t features;		/* IPCQ_FEATURE_* bits */
	uint64_t max_msg_size;		/* largest message, bytes */
	uint64_t max_queue_bytes;	/* most bytes one object holds */
	uint64_t max_objects;		/* most objects per user */
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

/* Returned by the get calls at end-of-file: empty, no producer left. */
#define IPCDEV_EOF		1

/* Flags of ipcdev_queue_open() and ipcdev_queue_endpoint(). */
#define IPCDEV_PRODUCER		IPCQ_OPEN_PRODUCER	/* may put */
#define IPCDEV_CONSUMER		IPCQ_OPEN_CONSUMER	/* may get */
#define IPCDEV_CREATE		IPCQ_OPEN_CREATE	/* create if missing */
#define IPCDEV_EXCL		IPCQ_OPEN_EXCL		/* must not exist */

/* A queue handle; one per open queue file. */
typedef struct ipcdev_queue ipcdev_queue;

/* Creation attributes; zeroes mean "the default". */
struct ipcdev_queue_attr {
	uint64_t maxsize;	/* most messages; 0: no count limit */
	uint64_t max_msg_size;	/* largest message; 0: module's limit */
};

/* Queue(maxsize): a new anonymous queue, producer and consumer. */
int ipcdev_queue_create(ipcdev_queue **q, uint64_t maxsize);
/* SimpleQueue(): an anonymous queue without count limit. */
int ipcdev_simplequeue_create(ipcdev_queue **q);
/* JoinableQueue(maxsize): every queue counts tasks; this is Queue. */
int ipcdev_joinablequeue_create(ipcdev_queue **q, uint64_t maxsize);
/* A named queue; flags: IPCDEV_PRODUCER/CONSUMER (none: both), CREATE,
 * EXCL; mode and attr apply when this call creates it (attr may be NULL).
 */
int ipcdev_queue_open(ipcdev_queue **q, const char *name, unsigned int flags,
		      unsigned int mode, const struct ipcdev_queue_attr *attr);
/* A new handle with its own endpoint file (roles: subset of q's). */
int ipcdev_queue_endpoint(ipcdev_queue *q, unsigned int roles,
			  ipcdev_queue **out);
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
 * the handle owns @fd from then on. -ENOTTY: not a queue.
 */
int ipcdev_queue_from_fd(int fd, ipcdev_queue **q);

int ipcdev_queue_shutdown(ipcdev_queue *q, int immediate);
int ipcdev_queue_task_done(ipcdev_queue *q);
int ipcdev_queue_join(ipcdev_queue *q, int64_t timeout_ns);

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
int ipcdev_pipe_poll(ipcdev_pipe *p, int64_t timeout_ns);
int ipcdev_pipe_stat(ipcdev_pipe *p, struct ipcq_pipe_stat *st);
int ipcdev_pipe_close(ipcdev_pipe *p);
int ipcdev_pipe_fd(const ipcdev_pipe *p);
/* A handle for a pipe end fd received from elsewhere; owns @fd. */
int ipcdev_pipe_from_fd(int fd, ipcdev_pipe **p);

#ifdef __cplusplus
}
#endif

#endif /* IPCDEV_H */
