/*
 * IHE ATNA export: one DICOM PS3.15 A.5.1 AuditMessage per line, built
 * from the A.5 view of the record (exp_message_build). The text is escaped
 * here, strictly: markup characters become entities, the whitespace
 * controls become character references, and characters XML 1.0 cannot
 * carry at all become U+FFFD, so no record field can add an element,
 * an attribute or a line.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/err.h"

#include "audit_export_int.h"

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
