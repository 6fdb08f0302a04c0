/*
 * medsec crypto: the only module that calls libsodium and OpenSSL's
 * libcrypto. It offers the approved algorithms behind a small API, an
 * algorithm registry that knows each algorithm's security strength (NIST
 * SP 800-57 Part 1 Rev. 5, Table 2) and named crypto profiles (MFDS 1.17:
 * verified algorithms of at least 112-bit strength).
 *
 * Conventions: functions return MEDSEC_OK or a negative MEDSEC_ERR_* code.
 * Buffers are (ptr, len) pairs; fixed sizes are the constants below. Secret
 * outputs are wiped on every failure path. Every verify/open function
 * returns MEDSEC_ERR_AUTH on any mismatch and its result must be checked.
 */
#ifndef MEDSEC_CRYPTO_H
#define MEDSEC_CRYPTO_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Algorithm identifiers. They are stored in every persistent format (audit
 * segments, sealed keys, manifests): never renumber, only add.
 */
enum medsec_alg {
	MEDSEC_ALG_NONE = 0,
	/* hashes */
	MEDSEC_ALG_SHA256 = 1,
	MEDSEC_ALG_SHA384 = 2,
	MEDSEC_ALG_SHA512 = 3,
	/* MACs */
	MEDSEC_ALG_HMAC_SHA256 = 10,
	MEDSEC_ALG_HMAC_SHA384 = 11,
	/* AEADs (256-bit key, 96-bit nonce, 128-bit tag) */
	MEDSEC_ALG_AES256_GCM = 20,
	MEDSEC_ALG_ARIA256_GCM = 21,
	/* signatures */
	MEDSEC_ALG_ED25519 = 30,
	MEDSEC_ALG_ECDSA_P256_SHA256 = 31,
	/* key agreement */
	MEDSEC_ALG_X25519 = 40,
	MEDSEC_ALG_ECDH_P256 = 41,
	/* key derivation and password hashing */
	MEDSEC_ALG_HKDF_SHA256 = 50,
	MEDSEC_ALG_PBKDF2_SHA256 = 51,
	MEDSEC_ALG_ARGON2ID = 52,
	/*
	 * Known so that a configuration naming them is refused with a reason,
	 * never implemented: all are below 112 bits or broken.
	 */
	MEDSEC_ALG_MD5 = 200,
	MEDSEC_ALG_SHA1 = 201,
	MEDSEC_ALG_HMAC_MD5 = 202,
	MEDSEC_ALG_DES = 203,
	MEDSEC_ALG_3DES_2KEY = 204,
	MEDSEC_ALG_RC4 = 205,
	MEDSEC_ALG_RSA_1024 = 206,
	MEDSEC_ALG_DH_1024 = 207,
	MEDSEC_ALG_ECDSA_P160 = 208,
};

enum medsec_alg_kind {
	MEDSEC_KIND_HASH = 1,
	MEDSEC_KIND_MAC,
	MEDSEC_KIND_AEAD,
	MEDSEC_KIND_SIGN,
	MEDSEC_KIND_KEX,
	MEDSEC_KIND_KDF,
	MEDSEC_KIND_PWHASH,
	MEDSEC_KIND_CIPHER, /* legacy ciphers, only in the registry */
};

struct medsec_alg_info {
	int id;			/* enum medsec_alg */
	const char *name;	/* "sha256", "aes-256-gcm", "ed25519", ... */
	int kind;		/* enum medsec_alg_kind */
	unsigned strength_bits; /* SP 800-57 security strength */
	int kcmvp;		/* on the Korean KCMVP list */
	int implemented;	/* usable through this API */
	const char *source;	/* where the strength figure comes from */
};

/* Minimum security strength MFDS 1.17 accepts. */
#define MEDSEC_MIN_STRENGTH_BITS 112

/* Registry lookups; NULL when unknown. Names are case-insensitive. */
MEDSEC_API
const struct medsec_alg_info *medsec_crypto_alg_by_id(int id);
MEDSEC_API
const struct medsec_alg_info *medsec_crypto_alg_by_name(const char *name);

