// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/ipcq: "objects" lists every live object of every IPC
 * namespace (anonymous ones too, and the queues behind pipes); "stats"
 * shows module-wide counters and the limits in force; "uring" lists the
 * io_uring commands in progress. Root only, as
 * debugfs is; ipcqctl shows the caller's own namespace without it.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "ipcq.h"

static struct dentry *ipcq_debugfs_dir;

static int ipcq_debugfs_objects_show(struct seq_file *m, void *unused)
{
	ipcq_objects_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ipcq_debugfs_objects);

static int ipcq_debugfs_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "api_version:\t%u\n", IPCQ_API_VERSION);
	seq_printf(m, "objects_created:\t%llu\n", ipcq_objects_created());
	seq_printf(m, "max_msg_size:\t%u\n", READ_ONCE(ipcq_max_msg_size));
	seq_printf(m, "max_queue_bytes:\t%lu\n",
		   READ_ONCE(ipcq_max_queue_bytes));
	seq_printf(m, "max_objects_per_user:\t%u\n",
		   READ_ONCE(ipcq_max_objects_per_user));
	seq_printf(m, "max_shm_bytes_per_user:\t%lu\n",
		   READ_ONCE(ipcq_max_shm_bytes_per_user));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ipcq_debugfs_stats);

static int ipcq_debugfs_uring_show(struct seq_file *m, void *unused)
{
	ipcq_objects_show_calls(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ipcq_debugfs_uring);

void ipcq_debugfs_init(void)
{
	/* debugfs is optional: failures here leave the module working. */
	ipcq_debugfs_dir = debugfs_create_dir("ipcq", NULL);
	debugfs_create_file("objects", 0400, ipcq_debugfs_dir, NULL,
			    &ipcq_debugfs_objects_fops);
	debugfs_create_file("stats", 0400, ipcq_debugfs_dir, NULL,
			    &ipcq_debugfs_stats_fops);
	debugfs_create_file("uring", 0400, ipcq_debugfs_dir, NULL,
			    &ipcq_debugfs_uring_fops);
}

void ipcq_debugfs_exit(void)
{
	debugfs_remove_recursive(ipcq_debugfs_dir);
}
