/*
 * medsec identity: accounts, passwords, login and lockout, the first
 * administrator, emergency access and peer revocation (MFDS 1.1-1.11).
 *
 * - No default credentials (1.10): a new device has no accounts. A
 *   one-time setup code (shown once, stored as SHA-256, expiring) creates
 *   the first administrator and then stops working.
 * - Passwords (1.9) are checked against a password_policy profile and the
 *   last N passwords, and stored as Argon2id strings (libsodium), never
 *   weaker than OWASP's m=19 MiB, t=2.
 * - Login (1.3, 1.4): every failure is recorded with its source; after
 *   max_failures the account locks (for lock_seconds, or until unlocked);
 *   a source with too many failures is throttled. Counters persist. A
 *   wrong password and an unknown user give the same answer after the
 *   same work; a locked, disabled or expired account is named only to
 *   someone who has just given its correct password.
 * - Every state change is authorised through access.h (user-admin) for the
 *   acting subject and audited.
 *
 * Threads: a handle is used by one thread at a time (one handle per
 * thread, or the caller serialises). The one exception is the Argon2id
 * check of a login attempt, medsec_login_attempt_verify(), which touches
 * no handle and may run on any thread (see "login in three steps").
 */
#ifndef MEDSEC_IDENTITY_H
#define MEDSEC_IDENTITY_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/access.h"
#include "medsec/session.h"

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_db;
struct medsec_audit;
struct medsec_config;
struct medsec_password_profile;

#define MEDSEC_USER_NAME_MAX 32 /* [a-z0-9._-], starts with a letter */
#define MEDSEC_SETUP_CODE_LEN 30 /* "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX" + NUL */
#define MEDSEC_EMERGENCY_CODE_LEN 30
#define MEDSEC_CERT_SHA256_LEN 65 /* lowercase hex and a NUL */

struct medsec_identity_options {
	const struct medsec_password_profile *profile;
	uint32_t pwhash_ops;
	uint32_t pwhash_mem;
	uint32_t max_failures;
	uint32_t lock_seconds; /* 0: until an administrator unlocks */
	uint32_t source_max_failures;
	uint32_t source_window_seconds;
	uint32_t password_history;
	uint32_t password_max_age_days; /* 0: none */
	uint32_t setup_code_hours;
	int emergency_access;
	/* The device's id, refused inside a password as a device word
	 * (MFDS 1.9); "" for none. */
	char device_id[64];
};

/* Options from a loaded configuration (see config.h [auth]). */
MEDSEC_API
int medsec_identity_options_from_config(const struct medsec_config *cfg,
    struct medsec_identity_options *o);

enum medsec_account_state {
	MEDSEC_ACCOUNT_ACTIVE = 0,
	MEDSEC_ACCOUNT_DISABLED,
	MEDSEC_ACCOUNT_LOCKED,
	MEDSEC_ACCOUNT_EXPIRED,
};

struct medsec_account {
	char name[MEDSEC_USER_NAME_MAX];
	char roles[128];
	char cert_sha256[MEDSEC_CERT_SHA256_LEN]; /* machine peers */
	int64_t created_us;
	int64_t password_changed_us;
	int64_t expires_us;	 /* 0: never */
	int64_t last_login_us;	 /* 0: never */
	int64_t locked_until_us; /* 0: not locked; -1: until unlocked */
	uint32_t failures;
	int disabled;
	int must_change;	 /* password must be changed at next use */
	int state;		 /* enum medsec_account_state, now */
};

struct medsec_identity;

/*
 * roles and sessions must outlive the handle. audit may be NULL only in
 * tests. Weak Argon2id parameters are refused (MEDSEC_ERR_WEAK_ALGORITHM).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_open(struct medsec_db *db, struct medsec_audit *audit,
    const struct medsec_roles *roles, struct medsec_sessions *sessions,
    const struct medsec_identity_options *opts,
    struct medsec_identity **idp);
MEDSEC_API
void medsec_identity_close(struct medsec_identity *id);

/* ---- first administrator (1.10) ---- */

/*
 * Issues the one-time setup code, replacing an unused one. Refused with
 * MEDSEC_ERR_STATE while a usable administrator exists (enabled, with a
 * password, user-admin, no expiry): a new device, or the recovery of one
 * that lost all its administrators (docs/access-control.md). A code whose
 * issue cannot be recorded is not returned (MEDSEC_ERR_AUDIT_UNAVAILABLE).
 */
