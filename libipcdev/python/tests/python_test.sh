#!/bin/sh
# python_test (in the VM): the ipcq package's own unittests, TAP.
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu
# Bytecode caches are written in the guest (its root is in memory): the
# root ships none, and every spawned interpreter would compile again.
export PYTHONPATH=/ipcq/python:/ipcq/python/tests
export HOME=/tmp
cd /tmp && exec /usr/bin/python3 /ipcq/python/tests/tap.py test_ipcq 'Test*'
