/*
 * Version order: Debian's (deb-version(7), dpkg's verrevcmp) and
 * Semantic Versioning 2.0.0 precedence. Both are proven against their
 * reference implementations on 100,000 generated pairs each
 * (tests/unit/test_vuln_version.c).
 */
#include <string.h>

#include "medsec-tools/vuln.h"

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* deb-version(7): a tilde sorts before anything, even the end of the
 * part; letters sort before other characters. */
static int
order(char c)
{
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	if (c != '\0')
		return (unsigned char)c + 256;
	return 0;
}

/* Compares [a, ae) and [b, be): alternating non-digit and digit runs. */
static int
verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
			int ac = order(a < ae ? *a : '\0');
			int bc = order(b < be ? *b : '\0');

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && is_digit(*a) && is_digit(*b)) {
			if (first_diff == 0)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && is_digit(*a))
			return 1;
		if (b < be && is_digit(*b))
			return -1;
		if (first_diff != 0)
			return first_diff;
	}
	return 0;
}

struct debver {
	const char *epoch, *epoch_end;
	const char *up, *up_end;
	const char *rev, *rev_end;
};

static int
allowed(char c, const char *extra)
{
	return is_digit(c) || is_alpha(c) || (c != '\0' &&
	    strchr(extra, c) != NULL);
}

