// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pool: Python's multiprocessing.Pool on ipcq pipes. This file owns the
 * pool, its dispatcher thread and the workers; pool_result.c the results
 * (which are also the tasks), iterators and map.
 *
 * Each worker is forked by the dispatcher, a thread of the creating
 * process (and with attr.program execs that program: pool_worker.c owns
 * the worker's side), and holds one end of a duplex ipcq pipe whose
 * other end only the dispatcher holds. The dispatcher sends a worker a message of one or
 * more tasks (a batch), at most two batches ahead, and the worker sends a
 * result message per task. A worker takes its next batch only once it has
 * sent every result of the one before, so when its end of the pipe is
 * gone (the worker exited, crashed or was killed: the kernel releases the
 * end with the process) the dispatcher, which polls its ends, reads the
 * results sent and then end-of-file, and knows from PIPE_STAT's
 * out_messages how many batches the worker never received: of the tasks
 * it had taken and not completed, the first is the one it was running
 * (-ECHILD, or run again within attr.retries), the others had not started
 * and go back to the front of the queue, as do the batches it never took.
 * No waitpid loop: waitpid() reaps a worker whose end is gone.
 *
 * Workers set PR_SET_PDEATHSIG (SIGKILL), which fires when the thread
 * that forked them, the dispatcher, ends, and check getppid() after it
 * for the race with a creator that died first; the dispatcher ends only
 * after every worker is reaped. A worker also leaves at end-of-file on
 * its pipe and when sent an empty batch (close) or its
 * maxtasksperchild-th task is done (the dispatcher never gives it more).
 *
 * Locks: the pool's mutex guards everything in struct ipcdev_pool and the
 * dispatcher's fields of the results it holds; it is taken before a
 * result's or an iterator's (pool_result.c). The dispatcher sleeps in
 * poll() without it; callers wake it through an eventfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

/* Batches a worker is given ahead of its results. */
#define POOL_DEPTH	2

enum pool_state { POOL_RUN, POOL_CLOSE, POOL_TERMINATE };

struct pool_worker {
	pid_t pid;			/* 0: no worker in this slot */
	ipcdev_pipe *conn;		/* the dispatcher's end */
	struct ipcdev_pool_result *head, *tail;	/* given, not completed */
	uint64_t batches;		/* batches given in its life */
	uint64_t given;			/* tasks given in its life */
	bool leaving;			/* sent the empty batch */
};

struct ipcdev_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* @started or @finished set */
	pthread_t thread;
	pid_t creator;
	int wakefd;
	enum pool_state state;
	bool started, finished, joined;
	int start_error;
	struct ipcdev_pool_attr attr;
	size_t max_msg;			/* largest pipe message */
	size_t max_result;
	unsigned int nworkers;
	struct pool_worker *w;
	struct ipcdev_pool_result *qhead, *qtail;	/* queued tasks */
	uint64_t next_id;
	struct ipcdev_pool_stat st;
	sigset_t mask;			/* the creator's, for workers */
	void *sbuf, *rbuf;		/* the dispatcher's, max_msg bytes */
};

/*
 * How task function @fn travels: its address to a forked worker, its
 * index in attr.functions to an exec'd one (~0 if it is not there).
 */
static uint64_t fn_code(ipcdev_pool *p, ipcdev_pool_fn fn)
{
	unsigned int i;

	if (!p->attr.program)
		return (uint64_t)(uintptr_t)fn;
	for (i = 0; i < p->attr.nfunctions; i++)
		if (p->attr.functions[i] == fn)
			return i;
	return ~(uint64_t)0;
}

int ipcdev__pool_usable(ipcdev_pool *p, ipcdev_pool_fn fn, size_t in_len)
{
	if (p->creator != getpid())
		return -EDEADLK;
	if (fn && fn_code(p, fn) == ~(uint64_t)0)
		return -EINVAL;
	if (in_len > p->max_msg - sizeof(struct ipcdev__pool_batch) -
		     sizeof(struct ipcdev__pool_task))
		return -EMSGSIZE;
	return 0;
}

size_t ipcdev__pool_chunksize(ipcdev_pool *p, size_t n)
{
	size_t c = n / ((size_t)p->nworkers * 4);

	return c * (size_t)p->nworkers * 4 < n ? c + 1 : (c ? c : 1);
}

