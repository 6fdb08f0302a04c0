/*
 * Sequential reader over every segment of a trail. It checks framing
 * only; tamper evidence is medsec_audit_verify()'s job.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "io/io.h"

struct medsec_audit_reader {
	char dir[4096];
	uint64_t *segs;
	size_t nsegs, next_seg;
	int open;
	struct audit_scan scan;
	char strings[5 * (MEDSEC_AUDIT_DETAILS_MAX + 1)];
};

int
medsec_audit_reader_open(const char *dir, struct medsec_audit_reader **rp)
{
	struct medsec_audit_reader *r;
	int rc;

	*rp = NULL;
	if (dir == NULL || strlen(dir) >= sizeof(r->dir))
		return MEDSEC_ERR_INVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(r->dir, dir, strlen(dir) + 1);
	if ((rc = audit_seg_list(dir, &r->segs, &r->nsegs)) != MEDSEC_OK) {
		free(r);
		return rc;
	}
	if (r->nsegs == 0) {
		free(r->segs);
		free(r);
		return MEDSEC_ERR_NOT_FOUND;
	}
	*rp = r;
	return MEDSEC_OK;
}

static int
next_segment(struct medsec_audit_reader *r)
{
	struct audit_seg_header h;
	char name[64], path[4096];
	int rc;

	if (r->open)
		audit_scan_close(&r->scan);
	r->open = 0;
	if (r->next_seg == r->nsegs)
		return 0;
	if ((rc = audit_seg_name(name, sizeof(name), r->segs[r->next_seg])) !=
		MEDSEC_OK ||
	    (rc = medsec_io_path(path, sizeof(path), r->dir, name)) != MEDSEC_OK)
		return rc;
	r->next_seg++;
	r->open = 1;
	rc = audit_scan_open(&r->scan, path, &h, NULL);
	return rc == MEDSEC_OK ? 1 : rc == AUDIT_SCAN_TORN ? MEDSEC_ERR_FORMAT
							  : rc;
}

static void
fill_record(struct medsec_audit_reader *r, const struct audit_rec *rec,
    struct medsec_audit_record *out)
{
	const char **dst[5] = { &out->actor, &out->source, &out->object,
		&out->reason, &out->details };
	char *p = r->strings;

	out->seq = rec->seq;
	out->time_us = rec->time_us;
	out->event = rec->event;
	out->outcome = rec->outcome;
	for (int i = 0; i < 5; i++) {
		memcpy(p, rec->field[i], rec->field_len[i]);
		p[rec->field_len[i]] = '\0';
		*dst[i] = p;
		p += rec->field_len[i] + 1;
	}
	if (rec->field_len[F_DETAILS] == 0)
		out->details = "{}";
}

int
medsec_audit_reader_next(struct medsec_audit_reader *r,
    struct medsec_audit_record *rec)
{
	struct audit_rec raw;
	uint64_t off;
	int rc;

	for (;;) {
		if (!r->open && (rc = next_segment(r)) <= 0)
			return rc;
		rc = audit_scan_next(&r->scan, &raw, &off);
		if (rc == 1) {
			fill_record(r, &raw, rec);
			return 1;
		}
		if (rc != 0)
			return rc == AUDIT_SCAN_TORN ? MEDSEC_ERR_FORMAT : rc;
		audit_scan_close(&r->scan);
		r->open = 0;
	}
}

void
medsec_audit_reader_close(struct medsec_audit_reader *r)
{
	if (r == NULL)
		return;
	if (r->open)
		audit_scan_close(&r->scan);
	free(r->segs);
	free(r);
}
