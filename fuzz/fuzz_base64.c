/*
 * The base64 decoder on untrusted bytes (session tokens arrive through
 * it): whatever it accepts encodes back to the same text, and whatever it
 * refuses leaves the output wiped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX 64

static void
one_variant(int variant, const char *text, size_t len, size_t outlen)
{
	uint8_t out[OUT_MAX], zero[OUT_MAX] = { 0 };
	char back[MEDSEC_BASE64_LEN(OUT_MAX)];

	memset(out, 0xa5, sizeof(out));
	if (medsec_base64_decode(variant, text, len, out, outlen) != MEDSEC_OK) {
		if (memcmp(out, zero, outlen) != 0)
			abort();
		return;
	}
	if (medsec_base64_encode(variant, out, outlen, back,
	    sizeof(back)) != MEDSEC_OK || strlen(back) != len ||
	    memcmp(back, text, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t outlen;

	/* The first byte picks the decoded length the caller expects. */
	if (size < 1)
		return 0;
	outlen = data[0] % (OUT_MAX + 1);
	one_variant(MEDSEC_BASE64_NO_PADDING, (const char *)data + 1,
	    size - 1, outlen);
	one_variant(MEDSEC_BASE64_URLSAFE_NO_PADDING, (const char *)data + 1,
	    size - 1, outlen);
	return 0;
}
