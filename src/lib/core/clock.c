#include <stdio.h>
#include <string.h>
#include <time.h>

#include "medsec/clock.h"
#include "medsec/err.h"

static int64_t
system_clock(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
system_wall(void *ctx)
{
	(void)ctx;
	return system_clock(CLOCK_REALTIME);
}

static int64_t
system_mono(void *ctx)
{
	(void)ctx;
	return system_clock(CLOCK_MONOTONIC);
}

static const struct medsec_clock_ops system_ops = { system_wall, system_mono,
	NULL };
static const struct medsec_clock_ops *current = &system_ops;

void
medsec_clock_set(const struct medsec_clock_ops *ops)
{
	current = ops != NULL ? ops : &system_ops;
}

int64_t
medsec_clock_wall_us(void)
{
	return current->wall_us(current->ctx);
}

int64_t
medsec_clock_mono_us(void)
{
	return current->mono_us(current->ctx);
}

/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *yp, unsigned *mp, unsigned *dp)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp0 = (5 * doy + 2) / 153;
	*dp = doy - (153 * mp0 + 2) / 5 + 1;
	*mp = mp0 < 10 ? mp0 + 3 : mp0 - 9;
	*yp = (int64_t)yoe + era * 400 + (*mp <= 2);
}

int
medsec_time_format_digits(int64_t us, int digits, char *buf, size_t buflen)
{
	int64_t days, rem, secs, y;
	unsigned m, d;
	long frac;
	int n;

	if (buflen < MEDSEC_RFC3339_LEN ||
	    (digits != 0 && digits != 3 && digits != 6))
		return MEDSEC_ERR_INVALID;
	/* Remainder first: multiplying days back could overflow near
	 * INT64_MIN. */
	days = us / 86400000000LL;
	rem = us % 86400000000LL;
	if (rem < 0) {
		rem += 86400000000LL;
		days--;
	}
	secs = rem / 1000000;
	frac = (long)(rem % 1000000);
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return MEDSEC_ERR_INVALID;
	n = snprintf(buf, buflen, "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	if (digits == 3)
		n += snprintf(buf + n, buflen - (size_t)n, ".%03ld", frac / 1000);
	else if (digits == 6)
		n += snprintf(buf + n, buflen - (size_t)n, ".%06ld", frac);
	snprintf(buf + n, buflen - (size_t)n, "Z");
	return MEDSEC_OK;
}

int
medsec_time_format(int64_t us, char *buf, size_t buflen)
{
	return medsec_time_format_digits(us, 6, buf, buflen);
}

static int
digits_at(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_offset(const char *p, int64_t *offp)
{
	int oh, om;

	if (strcmp(p, "Z") == 0 || strcmp(p, "z") == 0) {
		*offp = 0;
		return 0;
	}
	if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || p[3] != ':' ||
	    digits_at(p + 1, 2, &oh) != 0 || digits_at(p + 4, 2, &om) != 0 ||
	    oh > 23 || om > 59)
		return -1;
	*offp = (int64_t)(oh * 3600 + om * 60) * 1000000 * (p[0] == '-' ? -1 : 1);
	return 0;
}

static const unsigned char month_days[] = { 31, 29, 31, 30, 31, 30, 31, 31,
	30, 31, 30, 31 };

int
medsec_time_parse(const char *s, int64_t *usp)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	int64_t frac = 0, off = 0;
	const char *p;

	if (s == NULL || strlen(s) < 10 || digits_at(s, 4, &y) != 0 ||
	    s[4] != '-' || digits_at(s + 5, 2, &mo) != 0 || s[7] != '-' ||
	    digits_at(s + 8, 2, &d) != 0)
		return MEDSEC_ERR_FORMAT;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1])
		return MEDSEC_ERR_FORMAT;
	if (s[10] != '\0') {
		if ((s[10] != 'T' && s[10] != 't') || strlen(s) < 20 ||
		    digits_at(s + 11, 2, &h) != 0 || s[13] != ':' ||
		    digits_at(s + 14, 2, &mi) != 0 || s[16] != ':' ||
		    digits_at(s + 17, 2, &se) != 0 || h > 23 || mi > 59 ||
		    se > 60)
			return MEDSEC_ERR_FORMAT;
		p = s + 19;
		if (*p == '.') {
			int n = 0;
			int64_t scale = 100000;

			for (p++; *p >= '0' && *p <= '9'; p++, n++) {
				if (n < 6) {
					frac += (*p - '0') * scale;
					scale /= 10;
				}
			}
			if (n == 0 || n > 9)
				return MEDSEC_ERR_FORMAT;
		}
		if (parse_offset(p, &off) != 0)
			return MEDSEC_ERR_FORMAT;
	}
	if (se == 60)
		se = 59; /* a leap second is read as :59 of the same minute */
	*usp = (days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		   h * 3600 + mi * 60 + se) * 1000000 + frac - off;
	return MEDSEC_OK;
}
