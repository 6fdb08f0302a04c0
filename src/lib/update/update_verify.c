/*
 * Verifying (and extracting) a package. Order matters: bounds, then the
 * manifest's signatures, then the policy (expiry, hardware, product,
 * counter), and only then the payload, streamed in fixed-size reads
 * against each file's declared size and hash. Extraction goes to a
 * private staging directory that is removed unless every byte verified.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "update/update_int.h"

#define READ_BUF (256u << 10)

/* The parts of a package before the payload, read and bounded. */
struct opened {
	int fd;
	struct update_header h;
	char *manifest;
	char *sigs;
	uint64_t payload_len;
};

static void
opened_close(struct opened *o)
{
	if (o->fd >= 0)
		close(o->fd);
	free(o->manifest);
	free(o->sigs);
	o->fd = -1;
	o->manifest = o->sigs = NULL;
}

static int
open_package(const char *path, struct opened *o, char *err, size_t errlen)
{
	uint8_t hdr[MEDSEC_UPDATE_HEADER_LEN];
	struct stat sb;
	uint64_t fixed;
	int r;

	memset(o, 0, sizeof(*o));
	if ((o->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(o->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return update_fail(err, errlen, MEDSEC_ERR_NOT_FOUND,
		    "%s: not a readable regular file", path);
	if ((r = update_read_exact(o->fd, hdr, sizeof(hdr))) != MEDSEC_OK)
		return update_fail(err, errlen, MEDSEC_ERR_FORMAT,
		    "truncated package: no complete header");
	if ((r = update_header_decode(hdr, &o->h, err, errlen)) != MEDSEC_OK)
		return r;
	fixed = MEDSEC_UPDATE_HEADER_LEN + (uint64_t)o->h.manifest_len +
	    o->h.sigs_len;
	/* Sizes are checked against the file before anything is allocated. */
	if ((uint64_t)sb.st_size < fixed)
		return update_fail(err, errlen, MEDSEC_ERR_FORMAT,
		    "truncated package: %jd bytes, header declares at least "
		    "%" PRIu64, (intmax_t)sb.st_size, fixed);
	o->payload_len = (uint64_t)sb.st_size - fixed;
	if ((o->manifest = malloc(o->h.manifest_len + 1)) == NULL ||
	    (o->sigs = malloc(o->h.sigs_len + 1)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if (update_read_exact(o->fd, o->manifest, o->h.manifest_len) !=
	    MEDSEC_OK || update_read_exact(o->fd, o->sigs, o->h.sigs_len) !=
	    MEDSEC_OK)
		return update_fail(err, errlen, MEDSEC_ERR_FORMAT,
		    "truncated package");
	o->manifest[o->h.manifest_len] = '\0';
	o->sigs[o->h.sigs_len] = '\0';
	return MEDSEC_OK;
}

static int
check_signatures(const struct opened *o, const struct medsec_update_trust *t,
    char *err, size_t errlen)
{
	struct update_sig sigs[MEDSEC_UPDATE_KEYS_MAX];
	uint8_t msg[64];
	size_t nsigs = 0, msglen;
	unsigned valid;
	int r;

	if ((r = update_sigs_parse(o->sigs, o->h.sigs_len, sigs,
	    MEDSEC_UPDATE_KEYS_MAX, &nsigs, err, errlen)) != MEDSEC_OK)
		return r;
	if (nsigs == 0)
		return update_fail(err, errlen, MEDSEC_ERR_AUTH,
		    "package is not signed");
	if ((r = update_signed_message(UPDATE_SIG_CONTEXT, o->manifest,
	    o->h.manifest_len, msg, &msglen)) != MEDSEC_OK)
		return r;
	valid = update_count_valid(t->keys, t->n_keys,
	    (const char (*)[MEDSEC_KEY_ID_LEN])t->revoked, t->n_revoked, sigs,
	    nsigs, msg, msglen);
	if (valid < t->threshold)
		return update_fail(err, errlen, MEDSEC_ERR_AUTH,
		    "%u valid signature(s) by trusted, unrevoked signing keys; "
		    "%u required", valid, t->threshold);
	return MEDSEC_OK;
}

static int
check_policy(const struct medsec_update_manifest *m,
    const struct medsec_update_policy *p, char *err, size_t errlen)
{
	size_t i;

	if (p->now_us >= m->expires_us)
		return update_fail(err, errlen, MEDSEC_ERR_EXPIRED,
		    "manifest expired (freeze protection)");
	if (p->product != NULL && strcmp(p->product, m->product) != 0)
		return update_fail(err, errlen, MEDSEC_ERR_STATE,
		    "package is for product %s, not %s", m->product,
		    p->product);
	if (p->hardware_id != NULL) {
		for (i = 0; i < m->n_hardware; i++)
			if (strcmp(m->hardware[i], p->hardware_id) == 0)
				break;
		if (i == m->n_hardware)
			return update_fail(err, errlen, MEDSEC_ERR_STATE,
			    "package does not list hardware %s",
			    p->hardware_id);
	}
	if (m->security_counter < p->min_counter && m->downgrade_of[0] == '\0')
		return update_fail(err, errlen, MEDSEC_ERR_STATE,
		    "security counter %" PRIu64 " below %" PRIu64
		    " (rollback refused)", m->security_counter,
		    p->min_counter);
	return MEDSEC_OK;
}

static int
payload_total(const struct medsec_update_manifest *m, uint64_t have,
    char *err, size_t errlen)
{
	uint64_t total = 0;

	for (size_t i = 0; i < m->n_files; i++) {
		if (m->files[i].size > UINT64_MAX - total)
			return update_fail(err, errlen, MEDSEC_ERR_FORMAT,
			    "declared sizes overflow");
		total += m->files[i].size;
	}
	if (total != have)
		return update_fail(err, errlen, MEDSEC_ERR_TAMPERED,
		    "payload is %" PRIu64 " bytes, manifest declares %" PRIu64
		    " (%s)", have, total, have > total ? "extra data" :
		    "truncated");
	return MEDSEC_OK;
}

static int
mkdirs_for(const char *root, const char *name)
{
	char path[4096];
	size_t rootlen = strlen(root);
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, name) >=
	    sizeof(path))
		return MEDSEC_ERR_TOO_LARGE;
	for (char *slash = strchr(path + rootlen + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		r = medsec_io_mkdir(path, 0700);
		*slash = '/';
		if (r != MEDSEC_OK && r != MEDSEC_ERR_EXISTS)
			return r;
	}
	return MEDSEC_OK;
}

/* Streams one file: hash it and (out >= 0) write it. */
static int
stream_one(int in, int out, const struct medsec_update_file *f, uint8_t *buf,
    char *err, size_t errlen)
{
	struct medsec_hash_ctx *h = NULL;
	uint8_t sha[32];
	uint64_t left = f->size;
	off_t off = 0;
	size_t want;
	int r;

	if ((r = medsec_hash_new(MEDSEC_ALG_SHA256, &h)) != MEDSEC_OK)
		return r;
	while (left > 0) {
		want = left < READ_BUF ? (size_t)left : READ_BUF;
		if ((r = update_read_exact(in, buf, want)) != MEDSEC_OK ||
		    (r = medsec_hash_update(h, buf, want)) != MEDSEC_OK)
			goto out;
		if (out >= 0 && (r = medsec_io_pwrite_all(out, buf, want, off)) !=
		    MEDSEC_OK)
			goto out;
		off += (off_t)want;
		left -= want;
	}
	if ((r = medsec_hash_final(h, sha)) != MEDSEC_OK)
		goto out;
	if (!medsec_ct_equal(sha, f->sha256, 32))
		r = update_fail(err, errlen, MEDSEC_ERR_TAMPERED,
		    "%s: content does not match its signed hash", f->name);
	else if (out >= 0)
		r = medsec_io_fsync(out);
out:
	medsec_hash_free(h);
	return r;
}

static int
stream_payload(int in, const struct medsec_update_manifest *m,
    const char *dir, char *err, size_t errlen)
{
	char path[4096];
	uint8_t *buf;
	size_t i;
	int out, r = MEDSEC_OK;

	if ((buf = malloc(READ_BUF)) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (i = 0; i < m->n_files && r == MEDSEC_OK; i++) {
		out = -1;
		if (dir != NULL) {
			if ((r = mkdirs_for(dir, m->files[i].name)) !=
			    MEDSEC_OK)
				break;
			snprintf(path, sizeof(path), "%s/%s", dir,
			    m->files[i].name);
			out = medsec_io_open(path, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, m->files[i].mode);
			if (out < 0) {
				r = update_fail(err, errlen, MEDSEC_ERR_IO,
				    "%s: cannot create", m->files[i].name);
				break;
			}
		}
		r = stream_one(in, out, &m->files[i], buf, err, errlen);
		if (out >= 0) {
			/* The mode as signed, whatever the umask did. */
			if (r == MEDSEC_OK && fchmod(out, m->files[i].mode) != 0)
				r = MEDSEC_ERR_IO;
			medsec_io_close(out);
		}
	}
	free(buf);
	return r;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
sync_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	/* Files were synced as written; directories hold their names. */
	if (flag == FTW_DP)
		return medsec_io_fsync_dir(path) == MEDSEC_OK ? 0 : -1;
	return 0;
}

static int
extract(int in, const struct medsec_update_manifest *m, const char *dir,
    char *err, size_t errlen)
{
	int r;

	if ((r = medsec_io_mkdir(dir, 0700)) != MEDSEC_OK)
		return update_fail(err, errlen, r, "%s: cannot create (must not "
		    "exist)", dir);
	r = stream_payload(in, m, dir, err, errlen);
	if (r == MEDSEC_OK && nftw(dir, sync_entry, 16, FTW_DEPTH | FTW_PHYS) !=
	    0)
		r = update_fail(err, errlen, MEDSEC_ERR_IO, "%s: sync failed",
		    dir);
	if (r != MEDSEC_OK)
		(void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return r;
}

int
medsec_update_verify(const char *pkg_path,
    const struct medsec_update_trust *t, const struct medsec_update_policy *p,
    struct medsec_update_manifest **mp, char *err, size_t errlen)
{
	struct medsec_update_manifest *m = NULL;
	struct opened o;
	int r;

	if (mp != NULL)
		*mp = NULL;
	if (pkg_path == NULL || t == NULL || p == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = open_package(pkg_path, &o, err, errlen)) != MEDSEC_OK ||
	    (r = check_signatures(&o, t, err, errlen)) != MEDSEC_OK ||
	    (r = medsec_update_manifest_parse(o.manifest, o.h.manifest_len, &m,
	    err, errlen)) != MEDSEC_OK ||
	    (r = check_policy(m, p, err, errlen)) != MEDSEC_OK ||
	    (r = payload_total(m, o.payload_len, err, errlen)) != MEDSEC_OK)
		goto out;
	if (p->extract_dir != NULL)
		r = extract(o.fd, m, p->extract_dir, err, errlen);
	else
		r = stream_payload(o.fd, m, NULL, err, errlen);
	if (r != MEDSEC_OK)
		goto out;
	if (mp != NULL) {
		*mp = m;
		m = NULL;
	}
out:
	opened_close(&o);
	medsec_update_manifest_free(m);
	return r;
}

int
medsec_update_inspect(const char *pkg_path,
    struct medsec_update_manifest **mp, char **manifest_json,
    size_t *n_signatures, char *err, size_t errlen)
{
	struct update_sig sigs[MEDSEC_UPDATE_KEYS_MAX];
	struct opened o;
	size_t n = 0;
	int r;

	if (mp == NULL)
		return MEDSEC_ERR_INVALID;
	*mp = NULL;
	if ((r = open_package(pkg_path, &o, err, errlen)) != MEDSEC_OK ||
	    (r = update_sigs_parse(o.sigs, o.h.sigs_len, sigs,
	    MEDSEC_UPDATE_KEYS_MAX, &n, err, errlen)) != MEDSEC_OK ||
	    (r = medsec_update_manifest_parse(o.manifest, o.h.manifest_len, mp,
	    err, errlen)) != MEDSEC_OK)
		goto out;
	if (n_signatures != NULL)
		*n_signatures = n;
	if (manifest_json != NULL) {
		*manifest_json = o.manifest;
		o.manifest = NULL;
	}
out:
	opened_close(&o);
	return r;
}
