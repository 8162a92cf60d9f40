// SPDX-License-Identifier: GPL-2.0
/*
 * ipcq device: registers /dev/ipcq and dispatches its ioctls.
 *
 * The device file holds no state: every object a caller creates through it
 * is a file of its own, so lifetime follows file descriptors.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ipcq.h"

/*
 * The limits are module parameters root may change at run time (in
 * /sys/module/ipcq/parameters/), each within a range: a value outside it
 * is refused (EINVAL) and the old one stays. Objects take the values in
 * force when they are created, calls read them once (READ_ONCE).
 */
unsigned int ipcq_max_msg_size = 4U << 20;
unsigned long ipcq_max_queue_bytes = 64UL << 20;
unsigned int ipcq_max_objects_per_user = 1024;
unsigned long ipcq_max_shm_bytes_per_user = 256UL << 20;
unsigned int ipcq_wait_spin_ns = 20 * NSEC_PER_USEC;

/* Ranges, 1 at least: a message fits one kvmalloc(). */
#define IPCQ_MSG_SIZE_MAX	BIT_ULL(30)
#define IPCQ_OBJECTS_MAX	BIT_ULL(20)

static int ipcq_param_parse(const char *val, u64 min, u64 max, u64 *v)
{
	int ret = kstrtou64(val, 0, v);

	if (ret)
		return ret;
	return *v < min || *v > max ? -EINVAL : 0;
}

static int ipcq_param_set_uint(const char *val, const struct kernel_param *kp)
{
	/* wait_spin_ns is no limit: 0 (never spin) to a second. */
	bool spin = kp->arg == &ipcq_wait_spin_ns;
	u64 max = kp->arg == &ipcq_max_msg_size ? IPCQ_MSG_SIZE_MAX :
		  spin ? NSEC_PER_SEC : IPCQ_OBJECTS_MAX;
	u64 v;
	int ret = ipcq_param_parse(val, !spin, max, &v);

	if (!ret)
		WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return ret;
}

static int ipcq_param_set_ulong(const char *val, const struct kernel_param *kp)
{
	u64 v;
	int ret = ipcq_param_parse(val, 1, IPCQ_BYTES_MAX, &v);

	if (!ret)
		WRITE_ONCE(*(unsigned long *)kp->arg, v);
	return ret;
}

static const struct kernel_param_ops ipcq_param_uint_ops = {
	.set = ipcq_param_set_uint,
	.get = param_get_uint,
};

static const struct kernel_param_ops ipcq_param_ulong_ops = {
	.set = ipcq_param_set_ulong,
	.get = param_get_ulong,
};

