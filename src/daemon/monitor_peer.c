/*
 * The monitor's side of the peer listener and of TLS failures (MFDS 1.5,
 * 1.6, 1.15): the records of failed handshakes the worker reports in
 * aggregate, the mapping of a machine peer's client certificate to its
 * identity for every request on the peer listener, and the revocation
 * list handed to the worker on reload so that new handshakes and live
 * connections of a revoked peer are refused.
 *
 * What the peer listener serves (docs/api.md, "The peer listener"): a
 * request is answered only for a certificate whose fingerprint is that
 * of an active machine account; it then runs under that account's roles.
 * Operator routes are refused there: the route's permission is checked
 * first (a device certificate asking for the user list is denied and
 * recorded like any other denial), and an operator route the roles would
 * allow is still refused, because operator work needs a person's session
 * on the api listener.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <jansson.h>

#include "medsec/access.h"
#include "medsec/channel.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/session.h"
#include "monitor.h"

/* ---- failed handshakes (TLS_FAILURE) ---- */

void
monitor_h_tls_failure(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_tls_failure_req req;
	struct medsec_audit_detail d;
	const char *details = NULL;

	(void)id; /* a report: no reply */
	memcpy(&req, payload, sizeof(req));
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "listener", req.from.listener);
	medsec_audit_detail_u64(&d, "alert", req.alert);
	medsec_audit_detail_u64(&d, "handshakes", req.count);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_TLS_FAILURE, NULL, req.from.source,
	    req.from.listener, MEDSEC_AUDIT_FAILURE, req.reason, details);
}

/* ---- requests on the peer listener ---- */

enum peer_serve {
	PEER_HEALTH,	/* GET /v1/health, with the identity it ran under */
	PEER_IDENTITY,	/* GET /v1/peer: who the certificate maps to */
	PEER_OPERATOR,	/* an operator route: the api listener's */
};

#define NO_PERMISSION (-1)

struct peer_route {
	const char *method;
	const char *path; /* exact, or a prefix ending in '/' */
	int perm;	  /* checked for the identity; NO_PERMISSION: none */
	int serve;
	const char *object; /* for the records */
};

static const struct peer_route peer_routes[] = {
	{ "GET", "/v1/health", NO_PERMISSION, PEER_HEALTH, "health" },
	{ "GET", "/v1/peer", NO_PERMISSION, PEER_IDENTITY, "peer" },
	{ "GET", "/v1/users", MEDSEC_PERM_USER_ADMIN, PEER_OPERATOR, "users" },
	{ "POST", "/v1/users", MEDSEC_PERM_USER_ADMIN, PEER_OPERATOR,
	    "users" },
	{ "POST", "/v1/users/", MEDSEC_PERM_USER_ADMIN, PEER_OPERATOR,
	    "users" },
	{ "DELETE", "/v1/users/", MEDSEC_PERM_USER_ADMIN, PEER_OPERATOR,
	    "users" },
	{ "GET", "/v1/audit", MEDSEC_PERM_AUDIT_READ, PEER_OPERATOR,
	    "audit" },
	{ "POST", "/v1/control", MEDSEC_PERM_DEVICE_CONTROL, PEER_OPERATOR,
	    "control" },
	{ "GET", "/v1/patients/", MEDSEC_PERM_PHR_READ, PEER_OPERATOR,
	    "observations" },
	{ "POST", "/v1/updates", MEDSEC_PERM_MAINTENANCE, PEER_OPERATOR,
	    "updates" },
	{ "GET", "/v1/updates", MEDSEC_PERM_MAINTENANCE, PEER_OPERATOR,
	    "updates" },
	{ "POST", "/v1/updates/approve", MEDSEC_PERM_UPDATE_APPROVE,
	    PEER_OPERATOR, "updates" },
	{ "GET", "/v1/integrity", MEDSEC_PERM_MAINTENANCE, PEER_OPERATOR,
	    "integrity" },
	{ "POST", "/v1/peers/revoke", MEDSEC_PERM_USER_ADMIN, PEER_OPERATOR,
	    "peers" },
	{ "POST", "/v1/session", NO_PERMISSION, PEER_OPERATOR, "session" },
	{ "GET", "/v1/session", NO_PERMISSION, PEER_OPERATOR, "session" },
	{ "DELETE", "/v1/session", NO_PERMISSION, PEER_OPERATOR, "session" },
	{ "POST", "/v1/session/reauth", NO_PERMISSION, PEER_OPERATOR,
	    "session" },
	{ "GET", "/v1/incident", NO_PERMISSION, PEER_OPERATOR, "incident" },
};

