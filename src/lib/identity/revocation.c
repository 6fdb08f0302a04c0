/*
 * Reader of the revocation list text. Bounded and strict: every line is
 * checked field by field before anything is handed to the caller.
 */
#include <stdio.h>
#include <string.h>

#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/revocation.h"

#define HEADER "medsec-revocation-list 1"

static int
fail(char *err, size_t errlen, size_t line, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "line %zu: %s", line, what);
	return MEDSEC_ERR_FORMAT;
}

static int
printable(const char *s, size_t n, int allow_space)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < (allow_space ? 0x20 : 0x21) || s[i] > 0x7e)
			return 0;
	return 1;
}

/* Splits off the next space-separated field of [*p, end). */
static int
field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *sp = memchr(*p, ' ', (size_t)(end - *p));

	if (sp == NULL || sp == *p)
		return 0;
	*f = *p;
	*n = (size_t)(sp - *p);
	*p = sp + 1;
	return 1;
}

static int
parse_entry(const char *s, size_t n, struct medsec_revoked *e,
    const char **why)
{
	const char *p = s, *end = s + n, *f;
	char when[40];
	size_t len, i;

	memset(e, 0, sizeof(*e));
	*why = "expected: sha256 revoked-at subject reason";
	if (!field(&p, end, &f, &len))
		return 0;
	*why = "certificate hash is not 64 lowercase hex digits";
	if (len != 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((f[i] >= '0' && f[i] <= '9') ||
		    (f[i] >= 'a' && f[i] <= 'f')))
			return 0;
	memcpy(e->cert_sha256, f, 64);
	*why = "expected: sha256 revoked-at subject reason";
	if (!field(&p, end, &f, &len))
		return 0;
	*why = "revocation time is not RFC 3339";
	if (len >= sizeof(when))
		return 0;
	memcpy(when, f, len);
	when[len] = '\0';
	if (medsec_time_parse(when, &e->revoked_us) != MEDSEC_OK)
		return 0;
	*why = "expected: sha256 revoked-at subject reason";
	if (!field(&p, end, &f, &len))
		return 0;
	*why = "subject too long or not printable ASCII";
	if (len >= sizeof(e->subject) || !printable(f, len, 0))
		return 0;
	memcpy(e->subject, f, len);
	len = (size_t)(end - p);
	*why = "reason empty, too long or not printable ASCII";
	if (len == 0 || len >= sizeof(e->reason) || !printable(p, len, 1))
		return 0;
	memcpy(e->reason, p, len);
	return 1;
}

int
medsec_revocation_parse(const char *text, size_t len,
    int (*fn)(const struct medsec_revoked *, void *), void *ctx, char *err,
    size_t errlen)
{
	struct medsec_revoked e;
	const char *p = text, *end = text + len, *nl, *why;
	size_t line = 0;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL && len > 0)
		return MEDSEC_ERR_INVALID;
	if (len > MEDSEC_REVOCATION_MAX)
		return fail(err, errlen, 0, "list too large");
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return fail(err, errlen, line, "missing newline");
		if (line == 1) {
			if ((size_t)(nl - p) != sizeof(HEADER) - 1 ||
			    memcmp(p, HEADER, sizeof(HEADER) - 1) != 0)
				return fail(err, errlen, 1, "not a medsec "
				    "revocation list of version 1");
		} else if (!parse_entry(p, (size_t)(nl - p), &e, &why))
			return fail(err, errlen, line, why);
		else if (fn != NULL && (r = fn(&e, ctx)) != 0)
			return r;
		p = nl + 1;
	}
	if (line == 0)
		return fail(err, errlen, 1, "empty list (no header)");
	return MEDSEC_OK;
}

struct lookup {
	const char *want;
	int found;
};

static int
match(const struct medsec_revoked *e, void *ctx)
{
	struct lookup *l = ctx;

	if (strcmp(e->cert_sha256, l->want) == 0)
		l->found = 1;
	return 0;
}

int
medsec_revocation_check(const char *text, size_t len,
    const char *cert_sha256)
{
	struct lookup l = { cert_sha256, 0 };
	int r;

	if (cert_sha256 == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_revocation_parse(text, len, match, &l, NULL, 0)) !=
	    MEDSEC_OK)
		return r;
	return l.found ? MEDSEC_ERR_DISABLED : MEDSEC_OK;
}
