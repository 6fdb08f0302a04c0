/*
 * The monitor's own audit records, and GET /v1/audit for auditors.
 *
 * Records go through the audit gate (audit_gate.h): submitted without a
 * sync, committed once per turn of the event loop, and a reply that
 * follows a record leaves only once the record is durable. The library's
 * own records (logins, user administration) are still appended inside
 * the transaction of the change they record.
 *
 * GET /v1/audit: records after a sequence number, read from the trail's
 * segments (the reader checks framing; `medsec audit verify` checks
 * tamper evidence). Reading the trail is itself recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <jansson.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/incident.h"
#include "audit_gate.h"
#include "monitor.h"

#define INCIDENT_ACTOR "medsecd"

/* A held reply leaves for the worker incarnation that asked for it. */
static void
send_held(void *ctx, uint32_t id, uint64_t generation,
    const struct audit_gate_reply *rep)
{
	struct monitor *m = ctx;

	if (generation != m->generation)
		return;
	monitor_reply(m, id, rep->status, rep->http, rep->code, rep->message,
	    rep->body, rep->bodylen);
}

/* The gate, made at the first record (the device and loop exist by then). */
static struct audit_gate *
gate_of(struct monitor *m)
{
	int r;

	if (m->audit_gate == NULL && (r = audit_gate_new(m->base,
	    medsec_device_audit(m->dev), send_held, m, &m->audit_gate)) !=
	    MEDSEC_OK)
		medsecd_log(LOG_ERR, "audit records are appended one by one: "
		    "%s", medsec_strerror(r));
	return m->audit_gate;
}

void
monitor_audit(struct monitor *m, int event, const char *actor,
    const char *source, const char *object, int outcome, const char *reason,
    const char *details)
{
	struct medsec_audit_event_in ev;
	struct audit_gate *g = gate_of(m);
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.actor = actor;
	ev.source = source;
	ev.object = object;
	ev.outcome = outcome;
	ev.reason = reason;
	ev.details = details;
	if (g != NULL)
		r = audit_gate_record(g, &ev);
	else
		r = medsec_audit_append(medsec_device_audit(m->dev), &ev, NULL);
	if (r != MEDSEC_OK)
		medsecd_log(LOG_ERR, "audit record %d not written: %s",
		    event, medsec_strerror(r));
}

static void
audit_incident(struct monitor *m, const struct medsec_incident *inc,
    int opened)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "id", inc->id);
	medsec_audit_detail_str(&d, "status", inc->status);
	medsec_audit_detail_str(&d, "severity", inc->severity);
	medsec_audit_detail_str(&d, "action", opened ? "opened" : "event");
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_INCIDENT, INCIDENT_ACTOR, "local", inc->id,
	    MEDSEC_AUDIT_SUCCESS, opened ? "incident opened by the device" :
	    "event added to the open incident", details);
}

static void
audit_incident_failed(struct monitor *m, int kind, int r,
    const struct medsec_config_error *err)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsecd_log(LOG_ERR, "incident (kind %d) not recorded: %s (%s: %s)",
	    kind, medsec_strerror(r), err->key, err->message);
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "kind", (uint64_t)kind);
	medsec_audit_detail_str(&d, "error", medsec_strerror(r));
	if (err->message[0] != '\0')
		medsec_audit_detail_str_trunc(&d, "reason", err->message, 200);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_INCIDENT, INCIDENT_ACTOR, "local",
	    "incident", MEDSEC_AUDIT_FAILURE, "incident not recorded",
	    details);
}

/*
 * The event's own record is submitted before this runs, so a record
 * store that refuses the incident loses no evidence: the failure is
 * logged and audited and the device keeps serving. Stopping it here
 * would turn a bookkeeping fault into a denial of care.
 */
