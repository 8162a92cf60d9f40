"""Pool: multiprocessing.Pool whose workers can be killed.

multiprocessing's Pool shares one pipe between its workers for tasks and
one for results, each guarded by a lock: a worker killed at the wrong
moment leaves a lock held or half a message behind, and the task it was
running is never answered (map() waits forever). This Pool keeps
multiprocessing's API and threads (it is a subclass) and changes what
travels between them:

- every worker has a task queue of its own (an ipcq SimpleQueue) and is
  sent a task only when it has answered the last one, so the parent
  always knows which task each worker holds;
- results go back through one ipcq SimpleQueue, each message whole or
  not there at all, whatever happens to the sender;
- when a worker dies (the pool's worker handler reaps it), a notice goes
  into the result queue after everything the worker sent. The result
  handler reads it in that order: a task the worker never took (still in
  its queue) goes to another worker; the task it was running fails with
  WorkerLostError (ChildProcessError, errno ECHILD), which the caller sees
  as an exception of that task (map() raises it); the replacement worker
  carries on with the rest.

A task is run at most once: never retried after its worker took it,
since it may have had effects.
"""

import collections
import errno
import threading
from multiprocessing import pool as _mppool
from multiprocessing import util as _util

from . import _ipcq, queues
from ._common import dumps

__all__ = ['Pool', 'WorkerLostError']


class WorkerLostError(ChildProcessError):
    """The pool worker running this task died before answering."""

    def __init__(self, pid, exitcode):
        super().__init__(errno.ECHILD,
                         f"pool worker {pid} died running this task "
                         f"(exit code {exitcode})")
        self.pid = pid
        self.exitcode = exitcode

    def __reduce__(self):
        return (type(self), (self.pid, self.exitcode))


def _worker(slot, tasks, results, initializer=None, initargs=(),
            maxtasks=None, wrap_exception=False):
    """A worker's loop: multiprocessing.pool.worker's, answering with its
    slot number so the parent knows who answered."""
    # Only a consumer of its task queue: when the parent is gone (killed
    # with no chance to stop its workers) no producer is left and get()
    # ends the loop with EOFError.
    h = tasks._h.endpoint(_ipcq.CONSUMER)
    tasks._h.close()
    tasks._h = h
    if initializer is not None:
        initializer(*initargs)
    done = 0
    while maxtasks is None or done < maxtasks:
        try:
            task = tasks.get()
        except (EOFError, OSError):
            break
        if task is None:
            break
        job, i, func, args, kwds = task
        try:
            result = (True, func(*args, **kwds))
        except Exception as e:
            if wrap_exception and \
                    func is not _mppool._helper_reraises_exception:
                e = _mppool.ExceptionWithTraceback(e, e.__traceback__)
            result = (False, e)
        try:
            results.put((slot, job, i, result))
        except Exception as e:
            wrapped = _mppool.MaybeEncodingError(e, result[1])
            results.put((slot, job, i, (False, wrapped)))
        task = func = args = kwds = result = None
        done += 1


class _Slot(object):
    """One live worker: its task queue and the task it was sent."""

    def __init__(self, number, tasks):
        self.number = number
        self.tasks = tasks
        self.task = None        # ((job, i), bytes) sent, not answered
        self.stopped = False    # sent the None that ends it


class _Workers(list):
    """The pool's list of worker processes (Pool._pool). The worker
    handler deletes a dead worker from it: the deletion posts the notice
    that the result handler acts on (see the module doc)."""

    def __init__(self, dispatcher):
        super().__init__()
        self._dispatcher = dispatcher

    def __delitem__(self, i):
        process = self[i]
        super().__delitem__(i)
        self._dispatcher.reaped(process)


