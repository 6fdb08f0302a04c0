/*
 * The TLS channel (MFDS 1.15/1.16, 1.17, 1.5/1.6) and the device's TLS
 * credentials: real handshakes between a client SSL (in a thread, over
 * a socketpair) and the server channel's bufferevent, with certificates
 * made here with libcrypto (tlspki.c).
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "testmain.h"
#include "tlspki.h"
#include "channel/channel_int.h"
#include "medsec/audit.h"
#include "medsec/channel.h"
#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/device_tls.h"
#include "medsec/err.h"
#include "medsec/keystore.h"
#include "medsec/x509.h"

/* TLS alert descriptions (RFC 8446 6.2). */
#define ALERT_BAD_CERTIFICATE 42
#define ALERT_UNSUPPORTED_CERTIFICATE 43
#define ALERT_CERTIFICATE_REVOKED 44
#define ALERT_CERTIFICATE_EXPIRED 45
#define ALERT_UNKNOWN_CA 48
#define ALERT_PROTOCOL_VERSION 70
#define ALERT_CERTIFICATE_REQUIRED 116

/* The test PKI: a peer CA, another CA, and the server's credentials. */
struct pki {
	char dir[64];
	char ca_file[128];
	char crl_file[128];
	EVP_PKEY *ca_key, *other_key, *server_key;
	X509 *ca, *other;
	char *server_cert, *server_key_pem;
	size_t server_cert_len, server_key_len;
};

/* What a client offers. */
struct client {
	int min_version, max_version; /* 0: library default */
	const char *groups;
	const char *ciphers12;
	EVP_PKEY *key;
	X509 *cert;
	const char *raw; /* sent as is instead of a ClientHello */
	int tamper;	 /* after "ok", send a record with a flipped bit */
	int revoke_live; /* once connected, revoked and closed live */
};

struct outcome {
	/* server side */
	int connected;
	int failed;
	char failure[256];
	char session[256];
	char fingerprint[MEDSEC_CHANNEL_FINGERPRINT_LEN];
	int fp_result;
	size_t server_received; /* application bytes, at a failure */
	/* client side */
	int client_handshake;
	int client_read; /* bytes of application data received */
	int client_alert;
	char client_data[16];
	int ticket;		 /* the client holds a resumable session */
	uint32_t ticket_early;	 /* early data that session would allow */
	/* a live connection closed for its revoked certificate */
	size_t closed_live;
	char closed_fingerprint[MEDSEC_CHANNEL_FINGERPRINT_LEN];
};

struct run {
	int fd;
	struct medsec_channel *ch;
	const struct client *c;
	struct outcome *o;
	struct event_base *base;
	struct bufferevent *bev;
};

static int
ignore_verify(int ok, X509_STORE_CTX *xs)
{
	(void)ok;
	(void)xs;
	return 1;
}

static void
client_info(const SSL *ssl, int where, int ret)
{
	struct outcome *o = SSL_get_app_data(ssl);

	if ((where & SSL_CB_READ_ALERT) != 0 && o->client_alert == 0)
		o->client_alert = ret & 0xff;
}

static SSL_CTX *
client_ctx(const struct client *c)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	assert_non_null(ctx);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, ignore_verify);
	SSL_CTX_set_info_callback(ctx, client_info);
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, c->min_version !=
	    0 ? c->min_version : TLS1_2_VERSION), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(ctx, c->max_version !=
	    0 ? c->max_version : TLS1_3_VERSION), 1);
	if (c->groups != NULL) {
		/* OpenSSL's macro casts away const; hand it a writable copy. */
		char groups[256];

		assert_true(strlen(c->groups) < sizeof(groups));
		memcpy(groups, c->groups, strlen(c->groups) + 1);
		assert_int_equal(SSL_CTX_set1_groups_list(ctx, groups), 1);
	}
	if (c->ciphers12 != NULL)
		assert_int_equal(SSL_CTX_set_cipher_list(ctx, c->ciphers12), 1);
	if (c->cert != NULL) {
		assert_int_equal(SSL_CTX_use_certificate(ctx, c->cert), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(ctx, c->key), 1);
	}
	return ctx;
}

/*
 * One application record made by the session, with the last bit of its
 * AEAD tag flipped on the way: what an attacker on the path could send.
 */
static void
send_tampered(SSL *ssl, int fd)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *rec;
	long n;

	assert_non_null(mem);
	SSL_set0_wbio(ssl, mem);
	assert_int_equal(SSL_write(ssl, "set_alarm_threshold 250", 23), 23);
	n = BIO_get_mem_data(mem, &rec);
	assert_true(n > 22);
	/* Confidentiality: the command is not on the wire in clear. */
	for (long i = 0; i + 19 <= n; i++)
		assert_false(memcmp(rec + i, "set_alarm_threshold", 19) == 0);
	rec[n - 1] ^= 1;
	assert_int_equal(write(fd, rec, (size_t)n), n);
}

/* What a TLS 1.3 ticket, read with the first data, would let a client
 * do next time. */
static void
note_ticket(SSL *ssl, struct outcome *o)
{
	SSL_SESSION *sess = SSL_get1_session(ssl);

	if (sess == NULL)
		return;
	o->ticket = SSL_SESSION_is_resumable(sess);
	o->ticket_early = SSL_SESSION_get_max_early_data(sess);
	SSL_SESSION_free(sess);
}