void
monitor_incident(struct monitor *m, int kind, const char *detail,
    const char *containment)
{
	struct medsec_incident_trigger t;
	struct medsec_incident inc;
	struct medsec_config_error err;
	char now[MEDSEC_RFC3339_LEN];
	int opened = 0, r;

	memset(&err, 0, sizeof(err));
	if ((r = medsec_time_format_digits(medsec_clock_wall_us(), 0, now,
	    sizeof(now))) != MEDSEC_OK) {
		audit_incident_failed(m, kind, r, &err);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.kind = kind;
	t.detected = now;
	t.device = medsec_device_id(m->dev);
	t.version = MEDSEC_VERSION;
	t.detail = detail;
	t.containment = containment;
	if ((r = medsec_incident_open_for_event(medsec_device_db(m->dev), &t,
	    INCIDENT_ACTOR, now, &inc, &opened, &err)) != MEDSEC_OK) {
		audit_incident_failed(m, kind, r, &err);
		return;
	}
	audit_incident(m, &inc, opened);
}

void
monitor_audit_request_begin(struct monitor *m, uint32_t id)
{
	struct audit_gate *g = gate_of(m);

	if (g != NULL)
		audit_gate_begin(g, id, m->generation);
}

void
monitor_audit_request_end(struct monitor *m)
{
	if (m->audit_gate != NULL)
		audit_gate_end(m->audit_gate);
}

int
monitor_audit_hold_reply(struct monitor *m, uint32_t id, int status,
    unsigned http, const char *code, const char *message, const char *body,
    size_t bodylen)
{
	struct audit_gate_reply rep = { status, http, code, message, body,
		bodylen };

	return m->audit_gate != NULL && audit_gate_hold(m->audit_gate, id,
	    &rep);
}

void
monitor_audit_close(struct monitor *m)
{
	if (m->audit_recovery_ev != NULL)
		event_free(m->audit_recovery_ev);
	m->audit_recovery_ev = NULL;
	audit_gate_free(m->audit_gate);
	m->audit_gate = NULL;
}

/* One tamper incident per outage, not one per reopen attempt. */
static int tamper_reported;

/*
 * Reopening the trail found records changed, or a segment or anchor
 * missing, after they were written (medsec_audit_open): tampering, not
 * a crash. The trail cannot take the event's own record now, so the
 * incident in the device database is the evidence that lasts; its
 * INCIDENT record goes through monitor_audit like any other, which logs
 * it as not written while the trail stays refused.
 */
static void
open_tamper_incident(struct monitor *m)
{
	medsecd_log(LOG_CRIT, "the audit trail was altered after it was "
	    "written: reopening it is refused; opening an incident");
	monitor_incident(m, MEDSEC_INCIDENT_ON_TAMPER, "reopening the audit "
	    "trail after a storage failure found records changed or "
	    "removed after they were written (medsec_audit_open refused it "
	    "as tampered)", "The device refuses every audited action "
	    "until the trail can be reopened (fail closed) and leaves the "
	    "trail's files as found for review with medsec audit verify.");
}

/*
 * A failed trail refuses every audited action (fail closed) and GET
 * /v1/health says "degraded" (medsec_audit_degraded); this brings it
 * back once storage works again, so a transient ENOSPC or EIO does not
 * need a restart. The outage itself is recorded by the recovery record
 * (how long, how many tries): while it lasts nothing can be recorded.
 */
static void
on_audit_recovery(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	struct audit_recovery *rc = &m->audit_recovery;
	int64_t now = medsec_clock_mono_us();
	int r;

	(void)fd;
	(void)what;
	switch (audit_recovery_step(rc, medsec_device_audit(m->dev), now,
	    &r)) {
	case AUDIT_RECOVERY_FAILED:
		medsecd_log(LOG_ERR, "the audit trail cannot be written: "
		    "audited actions are refused until it recovers; "
		    "reopening it in %lld s",
		    (long long)((rc->next_us - now) / 1000000));
		break;
	case AUDIT_RECOVERY_RETRY:
		if (r == MEDSEC_ERR_TAMPERED && !tamper_reported) {
			open_tamper_incident(m);
			tamper_reported = 1;
		}
		medsecd_log(LOG_WARNING, "the audit trail is still "
		    "unavailable (%s, attempt %llu); next try in %lld s",
		    medsec_strerror(r), (unsigned long long)rc->attempts,
		    (long long)((rc->next_us - now) / 1000000));
		break;
	case AUDIT_RECOVERY_RECOVERED:
		tamper_reported = 0;
		medsecd_log(LOG_NOTICE, "the audit trail recovered after %llu "
		    "attempt(s); audited actions resume",
		    (unsigned long long)rc->attempts);
		break;
	default:
		break;
	}
}

int
monitor_audit_recovery_start(struct monitor *m)
{
	const struct timeval every = { 1, 0 };

	audit_recovery_init(&m->audit_recovery,
	    m->cfg.daemon_restart_backoff_max);
	m->audit_recovery_ev = event_new(m->base, -1, EV_PERSIST,
	    on_audit_recovery, m);
	if (m->audit_recovery_ev == NULL ||
	    event_add(m->audit_recovery_ev, &every) != 0) {
		medsecd_log(LOG_ERR, "cannot start the audit trail's recovery "
		    "timer");
		return -1;
	}
	return 0;
}

/* Stop adding records well before a reply datagram would overflow. */
#define AUDIT_REPLY_BUDGET (PS_REPLY_BODY_MAX / 2)

static json_t *
record_json(const struct medsec_audit_record *rec)
{
	const struct medsec_audit_event_info *info =
	    medsec_audit_event_info(rec->event);
	char when[MEDSEC_RFC3339_LEN];
	json_t *details;

	if (medsec_time_format(rec->time_us, when, sizeof(when)) != MEDSEC_OK)
		when[0] = '\0';
	details = json_loads(rec->details, 0, NULL);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
	    "seq", (json_int_t)rec->seq, "time", when, "event",
	    info != NULL ? info->name : "UNKNOWN", "actor", rec->actor,
	    "source", rec->source, "object", rec->object, "outcome",
	    rec->outcome == MEDSEC_AUDIT_SUCCESS ? "success" : "failure",
	    "reason", rec->reason, "details",
	    details != NULL ? details : json_object());
}

