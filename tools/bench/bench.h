/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcq-bench's parts: the mechanisms compared (mechanisms.c), timing,
 * medians and the round-trip, streaming and one-operation harnesses
 * (measure.c), syscall counting (syscount.c), the io_uring cells
 * (uring.c), the semaphore cells (sem.c), the shared memory lock cells
 * (shm.c), fork() with live handles (fork.c), Pool (pool.c), typed
 * messages (typed.c), batches (batch.c), how cost grows (growth.c), the
 * report (report.c), and the run that interleaves them (ipcq-bench.c).
 */
#ifndef IPCQ_BENCH_H
#define IPCQ_BENCH_H

#include <errno.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ipcdev.h"

#define MAX_MSG		(64 * 1024)
#define HDR		16	/* seq, producer, length, checksum */
#define MAX_PARTIES	4
#define MAX_REPS	16	/* every per-repetition array has this many */

/* Options (ipcq-bench.c). */
extern int reps;
extern int quick;		/* -q */
extern int only_typed;		/* -y */
extern int only_batch;		/* -b */
extern int only_uring;		/* -u */
extern int only_shm;		/* -m */
extern int only_pool;		/* -p */
extern int only_growth;		/* -g */
extern int only_sem;		/* -s */

/* Mechanisms (mechanisms.c). */
struct spsc;
enum spsc_mode { SPIN, EVENTFD, FUTEX };

struct link {
	/* Per mechanism state, set up before fork. */
	int fd[4];
	mqd_t mq[2];
	int msqid;
	ipcdev_queue *q[2];
	ipcdev_pipe *p[2];
	struct spsc *ring[2];
	int efd[4];		/* eventfd: [dir*2] data ready, [dir*2+1] room */
	enum spsc_mode mode;
	size_t size;
};

struct mech {
	const char *name;
	int multi;		/* many producers/consumers on one channel */
	int (*setup)(struct link *l);
	/* dir 0: parent to child (or producers to consumers); 1: back. */
	int (*send)(struct link *l, int dir, const void *buf, size_t len);
	ssize_t (*recv)(struct link *l, int dir, void *buf, size_t len);
	void (*close_end)(struct link *l, int dir, int sender);
	void (*teardown)(struct link *l);
	/* The parent lets go once children run (for end-of-file). */
	void (*parent_done)(struct link *l);
};

#define NMECH 12
extern const struct mech mechs[NMECH];

void msg_fill(unsigned char *buf, size_t len, uint32_t seq,
	      uint32_t producer);
int msg_ok(const unsigned char *buf, size_t len);

/* Measurement (measure.c). */
#define NSIZE 5
#define S64 1		/* sizes[S64] == 64, the size of the goals */
extern const size_t sizes[NSIZE];
extern double clock_ns;		/* what one now_ns() costs */
extern char clocksource[32];

struct syscount;
uint64_t now_ns(void);
void *shared_alloc(size_t size);
/*
 * A common start for forked processes, so that neither fork() nor a
 * child's setup is timed (measure.c): the children gate_wait() once
 * ready, the parent's gate_open() returns the start time.
 */
struct start_gate {
	int ready[2], go[2];
};
int gate_init(struct start_gate *g);
void gate_close(struct start_gate *g);
int gate_wait(struct start_gate *g);
uint64_t gate_open(struct start_gate *g, int n, int *fail);
void time_finished(_Atomic uint64_t *end);
uint64_t time_to_finish(uint64_t t0, _Atomic uint64_t *end);
long csw_children(void);
void stats(const double *v, int n, double *med, double *lo, double *hi);
void measure_clock(void);

enum { P50, P90, P99, P999, MAX, NLAT };
int round_trip(const struct mech *m, size_t size, int iters,
	       double out[NLAT]);
double stream(const struct mech *m, size_t size, int np, int nc,
	      int count, double *csw_per_msg, struct syscount *sc);
double op_bench(void (*op)(void *arg, int kind), void *arg, int kind,
		int procs, int iters);

/* Results of the timed runs (ipcq-bench.c): [mech][...][rep]. */
extern double lat[NMECH][NSIZE][MAX_REPS][NLAT];
extern double tput[NMECH][3][MAX_REPS];	/* 64 B, 1x1 2x2 4x4 */
extern double tput_size[NMECH][NSIZE][MAX_REPS];	/* 1x1 by size */
extern double csw[NMECH][3][MAX_REPS];
/* Syscalls per message, 64 B 1x1: [mech][producer, consumer][rep]. */
extern double scalls[NMECH][2][MAX_REPS];
extern int scalls_err[NMECH];	/* an errno that kept a count from us */
extern uint64_t stream_errors;

/* Syscall counting (syscount.c). */
struct syscount {
	int err;		/* 0, or the errno that stopped counting */
	double producer, consumer;
};

extern int sc_id;		/* the tracepoint's id, or -1 */
extern char sc_why[160];	/* why sc_id is -1, or what it is */
void sc_init(void);
int sc_open(void);
int64_t sc_close(int fd);
void sc_add(int64_t n, _Atomic uint64_t *sum, _Atomic uint64_t *err);
void count_syscalls(int count);

/* io_uring cells (uring.c). */
#define URING_BATCH	32
#define FANIN_QUEUES	16
#define UR_SIZE		64

