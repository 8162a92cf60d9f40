/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcq-soak: what the parent (soak.c) and the workers (soak_work.c)
 * share. Everything the workers report lives in one MAP_SHARED anonymous
 * mapping the parent makes and touches before the first fork, so a worker
 * killed at any instant has already published all it did (a store to
 * memory cannot be half done by SIGKILL), and no page of it is charged to
 * the workers' memory cgroup.
 */
#ifndef IPCQ_SOAK_H
#define IPCQ_SOAK_H

#include <stdint.h>
#include <sys/types.h>

#include "ipcdev.h"

/* Object kinds the churners exercise; also the rows of the summary. */
enum soak_kind {
	K_QUEUE, K_NAMED_QUEUE, K_RING, K_JOINABLE, K_SIMPLE, K_PIPE,
	K_SEM, K_SEM_SHARED, K_LOCK, K_RLOCK, K_COND, K_EVENT, K_BARRIER,
	K_SHM, K_LISTENER, K_NKINDS
};

/* The streams: a producer's puts each checked through to delivery. */
enum soak_stream {
	S_QUEUE, S_RING, S_JOINABLE, S_NAMED, S_PIPE, S_NSTREAMS
};

#define SOAK_PRODUCERS	2		/* per stream */
#define SOAK_MAX_INC	65536		/* producer incarnations, whole run */
#define SOAK_MSG_MAX	8192		/* stream message bytes, at most */
#define SOAK_MAGIC	0x50a4c0deU
#define SOAK_PREFIX	"soak-"		/* every name the soak gives */

/* A stream message's head; the rest is a pattern of (inc, seq). */
struct soak_msg {
	uint32_t magic;
	uint32_t inc;			/* producer incarnation */
	uint64_t seq;			/* 1, 2, ... per incarnation */
	uint32_t len;			/* whole message, bytes */
	uint32_t pad;
};

struct soak_shared {
	volatile int stop;		/* producers and churners: finish */
	volatile int drain;		/* consumers: empty, then exit */
	volatile int quiet[S_NSTREAMS];	/* consumer of the stream finished */
	uint64_t ops[K_NKINDS];		/* churner actions done */
	uint64_t enomem[K_NKINDS];	/* of which failed with ENOMEM */
	uint64_t stream_enomem;		/* puts/gets that failed with ENOMEM */
	uint64_t unexpected;		/* calls failing with another errno */
	uint64_t violations;		/* lost, duplicated, out of order, bad */
	char first_problem[256];
	uint64_t acked_total, delivered_total;
	/* Per incarnation: its stream, last acknowledged and delivered seq. */
	uint32_t inc_stream[SOAK_MAX_INC];
	uint64_t acked[SOAK_MAX_INC];
	uint64_t delivered[SOAK_MAX_INC];
};

/* The streams' objects, made by the parent and inherited by the workers. */
struct soak_streams {
	ipcdev_queue *q[S_NSTREAMS];	/* S_PIPE: NULL */
	ipcdev_pipe *rx, *tx;		/* S_PIPE's ends */
};

extern struct soak_shared *soak;
extern struct soak_streams soak_st;

void soak_problem(int violation, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void soak_join_cgroup(const char *procs, int oom_score_adj);

void soak_producer(int stream, uint32_t inc, unsigned int seed);
void soak_consumer(int stream, unsigned int seed);
void soak_churner(unsigned int seed);

extern const char *const soak_kind_name[K_NKINDS];
extern const char *const soak_stream_name[S_NSTREAMS];

#endif