static void wake(ipcdev_pool *p)
{
	uint64_t one = 1;

	if (write(p->wakefd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: a wake-up is pending */
}

int ipcdev__pool_submit(ipcdev_pool *p, struct ipcdev_pool_result **r,
			size_t n)
{
	size_t i;

	pthread_mutex_lock(&p->mu);
	if (p->state != POOL_RUN) {
		pthread_mutex_unlock(&p->mu);
		return -ESHUTDOWN;
	}
	for (i = 0; i < n; i++) {
		r[i]->id = ++p->next_id;
		r[i]->next = NULL;
		if (p->qtail)
			p->qtail->next = r[i];
		else
			p->qhead = r[i];
		p->qtail = r[i];
	}
	p->st.queued += n;
	pthread_mutex_unlock(&p->mu);
	wake(p);
	return 0;
}

/* Completes @r and counts it; under the pool's lock. */
static void complete(ipcdev_pool *p, struct ipcdev_pool_result *r,
		     int status, const void *out, size_t len)
{
	if (status >= 0)
		p->st.done++;
	else
		p->st.failed++;
	ipcdev__pool_result_complete(r, status, out, len);
}

/* Fails every queued task with @err. */
static void fail_queued(ipcdev_pool *p, int err)
{
	struct ipcdev_pool_result *r;

	while ((r = p->qhead)) {
		p->qhead = r->next;
		p->st.queued--;
		complete(p, r, err, NULL, 0);
	}
	p->qtail = NULL;
}

/*
 * The worker, in the child of a fork: as the creator for signals, gone
 * with the dispatcher thread (PR_SET_PDEATHSIG, and getppid() for a
 * dispatcher gone already), then the program attr.program names or the
 * batches themselves; never returns.
 */
static void __attribute__((noreturn))
worker_main(ipcdev_pool *p, ipcdev_pipe *conn)
{
	struct ipcdev__pool_serve s = {
		.conn = conn, .max_msg = p->max_msg,
		.max_result = p->max_result,
		.maxtasks = p->attr.maxtasksperchild, .ctx = p->attr.ctx,
	};
	unsigned int i;

	sigprocmask(SIG_SETMASK, &p->mask, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != p->creator)
		_exit(0);
	if (p->attr.program) {
		ipcdev__pool_exec(&p->attr, conn, p->max_result);
		_exit(127);
	}
	close(p->wakefd);
	for (i = 0; i < p->nworkers; i++)
		if (p->w[i].conn)
			close(ipcdev_pipe_fd(p->w[i].conn));
	if (p->attr.initializer && p->attr.initializer(p->attr.ctx) < 0)
		_exit(2);
	ipcdev__pool_serve(&s);
}

/* A worker in slot @i; under the pool's lock, in the dispatcher. */
static int spawn(ipcdev_pool *p, unsigned int i)
{
	struct pool_worker *w = &p->w[i];
	ipcdev_pipe *mine, *theirs;
	pid_t pid;
	int ret;

	ret = ipcdev_pipe_create(&mine, &theirs, 1, NULL);
	if (ret)
		return ret;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		ipcdev_pipe_close(mine);
		ipcdev_pipe_close(theirs);
		return ret;
	}
	if (pid == 0) {
		close(ipcdev_pipe_fd(mine));
		worker_main(p, theirs);
	}
	ipcdev_pipe_close(theirs);
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->conn = mine;
	p->st.alive++;
	return 0;
}

/* Gives worker @w a batch from the queue's head, or the empty one. */
static void give(ipcdev_pool *p, struct pool_worker *w)
{
	struct ipcdev_pool_result *r = p->qhead, *last = NULL;
	struct ipcdev__pool_batch b = { 0 };
	uint64_t limit = p->attr.maxtasksperchild;
	size_t off = sizeof(b);
	struct ipcdev__pool_task t;

	while (r && b.n < p->qhead->chunk && r->it == p->qhead->it &&
	       (!limit || w->given + b.n < limit) &&
	       off + sizeof(t) + r->in_len <= p->max_msg) {
		t.id = r->id;
		t.fn = fn_code(p, r->fn);
		t.len = r->in_len;
		memcpy((char *)p->sbuf + off, &t, sizeof(t));
		memcpy((char *)p->sbuf + off + sizeof(t), r->in, r->in_len);
		off += sizeof(t) + r->in_len;
		b.n++;
		last = r;
		r = r->next;
	}
	memcpy(p->sbuf, &b, sizeof(b));
	if (ipcdev_pipe_send(w->conn, p->sbuf, off, IPCDEV_NOWAIT))
		return;	/* the worker is gone: its end-of-file follows */
	if (!b.n) {
		w->leaving = true;
		return;
	}
	w->batches++;
	w->given += b.n;
	for (r = p->qhead; r != last->next; r = r->next)
		r->batch = w->batches;
	if (w->tail)
		w->tail->next = p->qhead;
	else
		w->head = p->qhead;
	w->tail = last;
	p->qhead = last->next;
	if (!p->qhead)
		p->qtail = NULL;
	last->next = NULL;
	p->st.queued -= b.n;
	p->st.running += b.n;
}

/* Batches @w holds (given, not all completed). */
static uint64_t held(struct pool_worker *w)
{
	return w->head ? w->batches - w->head->batch + 1 : 0;
}

/*
 * Gives each worker a batch, then a second one ahead (so an idle worker
 * is served before a busy one gets more); in CLOSE, an idle worker with
 * nothing left to do gets the empty batch.
 */
static void dispatch(ipcdev_pool *p)
{
	uint64_t limit = p->attr.maxtasksperchild, depth;
	struct pool_worker *w;
	unsigned int i;

	for (depth = 1; depth <= POOL_DEPTH; depth++) {
		for (i = 0; i < p->nworkers && p->qhead; i++) {
			w = &p->w[i];
			if (w->pid && !w->leaving && held(w) < depth &&
			    (!limit || w->given < limit))
				give(p, w);
		}
	}
	for (i = 0; i < p->nworkers && p->state == POOL_CLOSE; i++) {
		w = &p->w[i];
		if (w->pid && !w->leaving && !p->qhead && !w->head)
			give(p, w);
	}
}

/* A result from @w's pipe: completes its task. */
static void take_reply(ipcdev_pool *p, struct pool_worker *w, size_t len)
{
	struct ipcdev_pool_result *r, *prev = NULL;
	struct ipcdev__pool_reply h;

	if (len < sizeof(h))
		return;
	memcpy(&h, p->rbuf, sizeof(h));
	if (h.len > len - sizeof(h))
		return;
	for (r = w->head; r && r->id != h.id; r = r->next)
		prev = r;
	if (!r)
		return;
	if (prev)
		prev->next = r->next;
	else
		w->head = r->next;
	if (w->tail == r)
		w->tail = prev;
	p->st.running--;
	complete(p, r, h.status, (char *)p->rbuf + sizeof(h), h.len);
}

/* Puts @w's list back at the queue's head, the running task first. */
static void requeue(ipcdev_pool *p, struct pool_worker *w, uint64_t taken)
{
	struct ipcdev_pool_result *r = w->head, *rest;
	uint64_t n = 0;

	if (r && r->batch <= taken) {
		/* Taken and not completed: the task it was running. */
		rest = r->next;
		p->st.died++;
		if (++r->tries <= p->attr.retries) {
			p->st.retried++;
		} else {
			p->st.running--;
			complete(p, r, -ECHILD, NULL, 0);
			w->head = rest;
			if (!rest)
				w->tail = NULL;
		}
	}
	for (r = w->head; r; r = r->next)
		n++;
	if (w->head) {
		w->tail->next = p->qhead;
		if (!p->qhead)
			p->qtail = w->tail;
		p->qhead = w->head;
	}
	p->st.running -= n;
	p->st.queued += n;
	w->head = w->tail = NULL;
}

/*
 * Starts a worker in every empty slot while there is work to come (a
 * slot empties when its worker is gone, and stays empty when starting
 * one failed: the next wake-up, a submission say, tries again). With no
 * worker at all and one failing to start, the queued tasks fail with
 * that error instead of waiting for a worker that may never come.
 */
static void repopulate(ipcdev_pool *p)
{
	unsigned int i;
	int ret, err = 0;

	if (p->state != POOL_RUN && !p->qhead)
		return;
	for (i = 0; i < p->nworkers; i++) {
		if (p->w[i].pid)
			continue;
		ret = spawn(p, i);
		if (ret)
			err = ret;
		else
			p->st.respawns++;
	}
	if (err && !p->st.alive)
		fail_queued(p, err);
}

/* @w's end reported end-of-file: it is gone; reap and replace it. */
static void bury(ipcdev_pool *p, unsigned int i)
{
	struct pool_worker *w = &p->w[i];
	struct ipcq_pipe_stat st;
	uint64_t unread = 0;

	if (!ipcdev_pipe_stat(w->conn, &st))
		unread = st.out_messages;
	if (w->leaving && unread)
		unread--;	/* the empty batch */
	requeue(p, w, w->batches - unread);
	ipcdev_pipe_close(w->conn);
	waitpid(w->pid, NULL, 0);
	memset(w, 0, sizeof(*w));
	p->st.alive--;
	repopulate(p);
}

/* Reads @w's results and end-of-file: 1 once it is gone. */
static int drain(ipcdev_pool *p, unsigned int i)
{
	size_t len;
	int ret;

	for (;;) {
		len = p->max_msg;
		ret = ipcdev_pipe_recv(p->w[i].conn, p->rbuf, &len,
				       IPCDEV_NOWAIT);
		if (ret == 0) {
			take_reply(p, &p->w[i], len);
			continue;
		}
		if (ret == -EAGAIN)
			return 0;
		bury(p, i);	/* IPCDEV_EOF, or an end that cannot read */
		return 1;
	}
}

/* terminate(): kills and reaps every worker, fails every task. */
static void kill_all(ipcdev_pool *p)
{
	struct ipcdev_pool_result *r;
	struct pool_worker *w;
	unsigned int i;

	for (i = 0; i < p->nworkers; i++)
		if (p->w[i].pid)
			kill(p->w[i].pid, SIGKILL);
	for (i = 0; i < p->nworkers; i++) {
		w = &p->w[i];
		if (!w->pid)
			continue;
		waitpid(w->pid, NULL, 0);
		while ((r = w->head)) {
			w->head = r->next;
			p->st.running--;
			complete(p, r, -ECANCELED, NULL, 0);
		}
		ipcdev_pipe_close(w->conn);
		memset(w, 0, sizeof(*w));
		p->st.alive--;
	}
	fail_queued(p, -ECANCELED);
}

static void *dispatcher(void *arg)
{
	ipcdev_pool *p = arg;
	struct pollfd *pfd;
	unsigned int i, n;
	uint64_t v;
	int ret = 0;

	pfd = calloc(p->nworkers + 1, sizeof(*pfd));
	pthread_mutex_lock(&p->mu);
	if (!pfd)
		ret = -ENOMEM;
	for (i = 0; !ret && i < p->nworkers; i++)
		ret = spawn(p, i);
	p->start_error = ret;
	p->started = true;
	pthread_cond_broadcast(&p->cv);
	if (ret) {
		p->state = POOL_TERMINATE;
		kill_all(p);
	}
	while (!ret) {
		if (p->state == POOL_TERMINATE) {
			kill_all(p);
			break;
		}
		if (p->st.alive < p->nworkers)
			repopulate(p);
		dispatch(p);
		if (p->state == POOL_CLOSE && !p->st.alive && !p->qhead)
			break;
		pfd[0].fd = p->wakefd;
		pfd[0].events = POLLIN;
		for (i = 0, n = 1; i < p->nworkers; i++) {
			pfd[n].fd = p->w[i].pid ? ipcdev_pipe_fd(p->w[i].conn) :
				    -1;
			pfd[n++].events = POLLIN;
		}
		pthread_mutex_unlock(&p->mu);
		ipcdev__ppoll(pfd, n, IPCQ_DEADLINE_FOREVER);
		if (pfd[0].revents && read(p->wakefd, &v, sizeof(v)) < 0)
			v = 0;
		pthread_mutex_lock(&p->mu);
		for (i = 0; i < p->nworkers; i++)
			if (pfd[i + 1].fd >= 0 && pfd[i + 1].revents)
				drain(p, i);
	}
	p->finished = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	free(pfd);
	return NULL;
}

static void pool_free_mem(ipcdev_pool *p)
{
	if (p->wakefd >= 0)
		close(p->wakefd);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->sbuf);
	free(p->rbuf);
	free(p->w);
	free(p);
}

