// SPDX-License-Identifier: GPL-2.0
/*
 * A shared lock's owner word (IPCQ_SYNC_SHARED Lock and RLock): the words
 * its users map, so that an uncontended acquire and release cost no
 * system call, and what the kernel needs to find a holder in them.
 *
 * This file owns the two pages (a status page only the kernel writes,
 * with the route and wake words, and a word page users write: the owner
 * word and the RLock depth) and the lock's files by owner id. The owner
 * word is IPCQ_LOCK_OWNER(owner id, tid) while held, 0 while free, and
 * IPCQ_LOCK_WORD_KERNEL while free but kept by the kernel (its holder
 * died, or it is not recoverable): the route word then sends every user
 * to the ioctls, and a user that looked at the route word before it was
 * set fails its compare-and-swap from 0. An owner id names one open file
 * of the lock (ids handed out cyclically, so a closed file's id comes
 * back only after 2^31 others), whose opener's PID namespace gives the
 * tid its meaning: that is how the kernel tells the holding thread
 * (ownership checks, IPCQ_SYNC_MINE, owner_tid) and the file whose
 * release makes the lock owner-dead (lock.c).
 *
 * Users change the words by compare-and-swap (the depth: the holder
 * alone); we read them once per decision, as hints: a process that
 * scribbles over them damages only that lock. A user's release ends with
 * a full barrier and a look at the wake word; publishing that word ends
 * with ours before we look at the owner word (ipcq_lock_word_publish()):
 * either the releaser sees the wake word set or we see the lock free.
 *
 * Locks: s->lock guards the status words, the acquirer count and the
 * owner-id map's lookups and removals (xa_lock nests inside it); owner
 * ids are allocated before the file exists, without s->lock.
 */
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "sync.h"

#define LOCK_STATUS_ROUTE	0	/* __u32 indices in the status page */
#define LOCK_STATUS_WAKE	1
#define LOCK_OFF_OWNER		0	/* byte offsets in the word page */
#define LOCK_OFF_DEPTH		8
#define LOCK_OWNER_ID_MAX	0x7fffffffU

int ipcq_lock_word_init(struct ipcq_sync *s)
{
	struct page **pages;

	/* Status page, word page; both charged to the creator. */
	pages = ipcq_pages_alloc(2);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	xa_init_flags(&s->lk.files, XA_FLAGS_ALLOC1);
	s->lk.pages = pages;
	s->lk.status = page_address(s->lk.pages[0]);
	s->lk.word = page_address(s->lk.pages[1]) + LOCK_OFF_OWNER;
	s->lk.word_depth = page_address(s->lk.pages[1]) + LOCK_OFF_DEPTH;
	return 0;
}

void ipcq_lock_word_free(struct ipcq_sync *s)
{
	ipcq_pages_free(s->lk.pages, 2);
	xa_destroy(&s->lk.files);
}

