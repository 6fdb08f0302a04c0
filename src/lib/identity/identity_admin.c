/*
 * Account administration: the first administrator from the setup code
 * (MFDS 1.10), adding, disabling, unlocking, expiring and deleting
 * accounts, roles, and password changes. Each change is authorised for the
 * acting subject (user-admin) and recorded.
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
#include "medsec/identity.h"
#include "medsec/password_policy.h"
#include "medsec/session.h"
#include "identity/identity_int.h"

static int
account_count(struct medsec_identity *id, int64_t *np)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(id->db, "SELECT count(*) FROM account",
	    &st)) != MEDSEC_OK)
		return r;
	r = medsec_db_step(st) == MEDSEC_DB_ROW ? MEDSEC_OK : MEDSEC_ERR_DB;
	*np = medsec_db_column_int64(st, 0);
	medsec_db_finalize(st);
	return r;
}

int
medsec_identity_setup_code_issue(struct medsec_identity *id,
    char code[MEDSEC_SETUP_CODE_LEN])
{
	struct medsec_db_stmt *st = NULL;
	uint8_t hash[32];
	int64_t n, expires;
	int r;

	if (id == NULL || code == NULL)
		return MEDSEC_ERR_INVALID;
	/*
	 * A device with nobody left who can manage accounts takes a setup
	 * code too: that is its recovery (docs/access-control.md).
	 */
	if ((r = identity_usable_admins(id, &n)) != MEDSEC_OK)
		return r;
	if (n > 0)
		return MEDSEC_ERR_STATE;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	if ((r = identity_code_new(code, hash)) != MEDSEC_OK)
		goto out;
	expires = medsec_clock_wall_us() +
	    (int64_t)id->o.setup_code_hours * 3600 * US_PER_S;
	if ((r = medsec_db_prepare(id->db, "INSERT OR REPLACE INTO setup_code "
	    "(id, code_sha256, expires_us, used_us) VALUES (1, ?1, ?2, NULL)",
	    &st)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_bind_blob(st, 1, hash, sizeof(hash))) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 2, expires)) != MEDSEC_OK)
		goto out;
	r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK : MEDSEC_ERR_DB;
	/* A code whose issue is not on record is not shown (wiped below). */
	if (r == MEDSEC_OK && identity_audit(id, MEDSEC_EV_SETUP_CODE_ISSUED,
	    "system", "local", "setup-code", MEDSEC_AUDIT_SUCCESS, n == 0 &&
	    account_count(id, &n) == MEDSEC_OK && n > 0 ? "recovery code "
	    "issued: no usable administrator is left" :
	    "first-administrator code issued", NULL) != MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
out:
	medsec_db_finalize(st);
	medsec_wipe(hash, sizeof(hash));
	if (r != MEDSEC_OK)
		medsec_wipe(code, MEDSEC_SETUP_CODE_LEN);
	return r;
}

/* Checks the setup code; MEDSEC_OK only for the live, unused code. */
static int
setup_code_check(struct medsec_identity *id, const char *code)
{
	struct medsec_db_stmt *st = NULL;
	uint8_t hash[32];
	const void *stored;
	size_t len = 0;
	int well_formed, r;

	r = identity_code_hash(code, hash);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_AUTH)
		return r;
	well_formed = r == MEDSEC_OK;
	if ((r = medsec_db_prepare(id->db, "SELECT code_sha256, expires_us, "
	    "used_us FROM setup_code WHERE id = 1", &st)) != MEDSEC_OK)
		goto out;
	if (medsec_db_step(st) != MEDSEC_DB_ROW) {
		r = MEDSEC_ERR_AUTH;
		goto out;
	}
	stored = medsec_db_column_blob(st, 0, &len);
	if (!well_formed || stored == NULL || len != sizeof(hash) ||
	    medsec_ct_equal(stored, hash, sizeof(hash)) != 0)
		r = MEDSEC_ERR_AUTH;
	else if (!medsec_db_column_is_null(st, 2))
		r = MEDSEC_ERR_AUTH;
	else if (medsec_clock_wall_us() >= medsec_db_column_int64(st, 1))
		r = MEDSEC_ERR_EXPIRED;
	else
		r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	medsec_wipe(hash, sizeof(hash));
	return r;
}

