"""The ipcq package's own tests (python_test in the VM).

What CPython's multiprocessing tests (cpython_mp_*_test) do not check:
what ipcq adds (end-of-file, EOWNERDEAD, shutdown, priorities, peek,
exact counts), its error paths, every object's trip to a child under
each start method, the context, signals during waits.
"""

import array
import ctypes
import errno
import os
import pickle
import queue
import signal
import threading
import time
import unittest

import multiprocessing
from multiprocessing import BufferTooShort

import ipcq
from ipcq import connection

METHODS = ('fork', 'spawn', 'forkserver')


def _child_roundtrip(q, out):
    out.put(q.get() * 2)


def _child_sync(lock, sem, ev, out):
    with lock:
        out.put('locked')
    sem.release()
    ev.wait()
    out.put('set')


def _child_value(v, a):
    with v.get_lock():
        v.value += 1
    for i in range(len(a)):
        a[i] = a[i] * 2


def _child_die_holding(lock, ready):
    lock.acquire()
    ready.set()
    os._exit(0)


def _child_producer(q):
    q.put('last')


def _child_conn(conn):
    conn.send(conn.recv() + 1)
    conn.close()


def _child_sigint(pid):
    time.sleep(0.2)
    os.kill(pid, signal.SIGINT)


def _child_barrier(b, out):
    out.put(b.wait())


def _square(x):
    return x * x


def _die_on(x, victim):
    """A pool task whose worker is killed (SIGKILL) when @x is @victim."""
    if x == victim:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def _raise_value_error(x):
    raise ValueError(x)


def _worker_pid(_):
    return os.getpid()


