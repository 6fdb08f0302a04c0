/*
 * medsec incident: notices and the CSAF 2.0 security advisory of a
 * device's cybersecurity incidents (MFDS 2.3; the MFDS 2025 security
 * rules). The records themselves are the device library's
 * (medsec/incident.h): the device opens them, the CLI changes them.
 *
 * Notices and the CSAF 2.0 security advisory are built from a record and
 * the device's [incident] configuration (contact, phone, email, url,
 * steps); docs/incident.md lists which facts each notice carries.
 *
 * Part of libmedsec-tools (pkg-config medsec-tools).
 */
#ifndef MEDSEC_TOOLS_INCIDENT_H
#define MEDSEC_TOOLS_INCIDENT_H

#include "medsec/base.h"
#include "medsec/config.h"
#include "medsec/err.h"
#include "medsec/incident.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- notices ---- */

enum medsec_incident_audience {
	MEDSEC_NOTICE_MFDS = 0,	       /* the regulator */
	MEDSEC_NOTICE_INSTITUTION = 1, /* medical institutions */
	MEDSEC_NOTICE_USER = 2,	       /* users and patients */
};
#define MEDSEC_NOTICE_AUDIENCES 3

/* "mfds", "institution", "user"; NULL for an unknown audience. */
MEDSEC_API
const char *medsec_incident_audience_name(int audience);

struct medsec_incident_notice_info {
	const char *manufacturer;  /* legal name, as in the CSAF publisher */
	const char *namespace_url; /* its https URL */
	const char *product;	   /* the device's product name */
	const char *device_id;	   /* the device the record was kept on */
	const char *fixed_version; /* the release that fixes it, or NULL */
	const char *when;	   /* RFC 3339 UTC, when issued */
	const struct medsec_config *config; /* [incident] contact, steps */
};

/*
 * One notice as Markdown (json = 0) or JSON (json = 1), in Korean
 * (lang "ko") or English ("en"); *textp is malloc'd, the caller frees
 * it. Refused (MEDSEC_ERR_INVALID, err names it) when a fact the notice
 * must carry is absent: the record's, or the configuration's
 * [incident] contact, phone and email.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_notice(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, int audience,
    const char *lang, int json, char **textp,
    struct medsec_config_error *err);

/*
 * The CSAF 2.0 csaf_security_advisory of the fixed release: a product
 * tree of the manufacturer, the product, each affected version (the
 * record's comma-separated versions) and the fixed version; one
 * vulnerability identified by the incident id, affected versions
 * known_affected with a vendor_fix remediation, the fixed version fixed.
 * tracking_id names the advisory (CSAF 5.1 turns it into the file name:
 * medsec_incident_csaf_filename). Refused (MEDSEC_ERR_INVALID, err names
 * the value) without a fixed version, for a version that is not one
 * version ([A-Za-z0-9.+~_-]), or a fixed version among the affected.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_csaf(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, const char *tracking_id,
    char **jsonp, struct medsec_config_error *err);

/* CSAF 2.0 5.1: lower-case id, runs of [^+-a-z0-9] as '_', ".json". */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_csaf_filename(const char *tracking_id, char *out,
    size_t outlen);

#ifdef __cplusplus
}
#endif
#endif
