/*
 * The worker: the unprivileged process that serves the network. It holds
 * no key, database or trail; every decision is a privsep request to the
 * monitor, whose reply it turns into the HTTP answer.
 */
#ifndef MEDSECD_WORKER_H
#define MEDSECD_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/config.h"
#include "daemon.h"
#include "privsep.h"

struct event_base;
struct event;
struct evhttp;
struct evhttp_request;
struct medsec_guard;

#define WORKER_PENDING_MAX 1024 /* requests waiting for the monitor */
#define WORKER_REFUSED_MAX 64	/* sources whose refusals are being counted */
#define WORKER_TLS_FAILURES_MAX 64 /* sources and reasons being counted */

struct pending {
	uint32_t id; /* 0: free */
	struct evhttp_request *req;
};

struct refused_source {
	char source[PS_SOURCE_LEN];
	char listener[16];
	uint32_t count;	 /* refused since the last report */
	int64_t last_us; /* when last reported */
};

/* Failed handshakes of one source, listener and reason (TLS_FAILURE). */
struct tls_failure_source {
	char source[PS_SOURCE_LEN];
	char listener[16];
	char reason[PS_TLS_REASON_LEN];
	uint32_t alert;	 /* the last one's */
	uint32_t count;	 /* failed since the last report */
	int64_t last_us; /* when last reported */
};

struct worker {
	struct event_base *base;
	struct medsec_config cfg;
	int ps_fd;
	struct event *ps_ev;
	struct event *report_ev;
	struct evhttp *http[MEDSECD_LISTEN__COUNT];
	struct medsec_channel *channel[MEDSECD_LISTEN__COUNT]; /* HTTPS */
	struct medsec_guard *guard; /* connection caps and rates (MFDS 2.4) */
	struct event *guard_ev;	    /* reports the guard's refusals */
	struct pending pending[WORKER_PENDING_MAX];
	uint32_t next_id;
	struct refused_source refused[WORKER_REFUSED_MAX];
	struct tls_failure_source tls_failures[WORKER_TLS_FAILURES_MAX];
	union {
		uint64_t align;
		uint8_t buf[PRIVSEP_MSG_MAX];
	} rx;
};

/*
 * Sends a request for req to the monitor; its reply answers req. On
 * failure req is answered at once (503).
 */
void worker_request(struct worker *w, struct evhttp_request *req,
    uint32_t type, const void *payload, size_t len);

/* Counts a client refused by an allow-list; reported in aggregate. */
void worker_note_refused(struct worker *w, const char *source,
    const char *listener);

/*
 * Counts a failed TLS handshake; reported in aggregate, one record per
 * source, listener and reason per throttle_report_seconds.
 */
void worker_note_tls_failure(struct worker *w, const char *source,
    const char *listener, const char *reason, int alert);

/*
 * SIGHUP: the revocation list (text, len) for the peer channel; the live
 * connections of peers now on it are closed and reported.
 */
void worker_apply_revocation(struct worker *w, const char *text,
    size_t len);

/*
 * Charges a request of req's client to the flood guard (login: the
 * stricter login bucket too). 0, or -1 after answering 429 with
 * Retry-After.
 */
int http_guard_request(struct worker *w, struct evhttp_request *req,
    int login);

/* Sizes the connection table from the descriptor limit (before the sandbox). */
int http_prepare(void);

/* Serves the listener fd; MEDSEC_OK or an error (message on stderr). */
int http_listen(struct worker *w, int which, int fd);

/* Routes a request (api.c). */
void api_route(struct worker *w, int which, struct evhttp_request *req);

#endif
