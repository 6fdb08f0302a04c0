/*
 * The device profile: INI text parsed with inih into struct
 * medsec_profile, as strictly as the configuration file: inih is fed
 * through the line reader of core/ini.h, so every error names its line
 * and no text is truncated or reinterpreted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "core/ini.h"
#include "io/io.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

enum section { SEC_NONE, SEC_DEVICE, SEC_COMMUNICATION, SEC_IMPLEMENTATION };

struct parse;

struct key_def {
	enum section section;
	const char *name;
	int (*set)(struct parse *, const struct key_def *, const char *,
	    size_t);
	int empty_ok;
};

#define NKEYS 10

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

static const char *const section_names[] = { "", "device", "communication",
	"implementation" };

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

static const struct key_def keys[] = {
	{ SEC_DEVICE, "name", set_text, 0 },
	{ SEC_DEVICE, "model", set_text, 0 },
	{ SEC_DEVICE, "manufacturer", set_text, 0 },
	{ SEC_DEVICE, "class", set_class, 0 },
	{ SEC_DEVICE, "implantable", set_yesno, 0 },
	{ SEC_DEVICE, "functions", set_functions, 0 },
	{ SEC_DEVICE, "worst_harm", set_harm, 0 },
	{ SEC_COMMUNICATION, "technologies", set_technologies, 1 },
	{ SEC_COMMUNICATION, "purposes", set_purposes, 1 },
	{ SEC_COMMUNICATION, "public_network", set_yesno, 0 },
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
		    "expected [device], [communication] or [implementation]");
	if (sec == SEC_DEVICE && p->device_line == 0)
		p->device_line = line;
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
	char *dst;

	if (strcmp(k->name, "name") == 0)
		dst = p->prof.name;
	else if (strcmp(k->name, "model") == 0)
		dst = p->prof.model;
	else
		dst = p->prof.manufacturer;
	if (n >= MEDSEC_PROFILE_TEXT_MAX)
		return bad_value(p, k, "value", v, n, "longer than 127 bytes");
	if (!cmp_text_ok(v, n))
		return bad_value(p, k, "value", v, n, "control characters or "
		    "invalid UTF-8");
	medsec_ini_copy(dst, MEDSEC_PROFILE_TEXT_MAX, v, n);
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
