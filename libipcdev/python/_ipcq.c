// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * _ipcq: the C half of the Python package ipcq, a thin layer over
 * libipcdev. It owns one Python type, Handle: one libipcdev handle of any
 * kind (queue, pipe end, semaphore, lock, event, condition, barrier,
 * shared memory region, listener), its methods the library's calls with
 * Python's types. Everything Python-shaped (pickling, multiprocessing's
 * signatures, exceptions, reprs) is in the package's modules.
 *
 * Errors: a call that fails raises OSError with the library's errno; the
 * package maps the errnos it expects (EAGAIN, ETIMEDOUT, EOWNERDEAD, ...)
 * to multiprocessing's exceptions. Timeouts are nanoseconds as the
 * library's (negative: forever, 0: do not wait).
 *
 * Threads and signals: every call that may block runs without the GIL.
 * ipcdev_set_interruptible(1), set in each thread that calls, makes a
 * blocked call return EINTR when a signal handler ran; the call is then
 * retried with the time left after Python's own handlers ran (PEP 475),
 * so a KeyboardInterrupt ends a wait as it would in multiprocessing.
 *
 * Lifetime: close() frees the handle at once unless another thread is
 * inside a call on it; then the last such call frees it on its way out
 * (a handle is never freed under a running call). A handle whose memory
 * belongs to another (a region's bound lock) holds a reference to its
 * owner and is never freed by itself.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <ipcdev.h>

enum kind {
	K_QUEUE, K_PIPE, K_SEM, K_LOCK, K_RLOCK, K_EVENT, K_COND,
	K_BARRIER, K_SHM, K_LISTENER, K_NKINDS
};

static const char *const kind_names[K_NKINDS] = {
	"queue", "pipe", "sem", "lock", "rlock", "event", "cond",
	"barrier", "shm", "listener",
};

typedef struct {
	PyObject_HEAD
	void *h;		/* the library's handle; NULL once freed */
	int kind;
	int busy;		/* calls running without the GIL */
	int closing;		/* close() asked while busy */
	PyObject *owner;	/* a borrowed handle's owner, else NULL */
	void *addr;		/* K_SHM: the mapping */
	Py_ssize_t size;	/* K_SHM: its size */
	Py_ssize_t exports;	/* K_SHM: buffers exported */
} Handle;

static PyTypeObject HandleType;

static PyObject *raise_errno(int err)
{
	errno = err < 0 ? -err : err;
	return PyErr_SetFromErrno(PyExc_OSError);
}

static void free_handle(Handle *self)
{
	void *h = self->h;

	self->h = NULL;
	if (!h || self->owner)
		return;
	switch (self->kind) {
	case K_QUEUE: ipcdev_queue_close(h); break;
	case K_PIPE: ipcdev_pipe_close(h); break;
	case K_SEM: ipcdev_sem_close(h); break;
	case K_LOCK: case K_RLOCK: ipcdev_lock_close(h); break;
	case K_EVENT: ipcdev_event_close(h); break;
	case K_COND: ipcdev_cond_close(h); break;
	case K_BARRIER: ipcdev_barrier_close(h); break;
	case K_SHM: ipcdev_shm_close(h); break;
	case K_LISTENER: ipcdev_listener_close(h); break;
	}
}

static PyObject *wrap(void *h, int kind, PyObject *owner)
{
	Handle *self = PyObject_New(Handle, &HandleType);

	if (!self) {
		Handle tmp = { .h = h, .kind = kind, .owner = owner };

		free_handle(&tmp);
		return NULL;
	}
	self->h = h;
	self->kind = kind;
	self->busy = 0;
	self->closing = 0;
	self->owner = owner;
	Py_XINCREF(owner);
	self->addr = NULL;
	self->size = 0;
	self->exports = 0;
	if (kind == K_SHM) {
		ipcdev_shm_map(h, &self->addr);
		self->size = (Py_ssize_t)ipcdev_shm_size(h);
	}
	return (PyObject *)self;
}

/* The handle, if it is one of @kinds (a bit mask) and open; else raises. */
static void *get(Handle *self, unsigned int kinds)
{
	if (!(kinds & (1U << self->kind))) {
		PyErr_Format(PyExc_TypeError, "not supported by a %s handle",
			     kind_names[self->kind]);
		return NULL;
	}
	if (!self->h || self->closing) {
		PyErr_SetString(PyExc_ValueError, "handle is closed");
		return NULL;
	}
	return self->h;
}

#define B(k)	(1U << (k))
#define LOCKS	(B(K_LOCK) | B(K_RLOCK))

/* Around a call without the GIL: the handle stays alive through it. */
static void enter(Handle *self)
{
	self->busy++;
}

static void leave(Handle *self)
{
	if (--self->busy == 0 && self->closing)
		free_handle(self);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Runs @call until it returns anything but -EINTR, Python's signal
 * handlers between tries (a handler's exception ends it: returns -EINTR
 * with the exception set), each try with the time left.
 */
#define BLOCKING(self, ret, timeout, call)				\
	do {								\
		int64_t t_ = (timeout);					\
		uint64_t end_ = t_ > 0 ? now_ns() + (uint64_t)t_ : 0;	\
		enter(self);						\
		for (;;) {						\
			int64_t timeout_ns = t_;			\
			Py_BEGIN_ALLOW_THREADS				\
			ipcdev_set_interruptible(1);			\
			ret = (call);					\
			Py_END_ALLOW_THREADS				\
			if (ret != -EINTR)				\
				break;					\
			if (PyErr_CheckSignals())			\
				break;					\
			if (t_ > 0) {					\
				uint64_t n_ = now_ns();			\
				t_ = n_ >= end_ ? 0 : (int64_t)(end_ - n_); \
			}						\
		}							\
		leave(self);						\
	} while (0)

static PyObject *result(int ret)
{
	if (ret == -EINTR && PyErr_Occurred())
		return NULL;
	if (ret < 0)
		return raise_errno(ret);
	return PyLong_FromLong(ret);
}

/* ---- creation ---- */

static PyObject *m_queue(PyObject *mod, PyObject *args)
{
	unsigned long long maxsize = 0;
	int kind = 0, ret;
	ipcdev_queue *q;

	if (!PyArg_ParseTuple(args, "|Ki", &maxsize, &kind))
		return NULL;
	if (kind == 1)
		ret = ipcdev_simplequeue_create(&q);
	else if (kind == 2)
		ret = ipcdev_joinablequeue_create(&q, maxsize);
	else
		ret = ipcdev_queue_create(&q, maxsize);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(q, K_QUEUE, NULL);
}

static PyObject *m_pipe(PyObject *mod, PyObject *args)
{
	int duplex = 1, ret;
	unsigned long long maxsize = 0;
	struct ipcdev_pipe_attr attr = { 0 };
	ipcdev_pipe *a, *b;
	PyObject *pa, *pb;

	if (!PyArg_ParseTuple(args, "|pK", &duplex, &maxsize))
		return NULL;
	attr.maxsize = maxsize;
	ret = ipcdev_pipe_create(&a, &b, duplex, maxsize ? &attr : NULL);
	if (ret < 0)
		return raise_errno(ret);
	pa = wrap(a, K_PIPE, NULL);
	if (!pa) {
		ipcdev_pipe_close(b);
		return NULL;
	}
	pb = wrap(b, K_PIPE, NULL);
	if (!pb) {
		Py_DECREF(pa);
		return NULL;
	}
	return Py_BuildValue("(NN)", pa, pb);
}

static PyObject *m_sem(PyObject *mod, PyObject *args)
{
	unsigned long long value;
	unsigned int flags = 0;
	ipcdev_sem *s;
	int ret;

	if (!PyArg_ParseTuple(args, "K|I", &value, &flags))
		return NULL;
	ret = ipcdev_sem_create(&s, value, flags);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(s, K_SEM, NULL);
}

static PyObject *m_lock(PyObject *mod, PyObject *args)
{
	int recursive = 0, ret;
	ipcdev_lock *l;

	if (!PyArg_ParseTuple(args, "|p", &recursive))
		return NULL;
	ret = recursive ? ipcdev_rlock_create(&l) : ipcdev_lock_create(&l);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(l, recursive ? K_RLOCK : K_LOCK, NULL);
}

static PyObject *m_event(PyObject *mod, PyObject *noargs)
{
	ipcdev_event *e;
	int ret = ipcdev_event_create(&e);

	if (ret < 0)
		return raise_errno(ret);
	return wrap(e, K_EVENT, NULL);
}

static PyObject *m_cond(PyObject *mod, PyObject *args)
{
	Handle *lock;
	ipcdev_cond *c;
	void *l;
	int ret;

	if (!PyArg_ParseTuple(args, "O!", &HandleType, &lock))
		return NULL;
	l = get(lock, LOCKS);
	if (!l)
		return NULL;
	ret = ipcdev_cond_create(&c, l);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(c, K_COND, NULL);
}

static PyObject *m_barrier(PyObject *mod, PyObject *args)
{
	unsigned int parties;
	ipcdev_barrier *b;
	int ret;

	if (!PyArg_ParseTuple(args, "I", &parties))
		return NULL;
	ret = ipcdev_barrier_create(&b, parties);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(b, K_BARRIER, NULL);
}

static PyObject *m_shm(PyObject *mod, PyObject *args)
{
	unsigned long long size;
	unsigned int flags = 0;
	ipcdev_shm *m;
	int ret;

	if (!PyArg_ParseTuple(args, "K|I", &size, &flags))
		return NULL;
	ret = ipcdev_shm_create(&m, size, flags);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(m, K_SHM, NULL);
}

static PyObject *m_listener(PyObject *mod, PyObject *args)
{
	const char *name;
	unsigned int backlog = 0, mode = 0600;
	ipcdev_listener *l;
	int ret;

	if (!PyArg_ParseTuple(args, "s|II", &name, &backlog, &mode))
		return NULL;
	ret = ipcdev_listener_create(&l, name, backlog, mode);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(l, K_LISTENER, NULL);
}

static PyObject *m_listener_unlink(PyObject *mod, PyObject *args)
{
	const char *name;

	if (!PyArg_ParseTuple(args, "s", &name))
		return NULL;
	return result(ipcdev_listener_unlink(name));
}

static PyObject *m_connect(PyObject *mod, PyObject *args)
{
	const char *name;
	int duplex = 1, ret;
	long long timeout = -1;
	ipcdev_pipe *p;

	if (!PyArg_ParseTuple(args, "s|pL", &name, &duplex, &timeout))
		return NULL;
	/* Restarted after signals by the library, with its one deadline. */
	Py_BEGIN_ALLOW_THREADS
	int was = ipcdev_set_interruptible(0);

	ret = ipcdev_client_connect(&p, name, duplex, timeout);
	ipcdev_set_interruptible(was);
	Py_END_ALLOW_THREADS
	if (ret < 0)
		return raise_errno(ret);
	return wrap(p, K_PIPE, NULL);
}

/* from_fd(kind, fd): a handle for a received descriptor, which it owns. */
static PyObject *m_from_fd(PyObject *mod, PyObject *args)
{
	const char *name;
	int fd, kind, ret = -EINVAL;
	void *h = NULL;

	if (!PyArg_ParseTuple(args, "si", &name, &fd))
		return NULL;
	for (kind = 0; kind < K_NKINDS; kind++)
		if (!strcmp(name, kind_names[kind]))
			break;
	switch (kind) {
	case K_QUEUE: ret = ipcdev_queue_from_fd((ipcdev_queue **)&h, fd); break;
	case K_PIPE: ret = ipcdev_pipe_from_fd((ipcdev_pipe **)&h, fd); break;
	case K_SEM: ret = ipcdev_sem_from_fd((ipcdev_sem **)&h, fd); break;
	case K_LOCK: ret = ipcdev_lock_from_fd((ipcdev_lock **)&h, fd); break;
	case K_RLOCK: ret = ipcdev_rlock_from_fd((ipcdev_lock **)&h, fd); break;
	case K_EVENT: ret = ipcdev_event_from_fd((ipcdev_event **)&h, fd); break;
	case K_COND: ret = ipcdev_cond_from_fd((ipcdev_cond **)&h, fd); break;
	case K_BARRIER:
		ret = ipcdev_barrier_from_fd((ipcdev_barrier **)&h, fd);
		break;
	case K_SHM: ret = ipcdev_shm_from_fd((ipcdev_shm **)&h, fd); break;
	case K_LISTENER:
		ret = ipcdev_listener_from_fd((ipcdev_listener **)&h, fd);
		break;
	default:
		PyErr_Format(PyExc_ValueError, "no kind %s", name);
		return NULL;
	}
	if (ret < 0)
		return raise_errno(ret);
	return wrap(h, kind, NULL);
}

/* ---- every kind ---- */

static PyObject *h_fileno(Handle *self, PyObject *noargs)
{
	void *h = get(self, ~0U);

	if (!h)
		return NULL;
	switch (self->kind) {
	case K_QUEUE: return result(ipcdev_queue_fd(h));
	case K_PIPE: return result(ipcdev_pipe_fd(h));
	case K_SEM: return result(ipcdev_sem_fd(h));
	case K_LOCK: case K_RLOCK: return result(ipcdev_lock_fd(h));
	case K_EVENT: return result(ipcdev_event_fd(h));
	case K_COND: return result(ipcdev_cond_fd(h));
	case K_BARRIER: return result(ipcdev_barrier_fd(h));
	case K_SHM: return result(ipcdev_shm_fd(h));
	default: return result(ipcdev_listener_fd(h));
	}
}

static PyObject *h_close(Handle *self, PyObject *noargs)
{
	if (self->kind == K_SHM && self->exports) {
		PyErr_SetString(PyExc_BufferError,
				"cannot close: memory views of it exist");
		return NULL;
	}
	if (self->busy)
		self->closing = 1;
	else
		free_handle(self);
	Py_RETURN_NONE;
}

static PyObject *h_closed(Handle *self, void *unused)
{
	return PyBool_FromLong(!self->h || self->closing);
}

static PyObject *h_kind(Handle *self, void *unused)
{
	return PyUnicode_FromString(kind_names[self->kind]);
}

/* ---- queues ---- */

/* put(buf, timeout_ns, prio) */
static PyObject *h_put(Handle *self, PyObject *args)
{
	Py_buffer buf;
	long long timeout = -1;
	unsigned int prio = 0;
	void *q = get(self, B(K_QUEUE));
	int ret;

	if (!q || !PyArg_ParseTuple(args, "y*|LI", &buf, &timeout, &prio))
		return NULL;
	BLOCKING(self, ret, timeout, prio ?
		 ipcdev_queue_put_prio(q, buf.buf, buf.len, prio, timeout_ns) :
		 ipcdev_queue_put(q, buf.buf, buf.len, timeout_ns));
	PyBuffer_Release(&buf);
	return result(ret);
}

/*
 * Receives one message of a queue (get) or a pipe end (recv) into a new
 * bytes object: first into a guess, then, after -EMSGSIZE (the message
 * stays), into one of the size the kernel reported. Returns the bytes,
 * None at end-of-file, or NULL with an exception. With @peek, the queue's
 * message stays queued. *prio: the message's priority (queues).
 */
static PyObject *receive(Handle *self, void *h, long long timeout, int peek,
			 unsigned int *prio)
{
	size_t cap = 256, len;
	PyObject *b = NULL;
	int ret;

	for (;;) {
		if (b)
			Py_DECREF(b);
		b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap);
		if (!b)
			return NULL;
		len = cap;
		if (self->kind == K_PIPE)
			BLOCKING(self, ret, timeout,
				 ipcdev_pipe_recv(h, PyBytes_AS_STRING(b),
						  &len, timeout_ns));
		else if (peek)
			BLOCKING(self, ret, timeout,
				 ipcdev_queue_peek(h, PyBytes_AS_STRING(b),
						   &len, prio, timeout_ns));
		else
			BLOCKING(self, ret, timeout,
				 ipcdev_queue_get_prio(h, PyBytes_AS_STRING(b),
						       &len, prio,
						       timeout_ns));
		if (ret != -EMSGSIZE || len <= cap)
			break;
		/*
		 * The message stays queued: try again with room for it (with
		 * the same timeout: another receiver may take it first).
		 */
		cap = len;
	}
	if (ret == IPCDEV_EOF) {
		Py_DECREF(b);
		Py_RETURN_NONE;
	}
	if (ret < 0) {
		Py_DECREF(b);
		return result(ret);
	}
	if (len != cap && _PyBytes_Resize(&b, (Py_ssize_t)len))
		return NULL;
	return b;
}

/* get(timeout_ns, peek=False) -> bytes, or None at end-of-file */
static PyObject *h_get(Handle *self, PyObject *args)
{
	long long timeout = -1;
	int peek = 0;
	unsigned int prio = 0;
	void *q = get(self, B(K_QUEUE));

	if (!q || !PyArg_ParseTuple(args, "|Lp", &timeout, &peek))
		return NULL;
	return receive(self, q, timeout, peek, &prio);
}

/* get_prio(timeout_ns) -> (bytes, priority), or None at end-of-file */
static PyObject *h_get_prio(Handle *self, PyObject *args)
{
	long long timeout = -1;
	unsigned int prio = 0;
	void *q = get(self, B(K_QUEUE));
	PyObject *b;

	if (!q || !PyArg_ParseTuple(args, "|L", &timeout))
		return NULL;
	b = receive(self, q, timeout, 0, &prio);
	if (!b || b == Py_None)
		return b;
	return Py_BuildValue("(NI)", b, prio);
}

/* stat() -> dict of struct ipcq_queue_stat's counts */
static PyObject *h_stat(Handle *self, PyObject *noargs)
{
	struct ipcq_queue_stat st;
	void *q = get(self, B(K_QUEUE));
	int ret;

	if (!q)
		return NULL;
	ret = ipcdev_queue_stat(q, &st);
	if (ret < 0)
		return raise_errno(ret);
	return Py_BuildValue(
		"{sKsKsKsKsKsIsIsIsIsIsI}",
		"messages", (unsigned long long)st.messages,
		"bytes", (unsigned long long)st.bytes,
		"capacity", (unsigned long long)st.capacity,
		"max_msg_size", (unsigned long long)st.max_msg_size,
		"unfinished", (unsigned long long)st.unfinished,
		"putters", st.putters, "getters", st.getters,
		"joiners", st.joiners, "producers", st.producers,
		"consumers", st.consumers, "state", st.state);
}

static PyObject *h_qsize(Handle *self, PyObject *noargs)
{
	void *q = get(self, B(K_QUEUE));
	int64_t n;

	if (!q)
		return NULL;
	n = ipcdev_queue_qsize(q);
	if (n < 0)
		return raise_errno((int)n);
	return PyLong_FromLongLong(n);
}

static PyObject *h_task_done(Handle *self, PyObject *noargs)
{
	void *q = get(self, B(K_QUEUE));

	return q ? result(ipcdev_queue_task_done(q)) : NULL;
}

static PyObject *h_join(Handle *self, PyObject *args)
{
	long long timeout = -1;
	void *q = get(self, B(K_QUEUE));
	int ret;

	if (!q || !PyArg_ParseTuple(args, "|L", &timeout))
		return NULL;
	BLOCKING(self, ret, timeout, ipcdev_queue_join(q, timeout_ns));
	return result(ret);
}

static PyObject *h_shutdown(Handle *self, PyObject *args)
{
	int immediate = 0;
	void *q = get(self, B(K_QUEUE));

	if (!q || !PyArg_ParseTuple(args, "|p", &immediate))
		return NULL;
	return result(ipcdev_queue_shutdown(q, immediate));
}

/* endpoint(roles) -> a new handle with its own endpoint file */
static PyObject *h_endpoint(Handle *self, PyObject *args)
{
	unsigned int roles;
	void *q = get(self, B(K_QUEUE));
	ipcdev_queue *out;
	int ret;

	if (!q || !PyArg_ParseTuple(args, "I", &roles))
		return NULL;
	ret = ipcdev_queue_endpoint(&out, q, roles);
	if (ret < 0)
		return raise_errno(ret);
	return wrap(out, K_QUEUE, NULL);
}

/* ---- pipe ends ---- */

static PyObject *h_send(Handle *self, PyObject *args)
{
	Py_buffer buf;
	long long timeout = -1;
	void *p = get(self, B(K_PIPE));
	int ret;

	if (!p || !PyArg_ParseTuple(args, "y*|L", &buf, &timeout))
		return NULL;
	BLOCKING(self, ret, timeout,
		 ipcdev_pipe_send(p, buf.buf, buf.len, timeout_ns));
	PyBuffer_Release(&buf);
	return result(ret);
}

/* recv(timeout_ns) -> bytes, or None at end-of-file */
static PyObject *h_recv(Handle *self, PyObject *args)
{
	long long timeout = -1;
	void *p = get(self, B(K_PIPE));

	if (!p || !PyArg_ParseTuple(args, "|L", &timeout))
		return NULL;
	return receive(self, p, timeout, 0, NULL);
}

static PyObject *h_poll(Handle *self, PyObject *args)
{
	long long timeout = 0;
	void *p = get(self, B(K_PIPE));
	int ret;

	if (!p || !PyArg_ParseTuple(args, "|L", &timeout))
		return NULL;
	BLOCKING(self, ret, timeout, ipcdev_pipe_poll(p, timeout_ns));
	if (ret < 0)
		return result(ret);
	return PyBool_FromLong(ret > 0);
}

/* peer() -> (pid, uid, gid) of a connection's peer */
static PyObject *h_peer(Handle *self, PyObject *noargs)
{
	struct ipcdev_peer cred;
	void *p = get(self, B(K_PIPE));
	int ret;

	if (!p)
		return NULL;
	ret = ipcdev_pipe_peer(p, &cred);
	if (ret < 0)
		return raise_errno(ret);
	return Py_BuildValue("(iII)", (int)cred.pid, (unsigned int)cred.uid,
			     (unsigned int)cred.gid);
}

/* ---- listeners ---- */

static PyObject *h_accept(Handle *self, PyObject *args)
{
	long long timeout = -1;
	void *l = get(self, B(K_LISTENER));
	ipcdev_pipe *conn = NULL;
	int ret;

	if (!l || !PyArg_ParseTuple(args, "|L", &timeout))
		return NULL;
	BLOCKING(self, ret, timeout,
		 ipcdev_listener_accept(l, &conn, timeout_ns));
	if (ret < 0)
		return result(ret);
	return wrap(conn, K_PIPE, NULL);
}

/* ---- sync objects ---- */

/* acquire(timeout_ns) -> 0, or raises (EAGAIN, ETIMEDOUT, EOWNERDEAD...) */
static PyObject *h_acquire(Handle *self, PyObject *args)
{
	long long timeout = -1;
	void *h = get(self, B(K_SEM) | LOCKS);
	int ret;

	if (!h || !PyArg_ParseTuple(args, "|L", &timeout))
		return NULL;
	if (self->kind != K_SEM) {
		/*
		 * A shared lock free (or an RLock already ours) is taken in
		 * memory: try that with the GIL held, which costs less than
		 * letting the GIL go and taking it back.
		 */
		ret = self->kind == K_RLOCK ?
		      ipcdev_rlock_acquire(h, IPCDEV_NOWAIT) :
		      ipcdev_lock_acquire(h, IPCDEV_NOWAIT);
		if (ret != -EAGAIN || timeout == IPCDEV_NOWAIT)
			return result(ret);
	}
	if (self->kind == K_SEM)
		BLOCKING(self, ret, timeout, ipcdev_sem_acquire(h, timeout_ns));
	else if (self->kind == K_RLOCK)
		BLOCKING(self, ret, timeout,
			 ipcdev_rlock_acquire(h, timeout_ns));
	else
		BLOCKING(self, ret, timeout,
			 ipcdev_lock_acquire(h, timeout_ns));
	return result(ret);
}

static PyObject *h_release(Handle *self, PyObject *args)
{
	unsigned long long n = 1;
	void *h = get(self, B(K_SEM) | LOCKS);

	if (!h || !PyArg_ParseTuple(args, "|K", &n))
		return NULL;
	if (self->kind == K_SEM)
		return result(ipcdev_sem_release(h, n));
	if (self->kind == K_RLOCK)
		return result(ipcdev_rlock_release(h));
	return result(ipcdev_lock_release(h));
}

static PyObject *h_consistent(Handle *self, PyObject *noargs)
{
	void *h = get(self, LOCKS);

	return h ? result(ipcdev_lock_consistent(h)) : NULL;
}

static PyObject *h_get_value(Handle *self, PyObject *noargs)
{
	void *h = get(self, B(K_SEM));
	int64_t v;

	if (!h)
		return NULL;
	v = ipcdev_sem_get_value(h);
	if (v < 0)
		return raise_errno((int)v);
	return PyLong_FromLongLong(v);
}

/*
 * sync_stat() -> (value, max, waiters, state, owner_tid). A condition
 * has no stat call in libipcdev: its file answers IPCQ_IOC_SYNC_STAT.
 */
static PyObject *h_sync_stat(Handle *self, PyObject *noargs)
{
	struct ipcq_sync_stat st;
	void *h = get(self, B(K_SEM) | LOCKS | B(K_EVENT) | B(K_COND));
	int ret;

	if (!h)
		return NULL;
	if (self->kind == K_SEM)
		ret = ipcdev_sem_stat(h, &st);
	else if (self->kind == K_EVENT)
		ret = ipcdev_event_stat(h, &st);
	else if (self->kind == K_COND)
		ret = ioctl(ipcdev_cond_fd(h), IPCQ_IOC_SYNC_STAT, &st) ?
		      -errno : 0;
	else
		ret = ipcdev_lock_stat(h, &st);
	if (ret < 0)
		return raise_errno(ret);
	return Py_BuildValue("(KKIII)", (unsigned long long)st.value,
			     (unsigned long long)st.max, st.waiters, st.state,
			     st.owner_tid);
}

static PyObject *h_set(Handle *self, PyObject *noargs)
{
	void *h = get(self, B(K_EVENT));

	return h ? result(ipcdev_event_set(h)) : NULL;
}

static PyObject *h_clear(Handle *self, PyObject *noargs)
{
	void *h = get(self, B(K_EVENT));

	return h ? result(ipcdev_event_clear(h)) : NULL;
}

static PyObject *h_is_set(Handle *self, PyObject *noargs)
{
	void *h = get(self, B(K_EVENT));
	int ret;

	if (!h)
		return NULL;
	ret = ipcdev_event_is_set(h);
	if (ret < 0)
		return raise_errno(ret);
	return PyBool_FromLong(ret);
}

/* wait(timeout_ns): event, condition (0, or raises), barrier (index) */
static PyObject *h_wait(Handle *self, PyObject *args)
{
	long long timeout = -1;
	void *h = get(self, B(K_EVENT) | B(K_COND) | B(K_BARRIER));
	int ret;

	if (!h || !PyArg_ParseTuple(args, "|L", &timeout))
		return NULL;
	if (self->kind == K_EVENT)
		BLOCKING(self, ret, timeout, ipcdev_event_wait(h, timeout_ns));
	else if (self->kind == K_COND)
		BLOCKING(self, ret, timeout, ipcdev_cond_wait(h, timeout_ns));
	else
		BLOCKING(self, ret, timeout,
			 ipcdev_barrier_wait(h, timeout_ns));
	return result(ret);
}

static PyObject *h_notify(Handle *self, PyObject *args)
{
	unsigned int n = 1;
	void *h = get(self, B(K_COND));

	if (!h || !PyArg_ParseTuple(args, "|I", &n))
		return NULL;
	return result(n ? ipcdev_cond_notify(h, n) : ipcdev_cond_notify_all(h));
}

static PyObject *h_abort(Handle *self, PyObject *noargs)
{
	void *h = get(self, B(K_BARRIER));

	return h ? result(ipcdev_barrier_abort(h)) : NULL;
}

static PyObject *h_reset(Handle *self, PyObject *noargs)
{
	void *h = get(self, B(K_BARRIER));

	return h ? result(ipcdev_barrier_reset(h)) : NULL;
}

/* barrier_state() -> (parties, n_waiting, broken) */
static PyObject *h_barrier_state(Handle *self, PyObject *noargs)
{
	void *h = get(self, B(K_BARRIER));
	int64_t parties;
	int waiting, broken;

	if (!h)
		return NULL;
	parties = ipcdev_barrier_parties(h);
	waiting = ipcdev_barrier_n_waiting(h);
	broken = ipcdev_barrier_broken(h);
	if (parties < 0)
		return raise_errno((int)parties);
	if (waiting < 0 || broken < 0)
		return raise_errno(waiting < 0 ? waiting : broken);
	return Py_BuildValue("(LiN)", (long long)parties, waiting,
			     PyBool_FromLong(broken));
}

/* ---- shared memory ---- */

/* bound_lock() -> the region's bound lock (a borrowed handle), or None */
static PyObject *h_bound_lock(Handle *self, PyObject *noargs)
{
	void *m = get(self, B(K_SHM));
	struct ipcq_sync_stat st;
	ipcdev_lock *l;

	if (!m)
		return NULL;
	l = ipcdev_shm_lock(m);
	if (!l)
		Py_RETURN_NONE;
	if (ipcdev_lock_stat(l, &st) < 0)
		return raise_errno(EIO);
	return wrap(l, (st.flags & IPCQ_SYNC_RECURSIVE) ? K_RLOCK : K_LOCK,
		    (PyObject *)self);
}

static int h_getbuffer(Handle *self, Py_buffer *view, int flags)
{
	if (self->kind != K_SHM || !self->h || self->closing) {
		PyErr_SetString(PyExc_BufferError, "not an open region");
		return -1;
	}
	if (PyBuffer_FillInfo(view, (PyObject *)self, self->addr, self->size,
			      0, flags))
		return -1;
	self->exports++;
	return 0;
}

static void h_releasebuffer(Handle *self, Py_buffer *view)
{
	self->exports--;
}

static PyBufferProcs h_as_buffer = {
	.bf_getbuffer = (getbufferproc)h_getbuffer,
	.bf_releasebuffer = (releasebufferproc)h_releasebuffer,
};

static void h_dealloc(Handle *self)
{
	free_handle(self);
	Py_XDECREF(self->owner);
	PyObject_Free(self);
}

static PyObject *h_repr(Handle *self)
{
	return PyUnicode_FromFormat("<_ipcq.Handle %s%s>",
				    kind_names[self->kind],
				    self->h ? "" : " closed");
}

static PyMethodDef h_methods[] = {
	{ "fileno", (PyCFunction)h_fileno, METH_NOARGS, NULL },
	{ "close", (PyCFunction)h_close, METH_NOARGS, NULL },
	{ "put", (PyCFunction)h_put, METH_VARARGS, NULL },
	{ "get", (PyCFunction)h_get, METH_VARARGS, NULL },
	{ "get_prio", (PyCFunction)h_get_prio, METH_VARARGS, NULL },
	{ "stat", (PyCFunction)h_stat, METH_NOARGS, NULL },
	{ "qsize", (PyCFunction)h_qsize, METH_NOARGS, NULL },
	{ "task_done", (PyCFunction)h_task_done, METH_NOARGS, NULL },
	{ "join", (PyCFunction)h_join, METH_VARARGS, NULL },
	{ "shutdown", (PyCFunction)h_shutdown, METH_VARARGS, NULL },
	{ "endpoint", (PyCFunction)h_endpoint, METH_VARARGS, NULL },
	{ "send", (PyCFunction)h_send, METH_VARARGS, NULL },
	{ "recv", (PyCFunction)h_recv, METH_VARARGS, NULL },
	{ "poll", (PyCFunction)h_poll, METH_VARARGS, NULL },
	{ "peer", (PyCFunction)h_peer, METH_NOARGS, NULL },
	{ "accept", (PyCFunction)h_accept, METH_VARARGS, NULL },
	{ "acquire", (PyCFunction)h_acquire, METH_VARARGS, NULL },
	{ "release", (PyCFunction)h_release, METH_VARARGS, NULL },
	{ "consistent", (PyCFunction)h_consistent, METH_NOARGS, NULL },
	{ "get_value", (PyCFunction)h_get_value, METH_NOARGS, NULL },
	{ "sync_stat", (PyCFunction)h_sync_stat, METH_NOARGS, NULL },
	{ "set", (PyCFunction)h_set, METH_NOARGS, NULL },
	{ "clear", (PyCFunction)h_clear, METH_NOARGS, NULL },
	{ "is_set", (PyCFunction)h_is_set, METH_NOARGS, NULL },
	{ "wait", (PyCFunction)h_wait, METH_VARARGS, NULL },
	{ "notify", (PyCFunction)h_notify, METH_VARARGS, NULL },
	{ "abort", (PyCFunction)h_abort, METH_NOARGS, NULL },
	{ "reset", (PyCFunction)h_reset, METH_NOARGS, NULL },
	{ "barrier_state", (PyCFunction)h_barrier_state, METH_NOARGS, NULL },
	{ "bound_lock", (PyCFunction)h_bound_lock, METH_NOARGS, NULL },
	{ NULL }
};

static PyGetSetDef h_getset[] = {
	{ "closed", (getter)h_closed, NULL, NULL, NULL },
	{ "kind", (getter)h_kind, NULL, NULL, NULL },
	{ NULL }
};

static PyTypeObject HandleType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "_ipcq.Handle",
	.tp_basicsize = sizeof(Handle),
	.tp_dealloc = (destructor)h_dealloc,
	.tp_repr = (reprfunc)h_repr,
	.tp_as_buffer = &h_as_buffer,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_methods = h_methods,
	.tp_getset = h_getset,
};

