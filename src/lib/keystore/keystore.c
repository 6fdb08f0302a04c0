/*
 * The keystore: device keys sealed at rest under a master key, behind a
 * backend interface (file by default; a secure element or PKCS#11 token
 * can implement struct medsec_keystore_backend instead).
 *
 * Formats (docs/formats/keystore.md), little-endian:
 *   master.key  "MEDSECMK" u16 version u16 aead char profile[16] key[32]
 *   <n>.key     header (48 bytes: "MEDSECSK" u16 version u16 aead u16 alg
 *               u8 state u8 0 u32 generation u64 created_us key_id[16]
 *               u32 secret_len) then the backend's nonce||ciphertext||tag.
 *               The header and the key's name are the associated data, so
 *               an edited header or a renamed file fails to unseal.
 *   <n>.pub     "MEDSECPK" u16 version u16 alg u32 generation u64 created
 *               key_id[16] u16 len public key; the id is re-derived on read.
 *
 * A keystore handle is not thread-safe; callers serialise its use.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/keystore.h"
#include "core/le.h"
#include "io/io.h"

#define MASTER_NAME "master.key"
#define MASTER_LEN 60
#define KEY_LEN 32
#define SEAL_HEADER_LEN 48
#define SEAL_OVERHEAD (MEDSEC_AEAD_NONCE_LEN + MEDSEC_AEAD_TAG_LEN)
#define SEALED_MAX (SEAL_HEADER_LEN + MEDSEC_KEY_SECRET_MAX + SEAL_OVERHEAD)
#define PUB_HEADER_LEN 42
#define FORMAT_VERSION 1

struct file_backend {
	int aead;
	uint8_t *key; /* secure memory, no access while idle */
};

struct medsec_keystore {
	char dir[4096];
	const struct medsec_crypto_profile *profile;
	struct medsec_keystore_backend backend;
	struct file_backend file;
};

struct sealed_header {
	int aead, alg, state;
	uint32_t generation, secret_len;
	int64_t created_us;
	char key_id[MEDSEC_KEY_ID_LEN];
};

static int
same_bytes(const void *a, const char *b, size_t n)
{
	return medsec_ct_equal(a, b, n);
}

static int
valid_name(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n >= MEDSEC_KEY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
			(name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return 0;
	return 1;
}

/* ---- the file backend ---- */

static int
file_seal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *pt,
    size_t ptlen, uint8_t *out, size_t *outlen)
{
	struct file_backend *fb = ctx;
	int r;

	if (*outlen < ptlen + SEAL_OVERHEAD)
		return MEDSEC_ERR_TOO_LARGE;
	if ((r = medsec_random(out, MEDSEC_AEAD_NONCE_LEN)) != MEDSEC_OK)
		return r;
	medsec_secure_readonly(fb->key);
	r = medsec_aead_seal(fb->aead, fb->key, out, ad, adlen, pt, ptlen,
	    out + MEDSEC_AEAD_NONCE_LEN);
	medsec_secure_noaccess(fb->key);
	*outlen = ptlen + SEAL_OVERHEAD;
	return r;
}

static int
file_unseal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *in,
    size_t inlen, uint8_t *pt, size_t *ptlen)
{
	struct file_backend *fb = ctx;
	int r;

	if (inlen < SEAL_OVERHEAD || *ptlen < inlen - SEAL_OVERHEAD)
		return MEDSEC_ERR_AUTH;
	medsec_secure_readonly(fb->key);
	r = medsec_aead_open(fb->aead, fb->key, in, ad, adlen,
	    in + MEDSEC_AEAD_NONCE_LEN, inlen - MEDSEC_AEAD_NONCE_LEN, pt);
	medsec_secure_noaccess(fb->key);
	*ptlen = inlen - SEAL_OVERHEAD;
	return r;
}

static void
file_close(void *ctx)
{
	struct file_backend *fb = ctx;

	medsec_secure_free(fb->key);
	fb->key = NULL;
}

