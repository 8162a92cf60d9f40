// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: queue messages put and got as io_uring commands
 * (ipcdev_uring_prep_put/get, liburing), one ring per process, against
 * the blocking API on the same queues (capacity 64), 64-byte messages
 * checked as in stream(): content, queue, and every sequence once. Each
 * cell's blocking baseline runs in the same harness, next to it, so that
 * each side's CPU time per message (CLOCK_PROCESS_CPUTIME_ID around its
 * loop) can be shown too: with one vCPU per side, the side that needs
 * more bounds msg/s.
 *
 *   1x1  producer process -> consumer process, one queue. "ipcq-queue":
 *        blocking ipcdev_queue_put/get, as in stream(). "ipcq-uring": the
 *        producer puts in batches of URING_BATCH (one
 *        io_uring_submit_and_wait per batch, returning once the whole
 *        batch has completed, parked puts included); the consumer keeps
 *        URING_BATCH gets in flight and re-arms each as it completes.
 *   16q  one consumer thread serving FANIN_QUEUES queues, fed by one
 *        producer process putting message k into queue k % 16 with
 *        blocking puts, the same in both rows. "poll+get_nowait": poll(2)
 *        on the queues' fds, then ipcdev_queue_get_nowait() on each ready
 *        queue until -EAGAIN (what one thread has without io_uring).
 *        "ipcq-uring": one ring with one get parked per queue.
 *
 * Every get armed is met by a message, so no command is left parked
 * when a process exits.
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "bench.h"

const struct ur_row ur_rows[NUR] = {
	{ "ipcq-queue", "1x1", 0 },
	{ "ipcq-uring", "1x1", 1 },
	{ "poll+get_nowait", "16q", 0 },
	{ "ipcq-uring", "16q", 1 },
};
int uring_err = -ENOSYS;
double ur_tput[NUR][MAX_REPS], ur_csw[NUR][MAX_REPS];
double ur_cpu[NUR][2][MAX_REPS];
double ur_scalls[NUR][2][MAX_REPS];
int ur_scalls_err[NUR];

/* One cell's outcome, in shared memory; filled by the consumer. */
struct ur_run {
	_Atomic uint64_t got, errors, seqsum;
	/* As in stream(): syscalls of the producer, of the consumer; errno. */
	_Atomic uint64_t sc_sum[2], sc_err;
	_Atomic uint64_t cpu_ns[2];	/* CPU time of each loop */
	_Atomic uint64_t end;		/* the later loop's finish */
};

static uint64_t cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Blocking producer, message k into qs[k % nq]. */
static int blk_produce(ipcdev_queue **qs, int nq, int total,
		       struct ur_run *run, int counting)
{
	unsigned char buf[UR_SIZE];
	int k, scfd = -1, ret = 0;
	uint64_t c0 = cpu_now();

	if (counting)
		scfd = sc_open();
	for (k = 0; k < total && !ret; k++) {
		msg_fill(buf, UR_SIZE, (uint32_t)k, (uint32_t)(k % nq));
		ret = ipcdev_queue_put(qs[k % nq], buf, UR_SIZE, IPCDEV_FOREVER);
	}
	if (counting)
		sc_add(sc_close(scfd), &run->sc_sum[0], &run->sc_err);
	atomic_store(&run->cpu_ns[0], cpu_now() - c0);
	return ret ? -1 : 0;
}

/* Each child holds an endpoint of its own kind only, as in stream(). */
static void ur_endpoint(ipcdev_queue **q, int producer)
{
	ipcdev_queue *mine;

	if (ipcdev_queue_endpoint(&mine, *q, producer ? IPCDEV_PRODUCER :
				  IPCDEV_CONSUMER) == 0) {
		ipcdev_queue_close(*q);
		*q = mine;
	}
}

/* A consumer loop's end: its syscall count, CPU time and tallies. */
static void ur_consumed(struct ur_run *run, int counting, int scfd,
			uint64_t c0, int got, uint64_t errors, uint64_t seqsum)
{
	if (counting)
		sc_add(sc_close(scfd), &run->sc_sum[1], &run->sc_err);
	atomic_store(&run->cpu_ns[1], cpu_now() - c0);
	atomic_store(&run->got, (uint64_t)got);
	atomic_store(&run->errors, errors);
	atomic_store(&run->seqsum, seqsum);
}

