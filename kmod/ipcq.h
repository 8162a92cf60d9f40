/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcq internals shared by the files of the module.
 *
 * Lock order (outermost first). No lock is taken while a lock of a later
 * line is held:
 *   (none yet: the device holds no mutable state of its own)
 */
#ifndef IPCQ_INTERNAL_H
#define IPCQ_INTERNAL_H

#include <linux/types.h>
#include <linux/ipcq.h>

/* Limits, module parameters (device.c); read them with READ_ONCE(). */
extern unsigned int ipcq_max_msg_size;
extern unsigned long ipcq_max_queue_bytes;
extern unsigned int ipcq_max_objects_per_user;

#endif /* IPCQ_INTERNAL_H */
