/*
 * The local control socket (like unbound-control, rndc or chronyc): while
 * medsecd runs it holds the device's audit trail, so `medsec user
 * revoke-cert|disable|enable|unlock` cannot open the device and sends its
 * request here instead. The change is then made by the monitor, which
 * puts a revocation in force at once and closes the revoked peer's live
 * connections, as for the API.
 *
 * Who may talk: the socket is <state_dir>/medsecd.sock, mode 0600, and a
 * connection is served only when its SO_PEERCRED uid is the monitor's
 * effective uid, the owner of the state directory: whoever could open
 * the device directly. The worker runs as the service user and has no
 * connect() in its seccomp filter. Each request then names an
 * administrator and carries that password, verified as an API login is
 * (the login pool, lockout counting, the same records), from the source
 * "local:uid=U,pid=P".
 *
 * One request per connection, at most CTL_REQUEST_MAX bytes, read within
 * CTL_READ_TIMEOUT_S; one JSON reply {"status","code","message"}, then
 * the monitor closes. The wire format is in docs/api.md.
 */
#define _GNU_SOURCE /* accept4, struct ucred (SO_PEERCRED), O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "medsec/access.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "ctl_request.h"
#include "monitor.h"
#include "pool.h"

#define CTL_READ_TIMEOUT_S 5
#define CTL_WRITE_TIMEOUT_S 5
/* Administrators at one device: a handful at most; more wait in the backlog. */
#define CTL_CONNS_MAX 8
#define CTL_BACKLOG 8

struct ctl_conn;

/* An operation: what it needs checked, and the change it makes. */
struct ctl_op {
	const char *name;
	int target_is_fingerprint;
	int takes_reason;
	/* The change as the authenticated administrator who; a medsec error. */
	int (*run)(struct monitor *m, struct ctl_conn *c,
	    const struct medsec_subject *who);
	const char *done;	/* the reply's message on success */
};

struct ctl_conn {
	struct monitor *m;
	struct bufferevent *bev;
	struct ctl_conn *next;
	int fd;			/* the bufferevent's, for the fork handler */
	char source[48];	/* "local:uid=U,pid=P" */
	const struct ctl_op *op;
	struct ctl_request req;
	int verifying;		/* a login attempt is in the pool */
	int gone;		/* the client left while it was */
	int enforced;		/* a revocation's list is in force */
};

struct monitor_ctl {
	int fd;
	int dirfd;
	struct event *accept_ev;
	struct ctl_conn *conns;
	unsigned nconns;
	dev_t dev;		/* the socket file made at start */
	ino_t ino;
};

/* ---- children: no inherited way into the socket ---- */

/*
 * A child forked by the monitor (worker, uplink, shipper) would inherit
 * the listening socket and the accepted connections: a compromised
 * worker could accept() an administrator's connection and read the
 * password. Every fork closes them in the child; the record is static
 * because a fork handler takes no argument.
 */
static struct monitor_ctl *ctl_for_fork;
static pthread_once_t ctl_atfork_once = PTHREAD_ONCE_INIT;

static void
ctl_close_in_child(void)
{
	struct ctl_conn *c;

	if (ctl_for_fork == NULL)
		return;
	if (ctl_for_fork->fd >= 0)
		close(ctl_for_fork->fd);
	if (ctl_for_fork->dirfd >= 0)
		close(ctl_for_fork->dirfd);
	for (c = ctl_for_fork->conns; c != NULL; c = c->next)
		if (c->bev != NULL)
			close(c->fd);
	ctl_for_fork = NULL;
}

static void
ctl_register_atfork(void)
{
	if (pthread_atfork(NULL, NULL, ctl_close_in_child) != 0)
		medsecd_log(LOG_ERR, "control socket: cannot register its "
		    "fork handler");
}

/* ---- replies ---- */

static void
conn_free(struct ctl_conn *c)
{
	struct monitor_ctl *ctl = c->m->ctl;
	struct ctl_conn **pp;

	for (pp = &ctl->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	ctl->nconns--;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	ctl_request_wipe(&c->req);
	free(c);
}

static void
on_reply_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	conn_free(arg);
}

