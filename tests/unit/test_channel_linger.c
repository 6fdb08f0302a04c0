/*
 * The lingering close after a refused handshake (MFDS 1.6): a client
 * that sends its request at once after its Finished still reads the
 * alert that refuses its certificate, not a reset; and a flood of
 * refused handshakes holds no more descriptors than the cap.
 *
 * The server is the channel on a TCP socket on 127.0.0.1, in a child
 * process running its own event loop, so the clients (openssl s_client,
 * and an OpenSSL client here) meet it as they would the daemon's worker,
 * and its descriptors can be counted in /proc.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "testmain.h"
#include "tlspki.h"
#include "medsec/channel.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

#define ALERT_CERTIFICATE_REVOKED 44
#define ALERT_UNKNOWN_CA 48
#define S_CLIENT_RUNS 20
#define REQUEST "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n"

/* The PKI: the peer CA that signs the server and good peers, another. */
struct pki {
	char dir[64];
	char ca_file[128];
	EVP_PKEY *ca_key, *other_key, *server_key, *peer_key;
	X509 *ca, *other;
	char *server_cert, *server_key_pem;
	size_t server_cert_len, server_key_len;
};

struct server {
	pid_t pid;
	int port;
};

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
	snprintf(p->dir, sizeof(p->dir), "/tmp/medsec-linger-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->ca_file, sizeof(p->ca_file), "%s/ca.pem", p->dir);
	p->ca_key = tlspki_key_ec("P-256");
	p->other_key = tlspki_key_ec("P-256");
	p->server_key = tlspki_key_ec("P-256");
	p->peer_key = tlspki_key_ec("P-256");
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
	EVP_PKEY_free(p->peer_key);
	X509_free(p->ca);
	X509_free(p->other);
	free(p->server_cert);
	free(p->server_key_pem);
	nftw(p->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A client certificate for the peer key, from the peer CA or the other. */
static X509 *
peer_cert(const struct pki *p, int other_ca, long serial)
{
	struct tlspki_cert_opts o = { "hospital-hub", other_ca ? p->other :
		p->ca, other_ca ? p->other_key : p->ca_key, 0, "clientAuth", -1,
		30, serial, NULL };

	return tlspki_cert(p->peer_key, &o);
}

/* The mutual-TLS channel of the peer listener, with a revocation list. */
static struct medsec_channel *
peer_channel(const struct pki *p, const char *revoked_fp)
{
	struct medsec_channel_options o;
	struct medsec_channel *ch = NULL;
	char err[512], list[256];
	int r;

	memset(&o, 0, sizeof(o));
	o.cert_pem = p->server_cert;
	o.cert_len = p->server_cert_len;
	o.key_pem = p->server_key_pem;
	o.key_len = p->server_key_len;
	o.require_client_cert = 1;
	o.peer_ca_file = p->ca_file;
	o.handshake_timeout = 60;
	if (revoked_fp != NULL) {
		snprintf(list, sizeof(list), "medsec-revocation-list 1\n%s "
		    "2026-11-23T08:09:26.123456Z hospital-hub peer disabled\n",
		    revoked_fp);
		o.revocation_text = list;
		o.revocation_len = strlen(list);
	}
	r = medsec_channel_new(&o, &ch, err, sizeof(err));
	if (r != MEDSEC_OK)
		fail_msg("medsec_channel_new: %s (%s)", err, medsec_strerror(r));
	return ch;
}

/* ---- the server: the channel behind a listener, in a child ---- */

struct serving {
	struct medsec_channel *ch;
	struct event_base *base;
	int lfd;
};

static void
on_conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	/* Nothing is served: a peer that got in is told so and ended. */
	if ((what & BEV_EVENT_CONNECTED) != 0) {
		bufferevent_write(bev, "ok", 2);
		return;
	}
	/* As evhttp does on an error: the owner frees its connection. */
	bufferevent_free(bev);
}

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct serving *s = arg;
	struct bufferevent *bev;
	int fd;

	(void)what;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	if ((bev = medsec_channel_accept(s->ch, s->base, fd)) == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, NULL, NULL, on_conn_event, s);
	if (bufferevent_enable(bev, EV_READ | EV_WRITE) != 0)
		bufferevent_free(bev);
}

static void
serve(struct serving *s, int ready)
{
	struct event *ev;

	/* A failed assertion in the parent must not leave a server behind. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		_exit(2);
	signal(SIGPIPE, SIG_IGN);
	if ((s->base = event_base_new()) == NULL ||
	    (ev = event_new(s->base, s->lfd, EV_READ | EV_PERSIST, on_accept,
	    s)) == NULL || event_add(ev, NULL) != 0)
		_exit(2);
	/* Its end, not a byte, says ready: no descriptor left in flight. */
	close(ready);
	event_base_dispatch(s->base);
	_exit(0);
}

