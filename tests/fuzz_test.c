// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the ioctl fuzzer (tools/fuzz/ipcq-fuzz) for IPCQ_FUZZ_SECONDS
 * (default 10) with 4 processes. It passes when every worker finishes on
 * its own; the VM runner adds the real verdict: no kernel splat, and the
 * module unloads afterwards.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "ipcq_test.h"

#define FUZZER "/ipcq/bin/ipcq-fuzz"

FIXTURE(fz) {
	int unused;
};

FIXTURE_SETUP(fz) {}
FIXTURE_TEARDOWN(fz) {}

/* Up to 10 minutes of fuzzing (make check-debug asks for 60 s). */
TEST_F_TIMEOUT(fz, fuzz_every_ioctl_from_four_processes, 660)
{
	const char *secs = getenv("IPCQ_FUZZ_SECONDS");
	struct ipcq_object_info *infos;
	size_t n, i, left = 0;
	char arg[32];
	pid_t pid;

	ASSERT_EQ(0, access(FUZZER, X_OK));
	snprintf(arg, sizeof(arg), "%d", secs && *secs ? atoi(secs) : 10);
	ASSERT_GE(600, atoi(arg));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		execl(FUZZER, FUZZER, "-t", arg, "-p", "4", (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(0, child_status(pid));

	/* Named objects outlive the fuzzer; unlinking them must work. */
	ASSERT_EQ(0, ipcdev_list(&infos, &n));
	for (i = 0; i < n; i++) {
		char name[IPCQ_NAME_MAX + 1];

		memcpy(name, infos[i].name, infos[i].name_len);
		name[infos[i].name_len] = 0;
		/* Ours only: another user's leftovers are not ours to remove. */
		if (strncmp(name, "fz", 2) || infos[i].uid != geteuid())
			continue;
		switch (infos[i].type) {
		case IPCQ_TYPE_QUEUE:
			EXPECT_EQ(0, ipcdev_queue_unlink(name));
			break;
		case IPCQ_TYPE_SEM:
			EXPECT_EQ(0, ipcdev_sem_unlink(name));
			break;
		case IPCQ_TYPE_LOCK:
			EXPECT_EQ(0, ipcdev_lock_unlink(name));
			break;
		case IPCQ_TYPE_EVENT:
			EXPECT_EQ(0, ipcdev_event_unlink(name));
			break;
		case IPCQ_TYPE_COND:
			EXPECT_EQ(0, ipcdev_cond_unlink(name));
			break;
		case IPCQ_TYPE_SHM:
			EXPECT_EQ(0, ipcdev_shm_unlink(name));
			break;
		default:
			EXPECT_EQ(0, ipcdev_barrier_unlink(name));
		}
	}
	free(infos);
	ASSERT_EQ(0, ipcdev_list(&infos, &n));
	for (i = 0; i < n; i++)
		left += infos[i].name_len >= 2 &&
			!strncmp(infos[i].name, "fz", 2) &&
			infos[i].uid == geteuid();
	free(infos);
	EXPECT_EQ(0, left);
}

TEST_HARNESS_MAIN
