/*
 * medsec x509: the device's own X.509 material, made from a P-256 key as
 * the keystore holds it (a 32-byte scalar, see keystore.h). The TLS
 * credentials of the device (device_tls.h) are built with these: a
 * self-signed certificate at provisioning, a PKCS#10 request for a
 * hospital CA, and the checks an imported certificate must pass.
 *
 * PEM texts returned by these functions are NUL-terminated; *lenp does
 * not count the NUL. A private key is returned in secure memory that the
 * caller releases with medsec_secure_free() (which wipes); everything
 * else with free().
 */
#ifndef MEDSEC_X509_H
#define MEDSEC_X509_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_X509_SCALAR_LEN 32	/* P-256 private scalar */
#define MEDSEC_X509_FINGERPRINT_LEN 65	/* SHA-256, lowercase hex, NUL */
#define MEDSEC_X509_PEM_MAX (64u << 10) /* larger certificate texts refused */
#define MEDSEC_X509_NAMES_MAX 8		/* subjectAltName entries of each kind */

/* Who a certificate or request is for. */
struct medsec_x509_subject {
	const char *common_name;      /* required, 1..64 bytes */
	const char *const *dns_names; /* subjectAltName DNS entries */
	size_t ndns;
	const char *const *ip_addresses; /* subjectAltName IP entries */
	size_t nip;
};

/*
 * The private key as unencrypted PKCS#8 PEM ("PRIVATE KEY"), for libssl
 * only: it lives in secure memory (*pemp, medsec_secure_free()).
 * MEDSEC_ERR_INVALID for a scalar that is not a P-256 key.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_x509_p256_key_pem(const uint8_t sk[MEDSEC_X509_SCALAR_LEN],
    char **pemp, size_t *lenp);

/*
 * A self-signed certificate for subj, valid from now for `days` days
 * (1..3650), signed with ECDSA-SHA-256: 128-bit random serial,
 * basicConstraints CA:FALSE, keyUsage digitalSignature, extendedKeyUsage
 * serverAuth and clientAuth, subjectAltName from subj. *pemp: free().
 * MEDSEC_ERR_INVALID for a bad subject (empty or over-long name, an IP
 * address that does not parse), naming it in err (may be NULL).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_x509_self_signed(const uint8_t sk[MEDSEC_X509_SCALAR_LEN],
    const struct medsec_x509_subject *subj, unsigned days, char **pemp,
    size_t *lenp, char *err, size_t errlen);

/*
 * A PKCS#10 certificate request for subj, signed by the key, asking for
 * the same extensions as medsec_x509_self_signed(). *pemp: free().
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_x509_csr(const uint8_t sk[MEDSEC_X509_SCALAR_LEN],
    const struct medsec_x509_subject *subj, char **pemp, size_t *lenp,
    char *err, size_t errlen);

/*
 * SHA-256 over the DER of the first certificate in pem, lowercase hex:
 * the fingerprint medsec's peer lists and revocation lists use.
 * MEDSEC_ERR_FORMAT if pem holds no certificate.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_x509_fingerprint(const char *pem, size_t len,
    char hex[MEDSEC_X509_FINGERPRINT_LEN]);

/*
 * Checks a certificate (chain) text offered for the key sk: the first
 * certificate must carry sk's public key (MEDSEC_ERR_KEY_MISMATCH), be
 * valid now (MEDSEC_ERR_EXPIRED, also for not yet valid), allow
 * serverAuth in its extended key usage if it has one (MEDSEC_ERR_POLICY)
 * and be signed with at least 112-bit strength
 * (MEDSEC_ERR_WEAK_ALGORITHM). Every certificate of the text must parse
 * (MEDSEC_ERR_FORMAT) and it is at most MEDSEC_X509_PEM_MAX bytes
 * (MEDSEC_ERR_TOO_LARGE). err (may be NULL) says which and why.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_x509_check_for_key(const char *pem, size_t len,
    const uint8_t sk[MEDSEC_X509_SCALAR_LEN], char *err, size_t errlen);

/*
 * One line about the first certificate in pem: "subject CN=...,
 * issuer CN=..., valid 2026-12-02T17:00:00Z to 2029-03-06T17:00:00Z".
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_x509_describe(const char *pem, size_t len, char *buf,
    size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
