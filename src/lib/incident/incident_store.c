/*
 * Incidents in the device database. The tables are this module's own,
 * created on first write; each change and its timeline entry commit in
 * one BEGIN IMMEDIATE transaction, so a reader never sees one without
 * the other, and a failure leaves both as they were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident_int.h"

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS incident ("
	"id TEXT PRIMARY KEY, detected TEXT NOT NULL, "
	"severity TEXT NOT NULL, devices TEXT NOT NULL, "
	"versions TEXT NOT NULL, summary TEXT NOT NULL, "
	"impact TEXT NOT NULL, containment TEXT NOT NULL, "
	"root_cause TEXT NOT NULL, prevention TEXT NOT NULL, "
	"status TEXT NOT NULL, opened TEXT NOT NULL, updated TEXT NOT NULL, "
	"closed TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS incident_event ("
	"incident TEXT NOT NULL REFERENCES incident(id), "
	"seq INTEGER NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL, "
	"status TEXT NOT NULL, note TEXT NOT NULL, "
	"PRIMARY KEY (incident, seq))",
};

/* Columns after id, in incident_fields order, then the bookkeeping. */
#define COLUMNS "detected, severity, devices, versions, summary, impact, " \
	"containment, root_cause, prevention, status, opened, updated, closed"

static int
have_tables(struct medsec_db *db, int *havep)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	*havep = 0;
	if ((r = medsec_db_prepare(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = 'incident'", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		*havep = medsec_db_column_int64(st, 0) > 0;
		r = MEDSEC_OK;
	} else if (r == MEDSEC_DB_DONE)
		r = MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}

static void
copy_col(struct medsec_db_stmt *st, int col, char *dst, size_t size)
{
	snprintf(dst, size, "%s", medsec_db_column_text(st, col));
}

static void
read_row(struct medsec_db_stmt *st, struct medsec_incident *inc)
{
	int col = 0;

	memset(inc, 0, sizeof(*inc));
	copy_col(st, col++, inc->id, sizeof(inc->id));
	for (size_t i = 0; i < incident_nfields; i++)
		copy_col(st, col++, incident_text(inc, &incident_fields[i]),
		    incident_fields[i].size);
	copy_col(st, col++, inc->status, sizeof(inc->status));
	copy_col(st, col++, inc->opened, sizeof(inc->opened));
	copy_col(st, col++, inc->updated, sizeof(inc->updated));
	copy_col(st, col, inc->closed, sizeof(inc->closed));
}

static int
bind_all(struct medsec_db_stmt *st, const struct medsec_incident *inc)
{
	int idx = 1, r = medsec_db_bind_text(st, idx++, inc->id);

	for (size_t i = 0; r == MEDSEC_OK && i < incident_nfields; i++)
		r = medsec_db_bind_text(st, idx++, incident_ctext(inc,
		    &incident_fields[i]));
	if (r == MEDSEC_OK)
		r = medsec_db_bind_text(st, idx++, inc->status);
	if (r == MEDSEC_OK)
		r = medsec_db_bind_text(st, idx++, inc->opened);
	if (r == MEDSEC_OK)
		r = medsec_db_bind_text(st, idx++, inc->updated);
	if (r == MEDSEC_OK)
		r = medsec_db_bind_text(st, idx, inc->closed);
	return r;
}

/* Runs a prepared write to its end. */
static int
run(struct medsec_db_stmt *st)
{
	int r = medsec_db_step(st);

	medsec_db_finalize(st);
	return r == MEDSEC_DB_DONE ? MEDSEC_OK : r < 0 ? r : MEDSEC_ERR_DB;
}

static int
put_record(struct medsec_db *db, const struct medsec_incident *inc)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(db, "INSERT OR REPLACE INTO incident "
	    "(id, " COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?)", &st)) != MEDSEC_OK)
		return r;
	if ((r = bind_all(st, inc)) != MEDSEC_OK) {
		medsec_db_finalize(st);
		return r;
	}
	return run(st);
}

