// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The two system calls as every part of the library makes them: ioctl(2)
 * answering -errno, and the mapping of an object's two shared regions.
 * Built into libipcdev-mq too, with ring.c, under names of its own (see
 * the Makefile's MQ_OWN_NAMES), so a program may link both libraries
 * statically.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"

int ipcdev__ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/*
 * Maps the two regions of an object's shared memory from @fd: @ro_size
 * bytes at @ro_off read-only, @rw_size at @rw_off read-write, both shared.
 * 0 with both mapped, or -errno with neither.
 */
int ipcdev__map_shared(int fd, uint64_t ro_off, size_t ro_size,
		       uint64_t rw_off, size_t rw_size, void **ro, void **rw)
{
	void *r, *w;
	int ret;

	r = mmap(NULL, ro_size, PROT_READ, MAP_SHARED, fd, (off_t)ro_off);
	if (r == MAP_FAILED)
		return -errno;
	w = mmap(NULL, rw_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)rw_off);
	if (w == MAP_FAILED) {
		ret = -errno;
		munmap(r, ro_size);
		return ret;
	}
	*ro = r;
	*rw = w;
	return 0;
}
