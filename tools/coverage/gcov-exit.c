// SPDX-License-Identifier: GPL-2.0
/*
 * make coverage only: put in the coverage build's libipcdev.a and linked
 * into the test programs with -Wl,--wrap=_exit. The kselftest harness
 * runs each test case in a forked child that leaves by _exit(), and so do
 * children the tests and the library fork; _exit() skips gcov's write-out
 * at exit, and their counts would be lost. They are written first.
 */
#include <unistd.h>

void __gcov_dump(void);
void __real__exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}
