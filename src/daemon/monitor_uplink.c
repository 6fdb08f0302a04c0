/*
 * The monitor's side of the uplink (uplink.h): it forks the uplink when
 * [uplink] url is set, restarts it with back-off like the worker, keeps
 * the store-and-forward queue (medsec/fwdqueue.h, MFDS 1.20) that only
 * it can open, feeds the readings' rings from the uplink's batches, and
 * records what the uplink reports: refused collectors and malformed
 * frames of the source.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/fwdqueue.h"
#include "medsec/incident.h"
#include "monitor.h"
#include "pool.h"
#include "readings.h"
#include "uplink.h"

#define EXPIRE_EVERY_S 60

#define FIELD(st, mb) { offsetof(struct st, mb), sizeof(((struct st *)0)->mb) }
#define END { 0, 0 }

static const struct ps_field no_fields[] = { END };
static const struct ps_field refused_fields[] = {
	FIELD(up_refused, reason), END };
static const struct ps_field source_error_fields[] = {
	FIELD(up_source_error, reason), END };

/* Readings' patient ids are checked by the handler, one by one. */
const struct privsep_rule uplink_rules[] = {
	{ UP_READY, "uplink_ready", sizeof(struct up_ready),
	    PS_STATE_STARTING, no_fields },
	{ UP_PUT, "uplink_put", sizeof(struct up_put), PS_STATE_SERVING,
	    no_fields },
	{ UP_NEXT, "uplink_next", sizeof(struct up_seq), PS_STATE_SERVING,
	    no_fields },
	{ UP_ACK, "uplink_ack", sizeof(struct up_seq), PS_STATE_SERVING,
	    no_fields },
	{ UP_REFUSED, "uplink_refused", sizeof(struct up_refused),
	    PS_STATE_SERVING, refused_fields },
	{ UP_SOURCE_ERROR, "uplink_source_error",
	    sizeof(struct up_source_error), PS_STATE_SERVING,
	    source_error_fields },
	{ UP_SOURCE_THROTTLED, "uplink_source_throttled",
	    sizeof(struct up_source_throttled), PS_STATE_SERVING, no_fields },
	{ UP_LATE, "uplink_late", sizeof(struct up_late), PS_STATE_SERVING,
	    no_fields },
};
const size_t uplink_nrules = sizeof(uplink_rules) / sizeof(uplink_rules[0]);

static struct {
	struct monitor *m;
	struct medsec_fwdqueue *queue;
	int fd;
	struct event *ev, *restart_ev, *expire_ev;
	pid_t pid;
	unsigned state;
	unsigned backoff_s;
	int64_t started_us;
	uint64_t frames_refused;
	uint32_t max_age;
	char device_id[128];
	union {
		uint64_t align;
		uint8_t buf[PRIVSEP_MSG_MAX];
	} rx;
} up = { .fd = -1 };

static void start_uplink(struct monitor *m);

static void
reply(uint32_t type, uint32_t id, const void *a, size_t alen, const void *b,
    size_t blen)
{
	int r;

	if (up.fd >= 0 && (r = privsep_send2(up.fd, type, id, a, alen, b,
	    blen)) != MEDSEC_OK)
		medsecd_log(LOG_ERR, "reply to the uplink lost: %s",
		    medsec_strerror(r));
}

/* ---- handlers ---- */

static void
h_ready(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct up_ready req;

	(void)m;
	(void)id;
	memcpy(&req, payload, sizeof(req));
	up.state = PS_STATE_SERVING;
	medsecd_log(LOG_NOTICE, "uplink %ld delivering to %s as uid %u",
	    (long)up.pid, m->cfg.uplink_url, req.uid);
}

/* Every reading names a patient and a vital the rings accept. */
static int
valid_put(const struct up_put *p)
{
	uint32_t i;

	if (p->n == 0 || p->n > UPLINK_BATCH_MAX || p->bundle_len == 0 ||
	    p->bundle_len > UPLINK_BUNDLE_MAX)
		return 0;
	for (i = 0; i < p->n; i++)
		if (memchr(p->r[i].patient, '\0', sizeof(p->r[i].patient)) ==
		    NULL || !readings_valid_id(p->r[i].patient) ||
		    vital_info(p->r[i].vital) == NULL)
			return 0;
	return 1;
}

