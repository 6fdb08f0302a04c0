/*
 * Starting sessions (one per user, MFDS 1.2) and listing them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/session.h"
#include "session/session_int.h"

#define US_PER_S INT64_C(1000000)

struct live_row {
	uint8_t hash[SESSION_HASH_LEN];
	char id[MEDSEC_SESSION_ID_LEN];
	int64_t last_us;
	int64_t created_us;
	int therapy;
};

/* The user's live session in the database, if any (inside the txn). */
static int
find_live(struct medsec_sessions *s, const char *user, struct live_row *row)
{
	struct medsec_db_stmt *st = NULL;
	const void *blob;
	size_t len = 0;
	int r;

	if ((r = medsec_db_prepare(s->db, "SELECT token_sha256, id, last_us, "
	    "created_us, therapy FROM session WHERE name = ?1 AND "
	    "ended_us IS NULL", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, user)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		r = r == MEDSEC_DB_DONE ? MEDSEC_ERR_NOT_FOUND : r;
		goto out;
	}
	blob = medsec_db_column_blob(st, 0, &len);
	if (blob == NULL || len != SESSION_HASH_LEN) {
		r = MEDSEC_ERR_CORRUPT;
		goto out;
	}
	memcpy(row->hash, blob, SESSION_HASH_LEN);
	snprintf(row->id, sizeof(row->id), "%s",
	    medsec_db_column_text(st, 1));
	row->last_us = medsec_db_column_int64(st, 2);
	row->created_us = medsec_db_column_int64(st, 3);
	row->therapy = medsec_db_column_int64(st, 4) != 0;
	r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

static void
session_rollback(struct medsec_sessions *s)
{
	/*
	 * Nothing of the transaction is visible if this fails too: SQLite
	 * discards an uncommitted WAL transaction when the connection next
	 * reads or closes. The caller reports the error that got us here.
	 */
	(void)medsec_db_rollback(s->db);
}

static int
end_row(struct medsec_sessions *s, const struct live_row *row, int reason,
    int64_t now)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(s->db, "UPDATE session SET ended_us = ?1, "
	    "end_reason = ?2 WHERE token_sha256 = ?3 AND ended_us IS NULL",
	    &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, now)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 2, reason)) != MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 3, row->hash, SESSION_HASH_LEN)) !=
	    MEDSEC_OK)
		goto out;
	r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK : MEDSEC_ERR_DB;
out:
	medsec_db_finalize(st);
	return r;
}

/*
 * How a live session of another process looks from the database alone
 * (wall times): past its limits it is simply expired, not in the way.
 */
static int
row_expired(const struct medsec_sessions *s, const struct live_row *row,
    int64_t now)
{
	if (now < row->last_us)
		return MEDSEC_SESSION_END_CLOCK;
	if (now - row->created_us >= (int64_t)s->o.lifetime_seconds * US_PER_S)
		return MEDSEC_SESSION_END_LIFETIME;
	if (!row->therapy &&
	    now - row->last_us >= (int64_t)s->o.idle_seconds * US_PER_S)
		return MEDSEC_SESSION_END_IDLE;
	return MEDSEC_SESSION_LIVE;
}

static int
insert_row(struct medsec_sessions *s, const struct session_entry *e)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(s->db, "INSERT INTO session (token_sha256, "
	    "id, name, roles, source, created_us, last_us, reauth_us, "
	    "therapy, emergency, must_change) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?9, ?10, ?11, ?7, ?8)", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_blob(st, 1, e->hash, SESSION_HASH_LEN)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, e->info.id)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 3, e->info.user)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 4, e->info.roles)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 5, e->info.source)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 6, e->info.created_us)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 7, e->info.emergency)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 8, e->info.must_change)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 9, e->info.last_us)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 10, e->info.reauth_us)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 11, e->info.therapy)) != MEDSEC_OK)
		goto out;
	r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK : MEDSEC_ERR_DB;
out:
	medsec_db_finalize(st);
	return r;
}

static int
new_token(struct medsec_sessions *s, char token[MEDSEC_TOKEN_TEXT_LEN],
    struct session_entry *e)
{
	uint8_t raw[MEDSEC_TOKEN_BYTES];
	int r;

	if ((r = medsec_random(raw, sizeof(raw))) != MEDSEC_OK)
		return r;
	r = medsec_base64_encode(MEDSEC_BASE64_URLSAFE_NO_PADDING, raw,
	    sizeof(raw), token, MEDSEC_TOKEN_TEXT_LEN);
	medsec_wipe(raw, sizeof(raw));
	if (r != MEDSEC_OK)
		return r;
	if ((r = session_token_hash(s, token, e->hash)) != MEDSEC_OK)
		return r;
	/* The public id is a prefix of the hash: it reveals nothing. */
	medsec_hex(e->hash, (MEDSEC_SESSION_ID_LEN - 1) / 2, e->info.id);
	return MEDSEC_OK;
}

