/*
 * The worker's HTTP server: libevent's evhttp parses HTTP/1.1; this file
 * sets its bounds, puts a gate in front of every connection, and holds
 * the helpers the routes answer with.
 *
 * The gate watches each connection's input buffer (an evbuffer callback,
 * which runs as bytes arrive and before evhttp reads them). On the first
 * bytes it checks the client's address against the listener's
 * allow-list: a refused client's socket is shut down and nothing it sent
 * is routed. Then it watches the raw header bytes for what evhttp
 * tolerates but a smuggler relies on (a bare LF line end, an obs-fold
 * continuation line) and for a header section over max_header_bytes. It
 * does not parse HTTP: it looks at line ends, and at the Content-Length
 * of each request only to step over its body. The route answers a
 * flagged request with an error and closes the connection.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>

#include "medsec/channel.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/guard.h"
#include "worker.h"

#define CONN_BAD_LF 0x1
#define CONN_OBS_FOLD 0x2
#define CONN_HEADERS_TOO_BIG 0x4
#define CONN_DUP_LENGTH 0x8
#define CONN_LINGER 0x10 /* answered early: drain before closing */
#define CONN_GATE_ANSWERED 0x20 /* the gate answered 431: drop the rest */

enum gate_state { GATE_HEADERS, GATE_BODY, GATE_PASS };

struct conn {
	struct worker *w;
	int which;
	int fd;
	struct bufferevent *bev; /* the connection this state belongs to */
	int refused;
	int counted;		/* open in the guard until disconnected */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	unsigned flags;
	int state;
	size_t header_bytes;
	int first_line;
	int line_start;
	char prev;
	char line[48];	/* the start of the current line, lowercased */
	size_t line_len;
	int have_length, chunked_or_te;
	uint64_t length;
	uint64_t body_left;
};

struct gate_table {
	struct conn **by_fd;
	size_t n;
};

static struct gate_table gates;

static const char *const listener_names[MEDSECD_LISTEN__COUNT] = {
	"api", "peer", "debug_http" };

static struct conn *
conn_of_request(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	evutil_socket_t fd;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return NULL;
	fd = bufferevent_getfd(bev);
	if (fd < 0 || (size_t)fd >= gates.n || gates.by_fd[fd] == NULL ||
	    gates.by_fd[fd]->bev != bev)
		return NULL;
	return gates.by_fd[fd];
}

/* ---- the gate ---- */

static const struct medsec_config_cidrs *
allow_list(const struct medsec_config *cfg, int which)
{
	struct medsecd_listener_spec s;

	medsecd_listener_spec(cfg, which, &s);
	return s.allow;
}

/* 1 when the client may talk to this listener; otherwise noted. */
static int
gate_peer(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[PS_SOURCE_LEN] = "unknown";

	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	memcpy(&c->peer, &ss, len);
	c->peerlen = len;
	if (medsec_config_cidrs_match(allow_list(&c->w->cfg, c->which),
	    (struct sockaddr *)&ss, len) == 1)
		return 1;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    host, sizeof(host));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    host, sizeof(host));
	worker_note_refused(c->w, host, listener_names[c->which]);
	return 0;
}

/*
 * evhttp has one body limit per connection, read when it reads a body.
 * The gate sees each request line before evhttp parses the request, so
 * it sets the limit for that request: max_update_bytes for an update
 * package (POST /v1/updates), max_body_bytes for everything else. The
 * connection is the bufferevent's callback argument, which evhttp sets;
 * if that cannot be confirmed the limit stays max_body_bytes.
 */
static void
gate_body_limit(struct conn *c)
{
	static const char upload[] = "post /v1/updates ";
	const struct medsec_config *cfg = &c->w->cfg;
	void *arg = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, NULL, &arg);
	if (arg == NULL || evhttp_connection_get_bufferevent(arg) != c->bev)
		return;
	if (strncmp(c->line, upload, sizeof(upload) - 1) == 0)
		evhttp_connection_set_max_body_size(arg,
		    (ev_ssize_t)cfg->limits_max_update_bytes);
	else
		evhttp_connection_set_max_body_size(arg,
		    (ev_ssize_t)cfg->limits_max_body_bytes);
}

