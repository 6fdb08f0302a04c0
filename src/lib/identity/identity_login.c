/*
 * Login (MFDS 1.3 failed logins recognised and recorded, 1.4 lockout,
 * 1.7 expiry): the counters live in the database, so a restart neither
 * forgets a lock nor resets the count.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

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

/* The hash unknown users are checked against: same parameters, same cost. */
static int
dummy_hash(struct medsec_identity *id, const char **hashp)
{
	uint8_t pw[32];
	int r;

	if (!id->have_dummy) {
		if ((r = medsec_random(pw, sizeof(pw))) != MEDSEC_OK)
			return r;
		r = identity_hash_password(id, (const char *)pw, sizeof(pw),
		    id->dummy_hash);
		sodium_memzero(pw, sizeof(pw));
		if (r != MEDSEC_OK)
			return r;
		id->have_dummy = 1;
	}
	*hashp = id->dummy_hash;
	return MEDSEC_OK;
}

static const char *
safe_source(const char *source)
{
	return source != NULL && *source != '\0' &&
	    strnlen(source, 64) < 64 ? source : "local";
}

/* Whether this source is over its failure budget in the current window. */
static int
source_throttled(struct medsec_identity *id, const char *source, int64_t now)
{
	struct medsec_db_stmt *st = NULL;
	int throttled = 0;

	if (medsec_db_prepare(id->db, "SELECT failures, window_start_us FROM "
	    "source_failure WHERE source = ?1", &st) != MEDSEC_OK)
		return 1; /* cannot tell: fail closed */
	if (medsec_db_bind_text(st, 1, source) == MEDSEC_OK &&
	    medsec_db_step(st) == MEDSEC_DB_ROW)
		throttled = medsec_db_column_int64(st, 0) >=
		    id->o.source_max_failures &&
		    now - medsec_db_column_int64(st, 1) <
		    (int64_t)id->o.source_window_seconds * US_PER_S;
	medsec_db_finalize(st);
	return throttled;
}

static void
source_failed(struct medsec_identity *id, const char *source, int64_t now)
{
	struct medsec_db_stmt *st = NULL;

	/* A window that has run out starts again at this failure. */
	if (medsec_db_prepare(id->db, "INSERT INTO source_failure (source, "
	    "failures, window_start_us) VALUES (?1, 1, ?2) ON CONFLICT "
	    "(source) DO UPDATE SET failures = CASE WHEN ?2 - window_start_us "
	    ">= ?3 THEN 1 ELSE failures + 1 END, window_start_us = CASE WHEN "
	    "?2 - window_start_us >= ?3 THEN ?2 ELSE window_start_us END",
	    &st) != MEDSEC_OK)
		return;
	if (medsec_db_bind_text(st, 1, source) == MEDSEC_OK &&
	    medsec_db_bind_int64(st, 2, now) == MEDSEC_OK &&
	    medsec_db_bind_int64(st, 3,
	    (int64_t)id->o.source_window_seconds * US_PER_S) == MEDSEC_OK)
		(void)medsec_db_step(st);
	medsec_db_finalize(st);
}

/*
 * Counts a wrong password against an existing account and locks it at
 * the limit. An expired lock starts the count again.
 */
static void
account_failed(struct medsec_identity *id, const struct identity_row *row,
    const char *source, int64_t now)
{
	struct medsec_db_stmt *st = NULL;
	int64_t failures = 0, locked = 0, until;
	char details[96];

	if (medsec_db_prepare(id->db, "UPDATE account SET failures = CASE "
	    "WHEN locked_until_us > 0 AND locked_until_us <= ?2 THEN 1 ELSE "
	    "failures + 1 END, locked_until_us = CASE WHEN locked_until_us > 0 "
	    "AND locked_until_us <= ?2 THEN 0 ELSE locked_until_us END "
	    "WHERE name = ?1 RETURNING failures, locked_until_us", &st) !=
	    MEDSEC_OK)
		return;
	if (medsec_db_bind_text(st, 1, row->acct.name) == MEDSEC_OK &&
	    medsec_db_bind_int64(st, 2, now) == MEDSEC_OK &&
	    medsec_db_step(st) == MEDSEC_DB_ROW) {
		failures = medsec_db_column_int64(st, 0);
		locked = medsec_db_column_int64(st, 1);
	}
	medsec_db_finalize(st);
	if (locked != 0 || failures < id->o.max_failures)
		return;
	until = id->o.lock_seconds == 0 ? -1 :
	    now + (int64_t)id->o.lock_seconds * US_PER_S;
	if (medsec_db_prepare(id->db, "UPDATE account SET locked_until_us = ?2 "
	    "WHERE name = ?1", &st) != MEDSEC_OK)
		return;
	if (medsec_db_bind_text(st, 1, row->acct.name) == MEDSEC_OK &&
	    medsec_db_bind_int64(st, 2, until) == MEDSEC_OK)
		(void)medsec_db_step(st);
	medsec_db_finalize(st);
	snprintf(details, sizeof(details), "{\"failures\":%" PRId64
	    ",\"lock_seconds\":%u}", failures, id->o.lock_seconds);
	identity_audit(id, MEDSEC_EV_ACCOUNT_LOCKED, row->acct.name, source,
	    row->acct.name, MEDSEC_AUDIT_SUCCESS, id->o.lock_seconds == 0 ?
	    "locked until an administrator unlocks it" :
	    "locked for the configured time", details);
}

