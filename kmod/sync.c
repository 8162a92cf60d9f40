// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronisation objects: Python multiprocessing's Semaphore,
 * BoundedSemaphore (sem.c), Lock, RLock, Condition (lock.c), Event and
 * Barrier (here), each a file, anonymous or named, and robust to the death
 * of the processes using them.
 *
 * This file owns what every sync object shares: creation and naming
 * (IPCQ_IOC_SYNC_OPEN), its files (each with an id and its own state),
 * the common operations (STAT, REOPEN, DESTROY), poll, fdinfo, and the
 * dispatch of everything else to the type's own flat switch; and the
 * anonymous Lock a shared memory region binds (ipcq_sync_new_lock()).
 *
 * Robustness comes from the files: a semaphore created with
 * IPCQ_SYNC_UNDO counts the units acquired minus released through each
 * file and gives back what a file still holds when it is released (SysV
 * SEM_UNDO, per open file); a lock remembers the file it was acquired
 * through and is marked owner-dead when that file goes while holding it.
 * libipcdev gives each process a file of its own after fork(), so "file
 * released" means "process gone", SIGKILL included.
 *
 * Waiting (wait.c): acquirers of semaphores and locks, and condition
 * waiters, wait exclusively on wq (a unit or a notify wakes one); events,
 * barriers, pollers and waits on several objects (wait_acquire.c) wait
 * non-exclusively. Destroy wakes everyone. An auto-reset event
 * (IPCQ_SYNC_AUTO_RESET) is cleared by the wait that finds it set.
 *
 * Locks: struct ipcq_sync.lock guards the object (sync.h); it is never
 * held across user memory access or allocation.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "sync.h"

static const struct ipcq_file_type ipcq_sync_file_type;
static atomic64_t ipcq_sync_next_file_id = ATOMIC64_INIT(0);

static const struct ipcq_sync_type *const ipcq_sync_types[] = {
	[IPCQ_TYPE_SEM] = &ipcq_sem_type,
	[IPCQ_TYPE_LOCK] = &ipcq_lock_type,
	[IPCQ_TYPE_EVENT] = &ipcq_event_type,
	[IPCQ_TYPE_COND] = &ipcq_cond_type,
	[IPCQ_TYPE_BARRIER] = &ipcq_barrier_type,
};

static struct ipcq_sync *ipcq_sync_of(struct ipcq_object *obj)
{
	return container_of(obj, struct ipcq_sync, obj);
}

/*
 * Copies an operation's argument and checks it: reserved fields zero, a
 * deadline and flags only for one that waits (@allowed IPCQ_OP_WAITS), a
 * count only for one that counts (IPCQ_OP_COUNTS).
 */
int ipcq_sync_op_from_user(struct ipcq_sync_op *op, void __user *argp,
			   unsigned int allowed)
{
	if (copy_from_user(op, argp, sizeof(*op)))
		return -EFAULT;
	if (op->pad || op->reserved[0] || op->reserved[1])
		return -EINVAL;
	if (allowed & IPCQ_OP_WAITS) {
		if (op->flags & ~IPCQ_SYNC_NONBLOCK)
			return -EINVAL;
	} else if (op->flags || op->deadline) {
		return -EINVAL;
	}
	if (!(allowed & IPCQ_OP_COUNTS) && op->count)
		return -EINVAL;
	return 0;
}

/* The wait of operation @op on @s: exclusive unless the caller says. */
void ipcq_sync_waiter(struct ipcq_waiter *w, struct ipcq_sync *s,
		      const struct ipcq_sync_op *op, struct ipcq_call *call)
{
	*w = (struct ipcq_waiter) {
		.obj = &s->obj,
		.wq = &s->wq,
		.waiters = &s->waiters,
		.site = &s->site,
		.call = call,
		.deadline = op->deadline,
		.exclusive = true,
		.nonblock = op->flags & IPCQ_SYNC_NONBLOCK,
	};
}

/* Events. */

static bool ipcq_event_valid(u32 flags, u64 value)
{
	return !(flags & ~IPCQ_SYNC_AUTO_RESET) && value <= 1;
}

static int ipcq_event_init(struct ipcq_sync *s,
			   const struct ipcq_sync_attr *attr)
{
	s->event.set = attr->value;
	return 0;
}

