/*
 * The monitor: the privileged process of medsecd (OpenSSH's monitor is
 * the model). It opens the device, binds the listeners, forks the worker
 * and then serves the worker's requests through the dispatch table. It
 * never accepts a connection itself: while no worker runs, connections
 * wait in the kernel's backlog (or are refused when it is full).
 */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "io/io.h"
#include "medsec/channel.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/device_tls.h"
#include "medsec/err.h"
#include "medsec/log.h"
#include "pool.h"

#define LISTEN_BACKLOG 511

static void start_worker(struct monitor *m);

/* The library's messages (lockouts, a degraded trail) go to the operator. */
static void
library_log(void *ctx, int severity, const char *module, const char *msg)
{
	(void)ctx;
	medsecd_log(severity, "%s: %s: %s", medsec_log_severity_name(severity),
	    module, msg);
}

/* ---- listeners ---- */

static int
bind_endpoint(const struct medsec_config_endpoint *ep, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (ep->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->addr, 4);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		memcpy(&sin6->sin6_addr, ep->addr, 16);
		len = sizeof(*sin6);
	}
	fd = socket(ep->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	if (ep->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "%s: %s", ep->text, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * The HTTPS listeners need the TLS channel in the worker's accept path,
 * which is not wired in yet: refuse to start rather than serve them in
 * clear or restart a worker that cannot serve them.
 */
/* The certificate and key: [tls] cert_file/key_file, else the device's. */
static int
tls_credentials(struct monitor *m, char **cert, size_t *certlen, char **key,
    size_t *keylen, int *from_device)
{
	uint8_t *c = NULL, *k = NULL;
	int r;

	*from_device = m->cfg.tls_cert_file[0] == '\0';
	if (*from_device) {
		if ((r = medsec_device_tls_credentials(m->dev, cert, certlen,
		    key, keylen)) != MEDSEC_OK)
			medsecd_log(LOG_ERR, "the device's TLS certificate and "
			    "key: %s", medsec_strerror(r));
		return r;
	}
	if ((r = medsec_io_read_file(m->cfg.tls_cert_file, 1u << 20, 0, &c,
	    certlen)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "[tls] cert_file %s: %s",
		    m->cfg.tls_cert_file, medsec_strerror(r));
		return r;
	}
	/* The key file must be the service's own and private. */
	if ((r = medsec_io_read_file(m->cfg.tls_key_file, 1u << 16,
	    MEDSEC_IO_PRIVATE, &k, keylen)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "[tls] key_file %s: %s (it must belong "
		    "to the service and be readable by it alone)",
		    m->cfg.tls_key_file, medsec_strerror(r));
		free(c);
		return r;
	}
	*cert = (char *)c;
	*key = (char *)k;
	return MEDSEC_OK;
}

static void
tls_credentials_free(char *cert, char *key, size_t keylen, int from_device)
{
	if (from_device) {
		medsec_device_tls_free(cert, key);
		return;
	}
	free(cert);
	if (key != NULL)
		medsec_wipe(key, keylen);
	free(key);
}

/*
 * The TLS contexts of the api and peer listeners, checked against the
 * policy (MFDS 1.15, 1.17) before anything is bound: a setting below it
 * stops the start with the channel's sentence naming it.
 */
static int
build_channels(struct monitor *m)
{
	struct medsec_channel_options o;
	struct medsecd_listener_spec s;
	char *cert = NULL, *key = NULL, *revoked = NULL, err[512];
	size_t certlen = 0, keylen = 0;
	int i, from_device = 0, r = -1;

	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++) {
		medsecd_listener_spec(&m->cfg, i, &s);
		if (i == MEDSECD_LISTEN_DEBUG || !s.endpoint->set)
			continue;
		if (cert == NULL && tls_credentials(m, &cert, &certlen, &key,
		    &keylen, &from_device) != MEDSEC_OK)
			goto out;
		medsec_channel_options_from_config(&m->cfg, &o);
		o.cert_pem = cert;
		o.cert_len = certlen;
		o.key_pem = key;
		o.key_len = keylen;
		if (i == MEDSECD_LISTEN_PEER) {
			o.require_client_cert = 1;
			free(revoked);
			revoked = NULL;
			if (medsec_identity_revocation_list(
			    medsec_device_identity(m->dev), &revoked) !=
			    MEDSEC_OK) {
				medsecd_log(LOG_ERR, "cannot read the "
				    "certificate revocation list");
				goto out;
			}
			o.revocation_text = revoked;
			o.revocation_len = strlen(revoked);
		}
		if (medsec_channel_new(&o, &m->channel[i], err, sizeof(err)) !=
		    MEDSEC_OK) {
			medsecd_log(LOG_ERR, "[listen] %s: %s", s.name, err);
			goto out;
		}
		if (i == MEDSECD_LISTEN_PEER) {
			/* What the revocation watcher compares against. */
			m->revocation_in_force = revoked;
			revoked = NULL;
		}
	}
	r = 0;
out:
	free(revoked);
	tls_credentials_free(cert, key, keylen, from_device);
	return r;
}

static int
bind_listeners(struct monitor *m)
{
	struct medsecd_listener_spec s;
	char err[256];
	int i;

	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++) {
		medsecd_listener_spec(&m->cfg, i, &s);
		if (!s.endpoint->set)
			continue;
		if ((m->listen_fd[i] = bind_endpoint(s.endpoint, err,
		    sizeof(err))) < 0) {
			medsecd_log(LOG_ERR, "cannot listen on %s %s",
			    s.name, err);
			return -1;
		}
	}
	return 0;
}

