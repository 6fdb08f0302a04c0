/* A test PKI made with libcrypto: see tlspki.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tlspki.h"

EVP_PKEY *
tlspki_key_ec(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

	assert_non_null(k);
	return k;
}

EVP_PKEY *
tlspki_key_rsa(unsigned bits)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	assert_non_null(k);
	return k;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

X509 *
tlspki_cert(EVP_PKEY *key, const struct tlspki_cert_opts *o)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509 *issuer = o->issuer;
	EVP_PKEY *signer = o->issuer != NULL ? o->issuer_key : key;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x),
	    o->serial), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)o->cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n), 1);
	X509_NAME_free(n);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x),
	    o->from_days * 86400L));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x),
	    o->to_days * 86400L));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	add_ext(x, issuer, NID_basic_constraints, o->ca ? "critical,CA:TRUE" :
	    "critical,CA:FALSE");
	add_ext(x, issuer, NID_key_usage, o->ca ? "critical,keyCertSign,"
	    "cRLSign" : "critical,digitalSignature,keyEncipherment");
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
	if (o->eku != NULL)
		add_ext(x, issuer, NID_ext_key_usage, o->eku);
	if (o->san != NULL)
		add_ext(x, issuer, NID_subject_alt_name, o->san);
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	return x;
}

X509 *
tlspki_sign_csr(const char *csr_pem, X509 *ca, EVP_PKEY *ca_key, long serial,
    long to_days)
{
	STACK_OF(X509_EXTENSION) *exts;
	BIO *b = BIO_new_mem_buf(csr_pem, -1);
	X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	X509 *x = X509_new();
	int i;

	BIO_free(b);
	assert_non_null(req);
	assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
	assert_int_equal(X509_set_subject_name(x,
	    X509_REQ_get_subject_name(req)), 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(ca)), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x),
	    to_days * 86400L));
	assert_int_equal(X509_set_pubkey(x, X509_REQ_get0_pubkey(req)), 1);
	exts = X509_REQ_get_extensions(req);
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		assert_int_equal(X509_add_ext(x, sk_X509_EXTENSION_value(exts,
		    i), -1), 1);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
	X509_REQ_free(req);
	return x;
}

X509_CRL *
tlspki_crl(X509 *ca, EVP_PKEY *ca_key, const long *serials, size_t n)
{
	X509_CRL *c = X509_CRL_new();
	ASN1_TIME *now = X509_gmtime_adj(NULL, -60);
	ASN1_TIME *next = X509_gmtime_adj(NULL, 7 * 86400L);
	size_t i;

	assert_non_null(c);
	assert_int_equal(X509_CRL_set_version(c, X509_CRL_VERSION_2), 1);
	assert_int_equal(X509_CRL_set_issuer_name(c,
	    X509_get_subject_name(ca)), 1);
	assert_int_equal(X509_CRL_set1_lastUpdate(c, now), 1);
	assert_int_equal(X509_CRL_set1_nextUpdate(c, next), 1);
	for (i = 0; i < n; i++) {
		X509_REVOKED *rv = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();

		assert_int_equal(ASN1_INTEGER_set(s, serials[i]), 1);
		assert_int_equal(X509_REVOKED_set_serialNumber(rv, s), 1);
		assert_int_equal(X509_REVOKED_set_revocationDate(rv, now), 1);
		assert_int_equal(X509_CRL_add0_revoked(c, rv), 1);
		ASN1_INTEGER_free(s);
	}
	assert_int_equal(X509_CRL_sort(c), 1);
	assert_true(X509_CRL_sign(c, ca_key, EVP_sha256()) > 0);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	return c;
}

static char *
bio_text(BIO *b, size_t *lenp)
{
	char *data, *out;
	long n = BIO_get_mem_data(b, &data);

	assert_true(n > 0);
	out = malloc((size_t)n + 1);
	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	if (lenp != NULL)
		*lenp = (size_t)n;
	BIO_free(b);
	return out;
}

char *
tlspki_cert_pem(X509 *x, size_t *lenp)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	return bio_text(b, lenp);
}

char *
tlspki_key_pem(EVP_PKEY *k, size_t *lenp)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	return bio_text(b, lenp);
}

char *
tlspki_crl_pem(X509_CRL *c, size_t *lenp)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_X509_CRL(b, c), 1);
	return bio_text(b, lenp);
}

void
tlspki_fingerprint(X509 *x, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0, i;

	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

void
tlspki_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}
