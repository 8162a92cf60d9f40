// SPDX-License-Identifier: GPL-2.0
/*
 * Locks: Python's Lock and RLock (IPCQ_SYNC_RECURSIVE: owned by a thread,
 * recursion counted), and what a Condition (cond.c) needs of them.
 *
 * A lock remembers the thread holding it and the file it was acquired
 * through. When that file is released while holding it (its process
 * died, or closed it), the lock is marked owner-dead: the next acquirer
 * gets it with EOWNERDEAD and the data it guards possibly inconsistent
 * until LOCK_CONSISTENT; released without that, the lock becomes
 * unrecoverable (ENOTRECOVERABLE), as robust futexes do.
 *
 * A shared lock (IPCQ_SYNC_SHARED) keeps its holder in an owner word its
 * users map (lock_word.c) instead of owner and depth here: users take
 * and release it there without us when uncontended, and every operation
 * here works on the same word by compare-and-swap, reading it as a hint.
 * The thread it names is the holder, the file its owner id names the one
 * whose release makes the lock owner-dead. While owner-dead, inconsistent
 * or unrecoverable, the route word sends users to the ioctls and the word
 * holds a value no file has. Acquirers count themselves before their
 * first look (so a release in memory asks for a wake-up); a wait on
 * several objects may find the lock taken in memory between its look and
 * its take (take then fails with -EAGAIN; untake gives back a take).
 *
 * Locks: the object lock (sync.h) guards owner, depth, the flags and a
 * shared lock's status words; its owner word changes under it only by
 * compare-and-swap. A condition's object lock nests inside its Lock's
 * (cond.c).
 */
#include <linux/file.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "sync.h"

static bool ipcq_lock_valid(u32 flags, u64 value)
{
	return !value && !(flags & ~(IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED));
}

static int ipcq_lock_init(struct ipcq_sync *s, const struct ipcq_sync_attr *attr)
{
	if (!(attr->flags & IPCQ_SYNC_SHARED))
		return 0;
	return ipcq_lock_word_init(s);
}

static int ipcq_lock_attach(struct ipcq_sync_file *f)
{
	return f->s->lk.word ? ipcq_lock_word_attach(f) : 0;
}

struct ipcq_lock_take {
	struct ipcq_sync *s;
	u64 file_id;			/* the file it is taken through */
	u64 token;			/* shared: the owner word to write */
	u64 depth;			/* recursion to take it at */
	u64 deadline;			/* shared: of a contended take */
	bool once;			/* shared: one try, the lock kept held */
	bool nonblock;			/* contended: EAGAIN, not ETIMEDOUT */
};

/* What the lock's owner word says, or 0 for a lock that is not shared. */
static u64 ipcq_lock_word(struct ipcq_sync *s)
{
	return s->lk.word ? READ_ONCE(*s->lk.word) : 0;
}

/* Whether the calling thread holds the lock (also for cond.c). */
bool ipcq_lock_mine(struct ipcq_sync *s)
{
	lockdep_assert_held(&s->lock);
	if (s->lk.word)
		return ipcq_lock_word_mine(s, ipcq_lock_word(s));
	return s->lk.owner && s->lk.owner == task_pid(current);
}

static bool ipcq_lock_held(struct ipcq_sync *s)
{
	if (s->lk.word)
		return ipcq_lock_word_held(s, ipcq_lock_word(s));
	return s->lk.owner;
}

/* The recursion depth of a held lock; a scribbled 0 counts as 1. */
static u64 ipcq_lock_depth(struct ipcq_sync *s)
{
	if (!s->lk.word)
		return s->lk.depth;
	if (!(s->flags & IPCQ_SYNC_RECURSIVE))
		return 1;
	return max_t(u64, READ_ONCE(*s->lk.word_depth), 1);
}