/* ---- the privsep channel ---- */

void
monitor_reply(struct monitor *m, uint32_t id, int status, unsigned http,
    const char *code, const char *message, const char *body, size_t bodylen)
{
	struct ps_reply rep;
	int r;

	if (m->ps_fd < 0 || monitor_audit_hold_reply(m, id, status, http, code,
	    message, body, bodylen))
		return;
	memset(&rep, 0, sizeof(rep));
	rep.status = status;
	rep.http = (uint16_t)http;
	if (status == MEDSEC_ERR_THROTTLED || status == MEDSEC_ERR_BUSY)
		rep.retry_after = 1;
	snprintf(rep.code, sizeof(rep.code), "%s", code != NULL ? code : "");
	snprintf(rep.message, sizeof(rep.message), "%s",
	    message != NULL ? message : "");
	if (bodylen > PS_REPLY_BODY_MAX) {
		memset(&rep, 0, sizeof(rep));
		rep.status = MEDSEC_ERR_TOO_LARGE;
		rep.http = 500;
		snprintf(rep.code, sizeof(rep.code), "internal_error");
		snprintf(rep.message, sizeof(rep.message),
		    "the answer is too large to send");
		bodylen = 0;
	}
	if ((r = privsep_send2(m->ps_fd, PS_REPLY, id, &rep, sizeof(rep),
	    body, bodylen)) != MEDSEC_OK)
		medsecd_log(LOG_ERR, "reply to the worker lost: %s",
		    medsec_strerror(r));
}

/*
 * A worker that breaks the protocol is treated as compromised: the
 * violation is recorded and the worker killed; SIGCHLD restarts it.
 */
static void
worker_violation(struct monitor *m, const char *why)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "process", "worker");
	medsec_audit_detail_i64(&d, "pid", (int64_t)m->worker_pid);
	medsec_audit_detail_str_trunc(&d, "violation", why, 200);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	medsecd_log(LOG_ALERT, "worker %ld broke the privsep protocol: %s; "
	    "killing it", (long)m->worker_pid, why);
	monitor_audit(m, MEDSEC_EV_INCIDENT, "medsecd", "local", "worker",
	    MEDSEC_AUDIT_FAILURE, "privsep protocol violation", details);
	if (m->worker_pid > 0)
		kill(m->worker_pid, SIGKILL);
	event_del(m->ps_ev);
}

