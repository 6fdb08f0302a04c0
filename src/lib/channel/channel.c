/*
 * TLS server contexts (MFDS 1.15, 1.16, 1.17). medsec_channel_new()
 * checks every setting against the policy (channel_policy.c) before the
 * context exists, so a daemon refuses to start with a weak setting
 * rather than serve with it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "channel/channel_int.h"

int
channel_err(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int
pick_profile(struct medsec_channel *ch, const char *name, char *err,
    size_t errlen)
{
	const struct medsec_crypto_profile *p;

	if (name == NULL || name[0] == '\0')
		name = "approved";
	if (medsec_crypto_profile_by_name(name, &p) != MEDSEC_OK)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "crypto."
		    "profile: '%.40s' is not a profile (approved, kcmvp)",
		    name);
	ch->kcmvp = strcmp(p->name, "kcmvp") == 0;
	return MEDSEC_OK;
}

/* The server certificate, then the rest of the chain, from one text. */
static int
load_certs(SSL_CTX *ctx, const char *pem, size_t len, char *err,
    size_t errlen)
{
	X509 *x;
	BIO *b;
	int n = 0, ok = 1, r = MEDSEC_OK;

	if (pem == NULL || len == 0 || len > (64u << 10))
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.cert: "
		    "no server certificate, or one over 64 KiB");
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return MEDSEC_ERR_NOMEM;
	while (ok && r == MEDSEC_OK &&
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (n++ == 0) {
			/* The policy's refusal says why, in err. */
			if ((r = channel_policy_cert(x, err, errlen)) ==
			    MEDSEC_OK)
				ok = SSL_CTX_use_certificate(ctx, x) == 1;
			X509_free(x);
		} else if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			ok = 0;
		}
	}
	BIO_free(b);
	ERR_clear_error();
	if (r != MEDSEC_OK)
		return r;
	if (n == 0 || !ok)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.cert: "
		    "not a PEM certificate (chain) that OpenSSL accepts");
	return MEDSEC_OK;
}

static int
load_key(SSL_CTX *ctx, const char *pem, size_t len, char *err,
    size_t errlen)
{
	EVP_PKEY *key = NULL;
	BIO *b;
	int ok, parsed;

	if (pem == NULL || len == 0 || len > (64u << 10))
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.key: "
		    "no private key");
	/* Reads the caller's buffer in place: no copy of the key to wipe. */
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return MEDSEC_ERR_NOMEM;
	key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	parsed = key != NULL;
	/* libssl refuses a key that does not match the certificate here. */
	ok = parsed && SSL_CTX_use_PrivateKey(ctx, key) == 1;
	EVP_PKEY_free(key);
	ERR_clear_error();
	if (!parsed)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.key: "
		    "not an unencrypted PEM private key that OpenSSL accepts");
	if (!ok)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.key: "
		    "the private key does not belong to the certificate");
	return MEDSEC_OK;
}

/* What holds whatever the options say (channel.h, "Policy"). */
static int
fixed_policy(struct medsec_channel *ch)
{
	SSL_CTX *ctx = ch->ctx;

	/*
	 * NO_RENEGOTIATION refuses both sides' renegotiation (a client's
	 * is refused by OpenSSL 3 anyway unless ALLOW_CLIENT_RENEGOTIATION
	 * is set, which is cleared here to say so).
	 */
	SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* 0-RTT data is replayable: none is accepted. */
	if (SSL_CTX_set_max_early_data(ctx, 0) != 1 ||
	    SSL_CTX_set_recv_max_early_data(ctx, 0) != 1 ||
	    SSL_CTX_set_min_proto_version(ctx, ch->min_version) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, ch->max_version) != 1)
		return MEDSEC_ERR_CRYPTO;
	return MEDSEC_OK;
}

