/*
 * Peers (MFDS 1.5, 1.6): client certificates on the mutual-TLS
 * listener, the revocation list and CRL, and what a finished or failed
 * handshake tells the daemon.
 *
 * OpenSSL verifies the chain against the peer CA file, the validity
 * dates, the clientAuth purpose (the default purpose of a server's
 * verification: a serverAuth-only certificate fails with "unsupported
 * certificate purpose") and, with a CRL, the leaf's revocation. The
 * verify callback adds medsec's own revocation list, by exact SHA-256
 * fingerprint, at depth 0, and fails the handshake with the
 * certificate_revoked alert.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "medsec/err.h"
#include "medsec/revocation.h"
#include "channel/channel_int.h"

/* SSL app data marking a handshake the revocation list refused. */
static const char revoked_by_list = 'r';

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 64 lowercase hex digits to 32 bytes; -1 if it is not that. */
static int
hex_digest(const char *hex, uint8_t out[CHANNEL_DIGEST_LEN])
{
	int hi, lo;
	size_t i;

	if (strlen(hex) != 2 * CHANNEL_DIGEST_LEN)
		return -1;
	for (i = 0; i < CHANNEL_DIGEST_LEN; i++) {
		if ((hi = hex_nibble(hex[2 * i])) < 0 ||
		    (lo = hex_nibble(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int
digest_cmp(const void *a, const void *b)
{
	/* Fingerprints of public certificates: no secret to time. */
	return memcmp(a, b, CHANNEL_DIGEST_LEN);
}

struct collect {
	struct channel_revoked *set;
	size_t cap;
};

static int
collect_one(const struct medsec_revoked *rv, void *ctx)
{
	struct collect *c = ctx;
	uint8_t (*grown)[CHANNEL_DIGEST_LEN];
	size_t cap;

	if (c->set->n == c->cap) {
		cap = c->cap == 0 ? 16 : c->cap * 2;
		if ((grown = realloc(c->set->digests, cap *
		    sizeof(*grown))) == NULL)
			return MEDSEC_ERR_NOMEM;
		c->set->digests = grown;
		c->cap = cap;
	}
	if (hex_digest(rv->cert_sha256, c->set->digests[c->set->n]) != 0)
		return MEDSEC_ERR_FORMAT;
	c->set->n++;
	return MEDSEC_OK;
}

void
channel_revoked_clear(struct channel_revoked *r)
{
	free(r->digests);
	r->digests = NULL;
	r->n = 0;
}

int
channel_revoked_parse(const char *text, size_t len,
    struct channel_revoked *out, char *err, size_t errlen)
{
	struct channel_revoked set = { NULL, 0 };
	struct collect c = { &set, 0 };
	char why[256];
	int r;

	if (text == NULL || len == 0) {
		*out = set;
		return MEDSEC_OK;
	}
	why[0] = '\0';
	if ((r = medsec_revocation_parse(text, len, collect_one, &c, why,
	    sizeof(why))) != MEDSEC_OK) {
		channel_revoked_clear(&set);
		return channel_err(err, errlen, r == MEDSEC_ERR_NOMEM ? r :
		    MEDSEC_ERR_CONFIG, "revocation list: %s", why[0] != '\0' ?
		    why : medsec_strerror(r));
	}
	if (set.n > 1)
		qsort(set.digests, set.n, sizeof(*set.digests), digest_cmp);
	*out = set;
	return MEDSEC_OK;
}

static int
is_revoked(const struct channel_revoked *set,
    const uint8_t digest[CHANNEL_DIGEST_LEN])
{
	return set->n > 0 && bsearch(digest, set->digests, set->n,
	    sizeof(*set->digests), digest_cmp) != NULL;
}

int
medsec_channel_peer_revoked(const struct medsec_channel *ch,
    const char *fingerprint_hex)
{
	uint8_t d[CHANNEL_DIGEST_LEN];

	if (ch == NULL || fingerprint_hex == NULL ||
	    hex_digest(fingerprint_hex, d) != 0)
		return MEDSEC_ERR_INVALID;
	return is_revoked(&ch->revoked, d) ? MEDSEC_ERR_DISABLED : MEDSEC_OK;
}

int
channel_leaf_digest(X509 *x, uint8_t d[CHANNEL_DIGEST_LEN])
{
	unsigned int n = 0;

	return X509_digest(x, EVP_sha256(), d, &n) == 1 &&
	    n == CHANNEL_DIGEST_LEN ? 0 : -1;
}

static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	uint8_t d[CHANNEL_DIGEST_LEN];
	struct medsec_channel *ch;
	SSL *ssl;

	if (!ok || X509_STORE_CTX_get_error_depth(xs) != 0)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	ch = ssl != NULL ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
	/* No channel or no digest: nothing to check against, so refuse. */
	if (ch == NULL || channel_leaf_digest(X509_STORE_CTX_get_current_cert(xs),
	    d) != 0) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	if (is_revoked(&ch->revoked, d)) {
		SSL_set_app_data(ssl, (void *)(uintptr_t)&revoked_by_list);
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REVOKED);
		return 0;
	}
	return 1;
}

static int
load_crls(X509_STORE *store, const char *path, size_t *np, char *err,
    size_t errlen)
{
	X509_CRL *crl;
	BIO *b;
	size_t n = 0;
	int r = MEDSEC_OK;

	if ((b = BIO_new_file(path, "r")) == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "crl_file '%s': cannot open it", path);
	while (r == MEDSEC_OK &&
	    (crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_crl(store, crl) != 1)
			r = MEDSEC_ERR_CONFIG;
		X509_CRL_free(crl);
		n++;
	}
	BIO_free(b);
	ERR_clear_error();
	if (n == 0 || r != MEDSEC_OK)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "crl_file '%s': no PEM CRL that OpenSSL accepts", path);
	*np = n;
	return MEDSEC_OK;
}

/* A store of the peer CAs and the CRL, built whole before it is used. */
static int
build_store(const struct medsec_channel *ch, X509_STORE **storep,
    size_t *ncrlp, char *err, size_t errlen)
{
	X509_STORE *store;
	int r;

	*ncrlp = 0;
	if ((store = X509_STORE_new()) == NULL)
		return MEDSEC_ERR_NOMEM;
	if (X509_STORE_load_file(store, ch->ca_file) != 1) {
		ERR_clear_error();
		X509_STORE_free(store);
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "peer_ca_file '%s': no PEM CA certificate could be loaded",
		    ch->ca_file);
	}
	if (ch->crl_file[0] != '\0') {
		if ((r = load_crls(store, ch->crl_file, ncrlp, err, errlen)) !=
		    MEDSEC_OK) {
			X509_STORE_free(store);
			return r;
		}
		/* The leaf's issuer must have a CRL: none is a failure. */
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	*storep = store;
	return MEDSEC_OK;
}

static int
copy_path(char *out, const char *in, const char *setting, char *err,
    size_t errlen)
{
	if (in == NULL || in[0] == '\0') {
		out[0] = '\0';
		return MEDSEC_OK;
	}
	if (strlen(in) >= CHANNEL_PATH_MAX)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "%s: path "
		    "longer than %d bytes", setting, CHANNEL_PATH_MAX - 1);
	memcpy(out, in, strlen(in) + 1);
	return MEDSEC_OK;
}

static int
client_ca_names(struct medsec_channel *ch, char *err, size_t errlen)
{
	STACK_OF(X509_NAME) *names;

	if ((names = SSL_load_client_CA_file(ch->ca_file)) == NULL) {
		ERR_clear_error();
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "peer_ca_file '%s': no PEM CA certificate in it",
		    ch->ca_file);
	}
	SSL_CTX_set_client_CA_list(ch->ctx, names);
	return MEDSEC_OK;
}

