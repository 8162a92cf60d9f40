// SPDX-License-Identifier: GPL-2.0
/*
 * Listeners: multiprocessing.connection's Listener and Client, as ipcq
 * objects (IPCQ_TYPE_LISTENER), always named in an IPC namespace.
 *
 * This file owns creating and opening listeners (IPCQ_IOC_LISTENER_OPEN),
 * connecting by name (IPCQ_IOC_CONNECT), the listener files and their
 * ioctls (ACCEPT, STAT), poll, fdinfo and LIST info. A connection is a
 * pipe made by pipe.c (ipcq_pipe_connection()); its server end waits in
 * the listener's backlog as a struct file until accept installs it.
 *
 * A listener listens while one of its files is open (@files). When the
 * last is released it is closed for good: its name is removed, the
 * queued server ends are dropped (their clients see end-of-file), and
 * connectors waiting, or arriving later through a lookup made before the
 * name went, fail with ECONNREFUSED.
 *
 * Locks: ipcq_listener.lock (an object lock, ipcq.h line 3) guards
 * @pending, @npending, @files, @closed, the counters and the waiter
 * counts; files are fput and the name forgotten with it dropped. The
 * registry lock is taken only by registry.c's calls, never under it.
 *
 * Lifetime: listener files and the registry (while named) hold
 * references; a queued connection holds its server end's file, dropped by
 * accept (installed) or by the close (fput).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ipcq.h"

struct ipcq_listener {
	struct ipcq_object obj;
	spinlock_t lock;		/* the fields below but backlog */
	u32 backlog;			/* as created */
	struct list_head pending;	/* struct ipcq_conn, oldest first */
	u32 npending;
	u32 files;			/* listener files open */
	bool closed;			/* the last file went: for good */
	u32 accepters, connectors;	/* blocked in accept, in connect */
	u64 connects, accepts;
	wait_queue_head_t accept_wq;	/* accepters and poll */
	wait_queue_head_t connect_wq;	/* connectors waiting for room */
	struct ipcq_peer creator;	/* the client ends' peer */
};

/* A queued connection: the server's end, not yet accepted. */
struct ipcq_conn {
	struct list_head node;
	struct file *file;
};

struct ipcq_listener_attr {
	u32 backlog;
	umode_t mode;
};

static const struct ipcq_file_type ipcq_listener_file_type;

static struct ipcq_listener *ipcq_listener_of(struct ipcq_object *obj)
{
	return container_of(obj, struct ipcq_listener, obj);
}

static void ipcq_conns_drop(struct list_head *list)
{
	struct ipcq_conn *c, *tmp;

	list_for_each_entry_safe(c, tmp, list, node) {
		list_del(&c->node);
		fput(c->file);
		kfree(c);
	}
}

static u32 ipcq_listener_state(struct ipcq_listener *l)
{
	u32 state = 0;

	if (READ_ONCE(l->obj.ns))
		state |= IPCQ_LISTENER_NAMED;
	if (l->closed)
		state |= IPCQ_LISTENER_CLOSED;
	return state;
}

static void ipcq_listener_fill_stat(struct ipcq_listener *l,
				    struct ipcq_listener_stat *st)
{
	memset(st, 0, sizeof(*st));
	spin_lock(&l->lock);
	st->backlog = l->backlog;
	st->pending = l->npending;
	st->accepters = l->accepters;
	st->connectors = l->connectors;
	st->state = ipcq_listener_state(l);
	st->connects = l->connects;
	st->accepts = l->accepts;
	spin_unlock(&l->lock);
}

static long ipcq_listener_stat(struct ipcq_listener *l,
			       struct ipcq_listener_stat __user *uarg)
{
	struct ipcq_listener_stat st;

