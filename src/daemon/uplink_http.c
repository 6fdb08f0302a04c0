/*
 * The uplink's HTTP client (uplink.h): libcurl's multi interface driven
 * by the uplink's libevent loop (CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION), mutual TLS under the [tls] policy.
 *
 * Name resolution happens once, in uplink_http_new, before the sandbox:
 * the address is handed to libcurl with CURLOPT_RESOLVE, so its DNS cache
 * answers every later lookup and no resolver thread is started (the
 * sandbox allows none: RLIMIT_NPROC is 0). A collector that moves needs
 * a restart of the uplink, which the monitor does with back-off.
 */
#include "uplink.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "medsec/crypto.h"
#include "medsec/err.h"

/* A collector's answer is read and dropped; more than this is an error. */
#define RESPONSE_MAX (256u * 1024u)

struct uplink_http {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct curl_slist *resolve;
	struct curl_slist *headers;
	const struct medsec_config *cfg;
	char pin[96];
	struct curl_blob cert, key, ca;
	int running;
};

/* One request in flight. */
struct post {
	struct uplink_http *h;
	CURL *easy;
	uplink_done_fn done;
	void *arg;
	size_t received;
	char error[CURL_ERROR_SIZE];
};

/* A socket libcurl watches, with its event. */
struct watch {
	struct event *ev;
};

static void check_done(struct uplink_http *h);

/* Sets err to "what: detail" and returns code. */
static int
fail(int code, char *err, size_t errlen, const char *what,
    const char *detail)
{
	snprintf(err, errlen, "%s%s%s", what, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
	return code;
}

/* ---- libcurl on libevent ---- */

static void
on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct uplink_http *h = arg;
	int flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, flags, &h->running);
	check_done(h);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct uplink_http *h = arg;

	(void)fd;
	(void)what;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0,
	    &h->running);
	check_done(h);
}

static int
on_curl_socket(CURL *easy, curl_socket_t s, int action, void *userp,
    void *socketp)
{
	struct uplink_http *h = userp;
	struct watch *w = socketp;
	short kind;

	(void)easy;
	if (action == CURL_POLL_REMOVE) {
		if (w != NULL) {
			event_free(w->ev);
			free(w);
		}
		curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	kind = EV_PERSIST | (action & CURL_POLL_IN ? EV_READ : 0) |
	    (action & CURL_POLL_OUT ? EV_WRITE : 0);
	if (w == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return -1;
		curl_multi_assign(h->multi, s, w);
	} else {
		event_free(w->ev);
	}
	if ((w->ev = event_new(h->base, s, kind, on_socket_event, h)) ==
	    NULL || event_add(w->ev, NULL) != 0)
		return -1;
	return 0;
}

static int
on_curl_timer(CURLM *multi, long ms, void *userp)
{
	struct uplink_http *h = userp;
	struct timeval tv;

	(void)multi;
	if (ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return evtimer_add(h->timer, &tv);
}

/* ---- results ---- */

/* Failures of the channel itself: the collector is not who it should be. */
static int
is_tls_failure(CURLcode c)
{
	switch (c) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ISSUER_ERROR:
		return 1;
	default:
		return 0;
	}
}

static void
finish(struct uplink_http *h, CURLMsg *msg)
{
	struct uplink_result res;
	struct post *p = NULL;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
	memset(&res, 0, sizeof(res));
	curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
	    &res.http);
	if (msg->data.result != CURLE_OK) {
		res.tls = is_tls_failure(msg->data.result);
		/* libcurl's sentence, cut to the report's field. */
		snprintf(res.reason, sizeof(res.reason), "%.*s",
		    (int)sizeof(res.reason) - 1, p->error[0] != '\0' ?
		    p->error : curl_easy_strerror(msg->data.result));
		res.http = 0;
	} else if (res.http >= 200 && res.http < 300) {
		res.delivered = 1;
	} else {
		snprintf(res.reason, sizeof(res.reason), "the collector "
		    "answered %ld", res.http);
	}
	curl_multi_remove_handle(h->multi, msg->easy_handle);
	curl_easy_cleanup(msg->easy_handle);
	p->done(p->arg, &res);
	free(p);
}

static void
check_done(struct uplink_http *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			finish(h, msg);
}

static size_t
on_response(char *data, size_t size, size_t nmemb, void *arg)
{
	struct post *p = arg;

	(void)data;
	p->received += size * nmemb;
	return p->received > RESPONSE_MAX ? 0 : size * nmemb;
}

/* ---- setup ---- */

