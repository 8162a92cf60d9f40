// SPDX-License-Identifier: GPL-2.0
/*
 * listener_client NAME ID N: a client listener_test starts by exec, so it
 * shares nothing with the server but the listener's name. Connects
 * through the library, sends N messages "ID:k", checks each echo, closes.
 * Exit status 0 when every echo came back intact; 1-4 say which step
 * failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcdev.h"

int main(int argc, char **argv)
{
	char msg[64], buf[64];
	ipcdev_pipe *c;
	size_t len;
	int i, n;

	if (argc != 4)
		return 1;
	n = atoi(argv[3]);
	if (ipcdev_client_connect(&c, argv[1], 1, 20LL * 1000000000))
		return 2;
	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "%s:%d", argv[2], i);
		len = sizeof(buf);
		if (ipcdev_pipe_send(c, msg, strlen(msg), IPCDEV_FOREVER) ||
		    ipcdev_pipe_recv(c, buf, &len, IPCDEV_FOREVER) ||
		    len != strlen(msg) || memcmp(buf, msg, len))
			return 3;
	}
	return ipcdev_pipe_close(c) ? 4 : 0;
}