static void
dispatch(struct monitor *m, const struct privsep_hdr *hdr,
    const uint8_t *payload)
{
	const struct privsep_rule *rule;
	char why[160];
	size_t i;

	if (privsep_check(privsep_rules, privsep_nrules, hdr, payload,
	    m->worker_state, &rule, why, sizeof(why)) != MEDSEC_OK) {
		worker_violation(m, why);
		return;
	}
	for (i = 0; i < monitor_dispatch_count; i++) {
		if (monitor_dispatch_table[i].type == hdr->type) {
			monitor_audit_request_begin(m, hdr->id);
			monitor_dispatch_table[i].handler(m, hdr->id, payload);
			monitor_audit_request_end(m);
			return;
		}
	}
	snprintf(why, sizeof(why), "%s: no handler", rule->name);
	worker_violation(m, why);
}

static void
on_worker_message(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int r, passed_fd, n;

	(void)what;
	/* A bounded batch per wake-up, so signals and the pool get a turn. */
	for (n = 0; n < 64 && m->ps_fd == fd; n++) {
		r = privsep_recv(fd, m->rx.buf, &hdr, &payload, &passed_fd);
		if (r == MEDSEC_ERR_BUSY)
			return;
		if (r == MEDSEC_ERR_IO) {
			/* The worker is gone; SIGCHLD says how. */
			event_del(m->ps_ev);
			return;
		}
		if (r != MEDSEC_OK) {
			worker_violation(m, "malformed message");
			return;
		}
		/* The rule says whether the message may carry it; a handler
		 * that keeps it takes it from rx_fd. */
		m->rx_fd = passed_fd;
		dispatch(m, &hdr, payload);
		if (m->rx_fd >= 0)
			close(m->rx_fd);
		m->rx_fd = -1;
		if (m->worker_pid <= 0 || !event_pending(m->ps_ev, EV_READ,
		    NULL))
			return;
	}
}

/* ---- the worker's life ---- */

static void
close_channel(struct monitor *m)
{
	if (m->ps_ev != NULL) {
		event_free(m->ps_ev);
		m->ps_ev = NULL;
	}
	if (m->ps_fd >= 0) {
		close(m->ps_fd);
		m->ps_fd = -1;
	}
}

/* The worker's side of the fork (monitor_fork_child). */
static void
worker_child(void *arg, int fd)
{
	struct monitor *m = arg;
	struct worker_start ws;
	int i;

	memset(&ws, 0, sizeof(ws));
	ws.cfg = &m->cfg;
	ws.ps_fd = fd;
	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++) {
		ws.listen_fd[i] = m->listen_fd[i];
		ws.channel[i] = m->channel[i];
	}
	worker_main(&ws);
}

static void
start_worker(struct monitor *m)
{
	pid_t pid;
	int fd;

	if ((pid = monitor_fork_child(m, "worker", worker_child, m, &fd)) <
	    0) {
		event_add(m->restart_ev, &(struct timeval){ m->backoff_s, 0 });
		return;
	}
	m->ps_fd = fd;
	m->worker_pid = pid;
	m->worker_state = PS_STATE_STARTING;
	m->generation++;
	m->worker_started_us = medsec_clock_mono_us();
	monitor_child_watch(m, "worker", pid, fd, on_worker_message, m,
	    &m->ps_ev);
}

static void
on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	(void)fd;
	(void)what;
	if (!m->stopping && m->worker_pid == 0)
		start_worker(m);
}

static void
audit_worker_exit(struct monitor *m, pid_t pid, int status)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "process", "worker");
	medsec_audit_detail_i64(&d, "pid", (int64_t)pid);
	if (WIFSIGNALED(status))
		medsec_audit_detail_i64(&d, "signal", WTERMSIG(status));
	else
		medsec_audit_detail_i64(&d, "exit_status", WEXITSTATUS(status));
	medsec_audit_detail_u64(&d, "restart_in_seconds",
	    m->stopping ? 0 : m->backoff_s);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_APP_STOP, "medsecd", "local", "worker",
	    m->stopping ? MEDSEC_AUDIT_SUCCESS : MEDSEC_AUDIT_FAILURE,
	    m->stopping ? "shutdown" : "worker exited", details);
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct monitor *m = arg;
	int status;
	pid_t pid;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (monitor_uplink_reaped(m, pid, status) ||
		    monitor_ship_reaped(m, pid, status))
			continue;
		if (pid != m->worker_pid)
			continue;
		close_channel(m);
		m->worker_pid = 0;
		m->worker_state = 0;
		monitor_child_exited(&m->backoff_s, m->worker_started_us);
		audit_worker_exit(m, pid, status);
		if (m->stopping) {
			event_base_loopexit(m->base, NULL);
			continue;
		}
		medsecd_log(LOG_WARNING, "worker %ld exited; restarting in %u s",
		    (long)pid, m->backoff_s);
		monitor_child_restart_later(m->restart_ev, &m->backoff_s,
		    m->cfg.daemon_restart_backoff_max);
	}
}

