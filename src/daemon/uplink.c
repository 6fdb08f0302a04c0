/*
 * The uplink process (uplink.h): its start and confinement, its sources
 * of readings (the simulator, the UNIX socket of an acquisition
 * process), batching into FHIR Bundles, and the delivery loop.
 */
#define _GNU_SOURCE /* struct ucred */
#include "uplink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "io/io.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/guard.h"
#include "daemon.h"
#include "sandbox.h"
#include "simulator.h"
#include "uplink_bound.h"
#include "uplink_fhir.h"
#include "uplink_frame.h"

#define SOURCE_CONNS_MAX 8
#define SOURCE_BUF (4 * UPLINK_FRAME_MAX)
/* A connection that sends this many malformed frames is closed. */
#define SOURCE_BAD_MAX 16
/* Batches handed to the monitor and not yet answered. */
#define PUTS_MAX 16
/* A partial batch waits this long for more readings. */
#define FLUSH_DELAY_MS 200
#define RETRY_MAX_S 30

struct uplink;

struct source_conn {
	struct uplink *u;
	int fd;
	struct event *ev;
	uint64_t id;		/* 0: free slot */
	uint64_t last_seq;	/* the last reading taken */
	unsigned bad;
	/* [source] rate and burst (MFDS 2.4, catalog H7) */
	struct medsec_guard_bucket bucket;
	uint64_t throttled;	/* refused since the last report */
	uint64_t throttled_total;
	int64_t throttled_first_us; /* first refusal since that report */
	int64_t throttle_reported_us; /* 0: never reported */
	uint32_t pid, uid;	/* the source process (SO_PEERCRED) */
	size_t len;
	char buf[SOURCE_BUF];
};

/* Where a batch's readings came from, to acknowledge them once stored. */
struct put_origin {
	uint32_t id;		/* privsep id of the UP_PUT */
	uint64_t conn[UPLINK_BATCH_MAX];
	uint64_t seq[UPLINK_BATCH_MAX];
	size_t n;
};

enum delivery_state {
	DELIVERY_IDLE = 0,	/* nothing known to be waiting */
	DELIVERY_ASKING,	/* UP_NEXT sent */
	DELIVERY_POSTING,	/* a Bundle in flight */
	DELIVERY_WAITING,	/* back-off before posting it again */
};

struct failure_report {
	struct up_refused msg;
	int64_t last_us;	/* when this reason was last reported */
};

struct uplink {
	struct medsec_config cfg;
	char device_id[128];
	int ps_fd;
	struct event_base *base;
	struct event *ps_ev, *tick_ev, *flush_ev, *retry_ev, *report_ev;
	struct event *listen_ev;
	int listen_fd;
	struct uplink_http *http;
	struct simulator *sim;
	struct source_conn conn[SOURCE_CONNS_MAX];
	uint64_t next_conn_id;
	/* the batch being filled */
	struct source_reading pending[UPLINK_BATCH_MAX];
	uint64_t pending_conn[UPLINK_BATCH_MAX];
	size_t npending;
	struct put_origin puts[PUTS_MAX];
	size_t nputs;
	uint32_t next_put_id;
	/* delivery */
	enum delivery_state state;
	uint64_t delivered_seq;	/* the last batch the collector took */
	uint64_t posting_seq;
	char *posting;		/* the Bundle in flight */
	size_t posting_len;
	uint32_t posting_readings;
	/* readings measured against [uplink] delivery_bound */
	struct uplink_bound bound;
	int64_t bound_reported_us;
	unsigned retry_s;
	int more;		/* a batch was stored while asking or posting */
	struct failure_report failure;
	struct up_source_error source_errors;
	int64_t source_errors_sent_us;
	union {
		uint64_t align;
		uint8_t buf[PRIVSEP_MSG_MAX];
	} rx;
};

static void ask_next(struct uplink *u);
static void report_throttled_due(struct uplink *u);
static void on_monitor(evutil_socket_t fd, short what, void *arg);

