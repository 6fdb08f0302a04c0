/*
 * Building and signing packages (manufacturer side). Files are hashed
 * once to write the manifest and again while copied: a file that changes
 * in between fails the pack instead of shipping bytes nobody signed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "update/update_int.h"

#define COPY_BUF MEDSEC_UPDATE_CHUNK

/* Hashes (and with out_fd >= 0, copies) a whole file from fd. */
static int
stream_file(int fd, int out_fd, off_t *offp, uint8_t *buf, uint64_t *sizep,
    uint8_t sha[32])
{
	struct medsec_hash_ctx *h = NULL;
	uint64_t total = 0;
	ssize_t n;
	int r;

	if ((r = medsec_hash_new(MEDSEC_ALG_SHA256, &h)) != MEDSEC_OK)
		return r;
	for (;;) {
		n = read(fd, buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = MEDSEC_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		if ((r = medsec_hash_update(h, buf, (size_t)n)) != MEDSEC_OK)
			goto out;
		if (out_fd >= 0) {
			if ((r = medsec_io_pwrite_all(out_fd, buf, (size_t)n,
			    *offp)) != MEDSEC_OK)
				goto out;
			*offp += n;
		}
		total += (uint64_t)n;
	}
	*sizep = total;
	r = medsec_hash_final(h, sha);
out:
	medsec_hash_free(h);
	return r;
}

/* Reads up to len bytes (less only at end of file). */
static ssize_t
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The whole-file hash and one hash per MEDSEC_UPDATE_CHUNK bytes. */
static int
hash_chunks(int fd, uint8_t *buf, struct medsec_update_file *f)
{
	struct medsec_hash_ctx *h = NULL;
	size_t cap = 0;
	void *grown;
	ssize_t n;
	int r;

	f->size = 0;
	f->n_chunks = 0;
	if ((r = medsec_hash_new(MEDSEC_ALG_SHA256, &h)) != MEDSEC_OK)
		return r;
	while ((n = read_full(fd, buf, MEDSEC_UPDATE_CHUNK)) > 0) {
		if (f->n_chunks == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(f->chunks, cap * 32)) == NULL) {
				r = MEDSEC_ERR_NOMEM;
				goto out;
			}
			f->chunks = grown;
		}
		if ((r = medsec_hash_update(h, buf, (size_t)n)) != MEDSEC_OK ||
		    (r = medsec_hash(MEDSEC_ALG_SHA256, buf, (size_t)n,
		    f->chunks[f->n_chunks])) != MEDSEC_OK)
			goto out;
		f->n_chunks++;
		f->size += (uint64_t)n;
	}
	r = n < 0 ? MEDSEC_ERR_IO : medsec_hash_final(h, f->sha256);
out:
	medsec_hash_free(h);
	return r;
}

static int
open_regular(const char *path, struct stat *sb)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
describe_files(const struct medsec_update_pack_args *a,
    struct medsec_update_file *files, uint8_t *buf, char *err, size_t errlen)
{
	struct stat sb;
	size_t i;
	int fd, r;

	/* Names first: nothing is read for a package that cannot install. */
	for (i = 0; i < a->n_files; i++)
		if (!update_valid_name(a->names[i]))
			return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
			    "%s: unsafe name in package", a->names[i]);
	if ((r = update_names_conflict(a->names, a->n_files, err, errlen)) !=
	    MEDSEC_OK)
		return r == MEDSEC_ERR_FORMAT ? MEDSEC_ERR_INVALID : r;
	for (i = 0; i < a->n_files; i++) {
		if ((fd = open_regular(a->paths[i], &sb)) < 0)
			return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
			    "%s: not a regular file (links are not followed)",
			    a->paths[i]);
		snprintf(files[i].name, sizeof(files[i].name), "%s",
		    a->names[i]);
		files[i].mode = sb.st_mode & 0777;
		r = hash_chunks(fd, buf, &files[i]);
		close(fd);
		if (r != MEDSEC_OK)
			return medsec_errf(err, errlen, r, "%s: cannot read",
			    a->paths[i]);
	}
	return MEDSEC_OK;
}

static int
copy_payload(const struct medsec_update_pack_args *a,
    const struct medsec_update_file *files, int out, off_t off, uint8_t *buf,
    char *err, size_t errlen)
{
	uint8_t sha[32];
	uint64_t size;
	struct stat sb;
	size_t i;
	int fd, r;

	for (i = 0; i < a->n_files; i++) {
		if ((fd = open_regular(a->paths[i], &sb)) < 0)
			return medsec_errf(err, errlen, MEDSEC_ERR_IO,
			    "%s: vanished", a->paths[i]);
		r = stream_file(fd, out, &off, buf, &size, sha);
		close(fd);
		if (r != MEDSEC_OK)
			return medsec_errf(err, errlen, r, "%s: copy failed",
			    a->paths[i]);
		if (size != files[i].size || memcmp(sha, files[i].sha256, 32))
			return medsec_errf(err, errlen, MEDSEC_ERR_STATE,
			    "%s changed while being packed", a->paths[i]);
	}
	return MEDSEC_OK;
}