static void
end_of_line(struct conn *c)
{
	const char *v;
	char *end;
	unsigned long long n;

	if (c->line_len == 0 && !c->first_line) {
		/* The empty line ending the header section. */
		c->header_bytes = 0;
		c->first_line = 1;
		if (c->chunked_or_te)
			c->state = GATE_PASS;
		else if (c->have_length && c->length > 0) {
			c->state = GATE_BODY;
			c->body_left = c->length;
		}
		c->have_length = 0;
		c->length = 0;
		return;
	}
	if (c->line_len == 0)
		return; /* empty lines before a request line */
	if (!c->first_line && strncmp(c->line, "content-length:", 15) == 0) {
		v = c->line + 15;
		while (*v == ' ' || *v == '\t')
			v++;
		errno = 0;
		n = strtoull(v, &end, 10);
		if (c->have_length)
			c->flags |= CONN_DUP_LENGTH;
		c->have_length = 1;
		c->length = errno == 0 && end != v ? n : 0;
	} else if (!c->first_line &&
	    strncmp(c->line, "transfer-encoding:", 18) == 0)
		c->chunked_or_te = 1;
	else if (c->first_line)
		gate_body_limit(c);
	c->first_line = 0;
}

static void
scan_header_byte(struct conn *c, char ch)
{
	if (++c->header_bytes > c->w->cfg.limits_max_header_bytes)
		c->flags |= CONN_HEADERS_TOO_BIG;
	if (ch == '\n') {
		if (c->prev != '\r')
			c->flags |= CONN_BAD_LF;
		end_of_line(c);
		c->line_len = 0;
		c->line_start = 1;
	} else {
		if (c->line_start && !c->first_line && (ch == ' ' ||
		    ch == '\t'))
			c->flags |= CONN_OBS_FOLD;
		c->line_start = 0;
		if (ch != '\r' && c->line_len < sizeof(c->line) - 1) {
			c->line[c->line_len++] =
			    (char)tolower((unsigned char)ch);
			c->line[c->line_len] = '\0';
		}
	}
	c->prev = ch;
}

static void
scan(struct conn *c, const char *p, size_t n)
{
	size_t i = 0, step;

	while (i < n && c->state != GATE_PASS) {
		if (c->state == GATE_BODY) {
			step = n - i < c->body_left ? n - i :
			    (size_t)c->body_left;
			c->body_left -= step;
			i += step;
			if (c->body_left == 0)
				c->state = GATE_HEADERS;
			continue;
		}
		scan_header_byte(c, p[i++]);
	}
}

/*
 * The state of the connection behind bev, made on its first bytes. One
 * slot per descriptor number, reused by the next connection on the same
 * number: bounded by the descriptor limit, and nothing to free when
 * evhttp closes a connection.
 */
static struct worker *gate_worker; /* one worker per process */

static void
conn_disconnect(struct conn *c)
{
	if (c == NULL || !c->counted)
		return;
	medsec_guard_disconnect(c->w->guard, (struct sockaddr *)&c->peer,
	    c->peerlen);
	c->counted = 0;
}

/*
 * The flood guard's connection caps and rate, decided on the first
 * bytes, before anything the client sent is parsed. 1: admitted.
 */
static int
gate_guard(struct conn *c)
{
	uint32_t retry = 0;

	if (medsec_guard_connect(c->w->guard, (struct sockaddr *)&c->peer,
	    c->peerlen, (uint64_t)medsec_clock_mono_us(), &retry) !=
	    MEDSEC_OK)
		return 0;
	c->counted = 1;
	return 1;
}

/*
 * Lingering close, as nginx's lingering_close: a request refused before
 * it was read whole (431, 414, 413, 400) is answered while the client is
 * still sending. Closing a socket with unread input sends a reset, and a
 * client that is still writing then loses the answer. The socket is kept
 * open through a duplicate, its write side shut after the answer, and
 * what still arrives is read and dropped, bounded in time, bytes and in
 * the number of sockets lingering at once.
 */
#define LINGER_MAX 64
#define LINGER_BYTES (1024 * 1024)
#define LINGER_SECONDS 5

struct lingering_conn {
	struct event *ev;
	int fd;
	int shut;
	size_t bytes;
	int64_t started_us;
};

static size_t lingering;

static void
linger_end(struct lingering_conn *l)
{
	event_free(l->ev);
	close(l->fd);
	free(l);
	lingering--;
}

