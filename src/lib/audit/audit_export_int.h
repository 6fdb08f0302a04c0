/*
 * Internals of the audit export (audit_export*.c): a bounded output buffer,
 * UTF-8 clean-up, and the DICOM PS3.15 A.5 view of a record that the ATNA
 * XML and FHIR AuditEvent writers both serialise, so the two formats can
 * never disagree on codes (docs/formats/audit-export.md).
 */
#ifndef MEDSEC_AUDIT_EXPORT_INT_H
#define MEDSEC_AUDIT_EXPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/clock.h"

/* No exported record (one line) grows beyond this. */
#define EXP_RECORD_MAX (64 * 1024)

/* DICOM code system, for XML codeSystemName and the FHIR system URI. */
#define EXP_DCM "DCM"
#define EXP_DCM_URI "http://dicom.nema.org/resources/ontology/DCM"

/*
 * AuditSourceTypeCode / FHIR security-source-type: medsec runs on the
 * device itself, so "2" (data acquisition device or instrument; FHIR
 * "Data Interface"), as in the reference examples.
 */
#define EXP_SOURCE_TYPE "2"

/*
 * A bounded growable buffer. Errors are sticky: appends after a failure
 * do nothing, and exp_buf_take() reports the first error, so writers can
 * chain appends and check once.
 */
struct exp_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	int err;
};

void exp_buf_init(struct exp_buf *b, size_t max);
void exp_buf_free(struct exp_buf *b);
void exp_buf_add(struct exp_buf *b, const void *data, size_t len);
void exp_buf_str(struct exp_buf *b, const char *s);
void exp_buf_u64(struct exp_buf *b, uint64_t v);
/* Hands the NUL-terminated contents to *outp and *lenp, or returns b->err. */
int exp_buf_take(struct exp_buf *b, char **outp, size_t *lenp);

/*
 * Decodes the code point at s[*ip] (s holds len bytes) and advances *ip.
 * Invalid UTF-8 (bad lead or continuation, overlong, surrogate, beyond
 * U+10FFFF, truncated) yields U+FFFD and consumes a single byte.
 */
uint32_t exp_utf8_next(const char *s, size_t len, size_t *ip);
/* Appends the UTF-8 encoding of cp. */
void exp_buf_cp(struct exp_buf *b, uint32_t cp);

/* Appends s as valid UTF-8; with no_ctl, C0 controls other than TAB, LF
 * and CR, and DEL, become U+FFFD (FHIR strings may not carry them). */
void exp_buf_utf8(struct exp_buf *b, const char *s, int no_ctl);
/* Appends the standard base64 encoding of data. */
void exp_buf_base64(struct exp_buf *b, const void *data, size_t len);

/*
 * RFC 3339 UTC with microseconds (medsec_time_format) into buf;
 * MEDSEC_ERR_INVALID outside years 0000-9999.
 */
int exp_time_format(int64_t us, char buf[MEDSEC_RFC3339_LEN]);

/* Record fields within the bounds of audit.h, else MEDSEC_ERR_TOO_LARGE. */
int exp_check_record(const struct medsec_audit_record *rec);

/* One ActiveParticipant / FHIR agent. */
struct exp_participant {
	const char *user_id;
	int requestor;
	const char *nap_id;	/* NULL: no network access point */
	const char *nap_type;	/* "1" machine name, "2" IP address */
	const char *role_code;	/* RoleIDCode (DCM), or NULL */
	const char *role_text;
};

/* The ParticipantObjectIdentification / FHIR entity, if any. */
struct exp_object {
	const char *id;
	const char *type_code;	/* "1" person, "2" system object */
	const char *type_text;
	const char *role_code;	/* "1" patient, "13" security resource */
	const char *role_text;
	const char *idtype_code; /* RFC-3881 ParticipantObjectIDTypeCode */
	const char *idtype_text;
	const char *name;
	char *alert;		/* Alert Description text, malloc'd, or NULL */
};

/* A record seen through DICOM PS3.15 A.5. */
struct exp_message {
	const struct medsec_audit_event_info *info;
	const char *event_code;	/* EventID */
	const char *event_text;
	const char *type_code;	/* EventTypeCode, or NULL */
	const char *type_text;
	char action[2];
	const char *outcome;	/* "0", "4", "8" or "12" */
	const char *outcome_desc; /* reason, or NULL when empty */
	char time[MEDSEC_RFC3339_LEN];
	struct exp_participant ap[2];
	size_t nap;
	struct exp_object po;
	int has_po;
	const char *site_id;	/* NULL when unset or empty */
	const char *source_id;
};

/*
 * Builds the A.5 view of rec. Strings point into rec and src (not
 * copied) except po.alert; call exp_message_clear() afterwards.
 * MEDSEC_ERR_INVALID for an unknown event, a missing device_id or a time
 * that xsd:dateTime and FHIR instant cannot express (year 0000).
 */
int exp_message_build(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec);
void exp_message_clear(struct exp_message *m);

/*
 * The details object text re-encoded compactly by jansson (malloc'd in
 * *outp): "" gives "{}"; anything but a JSON object is MEDSEC_ERR_FORMAT.
 */
int exp_details_compact(const char *details, char **outp);

/* Per-format record writers (append one record to b). */
int exp_jsonl_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec);
int exp_fhir_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, uint64_t index);
int exp_atna_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec);
int exp_syslog_record(struct exp_buf *b,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec);

#endif
