/*
 * The default keystore backend: a 256-bit master key in
 * <keydir>/master.key (0600), sealing with the profile's AEAD.
 *
 * master.key (60 bytes): "MEDSECMK" u16 version u16 aead
 * char profile[16] (NUL-padded) u8 key[32].
 *
 * While the keystore is open the master key sits in guarded, locked
 * memory (medsec_secure_alloc) that is inaccessible except for the few
 * instructions of one seal or unseal, when it is made read-only.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/err.h"
#include "core/le.h"
#include "io/io.h"
#include "keystore_int.h"

#define MASTER_PROFILE_OFF 12
#define MASTER_KEY_OFF 28

static int
file_seal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *pt,
    size_t ptlen, uint8_t *out, size_t *outlen)
{
	struct ks_file_backend *fb = ctx;
	int r = MEDSEC_ERR_INTERNAL;

	if (*outlen < ptlen + KS_FILE_SEAL_OVERHEAD)
		return MEDSEC_ERR_TOO_LARGE;
	/* A random 96-bit nonce per seal: a few keys per epoch, far below
	 * the 2^32 messages that random GCM nonces allow per key. */
	if ((r = medsec_random(out, MEDSEC_AEAD_NONCE_LEN)) != MEDSEC_OK ||
	    (r = medsec_secure_readonly(fb->key)) != MEDSEC_OK)
		goto out;
	r = medsec_aead_seal(fb->aead, fb->key, out, ad, adlen, pt, ptlen,
	    out + MEDSEC_AEAD_NONCE_LEN);
	if (medsec_secure_noaccess(fb->key) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_CRYPTO;
	if (r == MEDSEC_OK)
		*outlen = ptlen + KS_FILE_SEAL_OVERHEAD;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(out, *outlen);
	return r;
}

static int
file_unseal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *in,
    size_t inlen, uint8_t *pt, size_t *ptlen)
{
	struct ks_file_backend *fb = ctx;
	int r = MEDSEC_ERR_INTERNAL;

	if (inlen < KS_FILE_SEAL_OVERHEAD)
		return MEDSEC_ERR_AUTH;
	if (*ptlen < inlen - KS_FILE_SEAL_OVERHEAD)
		return MEDSEC_ERR_TOO_LARGE;
	if ((r = medsec_secure_readonly(fb->key)) != MEDSEC_OK)
		return r;
	r = medsec_aead_open(fb->aead, fb->key, in, ad, adlen,
	    in + MEDSEC_AEAD_NONCE_LEN, inlen - MEDSEC_AEAD_NONCE_LEN, pt);
	if (medsec_secure_noaccess(fb->key) != MEDSEC_OK && r == MEDSEC_OK) {
		medsec_wipe(pt, inlen - KS_FILE_SEAL_OVERHEAD);
		r = MEDSEC_ERR_CRYPTO;
	}
	if (r == MEDSEC_OK)
		*ptlen = inlen - KS_FILE_SEAL_OVERHEAD;
	return r;
}

static void
file_close(void *ctx)
{
	struct ks_file_backend *fb = ctx;

	/* medsec_secure_free() wipes whatever the protection state. */
	medsec_secure_free(fb->key);
	fb->key = NULL;
}

