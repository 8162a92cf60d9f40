"""CPython's own multiprocessing tests against ipcq's factories.

Debian's libpython3.11-testsuite ships test/_test_multiprocessing.py; its
test classes are run with the factories of its ProcessesMixin (Queue,
JoinableQueue, Pipe, Lock, RLock, Semaphore, BoundedSemaphore, Condition,
Event, Barrier, Value, Array, RawValue, RawArray, Pool) replaced by ipcq's,
under one start method per module (ipcq_mp_fork, ipcq_mp_spawn,
ipcq_mp_forkserver: a spawned child imports the module again to find the
test classes). Only the classes in CLASSES run; the tests in EXCLUDED are
reported as skipped with the reason they do not apply to ipcq; one helper
that reads the stdlib's internals, _TestCondition.check_invariant, reads
ipcq's instead.
"""

import unittest

import ipcq
import test._test_multiprocessing as tm

CLASSES = ['WithProcessesTestQueue', 'WithProcessesTestLock',
           'WithProcessesTestSemaphore', 'WithProcessesTestCondition',
           'WithProcessesTestEvent', 'WithProcessesTestBarrier',
           'WithProcessesTestValue', 'WithProcessesTestArray',
           'WithProcessesTestConnection', 'WithProcessesTestPoll',
           'WithProcessesTestPool', 'WithProcessesTestPoolWorkerErrors',
           'WithProcessesTestPoolWorkerLifetime']

# test name -> why it tests the stdlib's internals, not the API.
EXCLUDED = {
    'test_queue_feeder_donot_stop_onexc':
        "the stdlib's feeder thread swallowing a pickling error: ipcq's "
        "put() pickles at once and raises it to the caller",
    'test_fd_transfer':
        "multiprocessing.reduction.send_handle over a Connection: the "
        "stdlib's fd transfer needs a socket, ipcq pipes carry no fds",
    'test_large_fd_transfer':
        "as test_fd_transfer",
    'test_missing_fd_transfer':
        "as test_fd_transfer",
    'test_spawn_close':
        "reads the stdlib's socketpair semantics (a message sent by a "
        "child to an end the parent closed)",
}

FACTORIES = ['Queue', 'JoinableQueue', 'Pipe', 'Lock', 'RLock', 'Semaphore',
             'BoundedSemaphore', 'Condition', 'Event', 'Barrier', 'Value',
             'Array', 'RawValue', 'RawArray', 'Pool']


def _excluded(reason):
    def skipped(self):
        raise unittest.SkipTest('excluded: ' + reason)
    return skipped


def check_invariant(self, cond):
    """_TestCondition's check that nobody sleeps, which reads the stdlib
    Condition's internal semaphores, on ipcq's kernel count instead."""
    self.assertEqual(cond._waiters(), 0)


# _TestBarrier's default timeout, 30 s ("slow Windows buildbots need
# generous timeout"): under QEMU TCG on a busy host, spawning its four
# processes takes about as long, and the first wait broke before the last
# party arrived. Only its length changes; the tests that time out on
# purpose pass their own timeouts.
BARRIER_TIMEOUT = 300.0


def install(globs, method):
    tm._TestBarrier.defaultTimeout = BARRIER_TIMEOUT
    for name in FACTORIES:
        setattr(tm.ProcessesMixin, name, staticmethod(getattr(ipcq, name)))
    tm._TestCondition.check_invariant = check_invariant
    tm.install_tests_in_module_dict(globs, method)
    for name, obj in list(globs.items()):
        if isinstance(obj, type) and issubclass(obj, unittest.TestCase) \
                and name not in CLASSES:
            del globs[name]
    for name in CLASSES:
        cls = globs[name]
        for test, reason in EXCLUDED.items():
            if hasattr(cls, test):
                setattr(cls, test, _excluded(reason))
