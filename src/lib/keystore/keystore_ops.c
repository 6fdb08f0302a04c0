/*
 * Key operations: generate, put, get, public, sign and rotate. Secrets
 * exist in plaintext only in stack buffers of these functions (and in the
 * caller's buffer for get), and are wiped on every path out.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "medsec/clock.h"
#include "medsec/err.h"
#include "io/io.h"
#include "keystore_int.h"

/*
 * The algorithms a keystore holds: key pairs (signature, key agreement)
 * and 32-byte symmetric keys (AEAD, HMAC). REQ: MFDS 1.17, nothing below
 * 112 bits (MEDSEC_ERR_WEAK_ALGORITHM).
 */
static int
alg_usable(int alg, int *kindp)
{
	const struct medsec_alg_info *info;
	int r;

	if ((r = medsec_crypto_alg_check(alg, NULL, 0)) != MEDSEC_OK)
		return r;
	if ((info = medsec_crypto_alg_by_id(alg)) == NULL)
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	switch (info->kind) {
	case MEDSEC_KIND_SIGN:
	case MEDSEC_KIND_KEX:
	case MEDSEC_KIND_AEAD:
	case MEDSEC_KIND_MAC:
		*kindp = info->kind;
		return MEDSEC_OK;
	default:
		return MEDSEC_ERR_INVALID;
	}
}

static int
is_pair(int kind)
{
	return kind == MEDSEC_KIND_SIGN || kind == MEDSEC_KIND_KEX;
}

static void
header_init(struct ks_header *h, const struct medsec_keystore *ks, int alg,
    uint32_t gen)
{
	memset(h, 0, sizeof(*h));
	h->aead = ks->profile->aead;
	h->alg = alg;
	h->state = MEDSEC_KEY_ACTIVE;
	h->generation = gen;
	h->created_us = medsec_clock_wall_us();
}

static int
make_secret(int alg, int kind, uint8_t *secret, size_t *lenp, uint8_t *pk,
    size_t *pklen)
{
	*pklen = 0;
	*lenp = KS_KEY_LEN;
	switch (kind) {
	case MEDSEC_KIND_SIGN:
		return medsec_sign_keygen(alg, secret, pk, pklen);
	case MEDSEC_KIND_KEX:
		return medsec_kex_keygen(alg, secret, pk, pklen);
	default:
		return medsec_random(secret, KS_KEY_LEN);
	}
}

/* A pair is named by its public key, a symmetric key by its bytes. */
static int
set_key_id(struct ks_header *h, const uint8_t *secret, const uint8_t *pk,
    size_t pklen)
{
	if (pklen > 0)
		return medsec_key_id(h->alg, pk, pklen, h->key_id);
	return medsec_key_id(h->alg, secret, h->secret_len, h->key_id);
}

/*
 * A new pair writes its .pub first: the exclusive create of either file
 * makes a concurrent generate of the same name fail with EXISTS, and a
 * public file is all there is to remove when sealing fails.
 */
static int
store_new(struct medsec_keystore *ks, const char *name,
    const struct ks_header *h, const uint8_t *secret, const uint8_t *pk,
    size_t pklen)
{
	char path[KS_PATH_MAX];
	int r;

	if (pklen > 0 && (r = ks_pub_store(ks, name, 0, h, pk, pklen,
			      KS_WRITE_NEW)) != MEDSEC_OK)
		return r;
	r = ks_seal_store(ks, name, 0, h, secret, KS_WRITE_NEW);
	if (r != MEDSEC_OK && pklen > 0 &&
	    ks_path(ks, path, name, 0, "pub") == MEDSEC_OK) {
		/*
		 * Best effort, and safe to ignore: the seal error r is what
		 * the caller sees. A .pub this cannot remove (or that a crash
		 * brings back) makes the next generate of the name fail with
		 * MEDSEC_ERR_EXISTS, never pair with another secret.
		 */
		(void)medsec_io_unlink(path);
		(void)medsec_io_fsync_dir(ks->dir);
	}
	return r;
}

/* Replacing: the sealed key first, so sign() never uses a stale pair. */
static int
store_replace(struct medsec_keystore *ks, const char *name,
    const struct ks_header *h, const uint8_t *secret, const uint8_t *pk,
    size_t pklen)
{
	int r;

	if ((r = ks_seal_store(ks, name, 0, h, secret, KS_WRITE_REPLACE)) !=
	    MEDSEC_OK)
		return r;
	if (pklen > 0)
		r = ks_pub_store(ks, name, 0, h, pk, pklen, KS_WRITE_REPLACE);
	return r;
}

