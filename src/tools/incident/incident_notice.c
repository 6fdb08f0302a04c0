/*
 * Notices of an incident to the MFDS, to medical institutions and to
 * users, each as Markdown and as JSON, in Korean or English. A notice is
 * first a list of facts (key, label, value) chosen for its audience; the
 * two formats render the same list, so they never say different things.
 * REQ: MFDS 2.3 (emergency contact and measures for users).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident_int.h"

#define FACTS_MAX 24

struct fact {
	const char *key;   /* JSON member */
	const char *label; /* Markdown heading or row */
	const char *value;
	int block;	   /* a paragraph of its own, not a table row */
};

struct notice {
	const struct incident_words *w;
	int audience;
	struct fact facts[FACTS_MAX];
	size_t n;
	const char *steps[MEDSEC_CONFIG_INCIDENT_STEPS];
	size_t nsteps;
	char fixed[512];
	char severity[64], status[64];
};

static const char *const audiences[MEDSEC_NOTICE_AUDIENCES] = { "mfds",
	"institution", "user" };

const char *
medsec_incident_audience_name(int audience)
{
	if (audience < 0 || audience >= MEDSEC_NOTICE_AUDIENCES)
		return NULL;
	return audiences[audience];
}

static void
add(struct notice *n, const char *key, const char *label, const char *value,
    int block)
{
	if (n->n < FACTS_MAX)
		n->facts[n->n++] = (struct fact){ key, label, value, block };
}

/* A fact still being established reads as such, never as blank. */
static const char *
or_pending(const struct notice *n, const char *v)
{
	return v[0] != '\0' ? v : n->w->pending;
}

static const char *
status_word(const struct incident_words *w, const char *status)
{
	int t = notice_index(notice_statuses, 3, status);

	return t >= 0 ? w->status[t] : status;
}

static void
table_facts(struct notice *n, const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info)
{
	int s = notice_index(notice_severities, 4, inc->severity);
	snprintf(n->severity, sizeof(n->severity), "%s", s >= 0 ?
	    n->w->severity[s] : inc->severity);
	snprintf(n->status, sizeof(n->status), "%s", status_word(n->w,
	    inc->status));
	add(n, "issued", n->w->label_issued, info->when, 0);
	add(n, "id", n->w->label_id, inc->id, 0);
	if (n->audience != MEDSEC_NOTICE_USER)
		add(n, "status", n->w->label_status, n->status, 0);
	add(n, "manufacturer", n->w->label_manufacturer, info->manufacturer,
	    0);
	add(n, "product", n->w->label_product, info->product, 0);
	if (n->audience == MEDSEC_NOTICE_MFDS)
		add(n, "device", n->w->label_device, info->device_id, 0);
	add(n, "detected", n->w->label_detected, inc->detected, 0);
	if (n->audience != MEDSEC_NOTICE_USER)
		add(n, "severity", n->w->label_severity, n->severity, 0);
	add(n, "devices", n->w->label_devices, inc->devices, 0);
	add(n, "versions", n->w->label_versions, inc->versions, 0);
}

/* The wording with the version where it says %s (a constant format
 * would have to be duplicated per language). */
static void
fill_version(char *out, size_t len, const char *wording, const char *version)
{
	const char *at = strstr(wording, "%s");

	if (at == NULL)
		snprintf(out, len, "%s", wording);
	else
		snprintf(out, len, "%.*s%s%s", (int)(at - wording), wording,
		    version, at + 2);
}

