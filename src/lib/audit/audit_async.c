/*
 * Asynchronous appends: group commit driven by an event loop.
 *
 * A submit encodes its record into the writer's batch under the writer's
 * mutex, exactly as medsec_audit_append() does (so sequence number, chain
 * hash and MAC follow submission order), and queues who to tell. A commit
 * takes the queue, has the batch written and synced once through the
 * writer's own flush (the same code, the same failure rule), and then
 * tells each submitter, in order, on the caller's thread.
 *
 * What a callback hears is decided from the writer's durable sequence
 * number, which only a successful fdatasync moves: a record is reported
 * MEDSEC_OK only if that number has reached it in the state it was
 * encoded in. Anything else is an error, so no record a power cut could
 * still take away is ever reported durable.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "audit_writer_int.h"

/* Bytes the record takes in the batch once encoded. */
static size_t
encoded_size(const struct medsec_audit_event_in *ev, const char *details)
{
	const char *f[5] = { ev->actor, ev->source, ev->object, ev->reason,
		details };
	size_t n = AUDIT_REC_FIXED_LEN + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN;

	for (int i = 0; i < 5; i++)
		n += f[i] != NULL ? strlen(f[i]) : 0;
	return n;
}

static int
queue_full_locked(const struct medsec_audit *a, size_t more_bytes)
{
	return a->async.n >= MEDSEC_AUDIT_ASYNC_MAX_RECORDS ||
	    (a->async.n > 0 &&
		a->async.bytes + more_bytes > MEDSEC_AUDIT_ASYNC_MAX_BYTES);
}

/* Room for one more entry, so that a record once encoded is always queued. */
static int
queue_reserve_locked(struct medsec_audit *a)
{
	struct audit_async_req *req;
	size_t cap;

	if (a->async.n < a->async.cap)
		return MEDSEC_OK;
	if (a->async.cap >= MEDSEC_AUDIT_ASYNC_MAX_RECORDS)
		return MEDSEC_ERR_BUSY; /* the caller commits a full queue */
	cap = a->async.cap != 0 ? a->async.cap * 2 : 64;
	if (cap > MEDSEC_AUDIT_ASYNC_MAX_RECORDS)
		cap = MEDSEC_AUDIT_ASYNC_MAX_RECORDS;
	req = realloc(a->async.req, cap * sizeof(*req));
	if (req == NULL)
		return MEDSEC_ERR_NOMEM;
	a->async.req = req;
	a->async.cap = cap;
	return MEDSEC_OK;
}

static int
submit_locked(struct medsec_audit *a, const struct medsec_audit_event_in *ev,
    const char *details, size_t bytes, medsec_audit_done_fn done, void *arg,
    uint64_t *seqp)
{
	struct audit_async_req *req;
	uint64_t seq;
	int r;

	if (a->failed != 0)
		return a->failed;
	if ((r = queue_reserve_locked(a)) != MEDSEC_OK)
		return r;
	if ((r = audit_encode_event_locked(a, ev, details,
		 medsec_clock_wall_us(), 0, &seq)) != MEDSEC_OK)
		return r;
	req = &a->async.req[a->async.n++];
	req->seq = seq;
	req->load_gen = a->load_gen;
	req->done = done;
	req->arg = arg;
	a->async.bytes += bytes;
	if (seqp != NULL)
		*seqp = seq;
	/* A leader gathering blocking appenders counts records, not who
	 * wrote them: this one may complete its batch. */
	if (a->batch.count >= (size_t)atomic_load(&a->inside))
		pthread_cond_signal(&a->gathered);
	return MEDSEC_OK;
}

