/*
 * Classification: MFDS 2020 guideline, I.2 (scope), III.1 Tables 1 and 2
 * (safety level) and III.2 Table 3 (applicability per level). The rules
 * and the Table 2 rows they rest on are listed in
 * docs/compliance/classification.md; each rationale line cites its row so
 * a reviewer can follow the decision without reading this file.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compliance/compliance_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/* The Table 2 Major rows for class II and III devices (functions). */
static const struct {
	unsigned fn;
	const char *row;
} major_rows[] = {
	{ MEDSEC_FN_SURGERY, "medical devices for operation in which "
	    "malfunction can occur with cybersecurity breach" },
	{ MEDSEC_FN_RADIATION_THERAPY, "medical devices using radiation for "
	    "treatment" },
	{ MEDSEC_FN_DEFIBRILLATION, "medical device that could impact the "
	    "life of patients due to malfunction (defibrillators)" },
	{ MEDSEC_FN_LIFE_SUPPORT, "medical devices for life-supporting" },
	{ MEDSEC_FN_VITAL_SIGN_ALARM, "medical devices for measuring vital "
	    "signs which could impact the life of patients due to missed "
	    "alarm or warning" },
};

/*
 * Functions that put a class II device on the Moderate row (III.1:
 * "Class II ... medical devices for treatment", "for sending and
 * receiving vital signs", "for analysis and diagnosis"). Measurement
 * alone is not here: Table 2 lists class II measuring devices (electronic
 * thermometer, automatic electronic sphygmomanometer) under Minor.
 */
#define MODERATE_CLASS2_FNS                                                  \
	(MEDSEC_FN_TREATMENT | MEDSEC_FN_VITAL_SIGN_TRANSMISSION |           \
	    MEDSEC_FN_ANALYSIS_DIAGNOSIS)

