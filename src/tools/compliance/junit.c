/*
 * A strict reader for the JUnit XML that `ctest --output-junit` writes.
 *
 * Test results are evidence in a regulatory submission, so the reader
 * accepts only the small subset of XML those files use and refuses the
 * rest with file:line, instead of linking a general XML library whose
 * DTD and entity machinery nobody here needs. The tokenizer
 * (junit_xml.c) knows XML syntax; this file knows which JUnit elements
 * may nest where and what a test's outcome is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "compliance/junit_xml.h"
#include "io/io.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/* ---- JUnit ---- */

enum elem {
	E_NONE = 0,
	E_TESTSUITES,
	E_TESTSUITE,
	E_PROPERTIES,
	E_PROPERTY,
	E_TESTCASE,
	E_FAILURE,
	E_ERROR,
	E_SKIPPED,
	E_SYSOUT,
	E_SYSERR
};

static const struct {
	const char *name;
	enum elem e;
	unsigned parents; /* bit (1 << parent); bit 0 is the document */
	int text;	  /* may hold character data */
} elems[] = {
	{ "testsuites", E_TESTSUITES, 1u << E_NONE, 0 },
	{ "testsuite", E_TESTSUITE,
	    1u << E_NONE | 1u << E_TESTSUITES | 1u << E_TESTSUITE, 0 },
	{ "properties", E_PROPERTIES, 1u << E_TESTSUITE | 1u << E_TESTCASE, 0 },
	{ "property", E_PROPERTY, 1u << E_PROPERTIES, 1 },
	{ "testcase", E_TESTCASE, 1u << E_TESTSUITE, 0 },
	{ "failure", E_FAILURE, 1u << E_TESTCASE, 1 },
	{ "error", E_ERROR, 1u << E_TESTCASE, 1 },
	{ "skipped", E_SKIPPED, 1u << E_TESTCASE, 1 },
	{ "system-out", E_SYSOUT, 1u << E_TESTSUITE | 1u << E_TESTCASE, 1 },
	{ "system-err", E_SYSERR, 1u << E_TESTSUITE | 1u << E_TESTCASE, 1 },
};

struct open_elem {
	enum elem e;
	const char *name;
	size_t namelen;
	int line;
};

struct jparse {
	struct xml x;
	struct medsec_junit *j;
	size_t cap;
	size_t depth;
	struct open_elem stack[MEDSEC_JUNIT_DEPTH_MAX];
	int root_seen;
	int named; /* the first testsuite named the run */
	/* The open testcase: its index, status attribute and children. */
	size_t cur;
	char status[16];
	int has_failure, has_skipped, skip_by_test;
	/* The open testsuite's tests="" and the cases counted so far. */
	long suite_tests;
	size_t suite_first;
	int suite_line;
	char *value; /* MEDSEC_JUNIT_VALUE_MAX scratch for decoded values */
};

static enum elem
parent(const struct jparse *jp)
{
	return jp->depth == 0 ? E_NONE : jp->stack[jp->depth - 1].e;
}

/* Names a bad attribute value, quoting a printable excerpt of it. */
static int
bad_value(struct jparse *jp, const struct xtag *t, const char *name,
    const char *v, const char *why)
{
	char ex[48];

	medsec_ini_excerpt(ex, sizeof(ex), v, strlen(v));
	return xml_fail(&jp->x, t->line, "%s=\"%s\" %s", name, ex, why);
}

/* The decoded value of an attribute into jp->value; NULL if absent. */
static int
value(struct jparse *jp, const struct xtag *t, const char *name,
    const char **vp)
{
	const struct xattr *a = xml_attr_find(t, name);
	int r;

	*vp = NULL;
	if (a == NULL)
		return MEDSEC_OK;
	r = xml_decode(&jp->x, a->raw, a->rawlen, a->line, 1, jp->value,
	    MEDSEC_JUNIT_VALUE_MAX + 1);
	if (r == MEDSEC_OK)
		*vp = jp->value;
	return r;
}

/* A copy for the result, NULL for an empty value. */
static int
keep(const char *v, char **outp)
{
	*outp = NULL;
	if (v == NULL || v[0] == '\0')
		return MEDSEC_OK;
	return (*outp = strdup(v)) == NULL ? MEDSEC_ERR_NOMEM : MEDSEC_OK;
}

