// SPDX-License-Identifier: GPL-2.0
/*
 * Message queues: Python's multiprocessing Queue, JoinableQueue and
 * SimpleQueue, kept by the kernel.
 *
 * A queue is a file (anon inode) per endpoint: FMODE_WRITE makes a file a
 * producer, FMODE_READ a consumer. Messages are kept in an rbtree ordered
 * by (priority descending, arrival ascending), so the leftmost node is the
 * next one to deliver.
 *
 * No user memory is touched under the lock: a put copies the message in
 * before taking it; a get detaches the message, copies it out after
 * dropping the lock, and on a fault puts it back at its old place (its
 * (priority, seq) key is kept), so nothing is lost or reordered and a
 * consumer stalled in a page fault stalls only itself.
 *
 * Waiting: putters and getters sleep exclusively (one message wakes one
 * getter) on put_wq/get_wq; poll waiters sleep there too. A put wakes
 * getters only on the empty -> non-empty edge, a get wakes putters only on
 * the full -> not-full edge; a waiter leaving while the state it waited for
 * still holds passes the wake-up on, so none is lost. Endpoint loss and
 * shutdown wake everyone. Wake-ups happen after the lock is dropped.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "ipcq.h"

struct ipcq_qmsg {
	struct rb_node node;
	refcount_t ref;			/* the queue's, plus one per peeker */
	u64 seq;			/* arrival order, kept on reinsertion */
	size_t len;
	u32 prio;
	char data[];
};

static void ipcq_qmsg_put(struct ipcq_qmsg *m)
{
	if (m && refcount_dec_and_test(&m->ref))
		kvfree(m);
}

struct ipcq_queue {
	struct ipcq_object obj;

	/* Constant after creation. */
	u64 capacity;			/* 0: no count limit */
	u64 max_msg_size;
	u64 max_bytes;

	spinlock_t lock;		/* guards every field below */
	struct rb_root_cached msgs;
	u64 next_seq;
	u64 nr_msgs;
	u64 nr_bytes;
	u64 unfinished;
	u32 producers, consumers;
	u32 putters, getters, joiners;
	bool had_producer, had_consumer;
	bool shutdown;
	bool drained;			/* shut down with IMMEDIATE */

	wait_queue_head_t put_wq;	/* putters, EPOLLOUT pollers */
	wait_queue_head_t get_wq;	/* getters, EPOLLIN pollers */
	wait_queue_head_t join_wq;	/* joiners */
};

static const struct file_operations ipcq_queue_fops;

static struct ipcq_queue *ipcq_queue_of(struct ipcq_object *obj)
{
	return container_of(obj, struct ipcq_queue, obj);
}

static u32 ipcq_file_roles(struct file *file)
{
	if (!file)
		return 0;
	return (file->f_mode & FMODE_WRITE ? IPCQ_OPEN_PRODUCER : 0) |
	       (file->f_mode & FMODE_READ ? IPCQ_OPEN_CONSUMER : 0);
}

static struct ipcq_qmsg *ipcq_queue_head(struct ipcq_queue *q)
{
	struct rb_node *n;

	lockdep_assert_held(&q->lock);
	n = rb_first_cached(&q->msgs);
	return n ? rb_entry(n, struct ipcq_qmsg, node) : NULL;
}

static bool ipcq_queue_full(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return q->capacity && q->nr_msgs >= q->capacity;
}

static bool ipcq_queue_eof(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return q->had_producer && !q->producers;
}

static bool ipcq_queue_broken(struct ipcq_queue *q)
{
	lockdep_assert_held(&q->lock);
	return q->had_consumer && !q->consumers;
}

/* Inserts @m by its (prio, seq) key: new messages and returning ones. */
static void ipcq_queue_link(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	struct rb_node **link = &q->msgs.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	lockdep_assert_held(&q->lock);
	while (*link) {
		struct ipcq_qmsg *cur = rb_entry(*link, struct ipcq_qmsg, node);

		parent = *link;
		/* Higher priority first, then lower seq (arrival order). */
		if (m->prio > cur->prio ||
		    (m->prio == cur->prio && m->seq < cur->seq)) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&m->node, parent, link);
	rb_insert_color_cached(&m->node, &q->msgs, leftmost);
	q->nr_msgs++;
	q->nr_bytes += m->len;
}

