/*
 * The credential scanner on untrusted bytes (a firmware image, a source
 * tree): never crashes, reports only known rules at offsets inside the
 * input, and text positions that exist.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec-tools/credscan.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t limit;

static int
check(const struct medsec_cred_finding *f, void *ctx)
{
	(void)ctx;
	if (f->rule < MEDSEC_CRED_ASSIGNED || f->rule > MEDSEC_CRED_PASSWORD_HASH ||
	    f->offset >= limit || (f->text && (f->line == 0 || f->column == 0)))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	limit = size;
	/* Once as source, once as configuration (unquoted values count). */
	if (medsec_credscan_buffer("fuzz.c", data, size, check, NULL) !=
	    MEDSEC_OK ||
	    medsec_credscan_buffer("fuzz.ini", data, size, check, NULL) !=
	    MEDSEC_OK)
		abort();
	return 0;
}
