// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronisation objects: Python multiprocessing's Semaphore,
 * BoundedSemaphore, Lock, RLock, Event, Condition and Barrier, each a file,
 * anonymous or named, and robust to the death of the processes using them.
 *
 * Robustness comes from the files: every file of an object has an id and
 * its own state. A semaphore created with IPCQ_SYNC_UNDO counts the units
 * acquired minus released through each file and gives back what a file
 * still holds when the file is released (SysV SEM_UNDO, per open file). A
 * lock remembers the file it was acquired through; when that file is
 * released while holding it, the lock is marked owner-dead and the next
 * acquirer gets it with EOWNERDEAD (the robust-futex contract, without a
 * manual kill). libipcdev gives each process a file of its own after
 * fork(), so "file released" means "process gone", SIGKILL included.
 *
 * Waiting: acquirers of semaphores and locks sleep exclusively on wq (a
 * unit wakes one); events, barriers and pollers sleep non-exclusively.
 * A condition keeps its own list of waiters and wakes them one by one.
 *
 * A semaphore created with IPCQ_SYNC_SHARED keeps its value in a page its
 * users map (ipcq_map_shared(), the same regions as a ring's): they
 * acquire and release by compare-and-swap without system calls, and the
 * kernel works on the same word the same way. The value is a hint to us:
 * read once, bounded by max. A status page only the kernel writes tells
 * users to go through the ioctls (destroyed) and when someone waits, so
 * that a release asks for a wake-up only then. UNDO is not offered with
 * it: a unit taken in shared memory cannot be tied to its taker without a
 * second store that a dying process may never make.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "ipcq.h"

struct ipcq_sync {
	struct ipcq_object obj;
	u32 flags;			/* IPCQ_SYNC_BOUNDED, _UNDO, _RECURSIVE */

	spinlock_t lock;		/* guards everything below */
	wait_queue_head_t wq;
	struct ipcq_park_site site;	/* io_uring acquires on wq */
	u32 waiters;
	bool destroyed;
	union {
		struct {
			u64 value;		/* unless shared */
			u64 max;
			u64 *shared;		/* SHARED: the value's word */
			u32 *status;		/* SHARED: route, wake words */
			struct page *pages[2];	/* SHARED: status, value */
			u32 acquirers;		/* SHARED: in acquire */
		} sem;
		struct {
			struct pid *owner;	/* holding thread; NULL: free */
			u64 owner_file;		/* file it was acquired through */
			u64 depth;		/* RLock recursion */
			bool owner_dead;
			bool inconsistent;
			bool notrecoverable;
		} lk;
		struct {
			bool set;
		} event;
		struct {
			struct ipcq_sync *lock;	/* bound Lock/RLock, referenced */
			struct list_head waiters;
		} cond;
		struct {
			u64 parties;
			u64 count;		/* arrived in this generation */
			u64 gen;
			u64 broken_gen;		/* generation ended by reset */
			bool broken;
		} bar;
	};
};

/* Per-file state. */
struct ipcq_sync_file {
	struct ipcq_sync *s;
	u64 id;
	s64 held;			/* SEM with UNDO; guarded by s->lock */
};

struct ipcq_cond_waiter {
	struct list_head node;
	struct task_struct *task;
	bool notified;			/* guarded by the condition's lock */
};

static const struct file_operations ipcq_sync_fops;
static atomic64_t ipcq_sync_next_file_id = ATOMIC64_INIT(0);

static struct ipcq_sync *ipcq_sync_of(struct ipcq_object *obj)
{
	return container_of(obj, struct ipcq_sync, obj);
}

static bool ipcq_op_valid(const struct ipcq_sync_op *op, bool waits,
			  bool counts)
{
	if (op->pad || op->reserved[0] || op->reserved[1])
		return false;
	if (waits ? (op->flags & ~IPCQ_SYNC_NONBLOCK) :
		    (op->flags || op->deadline))
		return false;
	return counts || !op->count;
}

/*
 * Sleeps on s->wq with s->lock dropped and returns with it held again:
 * 0 when woken, -ETIMEDOUT, or -ERESTARTSYS on a (fatal, if @killable)
 * signal.
 */
static int ipcq_sync_sleep(struct ipcq_sync *s, u64 deadline, bool exclusive,
			   bool killable)
{
	int state = killable ? TASK_KILLABLE : TASK_INTERRUPTIBLE;
	DEFINE_WAIT(wait);
	int ret;

	lockdep_assert_held(&s->lock);
	if (exclusive)
		prepare_to_wait_exclusive(&s->wq, &wait, state);
	else
		prepare_to_wait(&s->wq, &wait, state);
	s->waiters++;
	spin_unlock(&s->lock);

	ret = ipcq_sleep(deadline, killable);

	finish_wait(&s->wq, &wait);
	spin_lock(&s->lock);
	s->waiters--;
	return ret;
}

/* Semaphores. */

#define SEM_STATUS_ROUTE	0	/* __u32 indices in the status page */
#define SEM_STATUS_WAKE		1
#define SEM_OFF_VALUE		0	/* in the value page */

/* The value; a shared one is a hint, bounded by max. */
static u64 ipcq_sem_value(struct ipcq_sync *s)
{
	if (!s->sem.shared)
		return s->sem.value;
	return min_t(u64, READ_ONCE(*s->sem.shared), s->sem.max);
}

/*
 * Tells a shared semaphore's users whether to go through the ioctls and
 * whether to ask for wake-ups, then orders that before our next look at
 * the value: either a releaser sees the wake word, or we see its unit.
 */
static void ipcq_sem_publish(struct ipcq_sync *s)
{
	bool wake;

	lockdep_assert_held(&s->lock);
	if (!s->sem.shared)
		return;
	WRITE_ONCE(s->sem.status[SEM_STATUS_ROUTE], s->destroyed);
	/*
	 * Sleepers and pollers are on wq before they look at the value under
	 * our lock (which we hold); a stale "yes" costs one wake-up.
	 */
	wake = s->sem.acquirers || waitqueue_active(&s->wq);
	WRITE_ONCE(s->sem.status[SEM_STATUS_WAKE], wake);
	/* The words out before we read the value; pairs with the users'. */
	smp_mb();
}

/* One unit from the shared value: 1 taken, 0 none, -EAGAIN contended. */
static int ipcq_sem_take_shared(struct ipcq_sync *s)
{
	u64 *p = s->sem.shared;
	int i;

	for (i = 0; i < 64; i++) {
		u64 v = READ_ONCE(*p);

		if (!v)
			return 0;
		if (v > s->sem.max)	/* only by scribbling: bound it */
			cmpxchg64(p, v, s->sem.max);
		else if (cmpxchg64(p, v, v - 1) == v)
			return 1;
	}
	return -EAGAIN;
}

/* Adds @count to the shared value: 0, -EOVERFLOW, or -ERESTARTSYS. */
static long ipcq_sem_add_shared(struct ipcq_sync *s, u64 count)
{
	u64 *p = s->sem.shared;
	unsigned int i;

	for (i = 1;; i++) {
		u64 v = READ_ONCE(*p);
		u64 cur = min(v, s->sem.max);

		if (count > s->sem.max - cur)
			return -EOVERFLOW;
		if (cmpxchg64(p, v, cur + count) == v)
			return 0;
		/* Users (or a scribbler) keep changing it: let go now and then. */
		if (i % 64 == 0) {
			cond_resched();
			if (signal_pending(current))
				return -ERESTARTSYS;
		}
	}
}

static long ipcq_sem_acquire_shared(struct ipcq_sync *s,
				    const struct ipcq_sync_op *op,
				    struct ipcq_call *call)
{
	bool pass_on;
	long ret;
	int got;

	spin_lock(&s->lock);
	s->sem.acquirers++;
	ipcq_sem_publish(s);
	for (;;) {
		if (s->destroyed) {
			ret = -EIDRM;
			break;
		}
		got = ipcq_sem_take_shared(s);
		if (got > 0) {
			ret = 0;
			break;
		}
		if (got < 0) {
			/* Contended: yield, then look again. */
			ret = ipcq_relax_locked(&s->lock, op->deadline);
			if (ret)
				break;
			continue;
		}
		if (op->flags & IPCQ_SYNC_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (call) {
			ret = ipcq_park(call, &s->lock, &s->wq, &s->waiters,
					&s->site, op->deadline);
			break;
		}
		ret = ipcq_sync_sleep(s, op->deadline, true, false);
		/* Re-judge unless only the wait failed. */
		if (ret && !ipcq_sem_value(s) && !s->destroyed)
			break;
	}
	s->sem.acquirers--;
	/* A unit we were woken for but did not take goes to the next. */
	pass_on = ipcq_sem_value(s) && s->waiters;
	ipcq_sem_publish(s);
	spin_unlock(&s->lock);
	if (pass_on)
		wake_up(&s->wq);
	return ret;
}

/* Acquires a unit; an io_uring @call parks where a thread would sleep. */
static long ipcq_sem_acquire(struct ipcq_sync *s, struct ipcq_sync_file *f,
			     const struct ipcq_sync_op *op,
			     struct ipcq_call *call)
{
	bool pass_on;
	long ret;

	if (s->sem.shared)
		return ipcq_sem_acquire_shared(s, op, call);
	spin_lock(&s->lock);
	for (;;) {
		if (s->destroyed) {
			ret = -EIDRM;
		} else if (s->sem.value) {
			s->sem.value--;
			if (s->flags & IPCQ_SYNC_UNDO)
				f->held++;
			ret = 0;
		} else if (op->flags & IPCQ_SYNC_NONBLOCK) {
			ret = -EAGAIN;
		} else if (call) {
			ret = ipcq_park(call, &s->lock, &s->wq, &s->waiters,
					&s->site, op->deadline);
		} else {
			ret = ipcq_sync_sleep(s, op->deadline, true, false);
			/* Re-judge unless only the wait failed. */
			if (!ret || s->sem.value || s->destroyed)
				continue;
		}
		break;
	}
	/* A unit we were woken for but did not take goes to the next. */
	pass_on = s->sem.value && s->waiters;
	spin_unlock(&s->lock);
	if (pass_on)
		wake_up(&s->wq);
	return ret;
}

/* Adds @count units; the caller holds s->lock. */
static long ipcq_sem_add(struct ipcq_sync *s, u64 count)
{
	lockdep_assert_held(&s->lock);
	if (count > s->sem.max - s->sem.value)
		return -EOVERFLOW;
	s->sem.value += count;
	return 0;
}

static void ipcq_sem_wake(struct ipcq_sync *s, u64 count)
{
	wake_up_nr(&s->wq, count > INT_MAX ? INT_MAX : (int)count);
}

/*
 * Wakes up to @count acquirers after units were added to a shared value.
 * Taking the lock first orders this after any acquirer's last look at the
 * value (made under the lock, before it sleeps): no wake-up is lost.
 */
static void ipcq_sem_wake_shared(struct ipcq_sync *s, u64 count)
{
	spin_lock(&s->lock);
	ipcq_sem_publish(s);
	spin_unlock(&s->lock);
	ipcq_sem_wake(s, count);
}

static long ipcq_sem_release(struct ipcq_sync *s, struct ipcq_sync_file *f,
			     const struct ipcq_sync_op *op)
{
	long ret;

	if (!op->count)
		return -EINVAL;
	if (s->sem.shared) {
		if (READ_ONCE(s->destroyed))
			return -EIDRM;
		ret = ipcq_sem_add_shared(s, op->count);
		if (!ret)
			ipcq_sem_wake_shared(s, op->count);
		return ret;
	}
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else {
		ret = ipcq_sem_add(s, op->count);
		if (!ret && (s->flags & IPCQ_SYNC_UNDO))
			f->held -= min_t(u64, op->count, S64_MAX);
	}
	spin_unlock(&s->lock);
	if (!ret)
		ipcq_sem_wake(s, op->count);
	return ret;
}

/* Locks. */

/*
 * Takes @s for the calling thread through file @file_id at recursion
 * @depth, waiting until @deadline. Returns 0, -EOWNERDEAD (taken), or an
 * error without it. The caller holds s->lock.
 */
static long ipcq_lock_take(struct ipcq_sync *s, u64 file_id, u64 depth,
			   u64 deadline, u32 flags, bool killable)
{
	struct pid *me = task_pid(current);
	long ret;

	lockdep_assert_held(&s->lock);
	for (;;) {
		if (s->destroyed) {
			ret = -EIDRM;
		} else if (s->lk.notrecoverable) {
			ret = -ENOTRECOVERABLE;
		} else if (!s->lk.owner) {
			s->lk.owner = get_pid(me);
			s->lk.owner_file = file_id;
			s->lk.depth = depth;
			ret = 0;
			if (s->lk.owner_dead) {
				s->lk.owner_dead = false;
				s->lk.inconsistent = true;
				ret = -EOWNERDEAD;
			}
		} else if ((s->flags & IPCQ_SYNC_RECURSIVE) &&
			   s->lk.owner == me) {
			if (s->lk.depth == U64_MAX) {
				ret = -EOVERFLOW;
			} else {
				s->lk.depth++;
				ret = 0;
			}
		} else if (flags & IPCQ_SYNC_NONBLOCK) {
			ret = -EAGAIN;
		} else {
			ret = ipcq_sync_sleep(s, deadline, true, killable);
			if (!ret || !s->lk.owner || s->destroyed ||
			    s->lk.notrecoverable)
				continue;
		}
		return ret;
	}
}

static long ipcq_lock_acquire(struct ipcq_sync *s, struct ipcq_sync_file *f,
			      const struct ipcq_sync_op *op)
{
	bool pass_on;
	long ret;

	spin_lock(&s->lock);
	ret = ipcq_lock_take(s, f->id, 1, op->deadline, op->flags, false);
	pass_on = !s->lk.owner && s->waiters;
	spin_unlock(&s->lock);
	if (pass_on)
		wake_up(&s->wq);
	return ret;
}

/*
 * Frees the lock; the caller holds s->lock and returns the old owner for
 * put_pid() after unlocking. A release of a lock left inconsistent by a
 * dead owner makes it unrecoverable.
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

static long ipcq_lock_release(struct ipcq_sync *s)
{
	struct pid *owner = NULL;
	bool wake_all = false;
	long ret = 0;

	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (!s->lk.owner ||
		   ((s->flags & IPCQ_SYNC_RECURSIVE) &&
		    s->lk.owner != task_pid(current))) {
		/* Python's Lock may be released by anyone, RLock not. */
		ret = -EPERM;
	} else if (!--s->lk.depth) {
		owner = ipcq_lock_free(s, false);
		wake_all = s->lk.notrecoverable;
	}
	spin_unlock(&s->lock);
	put_pid(owner);
	if (wake_all)
		wake_up_all(&s->wq);
	else if (owner)
		wake_up(&s->wq);
	return ret;
}

