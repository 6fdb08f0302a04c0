/*
 * GET /v1/audit for auditors: records after a sequence number, read from
 * the trail's segments (the reader checks framing; `medsec audit verify`
 * checks tamper evidence). Reading the trail is itself recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "monitor.h"

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
