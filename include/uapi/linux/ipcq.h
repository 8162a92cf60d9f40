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
#define IPCQ_FEATURE_QUEUE	((__u64)1 << 1)	/* message queues, names */
#define IPCQ_FEATURE_PIPE	((__u64)1 << 2)	/* two-ended pipes */
#define IPCQ_FEATURE_SYNC	((__u64)1 << 3)	/* semaphores, locks, events,
						 * conditions, barriers
						 */
#define IPCQ_FEATURE_LIST	((__u64)1 << 4)	/* IPCQ_IOC_LIST */
#define IPCQ_FEATURE_RING	((__u64)1 << 5)	/* IPCQ_OPEN_RING queues */
#define IPCQ_FEATURE_SEM_SHARED	((__u64)1 << 6)	/* IPCQ_SYNC_SHARED semaphores */
#define IPCQ_FEATURE_URING	((__u64)1 << 7)	/* io_uring commands, see
						 * struct ipcq_uring_cmd
						 */
#define IPCQ_FEATURE_SHM	((__u64)1 << 8)	/* shared memory regions,
						 * IPCQ_IOC_SHM_OPEN
						 */
/* What POSIX message queues need: IPCQ_OPEN_NOHUP, IPCQ_IOC_QUEUE_NOTIFY,
 * O_NONBLOCK queue files.
 */
#define IPCQ_FEATURE_QUEUE_POSIX ((__u64)1 << 9)
#define IPCQ_FEATURE_LISTENER	((__u64)1 << 10) /* listeners, connect,
						  * accept, peer credentials
						  * in struct ipcq_pipe_stat
						  */
/*
 * Waiting with acquisition: IPCQ_IOC_WAIT_ACQUIRE, IPCQ_SYNC_AUTO_RESET
 * events, IPCQ_IOC_SEM_ACQUIRE_N, _SEM_WAIT_ZERO and _SEM_SET_VALUE.
 */
#define IPCQ_FEATURE_WAIT_ACQUIRE ((__u64)1 << 11)
/* What SysV message-queue users need: typed messages and selective get
 * (struct ipcq_msg.type, IPCQ_MSG_TYPE_EQ/_LE/_NE), IPCQ_MSG_TRUNCATE,
 * puts that wait for the byte limit, IPCQ_IOC_SET (SysV IPC_SET).
 */
#define IPCQ_FEATURE_QUEUE_SYSV	((__u64)1 << 12)
/* Batches: IPCQ_IOC_QUEUE_PUT_MANY, _GET_MANY, IPCQ_IOC_PIPE_SEND_MANY,
 * _RECV_MANY (struct ipcq_batch), also as io_uring commands.
 */
#define IPCQ_FEATURE_BATCH	((__u64)1 << 13)
/*
 * IPCQ_IOC_WAIT_ACQUIRE's ANY also gets from queue consumer files and pipe
 * ends (struct ipcq_wait_acquire.msgs); without it they fail with ENOTTY.
 */
#define IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE ((__u64)1 << 14)
/* IPCQ_SYNC_SHARED locks: IPCQ_IOC_LOCK_SHARE, IPCQ_IOC_LOCK_WAKE. */
#define IPCQ_FEATURE_LOCK_SHARED ((__u64)1 << 15)
/*
 * IPCQ_IOC_QUEUE_NOTIFY on ring queues (IPCQ_OPEN_RING): while a
 * registration exists the route word sends every put and get through the
 * kernel. Without it NOTIFY fails on a ring queue with EOPNOTSUPP.
 */
#define IPCQ_FEATURE_RING_NOTIFY ((__u64)1 << 16)
/* read(2) and write(2) on queue files and pipe ends: one message each. */
#define IPCQ_FEATURE_QUEUE_RW	((__u64)1 << 17)

/* Deadline meaning "block until the call can complete". */
#define IPCQ_DEADLINE_FOREVER	(~(__u64)0)

/* Longest object name in bytes; names are printable ASCII without '/'. */
#define IPCQ_NAME_MAX		255

/* Highest message priority; higher priorities are delivered first. */
#define IPCQ_PRIO_MAX		32767

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
 * @max_shm_bytes:   in: must be zero; out: most bytes of shared memory
 *                   regions one user may own at a time, counted in whole
 *                   pages (module parameter max_shm_bytes_per_user).
 *                   This was the first reserved word before
 *                   IPCQ_FEATURE_SHM: a kernel without the feature leaves
 *                   it zero, and every kernel rejects a nonzero input.
 * @reserved:        in: must be zero; out: zero.
 *
 * Errors: EINVAL if @api_version is 0, @flags, @max_shm_bytes or
 * @reserved is nonzero; EFAULT if the argument is not readable and
 * writable.
 */
struct ipcq_api {
	__u32 api_version;
	__u32 flags;
	__u64 features;
	__u64 max_msg_size;
	__u64 max_queue_bytes;
	__u64 max_objects;
	__u64 max_shm_bytes;
	__u64 reserved[2];
};

/* Object types, for IPCQ_IOC_UNLINK, IPCQ_IOC_SYNC_OPEN and introspection. */
#define IPCQ_TYPE_QUEUE		1
#define IPCQ_TYPE_SEM		2	/* Semaphore, BoundedSemaphore */
#define IPCQ_TYPE_LOCK		3	/* Lock, RLock */
#define IPCQ_TYPE_EVENT		4
#define IPCQ_TYPE_COND		5	/* Condition, bound to a lock */
#define IPCQ_TYPE_BARRIER	6
#define IPCQ_TYPE_SHM		7	/* shared memory region */
#define IPCQ_TYPE_LISTENER	8	/* Listener: connections by name */

/*
 * Flags of IPCQ_IOC_QUEUE_OPEN and IPCQ_IOC_QUEUE_REOPEN.
 *
 * Every queue file is an endpoint: a producer (may put), a consumer (may
 * get), or both; with neither it is an observer (stat, shutdown, task_done,
 * join; put and get fail with EBADF) that needs read permission and is no
 * endpoint, for tools that manage queues. The queue counts its
 * producer and consumer files: once the last producer file is released
 * (closed, or its process died) an empty queue reports end-of-file to
 * getters; once the last consumer file is released, put fails with EPIPE.
 * Those states are reached only after a producer (consumer) has existed.
 */
#define IPCQ_OPEN_PRODUCER	(1U << 0)	/* may put: needs write permission */
#define IPCQ_OPEN_CONSUMER	(1U << 1)	/* may get: needs read permission */
#define IPCQ_OPEN_CREATE	(1U << 2)	/* create the named queue if missing */
#define IPCQ_OPEN_EXCL		(1U << 3)	/* with CREATE: EEXIST if it exists */
#define IPCQ_OPEN_CLOEXEC	(1U << 4)	/* the new fd is close-on-exec */
#define IPCQ_OPEN_RING		(1U << 5)	/* create with a shared ring */
#define IPCQ_OPEN_NOHUP		(1U << 6)	/* create a queue without
						 * end-of-file or EPIPE
						 */

/**
 * struct ipcq_queue_open - argument of IPCQ_IOC_QUEUE_OPEN
 * @name:         in: user address of the name (not NUL-terminated), or 0
 *                for a new anonymous queue.
 * @name_len:     in: bytes at @name, 1..IPCQ_NAME_MAX; 0 when @name is 0.
 * @flags:        in: IPCQ_OPEN_* flags.
 * @mode:         in: permission bits (0777 mask) of a queue this call
 *                creates, filtered by the caller's umask; ignored when an
 *                existing queue is opened. Owner: the caller's euid/egid.
 *                Read permission allows get, write permission allows put.
 * @pad:          in: must be zero.
 * @capacity:     in: most messages the queue holds (Queue(maxsize)), 0 for
 *                no count limit (SimpleQueue); ignored when opening.
 * @max_msg_size: in: largest message in bytes, 0 for the module's
 *                max_msg_size; ignored when opening an existing queue.
 * @slot_size:    in: with IPCQ_OPEN_RING, payload bytes per ring slot,
 *                0 for IPCQ_RING_SLOT_DEFAULT (capped at @max_msg_size);
 *                must be zero without IPCQ_OPEN_RING.
 * @reserved:     in: must be zero.
 *
 * IPCQ_OPEN_RING (feature IPCQ_FEATURE_RING) gives the queue it creates a
 * ring that its users map (see IPCQ_IOC_RING_ATTACH); ignored when an
 * existing queue is opened. The ring has @capacity slots, or
 * IPCQ_RING_SLOTS_DEFAULT when @capacity is 0 (the queue still has no
 * count limit: what does not fit is kept by the kernel).
 *
 * IPCQ_OPEN_NOHUP (feature IPCQ_FEATURE_QUEUE_POSIX) creates a queue that
 * never reports the loss of its last producer or consumer: an empty
 * queue's getters wait (or time out) after the last producer is gone,
 * puts succeed with no consumer left, and poll reports neither EPOLLHUP
 * nor EPOLLERR for it (shutdown still does), as POSIX message queues and
 * servers on named queues want. Ignored when an existing queue is opened
 * (its stat has IPCQ_STATE_NOHUP if it was created so).
 *
 * Returns the new queue fd. Anonymous queues are always created and live
 * as long as a file refers to them; named queues live in the caller's IPC
 * namespace until unlinked, then as long as a file refers to them.
 *
 * Errors: EINVAL bad flags, name, mode, pad or reserved, or max_msg_size
 * above the module limit; ENAMETOOLONG @name_len > IPCQ_NAME_MAX; ENOENT no
 * such queue without CREATE; EEXIST it exists with CREATE|EXCL; EACCES the
 * mode bits deny a requested endpoint; ENOSPC the owner has
 * max_objects_per_user objects; ENOMEM; EMFILE; EFAULT. With
 * IPCQ_OPEN_RING, EINVAL also when @capacity is above IPCQ_RING_SLOTS_MAX,
 * @slot_size above IPCQ_RING_SLOT_MAX, or the ring would be larger than
 * the module's max_queue_bytes.
 */
struct ipcq_queue_open {
	__u64 name;
	__u32 name_len;
	__u32 flags;
	__u32 mode;
	__u32 pad;
	__u64 capacity;
	__u64 max_msg_size;
	__u64 slot_size;
	__u64 reserved[2];
};

/**
 * struct ipcq_unlink - argument of IPCQ_IOC_UNLINK
 * @name:     in: user address of the name.
 * @name_len: in: bytes at @name, 1..IPCQ_NAME_MAX.
 * @type:     in: IPCQ_TYPE_* of the object to unlink.
 * @reserved: in: must be zero.
 *
 * Removes the name; the object lives on while files refer to it.
 * Errors: EINVAL, ENAMETOOLONG, ENOENT, EPERM (the caller is neither the
 * owner nor the creator and lacks CAP_IPC_OWNER), EFAULT.
 */
struct ipcq_unlink {
	__u64 name;
	__u32 name_len;
	__u32 type;
	__u64 reserved[2];
};

/* Flags of struct ipcq_msg. */
#define IPCQ_MSG_NONBLOCK	(1U << 0)	/* EAGAIN instead of blocking */
#define IPCQ_MSG_PEEK		(1U << 1)	/* get: copy, leave it queued */
/* Get: which messages it takes, by @type (IPCQ_FEATURE_QUEUE_SYSV). */
#define IPCQ_MSG_TYPE_EQ	(1U << 2)	/* type == @type */
#define IPCQ_MSG_TYPE_LE	(1U << 3)	/* type <= @type, lowest first */
#define IPCQ_MSG_TYPE_NE	(1U << 4)	/* type != @type */
/* Get: a message longer than the buffer is taken, cut to it. */
#define IPCQ_MSG_TRUNCATE	(1U << 5)

/* Return value of IPCQ_IOC_QUEUE_GET at end-of-file (0: a message). */
#define IPCQ_GET_EOF		1

