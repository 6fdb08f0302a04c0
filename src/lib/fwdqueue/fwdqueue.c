/*
 * The store-and-forward queue's handle: its limits, its wrapping key and
 * its figures. The key is read from the keystore once, kept in guarded
 * memory that is made inaccessible between operations, and wiped at
 * close. It is generated on first use, in the device profile's AEAD, and
 * that is audited like every key the device makes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/logf.h"
#include "fwdqueue/fwdqueue_int.h"
#include "medsec/audit.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "medsec/keystore.h"

static int
check_limits(const struct medsec_fwdqueue_limits *lim)
{
	if (lim->max_batches < 1) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "max_batches %" PRIu32
		    ": the queue must hold at least one batch",
		    lim->max_batches);
		return MEDSEC_ERR_INVALID;
	}
	if (lim->max_bytes < MEDSEC_AEAD_TAG_LEN + 1) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "max_bytes %" PRIu64
		    ": smaller than the smallest batch (%d bytes)",
		    lim->max_bytes, MEDSEC_AEAD_TAG_LEN + 1);
		return MEDSEC_ERR_INVALID;
	}
	if (lim->max_age_seconds < 1) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "max_age_seconds %"
		    PRId64 ": must be at least 1", lim->max_age_seconds);
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

static int
record_key_generated(struct medsec_fwdqueue *q)
{
	const struct medsec_alg_info *ai = medsec_crypto_alg_by_id(q->kek_alg);
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *details;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "alg", ai != NULL ? ai->name : "unknown");
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_KEY_GENERATED;
	ev.actor = "medsec-fwdqueue";
	ev.source = "local";
	ev.object = FWDQ_KEK_NAME;
	ev.outcome = MEDSEC_AUDIT_SUCCESS;
	ev.reason = "store-and-forward wrapping key made on first use";
	ev.details = details;
	return medsec_audit_append(q->audit, &ev, NULL);
}

/*
 * Reads the wrapping key, making it first if this device has none yet
 * (and the handle may write). A read-only handle without one keeps
 * kek NULL: it can still count the queue, not open it.
 */
static int
load_kek(struct medsec_fwdqueue *q)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	struct medsec_key_info info;
	size_t len = 0;
	int r, made = 0;

	r = medsec_keystore_get(q->ks, FWDQ_KEK_NAME, secret, &len, &info);
	if (r == MEDSEC_ERR_NOT_FOUND && q->audit != NULL) {
		if ((r = medsec_audit_ready(q->audit)) != MEDSEC_OK ||
		    (r = medsec_keystore_generate(q->ks, FWDQ_KEK_NAME, q->alg,
		    NULL)) != MEDSEC_OK)
			goto out;
		made = 1;
		r = medsec_keystore_get(q->ks, FWDQ_KEK_NAME, secret, &len,
		    &info);
	}
	if (r == MEDSEC_ERR_NOT_FOUND && q->audit == NULL) {
		r = MEDSEC_OK;
		goto out;
	}
	if (r != MEDSEC_OK)
		goto out;
	if (len != MEDSEC_AEAD_KEY_LEN ||
	    medsec_crypto_alg_by_id(info.alg) == NULL ||
	    medsec_crypto_alg_by_id(info.alg)->kind != MEDSEC_KIND_AEAD) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "keystore key '%s' is "
		    "not an AEAD key (algorithm %d, %zu bytes)", FWDQ_KEK_NAME,
		    info.alg, len);
		r = MEDSEC_ERR_KEY_MISMATCH;
		goto out;
	}
	if ((q->kek = medsec_secure_alloc(MEDSEC_AEAD_KEY_LEN)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	memcpy(q->kek, secret, MEDSEC_AEAD_KEY_LEN);
	q->kek_alg = info.alg;
	if ((r = medsec_secure_noaccess(q->kek)) != MEDSEC_OK)
		goto out;
	if (made)
		r = record_key_generated(q);
out:
	medsec_wipe(secret, sizeof(secret));
	return r;
}

int
medsec_fwdqueue_open(struct medsec_device *dev,
    const struct medsec_fwdqueue_limits *limits,
    struct medsec_fwdqueue **qp)
{
	struct medsec_fwdqueue *q = NULL;
	const struct medsec_crypto_profile *prof;
	int r = MEDSEC_ERR_INTERNAL;

	if (qp == NULL)
		return MEDSEC_ERR_INVALID;
	*qp = NULL;
	if (dev == NULL || limits == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = check_limits(limits)) != MEDSEC_OK)
		return r;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return MEDSEC_ERR_NOMEM;
	q->db = medsec_device_db(dev);
	q->ks = medsec_device_keystore(dev);
	q->audit = medsec_device_audit(dev);
	q->lim = *limits;
	snprintf(q->device_id, sizeof(q->device_id), "%s",
	    medsec_device_id(dev));
	if (q->db == NULL || q->ks == NULL ||
	    (prof = medsec_keystore_profile(q->ks)) == NULL) {
		r = MEDSEC_ERR_STATE;
		goto out;
	}
	q->alg = prof->aead;
	/* Deleted rows are zeroed in their pages, freed pages too. */
	if (q->audit != NULL &&
	    (r = medsec_db_secure_delete(q->db)) != MEDSEC_OK)
		goto out;
	if ((r = load_kek(q)) != MEDSEC_OK)
		goto out;
	*qp = q;
	q = NULL;
	r = MEDSEC_OK;
out:
	medsec_fwdqueue_close(q);
	return r;
}

