"""Pipe, Connection, Listener, Client: multiprocessing.connection on ipcq.

A Connection is one end of an ipcq pipe: each send is one message (no
framing, no partial reads), an end's peer closing (or dying) is EOFError
once drained, and fileno() polls readable for a message or end-of-file,
so multiprocessing.connection.wait() works on it. Listener and Client
connect unrelated processes by a name in the IPC namespace (not a socket
path); the listener knows each peer's pid, uid and gid
(``Listener.last_accepted``, ``Connection.peer()``). With an authkey both
sides run multiprocessing's own HMAC challenge over the new connection.

A message larger than the module's max_msg_size (4 MiB by default, a
parameter of the module) fails with ValueError.
"""

import errno
import itertools
import os

from multiprocessing import AuthenticationError, BufferTooShort
from multiprocessing import connection as _mpconn

from . import _ipcq
from ._common import dumps, loads, rebuild_handle, reduce_handle, timeout_ns

__all__ = ['Connection', 'Pipe', 'Listener', 'Client', 'wait',
           'AuthenticationError', 'BufferTooShort']

wait = _mpconn.wait


class Connection(object):
    """multiprocessing.connection.Connection over an ipcq pipe end."""

    def __init__(self, handle, readable=True, writable=True):
        if not readable and not writable:
            raise ValueError(
                "at least one of `readable` and `writable` must be True")
        self._h = handle
        self._readable = readable
        self._writable = writable

    def __repr__(self):
        return (f"<{type(self).__module__}.{type(self).__qualname__} "
                f"{'closed' if self._h is None else self._h.fileno()}>")

    def __del__(self):
        if getattr(self, '_h', None) is not None:
            self._h.close()

    def _check_closed(self):
        if self._h is None:
            raise OSError("handle is closed")

    def _check_readable(self):
        if not self._readable:
            raise OSError("connection is write-only")

    def _check_writable(self):
        if not self._writable:
            raise OSError("connection is read-only")

    @property
    def closed(self):
        return self._h is None

    @property
    def readable(self):
        return self._readable

    @property
    def writable(self):
        return self._writable

    def fileno(self):
        self._check_closed()
        return self._h.fileno()

    def close(self):
        if self._h is not None:
            try:
                self._h.close()
            finally:
                self._h = None

    def _send(self, data):
        try:
            self._h.send(data, -1)
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                raise ValueError(f"message of {len(data)} bytes is above "
                                 "the module's max_msg_size") from None
            raise

    def send_bytes(self, buf, offset=0, size=None):
        self._check_closed()
        self._check_writable()
        m = memoryview(buf)
        if m.itemsize > 1:
            m = m.cast('B')
        n = m.nbytes
        if offset < 0:
            raise ValueError("offset is negative")
        if n < offset:
            raise ValueError("buffer length < offset")
        if size is None:
            size = n - offset
        elif size < 0:
            raise ValueError("size is negative")
        elif offset + size > n:
            raise ValueError("buffer length < offset + size")
        self._send(m[offset:offset + size])

    def send(self, obj):
        self._check_closed()
        self._check_writable()
        self._send(dumps(obj))

    def _recv(self):
        data = self._h.recv(-1)
        if data is None:
            raise EOFError
        return data

    def recv_bytes(self, maxlength=None):
        self._check_closed()
        self._check_readable()
        if maxlength is not None and maxlength < 0:
            raise ValueError("negative maxlength")
        data = self._recv()
        if maxlength is not None and len(data) > maxlength:
            self.close()
            raise OSError("bad message length")
        return data

    def recv_bytes_into(self, buf, offset=0):
        self._check_closed()
        self._check_readable()
        with memoryview(buf) as m:
            itemsize = m.itemsize
            bytesize = itemsize * len(m)
            if offset < 0:
                raise ValueError("negative offset")
            elif offset > bytesize:
                raise ValueError("offset too large")
            data = self._recv()
            size = len(data)
            if bytesize < offset + size:
                raise BufferTooShort(data)
            m.cast('B')[offset:offset + size] = data
            return size

    def recv(self):
        self._check_closed()
        self._check_readable()
        return loads(self._recv())

    def poll(self, timeout=0.0):
        self._check_closed()
        self._check_readable()
        return self._h.poll(timeout_ns(True, timeout))

    def peer(self):
        """(pid, uid, gid) of the peer when it connected (Client only)."""
        self._check_closed()
        return self._h.peer()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        self.close()

    def __reduce__(self):
        # As multiprocessing's: by fd to a spawned child, else through
        # its resource sharer (a Connection sent over a Connection).
        self._check_closed()
        return (_rebuild_connection,
                (reduce_handle(self, self._h, spawning_only=False),
                 self._readable, self._writable))


def _rebuild_connection(hstate, readable, writable):
    return Connection(rebuild_handle(hstate), readable, writable)



def Pipe(duplex=True):
    """multiprocessing.Pipe(duplex): two Connections."""
    a, b = _ipcq.pipe(duplex)
    if duplex:
        return Connection(a), Connection(b)
    return Connection(a, writable=False), Connection(b, readable=False)


_names = itertools.count()


def _check_family(family):
    if family not in (None, 'AF_IPCQ'):
        raise ValueError(f"unrecognized family {family!r}: ipcq listeners "
                         "are named objects (family 'AF_IPCQ')")


class Listener(object):
    """multiprocessing.connection.Listener(address=None, family=None,
    backlog=1, authkey=None); @address is a name (default: a fresh one).
    """

    def __init__(self, address=None, family=None, backlog=1, authkey=None):
        _check_family(family)
        if address is None:
            address = f"ipcq-listener-{os.getpid()}-{next(_names)}"
        if authkey is not None and not isinstance(authkey, bytes):
            raise TypeError('authkey should be a byte string')
        self._h = _ipcq.listener(address, max(backlog, 1), 0o600)
        self._address = address
        self._authkey = authkey
        self._last_accepted = None

    def accept(self):
        if self._h is None:
            raise OSError('listener is closed')
        c = Connection(self._h.accept(-1))
        self._last_accepted = c.peer()
        if self._authkey is not None:
            _mpconn.deliver_challenge(c, self._authkey)
            _mpconn.answer_challenge(c, self._authkey)
        return c

    def close(self):
        h, self._h = self._h, None
        if h is not None:
            h.close()

    def fileno(self):
        return self._h.fileno()

    @property
    def address(self):
        return self._address

    @property
    def last_accepted(self):
        return self._last_accepted

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        self.close()

    def __del__(self):
        if getattr(self, '_h', None) is not None:
            self._h.close()


def Client(address, family=None, authkey=None):
    """multiprocessing.connection.Client(address, family=None,
    authkey=None): a Connection to the Listener named @address.
    """
    _check_family(family)
    c = Connection(_ipcq.connect(address, True, -1))
    if authkey is not None:
        _mpconn.answer_challenge(c, authkey)
        _mpconn.deliver_challenge(c, authkey)
    return c