static int
path_of(const struct medsec_keystore *ks, char *out, size_t len,
    const char *name, uint32_t gen, const char *ext)
{
	char file[96];
	int n = gen == 0 ? snprintf(file, sizeof(file), "%s.%s", name, ext)
			 : snprintf(file, sizeof(file), "%s.%u.%s", name,
			       (unsigned)gen, ext);

	if (n < 0 || (size_t)n >= sizeof(file))
		return MEDSEC_ERR_TOO_LARGE;
	return medsec_io_path(out, len, ks->dir, file);
}

static int
file_of(char *out, size_t len, const char *name, uint32_t gen,
    const char *ext)
{
	int n = gen == 0 ? snprintf(out, len, "%s.%s", name, ext)
			 : snprintf(out, len, "%s.%u.%s", name, (unsigned)gen, ext);

	return n > 0 && (size_t)n < len ? MEDSEC_OK : MEDSEC_ERR_TOO_LARGE;
}

/* ---- open and create ---- */

static int
keystore_alloc(const char *keydir, struct medsec_keystore **ksp)
{
	struct medsec_keystore *ks;

	*ksp = NULL;
	if (keydir == NULL || strlen(keydir) >= sizeof(ks->dir))
		return MEDSEC_ERR_INVALID;
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(ks->dir, keydir, strlen(keydir) + 1);
	*ksp = ks;
	return MEDSEC_OK;
}

static int
use_file_backend(struct medsec_keystore *ks, int aead, const uint8_t *key)
{
	if ((ks->file.key = medsec_secure_alloc(KEY_LEN)) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(ks->file.key, key, KEY_LEN);
	medsec_secure_noaccess(ks->file.key);
	ks->file.aead = aead;
	ks->backend.name = "file";
	ks->backend.seal = file_seal;
	ks->backend.unseal = file_unseal;
	ks->backend.close = file_close;
	ks->backend.ctx = &ks->file;
	return MEDSEC_OK;
}

static int
parse_master(struct medsec_keystore *ks, const uint8_t *buf, size_t len)
{
	char profile[17];
	int r;

	if (len != MASTER_LEN || !same_bytes(buf, "MEDSECMK", 8) ||
	    get_le16(buf + 8) != FORMAT_VERSION)
		return MEDSEC_ERR_FORMAT;
	memcpy(profile, buf + 12, 16);
	profile[16] = '\0';
	if ((r = medsec_crypto_profile_by_name(profile, &ks->profile)) !=
		MEDSEC_OK ||
	    get_le16(buf + 10) != ks->profile->aead)
		return MEDSEC_ERR_FORMAT;
	if ((r = medsec_crypto_alg_check(ks->profile->aead, NULL, 0)) !=
	    MEDSEC_OK)
		return r;
	return use_file_backend(ks, ks->profile->aead, buf + 28);
}

int
medsec_keystore_open(const char *keydir, struct medsec_keystore **ksp)
{
	struct medsec_keystore *ks;
	char path[4200];
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = keystore_alloc(keydir, &ks)) != MEDSEC_OK)
		return r;
	if ((r = medsec_io_path(path, sizeof(path), keydir, MASTER_NAME)) ==
		MEDSEC_OK &&
	    (r = medsec_io_read_file(path, 4096, MEDSEC_IO_PRIVATE, &buf,
		 &len)) == MEDSEC_OK)
		r = parse_master(ks, buf, len);
	if (buf != NULL) {
		medsec_wipe(buf, len);
		free(buf);
	}
	if (r != MEDSEC_OK) {
		medsec_keystore_close(ks);
		return r;
	}
	*ksp = ks;
	return MEDSEC_OK;
}

int
medsec_keystore_open_backend(const char *keydir,
    const struct medsec_keystore_backend *backend,
    struct medsec_keystore **ksp)
{
	struct medsec_keystore *ks;
	int r;

	if (backend == NULL || backend->seal == NULL || backend->unseal == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = keystore_alloc(keydir, &ks)) != MEDSEC_OK)
		return r;
	ks->backend = *backend;
	medsec_crypto_profile_by_name("approved", &ks->profile);
	*ksp = ks;
	return MEDSEC_OK;
}