void
medsec_fwdqueue_close(struct medsec_fwdqueue *q)
{
	if (q == NULL)
		return;
	/* A log still holding deleted batches gets one more try. */
	if (q->log_pending && fwdq_clear_log(q) != MEDSEC_OK) {
		/* Logged there; the next open's first ack retries it. */
	}
	medsec_secure_free(q->kek);
	medsec_wipe(q, sizeof(*q));
	free(q);
}

int
fwdq_kek_use(struct medsec_fwdqueue *q)
{
	if (q->kek == NULL)
		return MEDSEC_ERR_NOT_FOUND;
	return medsec_secure_readonly(q->kek);
}

void
fwdq_kek_done(struct medsec_fwdqueue *q)
{
	if (q->kek != NULL && medsec_secure_noaccess(q->kek) != MEDSEC_OK) {
		/* The key stays readable until close wipes it; mprotect
		 * failing here changes nothing else. */
	}
}

void
fwdq_audit_loss(struct medsec_fwdqueue *q, int event,
    const struct medsec_fwdqueue_loss *loss, const char *reason)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *details;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "batches", loss->batches);
	medsec_audit_detail_u64(&d, "readings", loss->readings);
	medsec_audit_detail_u64(&d, "first_seq", loss->first_seq);
	medsec_audit_detail_u64(&d, "last_seq", loss->last_seq);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK) {
		/* Not reachable: four numbers. Were it reached, the record
		 * still goes in, without details. */
		details = NULL;
	}
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.actor = "medsec-fwdqueue";
	ev.source = "local";
	ev.object = q->device_id;
	ev.outcome = MEDSEC_AUDIT_FAILURE;
	ev.reason = reason;
	ev.details = details;
	/*
	 * The loss is committed and counted in fwd_queue_state, which
	 * medsec status shows. The trail was ready before the change
	 * (medsec_audit_ready); should the append fail now all the same,
	 * the record is held in memory and the trail flagged degraded for
	 * the operator, rather than the readings still waiting being refused
	 * for want of a record of the ones lost.
	 */
	if (medsec_audit_append_critical(q->audit, &ev, NULL) != MEDSEC_OK) {
		medsec_log(MEDSEC_LOG_ERR, "fwdqueue", "%s: batches %" PRIu64
		    "..%" PRIu64 " dropped; audit record held in memory",
		    reason, loss->first_seq, loss->last_seq);
	}
}

int
fwdq_clear_log(struct medsec_fwdqueue *q)
{
	int r;

	if ((r = medsec_db_checkpoint_truncate(q->db)) == MEDSEC_OK) {
		q->log_pending = 0;
		return MEDSEC_OK;
	}
	q->log_pending = 1;
	medsec_log(MEDSEC_LOG_WARNING, "fwdqueue", "deleted batches are "
	    "still in the database's write-ahead log (%s): clearing it again "
	    "at the next queue operation", medsec_strerror(r));
	return r;
}

static int
stats_query(struct medsec_fwdqueue *q, struct medsec_fwdqueue_stats *st)
{
	struct medsec_db_stmt *s = NULL;
	int r;

	if ((r = medsec_db_prepare(q->db, "SELECT count(fwd_batch.seq), "
	    "coalesce(sum(length(ciphertext)), 0), "
	    "coalesce(sum(readings), 0), coalesce(min(seq), 0), "
	    "coalesce((SELECT created FROM fwd_batch ORDER BY seq LIMIT 1), "
	    "0), s.next_seq, s.lost_batches, s.lost_readings "
	    "FROM fwd_queue_state AS s LEFT JOIN fwd_batch ON 1 "
	    "WHERE s.id = 1", &s)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_step(s)) != MEDSEC_DB_ROW) {
		r = r == MEDSEC_DB_DONE ? MEDSEC_ERR_CORRUPT : r;
		goto out;
	}
	st->batches = (uint32_t)medsec_db_column_int64(s, 0);
	st->bytes = (uint64_t)medsec_db_column_int64(s, 1);
	st->readings = (uint64_t)medsec_db_column_int64(s, 2);
	st->oldest_seq = (uint64_t)medsec_db_column_int64(s, 3);
	st->oldest_created = medsec_db_column_int64(s, 4);
	st->next_seq = (uint64_t)medsec_db_column_int64(s, 5);
	st->lost_batches = (uint64_t)medsec_db_column_int64(s, 6);
	st->lost_readings = (uint64_t)medsec_db_column_int64(s, 7);
	r = MEDSEC_OK;
out:
	medsec_db_finalize(s);
	return r;
}

int
medsec_fwdqueue_stats(struct medsec_fwdqueue *q,
    struct medsec_fwdqueue_stats *st)
{
	if (q == NULL || st == NULL)
		return MEDSEC_ERR_INVALID;
	memset(st, 0, sizeof(*st));
	return stats_query(q, st);
}
