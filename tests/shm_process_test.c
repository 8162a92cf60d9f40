// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory between processes, through libipcdev: the seed's counter
 * under get_lock() (2 x 1000 and 4 x 100000 increments, exact), an Array
 * of doubles filled by 4 processes, a named region opened by an
 * unrelated process (this binary run again by exec, its parent gone),
 * the bound lock's holder killed mid-update, fork, fd passing, C11
 * atomics on the mapped memory, Value and Array of every type, and the
 * library's error paths.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "ipcq_test.h"

#define PAGE 4096UL

/*
 * Run again with IPCQ_SHM_PEER=NAME in its environment, this binary is
 * the unrelated process: it opens the named region, checks the pattern
 * its creator wrote, adds 1 to the counter after it under the bound
 * lock, sets the done word and exits, before the harness ever starts.
 */
struct peer_page {
	unsigned char pattern[64];
	long counter;
	_Atomic int done;		/* 1 ok, 2 and up: what failed */
};

__attribute__((constructor)) static void shm_peer(void)
{
	const char *name = getenv("IPCQ_SHM_PEER");
	struct peer_page *pg;
	ipcdev_shm *m;
	void *addr;
	int i, bad = 0;

	if (!name)
		return;
	if (ipcdev_shm_open(&m, name, 0, 0, sizeof(*pg)) ||
	    ipcdev_shm_map(m, &addr))
		_exit(2);
	pg = addr;
	for (i = 0; i < 64; i++)
		bad |= pg->pattern[i] != (unsigned char)(i * 7);
	if (ipcdev_lock_acquire(ipcdev_shm_lock(m), WAIT_NS))
		bad |= 4;
	pg->counter++;
	if (ipcdev_lock_release(ipcdev_shm_lock(m)))
		bad |= 8;
	atomic_store(&pg->done, bad ? 2 + bad : 1);
	_exit(0);
}

/*
 * @procs processes add 1 to a plain int @iters times each, each time
 * under the Value's get_lock(), as Python's
 *   with counter.get_lock(): counter.value += 1
 * The sum is exact only if the lock excludes.
 */
static void counter_run(struct __test_metadata *_metadata, int procs,
			int iters)
{
	pid_t pids[8];
	ipcdev_value *v;
	volatile int *counter;
	int zero = 0, i;

	ASSERT_EQ(0, ipcdev_value_create(&v, IPCDEV_C_INT, &zero, 0));
	counter = ipcdev_value_ptr(v);
	ASSERT_NE(NULL, counter);
	ASSERT_NE(NULL, ipcdev_value_get_lock(v));
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			ipcdev_lock *l = ipcdev_value_get_lock(v);
			int j, x;

			for (j = 0; j < iters; j++) {
				if (ipcdev_lock_acquire(l, IPCDEV_FOREVER))
					_exit(1);
				x = *counter;
				/* Another process in here would be seen. */
				if (j % 256 == 0)
					sched_yield();
				*counter = x + 1;
				if (ipcdev_lock_release(l))
					_exit(2);
			}
			_exit(0);
		}
	}
	for (i = 0; i < procs; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(procs * iters, *counter);
	EXPECT_EQ(0, ipcdev_value_close(v));
}

TEST(counter_2x1000_under_get_lock_is_exact)
{
	counter_run(_metadata, 2, 1000);
}

FIXTURE(long_run) {
};

FIXTURE_SETUP(long_run)
{
}

FIXTURE_TEARDOWN(long_run)
{
}

/*
 * 400000 lock round trips: given time, never a deadline to meet. A
 * lockdep kernel (make check-debug) checks every lock operation, which
 * makes a contended round trip there tens of times slower: it runs 4 x
 * 10000, the same code under its checkers, in the time the full run
 * takes on a production kernel.
 */
TEST_F_TIMEOUT(long_run, counter_4_processes_under_get_lock_is_exact, 250)
{
	int iters = ipcq_debug_kernel() ? 10000 : 100000;

	TH_LOG("4 processes x %d increments%s", iters,
	       iters < 100000 ? " (lockdep kernel)" : "");
	counter_run(_metadata, 4, iters);
}

