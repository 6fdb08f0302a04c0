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
#include <pthread.h>
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
		return medsec_errf(err, errlen, MEDSEC_ERR_NOT_FOUND,
		    "%s: not a readable regular file", path);
	if ((r = update_read_exact(o->fd, hdr, sizeof(hdr))) != MEDSEC_OK)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "truncated package: no complete header");
	if ((r = update_header_decode(hdr, &o->h, err, errlen)) != MEDSEC_OK)
		return r;
	fixed = MEDSEC_UPDATE_HEADER_LEN + (uint64_t)o->h.manifest_len +
	    o->h.sigs_len;
	/* Sizes are checked against the file before anything is allocated. */
	if ((uint64_t)sb.st_size < fixed)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "truncated package: %jd bytes, header declares at least "
		    "%" PRIu64, (intmax_t)sb.st_size, fixed);
	o->payload_len = (uint64_t)sb.st_size - fixed;
	if ((o->manifest = malloc(o->h.manifest_len + 1)) == NULL ||
	    (o->sigs = malloc(o->h.sigs_len + 1)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if (update_read_exact(o->fd, o->manifest, o->h.manifest_len) !=
	    MEDSEC_OK || update_read_exact(o->fd, o->sigs, o->h.sigs_len) !=
	    MEDSEC_OK)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
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
		return medsec_errf(err, errlen, MEDSEC_ERR_AUTH,
		    "package is not signed");
	if ((r = update_signed_message(UPDATE_SIG_CONTEXT, o->manifest,
	    o->h.manifest_len, msg, &msglen)) != MEDSEC_OK)
		return r;
	valid = update_count_valid(t->keys, t->n_keys,
	    (const char (*)[MEDSEC_KEY_ID_LEN])t->revoked, t->n_revoked, sigs,
	    nsigs, msg, msglen);
	if (valid < t->threshold)
		return medsec_errf(err, errlen, MEDSEC_ERR_AUTH,
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
		return medsec_errf(err, errlen, MEDSEC_ERR_EXPIRED,
		    "manifest expired (freeze protection)");
	if (p->product != NULL && strcmp(p->product, m->product) != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE,
		    "package is for product %s, not %s", m->product,
		    p->product);
	if (p->hardware_id != NULL) {
		for (i = 0; i < m->n_hardware; i++)
			if (strcmp(m->hardware[i], p->hardware_id) == 0)
				break;
		if (i == m->n_hardware)
			return medsec_errf(err, errlen, MEDSEC_ERR_STATE,
			    "package does not list hardware %s",
			    p->hardware_id);
	}
	if (m->security_counter < p->min_counter && m->downgrade_of[0] == '\0')
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE,
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
			return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
			    "declared sizes overflow");
		total += m->files[i].size;
	}
	if (total != have)
		return medsec_errf(err, errlen, MEDSEC_ERR_TAMPERED,
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

/*
 * Payload verification: every chunk is read with pread into a worker's
 * own buffer, hashed and compared with its signed hash. Pure verification
 * runs one worker per core; extraction runs one worker, in order, so that
 * it also checks each file's whole-file hash and its writes are ordered.
 */
struct payload {
	int in;
	const struct medsec_update_manifest *m;
	uint64_t *offs;	   /* each file's offset in the package */
	size_t *first;	   /* each file's first flat chunk index */
	int *outs;	   /* output fds (extraction) or -1 */
	size_t total;	   /* chunks in all files */
	size_t next;	   /* next flat chunk, taken atomically */
	int failed;
	pthread_mutex_t lock;
	int code;
	char err[320];
};

static void
payload_fail(struct payload *p, int code, const char *name, const char *why)
{
	pthread_mutex_lock(&p->lock);
	if (!p->failed) {
		p->failed = 1;
		p->code = code;
		snprintf(p->err, sizeof(p->err), "%.200s: %.100s", name, why);
	}
	pthread_mutex_unlock(&p->lock);
}

static int
pread_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MEDSEC_ERR_IO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return MEDSEC_OK;
}

/* The file holding flat chunk k (binary search over first[]). */
static size_t
file_of(const struct payload *p, size_t k)
{
	size_t lo = 0, hi = p->m->n_files;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->first[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* One chunk: read, hash, compare, write. whole: running file hash. */
static void
do_chunk(struct payload *p, size_t k, uint8_t *buf,
    struct medsec_hash_ctx *whole)
{
	size_t fi = file_of(p, k);
	const struct medsec_update_file *f = &p->m->files[fi];
	size_t c = k - p->first[fi];
	uint64_t at = (uint64_t)c * MEDSEC_UPDATE_CHUNK;
	size_t len = f->size - at < MEDSEC_UPDATE_CHUNK ?
	    (size_t)(f->size - at) : MEDSEC_UPDATE_CHUNK;
	uint8_t sha[32];

	if (pread_full(p->in, buf, len, p->offs[fi] + at) != MEDSEC_OK) {
		payload_fail(p, MEDSEC_ERR_TAMPERED, f->name, "unreadable");
		return;
	}
	if (medsec_hash(MEDSEC_ALG_SHA256, buf, len, sha) != MEDSEC_OK ||
	    medsec_ct_equal(sha, f->chunks[c], 32) != 0) {
		payload_fail(p, MEDSEC_ERR_TAMPERED, f->name,
		    "content does not match its signed hash");
		return;
	}
	if (whole != NULL && medsec_hash_update(whole, buf, len) != MEDSEC_OK)
		payload_fail(p, MEDSEC_ERR_CRYPTO, f->name, "hash failed");
	if (p->outs[fi] >= 0 && medsec_io_pwrite_all(p->outs[fi], buf, len,
	    (off_t)at) != MEDSEC_OK)
		payload_fail(p, MEDSEC_ERR_IO, f->name, "cannot write");
}

static void *
worker(void *arg)
{
	struct payload *p = arg;
	uint8_t *buf = malloc(MEDSEC_UPDATE_CHUNK);
	size_t k;

	if (buf == NULL) {
		payload_fail(p, MEDSEC_ERR_NOMEM, "payload", "out of memory");
		return NULL;
	}
	while (!__atomic_load_n(&p->failed, __ATOMIC_RELAXED) &&
	    (k = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->total)
		do_chunk(p, k, buf, NULL);
	free(buf);
	return NULL;
}

static int
run_parallel(struct payload *p)
{
	pthread_t tids[8];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu > 8 ? 8 : ncpu < 1 ? 1 : (size_t)ncpu, started = 0;

	if (n > p->total)
		n = p->total > 0 ? p->total : 1;
	for (size_t i = 1; i < n; i++)
		if (pthread_create(&tids[started], NULL, worker, p) == 0)
			started++;
	worker(p);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return MEDSEC_OK;
}

/* In order, one worker, whole-file hashes checked too. */
static int
run_ordered(struct payload *p)
{
	struct medsec_hash_ctx *whole = NULL;
	uint8_t *buf, sha[32];
	size_t fi, c;
	int r = MEDSEC_OK;

	if ((buf = malloc(MEDSEC_UPDATE_CHUNK)) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (fi = 0; fi < p->m->n_files && !p->failed; fi++) {
		if ((r = medsec_hash_new(MEDSEC_ALG_SHA256, &whole)) !=
		    MEDSEC_OK)
			break;
		for (c = 0; c < p->m->files[fi].n_chunks && !p->failed; c++)
			do_chunk(p, p->first[fi] + c, buf, whole);
		if (!p->failed && (medsec_hash_final(whole, sha) != MEDSEC_OK ||
		    medsec_ct_equal(sha, p->m->files[fi].sha256, 32) != 0))
			payload_fail(p, MEDSEC_ERR_TAMPERED,
			    p->m->files[fi].name, "whole-file hash differs");
		medsec_hash_free(whole);
		whole = NULL;
	}
	free(buf);
	return r;
}

static int
open_outputs(struct payload *p, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t i;
	int r;

	for (i = 0; i < p->m->n_files; i++)
		p->outs[i] = -1;
	for (i = 0; dir != NULL && i < p->m->n_files; i++) {
		if ((r = mkdirs_for(dir, p->m->files[i].name)) != MEDSEC_OK)
			return r;
		snprintf(path, sizeof(path), "%s/%s", dir, p->m->files[i].name);
		p->outs[i] = medsec_io_open(path, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, p->m->files[i].mode);
		if (p->outs[i] < 0)
			return medsec_errf(err, errlen, MEDSEC_ERR_IO,
			    "%s: cannot create", p->m->files[i].name);
	}
	return MEDSEC_OK;
}

static int
close_outputs(struct payload *p, int ok)
{
	int r = MEDSEC_OK;

	for (size_t i = 0; i < p->m->n_files; i++) {
		if (p->outs[i] < 0)
			continue;
		/* The mode as signed, whatever the umask did. */
		if (ok && r == MEDSEC_OK &&
		    (fchmod(p->outs[i], p->m->files[i].mode) != 0 ||
		    medsec_io_fsync(p->outs[i]) != MEDSEC_OK))
			r = MEDSEC_ERR_IO;
		medsec_io_close(p->outs[i]);
	}
	return r;
}

static int
stream_payload(int in, uint64_t base, const struct medsec_update_manifest *m,
    const char *dir, char *err, size_t errlen)
{
	struct payload p;
	size_t i;
	int r;

	memset(&p, 0, sizeof(p));
	p.in = in;
	p.m = m;
	pthread_mutex_init(&p.lock, NULL);
	if ((p.offs = calloc(m->n_files, sizeof(*p.offs))) == NULL ||
	    (p.first = calloc(m->n_files, sizeof(*p.first))) == NULL ||
	    (p.outs = calloc(m->n_files, sizeof(*p.outs))) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < m->n_files; i++) {
		p.offs[i] = base;
		p.first[i] = p.total;
		base += m->files[i].size;
		p.total += m->files[i].n_chunks;
	}
	if ((r = open_outputs(&p, dir, err, errlen)) == MEDSEC_OK)
		r = dir != NULL ? run_ordered(&p) : run_parallel(&p);
	if (r == MEDSEC_OK && p.failed)
		r = medsec_errf(err, errlen, p.code, "%s", p.err);
	if (p.outs != NULL && close_outputs(&p, r == MEDSEC_OK) != MEDSEC_OK &&
	    r == MEDSEC_OK)
		r = medsec_errf(err, errlen, MEDSEC_ERR_IO, "cannot sync files");
out:
	pthread_mutex_destroy(&p.lock);
	free(p.offs);
	free(p.first);
	free(p.outs);
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
extract(int in, uint64_t base, const struct medsec_update_manifest *m,
    const char *dir, char *err, size_t errlen)
{
	int r;

	if ((r = medsec_io_mkdir(dir, 0700)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "%s: cannot create (must not "
		    "exist)", dir);
	r = stream_payload(in, base, m, dir, err, errlen);
	if (r == MEDSEC_OK && nftw(dir, sync_entry, 16, FTW_DEPTH | FTW_PHYS) !=
	    0)
		r = medsec_errf(err, errlen, MEDSEC_ERR_IO, "%s: sync failed",
		    dir);
	/*
	 * Verification failed: r is the answer. What a failed removal
	 * leaves is a directory no caller uses after a failure (the
	 * updater removes its staging directory before every install).
	 */
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
	uint64_t base;
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
	base = MEDSEC_UPDATE_HEADER_LEN + (uint64_t)o.h.manifest_len +
	    o.h.sigs_len;
	if (p->extract_dir != NULL)
		r = extract(o.fd, base, m, p->extract_dir, err, errlen);
	else
		r = stream_payload(o.fd, base, m, NULL, err, errlen);
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
