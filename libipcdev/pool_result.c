// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pool results (AsyncResult), the iterators of imap and imap_unordered,
 * and map. A result is also its task (internal.h): it is made here,
 * handed to the dispatcher (pool.c) and completed once by it, from then
 * on fixed.
 *
 * Locks: a result's mutex guards its completion, its eventfd and its
 * iterator link; an iterator's mutex its completion queue. Order: result,
 * then iterator (completion notifies the iterator under the result's
 * lock); the iterator's readers take no result lock, reading a result's
 * fields only after seeing it done (release/acquire on @done). The pool's
 * lock (pool.c) is taken before either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ipcdev.h"
#include "internal.h"

struct ipcdev_pool_iter {
	pthread_mutex_t mu;		/* the fields below */
	pthread_cond_t cv;		/* a result of it completed */
	struct ipcdev_pool_result **r;	/* one per item, the iterator's refs */
	size_t n;
	bool unordered;
	size_t *order;			/* indices in completion order */
	size_t completed;		/* entries of @order */
	size_t given;			/* results returned by next */
};

void ipcdev__cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
}

int ipcdev__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu,
			    uint64_t deadline)
{
	struct timespec ts;

	if (deadline == IPCQ_DEADLINE_FOREVER)
		return -pthread_cond_wait(cv, mu);
	if (ipcdev__now_ns() >= deadline)
		return -ETIMEDOUT;
	ts.tv_sec = (time_t)(deadline / 1000000000ULL);
	ts.tv_nsec = (long)(deadline % 1000000000ULL);
	return -pthread_cond_timedwait(cv, mu, &ts);
}

int ipcdev__pool_result_new(struct ipcdev_pool_result **rp, ipcdev_pool_fn fn,
			    const void *in, size_t in_len, size_t chunk)
{
	struct ipcdev_pool_result *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->in = malloc(in_len ? in_len : 1);
	if (!r->in) {
		free(r);
		return -ENOMEM;
	}
	if (in_len)
		memcpy(r->in, in, in_len);
	pthread_mutex_init(&r->mu, NULL);
	ipcdev__cond_init(&r->cv);
	atomic_init(&r->refs, 2);
	atomic_init(&r->done, false);
	r->efd = -1;
	r->fn = fn;
	r->in_len = in_len;
	r->chunk = chunk ? chunk : 1;
	*rp = r;
	return 0;
}

void ipcdev__pool_result_put(struct ipcdev_pool_result *r)
{
	if (atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	if (r->efd >= 0)
		close(r->efd);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r->in);
	free(r->out);
	free(r);
}

void ipcdev__pool_result_complete(struct ipcdev_pool_result *r, int status,
				  const void *out, size_t len)
{
	struct ipcdev_pool_iter *it;
	uint64_t one = 1;

	free(r->in);
	r->in = NULL;
	pthread_mutex_lock(&r->mu);
	r->status = status;
	if (len) {
		r->out = malloc(len);
		if (r->out) {
			memcpy(r->out, out, len);
			r->out_len = len;
		} else {
			r->status = -ENOMEM;
		}
	}
	atomic_store_explicit(&r->done, true, memory_order_release);
	it = r->it;
	if (it) {
		pthread_mutex_lock(&it->mu);
		it->order[it->completed++] = r->index;
		pthread_cond_broadcast(&it->cv);
		pthread_mutex_unlock(&it->mu);
	}
	/* Cannot fail: the counter is 0 until this write, and only ever 1. */
	if (r->efd >= 0 && write(r->efd, &one, sizeof(one)) < 0)
		abort();
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	ipcdev__pool_result_put(r);
}

static bool result_done(struct ipcdev_pool_result *r)
{
	return atomic_load_explicit(&r->done, memory_order_acquire);
}

/* Copies a completed result out: its status, or -EMSGSIZE. */
static int result_copy(struct ipcdev_pool_result *r, void *out,
		       size_t *out_len)
{
	size_t room = out_len ? *out_len : 0;

	if (out_len)
		*out_len = r->out_len;
	if (r->out_len > room)
		return -EMSGSIZE;
	if (r->out_len)
		memcpy(out, r->out, r->out_len);
	return r->status;
}

static int result_wait_until(struct ipcdev_pool_result *r, uint64_t deadline)
{
	int ret = 0;

	pthread_mutex_lock(&r->mu);
	while (!result_done(r) && !ret)
		ret = ipcdev__cond_wait_until(&r->cv, &r->mu, deadline);
	pthread_mutex_unlock(&r->mu);
	return result_done(r) ? 0 : ret;
}