/*
 * Refuses algorithms below MEDSEC_MIN_STRENGTH_BITS or not implemented.
 * Returns MEDSEC_OK, MEDSEC_ERR_UNKNOWN_ALGORITHM or
 * MEDSEC_ERR_WEAK_ALGORITHM; on error writes a sentence naming the
 * algorithm and its strength into why (may be NULL).
 */
MEDSEC_API
int medsec_crypto_alg_check(int id, char *why, size_t whylen);

/* A named set of algorithms, one per role. */
struct medsec_crypto_profile {
	const char *name; /* "approved" or "kcmvp" */
	int hash;	  /* chains, digests */
	int mac;
	int aead;	  /* data at rest, sealed keys */
	int sign;	  /* identity, checkpoints, updates */
	int kex;
	int kdf;
	int pwhash;	  /* password storage */
};

/*
 * Finds a built-in profile by name ("approved", the default, or "kcmvp").
 * Returns MEDSEC_ERR_NOT_FOUND for an unknown name.
 */
MEDSEC_API
int medsec_crypto_profile_by_name(const char *name,
    const struct medsec_crypto_profile **profilep);

/*
 * Checks every algorithm of a profile against the registry and the
 * 112-bit floor. Returns MEDSEC_OK or the first error, with a sentence in
 * why naming the role and algorithm.
 */
MEDSEC_API
int medsec_crypto_profile_check(const struct medsec_crypto_profile *profile,
    char *why, size_t whylen);

/* Initialises libsodium and OpenSSL; idempotent and thread-safe. */
MEDSEC_API
int medsec_crypto_init(void);

/* Fills buf with bytes from the operating system's CSPRNG. */
MEDSEC_API
int medsec_random(void *buf, size_t len);

/* ---- wiping, comparison, secure memory ---- */

/* Zeroes memory in a way the compiler cannot elide (sodium_memzero). */
MEDSEC_API
void medsec_wipe(void *p, size_t len);

/*
 * Constant-time comparison: 0 when the len bytes are equal, -1 otherwise
 * (as sodium_memcmp), so a forgotten comparison cannot read as "equal".
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_ct_equal(const void *a, const void *b, size_t len);

/*
 * Allocates len bytes of guarded, locked (non-swappable) memory for secrets
 * (sodium_malloc). NULL on failure. Free with medsec_secure_free(), which
 * wipes; NULL is a no-op.
 */
MEDSEC_API
void *medsec_secure_alloc(size_t len);
MEDSEC_API
void medsec_secure_free(void *p);
/* Makes secure memory inaccessible / read-only / read-write. */
MEDSEC_API
int medsec_secure_noaccess(void *p);
MEDSEC_API
int medsec_secure_readonly(void *p);
MEDSEC_API
int medsec_secure_readwrite(void *p);

/* ---- hashes ---- */

#define MEDSEC_HASH_MAX 64
#define MEDSEC_SHA256_LEN 32
#define MEDSEC_SHA384_LEN 48

/* Digest length of a hash (or the hash under an HMAC); 0 if unknown. */
MEDSEC_API
size_t medsec_hash_len(int alg);

/* One-shot hash into out (medsec_hash_len(alg) bytes). */
MEDSEC_API
int medsec_hash(int alg, const void *in, size_t inlen, uint8_t *out);

/*
 * Streaming hash. Heap-allocated because OpenSSL's contexts are; free with
 * medsec_hash_free (NULL is a no-op). After final the context may be reused
 * with medsec_hash_reset.
 */
struct medsec_hash_ctx;
MEDSEC_API
int medsec_hash_new(int alg, struct medsec_hash_ctx **ctxp);
MEDSEC_API
int medsec_hash_update(struct medsec_hash_ctx *ctx, const void *in,
    size_t inlen);
MEDSEC_API
int medsec_hash_final(struct medsec_hash_ctx *ctx, uint8_t *out);
MEDSEC_API
int medsec_hash_reset(struct medsec_hash_ctx *ctx);
MEDSEC_API
void medsec_hash_free(struct medsec_hash_ctx *ctx);

/* ---- HMAC ---- */