/* Gives new file @f an owner id and its opener's PID namespace. */
int ipcq_lock_word_attach(struct ipcq_sync_file *f)
{
	struct ipcq_sync *s = f->s;
	u32 id;
	int ret;

	ret = xa_alloc_cyclic(&s->lk.files, &id, f,
			      XA_LIMIT(1, LOCK_OWNER_ID_MAX), &s->lk.next_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		return ret == -EBUSY ? -ENOSPC : ret;
	f->owner_id = id;
	f->pidns = get_pid_ns(task_active_pid_ns(current));
	return 0;
}

/*
 * Under s->lock: @f is gone; nobody finds it by its id from now on. Its
 * PID namespace is the caller's to put, once the lock is dropped.
 */
void ipcq_lock_word_detach(struct ipcq_sync_file *f)
{
	lockdep_assert_held(&f->s->lock);
	xa_erase(&f->s->lk.files, f->owner_id);
}

/*
 * Tells the users whether to go through the ioctls and whether to ask
 * for wake-ups, then orders that before our next look at the owner word.
 * Pollers and waits on several objects are on wq before they look under
 * our lock; a stale "yes" costs one wake-up.
 */
void ipcq_lock_word_publish(struct ipcq_sync *s)
{
	bool route, wake;

	lockdep_assert_held(&s->lock);
	route = s->destroyed || s->lk.owner_dead || s->lk.inconsistent ||
		s->lk.notrecoverable;
	/* A poller or a wait on several objects publishes after queueing. */
	wake = s->lk.acquirers || waitqueue_active(&s->wq);
	WRITE_ONCE(s->lk.status[LOCK_STATUS_ROUTE], route);
	WRITE_ONCE(s->lk.status[LOCK_STATUS_WAKE], wake);
	/* Pairs with the barrier of a user's release. */
	smp_mb();
}

/* What the owner word says while the caller holds the lock through @f. */
u64 ipcq_lock_word_token(struct ipcq_sync_file *f)
{
	return IPCQ_LOCK_OWNER(f->owner_id, task_pid_nr_ns(current, f->pidns));
}

/* The thread @word names, under RCU; NULL if none is alive. */
static struct pid *ipcq_lock_word_pid(struct ipcq_sync *s, u64 word)
{
	struct ipcq_sync_file *f;
	u32 tid = (u32)word;

	lockdep_assert_held(&s->lock);
	if (!word || word == IPCQ_LOCK_WORD_KERNEL || !tid ||
	    (word >> 32) > LOCK_OWNER_ID_MAX)
		return NULL;
	f = xa_load(&s->lk.files, word >> 32);
	return f ? find_pid_ns(tid, f->pidns) : NULL;
}

/* Whether @word names the calling thread. */
bool ipcq_lock_word_mine(struct ipcq_sync *s, u64 word)
{
	bool mine;

	rcu_read_lock();
	mine = ipcq_lock_word_pid(s, word) == task_pid(current);
	rcu_read_unlock();
	return mine;
}

/* Whether @word says held: anything but free (0 or the kernel's free). */
bool ipcq_lock_word_held(struct ipcq_sync *s, u64 word)
{
	if (!word)
		return false;
	if (word != IPCQ_LOCK_WORD_KERNEL)
		return true;
	/* Only a scribbler writes the kernel's value otherwise. */
	return !s->lk.owner_dead && !s->lk.notrecoverable;
}

/* The holder @word names, in the caller's PID namespace; 0 if none. */
pid_t ipcq_lock_word_holder_vnr(struct ipcq_sync *s, u64 word)
{
	pid_t nr;

	rcu_read_lock();
	nr = pid_vnr(ipcq_lock_word_pid(s, word));
	rcu_read_unlock();
	return nr;
}

long ipcq_lock_word_share(struct ipcq_sync_file *f, void __user *argp)
{
	struct ipcq_lock_share sh;

	if (!f->s->lk.word)
		return -ENXIO;
	memset(&sh, 0, sizeof(sh));
	sh.status_offset = IPCQ_MAP_OFF_STATUS;
	sh.status_size = PAGE_SIZE;
	sh.word_offset = IPCQ_MAP_OFF_DATA;
	sh.word_size = PAGE_SIZE;
	sh.off_owner = LOCK_OFF_OWNER;
	sh.off_depth = LOCK_OFF_DEPTH;
	sh.off_route = LOCK_STATUS_ROUTE * sizeof(u32);
	sh.off_wake = LOCK_STATUS_WAKE * sizeof(u32);
	sh.owner_id = f->owner_id;
	sh.flags = f->s->flags & (IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED);
	return copy_to_user(argp, &sh, sizeof(sh)) ? -EFAULT : 0;
}

int ipcq_lock_word_mmap(struct ipcq_sync *s, struct vm_area_struct *vma)
{
	if (!s->lk.word)
		return -ENODEV;
	return ipcq_map_shared(vma, s->lk.pages[0], &s->lk.pages[1], 1);
}
