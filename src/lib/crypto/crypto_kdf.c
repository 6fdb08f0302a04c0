/*
 * Key derivation: HKDF-SHA-256 (RFC 5869) and PBKDF2-HMAC-SHA-256
 * (RFC 8018, SP 800-132) through OpenSSL 3 EVP_KDF; Argon2id v1.3
 * (RFC 9106) through libsodium's crypto_pwhash. Outputs are wiped on
 * every failure path.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/crypto_int.h"

_Static_assert(MEDSEC_PWHASH_STR_LEN == crypto_pwhash_argon2id_STRBYTES,
    "MEDSEC_PWHASH_STR_LEN must match libsodium");
_Static_assert(MEDSEC_ARGON2_SALT_LEN == crypto_pwhash_argon2id_SALTBYTES,
    "MEDSEC_ARGON2_SALT_LEN must match libsodium");

/* OpenSSL wants a non-NULL pointer even for empty octet strings. */
static const uint8_t empty[1];

static OSSL_PARAM
octets(const char *key, const void *p, size_t len)
{
	return OSSL_PARAM_construct_octet_string(key,
	    crypto_unconst(len != 0 ? p : empty), len);
}

static int
kdf_run(EVP_KDF *kdf, const OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
	EVP_KDF_CTX *kc;
	int ok;

	if ((kc = EVP_KDF_CTX_new(kdf)) == NULL)
		return MEDSEC_ERR_NOMEM;
	ok = EVP_KDF_derive(kc, out, outlen, params) == 1;
	/* Frees and cleanses the copies of the key material. */
	EVP_KDF_CTX_free(kc);
	return ok ? MEDSEC_OK : MEDSEC_ERR_CRYPTO;
}

int
medsec_hkdf(int alg, const void *salt, size_t saltlen, const void *ikm,
    size_t ikmlen, const void *info, size_t infolen, uint8_t *out,
    size_t outlen)
{
	const struct crypto_lib *l;
	OSSL_PARAM params[5], *p = params;
	int r = MEDSEC_ERR_INTERNAL;

	if (out == NULL || (salt == NULL && saltlen != 0) ||
	    (ikm == NULL && ikmlen != 0) || (info == NULL && infolen != 0))
		return MEDSEC_ERR_INVALID;
	if (alg != MEDSEC_ALG_HKDF_SHA256) {
		r = crypto_refuse(alg, MEDSEC_KIND_KDF);
		goto out;
	}
	/* RFC 5869 2.3: L <= 255 * HashLen. */
	r = MEDSEC_ERR_INVALID;
	if (outlen == 0 || outlen > 255 * MEDSEC_SHA256_LEN)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if ((l = crypto_lib()) == NULL)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    crypto_unconst("SHA2-256"), 0);
	*p++ = octets(OSSL_KDF_PARAM_KEY, ikm, ikmlen);
	/* An absent salt is HashLen zero bytes (RFC 5869 2.2). */
	if (saltlen != 0)
		*p++ = octets(OSSL_KDF_PARAM_SALT, salt, saltlen);
	if (infolen != 0)
		*p++ = octets(OSSL_KDF_PARAM_INFO, info, infolen);
	*p = OSSL_PARAM_construct_end();
	r = kdf_run(l->hkdf, params, out, outlen);
out:
	if (r != MEDSEC_OK)
		medsec_wipe(out, outlen);
	return r;
}

int
medsec_pbkdf2(int alg, const void *pw, size_t pwlen, const void *salt,
    size_t saltlen, uint32_t iterations, uint8_t *out, size_t outlen)
{
	const struct crypto_lib *l;
	OSSL_PARAM params[6];
	unsigned int iter = iterations;
	int pkcs5 = 1, r = MEDSEC_ERR_INTERNAL;

	if (out == NULL || (pw == NULL && pwlen != 0) ||
	    (salt == NULL && saltlen != 0))
		return MEDSEC_ERR_INVALID;
	if (alg != MEDSEC_ALG_PBKDF2_SHA256) {
		r = crypto_refuse(alg, MEDSEC_KIND_KDF);
		goto out;
	}
	r = MEDSEC_ERR_INVALID;
	if (iterations < 1 || outlen == 0)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if ((l = crypto_lib()) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    crypto_unconst("SHA2-256"), 0);
	params[1] = octets(OSSL_KDF_PARAM_PASSWORD, pw, pwlen);
	params[2] = octets(OSSL_KDF_PARAM_SALT, salt, saltlen);
	params[3] = OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter);
	/*
	 * pkcs5=1 turns off OpenSSL's SP 800-132 lower bounds (16-byte salt,
	 * 1000 iterations): the caller chooses parameters, and RFC 7914's
	 * published vectors use a 4-byte salt and one iteration.
	 */
	params[4] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5);
	params[5] = OSSL_PARAM_construct_end();
	r = kdf_run(l->pbkdf2, params, out, outlen);
