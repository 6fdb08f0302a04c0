/*
 * The device's TLS key and certificate. The key is a keystore key pair
 * ("tls", ECDSA P-256: 128-bit strength under both crypto profiles); the
 * certificate is public and lives in the database's meta table, where a
 * change is part of the state the audit trail and the database vouch for
 * each other. A certificate change and its record follow the house
 * order: written in one transaction, audited after it commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/device_tls.h"
#include "medsec/err.h"
#include "medsec/keystore.h"
#include "medsec/x509.h"
#include "device_int.h"

/* The subject of the device's certificate and request. */
static void
tls_subject(const char *device_id, struct medsec_x509_subject *s,
    const char *dns[2], const char *ip[2])
{
	dns[0] = device_id;
	dns[1] = "localhost";
	ip[0] = "127.0.0.1";
	ip[1] = "::1";
	memset(s, 0, sizeof(*s));
	s->common_name = device_id;
	s->dns_names = dns;
	s->ndns = 2;
	s->ip_addresses = ip;
	s->nip = 2;
}

static int
tls_scalar(struct medsec_keystore *ks, uint8_t sk[MEDSEC_KEY_SECRET_MAX])
{
	struct medsec_key_info info;
	size_t len = 0;
	int r;

	if ((r = medsec_keystore_get(ks, MEDSEC_DEVICE_TLS_KEY, sk, &len,
	    &info)) != MEDSEC_OK)
		return r;
	if (info.alg != MEDSEC_ALG_ECDSA_P256_SHA256 ||
	    len != MEDSEC_X509_SCALAR_LEN) {
		medsec_wipe(sk, MEDSEC_KEY_SECRET_MAX);
		return MEDSEC_ERR_KEY_MISMATCH;
	}
	return MEDSEC_OK;
}

int
device_tls_make_cert(struct medsec_keystore *ks, const char *device_id,
    char **pemp, size_t *lenp)
{
	uint8_t sk[MEDSEC_KEY_SECRET_MAX];
	struct medsec_x509_subject s;
	const char *dns[2], *ip[2];
	int r;

	tls_subject(device_id, &s, dns, ip);
	if ((r = tls_scalar(ks, sk)) != MEDSEC_OK)
		return r;
	r = medsec_x509_self_signed(sk, &s, MEDSEC_DEVICE_TLS_DAYS, pemp, lenp,
	    NULL, 0);
	medsec_wipe(sk, sizeof(sk));
	return r;
}

static int
cert_load(struct medsec_device *dev, char **certp, size_t *lenp)
{
	char *buf;
	int r;

	*certp = NULL;
	*lenp = 0;
	if ((buf = malloc(MEDSEC_X509_PEM_MAX + 1)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = medsec_db_meta_get(dev->db, DEVICE_TLS_META, buf,
	    MEDSEC_X509_PEM_MAX + 1)) != MEDSEC_OK) {
		free(buf);
		return r;
	}
	*lenp = strlen(buf);
	*certp = buf;
	return MEDSEC_OK;
}

static int
key_present(struct medsec_device *dev)
{
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen;

	return medsec_keystore_public(dev->ks, MEDSEC_DEVICE_TLS_KEY, pk,
	    &pklen, NULL) == MEDSEC_OK;
}

static int
store_cert(struct medsec_device *dev, const char *pem)
{
	int r;

	if ((r = medsec_db_begin(dev->db)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_meta_set(dev->db, DEVICE_TLS_META, pem)) !=
	    MEDSEC_OK) {
		if (medsec_db_rollback(dev->db) != MEDSEC_OK) {
			/* The write failed: nothing of it to keep. */
		}
		return r;
	}
	return medsec_db_commit(dev->db);
}

static int
record(struct medsec_device *dev, int event, const char *actor,
    const char *reason, const struct medsec_audit_detail *dd)
{
	struct medsec_audit_detail d = *dd;
	const char *details;
	struct medsec_audit_event_in ev;
	int r;

	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	ev.event = event;
	ev.actor = actor;
	ev.source = "local";
	ev.object = MEDSEC_DEVICE_TLS_KEY;
	ev.outcome = MEDSEC_AUDIT_SUCCESS;
	ev.reason = reason;
	ev.details = details;
	return medsec_audit_append(dev->audit, &ev, NULL);
}

/*
 * Makes what is missing: the key (sealed by the keystore), then the
 * certificate (stored in one transaction), then the record. A crash
 * between key and certificate leaves a key that the next call reuses.
 */
static int
ensure(struct medsec_device *dev)
{
	struct medsec_audit_detail d;
	char fp[MEDSEC_X509_FINGERPRINT_LEN];
	char *pem = NULL;
	size_t len = 0;
	int r, made_key = 0;

	if ((r = cert_load(dev, &pem, &len)) != MEDSEC_ERR_NOT_FOUND) {
		free(pem);
		return r;
	}
	if (dev->audit == NULL)
		return MEDSEC_ERR_READ_ONLY;
	if (!key_present(dev)) {
		if ((r = medsec_keystore_generate(dev->ks, MEDSEC_DEVICE_TLS_KEY,
		    MEDSEC_ALG_ECDSA_P256_SHA256, NULL)) != MEDSEC_OK)
			return r;
		made_key = 1;
	}
	if ((r = device_tls_make_cert(dev->ks, dev->device_id, &pem,
	    &len)) != MEDSEC_OK ||
	    (r = medsec_x509_fingerprint(pem, len, fp)) != MEDSEC_OK ||
	    (r = store_cert(dev, pem)) != MEDSEC_OK)
		goto out;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "alg", "ecdsa-p256-sha256");
	medsec_audit_detail_str(&d, "cert_sha256", fp);
	r = record(dev, MEDSEC_EV_KEY_GENERATED, "device", made_key ?
	    "TLS key and self-signed certificate made on first use" :
	    "self-signed certificate made for the existing TLS key", &d);