int
medsec_keystore_create(const char *keydir,
    const struct medsec_crypto_profile *profile, struct medsec_keystore **ksp)
{
	uint8_t master[MASTER_LEN];
	int r;

	*ksp = NULL;
	if (profile == NULL || strlen(profile->name) >= 16)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_profile_check(profile, NULL, 0)) != MEDSEC_OK)
		return r;
	r = medsec_io_mkdir(keydir, 0700);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_EXISTS)
		return r;
	memset(master, 0, sizeof(master));
	memcpy(master, "MEDSECMK", 8);
	put_le16(master + 8, FORMAT_VERSION);
	put_le16(master + 10, (uint16_t)profile->aead);
	memcpy(master + 12, profile->name, strlen(profile->name));
	if ((r = medsec_random(master + 28, KEY_LEN)) == MEDSEC_OK)
		r = medsec_io_write_file_new(keydir, MASTER_NAME, master,
		    sizeof(master), 0600);
	medsec_wipe(master, sizeof(master));
	if (r != MEDSEC_OK)
		return r;
	return medsec_keystore_open(keydir, ksp);
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
	return ks->profile;
}

/* ---- sealed key files ---- */

static void
header_encode(const struct sealed_header *h, uint8_t out[SEAL_HEADER_LEN])
{
	memcpy(out, "MEDSECSK", 8);
	put_le16(out + 8, FORMAT_VERSION);
	put_le16(out + 10, (uint16_t)h->aead);
	put_le16(out + 12, (uint16_t)h->alg);
	out[14] = (uint8_t)h->state;
	out[15] = 0;
	put_le32(out + 16, h->generation);
	put_le64(out + 20, (uint64_t)h->created_us);
	memcpy(out + 28, h->key_id, 16);
	put_le32(out + 44, h->secret_len);
}

static int
header_decode(const uint8_t *in, size_t len, struct sealed_header *h)
{
	if (len < SEAL_HEADER_LEN || !same_bytes(in, "MEDSECSK", 8) ||
	    get_le16(in + 8) != FORMAT_VERSION)
		return MEDSEC_ERR_FORMAT;
	h->aead = get_le16(in + 10);
	h->alg = get_le16(in + 12);
	h->state = in[14];
	h->generation = get_le32(in + 16);
	h->created_us = (int64_t)get_le64(in + 20);
	memcpy(h->key_id, in + 28, 16);
	h->key_id[16] = '\0';
	h->secret_len = get_le32(in + 44);
	if (h->secret_len == 0 || h->secret_len > MEDSEC_KEY_SECRET_MAX ||
	    len != SEAL_HEADER_LEN + h->secret_len + SEAL_OVERHEAD ||
	    (h->state != MEDSEC_KEY_ACTIVE && h->state != MEDSEC_KEY_VERIFY_ONLY))
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

/* Associated data: the header and the key's name. */
static size_t
make_ad(uint8_t *ad, const uint8_t *header, const char *name)
{
	size_t n = strlen(name);

	memcpy(ad, header, SEAL_HEADER_LEN);
	memcpy(ad + SEAL_HEADER_LEN, name, n);
	return SEAL_HEADER_LEN + n;
}

static int
seal_file(struct medsec_keystore *ks, const char *name,
    const struct sealed_header *h, const uint8_t *secret, uint8_t *out,
    size_t *outlen)
{
	uint8_t ad[SEAL_HEADER_LEN + MEDSEC_KEY_NAME_MAX];
	size_t adlen, sealed = SEALED_MAX - SEAL_HEADER_LEN;
	int r;

	header_encode(h, out);
	adlen = make_ad(ad, out, name);
	r = ks->backend.seal(ks->backend.ctx, ad, adlen, secret, h->secret_len,
	    out + SEAL_HEADER_LEN, &sealed);
	*outlen = SEAL_HEADER_LEN + sealed;
	return r;
}

static int
unseal_file(struct medsec_keystore *ks, const char *name, uint32_t gen,
    uint8_t *secret, size_t *lenp, struct sealed_header *h)
{
	uint8_t ad[SEAL_HEADER_LEN + MEDSEC_KEY_NAME_MAX], *buf = NULL;
	char path[4200];
	size_t len = 0, adlen, out = MEDSEC_KEY_SECRET_MAX;
	int r;

	if (!valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = path_of(ks, path, sizeof(path), name, gen, "key")) !=
		MEDSEC_OK ||
	    (r = medsec_io_read_file(path, SEALED_MAX, MEDSEC_IO_PRIVATE, &buf,
		 &len)) != MEDSEC_OK)
		return r;
	if ((r = header_decode(buf, len, h)) == MEDSEC_OK) {
		adlen = make_ad(ad, buf, name);
		r = ks->backend.unseal(ks->backend.ctx, ad, adlen,
		    buf + SEAL_HEADER_LEN, len - SEAL_HEADER_LEN, secret, &out);
	}
	if (r == MEDSEC_OK && out != h->secret_len)
		r = MEDSEC_ERR_FORMAT;
	if (r == MEDSEC_OK && gen != 0 && h->generation != gen)
		r = MEDSEC_ERR_AUTH;
	*lenp = r == MEDSEC_OK ? out : 0;
	if (r != MEDSEC_OK)
		medsec_wipe(secret, MEDSEC_KEY_SECRET_MAX);
	free(buf);
	return r;
}

