/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcq-fuzz's coverage feedback (kcov.c): programs, the edges kcov saw,
 * the corpus of programs that found new ones.
 */
#ifndef IPCQ_FUZZ_KCOV_H
#define IPCQ_FUZZ_KCOV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A program: the state seed (the objects a worker starts it with) and the
 * seed of each call (which call, on which file, with which argument: the
 * fuzzer's generator run from that seed). Replayable as one line of text.
 */
#define PROG_OPS 32
struct prog {
	uint64_t seed;
	uint32_t n;
	uint64_t op[PROG_OPS];
};

/* The edge map, shared by the workers: set before they fork. */
#define EDGE_BITS (1u << 20)
struct edges {
	uint64_t seen;			/* bits set in map */
	uint64_t map[EDGE_BITS / 64];
};

bool kcov_usable(void);		/* kcov traces the module here */
bool kcov_start(void);			/* this process traces; false: no kcov */
void kcov_reset(void);			/* before a program */
unsigned int kcov_collect(struct edges *e);	/* after it: new edges */

void corpus_add(const struct prog *p);
unsigned int corpus_size(void);
void prog_random(struct prog *p, uint64_t (*rnd)(void));
void prog_next(struct prog *p, uint64_t (*rnd)(void), bool feedback);

bool kmsg_splat(int fd);		/* a splat in /dev/kmsg since last time */

void prog_print(FILE *f, const struct prog *p);
int prog_parse(const char *line, struct prog *p);

#endif