/* Whether the name or certificate already belongs to an account. */
static int
taken(struct medsec_identity *id, const char *name, const char *cert)
{
	struct medsec_db_stmt *st = NULL;
	int found = 0;

	if (medsec_db_prepare(id->db, "SELECT 1 FROM account WHERE name = ?1 "
	    "OR cert_sha256 = ?2", &st) != MEDSEC_OK)
		return 0;
	if (medsec_db_bind_text(st, 1, name) == MEDSEC_OK &&
	    (cert != NULL ? medsec_db_bind_text(st, 2, cert) :
	    medsec_db_bind_null(st, 2)) == MEDSEC_OK)
		found = medsec_db_step(st) == MEDSEC_DB_ROW;
	medsec_db_finalize(st);
	return found;
}

static int
insert_account(struct medsec_identity *id, const char *name,
    const char *roles, const char *pwhash, const char *cert,
    int64_t expires_us, int must_change)
{
	struct medsec_db_stmt *st = NULL;
	int64_t now = medsec_clock_wall_us();
	int r;

	if ((r = medsec_db_prepare(id->db, "INSERT INTO account (name, roles, "
	    "pwhash, cert_sha256, created_us, password_changed_us, "
	    "expires_us, must_change) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
	    &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, roles)) != MEDSEC_OK ||
	    (r = pwhash != NULL ? medsec_db_bind_text(st, 3, pwhash) :
	    medsec_db_bind_null(st, 3)) != MEDSEC_OK ||
	    (r = cert != NULL ? medsec_db_bind_text(st, 4, cert) :
	    medsec_db_bind_null(st, 4)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 5, now)) != MEDSEC_OK ||
	    (r = expires_us != 0 ? medsec_db_bind_int64(st, 6, expires_us) :
	    medsec_db_bind_null(st, 6)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 7, must_change)) != MEDSEC_OK)
		goto out;
	r = medsec_db_step(st);
	if (r == MEDSEC_DB_DONE)
		r = MEDSEC_OK;
	else if (r == MEDSEC_ERR_DB && taken(id, name, cert))
		r = MEDSEC_ERR_EXISTS;
out:
	medsec_db_finalize(st);
	return r;
}

/*
 * Every role in the list must exist (a typo must not grant nothing
 * silently), and none may be the emergency role, which only break-glass
 * grants.
 */
static int
roles_known(struct medsec_identity *id, const char *roles)
{
	char buf[128], *p, *save = NULL;
	size_t unknown = 0;

	if (roles == NULL || *roles == '\0' || strlen(roles) >= sizeof(buf))
		return 0;
	/* Only the count of unknown names matters here, not the grant. */
	(void)medsec_roles_permissions(id->roles, roles, &unknown);
	if (unknown != 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", roles);
	for (p = strtok_r(buf, ", ", &save); p != NULL;
	    p = strtok_r(NULL, ", ", &save))
		if (strcmp(p, "emergency") == 0)
			return 0;
	return 1;
}

static int
spend_setup_code(struct medsec_identity *id)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(id->db, "UPDATE setup_code SET used_us = ?1 "
	    "WHERE id = 1 AND used_us IS NULL", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, medsec_clock_wall_us())) ==
	    MEDSEC_OK)
		r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
		    MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}