static void *
client_thread(void *arg)
{
	struct run *run = arg;
	SSL_CTX *ctx;
	SSL *ssl;
	char sink[512];
	int n;

	if (run->c->raw != NULL) {
		assert_true(write(run->fd, run->c->raw, strlen(run->c->raw)) > 0);
		while (read(run->fd, sink, sizeof(sink)) > 0)
			;
		close(run->fd);
		return NULL;
	}
	ctx = client_ctx(run->c);
	ssl = SSL_new(ctx);
	SSL_set_app_data(ssl, run->o);
	SSL_set_fd(ssl, run->fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (SSL_connect(ssl) == 1) {
		run->o->client_handshake = 1;
		n = SSL_read(ssl, run->o->client_data,
		    sizeof(run->o->client_data) - 1);
		run->o->client_read = n > 0 ? n : 0;
		note_ticket(ssl, run->o);
		if (run->c->tamper && n > 0) {
			send_tampered(ssl, run->fd);
			while (read(run->fd, sink, sizeof(sink)) > 0)
				;
		}
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(run->fd);
	ERR_clear_error();
	return NULL;
}

static void
server_written(struct bufferevent *bev, void *arg)
{
	struct run *run = arg;

	(void)bev;
	if (!run->c->tamper)
		event_base_loopbreak(run->base);
}

static char *revocation_list(const char *fp);

static void
note_closed(const char *source, const char *fingerprint, void *arg)
{
	struct outcome *o = arg;

	assert_string_equal(source, "local");
	snprintf(o->closed_fingerprint, sizeof(o->closed_fingerprint), "%s",
	    fingerprint);
}

/* What a SIGHUP does in the daemon: the list, then the live check. */
static void
revoke_live(struct run *run)
{
	char err[256], *list = revocation_list(run->o->fingerprint);

	assert_int_equal(medsec_channel_set_revocation_list(run->ch, list,
	    strlen(list), err, sizeof(err)), MEDSEC_OK);
	run->o->closed_live = medsec_channel_close_revoked(run->ch,
	    note_closed, run->o);
	free(list);
}

static void
server_event(struct bufferevent *bev, short what, void *arg)
{
	struct run *run = arg;
	struct outcome *o = run->o;

	if ((what & BEV_EVENT_CONNECTED) != 0) {
		o->connected = 1;
		o->fp_result = medsec_channel_peer_fingerprint(bev,
		    o->fingerprint);
		medsec_channel_describe_session(bev, o->session,
		    sizeof(o->session));
		if (run->c->revoke_live)
			revoke_live(run);
		bufferevent_write(bev, "ok", 2);
		return;
	}
	o->failed = 1;
	o->server_received = evbuffer_get_length(bufferevent_get_input(bev));
	medsec_channel_failure(bev, o->failure, sizeof(o->failure));
	event_base_loopbreak(run->base);
}

/* One connection from a client to the channel, to the end. */
static void
handshake(struct medsec_channel *ch, const struct client *c,
    struct outcome *o)
{
	struct timeval guard = { 60, 0 };
	struct run run;
	pthread_t t;
	int sv[2];

	memset(o, 0, sizeof(*o));
	memset(&run, 0, sizeof(run));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
	run.fd = sv[1];
	run.ch = ch;
	run.c = c;
	run.o = o;
	assert_non_null(run.base = event_base_new());
	run.bev = medsec_channel_accept(ch, run.base, sv[0]);
	assert_non_null(run.bev);
	bufferevent_setcb(run.bev, NULL, server_written, server_event, &run);
	assert_int_equal(bufferevent_enable(run.bev, EV_READ | EV_WRITE), 0);
	assert_int_equal(pthread_create(&t, NULL, client_thread, &run), 0);
	/* A guard against a hang, not a timing assertion. */
	event_base_loopexit(run.base, &guard);
	assert_int_equal(event_base_dispatch(run.base), 0);
	/* libevent closes the socket in a finalizer that freeing the base
	 * runs; only then can a client that waits for the end see it. */
	bufferevent_free(run.bev);
	/* A refusal lingers on this base until the client's end. */
	while (medsec_channel_lingering(ch) > 0)
		assert_true(event_base_loop(run.base, EVLOOP_ONCE) >= 0);
	event_base_free(run.base);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(o->connected || o->failed);
}

static void
pki_setup(struct pki *p)
{
	struct tlspki_cert_opts ca = { "medsec test peer CA", NULL, NULL, 1,
		NULL, -1, 365, 1, NULL };
	struct tlspki_cert_opts other = { "other CA", NULL, NULL, 1, NULL, -1,
		365, 1, NULL };
	struct tlspki_cert_opts srv = { "localhost", NULL, NULL, 0,
		"serverAuth", -1, 30, 2, "DNS:localhost,IP:127.0.0.1" };
	X509 *x;
	char *pem;

	memset(p, 0, sizeof(*p));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(p->dir, sizeof(p->dir), "/tmp/medsec-tls-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->ca_file, sizeof(p->ca_file), "%s/ca.pem", p->dir);
	snprintf(p->crl_file, sizeof(p->crl_file), "%s/crl.pem", p->dir);
	p->ca_key = tlspki_key_ec("P-256");
	p->other_key = tlspki_key_ec("P-256");
	p->server_key = tlspki_key_ec("P-256");
	p->ca = tlspki_cert(p->ca_key, &ca);
	p->other = tlspki_cert(p->other_key, &other);
	srv.issuer = p->ca;
	srv.issuer_key = p->ca_key;
	x = tlspki_cert(p->server_key, &srv);
	p->server_cert = tlspki_cert_pem(x, &p->server_cert_len);
	p->server_key_pem = tlspki_key_pem(p->server_key, &p->server_key_len);
	X509_free(x);
	pem = tlspki_cert_pem(p->ca, NULL);
	tlspki_write(p->ca_file, pem);
	free(pem);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
pki_teardown(struct pki *p)
{
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->other_key);
	EVP_PKEY_free(p->server_key);
	X509_free(p->ca);
	X509_free(p->other);
	free(p->server_cert);
	free(p->server_key_pem);
	nftw(p->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
options(const struct pki *p, struct medsec_channel_options *o)
{
	memset(o, 0, sizeof(*o));
	o->cert_pem = p->server_cert;
	o->cert_len = p->server_cert_len;
	o->key_pem = p->server_key_pem;
	o->key_len = p->server_key_len;
}

static void
peer_options(const struct pki *p, struct medsec_channel_options *o)
{
	options(p, o);
	o->require_client_cert = 1;
	o->peer_ca_file = p->ca_file;
}

static struct medsec_channel *
channel(const struct medsec_channel_options *o)
{
	struct medsec_channel *ch = NULL;
	char err[512];
	int r;

	r = medsec_channel_new(o, &ch, err, sizeof(err));
	if (r != MEDSEC_OK)
		fail_msg("medsec_channel_new: %s (%s)", err, medsec_strerror(r));
	return ch;
}

/* A client certificate from the peer CA (or `issuer`). */
static X509 *
client_cert(const struct pki *p, EVP_PKEY *key, const char *eku,
    long from, long to, long serial, int other_ca)
{
	struct tlspki_cert_opts o = { "hospital-hub", other_ca ? p->other :
		p->ca, other_ca ? p->other_key : p->ca_key, 0, eku, from, to,
		serial, NULL };

	return tlspki_cert(key, &o);
}

/* ---- policy ---- */

static void
test_req_1_15_channel_handshake_tls13_only_by_default(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_true(out.connected);
	assert_string_equal(out.session, "TLSv1.3 TLS_AES_256_GCM_SHA384 "
	    "x25519");
	assert_int_equal(out.client_read, 2);
	assert_string_equal(out.client_data, "ok");
	/* Server-authenticated listener: the client sent no certificate. */
	assert_int_equal(out.fp_result, MEDSEC_ERR_NOT_FOUND);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_15_channel_tls12_client_refused_by_default(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0, TLS1_2_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_false(out.connected);
	assert_string_equal(out.failure, "protocol version");
	assert_false(out.client_handshake);
	assert_int_equal(out.client_alert, ALERT_PROTOCOL_VERSION);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_15_channel_tls12_when_configured_is_ecdhe_aead(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0, TLS1_2_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0 };
	struct client cbc = { 0, TLS1_2_VERSION, NULL,
		"ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA", NULL, NULL, NULL, 0, 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	o.min_version = MEDSEC_TLS_1_2;
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_true(out.connected);
	assert_string_equal(out.session, "TLSv1.2 "
	    "ECDHE-ECDSA-AES256-GCM-SHA384 x25519");
	/* A client that offers only CBC suites finds nothing in common. */
	handshake(ch, &cbc, &out);
	assert_false(out.connected);
	assert_string_equal(out.failure, "no shared cipher suite");
	assert_int_equal(out.client_alert, SSL_AD_HANDSHAKE_FAILURE);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_16_channel_tampered_record_refused_unread(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	ch = channel(&o);
	c.tamper = 1;
	handshake(ch, &c, &out);
	assert_true(out.connected);
	assert_string_equal(out.client_data, "ok");
	assert_true(out.failed);
	/* Integrity: the record fails its tag and nothing of it is read. */
	assert_string_equal(out.failure, "TLS error: decryption failed or bad "
	    "record mac");
	assert_int_equal(out.server_received, 0);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_15_channel_tickets_never_allow_early_data(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	pki_setup(&p);
	/* Operator listener: resumable, but never with 0-RTT data (T10). */
	options(&p, &o);
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_string_equal(out.client_data, "ok");
	assert_int_equal(out.ticket, 1);
	assert_int_equal(out.ticket_early, 0);
	medsec_channel_free(ch);
	/* Peer listener: no ticket at all, every connection is verified. */
	peer_options(&p, &o);
	ch = channel(&o);
	c.key = p.server_key;
	c.cert = client_cert(&p, p.server_key, "clientAuth", -1, 30, 110, 0);
	handshake(ch, &c, &out);
	assert_string_equal(out.client_data, "ok");
	assert_int_equal(out.ticket, 0);
	medsec_channel_free(ch);
	X509_free(c.cert);
	pki_teardown(&p);
}

static void
test_channel_plain_http_on_tls_port_named(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	ch = channel(&o);
	c.raw = "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n";
	handshake(ch, &c, &out);
	assert_false(out.connected);
	assert_string_equal(out.failure, "plain HTTP on a TLS port");
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_15_channel_fixed_policy_no_compression_renegotiation_0rtt(
    void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct pki p;
	uint64_t opts;

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	o.min_version = MEDSEC_TLS_1_2;
	ch = channel(&o);
	opts = SSL_CTX_get_options(ch->ctx);
	assert_true((opts & SSL_OP_NO_COMPRESSION) != 0);
	assert_true((opts & SSL_OP_NO_RENEGOTIATION) != 0);
	assert_true((opts & SSL_OP_ALLOW_CLIENT_RENEGOTIATION) == 0);
	assert_int_equal(SSL_CTX_get_max_early_data(ch->ctx), 0);
	assert_int_equal(SSL_CTX_get_recv_max_early_data(ch->ctx), 0);
	assert_int_equal(SSL_CTX_get_min_proto_version(ch->ctx),
	    TLS1_2_VERSION);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

struct refusal {
	const char *what;
	int min_version;
	const char *groups, *suites, *ciphers12;
	int expect;
	const char *message; /* a part of the message */
};

static void
expect_refusal(struct medsec_channel_options *o, int expect,
    const char *message)
{
	struct medsec_channel *ch = (void *)&ch;
	char err[512];

	assert_int_equal(medsec_channel_new(o, &ch, err, sizeof(err)), expect);
	assert_null(ch);
	if (strstr(err, message) == NULL)
		fail_msg("message '%s' lacks '%s'", err, message);
}

static void
test_req_1_17_channel_weak_settings_refused_with_the_value(void **state)
{
	static const struct refusal cases[] = {
		{ "a 112-bit group", 0, "X25519:ffdhe2048", NULL, NULL,
		  MEDSEC_ERR_WEAK_ALGORITHM, "tls.groups: 'ffdhe2048' offers "
		  "112-bit security; at least 128 required" },
		{ "an unknown group", 0, "brainpoolP160r1", NULL, NULL,
		  MEDSEC_ERR_CONFIG, "tls.groups: 'brainpoolP160r1' is not a "
		  "known group" },
		{ "a truncated tag", 0, NULL, "TLS_AES_128_CCM_8_SHA256", NULL,
		  MEDSEC_ERR_WEAK_ALGORITHM, "'TLS_AES_128_CCM_8_SHA256' has a "
		  "128-bit key and a 64-bit tag" },
		{ "an unknown suite", 0, NULL, "TLS_NULL_SHA256", NULL,
		  MEDSEC_ERR_CONFIG, "tls.ciphersuites: 'TLS_NULL_SHA256'" },
		{ "CBC in TLS 1.2", MEDSEC_TLS_1_2, NULL, NULL,
		  "ECDHE-ECDSA-AES256-SHA", MEDSEC_ERR_WEAK_ALGORITHM,
		  "'ECDHE-ECDSA-AES256-SHA' is not an AEAD suite" },
		{ "RSA key exchange", MEDSEC_TLS_1_2, NULL, NULL,
		  "AES256-GCM-SHA384", MEDSEC_ERR_WEAK_ALGORITHM,
		  "'AES256-GCM-SHA384' has no ECDHE key exchange" },
		{ "DHE", MEDSEC_TLS_1_2, NULL, NULL,
		  "DHE-RSA-AES256-GCM-SHA384", MEDSEC_ERR_WEAK_ALGORITHM,
		  "'DHE-RSA-AES256-GCM-SHA384' has no ECDHE key exchange" },
		{ "no encryption", MEDSEC_TLS_1_2, NULL, NULL,
		  "ECDHE-ECDSA-NULL-SHA", MEDSEC_ERR_WEAK_ALGORITHM,
		  "'ECDHE-ECDSA-NULL-SHA' is not an AEAD suite" },
		{ "a keyword", MEDSEC_TLS_1_2, NULL, NULL, "HIGH:!aNULL",
		  MEDSEC_ERR_CONFIG, "'HIGH' is not a TLS 1.2 cipher suite "
		  "name" },
		{ "TLS 1.1", 0x0302, NULL, NULL, NULL, MEDSEC_ERR_CONFIG,
		  "tls.min_version: 0x0302 is not allowed" },
	};
	struct medsec_channel_options o;
	struct pki p;
	size_t i;

	(void)state;
	pki_setup(&p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].what);
		options(&p, &o);
		o.min_version = cases[i].min_version;
		o.groups = cases[i].groups;
		o.ciphersuites = cases[i].suites;
		o.ciphers12 = cases[i].ciphers12;
		expect_refusal(&o, cases[i].expect, cases[i].message);
	}
	pki_teardown(&p);
}

static void
server_with(struct pki *p, EVP_PKEY *key, long from, long to,
    struct medsec_channel_options *o, char **cert, char **keypem)
{
	struct tlspki_cert_opts s = { "localhost", p->ca, p->ca_key, 0,
		"serverAuth", from, to, 9, NULL };
	X509 *x = tlspki_cert(key, &s);

	options(p, o);
	*cert = tlspki_cert_pem(x, &o->cert_len);
	*keypem = tlspki_key_pem(key, &o->key_len);
	o->cert_pem = *cert;
	o->key_pem = *keypem;
	X509_free(x);
}

static void
test_req_1_17_channel_weak_or_expired_server_credentials_refused(
    void **state)
{
	struct medsec_channel_options o;
	EVP_PKEY *rsa1024 = tlspki_key_rsa(1024), *p224 =
	    tlspki_key_ec("P-224");
	EVP_PKEY *rsa2048 = tlspki_key_rsa(2048);
	struct medsec_channel *ch;
	char *cert, *key;
	struct pki p;

	(void)state;
	pki_setup(&p);
	server_with(&p, rsa1024, -1, 30, &o, &cert, &key);
	expect_refusal(&o, MEDSEC_ERR_WEAK_ALGORITHM, "tls.key: RSA-1024 "
	    "offers 80-bit security");
	free(cert);
	free(key);
	server_with(&p, p224, -1, 30, &o, &cert, &key);
	expect_refusal(&o, MEDSEC_ERR_WEAK_ALGORITHM, "tls.key: a 224-bit EC "
	    "key; EC keys need at least P-256");
	free(cert);
	free(key);
	server_with(&p, p.server_key, -30, -1, &o, &cert, &key);
	expect_refusal(&o, MEDSEC_ERR_CONFIG, "the server certificate has "
	    "expired");
	free(cert);
	free(key);
	/* A certificate that is not for the key. */
	server_with(&p, p.server_key, -1, 30, &o, &cert, &key);
	free(key);
	key = tlspki_key_pem(p.other_key, &o.key_len);
	o.key_pem = key;
	expect_refusal(&o, MEDSEC_ERR_CONFIG, "does not belong to the "
	    "certificate");
	free(cert);
	free(key);
	/* The twin: RSA-2048 is 112 bits, the floor, and accepted. */
	server_with(&p, rsa2048, -1, 30, &o, &cert, &key);
	o.min_version = MEDSEC_TLS_1_2;
	o.ciphers12 = "ECDHE-RSA-AES256-GCM-SHA384";
	ch = channel(&o);
	medsec_channel_free(ch);
	free(cert);
	free(key);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(p224);
	EVP_PKEY_free(rsa2048);
	pki_teardown(&p);
}

static void
test_req_1_17_channel_kcmvp_tls12_is_aria_gcm_only(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c12 = { 0, TLS1_2_VERSION, NULL,
		MEDSEC_CHANNEL_CIPHERS12_KCMVP, NULL, NULL, NULL, 0, 0 };
	struct client plain12 = { 0, TLS1_2_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0 };
	struct client c13 = { TLS1_3_VERSION, 0, NULL, NULL, NULL, NULL, NULL, 0, 0 };
	struct outcome out;
	struct pki p;
	char line[1024];

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	o.crypto_profile = "kcmvp";
	o.min_version = MEDSEC_TLS_1_2;
	o.ciphers12 = "ECDHE-ECDSA-AES256-GCM-SHA384";
	expect_refusal(&o, MEDSEC_ERR_WEAK_ALGORITHM, "'ECDHE-ECDSA-AES256-"
	    "GCM-SHA384' is not an ARIA-GCM suite");
	o.ciphers12 = NULL;
	o.groups = "X25519";
	expect_refusal(&o, MEDSEC_ERR_WEAK_ALGORITHM, "'X25519' is not on the "
	    "KCMVP list");
	o.groups = NULL;
	ch = channel(&o);
	handshake(ch, &c12, &out);
	assert_true(out.connected);
	assert_string_equal(out.session, "TLSv1.2 "
	    "ECDHE-ECDSA-ARIA256-GCM-SHA384 secp256r1");
	/* OpenSSL's DEFAULT list has no ARIA: such a client is refused. */
	handshake(ch, &plain12, &out);
	assert_false(out.connected);
	assert_string_equal(out.failure, "no shared cipher suite");
	/* TLS 1.3 has no ARIA suite: a 1.3-only client is refused. */
	handshake(ch, &c13, &out);
	assert_false(out.connected);
	assert_string_equal(out.failure, "protocol version");
	medsec_channel_describe(ch, line, sizeof(line));
	assert_non_null(strstr(line, "TLS 1.2 only; suites "
	    "ECDHE-ECDSA-ARIA256-GCM-SHA384:ECDHE-ECDSA-ARIA128-GCM-SHA256"));
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_17_channel_kcmvp_tls13_is_aes_gcm_and_says_so(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0 };
	struct outcome out;
	struct pki p;
	char line[1024];

	(void)state;
	pki_setup(&p);
	options(&p, &o);
	o.crypto_profile = "kcmvp";
	o.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
	expect_refusal(&o, MEDSEC_ERR_WEAK_ALGORITHM, "not allowed under "
	    "crypto profile kcmvp");
	o.ciphersuites = NULL;
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_true(out.connected);
	assert_string_equal(out.session, "TLSv1.3 TLS_AES_256_GCM_SHA384 "
	    "secp256r1");
	medsec_channel_describe(ch, line, sizeof(line));
	assert_non_null(strstr(line, "TLS 1.3 only"));
	assert_non_null(strstr(line, "AES-GCM, which is not KCMVP-listed"));
	medsec_channel_free(ch);
	pki_teardown(&p);
}

/* ---- peers: mutual TLS ---- */

static void
expect_peer_refused(struct medsec_channel *ch, const struct client *c,
    const char *failure, int alert)
{
	struct outcome out;

	handshake(ch, c, &out);
	assert_false(out.connected);
	assert_string_equal(out.failure, failure);
	/* TLS 1.3: the client may finish first, but reads only the alert. */
	assert_int_equal(out.client_read, 0);
	assert_int_equal(out.client_alert, alert);
}

static void
test_req_1_5_channel_client_without_certificate_refused(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct client c = { 0 };
	struct pki p;

	(void)state;
	pki_setup(&p);
	peer_options(&p, &o);
	ch = channel(&o);
	expect_peer_refused(ch, &c, "no client certificate",
	    ALERT_CERTIFICATE_REQUIRED);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_5_channel_client_from_another_ca_refused(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client c = { 0 };
	struct pki p;

	(void)state;
	pki_setup(&p);
	c.key = k;
	c.cert = client_cert(&p, k, "clientAuth", -1, 30, 100, 1);
	peer_options(&p, &o);
	ch = channel(&o);
	expect_peer_refused(ch, &c, "unknown CA", ALERT_UNKNOWN_CA);
	medsec_channel_free(ch);
	X509_free(c.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static void
test_req_1_5_channel_expired_client_certificate_refused(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client c = { 0 };
	struct pki p;

	(void)state;
	pki_setup(&p);
	c.key = k;
	c.cert = client_cert(&p, k, "clientAuth", -30, -1, 101, 0);
	peer_options(&p, &o);
	ch = channel(&o);
	expect_peer_refused(ch, &c, "certificate expired",
	    ALERT_CERTIFICATE_EXPIRED);
	X509_free(c.cert);
	c.cert = client_cert(&p, k, "clientAuth", 2, 30, 102, 0);
	expect_peer_refused(ch, &c, "certificate not yet valid",
	    ALERT_BAD_CERTIFICATE);
	medsec_channel_free(ch);
	X509_free(c.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static void
test_req_1_5_channel_server_auth_only_certificate_refused(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client c = { 0 };
	struct pki p;

	(void)state;
	pki_setup(&p);
	c.key = k;
	c.cert = client_cert(&p, k, "serverAuth", -1, 30, 103, 0);
	peer_options(&p, &o);
	ch = channel(&o);
	expect_peer_refused(ch, &c, "wrong certificate usage (no clientAuth)",
	    ALERT_UNSUPPORTED_CERTIFICATE);
	medsec_channel_free(ch);
	X509_free(c.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static void
test_req_1_5_channel_good_client_certificate_gives_its_fingerprint(
    void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client c = { 0 };
	struct outcome out;
	char fp[65];
	struct pki p;

	(void)state;
	pki_setup(&p);
	c.key = k;
	c.cert = client_cert(&p, k, "clientAuth", -1, 30, 104, 0);
	tlspki_fingerprint(c.cert, fp);
	peer_options(&p, &o);
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_true(out.connected);
	assert_int_equal(out.fp_result, MEDSEC_OK);
	assert_string_equal(out.fingerprint, fp);
	assert_string_equal(out.client_data, "ok");
	assert_int_equal(medsec_channel_peer_revoked(ch, fp), MEDSEC_OK);
	medsec_channel_free(ch);
	X509_free(c.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static char *
revocation_list(const char *fp)
{
	char *text = malloc(256);

	assert_non_null(text);
	snprintf(text, 256, "medsec-revocation-list 1\n%s "
	    "2026-11-23T08:09:26.123456Z hospital-hub peer disabled\n", fp);
	return text;
}

static void
test_req_1_6_channel_revoked_fingerprint_refused(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client c = { 0 };
	char fp[65], *list;
	struct pki p;

	(void)state;
	pki_setup(&p);
	c.key = k;
	c.cert = client_cert(&p, k, "clientAuth", -1, 30, 105, 0);
	tlspki_fingerprint(c.cert, fp);
	list = revocation_list(fp);
	peer_options(&p, &o);
	o.revocation_text = list;
	o.revocation_len = strlen(list);
	ch = channel(&o);
	expect_peer_refused(ch, &c, "revoked (revocation list)",
	    ALERT_CERTIFICATE_REVOKED);
	assert_int_equal(medsec_channel_peer_revoked(ch, fp),
	    MEDSEC_ERR_DISABLED);
	medsec_channel_free(ch);
	free(list);
	X509_free(c.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static void
test_req_1_6_channel_revoked_by_crl_refused(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client revoked = { 0 }, good = { 0 };
	const long serials[] = { 106 };
	struct outcome out;
	X509_CRL *crl;
	char *pem;
	struct pki p;

	(void)state;
	pki_setup(&p);
	revoked.key = good.key = k;
	revoked.cert = client_cert(&p, k, "clientAuth", -1, 30, 106, 0);
	good.cert = client_cert(&p, k, "clientAuth", -1, 30, 107, 0);
	crl = tlspki_crl(p.ca, p.ca_key, serials, 1);
	pem = tlspki_crl_pem(crl, NULL);
	tlspki_write(p.crl_file, pem);
	peer_options(&p, &o);
	o.crl_file = p.crl_file;
	ch = channel(&o);
	expect_peer_refused(ch, &revoked, "revoked (CRL)",
	    ALERT_CERTIFICATE_REVOKED);
	handshake(ch, &good, &out);
	assert_true(out.connected);
	medsec_channel_free(ch);
	free(pem);
	X509_CRL_free(crl);
	X509_free(revoked.cert);
	X509_free(good.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static void
test_req_1_6_channel_reload_revocation_without_restart(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client c = { 0 };
	const long serials[] = { 108 };
	struct outcome out;
	char fp[65], err[256], *list, *pem;
	const char *bad;
	X509_CRL *crl;
	struct pki p;

	(void)state;
	pki_setup(&p);
	c.key = k;
	c.cert = client_cert(&p, k, "clientAuth", -1, 30, 108, 0);
	tlspki_fingerprint(c.cert, fp);
	peer_options(&p, &o);
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_true(out.connected);
	/* SIGHUP with the peer on the list: the live check and new
	 * handshakes refuse it. */
	list = revocation_list(fp);
	assert_int_equal(medsec_channel_reload_revocation(ch, list,
	    strlen(list), err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_channel_peer_revoked(ch, fp),
	    MEDSEC_ERR_DISABLED);
	expect_peer_refused(ch, &c, "revoked (revocation list)",
	    ALERT_CERTIFICATE_REVOKED);
	/* A malformed list is refused whole; the one in force stays. */
	bad = "medsec-revocation-list 1\nnot-a-fingerprint\n";
	assert_int_equal(medsec_channel_reload_revocation(ch, bad, strlen(bad),
	    err, sizeof(err)), MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err, "revocation list: line 2"));
	assert_int_equal(medsec_channel_peer_revoked(ch, fp),
	    MEDSEC_ERR_DISABLED);
	/* An empty list and a CRL written since: the CRL is re-read. */
	crl = tlspki_crl(p.ca, p.ca_key, serials, 1);
	pem = tlspki_crl_pem(crl, NULL);
	medsec_channel_free(ch);
	o.crl_file = p.crl_file;
	tlspki_write(p.crl_file, "");
	assert_int_equal(medsec_channel_new(&o, &ch, err, sizeof(err)),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err, "tls.crl_file"));
	tlspki_write(p.crl_file, pem);
	ch = channel(&o);
	assert_int_equal(medsec_channel_reload_revocation(ch, NULL, 0, err,
	    sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_channel_peer_revoked(ch, fp), MEDSEC_OK);
	expect_peer_refused(ch, &c, "revoked (CRL)", ALERT_CERTIFICATE_REVOKED);
	medsec_channel_free(ch);
	free(pem);
	X509_CRL_free(crl);
	free(list);
	X509_free(c.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

/* ---- what failed handshakes report (TLS_FAILURE records) ---- */

struct failures {
	int n;
	char source[MEDSEC_CHANNEL_SOURCE_LEN];
	char reason[200];
	int alert;
};

static void
collect_failure(const struct medsec_channel_failure_report *f, void *arg)
{
	struct failures *fs = arg;

	fs->n++;
	snprintf(fs->source, sizeof(fs->source), "%s", f->source);
	snprintf(fs->reason, sizeof(fs->reason), "%s", f->reason);
	fs->alert = f->alert;
}

static int
refuse_every_client(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
	return -1;
}

static void
expect_one_failure(struct failures *fs, const char *reason, int alert)
{
	assert_int_equal(fs->n, 1);
	assert_string_equal(fs->source, "local");
	assert_string_equal(fs->reason, reason);
	assert_int_equal(fs->alert, alert);
	memset(fs, 0, sizeof(*fs));
}

static void
test_req_1_5_channel_failed_handshakes_reported_once_with_reason(
    void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client none = { 0 }, expired = { 0 }, good = { 0 };
	struct client tls12 = { 0, TLS1_2_VERSION, NULL, NULL, NULL, NULL,
		NULL, 0, 0 };
	struct failures fs;
	struct outcome out;
	struct pki p;

	(void)state;
	memset(&fs, 0, sizeof(fs));
	pki_setup(&p);
	expired.key = good.key = k;
	expired.cert = client_cert(&p, k, "clientAuth", -30, -1, 110, 0);
	good.cert = client_cert(&p, k, "clientAuth", -1, 30, 111, 0);
	peer_options(&p, &o);
	ch = channel(&o);
	medsec_channel_set_failure_hook(ch, collect_failure, &fs);
	expect_peer_refused(ch, &none, "no client certificate",
	    ALERT_CERTIFICATE_REQUIRED);
	expect_one_failure(&fs, "no client certificate",
	    ALERT_CERTIFICATE_REQUIRED);
	expect_peer_refused(ch, &expired, "certificate expired",
	    ALERT_CERTIFICATE_EXPIRED);
	expect_one_failure(&fs, "certificate expired",
	    ALERT_CERTIFICATE_EXPIRED);
	handshake(ch, &tls12, &out);
	assert_false(out.connected);
	expect_one_failure(&fs, "protocol version", ALERT_PROTOCOL_VERSION);
	/* A finished handshake is no failure. */
	handshake(ch, &good, &out);
	assert_true(out.connected);
	assert_int_equal(fs.n, 0);
	/* The admission's refusals are recorded by whoever refused. */
	medsec_channel_set_admission(ch, refuse_every_client, NULL);
	handshake(ch, &good, &out);
	assert_false(out.connected);
	assert_int_equal(fs.n, 0);
	medsec_channel_free(ch);
	X509_free(expired.cert);
	X509_free(good.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static void
test_req_2_4_channel_stalled_handshake_cut_at_the_deadline(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	/* A record header announcing a ClientHello that never comes. */
	struct client half = { 0 };
	struct failures fs;
	struct outcome out;
	struct pki p;

	(void)state;
	/* The server writes to a socket it has shut down, as medsecd
	 * does, which ignores SIGPIPE too. */
	signal(SIGPIPE, SIG_IGN);
	memset(&fs, 0, sizeof(fs));
	half.raw = "\x16\x03\x01\x01\x01\x01";
	pki_setup(&p);
	options(&p, &o);
	o.handshake_timeout = 1;
	ch = channel(&o);
	medsec_channel_set_failure_hook(ch, collect_failure, &fs);
	handshake(ch, &half, &out);
	assert_false(out.connected);
	assert_true(out.failed);
	expect_one_failure(&fs, "handshake timeout", 0);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static void
test_req_1_6_channel_revoked_peer_live_connection_closed(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	EVP_PKEY *k = tlspki_key_ec("P-256");
	struct client c = { 0 }, other = { 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	/* The server writes to a socket it has shut down, as medsecd
	 * does, which ignores SIGPIPE too. */
	signal(SIGPIPE, SIG_IGN);
	pki_setup(&p);
	c.key = other.key = k;
	c.cert = client_cert(&p, k, "clientAuth", -1, 30, 112, 0);
	other.cert = client_cert(&p, k, "clientAuth", -1, 30, 113, 0);
	peer_options(&p, &o);
	ch = channel(&o);
	/* Revoked while connected: cut off before it reads anything more. */
	c.revoke_live = 1;
	handshake(ch, &c, &out);
	assert_true(out.connected);
	assert_int_equal(out.closed_live, 1);
	assert_string_equal(out.closed_fingerprint, out.fingerprint);
	assert_int_equal(out.client_read, 0);
	/* And its next handshake is refused. */
	c.revoke_live = 0;
	expect_peer_refused(ch, &c, "revoked (revocation list)",
	    ALERT_CERTIFICATE_REVOKED);
	/* A peer not on the list keeps its connection. */
	handshake(ch, &other, &out);
	assert_true(out.connected);
	assert_int_equal(medsec_channel_close_revoked(ch, NULL, NULL), 0);
	medsec_channel_free(ch);
	X509_free(c.cert);
	X509_free(other.cert);
	EVP_PKEY_free(k);
	pki_teardown(&p);
}

static void
test_channel_peer_options_checked(void **state)
{
	struct medsec_channel_options o;
	struct pki p;

	(void)state;
	pki_setup(&p);
	peer_options(&p, &o);
	o.peer_ca_file = NULL;
	expect_refusal(&o, MEDSEC_ERR_CONFIG, "tls.peer_ca_file: required");
	o.peer_ca_file = "/nonexistent/ca.pem";
	expect_refusal(&o, MEDSEC_ERR_CONFIG, "'/nonexistent/ca.pem'");
	peer_options(&p, &o);
	o.revocation_text = "medsec-revocation-list 2\n";
	o.revocation_len = strlen(o.revocation_text);
	expect_refusal(&o, MEDSEC_ERR_CONFIG, "revocation list:");
	assert_int_equal(medsec_channel_peer_revoked(NULL, "00"),
	    MEDSEC_ERR_INVALID);
	pki_teardown(&p);
}

static void
test_req_1_17_channel_options_from_config_kcmvp_defaults(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	struct medsec_config cfg;
	struct client c = { 0 };
	struct outcome out;
	struct pki p;

	(void)state;
	pki_setup(&p);
	medsec_config_defaults(&cfg);
	/* approved: the configuration's lists as they are. */
	medsec_channel_options_from_config(&cfg, &o);
	assert_int_equal(o.min_version, MEDSEC_TLS_1_3);
	assert_string_equal(o.groups, MEDSEC_CHANNEL_GROUPS);
	assert_null(o.peer_ca_file);
	/* kcmvp with [tls] left alone: the kcmvp defaults, and it starts. */
	snprintf(cfg.crypto_profile, sizeof(cfg.crypto_profile), "kcmvp");
	medsec_channel_options_from_config(&cfg, &o);
	assert_null(o.groups);
	assert_null(o.ciphersuites);
	o.cert_pem = p.server_cert;
	o.cert_len = p.server_cert_len;
	o.key_pem = p.server_key_pem;
	o.key_len = p.server_key_len;
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_string_equal(out.session, "TLSv1.3 TLS_AES_256_GCM_SHA384 "
	    "secp256r1");
	medsec_channel_free(ch);
	/* kcmvp naming X25519 on purpose: refused, saying so. */
	snprintf(cfg.tls_groups, sizeof(cfg.tls_groups), "X25519");
	medsec_channel_options_from_config(&cfg, &o);
	o.cert_pem = p.server_cert;
	o.cert_len = p.server_cert_len;
	o.key_pem = p.server_key_pem;
	o.key_len = p.server_key_len;
	expect_refusal(&o, MEDSEC_ERR_WEAK_ALGORITHM, "'X25519' is not on the "
	    "KCMVP list");
	pki_teardown(&p);
}

static void
test_channel_describe_names_the_policy(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	char line[2048];
	struct pki p;

	(void)state;
	pki_setup(&p);
	peer_options(&p, &o);
	ch = channel(&o);
	medsec_channel_describe(ch, line, sizeof(line));
	assert_non_null(strstr(line, "TLS 1.3 only; suites "
	    MEDSEC_CHANNEL_SUITES "; groups X25519:P-256:P-384; no "
	    "compression, renegotiation or 0-RTT; client certificates "
	    "required"));
	assert_non_null(strstr(line, p.ca_file));
	medsec_channel_free(ch);
	pki_teardown(&p);
}

/* ---- the device's TLS credentials ---- */

struct dev {
	char root[64];
	char state[128];
	struct medsec_device *d;
	char err[1024];
};

static void
dev_setup(struct dev *t)
{
	struct medsec_device_provision_options po;
	struct medsec_device_provision_result res;
	struct medsec_device_options oo;

	memset(t, 0, sizeof(*t));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(t->root, sizeof(t->root), "/tmp/medsec-tlsdev-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->state, sizeof(t->state), "%s/dev", t->root);
	memset(&po, 0, sizeof(po));
	po.state_dir = t->state;
	po.device_id = "ward-7";
	po.actor = "os:test";
	assert_int_equal(medsec_device_provision(&po, &res, t->err,
	    sizeof(t->err)), MEDSEC_OK);
	medsec_wipe(&res, sizeof(res));
	memset(&oo, 0, sizeof(oo));
	oo.state_dir = t->state;
	oo.flags = MEDSEC_DEVICE_IDENTITY;
	assert_int_equal(medsec_device_open(&oo, &t->d, t->err,
	    sizeof(t->err)), MEDSEC_OK);
}

static void
dev_teardown(struct dev *t)
{
	if (t->d != NULL)
		assert_int_equal(medsec_device_close(t->d), MEDSEC_OK);
	nftw(t->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Records of `event` on object "tls" in the device's trail. */
static int
count_tls_records(const struct dev *t, int event)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	char dir[160];
	int n = 0, r;

	snprintf(dir, sizeof(dir), "%s/audit", t->state);
	assert_int_equal(medsec_audit_reader_open(dir, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1)
		if (rec.event == event && rec.object != NULL &&
		    strcmp(rec.object, MEDSEC_DEVICE_TLS_KEY) == 0)
			n++;
	assert_int_equal(r, 0);
	medsec_audit_reader_close(rd);
	return n;
}

static void
test_req_1_17_channel_provisioning_makes_tls_credentials(void **state)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch;
	char *cert = NULL, *key = NULL, line[512];
	size_t clen = 0, klen = 0;
	struct client c = { 0 };
	struct outcome out;
	struct dev t;

	(void)state;
	dev_setup(&t);
	assert_int_equal(medsec_device_tls_credentials(t.d, &cert, &clen,
	    &key, &klen), MEDSEC_OK);
	assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(key, "-----BEGIN PRIVATE KEY-----"));
	assert_int_equal(medsec_x509_describe(cert, clen, line, sizeof(line)),
	    MEDSEC_OK);
	assert_non_null(strstr(line, "subject CN=ward-7, issuer CN=ward-7"));
	/* The daemon's context builds from them, and serves TLS 1.3. */
	memset(&o, 0, sizeof(o));
	o.cert_pem = cert;
	o.cert_len = clen;
	o.key_pem = key;
	o.key_len = klen;
	ch = channel(&o);
	handshake(ch, &c, &out);
	assert_true(out.connected);
	assert_string_equal(out.session, "TLSv1.3 TLS_AES_256_GCM_SHA384 "
	    "x25519");
	medsec_channel_free(ch);
	medsec_device_tls_free(cert, key);
	assert_int_equal(medsec_device_close(t.d), MEDSEC_OK);
	t.d = NULL;
	/* Made once, at provisioning, and recorded. */
	assert_int_equal(count_tls_records(&t, MEDSEC_EV_KEY_GENERATED), 1);
	dev_teardown(&t);
}

static int found_in_clear;
static const char *clear_needle;

static int
scan_file(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	FILE *f;
	char *buf;
	size_t n;

	(void)ftw;
	if (flag != FTW_F || sb->st_size == 0)
		return 0;
	assert_non_null(buf = malloc((size_t)sb->st_size + 1));
	assert_non_null(f = fopen(path, "rb"));
	n = fread(buf, 1, (size_t)sb->st_size, f);
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i + strlen(clear_needle) <= n; i++)
		if (memcmp(buf + i, clear_needle, strlen(clear_needle)) == 0) {
			print_message("found in %s\n", path);
			found_in_clear++;
			break;
		}
	free(buf);
	return 0;
}

static void
test_req_1_17_channel_tls_key_never_on_disk_in_clear(void **state)
{
	char *cert = NULL, *key = NULL, body[48];
	size_t clen = 0, klen = 0;
	const char *b64;
	struct dev t;

	(void)state;
	dev_setup(&t);
	assert_int_equal(medsec_device_tls_credentials(t.d, &cert, &clen,
	    &key, &klen), MEDSEC_OK);
	/* The PEM header, and a piece of the key's own base64 body. */
	b64 = strchr(key, '\n') + 1 + 40;
	snprintf(body, sizeof(body), "%.32s", b64);
	medsec_device_tls_free(cert, key);
	assert_int_equal(medsec_device_close(t.d), MEDSEC_OK);
	t.d = NULL;
	found_in_clear = 0;
	clear_needle = "PRIVATE KEY";
	assert_int_equal(nftw(t.state, scan_file, 16, FTW_PHYS), 0);
	clear_needle = body;
	assert_int_equal(nftw(t.state, scan_file, 16, FTW_PHYS), 0);
	assert_int_equal(found_in_clear, 0);
	/* The twin: the certificate, public, is there to find. */
	clear_needle = "BEGIN CERTIFICATE";
	assert_int_equal(nftw(t.state, scan_file, 16, FTW_PHYS), 0);
	assert_int_equal(found_in_clear, 1);
	dev_teardown(&t);
}

static void
test_req_1_17_channel_existing_device_gets_credentials_on_first_use(
    void **state)
{
	char *cert = NULL, *key = NULL, fp1[65], fp2[65];
	size_t clen = 0, klen = 0;
	struct medsec_db_stmt *st = NULL;
	struct dev t;

	(void)state;
	dev_setup(&t);
	/* A device from before TLS credentials: no key, no certificate. */
	assert_int_equal(medsec_keystore_destroy(medsec_device_keystore(t.d),
	    MEDSEC_DEVICE_TLS_KEY, 1), MEDSEC_OK);
	assert_int_equal(medsec_db_prepare(medsec_device_db(t.d), "DELETE FROM "
	    "meta WHERE key = 'tls_cert'", &st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_DONE);
	medsec_db_finalize(st);
	assert_int_equal(medsec_device_tls_certificate(t.d, &cert, &clen),
	    MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(medsec_device_tls_credentials(t.d, &cert, &clen,
	    &key, &klen), MEDSEC_OK);
	assert_int_equal(medsec_x509_fingerprint(cert, clen, fp1), MEDSEC_OK);
	medsec_device_tls_free(cert, key);
	/* The second call finds them: same certificate, nothing new. */
	assert_int_equal(medsec_device_tls_credentials(t.d, &cert, &clen,
	    &key, &klen), MEDSEC_OK);
	assert_int_equal(medsec_x509_fingerprint(cert, clen, fp2), MEDSEC_OK);
	assert_string_equal(fp1, fp2);
	medsec_device_tls_free(cert, key);
	assert_int_equal(medsec_device_close(t.d), MEDSEC_OK);
	t.d = NULL;
	assert_int_equal(count_tls_records(&t, MEDSEC_EV_KEY_GENERATED), 2);
	dev_teardown(&t);
}

static void
test_req_1_17_channel_tls_import_ca_signed_certificate(void **state)
{
	char *csr = NULL, *pem, *wrong, *cert = NULL, fp[65], err[512];
	size_t len = 0, clen = 0;
	struct tlspki_cert_opts other = { "ward-7", NULL, NULL, 0,
		"serverAuth", -1, 30, 5, NULL };
	X509 *signed_cert, *x;
	struct dev t;
	struct pki p;

	(void)state;
	pki_setup(&p);
	dev_setup(&t);
	assert_int_equal(medsec_device_tls_csr(t.d, &csr, &len), MEDSEC_OK);
	assert_non_null(strstr(csr, "-----BEGIN CERTIFICATE REQUEST-----"));
	signed_cert = tlspki_sign_csr(csr, p.ca, p.ca_key, 77, 365);
	pem = tlspki_cert_pem(signed_cert, &len);
	/* Refused first: a certificate for another key changes nothing. */
	other.issuer = p.ca;
	other.issuer_key = p.ca_key;
	x = tlspki_cert(p.other_key, &other);
	wrong = tlspki_cert_pem(x, NULL);
	assert_int_equal(medsec_device_tls_import(t.d, wrong, strlen(wrong),
	    "os:test", err, sizeof(err)), MEDSEC_ERR_KEY_MISMATCH);
	assert_non_null(strstr(err, "not for this device's TLS key"));
	assert_int_equal(medsec_device_tls_import(t.d, "junk", 4, "os:test",
	    err, sizeof(err)), MEDSEC_ERR_FORMAT);
	assert_int_equal(medsec_device_tls_import(t.d, pem, len, "os:test",
	    err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_device_tls_certificate(t.d, &cert, &clen),
	    MEDSEC_OK);
	tlspki_fingerprint(signed_cert, fp);
	{
		char got[65];

		assert_int_equal(medsec_x509_fingerprint(cert, clen, got),
		    MEDSEC_OK);
		assert_string_equal(got, fp);
	}
	free(cert);
	assert_int_equal(medsec_device_close(t.d), MEDSEC_OK);
	t.d = NULL;
	assert_int_equal(count_tls_records(&t, MEDSEC_EV_KEY_ROTATED), 1);
	free(csr);
	free(pem);
	free(wrong);
	X509_free(x);
	X509_free(signed_cert);
	dev_teardown(&t);
	pki_teardown(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_15_channel_handshake_tls13_only_by_default),
	cmocka_unit_test(test_req_1_15_channel_tls12_client_refused_by_default),
	cmocka_unit_test(test_req_1_15_channel_tls12_when_configured_is_ecdhe_aead),
	cmocka_unit_test(test_req_1_15_channel_fixed_policy_no_compression_renegotiation_0rtt),
	cmocka_unit_test(test_req_1_16_channel_tampered_record_refused_unread),
	cmocka_unit_test(test_req_1_15_channel_tickets_never_allow_early_data),
	cmocka_unit_test(test_channel_plain_http_on_tls_port_named),
	cmocka_unit_test(test_req_1_17_channel_weak_settings_refused_with_the_value),
	cmocka_unit_test(test_req_1_17_channel_weak_or_expired_server_credentials_refused),
	cmocka_unit_test(test_req_1_17_channel_kcmvp_tls12_is_aria_gcm_only),
	cmocka_unit_test(test_req_1_17_channel_kcmvp_tls13_is_aes_gcm_and_says_so),
	cmocka_unit_test(test_req_1_5_channel_client_without_certificate_refused),
	cmocka_unit_test(test_req_1_5_channel_client_from_another_ca_refused),
	cmocka_unit_test(test_req_1_5_channel_expired_client_certificate_refused),
	cmocka_unit_test(test_req_1_5_channel_server_auth_only_certificate_refused),
	cmocka_unit_test(test_req_1_5_channel_good_client_certificate_gives_its_fingerprint),
	cmocka_unit_test(test_req_1_6_channel_revoked_fingerprint_refused),
	cmocka_unit_test(test_req_1_6_channel_revoked_by_crl_refused),
	cmocka_unit_test(test_req_1_6_channel_reload_revocation_without_restart),
	cmocka_unit_test(test_req_1_5_channel_failed_handshakes_reported_once_with_reason),
	cmocka_unit_test(test_req_2_4_channel_stalled_handshake_cut_at_the_deadline),
	cmocka_unit_test(test_req_1_6_channel_revoked_peer_live_connection_closed),
	cmocka_unit_test(test_channel_peer_options_checked),
	cmocka_unit_test(test_req_1_17_channel_options_from_config_kcmvp_defaults),
	cmocka_unit_test(test_channel_describe_names_the_policy),
	cmocka_unit_test(test_req_1_17_channel_provisioning_makes_tls_credentials),
	cmocka_unit_test(test_req_1_17_channel_tls_key_never_on_disk_in_clear),
	cmocka_unit_test(test_req_1_17_channel_existing_device_gets_credentials_on_first_use),
	cmocka_unit_test(test_req_1_17_channel_tls_import_ca_signed_certificate),
};

MEDSEC_TEST_MAIN(tests)
