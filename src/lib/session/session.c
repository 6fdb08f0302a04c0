/*
 * Sessions: the database row is the record; a per-process open-addressing
 * table keyed by SHA-256(token) holds the live ones so a request costs a
 * hash and a probe. Limits run on the monotonic clock in-process (see
 * session.h for the cross-process rules).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/session.h"
#include "session/session_int.h"

#define US_PER_S INT64_C(1000000)
/* Persist last activity at most this often per session. */
#define PERSIST_EVERY_US (60 * US_PER_S)
/* A wall clock this far behind a session's last activity is a step back. */
#define CLOCK_SLACK_US US_PER_S

static const char *const end_names[] = {
	"live", "logout", "replaced", "idle", "lifetime", "killed", "revoked",
	"clock", "rotated",
};

const char *
medsec_session_end_name(int reason)
{
	if (reason < 0 ||
	    (size_t)reason >= sizeof(end_names) / sizeof(end_names[0]))
		return "unknown";
	return end_names[reason];
}

void
medsec_session_options_default(struct medsec_session_options *o)
{
	if (o == NULL)
		return;
	o->idle_seconds = 600;
	o->lifetime_seconds = 28800;
	o->reauth_seconds = 300;
}

/* The error a request on a session ended for `reason` receives. */
int
session_end_error(int reason)
{
	switch (reason) {
	case MEDSEC_SESSION_END_REPLACED:
		return MEDSEC_ERR_SESSION_REPLACED;
	case MEDSEC_SESSION_END_IDLE:
	case MEDSEC_SESSION_END_LIFETIME:
	case MEDSEC_SESSION_END_CLOCK:
		return MEDSEC_ERR_SESSION_EXPIRED;
	default:
		return MEDSEC_ERR_DISABLED;
	}
}

void
session_audit(struct medsec_sessions *s, int event, const char *actor,
    const struct medsec_session_info *info, const char *reason)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *details;

	if (s->audit == NULL)
		return;
	/* The builder escapes: a caller's user text cannot break it. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "session", info->id);
	medsec_audit_detail_str(&d, "user", info->user);
	medsec_audit_detail_bool(&d, "therapy", info->therapy);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK) {
		/* Not reachable: three short fields. Were it reached, the
		 * record still goes in, without details. */
		details = NULL;
	}
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.actor = actor != NULL ? actor : info->user;
	ev.source = info->source;
	ev.object = info->user;
	ev.outcome = MEDSEC_AUDIT_SUCCESS;
	ev.reason = reason;
	ev.details = details;
	/*
	 * The change is already committed. Starting a session is refused
	 * beforehand when the trail cannot take a record (session_ready);
	 * what is recorded here after the fact either ends access (logout,
	 * expiry, revocation: never undone for want of a record) or marks a
	 * running therapy, which must not stop because the trail failed. So
	 * a failed append is held in memory and the trail flagged degraded,
	 * which the operator sees and the next login is refused for.
	 */
	if (medsec_audit_append_critical(s->audit, &ev, NULL) != MEDSEC_OK) {
		/* Held and flagged, as above: nothing more to do here. */
	}
}

int
session_ready(struct medsec_sessions *s)
{
	return s->audit != NULL ? medsec_audit_ready(s->audit) : MEDSEC_OK;
}

_Static_assert(MEDSEC_TOKEN_TEXT_LEN == MEDSEC_BASE64_LEN(MEDSEC_TOKEN_BYTES),
    "a token is its bytes in unpadded base64url");

int
session_token_hash(struct medsec_sessions *s, const char *token,
    uint8_t hash[SESSION_HASH_LEN])
{
	uint8_t raw[MEDSEC_TOKEN_BYTES];
	int r = MEDSEC_ERR_LOGIN_FAILED;

	if (token == NULL ||
	    strnlen(token, MEDSEC_TOKEN_TEXT_LEN) != MEDSEC_TOKEN_TEXT_LEN - 1)
		return MEDSEC_ERR_LOGIN_FAILED;
	if (medsec_base64_decode(MEDSEC_BASE64_URLSAFE_NO_PADDING, token,
	    MEDSEC_TOKEN_TEXT_LEN - 1, raw, sizeof(raw)) != MEDSEC_OK)
		goto out;
	if (medsec_hash_reset(s->sha) != MEDSEC_OK ||
	    medsec_hash_update(s->sha, raw, sizeof(raw)) != MEDSEC_OK ||
	    medsec_hash_final(s->sha, hash) != MEDSEC_OK) {
		r = MEDSEC_ERR_CRYPTO;
		goto out;
	}
	r = MEDSEC_OK;
out:
	medsec_wipe(raw, sizeof(raw));
	return r;
}