static void
server_start(struct server *srv, struct medsec_channel *ch)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct serving s;
	int ready[2];
	char c;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&s, 0, sizeof(s));
	s.ch = ch;
	assert_true((s.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(bind(s.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s.lfd, 256), 0);
	assert_int_equal(getsockname(s.lfd, (struct sockaddr *)&sin, &len),
	    0);
	srv->port = ntohs(sin.sin_port);
	assert_int_equal(pipe(ready), 0);
	assert_true((srv->pid = fork()) >= 0);
	if (srv->pid == 0) {
		close(ready[0]);
		serve(&s, ready[1]);
	}
	close(ready[1]);
	close(s.lfd);
	assert_int_equal(read(ready[0], &c, 1), 0);
	close(ready[0]);
}

static void
server_stop(struct server *srv)
{
	int status;

	assert_int_equal(kill(srv->pid, SIGTERM), 0);
	assert_int_equal(waitpid(srv->pid, &status, 0), srv->pid);
}

/* Open descriptors of the server process. */
static size_t
server_fds(const struct server *srv)
{
	char path[64];
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)srv->pid);
	assert_non_null(dir = opendir(path));
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* ---- clients ---- */

static int
have_openssl_cli(void)
{
	return system("command -v openssl >/dev/null 2>&1") == 0;
}

/*
 * Runs openssl s_client with the request piped in, no pause: it sends
 * the request as soon as its handshake is done, right after its
 * Finished. Returns how many of the runs printed the alert.
 */
static int
s_client_runs(const struct pki *p, const struct server *srv,
    const char *cert, const char *key, const char *alert, char *last,
    size_t lastlen)
{
	char cmd[1024], line[512];
	int seen = 0, i, hit;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "printf '%s' | timeout 20 openssl s_client "
	    "-connect 127.0.0.1:%d -servername localhost -CAfile %s "
	    "-cert %s -key %s -ign_eof 2>&1", "GET /v1/health HTTP/1.1\\r\\n"
	    "Host: localhost\\r\\n\\r\\n", srv->port, p->ca_file, cert, key);
	for (i = 0; i < S_CLIENT_RUNS; i++) {
		assert_non_null(f = popen(cmd, "r"));
		hit = 0;
		last[0] = '\0';
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strstr(line, alert) != NULL)
				hit = 1;
			if (strstr(line, "errno") != NULL ||
			    strstr(line, "alert") != NULL)
				snprintf(last, lastlen, "%s", line);
		}
		pclose(f);
		seen += hit;
	}
	return seen;
}

static void
write_peer(const struct pki *p, X509 *x, const char *name, char *cert,
    char *key, size_t len)
{
	char *pem;

	snprintf(cert, len, "%s/%s.pem", p->dir, name);
	snprintf(key, len, "%s/%s.key", p->dir, name);
	pem = tlspki_cert_pem(x, NULL);
	tlspki_write(cert, pem);
	free(pem);
	pem = tlspki_key_pem(p->peer_key, NULL);
	tlspki_write(key, pem);
	free(pem);
}

static void
test_req_1_6_channel_alert_reaches_eager_client(void **state)
{
	char cert[160], key[160], last[512], fp[65];
	struct medsec_channel *ch;
	struct server srv;
	X509 *revoked, *stranger;
	struct pki p;

	(void)state;
	if (!have_openssl_cli())
		skip();
	pki_setup(&p);
	revoked = peer_cert(&p, 0, 201);
	stranger = peer_cert(&p, 1, 202);
	tlspki_fingerprint(revoked, fp);
	ch = peer_channel(&p, fp);
	server_start(&srv, ch);

	write_peer(&p, revoked, "revoked", cert, key, sizeof(cert));
	if (s_client_runs(&p, &srv, cert, key, "certificate revoked", last,
	    sizeof(last)) != S_CLIENT_RUNS)
		fail_msg("a revoked peer missed its alert; last: %s", last);
	write_peer(&p, stranger, "stranger", cert, key, sizeof(cert));
	if (s_client_runs(&p, &srv, cert, key, "unknown ca", last,
	    sizeof(last)) != S_CLIENT_RUNS)
		fail_msg("a peer of another CA missed its alert; last: %s",
		    last);

	server_stop(&srv);
	medsec_channel_free(ch);
	X509_free(revoked);
	X509_free(stranger);
	pki_teardown(&p);
}

struct refused {
	int fd;
	int wrote;  /* the request went out after the handshake */
	int reset;  /* the server's end was a reset, not an orderly close */
	int alert;  /* the alert read after that end */
};

static void
note_alert(const SSL *ssl, int where, int ret)
{
	struct refused *r = SSL_get_app_data(ssl);

	if ((where & SSL_CB_READ_ALERT) != 0 && r->alert == 0)
		r->alert = ret & 0xff;
}

static int
ignore_verify(int ok, X509_STORE_CTX *xs)
{
	(void)ok;
	(void)xs;
	return 1;
}

/*
 * One refused peer: handshake, the request at once, then it waits for
 * the server's end of the connection before it reads anything, so the
 * alert must still be there after that end, and the end must not be a
 * reset. The socket stays open (r->fd), as an attacker would keep it.
 */