/* A taker of a lock left by a dead holder: it is inconsistent now. */
static long ipcq_lock_take_over(struct ipcq_sync *s)
{
	if (!s->lk.owner_dead)
		return 0;
	s->lk.owner_dead = false;
	s->lk.inconsistent = true;
	return -EOWNERDEAD;
}

/*
 * The take of a shared lock (its readiness test): true with *@ret 0 or
 * -EOWNERDEAD (taken), -EOVERFLOW, or -ERESTARTSYS/-ETIMEDOUT while
 * users keep changing the word; false while another thread holds it.
 */
static bool ipcq_lock_ready_shared(struct ipcq_lock_take *t, long *ret)
{
	struct ipcq_sync *s = t->s;
	unsigned int i;

	for (i = 1;; i++) {
		u64 word = READ_ONCE(*s->lk.word);
		u64 depth;

		if (ipcq_lock_word_held(s, word)) {
			if (!(s->flags & IPCQ_SYNC_RECURSIVE) ||
			    !ipcq_lock_word_mine(s, word))
				return false;
			depth = ipcq_lock_depth(s);
			*ret = depth == U64_MAX ? -EOVERFLOW : 0;
			if (!*ret)
				WRITE_ONCE(*s->lk.word_depth, depth + 1);
			return true;
		}
		if (cmpxchg64(s->lk.word, word, t->token) == word) {
			WRITE_ONCE(*s->lk.word_depth, t->depth);
			*ret = ipcq_lock_take_over(s);
			ipcq_lock_word_publish(s);
			return true;
		}
		/* Taken by a user meanwhile: a wait on several objects waits. */
		if (t->once)
			return false;
		/* Users (or a scribbler) keep changing it: let go now and then. */
		if (i % 64 == 0) {
			*ret = ipcq_relax_locked(&s->lock, t->deadline);
			if (*ret == -ETIMEDOUT && t->nonblock)
				*ret = -EAGAIN;
			if (*ret)
				return true;
		}
	}
}

/*
 * Takes the lock for the calling thread: 0, or -EOWNERDEAD (taken: the
 * previous holder died), or an error without it.
 */
static bool ipcq_lock_ready(void *ctx, long *ret)
{
	struct ipcq_lock_take *t = ctx;
	struct ipcq_sync *s = t->s;
	struct pid *me = task_pid(current);

	lockdep_assert_held(&s->lock);
	if (s->destroyed) {
		*ret = -EIDRM;
	} else if (s->lk.notrecoverable) {
		*ret = -ENOTRECOVERABLE;
	} else if (s->lk.word) {
		return ipcq_lock_ready_shared(t, ret);
	} else if (!s->lk.owner) {
		s->lk.owner = get_pid(me);
		s->lk.owner_file = t->file_id;
		s->lk.depth = t->depth;
		*ret = ipcq_lock_take_over(s);
	} else if ((s->flags & IPCQ_SYNC_RECURSIVE) && s->lk.owner == me) {
		if (s->lk.depth == U64_MAX) {
			*ret = -EOVERFLOW;
		} else {
			s->lk.depth++;
			*ret = 0;
		}
	} else {
		return false;
	}
	return true;
}

/*
 * A take through @f at depth 1, for the calling thread: -EPERM if it has
 * no thread id in the PID namespace of the file's opener (a shared lock's
 * owner word could not name it).
 */
static int ipcq_lock_take_init(struct ipcq_lock_take *t,
			       struct ipcq_sync_file *f, u64 deadline)
{
	*t = (struct ipcq_lock_take){ .s = f->s, .file_id = f->id, .depth = 1,
				      .deadline = deadline };
	if (!f->s->lk.word)
		return 0;
	t->token = ipcq_lock_word_token(f);
	return (u32)t->token ? 0 : -EPERM;
}

/*
 * Waits for the lock as @w says (with s->lock held). Users releasing a
 * shared lock in memory ask for a wake-up while anyone is in here.
 */
