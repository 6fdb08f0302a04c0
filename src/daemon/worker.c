/*
 * The worker process: confines itself (service user, seccomp), then
 * serves the listeners it inherited, and asks the monitor for every
 * decision through the privsep channel.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

#include <event2/event.h>
#include <event2/http.h>

#include "medsec/channel.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/guard.h"
#include "http.h"
#include "sandbox.h"

/*
 * Closes every descriptor but stdio, the channel and the listeners: the
 * worker must not keep the monitor's database, trail or key files open.
 */
static void
close_inherited(const struct worker_start *ws)
{
	int keep[2 + MEDSECD_LISTEN__COUNT], n = 0, i, j, t, from = 3;

	keep[n++] = ws->ps_fd;
	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++)
		if (ws->listen_fd[i] >= 0)
			keep[n++] = ws->listen_fd[i];
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		if (keep[i] > from)
			syscall(SYS_close_range, (unsigned)from,
			    (unsigned)keep[i] - 1, 0u);
		from = keep[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)from, ~0u, 0u);
}

static void
worker_fail(const char *what, const char *err)
{
	medsecd_log(LOG_ERR, "worker: %s: %s", what, err);
	_exit(MEDSECD_EXIT_START);
}

static struct pending *
pending_find(struct worker *w, uint32_t id)
{
	struct pending *p = &w->pending[id % WORKER_PENDING_MAX];

	return p->id == id && id != 0 ? p : NULL;
}

void
worker_request(struct worker *w, struct evhttp_request *req, uint32_t type,
    const void *payload, size_t len)
{
	struct pending *p;
	uint32_t id;
	int r;

	if (++w->next_id == 0)
		w->next_id = 1;
	id = w->next_id;
	p = &w->pending[id % WORKER_PENDING_MAX];
	if (p->id != 0) {
		http_error(req, 503, "worker_unavailable",
		    "too many requests in progress; retry later", 1);
		return;
	}
	if ((r = privsep_send(w->ps_fd, type, id, payload, len, -1)) !=
	    MEDSEC_OK) {
		http_error(req, 503, "worker_unavailable",
		    "the service cannot take requests now", 1);
		return;
	}
	p->id = id;
	p->req = req;
}

static void
answer(struct worker *w, const struct privsep_hdr *hdr,
    const uint8_t *payload)
{
	struct pending *p;
	struct ps_reply rep;

	if ((p = pending_find(w, hdr->id)) == NULL ||
	    hdr->len < sizeof(rep))
		return;
	memcpy(&rep, payload, sizeof(rep));
	rep.code[sizeof(rep.code) - 1] = '\0';
	rep.message[sizeof(rep.message) - 1] = '\0';
	if (rep.http >= 400)
		http_error(p->req, rep.http, rep.code, rep.message,
		    rep.retry_after);
	else
		http_json(p->req, rep.http, (const char *)payload + sizeof(rep),
		    hdr->len - sizeof(rep));
	p->id = 0;
	p->req = NULL;
}

/* SIGHUP in the monitor: new limits and allow-lists, same listeners. */
static void
apply_config(struct worker *w, const uint8_t *payload)
{
	struct medsec_guard_options o;

	memcpy(&w->cfg, payload, sizeof(w->cfg));
	medsec_guard_options_from_config(&w->cfg, &o);
	if (medsec_guard_set_options(w->guard, &o) != MEDSEC_OK)
		medsecd_log(LOG_ERR, "worker: new limits refused; the old stay");
}

static void
on_monitor_message(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int r, passed_fd;

	(void)what;
	for (;;) {
		r = privsep_recv(fd, w->rx.buf, &hdr, &payload, &passed_fd);
		if (r == MEDSEC_ERR_BUSY)
			return;
		if (r != MEDSEC_OK) {
			/* The monitor is gone: nothing may be served. */
			medsecd_log(LOG_NOTICE, "worker: monitor gone");
			_exit(0);
		}
		if (passed_fd >= 0)
			close(passed_fd);
		if (hdr.type == PS_REPLY)
			answer(w, &hdr, payload);
		else if (hdr.type == PS_CONFIG && hdr.len == sizeof(w->cfg))
			apply_config(w, payload);
		else if (hdr.type == PS_REVOCATION_LIST)
			worker_apply_revocation(w, (const char *)payload,
			    hdr.len);
	}
}