/**
 * struct ipcq_msg - argument of IPCQ_IOC_QUEUE_PUT and IPCQ_IOC_QUEUE_GET
 * @buf:      in: user address of the message (put) or of the buffer (get).
 * @len:      put in: message bytes (0 allowed). get in: buffer bytes;
 *            get out: message bytes, also when get fails with EMSGSIZE.
 * @deadline: in: absolute CLOCK_MONOTONIC time in ns after which a blocked
 *            call fails with ETIMEDOUT; IPCQ_DEADLINE_FOREVER never.
 * @flags:    in: IPCQ_MSG_* flags.
 * @priority: put in: 0..IPCQ_PRIO_MAX. get out: the message's priority.
 * @type:     put in: the message's type, any value (0: untyped). get in:
 *            with IPCQ_MSG_TYPE_EQ, _LE or _NE the type to match, else
 *            must be zero; get out: the message's type. This was the first
 *            reserved word before IPCQ_FEATURE_QUEUE_SYSV: a kernel without
 *            the feature rejects a nonzero one with EINVAL.
 * @reserved: in: must be zero.
 *
 * Messages are delivered highest priority first, FIFO within a priority
 * (on a ring queue, in the order the puts took their place; see Rings).
 *
 * Typed messages (IPCQ_FEATURE_QUEUE_SYSV), SysV msgsnd/msgrcv: a get with
 * at most one of IPCQ_MSG_TYPE_EQ (type == @type), IPCQ_MSG_TYPE_LE (the
 * lowest type present that is <= @type: SysV's negative msgtyp) or
 * IPCQ_MSG_TYPE_NE (type != @type: SysV's MSG_EXCEPT) takes the first
 * message, in the queue's order (priority, then arrival), among those that
 * match; without one it takes the first message of any type. Type and
 * priority are independent: the type selects, the priority orders within
 * the selection. The queue keeps an index per type, so EQ and LE cost
 * about what a plain get does however many messages of other types are
 * queued; NE steps over the messages of type @type that come first. On a
 * ring queue, typed messages (type != 0) travel through the kernel, never
 * the ring, and ring messages have type 0. A queue on which a get has
 * waited with a type to match wakes every blocked getter on each put from
 * then on (each looks for its own type); gets by type parked as io_uring
 * commands complete as their messages come, not in the order they were
 * parked. PEEK, NONBLOCK, deadlines and
 * TRUNCATE apply as to any get; when nothing it selects is queued, a
 * selective get fails with ESHUTDOWN on a shut down queue and returns
 * IPCQ_GET_EOF once the last producer is gone (nothing it selects can
 * come), messages of other types remaining queued.
 *
 * IPCQ_MSG_TRUNCATE (IPCQ_FEATURE_QUEUE_SYSV; SysV's MSG_NOERROR): a get
 * whose buffer is shorter than the message takes it all the same, copies
 * the first @len bytes and reports the message's full size in @len (more
 * than the buffer: the rest is lost). Without it such a get fails with
 * EMSGSIZE and the message stays.
 *
 * Byte limit: a put that would take the queue past its max_bytes waits for
 * room as one that finds the queue at capacity does (NONBLOCK: EAGAIN;
 * deadline: ETIMEDOUT; since IPCQ_FEATURE_QUEUE_SYSV, before which it
 * failed with ENOBUFS); it fails with ENOBUFS only when @len alone exceeds
 * max_bytes. Every get that frees bytes while such a put waits wakes every
 * waiting putter. poll's EPOLLOUT reports room by count only.
 *
 * A queue file whose status flags have O_NONBLOCK (fcntl(F_SETFL), feature
 * IPCQ_FEATURE_QUEUE_POSIX) puts and gets as if IPCQ_MSG_NONBLOCK were
 * set, through ioctl(2) only (io_uring commands park as ever): POSIX's
 * O_NONBLOCK per open message queue description.
 *
 * read(2) and write(2) on a queue file (IPCQ_FEATURE_QUEUE_RW) move one
 * message each, as a get and a put without flags, priority, type or
 * deadline would; on a pipe end, as its receive and send. write(2) puts
 * all its bytes (writev(2): its segments gathered) as one message of
 * priority 0 and returns their count. read(2) takes the next message of
 * any priority and type into its buffer (readv(2): scattered) and returns
 * its length, or 0 at end-of-file. A call of 0 bytes does nothing and
 * returns 0, as POSIX allows: empty messages are put and taken through
 * the ioctls only. Both wait until
 * they can complete, unless the file has O_NONBLOCK or the call
 * RWF_NOWAIT (preadv2(2), pwritev2(2)): EAGAIN.
 * Their errors are the put's and the get's, with two more of read(2),
 * each leaving the message queued for the ioctl to tell or take: EMSGSIZE
 * the buffer is shorter than the message, ENOMSG the message is empty
 * (a read of it could not be told from end-of-file). EPIPE raises no
 * SIGPIPE. There is no file position: lseek(2), pread(2) and pwrite(2)
 * fail with ESPIPE. io_uring's IORING_OP_READ and IORING_OP_WRITE behave
 * as read(2) and write(2); where those would wait, the request waits (for
 * poll's readiness, or in io_uring's worker) and tries again.
 *
 * Put errors: EBADF not a producer file; ESHUTDOWN queue shut down; EPIPE
 * no consumer left; EMSGSIZE @len above the queue's max_msg_size; ENOBUFS
 * @len above the queue's max_bytes; EAGAIN full (count or bytes) with
 * NONBLOCK; ETIMEDOUT full past @deadline; ENOMEM; EFAULT; EINVAL.
 *
 * Get returns 0 with a message, IPCQ_GET_EOF when the queue is empty and
 * its last producer is gone. Errors: EBADF not a consumer file; ESHUTDOWN
 * shut down and empty; EMSGSIZE buffer too small (the message stays
 * queued, @len tells its size); EAGAIN empty with NONBLOCK; ETIMEDOUT
 * empty past @deadline; EFAULT (the message stays queued); EBADMSG the
 * next message of a ring queue was corrupt (it is dropped); ENOMEM;
 * EINVAL (also: more than one IPCQ_MSG_TYPE_* flag, or a nonzero @type
 * without one). Interrupted calls restart (the deadline is absolute).
 */
struct ipcq_msg {
	__u64 buf;
	__u64 len;
	__u64 deadline;
	__u32 flags;
	__u32 priority;
	__u64 type;
	__u64 reserved;
};

/* Most messages one batch carries (struct ipcq_batch.count). */
#define IPCQ_BATCH_MAX		1024

/* Flags of struct ipcq_batch. */
#define IPCQ_BATCH_NONBLOCK	(1U << 0)	/* EAGAIN instead of waiting
						 * for the first message
						 */

/**
 * struct ipcq_batch - argument of IPCQ_IOC_QUEUE_PUT_MANY, _GET_MANY,
 *                     IPCQ_IOC_PIPE_SEND_MANY and _RECV_MANY
 * @msgs:     in: user address of an array of @count struct ipcq_msg, one
 *            per message, read (and for a get written) as by the single
 *            put and get, but for their @deadline, which must be zero
 *            (the batch's counts), and their @flags: a put entry's must
 *            be zero; a get entry may have IPCQ_MSG_TYPE_EQ, _LE or _NE
 *            (with its @type) and IPCQ_MSG_TRUNCATE, no other.
 * @count:    in: messages in @msgs, 1..IPCQ_BATCH_MAX.
 * @flags:    in: IPCQ_BATCH_* flags.
 * @deadline: in: absolute CLOCK_MONOTONIC ns after which the wait for the
 *            first message ends with ETIMEDOUT; IPCQ_DEADLINE_FOREVER.
 * @done:     out: messages moved, the call's positive return value (0 when
 *            it failed or at end-of-file).
 * @pad:      in: must be zero.
 * @reserved: in: must be zero.
 *
 * Batches (IPCQ_FEATURE_BATCH), as sendmmsg(2) and recvmmsg(2): one call
 * moves up to @count messages, in the order of @msgs, each exactly as the
 * single put (get) of its entry would, with every promise of the queue
 * kept: priority order and FIFO within a priority, type selection and
 * truncation per entry, count and byte limits, one JoinableQueue task per
 * message, poll and notify wake-ups, ring queues. Only the first message
 * waits (to @deadline, not with IPCQ_BATCH_NONBLOCK or an O_NONBLOCK
 * file): once one has moved, the call moves the rest only while it can
 * without waiting and returns how many it moved (never more than the room,
 * or the messages, there are: a batch larger than the room left returns
 * what fitted).
 *
 * Partial success, the sendmmsg rule: when entry k (k >= 1) cannot move,
 * whatever the reason (no room or nothing to get, an error of its own:
 * EMSGSIZE, EFAULT, EINVAL..., end-of-file, shutdown), the call returns k
 * and entry k and those after it are untouched, nothing of them moved
 * and nothing written to them (a get's EMSGSIZE tells the size only when
 * its entry is the first of a call). Nothing is
 * remembered: a caller that goes on with entry k as the first of its next
 * call gets that entry's error then, as a single put or get would. Only
 * when the first entry cannot move does the call fail, with that entry's
 * error, as the single call would.
 *
 * Returns the number of messages moved, 1..@count. A get batch returns 0
 * (not IPCQ_GET_EOF) at end-of-file: when the queue is empty and its last
 * producer is gone before its first message; the messages before
 * end-of-file come in earlier calls, the last of them returning the count
 * it got. A count of 0 is EINVAL (0 means end-of-file).
 *
 * Errors: those of the single put (get) of the first entry; EINVAL also
 * for @count 0 or above IPCQ_BATCH_MAX, unknown @flags, nonzero @pad,
 * @reserved or entry @deadline, a put entry with flags, a get entry with
 * IPCQ_MSG_NONBLOCK or IPCQ_MSG_PEEK; EFAULT for an unreadable argument or
 * a first entry that cannot be read. As io_uring commands
 * (IORING_OP_URING_CMD with the ioctl's number) a batch parks while its
 * first message waits; cqe->res is the ioctl's return value.
 */
struct ipcq_batch {
	__u64 msgs;
	__u32 count;
	__u32 flags;
	__u64 deadline;
	__u32 done;
	__u32 pad;
	__u64 reserved[2];
};

/* Bits of struct ipcq_queue_stat.state. */
#define IPCQ_STATE_SHUTDOWN	(1U << 0)	/* shutdown was called */
#define IPCQ_STATE_NAMED	(1U << 1)	/* reachable by name */
#define IPCQ_STATE_RING		(1U << 2)	/* has a ring (IPCQ_OPEN_RING) */
#define IPCQ_STATE_NOHUP	(1U << 3)	/* created with IPCQ_OPEN_NOHUP */
#define IPCQ_STATE_NOTIFY	(1U << 4)	/* a notification is registered */

/**
 * struct ipcq_queue_stat - argument of IPCQ_IOC_QUEUE_STAT, all out
 * @messages:        messages queued.
 * @bytes:           payload bytes queued.
 * @capacity:        most messages (0: no count limit).
 * @max_msg_size:    largest message accepted.
 * @max_bytes:       most payload bytes the queue holds.
 * @unfinished:      unfinished tasks: puts minus task_done calls.
 * @putters:         callers blocked in put.
 * @getters:         callers blocked in get.
 * @joiners:         callers blocked in join.
 * @producers:       producer files open.
 * @consumers:       consumer files open.
 * @state:           IPCQ_STATE_* bits.
 * @endpoint:        IPCQ_OPEN_PRODUCER/CONSUMER bits of the file asked.
 * @pad:             zero.
 * @reserved:        zero.
 */
struct ipcq_queue_stat {
	__u64 messages;
	__u64 bytes;
	__u64 capacity;
	__u64 max_msg_size;
	__u64 max_bytes;
	__u64 unfinished;
	__u32 putters;
	__u32 getters;
	__u32 joiners;
	__u32 producers;
	__u32 consumers;
	__u32 state;
	__u32 endpoint;
	__u32 pad;
	__u64 reserved[4];
};

/**
 * struct ipcq_task_done - argument of IPCQ_IOC_QUEUE_TASK_DONE
 * @count:    in: tasks finished, >= 1.
 * @reserved: in: must be zero.
 *
 * Errors: ERANGE @count exceeds the unfinished tasks (nothing changes);
 * EINVAL.
 */
struct ipcq_task_done {
	__u64 count;
	__u64 reserved;
};

/* Flags of struct ipcq_wait. */
#define IPCQ_WAIT_NONBLOCK	(1U << 0)	/* EAGAIN instead of blocking */

