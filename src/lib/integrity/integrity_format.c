/*
 * Writing a manifest: the canonical text of docs/formats/integrity-
 * manifest.md, then a signature line over everything before it. There is
 * exactly one text for a given tree, label, time and key, so a manifest
 * can be rebuilt and compared byte for byte.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrity/integrity_int.h"
#include "io/io.h"
#include "medsec/clock.h"
#include "medsec/err.h"

struct obuf {
	char *p;
	size_t len, cap;
	int overflow;
};

static void oput(struct obuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
oput(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	b->len += (size_t)n;
}

/* An upper bound on the text's size, so it is allocated once. */
static size_t
text_bound(const struct medsec_integrity_manifest *m)
{
	size_t i, n = 2048 + INTEGRITY_SIG_LINE_LEN;

	for (i = 0; i < m->n; i++)
		n += 80 + 2 * MEDSEC_HASH_MAX + 3 * strlen(m->v[i]->path);
	return n;
}

static int
has_hash(int type)
{
	return type == MEDSEC_INTEGRITY_FILE || type == MEDSEC_INTEGRITY_SYMLINK;
}

static void
put_entry(struct obuf *b, const struct ientry *e, size_t hlen)
{
	char hex[2 * MEDSEC_HASH_MAX + 1], esc[3 * MEDSEC_INTEGRITY_PATH_MAX + 1];

	if (has_hash(e->pub.type))
		medsec_hex(e->pub.hash, hlen, hex);
	else
		memcpy(hex, "-", 2);
	if (medsec_integrity_escape(e->path, esc, sizeof(esc)) != MEDSEC_OK) {
		b->overflow = 1;
		return;
	}
	oput(b, "%c %04" PRIo32 " %" PRIu32 " %" PRIu32 " %" PRIu64 " %s %s\n",
	    e->pub.type, e->pub.mode, e->pub.uid, e->pub.gid, e->pub.size, hex,
	    esc);
}

static void
put_header(struct obuf *b, const struct medsec_integrity_header *h,
    size_t n)
{
	char when[MEDSEC_RFC3339_LEN];
	const struct medsec_alg_info *ha, *sa;

	ha = medsec_crypto_alg_by_id(h->hash_alg);
	sa = medsec_crypto_alg_by_id(h->sign_alg);
	if (ha == NULL || sa == NULL ||
	    medsec_time_format_digits(h->created_us, 0, when, sizeof(when)) !=
	    MEDSEC_OK) {
		b->overflow = 1;
		return;
	}
	oput(b, INTEGRITY_MAGIC "\nhash: %s\ncreated: %s\nroot: %s\n"
	    "signer: %s\nkey-id: %s\nsign-alg: %s\nentries: %zu\n", ha->name,
	    when, h->root_label, h->signer, h->key_id, sa->name, n);
}

static int
sign_into(struct obuf *b, const struct medsec_signkey *key)
{
	uint8_t msg[INTEGRITY_SIGNED_MSG_LEN], sig[MEDSEC_SIGN_LEN];
	char hex[2 * MEDSEC_SIGN_LEN + 1];
	int r;

	if ((r = integrity_signed_message(b->p, b->len, msg)) != MEDSEC_OK ||
	    (r = medsec_signkey_sign(key, msg, sizeof(msg), sig)) != MEDSEC_OK)
		return r;
	medsec_hex(sig, sizeof(sig), hex);
	oput(b, INTEGRITY_SIG_PREFIX "%s\n", hex);
	return b->overflow ? MEDSEC_ERR_INTERNAL : MEDSEC_OK;
}

static int
format_signed(struct medsec_integrity_manifest *m,
    const struct medsec_signkey *key, char **textp, size_t *lenp)
{
	struct obuf b;
	size_t i, hlen = medsec_hash_len(m->hash_alg);
	int r;

	memset(&b, 0, sizeof(b));
	b.cap = text_bound(m);
	if ((b.p = malloc(b.cap)) == NULL)
		return MEDSEC_ERR_NOMEM;
	put_header(&b, &m->hdr, m->n);
	for (i = 0; i < m->n && !b.overflow; i++)
		put_entry(&b, m->v[i], hlen);
	r = b.overflow ? MEDSEC_ERR_INTERNAL : sign_into(&b, key);
	if (r != MEDSEC_OK) {
		free(b.p);
		return r;
	}
	*textp = b.p;
	*lenp = b.len;
	return MEDSEC_OK;
}