MEDSEC_API
int medsec_identity_setup_code_issue(struct medsec_identity *id,
    char code[MEDSEC_SETUP_CODE_LEN]);

/*
 * Creates the first administrator with the setup code. Wrong, used or
 * expired codes: MEDSEC_ERR_AUTH / MEDSEC_ERR_EXPIRED; a password the
 * policy refuses: MEDSEC_ERR_POLICY with the rule in why.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_bootstrap(struct medsec_identity *id, const char *code,
    const char *name, const char *password, size_t pwlen,
    const char *source, char *why, size_t whylen);

/* ---- accounts (administration: actor needs user-admin) ---- */

/*
 * Common to the changes below. Each is one transaction and is recorded
 * after it commits. MEDSEC_ERR_AUDIT_UNAVAILABLE: refused before anything
 * changed, the trail cannot take a record (changes that grant or keep
 * access; those that only take access away go ahead). MEDSEC_ERR_AUDIT_
 * DEGRADED: the change WAS made, but its record could not be made durable
 * (held in memory, trail flagged): report exactly that. MEDSEC_ERR_STATE:
 * refused, the change would leave no usable administrator.
 */

/*
 * Adds an interactive account with an initial password the user must
 * change before anything else. expires_us 0: no expiry (1.7); an expiry
 * not in the future is refused (MEDSEC_ERR_INVALID, why names it).
 */
MEDSEC_API
int medsec_identity_user_add(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, const char *roles,
    int64_t expires_us, const char *password, size_t pwlen, char *why,
    size_t whylen);

/* Adds a machine peer known by its certificate's SHA-256 (no password). */
MEDSEC_API
int medsec_identity_peer_add(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name,
    const char *cert_sha256, int64_t expires_us);

MEDSEC_API
int medsec_identity_user_get(struct medsec_identity *id, const char *name,
    struct medsec_account *acct);
MEDSEC_API
int medsec_identity_user_list(struct medsec_identity *id,
    int (*fn)(const struct medsec_account *, void *), void *ctx);

/* Disabling ends the user's sessions and revokes a peer's certificate. */
MEDSEC_API
int medsec_identity_user_set_disabled(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, int disabled);
MEDSEC_API
int medsec_identity_user_unlock(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name);
/* Sets the expiry (0: never); a time not in the future expires it now. */
MEDSEC_API
int medsec_identity_user_set_expiry(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, int64_t expires_us);
MEDSEC_API
int medsec_identity_user_delete(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name);
/* Adds and/or removes one role (either may be NULL). */
MEDSEC_API
int medsec_identity_user_roles(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, const char *add,
    const char *remove);

/*
 * Changes a password and ends the account's live sessions. By the user:
 * old password required (counts as a login attempt; the only use a
 * password that must be changed has). By an administrator for someone
 * else (old NULL): the user must change it before anything else.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_password_change(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *name, const char *old,
    size_t oldlen, const char *password, size_t pwlen, char *why,
    size_t whylen);

/* ---- authentication (1.3, 1.4, 1.7) ---- */

