/*
 * medsec guard: the flood guard (MFDS 2.4, protection against DDoS). It
 * decides, before any TLS or password work is spent, whether a new
 * connection or a request from a source address may go ahead:
 *
 *   - a global cap on open connections and a cap per source;
 *   - token buckets per source for new connections, for requests, and a
 *     stricter one for login attempts (a login also spends a request);
 *   - aggregate reports of what was refused, at most one per source per
 *     interval, for the audit trail (never one record per refusal).
 *
 * A source is an IPv4 address, or an IPv6 network of ipv6_prefix bits
 * (an attacker holding a /64 would otherwise count as 2^64 sources). An
 * IPv4-mapped IPv6 address (::ffff:192.0.2.1) is the IPv4 address.
 *
 * Cost and memory: every decision is O(1) and allocates nothing. The
 * source table is allocated once, at max_sources entries, whatever the
 * number of addresses an attacker sends from. When it is full, the least
 * recently active source is evicted only if forgetting it loses nothing:
 * no open connection, every bucket full, no refusal waiting for its report
 * and its report interval over. Otherwise the new source is refused
 * (MEDSEC_ERR_BUSY, fail closed) and counted under the source "*". So
 * eviction is never a way to reset a limit or to skip a report.
 *
 * Time is the caller's monotonic clock (medsec_clock_mono_us()) in
 * microseconds. A time earlier than one already seen adds no tokens.
 *
 * Not thread-safe: one guard per event loop.
 */
#ifndef MEDSEC_GUARD_H
#define MEDSEC_GUARD_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds that medsec_guard_new() and _set_options() accept. */
#define MEDSEC_GUARD_RATE_MAX 1000000u	 /* tokens per second */
#define MEDSEC_GUARD_BURST_MAX 1000000u
#define MEDSEC_GUARD_SOURCES_MIN 16u
#define MEDSEC_GUARD_SOURCES_MAX 4194304u /* about 600 MiB of table */
#define MEDSEC_GUARD_REPORT_MAX 86400u	 /* seconds */
#define MEDSEC_GUARD_PREFIX_MIN 32u	 /* IPv6 grouping, bits */

/* The source named in reports for new sources a full table refused. */
#define MEDSEC_GUARD_SOURCE_OVERFLOW "*"

struct medsec_guard_options {
	uint32_t max_connections;    /* global cap of open connections */
	uint32_t source_connections; /* open connections per source */
	uint32_t connection_rate;    /* new connections per second per source */
	uint32_t connection_burst;
	uint32_t request_rate;	     /* requests per second per source */
	uint32_t request_burst;
	uint32_t login_rate;	     /* login attempts per second per source */
	uint32_t login_burst;
	uint32_t report_seconds;     /* one report per source per interval */
	uint32_t max_sources;	     /* size of the source table */
	uint32_t ipv6_prefix;	     /* IPv6 sources grouped by this prefix */
};

/*
 * What each request spends. A login spends a request token and a login
 * token, so it is never cheaper than another request.
 */
enum medsec_guard_class {
	MEDSEC_GUARD_REQUEST = 0,
	MEDSEC_GUARD_LOGIN = 1,
};

struct medsec_guard_report {
	char source[64]; /* "127.0.0.5", "2001:db8::/64", or "*" */
	uint64_t refused_connections;
	uint64_t refused_requests; /* logins not included */
	uint64_t refused_logins;
	int64_t first_us; /* monotonic times of the first and last refusal */
	int64_t last_us;
};

struct medsec_guard_stats {
	uint64_t open_connections;
	uint64_t sources;	      /* entries in the table now */
	uint64_t evictions;
	uint64_t refused_connections; /* by a cap or the connection rate */
	uint64_t refused_requests;
	uint64_t refused_logins;
	uint64_t refused_sources;     /* new sources a full table refused */
};

struct medsec_guard;
struct medsec_config;

/*
 * The defaults of the daemon's [limits] section: 512 connections, 16 per
 * source, 10 connections/s (burst 20), 20 requests/s (burst 40), 1 login/s
 * (burst 5), reports every 60 s, 16384 sources, IPv6 grouped by /64.
 */
MEDSEC_API MEDSEC_NONNULL(1)
void medsec_guard_options_default(struct medsec_guard_options *o);

/*
 * The options of a device configuration's [limits] section (config.h):
 * its caps, rates, bursts and throttle_report_seconds, a connection burst
 * of twice connection_rate (the daemon's contract), and the defaults for
 * what the file does not set (max_sources, ipv6_prefix). The caller
 * still checks them (medsec_guard_new() does).
 */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_guard_options_from_config(const struct medsec_config *cfg,
    struct medsec_guard_options *o);

