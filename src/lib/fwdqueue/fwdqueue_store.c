/*
 * The queue's rows (MFDS 1.20). A put is one IMMEDIATE transaction:
 * read the next sequence number, drop the oldest batches the limits
 * require, insert the sealed batch, advance the counters. An
 * acknowledgement deletes the row with secure_delete on (its page
 * content zeroed) and then checkpoints and truncates the write-ahead
 * log, so the only copies the database ever held, in the file and in
 * the log, are gone when it returns. Losses are audited after they
 * commit, and counted for good in fwd_queue_state.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/logf.h"
#include "fwdqueue/fwdqueue_int.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/db.h"
#include "medsec/err.h"

#define US_PER_S INT64_C(1000000)

#define ROW_COLUMNS \
	"seq, created, readings, alg, nonce, wrapped_key, ciphertext"

/* Runs one statement with up to three integer parameters, to its end. */
static int
exec_i64(struct medsec_db *db, const char *sql, int n, int64_t a, int64_t b,
    int64_t c)
{
	struct medsec_db_stmt *st = NULL;
	const int64_t v[3] = { a, b, c };
	int i, r;

	if ((r = medsec_db_prepare(db, sql, &st)) != MEDSEC_OK)
		return r;
	for (i = 0; i < n; i++)
		if ((r = medsec_db_bind_int64(st, i + 1, v[i])) != MEDSEC_OK)
			goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_DONE)
		r = r == MEDSEC_DB_ROW ? MEDSEC_ERR_INTERNAL : r;
	else
		r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

/* Reads up to four integers of the one row a query gives. */
static int
query_i64(struct medsec_db *db, const char *sql, int64_t param,
    int64_t *out, int n)
{
	struct medsec_db_stmt *st = NULL;
	int i, r;

	if ((r = medsec_db_prepare(db, sql, &st)) != MEDSEC_OK)
		return r;
	if (strchr(sql, '?') != NULL &&
	    (r = medsec_db_bind_int64(st, 1, param)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		r = r == MEDSEC_DB_DONE ? MEDSEC_ERR_CORRUPT : r;
		goto out;
	}
	for (i = 0; i < n; i++)
		out[i] = medsec_db_column_int64(st, i);
	r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

static void
loss_add(struct medsec_fwdqueue_loss *loss, uint64_t seq, int64_t readings)
{
	if (loss->batches == 0)
		loss->first_seq = seq;
	loss->last_seq = seq;
	loss->batches++;
	loss->readings += readings > 0 ? (uint64_t)readings : 0;
}

/*
 * Drops the oldest batches until one more of `add` bytes fits both
 * limits. Inside the put's transaction: undone with it.
 */
static int
make_room(struct medsec_fwdqueue *q, uint64_t add,
    struct medsec_fwdqueue_loss *loss)
{
	int64_t v[3];
	uint64_t count, bytes;
	int r;

	if ((r = query_i64(q->db, "SELECT count(*), "
	    "coalesce(sum(length(ciphertext)), 0) FROM fwd_batch", 0, v, 2)) !=
	    MEDSEC_OK)
		return r;
	count = (uint64_t)v[0];
	bytes = (uint64_t)v[1];
	while (count > 0 && (count + 1 > q->lim.max_batches ||
	    bytes + add > q->lim.max_bytes)) {
		if ((r = query_i64(q->db, "SELECT seq, readings, "
		    "length(ciphertext) FROM fwd_batch ORDER BY seq LIMIT 1", 0,
		    v, 3)) != MEDSEC_OK ||
		    (r = exec_i64(q->db, "DELETE FROM fwd_batch WHERE seq = ?1",
		    1, v[0], 0, 0)) != MEDSEC_OK)
			return r;
		loss_add(loss, (uint64_t)v[0], v[1]);
		count--;
		bytes -= (uint64_t)v[2] < bytes ? (uint64_t)v[2] : bytes;
	}
	return MEDSEC_OK;
}

static int
insert_row(struct medsec_fwdqueue *q, const struct fwdq_row *row)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(q->db, "INSERT INTO fwd_batch (" ROW_COLUMNS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, (int64_t)row->seq)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 2, row->created)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 3, row->readings)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 4, row->alg)) != MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 5, row->nonce, row->noncelen)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 6, row->wrapped, row->wrappedlen)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 7, row->ct, row->ctlen)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_DONE)
		r = r == MEDSEC_DB_ROW ? MEDSEC_ERR_INTERNAL : r;
	else
		r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

