/*
 * Certificate texts from outside (`medsec tls import --cert FILE`, a
 * tls.cert_file): the fingerprint, the one-line description and the
 * import check on untrusted bytes. Each either succeeds or refuses with
 * one of its documented codes, and a refusal always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/err.h"
#include "medsec/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid P-256 scalar (1), for the key comparison. */
static const uint8_t scalar[MEDSEC_X509_SCALAR_LEN] = { [31] = 1 };

static int
documented(int r)
{
	return r == MEDSEC_OK || r == MEDSEC_ERR_FORMAT ||
	    r == MEDSEC_ERR_INVALID || r == MEDSEC_ERR_TOO_LARGE ||
	    r == MEDSEC_ERR_KEY_MISMATCH || r == MEDSEC_ERR_EXPIRED ||
	    r == MEDSEC_ERR_POLICY || r == MEDSEC_ERR_WEAK_ALGORITHM;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hex[MEDSEC_X509_FINGERPRINT_LEN], line[512], err[256];
	const char *pem = (const char *)data;
	int r;

	r = medsec_x509_fingerprint(pem, size, hex);
	if (!documented(r) || (r == MEDSEC_OK && (strlen(hex) != 64 ||
	    strspn(hex, "0123456789abcdef") != 64)))
		abort();
	if (!documented(medsec_x509_describe(pem, size, line, sizeof(line))))
		abort();
	r = medsec_x509_check_for_key(pem, size, scalar, err, sizeof(err));
	if (!documented(r) || (r != MEDSEC_OK && r != MEDSEC_ERR_INVALID &&
	    err[0] == '\0'))
		abort();
	return 0;
}