static void
on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct monitor *m = arg;

	(void)what;
	if (m->stopping)
		return;
	medsecd_log(LOG_NOTICE, "signal %d: shutting down", (int)sig);
	m->stopping = 1;
	event_del(m->restart_ev);
	monitor_uplink_stop(m);
	monitor_ship_stop(m);
	if (m->worker_pid > 0)
		kill(m->worker_pid, SIGTERM);
	else
		event_base_loopexit(m->base, NULL);
}

/*
 * SIGHUP: the configuration is read again; what may change while running
 * (limits, allow-lists, incident text) goes to the worker. What was bound
 * and opened at start stays: a change of listener or device needs a
 * restart, and is said so.
 */
static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct monitor *m = arg;
	struct medsec_config cfg;
	struct medsec_config_error cerr;
	char msg[512];
	int r;

	(void)sig;
	(void)what;
	medsec_config_defaults(&cfg);
	memset(&cerr, 0, sizeof(cerr));
	if ((r = medsec_config_load(m->config_path, &cfg, &cerr)) !=
	    MEDSEC_OK) {
		medsec_config_error_format(&cerr, msg, sizeof(msg));
		medsecd_log(LOG_ERR, "reload refused, the running "
		    "configuration stays: %s", msg);
		monitor_audit(m, MEDSEC_EV_CONFIG_CHANGED, "medsecd", "local",
		    m->config_path, MEDSEC_AUDIT_FAILURE, "reload refused",
		    NULL);
		return;
	}
	if (memcmp(&cfg.listen_api, &m->cfg.listen_api,
	    sizeof(cfg.listen_api)) != 0 ||
	    memcmp(&cfg.listen_peer, &m->cfg.listen_peer,
	    sizeof(cfg.listen_peer)) != 0 ||
	    memcmp(&cfg.listen_debug_http, &m->cfg.listen_debug_http,
	    sizeof(cfg.listen_debug_http)) != 0)
		medsecd_log(LOG_NOTICE, "listener changes take effect at "
		    "the next start");
	cfg.listen_api = m->cfg.listen_api;
	cfg.listen_peer = m->cfg.listen_peer;
	cfg.listen_debug_http = m->cfg.listen_debug_http;
	m->cfg = cfg;
	if (m->ps_fd >= 0 && (r = privsep_send(m->ps_fd, PS_CONFIG, 0,
	    &m->cfg, sizeof(m->cfg), -1)) != MEDSEC_OK)
		medsecd_log(LOG_NOTICE, "new configuration not sent to the "
		    "worker: %s", medsec_strerror(r));
	/*
	 * The rest of the configuration applies either way. A revocation
	 * list that cannot be put in force may hold a revocation the
	 * worker has not got: enforcing restarts the worker (closing every
	 * connection) and records that; the reload is recorded as such.
	 */
	if (monitor_peer_enforce(m, "medsecd", "local") != 0) {
		monitor_audit(m, MEDSEC_EV_CONFIG_CHANGED, "medsecd", "local",
		    m->config_path, MEDSEC_AUDIT_FAILURE, "reloaded; the "
		    "revocation list not in force, worker restarted", NULL);
		medsecd_log(LOG_NOTICE, "configuration reloaded; the "
		    "revocation list is not in force");
		return;
	}
	monitor_audit(m, MEDSEC_EV_CONFIG_CHANGED, "medsecd", "local",
	    m->config_path, MEDSEC_AUDIT_SUCCESS, "reloaded", NULL);
	medsecd_log(LOG_NOTICE, "configuration reloaded");
}