/* ---- aggregated refusals (one record per source per interval) ---- */

static void
report_refused(struct worker *w, struct refused_source *s, int64_t now)
{
	struct ps_peer_refused_req req;

	memset(&req, 0, sizeof(req));
	snprintf(req.from.source, sizeof(req.from.source), "%s", s->source);
	snprintf(req.from.listener, sizeof(req.from.listener), "%s",
	    s->listener);
	req.count = s->count;
	if (privsep_send(w->ps_fd, PS_PEER_REFUSED, 0, &req, sizeof(req),
	    -1) != MEDSEC_OK) {
		/* The monitor is gone; the channel's EOF ends us. */
	}
	s->count = 0;
	s->last_us = now;
}

void
worker_note_refused(struct worker *w, const char *source,
    const char *listener)
{
	int64_t now = medsec_clock_mono_us();
	int64_t interval = (int64_t)w->cfg.limits_throttle_report_seconds *
	    1000000;
	struct refused_source *s, *oldest = &w->refused[0];
	size_t i;

	for (i = 0; i < WORKER_REFUSED_MAX; i++) {
		s = &w->refused[i];
		if (strcmp(s->source, source) == 0 &&
		    strcmp(s->listener, listener) == 0)
			goto found;
		if (s->last_us < oldest->last_us)
			oldest = s;
	}
	s = oldest;
	if (s->count > 0)
		report_refused(w, s, now);
	memset(s, 0, sizeof(*s));
	snprintf(s->source, sizeof(s->source), "%s", source);
	snprintf(s->listener, sizeof(s->listener), "%s", listener);
	s->last_us = now - interval - 1;
found:
	s->count++;
	if (now - s->last_us > interval)
		report_refused(w, s, now);
}

/* ---- failed TLS handshakes (one record per source and reason) ---- */

static void
report_tls_failure(struct worker *w, struct tls_failure_source *s,
    int64_t now)
{
	struct ps_tls_failure_req req;

	memset(&req, 0, sizeof(req));
	snprintf(req.from.source, sizeof(req.from.source), "%s", s->source);
	snprintf(req.from.listener, sizeof(req.from.listener), "%s",
	    s->listener);
	snprintf(req.reason, sizeof(req.reason), "%s", s->reason);
	req.alert = s->alert;
	req.count = s->count;
	if (privsep_send(w->ps_fd, PS_TLS_FAILURE, 0, &req, sizeof(req),
	    -1) != MEDSEC_OK) {
		/* The monitor is gone; the channel's EOF ends us. */
	}
	s->count = 0;
	s->last_us = now;
}

static struct tls_failure_source *
tls_failure_slot(struct worker *w, const char *source, const char *listener,
    const char *reason, int64_t now, int64_t interval)
{
	struct tls_failure_source *s, *oldest = &w->tls_failures[0];
	size_t i;

	for (i = 0; i < WORKER_TLS_FAILURES_MAX; i++) {
		s = &w->tls_failures[i];
		if (strcmp(s->source, source) == 0 &&
		    strcmp(s->listener, listener) == 0 &&
		    strncmp(s->reason, reason, sizeof(s->reason) - 1) == 0)
			return s;
		if (s->last_us < oldest->last_us)
			oldest = s;
	}
	/* The slot longest unreported gives way, its count reported first. */
	s = oldest;
	if (s->count > 0)
		report_tls_failure(w, s, now);
	memset(s, 0, sizeof(*s));
	snprintf(s->source, sizeof(s->source), "%s", source);
	snprintf(s->listener, sizeof(s->listener), "%s", listener);
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->last_us = now - interval - 1;
	return s;
}

