/*
 * The device profile parser and the classifier on untrusted bytes: any
 * input is accepted or refused with MEDSEC_ERR_CONFIG and a line no later
 * than the last, a refusal leaves the struct as it was, and an accepted
 * profile always classifies and renders as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec-tools/compliance.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct medsec_catalog *cat;

static void
classify(const struct medsec_profile *p)
{
	struct medsec_classification *c = NULL;
	char *json = NULL;

	if (cat == NULL && medsec_catalog_builtin(NULL, &cat, NULL) != 0)
		abort();
	if (medsec_classify(cat, p, &c) != MEDSEC_OK ||
	    medsec_classification_to_json(c, &json) != MEDSEC_OK)
		abort();
	free(json);
	medsec_classification_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct medsec_profile p, before;
	struct medsec_config_error err;
	size_t i, lines = 1;
	char msg[600];
	int r;

	memset(&p, 0xa5, sizeof(p));
	before = p;
	r = medsec_profile_parse("fuzz", (const char *)data, size, &p, &err);
	medsec_config_error_format(&err, msg, sizeof(msg));
	if (r == MEDSEC_OK) {
		classify(&p);
		return 0;
	}
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (r != MEDSEC_ERR_CONFIG || err.line < 0 || (size_t)err.line >
	    lines || memcmp(&p, &before, sizeof(p)) != 0)
		abort();
	return 0;
}
