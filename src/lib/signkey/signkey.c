/*
 * Signing key files. Both kinds are short text with fields in a fixed
 * order; the secret one adds the Argon2id salt, the AES-256-GCM nonce and
 * the sealed key, with the public header as associated data so a sealed
 * key cannot be moved under another name or algorithm.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/signkey.h"

#define PUBLIC_MAGIC "medsec-public-key 1"
#define SECRET_MAGIC "medsec-secret-key 1"
#define SEALED_LEN (MEDSEC_SIGN_SECRET_LEN + MEDSEC_AEAD_TAG_LEN)

struct medsec_signkey {
	struct medsec_pubkey pub;
	uint8_t *sk; /* MEDSEC_SIGN_SECRET_LEN bytes of guarded memory */
};

static int
valid_name(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strnlen(s, MEDSEC_SIGNKEY_NAME_MAX)) == 0 ||
	    n >= MEDSEC_SIGNKEY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
sign_alg(int alg)
{
	return alg == MEDSEC_ALG_ED25519 || alg == MEDSEC_ALG_ECDSA_P256_SHA256;
}

static int
new_key(struct medsec_signkey **kp)
{
	struct medsec_signkey *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((k->sk = medsec_secure_alloc(MEDSEC_SIGN_SECRET_LEN)) == NULL) {
		free(k);
		return MEDSEC_ERR_NOMEM;
	}
	*kp = k;
	return MEDSEC_OK;
}

void
medsec_signkey_free(struct medsec_signkey *k)
{
	if (k == NULL)
		return;
	medsec_secure_free(k->sk);
	free(k);
}

const struct medsec_pubkey *
medsec_signkey_public(const struct medsec_signkey *k)
{
	return k != NULL ? &k->pub : NULL;
}

int
medsec_signkey_generate(int alg, const char *name,
    struct medsec_signkey **kp)
{
	struct medsec_signkey *k = NULL;
	int r;

	if (kp == NULL)
		return MEDSEC_ERR_INVALID;
	*kp = NULL;
	if (!sign_alg(alg) || !valid_name(name))
		return MEDSEC_ERR_INVALID;
	if ((r = new_key(&k)) != MEDSEC_OK)
		return r;
	k->pub.alg = alg;
	snprintf(k->pub.name, sizeof(k->pub.name), "%s", name);
	if ((r = medsec_sign_keygen(alg, k->sk, k->pub.pk, &k->pub.pklen)) !=
	    MEDSEC_OK ||
	    (r = medsec_key_id(alg, k->pub.pk, k->pub.pklen,
	    k->pub.key_id)) != MEDSEC_OK) {
		medsec_signkey_free(k);
		return r;
	}
	*kp = k;
	return MEDSEC_OK;
}

int
medsec_pubkey_format(const struct medsec_pubkey *pk, char *buf,
    size_t buflen)
{
	char hex[2 * MEDSEC_SIGN_PUBLIC_MAX + 1];
	const struct medsec_alg_info *info;
	int n;

	if (pk == NULL || buf == NULL || !sign_alg(pk->alg) ||
	    (info = medsec_crypto_alg_by_id(pk->alg)) == NULL)
		return MEDSEC_ERR_INVALID;
	medsec_hex(pk->pk, pk->pklen, hex);
	n = snprintf(buf, buflen, PUBLIC_MAGIC "\nname: %s\nalg: %s\n"
	    "key-id: %s\npublic: %s\n", pk->name, info->name, pk->key_id, hex);
	return n > 0 && (size_t)n < buflen ? MEDSEC_OK : MEDSEC_ERR_TOO_LARGE;
}

/*
 * Reads "field: value\n" at *pp, exactly that field; the value (without
 * the newline) into out. Values are printable ASCII without spaces.
 */
