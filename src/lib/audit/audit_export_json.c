/*
 * JSON exports: JSON Lines (one compact object per record) and FHIR R4
 * AuditEvent entries of a Bundle. jansson does the JSON escaping; strings
 * are first made valid UTF-8 here, since jansson refuses anything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

#include "audit_export_int.h"

#define FHIR_SOURCE_TYPE_URI \
	"http://terminology.hl7.org/CodeSystem/security-source-type"
#define FHIR_ENTITY_TYPE_URI \
	"http://terminology.hl7.org/CodeSystem/audit-entity-type"
#define FHIR_OBJECT_ROLE_URI "http://terminology.hl7.org/CodeSystem/object-role"

/*
 * A JSON string holding s as valid UTF-8 (invalid bytes become U+FFFD).
 * For FHIR (fhir != 0) control characters become U+FFFD as well: FHIR
 * strings may not carry them, while JSON Lines keeps them escaped.
 */
static json_t *
jstr(const char *s, int fhir)
{
	struct exp_buf b;
	json_t *j;

	exp_buf_init(&b, EXP_RECORD_MAX);
	exp_buf_utf8(&b, s, fhir);
	if (b.err != MEDSEC_OK) {
		exp_buf_free(&b);
		return NULL;
	}
	j = json_stringn(b.len ? b.p : "", b.len);
	exp_buf_free(&b);
	return j;
}

/* Sets key to v, consuming v; a NULL v (allocation failed) is an error. */
static int
jset(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		return MEDSEC_ERR_NOMEM;
	return MEDSEC_OK;
}

/* Serialises j compactly onto b (j is consumed). */
static int
jdump(struct exp_buf *b, json_t *j)
{
	char *s;

	if (j == NULL)
		return MEDSEC_ERR_NOMEM;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		return MEDSEC_ERR_NOMEM;
	exp_buf_str(b, s);
	free(s);
	return b->err;
}

/* The details object; "" means {}. Anything but an object is refused. */
static int
parse_details(const char *details, json_t **jp)
{
	json_error_t err;
	json_t *j;

	*jp = NULL;
	if (details[0] == '\0') {
		*jp = json_object();
		return *jp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
	}
	j = json_loads(details, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return MEDSEC_ERR_FORMAT;
	}
	*jp = j;
	return MEDSEC_OK;
}

int
exp_details_compact(const char *details, char **outp)
{
	json_t *j;
	int r;

	*outp = NULL;
	if ((r = parse_details(details, &j)) != MEDSEC_OK)
		return r;
	*outp = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return *outp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
}

static const char *
category_name(int category)
{
	switch (category) {
	case MEDSEC_AUDIT_CAT_AUTH:
		return "AUTH";
	case MEDSEC_AUDIT_CAT_PHR:
		return "PHR";
	case MEDSEC_AUDIT_CAT_SECURITY:
		return "SECURITY";
	case MEDSEC_AUDIT_CAT_APPLICATION:
		return "APPLICATION";
	}
	return "UNKNOWN";
}

static int
jsonl_fields(json_t *o, const struct medsec_audit_event_info *info,
    const struct medsec_audit_record *rec, const char *when)
{
	json_t *details = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	/* JSON integers are signed 64-bit in jansson. */
	if (rec->seq > (uint64_t)INT64_MAX)
		return MEDSEC_ERR_INVALID;
	if ((r = parse_details(rec->details, &details)) != MEDSEC_OK)
		return r;
	if ((r = jset(o, "seq", json_integer((json_int_t)rec->seq))) ||
	    (r = jset(o, "time", json_string(when))) ||
	    (r = jset(o, "event", json_string(info->name))) ||
	    (r = jset(o, "category",
		json_string(category_name(info->category)))) ||
	    (r = jset(o, "actor", jstr(rec->actor, 0))) ||
	    (r = jset(o, "source", jstr(rec->source, 0))) ||
	    (r = jset(o, "object", jstr(rec->object, 0))) ||
	    (r = jset(o, "outcome", json_string(rec->outcome ==
		MEDSEC_AUDIT_SUCCESS ? "success" : "failure"))) ||
	    (r = jset(o, "reason", jstr(rec->reason, 0))))
		goto out;
	r = jset(o, "details", details);
	details = NULL;
out:
	json_decref(details);
	return r;
}

int
exp_jsonl_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	const struct medsec_audit_event_info *info;
	char when[MEDSEC_RFC3339_LEN];
	json_t *o;
	int r = MEDSEC_ERR_INTERNAL;

	(void)src;
	if ((info = medsec_audit_event_info(rec->event)) == NULL)
		return MEDSEC_ERR_INVALID;
	if (exp_time_format(rec->time_us, when) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	if ((o = json_object()) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = jsonl_fields(o, info, rec, when)) != MEDSEC_OK) {
		json_decref(o);
		return r;
	}
	if ((r = jdump(b, o)) != MEDSEC_OK)
		return r;
	exp_buf_str(b, "\n");
	return b->err;
}

/* ---- FHIR R4 AuditEvent ---- */

static json_t *
coding(const char *system, const char *code, const char *display)
{
	return json_pack("{s:s,s:s,s:s}", "system", system, "code", code,
	    "display", display);
}

/* A Reference by identifier, as FHIR "who" and "what" want. */
static json_t *
ident_ref(const char *value, const char *display)
{
	json_t *ref = json_object(), *id = json_object();

	if (ref == NULL || id == NULL || jset(id, "value", jstr(value, 1)) ||
	    (display != NULL && jset(ref, "display", jstr(display, 1)))) {
		json_decref(ref);
		json_decref(id);
		return NULL;
	}
	if (jset(ref, "identifier", id) != MEDSEC_OK) {
		json_decref(ref);
		return NULL;
	}
	return ref;
}