static long ipcq_lock_wait(struct ipcq_waiter *w, struct ipcq_lock_take *t)
{
	struct ipcq_sync *s = t->s;
	long ret;

	if (!s->lk.word)
		return ipcq_wait(w, ipcq_lock_ready, t);
	s->lk.acquirers++;
	ipcq_lock_word_publish(s);
	ret = ipcq_wait(w, ipcq_lock_ready, t);
	s->lk.acquirers--;
	ipcq_lock_word_publish(s);
	return ret;
}

/* For a wait on several objects (wait_acquire.c): what a take would do. */
static int ipcq_lock_acquirable(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;

	lockdep_assert_held(&s->lock);
	if (s->destroyed)
		return -EIDRM;
	if (s->lk.notrecoverable)
		return -ENOTRECOVERABLE;
	if (s->lk.word) {
		/* See ipcq_lock_take_init(). */
		if (!(u32)ipcq_lock_word_token(f))
			return -EPERM;
		/* The wait's entry is on wq: users releasing in memory wake it. */
		ipcq_lock_word_publish(s);
	}
	if (!ipcq_lock_held(s))
		return 1;
	if ((s->flags & IPCQ_SYNC_RECURSIVE) && ipcq_lock_mine(s))
		return ipcq_lock_depth(s) == U64_MAX ? -EOVERFLOW : 1;
	return 0;
}

/*
 * After a 1 from ipcq_lock_acquirable(), under the same hold of the lock
 * (which a wait on several objects may hold beside others'): 0 or
 * -EOWNERDEAD (taken), -EPERM (see ipcq_lock_take_init()), or -EAGAIN: a
 * user took a shared lock in memory meanwhile.
 */
static int ipcq_lock_take(struct ipcq_sync_file *f)
{
	struct ipcq_lock_take t;
	long ret;

	ret = ipcq_lock_take_init(&t, f, IPCQ_DEADLINE_FOREVER);
	t.once = true;
	if (!ret && !ipcq_lock_ready(&t, &ret))
		ret = -EAGAIN;
	return ret;
}

/*
 * Undoes ipcq_lock_take() of a shared lock under the same hold (a wait
 * for all of several objects that did not get every one): the recursion
 * it added, or the owner word and state it found.
 */
static void ipcq_lock_untake(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;
	u64 depth = ipcq_lock_depth(s);

	lockdep_assert_held(&s->lock);
	if (depth > 1) {
		WRITE_ONCE(*s->lk.word_depth, depth - 1);
		return;
	}
	WRITE_ONCE(*s->lk.word_depth, 0);
	if (s->lk.inconsistent) {
		/* Found with its holder dead: so it is left. */
		s->lk.inconsistent = false;
		s->lk.owner_dead = true;
		WRITE_ONCE(*s->lk.word, IPCQ_LOCK_WORD_KERNEL);
	} else {
		WRITE_ONCE(*s->lk.word, 0);
	}
	ipcq_lock_word_publish(s);
}

static long ipcq_lock_acquire(struct ipcq_sync_file *f, void __user *argp)
{
	struct ipcq_sync *s = f->s;
	struct ipcq_lock_take t;
	struct ipcq_sync_op op;
	struct ipcq_waiter w;
	bool pass_on;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, IPCQ_OP_WAITS);
	if (ret)
		return ret;
	ret = ipcq_lock_take_init(&t, f, op.deadline);
	if (ret)
		return ret;
	t.nonblock = op.flags & IPCQ_SYNC_NONBLOCK;
	/* A thread owns a lock: no io_uring command takes one. */
	ipcq_sync_waiter(&w, s, &op, NULL);
	spin_lock(&s->lock);
	ret = ipcq_lock_wait(&w, &t);
	pass_on = !ipcq_lock_held(s) && s->waiters;
	spin_unlock(&s->lock);
	if (pass_on)
		wake_up(&s->wq);
	return ret;
}

