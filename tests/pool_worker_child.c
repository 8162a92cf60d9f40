// SPDX-License-Identifier: GPL-2.0
/*
 * pool_worker_child: the program pool_test's exec'd workers run
 * (attr.program). Its table of task functions is pool_test's exec_table,
 * in the same order: square (of a __u64), pid (its own pid as the status,
 * after checking the initializer ran), hang (blocks until killed).
 * Exit status when ipcdev_pool_worker() returns: 10 for -EINVAL (not
 * started by a pool), 11 otherwise.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"
#include "pool_tasks.h"

static int initialized;

static int init(void *ctx)
{
	initialized = 1;
	return 0;
}

static int pid(const void *in, size_t in_len, void *out, size_t *out_len,
	       void *ctx)
{
	*out_len = 0;
	return initialized ? getpid() : -EPROTO;
}

static int hang(const void *in, size_t in_len, void *out, size_t *out_len,
		void *ctx)
{
	for (;;)
		pause();
	return 0;
}

int main(void)
{
	static const ipcdev_pool_fn table[] = { square, pid, hang };
	int ret = ipcdev_pool_worker(table, 3, init, NULL);

	return ret == -EINVAL ? 10 : 11;
}