static int
number(struct jparse *jp, const struct xtag *t, const char *name, long *sum)
{
	const char *v;
	char *end;
	long n;
	int r;

	if ((r = value(jp, t, name, &v)) != MEDSEC_OK || v == NULL)
		return r;
	errno = 0;
	n = strtol(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
	    n > MEDSEC_JUNIT_CASES_MAX)
		return bad_value(jp, t, name, v, "is not a count");
	*sum = (*sum < 0 ? 0 : *sum) + n;
	return MEDSEC_OK;
}

/* Seconds: digits, one optional fraction, optional exponent. */
static int
seconds(struct jparse *jp, const struct xtag *t, double *out)
{
	const char *v;
	char *end;
	double d;
	int r;

	if ((r = value(jp, t, "time", &v)) != MEDSEC_OK || v == NULL)
		return r;
	if (v[0] < '0' || v[0] > '9' || strspn(v, "0123456789.eE+-") !=
	    strlen(v))
		return bad_value(jp, t, "time", v, "is not a number of "
		    "seconds");
	errno = 0;
	d = strtod(v, &end);
	if (*end != '\0' || errno != 0 || !(d >= 0 && d < 1e9))
		return bad_value(jp, t, "time", v, "is not a number of "
		    "seconds");
	*out = d;
	return MEDSEC_OK;
}

/* YYYY-MM-DDTHH:MM:SS, optional fraction, optional Z or +hh:mm. */
static int
timestamp_ok(const char *v)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	size_t i, n = strlen(v);

	if (n < sizeof(form) - 1)
		return 0;
	for (i = 0; i < sizeof(form) - 1; i++)
		if (form[i] == 'd' ? (v[i] < '0' || v[i] > '9') :
		    v[i] != form[i])
			return 0;
	if (v[i] == '.')
		for (i++; v[i] >= '0' && v[i] <= '9'; i++)
			;
	if (v[i] == 'Z')
		i++;
	else if ((v[i] == '+' || v[i] == '-') && n - i == 6 &&
	    v[i + 3] == ':')
		i += 6;
	return v[i] == '\0';
}

static int
start_suite(struct jparse *jp, const struct xtag *t)
{
	struct medsec_junit *j = jp->j;
	const char *v;
	long tests = -1;
	int r;

	if ((r = number(jp, t, "tests", &tests)) != 0 ||
	    (r = number(jp, t, "failures", &j->failures)) != 0 ||
	    (r = number(jp, t, "errors", &j->errors)) != 0 ||
	    (r = number(jp, t, "skipped", &j->skipped)) != 0 ||
	    (r = number(jp, t, "disabled", &j->disabled)) != 0)
		return r;
	if (tests >= 0)
		j->tests = (j->tests < 0 ? 0 : j->tests) + tests;
	jp->suite_tests = tests;
	jp->suite_first = j->n;
	jp->suite_line = t->line;
	/* The first suite names the run; later ones only add tests. */
	if (!jp->named) {
		jp->named = 1;
		if ((r = value(jp, t, "name", &v)) != 0 ||
		    (r = keep(v, &j->suite)) != 0 ||
		    (r = value(jp, t, "hostname", &v)) != 0 ||
		    (r = keep(v, &j->hostname)) != 0 ||
		    (r = value(jp, t, "timestamp", &v)) != 0)
			return r;
		if (v != NULL && v[0] != '\0' && !timestamp_ok(v))
			return bad_value(jp, t, "timestamp", v, "is not ISO "
			    "8601");
		if ((r = keep(v, &j->timestamp)) != 0 ||
		    (r = seconds(jp, t, &j->time)) != 0)
			return r;
	}
	return MEDSEC_OK;
}

static int
grow(struct jparse *jp)
{
	struct medsec_junit_case *c;
	size_t cap;

	if (jp->j->n < jp->cap)
		return MEDSEC_OK;
	if (jp->j->n >= MEDSEC_JUNIT_CASES_MAX)
		return xml_fail(&jp->x, jp->x.line, "more than %d test cases",
		    MEDSEC_JUNIT_CASES_MAX);
	cap = jp->cap == 0 ? 64 : jp->cap * 2;
	if ((c = realloc(jp->j->cases, cap * sizeof(*c))) == NULL)
		return MEDSEC_ERR_NOMEM;
	jp->j->cases = c;
	jp->cap = cap;
	return MEDSEC_OK;
}

