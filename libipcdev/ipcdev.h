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

#ifdef __cplusplus
}
#endif

#endif /* IPCDEV_H */
