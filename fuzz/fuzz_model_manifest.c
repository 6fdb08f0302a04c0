/*
 * The AI-model manifest reader on untrusted bytes (a manifest arrives
 * with the model and is read before anything trusts it). No key is
 * trusted, so nothing may be accepted: the fuzzer exercises the strict
 * field parser, which runs before the signature is looked at.
 */
#include <stdlib.h>

#include "medsec-tools/model.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_model_manifest m;
	struct medsec_config_error err;

	if (medsec_model_manifest_parse((const char *)data, size, NULL, 0,
	    &m, &err) == MEDSEC_OK)
		abort(); /* unsigned by any trusted key: must be refused */
	return 0;
}
