// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes: Python's multiprocessing Pipe(duplex), two connection ends.
 *
 * Each direction is a queue; an end is a file that is the only producer
 * of its outgoing queue and the only consumer of its incoming one. So when
 * an end is released (its last descriptor closed, in whichever process,
 * or that process killed), the peer's receives drain and then report
 * end-of-file and its sends fail with EPIPE, through the queues' own
 * endpoint counting. Ends are shared like any file: by fork() or by
 * SCM_RIGHTS; an end is closed when its last descriptor is.
 *
 * An end also reads and writes: read(2) receives one message, write(2)
 * sends one, as on a queue file (queue_xfer.c), O_NONBLOCK and RWF_NOWAIT
 * included.
 *
 * Ends of a connection (listener.c) also know their peer's credentials,
 * taken at connect time (SO_PEERCRED's meaning), reported by PIPE_STAT.
 *
 * Locks: none of its own; each direction's queue lock, taken by queue.c.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ipcq.h"

struct ipcq_pipe_end {
	struct ipcq_queue *in;		/* NULL: this end cannot receive */
	struct ipcq_queue *out;		/* NULL: this end cannot send */
	struct ipcq_peer peer;		/* pid referenced; NULL: none known */
};

/* The calling process's credentials, for a connection's peer. */
void ipcq_peer_current(struct ipcq_peer *peer)
{
	peer->pid = get_pid(task_tgid(current));
	peer->uid = current_euid();
	peer->gid = current_egid();
}

void ipcq_peer_put(struct ipcq_peer *peer)
{
	put_pid(peer->pid);
	peer->pid = NULL;
}

static const struct ipcq_file_type ipcq_pipe_file_type;

static void ipcq_pipe_stat_fill(struct ipcq_pipe_end *end,
				struct ipcq_pipe_stat *st)
{
	struct ipcq_queue_stat qs;

	memset(st, 0, sizeof(*st));
	if (end->in) {
		ipcq_queue_counts(end->in, &qs);
		st->in_messages = qs.messages;
		st->in_bytes = qs.bytes;
		st->receivers = qs.getters;
		st->ends |= IPCQ_PIPE_CAN_RECV;
		if (!qs.producers)
			st->state |= IPCQ_PIPE_PEER_CLOSED;
	}
	if (end->out) {
		ipcq_queue_counts(end->out, &qs);
		st->out_messages = qs.messages;
		st->out_bytes = qs.bytes;
		st->senders = qs.putters;
		st->ends |= IPCQ_PIPE_CAN_SEND;
		if (!qs.consumers)
			st->state |= IPCQ_PIPE_PEER_CLOSED;
	}
	/* Both directions share their limits. */
	st->capacity = qs.capacity;
	st->max_msg_size = qs.max_msg_size;
	st->max_bytes = qs.max_bytes;
	if (end->peer.pid) {
		st->state |= IPCQ_PIPE_PEER_CRED;
		st->peer_pid = pid_vnr(end->peer.pid);
		st->peer_uid = from_kuid_munged(current_user_ns(),
						end->peer.uid);
		st->peer_gid = from_kgid_munged(current_user_ns(),
						end->peer.gid);
	}
}

/*
 * For a wait on several objects (wait_acquire.c): the queue the end @file
 * receives from, ERR_PTR(-EBADF) if it cannot, NULL if not a pipe end.
 */
struct ipcq_queue *ipcq_pipe_in_of(struct file *file)
{
	struct ipcq_pipe_end *end;

	if (file->f_op != &ipcq_pipe_file_type.fops)
		return NULL;
	end = file->private_data;
	return end->in ?: ERR_PTR(-EBADF);
}

/* The pipe end's operations, for ioctl(2) (@call NULL) and io_uring. */
static long ipcq_pipe_dispatch(struct file *file, unsigned int cmd,
			       unsigned long arg, struct ipcq_call *call)
{
	struct ipcq_pipe_end *end = file->private_data;
	void __user *argp = (void __user *)arg;
	struct ipcq_pipe_stat st;

	switch (cmd) {
	case IPCQ_IOC_PIPE_SEND:
		if (!end->out)
			return -EBADF;
		return ipcq_queue_put(end->out, argp, call, 0);
	case IPCQ_IOC_PIPE_RECV:
		if (!end->in)
			return -EBADF;
		return ipcq_queue_get(end->in, argp, call, 0);
	case IPCQ_IOC_PIPE_SEND_MANY:
		if (!end->out)
			return -EBADF;
		return ipcq_queue_put_many(end->out, argp, call, 0);
	case IPCQ_IOC_PIPE_RECV_MANY:
		if (!end->in)
			return -EBADF;
		return ipcq_queue_get_many(end->in, argp, call, 0);
	case IPCQ_IOC_PIPE_STAT:
		ipcq_pipe_stat_fill(end, &st);
		if (copy_to_user(argp, &st, sizeof(st)))
			return -EFAULT;
		return 0;
	default:
		return -ENOTTY;
	}
}

/* read(2): a receive of one message, as a queue file's read. */
static ssize_t ipcq_pipe_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct ipcq_pipe_end *end = iocb->ki_filp->private_data;

	if (!end->in)
		return -EBADF;
	return ipcq_queue_read(end->in, to, ipcq_rw_xflags(iocb));
}

