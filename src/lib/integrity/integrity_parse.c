/*
 * Reading a manifest (untrusted bytes). The signature is checked before
 * any other byte is interpreted: only the last line is located, and the
 * signature verified over the exact bytes before it. Then the text is
 * parsed strictly, one line at a time, and every error names its line.
 * Everything has one spelling (lowercase hex, no leading zeros, escapes
 * only where required), so two different texts never mean the same
 * manifest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrity/integrity_int.h"
#include "io/io.h"
#include "medsec/clock.h"
#include "medsec/err.h"

struct parser {
	const char *p, *end;
	int line;
	char *err;
	size_t errlen;
	const struct medsec_pubkey *key; /* the key that verified */
	struct medsec_integrity_manifest *m;
	const char *prev; /* previous entry's path, for the order check */
};

/* A field of an entry line, not NUL-terminated. */
struct tok {
	const char *s;
	size_t n;
};

static int pfail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
pfail(struct parser *ps, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	medsec_errf(ps->err, ps->errlen, MEDSEC_ERR_FORMAT, "line %d: %s",
	    ps->line, msg);
	/* Visibly nonzero here, so no caller's out-params look used unset. */
	return MEDSEC_ERR_FORMAT;
}

static int
next_line(struct parser *ps, const char **lp, size_t *lenp)
{
	const char *nl;
	size_t i;

	/* Out-params are defined on every path, failure included. */
	*lp = NULL;
	*lenp = 0;
	ps->line++;
	if (ps->p >= ps->end)
		return pfail(ps, "the manifest ends early");
	if ((nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p))) == NULL)
		return pfail(ps, "no newline at the end of the line");
	*lp = ps->p;
	*lenp = (size_t)(nl - ps->p);
	for (i = 0; i < *lenp; i++)
		if ((*lp)[i] < 0x20 || (*lp)[i] > 0x7e)
			return pfail(ps, "byte 0x%02x is not printable ASCII",
			    (unsigned char)(*lp)[i]);
	ps->p = nl + 1;
	return MEDSEC_OK;
}

/* "name: value" with a value of printable ASCII without spaces. */
static int
field(struct parser *ps, const char *name, char *out, size_t outlen)
{
	size_t n = 0, nlen = strlen(name);
	const char *l = NULL;
	int r;

	if ((r = next_line(ps, &l, &n)) != MEDSEC_OK)
		return r;
	if (n < nlen + 2 || memcmp(l, name, nlen) != 0 || l[nlen] != ':' ||
	    l[nlen + 1] != ' ')
		return pfail(ps, "expected '%s: ...'", name);
	l += nlen + 2;
	n -= nlen + 2;
	if (n == 0 || n >= outlen || memchr(l, ' ', n) != NULL)
		return pfail(ps, "%s: empty, too long or contains a space",
		    name);
	memcpy(out, l, n);
	out[n] = '\0';
	return MEDSEC_OK;
}

/* Canonical decimal: digits only, no leading zero, at most max. */
static int
parse_u64(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

static int
lower_hex(const char *s, size_t n, uint8_t *out, size_t outlen)
{
	char buf[2 * MEDSEC_HASH_MAX + 1];
	size_t i;

	if (n != 2 * outlen || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return medsec_unhex(buf, out, outlen) == MEDSEC_OK ? 0 : -1;
}

static int
alg_field(struct parser *ps, const char *name, int kind, int *algp)
{
	const struct medsec_alg_info *info;
	char v[64];
	int r;

	if ((r = field(ps, name, v, sizeof(v))) != MEDSEC_OK)
		return r;
	info = medsec_crypto_alg_by_name(v);
	if (info == NULL || info->kind != kind || strcmp(info->name, v) != 0 ||
	    medsec_crypto_alg_check(info->id, NULL, 0) != MEDSEC_OK)
		return pfail(ps, "%s: '%s' is not an accepted algorithm", name,
		    v);
	*algp = info->id;
	return MEDSEC_OK;
}

static int
created_field(struct parser *ps, struct medsec_integrity_header *h)
{
	char v[64], back[MEDSEC_RFC3339_LEN];
	int r;

	if ((r = field(ps, "created", v, sizeof(v))) != MEDSEC_OK)
		return r;
	if (medsec_time_parse(v, &h->created_us) != MEDSEC_OK ||
	    medsec_time_format_digits(h->created_us, 0, back, sizeof(back)) !=
	    MEDSEC_OK || strcmp(back, v) != 0)
		return pfail(ps, "created: expected YYYY-MM-DDTHH:MM:SSZ");
	return MEDSEC_OK;
}

static int
name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		    *s == '-'))
			return 0;
	return 1;
}

