// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What every handle type shares: the open sequence, close, unlink, and
 * ownership after fork() (see internal.h for the model).
 *
 * The registry lock guards the registry list and every re-own. It is
 * taken by the fork prepare handler and released by the parent and child
 * handlers, so a fork waits for a swap in progress, and the child re-owns
 * every registered handle before fork() returns in it, while it has one
 * thread. Calls that find their handle owned by this process take no lock
 * at all: one atomic load of the handle's generation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ipcdev__handle registry = { .prev = &registry,
					  .next = &registry };

/* Which process this is (internal.h). */
_Atomic unsigned long ipcdev__generation;

static unsigned long current_gen(void)
{
	return atomic_load_explicit(&ipcdev__generation, memory_order_relaxed);
}

/*
 * Replaces the file at @fd by a new file of this process on the same
 * object (@reopen_cmd: QUEUE_REOPEN or SYNC_REOPEN, with @flags), at the
 * same descriptor number, close-on-exec. On failure @fd is unchanged.
 */
int ipcdev__reopen_at(int fd, unsigned long reopen_cmd, uint32_t flags)
{
	struct ipcq_reopen arg;
	int nfd, ret;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags | IPCQ_OPEN_CLOEXEC;
	nfd = ipcdev__ioctl(fd, reopen_cmd, &arg);
	if (nfd < 0)
		return nfd;
	/* dup3 closes the file at @fd and puts the new one there. */
	ret = dup3(nfd, fd, O_CLOEXEC) < 0 ? -errno : 0;
	close(nfd);
	return ret;
}

/*
 * Gives @h a file of this process's own on the same object, at the same
 * descriptor number, and maps anew what it maps; registry lock held. On
 * failure @h still acts through the inherited file (and its mappings).
 */
static int reown_locked(struct ipcdev__handle *h, unsigned long gen)
{
	int ret = ipcdev__reopen_at(h->fd, h->kind->reopen_cmd,
				    h->reopen_flags);

	if (ret)
		return ret;
	/* Inherited mappings act in the parent's name (ring claims). */
	if (h->kind->unmap)
		h->kind->unmap(h);
	if (h->kind->map)
		h->kind->map(h);
	/* Publishes the new mappings to threads that see the generation. */
	atomic_store_explicit(&h->gen, gen, memory_order_release);
	return 0;
}

static void fork_prepare(void)
{
	pthread_mutex_lock(&registry_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&registry_lock);
}

/*
 * The child is independent from here on: a parent that dies releases its
 * endpoints, locks and units at once, whatever this child does. A handle
 * that could not be re-owned here is tried again on its next use.
 */
static void fork_child(void)
{
	unsigned long gen = current_gen() + 1;
	struct ipcdev__handle *h;

	atomic_store_explicit(&ipcdev__generation, gen, memory_order_relaxed);
	for (h = registry.next; h != &registry; h = h->next)
		reown_locked(h, gen);
	pthread_mutex_unlock(&registry_lock);
}

static pthread_once_t fork_hooks_once = PTHREAD_ONCE_INIT;
static int fork_hooks_err;

static void install_fork_hooks(void)
{
	fork_hooks_err = pthread_atfork(fork_prepare, fork_parent, fork_child);
}

