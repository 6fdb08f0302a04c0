/*
 * The revocation list reader on untrusted bytes: any input is accepted or
 * refused with MEDSEC_ERR_FORMAT and a message naming a line; accepted
 * entries always have a well-formed hash and printable fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/err.h"
#include "medsec/revocation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check_entry(const struct medsec_revoked *e, void *ctx)
{
	(void)ctx;
	if (strlen(e->cert_sha256) != 64 || strspn(e->cert_sha256,
	    "0123456789abcdef") != 64 || e->subject[0] == '\0' ||
	    e->reason[0] == '\0')
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	int r;

	r = medsec_revocation_parse((const char *)data, size, check_entry, NULL,
	    err, sizeof(err));
	if (r != MEDSEC_OK && (r != MEDSEC_ERR_FORMAT ||
	    strncmp(err, "line ", 5) != 0))
		abort();
	return 0;
}