int
medsec_sessions_open(struct medsec_db *db, struct medsec_audit *audit,
    const struct medsec_session_options *opts, struct medsec_sessions **sp)
{
	struct medsec_sessions *s = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if (sp == NULL)
		return MEDSEC_ERR_INVALID;
	*sp = NULL;
	if (db == NULL)
		return MEDSEC_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MEDSEC_ERR_NOMEM;
	s->db = db;
	s->audit = audit;
	if (opts != NULL)
		s->o = *opts;
	else
		medsec_session_options_default(&s->o);
	if (s->o.idle_seconds == 0 || s->o.lifetime_seconds == 0 ||
	    s->o.lifetime_seconds < s->o.idle_seconds) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = medsec_hash_new(MEDSEC_ALG_SHA256, &s->sha)) != MEDSEC_OK)
		goto out;
	if ((r = session_table_init(s, 64)) != MEDSEC_OK)
		goto out;
	if ((r = session_reload(s)) != MEDSEC_OK)
		goto out;
	*sp = s;
	s = NULL;
	r = MEDSEC_OK;
out:
	medsec_sessions_close(s);
	return r;
}

void
medsec_sessions_close(struct medsec_sessions *s)
{
	if (s == NULL)
		return;
	/*
	 * Only last-activity times, kept no earlier than the stored ones;
	 * a failure here makes a session look idle sooner, never longer.
	 */
	if (s->tab != NULL)
		(void)medsec_session_sync(s);
	session_table_free(s);
	medsec_hash_free(s->sha);
	free(s);
}

/* Whether a live entry is past a limit; *reasonp says which. */
static int
past_limit(const struct medsec_sessions *s, const struct session_entry *e,
    int64_t mono, int *reasonp)
{
	if (mono - e->created_mono >= (int64_t)s->o.lifetime_seconds * US_PER_S) {
		*reasonp = MEDSEC_SESSION_END_LIFETIME;
		return 1;
	}
	if (!e->info.therapy &&
	    mono - e->last_mono >= (int64_t)s->o.idle_seconds * US_PER_S) {
		*reasonp = MEDSEC_SESSION_END_IDLE;
		return 1;
	}
	return 0;
}

/* Another process may have ended sessions: look, at most every poll. */
static int
poll_changes(struct medsec_sessions *s, int64_t mono, int force)
{
	int64_t v;
	int r;

	if (!force &&
	    mono - s->polled_mono < (int64_t)MEDSEC_SESSION_POLL_MS * 1000)
		return MEDSEC_OK;
	s->polled_mono = mono;
	if ((r = medsec_db_data_version(s->db, &v)) != MEDSEC_OK)
		return r;
	if (v == s->data_version)
		return MEDSEC_OK;
	return session_reload(s);
}

/*
 * A token not in the table may belong to a session another process has
 * just started: look again after a (cheap, version-checked) reload.
 */
static struct session_entry *
find_fresh(struct medsec_sessions *s, const uint8_t *hash, int64_t mono)
{
	struct session_entry *e;

	if ((e = session_table_find(s, hash)) != NULL)
		return e;
	if (poll_changes(s, mono, 1) != MEDSEC_OK)
		return NULL;
	return session_table_find(s, hash);
}

static void
touch(struct medsec_sessions *s, struct session_entry *e, int64_t mono)
{
	int64_t wall = medsec_clock_wall_us();

	e->last_mono = mono;
	/* Stored times never move backwards with a stepped clock. */
	if (wall > e->info.last_us)
		e->info.last_us = wall;
	/*
	 * Best effort: a time not stored only makes the session look idle
	 * sooner to other processes; this process keeps the right one.
	 */
	if (e->info.last_us - e->persisted_last_us >= PERSIST_EVERY_US)
		(void)session_store_last(s, e);
}

/*
 * Finds the live entry of a token, ending it if it is past a limit.
 * force_poll: look for other processes' changes now, not at the next
 * poll interval (for state changes, which are rare and must be exact).
 * info, when non-NULL, describes an ended session too.
 */
static int
live_entry(struct medsec_sessions *s, const char *token, int force_poll,
    struct session_entry **ep, struct medsec_session_info *info)
{
	uint8_t hash[SESSION_HASH_LEN];
	int64_t mono;
	int r, reason;

	*ep = NULL;
	if ((r = session_token_hash(s, token, hash)) != MEDSEC_OK)
		return r;
	mono = medsec_clock_mono_us();
	if ((r = poll_changes(s, mono, force_poll)) != MEDSEC_OK)
		return r;
	if ((*ep = find_fresh(s, hash, mono)) == NULL)
		return session_lookup_ended(s, hash, info);
	if (past_limit(s, *ep, mono, &reason)) {
		if (info != NULL)
			*info = (*ep)->info;
		r = session_end_entry(s, *ep, reason, NULL, info);
		*ep = NULL;
		return r != MEDSEC_OK ? r : session_end_error(reason);
	}
	return MEDSEC_OK;
}