int ipcdev_pool_result_wait(ipcdev_pool_result *r, int64_t timeout_ns)
{
	if (!r)
		return -EINVAL;
	if (!result_done(r) && timeout_ns == 0)
		return -ETIMEDOUT;
	return result_wait_until(r, ipcdev__deadline(timeout_ns));
}

int ipcdev_pool_result_get(ipcdev_pool_result *r, void *out, size_t *out_len,
			   int64_t timeout_ns)
{
	int ret = ipcdev_pool_result_wait(r, timeout_ns);

	if (ret)
		return ret;
	if (out_len && *out_len && !out)
		return -EINVAL;
	return result_copy(r, out, out_len);
}

int ipcdev_pool_result_ready(ipcdev_pool_result *r)
{
	if (!r)
		return -EINVAL;
	return result_done(r) ? 1 : 0;
}

int ipcdev_pool_result_successful(ipcdev_pool_result *r)
{
	if (!r)
		return -EINVAL;
	if (!result_done(r))
		return -EAGAIN;
	return r->status >= 0 ? 1 : 0;
}

int ipcdev_pool_result_fd(ipcdev_pool_result *r)
{
	uint64_t one = 1;
	int ret;

	if (!r)
		return -EINVAL;
	pthread_mutex_lock(&r->mu);
	if (r->efd < 0) {
		r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (r->efd < 0) {
			ret = -errno;
			pthread_mutex_unlock(&r->mu);
			return ret;
		}
		if (result_done(r) && write(r->efd, &one, sizeof(one)) < 0) {
			ret = -errno;
			close(r->efd);
			r->efd = -1;
			pthread_mutex_unlock(&r->mu);
			return ret;
		}
	}
	ret = r->efd;
	pthread_mutex_unlock(&r->mu);
	return ret;
}

int ipcdev_pool_result_free(ipcdev_pool_result *r)
{
	if (!r)
		return -EINVAL;
	ipcdev__pool_result_put(r);
	return 0;
}

int ipcdev_pool_apply_async(ipcdev_pool *p, ipcdev_pool_fn fn,
			    const void *in, size_t in_len,
			    ipcdev_pool_result **rp)
{
	struct ipcdev_pool_result *r;
	int ret;

	if (!p || !fn || !rp || (in_len && !in))
		return -EINVAL;
	ret = ipcdev__pool_usable(p, fn, in_len);
	if (ret)
		return ret;
	ret = ipcdev__pool_result_new(&r, fn, in, in_len, 1);
	if (ret)
		return ret;
	ret = ipcdev__pool_submit(p, &r, 1);
	if (ret) {
		ipcdev__pool_result_put(r);
		ipcdev__pool_result_put(r);
		return ret;
	}
	*rp = r;
	return 0;
}

int ipcdev_pool_apply(ipcdev_pool *p, ipcdev_pool_fn fn, const void *in,
		      size_t in_len, void *out, size_t *out_len,
		      int64_t timeout_ns)
{
	ipcdev_pool_result *r;
	int ret = ipcdev_pool_apply_async(p, fn, in, in_len, &r);

	if (ret)
		return ret;
	ret = ipcdev_pool_result_get(r, out, out_len, timeout_ns);
	ipcdev_pool_result_free(r);
	return ret;
}

/* Results for @n items, submitted; *rs for free() after their puts. */
static int submit_items(ipcdev_pool *p, ipcdev_pool_fn fn,
			const struct ipcdev_pool_item *items, size_t n,
			size_t chunksize, struct ipcdev_pool_iter *it,
			struct ipcdev_pool_result ***rs)
{
	struct ipcdev_pool_result **r;
	size_t i;
	int ret;

	if (!p || !fn || (n && !items))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (items[i].in_len && !items[i].in)
			return -EINVAL;
		ret = ipcdev__pool_usable(p, fn, items[i].in_len);
		if (ret)
			return ret;
	}
	ret = ipcdev__pool_usable(p, fn, 0);
	if (ret)
		return ret;
	if (!chunksize)
		chunksize = ipcdev__pool_chunksize(p, n);
	r = calloc(n ? n : 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = ipcdev__pool_result_new(&r[i], fn, items[i].in,
					      items[i].in_len, chunksize);
		if (ret)
			goto fail;
		r[i]->it = it;
		r[i]->index = i;
	}
	ret = ipcdev__pool_submit(p, r, n);
	if (ret)
		goto fail;
	*rs = r;
	return 0;
