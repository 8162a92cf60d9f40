// SPDX-License-Identifier: GPL-2.0
/*
 * ipcqctl: inspect and manage named ipcq objects from the shell, as
 * ipcs(1)/ipcrm(1) do for SysV IPC. Built on libipcdev only.
 *
 *   ipcqctl [--json] ls
 *   ipcqctl [--json] stat [--type TYPE] [--dump BYTES] NAME
 *   ipcqctl create TYPE NAME [options]
 *   ipcqctl rm [--type TYPE] NAME
 *   ipcqctl [--json] watch [--interval MS] [--count N] [--type TYPE] NAME
 *   ipcqctl put [--prio N] [--timeout MS] NAME [MESSAGE]
 *   ipcqctl get [--peek] [--timeout MS] NAME
 *
 * Exit status: 0 success, 1 the operation failed, 2 bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcdev.h"

static int json;
static const char *prog = "ipcqctl";

static const struct {
	const char *name;
	uint32_t type;
} types[] = {
	{ "queue", IPCQ_TYPE_QUEUE },
	{ "semaphore", IPCQ_TYPE_SEM },
	{ "sem", IPCQ_TYPE_SEM },
	{ "lock", IPCQ_TYPE_LOCK },
	{ "rlock", IPCQ_TYPE_LOCK },
	{ "event", IPCQ_TYPE_EVENT },
	{ "condition", IPCQ_TYPE_COND },
	{ "barrier", IPCQ_TYPE_BARRIER },
	{ "shm", IPCQ_TYPE_SHM },
	{ "listener", IPCQ_TYPE_LISTENER },
};

static const char *type_name(uint32_t type)
{
	static const char *const names[] = {
		"?", "queue", "semaphore", "lock", "event", "condition",
		"barrier", "shm", "listener",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s [--json] ls | stat [--type T] [--dump N] NAME |"
		" create TYPE NAME [opts] | rm [--type T] NAME |\n"
		"       watch [--interval MS] [--count N] NAME | "
		"put [--prio N] [--msg-type N] [--timeout MS] NAME [MSG] |\n"
		"       get [--peek] [--msg-type N [--match eq|le|ne]] "
		"[--truncate N] [--timeout MS] NAME |\n"
		"       set [--type T] [--mode M] [--owner UID] [--group GID] "
		"[--maxsize N] [--max-msg-size N] [--max-bytes N] NAME\n"
		"       (see ipcqctl(8))\n",
		prog);
	return 2;
}

static int fail(const char *what, const char *name, int err)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, name ? name : "",
		strerror(err < 0 ? -err : err));
	return 1;
}

/* A non-negative integer argument, or -1 with a message. */
static int64_t number(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > INT64_MAX)
		goto bad;
	return (int64_t)v;
bad:
	fprintf(stderr, "%s: --%s: not a valid number: '%s'\n", prog, opt,
		s ? s : "");
	return -1;
}

static int parse_type(const char *s, uint32_t *type, int *recursive)
{
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(s, types[i].name)) {
			*type = types[i].type;
			if (recursive)
				*recursive = !strcmp(s, "rlock");
			return 0;
		}
	fprintf(stderr, "%s: unknown type '%s' (queue, semaphore, lock, "
		"rlock, event, barrier, shm)\n", prog, s);
	return -1;
}

static void json_string(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			putchar('\\');
		putchar(s[i]);
	}
	putchar('"');
}

struct state_bit {
	uint32_t bit;
	const char *name;
};