int
channel_peer_setup(struct medsec_channel *ch,
    const struct medsec_channel_options *o, char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "medsec-peer";
	X509_STORE *store = NULL;
	int r;

	if ((r = channel_revoked_parse(o->revocation_text, o->revocation_len,
	    &ch->revoked, err, errlen)) != MEDSEC_OK)
		return r;
	if (!o->require_client_cert)
		return MEDSEC_OK;
	ch->require_client_cert = 1;
	if (o->peer_ca_file == NULL || o->peer_ca_file[0] == '\0')
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "peer_ca_file: required for client certificates");
	if ((r = copy_path(ch->ca_file, o->peer_ca_file, "tls.peer_ca_file",
	    err, errlen)) != MEDSEC_OK ||
	    (r = copy_path(ch->crl_file, o->crl_file, "tls.crl_file", err,
	    errlen)) != MEDSEC_OK ||
	    (r = client_ca_names(ch, err, errlen)) != MEDSEC_OK ||
	    (r = build_store(ch, &store, &ch->ncrl, err, errlen)) != MEDSEC_OK)
		return r;
	SSL_CTX_set_cert_store(ch->ctx, store);
	SSL_CTX_set_verify(ch->ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	SSL_CTX_set_verify_depth(ch->ctx, 4);
	/*
	 * No resumption: a resumed session skips verification, and every
	 * connection must face the revocation list in force.
	 */
	SSL_CTX_set_session_cache_mode(ch->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ch->ctx, SSL_OP_NO_TICKET);
	if (SSL_CTX_set_num_tickets(ch->ctx, 0) != 1 ||
	    SSL_CTX_set_session_id_context(ch->ctx, sid_ctx,
	    sizeof(sid_ctx) - 1) != 1)
		return channel_err(err, errlen, MEDSEC_ERR_CRYPTO, "OpenSSL "
		    "refused the session settings");
	return MEDSEC_OK;
}

