// SPDX-License-Identifier: GPL-2.0
/*
 * IPCQ_IOC_SET: changing a named object after its creation, as SysV's
 * IPC_SET does (msgctl, semctl, shmctl): its owner, group and permission
 * bits, for every named type, and a queue's limits (capacity, largest
 * message, bytes: SysV's msg_qbytes).
 *
 * Who may: the owner, the creator, or a caller with CAP_SYS_ADMIN in the
 * user namespace that owns the object's IPC namespace (SysV's rule);
 * raising a queue's byte limit above the module's max_queue_bytes also
 * takes CAP_SYS_RESOURCE (SysV's msg_qbytes above msgmnb). Everything is
 * checked before anything changes: the call does all or nothing.
 *
 * Locks: the object is found and referenced under the registry lock
 * (registry.c), then changed under its own lock: the owner, group and
 * mode are read locklessly by permission checks (object.c), hence
 * WRITE_ONCE; a queue's limits in queue_type.c.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "queue.h"

#define IPCQ_SET_KNOWN	(IPCQ_SET_UID | IPCQ_SET_GID | IPCQ_SET_MODE | \
			 IPCQ_SET_LIMITS)

/* Fields the flags do not name must be zero; limits within range. */
static int ipcq_set_args_check(const struct ipcq_set *arg)
{
	u32 f = arg->flags;

	if (!f || (f & ~IPCQ_SET_KNOWN) ||
	    arg->type < IPCQ_TYPE_QUEUE || arg->type > IPCQ_TYPE_LISTENER ||
	    memchr_inv(arg->reserved, 0, sizeof(arg->reserved)))
		return -EINVAL;
	if ((!(f & IPCQ_SET_UID) && arg->uid) ||
	    (!(f & IPCQ_SET_GID) && arg->gid) ||
	    (!(f & IPCQ_SET_MODE) && arg->mode) || (arg->mode & ~0777))
		return -EINVAL;
	if (!(f & IPCQ_SET_LIMITS))
		return arg->capacity || arg->max_msg_size || arg->max_bytes ?
		       -EINVAL : 0;
	if (arg->type != IPCQ_TYPE_QUEUE || !arg->max_msg_size ||
	    arg->max_msg_size > READ_ONCE(ipcq_max_msg_size) ||
	    !arg->max_bytes || arg->max_bytes > IPCQ_BYTES_MAX)
		return -EINVAL;
	if (arg->max_bytes > READ_ONCE(ipcq_max_queue_bytes) &&
	    !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	return 0;
}

static bool ipcq_object_may_set(struct ipcq_object *obj)
{
	kuid_t euid = current_euid();

	return uid_eq(euid, obj->uid) || uid_eq(euid, obj->cuid) ||
	       ns_capable(obj->user_ns, CAP_SYS_ADMIN);
}

static long ipcq_object_set(struct ipcq_object *obj,
			    const struct ipcq_set *arg, kuid_t uid, kgid_t gid)
{
	long ret = 0;

	if (!ipcq_object_may_set(obj))
		return -EPERM;
	if (arg->flags & IPCQ_SET_LIMITS) {
		ret = ipcq_queue_set_limits(ipcq_queue_of(obj), arg->capacity,
					    arg->max_msg_size, arg->max_bytes);
		if (ret)
			return ret;
	}
	spin_lock(obj->lock);
	if (arg->flags & IPCQ_SET_UID)
		WRITE_ONCE(obj->uid, uid);
	if (arg->flags & IPCQ_SET_GID)
		WRITE_ONCE(obj->gid, gid);
	if (arg->flags & IPCQ_SET_MODE)
		WRITE_ONCE(obj->mode, arg->mode);
	spin_unlock(obj->lock);
	return 0;
}

long ipcq_ioctl_set(struct ipcq_set __user *uarg)
{
	struct ipcq_object *obj;
	struct ipcq_name name;
	struct ipcq_set arg;
	kuid_t uid;
	kgid_t gid;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = ipcq_set_args_check(&arg);
	if (ret)
		return ret;
	uid = make_kuid(current_user_ns(), arg.uid);
	gid = make_kgid(current_user_ns(), arg.gid);
	if (((arg.flags & IPCQ_SET_UID) && !uid_valid(uid)) ||
	    ((arg.flags & IPCQ_SET_GID) && !gid_valid(gid)))
		return -EINVAL;
	ret = ipcq_name_from_user(&name, arg.name, arg.name_len);
	if (ret)
		return ret;
	obj = ipcq_registry_find(arg.type, &name);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ret = ipcq_object_set(obj, &arg, uid, gid);
	ipcq_object_put(obj);
	return ret;
}