static void add_line(char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t *n,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
add_line(char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t *n,
    const char *fmt, ...)
{
	va_list ap;

	if (*n >= MEDSEC_CLASSIFY_LINES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(lines[*n], MEDSEC_CLASSIFY_LINE_MAX, fmt, ap);
	va_end(ap);
	(*n)++;
}

#define RATIONALE(c, ...)                                                    \
	add_line((c)->rationale, &(c)->n_rationale, __VA_ARGS__)
#define WARN(c, ...) add_line((c)->warnings, &(c)->n_warnings, __VA_ARGS__)

static enum medsec_level
max_level(enum medsec_level a, enum medsec_level b)
{
	return a > b ? a : b;
}

static const char *
class_roman(int cls)
{
	static const char *const roman[] = { "?", "I", "II", "III", "IV" };

	return cls >= 1 && cls <= 4 ? roman[cls] : "?";
}

/* Writes the purposes as "health-records, maintenance". */
static void
purpose_list(unsigned purposes, char *buf, size_t buflen)
{
	unsigned bit;
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (bit = 1; bit <= MEDSEC_PURPOSE_ALL; bit <<= 1) {
		if (!(purposes & bit))
			continue;
		n = snprintf(buf + off, buflen - off, "%s%s",
		    off > 0 ? ", " : "", medsec_purpose_name(bit));
		if (n < 0 || (size_t)n >= buflen - off)
			return;
		off += (size_t)n;
	}
}

static void
scope(const struct medsec_profile *p, struct medsec_classification *c)
{
	char list[96];

	c->in_scope = p->purposes != 0;
	if (!c->in_scope) {
		RATIONALE(c, "Out of scope: the profile declares no "
		    "communication purpose. The guideline (I.2 Scope) covers "
		    "devices that send or receive personal health records, "
		    "are controlled, or are maintained (firmware or software "
		    "update) over wired or wireless communication.");
		return;
	}
	purpose_list(p->purposes, list, sizeof(list));
	RATIONALE(c, "In scope (guideline I.2 Scope): communication "
	    "purposes %s.", list);
}

/* Table 1: the worst credible harm from a breach sets the level. */
static void
harm_level(const struct medsec_profile *p, struct medsec_classification *c)
{
	switch (p->worst_harm) {
	case MEDSEC_HARM_DEATH_OR_SERIOUS_INJURY:
		c->harm_level = MEDSEC_LEVEL_MAJOR;
		RATIONALE(c, "Table 1, row 'major': worst harm "
		    "death-or-serious-injury (serious injury or death, "
		    "permanent impairment of body function or damage to body "
		    "structure) gives level major.");
		break;
	case MEDSEC_HARM_TEMPORARY_INJURY:
		c->harm_level = MEDSEC_LEVEL_MODERATE;
		RATIONALE(c, "Table 1, row 'moderate': worst harm "
		    "temporary-injury (temporary and minor injury, medical "
		    "intervention may be necessary) gives level moderate.");
		break;
	case MEDSEC_HARM_TEMPORARY_DISCOMFORT:
		c->harm_level = MEDSEC_LEVEL_MINOR;
		RATIONALE(c, "Table 1, row 'minor': worst harm "
		    "temporary-discomfort (reversible, minor and short-term "
		    "discomfort without medical intervention) gives level "
		    "minor.");
		break;
	default:
		c->harm_level = MEDSEC_LEVEL_NONE;
		WARN(c, "worst_harm is not stated: the level rests on the "
		    "class and functions alone (Table 2); Table 1 asks for "
		    "the worst credible harm of a breach.");
		break;
	}
}

/* Table 2: class and functions set a floor under the level. */
static void
table2_floor(const struct medsec_profile *p, struct medsec_classification *c)
{
	const char *cls = class_roman(p->device_class);
	size_t i;

	c->floor = MEDSEC_LEVEL_NONE;
	if (p->device_class == 4) {
		c->floor = MEDSEC_LEVEL_MAJOR;
		RATIONALE(c, "Table 2, Major row 'Class IV medical devices' "
		    "(e.g. implantable defibrillator, pacemaker, insulin "
		    "pump): floor major.");
		return;
	}
	if (p->device_class == 2 || p->device_class == 3)
		for (i = 0; i < sizeof(major_rows) / sizeof(major_rows[0]); i++)
			if (p->functions & major_rows[i].fn) {
				c->floor = MEDSEC_LEVEL_MAJOR;
				RATIONALE(c, "Table 2, Major row 'following "
				    "medical devices among Class II and III': "
				    "%s (function %s, class %s): floor major.",
				    major_rows[i].row,
				    medsec_function_name(major_rows[i].fn),
				    cls);
			}
	if (c->floor == MEDSEC_LEVEL_MAJOR)
		return;
	if (p->device_class == 3) {
		c->floor = MEDSEC_LEVEL_MODERATE;
		RATIONALE(c, "Table 2, Moderate row 'Class III medical "
		    "devices' (e.g. blood glucose meter for self-test): floor "
		    "moderate.");
		return;
	}
	if (p->device_class == 2 && (p->functions & MODERATE_CLASS2_FNS)) {
		c->floor = MEDSEC_LEVEL_MODERATE;
		RATIONALE(c, "Table 2, Moderate row 'Class II medical devices' "
		    "with III.1: class II devices for treatment, for sending "
		    "and receiving vital signs, or for analysis and diagnosis "
		    "(e.g. telemetry system transmitter, U-healthcare medical "
		    "devices): floor moderate.");
		return;
	}
	if (p->device_class == 2)
		RATIONALE(c, "Table 2, Minor row 'Class II medical devices' "
		    "not for treatment, vital-sign transmission or analysis "
		    "and diagnosis (e.g. electronic thermometer, automatic "
		    "electronic sphygmomanometer): no floor above minor.");
	else
		RATIONALE(c, "Table 2, Minor row 'Class I medical devices' "
		    "(e.g. U-healthcare gateway): no floor above minor.");
}

static void
settle_level(const struct medsec_profile *p, struct medsec_classification *c)
{
	const char *name;

	c->level = max_level(max_level(c->harm_level, c->floor),
	    MEDSEC_LEVEL_MINOR);
	name = medsec_level_name(c->level);
	if (c->harm_level != MEDSEC_LEVEL_NONE && c->floor > c->harm_level) {
		RATIONALE(c, "Level %s: the Table 2 floor is above the level "
		    "the worst harm gives (Table 1).", name);
		WARN(c, "worst_harm %s implies level %s (Table 1), but class "
		    "%s and the functions place the device at %s or above "
		    "(Table 2): the level is %s; revisit the harm analysis.",
		    medsec_harm_name(p->worst_harm),
		    medsec_level_name(c->harm_level),
		    class_roman(p->device_class), name, name);
	} else if (c->harm_level == MEDSEC_LEVEL_NONE) {
		RATIONALE(c, "Level %s, from Table 2 only.", name);
	} else {
		RATIONALE(c, "Level %s: set by the worst harm (Table 1), at "
		    "or above the Table 2 floor.", name);
	}
	if (p->device_class == 1 && c->harm_level > MEDSEC_LEVEL_MINOR)
		WARN(c, "class I device with worst_harm %s: Table 2 places "
		    "class I devices under Minor; check the class or the harm "
		    "analysis.", medsec_harm_name(p->worst_harm));
}

/* Whole-word, case-insensitive search (so "5GHz" is not "5G"). */
static int
has_word(const char *s, const char *w)
{
	size_t n = strlen(w), i, k;

	for (i = 0; s[i] != '\0'; i++) {
		if (i > 0 && isalnum((unsigned char)s[i - 1]))
			continue;
		for (k = 0; k < n && s[i + k] != '\0' &&
		    tolower((unsigned char)s[i + k]) == w[k]; k++)
			;
		if (k == n && !isalnum((unsigned char)s[i + n]))
			return 1;
	}
	return 0;
}

/* A technology that runs over a public (carrier or Internet) network. */
static const char *
public_technology(const struct medsec_profile *p)
{
	static const char *const words[] = { "lte", "5g", "4g", "3g", "gsm",
		"umts", "cellular", "nb-iot", "internet", NULL };
	size_t i, k;

	for (i = 0; i < p->n_technologies; i++)
		for (k = 0; words[k] != NULL; k++)
			if (has_word(p->technologies[i], words[k]))
				return p->technologies[i];
	return NULL;
}

static void
contradictions(const struct medsec_profile *p,
    struct medsec_classification *c)
{
	const char *tech;

	if (p->implantable && p->device_class < 4)
		WARN(c, "implantable = yes but class %d: Table 2 lists "
		    "implantable devices (defibrillator, pacemaker, insulin "
		    "pump) among Class IV; check the class.", p->device_class);
	if (p->device_class == 1 && (p->functions & (MEDSEC_FN_SURGERY |
	    MEDSEC_FN_RADIATION_THERAPY | MEDSEC_FN_LIFE_SUPPORT |
	    MEDSEC_FN_DEFIBRILLATION | MEDSEC_FN_VITAL_SIGN_ALARM)))
		WARN(c, "class I with a function that Table 2's Major rows "
		    "name for Class II and III devices: check the class.");
	if (p->functions == MEDSEC_FN_NONE &&
	    (p->purposes & MEDSEC_PURPOSE_CONTROL))
		WARN(c, "functions = none but purposes include control: a "
		    "device controlled over a network has a function that "
		    "Table 2 may place higher; state it.");
	if (p->functions == 0)
		WARN(c, "functions are not stated: the Table 2 function rows "
		    "could not be checked.");
	tech = public_technology(p);
	if (p->public_network == 0 && tech != NULL)
		WARN(c, "public_network = no, but technology '%s' runs over a "
		    "public carrier or Internet network: check Table 4 item "
		    "4 and requirement 2.4.", tech);
	if (!c->in_scope) {
		if (p->n_technologies > 0)
			WARN(c, "technologies are listed but no purpose: if "
			    "any link carries health records, control or "
			    "updates, the device is in scope.");
		return;
	}
	if (p->n_technologies == 0)
		WARN(c, "purposes are declared but no communication "
		    "technology (Table 4 item 2).");
	if (p->public_network < 0)
		WARN(c, "public_network is not stated (Table 4 item 4); "
		    "requirement 2.4 was assessed as if the device used no "
		    "public network.");
}

/*
 * Conditions in the text of a 2019 Table 3 item that a profile can show
 * do not arise. The applicability stays as Table 3 says: leaving an item
 * out needs a justification in the checklist (IV.2), which the reason
 * points to.
 */
static const struct {
	const char *id;
	unsigned purpose;
	const char *what;
} conditional[] = {
	{ "1.12", MEDSEC_PURPOSE_MAINTENANCE, "firmware or software update" },
	{ "1.13", MEDSEC_PURPOSE_MAINTENANCE, "firmware or software update" },
	{ "1.14", MEDSEC_PURPOSE_MAINTENANCE, "firmware or software update" },
	{ "1.15", MEDSEC_PURPOSE_CONTROL, "control information on a network" },
	{ "1.16", MEDSEC_PURPOSE_HEALTH_RECORDS,
	    "personal health records on a network" },
};

static void
append(char *buf, size_t buflen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t buflen, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off + 1 >= buflen)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + off, buflen - off, fmt, ap);
	va_end(ap);
}

