/*
 * Login (MFDS 1.3 failed logins recognised and recorded, 1.4 lockout,
 * 1.7 expiry): the counters live in the database, so a restart neither
 * forgets a lock nor resets the count. The attempt is begun and verified
 * in identity_attempt.c; every rule is applied here, at finish, once for
 * login, authentication, the password change and re-authentication.
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
#include "core/logf.h"
#include "identity/identity_int.h"

#define AUTH_AUDIT_SUCCESS 0x1	/* record LOGIN_SUCCESS here */
#define AUTH_ALLOW_MUST_CHANGE 0x2 /* the password change itself */

/*
 * A lock "until an administrator unlocks it" would be for ever on the last
 * administrator (nobody is left to unlock it): that one lasts this long.
 */
#define LAST_ADMIN_LOCK_SECONDS 900

/* What a failed attempt committed, for the record written after it. */
struct failure_outcome {
	int64_t failures;
	int64_t locked_until_us;
	int newly_locked;
	int last_admin;
};

/* 1 if this source is over its failure budget in the current window. */
static int
source_throttled(struct medsec_identity *id, const char *source, int64_t now)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(id->db, "SELECT failures, window_start_us "
	    "FROM source_failure WHERE source = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, source)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) == MEDSEC_DB_ROW)
		r = medsec_db_column_int64(st, 0) >=
		    id->o.source_max_failures &&
		    now - medsec_db_column_int64(st, 1) <
		    (int64_t)id->o.source_window_seconds * US_PER_S;
	else if (r == MEDSEC_DB_DONE)
		r = 0;
out:
	medsec_db_finalize(st);
	return r;
}

static int
source_failed(struct medsec_identity *id, const char *source, int64_t now)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	/* A window that has run out starts again at this failure. */
	if ((r = medsec_db_prepare(id->db, "INSERT INTO source_failure "
	    "(source, failures, window_start_us) VALUES (?1, 1, ?2) ON "
	    "CONFLICT (source) DO UPDATE SET failures = CASE WHEN ?2 - "
	    "window_start_us >= ?3 THEN 1 ELSE failures + 1 END, "
	    "window_start_us = CASE WHEN ?2 - window_start_us >= ?3 THEN ?2 "
	    "ELSE window_start_us END", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, source)) == MEDSEC_OK &&
	    (r = medsec_db_bind_int64(st, 2, now)) == MEDSEC_OK &&
	    (r = medsec_db_bind_int64(st, 3,
	    (int64_t)id->o.source_window_seconds * US_PER_S)) == MEDSEC_OK)
		r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
		    MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}

/*
 * Counts a wrong password against an account and locks it at the limit,
 * inside the caller's transaction. An expired lock starts the count
 * again. The values are read and written in the transaction, so *fo is
 * exactly what the commit will make durable.
 */
static int
account_failed(struct medsec_identity *id, const char *name, int64_t now,
    struct failure_outcome *fo)
{
	struct medsec_db_stmt *st = NULL;
	int64_t failures, locked;
	int r;

