"""Value, Array, RawValue, RawArray: multiprocessing.sharedctypes on ipcq.

Each object lives in an ipcq shared memory region of its own (anonymous,
zero-filled, page-aligned), reached through ctypes as multiprocessing's
are. Value and Array with lock=True (or None) use the region's bound
RLock: a process that dies holding it makes the next get_lock().acquire()
raise OwnerDeadError. The synchronized wrappers and the ctypes reduction
are multiprocessing's own (multiprocessing.sharedctypes), fed with a
region in place of multiprocessing's heap block, so the objects travel to
children (fork, spawn, forkserver) as multiprocessing's do.
"""

import ctypes

from multiprocessing import sharedctypes as _mpsc

from . import _ipcq
from ._common import rebuild_handle, reduce_handle
from .synchronize import Lock, RLock

__all__ = ['RawValue', 'RawArray', 'Value', 'Array']

typecode_to_type = _mpsc.typecode_to_type


class Region(object):
    """A shared memory region, as multiprocessing.heap.BufferWrapper."""

    def __init__(self, size, flags=0):
        self._h = _ipcq.shm(size, flags)

    def create_memoryview(self):
        return memoryview(self._h)

    def get_lock(self):
        """The region's bound lock (an RLock or Lock), or None."""
        h = self._h.bound_lock()
        if h is None:
            return None
        return (RLock if h.kind == 'rlock' else Lock)(_handle=h)

    def fileno(self):
        return self._h.fileno()

    def __getstate__(self):
        return reduce_handle(self, self._h)

    def __setstate__(self, state):
        self._h = rebuild_handle(state)


def _new(type_, flags, init):
    region = Region(max(ctypes.sizeof(type_), 1), flags)
    obj = _mpsc.rebuild_ctype(type_, region, None)
    if init is not None:
        obj.__init__(*init)
    return obj, region


def _array_type(typecode_or_type, size_or_initializer):
    type_ = typecode_to_type.get(typecode_or_type, typecode_or_type)
    if isinstance(size_or_initializer, int):
        return type_ * size_or_initializer, None
    init = list(size_or_initializer)
    return type_ * len(init), init


def RawValue(typecode_or_type, *args):
    type_ = typecode_to_type.get(typecode_or_type, typecode_or_type)
    return _new(type_, 0, args)[0]


def RawArray(typecode_or_type, size_or_initializer):
    type_, init = _array_type(typecode_or_type, size_or_initializer)
    return _new(type_, 0, init)[0]


def _synchronized(type_, init, lock, ctx):
    if lock is False:
        return _new(type_, 0, init)[0]
    if lock in (True, None):
        obj, region = _new(type_, _ipcq.SHM_RLOCK, init)
        lock = region.get_lock()
    else:
        if not hasattr(lock, 'acquire'):
            raise AttributeError("%r has no method 'acquire'" % lock)
        obj = _new(type_, 0, init)[0]
    return _mpsc.synchronized(obj, lock, ctx=ctx)


def Value(typecode_or_type, *args, lock=True, ctx=None):
    type_ = typecode_to_type.get(typecode_or_type, typecode_or_type)
    return _synchronized(type_, args, lock, ctx)


def Array(typecode_or_type, size_or_initializer, *, lock=True, ctx=None):
    type_, init = _array_type(typecode_or_type, size_or_initializer)
    return _synchronized(type_, init, lock, ctx)
