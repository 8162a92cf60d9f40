"""ipcq: multiprocessing's IPC objects on the ipcq kernel module.

``import ipcq as multiprocessing`` (or ``multiprocessing =
ipcq.get_context()``) and a program written for multiprocessing runs with
ipcq's Queue, SimpleQueue, JoinableQueue, Pipe, Lock, RLock, Semaphore,
BoundedSemaphore, Condition, Event, Barrier, Value, Array, RawValue and
RawArray, Pool, and connection.Listener/Client; everything else
(Process, current_process, cpu_count, set_start_method, Manager, ...) is
multiprocessing's own. Objects work under the fork, spawn and forkserver
start methods; each child process is an endpoint or holder of its own, so
its death is seen as its own (end-of-file for consumers when it was the
last producer, OwnerDeadError for the next holder of a lock it held).

What ipcq adds: Queue.endpoint() (EOFError once every producer is gone),
OwnerDeadError, Queue.shutdown() (ShutDown), exact qsize(), priorities
(``put(obj, prio=N)``), peek(), stat(), a Pool that survives killed
workers (the task a killed worker was running fails with
WorkerLostError; the pool carries on).
"""

import multiprocessing as _mp
from multiprocessing import context as _mpcontext

from . import connection, pool, queues, sharedctypes, synchronize
from ._common import OwnerDeadError, ShutDown
from .pool import WorkerLostError

__all__ = ['Queue', 'SimpleQueue', 'JoinableQueue', 'Pipe', 'Lock', 'RLock',
           'Semaphore', 'BoundedSemaphore', 'Condition', 'Event', 'Barrier',
           'Value', 'Array', 'RawValue', 'RawArray', 'Pool', 'get_context',
           'OwnerDeadError', 'ShutDown', 'WorkerLostError', 'connection']


class Context(object):
    """A multiprocessing context whose IPC factories are ipcq's.

    Attributes it does not define (Process, current_process, cpu_count,
    set_start_method, get_start_method, Manager, ...) are those of
    the multiprocessing context it wraps.
    """

    def __init__(self, mpctx):
        self._ctx = mpctx

    def __getattr__(self, name):
        return getattr(self._ctx, name)

    def __repr__(self):
        return f'<ipcq.Context over {self._ctx!r}>'

    def get_context(self, method=None):
        return get_context(method)

    def Queue(self, maxsize=0):
        """A queue (multiprocessing.Queue)."""
        return queues.Queue(maxsize, ctx=self)

    def JoinableQueue(self, maxsize=0):
        """A joinable queue (multiprocessing.JoinableQueue)."""
        return queues.JoinableQueue(maxsize, ctx=self)

    def SimpleQueue(self):
        """A simple queue (multiprocessing.SimpleQueue)."""
        return queues.SimpleQueue(ctx=self)

    def Pipe(self, duplex=True):
        """Two Connections (multiprocessing.Pipe)."""
        return connection.Pipe(duplex)

    def Lock(self):
        return synchronize.Lock(ctx=self)

    def RLock(self):
        return synchronize.RLock(ctx=self)

    def Condition(self, lock=None):
        return synchronize.Condition(lock, ctx=self)

    def Semaphore(self, value=1):
        return synchronize.Semaphore(value, ctx=self)

    def BoundedSemaphore(self, value=1):
        return synchronize.BoundedSemaphore(value, ctx=self)

    def Event(self):
        return synchronize.Event(ctx=self)

    def Barrier(self, parties, action=None, timeout=None):
        return synchronize.Barrier(parties, action, timeout, ctx=self)

    def RawValue(self, typecode_or_type, *args):
        return sharedctypes.RawValue(typecode_or_type, *args)

    def RawArray(self, typecode_or_type, size_or_initializer):
        return sharedctypes.RawArray(typecode_or_type, size_or_initializer)

    def Value(self, typecode_or_type, *args, lock=True):
        return sharedctypes.Value(typecode_or_type, *args, lock=lock,
                                  ctx=self._ctx)

    def Array(self, typecode_or_type, size_or_initializer, *, lock=True):
        return sharedctypes.Array(typecode_or_type, size_or_initializer,
                                  lock=lock, ctx=self._ctx)

    def Pool(self, processes=None, initializer=None, initargs=(),
             maxtasksperchild=None):
        """A pool of worker processes (multiprocessing.Pool) that
        survives killed workers (ipcq.pool)."""
        return pool.Pool(processes, initializer, initargs, maxtasksperchild,
                         context=self._ctx)


def get_context(method=None):
    """multiprocessing.get_context(method) with ipcq's factories."""
    if method is None:
        return _default
    return Context(_mp.get_context(method))


# The default context follows multiprocessing's default start method.
_default = Context(_mpcontext._default_context)

for _name in ('Queue', 'JoinableQueue', 'SimpleQueue', 'Pipe', 'Lock',
              'RLock', 'Condition', 'Semaphore', 'BoundedSemaphore', 'Event',
              'Barrier', 'RawValue', 'RawArray', 'Value', 'Array', 'Pool'):
    globals()[_name] = getattr(_default, _name)
del _name


def __getattr__(name):
    # Process, current_process, cpu_count, set_start_method, Manager,
    # BufferTooShort, ...: multiprocessing's.
    try:
        return getattr(_mp, name)
    except AttributeError:
        raise AttributeError(f"module 'ipcq' has no attribute {name!r}") \
            from None
