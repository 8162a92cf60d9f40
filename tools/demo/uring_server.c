// SPDX-License-Identifier: GPL-2.0
/*
 * uring_server: one thread serves many queues and a pipe through one
 * io_uring. Eight client processes each send requests on a queue of
 * their own and wait for the answers on another; when done, a client
 * says so on a pipe shared by all. The server keeps a get parked on
 * every request queue and a recv parked on the pipe, answers through
 * puts on the same ring, and stops when every client is done: no thread
 * per blocking call, no poll loop, and every answer is checked.
 */
#include <errno.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcdev.h"

#define CLIENTS		8
#define REQUESTS	2000

struct request {
	uint32_t client;
	uint32_t n;
};

/* What a slot of the ring is doing; user_data points at it. */
struct slot {
	enum { GET_REQUEST, RECV_DONE, PUT_ANSWER } what;
	uint32_t client;
	struct ipcdev_uring_op op;
	union {
		struct request req;
		uint64_t answer;
		char note[32];
	} buf;
};

static ipcdev_queue *requests[CLIENTS], *answers[CLIENTS];
static ipcdev_pipe *notes_in, *notes_out;

static int client(uint32_t id)
{
	struct request req = { .client = id };
	char note[32];
	uint64_t answer;
	size_t len;

	for (req.n = 0; req.n < REQUESTS; req.n++) {
		if (ipcdev_queue_put(requests[id], &req, sizeof(req),
				     IPCDEV_FOREVER))
			return 1;
		len = sizeof(answer);
		if (ipcdev_queue_get(answers[id], &answer, &len,
				     IPCDEV_FOREVER) ||
		    answer != (uint64_t)req.n * req.n + id)
			return 2;
	}
	snprintf(note, sizeof(note), "client %u done", id);
	return ipcdev_pipe_send(notes_out, note, strlen(note) + 1,
				IPCDEV_FOREVER) ? 3 : 0;
}

/* Queues @s on the ring again, as what it is. */
static int resubmit(struct io_uring *ring, struct slot *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_sqe_set_data(sqe, s);
	switch (s->what) {
	case GET_REQUEST:
		ret = ipcdev_uring_prep_get(sqe, requests[s->client], &s->op,
					    &s->buf.req, sizeof(s->buf.req),
					    IPCDEV_FOREVER);
		break;
	case RECV_DONE:
		ret = ipcdev_uring_prep_recv(sqe, notes_in, &s->op, s->buf.note,
					     sizeof(s->buf.note),
					     IPCDEV_FOREVER);
		break;
	default:
		ret = ipcdev_uring_prep_put(sqe, answers[s->client], &s->op,
					    &s->buf.answer,
					    sizeof(s->buf.answer),
					    IPCDEV_FOREVER);
		break;
	}
	return ret;
}

static int serve(struct io_uring *ring)
{
	static struct slot gets[CLIENTS], puts[CLIENTS], notes;
	unsigned int done = 0, served = 0, completions = 0;
	struct io_uring_cqe *cqe;
	uint32_t i;
	int ret;

	for (i = 0; i < CLIENTS; i++) {
		gets[i] = (struct slot){ .what = GET_REQUEST, .client = i };
		puts[i] = (struct slot){ .what = PUT_ANSWER, .client = i };
		if (resubmit(ring, &gets[i]))
			return -1;
	}
	notes.what = RECV_DONE;
	if (resubmit(ring, &notes))
		return -1;
	while (done < CLIENTS) {
		struct slot *s;
		size_t len = 0;

		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0)
			return ret;
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret)
			return ret;
		s = io_uring_cqe_get_data(cqe);
		ret = ipcdev_uring_result(cqe, &s->op, &len, NULL);
		io_uring_cqe_seen(ring, cqe);
		completions++;
		if (ret) {
			fprintf(stderr, "uring_server: %s: %s\n",
				s->what == PUT_ANSWER ? "put" : "get",
				strerror(-ret));
			return -1;
		}
		switch (s->what) {
		case GET_REQUEST: {
			struct slot *p = &puts[s->client];

			/* A client waits for its answer before asking again. */
			p->buf.answer = (uint64_t)s->buf.req.n * s->buf.req.n +
					s->buf.req.client;
			if (resubmit(ring, p) || resubmit(ring, s))
				return -1;
			served++;
			break;
		}
		case RECV_DONE:
			printf("  pipe: %s\n", s->buf.note);
			if (++done < CLIENTS && resubmit(ring, s))
				return -1;
			break;
		case PUT_ANSWER:
			break;
		}
	}
	/*
	 * The gets still parked (one per queue) are cancelled, a cancel per
	 * queue: IPCDEV_CANCEL_ANY reaches every command of this thread
	 * parked on that one queue.
	 */
	unsigned int canceled = 0, answered = 0;

	for (i = 0; i < CLIENTS; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe)
			return -1;
		ret = ipcdev_uring_prep_cancel(sqe, ipcdev_queue_fd(requests[i]),
					       0, IPCDEV_CANCEL_ANY);
		if (ret)
			return ret;
		io_uring_sqe_set_data(sqe, NULL);
	}
	io_uring_submit(ring);
	while (answered < CLIENTS || canceled < CLIENTS) {
		struct slot *s;

		if (io_uring_wait_cqe(ring, &cqe))
			return -1;
		s = io_uring_cqe_get_data(cqe);
		if (!s) {
			answered++;
			if (cqe->res != 1)
				return -1;
		} else if (s->what == GET_REQUEST) {
			if (cqe->res != -ECANCELED)
				return -1;
			canceled++;
		} else if (cqe->res) {
			return -1;	/* a late answer's put failed */
		}
		io_uring_cqe_seen(ring, cqe);
	}
	printf("  one thread served %u requests from %u queues and a pipe "
	       "(%u completions, 1 ring)\n", served, CLIENTS, completions);
	return served == CLIENTS * REQUESTS ? 0 : -1;
}

int main(void)
{
	struct io_uring ring;
	int i, ret, failed = 0;

	ret = ipcdev_uring_probe();
	if (ret) {
		printf("  io_uring unavailable here: %s\n", strerror(-ret));
		return ret == -ENOENT ? 1 : 0;
	}
	for (i = 0; i < CLIENTS; i++)
		if (ipcdev_queue_create(&requests[i], 4) ||
		    ipcdev_queue_create(&answers[i], 4))
			return 1;
	if (ipcdev_pipe_create(&notes_in, &notes_out, 0, NULL))
		return 1;
	for (i = 0; i < CLIENTS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(client(i));
	}
	if (io_uring_queue_init(4 * CLIENTS, &ring, 0))
		return 1;
	ret = serve(&ring);
	io_uring_queue_exit(&ring);
	for (i = 0; i < CLIENTS; i++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
	if (ret || failed) {
		fprintf(stderr, "uring_server: failed (%d, %d clients)\n", ret,
			failed);
		return 1;
	}
	return 0;
}
