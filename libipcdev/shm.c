// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Shared memory regions: Python's SharedMemory over ipcq regions
 * (IPCQ_IOC_SHM_OPEN), with the bound lock as an ordinary lock handle.
 *
 * A handle is its region file and one mapping of the whole region, made
 * when the handle is and unmade when it is closed; a region with a bound
 * lock also holds a lock handle on it (a lock file of its own, re-owned
 * after fork() like every lock handle, so the lock's holder death is per
 * process). The region handle itself is never re-owned: its file holds
 * nothing per process, and the mapping a child inherits is the same
 * memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

static void shm_unmap(struct ipcdev__handle *h)
{
	ipcdev_shm *m = IPCDEV__OF(h, ipcdev_shm);

	if (m->addr)
		munmap(m->addr, m->map_size);
	m->addr = NULL;
	if (m->lock)
		ipcdev_lock_close(m->lock);
	m->lock = NULL;
}

static const struct ipcdev__kind shm_kind = {
	.type = IPCQ_TYPE_SHM,
	.size = sizeof(ipcdev_shm),
	.feature = IPCQ_FEATURE_SHM,
	.open_cmd = IPCQ_IOC_SHM_OPEN,
	.unmap = shm_unmap,
};

/*
 * Maps the region of a new handle whole, as its file allows, and makes
 * the bound lock's handle; on failure shm_unmap() undoes what was done.
 */
static int shm_setup(ipcdev_shm *m)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct ipcq_reopen lk;
	struct ipcq_shm_stat st;
	int fd, prot, ret;
	void *p;

	ret = ipcdev__ioctl(m->h.fd, IPCQ_IOC_SHM_STAT, &st);
	if (ret)
		return ret;
	if (!st.size || st.size > SIZE_MAX - page)
		return -EOVERFLOW;
	m->size = st.size;
	m->map_size = (size_t)(st.size + page - 1) / page * page;
	prot = st.flags & IPCQ_SHM_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
	p = mmap(NULL, m->map_size, prot, MAP_SHARED, m->h.fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->addr = p;
	if (!(st.flags & (IPCQ_SHM_LOCK | IPCQ_SHM_RLOCK)))
		return 0;
	memset(&lk, 0, sizeof(lk));
	lk.flags = IPCQ_OPEN_CLOEXEC;
	fd = ipcdev__ioctl(m->h.fd, IPCQ_IOC_SHM_LOCK, &lk);
	if (fd < 0)
		return fd;
	ret = ipcdev__lock_adopt(&m->lock, fd);
	if (ret)
		close(fd);
	return ret;
}

/* Opens or creates a region: @flags are the library's, checked. */
static int shm_open_region(ipcdev_shm **out, const char *name,
			   unsigned int flags, unsigned int mode,
			   uint64_t size)
{
	struct ipcdev__handle *h;
	struct ipcq_shm_open arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.flags = ipcdev__kernel_flags(flags) | IPCQ_OPEN_CLOEXEC;
	arg.mode = mode;
	arg.size = size;
	ret = ipcdev__open(&shm_kind, name, &arg.name, &arg.name_len, &arg, 0,
			   &h);
	if (ret)
		return ret;
	ret = shm_setup(IPCDEV__OF(h, ipcdev_shm));
	if (ret) {
		ipcdev__close(h);
		return ret;
	}
	*out = IPCDEV__OF(h, ipcdev_shm);
	return 0;
}

int ipcdev_shm_create(ipcdev_shm **m, uint64_t size, unsigned int flags)
{
	if (!m || (flags & ~(IPCDEV_SHM_LOCK | IPCDEV_SHM_RLOCK)))
		return -EINVAL;
	return shm_open_region(m, NULL, flags, 0600, size);
}

int ipcdev_shm_open(ipcdev_shm **m, const char *name, unsigned int flags,
		    unsigned int mode, uint64_t size)
{
	const unsigned int known = IPCDEV_CREATE | IPCDEV_EXCL |
				   IPCDEV_SHM_RDONLY | IPCDEV_SHM_LOCK |
				   IPCDEV_SHM_RLOCK;

	if (!m || !name || (flags & ~known))
		return -EINVAL;
	return shm_open_region(m, name, flags, mode, size);
}

int ipcdev_shm_from_fd(ipcdev_shm **m, int fd)
{
	struct ipcdev__handle *h;
	int ret;

	if (!m || fd < 0)
		return -EINVAL;
	ret = ipcdev__adopt(&shm_kind, fd, 0, &h);
	if (ret)
		return ret;
	ret = shm_setup(IPCDEV__OF(h, ipcdev_shm));
	if (ret) {
		/* Not ours yet: undone without closing @fd. */
		shm_unmap(h);
		free(h);
		return ret;
	}
	*m = IPCDEV__OF(h, ipcdev_shm);
	return 0;
}

int ipcdev_shm_map(ipcdev_shm *m, void **addr)
{
	if (!m || !addr)
		return -EINVAL;
	*addr = m->addr;
	return 0;
}

int64_t ipcdev_shm_size(const ipcdev_shm *m)
{
	return m ? (int64_t)m->size : -EINVAL;
}

ipcdev_lock *ipcdev_shm_lock(const ipcdev_shm *m)
{
	return m ? m->lock : NULL;
}

int ipcdev_shm_stat(ipcdev_shm *m, struct ipcq_shm_stat *st)
{
	if (!m || !st)
		return -EINVAL;
	return ipcdev__ioctl(m->h.fd, IPCQ_IOC_SHM_STAT, st);
}

int ipcdev_shm_close(ipcdev_shm *m)
{
	return ipcdev__close(IPCDEV__H(m));
}

int ipcdev_shm_unlink(const char *name)
{
	return ipcdev__unlink(name, IPCQ_TYPE_SHM);
}

int ipcdev_shm_fd(const ipcdev_shm *m)
{
	return ipcdev__handle_fd(IPCDEV__H(m));
}