enum { UR_QUEUE, UR_1X1, UR_POLL, UR_FANIN, NUR };
struct ur_row {
	const char *name, *cell;	/* mechanism and parties, as in the CSV */
	int uring;			/* needs io_uring */
};
extern const struct ur_row ur_rows[NUR];
extern int uring_err;		/* ipcdev_uring_probe() */
extern double ur_tput[NUR][MAX_REPS], ur_csw[NUR][MAX_REPS];
extern double ur_cpu[NUR][2][MAX_REPS];	/* CPU ns per message of each loop */
extern double ur_scalls[NUR][2][MAX_REPS];	/* [cell][producer, consumer][rep] */
extern int ur_scalls_err[NUR];
double ur_cell(int cell, int total, double *csw_per_msg, double cpu[2],
	       struct syscount *sc);
int ur_count(int cell);
void ur_rep(int r);

/* Semaphore cells (sem.c). */
enum { SEM_IPCQ, SEM_SHARED, SEM_POSIX, SEM_SYSV, SEM_WAITACQ, NSEM };
extern const char *const sem_names[NSEM];
extern double sem_unc[NSEM][MAX_REPS], sem_con[NSEM][MAX_REPS];

/* One repetition of every semaphore cell into sem_unc/sem_con[][@r]. */
void sem_rep(int r);

/*
 * Shared memory lock cells (shm.c): ns per acquire + increment of a
 * counter in shared memory + release, for ipcq's get_lock() (the bound
 * RLock, Python's default, and a bound Lock; both shared: no system call
 * uncontended), a Lock that is not shared (an ioctl each way, as every
 * lock was before the fast path), a robust process-shared
 * pthread mutex, a POSIX sem_t, and (no lock) a C11 atomic increment.
 */
enum { SHM_RLOCK, SHM_LOCK, SHM_IOCTL, SHM_PTHREAD, SHM_SEM, SHM_ATOMIC,
       NSHM };
extern const char *const shm_names[NSHM];
extern double shm_unc[NSHM][MAX_REPS], shm_con[NSHM][MAX_REPS];
extern uint64_t shm_errors;	/* counters off after a cell */

struct shmset;
struct shmset *shm_setup(void);
void shm_teardown(struct shmset *s);
void shm_rep(struct shmset *s, int r);

/*
 * fork() with 0, 10 and 1000 live handles (fork.c): us until the child
 * runs, after the library's fork handler re-owned every handle.
 */
#define NFORK 3
extern const int fork_handles[NFORK];
extern double fork_us[NFORK][MAX_REPS];
void fork_rep(int r);

/*
 * Pool (pool.c): tasks/s through libipcdev's Pool and a hand-written
 * pipe(2) pool, 4 workers, an empty task on 8 bytes and on 64 KiB.
 */
enum { POOL_IPCQ, POOL_PIPE, NPOOL };
#define NPOOLSZ 2
extern const char *const pool_names[NPOOL];
extern const size_t pool_sizes[NPOOLSZ];
extern double pool_tps[NPOOL][NPOOLSZ][MAX_REPS];
extern uint64_t pool_errors;	/* results off */
void pool_rep(int r);

/*
 * Typed messages (typed.c): ns per get+put on a queue of 100000 messages
 * of 1000 types, plain and selecting by type.
 */
enum { TYPED_PLAIN, TYPED_EQ, TYPED_LE, NTYPED };
extern const char *const typed_names[NTYPED];
extern double typed_ns[NTYPED][MAX_REPS];
void typed_rep(int r);

/*
 * Batches (batch.c): 1x1 64-byte streaming, msg/s: pipe(2), the single
 * put/get, and put_many/get_many of 32 messages per call.
 */
enum { BATCH_PIPE, BATCH_SINGLE, BATCH_X32, NBATCH };
extern const char *const batch_names[NBATCH];
extern double batch_tput[NBATCH][MAX_REPS];
void batch_rep(int r);

/*
 * How cost grows (growth.c): ns per operation small and large, ipcq
 * queues; kernel bytes per idle object and per queued 64-byte message of
 * an ipcq queue, a POSIX mq and a pipe(2).
 */
enum {
	GR_DEPTH_1, GR_DEPTH_1K, GR_DEPTH_1M,	/* put+get, messages queued */
	GR_PRIO_1, GR_PRIO_1K,			/* put+get, priorities in use */
	GR_LIVE_10, GR_LIVE_10K,		/* create+close, live queues */
	GR_EPOLL_10, GR_EPOLL_1K,		/* epoll_wait+get, epoll set */
	NGROW
};
struct grow_row {
	const char *op, *axis;	/* what is timed; what grows */
	const char *key;	/* the axis in the CSV */
	long n;			/* how much of it (grow_n: as run) */
};
extern const struct grow_row grow_rows[NGROW];
extern long grow_n[NGROW];
extern double grow_ns[NGROW][MAX_REPS];
extern char grow_why[NGROW][96];	/* why a row has no number */

enum { MEM_IPCQ, MEM_MQ, MEM_PIPE, NMEM };
extern const char *const mem_names[NMEM];
extern double mem_idle[NMEM][MAX_REPS], mem_msg[NMEM][MAX_REPS];
extern char mem_source[128];	/* where the bytes were read */
void growth_rep(int r);

/* The report (report.c). */
void header(void);
void report(void);		/* every table, then the goals */
void report_uring(void);	/* the io_uring table alone (-u) */
void report_shm(void);		/* the shared memory table alone (-m) */
void report_pool(void);		/* the Pool table alone (-p) */
void report_sem(void);		/* the semaphore table alone (-s) */
void report_mechs(void);	/* latency, streaming, queue/ring goals (-M) */
void report_typed(void);	/* the typed messages table alone (-y) */
void report_batch(void);	/* the batches table alone (-b) */
void report_growth(void);	/* the growth tables alone (-g) */

#endif /* IPCQ_BENCH_H */