out:
	if (r != MEDSEC_OK)
		medsec_wipe(out, outlen);
	return r;
}

static int
argon2_params_ok(uint64_t opslimit, size_t memlimit)
{
	return opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
	    opslimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX &&
	    memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
	    memlimit <= crypto_pwhash_argon2id_MEMLIMIT_MAX;
}

int
medsec_argon2id(uint8_t *out, size_t outlen, const void *pw, size_t pwlen,
    const uint8_t salt[MEDSEC_ARGON2_SALT_LEN], uint64_t opslimit,
    size_t memlimit)
{
	int r = MEDSEC_ERR_INTERNAL;

	if (out == NULL || salt == NULL || (pw == NULL && pwlen != 0))
		return MEDSEC_ERR_INVALID;
	r = MEDSEC_ERR_INVALID;
	if (outlen < crypto_pwhash_argon2id_BYTES_MIN ||
	    outlen > crypto_pwhash_argon2id_BYTES_MAX ||
	    pwlen > crypto_pwhash_argon2id_PASSWD_MAX ||
	    !argon2_params_ok(opslimit, memlimit))
		goto out;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		goto out;
	errno = 0;
	if (crypto_pwhash_argon2id(out, outlen, pw != NULL ? pw : "", pwlen,
	    salt, opslimit, memlimit,
	    crypto_pwhash_argon2id_ALG_ARGON2ID13) != 0) {
		r = errno == ENOMEM ? MEDSEC_ERR_NOMEM : MEDSEC_ERR_CRYPTO;
		goto out;
	}
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(out, outlen);
	return r;
}

int
medsec_pwhash_str(char out[MEDSEC_PWHASH_STR_LEN], const void *pw,
    size_t pwlen, uint64_t opslimit, size_t memlimit)
{
	int r = MEDSEC_ERR_INTERNAL;

	if (out == NULL || (pw == NULL && pwlen != 0))
		return MEDSEC_ERR_INVALID;
	r = MEDSEC_ERR_INVALID;
	if (pwlen > crypto_pwhash_argon2id_PASSWD_MAX ||
	    !argon2_params_ok(opslimit, memlimit))
		goto out;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		goto out;
	errno = 0;
	/* libsodium draws a fresh 16-byte salt from its CSPRNG. */
	if (crypto_pwhash_argon2id_str(out, pw != NULL ? pw : "", pwlen,
	    opslimit, memlimit) != 0) {
		r = errno == ENOMEM ? MEDSEC_ERR_NOMEM : MEDSEC_ERR_CRYPTO;
		goto out;
	}
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(out, MEDSEC_PWHASH_STR_LEN);
	return r;
}

/*
 * Only "$argon2id$" strings are accepted: an argon2i or argon2d string in
 * the password store is damage or tampering, not a password to try.
 */
int
medsec_pwhash_str_verify(const char *str, const void *pw, size_t pwlen)
{
	static const char prefix[] = "$argon2id$";
	int r;

	if (str == NULL || (pw == NULL && pwlen != 0))
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	if (strnlen(str, MEDSEC_PWHASH_STR_LEN) == MEDSEC_PWHASH_STR_LEN ||
	    strncmp(str, prefix, sizeof(prefix) - 1) != 0)
		return MEDSEC_ERR_FORMAT;
	if (crypto_pwhash_argon2id_str_verify(str, pw != NULL ? pw : "",
	    pwlen) != 0)
		return MEDSEC_ERR_AUTH;
	return MEDSEC_OK;
}