static int
fill_header(struct medsec_integrity_manifest *m, const char *root,
    const struct medsec_signkey *key,
    const struct medsec_integrity_options *opts, char *err, size_t errlen)
{
	const struct medsec_pubkey *pk = medsec_signkey_public(key);
	const char *label = opts != NULL && opts->root_label != NULL
	    ? opts->root_label : root;
	int64_t t = opts != NULL && opts->created_us != 0 ? opts->created_us
	    : medsec_clock_wall_us();

	if (label[0] == '\0' || medsec_integrity_escape(label,
	    m->hdr.root_label, sizeof(m->hdr.root_label)) != MEDSEC_OK)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "root label: empty, or longer than %d bytes escaped",
		    MEDSEC_INTEGRITY_LABEL_MAX);
	if (t < 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "creation time before 1970");
	m->hdr.created_us = t - t % 1000000;
	m->hdr.hash_alg = m->hash_alg;
	m->hdr.sign_alg = pk->alg;
	snprintf(m->hdr.signer, sizeof(m->hdr.signer), "%s", pk->name);
	snprintf(m->hdr.key_id, sizeof(m->hdr.key_id), "%s", pk->key_id);
	return MEDSEC_OK;
}

static int
check_hash_alg(const struct medsec_integrity_options *opts, char *err,
    size_t errlen)
{
	char why[200];
	int alg = opts != NULL && opts->hash_alg != 0 ? opts->hash_alg
						      : MEDSEC_ALG_SHA256;
	const struct medsec_alg_info *info = medsec_crypto_alg_by_id(alg);
	int r;

	if (info == NULL || info->kind != MEDSEC_KIND_HASH)
		return medsec_errf(err, errlen, MEDSEC_ERR_UNKNOWN_ALGORITHM,
		    "hash algorithm %d is not a hash", alg);
	if ((r = medsec_crypto_alg_check(alg, why, sizeof(why))) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "%s", why);
	return MEDSEC_OK;
}

int
medsec_integrity_create(const char *root, const struct medsec_signkey *key,
    const struct medsec_integrity_options *opts, char **textp, size_t *lenp,
    char *err, size_t errlen)
{
	struct medsec_integrity_manifest *m = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if (textp != NULL)
		*textp = NULL;
	if (root == NULL || key == NULL || textp == NULL || lenp == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "root, key and output are required");
	if ((r = check_hash_alg(opts, err, errlen)) != MEDSEC_OK ||
	    (r = medsec_integrity_scan(root, opts, &m, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = fill_header(m, root, key, opts, err, errlen)) != MEDSEC_OK)
		goto out;
	if ((r = format_signed(m, key, textp, lenp)) != MEDSEC_OK)
		r = medsec_errf(err, errlen, r, "cannot sign the manifest");
out:
	medsec_integrity_free(m);
	return r;
}

/* Splits path into its directory and file name. */
static int
split_path(const char *path, char *dir, size_t dirlen, const char **namep)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(dir, dirlen, ".");
		*namep = path;
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= dirlen)
			return MEDSEC_ERR_TOO_LARGE;
		memcpy(dir, path, n);
		dir[n] = '\0';
		*namep = slash + 1;
	}
	return **namep == '\0' ? MEDSEC_ERR_INVALID : MEDSEC_OK;
}

int
medsec_integrity_create_file(const char *root,
    const struct medsec_signkey *key,
    const struct medsec_integrity_options *opts, const char *out_path,
    char *err, size_t errlen)
{
	char dir[4096], *text = NULL;
	const char *name;
	size_t len = 0;
	int r;

	if (out_path == NULL || split_path(out_path, dir, sizeof(dir), &name) !=
	    MEDSEC_OK)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "output: not a file path");
	if ((r = medsec_integrity_create(root, key, opts, &text, &len, err,
	    errlen)) != MEDSEC_OK)
		return r;
	if ((r = medsec_io_write_file_atomic(dir, name, text, len, 0644)) !=
	    MEDSEC_OK)
		r = medsec_errf(err, errlen, r, "%s: cannot write",
		    out_path);
	free(text);
	return r;
}