int
session_live_entry(struct medsec_sessions *s, const char *token,
    int force_poll, struct session_entry **ep,
    struct medsec_session_info *info)
{
	return live_entry(s, token, force_poll, ep, info);
}

int
medsec_session_check(struct medsec_sessions *s, const char *token,
    struct medsec_session_info *info)
{
	struct session_entry *e;
	int r;

	if (s == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = live_entry(s, token, 0, &e, info)) != MEDSEC_OK)
		return r;
	if (info != NULL)
		*info = e->info;
	/* A pending password change: not a session that may act. */
	if (e->info.must_change)
		return MEDSEC_ERR_STATE;
	touch(s, e, medsec_clock_mono_us());
	return MEDSEC_OK;
}

int
medsec_session_logout(struct medsec_sessions *s, const char *token)
{
	struct session_entry *e;
	int r;

	if (s == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = live_entry(s, token, 1, &e, NULL)) != MEDSEC_OK)
		return r;
	return session_end_entry(s, e, MEDSEC_SESSION_END_LOGOUT, NULL, NULL);
}

int
medsec_session_kill(struct medsec_sessions *s, const char *id,
    const char *actor)
{
	struct session_entry *e;
	int r;

	if (s == NULL || id == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = poll_changes(s, medsec_clock_mono_us(), 1)) != MEDSEC_OK)
		return r;
	if ((e = session_table_find_id(s, id)) == NULL)
		return MEDSEC_ERR_NOT_FOUND;
	return session_end_entry(s, e, MEDSEC_SESSION_END_KILLED, actor, NULL);
}

int
medsec_session_end_user(struct medsec_sessions *s, const char *user,
    int reason, const char *actor, size_t *endedp)
{
	struct session_entry *e;
	size_t ended = 0;
	int r;

	if (endedp != NULL)
		*endedp = 0;
	if (s == NULL || user == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = poll_changes(s, medsec_clock_mono_us(), 1)) != MEDSEC_OK)
		return r;
	/* One live session per user, but end all should the index fail. */
	while ((e = session_table_find_user(s, user)) != NULL) {
		if ((r = session_end_entry(s, e, reason, actor, NULL)) !=
		    MEDSEC_OK)
			return r;
		ended++;
	}
	if (endedp != NULL)
		*endedp = ended;
	return MEDSEC_OK;
}

int
medsec_session_set_therapy(struct medsec_sessions *s, const char *token,
    int on)
{
	struct session_entry *e;
	int r;

	if (s == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = live_entry(s, token, 1, &e, NULL)) != MEDSEC_OK)
		return r;
	if ((r = session_store_flag(s, e, "therapy", on != 0)) != MEDSEC_OK)
		return r;
	e->info.therapy = on != 0;
	touch(s, e, medsec_clock_mono_us());
	session_audit(s, MEDSEC_EV_SESSION_THERAPY, NULL, &e->info,
	    on ? "supervising an active therapy: idle timeout suspended" :
	    "therapy supervision ended: idle timeout applies");
	return MEDSEC_OK;
}

int
medsec_session_reauth_fresh(struct medsec_sessions *s, const char *token)
{
	struct session_entry *e;
	int r;

	if (s == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = live_entry(s, token, 1, &e, NULL)) != MEDSEC_OK)
		return r;
	if (medsec_clock_mono_us() - e->reauth_mono >
	    (int64_t)s->o.reauth_seconds * US_PER_S)
		return MEDSEC_ERR_STATE;
	return MEDSEC_OK;
}

int
medsec_session_sweep(struct medsec_sessions *s, size_t *endedp)
{
	struct session_entry *e;
	size_t i, ended = 0;
	int64_t mono;
	int r, reason;

	if (endedp != NULL)
		*endedp = 0;
	if (s == NULL)
		return MEDSEC_ERR_INVALID;
	mono = medsec_clock_mono_us();
	if ((r = poll_changes(s, mono, 1)) != MEDSEC_OK)
		return r;
	for (i = 0; i < s->cap; i++) {
		e = &s->tab[i];
		if (e->state != SESSION_SLOT_LIVE || !past_limit(s, e, mono,
		    &reason))
			continue;
		if ((r = session_end_entry(s, e, reason, NULL, NULL)) !=
		    MEDSEC_OK)
			return r;
		ended++;
	}
	if (endedp != NULL)
		*endedp = ended;
	return medsec_session_sync(s);
}

int
medsec_session_sync(struct medsec_sessions *s)
{
	struct session_entry *e;
	size_t i;
	int r;

	if (s == NULL)
		return MEDSEC_ERR_INVALID;
	for (i = 0; i < s->cap; i++) {
		e = &s->tab[i];
		if (e->state != SESSION_SLOT_LIVE ||
		    e->info.last_us == e->persisted_last_us)
			continue;
		if ((r = session_store_last(s, e)) != MEDSEC_OK)
			return r;
	}
	return MEDSEC_OK;
}