int
medsec_audit_submit(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, uint64_t *seqp,
    medsec_audit_done_fn done, void *arg)
{
	char *details = NULL;
	size_t bytes;
	int r;

	if (a == NULL || ev == NULL || done == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = audit_event_check(ev, &details)) != MEDSEC_OK)
		return r;
	bytes = encoded_size(ev, details);
	pthread_mutex_lock(&a->lock);
	/* A full queue is committed first, never dropped. */
	while (queue_full_locked(a, bytes) && a->failed == 0) {
		pthread_mutex_unlock(&a->lock);
		if (medsec_audit_commit(a) != MEDSEC_OK) {
			/* Each queued record's callback has heard the error;
			 * a storage failure is sticky, so submit_locked()
			 * refuses this record too. */
		}
		pthread_mutex_lock(&a->lock);
	}
	r = submit_locked(a, ev, details, bytes, done, arg, seqp);
	pthread_mutex_unlock(&a->lock);
	free(details);
	return r;
}

/* What the record's submitter hears, given the writer's state now. */
static int
req_status(const struct audit_async_req *req, uint64_t load_gen,
    uint64_t durable_seq, int failed)
{
	if (req->load_gen == load_gen && req->seq <= durable_seq)
		return MEDSEC_OK;
	return failed != 0 ? failed : MEDSEC_ERR_AUDIT_UNAVAILABLE;
}

/* The newest record of the queue still in the writer's current state. */
static uint64_t
last_seq_of(const struct audit_async_queue *q, uint64_t load_gen)
{
	uint64_t last = 0;

	for (size_t i = 0; i < q->n; i++)
		if (q->req[i].load_gen == load_gen && q->req[i].seq > last)
			last = q->req[i].seq;
	return last;
}

/* Gives the emptied array back for the next commit to reuse. */
static void
recycle_locked(struct medsec_audit *a, struct audit_async_queue *q)
{
	if (a->async_spare.req == NULL && q->cap != 0) {
		a->async_spare = *q;
		a->async_spare.n = 0;
		a->async_spare.bytes = 0;
	} else {
		free(q->req);
	}
	memset(q, 0, sizeof(*q));
}

int
medsec_audit_commit(struct medsec_audit *a)
{
	struct audit_async_queue q;
	uint64_t load_gen, durable_seq, last;
	int failed, r, status, result = MEDSEC_OK;

	if (a == NULL)
		return MEDSEC_ERR_INVALID;
	pthread_mutex_lock(&a->lock);
	if (a->async.n == 0) {
		pthread_mutex_unlock(&a->lock);
		return MEDSEC_OK;
	}
	/* Callbacks may submit again: they fill a fresh queue. */
	q = a->async;
	a->async = a->async_spare;
	memset(&a->async_spare, 0, sizeof(a->async_spare));
	load_gen = a->load_gen;
	last = last_seq_of(&q, load_gen);
	if (last != 0 && (r = audit_wait_durable_locked(a, last)) != MEDSEC_OK)
		result = r;
	durable_seq = a->durable_seq;
	failed = a->failed;
	pthread_mutex_unlock(&a->lock);

	for (size_t i = 0; i < q.n; i++) {
		status = req_status(&q.req[i], load_gen, durable_seq, failed);
		if (status != MEDSEC_OK)
			result = status;
		q.req[i].done(q.req[i].arg, status, q.req[i].seq);
	}

	pthread_mutex_lock(&a->lock);
	recycle_locked(a, &q);
	pthread_mutex_unlock(&a->lock);
	return result;
}

size_t
medsec_audit_pending(struct medsec_audit *a)
{
	size_t n;

	if (a == NULL)
		return 0;
	pthread_mutex_lock(&a->lock);
	n = a->async.n;
	pthread_mutex_unlock(&a->lock);
	return n;
}

int
audit_async_drain(struct medsec_audit *a)
{
	int r = MEDSEC_OK, c;

	/* Callbacks may submit again while the handle is closing: those
	 * records are committed and reported as well. */
	while (medsec_audit_pending(a) > 0)
		if ((c = medsec_audit_commit(a)) != MEDSEC_OK)
			r = c;
	return r;
}

void
audit_async_free(struct medsec_audit *a)
{
	free(a->async.req);
	free(a->async_spare.req);
	memset(&a->async, 0, sizeof(a->async));
	memset(&a->async_spare, 0, sizeof(a->async_spare));
}