/**
 * struct ipcq_wait - argument of IPCQ_IOC_QUEUE_JOIN
 * @deadline: in: absolute CLOCK_MONOTONIC ns, or IPCQ_DEADLINE_FOREVER.
 * @flags:    in: IPCQ_WAIT_* flags.
 * @pad:      in: must be zero.
 * @reserved: in: must be zero.
 *
 * Join returns 0 once no task is unfinished. Errors: EAGAIN, ETIMEDOUT,
 * EINVAL.
 */
struct ipcq_wait {
	__u64 deadline;
	__u32 flags;
	__u32 pad;
	__u64 reserved;
};

/* Flags of struct ipcq_shutdown. */
#define IPCQ_SHUTDOWN_IMMEDIATE	(1U << 0)	/* drop what is queued */

/**
 * struct ipcq_shutdown - argument of IPCQ_IOC_QUEUE_SHUTDOWN
 * @flags:    in: IPCQ_SHUTDOWN_* flags.
 * @pad:      in: must be zero.
 * @reserved: in: must be zero.
 *
 * Wakes every blocked caller. Afterwards put fails with ESHUTDOWN and get
 * returns what is left, then fails with ESHUTDOWN. IMMEDIATE drops what
 * is left and counts each dropped message as a finished task (as Python's
 * Queue.shutdown(immediate=True) does). Shutting down twice is allowed.
 */
struct ipcq_shutdown {
	__u32 flags;
	__u32 pad;
	__u64 reserved;
};

/**
 * struct ipcq_reopen - argument of IPCQ_IOC_QUEUE_REOPEN
 * @flags:    in: IPCQ_OPEN_PRODUCER/CONSUMER (a subset of the roles of the
 *            file asked; neither for an observer), IPCQ_OPEN_CLOEXEC.
 * @pad:      in: must be zero.
 * @reserved: in: must be zero.
 *
 * Returns a new file (fd) on the same queue: an endpoint of its own, so a
 * process can count as a producer or consumer independently of the file it
 * inherited across fork(); with no role, an observer, which any file of
 * the queue may make. Errors: EACCES role not held by this file, EINVAL,
 * EMFILE, ENOMEM.
 */
struct ipcq_reopen {
	__u32 flags;
	__u32 pad;
	__u64 reserved;
};

/* Flags of struct ipcq_queue_notify: at most one. */
#define IPCQ_NOTIFY_SIGNAL	(1U << 0)	/* send signal @signo */
#define IPCQ_NOTIFY_EVENTFD	(1U << 1)	/* add 1 to eventfd @eventfd */
#define IPCQ_NOTIFY_REMOVE	(1U << 2)	/* remove the caller's */

/**
 * struct ipcq_queue_notify - argument of IPCQ_IOC_QUEUE_NOTIFY
 * @flags:    in: one of IPCQ_NOTIFY_SIGNAL, _EVENTFD, _REMOVE, or 0: a
 *            registration that delivers nothing (POSIX's SIGEV_NONE).
 * @signo:    in: with SIGNAL, the signal, 1.._NSIG; otherwise 0.
 * @value:    in: with SIGNAL, the signal's si_value (sival_ptr, or
 *            sival_int in its low 32 bits on little-endian); otherwise 0.
 * @eventfd:  in: with EVENTFD, an eventfd(2) descriptor of the caller;
 *            otherwise 0.
 * @pad:      in: must be zero.
 * @reserved: in: must be zero.
 *
 * POSIX mq_notify() (feature IPCQ_FEATURE_QUEUE_POSIX) on any file of a
 * queue, whatever its roles; on a ring queue since IPCQ_FEATURE_RING_NOTIFY
 * (EOPNOTSUPP before). A queue holds at most one
 * registration, across all processes: the calling process becomes its
 * owner. It fires once, when a put makes an empty queue non-empty while
 * no getter is blocked in the queue (a blocked getter takes the message;
 * pollers do not count), and is then removed: the putter sends the owner
 * (its thread-group leader) @signo with si_code SI_MESGQ, si_value
 * @value, si_pid and si_uid the putter's, or adds 1 to the eventfd
 * (which the registration holds a reference to), or, with neither,
 * delivers nothing. A registration is also removed by REMOVE from its
 * owner (through any file of the queue; REMOVE succeeds whether or not
 * there was one) and when the file that registered it is released, and
 * is void once its owner has exited or exec'd (the next registration
 * replaces it, the next put drops it; nothing is delivered to it).
 *
 * On a ring queue, while a registration exists, the route word sets both
 * IPCQ_ROUTE_PUT and IPCQ_ROUTE_GET, so every put is seen by the kernel.
 * A put through the ring takes its place when it claims its slot: one
 * claimed before the registration is in the queue when it registers (the
 * queue is not empty then), and its commit fires nothing.
 *
 * Errors: EBUSY another live registration exists (also the caller's
 * own); EINVAL bad flags, @signo, @value, @eventfd (not an eventfd), pad
 * or reserved; ENOMEM; EFAULT.
 */
struct ipcq_queue_notify {
	__u32 flags;
	__u32 signo;
	__u64 value;
	__s32 eventfd;
	__u32 pad;
	__u64 reserved[2];
};

/* Flags of struct ipcq_pipe_create. */
#define IPCQ_PIPE_DUPLEX	(1U << 0)	/* both ends send and receive */
#define IPCQ_PIPE_CLOEXEC	(1U << 1)	/* both fds are close-on-exec */

/**
 * struct ipcq_pipe_create - argument of IPCQ_IOC_PIPE_CREATE
 * @flags:        in: IPCQ_PIPE_* flags.
 * @pad:          in: must be zero.
 * @capacity:     in: most messages buffered per direction; 0 for no count
 *                limit (the module's max_queue_bytes still applies).
 * @max_msg_size: in: largest message in bytes; 0 for the module's limit.
 * @fds:          out: the two ends, as Python's Pipe() returns them. With
 *                DUPLEX both send and receive; without, @fds[0] only
 *                receives and @fds[1] only sends.
 * @reserved:     in: must be zero.
 *
 * Message boundaries are kept: a send of N bytes is one recv of N bytes.
 * Each direction is a queue of its own, charged as one object to the
 * caller (a duplex pipe counts as two for max_objects_per_user).
 * Errors: EINVAL, ENOSPC, ENOMEM, EMFILE, EFAULT (no fd is left open).
 */
struct ipcq_pipe_create {
	__u32 flags;
	__u32 pad;
	__u64 capacity;
	__u64 max_msg_size;
	__u32 fds[2];
	__u64 reserved[2];
};

/* Bits of struct ipcq_pipe_stat.ends. */
#define IPCQ_PIPE_CAN_SEND	(1U << 0)	/* this end may send */
#define IPCQ_PIPE_CAN_RECV	(1U << 1)	/* this end may receive */

/* Bits of struct ipcq_pipe_stat.state. */
#define IPCQ_PIPE_PEER_CLOSED	(1U << 0)	/* the other end is gone */
#define IPCQ_PIPE_PEER_CRED	(1U << 1)	/* @peer_pid, _uid, _gid are
						 * set (a connection made by
						 * IPCQ_IOC_CONNECT)
						 */

/**
 * struct ipcq_pipe_stat - argument of IPCQ_IOC_PIPE_STAT, all out
 * @in_messages:  messages waiting to be received by this end.
 * @in_bytes:     their payload bytes.
 * @out_messages: messages this end sent that the peer has not received.
 * @out_bytes:    their payload bytes.
 * @capacity:     most messages per direction (0: no count limit).
 * @max_msg_size: largest message.
 * @max_bytes:    most payload bytes per direction.
 * @ends:         IPCQ_PIPE_CAN_* bits of this end.
 * @state:        IPCQ_PIPE_* state bits.
 * @receivers:    callers blocked receiving on this end.
 * @senders:      callers blocked sending on this end.
 * @peer_pid:     with IPCQ_PIPE_PEER_CRED: the peer's process id (thread
 *                group id) in the caller's PID namespace, 0 if not
 *                visible there; else zero.
 * @peer_uid:     with IPCQ_PIPE_PEER_CRED: the peer's effective user id in
 *                the caller's user namespace (overflow id if unmapped).
 * @peer_gid:     the same for its effective group id.
 * @pad:          zero.
 * @reserved:     zero.
 *
 * The peer credentials are those of SO_PEERCRED: for the end accept gave
 * the server, the connecting process at IPCQ_IOC_CONNECT; for the client's
 * end, the process that created the listener at its creation. They were
 * the first three reserved words before IPCQ_FEATURE_LISTENER: a kernel
 * without the feature leaves them zero.
 */
struct ipcq_pipe_stat {
	__u64 in_messages;
	__u64 in_bytes;
	__u64 out_messages;
	__u64 out_bytes;
	__u64 capacity;
	__u64 max_msg_size;
	__u64 max_bytes;
	__u32 ends;
	__u32 state;
	__u32 receivers;
	__u32 senders;
	__u32 peer_pid;
	__u32 peer_uid;
	__u32 peer_gid;
	__u32 pad;
	__u64 reserved[2];
};

/*
 * Flags of IPCQ_IOC_SYNC_OPEN, besides IPCQ_OPEN_CREATE, IPCQ_OPEN_EXCL and
 * IPCQ_OPEN_CLOEXEC. The kind flags apply when the call creates the object.
 */
#define IPCQ_SYNC_BOUNDED	(1U << 8)	/* sem: release past the initial
						 * value fails (BoundedSemaphore)
						 */
#define IPCQ_SYNC_UNDO		(1U << 9)	/* sem: units a file holds are
						 * returned when it is released
						 */
#define IPCQ_SYNC_RECURSIVE	(1U << 10)	/* lock: an RLock */
#define IPCQ_SYNC_SHARED	(1U << 11)	/* sem: its value lives in memory
						 * its users map; not with UNDO
						 * (see IPCQ_IOC_SEM_SHARE);
						 * lock: its owner word does
						 * (IPCQ_IOC_LOCK_SHARE)
						 */
#define IPCQ_SYNC_AUTO_RESET	(1U << 12)	/* event: a wait that finds it
						 * set clears it, so one set
						 * lets one waiter through
						 * (IPCQ_FEATURE_WAIT_ACQUIRE)
						 */

/* Largest semaphore value. */
#define IPCQ_SEM_VALUE_MAX	(~(__u64)0 >> 1)

/**
 * struct ipcq_sync_open - argument of IPCQ_IOC_SYNC_OPEN
 * @name:     in: user address of the name, or 0 for an anonymous object.
 * @name_len: in: bytes at @name (see struct ipcq_queue_open); 0 if none.
 * @type:     in: IPCQ_TYPE_SEM, _LOCK, _EVENT, _COND or _BARRIER.
 * @flags:    in: IPCQ_OPEN_CREATE, _EXCL, _CLOEXEC and IPCQ_SYNC_* flags.
 * @mode:     in: permission bits of an object this call creates; opening
 *            one by name needs read and write permission.
 * @lock_fd:  in: COND only, when created: fd of the Lock or RLock the
 *            condition is bound to. Must be zero otherwise.
 * @value:    in, when created: SEM the initial value (and the maximum if
 *            BOUNDED), 0..IPCQ_SEM_VALUE_MAX; EVENT 1 to start set, else 0
 *            (IPCQ_SYNC_AUTO_RESET the only kind flag it takes);
 *            BARRIER the number of parties, >= 1. Zero for other types.
 * @reserved: in: must be zero.
 *
 * Returns the object's fd. Names live in a namespace per IPC namespace
 * and per type, as queue names do. Errors: as IPCQ_IOC_QUEUE_OPEN, and
 * EINVAL for a bad type, value, lock_fd or kind flag, EBADF if lock_fd is
 * not an open file, ENOTTY if it is not a lock.
 */
struct ipcq_sync_open {
	__u64 name;
	__u32 name_len;
	__u32 type;
	__u32 flags;
	__u32 mode;
	__u32 lock_fd;
	__u32 pad;
	__u64 value;
	__u64 reserved[2];
};

