/*
 * Incident records on the device (MFDS 2.3; the MFDS 2025 security
 * rules: immediate notice to the MFDS, medical institutions and users,
 * root-cause analysis and recurrence prevention).
 *
 * An incident lives in the device's database (include/medsec/db.h), in
 * the tables "incident" and "incident_event" that this module owns and
 * creates on first use: each change and its timeline entry are written
 * in one transaction, so a record never claims a step its timeline does
 * not show. The caller records the INCIDENT audit event after the
 * change commits (the CLI and medsecd do).
 *
 * The device opens one itself for an integrity failure, tampering or a
 * sustained flood (medsec_incident_open_for_event); notices and the
 * CSAF advisory are the tools library's (medsec-tools/incident.h).
 */
#ifndef MEDSEC_INCIDENT_H
#define MEDSEC_INCIDENT_H

#include "medsec/base.h"
#include "medsec/config.h"
#include "medsec/db.h"
#include "medsec/err.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_INCIDENT_ID_MAX 32     /* "INC-20261202-001" */
#define MEDSEC_INCIDENT_TIME_MAX 32   /* "2026-12-02T08:30:00Z" */
#define MEDSEC_INCIDENT_WORD_MAX 16   /* severity, status */
#define MEDSEC_INCIDENT_LIST_MAX 512  /* devices, versions */
#define MEDSEC_INCIDENT_TEXT_MAX 2048 /* what happened, ... */
#define MEDSEC_INCIDENT_ACTOR_MAX 80

/* One entry of an incident's timeline: what changed, when, by whom. */
struct medsec_incident_event {
	char time[MEDSEC_INCIDENT_TIME_MAX];
	char actor[MEDSEC_INCIDENT_ACTOR_MAX];
	char status[MEDSEC_INCIDENT_WORD_MAX]; /* status after the change */
	char note[MEDSEC_INCIDENT_TEXT_MAX];
};

/*
 * An incident record. Text is UTF-8 without control characters other
 * than newline and tab. An empty string is a fact not given (yet).
 */
struct medsec_incident {
	char id[MEDSEC_INCIDENT_ID_MAX];		/* assigned when opened */
	char detected[MEDSEC_INCIDENT_TIME_MAX];	/* RFC 3339 UTC */
	char severity[MEDSEC_INCIDENT_WORD_MAX];	/* low medium high critical */
	char devices[MEDSEC_INCIDENT_LIST_MAX];		/* affected devices */
	char versions[MEDSEC_INCIDENT_LIST_MAX];	/* affected versions, a,b */
	char summary[MEDSEC_INCIDENT_TEXT_MAX];		/* what happened */
	char impact[MEDSEC_INCIDENT_TEXT_MAX];		/* on patients, data */
	char containment[MEDSEC_INCIDENT_TEXT_MAX];	/* what was done at once */
	char root_cause[MEDSEC_INCIDENT_TEXT_MAX];
	char prevention[MEDSEC_INCIDENT_TEXT_MAX];	/* recurrence prevention */
	char status[MEDSEC_INCIDENT_WORD_MAX];		/* open contained closed */
	char opened[MEDSEC_INCIDENT_TIME_MAX];
	char updated[MEDSEC_INCIDENT_TIME_MAX];
	char closed[MEDSEC_INCIDENT_TIME_MAX];		/* "" until closed */
	/* Filled by medsec_incident_get(); freed by medsec_incident_release. */
	struct medsec_incident_event *timeline;
	size_t ntimeline;
};

/*
 * The facts a record lacks, by name ("detected, severity, ...") into
 * out: for opening (every fact a notice needs: detected, severity,
 * devices, versions, summary, impact, containment) or, with for_close,
 * for closing (root_cause, prevention as well). Returns how many lack.
 */
MEDSEC_API
size_t medsec_incident_missing(const struct medsec_incident *inc,
    int for_close, char *out, size_t outlen);

