/*
 * The device profile: INI text parsed with inih into struct
 * medsec_profile, as strictly as the configuration file.
 *
 * inih (libinih 55) reads lines into a 200-byte buffer, truncates longer
 * ones, joins indented lines and does not pass the line number to the
 * handler. As in src/lib/config/config.c, inih is therefore fed through
 * our own ini_reader: each call checks one line, keeps its value aside
 * and gives inih only "[section]", "key=" or an empty line. inih keeps
 * track of sections and duplicates nothing of ours; the handler takes
 * the value and the line number from the reader, so every error names
 * its line and no text is truncated or reinterpreted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "compliance/compliance_int.h"
#include "io/io.h"
#include "medsec/compliance.h"
#include "medsec/err.h"

#define KEY_NAME_MAX 40

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
	const char *text;
	size_t len;
	size_t pos;
	int lineno;
	const char *val;
	size_t vallen;
	int device_line;	/* line of the first [device] header */
	int first_line[NKEYS];
	int failed;
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

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int
is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static void
trim(const char **sp, size_t *np)
{
	const char *s = *sp;
	size_t n = *np;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	*sp = s;
	*np = n;
}

/* A comment starts with ';' or '#' at the start or after whitespace. */
static size_t
strip_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] == ';' || s[i] == '#') &&
		    (i == 0 || is_space(s[i - 1])))
			return i;
	return n;
}

/* Records an error about the current line; key is "section.key". */
static void
fail_at(struct parse *p, enum section sec, const char *key, size_t keylen,
    const char *msg)
{
	char k[sizeof(p->err->key)], shown[KEY_NAME_MAX + 8];

	cmp_excerpt(shown, sizeof(shown), key != NULL ? key : "",
	    key != NULL ? keylen : 0);
	if (sec != SEC_NONE && key != NULL)
		snprintf(k, sizeof(k), "%s.%s", section_names[sec], shown);
	else
		snprintf(k, sizeof(k), "%s", shown);
	cmp_err_set(p->err, p->lineno, k, "%s", msg);
	p->failed = 1;
}

/* No NUL byte (inih would stop there) and no over-long line. */
static int
prescan(struct parse *p)
{
	size_t i, start = 0, linelen;

	p->lineno = 1;
	for (i = 0; i <= p->len; i++) {
		if (i < p->len && p->text[i] == '\0') {
			fail_at(p, SEC_NONE, NULL, 0, "NUL byte in profile");
			return MEDSEC_ERR_CONFIG;
		}
		if (i < p->len && p->text[i] != '\n')
			continue;
		linelen = i - start;
		if (linelen > 0 && p->text[i - 1] == '\r')
			linelen--;
		if (linelen > MEDSEC_CONFIG_LINE_MAX) {
			fail_at(p, SEC_NONE, NULL, 0, "line too long");
			return MEDSEC_ERR_CONFIG;
		}
		start = i + 1;
		p->lineno++;
	}
	p->lineno = 0;
	return MEDSEC_OK;
}

