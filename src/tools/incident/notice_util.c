/*
 * What the notices and the advisory share: their errors and the words
 * of a record's severity and status, in the order the wording lists
 * them (incident_text.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "incident_int.h"

const char *const notice_severities[4] = { "low", "medium", "high",
	"critical" };
const char *const notice_statuses[3] = { "open", "contained", "closed" };

void
notice_fail(struct medsec_config_error *err, const char *key,
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
notice_index(const char *const *list, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], word) == 0)
			return (int)i;
	return -1;
}
