/*
 * Incidents the device opens itself: an integrity failure, tampering
 * with the audit trail or the data, or a sustained flood (MFDS 2.3; the
 * MFDS 2025 rules' immediate notice). The record carries every fact a
 * notice needs from the first moment; severity and impact are fixed per
 * kind (docs/incident.md) and the operator refines them with
 * `medsec incident update`. An event of a kind whose incident is still
 * open goes to that incident's timeline.
 */
#include <stdio.h>
#include <string.h>

#include "incident_int.h"

static const struct {
	const char *severity, *title, *impact;
} kinds[] = {
	[MEDSEC_INCIDENT_ON_INTEGRITY] = { "high",
	    "Integrity failure detected by the device",
	    "Software or settings of the device differ from the "
	    "manufacturer's signed manifest: until the cause is known the "
	    "device's results and its protection of patient data cannot be "
	    "relied on." },
	[MEDSEC_INCIDENT_ON_TAMPER] = { "high",
	    "Tampering with the audit trail or stored data detected by the "
	    "device",
	    "Records the device keeps were altered or removed outside the "
	    "device software: the record of who accessed patient data, or "
	    "the data itself, may be incomplete or wrong." },
	[MEDSEC_INCIDENT_ON_FLOOD] = { "medium",
	    "Sustained request flood against the device",
	    "The device's service to clinical users may be slowed or "
	    "refused while the flood lasts; stored data is not affected by "
	    "the flood itself." },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

struct find_open {
	const char *title;
	char id[MEDSEC_INCIDENT_ID_MAX];
};

/* The newest incident of the same kind that is not closed. */
static int
match_open(const struct medsec_incident *inc, void *ctx)
{
	struct find_open *f = ctx;
	size_t n = strlen(f->title);

	if (strcmp(inc->status, "closed") != 0 &&
	    strncmp(inc->summary, f->title, n) == 0 && inc->summary[n] == ':')
		snprintf(f->id, sizeof(f->id), "%s", inc->id);
	return 0;
}

static int
fill(struct medsec_incident *inc, const struct medsec_incident_trigger *t)
{
	const char *given[] = { t->detected, t->device, t->version, t->detail,
		t->containment };
	size_t i;

	for (i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i] == NULL)
			return MEDSEC_ERR_INVALID;
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->detected, sizeof(inc->detected), "%s", t->detected);
	snprintf(inc->severity, sizeof(inc->severity), "%s",
	    kinds[t->kind].severity);
	snprintf(inc->devices, sizeof(inc->devices), "%s", t->device);
	snprintf(inc->versions, sizeof(inc->versions), "%s", t->version);
	if (t->detail[0] != '\0')
		snprintf(inc->summary, sizeof(inc->summary), "%s: %s",
		    kinds[t->kind].title, t->detail);
	snprintf(inc->impact, sizeof(inc->impact), "%s",
	    kinds[t->kind].impact);
	snprintf(inc->containment, sizeof(inc->containment), "%s",
	    t->containment);
	return MEDSEC_OK;
}

/* A containment is a sentence or a phrase: end the note once. */
static int
ends_with_period(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.';
}

int
medsec_incident_open_for_event(struct medsec_db *db,
    const struct medsec_incident_trigger *t, const char *actor,
    const char *now, struct medsec_incident *out, int *opened,
    struct medsec_config_error *err)
{
	struct medsec_incident inc, change;
	struct find_open f;
	char note[MEDSEC_INCIDENT_TEXT_MAX];
	int r;

	*opened = 0;
	if (t == NULL || t->kind < 0 || (size_t)t->kind >= NKINDS) {
		incident_fail(err, "kind", "unknown kind of device event %d",
		    t != NULL ? t->kind : -1);
		return MEDSEC_ERR_INVALID;
	}
	if (fill(&inc, t) != MEDSEC_OK) {
		incident_fail(err, "missing", "a device event needs detected, "
		    "device, version, detail and containment");
		return MEDSEC_ERR_INVALID;
	}
	memset(&f, 0, sizeof(f));
	f.title = kinds[t->kind].title;
	if ((r = medsec_incident_list(db, match_open, &f)) != MEDSEC_OK &&
	    r != MEDSEC_ERR_NOT_FOUND)
		return r;
	if (f.id[0] == '\0') {
		if ((r = medsec_incident_open(db, &inc, actor, now, err)) !=
		    MEDSEC_OK)
			return r;
		*opened = 1;
		if (out != NULL)
			*out = inc;
		return MEDSEC_OK;
	}
	if ((r = medsec_incident_check(&inc, now, err)) != MEDSEC_OK)
		return r;
	if (t->detail[0] == '\0' || t->containment[0] == '\0') {
		incident_fail(err, "missing", "a notice needs these facts: %s",
		    t->detail[0] == '\0' ? "summary" : "containment");
		return MEDSEC_ERR_INVALID;
	}
	snprintf(note, sizeof(note), "Seen again at %s: %s. Done: %s%s",
	    t->detected, t->detail, t->containment,
	    ends_with_period(t->containment) ? "" : ".");
	memset(&change, 0, sizeof(change));
	return medsec_incident_update(db, f.id, &change, "", note, actor, now,
	    out, err);
}
