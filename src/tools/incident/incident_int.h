/*
 * Incident internals, shared by the files of src/tools/incident:
 *   incident.c         facts: which are missing, which are malformed
 *   incident_store.c   the device database tables and their transactions
 *   incident_notice.c  notices to the MFDS, institutions and users
 *   incident_text.c    the notices' fixed wording, Korean and English
 *   incident_csaf.c    the CSAF 2.0 security advisory
 */
#ifndef MEDSEC_INCIDENT_INT_H
#define MEDSEC_INCIDENT_INT_H

#include <stddef.h>

#include "medsec-tools/incident.h"

/* A fact of the record: its name (as the CLI and errors say it). */
struct incident_field {
	const char *name;
	size_t offset; /* in struct medsec_incident */
	size_t size;
};

/* The facts that a change may set, in the order notices show them. */
extern const struct incident_field incident_fields[];
extern const size_t incident_nfields;

/* The field's text in a record. */
char *incident_text(struct medsec_incident *inc,
    const struct incident_field *f);
const char *incident_ctext(const struct medsec_incident *inc,
    const struct incident_field *f);

/* Fills err: key, and a message formatted like printf. */
void incident_fail(struct medsec_config_error *err, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1 if s is YYYY-MM-DDTHH:MM:SSZ with fields in range. */
int incident_valid_time(const char *s);

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
int incident_index(const char *const *list, size_t n, const char *word);

extern const char *const incident_severities[4];
extern const char *const incident_statuses[3];

#endif
