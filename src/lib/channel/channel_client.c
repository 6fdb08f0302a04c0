/*
 * TLS client contexts and sessions (channel.h, "Client side"): the
 * device calling out to a receiver it knows in advance, such as the
 * hospital's syslog collector. The same policy as the server side
 * (channel_policy.c), a client certificate for mutual TLS, the
 * receiver's CA, and the receiver's certificate pinned by configuration:
 * the pin is checked inside certificate verification, so a receiver
 * with another certificate is refused before our certificate, let alone
 * a record, is sent to it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <time.h>
#include <unistd.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "channel/channel_int.h"

#define PIN_CERT_PREFIX "cert-sha256:"
#define PIN_SPKI_PREFIX "spki-sha256:"
#define CLIENT_NAME_MAX 256

struct medsec_channel_client {
	struct medsec_channel ch; /* policy in canonical form, and ctx */
	int pin_spki;		  /* the pin names the public key */
	uint8_t pin[CHANNEL_DIGEST_LEN];
	char pin_text[MEDSEC_CHANNEL_PIN_LEN];
	char server_name[CLIENT_NAME_MAX];
	unsigned timeout;
	char last_seen[MEDSEC_CHANNEL_PIN_LEN]; /* at the last handshake */
};

struct medsec_channel_session {
	struct medsec_channel_client *c;
	SSL *ssl;
	int fd;
	int pin_mismatch;
	char seen[MEDSEC_CHANNEL_PIN_LEN]; /* the receiver's, as pinned */
};

static int
hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
medsec_channel_pin_parse(const char *text, int *spkip,
    uint8_t digest[32], char *err, size_t errlen)
{
	const char *hex;
	size_t i, n = 0;
	int hi, lo;

	if (text == NULL || text[0] == '\0')
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "pin: "
		    "empty; the receiver's certificate must be pinned");
	if (strncmp(text, PIN_CERT_PREFIX, strlen(PIN_CERT_PREFIX)) == 0) {
		*spkip = 0;
		hex = text + strlen(PIN_CERT_PREFIX);
	} else if (strncmp(text, PIN_SPKI_PREFIX,
	    strlen(PIN_SPKI_PREFIX)) == 0) {
		*spkip = 1;
		hex = text + strlen(PIN_SPKI_PREFIX);
	} else {
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "pin: "
		    "'%.40s' starts with neither " PIN_CERT_PREFIX " nor "
		    PIN_SPKI_PREFIX, text);
	}
	/* Hex digits, optionally in colon-separated pairs as openssl
	 * x509 -fingerprint prints them. */
	for (i = 0; hex[i] != '\0'; i++) {
		if (hex[i] == ':' && i % 3 == 2)
			continue;
		if (n >= 2 * CHANNEL_DIGEST_LEN || hex_value(hex[i]) < 0)
			break;
		n++;
	}
	if (hex[i] != '\0' || n != 2 * CHANNEL_DIGEST_LEN)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "pin: "
		    "'%.100s' is not a SHA-256 digest (64 hex digits)", text);
	for (i = 0, n = 0; n < CHANNEL_DIGEST_LEN; n++) {
		if (hex[i] == ':')
			i++;
		hi = hex_value(hex[i]);
		lo = hex_value(hex[i + 1]);
		digest[n] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return MEDSEC_OK;
}