	if ((r = medsec_db_prepare(id->db, "SELECT failures, locked_until_us "
	    "FROM account WHERE name = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK ||
	    (r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		medsec_db_finalize(st);
		/* Deleted since it was read: nothing left to count. */
		return r == MEDSEC_DB_DONE ? MEDSEC_OK : r < 0 ? r :
		    MEDSEC_ERR_DB;
	}
	failures = medsec_db_column_int64(st, 0);
	locked = medsec_db_column_int64(st, 1);
	medsec_db_finalize(st);
	st = NULL;
	if (locked > 0 && locked <= now)
		failures = locked = 0;
	failures++;
	if (locked == 0 && failures >= id->o.max_failures) {
		fo->newly_locked = 1;
		if (id->o.lock_seconds != 0)
			locked = now + (int64_t)id->o.lock_seconds * US_PER_S;
		else if ((fo->last_admin = identity_is_last_admin(id,
		    name)) != 0)
			locked = now + LAST_ADMIN_LOCK_SECONDS * US_PER_S;
		else
			locked = -1;
	}
	if ((r = medsec_db_prepare(id->db, "UPDATE account SET failures = ?2, "
	    "locked_until_us = ?3 WHERE name = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, name)) == MEDSEC_OK &&
	    (r = medsec_db_bind_int64(st, 2, failures)) == MEDSEC_OK &&
	    (r = medsec_db_bind_int64(st, 3, locked)) == MEDSEC_OK)
		r = medsec_db_step(st) == MEDSEC_DB_DONE &&
		    medsec_db_changes(id->db) == 1 ? MEDSEC_OK : MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	if (r == MEDSEC_OK) {
		fo->failures = failures;
		fo->locked_until_us = locked;
	}
	return r;
}

/*
 * A failed attempt, in the transaction finish opened: the source's count
 * and, when name is an account with a password, its count and lock, then
 * the commit. A write that fails rolls all of it back and is returned:
 * the login is then refused with that error, never answered as if the
 * failure had been counted.
 */
static int
record_failure(struct medsec_identity *id, const char *name,
    const char *source, int64_t now, struct failure_outcome *fo)
{
	int r;

	memset(fo, 0, sizeof(*fo));
	if ((r = source_failed(id, source, now)) != MEDSEC_OK ||
	    (name != NULL && (r = account_failed(id, name, now, fo)) !=
	    MEDSEC_OK) ||
	    (r = medsec_db_commit(id->db)) != MEDSEC_OK) {
		identity_rollback(id);
		memset(fo, 0, sizeof(*fo));
		return r;
	}
	return MEDSEC_OK;
}

/*
 * Records a lock once it is committed. The login it ends is refused
 * whatever happens here; a record that cannot be made durable is held
 * and the trail flagged degraded (identity_audit), and the caller is
 * told (the refusal then carries MEDSEC_ERR_AUDIT_DEGRADED).
 */
static int
audit_lock(struct medsec_identity *id, const char *name, const char *source,
    const struct failure_outcome *fo)
{
	struct medsec_audit_detail d;
	const char *details;
	int r, a;

	if (!fo->newly_locked)
		return MEDSEC_OK;
	medsec_log(MEDSEC_LOG_NOTICE, "identity", "account %s locked after "
	    "%" PRId64 " failed logins (last from %s)", name, fo->failures,
	    source);
	medsec_audit_detail_init(&d);
	medsec_audit_detail_i64(&d, "failures", fo->failures);
	medsec_audit_detail_i64(&d, "locked_until_us", fo->locked_until_us);
	/* The lock is committed: its record goes in whatever d holds. */
	r = medsec_audit_detail_end(&d, &details);
	a = identity_audit(id, MEDSEC_EV_ACCOUNT_LOCKED, name, source, name,
	    MEDSEC_AUDIT_SUCCESS, fo->last_admin ? "locked for 15 minutes: "
	    "the last administrator is never locked until unlocked" :
	    fo->locked_until_us == -1 ?
	    "locked until an administrator unlocks it" :
	    "locked for the configured time", details);
	return r != MEDSEC_OK ? r : a;
}

/*
 * A correct password: the failure count starts again. complete says
 * whether this is a login (last_login_us moves) or only a password
 * check that is refused for a pending change.
 */
static int
login_succeeded(struct medsec_identity *id, struct identity_row *row,
    int64_t now, int complete)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(id->db, "UPDATE account SET failures = 0, "
	    "locked_until_us = 0, must_change = ?3, last_login_us = "
	    "coalesce(?2, last_login_us) WHERE name = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, row->acct.name)) == MEDSEC_OK &&
	    (r = complete ? medsec_db_bind_int64(st, 2, now) :
	    medsec_db_bind_null(st, 2)) == MEDSEC_OK &&
	    (r = medsec_db_bind_int64(st, 3, row->acct.must_change)) ==
	    MEDSEC_OK)
		r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
		    MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	if (r != MEDSEC_OK)
		return r;
	row->acct.failures = 0;
	row->acct.locked_until_us = 0;
	if (complete)
		row->acct.last_login_us = now;
	row->acct.state = MEDSEC_ACCOUNT_ACTIVE;
	return MEDSEC_OK;
}

/*
 * Records a refused login and returns code, or MEDSEC_ERR_AUDIT_DEGRADED
 * (still a refusal) when the record, or an earlier one of this attempt
 * (prior), could not be made durable: a failed write is an error the
 * caller sees, never an ordinary answer.
 */
static int
refuse_prior(struct medsec_identity *id, const char *name,
    const char *source, const char *reason, int code, int prior)
{
	char shown[MEDSEC_USER_NAME_MAX + 8];
	int r;

	identity_json_safe(shown, sizeof(shown), name);
	r = identity_audit(id, MEDSEC_EV_LOGIN_FAILURE, shown, source, shown,
	    MEDSEC_AUDIT_FAILURE, reason, NULL);
	return r == MEDSEC_OK && prior == MEDSEC_OK ? code :
	    MEDSEC_ERR_AUDIT_DEGRADED;
}

static int
refuse(struct medsec_identity *id, const char *name, const char *source,
    const char *reason, int code)
{
	return refuse_prior(id, name, source, reason, code, MEDSEC_OK);
}

static int
refuse_throttled(struct medsec_identity *id, const char *name,
    const char *source, int prior)
{
	char shown[MEDSEC_USER_NAME_MAX + 8];
	int r;

	identity_json_safe(shown, sizeof(shown), name);
	r = identity_audit(id, MEDSEC_EV_THROTTLED, shown, source, "login",
	    MEDSEC_AUDIT_FAILURE, "too many failed logins from this source",
	    NULL);
	return r == MEDSEC_OK && prior == MEDSEC_OK ? MEDSEC_ERR_THROTTLED :
	    MEDSEC_ERR_AUDIT_DEGRADED;
}

/*
 * Takes an attempt for finish: begun on this handle for this kind of
 * finish, verified, and not finished before (a matched attempt finished
 * twice would be two logins for one password). Its Argon2id run is
 * counted on the handle here, on the handle's thread.
 */
static int
attempt_claim(struct medsec_identity *id, struct medsec_login_attempt *a,
    int kind)
{
	if (a->id != id || a->kind != kind || a->finished)
		return MEDSEC_ERR_INVALID;
	a->finished = 1;
	id->pwhash_runs += a->pwhash_runs;
	return a->verified ? MEDSEC_OK : MEDSEC_ERR_INVALID;
}

/*
 * Inside finish's transaction: the account as it is now, and whether the
 * password verified is its password now. State is never carried over
 * from begin: a lock, a disable or a password change committed since
 * (by another attempt's finish, another process, an administrator) is
 * what counts.
 */
static int
reread(struct medsec_identity *id, const struct medsec_login_attempt *a,
    struct identity_row *row, int *foundp, int *okp)
{
	int r;

	memset(row, 0, sizeof(*row));
	*foundp = *okp = 0;
	r = identity_row_get(id, a->name, row);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		return r;
	*foundp = r == MEDSEC_OK;
	*okp = a->match && a->real && *foundp && row->has_password &&
	    medsec_ct_equal(row->pwhash, a->hash, sizeof(a->hash)) == 0;
	return MEDSEC_OK;
}

/*
 * A failed password check: counted, then refused. A count that cannot
 * be written refuses the login with the storage error.
 */
static int
failed_attempt(struct medsec_identity *id, const struct medsec_login_attempt *a,
    const struct identity_row *row, int found, int64_t now)
{
	struct failure_outcome fo;
	int counted = found && row->has_password;
	int r;

	r = record_failure(id, counted ? row->acct.name : NULL, a->source, now,
	    &fo);
	if (r != MEDSEC_OK)
		return refuse(id, a->shown, a->source, "login failed and the "
		    "failure could not be recorded", r);
	return refuse_prior(id, a->shown, a->source, !found ? "unknown user" :
	    !row->has_password ? "machine account has no password" :
	    "wrong password", MEDSEC_ERR_LOGIN_FAILED, counted ?
	    audit_lock(id, row->acct.name, a->source, &fo) : MEDSEC_OK);
}

/*
 * The source throttle (finding: one throttle for every local user). A
 * source over its budget is refused, except for an account whose own
 * record is clean (no failure since its last login) given its correct
 * password: guessing names from one source must not lock out the
 * administrator. Every throttled attempt still costs one Argon2id run and
 * one counted transaction, and gets the same answer whether the name
 * exists or not, so the throttle tells nothing about accounts.
 */
static int
throttled_attempt(struct medsec_identity *id,
    const struct medsec_login_attempt *a, const struct identity_row *row,
    int found, int ok, int64_t now)
{
	struct failure_outcome fo;
	int counted = found && row->has_password && !ok;
	int r;

	r = record_failure(id, counted ? row->acct.name : NULL, a->source, now,
	    &fo);
	if (r != MEDSEC_OK)
		return refuse(id, a->shown, a->source, "login throttled and "
		    "the attempt could not be recorded", r);
	return refuse_throttled(id, a->shown, a->source, counted ?
	    audit_lock(id, row->acct.name, a->source, &fo) : MEDSEC_OK);
}

/*
 * After a correct password, what still refuses the login: the account's
 * state and its roles, named only to someone who proved the password.
 * MEDSEC_OK, or the refusal's code with *reasonp for its record.
 */
static int
account_refusal(struct medsec_identity *id, const struct identity_row *row,
    const char **reasonp)
{
	switch (row->acct.state) {
	case MEDSEC_ACCOUNT_DISABLED:
		*reasonp = "account disabled";
		return MEDSEC_ERR_DISABLED;
	case MEDSEC_ACCOUNT_LOCKED:
		*reasonp = "account locked";
		return MEDSEC_ERR_LOCKED;
	case MEDSEC_ACCOUNT_EXPIRED:
		*reasonp = "account expired (MFDS 1.7)";
		return MEDSEC_ERR_EXPIRED;
	default:
		break;
	}
	if (!identity_interactive(id, row->acct.roles)) {
		*reasonp = "machine role cannot log in interactively";
		return MEDSEC_ERR_DENIED;
	}
	return MEDSEC_OK;
}

/*
 * The one place the login rules are applied: *row is the account on
 * success. One transaction (BEGIN IMMEDIATE, so no other writer can move
 * between the reading and the writing) holds the re-read of the account
 * and the source, and the failure count and lock, or the success
 * bookkeeping; every record is written after it commits.
 */
static int
finish_login(struct medsec_identity *id, struct medsec_login_attempt *a,
    struct identity_row *row, int flags)
{
	int64_t now = medsec_clock_wall_us();
	int64_t max_age = (int64_t)id->o.password_max_age_days * 86400 *
	    US_PER_S;
	const char *reason;
	int found, ok, throttled, code, r;

	memset(row, 0, sizeof(*row));
	if ((r = attempt_claim(id, a, IDENTITY_ATTEMPT_LOGIN)) != MEDSEC_OK)
		return r;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_begin(id->db)) != MEDSEC_OK)
		return a->match ? r : refuse(id, a->shown, a->source, "login "
		    "failed and the failure could not be recorded", r);
	if ((throttled = source_throttled(id, a->source, now)) < 0) {
		r = throttled;
		goto fail;
	}
	if ((r = reread(id, a, row, &found, &ok)) != MEDSEC_OK)
		goto fail;
	if (throttled && !(ok && row->acct.failures == 0))
		return throttled_attempt(id, a, row, found, ok, now);
	if (!ok)
		return failed_attempt(id, a, row, found, now);
	if ((code = account_refusal(id, row, &reason)) != MEDSEC_OK) {
		identity_rollback(id); /* nothing was written */
		return refuse(id, a->shown, a->source, reason, code);
	}
	if (max_age > 0 && now - row->acct.password_changed_us >= max_age)
		row->acct.must_change = 1;
	/* An initial or aged password opens nothing but its own change. */
	if (row->acct.must_change && !(flags & AUTH_ALLOW_MUST_CHANGE)) {
		if ((r = login_succeeded(id, row, now, 0)) != MEDSEC_OK ||
		    (r = medsec_db_commit(id->db)) != MEDSEC_OK)
			goto fail;
		return refuse(id, a->shown, a->source, "the password must be "
		    "changed before anything else", MEDSEC_ERR_STATE);
	}
	if ((r = login_succeeded(id, row, now, 1)) != MEDSEC_OK ||
	    (r = medsec_db_commit(id->db)) != MEDSEC_OK)
		goto fail;
	if ((flags & AUTH_AUDIT_SUCCESS) &&
	    (r = identity_audit(id, MEDSEC_EV_LOGIN_SUCCESS, row->acct.name,
	    a->source, row->acct.name, MEDSEC_AUDIT_SUCCESS, "authenticated",
	    NULL)) != MEDSEC_OK)
		return r; /* an access nobody can review is not granted */
	return MEDSEC_OK;
fail:
	identity_rollback(id);
	return r;
}

static int
authenticate_finish(struct medsec_identity *id,
    struct medsec_login_attempt *a, struct medsec_account *acct, int flags)
{
	struct identity_row row;
	int r;

	if (id == NULL || a == NULL)
		return MEDSEC_ERR_INVALID;
	r = finish_login(id, a, &row, flags);
	if (r == MEDSEC_OK && acct != NULL)
		*acct = row.acct;
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_authenticate_finish(struct medsec_identity *id,
    struct medsec_login_attempt *a, struct medsec_account *acct)
{
	return authenticate_finish(id, a, acct, AUTH_AUDIT_SUCCESS);
}

/*
 * begin and verify for the one-call forms. A verify that ran is
 * finished whatever it found; only a NULL password stops here, before
 * anything is counted (as finish refuses an unverified attempt).
 */
static int
attempt_start(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    struct medsec_login_attempt **ap)
{
	int r;

	*ap = NULL;
	if (id == NULL || password == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_identity_login_begin(id, name, source, ap)) !=
	    MEDSEC_OK)
		return r;
	return medsec_login_attempt_verify(*ap, password, pwlen);
}

static int
authenticate_once(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    struct medsec_account *acct, int flags)
{
	struct medsec_login_attempt *a = NULL;
	int r;

	if ((r = attempt_start(id, name, password, pwlen, source, &a)) ==
	    MEDSEC_OK)
		r = authenticate_finish(id, a, acct, flags);
	medsec_login_attempt_free(a);
	return r;
}

int
identity_authenticate_for_change(struct medsec_identity *id,
    const char *name, const char *password, size_t pwlen, const char *source,
    struct medsec_account *acct)
{
	return authenticate_once(id, name, password, pwlen, source, acct,
	    AUTH_AUDIT_SUCCESS | AUTH_ALLOW_MUST_CHANGE);
}

int
medsec_identity_authenticate(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    struct medsec_account *acct)
{
	return authenticate_once(id, name, password, pwlen, source, acct,
	    AUTH_AUDIT_SUCCESS);
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
medsec_identity_login_finish(struct medsec_identity *id,
    struct medsec_login_attempt *a, char token[MEDSEC_TOKEN_TEXT_LEN],
    struct medsec_session_info *info)
{
	struct medsec_session_info si;
	struct identity_row row;
	struct medsec_audit_detail d;
	const char *details;
	int r;

	memset(&row, 0, sizeof(row));
	if (id == NULL || a == NULL || token == NULL)
		return MEDSEC_ERR_INVALID;
	/* No session at all for a password that must be changed first. */
	if ((r = finish_login(id, a, &row, 0)) != MEDSEC_OK)
		goto out;
	r = medsec_session_begin(id->sessions, row.acct.name, row.acct.roles,
	    session_policy(id, row.acct.roles), a->source, 0, token, &si);
	if (r == MEDSEC_ERR_SESSION_ACTIVE) {
		r = refuse(id, a->shown, a->source, "another session is active "
		    "and the role's policy is refuse (MFDS 1.2)", r);
		goto out;
	}
	if (r != MEDSEC_OK)
		goto out;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "session", si.id);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK ||
	    (r = identity_audit(id, MEDSEC_EV_LOGIN_SUCCESS, row.acct.name,
	    a->source, row.acct.name, MEDSEC_AUDIT_SUCCESS, "session started",
	    details)) != MEDSEC_OK) {
		/*
		 * A session nobody can review is not handed out: end it. Its
		 * end is held with the start for the degraded trail; should
		 * ending fail too, the token is wiped below and never shown.
		 */
		(void)medsec_session_logout(id->sessions, token);
		medsec_wipe(token, MEDSEC_TOKEN_TEXT_LEN);
		goto out;
	}
	if (info != NULL)
		*info = si;
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_login(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    char token[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info)
{
	struct medsec_login_attempt *a = NULL;
	int r;

	if (token == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = attempt_start(id, name, password, pwlen, source, &a)) ==
	    MEDSEC_OK)
		r = medsec_identity_login_finish(id, a, token, info);
	medsec_login_attempt_free(a);
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

/*
 * A wrong password on re-authentication counts as a failed login, in the
 * transaction finish opened.
 */
static int
reauth_failed(struct medsec_identity *id,
    const struct medsec_login_attempt *a, const struct identity_row *row,
    int64_t now)
{
	struct failure_outcome fo;
	int r, c;

	r = record_failure(id, row->has_password ? row->acct.name : NULL,
	    a->source, now, &fo);
	c = identity_audit(id, MEDSEC_EV_REAUTH_FAILURE, a->shown, a->source,
	    a->shown, MEDSEC_AUDIT_FAILURE, r == MEDSEC_OK ?
	    "wrong password on re-authentication" : "wrong password on "
	    "re-authentication; the failure could not be recorded", NULL);
	if (r != MEDSEC_OK)
		return r;
	if (audit_lock(id, row->acct.name, a->source, &fo) != MEDSEC_OK ||
	    c != MEDSEC_OK)
		return MEDSEC_ERR_AUDIT_DEGRADED; /* refused, not recorded */
	return MEDSEC_ERR_AUTH;
}

/* The re-authentication rules, in one transaction as finish_login(). */
static int
finish_reauth(struct medsec_identity *id, struct medsec_login_attempt *a)
{
	struct identity_row row;
	int found, ok, r;

	if ((r = attempt_claim(id, a, IDENTITY_ATTEMPT_REAUTH)) != MEDSEC_OK)
		return r;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_begin(id->db)) != MEDSEC_OK) {
		if (!a->match)
			(void)identity_audit(id, MEDSEC_EV_REAUTH_FAILURE,
			    a->shown, a->source, a->shown,
			    MEDSEC_AUDIT_FAILURE, "re-authentication failed "
			    "and the failure could not be recorded", NULL);
		return r; /* refused either way; the error says why */
	}
	if ((r = reread(id, a, &row, &found, &ok)) != MEDSEC_OK)
		goto fail;
	if (!found) {
		r = MEDSEC_ERR_DISABLED; /* deleted since begin */
		goto fail;
	}
	if (!ok) {
		r = reauth_failed(id, a, &row, medsec_clock_wall_us());
		goto out;
	}
	if (row.acct.state != MEDSEC_ACCOUNT_ACTIVE) {
		r = row.acct.state == MEDSEC_ACCOUNT_LOCKED ?
		    MEDSEC_ERR_LOCKED :
		    row.acct.state == MEDSEC_ACCOUNT_EXPIRED ?
		    MEDSEC_ERR_EXPIRED : MEDSEC_ERR_DISABLED;
		goto fail;
	}
	/* Nothing was written: the transaction only held the account still. */
	identity_rollback(id);
	r = MEDSEC_OK;
	goto out;
fail:
	identity_rollback(id);
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_reauth_finish(struct medsec_identity *id,
    struct medsec_login_attempt *a, char newtoken[MEDSEC_TOKEN_TEXT_LEN],
    struct medsec_session_info *info)
{
	struct medsec_session_info si;
	struct medsec_audit_detail d;
	const char *details;
	int r;

	if (id == NULL || a == NULL || newtoken == NULL)
		return MEDSEC_ERR_INVALID;
	memset(newtoken, 0, MEDSEC_TOKEN_TEXT_LEN);
	if ((r = finish_reauth(id, a)) != MEDSEC_OK)
		return r;
	/* A fresh proof of identity gets a fresh token (catalog D2). */
	if ((r = medsec_session_rotate(id->sessions, a->token, newtoken,
	    &si)) != MEDSEC_OK)
		return r;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "session", si.id);
	medsec_audit_detail_str(&d, "previous_session", a->session.id);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK ||
	    (r = identity_audit(id, MEDSEC_EV_LOGIN_SUCCESS, a->name,
	    a->source, a->name, MEDSEC_AUDIT_SUCCESS, "re-authenticated; "
	    "the session has a new token", details)) != MEDSEC_OK) {
		/* As in login: an unrecorded session is ended. */
		(void)medsec_session_logout(id->sessions, newtoken);
		medsec_wipe(newtoken, MEDSEC_TOKEN_TEXT_LEN);
		return r;
	}
	if (info != NULL)
		*info = si;
	return MEDSEC_OK;
}

