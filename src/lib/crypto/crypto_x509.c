/*
 * X.509 for the device's own TLS credentials: a P-256 key (the scalar the
 * keystore seals) turned into a PKCS#8 PEM for libssl, a self-signed
 * certificate, a PKCS#10 request, and the checks a certificate signed by
 * a hospital CA must pass before it replaces the self-signed one.
 *
 * Subject alternative names are built as GENERAL_NAME values, never from
 * an OpenSSL configuration string, so a name cannot smuggle in a second
 * entry through a comma.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "medsec/x509.h"
#include "crypto/crypto_int.h"

#define CN_MAX 64	    /* ub-common-name, RFC 5280 */
#define SERIAL_LEN 16	    /* 128 random bits (CA/B BR 7.1: at least 64) */
#define DAYS_MAX 3650

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The BIO's contents as a NUL-terminated malloc()ed text. */
static int
bio_text(BIO *b, char **outp, size_t *lenp)
{
	char *data, *out;
	long n;

	if ((n = BIO_get_mem_data(b, &data)) <= 0)
		return MEDSEC_ERR_CRYPTO;
	if ((out = malloc((size_t)n + 1)) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*outp = out;
	*lenp = (size_t)n;
	return MEDSEC_OK;
}

int
medsec_x509_p256_key_pem(const uint8_t sk[MEDSEC_X509_SCALAR_LEN],
    char **pemp, size_t *lenp)
{
	EVP_PKEY *pkey = NULL;
	BIO *b = NULL;
	char *data, *out;
	long n;
	int r;

	if (pemp == NULL || lenp == NULL || sk == NULL)
		return MEDSEC_ERR_INVALID;
	*pemp = NULL;
	*lenp = 0;
	if ((r = medsec_crypto_init()) != MEDSEC_OK ||
	    (r = crypto_p256_private_pkey(sk, &pkey)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	/* Secure-heap buffer: wiped when the BIO is freed. */
	if ((b = BIO_new(BIO_s_secmem())) == NULL)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (PEM_write_bio_PKCS8PrivateKey(b, pkey, NULL, NULL, 0, NULL,
	    NULL) != 1 || (n = BIO_get_mem_data(b, &data)) <= 0)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((out = medsec_secure_alloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*pemp = out;
	*lenp = (size_t)n;
	r = MEDSEC_OK;
out:
	BIO_free(b);
	EVP_PKEY_free(pkey);
	return r;
}

static int
add_dns(GENERAL_NAMES *gens, const char *name)
{
	ASN1_IA5STRING *s;
	GENERAL_NAME *gn;

	if ((s = ASN1_IA5STRING_new()) == NULL)
		return MEDSEC_ERR_NOMEM;
	if (ASN1_STRING_set(s, name, (int)strlen(name)) != 1 ||
	    (gn = GENERAL_NAME_new()) == NULL) {
		ASN1_IA5STRING_free(s);
		return MEDSEC_ERR_NOMEM;
	}
	GENERAL_NAME_set0_value(gn, GEN_DNS, s);
	if (sk_GENERAL_NAME_push(gens, gn) <= 0) {
		GENERAL_NAME_free(gn);
		return MEDSEC_ERR_NOMEM;
	}
	return MEDSEC_OK;
}

static int
add_ip(GENERAL_NAMES *gens, const char *ip)
{
	ASN1_OCTET_STRING *os;
	GENERAL_NAME *gn;

	if ((os = a2i_IPADDRESS(ip)) == NULL) {
		ERR_clear_error();
		return MEDSEC_ERR_INVALID;
	}
	if ((gn = GENERAL_NAME_new()) == NULL) {
		ASN1_OCTET_STRING_free(os);
		return MEDSEC_ERR_NOMEM;
	}
	GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
	if (sk_GENERAL_NAME_push(gens, gn) <= 0) {
		GENERAL_NAME_free(gn);
		return MEDSEC_ERR_NOMEM;
	}
	return MEDSEC_OK;
}

static int
check_subject(const struct medsec_x509_subject *s, char *err, size_t errlen)
{
	size_t i, n;

	if (s == NULL || s->common_name == NULL)
		return MEDSEC_ERR_INVALID;
	n = strlen(s->common_name);
	if (n == 0 || n > CN_MAX) {
		say(err, errlen, "common name '%.64s': 1 to 64 characters",
		    s->common_name);
		return MEDSEC_ERR_INVALID;
	}
	if (s->ndns > MEDSEC_X509_NAMES_MAX || s->nip > MEDSEC_X509_NAMES_MAX ||
	    (s->ndns > 0 && s->dns_names == NULL) ||
	    (s->nip > 0 && s->ip_addresses == NULL))
		return MEDSEC_ERR_INVALID;
	for (i = 0; i < s->ndns; i++) {
		n = strlen(s->dns_names[i]);
		if (n == 0 || n > 253) {
			say(err, errlen, "DNS name '%.64s': 1 to 253 "
			    "characters", s->dns_names[i]);
			return MEDSEC_ERR_INVALID;
		}
	}
	return MEDSEC_OK;
}

static int
build_san(const struct medsec_x509_subject *s, GENERAL_NAMES **gensp,
    char *err, size_t errlen)
{
	GENERAL_NAMES *gens;
	size_t i;
	int r = MEDSEC_OK;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (i = 0; r == MEDSEC_OK && i < s->ndns; i++)
		r = add_dns(gens, s->dns_names[i]);
	for (i = 0; r == MEDSEC_OK && i < s->nip; i++)
		if ((r = add_ip(gens, s->ip_addresses[i])) ==
		    MEDSEC_ERR_INVALID)
			say(err, errlen, "IP address '%.64s' does not parse",
			    s->ip_addresses[i]);
	if (r != MEDSEC_OK) {
		GENERAL_NAMES_free(gens);
		return r;
	}
	*gensp = gens;
	return MEDSEC_OK;
}

static int
push_ext(STACK_OF(X509_EXTENSION) *exts, int nid, int crit, void *value)
{
	X509_EXTENSION *ext;

	if ((ext = X509V3_EXT_i2d(nid, crit, value)) == NULL)
		return MEDSEC_ERR_CRYPTO;
	if (sk_X509_EXTENSION_push(exts, ext) <= 0) {
		X509_EXTENSION_free(ext);
		return MEDSEC_ERR_NOMEM;
	}
	return MEDSEC_OK;
}

/*
 * An end-entity TLS certificate's extensions: not a CA, signatures only,
 * usable by a server and by a client (the device is both: it serves the
 * operator API and connects to peers), and its names.
 */
static int
build_extensions(const struct medsec_x509_subject *s,
    STACK_OF(X509_EXTENSION) **extsp, char *err, size_t errlen)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	BASIC_CONSTRAINTS *bc = NULL;
	ASN1_BIT_STRING *ku = NULL;
	GENERAL_NAMES *gens = NULL;
	int r = MEDSEC_ERR_NOMEM;

	if ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
	    (bc = BASIC_CONSTRAINTS_new()) == NULL ||
	    (ku = ASN1_BIT_STRING_new()) == NULL ||
	    (eku = sk_ASN1_OBJECT_new_null()) == NULL)
		goto out;
	if (ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1 ||
	    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) <= 0 ||
	    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)) <= 0)
		goto out;
	if ((r = build_san(s, &gens, err, errlen)) != MEDSEC_OK ||
	    (r = push_ext(exts, NID_basic_constraints, 1, bc)) != MEDSEC_OK ||
	    (r = push_ext(exts, NID_key_usage, 1, ku)) != MEDSEC_OK ||
	    (r = push_ext(exts, NID_ext_key_usage, 0, eku)) != MEDSEC_OK ||
	    (sk_GENERAL_NAME_num(gens) > 0 &&
	    (r = push_ext(exts, NID_subject_alt_name, 0, gens)) != MEDSEC_OK))
		goto out;
	*extsp = exts;
	exts = NULL;
	r = MEDSEC_OK;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	/* The objects are OpenSSL's static table entries: free the stack. */
	sk_ASN1_OBJECT_free(eku);
	ASN1_BIT_STRING_free(ku);
	BASIC_CONSTRAINTS_free(bc);
	return r;
}

