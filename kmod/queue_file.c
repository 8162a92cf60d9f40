// SPDX-License-Identifier: GPL-2.0
/*
 * Queue endpoint files: opening and creating queues (IPCQ_IOC_QUEUE_OPEN),
 * a file per endpoint, its ioctls, read(2) and write(2) (a get and a put
 * each, queue_xfer.c), poll, stat and fdinfo.
 *
 * A queue file is a producer (FMODE_WRITE: may put), a consumer
 * (FMODE_READ: may get), both, or an observer (neither: stat, shutdown,
 * task_done, join). Each file counts as an endpoint from creation until
 * its release, so the release of the last producer or consumer file, in
 * whichever process, is what readers see as end-of-file and writers as
 * EPIPE (queue.c).
 *
 * Locks: none of its own; the queue's lock is taken by queue.c.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/math64.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "queue.h"

static const struct ipcq_file_type ipcq_queue_file_type;

static u32 ipcq_file_roles(struct file *file)
{
	return (file->f_mode & FMODE_WRITE ? IPCQ_OPEN_PRODUCER : 0) |
	       (file->f_mode & FMODE_READ ? IPCQ_OPEN_CONSUMER : 0);
}

/*
 * Makes a new file for @q with @roles and returns its fd. Takes a new
 * reference to the queue for the file.
 */
static int ipcq_queue_install(struct ipcq_queue *q, u32 roles, u32 flags)
{
	struct file *file;
	int accmode, fd;

	if (roles == (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER))
		accmode = O_RDWR;
	else if (roles == IPCQ_OPEN_PRODUCER)
		accmode = O_WRONLY;
	else if (roles == IPCQ_OPEN_CONSUMER)
		accmode = O_RDONLY;
	else
		accmode = O_ACCMODE;	/* an observer: neither read nor write */

	fd = get_unused_fd_flags(flags & IPCQ_OPEN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	ipcq_object_get(&q->obj);
	file = ipcq_anon_file("[ipcq-queue]", &ipcq_queue_file_type, q,
			      accmode);
	if (IS_ERR(file)) {
		ipcq_object_put(&q->obj);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* read(2) and write(2) honour RWF_NOWAIT (and io_uring's tries). */
	file->f_mode |= FMODE_NOWAIT;
	/*
	 * Counted once nothing can fail: a file that never was must not
	 * leave a queue with its last producer gone.
	 */
	ipcq_queue_attach(q, roles);
	fd_install(fd, file);
	return fd;
}

static long ipcq_queue_reopen(struct ipcq_queue *q, struct file *file,
			      struct ipcq_reopen __user *uarg)
{
	const u32 roles = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;
	struct ipcq_reopen arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~(roles | IPCQ_OPEN_CLOEXEC)) || arg.pad ||
	    arg.reserved)
		return -EINVAL;
	/* A file grants no role it was not opened with. */
	if (arg.flags & roles & ~ipcq_file_roles(file))
		return -EACCES;
	return ipcq_queue_install(q, arg.flags & roles, arg.flags);
}

static long ipcq_queue_stat(struct ipcq_queue *q, struct file *file,
			    struct ipcq_queue_stat __user *uarg)
{
	struct ipcq_queue_stat st;

	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, ipcq_file_roles(file), &st);
	spin_unlock(&q->lock);
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

/* The queue file's operations, for ioctl(2) (@call NULL) and io_uring. */
static long ipcq_queue_dispatch(struct file *file, unsigned int cmd,
				unsigned long arg, struct ipcq_call *call)
{
	struct ipcq_queue *q = file->private_data;
	void __user *argp = (void __user *)arg;
	/* O_NONBLOCK of the open file, for ioctl(2) only. */
	u32 xflags = !call && (READ_ONCE(file->f_flags) & O_NONBLOCK) ?
		     IPCQ_MSG_NONBLOCK : 0;

	switch (cmd) {
	case IPCQ_IOC_QUEUE_PUT:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return ipcq_queue_put(q, argp, call, xflags);
	case IPCQ_IOC_QUEUE_GET:
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		return ipcq_queue_get(q, argp, call, xflags);
	case IPCQ_IOC_QUEUE_PUT_MANY:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return ipcq_queue_put_many(q, argp, call, xflags);
	case IPCQ_IOC_QUEUE_GET_MANY:
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		return ipcq_queue_get_many(q, argp, call, xflags);
	case IPCQ_IOC_QUEUE_STAT:
		return ipcq_queue_stat(q, file, argp);
	case IPCQ_IOC_QUEUE_TASK_DONE:
		return ipcq_queue_task_done(q, argp);
	case IPCQ_IOC_QUEUE_JOIN:
		return ipcq_queue_join(q, argp, call);
	case IPCQ_IOC_QUEUE_SHUTDOWN:
		return ipcq_queue_shutdown(q, argp);
	case IPCQ_IOC_QUEUE_REOPEN:
		return ipcq_queue_reopen(q, file, argp);
	case IPCQ_IOC_QUEUE_NOTIFY:
		if (call)
			return -EOPNOTSUPP;
		return ipcq_queue_notify(q, file, argp);
	case IPCQ_IOC_RING_ATTACH:
		return ipcq_ring_attach(q, file, ipcq_file_roles(file), argp);
	case IPCQ_IOC_RING_WAKE:
		return ipcq_queue_ring_wake(q, argp);
	default:
		return -ENOTTY;
	}
}

/* read(2): one message, as a get without flags (queue_xfer.c). */
static ssize_t ipcq_queue_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return ipcq_queue_read(iocb->ki_filp->private_data, to,
			       ipcq_rw_xflags(iocb));
}

