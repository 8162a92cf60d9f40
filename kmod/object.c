// SPDX-License-Identifier: GPL-2.0
/*
 * The object base shared by every object type: reference count, owner,
 * mode and the SysV-style permission check, the per-user object limit and
 * shared memory bytes, object names, introspection (info, fdinfo,
 * debugfs), and object files: anonymous inodes of a kind (struct
 * ipcq_file_type) whose ioctl(2) and io_uring commands reach the kind's
 * dispatcher through one entry each.
 *
 * Locks: ipcq_objects_lock (mutex) guards the list of all objects, and
 * debugfs reads each object's counts (its own lock) under it;
 * ipcq_users_lock (spinlock) guards the per-user counts (objects, shared
 * memory bytes) and nests inside the registry's mutex only (see the order
 * in ipcq.h).
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/file.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/user_namespace.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ipcq.h"

/*
 * Objects owned by one user, for max_objects_per_user, and the bytes of
 * their shared memory regions, for max_shm_bytes_per_user.
 */
struct ipcq_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int objects;		/* guarded by ipcq_users_lock */
	u64 shm_bytes;			/* guarded by ipcq_users_lock */
};

static DEFINE_MUTEX(ipcq_objects_lock);
static LIST_HEAD(ipcq_objects);
static DEFINE_SPINLOCK(ipcq_users_lock);
static DEFINE_HASHTABLE(ipcq_users, 6);
static atomic64_t ipcq_next_id = ATOMIC64_INIT(0);

static struct ipcq_user *ipcq_user_find(kuid_t uid)
{
	struct ipcq_user *u;