/*
 * Frees the lock and returns the old owner for put_pid() after unlocking.
 * A release of a lock left inconsistent by a dead owner makes it
 * unrecoverable, unless @keep_consistency. A shared lock's word was freed
 * by the caller (ipcq_lock_word_free_held()).
 */
static struct pid *ipcq_lock_free(struct ipcq_sync *s, bool keep_consistency)
{
	struct pid *owner = s->lk.owner;

	lockdep_assert_held(&s->lock);
	if (s->lk.inconsistent && !keep_consistency)
		s->lk.notrecoverable = true;
	s->lk.inconsistent = false;
	s->lk.owner = NULL;
	s->lk.depth = 0;
	return owner;
}

/*
 * Frees a shared lock whose owner word was @word when the caller judged
 * it: false if the word changed meanwhile (judge again), unless @force,
 * for a caller that must not spin under the lock on a scribbled word. The
 * word becomes the kernel's while the lock stays routed through the
 * ioctls (owner-dead, not recoverable).
 */
static bool ipcq_lock_free_word(struct ipcq_sync *s, u64 word, bool force,
				bool keep_consistency, bool owner_dead)
{
	bool kernel = (s->lk.inconsistent && !keep_consistency) ||
		      s->lk.notrecoverable || owner_dead;
	u64 free = kernel ? IPCQ_LOCK_WORD_KERNEL : 0;

	lockdep_assert_held(&s->lock);
	if (force)
		WRITE_ONCE(*s->lk.word, free);
	else if (cmpxchg64(s->lk.word, word, free) != word)
		return false;
	WRITE_ONCE(*s->lk.word_depth, 0);
	ipcq_lock_free(s, keep_consistency);
	if (owner_dead && !s->lk.notrecoverable)
		s->lk.owner_dead = true;
	ipcq_lock_word_publish(s);
	return true;
}

/* Release of a shared lock: 0, -EPERM; *@freed when it became free. */
static long ipcq_lock_release_shared(struct ipcq_sync *s, bool *freed)
{
	unsigned int i;

	for (i = 1;; i++) {
		u64 word = READ_ONCE(*s->lk.word);
		u64 depth;

		if (!ipcq_lock_word_held(s, word) ||
		    ((s->flags & IPCQ_SYNC_RECURSIVE) &&
		     !ipcq_lock_word_mine(s, word)))
			return -EPERM;
		depth = ipcq_lock_depth(s);
		if (depth > 1) {
			WRITE_ONCE(*s->lk.word_depth, depth - 1);
			return 0;
		}
		if (ipcq_lock_free_word(s, word, i > 64, false, false)) {
			*freed = true;
			return 0;
		}
		cpu_relax();
	}
}

static long ipcq_lock_release(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	struct pid *owner = NULL;
	bool freed = false, wake_all = false;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (s->lk.word) {
		ret = ipcq_lock_release_shared(s, &freed);
	} else if (!s->lk.owner ||
		   ((s->flags & IPCQ_SYNC_RECURSIVE) &&
		    s->lk.owner != task_pid(current))) {
		/* Python's Lock may be released by anyone, RLock not. */
		ret = -EPERM;
	} else if (!--s->lk.depth) {
		owner = ipcq_lock_free(s, false);
		freed = true;
	}
	wake_all = freed && s->lk.notrecoverable;
	spin_unlock(&s->lock);
	put_pid(owner);
	if (wake_all)
		wake_up_all(&s->wq);
	else if (freed)
		wake_up(&s->wq);
	return ret;
}

/* After a release made in the shared page (shared locks only). */
static long ipcq_lock_wake(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	if (!s->lk.word)
		return -ENXIO;
	/* Under the lock: after any acquirer's last look before it slept. */
	spin_lock(&s->lock);
	ret = s->destroyed ? -EIDRM : 0;
	ipcq_lock_word_publish(s);
	spin_unlock(&s->lock);
	if (!ret)
		wake_up(&s->wq);
	return ret;
}

