/*
 * Cross-checking the audit trail against the device's database, so that
 * putting back an older copy of either is detected on the device
 * (docs/formats/audit-log.md, "Rollback").
 *
 * The database keeps a state generation, raised by triggers in the same
 * transaction as every change to a security table (schema 4), and the
 * trail's head (sequence number and chain hash) saved after each
 * command's closing checkpoint. The trail records the generation in its
 * checkpoints. A trail shorter than the saved head, or different at it,
 * is an older trail; a database whose generation is below one the trail
 * recorded is an older database.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "audit_writer_int.h"
#include "io/io.h"

static int
seg_path(const char *dir, uint64_t segno, char *path, size_t len)
{
	char name[64];
	int r;

	if ((r = audit_seg_name(name, sizeof(name), segno)) != MEDSEC_OK)
		return r;
	return medsec_io_path(path, len, dir, name);
}

int
audit_stored_chain_at(const char *dir, uint64_t seq,
    uint8_t chain[AUDIT_CHAIN_LEN])
{
	struct audit_seg_header h;
	struct audit_scan s;
	uint64_t *segs = NULL, found;
	size_t n = 0, i;
	char path[4096];
	int r;

	if (seq == 0)
		return MEDSEC_ERR_INVALID;
	if ((r = audit_seg_list(dir, &segs, &n)) != MEDSEC_OK)
		return r;
	/* The newest segment whose first record is at or before seq. */
	for (i = n; i > 0; i--) {
		if ((r = seg_path(dir, segs[i - 1], path, sizeof(path))) !=
		    MEDSEC_OK)
			goto out;
		r = audit_scan_open(&s, path, &h, NULL);
		audit_scan_close(&s);
		if (r != MEDSEC_OK) {
			r = r < 0 ? r : MEDSEC_ERR_FORMAT;
			goto out;
		}
		if (h.first_seq <= seq)
			break;
	}
	r = i == 0 ? MEDSEC_ERR_NOT_FOUND
		   : audit_scan_find(path, seq, &found, chain);
out:
	free(segs);
	return r;
}

/*
 * The newest state generation the trail's checkpoints recorded, looking
 * back from the last segment (the newest checkpoint is almost always in
 * it). *havep is 0 if none was ever recorded.
 */
static int
newest_recorded_state(const char *dir, int *havep, uint64_t *statep)
{
	struct audit_seg_header h;
	struct audit_checkpoint cp;
	struct audit_scan s;
	struct audit_rec rec;
	uint64_t *segs = NULL, off;
	size_t n = 0;
	char path[4096];
	int r;

	*havep = 0;
	if ((r = audit_seg_list(dir, &segs, &n)) != MEDSEC_OK)
		return r;
	for (size_t i = n; i > 0 && !*havep; i--) {
		if ((r = seg_path(dir, segs[i - 1], path, sizeof(path))) !=
		    MEDSEC_OK)
			break;
		r = audit_scan_open(&s, path, &h, NULL);
		while (r == MEDSEC_OK &&
		    (r = audit_scan_next(&s, &rec, &off)) == 1) {
			r = MEDSEC_OK;
			if (rec.event != MEDSEC_EV_AUDIT_CHECKPOINT ||
			    audit_checkpoint_parse(rec.field[F_DETAILS],
				rec.field_len[F_DETAILS], &cp) != MEDSEC_OK ||
			    !cp.have_state)
				continue;
			if (!*havep || cp.state > *statep)
				*statep = cp.state;
			*havep = 1;
		}
		audit_scan_close(&s);
		if (r < 0 && r != MEDSEC_ERR_FORMAT)
			break;
		r = MEDSEC_OK;
	}
	free(segs);
	return r;
}