static int
read_field(const char **pp, const char *end, const char *field, char *out,
    size_t outlen)
{
	const char *p = *pp, *nl;
	size_t flen = strlen(field), vlen, i;

	if ((size_t)(end - p) < flen + 2 || memcmp(p, field, flen) != 0 ||
	    p[flen] != ':' || p[flen + 1] != ' ')
		return MEDSEC_ERR_FORMAT;
	p += flen + 2;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return MEDSEC_ERR_FORMAT;
	vlen = (size_t)(nl - p);
	if (vlen == 0 || vlen >= outlen)
		return MEDSEC_ERR_FORMAT;
	for (i = 0; i < vlen; i++)
		if (p[i] <= ' ' || p[i] > '~')
			return MEDSEC_ERR_FORMAT;
	memcpy(out, p, vlen);
	out[vlen] = '\0';
	*pp = nl + 1;
	return MEDSEC_OK;
}

static int
read_magic(const char **pp, const char *end, const char *magic)
{
	size_t n = strlen(magic);

	if ((size_t)(end - *pp) < n + 1 || memcmp(*pp, magic, n) != 0 ||
	    (*pp)[n] != '\n')
		return MEDSEC_ERR_FORMAT;
	*pp += n + 1;
	return MEDSEC_OK;
}

/* The public part, shared by both file kinds. */
static int
read_public(const char **pp, const char *end, struct medsec_pubkey *pk)
{
	char alg[32], id[MEDSEC_KEY_ID_LEN + 1], hex[2 * MEDSEC_SIGN_PUBLIC_MAX + 2];
	const struct medsec_alg_info *info;
	size_t want;

	memset(pk, 0, sizeof(*pk));
	if (read_field(pp, end, "name", pk->name, sizeof(pk->name)) !=
	    MEDSEC_OK || !valid_name(pk->name) ||
	    read_field(pp, end, "alg", alg, sizeof(alg)) != MEDSEC_OK ||
	    read_field(pp, end, "key-id", id, sizeof(id)) != MEDSEC_OK ||
	    read_field(pp, end, "public", hex, sizeof(hex)) != MEDSEC_OK)
		return MEDSEC_ERR_FORMAT;
	/* The registry matches names in any case; the file format does not. */
	if ((info = medsec_crypto_alg_by_name(alg)) == NULL ||
	    !sign_alg(info->id) || strcmp(alg, info->name) != 0)
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	pk->alg = info->id;
	want = pk->alg == MEDSEC_ALG_ED25519 ? 32 : 65;
	/* One spelling per key: lowercase hex only. */
	if (strlen(hex) != 2 * want || strspn(hex, "0123456789abcdef") !=
	    2 * want ||
	    medsec_unhex(hex, pk->pk, want) != MEDSEC_OK)
		return MEDSEC_ERR_FORMAT;
	pk->pklen = want;
	if (medsec_key_id(pk->alg, pk->pk, pk->pklen, pk->key_id) !=
	    MEDSEC_OK)
		return MEDSEC_ERR_FORMAT;
	/* The stated id must be the key's: a mismatch is damage or a lie. */
	if (strcmp(id, pk->key_id) != 0)
		return MEDSEC_ERR_KEY_MISMATCH;
	return MEDSEC_OK;
}

