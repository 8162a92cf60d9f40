// SPDX-License-Identifier: GPL-2.0
/*
 * Pages an object shares with its users: a status region of one page only
 * the kernel writes (mapped read-only, for good) and a data region of
 * pages users write freely (mapped read-write, shared). Rings (ring.c) and
 * shared semaphores (sem.c) are mapped this way, at the two offsets of
 * <linux/ipcq.h> (IPCQ_MAP_OFF_STATUS and IPCQ_MAP_OFF_DATA here).
 *
 * The owner of the pages allocates them (charged to the creator's memory
 * cgroup) and keeps them until the object is freed; a mapping holds the
 * file it was made from, which holds the object, so the pages outlive
 * every mapping. Pages are inserted whole at mmap time: a later fault
 * means they were zapped (MADV_DONTNEED) and gets SIGBUS.
 *
 * Locks: none. The mmap handler runs under mmap_lock and takes no ipcq
 * lock.
 */
#include <linux/mm.h>
#include <linux/version.h>

#include "ipcq.h"

static vm_fault_t ipcq_map_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct ipcq_map_vm_ops = {
	.fault = ipcq_map_fault,
};

static void ipcq_map_flags(struct vm_area_struct *vma, vm_flags_t set,
			   vm_flags_t clear)
{
/* vm_flags became read-only, with helpers to change it, in 6.3. */
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * Maps one of the two regions, whole: the @status page at
 * IPCQ_MAP_OFF_STATUS, read-only for good, or the @n pages @data at
 * IPCQ_MAP_OFF_DATA, shared and writable. Neither is ever executable.
 * EINVAL wrong offset or size, or a private mapping of the data; EPERM a
 * writable status page or an executable mapping.
 */
int ipcq_map_shared(struct vm_area_struct *vma, struct page *status,
		    struct page **data, unsigned long n)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	size_t size = vma->vm_end - vma->vm_start;
	struct page **pages;
	unsigned long i;
	int ret;

	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (off == IPCQ_MAP_OFF_STATUS) {
		if (size != PAGE_SIZE)
			return -EINVAL;
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		ipcq_map_flags(vma, 0, VM_MAYWRITE);
		pages = &status;
		n = 1;
	} else if (off == IPCQ_MAP_OFF_DATA) {
		if (size != n << PAGE_SHIFT || !(vma->vm_flags & VM_SHARED))
			return -EINVAL;
		pages = data;
	} else {
		return -EINVAL;
	}
	/* Data, never code: mprotect(PROT_EXEC) fails later too. */
	ipcq_map_flags(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYEXEC);
	vma->vm_ops = &ipcq_map_vm_ops;
	for (i = 0; i < n; i++) {
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				     pages[i]);
		if (ret)
			return ret;
	}
	return 0;
}