/* Checks a message got from queue @qi and adds its sequence to *@seqsum. */
static void ur_check(const unsigned char *buf, size_t len, int qi,
		     uint64_t *errors, uint64_t *seqsum)
{
	uint32_t h[2];

	if (len != UR_SIZE || !msg_ok(buf, len)) {
		(*errors)++;
		return;
	}
	memcpy(h, buf, sizeof(h));
	if (h[1] != (uint32_t)qi)
		(*errors)++;
	*seqsum += h[0];
}

/* Submits what is queued and waits for @wait_nr completions. */
static int ur_submit_wait(struct io_uring *ring, unsigned int wait_nr)
{
	int ret;

	do
		ret = io_uring_submit_and_wait(ring, wait_nr);
	while (ret == -EINTR);
	return ret < 0 ? ret : 0;
}

/*
 * Producer: @total messages, message k into qs[k % nq], URING_BATCH puts
 * per submission, each batch waited for. 0, or -1 if any put failed.
 */
static int ur_produce(ipcdev_queue **qs, int nq, int total,
		      struct ur_run *run, int counting)
{
	static unsigned char bufs[URING_BATCH][UR_SIZE];
	static struct ipcdev_uring_op ops[URING_BATCH];
	struct io_uring_cqe *cqes[URING_BATCH];
	struct io_uring ring;
	int sent = 0, scfd = -1, i, n, done, ret = 0;
	uint64_t c0;

	if (io_uring_queue_init(URING_BATCH, &ring, 0))
		return -1;
	c0 = cpu_now();
	if (counting)
		scfd = sc_open();
	while (sent < total && !ret) {
		n = total - sent < URING_BATCH ? total - sent : URING_BATCH;
		for (i = 0; i < n && !ret; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			int k = sent + i;

			msg_fill(bufs[i], UR_SIZE, (uint32_t)k,
				 (uint32_t)(k % nq));
			if (!sqe) {
				ret = -1;
				break;
			}
			sqe->user_data = (uint64_t)i;
			ret = ipcdev_uring_prep_put(sqe, qs[k % nq], &ops[i],
						    bufs[i], UR_SIZE,
						    IPCDEV_FOREVER);
		}
		if (ret || ur_submit_wait(&ring, (unsigned int)n)) {
			ret = -1;
			break;
		}
		for (done = 0; done < n && !ret;) {
			unsigned int got = io_uring_peek_batch_cqe(&ring, cqes,
							(unsigned int)(n - done));
			unsigned int j;

			if (!got) {
				if (ur_submit_wait(&ring, 1))
					ret = -1;
				continue;
			}
			for (j = 0; j < got; j++)
				if (cqes[j]->user_data >= (uint64_t)n ||
				    ipcdev_uring_result(cqes[j],
						&ops[cqes[j]->user_data],
						NULL, NULL))
					ret = -1;
			io_uring_cq_advance(&ring, got);
			done += (int)got;
		}
		sent += n;
	}
	if (counting)
		sc_add(sc_close(scfd), &run->sc_sum[0], &run->sc_err);
	atomic_store(&run->cpu_ns[0], cpu_now() - c0);
	io_uring_queue_exit(&ring);
	return ret ? -1 : 0;
}

/*
 * io_uring consumer: @per gets in flight on each of the @nq queues (slot
 * s serves queue s % nq), each re-armed as it completes until its queue's
 * share of @total is asked for. 0 once all arrived, or -1.
 */
static int ur_consume(ipcdev_queue **qs, int nq, int per, int total,
		      struct ur_run *run, int counting)
{
	static unsigned char bufs[URING_BATCH][UR_SIZE];
	static struct ipcdev_uring_op ops[URING_BATCH];
	struct io_uring_cqe *cqes[URING_BATCH];
	uint64_t errors = 0, seqsum = 0;
	int left[FANIN_QUEUES], nslots = nq * per, got = 0, scfd = -1;
	int s, ret = 0;
	struct io_uring ring;
	uint64_t c0;