/* Array('d', 1000): 4 processes fill a slice each, the parent sums. */
TEST(array_of_1000_doubles_filled_by_4_processes)
{
	enum { N = 1000, PROCS = 4 };
	ipcdev_array *a;
	double *d, sum = 0, want = 0;
	pid_t pids[PROCS];
	int i;

	ASSERT_EQ(0, ipcdev_array_create(&a, IPCDEV_C_DOUBLE, N, NULL, 0));
	ASSERT_EQ(N, ipcdev_array_len(a));
	d = ipcdev_array_ptr(a);
	ASSERT_EQ(0, (uintptr_t)d % _Alignof(double));
	for (i = 0; i < N; i++)
		ASSERT_EQ(0.0, d[i]);
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int k;

			for (k = i * (N / PROCS); k < (i + 1) * (N / PROCS); k++)
				d[k] = k * 0.5;
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	for (i = 0; i < N; i++) {
		sum += d[i];
		want += i * 0.5;
	}
	EXPECT_EQ(want, sum);
	EXPECT_EQ(0, ipcdev_array_close(a));
}

/*
 * A named region opened by a process that shares nothing with its
 * creator: this binary exec'd anew by a grandchild whose parent exited
 * (so init, not us, is its parent).
 */
TEST(named_region_opened_by_an_unrelated_process)
{
	char name[64], env[96];
	char *const argv[] = { "shm-peer", NULL };
	char *const envp[] = { env, NULL };
	struct peer_page *pg;
	ipcdev_shm *m;
	void *addr;
	pid_t pid;
	int i;

	snprintf(name, sizeof(name), "shm-peer-%d", getpid());
	snprintf(env, sizeof(env), "IPCQ_SHM_PEER=%s", name);
	ASSERT_EQ(0, ipcdev_shm_open(&m, name, IPCDEV_CREATE | IPCDEV_EXCL |
				     IPCDEV_SHM_LOCK, 0600, sizeof(*pg)));
	ASSERT_EQ(0, ipcdev_shm_map(m, &addr));
	pg = addr;
	for (i = 0; i < 64; i++)
		pg->pattern[i] = (unsigned char)(i * 7);
	pg->counter = 41;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			execve("/proc/self/exe", argv, envp);
			_exit(127);
		}
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid));
	EXPECT_TRUE(wait_for(atomic_load(&pg->done) != 0, WAIT_MS));
	EXPECT_EQ(1, atomic_load(&pg->done));
	EXPECT_EQ(42, pg->counter);
	EXPECT_EQ(0, ipcdev_shm_unlink(name));
	EXPECT_EQ(-ENOENT, ipcdev_shm_unlink(name));
	EXPECT_EQ(0, ipcdev_shm_close(m));
}

/* A new anonymous region of @size mapped: its address, or NULL. */
static void *new_region(ipcdev_shm **m, uint64_t size, unsigned int flags)
{
	void *addr;

	if (ipcdev_shm_create(m, size, flags))
		return NULL;
	if (ipcdev_shm_map(*m, &addr)) {
		ipcdev_shm_close(*m);
		return NULL;
	}
	return addr;
}

struct account {
	long debit, credit;	/* invariant: debit == credit */
};

struct holder {
	ipcdev_shm *m;
	void *data;
};

/* In a child: takes the bound lock and is half-way through an update. */
static int debit_without_credit(void *arg)
{
	struct holder *h = arg;
	struct account *acct = h->data;

	if (ipcdev_lock_acquire(ipcdev_shm_lock(h->m), IPCDEV_FOREVER))
		return 1;
	acct->debit += 100;	/* ... and dies before the credit */
	return 0;
}

/*
 * The holder of a region's lock is killed half-way through an update:
 * the next holder gets EOWNERDEAD, the region says possibly inconsistent
 * until it repairs the data and marks the lock consistent.
 */