	lockdep_assert_held(&ipcq_users_lock);
	hash_for_each_possible(ipcq_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* Counts one more object for @uid; -ENOSPC at the limit. */
static struct ipcq_user *ipcq_user_charge(kuid_t uid)
{
	unsigned int limit = READ_ONCE(ipcq_max_objects_per_user);
	struct ipcq_user *fresh, *u;

	/* Allocated before the lock, freed unused if the user exists. */
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return ERR_PTR(-ENOMEM);

	spin_lock(&ipcq_users_lock);
	u = ipcq_user_find(uid);
	if (!u) {
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		hash_add(ipcq_users, &u->node, __kuid_val(uid));
	}
	if (u->objects >= limit) {
		if (!u->objects) {
			hash_del(&u->node);
			fresh = u;
		}
		u = ERR_PTR(-ENOSPC);
	} else {
		u->objects++;
	}
	spin_unlock(&ipcq_users_lock);
	kfree(fresh);
	return u;
}

static void ipcq_user_uncharge(struct ipcq_user *u)
{
	bool last;

	spin_lock(&ipcq_users_lock);
	last = !--u->objects;
	if (last)
		hash_del(&u->node);
	spin_unlock(&ipcq_users_lock);
	if (last)
		kfree(u);
}

int ipcq_object_init(struct ipcq_object *obj, u32 type,
		     const struct ipcq_object_ops *ops, spinlock_t *lock,
		     umode_t mode)
{
	struct ipcq_user *u = ipcq_user_charge(current_euid());

	if (IS_ERR(u))
		return PTR_ERR(u);
	refcount_set(&obj->ref, 1);
	obj->type = type;
	obj->ops = ops;
	obj->user = u;
	obj->id = atomic64_inc_return(&ipcq_next_id);
	obj->uid = current_euid();
	obj->cuid = obj->uid;
	obj->gid = current_egid();
	obj->cgid = obj->gid;
	obj->mode = mode & 0777;
	obj->lock = lock;
	INIT_LIST_HEAD(&obj->calls);
	obj->user_ns = get_user_ns(current->nsproxy->ipc_ns->user_ns);
	obj->ns = NULL;
	INIT_HLIST_NODE(&obj->hash_node);
	INIT_LIST_HEAD(&obj->ns_node);
	obj->name = NULL;
	obj->name_len = 0;
	INIT_LIST_HEAD(&obj->all_node);
	return 0;
}

/*
 * Makes a fully initialised object visible to debugfs; its type calls
 * this last, so no reader meets a half-built object (or its lock).
 */
void ipcq_object_publish(struct ipcq_object *obj)
{
	mutex_lock(&ipcq_objects_lock);
	list_add_tail(&obj->all_node, &ipcq_objects);
	mutex_unlock(&ipcq_objects_lock);
}

void ipcq_object_get(struct ipcq_object *obj)
{
	refcount_inc(&obj->ref);
}

void ipcq_object_put(struct ipcq_object *obj)
{
	struct ipcq_user *u;

	if (!refcount_dec_and_test(&obj->ref))
		return;
	u = obj->user;
	mutex_lock(&ipcq_objects_lock);
	list_del_init(&obj->all_node);
	mutex_unlock(&ipcq_objects_lock);
	kfree(obj->name);
	put_user_ns(obj->user_ns);
	obj->ops->free(obj);
	ipcq_user_uncharge(u);
}

/*
 * SysV-style check of @may (MAY_READ and/or MAY_WRITE) against the
 * object's mode: owner bits for the owner or creator, group bits for a
 * member of the group, other bits otherwise; CAP_IPC_OWNER in the user
 * namespace that owns the object's IPC namespace overrides (root in a
 * container, as for SysV IPC).
 */
int ipcq_object_permission(struct ipcq_object *obj, int may)
{
	kuid_t euid = current_euid();
	int granted;

	if (uid_eq(euid, obj->uid) || uid_eq(euid, obj->cuid))
		granted = obj->mode >> 6;
	else if (in_egroup_p(obj->gid) || in_egroup_p(obj->cgid))
		granted = obj->mode >> 3;
	else
		granted = obj->mode;
	granted &= MAY_READ | MAY_WRITE;

	if ((may & ~granted) == 0)
		return 0;
	if (ns_capable(obj->user_ns, CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}

/*
 * Counts @bytes more of shared memory against the user charged for @obj:
 * 0, or -EDQUOT past max_shm_bytes_per_user (nothing counted). The count
 * lives as long as the object (which keeps its user).
 */
int ipcq_object_charge_bytes(struct ipcq_object *obj, u64 bytes)
{
	u64 limit = READ_ONCE(ipcq_max_shm_bytes_per_user);
	struct ipcq_user *u = obj->user;
	int ret = 0;

	spin_lock(&ipcq_users_lock);
	if (bytes > limit || u->shm_bytes > limit - bytes)
		ret = -EDQUOT;
	else
		u->shm_bytes += bytes;
	spin_unlock(&ipcq_users_lock);
	return ret;
}

void ipcq_object_uncharge_bytes(struct ipcq_object *obj, u64 bytes)
{
	spin_lock(&ipcq_users_lock);
	obj->user->shm_bytes -= bytes;
	spin_unlock(&ipcq_users_lock);
}

/* The owner, the creator, or CAP_IPC_OWNER may remove an object's name. */
bool ipcq_object_may_unlink(struct ipcq_object *obj)
{
	kuid_t euid = current_euid();

	return uid_eq(euid, obj->uid) || uid_eq(euid, obj->cuid) ||
	       ns_capable(obj->user_ns, CAP_IPC_OWNER);
}

/*
 * What every *_OPEN ioctl checks: only @known flags, mode bits only, zero
 * @pad and @n @reserved words, EXCL only with CREATE.
 */
bool ipcq_open_args_valid(u32 flags, u32 known, u32 mode, u32 pad,
			  const u64 *reserved, size_t n)
{
	if ((flags & ~known) || (mode & ~0777) || pad ||
	    memchr_inv(reserved, 0, n * sizeof(*reserved)))
		return false;
	return !(flags & IPCQ_OPEN_EXCL) || (flags & IPCQ_OPEN_CREATE);
}

/*
 * Names are 1..IPCQ_NAME_MAX bytes of printable ASCII other than '/', so
 * they print safely in fdinfo and tools and can grow a hierarchy later.
 */
int ipcq_name_from_user(struct ipcq_name *name, u64 uptr, u32 len)
{
	u32 i;

	if (!uptr || !len)
		return -EINVAL;
	if (len > IPCQ_NAME_MAX)
		return -ENAMETOOLONG;
	if (copy_from_user(name->buf, u64_to_user_ptr(uptr), len))
		return -EFAULT;
	for (i = 0; i < len; i++) {
		unsigned char c = name->buf[i];

		if (c <= ' ' || c > '~' || c == '/')
			return -EINVAL;
	}
	name->len = len;
	return 0;
}

void ipcq_objects_exit(void)
{
	/* Every object is gone: the module's files and names are. */
	WARN_ON(!hash_empty(ipcq_users));
	WARN_ON(!list_empty(&ipcq_objects));
}

u64 ipcq_objects_created(void)
{
	return atomic64_read(&ipcq_next_id);
}

const char *ipcq_type_name(u32 type)
{
	static const char *const names[] = {
		[IPCQ_TYPE_QUEUE] = "queue",
		[IPCQ_TYPE_SEM] = "semaphore",
		[IPCQ_TYPE_LOCK] = "lock",
		[IPCQ_TYPE_EVENT] = "event",
		[IPCQ_TYPE_COND] = "condition",
		[IPCQ_TYPE_BARRIER] = "barrier",
		[IPCQ_TYPE_SHM] = "shm",
		[IPCQ_TYPE_LISTENER] = "listener",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "?";
}

/* The fields every object has, then the type's own. */
void ipcq_object_fill_info(struct ipcq_object *obj,
			   struct ipcq_object_info *info,
			   struct user_namespace *ns)
{
	memset(info, 0, sizeof(*info));
	info->type = obj->type;
	info->id = obj->id;
	info->uid = from_kuid_munged(ns, obj->uid);
	info->gid = from_kgid_munged(ns, obj->gid);
	info->mode = obj->mode;
	if (obj->name) {
		info->name_len = obj->name_len;
		memcpy(info->name, obj->name, obj->name_len);
	}
	obj->ops->info(obj, info);
}

/*
 * A new anonymous file of @type for an object. ipcq files carry calls, not
 * a byte stream: no position, so no lseek (ESPIPE, the file types have no
 * llseek), pread or pwrite.
 */
struct file *ipcq_anon_file(const char *name, const struct ipcq_file_type *type,
			    void *priv, int flags)
{
	struct file *file = anon_inode_getfile(name, &type->fops, priv, flags);

	if (!IS_ERR(file))
		file->f_mode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
	return file;
}

/*
 * As ipcq_anon_file(), installed at a new descriptor: the fd, or an error
 * with @priv untouched (the caller undoes what it set up for the file).
 * From success on, the file's release owns @priv.
 */
int ipcq_install_file(const char *name, const struct ipcq_file_type *type,
		      void *priv, int flags, bool cloexec)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(cloexec ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	file = ipcq_anon_file(name, type, priv, flags);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}

/* file_operations.unlocked_ioctl of every object file. */
long ipcq_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return ipcq_file_type_of(file)->dispatch(file, cmd, arg, NULL);
}

/* The fdinfo lines every object has; its type adds its own after them. */
void ipcq_object_show_fdinfo(struct seq_file *m, struct ipcq_object *obj)
{
	seq_printf(m, "ipcq-type:\t%s\nipcq-id:\t%llu\n",
		   ipcq_type_name(obj->type), obj->id);
	/* Names are printable ASCII by construction. */
	if (obj->name)
		seq_printf(m, "name:\t%.*s%s\n", (int)obj->name_len, obj->name,
			   READ_ONCE(obj->ns) ? "" : " (unlinked)");
	seq_printf(m, "owner:\t%u:%u\nmode:\t%04o\n",
		   from_kuid_munged(seq_user_ns(m), obj->uid),
		   from_kgid_munged(seq_user_ns(m), obj->gid), obj->mode);
}

/* debugfs "uring": the io_uring commands in progress, object by object. */
void ipcq_objects_show_calls(struct seq_file *m)
{
	struct ipcq_object *obj;

	seq_puts(m, "object\tstate\tcmd_op\tpid\tuser_data\n");
	mutex_lock(&ipcq_objects_lock);
	list_for_each_entry(obj, &ipcq_objects, all_node) {
		spin_lock(obj->lock);
		ipcq_uring_show_object(m, obj);
		spin_unlock(obj->lock);
	}
	mutex_unlock(&ipcq_objects_lock);
}

/* debugfs: one line per live object, in every namespace. */
void ipcq_objects_show(struct seq_file *m)
{
	struct ipcq_object_info info;
	struct ipcq_object *obj;

	seq_puts(m, "id\ttype\tuid\tgid\tmode\tvalue\tbytes\tcapacity\twaiters\tproducers\tconsumers\tstate\tname\n");
	mutex_lock(&ipcq_objects_lock);
	list_for_each_entry(obj, &ipcq_objects, all_node) {
		ipcq_object_fill_info(obj, &info, &init_user_ns);
		seq_printf(m, "%llu\t%s\t%u\t%u\t%04o\t%llu\t%llu\t%llu\t%u\t%u\t%u\t%#x\t%.*s%s\n",
			   info.id, ipcq_type_name(info.type), info.uid,
			   info.gid, info.mode, info.value, info.bytes,
			   info.capacity, info.waiters, info.producers,
			   info.consumers, info.state,
			   (int)info.name_len, info.name,
			   !obj->name ? "-" : READ_ONCE(obj->ns) ? "" :
			   " (unlinked)");
	}
	mutex_unlock(&ipcq_objects_lock);
}