void
worker_note_tls_failure(struct worker *w, const char *source,
    const char *listener, const char *reason, int alert)
{
	int64_t now = medsec_clock_mono_us();
	int64_t interval = (int64_t)w->cfg.limits_throttle_report_seconds *
	    1000000;
	struct tls_failure_source *s;

	s = tls_failure_slot(w, source, listener, reason, now, interval);
	s->count++;
	s->alert = alert > 0 ? (uint32_t)alert : 0;
	/* The first of an interval at once; the rest with the timer. */
	if (now - s->last_us > interval)
		report_tls_failure(w, s, now);
}

static void
on_report_timer(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	int64_t now = medsec_clock_mono_us();
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < WORKER_REFUSED_MAX; i++)
		if (w->refused[i].count > 0)
			report_refused(w, &w->refused[i], now);
	for (i = 0; i < WORKER_TLS_FAILURES_MAX; i++)
		if (w->tls_failures[i].count > 0)
			report_tls_failure(w, &w->tls_failures[i], now);
}

/* ---- revocation on live connections (MFDS 1.6) ---- */

#define CLOSED_PEERS_MAX 32

struct closed_peers {
	struct ps_peer_closed_req peer[CLOSED_PEERS_MAX];
	size_t n;
	struct worker *w;
};

static void
send_closed(struct worker *w, struct ps_peer_closed_req *req)
{
	if (privsep_send(w->ps_fd, PS_PEER_CLOSED, 0, req, sizeof(*req), -1) !=
	    MEDSEC_OK) {
		/* The monitor is gone; the channel's EOF ends us. */
	}
}

/* One report per peer and source, however many connections it had. */
static void
note_closed(const char *source, const char *fingerprint, void *arg)
{
	struct closed_peers *cp = arg;
	struct ps_peer_closed_req *p;
	size_t i;

	for (i = 0; i < cp->n; i++) {
		p = &cp->peer[i];
		if (strcmp(p->from.source, source) == 0 &&
		    strcmp(p->fingerprint, fingerprint) == 0) {
			p->count++;
			return;
		}
	}
	if (cp->n == CLOSED_PEERS_MAX) {
		send_closed(cp->w, &cp->peer[0]);
		memmove(&cp->peer[0], &cp->peer[1], (CLOSED_PEERS_MAX - 1) *
		    sizeof(cp->peer[0]));
		cp->n--;
	}
	p = &cp->peer[cp->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->from.source, sizeof(p->from.source), "%s", source);
	snprintf(p->from.listener, sizeof(p->from.listener), "peer");
	snprintf(p->fingerprint, sizeof(p->fingerprint), "%s", fingerprint);
	p->count = 1;
}

void
worker_apply_revocation(struct worker *w, const char *text, size_t len)
{
	struct medsec_channel *ch = w->channel[MEDSECD_LISTEN_PEER];
	struct closed_peers *cp;
	char err[256];
	size_t i;

	if (ch == NULL)
		return;
	if (medsec_channel_set_revocation_list(ch, text, len, err,
	    sizeof(err)) != MEDSEC_OK) {
		/* The monitor parsed it before sending: not expected. */
		medsecd_log(LOG_ERR, "worker: revocation list refused: %s; "
		    "the one in force stays", err);
		return;
	}
	if ((cp = calloc(1, sizeof(*cp))) == NULL) {
		medsecd_log(LOG_ERR, "worker: out of memory closing revoked "
		    "peers; exiting so the monitor restarts a worker");
		_exit(MEDSECD_EXIT_START);
	}
	cp->w = w;
	if (medsec_channel_close_revoked(ch, note_closed, cp) > 0)
		for (i = 0; i < cp->n; i++)
			send_closed(w, &cp->peer[i]);
	free(cp);
}