static void print_state(const struct ipcq_object_info *o, char *buf,
			size_t size)
{
	static const struct state_bit qbits[] = {
		{ IPCQ_STATE_SHUTDOWN, "shutdown" },
		{ IPCQ_STATE_RING, "ring" },
		{ 0, NULL },
	}, sbits[] = {
		{ IPCQ_SYNC_LOCKED, "locked" },
		{ IPCQ_SYNC_OWNER_DEAD, "owner-dead" },
		{ IPCQ_SYNC_INCONSISTENT, "inconsistent" },
		{ IPCQ_SYNC_NOTRECOVERABLE, "notrecoverable" },
		{ IPCQ_SYNC_SET, "set" },
		{ IPCQ_SYNC_BROKEN, "broken" },
		{ IPCQ_SYNC_DESTROYED, "destroyed" },
		{ 0, NULL },
	}, mbits[] = {
		{ IPCQ_SHM_STATE_LOCKED, "locked" },
		{ IPCQ_SHM_STATE_INCONSISTENT, "inconsistent" },
		{ 0, NULL },
	}, lbits[] = {
		{ IPCQ_LISTENER_CLOSED, "closed" },
		{ 0, NULL },
	};
	const struct state_bit *b = o->type == IPCQ_TYPE_QUEUE ? qbits :
				    o->type == IPCQ_TYPE_SHM ? mbits :
				    o->type == IPCQ_TYPE_LISTENER ? lbits : sbits;
	size_t used = 0;

	buf[0] = 0;
	for (; b->name; b++)
		if (o->state & b->bit)
			used += (size_t)snprintf(buf + used, size - used, "%s%s",
						 used ? "," : "", b->name);
	if (!used)
		snprintf(buf, size, "-");
}

/* One object; in JSON, left open (no closing brace) with @open. */
static void print_one(const struct ipcq_object_info *o, int first, int open)
{
	char state[128];

	print_state(o, state, sizeof(state));
	if (json) {
		printf("%s{\"name\":", first ? "" : ",");
		json_string(o->name, o->name_len);
		printf(",\"type\":\"%s\",\"id\":%" PRIu64 ",\"uid\":%u,\"gid\":%u,"
		       "\"mode\":\"%04o\",\"value\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"capacity\":%" PRIu64 ",\"waiters\":%u,\"producers\":%u,"
		       "\"consumers\":%u,\"state\":\"%s\"%s",
		       type_name(o->type), (uint64_t)o->id, o->uid, o->gid,
		       o->mode, (uint64_t)o->value, (uint64_t)o->bytes,
		       (uint64_t)o->capacity, o->waiters, o->producers,
		       o->consumers, state, open ? "" : "}");
		return;
	}
	printf("%-10s %-24.*s %6u %6u %04o %10" PRIu64 " %10" PRIu64 " %8" PRIu64
	       " %7u %5u/%-5u %s\n", type_name(o->type), (int)o->name_len,
	       o->name, o->uid, o->gid, o->mode, (uint64_t)o->value,
	       (uint64_t)o->bytes, (uint64_t)o->capacity, o->waiters,
	       o->producers, o->consumers, state);
}

static void print_header(void)
{
	if (!json)
		printf("%-10s %-24s %6s %6s %4s %10s %10s %8s %7s %11s %s\n",
		       "TYPE", "NAME", "UID", "GID", "MODE", "VALUE", "BYTES",
		       "CAPACITY", "WAITERS", "PROD/CONS", "STATE");
}

static int cmd_ls(void)
{
	struct ipcq_object_info *infos;
	size_t n, i;
	int ret = ipcdev_list(&infos, &n);

	if (ret)
		return fail("ls", "", ret);
	if (json)
		putchar('[');
	else
		print_header();
	for (i = 0; i < n; i++)
		print_one(&infos[i], i == 0, 0);
	if (json)
		printf("]\n");
	free(infos);
	return 0;
}

/*
 * The named object, optionally of one type, for command @what: 0, or the
 * exit status 1 after saying why (missing, or several types share it).
 */
static int find(const char *what, const char *name, uint32_t type,
		struct ipcq_object_info *out)
{
	struct ipcq_object_info *infos;
	size_t n, i, found = 0;
	int ret = ipcdev_list(&infos, &n);