static void
h_put(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	const struct up_put *p = (const struct up_put *)(const void *)payload;
	struct medsec_fwdqueue_loss loss;
	struct up_put_done done;
	struct reading x;
	uint32_t i;

	(void)m;
	memset(&done, 0, sizeof(done));
	memset(&loss, 0, sizeof(loss));
	if (!valid_put(p)) {
		done.status = MEDSEC_ERR_INVALID;
		reply(UP_PUT_DONE, id, &done, sizeof(done), NULL, 0);
		return;
	}
	for (i = 0; i < p->n; i++) {
		x.time_us = p->r[i].time_us;
		x.vital = p->r[i].vital;
		x.value = p->r[i].value;
		monitor_patients_add(p->r[i].patient, &x);
	}
	done.status = medsec_fwdqueue_put(up.queue, (const uint8_t *)p->bundle,
	    p->bundle_len, p->n, &done.seq, &loss);
	if (done.status != MEDSEC_OK)
		medsecd_log(LOG_ERR, "uplink: a batch of %u readings not "
		    "queued: %s", p->n, medsec_strerror(done.status));
	if (loss.batches > 0)
		medsecd_log(LOG_WARNING, "uplink: the queue is full: %u "
		    "batches (%llu readings, %llu..%llu) dropped, oldest "
		    "first", loss.batches, (unsigned long long)loss.readings,
		    (unsigned long long)loss.first_seq,
		    (unsigned long long)loss.last_seq);
	reply(UP_PUT_DONE, id, &done, sizeof(done), NULL, 0);
}

/*
 * The oldest batch waiting after req.seq. A batch that was altered on
 * disk is passed over (the queue records it and leaves it to the limits
 * and expiry): one bad batch does not hold back those behind it.
 */
static void
h_next(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct up_seq req;
	struct up_batch b;
	uint8_t *batch = NULL;
	uint64_t after;
	size_t len = 0;
	int r;

	(void)m;
	memcpy(&req, payload, sizeof(req));
	memset(&b, 0, sizeof(b));
	after = req.seq;
	while ((r = medsec_fwdqueue_next(up.queue, after, &b.seq, &batch, &len,
	    &b.readings)) == MEDSEC_ERR_AUTH && b.seq > after) {
		medsecd_log(LOG_ERR, "uplink: queued batch %llu was altered; "
		    "passed over", (unsigned long long)b.seq);
		after = b.seq;
	}
	if (r == MEDSEC_OK && len > UPLINK_BUNDLE_MAX)
		r = MEDSEC_ERR_TOO_LARGE;
	if (r != MEDSEC_OK) {
		if (r != MEDSEC_ERR_NOT_FOUND)
			medsecd_log(LOG_ERR, "uplink: the queued batch after "
			    "%llu cannot be read: %s", (unsigned long long)after,
			    medsec_strerror(r));
		reply(UP_EMPTY, id, NULL, 0, NULL, 0);
		goto out;
	}
	b.len = (uint32_t)len;
	reply(UP_BATCH, id, &b, sizeof(b), batch, len);
out:
	medsec_fwdqueue_batch_free(batch, len);
}

static void
h_ack(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct up_seq req;
	int r;

	(void)m;
	(void)id;
	memcpy(&req, payload, sizeof(req));
	if ((r = medsec_fwdqueue_ack(up.queue, req.seq)) != MEDSEC_OK)
		medsecd_log(r == MEDSEC_ERR_NOT_FOUND ? LOG_NOTICE : LOG_ERR,
		    "uplink: batch %llu delivered, not removed: %s",
		    (unsigned long long)req.seq, medsec_strerror(r));
}

/*
 * A collector refused (its certificate, its TLS, its answer) or out of
 * reach: one record per reason per report interval, with the count.
 */