/*
 * Checks options: every rate and burst 1..MEDSEC_GUARD_RATE_MAX /
 * _BURST_MAX, caps at least 1 and source_connections <= max_connections,
 * report_seconds 1..MEDSEC_GUARD_REPORT_MAX, max_sources
 * MEDSEC_GUARD_SOURCES_MIN.._MAX, ipv6_prefix MEDSEC_GUARD_PREFIX_MIN..128.
 * MEDSEC_OK, or MEDSEC_ERR_INVALID with why (if not NULL) naming the
 * option and its value, such as "limits: login_burst = 0: must be 1 to
 * 1000000".
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1)
int medsec_guard_options_check(const struct medsec_guard_options *o,
    char *why, size_t whylen);

/*
 * Allocates a guard and its whole source table. MEDSEC_OK with *guardp
 * set, MEDSEC_ERR_INVALID for options that medsec_guard_options_check()
 * refuses (the reason is logged), MEDSEC_ERR_NOMEM, or the error of the
 * random source that keys the table's hash. Free with medsec_guard_free().
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2)
int medsec_guard_new(const struct medsec_guard_options *o,
    struct medsec_guard **guardp);

/* Frees the guard; NULL is a no-op. */
MEDSEC_API
void medsec_guard_free(struct medsec_guard *g);

/*
 * A connection was accepted from addr. Checked in this order: the global
 * cap, the source's cap (both MEDSEC_ERR_BUSY, *retry_after_s = 1), then
 * the source's connection bucket (MEDSEC_ERR_THROTTLED, *retry_after_s =
 * whole seconds until a token is there, at least 1). A full table that can
 * evict nothing gives MEDSEC_ERR_BUSY. MEDSEC_ERR_INVALID for an address
 * that is not AF_INET or AF_INET6 or whose length is short. On MEDSEC_OK
 * the connection counts as open until medsec_guard_disconnect(); on any
 * error it was never counted, and the caller closes it.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2, 5)
int medsec_guard_connect(struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen, uint64_t now_us, uint32_t *retry_after_s);

/*
 * A connection that medsec_guard_connect() accepted was closed. Called
 * once per such connection, never for a refused one; a call for a source
 * with no open connection changes nothing.
 */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_guard_disconnect(struct medsec_guard *g,
    const struct sockaddr *addr, socklen_t addrlen);

/*
 * A request of class cls arrived from addr. MEDSEC_OK (tokens spent),
 * MEDSEC_ERR_THROTTLED with *retry_after_s (nothing spent), MEDSEC_ERR_BUSY
 * (a new source that a full table cannot take; *retry_after_s = 1) or
 * MEDSEC_ERR_INVALID (address, class).
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2, 6)
int medsec_guard_request(struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen, enum medsec_guard_class cls, uint64_t now_us,
    uint32_t *retry_after_s);

/*
 * Calls fn once for each source that was refused something since its last
 * report and whose last report is at least report_seconds old (a source
 * never reported is due at once), then clears its counts. New sources the
 * full table refused come as one report for MEDSEC_GUARD_SOURCE_OVERFLOW
 * under the same rule. fn must not call back into the guard. Returns
 * the number of reports made (0 or more). Costs O(sources with something
 * to report).
 */
MEDSEC_API MEDSEC_NONNULL(1, 3)
int medsec_guard_reports(struct medsec_guard *g, uint64_t now_us,
    void (*fn)(const struct medsec_guard_report *, void *), void *arg);

/*
 * Replaces the options (SIGHUP) and keeps every source's state: open
 * connections stay counted, and a bucket keeps its tokens, cut down to a
 * smaller burst. A lower cap refuses new connections until enough have
 * closed; it closes nothing. max_sources and ipv6_prefix size and key the
 * table and cannot change without a restart. MEDSEC_OK, or
 * MEDSEC_ERR_INVALID (the reason logged) and nothing changed.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2)
int medsec_guard_set_options(struct medsec_guard *g,
    const struct medsec_guard_options *o);

/* Counters since medsec_guard_new(), and what is open now. */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_guard_stats(const struct medsec_guard *g,
    struct medsec_guard_stats *st);

/* Bytes the guard holds for these options (table and index). */
MEDSEC_API MEDSEC_NONNULL(1)
size_t medsec_guard_memory(const struct medsec_guard_options *o);

/*
 * One token bucket for a stream the caller keys itself (a connection of
 * a local socket, say), with the guard's arithmetic: exact to a
 * millionth of a token, and a clock that goes back mints nothing.
 */
struct medsec_guard_bucket {
	uint64_t tokens;  /* millionths of a token */
	uint64_t last_us;
};

/* Full: burst tokens at now_us (a monotonic clock). */
MEDSEC_API MEDSEC_NONNULL(1)
void medsec_guard_bucket_init(struct medsec_guard_bucket *b, uint32_t burst,
    uint64_t now_us);

/*
 * Refills at rate tokens per second up to burst, then takes one token:
 * 1 if there was one, 0 (and nothing taken) if not.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1)
int medsec_guard_bucket_take(struct medsec_guard_bucket *b, uint32_t rate,
    uint32_t burst, uint64_t now_us);

#ifdef __cplusplus
}
#endif
#endif
