// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Value and Array: Python's multiprocessing.Value/Array (and RawValue,
 * RawArray) over an anonymous shared memory region of their own, typed
 * by ctypes' type codes. The region starts page-aligned, so every element
 * is aligned for its C type; by default it has a bound RLock (Python's
 * lock=True), a Lock with IPCDEV_SHM_LOCK, none with IPCDEV_RAW.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ipcdev.h"
#include "internal.h"

/* ctypes' type codes, and the sizes of their C types, in that order. */
static const char ctype_codes[] = "cbBhHiIlLqQfd";
static const unsigned char ctype_sizes[] = {
	sizeof(char), sizeof(signed char), sizeof(unsigned char),
	sizeof(short), sizeof(unsigned short), sizeof(int),
	sizeof(unsigned int), sizeof(long), sizeof(unsigned long),
	sizeof(long long), sizeof(unsigned long long), sizeof(float),
	sizeof(double),
};

_Static_assert(sizeof(ctype_sizes) == sizeof(ctype_codes) - 1,
	       "a size for every code");

/* sizeof the C type of ctypes code @type, or 0 for an unknown code. */
static size_t ctype_size(int type)
{
	const char *p = type ? strchr(ctype_codes, type) : NULL;

	return p ? ctype_sizes[p - ctype_codes] : 0;
}

/*
 * A Value or Array (both are a struct ipcdev__typed): a region for @n
 * objects of @type, @init copied in (NULL: zeroes), with the lock @flags
 * ask for: 0 an RLock, IPCDEV_SHM_LOCK a Lock, IPCDEV_RAW none.
 */
static int typed_create(struct ipcdev__typed **out, int type, uint64_t n,
			const void *init, unsigned int flags)
{
	size_t size = ctype_size(type);
	struct ipcdev__typed *t;
	unsigned int lock;
	int ret;

	if (!size || !n || n > UINT64_MAX / size)
		return -EINVAL;
	if (flags == 0)
		lock = IPCDEV_SHM_RLOCK;
	else if (flags == IPCDEV_SHM_LOCK)
		lock = IPCDEV_SHM_LOCK;
	else if (flags == IPCDEV_RAW)
		lock = 0;
	else
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	ret = ipcdev_shm_create(&t->shm, n * size, lock);
	if (ret) {
		free(t);
		return ret;
	}
	if (init)
		memcpy(t->shm->addr, init, n * size);
	t->type = type;
	t->n = n;
	*out = t;
	return 0;
}

static int typed_close(struct ipcdev__typed *t)
{
	int ret;

	if (!t)
		return -EINVAL;
	ret = ipcdev_shm_close(t->shm);
	free(t);
	return ret;
}

_Static_assert(offsetof(struct ipcdev_value, t) == 0 &&
	       offsetof(struct ipcdev_array, t) == 0 &&
	       sizeof(struct ipcdev_value) == sizeof(struct ipcdev__typed) &&
	       sizeof(struct ipcdev_array) == sizeof(struct ipcdev__typed),
	       "a Value and an Array are a struct ipcdev__typed");

/* The Value or Array around @t (its first member). */
#define TYPED_OUT(out, ret, t, type)				\
	({							\
		if (!(ret))					\
			*(out) = (type *)(void *)(t);		\
		(ret);						\
	})

int ipcdev_value_create(ipcdev_value **v, int type, const void *init,
			unsigned int flags)
{
	struct ipcdev__typed *t;
	int ret = v ? typed_create(&t, type, 1, init, flags) : -EINVAL;

	return TYPED_OUT(v, ret, t, ipcdev_value);
}

void *ipcdev_value_ptr(const ipcdev_value *v)
{
	return v ? v->t.shm->addr : NULL;
}

ipcdev_lock *ipcdev_value_get_lock(const ipcdev_value *v)
{
	return v ? v->t.shm->lock : NULL;
}

int ipcdev_value_close(ipcdev_value *v)
{
	return typed_close(v ? &v->t : NULL);
}

int ipcdev_array_create(ipcdev_array **a, int type, uint64_t n,
			const void *init, unsigned int flags)
{
	struct ipcdev__typed *t;
	int ret = a ? typed_create(&t, type, n, init, flags) : -EINVAL;

	return TYPED_OUT(a, ret, t, ipcdev_array);
}

void *ipcdev_array_ptr(const ipcdev_array *a)
{
	return a ? a->t.shm->addr : NULL;
}

int64_t ipcdev_array_len(const ipcdev_array *a)
{
	return a ? (int64_t)a->t.n : -EINVAL;
}

ipcdev_lock *ipcdev_array_get_lock(const ipcdev_array *a)
{
	return a ? a->t.shm->lock : NULL;
}

int ipcdev_array_close(ipcdev_array *a)
{
	return typed_close(a ? &a->t : NULL);
}
