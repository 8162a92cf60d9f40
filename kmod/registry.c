// SPDX-License-Identifier: GPL-2.0
/*
 * Object names, one set per IPC namespace and per object type: a queue
 * named "jobs" in one IPC namespace is invisible from another, as SysV and
 * POSIX IPC objects are.
 *
 * The registry pins each IPC namespace that holds names (a module cannot
 * hook namespace teardown). When the pin is the namespace's last
 * reference, no task can enter it again, so its names are dropped: that
 * check runs on every registry call, and at module unload for all.
 */
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/jhash.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/cred.h>

#include "ipcq.h"

struct ipcq_ns {
	struct list_head node;		/* in ipcq_namespaces */
	struct ipc_namespace *ipc_ns;	/* pinned */
	struct list_head objects;	/* named objects, by ns_node */
};

static DEFINE_MUTEX(ipcq_registry_lock);
static LIST_HEAD(ipcq_namespaces);
static DEFINE_HASHTABLE(ipcq_names, 10);

static u32 ipcq_name_hash(struct ipcq_ns *ns, u32 type,
			  const struct ipcq_name *name)
{
	return jhash(name->buf, name->len, hash_ptr(ns, 32) ^ type);
}

/* Drops the registry's pin of a namespace (nsfs's put, the only one a
 * module can reach).
 */
static void ipcq_ns_unpin(struct ipc_namespace *ipc_ns)
{
	ipc_ns->ns.ops->put(&ipc_ns->ns);
}

/* Removes @obj's name and drops the registry's reference to it. */
static void ipcq_registry_remove(struct ipcq_object *obj)
{
	lockdep_assert_held(&ipcq_registry_lock);
	hash_del(&obj->hash_node);
	list_del_init(&obj->ns_node);
	WRITE_ONCE(obj->ns, NULL);
	ipcq_object_put(obj);
}

static void ipcq_ns_drop(struct ipcq_ns *ns)
{
	struct ipcq_object *obj, *tmp;

	lockdep_assert_held(&ipcq_registry_lock);
	list_for_each_entry_safe(obj, tmp, &ns->objects, ns_node)
		ipcq_registry_remove(obj);
	list_del(&ns->node);
	ipcq_ns_unpin(ns->ipc_ns);
	kfree(ns);
}

/* Drops the names of namespaces nobody but the registry holds. */
static void ipcq_registry_gc(void)
{
	struct ipcq_ns *ns, *tmp;

	lockdep_assert_held(&ipcq_registry_lock);
	list_for_each_entry_safe(ns, tmp, &ipcq_namespaces, node)
		if (refcount_read(&ns->ipc_ns->ns.count) == 1)
			ipcq_ns_drop(ns);
}

static struct ipcq_ns *ipcq_ns_find(struct ipc_namespace *ipc_ns)
{
	struct ipcq_ns *ns;

	lockdep_assert_held(&ipcq_registry_lock);
	list_for_each_entry(ns, &ipcq_namespaces, node)
		if (ns->ipc_ns == ipc_ns)
			return ns;
	return NULL;
}

static struct ipcq_object *ipcq_name_find(struct ipcq_ns *ns, u32 type,
					  const struct ipcq_name *name)
{
	struct ipcq_object *obj;

	lockdep_assert_held(&ipcq_registry_lock);
	hash_for_each_possible(ipcq_names, obj, hash_node,
			       ipcq_name_hash(ns, type, name))
		if (obj->ns == ns && obj->type == type &&
		    obj->name_len == name->len &&
		    !memcmp(obj->name, name->buf, name->len))
			return obj;
	return NULL;
}

/*
 * Looks @name up in the caller's IPC namespace and returns a new reference
 * to it, or, with IPCQ_OPEN_CREATE, creates it with @create(@arg) (which
 * returns an object holding one reference, or an ERR_PTR) and names it.
 * *@created tells which happened.
 */
