"""Run unittest tests and report them in TAP, one line per test method.

    python3 tap.py [--prefix P] MODULE [CLASS_PATTERN...]

tools/vm/run-suite counts the lines ``ok N``, ``not ok N`` and ``# SKIP``;
tracebacks go out as TAP comments. Exit status 0 when nothing failed.

A test still running after TEST_LIMIT seconds (IPCQ_PY_TEST_LIMIT) is
taken for hung: every thread's stack (the test's method among the
frames) goes to stderr and the run ends with status 1, which run-suite
reports as a failure, before the run's own limit (tests/settings: 600
or 900 s) kills it without a word.
"""

import faulthandler
import fnmatch
import importlib
import os
import sys
import time
import traceback
import unittest

TEST_LIMIT = float(os.environ.get('IPCQ_PY_TEST_LIMIT', '300'))


class TapResult(unittest.TestResult):
    def __init__(self, prefix):
        super().__init__()
        self.n = 0
        self.prefix = prefix

    def startTest(self, test):
        super().startTest(test)
        self.start = time.monotonic()
        faulthandler.dump_traceback_later(TEST_LIMIT, exit=True)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)

    def _line(self, ok, test, extra=''):
        self.n += 1
        name = self.prefix + test.id().split('.', 1)[-1]
        print(f"{'ok' if ok else 'not ok'} {self.n} {name}{extra}",
              flush=True)
        # Where a run's time goes (not a check: nothing compares it).
        print(f"# {time.monotonic() - self.start:.1f}s", flush=True)

    def _comment(self, err):
        for line in ''.join(traceback.format_exception(*err)).splitlines():
            print('# ' + line)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._comment(err)
        self._line(False, test)

    def addError(self, test, err):
        super().addError(test, err)
        self._comment(err)
        self._line(False, test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, f' # SKIP {reason}')

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, ' # expected failure')

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, ' # unexpected success')


def run(suite, prefix=''):
    """Runs @suite (a TestSuite), TAP on stdout; True if nothing failed."""
    print('TAP version 13', flush=True)
    print(f'1..{suite.countTestCases()}', flush=True)
    result = TapResult(prefix)
    suite.run(result)
    return result.wasSuccessful()


def main(argv):
    prefix = ''
    if argv[:1] == ['--prefix']:
        prefix, argv = argv[1], argv[2:]
    mod = importlib.import_module(argv[0])
    pats = argv[1:] or ['*']
    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite()
    for name in sorted(dir(mod)):
        obj = getattr(mod, name)
        if isinstance(obj, type) and issubclass(obj, unittest.TestCase) \
                and any(fnmatch.fnmatch(name, p) for p in pats):
            suite.addTests(loader.loadTestsFromTestCase(obj))
    setup = getattr(mod, 'setUpModule', None)
    teardown = getattr(mod, 'tearDownModule', None)
    if setup:
        setup()
    try:
        ok = run(suite, prefix)
    finally:
        if teardown:
            teardown()
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