static int
valid_text(const char *s, size_t max)
{
	return s != NULL && *s != '\0' && strnlen(s, max) < max;
}

/*
 * The transaction: end or refuse the user's live session, insert the new
 * one. *endedp receives the session this login replaced, if any.
 */
static int
begin_txn(struct medsec_sessions *s, const struct session_entry *e,
    int policy, struct live_row *ended, int *endreasonp)
{
	int r, reason;

	*endreasonp = MEDSEC_SESSION_LIVE;
	if ((r = medsec_db_begin(s->db)) != MEDSEC_OK)
		return r;
	r = find_live(s, e->info.user, ended);
	if (r == MEDSEC_OK) {
		reason = row_expired(s, ended, e->info.created_us);
		if (reason == MEDSEC_SESSION_LIVE &&
		    policy == MEDSEC_SESSION_REFUSE) {
			r = MEDSEC_ERR_SESSION_ACTIVE;
			goto fail;
		}
		if (reason == MEDSEC_SESSION_LIVE)
			reason = MEDSEC_SESSION_END_REPLACED;
		if ((r = end_row(s, ended, reason, e->info.created_us)) !=
		    MEDSEC_OK)
			goto fail;
		*endreasonp = reason;
	} else if (r != MEDSEC_ERR_NOT_FOUND)
		goto fail;
	if ((r = insert_row(s, e)) != MEDSEC_OK)
		goto fail;
	if ((r = medsec_db_commit(s->db)) != MEDSEC_OK)
		goto fail;
	return MEDSEC_OK;
fail:
	session_rollback(s);
	*endreasonp = MEDSEC_SESSION_LIVE;
	return r;
}