TEST(holder_killed_mid_update_gives_eownerdead_and_repair)
{
	struct ipcq_shm_stat st;
	struct account *acct;
	struct holder h;
	ipcdev_lock *l;
	pid_t pid;

	acct = new_region(&h.m, sizeof(*acct), IPCDEV_SHM_LOCK);
	ASSERT_NE(NULL, acct);
	h.data = acct;
	l = ipcdev_shm_lock(h.m);
	ASSERT_NE(NULL, l);
	pid = fork_holder(debit_without_credit, &h);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, ipcdev_shm_stat(h.m, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_LOCKED, st.state);
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	ASSERT_EQ(0, ipcdev_shm_stat(h.m, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_INCONSISTENT, st.state);

	ASSERT_EQ(-EOWNERDEAD, ipcdev_lock_acquire(l, WAIT_NS));
	ASSERT_EQ(0, ipcdev_shm_stat(h.m, &st));
	EXPECT_TRUE(st.state & IPCQ_SHM_STATE_INCONSISTENT);
	EXPECT_EQ(100, acct->debit);
	EXPECT_EQ(0, acct->credit);
	acct->credit = acct->debit;	/* repaired */
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	ASSERT_EQ(0, ipcdev_shm_stat(h.m, &st));
	EXPECT_EQ(IPCQ_SHM_STATE_LOCKED, st.state);
	EXPECT_EQ(0, ipcdev_lock_release(l));
	EXPECT_EQ(0, ipcdev_lock_acquire(l, WAIT_NS));
	EXPECT_EQ(0, ipcdev_lock_release(l));
	ASSERT_EQ(0, ipcdev_shm_stat(h.m, &st));
	EXPECT_EQ(0, st.state);
	EXPECT_EQ(0, ipcdev_shm_close(h.m));
}

/* In a child: writes through its inherited mapping, takes the lock. */
static int write_then_take(void *arg)
{
	struct holder *h = arg;
	volatile int *x = h->data;

	x[1] = x[0] + 1;
	if (ipcdev_shm_size(h->m) != sizeof(int) * 4)
		return 1;
	return ipcdev_rlock_acquire(ipcdev_shm_lock(h->m), WAIT_NS);
}

/*
 * After fork() the mapping is shared both ways, and the child's bound
 * lock handle has a file of its own: it holds the lock by itself, and
 * its death while holding it is seen as such.
 */
TEST(fork_shares_the_memory_and_reowns_the_lock)
{
	struct ipcq_shm_stat st;
	volatile int *x;
	struct holder h;
	ipcdev_lock *l;
	pid_t pid;

	x = new_region(&h.m, sizeof(int) * 4, IPCDEV_SHM_RLOCK);
	ASSERT_NE(NULL, x);
	h.data = (void *)x;
	l = ipcdev_shm_lock(h.m);
	x[0] = 10;
	ASSERT_EQ(0, ipcdev_rlock_acquire(l, WAIT_NS));
	/* The parent's hold is not a child's. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ipcdev_rlock_acquire(ipcdev_shm_lock(h.m),
					   IPCDEV_NOWAIT) != -EAGAIN);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	pid = fork_holder(write_then_take, &h);
	ASSERT_LT(0, pid);
	EXPECT_EQ(11, x[1]);
	ASSERT_EQ(0, ipcdev_shm_stat(h.m, &st));
	EXPECT_EQ(pid, st.lock_owner_tid);
	EXPECT_EQ(IPCQ_SYNC_LOCKED, st.lock_state);
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, child_status(pid));
	EXPECT_EQ(-EOWNERDEAD, ipcdev_rlock_acquire(l, WAIT_NS));
	EXPECT_EQ(0, ipcdev_lock_consistent(l));
	EXPECT_EQ(0, ipcdev_rlock_release(l));
	EXPECT_EQ(0, ipcdev_shm_close(h.m));
}

/* A region fd passed over SCM_RIGHTS to a process that had none. */
TEST(fd_passing_gives_the_same_region_and_lock)
{
	ipcdev_shm *m;
	ipcdev_queue *q;
	volatile char *p;
	int sv[2], ret;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ipcdev_shm *r;
		void *a;
		int fd = recv_fd(sv[1]);

		if (fd < 0)
			_exit(1);
		if (ipcdev_shm_from_fd(&r, fd) || ipcdev_shm_map(r, &a))
			_exit(2);
		if (ipcdev_shm_size(r) != 100 || ((char *)a)[0] != 'p')
			_exit(3);
		if (ipcdev_lock_acquire(ipcdev_shm_lock(r), WAIT_NS))
			_exit(4);
		((char *)a)[1] = 'c';
		ipcdev_lock_release(ipcdev_shm_lock(r));
		_exit(ipcdev_shm_close(r) ? 5 : 0);
	}
	p = new_region(&m, 100, IPCDEV_SHM_LOCK);
	ASSERT_NE(NULL, p);
	p[0] = 'p';
	ASSERT_EQ(0, send_fd(sv[0], ipcdev_shm_fd(m)));
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ('c', p[1]);
	/* from_fd checks the type and leaves a fd it refuses open. */
	ASSERT_EQ(0, ipcdev_queue_create(&q, 0));
	ret = ipcdev_shm_from_fd(&m, ipcdev_queue_fd(q));
	EXPECT_EQ(-ENOTTY, ret);
	EXPECT_LE(0, fcntl(ipcdev_queue_fd(q), F_GETFD));
	EXPECT_EQ(-EINVAL, ipcdev_shm_from_fd(&m, -1));
	ipcdev_queue_close(q);
	EXPECT_EQ(0, ipcdev_shm_close(m));
	close(sv[0]);
	close(sv[1]);
}

/*
 * C11 atomics work on the mapped memory across processes for every
 * lock-free type: on x86-64 all the integer types and pointers (always
 * lock-free, ATOMIC_*_LOCK_FREE 2), and float and double through
 * compare-and-swap. A RawValue is enough: no lock is involved.
 */
_Static_assert(ATOMIC_CHAR_LOCK_FREE == 2 && ATOMIC_SHORT_LOCK_FREE == 2 &&
	       ATOMIC_INT_LOCK_FREE == 2 && ATOMIC_LONG_LOCK_FREE == 2 &&
	       ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_POINTER_LOCK_FREE == 2,
	       "the integer types are always lock-free here");
_Static_assert(sizeof(_Atomic long) == sizeof(long) &&
	       _Alignof(_Atomic long) == _Alignof(long) &&
	       sizeof(_Atomic double) == sizeof(double) &&
	       _Alignof(_Atomic double) == _Alignof(double),
	       "an _Atomic T is laid out as a T: the same memory");

TEST(c11_atomics_on_a_raw_value_are_exact)
{
	enum { PROCS = 4, ITERS = 20000 };
	_Atomic long *n;
	_Atomic double *f;
	ipcdev_array *a;
	pid_t pids[PROCS];
	int i;

	ASSERT_EQ(0, ipcdev_array_create(&a, IPCDEV_C_LONG, 2, NULL,
					 IPCDEV_RAW));
	EXPECT_EQ(NULL, ipcdev_array_get_lock(a));
	n = ipcdev_array_ptr(a);
	f = (_Atomic double *)(n + 1);
	EXPECT_TRUE(atomic_is_lock_free(n));
	EXPECT_TRUE(atomic_is_lock_free(f));
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int k;

			for (k = 0; k < ITERS; k++) {
				double old = atomic_load(f);

				atomic_fetch_add(n, 1);
				while (!atomic_compare_exchange_weak(f, &old,
								     old + 1))
					;
			}
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++)
		EXPECT_EQ(0, child_status(pids[i]));
	EXPECT_EQ(PROCS * ITERS, atomic_load(n));
	EXPECT_EQ(PROCS * ITERS, atomic_load(f));
	EXPECT_EQ(0, ipcdev_array_close(a));
}

