/* Compliance module internals: the embedded catalogs and shared helpers. */
#ifndef MEDSEC_COMPLIANCE_INT_H
#define MEDSEC_COMPLIANCE_INT_H

#include <stddef.h>

#include "core/ini.h"
#include "medsec-tools/compliance.h"
#include "medsec/config.h"

/* One embedded JSON file of data/mfds (generated/catalog_data.c). */
struct catalog_blob {
	const char *file;	   /* "2019-table3.json" */
	const unsigned char *data; /* followed by a NUL not counted in len */
	size_t len;
};

/* Terminated by an entry with file == NULL. */
extern const struct catalog_blob medsec_catalog_blobs[];

/* Non-zero when [s, s + n) is valid UTF-8 without control characters. */
int cmp_text_ok(const char *s, size_t n);

#endif
