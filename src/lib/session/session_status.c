/*
 * Session counts for a device's status, read from session's own table so
 * that no other module needs to know its columns.
 */
#include <stdint.h>
#include <string.h>

#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/session.h"

static const char status_sql[] =
    "SELECT coalesce(sum(ended_us IS NULL), 0), "
    "coalesce(sum(ended_us IS NULL AND emergency != 0), 0), "
    "coalesce(sum(ended_us IS NULL AND therapy != 0), 0), "
    "count(*) FROM session";

int
medsec_session_status_read(struct medsec_db *db,
    struct medsec_session_status *st)
{
	struct medsec_db_stmt *q = NULL;
	int r;

	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	memset(st, 0, sizeof(*st));
	if (db == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(db, status_sql, &q)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(q)) != MEDSEC_DB_ROW) {
		r = r < 0 ? r : MEDSEC_ERR_DB;
		goto out;
	}
	st->live = (uint64_t)medsec_db_column_int64(q, 0);
	st->emergency = (uint64_t)medsec_db_column_int64(q, 1);
	st->therapy = (uint64_t)medsec_db_column_int64(q, 2);
	st->total = (uint64_t)medsec_db_column_int64(q, 3);
	r = MEDSEC_OK;
out:
	medsec_db_finalize(q);
	return r;
}