/* Writes a short normalised line for inih. */
static char *
deliver(char *str, int num, const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (num < 0 || alen + blen + 3 > (size_t)num)
		return NULL;
	memcpy(str, a, alen);
	memcpy(str + alen, b, blen);
	str[alen + blen] = '\n';
	str[alen + blen + 1] = '\0';
	return str;
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

static char *
read_section(struct parse *p, char *str, int num, const char *s, size_t n)
{
	const char *end, *after;
	size_t namelen, afterlen;
	enum section sec;

	if ((end = memchr(s, ']', n)) == NULL) {
		fail_at(p, SEC_NONE, NULL, 0,
		    "section header without closing ']'");
		return NULL;
	}
	namelen = (size_t)(end - s - 1);
	after = end + 1;
	afterlen = strip_comment(after, n - (size_t)(after - s));
	trim(&after, &afterlen);
	if (afterlen != 0) {
		fail_at(p, SEC_NONE, NULL, 0,
		    "unexpected text after section header");
		return NULL;
	}
	if ((sec = section_of(s + 1, namelen)) == SEC_NONE) {
		fail_at(p, SEC_NONE, s + 1, namelen, "unknown section; "
		    "expected [device], [communication] or [implementation]");
		return NULL;
	}
	if (sec == SEC_DEVICE && p->device_line == 0)
		p->device_line = p->lineno;
	return deliver(str, num, s, namelen + 2, "");
}

static char *
read_key(struct parse *p, char *str, int num, const char *s, size_t n)
{
	const char *eq, *k = s, *v;
	size_t i, klen, vlen;

	if ((eq = memchr(s, '=', n)) == NULL) {
		fail_at(p, SEC_NONE, NULL, 0, "expected 'key = value'");
		return NULL;
	}
	klen = (size_t)(eq - s);
	trim(&k, &klen);
	for (i = 0; i < klen && is_key_char(k[i]); i++)
		;
	if (klen == 0 || i < klen || klen > KEY_NAME_MAX) {
		fail_at(p, SEC_NONE, k, klen, "invalid key name");
		return NULL;
	}
	v = eq + 1;
	vlen = strip_comment(v, n - (size_t)(v - s));
	trim(&v, &vlen);
	p->val = v;
	p->vallen = vlen;
	return deliver(str, num, k, klen, "=");
}

/* The ini_reader: one normalised line per call; NULL after an error. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *s, *nl;
	size_t n;

	if (p->failed || p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl != NULL ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl != NULL);
	p->lineno++;
	p->val = NULL;
	p->vallen = 0;
	if (p->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	trim(&s, &n);
	if (n == 0 || *s == ';' || *s == '#')
		str = deliver(str, num, "", 0, "");
	else if (*s == '[')
		str = read_section(p, str, num, s, n);
	else
		str = read_key(p, str, num, s, n);
	if (str == NULL && !p->failed)
		fail_at(p, SEC_NONE, NULL, 0, "internal parser error");
	return str;
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
add_declaration(struct parse *p, const char *name)
{
	struct medsec_profile *pr = &p->prof;
	struct medsec_profile_decl *d;
	size_t n = strlen(name), i;
	char msg[96];

	if (!id_syntax_ok(name, n)) {
		fail_at(p, SEC_IMPLEMENTATION, name, n, "expected a "
		    "requirement id such as 1.18 as the key");
		return 0;
	}
	for (i = 0; i < pr->n_decls; i++)
		if (strcmp(pr->decls[i].id, name) == 0) {
			snprintf(msg, sizeof(msg), "duplicate key (first set "
			    "on line %d)", pr->decls[i].line);
			fail_at(p, SEC_IMPLEMENTATION, name, n, msg);
			return 0;
		}
	if (pr->n_decls >= MEDSEC_PROFILE_DECL_MAX) {
		fail_at(p, SEC_IMPLEMENTATION, name, n,
		    "too many declarations");
		return 0;
	}
	if (p->vallen == 0 || !cmp_text_ok(p->val, p->vallen)) {
		fail_at(p, SEC_IMPLEMENTATION, name, n,
		    "empty value or control characters");
		return 0;
	}
	d = &pr->decls[pr->n_decls++];
	cmp_copy(d->id, sizeof(d->id), name, n);
	d->line = p->lineno;
	cmp_copy(d->text, sizeof(d->text), p->val, p->vallen);
	return 1;
}

static int
handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *p = user;
	enum section sec = section_of(section, strlen(section));
	const struct key_def *k = NULL;
	char msg[64];
	size_t i;

	(void)value; /* always "": the value is p->val */
	if (p->failed)
		return 0;
	if (sec == SEC_NONE) {
		fail_at(p, SEC_NONE, name, strlen(name),
		    "key outside any section");
		return 0;
	}
	if (sec == SEC_IMPLEMENTATION)
		return add_declaration(p, name);
	for (i = 0; i < NKEYS; i++)
		if (keys[i].section == sec && strcmp(keys[i].name, name) == 0) {
			k = &keys[i];
			break;
		}
	if (k == NULL) {
		fail_at(p, sec, name, strlen(name), "unknown key");
		return 0;
	}
	if (p->first_line[i] != 0) {
		snprintf(msg, sizeof(msg), "duplicate key (first set on line "
		    "%d)", p->first_line[i]);
		fail_at(p, sec, name, strlen(name), msg);
		return 0;
	}
	p->first_line[i] = p->lineno;
	if (p->vallen == 0 && !k->empty_ok) {
		fail_at(p, sec, name, strlen(name), "empty value");
		return 0;
	}
	return k->set(p, k, p->val, p->vallen) == MEDSEC_OK;
}

