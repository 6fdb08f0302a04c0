/*
 * NIST P-256 key handling for ECDSA and ECDH. medsec stores P-256 private
 * keys as 32-byte big-endian scalars and public keys as 65-byte
 * uncompressed points; these helpers turn them into OpenSSL 3 EVP_PKEYs
 * through OSSL_PARAM_BLD and EVP_PKEY_fromdata (EC_KEY is deprecated).
 *
 * Every peer point is validated (on the curve, not the identity, in the
 * prime-order group) before use, so invalid-curve attacks on ECDH and
 * garbage keys in ECDSA verification fail with MEDSEC_ERR_AUTH.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto/crypto_int.h"

#define P256_GROUP_NAME "prime256v1"

/* Loads a scalar and refuses 0 and values >= n, which are not keys. */
static int
scalar_load(const EC_GROUP *g, const uint8_t sk[CRYPTO_P256_SCALAR_LEN],
    BIGNUM **dp)
{
	BIGNUM *d;

	*dp = NULL;
	if ((d = BN_secure_new()) == NULL)
		return MEDSEC_ERR_NOMEM;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (BN_bin2bn(sk, CRYPTO_P256_SCALAR_LEN, d) == NULL) {
		BN_clear_free(d);
		return MEDSEC_ERR_CRYPTO;
	}
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
		BN_clear_free(d);
		return MEDSEC_ERR_INVALID;
	}
	*dp = d;
	return MEDSEC_OK;
}

/* pk = sk * G, uncompressed. MEDSEC_ERR_INVALID for a bad scalar. */
int
crypto_p256_public(const uint8_t sk[CRYPTO_P256_SCALAR_LEN],
    uint8_t pk[CRYPTO_P256_POINT_LEN])
{
	EC_GROUP *g = NULL;
	EC_POINT *p = NULL;
	BN_CTX *bn = NULL;
	BIGNUM *d = NULL;
	int r = MEDSEC_ERR_NOMEM;

	if ((g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (p = EC_POINT_new(g)) == NULL || (bn = BN_CTX_secure_new()) == NULL)
		goto out;
	if ((r = scalar_load(g, sk, &d)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EC_POINT_mul(g, p, d, NULL, NULL, bn) != 1 ||
	    EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pk,
	    CRYPTO_P256_POINT_LEN, bn) != CRYPTO_P256_POINT_LEN)
		goto out;
	r = MEDSEC_OK;
out:
	BN_clear_free(d);
	BN_CTX_free(bn);
	EC_POINT_clear_free(p);
	EC_GROUP_free(g);
	return r;
}

/*
 * A random scalar from libsodium's CSPRNG. Values >= n occur with
 * probability about 2^-32 and are drawn again.
 */
int
crypto_p256_keygen(uint8_t sk[CRYPTO_P256_SCALAR_LEN],
    uint8_t pk[CRYPTO_P256_POINT_LEN])
{
	int i, r = MEDSEC_ERR_INTERNAL;

	for (i = 0; i < 64; i++) {
		if ((r = medsec_random(sk, CRYPTO_P256_SCALAR_LEN)) !=
		    MEDSEC_OK)
			break;
		if ((r = crypto_p256_public(sk, pk)) != MEDSEC_ERR_INVALID)
			break;
	}
	if (r != MEDSEC_OK)
		medsec_wipe(sk, CRYPTO_P256_SCALAR_LEN);
	return r;
}

static int
pkey_from_params(OSSL_PARAM_BLD *bld, int selection, EVP_PKEY **pkeyp)
{
	EVP_PKEY_CTX *pc = NULL;
	OSSL_PARAM *params = NULL;
	int r = MEDSEC_ERR_NOMEM;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, pkeyp, selection, params) != 1)
		goto out;
	r = MEDSEC_OK;
out:
	/* Frees (and clears) the secure block holding a private scalar. */
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(pc);
	return r;
}

int
crypto_p256_private_pkey(const uint8_t sk[CRYPTO_P256_SCALAR_LEN],
    EVP_PKEY **pkeyp)
{
	uint8_t pub[CRYPTO_P256_POINT_LEN];
	OSSL_PARAM_BLD *bld = NULL;
	EC_GROUP *g = NULL;
	BIGNUM *d = NULL;
	int r = MEDSEC_ERR_NOMEM;

	*pkeyp = NULL;
	/* A complete key pair: some provider operations want both halves. */
	if ((r = crypto_p256_public(sk, pub)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if ((r = scalar_load(g, sk, &d)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    P256_GROUP_NAME, 0) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub)) != 1)
		goto out;
	r = pkey_from_params(bld, EVP_PKEY_KEYPAIR, pkeyp);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_GROUP_free(g);
	medsec_wipe(pub, sizeof(pub));
	return r;
}

static int
public_check(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *pc;
	int ok;

	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return MEDSEC_ERR_NOMEM;
	/* Full check: on the curve, not infinity, n * Q = infinity. */
	ok = EVP_PKEY_public_check(pc) == 1;
	EVP_PKEY_CTX_free(pc);
	return ok ? MEDSEC_OK : MEDSEC_ERR_AUTH;
}

/* Any malformed or invalid point is MEDSEC_ERR_AUTH. */
int
crypto_p256_public_pkey(const uint8_t *pk, size_t pklen, EVP_PKEY **pkeyp)
{
	OSSL_PARAM_BLD *bld = NULL;
	int r = MEDSEC_ERR_AUTH;

	*pkeyp = NULL;
	if (pklen != CRYPTO_P256_POINT_LEN || pk[0] != 0x04)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    P256_GROUP_NAME, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pk,
	    pklen) != 1)
		goto out;
	/* fromdata already refuses points off the curve. */
	if (pkey_from_params(bld, EVP_PKEY_PUBLIC_KEY, pkeyp) != MEDSEC_OK) {
		r = MEDSEC_ERR_AUTH;
		goto out;
	}
	r = public_check(*pkeyp);
out:
	if (r != MEDSEC_OK) {
		EVP_PKEY_free(*pkeyp);
		*pkeyp = NULL;
	}
	OSSL_PARAM_BLD_free(bld);
	return r;
}