static void
condition_notes(const struct medsec_catalog *cat,
    const struct medsec_profile *p, struct medsec_decision *d)
{
	size_t i;

	if (strcmp(medsec_catalog_name(cat), MEDSEC_CATALOG_DEFAULT) != 0)
		return;
	for (i = 0; i < sizeof(conditional) / sizeof(conditional[0]); i++)
		if (strcmp(d->req->id, conditional[i].id) == 0 &&
		    !(p->purposes & conditional[i].purpose))
			append(d->reason, sizeof(d->reason), " The profile "
			    "declares no '%s' purpose, so the item's subject "
			    "(%s) may not arise; excluding it needs a "
			    "justification in the checklist.",
			    medsec_purpose_name(conditional[i].purpose),
			    conditional[i].what);
	if (strcmp(d->req->id, "2.4") != 0)
		return;
	append(d->reason, sizeof(d->reason), " Table 3 no. 24 concerns "
	    "devices on a public network that control a device or exchange "
	    "life-critical information in real time.");
	if (p->public_network != 1)
		append(d->reason, sizeof(d->reason), " public_network = %s: "
		    "the condition may not arise; justify an exclusion in the "
		    "checklist.", p->public_network == 0 ? "no" : "unstated");
}

static void
decide(const struct medsec_catalog *cat, const struct medsec_profile *p,
    struct medsec_classification *c)
{
	const struct medsec_requirement *req;
	struct medsec_decision *d;
	const char *lvl = medsec_level_name(c->level), *decl;
	size_t i;