int
medsec_session_begin(struct medsec_sessions *s, const char *user,
    const char *roles, int policy, const char *source, unsigned flags,
    char token[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info)
{
	struct session_entry e, *old;
	struct live_row ended;
	int r, reason;

	memset(&e, 0, sizeof(e));
	memset(&ended, 0, sizeof(ended));
	if (s == NULL || token == NULL ||
	    !valid_text(user, sizeof(e.info.user)) ||
	    roles == NULL || strlen(roles) >= sizeof(e.info.roles) ||
	    !valid_text(source, sizeof(e.info.source)) ||
	    (policy != MEDSEC_SESSION_REPLACE &&
	    policy != MEDSEC_SESSION_REFUSE))
		return MEDSEC_ERR_INVALID;
	snprintf(e.info.user, sizeof(e.info.user), "%s", user);
	snprintf(e.info.roles, sizeof(e.info.roles), "%s", roles);
	snprintf(e.info.source, sizeof(e.info.source), "%s", source);
	e.info.emergency = (flags & MEDSEC_SESSION_FLAG_EMERGENCY) != 0;
	e.info.must_change = (flags & MEDSEC_SESSION_FLAG_MUST_CHANGE) != 0;
	e.info.created_us = e.info.last_us = e.info.reauth_us =
	    medsec_clock_wall_us();
	e.persisted_last_us = e.info.last_us;
	e.created_mono = e.last_mono = e.reauth_mono = medsec_clock_mono_us();
	/*
	 * Refused before anything changes if it could not be recorded;
	 * break-glass only is not: it keeps a therapy supervised, and its
	 * records are held for a degraded trail.
	 */
	if (!e.info.emergency && (r = session_ready(s)) != MEDSEC_OK)
		goto out;
	if ((r = new_token(s, token, &e)) != MEDSEC_OK)
		goto out;
	if ((r = begin_txn(s, &e, policy, &ended, &reason)) != MEDSEC_OK)
		goto out;
	if (reason != MEDSEC_SESSION_LIVE) {
		struct medsec_session_info gone;

		memset(&gone, 0, sizeof(gone));
		if ((old = session_table_find(s, ended.hash)) != NULL) {
			gone = old->info;
			session_table_remove(s, old);
		} else {
			snprintf(gone.id, sizeof(gone.id), "%s", ended.id);
			snprintf(gone.user, sizeof(gone.user), "%s", user);
			snprintf(gone.source, sizeof(gone.source), "%s",
			    source);
		}
		session_audit(s, reason == MEDSEC_SESSION_END_REPLACED ?
		    MEDSEC_EV_SESSION_ENDED : MEDSEC_EV_SESSION_EXPIRED, user,
		    &gone, reason == MEDSEC_SESSION_END_REPLACED ?
		    "ended by a newer login (one session per user)" :
		    medsec_session_end_name(reason));
	}
	if ((r = session_table_put(s, &e)) != MEDSEC_OK)
		goto out;
	if (info != NULL)
		*info = e.info;
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(token, MEDSEC_TOKEN_TEXT_LEN);
	medsec_wipe(&e, sizeof(e));
	return r;
}

/* Ends the old row and inserts the new one: one transaction. */
static int
rotate_txn(struct medsec_sessions *s, const struct session_entry *old,
    const struct session_entry *e, int64_t now)
{
	struct live_row row;
	int r;

	memset(&row, 0, sizeof(row));
	memcpy(row.hash, old->hash, SESSION_HASH_LEN);
	if ((r = medsec_db_begin(s->db)) != MEDSEC_OK)
		return r;
	if ((r = end_row(s, &row, MEDSEC_SESSION_END_ROTATED, now)) !=
	    MEDSEC_OK || medsec_db_changes(s->db) != 1) {
		if (r == MEDSEC_OK)
			r = MEDSEC_ERR_DISABLED; /* ended meanwhile */
		session_rollback(s);
		return r;
	}
	if ((r = insert_row(s, e)) != MEDSEC_OK ||
	    (r = medsec_db_commit(s->db)) != MEDSEC_OK) {
		session_rollback(s);
		return r;
	}
	return MEDSEC_OK;
}

int
medsec_session_rotate(struct medsec_sessions *s, const char *token,
    char newtoken[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info)
{
	struct medsec_session_info ended;
	struct session_entry e, *old;
	int64_t now = medsec_clock_wall_us();
	int r;

	memset(&e, 0, sizeof(e));
	if (s == NULL || newtoken == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = session_ready(s)) != MEDSEC_OK)
		goto out;
	if ((r = session_live_entry(s, token, 1, &old, NULL)) != MEDSEC_OK)
		goto out;
	/* Same session, same lifetime; new token, id and proof time. */
	e = *old;
	if (now > e.info.last_us)
		e.info.last_us = now;
	e.info.reauth_us = e.info.last_us;
	e.persisted_last_us = e.info.last_us;
	e.last_mono = e.reauth_mono = medsec_clock_mono_us();
	if ((r = new_token(s, newtoken, &e)) != MEDSEC_OK)
		goto out;
	if ((r = rotate_txn(s, old, &e, now)) != MEDSEC_OK)
		goto out;
	ended = old->info;
	ended.ended_us = now;
	ended.end_reason = MEDSEC_SESSION_END_ROTATED;
	session_table_remove(s, old);
	session_audit(s, MEDSEC_EV_SESSION_ENDED, NULL, &ended,
	    "token replaced after re-authentication");
	if ((r = session_table_put(s, &e)) != MEDSEC_OK)
		goto out;
	if (info != NULL)
		*info = e.info;
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(newtoken, MEDSEC_TOKEN_TEXT_LEN);
	medsec_wipe(&e, sizeof(e));
	return r;
}

int
medsec_session_list(struct medsec_sessions *s, int all,
    int (*fn)(const struct medsec_session_info *, void *), void *ctx)
{
	struct medsec_db_stmt *st = NULL;
	struct medsec_session_info info;
	int r;

	if (s == NULL || fn == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_session_sync(s)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_prepare(s->db, all ?
	    "SELECT id, name, roles, source, created_us, last_us, reauth_us, "
	    "therapy, emergency, ended_us, end_reason, must_change FROM session "
	    "ORDER BY created_us" :
	    "SELECT id, name, roles, source, created_us, last_us, reauth_us, "
	    "therapy, emergency, ended_us, end_reason, must_change FROM session "
	    "WHERE ended_us IS NULL ORDER BY created_us", &st)) != MEDSEC_OK)
		return r;
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		memset(&info, 0, sizeof(info));
		snprintf(info.id, sizeof(info.id), "%s",
		    medsec_db_column_text(st, 0));
		snprintf(info.user, sizeof(info.user), "%s",
		    medsec_db_column_text(st, 1));
		snprintf(info.roles, sizeof(info.roles), "%s",
		    medsec_db_column_text(st, 2));
		snprintf(info.source, sizeof(info.source), "%s",
		    medsec_db_column_text(st, 3));
		info.created_us = medsec_db_column_int64(st, 4);
		info.last_us = medsec_db_column_int64(st, 5);
		info.reauth_us = medsec_db_column_int64(st, 6);
		info.therapy = medsec_db_column_int64(st, 7) != 0;
		info.emergency = medsec_db_column_int64(st, 8) != 0;
		info.ended_us = medsec_db_column_is_null(st, 9) ? 0 :
		    medsec_db_column_int64(st, 9);
		info.end_reason = (int)medsec_db_column_int64(st, 10);
		info.must_change = medsec_db_column_int64(st, 11) != 0;
		if ((r = fn(&info, ctx)) != 0)
			break;
	}
	medsec_db_finalize(st);
	if (r == MEDSEC_DB_DONE)
		return MEDSEC_OK;
	return r;
}