int
medsec_identity_reauth(struct medsec_identity *id, const char *token,
    const char *password, size_t pwlen, const char *source,
    char newtoken[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info)
{
	struct medsec_login_attempt *a = NULL;
	int r;

	if (id == NULL || password == NULL || newtoken == NULL)
		return MEDSEC_ERR_INVALID;
	memset(newtoken, 0, MEDSEC_TOKEN_TEXT_LEN);
	if ((r = medsec_identity_reauth_begin(id, token, source, &a)) ==
	    MEDSEC_OK &&
	    (r = medsec_login_attempt_verify(a, password, pwlen)) == MEDSEC_OK)
		r = medsec_identity_reauth_finish(id, a, newtoken, info);
	medsec_login_attempt_free(a);
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
	source = identity_safe_source(source);
	/*
	 * Nothing here changes state; each refusal stands whether or not
	 * its record is durable (held for a degraded trail), hence (void).
	 */
	if (medsec_identity_cert_check(id, cert_sha256) != MEDSEC_OK) {
		(void)identity_audit(id, MEDSEC_EV_PEER_REFUSED, cert_sha256,
		    source, cert_sha256, MEDSEC_AUDIT_FAILURE,
		    "certificate revoked", NULL);
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
		(void)identity_audit(id, MEDSEC_EV_PEER_REFUSED, cert_sha256,
		    source, cert_sha256, MEDSEC_AUDIT_FAILURE, "unknown peer",
		    NULL);
		return MEDSEC_ERR_LOGIN_FAILED;
	}
	if (row.acct.state != MEDSEC_ACCOUNT_ACTIVE) {
		(void)identity_audit(id, MEDSEC_EV_PEER_REFUSED, name, source,
		    name, MEDSEC_AUDIT_FAILURE,
		    medsec_account_state_name(row.acct.state), NULL);
		r = row.acct.state == MEDSEC_ACCOUNT_EXPIRED ?
		    MEDSEC_ERR_EXPIRED : MEDSEC_ERR_DISABLED;
		goto out;
	}
	if (acct != NULL)
		*acct = row.acct;
	r = MEDSEC_OK;
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}