/* write(2): one message of priority 0, as a put without flags. */
static ssize_t ipcq_queue_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return ipcq_queue_write(iocb->ki_filp->private_data, from,
				ipcq_rw_xflags(iocb));
}

static __poll_t ipcq_queue_poll(struct file *file, poll_table *wait)
{
	return ipcq_queue_poll_roles(file->private_data, file,
				     ipcq_file_roles(file), wait);
}

static struct ipcq_object *ipcq_queue_object_of(struct file *file,
						unsigned int i)
{
	struct ipcq_queue *q = file->private_data;

	return i ? NULL : &q->obj;
}

static int ipcq_queue_release(struct inode *inode, struct file *file)
{
	struct ipcq_queue *q = file->private_data;

	ipcq_queue_notify_drop(q, file);
	ipcq_queue_detach(q, ipcq_file_roles(file));
	ipcq_object_put(&q->obj);
	return 0;
}

static void ipcq_queue_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct ipcq_queue *q = file->private_data;
	struct ipcq_queue_stat st;

	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, ipcq_file_roles(file), &st);
	spin_unlock(&q->lock);

	ipcq_object_show_fdinfo(m, &q->obj);
	seq_printf(m, "endpoint:\t%s%s\n",
		   st.endpoint & IPCQ_OPEN_PRODUCER ? "producer" : "",
		   st.endpoint == (IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER) ?
		   ",consumer" :
		   (st.endpoint & IPCQ_OPEN_CONSUMER ? "consumer" : ""));
	seq_printf(m, "messages:\t%llu\nbytes:\t%llu\ncapacity:\t%llu\n",
		   st.messages, st.bytes, st.capacity);
	seq_printf(m, "max_msg_size:\t%llu\nmax_bytes:\t%llu\n",
		   st.max_msg_size, st.max_bytes);
	seq_printf(m, "unfinished:\t%llu\nputters:\t%u\ngetters:\t%u\n",
		   st.unfinished, st.putters, st.getters);
	seq_printf(m, "joiners:\t%u\nproducers:\t%u\nconsumers:\t%u\n",
		   st.joiners, st.producers, st.consumers);
	seq_printf(m, "shutdown:\t%u\n", !!(st.state & IPCQ_STATE_SHUTDOWN));
	seq_printf(m, "nohup:\t%u\nnotify:\t%u\n",
		   !!(st.state & IPCQ_STATE_NOHUP),
		   !!(st.state & IPCQ_STATE_NOTIFY));
	seq_printf(m, "msg_cache_bytes:\t%d\n",
		   atomic_read(&q->msg_cache_bytes));
	if (q->ring)
		ipcq_ring_show_fdinfo(m, q->ring);
}

static const struct ipcq_file_type ipcq_queue_file_type =
	/* Only an attachment file maps a ring; the queue file maps nothing. */
	IPCQ_FILE_TYPE_RW(ipcq_queue_dispatch, ipcq_queue_object_of,
			  ipcq_queue_release, ipcq_queue_poll, NULL,
			  ipcq_queue_show_fdinfo, ipcq_queue_read_iter,
			  ipcq_queue_write_iter);

/*
 * For a wait on several objects (wait_acquire.c): the queue @file gets
 * from, ERR_PTR(-EBADF) if it is not a consumer, NULL if not a queue file.
 */
