/*
 * Incident internals, shared by the files of src/lib/incident:
 *   incident.c         facts: which are missing, which are malformed
 *   incident_store.c   the device database tables and their transactions
 *   incident_auto.c    incidents the device opens for its own events
 */
#ifndef MEDSEC_INCIDENT_INT_H
#define MEDSEC_INCIDENT_INT_H

#include <stddef.h>

#include "medsec/incident.h"

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

/* Index of word in list (n entries), or -1. */
int incident_index(const char *const *list, size_t n, const char *word);

extern const char *const incident_severities[4];

#endif
