/*
 * The monitor's request handlers: each turns one checked privsep request
 * into calls of the device library (which takes and records the
 * decisions) and one reply with a JSON body. The library records logins,
 * logouts, refusals and account changes itself; nothing is recorded
 * twice here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <jansson.h>

#include "medsec/access.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/incident.h"
#include "medsec/session.h"
#include "monitor.h"
#include "pool.h"

struct status_map {
	int status;
	unsigned http;
	const char *code;
	const char *message;
};

/* Logins and administration. */
static const struct status_map login_errors[] = {
	{ MEDSEC_ERR_LOGIN_FAILED, 401, "invalid_credentials",
	    "wrong user name or password" },
	{ MEDSEC_ERR_AUTH, 401, "invalid_credentials",
	    "wrong user name or password" },
	{ MEDSEC_ERR_LOCKED, 403, "account_locked",
	    "the account is locked after failed logins" },
	{ MEDSEC_ERR_DISABLED, 403, "account_disabled",
	    "the account is disabled" },
	{ MEDSEC_ERR_EXPIRED, 403, "account_expired",
	    "the account has expired" },
	{ MEDSEC_ERR_STATE, 403, "password_change_required",
	    "the password must be changed before anything else" },
	{ MEDSEC_ERR_DENIED, 403, "permission_denied",
	    "your roles do not allow this" },
	{ MEDSEC_ERR_THROTTLED, 429, "rate_limited",
	    "too many attempts from this source; retry later" },
	{ MEDSEC_ERR_BUSY, 429, "rate_limited",
	    "too many logins waiting; retry later" },
	{ MEDSEC_ERR_SESSION_ACTIVE, 409, "session_active",
	    "this user already has a session (one session per user)" },
	{ MEDSEC_ERR_NOT_FOUND, 404, "no_such_user", "no such account" },
	{ MEDSEC_ERR_EXISTS, 409, "user_exists",
	    "an account of that name exists" },
	{ MEDSEC_ERR_POLICY, 422, "password_policy",
	    "the password policy refuses this password" },
	{ MEDSEC_ERR_INVALID, 400, "invalid_request", "invalid value" },
	{ MEDSEC_ERR_AUDIT_UNAVAILABLE, 503, "audit_unavailable",
	    "refused: the audit trail cannot take a record" },
	{ MEDSEC_ERR_AUDIT_DEGRADED, 500, "audit_degraded",
	    "done, but its audit record is not yet durable" },
};

/* A presented token. */
static const struct status_map token_errors[] = {
	{ MEDSEC_ERR_LOGIN_FAILED, 401, "invalid_token",
	    "the token is not valid" },
	{ MEDSEC_ERR_DISABLED, 401, "session_ended",
	    "the session has ended; log in again" },
	{ MEDSEC_ERR_SESSION_REPLACED, 401, "session_replaced",
	    "the session was ended by a newer login of the same user" },
	{ MEDSEC_ERR_SESSION_EXPIRED, 401, "session_expired",
	    "the session has expired; log in again" },
	{ MEDSEC_ERR_INVALID, 401, "invalid_token",
	    "the token is not valid" },
};

static const struct status_map *
find_status(const struct status_map *map, size_t n, int status)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (map[i].status == status)
			return &map[i];
	return NULL;
}

void
monitor_reply_error(struct monitor *m, uint32_t id, int status,
    int token_check)
{
	const struct status_map *e = NULL;

	if (token_check)
		e = find_status(token_errors,
		    sizeof(token_errors) / sizeof(token_errors[0]), status);
	if (e == NULL)
		e = find_status(login_errors,
		    sizeof(login_errors) / sizeof(login_errors[0]), status);
	if (e == NULL) {
		monitor_reply(m, id, status, 500, "internal_error",
		    medsec_strerror(status), NULL, 0);
		return;
	}
	monitor_reply(m, id, status, e->http, e->code, e->message, NULL, 0);
}