static void
login_succeeded(struct medsec_identity *id, struct identity_row *row,
    int64_t now)
{
	struct medsec_db_stmt *st = NULL;
	int64_t max_age = (int64_t)id->o.password_max_age_days * 86400 *
	    US_PER_S;

	if (max_age > 0 && now - row->acct.password_changed_us >= max_age)
		row->acct.must_change = 1;
	if (medsec_db_prepare(id->db, "UPDATE account SET failures = 0, "
	    "locked_until_us = 0, last_login_us = ?2, must_change = ?3 "
	    "WHERE name = ?1", &st) != MEDSEC_OK)
		return;
	if (medsec_db_bind_text(st, 1, row->acct.name) == MEDSEC_OK &&
	    medsec_db_bind_int64(st, 2, now) == MEDSEC_OK &&
	    medsec_db_bind_int64(st, 3, row->acct.must_change) == MEDSEC_OK)
		(void)medsec_db_step(st);
	medsec_db_finalize(st);
	row->acct.failures = 0;
	row->acct.locked_until_us = 0;
	row->acct.last_login_us = now;
	row->acct.state = MEDSEC_ACCOUNT_ACTIVE;
}

/* Whether every role of the account may log in with a password. */
static int
interactive(struct medsec_identity *id, const char *roles)
{
	char buf[128], *p, *save = NULL;
	const struct medsec_role *role;
	int any = 0;

	snprintf(buf, sizeof(buf), "%s", roles);
	for (p = strtok_r(buf, ", ", &save); p != NULL;
	    p = strtok_r(NULL, ", ", &save)) {
		if ((role = medsec_roles_find(id->roles, p)) != NULL &&
		    !role->interactive)
			return 0;
		any = 1;
	}
	return any;
}

static int
refuse(struct medsec_identity *id, const char *name, const char *source,
    const char *reason, int code)
{
	char shown[MEDSEC_USER_NAME_MAX + 8];

	identity_json_safe(shown, sizeof(shown), name);
	identity_audit(id, MEDSEC_EV_LOGIN_FAILURE, shown, source, shown,
	    MEDSEC_AUDIT_FAILURE, reason, NULL);
	return code;
}

/*
 * The shared core: *rowp is the account on success. audit_success says
 * whether to record LOGIN_SUCCESS here (login records it with the
 * session id instead).
 */