static void
build(struct notice *n, const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info)
{
	const struct medsec_config *c = info->config;

	table_facts(n, inc, info);
	add(n, "summary", n->w->label_summary, inc->summary, 1);
	add(n, "impact", n->w->label_impact, inc->impact, 1);
	add(n, "containment", n->w->label_containment, inc->containment, 1);
	if (n->audience != MEDSEC_NOTICE_USER) {
		add(n, "root_cause", n->w->label_root_cause,
		    or_pending(n, inc->root_cause), 1);
		add(n, "prevention", n->w->label_prevention,
		    or_pending(n, inc->prevention), 1);
	}
	if (info->fixed_version != NULL && info->fixed_version[0] != '\0')
		fill_version(n->fixed, sizeof(n->fixed), n->w->fixed_in,
		    info->fixed_version);
	else
		snprintf(n->fixed, sizeof(n->fixed), "%s", n->w->no_fix_yet);
	add(n, "security_update", n->w->label_fixed, n->fixed, 1);
	for (size_t i = 0; i < MEDSEC_CONFIG_INCIDENT_STEPS; i++)
		if (c->incident_steps[i][0] != '\0')
			n->steps[n->nsteps++] = c->incident_steps[i];
}

static void
markdown_contact(FILE *f, const struct notice *n,
    const struct medsec_config *c)
{
	fprintf(f, "\n## %s\n\n", n->w->label_contact);
	fprintf(f, "- %s: %s\n", n->w->contact_name, c->incident_contact);
	fprintf(f, "- %s: %s\n", n->w->contact_phone, c->incident_phone);
	fprintf(f, "- %s: %s\n", n->w->contact_email, c->incident_email);
	if (c->incident_url[0] != '\0')
		fprintf(f, "- %s: %s\n", n->w->contact_url, c->incident_url);
}

/* A table cell holds one line: a newline or '|' would end it. */
static void
cell(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\t')
			fputc(' ', f);
		else if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
}

static void
markdown(FILE *f, const struct notice *n, const struct medsec_incident *inc,
    const struct medsec_config *c)
{
	fprintf(f, "# %s\n\n%s\n\n", n->w->title[n->audience],
	    n->w->intro[n->audience]);
	fprintf(f, "| | |\n|---|---|\n");
	for (size_t i = 0; i < n->n; i++) {
		if (n->facts[i].block)
			continue;
		fprintf(f, "| %s | ", n->facts[i].label);
		cell(f, n->facts[i].value);
		fprintf(f, " |\n");
	}
	for (size_t i = 0; i < n->n; i++)
		if (n->facts[i].block)
			fprintf(f, "\n## %s\n\n%s\n", n->facts[i].label,
			    n->facts[i].value);
	fprintf(f, "\n## %s\n\n", n->w->label_steps);
	for (size_t i = 0; i < n->nsteps; i++)
		fprintf(f, "%zu. %s\n", i + 1, n->steps[i]);
	if (n->audience != MEDSEC_NOTICE_MFDS)
		fprintf(f, "\n%s\n", n->w->safety);
	markdown_contact(f, n, c);
	if (n->audience == MEDSEC_NOTICE_MFDS) {
		fprintf(f, "\n## %s\n\n", n->w->label_timeline);
		for (size_t i = 0; i < inc->ntimeline; i++)
			fprintf(f, "- %s (%s, %s): %s\n", inc->timeline[i].time,
			    status_word(n->w, inc->timeline[i].status),
			    inc->timeline[i].actor, inc->timeline[i].note);
		if (strcmp(inc->status, "closed") != 0)
			fprintf(f, "\n%s\n", n->w->follow_up);
	}
}

static json_t *
json_timeline(const struct medsec_incident *inc)
{
	json_t *a = json_array();

	for (size_t i = 0; i < inc->ntimeline; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}",
		    "time", inc->timeline[i].time, "status",
		    inc->timeline[i].status, "actor", inc->timeline[i].actor,
		    "note", inc->timeline[i].note));
	return a;
}