static void __attribute__((noreturn))
uplink_fail(const char *what, const char *err)
{
	medsecd_log(LOG_ERR, "uplink: %s: %s", what, err);
	_exit(1);
}

/* Everything but stdio and the channel: no database, no trail, no keys. */
static void
close_inherited(int ps_fd)
{
	if (ps_fd > 3)
		syscall(SYS_close_range, 3u, (unsigned)ps_fd - 1, 0u);
	syscall(SYS_close_range, (unsigned)ps_fd + 1, ~0u, 0u);
}

static void
send_monitor(struct uplink *u, uint32_t type, uint32_t id, const void *p,
    size_t len)
{
	int r;

	if ((r = privsep_send(u->ps_fd, type, id, p, len, -1)) != MEDSEC_OK)
		uplink_fail("the monitor", medsec_strerror(r));
}

/* ---- reports: refusals and malformed frames, counted ---- */

/*
 * A failure is reported at once when its reason is new, else at most
 * once per [limits] throttle_report_seconds with the count since.
 */
static void
report_failure(struct uplink *u, const struct uplink_result *res)
{
	struct failure_report *f = &u->failure;
	int64_t now = medsec_clock_mono_us();
	int64_t every = (int64_t)u->cfg.limits_throttle_report_seconds *
	    1000000;

	medsecd_log(LOG_WARNING, "uplink: delivery to %s failed: %s",
	    u->cfg.uplink_url, res->reason);
	if (strcmp(f->msg.reason, res->reason) != 0 ||
	    f->msg.http != (int32_t)res->http) {
		f->msg.count = 0;
		f->last_us = 0;
	}
	snprintf(f->msg.reason, sizeof(f->msg.reason), "%s", res->reason);
	f->msg.tls = (uint32_t)res->tls;
	f->msg.http = (int32_t)res->http;
	f->msg.count++;
	if (f->last_us != 0 && now - f->last_us < every)
		return;
	send_monitor(u, UP_REFUSED, 0, &f->msg, sizeof(f->msg));
	f->msg.count = 0;
	f->last_us = now;
}

/*
 * The delivery bound, once per [limits] throttle_report_seconds while
 * readings are delivered: the counts to the operator's log, and the late
 * ones, if any, to the monitor, which records them in one
 * FWD_DELIVERY_LATE. After an
 * outage every queued reading is late: still one report per interval.
 */
static void
report_bound(struct uplink *u)
{
	struct uplink_bound *b = &u->bound;
	struct up_late late;
	int64_t now = medsec_clock_mono_us();

	if (b->interval_delivered == 0 || (u->bound_reported_us != 0 &&
	    now - u->bound_reported_us <
	    (int64_t)u->cfg.limits_throttle_report_seconds * 1000000))
		return;
	medsecd_log(b->interval_late > 0 ? LOG_WARNING : LOG_INFO,
	    "uplink: delivery bound %u s: %llu of %llu readings late since "
	    "the last report (worst %lld ms); %llu of %llu late in all",
	    u->cfg.uplink_delivery_bound,
	    (unsigned long long)b->interval_late,
	    (unsigned long long)b->interval_delivered,
	    (long long)(b->interval_worst_us / 1000),
	    (unsigned long long)b->late, (unsigned long long)b->delivered);
	if (b->interval_late > 0) {
		memset(&late, 0, sizeof(late));
		late.late = b->interval_late;
		late.delivered = b->interval_delivered;
		late.late_total = b->late;
		late.worst_ms = b->interval_worst_us / 1000;
		late.bound_s = u->cfg.uplink_delivery_bound;
		send_monitor(u, UP_LATE, 0, &late, sizeof(late));
	}
	uplink_bound_interval_reset(b);
	u->bound_reported_us = now;
}

