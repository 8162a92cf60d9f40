"""CPython's own multiprocessing tests against ipcq's factories.

Debian's libpython3.11-testsuite ships test/_test_multiprocessing.py; its
test classes are run with the factories of its ProcessesMixin (Queue,
JoinableQueue, Pipe, Lock, RLock, Semaphore, BoundedSemaphore, Condition,
Event, Barrier, Value, Array, RawValue, RawArray) replaced by ipcq's,
under one start method per module (ipcq_mp_fork, ipcq_mp_spawn,
ipcq_mp_forkserver: a spawned child imports the module again to find the
test classes). Only the classes in CLASSES run; the tests in EXCLUDED are
reported as skipped with the reason they do not apply to ipcq.
"""

import unittest

import ipcq
import test._test_multiprocessing as tm

CLASSES = ['WithProcessesTestQueue', 'WithProcessesTestLock',
           'WithProcessesTestSemaphore', 'WithProcessesTestCondition',
           'WithProcessesTestEvent', 'WithProcessesTestBarrier',
           'WithProcessesTestValue', 'WithProcessesTestArray',
           'WithProcessesTestConnection', 'WithProcessesTestPoll']

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
             'Array', 'RawValue', 'RawArray']


def _excluded(reason):
    def skipped(self):
        raise unittest.SkipTest('excluded: ' + reason)
    return skipped


def install(globs, method):
    for name in FACTORIES:
        setattr(tm.ProcessesMixin, name, staticmethod(getattr(ipcq, name)))
    tm.install_tests_in_module_dict(globs, method)
    for name in list(globs):
        if name.startswith('WithProcessesTest') and name not in CLASSES:
            del globs[name]
        elif name.startswith(('With', 'Test', 'OtherTest', 'MiscTestCase',
                              'SemLockTests')) and name not in CLASSES:
            del globs[name]
    for name in CLASSES:
        cls = globs[name]
        for test, reason in EXCLUDED.items():
            if hasattr(cls, test):
                setattr(cls, test, _excluded(reason))
