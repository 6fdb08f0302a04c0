/*
 * The connections of a channel: admission on the ClientHello (MFDS 2.4),
 * the handshake deadline, the report of every failed handshake (the
 * daemon's TLS_FAILURE records, MFDS 1.5 and 1.15) and the live
 * connections a revocation closes (1.6).
 *
 * Each SSL made by medsec_channel_accept() carries a channel_conn in an
 * ex_data slot that OpenSSL frees with it, so its state lives exactly as
 * long as the connection, whoever frees the bufferevent (libevent's evhttp
 * does, in the daemon). The info callback follows the handshake: the
 * alerts either side sends and, when a handshake step returns with an
 * error queued, the failure, reported once with its reason; a refusal
 * we sent an alert for then lingers before its close (channel_linger.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "medsec/err.h"
#include "channel/channel_int.h"

struct channel_conn {
	struct channel_conn *prev, *next; /* the channel's live list */
	struct medsec_channel *ch;	  /* NULL once the channel is freed */
	struct bufferevent *bev;
	struct event_base *base;
	struct event *deadline;
	struct channel_linger *linger; /* taken at a refusal, started at free */
	char source[MEDSEC_CHANNEL_SOURCE_LEN];
	int alert_sent, alert_received;
	int admission_refused;
	int done;     /* the handshake finished */
	int reported; /* its failure was reported (or is not one) */
};

static int conn_slot = -1;

static void
conn_unlink(struct channel_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (c->ch != NULL && c->ch->live == c)
		c->ch->live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* OpenSSL frees every SSL's slots; ptr is NULL on SSLs not ours. */
static void
conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct channel_conn *c = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (c == NULL)
		return;
	if (c->deadline != NULL)
		event_free(c->deadline);
	/* Its owner is done with it: the refusal may now drain and end. */
	channel_linger_start(c->linger);
	conn_unlink(c);
	free(c);
}

static struct channel_conn *
conn_of(const SSL *ssl)
{
	return conn_slot >= 0 ? SSL_get_ex_data(ssl, conn_slot) : NULL;
}

/* The client's address, taken while the socket is open. */
static void
note_source(struct channel_conn *c, const SSL *ssl)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if (c->source[0] != '\0' || (fd = SSL_get_fd(ssl)) < 0 ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    c->source, sizeof(c->source));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    c->source, sizeof(c->source));
	else
		snprintf(c->source, sizeof(c->source), "local");
}

static void
report(struct channel_conn *c, const SSL *ssl, const char *reason, int alert)
{
	struct medsec_channel_failure_report f;

	if (c->reported)
		return;
	c->reported = 1;
	/* The admission's refusals are the caller's to record. */
	if (c->admission_refused || c->ch == NULL || c->ch->on_failure == NULL)
		return;
	note_source(c, ssl);
	f.source = c->source[0] != '\0' ? c->source : "unknown";
	f.reason = reason;
	f.alert = alert;
	c->ch->on_failure(&f, c->ch->failure_arg);
}

/* A handshake step returned with an error queued: the handshake failed. */
static void
step_failed(struct channel_conn *c, const SSL *ssl)
{
	unsigned long e = ERR_peek_last_error();
	char why[200];

	/*
	 * Closed before a ClientHello was read: no TLS was spoken (a port
	 * scan, a load balancer's probe), so no TLS failure.
	 */
	if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING &&
	    SSL_get_state(ssl) == TLS_ST_BEFORE) {
		c->reported = 1;
		return;
	}
	channel_failure_reason(ssl, e, c->alert_received, why, sizeof(why));
	report(c, ssl, why, c->alert_sent != 0 ? c->alert_sent :
	    c->alert_received);
	/*
	 * Our alert is written; input the client sent after its Finished
	 * may be unread. The admission's refusals are left to close at
	 * once: they are the flood guard's, and cheap on purpose.
	 */
	if (c->alert_sent != 0 && !c->admission_refused && c->linger == NULL)
		c->linger = channel_linger_take(c->ch, c->base,
		    SSL_get_fd(ssl));
}

static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct channel_conn *c = conn_of(ssl);

	if (c == NULL || c->done)
		return;
	note_source(c, ssl);
	if ((where & SSL_CB_HANDSHAKE_DONE) != 0) {
		c->done = 1;
		if (c->deadline != NULL)
			event_del(c->deadline);
	} else if (where == SSL_CB_WRITE_ALERT && (ret >> 8) == SSL3_AL_FATAL)
		c->alert_sent = ret & 0xff;
	else if (where == SSL_CB_READ_ALERT && (ret >> 8) == SSL3_AL_FATAL)
		c->alert_received = ret & 0xff;
	else if (where == SSL_CB_ACCEPT_EXIT && ret <= 0 &&
	    ERR_peek_error() != 0)
		step_failed(c, ssl);
}