/* write(2): a send of one message, as a queue file's write. */
static ssize_t ipcq_pipe_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct ipcq_pipe_end *end = iocb->ki_filp->private_data;

	if (!end->out)
		return -EBADF;
	return ipcq_queue_write(end->out, from, ipcq_rw_xflags(iocb));
}

static __poll_t ipcq_pipe_poll(struct file *file, poll_table *wait)
{
	struct ipcq_pipe_end *end = file->private_data;
	__poll_t mask = 0;

	if (end->in)
		mask |= ipcq_queue_poll_roles(end->in, file,
					      IPCQ_OPEN_CONSUMER, wait);
	if (end->out)
		mask |= ipcq_queue_poll_roles(end->out, file,
					      IPCQ_OPEN_PRODUCER, wait);
	/* A closed peer is a hang-up, whichever way this end talks. */
	if (mask & EPOLLERR)
		mask |= EPOLLHUP;
	return mask;
}

/* An end's queues: the one it receives from, then the one it sends to. */
static struct ipcq_object *ipcq_pipe_object(struct file *file, unsigned int i)
{
	struct ipcq_pipe_end *end = file->private_data;
	struct ipcq_queue *q[2] = { end->in, end->out };

	if (i == 0 && !q[0])
		i = 1;
	return i < 2 && q[i] ? ipcq_queue_object(q[i]) : NULL;
}

static void ipcq_pipe_end_free(struct ipcq_pipe_end *end)
{
	if (end->in) {
		ipcq_queue_detach(end->in, IPCQ_OPEN_CONSUMER);
		ipcq_object_put(ipcq_queue_object(end->in));
	}
	if (end->out) {
		ipcq_queue_detach(end->out, IPCQ_OPEN_PRODUCER);
		ipcq_object_put(ipcq_queue_object(end->out));
	}
	ipcq_peer_put(&end->peer);
	kfree(end);
}

static int ipcq_pipe_release(struct inode *inode, struct file *file)
{
	ipcq_pipe_end_free(file->private_data);
	return 0;
}

static void ipcq_pipe_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct ipcq_pipe_stat st;

	ipcq_pipe_stat_fill(file->private_data, &st);
	seq_puts(m, "ipcq-type:\tpipe\n");
	seq_printf(m, "end:\t%s\n",
		   st.ends == (IPCQ_PIPE_CAN_SEND | IPCQ_PIPE_CAN_RECV) ?
		   "send,recv" : st.ends & IPCQ_PIPE_CAN_SEND ? "send" : "recv");
	seq_printf(m, "in_messages:\t%llu\nin_bytes:\t%llu\n",
		   st.in_messages, st.in_bytes);
	seq_printf(m, "out_messages:\t%llu\nout_bytes:\t%llu\n",
		   st.out_messages, st.out_bytes);
	seq_printf(m, "capacity:\t%llu\nmax_msg_size:\t%llu\nmax_bytes:\t%llu\n",
		   st.capacity, st.max_msg_size, st.max_bytes);
	seq_printf(m, "receivers:\t%u\nsenders:\t%u\npeer_closed:\t%u\n",
		   st.receivers, st.senders,
		   !!(st.state & IPCQ_PIPE_PEER_CLOSED));
	if (st.state & IPCQ_PIPE_PEER_CRED)
		seq_printf(m, "peer_pid:\t%u\npeer_uid:\t%u\npeer_gid:\t%u\n",
			   st.peer_pid, st.peer_uid, st.peer_gid);
}

static const struct ipcq_file_type ipcq_pipe_file_type =
	IPCQ_FILE_TYPE_RW(ipcq_pipe_dispatch, ipcq_pipe_object,
			  ipcq_pipe_release, ipcq_pipe_poll, NULL,
			  ipcq_pipe_show_fdinfo, ipcq_pipe_read_iter,
			  ipcq_pipe_write_iter);

/*
 * A file for the end that receives from @in and sends to @out (either may
 * be NULL), whose peer is @peer (NULL: unknown). It takes its own
 * references and endpoint counts, which its release gives back.
 */
static struct file *ipcq_pipe_end_file(struct ipcq_queue *in,
				       struct ipcq_queue *out,
				       const struct ipcq_peer *peer)
{
	struct ipcq_pipe_end *end;
	struct file *file;

	end = kzalloc(sizeof(*end), GFP_KERNEL_ACCOUNT);
	if (!end)
		return ERR_PTR(-ENOMEM);
	if (in) {
		ipcq_object_get(ipcq_queue_object(in));
		ipcq_queue_attach(in, IPCQ_OPEN_CONSUMER);
		end->in = in;
	}
	if (out) {
		ipcq_object_get(ipcq_queue_object(out));
		ipcq_queue_attach(out, IPCQ_OPEN_PRODUCER);
		end->out = out;
	}
	if (peer) {
		end->peer = *peer;
		get_pid(peer->pid);
	}
	file = ipcq_anon_file("[ipcq-pipe]", &ipcq_pipe_file_type, end, O_RDWR);
	if (IS_ERR(file)) {
		ipcq_pipe_end_free(end);
		return file;
	}
	/* read(2) and write(2) honour RWF_NOWAIT (and io_uring's tries). */
	file->f_mode |= FMODE_NOWAIT;
	return file;
}