int
medsec_channel_reload_revocation(struct medsec_channel *ch,
    const char *text, size_t len, char *err, size_t errlen)
{
	struct channel_revoked set;
	X509_STORE *store = NULL;
	size_t ncrl = 0;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (ch == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = channel_revoked_parse(text, len, &set, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	if (ch->require_client_cert &&
	    (r = build_store(ch, &store, &ncrl, err, errlen)) != MEDSEC_OK) {
		channel_revoked_clear(&set);
		return r;
	}
	if (store != NULL) {
		SSL_CTX_set_cert_store(ch->ctx, store);
		ch->ncrl = ncrl;
	}
	channel_revoked_clear(&ch->revoked);
	ch->revoked = set;
	return MEDSEC_OK;
}

int
medsec_channel_set_revocation_list(struct medsec_channel *ch,
    const char *text, size_t len, char *err, size_t errlen)
{
	struct channel_revoked set;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (ch == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = channel_revoked_parse(text, len, &set, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	channel_revoked_clear(&ch->revoked);
	ch->revoked = set;
	return MEDSEC_OK;
}

int
medsec_channel_peer_fingerprint(struct bufferevent *bev,
    char hex[MEDSEC_CHANNEL_FINGERPRINT_LEN])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[CHANNEL_DIGEST_LEN];
	X509 *peer;
	SSL *ssl;
	size_t i;

	if (hex == NULL)
		return MEDSEC_ERR_INVALID;
	hex[0] = '\0';
	if (bev == NULL || (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return MEDSEC_ERR_INVALID;
	if ((peer = SSL_get0_peer_certificate(ssl)) == NULL)
		return MEDSEC_ERR_NOT_FOUND;
	if (channel_leaf_digest(peer, d) != 0)
		return MEDSEC_ERR_CRYPTO;
	for (i = 0; i < CHANNEL_DIGEST_LEN; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * CHANNEL_DIGEST_LEN] = '\0';
	return MEDSEC_OK;
}

static const char *
verify_reason(const SSL *ssl, long vr)
{
	switch (vr) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "certificate expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "certificate not yet valid";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return "unknown CA";
	case X509_V_ERR_INVALID_PURPOSE:
		return "wrong certificate usage (no clientAuth)";
	case X509_V_ERR_CERT_REVOKED:
		return SSL_get_app_data(ssl) == &revoked_by_list ?
		    "revoked (revocation list)" : "revoked (CRL)";
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return "no CRL for the certificate's issuer";
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return "CRL expired";
	default:
		return NULL;
	}
}

static const char *
ssl_reason(unsigned long e)
{
	switch (ERR_GET_REASON(e)) {
	case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
		return "no client certificate";
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_VERSION_TOO_LOW:
	case SSL_R_VERSION_TOO_HIGH:
		return "protocol version";
	case SSL_R_NO_SHARED_CIPHER:
		return "no shared cipher suite";
	case SSL_R_NO_SUITABLE_KEY_SHARE:
	case SSL_R_NO_SHARED_GROUPS:
		return "no shared group";
	case SSL_R_HTTP_REQUEST:
	case SSL_R_HTTPS_PROXY_REQUEST:
		return "plain HTTP on a TLS port";
	case SSL_R_UNEXPECTED_EOF_WHILE_READING:
		return "closed during the handshake";
	default:
		return NULL;
	}
}

void
channel_failure_reason(const SSL *ssl, unsigned long e, int alert_received,
    char *buf, size_t len)
{
	const char *why;
	long vr;

	if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		if ((why = verify_reason(ssl, vr)) != NULL)
			snprintf(buf, len, "%s", why);
		else
			snprintf(buf, len, "certificate refused: %s",
			    X509_verify_cert_error_string(vr));
	} else if (alert_received != 0)
		snprintf(buf, len, "the client ended the handshake: alert %d "
		    "(%s)", alert_received,
		    SSL_alert_desc_string_long(alert_received));
	else if ((why = ssl_reason(e)) != NULL)
		snprintf(buf, len, "%s", why);
	else if (e != 0)
		snprintf(buf, len, "TLS error: %s",
		    ERR_reason_error_string(e) != NULL ?
		    ERR_reason_error_string(e) : "unknown");
	else
		snprintf(buf, len, "closed during the handshake");
}

void
medsec_channel_failure(struct bufferevent *bev, char *buf, size_t len)
{
	const char *why = NULL;
	unsigned long e, first = 0;
	SSL *ssl;
	long vr;

	if (buf == NULL || len == 0)
		return;
	if (bev == NULL || (ssl = bufferevent_openssl_get_ssl(bev)) == NULL) {
		snprintf(buf, len, "not a TLS connection");
		return;
	}
	if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK &&
	    (why = verify_reason(ssl, vr)) == NULL)
		snprintf(buf, len, "certificate refused: %s",
		    X509_verify_cert_error_string(vr));
	while (why == NULL && vr == X509_V_OK &&
	    (e = bufferevent_get_openssl_error(bev)) != 0) {
		if (first == 0)
			first = e;
		why = ssl_reason(e);
	}
	if (why != NULL)
		snprintf(buf, len, "%s", why);
	else if (vr != X509_V_OK)
		return; /* the verify error, written above */
	else if (first != 0)
		snprintf(buf, len, "TLS error: %s",
		    ERR_reason_error_string(first) != NULL ?
		    ERR_reason_error_string(first) : "unknown");
	else
		snprintf(buf, len, "closed during the handshake");
}

void
medsec_channel_describe_session(struct bufferevent *bev, char *buf,
    size_t len)
{
	const SSL_CIPHER *c;
	const char *group = NULL;
	SSL *ssl;
	int nid;

	if (buf == NULL || len == 0)
		return;
	if (bev == NULL || (ssl = bufferevent_openssl_get_ssl(bev)) == NULL ||
	    (c = SSL_get_current_cipher(ssl)) == NULL) {
		snprintf(buf, len, "no TLS session");
		return;
	}
	nid = SSL_get_negotiated_group(ssl);
	if (nid != NID_undef)
		group = SSL_group_to_name(ssl, nid);
	snprintf(buf, len, "%s %s %s", SSL_get_version(ssl),
	    SSL_CIPHER_get_name(c), group != NULL ? group : "-");
}