struct ipcq_queue *ipcq_queue_consumer_of(struct file *file)
{
	if (file->f_op != &ipcq_queue_file_type.fops)
		return NULL;
	if (!(file->f_mode & FMODE_READ))
		return ERR_PTR(-EBADF);
	return file->private_data;
}

static struct ipcq_object *ipcq_queue_create(void *arg)
{
	struct ipcq_queue *q = ipcq_queue_create_obj(arg);

	return IS_ERR(q) ? ERR_CAST(q) : &q->obj;
}

/* A new anonymous queue with one reference, or an ERR_PTR. */
struct ipcq_queue *ipcq_queue_new(const struct ipcq_queue_attr *attr)
{
	struct ipcq_object *obj;
	bool created;

	obj = ipcq_object_open(IPCQ_TYPE_QUEUE, 0, 0, 0, ipcq_queue_create,
			       (void *)attr, &created);
	return IS_ERR(obj) ? ERR_CAST(obj) :
			     container_of(obj, struct ipcq_queue, obj);
}

/* Checks the ring part of @arg and sets @attr's ring from it. */
static int ipcq_queue_ring_attr(const struct ipcq_queue_open *arg,
				struct ipcq_queue_attr *attr)
{
	u64 max_bytes = READ_ONCE(ipcq_max_queue_bytes);

	if (!(arg->flags & IPCQ_OPEN_RING))
		return arg->slot_size ? -EINVAL : 0;
	if (arg->capacity > IPCQ_RING_SLOTS_MAX ||
	    arg->slot_size > IPCQ_RING_SLOT_MAX)
		return -EINVAL;
	attr->ring_slots = arg->capacity ?: IPCQ_RING_SLOTS_DEFAULT;
	/*
	 * The ring alone never holds more than max_queue_bytes, so its users
	 * need no byte count: a default slot shrinks to fit, a slot size
	 * asked for must fit.
	 */
	if (arg->slot_size && arg->slot_size * attr->ring_slots > max_bytes)
		return -EINVAL;
	attr->slot_size = min_t(u64, arg->slot_size ?: IPCQ_RING_SLOT_DEFAULT,
				attr->max_msg_size);
	attr->slot_size = min_t(u64, attr->slot_size,
				div_u64(max_bytes, attr->ring_slots));
	return 0;
}

long ipcq_queue_open(struct ipcq_queue_open __user *uarg)
{
	const u32 roles = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;
	const u32 known = roles | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL |
			  IPCQ_OPEN_CLOEXEC | IPCQ_OPEN_RING | IPCQ_OPEN_NOHUP;
	unsigned int max_msg_size = READ_ONCE(ipcq_max_msg_size);
	struct ipcq_queue_attr attr;
	struct ipcq_queue_open arg;
	struct ipcq_object *obj;
	bool created;
	long ret;
	int may;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_open_args_valid(arg.flags, known, arg.mode, arg.pad,
				  arg.reserved, ARRAY_SIZE(arg.reserved)) ||
	    arg.max_msg_size > max_msg_size)
		return -EINVAL;

	memset(&attr, 0, sizeof(attr));
	attr.capacity = arg.capacity;
	attr.max_msg_size = arg.max_msg_size ?: max_msg_size;
	attr.mode = arg.mode & ~current_umask();
	attr.nohup = arg.flags & IPCQ_OPEN_NOHUP;
	ret = ipcq_queue_ring_attr(&arg, &attr);
	if (ret)
		return ret;
	obj = ipcq_object_open(IPCQ_TYPE_QUEUE, arg.name, arg.name_len,
			       arg.flags, ipcq_queue_create, &attr, &created);
	if (IS_ERR(obj))
		return PTR_ERR(obj);

	/*
	 * The creator gets the endpoints it asked for, like open(O_CREAT).
	 * An observer (no role) needs read permission, as a consumer.
	 */
	may = (arg.flags & IPCQ_OPEN_PRODUCER ? MAY_WRITE : 0) |
	      (arg.flags & roles & ~IPCQ_OPEN_PRODUCER || !(arg.flags & roles) ?
	       MAY_READ : 0);
	ret = created ? 0 : ipcq_object_permission(obj, may);
	if (!ret)
		ret = ipcq_queue_install(container_of(obj, struct ipcq_queue,
						      obj),
					 arg.flags & roles, arg.flags);
	ipcq_object_put(obj);
	return ret;
}
