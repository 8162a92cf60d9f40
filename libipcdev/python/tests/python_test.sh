#!/bin/sh
# python_test (in the VM): the ipcq package's own unittests, TAP.
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu
export PYTHONPATH=/ipcq/python:/ipcq/python/tests PYTHONDONTWRITEBYTECODE=1
export HOME=/tmp
cd /tmp && exec /usr/bin/python3 /ipcq/python/tests/tap.py test_ipcq 'Test*'