static int
identity_fields(struct parser *ps, struct medsec_integrity_header *h)
{
	char raw[MEDSEC_INTEGRITY_LABEL_MAX + 1];
	size_t n;
	int r;

	if ((r = field(ps, "root", h->root_label, sizeof(h->root_label))) !=
	    MEDSEC_OK)
		return r;
	if (integrity_unescape(h->root_label, strlen(h->root_label), raw,
	    sizeof(raw), &n) != MEDSEC_OK)
		return pfail(ps, "root: bad escape");
	if ((r = field(ps, "signer", h->signer, sizeof(h->signer))) !=
	    MEDSEC_OK)
		return r;
	if (!name_ok(h->signer))
		return pfail(ps, "signer: not a key name");
	if ((r = field(ps, "key-id", h->key_id, sizeof(h->key_id))) !=
	    MEDSEC_OK)
		return r;
	if (strcmp(h->key_id, ps->key->key_id) != 0)
		return pfail(ps, "key-id: not the key that signed the manifest");
	if ((r = alg_field(ps, "sign-alg", MEDSEC_KIND_SIGN, &h->sign_alg)) !=
	    MEDSEC_OK)
		return r;
	if (h->sign_alg != ps->key->alg)
		return pfail(ps, "sign-alg: not the algorithm of the key that "
		    "signed the manifest");
	return MEDSEC_OK;
}

static int
parse_header(struct parser *ps, size_t *countp)
{
	struct medsec_integrity_header h;
	char v[32];
	const char *l;
	uint64_t count;
	size_t n;
	int r;

	memset(&h, 0, sizeof(h));
	if ((r = next_line(ps, &l, &n)) != MEDSEC_OK)
		return r;
	if (n != strlen(INTEGRITY_MAGIC) || memcmp(l, INTEGRITY_MAGIC, n) != 0)
		return pfail(ps, "expected '" INTEGRITY_MAGIC "' (an integrity "
		    "manifest of a known format version)");
	if ((r = alg_field(ps, "hash", MEDSEC_KIND_HASH, &h.hash_alg)) !=
	    MEDSEC_OK || (r = created_field(ps, &h)) != MEDSEC_OK ||
	    (r = identity_fields(ps, &h)) != MEDSEC_OK ||
	    (r = field(ps, "entries", v, sizeof(v))) != MEDSEC_OK)
		return r;
	if (parse_u64(v, strlen(v), MEDSEC_INTEGRITY_ENTRIES_MAX, &count) != 0 ||
	    count == 0)
		return pfail(ps, "entries: expected 1 to %d",
		    MEDSEC_INTEGRITY_ENTRIES_MAX);
	if ((r = integrity_manifest_new(h.hash_alg, (size_t)count, &ps->m)) !=
	    MEDSEC_OK)
		return r;
	ps->m->hdr = h;
	*countp = (size_t)count;
	return MEDSEC_OK;
}

/* Splits an entry line into exactly 7 fields separated by one space. */
static int
split7(const char *l, size_t n, struct tok t[7])
{
	size_t i, k = 0, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && l[i] != ' ')
			continue;
		if (k == 7 || i == start)
			return -1;
		t[k].s = l + start;
		t[k].n = i - start;
		k++;
		start = i + 1;
	}
	return k == 7 ? 0 : -1;
}