out:
	free(pem);
	return r;
}

static int
key_pem(struct medsec_device *dev, char **keyp, size_t *lenp)
{
	uint8_t sk[MEDSEC_KEY_SECRET_MAX];
	int r;

	if ((r = tls_scalar(dev->ks, sk)) != MEDSEC_OK)
		return r;
	r = medsec_x509_p256_key_pem(sk, keyp, lenp);
	medsec_wipe(sk, sizeof(sk));
	return r;
}

int
medsec_device_tls_credentials(struct medsec_device *dev, char **certp,
    size_t *cert_lenp, char **keyp, size_t *key_lenp)
{
	char *cert = NULL, *key = NULL;
	size_t clen = 0, klen = 0;
	int r;

	if (certp != NULL)
		*certp = NULL;
	if (keyp != NULL)
		*keyp = NULL;
	if (dev == NULL || certp == NULL || cert_lenp == NULL ||
	    keyp == NULL || key_lenp == NULL || dev->ks == NULL ||
	    dev->db == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = ensure(dev)) != MEDSEC_OK ||
	    (r = cert_load(dev, &cert, &clen)) != MEDSEC_OK ||
	    (r = key_pem(dev, &key, &klen)) != MEDSEC_OK) {
		medsec_device_tls_free(cert, key);
		return r;
	}
	*certp = cert;
	*cert_lenp = clen;
	*keyp = key;
	*key_lenp = klen;
	return MEDSEC_OK;
}

void
medsec_device_tls_free(char *cert, char *key)
{
	free(cert);
	/* Secure memory: sodium_free() wipes it before release. */
	medsec_secure_free(key);
}

int
medsec_device_tls_certificate(struct medsec_device *dev, char **certp,
    size_t *lenp)
{
	if (certp != NULL)
		*certp = NULL;
	if (dev == NULL || certp == NULL || lenp == NULL || dev->db == NULL)
		return MEDSEC_ERR_INVALID;
	return cert_load(dev, certp, lenp);
}

int
medsec_device_tls_csr(struct medsec_device *dev, char **pemp, size_t *lenp)
{
	uint8_t sk[MEDSEC_KEY_SECRET_MAX];
	struct medsec_x509_subject s;
	const char *dns[2], *ip[2];
	int r;

	if (pemp != NULL)
		*pemp = NULL;
	if (dev == NULL || pemp == NULL || lenp == NULL || dev->ks == NULL ||
	    dev->db == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = ensure(dev)) != MEDSEC_OK ||
	    (r = tls_scalar(dev->ks, sk)) != MEDSEC_OK)
		return r;
	tls_subject(dev->device_id, &s, dns, ip);
	r = medsec_x509_csr(sk, &s, pemp, lenp, NULL, 0);
	medsec_wipe(sk, sizeof(sk));
	return r;
}

static int
check_import(struct medsec_device *dev, const char *pem, size_t len,
    char *err, size_t errlen)
{
	uint8_t sk[MEDSEC_KEY_SECRET_MAX];
	int r;

	if (len == 0 || memchr(pem, '\0', len) != NULL) {
		snprintf(err, errlen, "not a PEM certificate: empty, or a NUL "
		    "byte in the text");
		return MEDSEC_ERR_FORMAT;
	}
	if ((r = tls_scalar(dev->ks, sk)) != MEDSEC_OK) {
		snprintf(err, errlen, "the device TLS key: %s",
		    medsec_strerror(r));
		return r;
	}
	r = medsec_x509_check_for_key(pem, len, sk, err, errlen);
	medsec_wipe(sk, sizeof(sk));
	return r;
}

int
medsec_device_tls_import(struct medsec_device *dev, const char *pem,
    size_t len, const char *actor, char *err, size_t errlen)
{
	char oldfp[MEDSEC_X509_FINGERPRINT_LEN], newfp[MEDSEC_X509_FINGERPRINT_LEN];
	char why[256], *text = NULL, *old = NULL;
	struct medsec_audit_detail d;
	size_t oldlen = 0;
	int r;

	why[0] = '\0';
	if (dev == NULL || pem == NULL || dev->ks == NULL || dev->db == NULL) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = ensure(dev)) != MEDSEC_OK ||
	    (r = check_import(dev, pem, len, why, sizeof(why))) != MEDSEC_OK)
		goto out;
	r = MEDSEC_ERR_NOMEM;
	if ((text = malloc(len + 1)) == NULL)
		goto out;
	memcpy(text, pem, len);
	text[len] = '\0';
	if ((r = cert_load(dev, &old, &oldlen)) != MEDSEC_OK ||
	    (r = medsec_x509_fingerprint(old, oldlen, oldfp)) != MEDSEC_OK ||
	    (r = medsec_x509_fingerprint(text, len, newfp)) != MEDSEC_OK ||
	    (r = store_cert(dev, text)) != MEDSEC_OK)
		goto out;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "old_cert_sha256", oldfp);
	medsec_audit_detail_str(&d, "cert_sha256", newfp);
	r = record(dev, MEDSEC_EV_KEY_ROTATED, actor != NULL ? actor : "local",
	    "TLS certificate replaced by an imported CA-signed one", &d);
out:
	if (r != MEDSEC_OK && err != NULL && errlen > 0)
		snprintf(err, errlen, "TLS certificate import: %s",
		    why[0] != '\0' ? why : medsec_strerror(r));
	free(text);
	free(old);
	return r;
}