static int
put_event(struct medsec_db *db, const char *id,
    const struct medsec_incident_event *ev)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(db, "INSERT INTO incident_event (incident, "
	    "seq, time, actor, status, note) VALUES (?1, (SELECT "
	    "coalesce(max(seq), 0) + 1 FROM incident_event WHERE incident = "
	    "?1), ?2, ?3, ?4, ?5)", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, id)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, ev->time)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 3, ev->actor)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 4, ev->status)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 5, ev->note)) != MEDSEC_OK) {
		medsec_db_finalize(st);
		return r;
	}
	return run(st);
}

/* INC-YYYYMMDD-NNN: the day's next number, inside the transaction. */
static int
next_id(struct medsec_db *db, const char *now, char *id, size_t idlen)
{
	struct medsec_db_stmt *st = NULL;
	char prefix[14];
	int64_t n;
	int r;

	snprintf(prefix, sizeof(prefix), "INC-%.4s%.2s%.2s-", now, now + 5,
	    now + 8);
	if ((r = medsec_db_prepare(db, "SELECT count(*) FROM incident WHERE "
	    "substr(id, 1, 13) = ?", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, prefix)) == MEDSEC_OK &&
	    (r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		n = medsec_db_column_int64(st, 0);
		r = n >= 0 && n < 999 ? MEDSEC_OK : MEDSEC_ERR_TOO_LARGE;
		if (r == MEDSEC_OK)
			snprintf(id, idlen, "%s%03u", prefix,
			    (unsigned)(n + 1) % 1000u);
	} else if (r == MEDSEC_DB_DONE)
		r = MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}

static int
begin_with_tables(struct medsec_db *db)
{
	int r;

	if ((r = medsec_db_begin(db)) != MEDSEC_OK)
		return r;
	for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
		if ((r = medsec_db_exec(db, schema[i])) != MEDSEC_OK) {
			if (medsec_db_rollback(db) != MEDSEC_OK) {
				/* The failure is r; the handle closes it. */
			}
			return r;
		}
	return MEDSEC_OK;
}

static void
event_of(struct medsec_incident_event *ev, const char *now,
    const char *actor, const char *status, const char *note)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->time, sizeof(ev->time), "%s", now);
	snprintf(ev->actor, sizeof(ev->actor), "%s", actor);
	snprintf(ev->status, sizeof(ev->status), "%s", status);
	snprintf(ev->note, sizeof(ev->note), "%s", note);
}

static int
commit_change(struct medsec_db *db, const struct medsec_incident *inc,
    const struct medsec_incident_event *ev)
{
	int r;

	if ((r = put_record(db, inc)) != MEDSEC_OK ||
	    (r = put_event(db, inc->id, ev)) != MEDSEC_OK ||
	    (r = medsec_db_commit(db)) != MEDSEC_OK) {
		if (medsec_db_rollback(db) != MEDSEC_OK) {
			/* Nothing was committed; r says why. */
		}
		return r;
	}
	return MEDSEC_OK;
}

int
medsec_incident_open(struct medsec_db *db, struct medsec_incident *inc,
    const char *actor, const char *now, struct medsec_config_error *err)
{
	struct medsec_incident rec;
	struct medsec_incident_event ev;
	char missing[256];
	int r;

	if (db == NULL || inc == NULL || actor == NULL || now == NULL)
		return MEDSEC_ERR_INVALID;
	if (medsec_incident_missing(inc, 0, missing, sizeof(missing)) > 0) {
		incident_fail(err, "missing", "a notice needs these facts: %s",
		    missing);
		return MEDSEC_ERR_INVALID;
	}
	if ((r = medsec_incident_check(inc, now, err)) != MEDSEC_OK)
		return r;
	rec = *inc;
	rec.timeline = NULL;
	rec.ntimeline = 0;
	snprintf(rec.status, sizeof(rec.status), "open");
	snprintf(rec.opened, sizeof(rec.opened), "%s", now);
	snprintf(rec.updated, sizeof(rec.updated), "%s", now);
	rec.closed[0] = '\0';
	event_of(&ev, now, actor, "open", "Incident opened.");
	if ((r = begin_with_tables(db)) != MEDSEC_OK)
		return r;
	if ((r = next_id(db, now, rec.id, sizeof(rec.id))) != MEDSEC_OK) {
		if (medsec_db_rollback(db) != MEDSEC_OK) {
			/* Nothing was written; r says why. */
		}
		return r;
	}
	if ((r = commit_change(db, &rec, &ev)) != MEDSEC_OK)
		return r;
	*inc = rec;
	return MEDSEC_OK;
}

