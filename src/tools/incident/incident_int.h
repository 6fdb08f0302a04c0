/*
 * Incident internals, shared by the files of src/tools/incident:
 *   notice_util.c      errors and word lists the notices share
 *   incident_notice.c  notices to the MFDS, institutions and users
 *   incident_text.c    the notices' fixed wording, Korean and English
 *   incident_csaf.c    the CSAF 2.0 security advisory
 */
#ifndef MEDSEC_TOOLS_INCIDENT_INT_H
#define MEDSEC_TOOLS_INCIDENT_INT_H

#include <stddef.h>

#include "medsec-tools/incident.h"

/* Fills err: key, and a message formatted like printf. */
void notice_fail(struct medsec_config_error *err, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Wording of a notice, per language (incident_text.c). */
struct incident_words {
	const char *lang;
	const char *title[MEDSEC_NOTICE_AUDIENCES];
	const char *intro[MEDSEC_NOTICE_AUDIENCES];
	const char *label_id, *label_status, *label_detected, *label_severity;
	const char *label_manufacturer, *label_product, *label_device;
	const char *label_devices, *label_versions, *label_summary;
	const char *label_impact, *label_containment, *label_root_cause;
	const char *label_prevention, *label_fixed, *label_steps;
	const char *label_contact, *label_timeline, *label_issued;
	const char *contact_name, *contact_phone, *contact_email, *contact_url;
	const char *pending;	   /* root cause, prevention not known yet */
	const char *fixed_in;	   /* "%s": the fixed version */
	const char *no_fix_yet;
	const char *follow_up;	   /* MFDS, incident not closed */
	const char *safety;	   /* users: patient safety first */
	const char *severity[4];   /* low medium high critical */
	const char *status[3];	   /* open contained closed */
};

/* The wording for "ko" or "en"; NULL for another language. */
const struct incident_words *incident_words(const char *lang);

/* Index of word in list (n entries), or -1. */
int notice_index(const char *const *list, size_t n, const char *word);

extern const char *const notice_severities[4];
extern const char *const notice_statuses[3];

#endif