/* The profile field must be a NUL-terminated, NUL-padded name. */
static int
decode_profile(const uint8_t *field, const struct medsec_crypto_profile **pp)
{
	char name[KS_PROFILE_FIELD];
	size_t n = strnlen((const char *)field, KS_PROFILE_FIELD);

	if (n == 0 || n >= KS_PROFILE_FIELD)
		return MEDSEC_ERR_FORMAT;
	for (size_t i = n; i < KS_PROFILE_FIELD; i++)
		if (field[i] != 0)
			return MEDSEC_ERR_FORMAT;
	memcpy(name, field, n + 1);
	if (medsec_crypto_profile_by_name(name, pp) != MEDSEC_OK)
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

/* Checks everything in master.key but the key itself. */
static int
master_decode(const uint8_t *buf, size_t len,
    const struct medsec_crypto_profile **pp)
{
	const struct medsec_alg_info *info;
	int r;

	if (len != KS_MASTER_LEN || medsec_ct_equal(buf, "MEDSECMK", 8) != 0 ||
	    get_le16(buf + 8) != KS_VERSION)
		return MEDSEC_ERR_FORMAT;
	if ((r = decode_profile(buf + MASTER_PROFILE_OFF, pp)) != MEDSEC_OK)
		return r;
	if (get_le16(buf + 10) != (*pp)->aead)
		return MEDSEC_ERR_FORMAT;
	/* REQ: MFDS 1.17, refuse a sealing AEAD below 112 bits. */
	if ((r = medsec_crypto_alg_check((*pp)->aead, NULL, 0)) != MEDSEC_OK)
		return r;
	info = medsec_crypto_alg_by_id((*pp)->aead);
	if (info == NULL || info->kind != MEDSEC_KIND_AEAD)
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

int
ks_master_create(const char *dir, const struct medsec_crypto_profile *profile)
{
	uint8_t buf[KS_MASTER_LEN];
	size_t n = strnlen(profile->name, KS_PROFILE_FIELD);
	int r = MEDSEC_ERR_INTERNAL;

	if (n == 0 || n >= KS_PROFILE_FIELD)
		return MEDSEC_ERR_INVALID;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "MEDSECMK", 8);
	put_le16(buf + 8, KS_VERSION);
	put_le16(buf + 10, (uint16_t)profile->aead);
	memcpy(buf + MASTER_PROFILE_OFF, profile->name, n);
	if ((r = medsec_random(buf + MASTER_KEY_OFF, KS_KEY_LEN)) != MEDSEC_OK)
		goto out;
	/* Exclusive create: an existing master key is never replaced. */
	r = medsec_io_write_file_new(dir, KS_MASTER_FILE, buf, sizeof(buf),
	    0600);
out:
	medsec_wipe(buf, sizeof(buf));
	return r;
}

/* Reads master.key, refusing a symlink or a file others could read. */
static int
master_read(const char *dir, uint8_t **bufp, size_t *lenp)
{
	char path[KS_PATH_MAX];
	int r;

	if ((r = medsec_io_path(path, sizeof(path), dir, KS_MASTER_FILE)) !=
	    MEDSEC_OK)
		return r;
	/* REQ: MFDS 1.17, the master key is private to the service user. */
	r = medsec_io_read_file(path, KS_MASTER_LEN, MEDSEC_IO_PRIVATE, bufp,
	    lenp);
	return r == MEDSEC_ERR_TOO_LARGE ? MEDSEC_ERR_FORMAT : r;
}

static void
free_secret(uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	medsec_wipe(buf, len);
	free(buf);
}

static int
install_file_backend(struct medsec_keystore *ks, const uint8_t *key)
{
	if ((ks->file.key = medsec_secure_alloc(KS_KEY_LEN)) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(ks->file.key, key, KS_KEY_LEN);
	ks->file.aead = ks->profile->aead;
	ks->backend.name = "file";
	ks->backend.seal = file_seal;
	ks->backend.unseal = file_unseal;
	ks->backend.close = file_close;
	ks->backend.ctx = &ks->file;
	return medsec_secure_noaccess(ks->file.key);
}

int
ks_master_load(struct medsec_keystore *ks)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = master_read(ks->dir, &buf, &len)) != MEDSEC_OK ||
	    (r = master_decode(buf, len, &ks->profile)) != MEDSEC_OK)
		goto out;
	r = install_file_backend(ks, buf + MASTER_KEY_OFF);
out:
	free_secret(buf, len);
	return r;
}

int
ks_master_profile(const char *dir,
    const struct medsec_crypto_profile **profilep)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = master_read(dir, &buf, &len)) != MEDSEC_OK)
		goto out;
	r = master_decode(buf, len, profilep);
out:
	free_secret(buf, len);
	return r;
}