static int
build(struct medsec_channel *ch, const struct medsec_channel_options *o,
    char *err, size_t errlen)
{
	int r;

	if ((r = pick_profile(ch, o->crypto_profile, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = channel_policy_versions(ch, o->min_version, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	if ((ch->ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_NOMEM, "out of "
		    "memory for a TLS context");
	SSL_CTX_set_app_data(ch->ctx, ch);
	ch->handshake_timeout = o->handshake_timeout;
	medsec_channel_set_linger(ch, MEDSEC_CHANNEL_LINGER_MAX,
	    MEDSEC_CHANNEL_LINGER_SECONDS, MEDSEC_CHANNEL_LINGER_BYTES);
	if ((r = channel_conn_setup(ch)) != MEDSEC_OK)
		return channel_err(err, errlen, r, "OpenSSL refused the "
		    "connection state slot");
	if ((r = fixed_policy(ch)) != MEDSEC_OK)
		return channel_err(err, errlen, r, "OpenSSL refused the fixed "
		    "TLS policy");
	if ((r = channel_policy_groups(ch, o->groups, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = channel_policy_suites(ch, o->ciphersuites, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = channel_policy_ciphers12(ch, o->ciphers12, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = load_certs(ch->ctx, o->cert_pem, o->cert_len, err,
	    errlen)) != MEDSEC_OK ||
	    (r = load_key(ch->ctx, o->key_pem, o->key_len, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = channel_policy_credentials(ch->ctx, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	return channel_peer_setup(ch, o, err, errlen);
}

int
medsec_channel_new(const struct medsec_channel_options *o,
    struct medsec_channel **chp, char *err, size_t errlen)
{
	struct medsec_channel *ch;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (chp != NULL)
		*chp = NULL;
	if (o == NULL || chp == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_INVALID, "no "
		    "channel options");
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return channel_err(err, errlen, r, "crypto library: %s",
		    medsec_strerror(r));
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_NOMEM, "out of "
		    "memory");
	if ((r = build(ch, o, err, errlen)) != MEDSEC_OK) {
		medsec_channel_free(ch);
		ERR_clear_error();
		return r;
	}
	*chp = ch;
	return MEDSEC_OK;
}

void
medsec_channel_free(struct medsec_channel *ch)
{
	if (ch == NULL)
		return;
	channel_conn_detach(ch);
	channel_linger_close_all(ch);
	if (ch->ctx != NULL)
		SSL_CTX_set_app_data(ch->ctx, NULL);
	SSL_CTX_free(ch->ctx);
	channel_revoked_clear(&ch->revoked);
	free(ch);
}

void
medsec_channel_describe(const struct medsec_channel *ch, char *buf,
    size_t len)
{
	const char *versions, *note = "";
	char peers[2200];

	if (buf == NULL || len == 0)
		return;
	if (ch == NULL) {
		snprintf(buf, len, "no TLS");
		return;
	}
	versions = ch->min_version == TLS1_3_VERSION ? "TLS 1.3 only" :
	    ch->max_version == TLS1_2_VERSION ? "TLS 1.2 only" :
	    "TLS 1.3 and 1.2";
	if (ch->kcmvp)
		note = ch->max_version == TLS1_2_VERSION ? "; profile kcmvp: "
		    "ARIA-GCM suites over TLS 1.2 (TLS 1.3 defines no ARIA "
		    "suite)" : "; profile kcmvp: TLS 1.3 with AES-GCM, which "
		    "is not KCMVP-listed (TLS 1.3 defines no ARIA suite)";
	if (ch->require_client_cert)
		snprintf(peers, sizeof(peers), "client certificates required "
		    "(CA %.1000s, CRL %.1000s, %zu fingerprints revoked)", ch->ca_file,
		    ch->crl_file[0] != '\0' ? ch->crl_file : "none",
		    ch->revoked.n);
	else
		snprintf(peers, sizeof(peers), "no client certificates");
	snprintf(buf, len, "%s; suites %s%s%s; groups %s; no compression, "
	    "renegotiation or 0-RTT; %s%s", versions,
	    ch->max_version == TLS1_3_VERSION ? ch->suites : "",
	    ch->min_version == TLS1_2_VERSION &&
	    ch->max_version == TLS1_3_VERSION ? ":" : "",
	    ch->min_version == TLS1_2_VERSION ? ch->ciphers12 : "",
	    ch->groups, peers, note);
}
