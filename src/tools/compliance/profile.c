/*
 * The device profile: INI text parsed with inih into struct
 * medsec_profile, as strictly as the configuration file: inih is fed
 * through the line reader of core/ini.h, so every error names its line
 * and no text is truncated or reinterpreted.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "core/ini.h"
#include "io/io.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

enum section { SEC_NONE, SEC_DEVICE, SEC_COMMUNICATION, SEC_IMPLEMENTATION,
	SEC_APPLICABILITY, SEC_RISK, SEC_LEGACY, SEC_SUBMISSION };

struct parse;

struct key_def {
	enum section section;
	const char *name;
	int (*set)(struct parse *, const struct key_def *, const char *,
	    size_t);
	int empty_ok;
	size_t off, size; /* the text field set_text and set_word fill */
};

#define NKEYS 33

struct parse {
	int lineno;		/* line being read */
	int device_line;	/* line of the first [device] header */
	int first_line[NKEYS];
	struct medsec_profile prof;
	struct medsec_config_error *err;
};

struct word {
	const char *name;
	unsigned bit;
};

static const struct word functions[] = {
	{ "surgery", MEDSEC_FN_SURGERY },
	{ "radiation-therapy", MEDSEC_FN_RADIATION_THERAPY },
	{ "life-support", MEDSEC_FN_LIFE_SUPPORT },
	{ "defibrillation", MEDSEC_FN_DEFIBRILLATION },
	{ "vital-sign-alarm", MEDSEC_FN_VITAL_SIGN_ALARM },
	{ "vital-sign-transmission", MEDSEC_FN_VITAL_SIGN_TRANSMISSION },
	{ "measurement", MEDSEC_FN_MEASUREMENT },
	{ "analysis-diagnosis", MEDSEC_FN_ANALYSIS_DIAGNOSIS },
	{ "treatment", MEDSEC_FN_TREATMENT },
	{ "none", MEDSEC_FN_NONE },
	{ NULL, 0 }
};

static const struct word purposes[] = {
	{ "health-records", MEDSEC_PURPOSE_HEALTH_RECORDS },
	{ "control", MEDSEC_PURPOSE_CONTROL },
	{ "maintenance", MEDSEC_PURPOSE_MAINTENANCE },
	{ "none", 0 },
	{ NULL, 0 }
};

static const struct word harms[] = {
	{ "temporary-discomfort", MEDSEC_HARM_TEMPORARY_DISCOMFORT },
	{ "temporary-injury", MEDSEC_HARM_TEMPORARY_INJURY },
	{ "death-or-serious-injury", MEDSEC_HARM_DEATH_OR_SERIOUS_INJURY },
	{ NULL, 0 }
};

static const struct word forms[] = {
	{ "device", 0 },
	{ "standalone-software", 1 },
	{ NULL, 0 }
};

static const struct word bases[] = {
	{ "implantable", MEDSEC_BASIS_IMPLANTABLE },
	{ "standalone-software", MEDSEC_BASIS_STANDALONE_SW },
	{ "condition", MEDSEC_BASIS_CONDITION },
	{ "risk-analysis", MEDSEC_BASIS_RISK_ANALYSIS },
	{ NULL, 0 }
};

static const char *const section_names[] = { "", "device", "communication",
	"implementation", "applicability", "risk", "legacy", "submission" };