static void
refused_peer(const struct server *srv, SSL_CTX *ctx, struct refused *r)
{
	struct pollfd pfd;
	struct sockaddr_in sin;
	char sink[512];
	SSL *ssl;

	memset(r, 0, sizeof(*r));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)srv->port);
	assert_true((r->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(r->fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_non_null(ssl = SSL_new(ctx));
	SSL_set_app_data(ssl, r);
	SSL_set_fd(ssl, r->fd);
	if (SSL_connect(ssl) == 1) {
		r->wrote = SSL_write(ssl, REQUEST, (int)strlen(REQUEST)) > 0;
		pfd.fd = r->fd;
		pfd.events = POLLRDHUP;
		pfd.revents = 0;
		assert_int_equal(poll(&pfd, 1, -1), 1);
		r->reset = (pfd.revents & (POLLERR | POLLHUP)) != 0;
		(void)SSL_read(ssl, sink, sizeof(sink));
	}
	/* The end: shut by a lingering server, closed by one over its cap. */
	while (read(r->fd, sink, sizeof(sink)) > 0)
		;
	SSL_free(ssl);
	ERR_clear_error();
}

/*
 * PEERS refused peers in a row, each kept open; the server then holds
 * exactly min(cap, PEERS) descriptors more than before, and gives them
 * back once the peers close.
 */
static void
refused_flood(size_t cap)
{
	enum { PEERS = 20 };
	struct refused peers[PEERS];
	struct medsec_channel *ch;
	size_t base_fds, i, alerted = 0;
	struct server srv;
	SSL_CTX *ctx;
	X509 *stranger;
	struct pki p;

	signal(SIGPIPE, SIG_IGN);
	pki_setup(&p);
	stranger = peer_cert(&p, 1, 301);
	ch = peer_channel(&p, NULL);
	/* Long enough that none ends on its clock while counted. */
	medsec_channel_set_linger(ch, cap, 120, MEDSEC_CHANNEL_LINGER_BYTES);
	server_start(&srv, ch);
	base_fds = server_fds(&srv);

	assert_non_null(ctx = SSL_CTX_new(TLS_client_method()));
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, ignore_verify);
	SSL_CTX_set_info_callback(ctx, note_alert);
	assert_int_equal(SSL_CTX_use_certificate(ctx, stranger), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, p.peer_key), 1);
	for (i = 0; i < PEERS; i++) {
		refused_peer(&srv, ctx, &peers[i]);
		alerted += peers[i].alert == ALERT_UNKNOWN_CA;
		/* Within the cap: an orderly end, and the alert before it. */
		if (i < cap) {
			assert_true(peers[i].wrote);
			assert_false(peers[i].reset);
			assert_int_equal(peers[i].alert, ALERT_UNKNOWN_CA);
		}
	}
	/* Every refusal was seen to its end: cap linger, the rest closed. */
	assert_int_equal(server_fds(&srv), base_fds + (cap < PEERS ? cap :
	    PEERS));
	assert_true(alerted >= (cap < PEERS ? cap : PEERS));

	/* The clients go: so do the lingering sockets (a guard, no clock). */
	for (i = 0; i < PEERS; i++)
		close(peers[i].fd);
	for (i = 0; i < 3000 && server_fds(&srv) != base_fds; i++)
		usleep(10000);
	assert_int_equal(server_fds(&srv), base_fds);

	server_stop(&srv);
	SSL_CTX_free(ctx);
	medsec_channel_free(ch);
	X509_free(stranger);
	pki_teardown(&p);
}

static void
test_req_1_6_channel_refused_flood_lingers_within_cap(void **state)
{
	(void)state;
	refused_flood(8);
}

/* Cap 0: no lingering at all, every refused socket closes at once. */
static void
test_channel_linger_cap_zero_closes_at_once(void **state)
{
	(void)state;
	refused_flood(0);
}

static void
test_channel_linger_defaults(void **state)
{
	struct medsec_channel *ch;
	struct pki p;

	(void)state;
	pki_setup(&p);
	ch = peer_channel(&p, NULL);
	assert_int_equal(medsec_channel_lingering(ch), 0);
	assert_int_equal(medsec_channel_lingering(NULL), 0);
	assert_int_equal(MEDSEC_CHANNEL_LINGER_MAX, 64);
	assert_int_equal(MEDSEC_CHANNEL_LINGER_SECONDS, 2);
	assert_int_equal(MEDSEC_CHANNEL_LINGER_BYTES, 65536);
	medsec_channel_free(ch);
	pki_teardown(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_6_channel_alert_reaches_eager_client),
	cmocka_unit_test(test_req_1_6_channel_refused_flood_lingers_within_cap),
	cmocka_unit_test(test_channel_linger_cap_zero_closes_at_once),
	cmocka_unit_test(test_channel_linger_defaults),
};

MEDSEC_TEST_MAIN(tests)