static long ipcq_lock_consistent(struct ipcq_sync *s)
{
	long ret = -EINVAL;

	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
	} else if (s->lk.owner == task_pid(current) && s->lk.inconsistent) {
		s->lk.inconsistent = false;
		ret = 0;
	}
	spin_unlock(&s->lock);
	return ret;
}

/* Events. */

static long ipcq_event_set(struct ipcq_sync *s, bool set)
{
	long ret = 0;

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

static long ipcq_event_wait(struct ipcq_sync *s, const struct ipcq_sync_op *op,
			    struct ipcq_call *call)
{
	long ret;

	spin_lock(&s->lock);
	for (;;) {
		if (s->destroyed) {
			ret = -EIDRM;
		} else if (s->event.set) {
			ret = 0;
		} else if (op->flags & IPCQ_SYNC_NONBLOCK) {
			ret = -EAGAIN;
		} else if (call) {
			ret = ipcq_park(call, &s->lock, &s->wq, &s->waiters,
					NULL, op->deadline);
		} else {
			ret = ipcq_sync_sleep(s, op->deadline, false, false);
			if (!ret || s->event.set || s->destroyed)
				continue;
		}
		break;
	}
	spin_unlock(&s->lock);
	return ret;
}

/* Conditions. */

static long ipcq_cond_wait(struct ipcq_sync *c, const struct ipcq_sync_op *op)
{
	struct ipcq_cond_waiter w = { .task = current };
	struct ipcq_sync *lk = c->cond.lock;
	bool notified, destroyed, inconsistent;
	struct pid *owner;
	u64 depth, file_id;
	long ret = 0, taken;

	if (op->flags & IPCQ_SYNC_NONBLOCK)
		return -EINVAL;

	spin_lock(&lk->lock);
	if (lk->destroyed) {
		spin_unlock(&lk->lock);
		return -EIDRM;
	}
	if (lk->lk.owner != task_pid(current)) {
		spin_unlock(&lk->lock);
		return -EPERM;
	}
	/*
	 * Queue up before letting go of the lock: no notify is missed. The
	 * condition's lock nests inside its Lock's (same class).
	 */
	spin_lock_nested(&c->lock, SINGLE_DEPTH_NESTING);
	if (c->destroyed) {
		spin_unlock(&c->lock);
		spin_unlock(&lk->lock);
		return -EIDRM;
	}
	list_add_tail(&w.node, &c->cond.waiters);
	c->waiters++;
	spin_unlock(&c->lock);

	depth = lk->lk.depth;
	file_id = lk->lk.owner_file;
	inconsistent = lk->lk.inconsistent;
	owner = ipcq_lock_free(lk, true);
	spin_unlock(&lk->lock);
	put_pid(owner);
	wake_up(&lk->wq);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		spin_lock(&c->lock);
		notified = w.notified || c->destroyed;
		spin_unlock(&c->lock);
		if (notified)
			break;
		ret = ipcq_sleep(op->deadline, false);
		if (ret)
			break;
	}
	__set_current_state(TASK_RUNNING);

	spin_lock(&c->lock);
	notified = w.notified;
	destroyed = c->destroyed;
	/* Notify and destroy take waiters off with list_del_init(). */
	list_del_init(&w.node);
	c->waiters--;
	spin_unlock(&c->lock);

	/*
	 * A dying waiter must not take the lock on its way out: it would be
	 * marked owner-dead for nothing. No user code runs after this.
	 */
	if (fatal_signal_pending(current))
		return -EINTR;
	/* Back to the caller's hold, whatever happened: fatal signals only. */
	spin_lock(&lk->lock);
	taken = ipcq_lock_take(lk, file_id, depth, IPCQ_DEADLINE_FOREVER, 0,
			       true);
	if (!taken && inconsistent)
		lk->lk.inconsistent = true;
	spin_unlock(&lk->lock);

	if (taken)
		return taken;
	if (destroyed)
		return -EIDRM;
	return notified ? 0 : ret;
}