static void
info_from(struct medsec_key_info *info, const char *name,
    const struct sealed_header *h)
{
	if (info == NULL)
		return;
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->alg = h->alg;
	memcpy(info->key_id, h->key_id, MEDSEC_KEY_ID_LEN);
	info->created_us = h->created_us;
	info->generation = h->generation;
	info->state = h->state;
}

/* ---- public key files ---- */

static int
write_public(struct medsec_keystore *ks, const char *name, uint32_t gen,
    const struct sealed_header *h, const uint8_t *pk, size_t pklen, int fresh)
{
	uint8_t buf[PUB_HEADER_LEN + MEDSEC_SIGN_PUBLIC_MAX];
	char file[96];
	int r;

	memcpy(buf, "MEDSECPK", 8);
	put_le16(buf + 8, FORMAT_VERSION);
	put_le16(buf + 10, (uint16_t)h->alg);
	put_le32(buf + 12, h->generation);
	put_le64(buf + 16, (uint64_t)h->created_us);
	memcpy(buf + 24, h->key_id, 16);
	put_le16(buf + 40, (uint16_t)pklen);
	memcpy(buf + PUB_HEADER_LEN, pk, pklen);
	if ((r = file_of(file, sizeof(file), name, gen, "pub")) != MEDSEC_OK)
		return r;
	if (fresh)
		return medsec_io_write_file_new(ks->dir, file, buf,
		    PUB_HEADER_LEN + pklen, 0644);
	return medsec_io_write_file_atomic(ks->dir, file, buf,
	    PUB_HEADER_LEN + pklen, 0644);
}

static int
read_public(struct medsec_keystore *ks, const char *name, uint32_t gen,
    uint8_t *pk, size_t *pklen, struct sealed_header *h)
{
	char path[4200], id[MEDSEC_KEY_ID_LEN];
	uint8_t *buf = NULL;
	size_t len = 0, n;
	int r;

	if (!valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = path_of(ks, path, sizeof(path), name, gen, "pub")) !=
		MEDSEC_OK ||
	    (r = medsec_io_read_file(path, 4096, 0, &buf, &len)) != MEDSEC_OK)
		return r;
	r = MEDSEC_ERR_FORMAT;
	if (len < PUB_HEADER_LEN || !same_bytes(buf, "MEDSECPK", 8) ||
	    get_le16(buf + 8) != FORMAT_VERSION)
		goto out;
	n = get_le16(buf + 40);
	if (n == 0 || n > MEDSEC_SIGN_PUBLIC_MAX || len != PUB_HEADER_LEN + n)
		goto out;
	memset(h, 0, sizeof(*h));
	h->alg = get_le16(buf + 10);
	h->generation = get_le32(buf + 12);
	h->created_us = (int64_t)get_le64(buf + 16);
	memcpy(h->key_id, buf + 24, 16);
	h->key_id[16] = '\0';
	h->state = gen == 0 ? MEDSEC_KEY_ACTIVE : MEDSEC_KEY_VERIFY_ONLY;
	/* The id is a hash of the key: an edited key file shows here. */
	if (medsec_key_id(h->alg, buf + PUB_HEADER_LEN, n, id) != MEDSEC_OK ||
	    strcmp(id, h->key_id) != 0) {
		r = MEDSEC_ERR_AUTH;
		goto out;
	}
	memcpy(pk, buf + PUB_HEADER_LEN, n);
	*pklen = n;
	r = MEDSEC_OK;