MEDSEC_API
int medsec_hmac(int alg, const void *key, size_t keylen, const void *in,
    size_t inlen, uint8_t *out);

/*
 * A keyed HMAC context for computing many MACs under one key cheaply
 * (the key schedule is done once). medsec_hmac_ctx_mac computes one whole
 * MAC of `in` and leaves the context ready for the next.
 */
struct medsec_hmac_ctx;
MEDSEC_API
int medsec_hmac_new(int alg, const void *key, size_t keylen,
    struct medsec_hmac_ctx **ctxp);
MEDSEC_API
int medsec_hmac_ctx_mac(struct medsec_hmac_ctx *ctx, const void *in,
    size_t inlen, uint8_t *out);
MEDSEC_API
void medsec_hmac_free(struct medsec_hmac_ctx *ctx); /* wipes */

/* Constant-time MAC check; MEDSEC_ERR_AUTH on mismatch. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_hmac_verify(int alg, const void *key,
    size_t keylen, const void *in, size_t inlen, const uint8_t *mac);

/* ---- AEAD ---- */

#define MEDSEC_AEAD_KEY_LEN 32
#define MEDSEC_AEAD_NONCE_LEN 12
#define MEDSEC_AEAD_TAG_LEN 16

/*
 * Encrypts pt into ct (ptlen bytes) followed by the tag: ct must hold
 * ptlen + MEDSEC_AEAD_TAG_LEN bytes. The nonce MUST never repeat under one
 * key; medsec_random() nonces are safe below 2^32 messages per key.
 */
MEDSEC_API
int medsec_aead_seal(int alg, const uint8_t key[MEDSEC_AEAD_KEY_LEN],
    const uint8_t nonce[MEDSEC_AEAD_NONCE_LEN], const void *ad, size_t adlen,
    const void *pt, size_t ptlen, uint8_t *ct);

/*
 * Decrypts ct (ctlen bytes including the tag) into pt (ctlen - tag bytes).
 * Returns MEDSEC_ERR_AUTH and wipes pt if the tag does not verify.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_aead_open(int alg,
    const uint8_t key[MEDSEC_AEAD_KEY_LEN],
    const uint8_t nonce[MEDSEC_AEAD_NONCE_LEN], const void *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t *pt);

/* ---- signatures ---- */

#define MEDSEC_SIGN_SECRET_LEN 32 /* Ed25519 seed or P-256 scalar */
#define MEDSEC_SIGN_PUBLIC_MAX 65 /* Ed25519 32; P-256 uncompressed 65 */
#define MEDSEC_SIGN_LEN 64	  /* Ed25519; P-256 as raw r || s */

/* Generates a key pair; *pklen receives the public key length. */
MEDSEC_API
int medsec_sign_keygen(int alg, uint8_t sk[MEDSEC_SIGN_SECRET_LEN],
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen);

/* Derives the public key from a secret key. */
MEDSEC_API
int medsec_sign_public(int alg, const uint8_t sk[MEDSEC_SIGN_SECRET_LEN],
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen);

MEDSEC_API
int medsec_sign(int alg, const uint8_t sk[MEDSEC_SIGN_SECRET_LEN],
    const void *msg, size_t msglen, uint8_t sig[MEDSEC_SIGN_LEN]);

MEDSEC_API MEDSEC_MUST_CHECK
int medsec_verify(int alg, const uint8_t *pk, size_t pklen,
    const void *msg, size_t msglen, const uint8_t sig[MEDSEC_SIGN_LEN]);

/* ---- key agreement ---- */

#define MEDSEC_KEX_SECRET_LEN 32
#define MEDSEC_KEX_PUBLIC_MAX 65
#define MEDSEC_KEX_SHARED_LEN 32

MEDSEC_API
int medsec_kex_keygen(int alg, uint8_t sk[MEDSEC_KEX_SECRET_LEN],
    uint8_t pk[MEDSEC_KEX_PUBLIC_MAX], size_t *pklen);

