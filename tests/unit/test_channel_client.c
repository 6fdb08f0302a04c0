/*
 * The channel's client side (MFDS 2.1 audit shipping, 1.15 policy):
 * real mutual-TLS handshakes over loopback TCP from a client context to a
 * server channel of the same module (in a thread), with the receiver's
 * certificate pinned. Certificates are made here with libcrypto.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
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

#include "testmain.h"
#include "tlspki.h"
#include "medsec/channel.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

struct pki {
	char dir[64];
	char ca_file[128];
	char other_ca_file[128];
	EVP_PKEY *ca_key, *other_key, *server_key, *client_key;
	X509 *ca, *other, *server;
	char *server_pem, *server_key_pem, *client_pem, *client_key_pem;
	size_t server_len, server_key_len, client_len, client_key_len;
	char cert_pin[MEDSEC_CHANNEL_PIN_LEN];
	char spki_pin[MEDSEC_CHANNEL_PIN_LEN];
};

/* The receiver: one connection accepted by a server channel. */
struct receiver {
	struct medsec_channel *ch;
	struct event_base *base;
	struct bufferevent *bev;
	int fd;
	int connected;
	char received[256];
	size_t nreceived;
	char failure[256];
};

static void
spki_pin(X509 *x, char out[MEDSEC_CHANNEL_PIN_LEN])
{
	unsigned char *der = NULL, d[32];
	unsigned int dlen = 0;
	int len, i;

	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	assert_true(len > 0);
	assert_int_equal(EVP_Digest(der, (size_t)len, d, &dlen, EVP_sha256(),
	    NULL), 1);
	OPENSSL_free(der);
	strcpy(out, "spki-sha256:");
	for (i = 0; i < 32; i++)
		sprintf(out + 12 + 2 * i, "%02x", d[i]);
}