static int
start_case(struct jparse *jp, const struct xtag *t)
{
	struct medsec_junit_case *c;
	const char *v;
	int r;

	if ((r = grow(jp)) != MEDSEC_OK)
		return r;
	jp->cur = jp->j->n;
	c = &jp->j->cases[jp->j->n++];
	memset(c, 0, sizeof(*c));
	c->time = -1;
	jp->has_failure = jp->has_skipped = jp->skip_by_test = 0;
	if ((r = value(jp, t, "name", &v)) != MEDSEC_OK)
		return r;
	if (v == NULL || v[0] == '\0' || strlen(v) > MEDSEC_JUNIT_NAME_MAX ||
	    !cmp_text_ok(v, strlen(v)))
		return xml_fail(&jp->x, t->line,
		    "testcase needs a name of 1-%d "
		    "printable characters", MEDSEC_JUNIT_NAME_MAX);
	if ((r = keep(v, &c->name)) != 0 ||
	    (r = value(jp, t, "classname", &v)) != 0 ||
	    (r = keep(v, &c->classname)) != 0 ||
	    (r = seconds(jp, t, &c->time)) != 0 ||
	    (r = value(jp, t, "status", &v)) != 0)
		return r;
	jp->status[0] = '\0';
	if (v != NULL && strcmp(v, "run") != 0 && strcmp(v, "fail") != 0 &&
	    strcmp(v, "notrun") != 0 && strcmp(v, "disabled") != 0)
		return bad_value(jp, t, "status", v, "is not one of run, "
		    "fail, notrun, disabled");
	if (v != NULL)
		medsec_ini_copy(jp->status, sizeof(jp->status), v, strlen(v));
	return MEDSEC_OK;
}

/* <failure>, <error>, <skipped>: the outcome and its message. */
static int
start_outcome(struct jparse *jp, const struct xtag *t, enum elem e)
{
	struct medsec_junit_case *c = &jp->j->cases[jp->cur];
	const char *v;
	int r;

	if ((r = value(jp, t, "message", &v)) != MEDSEC_OK)
		return r;
	if (e == E_SKIPPED) {
		jp->has_skipped = 1;
		/* ctest: SKIP_RETURN_CODE / SKIP_REGULAR_EXPRESSION. */
		jp->skip_by_test = v != NULL && strncmp(v, "SKIP_", 5) == 0;
	} else
		jp->has_failure = 1;
	if (c->message == NULL && (r = keep(v, &c->message)) != MEDSEC_OK)
		return r;
	return MEDSEC_OK;
}

static void
end_case(struct jparse *jp)
{
	struct medsec_junit_case *c = &jp->j->cases[jp->cur];
	int notrun = strcmp(jp->status, "notrun") == 0 ||
	    strcmp(jp->status, "disabled") == 0;

	if (jp->has_failure || strcmp(jp->status, "fail") == 0)
		c->status = MEDSEC_TEST_FAIL;
	else if (notrun)
		c->status = jp->skip_by_test ? MEDSEC_TEST_SKIP :
		    MEDSEC_TEST_NOTRUN;
	else if (jp->has_skipped)
		c->status = MEDSEC_TEST_SKIP;
	else
		c->status = MEDSEC_TEST_PASS;
}

static int
end_suite(struct jparse *jp)
{
	size_t held = jp->j->n - jp->suite_first;

	/* A suite that lost test cases (a cut or edited file) says so. */
	if (jp->suite_tests >= 0 && (size_t)jp->suite_tests != held)
		return xml_fail(&jp->x, jp->suite_line, "testsuite says "
		    "tests=\"%ld\" but holds %zu testcase elements",
		    jp->suite_tests, held);
	jp->suite_tests = -1;
	return MEDSEC_OK;
}

static int
on_start(struct jparse *jp, const struct xtag *t)
{
	enum elem p = parent(jp), e = E_NONE;
	size_t i;
	int r = MEDSEC_OK;

	for (i = 0; i < sizeof(elems) / sizeof(elems[0]); i++)
		if (t->namelen == strlen(elems[i].name) &&
		    memcmp(t->name, elems[i].name, t->namelen) == 0)
			break;
	if (i == sizeof(elems) / sizeof(elems[0]) ||
	    (elems[i].parents & (1u << p)) == 0)
		return xml_fail(&jp->x, t->line, "unexpected element <%.*s> %s",
		    (int)t->namelen, t->name, p == E_NONE ? "at the top" :
		    "here");
	if (p == E_NONE && jp->root_seen)
		return xml_fail(&jp->x, t->line, "a second top-level element");
	if (jp->depth >= MEDSEC_JUNIT_DEPTH_MAX)
		return xml_fail(&jp->x, t->line,
		    "elements nested deeper than %d",
		    MEDSEC_JUNIT_DEPTH_MAX);
	e = elems[i].e;
	jp->root_seen = 1;
	if (e == E_TESTSUITE) {
		if (jp->suite_tests >= 0)
			return xml_fail(&jp->x, t->line,
			    "nested testsuite inside "
			    "a testsuite that counts its tests");
		r = start_suite(jp, t);
	} else if (e == E_TESTCASE)
		r = start_case(jp, t);
	else if (e == E_FAILURE || e == E_ERROR || e == E_SKIPPED)
		r = start_outcome(jp, t, e);
	if (r != MEDSEC_OK)
		return r;
	jp->stack[jp->depth].e = e;
	jp->stack[jp->depth].name = t->name;
	jp->stack[jp->depth].namelen = t->namelen;
	jp->stack[jp->depth].line = t->line;
	jp->depth++;
	return MEDSEC_OK;
}

