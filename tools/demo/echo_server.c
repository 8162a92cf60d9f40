// SPDX-License-Identifier: GPL-2.0
/*
 * echo_server: multiprocessing.connection's Listener/Client between
 * unrelated programs. The server creates the listener "echo-demo", then
 * starts three clients by exec (posix_spawn of ./echo_client: they share
 * nothing with it but the listener's name), accepts each connection,
 * tells whose it is (the peer's pid, uid and gid, as SO_PEERCRED would)
 * and echoes every message back in upper case until the client closes
 * (end-of-file). It counts messages both ways.
 */
#include <ctype.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

#define CLIENTS 3

extern char **environ;

int main(void)
{
	pid_t pids[CLIENTS];
	ipcdev_listener *l;
	int i, ret, served = 0, failed = 0;
	long echoed = 0;

	ret = ipcdev_listener_create(&l, "echo-demo", 4, 0600);
	if (ret) {
		fprintf(stderr, "listener: %s\n", strerror(-ret));
		return 1;
	}
	printf("server %d: listening on \"echo-demo\", backlog 4\n",
	       (int)getpid());
	fflush(stdout);
	for (i = 0; i < CLIENTS; i++) {
		char arg[16];
		char *argv[] = { "echo_client", arg, NULL };

		snprintf(arg, sizeof(arg), "%d", i + 1);
		if (posix_spawn(&pids[i], "./echo_client", NULL, NULL, argv,
				environ)) {
			perror("posix_spawn");
			return 1;
		}
	}
	while (served < CLIENTS) {
		struct ipcdev_peer peer;
		ipcdev_pipe *c;
		char buf[256];
		size_t len;

		ret = ipcdev_listener_accept(l, &c, 20LL * 1000000000);
		if (ret) {
			fprintf(stderr, "accept: %s\n", strerror(-ret));
			return 1;
		}
		if (ipcdev_pipe_peer(c, &peer) == 0)
			printf("server: connection from pid %d (uid %d, gid %d)\n",
			       (int)peer.pid, (int)peer.uid, (int)peer.gid);
		for (;;) {
			size_t j;

			len = sizeof(buf);
			ret = ipcdev_pipe_recv(c, buf, &len, IPCDEV_FOREVER);
			if (ret)
				break;
			for (j = 0; j < len; j++)
				buf[j] = (char)toupper((unsigned char)buf[j]);
			if (ipcdev_pipe_send(c, buf, len, IPCDEV_FOREVER))
				break;
			echoed++;
		}
		printf("server: pid %d done (%s)\n", (int)peer.pid,
		       ret == IPCDEV_EOF ? "end-of-file" : strerror(-ret));
		ipcdev_pipe_close(c);
		served++;
	}
	for (i = 0; i < CLIENTS; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	ipcdev_listener_close(l);
	printf("server: %d clients served, %ld messages echoed, %d failed\n",
	       served, echoed, failed);
	return failed || echoed != CLIENTS * 3;
}