	if (nslots > URING_BATCH || nq > FANIN_QUEUES ||
	    io_uring_queue_init(URING_BATCH, &ring, 0))
		return -1;
	for (s = 0; s < nq; s++)
		left[s] = total / nq;
	c0 = cpu_now();
	if (counting)
		scfd = sc_open();
	for (s = 0; s < nslots && !ret; s++) {
		struct io_uring_sqe *sqe;

		if (!left[s % nq])
			continue;
		left[s % nq]--;
		sqe = io_uring_get_sqe(&ring);
		if (!sqe) {
			ret = -1;
			break;
		}
		sqe->user_data = (uint64_t)s;
		ret = ipcdev_uring_prep_get(sqe, qs[s % nq], &ops[s], bufs[s],
					    UR_SIZE, IPCDEV_FOREVER);
	}
	while (got < total && !ret) {
		unsigned int n, j;

		if (ur_submit_wait(&ring, 1)) {
			ret = -1;
			break;
		}
		n = io_uring_peek_batch_cqe(&ring, cqes, URING_BATCH);
		for (j = 0; j < n && !ret; j++) {
			size_t len = 0;
			struct io_uring_sqe *sqe;

			s = (int)cqes[j]->user_data;
			/* Any failure would leave a slot unarmed: stop. */
			if (s < 0 || s >= nslots ||
			    ipcdev_uring_result(cqes[j], &ops[s], &len, NULL)) {
				ret = -1;
				break;
			}
			ur_check(bufs[s], len, s % nq, &errors, &seqsum);
			got++;
			if (!left[s % nq])
				continue;
			left[s % nq]--;
			sqe = io_uring_get_sqe(&ring);
			if (!sqe) {
				ret = -1;
				break;
			}
			sqe->user_data = (uint64_t)s;
			ret = ipcdev_uring_prep_get(sqe, qs[s % nq], &ops[s],
						    bufs[s], UR_SIZE,
						    IPCDEV_FOREVER);
		}
		io_uring_cq_advance(&ring, n);
	}
	ur_consumed(run, counting, scfd, c0, got, errors, seqsum);
	io_uring_queue_exit(&ring);
	return ret ? -1 : 0;
}

/* The single-thread alternative: poll(2), then drain each ready queue. */
static int poll_consume(ipcdev_queue **qs, int nq, int total,
			struct ur_run *run, int counting)
{
	struct pollfd pfd[FANIN_QUEUES];
	unsigned char buf[UR_SIZE];
	uint64_t errors = 0, seqsum = 0;
	int got = 0, open = nq, scfd = -1, i, ret = 0;
	uint64_t c0;

	if (nq > FANIN_QUEUES)
		return -1;
	for (i = 0; i < nq; i++) {
		pfd[i].fd = ipcdev_queue_fd(qs[i]);
		pfd[i].events = POLLIN;
	}
	c0 = cpu_now();
	if (counting)
		scfd = sc_open();
	while (got < total && open && !ret) {
		if (poll(pfd, (nfds_t)nq, -1) < 0) {
			if (errno != EINTR)
				ret = -1;
			continue;
		}
		for (i = 0; i < nq && !ret; i++) {
			if (!pfd[i].revents)
				continue;
			for (;;) {
				size_t len = sizeof(buf);
				int r = ipcdev_queue_get_nowait(qs[i], buf, &len);

				if (r == -EAGAIN)
					break;
				if (r == IPCDEV_EOF) {
					/* No producer left: poll no more. */
					pfd[i].fd = -1;
					open--;
					break;
				}
				if (r) {
					ret = -1;
					break;
				}
				ur_check(buf, len, i, &errors, &seqsum);
				got++;
			}
		}
	}
	ur_consumed(run, counting, scfd, c0, got, errors, seqsum);
	return ret || got < total ? -1 : 0;
}

/* The blocking API: ipcdev_queue_get() until all arrived. */
static int blk_consume(ipcdev_queue *q, int total, struct ur_run *run,
		       int counting)
{
	unsigned char buf[UR_SIZE];
	uint64_t errors = 0, seqsum = 0, c0 = cpu_now();
	int got = 0, scfd = -1, ret = 0;

	if (counting)
		scfd = sc_open();
	while (got < total) {
		size_t len = sizeof(buf);

		ret = ipcdev_queue_get(q, buf, &len, IPCDEV_FOREVER);
		if (ret)
			break;
		ur_check(buf, len, 0, &errors, &seqsum);
		got++;
	}
	ur_consumed(run, counting, scfd, c0, got, errors, seqsum);
	return ret ? -1 : 0;
}