static int
on_end(struct jparse *jp, const char *name, size_t len, int line)
{
	struct open_elem *o;

	if (jp->depth == 0)
		return xml_fail(&jp->x, line, "end tag </%.*s> without a start",
		    (int)len, name);
	o = &jp->stack[jp->depth - 1];
	if (o->namelen != len || memcmp(o->name, name, len) != 0)
		return xml_fail(&jp->x, line,
		    "</%.*s> closes <%.*s> of line %d",
		    (int)len, name, (int)o->namelen, o->name, o->line);
	jp->depth--;
	if (o->e == E_TESTCASE)
		end_case(jp);
	else if (o->e == E_TESTSUITE)
		return end_suite(jp);
	return MEDSEC_OK;
}

/* Character data: checked, kept nowhere (output logs are not evidence
 * the report quotes), and refused where JUnit has no text. */
static int
on_text(struct jparse *jp, const char *s, size_t n, int line, int cdata)
{
	enum elem p = parent(jp);
	size_t i;
	int r;

	if (!cdata && (r = xml_decode(&jp->x, s, n, line, 0, NULL, 0)) != 0)
		return r;
	for (i = 0; i < n && xml_is_ws(s[i]); i++)
		line += s[i] == '\n';
	if (i == n)
		return MEDSEC_OK;
	for (i = 0; i < sizeof(elems) / sizeof(elems[0]); i++)
		if (elems[i].e == p && elems[i].text)
			return MEDSEC_OK;
	return xml_fail(&jp->x, line, "text is not allowed %s",
	    p == E_NONE ? "outside the top-level element" : "here");
}

static int
read_comment(struct xml *x)
{
	const char *q;
	int line = x->line;

	xml_advance(x, 4);
	if ((q = xml_find(x, "--")) == NULL)
		return xml_fail(x, line, "unterminated comment");
	if ((size_t)(x->end - q) < 3 || q[2] != '>')
		return xml_fail(x, line, "'--' inside a comment");
	xml_advance(x, (size_t)(q - x->p) + 3);
	return MEDSEC_OK;
}

static int
read_cdata(struct jparse *jp)
{
	struct xml *x = &jp->x;
	const char *q, *s;
	int line = x->line;

	xml_advance(x, 9);
	if ((q = xml_find(x, "]]>")) == NULL)
		return xml_fail(x, line, "unterminated CDATA section");
	s = x->p;
	xml_advance(x, (size_t)(q - x->p) + 3);
	return on_text(jp, s, (size_t)(q - s), line, 1);
}

static int
read_chars(struct jparse *jp)
{
	struct xml *x = &jp->x;
	const char *s = x->p, *q;
	int line = x->line;
	size_t n;

	q = memchr(s, '<', (size_t)(x->end - s));
	n = q != NULL ? (size_t)(q - s) : (size_t)(x->end - s);
	/* "]]>" may not appear in text (XML 1.0 section 2.4). */
	for (q = s; q + 2 < s + n; q++)
		if (memcmp(q, "]]>", 3) == 0)
			return xml_fail(x, line, "']]>' in text");
	xml_advance(x, n);
	return on_text(jp, s, n, line, 0);
}

static int
read_element(struct jparse *jp)
{
	struct xml *x = &jp->x;
	struct xtag t;
	const char *name;
	size_t len;
	int r, line = x->line;

	if (xml_at(x, "</")) {
		if ((r = xml_read_end(x, &name, &len)) != MEDSEC_OK)
			return r;
		return on_end(jp, name, len, line);
	}
	if ((r = xml_read_start(x, &t)) != MEDSEC_OK ||
	    (r = on_start(jp, &t)) != MEDSEC_OK)
		return r;
	if (t.empty)
		return on_end(jp, t.name, t.namelen, line);
	return MEDSEC_OK;
}

