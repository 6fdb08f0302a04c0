/*
 * The configuration parser on untrusted bytes: any input is accepted or
 * refused with MEDSEC_ERR_CONFIG, and a refusal leaves the struct as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/config.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_config cfg, before;
	struct medsec_config_error err;
	char msg[512];
	int r;

	medsec_config_defaults(&cfg);
	before = cfg;
	r = medsec_config_parse("fuzz", (const char *)data, size, &cfg, &err);
	medsec_config_error_format(&err, msg, sizeof(msg));
	if (r != MEDSEC_OK && (r != MEDSEC_ERR_CONFIG ||
	    memcmp(&cfg, &before, sizeof(cfg)) != 0))
		abort();
	return 0;
}