/**
 * struct ipcq_sem_share - argument of IPCQ_IOC_SEM_SHARE, all out
 * @status_offset: mmap offset of the status region (one page, read-only).
 * @status_size:   its size.
 * @value_offset:  mmap offset of the value region (read-write, shared).
 * @value_size:    its size.
 * @off_value:     offset of the __u64 value in the value region.
 * @off_route:     offset of a __u32 in the status region: nonzero when
 *                 every operation must go through the ioctls (destroyed).
 * @off_wake:      offset of a __u32 in the status region: nonzero while a
 *                 caller waits in the kernel or polls.
 * @pad:           zero.
 * @max:           the largest value (the initial one if BOUNDED).
 * @reserved:      zero.
 *
 * A semaphore created with IPCQ_SYNC_SHARED keeps its value in a page its
 * users map, so that an acquire that finds a unit and a release that
 * nobody waits for cost no system call: acquire is a compare-and-swap of
 * value to value - 1 when value is 1..max; release a compare-and-swap to
 * value + n when that stays within max, followed by a full barrier and a
 * look at the wake word: when nonzero, IPCQ_IOC_SEM_WAKE with count n.
 * Anything else (no unit, a release past max, a value above max, the
 * route word set) goes through IPCQ_IOC_SEM_ACQUIRE/RELEASE, which work on
 * the same value. The value is a hint to the kernel: it bounds what it
 * reads, and a process that scribbles over it damages only that
 * semaphore. Errors: ENXIO the semaphore is not shared.
 */
struct ipcq_sem_share {
	__u64 status_offset;
	__u64 status_size;
	__u64 value_offset;
	__u64 value_size;
	__u32 off_value;
	__u32 off_route;
	__u32 off_wake;
	__u32 pad;
	__u64 max;
	__u64 reserved[2];
};

/**
 * struct ipcq_lock_share - argument of IPCQ_IOC_LOCK_SHARE, all out
 * @status_offset: mmap offset of the status region (one page, read-only).
 * @status_size:   its size.
 * @word_offset:   mmap offset of the word region (read-write, shared).
 * @word_size:     its size.
 * @off_owner:     offset of the __u64 owner word in the word region.
 * @off_depth:     offset of the __u64 recursion depth in the word region
 *                 (RLock; written by the holder only).
 * @off_route:     offset of a __u32 in the status region: nonzero when
 *                 every operation must go through the ioctls (destroyed,
 *                 holder died, inconsistent, not recoverable).
 * @off_wake:      offset of a __u32 in the status region: nonzero while a
 *                 caller waits in the kernel or polls.
 * @owner_id:      this file's id, 1..0x7fffffff: the owner word's high
 *                 half while a thread holds the lock through this file.
 * @flags:         IPCQ_SYNC_RECURSIVE for an RLock, and IPCQ_SYNC_SHARED.
 * @reserved:      zero.
 *
 * A Lock or RLock created with IPCQ_SYNC_SHARED keeps its holder in a
 * word its users map: IPCQ_LOCK_OWNER(owner_id, tid) while held, tid the
 * holder's thread id in the PID namespace of the process that opened the
 * file (gettid(2) there), 0 while free. An acquire that finds it free and
 * a release nobody waits for cost no system call:
 *  - acquire: with the route word 0, a compare-and-swap of 0 to the
 *    caller's owner value, then (RLock) depth 1. An RLock whose owner
 *    word is already the caller's adds 1 to the depth instead.
 *  - release: with the route word 0, an RLock at depth above 1 takes 1
 *    from the depth. Otherwise depth 0, a compare-and-swap of the owner
 *    value to 0 (an RLock: only the caller's own; a Lock: whoever holds
 *    it, as Python's Lock may be released by any thread), a full barrier,
 *    and a look at the wake word: when nonzero, IPCQ_IOC_LOCK_WAKE.
 * Anything else (the lock held by another, released while free, the route
 * word set) goes through IPCQ_IOC_LOCK_ACQUIRE/RELEASE, which work on the
 * same words and give the errors of a lock that is not shared. When the
 * file a holder acquired through is released, the kernel finds it in the
 * owner word and marks the lock owner-dead (the next acquirer gets
 * EOWNERDEAD), as for a lock that is not shared. The words are a hint to
 * the kernel: a process that scribbles over them damages only that lock.
 * Errors: ENXIO the lock is not shared. An acquire through a file whose
 * opener's PID namespace has no id for the caller fails with EPERM (the
 * word could not name it).
 */
struct ipcq_lock_share {
	__u64 status_offset;
	__u64 status_size;
	__u64 word_offset;
	__u64 word_size;
	__u32 off_owner;
	__u32 off_depth;
	__u32 off_route;
	__u32 off_wake;
	__u32 owner_id;
	__u32 flags;
	__u64 reserved[2];
};

/* The owner word of a shared lock held by thread @tid through file @id. */
#define IPCQ_LOCK_OWNER(id, tid) (((__u64)(id) << 32) | (__u32)(tid))

/* Flags of struct ipcq_sync_op. */
#define IPCQ_SYNC_NONBLOCK	(1U << 0)	/* EAGAIN instead of blocking */

/**
 * struct ipcq_sync_op - argument of every sync object operation
 * @deadline: in: operations that wait: absolute CLOCK_MONOTONIC ns, or
 *            IPCQ_DEADLINE_FOREVER; must be zero for the others.
 * @count:    in: SEM_RELEASE units to release (>= 1); SEM_ACQUIRE_N units
 *            to take (>= 1); SEM_SET_VALUE the value; COND_NOTIFY waiters
 *            to wake (0: all); must be zero for the others.
 * @flags:    in: IPCQ_SYNC_NONBLOCK, for operations that wait.
 * @pad:      in: must be zero.
 * @reserved: in: must be zero.
 */
