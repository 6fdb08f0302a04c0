/*
 * A test PKI made with libcrypto in the test itself: keys, CA and leaf
 * certificates with chosen usage and validity, CRLs, as PEM texts and
 * files. For the TLS channel tests; never for production keys.
 */
#ifndef MEDSEC_TEST_TLSPKI_H
#define MEDSEC_TEST_TLSPKI_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* "P-256", "P-224", ... or RSA of `bits`. Aborts the test on failure. */
EVP_PKEY *tlspki_key_ec(const char *curve);
EVP_PKEY *tlspki_key_rsa(unsigned bits);

struct tlspki_cert_opts {
	const char *cn;
	X509 *issuer;		/* NULL: self-signed */
	EVP_PKEY *issuer_key;	/* with issuer */
	int ca;			/* basicConstraints CA:TRUE, keyCertSign */
	const char *eku;	/* "serverAuth", "clientAuth", both, or NULL */
	long from_days;		/* notBefore = now + from_days */
	long to_days;		/* notAfter = now + to_days */
	long serial;
	const char *san;	/* "DNS:localhost,IP:127.0.0.1" or NULL */
};

X509 *tlspki_cert(EVP_PKEY *key, const struct tlspki_cert_opts *o);
/* Signs a PKCS#10 request (PEM) as the CA would, copying its extensions. */
X509 *tlspki_sign_csr(const char *csr_pem, X509 *ca, EVP_PKEY *ca_key,
    long serial, long to_days);
/* A CRL of ca listing the serials, valid from now for a week. */
X509_CRL *tlspki_crl(X509 *ca, EVP_PKEY *ca_key, const long *serials,
    size_t n);

/* PEM texts, malloc()ed and NUL-terminated. */
char *tlspki_cert_pem(X509 *x, size_t *lenp);
char *tlspki_key_pem(EVP_PKEY *k, size_t *lenp);
char *tlspki_crl_pem(X509_CRL *c, size_t *lenp);
/* SHA-256 of the certificate's DER, lowercase hex. */
void tlspki_fingerprint(X509 *x, char hex[65]);
/* Writes text to path (0600). */
void tlspki_write(const char *path, const char *text);

#endif
