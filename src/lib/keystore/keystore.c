/*
 * The keystore: device keys sealed at rest under a master key, behind a
 * backend interface (a master key file by default; a secure element or a
 * PKCS#11 token can implement struct medsec_keystore_backend instead).
 * This file holds names, paths and the open/create/close life cycle.
 *
 * A keystore handle is not thread-safe; callers serialise its use.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medsec/err.h"
#include "medsec/keystore.h"
#include "io/io.h"
#include "keystore_int.h"

int
ks_valid_name(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = strnlen(name, MEDSEC_KEY_NAME_MAX);
	if (n == 0 || n >= MEDSEC_KEY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
			(name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return 0;
	/* "master.key" is the master key: a key of that name would be it. */
	return strcmp(name, KS_MASTER_NAME) != 0;
}

/* Decimal, no sign, no leading zero, 1..UINT32_MAX. */
static int
parse_generation(const char *s, size_t n, uint32_t *genp)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return 0;
	*genp = (uint32_t)v;
	return 1;
}

int
ks_parse_ref(const char *ref, size_t len, char name[MEDSEC_KEY_NAME_MAX],
    uint32_t *genp)
{
	const char *dot = memchr(ref, '.', len);
	size_t n = dot != NULL ? (size_t)(dot - ref) : len;

	*genp = 0;
	if (n == 0 || n >= MEDSEC_KEY_NAME_MAX)
		return 0;
	memcpy(name, ref, n);
	name[n] = '\0';
	if (!ks_valid_name(name))
		return 0;
	if (dot == NULL)
		return 1;
	return parse_generation(dot + 1, len - n - 1, genp);
}

int
ks_file_name(char *out, size_t outlen, const char *name, uint32_t gen,
    const char *ext)
{
	int n;

	if (gen == 0)
		n = snprintf(out, outlen, "%s.%s", name, ext);
	else
		n = snprintf(out, outlen, "%s.%lu.%s", name,
		    (unsigned long)gen, ext);
	if (n < 0 || (size_t)n >= outlen)
		return MEDSEC_ERR_TOO_LARGE;
	return MEDSEC_OK;
}

int
ks_path(const struct medsec_keystore *ks, char *out, const char *name,
    uint32_t gen, const char *ext)
{
	char file[KS_FILE_MAX];
	int r;

	if ((r = ks_file_name(file, sizeof(file), name, gen, ext)) !=
	    MEDSEC_OK)
		return r;
	return medsec_io_path(out, KS_PATH_MAX, ks->dir, file);
}

int
ks_write_file(const char *dir, const char *file, const uint8_t *buf,
    size_t len, int mode, enum ks_write how)
{
	if (how == KS_WRITE_NEW)
		return medsec_io_write_file_new(dir, file, buf, len,
		    (mode_t)mode);
	return medsec_io_write_file_atomic(dir, file, buf, len, (mode_t)mode);
}

/*
 * Whoever can write to the keydir can delete keys or put back an older
 * sealed file (the audit MAC key of an earlier epoch): the directory must
 * be a real directory of ours that group and others cannot write.
 */
static int
check_keydir(const char *dir)
{
	struct stat sb;

	if (lstat(dir, &sb) != 0)
		return MEDSEC_ERR_NOT_FOUND;
	if (!S_ISDIR(sb.st_mode))
		return MEDSEC_ERR_PERMISSION;
	if (sb.st_uid != geteuid())
		return MEDSEC_ERR_NOT_OWNER;
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return MEDSEC_ERR_PERMISSION;
	return MEDSEC_OK;
}

/* Makes a freshly created keydir's own entry durable in its parent. */
static int
sync_parent(const char *dir)
{
	char parent[KS_DIR_MAX];
	const char *slash = strrchr(dir, '/');
	size_t n;

	if (slash == NULL)
		return medsec_io_fsync_dir(".");
	n = slash == dir ? 1 : (size_t)(slash - dir);
	memcpy(parent, dir, n);
	parent[n] = '\0';
	return medsec_io_fsync_dir(parent);
}

static int
make_keydir(const char *dir)
{
	int r = medsec_io_mkdir(dir, 0700);

	if (r == MEDSEC_OK)
		r = sync_parent(dir);
	else if (r == MEDSEC_ERR_EXISTS)
		r = MEDSEC_OK;
	if (r == MEDSEC_OK)
		r = check_keydir(dir);
	return r;
}

