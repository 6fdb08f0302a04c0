/*
 * The delivery bound (uplink_bound.h): the times of a Bundle, read back
 * from the text the uplink built, and the counts against the bound.
 */
#include "uplink_bound.h"

#include <string.h>

#include "medsec/clock.h"
#include "medsec/err.h"

/*
 * The key as compact JSON writes it. Inside a string value its quotes
 * would be escaped, so the pattern only ever matches the member itself.
 */
#define TIME_MEMBER "\"effectiveDateTime\":\""
#define TIME_LEN_MAX 40

/* The first place of key in [at, end), or NULL. */
static const char *
find_member(const char *at, const char *end, const char *key, size_t keylen)
{
	while ((size_t)(end - at) >= keylen) {
		at = memchr(at, key[0], (size_t)(end - at) - keylen + 1);
		if (at == NULL)
			return NULL;
		if (memcmp(at, key, keylen) == 0)
			return at;
		at++;
	}
	return NULL;
}

void
uplink_bound_init(struct uplink_bound *b, uint32_t bound_seconds)
{
	memset(b, 0, sizeof(*b));
	b->bound_us = (int64_t)bound_seconds * 1000000;
}

size_t
uplink_bound_times(const char *bundle, size_t len, int64_t *times_us,
    size_t max)
{
	const size_t keylen = sizeof(TIME_MEMBER) - 1;
	const char *at, *end = bundle + len, *close;
	char text[TIME_LEN_MAX + 1];
	size_t n = 0, vlen;

	at = find_member(bundle, end, TIME_MEMBER, keylen);
	while (at != NULL && n < max) {
		at += keylen;
		close = memchr(at, '"', (size_t)(end - at));
		if (close == NULL)
			break;
		vlen = (size_t)(close - at);
		if (vlen <= TIME_LEN_MAX) {
			memcpy(text, at, vlen);
			text[vlen] = '\0';
			if (medsec_time_parse(text, &times_us[n]) == MEDSEC_OK)
				n++;
		}
		at = find_member(close + 1, end, TIME_MEMBER, keylen);
	}
	return n;
}

size_t
uplink_bound_measure(struct uplink_bound *b, const int64_t *times_us,
    size_t n, int64_t now_us)
{
	size_t i, late = 0;
	int64_t delay;

	for (i = 0; i < n; i++) {
		delay = now_us - times_us[i];
		if (delay > b->bound_us)
			late++;
		if (delay > b->interval_worst_us)
			b->interval_worst_us = delay;
	}
	b->delivered += n;
	b->interval_delivered += n;
	b->late += late;
	b->interval_late += late;
	return late;
}

void
uplink_bound_interval_reset(struct uplink_bound *b)
{
	b->interval_delivered = 0;
	b->interval_late = 0;
	b->interval_worst_us = 0;
}
