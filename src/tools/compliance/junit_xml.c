/*
 * The XML tokenizer under the JUnit reader (junit.c): only the subset of
 * XML that ctest writes (elements, attributes, the five entities and
 * character references, comments, CDATA, the declaration), bounded, every
 * refusal naming its line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "compliance/compliance_int.h"
#include "compliance/junit_xml.h"
#include "io/io.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

int
xml_fail(struct xml *x, int line, const char *fmt, ...)
{
	char msg[sizeof(x->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	medsec_ini_err(x->err, line, NULL, NULL, "%s", msg);
	return MEDSEC_ERR_FORMAT;
}

/* ---- characters ---- */

/* XML 1.0 "Char", which excludes most control characters. */
static int
xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd ||
	    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	    (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Decodes one UTF-8 sequence; 0 when invalid or overlong. */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cpp)
{
	return medsec_utf8_decode(s, n, cpp);
}

/* The whole document once, so the tokenizer can trust every byte. */
int
xml_check_encoding(struct xml *x, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp = 0;
	int line = 1;

	while (i < n) {
		if ((k = utf8_next(u + i, n - i, &cp)) == 0)
			return xml_fail(x, line, "invalid UTF-8 (byte 0x%02x)",
			    u[i]);
		if (!xml_char(cp))
			return xml_fail(x, line, "character U+%04X is not "
			    "allowed in XML", (unsigned)cp);
		line += cp == '\n';
		i += k;
	}
	return MEDSEC_OK;
}

int
xml_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':';
}

static int
name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

void
xml_advance(struct xml *x, size_t n)
{
	for (; n > 0; n--, x->p++)
		x->line += *x->p == '\n';
}

static void
skip_ws(struct xml *x)
{
	while (x->p < x->end && xml_is_ws(*x->p))
		xml_advance(x, 1);
}

int
xml_at(const struct xml *x, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(x->end - x->p) >= n && memcmp(x->p, lit, n) == 0;
}

/* Position of lit at or after x->p, or NULL. */
const char *
xml_find(const struct xml *x, const char *lit)
{
	size_t n = strlen(lit);
	const char *q;

	for (q = x->p; (size_t)(x->end - q) >= n; q++)
		if (memcmp(q, lit, n) == 0)
			return q;
	return NULL;
}

/* ---- entities ---- */

static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* "#123;" or "#x7b;" after the '&'; the code point, 0 when malformed. */
static uint32_t
char_ref(const char *s, size_t n, size_t *usedp)
{
	size_t i = 1, digits = 0;
	int hex = 0;
	uint32_t cp = 0, d;

	if (n > 1 && s[1] == 'x')
		hex = 1, i = 2;
	for (; i < n && s[i] != ';'; i++, digits++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = (uint32_t)(s[i] - '0');
		else if (hex && s[i] >= 'a' && s[i] <= 'f')
			d = (uint32_t)(s[i] - 'a' + 10);
		else if (hex && s[i] >= 'A' && s[i] <= 'F')
			d = (uint32_t)(s[i] - 'A' + 10);
		else
			return 0;
		if (digits >= 8)
			return 0;
		cp = cp * (hex ? 16 : 10) + d;
	}
	if (i >= n || digits == 0 || !xml_char(cp))
		return 0;
	*usedp = i + 1;
	return cp;
}