static void ipcq_queue_unlink(struct ipcq_queue *q, struct ipcq_qmsg *m)
{
	lockdep_assert_held(&q->lock);
	rb_erase_cached(&m->node, &q->msgs);
	q->nr_msgs--;
	q->nr_bytes -= m->len;
}

/*
 * Sleeps on @wq with q->lock dropped, counted in *@waiters. Returns with
 * the lock held again: 0 when woken, -ETIMEDOUT or -ERESTARTSYS.
 */
static int ipcq_queue_wait(struct ipcq_queue *q, struct wait_queue_head *wq,
			   u32 *waiters, u64 deadline, bool exclusive)
{
	DEFINE_WAIT(wait);
	int ret;

	lockdep_assert_held(&q->lock);
	if (exclusive)
		prepare_to_wait_exclusive(wq, &wait, TASK_INTERRUPTIBLE);
	else
		prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
	(*waiters)++;
	spin_unlock(&q->lock);

	ret = ipcq_sleep_until(deadline);

	finish_wait(wq, &wait);
	spin_lock(&q->lock);
	(*waiters)--;
	return ret;
}

static bool ipcq_msg_args_valid(const struct ipcq_msg *arg, u32 flags)
{
	return !(arg->flags & ~flags) && !arg->reserved[0] && !arg->reserved[1];
}

/* Put from userspace; the caller has checked that it may. */
long ipcq_queue_put(struct ipcq_queue *q, struct ipcq_msg __user *uarg)
{
	bool wake_getters = false, wake_putter = false;
	struct ipcq_msg arg;
	struct ipcq_qmsg *m;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_msg_args_valid(&arg, IPCQ_MSG_NONBLOCK) ||
	    arg.priority > IPCQ_PRIO_MAX)
		return -EINVAL;
	if (arg.len > q->max_msg_size)
		return -EMSGSIZE;

	/*
	 * Charged to the putter's memory cgroup; over its limit the put fails
	 * with ENOMEM, quietly, rather than invoking the OOM killer.
	 */
	m = kvmalloc(struct_size(m, data, arg.len),
		     GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!m)
		return -ENOMEM;
	if (copy_from_user(m->data, u64_to_user_ptr(arg.buf), arg.len)) {
		kvfree(m);
		return -EFAULT;
	}
	refcount_set(&m->ref, 1);
	m->len = arg.len;
	m->prio = arg.priority;

	spin_lock(&q->lock);
	for (;;) {
		if (q->shutdown) {
			ret = -ESHUTDOWN;
		} else if (ipcq_queue_broken(q)) {
			ret = -EPIPE;
		} else if (q->nr_bytes + m->len > q->max_bytes) {
			ret = -ENOBUFS;
		} else if (!ipcq_queue_full(q)) {
			ret = 0;
		} else if (arg.flags & IPCQ_MSG_NONBLOCK) {
			ret = -EAGAIN;
		} else {
			ret = ipcq_queue_wait(q, &q->put_wq, &q->putters,
					      arg.deadline, true);
			/*
			 * Re-judge unless only the wait failed: room that
			 * appeared meanwhile is taken, a shutdown or a lost
			 * consumer is reported as such.
			 */
			if (!ret || !ipcq_queue_full(q) || q->shutdown ||
			    ipcq_queue_broken(q))
				continue;
		}
		break;
	}
	if (!ret) {
		wake_getters = q->nr_msgs == 0;
		m->seq = q->next_seq++;
		ipcq_queue_link(q, m);
		q->unfinished++;
		m = NULL;
	}
	/* Pass the turn on to the next putter while there is room. */
	wake_putter = q->putters && !ipcq_queue_full(q) && !q->shutdown;
	spin_unlock(&q->lock);

	kvfree(m);
	if (wake_getters)
		wake_up_poll(&q->get_wq, EPOLLIN | EPOLLRDNORM);
	if (wake_putter)
		wake_up_poll(&q->put_wq, EPOLLOUT | EPOLLWRNORM);
	return ret;
}

