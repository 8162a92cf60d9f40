/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ipcq: kernel-backed message queues, pipes and synchronisation objects.
 *
 * This header is the whole ABI between the ipcq module (/dev/ipcq) and
 * userspace. Rules it follows, so that it can grow without breaking anyone:
 *
 *  - Only <linux/types.h> types; pointers travel as __u64; every struct is a
 *    multiple of 8 bytes with explicit padding.
 *  - Every reserved or padding field must be zero on input; the kernel fails
 *    the call with EINVAL otherwise, so those bits can be given a meaning later.
 *  - Unknown flag bits: EINVAL. Unknown ioctl number: ENOTTY.
 *  - New behaviour gets a new ioctl number or a feature bit, never a changed
 *    struct layout.
 *  - Deadlines are absolute CLOCK_MONOTONIC times in nanoseconds, so a call
 *    interrupted by a signal restarts without stretching its wait.
 *
 * Start every session with IPCQ_IOC_API: the library tells the kernel which
 * API version it speaks and learns which features the kernel offers.
 */
#ifndef _UAPI_LINUX_IPCQ_H
#define _UAPI_LINUX_IPCQ_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* ioctl magic, free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define IPCQ_IOC_MAGIC		0xD1

/*
 * API version. Version 1 is the first one. A caller passes the newest
 * version it understands; the kernel answers with the version both speak.
 */
#define IPCQ_API_VERSION	1

/*
 * Feature bits reported by IPCQ_IOC_API. A bit is set only when every
 * ioctl and behaviour it names is implemented by the running module.
 */
#define IPCQ_FEATURE_API	((__u64)1 << 0)	/* the handshake itself */

/**
 * struct ipcq_api - argument of IPCQ_IOC_API
 * @api_version:     in: newest API version the caller speaks (>= 1);
 *                   out: the version the kernel will speak with it, the
 *                   smaller of the caller's and the kernel's.
 * @flags:           in: must be zero (no flags defined yet).
 * @features:        out: IPCQ_FEATURE_* bits available at @api_version.
 * @max_msg_size:    out: largest message any object accepts, in bytes
 *                   (module parameter max_msg_size).
 * @max_queue_bytes: out: largest number of payload bytes one object may
 *                   hold at a time (module parameter max_queue_bytes).
 * @max_objects:     out: most objects one user may own at a time
 *                   (module parameter max_objects_per_user).
 * @reserved:        in: must be zero; out: zero.
 *
 * Errors: EINVAL if @api_version is 0, @flags or @reserved is nonzero;
 * EFAULT if the argument is not readable and writable.
 */
struct ipcq_api {
	__u32 api_version;
	__u32 flags;
	__u64 features;
	__u64 max_msg_size;
	__u64 max_queue_bytes;
	__u64 max_objects;
	__u64 reserved[3];
};

/*
 * ioctl numbers. Ranges, so each concept has room to grow:
 *   0x00-0x0f  device (/dev/ipcq) ioctls
 *   0x10-0x2f  message queues
 *   0x30-0x3f  pipes
 *   0x40-0x5f  synchronisation objects
 *   0x60-0x6f  rings
 */
#define IPCQ_IOC_API		_IOWR(IPCQ_IOC_MAGIC, 0x00, struct ipcq_api)

#endif /* _UAPI_LINUX_IPCQ_H */