struct ipcq_object *ipcq_registry_open(u32 type, const struct ipcq_name *name,
				       u32 flags, ipcq_create_fn create,
				       void *arg, bool *created)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct ipcq_ns *ns, *fresh_ns = NULL;
	struct ipcq_object *obj;
	char *fresh_name = NULL;

	*created = false;
	if (flags & IPCQ_OPEN_CREATE) {
		fresh_name = kmemdup(name->buf, name->len, GFP_KERNEL_ACCOUNT);
		fresh_ns = kzalloc(sizeof(*fresh_ns), GFP_KERNEL_ACCOUNT);
		if (!fresh_name || !fresh_ns) {
			obj = ERR_PTR(-ENOMEM);
			goto out_free;
		}
	}

	mutex_lock(&ipcq_registry_lock);
	ipcq_registry_gc();
	ns = ipcq_ns_find(ipc_ns);
	obj = ns ? ipcq_name_find(ns, type, name) : NULL;
	if (obj) {
		if ((flags & IPCQ_OPEN_CREATE) && (flags & IPCQ_OPEN_EXCL))
			obj = ERR_PTR(-EEXIST);
		else
			ipcq_object_get(obj);
		goto out_unlock;
	}
	if (!(flags & IPCQ_OPEN_CREATE)) {
		obj = ERR_PTR(-ENOENT);
		goto out_unlock;
	}

	obj = create(arg);
	if (IS_ERR(obj))
		goto out_unlock;
	if (!ns) {
		ns = fresh_ns;
		fresh_ns = NULL;
		ns->ipc_ns = get_ipc_ns(ipc_ns);
		INIT_LIST_HEAD(&ns->objects);
		list_add(&ns->node, &ipcq_namespaces);
	}
	obj->name = fresh_name;
	obj->name_len = name->len;
	fresh_name = NULL;
	WRITE_ONCE(obj->ns, ns);
	list_add_tail(&obj->ns_node, &ns->objects);
	hash_add(ipcq_names, &obj->hash_node, ipcq_name_hash(ns, type, name));
	/* One reference for the name, one for the caller. */
	ipcq_object_get(obj);
	*created = true;

out_unlock:
	mutex_unlock(&ipcq_registry_lock);
out_free:
	kfree(fresh_name);
	kfree(fresh_ns);
	return obj;
}

/* Drops the names of dead namespaces now (see the top comment). */
void ipcq_registry_collect(void)
{
	mutex_lock(&ipcq_registry_lock);
	ipcq_registry_gc();
	mutex_unlock(&ipcq_registry_lock);
}

/* A new object from @create, outside the registry lock. */
static struct ipcq_object *ipcq_object_create(ipcq_create_fn create,
					      void *arg)
{
	struct ipcq_object *obj = create(arg);

	/* Names of dead namespaces may hold the caller's quota. */
	if (obj == ERR_PTR(-ENOSPC)) {
		ipcq_registry_collect();
		obj = create(arg);
	}
	return obj;
}

/*
 * Opens or creates the object an *_OPEN ioctl asks for: anonymous (@uname
 * 0: always new, so a name length or CREATE/EXCL is EINVAL) or named in
 * the caller's IPC namespace (see ipcq_registry_open()). The object with a
 * reference and *@created set, or an ERR_PTR.
 */
struct ipcq_object *ipcq_object_open(u32 type, u64 uname, u32 name_len,
				     u32 flags, ipcq_create_fn create,
				     void *arg, bool *created)
{
	struct ipcq_name name;
	int ret;

	*created = true;
	if (uname) {
		ret = ipcq_name_from_user(&name, uname, name_len);
		if (ret)
			return ERR_PTR(ret);
		return ipcq_registry_open(type, &name, flags, create, arg,
					  created);
	}
	if (name_len || (flags & (IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL)))
		return ERR_PTR(-EINVAL);
	return ipcq_object_create(create, arg);
}

/* The registry's create callback naming an object made beforehand. */
static struct ipcq_object *ipcq_object_made(void *arg)
{
	struct ipcq_object *obj = arg;

	/* Its reference goes to the caller, the name takes its own. */
	ipcq_object_get(obj);
	return obj;
}

/*
 * As ipcq_object_open(), for objects whose creation takes long (a shared
 * memory region's pages): @create runs without the registry lock. A named
 * object is looked up first; if missing (and CREATE), one is made, then
 * named unless another caller named one meanwhile: then that one is
 * opened (without EXCL) and ours freed, and the lookup starts again.
 */
struct ipcq_object *ipcq_object_open_unlocked(u32 type, u64 uname,
					      u32 name_len, u32 flags,
					      ipcq_create_fn create, void *arg,
					      bool *created)
{
	const u32 excl = IPCQ_OPEN_CREATE | IPCQ_OPEN_EXCL;
	struct ipcq_object *obj, *named;
	struct ipcq_name name;
	int ret;

	if (!uname)
		return ipcq_object_open(type, 0, name_len, flags, create, arg,
					created);
	ret = ipcq_name_from_user(&name, uname, name_len);
	if (ret)
		return ERR_PTR(ret);
	for (;;) {
		if (!(flags & IPCQ_OPEN_EXCL)) {
			obj = ipcq_registry_open(type, &name, 0, NULL, NULL,
						 created);
			if (obj != ERR_PTR(-ENOENT) ||
			    !(flags & IPCQ_OPEN_CREATE))
				return obj;
		}
		obj = ipcq_object_create(create, arg);
		if (IS_ERR(obj))
			return obj;
		named = ipcq_registry_open(type, &name, excl, ipcq_object_made,
					   obj, created);
		ipcq_object_put(obj);
		if (*created || named != ERR_PTR(-EEXIST) ||
		    (flags & IPCQ_OPEN_EXCL))
			return named;
	}
}