static void
linger_read(evutil_socket_t fd, short what, void *arg)
{
	struct lingering_conn *l = arg;
	char scratch[16384];
	ssize_t n;

	if (!l->shut) {
		/* The answer is in the socket: the client sees its end. */
		shutdown(fd, SHUT_WR);
		l->shut = 1;
	}
	if ((what & EV_TIMEOUT) != 0 || medsec_clock_mono_us() -
	    l->started_us > (int64_t)LINGER_SECONDS * 1000000) {
		linger_end(l);
		return;
	}
	for (;;) {
		n = read(fd, scratch, sizeof(scratch));
		if (n > 0) {
			l->bytes += (size_t)n;
			if (l->bytes > LINGER_BYTES)
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		break; /* the client's end, or an error */
	}
	linger_end(l);
}

static void
linger_start(struct event_base *base, evutil_socket_t fd)
{
	static const struct timeval idle = { 1, 0 };
	struct lingering_conn *l;

	if (fd < 0 || lingering >= LINGER_MAX)
		return; /* closed at once: the answer may be lost, nothing else */
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return;
	if ((l->fd = dup(fd)) < 0) {
		free(l);
		return;
	}
	l->started_us = medsec_clock_mono_us();
	l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, linger_read, l);
	if (l->ev == NULL || event_add(l->ev, &idle) != 0) {
		if (l->ev != NULL)
			event_free(l->ev);
		close(l->fd);
		free(l);
		return;
	}
	lingering++;
	/* Runs after evhttp has freed the connection: then shut and drain. */
	event_active(l->ev, EV_READ, 0);
}

/* evhttp closes a connection that made a request: it leaves the guard. */
static void
on_connection_close(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);

	if (c->bev != bev)
		return;
	conn_disconnect(c);
	if ((c->flags & CONN_LINGER) != 0)
		linger_start(c->w->base, bufferevent_getfd(bev));
}

/* Which listener accepted fd: the one whose port the socket is bound to. */
static int
listener_of(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct medsecd_listener_spec spec;
	uint16_t port;
	int i;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++) {
		medsecd_listener_spec(&gate_worker->cfg, i, &spec);
		if (spec.endpoint->set && spec.endpoint->port == port &&
		    gate_worker->http[i] != NULL)
			return i;
	}
	return -1;
}

/*
 * The gate's state of bev's connection, made on its first bytes. fresh:
 * the connection is known to be new (its ClientHello), so state left by
 * an earlier connection that had the same descriptor and, after a free
 * and a malloc, the same bufferevent address is not taken for its own.
 */
