/*
 * GET /v1/patients/{id}/observations: a patient's recent readings from
 * the monitor's memory (readings.c; MFDS 1.20, nothing on disk), for a
 * session with phr-read. Every read is recorded per patient (PHR_READ,
 * MFDS 2.1) before anything is disclosed: a read whose record cannot be
 * written is refused.
 *
 * Until the uplink brings the real source, the built-in simulator feeds
 * the rings when [source] simulator = on, from a timer on the monitor's
 * loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <jansson.h>

#include "medsec/access.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "monitor.h"
#include "readings.h"
#include "simulator.h"

/* Readings in one answer: the newest of every vital for a while. */
#define OBSERVATIONS_MAX 60

static struct readings *store;
static struct simulator *sim;
static struct event *tick_ev;

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	simulator_tick(sim, store, medsec_clock_wall_us());
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

int
monitor_patients_start(struct monitor *m)
{
	const struct medsec_config *c = &m->cfg;

	if ((store = readings_new()) == NULL) {
		medsecd_log(LOG_ERR, "no memory for the readings");
		return -1;
	}
	if (!c->source_simulator)
		return 0;
	if ((sim = simulator_new(seed_of(medsec_device_id(m->dev)),
	    c->source_patients)) == NULL ||
	    (tick_ev = event_new(m->base, -1, EV_PERSIST, on_tick, NULL)) ==
	    NULL || event_add(tick_ev, &(struct timeval){
	    (time_t)c->source_interval, 0 }) != 0) {
		medsecd_log(LOG_ERR, "cannot start the readings simulator");
		return -1;
	}
	/* A first round at once: readings exist as soon as we serve. */
	simulator_tick(sim, store, medsec_clock_wall_us());
	medsecd_log(LOG_NOTICE, "readings simulator on: %u patients, every "
	    "%u s (p-1001 ...)", c->source_patients, c->source_interval);
	return 0;
}

void
monitor_patients_stop(void)
{
	if (tick_ev != NULL)
		event_free(tick_ev);
	tick_ev = NULL;
	simulator_free(sim);
	sim = NULL;
	readings_free(store);
	store = NULL;
}

static json_t *
observation_json(const struct reading *x)
{
	const struct vital_info *vi = vital_info(x->vital);
	char when[MEDSEC_RFC3339_LEN];

	if (vi == NULL || medsec_time_format_digits(x->time_us, 0, when,
	    sizeof(when)) != MEDSEC_OK)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:f, s:s, s:b}", "time", when,
	    "vital", vi->name, "code", vi->loinc, "value", x->value, "unit",
	    vi->unit, "alarm", x->value < vi->low || x->value > vi->high);
}

/* PHR_READ for patient; MEDSEC_OK when the record is written (or held). */
static int
record_read(struct monitor *m, const struct medsec_subject *who,
    const char *patient, int held, const char *reason)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *details = NULL;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "patient", patient);
	medsec_audit_detail_i64(&d, "observations", held < 0 ? 0 : held);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_PHR_READ;
	ev.actor = who->user;
	ev.source = who->source;
	ev.object = patient;
	ev.outcome = held < 0 ? MEDSEC_AUDIT_FAILURE : MEDSEC_AUDIT_SUCCESS;
	ev.reason = reason;
	ev.details = details;
	r = medsec_audit_append(medsec_device_audit(m->dev), &ev, NULL);
	return r == MEDSEC_ERR_AUDIT_DEGRADED ? MEDSEC_OK : r;
}

static void
reply_readings(struct monitor *m, uint32_t id, const char *patient,
    const struct reading *x, int n)
{
	json_t *list = json_array(), *o;
	char *text;
	int i;

	for (i = 0; list != NULL && i < n; i++)
		if ((o = observation_json(&x[i])) != NULL)
			json_array_append_new(list, o);
	o = list != NULL ? json_pack("{s:s, s:o}", "patient", patient,
	    "observations", list) : NULL;
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL) {
		monitor_reply_error(m, id, MEDSEC_ERR_NOMEM, 0);
		return;
	}
	monitor_reply(m, id, MEDSEC_OK, 200, NULL, NULL, text, strlen(text));
	medsec_wipe(text, strlen(text));
	free(text);
}

void
monitor_h_observations(struct monitor *m, uint32_t id,
    const uint8_t *payload)
{
	struct ps_observations_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	struct reading x[OBSERVATIONS_MAX];
	char object[16 + PS_PATIENT_LEN];
	int n, r;

	memcpy(&req, payload, sizeof(req));
	memset(&info, 0, sizeof(info));
	if ((r = medsec_identity_session_subject(medsec_device_identity(
	    m->dev), req.token, &info, &who)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	who.source = req.from.source;
	snprintf(object, sizeof(object), "patient:%s", req.patient);
	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, MEDSEC_PERM_PHR_READ,
	    object)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	/* The worker checked the id; a bad one here finds nothing. */
	n = readings_valid_id(req.patient) && store != NULL ?
	    readings_latest(store, req.patient, x, OBSERVATIONS_MAX) : -1;
	if ((r = record_read(m, &who, req.patient, n, n < 0 ?
	    "no readings held for this patient" : NULL)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "PHR_READ of %s not recorded: %s; read "
		    "refused", req.patient, medsec_strerror(r));
		monitor_reply_error(m, id, MEDSEC_ERR_AUDIT_UNAVAILABLE, 0);
		goto out;
	}
	if (n < 0)
		monitor_reply(m, id, MEDSEC_ERR_NOT_FOUND, 404,
		    "no_such_patient", "no readings are held for this patient",
		    NULL, 0);
	else
		reply_readings(m, id, req.patient, x, n);
out:
	medsec_wipe(x, sizeof(x));
	medsec_wipe(&req, sizeof(req));
}