static int
write_package(const char *out_path, const char *manifest,
    const char *sigs, const struct medsec_update_pack_args *a,
    const struct medsec_update_file *files, uint8_t *buf, char *err,
    size_t errlen)
{
	uint8_t hdr[MEDSEC_UPDATE_HEADER_LEN];
	struct update_header h = { MEDSEC_UPDATE_FORMAT,
		(uint32_t)strlen(manifest), (uint32_t)strlen(sigs) };
	char tmp[4096];
	off_t off;
	int fd, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out_path,
	    (long)getpid()) >= sizeof(tmp))
		return MEDSEC_ERR_TOO_LARGE;
	if ((fd = medsec_io_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
	    0644)) < 0)
		return medsec_errf(err, errlen, fd, "cannot create %s", tmp);
	update_header_encode(&h, hdr);
	off = 0;
	if ((r = medsec_io_pwrite_all(fd, hdr, sizeof(hdr), off)) != MEDSEC_OK)
		goto fail;
	off += (off_t)sizeof(hdr);
	if ((r = medsec_io_pwrite_all(fd, manifest, h.manifest_len, off)) !=
	    MEDSEC_OK)
		goto fail;
	off += h.manifest_len;
	if ((r = medsec_io_pwrite_all(fd, sigs, h.sigs_len, off)) != MEDSEC_OK)
		goto fail;
	off += h.sigs_len;
	if ((r = copy_payload(a, files, fd, off, buf, err, errlen)) !=
	    MEDSEC_OK || (r = medsec_io_fsync(fd)) != MEDSEC_OK)
		goto fail;
	medsec_io_close(fd);
	/*
	 * The temporary file is never read as a package (the output name
	 * is only ever renamed into place), so a failed removal of it
	 * leaves litter, not a wrong result; r says what failed.
	 */
	if ((r = medsec_io_rename(tmp, out_path)) != MEDSEC_OK)
		(void)medsec_io_unlink(tmp);
	return r;
fail:
	medsec_io_close(fd);
	/* As above: litter at worst, and r already says what failed. */
	(void)medsec_io_unlink(tmp);
	return r;
}