/*
 * Checks the facts given (empty ones are not checked): detected as
 * YYYY-MM-DDTHH:MM:SSZ and not after now (RFC 3339 UTC, same form),
 * severity from its list, every text well-formed UTF-8 without control
 * characters other than newline and tab. On error
 * MEDSEC_ERR_INVALID, err->key names the field and err->message the
 * value and why.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_check(const struct medsec_incident *inc, const char *now,
    struct medsec_config_error *err);

/*
 * Opens an incident: refused (MEDSEC_ERR_INVALID, err->key "missing",
 * err->message naming every missing fact) without the facts a notice
 * needs, or with a fact medsec_incident_check() refuses. On success
 * inc->id, status ("open"), opened and updated are set, and the record
 * and its first timeline entry are committed together. Nothing is
 * written on any error.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_open(struct medsec_db *db, struct medsec_incident *inc,
    const char *actor, const char *now, struct medsec_config_error *err);

/*
 * Changes an incident: each non-empty fact of change replaces the
 * record's (id, status, times and timeline of change are ignored);
 * status is "" (unchanged), "contained" or "closed"; note (required)
 * says what changed and goes to the timeline. Closing needs root_cause
 * and prevention in the resulting record; a closed incident is not
 * changed again (MEDSEC_ERR_STATE). MEDSEC_ERR_NOT_FOUND for an unknown
 * id. *out (may be NULL) receives the record as committed, without its
 * timeline. Nothing is written on any error.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_update(struct medsec_db *db, const char *id,
    const struct medsec_incident *change, const char *status,
    const char *note, const char *actor, const char *now,
    struct medsec_incident *out, struct medsec_config_error *err);

/*
 * Reads an incident with its timeline (oldest first); the caller calls
 * medsec_incident_release(). MEDSEC_ERR_NOT_FOUND for an unknown id (or
 * a device without incidents). Reads only.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_get(struct medsec_db *db, const char *id,
    struct medsec_incident *inc);
MEDSEC_API
void medsec_incident_release(struct medsec_incident *inc);

/*
 * Calls fn for each incident, oldest first, without timelines; a
 * non-zero return stops and is returned. Reads only.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_list(struct medsec_db *db,
    int (*fn)(const struct medsec_incident *, void *), void *ctx);

/* ---- incidents opened by the device itself ---- */

/* The kinds of device event that open an incident without an operator. */
enum medsec_incident_trigger_kind {
	MEDSEC_INCIDENT_ON_INTEGRITY = 0, /* software or settings altered */
	MEDSEC_INCIDENT_ON_TAMPER = 1,	  /* audit trail or data tampered */
	MEDSEC_INCIDENT_ON_FLOOD = 2,	  /* sustained request flood */
};

/* What the device saw and did; every string is required. */
struct medsec_incident_trigger {
	int kind;		 /* enum medsec_incident_trigger_kind */
	const char *detected;	 /* RFC 3339 UTC, when it was seen */
	const char *device;	 /* the device's identity */
	const char *version;	 /* the device software's version */
	const char *detail;	 /* the event's own account ("bin/medsecd
				  * hash differs from the manifest") */
	const char *containment; /* what the device did at once ("the file
				  * was restored from the manifest") */
};

/*
 * Opens an incident for a device event, with every fact a notice needs:
 * severity and impact by kind (docs/incident.md), the summary from kind
 * and detail, containment as given. While an incident of the same kind
 * is not closed, the event is added to its timeline instead of opening
 * another (*opened = 0), so a flood reported every minute is one
 * incident. Refused as medsec_incident_open() refuses (an empty
 * containment or detail is a missing fact). *out (may be NULL) receives
 * the record opened or updated. The caller audits INCIDENT after it
 * returns MEDSEC_OK.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_incident_open_for_event(struct medsec_db *db,
    const struct medsec_incident_trigger *t, const char *actor,
    const char *now, struct medsec_incident *out, int *opened,
    struct medsec_config_error *err);

#ifdef __cplusplus
}
#endif
#endif