/*
 * Verifies a name and password with lockout accounting, without starting
 * a session (one-shot CLI commands). MEDSEC_OK with *acct filled;
 * MEDSEC_ERR_LOGIN_FAILED (unknown user or wrong password, same work:
 * one Argon2id run, one counted transaction; same answer),
 * MEDSEC_ERR_THROTTLED, and only after a correct password
 * MEDSEC_ERR_LOCKED / _DISABLED / _EXPIRED, MEDSEC_ERR_DENIED for a
 * machine account, or MEDSEC_ERR_STATE when the password must be changed
 * first (an initial password set by an administrator, or one past its
 * maximum age): such an account can do nothing but
 * medsec_identity_password_change(). All audited.
 *
 * Fail closed: MEDSEC_ERR_AUDIT_UNAVAILABLE (nothing changed) when the
 * trail cannot take a record; a failure count or lock that cannot be
 * written refuses the login with the storage error (MEDSEC_ERR_DB,
 * MEDSEC_ERR_BUSY, ...) and changes nothing: the failed attempt, the
 * counters and the lock are one transaction, recorded after it commits.
 *
 * Source throttling: a source with source_max_failures failures in the
 * window gets MEDSEC_ERR_THROTTLED, except for an account with no failure
 * since its last login given its correct password, so that guessing
 * names from one source (the CLI is always "local") cannot lock out an
 * administrator. A throttled attempt costs the same work and gets the
 * same answer whether or not the name exists.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_authenticate(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    struct medsec_account *acct);

/*
 * authenticate, then a session under the role's one-session policy. No
 * session is started for a password that must be changed
 * (MEDSEC_ERR_STATE); a session whose LOGIN_SUCCESS record cannot be
 * written is ended again and the error returned.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_login(struct medsec_identity *id, const char *name,
    const char *password, size_t pwlen, const char *source,
    char token[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info);

/*
 * ---- login in three steps (for an event loop with a worker pool) ----
 *
 * medsec_identity_login() is these three calls in turn; a program that
 * must not block on Argon2id (tens of milliseconds even at the minimum
 * parameters) makes them itself and runs the middle one on a worker
 * thread. The rules (failure count, lockout, throttle, expiry,
 * must-change, session policy, records) are the same code either way.
 *
 *   begin   on the handle's thread: reads the account and its stored
 *           password hash, or, for an unknown name or an account without
 *           a password, a fixed dummy hash with the same Argon2id
 *           parameters. Reads the database, writes nothing.
 *   verify  on any thread: one Argon2id check of the password against
 *           that hash. Touches no handle, database, audit trail, clock
 *           or global state of libmedsec; attempts share nothing, so any
 *           number of verifies of different attempts run at once. One
 *           attempt is verified once, by one thread at a time; hand it
 *           between threads through something that orders memory (a
 *           mutex-protected queue, a pipe).
 *   finish  on the handle's thread: in one database transaction, reads
 *           the account and the source again (a lock, a disable or a
 *           password change committed since begin is what counts: a
 *           password verified against a hash that has since changed
 *           proves nothing), counts a failure or clears the count, then
 *           writes the records after the commit and, for a login, starts
 *           the session. Returns exactly what medsec_identity_login() or
 *           medsec_identity_authenticate() would have.
 *   free    on any thread: wipes the attempt.
 *
 * Whether the password matched is known only inside the attempt until
 * finish: a caller cannot learn it without the failure being counted.
 */
struct medsec_login_attempt;

/*
 * Starts a login attempt for name from source (as for
 * medsec_identity_login()). *ap receives the attempt (free it with
 * medsec_login_attempt_free()); an unknown name gets an attempt too,
 * indistinguishable to the caller. MEDSEC_ERR_AUDIT_UNAVAILABLE when the
 * trail cannot take a record; a database error as it comes.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_login_begin(struct medsec_identity *id, const char *name,
    const char *source, struct medsec_login_attempt **ap);

/*
 * Starts a re-authentication attempt for the session of token (as for
 * medsec_identity_reauth(); the session's errors, MEDSEC_ERR_DENIED for
 * an emergency session or a pending password change, MEDSEC_ERR_DISABLED
 * for an account deleted since the session began).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_reauth_begin(struct medsec_identity *id,
    const char *token, const char *source, struct medsec_login_attempt **ap);

/*
 * Checks password (pwlen bytes) against the attempt's hash. Thread-safe
 * as above. MEDSEC_OK when the check was made, whatever its result (a
 * password over MEDSEC_PASSWORD_MAX bytes is a mismatch without the
 * work); MEDSEC_ERR_INVALID for a NULL argument (the attempt is then
 * not verified and finish refuses it); MEDSEC_ERR_STATE when the attempt
 * was verified already: one attempt, one password.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_login_attempt_verify(struct medsec_login_attempt *a,
    const char *password, size_t pwlen);

/*
 * Finishes a login attempt: the results of medsec_identity_login(),
 * and on MEDSEC_OK a session in token and info. An attempt is finished
 * once; a second finish, an attempt of another handle or kind, or one
 * never verified is MEDSEC_ERR_INVALID and changes nothing.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_login_finish(struct medsec_identity *id,
    struct medsec_login_attempt *a, char token[MEDSEC_TOKEN_TEXT_LEN],
    struct medsec_session_info *info);

/* As medsec_identity_login_finish(), for medsec_identity_authenticate(). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_authenticate_finish(struct medsec_identity *id,
    struct medsec_login_attempt *a, struct medsec_account *acct);

/* As medsec_identity_login_finish(), for medsec_identity_reauth(). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_reauth_finish(struct medsec_identity *id,
    struct medsec_login_attempt *a, char newtoken[MEDSEC_TOKEN_TEXT_LEN],
    struct medsec_session_info *info);

/* Wipes and frees an attempt, finished or not; NULL is a no-op. */
MEDSEC_API
void medsec_login_attempt_free(struct medsec_login_attempt *a);

