/*
 * Audit export: the public entry points, the bounded output buffer, UTF-8
 * clean-up shared by every format, and the one place where a record is
 * mapped onto DICOM PS3.15 A.5 codes (used by both ATNA XML and FHIR).
 * docs/formats/audit-export.md documents every choice made here.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

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
	const unsigned char *u = (const unsigned char *)s + *ip;
	size_t left = len - *ip, n, k;
	uint32_t cp, min;

	if (u[0] < 0x80) {
		*ip += 1;
		return u[0];
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2, cp = u[0] & 0x1f, min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3, cp = u[0] & 0x0f, min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4, cp = u[0] & 0x07, min = 0x10000;
	} else {
		goto bad;
	}
	if (left < n)
		goto bad;
	for (k = 1; k < n; k++) {
		if ((u[k] & 0xc0) != 0x80)
			goto bad;
		cp = (cp << 6) | (u[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	*ip += n;
	return cp;
bad:
	/* One byte at a time, so a stray byte never swallows valid text. */
	*ip += 1;
	return 0xfffd;
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

/* ---- the DICOM PS3.15 A.5 view of a record ---- */

static const char *
device_name(const struct medsec_audit_export_source *src)
{
	if (src->hostname != NULL && src->hostname[0] != '\0')
		return src->hostname;
	return src->device_id;
}

/*
 * The network access point of a record's source: an IP literal is type 2;
 * "local" (the device's own user interface) or nothing means the device
 * itself, named as a machine (type 1); anything else is a machine name.
 */
static void
set_nap(struct exp_participant *ap,
    const struct medsec_audit_export_source *src, const char *source)
{
	unsigned char addr[16];

	if (source[0] == '\0' || strcmp(source, "local") == 0) {
		ap->nap_id = device_name(src);
		ap->nap_type = "1";
	} else if (inet_pton(AF_INET, source, addr) == 1 ||
	    inet_pton(AF_INET6, source, addr) == 1) {
		ap->nap_id = source;
		ap->nap_type = "2";
	} else {
		ap->nap_id = source;
		ap->nap_type = "1";
	}
}

/*
 * EventOutcomeIndicator. A failed action is a minor failure (4); for a
 * Security Alert the indicator is the alert's severity, so a failure is
 * serious (8, contained by the device) and becomes major (12, possibly
 * compromised) when the event's syslog severity is critical or worse.
 */
static const char *
outcome_code(const struct medsec_audit_event_info *info, int outcome)
{
	if (outcome == MEDSEC_AUDIT_SUCCESS)
		return "0";
	if (info->category != MEDSEC_AUDIT_CAT_SECURITY)
		return "4";
	return info->syslog_severity <= 2 ? "12" : "8";
}

static int
set_alert(struct exp_object *po, const struct medsec_audit_event_info *info,
    const struct medsec_audit_record *rec)
{
	struct exp_buf b;

	exp_buf_init(&b, EXP_RECORD_MAX);
	exp_buf_str(&b, info->description);
	if (rec->reason[0] != '\0') {
		exp_buf_str(&b, "; ");
		exp_buf_str(&b, rec->reason);
	}
	if (rec->details[0] != '\0' && strcmp(rec->details, "{}") != 0) {
		exp_buf_str(&b, "; ");
		exp_buf_str(&b, rec->details);
	}
	return exp_buf_take(&b, &po->alert, NULL);
}

static void
set_requestor(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_participant *ap = &m->ap[m->nap++];

	/* A record without an actor was made by the device itself. */
	ap->user_id = rec->actor[0] != '\0' ? rec->actor : src->device_id;
	ap->requestor = 1;
	set_nap(ap, src, rec->source);
}

static void
map_auth(struct exp_message *m, const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	m->event_code = "110114";
	m->event_text = "User Authentication";
	if (m->type_code == NULL) {
		m->type_code = "110122";
		m->type_text = "Login";
	}
	m->action[0] = 'E';
	set_requestor(m, src, rec);
}