static long ipcq_cond_notify(struct ipcq_sync *c, const struct ipcq_sync_op *op)
{
	struct ipcq_cond_waiter *w, *tmp;
	struct ipcq_sync *lk = c->cond.lock;
	u64 n = op->count;
	long ret = 0;

	spin_lock(&lk->lock);
	if (lk->lk.owner != task_pid(current)) {
		ret = -EPERM;
	} else {
		spin_lock_nested(&c->lock, SINGLE_DEPTH_NESTING);
		if (c->destroyed) {
			ret = -EIDRM;
		} else {
			list_for_each_entry_safe(w, tmp, &c->cond.waiters, node) {
				list_del_init(&w->node);
				w->notified = true;
				/* The waiter needs c->lock to go: w is alive. */
				wake_up_process(w->task);
				if (n && !--n)
					break;
			}
		}
		spin_unlock(&c->lock);
	}
	spin_unlock(&lk->lock);
	return ret;
}

/* Barriers. */

static long ipcq_barrier_wait(struct ipcq_sync *s, const struct ipcq_sync_op *op)
{
	u64 index, gen;
	bool wake = false;
	long ret;

	if (op->flags & IPCQ_SYNC_NONBLOCK)
		return -EINVAL;
	spin_lock(&s->lock);
	if (s->destroyed) {
		ret = -EIDRM;
		goto out;
	}
	if (s->bar.broken) {
		ret = -ECANCELED;
		goto out;
	}
	index = s->bar.count++;
	if (s->bar.count == s->bar.parties) {
		s->bar.count = 0;
		s->bar.gen++;
		wake = true;
		ret = index;
		goto out;
	}
	gen = s->bar.gen;
	for (;;) {
		/* Only fatal signals interrupt: leaving would miss the trip. */
		ret = ipcq_sync_sleep(s, op->deadline, false, true);
		if (s->bar.gen != gen) {
			ret = s->bar.broken_gen == gen ? -ECANCELED : (long)index;
			break;
		}
		if (s->destroyed || s->bar.broken) {
			s->bar.count--;
			ret = s->destroyed ? -EIDRM : -ECANCELED;
			break;
		}
		if (ret) {
			/* A waiter timing out or killed breaks the barrier. */
			s->bar.count--;
			s->bar.broken = true;
			wake = true;
			if (ret != -ETIMEDOUT)
				ret = -EINTR;
			break;
		}
	}
out:
	spin_unlock(&s->lock);
	if (wake)
		wake_up_all(&s->wq);
	return ret;
}

