/*
 * The manifest object: entries kept one allocation each, sorted by path
 * bytes once complete, looked up by binary search; path escaping; names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integrity/integrity_int.h"
#include "medsec/err.h"

void
medsec_integrity_options_default(struct medsec_integrity_options *o)
{
	if (o != NULL)
		memset(o, 0, sizeof(*o));
}

unsigned
integrity_threads(const struct medsec_integrity_options *o)
{
	long n;

	if (o != NULL && o->threads != 0)
		return o->threads > INTEGRITY_THREADS_MAX ? INTEGRITY_THREADS_MAX
							  : o->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > INTEGRITY_THREADS_MAX ? INTEGRITY_THREADS_MAX : (unsigned)n;
}

int
integrity_manifest_new(int hash_alg, size_t max,
    struct medsec_integrity_manifest **mp)
{
	struct medsec_integrity_manifest *m;

	*mp = NULL;
	if (medsec_hash_len(hash_alg) == 0)
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return MEDSEC_ERR_NOMEM;
	m->hash_alg = hash_alg;
	m->hdr.hash_alg = hash_alg;
	m->max = max == 0 || max > MEDSEC_INTEGRITY_ENTRIES_MAX
	    ? MEDSEC_INTEGRITY_ENTRIES_MAX : max;
	*mp = m;
	return MEDSEC_OK;
}

void
medsec_integrity_free(struct medsec_integrity_manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	free(m);
}

int
integrity_entry_add(struct medsec_integrity_manifest *m, const char *path,
    size_t pathlen, struct ientry **ep)
{
	struct ientry *e, **nv;
	size_t ncap;

	if (m->n >= m->max)
		return MEDSEC_ERR_TOO_LARGE;
	if (pathlen > MEDSEC_INTEGRITY_PATH_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	if (m->n == m->cap) {
		ncap = m->cap == 0 ? 256 : m->cap * 2;
		if (ncap > m->max)
			ncap = m->max;
		if ((nv = realloc(m->v, ncap * sizeof(*nv))) == NULL)
			return MEDSEC_ERR_NOMEM;
		m->v = nv;
		m->cap = ncap;
	}
	if ((e = calloc(1, sizeof(*e) + pathlen + 1)) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(e->path, path, pathlen);
	e->path[pathlen] = '\0';
	e->pub.path = e->path;
	m->v[m->n++] = e;
	*ep = e;
	return MEDSEC_OK;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct ientry *x = *(const struct ientry *const *)a;
	const struct ientry *y = *(const struct ientry *const *)b;

	return strcmp(x->path, y->path);
}

void
integrity_sort(struct medsec_integrity_manifest *m)
{
	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), entry_cmp);
}

const struct ientry *
integrity_find(const struct medsec_integrity_manifest *m, const char *path)
{
	size_t lo = 0, hi = m->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(path, m->v[mid]->path);
		if (c == 0)
			return m->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct medsec_integrity_header *
medsec_integrity_header(const struct medsec_integrity_manifest *m)
{
	return m != NULL ? &m->hdr : NULL;
}

size_t
medsec_integrity_count(const struct medsec_integrity_manifest *m)
{
	return m != NULL ? m->n : 0;
}

const struct medsec_integrity_entry *
medsec_integrity_entry_at(const struct medsec_integrity_manifest *m,
    size_t i)
{
	return m != NULL && i < m->n ? &m->v[i]->pub : NULL;
}

/* Bytes a manifest writes as %xx: anything that is not plain printable
 * ASCII, the escape itself, and the two characters JSON would escape. */
static int
must_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '%' || c == '"' || c == '\\';
}

int
medsec_integrity_escape(const char *raw, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)raw;
	size_t o = 0;

	if (raw == NULL || out == NULL || outlen == 0)
		return MEDSEC_ERR_INVALID;
	for (; *p != '\0'; p++) {
		if (o + (must_escape(*p) ? 3 : 1) >= outlen) {
			out[0] = '\0';
			return MEDSEC_ERR_TOO_LARGE;
		}
		if (!must_escape(*p)) {
			out[o++] = (char)*p;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 0xf];
	}
	out[o] = '\0';
	return MEDSEC_OK;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* uppercase is not canonical */
}

int
integrity_unescape(const char *in, size_t inlen, char *out, size_t outlen,
    size_t *outlenp)
{
	size_t i, o = 0;
	int hi, lo;
	unsigned char c;

	for (i = 0; i < inlen; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (inlen - i < 3 || (hi = hexval(in[i + 1])) < 0 ||
			    (lo = hexval(in[i + 2])) < 0)
				return MEDSEC_ERR_FORMAT;
			c = (unsigned char)(hi << 4 | lo);
			/* One spelling per byte: only what must be escaped. */
			if (c == 0 || !must_escape(c))
				return MEDSEC_ERR_FORMAT;
			i += 2;
		} else if (must_escape(c)) {
			return MEDSEC_ERR_FORMAT;
		}
		if (o + 1 >= outlen)
			return MEDSEC_ERR_TOO_LARGE;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlenp = o;
	return MEDSEC_OK;
}

int
integrity_signed_message(const void *body, size_t len,
    uint8_t msg[INTEGRITY_SIGNED_MSG_LEN])
{
	memcpy(msg, INTEGRITY_SIG_CONTEXT, sizeof(INTEGRITY_SIG_CONTEXT));
	return medsec_hash(MEDSEC_ALG_SHA256, body, len,
	    msg + sizeof(INTEGRITY_SIG_CONTEXT));
}

const char *
medsec_integrity_finding_name(int kind)
{
	switch (kind) {
	case MEDSEC_INTEGRITY_CONTENT_CHANGED: return "content-changed";
	case MEDSEC_INTEGRITY_MISSING: return "missing";
	case MEDSEC_INTEGRITY_ADDED: return "added";
	case MEDSEC_INTEGRITY_MODE_CHANGED: return "mode-changed";
	case MEDSEC_INTEGRITY_OWNER_CHANGED: return "owner-changed";
	case MEDSEC_INTEGRITY_TYPE_CHANGED: return "type-changed";
	case MEDSEC_INTEGRITY_SYMLINK_SWAPPED: return "symlink-swapped";
	case MEDSEC_INTEGRITY_UNREADABLE: return "unreadable";
	default: return "unknown";
	}
}

const char *
medsec_integrity_type_name(int type)
{
	switch (type) {
	case 0: return "none";
	case MEDSEC_INTEGRITY_FILE: return "file";
	case MEDSEC_INTEGRITY_DIR: return "directory";
	case MEDSEC_INTEGRITY_SYMLINK: return "symlink";
	case MEDSEC_INTEGRITY_CHAR: return "char-device";
	case MEDSEC_INTEGRITY_BLOCK: return "block-device";
	case MEDSEC_INTEGRITY_FIFO: return "fifo";
	case MEDSEC_INTEGRITY_SOCKET: return "socket";
	default: return "unknown";
	}
}