static PyObject *m_features(PyObject *mod, PyObject *noargs)
{
	struct ipcdev_info info = { 0 };
	int ret = ipcdev_query(&info, sizeof(info));

	if (ret < 0)
		return raise_errno(ret);
	return Py_BuildValue("{sIsKsKsK}", "api_version", info.api_version,
			     "features", (unsigned long long)info.features,
			     "max_msg_size",
			     (unsigned long long)info.max_msg_size,
			     "max_objects", (unsigned long long)info.max_objects);
}

static PyMethodDef m_methods[] = {
	{ "queue", m_queue, METH_VARARGS, NULL },
	{ "pipe", m_pipe, METH_VARARGS, NULL },
	{ "sem", m_sem, METH_VARARGS, NULL },
	{ "lock", m_lock, METH_VARARGS, NULL },
	{ "event", m_event, METH_NOARGS, NULL },
	{ "cond", m_cond, METH_VARARGS, NULL },
	{ "barrier", m_barrier, METH_VARARGS, NULL },
	{ "shm", m_shm, METH_VARARGS, NULL },
	{ "listener", m_listener, METH_VARARGS, NULL },
	{ "listener_unlink", m_listener_unlink, METH_VARARGS, NULL },
	{ "connect", m_connect, METH_VARARGS, NULL },
	{ "from_fd", m_from_fd, METH_VARARGS, NULL },
	{ "features", m_features, METH_NOARGS, NULL },
	{ NULL }
};

