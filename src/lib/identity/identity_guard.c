/*
 * The last administrator (finding 5 of the fail-closed review): no change
 * made through this library may leave the device without an account that
 * can manage accounts. Deleting oneself was refused before; disabling or
 * expiring oneself, removing one's own administrator role, or doing any
 * of these to the only other administrator was not, and then nobody could
 * unlock, re-enable or create anyone, and the setup code was refused.
 *
 * "Usable" is counted from the database inside the transaction that makes
 * the change, after the change, so two administrators disabling each
 * other at once cannot both succeed. docs/access-control.md says how a
 * device that lost its administrators anyway (a roles file that took the
 * permission away, the last one expiring) is recovered.
 */
#include <stdio.h>
#include <string.h>

#include "medsec/access.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "identity/identity_int.h"

/* Whether a row (name, roles, has password, disabled, expires) counts. */
static int
usable(struct medsec_identity *id, struct medsec_db_stmt *st)
{
	const char *roles = medsec_db_column_text(st, 1);

	return medsec_db_column_int64(st, 2) != 0 &&
	    medsec_db_column_int64(st, 3) == 0 &&
	    medsec_db_column_int64(st, 4) == 0 &&
	    identity_interactive(id, roles) &&
	    (medsec_roles_permissions(id->roles, roles, NULL) &
	    MEDSEC_PERM_BIT(MEDSEC_PERM_USER_ADMIN)) != 0;
}

/* Counts usable administrators other than `except` (NULL: all). */
static int
count_usable(struct medsec_identity *id, const char *except, int64_t *np)
{
	struct medsec_db_stmt *st = NULL;
	int64_t n = 0;
	int r;

	*np = 0;
	/* An expiry of any date is a time bomb for the last one: not counted. */
	if ((r = medsec_db_prepare(id->db, "SELECT name, roles, pwhash IS NOT "
	    "NULL, disabled, coalesce(expires_us, 0) FROM account", &st)) !=
	    MEDSEC_OK)
		return r;
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW)
		if ((except == NULL ||
		    strcmp(medsec_db_column_text(st, 0), except) != 0) &&
		    usable(id, st))
			n++;
	medsec_db_finalize(st);
	if (r != MEDSEC_DB_DONE)
		return r < 0 ? r : MEDSEC_ERR_DB;
	*np = n;
	return MEDSEC_OK;
}

int
identity_usable_admins(struct medsec_identity *id, int64_t *np)
{
	return count_usable(id, NULL, np);
}

int
identity_keep_an_admin(struct medsec_identity *id, const char *name,
    char *why, size_t whylen)
{
	int64_t n;
	int r;

	if ((r = count_usable(id, NULL, &n)) != MEDSEC_OK)
		return r;
	if (n > 0)
		return MEDSEC_OK;
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s is the last administrator who can "
		    "manage accounts (enabled, with a password and no expiry "
		    "date); add another administrator first", name);
	return MEDSEC_ERR_STATE;
}

int
identity_is_last_admin(struct medsec_identity *id, const char *name)
{
	int64_t all, others;

	/* Unknown counts as last: a lock then expires rather than stays. */
	if (count_usable(id, NULL, &all) != MEDSEC_OK ||
	    count_usable(id, name, &others) != MEDSEC_OK)
		return 1;
	return all > others && others == 0;
}
