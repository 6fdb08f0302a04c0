/*
 * Account counts for a device's status, read from identity's own table
 * so that no other module needs to know its columns.
 */
#include <stdint.h>
#include <string.h>

#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "identity_int.h"

/*
 * One pass over the table. The CASE order is identity_state()'s:
 * disabled, then locked, then expired, so each account counts once.
 */
static const char status_sql[] =
    "SELECT count(*), "
    "coalesce(sum(disabled != 0), 0), "
    "coalesce(sum(disabled = 0 AND (locked_until_us = -1 OR "
    "locked_until_us > ?1)), 0), "
    "coalesce(sum(disabled = 0 AND NOT (locked_until_us = -1 OR "
    "locked_until_us > ?1) AND expires_us IS NOT NULL AND expires_us != 0 "
    "AND expires_us <= ?1), 0), "
    "coalesce(sum(pwhash IS NOT NULL AND (must_change != 0 OR "
    "(?2 > 0 AND password_changed_us <= ?1 - ?2))), 0), "
    "coalesce(sum(cert_sha256 IS NOT NULL), 0) "
    "FROM account";

int
medsec_identity_status_read(struct medsec_db *db, int64_t now_us,
    uint32_t max_age_days, struct medsec_identity_status *st)
{
	struct medsec_db_stmt *q = NULL;
	int64_t max_age_us = (int64_t)max_age_days * 86400 * US_PER_S;
	int r;

	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	memset(st, 0, sizeof(*st));
	if (db == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(db, status_sql, &q)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(q, 1, now_us)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(q, 2, max_age_us)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(q)) != MEDSEC_DB_ROW) {
		r = r < 0 ? r : MEDSEC_ERR_DB;
		goto out;
	}
	st->accounts = (uint64_t)medsec_db_column_int64(q, 0);
	st->disabled = (uint64_t)medsec_db_column_int64(q, 1);
	st->locked = (uint64_t)medsec_db_column_int64(q, 2);
	st->expired = (uint64_t)medsec_db_column_int64(q, 3);
	st->must_change = (uint64_t)medsec_db_column_int64(q, 4);
	st->peers = (uint64_t)medsec_db_column_int64(q, 5);
	r = MEDSEC_OK;
out:
	medsec_db_finalize(q);
	return r;
}