static void
h_refused(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct up_refused req;
	struct medsec_audit_detail d;
	const char *details = NULL;

	(void)id;
	memcpy(&req, payload, sizeof(req));
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "process", "uplink");
	medsec_audit_detail_u64(&d, "attempts", req.count);
	if (req.http != 0)
		medsec_audit_detail_i64(&d, "http", req.http);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, req.tls ? MEDSEC_EV_TLS_FAILURE :
	    MEDSEC_EV_PEER_REFUSED, "medsecd", "local", m->cfg.uplink_url,
	    MEDSEC_AUDIT_FAILURE, req.reason, details);
}

/* Late readings of one report interval: one record, never one each. */
static void
h_late(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct up_late req;
	struct medsec_audit_detail d;
	const char *details = NULL;
	char reason[160];

	(void)id; /* a report: no reply */
	memcpy(&req, payload, sizeof(req));
	snprintf(reason, sizeof(reason), "%llu of %llu readings delivered "
	    "later than the %u s delivery bound (worst %lld ms)",
	    (unsigned long long)req.late, (unsigned long long)req.delivered,
	    req.bound_s, (long long)req.worst_ms);
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "late_readings", req.late);
	medsec_audit_detail_u64(&d, "delivered_readings", req.delivered);
	medsec_audit_detail_u64(&d, "late_total", req.late_total);
	medsec_audit_detail_i64(&d, "worst_ms", req.worst_ms);
	medsec_audit_detail_u64(&d, "bound_seconds", req.bound_s);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_FWD_DELIVERY_LATE, "medsecd", "local",
	    m->cfg.uplink_url, MEDSEC_AUDIT_FAILURE, reason, details);
}

static void
h_source_error(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct up_source_error req;
	struct medsec_audit_detail d;
	const char *details = NULL;

	(void)id;
	memcpy(&req, payload, sizeof(req));
	up.frames_refused += req.count;
	medsecd_log(LOG_WARNING, "uplink: %u frames refused from %s (%llu "
	    "in all): %s", req.count, m->cfg.source_socket,
	    (unsigned long long)up.frames_refused, req.reason);
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "source", m->cfg.source_socket);
	medsec_audit_detail_u64(&d, "frames", req.count);
	medsec_audit_detail_u64(&d, "frames_refused_total", up.frames_refused);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_PHR_CREATE, "medsecd", "local",
	    "source", MEDSEC_AUDIT_FAILURE, req.reason, details);
}

/*
 * A source connection over [source] rate (MFDS 2.4, catalog H7): one
 * record per connection per interval, as the guard does for network
 * sources, and the flood incident, so that a stuck or hostile
 * acquisition process raises the same alarm as a network flood.
 */
static void
h_source_throttled(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct up_source_throttled req;
	struct medsec_audit_detail d;
	const char *details = NULL;
	char source[64], detail[320];

	(void)id; /* a report: no reply */
	memcpy(&req, payload, sizeof(req));
	snprintf(source, sizeof(source), "local:pid=%u,uid=%u", req.pid,
	    req.uid);
	medsecd_log(LOG_ALERT, "uplink: source %s (connection %llu) over "
	    "%u readings/s: %llu readings refused (%llu on the connection)",
	    source, (unsigned long long)req.connection, req.rate,
	    (unsigned long long)req.refused,
	    (unsigned long long)req.refused_total);
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "listener", "source");
	medsec_audit_detail_u64(&d, "connection", req.connection);
	medsec_audit_detail_u64(&d, "refused_readings", req.refused);
	medsec_audit_detail_u64(&d, "refused_total", req.refused_total);
	medsec_audit_detail_u64(&d, "rate", req.rate);
	medsec_audit_detail_u64(&d, "burst", req.burst);
	medsec_audit_detail_u64(&d, "over_ms", req.over_ms);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_THROTTLED, NULL, source, "source",
	    MEDSEC_AUDIT_FAILURE, "over the source rate", details);
	snprintf(detail, sizeof(detail), "acquisition process %s over %u "
	    "readings/s on the source socket: %llu readings refused",
	    source, req.rate, (unsigned long long)req.refused_total);
	monitor_incident(m, MEDSEC_INCIDENT_ON_FLOOD, detail, "The gateway "
	    "refused that connection's readings over its rate (ERR rate) and "
	    "recorded them in its audit trail (THROTTLED); the readings of "
	    "other sources and the delivery to the collector continued. "
	    "Check the acquisition process named.");
}