out:
	free(buf);
	return r;
}

/* ---- operations ---- */

static int
make_secret(int alg, uint8_t *secret, size_t *lenp, uint8_t *pk,
    size_t *pklen)
{
	const struct medsec_alg_info *info = medsec_crypto_alg_by_id(alg);

	*pklen = 0;
	*lenp = KEY_LEN;
	switch (info->kind) {
	case MEDSEC_KIND_SIGN:
		return medsec_sign_keygen(alg, secret, pk, pklen);
	case MEDSEC_KIND_KEX:
		return medsec_kex_keygen(alg, secret, pk, pklen);
	case MEDSEC_KIND_AEAD:
	case MEDSEC_KIND_MAC:
		return medsec_random(secret, KEY_LEN);
	default:
		return MEDSEC_ERR_INVALID;
	}
}

static int
store_key(struct medsec_keystore *ks, const char *name, uint32_t file_gen,
    struct sealed_header *h, const uint8_t *secret, int fresh)
{
	uint8_t sealed[SEALED_MAX];
	size_t len;
	char file[96];
	int r;

	if ((r = seal_file(ks, name, h, secret, sealed, &len)) != MEDSEC_OK ||
	    (r = file_of(file, sizeof(file), name, file_gen, "key")) !=
		MEDSEC_OK)
		return r;
	if (fresh)
		return medsec_io_write_file_new(ks->dir, file, sealed, len, 0600);
	return medsec_io_write_file_atomic(ks->dir, file, sealed, len, 0600);
}

static int
new_key(struct medsec_keystore *ks, const char *name, int alg,
    uint32_t gen, int fresh, struct medsec_key_info *infop)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX], pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t len, pklen;
	struct sealed_header h = { ks->profile->aead, alg, MEDSEC_KEY_ACTIVE,
		gen, 0, medsec_clock_wall_us(), "" };
	int r;

	if ((r = make_secret(alg, secret, &len, pk, &pklen)) != MEDSEC_OK)
		goto out;
	h.secret_len = (uint32_t)len;
	r = pklen > 0 ? medsec_key_id(alg, pk, pklen, h.key_id)
		      : medsec_key_id(alg, secret, len, h.key_id);
	if (r != MEDSEC_OK)
		goto out;
	if (pklen > 0 && (r = write_public(ks, name, 0, &h, pk, pklen,
			      fresh)) != MEDSEC_OK)
		goto out;
	r = store_key(ks, name, 0, &h, secret, fresh);
	info_from(infop, name, &h);
out:
	medsec_wipe(secret, sizeof(secret));
	return r;
}

static int
check_alg(int alg)
{
	const struct medsec_alg_info *info = medsec_crypto_alg_by_id(alg);
	int r = medsec_crypto_alg_check(alg, NULL, 0);

	if (r != MEDSEC_OK)
		return r;
	if (info->kind != MEDSEC_KIND_SIGN && info->kind != MEDSEC_KIND_KEX &&
	    info->kind != MEDSEC_KIND_AEAD && info->kind != MEDSEC_KIND_MAC)
		return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

static int
key_exists(struct medsec_keystore *ks, const char *name)
{
	char path[4200];
	struct stat sb;

	return path_of(ks, path, sizeof(path), name, 0, "key") == MEDSEC_OK &&
	    lstat(path, &sb) == 0;
}

int
medsec_keystore_generate(struct medsec_keystore *ks, const char *name,
    int alg, struct medsec_key_info *infop)
{
	int r;

	if (ks == NULL || !valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = check_alg(alg)) != MEDSEC_OK)
		return r;
	if (key_exists(ks, name))
		return MEDSEC_ERR_EXISTS;
	return new_key(ks, name, alg, 1, 1, infop);
}

/*
 * Replacing a key file by rename frees the old inode with its sealed
 * bytes still in it; keep it open across the rename and zero it, so the
 * previous key (such as an earlier audit MAC key) is gone from the disk.
 */