int
medsec_audit_db_state(struct medsec_db *db, struct medsec_audit_expect *e)
{
	struct medsec_db_stmt *st = NULL;
	const void *chain;
	size_t len = 0;
	int r;

	if (db == NULL || e == NULL)
		return MEDSEC_ERR_INVALID;
	memset(e, 0, sizeof(*e));
	e->source = "the database";
	if ((r = medsec_db_prepare(db, "SELECT generation FROM "
		 "state_generation WHERE id = 1", &st)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		e->have_generation = 1;
		e->generation = (uint64_t)medsec_db_column_int64(st, 0);
	} else if (r != MEDSEC_DB_DONE) {
		goto out;
	}
	medsec_db_finalize(st);
	st = NULL;
	if ((r = medsec_db_prepare(db, "SELECT seq, chain FROM audit_head "
		 "WHERE id = 1", &st)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		chain = medsec_db_column_blob(st, 1, &len);
		if (len != MEDSEC_AUDIT_CHAIN_LEN || chain == NULL ||
		    medsec_db_column_int64(st, 0) < 0) {
			r = MEDSEC_ERR_CORRUPT;
			goto out;
		}
		e->head_seq = (uint64_t)medsec_db_column_int64(st, 0);
		memcpy(e->head_chain, chain, len);
	} else if (r != MEDSEC_DB_DONE) {
		goto out;
	}
	r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

int
medsec_audit_save_head(struct medsec_db *db, struct medsec_audit *a)
{
	struct medsec_db_stmt *st = NULL;
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];
	uint64_t seq;
	int r;

	if (db == NULL || a == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_audit_head(a, &seq, chain)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_prepare(db, "INSERT INTO audit_head (id, seq, "
		 "chain, saved_us) VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO "
		 "UPDATE SET seq = excluded.seq, chain = excluded.chain, "
		 "saved_us = excluded.saved_us", &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 1, (int64_t)seq)) != MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 2, chain, sizeof(chain))) !=
		MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 3, medsec_clock_wall_us())) !=
		MEDSEC_OK)
		goto out;
	r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK : MEDSEC_ERR_DB;
out:
	medsec_db_finalize(st);
	return r;
}

static int say(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
say(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return MEDSEC_ERR_TAMPERED;
}

int
medsec_audit_check_state(struct medsec_audit *a,
    const struct medsec_audit_expect *e, char *msg, size_t msglen)
{
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];
	const char *src;
	uint64_t head, recorded = 0;
	int have = 0, r;

	if (a == NULL || e == NULL)
		return MEDSEC_ERR_INVALID;
	src = e->source != NULL ? e->source : "the device";
	if ((r = medsec_audit_head(a, &head, chain)) != MEDSEC_OK)
		return r;
	if (e->head_seq > head)
		return say(msg, msglen, "the trail ends at record %llu but %s "
		    "saved record %llu as its head: an older trail was put "
		    "back or its end was cut", (unsigned long long)head, src,
		    (unsigned long long)e->head_seq);
	if (e->head_seq > 0) {
		if (e->head_seq < head)
			r = audit_stored_chain_at(a->dir, e->head_seq, chain);
		if (r == MEDSEC_ERR_NOT_FOUND || r == MEDSEC_ERR_FORMAT)
			return say(msg, msglen, "record %llu, saved by %s as "
			    "the trail's head, cannot be found",
			    (unsigned long long)e->head_seq, src);
		if (r != MEDSEC_OK)
			return r;
		if (medsec_ct_equal(chain, e->head_chain,
			MEDSEC_AUDIT_CHAIN_LEN) != 0)
			return say(msg, msglen, "record %llu differs from the "
			    "one %s saved as the trail's head: the trail was "
			    "replaced by another copy",
			    (unsigned long long)e->head_seq, src);
	}
	pthread_mutex_lock(&a->lock);
	have = a->have_state_gen;
	recorded = a->state_gen;
	pthread_mutex_unlock(&a->lock);
	if (!have && (r = newest_recorded_state(a->dir, &have, &recorded)) !=
	    MEDSEC_OK)
		return r;
	if (e->have_generation && have && recorded > e->generation)
		return say(msg, msglen, "the trail recorded database state "
		    "generation %llu but %s is at generation %llu: an older "
		    "copy of the database was put back",
		    (unsigned long long)recorded, src,
		    (unsigned long long)e->generation);
	if (e->have_generation)
		medsec_audit_note_state(a, e->generation);
	return MEDSEC_OK;
}