	if (ret)
		return fail(what, name, ret);
	for (i = 0; i < n; i++)
		if (infos[i].name_len == strlen(name) &&
		    !memcmp(infos[i].name, name, infos[i].name_len) &&
		    (!type || infos[i].type == type)) {
			*out = infos[i];
			found++;
		}
	free(infos);
	if (found > 1) {
		fprintf(stderr, "%s: '%s' names objects of several types: "
			"use --type\n", prog, name);
		return 1;
	}
	return found ? 0 : fail(what, name, -ENOENT);
}

/*
 * The first @n bytes of the region @name as hexdump -C shows them (as
 * "dump":"HEX" in JSON, after the stat); the region is mapped read-only.
 */
static int dump_region(const char *name, uint64_t n)
{
	const unsigned char *p;
	ipcdev_shm *m;
	uint64_t i, j;
	void *addr;
	int ret;

	ret = ipcdev_shm_open(&m, name, IPCDEV_SHM_RDONLY, 0, 0);
	if (ret)
		return fail("stat --dump", name, ret);
	ipcdev_shm_map(m, &addr);
	p = addr;
	if (n > (uint64_t)ipcdev_shm_size(m))
		n = (uint64_t)ipcdev_shm_size(m);
	if (json)
		printf(",\"dump\":\"");
	for (i = 0; i < n; i += 16) {
		if (json) {
			for (j = i; j < i + 16 && j < n; j++)
				printf("%02x", p[j]);
			continue;
		}
		printf("%08" PRIx64, i);
		for (j = i; j < i + 16; j++)
			printf(j < n ? "%s%02x" : "%s  ", j % 8 ? " " : "  ",
			       p[j < n ? j : 0]);
		printf("  |");
		for (j = i; j < i + 16 && j < n; j++)
			putchar(p[j] >= 0x20 && p[j] < 0x7f ? p[j] : '.');
		printf("|\n");
	}
	if (json)
		putchar('"');
	ipcdev_shm_close(m);
	return 0;
}

static int cmd_stat(const char *name, uint32_t type, int header,
		    int64_t dump)
{
	struct ipcq_object_info o;
	int ret = find("stat", name, type, &o);

	if (ret)
		return ret;
	if (dump >= 0 && o.type != IPCQ_TYPE_SHM)
		return usage("--dump is for shared memory regions");
	if (header)
		print_header();
	print_one(&o, 1, dump >= 0);
	if (dump >= 0) {
		ret = dump_region(name, (uint64_t)dump);
		if (json)
			putchar('}');
	}
	if (json)
		putchar('\n');
	return ret;
}

static int cmd_watch(const char *name, uint32_t type, int64_t interval_ms,
		     int64_t count)
{
	struct timespec ts = { interval_ms / 1000,
			       (long)(interval_ms % 1000) * 1000000L };
	int64_t i;
	int ret;

	for (i = 0; !count || i < count; i++) {
		ret = cmd_stat(name, type, i == 0, -1);
		fflush(stdout);
		if (ret)
			return ret;
		if (!count || i + 1 < count)
			nanosleep(&ts, NULL);
	}
	return 0;
}

struct create_opts {
	uint32_t mode;
	uint64_t maxsize, max_msg_size, slot_size, value, parties, size;
	int bounded, undo, ring, lock, rlock;
};