/* Get to userspace; the caller has checked that it may. */
long ipcq_queue_get(struct ipcq_queue *q, struct ipcq_msg __user *uarg)
{
	bool wake_putters = false, wake_getter, peek;
	bool detached = false, held = false;
	struct ipcq_qmsg *m = NULL;
	struct ipcq_msg arg;
	u64 buflen;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_msg_args_valid(&arg, IPCQ_MSG_NONBLOCK | IPCQ_MSG_PEEK))
		return -EINVAL;
	peek = arg.flags & IPCQ_MSG_PEEK;
	buflen = arg.len;

	spin_lock(&q->lock);
	for (;;) {
		m = ipcq_queue_head(q);
		if (m) {
			ret = 0;
		} else if (q->shutdown) {
			ret = -ESHUTDOWN;
		} else if (ipcq_queue_eof(q)) {
			ret = IPCQ_GET_EOF;
		} else if (arg.flags & IPCQ_MSG_NONBLOCK) {
			ret = -EAGAIN;
		} else {
			ret = ipcq_queue_wait(q, &q->get_wq, &q->getters,
					      arg.deadline, true);
			/* As in put: re-judge unless only the wait failed. */
			if (!ret || q->nr_msgs || q->shutdown ||
			    ipcq_queue_eof(q))
				continue;
		}
		break;
	}
	if (m) {
		arg.len = m->len;
		arg.priority = m->prio;
		if (m->len > buflen) {
			/*
			 * Too small: it stays queued, untouched by us from
			 * here on (another getter may take it at once).
			 */
			ret = -EMSGSIZE;
		} else if (peek) {
			refcount_inc(&m->ref);
			held = true;
		} else {
			wake_putters = ipcq_queue_full(q);
			ipcq_queue_unlink(q, m);
			detached = true;
		}
	}
	/* Pass the turn on to the next getter while messages remain. */
	wake_getter = q->getters && q->nr_msgs;
	spin_unlock(&q->lock);

	if (wake_putters)
		wake_up_poll(&q->put_wq, EPOLLOUT | EPOLLWRNORM);
	if (wake_getter)
		wake_up_poll(&q->get_wq, EPOLLIN | EPOLLRDNORM);
	if (!m)
		return ret;

	/* What was done to the message decides what to undo, not ret. */
	if (copy_to_user(&uarg->len, &arg.len, sizeof(arg.len)) ||
	    copy_to_user(&uarg->priority, &arg.priority, sizeof(arg.priority)))
		ret = -EFAULT;
	else if ((held || detached) &&
		 copy_to_user(u64_to_user_ptr(arg.buf), m->data, m->len))
		ret = -EFAULT;

	if (held) {
		ipcq_qmsg_put(m);
		return ret;
	}
	if (!detached)
		return ret;
	if (!ret) {
		ipcq_qmsg_put(m);
		return 0;
	}
	/*
	 * The copy-out faulted: back to where it was, nothing lost, unless
	 * an immediate shutdown dropped everything meanwhile: then it is
	 * dropped as that shutdown would have.
	 */
	spin_lock(&q->lock);
	wake_getter = !q->nr_msgs;
	if (q->drained) {
		q->unfinished -= min_t(u64, q->unfinished, 1);
		wake_getter = false;
	} else {
		ipcq_queue_link(q, m);
		m = NULL;
	}
	spin_unlock(&q->lock);
	ipcq_qmsg_put(m);
	if (wake_getter)
		wake_up_poll(&q->get_wq, EPOLLIN | EPOLLRDNORM);
	return ret;
}

static void ipcq_queue_fill_stat(struct ipcq_queue *q, struct file *file,
				 struct ipcq_queue_stat *st)
{
	lockdep_assert_held(&q->lock);
	memset(st, 0, sizeof(*st));
	st->endpoint = ipcq_file_roles(file);
	st->messages = q->nr_msgs;
	st->bytes = q->nr_bytes;
	st->capacity = q->capacity;
	st->max_msg_size = q->max_msg_size;
	st->max_bytes = q->max_bytes;
	st->unfinished = q->unfinished;
	st->putters = q->putters;
	st->getters = q->getters;
	st->joiners = q->joiners;
	st->producers = q->producers;
	st->consumers = q->consumers;
	st->state = (q->shutdown ? IPCQ_STATE_SHUTDOWN : 0) |
		    (READ_ONCE(q->obj.ns) ? IPCQ_STATE_NAMED : 0);
}

