#!/bin/sh
# cpython_mp_{fork,spawn,forkserver}_test (in the VM): CPython's
# multiprocessing test classes on ipcq's factories under the start
# method the name says (ipcq_mp_common.py), each test named
# METHOD:Class.test.
# The module's largest message is raised to the 16 MiB of the suite's
# biggest one (test_connection's really_big_msg).
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu
# Bytecode caches are written in the guest (its root is in memory): the
# root ships none, and every spawned interpreter would compile again.
export PYTHONPATH=/ipcq/python:/ipcq/python/tests
export HOME=/tmp
p=/sys/module/ipcq/parameters/max_msg_size
old=$(cat $p 2>/dev/null)
[ -w $p ] && echo $((32 << 20)) > $p
m=${0##*/}
m=${m#cpython_mp_}
m=${m%_test}
cd /tmp
/usr/bin/python3 /ipcq/python/tests/tap.py --prefix "$m:" ipcq_mp_$m
rc=$?
[ -n "$old" ] && [ -w $p ] && echo "$old" > $p
exit $rc