static int
load_record(struct medsec_db *db, const char *id, struct medsec_incident *inc)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(db, "SELECT id, " COLUMNS " FROM incident "
	    "WHERE id = ?", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, id)) == MEDSEC_OK) {
		r = medsec_db_step(st);
		if (r == MEDSEC_DB_ROW) {
			read_row(st, inc);
			r = MEDSEC_OK;
		} else if (r == MEDSEC_DB_DONE)
			r = MEDSEC_ERR_NOT_FOUND;
	}
	medsec_db_finalize(st);
	return r;
}

/* The change applied to rec; refusals name what is wrong. */
static int
apply_change(struct medsec_incident *rec,
    const struct medsec_incident *change, const char *status,
    const char *now, struct medsec_config_error *err)
{
	char missing[256];
	int r;

	if (strcmp(rec->status, "closed") == 0) {
		incident_fail(err, "status", "incident %s was closed on %s; a "
		    "closed incident is not changed", rec->id, rec->closed);
		return MEDSEC_ERR_STATE;
	}
	if (status[0] != '\0' && strcmp(status, "contained") != 0 &&
	    strcmp(status, "closed") != 0) {
		incident_fail(err, "status", "'%s' is not contained or closed",
		    status);
		return MEDSEC_ERR_INVALID;
	}
	if ((r = medsec_incident_check(change, now, err)) != MEDSEC_OK)
		return r;
	for (size_t i = 0; i < incident_nfields; i++) {
		const char *t = incident_ctext(change, &incident_fields[i]);

		if (t[0] != '\0')
			snprintf(incident_text(rec, &incident_fields[i]),
			    incident_fields[i].size, "%s", t);
	}
	if (strcmp(status, "closed") == 0 &&
	    medsec_incident_missing(rec, 1, missing, sizeof(missing)) > 0) {
		incident_fail(err, "missing", "closing needs these facts: %s",
		    missing);
		return MEDSEC_ERR_INVALID;
	}
	if (status[0] != '\0')
		snprintf(rec->status, sizeof(rec->status), "%s", status);
	if (strcmp(status, "closed") == 0)
		snprintf(rec->closed, sizeof(rec->closed), "%s", now);
	snprintf(rec->updated, sizeof(rec->updated), "%s", now);
	return MEDSEC_OK;
}

int
medsec_incident_update(struct medsec_db *db, const char *id,
    const struct medsec_incident *change, const char *status,
    const char *note, const char *actor, const char *now,
    struct medsec_incident *out, struct medsec_config_error *err)
{
	struct medsec_incident rec;
	struct medsec_incident_event ev;
	int have, r;