static struct conn *
conn_for(struct bufferevent *bev, int fresh)
{
	evutil_socket_t fd = bufferevent_getfd(bev);
	struct conn *c;
	int which;

	if (fd < 0 || (size_t)fd >= gates.n)
		return NULL;
	if ((c = gates.by_fd[fd]) != NULL && c->bev == bev && !fresh)
		return c;
	if ((which = listener_of(fd)) < 0)
		return NULL;
	if (c == NULL && (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	/* The descriptor was closed to be reused: that connection ended. */
	conn_disconnect(c);
	memset(c, 0, sizeof(*c));
	c->w = gate_worker;
	c->which = which;
	c->fd = fd;
	c->bev = bev;
	c->first_line = 1;
	c->line_start = 1;
	gates.by_fd[fd] = c;
	if (!gate_peer(c) || !gate_guard(c)) {
		/* Nothing it sent is routed; evhttp sees the end and closes. */
		c->refused = 1;
		shutdown(fd, SHUT_RDWR);
	}
	return c;
}

/*
 * Headers over max_header_bytes are answered by the gate as soon as they
 * pass the limit, and everything the client still sends is dropped
 * unread by evhttp: evhttp would otherwise buffer up to its own larger
 * limit and then answer by itself and close on unread input, and a
 * client still sending loses the answer to the reset. The client reads
 * the answer and closes; evhttp then sees the end.
 */
static void
gate_answer_too_large(struct conn *c, struct evbuffer *in)
{
	static const char body[] = "{\"error\":{\"code\":\"headers_too_large\","
	    "\"message\":\"the request line and headers exceed "
	    "max_header_bytes\"}}";

	c->flags |= CONN_GATE_ANSWERED;
	evbuffer_drain(in, evbuffer_get_length(in));
	if (evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 431 Request Header Fields Too Large\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", sizeof(body) - 1, body) < 0 ||
	    bufferevent_enable(c->bev, EV_WRITE) != 0)
		shutdown(c->fd, SHUT_RDWR); /* no answer: closed, not served */
}

static void
gate_input(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent *bev = arg;
	struct conn *c;
	struct evbuffer_ptr at;
	struct evbuffer_iovec v[16];
	int i, n;

	if (info->n_added == 0)
		return;
	if ((c = conn_for(bev, 0)) == NULL) {
		/* No state to check it with: refused, not let through. */
		shutdown(bufferevent_getfd(bev), SHUT_RDWR);
		return;
	}
	if (c->refused)
		return;
	if ((c->flags & CONN_GATE_ANSWERED) != 0) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (evbuffer_ptr_set(in, &at, info->orig_size - info->n_deleted,
	    EVBUFFER_PTR_SET) != 0)
		return;
	n = evbuffer_peek(in, (ev_ssize_t)info->n_added, &at, v, 16);
	for (i = 0; i < n && i < 16; i++)
		scan(c, v[i].iov_base, v[i].iov_len);
	if ((c->flags & CONN_HEADERS_TOO_BIG) != 0)
		gate_answer_too_large(c, in);
}

struct gate_arg {
	struct worker *w;
	int which;
};

/*
 * The channel asks when a ClientHello arrives: the allow-list and the
 * flood guard decide before any key exchange is computed (MFDS 1.5,
 * 2.4). 0 admits.
 */
static int
gate_admit(struct bufferevent *bev, void *arg)
{
	struct conn *c;

	(void)arg;
	if ((c = conn_for(bev, 1)) == NULL)
		return -1;
	return c->refused ? -1 : 0;
}

static struct gate_arg gate_args[MEDSECD_LISTEN__COUNT];

/*
 * evhttp asks for a bufferevent per accepted connection and sets its
 * descriptor afterwards; the gate watches what arrives in it.
 */
static struct bufferevent *
make_gate(struct event_base *base, void *arg)
{
	struct gate_arg *ga = arg;
	struct medsec_channel *ch = ga != NULL && ga->w != NULL ?
	    ga->w->channel[ga->which] : NULL;
	struct bufferevent *bev;

	/*
	 * HTTPS: the channel's bufferevent, whose admission (gate_admit)
	 * runs on the ClientHello; the gate then watches the decrypted
	 * bytes. Plain HTTP (debug_http only): a socket bufferevent.
	 */
	bev = ch != NULL ? medsec_channel_accept(ch, base, -1) :
	    bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL;
	if (evbuffer_add_cb(bufferevent_get_input(bev), gate_input, bev) ==
	    NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

int
http_prepare(void)
{
	struct rlimit rl;

	if (gates.by_fd != NULL)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 1048576)
		rl.rlim_cur = 65536;
	gates.n = (size_t)rl.rlim_cur;
	gates.by_fd = calloc(gates.n, sizeof(*gates.by_fd));
	return gates.by_fd == NULL ? -1 : 0;
}

/* ---- answers ---- */

void
http_json(struct evhttp_request *req, int status, const char *body,
    size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(h, "Cache-Control", "no-store");
	if (len > 0) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add(out, body, len);
	}
	evhttp_send_reply(req, status, NULL, NULL);
}

void
http_error(struct evhttp_request *req, int status, const char *code,
    const char *message, unsigned retry_after)
{
	char ra[16];
	json_t *o;
	char *text;

	o = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
	    message);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (retry_after > 0) {
		snprintf(ra, sizeof(ra), "%u", retry_after);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", ra);
	}
	/*
	 * A request that could not be read as sent (malformed, too large)
	 * leaves the connection's next bytes untrusted: answer and close.
	 */
	if ((status == 400 || status == 413 || status == 414 ||
	    status == 431) && evhttp_find_header(
	    evhttp_request_get_output_headers(req), "Connection") == NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
	if (text == NULL) {
		evhttp_send_reply(req, 500, NULL, NULL);
		return;
	}
	http_json(req, status, text, strlen(text));
	free(text);
}

void
http_error_close(struct evhttp_request *req, int status, const char *code,
    const char *message)
{
	struct conn *c = conn_of_request(req);

	if (c != NULL)
		c->flags |= CONN_LINGER;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	http_error(req, status, code, message, 0);
}

/* ---- request checks ---- */

static int
count_headers(struct evhttp_request *req, const char *name)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	int n = 0;

	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
		if (evutil_ascii_strcasecmp(kv->key, name) == 0)
			n++;
	return n;
}

int
http_check_request(struct worker *w, struct evhttp_request *req)
{
	struct conn *c = conn_of_request(req);
	int lengths, te;

	(void)w;
	if (c != NULL && (c->flags & CONN_HEADERS_TOO_BIG) != 0) {
		http_error_close(req, 431, "headers_too_large",
		    "the request line and headers exceed max_header_bytes");
		return -1;
	}
	if (c != NULL && (c->flags & CONN_BAD_LF) != 0) {
		http_error_close(req, 400, "malformed_request",
		    "a line ends in a bare LF; HTTP lines end in CRLF");
		return -1;
	}
	if (c != NULL && (c->flags & CONN_OBS_FOLD) != 0) {
		http_error_close(req, 400, "malformed_request",
		    "a header line is folded (starts with a space or tab)");
		return -1;
	}
	lengths = count_headers(req, "Content-Length");
	te = count_headers(req, "Transfer-Encoding");
	if (lengths > 1 || (c != NULL && (c->flags & CONN_DUP_LENGTH) != 0)) {
		http_error_close(req, 400, "malformed_request",
		    "more than one Content-Length");
		return -1;
	}
	if (lengths > 0 && te > 0) {
		http_error_close(req, 400, "malformed_request",
		    "both Content-Length and Transfer-Encoding");
		return -1;
	}
	if (te > 0) {
		http_error_close(req, 411, "length_required",
		    "bodies must carry Content-Length; Transfer-Encoding is "
		    "not accepted");
		return -1;
	}
	return 0;
}

int
http_bearer(struct evhttp_request *req, char token[MEDSEC_TOKEN_TEXT_LEN])
{
	const char *v;
	size_t i, n;

	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (v == NULL || count_headers(req, "Authorization") != 1 ||
	    evutil_ascii_strncasecmp(v, "Bearer ", 7) != 0)
		goto bad;
	v += 7;
	n = strlen(v);
	if (n != MEDSEC_TOKEN_TEXT_LEN - 1)
		goto bad;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			goto bad;
	memcpy(token, v, n + 1);
	return 0;
bad:
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "WWW-Authenticate", "Bearer");
	http_error(req, 401, "unauthenticated",
	    "this needs Authorization: Bearer <token> from POST /v1/session",
	    0);
	return -1;
}