long ipcq_pipe_create(struct ipcq_pipe_create __user *uarg)
{
	unsigned int max_msg_size = READ_ONCE(ipcq_max_msg_size);
	struct ipcq_queue *to_first = NULL, *to_second = NULL;
	struct file *files[2] = { NULL, NULL };
	int fds[2] = { -1, -1 };
	struct ipcq_queue_attr attr;
	struct ipcq_pipe_create arg;
	unsigned int fd_flags;
	long ret;
	int i;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	/* fds are output only: whatever they hold on input is ignored. */
	if ((arg.flags & ~(IPCQ_PIPE_DUPLEX | IPCQ_PIPE_CLOEXEC)) || arg.pad ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	if (arg.max_msg_size > max_msg_size)
		return -EINVAL;
	memset(&attr, 0, sizeof(attr));
	attr.capacity = arg.capacity;
	attr.max_msg_size = arg.max_msg_size ?: max_msg_size;
	attr.mode = 0600;

	/* The second end sends to the first; with DUPLEX also back. */
	to_first = ipcq_queue_new(&attr);
	if (IS_ERR(to_first))
		return PTR_ERR(to_first);
	if (arg.flags & IPCQ_PIPE_DUPLEX) {
		to_second = ipcq_queue_new(&attr);
		if (IS_ERR(to_second)) {
			ret = PTR_ERR(to_second);
			to_second = NULL;
			goto out_put;
		}
	}

	fd_flags = arg.flags & IPCQ_PIPE_CLOEXEC ? O_CLOEXEC : 0;
	for (i = 0; i < 2; i++) {
		fds[i] = get_unused_fd_flags(fd_flags);
		if (fds[i] < 0) {
			ret = fds[i];
			goto out_fds;
		}
	}
	files[0] = ipcq_pipe_end_file(to_first, to_second, NULL);
	if (IS_ERR(files[0])) {
		ret = PTR_ERR(files[0]);
		files[0] = NULL;
		goto out_fds;
	}
	files[1] = ipcq_pipe_end_file(to_second, to_first, NULL);
	if (IS_ERR(files[1])) {
		ret = PTR_ERR(files[1]);
		files[1] = NULL;
		goto out_fds;
	}

	arg.fds[0] = fds[0];
	arg.fds[1] = fds[1];
	if (copy_to_user(uarg->fds, arg.fds, sizeof(arg.fds))) {
		ret = -EFAULT;
		goto out_fds;
	}
	fd_install(fds[0], files[0]);
	fd_install(fds[1], files[1]);
	ret = 0;
	goto out_put;

out_fds:
	for (i = 0; i < 2; i++) {
		if (files[i])
			fput(files[i]);
		if (fds[i] >= 0)
			put_unused_fd(fds[i]);
	}
out_put:
	/* The files hold their own references now. */
	if (to_second)
		ipcq_object_put(ipcq_queue_object(to_second));
	ipcq_object_put(ipcq_queue_object(to_first));
	return ret;
}

/*
 * The two ends of a connection (listener.c): files[0] the client's, whose
 * peer is @server, files[1] the server's, whose peer is @client. Duplex,
 * or with @oneway the client's end only sends. 0 or an error, no file
 * left.
 */
int ipcq_pipe_connection(const struct ipcq_queue_attr *attr, bool oneway,
			 const struct ipcq_peer *client,
			 const struct ipcq_peer *server, struct file *files[2])
{
	struct ipcq_queue *to_server, *to_client = NULL;
	int ret = 0;

	to_server = ipcq_queue_new(attr);
	if (IS_ERR(to_server))
		return PTR_ERR(to_server);
	if (!oneway) {
		to_client = ipcq_queue_new(attr);
		if (IS_ERR(to_client)) {
			ret = PTR_ERR(to_client);
			to_client = NULL;
			goto out_put;
		}
	}
	files[0] = ipcq_pipe_end_file(to_client, to_server, server);
	if (IS_ERR(files[0])) {
		ret = PTR_ERR(files[0]);
		goto out_put;
	}
	files[1] = ipcq_pipe_end_file(to_server, to_client, client);
	if (IS_ERR(files[1])) {
		ret = PTR_ERR(files[1]);
		fput(files[0]);
	}
out_put:
	if (to_client)
		ipcq_object_put(ipcq_queue_object(to_client));
	ipcq_object_put(ipcq_queue_object(to_server));
	return ret;
}
