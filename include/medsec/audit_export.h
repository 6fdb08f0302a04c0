/*
 * medsec audit export: turns audit records into the formats hospitals and
 * regulators read (../docs/formats/audit-export.md):
 *
 *  - JSON Lines: one JSON object per record;
 *  - RFC 5424 syslog lines with structured data (ready for RFC 5425 TLS);
 *  - IHE ATNA audit messages (DICOM PS3.15 A.5 XML), one per line;
 *  - FHIR R4 AuditEvent resources in one Bundle (JSON).
 *
 * Every string from a record is escaped for its format (JSON, SD-PARAM,
 * XML); control characters never reach output raw, so a field cannot forge
 * a second line or element (log injection).
 */
#ifndef MEDSEC_AUDIT_EXPORT_H
#define MEDSEC_AUDIT_EXPORT_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"

#ifdef __cplusplus
extern "C" {
#endif

enum medsec_audit_format {
	MEDSEC_AUDIT_FMT_JSONL = 1,
	MEDSEC_AUDIT_FMT_SYSLOG,
	MEDSEC_AUDIT_FMT_ATNA,
	MEDSEC_AUDIT_FMT_FHIR,
};

/* "jsonl", "syslog", "atna", "fhir" -> enum; MEDSEC_ERR_INVALID otherwise. */
MEDSEC_API
int medsec_audit_format_by_name(const char *name, int *fmtp);

/* Who produced the records (AuditSourceIdentification, syslog header). */
struct medsec_audit_export_source {
	const char *device_id; /* AuditSourceID, FHIR observer; required */
	const char *site_id;   /* AuditEnterpriseSiteID; may be NULL */
	const char *hostname;  /* syslog HOSTNAME; NULL -> device_id */
	const char *app_name;  /* syslog APP-NAME; NULL -> "medsec" */
	const char *sw_version; /* origin swVersion; may be NULL */
};

/*
 * Formatting pieces. Each returns a malloc'd NUL-terminated string in *outp
 * (length *lenp) that the caller frees. begin/end give what goes before the
 * first and after the last record (empty for line formats); index is the
 * record's position in the output (0 for the first), which the FHIR Bundle
 * needs to place commas.
 */
MEDSEC_API
int medsec_audit_export_begin(int fmt,
    const struct medsec_audit_export_source *src, char **outp, size_t *lenp);
MEDSEC_API
int medsec_audit_export_record(int fmt,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, uint64_t index, char **outp,
    size_t *lenp);
MEDSEC_API
int medsec_audit_export_end(int fmt,
    const struct medsec_audit_export_source *src, uint64_t count,
    char **outp, size_t *lenp);

/* Where exported bytes go; return MEDSEC_OK or an error to stop. */
typedef int (*medsec_audit_write_fn)(void *ctx, const char *buf,
    size_t len);

/*
 * Exports every record of the trail in dir whose time is within
 * [since_us, until_us] (INT64_MIN / INT64_MAX for unbounded), streaming.
 * *countp (may be NULL) gets the number of records written.
 */
MEDSEC_API
int medsec_audit_export(const char *dir, int fmt,
    const struct medsec_audit_export_source *src, int64_t since_us,
    int64_t until_us, medsec_audit_write_fn write, void *ctx,
    uint64_t *countp);

#ifdef __cplusplus
}
#endif
#endif