json_t *
http_json_body(struct evhttp_request *req, size_t max)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *ct;
	size_t len = evbuffer_get_length(in);
	json_error_t jerr;
	char msg[256];
	json_t *o;

	ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	if (ct == NULL || evutil_ascii_strncasecmp(ct, "application/json",
	    16) != 0 || (ct[16] != '\0' && ct[16] != ';')) {
		http_error(req, 415, "unsupported_media_type",
		    "the body must be application/json", 0);
		return NULL;
	}
	if (len > max) {
		http_error_close(req, 413, "body_too_large",
		    "the body exceeds max_body_bytes");
		return NULL;
	}
	o = json_loadb((const char *)evbuffer_pullup(in, (ev_ssize_t)len), len,
	    JSON_REJECT_DUPLICATES, &jerr);
	evbuffer_drain(in, len);
	if (o == NULL || !json_is_object(o)) {
		snprintf(msg, sizeof(msg), "the body is not a JSON object%s%s",
		    o == NULL ? ": " : "", o == NULL ? jerr.text : "");
		json_decref(o);
		http_error(req, 400, "invalid_json", msg, 0);
		return NULL;
	}
	return o;
}

void
http_source(struct evhttp_request *req, char *source, size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *host = NULL;
	ev_uint16_t port = 0;

	snprintf(source, len, "unknown");
	if (evcon == NULL)
		return;
	evhttp_connection_get_peer(evcon, &host, &port);
	if (host != NULL)
		snprintf(source, len, "%s", host);
}

int
http_guard_request(struct worker *w, struct evhttp_request *req, int login)
{
	struct conn *c = conn_of_request(req);
	uint32_t retry = 1;
	int r;

	if (c == NULL)
		r = MEDSEC_ERR_INVALID;
	else
		r = medsec_guard_request(w->guard, (struct sockaddr *)&c->peer,
		    c->peerlen, login ? MEDSEC_GUARD_LOGIN :
		    MEDSEC_GUARD_REQUEST, (uint64_t)medsec_clock_mono_us(),
		    &retry);
	if (r == MEDSEC_OK)
		return 0;
	http_error(req, 429, "rate_limited", login ?
	    "too many login attempts from your address; retry later" :
	    "too many requests from your address; retry later",
	    retry > 0 ? retry : 1);
	return -1;
}

/* ---- the peer listener (machine peers, mutual TLS: MFDS 1.5, 1.6) ---- */