static int
authenticate(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    struct identity_row *row, int audit_success)
{
	const char *hash = NULL;
	int64_t now = medsec_clock_wall_us();
	int exists, ok, r;

	source = safe_source(source);
	if (password == NULL)
		return MEDSEC_ERR_INVALID;
	if (source_throttled(id, source, now)) {
		identity_audit(id, MEDSEC_EV_THROTTLED, "-", source, "login",
		    MEDSEC_AUDIT_FAILURE, "too many failed logins from this "
		    "source", NULL);
		return MEDSEC_ERR_THROTTLED;
	}
	r = identity_row_get(id, name, row);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		return r;
	exists = r == MEDSEC_OK;
	if (exists && row->has_password)
		hash = row->pwhash;
	else if ((r = dummy_hash(id, &hash)) != MEDSEC_OK)
		return r;
	ok = pwlen <= MEDSEC_PASSWORD_MAX &&
	    medsec_pwhash_str_verify(hash, password, pwlen) == MEDSEC_OK;
	if (!exists || !row->has_password || !ok) {
		/*
		 * One transaction (one sync) whether or not the account
		 * exists, so the reply's timing does not tell them apart.
		 */
		int txn = medsec_db_begin(id->db) == MEDSEC_OK;

		source_failed(id, source, now);
		if (exists && row->has_password)
			account_failed(id, row, source, now);
		if (txn && medsec_db_commit(id->db) != MEDSEC_OK)
			(void)medsec_db_rollback(id->db);
		return refuse(id, name, source, !exists ? "unknown user" :
		    !row->has_password ? "machine account has no password" :
		    "wrong password", MEDSEC_ERR_LOGIN_FAILED);
	}
	switch (row->acct.state) {
	case MEDSEC_ACCOUNT_DISABLED:
		return refuse(id, name, source, "account disabled",
		    MEDSEC_ERR_DISABLED);
	case MEDSEC_ACCOUNT_LOCKED:
		return refuse(id, name, source, "account locked",
		    MEDSEC_ERR_LOCKED);
	case MEDSEC_ACCOUNT_EXPIRED:
		return refuse(id, name, source, "account expired (MFDS 1.7)",
		    MEDSEC_ERR_EXPIRED);
	default:
		break;
	}
	if (!interactive(id, row->acct.roles))
		return refuse(id, name, source,
		    "machine role cannot log in interactively",
		    MEDSEC_ERR_DENIED);
	login_succeeded(id, row, now);
	if (audit_success)
		identity_audit(id, MEDSEC_EV_LOGIN_SUCCESS, name, source, name,
		    MEDSEC_AUDIT_SUCCESS, "authenticated", NULL);
	return MEDSEC_OK;
}

int
medsec_identity_authenticate(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    struct medsec_account *acct)
{
	struct identity_row row;
	int r;

	if (id == NULL)
		return MEDSEC_ERR_INVALID;
	r = authenticate(id, name, password, pwlen, source, &row, 1);
	if (r == MEDSEC_OK && acct != NULL)
		*acct = row.acct;
	sodium_memzero(&row, sizeof(row));
	return r;
}

/* The strictest one-session policy among the account's roles. */
static int
session_policy(struct medsec_identity *id, const char *roles)
{
	char buf[128], *p, *save = NULL;
	const struct medsec_role *role;

	snprintf(buf, sizeof(buf), "%s", roles);
	for (p = strtok_r(buf, ", ", &save); p != NULL;
	    p = strtok_r(NULL, ", ", &save))
		if ((role = medsec_roles_find(id->roles, p)) != NULL &&
		    role->session_policy == MEDSEC_SESSION_REFUSE)
			return MEDSEC_SESSION_REFUSE;
	return MEDSEC_SESSION_REPLACE;
}

int
medsec_identity_login(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    char token[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info)
{
	struct medsec_session_info si;
	struct identity_row row;
	char details[96];
	int r;

	if (id == NULL || token == NULL)
		return MEDSEC_ERR_INVALID;
	source = safe_source(source);
	if ((r = authenticate(id, name, password, pwlen, source, &row, 0)) !=
	    MEDSEC_OK)
		goto out;
	r = medsec_session_begin(id->sessions, row.acct.name, row.acct.roles,
	    session_policy(id, row.acct.roles), source, row.acct.must_change ?
	    MEDSEC_SESSION_FLAG_MUST_CHANGE : 0, token, &si);
	if (r == MEDSEC_ERR_SESSION_ACTIVE) {
		refuse(id, name, source, "another session is active and the "
		    "role's policy is refuse (MFDS 1.2)", r);
		goto out;
	}
	if (r != MEDSEC_OK)
		goto out;
	snprintf(details, sizeof(details), "{\"session\":\"%s\","
	    "\"must_change_password\":%s}", si.id,
	    row.acct.must_change ? "true" : "false");
	identity_audit(id, MEDSEC_EV_LOGIN_SUCCESS, row.acct.name, source,
	    row.acct.name, MEDSEC_AUDIT_SUCCESS, "session started", details);
	if (info != NULL)
		*info = si;
out:
	sodium_memzero(&row, sizeof(row));
	return r;
}

int
medsec_identity_session_subject(struct medsec_identity *id,
    const char *token, struct medsec_session_info *info,
    struct medsec_subject *who)
{
	int r;

	if (id == NULL || info == NULL || who == NULL)
		return MEDSEC_ERR_INVALID;
	memset(who, 0, sizeof(*who));
	if ((r = medsec_session_check(id->sessions, token, info)) !=
	    MEDSEC_OK)
		return r;
	/* Nothing but a password change until the password is changed. */
	if (info->must_change)
		return MEDSEC_ERR_STATE;
	who->user = info->user;
	who->source = info->source;
	who->roles = info->roles;
	return MEDSEC_OK;
}

int
medsec_identity_reauth(struct medsec_identity *id, const char *token,
    const char *password, size_t pwlen, const char *source)
{
	struct medsec_session_info info;
	struct identity_row row;
	const char *hash;
	int r;

	if (id == NULL || password == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_session_check(id->sessions, token, &info)) !=
	    MEDSEC_OK)
		return r;
	if (info.emergency)
		return MEDSEC_ERR_DENIED;
	if ((r = identity_row_get(id, info.user, &row)) != MEDSEC_OK)
		return r == MEDSEC_ERR_NOT_FOUND ? MEDSEC_ERR_DISABLED : r;
	hash = row.has_password ? row.pwhash : NULL;
	if (hash == NULL || pwlen > MEDSEC_PASSWORD_MAX ||
	    medsec_pwhash_str_verify(hash, password, pwlen) != MEDSEC_OK) {
		identity_audit(id, MEDSEC_EV_REAUTH_FAILURE, info.user,
		    safe_source(source), info.user, MEDSEC_AUDIT_FAILURE,
		    "wrong password on re-authentication", NULL);
		source_failed(id, safe_source(source), medsec_clock_wall_us());
		account_failed(id, &row, safe_source(source),
		    medsec_clock_wall_us());
		r = MEDSEC_ERR_AUTH;
		goto out;
	}
	r = medsec_session_mark_reauth(id->sessions, token);
out:
	sodium_memzero(&row, sizeof(row));
	return r;
}

