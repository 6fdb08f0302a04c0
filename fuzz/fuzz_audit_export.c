/*
 * Fuzzes the audit export formatters with arbitrary record fields. Input:
 * one byte of flags (outcome), two of event index, eight of time, then
 * actor, source, object, reason, details and hostname separated by NUL.
 * Every format must either refuse the record or produce exactly one line
 * with no raw control byte: anything else aborts (log injection).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_line(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[len - 1] != '\n')
		abort();
	for (i = 0; i + 1 < len; i++)
		if ((unsigned char)s[i] < 0x20)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct medsec_audit_event_info *evs;
	struct medsec_audit_export_source src = { "pump-0042", "HOSP-A",
		NULL, NULL, NULL };
	struct medsec_audit_record rec;
	const char *f[6] = { "", "", "", "", "", NULL };
	char *text, *p, *out;
	size_t nev, len, i;
	int fmt;

	if (size < 11 || (text = malloc(size - 11 + 1)) == NULL)
		return 0;
	memcpy(text, data + 11, size - 11);
	text[size - 11] = '\0';
	for (i = 0, p = text; i < 6 && p < text + (size - 11); i++) {
		f[i] = p;
		p += strlen(p) + 1;
	}
	evs = medsec_audit_events(&nev);
	memset(&rec, 0, sizeof(rec));
	rec.seq = data[0] & 0x80 ? 2147483648ULL : data[2];
	rec.event = data[1] == 0xff ? 9999 : evs[data[1] % nev].event;
	rec.outcome = data[0] & 1;
	memcpy(&rec.time_us, data + 3, sizeof(rec.time_us));
	rec.actor = f[0], rec.source = f[1], rec.object = f[2];
	rec.reason = f[3], rec.details = f[4];
	src.hostname = f[5];
	for (fmt = MEDSEC_AUDIT_FMT_JSONL; fmt <= MEDSEC_AUDIT_FMT_FHIR; fmt++) {
		if (medsec_audit_export_record(fmt, &src, &rec, data[2], &out,
		    &len) != MEDSEC_OK)
			continue;
		check_line(out, len);
		free(out);
	}
	free(text);
	return 0;
}
