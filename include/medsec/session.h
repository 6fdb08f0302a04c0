/*
 * medsec session: login sessions (MFDS 1.2 one session per user, 1.8
 * session timeout). A token is 256 random bits, handed out once as 43
 * base64url characters and stored only as its SHA-256. The database is
 * the record of every session; a process keeps the live ones in a hash
 * table so a request is checked in well under a microsecond.
 *
 * Time: idle and lifetime limits run on the monotonic clock inside a
 * process, so a wall-clock step cannot extend a session. Across
 * processes the stored wall times are used, and a wall clock found
 * earlier than a session's last activity ends that session (reason
 * "clock") instead of trusting it.
 *
 * Changes made by another process (a session killed or a user disabled
 * from the CLI) are seen within MEDSEC_SESSION_POLL_MS; changes made
 * through the same handle take effect at once.
 *
 * Not thread-safe: one handle per thread or event loop.
 */
#ifndef MEDSEC_SESSION_H
#define MEDSEC_SESSION_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_db;
struct medsec_audit;

#define MEDSEC_TOKEN_BYTES 32
#define MEDSEC_TOKEN_TEXT_LEN 44 /* 43 base64url characters and a NUL */
#define MEDSEC_SESSION_ID_LEN 17 /* public id: 16 hex digits and a NUL */
#define MEDSEC_SESSION_POLL_MS 100

/* Why a session ended; stored, so never renumber. */
enum medsec_session_end {
	MEDSEC_SESSION_LIVE = 0,
	MEDSEC_SESSION_END_LOGOUT = 1,
	MEDSEC_SESSION_END_REPLACED = 2, /* a newer login of the same user */
	MEDSEC_SESSION_END_IDLE = 3,
	MEDSEC_SESSION_END_LIFETIME = 4,
	MEDSEC_SESSION_END_KILLED = 5,	 /* by an administrator */
	MEDSEC_SESSION_END_REVOKED = 6,	 /* account disabled/deleted */
	MEDSEC_SESSION_END_CLOCK = 7,	 /* wall clock went backwards */
	MEDSEC_SESSION_END_ROTATED = 8,	 /* new token after re-authentication */
};

/* Flags for medsec_session_begin(). */
#define MEDSEC_SESSION_FLAG_EMERGENCY 0x1 /* break-glass session */
#define MEDSEC_SESSION_FLAG_MUST_CHANGE 0x2 /* password change pending */

struct medsec_session_options {
	uint32_t idle_seconds;	   /* default 600 */
	uint32_t lifetime_seconds; /* default 28800 */
	uint32_t reauth_seconds;   /* re-authentication stays fresh, 300 */
};

struct medsec_session_info {
	char id[MEDSEC_SESSION_ID_LEN];
	char user[64];
	char roles[128];
	char source[64];
	int64_t created_us;
	int64_t last_us;
	int64_t reauth_us; /* last password presentation (login or reauth) */
	int therapy;	   /* supervising an active therapy: no idle end */
	int emergency;
	int must_change;   /* only a password change is allowed */
	int64_t ended_us;  /* 0 while live */
	int end_reason;	   /* enum medsec_session_end */
};

struct medsec_sessions;

MEDSEC_API
void medsec_session_options_default(struct medsec_session_options *o);

/*
 * Opens the session table of a database (schema 2 or later). audit may
 * be NULL only in tests; every start and end is recorded otherwise.
 */
MEDSEC_API
int medsec_sessions_open(struct medsec_db *db, struct medsec_audit *audit,
    const struct medsec_session_options *opts, struct medsec_sessions **sp);
/* Writes back last-activity times and frees the handle. */
MEDSEC_API
void medsec_sessions_close(struct medsec_sessions *s);