	if (db == NULL || id == NULL || change == NULL || status == NULL ||
	    note == NULL || actor == NULL || now == NULL)
		return MEDSEC_ERR_INVALID;
	if (note[0] == '\0') {
		incident_fail(err, "note", "say what changed: the note goes "
		    "into the incident's timeline");
		return MEDSEC_ERR_INVALID;
	}
	if ((r = have_tables(db, &have)) != MEDSEC_OK)
		return r;
	if (!have) {
		incident_fail(err, "id", "no incident '%s' on this device", id);
		return MEDSEC_ERR_NOT_FOUND;
	}
	if ((r = medsec_db_begin(db)) != MEDSEC_OK)
		return r;
	memset(&rec, 0, sizeof(rec));
	if ((r = load_record(db, id, &rec)) == MEDSEC_ERR_NOT_FOUND)
		incident_fail(err, "id", "no incident '%s' on this device", id);
	if (r == MEDSEC_OK)
		r = apply_change(&rec, change, status, now, err);
	if (r != MEDSEC_OK) {
		if (medsec_db_rollback(db) != MEDSEC_OK) {
			/* Nothing was written; r says why. */
		}
		return r;
	}
	event_of(&ev, now, actor, rec.status, note);
	if ((r = commit_change(db, &rec, &ev)) != MEDSEC_OK)
		return r;
	if (out != NULL)
		*out = rec;
	return MEDSEC_OK;
}

static int
load_timeline(struct medsec_db *db, struct medsec_incident *inc)
{
	struct medsec_db_stmt *st = NULL;
	struct medsec_incident_event *ev;
	int r;

	if ((r = medsec_db_prepare(db, "SELECT time, actor, status, note "
	    "FROM incident_event WHERE incident = ? ORDER BY seq", &st)) !=
	    MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, inc->id)) != MEDSEC_OK)
		goto out;
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		ev = realloc(inc->timeline, (inc->ntimeline + 1) *
		    sizeof(*ev));
		if (ev == NULL) {
			r = MEDSEC_ERR_NOMEM;
			goto out;
		}
		inc->timeline = ev;
		ev = &inc->timeline[inc->ntimeline++];
		copy_col(st, 0, ev->time, sizeof(ev->time));
		copy_col(st, 1, ev->actor, sizeof(ev->actor));
		copy_col(st, 2, ev->status, sizeof(ev->status));
		copy_col(st, 3, ev->note, sizeof(ev->note));
	}
	r = r == MEDSEC_DB_DONE ? MEDSEC_OK : r;
out:
	medsec_db_finalize(st);
	return r;
}

int
medsec_incident_get(struct medsec_db *db, const char *id,
    struct medsec_incident *inc)
{
	int have, r;

	if (db == NULL || id == NULL || inc == NULL)
		return MEDSEC_ERR_INVALID;
	memset(inc, 0, sizeof(*inc));
	if ((r = have_tables(db, &have)) != MEDSEC_OK)
		return r;
	if (!have)
		return MEDSEC_ERR_NOT_FOUND;
	if ((r = load_record(db, id, inc)) != MEDSEC_OK)
		return r;
	if ((r = load_timeline(db, inc)) != MEDSEC_OK)
		medsec_incident_release(inc);
	return r;
}

void
medsec_incident_release(struct medsec_incident *inc)
{
	if (inc == NULL)
		return;
	free(inc->timeline);
	inc->timeline = NULL;
	inc->ntimeline = 0;
}

int
medsec_incident_list(struct medsec_db *db,
    int (*fn)(const struct medsec_incident *, void *), void *ctx)
{
	struct medsec_db_stmt *st = NULL;
	struct medsec_incident *inc;
	int have, r;

	if (db == NULL || fn == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = have_tables(db, &have)) != MEDSEC_OK || !have)
		return r;
	/* One record is 16 KiB: on the heap, not the caller's stack. */
	if ((inc = malloc(sizeof(*inc))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = medsec_db_prepare(db, "SELECT id, " COLUMNS " FROM incident "
	    "ORDER BY opened, id", &st)) != MEDSEC_OK)
		goto out;
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		read_row(st, inc);
		if ((r = fn(inc, ctx)) != 0)
			break;
	}
	if (r == MEDSEC_DB_DONE)
		r = MEDSEC_OK;
	medsec_db_finalize(st);
out:
	free(inc);
	return r;
}
