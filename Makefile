# ipcq: top-level build.
#
#   make            build the module (for each of KERNELS), libipcdev, the
#                   tests and the demos
#   make check      install what is missing, build, lint, check the VM
#                   runner, build, install and try the Debian packages, run
#                   every selftest in a VM on each of KERNELS (exit status
#                   non-zero on any failure)
#   make demo       install what is missing, build, run the demos in a VM
#   make bench      run the benchmarks in a VM (build/bench/: report, CSV, plots)
#   make check-debug  the suite on a KASAN/lockdep/kmemleak debug kernel
#   make soak       SOAK_SECONDS (600) of every object kind under SIGKILL and
#                   a memory cgroup's limit, checked to the message and byte
#   make coverage   line and branch coverage of the module and libipcdev
#                   from the suite and from the fuzzer alone (build/coverage/)
#   make fuzz       the fuzzer with kcov feedback for FUZZ_SECONDS (600),
#                   edges over time; a crash's reproducer in build/fuzz/
#   make deb        Debian packages in build/deb/, checked by lintian
#   make install    install libipcdev, its headers, pkg-config file, ipcqctl
#                   and man pages (PREFIX, DESTDIR)
#   make install-dkms  module sources + dkms.conf in /usr/src, udev rule
#
# Variables: KERNELS="6.1 6.12" (kernels to build for and test on), BUILD
# (output directory), TESTS="device_test ..." (subset for check),
# IPCQ_VM_ACCEL=tcg|kvm|auto.

BUILD	?= $(CURDIR)/build
# The kernels the module is built for and tested on: the series of the
# test matrix (6.1 and 6.12) or installed releases, see tools/kernel-version.
# make demo, make bench and check-runner boot the last one (6.12 by
# default: every feature of the module is offered there).
KERNELS	?= $(shell tools/kernel-version --list)
BOOT_KERNEL = $(lastword $(KERNELS))
PREFIX	?= /usr/local
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
MANDIR	?= $(PREFIX)/share/man
BINDIR	?= $(PREFIX)/bin
UDEVDIR	?= /lib/udev/rules.d
CC	?= cc
CXX	?= c++
CFLAGS	?= -O2 -g

# The version is defined once, in libipcdev/ipcdev.h.
version_part = $(shell sed -n 's/^\#define IPCDEV_VERSION_$(1)[[:space:]]*\([0-9]*\).*/\1/p' libipcdev/ipcdev.h)
VERSION_MAJOR := $(call version_part,MAJOR)
VERSION := $(VERSION_MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)
SONAME := libipcdev.so.$(VERSION_MAJOR)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter
INCLUDES := -I$(CURDIR)/include/uapi -I$(CURDIR)/libipcdev