/*
 * Computes the raw shared secret with a peer's public key. Refuses
 * low-order / invalid points with MEDSEC_ERR_AUTH. Feed the result to
 * medsec_hkdf(), never use it as a key directly.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_kex(int alg,
    const uint8_t sk[MEDSEC_KEX_SECRET_LEN], const uint8_t *peer_pk,
    size_t peer_pklen, uint8_t shared[MEDSEC_KEX_SHARED_LEN]);

/* ---- key derivation ---- */

/* HKDF (RFC 5869) extract-and-expand with MEDSEC_ALG_HKDF_SHA256. */
MEDSEC_API
int medsec_hkdf(int alg, const void *salt, size_t saltlen, const void *ikm,
    size_t ikmlen, const void *info, size_t infolen, uint8_t *out,
    size_t outlen);

/* PBKDF2 (RFC 8018) with MEDSEC_ALG_PBKDF2_SHA256; iterations >= 1. */
MEDSEC_API
int medsec_pbkdf2(int alg, const void *pw, size_t pwlen, const void *salt,
    size_t saltlen, uint32_t iterations, uint8_t *out, size_t outlen);

/* ---- Argon2id (libsodium crypto_pwhash) ---- */

#define MEDSEC_ARGON2_SALT_LEN 16
#define MEDSEC_PWHASH_STR_LEN 128 /* crypto_pwhash_STRBYTES */

/* Raw Argon2id v1.3: t = opslimit, m = memlimit bytes, p = 1. */
MEDSEC_API
int medsec_argon2id(uint8_t *out, size_t outlen, const void *pw,
    size_t pwlen, const uint8_t salt[MEDSEC_ARGON2_SALT_LEN],
    uint64_t opslimit, size_t memlimit);

/* Encoded "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string. */
MEDSEC_API
int medsec_pwhash_str(char out[MEDSEC_PWHASH_STR_LEN], const void *pw,
    size_t pwlen, uint64_t opslimit, size_t memlimit);
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_pwhash_str_verify(const char *str,
    const void *pw, size_t pwlen);

/* ---- key identifiers ---- */

#define MEDSEC_KEY_ID_LEN 17 /* 16 hex digits and a NUL */

/*
 * A key's identifier: the first 8 bytes of SHA-256(alg id as one byte ||
 * public key or key bytes), in lowercase hex.
 */
MEDSEC_API
int medsec_key_id(int alg, const void *key, size_t keylen,
    char out[MEDSEC_KEY_ID_LEN]);

/* Lowercase hex of len bytes into out (2*len+1 bytes). */
MEDSEC_API
void medsec_hex(const void *in, size_t len, char *out);
/* Parses exactly outlen bytes of hex; MEDSEC_ERR_FORMAT otherwise. */
MEDSEC_API
int medsec_unhex(const char *hex, uint8_t *out, size_t outlen);

/* ---- base64 (RFC 4648), constant time ---- */

enum medsec_base64_variant {
	MEDSEC_BASE64_NO_PADDING = 1,	      /* standard alphabet, no '=' */
	MEDSEC_BASE64_URLSAFE_NO_PADDING = 2, /* '-' and '_', no '=' */
};

/* Text length of n bytes in base64 without padding, with its NUL. */
#define MEDSEC_BASE64_LEN(n) (((n) / 3) * 4 + ((n) % 3 * 4 + 2) / 3 + 1)

/*
 * Encodes len bytes into out (outlen bytes, at least MEDSEC_BASE64_LEN(len)),
 * NUL-terminated. The time taken does not depend on the bytes, so tokens
 * and salts can go through it. MEDSEC_ERR_TOO_LARGE (out set to "") when
 * out is too small; MEDSEC_ERR_INVALID for an unknown variant.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_base64_encode(int variant, const void *in, size_t len, char *out,
    size_t outlen);

/*
 * Decodes the first textlen characters of text, which must be exactly the
 * encoding of outlen bytes in that variant (no padding, no blanks, no
 * trailing bits set): anything else is MEDSEC_ERR_FORMAT and out is wiped.
 * Constant time in the characters, as medsec_base64_encode().
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_base64_decode(int variant, const char *text, size_t textlen,
    uint8_t *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif
