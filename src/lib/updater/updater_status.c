/*
 * The updater's settings, floors and package counts, read from its own
 * meta keys, table and boot record: for the device's status, and for
 * opening the updater with the settings medsec_updater_setup() recorded.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/updater.h"
#include "updater_int.h"

/* A setting: absent is "" (not set up), unreadable is an error. */
static int
setting(struct medsec_db *db, const char *key, char *buf, size_t len,
    int *presentp)
{
	int r = medsec_db_meta_get(db, key, buf, len);

	if (r == MEDSEC_ERR_NOT_FOUND) {
		buf[0] = '\0';
		return MEDSEC_OK;
	}
	if (r == MEDSEC_OK && presentp != NULL)
		*presentp = 1;
	return r;
}

static int
read_settings(struct medsec_db *db, struct medsec_updater_status *st)
{
	char two[8];
	int r;

	if ((r = setting(db, "update_hardware_id", st->hardware_id,
	    sizeof(st->hardware_id), &st->configured)) != MEDSEC_OK ||
	    (r = setting(db, "update_product", st->product,
	    sizeof(st->product), NULL)) != MEDSEC_OK ||
	    (r = setting(db, "update_two_person", two, sizeof(two), NULL)) !=
	    MEDSEC_OK)
		return r;
	st->two_person = strcmp(two, "1") == 0;
	return MEDSEC_OK;
}

static const char count_sql[] =
    "SELECT count(*), coalesce(sum(state = ?1), 0), "
    "coalesce(sum(state = ?2), 0) FROM update_package";
static const char pending_sql[] =
    "SELECT id, version FROM update_package WHERE state = ?1 "
    "ORDER BY id DESC LIMIT 1";

static int
read_packages(struct medsec_db *db, struct medsec_updater_status *st)
{
	struct medsec_db_stmt *q = NULL;
	const char *version;
	int r;

	if ((r = medsec_db_prepare(db, count_sql, &q)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(q, 1, MEDSEC_UPD_AWAITING_APPROVAL)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(q, 2, MEDSEC_UPD_APPROVED)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(q)) != MEDSEC_DB_ROW) {
		r = r < 0 ? r : MEDSEC_ERR_DB;
		goto out;
	}
	st->packages = (uint64_t)medsec_db_column_int64(q, 0);
	st->awaiting_approval = (uint64_t)medsec_db_column_int64(q, 1);
	st->approved = (uint64_t)medsec_db_column_int64(q, 2);
	medsec_db_finalize(q);
	q = NULL;
	if ((r = medsec_db_prepare(db, pending_sql, &q)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(q, 1, MEDSEC_UPD_AWAITING_APPROVAL)) !=
	    MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(q)) == MEDSEC_DB_ROW) {
		st->pending_id = medsec_db_column_int64(q, 0);
		version = medsec_db_column_text(q, 1);
		snprintf(st->pending_version, sizeof(st->pending_version),
		    "%s", version != NULL ? version : "");
	}
	r = r < 0 ? r : MEDSEC_OK;
out:
	medsec_db_finalize(q);
	return r;
}

int
medsec_updater_status_read(struct medsec_db *db, const char *state_dir,
    struct medsec_updater_status *st)
{
	struct medsec_updater u;
	uint64_t time_floor = 0;
	int r;

	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	memset(st, 0, sizeof(*st));
	snprintf(st->boot.active, sizeof(st->boot.active), "a");
	if (db == NULL)
		return MEDSEC_ERR_INVALID;
	/* A handle for the module's own readers; it writes nothing. */
	memset(&u, 0, sizeof(u));
	u.db = db;
	if (state_dir != NULL && strlen(state_dir) >= sizeof(u.state_dir))
		return MEDSEC_ERR_TOO_LARGE;
	if (state_dir != NULL)
		memcpy(u.state_dir, state_dir, strlen(state_dir) + 1);
	if ((r = read_settings(db, st)) != MEDSEC_OK ||
	    (r = updater_meta_u64(&u, UPDATER_COUNTER_KEY,
	    &st->security_counter)) != MEDSEC_OK ||
	    (r = updater_meta_u64(&u, UPDATER_KEYSET_KEY,
	    &st->keyset_floor)) != MEDSEC_OK ||
	    (r = updater_meta_u64(&u, UPDATER_TIME_KEY, &time_floor)) !=
	    MEDSEC_OK ||
	    (r = read_packages(db, st)) != MEDSEC_OK)
		return r;
	st->time_floor_us = time_floor > INT64_MAX ? INT64_MAX :
	    (int64_t)time_floor;
	if (state_dir != NULL &&
	    (r = updater_boot_read(&u, &st->boot)) != MEDSEC_OK)
		return r;
	return MEDSEC_OK;
}