static const struct peer_route *
find_peer_route(const char *method, const char *path)
{
	const struct peer_route *r;
	size_t i, n;

	for (i = 0; i < sizeof(peer_routes) / sizeof(peer_routes[0]); i++) {
		r = &peer_routes[i];
		n = strlen(r->path);
		if (strcmp(r->method, method) != 0)
			continue;
		if (r->path[n - 1] == '/' ? strncmp(path, r->path, n) == 0 &&
		    path[n] != '\0' : strcmp(path, r->path) == 0)
			return r;
	}
	return NULL;
}

/* The certificate mapped to no active machine: refused (the library
 * has recorded why: PEER_REFUSED). */
static void
reply_unidentified(struct monitor *m, uint32_t id, int r)
{
	switch (r) {
	case MEDSEC_ERR_DISABLED:
		monitor_reply(m, id, r, 403, "peer_disabled", "this client "
		    "certificate is revoked or its machine account disabled",
		    NULL, 0);
		break;
	case MEDSEC_ERR_EXPIRED:
		monitor_reply(m, id, r, 403, "peer_expired", "the machine "
		    "account of this client certificate has expired", NULL,
		    0);
		break;
	case MEDSEC_ERR_LOGIN_FAILED:
	case MEDSEC_ERR_INVALID:
		monitor_reply(m, id, r, 403, "unknown_peer", "this client "
		    "certificate is not that of a known machine peer", NULL,
		    0);
		break;
	default:
		monitor_reply_error(m, id, r, 0);
		break;
	}
}

static void
reply_body(struct monitor *m, uint32_t id, json_t *o)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (text == NULL) {
		monitor_reply(m, id, MEDSEC_ERR_NOMEM, 500, "internal_error",
		    "out of memory", NULL, 0);
		return;
	}
	monitor_reply(m, id, MEDSEC_OK, 200, NULL, NULL, text, strlen(text));
	free(text);
}

static json_t *
role_list(const char *roles)
{
	json_t *a = json_array();
	char copy[sizeof(((struct medsec_account *)0)->roles)];
	char *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", roles);
	for (tok = strtok_r(copy, ",", &save); a != NULL && tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	return a;
}

static void
serve_peer(struct monitor *m, uint32_t id, const struct peer_route *route,
    const struct medsec_account *acct, const struct ps_peer_req *req)
{
	size_t held = 0;
	uint64_t dropped = 0;
	int degraded;

	switch (route->serve) {
	case PEER_HEALTH:
		degraded = medsec_audit_degraded(medsec_device_audit(m->dev),
		    &held, &dropped);
		reply_body(m, id, json_pack("{s:s, s:s, s:s, s:s}", "status",
		    "ok", "audit", degraded ? "degraded" : "ok", "version",
		    MEDSEC_VERSION, "peer", acct->name));
		break;
	case PEER_IDENTITY:
		reply_body(m, id, json_pack("{s:s, s:o, s:s}", "peer",
		    acct->name, "roles", role_list(acct->roles),
		    "fingerprint", req->fingerprint));
		break;
	default:
		monitor_audit(m, MEDSEC_EV_PERMISSION_DENIED, acct->name,
		    req->from.source, route->object, MEDSEC_AUDIT_FAILURE,
		    "operator route on the peer listener", NULL);
		monitor_reply(m, id, MEDSEC_ERR_DENIED, 403,
		    "api_listener_only", "operator routes are served on the "
		    "api listener, with a person's session", NULL, 0);
		break;
	}
}

void
monitor_h_peer_request(struct monitor *m, uint32_t id,
    const uint8_t *payload)
{
	const struct peer_route *route;
	struct medsec_account acct;
	struct medsec_subject who;
	struct ps_peer_req req;
	int r;

	memcpy(&req, payload, sizeof(req));
	memset(&acct, 0, sizeof(acct));
	/* Nothing is answered to a certificate that maps to no machine. */
	if ((r = medsec_identity_peer_authenticate(
	    medsec_device_identity(m->dev), req.fingerprint, req.from.source,
	    &acct)) != MEDSEC_OK) {
		reply_unidentified(m, id, r);
		return;
	}
	if ((route = find_peer_route(req.method, req.path)) == NULL) {
		monitor_reply(m, id, MEDSEC_ERR_NOT_FOUND, 404, "not_found",
		    "no such resource on the peer listener", NULL, 0);
		return;
	}
	who.user = acct.name;
	who.source = req.from.source;
	who.roles = acct.roles;
	if (route->perm != NO_PERMISSION &&
	    (r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, route->perm, route->object)) !=
	    MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		return;
	}
	serve_peer(m, id, route, &acct, &req);
}

