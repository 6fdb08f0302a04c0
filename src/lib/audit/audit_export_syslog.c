/*
 * RFC 5424 syslog export, one message per line:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [meta][origin][medsec@PEN]
 *   BOM description details-JSON
 *
 * Facility 10 (security/authorization) as IHE ATNA asks; the severity is
 * the event's. Header fields are forced into printable US-ASCII; SD
 * parameter values escape '"', '\' and ']' as the RFC requires, and every
 * control character, anywhere, is written as the six characters "\uXXXX",
 * so a record is exactly one line and no field can forge a parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/clock.h"
#include "medsec/err.h"

#include "audit_export_int.h"

/*
 * The IANA Private Enterprise Number naming our SD-ID. 32473 is reserved
 * for documentation (RFC 5612): a manufacturer builds with its own.
 */
#ifndef MEDSEC_AUDIT_SYSLOG_PEN
#define MEDSEC_AUDIT_SYSLOG_PEN "32473"
#endif
#define SD_ID "medsec@" MEDSEC_AUDIT_SYSLOG_PEN

#ifndef MEDSEC_VERSION
#define MEDSEC_VERSION "unknown"
#endif

#define FACILITY_AUTHPRIV 10
#define HOSTNAME_MAX 255
#define APP_NAME_MAX 48
#define MSGID_MAX 32
#define SW_VERSION_MAX 48 /* RFC 5424 7.2.2 */
#define SEQUENCE_ID_MAX 2147483647ULL

/*
 * A header field: printable US-ASCII only (each other character becomes
 * one '_'), at most max characters, "-" (NILVALUE) when empty.
 */
static void
header_field(struct exp_buf *b, const char *s, size_t max)
{
	size_t i = 0, n = 0, len = s != NULL ? strlen(s) : 0;
	uint32_t cp;
	char c;

	while (i < len && n < max) {
		cp = exp_utf8_next(s, len, &i);
		c = cp >= 33 && cp <= 126 ? (char)cp : '_';
		exp_buf_add(b, &c, 1);
		n++;
	}
	if (n == 0)
		exp_buf_add(b, "-", 1);
}

/* Characters written as "\uXXXX": C0, DEL, C1 and the Unicode breaks. */
static int
is_break(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	    cp == 0x2029;
}

static void
ctl_escape(struct exp_buf *b, uint32_t cp)
{
	static const char hex[] = "0123456789abcdef";
	char t[6] = { '\\', 'u', hex[(cp >> 12) & 0xf], hex[(cp >> 8) & 0xf],
		hex[(cp >> 4) & 0xf], hex[cp & 0xf] };

	exp_buf_add(b, t, sizeof(t));
}

/*
 * Appends up to max characters of s (0: no limit) as valid UTF-8 with
 * breaks escaped; with sd, also escapes '"', '\' and ']' for PARAM-VALUE.
 */
static void
sd_text(struct exp_buf *b, const char *s, size_t max, int sd)
{
	size_t i = 0, n = 0, len = strlen(s);
	uint32_t cp;

	while (i < len && (max == 0 || n < max)) {
		cp = exp_utf8_next(s, len, &i);
		n++;
		if (is_break(cp)) {
			ctl_escape(b, cp);
			continue;
		}
		if (sd && (cp == '"' || cp == '\\' || cp == ']'))
			exp_buf_add(b, "\\", 1);
		exp_buf_cp(b, cp);
	}
}

/* Appends ` name="value"`. */
static void
sd_param(struct exp_buf *b, const char *name, const char *value,
    size_t max)
{
	exp_buf_add(b, " ", 1);
	exp_buf_str(b, name);
	exp_buf_str(b, "=\"");
	sd_text(b, value, max, 1);
	exp_buf_add(b, "\"", 1);
}

static int
syslog_header(struct exp_buf *b, const struct medsec_audit_export_source *src,
    const struct medsec_audit_event_info *info, int64_t time_us)
{
	char when[MEDSEC_RFC3339_LEN];

	if (info->syslog_severity < 0 || info->syslog_severity > 7)
		return MEDSEC_ERR_INVALID;
	if (exp_time_format(time_us, when) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	exp_buf_add(b, "<", 1);
	exp_buf_u64(b, FACILITY_AUTHPRIV * 8 + (uint64_t)info->syslog_severity);
	exp_buf_str(b, ">1 ");
	exp_buf_str(b, when);
	exp_buf_add(b, " ", 1);
	header_field(b, src->hostname != NULL && src->hostname[0] != '\0' ?
	    src->hostname : src->device_id, HOSTNAME_MAX);
	exp_buf_add(b, " ", 1);
	header_field(b, src->app_name != NULL && src->app_name[0] != '\0' ?
	    src->app_name : "medsec", APP_NAME_MAX);
	exp_buf_str(b, " - ");
	header_field(b, info->name, MSGID_MAX);
	return b->err;
}

static void
syslog_sd(struct exp_buf *b, const struct medsec_audit_export_source *src,
    const struct medsec_audit_event_info *info,
    const struct medsec_audit_record *rec)
{
	/* RFC 5424 7.3.1: sequenceId is 1..2147483647; omit it beyond. */
	if (rec->seq >= 1 && rec->seq <= SEQUENCE_ID_MAX) {
		exp_buf_str(b, " [meta sequenceId=\"");
		exp_buf_u64(b, rec->seq);
		exp_buf_str(b, "\"]");
	} else {
		exp_buf_add(b, " ", 1);
	}
	exp_buf_str(b, "[origin software=\"medsec\"");
	sd_param(b, "swVersion", src->sw_version != NULL ? src->sw_version :
	    MEDSEC_VERSION, SW_VERSION_MAX);
	exp_buf_str(b, "][" SD_ID);
	sd_param(b, "event", info->name, 0);
	sd_param(b, "actor", rec->actor, 0);
	sd_param(b, "source", rec->source, 0);
	sd_param(b, "object", rec->object, 0);
	sd_param(b, "outcome", rec->outcome == MEDSEC_AUDIT_SUCCESS ?
	    "success" : "failure", 0);
	sd_param(b, "reason", rec->reason, 0);
	exp_buf_add(b, "]", 1);
}

int
exp_syslog_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	const struct medsec_audit_event_info *info;
	char *details = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if ((info = medsec_audit_event_info(rec->event)) == NULL) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = exp_details_compact(rec->details, &details)) != MEDSEC_OK)
		goto out;
	if ((r = syslog_header(b, src, info, rec->time_us)) != MEDSEC_OK)
		goto out;
	syslog_sd(b, src, info, rec);
	/* MSG: BOM, then UTF-8 text; jansson has already escaped the
	 * details' own controls, and "\uXXXX" stays valid JSON. */
	exp_buf_str(b, " \xef\xbb\xbf");
	sd_text(b, info->description, 0, 0);
	exp_buf_add(b, " ", 1);
	sd_text(b, details, 0, 0);
	exp_buf_add(b, "\n", 1);
	r = b->err;
out:
	free(details);
	return r;
}
