/*
 * AES-256-GCM and ARIA-256-GCM (SP 800-38D) through OpenSSL 3 EVP with
 * 96-bit nonces and 128-bit tags. Opening verifies the tag before the
 * plaintext is released: on mismatch the output buffer is wiped, so a
 * caller that ignores the result still sees no unauthenticated bytes.
 */
#include <limits.h>
#include <string.h>

#include "crypto/crypto_int.h"

/* SP 800-38D 5.2.1.1: at most 2^39 - 256 bits of plaintext per message. */
#define GCM_MAX_PT ((((uint64_t)1) << 36) - 32)
/* EVP lengths are int: feed large buffers in chunks. */
#define EVP_CHUNK ((size_t)1 << 30)

static int
pick_cipher(int alg, const EVP_CIPHER **cp)
{
	const struct crypto_lib *l;

	if (alg != MEDSEC_ALG_AES256_GCM && alg != MEDSEC_ALG_ARIA256_GCM)
		return crypto_refuse(alg, MEDSEC_KIND_AEAD);
	if ((l = crypto_lib()) == NULL)
		return MEDSEC_ERR_CRYPTO;
	*cp = alg == MEDSEC_ALG_AES256_GCM ? l->aes256gcm : l->aria256gcm;
	if (*cp == NULL)
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	return MEDSEC_OK;
}

/* Runs EVP_CipherUpdate over len bytes; out NULL feeds associated data. */
static int
update_all(EVP_CIPHER_CTX *c, uint8_t *out, const uint8_t *in, size_t len)
{
	size_t n;
	int outl;

	while (len != 0) {
		n = len < EVP_CHUNK ? len : EVP_CHUNK;
		if (EVP_CipherUpdate(c, out, &outl, in, (int)n) != 1 ||
		    (out != NULL && (size_t)outl != n))
			return MEDSEC_ERR_CRYPTO;
		in += n;
		if (out != NULL)
			out += n;
		len -= n;
	}
	return MEDSEC_OK;
}

static int
check_args(const uint8_t *key, const uint8_t *nonce, const void *ad,
    size_t adlen, const void *in, size_t inlen, const void *out)
{
	if (key == NULL || nonce == NULL || (ad == NULL && adlen != 0) ||
	    (in == NULL && inlen != 0) || (out == NULL && inlen != 0))
		return MEDSEC_ERR_INVALID;
	if (inlen > GCM_MAX_PT + MEDSEC_AEAD_TAG_LEN)
		return MEDSEC_ERR_TOO_LARGE;
	return MEDSEC_OK;
}

int
medsec_aead_seal(int alg, const uint8_t key[MEDSEC_AEAD_KEY_LEN],
    const uint8_t nonce[MEDSEC_AEAD_NONCE_LEN], const void *ad, size_t adlen,
    const void *pt, size_t ptlen, uint8_t *ct)
{
	uint8_t fin[EVP_MAX_BLOCK_LENGTH]; /* GCM's final writes nothing */
	EVP_CIPHER_CTX *c = NULL;
	const EVP_CIPHER *cipher = NULL;
	int outl, r = MEDSEC_ERR_INTERNAL;

	if (ct == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = check_args(key, nonce, ad, adlen, pt, ptlen, ct)) !=
	    MEDSEC_OK)
		return r;
	if (ptlen > GCM_MAX_PT)
		return MEDSEC_ERR_TOO_LARGE;
	if ((r = pick_cipher(alg, &cipher)) != MEDSEC_OK)
		return r;
	r = MEDSEC_ERR_NOMEM;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EVP_EncryptInit_ex2(c, cipher, key, nonce, NULL) != 1 ||
	    update_all(c, NULL, ad, adlen) != MEDSEC_OK ||
	    update_all(c, ct, pt, ptlen) != MEDSEC_OK ||
	    EVP_EncryptFinal_ex(c, fin, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, MEDSEC_AEAD_TAG_LEN,
	    ct + ptlen) != 1)
		goto out;
	r = MEDSEC_OK;
out:
	/* Never leave a partial ciphertext or an untagged one behind. */
	if (r != MEDSEC_OK)
		medsec_wipe(ct, ptlen + MEDSEC_AEAD_TAG_LEN);
	EVP_CIPHER_CTX_free(c);
	return r;
}

int
medsec_aead_open(int alg, const uint8_t key[MEDSEC_AEAD_KEY_LEN],
    const uint8_t nonce[MEDSEC_AEAD_NONCE_LEN], const void *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
	uint8_t tag[MEDSEC_AEAD_TAG_LEN], fin[EVP_MAX_BLOCK_LENGTH];
	EVP_CIPHER_CTX *c = NULL;
	const EVP_CIPHER *cipher = NULL;
	size_t ptlen = 0;
	int outl, r = MEDSEC_ERR_INTERNAL;

	if (ct == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = check_args(key, nonce, ad, adlen, ct, ctlen, pt)) !=
	    MEDSEC_OK)
		return r;
	if ((r = pick_cipher(alg, &cipher)) != MEDSEC_OK)
		return r;
	/* Too short to hold a tag: it cannot authenticate. */
	r = MEDSEC_ERR_AUTH;
	if (ctlen < MEDSEC_AEAD_TAG_LEN)
		goto out;
	ptlen = ctlen - MEDSEC_AEAD_TAG_LEN;
	/* The tag is copied: the ctrl interface takes a non-const pointer. */
	memcpy(tag, ct + ptlen, sizeof(tag));
	r = MEDSEC_ERR_NOMEM;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (EVP_DecryptInit_ex2(c, cipher, key, nonce, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, sizeof(tag),
	    tag) != 1 ||
	    update_all(c, NULL, ad, adlen) != MEDSEC_OK ||
	    update_all(c, pt, ct, ptlen) != MEDSEC_OK)
		goto out;
	r = EVP_DecryptFinal_ex(c, fin, &outl) == 1 ? MEDSEC_OK :
	    MEDSEC_ERR_AUTH;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(pt, ptlen);
	EVP_CIPHER_CTX_free(c);
	return r;
}