static void
on_report(evutil_socket_t fd, short what, void *arg)
{
	struct uplink *u = arg;

	(void)fd;
	(void)what;
	report_bound(u);
	report_throttled_due(u);
	if (u->source_errors.count > 0) {
		send_monitor(u, UP_SOURCE_ERROR, 0, &u->source_errors,
		    sizeof(u->source_errors));
		u->source_errors.count = 0;
		u->source_errors_sent_us = medsec_clock_mono_us();
	}
	if (u->failure.msg.count > 0 && medsec_clock_mono_us() -
	    u->failure.last_us >= (int64_t)u->cfg.limits_throttle_report_seconds
	    * 1000000) {
		send_monitor(u, UP_REFUSED, 0, &u->failure.msg,
		    sizeof(u->failure.msg));
		u->failure.msg.count = 0;
		u->failure.last_us = medsec_clock_mono_us();
	}
}

/* ---- delivery ---- */

/* The batch the collector just took, against the delivery bound. */
static void
measure_delivered(struct uplink *u)
{
	int64_t times[UPLINK_BATCH_MAX];
	size_t n;

	n = uplink_bound_times(u->posting, u->posting_len, times,
	    UPLINK_BATCH_MAX);
	if (n != u->posting_readings)
		medsecd_log(LOG_ERR, "uplink: batch %llu holds %u readings, "
		    "%zu with a time of measurement: the others are not "
		    "measured against the delivery bound",
		    (unsigned long long)u->posting_seq, u->posting_readings,
		    n);
	/* Counted here; reported by the timer, in aggregate. */
	uplink_bound_measure(&u->bound, times, n, medsec_clock_wall_us());
}

static void
on_posted(void *arg, const struct uplink_result *res)
{
	struct uplink *u = arg;
	struct up_seq ack;

	if (res->delivered) {
		measure_delivered(u);
		memset(&ack, 0, sizeof(ack));
		ack.seq = u->posting_seq;
		send_monitor(u, UP_ACK, 0, &ack, sizeof(ack));
		u->delivered_seq = u->posting_seq;
		uplink_fhir_free(u->posting, u->posting_len);
		u->posting = NULL;
		u->retry_s = 1;
		u->state = DELIVERY_IDLE;
		ask_next(u);
		return;
	}
	report_failure(u, res);
	u->state = DELIVERY_WAITING;
	event_add(u->retry_ev, &(struct timeval){ u->retry_s, 0 });
	u->retry_s = u->retry_s * 2 > RETRY_MAX_S ? RETRY_MAX_S :
	    u->retry_s * 2;
}

static void
post(struct uplink *u)
{
	struct uplink_result res;
	int r;

	u->state = DELIVERY_POSTING;
	if ((r = uplink_http_post(u->http, u->posting, u->posting_len,
	    on_posted, u)) != MEDSEC_OK) {
		memset(&res, 0, sizeof(res));
		snprintf(res.reason, sizeof(res.reason), "cannot post: %s",
		    medsec_strerror(r));
		on_posted(u, &res);
	}
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	post(arg);
}

static void
ask_next(struct uplink *u)
{
	struct up_seq q;

	if (u->state != DELIVERY_IDLE)
		return;
	memset(&q, 0, sizeof(q));
	q.seq = u->delivered_seq;
	u->more = 0;
	u->state = DELIVERY_ASKING;
	send_monitor(u, UP_NEXT, 0, &q, sizeof(q));
}

static void
got_batch(struct uplink *u, const uint8_t *payload, size_t len)
{
	struct up_batch b;

	if (len < sizeof(b))
		uplink_fail("the monitor", "short batch");
	memcpy(&b, payload, sizeof(b));
	if (b.len == 0 || b.len != len - sizeof(b) || b.seq <= u->delivered_seq)
		uplink_fail("the monitor", "batch out of order or of the "
		    "wrong size");
	if ((u->posting = malloc(b.len + 1)) == NULL)
		uplink_fail("batch", "out of memory");
	memcpy(u->posting, payload + sizeof(b), b.len);
	u->posting[b.len] = '\0';
	u->posting_len = b.len;
	u->posting_seq = b.seq;
	u->posting_readings = b.readings;
	post(u);
}