static long ipcq_barrier_break(struct ipcq_sync *s, bool reset)
{
	long ret = 0;

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

/* Common operations. */

static long ipcq_sync_destroy(struct ipcq_sync *s)
{
	struct ipcq_cond_waiter *w, *tmp;

	if (!ipcq_object_may_unlink(&s->obj))
		return -EPERM;
	ipcq_registry_forget(&s->obj);
	spin_lock(&s->lock);
	s->destroyed = true;
	if (s->obj.type == IPCQ_TYPE_SEM)
		ipcq_sem_publish(s);
	if (s->obj.type == IPCQ_TYPE_COND) {
		list_for_each_entry_safe(w, tmp, &s->cond.waiters, node) {
			list_del_init(&w->node);
			wake_up_process(w->task);
		}
	}
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);
	return 0;
}

static void ipcq_sync_fill_stat(struct ipcq_sync *s, struct ipcq_sync_file *f,
				struct ipcq_sync_stat *st)
{
	struct pid *owner;

	memset(st, 0, sizeof(*st));
	st->type = s->obj.type;
	st->flags = s->flags;
	spin_lock(&s->lock);
	st->waiters = s->waiters;
	if (s->destroyed)
		st->state |= IPCQ_SYNC_DESTROYED;
	if (READ_ONCE(s->obj.ns))
		st->state |= IPCQ_SYNC_NAMED;
	switch (s->obj.type) {
	case IPCQ_TYPE_SEM:
		st->value = ipcq_sem_value(s);
		st->max = s->sem.max;
		st->held = f->held;
		break;
	case IPCQ_TYPE_LOCK:
		owner = s->lk.owner;
		st->value = s->lk.depth;
		if (owner)
			st->state |= IPCQ_SYNC_LOCKED;
		if (owner && owner == task_pid(current))
			st->state |= IPCQ_SYNC_MINE;
		if (s->lk.owner_dead)
			st->state |= IPCQ_SYNC_OWNER_DEAD;
		if (s->lk.inconsistent)
			st->state |= IPCQ_SYNC_INCONSISTENT;
		if (s->lk.notrecoverable)
			st->state |= IPCQ_SYNC_NOTRECOVERABLE;
		st->owner_tid = owner ? pid_vnr(owner) : 0;
		break;
	case IPCQ_TYPE_EVENT:
		st->value = s->event.set;
		if (s->event.set)
			st->state |= IPCQ_SYNC_SET;
		break;
	case IPCQ_TYPE_BARRIER:
		st->value = s->bar.parties;
		st->waiters = s->bar.count;
		if (s->bar.broken)
			st->state |= IPCQ_SYNC_BROKEN;
		break;
	}
	spin_unlock(&s->lock);
}

