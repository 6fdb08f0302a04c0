/*
 * Signatures (Ed25519 from libsodium, ECDSA P-256 with SHA-256 from
 * OpenSSL) and key agreement (X25519 from libsodium, ECDH P-256 from
 * OpenSSL). ECDSA signatures cross this API as raw r || s, 64 bytes;
 * OpenSSL speaks DER, converted here with ECDSA_SIG.
 */
#include <openssl/bn.h>
#include <openssl/ec.h>

#include "crypto/crypto_int.h"

/* Stands in for a NULL message of length zero. */
static const uint8_t empty_msg[1];

static int
ed25519_expand(const uint8_t seed[MEDSEC_SIGN_SECRET_LEN],
    uint8_t pk[crypto_sign_PUBLICKEYBYTES],
    uint8_t sk64[crypto_sign_SECRETKEYBYTES])
{
	if (crypto_sign_seed_keypair(pk, sk64, seed) != 0) {
		medsec_wipe(sk64, crypto_sign_SECRETKEYBYTES);
		return MEDSEC_ERR_CRYPTO;
	}
	return MEDSEC_OK;
}

int
medsec_sign_public(int alg, const uint8_t sk[MEDSEC_SIGN_SECRET_LEN],
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen)
{
	uint8_t sk64[crypto_sign_SECRETKEYBYTES];
	int r = MEDSEC_ERR_INTERNAL;

	if (sk == NULL || pk == NULL || pklen == NULL)
		return MEDSEC_ERR_INVALID;
	*pklen = 0;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	switch (alg) {
	case MEDSEC_ALG_ED25519:
		if ((r = ed25519_expand(sk, pk, sk64)) == MEDSEC_OK)
			*pklen = crypto_sign_PUBLICKEYBYTES;
		break;
	case MEDSEC_ALG_ECDSA_P256_SHA256:
		if ((r = crypto_p256_public(sk, pk)) == MEDSEC_OK)
			*pklen = CRYPTO_P256_POINT_LEN;
		break;
	default:
		r = crypto_refuse(alg, MEDSEC_KIND_SIGN);
		break;
	}
	medsec_wipe(sk64, sizeof(sk64));
	return r;
}

int
medsec_sign_keygen(int alg, uint8_t sk[MEDSEC_SIGN_SECRET_LEN],
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen)
{
	int r = MEDSEC_ERR_INTERNAL;

	if (sk == NULL || pk == NULL || pklen == NULL)
		return MEDSEC_ERR_INVALID;
	*pklen = 0;
	switch (alg) {
	case MEDSEC_ALG_ED25519:
		/* Any 32 bytes are an Ed25519 seed. */
		if ((r = medsec_random(sk, MEDSEC_SIGN_SECRET_LEN)) == MEDSEC_OK)
			r = medsec_sign_public(alg, sk, pk, pklen);
		break;
	case MEDSEC_ALG_ECDSA_P256_SHA256:
		if ((r = crypto_p256_keygen(sk, pk)) == MEDSEC_OK)
			*pklen = CRYPTO_P256_POINT_LEN;
		break;
	default:
		return crypto_refuse(alg, MEDSEC_KIND_SIGN);
	}
	if (r != MEDSEC_OK)
		medsec_wipe(sk, MEDSEC_SIGN_SECRET_LEN);
	return r;
}

static int
ed25519_sign(const uint8_t sk[MEDSEC_SIGN_SECRET_LEN], const void *msg,
    size_t msglen, uint8_t sig[MEDSEC_SIGN_LEN])
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk64[crypto_sign_SECRETKEYBYTES];
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = ed25519_expand(sk, pk, sk64)) != MEDSEC_OK)
		goto out;
	r = crypto_sign_detached(sig, NULL, msg, msglen, sk64) == 0 ?
	    MEDSEC_OK : MEDSEC_ERR_CRYPTO;
out:
	medsec_wipe(sk64, sizeof(sk64));
	return r;
}