static void
map_phr(struct exp_message *m, const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_object *po = &m->po;

	m->event_code = "110110";
	m->event_text = "Patient Record";
	set_requestor(m, src, rec);
	if (rec->object[0] == '\0')
		return;
	/* Records hold the patient id, never the name: the id is the name. */
	po->id = po->name = rec->object;
	po->type_code = "1", po->type_text = "Person";
	po->role_code = "1", po->role_text = "Patient";
	po->idtype_code = "2", po->idtype_text = "Patient Number";
	m->has_po = 1;
}

static int
map_security(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_object *po = &m->po;

	m->event_code = "110113";
	m->event_text = "Security Alert";
	m->action[0] = 'E';
	set_requestor(m, src, rec);
	/* The alert's subject: the object, else the device itself. */
	po->id = po->name = rec->object[0] != '\0' ? rec->object :
	    src->device_id;
	po->type_code = "2", po->type_text = "System Object";
	po->role_code = "13", po->role_text = "Security Resource";
	po->idtype_code = "12", po->idtype_text = "URI";
	m->has_po = 1;
	return set_alert(po, m->info, rec);
}

static void
map_application(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	struct exp_participant *app = &m->ap[m->nap++];

	m->event_code = "110100";
	m->event_text = "Application Activity";
	m->action[0] = 'E';
	/* A.5.3.1: the application itself, then whoever started it. */
	app->user_id = src->app_name != NULL && src->app_name[0] != '\0' ?
	    src->app_name : "medsec";
	app->requestor = 0;
	app->nap_id = device_name(src);
	app->nap_type = "1";
	app->role_code = "110150", app->role_text = "Application";
	if (rec->actor[0] == '\0')
		return;
	set_requestor(m, src, rec);
	m->ap[1].role_code = "110151";
	m->ap[1].role_text = "Application Launcher";
}

static int
map_time(struct exp_message *m, int64_t time_us)
{
	if (medsec_time_format(time_us, m->time, sizeof(m->time)) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	/* Year 0000 is neither an xsd:dateTime nor a FHIR instant. */
	if (memcmp(m->time, "0000", 4) == 0)
		return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

int
exp_message_build(struct exp_message *m,
    const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec)
{
	const struct medsec_audit_event_info *info;
	int r;

	memset(m, 0, sizeof(*m));
	if ((info = medsec_audit_event_info(rec->event)) == NULL ||
	    src == NULL || src->device_id == NULL || src->device_id[0] == '\0')
		return MEDSEC_ERR_INVALID;
	if ((r = exp_check_record(rec)) != MEDSEC_OK)
		return r;
	if ((r = map_time(m, rec->time_us)) != MEDSEC_OK)
		return r;
	m->info = info;
	m->type_code = info->dicom_type;
	m->type_text = info->dicom_type_text;
	m->action[0] = info->action;
	m->outcome = outcome_code(info, rec->outcome);
	m->outcome_desc = rec->reason[0] != '\0' ? rec->reason : NULL;
	m->site_id = src->site_id != NULL && src->site_id[0] != '\0' ?
	    src->site_id : NULL;
	m->source_id = src->device_id;
	switch (info->category) {
	case MEDSEC_AUDIT_CAT_AUTH:
		map_auth(m, src, rec);
		return MEDSEC_OK;
	case MEDSEC_AUDIT_CAT_PHR:
		map_phr(m, src, rec);
		return MEDSEC_OK;
	case MEDSEC_AUDIT_CAT_SECURITY:
		return map_security(m, src, rec);
	case MEDSEC_AUDIT_CAT_APPLICATION:
		map_application(m, src, rec);
		return MEDSEC_OK;
	}
	return MEDSEC_ERR_INVALID;
}

void
exp_message_clear(struct exp_message *m)
{
	free(m->po.alert);
	memset(m, 0, sizeof(*m));
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