fail:
	while (i--) {
		ipcdev__pool_result_put(r[i]);
		ipcdev__pool_result_put(r[i]);
	}
	free(r);
	return ret;
}

int ipcdev_pool_map(ipcdev_pool *p, ipcdev_pool_fn fn,
		    struct ipcdev_pool_item *items, size_t n, size_t chunksize,
		    int64_t timeout_ns)
{
	uint64_t deadline = ipcdev__deadline(timeout_ns);
	struct ipcdev_pool_result **r;
	int ret, failed = 0;
	size_t i;

	ret = submit_items(p, fn, items, n, chunksize, NULL, &r);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = result_wait_until(r[i], deadline);
		if (!ret) {
			items[i].status = result_copy(r[i], items[i].out,
						      &items[i].out_len);
			failed += items[i].status < 0;
		} else {
			items[i].status = ret;
		}
		ipcdev__pool_result_put(r[i]);
	}
	free(r);
	return ret ? ret : failed;
}

static int iter_make(ipcdev_pool_iter **itp, ipcdev_pool *p, ipcdev_pool_fn fn,
		     const struct ipcdev_pool_item *items, size_t n,
		     size_t chunksize, bool unordered)
{
	struct ipcdev_pool_iter *it;
	int ret;

	if (!itp)
		return -EINVAL;
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->order = calloc(n ? n : 1, sizeof(*it->order));
	if (!it->order) {
		free(it);
		return -ENOMEM;
	}
	pthread_mutex_init(&it->mu, NULL);
	ipcdev__cond_init(&it->cv);
	it->n = n;
	it->unordered = unordered;
	ret = submit_items(p, fn, items, n, chunksize, it, &it->r);
	if (ret) {
		pthread_cond_destroy(&it->cv);
		pthread_mutex_destroy(&it->mu);
		free(it->order);
		free(it);
		return ret;
	}
	*itp = it;
	return 0;
}

int ipcdev_pool_imap(ipcdev_pool_iter **it, ipcdev_pool *p, ipcdev_pool_fn fn,
		     const struct ipcdev_pool_item *items, size_t n,
		     size_t chunksize)
{
	return iter_make(it, p, fn, items, n, chunksize, false);
}

int ipcdev_pool_imap_unordered(ipcdev_pool_iter **it, ipcdev_pool *p,
			       ipcdev_pool_fn fn,
			       const struct ipcdev_pool_item *items, size_t n,
			       size_t chunksize)
{
	return iter_make(it, p, fn, items, n, chunksize, true);
}

/* The index next() gives, once its result is done; under it->mu. */
static bool iter_ready(struct ipcdev_pool_iter *it, size_t *index)
{
	if (it->unordered) {
		if (it->given >= it->completed)
			return false;
		*index = it->order[it->given];
		return true;
	}
	*index = it->given;
	return result_done(it->r[it->given]);
}

int ipcdev_pool_iter_next(ipcdev_pool_iter *it, size_t *index, int *status,
			  void *out, size_t *out_len, int64_t timeout_ns)
{
	uint64_t deadline = ipcdev__deadline(timeout_ns);
	size_t i = 0;
	int ret = 0;

	if (!it || !status || (out_len && *out_len && !out))
		return -EINVAL;
	pthread_mutex_lock(&it->mu);
	if (it->given == it->n) {
		pthread_mutex_unlock(&it->mu);
		return IPCDEV_EOF;
	}
	while (!iter_ready(it, &i) && !ret)
		ret = timeout_ns == 0 ? -ETIMEDOUT :
		      ipcdev__cond_wait_until(&it->cv, &it->mu, deadline);
	if (iter_ready(it, &i)) {
		ret = result_copy(it->r[i], out, out_len);
		if (ret != -EMSGSIZE) {
			*status = ret;
			if (index)
				*index = i;
			it->given++;
			ret = 0;
		}
	}
	pthread_mutex_unlock(&it->mu);
	return ret;
}

int ipcdev_pool_iter_free(ipcdev_pool_iter *it)
{
	size_t i;

	if (!it)
		return -EINVAL;
	for (i = 0; i < it->n; i++) {
		pthread_mutex_lock(&it->r[i]->mu);
		it->r[i]->it = NULL;
		pthread_mutex_unlock(&it->r[i]->mu);
		ipcdev__pool_result_put(it->r[i]);
	}
	pthread_cond_destroy(&it->cv);
	pthread_mutex_destroy(&it->mu);
	free(it->r);
	free(it->order);
	free(it);
	return 0;
}