int
medsec_pubkey_parse(const char *text, size_t len, struct medsec_pubkey *pk)
{
	const char *p = text, *end = text + len;
	int r;

	if (pk == NULL || (text == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	if (len > MEDSEC_SIGNKEY_FILE_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	if ((r = read_magic(&p, end, PUBLIC_MAGIC)) != MEDSEC_OK ||
	    (r = read_public(&p, end, pk)) != MEDSEC_OK)
		goto fail;
	if (p != end) {
		r = MEDSEC_ERR_FORMAT;
		goto fail;
	}
	return MEDSEC_OK;
fail:
	memset(pk, 0, sizeof(*pk));
	return r;
}

int
medsec_pubkey_load(const char *path, struct medsec_pubkey *pk)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (path == NULL || pk == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_io_read_file(path, MEDSEC_SIGNKEY_FILE_MAX, 0, &buf,
	    &len)) != MEDSEC_OK)
		return r;
	r = medsec_pubkey_parse((const char *)buf, len, pk);
	free(buf);
	return r;
}

/* The passphrase key: Argon2id over the passphrase and the file's salt. */
static int
derive(const char *pass, size_t passlen,
    const uint8_t salt[MEDSEC_ARGON2_SALT_LEN], uint8_t *key)
{
	if (pass == NULL || passlen == 0)
		return MEDSEC_ERR_INVALID;
	return medsec_argon2id(key, MEDSEC_AEAD_KEY_LEN, pass, passlen, salt,
	    MEDSEC_SIGNKEY_KDF_OPS, MEDSEC_SIGNKEY_KDF_MEM);
}

static int
split_path(const char *path, char *dir, size_t dirlen, char *base,
    size_t baselen)
{
	char a[4096], b[4096];

	if (strlen(path) >= sizeof(a))
		return MEDSEC_ERR_TOO_LARGE;
	snprintf(a, sizeof(a), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	if ((size_t)snprintf(dir, dirlen, "%s", dirname(a)) >= dirlen ||
	    (size_t)snprintf(base, baselen, "%s", basename(b)) >= baselen)
		return MEDSEC_ERR_TOO_LARGE;
	return MEDSEC_OK;
}

static int
write_new(const char *path, const char *text, mode_t mode)
{
	char dir[4096], base[256];
	int r;

	if ((r = split_path(path, dir, sizeof(dir), base, sizeof(base))) !=
	    MEDSEC_OK)
		return r;
	return medsec_io_write_file_new(dir, base, text, strlen(text), mode);
}

int
medsec_signkey_save(const struct medsec_signkey *k, const char *secret_path,
    const char *public_path, const char *pass, size_t passlen)
{
	uint8_t salt[MEDSEC_ARGON2_SALT_LEN], nonce[MEDSEC_AEAD_NONCE_LEN];
	uint8_t *key = NULL, sealed[SEALED_LEN];
	char pub[512], text[1024], hs[2 * MEDSEC_ARGON2_SALT_LEN + 1];
	char hn[2 * MEDSEC_AEAD_NONCE_LEN + 1], hx[2 * SEALED_LEN + 1];
	const char *header;
	int r;

	if (k == NULL || secret_path == NULL || public_path == NULL ||
	    pass == NULL || passlen == 0)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_pubkey_format(&k->pub, pub, sizeof(pub))) !=
	    MEDSEC_OK)
		return r;
	/* The associated data is the public part after the magic line. */
	header = pub + sizeof(PUBLIC_MAGIC);
	if ((key = medsec_secure_alloc(MEDSEC_AEAD_KEY_LEN)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = medsec_random(salt, sizeof(salt))) != MEDSEC_OK ||
	    (r = medsec_random(nonce, sizeof(nonce))) != MEDSEC_OK ||
	    (r = derive(pass, passlen, salt, key)) != MEDSEC_OK ||
	    (r = medsec_aead_seal(MEDSEC_ALG_AES256_GCM, key, nonce, header,
	    strlen(header), k->sk, MEDSEC_SIGN_SECRET_LEN, sealed)) !=
	    MEDSEC_OK)
		goto out;
	medsec_hex(salt, sizeof(salt), hs);
	medsec_hex(nonce, sizeof(nonce), hn);
	medsec_hex(sealed, sizeof(sealed), hx);
	snprintf(text, sizeof(text), SECRET_MAGIC "\n%skdf: argon2id-t%d-m%u\n"
	    "salt: %s\nnonce: %s\nsealed: %s\n", header,
	    MEDSEC_SIGNKEY_KDF_OPS, MEDSEC_SIGNKEY_KDF_MEM >> 10, hs, hn, hx);
	if ((r = write_new(secret_path, text, 0600)) != MEDSEC_OK)
		goto out;
	/*
	 * Without its public half the secret file is of no use; removing it
	 * is tidying, and r (the public file's failure) is what the caller
	 * must hear whether or not the removal works.
	 */
	if ((r = write_new(public_path, pub, 0644)) != MEDSEC_OK)
		(void)medsec_io_unlink(secret_path);
out:
	medsec_wipe(text, sizeof(text));
	medsec_secure_free(key);
	return r;
}

/* The sealed secret must be the one of the stated public key. */
static int
matches_public(const struct medsec_signkey *k)
{
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen = 0;
	int r;

	if ((r = medsec_sign_public(k->pub.alg, k->sk, pk, &pklen)) !=
	    MEDSEC_OK)
		return r;
	if (pklen != k->pub.pklen || medsec_ct_equal(pk, k->pub.pk, pklen) != 0)
		return MEDSEC_ERR_KEY_MISMATCH;
	return MEDSEC_OK;
}