LIB_SRCS := $(wildcard libipcdev/*.c)
LIB_HDRS := $(wildcard libipcdev/*.h) include/uapi/linux/ipcq.h
LIB_PIC_OBJS := $(patsubst libipcdev/%.c,$(BUILD)/lib/pic/%.o,$(LIB_SRCS))
LIB_OBJS := $(patsubst libipcdev/%.c,$(BUILD)/lib/static/%.o,$(LIB_SRCS))
LIB_SO := $(BUILD)/lib/libipcdev.so.$(VERSION)
LIB_A := $(BUILD)/lib/libipcdev.a
LIB_PC := $(BUILD)/lib/ipcdev.pc

# libipcdev-mq: POSIX message queues on ipcq (libipcdev/mq/), a library of
# its own: soname, version script, pkg-config name ipcdev-mq.
MQ_VERSION := 0.1.0
MQ_SONAME := libipcdev-mq.so.0
MQ_SO := $(BUILD)/lib/libipcdev-mq.so.$(MQ_VERSION)
MQ_A := $(BUILD)/lib/libipcdev-mq.a
MQ_PC := $(BUILD)/lib/ipcdev-mq.pc
MQ_MAP := libipcdev/mq/libipcdev-mq.map

# kselftest headers come from Debian's linux-source-6.1 at build time.
LINUX_SRC_TAR := /usr/src/linux-source-6.1.tar.xz
LINUX_SRC := $(BUILD)/linux-src/linux-source-6.1
KSFT_STAMP := $(BUILD)/linux-src/.extracted
CHECKPATCH := $(LINUX_SRC)/scripts/checkpatch.pl

TEST_SRCS := $(wildcard tests/*_test.c)
# The queue suites run again on ring queues (IPCQ_OPEN_RING), the sync
# suites with shared semaphores (IPCQ_SYNC_SHARED).
# mq_test runs again as mq_librt_test on glibc's own mq_* (the kernel's
# POSIX queues): the same source, the same results; and as mq_plain_test
# on libipcdev-mq with its rings off (IPCDEV_MQ_RING=0).
VARIANTS := queue_ring_test queue_lifecycle_ring_test queue_process_ring_test \
	    queue_rw_ring_test \
	    sync_shared_test sync_process_shared_test mq_librt_test \
	    mq_plain_test
# Programs tests start by exec (not tests themselves: no _test suffix).
TEST_HELPERS := listener_client import_child pool_worker_child
# The suites by name: C_TESTS on every kernel and the debug kernel;
# PY_CHECK_TESTS (the binding's own, which runs the README's examples
# under fork, spawn and forkserver, and CPython's under fork) once, on the
# last kernel of make check; make check-python adds CPython's under
# forkserver and spawn (dozens of interpreters started under TCG: four
# and ten minutes, which make check's 15 cannot hold).
C_TESTS := $(patsubst tests/%.c,%,$(TEST_SRCS)) $(VARIANTS)
PY_CHECK_TESTS := python_test cpython_mp_fork_test
PY_ALL_TESTS := $(PY_CHECK_TESTS) cpython_mp_forkserver_test \
		cpython_mp_spawn_test
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS)) \
	     $(addprefix $(BUILD)/tests/,$(VARIANTS) $(TEST_HELPERS))
TEST_CFLAGS := $(CFLAGS) $(WARNINGS) -Wno-missing-prototypes \
	       -Wno-sign-compare -Wno-shadow \
	       $(INCLUDES) -I$(LINUX_SRC)/tools/testing/selftests -Itests

# The module's sources (kbuild's generated *.mod.c left out): linted, copied
# for the debug kernel's build and installed for DKMS, each with kmod/Kbuild.
KMOD_SRCS = $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h)

BENCH := $(BUILD)/bench/ipcq-bench
IPCQCTL := $(BUILD)/tools/ipcqctl
FUZZ := $(BUILD)/tools/ipcq-fuzz
SOAK := $(BUILD)/tools/ipcq-soak
SOAK_SECONDS ?= 600

DEMO_SRCS := $(wildcard tools/demo/*.c)
DEMO_BINS := $(patsubst tools/demo/%.c,$(BUILD)/demo/%,$(DEMO_SRCS))

all: kmod lib tests demos python python-tests $(BENCH) $(IPCQCTL) $(FUZZ) \
	$(SOAK) $(BUILD)/tests/soak_test

deps:
	tools/setup-deps

# The Python package ipcq (libipcdev/python/): the C extension _ipcq,
# built for Debian's python3.11 (/usr/bin/python3, python3.11-dev, never
# a python found first on PATH) against the shared libipcdev, and the
# package's modules, together in build/python/ipcq/. Its tests and
# CPython's multiprocessing tests run in the VM (python_test,
# cpython_mp_test; libipcdev/python/README).
PYTHON	:= /usr/bin/python3
PY_EXT	:= .cpython-311-x86_64-linux-gnu.so
PY_INC	:= /usr/include/python3.11
PYDIR	?= $(PREFIX)/lib/python3/dist-packages
PY_SRCS := $(wildcard libipcdev/python/ipcq/*.py)
PY_PKG	:= $(BUILD)/python/ipcq
PY_MOD	:= $(PY_PKG)/_ipcq$(PY_EXT)

PY_TEST_SRCS := $(wildcard libipcdev/python/tests/*.py) \
		$(wildcard libipcdev/python/bench/*.py) \
		$(wildcard libipcdev/python/examples/*.py)
PY_TESTS := $(BUILD)/tests/python_test \
	    $(foreach m,fork spawn forkserver,$(BUILD)/tests/cpython_mp_$(m)_test)
PYROOT	:= $(BUILD)/pyroot

# What make install installs; python-tests: what the VM runs (and the
# Python root it needs, downloaded once).
python: $(PY_MOD) $(patsubst libipcdev/python/ipcq/%,$(PY_PKG)/%,$(PY_SRCS))

python-tests: python $(PY_TESTS) $(PYROOT)/.stamp \
	$(patsubst libipcdev/python/%,$(BUILD)/python/%,$(PY_TEST_SRCS))

# The guest's Python root and CPython's tests (tools/vm/python-root):
# built once, kept while Debian's python3.11 is the same version.
$(PYROOT)/.stamp: tools/vm/python-root $(LIB_SO)
	tools/vm/python-root $(PYROOT) $(LIB_SO) $(BUILD)/python/cpython-tests
	touch $@

$(BUILD)/python/%.py: libipcdev/python/%.py
	@mkdir -p $(dir $@)
	cp $< $@

# Test "binaries" the VM's suite-runner runs like the others.
$(BUILD)/tests/python_test: libipcdev/python/tests/python_test.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(BUILD)/tests/cpython_mp_%_test: libipcdev/python/tests/cpython_mp_test.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(PY_MOD): libipcdev/python/_ipcq.c $(LIB_SO) $(LIB_HDRS)
	@test -r $(PY_INC)/Python.h || { echo "$(PY_INC)/Python.h missing: run tools/setup-deps"; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -Wno-missing-field-initializers \
		-Wno-cast-function-type -fPIC -shared $(INCLUDES) -I$(PY_INC) \
		$(LDFLAGS) -o $@ $< -L$(BUILD)/lib -lipcdev

$(PY_PKG)/%.py: libipcdev/python/ipcq/%.py
	@mkdir -p $(dir $@)
	cp $< $@

# The module for each of KERNELS, in build/kmod-<release>/.
kmod:
	@for k in $(KERNELS); do \
		kver=$$(tools/kernel-version $$k) && \
		$(MAKE) --no-print-directory $(BUILD)/kmod-$$kver/ipcq.ko || exit 1; \
	done

# kbuild writes its output beside the sources, so each kernel's build
# gets a copy of them (with <linux/ipcq.h> where kmod/Kbuild looks for it
# in a DKMS tree): one kernel's objects never meet another's.
copy-kmod = mkdir -p $(1)/include/uapi/linux && \
	cp -p kmod/Kbuild $(KMOD_SRCS) $(1)/ && \
	cp -p include/uapi/linux/ipcq.h $(1)/include/uapi/linux/

$(BUILD)/kmod-%/ipcq.ko: kmod/Kbuild $(KMOD_SRCS) include/uapi/linux/ipcq.h
	$(call copy-kmod,$(@D))
	$(MAKE) -C /lib/modules/$*/build M=$(@D) W=1 modules

lib: $(LIB_SO) $(LIB_A) $(LIB_PC) $(MQ_SO) $(MQ_A) $(MQ_PC)

# libipcdev-mq uses libipcdev's ring code (ring.c, sys.c), built into it
# under names of its own, so that a program may link both libraries
# statically (they are hidden in the shared libraries either way).
MQ_OWN_NAMES := $(foreach f,ring_attach ring_detach ring_put ring_get \
		spin_useful ioctl map_shared,-Dipcdev__$(f)=ipcdev_mq__$(f))
MQ_CFLAGS = $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -I$(CURDIR)/include/uapi \
	    -I$(CURDIR)/libipcdev -fvisibility=hidden $(MQ_OWN_NAMES)
MQ_PARTS := mq ring sys
MQ_PIC_OBJS := $(patsubst %,$(BUILD)/lib/pic/mq/%.o,$(MQ_PARTS))
MQ_OBJS := $(patsubst %,$(BUILD)/lib/static/mq/%.o,$(MQ_PARTS))
MQ_DEPS := include/uapi/linux/ipcq.h libipcdev/internal.h libipcdev/ipcdev.h

$(BUILD)/lib/pic/mq/%.o: libipcdev/mq/%.c $(MQ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(MQ_CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/lib/pic/mq/%.o: libipcdev/%.c $(MQ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(MQ_CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/lib/static/mq/%.o: libipcdev/mq/%.c $(MQ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(MQ_CFLAGS) -c -o $@ $<

$(BUILD)/lib/static/mq/%.o: libipcdev/%.c $(MQ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(MQ_CFLAGS) -c -o $@ $<

$(MQ_SO): $(MQ_PIC_OBJS) $(MQ_MAP)
	$(CC) $(LDFLAGS) -shared -o $@ $(MQ_PIC_OBJS) -Wl,-soname,$(MQ_SONAME) \
		-Wl,--version-script=$(MQ_MAP) -Wl,-z,defs \
		-Wl,-z,relro -Wl,-z,now -lpthread
	ln -sf libipcdev-mq.so.$(MQ_VERSION) $(BUILD)/lib/$(MQ_SONAME)
	ln -sf $(MQ_SONAME) $(BUILD)/lib/libipcdev-mq.so

$(MQ_A): $(MQ_OBJS)
	rm -f $@
	ar rcs $@ $^

MQ_PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|$(MQ_VERSION)|' libipcdev/mq/ipcdev-mq.pc.in

$(MQ_PC): libipcdev/mq/ipcdev-mq.pc.in Makefile
	@mkdir -p $(dir $@)
	$(MQ_PC_SED) > $@

# What is installed honours CPPFLAGS and LDFLAGS too (a distribution's
# hardening flags: dpkg-buildflags for make deb).
$(BUILD)/lib/pic/%.o: libipcdev/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) $(INCLUDES) -fPIC -c -o $@ $<

$(BUILD)/lib/static/%.o: libipcdev/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) $(INCLUDES) -c -o $@ $<

$(LIB_SO): $(LIB_PIC_OBJS) libipcdev/libipcdev.map
	$(CC) $(LDFLAGS) -shared -o $@ $(LIB_PIC_OBJS) -Wl,-soname,$(SONAME) \
		-Wl,--version-script=libipcdev/libipcdev.map -Wl,-z,defs \
		-Wl,-z,relro -Wl,-z,now -lpthread
	ln -sf libipcdev.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/lib/libipcdev.so

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# ipcdev.pc from its template: for the build tree and again by install,
# whose PREFIX may differ from the build's.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	     -e 's|@VERSION@|$(VERSION)|' libipcdev/ipcdev.pc.in

$(LIB_PC): libipcdev/ipcdev.pc.in Makefile
	@mkdir -p $(dir $@)
	$(PC_SED) > $@

$(KSFT_STAMP):
	@test -r $(LINUX_SRC_TAR) || { echo "$(LINUX_SRC_TAR) missing: run tools/setup-deps"; exit 1; }
	@mkdir -p $(BUILD)/linux-src
	tar -C $(BUILD)/linux-src -xJf $(LINUX_SRC_TAR) \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

tests: $(TEST_BINS)

# Static, so the VM needs no shared libraries.
$(BUILD)/tests/%: tests/%.c $(KSFT_STAMP) $(LIB_A) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -static -o $@ $< $(LIB_A) -luring -lpthread

$(BUILD)/tests/%_ring_test: tests/%_test.c $(KSFT_STAMP) $(LIB_A) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -DIPCQ_TEST_RING -static -o $@ $< $(LIB_A) -luring -lpthread

# The same source on libipcdev-mq and on glibc's mq_* (the kernel's queues).
$(BUILD)/tests/mq_test: tests/mq_test.c $(KSFT_STAMP) $(MQ_A) $(LIB_A) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -static -o $@ $< $(MQ_A) $(LIB_A) -lpthread

$(BUILD)/tests/mq_plain_test: tests/mq_test.c $(KSFT_STAMP) $(MQ_A) $(LIB_A) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -DMQ_TEST_PLAIN -static -o $@ $< $(MQ_A) $(LIB_A) -lpthread

$(BUILD)/tests/mq_ipcq_test: tests/mq_ipcq_test.c $(KSFT_STAMP) $(MQ_A) $(LIB_A) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -static -o $@ $< $(MQ_A) $(LIB_A) -lpthread

$(BUILD)/tests/mq_librt_test: tests/mq_test.c $(KSFT_STAMP) $(LIB_A) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -DMQ_TEST_LIBRT -static -o $@ $< $(LIB_A) -lrt -lpthread

$(BUILD)/tests/%_shared_test: tests/%_test.c $(KSFT_STAMP) $(LIB_A) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -DIPCQ_TEST_SHARED -static -o $@ $< $(LIB_A) -lpthread

demos: $(DEMO_BINS) $(BUILD)/demo/run-all

$(BUILD)/demo/run-all: tools/demo/run-all
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/demo/%: tools/demo/%.c $(LIB_A) $(wildcard tools/demo/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) $(INCLUDES) -static -o $@ $< $(LIB_A) -luring -lpthread

# Static, so the VM can run it; installed programs link the shared library.
$(IPCQCTL): tools/ipcqctl.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) $(INCLUDES) -static -o $@ $< $(LIB_A) -lpthread

$(FUZZ): tools/fuzz/ipcq-fuzz.c tools/fuzz/kcov.c tools/fuzz/kcov.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -Wno-missing-prototypes $(INCLUDES) \
		-static -o $@ $< tools/fuzz/kcov.c -luring

$(SOAK): $(wildcard tools/soak/*.c tools/soak/*.h) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) $(INCLUDES) -static -o $@ \
		$(wildcard tools/soak/*.c) $(LIB_A) -lpthread

# The soak's short run in make check-debug: a suite of one case (not in
# C_TESTS, so not in make check).
$(BUILD)/tests/soak_test: tests/soak_test.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(BUILD)/tools/ipcqctl.dyn: tools/ipcqctl.c $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) $(INCLUDES) $(LDFLAGS) -o $@ $< \
		-L$(BUILD)/lib -lipcdev

BENCH_SRCS := $(wildcard tools/bench/*.c)

# libipcdev-mq once more, each mq_* renamed ipcdevmq_*, to be measured
# against glibc's mq_* (the kernel's queues) in the same binary.
MQ_RENAME := $(foreach f,open send receive timedsend timedreceive getattr \
	     setattr notify close unlink,-Dmq_$(f)=ipcdevmq_$(f)) \
	     -D__mq_open_2=ipcdevmq_open_2
$(BUILD)/bench/ipcdevmq.o: libipcdev/mq/mq.c $(MQ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(MQ_CFLAGS) $(MQ_RENAME) -c -o $@ $<

BENCH_MQ_OBJS := $(BUILD)/bench/ipcdevmq.o $(BUILD)/lib/static/mq/ring.o \
		 $(BUILD)/lib/static/mq/sys.o
$(BENCH): $(BENCH_SRCS) tools/bench/bench.h $(LIB_A) $(BENCH_MQ_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -Wno-missing-field-initializers \
		$(INCLUDES) -static -o $@ $(BENCH_SRCS) \
		$(BENCH_MQ_OBJS) $(LIB_A) \
		-luring -lpthread -lrt

# Static checks that need no VM.
lint: lint-uapi lint-features lint-checkpatch lint-symbols lint-install

lint-uapi:
	@mkdir -p $(BUILD)/lint
	{ printf '#include <linux/ipcq.h>\n'; \
	  sed -n 's/^#define \(IPCQ_[A-Z0-9_]*\)[[:space:]].*/__u64 lint_\1 = (__u64)(\1);/p' \
		include/uapi/linux/ipcq.h; } > $(BUILD)/lint/uapi.c
	$(CC) -std=c90 -pedantic -Wall -Wextra -Werror -fsyntax-only \
		-Iinclude/uapi $(BUILD)/lint/uapi.c
	$(CXX) -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only \
		-Iinclude/uapi $(BUILD)/lint/uapi.c
	$(CXX) -x c++ -Wall -Wextra -Werror -fsyntax-only $(INCLUDES) \
		libipcdev/ipcdev.h

# The handshake demo names every feature bit the ABI defines.
lint-features:
	@for f in $$(sed -n 's/^#define \(IPCQ_FEATURE_[A-Z0-9_]*\)[[:space:]].*/\1/p' \
			include/uapi/linux/ipcq.h); do \
		grep -qw "$$f" tools/demo/handshake.c || \
		{ echo "tools/demo/handshake.c does not name $$f"; exit 1; }; \
	done

# LINUX_VERSION_CODE: an out-of-tree module meets several kernels' APIs.
lint-checkpatch: $(KSFT_STAMP)
	perl $(CHECKPATCH) --no-tree --strict --quiet --show-types \
		--ignore LINUX_VERSION_CODE -f $(KMOD_SRCS)
	perl $(CHECKPATCH) --no-tree --strict --quiet --show-types \
		-f include/uapi/linux/ipcq.h

# The shared library exports exactly the ipcdev_* symbols of its version
# script, each versioned, and nothing else.
lint-symbols: $(LIB_SO) $(MQ_SO)
	tools/check-symbols $(LIB_SO) libipcdev/libipcdev.map
	tools/check-symbols --mq $(MQ_SO) $(MQ_MAP)

# Lint, the runner's own check, the packages, the demo programs (each
# must succeed), then the suite on each of KERNELS, which ends with one
# line per kernel and a total.
check:
	tools/setup-deps --packages
	$(MAKE) all
	$(MAKE) lint
	$(MAKE) check-runner
	$(MAKE) check-deb
	$(MAKE) demo
	tools/vm/run-matrix --kernels "$(KERNELS)" \
		$(if $(TESTS),$(TESTS),--last "$(PY_CHECK_TESTS)" $(C_TESTS))

# The Python suites alone, CPython's under spawn too, on BOOT_KERNEL; one
# boot for all four, each ten minutes or more under TCG: the VM's limit
# is raised from run-suite's 900 s (each suite keeps its own limit,
# tests/settings).
check-python:
	tools/setup-deps --packages
	$(MAKE) all KERNELS=$(BOOT_KERNEL)
	IPCQ_VM_TIMEOUT=3000 tools/vm/run-matrix --kernels "$(BOOT_KERNEL)" \
		$(PY_ALL_TESTS)

# One-boot targets boot BOOT_KERNEL with its module (tools/vm/run's
# default for IPCQ_KVER).
boot-env = kver=$$(tools/kernel-version $(BOOT_KERNEL)) && IPCQ_KVER=$$kver

# tools/vm/run tells a guest command's own exit status (124 and 127
# included) from its verdict on the run, and a suite run keeps its time
# budget: three short boots.
check-runner:
	$(MAKE) kmod tests KERNELS=$(BOOT_KERNEL)
	$(boot-env) tools/vm/check-runner

demo: deps
	$(MAKE) all KERNELS=$(BOOT_KERNEL)
	$(boot-env) tools/vm/run --add $(BUILD)/demo:/ipcq/demo \
		--add $(BUILD)/tools/ipcqctl:/ipcq/bin/ipcqctl -- /ipcq/demo/run-all

# The whole suite, a longer fuzz and kmemleak on a debug kernel (KASAN,
# lockdep, UBSAN, kmemleak, fault injection) built from linux-source-6.12
# and cached outside the repo (tools/debug-kernel/build).
# Its order puts first the binaries where the checkers find most (fault
# injection, the fuzzer, io_uring and its teardown, process death), so
# that a run with a time budget (IPCQ_SUITE_BUDGET, .ci/run on a machine
# that had to build the kernel) leaves out the rest.
DEBUG_KMOD := $(BUILD)/kmod-debug
DEBUG_FIRST := fault_test fuzz_test uring_test uring_teardown_test \
	queue_lifecycle_test queue_process_test stress_test wait_acquire_test
DEBUG_TESTS := $(DEBUG_FIRST) $(filter-out $(DEBUG_FIRST),$(C_TESTS)) \
	soak_test
check-debug:
	tools/setup-deps --debug-kernel
	$(MAKE) tests $(IPCQCTL) $(FUZZ) $(SOAK) $(BUILD)/tests/soak_test
	rm -rf $(DEBUG_KMOD)
	$(call copy-kmod,$(DEBUG_KMOD))
	kdir=$$(tools/debug-kernel/build) && \
	$(MAKE) -C $$kdir M=$(DEBUG_KMOD) modules && \
	IPCQ_VMLINUZ=$$kdir/arch/x86/boot/bzImage \
	IPCQ_MODULE=$(DEBUG_KMOD)/ipcq.ko \
	IPCQ_GUEST_ENV="IPCQ_FUZZ_SECONDS=$${IPCQ_FUZZ_SECONDS:-30} IPCQ_SOAK_SECONDS=$${IPCQ_SOAK_SECONDS:-45} IPCQ_SUITE_BUDGET=$${IPCQ_SUITE_BUDGET:-0}" \
	IPCQ_VM_TIMEOUT=3300 tools/vm/run-suite $(or $(TESTS),$(DEBUG_TESTS))

# The soak (tools/soak/soak.c) on BOOT_KERNEL for SOAK_SECONDS, with ten
# minutes more for the boot and the checks after it.
soak:
	$(MAKE) kmod $(SOAK) $(IPCQCTL) KERNELS=$(BOOT_KERNEL)
	$(boot-env) tools/vm/run --timeout $$(($(SOAK_SECONDS) + 600)) \
		--add $(SOAK):/ipcq/bin/ipcq-soak \
		--add $(IPCQCTL):/ipcq/bin/ipcqctl \
		-- /ipcq/bin/ipcq-soak -t $(SOAK_SECONDS)

# Line and branch coverage (tools/coverage/run), not part of make check:
# the module with gcov (kmod/Kbuild, IPCQ_GCOV=1) on a 6.12 kernel with
# CONFIG_GCOV_KERNEL (tools/debug-kernel/gcov.config, cached beside the
# debug kernel under a key of its own); libipcdev, the tests and the
# fuzzer built with --coverage in a build directory of their own. One
# boot runs the suite (IPCQ_FUZZ_SECONDS of fuzzing in it), one the
# fuzzer alone; HTML, the summary line and the unreached functions in
# build/coverage/.
COV := $(BUILD)/coverage
COV_CFLAGS := -O0 -g --coverage
# Every program writes its counts before _exit() (tools/coverage/gcov-exit.c,
# put in libipcdev.a): asked for by name, since programs that never call
# _exit() themselves need it too, for libc's exit() and abort(), which the
# linker meets only after libipcdev.a. libgcov's fork wrapper, which gcc
# calls for every fork(), initialises its mutex in the child through a weak
# pthread_mutex_init: a static link that never asked for it left it 0, and
# every forked child of a program that also uses threads died at address 0.
COV_WRAP := -Wl,--wrap=_exit -Wl,--undefined=__wrap__exit \
	-Wl,--undefined=pthread_mutex_init
COV_MAKE = $(MAKE) BUILD=$(COV)/user LINUX_SRC=$(LINUX_SRC) KSFT_STAMP=$(KSFT_STAMP)
# The kernel make coverage and make fuzz share (gcov and kcov, both for the
# module alone): its build directory, built or found in the cache.
COV_KERNEL := IPCQ_DEBUG_FRAGMENT=$(CURDIR)/tools/debug-kernel/gcov.config \
	IPCQ_DEBUG_FRAGMENT_AFTER=$(CURDIR)/tools/debug-kernel/kcov.config \
	tools/debug-kernel/build
coverage:
	tools/setup-deps --debug-kernel --coverage
	$(MAKE) $(KSFT_STAMP)
	$(COV_MAKE) CFLAGS="$(COV_CFLAGS)" $(COV)/user/lib/libipcdev.a \
		$(COV)/user/tools/ipcq-fuzz
	$(CC) -O2 $(WARNINGS) -c -o $(COV)/user/gcov-exit.o tools/coverage/gcov-exit.c
	ar rs $(COV)/user/lib/libipcdev.a $(COV)/user/gcov-exit.o
	$(COV_MAKE) CFLAGS="$(COV_CFLAGS) $(COV_WRAP)" tests \
		$(COV)/user/tools/ipcqctl $(COV)/user/tools/ipcq-soak
	rm -rf $(COV)/kmod
	$(call copy-kmod,$(COV)/kmod)
	kdir=$$($(COV_KERNEL)) && \
	$(MAKE) -C $$kdir M=$(COV)/kmod IPCQ_GCOV=1 modules && \
	tools/coverage/run $$kdir/arch/x86/boot/bzImage $(COV) \
		$(or $(TESTS),$(C_TESTS))

# Coverage-guided fuzzing (tools/fuzz/run), not part of make check: the
# fuzzer alone for FUZZ_SECONDS on make coverage's kernel, which also has
# CONFIG_KCOV, the module built with kcov tracing (kmod/Kbuild,
# IPCQ_KCOV=1). Edges over time and the summary in build/fuzz/; a run
# that ends in a splat leaves build/fuzz/crash-*.repro for --replay.
FUZZ_SECONDS ?= 600
FUZZ_KMOD := $(BUILD)/fuzz/kmod
fuzz:
	tools/setup-deps --debug-kernel
	$(MAKE) $(FUZZ)
	rm -rf $(FUZZ_KMOD)
	$(call copy-kmod,$(FUZZ_KMOD))
	kdir=$$($(COV_KERNEL)) && \
	$(MAKE) -C $$kdir M=$(FUZZ_KMOD) IPCQ_KCOV=1 modules && \
	tools/fuzz/run $$kdir/arch/x86/boot/bzImage $(FUZZ_KMOD)/ipcq.ko \
		$(FUZZ_SECONDS) $(BUILD)/fuzz $(FUZZ_ARGS)

# Benchmarks in the VM: report, CSV and plots in build/bench/.
bench:
	tools/setup-deps --bench
	$(MAKE) all $(BENCH) KERNELS=$(BOOT_KERNEL)
	$(boot-env) tools/bench/run $(BENCH_ARGS)

install: lib $(BUILD)/tools/ipcqctl.dyn python
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/linux \
		$(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BINDIR)
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libipcdev.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libipcdev.so
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(MQ_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libipcdev-mq.so.$(MQ_VERSION) $(DESTDIR)$(LIBDIR)/$(MQ_SONAME)
	ln -sf $(MQ_SONAME) $(DESTDIR)$(LIBDIR)/libipcdev-mq.so
	install -m 0644 $(MQ_A) $(DESTDIR)$(LIBDIR)/
	$(MQ_PC_SED) > $(DESTDIR)$(LIBDIR)/pkgconfig/ipcdev-mq.pc
	install -m 0644 libipcdev/ipcdev.h $(DESTDIR)$(INCDIR)/
	install -m 0644 include/uapi/linux/ipcq.h $(DESTDIR)$(INCDIR)/linux/
	$(PC_SED) > $(DESTDIR)$(LIBDIR)/pkgconfig/ipcdev.pc
	install -m 0755 $(BUILD)/tools/ipcqctl.dyn $(DESTDIR)$(BINDIR)/ipcqctl
	install -d $(DESTDIR)$(PYDIR)/ipcq
	install -m 0644 $(PY_SRCS) $(DESTDIR)$(PYDIR)/ipcq/
	install -m 0644 $(PY_MOD) $(DESTDIR)$(PYDIR)/ipcq/
	# Page footers carry the one version (@VERSION@ in the sources).
	for m in libipcdev/man/*.[3478]; do \
		sed 's/@VERSION@/$(VERSION)/g' $$m > $(DESTDIR)$(MANDIR)/man$${m##*.}/$$(basename $$m) && \
		chmod 0644 $(DESTDIR)$(MANDIR)/man$${m##*.}/$$(basename $$m) || exit 1; \
	done

# The module for every installed kernel, now and after kernel upgrades.
DKMS_SRC = $(DESTDIR)/usr/src/ipcq-$(VERSION)
install-dkms:
	install -d $(DKMS_SRC)/include/uapi/linux
	install -m 0644 kmod/Kbuild $(KMOD_SRCS) $(DKMS_SRC)/
	install -m 0644 include/uapi/linux/ipcq.h $(DKMS_SRC)/include/uapi/linux/
	sed 's/@VERSION@/$(VERSION)/' kmod/dkms.conf > $(DKMS_SRC)/dkms.conf
	install -D -m 0644 kmod/99-ipcq.rules $(DESTDIR)$(UDEVDIR)/99-ipcq.rules

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libipcdev.so* $(DESTDIR)$(LIBDIR)/libipcdev.a \
	      $(DESTDIR)$(INCDIR)/ipcdev.h $(DESTDIR)$(INCDIR)/linux/ipcq.h \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/ipcdev.pc $(DESTDIR)$(BINDIR)/ipcqctl \
	      $(DESTDIR)$(LIBDIR)/libipcdev-mq.so* $(DESTDIR)$(LIBDIR)/libipcdev-mq.a \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/ipcdev-mq.pc
	rm -rf $(DESTDIR)$(PYDIR)/ipcq
	for m in libipcdev/man/*.[3478]; do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m); \
	done

# Debian packages (ipcq-dkms, libipcdev0, libipcdev-dev, ipcq-tools) from
# tools/debian/, in build/deb/; lintian must report no error.
deb:
	tools/setup-deps --packages
	tools/deb-build $(VERSION)

# The packages installed here (DKMS builds the module), a program built
# against them, the DKMS-built module booted on each of KERNELS, and the
# packages purged (tools/deb-check).
check-deb: deb $(BUILD)/tests/device_test
	tools/deb-check $(KERNELS)

# Install into a scratch DESTDIR and build a program against it with
# pkg-config, as a user would (no VM: the program is only linked).
lint-install: lib $(BUILD)/tools/ipcqctl.dyn $(KSFT_STAMP)
	rm -rf $(BUILD)/destdir
	$(MAKE) install DESTDIR=$(BUILD)/destdir PREFIX=/usr >/dev/null
	$(MAKE) install-dkms DESTDIR=$(BUILD)/destdir PREFIX=/usr >/dev/null
	test -L $(BUILD)/destdir/usr/lib/$(SONAME)
	test -f $(BUILD)/destdir/usr/src/ipcq-$(VERSION)/dkms.conf
	test -f $(BUILD)/destdir/usr/share/man/man8/ipcqctl.8
	grep -q '"libipcdev $(VERSION)"' $(BUILD)/destdir/usr/share/man/man7/ipcdev.7
	! grep -rl '@VERSION@' $(BUILD)/destdir/usr/share/man
	grep -qx 'prefix=/usr' $(BUILD)/destdir/usr/lib/pkgconfig/ipcdev.pc
	PKG_CONFIG_SYSROOT_DIR=$(BUILD)/destdir \
	PKG_CONFIG_LIBDIR=$(BUILD)/destdir/usr/lib/pkgconfig \
	PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 \
		sh -c '$(CC) -Wall -Werror -o $(BUILD)/destdir/handshake \
			tools/demo/handshake.c $$(pkg-config --cflags --libs ipcdev)'
	PKG_CONFIG_SYSROOT_DIR=$(BUILD)/destdir \
	PKG_CONFIG_LIBDIR=$(BUILD)/destdir/usr/lib/pkgconfig \
	PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 \
		sh -c '$(CC) -Wall -Werror -o $(BUILD)/destdir/mq_test \
			-I$(BUILD)/linux-src/linux-source-6.1/tools/testing/selftests \
			-Itests -Iinclude/uapi -Ilibipcdev tests/mq_test.c \
			$$(pkg-config --cflags --libs ipcdev-mq) -lrt -lpthread'
	objdump -T $(BUILD)/destdir/mq_test | grep -q 'IPCDEV_MQ_0.1) mq_open$$'
	test -f $(BUILD)/destdir/usr/share/man/man7/libipcdev-mq.7
	test -f $(BUILD)/destdir/usr/lib/python3/dist-packages/ipcq/__init__.py
	test -f $(BUILD)/destdir/usr/lib/python3/dist-packages/ipcq/_ipcq$(PY_EXT)
	LD_LIBRARY_PATH=$(BUILD)/destdir/usr/lib \
		$(BUILD)/destdir/usr/bin/ipcqctl --help 2>&1 | grep -q usage
	$(MAKE) uninstall DESTDIR=$(BUILD)/destdir PREFIX=/usr >/dev/null
	test ! -e $(BUILD)/destdir/usr/lib/$(SONAME)
	test ! -e $(BUILD)/destdir/usr/bin/ipcqctl
	test ! -e $(BUILD)/destdir/usr/lib/$(MQ_SONAME)
	test ! -e $(BUILD)/destdir/usr/lib/python3/dist-packages/ipcq

clean:
	-$(MAKE) -C kmod clean
	rm -rf $(BUILD)

.PHONY: all deps kmod lib tests demos python python-tests check-python lint lint-uapi lint-features \
	lint-checkpatch lint-symbols lint-install check check-runner \
	check-debug soak coverage fuzz demo bench deb check-deb install install-dkms uninstall \
	clean
