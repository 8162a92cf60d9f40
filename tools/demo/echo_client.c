// SPDX-License-Identifier: GPL-2.0
/*
 * echo_client N: a client of echo_server, started by exec: it knows only
 * the listener's name. Connects (waiting while the backlog is full),
 * sends three messages, checks each echo, and closes.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipcdev.h"

int main(int argc, char **argv)
{
	const char *id = argc > 1 ? argv[1] : "?";
	ipcdev_pipe *c;
	char msg[64], want[64], buf[64];
	size_t len, j;
	int i, ret;

	ret = ipcdev_client_connect(&c, "echo-demo", 1, 20LL * 1000000000);
	if (ret) {
		fprintf(stderr, "client %s: connect: %s\n", id, strerror(-ret));
		return 1;
	}
	for (i = 1; i <= 3; i++) {
		snprintf(msg, sizeof(msg), "hello %d from client %s", i, id);
		for (j = 0; j <= strlen(msg); j++)
			want[j] = (char)toupper((unsigned char)msg[j]);
		len = sizeof(buf);
		if (ipcdev_pipe_send(c, msg, strlen(msg), IPCDEV_FOREVER) ||
		    ipcdev_pipe_recv(c, buf, &len, IPCDEV_FOREVER) ||
		    len != strlen(msg) || memcmp(buf, want, len))
			return 1;
		printf("client %s (pid %d): \"%s\" -> \"%.*s\"\n", id,
		       (int)getpid(), msg, (int)len, buf);
		fflush(stdout);
	}
	return ipcdev_pipe_close(c) ? 1 : 0;
}