/* DER ECDSA-Sig-Value to fixed-width r || s. */
static int
der_to_raw(const uint8_t *der, size_t derlen, uint8_t sig[MEDSEC_SIGN_LEN])
{
	const unsigned char *p = der;
	const BIGNUM *br, *bs;
	ECDSA_SIG *es;
	int ok;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		return MEDSEC_ERR_CRYPTO;
	ECDSA_SIG_get0(es, &br, &bs);
	ok = BN_bn2binpad(br, sig, 32) == 32 &&
	    BN_bn2binpad(bs, sig + 32, 32) == 32;
	ECDSA_SIG_free(es);
	return ok ? MEDSEC_OK : MEDSEC_ERR_CRYPTO;
}

static int
ecdsa_sign(const uint8_t sk[MEDSEC_SIGN_SECRET_LEN], const void *msg,
    size_t msglen, uint8_t sig[MEDSEC_SIGN_LEN])
{
	uint8_t der[80]; /* P-256 DER signatures are at most 72 bytes */
	size_t derlen = sizeof(der);
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *mc = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = crypto_p256_private_pkey(sk, &pkey)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((mc = EVP_MD_CTX_new()) == NULL)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EVP_DigestSignInit_ex(mc, NULL, "SHA2-256", NULL, NULL, pkey,
	    NULL) != 1 ||
	    EVP_DigestSign(mc, der, &derlen, msg, msglen) != 1)
		goto out;
	r = der_to_raw(der, derlen, sig);
out:
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pkey);
	return r;
}

int
medsec_sign(int alg, const uint8_t sk[MEDSEC_SIGN_SECRET_LEN],
    const void *msg, size_t msglen, uint8_t sig[MEDSEC_SIGN_LEN])
{
	int r = MEDSEC_ERR_INTERNAL;

	if (sk == NULL || sig == NULL || (msg == NULL && msglen != 0))
		return MEDSEC_ERR_INVALID;
	if (msg == NULL)
		msg = empty_msg;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	if (alg == MEDSEC_ALG_ED25519)
		r = ed25519_sign(sk, msg, msglen, sig);
	else if (alg == MEDSEC_ALG_ECDSA_P256_SHA256)
		r = ecdsa_sign(sk, msg, msglen, sig);
	else
		r = crypto_refuse(alg, MEDSEC_KIND_SIGN);
	if (r != MEDSEC_OK)
		medsec_wipe(sig, MEDSEC_SIGN_LEN);
	return r;
}

