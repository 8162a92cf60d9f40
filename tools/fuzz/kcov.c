// SPDX-License-Identifier: GPL-2.0
/*
 * ipcq-fuzz's coverage feedback: each worker process traces its own calls
 * with kcov (/sys/kernel/debug/kcov, KCOV_TRACE_PC; only the module is
 * instrumented, kmod/Kbuild's IPCQ_KCOV=1, so every PC is the module's),
 * hashes consecutive PCs into edges in a bitmap all workers share, and
 * keeps a program that set a new bit in its own corpus. Later programs
 * are, three times in four, a corpus entry mutated (a call replaced,
 * inserted, dropped or repeated, another entry spliced in, the state
 * seed changed), else fresh ones. Without kcov programs are all fresh.
 *
 * The parent watches the kernel log for splats meanwhile (kmsg_splat()).
 *
 * A program is text on one line: "prog SEED N OP..." (hex), what
 * ipcq-fuzz prints when a run ends in a splat and reads with --replay.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kcov.h>
#include <linux/ipcq.h>

#include "kcov.h"

#define COVER_WORDS (64u << 10)
#define CORPUS_MAX 1024

static unsigned long *cover;		/* [0]: PCs recorded, then the PCs */
static struct prog *corpus;		/* this process's */
static unsigned int ncorpus;

bool kcov_start(void)
{
	int fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return false;
	if (ioctl(fd, KCOV_INIT_TRACE, (unsigned long)COVER_WORDS))
		goto fail;
	p = mmap(NULL, COVER_WORDS * sizeof(unsigned long),
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(p, COVER_WORDS * sizeof(unsigned long));
		goto fail;
	}
	cover = p;
	return true;	/* fd stays open: tracing lasts as long as it */
fail:
	close(fd);
	return false;
}

/* Whether this process's calls into the module show up in kcov. */
bool kcov_usable(void)
{
	struct edges *probe;
	struct stat dbg, sys;
	bool ok;
	int fd;

	/* debugfs, if nothing is mounted there yet (tools/vm/guest/init does). */
	if (!stat("/sys/kernel/debug", &dbg) && !stat("/sys/kernel", &sys) &&
	    dbg.st_dev == sys.st_dev)
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (!kcov_start())
		return false;
	probe = calloc(1, sizeof(*probe));
	fd = open("/dev/ipcq", O_RDWR | O_CLOEXEC);
	kcov_reset();
	ioctl(fd, _IO(IPCQ_IOC_MAGIC, 0xff), 0);
	ok = probe && kcov_collect(probe) > 0;
	free(probe);
	close(fd);
	return ok;
}

void kcov_reset(void)
{
	if (cover)
		__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
}

unsigned int kcov_collect(struct edges *e)
{
	unsigned long n, i, prev = 0;
	unsigned int fresh = 0;

	if (!cover)
		return 0;
	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	if (n >= COVER_WORDS)
		n = COVER_WORDS - 1;
	for (i = 0; i < n; i++) {
		unsigned long pc = cover[i + 1];
		uint64_t h = (pc ^ (prev << 1)) * 0x9e3779b97f4a7c15ull;
		uint32_t bit = (uint32_t)(h >> 44) % EDGE_BITS;
		uint64_t mask = 1ull << (bit % 64);

		prev = pc;
		if (e->map[bit / 64] & mask)
			continue;
		if (!(__atomic_fetch_or(&e->map[bit / 64], mask,
					__ATOMIC_RELAXED) & mask)) {
			__atomic_add_fetch(&e->seen, 1, __ATOMIC_RELAXED);
			fresh++;
		}
	}
	return fresh;
}

void corpus_add(const struct prog *p)
{
	if (!corpus)
		corpus = calloc(CORPUS_MAX, sizeof(*corpus));
	if (!corpus)
		return;
	/* Full: a random entry makes room (rarely reached in a run). */
	corpus[ncorpus < CORPUS_MAX ? ncorpus++ :
	       (unsigned int)(random() % CORPUS_MAX)] = *p;
}