static int set_text(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_class(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_yesno(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_functions(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_harm(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_technologies(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_purposes(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_form(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_category(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_date(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_word(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_matrix(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_signer(struct parse *, const struct key_def *, const char *,
    size_t);

#define P_(f) offsetof(struct medsec_profile, f), \
	sizeof(((struct medsec_profile *)0)->f)
#define M_(f) offsetof(struct medsec_profile, more.f), \
	sizeof(((struct medsec_profile *)0)->more.f)
#define A_(f) M_(admin.f)
#define L_(f) M_(legacy.f)

static const struct key_def keys[] = {
	{ SEC_DEVICE, "name", set_text, 0, P_(name) },
	{ SEC_DEVICE, "model", set_text, 0, P_(model) },
	{ SEC_DEVICE, "manufacturer", set_text, 0, P_(manufacturer) },
	{ SEC_DEVICE, "class", set_class, 0, 0, 0 },
	{ SEC_DEVICE, "implantable", set_yesno, 0, 0, 0 },
	{ SEC_DEVICE, "functions", set_functions, 0, 0, 0 },
	{ SEC_DEVICE, "worst_harm", set_harm, 0, 0, 0 },
	{ SEC_COMMUNICATION, "technologies", set_technologies, 1, 0, 0 },
	{ SEC_COMMUNICATION, "purposes", set_purposes, 1, 0, 0 },
	{ SEC_COMMUNICATION, "public_network", set_yesno, 0, 0, 0 },
	{ SEC_DEVICE, "category", set_category, 0, M_(category) },
	{ SEC_DEVICE, "item_name", set_text, 0, A_(item_name) },
	{ SEC_DEVICE, "item_code", set_text, 0, A_(item_code) },
	{ SEC_DEVICE, "form", set_form, 0, 0, 0 },
	{ SEC_DEVICE, "ai", set_yesno, 0, 0, 0 },
	{ SEC_RISK, "threat_model", set_text, 0, M_(threat_model) },
	{ SEC_RISK, "matrix", set_matrix, 0, M_(matrix) },
	{ SEC_LEGACY, "end_of_support", set_date, 0, L_(end_of_support) },
	{ SEC_LEGACY, "patch_policy", set_text, 0, L_(patch_policy) },
	{ SEC_LEGACY, "vulnerability_policy", set_text, 0,
	    L_(vulnerability_policy) },
	{ SEC_LEGACY, "compensating_controls", set_text, 0,
	    L_(compensating_controls) },
	{ SEC_LEGACY, "data_deletion", set_text, 0, L_(data_deletion) },
	{ SEC_SUBMISSION, "applicant", set_text, 0, A_(applicant) },
	{ SEC_SUBMISSION, "applicant_role", set_word, 0, A_(applicant_role) },
	{ SEC_SUBMISSION, "application", set_word, 0, A_(application) },
	{ SEC_SUBMISSION, "checklist_number", set_text, 0,
	    A_(doc_number[0]) },
	{ SEC_SUBMISSION, "risk_number", set_text, 0, A_(doc_number[1]) },
	{ SEC_SUBMISSION, "vv_number", set_text, 0, A_(doc_number[2]) },
	{ SEC_SUBMISSION, "revision", set_text, 0, A_(revision) },
	{ SEC_SUBMISSION, "date", set_date, 0, A_(date) },
	{ SEC_SUBMISSION, "prepared_by", set_signer, 0, A_(signers[0]) },
	{ SEC_SUBMISSION, "reviewed_by", set_signer, 0, A_(signers[1]) },
	{ SEC_SUBMISSION, "approved_by", set_signer, 0, A_(signers[2]) },
};
_Static_assert(sizeof(keys) / sizeof(keys[0]) == NKEYS, "NKEYS");

static const char *
word_name(const struct word *w, unsigned bit)
{
	for (; w->name != NULL; w++)
		if (w->bit == bit && bit != 0)
			return w->name;
	return NULL;
}

const char *
medsec_function_name(unsigned fn)
{
	return word_name(functions, fn);
}

const char *
medsec_purpose_name(unsigned purpose)
{
	return word_name(purposes, purpose);
}

const char *
medsec_harm_name(enum medsec_harm harm)
{
	return word_name(harms, (unsigned)harm);
}

const char *
medsec_purpose_label(unsigned purpose)
{
	/* Table 4, "Purpose of communication". */
	switch (purpose) {
	case MEDSEC_PURPOSE_HEALTH_RECORDS:
		return "Sending and receiving personal health records such "
		       "as biometric information of patient";
	case MEDSEC_PURPOSE_CONTROL:
		return "Device control";
	case MEDSEC_PURPOSE_MAINTENANCE:
		return "Maintenance such as firmware or software update";
	default:
		return NULL;
	}
}

const char *
medsec_profile_declaration(const struct medsec_profile *p, const char *id)
{
	size_t i;

	if (p == NULL || id == NULL)
		return NULL;
	for (i = 0; i < p->n_decls; i++)
		if (strcmp(p->decls[i].id, id) == 0)
			return p->decls[i].text;
	return NULL;
}

/* Records an error about the current line; key is "section.key". */
static int
fail_at(struct parse *p, enum section sec, const char *key, size_t keylen,
    const char *msg)
{
	char shown[MEDSEC_INI_KEY_MAX + 8];

	medsec_ini_excerpt(shown, sizeof(shown), key != NULL ? key : "",
	    key != NULL ? keylen : 0);
	medsec_ini_err(p->err, p->lineno, sec != SEC_NONE && key != NULL ?
	    section_names[sec] : NULL, shown, "%s", msg);
	return MEDSEC_ERR_CONFIG;
}

static enum section
section_of(const char *name, size_t n)
{
	size_t i;

	for (i = 1; i < sizeof(section_names) / sizeof(section_names[0]); i++)
		if (strlen(section_names[i]) == n &&
		    memcmp(section_names[i], name, n) == 0)
			return (enum section)i;
	return SEC_NONE;
}

static int
on_section(void *ctx, const char *name, size_t namelen, int line,
    const char **canon)
{
	struct parse *p = ctx;
	enum section sec;

	p->lineno = line;
	if ((sec = section_of(name, namelen)) == SEC_NONE)
		return fail_at(p, SEC_NONE, name, namelen, "unknown section; "
		    "expected [device], [communication], [implementation], "
		    "[applicability], [risk], [legacy] or [submission]");
	if (sec == SEC_DEVICE && p->device_line == 0)
		p->device_line = line;
	if (sec == SEC_LEGACY && !p->prof.more.has_legacy) {
		p->prof.more.has_legacy = 1;
		p->prof.more.legacy.line = line;
	}
	*canon = section_names[sec];
	return MEDSEC_OK;
}

/* The profile's own words for what the line reader refuses. */
static void
on_fault(void *ctx, enum medsec_ini_fault fault, const char *text,
    size_t len, struct medsec_config_error *err)
{
	struct parse *p = ctx;

	p->lineno = err->line;
	if (fault == MEDSEC_INI_LONG_LINE)
		fail_at(p, SEC_NONE, NULL, 0, "line too long");
	else if (fault == MEDSEC_INI_NO_KEY || fault == MEDSEC_INI_BAD_KEY)
		fail_at(p, SEC_NONE, text, len, "invalid key name");
}

static int
id_syntax_ok(const char *s, size_t n)
{
	size_t i = 0, a = 0, b = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, a++;
	if (i >= n || s[i++] != '.')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, b++;
	return i == n && a >= 1 && a <= 3 && b >= 1 && b <= 3;
}

static int
add_declaration(struct parse *p, const char *name, const char *v,
    size_t vlen)
{
	struct medsec_profile *pr = &p->prof;
	struct medsec_profile_decl *d;
	size_t n = strlen(name), i;
	char msg[128];

	if (!id_syntax_ok(name, n))
		return fail_at(p, SEC_IMPLEMENTATION, name, n, "expected a "
		    "requirement id such as 1.18 as the key");
	for (i = 0; i < pr->n_decls; i++)
		if (strcmp(pr->decls[i].id, name) == 0) {
			snprintf(msg, sizeof(msg), "duplicate key (first set "
			    "on line %d)", pr->decls[i].line);
			return fail_at(p, SEC_IMPLEMENTATION, name, n, msg);
		}
	if (pr->n_decls >= MEDSEC_PROFILE_DECL_MAX)
		return fail_at(p, SEC_IMPLEMENTATION, name, n,
		    "too many declarations");
	if (vlen == 0)
		return fail_at(p, SEC_IMPLEMENTATION, name, n, "empty value");
	if (!cmp_text_ok(v, vlen)) {
		char shown[48];

		medsec_ini_excerpt(shown, sizeof(shown), v, vlen);
		snprintf(msg, sizeof(msg), "value '%s': control characters or "
		    "invalid UTF-8", shown);
		return fail_at(p, SEC_IMPLEMENTATION, name, n, msg);
	}
	d = &pr->decls[pr->n_decls++];
	medsec_ini_copy(d->id, sizeof(d->id), name, n);
	d->line = p->lineno;
	medsec_ini_copy(d->text, sizeof(d->text), v, vlen);
	return MEDSEC_OK;
}

static int add_applicability(struct parse *, const char *, const char *,
    size_t);

static int
on_key(void *ctx, const char *section, const char *name, const char *value,
    size_t vallen, int line)
{
	struct parse *p = ctx;
	enum section sec = section_of(section, strlen(section));
	const struct key_def *k = NULL;
	char msg[64];
	size_t i;

	p->lineno = line;
	if (sec == SEC_NONE)
		return fail_at(p, SEC_NONE, name, strlen(name),
		    "key outside any section");
	if (sec == SEC_IMPLEMENTATION)
		return add_declaration(p, name, value, vallen);
	if (sec == SEC_APPLICABILITY)
		return add_applicability(p, name, value, vallen);
	for (i = 0; i < NKEYS; i++)
		if (keys[i].section == sec && strcmp(keys[i].name, name) == 0) {
			k = &keys[i];
			break;
		}
	if (k == NULL)
		return fail_at(p, sec, name, strlen(name), "unknown key");
	if (p->first_line[i] != 0) {
		snprintf(msg, sizeof(msg), "duplicate key (first set on line "
		    "%d)", p->first_line[i]);
		return fail_at(p, sec, name, strlen(name), msg);
	}
	p->first_line[i] = line;
	if (vallen == 0 && !k->empty_ok)
		return fail_at(p, sec, name, strlen(name), "empty value");
	return k->set(p, k, value, vallen);
}

static const struct medsec_ini_handler ini_handler = {
	"profile", on_section, on_key, on_fault
};

static int
bad(struct parse *p, const struct key_def *k, const char *msg)
{
	return fail_at(p, k->section, k->name, strlen(k->name), msg);
}

/*
 * Refuses what was written for key k: "<what> '<value>'; <hint>", the
 * value shortened and with control and non-ASCII bytes shown as '?', so
 * the reader sees the offending text without it reaching a terminal raw.
 */
static int
bad_value(struct parse *p, const struct key_def *k, const char *what,
    const char *v, size_t n, const char *hint)
{
	char shown[48], msg[sizeof(p->err->message)];

	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	snprintf(msg, sizeof(msg), "%s '%s'%s%s", what, shown,
	    hint != NULL ? "; " : "", hint != NULL ? hint : "");
	return bad(p, k, msg);
}

static int
set_text(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	char *dst = (char *)&p->prof + k->off, hint[48];

	if (n >= k->size) {
		snprintf(hint, sizeof(hint), "longer than %zu bytes",
		    k->size - 1);
		return bad_value(p, k, "value", v, n, hint);
	}
	if (!cmp_text_ok(v, n))
		return bad_value(p, k, "value", v, n, "control characters or "
		    "invalid UTF-8");
	medsec_ini_copy(dst, k->size, v, n);
	if (strcmp(k->name, "threat_model") == 0)
		p->prof.more.threat_model_line = p->lineno;
	return MEDSEC_OK;
}

static int
set_class(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	if (n != 1 || v[0] < '1' || v[0] > '4')
		return bad_value(p, k, "MFDS class", v, n,
		    "expected 1, 2, 3 or 4");
	p->prof.device_class = v[0] - '0';
	return MEDSEC_OK;
}

static int
set_yesno(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	int yes;

	if (n == 3 && memcmp(v, "yes", 3) == 0)
		yes = 1;
	else if (n == 2 && memcmp(v, "no", 2) == 0)
		yes = 0;
	else
		return bad_value(p, k, "value", v, n, "expected yes or no");
	if (strcmp(k->name, "implantable") == 0)
		p->prof.implantable = yes;
	else if (strcmp(k->name, "ai") == 0)
		p->prof.more.ai = yes;
	else
		p->prof.public_network = yes;
	return MEDSEC_OK;
}

/*
 * The comma that ends the item starting at v, or NULL: a comma inside
 * parentheses belongs to the item ("Ethernet (DICOM, HL7)" is one
 * technology). *unbalanced is set for a ')' without its '(' or a '('
 * left open.
 */
static const char *
item_end(const char *v, size_t n, int *unbalanced)
{
	size_t i, depth = 0;

	*unbalanced = 0;
	for (i = 0; i < n; i++) {
		if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && depth-- == 0)
			break;
		else if (v[i] == ',' && depth == 0)
			return v + i;
	}
	*unbalanced = i < n || depth != 0;
	return NULL;
}

/*
 * Calls each() for every comma-separated, trimmed item of a list value.
 * An empty item (",," or a trailing comma) is an error.
 */
static int
each_item(struct parse *p, const struct key_def *k, const char *v, size_t n,
    int (*each)(struct parse *, const struct key_def *, const char *,
    size_t))
{
	const char *list = v, *s, *c;
	size_t listlen = n, len;
	int r, unbalanced;

	while (n > 0) {
		c = item_end(v, n, &unbalanced);
		if (unbalanced)
			return bad_value(p, k, "list", list, listlen,
			    "unbalanced parentheses");
		len = c != NULL ? (size_t)(c - v) : n;
		s = v;
		medsec_ini_trim(&s, &len);
		if (len == 0 || (c != NULL && (size_t)(c - v) + 1 == n))
			return bad_value(p, k, "empty item in list", list,
			    listlen, NULL);
		if ((r = each(p, k, s, len)) != MEDSEC_OK)
			return r;
		if (c == NULL)
			break;
		n -= (size_t)(c - v) + 1;
		v = c + 1;
	}
	return MEDSEC_OK;
}

static int
lookup(const struct word *w, const char *s, size_t n, unsigned *bit)
{
	for (; w->name != NULL; w++)
		if (strlen(w->name) == n && memcmp(w->name, s, n) == 0) {
			*bit = w->bit;
			return 1;
		}
	return 0;
}

static int
one_function(struct parse *p, const struct key_def *k, const char *s,
    size_t n)
{
	unsigned bit;

	if (!lookup(functions, s, n, &bit))
		return bad_value(p, k, "unknown function", s, n, "expected "
		    "surgery, radiation-therapy, life-support, defibrillation, "
		    "vital-sign-alarm, vital-sign-transmission, measurement, "
		    "analysis-diagnosis, treatment or none");
	if (p->prof.functions & bit)
		return bad_value(p, k, "function", s, n, "listed twice");
	p->prof.functions |= bit;
	return MEDSEC_OK;
}

static int
set_functions(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	int r;

	p->prof.more.functions_line = p->lineno;
	if ((r = each_item(p, k, v, n, one_function)) != MEDSEC_OK)
		return r;
	if ((p->prof.functions & MEDSEC_FN_NONE) &&
	    p->prof.functions != MEDSEC_FN_NONE)
		return bad(p, k, "'none' cannot be combined with functions");
	return MEDSEC_OK;
}

static int
set_harm(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	unsigned bit;

	if (!lookup(harms, v, n, &bit))
		return bad_value(p, k, "unknown harm level", v, n, "expected "
		    "death-or-serious-injury, temporary-injury or "
		    "temporary-discomfort");
	p->prof.worst_harm = (enum medsec_harm)bit;
	p->prof.more.harm_line = p->lineno;
	return MEDSEC_OK;
}

static int
one_technology(struct parse *p, const struct key_def *k, const char *s,
    size_t n)
{
	struct medsec_profile *pr = &p->prof;

	if (n == 4 && memcmp(s, "none", 4) == 0)
		return MEDSEC_OK;
	if (pr->n_technologies >= MEDSEC_PROFILE_TECH_MAX)
		return bad_value(p, k, "technology", s, n,
		    "more than 16 technologies");
	if (n >= MEDSEC_PROFILE_TEXT_MAX)
		return bad_value(p, k, "technology", s, n,
		    "longer than 127 bytes");
	if (!cmp_text_ok(s, n))
		return bad_value(p, k, "technology", s, n,
		    "control characters or invalid UTF-8");
	medsec_ini_copy(pr->technologies[pr->n_technologies++],
	    MEDSEC_PROFILE_TEXT_MAX, s, n);
	return MEDSEC_OK;
}

static int
set_technologies(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	return each_item(p, k, v, n, one_technology);
}

static int
one_purpose(struct parse *p, const struct key_def *k, const char *s,
    size_t n)
{
	unsigned bit;

	if (!lookup(purposes, s, n, &bit))
		return bad_value(p, k, "unknown purpose", s, n, "expected "
		    "health-records, control, maintenance or none");
	if (bit != 0 && (p->prof.purposes & bit))
		return bad_value(p, k, "purpose", s, n, "listed twice");
	p->prof.purposes |= bit;
	return MEDSEC_OK;
}

static int
set_purposes(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	return each_item(p, k, v, n, one_purpose);
}

static int
set_form(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	unsigned bit;

	if (!lookup(forms, v, n, &bit))
		return bad_value(p, k, "unknown form", v, n, "expected device "
		    "or standalone-software");
	p->prof.more.standalone_software = bit != 0;
	return MEDSEC_OK;
}

static int
set_category(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	char key[sizeof(p->prof.more.category)];

	if (n >= sizeof(key))
		return bad_value(p, k, "unknown device category", v, n,
		    "see docs/compliance/profile.md for the Table 2 list");
	medsec_ini_copy(key, sizeof(key), v, n);
	if (strcmp(key, "other") != 0 &&
	    medsec_category_floor(key) == MEDSEC_LEVEL_NONE)
		return bad_value(p, k, "unknown device category", v, n,
		    "use a Table 2 category (docs/compliance/profile.md) or "
		    "'other'");
	memcpy(p->prof.more.category, key, sizeof(key));
	p->prof.more.category_line = p->lineno;
	return MEDSEC_OK;
}

static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A calendar date, YYYY-MM-DD, that exists. */
static int
date_ok(const char *v, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int y, m, d;

	if (n != 10 || v[4] != '-' || v[7] != '-')
		return 0;
	y = digits(v, 4);
	m = digits(v + 5, 2);
	d = digits(v + 8, 2);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return 0;
	return 1;
}

static int
set_date(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	if (!date_ok(v, n))
		return bad_value(p, k, "date", v, n, "expected a calendar date "
		    "YYYY-MM-DD");
	if (strcmp(k->name, "end_of_support") == 0)
		p->prof.more.legacy.line = p->lineno;
	return set_text(p, k, v, n);
}

/* applicant_role and application: one word of a short list. */
static int
set_word(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	static const char *const roles[] = { "manufacturer", "importer",
		NULL };
	static const char *const types[] = { "approval", "certification",
		"notification", NULL };
	const char *const *w = strcmp(k->name, "applicant_role") == 0 ?
	    roles : types;
	size_t i;

	for (i = 0; w[i] != NULL; i++)
		if (strlen(w[i]) == n && memcmp(w[i], v, n) == 0)
			return set_text(p, k, v, n);
	return bad_value(p, k, "value", v, n, w == roles ? "expected "
	    "manufacturer or importer" : "expected approval (허가), "
	    "certification (인증) or notification (신고)");
}

static int
risk_grade(char c)
{
	return c == 'A' ? 0 : c == 'R' ? 1 : c == 'U' ? 2 : -1;
}

/*
 * The acceptance matrix: three rows (severity 1-3) of three letters
 * (exploitability 1-3), A acceptable, R acceptable only with verified
 * controls, U unacceptable. A cell may not be more acceptable than one of
 * lower severity or exploitability: the matrix must be monotonic.
 */
static int
set_matrix(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	int s, e, g;

	if (n != 11 || v[3] != '/' || v[7] != '/')
		return bad_value(p, k, "acceptance matrix", v, n, "expected "
		    "three rows of A, R or U such as AAR/ARU/RUU");
	for (s = 0; s < 3; s++)
		for (e = 0; e < 3; e++) {
			if ((g = risk_grade(v[s * 4 + e])) < 0)
				return bad_value(p, k, "acceptance matrix", v,
				    n, "cells are A, R or U");
			if ((e > 0 && g < risk_grade(v[s * 4 + e - 1])) ||
			    (s > 0 && g < risk_grade(v[(s - 1) * 4 + e])))
				return bad_value(p, k, "acceptance matrix", v,
				    n, "a higher severity or exploitability "
				    "cannot be more acceptable");
		}
	return set_text(p, k, v, n);
}

/* "Name, title": the name is required, the title optional. */
static int
set_signer(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	struct medsec_profile_signer *sg =
	    (struct medsec_profile_signer *)((char *)&p->prof + k->off);
	const char *comma = memchr(v, ',', n), *t;
	size_t nlen = comma != NULL ? (size_t)(comma - v) : n, tlen;
	const char *name = v;

	medsec_ini_trim(&name, &nlen);
	if (nlen == 0 || nlen >= sizeof(sg->name) || !cmp_text_ok(v, n))
		return bad_value(p, k, "signer", v, n, "expected 'Name, title' "
		    "in UTF-8 text, the name under 128 bytes");
	medsec_ini_copy(sg->name, sizeof(sg->name), name, nlen);
	if (comma == NULL)
		return MEDSEC_OK;
	t = comma + 1;
	tlen = n - (size_t)(t - v);
	medsec_ini_trim(&t, &tlen);
	if (tlen >= sizeof(sg->title))
		return bad_value(p, k, "signer", v, n, "title longer than 127 "
		    "bytes");
	medsec_ini_copy(sg->title, sizeof(sg->title), t, tlen);
	return MEDSEC_OK;
}

const char *
medsec_basis_name(enum medsec_basis b)
{
	return word_name(bases, (unsigned)b);
}

const struct medsec_profile_applic *
medsec_profile_applicability(const struct medsec_profile *p, const char *id)
{
	size_t i;

	if (p == NULL || id == NULL)
		return NULL;
	for (i = 0; i < p->more.n_applic; i++)
		if (strcmp(p->more.applic[i].id, id) == 0)
			return &p->more.applic[i];
	return NULL;
}

static int
applic_fail(struct parse *p, const char *id, const char *v, size_t n,
    const char *what)
{
	char shown[48], msg[sizeof(p->err->message)];

	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	snprintf(msg, sizeof(msg), "'%s': %s", shown, what);
	return fail_at(p, SEC_APPLICABILITY, id, strlen(id), msg);
}

/* "(basis[ reference])" after not-applied; s is past the '('. */
static int
applic_basis(struct parse *p, struct medsec_profile_applic *a,
    const char *v, size_t vlen, const char *s, size_t n)
{
	const char *ref;
	size_t wlen, rlen;
	unsigned bit;

	for (wlen = 0; wlen < n && s[wlen] != ' '; wlen++)
		;
	if (!lookup(bases, s, wlen, &bit))
		return applic_fail(p, a->id, v, vlen, "unknown basis; expected "
		    "implantable, standalone-software, condition or "
		    "risk-analysis DOCUMENT");
	a->basis = (enum medsec_basis)bit;
	ref = s + wlen;
	rlen = n - wlen;
	medsec_ini_trim(&ref, &rlen);
	if (a->basis == MEDSEC_BASIS_RISK_ANALYSIS && rlen == 0)
		return applic_fail(p, a->id, v, vlen, "risk-analysis needs the "
		    "document (and hazard) it rests on, e.g. (risk-analysis "
		    "RM-001 H-12)");
	if (a->basis != MEDSEC_BASIS_RISK_ANALYSIS && rlen != 0)
		return applic_fail(p, a->id, v, vlen, "only risk-analysis takes "
		    "a document after the basis");
	if (rlen >= sizeof(a->reference))
		return applic_fail(p, a->id, v, vlen, "document reference "
		    "longer than 127 bytes");
	medsec_ini_copy(a->reference, sizeof(a->reference), ref, rlen);
	return MEDSEC_OK;
}

/*
 * "<item> = applied: reason" or "<item> = not-applied[ (basis)]: reason".
 * Whether the basis suffices is the classification's question: it needs
 * the level and the item.
 */
static int
add_applicability(struct parse *p, const char *id, const char *v,
    size_t vlen)
{
	struct medsec_profile_more *m = &p->prof.more;
	struct medsec_profile_applic *a;
	const char *colon, *s, *close, *reason;
	size_t n = strlen(id), i, hlen, rlen;
	char msg[64];
	int r;

	if (!id_syntax_ok(id, n))
		return fail_at(p, SEC_APPLICABILITY, id, n, "expected a "
		    "requirement id such as 1.18 as the key");
	for (i = 0; i < m->n_applic; i++)
		if (strcmp(m->applic[i].id, id) == 0) {
			snprintf(msg, sizeof(msg), "duplicate key (first set "
			    "on line %d)", m->applic[i].line);
			return fail_at(p, SEC_APPLICABILITY, id, n, msg);
		}
	if (m->n_applic >= MEDSEC_PROFILE_DECL_MAX)
		return fail_at(p, SEC_APPLICABILITY, id, n, "too many "
		    "decisions");
	a = &m->applic[m->n_applic];
	memset(a, 0, sizeof(*a));
	medsec_ini_copy(a->id, sizeof(a->id), id, n);
	a->line = p->lineno;
	if (!cmp_text_ok(v, vlen))
		return applic_fail(p, id, v, vlen, "control characters or "
		    "invalid UTF-8");
	if ((colon = memchr(v, ':', vlen)) == NULL)
		return applic_fail(p, id, v, vlen, "expected 'applied: reason' "
		    "or 'not-applied (basis): reason'");
	s = v;
	hlen = (size_t)(colon - v);
	medsec_ini_trim(&s, &hlen);
	if (hlen == 7 && memcmp(s, "applied", 7) == 0)
		a->decision = MEDSEC_DECIDE_APPLIED;
	else if (hlen >= 11 && memcmp(s, "not-applied", 11) == 0) {
		a->decision = MEDSEC_DECIDE_NOT_APPLIED;
		s += 11;
		hlen -= 11;
		medsec_ini_trim(&s, &hlen);
		if (hlen > 0) {
			close = s + hlen - 1;
			if (s[0] != '(' || *close != ')')
				return applic_fail(p, id, v, vlen, "the basis "
				    "goes in parentheses: not-applied "
				    "(standalone-software): reason");
			if ((r = applic_basis(p, a, v, vlen, s + 1,
			    hlen - 2)) != MEDSEC_OK)
				return r;
		}
	} else
		return applic_fail(p, id, v, vlen, "decision must be applied "
		    "or not-applied");
	reason = colon + 1;
	rlen = vlen - (size_t)(reason - v);
	medsec_ini_trim(&reason, &rlen);
	if (rlen == 0)
		return applic_fail(p, id, v, vlen, "the reason is missing "
		    "after ':' (Table 4 asks for it)");
	medsec_ini_copy(a->reason, sizeof(a->reason), reason, rlen);
	m->n_applic++;
	return MEDSEC_OK;
}

/* Required keys, checked once the whole text is read. */
static int
check_complete(struct parse *p)
{
	if (p->device_line == 0) {
		p->lineno = 1;
		fail_at(p, SEC_DEVICE, "class", 5, "no [device] section; it "
		    "must give the MFDS class (1-4)");
		return MEDSEC_ERR_CONFIG;
	}
	if (p->prof.device_class == 0) {
		/* The line of the section the key belongs in. */
		p->lineno = p->device_line;
		fail_at(p, SEC_DEVICE, "class", 5, "missing key: the [device] "
		    "section must give the MFDS class (1-4)");
		return MEDSEC_ERR_CONFIG;
	}
	return MEDSEC_OK;
}

int
medsec_profile_parse(const char *name, const char *text, size_t len,
    struct medsec_profile *prof, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct parse *p = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = medsec_ini_begin(name, text, len, prof != NULL, &err,
	    &scratch)) != MEDSEC_OK)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "out of memory");
		return MEDSEC_ERR_NOMEM;
	}
	p->err = err;
	p->prof.public_network = -1;
	if (name != NULL)
		medsec_ini_copy(p->prof.source, sizeof(p->prof.source), name,
		    strlen(name));
	if ((r = medsec_ini_parse(text, len, MEDSEC_CONFIG_LINE_MAX,
	    &ini_handler, p, err)) != MEDSEC_OK)
		goto out;
	if ((r = check_complete(p)) != MEDSEC_OK)
		goto out;
	p->prof.more.device_line = p->device_line;
	*prof = p->prof;
	r = MEDSEC_OK;
out:
	free(p);
	return r;
}

int
medsec_profile_load(const char *path, struct medsec_profile *prof,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, path);
	if (path == NULL || prof == NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	r = medsec_io_read_file(path, MEDSEC_CONFIG_FILE_MAX, 0, &buf, &len);
	switch (r) {
	case MEDSEC_OK:
		break;
	case MEDSEC_ERR_TOO_LARGE:
		medsec_ini_err(err, 0, NULL, NULL, "file larger than %d bytes",
		    MEDSEC_CONFIG_FILE_MAX);
		r = MEDSEC_ERR_CONFIG;
		goto out;
	case MEDSEC_ERR_NOT_FOUND:
		medsec_ini_err(err, 0, NULL, NULL, "no such file");
		goto out;
	default:
		medsec_ini_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(r));
		goto out;
	}
	r = medsec_profile_parse(path, (const char *)buf, len, prof, err);
out:
	free(buf);
	return r;
}