/* ---- revocation on live connections ---- */

void
monitor_h_peer_closed(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_peer_closed_req req;
	struct medsec_audit_detail d;
	const char *details = NULL;

	(void)id; /* a report: no reply */
	memcpy(&req, payload, sizeof(req));
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "listener", req.from.listener);
	medsec_audit_detail_u64(&d, "connections", req.count);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_PEER_REFUSED, req.fingerprint,
	    req.from.source, req.fingerprint, MEDSEC_AUDIT_FAILURE,
	    "certificate revoked: live connection closed", details);
}

/* ---- POST /v1/peers/revoke ---- */

static void
audit_refused_revocation(struct monitor *m, const struct medsec_subject *who,
    const char *fingerprint, const char *reason)
{
	monitor_audit(m, MEDSEC_EV_CERT_REVOKED, who->user, who->source,
	    fingerprint, MEDSEC_AUDIT_FAILURE, reason, NULL);
}

/*
 * A revocation committed but not in force is a hole: when the list cannot
 * be read or set, the worker is restarted (every live connection closes)
 * and the watcher tries the list again each tick. Meanwhile a successor
 * worker may complete the handshake of the revoked certificate with the
 * list in force before, but each of its requests is refused: the monitor
 * maps every peer request from the database, where the revocation is.
 * 0 when the list is in force; -1 (logged and audited) when not.
 */
#define ENFORCE_RESTART_GRACE_S 1

static void
on_enforce_restart(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	(void)fd;
	(void)what;
	/* A worker started since has the database's word already. */
	if (!m->stopping && m->worker_pid > 0 &&
	    m->generation == m->revocation_restart_of)
		kill(m->worker_pid, SIGTERM);
}

/*
 * The restart waits a moment, so that the answer saying it is coming
 * reaches the administrator through the worker it ends; meanwhile the
 * revoked peer's connections stay harmless, as each of its requests is
 * refused from the database.
 */
static void
restart_worker_soon(struct monitor *m)
{
	const struct timeval grace = { ENFORCE_RESTART_GRACE_S, 0 };

	m->revocation_restart_of = m->generation;
	if (event_base_once(m->base, -1, EV_TIMEOUT, on_enforce_restart, m,
	    &grace) != 0 && m->worker_pid > 0)
		kill(m->worker_pid, SIGTERM);
}

int
monitor_peer_enforce(struct monitor *m, const char *actor, const char *source)
{
	if (monitor_peer_reload(m) == 0)
		return 0;
	medsecd_log(LOG_ALERT, "a revocation is stored but its list could not "
	    "be put in force; restarting the worker to close every "
	    "connection");
	restart_worker_soon(m);
	m->db_version = 0;
	m->revocation_watch_failing = 1;
	monitor_audit(m, MEDSEC_EV_CONFIG_CHANGED, actor, source,
	    "revocation list", MEDSEC_AUDIT_FAILURE,
	    "revocation stored, list not in force: worker restarted", NULL);
	return -1;
}

static void
reply_revoked(struct monitor *m, uint32_t id, const char *fingerprint,
    int degraded, int enforced)
{
	json_t *o = json_pack("{s:s, s:b, s:s}", "fingerprint", fingerprint,
	    "revoked", 1, "live_connections", "closed");
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (text == NULL) {
		monitor_reply_error(m, id, MEDSEC_ERR_NOMEM, 0);
		return;
	}
	/* Revoked either way; a record not yet durable is said so (500). */
	if (!enforced)
		monitor_reply(m, id, MEDSEC_ERR_STATE, 500,
		    "revocation_not_applied", MONITOR_REVOCATION_NOT_APPLIED,
		    NULL, 0);
	else if (degraded)
		monitor_reply_error(m, id, MEDSEC_ERR_AUDIT_DEGRADED, 0);
	else
		monitor_reply(m, id, MEDSEC_OK, 200, NULL, NULL, text,
		    strlen(text));
	free(text);
}

