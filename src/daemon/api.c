/*
 * The operator API's routes (docs/api.md): each checks its input strictly
 * and turns the request into one typed privsep request. Only
 * GET /v1/incident is answered here, from the configuration, because it
 * involves no decision and must work without login (MFDS 2.3).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "medsec/crypto.h"
#include "medsec/identity.h"
#include "api.h"
#include "http.h"
#include "worker.h"

struct route {
	enum evhttp_cmd_type method;
	const char *path;   /* exact, or a prefix ending in '/' with tail */
	int tail;	    /* 1: path ends in '/' and a name follows
			       ("/v1/users/", "/v1/patients/");
			       2: a query string may follow (the tail) */
	void (*fn)(struct worker *, int, struct evhttp_request *,
	    const char *);
};

static void
origin(struct evhttp_request *req, int which, struct ps_origin *o)
{
	static const char *const names[MEDSECD_LISTEN__COUNT] = {
		"api", "peer", "debug_http" };

	http_source(req, o->source, sizeof(o->source));
	snprintf(o->listener, sizeof(o->listener), "%s", names[which]);
}

/* ---- no login ---- */

static void
get_health(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_health_req r;

	(void)tail;
	memset(&r, 0, sizeof(r));
	origin(req, which, &r.from);
	worker_request(w, req, PS_HEALTH, &r, sizeof(r));
}

static void
get_incident(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	const struct medsec_config *c = &w->cfg;
	json_t *o, *steps;
	char *text;
	size_t i;

	(void)which;
	(void)tail;
	steps = json_array();
	for (i = 0; i < MEDSEC_CONFIG_INCIDENT_STEPS; i++)
		if (c->incident_steps[i][0] != '\0')
			json_array_append_new(steps,
			    json_string(c->incident_steps[i]));
	o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "contact",
	    c->incident_contact, "phone", c->incident_phone, "email",
	    c->incident_email, "url", c->incident_url, "steps", steps);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL) {
		http_error(req, 500, "internal_error", "out of memory", 0);
		return;
	}
	http_json(req, 200, text, strlen(text));
	free(text);
}

/*
 * Copies a password member into a request's counted array. 0, or -1
 * after answering 400.
 */
static int
take_password(struct evhttp_request *req, json_t *o, const char *key,
    char *dst, size_t dstlen, uint32_t *lenp)
{
	json_t *v = json_object_get(o, key);
	size_t n = 0;

	if (!json_is_string(v) || (n = json_string_length(v)) == 0 ||
	    n >= dstlen || memchr(json_string_value(v), '\0', n) != NULL) {
		http_error(req, 400, "invalid_request", n >= dstlen ?
		    "the password is too long" :
		    "\"password\" must be a non-empty string", 0);
		return -1;
	}
	memcpy(dst, json_string_value(v), n);
	*lenp = (uint32_t)n;
	return 0;
}