static int
new_key(struct medsec_keystore *ks, const char *name, int alg, int kind,
    uint32_t gen, enum ks_write how, struct medsec_key_info *infop)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX], pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t len = 0, pklen = 0;
	struct ks_header h;
	int r = MEDSEC_ERR_INTERNAL;

	header_init(&h, ks, alg, gen);
	if ((r = make_secret(alg, kind, secret, &len, pk, &pklen)) !=
	    MEDSEC_OK)
		goto out;
	h.secret_len = (uint32_t)len;
	if ((r = set_key_id(&h, secret, pk, pklen)) != MEDSEC_OK)
		goto out;
	if (how == KS_WRITE_NEW)
		r = store_new(ks, name, &h, secret, pk, pklen);
	else
		r = store_replace(ks, name, &h, secret, pk, pklen);
	if (r == MEDSEC_OK)
		ks_info_set(infop, name, &h);
out:
	medsec_wipe(secret, sizeof(secret));
	return r;
}

/* A kept public key also holds the name: see medsec_keystore_destroy(). */
static int
name_in_use(const struct medsec_keystore *ks, const char *name)
{
	static const char *const exts[] = { "key", "pub" };
	char path[KS_PATH_MAX];
	struct stat sb;
	int r;

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if ((r = ks_path(ks, path, name, 0, exts[i])) != MEDSEC_OK)
			return r;
		if (lstat(path, &sb) == 0)
			return MEDSEC_ERR_EXISTS;
	}
	return MEDSEC_OK;
}

int
medsec_keystore_generate(struct medsec_keystore *ks, const char *name,
    int alg, struct medsec_key_info *infop)
{
	int kind = 0, r = MEDSEC_ERR_INTERNAL;

	if (ks == NULL || !ks_valid_name(name)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = alg_usable(alg, &kind)) != MEDSEC_OK ||
	    (r = name_in_use(ks, name)) != MEDSEC_OK)
		goto out;
	r = new_key(ks, name, alg, kind, 1, KS_WRITE_NEW, infop);
out:
	return r;
}

/*
 * A caller's secret: key-agreement secrets are refused (crypto.h cannot
 * derive their public half), signature and AEAD keys must have their
 * algorithm's exact length, HMAC keys (and the audit trail's epoch and
 * key) any length up to MEDSEC_KEY_SECRET_MAX.
 */
static int
check_put_len(int kind, size_t len)
{
	if (len == 0 || len > MEDSEC_KEY_SECRET_MAX)
		return MEDSEC_ERR_INVALID;
	switch (kind) {
	case MEDSEC_KIND_SIGN:
		return len == MEDSEC_SIGN_SECRET_LEN ? MEDSEC_OK
						     : MEDSEC_ERR_INVALID;
	case MEDSEC_KIND_AEAD:
		return len == MEDSEC_AEAD_KEY_LEN ? MEDSEC_OK
						  : MEDSEC_ERR_INVALID;
	case MEDSEC_KIND_MAC:
		return MEDSEC_OK;
	default:
		return MEDSEC_ERR_INVALID;
	}
}

/* put keeps the generation number, so a later rotation names files right. */
static uint32_t
current_generation(const struct medsec_keystore *ks, const char *name)
{
	struct ks_header h;

	if (ks_header_peek(ks, name, 0, &h) == MEDSEC_OK)
		return h.generation;
	return 1;
}

/*
 * The rename in put frees the replaced file's inode with its sealed bytes
 * still in it. put keeps that inode open across the rename and overwrites
 * it with zeros, so an earlier value (such as the audit trail's previous
 * MAC key, which forward security needs gone) does not linger on disk.
 */