/* Sends obj (consumed) as the body of a successful reply. */
static void
reply_json(struct monitor *m, uint32_t id, unsigned http, json_t *obj)
{
	char *text;

	text = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (text == NULL) {
		monitor_reply(m, id, MEDSEC_ERR_NOMEM, 500, "internal_error",
		    "out of memory", NULL, 0);
		return;
	}
	monitor_reply(m, id, MEDSEC_OK, http, NULL, NULL, text, strlen(text));
	free(text);
}

static json_t *
roles_array(const char *roles)
{
	json_t *a = json_array();
	const char *p = roles, *comma;

	while (a != NULL && *p != '\0') {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		if (comma > p)
			json_array_append_new(a, json_stringn(p,
			    (size_t)(comma - p)));
		p = *comma == ',' ? comma + 1 : comma;
	}
	return a;
}

static json_t *
session_json(struct monitor *m, const struct medsec_session_info *info,
    const char *token)
{
	const struct medsec_config *c = &m->cfg;
	int64_t now = medsec_clock_wall_us(), left;
	char key[MEDSEC_BASE64_LEN(32) + 2];
	json_t *o;

	left = info->created_us + (int64_t)c->session_lifetime_seconds *
	    1000000 - now;
	o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:b, s:b}", "id", info->id,
	    "user", info->user, "roles", roles_array(info->roles),
	    "idle_seconds", (json_int_t)c->session_idle_seconds,
	    "expires_in", (json_int_t)(left > 0 ? left / 1000000 : 0),
	    "must_change_password", info->must_change,
	    "emergency", info->emergency);
	if (o != NULL && token != NULL) {
		json_object_set_new(o, "token", json_string(token));
		/* Shown once, with the token: it signs control commands. */
		if (monitor_control_key_text(info->id, key, sizeof(key)) ==
		    MEDSEC_OK)
			json_object_set_new(o, "control_key", json_string(key));
		medsec_wipe(key, sizeof(key));
	}
	return o;
}

/* ---- GET /v1/health ---- */

static void
h_health(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	size_t held = 0;
	uint64_t dropped = 0;
	int degraded;

	(void)payload;
	degraded = medsec_audit_degraded(medsec_device_audit(m->dev), &held,
	    &dropped);
	reply_json(m, id, 200, json_pack("{s:s, s:s, s:s}", "status", "ok",
	    "audit", degraded ? "degraded" : "ok", "version", MEDSEC_VERSION));
}

/* ---- logins through the pool ---- */

enum login_kind { LOGIN_SESSION, LOGIN_REAUTH };

struct login_ctx {
	struct monitor *m;
	uint32_t id;
	uint64_t generation;
	int kind;
};

static void
login_done(void *arg, struct medsec_login_attempt *a, int verify_status)
{
	struct login_ctx *lc = arg;
	struct monitor *m = lc->m;
	struct medsec_session_info info;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	int r;

	memset(&info, 0, sizeof(info));
	/* A failed verify leaves the attempt unverified: finish refuses it. */
	(void)verify_status;
	if (lc->kind == LOGIN_SESSION)
		r = medsec_identity_login_finish(medsec_device_identity(m->dev),
		    a, token, &info);
	else
		r = medsec_identity_reauth_finish(
		    medsec_device_identity(m->dev), a, token, &info);
	medsec_login_attempt_free(a);
	/* The worker that asked is gone: the result is recorded, not sent. */
	if (lc->generation != m->generation || m->ps_fd < 0) {
		if (r == MEDSEC_OK)
			medsec_wipe(token, sizeof(token));
		free(lc);
		return;
	}
	if (r != MEDSEC_OK)
		monitor_reply_error(m, lc->id, r, lc->kind == LOGIN_REAUTH);
	else
		reply_json(m, lc->id, lc->kind == LOGIN_SESSION ? 201 : 200,
		    session_json(m, &info, token));
	medsec_wipe(token, sizeof(token));
	free(lc);
}