static int
build_name(const char *cn, X509_NAME **namep)
{
	X509_NAME *n;

	if ((n = X509_NAME_new()) == NULL)
		return MEDSEC_ERR_NOMEM;
	if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1) {
		X509_NAME_free(n);
		return MEDSEC_ERR_INVALID;
	}
	*namep = n;
	return MEDSEC_OK;
}

static int
set_serial(X509 *x)
{
	uint8_t rnd[SERIAL_LEN];
	BIGNUM *bn = NULL;
	int r;

	if ((r = medsec_random(rnd, sizeof(rnd))) != MEDSEC_OK)
		return r;
	rnd[0] &= 0x7f; /* positive, and DER keeps all 16 bytes... */
	rnd[0] |= 0x40; /* ...without a leading zero octet */
	if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL)
		return MEDSEC_ERR_NOMEM;
	r = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL ?
	    MEDSEC_OK : MEDSEC_ERR_CRYPTO;
	BN_free(bn);
	return r;
}

static int
fill_cert(X509 *x, EVP_PKEY *pkey, const struct medsec_x509_subject *s,
    unsigned days, char *err, size_t errlen)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_NAME *name = NULL;
	int i, r;

	if ((r = build_name(s->common_name, &name)) != MEDSEC_OK ||
	    (r = build_extensions(s, &exts, err, errlen)) != MEDSEC_OK ||
	    (r = set_serial(x)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0,
	    NULL) == NULL || X509_set_pubkey(x, pkey) != 1)
		goto out;
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1) != 1)
			goto out;
	if (X509_sign(x, pkey, EVP_sha256()) <= 0)
		goto out;
	r = MEDSEC_OK;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	return r;
}