static long ipcq_queue_stat(struct ipcq_queue *q, struct file *file,
			    struct ipcq_queue_stat __user *uarg)
{
	struct ipcq_queue_stat st;

	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, file, &st);
	spin_unlock(&q->lock);
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long ipcq_queue_task_done(struct ipcq_queue *q,
				 struct ipcq_task_done __user *uarg)
{
	struct ipcq_task_done arg;
	bool wake = false;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.count || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	if (arg.count > q->unfinished) {
		ret = -ERANGE;
	} else {
		q->unfinished -= arg.count;
		wake = !q->unfinished;
	}
	spin_unlock(&q->lock);
	if (wake)
		wake_up_all(&q->join_wq);
	return ret;
}

static long ipcq_queue_join(struct ipcq_queue *q, struct ipcq_wait __user *uarg)
{
	struct ipcq_wait arg;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_WAIT_NONBLOCK) || arg.pad || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	for (;;) {
		if (!q->unfinished) {
			ret = 0;
		} else if (arg.flags & IPCQ_WAIT_NONBLOCK) {
			ret = -EAGAIN;
		} else {
			ret = ipcq_queue_wait(q, &q->join_wq, &q->joiners,
					      arg.deadline, false);
			if (!ret || !q->unfinished)
				continue;
		}
		break;
	}
	spin_unlock(&q->lock);
	return ret;
}

static long ipcq_queue_shutdown(struct ipcq_queue *q,
				struct ipcq_shutdown __user *uarg)
{
	struct ipcq_qmsg *m, *tmp;
	struct ipcq_shutdown arg;
	struct rb_root dropped = RB_ROOT;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_SHUTDOWN_IMMEDIATE) || arg.pad || arg.reserved)
		return -EINVAL;

	spin_lock(&q->lock);
	q->shutdown = true;
	if (arg.flags & IPCQ_SHUTDOWN_IMMEDIATE) {
		q->drained = true;
		/* Each dropped message counts as a finished task. */
		q->unfinished -= min(q->unfinished, q->nr_msgs);
		dropped = q->msgs.rb_root;
		q->msgs = RB_ROOT_CACHED;
		q->nr_msgs = 0;
		q->nr_bytes = 0;
	}
	spin_unlock(&q->lock);

	rbtree_postorder_for_each_entry_safe(m, tmp, &dropped, node)
		ipcq_qmsg_put(m);
	wake_up_all(&q->put_wq);
	wake_up_all(&q->get_wq);
	wake_up_all(&q->join_wq);
	return 0;
}

/* Counts a new endpoint file with @roles (IPCQ_OPEN_PRODUCER/CONSUMER). */
void ipcq_queue_attach(struct ipcq_queue *q, u32 roles)
{
	spin_lock(&q->lock);
	if (roles & IPCQ_OPEN_PRODUCER) {
		q->producers++;
		q->had_producer = true;
	}
	if (roles & IPCQ_OPEN_CONSUMER) {
		q->consumers++;
		q->had_consumer = true;
	}
	spin_unlock(&q->lock);
}

/*
 * Uncounts an endpoint file. The loss of the last producer or consumer
 * concerns every waiter, not just one.
 */
void ipcq_queue_detach(struct ipcq_queue *q, u32 roles)
{
	bool wake_getters = false, wake_putters = false;

	spin_lock(&q->lock);
	if (roles & IPCQ_OPEN_PRODUCER)
		wake_getters = !--q->producers;
	if (roles & IPCQ_OPEN_CONSUMER)
		wake_putters = !--q->consumers;
	spin_unlock(&q->lock);

	if (wake_getters)
		wake_up_all(&q->get_wq);
	if (wake_putters)
		wake_up_all(&q->put_wq);
}

/*
 * Makes a new file for @q with @roles and returns its fd. Takes a new
 * reference to the queue for the file.
 */