/* Every ctypes code: its C type's size, alignment, init, zero default. */
TEST(values_and_arrays_of_every_type)
{
	static const struct {
		int code;
		size_t size;
	} types[] = {
		{ 'c', sizeof(char) }, { 'b', sizeof(signed char) },
		{ 'B', sizeof(unsigned char) }, { 'h', sizeof(short) },
		{ 'H', sizeof(unsigned short) }, { 'i', sizeof(int) },
		{ 'I', sizeof(unsigned int) }, { 'l', sizeof(long) },
		{ 'L', sizeof(unsigned long) }, { 'q', sizeof(long long) },
		{ 'Q', sizeof(unsigned long long) }, { 'f', sizeof(float) },
		{ 'd', sizeof(double) },
	};
	unsigned char init[8 * 3], zero[8 * 3] = { 0 };
	struct ipcq_sync_stat ls;
	ipcdev_value *v;
	ipcdev_array *a;
	unsigned int i;

	memset(init, 0x5c, sizeof(init));
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		ASSERT_EQ(0, ipcdev_value_create(&v, types[i].code, init, 0))
			TH_LOG("type '%c'", types[i].code);
		EXPECT_EQ(0, memcmp(ipcdev_value_ptr(v), init, types[i].size));
		EXPECT_EQ(0, (uintptr_t)ipcdev_value_ptr(v) % types[i].size);
		ASSERT_EQ(0, ipcdev_value_close(v));
		ASSERT_EQ(0, ipcdev_array_create(&a, types[i].code, 3, NULL,
						 0));
		EXPECT_EQ(0, memcmp(ipcdev_array_ptr(a), zero,
				    3 * types[i].size));
		EXPECT_EQ(3, ipcdev_array_len(a));
		ASSERT_EQ(0, ipcdev_array_close(a));
	}
	/* Locks (shared): an RLock by default, a Lock, none for Raw. */
	ASSERT_EQ(0, ipcdev_value_create(&v, IPCDEV_C_INT, NULL, 0));
	ASSERT_EQ(0, ipcdev_lock_stat(ipcdev_value_get_lock(v), &ls));
	EXPECT_EQ(IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED, ls.flags);
	ipcdev_value_close(v);
	ASSERT_EQ(0, ipcdev_value_create(&v, IPCDEV_C_INT, NULL,
					 IPCDEV_SHM_LOCK));
	ASSERT_EQ(0, ipcdev_lock_stat(ipcdev_value_get_lock(v), &ls));
	EXPECT_EQ(IPCQ_SYNC_SHARED, ls.flags);
	ipcdev_value_close(v);
	ASSERT_EQ(0, ipcdev_value_create(&v, IPCDEV_C_DOUBLE, NULL,
					 IPCDEV_RAW));
	EXPECT_EQ(NULL, ipcdev_value_get_lock(v));
	EXPECT_EQ(-EINVAL, ipcdev_lock_acquire(ipcdev_value_get_lock(v), 0));
	ipcdev_value_close(v);
	ASSERT_EQ(0, ipcdev_array_create(&a, IPCDEV_C_INT, 1000, NULL, 0));
	ASSERT_EQ(0, ipcdev_lock_stat(ipcdev_array_get_lock(a), &ls));
	EXPECT_EQ(IPCQ_SYNC_RECURSIVE | IPCQ_SYNC_SHARED, ls.flags);
	ipcdev_array_close(a);
}

