// SPDX-License-Identifier: GPL-2.0
/*
 * handshake: ask the ipcq module which API version and features it offers.
 * The smallest possible libipcdev program.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ipcdev.h"

/* Every IPCQ_FEATURE_* of <linux/ipcq.h> (make lint checks that none is
 * missing); a bit a newer module offers and this table lacks is printed
 * as unknown rather than dropped.
 */
static const struct {
	uint64_t bit;
	const char *name;
} feature_names[] = {
	{ IPCQ_FEATURE_API, "api" },
	{ IPCQ_FEATURE_QUEUE, "queue" },
	{ IPCQ_FEATURE_PIPE, "pipe" },
	{ IPCQ_FEATURE_SYNC, "sync" },
	{ IPCQ_FEATURE_LIST, "list" },
	{ IPCQ_FEATURE_RING, "ring" },
	{ IPCQ_FEATURE_SEM_SHARED, "sem-shared" },
	{ IPCQ_FEATURE_URING, "uring" },
	{ IPCQ_FEATURE_SHM, "shm" },
	{ IPCQ_FEATURE_QUEUE_POSIX, "queue-posix" },
	{ IPCQ_FEATURE_LISTENER, "listener" },
	{ IPCQ_FEATURE_WAIT_ACQUIRE, "wait_acquire" },
	{ IPCQ_FEATURE_QUEUE_SYSV, "queue-sysv" },
	{ IPCQ_FEATURE_BATCH, "batch" },
	{ IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE, "wait-acquire-queue" },
	{ IPCQ_FEATURE_LOCK_SHARED, "lock-shared" },
	{ IPCQ_FEATURE_RING_NOTIFY, "ring-notify" },
	{ IPCQ_FEATURE_QUEUE_RW, "queue-rw" },
};

int main(void)
{
	struct ipcdev_info info;
	const char *sep = "";
	uint64_t unknown;
	unsigned int i;
	int ret;

	ret = ipcdev_query(&info, sizeof(info));
	if (ret < 0) {
		fprintf(stderr, "handshake: %s\n", strerror(-ret));
		return 1;
	}
	printf("libipcdev %s, kernel API version %u\n", ipcdev_version(),
	       info.api_version);
	printf("features: 0x%" PRIx64 " (", info.features);
	unknown = info.features;
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		if (!(info.features & feature_names[i].bit))
			continue;
		printf("%s%s", sep, feature_names[i].name);
		sep = " ";
		unknown &= ~feature_names[i].bit;
	}
	if (unknown)
		printf("%sunknown 0x%" PRIx64, sep, unknown);
	printf(")\n");
	printf("limits: max message %" PRIu64 " bytes, %" PRIu64
	       " bytes per object, %" PRIu64 " objects per user, %" PRIu64
	       " bytes of shared memory per user\n",
	       info.max_msg_size, info.max_queue_bytes, info.max_objects,
	       info.max_shm_bytes);
	return 0;
}