static long ipcq_event_set(struct ipcq_sync *s, void __user *argp, bool set)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	spin_lock(&s->lock);
	if (s->destroyed)
		ret = -EIDRM;
	else
		s->event.set = set;
	spin_unlock(&s->lock);
	if (!ret && set)
		wake_up_all(&s->wq);
	return ret;
}

/* A wait that finds an auto-reset event set takes the set state. */
static void ipcq_event_consume(struct ipcq_sync *s)
{
	lockdep_assert_held(&s->lock);
	if (s->flags & IPCQ_SYNC_AUTO_RESET)
		s->event.set = false;
}

static bool ipcq_event_ready(void *ctx, long *ret)
{
	struct ipcq_sync *s = ctx;

	lockdep_assert_held(&s->lock);
	if (s->destroyed)
		*ret = -EIDRM;
	else if (s->event.set)
		*ret = 0;
	else
		return false;
	if (!*ret)
		ipcq_event_consume(s);
	return true;
}

static int ipcq_event_acquirable(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;

	lockdep_assert_held(&s->lock);
	if (s->destroyed)
		return -EIDRM;
	return s->event.set;
}

static int ipcq_event_take(struct ipcq_sync_file *f)
{
	ipcq_event_consume(f->s);
	return 0;
}

static long ipcq_event_wait(struct ipcq_sync *s, void __user *argp,
			    struct ipcq_call *call)
{
	struct ipcq_waiter w;
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_WAITS);
	if (ret)
		return ret;
	ipcq_sync_waiter(&w, s, &op, call);
	/* One set wakes every waiter. */
	w.exclusive = false;
	w.site = NULL;
	spin_lock(&s->lock);
	ret = ipcq_wait(&w, ipcq_event_ready, s);
	spin_unlock(&s->lock);
	return ret;
}

static long ipcq_event_ioctl(struct ipcq_sync_file *f, unsigned int cmd,
			     void __user *argp, struct ipcq_call *call)
{
	switch (cmd) {
	case IPCQ_IOC_EVENT_SET:
		return ipcq_event_set(f->s, argp, true);
	case IPCQ_IOC_EVENT_CLEAR:
		return ipcq_event_set(f->s, argp, false);
	case IPCQ_IOC_EVENT_WAIT:
		return ipcq_event_wait(f->s, argp, call);
	default:
		return -ENOTTY;
	}
}

static __poll_t ipcq_event_poll(struct ipcq_sync *s)
{
	return s->event.set ? EPOLLIN | EPOLLRDNORM : 0;
}

static void ipcq_event_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			    struct ipcq_sync_stat *st)
{
	st->value = s->event.set;
	if (s->event.set)
		st->state |= IPCQ_SYNC_SET;
}

const struct ipcq_sync_type ipcq_event_type = {
	.inode_name = "[ipcq-event]",
	.valid = ipcq_event_valid,
	.init = ipcq_event_init,
	.ioctl = ipcq_event_ioctl,
	.acquirable = ipcq_event_acquirable,
	.take = ipcq_event_take,
	.poll = ipcq_event_poll,
	.stat = ipcq_event_stat,
};

/* Barriers. */

static bool ipcq_barrier_valid(u32 flags, u64 value)
{
	return !flags && value >= 1 && value <= U32_MAX;
}

static int ipcq_barrier_init(struct ipcq_sync *s,
			     const struct ipcq_sync_attr *attr)
{
	s->bar.parties = attr->value;
	s->bar.broken_gen = U64_MAX;
	return 0;
}

struct ipcq_barrier_wait {
	struct ipcq_sync *s;
	u64 gen;			/* the generation we arrived in */
	u64 index;			/* our arrival index in it */
};

static bool ipcq_barrier_ready(void *ctx, long *ret)
{
	struct ipcq_barrier_wait *bw = ctx;
	struct ipcq_sync *s = bw->s;

	lockdep_assert_held(&s->lock);
	if (s->bar.gen != bw->gen) {
		/* Tripped, or reset while we waited. */
		*ret = s->bar.broken_gen == bw->gen ? -ECANCELED :
						      (long)bw->index;
	} else if (s->destroyed || s->bar.broken) {
		s->bar.count--;
		*ret = s->destroyed ? -EIDRM : -ECANCELED;
	} else {
		return false;
	}
	return true;
}