/* Queues the verify of a begun attempt; answers 429 when the pool is full. */
static void
submit_attempt(struct monitor *m, uint32_t id, int kind,
    struct medsec_login_attempt *a, const char *password, uint32_t pwlen)
{
	struct login_ctx *lc;
	int r;

	if ((lc = calloc(1, sizeof(*lc))) == NULL) {
		medsec_login_attempt_free(a);
		monitor_reply_error(m, id, MEDSEC_ERR_NOMEM, 0);
		return;
	}
	lc->m = m;
	lc->id = id;
	lc->generation = m->generation;
	lc->kind = kind;
	if ((r = login_pool_submit(m->pool, a, password, pwlen, login_done,
	    lc)) != MEDSEC_OK) {
		medsec_login_attempt_free(a);
		free(lc);
		monitor_reply_error(m, id, r == MEDSEC_ERR_BUSY ?
		    MEDSEC_ERR_BUSY : r, 0);
	}
}

static void
h_login(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_login_req req;
	struct medsec_login_attempt *a = NULL;
	int r;

	memcpy(&req, payload, sizeof(req));
	if (req.password_len >= sizeof(req.password)) {
		monitor_reply_error(m, id, MEDSEC_ERR_INVALID, 0);
		goto out;
	}
	if ((r = medsec_identity_login_begin(medsec_device_identity(m->dev),
	    req.user, req.from.source, &a)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	submit_attempt(m, id, LOGIN_SESSION, a, req.password,
	    req.password_len);
out:
	medsec_wipe(&req, sizeof(req));
}

static void
h_reauth(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_reauth_req req;
	struct medsec_login_attempt *a = NULL;
	int r;

	memcpy(&req, payload, sizeof(req));
	if (req.password_len >= sizeof(req.password)) {
		monitor_reply_error(m, id, MEDSEC_ERR_INVALID, 0);
		goto out;
	}
	if ((r = medsec_identity_reauth_begin(medsec_device_identity(m->dev),
	    req.token, req.from.source, &a)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	submit_attempt(m, id, LOGIN_REAUTH, a, req.password,
	    req.password_len);
out:
	medsec_wipe(&req, sizeof(req));
}

/* ---- sessions ---- */

/* The session behind a token, as a subject acting from source. */
static int
subject_of(struct monitor *m, const char *token, const char *source,
    struct medsec_session_info *info, struct medsec_subject *who)
{
	int r;

	memset(info, 0, sizeof(*info));
	r = medsec_identity_session_subject(medsec_device_identity(m->dev),
	    token, info, who);
	if (r == MEDSEC_OK)
		who->source = source;
	return r;
}

static void
h_session_get(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_token_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	int r;

	memcpy(&req, payload, sizeof(req));
	if ((r = subject_of(m, req.token, req.from.source, &info, &who)) !=
	    MEDSEC_OK)
		monitor_reply_error(m, id, r, 1);
	else
		reply_json(m, id, 200, session_json(m, &info, NULL));
	medsec_wipe(&req, sizeof(req));
}

static void
h_logout(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_token_req req;
	int r;

	memcpy(&req, payload, sizeof(req));
	r = medsec_session_logout(medsec_device_sessions(m->dev), req.token);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_AUDIT_DEGRADED)
		monitor_reply_error(m, id, r, 1);
	else
		monitor_reply(m, id, MEDSEC_OK, 204, NULL, NULL, NULL, 0);
	medsec_wipe(&req, sizeof(req));
}

/* ---- user administration ---- */

static int
add_account(const struct medsec_account *acct, void *arg)
{
	json_t *list = arg;

	json_array_append_new(list, json_pack(
	    "{s:s, s:o, s:s, s:I, s:I, s:I, s:b, s:s}", "name", acct->name,
	    "roles", roles_array(acct->roles), "state",
	    medsec_account_state_name(acct->state), "failures",
	    (json_int_t)acct->failures, "last_login_us",
	    (json_int_t)acct->last_login_us, "expires_us",
	    (json_int_t)acct->expires_us, "must_change_password",
	    acct->must_change, "kind",
	    acct->cert_sha256[0] != '\0' ? "machine" : "person"));
	return 0;
}

static void
h_users_list(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_token_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	json_t *list;
	int r;

	memcpy(&req, payload, sizeof(req));
	if ((r = subject_of(m, req.token, req.from.source, &info, &who)) !=
	    MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	/* Listing changes nothing, so identity leaves the decision to us. */
	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, MEDSEC_PERM_USER_ADMIN,
	    "users")) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	list = json_array();
	if ((r = medsec_identity_user_list(medsec_device_identity(m->dev),
	    add_account, list)) != MEDSEC_OK) {
		json_decref(list);
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	reply_json(m, id, 200, json_pack("{s:o}", "users", list));
out:
	medsec_wipe(&req, sizeof(req));
}

static void
h_user_add(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_user_add_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	char why[256] = "";
	int r;

	memcpy(&req, payload, sizeof(req));
	if (req.password_len >= sizeof(req.password)) {
		monitor_reply_error(m, id, MEDSEC_ERR_INVALID, 0);
		goto out;
	}
	if ((r = subject_of(m, req.token, req.from.source, &info, &who)) !=
	    MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	r = medsec_identity_user_add(medsec_device_identity(m->dev), &who,
	    req.name, req.roles, req.expires_us, req.password,
	    req.password_len, why, sizeof(why));
	if (r == MEDSEC_OK)
		reply_json(m, id, 201, json_pack("{s:s, s:o, s:b}", "name",
		    req.name, "roles", roles_array(req.roles),
		    "must_change_password", 1));
	else if (why[0] != '\0' && (r == MEDSEC_ERR_POLICY ||
	    r == MEDSEC_ERR_INVALID))
		monitor_reply(m, id, r, r == MEDSEC_ERR_POLICY ? 422 : 400,
		    r == MEDSEC_ERR_POLICY ? "password_policy" :
		    "invalid_request", why, NULL, 0);
	else
		monitor_reply_error(m, id, r, 0);
out:
	medsec_wipe(&req, sizeof(req));
}

static void
h_user_action(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_user_action_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	struct medsec_identity *idn = medsec_device_identity(m->dev);
	int r;

	memcpy(&req, payload, sizeof(req));
	if ((r = subject_of(m, req.token, req.from.source, &info, &who)) !=
	    MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	switch (req.action) {
	case PS_USER_DISABLE:
	case PS_USER_ENABLE:
		r = medsec_identity_user_set_disabled(idn, &who, req.name,
		    req.action == PS_USER_DISABLE);
		break;
	case PS_USER_UNLOCK:
		r = medsec_identity_user_unlock(idn, &who, req.name);
		break;
	case PS_USER_DELETE:
		r = medsec_identity_user_delete(idn, &who, req.name);
		break;
	default:
		r = MEDSEC_ERR_INVALID;
		break;
	}
	/*
	 * A disabled or deleted machine account's certificate is on the
	 * revocation list now: the worker takes it and closes the peer's
	 * live connections, as after SIGHUP.
	 */
	if ((r == MEDSEC_OK || r == MEDSEC_ERR_AUDIT_DEGRADED) &&
	    (req.action == PS_USER_DISABLE || req.action == PS_USER_DELETE) &&
	    monitor_peer_enforce(m, who.user, who.source) != 0)
		monitor_reply(m, id, MEDSEC_ERR_STATE, 500,
		    "revocation_not_applied", MONITOR_REVOCATION_NOT_APPLIED,
		    NULL, 0);
	else if (r == MEDSEC_OK)
		monitor_reply(m, id, MEDSEC_OK, 204, NULL, NULL, NULL, 0);
	else
		monitor_reply_error(m, id, r, 0);
out:
	medsec_wipe(&req, sizeof(req));
}

/* ---- reports from the worker ---- */

static void
h_peer_refused(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_peer_refused_req req;
	struct medsec_audit_detail d;
	const char *details = NULL;

	(void)id; /* a report: no reply */
	memcpy(&req, payload, sizeof(req));
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "listener", req.from.listener);
	medsec_audit_detail_u64(&d, "connections", req.count);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_PEER_REFUSED, NULL, req.from.source,
	    req.from.listener, MEDSEC_AUDIT_FAILURE,
	    "client address outside the allow-list", details);
}

/*
 * After the THROTTLED record: the guard reports once per source per
 * interval, so a flood is one incident, its later reports entries of
 * that incident's timeline, never one per refused request.
 */
static void
open_flood_incident(struct monitor *m, const struct ps_throttled_req *req)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "source %s over the flood limits "
	    "on listener %s: %llu connections, %llu requests and %llu "
	    "logins refused in %llu s", req->from.source, req->from.listener,
	    (unsigned long long)req->refused_connections,
	    (unsigned long long)req->refused_requests,
	    (unsigned long long)req->refused_logins,
	    (unsigned long long)req->seconds);
	monitor_incident(m, MEDSEC_INCIDENT_ON_FLOOD, detail, "The device "
	    "refused the excess connections, requests and logins of that "
	    "source (HTTP 429) and recorded them in its audit trail "
	    "(THROTTLED); service to other sources continued.");
}

/* One record per source per interval: the guard aggregates (MFDS 2.4). */
static void
h_throttled(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_throttled_req req;
	struct medsec_audit_detail d;
	const char *details = NULL;

	(void)id; /* a report: no reply */
	memcpy(&req, payload, sizeof(req));
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "listener", req.from.listener);
	medsec_audit_detail_u64(&d, "refused_connections",
	    req.refused_connections);
	medsec_audit_detail_u64(&d, "refused_requests", req.refused_requests);
	medsec_audit_detail_u64(&d, "refused_logins", req.refused_logins);
	medsec_audit_detail_u64(&d, "over_seconds", req.seconds);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_THROTTLED, NULL, req.from.source,
	    req.from.listener, MEDSEC_AUDIT_FAILURE, "over the flood limits",
	    details);
	open_flood_incident(m, &req);
}

