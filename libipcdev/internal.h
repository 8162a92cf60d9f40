/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libipcdev internals: not installed, not part of the ABI. */
#ifndef IPCDEV_INTERNAL_H
#define IPCDEV_INTERNAL_H

#include "ipcdev.h"

/* The cached handshake answer; 0 or -errno. */
int ipcdev__info(struct ipcdev_info *info);

#endif /* IPCDEV_INTERNAL_H */
