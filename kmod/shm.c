// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory regions: Python's SharedMemory, and the memory under
 * libipcdev's Value and Array, as ipcq objects (IPCQ_TYPE_SHM).
 *
 * This file owns creating and opening regions (IPCQ_IOC_SHM_OPEN), their
 * files (read-only or read-write: FMODE_READ, FMODE_WRITE), the region
 * ioctls (SHM_STAT, SHM_LOCK), mmap, fdinfo and LIST info, and the link
 * between a region and its bound lock. The pages and their mappings are
 * mapping.c's (struct ipcq_pages), the per-user byte count object.c's,
 * the bound lock an ordinary Lock or RLock of lock.c, made by sync.c.
 *
 * A region's size, pages and bound lock are set at creation and never
 * change, so its operations need no lock of their own: the count of
 * mapped areas is atomic, and the bound lock's state is read under that
 * lock's own lock (ipcq_sync_fill_stat()). Pages are allocated before
 * the registry lock is taken (ipcq_object_open_unlocked()), so a large
 * region keeps nobody else from opening objects meanwhile.
 *
 * Lifetime: the region's files and the registry (while it is named) hold
 * references; a mapping holds the file it was made from, so the pages
 * live as long as any fd or mapping. The region holds a reference to its
 * bound lock; lock files hold their own.
 *
 * Locks: ipcq_shm.lock guards the object's io_uring call list, which no
 * command ever joins (no region operation is offered through io_uring);
 * it exists because every object has one (ipcq.h).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "sync.h"

struct ipcq_shm {
	struct ipcq_object obj;
	spinlock_t lock;		/* obj.calls, always empty */
	u64 size;			/* bytes, as created */
	u64 charged;			/* bytes counted against the user */
	u32 flags;			/* IPCQ_SHM_LOCK or _RLOCK */
	struct ipcq_pages pages;
	struct ipcq_sync *lk;		/* the bound lock, referenced, or NULL */
};

/* What a creating call asks for, checked. */
struct ipcq_shm_attr {
	u64 size;
	u32 flags;
	umode_t mode;
};

static const struct ipcq_file_type ipcq_shm_file_type;

static struct ipcq_shm *ipcq_shm_of(struct ipcq_object *obj)
{
	return container_of(obj, struct ipcq_shm, obj);
}

/* The bound lock's state, as its SYNC_STAT gives it; zeroes without. */
static void ipcq_shm_lock_stat(struct ipcq_shm *r, struct ipcq_sync_stat *st)
{
	if (r->lk)
		ipcq_sync_fill_stat(r->lk, NULL, st);
	else
		memset(st, 0, sizeof(*st));
}

/* IPCQ_SHM_STATE_* bits from the bound lock's @lock_state. */
static u32 ipcq_shm_state(struct ipcq_shm *r, u32 lock_state)
{
	const u32 doubt = IPCQ_SYNC_OWNER_DEAD | IPCQ_SYNC_INCONSISTENT |
			  IPCQ_SYNC_NOTRECOVERABLE;
	u32 state = 0;

	if (READ_ONCE(r->obj.ns))
		state |= IPCQ_SHM_STATE_NAMED;
	if (lock_state & doubt)
		state |= IPCQ_SHM_STATE_INCONSISTENT;
	if (lock_state & IPCQ_SYNC_LOCKED)
		state |= IPCQ_SHM_STATE_LOCKED;
	return state;
}

static void ipcq_shm_fill_stat(struct ipcq_shm *r, struct file *file,
			       struct ipcq_shm_stat *st)
{
	struct ipcq_sync_stat ls;

	ipcq_shm_lock_stat(r, &ls);
	memset(st, 0, sizeof(*st));
	st->size = r->size;
	st->lock_id = r->lk ? r->lk->obj.id : 0;
	st->mappings = atomic_read(&r->pages.maps);
	st->flags = r->flags;
	if (file && !(file->f_mode & FMODE_WRITE))
		st->flags |= IPCQ_SHM_RDONLY;
	st->state = ipcq_shm_state(r, ls.state);
	st->lock_state = ls.state;
	st->lock_owner_tid = ls.owner_tid;
	st->lock_waiters = ls.waiters;
	st->lock_depth = ls.value;
}

