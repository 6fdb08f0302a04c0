/*
 * Setting passwords: the policy profile (MFDS 1.9), no reuse of the last
 * N, Argon2id storage, and the history kept for the next change.
 */
#include <stdio.h>
#include <string.h>

#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/password_policy.h"
#include "identity/identity_int.h"

/* Whether pw matches the current hash or one of the last N. */
static int
reused(struct medsec_identity *id, const char *name, const char *pw,
    size_t pwlen)
{
	struct medsec_db_stmt *st = NULL;
	int found = 0, r;

	if (id->o.password_history == 0)
		return 0;
	if (medsec_db_prepare(id->db, "SELECT pwhash FROM account WHERE "
	    "name = ?1 AND pwhash IS NOT NULL UNION ALL SELECT pwhash FROM "
	    "(SELECT pwhash FROM password_history WHERE name = ?1 "
	    "ORDER BY changed_us DESC, rowid DESC LIMIT ?2)", &st) !=
	    MEDSEC_OK)
		return 0;
	if (medsec_db_bind_text(st, 1, name) != MEDSEC_OK ||
	    medsec_db_bind_int64(st, 2, id->o.password_history - 1) !=
	    MEDSEC_OK)
		goto out;
	while (!found && (r = medsec_db_step(st)) == MEDSEC_DB_ROW)
		found = identity_pwhash_verify(id,
		    medsec_db_column_text(st, 0), pw, pwlen) == MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return found;
}

int
identity_password_acceptable(struct medsec_identity *id, const char *name,
    const char *pw, size_t pwlen, char *why, size_t whylen)
{
	const char *words[1] = { id->o.device_id };
	char msg[256];
	int rule;

	/* The device's own id is what an installer reaches for first. */
	rule = medsec_password_check_context(id->o.profile, name, words,
	    id->o.device_id[0] != '\0' ? 1 : 0, pw, pwlen, msg, sizeof(msg));
	if (rule == MEDSEC_PWRULE_OK && reused(id, name, pw, pwlen)) {
		rule = MEDSEC_PWRULE_REUSED;
		snprintf(msg, sizeof(msg), "password was used recently: "
		    "choose one not among the last %u",
		    id->o.password_history);
	}
	if (rule == MEDSEC_PWRULE_OK)
		return MEDSEC_OK;
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", msg);
	return MEDSEC_ERR_POLICY;
}

/*
 * Replaces the account's hash, moving the old one into the history and
 * keeping only what the policy needs. One transaction.
 */
int
identity_password_store(struct medsec_identity *id, const char *name,
    const char *pw, size_t pwlen, int must_change)
{
	char hash[MEDSEC_PWHASH_STR_LEN];
	struct medsec_db_stmt *st = NULL;
	int64_t now = medsec_clock_wall_us();
	int r;

	if ((r = identity_hash_password(id, pw, pwlen, hash)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_begin(id->db)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_prepare(id->db, "INSERT INTO password_history "
	    "(name, changed_us, pwhash) SELECT name, password_changed_us, "
	    "pwhash FROM account WHERE name = ?1 AND pwhash IS NOT NULL",
	    &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK ||
	    (r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
	    MEDSEC_ERR_DB) != MEDSEC_OK)
		goto fail;
	medsec_db_finalize(st);
	if ((r = medsec_db_prepare(id->db, "UPDATE account SET pwhash = ?2, "
	    "password_changed_us = ?3, must_change = ?4 WHERE name = ?1",
	    &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, hash)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 3, now)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 4, must_change != 0)) != MEDSEC_OK ||
	    (r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
	    MEDSEC_ERR_DB) != MEDSEC_OK)
		goto fail;
	medsec_db_finalize(st);
	/* The history keeps N - 1 old hashes; the current one is the Nth. */
	if ((r = medsec_db_prepare(id->db, "DELETE FROM password_history "
	    "WHERE name = ?1 AND rowid NOT IN (SELECT rowid FROM "
	    "password_history WHERE name = ?1 ORDER BY changed_us DESC, "
	    "rowid DESC LIMIT ?2)", &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 2, id->o.password_history > 0 ?
	    id->o.password_history - 1 : 0)) != MEDSEC_OK ||
	    (r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
	    MEDSEC_ERR_DB) != MEDSEC_OK)
		goto fail;
	medsec_db_finalize(st);
	st = NULL;
	r = medsec_db_commit(id->db);
	if (r == MEDSEC_OK)
		goto out;
fail:
	medsec_db_finalize(st);
	identity_rollback(id);
out:
	medsec_wipe(hash, sizeof(hash));
	return r;
}