static int cmd_create(const char *tname, const char *name,
		      const struct create_opts *o)
{
	const unsigned int flags = IPCDEV_CREATE | IPCDEV_EXCL;
	struct ipcdev_queue_attr attr = {
		.maxsize = o->maxsize, .max_msg_size = o->max_msg_size,
		.slot_size = o->slot_size,
	};
	ipcdev_barrier *b;
	ipcdev_event *e;
	ipcdev_queue *q;
	ipcdev_lock *l;
	ipcdev_sem *s;
	ipcdev_shm *m;
	uint32_t type;
	int recursive, ret;

	if (parse_type(tname, &type, &recursive))
		return 2;
	if ((o->bounded || o->undo) && type != IPCQ_TYPE_SEM)
		return usage("--bounded and --undo are for semaphores");
	if ((o->maxsize || o->max_msg_size || o->ring) &&
	    type != IPCQ_TYPE_QUEUE)
		return usage("--maxsize, --max-msg-size and --ring are for queues");
	if (o->slot_size && !o->ring)
		return usage("--slot-size needs --ring");
	if ((o->size || o->lock || o->rlock) && type != IPCQ_TYPE_SHM)
		return usage("--size, --lock and --rlock are for shm");
	switch (type) {
	case IPCQ_TYPE_QUEUE:
		/* Not an endpoint: creating must not count as a producer or
		 * consumer that came and went (that would mean EOF/EPIPE).
		 */
		ret = ipcdev_queue_open(&q, name, flags | IPCDEV_OBSERVER |
					(o->ring ? IPCDEV_RING : 0),
					o->mode, &attr);
		if (!ret)
			ipcdev_queue_close(q);
		break;
	case IPCQ_TYPE_SEM:
		ret = ipcdev_sem_open(&s, name, flags |
				      (o->bounded ? IPCDEV_SEM_BOUNDED : 0) |
				      (o->undo ? IPCDEV_SEM_UNDO : 0), o->mode,
				      o->value);
		if (!ret)
			ipcdev_sem_close(s);
		break;
	case IPCQ_TYPE_LOCK:
		ret = recursive ? ipcdev_rlock_open(&l, name, flags, o->mode) :
				  ipcdev_lock_open(&l, name, flags, o->mode);
		if (!ret)
			ipcdev_lock_close(l);
		break;
	case IPCQ_TYPE_EVENT:
		ret = ipcdev_event_open(&e, name, flags, o->mode);
		if (!ret && o->value)
			ret = ipcdev_event_set(e);
		if (!ret)
			ipcdev_event_close(e);
		break;
	case IPCQ_TYPE_BARRIER:
		if (!o->parties)
			return usage("a barrier needs --parties N (N >= 1)");
		ret = ipcdev_barrier_open(&b, name, flags, o->mode,
					  (unsigned int)o->parties);
		if (!ret)
			ipcdev_barrier_close(b);
		break;
	case IPCQ_TYPE_SHM:
		if (!o->size)
			return usage("a shm region needs --size BYTES (>= 1)");
		if (o->lock && o->rlock)
			return usage("--lock or --rlock, not both");
		ret = ipcdev_shm_open(&m, name, flags |
				      (o->lock ? IPCDEV_SHM_LOCK : 0) |
				      (o->rlock ? IPCDEV_SHM_RLOCK : 0),
				      o->mode, o->size);
		if (!ret)
			ipcdev_shm_close(m);
		break;
	case IPCQ_TYPE_LISTENER:
		fprintf(stderr, "%s: a listener lives while a program holds it "
			"open: create it from the program that accepts "
			"(ipcdev_listener_create)\n", prog);
		return 2;
	default:
		fprintf(stderr, "%s: a condition is bound to a lock when it is "
			"created: create it from a program (ipcdev_cond_open)\n",
			prog);
		return 2;
	}
	return ret ? fail("create", name, ret) : 0;
}

static int cmd_rm(const char *name, uint32_t type)
{
	struct ipcq_object_info o;
	int ret = find("rm", name, type, &o);

	if (ret)
		return ret;
	switch (o.type) {
	case IPCQ_TYPE_QUEUE:
		ret = ipcdev_queue_unlink(name);
		break;
	case IPCQ_TYPE_SEM:
		ret = ipcdev_sem_unlink(name);
		break;
	case IPCQ_TYPE_LOCK:
		ret = ipcdev_lock_unlink(name);
		break;
	case IPCQ_TYPE_EVENT:
		ret = ipcdev_event_unlink(name);
		break;
	case IPCQ_TYPE_COND:
		ret = ipcdev_cond_unlink(name);
		break;
	case IPCQ_TYPE_SHM:
		ret = ipcdev_shm_unlink(name);
		break;
	case IPCQ_TYPE_LISTENER:
		ret = ipcdev_listener_unlink(name);
		break;
	default:
		ret = ipcdev_barrier_unlink(name);
	}
	return ret ? fail("rm", name, ret) : 0;
}