/* ---- batches to the monitor ---- */

/* "ACK <seq>" to every source whose readings the batch stored. */
static void
acknowledge_sources(struct uplink *u, const struct put_origin *o, int ok)
{
	char line[64];
	size_t i, j;
	int n;

	for (i = 0; i < SOURCE_CONNS_MAX; i++) {
		uint64_t top = 0;

		if (u->conn[i].id == 0)
			continue;
		for (j = 0; j < o->n; j++)
			if (o->conn[j] == u->conn[i].id && o->seq[j] > top)
				top = o->seq[j];
		if (top == 0)
			continue;
		n = snprintf(line, sizeof(line), ok ? "ACK %llu\n" :
		    "ERR %llu not stored, send again\n",
		    (unsigned long long)top);
		if (write(u->conn[i].fd, line, (size_t)n) != n) {
			/* The source reconnects and sends again what it
			 * has no ACK for. */
		}
	}
}

static void
got_put_done(struct uplink *u, uint32_t id, const uint8_t *payload,
    size_t len)
{
	struct up_put_done d;
	size_t i;

	if (len != sizeof(d) || u->nputs == 0 || u->puts[0].id != id)
		uplink_fail("the monitor", "unexpected answer to a batch");
	memcpy(&d, payload, sizeof(d));
	if (d.status != MEDSEC_OK)
		medsecd_log(LOG_ERR, "uplink: a batch of %zu readings was not "
		    "stored: %s", u->puts[0].n, medsec_strerror(d.status));
	acknowledge_sources(u, &u->puts[0], d.status == MEDSEC_OK);
	for (i = 1; i < u->nputs; i++)
		u->puts[i - 1] = u->puts[i];
	u->nputs--;
	if (d.status != MEDSEC_OK)
		return;
	if (u->state == DELIVERY_IDLE)
		ask_next(u);
	else
		u->more = 1;
}

static void
on_monitor(evutil_socket_t fd, short what, void *arg)
{
	struct uplink *u = arg;
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int r, passed_fd;

	(void)what;
	for (;;) {
		r = privsep_recv(fd, u->rx.buf, &hdr, &payload, &passed_fd);
		if (r == MEDSEC_ERR_BUSY)
			return;
		if (r != MEDSEC_OK || passed_fd >= 0)
			uplink_fail("the monitor", "gone");
		switch (hdr.type) {
		case UP_PUT_DONE:
			got_put_done(u, hdr.id, payload, hdr.len);
			break;
		case UP_BATCH:
			if (u->state != DELIVERY_ASKING)
				uplink_fail("the monitor", "batch unasked");
			got_batch(u, payload, hdr.len);
			break;
		case UP_EMPTY:
			u->state = DELIVERY_IDLE;
			if (u->more)
				ask_next(u);
			break;
		default:
			uplink_fail("the monitor", "unknown message");
		}
	}
}

