/*
 * What the shipper sends and where the monitor keeps its place: RFC 5425
 * octet-counted frames of RFC 5424 and IHE ATNA messages, and the shipped
 * cursor file (shipper.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/clock.h"
#include "medsec/err.h"
#include "shipper.h"

#define FACILITY_SECURITY 10
#define HEADER_FIELD_MAX 255
#define CURSOR_MAGIC "medsec-ship-cursor 1"
#define CURSOR_FILE_MAX 512

int
ship_frame(char *buf, size_t cap, size_t *used, const char *msg, size_t len)
{
	char prefix[24];
	int n;

	n = snprintf(prefix, sizeof(prefix), "%zu ", len);
	if (n <= 0 || *used > cap || (size_t)n > cap - *used ||
	    len > cap - *used - (size_t)n)
		return -1;
	memcpy(buf + *used, prefix, (size_t)n);
	memcpy(buf + *used + n, msg, len);
	*used += (size_t)n + len;
	return 0;
}

/* A header field as RFC 5424 allows: printable US-ASCII, bounded. */
static void
header_field(char *out, size_t outlen, const char *v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != '\0' && i + 1 < outlen &&
	    i < HEADER_FIELD_MAX; i++)
		out[i] = v[i] > 32 && v[i] < 127 ? v[i] : '_';
	if (i == 0 && outlen > 1)
		out[i++] = '-';
	out[i] = '\0';
}

/* One export line without its newline. */
static int
export_line(int fmt, const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, char **linep, size_t *lenp)
{
	int r;

	if ((r = medsec_audit_export_record(fmt, src, rec, 0, linep, lenp)) !=
	    MEDSEC_OK)
		return r;
	while (*lenp > 0 && ((*linep)[*lenp - 1] == '\n' ||
	    (*linep)[*lenp - 1] == '\r'))
		(*linep)[--*lenp] = '\0';
	return MEDSEC_OK;
}

/* "<PRI>1 TIME HOST APP - IHE+RFC-3881 [meta sequenceId="N"] BOM" */
static int
atna_header(const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, char *out, size_t outlen)
{
	const struct medsec_audit_event_info *info =
	    medsec_audit_event_info(rec->event);
	char when[MEDSEC_RFC3339_LEN], host[HEADER_FIELD_MAX + 1], app[49];
	int n;

	if (info == NULL || medsec_time_format(rec->time_us, when,
	    sizeof(when)) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	header_field(host, sizeof(host), src->hostname != NULL &&
	    src->hostname[0] != '\0' ? src->hostname : src->device_id);
	header_field(app, sizeof(app), src->app_name != NULL &&
	    src->app_name[0] != '\0' ? src->app_name : "medsec");
	n = snprintf(out, outlen, "<%d>1 %s %s %s - " SHIP_ATNA_MSGID
	    " [meta sequenceId=\"%" PRIu64 "\"] \xef\xbb\xbf",
	    FACILITY_SECURITY * 8 + info->syslog_severity, when, host, app,
	    rec->seq);
	return n > 0 && (size_t)n < outlen ? MEDSEC_OK : MEDSEC_ERR_INVALID;
}

int
ship_render(const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, uint32_t formats, char **outp,
    size_t *lenp)
{
	char header[512], *syslog_msg = NULL, *xml = NULL, *buf = NULL;
	char *atna = NULL;
	size_t slen = 0, xlen = 0, alen = 0, hlen, cap, used = 0;
	int r;

	*outp = NULL;
	*lenp = 0;
	if ((formats & MEDSEC_SHIP_SYSLOG) != 0 && (r = export_line(
	    MEDSEC_AUDIT_FMT_SYSLOG, src, rec, &syslog_msg, &slen)) !=
	    MEDSEC_OK)
		goto out;
	if ((formats & MEDSEC_SHIP_ATNA) != 0) {
		if ((r = export_line(MEDSEC_AUDIT_FMT_ATNA, src, rec, &xml,
		    &xlen)) != MEDSEC_OK ||
		    (r = atna_header(src, rec, header, sizeof(header))) !=
		    MEDSEC_OK)
			goto out;
		hlen = strlen(header);
		r = MEDSEC_ERR_NOMEM;
		if ((atna = malloc(hlen + xlen + 1)) == NULL)
			goto out;
		memcpy(atna, header, hlen);
		memcpy(atna + hlen, xml, xlen + 1);
		alen = hlen + xlen;
	}
	cap = slen + alen + 48;
	r = MEDSEC_ERR_NOMEM;
	if ((buf = malloc(cap)) == NULL)
		goto out;
	r = MEDSEC_ERR_INVALID;
	if ((syslog_msg != NULL && ship_frame(buf, cap, &used, syslog_msg,
	    slen) != 0) || (atna != NULL && ship_frame(buf, cap, &used, atna,
	    alen) != 0))
		goto out;
	*outp = buf;
	*lenp = used;
	buf = NULL;
	r = MEDSEC_OK;
out:
	free(syslog_msg);
	free(xml);
	free(atna);
	free(buf);
	return r;
}

uint64_t
ship_resume_after(uint64_t acked, uint32_t replay_window)
{
	return acked > replay_window ? acked - replay_window : 0;
}

int
ship_cursor_load(const char *path, const char *target, uint64_t *ackedp)
{
	char text[CURSOR_FILE_MAX + 1], saved[CURSOR_FILE_MAX + 1];
	uint64_t acked;
	ssize_t n;
	int fd, used = 0;

	*ackedp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? MEDSEC_OK : MEDSEC_ERR_IO;
	n = read(fd, text, CURSOR_FILE_MAX);
	close(fd);
	if (n <= 0 || n == CURSOR_FILE_MAX)
		return MEDSEC_ERR_FORMAT;
	text[n] = '\0';
	if (sscanf(text, CURSOR_MAGIC "\ntarget %512s\nacked %" SCNu64 "\n%n",
	    saved, &acked, &used) != 2 || used != (int)n)
		return MEDSEC_ERR_FORMAT;
	if (strcmp(saved, target) == 0)
		*ackedp = acked;
	return MEDSEC_OK;
}

static int
sync_dir_of(const char *path)
{
	char dir[MEDSEC_CONFIG_PATH_MAX + 32];
	char *slash;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return MEDSEC_ERR_INVALID;
	*slash = '\0';
	if ((fd = open(dir[0] != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return MEDSEC_ERR_IO;
	r = fsync(fd) == 0 ? MEDSEC_OK : MEDSEC_ERR_IO;
	close(fd);
	return r;
}

int
ship_cursor_save(const char *path, const char *target, uint64_t acked)
{
	char tmp[MEDSEC_CONFIG_PATH_MAX + 32], text[CURSOR_FILE_MAX];
	int fd, n, ok;

	n = snprintf(text, sizeof(text), CURSOR_MAGIC "\ntarget %s\nacked %"
	    PRIu64 "\n", target, acked);
	if (n <= 0 || (size_t)n >= sizeof(text) || strchr(target, ' ') !=
	    NULL || strchr(target, '\n') != NULL || target[0] == '\0')
		return MEDSEC_ERR_INVALID;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return MEDSEC_ERR_INVALID;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return MEDSEC_ERR_IO;
	ok = write(fd, text, (size_t)n) == n && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return MEDSEC_ERR_IO;
	}
	return sync_dir_of(path);
}