static struct PyModuleDef moddef = {
	PyModuleDef_HEAD_INIT, "_ipcq",
	"libipcdev handles for the ipcq package", -1, m_methods,
};

PyMODINIT_FUNC PyInit__ipcq(void);
PyMODINIT_FUNC PyInit__ipcq(void)
{
	PyObject *m;

	if (PyType_Ready(&HandleType) < 0)
		return NULL;
	m = PyModule_Create(&moddef);
	if (!m)
		return NULL;
	Py_INCREF(&HandleType);
	if (PyModule_AddObject(m, "Handle", (PyObject *)&HandleType) < 0 ||
	    PyModule_AddIntConstant(m, "PRODUCER", IPCDEV_PRODUCER) < 0 ||
	    PyModule_AddIntConstant(m, "CONSUMER", IPCDEV_CONSUMER) < 0 ||
	    PyModule_AddIntConstant(m, "OBSERVER", IPCDEV_OBSERVER) < 0 ||
	    PyModule_AddIntConstant(m, "SEM_BOUNDED", IPCDEV_SEM_BOUNDED) < 0 ||
	    PyModule_AddIntConstant(m, "SEM_UNDO", IPCDEV_SEM_UNDO) < 0 ||
	    PyModule_AddIntConstant(m, "SHM_LOCK", IPCDEV_SHM_LOCK) < 0 ||
	    PyModule_AddIntConstant(m, "SHM_RLOCK", IPCDEV_SHM_RLOCK) < 0 ||
	    PyModule_AddIntConstant(m, "STATE_MINE", IPCQ_SYNC_MINE) < 0 ||
	    PyModule_AddIntConstant(m, "STATE_LOCKED", IPCQ_SYNC_LOCKED) < 0 ||
	    PyModule_AddIntConstant(m, "STATE_SET", IPCQ_SYNC_SET) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