static void
zero_replaced(int fd)
{
	uint8_t zeros[SEALED_MAX];
	struct stat sb;

	if (fd < 0)
		return;
	memset(zeros, 0, sizeof(zeros));
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	    (size_t)sb.st_size <= sizeof(zeros) &&
	    medsec_io_pwrite_all(fd, zeros, (size_t)sb.st_size, 0) == MEDSEC_OK)
		(void)medsec_io_fdatasync(fd);
	medsec_io_close(fd);
}

int
medsec_keystore_put(struct medsec_keystore *ks, const char *name, int alg,
    const uint8_t *secret, size_t len, struct medsec_key_info *infop)
{
	struct sealed_header h = { ks->profile->aead, alg, MEDSEC_KEY_ACTIVE, 1,
		(uint32_t)len, medsec_clock_wall_us(), "" };
	char path[4200];
	int old = -1, r;

	if (!valid_name(name) || secret == NULL || len == 0 ||
	    len > MEDSEC_KEY_SECRET_MAX)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_alg_check(alg, NULL, 0)) != MEDSEC_OK ||
	    (r = medsec_key_id(alg, secret, len, h.key_id)) != MEDSEC_OK ||
	    (r = path_of(ks, path, sizeof(path), name, 0, "key")) != MEDSEC_OK)
		return r;
	old = medsec_io_open(path, O_RDWR, 0);
	r = store_key(ks, name, 0, &h, secret, 0);
	if (r == MEDSEC_OK) {
		zero_replaced(old);
		info_from(infop, name, &h);
	} else if (old >= 0) {
		medsec_io_close(old);
	}
	return r;
}

int
medsec_keystore_get(struct medsec_keystore *ks, const char *name,
    uint8_t *secret, size_t *lenp, struct medsec_key_info *infop)
{
	struct sealed_header h;
	int r;

	if (ks == NULL || secret == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = unseal_file(ks, name, 0, secret, lenp, &h)) == MEDSEC_OK)
		info_from(infop, name, &h);
	return r;
}

int
medsec_keystore_public(struct medsec_keystore *ks, const char *name,
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen,
    struct medsec_key_info *infop)
{
	struct sealed_header h;
	int r;

	if (ks == NULL || pk == NULL || pklen == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = read_public(ks, name, 0, pk, pklen, &h)) == MEDSEC_OK)
		info_from(infop, name, &h);
	return r;
}

int
medsec_keystore_sign(struct medsec_keystore *ks, const char *name,
    const void *msg, size_t msglen, uint8_t sig[MEDSEC_SIGN_LEN])
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	struct sealed_header h;
	size_t len;
	int r;

	if (ks == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = unseal_file(ks, name, 0, secret, &len, &h)) != MEDSEC_OK)
		return r;
	if (medsec_crypto_alg_by_id(h.alg)->kind != MEDSEC_KIND_SIGN ||
	    h.state != MEDSEC_KEY_ACTIVE || len != MEDSEC_SIGN_SECRET_LEN)
		r = MEDSEC_ERR_STATE;
	else
		r = medsec_sign(h.alg, secret, msg, msglen, sig);
	medsec_wipe(secret, sizeof(secret));
	return r;
}

int
medsec_keystore_rotate(struct medsec_keystore *ks, const char *name,
    struct medsec_key_info *infop)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX], pk[MEDSEC_SIGN_PUBLIC_MAX];
	struct sealed_header h, ph;
	size_t len = 0, pklen = 0;
	int has_pub, r;

	if (ks == NULL || !valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = unseal_file(ks, name, 0, secret, &len, &h)) != MEDSEC_OK)
		return r;
	has_pub = read_public(ks, name, 0, pk, &pklen, &ph) == MEDSEC_OK;
	/* The old generation stays, re-sealed as verify-only (the state is
	 * authenticated, so it cannot be flipped back by editing a byte). */
	h.state = MEDSEC_KEY_VERIFY_ONLY;
	r = store_key(ks, name, h.generation, &h, secret, 1);
	medsec_wipe(secret, sizeof(secret));
	if (r == MEDSEC_OK && has_pub)
		r = write_public(ks, name, h.generation, &h, pk, pklen, 1);
	if (r != MEDSEC_OK)
		return r;
	return new_key(ks, name, h.alg, h.generation + 1, 0, infop);
}

