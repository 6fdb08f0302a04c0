/*
 * medsec revocation: the text form of the peer certificate revocation
 * list (docs/formats/revocation.md), as written by
 * medsec_identity_revocation_list() and read by the daemon and by other
 * devices of a site. The reader is strict: an unknown version or any
 * malformed line rejects the whole list, naming the line.
 */
#ifndef MEDSEC_REVOCATION_H
#define MEDSEC_REVOCATION_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_REVOCATION_MAX (4u << 20) /* bytes; larger is refused */

struct medsec_revoked {
	char cert_sha256[65]; /* lowercase hex */
	int64_t revoked_us;
	char subject[64];
	char reason[128];
};

/*
 * Parses a list, calling fn for each entry in order (fn may be NULL to
 * validate only; a non-zero return stops and is returned). On a format
 * error returns MEDSEC_ERR_FORMAT with "line N: what" in err.
 */
MEDSEC_API
int medsec_revocation_parse(const char *text, size_t len,
    int (*fn)(const struct medsec_revoked *, void *), void *ctx, char *err,
    size_t errlen);

/*
 * MEDSEC_OK if the certificate is not on the list, MEDSEC_ERR_DISABLED if
 * it is, MEDSEC_ERR_FORMAT if the list is malformed (treat as revoked).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_revocation_check(const char *text, size_t len,
    const char *cert_sha256);

#ifdef __cplusplus
}
#endif
#endif