/* What a client sends after its request is read only to be wiped. */
static void
on_drain_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);

	(void)arg;
	medsec_wipe(evbuffer_pullup(in, (ev_ssize_t)len), len);
	evbuffer_drain(in, len);
}

/*
 * Closing a Unix socket with bytes unread resets it, and the client may
 * then lose the reply: the monitor ends its side and reads the rest
 * until the client closes, within the read timeout.
 */
static void
on_reply_written(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;

	if (shutdown(c->fd, SHUT_WR) != 0) {
		conn_free(c);
		return;
	}
	bufferevent_setcb(bev, on_drain_read, NULL, on_reply_event, c);
	if (bufferevent_enable(bev, EV_READ) != 0)
		conn_free(c);
}

/* The one reply of the connection; it closes once written. */
static void
ctl_reply(struct ctl_conn *c, int status, const char *code,
    const char *message)
{
	json_t *o;
	char *text = NULL;

	if (c->gone) {
		conn_free(c);
		return;
	}
	o = json_pack("{s:i, s:s, s:s}", "status", status, "code", code,
	    "message", message);
	if (o != NULL)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, on_reply_written, on_reply_event, c);
	if (text == NULL || bufferevent_write(c->bev, text, strlen(text)) !=
	    0 || bufferevent_write(c->bev, "\n", 1) != 0 ||
	    bufferevent_enable(c->bev, EV_WRITE) != 0) {
		free(text);
		conn_free(c);
		return;
	}
	free(text);
}

struct ctl_status {
	int status;
	const char *code;
	const char *message;
};

/* The medsec errors of a login or a change, as the API names them. */
static const struct ctl_status ctl_errors[] = {
	{ MEDSEC_ERR_LOGIN_FAILED, "invalid_credentials",
	    "wrong administrator name or password" },
	{ MEDSEC_ERR_AUTH, "invalid_credentials",
	    "wrong administrator name or password" },
	{ MEDSEC_ERR_LOCKED, "account_locked",
	    "the administrator's account is locked after failed logins" },
	{ MEDSEC_ERR_DISABLED, "account_disabled",
	    "the administrator's account is disabled" },
	{ MEDSEC_ERR_EXPIRED, "account_expired",
	    "the administrator's account has expired" },
	{ MEDSEC_ERR_DENIED, "permission_denied",
	    "permission denied (user-admin needed)" },
	{ MEDSEC_ERR_THROTTLED, "rate_limited",
	    "too many failed logins from this source; retry later" },
	{ MEDSEC_ERR_BUSY, "busy", "too many logins waiting; retry later" },
	{ MEDSEC_ERR_NOT_FOUND, "no_such_user", "no such account" },
	{ MEDSEC_ERR_INVALID, "invalid_request", "invalid value" },
	{ MEDSEC_ERR_AUDIT_UNAVAILABLE, "audit_unavailable",
	    "refused: the audit trail cannot take a record (storage failed "
	    "or nearly full); nothing was changed" },
	{ MEDSEC_ERR_AUDIT_DEGRADED, "audit_degraded",
	    "done, but its audit record could not be written (audit storage "
	    "failed): the change stands; repair the audit storage before "
	    "anything else" },
};

/* after_login: status is the login's (STATE: a password to change). */
static void
ctl_reply_error(struct ctl_conn *c, int status, int after_login)
{
	char msg[160];
	size_t i;

	if (status == MEDSEC_ERR_STATE && after_login) {
		ctl_reply(c, status, "password_change_required", "the "
		    "administrator's password must be changed first (medsec "
		    "passwd, with medsecd stopped, or the API)");
		return;
	}
	for (i = 0; i < sizeof(ctl_errors) / sizeof(ctl_errors[0]); i++) {
		if (ctl_errors[i].status == status) {
			ctl_reply(c, status, ctl_errors[i].code,
			    ctl_errors[i].message);
			return;
		}
	}
	snprintf(msg, sizeof(msg), "refused: %s", medsec_strerror(status));
	ctl_reply(c, status, "internal_error", msg);
}

/* ---- operations ---- */