unsigned int corpus_size(void)
{
	return ncorpus;
}

void prog_random(struct prog *p, uint64_t (*rnd)(void))
{
	uint32_t i;

	p->seed = rnd();
	p->n = 1 + (uint32_t)(rnd() % PROG_OPS);
	for (i = 0; i < p->n; i++)
		p->op[i] = rnd();
}

/* The next program: mostly a corpus entry mutated, with @feedback. */
void prog_next(struct prog *p, uint64_t (*rnd)(void), bool feedback)
{
	uint32_t at, i, k;
	const struct prog *o;

	if (!feedback || !ncorpus || rnd() % 4 == 0) {
		prog_random(p, rnd);
		return;
	}
	*p = corpus[rnd() % ncorpus];
	for (k = 1 + (uint32_t)(rnd() % 3); k > 0; k--) {
		at = (uint32_t)(rnd() % p->n);
		switch (rnd() % 6) {
		case 0:		/* a call replaced */
			p->op[at] = rnd();
			break;
		case 1:		/* a call inserted */
			if (p->n == PROG_OPS)
				break;
			memmove(&p->op[at + 1], &p->op[at],
				(p->n - at) * sizeof(p->op[0]));
			p->op[at] = rnd();
			p->n++;
			break;
		case 2:		/* a call dropped */
			if (p->n == 1)
				break;
			memmove(&p->op[at], &p->op[at + 1],
				(p->n - at - 1) * sizeof(p->op[0]));
			p->n--;
			break;
		case 3:		/* a call repeated */
			if (p->n < PROG_OPS)
				p->op[p->n++] = p->op[at];
			break;
		case 4:		/* another entry's tail after this one's head */
			o = &corpus[rnd() % ncorpus];
			for (i = 0; i < o->n && at + 1 + i < PROG_OPS; i++)
				p->op[at + 1 + i] = o->op[i];
			p->n = at + 1 + i;
			break;
		default:	/* the same calls on other objects */
			p->seed = rnd();
		}
	}
}

void prog_print(FILE *f, const struct prog *p)
{
	uint32_t i;

	fprintf(f, "prog %llx %u", (unsigned long long)p->seed, p->n);
	for (i = 0; i < p->n; i++)
		fprintf(f, " %llx", (unsigned long long)p->op[i]);
	fputc('\n', f);
}

/* 0 and @p from a "prog ..." line; -1 if it is not one. */
int prog_parse(const char *line, struct prog *p)
{
	char *end;
	uint32_t i;

	if (strncmp(line, "prog ", 5))
		return -1;
	p->seed = strtoull(line + 5, &end, 16);
	p->n = (uint32_t)strtoul(end, &end, 10);
	if (p->n < 1 || p->n > PROG_OPS)
		return -1;
	for (i = 0; i < p->n; i++) {
		const char *s = end;

		p->op[i] = strtoull(s, &end, 16);
		if (end == s)
			return -1;
	}
	return 0;
}

/* Whether the kernel log has a splat since the last look (tools/vm/run). */
bool kmsg_splat(int fd)
{
	static const char *const pat[] = {
		"BUG:", "WARNING:", "Oops", "general protection fault",
		"kernel BUG at", "KASAN:", "UBSAN:", "KFENCE:",
		"possible circular locking", "inconsistent lock state",
		"list_add corruption", "list_del corruption", "refcount_t:",
	};
	char rec[4096];
	bool hit = false;
	ssize_t n;
	size_t i;

	while (fd >= 0 && ((n = read(fd, rec, sizeof(rec) - 1)) > 0 ||
			   (n < 0 && errno == EPIPE))) {
		if (n < 0)
			continue;
		rec[n] = 0;
		for (i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
			hit = hit || strstr(rec, pat[i]);
	}
	return hit;
}