TEST(library_error_paths)
{
	struct ipcq_shm_stat st;
	struct ipcdev_info info;
	ipcdev_value *v;
	ipcdev_array *a;
	ipcdev_shm *m;
	void *addr;
	char name[64];
	pid_t pid;

	ASSERT_EQ(0, ipcdev_query(&info, sizeof(info)));
	EXPECT_TRUE(info.features & IPCQ_FEATURE_SHM);
	EXPECT_LT(0, info.max_shm_bytes);
	/* Sizes. */
	EXPECT_EQ(-EINVAL, ipcdev_shm_create(&m, 0, 0));
	EXPECT_EQ(-EDQUOT, ipcdev_shm_create(&m, info.max_shm_bytes + 1, 0));
	/* Flags and arguments. */
	EXPECT_EQ(-EINVAL, ipcdev_shm_create(NULL, 1, 0));
	EXPECT_EQ(-EINVAL, ipcdev_shm_create(&m, 1, IPCDEV_SHM_RDONLY));
	EXPECT_EQ(-EINVAL, ipcdev_shm_create(&m, 1, IPCDEV_CREATE));
	EXPECT_EQ(-EINVAL, ipcdev_shm_create(&m, 1, IPCDEV_SHM_LOCK |
					     IPCDEV_SHM_RLOCK));
	EXPECT_EQ(-EINVAL, ipcdev_shm_open(&m, NULL, IPCDEV_CREATE, 0600, 1));
	EXPECT_EQ(-EINVAL, ipcdev_shm_open(&m, "x", IPCDEV_PRODUCER, 0600, 1));
	EXPECT_EQ(-EINVAL, ipcdev_shm_map(NULL, &addr));
	EXPECT_EQ(-EINVAL, ipcdev_shm_size(NULL));
	EXPECT_EQ(NULL, ipcdev_shm_lock(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_shm_stat(NULL, &st));
	EXPECT_EQ(-EINVAL, ipcdev_shm_close(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_shm_fd(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_shm_unlink(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_value_create(&v, 'x', NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_value_create(&v, 'u', NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_value_create(&v, 'i', NULL, IPCDEV_RAW |
					       IPCDEV_SHM_LOCK));
	EXPECT_EQ(-EINVAL, ipcdev_value_create(&v, 'i', NULL,
					       IPCDEV_SHM_RLOCK));
	EXPECT_EQ(-EINVAL, ipcdev_value_create(NULL, 'i', NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_array_create(&a, 'd', 0, NULL, 0));
	EXPECT_EQ(-EINVAL, ipcdev_array_create(&a, 'd', UINT64_MAX / 4, NULL,
					       0));
	EXPECT_EQ(-EDQUOT, ipcdev_array_create(&a, 'd', info.max_shm_bytes,
					       NULL, 0));
	EXPECT_EQ(NULL, ipcdev_value_ptr(NULL));
	EXPECT_EQ(NULL, ipcdev_value_get_lock(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_value_close(NULL));
	EXPECT_EQ(NULL, ipcdev_array_ptr(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_array_len(NULL));
	EXPECT_EQ(NULL, ipcdev_array_get_lock(NULL));
	EXPECT_EQ(-EINVAL, ipcdev_array_close(NULL));

	/* A read-only handle maps read-only; no lock: NULL. */
	snprintf(name, sizeof(name), "shm-lib-%d", getpid());
	ASSERT_EQ(0, ipcdev_shm_open(&m, name, IPCDEV_CREATE, 0600, 10));
	EXPECT_EQ(NULL, ipcdev_shm_lock(m));
	EXPECT_EQ(-ENOENT, ({
		ipcdev_shm *none;
		ipcdev_shm_open(&none, "shm-lib-none", 0, 0, 0);
	}));
	EXPECT_EQ(0, ipcdev_shm_close(m));
	ASSERT_EQ(0, ipcdev_shm_open(&m, name, IPCDEV_SHM_RDONLY, 0, 0));
	EXPECT_EQ(10, ipcdev_shm_size(m));
	ASSERT_EQ(0, ipcdev_shm_stat(m, &st));
	EXPECT_EQ(IPCQ_SHM_RDONLY, st.flags);
	EXPECT_EQ(1, st.mappings);
	ASSERT_EQ(0, ipcdev_shm_map(m, &addr));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		*(volatile char *)addr = 1;
		_exit(0);
	}
	EXPECT_EQ(128 + SIGSEGV, child_status(pid));
	EXPECT_EQ(0, ipcdev_shm_unlink(name));
	EXPECT_EQ(0, ipcdev_shm_close(m));
}

TEST_HARNESS_MAIN
