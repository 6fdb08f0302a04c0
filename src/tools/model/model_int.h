/*
 * Model manifest internals, shared by the files of src/tools/model:
 *   model.c       the manifest text: fields checked, written, signed, parsed
 *   model_load.c  loading a model on the device, verified and audited
 */
#ifndef MEDSEC_MODEL_INT_H
#define MEDSEC_MODEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec-tools/model.h"

/* Fills err: key, and a message formatted like printf. */
void model_fail(struct medsec_config_error *err, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Reads a whole regular file (no symlink) of at most max bytes: *buf
 * (free()) and *len. MEDSEC_ERR_NOT_FOUND, MEDSEC_ERR_PERMISSION (a
 * symlink or not a regular file), MEDSEC_ERR_TOO_LARGE, MEDSEC_ERR_IO;
 * err names the file.
 */
int model_read_file(const char *path, size_t max, void **buf, size_t *len,
    struct medsec_config_error *err);

/* The SHA-256 of len bytes as lower-case hex. */
int model_sha256_hex(const void *buf, size_t len, char hex[65]);

/* The base name of path (the part after the last '/'). */
const char *model_base_name(const char *path);

#endif
