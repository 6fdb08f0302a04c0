/*
 * The DICOM PS3.15 A.5 view of a record (exp_message_build), which the
 * ATNA and FHIR writers both serialise so their codes always agree, and
 * the IHE ATNA export: one A.5.1 AuditMessage per line. The text is escaped
 * here, strictly: markup characters become entities, the whitespace
 * controls become character references, and characters XML 1.0 cannot
 * carry at all become U+FFFD, so no record field can add an element,
 * an attribute or a line.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/clock.h"
#include "medsec/err.h"

#include "audit_export_int.h"

/* ---- the DICOM PS3.15 A.5 view of a record ---- */

static const char *
device_name(const struct medsec_audit_export_source *src)
{
	if (src->hostname != NULL && src->hostname[0] != '\0')
		return src->hostname;
	return src->device_id;
}

/*
 * The network access point of a record's source: an IP literal is type 2;
 * "local" (the device's own user interface) or nothing means the device
 * itself, named as a machine (type 1); anything else is a machine name.
 */
static void
set_nap(struct exp_participant *ap,
    const struct medsec_audit_export_source *src, const char *source)
{
	unsigned char addr[16];

	if (source[0] == '\0' || strcmp(source, "local") == 0) {
		ap->nap_id = device_name(src);
		ap->nap_type = "1";
	} else if (inet_pton(AF_INET, source, addr) == 1 ||
	    inet_pton(AF_INET6, source, addr) == 1) {
		ap->nap_id = source;
		ap->nap_type = "2";
	} else {
		ap->nap_id = source;
		ap->nap_type = "1";
	}
}

/*
 * EventOutcomeIndicator. A failed action is a minor failure (4); for a
 * Security Alert the indicator is the alert's severity, so a failure is
 * serious (8, contained by the device) and becomes major (12, possibly
 * compromised) when the event's syslog severity is critical or worse.
 */
static const char *
outcome_code(const struct medsec_audit_event_info *info, int outcome)
{
	if (outcome == MEDSEC_AUDIT_SUCCESS)
		return "0";
	if (info->category != MEDSEC_AUDIT_CAT_SECURITY)
		return "4";
	return info->syslog_severity <= 2 ? "12" : "8";
}

static int
set_alert(struct exp_object *po, const struct medsec_audit_event_info *info,
    const struct medsec_audit_record *rec)
{
	struct exp_buf b;

	exp_buf_init(&b, EXP_RECORD_MAX);
	exp_buf_str(&b, info->description);
	if (rec->reason[0] != '\0') {
		exp_buf_str(&b, "; ");
		exp_buf_str(&b, rec->reason);
	}
	if (rec->details[0] != '\0' && strcmp(rec->details, "{}") != 0) {
		exp_buf_str(&b, "; ");
		exp_buf_str(&b, rec->details);
	}
	return exp_buf_take(&b, &po->alert, NULL);
}

static void
set_requestor(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_participant *ap = &m->ap[m->nap++];

	/* A record without an actor was made by the device itself. */
	ap->user_id = rec->actor[0] != '\0' ? rec->actor : src->device_id;
	ap->requestor = 1;
	set_nap(ap, src, rec->source);
}

static void
map_auth(struct exp_message *m, const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	m->event_code = "110114";
	m->event_text = "User Authentication";
	if (m->type_code == NULL) {
		m->type_code = "110122";
		m->type_text = "Login";
	}
	m->action[0] = 'E';
	set_requestor(m, src, rec);
}

static void
map_phr(struct exp_message *m, const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_object *po = &m->po;

	m->event_code = "110110";
	m->event_text = "Patient Record";
	set_requestor(m, src, rec);
	if (rec->object[0] == '\0')
		return;
	/* Records hold the patient id, never the name: the id is the name. */
	po->id = po->name = rec->object;
	po->type_code = "1", po->type_text = "Person";
	po->role_code = "1", po->role_text = "Patient";
	po->idtype_code = "2", po->idtype_text = "Patient Number";
	m->has_po = 1;
}

static int
map_security(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_object *po = &m->po;

	m->event_code = "110113";
	m->event_text = "Security Alert";
	m->action[0] = 'E';
	set_requestor(m, src, rec);
	/* The alert's subject: the object, else the device itself. */
	po->id = po->name = rec->object[0] != '\0' ? rec->object :
	    src->device_id;
	po->type_code = "2", po->type_text = "System Object";
	po->role_code = "13", po->role_text = "Security Resource";
	po->idtype_code = "12", po->idtype_text = "URI";
	m->has_po = 1;
	return set_alert(po, m->info, rec);
}