int
medsec_signkey_load(const char *secret_path, const char *pass,
    size_t passlen, struct medsec_signkey **kp)
{
	char kdf[64], want_kdf[64], hs[64], hn[64], hx[2 * SEALED_LEN + 2];
	uint8_t salt[MEDSEC_ARGON2_SALT_LEN], nonce[MEDSEC_AEAD_NONCE_LEN];
	uint8_t sealed[SEALED_LEN], *buf = NULL, *key = NULL;
	struct medsec_signkey *k = NULL;
	const char *p, *end, *hdr, *hdr_end;
	size_t len = 0;
	int r;

	if (kp == NULL)
		return MEDSEC_ERR_INVALID;
	*kp = NULL;
	if (secret_path == NULL || pass == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_io_read_file(secret_path, MEDSEC_SIGNKEY_FILE_MAX,
	    MEDSEC_IO_PRIVATE, &buf, &len)) != MEDSEC_OK)
		return r;
	if ((r = new_key(&k)) != MEDSEC_OK)
		goto out;
	p = (const char *)buf;
	end = p + len;
	r = MEDSEC_ERR_FORMAT;
	if (read_magic(&p, end, SECRET_MAGIC) != MEDSEC_OK)
		goto out;
	hdr = p;
	if ((r = read_public(&p, end, &k->pub)) != MEDSEC_OK)
		goto out;
	hdr_end = p;
	r = MEDSEC_ERR_FORMAT;
	snprintf(want_kdf, sizeof(want_kdf), "argon2id-t%d-m%u",
	    MEDSEC_SIGNKEY_KDF_OPS, MEDSEC_SIGNKEY_KDF_MEM >> 10);
	if (read_field(&p, end, "kdf", kdf, sizeof(kdf)) != MEDSEC_OK ||
	    strcmp(kdf, want_kdf) != 0 ||
	    read_field(&p, end, "salt", hs, sizeof(hs)) != MEDSEC_OK ||
	    read_field(&p, end, "nonce", hn, sizeof(hn)) != MEDSEC_OK ||
	    read_field(&p, end, "sealed", hx, sizeof(hx)) != MEDSEC_OK ||
	    p != end ||
	    medsec_unhex(hs, salt, sizeof(salt)) != MEDSEC_OK ||
	    strlen(hs) != 2 * sizeof(salt) ||
	    medsec_unhex(hn, nonce, sizeof(nonce)) != MEDSEC_OK ||
	    strlen(hn) != 2 * sizeof(nonce) ||
	    medsec_unhex(hx, sealed, sizeof(sealed)) != MEDSEC_OK ||
	    strlen(hx) != 2 * sizeof(sealed))
		goto out;
	if ((key = medsec_secure_alloc(MEDSEC_AEAD_KEY_LEN)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((r = derive(pass, passlen, salt, key)) != MEDSEC_OK)
		goto out;
	/* Associated data: the public lines exactly as stored. */
	if ((r = medsec_aead_open(MEDSEC_ALG_AES256_GCM, key, nonce, hdr,
	    (size_t)(hdr_end - hdr), sealed, sizeof(sealed),
	    k->sk)) != MEDSEC_OK)
		goto out;
	if ((r = matches_public(k)) != MEDSEC_OK)
		goto out;
	*kp = k;
	k = NULL;
out:
	medsec_signkey_free(k);
	medsec_secure_free(key);
	if (buf != NULL) {
		medsec_wipe(buf, len);
		free(buf);
	}
	return r;
}

int
medsec_signkey_sign(const struct medsec_signkey *k, const void *msg,
    size_t len, uint8_t sig[MEDSEC_SIGN_LEN])
{
	if (k == NULL || sig == NULL || (msg == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	return medsec_sign(k->pub.alg, k->sk, msg, len, sig);
}

int
medsec_pubkey_verify(const struct medsec_pubkey *pk, const void *msg,
    size_t len, const uint8_t sig[MEDSEC_SIGN_LEN])
{
	if (pk == NULL || sig == NULL || (msg == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	return medsec_verify(pk->alg, pk->pk, pk->pklen, msg, len, sig);
}