/* Removes @obj's name if it still has one (the object is being destroyed). */
void ipcq_registry_forget(struct ipcq_object *obj)
{
	struct ipcq_ns *ns;

	mutex_lock(&ipcq_registry_lock);
	ns = obj->ns;
	if (ns) {
		ipcq_registry_remove(obj);
		if (list_empty(&ns->objects))
			ipcq_ns_drop(ns);
	}
	mutex_unlock(&ipcq_registry_lock);
}

/* A new reference to the object named @name in the caller's namespace. */
struct ipcq_object *ipcq_registry_find(u32 type, const struct ipcq_name *name)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct ipcq_object *obj = NULL;
	struct ipcq_ns *ns;

	mutex_lock(&ipcq_registry_lock);
	ns = ipcq_ns_find(ipc_ns);
	if (ns)
		obj = ipcq_name_find(ns, type, name);
	if (obj)
		ipcq_object_get(obj);
	mutex_unlock(&ipcq_registry_lock);
	return obj ?: ERR_PTR(-ENOENT);
}

int ipcq_registry_unlink(u32 type, const struct ipcq_name *name)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct ipcq_object *obj = NULL;
	struct ipcq_ns *ns;
	int ret = -ENOENT;

	mutex_lock(&ipcq_registry_lock);
	ipcq_registry_gc();
	ns = ipcq_ns_find(ipc_ns);
	if (ns)
		obj = ipcq_name_find(ns, type, name);
	if (obj) {
		if (ipcq_object_may_unlink(obj)) {
			ipcq_registry_remove(obj);
			ret = 0;
		} else {
			ret = -EPERM;
		}
	}
	/* A namespace whose last name went away needs no pin. */
	if (ns && list_empty(&ns->objects))
		ipcq_ns_drop(ns);
	mutex_unlock(&ipcq_registry_lock);
	return ret;
}

/* IPCQ_IOC_LIST: the named objects of the caller's IPC namespace. */
long ipcq_registry_list(struct ipcq_list __user *uarg)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct user_namespace *user_ns = current_user_ns();
	struct ipcq_object_info *infos = NULL;
	struct ipcq_object *obj;
	struct ipcq_list arg;
	struct ipcq_ns *ns;
	u32 count = 0, filled = 0;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;

	/*
	 * Count first, then allocate for what exists (not for what the
	 * caller offers room for), then fill: names added in between are
	 * counted but may not fit, as with any later addition.
	 */
	mutex_lock(&ipcq_registry_lock);
	ipcq_registry_gc();
	ns = ipcq_ns_find(ipc_ns);
	if (ns)
		list_for_each_entry(obj, &ns->objects, ns_node)
			count++;
	mutex_unlock(&ipcq_registry_lock);
	arg.max_entries = min(arg.max_entries, count);
	if (arg.max_entries) {
		infos = kvcalloc(arg.max_entries, sizeof(*infos),
				 GFP_KERNEL_ACCOUNT);
		if (!infos)
			return -ENOMEM;
	}

	count = 0;
	mutex_lock(&ipcq_registry_lock);
	ns = ipcq_ns_find(ipc_ns);
	if (ns) {
		list_for_each_entry(obj, &ns->objects, ns_node) {
			if (filled < arg.max_entries)
				ipcq_object_fill_info(obj, &infos[filled++],
						      user_ns);
			count++;
		}
	}
	mutex_unlock(&ipcq_registry_lock);

	if (filled && copy_to_user(u64_to_user_ptr(arg.entries), infos,
				   array_size(filled, sizeof(*infos))))
		ret = -EFAULT;
	else if (put_user(count, &uarg->count))
		ret = -EFAULT;
	kvfree(infos);
	return ret;
}

void ipcq_registry_exit(void)
{
	struct ipcq_ns *ns, *tmp;

	mutex_lock(&ipcq_registry_lock);
	list_for_each_entry_safe(ns, tmp, &ipcq_namespaces, node)
		ipcq_ns_drop(ns);
	mutex_unlock(&ipcq_registry_lock);
}