/*
 * Re-authentication for a dangerous action: the session's user gives the
 * password again. On success the session continues under a NEW token in
 * newtoken (its id changes too; its lifetime does not restart) and the
 * presented token is dead (MEDSEC_ERR_DISABLED, end reason "rotated"), as
 * after any change of privilege (catalog D2). A wrong password counts as
 * a failed login (MEDSEC_ERR_AUTH). medsec_identity_require_fresh() then
 * says whether the session re-authenticated within reauth_seconds
 * (MEDSEC_ERR_STATE if not).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_reauth(struct medsec_identity *id, const char *token,
    const char *password, size_t pwlen, const char *source,
    char newtoken[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info);
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_require_fresh(struct medsec_identity *id,
    const char *token);

/*
 * A session's subject for access checks: checks the token and fills who
 * (pointing into info). A session whose user must change the password
 * gets MEDSEC_ERR_STATE: only medsec_identity_password_change() helps.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_session_subject(struct medsec_identity *id,
    const char *token, struct medsec_session_info *info,
    struct medsec_subject *who);

/* A machine peer by certificate: revoked, disabled, expired refused. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_peer_authenticate(struct medsec_identity *id,
    const char *cert_sha256, const char *source, struct medsec_account *acct);

/* ---- emergency access (break-glass) ---- */

/*
 * Seals a new single-use emergency credential (shown once in code).
 * Needs emergency_access in the configuration and user-admin.
 */
MEDSEC_API
int medsec_identity_emergency_seal(struct medsec_identity *id,
    const struct medsec_subject *actor, char code[MEDSEC_EMERGENCY_CODE_LEN]);

/*
 * Uses the emergency credential: a session with the narrow "emergency"
 * role for `who` (the person, as typed), an INCIDENT alert and an
 * EMERGENCY_ACCESS record. The credential is spent; an administrator
 * seals a new one afterwards.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_emergency_login(struct medsec_identity *id,
    const char *code, const char *who, const char *source,
    char token[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info);

/* ---- peer certificate revocation list (1.6) ---- */

MEDSEC_API
int medsec_identity_cert_revoke(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *cert_sha256,
    const char *subject, const char *reason);
/* MEDSEC_OK if not revoked, MEDSEC_ERR_DISABLED if revoked. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_cert_check(struct medsec_identity *id,
    const char *cert_sha256);
/*
 * The list as text (docs/formats/revocation.md): a header line
 * "medsec-revocation-list 1" then "sha256 revoked-at subject reason"
 * lines, for the daemon and for peers. Free *textp with free().
 */
MEDSEC_API
int medsec_identity_revocation_list(struct medsec_identity *id,
    char **textp);

/*
 * How many Argon2id computations (hashes and verifications) this handle
 * has run: a login costs exactly one whether or not the name exists. The
 * check of a three-step login counts when its attempt is finished.
 */
MEDSEC_API
uint64_t medsec_identity_pwhash_runs(const struct medsec_identity *id);

/* The account's state name ("active", "locked", ...). */
MEDSEC_API
const char *medsec_account_state_name(int state);

/* Whether a user name is acceptable. */
MEDSEC_API
int medsec_identity_valid_name(const char *name);

/*
 * The account behind a subject, for access decisions (what the
 * medsec_roles.subject_check that medsec_device_open() installs asks). MEDSEC_OK for an active account;
 * MEDSEC_ERR_DISABLED, _LOCKED or _EXPIRED; MEDSEC_ERR_STATE when its
 * password must be changed first (set by an administrator, or past its
 * maximum age): such an account may only change its password, which is
 * not an access decision (medsec_identity_password_change). A subject
 * with no account (a break-glass session names the person as typed) is
 * judged by its roles alone: MEDSEC_OK. Storage errors refuse.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_subject_check(struct medsec_identity *id,
    const struct medsec_subject *who);

/* ---- status ---- */

/* The accounts of a device as of a moment (machine peers included). */
struct medsec_identity_status {
	uint64_t accounts;
	uint64_t disabled;
	uint64_t locked;      /* locked now, and not disabled */
	uint64_t expired;     /* past their expiry, not disabled or locked */
	uint64_t must_change; /* password to change before anything else */
	uint64_t peers;	      /* machine accounts (certificate, no password) */
};

/*
 * Counts the accounts in db as of now_us, with the state rules of
 * medsec_account.state; a password older than max_age_days (0: no
 * maximum) counts as must_change. Reads only.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_identity_status_read(struct medsec_db *db, int64_t now_us,
    uint32_t max_age_days, struct medsec_identity_status *st);

#ifdef __cplusplus
}
#endif
#endif