int
medsec_identity_require_fresh(struct medsec_identity *id, const char *token)
{
	if (id == NULL)
		return MEDSEC_ERR_INVALID;
	return medsec_session_reauth_fresh(id->sessions, token);
}

static int
valid_sha256_hex(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, MEDSEC_CERT_SHA256_LEN) !=
	    MEDSEC_CERT_SHA256_LEN - 1)
		return 0;
	for (i = 0; i < MEDSEC_CERT_SHA256_LEN - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
identity_valid_cert(const char *s)
{
	return valid_sha256_hex(s);
}

int
medsec_identity_peer_authenticate(struct medsec_identity *id,
    const char *cert_sha256, const char *source, struct medsec_account *acct)
{
	struct medsec_db_stmt *st = NULL;
	char name[MEDSEC_USER_NAME_MAX] = "";
	struct identity_row row;
	int r;

	if (id == NULL || !valid_sha256_hex(cert_sha256))
		return MEDSEC_ERR_INVALID;
	source = safe_source(source);
	if (medsec_identity_cert_check(id, cert_sha256) != MEDSEC_OK) {
		identity_audit(id, MEDSEC_EV_PEER_REFUSED, cert_sha256, source,
		    cert_sha256, MEDSEC_AUDIT_FAILURE, "certificate revoked",
		    NULL);
		return MEDSEC_ERR_DISABLED;
	}
	if ((r = medsec_db_prepare(id->db, "SELECT name FROM account WHERE "
	    "cert_sha256 = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, cert_sha256)) == MEDSEC_OK &&
	    (r = medsec_db_step(st)) == MEDSEC_DB_ROW)
		snprintf(name, sizeof(name), "%s",
		    medsec_db_column_text(st, 0));
	medsec_db_finalize(st);
	if (name[0] == '\0' || identity_row_get(id, name, &row) != MEDSEC_OK) {
		identity_audit(id, MEDSEC_EV_PEER_REFUSED, cert_sha256, source,
		    cert_sha256, MEDSEC_AUDIT_FAILURE, "unknown peer", NULL);
		return MEDSEC_ERR_LOGIN_FAILED;
	}
	if (row.acct.state != MEDSEC_ACCOUNT_ACTIVE) {
		identity_audit(id, MEDSEC_EV_PEER_REFUSED, name, source, name,
		    MEDSEC_AUDIT_FAILURE,
		    medsec_account_state_name(row.acct.state), NULL);
		r = row.acct.state == MEDSEC_ACCOUNT_EXPIRED ?
		    MEDSEC_ERR_EXPIRED : MEDSEC_ERR_DISABLED;
		goto out;
	}
	if (acct != NULL)
		*acct = row.acct;
	r = MEDSEC_OK;
out:
	sodium_memzero(&row, sizeof(row));
	return r;
}
