// SPDX-License-Identifier: GPL-2.0
/*
 * shared_counter: the seed's counter, Python's
 *
 *     counter = Value('i', 0)
 *     def work():
 *         for _ in range(N):
 *             with counter.get_lock():
 *                 counter.value += 1
 *
 * run by two processes, first without the lock (counter.value += 1 is a
 * read and a write: updates get lost), then under get_lock() (exact).
 * The Value is an ipcq shared memory region with a bound RLock.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

#define PROCS	2
#define N	100000

/* The gap between reading and writing back, where another process may
 * write too (Python's interpreter has a far longer one).
 */
static void gap(void)
{
	volatile int i;

	for (i = 0; i < 20; i++)
		;
}

/* PROCS processes add 1 to the Value N times each; the final value. */
static int run(ipcdev_value *counter, ipcdev_value *go, int locked)
{
	volatile int *value = ipcdev_value_ptr(counter);
	_Atomic int *start = ipcdev_value_ptr(go);
	ipcdev_lock *lock = ipcdev_value_get_lock(counter);
	int i, k;

	*value = 0;
	atomic_store(start, 0);
	for (i = 0; i < PROCS; i++) {
		if (fork() == 0) {
			/* Both start together, as Python's would in a loop. */
			atomic_fetch_add(start, 1);
			while (atomic_load(start) < PROCS)
				sched_yield();
			for (k = 0; k < N; k++) {
				int v;

				if (locked && ipcdev_rlock_acquire(lock,
								   IPCDEV_FOREVER))
					_exit(1);
				v = *value;
				gap();
				*value = v + 1;
				if (locked && ipcdev_rlock_release(lock))
					_exit(2);
			}
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++)
		wait(NULL);
	return *value;
}

int main(void)
{
	ipcdev_value *counter, *go;
	int without, with;

	if (ipcdev_value_create(&counter, IPCDEV_C_INT, NULL, 0) ||
	    ipcdev_value_create(&go, IPCDEV_C_INT, NULL, IPCDEV_RAW)) {
		fprintf(stderr, "setup failed (module loaded?)\n");
		return 1;
	}
	without = run(counter, go, 0);
	printf("without the lock: %d processes x %d increments -> %d (%d updates lost)\n",
	       PROCS, N, without, PROCS * N - without);
	with = run(counter, go, 1);
	printf("under get_lock(): %d processes x %d increments -> %d (exact: %s)\n",
	       PROCS, N, with, with == PROCS * N ? "yes" : "NO");
	ipcdev_value_close(counter);
	ipcdev_value_close(go);
	return with == PROCS * N ? 0 : 1;
}