static long ipcq_sync_reopen(struct ipcq_sync *s, struct ipcq_reopen __user *uarg);

static long ipcq_sem_share(struct ipcq_sync *s,
			   struct ipcq_sem_share __user *uarg)
{
	struct ipcq_sem_share sh;

	if (!s->sem.shared)
		return -ENXIO;
	memset(&sh, 0, sizeof(sh));
	sh.status_offset = IPCQ_RING_OFF_STATUS;
	sh.status_size = PAGE_SIZE;
	sh.value_offset = IPCQ_RING_OFF_RING;
	sh.value_size = PAGE_SIZE;
	sh.off_value = SEM_OFF_VALUE;
	sh.off_route = SEM_STATUS_ROUTE * sizeof(u32);
	sh.off_wake = SEM_STATUS_WAKE * sizeof(u32);
	sh.max = s->sem.max;
	return copy_to_user(uarg, &sh, sizeof(sh)) ? -EFAULT : 0;
}

static int ipcq_sync_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcq_sync_file *f = file->private_data;
	struct ipcq_sync *s = f->s;

	if (s->obj.type != IPCQ_TYPE_SEM || !s->sem.shared)
		return -ENODEV;
	return ipcq_map_shared(vma, s->sem.pages[0], &s->sem.pages[1], 1);
}