static void
flush_batch(struct uplink *u)
{
	struct up_put *put;
	struct put_origin *o;
	char *bundle = NULL;
	size_t i, len = 0;
	int r;

	evtimer_del(u->flush_ev);
	if (u->npending == 0)
		return;
	/* At most PUTS_MAX batches unanswered: a source faster than the
	 * queue's synced writes waits here for the monitor. */
	while (u->nputs == PUTS_MAX) {
		if (poll(&(struct pollfd){ u->ps_fd, POLLIN, 0 }, 1, -1) < 0 &&
		    errno != EINTR)
			uplink_fail("the monitor", strerror(errno));
		on_monitor(u->ps_fd, EV_READ, u);
	}
	if ((put = calloc(1, sizeof(*put))) == NULL)
		uplink_fail("batch", "out of memory");
	if ((r = uplink_fhir_bundle(u->device_id, u->pending, u->npending,
	    &bundle, &len)) != MEDSEC_OK || len > UPLINK_BUNDLE_MAX) {
		medsecd_log(LOG_ERR, "uplink: a Bundle of %zu readings cannot "
		    "be built: %s", u->npending, r != MEDSEC_OK ?
		    medsec_strerror(r) : "too large");
		goto out;
	}
	put->n = (uint32_t)u->npending;
	put->bundle_len = (uint32_t)len;
	memcpy(put->bundle, bundle, len);
	o = &u->puts[u->nputs++];
	memset(o, 0, sizeof(*o));
	o->id = ++u->next_put_id;
	o->n = u->npending;
	for (i = 0; i < u->npending; i++) {
		memcpy(put->r[i].patient, u->pending[i].patient,
		    sizeof(put->r[i].patient));
		put->r[i].vital = u->pending[i].r.vital;
		put->r[i].time_us = u->pending[i].r.time_us;
		put->r[i].value = u->pending[i].r.value;
		o->conn[i] = u->pending_conn[i];
		o->seq[i] = u->pending[i].seq;
	}
	send_monitor(u, UP_PUT, o->id, put, sizeof(*put));
out:
	uplink_fhir_free(bundle, len);
	medsec_wipe(put, sizeof(*put));
	free(put);
	medsec_wipe(u->pending, sizeof(u->pending));
	u->npending = 0;
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_batch(arg);
}

static void
take_reading(struct uplink *u, const struct source_reading *r, uint64_t conn)
{
	u->pending[u->npending] = *r;
	u->pending_conn[u->npending] = conn;
	if (++u->npending == u->cfg.uplink_batch_max) {
		flush_batch(u);
		return;
	}
	if (!evtimer_pending(u->flush_ev, NULL))
		event_add(u->flush_ev, &(struct timeval){ 0,
		    FLUSH_DELAY_MS * 1000 });
}

/* ---- the simulator ---- */

/*
 * A simulated reading's sequence number: its time in milliseconds times
 * eight plus its vital. It names the reading for good as long as the
 * clock goes forward, across restarts of the uplink, which replays the
 * same values at new times.
 */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct uplink *u = arg;
	struct sim_reading x[SIMULATOR_PATIENTS_MAX * VITAL__COUNT];
	struct source_reading r;
	size_t i, n;

	(void)fd;
	(void)what;
	n = simulator_round(u->sim, medsec_clock_wall_us(), x,
	    sizeof(x) / sizeof(x[0]));
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		simulator_patient_id(x[i].patient, r.patient);
		r.r = x[i].r;
		r.seq = (uint64_t)(x[i].r.time_us / 1000) * 8 +
		    (uint64_t)x[i].r.vital;
		take_reading(u, &r, 0);
	}
	flush_batch(u);
	medsec_wipe(x, sizeof(x));
}

/* The simulator's seed: the device id, so a device replays its own. */
static uint64_t
seed_of(const char *device_id)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *device_id != '\0'; device_id++)
		h = (h ^ (uint8_t)*device_id) * 0x100000001b3ULL;
	return h;
}

/* ---- the UNIX-socket source ---- */

static void report_throttled(struct uplink *u, struct source_conn *c);

static void
close_conn(struct source_conn *c)
{
	/* What was refused since the last report is not lost with it. */
	if (c->throttled > 0)
		report_throttled(c->u, c);
	event_free(c->ev);
	close(c->fd);
	medsec_wipe(c, sizeof(*c));
}

static void
refuse_frame(struct uplink *u, struct source_conn *c, uint64_t seq,
    const char *why)
{
	char line[UPLINK_FRAME_WHY_LEN + 48];
	int n;

	medsecd_log(LOG_WARNING, "uplink: source frame refused: %s", why);
	snprintf(u->source_errors.reason, sizeof(u->source_errors.reason),
	    "%s", why);
	u->source_errors.count++;
	/* The first refusal in a second goes to the monitor before the
	 * source hears of it; those that follow are counted and reported
	 * by the timer. */
	if (medsec_clock_mono_us() - u->source_errors_sent_us >= 1000000) {
		send_monitor(u, UP_SOURCE_ERROR, 0, &u->source_errors,
		    sizeof(u->source_errors));
		u->source_errors.count = 0;
		u->source_errors_sent_us = medsec_clock_mono_us();
	}
	n = snprintf(line, sizeof(line), "ERR %llu %s\n",
	    (unsigned long long)seq, why);
	if (n > 0 && write(c->fd, line, (size_t)n) != n) {
		/* Counted and reported above; the source learns of it from
		 * the missing ACK. */
	}
	c->bad++;
}