static int ipcq_queue_install(struct ipcq_queue *q, u32 roles, u32 flags)
{
	int accmode, fd;
	struct file *file;

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
	file = ipcq_anon_file("[ipcq-queue]", &ipcq_queue_fops, q, accmode);
	if (IS_ERR(file)) {
		ipcq_object_put(&q->obj);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
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
	if ((arg.flags & ~(roles | IPCQ_OPEN_CLOEXEC)) || !(arg.flags & roles) ||
	    arg.pad || arg.reserved)
		return -EINVAL;
	/* A file grants no role it was not opened with. */
	if (arg.flags & roles & ~ipcq_file_roles(file))
		return -EACCES;
	return ipcq_queue_install(q, arg.flags & roles, arg.flags);
}

static long ipcq_queue_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct ipcq_queue *q = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case IPCQ_IOC_QUEUE_PUT:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return ipcq_queue_put(q, argp);
	case IPCQ_IOC_QUEUE_GET:
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		return ipcq_queue_get(q, argp);
	case IPCQ_IOC_QUEUE_STAT:
		return ipcq_queue_stat(q, file, argp);
	case IPCQ_IOC_QUEUE_TASK_DONE:
		return ipcq_queue_task_done(q, argp);
	case IPCQ_IOC_QUEUE_JOIN:
		return ipcq_queue_join(q, argp);
	case IPCQ_IOC_QUEUE_SHUTDOWN:
		return ipcq_queue_shutdown(q, argp);
	case IPCQ_IOC_QUEUE_REOPEN:
		return ipcq_queue_reopen(q, file, argp);
	default:
		return -ENOTTY;
	}
}

/* Readiness of @q for a file with @roles; see ipcq(4). */
__poll_t ipcq_queue_poll_roles(struct ipcq_queue *q, struct file *file,
			       u32 roles, poll_table *wait)
{
	__poll_t mask = 0;

	if (roles & IPCQ_OPEN_CONSUMER)
		poll_wait(file, &q->get_wq, wait);
	if (roles & IPCQ_OPEN_PRODUCER)
		poll_wait(file, &q->put_wq, wait);

	spin_lock(&q->lock);
	if (roles & IPCQ_OPEN_CONSUMER) {
		if (q->nr_msgs)
			mask |= EPOLLIN | EPOLLRDNORM;
		/* Nothing more will come: a get will not block. */
		if (ipcq_queue_eof(q) || q->shutdown)
			mask |= EPOLLHUP;
	}
	if (roles & IPCQ_OPEN_PRODUCER) {
		if (!ipcq_queue_full(q) && !q->shutdown &&
		    !ipcq_queue_broken(q))
			mask |= EPOLLOUT | EPOLLWRNORM;
		/* A put would fail at once, as a pipe without readers. */
		if (ipcq_queue_broken(q) || q->shutdown)
			mask |= EPOLLERR;
	}
	spin_unlock(&q->lock);
	return mask;
}

static __poll_t ipcq_queue_poll(struct file *file, poll_table *wait)
{
	return ipcq_queue_poll_roles(file->private_data, file,
				     ipcq_file_roles(file), wait);
}

static int ipcq_queue_release(struct inode *inode, struct file *file)
{
	struct ipcq_queue *q = file->private_data;

	ipcq_queue_detach(q, ipcq_file_roles(file));
	ipcq_object_put(&q->obj);
	return 0;
}

static void ipcq_queue_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct ipcq_queue *q = file->private_data;
	struct ipcq_queue_stat st;

	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, file, &st);
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
}

static const struct file_operations ipcq_queue_fops = {
	.owner		= THIS_MODULE,
	.release	= ipcq_queue_release,
	.poll		= ipcq_queue_poll,
	.unlocked_ioctl	= ipcq_queue_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
	.show_fdinfo	= ipcq_queue_show_fdinfo,
};

static void ipcq_queue_free(struct ipcq_object *obj)
{
	struct ipcq_queue *q = ipcq_queue_of(obj);
	struct ipcq_qmsg *m, *tmp;

	rbtree_postorder_for_each_entry_safe(m, tmp, &q->msgs.rb_root, node)
		ipcq_qmsg_put(m);
	kfree(q);
}

static void ipcq_queue_info(struct ipcq_object *obj,
			    struct ipcq_object_info *info)
{
	struct ipcq_queue *q = ipcq_queue_of(obj);

	spin_lock(&q->lock);
	info->value = q->nr_msgs;
	info->bytes = q->nr_bytes;
	info->capacity = q->capacity;
	info->waiters = q->putters + q->getters + q->joiners;
	info->producers = q->producers;
	info->consumers = q->consumers;
	info->state = (q->shutdown ? IPCQ_STATE_SHUTDOWN : 0) |
		      (READ_ONCE(q->obj.ns) ? IPCQ_STATE_NAMED : 0);
	spin_unlock(&q->lock);
}

static const struct ipcq_object_ops ipcq_queue_ops = {
	.free = ipcq_queue_free,
	.info = ipcq_queue_info,
};

