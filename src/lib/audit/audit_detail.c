/*
 * The details builder (include/medsec/audit.h): a flat JSON object written
 * straight into a fixed buffer, no JSON library involved.
 *
 * It writes the canonical form medsec_audit_append() re-encodes details
 * into (jansson's compact dump: members in order, "\b \t \n \f \r" short
 * escapes, "\u00XX" with upper-case hex for other control characters,
 * everything else as UTF-8), so what fits here fits the trail byte for
 * byte. Every write is checked against the room left before anything is
 * copied, with one byte kept for the closing brace; the first failure
 * sticks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "core/utf8.h"

#define TRUNC_SUFFIX "_truncated"
/* U+2026 HORIZONTAL ELLIPSIS, the mark of a value cut on purpose. */
#define ELLIPSIS "\xe2\x80\xa6"
#define ELLIPSIS_LEN 3
#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void
medsec_audit_detail_init(struct medsec_audit_detail *d)
{
	d->text[0] = '{';
	d->text[1] = '\0';
	d->len = 1;
	d->err = MEDSEC_OK;
}

static void
fail(struct medsec_audit_detail *d, int err)
{
	if (d->err == MEDSEC_OK)
		d->err = err;
}

/* Room for n more bytes, keeping one for the closing brace. */
static int
room(const struct medsec_audit_detail *d, size_t n)
{
	return n <= MEDSEC_AUDIT_DETAILS_MAX - 1 - d->len;
}

static void
put(struct medsec_audit_detail *d, const char *s, size_t n)
{
	if (d->err != MEDSEC_OK)
		return;
	if (!room(d, n)) {
		fail(d, MEDSEC_ERR_TOO_LARGE);
		return;
	}
	memcpy(d->text + d->len, s, n);
	d->len += n;
	d->text[d->len] = '\0';
}

static int
key_valid(const char *key)
{
	size_t i, n = strlen(key);

	if (n == 0 || n > MEDSEC_AUDIT_DETAIL_KEY_MAX ||
	    key[0] < 'a' || key[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
			return 0;
	return !audit_secret_name(key);
}

/*
 * Whether key is already a member. Searching the text is exact: a raw
 * quote inside a value is always written as \", so the sequence "key":
 * occurs only where a member name is.
 */
static int
key_used(const struct medsec_audit_detail *d, const char *key)
{
	char needle[MEDSEC_AUDIT_DETAIL_KEY_MAX + 4];
	size_t n = strlen(key);

	if (n > MEDSEC_AUDIT_DETAIL_KEY_MAX) /* never valid, never written */
		return 0;
	needle[0] = '"';
	memcpy(needle + 1, key, n);
	memcpy(needle + 1 + n, "\":", 3);
	return strstr(d->text, needle) != NULL;
}

/* Writes the separator and "key": unless the key is bad or taken. */
static void
put_key(struct medsec_audit_detail *d, const char *key)
{
	if (d->err != MEDSEC_OK)
		return;
	if (!key_valid(key) || key_used(d, key)) {
		fail(d, MEDSEC_ERR_INVALID);
		return;
	}
	if (!room(d, (d->len > 1) + strlen(key) + 3)) {
		fail(d, MEDSEC_ERR_TOO_LARGE);
		return;
	}
	if (d->len > 1)
		put(d, ",", 1);
	put(d, "\"", 1);
	put(d, key, strlen(key));
	put(d, "\":", 2);
}

/*
 * The escaped form of the character at p into out (at least 7 bytes);
 * returns its length and sets *used to the input bytes it stands for.
 */
static size_t
escape_char(const unsigned char *p, size_t n, char *out, size_t *used)
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t cp;
	size_t len;

	*used = 1;
	switch (p[0]) {
	case '"':
		memcpy(out, "\\\"", 2);
		return 2;
	case '\\':
		memcpy(out, "\\\\", 2);
		return 2;
	case '\b':
		memcpy(out, "\\b", 2);
		return 2;
	case '\t':
		memcpy(out, "\\t", 2);
		return 2;
	case '\n':
		memcpy(out, "\\n", 2);
		return 2;
	case '\f':
		memcpy(out, "\\f", 2);
		return 2;
	case '\r':
		memcpy(out, "\\r", 2);
		return 2;
	}
	if (p[0] < 0x20) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[p[0] >> 4];
		out[5] = hex[p[0] & 0xf];
		return 6;
	}
	/* The same rule as the trail's: RFC 3629, no overlong forms,
	 * surrogates or code points past U+10FFFF. */
	if ((len = medsec_utf8_decode(p, n, &cp)) == 0) {
		memcpy(out, REPLACEMENT, 3);
		return 3;
	}
	memcpy(out, p, len);
	*used = len;
	return len;
}

/*
 * Escaped length of value[0..n); *keepp gets the longest prefix whose
 * escaped length (*keep_lenp) is at most budget.
 */