/* The counters that outlive every row, in the same transaction. */
static int
advance_state(struct medsec_fwdqueue *q, uint64_t next_seq,
    const struct medsec_fwdqueue_loss *loss)
{
	return exec_i64(q->db, "UPDATE fwd_queue_state SET next_seq = ?1, "
	    "lost_batches = lost_batches + ?2, "
	    "lost_readings = lost_readings + ?3 WHERE id = 1", 3,
	    (int64_t)next_seq, (int64_t)loss->batches,
	    (int64_t)loss->readings);
}

static void
rollback(struct medsec_fwdqueue *q)
{
	if (medsec_db_rollback(q->db) != MEDSEC_OK) {
		/* SQLite already rolled back after the failed statement or
		 * commit: nothing of the transaction is left either way. */
	}
}

static int
check_put(struct medsec_fwdqueue *q, const uint8_t *batch, size_t len,
    uint32_t readings)
{
	if (batch == NULL || len == 0) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "put: an empty batch");
		return MEDSEC_ERR_INVALID;
	}
	if (readings == 0) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "put: a batch of %zu "
		    "bytes claims 0 readings", len);
		return MEDSEC_ERR_INVALID;
	}
	if (len > MEDSEC_FWDQUEUE_BATCH_MAX ||
	    len + MEDSEC_AEAD_TAG_LEN > q->lim.max_bytes) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "put: a batch of %zu "
		    "bytes exceeds the queue's bound (%u bytes a batch, "
		    "max_bytes %" PRIu64 " stored)", len,
		    MEDSEC_FWDQUEUE_BATCH_MAX, q->lim.max_bytes);
		return MEDSEC_ERR_TOO_LARGE;
	}
	if (q->audit == NULL)
		return MEDSEC_ERR_STATE;
	return MEDSEC_OK;
}

/* Inside the transaction: everything a put writes. */
static int
put_tx(struct medsec_fwdqueue *q, struct fwdq_row *row, const uint8_t *batch,
    size_t len, uint8_t *ct, struct medsec_fwdqueue_loss *loss)
{
	uint8_t nonce[MEDSEC_AEAD_NONCE_LEN], wrapped[FWDQ_WRAPPED_LEN];
	int64_t next;
	int r;

	if ((r = query_i64(q->db, "SELECT next_seq FROM fwd_queue_state "
	    "WHERE id = 1", 0, &next, 1)) != MEDSEC_OK)
		return r;
	if (next < 1 || next == INT64_MAX)
		return MEDSEC_ERR_CORRUPT;
	row->seq = (uint64_t)next;
	if ((r = fwdq_seal(q, row, batch, len, nonce, wrapped, ct)) !=
	    MEDSEC_OK)
		return r;
	row->nonce = nonce;
	row->noncelen = sizeof(nonce);
	row->wrapped = wrapped;
	row->wrappedlen = sizeof(wrapped);
	row->ct = ct;
	row->ctlen = len + MEDSEC_AEAD_TAG_LEN;
	if ((r = make_room(q, row->ctlen, loss)) != MEDSEC_OK ||
	    (r = insert_row(q, row)) != MEDSEC_OK ||
	    (r = advance_state(q, row->seq + 1, loss)) != MEDSEC_OK)
		return r;
	return MEDSEC_OK;
}

int
medsec_fwdqueue_put(struct medsec_fwdqueue *q, const uint8_t *batch,
    size_t len, uint32_t readings, uint64_t *seqp,
    struct medsec_fwdqueue_loss *lossp)
{
	struct medsec_fwdqueue_loss loss;
	struct fwdq_row row;
	uint8_t *ct = NULL;
	int r, in_tx = 0, kek = 0;

	memset(&loss, 0, sizeof(loss));
	if (lossp != NULL)
		memset(lossp, 0, sizeof(*lossp));
	if (seqp != NULL)
		*seqp = 0;
	if (q == NULL || seqp == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = check_put(q, batch, len, readings)) != MEDSEC_OK)
		return r;
	if (q->log_pending && fwdq_clear_log(q) != MEDSEC_OK) {
		/* Still owed, and logged: this put does not depend on it. */
	}
	/* Refused before anything changes if a loss could not be recorded. */
	if ((r = medsec_audit_ready(q->audit)) != MEDSEC_OK)
		return r;
	if ((ct = malloc(len + MEDSEC_AEAD_TAG_LEN)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = fwdq_kek_use(q)) != MEDSEC_OK)
		goto out;
	kek = 1;
	memset(&row, 0, sizeof(row));
	row.created = medsec_clock_wall_us() / US_PER_S;
	row.readings = readings;
	row.alg = q->alg;
	if ((r = medsec_db_begin(q->db)) != MEDSEC_OK)
		goto out;
	in_tx = 1;
	if ((r = put_tx(q, &row, batch, len, ct, &loss)) != MEDSEC_OK ||
	    (r = medsec_db_commit(q->db)) != MEDSEC_OK)
		goto out;
	in_tx = 0;
	if (loss.batches > 0) {
		if (fwdq_clear_log(q) != MEDSEC_OK) {
			/* Logged, and retried by the next call. */
		}
		fwdq_audit_loss(q, MEDSEC_EV_FWD_QUEUE_DROPPED, &loss,
		    "forwarding queue full: oldest batches dropped");
	}
	*seqp = row.seq;
	if (lossp != NULL)
		*lossp = loss;
	r = MEDSEC_OK;