static int
op_revoke_cert(struct monitor *m, struct ctl_conn *c,
    const struct medsec_subject *who)
{
	const struct ctl_request *q = &c->req;
	int r;

	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), who, MEDSEC_PERM_USER_ADMIN,
	    q->target)) != MEDSEC_OK)
		return r;
	r = medsec_identity_cert_revoke(medsec_device_identity(m->dev), who,
	    q->target, q->has_subject ? q->subject : NULL,
	    q->has_reason ? q->reason : "revoked with medsec user revoke-cert");
	if (r == MEDSEC_OK || r == MEDSEC_ERR_AUDIT_DEGRADED)
		c->enforced = monitor_peer_enforce(m, who->user, who->source) ==
		    0;
	return r;
}

/* Disabling a machine account revokes its certificate (the library). */
static int
op_disable(struct monitor *m, struct ctl_conn *c,
    const struct medsec_subject *who)
{
	int r;

	r = medsec_identity_user_set_disabled(medsec_device_identity(m->dev),
	    who, c->req.target, 1);
	if (r == MEDSEC_OK || r == MEDSEC_ERR_AUDIT_DEGRADED)
		c->enforced = monitor_peer_enforce(m, who->user, who->source) ==
		    0;
	return r;
}

static int
op_enable(struct monitor *m, struct ctl_conn *c,
    const struct medsec_subject *who)
{
	c->enforced = 1;
	return medsec_identity_user_set_disabled(
	    medsec_device_identity(m->dev), who, c->req.target, 0);
}

static int
op_unlock(struct monitor *m, struct ctl_conn *c,
    const struct medsec_subject *who)
{
	c->enforced = 1;
	return medsec_identity_user_unlock(medsec_device_identity(m->dev), who,
	    c->req.target);
}

static const struct ctl_op ctl_ops[] = {
	{ "revoke-cert", 1, 1, op_revoke_cert, "certificate revoked; the "
	    "peer's live connections are closed" },
	{ "disable", 0, 0, op_disable, "account disabled; its sessions "
	    "ended, a peer's certificate revoked and its live connections "
	    "closed" },
	{ "enable", 0, 0, op_enable, "account enabled" },
	{ "unlock", 0, 0, op_unlock, "account unlocked" },
};

static const struct ctl_op *
find_op(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_ops) / sizeof(ctl_ops[0]); i++)
		if (strcmp(ctl_ops[i].name, name) == 0)
			return &ctl_ops[i];
	return NULL;
}

static int
is_fingerprint(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == MEDSEC_CERT_SHA256_LEN - 1;
}

/*
 * What the request asks, checked before any password work: a request
 * that could change nothing is refused by name and costs no login.
 */
static int
check_request(struct ctl_conn *c, char *why, size_t whylen)
{
	const struct ctl_request *q = &c->req;

	if ((c->op = find_op(q->op)) == NULL) {
		snprintf(why, whylen, "unknown operation \"%.15s\" (the "
		    "control socket takes revoke-cert, disable, enable and "
		    "unlock)", q->op);
		return -1;
	}
	if (c->op->target_is_fingerprint && !is_fingerprint(q->target)) {
		snprintf(why, whylen, "%s: target \"%.64s\" is not a "
		    "certificate's SHA-256 (64 lowercase hex digits)",
		    c->op->name, q->target);
		return -1;
	}
	if (!c->op->target_is_fingerprint &&
	    !medsec_identity_valid_name(q->target)) {
		snprintf(why, whylen, "%s: target \"%.64s\" is not a user name",
		    c->op->name, q->target);
		return -1;
	}
	if (!c->op->takes_reason && (q->has_reason || q->has_subject)) {
		snprintf(why, whylen, "%s takes no reason or subject",
		    c->op->name);
		return -1;
	}
	return 0;
}

/* ---- the administrator's password, through the login pool ---- */