static long ipcq_barrier_wait(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_barrier_wait bw = { .s = s };
	struct ipcq_sync_op op;
	struct ipcq_waiter w;
	bool wake = false;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_WAITS);
	if (ret)
		return ret;
	if (op.flags & IPCQ_SYNC_NONBLOCK)
		return -EINVAL;
	ipcq_sync_waiter(&w, s, &op, NULL);
	w.exclusive = false;
	w.site = NULL;
	/* Only fatal signals interrupt: leaving would miss the trip. */
	w.killable = true;

	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (s->bar.broken) {
		ret = -ECANCELED;
	} else {
		bw.index = s->bar.count++;
		bw.gen = s->bar.gen;
		if (s->bar.count == s->bar.parties) {
			s->bar.count = 0;
			s->bar.gen++;
			wake = true;
			ret = bw.index;
		} else {
			ret = ipcq_wait(&w, ipcq_barrier_ready, &bw);
			/* A waiter timing out or killed breaks the barrier. */
			if (ret == -ETIMEDOUT || ret == -ERESTARTSYS) {
				s->bar.count--;
				s->bar.broken = true;
				wake = true;
				if (ret != -ETIMEDOUT)
					ret = -EINTR;
			}
		}
	}
	spin_unlock(&s->lock);
	if (wake)
		wake_up_all(&s->wq);
	return ret;
}

static long ipcq_barrier_break(struct ipcq_sync *s, void __user *argp,
			       bool reset)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (reset) {
		if (s->bar.count)
			s->bar.broken_gen = s->bar.gen;
		s->bar.gen++;
		s->bar.count = 0;
		s->bar.broken = false;
	} else {
		s->bar.broken = true;
	}
	spin_unlock(&s->lock);
	if (!ret)
		wake_up_all(&s->wq);
	return ret;
}

static long ipcq_barrier_ioctl(struct ipcq_sync_file *f, unsigned int cmd,
			       void __user *argp, struct ipcq_call *call)
{
	switch (cmd) {
	case IPCQ_IOC_BARRIER_WAIT:
		return ipcq_barrier_wait(f->s, argp);
	case IPCQ_IOC_BARRIER_ABORT:
		return ipcq_barrier_break(f->s, argp, false);
	case IPCQ_IOC_BARRIER_RESET:
		return ipcq_barrier_break(f->s, argp, true);
	default:
		return -ENOTTY;
	}
}

static __poll_t ipcq_barrier_poll(struct ipcq_sync *s)
{
	return s->bar.broken ? EPOLLERR : 0;
}

static void ipcq_barrier_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			      struct ipcq_sync_stat *st)
{
	st->value = s->bar.parties;
	st->waiters = s->bar.count;
	if (s->bar.broken)
		st->state |= IPCQ_SYNC_BROKEN;
}

const struct ipcq_sync_type ipcq_barrier_type = {
	.inode_name = "[ipcq-barrier]",
	.valid = ipcq_barrier_valid,
	.init = ipcq_barrier_init,
	.ioctl = ipcq_barrier_ioctl,
	.poll = ipcq_barrier_poll,
	.stat = ipcq_barrier_stat,
};

/* Operations of every type. */

static long ipcq_sync_destroy(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	if (!ipcq_object_may_unlink(&s->obj))
		return -EPERM;
	ipcq_registry_forget(&s->obj);
	spin_lock(&s->lock);
	WRITE_ONCE(s->destroyed, true);
	if (s->ops->destroy)
		s->ops->destroy(s);
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);
	return 0;
}

/* The stat of @s as seen through @f (NULL: through no file). */
void ipcq_sync_fill_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			 struct ipcq_sync_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = s->obj.type;
	st->flags = s->flags;
	spin_lock(&s->lock);
	st->waiters = s->waiters;
	if (s->destroyed)
		st->state |= IPCQ_SYNC_DESTROYED;
	if (READ_ONCE(s->obj.ns))
		st->state |= IPCQ_SYNC_NAMED;
	s->ops->stat(s, f, st);
	spin_unlock(&s->lock);
}

