/*
 * The restore countermeasure: put a regular file back from a known-good
 * tree (the committed update slot). The copy is trusted only once its
 * hash matches the signed manifest; it is read without following any
 * symlink below the known-good directory, written with an atomic rename
 * (medsec_io_write_file_atomic), given the manifest's mode and owner, and
 * then hashed again where it now lies.
 *
 * WARNING: the write goes through a path. Just before it, every directory
 * between the root and the file is checked to be a real directory, not a
 * symlink; someone able to replace one of them in the instant between the
 * check and the rename could still redirect the write. Directories under
 * the root are the manifest's to protect (their mode and owner are
 * checked too), and a restore that does not verify afterwards is reported
 * as failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "integrity/integrity_int.h"
#include "io/io.h"
#include "medsec/err.h"

static int
read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MEDSEC_ERR_IO;
		got += (size_t)n;
	}
	return MEDSEC_OK;
}

/* Reads the known-good copy and checks it against the manifest. */
static int
read_known_good(const char *known_good, const struct ientry *exp, int alg,
    uint8_t **bufp, char *err, size_t errlen)
{
	uint8_t hash[MEDSEC_HASH_MAX], *buf = NULL;
	struct stat st;
	int fd, r = MEDSEC_ERR_INTERNAL;

	*bufp = NULL;
	fd = integrity_open_beneath(known_good, exp->path, O_RDONLY);
	if (fd < 0)
		return medsec_errf(err, errlen, fd, "known-good copy: cannot "
		    "open (without following links)");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != exp->pub.size) {
		r = medsec_errf(err, errlen, MEDSEC_ERR_TAMPERED,
		    "known-good copy: not a regular file of the listed size");
		goto out;
	}
	if ((buf = malloc(exp->pub.size > 0 ? (size_t)exp->pub.size : 1)) ==
	    NULL) {
		r = medsec_errf(err, errlen, MEDSEC_ERR_NOMEM, "restore");
		goto out;
	}
	if ((r = read_all(fd, buf, (size_t)exp->pub.size)) != MEDSEC_OK ||
	    (r = medsec_hash(alg, buf, (size_t)exp->pub.size, hash)) !=
	    MEDSEC_OK) {
		r = medsec_errf(err, errlen, r, "known-good copy: cannot read");
		goto out;
	}
	if (memcmp(hash, exp->pub.hash, medsec_hash_len(alg)) != 0) {
		r = medsec_errf(err, errlen, MEDSEC_ERR_TAMPERED,
		    "known-good copy: does not match the manifest");
		goto out;
	}
	*bufp = buf;
	buf = NULL;
	r = MEDSEC_OK;
out:
	free(buf);
	close(fd);
	return r;
}

/* The directory path of path's parent under root, checked link-free. */
static int
parent_dir(const char *root, const char *path, char *dir, size_t dirlen,
    const char **namep)
{
	char rel[MEDSEC_INTEGRITY_PATH_MAX + 1];
	const char *slash = strrchr(path, '/');
	int fd, n;

	if (slash == NULL) {
		snprintf(rel, sizeof(rel), ".");
		*namep = path;
		n = snprintf(dir, dirlen, "%s", root);
	} else {
		memcpy(rel, path, (size_t)(slash - path));
		rel[slash - path] = '\0';
		*namep = slash + 1;
		n = snprintf(dir, dirlen, "%s/%s", root, rel);
	}
	if (n < 0 || (size_t)n >= dirlen)
		return MEDSEC_ERR_TOO_LARGE;
	if ((fd = integrity_open_beneath(root, rel, O_DIRECTORY)) < 0)
		return fd;
	close(fd);
	return MEDSEC_OK;
}

/* Gives the restored file the manifest's owner (when root) and mode. */
static int
set_owner_mode(const char *root, const struct ientry *exp)
{
	struct stat st;
	int fd, r = MEDSEC_OK;

	if ((fd = integrity_open_beneath(root, exp->path, O_RDONLY)) < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		r = MEDSEC_ERR_STATE;
	/* chown first: it clears setuid and setgid bits. */
	else if (geteuid() == 0 &&
	    fchown(fd, (uid_t)exp->pub.uid, (gid_t)exp->pub.gid) != 0)
		r = MEDSEC_ERR_PERMISSION;
	else if (fchmod(fd, (mode_t)exp->pub.mode) != 0)
		r = MEDSEC_ERR_PERMISSION;
	close(fd);
	return r;
}

static int
recheck(const struct medsec_integrity_manifest *m, const char *root,
    const struct ientry *exp)
{
	struct medsec_integrity_entry now;
	int r;

	memset(&now, 0, sizeof(now));
	if ((r = integrity_rescan_file(root, exp->path, m->hash_alg, &now)) !=
	    MEDSEC_OK)
		return r;
	if (now.mode != exp->pub.mode || now.uid != exp->pub.uid ||
	    now.gid != exp->pub.gid || now.size != exp->pub.size ||
	    memcmp(now.hash, exp->pub.hash, medsec_hash_len(m->hash_alg)) != 0)
		return MEDSEC_ERR_TAMPERED;
	return MEDSEC_OK;
}

static int
write_back(const char *root, const struct ientry *exp, const uint8_t *buf,
    char *err, size_t errlen)
{
	char dir[4096];
	const char *name;
	int r;

	if ((r = parent_dir(root, exp->path, dir, sizeof(dir), &name)) !=
	    MEDSEC_OK)
		return medsec_errf(err, errlen, r, "its directory is missing "
		    "or not a real directory");
	if ((r = medsec_io_write_file_atomic(dir, name, buf,
	    (size_t)exp->pub.size, (mode_t)(exp->pub.mode & 0777))) !=
	    MEDSEC_OK)
		return medsec_errf(err, errlen, r, "cannot write it back");
	if ((r = set_owner_mode(root, exp)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "cannot set its mode "
		    "and owner");
	return MEDSEC_OK;
}

int
integrity_restore(const struct medsec_integrity_manifest *m,
    const char *root, const char *known_good, const char *path, char *err,
    size_t errlen)
{
	const struct ientry *exp = integrity_find(m, path);
	uint8_t *buf = NULL;
	int r;

	if (known_good == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "no known-good directory configured");
	if (exp == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE,
		    "not in the manifest: nothing to restore");
	if (exp->pub.type != MEDSEC_INTEGRITY_FILE)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE,
		    "a %s is not restored, only regular files",
		    medsec_integrity_type_name(exp->pub.type));
	if (exp->pub.size > MEDSEC_INTEGRITY_RESTORE_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "larger than %u bytes", MEDSEC_INTEGRITY_RESTORE_MAX);
	if ((r = read_known_good(known_good, exp, m->hash_alg, &buf, err,
	    errlen)) != MEDSEC_OK)
		return r;
	if ((r = write_back(root, exp, buf, err, errlen)) == MEDSEC_OK &&
	    (r = recheck(m, root, exp)) != MEDSEC_OK)
		r = medsec_errf(err, errlen, r, "still differs from the "
		    "manifest after the restore");
	free(buf);
	return r;
}
