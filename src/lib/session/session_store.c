/*
 * Sessions in the database: the record every process shares. Starting a
 * session is one IMMEDIATE transaction (look for a live session of the
 * user, end or refuse it, insert), and a partial unique index on live
 * sessions per user makes "one session per user" a property of the data,
 * not only of this code.
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
#define CLOCK_SLACK_US US_PER_S

#define SESSION_COLUMNS \
	"token_sha256, id, name, roles, source, created_us, last_us, " \
	"reauth_us, therapy, emergency, ended_us, end_reason, must_change"

static void
copy_text(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src != NULL ? src : "");
}

/* Reads a row selected with SESSION_COLUMNS into an entry. */
static int
read_row(struct medsec_db_stmt *st, struct session_entry *e)
{
	const void *blob;
	size_t len = 0;

	memset(e, 0, sizeof(*e));
	blob = medsec_db_column_blob(st, 0, &len);
	if (blob == NULL || len != SESSION_HASH_LEN)
		return MEDSEC_ERR_CORRUPT;
	memcpy(e->hash, blob, SESSION_HASH_LEN);
	copy_text(e->info.id, sizeof(e->info.id),
	    medsec_db_column_text(st, 1));
	copy_text(e->info.user, sizeof(e->info.user),
	    medsec_db_column_text(st, 2));
	copy_text(e->info.roles, sizeof(e->info.roles),
	    medsec_db_column_text(st, 3));
	copy_text(e->info.source, sizeof(e->info.source),
	    medsec_db_column_text(st, 4));
	e->info.created_us = medsec_db_column_int64(st, 5);
	e->info.last_us = medsec_db_column_int64(st, 6);
	e->info.reauth_us = medsec_db_column_int64(st, 7);
	e->info.therapy = medsec_db_column_int64(st, 8) != 0;
	e->info.emergency = medsec_db_column_int64(st, 9) != 0;
	e->info.ended_us = medsec_db_column_is_null(st, 10) ? 0 :
	    medsec_db_column_int64(st, 10);
	e->info.end_reason = (int)medsec_db_column_int64(st, 11);
	e->info.must_change = medsec_db_column_int64(st, 12) != 0;
	e->persisted_last_us = e->info.last_us;
	return MEDSEC_OK;
}

static int
store_end(struct medsec_sessions *s, const uint8_t *hash, int reason,
    int64_t when, int64_t last)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(s->db, "UPDATE session SET ended_us = ?1, "
	    "end_reason = ?2, last_us = max(last_us, ?3) "
	    "WHERE token_sha256 = ?4 AND ended_us IS NULL", &st)) !=
	    MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, when)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 2, reason)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 3, last)) != MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 4, hash, SESSION_HASH_LEN)) !=
	    MEDSEC_OK)
		goto out;
	r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK : MEDSEC_ERR_DB;
out:
	medsec_db_finalize(st);
	return r;
}

int
session_end_entry(struct medsec_sessions *s, struct session_entry *e,
    int reason, const char *actor, struct medsec_session_info *info)
{
	struct medsec_session_info ended;
	int64_t now = medsec_clock_wall_us();
	int r;

	if ((r = store_end(s, e->hash, reason, now, e->info.last_us)) !=
	    MEDSEC_OK)
		return r;
	ended = e->info;
	ended.ended_us = now;
	ended.end_reason = reason;
	session_table_remove(s, e);
	session_audit(s, reason == MEDSEC_SESSION_END_LOGOUT ?
	    MEDSEC_EV_LOGOUT : reason == MEDSEC_SESSION_END_IDLE ||
	    reason == MEDSEC_SESSION_END_LIFETIME ||
	    reason == MEDSEC_SESSION_END_CLOCK ? MEDSEC_EV_SESSION_EXPIRED :
	    MEDSEC_EV_SESSION_ENDED, actor, &ended,
	    medsec_session_end_name(reason));
	if (info != NULL)
		*info = ended;
	return MEDSEC_OK;
}

/*
 * Loads an entry read from the database into the table, placing its
 * times on this process's monotonic clock (or keeping those of `known`,
 * this process's own view). A wall clock earlier than the session's last
 * activity ends it: trusting it would extend the session.
 */
