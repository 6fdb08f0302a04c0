/* Identity internals shared by its files. */
#ifndef MEDSEC_IDENTITY_INT_H
#define MEDSEC_IDENTITY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"
#include "medsec/identity.h"
#include "medsec/session.h"

#define US_PER_S INT64_C(1000000)
/* A source address or name longer than this is recorded as "local". */
#define IDENTITY_SOURCE_MAX 64

struct medsec_identity {
	struct medsec_db *db;
	struct medsec_audit *audit;
	const struct medsec_roles *roles;
	struct medsec_sessions *sessions;
	struct medsec_identity_options o;
	/*
	 * Verified against for unknown users, so they cost the same work:
	 * a fixed string with this handle's Argon2id parameters, built
	 * without running Argon2id (see identity_dummy_hash()).
	 */
	char dummy_hash[MEDSEC_PWHASH_STR_LEN];
	uint64_t pwhash_runs; /* Argon2id computations, hash or verify */
};

/* An account row with its stored password hash. */
struct identity_row {
	struct medsec_account acct;
	char pwhash[MEDSEC_PWHASH_STR_LEN];
	int has_password;
};

/* What medsec_identity_login_begin() or _reauth_begin() started. */
enum identity_attempt_kind {
	IDENTITY_ATTEMPT_LOGIN = 1,	/* by name: login, authenticate */
	IDENTITY_ATTEMPT_REAUTH,	/* by the session's token */
};

/*
 * Everything verify reads is copied in at begin: it never looks at the
 * handle. Only finish, on the handle's thread, reads id.
 */
struct medsec_login_attempt {
	int kind;			/* enum identity_attempt_kind */
	const struct medsec_identity *id; /* the handle it belongs to */
	char name[MEDSEC_USER_NAME_MAX]; /* the account found, or "" */
	char shown[MEDSEC_USER_NAME_MAX + 8]; /* as given, for records */
	char source[IDENTITY_SOURCE_MAX];
	/* The account's stored hash (real), else the dummy one. */
	char hash[MEDSEC_PWHASH_STR_LEN];
	int real;
	int verified;			/* verify ran (once) */
	int match;			/* and the password matched hash */
	int finished;			/* finish took it: never again */
	uint64_t pwhash_runs;		/* verify's Argon2id runs */
	/* Re-authentication: the presented token and its session. */
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info session;
};

/* identity_attempt.c */
const char *identity_safe_source(const char *source);

/* identity.c */
/*
 * Records an event. MEDSEC_OK once it is durable; otherwise the event is
 * held in memory, the trail is flagged degraded and the error (usually
 * MEDSEC_ERR_AUDIT_DEGRADED) is returned for the caller to report.
 */
int identity_audit(struct medsec_identity *id, int event, const char *actor,
    const char *source, const char *object, int outcome, const char *reason,
    const char *details);
/*
 * Records a change that is already committed: MEDSEC_OK, or
 * MEDSEC_ERR_AUDIT_DEGRADED when the record could not be made durable
 * (held in memory, trail flagged), which the caller must report as "done,
 * but not on record".
 */
int identity_committed(struct medsec_identity *id, int event,
    const char *actor, const char *source, const char *object,
    const char *reason, const char *details);
/*
 * identity_committed() with the details built in d. The record goes in
 * even when d holds an error (a programming error: every value is
 * bounded), without details, and that error is returned.
 */
struct medsec_audit_detail;
int identity_committed_detail(struct medsec_identity *id, int event,
    const char *actor, const char *source, const char *object,
    const char *reason, struct medsec_audit_detail *d);
int identity_row_get(struct medsec_identity *id, const char *name,
    struct identity_row *row);
int identity_state(const struct medsec_account *a, int64_t now);
/* Authorises an administrative action on object (audits refusals). */
int identity_admin_check(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *object);
int identity_hash_password(struct medsec_identity *id, const char *pw,
    size_t pwlen, char out[MEDSEC_PWHASH_STR_LEN]);
/* A JSON string body of untrusted text: printable ASCII, else '?'. */
void identity_json_safe(char *out, size_t outlen, const char *in);
int identity_exec_name(struct medsec_identity *id, const char *sql,
    const char *name);
/* medsec_audit_ready() for a handle with a trail (tests may have none). */
int identity_ready(struct medsec_identity *id);
/* Argon2id verify through the handle, counted in pwhash_runs. */
int identity_pwhash_verify(struct medsec_identity *id, const char *hash,
    const char *pw, size_t pwlen);
/* Whether every role of the list may log in with a password. */
int identity_interactive(struct medsec_identity *id, const char *roles);
/* Rolls back after a failure; the failure is what the caller reports. */
void identity_rollback(struct medsec_identity *id);

/* identity_guard.c */
/*
 * Administrators who can still manage accounts: enabled, with a
 * password, interactive roles, user-admin granted and no expiry date.
 */
int identity_usable_admins(struct medsec_identity *id, int64_t *np);
/*
 * Inside a transaction that has just changed `name`, with `before` usable
 * administrators counted before the change: MEDSEC_ERR_STATE (with why)
 * if the change left none.
 */
int identity_keep_an_admin(struct medsec_identity *id, const char *name,
    int64_t before, char *why, size_t whylen);
/* Whether `name` is the only usable administrator. */
int identity_is_last_admin(struct medsec_identity *id, const char *name);

/* identity_login.c */
int identity_valid_cert(const char *sha256_hex);
/*
 * medsec_identity_authenticate() for the password change itself: a
 * password that must be changed is accepted here, and only here.
 */
int identity_authenticate_for_change(struct medsec_identity *id,
    const char *name, const char *password, size_t pwlen, const char *source,
    struct medsec_account *acct);

/* identity_password.c */
int identity_password_acceptable(struct medsec_identity *id,
    const char *name, const char *pw, size_t pwlen, char *why,
    size_t whylen);
int identity_password_store(struct medsec_identity *id, const char *name,
    const char *pw, size_t pwlen, int must_change);

/* identity_codes.c */
int identity_code_new(char code[MEDSEC_SETUP_CODE_LEN],
    uint8_t hash[32]);
int identity_code_hash(const char *code, uint8_t hash[32]);

#endif