static int64_t timeout_ns(int64_t ms)
{
	return ms < 0 ? IPCDEV_FOREVER : ms * 1000000;
}

/* What put and get do with types (SysV msgsnd/msgrcv), and set. */
struct sysv_opts {
	int64_t msg_type;		/* -1: none given */
	unsigned int match;		/* IPCDEV_TYPE_* */
	int64_t truncate;		/* -1: none; else the buffer size */
	struct ipcdev_set_attr set;
	int capacity_given;		/* --maxsize given (0 is a value) */
};

static int cmd_put(const char *name, const char *msg, int64_t prio,
		   int64_t timeout_ms, const struct sysv_opts *so)
{
	static char buf[IPCQ_NAME_MAX + 65536];
	ipcdev_queue *q;
	size_t len;
	int ret;

	if (prio > IPCQ_PRIO_MAX)
		return usage("--prio: at most %d", IPCQ_PRIO_MAX);
	if (msg) {
		len = strlen(msg);
	} else {
		len = fread(buf, 1, sizeof(buf), stdin);
		if (!feof(stdin))
			return fail("put", "(stdin): message longer than 64 KiB",
				    EMSGSIZE);
		msg = buf;
	}
	ret = ipcdev_queue_open(&q, name, IPCDEV_PRODUCER, 0, NULL);
	if (ret)
		return fail("put", name, ret);
	if (so->msg_type >= 0)
		ret = ipcdev_queue_put_typed(q, msg, len,
					     (uint64_t)so->msg_type,
					     (unsigned int)prio,
					     timeout_ns(timeout_ms));
	else
		ret = ipcdev_queue_put_prio(q, msg, len, (unsigned int)prio,
					    timeout_ns(timeout_ms));
	ipcdev_queue_close(q);
	return ret ? fail("put", name, ret) : 0;
}

/*
 * Get (or peek at) the next message @so selects, of @len bytes at most
 * into @buf; plain gets as ever, typed ones through the typed call.
 */
static int get_one(ipcdev_queue *q, void *buf, size_t *len, int peek,
		   int64_t timeout_ns, const struct sysv_opts *so)
{
	unsigned int prio;

	if (so->msg_type < 0 && so->truncate < 0)
		return peek ? ipcdev_queue_peek(q, buf, len, &prio,
						timeout_ns) :
			      ipcdev_queue_get_prio(q, buf, len, &prio,
						    timeout_ns);
	/* --msg-type alone: that type (--match eq). */
	return ipcdev_queue_get_typed(q, buf, len, NULL,
				      so->msg_type < 0 ? 0 :
				      (uint64_t)so->msg_type,
				      (so->msg_type >= 0 && !so->match ?
				       IPCDEV_TYPE_EQ : so->match) |
				      (peek ? IPCDEV_PEEK : 0) |
				      (so->truncate >= 0 ? IPCDEV_TRUNCATE : 0),
				      timeout_ns);
}