static int
zero_replaced(int fd)
{
	uint8_t zeros[KS_SEALED_MAX];
	struct stat sb;
	int r = MEDSEC_ERR_INTERNAL;

	memset(zeros, 0, sizeof(zeros));
	if (fstat(fd, &sb) != 0) {
		r = MEDSEC_ERR_IO;
		goto out;
	}
	r = MEDSEC_OK;
	for (off_t off = 0; r == MEDSEC_OK && off < sb.st_size;
	     off += (off_t)sizeof(zeros)) {
		size_t n = sb.st_size - off < (off_t)sizeof(zeros)
		    ? (size_t)(sb.st_size - off)
		    : sizeof(zeros);

		r = medsec_io_pwrite_all(fd, zeros, n, off);
	}
	if (r == MEDSEC_OK)
		r = medsec_io_fdatasync(fd);
out:
	medsec_io_close(fd);
	return r;
}

/* A stale public key of what put replaced must not pose as its pair. */
static int
drop_stale_public(struct medsec_keystore *ks, const char *name)
{
	char path[KS_PATH_MAX];
	int r;

	if ((r = ks_path(ks, path, name, 0, "pub")) != MEDSEC_OK)
		return r;
	r = medsec_io_unlink(path);
	if (r == MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK;
	if (r == MEDSEC_OK)
		r = medsec_io_fsync_dir(ks->dir);
	return r;
}

static int
put_prepare(struct medsec_keystore *ks, const char *name, int alg,
    const uint8_t *secret, size_t len, struct ks_header *h, uint8_t *pk,
    size_t *pklen)
{
	int kind = 0, r;

	*pklen = 0;
	if ((r = alg_usable(alg, &kind)) != MEDSEC_OK ||
	    (r = check_put_len(kind, len)) != MEDSEC_OK)
		return r;
	header_init(h, ks, alg, current_generation(ks, name));
	h->secret_len = (uint32_t)len;
	if (kind == MEDSEC_KIND_SIGN &&
	    (r = medsec_sign_public(alg, secret, pk, pklen)) != MEDSEC_OK)
		return r;
	return set_key_id(h, secret, pk, *pklen);
}

int
medsec_keystore_put(struct medsec_keystore *ks, const char *name, int alg,
    const uint8_t *secret, size_t len, struct medsec_key_info *infop)
{
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	char path[KS_PATH_MAX];
	struct ks_header h;
	size_t pklen = 0;
	int old = -1, r = MEDSEC_ERR_INTERNAL;

	if (ks == NULL || !ks_valid_name(name) || secret == NULL) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = put_prepare(ks, name, alg, secret, len, &h, pk, &pklen)) !=
		MEDSEC_OK ||
	    (r = ks_path(ks, path, name, 0, "key")) != MEDSEC_OK)
		goto out;
	old = medsec_io_open(path, O_RDWR, 0); /* negative when absent */
	if ((r = store_replace(ks, name, &h, secret, pk, pklen)) != MEDSEC_OK ||
	    (pklen == 0 && (r = drop_stale_public(ks, name)) != MEDSEC_OK))
		goto out;
	if (old >= 0) {
		r = zero_replaced(old);
		old = -1;
		if (r != MEDSEC_OK)
			goto out;
	}
	ks_info_set(infop, name, &h);
	r = MEDSEC_OK;
out:
	if (old >= 0)
		medsec_io_close(old);
	return r;
}

int
medsec_keystore_get(struct medsec_keystore *ks, const char *name,
    uint8_t *secret, size_t *lenp, struct medsec_key_info *infop)
{
	struct ks_header h;
	int r = MEDSEC_ERR_INTERNAL;

	if (lenp != NULL)
		*lenp = 0;
	if (ks == NULL || secret == NULL || lenp == NULL ||
	    !ks_valid_name(name)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = ks_unseal_load(ks, name, 0, secret, lenp, &h)) != MEDSEC_OK)
		goto out;
	ks_info_set(infop, name, &h);
out:
	return r;
}

/*
 * The .pub and the sealed file of one generation are written one after
 * the other; after a crash between the two they may not match. Report
 * that, and report a pair whose secret was destroyed as verify-only.
 */
static int
check_pair(const struct medsec_keystore *ks, const char *name, uint32_t gen,
    struct ks_header *ph)
{
	struct ks_header kh;
	int r = ks_header_peek(ks, name, gen, &kh);

	if (r == MEDSEC_ERR_NOT_FOUND) {
		ph->state = MEDSEC_KEY_VERIFY_ONLY;
		return MEDSEC_OK;
	}
	if (r != MEDSEC_OK)
		return r;
	if (kh.alg != ph->alg || kh.generation != ph->generation ||
	    medsec_ct_equal(kh.key_id, ph->key_id, MEDSEC_KEY_ID_LEN) != 0)
		return MEDSEC_ERR_KEY_MISMATCH;
	ph->state = kh.state;
	return MEDSEC_OK;
}