/* "host:port:address" for CURLOPT_RESOLVE, from the URL. */
static int
resolve_entry(const char *url, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], port[8] = "443", addr[64];
	const char *p = url + strlen("https://"), *end, *colon;
	size_t n;
	int r;

	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL)
			return fail(MEDSEC_ERR_CONFIG, err, errlen,
			    "[uplink] url", "no ']'");
		n = (size_t)(end - p - 1);
		memcpy(host, p + 1, n < sizeof(host) ? n : 0);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		end = p + strcspn(p, ":/");
		n = (size_t)(end - p);
		memcpy(host, p, n < sizeof(host) ? n : 0);
		colon = *end == ':' ? end : NULL;
	}
	if (n == 0 || n >= sizeof(host))
		return fail(MEDSEC_ERR_CONFIG, err, errlen, "[uplink] url",
		    "bad host");
	host[n] = '\0';
	if (colon != NULL) {
		n = strspn(colon + 1, "0123456789");
		if (n == 0 || n > 5)
			return fail(MEDSEC_ERR_CONFIG, err, errlen,
			    "[uplink] url", "bad port");
		memcpy(port, colon + 1, n);
		port[n] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "[uplink] url: cannot resolve %s: %s",
		    host, gai_strerror(r));
		return MEDSEC_ERR_IO;
	}
	r = getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr),
	    NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(ai);
	if (r != 0)
		return fail(MEDSEC_ERR_IO, err, errlen, "[uplink] url",
		    gai_strerror(r));
	snprintf(out, outlen, "%s:%s:%s%s%s", host, port,
	    strchr(addr, ':') != NULL ? "[" : "", addr,
	    strchr(addr, ':') != NULL ? "]" : "");
	return MEDSEC_OK;
}

static int
copy_blob(struct curl_blob *b, const char *data, size_t len)
{
	if ((b->data = malloc(len)) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(b->data, data, len);
	b->len = len;
	b->flags = CURL_BLOB_NOCOPY;
	return MEDSEC_OK;
}

int
uplink_http_new(struct event_base *base, const struct medsec_config *cfg,
    const char *cert, size_t certlen, const char *key, size_t keylen,
    const char *ca, size_t calen, struct uplink_http **hp, char *err,
    size_t errlen)
{
	struct uplink_http *h;
	char entry[400];
	int r;

	*hp = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return fail(MEDSEC_ERR_STATE, err, errlen, "libcurl",
		    "cannot initialise");
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return MEDSEC_ERR_NOMEM;
	h->base = base;
	h->cfg = cfg;
	if ((r = resolve_entry(cfg->uplink_url, entry, sizeof(entry), err,
	    errlen)) != MEDSEC_OK)
		goto fail;
	r = MEDSEC_ERR_NOMEM;
	if ((h->resolve = curl_slist_append(NULL, entry)) == NULL ||
	    (h->headers = curl_slist_append(NULL,
	    "Content-Type: application/fhir+json")) == NULL ||
	    (h->headers = curl_slist_append(h->headers,
	    "Accept: application/fhir+json")) == NULL ||
	    copy_blob(&h->cert, cert, certlen) != MEDSEC_OK ||
	    copy_blob(&h->key, key, keylen) != MEDSEC_OK ||
	    copy_blob(&h->ca, ca, calen) != MEDSEC_OK ||
	    (h->multi = curl_multi_init()) == NULL ||
	    (h->timer = evtimer_new(base, on_timeout, h)) == NULL)
		goto fail;
	if (cfg->uplink_pin_sha256[0] != '\0')
		snprintf(h->pin, sizeof(h->pin), "sha256//%s",
		    cfg->uplink_pin_sha256);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	*hp = h;
	return MEDSEC_OK;
fail:
	if (r == MEDSEC_ERR_NOMEM)
		fail(r, err, errlen, "uplink", "out of memory");
	uplink_http_free(h);
	return r;
}

static void
free_blob(struct curl_blob *b)
{
	if (b->data != NULL)
		medsec_wipe(b->data, b->len);
	free(b->data);
	b->data = NULL;
}

void
uplink_http_free(struct uplink_http *h)
{
	if (h == NULL)
		return;
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	if (h->timer != NULL)
		event_free(h->timer);
	curl_slist_free_all(h->resolve);
	curl_slist_free_all(h->headers);
	free_blob(&h->cert);
	free_blob(&h->key);
	free_blob(&h->ca);
	free(h);
}

/* The [tls] policy (MFDS 1.15): version floor, suites, groups. */
static void
set_tls_policy(struct uplink_http *h, CURL *e)
{
	const struct medsec_config *c = h->cfg;

	curl_easy_setopt(e, CURLOPT_SSLVERSION, c->tls_min_version >= 0x0304 ?
	    CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_TLS13_CIPHERS, c->tls_ciphersuites);
	curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST, c->tls_ciphers12);
	curl_easy_setopt(e, CURLOPT_SSL_EC_CURVES, c->tls_groups);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	/* Only the configured CA: not the system's store, which the
	 * sandbox could not open anyway. */
	curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &h->ca);
	curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &h->cert);
	curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &h->key);
	curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	if (h->pin[0] != '\0')
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, h->pin);
}

int
uplink_http_post(struct uplink_http *h, const char *body, size_t len,
    uplink_done_fn done, void *arg)
{
	struct post *p;
	CURL *e;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((e = curl_easy_init()) == NULL) {
		free(p);
		return MEDSEC_ERR_NOMEM;
	}
	p->h = h;
	p->easy = e;
	p->done = done;
	p->arg = arg;
	curl_easy_setopt(e, CURLOPT_URL, h->cfg->uplink_url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_RESOLVE, h->resolve);
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
	    (long)h->cfg->uplink_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)h->cfg->uplink_timeout);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->error);
	curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	set_tls_policy(h, e);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		free(p);
		return MEDSEC_ERR_STATE;
	}
	return MEDSEC_OK;
}