/*
 * One THROTTLED record per connection per [limits]
 * throttle_report_seconds, never one per refused reading; the first
 * refusal of a connection goes at once, as the alarm.
 */
static void
report_throttled(struct uplink *u, struct source_conn *c)
{
	struct up_source_throttled t;
	int64_t now = medsec_clock_mono_us();

	memset(&t, 0, sizeof(t));
	t.pid = c->pid;
	t.uid = c->uid;
	t.connection = c->id;
	t.refused = c->throttled;
	t.refused_total = c->throttled_total;
	t.rate = u->cfg.source_rate;
	t.burst = u->cfg.source_burst;
	t.over_ms = (uint64_t)((now - c->throttled_first_us) / 1000);
	send_monitor(u, UP_SOURCE_THROTTLED, 0, &t, sizeof(t));
	c->throttled = 0;
	c->throttle_reported_us = now;
}

static void
report_throttled_due(struct uplink *u)
{
	int64_t every = (int64_t)u->cfg.limits_throttle_report_seconds *
	    1000000, now = medsec_clock_mono_us();
	size_t i;

	for (i = 0; i < SOURCE_CONNS_MAX; i++)
		if (u->conn[i].id != 0 && u->conn[i].throttled > 0 &&
		    now - u->conn[i].throttle_reported_us >= every)
			report_throttled(u, &u->conn[i]);
}

/*
 * A reading over the connection's rate: refused and dropped, like a
 * malformed frame, but not held against the connection (a fast source
 * is not a broken one): its in-rate readings keep being taken.
 */
static void
throttle_frame(struct uplink *u, struct source_conn *c, uint64_t seq)
{
	char line[160];
	int n;

	if (c->throttled == 0)
		c->throttled_first_us = medsec_clock_mono_us();
	c->throttled++;
	c->throttled_total++;
	if (c->throttle_reported_us == 0)
		report_throttled(u, c);
	n = snprintf(line, sizeof(line), "ERR %llu rate: over %u readings/s "
	    "on this connection (burst %u)\n", (unsigned long long)seq,
	    u->cfg.source_rate, u->cfg.source_burst);
	if (n > 0 && write(c->fd, line, (size_t)n) != n) {
		/* Counted and reported; the source learns of it from the
		 * missing ACK. */
	}
}

static void
parse_frames(struct uplink *u, struct source_conn *c)
{
	struct source_reading r;
	char why[UPLINK_FRAME_WHY_LEN];
	size_t at = 0, used;
	int k;

	while (at < c->len && c->id != 0) {
		k = uplink_frame_parse(c->buf + at, c->len - at, c->last_seq,
		    &r, &used, why, sizeof(why));
		if (k == UPLINK_FRAME_MORE)
			break;
		if (k == UPLINK_FRAME_TOO_LONG) {
			refuse_frame(u, c, 0, why);
			close_conn(c);
			return;
		}
		at += used;
		if (k == UPLINK_FRAME_BAD) {
			refuse_frame(u, c, r.seq, why);
			if (c->bad >= SOURCE_BAD_MAX)
				close_conn(c);
			continue;
		}
		c->last_seq = r.seq;
		if (!medsec_guard_bucket_take(&c->bucket, u->cfg.source_rate,
		    u->cfg.source_burst, (uint64_t)medsec_clock_mono_us())) {
			throttle_frame(u, c, r.seq);
			continue;
		}
		take_reading(u, &r, c->id);
	}
	if (c->id == 0)
		return;
	memmove(c->buf, c->buf + at, c->len - at);
	c->len -= at;
	medsec_wipe(&r, sizeof(r));
}