/* Reads records after `after` into list; *nextp: where to go on from. */
static int
read_records(struct monitor *m, uint64_t after, uint32_t limit,
    json_t *list, uint64_t *lastp, int *morep)
{
	struct medsec_audit_reader *r = NULL;
	struct medsec_audit_record rec;
	char dir[MEDSEC_CONFIG_PATH_MAX + 8];
	size_t budget = 0;
	int rc;

	*morep = 0;
	*lastp = after;
	snprintf(dir, sizeof(dir), "%s/audit", medsec_device_state_dir(m->dev));
	if ((rc = medsec_audit_reader_open(dir, &r)) != MEDSEC_OK)
		return rc;
	while ((rc = medsec_audit_reader_next(r, &rec)) == 1) {
		if (rec.seq <= after)
			continue;
		if (json_array_size(list) >= limit ||
		    budget > AUDIT_REPLY_BUDGET) {
			*morep = 1;
			break;
		}
		budget += 256 + strlen(rec.actor) + strlen(rec.source) +
		    strlen(rec.object) + strlen(rec.reason) +
		    strlen(rec.details);
		json_array_append_new(list, record_json(&rec));
		*lastp = rec.seq;
	}
	medsec_audit_reader_close(r);
	return rc < 0 ? rc : MEDSEC_OK;
}

static void
record_read(struct monitor *m, const struct medsec_subject *who,
    uint64_t after, size_t count)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "via", "api");
	medsec_audit_detail_u64(&d, "after", after);
	medsec_audit_detail_u64(&d, "records", count);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_AUDIT_EXPORTED, who->user, who->source,
	    "audit", MEDSEC_AUDIT_SUCCESS, NULL, details);
}

void
monitor_h_audit_read(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_audit_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	uint64_t last = 0;
	json_t *list = NULL, *page;
	char *text;
	int r, more = 0;

	memcpy(&req, payload, sizeof(req));
	memset(&info, 0, sizeof(info));
	if (req.limit == 0 || req.limit > PS_AUDIT_LIMIT_MAX) {
		monitor_reply_error(m, id, MEDSEC_ERR_INVALID, 0);
		goto out;
	}
	if ((r = medsec_identity_session_subject(medsec_device_identity(
	    m->dev), req.token, &info, &who)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	who.source = req.from.source;
	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, MEDSEC_PERM_AUDIT_READ,
	    "audit")) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	list = json_array();
	if ((r = read_records(m, req.after, req.limit, list, &last, &more)) !=
	    MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	record_read(m, &who, req.after, json_array_size(list));
	page = json_pack("{s:O, s:I, s:b}", "records", list, "next_after",
	    (json_int_t)last, "more", more);
	text = page != NULL ? json_dumps(page, JSON_COMPACT) : NULL;
	json_decref(page);
	if (text == NULL)
		monitor_reply_error(m, id, MEDSEC_ERR_NOMEM, 0);
	else
		monitor_reply(m, id, MEDSEC_OK, 200, NULL, NULL, text,
		    strlen(text));
	free(text);
out:
	json_decref(list);
	medsec_wipe(&req, sizeof(req));
}