static json_t *
fhir_agent(const struct exp_participant *ap)
{
	json_t *a = json_object();

	if (a == NULL)
		return NULL;
	if (ap->role_code != NULL && jset(a, "role", json_pack("[{s:[o]}]",
	    "coding", coding(EXP_DCM_URI, ap->role_code, ap->role_text))))
		goto fail;
	if (jset(a, "who", ident_ref(ap->user_id, NULL)) ||
	    jset(a, "requestor", json_boolean(ap->requestor)))
		goto fail;
	if (ap->nap_id != NULL && jset(a, "network", json_pack("{s:o,s:s}",
	    "address", jstr(ap->nap_id, 1), "type", ap->nap_type)))
		goto fail;
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
fhir_source(const struct exp_message *m)
{
	json_t *s = json_object();

	if (s == NULL)
		return NULL;
	if ((m->site_id != NULL && jset(s, "site", jstr(m->site_id, 1))) ||
	    jset(s, "observer", ident_ref(m->source_id, m->source_id)) ||
	    jset(s, "type", json_pack("[o]", coding(FHIR_SOURCE_TYPE_URI,
		EXP_SOURCE_TYPE, "Data Interface")))) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static json_t *
fhir_entity(const struct exp_object *po)
{
	json_t *e = json_object();

	if (e == NULL)
		return NULL;
	if (jset(e, "what", ident_ref(po->id, NULL)) ||
	    jset(e, "type", coding(FHIR_ENTITY_TYPE_URI, po->type_code,
		po->type_text)) ||
	    jset(e, "role", coding(FHIR_OBJECT_ROLE_URI, po->role_code,
		po->role_text)))
		goto fail;
	if (po->alert != NULL && jset(e, "detail", json_pack("[{s:s,s:o}]",
	    "type", "Alert Description", "valueString", jstr(po->alert, 1))))
		goto fail;
	return e;
fail:
	json_decref(e);
	return NULL;
}

static int
fhir_participants(json_t *ae, const struct exp_message *m)
{
	json_t *agents = json_array();
	size_t i;
	int r;

	if (agents == NULL)
		return MEDSEC_ERR_NOMEM;
	for (i = 0; i < m->nap; i++) {
		if (json_array_append_new(agents, fhir_agent(&m->ap[i])) != 0) {
			json_decref(agents);
			return MEDSEC_ERR_NOMEM;
		}
	}
	if ((r = jset(ae, "agent", agents)) ||
	    (r = jset(ae, "source", fhir_source(m))))
		return r;
	if (m->has_po)
		r = jset(ae, "entity", json_pack("[o]", fhir_entity(&m->po)));
	return r;
}

static json_t *
fhir_audit_event(const struct exp_message *m)
{
	json_t *ae = json_object();

	if (ae == NULL)
		return NULL;
	if (jset(ae, "resourceType", json_string("AuditEvent")) ||
	    jset(ae, "type", coding(EXP_DCM_URI, m->event_code,
		m->event_text)))
		goto fail;
	if (m->type_code != NULL && jset(ae, "subtype", json_pack("[o]",
	    coding(EXP_DCM_URI, m->type_code, m->type_text))))
		goto fail;
	if (jset(ae, "action", json_string(m->action)) ||
	    jset(ae, "recorded", json_string(m->time)) ||
	    jset(ae, "outcome", json_string(m->outcome)))
		goto fail;
	if (m->outcome_desc != NULL &&
	    jset(ae, "outcomeDesc", jstr(m->outcome_desc, 1)))
		goto fail;
	if (fhir_participants(ae, m) != MEDSEC_OK)
		goto fail;
	return ae;
fail:
	json_decref(ae);
	return NULL;
}

/*
 * A stable fullUrl: a UUIDv8 (RFC 9562) from SHA-256 over device id and
 * sequence number, so re-exporting a record gives the same entry URL.
 */
static int
entry_uuid(const char *device_id, uint64_t seq, char *out, size_t outlen)
{
	uint8_t h[32];
	struct exp_buf b;
	int r;

	exp_buf_init(&b, EXP_RECORD_MAX);
	exp_buf_str(&b, device_id);
	exp_buf_add(&b, "\n", 1);
	exp_buf_u64(&b, seq);
	if ((r = b.err) == MEDSEC_OK)
		r = medsec_hash(MEDSEC_ALG_SHA256, b.p, b.len, h);
	exp_buf_free(&b);
	if (r != MEDSEC_OK)
		return r;
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x80);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	if (snprintf(out, outlen, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4],
	    h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
	    h[15]) != 45)
		return MEDSEC_ERR_INTERNAL;
	return MEDSEC_OK;
}

int
exp_fhir_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, uint64_t index)
{
	struct exp_message m;
	char url[64];
	json_t *entry = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = exp_message_build(&m, src, rec)) != MEDSEC_OK)
		goto out;
	if ((r = entry_uuid(src->device_id, rec->seq, url, sizeof(url))) !=
	    MEDSEC_OK)
		goto out;
	if ((entry = json_object()) == NULL ||
	    jset(entry, "fullUrl", json_string(url)) ||
	    jset(entry, "resource", fhir_audit_event(&m))) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	/* Entries after the first are separated by commas in the Bundle. */
	if (index > 0)
		exp_buf_add(b, ",", 1);
	r = jdump(b, entry);
	entry = NULL;
	if (r != MEDSEC_OK)
		goto out;
	exp_buf_add(b, "\n", 1);
	r = b->err;
out:
	json_decref(entry);
	exp_message_clear(&m);
	return r;
}