static int
keystore_alloc(const char *keydir, struct medsec_keystore **ksp)
{
	struct medsec_keystore *ks;
	size_t n;
	int r;

	*ksp = NULL;
	if (keydir == NULL || (n = strnlen(keydir, KS_DIR_MAX)) == 0 ||
	    n >= KS_DIR_MAX)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(ks->dir, keydir, n + 1);
	*ksp = ks;
	return MEDSEC_OK;
}

/*
 * open() finds the profile again by the name stored in master.key, so
 * only a built-in profile (by name, with its own AEAD) can be recorded.
 */
static int
check_profile(const struct medsec_crypto_profile *profile)
{
	const struct medsec_crypto_profile *builtin;
	int r;

	if (profile == NULL || profile->name == NULL ||
	    strnlen(profile->name, KS_PROFILE_FIELD) >= KS_PROFILE_FIELD)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_profile_by_name(profile->name, &builtin)) !=
	    MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	if (builtin->aead != profile->aead)
		return MEDSEC_ERR_INVALID;
	/* REQ: MFDS 1.17, verified algorithms of at least 112 bits. */
	return medsec_crypto_profile_check(builtin, NULL, 0);
}

int
medsec_keystore_create(const char *keydir,
    const struct medsec_crypto_profile *profile, struct medsec_keystore **ksp)
{
	int r = MEDSEC_ERR_INTERNAL;

	if (ksp == NULL)
		return MEDSEC_ERR_INVALID;
	*ksp = NULL;
	if (keydir == NULL || strnlen(keydir, KS_DIR_MAX) >= KS_DIR_MAX) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = medsec_crypto_init()) != MEDSEC_OK ||
	    (r = check_profile(profile)) != MEDSEC_OK ||
	    (r = make_keydir(keydir)) != MEDSEC_OK ||
	    (r = ks_master_create(keydir, profile)) != MEDSEC_OK)
		goto out;
	r = medsec_keystore_open(keydir, ksp);
out:
	return r;
}

int
medsec_keystore_open(const char *keydir, struct medsec_keystore **ksp)
{
	struct medsec_keystore *ks = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if (ksp == NULL)
		return MEDSEC_ERR_INVALID;
	*ksp = NULL;
	if ((r = keystore_alloc(keydir, &ks)) != MEDSEC_OK ||
	    (r = check_keydir(keydir)) != MEDSEC_OK ||
	    (r = ks_master_load(ks)) != MEDSEC_OK)
		goto out;
	*ksp = ks;
	ks = NULL;
	r = MEDSEC_OK;
out:
	medsec_keystore_close(ks);
	return r;
}

/*
 * The profile is the one named in master.key when the keydir has one (a
 * keydir created by medsec_keystore_create()), else "approved": a token
 * backend has no master key file.
 */
int
medsec_keystore_open_backend(const char *keydir,
    const struct medsec_keystore_backend *backend,
    struct medsec_keystore **ksp)
{
	struct medsec_keystore *ks = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if (ksp == NULL)
		return MEDSEC_ERR_INVALID;
	*ksp = NULL;
	if (backend == NULL || backend->seal == NULL ||
	    backend->unseal == NULL) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = keystore_alloc(keydir, &ks)) != MEDSEC_OK ||
	    (r = check_keydir(keydir)) != MEDSEC_OK)
		goto out;
	r = ks_master_profile(keydir, &ks->profile);
	if (r == MEDSEC_ERR_NOT_FOUND)
		r = medsec_crypto_profile_by_name("approved", &ks->profile);
	if (r != MEDSEC_OK)
		goto out;
	/* Only now: on failure the caller still owns backend->ctx. */
	ks->backend = *backend;
	*ksp = ks;
	ks = NULL;
	r = MEDSEC_OK;
out:
	medsec_keystore_close(ks);
	return r;
}

void
medsec_keystore_close(struct medsec_keystore *ks)
{
	if (ks == NULL)
		return;
	if (ks->backend.close != NULL)
		ks->backend.close(ks->backend.ctx);
	medsec_wipe(ks, sizeof(*ks));
	free(ks);
}

const struct medsec_crypto_profile *
medsec_keystore_profile(const struct medsec_keystore *ks)
{
	return ks != NULL ? ks->profile : NULL;
}