static void
run_op(struct ctl_conn *c, const struct medsec_account *acct)
{
	struct medsec_subject who;
	char msg[256];
	int r;

	memset(&who, 0, sizeof(who));
	who.user = acct->name;
	who.source = c->source;
	who.roles = acct->roles;
	r = c->op->run(c->m, c, &who);
	if ((r == MEDSEC_OK || r == MEDSEC_ERR_AUDIT_DEGRADED) &&
	    !c->enforced) {
		ctl_reply(c, MEDSEC_ERR_STATE, "revocation_not_applied",
		    MONITOR_REVOCATION_NOT_APPLIED);
		return;
	}
	if (r == MEDSEC_ERR_STATE) {
		ctl_reply(c, r, "last_administrator", "refused: it would leave "
		    "no administrator who can manage accounts (enabled, with a "
		    "password and no expiry date); add another administrator "
		    "first; nothing was changed");
		return;
	}
	if (r != MEDSEC_OK) {
		ctl_reply_error(c, r, 0);
		return;
	}
	snprintf(msg, sizeof(msg), "%s %s: %s by %s", c->op->name,
	    c->req.target, c->op->done, acct->name);
	ctl_reply(c, MEDSEC_OK, "done", msg);
}

static void
on_login_done(void *arg, struct medsec_login_attempt *a, int verify_status)
{
	struct ctl_conn *c = arg;
	struct medsec_account acct;
	int r;

	/* An attempt the pool did not verify is refused by finish, which
	 * then changes nothing (MEDSEC_ERR_INVALID). */
	(void)verify_status;
	memset(&acct, 0, sizeof(acct));
	r = medsec_identity_authenticate_finish(
	    medsec_device_identity(c->m->dev), a, &acct);
	medsec_login_attempt_free(a);
	if (c->gone || c->m->stopping) {
		conn_free(c);
		goto out;
	}
	c->verifying = 0;
	if (r != MEDSEC_OK)
		ctl_reply_error(c, r, 1);
	else
		run_op(c, &acct);
out:
	medsec_wipe(&acct, sizeof(acct));
}

static void
authenticate(struct ctl_conn *c)
{
	struct monitor *m = c->m;
	struct medsec_login_attempt *a = NULL;
	int r;

	if ((r = medsec_identity_login_begin(medsec_device_identity(m->dev),
	    c->req.as, c->source, &a)) != MEDSEC_OK) {
		ctl_reply_error(c, r, 1);
		return;
	}
	c->verifying = 1;
	r = login_pool_submit(m->pool, a, c->req.password,
	    c->req.password_len, on_login_done, c);
	/* The pool holds its own copy from here. */
	medsec_wipe(c->req.password, sizeof(c->req.password));
	if (r != MEDSEC_OK) {
		c->verifying = 0;
		medsec_login_attempt_free(a);
		ctl_reply_error(c, r, 0);
	}
}

/* ---- reading the request ---- */

static void
handle_request(struct ctl_conn *c, size_t len)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t all = evbuffer_get_length(in);
	unsigned char *text;
	char why[256];
	int r;

	bufferevent_disable(c->bev, EV_READ);
	if ((text = evbuffer_pullup(in, (ev_ssize_t)all)) == NULL) {
		ctl_reply(c, MEDSEC_ERR_NOMEM, "internal_error",
		    "out of memory");
		return;
	}
	r = ctl_request_parse((const char *)text, len, &c->req, why,
	    sizeof(why));
	/* The request held a password: its bytes go before the buffer does. */
	medsec_wipe(text, all);
	evbuffer_drain(in, all);
	if (r != 0 || check_request(c, why, sizeof(why)) != 0) {
		medsecd_log(LOG_NOTICE, "control socket: request from %s "
		    "refused: %s", c->source, why);
		ctl_reply(c, MEDSEC_ERR_INVALID, "invalid_request", why);
		return;
	}
	authenticate(c);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr eol;
	size_t len = evbuffer_get_length(in);
	char why[64];

	eol = evbuffer_search(in, "\n", 1, NULL);
	if (eol.pos >= 0 && (size_t)eol.pos <= CTL_REQUEST_MAX) {
		handle_request(c, (size_t)eol.pos);
		return;
	}
	if (eol.pos >= 0 || len > CTL_REQUEST_MAX) {
		/* Refused unread: it is not parsed, but it is wiped. */
		medsec_wipe(evbuffer_pullup(in, (ev_ssize_t)len), len);
		evbuffer_drain(in, len);
		snprintf(why, sizeof(why), "the request is over %d bytes",
		    CTL_REQUEST_MAX);
		ctl_reply(c, MEDSEC_ERR_TOO_LARGE, "too_large", why);
	}
}