int
medsec_keystore_public(struct medsec_keystore *ks, const char *name,
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen,
    struct medsec_key_info *infop)
{
	char base[MEDSEC_KEY_NAME_MAX];
	struct ks_header h;
	uint32_t gen = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if (ks == NULL || name == NULL || pk == NULL || pklen == NULL ||
	    !ks_parse_ref(name, strnlen(name, KS_FILE_MAX), base, &gen)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = ks_pub_load(ks, base, gen, pk, pklen, &h)) != MEDSEC_OK ||
	    (r = check_pair(ks, base, gen, &h)) != MEDSEC_OK)
		goto out;
	ks_info_set(infop, base, &h);
out:
	return r;
}

int
medsec_keystore_sign(struct medsec_keystore *ks, const char *name,
    const void *msg, size_t msglen, uint8_t sig[MEDSEC_SIGN_LEN])
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	struct ks_header h;
	size_t len = 0;
	int kind = 0, r = MEDSEC_ERR_INTERNAL;

	if (ks == NULL || !ks_valid_name(name) || sig == NULL ||
	    (msg == NULL && msglen > 0)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = ks_unseal_load(ks, name, 0, secret, &len, &h)) != MEDSEC_OK)
		goto out;
	/* Re-checked at each use: the floor may have risen since creation. */
	if ((r = alg_usable(h.alg, &kind)) != MEDSEC_OK)
		goto out;
	if (kind != MEDSEC_KIND_SIGN || len != MEDSEC_SIGN_SECRET_LEN) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if (h.state != MEDSEC_KEY_ACTIVE) {
		r = MEDSEC_ERR_STATE;
		goto out;
	}
	r = medsec_sign(h.alg, secret, msg, msglen, sig);
out:
	medsec_wipe(secret, sizeof(secret));
	return r;
}

/*
 * Keeps generation h->generation as <name>.<gen>.key, re-sealed with
 * state verify-only (the state is authenticated, so it is a new seal, not
 * a rename), and its .pub as <name>.<gen>.pub. Replacing, not exclusive:
 * a rotation interrupted by a crash can simply be run again.
 */
static int
archive_generation(struct medsec_keystore *ks, const char *name,
    struct ks_header *h, const uint8_t *secret, int kind)
{
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	struct ks_header ph;
	size_t pklen = 0;
	int r;

	if (is_pair(kind)) {
		if ((r = ks_pub_load(ks, name, 0, pk, &pklen, &ph)) !=
		    MEDSEC_OK)
			return r;
		if (ph.generation != h->generation ||
		    medsec_ct_equal(ph.key_id, h->key_id, MEDSEC_KEY_ID_LEN) != 0)
			return MEDSEC_ERR_KEY_MISMATCH;
	}
	h->state = MEDSEC_KEY_VERIFY_ONLY;
	if ((r = ks_seal_store(ks, name, h->generation, h, secret,
		 KS_WRITE_REPLACE)) != MEDSEC_OK)
		return r;
	if (pklen > 0)
		r = ks_pub_store(ks, name, h->generation, h, pk, pklen,
		    KS_WRITE_REPLACE);
	return r;
}

int
medsec_keystore_rotate(struct medsec_keystore *ks, const char *name,
    struct medsec_key_info *infop)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	struct ks_header h;
	size_t len = 0;
	int kind = 0, r = MEDSEC_ERR_INTERNAL;

	if (ks == NULL || !ks_valid_name(name)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = ks_unseal_load(ks, name, 0, secret, &len, &h)) != MEDSEC_OK ||
	    (r = alg_usable(h.alg, &kind)) != MEDSEC_OK)
		goto out;
	if (h.generation == UINT32_MAX) {
		r = MEDSEC_ERR_TOO_LARGE;
		goto out;
	}
	if ((r = archive_generation(ks, name, &h, secret, kind)) != MEDSEC_OK)
		goto out;
	r = new_key(ks, name, h.alg, kind, h.generation + 1, KS_WRITE_REPLACE,
	    infop);
out:
	medsec_wipe(secret, sizeof(secret));
	return r;
}