static int
read_markup(struct jparse *jp)
{
	struct xml *x = &jp->x;

	if (xml_at(x, "<!--"))
		return read_comment(x);
	if (xml_at(x, "<![CDATA[")) {
		if (jp->depth == 0)
			return xml_fail(x, x->line, "CDATA outside an element");
		return read_cdata(jp);
	}
	if (xml_at(x, "<!"))
		return xml_fail(x, x->line, "DTDs and declarations are not "
		    "accepted");
	if (xml_at(x, "<?"))
		return xml_fail(x, x->line, "processing instructions are not "
		    "accepted (only <?xml ...?> at the very start)");
	return read_element(jp);
}

static int
read_document(struct jparse *jp)
{
	struct xml *x = &jp->x;
	int r;

	if (xml_at(x, "\xef\xbb\xbf"))
		x->p += 3;
	if (xml_at(x, "<?xml") && (size_t)(x->end - x->p) > 5 && xml_is_ws(x->p[5]) &&
	    (r = xml_read_decl(x)) != MEDSEC_OK)
		return r;
	while (x->p < x->end) {
		if (*x->p == '<')
			r = read_markup(jp);
		else
			r = read_chars(jp);
		if (r != MEDSEC_OK)
			return r;
	}
	if (jp->depth > 0)
		return xml_fail(x, x->line,
		    "document ends inside <%.*s> of line "
		    "%d", (int)jp->stack[jp->depth - 1].namelen,
		    jp->stack[jp->depth - 1].name,
		    jp->stack[jp->depth - 1].line);
	if (!jp->root_seen)
		return xml_fail(x, x->line, "no <testsuite> or <testsuites> "
		    "element");
	return MEDSEC_OK;
}

const char *
medsec_test_status_name(enum medsec_test_status s)
{
	switch (s) {
	case MEDSEC_TEST_PASS: return "pass";
	case MEDSEC_TEST_FAIL: return "fail";
	case MEDSEC_TEST_SKIP: return "skip";
	default: return "notrun";
	}
}

void
medsec_junit_free(struct medsec_junit *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++) {
		free(j->cases[i].name);
		free(j->cases[i].classname);
		free(j->cases[i].message);
	}
	free(j->cases);
	free(j->suite);
	free(j->timestamp);
	free(j->hostname);
	free(j);
}

static struct medsec_junit *
junit_new(void)
{
	struct medsec_junit *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->tests = j->failures = j->errors = j->skipped = j->disabled = -1;
	j->time = -1;
	return j;
}

int
medsec_junit_parse(const char *name, const char *xml, size_t len,
    struct medsec_junit **jpp, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct jparse jp;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, name);
	if (jpp == NULL || (xml == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	*jpp = NULL;
	if (len > MEDSEC_JUNIT_FILE_MAX) {
		medsec_ini_err(err, 0, NULL, NULL, "larger than %d bytes",
		    MEDSEC_JUNIT_FILE_MAX);
		return MEDSEC_ERR_TOO_LARGE;
	}
	memset(&jp, 0, sizeof(jp));
	jp.x.p = xml;
	jp.x.end = xml + len;
	jp.x.line = 1;
	jp.x.err = err;
	jp.suite_tests = -1;
	jp.j = junit_new();
	jp.value = malloc(MEDSEC_JUNIT_VALUE_MAX + 1);
	if (jp.j == NULL || jp.value == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((r = xml_check_encoding(&jp.x, xml, len)) != MEDSEC_OK ||
	    (r = read_document(&jp)) != MEDSEC_OK)
		goto out;
	*jpp = jp.j;
	jp.j = NULL;
	r = MEDSEC_OK;
out:
	if (r == MEDSEC_ERR_NOMEM)
		medsec_ini_err(err, 0, NULL, NULL, "out of memory");
	medsec_junit_free(jp.j);
	free(jp.value);
	return r;
}

int
medsec_junit_load(const char *path, struct medsec_junit **jpp,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, path);
	if (path == NULL || jpp == NULL)
		return MEDSEC_ERR_INVALID;
	*jpp = NULL;
	r = medsec_io_read_file(path, MEDSEC_JUNIT_FILE_MAX, 0, &buf, &len);
	if (r != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(r));
		return r;
	}
	r = medsec_junit_parse(path, (const char *)buf, len, jpp, err);
	free(buf);
	return r;
}