static void
pki_setup(struct pki *p)
{
	struct tlspki_cert_opts ca = { "receiver CA", NULL, NULL, 1, NULL, -1,
		365, 1, NULL };
	struct tlspki_cert_opts other = { "other CA", NULL, NULL, 1, NULL, -1,
		365, 1, NULL };
	struct tlspki_cert_opts srv = { "arr.local", NULL, NULL, 0,
		"serverAuth", -1, 30, 2, "DNS:arr.local,IP:127.0.0.1" };
	struct tlspki_cert_opts cli = { "pump-0042.device.local", NULL, NULL,
		0, "clientAuth", -1, 30, 3, "DNS:pump-0042.device.local" };
	char fp[65], *pem;
	X509 *x;

	memset(p, 0, sizeof(*p));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(p->dir, sizeof(p->dir), "/tmp/medsec-tlsc-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->ca_file, sizeof(p->ca_file), "%s/ca.pem", p->dir);
	snprintf(p->other_ca_file, sizeof(p->other_ca_file), "%s/other.pem",
	    p->dir);
	p->ca_key = tlspki_key_ec("P-256");
	p->other_key = tlspki_key_ec("P-256");
	p->server_key = tlspki_key_ec("P-256");
	p->client_key = tlspki_key_ec("P-256");
	p->ca = tlspki_cert(p->ca_key, &ca);
	p->other = tlspki_cert(p->other_key, &other);
	srv.issuer = cli.issuer = p->ca;
	srv.issuer_key = cli.issuer_key = p->ca_key;
	p->server = tlspki_cert(p->server_key, &srv);
	p->server_pem = tlspki_cert_pem(p->server, &p->server_len);
	p->server_key_pem = tlspki_key_pem(p->server_key, &p->server_key_len);
	x = tlspki_cert(p->client_key, &cli);
	p->client_pem = tlspki_cert_pem(x, &p->client_len);
	p->client_key_pem = tlspki_key_pem(p->client_key, &p->client_key_len);
	X509_free(x);
	pem = tlspki_cert_pem(p->ca, NULL);
	tlspki_write(p->ca_file, pem);
	free(pem);
	pem = tlspki_cert_pem(p->other, NULL);
	tlspki_write(p->other_ca_file, pem);
	free(pem);
	tlspki_fingerprint(p->server, fp);
	snprintf(p->cert_pin, sizeof(p->cert_pin), "cert-sha256:%s", fp);
	spki_pin(p->server, p->spki_pin);
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
	EVP_PKEY_free(p->client_key);
	X509_free(p->ca);
	X509_free(p->other);
	X509_free(p->server);
	free(p->server_pem);
	free(p->server_key_pem);
	free(p->client_pem);
	free(p->client_key_pem);
	nftw(p->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
client_options(const struct pki *p, struct medsec_channel_client_options *o,
    const char *pin)
{
	memset(o, 0, sizeof(*o));
	o->ca_file = p->ca_file;
	o->cert_pem = p->client_pem;
	o->cert_len = p->client_len;
	o->key_pem = p->client_key_pem;
	o->key_len = p->client_key_len;
	o->pin = pin;
	o->timeout = 30;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct receiver *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	if (n > sizeof(r->received) - 1 - r->nreceived)
		n = sizeof(r->received) - 1 - r->nreceived;
	evbuffer_remove(in, r->received + r->nreceived, n);
	r->nreceived += n;
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct receiver *r = arg;

	if ((what & BEV_EVENT_CONNECTED) != 0) {
		r->connected = 1;
		return;
	}
	on_read(bev, arg);
	if (!r->connected)
		medsec_channel_failure(bev, r->failure, sizeof(r->failure));
	event_base_loopbreak(r->base);
}

static void *
receiver_thread(void *arg)
{
	struct receiver *r = arg;
	struct timeval guard = { 60, 0 };

	/* A guard against a hang, not a timing assertion. */
	event_base_loopexit(r->base, &guard);
	event_base_dispatch(r->base);
	return NULL;
}

/* A connected pair over loopback TCP: *cfd for the client, the receiver
 * serving the other end in thread *t. */
static void
receiver_start(const struct pki *p, struct receiver *r, int *cfd,
    pthread_t *t)
{
	struct medsec_channel_options o;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256];
	int lfd, sfd;

	memset(r, 0, sizeof(*r));
	memset(&o, 0, sizeof(o));
	o.cert_pem = p->server_pem;
	o.cert_len = p->server_len;
	o.key_pem = p->server_key_pem;
	o.key_len = p->server_key_len;
	o.require_client_cert = 1;
	o.peer_ca_file = p->ca_file;
	assert_int_equal(medsec_channel_new(&o, &r->ch, err, sizeof(err)),
	    MEDSEC_OK);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	assert_true((*cfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(*cfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_true((sfd = accept(lfd, NULL, NULL)) >= 0);
	close(lfd);
	assert_int_equal(fcntl(sfd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(*cfd, F_SETFL, O_NONBLOCK), 0);
	assert_non_null(r->base = event_base_new());
	assert_non_null(r->bev = medsec_channel_accept(r->ch, r->base, sfd));
	bufferevent_setcb(r->bev, on_read, NULL, on_event, r);
	assert_int_equal(bufferevent_enable(r->bev, EV_READ | EV_WRITE), 0);
	assert_int_equal(pthread_create(t, NULL, receiver_thread, r), 0);
}

static void
receiver_end(struct receiver *r, pthread_t t)
{
	assert_int_equal(pthread_join(t, NULL), 0);
	bufferevent_free(r->bev);
	event_base_free(r->base);
	medsec_channel_free(r->ch);
	r->received[r->nreceived] = '\0';
}

/* Connects with pin; returns the start's result, err its sentence. */
static int
ship_once(const struct pki *p, const char *pin, const char *ca_file,
    struct receiver *r, char *err, size_t errlen, char *seen)
{
	struct medsec_channel_client_options o;
	struct medsec_channel_client *c = NULL;
	struct medsec_channel_session *s = NULL;
	uint64_t pending = 1;
	pthread_t t;
	int fd, rc;

	client_options(p, &o, pin);
	o.ca_file = ca_file;
	assert_int_equal(medsec_channel_client_new(&o, &c, err, errlen),
	    MEDSEC_OK);
	receiver_start(p, r, &fd, &t);
	rc = medsec_channel_client_start(c, fd, &s, err, errlen);
	if (rc == MEDSEC_OK) {
		assert_int_equal(medsec_channel_session_write(s, "12 hello world!",
		    15, err, errlen), MEDSEC_OK);
		/* Every byte reaches the receiver's TCP; loops until then
		 * (no timing assumed). */
		while (pending != 0)
			assert_int_equal(medsec_channel_session_pending(s,
			    &pending), MEDSEC_OK);
		assert_int_equal(medsec_channel_session_check(s), MEDSEC_OK);
		if (seen != NULL)
			strcpy(seen, medsec_channel_session_seen_pin(s));
		medsec_channel_session_close(s);
	} else {
		if (seen != NULL)
			strcpy(seen, medsec_channel_client_seen_pin(c));
		close(fd);
	}
	receiver_end(r, t);
	medsec_channel_client_free(c);
	return rc;
}

static void
test_req_2_1_channel_client_mutual_tls_with_pinned_certificate(void **state)
{
	struct receiver r;
	struct pki p;
	char err[512], seen[MEDSEC_CHANNEL_PIN_LEN];

	(void)state;
	pki_setup(&p);
	assert_int_equal(ship_once(&p, p.cert_pin, p.ca_file, &r, err,
	    sizeof(err), seen), MEDSEC_OK);
	assert_true(r.connected);
	assert_string_equal(r.received, "12 hello world!");
	assert_string_equal(seen, p.cert_pin);
	pki_teardown(&p);
}

static void
test_req_2_1_channel_client_public_key_pin_accepted(void **state)
{
	struct receiver r;
	struct pki p;
	char err[512], seen[MEDSEC_CHANNEL_PIN_LEN];

	(void)state;
	pki_setup(&p);
	assert_int_equal(ship_once(&p, p.spki_pin, p.ca_file, &r, err,
	    sizeof(err), seen), MEDSEC_OK);
	assert_string_equal(r.received, "12 hello world!");
	assert_string_equal(seen, p.spki_pin);
	pki_teardown(&p);
}

static void
test_req_2_1_channel_client_wrong_pin_refused_before_sending(void **state)
{
	struct receiver r;
	struct pki p;
	char err[512], wrong[MEDSEC_CHANNEL_PIN_LEN], fp[65];
	char seen[MEDSEC_CHANNEL_PIN_LEN];

	(void)state;
	pki_setup(&p);
	/* The CA's own fingerprint: a valid chain, the wrong certificate. */
	tlspki_fingerprint(p.ca, fp);
	snprintf(wrong, sizeof(wrong), "cert-sha256:%s", fp);
	assert_int_equal(ship_once(&p, wrong, p.ca_file, &r, err, sizeof(err),
	    seen), MEDSEC_ERR_AUTH);
	assert_string_equal(seen, p.cert_pin);
	assert_non_null(strstr(err, "does not match the pin"));
	assert_non_null(strstr(err, p.cert_pin));
	assert_non_null(strstr(err, wrong));
	assert_false(r.connected);
	assert_int_equal(r.nreceived, 0);
	assert_int_equal(r.nreceived, 0);
	pki_teardown(&p);
}

static void
test_req_2_1_channel_client_receiver_of_another_ca_refused(void **state)
{
	struct receiver r;
	struct pki p;
	char err[512];

	(void)state;
	pki_setup(&p);
	/* The pin matches, the chain does not: both must hold. */
	assert_int_equal(ship_once(&p, p.cert_pin, p.other_ca_file, &r, err,
	    sizeof(err), NULL), MEDSEC_ERR_AUTH);
	assert_non_null(strstr(err, "receiver certificate refused"));
	assert_int_equal(r.nreceived, 0);
	pki_teardown(&p);
}

static void
test_channel_client_pin_forms(void **state)
{
	uint8_t d[32];
	char err[256];
	int spki = -1;

	(void)state;
	assert_int_equal(medsec_channel_pin_parse("cert-sha256:"
	    "AB:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd", &spki, d, err,
	    sizeof(err)), MEDSEC_OK);
	assert_int_equal(spki, 0);
	assert_int_equal(d[0], 0xab);
	assert_int_equal(d[31], 0xdd);
	assert_int_equal(medsec_channel_pin_parse("spki-sha256:"
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    &spki, d, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(spki, 1);
	assert_int_equal(medsec_channel_pin_parse("sha1:0011", &spki, d, err,
	    sizeof(err)), MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err, "'sha1:0011'"));
	assert_int_equal(medsec_channel_pin_parse("cert-sha256:0011", &spki,
	    d, err, sizeof(err)), MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err, "64 hex digits"));
	assert_int_equal(medsec_channel_pin_parse("", &spki, d, err,
	    sizeof(err)), MEDSEC_ERR_CONFIG);
}

static void
test_req_1_17_channel_client_weak_policy_refused(void **state)
{
	struct medsec_channel_client_options o;
	struct medsec_channel_client *c = NULL;
	struct pki p;
	char err[512];

	(void)state;
	pki_setup(&p);
	client_options(&p, &o, p.cert_pin);
	o.groups = "ffdhe2048";
	assert_int_equal(medsec_channel_client_new(&o, &c, err, sizeof(err)),
	    MEDSEC_ERR_WEAK_ALGORITHM);
	assert_non_null(strstr(err, "ffdhe2048"));
	assert_null(c);
	client_options(&p, &o, p.cert_pin);
	o.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(medsec_channel_client_new(&o, &c, err, sizeof(err)),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));
	client_options(&p, &o, p.cert_pin);
	o.key_pem = p.server_key_pem;
	o.key_len = p.server_key_len;
	assert_int_equal(medsec_channel_client_new(&o, &c, err, sizeof(err)),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err, "key"));
	pki_teardown(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_channel_client_mutual_tls_with_pinned_certificate),
	cmocka_unit_test(test_req_2_1_channel_client_public_key_pin_accepted),
	cmocka_unit_test(test_req_2_1_channel_client_wrong_pin_refused_before_sending),
	cmocka_unit_test(test_req_2_1_channel_client_receiver_of_another_ca_refused),
	cmocka_unit_test(test_channel_client_pin_forms),
	cmocka_unit_test(test_req_1_17_channel_client_weak_policy_refused),
};

MEDSEC_TEST_MAIN(tests)
