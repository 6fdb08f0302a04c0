/*
 * Error messages for callers: the one formatter behind every "char *err,
 * size_t errlen" out-parameter in libmedsec.
 */
#ifndef MEDSEC_ERRF_H
#define MEDSEC_ERRF_H

#include <stddef.h>

/* Formats into err (when non-NULL and errlen > 0) and returns code. */
int medsec_errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
