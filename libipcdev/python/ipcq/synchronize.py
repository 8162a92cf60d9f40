"""Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier.

multiprocessing.synchronize's types on ipcq's kernel objects. Each
process (a fork child, a spawned child that received the object) holds
by itself: a process that dies holding a Lock or RLock makes the next
acquire raise OwnerDeadError (the lock is then held; call consistent()
after repairing what it protects, before releasing it), a barrier party
that dies breaks the barrier. Waits end with KeyboardInterrupt on SIGINT
as multiprocessing's do (a barrier's wait: only fatal signals end it).
"""

import errno
import threading
import time

from multiprocessing import process as _process

from . import _ipcq
from ._common import OwnerDeadError, rebuild_handle, reduce_handle, timeout_ns

__all__ = ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Condition',
           'Event', 'Barrier']

_TIMEOUTS = (BlockingIOError, TimeoutError)


def _acquire(h, block, timeout):
    """True if acquired, False at the timeout; OwnerDeadError (held)."""
    try:
        h.acquire(timeout_ns(block, timeout))
    except _TIMEOUTS:
        return False
    except OSError as e:
        if e.errno == errno.EOWNERDEAD:
            raise OwnerDeadError() from None
        raise
    return True


class _Handled(object):
    """An object made of one handle, passed to children by descriptor."""

    def __getstate__(self):
        return reduce_handle(self, self._h)

    def __setstate__(self, state):
        self._h = rebuild_handle(state)

    def fileno(self):
        """For multiprocessing.connection.wait(): readable when free/set."""
        return self._h.fileno()


class Semaphore(_Handled):
    """multiprocessing.Semaphore(value=1)."""

    _flags = 0

    def __init__(self, value=1, *, ctx=None, undo=False):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._h = _ipcq.sem(value, self._flags |
                            (_ipcq.SEM_UNDO if undo else 0))

    def acquire(self, block=True, timeout=None):
        return _acquire(self._h, block, timeout)

    def release(self):
        try:
            self._h.release(1)
        except OSError as e:
            if e.errno in (errno.EOVERFLOW, errno.EPERM, errno.ERANGE):
                raise ValueError('semaphore or lock released too many '
                                 'times') from None
            raise

    def get_value(self):
        return self._h.get_value()

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *args):
        self.release()

    def __repr__(self):
        try:
            value = self.get_value()
        except Exception:
            value = 'unknown'
        return '<%s(value=%s)>' % (self.__class__.__name__, value)


class BoundedSemaphore(Semaphore):
    """multiprocessing.BoundedSemaphore(value=1)."""

    _flags = _ipcq.SEM_BOUNDED

    def __init__(self, value=1, *, ctx=None, undo=False):
        super().__init__(value, undo=undo)
        self._maxvalue = value

    def __getstate__(self):
        return (self._maxvalue, super().__getstate__())

    def __setstate__(self, state):
        self._maxvalue, hstate = state
        super().__setstate__(hstate)

    def __repr__(self):
        try:
            value = self.get_value()
        except Exception:
            value = 'unknown'
        return '<%s(value=%s, maxvalue=%s)>' % \
            (self.__class__.__name__, value, self._maxvalue)


def _owner_name(h):
    """multiprocessing's owner= of a lock's repr, and its depth."""
    try:
        depth, _, _, state, _ = h.sync_stat()
        if state & _ipcq.STATE_MINE:
            name = _process.current_process().name
            if threading.current_thread().name != 'MainThread':
                name += '|' + threading.current_thread().name
        elif not state & _ipcq.STATE_LOCKED:
            name = 'None'
        else:
            name = 'SomeOtherProcess'
    except Exception:
        name, depth = 'unknown', 'unknown'
    return name, depth


class Lock(_Handled):
    """multiprocessing.Lock()."""

    def __init__(self, *, ctx=None, _handle=None):
        self._h = _handle if _handle is not None else _ipcq.lock(False)

    def acquire(self, block=True, timeout=None):
        if block is True and timeout is None:
            # The common call, without _acquire()'s conversions: a free
            # lock is taken in memory (the handle tries that first).
            try:
                self._h.acquire()
            except OSError as e:
                if e.errno == errno.EOWNERDEAD:
                    raise OwnerDeadError() from None
                raise
            return True
        return _acquire(self._h, block, timeout)

    def release(self):
        try:
            self._h.release()
        except PermissionError:
            raise ValueError('semaphore or lock released too many times') \
                from None

    def consistent(self):
        """After OwnerDeadError: the protected data is repaired."""
        self._h.consistent()

    def _is_mine(self):
        return bool(self._h.sync_stat()[3] & _ipcq.STATE_MINE)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *args):
        self.release()

    def __repr__(self):
        return '<%s(owner=%s)>' % (self.__class__.__name__,
                                   _owner_name(self._h)[0])


class RLock(Lock):
    """multiprocessing.RLock()."""

    def __init__(self, *, ctx=None, _handle=None):
        self._h = _handle if _handle is not None else _ipcq.lock(True)

    def release(self):
        try:
            self._h.release()
        except PermissionError:
            raise AssertionError('attempt to release recursive lock not '
                                 'owned by thread') from None

    def __repr__(self):
        name, depth = _owner_name(self._h)
        return '<%s(%s, %s)>' % (self.__class__.__name__, name, depth)