static size_t
escaped_len(const char *value, size_t n, size_t budget, size_t *keepp,
    size_t *keep_lenp)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t i, used, total = 0;
	char esc[8];

	*keepp = 0;
	*keep_lenp = 0;
	for (i = 0; i < n; i += used) {
		total += escape_char(p + i, n - i, esc, &used);
		if (total <= budget) {
			*keepp = i + used;
			*keep_lenp = total;
		}
	}
	return total;
}

static void
put_escaped(struct medsec_audit_detail *d, const char *value, size_t n)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t i, used, elen;
	char esc[8];

	for (i = 0; i < n; i += used) {
		elen = escape_char(p + i, n - i, esc, &used);
		put(d, esc, elen);
	}
}

/*
 * Writes value as a JSON string whose content takes at most max bytes;
 * returns 1 if it had to be cut (it then ends in an ellipsis).
 */
static int
put_string(struct medsec_audit_detail *d, const char *value, size_t max)
{
	size_t n = strlen(value), keep, keep_len, full;

	full = escaped_len(value, n, max - ELLIPSIS_LEN, &keep, &keep_len);
	if (full <= max) {
		keep = n;
		keep_len = full;
	} else
		keep_len += ELLIPSIS_LEN;
	/* Checked whole first, so a value never lands half-written. */
	if (!room(d, 2 + keep_len)) {
		fail(d, MEDSEC_ERR_TOO_LARGE);
		return 0;
	}
	put(d, "\"", 1);
	put_escaped(d, value, keep);
	if (keep < n)
		put(d, ELLIPSIS, ELLIPSIS_LEN);
	put(d, "\"", 1);
	return keep < n;
}

void
medsec_audit_detail_str(struct medsec_audit_detail *d, const char *key,
    const char *value)
{
	put_key(d, key);
	if (value == NULL)
		put(d, "null", 4);
	else if (d->err == MEDSEC_OK)
		(void)put_string(d, value, SIZE_MAX); /* no bound: never cut */
}

void
medsec_audit_detail_str_trunc(struct medsec_audit_detail *d,
    const char *key, const char *value, size_t max_bytes)
{
	char flag[MEDSEC_AUDIT_DETAIL_KEY_MAX + sizeof(TRUNC_SUFFIX)];

	/* The flag's name is checked up front: whether the value is cut
	 * must not decide whether a bad or taken name is noticed. */
	snprintf(flag, sizeof(flag), "%s%s", key, TRUNC_SUFFIX);
	if (max_bytes < ELLIPSIS_LEN || strlen(key) + strlen(TRUNC_SUFFIX) >
	    MEDSEC_AUDIT_DETAIL_KEY_MAX || !key_valid(flag) ||
	    key_used(d, flag)) {
		fail(d, MEDSEC_ERR_INVALID);
		return;
	}
	put_key(d, key);
	if (value == NULL)
		put(d, "null", 4);
	else if (d->err == MEDSEC_OK && put_string(d, value, max_bytes))
		medsec_audit_detail_bool(d, flag, 1);
}

static void
put_number(struct medsec_audit_detail *d, const char *key, const char *num)
{
	put_key(d, key);
	put(d, num, strlen(num));
}

void
medsec_audit_detail_u64(struct medsec_audit_detail *d, const char *key,
    uint64_t value)
{
	char num[24];

	if (value > INT64_MAX) {
		snprintf(num, sizeof(num), "\"%" PRIu64 "\"", value);
		put_number(d, key, num);
		return;
	}
	snprintf(num, sizeof(num), "%" PRIu64, value);
	put_number(d, key, num);
}

void
medsec_audit_detail_i64(struct medsec_audit_detail *d, const char *key,
    int64_t value)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, value);
	put_number(d, key, num);
}

void
medsec_audit_detail_bool(struct medsec_audit_detail *d, const char *key,
    int value)
{
	put_number(d, key, value ? "true" : "false");
}

void
medsec_audit_detail_hex(struct medsec_audit_detail *d, const char *key,
    const void *bytes, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = bytes;
	char pair[2];
	size_t i;

	put_key(d, key);
	if (d->err != MEDSEC_OK)
		return;
	if (len > (MEDSEC_AUDIT_DETAILS_MAX - 2) / 2 || !room(d, 2 * len + 2)) {
		fail(d, MEDSEC_ERR_TOO_LARGE);
		return;
	}
	put(d, "\"", 1);
	for (i = 0; i < len; i++) {
		pair[0] = hex[b[i] >> 4];
		pair[1] = hex[b[i] & 0xf];
		put(d, pair, 2);
	}
	put(d, "\"", 1);
}

int
medsec_audit_detail_end(struct medsec_audit_detail *d, const char **textp)
{
	*textp = NULL;
	if (d->err != MEDSEC_OK)
		return d->err;
	/* room() kept this byte free; len stays so more can be added. */
	d->text[d->len] = '}';
	d->text[d->len + 1] = '\0';
	*textp = d->text;
	return MEDSEC_OK;
}
