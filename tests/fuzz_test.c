// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the ioctl fuzzer (tools/fuzz/ipcq-fuzz) for IPCQ_FUZZ_SECONDS
 * (default 10) with 4 processes. It passes when every worker finishes on
 * its own; the VM runner adds the real verdict: no kernel splat, and the
 * module unloads afterwards. Before it, every reproducer in
 * tests/fuzz_regress/ (programs a failed make fuzz run saved, README
 * there) is replayed with ipcq-fuzz --replay: the bugs they found stay
 * fixed. Both runs end with no process of the fuzzer's left unreaped: the
 * children it kills mid-call it reaps itself (zombies it once left took
 * every pid of the guest in long runs).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/prctl.h>
#include "kselftest_harness.h"
#include "ipcq_test.h"

#define FUZZER "/ipcq/bin/ipcq-fuzz"
#define REGRESS "/ipcq/tests/fuzz_regress"

FIXTURE(fz) {
	int unused;
};

FIXTURE_SETUP(fz) {}
FIXTURE_TEARDOWN(fz) {}

/* Named objects of ours whose names start with "fz". */
static size_t fuzz_names_left(void)
{
	struct ipcq_object_info *infos;
	size_t n, i, left = 0;

	if (ipcdev_list(&infos, &n))
		return ~(size_t)0;
	for (i = 0; i < n; i++)
		left += infos[i].name_len >= 2 &&
			!strncmp(infos[i].name, "fz", 2) &&
			infos[i].uid == geteuid();
	free(infos);
	return left;
}

/*
 * Named objects outlive the fuzzer; unlinking them must work, and then
 * nothing of ours is left.
 */
static void unlink_fuzz_names(struct __test_metadata *_metadata)
{
	struct ipcq_object_info *infos;
	size_t n, i;

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
		case IPCQ_TYPE_LISTENER:
			/* Checked below: gone with their last file. */
			break;
		case IPCQ_TYPE_BARRIER:
			EXPECT_EQ(0, ipcdev_barrier_unlink(name));
			break;
		default:
			EXPECT_TRUE(false) TH_LOG("%s: unknown type %u", name,
						  infos[i].type);
		}
	}
	free(infos);
	/*
	 * What is left: nothing once the listeners are gone by themselves
	 * (a listener's name goes with its last file, which io_uring's
	 * deferred teardown of a dead fuzzer's ring may release a little
	 * after the fuzzer's exit).
	 */
	EXPECT_TRUE(wait_for(fuzz_names_left() == 0, WAIT_MS))
		TH_LOG("%zu left", fuzz_names_left());
}

/*
 * The fuzzer's processes nobody reaped: each becomes our child when its
 * parent ends (we are a subreaper: fuzzer_subreaper()) and is counted
 * here as we reap it.
 */
static int fuzz_orphans_reaped(void)
{
	int n = 0;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		n++;
	return n;
}

static int fuzzer_subreaper(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* The fuzzer run with up to four arguments: its exit status (child_status()). */
static int run_fuzzer(const char *arg1, const char *arg2, const char *arg3,
		      const char *arg4)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(FUZZER, FUZZER, arg1, arg2, arg3, arg4, (char *)NULL);
		_exit(127);
	}
	return child_status(pid);
}

/* Each reproducer replays to its end, and the kernel stays whole. */
TEST_F_TIMEOUT(fz, replay_every_saved_reproducer, 300)
{
	struct dirent *d;
	DIR *dir = opendir(REGRESS);
	char path[512];
	int n = 0;

	ASSERT_NE(NULL, dir) TH_LOG("%s: %s", REGRESS, strerror(errno));
	ASSERT_EQ(0, fuzzer_subreaper());
	while ((d = readdir(dir))) {
		size_t len = strlen(d->d_name);

		if (len < 6 || strcmp(d->d_name + len - 6, ".repro"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", REGRESS, d->d_name);
		EXPECT_EQ(0, run_fuzzer("--replay", path, NULL, NULL))
			TH_LOG("%s", path);
		n++;
	}
	closedir(dir);
	ASSERT_LT(0, n);
	/* A file with no program in it is refused. */
	EXPECT_EQ(2, run_fuzzer("--replay", "/proc/self/status", NULL, NULL));
	EXPECT_EQ(0, fuzz_orphans_reaped());
	unlink_fuzz_names(_metadata);
}

/* Up to 10 minutes of fuzzing (make check-debug asks for 30 s). */
TEST_F_TIMEOUT(fz, fuzz_every_ioctl_from_four_processes, 660)
{
	const char *secs = getenv("IPCQ_FUZZ_SECONDS");
	char arg[32];

	ASSERT_EQ(0, access(FUZZER, X_OK));
	snprintf(arg, sizeof(arg), "%d", secs && *secs ? atoi(secs) : 10);
	ASSERT_GE(600, atoi(arg));
	ASSERT_EQ(0, fuzzer_subreaper());
	ASSERT_EQ(0, run_fuzzer("-t", arg, "-p", "4"));
	EXPECT_EQ(0, fuzz_orphans_reaped())
		TH_LOG("processes the fuzzer left unreaped");
	unlink_fuzz_names(_metadata);
}

TEST_HARNESS_MAIN