/*
 * A certificate revoked while the daemon runs: an administrator's
 * session, re-authenticated as for an update approval (taking a peer off
 * the device is as deliberate), then the library call the CLI makes
 * (the revocation and its record), then the reload SIGHUP runs, which
 * closes the peer's live connections in the worker.
 */
void
monitor_h_peer_revoke(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_peer_revoke_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	struct medsec_identity *idn = medsec_device_identity(m->dev);
	int r;

	memcpy(&req, payload, sizeof(req));
	memset(&info, 0, sizeof(info));
	if ((r = medsec_identity_session_subject(idn, req.token, &info,
	    &who)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	who.source = req.from.source;
	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, MEDSEC_PERM_USER_ADMIN,
	    req.fingerprint)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	if (info.reauth_us <= info.created_us ||
	    medsec_identity_require_fresh(idn, req.token) != MEDSEC_OK) {
		audit_refused_revocation(m, &who, req.fingerprint,
		    "revocation needs a fresh re-authentication");
		monitor_reply(m, id, MEDSEC_ERR_STATE, 403, "reauth_required",
		    "revoking a peer certificate needs POST /v1/session/reauth "
		    "within [session] reauth_seconds (the login does not "
		    "count), then revoke with the new token", NULL, 0);
		goto out;
	}
	r = medsec_identity_cert_revoke(idn, &who, req.fingerprint, NULL,
	    req.reason[0] != '\0' ? req.reason : "revoked over the API");
	if (r != MEDSEC_OK && r != MEDSEC_ERR_AUDIT_DEGRADED) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	reply_revoked(m, id, req.fingerprint, r == MEDSEC_ERR_AUDIT_DEGRADED,
	    monitor_peer_enforce(m, who.user, who.source) == 0);
out:
	medsec_wipe(&req, sizeof(req));
}

static void
audit_reload_refused(struct monitor *m, const char *why)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d, "error", why, 200);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_CONFIG_CHANGED, "medsecd", "local",
	    "tls.crl_file", MEDSEC_AUDIT_FAILURE, "reload refused", details);
}

/*
 * SIGHUP: the revocation list as the database holds it now. The
 * monitor's own peer channel takes it (and re-reads the CRL) for the
 * workers it starts from now on; the running worker gets the list and
 * closes the revoked peers' live connections. A list too large for one
 * message restarts the worker instead: its successor starts with the
 * list in force (fail closed; every connection is closed).
 */
int
monitor_peer_reload(struct monitor *m)
{
	struct medsec_channel *ch = m->channel[MEDSECD_LISTEN_PEER];
	char *text = NULL, err[512];
	size_t len;
	int r, rc = -1;

	if (ch == NULL)
		return 0;
	if ((r = medsec_identity_revocation_list(medsec_device_identity(m->dev),
	    &text)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "reload: the certificate revocation list "
		    "cannot be read (%s); the one in force stays",
		    medsec_strerror(r));
		return -1;
	}
	len = strlen(text);
	/*
	 * A CRL file that no longer loads keeps the one in force, but does
	 * not hold back the list: revocations take effect either way.
	 */
	if ((r = medsec_channel_reload_revocation(ch, text, len, err,
	    sizeof(err))) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "reload: %s; the CRL in force stays", err);
		audit_reload_refused(m, err);
		if ((r = medsec_channel_set_revocation_list(ch, text, len, err,
		    sizeof(err))) != MEDSEC_OK) {
			medsecd_log(LOG_ERR, "reload: %s; the revocation list "
			    "in force stays", err);
			goto out;
		}
	}
	free(m->revocation_in_force);
	m->revocation_in_force = text;
	text = NULL;
	rc = 0; /* in force for the handshakes; the worker's copy follows */
	if (m->ps_fd < 0)
		goto out;
	if (len > PRIVSEP_BODY_MAX) {
		medsecd_log(LOG_NOTICE, "reload: the revocation list is over "
		    "one message; restarting the worker with it");
		if (m->worker_pid > 0)
			kill(m->worker_pid, SIGTERM);
		goto out;
	}
	/*
	 * A worker that did not get the list would keep a revoked peer's
	 * live connections: restart it, as for a list over one message.
	 */
	if ((r = privsep_send(m->ps_fd, PS_REVOCATION_LIST, 0,
	    m->revocation_in_force, len, -1)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "reload: the revocation list was not sent "
		    "to the worker (%s); restarting the worker with it",
		    medsec_strerror(r));
		if (m->worker_pid > 0)
			kill(m->worker_pid, SIGTERM);
	}