/*
 * One io_uring cell: messages/s from the common start to the later
 * loop's finish, as stream() times it, or -1. With @sc, both loops count
 * their syscalls.
 */
double ur_cell(int cell, int total, double *csw_per_msg,
		      double cpu[2], struct syscount *sc)
{
	struct ur_run *run = shared_alloc(4096);
	ipcdev_queue *qs[FANIN_QUEUES] = { NULL };
	int nq = cell <= UR_1X1 ? 1 : FANIN_QUEUES, i, k, status, fail = 0;
	long csw0 = csw_children();
	struct start_gate gate;
	uint64_t t0, errors;
	pid_t pids[2];

	for (i = 0; i < nq && !fail; i++)
		fail = ipcdev_queue_create(&qs[i], 64) != 0;
	if (fail || total % nq || gate_init(&gate)) {
		for (i = 0; i < nq; i++)
			if (qs[i])
				ipcdev_queue_close(qs[i]);
		munmap(run, 4096);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int producer = i == 0, ret;

			for (k = 0; k < nq; k++)
				ur_endpoint(&qs[k], producer);
			if (gate_wait(&gate))
				_exit(1);
			if (producer && cell == UR_1X1)
				ret = ur_produce(qs, nq, total, run, sc != NULL);
			else if (producer)
				ret = blk_produce(qs, nq, total, run, sc != NULL);
			else if (cell == UR_QUEUE)
				ret = blk_consume(qs[0], total, run, sc != NULL);
			else if (cell == UR_POLL)
				ret = poll_consume(qs, nq, total, run, sc != NULL);
			else
				ret = ur_consume(qs, nq,
						 cell == UR_1X1 ? URING_BATCH : 1,
						 total, run, sc != NULL);
			time_finished(&run->end);
			_exit(ret ? 1 : 0);
		}
	}
	/* No endpoint left here: a consumer that dies fails the producer. */
	for (i = 0; i < nq; i++)
		ipcdev_queue_close(qs[i]);
	t0 = gate_open(&gate, 2, &fail);
	for (i = 0; i < 2; i++) {
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			fail = 1;
	}
	t0 = time_to_finish(t0, &run->end);
	errors = atomic_load(&run->errors);
	/* Nothing lost or duplicated: every sequence 0..total-1, once. */
	if (!fail && (atomic_load(&run->got) != (uint64_t)total ||
		      atomic_load(&run->seqsum) !=
		      (uint64_t)total * (uint64_t)(total - 1) / 2))
		errors++;
	stream_errors += errors;
	if (fail) {
		munmap(run, 4096);
		return -1;
	}
	*csw_per_msg = (double)(csw_children() - csw0) / (double)total;
	for (i = 0; i < 2; i++)
		cpu[i] = (double)atomic_load(&run->cpu_ns[i]) / (double)total;
	if (sc) {
		sc->err = (int)atomic_load(&run->sc_err);
		sc->producer = (double)atomic_load(&run->sc_sum[0]) / (double)total;
		sc->consumer = (double)atomic_load(&run->sc_sum[1]) / (double)total;
	}
	munmap(run, 4096);
	return (double)total * 1e9 / (double)t0;
}

/* Messages per io_uring cell: as many as streaming 1x1 at 64 B. */
int ur_count(int cell)
{
	if (cell <= UR_1X1)
		return quick ? 500 : 20000;
	return quick ? 512 : 20000;	/* a multiple of FANIN_QUEUES */
}

/* The io_uring cells of repetition @r, interleaved like the others. */
void ur_rep(int r)
{
	int c;

	for (c = 0; c < NUR; c++) {
		double cs = -1, cpu[2] = { -1, -1 };

		ur_tput[c][r] = uring_err && ur_rows[c].uring ? -1 :
				ur_cell(c, ur_count(c), &cs, cpu, NULL);
		ur_csw[c][r] = cs;
		ur_cpu[c][0][r] = cpu[0];
		ur_cpu[c][1][r] = cpu[1];
	}
}