/* Strict unpack: exactly the members named in fmt, no others. */
static int
unpack(struct evhttp_request *req, json_t *o, const char *fmt, ...)
{
	json_error_t jerr;
	char msg[256];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = json_vunpack_ex(o, &jerr, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (r != 0) {
		snprintf(msg, sizeof(msg), "the body does not fit: %s",
		    jerr.text);
		http_error(req, 400, "invalid_request", msg, 0);
		return -1;
	}
	return 0;
}

static int
copy_name(struct evhttp_request *req, const char *name, char *dst,
    size_t dstlen, const char *what)
{
	char msg[160];

	if (strlen(name) >= dstlen || !medsec_identity_valid_name(name)) {
		snprintf(msg, sizeof(msg), "%s: not a valid user name (a-z, "
		    "0-9, '.', '_', '-'; starts with a letter)", what);
		http_error(req, 400, "invalid_request", msg, 0);
		return -1;
	}
	snprintf(dst, dstlen, "%s", name);
	return 0;
}

/* ---- sessions ---- */

static void
post_session(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_login_req r;
	const char *user = NULL, *password = NULL;
	json_t *o;

	(void)tail;
	memset(&r, 0, sizeof(r));
	if ((o = http_json_body(req, w->cfg.limits_max_body_bytes)) == NULL)
		return;
	if (unpack(req, o, "{s:s, s:s}", "user", &user, "password",
	    &password) != 0 || copy_name(req, user, r.user, sizeof(r.user),
	    "user") != 0 || take_password(req, o, "password", r.password,
	    sizeof(r.password), &r.password_len) != 0)
		goto out;
	origin(req, which, &r.from);
	worker_request(w, req, PS_LOGIN, &r, sizeof(r));
out:
	medsec_wipe(&r, sizeof(r));
	json_decref(o); /* jansson frees strings without wiping */
}

static void
token_request(struct worker *w, int which, struct evhttp_request *req,
    uint32_t type)
{
	struct ps_token_req r;

	memset(&r, 0, sizeof(r));
	if (http_bearer(req, r.token) != 0)
		return;
	origin(req, which, &r.from);
	worker_request(w, req, type, &r, sizeof(r));
	medsec_wipe(&r, sizeof(r));
}

static void
get_session(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	(void)tail;
	token_request(w, which, req, PS_SESSION_GET);
}

static void
delete_session(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	(void)tail;
	token_request(w, which, req, PS_LOGOUT);
}

static void
post_reauth(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_reauth_req r;
	const char *password = NULL;
	json_t *o;

	(void)tail;
	memset(&r, 0, sizeof(r));
	if (http_bearer(req, r.token) != 0)
		return;
	if ((o = http_json_body(req, w->cfg.limits_max_body_bytes)) == NULL)
		goto out;
	if (unpack(req, o, "{s:s}", "password", &password) != 0 ||
	    take_password(req, o, "password", r.password, sizeof(r.password),
	    &r.password_len) != 0)
		goto out;
	origin(req, which, &r.from);
	worker_request(w, req, PS_REAUTH, &r, sizeof(r));
out:
	medsec_wipe(&r, sizeof(r));
	json_decref(o);
}

/* ---- users ---- */

static void
get_users(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	(void)tail;
	token_request(w, which, req, PS_USERS_LIST);
}

static void
post_users(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_user_add_req r;
	const char *name = NULL, *password = NULL, *roles = NULL;
	json_int_t expires = 0;
	json_t *o = NULL;

	(void)tail;
	memset(&r, 0, sizeof(r));
	if (http_bearer(req, r.token) != 0)
		return;
	if ((o = http_json_body(req, w->cfg.limits_max_body_bytes)) == NULL)
		goto out;
	if (unpack(req, o, "{s:s, s:s, s:s, s?I}", "name", &name, "roles",
	    &roles, "password", &password, "expires_us", &expires) != 0 ||
	    copy_name(req, name, r.name, sizeof(r.name), "name") != 0 ||
	    take_password(req, o, "password", r.password, sizeof(r.password),
	    &r.password_len) != 0)
		goto out;
	if (strlen(roles) >= sizeof(r.roles) || roles[0] == '\0') {
		http_error(req, 400, "invalid_request",
		    "\"roles\": a comma-separated list of role names", 0);
		goto out;
	}
	snprintf(r.roles, sizeof(r.roles), "%s", roles);
	r.expires_us = (int64_t)expires;
	origin(req, which, &r.from);
	worker_request(w, req, PS_USER_ADD, &r, sizeof(r));
out:
	medsec_wipe(&r, sizeof(r));
	json_decref(o);
}

static void
user_action(struct worker *w, int which, struct evhttp_request *req,
    const char *tail, int is_delete)
{
	static const struct {
		const char *verb;
		uint32_t action;
	} verbs[] = { { "disable", PS_USER_DISABLE },
		{ "enable", PS_USER_ENABLE }, { "unlock", PS_USER_UNLOCK } };
	struct ps_user_action_req r;
	char name[MEDSEC_USER_NAME_MAX + 16];
	const char *slash = strchr(tail, '/');
	size_t i, n = slash != NULL ? (size_t)(slash - tail) : strlen(tail);

	memset(&r, 0, sizeof(r));
	if (n >= sizeof(name) || (is_delete && slash != NULL)) {
		http_error(req, 404, "not_found", "no such resource", 0);
		return;
	}
	memcpy(name, tail, n);
	name[n] = '\0';
	if (is_delete)
		r.action = PS_USER_DELETE;
	for (i = 0; !is_delete && slash != NULL && i < 3; i++)
		if (strcmp(slash + 1, verbs[i].verb) == 0)
			r.action = verbs[i].action;
	if (r.action == 0) {
		http_error(req, 404, "not_found", "no such resource", 0);
		return;
	}
	if (http_bearer(req, r.token) != 0 ||
	    copy_name(req, name, r.name, sizeof(r.name), "user") != 0)
		goto out;
	origin(req, which, &r.from);
	worker_request(w, req, PS_USER_ACTION, &r, sizeof(r));
out:
	medsec_wipe(&r, sizeof(r));
}

static void
post_user_action(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	user_action(w, which, req, tail, 0);
}

static void
delete_user(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	user_action(w, which, req, tail, 1);
}

/* A decimal number of a query parameter, within [min, max]. */
static int
query_number(struct evhttp_request *req, const struct evkeyvalq *q,
    const char *key, uint64_t min, uint64_t max, uint64_t dflt,
    uint64_t *out)
{
	const char *v = evhttp_find_header(q, key);
	char msg[160], *end;
	unsigned long long n;

	*out = dflt;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
	    n < min || n > max) {
		snprintf(msg, sizeof(msg), "%s: a number from %llu to %llu",
		    key, (unsigned long long)min, (unsigned long long)max);
		http_error(req, 400, "invalid_request", msg, 0);
		return -1;
	}
	*out = n;
	return 0;
}