int
medsec_identity_bootstrap(struct medsec_identity *id, const char *code,
    const char *name, const char *password, size_t pwlen,
    const char *source, char *why, size_t whylen)
{
	char hash[MEDSEC_PWHASH_STR_LEN];
	struct medsec_audit_detail d;
	int64_t n, accounts = 0;
	int r;

	if (id == NULL || password == NULL ||
	    !medsec_identity_valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	if ((r = setup_code_check(id, code)) != MEDSEC_OK) {
		/* The answer is a refusal whether or not this is held. */
		(void)identity_audit(id, MEDSEC_EV_LOGIN_FAILURE, name, source,
		    "setup-code", MEDSEC_AUDIT_FAILURE,
		    r == MEDSEC_ERR_EXPIRED ?
		    "setup code expired" : "wrong or used setup code", NULL);
		return r;
	}
	if ((r = identity_password_acceptable(id, name, password, pwlen, why,
	    whylen)) != MEDSEC_OK)
		return r;
	if ((r = identity_hash_password(id, password, pwlen, hash)) !=
	    MEDSEC_OK)
		return r;
	if ((r = medsec_db_begin(id->db)) != MEDSEC_OK)
		goto out;
	/*
	 * Re-checked inside the transaction: two racing setups, one wins;
	 * and a recovery code is spent only while no usable administrator
	 * exists.
	 */
	if ((r = identity_usable_admins(id, &n)) != MEDSEC_OK || n > 0 ||
	    (r = account_count(id, &accounts)) != MEDSEC_OK ||
	    (r = spend_setup_code(id)) != MEDSEC_OK ||
	    medsec_db_changes(id->db) != 1 ||
	    (r = insert_account(id, name, "administrator", hash, NULL, 0, 0)) !=
	    MEDSEC_OK) {
		if (r == MEDSEC_OK)
			r = MEDSEC_ERR_AUTH;
		identity_rollback(id);
		goto out;
	}
	if ((r = medsec_db_commit(id->db)) != MEDSEC_OK) {
		identity_rollback(id);
		goto out;
	}
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "roles", "administrator");
	r = identity_committed_detail(id, MEDSEC_EV_USER_CREATED, name, source,
	    name, accounts > 0 ? "recovery administrator created with the "
	    "setup code (no usable administrator was left)" : "first "
	    "administrator created with the setup code", &d);
out:
	medsec_wipe(hash, sizeof(hash));
	return r;
}

/* MEDSEC_ERR_EXISTS, with the name in why, when the account exists. */
static int
name_free(struct medsec_identity *id, const char *name, char *why,
    size_t whylen)
{
	struct identity_row row;
	int r;

	r = identity_row_get(id, name, &row);
	medsec_wipe(&row, sizeof(row));
	if (r == MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK;
	if (r != MEDSEC_OK)
		return r;
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "an account named '%s' already exists",
		    name);
	return MEDSEC_ERR_EXISTS;
}

int
medsec_identity_user_add(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, const char *roles,
    int64_t expires_us, const char *password, size_t pwlen, char *why,
    size_t whylen)
{
	char hash[MEDSEC_PWHASH_STR_LEN], when[MEDSEC_RFC3339_LEN];
	struct medsec_audit_detail d;
	int r;

	if (id == NULL || password == NULL || !medsec_identity_valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = identity_admin_check(id, actor, name)) != MEDSEC_OK)
		return r;
	if (expires_us != 0 && expires_us <= medsec_clock_wall_us()) {
		if (why != NULL && whylen > 0) {
			if (medsec_time_format(expires_us, when,
			    sizeof(when)) != MEDSEC_OK)
				snprintf(when, sizeof(when), "%" PRId64 " us",
				    expires_us);
			snprintf(why, whylen, "expiry %s is not in the future: "
			    "the account would be created expired", when);
		}
		return MEDSEC_ERR_INVALID;
	}
	if (!roles_known(id, roles)) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "unknown role, or the emergency "
			    "role (break-glass only), in '%s'",
			    roles != NULL ? roles : "");
		return MEDSEC_ERR_INVALID;
	}
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	/*
	 * Named before the password is judged: adding an existing name with
	 * that account's own password would otherwise be told "used
	 * recently". The insert still refuses a name that appears meanwhile.
	 */
	if ((r = name_free(id, name, why, whylen)) != MEDSEC_OK)
		return r;
	if ((r = identity_password_acceptable(id, name, password, pwlen, why,
	    whylen)) != MEDSEC_OK)
		return r;
	if ((r = identity_hash_password(id, password, pwlen, hash)) !=
	    MEDSEC_OK)
		return r;
	/* An initial password is known to the administrator: change it. */
	r = insert_account(id, name, roles, hash, NULL, expires_us, 1);
	medsec_wipe(hash, sizeof(hash));
	if (r != MEDSEC_OK)
		return r;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "roles", roles);
	medsec_audit_detail_i64(&d, "expires_us", expires_us);
	return identity_committed_detail(id, MEDSEC_EV_USER_CREATED,
	    actor->user, actor->source, name, "account created", &d);
}

