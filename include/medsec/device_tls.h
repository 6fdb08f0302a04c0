/*
 * medsec device TLS credentials (MFDS 1.17): the key and certificate the
 * daemon's listeners present.
 *
 * Provisioning makes an ECDSA P-256 key, sealed in the keystore as "tls"
 * like the device's other keys, and a self-signed certificate for it
 * (CN and DNS name = the device id, DNS:localhost, IP 127.0.0.1 and ::1,
 * 825 days, serverAuth and clientAuth), kept in the database. The private
 * key is never written anywhere in clear: it leaves the keystore only as
 * a PEM text in secure memory for libssl, which the caller releases with
 * medsec_device_tls_free().
 *
 * A hospital CA can replace the self-signed certificate: the device
 * prints a PKCS#10 request (medsec_device_tls_csr) and installs what
 * the CA signed (medsec_device_tls_import), after checking that it is
 * for this key.
 */
#ifndef MEDSEC_DEVICE_TLS_H
#define MEDSEC_DEVICE_TLS_H

#include "medsec/base.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_device;

#define MEDSEC_DEVICE_TLS_KEY "tls"  /* keystore name of the key */
#define MEDSEC_DEVICE_TLS_DAYS 825   /* validity of the self-signed cert */

/*
 * The certificate (chain) and private key in PEM. A device provisioned
 * before TLS credentials existed gets them made here, on its first call:
 * key sealed, certificate stored in one transaction, then audited
 * (KEY_GENERATED "tls"); that needs a device opened with its trail
 * (not MEDSEC_DEVICE_READ_ONLY: MEDSEC_ERR_READ_ONLY). *certp is
 * malloc()ed, *keyp in secure memory: release both with
 * medsec_device_tls_free(). On failure both are NULL.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_device_tls_credentials(struct medsec_device *dev, char **certp,
    size_t *cert_lenp, char **keyp, size_t *key_lenp);

/* Frees the certificate and wipes and frees the key; NULLs are no-ops. */
MEDSEC_API
void medsec_device_tls_free(char *cert, char *key);

/*
 * The certificate (chain) in force, without making one:
 * MEDSEC_ERR_NOT_FOUND on a device that has none yet. *certp: free().
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_device_tls_certificate(struct medsec_device *dev, char **certp,
    size_t *lenp);

/*
 * A PKCS#10 request for the device key (subject as the self-signed
 * certificate's), making the credentials first if needed. *pemp: free().
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_device_tls_csr(struct medsec_device *dev, char **pemp,
    size_t *lenp);

/*
 * Installs a CA-signed certificate (chain) for the device key, replacing
 * the one in force, and audits it (KEY_ROTATED "tls", with both
 * fingerprints) after the change commits. Refused, changing nothing,
 * when it is not for this key (MEDSEC_ERR_KEY_MISMATCH), not valid now
 * (MEDSEC_ERR_EXPIRED), not for serverAuth (MEDSEC_ERR_POLICY), signed
 * below 112 bits (MEDSEC_ERR_WEAK_ALGORITHM) or malformed
 * (MEDSEC_ERR_FORMAT); err (may be NULL) says which.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_device_tls_import(struct medsec_device *dev, const char *pem,
    size_t len, const char *actor, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