	for (i = 0; i < medsec_catalog_count(cat) &&
	    i < MEDSEC_CATALOG_ITEMS_MAX; i++) {
		req = medsec_catalog_item(cat, i);
		d = &c->decisions[c->n_decisions++];
		d->req = req;
		d->applicability = req->by_level[c->level];
		snprintf(d->reason, sizeof(d->reason), "%s at level %s "
		    "(Table 3, no. %d: %s).",
		    d->applicability == MEDSEC_APPLIC_REQUIRED ? "Required" :
		    "Recommended", lvl, req->no,
		    d->applicability == MEDSEC_APPLIC_REQUIRED ? "\u25cb" :
		    "\u25b3");
		if (p->implantable && req->implantable_may_exclude) {
			d->applicability = MEDSEC_APPLIC_MAY_EXCLUDE;
			snprintf(d->reason, sizeof(d->reason), "Implantable "
			    "device: the Table 3 footnote allows not applying "
			    "no. %d (otherwise %s at level %s); give the "
			    "justification in the checklist.", req->no,
			    medsec_applicability_name(
			    req->by_level[c->level]), lvl);
		}
		condition_notes(cat, p, d);
		if ((decl = medsec_profile_declaration(p, req->id)) != NULL)
			append(d->reason, sizeof(d->reason), " Declared: %s",
			    decl);
	}
	req = medsec_catalog_find(cat, "2.4");
	if (req != NULL && p->public_network == 0 &&
	    req->by_level[c->level] == MEDSEC_APPLIC_REQUIRED &&
	    strcmp(medsec_catalog_name(cat), MEDSEC_CATALOG_DEFAULT) == 0)
		WARN(c, "requirement 2.4 (DDoS) is required at level %s, but "
		    "public_network = no: Table 3 no. 24 concerns devices on "
		    "a public network; if that holds for the device's whole "
		    "life, justify the exclusion in the checklist.", lvl);
	for (i = 0; i < p->n_decls; i++)
		if (medsec_catalog_find(cat, p->decls[i].id) == NULL)
			WARN(c, "%s:%d: [implementation] %s names no "
			    "requirement of catalog %s.", p->source,
			    p->decls[i].line, p->decls[i].id,
			    medsec_catalog_name(cat));
}