class Condition(object):
    """multiprocessing.Condition(lock=None): the default lock an RLock."""

    def __init__(self, lock=None, *, ctx=None):
        self._lock = lock if lock is not None else RLock()
        if not isinstance(self._lock, Lock):
            raise TypeError('an ipcq Condition needs an ipcq Lock or RLock')
        self._h = _ipcq.cond(self._lock._h)
        self.acquire = self._lock.acquire
        self.release = self._lock.release

    def __getstate__(self):
        return (self._lock, reduce_handle(self, self._h))

    def __setstate__(self, state):
        self._lock, hstate = state
        self._h = rebuild_handle(hstate)
        self.acquire = self._lock.acquire
        self.release = self._lock.release

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *args):
        return self._lock.__exit__(*args)

    def __repr__(self):
        try:
            waiters = self._h.sync_stat()[2]
        except Exception:
            waiters = 'unknown'
        return '<Condition(%s, %s)>' % (self._lock, waiters)

    def _waiters(self):
        """How many processes wait on it, from the kernel."""
        return self._h.sync_stat()[2]

    def wait(self, timeout=None):
        # A condition's wait never fails with EAGAIN: 0 waits 1 ns.
        ns = timeout_ns(True, timeout)
        try:
            self._h.wait(ns if ns else 1)
        except _TIMEOUTS:
            return False
        except PermissionError:
            raise AssertionError('must acquire() condition before using '
                                 'wait()') from None
        except OSError as e:
            if e.errno == errno.EOWNERDEAD:
                raise OwnerDeadError() from None
            raise
        return True

    def notify(self, n=1):
        if n <= 0:
            return
        try:
            self._h.notify(n)
        except PermissionError:
            raise AssertionError('lock is not owned') from None

    def notify_all(self):
        try:
            self._h.notify(0)
        except PermissionError:
            raise AssertionError('lock is not owned') from None

    def wait_for(self, predicate, timeout=None):
        result = predicate()
        if result:
            return result
        endtime = None if timeout is None else time.monotonic() + timeout
        waittime = None
        while not result:
            if endtime is not None:
                waittime = endtime - time.monotonic()
                if waittime <= 0:
                    break
            self.wait(waittime)
            result = predicate()
        return result


class Event(_Handled):
    """multiprocessing.Event()."""

    def __init__(self, *, ctx=None):
        self._h = _ipcq.event()

    def is_set(self):
        return self._h.is_set()

    def set(self):
        self._h.set()

    def clear(self):
        self._h.clear()

    def wait(self, timeout=None):
        try:
            self._h.wait(timeout_ns(True, timeout))
        except _TIMEOUTS:
            return False
        return True

    def __repr__(self):
        set_status = 'set' if self.is_set() else 'unset'
        return f"<{type(self).__qualname__} at {id(self):#x} {set_status}>"


class Barrier(object):
    """multiprocessing.Barrier(parties, action=None, timeout=None).

    With an action, a second kernel barrier holds every party until the
    last to arrive has run it; an action that raises breaks the barrier
    (the others get BrokenBarrierError).
    """

    def __init__(self, parties, action=None, timeout=None, *, ctx=None):
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._parties = parties
        self._action = action
        self._timeout = timeout
        self._h = _ipcq.barrier(parties)
        self._h2 = _ipcq.barrier(parties) if action is not None else None

    def __getstate__(self):
        return (self._parties, self._action, self._timeout,
                reduce_handle(self, self._h),
                reduce_handle(self, self._h2) if self._h2 else None)

    def __setstate__(self, state):
        self._parties, self._action, self._timeout, h, h2 = state
        self._h = rebuild_handle(h)
        self._h2 = rebuild_handle(h2) if h2 else None

    @staticmethod
    def _wait(h, ns):
        try:
            return h.wait(ns if ns else 1)
        except OSError as e:
            if e.errno in (errno.ECANCELED, errno.ETIMEDOUT, errno.EAGAIN,
                           errno.EPIPE):
                raise threading.BrokenBarrierError from None
            raise

    def wait(self, timeout=None):
        if timeout is None:
            timeout = self._timeout
        end = None if timeout is None else time.monotonic() + timeout
        index = self._wait(self._h, timeout_ns(True, timeout))
        if self._h2 is None:
            return index
        if index == self._parties - 1:
            try:
                self._action()
            except BaseException:
                self._h2.abort()
                self._h.abort()
                raise
        left = None if end is None else max(end - time.monotonic(), 1e-9)
        self._wait(self._h2, timeout_ns(True, left))
        return index

    def abort(self):
        self._h.abort()
        if self._h2:
            self._h2.abort()

    def reset(self):
        self._h.reset()
        if self._h2:
            self._h2.reset()

    @property
    def parties(self):
        return self._parties

    @property
    def n_waiting(self):
        return self._h.barrier_state()[1]

    @property
    def broken(self):
        return self._h.barrier_state()[2] or \
            bool(self._h2 and self._h2.barrier_state()[2])

    def __repr__(self):
        return (f"<{type(self).__module__}.{type(self).__qualname__} at "
                f"{id(self):#x} waiters={self.n_waiting}/{self.parties}>")