	ipcq_listener_fill_stat(l, &st);
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

struct ipcq_accept_ctx {
	struct ipcq_listener *l;
	struct ipcq_conn *conn;
};

/* Accept's readiness: the oldest queued connection, taken. */
static bool ipcq_accept_ready(void *arg, long *ret)
{
	struct ipcq_accept_ctx *ctx = arg;
	struct ipcq_listener *l = ctx->l;

	lockdep_assert_held(&l->lock);
	if (list_empty(&l->pending))
		return false;
	ctx->conn = list_first_entry(&l->pending, struct ipcq_conn, node);
	list_del(&ctx->conn->node);
	l->npending--;
	l->accepts++;
	*ret = 0;
	return true;
}

static long ipcq_listener_accept(struct ipcq_listener *l,
				 struct ipcq_accept __user *uarg)
{
	const u32 known = IPCQ_ACCEPT_NONBLOCK | IPCQ_OPEN_CLOEXEC;
	struct ipcq_accept_ctx ctx = { .l = l };
	struct ipcq_waiter w = {
		.obj = &l->obj,
		.wq = &l->accept_wq,
		.waiters = &l->accepters,
		.exclusive = true,
	};
	struct ipcq_accept arg;
	long ret;
	int fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~known) || arg.pad ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	w.deadline = arg.deadline;
	w.nonblock = arg.flags & IPCQ_ACCEPT_NONBLOCK;

	/* The fd first: a connection once taken is never put back. */
	fd = get_unused_fd_flags(arg.flags & IPCQ_OPEN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	spin_lock(&l->lock);
	ret = ipcq_wait(&w, ipcq_accept_ready, &ctx);
	spin_unlock(&l->lock);
	if (ret) {
		put_unused_fd(fd);
		return ret;
	}
	/* Room in the backlog for one connector. */
	wake_up(&l->connect_wq);
	fd_install(fd, ctx.conn->file);
	kfree(ctx.conn);
	return fd;
}

/* The listener file's operations; none is offered through io_uring. */
static long ipcq_listener_dispatch(struct file *file, unsigned int cmd,
				   unsigned long arg, struct ipcq_call *call)
{
	struct ipcq_listener *l = file->private_data;
	void __user *argp = (void __user *)arg;

	if (call)
		return -EOPNOTSUPP;
	switch (cmd) {
	case IPCQ_IOC_LISTENER_ACCEPT:
		return ipcq_listener_accept(l, argp);
	case IPCQ_IOC_LISTENER_STAT:
		return ipcq_listener_stat(l, argp);
	default:
		return -ENOTTY;
	}
}

static __poll_t ipcq_listener_poll(struct file *file, poll_table *wait)
{
	struct ipcq_listener *l = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &l->accept_wq, wait);
	spin_lock(&l->lock);
	if (l->npending)
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&l->lock);
	return mask;
}

static struct ipcq_object *ipcq_listener_object_of(struct file *file,
						   unsigned int i)
{
	struct ipcq_listener *l = file->private_data;

	return i ? NULL : &l->obj;
}

/*
 * One listener file fewer (released, or never installed); the last
 * closes the listener: see the top comment.
 */
static void ipcq_listener_unref(struct ipcq_listener *l)
{
	LIST_HEAD(drop);
	bool last;

	spin_lock(&l->lock);
	last = !--l->files;
	if (last) {
		l->closed = true;
		list_splice_init(&l->pending, &drop);
		l->npending = 0;
	}
	spin_unlock(&l->lock);
	if (!last)
		return;
	wake_up_all(&l->connect_wq);
	wake_up_all(&l->accept_wq);
	ipcq_conns_drop(&drop);
	ipcq_registry_forget(&l->obj);
}

static int ipcq_listener_release(struct inode *inode, struct file *file)
{
	struct ipcq_listener *l = file->private_data;

	ipcq_listener_unref(l);
	ipcq_object_put(&l->obj);
	return 0;
}

static void ipcq_listener_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct ipcq_listener *l = file->private_data;
	struct ipcq_listener_stat st;

	ipcq_listener_fill_stat(l, &st);
	ipcq_object_show_fdinfo(m, &l->obj);
	seq_printf(m, "backlog:\t%u\npending:\t%u\naccepters:\t%u\nconnectors:\t%u\n",
		   st.backlog, st.pending, st.accepters, st.connectors);
	seq_printf(m, "connects:\t%llu\naccepts:\t%llu\nstate:\t%#x\n",
		   st.connects, st.accepts, st.state);
}