/* The sync file's operations, for ioctl(2) (@call NULL) and io_uring. */
static long ipcq_sync_dispatch(struct file *file, unsigned int cmd,
			       unsigned long arg, struct ipcq_call *call)
{
	struct ipcq_sync_file *f = file->private_data;
	struct ipcq_sync *s = f->s;
	void __user *argp = (void __user *)arg;
	struct ipcq_sync_stat st;
	struct ipcq_sync_op op;
	bool waits = false, counts = false;
	u32 want;

	switch (cmd) {
	case IPCQ_IOC_SYNC_STAT:
		ipcq_sync_fill_stat(s, f, &st);
		return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
	case IPCQ_IOC_SYNC_REOPEN:
		return ipcq_sync_reopen(s, argp);
	case IPCQ_IOC_SEM_SHARE:
		if (s->obj.type != IPCQ_TYPE_SEM)
			return -ENOTTY;
		return ipcq_sem_share(s, argp);
	case IPCQ_IOC_SEM_WAKE:
		want = IPCQ_TYPE_SEM;
		counts = true;
		break;
	case IPCQ_IOC_SEM_ACQUIRE:
		want = IPCQ_TYPE_SEM;
		waits = true;
		break;
	case IPCQ_IOC_SEM_RELEASE:
		want = IPCQ_TYPE_SEM;
		counts = true;
		break;
	case IPCQ_IOC_LOCK_ACQUIRE:
		want = IPCQ_TYPE_LOCK;
		waits = true;
		break;
	case IPCQ_IOC_LOCK_RELEASE:
	case IPCQ_IOC_LOCK_CONSISTENT:
		want = IPCQ_TYPE_LOCK;
		break;
	case IPCQ_IOC_EVENT_WAIT:
		waits = true;
		fallthrough;
	case IPCQ_IOC_EVENT_SET:
	case IPCQ_IOC_EVENT_CLEAR:
		want = IPCQ_TYPE_EVENT;
		break;
	case IPCQ_IOC_COND_WAIT:
		want = IPCQ_TYPE_COND;
		waits = true;
		break;
	case IPCQ_IOC_COND_NOTIFY:
		want = IPCQ_TYPE_COND;
		counts = true;
		break;
	case IPCQ_IOC_BARRIER_WAIT:
		want = IPCQ_TYPE_BARRIER;
		waits = true;
		break;
	case IPCQ_IOC_BARRIER_ABORT:
	case IPCQ_IOC_BARRIER_RESET:
		want = IPCQ_TYPE_BARRIER;
		break;
	case IPCQ_IOC_SYNC_DESTROY:
		want = s->obj.type;
		break;
	default:
		return -ENOTTY;
	}
	if (want != s->obj.type)
		return -ENOTTY;
	if (copy_from_user(&op, argp, sizeof(op)))
		return -EFAULT;
	if (!ipcq_op_valid(&op, waits, counts))
		return -EINVAL;

	switch (cmd) {
	case IPCQ_IOC_SEM_ACQUIRE:
		return ipcq_sem_acquire(s, f, &op, call);
	case IPCQ_IOC_SEM_RELEASE:
		return ipcq_sem_release(s, f, &op);
	case IPCQ_IOC_SEM_WAKE:
		if (!s->sem.shared)
			return -ENXIO;
		if (!op.count)
			return -EINVAL;
		if (READ_ONCE(s->destroyed))
			return -EIDRM;
		ipcq_sem_wake_shared(s, op.count);
		return 0;
	case IPCQ_IOC_LOCK_ACQUIRE:
		return ipcq_lock_acquire(s, f, &op);
	case IPCQ_IOC_LOCK_RELEASE:
		return ipcq_lock_release(s);
	case IPCQ_IOC_LOCK_CONSISTENT:
		return ipcq_lock_consistent(s);
	case IPCQ_IOC_EVENT_SET:
		return ipcq_event_set(s, true);
	case IPCQ_IOC_EVENT_CLEAR:
		return ipcq_event_set(s, false);
	case IPCQ_IOC_EVENT_WAIT:
		return ipcq_event_wait(s, &op, call);
	case IPCQ_IOC_COND_WAIT:
		return ipcq_cond_wait(s, &op);
	case IPCQ_IOC_COND_NOTIFY:
		return ipcq_cond_notify(s, &op);
	case IPCQ_IOC_BARRIER_WAIT:
		return ipcq_barrier_wait(s, &op);
	case IPCQ_IOC_BARRIER_ABORT:
		return ipcq_barrier_break(s, false);
	case IPCQ_IOC_BARRIER_RESET:
		return ipcq_barrier_break(s, true);
	default:
		return ipcq_sync_destroy(s);
	}
}

static long ipcq_sync_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	return ipcq_sync_dispatch(file, cmd, arg, NULL);
}

static int ipcq_sync_uring_cmd(struct io_uring_cmd *cmd,
			       unsigned int issue_flags)
{
	return ipcq_uring_cmd(cmd, issue_flags, ipcq_sync_dispatch);
}

static __poll_t ipcq_sync_poll(struct file *file, poll_table *wait)
{
	struct ipcq_sync_file *f = file->private_data;
	struct ipcq_sync *s = f->s;
	__poll_t mask = 0;

	poll_wait(file, &s->wq, wait);
	spin_lock(&s->lock);
	if (s->destroyed) {
		mask = EPOLLERR | EPOLLHUP;
	} else {
		switch (s->obj.type) {
		case IPCQ_TYPE_SEM:
			/* Polling counts as waiting: releasers then wake. */
			ipcq_sem_publish(s);
			if (ipcq_sem_value(s))
				mask |= EPOLLIN | EPOLLRDNORM;
			break;
		case IPCQ_TYPE_LOCK:
			if (s->lk.notrecoverable)
				mask |= EPOLLERR;
			else if (!s->lk.owner)
				mask |= EPOLLIN | EPOLLRDNORM;
			break;
		case IPCQ_TYPE_EVENT:
			if (s->event.set)
				mask |= EPOLLIN | EPOLLRDNORM;
			break;
		case IPCQ_TYPE_BARRIER:
			if (s->bar.broken)
				mask |= EPOLLERR;
			break;
		}
	}
	spin_unlock(&s->lock);
	return mask;
}

