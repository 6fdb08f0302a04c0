/*
 * The configuration parser on untrusted bytes: any text, including NUL
 * bytes, over-long lines and binary junk, must be accepted or refused
 * cleanly, and a refusal must leave the struct exactly as it was.
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
	if (r != MEDSEC_OK) {
		/* Nothing half-applied. */
		if (memcmp(&cfg, &before, sizeof(cfg)) != 0)
			abort();
		if (r != MEDSEC_ERR_CONFIG || err.message[0] == '\0')
			abort();
	} else {
		/* Every accepted string is terminated within its field. */
		if (memchr(cfg.device_id, '\0', sizeof(cfg.device_id)) ==
		    NULL ||
		    memchr(cfg.site_id, '\0', sizeof(cfg.site_id)) == NULL ||
		    memchr(cfg.state_dir, '\0', sizeof(cfg.state_dir)) ==
		    NULL || cfg.state_dir[0] != '/' ||
		    memchr(cfg.audit_hostname, '\0',
		    sizeof(cfg.audit_hostname)) == NULL)
			abort();
		if (cfg.audit_epoch_records < 16 ||
		    cfg.audit_epoch_records > 1000000 ||
		    cfg.audit_segment_bytes < 65536 ||
		    cfg.audit_segment_bytes > 1073741824)
			abort();
	}
	return 0;
}