module_param_cb(max_msg_size, &ipcq_param_uint_ops, &ipcq_max_msg_size, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest message in bytes, 1 to 1 GiB (default 4 MiB)");
module_param_cb(max_queue_bytes, &ipcq_param_ulong_ops, &ipcq_max_queue_bytes,
		0644);
MODULE_PARM_DESC(max_queue_bytes,
		 "Most payload bytes one queue holds, 1 to 1 TiB (default 64 MiB)");
module_param_cb(max_objects_per_user, &ipcq_param_uint_ops,
		&ipcq_max_objects_per_user, 0644);
MODULE_PARM_DESC(max_objects_per_user,
		 "Most objects one user owns at a time, 1 to 1048576 (default 1024)");
module_param_cb(max_shm_bytes_per_user, &ipcq_param_ulong_ops,
		&ipcq_max_shm_bytes_per_user, 0644);
MODULE_PARM_DESC(max_shm_bytes_per_user,
		 "Most shared memory bytes one user owns, in pages, 1 to 1 TiB (default 256 MiB)");
module_param_cb(wait_spin_ns, &ipcq_param_uint_ops, &ipcq_wait_spin_ns, 0644);
MODULE_PARM_DESC(wait_spin_ns,
		 "Longest spin of a put or get before it sleeps, if the other side acted this tick or the last, 0 to 1 s (default 20 us, 0: never)");

/* Features offered at each API version; version 1 is the first. */
static u64 ipcq_features(u32 api_version)
{
	return IPCQ_FEATURE_API | IPCQ_FEATURE_QUEUE | IPCQ_FEATURE_PIPE |
	       IPCQ_FEATURE_SYNC | IPCQ_FEATURE_LIST | IPCQ_FEATURE_RING |
	       IPCQ_FEATURE_SEM_SHARED | IPCQ_FEATURE_SHM |
	       IPCQ_FEATURE_QUEUE_POSIX |
	       IPCQ_FEATURE_LISTENER | IPCQ_FEATURE_WAIT_ACQUIRE |
	       IPCQ_FEATURE_QUEUE_SYSV | IPCQ_FEATURE_BATCH |
	       IPCQ_FEATURE_WAIT_ACQUIRE_QUEUE | IPCQ_FEATURE_LOCK_SHARED |
	       IPCQ_FEATURE_RING_NOTIFY | IPCQ_FEATURE_QUEUE_RW |
	       (ipcq_uring_offered() ? IPCQ_FEATURE_URING : 0);
}

static long ipcq_ioctl_api(struct ipcq_api __user *uarg)
{
	struct ipcq_api api;

	if (copy_from_user(&api, uarg, sizeof(api)))
		return -EFAULT;
	if (!api.api_version || api.flags || api.max_shm_bytes ||
	    memchr_inv(api.reserved, 0, sizeof(api.reserved)))
		return -EINVAL;

	api.api_version = min_t(u32, api.api_version, IPCQ_API_VERSION);
	api.features = ipcq_features(api.api_version);
	api.max_msg_size = READ_ONCE(ipcq_max_msg_size);
	api.max_queue_bytes = READ_ONCE(ipcq_max_queue_bytes);
	api.max_objects = READ_ONCE(ipcq_max_objects_per_user);
	api.max_shm_bytes = READ_ONCE(ipcq_max_shm_bytes_per_user);

	if (copy_to_user(uarg, &api, sizeof(api)))
		return -EFAULT;
	return 0;
}

static long ipcq_ioctl_unlink(struct ipcq_unlink __user *uarg)
{
	struct ipcq_unlink arg;
	struct ipcq_name name;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.type < IPCQ_TYPE_QUEUE || arg.type > IPCQ_TYPE_LISTENER ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	ret = ipcq_name_from_user(&name, arg.name, arg.name_len);
	if (ret)
		return ret;
	return ipcq_registry_unlink(arg.type, &name);
}

static long ipcq_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case IPCQ_IOC_API:
		return ipcq_ioctl_api(argp);
	case IPCQ_IOC_QUEUE_OPEN:
		return ipcq_queue_open(argp);
	case IPCQ_IOC_UNLINK:
		return ipcq_ioctl_unlink(argp);
	case IPCQ_IOC_PIPE_CREATE:
		return ipcq_pipe_create(argp);
	case IPCQ_IOC_SYNC_OPEN:
		return ipcq_sync_open(argp);
	case IPCQ_IOC_LIST:
		return ipcq_registry_list(argp);
	case IPCQ_IOC_SHM_OPEN:
		return ipcq_shm_open(argp);
	case IPCQ_IOC_LISTENER_OPEN:
		return ipcq_listener_open(argp);
	case IPCQ_IOC_CONNECT:
		return ipcq_listener_connect(argp);
	case IPCQ_IOC_WAIT_ACQUIRE:
		return ipcq_wait_acquire(argp);
	case IPCQ_IOC_SET:
		return ipcq_ioctl_set(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ipcq_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= ipcq_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * Anyone may open the device: it only creates objects, and each object
 * carries its own owner and mode.
 */
static struct miscdevice ipcq_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ipcq",
	.fops	= &ipcq_dev_fops,
	.mode	= 0666,
};

static int __init ipcq_init(void)
{
	int ret;

	/* The ABI is pinned: a changed size is a broken ABI. */
	BUILD_BUG_ON(sizeof(struct ipcq_api) != 64);
	BUILD_BUG_ON(sizeof(struct ipcq_queue_open) != 64);
	BUILD_BUG_ON(sizeof(struct ipcq_unlink) != 32);
	BUILD_BUG_ON(sizeof(struct ipcq_msg) != 48);
	BUILD_BUG_ON(sizeof(struct ipcq_queue_stat) != 112);
	BUILD_BUG_ON(sizeof(struct ipcq_task_done) != 16);
	BUILD_BUG_ON(sizeof(struct ipcq_wait) != 24);
	BUILD_BUG_ON(sizeof(struct ipcq_shutdown) != 16);
	BUILD_BUG_ON(sizeof(struct ipcq_reopen) != 16);
	BUILD_BUG_ON(sizeof(struct ipcq_pipe_create) != 48);
	BUILD_BUG_ON(sizeof(struct ipcq_pipe_stat) != 104);
	BUILD_BUG_ON(sizeof(struct ipcq_sync_open) != 56);
	BUILD_BUG_ON(sizeof(struct ipcq_sync_op) != 40);
	BUILD_BUG_ON(sizeof(struct ipcq_sync_stat) != 80);
	BUILD_BUG_ON(sizeof(struct ipcq_object_info) != 328);
	BUILD_BUG_ON(sizeof(struct ipcq_list) != 32);
	BUILD_BUG_ON(sizeof(struct ipcq_ring_info) != 104);
	BUILD_BUG_ON(sizeof(struct ipcq_ring_wake) != 8);
	BUILD_BUG_ON(sizeof(struct ipcq_sem_share) != 72);
	BUILD_BUG_ON(sizeof(struct ipcq_uring_cmd) != 16);
	BUILD_BUG_ON(sizeof(struct ipcq_shm_open) != 48);
	BUILD_BUG_ON(sizeof(struct ipcq_shm_stat) != 80);
	BUILD_BUG_ON(sizeof(struct ipcq_queue_notify) != 40);
	BUILD_BUG_ON(sizeof(struct ipcq_listener_open) != 40);
	BUILD_BUG_ON(sizeof(struct ipcq_connect) != 56);
	BUILD_BUG_ON(sizeof(struct ipcq_accept) != 32);
	BUILD_BUG_ON(sizeof(struct ipcq_listener_stat) != 56);
	BUILD_BUG_ON(sizeof(struct ipcq_set) != 72);
	BUILD_BUG_ON(sizeof(struct ipcq_batch) != 48);
	BUILD_BUG_ON(offsetof(struct ipcq_batch, done) != 24);
	BUILD_BUG_ON(sizeof(struct ipcq_wait_acquire) != 56);
	BUILD_BUG_ON(offsetof(struct ipcq_wait_acquire, msgs) != 40);

	ipcq_queue_msg_init();
	ret = misc_register(&ipcq_misc);
	if (!ret)
		ipcq_debugfs_init();
	return ret;
}

static void __exit ipcq_exit(void)
{
	/* No file is open (each pins the module): only names are left. */
	ipcq_debugfs_exit();
	misc_deregister(&ipcq_misc);
	ipcq_registry_exit();
	ipcq_objects_exit();
}

module_init(ipcq_init);
module_exit(ipcq_exit);

MODULE_DESCRIPTION("ipcq: kernel message queues, pipes, sync objects, shared memory and listeners");
MODULE_AUTHOR("The ipcq developers");
MODULE_LICENSE("GPL");