static int cmd_get(const char *name, int peek, int64_t timeout_ms,
		   const struct sysv_opts *so)
{
	ipcdev_queue *q;
	size_t len = 0;
	char *buf = NULL;
	int ret;

	if (so->match && so->msg_type < 0)
		return usage("--match needs --msg-type");
	ret = ipcdev_queue_open(&q, name, IPCDEV_CONSUMER, 0, NULL);
	if (ret)
		return fail("get", name, ret);
	if (so->truncate >= 0) {
		/* A buffer of that size: a longer message is cut. */
		buf = malloc(so->truncate ? (size_t)so->truncate : 1);
		len = (size_t)so->truncate;
		ret = buf ? get_one(q, buf, &len, peek,
				    timeout_ns(timeout_ms), so) : -ENOMEM;
		if (len > (size_t)so->truncate)
			len = (size_t)so->truncate;
		goto out;
	}
	/* Peek at the size first, then take it into a buffer that fits. */
	for (;;) {
		ret = get_one(q, buf, &len, 1, timeout_ns(timeout_ms), so);
		if (ret != -EMSGSIZE)
			break;
		free(buf);
		buf = malloc(len ? len : 1);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
	}
	if (ret == 0 && !peek)
		ret = get_one(q, buf, &len, 0, IPCDEV_NOWAIT, so);
out:
	ipcdev_queue_close(q);
	if (ret == IPCDEV_EOF) {
		fprintf(stderr, "%s: get %s: end of file (no producer left)\n",
			prog, name);
		free(buf);
		return 1;
	}
	if (ret) {
		free(buf);
		return fail("get", name, ret);
	}
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

static int cmd_set(const char *name, uint32_t type,
		   const struct sysv_opts *so)
{
	struct ipcdev_set_attr attr = so->set;
	struct ipcq_queue_stat st;
	ipcdev_queue *q;
	int ret;

	if (!attr.flags)
		return usage("set: nothing to change (--mode, --owner, "
			     "--group, --maxsize/--max-msg-size/--max-bytes)");
	if (attr.flags & IPCDEV_SET_LIMITS) {
		/* The limits not given stay as they are. */
		ret = ipcdev_queue_open(&q, name, IPCDEV_OBSERVER, 0, NULL);
		if (ret)
			return fail("set", name, ret);
		ret = ipcdev_queue_stat(q, &st);
		ipcdev_queue_close(q);
		if (ret)
			return fail("set", name, ret);
		if (!so->capacity_given)
			attr.capacity = st.capacity;
		if (!attr.max_msg_size)
			attr.max_msg_size = st.max_msg_size;
		if (!attr.max_bytes)
			attr.max_bytes = st.max_bytes;
	}
	ret = ipcdev_set(name, type ? type : IPCQ_TYPE_QUEUE, &attr);
	return ret ? fail("set", name, ret) : 0;
}

static int parse_match(const char *s, unsigned int *match)
{
	if (!strcmp(s, "eq"))
		*match = IPCDEV_TYPE_EQ;
	else if (!strcmp(s, "le"))
		*match = IPCDEV_TYPE_LE;
	else if (!strcmp(s, "ne"))
		*match = IPCDEV_TYPE_NE;
	else
		return usage("--match: eq, le or ne");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "type", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "maxsize", required_argument, NULL, 's' },
		{ "max-msg-size", required_argument, NULL, 'M' },
		{ "ring", no_argument, NULL, 'r' },
		{ "slot-size", required_argument, NULL, 'S' },
		{ "value", required_argument, NULL, 'v' },
		{ "parties", required_argument, NULL, 'p' },
		{ "bounded", no_argument, NULL, 'b' },
		{ "undo", no_argument, NULL, 'u' },
		{ "prio", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "peek", no_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 'z' },
		{ "lock", no_argument, NULL, 'l' },
		{ "rlock", no_argument, NULL, 'L' },
		{ "dump", required_argument, NULL, 'd' },
		{ "msg-type", required_argument, NULL, 'y' },
		{ "match", required_argument, NULL, 'Y' },
		{ "truncate", required_argument, NULL, 'C' },
		{ "owner", required_argument, NULL, 'o' },
		{ "group", required_argument, NULL, 'g' },
		{ "max-bytes", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct create_opts co = { .mode = 0600 };
	struct sysv_opts so = { .msg_type = -1, .truncate = -1 };
	int64_t prio = 0, timeout_ms = -1, interval = 1000, count = 0, v;
	int64_t dump = -1;
	int opt, idx, peek = 0, nargs;
	uint32_t type = 0;
	const char *cmd;
	char **args;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			continue;
		case 'b':
			co.bounded = 1;
			continue;
		case 'u':
			co.undo = 1;
			continue;
		case 'r':
			co.ring = 1;
			continue;
		case 'k':
			peek = 1;
			continue;
		case 'l':
			co.lock = 1;
			continue;
		case 'L':
			co.rlock = 1;
			continue;
		case 't':
			if (parse_type(optarg, &type, NULL))
				return 2;
			continue;
		case 'Y':
			if (parse_match(optarg, &so.match))
				return 2;
			continue;
		case 'h':
			usage("help");
			return 0;
		case '?':
			return usage("unknown option or missing value: '%s'",
				     argv[optind - 1]);
		}
		v = number(opts[idx].name, optarg);
		if (v < 0)
			return 2;
		switch (opt) {
		case 'm':
			if (v > 0777)
				return usage("--mode: permission bits, at most 0777");
			co.mode = (uint32_t)v;
			so.set.flags |= IPCDEV_SET_MODE;
			so.set.mode = (mode_t)v;
			break;
		case 's':
			co.maxsize = (uint64_t)v;
			so.set.flags |= IPCDEV_SET_LIMITS;
			so.set.capacity = (uint64_t)v;
			so.capacity_given = 1;
			break;
		case 'M':
			co.max_msg_size = (uint64_t)v;
			so.set.flags |= IPCDEV_SET_LIMITS;
			so.set.max_msg_size = (uint64_t)v;
			break;
		case 'B':
			so.set.flags |= IPCDEV_SET_LIMITS;
			so.set.max_bytes = (uint64_t)v;
			break;
		case 'o':
			so.set.flags |= IPCDEV_SET_UID;
			so.set.uid = (uid_t)v;
			break;
		case 'g':
			so.set.flags |= IPCDEV_SET_GID;
			so.set.gid = (gid_t)v;
			break;
		case 'y':
			so.msg_type = v;
			break;
		case 'C':
			so.truncate = v;
			break;
		case 'S':
			co.slot_size = (uint64_t)v;
			break;
		case 'v':
			co.value = (uint64_t)v;
			break;
		case 'p':
			co.parties = (uint64_t)v;
			break;
		case 'P':
			prio = v;
			break;
		case 'T':
			timeout_ms = v;
			break;
		case 'i':
			interval = v;
			break;
		case 'c':
			count = v;
			break;
		case 'z':
			co.size = (uint64_t)v;
			break;
		case 'd':
			dump = v;
			break;
		}
	}
	if (optind >= argc)
		return usage("no command given");
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;

	if (!strcmp(cmd, "ls"))
		return nargs ? usage("ls takes no argument") : cmd_ls();
	if (!strcmp(cmd, "stat"))
		return nargs != 1 ? usage("stat NAME") :
		       cmd_stat(args[0], type, 1, dump);
	if (!strcmp(cmd, "watch"))
		return nargs != 1 ? usage("watch NAME") :
		       cmd_watch(args[0], type, interval, count);
	if (!strcmp(cmd, "create"))
		return nargs != 2 ? usage("create TYPE NAME") :
		       cmd_create(args[0], args[1], &co);
	if (!strcmp(cmd, "rm"))
		return nargs != 1 ? usage("rm NAME") : cmd_rm(args[0], type);
	if (!strcmp(cmd, "put"))
		return nargs < 1 || nargs > 2 ? usage("put NAME [MESSAGE]") :
		       cmd_put(args[0], nargs == 2 ? args[1] : NULL, prio,
			       timeout_ms, &so);
	if (!strcmp(cmd, "get"))
		return nargs != 1 ? usage("get NAME") :
		       cmd_get(args[0], peek, timeout_ms, &so);
	if (!strcmp(cmd, "set"))
		return nargs != 1 ? usage("set NAME") :
		       cmd_set(args[0], type, &so);
	return usage("unknown command '%s'", cmd);
}