static void
pin_format(int spki, const uint8_t d[CHANNEL_DIGEST_LEN],
    char out[MEDSEC_CHANNEL_PIN_LEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t i, off;

	off = (size_t)snprintf(out, MEDSEC_CHANNEL_PIN_LEN, "%s",
	    spki ? PIN_SPKI_PREFIX : PIN_CERT_PREFIX);
	for (i = 0; i < CHANNEL_DIGEST_LEN; i++) {
		out[off++] = digits[d[i] >> 4];
		out[off++] = digits[d[i] & 15];
	}
	out[off] = '\0';
}

/* SHA-256 of the certificate (DER) or of its SubjectPublicKeyInfo. */
static int
pin_digest(X509 *x, int spki, uint8_t d[CHANNEL_DIGEST_LEN])
{
	unsigned char *der = NULL;
	unsigned int dlen = 0;
	int len, ok;

	if (!spki)
		return channel_leaf_digest(x, d);
	if ((len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der)) <= 0)
		return MEDSEC_ERR_CRYPTO;
	ok = EVP_Digest(der, (size_t)len, d, &dlen, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return ok == 1 && dlen == CHANNEL_DIGEST_LEN ? MEDSEC_OK :
	    MEDSEC_ERR_CRYPTO;
}

/*
 * Certificate verification: the chain as OpenSSL checked it, then, for
 * the receiver's own certificate, the pin. A mismatch ends the handshake
 * here, before the client's certificate leaves.
 */
static int
verify_pin(int preverify_ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct medsec_channel_session *s = ssl != NULL ?
	    SSL_get_app_data(ssl) : NULL;
	uint8_t d[CHANNEL_DIGEST_LEN];
	X509 *x = X509_STORE_CTX_get_current_cert(xs);

	if (s == NULL || X509_STORE_CTX_get_error_depth(xs) != 0)
		return preverify_ok;
	if (x == NULL || pin_digest(x, s->c->pin_spki, d) != MEDSEC_OK) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	pin_format(s->c->pin_spki, d, s->seen);
	if (CRYPTO_memcmp(d, s->c->pin, sizeof(d)) != 0) {
		s->pin_mismatch = 1;
		X509_STORE_CTX_set_error(xs,
		    X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	return preverify_ok;
}

static int
client_credentials(struct medsec_channel_client *c,
    const struct medsec_channel_client_options *o, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	BIO *b = NULL;
	int r = MEDSEC_ERR_CONFIG;

	if (o->cert_pem == NULL || o->cert_len == 0 || o->cert_len >
	    (64u << 10) || o->key_pem == NULL || o->key_len == 0 ||
	    o->key_len > (64u << 10))
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "cert_file, "
		    "key_file: a client certificate and its key are needed "
		    "for mutual TLS");
	if ((b = BIO_new_mem_buf(o->cert_pem, (int)o->cert_len)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		channel_err(err, errlen, r, "cert_file: not a PEM "
		    "certificate that OpenSSL accepts");
		goto out;
	}
	if ((r = channel_policy_cert(x, err, errlen)) != MEDSEC_OK)
		goto out;
	if (SSL_CTX_use_certificate(c->ch.ctx, x) != 1) {
		r = channel_err(err, errlen, MEDSEC_ERR_CONFIG, "cert_file: "
		    "OpenSSL refused the client certificate");
		goto out;
	}
	BIO_free(b);
	/* Reads the caller's buffer in place: no copy of the key to wipe. */
	if ((b = BIO_new_mem_buf(o->key_pem, (int)o->key_len)) == NULL ||
	    (key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_PrivateKey(c->ch.ctx, key) != 1) {
		r = channel_err(err, errlen, MEDSEC_ERR_CONFIG, "key_file: not "
		    "an unencrypted PEM private key of the client certificate");
		goto out;
	}
	r = channel_policy_credentials(c->ch.ctx, err, errlen);
out:
	EVP_PKEY_free(key);
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return r;
}

static int
client_policy(struct medsec_channel_client *c,
    const struct medsec_channel_client_options *o, char *err, size_t errlen)
{
	struct medsec_channel *ch = &c->ch;
	int r;

	if ((r = channel_policy_versions(ch, o->min_version, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	if ((ch->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_NOMEM, "out of "
		    "memory for a TLS context");
	SSL_CTX_set_options(ch->ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ch->ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_min_proto_version(ch->ctx, ch->min_version) != 1 ||
	    SSL_CTX_set_max_proto_version(ch->ctx, ch->max_version) != 1)
		return channel_err(err, errlen, MEDSEC_ERR_CRYPTO, "OpenSSL "
		    "refused the TLS versions");
	if ((r = channel_policy_groups(ch, o->groups, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = channel_policy_suites(ch, o->ciphersuites, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = channel_policy_ciphers12(ch, o->ciphers12, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	if (o->ca_file == NULL || o->ca_file[0] == '\0' ||
	    SSL_CTX_load_verify_locations(ch->ctx, o->ca_file, NULL) != 1) {
		ERR_clear_error();
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "ca_file: "
		    "'%.200s' is not a readable PEM CA bundle",
		    o->ca_file != NULL ? o->ca_file : "");
	}
	SSL_CTX_set_verify(ch->ctx, SSL_VERIFY_PEER, verify_pin);
	return MEDSEC_OK;
}

static int
client_build(struct medsec_channel_client *c,
    const struct medsec_channel_client_options *o, char *err, size_t errlen)
{
	const struct medsec_crypto_profile *p;
	const char *profile = o->crypto_profile != NULL &&
	    o->crypto_profile[0] != '\0' ? o->crypto_profile : "approved";
	int r;

	if (medsec_crypto_profile_by_name(profile, &p) != MEDSEC_OK)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "crypto."
		    "profile: '%.40s' is not a profile (approved, kcmvp)",
		    profile);
	c->ch.kcmvp = strcmp(p->name, "kcmvp") == 0;
	if ((r = medsec_channel_pin_parse(o->pin, &c->pin_spki, c->pin, err,
	    errlen)) != MEDSEC_OK)
		return r;
	pin_format(c->pin_spki, c->pin, c->pin_text);
	if (o->server_name != NULL && strlen(o->server_name) >=
	    sizeof(c->server_name))
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG,
		    "server_name: longer than %zu bytes",
		    sizeof(c->server_name) - 1);
	if (o->server_name != NULL)
		snprintf(c->server_name, sizeof(c->server_name), "%s",
		    o->server_name);
	c->timeout = o->timeout;
	if ((r = client_policy(c, o, err, errlen)) != MEDSEC_OK)
		return r;
	return client_credentials(c, o, err, errlen);
}

int
medsec_channel_client_new(const struct medsec_channel_client_options *o,
    struct medsec_channel_client **cp, char *err, size_t errlen)
{
	struct medsec_channel_client *c;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (cp != NULL)
		*cp = NULL;
	if (o == NULL || cp == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_INVALID, "no "
		    "client options");
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return channel_err(err, errlen, r, "crypto library: %s",
		    medsec_strerror(r));
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_NOMEM, "out of "
		    "memory");
	if ((r = client_build(c, o, err, errlen)) != MEDSEC_OK) {
		medsec_channel_client_free(c);
		ERR_clear_error();
		return r;
	}
	*cp = c;
	return MEDSEC_OK;
}

void
medsec_channel_client_free(struct medsec_channel_client *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ch.ctx);
	free(c);
}

const char *
medsec_channel_client_pin(const struct medsec_channel_client *c)
{
	return c != NULL ? c->pin_text : "";
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until the socket is ready for what OpenSSL asked (ssl_err), or
 * the deadline (-1: none) passes: MEDSEC_OK, MEDSEC_ERR_IO.
 */
static int
wait_for(int fd, int ssl_err, int64_t deadline)
{
	struct pollfd p = { fd, ssl_err == SSL_ERROR_WANT_WRITE ? POLLOUT :
		POLLIN, 0 };
	int ms, n;

	for (;;) {
		ms = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && ms <= 0)
			return MEDSEC_ERR_IO;
		n = poll(&p, 1, ms);
		if (n > 0)
			return MEDSEC_OK;
		if (n == 0 || errno != EINTR)
			return MEDSEC_ERR_IO;
	}
}

static int64_t
deadline_of(const struct medsec_channel_client *c)
{
	return c->timeout > 0 ? now_ms() + (int64_t)c->timeout * 1000 : -1;
}

static int
handshake_failed(struct medsec_channel_session *s, int e, char *err,
    size_t errlen)
{
	unsigned long lib = ERR_peek_last_error();
	long vr = SSL_get_verify_result(s->ssl);
	char why[256];

	if (s->pin_mismatch)
		return channel_err(err, errlen, MEDSEC_ERR_AUTH, "receiver "
		    "certificate does not match the pin: got %s, pinned %s",
		    s->seen, s->c->pin_text);
	if (vr != X509_V_OK)
		snprintf(why, sizeof(why), "receiver certificate refused: %s",
		    X509_verify_cert_error_string(vr));
	else if (lib != 0)
		snprintf(why, sizeof(why), "%s",
		    ERR_reason_error_string(lib) != NULL ?
		    ERR_reason_error_string(lib) : "TLS error");
	else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
		snprintf(why, sizeof(why), "the receiver closed the "
		    "connection during the handshake");
	else
		snprintf(why, sizeof(why), "handshake timed out");
	ERR_clear_error();
	return channel_err(err, errlen, vr != X509_V_OK ? MEDSEC_ERR_AUTH :
	    MEDSEC_ERR_IO, "%s", why);
}

static int
session_handshake(struct medsec_channel_session *s, char *err,
    size_t errlen)
{
	int64_t deadline = deadline_of(s->c);
	int ret, e;

	for (;;) {
		ERR_clear_error();
		if ((ret = SSL_connect(s->ssl)) == 1)
			return MEDSEC_OK;
		e = SSL_get_error(s->ssl, ret);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_for(s->fd, e, deadline) != MEDSEC_OK)
			return handshake_failed(s, e, err, errlen);
	}
}

int
medsec_channel_client_start(struct medsec_channel_client *c, int fd,
    struct medsec_channel_session **sp, char *err, size_t errlen)
{
	struct medsec_channel_session *s;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (c == NULL || sp == NULL || fd < 0)
		return channel_err(err, errlen, MEDSEC_ERR_INVALID, "no client "
		    "or socket");
	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_NOMEM, "out of "
		    "memory");
	s->c = c;
	s->fd = fd;
	if ((s->ssl = SSL_new(c->ch.ctx)) == NULL ||
	    SSL_set_fd(s->ssl, fd) != 1) {
		r = channel_err(err, errlen, MEDSEC_ERR_NOMEM, "out of memory "
		    "for a TLS session");
		goto fail;
	}
	SSL_set_app_data(s->ssl, s);
	if (c->server_name[0] != '\0' &&
	    (SSL_set_tlsext_host_name(s->ssl, c->server_name) != 1 ||
	    SSL_set1_host(s->ssl, c->server_name) != 1)) {
		r = channel_err(err, errlen, MEDSEC_ERR_CONFIG, "server_name: "
		    "'%.100s' refused by OpenSSL", c->server_name);
		goto fail;
	}
	r = session_handshake(s, err, errlen);
	memcpy(c->last_seen, s->seen, sizeof(c->last_seen));
	if (r != MEDSEC_OK)
		goto fail;
	*sp = s;
	return MEDSEC_OK;
fail:
	SSL_free(s->ssl);
	ERR_clear_error();
	free(s);
	return r;
}

const char *
medsec_channel_client_seen_pin(const struct medsec_channel_client *c)
{
	return c != NULL ? c->last_seen : "";
}

const char *
medsec_channel_session_seen_pin(const struct medsec_channel_session *s)
{
	return s != NULL ? s->seen : "";
}

int
medsec_channel_session_write(struct medsec_channel_session *s,
    const void *buf, size_t len, char *err, size_t errlen)
{
	int64_t deadline;
	int ret, e;

	if (s == NULL || (buf == NULL && len > 0) || len > INT32_MAX)
		return channel_err(err, errlen, MEDSEC_ERR_INVALID, "nothing "
		    "to write to");
	deadline = deadline_of(s->c);
	while (len > 0) {
		ERR_clear_error();
		if ((ret = SSL_write(s->ssl, buf, (int)len)) > 0) {
			buf = (const char *)buf + ret;
			len -= (size_t)ret;
			continue;
		}
		e = SSL_get_error(s->ssl, ret);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_for(s->fd, e, deadline) != MEDSEC_OK) {
			ERR_clear_error();
			return channel_err(err, errlen, MEDSEC_ERR_IO, "%s",
			    e == SSL_ERROR_WANT_WRITE ||
			    e == SSL_ERROR_WANT_READ ? "the receiver stopped "
			    "reading (write timed out)" : "the receiver "
			    "closed the connection");
		}
	}
	return MEDSEC_OK;
}

int
medsec_channel_session_pending(struct medsec_channel_session *s,
    uint64_t *pendingp)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (s == NULL || pendingp == NULL)
		return MEDSEC_ERR_INVALID;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return MEDSEC_ERR_INVALID;
	/* Unacknowledged segments, and bytes not yet sent at all (4.6+). */
	*pendingp = (uint64_t)ti.tcpi_unacked + ti.tcpi_notsent_bytes;
	return MEDSEC_OK;
}

int
medsec_channel_session_check(struct medsec_channel_session *s)
{
	char buf[512];
	int ret, e;

	if (s == NULL)
		return MEDSEC_ERR_INVALID;
	/* The receiver sends no application data: what arrives is a ticket,
	 * an alert or the end of the connection. */
	for (;;) {
		ERR_clear_error();
		if ((ret = SSL_read(s->ssl, buf, sizeof(buf))) > 0)
			continue;
		e = SSL_get_error(s->ssl, ret);
		ERR_clear_error();
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return MEDSEC_OK;
		return MEDSEC_ERR_IO;
	}
}

void
medsec_channel_session_describe(struct medsec_channel_session *s,
    char *buf, size_t len)
{
	char group[64] = "";
	int nid;

	if (buf == NULL || len == 0)
		return;
	if (s == NULL) {
		snprintf(buf, len, "no session");
		return;
	}
	nid = SSL_get_negotiated_group(s->ssl);
	if (nid != 0 && OBJ_nid2sn(nid) != NULL)
		snprintf(group, sizeof(group), " %s", OBJ_nid2sn(nid));
	snprintf(buf, len, "%s %s%s", SSL_get_version(s->ssl),
	    SSL_get_cipher_name(s->ssl), group);
}

void
medsec_channel_session_close(struct medsec_channel_session *s)
{
	if (s == NULL)
		return;
	/* close_notify (RFC 5425 4.4); the receiver's answer is not awaited. */
	if (SSL_is_init_finished(s->ssl))
		(void)SSL_shutdown(s->ssl);
	ERR_clear_error();
	SSL_free(s->ssl);
	close(s->fd);
	free(s);
}