struct ipcq_sync_op {
	__u64 deadline;
	__u64 count;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

/*
 * Waiting on several objects with acquisition (IPCQ_IOC_WAIT_ACQUIRE
 * on /dev/ipcq, feature IPCQ_FEATURE_WAIT_ACQUIRE), after ntsync's
 * wait-any and wait-all. The objects are semaphores (not SHARED), Locks,
 * RLocks and Events; acquiring one takes what its own acquire or wait
 * takes: a semaphore unit (counted for UNDO through the given file), the
 * lock (held through the given file, owner death as for LOCK_ACQUIRE),
 * an auto-reset event's set state (a manual-reset event is acquired by
 * being set, and stays set). Since IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE, ANY
 * also takes queue consumer files and pipe ends that receive: such an
 * object is ready when a get with its descriptor (@msgs) would take a
 * message, and acquiring it is that get, into the descriptor's buffer.
 *
 * IPCQ_WAIT_ANY acquires exactly one object, the ready one of lowest index
 * (objects are looked at in index order; among waiters no order is
 * promised). IPCQ_WAIT_ALL acquires every object at once or none: it takes
 * them only when all are ready, with every one of their locks held, so no
 * other caller ever sees some taken and the others not. Queues cannot be
 * part of an ALL wait (EOPNOTSUPP): a message taken with the others could
 * neither be put back in its place nor delivered before the copy-out.
 */
#define IPCQ_WAIT_ACQUIRE_MAX	64	/* objects in one wait */
#define IPCQ_WAIT_ANY		0	/* modes */
#define IPCQ_WAIT_ALL		1
/* Flags: IPCQ_WAIT_NONBLOCK (as for struct ipcq_wait) and: */
#define IPCQ_WAIT_ALERT		(1U << 1)	/* @alert_fd is an event that
						 * ends the wait
						 */

/**
 * struct ipcq_wait_acquire - argument of IPCQ_IOC_WAIT_ACQUIRE
 * @fds:      in: user address of @count __u32 file descriptors.
 * @count:    in: 1..IPCQ_WAIT_ACQUIRE_MAX.
 * @mode:     in: IPCQ_WAIT_ANY or IPCQ_WAIT_ALL.
 * @deadline: in: absolute CLOCK_MONOTONIC ns, or IPCQ_DEADLINE_FOREVER.
 * @flags:    in: IPCQ_WAIT_NONBLOCK, IPCQ_WAIT_ALERT.
 * @alert_fd: in: with IPCQ_WAIT_ALERT, an event's fd; else zero.
 * @index:    in: must be zero; out: the object an answer is about
 *            (below).
 * @pad:      in: must be zero.
 * @msgs:     in: user address of @count struct ipcq_msg, the get
 *            descriptors of the entries of @fds that are queues
 *            (IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE; the others' are not read),
 *            or 0 when none is. A descriptor is a get's (@buf, @len,
 *            @type with IPCQ_MSG_TYPE_*, IPCQ_MSG_TRUNCATE), with @deadline
 *            zero and neither IPCQ_MSG_NONBLOCK (the wait's flags say)
 *            nor IPCQ_MSG_PEEK; the one acquired gets @len, @priority
 *            and @type out as from a get. This was the first reserved
 *            word: every kernel rejects a nonzero one it does not know.
 * @reserved: in: must be zero.
 *
 * Returns the index acquired (ANY: 0..count-1; ALL: 0), or @count when
 * the alert event was found set (and, auto-reset, consumed), nothing else
 * acquired: the objects are looked at first, the alert after them. Errors
 * that concern one object set @index to it (@count: the alert):
 * EOWNERDEAD: acquired (ALL: everything), but the lock at @index (ALL:
 * the lowest such) had a dead holder, as for LOCK_ACQUIRE; EIDRM: the
 * object was destroyed, nothing acquired; ENOTRECOVERABLE: the lock is
 * unusable, nothing acquired; EOVERFLOW: an RLock's depth would overflow.
 * For a queue at @index, nothing acquired: ENODATA end-of-file (empty, or
 * nothing its descriptor selects, and its last producer gone: what a get
 * answers with IPCQ_GET_EOF); ESHUTDOWN shut down and nothing it selects
 * left; EMSGSIZE the message is longer than the buffer (it stays queued,
 * @len tells its size); EBADMSG a corrupt ring message was dropped.
 * ANY answers for the first object, in index order, that is ready or ended
 * (destroyed, unrecoverable, end-of-file, shut down); ALL ends with the
 * first ended object even if the others are ready. A fault writing a
 * message out fails the call with EFAULT, the message staying queued.
 * Waits are restarted after signals (the deadline is absolute). Other
 * errors: EAGAIN (NONBLOCK), ETIMEDOUT, EINTR; EINVAL for a bad count,
 * mode, flag, pad, index, reserved word, alert_fd without
 * IPCQ_WAIT_ALERT, an alert that is not an event, an object of another
 * sync type (Condition, Barrier), one object twice in an ALL wait, a
 * queue without @msgs or with a bad descriptor; EBADF a descriptor not
 * open, a queue file that is not a consumer, a pipe end that cannot
 * receive; ENOTTY none of these objects (a queue before
 * IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE); EOPNOTSUPP a SHARED semaphore, or a
 * queue in an ALL wait; EFAULT; ENOMEM.
 */
struct ipcq_wait_acquire {
	__u64 fds;
	__u32 count;
	__u32 mode;
	__u64 deadline;
	__u32 flags;
	__u32 alert_fd;
	__u32 index;
	__u32 pad;
	__u64 msgs;
	__u64 reserved;
};

/* Bits of struct ipcq_sync_stat.state. */
#define IPCQ_SYNC_LOCKED	(1U << 0)	/* lock: held */
#define IPCQ_SYNC_OWNER_DEAD	(1U << 1)	/* lock: holder died; the next
						 * acquirer gets EOWNERDEAD
						 */
#define IPCQ_SYNC_INCONSISTENT	(1U << 2)	/* lock: held after EOWNERDEAD,
						 * not yet marked consistent
						 */
#define IPCQ_SYNC_NOTRECOVERABLE (1U << 3)	/* lock: unusable for good */
#define IPCQ_SYNC_SET		(1U << 4)	/* event: set */
#define IPCQ_SYNC_BROKEN	(1U << 5)	/* barrier: broken */
#define IPCQ_SYNC_DESTROYED	(1U << 6)	/* destroyed: every call fails
						 * with EIDRM
						 */
#define IPCQ_SYNC_NAMED		(1U << 7)	/* reachable by name */
#define IPCQ_SYNC_MINE		(1U << 8)	/* lock: held by the caller */

/**
 * struct ipcq_sync_stat - argument of IPCQ_IOC_SYNC_STAT, all out
 * @type:      IPCQ_TYPE_* of the object.
 * @flags:     IPCQ_SYNC_BOUNDED, _UNDO, _RECURSIVE as created.
 * @value:     SEM: the value; LOCK: recursion depth (0 when free);
 *             EVENT: 1 if set; BARRIER: parties.
 * @max:       SEM: the largest value it may reach; else 0.
 * @held:      SEM with UNDO: units acquired minus released through this
 *             file; else 0.
 * @waiters:   callers blocked on the object (BARRIER: n_waiting).
 * @state:     IPCQ_SYNC_* state bits.
 * @owner_tid: LOCK: thread id of the holder in the caller's PID
 *             namespace, 0 if free or not visible.
 * @pad:       zero.
 * @reserved:  zero.
 */
struct ipcq_sync_stat {
	__u32 type;
	__u32 flags;
	__u64 value;
	__u64 max;
	__s64 held;
	__u32 waiters;
	__u32 state;
	__u32 owner_tid;
	__u32 pad;
	__u64 reserved[4];
};

/**
 * struct ipcq_object_info - one named object, as IPCQ_IOC_LIST reports it
 * @type:      IPCQ_TYPE_*.
 * @name_len:  bytes of @name used.
 * @id:        the object's id (as in fdinfo), unique while the module lives.
 * @uid:       owner user id, in the caller's user namespace.
 * @gid:       owner group id, in the caller's user namespace.
 * @mode:      permission bits.
 * @state:     QUEUE: IPCQ_STATE_* bits; sync objects: IPCQ_SYNC_* bits;
 *             SHM: IPCQ_SHM_STATE_* bits; LISTENER: IPCQ_LISTENER_* bits.
 * @value:     QUEUE: messages queued; SEM: value; LOCK: recursion depth;
 *             EVENT: 1 if set; BARRIER: parties; COND: 0; SHM: memory
 *             areas mapping it; LISTENER: connections queued.
 * @bytes:     QUEUE: payload bytes queued; SHM: its size; else 0.
 * @capacity:  QUEUE: most messages (0: no count limit); SEM: maximum;
 *             LISTENER: its backlog.
 * @waiters:   callers blocked on it (QUEUE: putters + getters + joiners;
 *             BARRIER: n_waiting; SHM: on its bound lock; LISTENER:
 *             accepters + connectors).
 * @producers: QUEUE: producer files open; else 0.
 * @consumers: QUEUE: consumer files open; else 0.
 * @pad:       zero.
 * @name:      the name, not NUL-terminated.
 */
struct ipcq_object_info {
	__u32 type;
	__u32 name_len;
	__u64 id;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 state;
	__u64 value;
	__u64 bytes;
	__u64 capacity;
	__u32 waiters;
	__u32 producers;
	__u32 consumers;
	__u32 pad;
	char name[IPCQ_NAME_MAX + 1];
};

/**
 * struct ipcq_list - argument of IPCQ_IOC_LIST
 * @entries:     in: user address of an array of struct ipcq_object_info.
 * @max_entries: in: its length (0 to only count).
 * @count:       out: named objects in the caller's IPC namespace; entries
 *               filled: the smaller of @count and @max_entries.
 * @reserved:    in: must be zero.
 *
 * Lists every named object of the caller's IPC namespace, whatever its
 * permissions (as ipcs(1) does for SysV IPC), without opening any.
 * Errors: EINVAL, EFAULT, ENOMEM.
 */
struct ipcq_list {
	__u64 entries;
	__u32 max_entries;
	__u32 count;
	__u64 reserved[2];
};

/* Flags of struct ipcq_set: what it changes. */
#define IPCQ_SET_UID		(1U << 0)	/* owner: @uid */
#define IPCQ_SET_GID		(1U << 1)	/* group: @gid */
#define IPCQ_SET_MODE		(1U << 2)	/* permission bits: @mode */
#define IPCQ_SET_LIMITS		(1U << 3)	/* queue: @capacity,
						 * @max_msg_size, @max_bytes
						 */

/**
 * struct ipcq_set - argument of IPCQ_IOC_SET (SysV IPC_SET)
 * @name:         in: user address of the name (see struct ipcq_queue_open).
 * @name_len:     in: bytes at @name, 1..IPCQ_NAME_MAX.
 * @type:         in: IPCQ_TYPE_* of the named object.
 * @flags:        in: IPCQ_SET_* bits, at least one.
 * @mode:         in: with IPCQ_SET_MODE, the new permission bits (0777
 *                mask, not filtered by the umask); else zero.
 * @uid:          in: with IPCQ_SET_UID, the new owner, in the caller's
 *                user namespace; else zero.
 * @gid:          in: with IPCQ_SET_GID, the new group, likewise; else zero.
 * @capacity:     in: with IPCQ_SET_LIMITS, most messages (0: no count
 *                limit); else zero.
 * @max_msg_size: in: with IPCQ_SET_LIMITS, largest message,
 *                1..the module's max_msg_size; else zero.
 * @max_bytes:    in: with IPCQ_SET_LIMITS, most payload bytes, >= 1; above
 *                the module's max_queue_bytes only with CAP_SYS_RESOURCE
 *                (as SysV's msg_qbytes above msgmnb), never above 1 TiB;
 *                else zero.
 * @reserved:     in: must be zero.
 *
 * Changes a named object of the caller's IPC namespace after its creation
 * (feature IPCQ_FEATURE_QUEUE_SYSV), all fields or none: its owner, group
 * and mode (any named type), and a queue's limits. Allowed, as SysV's
 * IPC_SET, to the owner and the creator and to a caller with CAP_SYS_ADMIN
 * in the user namespace owning the IPC namespace; the creator's ids and
 * the user charged for the object stay. A new mode or owner judges later
 * opens only: files already open keep their roles. Limits may be set
 * below what the queue holds (nothing is dropped; puts wait); when they
 * change, every blocked put and poller of the queue looks again (a put
 * now larger than max_msg_size or max_bytes fails with EMSGSIZE or
 * ENOBUFS). A ring queue's limits are its ring's: EOPNOTSUPP.
 *
 * Errors: EINVAL bad flags, type, values (a field set without its flag, a
 * uid or gid not mapped, limits out of range or on a type other than
 * queue) or reserved; ENAMETOOLONG; ENOENT no such name; EPERM neither
 * owner nor creator nor capable, or @max_bytes above max_queue_bytes
 * without CAP_SYS_RESOURCE; EOPNOTSUPP limits of a ring queue; EFAULT.
 */
struct ipcq_set {
	__u64 name;
	__u32 name_len;
	__u32 type;
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u64 capacity;
	__u64 max_msg_size;
	__u64 max_bytes;
	__u64 reserved[2];
};

/*
 * Rings (IPCQ_FEATURE_RING): a queue created with IPCQ_OPEN_RING keeps its
 * priority-0 messages that fit a slot in a ring its users map, so that a
 * put or get costs no system call while the ring is neither full nor
 * empty. The kernel takes part through the ioctls and keeps every queue
 * promise (counts, end-of-file, EPIPE, shutdown, deadlines, poll).
 *
 * Two regions are mapped from the file IPCQ_IOC_RING_ATTACH returns, at
 * the mmap offsets and sizes struct ipcq_ring_info gives:
 *  - the status region, read-only (PROT_WRITE fails with EPERM, and it
 *    cannot be made writable): words the kernel writes, at the offsets
 *    off_route, off_get_wake and off_put_wake, each a __u32;
 *  - the ring region, read-write and MAP_SHARED only: three __u64 hints
 *    (off_head: next position to get, off_tail: next position to put,
 *    off_gets: messages taken from the ring by its users) and the slots at
 *    off_slots, slot_stride bytes apart. A slot is a __u64 control word,
 *    a __u32 length at slot_off_len and the payload at slot_off_data.
 * Nothing in the ring region is trusted by the kernel: it reads each
 * value once, bounds it, and a process that scribbles there damages only
 * the messages of that queue (gets then fail with EBADMSG).
 *
 * Positions are __u64 counting up from 0 (the hints hold them whole);
 * position p lives in slot p % slots. The control word of a slot packs
 * the low IPCQ_RING_POS_BITS of a position (compared modulo 2^46), a
 * state and an owner:
 */
#define IPCQ_RING_POS_BITS	46
#define IPCQ_RING_POS_MASK	((((__u64)1) << IPCQ_RING_POS_BITS) - 1)
#define IPCQ_RING_CTL(pos, state, owner) \
	((((__u64)(pos) & IPCQ_RING_POS_MASK) << 18) | \
	 ((__u64)(state) << 16) | ((__u64)(owner) & 0xffff))
#define IPCQ_RING_CTL_POS(ctl)		((ctl) >> 18)
#define IPCQ_RING_CTL_STATE(ctl)	((__u32)((ctl) >> 16) & 3)
#define IPCQ_RING_CTL_OWNER(ctl)	((__u32)(ctl) & 0xffff)
/*
 * States, with the owner field's meaning:
 *   EMPTY(p):   free for the put of position p (owner 0). A slot starts
 *               as EMPTY(its index).
 *   WRITING(p): claimed by the put of p (owner: the claimer's id). The
 *               only transition to it is a compare-and-swap from EMPTY(p).
 *   FULL(p):    holds the message of position p (owner: IPCQ_RING_SKIP if
 *               it holds none and is to be passed over). Set by a release
 *               store once length and payload are written: the commit.
 *   READING(p): claimed by a get (owner: the claimer's id), by a
 *               compare-and-swap from FULL(p). The get then adds 1 to the
 *               gets hint, copies the message and stores EMPTY(p + slots).
 * A put scans from the tail hint for EMPTY(p); a slot still holding a
 * position below p means the ring is full. A get scans from the head hint
 * for FULL(p), passing over positions already READING or consumed, and
 * stops at EMPTY(p) or WRITING(p): messages are seen in claim order.
 * Both advance their hint past what they took. Owner 0 is the kernel.
 *
 * Order: a put through the ring takes its place in FIFO order when it
 * claims its slot; a priority-0 put the kernel keeps takes it when the
 * kernel queues it, after every slot claimed by then. A get delivers kept
 * messages with a priority first, then priority 0 in that order: a slot
 * claimed but not committed holds back what comes after it on both paths
 * until it is committed or skipped.
 *
 * Before a put claims and again after it has claimed, it reads the route
 * word: with IPCQ_ROUTE_PUT set, the put must go through
 * IPCQ_IOC_QUEUE_PUT instead (committing a slot it claimed as FULL with
 * owner IPCQ_RING_SKIP). With IPCQ_ROUTE_GET set, a get must go through
 * IPCQ_IOC_QUEUE_GET. The kernel sets them while it keeps messages outside
 * the ring (a priority, longer than a slot, or no room in the ring of a
 * queue without count limit: FIFO order is kept across both), while a put
 * waits in the kernel, after shutdown, once no consumer is left, and
 * while an IPCQ_IOC_QUEUE_NOTIFY registration exists. After a commit, a
 * put that finds the get_wake word nonzero calls IPCQ_IOC_RING_WAKE with
 * IPCQ_WAKE_GETTERS; after freeing a slot, a get that finds put_wake
 * nonzero calls it with IPCQ_WAKE_PUTTERS. A full barrier separates the
 * commit (the free) from that read, as the kernel separates setting the
 * word from looking at the ring.
 *
 * When the file of an attachment is released (its last mapping gone and
 * fd closed, or its process dead), the kernel turns the slots its owner
 * had claimed for writing into skipped ones and frees the slots it had
 * claimed for reading: a dying producer never shows a torn message and
 * never wedges the ring.
 */
#define IPCQ_RING_EMPTY		0
#define IPCQ_RING_WRITING	1
#define IPCQ_RING_FULL		2
#define IPCQ_RING_READING	3
#define IPCQ_RING_SKIP		1	/* owner field of a FULL slot */

/*
 * The slot protocol's arithmetic, for the kernel and for users alike.
 *
 * ipcq_ring_pos_diff() - signed distance from position @b to position @a,
 * both taken modulo 2^IPCQ_RING_POS_BITS (as a control word holds them):
 * negative when @a comes before @b, 0 when they are the same position.
 * Written without shifting a negative value, which C leaves to the
 * implementation.
 */
static __inline__ __s64 ipcq_ring_pos_diff(__u64 a, __u64 b)
{
	__u64 half = (__u64)1 << (IPCQ_RING_POS_BITS - 1);

	return (__s64)((a - b + half) & IPCQ_RING_POS_MASK) - (__s64)half;
}

/*
 * ipcq_ring_ctl_diff() - where the slot whose control word is @ctl stands
 * against position @pos: below 0, it still holds an earlier position (for
 * a put: the ring is full); 0, it holds @pos; above 0, a later one (@pos
 * was passed over: look at the next position).
 */
static __inline__ __s64 ipcq_ring_ctl_diff(__u64 ctl, __u64 pos)
{
	return ipcq_ring_pos_diff(IPCQ_RING_CTL_POS(ctl), pos);
}

/*
 * ipcq_ring_ctl_freed() - the control word a get stores, with release
 * ordering, once it has copied the message of position @pos out of a
 * ring of @slots slots: the slot is EMPTY for the put one lap later.
 */
static __inline__ __u64 ipcq_ring_ctl_freed(__u64 pos, __u32 slots)
{
	return IPCQ_RING_CTL(pos + slots, IPCQ_RING_EMPTY, 0);
}

/* Bits of the route word. */
#define IPCQ_ROUTE_PUT		(1U << 0)	/* puts go through the kernel */
#define IPCQ_ROUTE_GET		(1U << 1)	/* gets go through the kernel */

#define IPCQ_RING_SLOTS_DEFAULT	256		/* slots when capacity is 0 */
#define IPCQ_RING_SLOTS_MAX	65536
#define IPCQ_RING_SLOT_DEFAULT	240		/* payload bytes per slot */
#define IPCQ_RING_SLOT_MAX	65536

/* mmap offsets of the regions (also given by struct ipcq_ring_info). */
#define IPCQ_RING_OFF_STATUS	((__u64)0)
#define IPCQ_RING_OFF_RING	((__u64)0x10000000)

/**
 * struct ipcq_ring_info - argument of IPCQ_IOC_RING_ATTACH
 * @flags:          in: IPCQ_OPEN_CLOEXEC or 0.
 * @owner:          out: this attachment's owner id, 1..65535, for the
 *                  control words of the slots it claims.
 * @slots:          out: number of slots.
 * @slot_size:      out: payload bytes per slot.
 * @slot_stride:    out: bytes from one slot to the next.
 * @slot_off_len:   out: offset of the __u32 length in a slot.
 * @slot_off_data:  out: offset of the payload in a slot.
 * @off_head:       out: offset of the head hint in the ring region.
 * @off_tail:       out: offset of the tail hint in the ring region.
 * @off_gets:       out: offset of the gets counter in the ring region.
 * @off_slots:      out: offset of slot 0 in the ring region.
 * @off_route:      out: offset of the route word in the status region.
 * @off_get_wake:   out: offset of the get_wake word in the status region.
 * @off_put_wake:   out: offset of the put_wake word in the status region.
 * @status_offset:  out: mmap offset of the status region.
 * @status_size:    out: its size in bytes (whole pages).
 * @ring_offset:    out: mmap offset of the ring region.
 * @ring_size:      out: its size in bytes (whole pages).
 * @reserved:       in: must be zero; out: zero.
 *
 * Called on a producer or consumer file of a ring queue. Returns a new
 * fd, the attachment, to mmap the regions from (the regions must be
 * mapped whole, at their offsets; the mapping keeps the attachment and
 * the queue alive). The ring cannot tell producers from consumers: a
 * file that is not both needs read and write permission on the queue.
 * Errors: ENXIO the queue has no ring; EBADF an observer file; EACCES
 * neither both roles nor read and write permission; EUSERS 65535 attachments exist; EINVAL bad
 * flags or reserved; EMFILE; ENOMEM; EFAULT.
 */
struct ipcq_ring_info {
	__u32 flags;
	__u32 owner;
	__u32 slots;
	__u32 slot_size;
	__u32 slot_stride;
	__u32 slot_off_len;
	__u32 slot_off_data;
	__u32 off_head;
	__u32 off_tail;
	__u32 off_gets;
	__u32 off_slots;
	__u32 off_route;
	__u32 off_get_wake;
	__u32 off_put_wake;
	__u64 status_offset;
	__u64 status_size;
	__u64 ring_offset;
	__u64 ring_size;
	__u64 reserved[2];
};

/* Flags of struct ipcq_ring_wake. */
#define IPCQ_WAKE_GETTERS	(1U << 0)	/* a ring put committed */
#define IPCQ_WAKE_PUTTERS	(1U << 1)	/* a ring get freed a slot */

/**
 * struct ipcq_ring_wake - argument of IPCQ_IOC_RING_WAKE
 * @flags:    in: IPCQ_WAKE_* bits, at least one.
 * @pad:      in: must be zero.
 *
 * On a queue fd: wakes a caller blocked in get (put) and every poller, to
 * look at the ring again. Errors: ENXIO no ring; EINVAL.
 */
struct ipcq_ring_wake {
	__u32 flags;
	__u32 pad;
};

/*
 * io_uring commands (feature IPCQ_FEATURE_URING: offered on kernels from
 * 6.12, whose io_uring lets a driver's parked command be cancelled when
 * its ring or task goes; not on older ones, where every command fails
 * with EOPNOTSUPP).
 *
 * An IORING_OP_URING_CMD on a queue, pipe end or synchronisation object fd
 * carries an ioctl number in sqe->cmd_op and a struct ipcq_uring_cmd in the
 * first 16 bytes of sqe->cmd (in a ring of 128-byte SQEs the other 64 bytes
 * of sqe->cmd are reserved: zero). Accepted: IPCQ_IOC_QUEUE_PUT, _GET,
 * _JOIN, _PUT_MANY and _GET_MANY; IPCQ_IOC_PIPE_SEND, _RECV, _SEND_MANY
 * and _RECV_MANY; IPCQ_IOC_SEM_ACQUIRE and _RELEASE;
 * IPCQ_IOC_EVENT_WAIT, _SET and _CLEAR; IPCQ_URING_CANCEL. The command
 * reads and writes @arg exactly as the ioctl does, with the same checks,
 * limits and errors; cqe->res is the ioctl's return value (0, IPCQ_GET_EOF
 * or a negative errno). Any other cmd_op fails with EOPNOTSUPP (those that
 * return fds or whose owner is a thread: locks, conditions, barriers), as
 * does a ring set up with IORING_SETUP_IOPOLL.
 *
 * Where the ioctl would sleep, the command is parked on the object's wait
 * list instead and completes when the ioctl would return: no thread waits
 * for it. Commands one thread parked on one object are tried in the order
 * they were parked (other threads' commands are not held up), but for
 * gets that select by type, each of which waits for its own. The argument
 * and the buffer it names must stay valid until the command's completion: a
 * get writes the message and @len when it completes. The deadline in the
 * argument ends the wait as for the ioctl (ETIMEDOUT). A parked command
 * ends with ECANCELED when IPCQ_URING_CANCEL names it, when its io_uring
 * instance is torn down, or when the task that submitted it exits or execs;
 * from then on it takes nothing. IORING_OP_ASYNC_CANCEL does not reach
 * driver commands (io_uring only searches its own poll, timeout, futex,
 * waitid and worker lists; it answers ENOENT): use IPCQ_URING_CANCEL. A
 * command interrupted while contending for a ring or a shared semaphore
 * completes with EINTR.
 *
 * Readiness (poll, epoll, IORING_OP_POLL_ADD) is as for the ioctls.
 */

/* Flags of struct ipcq_uring_cmd for IPCQ_URING_CANCEL. */
#define IPCQ_CANCEL_ALL		(1U << 0)	/* every match, not the first */
#define IPCQ_CANCEL_ANY		(1U << 1)	/* match any user_data */

/**
 * struct ipcq_uring_cmd - the command in sqe->cmd
 * @arg:   the ioctl's argument: user address of its struct. For
 *         IPCQ_URING_CANCEL, the user_data of the command to cancel.
 * @flags: IPCQ_URING_CANCEL: IPCQ_CANCEL_* bits; otherwise zero.
 * @pad:   must be zero.
 *
 * IPCQ_URING_CANCEL, on an ipcq object fd, ends with ECANCELED the
 * commands parked on that object (both queues of a pipe end) that the same
 * task submitted (the submitting thread, or the ring's SQPOLL thread) with
 * user_data @arg: the first one parked, or every one with IPCQ_CANCEL_ALL;
 * with IPCQ_CANCEL_ANY, every one of that task on that object. Its own
 * cqe->res is the number of commands cancelled, or ENOENT for none.
 * Errors of every command: EINVAL bad flags or pad, EOPNOTSUPP.
 */
struct ipcq_uring_cmd {
	__u64 arg;
	__u32 flags;
	__u32 pad;
};

#define IPCQ_URING_CANCEL	_IOW(IPCQ_IOC_MAGIC, 0x70, struct ipcq_uring_cmd)

/*
 * Shared memory regions (IPCQ_FEATURE_SHM): Python's SharedMemory, and
 * the memory under libipcdev's Value and Array. A region is a size fixed
 * at creation (in bytes, exact in the API; mappings are whole pages),
 * zero-filled, its pages allocated at creation, charged to the creator's
 * memory cgroup and counted, page-rounded, against the creator's
 * max_shm_bytes_per_user (struct ipcq_api.max_shm_bytes). Anonymous
 * regions live as long as a file or a mapping refers to them; named ones
 * follow the queue rules (names per IPC namespace and per type, owner,
 * mode, IPCQ_IOC_UNLINK, IPCQ_IOC_LIST).
 *
 * mmap(2) of a region file: MAP_SHARED only (MAP_PRIVATE: EINVAL), at a
 * page offset within the region, of at most the pages left from there
 * (a mapping past the last page: ENXIO; the bytes of the last page past
 * the size read as zero and are the region's). Read-write files map
 * PROT_READ and PROT_WRITE; a read-only file maps PROT_READ only
 * (PROT_WRITE: EACCES, and mprotect() cannot add it later). Never
 * executable: PROT_EXEC is EPERM, mprotect(PROT_EXEC) EACCES. A mapping
 * keeps the region alive after every fd is closed and is inherited by
 * fork(); it cannot grow with mremap().
 *
 * A region may be created with a bound lock (Python's get_lock()): an
 * ordinary Lock or RLock object made with it, anonymous, reached through
 * IPCQ_IOC_SHM_LOCK from any file of the region. While that lock is
 * owner-dead (its holder's file was released holding it), held after
 * EOWNERDEAD and not yet marked consistent, or unrecoverable, the
 * region's stat carries IPCQ_SHM_STATE_INCONSISTENT: its data may be
 * half-updated. The bound lock counts as an object of its own against
 * max_objects_per_user.
 */

/* Flags of IPCQ_IOC_SHM_OPEN, besides CREATE, EXCL and CLOEXEC. */
#define IPCQ_SHM_RDONLY		(1U << 8)	/* a read-only file: needs
						 * read permission; without
						 * it, read and write
						 */
#define IPCQ_SHM_LOCK		(1U << 9)	/* create: a bound Lock */
#define IPCQ_SHM_RLOCK		(1U << 10)	/* create: a bound RLock */
/* The bound lock is IPCQ_SYNC_SHARED (IPCQ_FEATURE_LOCK_SHARED). */

/**
 * struct ipcq_shm_open - argument of IPCQ_IOC_SHM_OPEN
 * @name:     in: user address of the name, or 0 for an anonymous region.
 * @name_len: in: bytes at @name (see struct ipcq_queue_open); 0 if none.
 * @flags:    in: IPCQ_OPEN_CREATE, _EXCL, _CLOEXEC, IPCQ_SHM_RDONLY and
 *            at most one of IPCQ_SHM_LOCK, IPCQ_SHM_RLOCK (which apply
 *            when the call creates the region).
 * @mode:     in: permission bits of a region this call creates (filtered
 *            by the umask; also the bound lock's). Opening an existing
 *            one read-only needs read permission, read-write needs read
 *            and write permission.
 * @pad:      in: must be zero.
 * @size:     in: creating: the size in bytes, >= 1. Opening an existing
 *            region: 0, or at most its size.
 * @reserved: in: must be zero.
 *
 * Returns the region's fd, read-only with IPCQ_SHM_RDONLY, else
 * read-write. Errors: EINVAL bad flags, both lock flags, mode, pad or
 * reserved, @size 0 when creating or above the size of the region
 * opened; EDQUOT the region would take the creator past
 * max_shm_bytes_per_user; ENOMEM (also when the memory cgroup's limit is
 * reached: no OOM kill); EINTR a fatal signal arrived while the pages
 * were allocated; and as IPCQ_IOC_QUEUE_OPEN: ENAMETOOLONG, ENOENT,
 * EEXIST, EACCES, ENOSPC (the region and its bound lock count as two
 * objects), EMFILE, EFAULT.
 */
struct ipcq_shm_open {
	__u64 name;
	__u32 name_len;
	__u32 flags;
	__u32 mode;
	__u32 pad;
	__u64 size;
	__u64 reserved[2];
};

/* Bits of struct ipcq_shm_stat.state (and ipcq_object_info.state). */
#define IPCQ_SHM_STATE_NAMED	(1U << 0)	/* reachable by name */
#define IPCQ_SHM_STATE_INCONSISTENT (1U << 1)	/* the bound lock's holder
						 * died: data possibly
						 * inconsistent until the
						 * next holder marks the
						 * lock consistent
						 */
#define IPCQ_SHM_STATE_LOCKED	(1U << 2)	/* the bound lock is held */

/**
 * struct ipcq_shm_stat - argument of IPCQ_IOC_SHM_STAT, all out
 * @size:           bytes, as created.
 * @lock_id:        the bound lock's object id (as in fdinfo), 0: none.
 * @mappings:       memory areas mapping the region now, in every process
 *                  (an area split by mprotect() counts as two).
 * @flags:          IPCQ_SHM_LOCK or IPCQ_SHM_RLOCK as created, and
 *                  IPCQ_SHM_RDONLY if the file asked is read-only.
 * @state:          IPCQ_SHM_STATE_* bits.
 * @lock_state:     the bound lock's IPCQ_SYNC_* state bits (as its
 *                  IPCQ_IOC_SYNC_STAT gives them; IPCQ_SYNC_MINE: held by
 *                  the caller); 0 without one.
 * @lock_owner_tid: thread id of its holder in the caller's PID
 *                  namespace, 0 if free or not visible.
 * @lock_waiters:   callers blocked acquiring it.
 * @lock_depth:     its recursion depth (0 when free).
 * @reserved:       zero.
 */
struct ipcq_shm_stat {
	__u64 size;
	__u64 lock_id;
	__u32 mappings;
	__u32 flags;
	__u32 state;
	__u32 lock_state;
	__u32 lock_owner_tid;
	__u32 lock_waiters;
	__u64 lock_depth;
	__u64 reserved[4];
};

/*
 * Listeners (IPCQ_FEATURE_LISTENER): multiprocessing.connection's Listener
 * and Client for unrelated processes. A listener is a named object (names
 * per IPC namespace and per type, owner, mode, IPCQ_IOC_UNLINK,
 * IPCQ_IOC_LIST) with a backlog. IPCQ_IOC_CONNECT (write permission on
 * the listener, checked at connect) makes a new pipe (see
 * IPCQ_IOC_PIPE_CREATE), duplex or, with IPCQ_CONNECT_ONEWAY, one-way
 * from the client to the server; it returns the client's end and queues
 * the server's end on the listener, where IPCQ_IOC_LISTENER_ACCEPT (on a
 * listener fd) takes it. The pipe's two queues are charged to the
 * connecting user. While the backlog is full, connect waits (NONBLOCK:
 * EAGAIN; past its deadline: ETIMEDOUT).
 *
 * A listener listens while one of its files is open. When the last is
 * closed (or its process dies), it is closed for good: its name is
 * removed, the server ends still queued are dropped, so their clients
 * receive end-of-file (IPCQ_GET_EOF) and their sends fail with EPIPE, and
 * connectors waiting for room, and every later connect that still
 * reached it, fail with ECONNREFUSED. IPCQ_IOC_UNLINK removes only the
 * name: later connects by it fail with ENOENT, while the listener still
 * accepts what was queued and what waiting connectors bring.
 *
 * A client whose end is released (closed, or its process killed) before
 * accept leaves its server end queued: accept still returns it, and its
 * first receive gives what the client sent, then end-of-file.
 *
 * A listener file is readable (POLLIN) while a connection is queued.
 * The listener counts as one object against max_objects_per_user.
 */

/* Most connections a listener queues (its backlog). */
#define IPCQ_LISTENER_BACKLOG_MAX	4096

/**
 * struct ipcq_listener_open - argument of IPCQ_IOC_LISTENER_OPEN
 * @name:     in: user address of the name; listeners are always named.
 * @name_len: in: bytes at @name (see struct ipcq_queue_open).
 * @flags:    in: IPCQ_OPEN_CREATE, _EXCL, _CLOEXEC.
 * @mode:     in: permission bits of a listener this call creates
 *            (filtered by the umask). Connecting needs write permission;
 *            opening an existing listener (to accept too) needs read and
 *            write permission.
 * @backlog:  in: with IPCQ_OPEN_CREATE, 1..IPCQ_LISTENER_BACKLOG_MAX,
 *            the most connections queued, not yet accepted; without it,
 *            0 (an existing listener keeps its backlog).
 * @reserved: in: must be zero.
 *
 * Returns the listener's fd. Errors: EINVAL bad flags, mode, backlog,
 * reserved, or no name; and as IPCQ_IOC_QUEUE_OPEN: ENAMETOOLONG,
 * ENOENT, EEXIST, EACCES, ENOSPC, ENOMEM, EMFILE, EFAULT.
 */
struct ipcq_listener_open {
	__u64 name;
	__u32 name_len;
	__u32 flags;
	__u32 mode;
	__u32 backlog;
	__u64 reserved[2];
};

/* Flags of struct ipcq_connect, besides IPCQ_OPEN_CLOEXEC. */
#define IPCQ_CONNECT_NONBLOCK	(1U << 8)	/* EAGAIN when the backlog
						 * is full
						 */
#define IPCQ_CONNECT_ONEWAY	(1U << 9)	/* the client's end only
						 * sends, the server's only
						 * receives; else duplex
						 */

/**
 * struct ipcq_connect - argument of IPCQ_IOC_CONNECT
 * @name:         in: user address of the listener's name.
 * @name_len:     in: bytes at @name.
 * @flags:        in: IPCQ_CONNECT_*, IPCQ_OPEN_CLOEXEC.
 * @deadline:     in: absolute CLOCK_MONOTONIC ns until which a full
 *                backlog is waited for, or IPCQ_DEADLINE_FOREVER.
 * @capacity:     in: most messages per direction, 0 for no count limit
 *                (as struct ipcq_pipe_create).
 * @max_msg_size: in: largest message, 0 for the module's limit.
 * @reserved:     in: must be zero.
 *
 * Returns the client's end of the new pipe, a pipe end fd. Errors: EINVAL
 * bad flags or reserved, @max_msg_size above the module's limit;
 * ENOENT no listener of that name; EACCES no write permission on it;
 * ECONNREFUSED it is closed (also while waiting); EAGAIN backlog full
 * with NONBLOCK; ETIMEDOUT still full at @deadline; ENAMETOOLONG;
 * ENOSPC, ENOMEM, EMFILE, EFAULT. Interrupted calls restart.
 */
struct ipcq_connect {
	__u64 name;
	__u32 name_len;
	__u32 flags;
	__u64 deadline;
	__u64 capacity;
	__u64 max_msg_size;
	__u64 reserved[2];
};

/* Flags of struct ipcq_accept, besides IPCQ_OPEN_CLOEXEC. */
#define IPCQ_ACCEPT_NONBLOCK	(1U << 0)	/* EAGAIN when none queued */

/**
 * struct ipcq_accept - argument of IPCQ_IOC_LISTENER_ACCEPT
 * @deadline: in: absolute CLOCK_MONOTONIC ns, or IPCQ_DEADLINE_FOREVER.
 * @flags:    in: IPCQ_ACCEPT_NONBLOCK, IPCQ_OPEN_CLOEXEC.
 * @pad:      in: must be zero.
 * @reserved: in: must be zero.
 *
 * Returns the server's end of the oldest queued connection as a new fd, a
 * pipe end whose stat carries the client's credentials. Errors: EAGAIN
 * none queued with NONBLOCK; ETIMEDOUT none by @deadline; EINVAL;
 * EMFILE (the connection stays queued); EFAULT. Interrupted calls
 * restart. Not offered through io_uring (EOPNOTSUPP).
 */
struct ipcq_accept {
	__u64 deadline;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

/* Bits of struct ipcq_listener_stat.state (and ipcq_object_info.state). */
#define IPCQ_LISTENER_NAMED	(1U << 0)	/* reachable by name */
#define IPCQ_LISTENER_CLOSED	(1U << 1)	/* closed for good */

/**
 * struct ipcq_listener_stat - argument of IPCQ_IOC_LISTENER_STAT, all out
 * @backlog:    most connections queued, as created.
 * @pending:    connections queued, not yet accepted.
 * @accepters:  callers blocked in accept.
 * @connectors: callers blocked in connect, waiting for room.
 * @state:      IPCQ_LISTENER_* bits.
 * @pad:        zero.
 * @connects:   connections queued since creation.
 * @accepts:    connections accepted since creation.
 * @reserved:   zero.
 */
struct ipcq_listener_stat {
	__u32 backlog;
	__u32 pending;
	__u32 accepters;
	__u32 connectors;
	__u32 state;
	__u32 pad;
	__u64 connects;
	__u64 accepts;
	__u64 reserved[2];
};

/*
 * ioctl numbers. Ranges, so each concept has room to grow:
 *   0x00-0x0f  device (/dev/ipcq) ioctls
 *   0x10-0x2f  message queues
 *   0x30-0x3f  pipes
 *   0x40-0x5f  synchronisation objects
 *   0x60-0x6f  rings
 *   0x70-0x7f  io_uring commands (never ioctls)
 *   0x80-0x8f  shared memory regions
 *   0x90-0x9f  listeners
 */
/* On /dev/ipcq. */
#define IPCQ_IOC_API		_IOWR(IPCQ_IOC_MAGIC, 0x00, struct ipcq_api)
#define IPCQ_IOC_QUEUE_OPEN	_IOW(IPCQ_IOC_MAGIC, 0x01, struct ipcq_queue_open)
#define IPCQ_IOC_UNLINK		_IOW(IPCQ_IOC_MAGIC, 0x02, struct ipcq_unlink)
#define IPCQ_IOC_PIPE_CREATE	_IOWR(IPCQ_IOC_MAGIC, 0x03, struct ipcq_pipe_create)
#define IPCQ_IOC_SYNC_OPEN	_IOW(IPCQ_IOC_MAGIC, 0x04, struct ipcq_sync_open)
#define IPCQ_IOC_LIST		_IOWR(IPCQ_IOC_MAGIC, 0x05, struct ipcq_list)
#define IPCQ_IOC_SHM_OPEN	_IOW(IPCQ_IOC_MAGIC, 0x06, struct ipcq_shm_open)
#define IPCQ_IOC_LISTENER_OPEN	_IOW(IPCQ_IOC_MAGIC, 0x07, struct ipcq_listener_open)
#define IPCQ_IOC_CONNECT	_IOW(IPCQ_IOC_MAGIC, 0x08, struct ipcq_connect)
#define IPCQ_IOC_WAIT_ACQUIRE	_IOWR(IPCQ_IOC_MAGIC, 0x09, struct ipcq_wait_acquire)
#define IPCQ_IOC_SET		_IOW(IPCQ_IOC_MAGIC, 0x0a, struct ipcq_set)

/* On a queue fd. */
#define IPCQ_IOC_QUEUE_PUT	_IOW(IPCQ_IOC_MAGIC, 0x10, struct ipcq_msg)
#define IPCQ_IOC_QUEUE_GET	_IOWR(IPCQ_IOC_MAGIC, 0x11, struct ipcq_msg)
#define IPCQ_IOC_QUEUE_STAT	_IOR(IPCQ_IOC_MAGIC, 0x12, struct ipcq_queue_stat)
#define IPCQ_IOC_QUEUE_TASK_DONE _IOW(IPCQ_IOC_MAGIC, 0x13, struct ipcq_task_done)
#define IPCQ_IOC_QUEUE_JOIN	_IOW(IPCQ_IOC_MAGIC, 0x14, struct ipcq_wait)
#define IPCQ_IOC_QUEUE_SHUTDOWN	_IOW(IPCQ_IOC_MAGIC, 0x15, struct ipcq_shutdown)
#define IPCQ_IOC_QUEUE_REOPEN	_IOW(IPCQ_IOC_MAGIC, 0x16, struct ipcq_reopen)
#define IPCQ_IOC_QUEUE_NOTIFY	_IOW(IPCQ_IOC_MAGIC, 0x17, struct ipcq_queue_notify)
#define IPCQ_IOC_QUEUE_PUT_MANY	_IOWR(IPCQ_IOC_MAGIC, 0x18, struct ipcq_batch)
#define IPCQ_IOC_QUEUE_GET_MANY	_IOWR(IPCQ_IOC_MAGIC, 0x19, struct ipcq_batch)

/* On a queue fd of a ring queue; see struct ipcq_ring_info. */
#define IPCQ_IOC_RING_ATTACH	_IOWR(IPCQ_IOC_MAGIC, 0x60, struct ipcq_ring_info)
#define IPCQ_IOC_RING_WAKE	_IOW(IPCQ_IOC_MAGIC, 0x61, struct ipcq_ring_wake)

/*
 * On a pipe end fd. Send and receive take struct ipcq_msg with the
 * semantics of IPCQ_IOC_QUEUE_PUT and IPCQ_IOC_QUEUE_GET: receive returns
 * IPCQ_GET_EOF once the peer end is closed and everything it sent has been
 * received; send fails with EPIPE once the peer end is closed. EBADF: the
 * end cannot send (receive).
 */
#define IPCQ_IOC_PIPE_SEND	_IOW(IPCQ_IOC_MAGIC, 0x30, struct ipcq_msg)
#define IPCQ_IOC_PIPE_RECV	_IOWR(IPCQ_IOC_MAGIC, 0x31, struct ipcq_msg)
#define IPCQ_IOC_PIPE_STAT	_IOR(IPCQ_IOC_MAGIC, 0x32, struct ipcq_pipe_stat)
/* Batches of send and receive, struct ipcq_batch (IPCQ_FEATURE_BATCH). */
#define IPCQ_IOC_PIPE_SEND_MANY	_IOWR(IPCQ_IOC_MAGIC, 0x33, struct ipcq_batch)
#define IPCQ_IOC_PIPE_RECV_MANY	_IOWR(IPCQ_IOC_MAGIC, 0x34, struct ipcq_batch)

/*
 * On a sync object fd; an operation of another kind of object fails with
 * ENOTTY, every operation on a destroyed object with EIDRM. Waits are
 * restarted after signals (the deadline is absolute); barrier waits sleep
 * through signals other than fatal ones.
 *
 * SEM_ACQUIRE: take one unit; EAGAIN, ETIMEDOUT.
 * SEM_RELEASE: give @count units back; EOVERFLOW if the value would pass
 *   its maximum (BOUNDED: the initial value), nothing changed.
 * LOCK_ACQUIRE: 0, or EOWNERDEAD: acquired, but the previous holder's file
 *   was released while holding it (its process died): the state it guards
 *   may be inconsistent; LOCK_CONSISTENT before LOCK_RELEASE keeps the
 *   lock usable, releasing without it makes every later acquire fail with
 *   ENOTRECOVERABLE. An RLock held by the calling thread is re-entered.
 *   EAGAIN, ETIMEDOUT.
 * LOCK_RELEASE: EPERM if the caller does not hold it (a Lock may be
 *   released by anyone while locked, an RLock only by its holder).
 * LOCK_CONSISTENT: EINVAL unless the caller holds it after EOWNERDEAD.
 * EVENT_SET, EVENT_CLEAR; EVENT_WAIT: 0 once set; EAGAIN, ETIMEDOUT. On an
 *   IPCQ_SYNC_AUTO_RESET event the wait that finds it set clears it: each
 *   set lets one waiter (or wait-acquire) through; a set with nobody
 *   waiting stays set until one comes. There is no pulse.
 * COND_WAIT: the caller must hold the bound lock (EPERM): releases it and
 *   sleeps in one step, so no notify is lost; returns with the lock held
 *   again (at the same recursion depth) whatever the outcome: 0 notified,
 *   ETIMEDOUT, EINTR, or EOWNERDEAD as for LOCK_ACQUIRE.
 * COND_NOTIFY: wake @count waiters (0: all); EPERM without the lock.
 * BARRIER_WAIT: returns the arrival index, 0..parties-1, when the last
 *   party arrives. ECANCELED: the barrier is broken (aborted, reset while
 *   waiting, a waiter timed out, or a waiter was killed). ETIMEDOUT for the
 *   waiter whose deadline passed (it breaks the barrier).
 * BARRIER_ABORT: break it. BARRIER_RESET: wake current waiters with
 *   ECANCELED and start afresh, unbroken.
 * SYNC_DESTROY: the owner, the creator or CAP_IPC_OWNER (else EPERM) ends
 *   the object: its name goes, waiters wake with EIDRM.
 */
#define IPCQ_IOC_SEM_ACQUIRE	_IOW(IPCQ_IOC_MAGIC, 0x40, struct ipcq_sync_op)
#define IPCQ_IOC_SEM_RELEASE	_IOW(IPCQ_IOC_MAGIC, 0x41, struct ipcq_sync_op)
#define IPCQ_IOC_LOCK_ACQUIRE	_IOW(IPCQ_IOC_MAGIC, 0x42, struct ipcq_sync_op)
#define IPCQ_IOC_LOCK_RELEASE	_IOW(IPCQ_IOC_MAGIC, 0x43, struct ipcq_sync_op)
#define IPCQ_IOC_LOCK_CONSISTENT _IOW(IPCQ_IOC_MAGIC, 0x44, struct ipcq_sync_op)
#define IPCQ_IOC_EVENT_SET	_IOW(IPCQ_IOC_MAGIC, 0x45, struct ipcq_sync_op)
#define IPCQ_IOC_EVENT_CLEAR	_IOW(IPCQ_IOC_MAGIC, 0x46, struct ipcq_sync_op)
#define IPCQ_IOC_EVENT_WAIT	_IOW(IPCQ_IOC_MAGIC, 0x47, struct ipcq_sync_op)
#define IPCQ_IOC_COND_WAIT	_IOW(IPCQ_IOC_MAGIC, 0x48, struct ipcq_sync_op)
#define IPCQ_IOC_COND_NOTIFY	_IOW(IPCQ_IOC_MAGIC, 0x49, struct ipcq_sync_op)
#define IPCQ_IOC_BARRIER_WAIT	_IOW(IPCQ_IOC_MAGIC, 0x4a, struct ipcq_sync_op)
#define IPCQ_IOC_BARRIER_ABORT	_IOW(IPCQ_IOC_MAGIC, 0x4b, struct ipcq_sync_op)
#define IPCQ_IOC_BARRIER_RESET	_IOW(IPCQ_IOC_MAGIC, 0x4c, struct ipcq_sync_op)
#define IPCQ_IOC_SYNC_DESTROY	_IOW(IPCQ_IOC_MAGIC, 0x4d, struct ipcq_sync_op)
#define IPCQ_IOC_SYNC_REOPEN	_IOW(IPCQ_IOC_MAGIC, 0x4e, struct ipcq_reopen)
#define IPCQ_IOC_SYNC_STAT	_IOR(IPCQ_IOC_MAGIC, 0x4f, struct ipcq_sync_stat)
/*
 * On a semaphore of IPCQ_SYNC_SHARED (ENXIO otherwise): SEM_SHARE hands
 * out the layout to map it (struct ipcq_sem_share), also once destroyed,
 * as SYNC_STAT does; SEM_WAKE wakes up to @count waiters after a release
 * made in the shared page (EINVAL for count 0, EIDRM once destroyed).
 */
#define IPCQ_IOC_SEM_SHARE	_IOR(IPCQ_IOC_MAGIC, 0x50, struct ipcq_sem_share)
#define IPCQ_IOC_SEM_WAKE	_IOW(IPCQ_IOC_MAGIC, 0x51, struct ipcq_sync_op)
/*
 * On a semaphore that is not SHARED (EOPNOTSUPP otherwise; feature
 * IPCQ_FEATURE_WAIT_ACQUIRE):
 * SEM_ACQUIRE_N: take @count units at once, waiting until that many are
 *   there; nothing is taken until all are (EINVAL for count 0 or above
 *   the maximum). Requests for fewer units may pass a waiting one for
 *   more. EAGAIN, ETIMEDOUT.
 * SEM_WAIT_ZERO: wait until the value is 0 (SysV semop with sem_op 0);
 *   @count zero. EAGAIN, ETIMEDOUT.
 * SEM_SET_VALUE: set the value to @count (SysV SETVAL): the owner, the
 *   creator or CAP_IPC_OWNER (else EPERM); EOVERFLOW above the maximum
 *   (BOUNDED: the initial value). Every waiter is judged again. Units
 *   files hold for UNDO stay theirs (SysV clears them): a file released
 *   later still gives its units back, up to the maximum.
 * None of the three is an io_uring command (EOPNOTSUPP there), nor is
 * IPCQ_IOC_WAIT_ACQUIRE, a device ioctl.
 */
#define IPCQ_IOC_SEM_ACQUIRE_N	_IOW(IPCQ_IOC_MAGIC, 0x52, struct ipcq_sync_op)
#define IPCQ_IOC_SEM_WAIT_ZERO	_IOW(IPCQ_IOC_MAGIC, 0x53, struct ipcq_sync_op)
#define IPCQ_IOC_SEM_SET_VALUE	_IOW(IPCQ_IOC_MAGIC, 0x54, struct ipcq_sync_op)
/*
 * On a lock of IPCQ_SYNC_SHARED (ENXIO otherwise; feature
 * IPCQ_FEATURE_LOCK_SHARED): LOCK_SHARE hands out the layout to map it
 * and this file's owner id (struct ipcq_lock_share), also once destroyed;
 * LOCK_WAKE wakes a waiter after a release made in the shared page
 * (@count zero; EIDRM once destroyed).
 */
#define IPCQ_IOC_LOCK_SHARE	_IOR(IPCQ_IOC_MAGIC, 0x55, struct ipcq_lock_share)
#define IPCQ_IOC_LOCK_WAKE	_IOW(IPCQ_IOC_MAGIC, 0x56, struct ipcq_sync_op)

/*
 * On a shared memory region fd. SHM_STAT: struct ipcq_shm_stat.
 * SHM_LOCK: a new file (fd) on the region's bound lock, an ordinary lock
 * file (LOCK_ACQUIRE, _RELEASE, _CONSISTENT, SYNC_STAT, _REOPEN, ...);
 * any file of the region may ask, read-only ones too; flags:
 * IPCQ_OPEN_CLOEXEC or 0. Errors: ENXIO the region has no bound lock;
 * EINVAL; EMFILE; ENOMEM; EFAULT.
 */
#define IPCQ_IOC_SHM_STAT	_IOR(IPCQ_IOC_MAGIC, 0x80, struct ipcq_shm_stat)
#define IPCQ_IOC_SHM_LOCK	_IOW(IPCQ_IOC_MAGIC, 0x81, struct ipcq_reopen)

/*
 * On a listener fd: ACCEPT (struct ipcq_accept), STAT (struct
 * ipcq_listener_stat).
 */
#define IPCQ_IOC_LISTENER_ACCEPT _IOW(IPCQ_IOC_MAGIC, 0x90, struct ipcq_accept)
#define IPCQ_IOC_LISTENER_STAT	_IOR(IPCQ_IOC_MAGIC, 0x91, struct ipcq_listener_stat)

#endif /* _UAPI_LINUX_IPCQ_H */
