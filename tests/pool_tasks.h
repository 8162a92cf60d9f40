/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Task functions both pool_test and the worker program it execs
 * (pool_worker_child) run: each has its own copy, the same code.
 */
#ifndef POOL_TASKS_H
#define POOL_TASKS_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* The square of a uint64_t. */
static int square(const void *in, size_t in_len, void *out, size_t *out_len,
		  void *ctx)
{
	uint64_t v;

	if (in_len != sizeof(v) || *out_len < sizeof(v))
		return -EINVAL;
	memcpy(&v, in, sizeof(v));
	v *= v;
	memcpy(out, &v, sizeof(v));
	*out_len = sizeof(v);
	return 0;
}

#endif /* POOL_TASKS_H */