out:
	if (in_tx)
		rollback(q);
	if (kek)
		fwdq_kek_done(q);
	if (ct != NULL)
		medsec_wipe(ct, len + MEDSEC_AEAD_TAG_LEN);
	free(ct);
	return r;
}

static void
read_row(struct medsec_db_stmt *st, struct fwdq_row *row)
{
	row->seq = (uint64_t)medsec_db_column_int64(st, 0);
	row->created = medsec_db_column_int64(st, 1);
	row->readings = medsec_db_column_int64(st, 2);
	row->alg = medsec_db_column_int64(st, 3);
	row->nonce = medsec_db_column_blob(st, 4, &row->noncelen);
	row->wrapped = medsec_db_column_blob(st, 5, &row->wrappedlen);
	row->ct = medsec_db_column_blob(st, 6, &row->ctlen);
}

static void
audit_tampered(struct medsec_fwdqueue *q, uint64_t seq)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *details;

	/*
	 * Once per batch: an uplink that retries (or skips it and comes
	 * back) must not fill the trail with the same finding. Batches are
	 * read oldest first, so the newest reported stands for all before.
	 */
	if (seq <= q->tamper_reported)
		return;
	medsec_log(MEDSEC_LOG_ALERT, "fwdqueue", "queued batch %" PRIu64
	    " does not authenticate: altered on disk; left in place", seq);
	if (q->audit == NULL)
		return;
	q->tamper_reported = seq;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "seq", seq);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL; /* not reachable: one number */
	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_INTEGRITY_FAILURE;
	ev.actor = "medsec-fwdqueue";
	ev.source = "local";
	ev.object = "fwdqueue";
	ev.outcome = MEDSEC_AUDIT_FAILURE;
	ev.reason = "queued batch or its wrapped data key was altered";
	ev.details = details;
	if (medsec_audit_append_critical(q->audit, &ev, NULL) != MEDSEC_OK) {
		/* Held in memory and the trail flagged degraded. */
	}
}