static void
on_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *c = arg;
	size_t len = evbuffer_get_length(bufferevent_get_input(bev));

	if ((what & BEV_EVENT_TIMEOUT) != 0) {
		medsecd_log(LOG_NOTICE, "control socket: %s sent no request "
		    "within %d s; closed", c->source, CTL_READ_TIMEOUT_S);
		ctl_reply(c, MEDSEC_ERR_STATE, "timeout", "no complete "
		    "request within the read timeout");
		return;
	}
	/* The end of the stream ends a request sent without a newline. */
	if ((what & BEV_EVENT_EOF) != 0 && len > 0 && len <= CTL_REQUEST_MAX) {
		handle_request(c, len);
		return;
	}
	if (c->verifying) {
		/* The pool's callback frees it; the attempt still counts. */
		c->gone = 1;
		bufferevent_free(c->bev);
		c->bev = NULL;
		return;
	}
	conn_free(c);
}

/* ---- accepting ---- */

static void
audit_foreign_uid(struct monitor *m, const char *source, uid_t uid)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "uid", uid);
	medsec_audit_detail_u64(&d, "daemon_uid", geteuid());
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_PERMISSION_DENIED, NULL, source,
	    "control socket", MEDSEC_AUDIT_FAILURE,
	    "connection from another user than the daemon's", details);
}

static int
conn_new(struct monitor *m, int fd, const struct ucred *cred,
    struct ctl_conn **cp)
{
	const struct timeval rd = { CTL_READ_TIMEOUT_S, 0 };
	const struct timeval wr = { CTL_WRITE_TIMEOUT_S, 0 };
	struct ctl_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->m = m;
	c->fd = fd;
	snprintf(c->source, sizeof(c->source), "local:uid=%u,pid=%ld",
	    (unsigned)cred->uid, (long)cred->pid);
	c->bev = bufferevent_socket_new(m->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		return -1;
	}
	c->next = m->ctl->conns;
	m->ctl->conns = c;
	m->ctl->nconns++;
	bufferevent_setcb(c->bev, on_read, NULL, on_conn_event, c);
	/* Reading stops at the bound, so a larger request is never held. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_REQUEST_MAX + 1);
	bufferevent_set_timeouts(c->bev, &rd, &wr);
	*cp = c;
	return 0;
}

static void
accept_one(struct monitor *m, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct ctl_conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    len != sizeof(cred)) {
		medsecd_log(LOG_ERR, "control socket: SO_PEERCRED: %s",
		    strerror(errno));
		close(fd);
		return;
	}
	if (m->ctl->nconns >= CTL_CONNS_MAX || conn_new(m, fd, &cred, &c) !=
	    0) {
		medsecd_log(LOG_NOTICE, "control socket: connection of pid "
		    "%ld dropped (%u open)", (long)cred.pid, m->ctl->nconns);
		close(fd);
		return;
	}
	if (cred.uid != geteuid()) {
		medsecd_log(LOG_WARNING, "control socket: %s refused: not the "
		    "daemon's user (uid %u)", c->source, (unsigned)geteuid());
		audit_foreign_uid(m, c->source, cred.uid);
		ctl_reply(c, MEDSEC_ERR_DENIED, "permission_denied", "only the "
		    "user medsecd runs as may use its control socket");
		return;
	}
	bufferevent_enable(c->bev, EV_READ);
}

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct monitor *m = arg;
	int fd, n;

	(void)what;
	for (n = 0; n < CTL_CONNS_MAX; n++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				medsecd_log(LOG_ERR, "control socket: accept: "
				    "%s", strerror(errno));
			return;
		}
		accept_one(m, fd);
	}
}

/* ---- the socket file ---- */

/*
 * The path through the state directory's descriptor: sun_path holds 108
 * bytes and a state directory may be deeper than that (tests use long
 * scratch paths), while /proc/self/fd/N/medsecd.sock always fits and
 * names the same file without a chdir of the whole process.
 */
static int
ctl_address(int dirfd, struct sockaddr_un *sun)
{
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path),
	    "/proc/self/fd/%d/%s", dirfd, CTL_SOCKET_NAME);
	return n > 0 && (size_t)n < sizeof(sun->sun_path) ? 0 : -1;
}