static const char *
method_name(enum evhttp_cmd_type method)
{
	switch (method) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	default:
		return "OTHER";
	}
}

/*
 * Every request on the peer listener goes to the monitor with the client
 * certificate's fingerprint: it maps the certificate to its machine
 * identity (exact fingerprint match) and decides under that identity's
 * roles. Nothing is decided or answered here but malformed paths.
 */
static void
peer_route(struct worker *w, struct conn *c, struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req), *query;
	struct ps_peer_req r;
	size_t pathlen;

	if (uri == NULL || uri[0] != '/' || strchr(uri, '%') != NULL ||
	    strchr(uri, '#') != NULL) {
		http_error(req, 400, "invalid_request",
		    "the path must be plain (no escapes)", 0);
		return;
	}
	if (http_guard_request(w, req, 0) != 0)
		return;
	if ((query = strchr(uri, '?')) != NULL) {
		http_error(req, 400, "invalid_request",
		    "the peer listener's paths take no query", 0);
		return;
	}
	memset(&r, 0, sizeof(r));
	/* The handshake verified it; no certificate cannot get here. */
	if (medsec_channel_peer_fingerprint(c->bev, r.fingerprint) !=
	    MEDSEC_OK) {
		http_error_close(req, 403, "unknown_peer",
		    "no client certificate on this connection");
		return;
	}
	http_source(req, r.from.source, sizeof(r.from.source));
	snprintf(r.from.listener, sizeof(r.from.listener), "%s",
	    listener_names[MEDSECD_LISTEN_PEER]);
	snprintf(r.method, sizeof(r.method), "%s",
	    method_name(evhttp_request_get_command(req)));
	pathlen = strlen(uri);
	if (pathlen < sizeof(r.path))
		memcpy(r.path, uri, pathlen + 1);
	worker_request(w, req, PS_PEER_REQUEST, &r, sizeof(r));
}

/* ---- failed handshakes ---- */

static void
on_tls_failure(const struct medsec_channel_failure_report *f, void *arg)
{
	struct gate_arg *ga = arg;

	worker_note_tls_failure(ga->w, f->source, listener_names[ga->which],
	    f->reason, f->alert);
}

/* ---- listeners ---- */

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct gate_arg *ga = arg;
	struct conn *c = conn_of_request(req);

	if (c == NULL || c->refused) {
		/* Its socket is shut down: this answer goes nowhere. */
		evhttp_send_error(req, 403, NULL);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_connection_close, c);
	if (http_check_request(ga->w, req) != 0)
		return;
	if (ga->which == MEDSECD_LISTEN_PEER)
		peer_route(ga->w, c, req);
	else
		api_route(ga->w, ga->which, req);
}

int
http_listen(struct worker *w, int which, int fd)
{
	const struct medsec_config *c = &w->cfg;
	struct evhttp *h;

	/* api and peer are HTTPS: never served without the TLS channel. */
	if (which != MEDSECD_LISTEN_DEBUG && w->channel[which] == NULL)
		return MEDSEC_ERR_STATE;
	if (gates.by_fd == NULL)
		return MEDSEC_ERR_STATE;
	gate_args[which].w = w;
	gate_args[which].which = which;
	if (w->channel[which] != NULL) {
		medsec_channel_set_admission(w->channel[which], gate_admit,
		    NULL);
		medsec_channel_set_failure_hook(w->channel[which],
		    on_tls_failure, &gate_args[which]);
	}
	if ((h = evhttp_new(w->base)) == NULL)
		return MEDSEC_ERR_NOMEM;
	gate_worker = w;
	/*
	 * evhttp's own bounds sit above the gate's, so the gate answers
	 * first with the precise error; evhttp's stop what gets past.
	 */
	evhttp_set_max_headers_size(h, (ev_ssize_t)c->limits_max_header_bytes *
	    2);
	evhttp_set_max_body_size(h, (ev_ssize_t)c->limits_max_body_bytes);
	evhttp_set_timeout_tv(h, &(struct timeval){
	    (time_t)c->limits_header_timeout, 0 });
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE);
	evhttp_set_default_content_type(h, "application/json");
	evhttp_set_bevcb(h, make_gate, &gate_args[which]);
	evhttp_set_gencb(h, on_request, &gate_args[which]);
	if (evhttp_accept_socket_with_handle(h, fd) == NULL) {
		evhttp_free(h);
		return MEDSEC_ERR_IO;
	}
	w->http[which] = h;
	return MEDSEC_OK;
}