static int
shred(struct medsec_keystore *ks, const char *file)
{
	uint8_t zeros[SEALED_MAX];
	char path[4200];
	struct stat sb;
	int fd, r;

	if ((r = medsec_io_path(path, sizeof(path), ks->dir, file)) != MEDSEC_OK)
		return r;
	if ((fd = medsec_io_open(path, O_RDWR, 0)) < 0)
		return fd;
	memset(zeros, 0, sizeof(zeros));
	r = fstat(fd, &sb) == 0 && (size_t)sb.st_size <= sizeof(zeros)
	    ? medsec_io_pwrite_all(fd, zeros, (size_t)sb.st_size, 0)
	    : MEDSEC_ERR_FORMAT;
	if (r == MEDSEC_OK)
		r = medsec_io_fsync(fd);
	medsec_io_close(fd);
	if (r == MEDSEC_OK)
		r = medsec_io_unlink(path);
	return r;
}

/* Is `file` "<name>.key", "<name>.<n>.key" (or .pub)? */
static int
belongs_to(const char *file, const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext), len = strlen(file);
	const char *p = file + n + 1;

	if (len < n + 1 + e || strncmp(file, name, n) != 0 || file[n] != '.' ||
	    strcmp(file + len - e, ext) != 0)
		return 0;
	if (p == file + len - e)
		return 1;
	for (; p < file + len - e - 1; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return *p == '.' && p > file + n + 1;
}

int
medsec_keystore_destroy(struct medsec_keystore *ks, const char *name,
    int with_public)
{
	struct dirent *de;
	DIR *d;
	int found = 0, r = MEDSEC_OK;

	if (ks == NULL || !valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((d = opendir(ks->dir)) == NULL)
		return MEDSEC_ERR_IO;
	while (r == MEDSEC_OK && (de = readdir(d)) != NULL) {
		if (belongs_to(de->d_name, name, "key")) {
			found = 1;
			r = shred(ks, de->d_name);
		} else if (with_public && belongs_to(de->d_name, name, "pub")) {
			found = 1;
			char path[4200];

			if ((r = medsec_io_path(path, sizeof(path), ks->dir,
				 de->d_name)) == MEDSEC_OK)
				r = medsec_io_unlink(path);
		}
	}
	closedir(d);
	if (r == MEDSEC_OK && !found)
		r = MEDSEC_ERR_NOT_FOUND;
	if (r == MEDSEC_OK)
		r = medsec_io_fsync_dir(ks->dir);
	return r;
}

/* Reads the plaintext header of a sealed file, without unsealing it. */
static int
peek_header(struct medsec_keystore *ks, const char *file,
    struct sealed_header *h)
{
	char path[4200];
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = medsec_io_path(path, sizeof(path), ks->dir, file)) != MEDSEC_OK ||
	    (r = medsec_io_read_file(path, SEALED_MAX, MEDSEC_IO_PRIVATE, &buf,
		 &len)) != MEDSEC_OK)
		return r;
	r = header_decode(buf, len, h);
	free(buf);
	return r;
}

int
medsec_keystore_list(struct medsec_keystore *ks, struct medsec_key_info *out,
    size_t max, size_t *np)
{
	struct sealed_header h;
	struct dirent *de;
	char name[MEDSEC_KEY_NAME_MAX];
	DIR *d;
	size_t len;

	*np = 0;
	if ((d = opendir(ks->dir)) == NULL)
		return MEDSEC_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".key") != 0 ||
		    strcmp(de->d_name, MASTER_NAME) == 0 ||
		    peek_header(ks, de->d_name, &h) != MEDSEC_OK)
			continue;
		snprintf(name, sizeof(name), "%.*s",
		    (int)strcspn(de->d_name, "."), de->d_name);
		if (*np < max)
			info_from(&out[*np], name, &h);
		(*np)++;
	}
	closedir(d);
	return MEDSEC_OK;
}