int
medsec_identity_peer_add(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name,
    const char *cert_sha256, int64_t expires_us)
{
	struct medsec_audit_detail d;
	int r;

	if (id == NULL || !medsec_identity_valid_name(name) ||
	    !identity_valid_cert(cert_sha256))
		return MEDSEC_ERR_INVALID;
	if ((r = identity_admin_check(id, actor, name)) != MEDSEC_OK)
		return r;
	if (medsec_identity_cert_check(id, cert_sha256) != MEDSEC_OK)
		return MEDSEC_ERR_DISABLED;
	if (expires_us != 0 && expires_us <= medsec_clock_wall_us())
		return MEDSEC_ERR_INVALID;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	if ((r = insert_account(id, name, "machine", NULL, cert_sha256,
	    expires_us, 0)) != MEDSEC_OK)
		return r;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "roles", "machine");
	medsec_audit_detail_str(&d, "cert_sha256", cert_sha256);
	return identity_committed_detail(id, MEDSEC_EV_USER_CREATED,
	    actor->user, actor->source, name, "machine peer added", &d);
}

/* Loads the target account after the permission check. */
static int
target(struct medsec_identity *id, const struct medsec_subject *actor,
    const char *name, struct identity_row *row)
{
	int r;

	if (id == NULL || !medsec_identity_valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = identity_admin_check(id, actor, name)) != MEDSEC_OK)
		return r;
	return identity_row_get(id, name, row);
}

/*
 * Runs one UPDATE/DELETE on `name` in a transaction, refusing it if it
 * leaves no usable administrator (guard). MEDSEC_ERR_NOT_FOUND if the
 * account vanished meanwhile.
 */
static int
change_account(struct medsec_identity *id, const char *name,
    struct medsec_db_stmt *st, int guard)
{
	int64_t before = 0;
	int r;

	if ((r = medsec_db_begin(id->db)) != MEDSEC_OK)
		return r;
	if (guard && (r = identity_usable_admins(id, &before)) != MEDSEC_OK)
		goto fail;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_DONE) {
		r = r < 0 ? r : MEDSEC_ERR_DB;
		goto fail;
	}
	if (medsec_db_changes(id->db) != 1) {
		r = MEDSEC_ERR_NOT_FOUND;
		goto fail;
	}
	if (guard && (r = identity_keep_an_admin(id, name, before, NULL, 0)) !=
	    MEDSEC_OK)
		goto fail;
	if ((r = medsec_db_commit(id->db)) != MEDSEC_OK)
		goto fail;
	return MEDSEC_OK;
fail:
	identity_rollback(id);
	return r;
}

/* change_account() for a statement whose only parameter is the name. */
static int
change_by_name(struct medsec_identity *id, const char *sql,
    const char *name, int guard)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(id->db, sql, &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, name)) == MEDSEC_OK)
		r = change_account(id, name, st, guard);
	medsec_db_finalize(st);
	return r;
}

/*
 * Taking access away (disable, expire, delete, revoke) goes ahead even
 * when the trail cannot take a record: refusing would keep a person or
 * peer in whom the administrator wants out. The record is then held and
 * the caller told (MEDSEC_ERR_AUDIT_DEGRADED). Everything that grants or
 * keeps access is refused first (identity_ready).
 */
