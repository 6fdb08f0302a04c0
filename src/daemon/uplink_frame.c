/*
 * The UNIX-socket source's frame parser (uplink_frame.h). Every byte
 * comes from another process and is checked before anything of it is
 * kept: the field, its syntax and its range.
 */
#include "uplink_frame.h"

#include "medsec/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SEQ_DIGITS_MAX 18
#define TIME_MS_MIN 946684800000LL  /* 2000-01-01 */
#define TIME_MS_MAX 4102444800000LL /* 2100-01-01 */
#define FIELDS 5

/* What a body can show: wider than any alarm range, narrower than junk. */
static const struct {
	double lo, hi;
} plausible[VITAL__COUNT] = {
	[VITAL_HEART_RATE] = { 0, 350 },
	[VITAL_SPO2] = { 0, 100 },
	[VITAL_SYSTOLIC] = { 0, 350 },
	[VITAL_DIASTOLIC] = { 0, 250 },
	[VITAL_TEMPERATURE] = { 20, 46 },
	[VITAL_RESP_RATE] = { 0, 150 },
};

struct field {
	const char *p;
	size_t n;
};

static int refuse(char *why, size_t whylen, const char *fmt, ...)
    MEDSEC_PRINTF(3, 4);

static int
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return UPLINK_FRAME_BAD;
}

/* The field as text for a message: at most 40 printable bytes. */
static void
shown(const struct field *f, char *out, size_t outlen)
{
	size_t i, n = f->n < 40 ? f->n : 40;

	for (i = 0; i < n && i + 1 < outlen; i++)
		out[i] = f->p[i] > ' ' && f->p[i] < 0x7f ? f->p[i] : '?';
	out[i] = '\0';
}

/* "<field> '<value as sent>': <what is wrong>" */
static int
refuse_field(char *why, size_t whylen, const char *name,
    const struct field *f, const char *what)
{
	char s[48];

	shown(f, s, sizeof(s));
	return refuse(why, whylen, "%s '%s': %s", name, s, what);
}

int
uplink_vital_by_name(const char *name, size_t n)
{
	const struct vital_info *vi;
	int v;

	for (v = 0; (vi = vital_info(v)) != NULL; v++)
		if (strlen(vi->name) == n && memcmp(vi->name, name, n) == 0)
			return v;
	return -1;
}

/* Decimal digits only, no leading zero, 1..max digits. */
static int
parse_unsigned(const struct field *f, size_t max, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (f->n == 0 || f->n > max || (f->p[0] == '0' && f->n > 1))
		return -1;
	for (i = 0; i < f->n; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(f->p[i] - '0');
	}
	*out = x;
	return 0;
}

/* -?D{1,4}(.D{1,3})? without the locale's help: exactly what was sent. */
static int
parse_value(const struct field *f, double *out)
{
	size_t i = 0, digits = 0, frac = 0;
	double x = 0, scale = 1;
	int neg = 0;

	if (f->n > 0 && f->p[0] == '-') {
		neg = 1;
		i++;
	}
	for (; i < f->n && f->p[i] >= '0' && f->p[i] <= '9'; i++, digits++)
		x = x * 10 + (f->p[i] - '0');
	if (digits == 0 || digits > 4)
		return -1;
	if (i < f->n && f->p[i] == '.') {
		for (i++; i < f->n && f->p[i] >= '0' && f->p[i] <= '9';
		    i++, frac++) {
			scale *= 10;
			x = x * 10 + (f->p[i] - '0');
		}
		if (frac == 0 || frac > 3)
			return -1;
	}
	if (i != f->n)
		return -1;
	*out = (neg ? -x : x) / scale;
	return 0;
}

/* Splits the line (without its line feed) at single spaces. */
static int
split(const char *line, size_t n, struct field f[FIELDS])
{
	size_t i, start = 0;
	int k = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && line[i] != ' ')
			continue;
		if (k == FIELDS)
			return -1;
		f[k].p = line + start;
		f[k].n = i - start;
		k++;
		start = i + 1;
	}
	return k == FIELDS ? 0 : -1;
}

static int
parse_fields(const struct field f[FIELDS], uint64_t last_seq,
    struct source_reading *out, char *why, size_t whylen)
{
	uint64_t seq, ms;
	double value;
	int vital;

	if (parse_unsigned(&f[0], SEQ_DIGITS_MAX, &seq) != 0 || seq == 0)
		return refuse_field(why, whylen, "seq", &f[0], "not a decimal "
		    "number of 1..18 digits above 0");
	if (seq <= last_seq)
		return refuse(why, whylen, "seq %llu: not above the previous "
		    "reading's %llu", (unsigned long long)seq,
		    (unsigned long long)last_seq);
	out->seq = seq;
	if (f[1].n == 0 || f[1].n >= READINGS_ID_LEN)
		return refuse_field(why, whylen, "patient", &f[1],
		    "1..64 characters");
	memcpy(out->patient, f[1].p, f[1].n);
	out->patient[f[1].n] = '\0';
	if (!readings_valid_id(out->patient))
		return refuse_field(why, whylen, "patient", &f[1],
		    "not [A-Za-z0-9._-], alphanumeric first");
	if ((vital = uplink_vital_by_name(f[2].p, f[2].n)) < 0)
		return refuse_field(why, whylen, "vital", &f[2], "not "
		    "heart_rate, spo2, systolic, diastolic, temperature or "
		    "resp_rate");
	if (parse_value(&f[3], &value) != 0)
		return refuse_field(why, whylen, "value", &f[3], "not a "
		    "decimal number (up to 4 digits, 3 decimals)");
	if (value < plausible[vital].lo || value > plausible[vital].hi)
		return refuse(why, whylen, "value %g: outside %g..%g for %s",
		    value, plausible[vital].lo, plausible[vital].hi,
		    vital_info(vital)->name);
	if (parse_unsigned(&f[4], 13, &ms) != 0 ||
	    (int64_t)ms < TIME_MS_MIN || (int64_t)ms >= TIME_MS_MAX)
		return refuse_field(why, whylen, "time_ms", &f[4], "not "
		    "milliseconds since 1970 within 2000..2099");
	out->r.vital = vital;
	out->r.value = value;
	out->r.time_us = (int64_t)ms * 1000;
	return UPLINK_FRAME_READING;
}

int
uplink_frame_parse(const char *buf, size_t len, uint64_t last_seq,
    struct source_reading *out, size_t *used, char *why, size_t whylen)
{
	struct field f[FIELDS];
	const char *lf;
	size_t n;

	why[0] = '\0';
	*used = 0;
	lf = memchr(buf, '\n', len < UPLINK_FRAME_MAX ? len :
	    UPLINK_FRAME_MAX);
	if (lf == NULL) {
		if (len < UPLINK_FRAME_MAX)
			return UPLINK_FRAME_MORE;
		refuse(why, whylen, "no line feed within %d bytes",
		    UPLINK_FRAME_MAX);
		return UPLINK_FRAME_TOO_LONG;
	}
	n = (size_t)(lf - buf);
	*used = n + 1;
	memset(out, 0, sizeof(*out));
	if (memchr(buf, '\0', n) != NULL || memchr(buf, '\r', n) != NULL)
		return refuse(why, whylen, "a NUL or carriage return in the "
		    "frame");
	if (split(buf, n, f) != 0)
		return refuse(why, whylen, "not 5 fields separated by single "
		    "spaces (seq patient vital value time_ms)");
	return parse_fields(f, last_seq, out, why, whylen);
}