static long ipcq_shm_stat(struct ipcq_shm *r, struct file *file,
			  struct ipcq_shm_stat __user *uarg)
{
	struct ipcq_shm_stat st;

	ipcq_shm_fill_stat(r, file, &st);
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

/* A new file on the bound lock: an fd of an ordinary lock file. */
static long ipcq_shm_lock(struct ipcq_shm *r, struct ipcq_reopen __user *uarg)
{
	struct ipcq_reopen arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~IPCQ_OPEN_CLOEXEC) || arg.pad || arg.reserved)
		return -EINVAL;
	if (!r->lk)
		return -ENXIO;
	return ipcq_sync_install(r->lk, arg.flags & IPCQ_OPEN_CLOEXEC);
}

/* The region file's operations; none is offered through io_uring. */
static long ipcq_shm_dispatch(struct file *file, unsigned int cmd,
			      unsigned long arg, struct ipcq_call *call)
{
	struct ipcq_shm *r = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case IPCQ_IOC_SHM_STAT:
		return ipcq_shm_stat(r, file, argp);
	case IPCQ_IOC_SHM_LOCK:
		return ipcq_shm_lock(r, argp);
	default:
		return -ENOTTY;
	}
}

static struct ipcq_object *ipcq_shm_object_of(struct file *file,
					      unsigned int i)
{
	struct ipcq_shm *r = file->private_data;

	return i ? NULL : &r->obj;
}

static int ipcq_shm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcq_shm *r = file->private_data;

	return ipcq_map_pages(vma, &r->pages);
}

static int ipcq_shm_release(struct inode *inode, struct file *file)
{
	struct ipcq_shm *r = file->private_data;

	ipcq_object_put(&r->obj);
	return 0;
}

static void ipcq_shm_show_fdinfo(struct seq_file *m, struct file *file)
{
	static const char *const kinds[] = { "none", "lock", "rlock" };
	struct ipcq_shm *r = file->private_data;
	struct ipcq_shm_stat st;

	ipcq_shm_fill_stat(r, file, &st);
	ipcq_object_show_fdinfo(m, &r->obj);
	seq_printf(m, "size:\t%llu\naccess:\t%s\nmappings:\t%u\n", st.size,
		   st.flags & IPCQ_SHM_RDONLY ? "read-only" : "read-write",
		   st.mappings);
	seq_printf(m, "lock:\t%s\nlock_id:\t%llu\nlock_state:\t%#x\n",
		   kinds[r->flags & IPCQ_SHM_RLOCK ? 2 : r->lk ? 1 : 0],
		   st.lock_id, st.lock_state);
	seq_printf(m, "state:\t%#x\ninconsistent:\t%u\n", st.state,
		   !!(st.state & IPCQ_SHM_STATE_INCONSISTENT));
}

/* No poll: a region has nothing to wait for (always ready). */
static const struct ipcq_file_type ipcq_shm_file_type =
	IPCQ_FILE_TYPE(ipcq_shm_dispatch, ipcq_shm_object_of, ipcq_shm_release,
		       NULL, ipcq_shm_mmap, ipcq_shm_show_fdinfo);

/* Frees what creation set up, also when it stopped half-way. */
static void ipcq_shm_free(struct ipcq_object *obj)
{
	struct ipcq_shm *r = ipcq_shm_of(obj);

	WARN_ON(atomic_read(&r->pages.maps));
	if (r->lk)
		ipcq_object_put(&r->lk->obj);
	ipcq_pages_free(r->pages.pages, r->pages.n);
	if (r->charged)
		ipcq_object_uncharge_bytes(obj, r->charged);
	kfree(r);
}

static void ipcq_shm_info(struct ipcq_object *obj,
			  struct ipcq_object_info *info)
{
	struct ipcq_shm *r = ipcq_shm_of(obj);
	struct ipcq_sync_stat ls;

	ipcq_shm_lock_stat(r, &ls);
	info->value = atomic_read(&r->pages.maps);
	info->bytes = r->size;
	info->waiters = ls.waiters;
	info->state = ipcq_shm_state(r, ls.state);
}

static const struct ipcq_object_ops ipcq_shm_ops = {
	.free = ipcq_shm_free,
	.info = ipcq_shm_info,
};

