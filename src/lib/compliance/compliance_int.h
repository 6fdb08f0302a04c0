/* Compliance module internals: the embedded catalogs and shared helpers. */
#ifndef MEDSEC_COMPLIANCE_INT_H
#define MEDSEC_COMPLIANCE_INT_H

#include <stddef.h>

#include "medsec/compliance.h"
#include "medsec/config.h"

/* One embedded JSON file of data/mfds (generated/catalog_data.c). */
struct catalog_blob {
	const char *file;	   /* "2019-table3.json" */
	const unsigned char *data; /* followed by a NUL not counted in len */
	size_t len;
};

/* Terminated by an entry with file == NULL. */
extern const struct catalog_blob medsec_catalog_blobs[];

/* Copies at most srclen bytes of src, always NUL-terminating dst. */
void cmp_copy(char *dst, size_t dstlen, const char *src, size_t srclen);

/* Resets err and records the file name it is about. */
void cmp_err_clear(struct medsec_config_error *err, const char *file);

/* Records an error (key may be NULL); message is printf-formatted. */
void cmp_err_set(struct medsec_config_error *err, int line, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A printable excerpt of untrusted text for messages (no control bytes). */
void cmp_excerpt(char *out, size_t outlen, const char *s, size_t n);

/* Non-zero when [s, s + n) is valid UTF-8 without control characters. */
int cmp_text_ok(const char *s, size_t n);

#endif