static const struct monitor_dispatch uplink_dispatch[] = {
	{ UP_READY, h_ready },
	{ UP_PUT, h_put },
	{ UP_NEXT, h_next },
	{ UP_ACK, h_ack },
	{ UP_REFUSED, h_refused },
	{ UP_SOURCE_ERROR, h_source_error },
	{ UP_SOURCE_THROTTLED, h_source_throttled },
	{ UP_LATE, h_late },
};

/* ---- the channel ---- */

static void
violation(struct monitor *m, const char *why)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "process", "uplink");
	medsec_audit_detail_i64(&d, "pid", (int64_t)up.pid);
	medsec_audit_detail_str_trunc(&d, "violation", why, 200);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	medsecd_log(LOG_ALERT, "uplink %ld broke the privsep protocol: %s; "
	    "killing it", (long)up.pid, why);
	monitor_audit(m, MEDSEC_EV_INCIDENT, "medsecd", "local", "uplink",
	    MEDSEC_AUDIT_FAILURE, "privsep protocol violation", details);
	if (up.pid > 0)
		kill(up.pid, SIGKILL);
	event_del(up.ev);
}

static void
dispatch(struct monitor *m, const struct privsep_hdr *hdr,
    const uint8_t *payload)
{
	const struct privsep_rule *rule;
	char why[160];
	size_t i;

	if (privsep_check(uplink_rules, uplink_nrules, hdr, payload,
	    up.state, &rule, why, sizeof(why)) != MEDSEC_OK) {
		violation(m, why);
		return;
	}
	for (i = 0; i < sizeof(uplink_dispatch) / sizeof(uplink_dispatch[0]);
	    i++)
		if (uplink_dispatch[i].type == hdr->type) {
			uplink_dispatch[i].handler(m, hdr->id, payload);
			return;
		}
}

static void
on_message(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int r, passed_fd, n;

	(void)what;
	for (n = 0; n < 64 && up.fd == fd; n++) {
		r = privsep_recv(fd, up.rx.buf, &hdr, &payload, &passed_fd);
		if (r == MEDSEC_ERR_BUSY)
			return;
		if (r == MEDSEC_ERR_IO) {
			event_del(up.ev);
			return;
		}
		if (r != MEDSEC_OK || passed_fd >= 0) {
			if (passed_fd >= 0)
				close(passed_fd);
			violation(m, "malformed message");
			return;
		}
		dispatch(m, &hdr, payload);
		medsec_wipe(up.rx.buf, sizeof(struct privsep_hdr) + hdr.len);
		if (up.pid <= 0 || !event_pending(up.ev, EV_READ, NULL))
			return;
	}
}

/* ---- the process ---- */

static void
close_channel(void)
{
	if (up.ev != NULL)
		event_free(up.ev);
	up.ev = NULL;
	if (up.fd >= 0)
		close(up.fd);
	up.fd = -1;
}

/* The uplink's side of the fork (monitor_fork_child). */
static void
uplink_child(void *arg, int fd)
{
	struct monitor *m = arg;
	struct uplink_start us;

	memset(&us, 0, sizeof(us));
	us.cfg = &m->cfg;
	us.device_id = up.device_id;
	us.ps_fd = fd;
	uplink_main(&us);
}

static void
start_uplink(struct monitor *m)
{
	pid_t pid;
	int fd;

	if ((pid = monitor_fork_child(m, "uplink", uplink_child, m, &fd)) <
	    0) {
		event_add(up.restart_ev, &(struct timeval){ up.backoff_s, 0 });
		return;
	}
	up.fd = fd;
	up.pid = pid;
	up.state = PS_STATE_STARTING;
	up.started_us = medsec_clock_mono_us();
	monitor_child_watch(m, "uplink", pid, fd, on_message, m, &up.ev);
}

static void
on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	(void)fd;
	(void)what;
	if (!m->stopping && up.pid == 0)
		start_uplink(m);
}

