/*
 * The integrity manifest reader on untrusted bytes. The input is parsed
 * as it comes (it is never signed, so it must be refused), then signed
 * with the harness's own key and parsed again, which takes the fuzzer
 * past the signature into the strict parser. Seeds write the key id as
 * KEYIDKEYIDKEYID0; the harness puts its key's id there. Whatever is
 * accepted must be a sorted tree of valid entries.
 */
#include <stdlib.h>
#include <string.h>

#include "integrity/integrity_int.h"
#include "medsec/err.h"
#include "medsec/integrity.h"

#define TOKEN "KEYIDKEYIDKEYID0"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct medsec_signkey *key;

/* data with the key id in place of TOKEN, then the signature line. */
static char *
signed_copy(const uint8_t *data, size_t size, size_t *lenp)
{
	uint8_t msg[INTEGRITY_SIGNED_MSG_LEN], sig[MEDSEC_SIGN_LEN];
	char *t, *p;

	if ((t = malloc(size + INTEGRITY_SIG_LINE_LEN + 1)) == NULL)
		abort();
	memcpy(t, data, size);
	t[size] = '\0';
	for (p = t; size >= 16 && p <= t + size - 16; p++)
		if (memcmp(p, TOKEN, 16) == 0)
			memcpy(p, medsec_signkey_public(key)->key_id, 16);
	if (integrity_signed_message(t, size, msg) != MEDSEC_OK ||
	    medsec_signkey_sign(key, msg, sizeof(msg), sig) != MEDSEC_OK)
		abort();
	memcpy(t + size, INTEGRITY_SIG_PREFIX, sizeof(INTEGRITY_SIG_PREFIX) - 1);
	medsec_hex(sig, sizeof(sig), t + size + sizeof(INTEGRITY_SIG_PREFIX) - 1);
	t[size + INTEGRITY_SIG_LINE_LEN - 1] = '\n';
	*lenp = size + INTEGRITY_SIG_LINE_LEN;
	return t;
}

static void
check_accepted(const struct medsec_integrity_manifest *m)
{
	const struct medsec_integrity_entry *a, *b;
	size_t i;

	if (medsec_integrity_count(m) == 0)
		abort();
	for (i = 1; i < medsec_integrity_count(m); i++) {
		a = medsec_integrity_entry_at(m, i - 1);
		b = medsec_integrity_entry_at(m, i);
		if (strcmp(a->path, b->path) >= 0 || b->path[0] == '/' ||
		    strstr(b->path, "//") != NULL || b->mode > 07777)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_integrity_manifest *m = NULL;
	char err[512], *text;
	size_t len;

	if (key == NULL && (medsec_crypto_init() != MEDSEC_OK ||
	    medsec_signkey_generate(MEDSEC_ALG_ED25519, "fuzz", &key) !=
	    MEDSEC_OK))
		abort();
	if (size > (1u << 20))
		return 0;
	if (medsec_integrity_parse(data, size, medsec_signkey_public(key), 1,
	    &m, err, sizeof(err)) == MEDSEC_OK)
		abort(); /* nothing the fuzzer writes carries our signature */
	text = signed_copy(data, size, &len);
	if (medsec_integrity_parse(text, len, medsec_signkey_public(key), 1,
	    &m, err, sizeof(err)) == MEDSEC_OK)
		check_accepted(m);
	medsec_integrity_free(m);
	free(text);
	return 0;
}
