// SPDX-License-Identifier: GPL-2.0
/*
 * restaurant: a front-end process (the waiter) and a back-end process
 * (the kitchen) talk over one duplex Pipe. The waiter sends orders and
 * reads the dishes back; when the waiter closes its end, the kitchen's
 * next recv reports end-of-file and the kitchen closes for the night.
 * Then a second kitchen is killed with SIGKILL mid-service: the waiter's
 * recv reports end-of-file at once, no timeout involved.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

static const char *const menu[] = {
	"soup", "salad", "risotto", "tiramisu",
};

static void kitchen(ipcdev_pipe *pass, int slow)
{
	char order[64], dish[96];
	size_t len;
	int ret, n;

	for (;;) {
		len = sizeof(order) - 1;
		ret = ipcdev_pipe_recv(pass, order, &len, IPCDEV_FOREVER);
		if (ret == IPCDEV_EOF)
			break;
		if (ret < 0)
			_exit(1);
		order[len] = 0;
		if (slow)
			pause();	/* never answers: killed mid-service */
		n = snprintf(dish, sizeof(dish), "%s, ready", order);
		ipcdev_pipe_send(pass, dish, n, IPCDEV_FOREVER);
	}
	printf("kitchen: front-end closed, closing for the night\n");
	fflush(stdout);
	_exit(0);
}

static pid_t open_kitchen(ipcdev_pipe **front, int slow)
{
	ipcdev_pipe *back;
	pid_t pid;

	if (ipcdev_pipe_create(front, &back, 1, NULL))
		return -1;
	pid = fork();
	if (pid == 0) {
		ipcdev_pipe_close(*front);
		kitchen(back, slow);
	}
	ipcdev_pipe_close(back);
	return pid;
}

int main(void)
{
	char dish[96];
	ipcdev_pipe *front;
	unsigned int i;
	size_t len;
	pid_t pid;
	int ret, status;

	pid = open_kitchen(&front, 0);
	if (pid < 0)
		return 1;
	for (i = 0; i < sizeof(menu) / sizeof(menu[0]); i++) {
		printf("waiter: order %s\n", menu[i]);
		ipcdev_pipe_send(front, menu[i], strlen(menu[i]), IPCDEV_FOREVER);
		len = sizeof(dish) - 1;
		if (ipcdev_pipe_recv(front, dish, &len, IPCDEV_FOREVER))
			return 1;
		dish[len] = 0;
		printf("waiter: served %s\n", dish);
		fflush(stdout);
	}
	ipcdev_pipe_close(front);
	waitpid(pid, &status, 0);

	pid = open_kitchen(&front, 1);
	if (pid < 0)
		return 1;
	printf("waiter: order soup from a kitchen that will be killed\n");
	fflush(stdout);
	ipcdev_pipe_send(front, "soup", 4, IPCDEV_FOREVER);
	usleep(100000);
	kill(pid, SIGKILL);
	len = sizeof(dish);
	ret = ipcdev_pipe_recv(front, dish, &len, IPCDEV_FOREVER);
	printf("waiter: recv -> %s\n", ret == IPCDEV_EOF ?
	       "end-of-file: the kitchen is gone" : "unexpected");
	waitpid(pid, &status, 0);
	ipcdev_pipe_close(front);
	return ret == IPCDEV_EOF ? 0 : 1;
}