static long ipcq_lock_consistent(struct ipcq_sync *s, void __user *argp)
{
	struct ipcq_sync_op op;
	long ret;

	ret = ipcq_sync_op_from_user(&op, argp, 0);
	if (ret)
		return ret;
	ret = -EINVAL;
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (ipcq_lock_mine(s) && s->lk.inconsistent) {
		s->lk.inconsistent = false;
		if (s->lk.word)
			ipcq_lock_word_publish(s);
		ret = 0;
	}
	spin_unlock(&s->lock);
	return ret;
}

static long ipcq_lock_ioctl(struct ipcq_sync_file *f, unsigned int cmd,
			    void __user *argp, struct ipcq_call *call)
{
	switch (cmd) {
	case IPCQ_IOC_LOCK_ACQUIRE:
		return ipcq_lock_acquire(f, argp);
	case IPCQ_IOC_LOCK_RELEASE:
		return ipcq_lock_release(f->s, argp);
	case IPCQ_IOC_LOCK_CONSISTENT:
		return ipcq_lock_consistent(f->s, argp);
	case IPCQ_IOC_LOCK_SHARE:
		return ipcq_lock_word_share(f, argp);
	case IPCQ_IOC_LOCK_WAKE:
		return ipcq_lock_wake(f->s, argp);
	default:
		return -ENOTTY;
	}
}

static __poll_t ipcq_lock_poll(struct ipcq_sync *s)
{
	if (s->lk.notrecoverable)
		return EPOLLERR;
	/* Polling counts as waiting: releasers in memory then wake. */
	if (s->lk.word)
		ipcq_lock_word_publish(s);
	return ipcq_lock_held(s) ? 0 : EPOLLIN | EPOLLRDNORM;
}

static void ipcq_lock_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
			   struct ipcq_sync_stat *st)
{
	/* One look at a shared lock's word, so the fields agree. */
	u64 word = ipcq_lock_word(s);
	bool held = s->lk.word ? ipcq_lock_word_held(s, word) : !!s->lk.owner;
	bool mine = s->lk.word ? ipcq_lock_word_mine(s, word) :
				 s->lk.owner == task_pid(current);

	st->value = held ? ipcq_lock_depth(s) : 0;
	if (held)
		st->state |= IPCQ_SYNC_LOCKED;
	if (held && mine)
		st->state |= IPCQ_SYNC_MINE;
	if (s->lk.owner_dead)
		st->state |= IPCQ_SYNC_OWNER_DEAD;
	if (s->lk.inconsistent)
		st->state |= IPCQ_SYNC_INCONSISTENT;
	if (s->lk.notrecoverable)
		st->state |= IPCQ_SYNC_NOTRECOVERABLE;
	if (s->lk.word)
		st->owner_tid = ipcq_lock_word_holder_vnr(s, word);
	else
		st->owner_tid = s->lk.owner ? pid_vnr(s->lk.owner) : 0;
}

/* Released while holding the lock: its owner is dead. */
static void ipcq_lock_release_file(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;
	struct pid *owner = NULL;
	bool freed = false;

	spin_lock(&s->lock);
	if (s->lk.word) {
		unsigned int i;
		u64 word;

		for (i = 1; !freed; i++) {
			word = READ_ONCE(*s->lk.word);
			if (!ipcq_lock_word_held(s, word) ||
			    word >> 32 != f->owner_id)
				break;
			freed = ipcq_lock_free_word(s, word, i > 64, true, true);
		}
		ipcq_lock_word_detach(f);
	} else if (s->lk.owner && s->lk.owner_file == f->id) {
		owner = ipcq_lock_free(s, true);
		if (!s->lk.notrecoverable)
			s->lk.owner_dead = true;
		freed = true;
	}
	spin_unlock(&s->lock);
	put_pid(owner);
	if (f->pidns)
		put_pid_ns(f->pidns);
	if (freed)
		wake_up(&s->wq);
}

