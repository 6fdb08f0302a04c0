/*
 * The uplink: the process of medsecd that sends patients' vital signs to
 * the hospital's collector over mutual TLS (MFDS 1.16). Forked by the
 * monitor when [uplink] url is set. It reads its client certificate and
 * key and the collector's CA, binds the source socket, then drops to
 * [daemon] user and enters its own seccomp allow-list. It holds the
 * readings and its client key; the operator API's worker sees neither.
 *
 * Every batch is handed to the monitor first, which stores it in the
 * encrypted store-and-forward queue (medsec/fwdqueue.h, MFDS 1.20); the
 * uplink then asks the monitor for what is waiting, oldest first, posts
 * it, and on a 2xx tells the monitor, which destroys it.
 *
 * The messages between uplink and monitor travel as the worker's do
 * (privsep.h framing: SOCK_SEQPACKET, fixed payloads checked by size).
 */
#ifndef MEDSECD_UPLINK_H
#define MEDSECD_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/config.h"
#include "privsep.h"
#include "readings.h"

/* Readings per batch, and the largest Bundle of that many. */
#define UPLINK_BATCH_MAX 32
#define UPLINK_BUNDLE_MAX 49152
#define UPLINK_REASON_LEN 160

enum uplink_msg {
	/* uplink to monitor */
	UP_READY = 200,	/* sandboxed, about to deliver */
	UP_PUT,		/* a batch to store (struct up_put) */
	UP_NEXT,	/* the oldest batch waiting after a sequence number */
	UP_ACK,		/* the collector took a batch */
	UP_REFUSED,	/* a delivery failed: the collector or the channel */
	UP_SOURCE_ERROR, /* a malformed frame from the source socket */
	UP_SOURCE_THROTTLED, /* readings over a connection's rate */
	UP_LATE,	/* readings delivered past [uplink] delivery_bound */
	/* monitor to uplink */
	UP_PUT_DONE = 240,
	UP_BATCH,	/* struct up_batch + the Bundle */
	UP_EMPTY,	/* nothing waiting */
};

struct up_ready {
	uint32_t pid;
	uint32_t uid;
};

/* A reading as it travels to the monitor's rings (patient checked there). */
struct up_reading {
	char patient[READINGS_ID_LEN];
	int32_t vital;
	int64_t time_us;
	double value;
};

/* A batch: its readings (for the rings) and its Bundle (for the queue). */
struct up_put {
	uint32_t n;		/* readings, 1..UPLINK_BATCH_MAX */
	uint32_t bundle_len;	/* 1..UPLINK_BUNDLE_MAX */
	struct up_reading r[UPLINK_BATCH_MAX];
	char bundle[UPLINK_BUNDLE_MAX];
};

/* The reply to UP_PUT, carrying its id. */
struct up_put_done {
	int32_t status;		/* medsec error; MEDSEC_OK: stored durably */
	uint32_t pad;
	uint64_t seq;		/* the queue's sequence number of the batch */
};

struct up_seq {
	uint64_t seq;
};

/* UP_BATCH: followed by len bytes of Bundle. */
struct up_batch {
	uint64_t seq;
	uint32_t readings;
	uint32_t len;
};

/* Deliveries that failed for one reason since its last report. */
struct up_refused {
	char reason[UPLINK_REASON_LEN];
	uint32_t count;
	uint32_t tls;	/* 1: the TLS channel failed (certificate, version) */
	int32_t http;	/* the collector's answer; 0: none */
	uint32_t pad;
};

/* The delivery bound's interval with late readings (uplink_bound.h). */
struct up_late {
	uint64_t late;		/* in the interval */
	uint64_t delivered;	/* in the interval */
	uint64_t late_total;	/* since the uplink started */
	int64_t worst_ms;	/* the latest reading of the interval */
	uint32_t bound_s;
	uint32_t pad;
};

/* Frames refused since the last report, and the last reason. */
struct up_source_error {
	char reason[UPLINK_REASON_LEN];
	uint32_t count;
	uint32_t pad;
};

/* Readings of one source connection refused over [source] rate. */
struct up_source_throttled {
	uint32_t pid;		/* the source process; 0: unknown */
	uint32_t uid;		/* UINT32_MAX: unknown */
	uint64_t connection;	/* the uplink's number of the connection */
	uint64_t refused;	/* since the last report */
	uint64_t refused_total;	/* on this connection */
	uint32_t rate, burst;
	uint64_t over_ms;	/* from the first refusal reported here */
};

/* The rules of the uplink's messages, checked by the monitor. */
extern const struct privsep_rule uplink_rules[];
extern const size_t uplink_nrules;

struct uplink_start {
	const struct medsec_config *cfg;
	const char *device_id;
	int ps_fd;
};

/* The uplink process, after fork: never returns. */
void uplink_main(const struct uplink_start *us) __attribute__((noreturn));

/* ---- inside the uplink (uplink_http.c) ---- */

struct uplink_http;
struct event_base;

/* A delivery's end: 2xx, or why not. */
struct uplink_result {
	int delivered;
	int tls;	/* the channel failed (certificate, version, pin) */
	long http;	/* the collector's status; 0: none */
	char reason[UPLINK_REASON_LEN];
};

typedef void (*uplink_done_fn)(void *arg, const struct uplink_result *res);

/*
 * The collector's channel: libcurl's multi interface on base. The
 * credentials are copied (the key wiped from the caller's buffer is the
 * caller's business). The host of the URL is resolved here, before the
 * sandbox, and pinned (CURLOPT_RESOLVE): libcurl never starts a resolver
 * thread later. MEDSEC_OK, or an error with err set.
 */
int uplink_http_new(struct event_base *base, const struct medsec_config *cfg,
    const char *cert, size_t certlen, const char *key, size_t keylen,
    const char *ca, size_t calen, struct uplink_http **hp, char *err,
    size_t errlen);
void uplink_http_free(struct uplink_http *h);

/* POSTs body (copied); done is called once, from the loop. */
int uplink_http_post(struct uplink_http *h, const char *body, size_t len,
    uplink_done_fn done, void *arg);

#endif
