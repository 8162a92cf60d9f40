// SPDX-License-Identifier: GPL-2.0
/*
 * Pages an object shares with its users, and how they are mapped.
 *
 * Page sets: ipcq_pages_alloc() gives a zeroed array of pages charged to
 * the caller's memory cgroup (failing with ENOMEM rather than waking the
 * OOM killer), ipcq_pages_free() frees it. Rings (ring.c) and shared
 * memory regions (shm.c) keep their pages so.
 *
 * Two mappings. ipcq_map_shared(): a status region of one page only the
 * kernel writes (mapped read-only, for good) and a data region of pages
 * users write freely (mapped read-write, shared), at the two offsets of
 * <linux/ipcq.h> (IPCQ_MAP_OFF_STATUS and IPCQ_MAP_OFF_DATA here), for
 * rings and shared semaphores (sem.c). Their pages are inserted whole at
 * mmap time: a later fault means they were zapped (MADV_DONTNEED) and
 * gets SIGBUS. ipcq_map_pages(): any page range of a shared memory
 * region, read-write or read-only by the file's access, each page
 * faulted in on first touch (again after MADV_DONTNEED), the mapped
 * areas counted.
 *
 * The owner of the pages keeps them until the object is freed; a mapping
 * holds the file it was made from, which holds the object, so the pages
 * outlive every mapping. None of them is ever executable.
 *
 * Locks: none. The mmap and fault handlers run under mmap_lock (or the
 * VMA's lock) and take no ipcq lock; the count of mapped areas is atomic.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
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

/*
 * @n zeroed pages in a new array, charged to the caller's memory cgroup;
 * an ERR_PTR: -ENOMEM (the cgroup's limit included: __GFP_RETRY_MAYFAIL
 * keeps the OOM killer out), or -EINTR when a fatal signal comes in the
 * middle of a long allocation.
 */
struct page **ipcq_pages_alloc(unsigned long n)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO |
			  __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	struct page **pages;
	unsigned long i;

	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		if (i % 256 == 255 && fatal_signal_pending(current)) {
			ipcq_pages_free(pages, i);
			return ERR_PTR(-EINTR);
		}
		pages[i] = alloc_page(gfp);
		if (!pages[i]) {
			ipcq_pages_free(pages, i);
			return ERR_PTR(-ENOMEM);
		}
		cond_resched();
	}
	return pages;
}

/* Frees the first @n pages of @pages (NULL or an ERR_PTR: nothing). */
void ipcq_pages_free(struct page **pages, unsigned long n)
{
	unsigned long i;

	if (IS_ERR_OR_NULL(pages))
		return;
	for (i = 0; i < n; i++)
		__free_page(pages[i]);
	kvfree(pages);
}

static struct ipcq_pages *ipcq_pages_of(struct vm_area_struct *vma)
{
	return vma->vm_private_data;
}

/* A page of the set, on first touch; SIGBUS past its end. */
static vm_fault_t ipcq_pages_fault(struct vm_fault *vmf)
{
	struct ipcq_pages *p = ipcq_pages_of(vmf->vma);
	struct page *page;

	if (vmf->pgoff >= p->n)
		return VM_FAULT_SIGBUS;
	page = p->pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

/* A copy (fork, mremap) or a split of a mapped area. */
static void ipcq_pages_open(struct vm_area_struct *vma)
{
	atomic_inc(&ipcq_pages_of(vma)->maps);
}

static void ipcq_pages_close(struct vm_area_struct *vma)
{
	atomic_dec(&ipcq_pages_of(vma)->maps);
}

static const struct vm_operations_struct ipcq_pages_vm_ops = {
	.open = ipcq_pages_open,
	.close = ipcq_pages_close,
	.fault = ipcq_pages_fault,
};

/*
 * Maps pages of @p from the mmap offset on: shared only (EINVAL for a
 * private mapping), within the set (ENXIO past its last page), never
 * executable (EPERM), writable only from a file opened for writing (the
 * VFS refuses PROT_WRITE on another with EACCES; we take away
 * VM_MAYWRITE, so mprotect() cannot add it, nor can FOLL_FORCE).
 */
int ipcq_map_pages(struct vm_area_struct *vma, struct ipcq_pages *p)
{
	unsigned long first = vma->vm_pgoff, n = vma_pages(vma);

	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/* A shared mapping of a read-only file has VM_MAYSHARE alone. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (first >= p->n || n > p->n - first)
		return -ENXIO;
	if (!(vma->vm_file->f_mode & FMODE_WRITE))
		ipcq_map_flags(vma, 0, VM_MAYWRITE);
	ipcq_map_flags(vma, VM_DONTEXPAND, VM_MAYEXEC);
	vma->vm_ops = &ipcq_pages_vm_ops;
	vma->vm_private_data = p;
	atomic_inc(&p->maps);
	return 0;
}
