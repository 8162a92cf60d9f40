"""Queue, JoinableQueue, SimpleQueue: multiprocessing's, kept by the kernel.

Objects are pickled with multiprocessing's ForkingPickler and put as one
message each; put() returns when the message is in the kernel's queue
(there is no feeder thread: close(), join_thread() and
cancel_join_thread() have nothing to wait for), qsize() is exact
everywhere. What ipcq adds: priorities (``put(obj, prio=N)``: higher
first), peek(), shutdown(immediate) (ShutDown), endpoints with one role
(``endpoint('producer')``, ``endpoint('consumer')``) whose consumers get
EOFError once every producer is gone, and stat().
"""

import errno as _errno
import queue as _pyqueue

from . import _ipcq
from ._common import (ShutDown, dumps, loads, rebuild_handle, reduce_handle,
                      timeout_ns)

__all__ = ['Queue', 'SimpleQueue', 'JoinableQueue']

_ROLES = {
    'producer': _ipcq.PRODUCER,
    'consumer': _ipcq.CONSUMER,
    'both': _ipcq.PRODUCER | _ipcq.CONSUMER,
    'observer': _ipcq.OBSERVER,
}


def _raise_as(e, timeout_exc):
    """A put or get's OSError @e as multiprocessing's (and ShutDown).

    A function called from an except clause rather than a context
    manager: entering and leaving one cost a small put as much as the
    system call.
    """
    if isinstance(e, (BlockingIOError, TimeoutError)):
        raise timeout_exc from None
    if e.errno == _errno.ESHUTDOWN:
        raise ShutDown from None
    raise e


class Queue(object):
    """multiprocessing.Queue(maxsize=0)."""

    _kind = 0

    def __init__(self, maxsize=0, *, ctx=None, _handle=None):
        if maxsize <= 0:
            maxsize = 0
        self._maxsize = maxsize
        self._h = _handle if _handle is not None else \
            _ipcq.queue(maxsize, self._kind)
        self._closed = False

    def __getstate__(self):
        return (self._maxsize, reduce_handle(self, self._h))

    def __setstate__(self, state):
        self._maxsize, hstate = state
        self._h = rebuild_handle(hstate)
        self._closed = False

    def _check_closed(self):
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")

    def put(self, obj, block=True, timeout=None, *, prio=0):
        self._check_closed()
        data = dumps(obj)
        try:
            self._h.put(data, timeout_ns(block, timeout), prio)
        except OSError as e:
            _raise_as(e, _pyqueue.Full)

    def _get(self, block, timeout, peek=False):
        self._check_closed()
        try:
            data = self._h.get(timeout_ns(block, timeout), peek)
        except OSError as e:
            _raise_as(e, _pyqueue.Empty)
        if data is None:
            raise EOFError("no producer left")
        return loads(data)

    def get(self, block=True, timeout=None):
        return self._get(block, timeout)

    def peek(self, block=True, timeout=None):
        """The next object get() would return, left in the queue."""
        return self._get(block, timeout, peek=True)

    def get_prio(self, block=True, timeout=None):
        """(obj, priority) of the next message."""
        self._check_closed()
        try:
            r = self._h.get_prio(timeout_ns(block, timeout))
        except OSError as e:
            _raise_as(e, _pyqueue.Empty)
        if r is None:
            raise EOFError("no producer left")
        return loads(r[0]), r[1]

    def put_nowait(self, obj):
        return self.put(obj, False)

    def get_nowait(self):
        return self.get(False)

    def qsize(self):
        return self._h.qsize()

    def empty(self):
        return self._h.qsize() == 0

    def full(self):
        return bool(self._maxsize) and self._h.qsize() >= self._maxsize

    def stat(self):
        """The kernel's exact counts: messages, producers, consumers..."""
        return self._h.stat()

    def shutdown(self, immediate=False):
        """Python 3.13's Queue.shutdown: puts fail, gets drain (or not)."""
        self._h.shutdown(immediate)

    def endpoint(self, role):
        """A new queue object on the same queue with only @role.

        'producer' (put only), 'consumer' (get only), 'both' or
        'observer'. A process that keeps only the roles it plays lets
        consumers see EOFError once the last producer is gone (closed,
        exited or killed) and producers BrokenPipeError once the last
        consumer is.
        """
        q = object.__new__(type(self))
        q._maxsize = self._maxsize
        q._h = self._h.endpoint(_ROLES[role])
        q._closed = False
        return q

    def fileno(self):
        """A descriptor that polls readable while get() would not block."""
        return self._h.fileno()

    def close(self):
        if not self._closed:
            self._closed = True
            self._h.close()

    def join_thread(self):
        if not self._closed:
            raise AssertionError(f"Queue {self!r} not closed")

    def cancel_join_thread(self):
        pass

    def __del__(self):
        h = getattr(self, '_h', None)
        if h is not None:
            h.close()


class JoinableQueue(Queue):
    """multiprocessing.JoinableQueue(maxsize=0): the kernel counts tasks."""

    _kind = 2

    def task_done(self):
        try:
            self._h.task_done()
        except OSError as e:
            if e.errno == _errno.ERANGE:
                raise ValueError('task_done() called too many times') \
                    from None
            raise

    def join(self):
        self._h.join(-1)


class SimpleQueue(object):
    """multiprocessing.SimpleQueue()."""

    def __init__(self, *, ctx=None):
        self._h = _ipcq.queue(0, 1)
        self._closed = False

    def __getstate__(self):
        return reduce_handle(self, self._h)

    def __setstate__(self, state):
        self._h = rebuild_handle(state)
        self._closed = False

    def _check_closed(self):
        if self._closed:
            raise OSError("handle is closed")

    def empty(self):
        self._check_closed()
        return self._h.qsize() == 0

    def qsize(self):
        """The exact number of objects queued (multiprocessing's
        SimpleQueue has none)."""
        self._check_closed()
        return self._h.qsize()

    def put(self, obj):
        self._check_closed()
        self._h.put(dumps(obj), -1, 0)

    def get(self):
        self._check_closed()
        data = self._h.get(-1, False)
        if data is None:
            raise EOFError("no producer left")
        return loads(data)

    def close(self):
        if not self._closed:
            self._closed = True
            self._h.close()

    def __del__(self):
        h = getattr(self, '_h', None)
        if h is not None:
            h.close()