static long ipcq_sync_stat(struct ipcq_sync_file *f, void __user *argp)
{
	struct ipcq_sync_stat st;

	ipcq_sync_fill_stat(f->s, f, &st);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

/* A new file (and fd) on @s; takes a reference for it. */
int ipcq_sync_install(struct ipcq_sync *s, bool cloexec)
{
	struct ipcq_sync_file *f;
	int fd;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->s = s;
	f->id = atomic64_inc_return(&ipcq_sync_next_file_id);
	if (s->ops->attach) {
		fd = s->ops->attach(f);
		if (fd) {
			kfree(f);
			return fd;
		}
	}
	ipcq_object_get(&s->obj);
	fd = ipcq_install_file(s->ops->inode_name, &ipcq_sync_file_type, f,
			       O_RDWR, cloexec);
	if (fd < 0) {
		if (s->ops->release)
			s->ops->release(f);
		ipcq_object_put(&s->obj);
		kfree(f);
	}
	return fd;
}

static long ipcq_sync_reopen(struct ipcq_sync *s,
			     struct ipcq_reopen __user *uarg)
{
	struct ipcq_reopen arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_OPEN_CLOEXEC) || arg.pad || arg.reserved)
		return -EINVAL;
	return ipcq_sync_install(s, arg.flags & IPCQ_OPEN_CLOEXEC);
}

/* The sync file's operations, for ioctl(2) (@call NULL) and io_uring. */
static long ipcq_sync_dispatch(struct file *file, unsigned int cmd,
			       unsigned long arg, struct ipcq_call *call)
{
	struct ipcq_sync_file *f = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case IPCQ_IOC_SYNC_STAT:
		return ipcq_sync_stat(f, argp);
	case IPCQ_IOC_SYNC_REOPEN:
		return ipcq_sync_reopen(f->s, argp);
	case IPCQ_IOC_SYNC_DESTROY:
		return ipcq_sync_destroy(f->s, argp);
	default:
		return f->s->ops->ioctl(f, cmd, argp, call);
	}
}

static struct ipcq_object *ipcq_sync_object(struct file *file, unsigned int i)
{
	struct ipcq_sync_file *f = file->private_data;

	return i ? NULL : &f->s->obj;
}

static __poll_t ipcq_sync_poll(struct file *file, poll_table *wait)
{
	struct ipcq_sync_file *f = file->private_data;
	struct ipcq_sync *s = f->s;
	__poll_t mask;

	poll_wait(file, &s->wq, wait);
	spin_lock(&s->lock);
	mask = s->destroyed ? EPOLLERR | EPOLLHUP : s->ops->poll(s);
	spin_unlock(&s->lock);
	return mask;
}

static int ipcq_sync_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcq_sync_file *f = file->private_data;

	if (!f->s->ops->mmap)
		return -ENODEV;
	return f->s->ops->mmap(f->s, vma);
}

/* The file's last descriptor is gone: undo what it holds. */
static int ipcq_sync_release(struct inode *inode, struct file *file)
{
	struct ipcq_sync_file *f = file->private_data;
	struct ipcq_sync *s = f->s;

	if (s->ops->release)
		s->ops->release(f);
	ipcq_object_put(&s->obj);
	kfree(f);
	return 0;
}

static void ipcq_sync_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct ipcq_sync_file *f = file->private_data;
	struct ipcq_sync *s = f->s;
	struct ipcq_sync_stat st;

	ipcq_sync_fill_stat(s, f, &st);
	ipcq_object_show_fdinfo(m, &s->obj);
	seq_printf(m, "flags:\t%#x\nvalue:\t%llu\nmax:\t%llu\nheld:\t%lld\n",
		   st.flags, st.value, st.max, st.held);
	seq_printf(m, "waiters:\t%u\nstate:\t%#x\nowner_tid:\t%u\n",
		   st.waiters, st.state, st.owner_tid);
}

static const struct ipcq_file_type ipcq_sync_file_type =
	IPCQ_FILE_TYPE(ipcq_sync_dispatch, ipcq_sync_object, ipcq_sync_release,
		       ipcq_sync_poll, ipcq_sync_mmap, ipcq_sync_show_fdinfo);

/* Whether @file is a sync object's file (for binding conditions). */
bool ipcq_sync_file_is(struct file *file)
{
	return file->f_op == &ipcq_sync_file_type.fops;
}

struct ipcq_sync_file *ipcq_sync_file_of(struct file *file)
{
	return ipcq_sync_file_is(file) ? file->private_data : NULL;
}

static void ipcq_sync_free(struct ipcq_object *obj)
{
	struct ipcq_sync *s = ipcq_sync_of(obj);

	if (s->ops->free)
		s->ops->free(s);
	kfree(s);
}