/* The file's last descriptor is gone: undo what it holds. */
static int ipcq_sync_release(struct inode *inode, struct file *file)
{
	struct ipcq_sync_file *f = file->private_data;
	struct ipcq_sync *s = f->s;
	struct pid *owner = NULL;
	u64 returned = 0;

	spin_lock(&s->lock);
	if (s->obj.type == IPCQ_TYPE_SEM && f->held > 0 && !s->destroyed) {
		/* Never past the maximum, even if others over-released. */
		returned = min_t(u64, f->held, s->sem.max - s->sem.value);
		s->sem.value += returned;
	} else if (s->obj.type == IPCQ_TYPE_LOCK && s->lk.owner &&
		   s->lk.owner_file == f->id) {
		owner = ipcq_lock_free(s, true);
		if (!s->lk.notrecoverable)
			s->lk.owner_dead = true;
	}
	spin_unlock(&s->lock);

	put_pid(owner);
	if (returned)
		ipcq_sem_wake(s, returned);
	if (owner)
		wake_up(&s->wq);
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

static const struct file_operations ipcq_sync_fops = {
	.owner		= THIS_MODULE,
	.release	= ipcq_sync_release,
	.poll		= ipcq_sync_poll,
	.mmap		= ipcq_sync_mmap,
	.unlocked_ioctl	= ipcq_sync_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= ipcq_sync_uring_cmd,
	.llseek		= no_llseek,
	.show_fdinfo	= ipcq_sync_show_fdinfo,
};

/* A new file (and fd) on @s; takes a reference for it. */
static int ipcq_sync_install(struct ipcq_sync *s, bool cloexec)
{
	static const char *const inode_names[] = {
		[IPCQ_TYPE_SEM] = "[ipcq-sem]",
		[IPCQ_TYPE_LOCK] = "[ipcq-lock]",
		[IPCQ_TYPE_EVENT] = "[ipcq-event]",
		[IPCQ_TYPE_COND] = "[ipcq-cond]",
		[IPCQ_TYPE_BARRIER] = "[ipcq-barrier]",
	};
	struct ipcq_sync_file *f;
	struct file *file;
	int fd;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->s = s;
	f->id = atomic64_inc_return(&ipcq_sync_next_file_id);

	fd = get_unused_fd_flags(cloexec ? O_CLOEXEC : 0);
	if (fd < 0) {
		kfree(f);
		return fd;
	}
	ipcq_object_get(&s->obj);
	file = ipcq_anon_file(inode_names[s->obj.type], &ipcq_sync_fops, f,
			      O_RDWR);
	if (IS_ERR(file)) {
		ipcq_object_put(&s->obj);
		put_unused_fd(fd);
		kfree(f);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}

static long ipcq_sync_reopen(struct ipcq_sync *s, struct ipcq_reopen __user *uarg)
{
	struct ipcq_reopen arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_OPEN_CLOEXEC) || arg.pad || arg.reserved)
		return -EINVAL;
	return ipcq_sync_install(s, arg.flags & IPCQ_OPEN_CLOEXEC);
}

/* The pages of a shared semaphore, if any (sem.pages is zeroed if not). */
static void ipcq_sem_free_pages(struct ipcq_sync *s)
{
	if (s->sem.pages[0])
		__free_page(s->sem.pages[0]);
	if (s->sem.pages[1])
		__free_page(s->sem.pages[1]);
}

static void ipcq_sync_free(struct ipcq_object *obj)
{
	struct ipcq_sync *s = ipcq_sync_of(obj);

	if (s->obj.type == IPCQ_TYPE_LOCK)
		put_pid(s->lk.owner);
	if (s->obj.type == IPCQ_TYPE_COND)
		ipcq_object_put(&s->cond.lock->obj);
	if (s->obj.type == IPCQ_TYPE_SEM)
		ipcq_sem_free_pages(s);
	kfree(s);
}

static void ipcq_sync_info(struct ipcq_object *obj,
			   struct ipcq_object_info *info)
{
	struct ipcq_sync_file none = { .s = ipcq_sync_of(obj) };
	struct ipcq_sync_stat st;

