// SPDX-License-Identifier: GPL-2.0
/*
 * Typed messages (IPCQ_FEATURE_QUEUE_SYSV): what a get that selects by
 * type costs against a plain get, on a queue holding 100000 messages of
 * 1000 types (100 each, interleaved). Each operation is a get and a put of
 * the same message back (same type), so the queue stays at 100000: a
 * plain get takes the head, a typed get (IPCQ_MSG_TYPE_EQ, type cycling
 * over all 1000; IPCQ_MSG_TYPE_LE of the highest type, which takes the
 * lowest) must find its type's first message. The kernel indexes messages
 * by type, so the goal is under 2x a plain get (a scan would cost 100000
 * steps per get). ns per get+put, the median of the repetitions.
 */
#include "bench.h"

#define TYPED_MSGS	100000
#define TYPED_TYPES	1000

const char *const typed_names[NTYPED] = {
	"plain get", "get type == t", "get type <= max",
};
double typed_ns[NTYPED][MAX_REPS];

/* ns per get+put-back of kind @k, @iters times; -1 on an error. */
static double typed_cell(ipcdev_queue *q, int k, int iters)
{
	uint64_t t0, type, want;
	uint32_t v;
	size_t len;
	int i, ret;

	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		len = sizeof(v);
		want = (uint64_t)(i % TYPED_TYPES) + 1;
		if (k == TYPED_PLAIN)
			ret = ipcdev_queue_get_typed(q, &v, &len, &type, 0, 0,
						     IPCDEV_NOWAIT);
		else if (k == TYPED_EQ)
			ret = ipcdev_queue_get_typed(q, &v, &len, &type, want,
						     IPCDEV_TYPE_EQ,
						     IPCDEV_NOWAIT);
		else
			ret = ipcdev_queue_get_typed(q, &v, &len, &type,
						     TYPED_TYPES,
						     IPCDEV_TYPE_LE,
						     IPCDEV_NOWAIT);
		if (ret || (k == TYPED_EQ && type != want) ||
		    ipcdev_queue_put_typed(q, &v, sizeof(v), type, 0,
					   IPCDEV_NOWAIT))
			return -1;
	}
	return (double)(now_ns() - t0) / iters;
}

void typed_rep(int r)
{
	int k, i, n = quick ? TYPED_MSGS / 10 : TYPED_MSGS;
	ipcdev_queue *q;
	uint32_t v;

	for (k = 0; k < NTYPED; k++)
		typed_ns[k][r] = -1;
	if (!ipcdev_has_feature(IPCQ_FEATURE_QUEUE_SYSV) ||
	    ipcdev_simplequeue_create(&q))
		return;
	for (i = 0; i < n; i++) {
		v = (uint32_t)i;
		if (ipcdev_queue_put_typed(q, &v, sizeof(v),
					   (uint64_t)(i % TYPED_TYPES) + 1, 0,
					   IPCDEV_NOWAIT))
			goto out;
	}
	for (k = 0; k < NTYPED; k++)
		typed_ns[k][r] = typed_cell(q, k, quick ? 2000 : 20000);
out:
	ipcdev_queue_close(q);
}
