/*
 * The account state behind an access decision. A subject is only names
 * (user, source, roles); without this check one built by hand would act
 * for an account that must change its password, or is disabled, locked
 * or expired, as long as its role list grants the permission.
 */
#include <stdint.h>
#include <string.h>

#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "identity_int.h"

static int
password_stale(const struct medsec_identity *id,
    const struct medsec_account *a, int64_t now)
{
	int64_t max_age = (int64_t)id->o.password_max_age_days * 86400 *
	    US_PER_S;

	return max_age > 0 && now - a->password_changed_us >= max_age;
}

int
medsec_identity_subject_check(struct medsec_identity *id,
    const struct medsec_subject *who)
{
	struct identity_row row;
	int64_t now = medsec_clock_wall_us();
	int r;

	if (id == NULL || who == NULL || who->user == NULL)
		return MEDSEC_ERR_DENIED;
	r = identity_row_get(id, who->user, &row);
	medsec_wipe(row.pwhash, sizeof(row.pwhash));
	if (r == MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK; /* no account: its roles decide */
	if (r != MEDSEC_OK)
		return r;
	switch (identity_state(&row.acct, now)) {
	case MEDSEC_ACCOUNT_DISABLED:
		return MEDSEC_ERR_DISABLED;
	case MEDSEC_ACCOUNT_LOCKED:
		return MEDSEC_ERR_LOCKED;
	case MEDSEC_ACCOUNT_EXPIRED:
		return MEDSEC_ERR_EXPIRED;
	default:
		break;
	}
	if (row.has_password &&
	    (row.acct.must_change || password_stale(id, &row.acct, now)))
		return MEDSEC_ERR_STATE;
	return MEDSEC_OK;
}