class _Dispatcher(object):
    """Sends tasks to idle workers, reads their answers, replaces what a
    dead worker left. Its methods run in the pool's three threads: the
    task handler (put), the result handler (get) and the worker handler
    (add, reaped); one condition variable guards the state."""

    def __init__(self, results):
        self._results = results
        self._cond = threading.Condition()
        self._slots = {}                        # number -> _Slot
        self._by_process = {}                   # process -> _Slot
        self._pending = collections.deque()     # tasks for the next idle
        self._numbers = 0
        self._aborted = False
        self.resent = 0         # tasks sent again after their worker died

    def add(self, process_factory, args, kwds):
        """A new worker process (not started) with a queue of its own."""
        with self._cond:
            number = self._numbers
            self._numbers += 1
            tasks = queues.SimpleQueue()
            kwds = dict(kwds, target=_worker, args=(number, tasks,
                                                    self._results) + args)
            process = process_factory(**kwds)
            slot = _Slot(number, tasks)
            self._slots[number] = slot
            self._by_process[process] = slot
            self._pump()
            return process

    def _idle(self):
        for slot in self._slots.values():
            if slot.task is None and not slot.stopped:
                return slot
        return None

    def _pump(self):
        """Sends pending tasks to idle workers (the lock held). A pending
        task is ((job, i), its pickled bytes): pickled by put(), so that
        an object that cannot be pickled fails its own put() and nothing
        here."""
        while self._pending:
            slot = self._idle()
            if slot is None:
                break
            key, data = self._pending.popleft()
            slot.task = (key, data)
            slot.tasks._h.put(data, -1, 0)
        self._cond.notify_all()

    def put(self, task):
        """Pool._quick_put: @task to an idle worker (waiting for one), or
        None: the end of one worker."""
        if task is None:
            with self._cond:
                for slot in self._slots.values():
                    if not slot.stopped:
                        slot.stopped = True
                        slot.tasks.put(None)
                        break
            return
        data = bytes(dumps(task))
        with self._cond:
            self._pending.append((task[:2], data))
            self._pump()
            # Back-pressure: the task handler takes the next task once
            # every pending one is out (or the pool is terminated).
            while self._pending and not self._aborted:
                self._cond.wait()

    def reaped(self, process):
        """The worker handler found @process dead: tell the result
        handler, after all the worker sent."""
        with self._cond:
            slot = self._by_process.pop(process, None)
        if slot is not None:
            self._results.put(('lost', slot.number, process.pid,
                               process.exitcode))

    def get(self):
        """Pool._quick_get: the next (job, i, result), or None."""
        while True:
            msg = self._results.get()
            if msg is None:
                return None
            if msg[0] == 'lost':
                answer = self._lost(*msg[1:])
                if answer is None:
                    continue
                return answer
            number, job, i, result = msg
            with self._cond:
                slot = self._slots.get(number)
                if slot is not None:
                    slot.task = None
                    self._pump()
            return job, i, result

    def _lost(self, number, pid, exitcode):
        """A dead worker's task: sent again if it was never taken, else
        failed (returned as its answer)."""
        with self._cond:
            slot = self._slots.pop(number, None)
            if slot is None:
                return None
            task, slot.task = slot.task, None
            lost = None
            if task is not None:
                # Nobody else takes from a dead worker's queue. It holds
                # the task unless the worker took it, then the None that
                # was to end the worker if one was sent (never before).
                if slot.tasks.qsize() > (1 if slot.stopped else 0):
                    slot.tasks._h.get(0, False)
                    self._pending.appendleft(task)
                    self.resent += 1
                else:
                    lost = task[0]
            self._pump()
            slot.tasks.close()
        if lost is None:
            return None
        _util.debug('pool worker %s died running job %s', pid, lost[0])
        return lost[0], lost[1], (False, WorkerLostError(pid, exitcode))

    def abort(self):
        """Pool termination: nothing more is sent; the task handler, if it
        waits for an idle worker, returns."""
        with self._cond:
            self._aborted = True
            self._pending.clear()
            self._cond.notify_all()

    def fileno(self):
        """The result queue's descriptor, for the worker handler's wait."""
        return self._results._h.fileno()


class Pool(_mppool.Pool):
    """multiprocessing.Pool(processes=None, initializer=None, initargs=(),
    maxtasksperchild=None, context=None) that survives killed workers
    (see the module doc)."""

    def __init__(self, processes=None, initializer=None, initargs=(),
                 maxtasksperchild=None, context=None):
        self._dispatcher = _Dispatcher(queues.SimpleQueue())
        super().__init__(processes, initializer, initargs,
                         maxtasksperchild, context)

    def __setattr__(self, name, value):
        # multiprocessing's __init__ makes _pool a plain list: ours tells
        # the dispatcher which workers were reaped.
        if name == '_pool' and not isinstance(value, _Workers):
            workers = _Workers(self._dispatcher)
            workers.extend(value)
            value = workers
        super().__setattr__(name, value)

    def Process(self, ctx, *args, **kwds):
        # The worker handler's way to start a worker (multiprocessing
        # passes target=worker, args=(inqueue, outqueue, initializer,
        # initargs, maxtasks, wrap_exception)).
        args = kwds.pop('args', args[1] if len(args) > 1 else ())
        return self._dispatcher.add(ctx.Process, tuple(args[2:]), kwds)

    def _setup_queues(self):
        self._inqueue = self._dispatcher
        self._outqueue = self._dispatcher._results
        self._quick_put = self._dispatcher.put
        self._quick_get = self._dispatcher.get

    def _get_sentinels(self):
        return [self._dispatcher.fileno(), self._change_notifier._reader]

    @staticmethod
    def _help_stuff_finish(inqueue, task_handler, size):
        inqueue.abort()