int ipcdev_pool_create(ipcdev_pool **pp, unsigned int processes,
		       const struct ipcdev_pool_attr *attr)
{
	struct ipcdev_info info;
	sigset_t all;
	ipcdev_pool *p;
	long cpus;
	int ret;

	if (!pp || (attr && attr->flags))
		return -EINVAL;
	/* Exec'd workers: a program to run and the functions' table. */
	if (attr && attr->program &&
	    (!attr->functions || !attr->nfunctions || attr->initializer))
		return -EINVAL;
	if (attr && !attr->program && (attr->functions || attr->argv))
		return -EINVAL;
	if (attr && attr->program && access(attr->program, X_OK))
		return -errno;
	ret = ipcdev__info(&info);
	if (ret)
		return ret;
	if (!processes) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		processes = cpus > 0 ? (unsigned int)cpus : 1;
	}
	if (processes > 4096)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (attr)
		p->attr = *attr;
	p->max_msg = info.max_msg_size;
	p->max_result = p->attr.max_result ? p->attr.max_result :
			IPCDEV_POOL_RESULT_DEFAULT;
	p->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->nworkers = processes;
	p->st.processes = processes;
	p->creator = getpid();
	pthread_mutex_init(&p->mu, NULL);
	ipcdev__cond_init(&p->cv);
	if (p->wakefd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = -EMSGSIZE;
	if (p->max_msg < sizeof(struct ipcdev__pool_batch) + sizeof(struct ipcdev__pool_task) ||
	    p->max_result > p->max_msg - sizeof(struct ipcdev__pool_reply) ||
	    p->max_result > UINT32_MAX)
		goto fail;
	ret = -ENOMEM;
	p->w = calloc(processes, sizeof(*p->w));
	p->sbuf = malloc(p->max_msg);
	p->rbuf = malloc(p->max_msg);
	if (!p->w || !p->sbuf || !p->rbuf)
		goto fail;
	/* The dispatcher takes no signal; workers get the caller's mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &p->mask);
	ret = -pthread_create(&p->thread, NULL, dispatcher, p);
	pthread_sigmask(SIG_SETMASK, &p->mask, NULL);
	if (ret)
		goto fail;
	pthread_mutex_lock(&p->mu);
	while (!p->started)
		pthread_cond_wait(&p->cv, &p->mu);
	ret = p->start_error;
	pthread_mutex_unlock(&p->mu);
	if (ret) {
		pthread_join(p->thread, NULL);
		goto fail;
	}
	*pp = p;
	return 0;
fail:
	pool_free_mem(p);
	return ret;
}

/*
 * Checks that this process may use @p, moves it to @to (POOL_RUN: no
 * move; CLOSE only from RUN; TERMINATE unless the dispatcher finished)
 * and wakes the dispatcher; *@was: the state before.
 */
static int enter(ipcdev_pool *p, enum pool_state to, enum pool_state *was)
{
	int ret;

	if (!p)
		return -EINVAL;
	ret = ipcdev__pool_usable(p, NULL, 0);
	if (ret)
		return ret;
	pthread_mutex_lock(&p->mu);
	*was = p->state;
	if ((to == POOL_CLOSE && p->state == POOL_RUN) ||
	    (to == POOL_TERMINATE && !p->finished))
		p->state = to;
	pthread_mutex_unlock(&p->mu);
	if (to != POOL_RUN)
		wake(p);
	return 0;
}

int ipcdev_pool_close(ipcdev_pool *p)
{
	enum pool_state was;

	return enter(p, POOL_CLOSE, &was);
}

/* Waits for the dispatcher to finish, until @deadline, and joins it. */
static int wait_finished(ipcdev_pool *p, uint64_t deadline)
{
	int ret = 0;

	pthread_mutex_lock(&p->mu);
	while (!p->finished && !ret)
		ret = ipcdev__cond_wait_until(&p->cv, &p->mu, deadline);
	ret = p->finished ? 0 : -ETIMEDOUT;
	if (!ret && !p->joined) {
		p->joined = true;
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		return 0;
	}
	pthread_mutex_unlock(&p->mu);
	return ret;
}

int ipcdev_pool_terminate(ipcdev_pool *p)
{
	enum pool_state was;
	int ret = enter(p, POOL_TERMINATE, &was);

	return ret ? ret : wait_finished(p, IPCQ_DEADLINE_FOREVER);
}

int ipcdev_pool_join(ipcdev_pool *p, int64_t timeout_ns)
{
	enum pool_state was;
	int ret = enter(p, POOL_RUN, &was);

	if (ret)
		return ret;
	if (was == POOL_RUN)
		return -EINVAL;
	return wait_finished(p, ipcdev__deadline(timeout_ns));
}

int ipcdev_pool_stat(ipcdev_pool *p, struct ipcdev_pool_stat *st)
{
	if (!p || !st)
		return -EINVAL;
	pthread_mutex_lock(&p->mu);
	*st = p->st;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int ipcdev_pool_free(ipcdev_pool *p)
{
	int ret;

	if (!p)
		return -EINVAL;
	ret = ipcdev_pool_terminate(p);
	if (ret)
		return ret;
	pool_free_mem(p);
	return 0;
}
