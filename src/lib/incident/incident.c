/*
 * The facts of an incident: which a notice needs, and whether what was
 * given is well formed. REQ: MFDS 2.3 (incident information for users),
 * MFDS 2025 rules (notice, root cause, recurrence prevention).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "incident_int.h"

#define FIELD(name, member) { name, offsetof(struct medsec_incident, member), \
	sizeof(((struct medsec_incident *)0)->member) }

const struct incident_field incident_fields[] = {
	FIELD("detected", detected),
	FIELD("severity", severity),
	FIELD("devices", devices),
	FIELD("versions", versions),
	FIELD("summary", summary),
	FIELD("impact", impact),
	FIELD("containment", containment),
	FIELD("root_cause", root_cause),
	FIELD("prevention", prevention),
};
const size_t incident_nfields = sizeof(incident_fields) /
    sizeof(incident_fields[0]);

/* The first seven are what every notice states from the first day. */
#define FIELDS_TO_OPEN 7

const char *const incident_severities[4] = { "low", "medium", "high",
	"critical" };

char *
incident_text(struct medsec_incident *inc, const struct incident_field *f)
{
	return (char *)inc + f->offset;
}

const char *
incident_ctext(const struct medsec_incident *inc,
    const struct incident_field *f)
{
	return (const char *)inc + f->offset;
}

void
incident_fail(struct medsec_config_error *err, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->key, sizeof(err->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

int
incident_index(const char *const *list, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], word) == 0)
			return (int)i;
	return -1;
}

size_t
medsec_incident_missing(const struct medsec_incident *inc, int for_close,
    char *out, size_t outlen)
{
	size_t n = 0, used = 0, need = for_close ? incident_nfields :
	    FIELDS_TO_OPEN;

	if (outlen > 0)
		out[0] = '\0';
	for (size_t i = 0; i < need; i++) {
		if (incident_ctext(inc, &incident_fields[i])[0] != '\0')
			continue;
		if (outlen > used) {
			int w = snprintf(out + used, outlen - used, "%s%s",
			    n > 0 ? ", " : "", incident_fields[i].name);

			used += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	return n;
}

static int
digits(const char *s, size_t n, int lo, int hi)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi;
}

int
incident_valid_time(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SSZ; day 31 in any month is the reader's typo
	 * to see, not ours to reject: the form is what a record compares. */
	return strlen(s) == 20 && s[4] == '-' && s[7] == '-' &&
	    s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z' &&
	    digits(s, 4, 1970, 9999) && digits(s + 5, 2, 1, 12) &&
	    digits(s + 8, 2, 1, 31) && digits(s + 11, 2, 0, 23) &&
	    digits(s + 14, 2, 0, 59) && digits(s + 17, 2, 0, 60);
}

/* Well-formed UTF-8; no control characters but newline and tab. */
static int
clean_text(const char *s, size_t *badp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		size_t len = medsec_utf8_decode(p + i, n - i, &cp);

		if (len == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') ||
		    cp == 0x7f) {
			*badp = i;
			return 0;
		}
		i += len;
	}
	return 1;
}

int
medsec_incident_check(const struct medsec_incident *inc, const char *now,
    struct medsec_config_error *err)
{
	size_t bad;

	if (inc == NULL || now == NULL || !incident_valid_time(now))
		return MEDSEC_ERR_INVALID;
	for (size_t i = 0; i < incident_nfields; i++) {
		const char *t = incident_ctext(inc, &incident_fields[i]);

		if (!clean_text(t, &bad)) {
			incident_fail(err, incident_fields[i].name, "a control "
			    "character or invalid UTF-8 at byte %zu", bad);
			return MEDSEC_ERR_INVALID;
		}
	}
	if (inc->detected[0] != '\0' && !incident_valid_time(inc->detected)) {
		incident_fail(err, "detected", "'%s' is not a UTC time "
		    "YYYY-MM-DDTHH:MM:SSZ", inc->detected);
		return MEDSEC_ERR_INVALID;
	}
	/* Same fixed form: text order is time order. */
	if (inc->detected[0] != '\0' && strcmp(inc->detected, now) > 0) {
		incident_fail(err, "detected", "'%s' is after now (%s)",
		    inc->detected, now);
		return MEDSEC_ERR_INVALID;
	}
	if (inc->severity[0] != '\0' && incident_index(incident_severities, 4,
	    inc->severity) < 0) {
		incident_fail(err, "severity", "'%s' is not one of low, medium, "
		    "high, critical", inc->severity);
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}