/*
 * A socket file left by a crash is replaced; one that answers belongs to
 * a medsecd still running and is never taken over. Anything else under
 * the name (a file, a link) is refused rather than removed.
 */
static int
clear_stale(struct monitor *m, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (fstatat(m->ctl->dirfd, CTL_SOCKET_NAME, &st,
	    AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		medsecd_log(LOG_ERR, "control socket: %s/%s exists and is not "
		    "a socket; remove it or set [daemon] control_socket = off",
		    m->cfg.state_dir, CTL_SOCKET_NAME);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0) {
		medsecd_log(LOG_ERR, "control socket: another medsecd answers "
		    "on %s/%s; not starting a second one on this device",
		    m->cfg.state_dir, CTL_SOCKET_NAME);
		return -1;
	}
	medsecd_log(LOG_NOTICE, "control socket: replacing %s/%s, left by a "
	    "medsecd that did not stop cleanly", m->cfg.state_dir,
	    CTL_SOCKET_NAME);
	return unlinkat(m->ctl->dirfd, CTL_SOCKET_NAME, 0);
}

static int
bind_socket(struct monitor *m)
{
	struct monitor_ctl *ctl = m->ctl;
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int r;

	if ((ctl->dirfd = open(m->cfg.state_dir, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || ctl_address(ctl->dirfd, &sun) != 0 ||
	    clear_stale(m, &sun) != 0)
		return -1;
	if ((ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* Made 0600, so that no other user ever sees it connectable. */
	old = umask(0177);
	r = bind(ctl->fd, (const struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r != 0 || listen(ctl->fd, CTL_BACKLOG) != 0 ||
	    fstatat(ctl->dirfd, CTL_SOCKET_NAME, &st, AT_SYMLINK_NOFOLLOW) !=
	    0)
		return -1;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	return 0;
}

int
monitor_ctl_start(struct monitor *m)
{
	if (!m->cfg.daemon_control_socket)
		return 0;
	if ((m->ctl = calloc(1, sizeof(*m->ctl))) == NULL)
		return -1;
	m->ctl->fd = -1;
	m->ctl->dirfd = -1;
	errno = 0;
	if (bind_socket(m) != 0) {
		medsecd_log(LOG_ERR, "control socket %s/%s: %s",
		    m->cfg.state_dir, CTL_SOCKET_NAME,
		    errno != 0 ? strerror(errno) : "refused");
		return -1;
	}
	m->ctl->accept_ev = event_new(m->base, m->ctl->fd, EV_READ | EV_PERSIST,
	    on_accept, m);
	if (m->ctl->accept_ev == NULL ||
	    event_add(m->ctl->accept_ev, NULL) != 0) {
		medsecd_log(LOG_ERR, "control socket: cannot watch it");
		return -1;
	}
	pthread_once(&ctl_atfork_once, ctl_register_atfork);
	ctl_for_fork = m->ctl;
	medsecd_log(LOG_NOTICE, "control socket %s/%s (mode 0600, uid %u)",
	    m->cfg.state_dir, CTL_SOCKET_NAME, (unsigned)geteuid());
	return 0;
}

/* Removes the file only if it is still the one this daemon made. */
static void
remove_socket_file(struct monitor_ctl *ctl)
{
	struct stat st;

	if (ctl->fd < 0 || ctl->dirfd < 0 || fstatat(ctl->dirfd,
	    CTL_SOCKET_NAME, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (st.st_dev == ctl->dev && st.st_ino == ctl->ino &&
	    unlinkat(ctl->dirfd, CTL_SOCKET_NAME, 0) != 0)
		medsecd_log(LOG_ERR, "control socket: cannot remove it: %s",
		    strerror(errno));
}

void
monitor_ctl_free(struct monitor *m)
{
	struct monitor_ctl *ctl = m->ctl;

	if (ctl == NULL)
		return;
	ctl_for_fork = NULL;
	while (ctl->conns != NULL)
		conn_free(ctl->conns);
	if (ctl->accept_ev != NULL)
		event_free(ctl->accept_ev);
	remove_socket_file(ctl);
	if (ctl->fd >= 0)
		close(ctl->fd);
	if (ctl->dirfd >= 0)
		close(ctl->dirfd);
	free(ctl);
	m->ctl = NULL;
}