/*
 * A new region: counted as an object and its page-rounded bytes against
 * the creator, its pages (zeroed, charged to the creator's memory
 * cgroup) and its bound lock made; one reference, or an ERR_PTR.
 */
static struct ipcq_object *ipcq_shm_create(void *arg)
{
	const struct ipcq_shm_attr *attr = arg;
	struct page **pages;
	struct ipcq_shm *r;
	u64 bytes;
	int ret;

	/* More than any user may have (and no overflow rounding up). */
	if (attr->size > READ_ONCE(ipcq_max_shm_bytes_per_user))
		return ERR_PTR(-EDQUOT);
	bytes = round_up(attr->size, PAGE_SIZE);
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&r->lock);
	r->size = attr->size;
	r->flags = attr->flags;
	ret = ipcq_object_init(&r->obj, IPCQ_TYPE_SHM, &ipcq_shm_ops, &r->lock,
			       attr->mode);
	if (ret) {
		kfree(r);
		return ERR_PTR(ret);
	}
	/* From here on ipcq_shm_free() undoes what was done. */
	ret = ipcq_object_charge_bytes(&r->obj, bytes);
	if (ret)
		goto fail;
	r->charged = bytes;
	pages = ipcq_pages_alloc(bytes >> PAGE_SHIFT);
	if (IS_ERR(pages)) {
		ret = PTR_ERR(pages);
		goto fail;
	}
	r->pages.pages = pages;
	r->pages.n = bytes >> PAGE_SHIFT;
	if (attr->flags) {
		/* Shared: taken and released in memory when uncontended. */
		r->lk = ipcq_sync_new_lock((attr->flags & IPCQ_SHM_RLOCK ?
					    IPCQ_SYNC_RECURSIVE : 0) |
					   IPCQ_SYNC_SHARED, attr->mode);
		if (IS_ERR(r->lk)) {
			ret = PTR_ERR(r->lk);
			r->lk = NULL;
			goto fail;
		}
	}
	ipcq_object_publish(&r->obj);
	return &r->obj;
fail:
	ipcq_object_put(&r->obj);
	return ERR_PTR(ret);
}

/* A new file (and fd) on @r, read-only or read-write; takes a reference. */
static int ipcq_shm_install(struct ipcq_shm *r, bool rdonly, bool cloexec)
{
	int fd;

	ipcq_object_get(&r->obj);
	fd = ipcq_install_file("[ipcq-shm]", &ipcq_shm_file_type, r,
			       rdonly ? O_RDONLY : O_RDWR, cloexec);
	if (fd < 0)
		ipcq_object_put(&r->obj);
	return fd;
}

long ipcq_shm_open(struct ipcq_shm_open __user *uarg)
{
	const u32 locks = IPCQ_SHM_LOCK | IPCQ_SHM_RLOCK;
	const u32 known = IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL |
			  IPCQ_OPEN_CLOEXEC | IPCQ_SHM_RDONLY | locks;
	struct ipcq_shm_attr attr;
	struct ipcq_shm_open arg;
	struct ipcq_object *obj;
	bool created, rdonly;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ipcq_open_args_valid(arg.flags, known, arg.mode, arg.pad,
				  arg.reserved, ARRAY_SIZE(arg.reserved)) ||
	    (arg.flags & locks) == locks)
		return -EINVAL;
	/* Anonymous calls always create; named ones may. */
	if (!arg.size && (!arg.name || (arg.flags & IPCQ_OPEN_CREATE)))
		return -EINVAL;

	attr.size = arg.size;
	attr.flags = arg.flags & locks;
	attr.mode = arg.mode & ~current_umask();
	rdonly = arg.flags & IPCQ_SHM_RDONLY;
	obj = ipcq_object_open_unlocked(IPCQ_TYPE_SHM, arg.name, arg.name_len,
					arg.flags, ipcq_shm_create, &attr,
					&created);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ret = 0;
	if (!created) {
		if (arg.size > ipcq_shm_of(obj)->size)
			ret = -EINVAL;
		else
			ret = ipcq_object_permission(obj, rdonly ? MAY_READ :
						     MAY_READ | MAY_WRITE);
	}
	if (!ret)
		ret = ipcq_shm_install(ipcq_shm_of(obj), rdonly,
				       arg.flags & IPCQ_OPEN_CLOEXEC);
	ipcq_object_put(obj);
	return ret;
}
