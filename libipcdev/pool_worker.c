// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The worker side of a Pool (pool.c owns the pool and its dispatcher):
 * the loop that runs batches of tasks and sends a result per task, for a
 * worker that is a fork of the creator and for one that is a program
 * started by exec (attr.program).
 *
 * A forked worker calls a task's function by its address, valid in a
 * fork. An exec'd program has other addresses: there the pool and the
 * program share a table of task functions, attr.functions in the creator
 * and the table the program hands to ipcdev_pool_worker(), the same
 * functions in the same order, and a task travels as its index in it.
 * The exec'd program learns its pipe end and limits from the environment
 * variable IPCDEV_POOL_WORKER, set by the pool between fork and exec
 * ("pipe:FD,MAX_RESULT,MAXTASKS"; the end passed with ipcdev_export()).
 *
 * No locks: a worker is a process of its own with one thread here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

#define POOL_ENV	"IPCDEV_POOL_WORKER"

void ipcdev__pool_serve(const struct ipcdev__pool_serve *s)
{
	size_t room = s->max_msg - sizeof(struct ipcdev__pool_reply);
	struct ipcdev__pool_reply *reply;
	struct ipcdev__pool_batch b;
	struct ipcdev__pool_task t;
	size_t len, off, olen;
	uint64_t tasks = 0;
	unsigned int i;
	char *buf;
	int status;

	if (room > s->max_result)
		room = s->max_result;
	buf = malloc(s->max_msg);
	reply = malloc(sizeof(*reply) + room);
	if (!buf || !reply)
		_exit(3);
	for (;;) {
		len = s->max_msg;
		if (ipcdev_pipe_recv(s->conn, buf, &len, IPCDEV_FOREVER) ||
		    len < sizeof(b))
			_exit(0);
		memcpy(&b, buf, sizeof(b));
		if (!b.n)
			_exit(0);
		off = sizeof(b);
		for (i = 0; i < b.n; i++) {
			ipcdev_pool_fn fn;

			memcpy(&t, buf + off, sizeof(t));
			off += sizeof(t);
			if (!s->table)
				fn = (ipcdev_pool_fn)(uintptr_t)t.fn;
			else
				fn = t.fn < s->ntable ? s->table[t.fn] : NULL;
			olen = room;
			status = fn ? fn(buf + off, t.len, reply + 1, &olen,
					 s->ctx) : -ENOSYS;
			off += t.len;
			if (status >= 0 && olen > room)
				status = -EMSGSIZE;
			reply->id = t.id;
			reply->status = status;
			reply->len = status >= 0 ? (uint32_t)olen : 0;
			if (ipcdev_pipe_send(s->conn, reply,
					     sizeof(*reply) + reply->len,
					     IPCDEV_FOREVER))
				_exit(0);
			if (s->maxtasks && ++tasks >= s->maxtasks)
				_exit(0);
		}
	}
}

int ipcdev__pool_exec(const struct ipcdev_pool_attr *attr, ipcdev_pipe *end,
		      uint64_t max_result)
{
	char exported[IPCDEV_EXPORT_MAX], env[IPCDEV_EXPORT_MAX + 64];
	char *const argv_default[] = { (char *)attr->program, NULL };
	int ret;

	ret = ipcdev_export(ipcdev_pipe_fd(end), exported, sizeof(exported));
	if (ret < 0)
		return ret;
	snprintf(env, sizeof(env), "%s,%" PRIu64 ",%" PRIu64, exported,
		 max_result, attr->maxtasksperchild);
	if (setenv(POOL_ENV, env, 1))
		return -errno;
	execv(attr->program, attr->argv ? attr->argv : argv_default);
	return -errno;
}

int ipcdev_pool_worker(const ipcdev_pool_fn *functions, unsigned int n,
		       int (*initializer)(void *ctx), void *ctx)
{
	struct ipcdev__pool_serve s = {
		.table = functions, .ntable = n, .ctx = ctx,
	};
	const char *env = getenv(POOL_ENV);
	char kind[IPCDEV_EXPORT_MAX];
	unsigned long long max_result, maxtasks;
	struct ipcdev_info info;
	int fd, used = 0, ret;

	if (!functions || !n || !env)
		return -EINVAL;
	/* "pipe:FD,MAX_RESULT,MAXTASKS": the export string, then limits. */
	if (strlen(env) >= sizeof(kind) ||
	    sscanf(env, "%[^,],%llu,%llu%n", kind, &max_result, &maxtasks,
		   &used) != 3 || env[used])
		return -EINVAL;
	ret = ipcdev__info(&info);
	if (ret)
		return ret;
	fd = ipcdev_import(kind, "pipe");
	if (fd < 0)
		return fd;
	ret = ipcdev_pipe_from_fd(&s.conn, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	/* Nothing of the pool reaches what this program may start. */
	unsetenv(POOL_ENV);
	s.max_msg = info.max_msg_size;
	s.max_result = max_result;
	s.maxtasks = maxtasks;
	if (s.max_msg <= sizeof(struct ipcdev__pool_reply))
		_exit(3);
	if (initializer && initializer(ctx) < 0)
		_exit(2);
	ipcdev__pool_serve(&s);
}
