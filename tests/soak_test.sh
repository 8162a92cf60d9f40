#!/bin/sh
# The soak (tools/soak/soak.c, make soak) for IPCQ_SOAK_SECONDS (default
# 45), as a suite of one case: make check-debug runs it after the suite.
# The soak checks its own accounting, leaks and memory counters; the VM
# runner adds kmemleak and the kernel log.
echo "TAP version 13"
echo "1..1"
if /ipcq/bin/ipcq-soak -t "${IPCQ_SOAK_SECONDS:-45}"; then
	echo "ok 1 soak"
else
	echo "not ok 1 soak"
fi