static const struct {
	const char *name;
	char c;
} predefined[] = {
	{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' },
	{ "apos;", '\'' },
};

/* One reference at s ('&' already seen): bytes written to out, or 0. */
static size_t
entity(const char *s, size_t n, char *out, size_t *usedp)
{
	size_t i, k;
	uint32_t cp;

	if (n > 1 && s[1] == '#') {
		if ((cp = char_ref(s + 1, n - 1, &k)) == 0)
			return 0;
		*usedp = k + 1;
		return put_utf8(out, cp);
	}
	for (i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
		k = strlen(predefined[i].name);
		if (n - 1 >= k && memcmp(s + 1, predefined[i].name, k) == 0) {
			out[0] = predefined[i].c;
			*usedp = k + 1;
			return 1;
		}
	}
	return 0;
}

/*
 * Decodes raw attribute value or text: references replaced, and in an
 * attribute white space normalised as XML requires. out may be NULL to
 * check only; otherwise it holds outlen bytes including the NUL.
 */
int
xml_decode(struct xml *x, const char *raw, size_t n, int line, int attr,
    char *out, size_t outlen)
{
	char tmp[4];
	size_t i = 0, o = 0, k, used;

	while (i < n) {
		if (raw[i] == '&') {
			if ((k = entity(raw + i, n - i, tmp, &used)) == 0)
				return xml_fail(x, line,
				    "bad entity or character "
				    "reference (only &lt; &gt; &amp; &quot; "
				    "&apos; and &#N; are accepted)");
			i += used;
		} else if (attr && raw[i] == '<') {
			return xml_fail(x, line,
			    "'<' inside an attribute value");
		} else {
			tmp[0] = attr && xml_is_ws(raw[i]) ? ' ' : raw[i];
			k = 1;
			line += raw[i] == '\n';
			i++;
		}
		if (out != NULL) {
			if (o + k >= outlen)
				return xml_fail(x, line,
				    "value longer than %zu "
				    "bytes", outlen - 1);
			memcpy(out + o, tmp, k);
		}
		o += k;
	}
	if (out != NULL)
		out[o] = '\0';
	return MEDSEC_OK;
}

/* ---- tags ---- */

static int
read_name(struct xml *x, const char **namep, size_t *lenp)
{
	const char *s = x->p;

	if (x->p >= x->end || !name_start(*x->p))
		return xml_fail(x, x->line, "expected a name");
	while (x->p < x->end && name_char(*x->p))
		xml_advance(x, 1);
	*namep = s;
	*lenp = (size_t)(x->p - s);
	if (*lenp > XML_NAME_MAX)
		return xml_fail(x, x->line, "name longer than %d bytes",
		    XML_NAME_MAX);
	return MEDSEC_OK;
}

static int
read_attr(struct xml *x, struct xtag *t)
{
	struct xattr *a;
	const char *q;
	char quote;
	size_t i;
	int r;

	if (t->nattrs >= MEDSEC_JUNIT_ATTRS_MAX)
		return xml_fail(x, x->line, "more than %d attributes",
		    MEDSEC_JUNIT_ATTRS_MAX);
	a = &t->attrs[t->nattrs];
	a->line = x->line;
	if ((r = read_name(x, &a->name, &a->namelen)) != MEDSEC_OK)
		return r;
	skip_ws(x);
	if (x->p >= x->end || *x->p != '=')
		return xml_fail(x, x->line,
		    "expected '=' after attribute name");
	xml_advance(x, 1);
	skip_ws(x);
	if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
		return xml_fail(x, x->line, "attribute value must be quoted");
	quote = *x->p;
	xml_advance(x, 1);
	if ((q = memchr(x->p, quote, (size_t)(x->end - x->p))) == NULL)
		return xml_fail(x, a->line, "unterminated attribute value");
	a->raw = x->p;
	a->rawlen = (size_t)(q - x->p);
	a->line = x->line;
	if ((r = xml_decode(x, a->raw, a->rawlen, a->line, 1, NULL, 0)) != 0)
		return r;
	xml_advance(x, a->rawlen + 1);
	for (i = 0; i < t->nattrs; i++)
		if (t->attrs[i].namelen == a->namelen &&
		    memcmp(t->attrs[i].name, a->name, a->namelen) == 0)
			return xml_fail(x, a->line, "attribute '%.*s' repeated",
			    (int)a->namelen, a->name);
	t->nattrs++;
	return MEDSEC_OK;
}

/* After '<' or '<?xml': attributes up to '>' (or the given closer). */
static int
read_attrs(struct xml *x, struct xtag *t, const char *closer)
{
	int r, sep;

	for (;;) {
		sep = x->p < x->end && xml_is_ws(*x->p);
		skip_ws(x);
		if (x->p >= x->end)
			return xml_fail(x, t->line, "unterminated tag");
		if (closer != NULL && xml_at(x, closer)) {
			xml_advance(x, strlen(closer));
			return MEDSEC_OK;
		}
		if (closer == NULL && *x->p == '>') {
			xml_advance(x, 1);
			return MEDSEC_OK;
		}
		if (closer == NULL && xml_at(x, "/>")) {
			t->empty = 1;
			xml_advance(x, 2);
			return MEDSEC_OK;
		}
		if (!sep)
			return xml_fail(x, x->line,
			    "expected white space, '>' or "
			    "'/>' in tag");
		if ((r = read_attr(x, t)) != MEDSEC_OK)
			return r;
	}
}

int
xml_read_start(struct xml *x, struct xtag *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->line = x->line;
	xml_advance(x, 1);
	if ((r = read_name(x, &t->name, &t->namelen)) != MEDSEC_OK)
		return r;
	return read_attrs(x, t, NULL);
}

int
xml_read_end(struct xml *x, const char **namep, size_t *lenp)
{
	int r, line = x->line;

	xml_advance(x, 2);
	if ((r = read_name(x, namep, lenp)) != MEDSEC_OK)
		return r;
	skip_ws(x);
	if (x->p >= x->end || *x->p != '>')
		return xml_fail(x, line, "malformed end tag");
	xml_advance(x, 1);
	return MEDSEC_OK;
}

static int
attr_is(const struct xattr *a, const char *name)
{
	return a->namelen == strlen(name) &&
	    memcmp(a->name, name, a->namelen) == 0;
}

const struct xattr *
xml_attr_find(const struct xtag *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nattrs; i++)
		if (attr_is(&t->attrs[i], name))
			return &t->attrs[i];
	return NULL;
}

/* <?xml version="1.0" encoding="UTF-8"?>: nothing else is accepted. */
int
xml_read_decl(struct xml *x)
{
	const struct xattr *a;
	struct xtag t;
	char v[16];
	size_t i;
	int r;

	memset(&t, 0, sizeof(t));
	t.line = x->line;
	xml_advance(x, 5);
	if ((r = read_attrs(x, &t, "?>")) != MEDSEC_OK)
		return r;
	for (i = 0; i < t.nattrs; i++)
		if (!attr_is(&t.attrs[i], "version") &&
		    !attr_is(&t.attrs[i], "encoding") &&
		    !attr_is(&t.attrs[i], "standalone"))
			return xml_fail(x, t.line, "unknown item in the XML "
			    "declaration");
	if ((a = xml_attr_find(&t, "version")) == NULL ||
	    xml_decode(x, a->raw, a->rawlen, a->line, 1, v, sizeof(v)) != 0 ||
	    strcmp(v, "1.0") != 0)
		return xml_fail(x, t.line, "XML declaration must say "
		    "version=\"1.0\"");
	if ((a = xml_attr_find(&t, "encoding")) != NULL &&
	    (xml_decode(x, a->raw, a->rawlen, a->line, 1, v, sizeof(v)) != 0 ||
	    (strcmp(v, "UTF-8") != 0 && strcmp(v, "utf-8") != 0)))
		return xml_fail(x, t.line, "only UTF-8 is accepted");
	return MEDSEC_OK;
}
