"""What the ipcq modules share: timeouts, pickling of handles, errors.

A handle (``_ipcq.Handle``) travels to a child process the way
multiprocessing's own objects do: only while a process is being spawned
(``context.assert_spawning``), as a descriptor multiprocessing's reduction
passes to the child (``reduction.DupFd``: the spawn start method's
inherited fds, the forkserver's SCM_RIGHTS). The child makes a handle of
its own from it (``_ipcq.from_fd``): a queue endpoint, a lock holder, the
semaphore's undo of its own, as after fork(). Under the fork start method
nothing is pickled: libipcdev's fork handler gives the child its own
files.
"""

import collections
import copyreg
import errno
import io
import os
import pickle

from multiprocessing import context as _mpctx
from multiprocessing import reduction as _reduction

from . import _ipcq

ForkingPickler = _reduction.ForkingPickler
loads = ForkingPickler.loads


class _Pickler(pickle.Pickler):
    """ForkingPickler's reducers without its cost per call.

    ForkingPickler.__init__ copies copyreg's whole dispatch table for
    every object pickled (most of a small put's time); this class reads
    the same two tables through one live view, so a reducer registered
    later (ForkingPickler.register, copyreg.pickle) still applies.
    """

    dispatch_table = collections.ChainMap(ForkingPickler._extra_reducers,
                                          copyreg.dispatch_table)


def dumps(obj, protocol=None):
    """ForkingPickler.dumps(obj, protocol): the same bytes, faster."""
    buf = io.BytesIO()
    _Pickler(buf, protocol).dump(obj)
    return buf.getbuffer()


class OwnerDeadError(OSError):
    """A lock was acquired whose previous holder died holding it.

    The caller holds the lock now. The data it protects may be
    inconsistent: repair it and call the lock's ``consistent()`` before
    releasing it, or the lock becomes unusable for good
    (``ENOTRECOVERABLE``).
    """

    def __init__(self, msg="previous holder died holding the lock"):
        super().__init__(errno.EOWNERDEAD, msg)


try:
    from queue import ShutDown  # Python 3.13
except ImportError:
    class ShutDown(Exception):
        """Raised by put() and get() on a queue that was shut down."""


def timeout_ns(block=True, timeout=None):
    """multiprocessing's (block, timeout) as libipcdev's nanoseconds."""
    if not block:
        return 0
    if timeout is None:
        return -1
    if timeout <= 0:
        return 0
    return max(1, int(timeout * 1e9))


def reduce_handle(obj, h, spawning_only=True):
    """A picklable stand-in for handle @h of @obj (see the module doc)."""
    if spawning_only:
        _mpctx.assert_spawning(obj)
    return (h.kind, _reduction.DupFd(h.fileno()))


def rebuild_handle(state):
    kind, dupfd = state
    fd = dupfd.detach()
    try:
        return _ipcq.from_fd(kind, fd)
    except BaseException:
        try:
            os.close(fd)
        except OSError:
            pass
        raise