static void ipcq_sync_info(struct ipcq_object *obj,
			   struct ipcq_object_info *info)
{
	struct ipcq_sync_stat st;

	ipcq_sync_fill_stat(ipcq_sync_of(obj), NULL, &st);
	info->value = st.value;
	info->capacity = st.max;
	info->waiters = st.waiters;
	/* "Held by the caller" means nothing outside a file. */
	info->state = st.state & ~IPCQ_SYNC_MINE;
}

static const struct ipcq_object_ops ipcq_sync_ops = {
	.free = ipcq_sync_free,
	.info = ipcq_sync_info,
};

static struct ipcq_object *ipcq_sync_create(void *arg)
{
	const struct ipcq_sync_attr *attr = arg;
	struct ipcq_sync *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->ops = ipcq_sync_types[attr->type];
	s->flags = attr->flags;
	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);
	ipcq_park_site_init(&s->site);
	ret = s->ops->init(s, attr);
	if (ret) {
		kfree(s);
		return ERR_PTR(ret);
	}
	ret = ipcq_object_init(&s->obj, attr->type, &ipcq_sync_ops, &s->lock,
			       attr->mode);
	if (ret) {
		if (s->ops->free)
			s->ops->free(s);
		kfree(s);
		return ERR_PTR(ret);
	}
	ipcq_object_publish(&s->obj);
	return &s->obj;
}

/*
 * A new anonymous Lock (an RLock with IPCQ_SYNC_RECURSIVE, shared with
 * IPCQ_SYNC_SHARED) of @mode, for
 * a shared memory region to bind (shm.c); one reference, or an ERR_PTR.
 */
struct ipcq_sync *ipcq_sync_new_lock(u32 flags, umode_t mode)
{
	struct ipcq_sync_attr attr = {
		.type = IPCQ_TYPE_LOCK,
		.flags = flags & (IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED),
		.mode = mode,
	};
	struct ipcq_object *obj = ipcq_sync_create(&attr);

	return IS_ERR(obj) ? ERR_CAST(obj) : ipcq_sync_of(obj);
}

long ipcq_sync_open(struct ipcq_sync_open __user *uarg)
{
	const u32 kinds = IPCQ_SYNC_BOUNDED | IPCQ_SYNC_UNDO |
			  IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED |
			  IPCQ_SYNC_AUTO_RESET;
	const u32 known = IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL |
			  IPCQ_OPEN_CLOEXEC | kinds;
	struct ipcq_sync_attr attr = { 0 };
	struct ipcq_sync_open arg;
	struct ipcq_object *obj;
	bool created;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_open_args_valid(arg.flags, known, arg.mode, arg.pad,
				  arg.reserved, ARRAY_SIZE(arg.reserved)))
		return -EINVAL;
	if (arg.type >= ARRAY_SIZE(ipcq_sync_types) ||
	    !ipcq_sync_types[arg.type] ||
	    !ipcq_sync_types[arg.type]->valid(arg.flags & kinds, arg.value))
		return -EINVAL;
	/* Only a condition names a lock; only a creating call binds it. */
	if (arg.lock_fd && arg.type != IPCQ_TYPE_COND)
		return -EINVAL;

	attr.type = arg.type;
	attr.flags = arg.flags & kinds;
	attr.mode = arg.mode & ~current_umask();
	attr.value = arg.value;
	if (arg.type == IPCQ_TYPE_COND &&
	    (!arg.name || (arg.flags & IPCQ_OPEN_CREATE))) {
		attr.lock = ipcq_sync_lock_from_fd(arg.lock_fd);
		if (IS_ERR(attr.lock))
			return PTR_ERR(attr.lock);
	}
	obj = ipcq_object_open(arg.type, arg.name, arg.name_len, arg.flags,
			       ipcq_sync_create, &attr, &created);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out_lock;
	}
	ret = created ? 0 : ipcq_object_permission(obj, MAY_READ | MAY_WRITE);
	if (!ret)
		ret = ipcq_sync_install(ipcq_sync_of(obj),
					arg.flags & IPCQ_OPEN_CLOEXEC);
	ipcq_object_put(obj);
out_lock:
	if (!IS_ERR_OR_NULL(attr.lock))
		ipcq_object_put(&attr.lock->obj);
	return ret;
}
