/*
 * Audit export: the public entry points, the bounded output buffer and
 * the UTF-8 clean-up and checks shared by every format. The DICOM mapping
 * is in audit_export_xml.c; docs/formats/audit-export.md documents every
 * choice made in these files.
 */
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/clock.h"
#include "medsec/err.h"

#include "audit_export_int.h"

/* ---- bounded buffer ---- */

void
exp_buf_init(struct exp_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
exp_buf_free(struct exp_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int
exp_buf_reserve(struct exp_buf *b, size_t more)
{
	size_t need, ncap;
	char *np;

	/* One byte stays free for the NUL that exp_buf_take() adds. */
	if (more > b->max || b->len + 1 > b->max - more) {
		b->err = MEDSEC_ERR_TOO_LARGE;
		return b->err;
	}
	need = b->len + more + 1;
	if (need <= b->cap)
		return MEDSEC_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max)
		ncap = b->max;
	if ((np = realloc(b->p, ncap)) == NULL) {
		b->err = MEDSEC_ERR_NOMEM;
		return b->err;
	}
	b->p = np;
	b->cap = ncap;
	return MEDSEC_OK;
}

void
exp_buf_add(struct exp_buf *b, const void *data, size_t len)
{
	if (b->err != MEDSEC_OK || len == 0)
		return;
	if (exp_buf_reserve(b, len) != MEDSEC_OK)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void
exp_buf_str(struct exp_buf *b, const char *s)
{
	exp_buf_add(b, s, strlen(s));
}

void
exp_buf_u64(struct exp_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	exp_buf_add(b, tmp + i, sizeof(tmp) - i);
}

int
exp_buf_take(struct exp_buf *b, char **outp, size_t *lenp)
{
	int r = b->err;

	if (r == MEDSEC_OK)
		r = exp_buf_reserve(b, 0);
	if (r != MEDSEC_OK) {
		exp_buf_free(b);
		return r;
	}
	b->p[b->len] = '\0';
	*outp = b->p;
	if (lenp != NULL)
		*lenp = b->len;
	memset(b, 0, sizeof(*b));
	return MEDSEC_OK;
}

/* ---- UTF-8 ---- */

uint32_t
exp_utf8_next(const char *s, size_t len, size_t *ip)
{
	uint32_t cp;
	size_t n = medsec_utf8_decode((const unsigned char *)s + *ip,
	    len - *ip, &cp);

	/* One byte at a time, so a stray byte never swallows valid text. */
	*ip += n > 0 ? n : 1;
	return n > 0 ? cp : 0xfffd;
}

void
exp_buf_cp(struct exp_buf *b, uint32_t cp)
{
	unsigned char t[4];
	size_t n;

	if (cp < 0x80) {
		t[0] = (unsigned char)cp, n = 1;
	} else if (cp < 0x800) {
		t[0] = (unsigned char)(0xc0 | (cp >> 6));
		t[1] = (unsigned char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		t[0] = (unsigned char)(0xe0 | (cp >> 12));
		t[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (unsigned char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		t[0] = (unsigned char)(0xf0 | (cp >> 18));
		t[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (unsigned char)(0x80 | (cp & 0x3f)), n = 4;
	}
	exp_buf_add(b, t, n);
}

void
exp_buf_utf8(struct exp_buf *b, const char *s, int no_ctl)
{
	size_t i = 0, len = strlen(s);
	uint32_t cp;

	while (i < len) {
		cp = exp_utf8_next(s, len, &i);
		if (no_ctl && ((cp < 0x20 && cp != '\t' && cp != '\n' &&
		    cp != '\r') || cp == 0x7f))
			cp = 0xfffd;
		exp_buf_cp(b, cp);
	}
}

void
exp_buf_base64(struct exp_buf *b, const void *data, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char q[4];
	uint32_t v;
	size_t i;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = tab[(v >> 18) & 0x3f];
		q[1] = tab[(v >> 12) & 0x3f];
		q[2] = i + 1 < len ? tab[(v >> 6) & 0x3f] : '=';
		q[3] = i + 2 < len ? tab[v & 0x3f] : '=';
		exp_buf_add(b, q, 4);
	}
}

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in microseconds. */
#define TIME_MIN_US (-62167219200LL * 1000000)
#define TIME_END_US (253402300800LL * 1000000)

int
exp_time_format(int64_t us, char buf[MEDSEC_RFC3339_LEN])
{
	/* Range checked here first, so that no extreme value (a damaged
	 * record, fuzzing) reaches the calendar arithmetic. */
	if (us < TIME_MIN_US || us >= TIME_END_US)
		return MEDSEC_ERR_INVALID;
	if (medsec_time_format(us, buf, MEDSEC_RFC3339_LEN) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

int
exp_check_record(const struct medsec_audit_record *rec)
{
	const char *f[4] = { rec->actor, rec->source, rec->object,
		rec->reason };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (f[i] == NULL)
			return MEDSEC_ERR_INVALID;
		if (strlen(f[i]) > MEDSEC_AUDIT_FIELD_MAX)
			return MEDSEC_ERR_TOO_LARGE;
	}
	if (rec->details == NULL)
		return MEDSEC_ERR_INVALID;
	if (strlen(rec->details) > MEDSEC_AUDIT_DETAILS_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	return MEDSEC_OK;
}

/* ---- public API ---- */

int
medsec_audit_format_by_name(const char *name, int *fmtp)
{
	static const struct {
		const char *name;
		int fmt;
	} names[] = {
		{ "jsonl", MEDSEC_AUDIT_FMT_JSONL },
		{ "syslog", MEDSEC_AUDIT_FMT_SYSLOG },
		{ "atna", MEDSEC_AUDIT_FMT_ATNA },
		{ "fhir", MEDSEC_AUDIT_FMT_FHIR },
	};
	size_t i;

	if (name == NULL || fmtp == NULL)
		return MEDSEC_ERR_INVALID;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i].name, name) == 0) {
			*fmtp = names[i].fmt;
			return MEDSEC_OK;
		}
	}
	return MEDSEC_ERR_INVALID;
}

static int
check_args(int fmt, const struct medsec_audit_export_source *src,
    char **outp)
{
	if (outp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	if (fmt < MEDSEC_AUDIT_FMT_JSONL || fmt > MEDSEC_AUDIT_FMT_FHIR)
		return MEDSEC_ERR_INVALID;
	if (src == NULL || src->device_id == NULL || src->device_id[0] == '\0')
		return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

int
medsec_audit_export_begin(int fmt,
    const struct medsec_audit_export_source *src, char **outp, size_t *lenp)
{
	struct exp_buf b;
	int r;

	if ((r = check_args(fmt, src, outp)) != MEDSEC_OK)
		return r;
	exp_buf_init(&b, EXP_RECORD_MAX);
	if (fmt == MEDSEC_AUDIT_FMT_FHIR)
		exp_buf_str(&b, "{\"resourceType\":\"Bundle\","
				"\"type\":\"collection\",\"entry\":[\n");
	return exp_buf_take(&b, outp, lenp);
}

int
medsec_audit_export_record(int fmt,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, uint64_t index, char **outp,
    size_t *lenp)
{
	struct exp_buf b;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = check_args(fmt, src, outp)) != MEDSEC_OK)
		return r;
	if (rec == NULL || medsec_audit_event_info(rec->event) == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = exp_check_record(rec)) != MEDSEC_OK)
		return r;
	exp_buf_init(&b, EXP_RECORD_MAX);
	switch (fmt) {
	case MEDSEC_AUDIT_FMT_JSONL:
		r = exp_jsonl_record(&b, src, rec);
		break;
	case MEDSEC_AUDIT_FMT_SYSLOG:
		r = exp_syslog_record(&b, src, rec);
		break;
	case MEDSEC_AUDIT_FMT_ATNA:
		r = exp_atna_record(&b, src, rec);
		break;
	case MEDSEC_AUDIT_FMT_FHIR:
		r = exp_fhir_record(&b, src, rec, index);
		break;
	}
	if (r != MEDSEC_OK) {
		exp_buf_free(&b);
		return r;
	}
	return exp_buf_take(&b, outp, lenp);
}

int
medsec_audit_export_end(int fmt,
    const struct medsec_audit_export_source *src, uint64_t count,
    char **outp, size_t *lenp)
{
	struct exp_buf b;
	int r;

	(void)count;
	if ((r = check_args(fmt, src, outp)) != MEDSEC_OK)
		return r;
	exp_buf_init(&b, EXP_RECORD_MAX);
	if (fmt == MEDSEC_AUDIT_FMT_FHIR)
		exp_buf_str(&b, "]}\n");
	return exp_buf_take(&b, outp, lenp);
}

/* Passes one formatted piece to the sink and frees it. */
static int
emit(medsec_audit_write_fn write, void *ctx, char *s, size_t len)
{
	int r = MEDSEC_OK;

	if (len > 0)
		r = write(ctx, s, len);
	free(s);
	return r;
}

/* Streams the matching records; *countp counts those written. */
static int
export_records(struct medsec_audit_reader *rd, int fmt,
    const struct medsec_audit_export_source *src, int64_t since_us,
    int64_t until_us, medsec_audit_write_fn write, void *ctx,
    uint64_t *countp)
{
	struct medsec_audit_record rec;
	char *s;
	size_t len;
	int r;

	for (;;) {
		if ((r = medsec_audit_reader_next(rd, &rec)) <= 0)
			return r;
		if (rec.time_us < since_us || rec.time_us > until_us)
			continue;
		r = medsec_audit_export_record(fmt, src, &rec, *countp, &s,
		    &len);
		if (r != MEDSEC_OK)
			return r;
		if ((r = emit(write, ctx, s, len)) != MEDSEC_OK)
			return r;
		(*countp)++;
	}
}

int
medsec_audit_export(const char *dir, int fmt,
    const struct medsec_audit_export_source *src, int64_t since_us,
    int64_t until_us, medsec_audit_write_fn write, void *ctx,
    uint64_t *countp)
{
	struct medsec_audit_reader *rd = NULL;
	uint64_t count = 0;
	char *s = NULL;
	size_t len;
	int r = MEDSEC_ERR_INTERNAL;

	if (dir == NULL || write == NULL) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = medsec_audit_export_begin(fmt, src, &s, &len)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_audit_reader_open(dir, &rd)) != MEDSEC_OK) {
		free(s);
		goto out;
	}
	if ((r = emit(write, ctx, s, len)) != MEDSEC_OK)
		goto out;
	r = export_records(rd, fmt, src, since_us, until_us, write, ctx,
	    &count);
	if (r != MEDSEC_OK)
		goto out;
	if ((r = medsec_audit_export_end(fmt, src, count, &s, &len)) !=
	    MEDSEC_OK)
		goto out;
	if ((r = emit(write, ctx, s, len)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_OK;
out:
	medsec_audit_reader_close(rd);
	if (countp != NULL)
		*countp = count;
	return r;
}
