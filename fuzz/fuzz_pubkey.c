/*
 * The public key file parser on untrusted bytes: accepted keys always
 * have a known algorithm, the right length and a key id that matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/err.h"
#include "medsec/signkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_pubkey pk;
	char text[512], id[MEDSEC_KEY_ID_LEN];

	if (medsec_pubkey_parse((const char *)data, size, &pk) != MEDSEC_OK)
		return 0;
	if ((pk.alg != MEDSEC_ALG_ED25519 || pk.pklen != 32) &&
	    (pk.alg != MEDSEC_ALG_ECDSA_P256_SHA256 || pk.pklen != 65))
		abort();
	if (medsec_key_id(pk.alg, pk.pk, pk.pklen, id) != MEDSEC_OK ||
	    strcmp(id, pk.key_id) != 0)
		abort();
	/* What was accepted formats back to the same bytes. */
	if (medsec_pubkey_format(&pk, text, sizeof(text)) != MEDSEC_OK ||
	    strlen(text) != size || memcmp(text, data, size) != 0)
		abort();
	return 0;
}
