#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/err.h"
#include "audit_int.h"
#include "io/io.h"

static int
fill(struct audit_scan *s)
{
	ssize_t n;

	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	while (s->end < AUDIT_SCAN_BUF && !s->eof) {
		n = read(s->fd, s->buf + s->end, AUDIT_SCAN_BUF - s->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MEDSEC_ERR_IO;
		if (n == 0)
			s->eof = 1;
		s->end += (size_t)n;
	}
	return MEDSEC_OK;
}

int
audit_scan_open(struct audit_scan *s, const char *path,
    struct audit_seg_header *h, uint8_t raw_header[AUDIT_SEG_HEADER_LEN])
{
	int r;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if ((s->buf = malloc(AUDIT_SCAN_BUF)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((s->fd = medsec_io_open(path, O_RDONLY, 0)) < 0) {
		r = s->fd;
		s->fd = -1;
		return r;
	}
	if ((r = fill(s)) != MEDSEC_OK)
		return r;
	if (s->end < AUDIT_SEG_HEADER_LEN)
		return AUDIT_SCAN_TORN;
	if (raw_header != NULL)
		memcpy(raw_header, s->buf, AUDIT_SEG_HEADER_LEN);
	if ((r = audit_seg_header_decode(s->buf, h)) != MEDSEC_OK)
		return r;
	s->start = AUDIT_SEG_HEADER_LEN;
	s->offset = AUDIT_SEG_HEADER_LEN;
	return MEDSEC_OK;
}

int
audit_scan_next(struct audit_scan *s, struct audit_rec *rec, uint64_t *offp)
{
	int n, r;

	n = audit_rec_decode(s->buf + s->start, s->end - s->start, rec);
	if (n == 0 && !s->eof) {
		if ((r = fill(s)) != MEDSEC_OK)
			return r;
		n = audit_rec_decode(s->buf + s->start, s->end - s->start, rec);
	}
	if (n < 0)
		return n;
	if (n == 0)
		return s->start == s->end ? 0 : AUDIT_SCAN_TORN;
	*offp = s->offset;
	s->start += (size_t)n;
	s->offset += (uint64_t)n;
	return 1;
}

void
audit_scan_close(struct audit_scan *s)
{
	free(s->buf);
	s->buf = NULL;
	if (s->fd >= 0)
		medsec_io_close(s->fd);
	s->fd = -1;
}

int
audit_scan_find(const char *path, uint64_t seq, uint64_t *seqp,
    uint8_t hash[AUDIT_CHAIN_LEN])
{
	struct audit_seg_header h;
	struct audit_scan s;
	struct audit_rec rec;
	uint64_t off;
	int found = 0, r;

	r = audit_scan_open(&s, path, &h, NULL);
	while (r == MEDSEC_OK && (r = audit_scan_next(&s, &rec, &off)) == 1) {
		r = MEDSEC_OK;
		if (seq != 0 && rec.seq != seq)
			continue;
		found = 1;
		*seqp = rec.seq;
		memcpy(hash, rec.hash, AUDIT_CHAIN_LEN);
		if (seq != 0)
			break;
	}
	audit_scan_close(&s);
	/* A torn end is the writer's to recover: what came before counts. */
	if (r < 0 && r != MEDSEC_ERR_FORMAT)
		return r;
	return found ? MEDSEC_OK : MEDSEC_ERR_NOT_FOUND;
}