int
medsec_classify(const struct medsec_catalog *cat,
    const struct medsec_profile *p, struct medsec_classification **outp)
{
	struct medsec_classification *c = NULL;

	if (outp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	if (cat == NULL || p == NULL || p->device_class < 1 ||
	    p->device_class > 4)
		return MEDSEC_ERR_INVALID;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MEDSEC_ERR_NOMEM;
	scope(p, c);
	if (c->in_scope) {
		harm_level(p, c);
		table2_floor(p, c);
		settle_level(p, c);
	}
	contradictions(p, c);
	if (c->in_scope)
		decide(cat, p, c);
	*outp = c;
	return MEDSEC_OK;
}

void
medsec_classification_free(struct medsec_classification *c)
{
	free(c);
}

const struct medsec_decision *
medsec_classification_find(const struct medsec_classification *c,
    const char *id)
{
	size_t i;

	if (c == NULL || id == NULL)
		return NULL;
	for (i = 0; i < c->n_decisions; i++)
		if (strcmp(c->decisions[i].req->id, id) == 0)
			return &c->decisions[i];
	return NULL;
}

static json_t *
lines_json(const char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(lines[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
decisions_json(const struct medsec_classification *c)
{
	const struct medsec_decision *d;
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a != NULL && i < c->n_decisions; i++) {
		d = &c->decisions[i];
		o = json_pack("{s:s, s:i, s:s, s:s, s:s}", "id", d->req->id,
		    "no", d->req->no, "title", d->req->title,
		    "applicability",
		    medsec_applicability_name(d->applicability),
		    "reason", d->reason);
		if (json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
medsec_classification_to_json(const struct medsec_classification *c,
    char **jsonp)
{
	json_t *root = NULL, *level;
	char *s;
	int r = MEDSEC_ERR_INTERNAL;

	if (jsonp == NULL)
		return MEDSEC_ERR_INVALID;
	*jsonp = NULL;
	if (c == NULL)
		return MEDSEC_ERR_INVALID;
	level = c->in_scope ? json_string(medsec_level_name(c->level)) :
	    json_null();
	root = json_pack("{s:b, s:o, s:o, s:o, s:o}", "in_scope",
	    c->in_scope, "level", level,
	    "rationale", lines_json(c->rationale, c->n_rationale),
	    "warnings", lines_json(c->warnings, c->n_warnings),
	    "requirements", decisions_json(c));
	if (root == NULL) {
		/* json_pack steals "o" references even when it fails. */
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	*jsonp = s;
	r = MEDSEC_OK;
out:
	json_decref(root);
	return r;
}