def _running(pid):
    """@pid exists and is not a zombie (an orphan's reaper may be slow)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


class TestQueue(unittest.TestCase):
    def test_put_get_fifo_and_exact_qsize(self):
        q = ipcq.Queue()
        for i in range(5):
            q.put({'i': i})
            self.assertEqual(q.qsize(), i + 1)
        self.assertEqual([q.get()['i'] for _ in range(5)], list(range(5)))
        self.assertTrue(q.empty())

    def test_full_and_empty(self):
        q = ipcq.Queue(2)
        q.put(1)
        q.put(2)
        self.assertTrue(q.full())
        self.assertRaises(queue.Full, q.put, 3, False)
        self.assertRaises(queue.Full, q.put, 3, True, 0.01)
        self.assertRaises(queue.Full, q.put_nowait, 3)
        q.get(), q.get()
        self.assertRaises(queue.Empty, q.get, False)
        self.assertRaises(queue.Empty, q.get, True, 0.01)
        self.assertRaises(queue.Empty, q.get_nowait)
        self.assertRaises(queue.Empty, q.get, True, -1)

    def test_maxsize_zero_or_negative_is_unbounded(self):
        for n in (0, -5):
            q = ipcq.Queue(n)
            self.assertFalse(q.full())
            for i in range(300):
                q.put_nowait(i)
            self.assertEqual(q.qsize(), 300)

    def test_closed(self):
        q = ipcq.Queue()
        q.close()
        self.assertRaisesRegex(ValueError, 'is closed', q.put, 1)
        self.assertRaisesRegex(ValueError, 'is closed', q.get)
        q.join_thread()
        q.cancel_join_thread()
        q2 = ipcq.Queue()
        self.assertRaises(AssertionError, q2.join_thread)

    def test_unpicklable_raises_at_put(self):
        q = ipcq.Queue()
        self.assertRaises(Exception, q.put, lambda: 1)
        self.assertEqual(q.qsize(), 0)

    def test_pickles_as_forking_pickler(self):
        # The same bytes as multiprocessing's ForkingPickler, and a
        # reducer registered after ipcq was imported applies to puts.
        from multiprocessing.reduction import ForkingPickler
        from ipcq import _common
        obj = (1, 'x' * 40, [2.5, None], {'k': b'v'})
        self.assertEqual(bytes(_common.dumps(obj)),
                         bytes(ForkingPickler.dumps(obj)))

        class Late(object):
            pass

        ForkingPickler.register(Late, lambda o: (str, ('reduced',)))
        try:
            q = ipcq.Queue()
            q.put(Late())
            self.assertEqual(q.get(timeout=10), 'reduced')
        finally:
            del ForkingPickler._extra_reducers[Late]

    def test_peek_and_get_prio_raise_empty(self):
        q = ipcq.Queue()
        self.assertRaises(queue.Empty, q.peek, False)
        self.assertRaises(queue.Empty, q.get_prio, True, 0.01)
        q.shutdown()
        self.assertRaises(ipcq.ShutDown, q.get_prio, False)

    def test_priorities_and_peek(self):
        q = ipcq.Queue()
        q.put('low')
        q.put('high', prio=5)
        self.assertEqual(q.peek(), 'high')
        self.assertEqual(q.qsize(), 2)
        self.assertEqual(q.get_prio(), ('high', 5))
        self.assertEqual(q.get(), 'low')

    def test_shutdown(self):
        q = ipcq.Queue()
        q.put(1)
        q.shutdown()
        self.assertRaises(ipcq.ShutDown, q.put, 2)
        self.assertEqual(q.get(), 1)
        self.assertRaises(ipcq.ShutDown, q.get)

    def test_shutdown_immediate_drops(self):
        q = ipcq.Queue()
        q.put(1)
        q.shutdown(immediate=True)
        self.assertRaises(ipcq.ShutDown, q.get)

    def test_shutdown_wakes_blocked_getter(self):
        q = ipcq.Queue()
        got = []

        def getter():
            try:
                q.get()
            except ipcq.ShutDown:
                got.append('shutdown')
        t = threading.Thread(target=getter)
        t.start()
        while q.stat()['getters'] == 0:
            time.sleep(0.01)
        q.shutdown()
        t.join()
        self.assertEqual(got, ['shutdown'])

    def test_eof_when_last_producer_exits(self):
        q = ipcq.Queue()
        consumer = q.endpoint('consumer')
        producer = q.endpoint('producer')
        q.close()
        p = multiprocessing.get_context('fork').Process(
            target=_child_producer, args=(producer,))
        p.start()
        producer.close()
        self.assertEqual(consumer.get(), 'last')
        p.join()
        self.assertRaises(EOFError, consumer.get)
        self.assertEqual(consumer.stat()['producers'], 0)

    def test_epipe_without_consumer(self):
        q = ipcq.Queue()
        producer = q.endpoint('producer')
        q.close()
        self.assertRaises(BrokenPipeError, producer.put, 1)

    def test_endpoint_roles(self):
        q = ipcq.Queue()
        producer = q.endpoint('producer')
        self.assertRaises(OSError, producer.get, False)
        self.assertRaises(KeyError, q.endpoint, 'nobody')

    def test_joinable(self):
        q = ipcq.JoinableQueue()
        q.put(1)
        q.get()
        q.task_done()
        q.join()
        self.assertRaisesRegex(ValueError, 'too many', q.task_done)

    def test_simplequeue(self):
        q = ipcq.SimpleQueue()
        self.assertTrue(q.empty())
        q.put([1, 2])
        self.assertFalse(q.empty())
        self.assertEqual(q.get(), [1, 2])
        q.close()
        self.assertRaises(OSError, q.get)

    def test_large_object(self):
        q = ipcq.Queue()
        big = b'x' * (1 << 20)
        q.put(big)
        self.assertEqual(q.get(), big)

    def test_fileno_polls(self):
        import select
        q = ipcq.Queue()
        self.assertEqual(select.select([q.fileno()], [], [], 0)[0], [])
        q.put(1)
        self.assertEqual(select.select([q.fileno()], [], [], 0)[0],
                         [q.fileno()])

    def test_pickled_only_while_spawning(self):
        self.assertRaises(RuntimeError, pickle.dumps, ipcq.Queue())
        self.assertRaises(RuntimeError, pickle.dumps, ipcq.Lock())

    def test_child_under_every_start_method(self):
        for m in METHODS:
            with self.subTest(method=m):
                ctx = ipcq.get_context(m)
                q, out = ctx.Queue(), ctx.Queue()
                p = ctx.Process(target=_child_roundtrip, args=(q, out))
                p.start()
                q.put(21)
                self.assertEqual(out.get(timeout=60), 42)
                p.join()
                self.assertEqual(p.exitcode, 0)


class TestPipe(unittest.TestCase):
    def test_duplex(self):
        a, b = ipcq.Pipe()
        a.send({'x': 1})
        self.assertEqual(b.recv(), {'x': 1})
        b.send_bytes(b'hello')
        self.assertEqual(a.recv_bytes(), b'hello')

    def test_one_way(self):
        r, w = ipcq.Pipe(duplex=False)
        self.assertRaisesRegex(OSError, 'read-only', r.send, 1)
        self.assertRaisesRegex(OSError, 'write-only', w.recv)
        self.assertFalse(r.writable)
        self.assertFalse(w.readable)

    def test_send_bytes_offsets(self):
        a, b = ipcq.Pipe()
        a.send_bytes(b'0123456789', 2, 3)
        self.assertEqual(b.recv_bytes(), b'234')
        a.send_bytes(b'0123456789', 7)
        self.assertEqual(b.recv_bytes(), b'789')
        a.send_bytes(array.array('i', [1, 2]), 4)
        self.assertEqual(b.recv_bytes(), array.array('i', [2]).tobytes())
        self.assertRaises(ValueError, a.send_bytes, b'abc', -1)
        self.assertRaises(ValueError, a.send_bytes, b'abc', 4)
        self.assertRaises(ValueError, a.send_bytes, b'abc', 1, -1)
        self.assertRaises(ValueError, a.send_bytes, b'abc', 1, 3)

    def test_empty_message(self):
        a, b = ipcq.Pipe()
        a.send_bytes(b'')
        self.assertTrue(b.poll())
        self.assertEqual(b.recv_bytes(), b'')

    def test_recv_bytes_into(self):
        a, b = ipcq.Pipe()
        buf = bytearray(8)
        a.send_bytes(b'abc')
        self.assertEqual(b.recv_bytes_into(buf, 2), 3)
        self.assertEqual(bytes(buf[2:5]), b'abc')
        a.send_bytes(b'0123456789')
        with self.assertRaises(BufferTooShort) as cm:
            b.recv_bytes_into(buf)
        self.assertEqual(cm.exception.args[0], b'0123456789')
        self.assertRaises(ValueError, b.recv_bytes_into, buf, -1)
        self.assertRaises(ValueError, b.recv_bytes_into, buf, 9)

    def test_recv_bytes_maxlength(self):
        a, b = ipcq.Pipe()
        self.assertRaises(ValueError, b.recv_bytes, -1)
        a.send_bytes(b'too long')
        self.assertRaisesRegex(OSError, 'bad message length',
                               b.recv_bytes, 3)
        self.assertTrue(b.closed)

    def test_eof_after_peer_close(self):
        a, b = ipcq.Pipe()
        a.send(1)
        a.close()
        self.assertEqual(b.recv(), 1)
        self.assertTrue(b.poll())
        self.assertRaises(EOFError, b.recv)

    def test_closed_connection(self):
        a, b = ipcq.Pipe()
        a.close()
        a.close()
        self.assertTrue(a.closed)
        self.assertRaisesRegex(OSError, 'handle is closed', a.send, 1)
        self.assertRaisesRegex(OSError, 'handle is closed', a.fileno)

    def test_poll_timeout(self):
        a, b = ipcq.Pipe()
        self.assertFalse(b.poll())
        self.assertFalse(b.poll(0.01))
        a.send(1)
        self.assertTrue(b.poll(None))

    def test_connection_wait(self):
        a, b = ipcq.Pipe()
        c, d = ipcq.Pipe()
        self.assertEqual(connection.wait([b, d], 0), [])
        c.send(1)
        self.assertEqual(connection.wait([b, d], None), [d])

    def test_context_manager_and_repr(self):
        a, b = ipcq.Pipe()
        with a:
            self.assertIn('Connection', repr(a))
        self.assertTrue(a.closed)

    def test_pickled_over_pipe(self):
        a, b = ipcq.Pipe()
        c, d = ipcq.Pipe()
        a.send(c)
        c2 = b.recv()
        c2.send('through')
        self.assertEqual(d.recv(), 'through')

    def test_child_under_every_start_method(self):
        for m in METHODS:
            with self.subTest(method=m):
                ctx = ipcq.get_context(m)
                a, b = ctx.Pipe()
                p = ctx.Process(target=_child_conn, args=(b,))
                p.start()
                b.close()
                a.send(41)
                self.assertEqual(a.recv(), 42)
                p.join()
                self.assertRaises(EOFError, a.recv)


class TestSync(unittest.TestCase):
    def test_lock(self):
        lock = ipcq.Lock()
        self.assertEqual(repr(lock), '<Lock(owner=None)>')
        self.assertTrue(lock.acquire())
        self.assertIn('MainProcess', repr(lock))
        self.assertFalse(lock.acquire(False))
        self.assertFalse(lock.acquire(True, 0.01))
        lock.release()
        self.assertRaises(ValueError, lock.release)
        with lock:
            pass

    def test_rlock(self):
        lock = ipcq.RLock()
        for _ in range(3):
            self.assertTrue(lock.acquire())
        self.assertRegex(repr(lock), r'<RLock\(MainProcess, 3\)>')
        for _ in range(3):
            lock.release()
        self.assertRaises(AssertionError, lock.release)

    def test_owner_dead(self):
        ctx = ipcq.get_context('fork')
        lock, ready = ctx.Lock(), ctx.Event()
        p = ctx.Process(target=_child_die_holding, args=(lock, ready))
        p.start()
        p.join()
        with self.assertRaises(ipcq.OwnerDeadError) as cm:
            lock.acquire()
        self.assertEqual(cm.exception.errno, errno.EOWNERDEAD)
        lock.consistent()
        lock.release()
        self.assertTrue(lock.acquire(False))
        lock.release()

    def test_semaphore(self):
        s = ipcq.Semaphore(2)
        self.assertEqual(s.get_value(), 2)
        self.assertTrue(s.acquire())
        self.assertTrue(s.acquire())
        self.assertFalse(s.acquire(False))
        self.assertFalse(s.acquire(timeout=0.01))
        s.release()
        s.release()
        s.release()
        self.assertEqual(repr(s), '<Semaphore(value=3)>')
        self.assertRaises(ValueError, ipcq.Semaphore, -1)

    def test_bounded_semaphore(self):
        s = ipcq.BoundedSemaphore(1)
        self.assertRaises(ValueError, s.release)
        self.assertEqual(repr(s), '<BoundedSemaphore(value=1, maxvalue=1)>')

    def test_event(self):
        e = ipcq.Event()
        self.assertFalse(e.is_set())
        self.assertFalse(e.wait(0))
        self.assertFalse(e.wait(0.01))
        self.assertRegex(repr(e), r'<Event at .* unset>')
        e.set()
        self.assertTrue(e.wait())
        self.assertRegex(repr(e), r'<Event at .* set>')
        e.clear()
        self.assertFalse(e.is_set())

    def test_condition(self):
        c = ipcq.Condition()
        self.assertIsInstance(c._lock, ipcq.synchronize.RLock)
        self.assertRaises(AssertionError, c.wait, 0)
        with c:
            self.assertFalse(c.wait(0))
            self.assertFalse(c.wait(0.01))
            self.assertEqual(c.wait_for(lambda: 7), 7)
            self.assertFalse(c.wait_for(lambda: False, 0.01))
            c.notify()
            c.notify_all()
        self.assertRaises(TypeError, ipcq.Condition, threading.Lock())

    def test_condition_with_lock(self):
        c = ipcq.Condition(ipcq.Lock())
        with c:
            self.assertFalse(c.wait(0))

    def test_barrier(self):
        b = ipcq.Barrier(1)
        self.assertEqual(b.wait(), 0)
        self.assertEqual(b.parties, 1)
        self.assertEqual(b.n_waiting, 0)
        self.assertFalse(b.broken)
        b.abort()
        self.assertTrue(b.broken)
        self.assertRaises(threading.BrokenBarrierError, b.wait)
        b.reset()
        self.assertFalse(b.broken)
        self.assertRaises(ValueError, ipcq.Barrier, 0)

    def test_barrier_timeout_breaks(self):
        b = ipcq.Barrier(2, timeout=0.01)
        self.assertRaises(threading.BrokenBarrierError, b.wait)
        self.assertTrue(b.broken)

    def test_barrier_action(self):
        ran = []
        b = ipcq.Barrier(1, action=lambda: ran.append(1))
        b.wait()
        self.assertEqual(ran, [1])

        def bad():
            raise KeyError
        b = ipcq.Barrier(1, action=bad)
        self.assertRaises(KeyError, b.wait)
        self.assertTrue(b.broken)

    def test_barrier_children(self):
        for m in METHODS:
            with self.subTest(method=m):
                ctx = ipcq.get_context(m)
                b, out = ctx.Barrier(3), ctx.Queue()
                ps = [ctx.Process(target=_child_barrier, args=(b, out))
                      for _ in range(2)]
                for p in ps:
                    p.start()
                idx = [b.wait()] + [out.get(timeout=60) for _ in ps]
                self.assertEqual(sorted(idx), [0, 1, 2])
                for p in ps:
                    p.join()

    def test_children_hold_by_themselves(self):
        for m in METHODS:
            with self.subTest(method=m):
                ctx = ipcq.get_context(m)
                lock, sem, ev, out = (ctx.Lock(), ctx.Semaphore(0),
                                      ctx.Event(), ctx.Queue())
                p = ctx.Process(target=_child_sync,
                                args=(lock, sem, ev, out))
                p.start()
                self.assertEqual(out.get(timeout=60), 'locked')
                self.assertTrue(sem.acquire(timeout=60))
                ev.set()
                self.assertEqual(out.get(timeout=60), 'set')
                p.join()
                self.assertTrue(lock.acquire(False))
                lock.release()

    def test_sigint_ends_a_wait(self):
        # Only an interrupted wait can end: every wait here is forever.
        ctx = ipcq.get_context('fork')
        for wait in (ipcq.Lock, ipcq.Event, ipcq.Queue):
            with self.subTest(obj=wait.__name__):
                obj = wait()
                if wait is ipcq.Lock:
                    obj.acquire()
                p = ctx.Process(target=_child_sigint, args=(os.getpid(),))
                p.start()
                with self.assertRaises(KeyboardInterrupt):
                    if wait is ipcq.Lock:
                        obj.acquire()
                    elif wait is ipcq.Event:
                        obj.wait()
                    else:
                        obj.get()
                p.join()


class TestShared(unittest.TestCase):
    def test_value_and_array(self):
        v = ipcq.Value('i', 5)
        self.assertEqual(v.value, 5)
        self.assertIsInstance(v.get_lock(), ipcq.synchronize.RLock)
        self.assertIsInstance(v.get_obj(), ctypes.c_int)
        a = ipcq.Array('d', [1.0, 2.0])
        self.assertEqual(a[:], [1.0, 2.0])
        self.assertEqual(len(ipcq.Array('i', 10)), 10)
        raw = ipcq.RawValue(ctypes.c_double, 2.5)
        self.assertEqual(raw.value, 2.5)
        self.assertFalse(hasattr(raw, 'get_lock'))
        rawa = ipcq.RawArray('b', 3)
        self.assertEqual(rawa[:], [0, 0, 0])
        lock = ipcq.Lock()
        self.assertIs(ipcq.Value('i', lock=lock).get_lock(), lock)
        self.assertFalse(hasattr(ipcq.Value('i', lock=False), 'get_lock'))
        self.assertRaises(AttributeError, ipcq.Value, 'i', lock='x')

    def test_children_share(self):
        for m in METHODS:
            with self.subTest(method=m):
                ctx = ipcq.get_context(m)
                v, a = ctx.Value('i', 1), ctx.Array('i', [1, 2, 3])
                p = ctx.Process(target=_child_value, args=(v, a))
                p.start()
                p.join()
                self.assertEqual(p.exitcode, 0)
                self.assertEqual(v.value, 2)
                self.assertEqual(a[:], [2, 4, 6])


def _client(name, key):
    with connection.Client(name, authkey=key) as c:
        c.send(c.recv() * 2)


class TestPool(unittest.TestCase):
    def test_multiprocessing_api(self):
        with ipcq.Pool(2) as p:
            self.assertEqual(p.apply(_square, (7,)), 49)
            self.assertEqual(p.map(_square, range(20)),
                             [x * x for x in range(20)])
            self.assertEqual(p.map(_square, range(20), chunksize=6),
                             [x * x for x in range(20)])
            self.assertEqual(list(p.imap(_square, range(10))),
                             [x * x for x in range(10)])
            self.assertEqual(sorted(p.imap_unordered(_square, range(10))),
                             [x * x for x in range(10)])
            self.assertEqual(p.starmap(pow, [(2, 3), (3, 2)]), [8, 9])
            r = p.apply_async(_square, (3,))
            self.assertEqual(r.get(timeout=60), 9)
            self.assertTrue(r.successful())
            self.assertRaises(ValueError, p.apply, _raise_value_error, (1,))
            self.assertRaises(ValueError, p.map, _raise_value_error, [1])
        self.assertRaises(ValueError, p.apply, _square, (1,))

    def test_killed_worker_fails_its_task_only(self):
        # The task whose worker was killed fails with WorkerLostError
        # (ECHILD); the pool replaces the worker and serves on.
        with ipcq.Pool(2) as p:
            r = p.apply_async(_die_on, (5, 5))
            with self.assertRaises(ipcq.WorkerLostError) as cm:
                r.get(timeout=120)
            self.assertEqual(cm.exception.errno, errno.ECHILD)
            self.assertIsInstance(cm.exception, ChildProcessError)
            self.assertEqual(cm.exception.exitcode, -signal.SIGKILL)
            self.assertRaises(ipcq.WorkerLostError, p.starmap, _die_on,
                              [(x, 5) for x in range(10)], 1)
            self.assertEqual(p.map(_square, range(30)),
                             [x * x for x in range(30)])
            self.assertEqual(len(p._pool), 2)

    def test_killed_from_outside(self):
        # A worker killed by someone else while idle loses nothing.
        with ipcq.Pool(2) as p:
            pids = set(p.map(_worker_pid, range(8)))
            killed = {w.pid for w in p._pool}
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
            # kill() returns before the worker is dead: a task sent to it
            # meanwhile would be one it died running (WorkerLostError, as
            # documented). Idle means dead and replaced before the next map.
            deadline = time.monotonic() + 60
            while (killed & {w.pid for w in p._pool} and
                   time.monotonic() < deadline):
                time.sleep(0.05)
            self.assertFalse(killed & {w.pid for w in p._pool})
            self.assertEqual(p.map(_square, range(40)),
                             [x * x for x in range(40)])
            self.assertFalse(pids & {w.pid for w in p._pool})

    def test_tasks_sent_to_exiting_workers_are_resent(self):
        # With maxtasksperchild=1 each worker leaves after one task, so
        # the pool keeps sending tasks to workers that will never take
        # them: every one of those is resent, none lost or run twice.
        with ipcq.Pool(2, maxtasksperchild=1) as p:
            self.assertEqual(p.map(_square, range(24), chunksize=1),
                             [x * x for x in range(24)])
            self.assertGreater(p._dispatcher.resent, 0)
            self.assertEqual(len(set(p.map(_worker_pid, range(6), 1))), 6)

    def test_terminate_with_work_outstanding(self):
        p = ipcq.Pool(2)
        r = p.map_async(time.sleep, [5] * 8)
        p.terminate()
        p.join()
        self.assertFalse(r.ready() and r.successful())

    def test_every_start_method(self):
        for method in METHODS:
            with self.subTest(method=method):
                with ipcq.get_context(method).Pool(2) as p:
                    self.assertEqual(p.map(_square, range(6)),
                                     [x * x for x in range(6)])
                    r = p.apply_async(_die_on, (1, 1))
                    self.assertRaises(ipcq.WorkerLostError, r.get, 300)
                    self.assertEqual(p.apply(_square, (4,)), 16)

    def test_workers_leave_when_the_parent_is_killed(self):
        # The workers of a pool whose owner was killed (no terminate())
        # see end-of-file on their task queues and exit.
        r, w = os.pipe()
        owner = os.fork()
        if owner == 0:
            os.close(r)
            p = ipcq.Pool(2)
            pids = [wk.pid for wk in p._pool]
            os.write(w, (' '.join(map(str, pids)) + '\n').encode())
            time.sleep(600)
            os._exit(0)
        os.close(w)
        with os.fdopen(r) as f:
            pids = [int(x) for x in f.readline().split()]
        os.kill(owner, signal.SIGKILL)
        os.waitpid(owner, 0)
        for pid in pids:
            for _ in range(600):
                if not _running(pid):
                    break
                time.sleep(0.1)
            else:
                self.fail(f'worker {pid} still running')

    def test_worker_lost_error_pickles(self):
        e = pickle.loads(pickle.dumps(ipcq.WorkerLostError(12, -9)))
        self.assertEqual((e.pid, e.exitcode, e.errno), (12, -9, errno.ECHILD))


class TestListener(unittest.TestCase):
    def test_listener_client(self):
        ctx = multiprocessing.get_context('fork')
        with connection.Listener(authkey=b'secret') as lst:
            p = ctx.Process(target=_client, args=(lst.address, b'secret'))
            p.start()
            with lst.accept() as c:
                self.assertEqual(lst.last_accepted[0], p.pid)
                c.send(21)
                self.assertEqual(c.recv(), 42)
            p.join()
            self.assertEqual(p.exitcode, 0)

    def test_wrong_authkey(self):
        ctx = multiprocessing.get_context('fork')
        with connection.Listener(authkey=b'secret') as lst:
            p = ctx.Process(target=_client, args=(lst.address, b'wrong'))
            p.start()
            self.assertRaises(multiprocessing.AuthenticationError,
                              lst.accept)
            p.join()
            self.assertNotEqual(p.exitcode, 0)

    def test_errors(self):
        self.assertRaises(ValueError, connection.Listener, family='AF_UNIX')
        self.assertRaises(FileNotFoundError, connection.Client,
                          'ipcq-no-such-listener')
        with connection.Listener('ipcq-test-name') as lst:
            self.assertEqual(lst.address, 'ipcq-test-name')
            self.assertRaises(FileExistsError, connection.Listener,
                              'ipcq-test-name')


class TestContext(unittest.TestCase):
    def test_multiprocessing_names(self):
        self.assertIs(ipcq.Process, multiprocessing.Process)
        self.assertIs(ipcq.current_process, multiprocessing.current_process)
        self.assertEqual(ipcq.cpu_count(), multiprocessing.cpu_count())
        self.assertIs(ipcq.BufferTooShort, multiprocessing.BufferTooShort)
        self.assertRaises(AttributeError, getattr, ipcq, 'NoSuchThing')

    def test_get_context(self):
        for m in METHODS:
            ctx = ipcq.get_context(m)
            self.assertEqual(ctx.get_start_method(), m)
            self.assertIsInstance(ctx.Queue(), ipcq.queues.Queue)
            self.assertIsInstance(ctx.Lock(), ipcq.synchronize.Lock)
        self.assertIs(ipcq.get_context(), ipcq.get_context(None))
        self.assertRaises(ValueError, ipcq.get_context, 'nonsense')


class TestExamples(unittest.TestCase):
    """The README's examples (libipcdev/python/examples/), each a program
    written for multiprocessing with `import ipcq as multiprocessing`,
    run under every start method; each checks its own result."""

    def test_examples_run_unchanged(self):
        import subprocess
        import sys
        import tempfile
        here = os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), 'examples')
        with tempfile.TemporaryDirectory() as site:
            # The start method, chosen outside the unchanged program.
            with open(os.path.join(site, 'sitecustomize.py'), 'w') as f:
                f.write('import multiprocessing, os\n'
                        'multiprocessing.set_start_method('
                        'os.environ["IPCQ_START"], force=True)\n')
            env = dict(os.environ)
            env['PYTHONPATH'] = site + os.pathsep + env.get('PYTHONPATH', '')
            for name in sorted(os.listdir(here)):
                for m in METHODS:
                    with self.subTest(example=name, method=m):
                        env['IPCQ_START'] = m
                        r = subprocess.run(
                            [sys.executable, os.path.join(here, name)],
                            env=env, capture_output=True, text=True,
                            timeout=240)
                        self.assertEqual(r.returncode, 0, r.stderr)

if __name__ == '__main__':
    unittest.main()