static void
map_application(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_participant *app = &m->ap[m->nap++];

	m->event_code = "110100";
	m->event_text = "Application Activity";
	m->action[0] = 'E';
	/* A.5.3.1: the application itself, then whoever started it. */
	app->user_id = src->app_name != NULL && src->app_name[0] != '\0' ?
	    src->app_name : "medsec";
	app->requestor = 0;
	app->nap_id = device_name(src);
	app->nap_type = "1";
	app->role_code = "110150", app->role_text = "Application";
	if (rec->actor[0] == '\0')
		return;
	set_requestor(m, src, rec);
	m->ap[1].role_code = "110151";
	m->ap[1].role_text = "Application Launcher";
}

static int
map_time(struct exp_message *m, int64_t time_us)
{
	if (exp_time_format(time_us, m->time) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	/* Year 0000 is neither an xsd:dateTime nor a FHIR instant. */
	if (memcmp(m->time, "0000", 4) == 0)
		return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

int
exp_message_build(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	const struct medsec_audit_event_info *info;
	int r;

	memset(m, 0, sizeof(*m));
	if ((info = medsec_audit_event_info(rec->event)) == NULL ||
	    src == NULL || src->device_id == NULL || src->device_id[0] == '\0')
		return MEDSEC_ERR_INVALID;
	if ((r = exp_check_record(rec)) != MEDSEC_OK)
		return r;
	if ((r = map_time(m, rec->time_us)) != MEDSEC_OK)
		return r;
	m->info = info;
	m->type_code = info->dicom_type;
	m->type_text = info->dicom_type_text;
	m->action[0] = info->action;
	m->outcome = outcome_code(info, rec->outcome);
	m->outcome_desc = rec->reason[0] != '\0' ? rec->reason : NULL;
	m->site_id = src->site_id != NULL && src->site_id[0] != '\0' ?
	    src->site_id : NULL;
	m->source_id = src->device_id;
	switch (info->category) {
	case MEDSEC_AUDIT_CAT_AUTH:
		map_auth(m, src, rec);
		return MEDSEC_OK;
	case MEDSEC_AUDIT_CAT_PHR:
		map_phr(m, src, rec);
		return MEDSEC_OK;
	case MEDSEC_AUDIT_CAT_SECURITY:
		return map_security(m, src, rec);
	case MEDSEC_AUDIT_CAT_APPLICATION:
		map_application(m, src, rec);
		return MEDSEC_OK;
	}
	return MEDSEC_ERR_INVALID;
}

void
exp_message_clear(struct exp_message *m)
{
	free(m->po.alert);
	memset(m, 0, sizeof(*m));
}

/* ---- ATNA XML ---- */

/* Appends "&#xHH;" (or more digits) for cp. */
static void
xml_charref(struct exp_buf *b, uint32_t cp)
{
	static const char hex[] = "0123456789ABCDEF";
	char t[8];
	size_t n = sizeof(t);

	do {
		t[--n] = hex[cp & 0xf];
		cp >>= 4;
	} while (cp != 0);
	exp_buf_str(b, "&#x");
	exp_buf_add(b, t + n, sizeof(t) - n);
	exp_buf_add(b, ";", 1);
}

static void
xml_cp(struct exp_buf *b, uint32_t cp)
{
	switch (cp) {
	case '&':
		exp_buf_str(b, "&amp;");
		return;
	case '<':
		exp_buf_str(b, "&lt;");
		return;
	case '>':
		exp_buf_str(b, "&gt;");
		return;
	case '"':
		exp_buf_str(b, "&quot;");
		return;
	case '\'':
		exp_buf_str(b, "&apos;");
		return;
	case '\t':
	case '\n':
	case '\r':
		/* Kept as references: the value survives, the line stays. */
		xml_charref(b, cp);
		return;
	}
	if (cp < 0x20 || cp == 0xfffe || cp == 0xffff) {
		/* Not an XML 1.0 Char, not even as a reference. */
		exp_buf_cp(b, 0xfffd);
	} else if ((cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	    cp == 0x2029) {
		/* Legal, but some readers break lines on them (NEL, LS, PS). */
		xml_charref(b, cp);
	} else {
		exp_buf_cp(b, cp);
	}
}

/* Appends s escaped for XML text and attribute values. */
static void
xml_text(struct exp_buf *b, const char *s)
{
	size_t i = 0, len = strlen(s);

	while (i < len)
		xml_cp(b, exp_utf8_next(s, len, &i));
}

/* Appends ` name="value"`. */
static void
xml_attr(struct exp_buf *b, const char *name, const char *value)
{
	exp_buf_add(b, " ", 1);
	exp_buf_str(b, name);
	exp_buf_str(b, "=\"");
	xml_text(b, value);
	exp_buf_add(b, "\"", 1);
}

/* A coded value: <elem csd-code=".." codeSystemName=".." originalText=".."/> */
static void
xml_coded(struct exp_buf *b, const char *elem, const char *code,
    const char *system, const char *text)
{
	exp_buf_add(b, "<", 1);
	exp_buf_str(b, elem);
	xml_attr(b, "csd-code", code);
	xml_attr(b, "codeSystemName", system);
	xml_attr(b, "originalText", text);
	exp_buf_str(b, "/>");
}

static void
xml_event(struct exp_buf *b, const struct exp_message *m)
{
	exp_buf_str(b, "<EventIdentification");
	xml_attr(b, "EventActionCode", m->action);
	xml_attr(b, "EventDateTime", m->time);
	xml_attr(b, "EventOutcomeIndicator", m->outcome);
	exp_buf_str(b, ">");
	xml_coded(b, "EventID", m->event_code, EXP_DCM, m->event_text);
	if (m->type_code != NULL)
		xml_coded(b, "EventTypeCode", m->type_code, EXP_DCM,
		    m->type_text);
	if (m->outcome_desc != NULL) {
		exp_buf_str(b, "<EventOutcomeDescription>");
		xml_text(b, m->outcome_desc);
		exp_buf_str(b, "</EventOutcomeDescription>");
	}
	exp_buf_str(b, "</EventIdentification>");
}

static void
xml_participant(struct exp_buf *b, const struct exp_participant *ap)
{
	exp_buf_str(b, "<ActiveParticipant");
	xml_attr(b, "UserID", ap->user_id);
	xml_attr(b, "UserIsRequestor", ap->requestor ? "true" : "false");
	if (ap->nap_id != NULL) {
		xml_attr(b, "NetworkAccessPointID", ap->nap_id);
		xml_attr(b, "NetworkAccessPointTypeCode", ap->nap_type);
	}
	if (ap->role_code == NULL) {
		exp_buf_str(b, "/>");
		return;
	}
	exp_buf_str(b, ">");
	xml_coded(b, "RoleIDCode", ap->role_code, EXP_DCM, ap->role_text);
	exp_buf_str(b, "</ActiveParticipant>");
}

static void
xml_source(struct exp_buf *b, const struct exp_message *m)
{
	exp_buf_str(b, "<AuditSourceIdentification");
	if (m->site_id != NULL)
		xml_attr(b, "AuditEnterpriseSiteID", m->site_id);
	xml_attr(b, "AuditSourceID", m->source_id);
	exp_buf_str(b, "><AuditSourceTypeCode csd-code=\"" EXP_SOURCE_TYPE
		       "\"/></AuditSourceIdentification>");
}

/* The Alert Description: base64 of the text made valid UTF-8. */
static void
xml_alert(struct exp_buf *b, const char *alert)
{
	struct exp_buf t;

	exp_buf_init(&t, EXP_RECORD_MAX);
	exp_buf_utf8(&t, alert, 0);
	if (t.err != MEDSEC_OK) {
		b->err = t.err;
		exp_buf_free(&t);
		return;
	}
	exp_buf_str(b, "<ParticipantObjectDetail type=\"Alert Description\" "
		       "value=\"");
	exp_buf_base64(b, t.p, t.len);
	exp_buf_str(b, "\"/>");
	exp_buf_free(&t);
}

static void
xml_object(struct exp_buf *b, const struct exp_object *po)
{
	exp_buf_str(b, "<ParticipantObjectIdentification");
	xml_attr(b, "ParticipantObjectID", po->id);
	xml_attr(b, "ParticipantObjectTypeCode", po->type_code);
	xml_attr(b, "ParticipantObjectTypeCodeRole", po->role_code);
	exp_buf_str(b, ">");
	xml_coded(b, "ParticipantObjectIDTypeCode", po->idtype_code,
	    "RFC-3881", po->idtype_text);
	exp_buf_str(b, "<ParticipantObjectName>");
	xml_text(b, po->name);
	exp_buf_str(b, "</ParticipantObjectName>");
	if (po->alert != NULL)
		xml_alert(b, po->alert);
	exp_buf_str(b, "</ParticipantObjectIdentification>");
}

int
exp_atna_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_message m;
	size_t i;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = exp_message_build(&m, src, rec)) != MEDSEC_OK)
		goto out;
	exp_buf_str(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		       "<AuditMessage>");
	xml_event(b, &m);
	for (i = 0; i < m.nap; i++)
		xml_participant(b, &m.ap[i]);
	xml_source(b, &m);
	if (m.has_po)
		xml_object(b, &m.po);
	exp_buf_str(b, "</AuditMessage>\n");
	r = b->err;
out:
	exp_message_clear(&m);
	return r;
}
