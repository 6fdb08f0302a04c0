/* UTF-8 decoding (RFC 3629), shared by every parser of untrusted text. */
#ifndef MEDSEC_UTF8_H
#define MEDSEC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at s (n > 0 bytes available) into *cpp and
 * returns its length, 1 to 4; returns 0 for anything RFC 3629 forbids:
 * stray or missing continuation bytes, overlong forms, surrogates,
 * values past U+10FFFF.
 */
size_t medsec_utf8_decode(const unsigned char *s, size_t n, uint32_t *cpp);

#endif