/* Fixed-width r || s to DER; *derp is freed with OPENSSL_free. */
static int
raw_to_der(const uint8_t sig[MEDSEC_SIGN_LEN], uint8_t **derp, int *derlenp)
{
	BIGNUM *br = NULL, *bs = NULL;
	ECDSA_SIG *es = NULL;
	int r = MEDSEC_ERR_NOMEM;

	*derp = NULL;
	if ((br = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (bs = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    (es = ECDSA_SIG_new()) == NULL)
		goto out;
	if (ECDSA_SIG_set0(es, br, bs) != 1)
		goto out;
	br = bs = NULL; /* now owned by es */
	if ((*derlenp = i2d_ECDSA_SIG(es, derp)) <= 0)
		goto out;
	r = MEDSEC_OK;
out:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(es);
	return r;
}

static int
ecdsa_verify(const uint8_t *pk, size_t pklen, const void *msg,
    size_t msglen, const uint8_t sig[MEDSEC_SIGN_LEN])
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *mc = NULL;
	uint8_t *der = NULL;
	int derlen = 0, r = MEDSEC_ERR_INTERNAL;

	if ((r = crypto_p256_public_pkey(pk, pklen, &pkey)) != MEDSEC_OK ||
	    (r = raw_to_der(sig, &der, &derlen)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((mc = EVP_MD_CTX_new()) == NULL)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EVP_DigestVerifyInit_ex(mc, NULL, "SHA2-256", NULL, NULL, pkey,
	    NULL) != 1)
		goto out;
	/* r or s out of range is a failed verification like any other. */
	r = EVP_DigestVerify(mc, der, (size_t)derlen, msg, msglen) == 1 ?
	    MEDSEC_OK : MEDSEC_ERR_AUTH;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pkey);
	return r;
}

int
medsec_verify(int alg, const uint8_t *pk, size_t pklen, const void *msg,
    size_t msglen, const uint8_t sig[MEDSEC_SIGN_LEN])
{
	int r = MEDSEC_ERR_INTERNAL;

	if (pk == NULL || sig == NULL || (msg == NULL && msglen != 0))
		return MEDSEC_ERR_INVALID;
	if (msg == NULL)
		msg = empty_msg;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	switch (alg) {
	case MEDSEC_ALG_ED25519:
		/* libsodium also refuses small-order keys and S >= L. */
		if (pklen != crypto_sign_PUBLICKEYBYTES)
			return MEDSEC_ERR_AUTH;
		return crypto_sign_verify_detached(sig, msg, msglen, pk) == 0 ?
		    MEDSEC_OK : MEDSEC_ERR_AUTH;
	case MEDSEC_ALG_ECDSA_P256_SHA256:
		return ecdsa_verify(pk, pklen, msg, msglen, sig);
	default:
		return crypto_refuse(alg, MEDSEC_KIND_SIGN);
	}
}

/* ---- key agreement ---- */

int
medsec_kex_keygen(int alg, uint8_t sk[MEDSEC_KEX_SECRET_LEN],
    uint8_t pk[MEDSEC_KEX_PUBLIC_MAX], size_t *pklen)
{
	int r = MEDSEC_ERR_INTERNAL;

	if (sk == NULL || pk == NULL || pklen == NULL)
		return MEDSEC_ERR_INVALID;
	*pklen = 0;
	switch (alg) {
	case MEDSEC_ALG_X25519:
		if ((r = medsec_random(sk, MEDSEC_KEX_SECRET_LEN)) != MEDSEC_OK)
			break;
		r = crypto_scalarmult_base(pk, sk) == 0 ? MEDSEC_OK :
		    MEDSEC_ERR_CRYPTO;
		if (r == MEDSEC_OK)
			*pklen = crypto_scalarmult_BYTES;
		break;
	case MEDSEC_ALG_ECDH_P256:
		if ((r = crypto_p256_keygen(sk, pk)) == MEDSEC_OK)
			*pklen = CRYPTO_P256_POINT_LEN;
		break;
	default:
		return crypto_refuse(alg, MEDSEC_KIND_KEX);
	}
	if (r != MEDSEC_OK)
		medsec_wipe(sk, MEDSEC_KEX_SECRET_LEN);
	return r;
}

static int
ecdh_p256(const uint8_t sk[MEDSEC_KEX_SECRET_LEN], const uint8_t *peer,
    size_t peerlen, uint8_t shared[MEDSEC_KEX_SHARED_LEN])
{
	EVP_PKEY *mine = NULL, *theirs = NULL;
	EVP_PKEY_CTX *pc = NULL;
	size_t len = MEDSEC_KEX_SHARED_LEN;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = crypto_p256_public_pkey(peer, peerlen, &theirs)) !=
	    MEDSEC_OK ||
	    (r = crypto_p256_private_pkey(sk, &mine)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL)) == NULL)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EVP_PKEY_derive_init(pc) != 1)
		goto out;
	r = MEDSEC_ERR_AUTH;
	if (EVP_PKEY_derive_set_peer_ex(pc, theirs, 1) != 1)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EVP_PKEY_derive(pc, shared, &len) != 1 ||
	    len != MEDSEC_KEX_SHARED_LEN)
		goto out;
	r = MEDSEC_OK;
out:
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(theirs);
	return r;
}

int
medsec_kex(int alg, const uint8_t sk[MEDSEC_KEX_SECRET_LEN],
    const uint8_t *peer_pk, size_t peer_pklen,
    uint8_t shared[MEDSEC_KEX_SHARED_LEN])
{
	int r = MEDSEC_ERR_INTERNAL;

	if (sk == NULL || peer_pk == NULL || shared == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		goto out;
	switch (alg) {
	case MEDSEC_ALG_X25519:
		/* libsodium fails when the result is all zero: low order. */
		r = MEDSEC_ERR_AUTH;
		if (peer_pklen == crypto_scalarmult_BYTES &&
		    crypto_scalarmult(shared, sk, peer_pk) == 0)
			r = MEDSEC_OK;
		break;
	case MEDSEC_ALG_ECDH_P256:
		r = ecdh_p256(sk, peer_pk, peer_pklen, shared);
		break;
	default:
		r = crypto_refuse(alg, MEDSEC_KIND_KEX);
		break;
	}
out:
	if (r != MEDSEC_OK)
		medsec_wipe(shared, MEDSEC_KEX_SHARED_LEN);
	return r;
}