static int
bad(struct parse *p, const struct key_def *k, const char *msg)
{
	fail_at(p, k->section, k->name, strlen(k->name), msg);
	return MEDSEC_ERR_CONFIG;
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
		return bad(p, k, "value longer than 127 bytes");
	if (!cmp_text_ok(v, n))
		return bad(p, k, "control characters or invalid UTF-8");
	cmp_copy(dst, MEDSEC_PROFILE_TEXT_MAX, v, n);
	return MEDSEC_OK;
}

static int
set_class(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	if (n != 1 || v[0] < '1' || v[0] > '4')
		return bad(p, k, "MFDS class must be 1, 2, 3 or 4");
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
		return bad(p, k, "expected yes or no");
	if (strcmp(k->name, "implantable") == 0)
		p->prof.implantable = yes;
	else
		p->prof.public_network = yes;
	return MEDSEC_OK;
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
	const char *s, *c;
	size_t len;
	int r;

	while (n > 0) {
		c = memchr(v, ',', n);
		len = c != NULL ? (size_t)(c - v) : n;
		s = v;
		trim(&s, &len);
		if (len == 0)
			return bad(p, k, "empty list item");
		if ((r = each(p, k, s, len)) != MEDSEC_OK)
			return r;
		if (c == NULL)
			break;
		n -= (size_t)(c - v) + 1;
		v = c + 1;
		if (n == 0)
			return bad(p, k, "empty list item");
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
		return bad(p, k, "unknown function; expected surgery, "
		    "radiation-therapy, life-support, defibrillation, "
		    "vital-sign-alarm, vital-sign-transmission, measurement, "
		    "analysis-diagnosis, treatment or none");
	if (p->prof.functions & bit)
		return bad(p, k, "function listed twice");
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
		return bad(p, k, "expected death-or-serious-injury, "
		    "temporary-injury or temporary-discomfort");
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
		return bad(p, k, "more than 16 technologies");
	if (n >= MEDSEC_PROFILE_TEXT_MAX || !cmp_text_ok(s, n))
		return bad(p, k, "technology longer than 127 bytes or with "
		    "control characters");
	cmp_copy(pr->technologies[pr->n_technologies++],
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
		return bad(p, k, "unknown purpose; expected health-records, "
		    "control, maintenance or none");
	if (bit != 0 && (p->prof.purposes & bit))
		return bad(p, k, "purpose listed twice");
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
	int n, r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	cmp_err_clear(err, name);
	if (prof == NULL || (text == NULL && len > 0)) {
		cmp_err_set(err, 0, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	if (len > MEDSEC_CONFIG_FILE_MAX) {
		cmp_err_set(err, 0, NULL, "file larger than %d bytes",
		    MEDSEC_CONFIG_FILE_MAX);
		return MEDSEC_ERR_CONFIG;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		cmp_err_set(err, 0, NULL, "out of memory");
		return MEDSEC_ERR_NOMEM;
	}
	p->text = text;
	p->len = len;
	p->err = err;
	p->prof.public_network = -1;
	if (name != NULL)
		cmp_copy(p->prof.source, sizeof(p->prof.source), name,
		    strlen(name));
	if ((r = prescan(p)) != MEDSEC_OK)
		goto out;
	n = ini_parse_stream(reader, p, handler, p);
	if (p->failed) {
		r = MEDSEC_ERR_CONFIG;
		goto out;
	}
	if (n != 0) {
		/* Cannot happen with normalised lines; never ignore it. */
		cmp_err_set(err, n > 0 ? n : 0, NULL, "syntax error");
		r = MEDSEC_ERR_CONFIG;
		goto out;
	}
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
	cmp_err_clear(err, path);
	if (path == NULL || prof == NULL) {
		cmp_err_set(err, 0, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	r = medsec_io_read_file(path, MEDSEC_CONFIG_FILE_MAX, 0, &buf, &len);
	switch (r) {
	case MEDSEC_OK:
		break;
	case MEDSEC_ERR_TOO_LARGE:
		cmp_err_set(err, 0, NULL, "file larger than %d bytes",
		    MEDSEC_CONFIG_FILE_MAX);
		r = MEDSEC_ERR_CONFIG;
		goto out;
	case MEDSEC_ERR_NOT_FOUND:
		cmp_err_set(err, 0, NULL, "no such file");
		goto out;
	default:
		cmp_err_set(err, 0, NULL, "cannot read: %s",
		    medsec_strerror(r));
		goto out;
	}
	r = medsec_profile_parse(path, (const char *)buf, len, prof, err);
out:
	free(buf);
	return r;
}
