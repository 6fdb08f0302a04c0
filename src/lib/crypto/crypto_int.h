/*
 * Crypto module internals, shared by the files of src/lib/crypto only.
 * This is the one place in medsec that includes <sodium.h> and OpenSSL's
 * libcrypto headers; nothing here may leak into a public header.
 */
#ifndef MEDSEC_CRYPTO_INT_H
#define MEDSEC_CRYPTO_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include "medsec/crypto.h"
#include "medsec/err.h"

/*
 * Algorithm objects fetched once from the default provider on first use.
 * Fetching by name on every call costs a lock and a hash-table lookup in
 * OpenSSL 3, which the audit verifier cannot afford. aria256gcm may be
 * NULL when the provider lacks ARIA; everything else is mandatory.
 */
struct crypto_lib {
	EVP_MD *sha256;
	EVP_MD *sha384;
	EVP_MD *sha512;
	EVP_MAC *hmac;
	EVP_CIPHER *aes256gcm;
	EVP_CIPHER *aria256gcm;
	EVP_KDF *hkdf;
	EVP_KDF *pbkdf2;
};

/* Thread-cached digest contexts: one slot per hash algorithm. */
#define CRYPTO_MD_SLOTS 3

/* crypto.c: crypto_lib_digests() fetches the digests and HMAC only,
 * crypto_lib() everything; both return NULL if a fetch failed. */
const struct crypto_lib *crypto_lib_digests(void);
const struct crypto_lib *crypto_lib(void);
/* Nonzero when a len-byte SHA-256 should go to crypto_sha256_sodium(). */
int crypto_sha256_short(size_t len);
int crypto_sha256_sodium(const void *a, size_t alen, const void *b,
    size_t blen, uint8_t out[MEDSEC_SHA256_LEN]);
EVP_MD_CTX *crypto_thread_md_ctx(int slot);

/* crypto_registry.c */
int crypto_refuse(int alg, int kind);
int crypto_alg_available(int alg);

/* crypto_hash.c */
int crypto_md(int alg, const EVP_MD **mdp, const char **namep, int *slotp);
int crypto_hash2(int alg, const void *a, size_t alen, const void *b,
    size_t blen, uint8_t *out);

/* crypto_ec.c: NIST P-256 helpers over EVP_PKEY. */
#define CRYPTO_P256_SCALAR_LEN 32
#define CRYPTO_P256_POINT_LEN 65
int crypto_p256_public(const uint8_t sk[CRYPTO_P256_SCALAR_LEN],
    uint8_t pk[CRYPTO_P256_POINT_LEN]);
int crypto_p256_keygen(uint8_t sk[CRYPTO_P256_SCALAR_LEN],
    uint8_t pk[CRYPTO_P256_POINT_LEN]);
int crypto_p256_private_pkey(const uint8_t sk[CRYPTO_P256_SCALAR_LEN],
    EVP_PKEY **pkeyp);
int crypto_p256_public_pkey(const uint8_t *pk, size_t pklen,
    EVP_PKEY **pkeyp);

/*
 * OSSL_PARAM carries a non-const data pointer even for input parameters,
 * which OpenSSL only reads. Going through uintptr_t states that on purpose
 * instead of silencing -Wcast-qual everywhere.
 */
static inline void *
crypto_unconst(const void *p)
{
	return (void *)(uintptr_t)p;
}

#endif