static const struct ipcq_file_type ipcq_listener_file_type =
	IPCQ_FILE_TYPE(ipcq_listener_dispatch, ipcq_listener_object_of,
		       ipcq_listener_release, ipcq_listener_poll, NULL,
		       ipcq_listener_show_fdinfo);

static void ipcq_listener_free(struct ipcq_object *obj)
{
	struct ipcq_listener *l = ipcq_listener_of(obj);

	/* Connections queued while no file was ever installed. */
	ipcq_conns_drop(&l->pending);
	ipcq_peer_put(&l->creator);
	kfree(l);
}

static void ipcq_listener_info(struct ipcq_object *obj,
			       struct ipcq_object_info *info)
{
	struct ipcq_listener *l = ipcq_listener_of(obj);

	spin_lock(&l->lock);
	info->value = l->npending;
	info->capacity = l->backlog;
	info->waiters = l->accepters + l->connectors;
	info->state = ipcq_listener_state(l);
	spin_unlock(&l->lock);
}

static const struct ipcq_object_ops ipcq_listener_ops = {
	.free = ipcq_listener_free,
	.info = ipcq_listener_info,
};

static struct ipcq_object *ipcq_listener_create(void *arg)
{
	const struct ipcq_listener_attr *attr = arg;
	struct ipcq_listener *l;
	int ret;

	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&l->lock);
	INIT_LIST_HEAD(&l->pending);
	init_waitqueue_head(&l->accept_wq);
	init_waitqueue_head(&l->connect_wq);
	l->backlog = attr->backlog;
	ret = ipcq_object_init(&l->obj, IPCQ_TYPE_LISTENER, &ipcq_listener_ops,
			       &l->lock, attr->mode);
	if (ret) {
		kfree(l);
		return ERR_PTR(ret);
	}
	ipcq_peer_current(&l->creator);
	ipcq_object_publish(&l->obj);
	return &l->obj;
}

/*
 * Counts one more file on @l unless it is closed (-ENOENT: its name is
 * going or gone).
 */
static int ipcq_listener_ref(struct ipcq_listener *l)
{
	int ret = 0;

	spin_lock(&l->lock);
	if (l->closed)
		ret = -ENOENT;
	else
		l->files++;
	spin_unlock(&l->lock);
	return ret;
}

long ipcq_listener_open(struct ipcq_listener_open __user *uarg)
{
	const u32 known = IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL | IPCQ_OPEN_CLOEXEC;
	struct ipcq_listener_attr attr;
	struct ipcq_listener_open arg;
	struct ipcq_object *obj;
	struct ipcq_listener *l;
	bool created;
	long ret;
	int tries;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_open_args_valid(arg.flags, known, arg.mode, 0, arg.reserved,
				  ARRAY_SIZE(arg.reserved)) || !arg.name)
		return -EINVAL;
	if (arg.flags & IPCQ_OPEN_CREATE ?
	    !arg.backlog || arg.backlog > IPCQ_LISTENER_BACKLOG_MAX :
	    arg.backlog)
		return -EINVAL;
	attr.backlog = arg.backlog;
	attr.mode = arg.mode & ~current_umask();

	/* A closed listener's name is about to go: forget it, look again. */
	for (tries = 0; ; tries++) {
		obj = ipcq_object_open(IPCQ_TYPE_LISTENER, arg.name,
				       arg.name_len, arg.flags,
				       ipcq_listener_create, &attr, &created);
		if (IS_ERR(obj))
			return PTR_ERR(obj);
		l = ipcq_listener_of(obj);
		ret = created ? 0 : ipcq_object_permission(obj, MAY_READ |
							   MAY_WRITE);
		if (ret)
			goto out_put;
		ret = ipcq_listener_ref(l);
		if (!ret)
			break;
		ipcq_registry_forget(obj);
		ipcq_object_put(obj);
		if (!(arg.flags & IPCQ_OPEN_CREATE) || tries)
			return ret;
	}

	ipcq_object_get(obj);
	ret = ipcq_install_file("[ipcq-listener]", &ipcq_listener_file_type, l,
				O_RDWR, arg.flags & IPCQ_OPEN_CLOEXEC);
	if (ret < 0) {
		ipcq_listener_unref(l);
		ipcq_object_put(obj);
	}
out_put:
	ipcq_object_put(obj);
	return ret;
}

struct ipcq_connect_ctx {
	struct ipcq_listener *l;
	struct ipcq_conn *conn;
};

/* Connect's readiness: room in the backlog, taken; refused once closed. */
static bool ipcq_connect_ready(void *arg, long *ret)
{
	struct ipcq_connect_ctx *ctx = arg;
	struct ipcq_listener *l = ctx->l;

	lockdep_assert_held(&l->lock);
	if (l->closed) {
		*ret = -ECONNREFUSED;
		return true;
	}
	if (l->npending >= l->backlog)
		return false;
	list_add_tail(&ctx->conn->node, &l->pending);
	l->npending++;
	l->connects++;
	*ret = 0;
	return true;
}

/* Queues @conn on @l as @arg says: 0 or an error (@conn not queued). */
static long ipcq_connect_queue(struct ipcq_listener *l, struct ipcq_conn *conn,
			       const struct ipcq_connect *arg)
{
	struct ipcq_connect_ctx ctx = { .l = l, .conn = conn };
	struct ipcq_waiter w = {
		.obj = &l->obj,
		.wq = &l->connect_wq,
		.waiters = &l->connectors,
		.deadline = arg->deadline,
		.exclusive = true,
		.nonblock = arg->flags & IPCQ_CONNECT_NONBLOCK,
	};
	long ret;

	spin_lock(&l->lock);
	ret = ipcq_wait(&w, ipcq_connect_ready, &ctx);
	spin_unlock(&l->lock);
	if (!ret)
		wake_up(&l->accept_wq);
	return ret;
}

long ipcq_listener_connect(struct ipcq_connect __user *uarg)
{
	const u32 known = IPCQ_CONNECT_NONBLOCK | IPCQ_CONNECT_ONEWAY |
			  IPCQ_OPEN_CLOEXEC;
	unsigned int max_msg_size = READ_ONCE(ipcq_max_msg_size);
	struct ipcq_queue_attr attr;
	struct file *files[2];
	struct ipcq_connect arg;
	struct ipcq_object *obj;
	struct ipcq_conn *conn;
	struct ipcq_peer client;
	struct ipcq_name name;
	bool created;
	long ret;
	int fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~known) ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)) ||
	    arg.max_msg_size > max_msg_size)
		return -EINVAL;
	ret = ipcq_name_from_user(&name, arg.name, arg.name_len);
	if (ret)
		return ret;
	obj = ipcq_registry_open(IPCQ_TYPE_LISTENER, &name, 0, NULL, NULL,
				 &created);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ret = ipcq_object_permission(obj, MAY_WRITE);
	if (ret)
		goto out_put;

	memset(&attr, 0, sizeof(attr));
	attr.capacity = arg.capacity;
	attr.max_msg_size = arg.max_msg_size ?: max_msg_size;
	attr.mode = 0600;
	ret = -ENOMEM;
	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		goto out_put;
	fd = get_unused_fd_flags(arg.flags & IPCQ_OPEN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto out_conn;
	}
	ipcq_peer_current(&client);
	ret = ipcq_pipe_connection(&attr, arg.flags & IPCQ_CONNECT_ONEWAY,
				   &client, &ipcq_listener_of(obj)->creator,
				   files);
	ipcq_peer_put(&client);
	if (ret)
		goto out_fd;
	conn->file = files[1];
	ret = ipcq_connect_queue(ipcq_listener_of(obj), conn, &arg);
	if (ret) {
		fput(files[1]);
		fput(files[0]);
		goto out_fd;
	}
	fd_install(fd, files[0]);
	ipcq_object_put(obj);
	return fd;

out_fd:
	put_unused_fd(fd);
out_conn:
	kfree(conn);
out_put:
	ipcq_object_put(obj);
	return ret;
}