/* tls.handshake_timeout: a slow or stalled handshake is cut off. */
static void
on_deadline(evutil_socket_t unused, short what, void *arg)
{
	struct channel_conn *c = arg;
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	evutil_socket_t fd;

	(void)unused;
	(void)what;
	if (c->done || ssl == NULL || SSL_is_init_finished(ssl))
		return;
	report(c, ssl, "handshake timeout", 0);
	/* Its next read sees the end, and its owner frees it. */
	if ((fd = bufferevent_getfd(c->bev)) >= 0)
		shutdown(fd, SHUT_RDWR);
}

int
channel_conn_setup(struct medsec_channel *ch)
{
	if (conn_slot < 0)
		conn_slot = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    conn_free);
	if (conn_slot < 0)
		return MEDSEC_ERR_CRYPTO;
	SSL_CTX_set_info_callback(ch->ctx, info_cb);
	return MEDSEC_OK;
}

void
channel_conn_detach(struct medsec_channel *ch)
{
	struct channel_conn *c, *next;

	for (c = ch->live; c != NULL; c = next) {
		next = c->next;
		c->ch = NULL;
		c->linger = NULL; /* closed with the channel's list */
		c->prev = c->next = NULL;
	}
	ch->live = NULL;
}

/*
 * The first thing the server does with a ClientHello, before the key
 * share is computed or anything signed: the caller's admission (flood
 * guard, allow-list) refuses a connection that would spend TLS work.
 */
static int
client_hello(SSL *ssl, int *alert, void *arg)
{
	struct medsec_channel *ch = arg;
	struct channel_conn *c = conn_of(ssl);

	if (ch == NULL || ch->admit == NULL)
		return SSL_CLIENT_HELLO_SUCCESS;
	if (c != NULL && ch->admit(c->bev, ch->admit_arg) == 0)
		return SSL_CLIENT_HELLO_SUCCESS;
	if (c != NULL)
		c->admission_refused = 1;
	*alert = SSL_AD_HANDSHAKE_FAILURE;
	return SSL_CLIENT_HELLO_ERROR;
}

void
medsec_channel_set_admission(struct medsec_channel *ch,
    int (*admit)(struct bufferevent *bev, void *arg), void *arg)
{
	if (ch == NULL)
		return;
	ch->admit = admit;
	ch->admit_arg = arg;
	SSL_CTX_set_client_hello_cb(ch->ctx, admit != NULL ? client_hello :
	    NULL, ch);
}

void
medsec_channel_set_failure_hook(struct medsec_channel *ch,
    void (*hook)(const struct medsec_channel_failure_report *f, void *arg),
    void *arg)
{
	if (ch == NULL)
		return;
	ch->on_failure = hook;
	ch->failure_arg = arg;
}

struct bufferevent *
medsec_channel_accept(struct medsec_channel *ch, struct event_base *base,
    int fd)
{
	struct channel_conn *c;
	struct bufferevent *bev;
	struct timeval deadline;
	SSL *ssl;

	/* fd -1: evhttp sets the descriptor after its bufferevent callback. */
	if (ch == NULL || base == NULL || fd < -1 || conn_slot < 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((ssl = SSL_new(ch->ctx)) == NULL) {
		free(c);
		return NULL;
	}
	if (SSL_set_ex_data(ssl, conn_slot, c) != 1) {
		SSL_free(ssl);
		free(c);
		return NULL;
	}
	/* From here SSL_free() frees c. */
	if ((bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		SSL_free(ssl); /* not taken over on failure */
		return NULL;
	}
	c->bev = bev;
	c->base = base;
	c->ch = ch;
	c->next = ch->live;
	if (ch->live != NULL)
		ch->live->prev = c;
	ch->live = c;
	deadline.tv_sec = (time_t)ch->handshake_timeout;
	deadline.tv_usec = 0;
	if (ch->handshake_timeout > 0 && ((c->deadline = evtimer_new(base,
	    on_deadline, c)) == NULL || evtimer_add(c->deadline, &deadline) !=
	    0)) {
		/* Without its deadline a stalled client would hold it. */
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

size_t
medsec_channel_close_revoked(struct medsec_channel *ch,
    void (*closed)(const char *source, const char *fingerprint, void *arg),
    void *arg)
{
	char hex[MEDSEC_CHANNEL_FINGERPRINT_LEN];
	struct channel_conn *c;
	evutil_socket_t fd;
	SSL *ssl;
	size_t n = 0;

	if (ch == NULL)
		return 0;
	for (c = ch->live; c != NULL; c = c->next) {
		if (!c->done || (ssl = bufferevent_openssl_get_ssl(c->bev)) ==
		    NULL || medsec_channel_peer_fingerprint(c->bev, hex) !=
		    MEDSEC_OK || medsec_channel_peer_revoked(ch, hex) !=
		    MEDSEC_ERR_DISABLED)
			continue;
		if ((fd = bufferevent_getfd(c->bev)) < 0 ||
		    shutdown(fd, SHUT_RDWR) != 0)
			continue; /* already closed */
		note_source(c, ssl);
		if (closed != NULL)
			closed(c->source[0] != '\0' ? c->source : "unknown", hex,
			    arg);
		n++;
	}
	return n;
}