static void
h_worker_ready(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_worker_ready_req req;

	(void)id;
	memcpy(&req, payload, sizeof(req));
	m->worker_state = PS_STATE_SERVING;
	medsecd_log(LOG_NOTICE, "worker %ld serving as uid %u",
	    (long)m->worker_pid, req.uid);
}

const struct monitor_dispatch monitor_dispatch_table[] = {
	{ PS_HEALTH, h_health },
	{ PS_LOGIN, h_login },
	{ PS_SESSION_GET, h_session_get },
	{ PS_LOGOUT, h_logout },
	{ PS_REAUTH, h_reauth },
	{ PS_USERS_LIST, h_users_list },
	{ PS_USER_ADD, h_user_add },
	{ PS_USER_ACTION, h_user_action },
	{ PS_PEER_REFUSED, h_peer_refused },
	{ PS_WORKER_READY, h_worker_ready },
	{ PS_AUDIT_READ, monitor_h_audit_read },
	{ PS_CONTROL, monitor_h_control },
	{ PS_THROTTLED, h_throttled },
	/* Peers and TLS failures (monitor_peer.c). */
	{ PS_TLS_FAILURE, monitor_h_tls_failure },
	{ PS_PEER_REQUEST, monitor_h_peer_request },
	{ PS_PEER_CLOSED, monitor_h_peer_closed },
	{ PS_PEER_REVOKE, monitor_h_peer_revoke },
	{ PS_UPDATE_UPLOAD, monitor_h_update_upload },
	{ PS_UPDATE_STATUS, monitor_h_update_status },
	{ PS_UPDATE_APPROVE, monitor_h_update_approve },
	{ PS_INTEGRITY, monitor_h_integrity },
	{ PS_OBSERVATIONS, monitor_h_observations },
};
const size_t monitor_dispatch_count =
    sizeof(monitor_dispatch_table) / sizeof(monitor_dispatch_table[0]);