static int
path_ok(const char *p, size_t n)
{
	size_t i, start = 0;

	if (n == 1 && p[0] == '.')
		return 1;
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (i == start || (i - start == 1 && p[start] == '.') ||
		    (i - start == 2 && p[start] == '.' && p[start + 1] == '.'))
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
entry_path(struct parser *ps, const struct tok *t, int type, char *raw,
    size_t rawlen, size_t *np)
{
	if (integrity_unescape(t->s, t->n, raw, rawlen, np) != MEDSEC_OK)
		return pfail(ps, "path: bad escape, or longer than %d bytes",
		    MEDSEC_INTEGRITY_PATH_MAX);
	if (!path_ok(raw, *np))
		return pfail(ps, "path: must be relative, without empty, '.' "
		    "or '..' components");
	if (strcmp(raw, ".") == 0 && type != MEDSEC_INTEGRITY_DIR)
		return pfail(ps, "path: the root '.' must be a directory");
	if (ps->prev != NULL && strcmp(ps->prev, raw) >= 0)
		return pfail(ps, "path: entries must be sorted by path bytes, "
		    "each listed once");
	return MEDSEC_OK;
}

static int
entry_size(struct parser *ps, const struct tok *t, int type, uint64_t *sz)
{
	if (parse_u64(t->s, t->n, INT64_MAX, sz) != 0)
		return pfail(ps, "size: expected a decimal number");
	if ((type == MEDSEC_INTEGRITY_DIR || type == MEDSEC_INTEGRITY_FIFO ||
	    type == MEDSEC_INTEGRITY_SOCKET) && *sz != 0)
		return pfail(ps, "size: must be 0 for a %s",
		    medsec_integrity_type_name(type));
	if (type == MEDSEC_INTEGRITY_SYMLINK &&
	    (*sz == 0 || *sz >= INTEGRITY_LINK_MAX))
		return pfail(ps, "size: a link target is 1 to %d bytes",
		    INTEGRITY_LINK_MAX - 1);
	return MEDSEC_OK;
}

static int
entry_meta(struct parser *ps, const struct tok t[7],
    struct medsec_integrity_entry *e)
{
	uint64_t v;
	size_t i;

	if (t[0].n != 1 || strchr("fdlcbps", t[0].s[0]) == NULL)
		return pfail(ps, "type: expected one of f d l c b p s");
	e->type = t[0].s[0];
	if (t[1].n != 4)
		return pfail(ps, "mode: expected 4 octal digits");
	for (i = 0, e->mode = 0; i < 4; i++) {
		if (t[1].s[i] < '0' || t[1].s[i] > '7')
			return pfail(ps, "mode: expected 4 octal digits");
		e->mode = e->mode * 8 + (uint32_t)(t[1].s[i] - '0');
	}
	if (parse_u64(t[2].s, t[2].n, UINT32_MAX, &v) != 0)
		return pfail(ps, "uid: expected a decimal number below 2^32");
	e->uid = (uint32_t)v;
	if (parse_u64(t[3].s, t[3].n, UINT32_MAX, &v) != 0)
		return pfail(ps, "gid: expected a decimal number below 2^32");
	e->gid = (uint32_t)v;
	return entry_size(ps, &t[4], e->type, &e->size);
}

static int
entry_hash(struct parser *ps, const struct tok *t,
    struct medsec_integrity_entry *e)
{
	size_t hlen = medsec_hash_len(ps->m->hash_alg);

	if (e->type != MEDSEC_INTEGRITY_FILE &&
	    e->type != MEDSEC_INTEGRITY_SYMLINK) {
		if (t->n != 1 || t->s[0] != '-')
			return pfail(ps, "hash: must be '-' for a %s",
			    medsec_integrity_type_name(e->type));
		return MEDSEC_OK;
	}
	if (lower_hex(t->s, t->n, e->hash, hlen) != 0)
		return pfail(ps, "hash: expected %zu lowercase hex digits",
		    2 * hlen);
	return MEDSEC_OK;
}

static int
parse_entry(struct parser *ps)
{
	char raw[MEDSEC_INTEGRITY_PATH_MAX + 1];
	struct medsec_integrity_entry pub;
	struct ientry *e;
	struct tok t[7];
	const char *l;
	size_t n;
	int r;

	memset(&pub, 0, sizeof(pub));
	if ((r = next_line(ps, &l, &n)) != MEDSEC_OK)
		return r;
	if (split7(l, n, t) != 0)
		return pfail(ps, "expected 'type mode uid gid size hash path' "
		    "separated by single spaces");
	if ((r = entry_meta(ps, t, &pub)) != MEDSEC_OK ||
	    (r = entry_hash(ps, &t[5], &pub)) != MEDSEC_OK ||
	    (r = entry_path(ps, &t[6], pub.type, raw, sizeof(raw), &n)) !=
	    MEDSEC_OK)
		return r;
	if ((r = integrity_entry_add(ps->m, raw, n, &e)) != MEDSEC_OK)
		return r;
	pub.path = e->path;
	e->pub = pub;
	e->hashed = pub.type == MEDSEC_INTEGRITY_FILE ||
	    pub.type == MEDSEC_INTEGRITY_SYMLINK;
	ps->prev = e->path;
	return MEDSEC_OK;
}

/* Every entry's parent is listed, as a directory: the list is a tree. */
static int
check_tree(struct parser *ps)
{
	char parent[MEDSEC_INTEGRITY_PATH_MAX + 1];
	const struct ientry *p;
	const char *slash;
	size_t i;

	p = integrity_find(ps->m, ".");
	if (p == NULL)
		return medsec_errf(ps->err, ps->errlen, MEDSEC_ERR_FORMAT,
		    "the root directory '.' is not listed");
	for (i = 0; i < ps->m->n; i++) {
		if (strcmp(ps->m->v[i]->path, ".") == 0)
			continue;
		slash = strrchr(ps->m->v[i]->path, '/');
		if (slash == NULL) {
			p = integrity_find(ps->m, ".");
		} else {
			memcpy(parent, ps->m->v[i]->path,
			    (size_t)(slash - ps->m->v[i]->path));
			parent[slash - ps->m->v[i]->path] = '\0';
			p = integrity_find(ps->m, parent);
		}
		if (p == NULL || p->pub.type != MEDSEC_INTEGRITY_DIR)
			return medsec_errf(ps->err, ps->errlen,
			    MEDSEC_ERR_FORMAT, "entry %zu: its parent "
			    "directory is not listed as a directory", i + 1);
	}
	return MEDSEC_OK;
}

static int
parse_body(struct parser *ps)
{
	size_t count = 0, i;
	int r;

	if ((r = parse_header(ps, &count)) != MEDSEC_OK)
		return r;
	for (i = 0; i < count; i++)
		if ((r = parse_entry(ps)) != MEDSEC_OK)
			return r;
	if (ps->p != ps->end) {
		ps->line++;
		return pfail(ps, "more entries than 'entries: %zu' says", count);
	}
	return check_tree(ps);
}

/*
 * Finds the signature line (the last line) and verifies it over every
 * byte before it with each trusted key; *bodylenp is where it starts.
 */
static int
check_signature(const char *text, size_t len,
    const struct medsec_pubkey *trusted, size_t ntrusted, size_t *bodylenp,
    const struct medsec_pubkey **keyp, char *err, size_t errlen)
{
	const size_t plen = sizeof(INTEGRITY_SIG_PREFIX) - 1;
	uint8_t msg[INTEGRITY_SIGNED_MSG_LEN], sig[MEDSEC_SIGN_LEN];
	size_t body, i;
	int r;

	if (len < INTEGRITY_SIG_LINE_LEN + 1)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "too short to be a signed manifest");
	body = len - INTEGRITY_SIG_LINE_LEN;
	if (text[len - 1] != '\n' || text[body - 1] != '\n' ||
	    memcmp(text + body, INTEGRITY_SIG_PREFIX, plen) != 0 ||
	    lower_hex(text + body + plen, 2 * MEDSEC_SIGN_LEN, sig,
	    sizeof(sig)) != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "the last line is not 'signature: <%d lowercase hex "
		    "digits>'", 2 * MEDSEC_SIGN_LEN);
	if ((r = integrity_signed_message(text, body, msg)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "cannot hash the manifest");
	for (i = 0; i < ntrusted; i++) {
		if (medsec_pubkey_verify(&trusted[i], msg, sizeof(msg), sig) ==
		    MEDSEC_OK) {
			*keyp = &trusted[i];
			*bodylenp = body;
			return MEDSEC_OK;
		}
	}
	return medsec_errf(err, errlen, MEDSEC_ERR_AUTH,
	    "the signature does not verify with any trusted key");
}

int
medsec_integrity_parse(const void *text, size_t len,
    const struct medsec_pubkey *trusted, size_t ntrusted,
    struct medsec_integrity_manifest **mp, char *err, size_t errlen)
{
	struct parser ps;
	size_t body = 0;
	int r;

	if (mp != NULL)
		*mp = NULL;
	if (text == NULL || mp == NULL || trusted == NULL || ntrusted == 0 ||
	    ntrusted > MEDSEC_INTEGRITY_TRUSTED_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "a manifest and 1 to %d trusted keys are required",
		    MEDSEC_INTEGRITY_TRUSTED_MAX);
	if (len > MEDSEC_INTEGRITY_FILE_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "manifest larger than %u bytes", MEDSEC_INTEGRITY_FILE_MAX);
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "crypto library");
	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	ps.errlen = errlen;
	if ((r = check_signature(text, len, trusted, ntrusted, &body, &ps.key,
	    err, errlen)) != MEDSEC_OK)
		return r;
	ps.p = text;
	ps.end = ps.p + body;
	if ((r = parse_body(&ps)) != MEDSEC_OK) {
		medsec_integrity_free(ps.m);
		return r;
	}
	ps.m->authenticated = 1;
	*mp = ps.m;
	return MEDSEC_OK;
}

int
medsec_integrity_load(const char *path, const struct medsec_pubkey *trusted,
    size_t ntrusted, struct medsec_integrity_manifest **mp, char *err,
    size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (mp != NULL)
		*mp = NULL;
	if (path == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "no manifest file given");
	if ((r = medsec_io_read_file(path, MEDSEC_INTEGRITY_FILE_MAX, 0, &buf,
	    &len)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "%s: cannot read "
		    "(a regular file, not a symlink, at most %u bytes)", path,
		    MEDSEC_INTEGRITY_FILE_MAX);
	r = medsec_integrity_parse(buf, len, trusted, ntrusted, mp, err,
	    errlen);
	free(buf);
	return r;
}