int
medsec_x509_self_signed(const uint8_t sk[MEDSEC_X509_SCALAR_LEN],
    const struct medsec_x509_subject *subj, unsigned days, char **pemp,
    size_t *lenp, char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	BIO *b = NULL;
	int r;

	if (sk == NULL || pemp == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	*pemp = NULL;
	*lenp = 0;
	if (days == 0 || days > DAYS_MAX) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "validity of %u days: 1 to %d",
			    days, DAYS_MAX);
		return MEDSEC_ERR_INVALID;
	}
	if ((r = check_subject(subj, err, errlen)) != MEDSEC_OK ||
	    (r = medsec_crypto_init()) != MEDSEC_OK ||
	    (r = crypto_p256_private_pkey(sk, &pkey)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((x = X509_new()) == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	if ((r = fill_cert(x, pkey, subj, days, err, errlen)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (PEM_write_bio_X509(b, x) != 1)
		goto out;
	r = bio_text(b, pemp, lenp);
out:
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return r;
}

static int
fill_req(X509_REQ *req, EVP_PKEY *pkey, const struct medsec_x509_subject *s,
    char *err, size_t errlen)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_NAME *name = NULL;
	int r;

	if ((r = build_name(s->common_name, &name)) != MEDSEC_OK ||
	    (r = build_extensions(s, &exts, err, errlen)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, pkey) != 1 ||
	    X509_REQ_add_extensions(req, exts) != 1 ||
	    X509_REQ_sign(req, pkey, EVP_sha256()) <= 0)
		goto out;
	r = MEDSEC_OK;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	return r;
}

int
medsec_x509_csr(const uint8_t sk[MEDSEC_X509_SCALAR_LEN],
    const struct medsec_x509_subject *subj, char **pemp, size_t *lenp,
    char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	X509_REQ *req = NULL;
	BIO *b = NULL;
	int r;

	if (sk == NULL || pemp == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	*pemp = NULL;
	*lenp = 0;
	if ((r = check_subject(subj, err, errlen)) != MEDSEC_OK ||
	    (r = medsec_crypto_init()) != MEDSEC_OK ||
	    (r = crypto_p256_private_pkey(sk, &pkey)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((req = X509_REQ_new()) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	if ((r = fill_req(req, pkey, subj, err, errlen)) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_CRYPTO;
	if (PEM_write_bio_X509_REQ(b, req) != 1)
		goto out;
	r = bio_text(b, pemp, lenp);
out:
	BIO_free(b);
	X509_REQ_free(req);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return r;
}

/* The first certificate of a PEM text. */
static int
first_cert(const char *pem, size_t len, X509 **xp)
{
	BIO *b;

	*xp = NULL;
	if (pem == NULL || len == 0)
		return MEDSEC_ERR_INVALID;
	if (len > MEDSEC_X509_PEM_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return MEDSEC_ERR_NOMEM;
	*xp = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return *xp != NULL ? MEDSEC_OK : MEDSEC_ERR_FORMAT;
}

int
medsec_x509_fingerprint(const char *pem, size_t len,
    char hex[MEDSEC_X509_FINGERPRINT_LEN])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	X509 *x = NULL;
	int r;

	if (hex == NULL)
		return MEDSEC_ERR_INVALID;
	hex[0] = '\0';
	if ((r = medsec_crypto_init()) != MEDSEC_OK ||
	    (r = first_cert(pem, len, &x)) != MEDSEC_OK)
		return r;
	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32) {
		X509_free(x);
		return MEDSEC_ERR_CRYPTO;
	}
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
	X509_free(x);
	return MEDSEC_OK;
}

/* Every block of the text must be a certificate; returns how many. */
static int
count_certs(const char *pem, size_t len, int *np)
{
	X509 *x;
	BIO *b;
	int n = 0;
	unsigned long e;

	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return MEDSEC_ERR_NOMEM;
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	e = ERR_peek_last_error();
	BIO_free(b);
	ERR_clear_error();
	*np = n;
	/* The reader stops with "no start line" at the end of the text. */
	if (n == 0 || ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

static int
check_cert(X509 *x, EVP_PKEY *key, char *err, size_t errlen)
{
	uint32_t xku;
	int secbits = 0;

	if (EVP_PKEY_eq(X509_get0_pubkey(x), key) != 1) {
		say(err, errlen, "%s", "the certificate is not for this "
		    "device's TLS key");
		return MEDSEC_ERR_KEY_MISMATCH;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		say(err, errlen, "%s", "the certificate is not valid yet");
		return MEDSEC_ERR_EXPIRED;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		say(err, errlen, "%s", "the certificate has expired");
		return MEDSEC_ERR_EXPIRED;
	}
	xku = X509_get_extended_key_usage(x);
	if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) != 0 &&
	    (xku & XKU_SSL_SERVER) == 0) {
		say(err, errlen, "%s", "the certificate's extended key usage "
		    "does not allow serverAuth");
		return MEDSEC_ERR_POLICY;
	}
	if (X509_get_signature_info(x, NULL, NULL, &secbits, NULL) != 1 ||
	    secbits < MEDSEC_MIN_STRENGTH_BITS) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "the certificate's signature has "
			    "%d-bit strength; at least %d required (MFDS 1.17)",
			    secbits, MEDSEC_MIN_STRENGTH_BITS);
		return MEDSEC_ERR_WEAK_ALGORITHM;
	}
	return MEDSEC_OK;
}

int
medsec_x509_check_for_key(const char *pem, size_t len,
    const uint8_t sk[MEDSEC_X509_SCALAR_LEN], char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int n = 0, r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (sk == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	if ((r = first_cert(pem, len, &x)) != MEDSEC_OK ||
	    (r = count_certs(pem, len, &n)) != MEDSEC_OK) {
		say(err, errlen, "%s", r == MEDSEC_ERR_TOO_LARGE ? "the "
		    "certificate text is too large" : "not a PEM certificate "
		    "(chain): a block does not parse");
		goto out;
	}
	if ((r = crypto_p256_private_pkey(sk, &key)) != MEDSEC_OK)
		goto out;
	r = check_cert(x, key, err, errlen);
out:
	EVP_PKEY_free(key);
	X509_free(x);
	ERR_clear_error();
	return r;
}

static void
time_text(const ASN1_TIME *t, char *buf, size_t buflen)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, buflen, "?");
}

static void
name_text(const X509_NAME *n, char *buf, size_t buflen)
{
	BIO *b;
	char *data;
	long len;

	buf[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_get_mem_data(b, &data)) > 0)
		snprintf(buf, buflen, "%.*s", (int)len, data);
	BIO_free(b);
}

int
medsec_x509_describe(const char *pem, size_t len, char *buf, size_t buflen)
{
	char subject[256], issuer[256], from[32], to[32];
	X509 *x = NULL;
	int r;

	if (buf == NULL || buflen == 0)
		return MEDSEC_ERR_INVALID;
	buf[0] = '\0';
	if ((r = medsec_crypto_init()) != MEDSEC_OK ||
	    (r = first_cert(pem, len, &x)) != MEDSEC_OK)
		return r;
	name_text(X509_get_subject_name(x), subject, sizeof(subject));
	name_text(X509_get_issuer_name(x), issuer, sizeof(issuer));
	time_text(X509_get0_notBefore(x), from, sizeof(from));
	time_text(X509_get0_notAfter(x), to, sizeof(to));
	snprintf(buf, buflen, "subject %s, issuer %s, valid %s to %s", subject,
	    issuer, from, to);
	X509_free(x);
	return MEDSEC_OK;
}