static int
add_signals(struct monitor *m)
{
	static const int sigs[4] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	event_callback_fn fns[4] = { on_sigchld, on_sigterm, on_sigterm,
		on_sighup };
	int i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 4; i++) {
		m->sig_ev[i] = evsignal_new(m->base, sigs[i], fns[i], m);
		if (m->sig_ev[i] == NULL || event_add(m->sig_ev[i], NULL) != 0)
			return -1;
	}
	return 0;
}

static int
open_device(struct monitor *m)
{
	struct medsec_device_options o;
	char err[512];
	int r;

	memset(&o, 0, sizeof(o));
	o.state_dir = m->cfg.state_dir;
	o.config_path = m->config_path;
	o.flags = MEDSEC_DEVICE_UPDATER;
	if ((r = medsec_device_open(&o, &m->dev, err, sizeof(err))) !=
	    MEDSEC_OK) {
		medsecd_log(LOG_ERR, "%s", err);
		return -1;
	}
	return 0;
}

static void
monitor_free(struct monitor *m)
{
	int i, r;

	monitor_uplink_free();
	monitor_patients_stop();
	monitor_ship_free(m);
	monitor_peer_watch_free(m);
	login_pool_free(m->pool);
	monitor_ctl_free(m);
	close_channel(m);
	for (i = 0; i < 4; i++)
		if (m->sig_ev[i] != NULL)
			event_free(m->sig_ev[i]);
	if (m->restart_ev != NULL)
		event_free(m->restart_ev);
	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++) {
		if (m->listen_fd[i] >= 0)
			close(m->listen_fd[i]);
		medsec_channel_free(m->channel[i]);
	}
	if (m->dev != NULL) {
		monitor_audit(m, MEDSEC_EV_APP_STOP, "medsecd", "local",
		    "medsecd", MEDSEC_AUDIT_SUCCESS, "shutdown", NULL);
		monitor_audit_close(m);
		if ((r = medsec_device_close(m->dev)) != MEDSEC_OK)
			medsecd_log(LOG_ERR, "closing the device: %s",
			    medsec_strerror(r));
	}
	if (m->base != NULL)
		event_base_free(m->base);
	free(m);
}

int
monitor_run(const struct medsecd_options *opts,
    const struct medsec_config *cfg)
{
	struct monitor *m;
	int i, rc = MEDSECD_EXIT_START;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return MEDSECD_EXIT_START;
	m->cfg = *cfg;
	m->config_path = opts->config_path;
	m->ps_fd = -1;
	m->rx_fd = -1;
	m->backoff_s = 1;
	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++)
		m->listen_fd[i] = -1;
	medsec_log_set(library_log, NULL, MEDSEC_LOG_INFO);
	if (!opts->foreground) {
		if (daemon(0, 0) != 0) {
			medsecd_log(LOG_ERR, "daemon: %s", strerror(errno));
			goto out;
		}
		medsecd_log_to_syslog();
	}
	if ((m->base = event_base_new()) == NULL || add_signals(m) != 0)
		goto out;
	m->restart_ev = evtimer_new(m->base, on_restart, m);
	if (m->restart_ev == NULL || open_device(m) != 0)
		goto out;
	monitor_audit(m, MEDSEC_EV_APP_START, "medsecd", "local", "medsecd",
	    MEDSEC_AUDIT_SUCCESS, NULL, NULL);
	if (monitor_audit_recovery_start(m) != 0 || build_channels(m) != 0 ||
	    bind_listeners(m) != 0)
		goto out;
	if (monitor_control_init() != 0) {
		medsecd_log(LOG_ERR, "no randomness for the control keys");
		goto out;
	}
	if (login_pool_new(m->base, m->cfg.limits_login_workers,
	    m->cfg.limits_login_queue, &m->pool) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "cannot start the login pool");
		goto out;
	}
	if (monitor_patients_start(m) != 0 || monitor_uplink_start(m) != 0 ||
	    monitor_peer_watch_start(m) != 0 || monitor_ctl_start(m) != 0)
		goto out;
	start_worker(m);
	if (monitor_ship_start(m) != 0) {
		medsecd_log(LOG_ERR, "cannot start audit shipping");
		goto out;
	}
	event_base_dispatch(m->base);
	rc = MEDSECD_EXIT_OK;
out:
	monitor_free(m);
	return rc;
}