out:
	free(text);
	return rc;
}

/*
 * The watcher: a revocation committed by another process (an
 * administrator's `medsec user revoke-cert` on the device) takes effect
 * as on SIGHUP, within a tick. PRAGMA data_version (medsec_db_data_version)
 * changes only when another connection commits, so an idle tick costs one
 * cached statement and no file system event is needed; inotify would have
 * to follow the database, its WAL and their replacement, and says nothing
 * about whether the commit is complete. A change that leaves the list as
 * it is (a login elsewhere, a new user) reloads nothing.
 */
#define REVOCATION_WATCH_S 1

static int
revocation_list_changed(struct monitor *m)
{
	char *text = NULL;
	int64_t version;
	int r, changed;

	if ((r = medsec_db_data_version(medsec_device_db(m->dev), &version)) !=
	    MEDSEC_OK) {
		medsecd_log(LOG_ERR, "revocation watcher: the database's "
		    "version cannot be read: %s", medsec_strerror(r));
		return 0;
	}
	if (version == m->db_version)
		return 0;
	m->db_version = version;
	if ((r = medsec_identity_revocation_list(medsec_device_identity(m->dev),
	    &text)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "revocation watcher: the certificate "
		    "revocation list cannot be read (%s); the one in force "
		    "stays", medsec_strerror(r));
		m->db_version = 0; /* read it again at the next tick */
		return 0;
	}
	changed = m->revocation_in_force == NULL ||
	    strcmp(text, m->revocation_in_force) != 0;
	free(text);
	return changed;
}

static void
on_revocation_watch(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	(void)fd;
	(void)what;
	if (m->stopping || !revocation_list_changed(m))
		return;
	medsecd_log(LOG_NOTICE, "the certificate revocation list changed in "
	    "the database; reloading it");
	if (monitor_peer_reload(m) == 0) {
		m->revocation_watch_failing = 0;
		monitor_audit(m, MEDSEC_EV_CONFIG_CHANGED, "medsecd", "local",
		    "revocation list", MEDSEC_AUDIT_SUCCESS,
		    "reloaded: changed in the database", NULL);
		return;
	}
	/*
	 * Tried again every tick until it loads; recorded once. A revocation
	 * the worker never got would leave its peer's live connections open:
	 * the worker is restarted once, which closes them all (its successor
	 * refuses the peer's requests from the database).
	 */
	m->db_version = 0;
	if (!m->revocation_watch_failing) {
		restart_worker_soon(m);
		monitor_audit(m, MEDSEC_EV_CONFIG_CHANGED, "medsecd", "local",
		    "revocation list", MEDSEC_AUDIT_FAILURE,
		    "changed in the database, not reloaded: worker restarted",
		    NULL);
	}
	m->revocation_watch_failing = 1;
}

int
monitor_peer_watch_start(struct monitor *m)
{
	const struct timeval every = { REVOCATION_WATCH_S, 0 };
	int r;

	if (m->channel[MEDSECD_LISTEN_PEER] == NULL)
		return 0;
	if ((r = medsec_db_data_version(medsec_device_db(m->dev),
	    &m->db_version)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "revocation watcher: the database's "
		    "version cannot be read: %s", medsec_strerror(r));
		return -1;
	}
	m->revocation_watch = event_new(m->base, -1, EV_PERSIST,
	    on_revocation_watch, m);
	if (m->revocation_watch == NULL ||
	    event_add(m->revocation_watch, &every) != 0) {
		medsecd_log(LOG_ERR, "revocation watcher: cannot start its "
		    "timer");
		return -1;
	}
	return 0;
}

void
monitor_peer_watch_free(struct monitor *m)
{
	if (m->revocation_watch != NULL)
		event_free(m->revocation_watch);
	m->revocation_watch = NULL;
	free(m->revocation_in_force);
	m->revocation_in_force = NULL;
}