static int ipcq_lock_mmap(struct ipcq_sync *s, struct vm_area_struct *vma)
{
	return ipcq_lock_word_mmap(s, vma);
}

static void ipcq_lock_free_obj(struct ipcq_sync *s)
{
	put_pid(s->lk.owner);
	if (s->lk.word)
		ipcq_lock_word_free(s);
}

static void ipcq_lock_destroy(struct ipcq_sync *s)
{
	/* Users of the words go through the ioctls from now on. */
	if (s->lk.word)
		ipcq_lock_word_publish(s);
}

const struct ipcq_sync_type ipcq_lock_type = {
	.inode_name = "[ipcq-lock]",
	.valid = ipcq_lock_valid,
	.init = ipcq_lock_init,
	.ioctl = ipcq_lock_ioctl,
	.acquirable = ipcq_lock_acquirable,
	.take = ipcq_lock_take,
	.untake = ipcq_lock_untake,
	.poll = ipcq_lock_poll,
	.stat = ipcq_lock_stat,
	.destroy = ipcq_lock_destroy,
	.attach = ipcq_lock_attach,
	.release = ipcq_lock_release_file,
	.mmap = ipcq_lock_mmap,
	.free = ipcq_lock_free_obj,
};

/* The lock behind @fd, referenced, for binding a condition. */
struct ipcq_sync *ipcq_sync_lock_from_fd(unsigned int fd)
{
	struct ipcq_sync *s = ERR_PTR(-ENOTTY);
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (ipcq_sync_file_is(file)) {
		struct ipcq_sync_file *sf = file->private_data;

		if (sf->s->obj.type == IPCQ_TYPE_LOCK) {
			s = sf->s;
			ipcq_object_get(&s->obj);
		}
	}
	fput(file);
	return s;
}

/*
 * For a condition's wait (cond.c), with @s's lock held by the caller, who
 * holds @s: lets the lock go, keeping in @hold what taking it back needs
 * (the depth, the file or owner word, the inconsistent mark). Returns the
 * plain lock's old owner, for put_pid() after unlocking.
 */
struct pid *ipcq_lock_let_go(struct ipcq_sync *s, struct ipcq_lock_hold *hold)
{
	lockdep_assert_held(&s->lock);
	hold->depth = ipcq_lock_depth(s);
	hold->file_id = s->lk.owner_file;
	hold->token = ipcq_lock_word(s);
	hold->inconsistent = s->lk.inconsistent;
	if (!s->lk.word)
		return ipcq_lock_free(s, true);
	/* Ours: only a scribbler changes it meanwhile. */
	ipcq_lock_free_word(s, hold->token, true, true, false);
	return NULL;
}

/*
 * Takes @s back as @hold says, for the calling thread, waiting as long as
 * it takes (only a fatal signal ends it: -EINTR, nothing taken); the
 * inconsistent mark comes back with it. 0, or an error of the lock's.
 */
long ipcq_lock_take_back(struct ipcq_sync *s, const struct ipcq_lock_hold *hold,
			 const struct ipcq_sync_op *op)
{
	struct ipcq_lock_take t = { .s = s, .file_id = hold->file_id,
				    .token = hold->token, .depth = hold->depth,
				    .deadline = IPCQ_DEADLINE_FOREVER };
	struct ipcq_waiter w;
	long taken;

	ipcq_sync_waiter(&w, s, op, NULL);
	w.deadline = IPCQ_DEADLINE_FOREVER;
	w.nonblock = false;
	w.killable = true;
	spin_lock(&s->lock);
	taken = ipcq_lock_wait(&w, &t);
	if (!taken && hold->inconsistent) {
		s->lk.inconsistent = true;
		if (s->lk.word)
			ipcq_lock_word_publish(s);
	}
	spin_unlock(&s->lock);
	return taken;
}