static int
adopt(struct medsec_sessions *s, struct session_entry *e,
    const struct session_entry *known, int64_t wall, int64_t mono)
{
	int r;

	if (known != NULL) {
		e->created_mono = known->created_mono;
		e->last_mono = known->last_mono;
		e->reauth_mono = known->reauth_mono;
		if (known->info.last_us > e->info.last_us)
			e->info.last_us = known->info.last_us;
		return session_table_put(s, e);
	}
	e->created_mono = mono - (wall - e->info.created_us);
	e->last_mono = mono - (wall - e->info.last_us);
	e->reauth_mono = mono - (wall - e->info.reauth_us);
	if ((r = session_table_put(s, e)) != MEDSEC_OK)
		return r;
	if (wall + CLOCK_SLACK_US < e->info.last_us)
		return session_end_entry(s, session_table_find(s, e->hash),
		    MEDSEC_SESSION_END_CLOCK, NULL, NULL);
	return MEDSEC_OK;
}

/* Rebuilds the table from the database's live sessions. */
int
session_reload(struct medsec_sessions *s)
{
	struct medsec_sessions old = *s;
	struct medsec_db_stmt *st = NULL;
	struct session_entry e;
	int64_t wall, mono, version;
	int r;

	if ((r = medsec_db_data_version(s->db, &version)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_prepare(s->db, "SELECT " SESSION_COLUMNS
	    " FROM session WHERE ended_us IS NULL", &st)) != MEDSEC_OK)
		return r;
	if ((r = session_table_init(s, old.cap)) != MEDSEC_OK) {
		*s = old;
		goto out;
	}
	wall = medsec_clock_wall_us();
	mono = medsec_clock_mono_us();
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		if ((r = read_row(st, &e)) != MEDSEC_OK ||
		    (r = adopt(s, &e, session_table_find(&old, e.hash), wall,
		    mono)) != MEDSEC_OK)
			break;
	}
	if (r != MEDSEC_DB_DONE) {
		/* Keep the previous view rather than a partial one. */
		session_table_free(s);
		s->tab = old.tab;
		s->cap = old.cap;
		s->live = old.live;
		s->deleted = old.deleted;
		goto out;
	}
	session_table_free(&old);
	s->data_version = version;
	s->polled_mono = mono;
	r = MEDSEC_OK;
out:
	medsec_wipe(&e, sizeof(e));
	medsec_db_finalize(st);
	return r;
}

int
session_lookup_ended(struct medsec_sessions *s,
    const uint8_t hash[SESSION_HASH_LEN], struct medsec_session_info *info)
{
	struct medsec_db_stmt *st = NULL;
	struct session_entry e;
	int r;

	if ((r = medsec_db_prepare(s->db, "SELECT " SESSION_COLUMNS
	    " FROM session WHERE token_sha256 = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_blob(st, 1, hash, SESSION_HASH_LEN)) !=
	    MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		r = r == MEDSEC_DB_DONE ? MEDSEC_ERR_LOGIN_FAILED : r;
		goto out;
	}
	if ((r = read_row(st, &e)) != MEDSEC_OK)
		goto out;
	if (info != NULL)
		*info = e.info;
	/* Live there but not here even after a reload: a race; retry. */
	if (e.info.ended_us == 0) {
		r = MEDSEC_ERR_BUSY;
		goto out;
	}
	r = session_end_error(e.info.end_reason);
out:
	medsec_db_finalize(st);
	return r;
}

static int
store_int(struct medsec_sessions *s, struct session_entry *e,
    const char *sql, int64_t value)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(s->db, sql, &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, value)) != MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 2, e->hash, SESSION_HASH_LEN)) !=
	    MEDSEC_OK)
		goto out;
	r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK : MEDSEC_ERR_DB;
out:
	medsec_db_finalize(st);
	return r;
}

int
session_store_last(struct medsec_sessions *s, struct session_entry *e)
{
	int r;

	r = store_int(s, e, "UPDATE session SET last_us = max(last_us, ?1) "
	    "WHERE token_sha256 = ?2", e->info.last_us);
	if (r == MEDSEC_OK)
		e->persisted_last_us = e->info.last_us;
	return r;
}

int
session_store_flag(struct medsec_sessions *s, struct session_entry *e,
    const char *column, int value)
{
	if (strcmp(column, "therapy") != 0)
		return MEDSEC_ERR_INVALID;
	return store_int(s, e, "UPDATE session SET therapy = ?1 "
	    "WHERE token_sha256 = ?2 AND ended_us IS NULL", value);
}
