/*
 * The bounded, growable text buffer the documents are written into, and
 * the two escapes every piece of untrusted text passes through (test
 * names and profile text reach a reviewer's browser).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/report_int.h"
#include "medsec/err.h"

void
rbuf_init(struct rbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
rbuf_free(struct rbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static int
reserve(struct rbuf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->err != 0)
		return b->err;
	if (more > RBUF_MAX - b->len - 1) {
		b->err = MEDSEC_ERR_TOO_LARGE;
		return b->err;
	}
	if (b->len + more + 1 <= b->cap)
		return MEDSEC_OK;
	cap = b->cap == 0 ? 4096 : b->cap;
	while (cap < b->len + more + 1)
		cap = cap > RBUF_MAX / 2 ? RBUF_MAX : cap * 2;
	if ((s = realloc(b->s, cap)) == NULL) {
		b->err = MEDSEC_ERR_NOMEM;
		return b->err;
	}
	b->s = s;
	b->cap = cap;
	return MEDSEC_OK;
}

void
rbuf_put(struct rbuf *b, const char *s, size_t n)
{
	if (reserve(b, n) != MEDSEC_OK)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
rbuf_puts(struct rbuf *b, const char *s)
{
	rbuf_put(b, s, strlen(s));
}

void
rbuf_vprintf(struct rbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		if (b->err == 0)
			b->err = MEDSEC_ERR_INTERNAL;
		return;
	}
	if (reserve(b, (size_t)n) != MEDSEC_OK)
		return;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
rbuf_printf(struct rbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
rbuf_clear(struct rbuf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

const char *
rbuf_str(struct rbuf *b)
{
	return b->s != NULL && b->err == 0 ? b->s : "";
}

int
rbuf_take(struct rbuf *b, char **outp, size_t *lenp)
{
	int r = b->err;

	if (r == MEDSEC_OK && reserve(b, 0) != MEDSEC_OK)
		r = b->err;
	if (r != MEDSEC_OK) {
		rbuf_free(b);
		return r;
	}
	b->s[b->len] = '\0';
	*outp = b->s;
	*lenp = b->len;
	memset(b, 0, sizeof(*b));
	return MEDSEC_OK;
}

void
rbuf_html_n(struct rbuf *b, const char *s, size_t n)
{
	const char *run = s, *end = s + n;

	for (; s < end; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		rbuf_put(b, run, (size_t)(s - run));
		rbuf_puts(b, rep);
		run = s + 1;
	}
	rbuf_put(b, run, (size_t)(s - run));
}

void
rbuf_html(struct rbuf *b, const char *s)
{
	rbuf_html_n(b, s, strlen(s));
}

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * '_' inside a word cannot open emphasis in CommonMark, so test names
 * stay readable; at a word edge it is escaped like the rest.
 */
static int
md_special(const char *start, const char *s)
{
	if (*s == '_')
		return s == start || !alnum(s[-1]) || !alnum(s[1]);
	return strchr("\\`*[]#!|~{}", *s) != NULL ||
	    ((*s == '-' || *s == '+' || *s == '=') && s == start);
}

void
rbuf_md(struct rbuf *b, const char *s, int cell)
{
	const char *start = s;

	for (; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r') {
			if (*s == '\r' && s[1] == '\n')
				continue;
			rbuf_puts(b, cell ? "<br>" : "\n");
		} else if (*s == '\t') {
			rbuf_put(b, " ", 1);
		} else if (*s == '<' || *s == '>' || *s == '&') {
			/* Entities, not backslashes: every Markdown dialect
			 * reads them as text, none as raw HTML. */
			rbuf_puts(b, *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
			    "&amp;");
		} else if (md_special(start, s)) {
			rbuf_put(b, "\\", 1);
			rbuf_put(b, s, 1);
		} else
			rbuf_put(b, s, 1);
	}
}