int ipcdev__reown(struct ipcdev__handle *h)
{
	unsigned long gen = current_gen();
	int ret = 0;

	if (atomic_load_explicit(&h->gen, memory_order_acquire) == gen ||
	    !h->kind->reopen_cmd)
		return 0;
	pthread_mutex_lock(&registry_lock);
	/* Another thread may have done it while we waited. */
	if (atomic_load_explicit(&h->gen, memory_order_relaxed) != gen)
		ret = reown_locked(h, gen);
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

int ipcdev__fd_typed(struct ipcdev__handle *h, uint32_t type)
{
	/* The header is first in every handle: a miscast one is caught. */
	if (!h || h->kind->type != type)
		return -EINVAL;
	return ipcdev__fd(h);
}

int ipcdev__handle_fd(const struct ipcdev__handle *h)
{
	return h ? h->fd : -EINVAL;
}

int ipcdev__adopt(const struct ipcdev__kind *kind, int fd,
		  uint32_t reopen_flags, struct ipcdev__handle **out)
{
	struct ipcdev__handle *h;

	if (kind->reopen_cmd) {
		/*
		 * Without the fork hooks a child would never know it was
		 * forked (the generation moves in the hook), so no handle.
		 */
		pthread_once(&fork_hooks_once, install_fork_hooks);
		if (fork_hooks_err)
			return -fork_hooks_err;
	}
	h = calloc(1, kind->size);
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->reopen_flags = reopen_flags;
	h->kind = kind;
	if (kind->map)
		kind->map(h);
	if (kind->reopen_cmd) {
		pthread_mutex_lock(&registry_lock);
		/* Under the lock: a fork sees the handle with its generation. */
		atomic_init(&h->gen, current_gen());
		h->prev = registry.prev;
		h->next = &registry;
		registry.prev->next = h;
		registry.prev = h;
		pthread_mutex_unlock(&registry_lock);
	} else {
		atomic_init(&h->gen, current_gen());
	}
	*out = h;
	return 0;
}

int ipcdev__dev_ioctl(const struct ipcdev__kind *kind, void *arg)
{
	int dev, ret = ipcdev__require(kind->feature);

	if (ret)
		return ret;
	dev = ipcdev_device_fd();
	if (dev < 0)
		return dev;
	return ipcdev__ioctl(dev, kind->open_cmd, arg);
}

int ipcdev__open(const struct ipcdev__kind *kind, const char *name,
		 __u64 *name_ptr, __u32 *name_len, void *arg,
		 uint32_t reopen_flags, struct ipcdev__handle **out)
{
	size_t len = name ? strlen(name) : 0;
	int fd, ret;

	if (len > IPCQ_NAME_MAX)
		return -ENAMETOOLONG;
	*name_ptr = (uintptr_t)name;
	*name_len = (uint32_t)len;
	fd = ipcdev__dev_ioctl(kind, arg);
	if (fd < 0)
		return fd;
	ret = ipcdev__adopt(kind, fd, reopen_flags, out);
	if (ret)
		close(fd);
	return ret;
}

int ipcdev__close(struct ipcdev__handle *h)
{
	int ret;

	if (!h)
		return -EINVAL;
	if (h->next) {
		pthread_mutex_lock(&registry_lock);
		h->prev->next = h->next;
		h->next->prev = h->prev;
		pthread_mutex_unlock(&registry_lock);
	}
	/* Unmapped first: a ring attachment goes before the endpoint. */
	if (h->kind->unmap)
		h->kind->unmap(h);
	ret = close(h->fd) < 0 ? -errno : 0;
	free(h);
	return ret;
}

/*
 * For a device ioctl on the object named @name: its length in *@len and
 * the device fd, or -errno.
 */
static int named_call(const char *name, uint32_t *len)
{
	size_t n;

	if (!name)
		return -EINVAL;
	n = strlen(name);
	if (n > IPCQ_NAME_MAX)
		return -ENAMETOOLONG;
	*len = (uint32_t)n;
	return ipcdev_device_fd();
}

int ipcdev_set(const char *name, unsigned int type,
	       const struct ipcdev_set_attr *attr)
{
	struct ipcq_set arg;
	uint32_t len;
	int dev, ret;

	if (!attr)
		return -EINVAL;
	ret = ipcdev__require(IPCQ_FEATURE_QUEUE_SYSV);
	if (ret)
		return ret;
	dev = named_call(name, &len);
	if (dev < 0)
		return dev;
	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = len;
	arg.type = type;
	arg.flags = attr->flags;
	/* Fields the flags do not name go as zero, as the kernel wants. */
	if (attr->flags & IPCDEV_SET_MODE)
		arg.mode = attr->mode;
	if (attr->flags & IPCDEV_SET_UID)
		arg.uid = attr->uid;
	if (attr->flags & IPCDEV_SET_GID)
		arg.gid = attr->gid;
	if (attr->flags & IPCDEV_SET_LIMITS) {
		arg.capacity = attr->capacity;
		arg.max_msg_size = attr->max_msg_size;
		arg.max_bytes = attr->max_bytes;
	}
	return ipcdev__ioctl(dev, IPCQ_IOC_SET, &arg);
}

int ipcdev__unlink(const char *name, uint32_t type)
{
	struct ipcq_unlink arg;
	uint32_t len;
	int dev;

	dev = named_call(name, &len);
	if (dev < 0)
		return dev;
	memset(&arg, 0, sizeof(arg));
	arg.name = (uintptr_t)name;
	arg.name_len = len;
	arg.type = type;
	return ipcdev__ioctl(dev, IPCQ_IOC_UNLINK, &arg);
}