	ipcq_sync_fill_stat(none.s, &none, &st);
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

struct ipcq_sync_attr {
	u32 type;
	u32 flags;
	umode_t mode;
	u64 value;
	struct ipcq_sync *lock;		/* COND: the bound lock */
};

static struct ipcq_object *ipcq_sync_create(void *arg)
{
	const struct ipcq_sync_attr *attr = arg;
	struct ipcq_sync *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	if (attr->flags & IPCQ_SYNC_SHARED) {
		/* Status page, value page; both charged to the creator. */
		s->sem.pages[0] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		s->sem.pages[1] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!s->sem.pages[0] || !s->sem.pages[1]) {
			ipcq_sem_free_pages(s);
			kfree(s);
			return ERR_PTR(-ENOMEM);
		}
		s->sem.status = page_address(s->sem.pages[0]);
		s->sem.shared = (u64 *)((char *)page_address(s->sem.pages[1]) +
					SEM_OFF_VALUE);
	}
	ret = ipcq_object_init(&s->obj, attr->type, &ipcq_sync_ops, attr->mode);
	if (ret) {
		ipcq_sem_free_pages(s);
		kfree(s);
		return ERR_PTR(ret);
	}
	s->flags = attr->flags;
	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);
	ipcq_park_site_init(&s->site);
	switch (attr->type) {
	case IPCQ_TYPE_SEM:
		s->sem.value = attr->value;
		s->sem.max = attr->flags & IPCQ_SYNC_BOUNDED ?
			     attr->value : IPCQ_SEM_VALUE_MAX;
		if (s->sem.shared)
			WRITE_ONCE(*s->sem.shared, attr->value);
		break;
	case IPCQ_TYPE_EVENT:
		s->event.set = attr->value;
		break;
	case IPCQ_TYPE_COND:
		ipcq_object_get(&attr->lock->obj);
		s->cond.lock = attr->lock;
		INIT_LIST_HEAD(&s->cond.waiters);
		break;
	case IPCQ_TYPE_BARRIER:
		s->bar.parties = attr->value;
		s->bar.broken_gen = U64_MAX;
		break;
	}
	ipcq_object_publish(&s->obj);
	return &s->obj;
}

/* The lock behind @fd, referenced, for binding a condition. */
static struct ipcq_sync *ipcq_sync_lock_from_fd(unsigned int fd)
{
	struct ipcq_sync *s = ERR_PTR(-ENOTTY);
	struct fd f = fdget(fd);

	if (!f.file)
		return ERR_PTR(-EBADF);
	if (f.file->f_op == &ipcq_sync_fops) {
		struct ipcq_sync_file *sf = f.file->private_data;

		if (sf->s->obj.type == IPCQ_TYPE_LOCK) {
			s = sf->s;
			ipcq_object_get(&s->obj);
		}
	}
	fdput(f);
	return s;
}

long ipcq_sync_open(struct ipcq_sync_open __user *uarg)
{
	const u32 known = IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL | IPCQ_OPEN_CLOEXEC |
			  IPCQ_SYNC_BOUNDED | IPCQ_SYNC_UNDO |
			  IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED;
	struct ipcq_sync_attr attr = { 0 };
	struct ipcq_sync_open arg;
	struct ipcq_object *obj;
	struct ipcq_name name;
	bool created = true, value_ok;
	u32 kind;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~known) || (arg.mode & ~0777) || arg.pad ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	if ((arg.flags & IPCQ_OPEN_EXCL) && !(arg.flags & IPCQ_OPEN_CREATE))
		return -EINVAL;

	kind = arg.flags & (IPCQ_SYNC_BOUNDED | IPCQ_SYNC_UNDO |
			    IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED);
	switch (arg.type) {
	case IPCQ_TYPE_SEM:
		value_ok = arg.value <= IPCQ_SEM_VALUE_MAX &&
			   !(kind & IPCQ_SYNC_RECURSIVE) &&
			   (kind & (IPCQ_SYNC_UNDO | IPCQ_SYNC_SHARED)) !=
			   (IPCQ_SYNC_UNDO | IPCQ_SYNC_SHARED);
		break;
	case IPCQ_TYPE_LOCK:
		value_ok = !arg.value && !(kind & ~IPCQ_SYNC_RECURSIVE);
		break;
	case IPCQ_TYPE_EVENT:
		value_ok = arg.value <= 1 && !kind;
		break;
	case IPCQ_TYPE_COND:
		value_ok = !arg.value && !kind;
		break;
	case IPCQ_TYPE_BARRIER:
		value_ok = arg.value >= 1 && arg.value <= U32_MAX && !kind;
		break;
	default:
		return -EINVAL;
	}
	if (!value_ok)
		return -EINVAL;
	/* Only a condition names a lock; only a creating call binds it. */
	if (arg.lock_fd && arg.type != IPCQ_TYPE_COND)
		return -EINVAL;

	attr.type = arg.type;
	attr.flags = kind;
	attr.mode = arg.mode & ~current_umask();
	attr.value = arg.value;
	if (arg.type == IPCQ_TYPE_COND &&
	    (!arg.name || (arg.flags & IPCQ_OPEN_CREATE))) {
		attr.lock = ipcq_sync_lock_from_fd(arg.lock_fd);
		if (IS_ERR(attr.lock))
			return PTR_ERR(attr.lock);
	}

	if (!arg.name) {
		if (arg.name_len || (arg.flags & (IPCQ_OPEN_CREATE |
						  IPCQ_OPEN_EXCL))) {
			ret = -EINVAL;
			goto out_lock;
		}
		obj = ipcq_sync_create(&attr);
		if (obj == ERR_PTR(-ENOSPC)) {
			ipcq_registry_collect();
			obj = ipcq_sync_create(&attr);
		}
	} else {
		ret = ipcq_name_from_user(&name, arg.name, arg.name_len);
		if (ret)
			goto out_lock;
		obj = ipcq_registry_open(arg.type, &name, arg.flags,
					 ipcq_sync_create, &attr, &created);
	}
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
