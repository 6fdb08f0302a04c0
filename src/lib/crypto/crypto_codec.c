/*
 * Text codecs for secret bytes. Session tokens and password-hash salts are
 * written in base64; libsodium's codecs run in time independent of the
 * data, which a table lookup per character would not.
 */
#include <string.h>

#include "crypto/crypto_int.h"

static int
sodium_variant(int variant, int *sodiump)
{
	switch (variant) {
	case MEDSEC_BASE64_NO_PADDING:
		*sodiump = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
		return MEDSEC_OK;
	case MEDSEC_BASE64_URLSAFE_NO_PADDING:
		*sodiump = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
		return MEDSEC_OK;
	default:
		return MEDSEC_ERR_INVALID;
	}
}

int
medsec_base64_encode(int variant, const void *in, size_t len, char *out,
    size_t outlen)
{
	int sv, r;

	if (out == NULL || outlen == 0 || (in == NULL && len != 0))
		return MEDSEC_ERR_INVALID;
	out[0] = '\0';
	if ((r = sodium_variant(variant, &sv)) != MEDSEC_OK)
		return r;
	if (len > (SIZE_MAX - 3) / 4 * 3 ||
	    outlen < sodium_base64_encoded_len(len, sv))
		return MEDSEC_ERR_TOO_LARGE;
	if (len == 0)
		return MEDSEC_OK;
	sodium_bin2base64(out, outlen, in, len, sv);
	return MEDSEC_OK;
}

int
medsec_base64_decode(int variant, const char *text, size_t textlen,
    uint8_t *out, size_t outlen)
{
	const char *end = NULL;
	size_t binlen = 0;
	int sv, r;

	if (text == NULL || (out == NULL && outlen != 0))
		return MEDSEC_ERR_INVALID;
	if ((r = sodium_variant(variant, &sv)) != MEDSEC_OK)
		return r;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	r = MEDSEC_ERR_FORMAT;
	/* The one length that encodes outlen bytes: nothing else is parsed. */
	if (outlen > SIZE_MAX / 4 ||
	    textlen != MEDSEC_BASE64_LEN(outlen) - 1)
		goto out;
	if (outlen == 0) {
		r = MEDSEC_OK;
		goto out;
	}
	if (sodium_base642bin(out, outlen, text, textlen, NULL, &binlen, &end,
	    sv) != 0 || binlen != outlen || end != text + textlen)
		goto out;
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(out, outlen);
	return r;
}