int
medsec_identity_user_set_disabled(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, int disabled)
{
	struct identity_row row;
	int r, a;

	if ((r = target(id, actor, name, &row)) != MEDSEC_OK)
		goto out;
	if (!disabled && (r = identity_ready(id)) != MEDSEC_OK)
		goto out;
	if ((r = change_by_name(id, disabled ?
	    "UPDATE account SET disabled = 1 WHERE name = ?1" :
	    "UPDATE account SET disabled = 0 WHERE name = ?1", name,
	    disabled)) != MEDSEC_OK)
		goto out;
	a = identity_committed(id, disabled ? MEDSEC_EV_USER_DISABLED :
	    MEDSEC_EV_USER_MODIFIED, actor->user, actor->source, name,
	    disabled ? "account disabled; its sessions end" :
	    "account enabled", NULL);
	if (disabled) {
		/* 1.6: credentials stop working everywhere, at once. */
		if ((r = medsec_session_end_user(id->sessions, name,
		    MEDSEC_SESSION_END_REVOKED, actor->user, NULL)) !=
		    MEDSEC_OK)
			goto out;
		if (row.acct.cert_sha256[0] != '\0' &&
		    (r = medsec_identity_cert_revoke(id, actor,
		    row.acct.cert_sha256, name, "peer disabled")) != MEDSEC_OK)
			goto out;
	}
	r = a;
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_user_unlock(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name)
{
	struct identity_row row;
	int r;

	if ((r = target(id, actor, name, &row)) != MEDSEC_OK)
		goto out;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		goto out;
	if ((r = change_by_name(id, "UPDATE account SET failures = 0, "
	    "locked_until_us = 0 WHERE name = ?1", name, 0)) != MEDSEC_OK)
		goto out;
	r = identity_committed(id, MEDSEC_EV_ACCOUNT_UNLOCKED, actor->user,
	    actor->source, name, "unlocked by an administrator", NULL);
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_user_set_expiry(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, int64_t expires_us)
{
	struct medsec_db_stmt *st = NULL;
	struct identity_row row;
	int64_t now = medsec_clock_wall_us();
	struct medsec_audit_detail d;
	int r, a;

	if ((r = target(id, actor, name, &row)) != MEDSEC_OK)
		goto out;
	if (expires_us != 0 && expires_us < now)
		expires_us = now;
	/* Removing or moving out an expiry keeps access: needs a trail. */
	if ((expires_us == 0 || expires_us > now) &&
	    (r = identity_ready(id)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_prepare(id->db, "UPDATE account SET expires_us = ?2 "
	    "WHERE name = ?1", &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK ||
	    (r = expires_us != 0 ? medsec_db_bind_int64(st, 2, expires_us) :
	    medsec_db_bind_null(st, 2)) != MEDSEC_OK)
		goto out;
	if ((r = change_account(id, name, st, expires_us != 0)) != MEDSEC_OK)
		goto out;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_i64(&d, "expires_us", expires_us);
	a = identity_committed_detail(id, MEDSEC_EV_USER_MODIFIED, actor->user,
	    actor->source, name, "account expiry set (MFDS 1.7)", &d);
	if (expires_us != 0 && expires_us <= now &&
	    (r = medsec_session_end_user(id->sessions, name,
	    MEDSEC_SESSION_END_REVOKED, actor->user, NULL)) != MEDSEC_OK)
		goto out;
	r = a;
out:
	medsec_db_finalize(st);
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_user_delete(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name)
{
	struct identity_row row;
	int r, a;

	if ((r = target(id, actor, name, &row)) != MEDSEC_OK)
		goto out;
	if (strcmp(actor->user, name) == 0) {
		r = MEDSEC_ERR_STATE; /* never lock the device out by mistake */
		goto out;
	}
	if ((r = change_by_name(id, "DELETE FROM account WHERE name = ?1", name,
	    1)) != MEDSEC_OK)
		goto out;
	a = identity_committed(id, MEDSEC_EV_USER_DELETED, actor->user,
	    actor->source, name, "account deleted", NULL);
	if ((r = medsec_session_end_user(id->sessions, name,
	    MEDSEC_SESSION_END_REVOKED, actor->user, NULL)) != MEDSEC_OK)
		goto out;
	if (row.acct.cert_sha256[0] != '\0' &&
	    (r = medsec_identity_cert_revoke(id, actor, row.acct.cert_sha256,
	    name, "peer deleted")) != MEDSEC_OK)
		goto out;
	r = a;
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}

/* Appends or removes one name in a comma-separated list. */
static int
edit_roles(char *list, size_t listlen, const char *add, const char *remove)
{
	char in[128], out[128] = "", *p, *save = NULL;
	int have_add = 0;

	snprintf(in, sizeof(in), "%s", list);
	for (p = strtok_r(in, ", ", &save); p != NULL;
	    p = strtok_r(NULL, ", ", &save)) {
		if (remove != NULL && strcmp(p, remove) == 0)
			continue;
		if (add != NULL && strcmp(p, add) == 0)
			have_add = 1;
		if ((size_t)snprintf(out + strlen(out), sizeof(out) - strlen(out),
		    "%s%s", out[0] != '\0' ? "," : "", p) >=
		    sizeof(out) - strlen(out))
			return MEDSEC_ERR_TOO_LARGE;
	}
	if (add != NULL && !have_add &&
	    (size_t)snprintf(out + strlen(out), sizeof(out) - strlen(out),
	    "%s%s", out[0] != '\0' ? "," : "", add) >= sizeof(out) - strlen(out))
		return MEDSEC_ERR_TOO_LARGE;
	snprintf(list, listlen, "%s", out);
	return MEDSEC_OK;
}

int
medsec_identity_user_roles(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, const char *add,
    const char *remove)
{
	struct medsec_db_stmt *st = NULL;
	struct identity_row row;
	struct medsec_audit_detail d;
	char roles[128];
	int r, a;

	if ((r = target(id, actor, name, &row)) != MEDSEC_OK)
		goto out;
	if (add != NULL && (r = identity_ready(id)) != MEDSEC_OK)
		goto out;
	if (add != NULL && (medsec_roles_find(id->roles, add) == NULL ||
	    strcmp(add, "emergency") == 0)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	snprintf(roles, sizeof(roles), "%s", row.acct.roles);
	if ((r = edit_roles(roles, sizeof(roles), add, remove)) != MEDSEC_OK)
		goto out;
	if (roles[0] == '\0') {
		r = MEDSEC_ERR_STATE; /* an account keeps at least one role */
		goto out;
	}
	if ((r = medsec_db_prepare(id->db, "UPDATE account SET roles = ?2 "
	    "WHERE name = ?1", &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, roles)) != MEDSEC_OK ||
	    (r = change_account(id, name, st, remove != NULL)) != MEDSEC_OK)
		goto out;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "before", row.acct.roles);
	medsec_audit_detail_str(&d, "after", roles);
	a = identity_committed_detail(id, MEDSEC_EV_ROLE_CHANGED, actor->user,
	    actor->source, name, "roles changed", &d);
	/* A live session carries the old roles: end it. */
	if ((r = medsec_session_end_user(id->sessions, name,
	    MEDSEC_SESSION_END_REVOKED, actor->user, NULL)) != MEDSEC_OK)
		goto out;
	r = a;
out:
	medsec_db_finalize(st);
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_password_change(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, const char *old,
    size_t oldlen, const char *password, size_t pwlen, char *why,
    size_t whylen)
{
	struct medsec_account acct;
	int self, r, a;

	if (id == NULL || actor == NULL || actor->user == NULL ||
	    password == NULL || !medsec_identity_valid_name(name))
		return MEDSEC_ERR_INVALID;
	self = strcmp(actor->user, name) == 0;
	if (old != NULL) {
		/*
		 * The old password is a login attempt: counted and locked.
		 * The one thing a password that must be changed allows.
		 */
		if ((r = identity_authenticate_for_change(id, name, old, oldlen,
		    actor->source, &acct)) != MEDSEC_OK)
			return r;
	} else if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	else if ((r = identity_admin_check(id, actor, name)) != MEDSEC_OK)
		return r;
	else if ((r = medsec_identity_user_get(id, name, &acct)) != MEDSEC_OK)
		return r;
	if (acct.cert_sha256[0] != '\0')
		return MEDSEC_ERR_STATE;
	if ((r = identity_password_acceptable(id, name, password, pwlen, why,
	    whylen)) != MEDSEC_OK)
		return r;
	if ((r = identity_password_store(id, name, password, pwlen,
	    !(self && old != NULL))) != MEDSEC_OK)
		return r;
	a = identity_committed(id, MEDSEC_EV_PASSWORD_CHANGED, actor->user,
	    actor->source, name, self && old != NULL ? "changed by the user" :
	    "reset by an administrator; change at next login", NULL);
	/* Sessions opened with the old password end: log in with the new. */
	if ((r = medsec_session_end_user(id->sessions, name,
	    MEDSEC_SESSION_END_REVOKED, actor->user, NULL)) != MEDSEC_OK)
		return r;
	return a;
}