/*
 * Starts a session for a user who has just proven who they are (callers:
 * identity's login and break-glass). policy is enum medsec_session_policy
 * (access.h): with REPLACE a live session of the same user is ended
 * (SESSION_ENDED, reason "replaced"); with REFUSE the login fails with
 * MEDSEC_ERR_SESSION_ACTIVE. The check and the insert are one database
 * transaction and a unique index allows one live session per user, so
 * concurrent logins resolve to exactly one live session. token receives
 * the bearer token (shown to the caller once, never stored). Refused
 * with MEDSEC_ERR_AUDIT_UNAVAILABLE, nothing changed, when the trail
 * cannot take a record (medsec_audit_ready()). Ending sessions (logout,
 * kill, expiry, revocation) is never refused for that reason: it takes
 * access away, and its record is held for a degraded trail.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_session_begin(struct medsec_sessions *s, const char *user,
    const char *roles, int policy, const char *source, unsigned flags,
    char token[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info);

/*
 * Checks a presented token and records activity. MEDSEC_OK with info
 * filled; MEDSEC_ERR_SESSION_REPLACED ("ended by a newer login"),
 * MEDSEC_ERR_SESSION_EXPIRED (idle, lifetime, clock), MEDSEC_ERR_DISABLED
 * (ended by logout, kill or revocation: the token is dead), or
 * MEDSEC_ERR_LOGIN_FAILED for a token this device never issued, or
 * MEDSEC_ERR_STATE for a session marked must_change (only the password
 * change is allowed; identity no longer starts such sessions). info is
 * filled for an ended session too, so the caller can say why.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_session_check(struct medsec_sessions *s, const char *token,
    struct medsec_session_info *info);

MEDSEC_API
int medsec_session_logout(struct medsec_sessions *s, const char *token);

/* Ends a session by its public id (administrator kill). */
MEDSEC_API
int medsec_session_kill(struct medsec_sessions *s, const char *id,
    const char *actor);

/* Ends every live session of a user (revocation, disable, delete). */
MEDSEC_API
int medsec_session_end_user(struct medsec_sessions *s, const char *user,
    int reason, const char *actor, size_t *endedp);

/*
 * Marks a session as supervising an active therapy (or not). Such a
 * session is not ended by the idle timer, only by its lifetime or an
 * explicit logout: stopping the supervision of a running infusion
 * because nobody touched the screen would be the greater harm. Audited.
 */
MEDSEC_API
int medsec_session_set_therapy(struct medsec_sessions *s, const char *token,
    int on);

/*
 * After the session's user presented the password again: the session
 * continues under a new token (newtoken, shown once) and a new id, with
 * its creation time kept (the lifetime does not restart) and its
 * re-authentication time set to now. The old token's row ends with
 * reason "rotated" in the same transaction, so it is dead at once, in
 * every process. Callers: identity's re-authentication. Refused with
 * MEDSEC_ERR_AUDIT_UNAVAILABLE, nothing changed, if the trail cannot take
 * a record.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_session_rotate(struct medsec_sessions *s, const char *token,
    char newtoken[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info);

/*
 * MEDSEC_OK if the session's user presented the password within
 * reauth_seconds; MEDSEC_ERR_STATE if not (ask again).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_session_reauth_fresh(struct medsec_sessions *s,
    const char *token);

/* Ends every session past its idle or lifetime limit; counts them. */
MEDSEC_API
int medsec_session_sweep(struct medsec_sessions *s, size_t *endedp);

/* Writes cached last-activity times to the database. */
MEDSEC_API
int medsec_session_sync(struct medsec_sessions *s);

/* Calls fn for each session (live only unless all); stops on non-zero. */
MEDSEC_API
int medsec_session_list(struct medsec_sessions *s, int all,
    int (*fn)(const struct medsec_session_info *, void *), void *ctx);

/* Short name of an end reason ("replaced", "idle", ...). */
MEDSEC_API
const char *medsec_session_end_name(int reason);

/* The session table of a device. */
struct medsec_session_status {
	uint64_t live;	    /* not ended (a lapsed one counts until swept) */
	uint64_t emergency; /* live break-glass sessions */
	uint64_t therapy;   /* live sessions supervising a therapy */
	uint64_t total;	    /* every session on record */
};

/* Counts the sessions in db. Reads only. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_session_status_read(struct medsec_db *db,
    struct medsec_session_status *st);

#ifdef __cplusplus
}
#endif
#endif