static void
send_guard_report(const struct medsec_guard_report *rep, void *arg)
{
	struct worker *w = arg;
	struct ps_throttled_req req;

	memset(&req, 0, sizeof(req));
	snprintf(req.from.source, sizeof(req.from.source), "%s", rep->source);
	snprintf(req.from.listener, sizeof(req.from.listener), "%s", "any");
	req.refused_connections = rep->refused_connections;
	req.refused_requests = rep->refused_requests;
	req.refused_logins = rep->refused_logins;
	req.seconds = rep->last_us > rep->first_us ?
	    (uint64_t)(rep->last_us - rep->first_us) / 1000000 : 0;
	if (privsep_send(w->ps_fd, PS_THROTTLED, 0, &req, sizeof(req), -1) !=
	    MEDSEC_OK) {
		/* The monitor is gone; the channel's EOF ends us. */
	}
}

static void
on_guard_timer(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	(void)medsec_guard_reports(w->guard, (uint64_t)medsec_clock_mono_us(),
	    send_guard_report, w); /* a count of reports, not an error */
}

static void
start_guard(struct worker *w)
{
	struct medsec_guard_options o;
	char why[256];

	medsec_guard_options_from_config(&w->cfg, &o);
	if (medsec_guard_options_check(&o, why, sizeof(why)) != MEDSEC_OK)
		worker_fail("flood limits", why);
	if (medsec_guard_new(&o, &w->guard) != MEDSEC_OK)
		worker_fail("flood limits", "cannot make the guard");
	/* Reports are due per source per interval; looking each second
	 * sends each as soon as it is due. */
	w->guard_ev = event_new(w->base, -1, EV_PERSIST, on_guard_timer, w);
	if (w->guard_ev == NULL ||
	    event_add(w->guard_ev, &(struct timeval){ 1, 0 }) != 0)
		worker_fail("flood limits", "cannot schedule reports");
}

/* ---- start ---- */

void
worker_main(const struct worker_start *ws)
{
	struct worker *w;
	struct ps_worker_ready_req ready;
	char err[256];
	int i;

	close_inherited(ws);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		worker_fail("start", "out of memory");
	w->cfg = *ws->cfg;
	w->ps_fd = ws->ps_fd;
	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++)
		w->channel[i] = ws->channel[i];
	fcntl(w->ps_fd, F_SETFL, fcntl(w->ps_fd, F_GETFL) | O_NONBLOCK);
	if ((w->base = event_base_new()) == NULL)
		worker_fail("start", "no event base");
	if (http_prepare() != 0)
		worker_fail("start", "out of memory");
	start_guard(w);
	if (sandbox_drop_privileges(w->cfg.daemon_user, err, sizeof(err)) != 0)
		worker_fail("dropping privileges", err);
	if (sandbox_enter_worker(err, sizeof(err)) != 0)
		worker_fail("entering the sandbox", err);
	w->ps_ev = event_new(w->base, w->ps_fd, EV_READ | EV_PERSIST,
	    on_monitor_message, w);
	w->report_ev = event_new(w->base, -1, EV_PERSIST, on_report_timer, w);
	if (w->ps_ev == NULL || w->report_ev == NULL ||
	    event_add(w->ps_ev, NULL) != 0 || event_add(w->report_ev,
	    &(struct timeval){ w->cfg.limits_throttle_report_seconds > 0 ?
	    (time_t)w->cfg.limits_throttle_report_seconds : 60, 0 }) != 0)
		worker_fail("start", "cannot watch the monitor");
	memset(&ready, 0, sizeof(ready));
	ready.pid = (uint32_t)getpid();
	ready.uid = (uint32_t)getuid();
	if (privsep_send(w->ps_fd, PS_WORKER_READY, 0, &ready, sizeof(ready),
	    -1) != MEDSEC_OK)
		worker_fail("start", "monitor gone");
	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++)
		if (ws->listen_fd[i] >= 0 &&
		    http_listen(w, i, ws->listen_fd[i]) != MEDSEC_OK)
			worker_fail("start", "cannot serve a listener");
	event_base_dispatch(w->base);
	_exit(0);
}