static void
get_audit(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_audit_req r;
	struct evkeyvalq q;
	const struct evkeyval *kv;
	uint64_t limit = PS_AUDIT_LIMIT_MAX;
	int bad = 0;

	memset(&r, 0, sizeof(r));
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(tail, &q) != 0) {
		http_error(req, 400, "invalid_request", "malformed query", 0);
		return;
	}
	for (kv = q.tqh_first; kv != NULL; kv = kv->next.tqe_next)
		if (strcmp(kv->key, "after") != 0 &&
		    strcmp(kv->key, "limit") != 0)
			bad = 1;
	if (bad) {
		http_error(req, 400, "invalid_request",
		    "the query takes only after and limit", 0);
		goto out;
	}
	if (query_number(req, &q, "after", 0, INT64_MAX, 0, &r.after) != 0 ||
	    query_number(req, &q, "limit", 1, PS_AUDIT_LIMIT_MAX,
	    PS_AUDIT_LIMIT_MAX, &limit) != 0 || http_bearer(req, r.token) != 0)
		goto out;
	r.limit = (uint32_t)limit;
	origin(req, which, &r.from);
	worker_request(w, req, PS_AUDIT_READ, &r, sizeof(r));
out:
	evhttp_clear_headers(&q);
	medsec_wipe(&r, sizeof(r));
}

static void
post_control(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_control_req r;
	const char *command = NULL, *mac = NULL;
	json_int_t seq = 0;
	json_t *o = NULL, *args = NULL;
	char *canon = NULL;

	(void)tail;
	memset(&r, 0, sizeof(r));
	if (http_bearer(req, r.token) != 0)
		return;
	if ((o = http_json_body(req, w->cfg.limits_max_body_bytes)) == NULL)
		goto out;
	if (unpack(req, o, "{s:I, s:s, s:o, s:s}", "seq", &seq, "command",
	    &command, "args", &args, "mac", &mac) != 0)
		goto out;
	/*
	 * The text the MAC covers: members sorted, no whitespace (RFC 8785
	 * for the integers and plain strings these commands take).
	 */
	canon = json_is_object(args) ? json_dumps(args, JSON_COMPACT |
	    JSON_SORT_KEYS) : NULL;
	if (seq < 1 || strlen(command) >= sizeof(r.command) ||
	    strlen(mac) >= sizeof(r.mac) || canon == NULL ||
	    strlen(canon) >= sizeof(r.args)) {
		http_error(req, 400, "invalid_request", "seq >= 1, a known "
		    "command, args an object of at most 1 KiB, mac base64",
		    0);
		goto out;
	}
	r.seq = (uint64_t)seq;
	snprintf(r.command, sizeof(r.command), "%s", command);
	snprintf(r.args, sizeof(r.args), "%s", canon);
	snprintf(r.mac, sizeof(r.mac), "%s", mac);
	origin(req, which, &r.from);
	worker_request(w, req, PS_CONTROL, &r, sizeof(r));
out:
	free(canon);
	json_decref(o);
	medsec_wipe(&r, sizeof(r));
}