static struct ipcq_object *ipcq_queue_create(void *arg)
{
	const struct ipcq_queue_attr *attr = arg;
	struct ipcq_queue *q;
	int ret;

	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return ERR_PTR(-ENOMEM);
	ret = ipcq_object_init(&q->obj, IPCQ_TYPE_QUEUE, &ipcq_queue_ops,
			       attr->mode);
	if (ret) {
		kfree(q);
		return ERR_PTR(ret);
	}
	q->capacity = attr->capacity;
	q->max_msg_size = attr->max_msg_size;
	q->max_bytes = READ_ONCE(ipcq_max_queue_bytes);
	spin_lock_init(&q->lock);
	q->msgs = RB_ROOT_CACHED;
	init_waitqueue_head(&q->put_wq);
	init_waitqueue_head(&q->get_wq);
	init_waitqueue_head(&q->join_wq);
	ipcq_object_publish(&q->obj);
	return &q->obj;
}

/* A new anonymous queue with one reference, or an ERR_PTR. */
struct ipcq_queue *ipcq_queue_new(const struct ipcq_queue_attr *attr)
{
	struct ipcq_object *obj = ipcq_queue_create((void *)attr);

	/* Names of dead namespaces may hold the caller's quota. */
	if (obj == ERR_PTR(-ENOSPC)) {
		ipcq_registry_collect();
		obj = ipcq_queue_create((void *)attr);
	}
	return IS_ERR(obj) ? ERR_CAST(obj) : ipcq_queue_of(obj);
}

/* Counts of @q for introspection (pipes show both directions). */
void ipcq_queue_counts(struct ipcq_queue *q, struct ipcq_queue_stat *st)
{
	spin_lock(&q->lock);
	ipcq_queue_fill_stat(q, NULL, st);
	spin_unlock(&q->lock);
}

struct ipcq_object *ipcq_queue_object(struct ipcq_queue *q)
{
	return &q->obj;
}

long ipcq_queue_open(struct ipcq_queue_open __user *uarg)
{
	const u32 roles = IPCQ_OPEN_PRODUCER | IPCQ_OPEN_CONSUMER;
	const u32 known = roles | IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL |
			  IPCQ_OPEN_CLOEXEC;
	unsigned int max_msg_size = READ_ONCE(ipcq_max_msg_size);
	struct ipcq_queue_attr attr;
	struct ipcq_queue_open arg;
	struct ipcq_object *obj;
	struct ipcq_name name;
	bool created = true;
	long ret;
	int may;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~known) || (arg.mode & ~0777) || arg.pad ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	if ((arg.flags & IPCQ_OPEN_EXCL) && !(arg.flags & IPCQ_OPEN_CREATE))
		return -EINVAL;
	if (arg.max_msg_size > max_msg_size)
		return -EINVAL;

	attr.capacity = arg.capacity;
	attr.max_msg_size = arg.max_msg_size ?: max_msg_size;
	attr.mode = arg.mode & ~current_umask();

	if (!arg.name) {
		/* Anonymous: always new; names and create flags make no sense. */
		if (arg.name_len || (arg.flags & (IPCQ_OPEN_CREATE |
						  IPCQ_OPEN_EXCL)))
			return -EINVAL;
		struct ipcq_queue *q = ipcq_queue_new(&attr);

		obj = IS_ERR(q) ? ERR_CAST(q) : &q->obj;
	} else {
		ret = ipcq_name_from_user(&name, arg.name, arg.name_len);
		if (ret)
			return ret;
		obj = ipcq_registry_open(IPCQ_TYPE_QUEUE, &name, arg.flags,
					 ipcq_queue_create, &attr, &created);
	}
	if (IS_ERR(obj))
		return PTR_ERR(obj);

	/* The creator gets the endpoints it asked for, like open(O_CREAT). */
	/* An observer (no role) needs read permission, as a consumer. */
	may = (arg.flags & IPCQ_OPEN_PRODUCER ? MAY_WRITE : 0) |
	      (arg.flags & roles & ~IPCQ_OPEN_PRODUCER || !(arg.flags & roles) ?
	       MAY_READ : 0);
	ret = created ? 0 : ipcq_object_permission(obj, may);
	if (!ret)
		ret = ipcq_queue_install(ipcq_queue_of(obj), arg.flags & roles,
					 arg.flags);
	ipcq_object_put(obj);
	return ret;
}