static json_t *
json_notice(const struct notice *n, const struct medsec_incident *inc,
    const struct medsec_config *c)
{
	json_t *doc, *facts = json_object(), *steps = json_array();

	for (size_t i = 0; i < n->n; i++)
		json_object_set_new(facts, n->facts[i].key, json_pack("{s:s, "
		    "s:s}", "label", n->facts[i].label, "value",
		    n->facts[i].value));
	for (size_t i = 0; i < n->nsteps; i++)
		json_array_append_new(steps, json_string(n->steps[i]));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:s, s:s, "
	    "s:s}}", "audience", audiences[n->audience], "lang", n->w->lang,
	    "title", n->w->title[n->audience], "intro",
	    n->w->intro[n->audience], "facts", facts, "steps", steps,
	    "contact", "name", c->incident_contact, "phone",
	    c->incident_phone, "email", c->incident_email, "url",
	    c->incident_url);
	if (doc == NULL)
		return NULL;
	if (n->audience == MEDSEC_NOTICE_MFDS) {
		json_object_set_new(doc, "timeline", json_timeline(inc));
		if (strcmp(inc->status, "closed") != 0)
			json_object_set_new(doc, "follow_up",
			    json_string(n->w->follow_up));
	} else
		json_object_set_new(doc, "safety", json_string(n->w->safety));
	return doc;
}

/* The facts every notice must carry, before anything is written. */
static int
check_facts(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, int audience,
    struct medsec_config_error *err)
{
	const struct medsec_config *c = info->config;
	char missing[256];
	int steps = 0;

	if (medsec_incident_missing(inc, 0, missing, sizeof(missing)) > 0) {
		notice_fail(err, "missing", "incident %s lacks facts a notice "
		    "needs: %s", inc->id, missing);
		return MEDSEC_ERR_INVALID;
	}
	for (size_t i = 0; i < MEDSEC_CONFIG_INCIDENT_STEPS; i++)
		steps += c->incident_steps[i][0] != '\0';
	if (c->incident_contact[0] == '\0' || c->incident_phone[0] == '\0' ||
	    c->incident_email[0] == '\0' || steps == 0) {
		notice_fail(err, "incident", "the %s notice needs the "
		    "device configuration's [incident] contact, phone, email "
		    "and at least one step (missing:%s%s%s%s)",
		    audiences[audience],
		    c->incident_contact[0] == '\0' ? " contact" : "",
		    c->incident_phone[0] == '\0' ? " phone" : "",
		    c->incident_email[0] == '\0' ? " email" : "",
		    steps == 0 ? " step1" : "");
		return MEDSEC_ERR_INVALID;
	}
	if (info->manufacturer == NULL || info->manufacturer[0] == '\0' ||
	    info->product == NULL || info->product[0] == '\0') {
		notice_fail(err, "manufacturer", "a notice names the "
		    "manufacturer and the product");
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

static int
render(const struct notice *n, const struct medsec_incident *inc,
    const struct medsec_config *c, int json, char **textp)
{
	size_t len = 0;
	FILE *f;
	json_t *doc;

	if (json) {
		if ((doc = json_notice(n, inc, c)) == NULL)
			return MEDSEC_ERR_NOMEM;
		*textp = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(doc);
		return *textp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
	}
	if ((f = open_memstream(textp, &len)) == NULL)
		return MEDSEC_ERR_NOMEM;
	markdown(f, n, inc, c);
	if (fclose(f) != 0) {
		free(*textp);
		*textp = NULL;
		return MEDSEC_ERR_NOMEM;
	}
	return MEDSEC_OK;
}

int
medsec_incident_notice(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, int audience,
    const char *lang, int json, char **textp,
    struct medsec_config_error *err)
{
	struct notice *n;
	int r;

	if (inc == NULL || info == NULL || info->config == NULL ||
	    info->when == NULL || info->device_id == NULL || textp == NULL ||
	    medsec_incident_audience_name(audience) == NULL)
		return MEDSEC_ERR_INVALID;
	*textp = NULL;
	if (incident_words(lang) == NULL) {
		notice_fail(err, "lang", "'%s' is not ko or en",
		    lang != NULL ? lang : "");
		return MEDSEC_ERR_INVALID;
	}
	if ((r = check_facts(inc, info, audience, err)) != MEDSEC_OK)
		return r;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return MEDSEC_ERR_NOMEM;
	n->w = incident_words(lang);
	n->audience = audience;
	build(n, inc, info);
	r = render(n, inc, info->config, json, textp);
	free(n);
	return r;
}