/* Opens the row st stands on into a new buffer. */
static int
open_current(struct medsec_fwdqueue *q, struct medsec_db_stmt *st,
    uint64_t *seqp, uint8_t **batchp, size_t *lenp, uint32_t *readingsp)
{
	struct fwdq_row row;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	int r;

	memset(&row, 0, sizeof(row));
	read_row(st, &row);
	if ((r = fwdq_row_check(&row)) != MEDSEC_OK)
		goto out;
	ptlen = row.ctlen - MEDSEC_AEAD_TAG_LEN;
	if ((pt = malloc(ptlen)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((r = fwdq_kek_use(q)) != MEDSEC_OK) {
		r = r == MEDSEC_ERR_NOT_FOUND ? MEDSEC_ERR_STATE : r;
		goto out;
	}
	r = fwdq_open_row(q->kek_alg, q->kek, q->device_id, &row, pt);
	fwdq_kek_done(q);
	if (r != MEDSEC_OK)
		goto out;
	*seqp = row.seq;
	*batchp = pt;
	*lenp = ptlen;
	if (readingsp != NULL)
		*readingsp = (uint32_t)row.readings;
	pt = NULL;
out:
	if (r == MEDSEC_ERR_AUTH) {
		/* Named, so that the caller can pass over it (after = seq). */
		*seqp = row.seq;
		audit_tampered(q, row.seq);
	}
	medsec_fwdqueue_batch_free(pt, ptlen);
	return r;
}

int
medsec_fwdqueue_next(struct medsec_fwdqueue *q, uint64_t after,
    uint64_t *seqp, uint8_t **batchp, size_t *lenp, uint32_t *readingsp)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if (seqp != NULL)
		*seqp = 0;
	if (batchp != NULL)
		*batchp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if (readingsp != NULL)
		*readingsp = 0;
	if (q == NULL || seqp == NULL || batchp == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	if (after >= INT64_MAX)
		return MEDSEC_ERR_NOT_FOUND;
	if ((r = medsec_db_prepare(q->db, "SELECT " ROW_COLUMNS " FROM "
	    "fwd_batch WHERE seq > ?1 ORDER BY seq LIMIT 1", &st)) !=
	    MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, (int64_t)after)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		r = r == MEDSEC_DB_DONE ? MEDSEC_ERR_NOT_FOUND : r;
		goto out;
	}
	r = open_current(q, st, seqp, batchp, lenp, readingsp);
out:
	medsec_db_finalize(st);
	return r;
}

void
medsec_fwdqueue_batch_free(uint8_t *batch, size_t len)
{
	if (batch == NULL)
		return;
	medsec_wipe(batch, len);
	free(batch);
}

int
medsec_fwdqueue_ack(struct medsec_fwdqueue *q, uint64_t seq)
{
	int r;

	if (q == NULL)
		return MEDSEC_ERR_INVALID;
	if (q->audit == NULL)
		return MEDSEC_ERR_STATE;
	if (seq < 1 || seq >= INT64_MAX)
		return MEDSEC_ERR_NOT_FOUND;
	if ((r = medsec_db_begin(q->db)) != MEDSEC_OK)
		return r;
	if ((r = exec_i64(q->db, "DELETE FROM fwd_batch WHERE seq = ?1", 1,
	    (int64_t)seq, 0, 0)) != MEDSEC_OK)
		goto fail;
	if (medsec_db_changes(q->db) != 1) {
		r = MEDSEC_ERR_NOT_FOUND;
		goto fail;
	}
	if ((r = medsec_db_commit(q->db)) != MEDSEC_OK)
		goto fail;
	/* Committed (synced): now the log's copies of the pages go too. */
	return fwdq_clear_log(q);
fail:
	rollback(q);
	return r;
}

/* Inside the transaction: drops what is too old, counts it. */
static int
expire_tx(struct medsec_fwdqueue *q, int64_t cutoff,
    struct medsec_fwdqueue_loss *loss)
{
	int64_t v[4];
	int r;

	if ((r = query_i64(q->db, "SELECT count(*), "
	    "coalesce(sum(readings), 0), coalesce(min(seq), 0), "
	    "coalesce(max(seq), 0) FROM fwd_batch WHERE created <= ?1",
	    cutoff, v, 4)) != MEDSEC_OK)
		return r;
	if (v[0] == 0)
		return MEDSEC_OK;
	loss->batches = (uint32_t)v[0];
	loss->readings = v[1] > 0 ? (uint64_t)v[1] : 0;
	loss->first_seq = (uint64_t)v[2];
	loss->last_seq = (uint64_t)v[3];
	if ((r = exec_i64(q->db, "DELETE FROM fwd_batch WHERE created <= ?1",
	    1, cutoff, 0, 0)) != MEDSEC_OK)
		return r;
	return exec_i64(q->db, "UPDATE fwd_queue_state SET "
	    "lost_batches = lost_batches + ?1, "
	    "lost_readings = lost_readings + ?2 WHERE id = 1", 2,
	    (int64_t)loss->batches, (int64_t)loss->readings, 0);
}

int
medsec_fwdqueue_expire(struct medsec_fwdqueue *q, int64_t now,
    struct medsec_fwdqueue_loss *lossp)
{
	struct medsec_fwdqueue_loss loss;
	int64_t cutoff;
	int r;

	memset(&loss, 0, sizeof(loss));
	if (lossp != NULL)
		memset(lossp, 0, sizeof(*lossp));
	if (q == NULL)
		return MEDSEC_ERR_INVALID;
	if (q->audit == NULL)
		return MEDSEC_ERR_STATE;
	if (q->log_pending && fwdq_clear_log(q) != MEDSEC_OK) {
		/* Still owed, and logged: expiry does not depend on it. */
	}
	if (now < INT64_MIN + q->lim.max_age_seconds)
		return MEDSEC_OK; /* nothing can be that old */
	cutoff = now - q->lim.max_age_seconds;
	if ((r = medsec_audit_ready(q->audit)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_begin(q->db)) != MEDSEC_OK)
		return r;
	if ((r = expire_tx(q, cutoff, &loss)) != MEDSEC_OK ||
	    (r = medsec_db_commit(q->db)) != MEDSEC_OK) {
		rollback(q);
		return r;
	}
	if (loss.batches == 0)
		return MEDSEC_OK;
	if (fwdq_clear_log(q) != MEDSEC_OK) {
		/* Logged, and retried by the next call. */
	}
	fwdq_audit_loss(q, MEDSEC_EV_FWD_QUEUE_EXPIRED, &loss,
	    "forwarding queue: batches older than the maximum age dropped");
	if (lossp != NULL)
		*lossp = loss;
	return MEDSEC_OK;
}