/* ---- updates ---- */

static void
post_updates(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_update_upload_req r;
	const char *ct;

	(void)tail;
	memset(&r, 0, sizeof(r));
	if (http_bearer(req, r.token) != 0)
		return;
	ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	if (ct == NULL || evutil_ascii_strcasecmp(ct,
	    "application/octet-stream") != 0) {
		http_error(req, 415, "unsupported_media_type", "the body must "
		    "be the package, as application/octet-stream", 0);
		goto out;
	}
	origin(req, which, &r.from);
	api_update_upload(w, req, &r);
out:
	medsec_wipe(&r, sizeof(r));
}

static void
get_updates(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	(void)tail;
	token_request(w, which, req, PS_UPDATE_STATUS);
}

/* 64 lowercase hexadecimal digits: a SHA-256 as the manifest shows it. */
static int
is_digest(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

static void
post_updates_approve(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	struct ps_update_approve_req r;
	const char *digest = NULL;
	char msg[200];
	json_t *o = NULL;

	(void)tail;
	memset(&r, 0, sizeof(r));
	if (http_bearer(req, r.token) != 0)
		return;
	if ((o = http_json_body(req, w->cfg.limits_max_body_bytes)) == NULL)
		goto out;
	if (unpack(req, o, "{s:s}", "digest", &digest) != 0)
		goto out;
	if (strlen(digest) != 64 || !is_digest(digest)) {
		snprintf(msg, sizeof(msg), "\"digest\": '%.70s%s' is not the "
		    "manifest's SHA-256 (64 lowercase hex digits)", digest,
		    strlen(digest) > 70 ? "..." : "");
		http_error(req, 400, "invalid_request", msg, 0);
		goto out;
	}
	memcpy(r.digest, digest, 65);
	origin(req, which, &r.from);
	worker_request(w, req, PS_UPDATE_APPROVE, &r, sizeof(r));
out:
	json_decref(o);
	medsec_wipe(&r, sizeof(r));
}

/* ---- integrity, observations ---- */

static void
get_integrity(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	(void)tail;
	token_request(w, which, req, PS_INTEGRITY);
}

/* A patient id: 1..64 of [A-Za-z0-9._-], starting with a letter or digit. */
static int
patient_id_ok(const char *id, size_t n)
{
	size_t i;

	if (n == 0 || n >= PS_PATIENT_LEN || !isalnum((unsigned char)id[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '.' &&
		    id[i] != '_' && id[i] != '-')
			return 0;
	return 1;
}

/* tail: "{id}/observations" */
static void
get_observations(struct worker *w, int which, struct evhttp_request *req,
    const char *tail)
{
	static const char leaf[] = "/observations";
	struct ps_observations_req r;
	const char *slash = strchr(tail, '/');
	size_t n = slash != NULL ? (size_t)(slash - tail) : 0;
	char msg[200];

	memset(&r, 0, sizeof(r));
	if (slash == NULL || strcmp(slash, leaf) != 0) {
		http_error(req, 404, "not_found", "no such resource", 0);
		return;
	}
	if (!patient_id_ok(tail, n)) {
		snprintf(msg, sizeof(msg), "patient id '%.*s%s' in the path: 1 "
		    "to 64 of A-Z a-z 0-9 . _ -, starting with a letter or "
		    "digit", (int)(n > 64 ? 64 : n), tail, n > 64 ? "..." : "");
		http_error(req, 400, "invalid_request", msg, 0);
		return;
	}
	if (http_bearer(req, r.token) != 0)
		return;
	memcpy(r.patient, tail, n);
	origin(req, which, &r.from);
	worker_request(w, req, PS_OBSERVATIONS, &r, sizeof(r));
	medsec_wipe(&r, sizeof(r));
}

static const struct route routes[] = {
	{ EVHTTP_REQ_GET, "/v1/health", 0, get_health },
	{ EVHTTP_REQ_GET, "/v1/incident", 0, get_incident },
	{ EVHTTP_REQ_POST, "/v1/session", 0, post_session },
	{ EVHTTP_REQ_GET, "/v1/session", 0, get_session },
	{ EVHTTP_REQ_DELETE, "/v1/session", 0, delete_session },
	{ EVHTTP_REQ_POST, "/v1/session/reauth", 0, post_reauth },
	{ EVHTTP_REQ_GET, "/v1/users", 0, get_users },
	{ EVHTTP_REQ_POST, "/v1/users", 0, post_users },
	{ EVHTTP_REQ_POST, "/v1/users/", 1, post_user_action },
	{ EVHTTP_REQ_DELETE, "/v1/users/", 1, delete_user },
	{ EVHTTP_REQ_GET, "/v1/audit", 2, get_audit },
	{ EVHTTP_REQ_POST, "/v1/control", 0, post_control },
	{ EVHTTP_REQ_POST, "/v1/updates", 0, post_updates },
	{ EVHTTP_REQ_GET, "/v1/updates", 0, get_updates },
	{ EVHTTP_REQ_POST, "/v1/updates/approve", 0, post_updates_approve },
	{ EVHTTP_REQ_GET, "/v1/integrity", 0, get_integrity },
	{ EVHTTP_REQ_GET, "/v1/patients/", 1, get_observations },
};

static int
path_is(const char *uri, size_t pathlen, const char *path)
{
	return strlen(path) == pathlen && strncmp(uri, path, pathlen) == 0;
}

void
api_route(struct worker *w, int which, struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req), *tail;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	int path_known = 0;
	size_t i, n;

	const char *query = uri != NULL ? strchr(uri, '?') : NULL;
	size_t pathlen;

	/*
	 * Plain paths; a query only where a route takes one (secrets never
	 * travel in one: tokens are in Authorization, passwords in bodies).
	 */
	if (uri == NULL || uri[0] != '/' || strchr(uri, '%') != NULL ||
	    strchr(uri, '#') != NULL) {
		http_error(req, 400, "invalid_request",
		    "the path must be plain (no escapes)", 0);
		return;
	}
	pathlen = query != NULL ? (size_t)(query - uri) : strlen(uri);
	/* Every request is charged, found or not; logins also spend the
	 * stricter login bucket. */
	if (http_guard_request(w, req, method == EVHTTP_REQ_POST &&
	    (path_is(uri, pathlen, "/v1/session") ||
	    path_is(uri, pathlen, "/v1/session/reauth"))) != 0)
		return;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		n = strlen(routes[i].path);
		if (routes[i].tail == 1 ? strncmp(uri, routes[i].path, n) != 0 ||
		    pathlen <= n : pathlen != n || strncmp(uri, routes[i].path,
		    n) != 0)
			continue;
		path_known = 1;
		if (routes[i].method != method)
			continue;
		if (query != NULL && routes[i].tail != 2) {
			http_error(req, 400, "invalid_request",
			    "this path takes no query", 0);
			return;
		}
		tail = routes[i].tail == 2 ? (query != NULL ? query + 1 : "") :
		    routes[i].tail == 1 ? uri + n : "";
		routes[i].fn(w, which, req, tail);
		return;
	}
	if (path_known) {
		http_error(req, 405, "method_not_allowed",
		    "this method is not allowed on this path", 0);
		return;
	}
	http_error(req, 404, "not_found", "no such resource", 0);
}