int
medsec_update_pack(const struct medsec_update_pack_args *a,
    const char *out_path, char *err, size_t errlen)
{
	struct medsec_update_file *files = NULL;
	char *manifest = NULL;
	uint8_t *buf = NULL;
	struct stat sb;
	int r;

	if (a == NULL || out_path == NULL || a->n_files == 0 ||
	    a->n_files > MEDSEC_UPDATE_FILES_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "a package holds 1 to %d files", MEDSEC_UPDATE_FILES_MAX);
	if (lstat(out_path, &sb) == 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_EXISTS,
		    "%s exists; refusing to overwrite", out_path);
	if ((files = calloc(a->n_files, sizeof(*files))) == NULL ||
	    (buf = malloc(COPY_BUF)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((r = describe_files(a, files, buf, err, errlen)) != MEDSEC_OK)
		goto out;
	if ((manifest = update_manifest_build(a, files, err, errlen)) == NULL) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if (strlen(manifest) > MEDSEC_UPDATE_MANIFEST_MAX) {
		r = medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "manifest over %u bytes", MEDSEC_UPDATE_MANIFEST_MAX);
		goto out;
	}
	r = write_package(out_path, manifest, "", a, files, buf, err, errlen);
out:
	free(manifest);
	free(buf);
	update_files_free(files, a != NULL ? a->n_files : 0);
	return r;
}

/* Copies len bytes from in at inoff to out at outoff. */
static int
copy_range(int in, off_t inoff, int out, off_t outoff, uint64_t len,
    uint8_t *buf)
{
	ssize_t n;
	size_t want;
	int r;

	while (len > 0) {
		want = len < COPY_BUF ? (size_t)len : COPY_BUF;
		n = pread(in, buf, want, inoff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MEDSEC_ERR_IO;
		if ((r = medsec_io_pwrite_all(out, buf, (size_t)n, outoff)) !=
		    MEDSEC_OK)
			return r;
		inoff += n;
		outoff += n;
		len -= (uint64_t)n;
	}
	return MEDSEC_OK;
}

static int
rewrite_with_sigs(const char *pkg_path, int in, const struct update_header *h,
    const char *manifest, const char *sigs, uint64_t payload_len)
{
	uint8_t hdr[MEDSEC_UPDATE_HEADER_LEN], *buf = NULL;
	struct update_header nh = *h;
	char tmp[4096];
	off_t off;
	int fd = -1, r;

	nh.sigs_len = (uint32_t)strlen(sigs);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", pkg_path,
	    (long)getpid()) >= sizeof(tmp))
		return MEDSEC_ERR_TOO_LARGE;
	if ((buf = malloc(COPY_BUF)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((fd = medsec_io_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
	    0644)) < 0) {
		r = fd;
		goto out;
	}
	update_header_encode(&nh, hdr);
	off = 0;
	if ((r = medsec_io_pwrite_all(fd, hdr, sizeof(hdr), 0)) != MEDSEC_OK)
		goto out;
	off += (off_t)sizeof(hdr);
	if ((r = medsec_io_pwrite_all(fd, manifest, h->manifest_len, off)) !=
	    MEDSEC_OK)
		goto out;
	off += h->manifest_len;
	if ((r = medsec_io_pwrite_all(fd, sigs, nh.sigs_len, off)) !=
	    MEDSEC_OK)
		goto out;
	off += nh.sigs_len;
	if ((r = copy_range(in, (off_t)(MEDSEC_UPDATE_HEADER_LEN +
	    h->manifest_len + h->sigs_len), fd, off, payload_len, buf)) !=
	    MEDSEC_OK || (r = medsec_io_fsync(fd)) != MEDSEC_OK)
		goto out;
	medsec_io_close(fd);
	fd = -1;
	r = medsec_io_rename(tmp, pkg_path);
out:
	if (fd >= 0)
		medsec_io_close(fd);
	/* Litter at worst: the package itself was not replaced. */
	if (r != MEDSEC_OK)
		(void)medsec_io_unlink(tmp);
	free(buf);
	return r;
}

int
medsec_update_sign(const char *pkg_path, const struct medsec_signkey *k,
    char *err, size_t errlen)
{
	struct update_sig sigs[MEDSEC_UPDATE_KEYS_MAX];
	uint8_t hdr[MEDSEC_UPDATE_HEADER_LEN], msg[64];
	struct update_header h;
	char *manifest = NULL, *sigtext = NULL, *newsigs = NULL;
	size_t nsigs = 0, msglen, i;
	struct stat sb;
	int fd, r;

	if (pkg_path == NULL || k == NULL)
		return MEDSEC_ERR_INVALID;
	if ((fd = open(pkg_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_NOT_FOUND,
		    "cannot open %s", pkg_path);
	if ((r = update_read_exact(fd, hdr, sizeof(hdr))) != MEDSEC_OK ||
	    (r = update_header_decode(hdr, &h, err, errlen)) != MEDSEC_OK)
		goto out;
	if ((manifest = malloc(h.manifest_len + 1)) == NULL ||
	    (sigtext = malloc(h.sigs_len + 1)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((r = update_read_exact(fd, manifest, h.manifest_len)) !=
	    MEDSEC_OK || (r = update_read_exact(fd, sigtext, h.sigs_len)) !=
	    MEDSEC_OK)
		goto out;
	if ((r = update_sigs_parse(sigtext, h.sigs_len, sigs,
	    MEDSEC_UPDATE_KEYS_MAX, &nsigs, err, errlen)) != MEDSEC_OK)
		goto out;
	for (i = 0; i < nsigs; i++)
		if (strcmp(sigs[i].key_id, medsec_signkey_public(k)->key_id) ==
		    0) {
			r = medsec_errf(err, errlen, MEDSEC_ERR_EXISTS,
			    "already signed by key %s", sigs[i].key_id);
			goto out;
		}
	if (nsigs == MEDSEC_UPDATE_KEYS_MAX) {
		r = medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "already %d signatures", MEDSEC_UPDATE_KEYS_MAX);
		goto out;
	}
	if ((r = update_signed_message(UPDATE_SIG_CONTEXT, manifest,
	    h.manifest_len, msg, &msglen)) != MEDSEC_OK ||
	    (r = medsec_signkey_sign(k, msg, msglen, sigs[nsigs].sig)) !=
	    MEDSEC_OK)
		goto out;
	snprintf(sigs[nsigs].key_id, sizeof(sigs[nsigs].key_id), "%s",
	    medsec_signkey_public(k)->key_id);
	if ((newsigs = update_sigs_encode(sigs, nsigs + 1)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	r = rewrite_with_sigs(pkg_path, fd, &h, manifest, newsigs,
	    (uint64_t)sb.st_size - MEDSEC_UPDATE_HEADER_LEN - h.manifest_len -
	    h.sigs_len);
out:
	close(fd);
	free(manifest);
	free(sigtext);
	free(newsigs);
	return r;
}