static int
debver_parse(const char *v, struct debver *d)
{
	const char *colon, *hyphen, *end;
	size_t len = strnlen(v, MEDSEC_VULN_VERSION_MAX + 1);

	if (len == 0 || len > MEDSEC_VULN_VERSION_MAX)
		return MEDSEC_ERR_INVALID;
	end = v + len;
	colon = strchr(v, ':');
	d->epoch = v;
	d->epoch_end = colon != NULL ? colon : v;
	d->up = colon != NULL ? colon + 1 : v;
	hyphen = strrchr(d->up, '-');
	d->up_end = hyphen != NULL ? hyphen : end;
	d->rev = hyphen != NULL ? hyphen + 1 : end;
	d->rev_end = end;
	if (colon != NULL && d->epoch_end == d->epoch)
		return MEDSEC_ERR_INVALID; /* ":1.0" */
	/* An epoch is a number dpkg keeps in an int. */
	if (d->epoch_end - d->epoch > 9)
		return MEDSEC_ERR_INVALID;
	for (const char *p = d->epoch; p < d->epoch_end; p++)
		if (!is_digit(*p))
			return MEDSEC_ERR_INVALID;
	if (d->up == d->up_end || !is_digit(*d->up) ||
	    (hyphen != NULL && d->rev == d->rev_end))
		return MEDSEC_ERR_INVALID;
	for (const char *p = d->up; p < d->up_end; p++)
		if (!allowed(*p, ".+~-:"))
			return MEDSEC_ERR_INVALID;
	for (const char *p = d->rev; p < d->rev_end; p++)
		if (!allowed(*p, ".+~"))
			return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

static long
epoch_value(const struct debver *d)
{
	long e = 0;

	for (const char *p = d->epoch; p < d->epoch_end; p++)
		e = e * 10 + (*p - '0');
	return e;
}

int
medsec_debver_valid(const char *v)
{
	struct debver d;

	return v != NULL && debver_parse(v, &d) == MEDSEC_OK;
}

int
medsec_debver_compare(const char *a, const char *b, int *cmp)
{
	struct debver da, db;
	long ea, eb;
	int r;

	if (a == NULL || b == NULL || cmp == NULL ||
	    debver_parse(a, &da) != MEDSEC_OK ||
	    debver_parse(b, &db) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	ea = epoch_value(&da);
	eb = epoch_value(&db);
	if (ea != eb) {
		*cmp = ea < eb ? -1 : 1;
		return MEDSEC_OK;
	}
	r = verrevcmp(da.up, da.up_end, db.up, db.up_end);
	if (r == 0)
		r = verrevcmp(da.rev, da.rev_end, db.rev, db.rev_end);
	*cmp = r < 0 ? -1 : r > 0;
	return MEDSEC_OK;
}

/* ---- Semantic Versioning 2.0.0 ---- */

struct semver {
	const char *core[3];
	size_t core_len[3];
	const char *pre; /* NULL when none */
	size_t pre_len;
};

static int
numeric_ok(const char *s, size_t n)
{
	if (n == 0 || (n > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

static int
ident_char(char c)
{
	return is_digit(c) || is_alpha(c) || c == '-';
}

static int
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* Dot-separated identifiers; numeric ones without leading zeros. */
static int
idents_ok(const char *s, size_t n, int numeric_rule)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!ident_char(s[i]))
				return 0;
			continue;
		}
		if (i == start)
			return 0;
		if (numeric_rule && all_digits(s + start, i - start) &&
		    !numeric_ok(s + start, i - start))
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
semver_parse(const char *v, struct semver *s)
{
	size_t len = strnlen(v, MEDSEC_VULN_VERSION_MAX + 1);
	const char *p = v, *end, *plus;

	if (len == 0 || len > MEDSEC_VULN_VERSION_MAX)
		return MEDSEC_ERR_INVALID;
	end = v + len;
	plus = memchr(v, '+', len);
	if (plus != NULL) {
		if (!idents_ok(plus + 1, (size_t)(end - plus - 1), 0))
			return MEDSEC_ERR_INVALID;
		end = plus;
	}
	for (int i = 0; i < 3; i++) {
		const char *q = p;

		while (q < end && is_digit(*q))
			q++;
		if (!numeric_ok(p, (size_t)(q - p)))
			return MEDSEC_ERR_INVALID;
		s->core[i] = p;
		s->core_len[i] = (size_t)(q - p);
		if (i < 2 && (q >= end || *q != '.'))
			return MEDSEC_ERR_INVALID;
		p = i < 2 ? q + 1 : q;
	}
	s->pre = NULL;
	s->pre_len = 0;
	if (p == end)
		return MEDSEC_OK;
	if (*p != '-' || !idents_ok(p + 1, (size_t)(end - p - 1), 1))
		return MEDSEC_ERR_INVALID;
	s->pre = p + 1;
	s->pre_len = (size_t)(end - p - 1);
	return MEDSEC_OK;
}

/* Numbers of any length, without leading zeros: longer is larger. */
static int
cmp_numeric(const char *a, size_t an, const char *b, size_t bn)
{
	int r;

	if (an != bn)
		return an < bn ? -1 : 1;
	r = memcmp(a, b, an);
	return r < 0 ? -1 : r > 0;
}

static int
cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
	int na = all_digits(a, an), nb = all_digits(b, bn), r;

	if (na && nb)
		return cmp_numeric(a, an, b, bn);
	if (na != nb)
		return na ? -1 : 1; /* numeric identifiers sort first */
	r = memcmp(a, b, an < bn ? an : bn);
	if (r != 0)
		return r < 0 ? -1 : 1;
	return an == bn ? 0 : an < bn ? -1 : 1;
}

static int
cmp_pre(const struct semver *a, const struct semver *b)
{
	const char *pa = a->pre, *pb = b->pre;
	const char *ea = pa + a->pre_len, *eb = pb + b->pre_len;

	if (pa == NULL || pb == NULL)
		return pa == pb ? 0 : pa == NULL ? 1 : -1;
	for (;;) {
		const char *da = memchr(pa, '.', (size_t)(ea - pa));
		const char *db = memchr(pb, '.', (size_t)(eb - pb));
		size_t na = (size_t)((da != NULL ? da : ea) - pa);
		size_t nb = (size_t)((db != NULL ? db : eb) - pb);
		int r = cmp_ident(pa, na, pb, nb);

		if (r != 0)
			return r;
		if (da == NULL || db == NULL)
			return da == db ? 0 : da == NULL ? -1 : 1;
		pa = da + 1;
		pb = db + 1;
	}
}

int
medsec_semver_compare(const char *a, const char *b, int *cmp)
{
	struct semver sa, sb;
	int r = 0;

	if (a == NULL || b == NULL || cmp == NULL ||
	    semver_parse(a, &sa) != MEDSEC_OK ||
	    semver_parse(b, &sb) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	for (int i = 0; i < 3 && r == 0; i++)
		r = cmp_numeric(sa.core[i], sa.core_len[i], sb.core[i],
		    sb.core_len[i]);
	if (r == 0)
		r = cmp_pre(&sa, &sb);
	*cmp = r;
	return MEDSEC_OK;
}