static void
on_source_read(evutil_socket_t fd, short what, void *arg)
{
	struct source_conn *c = arg;
	ssize_t n;

	(void)what;
	n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_conn(c);
		return;
	}
	if (n < 0)
		return;
	c->len += (size_t)n;
	parse_frames(c->u, c);
}

/* The source process, for the records; the socket's mode already
 * limits it to the service user's group. */
static void
peer_of(int s, struct source_conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof(cred)) {
		c->pid = (uint32_t)cred.pid;
		c->uid = (uint32_t)cred.uid;
	} else {
		c->pid = 0;
		c->uid = UINT32_MAX;
	}
}

static void
on_source_accept(evutil_socket_t fd, short what, void *arg)
{
	struct uplink *u = arg;
	struct source_conn *c = NULL;
	int s, i;

	(void)what;
	if ((s = accept(fd, NULL, NULL)) < 0)
		return;
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	for (i = 0; i < SOURCE_CONNS_MAX && c == NULL; i++)
		if (u->conn[i].id == 0)
			c = &u->conn[i];
	if (c == NULL) {
		medsecd_log(LOG_WARNING, "uplink: source connection refused: "
		    "%d already open", SOURCE_CONNS_MAX);
		close(s);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->u = u;
	c->fd = s;
	c->id = ++u->next_conn_id;
	peer_of(s, c);
	medsec_guard_bucket_init(&c->bucket, u->cfg.source_burst,
	    (uint64_t)medsec_clock_mono_us());
	if ((c->ev = event_new(u->base, s, EV_READ | EV_PERSIST,
	    on_source_read, c)) == NULL || event_add(c->ev, NULL) != 0)
		uplink_fail("source", "cannot watch a connection");
}

/*
 * The source socket: made before the privilege drop, for the service
 * user and its group only (0660), so that an acquisition process of that
 * group can write and nobody else can.
 */
static int
listen_source(const struct medsec_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct passwd *pw;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(cfg->source_socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "[source] socket %s: path too long",
		    cfg->source_socket);
		return -1;
	}
	memcpy(sa.sun_path, cfg->source_socket, strlen(cfg->source_socket));
	/* A socket left by an earlier run goes; anything else stays. */
	if (lstat(cfg->source_socket, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(cfg->source_socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(cfg->source_socket, 0660) != 0 || listen(fd, 8) != 0)
		goto fail;
	if ((pw = getpwnam(cfg->daemon_user)) != NULL && getuid() == 0 &&
	    chown(cfg->source_socket, pw->pw_uid, pw->pw_gid) != 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "[source] socket %s: %s", cfg->source_socket,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---- start ---- */

/* The client certificate and key, the collector's CA: read as root. */
static void
start_http(struct uplink *u)
{
	uint8_t *cert = NULL, *key = NULL, *ca = NULL;
	size_t certlen = 0, keylen = 0, calen = 0;
	char err[512];
	int r;

	if ((r = medsec_io_read_file(u->cfg.uplink_client_cert, 1u << 20, 0,
	    &cert, &certlen)) != MEDSEC_OK)
		snprintf(err, sizeof(err), "[uplink] client_cert %s: %s",
		    u->cfg.uplink_client_cert, medsec_strerror(r));
	else if ((r = medsec_io_read_file(u->cfg.uplink_client_key, 1u << 16,
	    MEDSEC_IO_PRIVATE, &key, &keylen)) != MEDSEC_OK)
		snprintf(err, sizeof(err), "[uplink] client_key %s: %s (it "
		    "must belong to the service and be readable by it alone)",
		    u->cfg.uplink_client_key, medsec_strerror(r));
	else if ((r = medsec_io_read_file(u->cfg.uplink_ca_file, 1u << 20, 0,
	    &ca, &calen)) != MEDSEC_OK)
		snprintf(err, sizeof(err), "[uplink] ca_file %s: %s",
		    u->cfg.uplink_ca_file, medsec_strerror(r));
	else
		r = uplink_http_new(u->base, &u->cfg, (char *)cert, certlen,
		    (char *)key, keylen, (char *)ca, calen, &u->http, err,
		    sizeof(err));
	free(cert);
	if (key != NULL)
		medsec_wipe(key, keylen);
	free(key);
	free(ca);
	if (r != MEDSEC_OK)
		uplink_fail("start", err);
}

static void
start_sources(struct uplink *u)
{
	char err[512];

	if (u->cfg.source_simulator) {
		if ((u->sim = simulator_new(seed_of(u->device_id),
		    u->cfg.source_patients)) == NULL ||
		    (u->tick_ev = event_new(u->base, -1, EV_PERSIST, on_tick,
		    u)) == NULL || event_add(u->tick_ev, &(struct timeval){
		    (time_t)u->cfg.source_interval, 0 }) != 0)
			uplink_fail("start", "cannot start the simulator");
	}
	u->listen_fd = -1;
	if (u->cfg.source_socket[0] == '\0')
		return;
	if ((u->listen_fd = listen_source(&u->cfg, err, sizeof(err))) < 0)
		uplink_fail("start", err);
	if ((u->listen_ev = event_new(u->base, u->listen_fd,
	    EV_READ | EV_PERSIST, on_source_accept, u)) == NULL)
		uplink_fail("start", "cannot watch the source socket");
}

static void
start_events(struct uplink *u)
{
	u->ps_ev = event_new(u->base, u->ps_fd, EV_READ | EV_PERSIST,
	    on_monitor, u);
	u->flush_ev = evtimer_new(u->base, on_flush, u);
	u->retry_ev = evtimer_new(u->base, on_retry, u);
	u->report_ev = event_new(u->base, -1, EV_PERSIST, on_report, u);
	if (u->ps_ev == NULL || u->flush_ev == NULL || u->retry_ev == NULL ||
	    u->report_ev == NULL || event_add(u->ps_ev, NULL) != 0 ||
	    event_add(u->report_ev, &(struct timeval){ 1, 0 }) != 0)
		uplink_fail("start", "cannot watch the monitor");
	if (u->listen_ev != NULL && event_add(u->listen_ev, NULL) != 0)
		uplink_fail("start", "cannot watch the source socket");
}

void
uplink_main(const struct uplink_start *us)
{
	struct uplink *u;
	struct up_ready ready;
	char err[256];

	close_inherited(us->ps_fd);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	if ((u = calloc(1, sizeof(*u))) == NULL)
		uplink_fail("start", "out of memory");
	u->cfg = *us->cfg;
	u->ps_fd = us->ps_fd;
	u->retry_s = 1;
	uplink_bound_init(&u->bound, u->cfg.uplink_delivery_bound);
	snprintf(u->device_id, sizeof(u->device_id), "%s", us->device_id);
	/* Sends block while the monitor catches up (a batch is 52 KiB, the
	 * socket holds a few): back-pressure, not an error. Receives never
	 * block (privsep_recv). */
	if ((u->base = event_base_new()) == NULL)
		uplink_fail("start", "no event base");
	start_http(u);
	start_sources(u);
	if (sandbox_drop_privileges(u->cfg.daemon_user, err, sizeof(err)) != 0)
		uplink_fail("dropping privileges", err);
	if (sandbox_enter_uplink(err, sizeof(err)) != 0)
		uplink_fail("entering the sandbox", err);
	start_events(u);
	memset(&ready, 0, sizeof(ready));
	ready.pid = (uint32_t)getpid();
	ready.uid = (uint32_t)getuid();
	send_monitor(u, UP_READY, 0, &ready, sizeof(ready));
	/* What waits from before a restart goes first, in order. */
	ask_next(u);
	if (u->sim != NULL)
		on_tick(-1, 0, u);
	event_base_dispatch(u->base);
	_exit(0);
}