/* Batches older than [uplink] queue_max_age go, recorded by the queue. */
static void
on_expire(evutil_socket_t fd, short what, void *arg)
{
	struct medsec_fwdqueue_loss loss;
	int r;

	(void)fd;
	(void)what;
	(void)arg;
	memset(&loss, 0, sizeof(loss));
	if ((r = medsec_fwdqueue_expire(up.queue, medsec_clock_wall_us() /
	    1000000, &loss)) != MEDSEC_OK)
		medsecd_log(LOG_ERR, "uplink: expiring queued batches: %s",
		    medsec_strerror(r));
	else if (loss.batches > 0)
		medsecd_log(LOG_WARNING, "uplink: %u batches (%llu readings) "
		    "older than %u s dropped undelivered", loss.batches,
		    (unsigned long long)loss.readings, up.max_age);
}

static void
audit_exit(struct monitor *m, pid_t pid, int status)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "process", "uplink");
	medsec_audit_detail_i64(&d, "pid", (int64_t)pid);
	if (WIFSIGNALED(status))
		medsec_audit_detail_i64(&d, "signal", WTERMSIG(status));
	else
		medsec_audit_detail_i64(&d, "exit_status", WEXITSTATUS(status));
	medsec_audit_detail_u64(&d, "restart_in_seconds",
	    m->stopping ? 0 : up.backoff_s);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_APP_STOP, "medsecd", "local", "uplink",
	    m->stopping ? MEDSEC_AUDIT_SUCCESS : MEDSEC_AUDIT_FAILURE,
	    m->stopping ? "shutdown" : "uplink exited", details);
}

int
monitor_uplink_reaped(struct monitor *m, pid_t pid, int status)
{
	if (pid <= 0 || pid != up.pid)
		return 0;
	close_channel();
	up.pid = 0;
	up.state = 0;
	monitor_child_exited(&up.backoff_s, up.started_us);
	audit_exit(m, pid, status);
	if (m->stopping)
		return 1;
	medsecd_log(LOG_WARNING, "uplink %ld exited; restarting in %u s",
	    (long)pid, up.backoff_s);
	monitor_child_restart_later(up.restart_ev, &up.backoff_s,
	    m->cfg.daemon_restart_backoff_max);
	return 1;
}

int
monitor_uplink_start(struct monitor *m)
{
	struct medsec_fwdqueue_limits lim;
	int r;

	if (m->cfg.uplink_url[0] == '\0')
		return 0;
	up.m = m;
	up.backoff_s = 1;
	up.max_age = m->cfg.uplink_queue_max_age;
	snprintf(up.device_id, sizeof(up.device_id), "%s",
	    medsec_device_id(m->dev));
	memset(&lim, 0, sizeof(lim));
	lim.max_batches = m->cfg.uplink_queue_max_batches;
	lim.max_bytes = m->cfg.uplink_queue_max_bytes;
	lim.max_age_seconds = m->cfg.uplink_queue_max_age;
	if ((r = medsec_fwdqueue_open(m->dev, &lim, &up.queue)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "the store-and-forward queue: %s",
		    medsec_strerror(r));
		return -1;
	}
	up.restart_ev = evtimer_new(m->base, on_restart, m);
	up.expire_ev = event_new(m->base, -1, EV_PERSIST, on_expire, m);
	if (up.restart_ev == NULL || up.expire_ev == NULL ||
	    event_add(up.expire_ev, &(struct timeval){ EXPIRE_EVERY_S, 0 }) !=
	    0) {
		medsecd_log(LOG_ERR, "cannot schedule the uplink");
		return -1;
	}
	on_expire(-1, 0, m);
	start_uplink(m);
	return 0;
}

void
monitor_uplink_stop(struct monitor *m)
{
	(void)m;
	if (up.restart_ev != NULL)
		event_del(up.restart_ev);
	if (up.pid > 0)
		kill(up.pid, SIGTERM);
}

void
monitor_uplink_free(void)
{
	close_channel();
	if (up.restart_ev != NULL)
		event_free(up.restart_ev);
	if (up.expire_ev != NULL)
		event_free(up.expire_ev);
	up.restart_ev = up.expire_ev = NULL;
	medsec_fwdqueue_close(up.queue);
	up.queue = NULL;
}
