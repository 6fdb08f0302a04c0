/*
 * Details that are already in the trail's canonical form, recognised
 * without building a JSON tree.
 *
 * Every record's details are parsed and re-encoded (audit_codec.c) so the
 * trail stores one canonical text; for the flat objects the detail builder
 * and most callers produce, that costs more CPU than hashing and sealing
 * the record, and an event loop submitting records pays it on its own
 * thread. This scanner accepts only a strict subset whose canonical form
 * is the text itself: a compact object of unique members whose names and
 * string values have no escapes and no control characters and are valid
 * UTF-8, whose numbers are integers of at most 18 digits (no -0), and
 * true, false, null. Anything else (whitespace, escapes, nesting, reals)
 * goes to the full parser, which stays the authority: for every text
 * accepted here it produces exactly the same bytes (tests compare both).
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/err.h"
#include "audit_int.h"

#define PLAIN_MEMBERS_MAX 64
#define PLAIN_DIGITS_MAX 18

/* Length of the UTF-8 sequence at p (at most avail bytes), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t avail)
{
	uint32_t cp;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	cp = p[0] & (0x7f >> n);
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* A string without escapes at s[*i] (its opening quote); 0 if not one. */
static int
plain_string(const unsigned char *s, size_t len, size_t *i)
{
	size_t k = *i + 1, n;

	if (*i >= len || s[*i] != '"')
		return 0;
	while (k < len && s[k] != '"') {
		if (s[k] >= 0x20 && s[k] < 0x80 && s[k] != '\\') {
			k++;
			continue;
		}
		if (s[k] < 0x20 || s[k] == '\\')
			return 0;
		if ((n = utf8_seq(s + k, len - k)) == 0)
			return 0;
		k += n;
	}
	if (k >= len)
		return 0;
	*i = k + 1;
	return 1;
}

static int
plain_integer(const unsigned char *s, size_t len, size_t *i)
{
	size_t k = *i, digits = 0;
	int negative = 0;

	if (k < len && s[k] == '-') {
		negative = 1;
		k++;
	}
	if (k >= len || s[k] < '0' || s[k] > '9')
		return 0;
	if (s[k] == '0') {
		/* "0" alone: no leading zeros, and "-0" prints as "0". */
		if (negative)
			return 0;
		k++;
	} else {
		while (k < len && s[k] >= '0' && s[k] <= '9' &&
		    digits < PLAIN_DIGITS_MAX + 1) {
			k++;
			digits++;
		}
		if (digits > PLAIN_DIGITS_MAX)
			return 0;
	}
	/* A fraction or exponent makes it a real: the parser decides. */
	if (k < len && (s[k] == '.' || s[k] == 'e' || s[k] == 'E' ||
	    (s[k] >= '0' && s[k] <= '9')))
		return 0;
	*i = k;
	return 1;
}

static int
plain_word(const unsigned char *s, size_t len, size_t *i, const char *w)
{
	size_t n = strlen(w);

	if (len - *i < n || memcmp(s + *i, w, n) != 0)
		return 0;
	*i += n;
	return 1;
}

static int
plain_value(const unsigned char *s, size_t len, size_t *i)
{
	if (*i >= len)
		return 0;
	switch (s[*i]) {
	case '"':
		return plain_string(s, len, i);
	case 't':
		return plain_word(s, len, i, "true");
	case 'f':
		return plain_word(s, len, i, "false");
	case 'n':
		return plain_word(s, len, i, "null");
	default:
		return plain_integer(s, len, i);
	}
}

struct member_name {
	size_t off, len; /* between the quotes */
};

/* A new, non-secret member name; 0 sends the text to the parser. */
static int
plain_name_ok(const unsigned char *s, const struct member_name *names,
    size_t count, const struct member_name *name)
{
	char text[MEDSEC_AUDIT_FIELD_MAX + 1];

	if (name->len > MEDSEC_AUDIT_FIELD_MAX)
		return 0;
	for (size_t j = 0; j < count; j++)
		if (names[j].len == name->len &&
		    memcmp(s + names[j].off, s + name->off, name->len) == 0)
			return 0;
	memcpy(text, s + name->off, name->len);
	text[name->len] = '\0';
	return !audit_secret_name(text);
}

static int
plain_object(const unsigned char *s, size_t len)
{
	struct member_name names[PLAIN_MEMBERS_MAX];
	size_t i = 1, count = 0;

	if (len < 2 || s[0] != '{' || s[len - 1] != '}')
		return 0;
	if (len == 2)
		return 1;
	for (;;) {
		if (count == PLAIN_MEMBERS_MAX)
			return 0;
		names[count].off = i + 1;
		if (!plain_string(s, len, &i))
			return 0;
		names[count].len = i - 1 - names[count].off;
		if (!plain_name_ok(s, names, count, &names[count]))
			return 0;
		count++;
		if (i >= len || s[i++] != ':' || !plain_value(s, len, &i) ||
		    i >= len)
			return 0;
		if (s[i] == '}')
			return i == len - 1;
		if (s[i++] != ',')
			return 0;
	}
}

int
audit_details_plain(const char *details, char **outp)
{
	size_t len;

	*outp = NULL;
	if (details == NULL || details[0] == '\0')
		details = "{}";
	len = strlen(details);
	if (len > MEDSEC_AUDIT_DETAILS_MAX ||
	    !plain_object((const unsigned char *)details, len))
		return 0;
	if ((*outp = strdup(details)) == NULL)
		return MEDSEC_ERR_NOMEM;
	return 1;
}
