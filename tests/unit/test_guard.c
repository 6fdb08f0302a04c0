/*
 * The flood guard (MFDS 2.4): token buckets to the exact token with the
 * clock driven by hand, caps, per-source independence, IPv6 grouping, a
 * table an attacker fills, aggregate reports, reload, and memory that
 * stays at the table's size under a million decisions. The tests that
 * prove flood protection carry the item's number; the keyed hash and
 * option checking are untagged.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "testmain.h"
#include "guard/guard_int.h"
#include "medsec/config.h"
#include "medsec/err.h"
#include "medsec/guard.h"

#define SECOND UINT64_C(1000000)
#define T0 (1000 * SECOND) /* a monotonic clock that has run a while */

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

static struct addr
ip(const char *text)
{
	struct addr a;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		a.len = sizeof(*sin);
		return a;
	}
	assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
	sin6->sin6_family = AF_INET6;
	a.len = sizeof(*sin6);
	return a;
}

/* 127.0.0.2 + n, as the attack tests use loopback sources. */
static struct addr
loopback(unsigned n)
{
	struct addr a;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;

	memset(&a, 0, sizeof(a));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000002u + n);
	a.len = sizeof(*sin);
	return a;
}

static struct medsec_guard *
guard_with(const struct medsec_guard_options *o)
{
	struct medsec_guard *g = NULL;

	assert_int_equal(medsec_guard_new(o, &g), MEDSEC_OK);
	assert_non_null(g);
	return g;
}

static struct medsec_guard_options
defaults(void)
{
	struct medsec_guard_options o;

	medsec_guard_options_default(&o);
	return o;
}

static int
connect_at(struct medsec_guard *g, struct addr a, uint64_t now,
    uint32_t *retry)
{
	return medsec_guard_connect(g, (struct sockaddr *)&a.ss, a.len, now,
	    retry);
}

static void
disconnect(struct medsec_guard *g, struct addr a)
{
	medsec_guard_disconnect(g, (struct sockaddr *)&a.ss, a.len);
}

static int
request_at(struct medsec_guard *g, struct addr a, enum medsec_guard_class c,
    uint64_t now, uint32_t *retry)
{
	return medsec_guard_request(g, (struct sockaddr *)&a.ss, a.len, c, now,
	    retry);
}

static int
request(struct medsec_guard *g, struct addr a, uint64_t now)
{
	uint32_t retry;

	return request_at(g, a, MEDSEC_GUARD_REQUEST, now, &retry);
}

static int
login(struct medsec_guard *g, struct addr a, uint64_t now)
{
	uint32_t retry;

	return request_at(g, a, MEDSEC_GUARD_LOGIN, now, &retry);
}

/* Spends every request token of a source; returns how many there were. */
static unsigned
drain_requests(struct medsec_guard *g, struct addr a, uint64_t now)
{
	unsigned n = 0;

	while (request(g, a, now) == MEDSEC_OK)
		n++;
	return n;
}

static struct medsec_guard_stats
stats(const struct medsec_guard *g)
{
	struct medsec_guard_stats st;

	medsec_guard_stats(g, &st);
	return st;
}

static void
test_req_2_4_guard_connection_rate_and_burst_exact(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);
	uint32_t retry;
	unsigned i;

	(void)state;
	o.connection_rate = 10;
	o.connection_burst = 20;
	g = guard_with(&o);
	/* Each connection closes at once: only the rate can refuse. */
	for (i = 0; i < 20; i++) {
		assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_OK);
		assert_int_equal(retry, 0);
		disconnect(g, a);
	}
	assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_ERR_THROTTLED);
	assert_int_equal(retry, 1);
	/* 10 per second: the next token is whole after exactly 100 ms. */
	assert_int_equal(connect_at(g, a, T0 + 99999, &retry),
	    MEDSEC_ERR_THROTTLED);
	assert_int_equal(connect_at(g, a, T0 + 100000, &retry), MEDSEC_OK);
	disconnect(g, a);
	assert_int_equal(connect_at(g, a, T0 + 100000, &retry),
	    MEDSEC_ERR_THROTTLED);
	/* A long pause refills to the burst, never beyond it. */
	for (i = 0; i < 20; i++) {
		assert_int_equal(connect_at(g, a, T0 + 3600 * SECOND, &retry),
		    MEDSEC_OK);
		disconnect(g, a);
	}
	assert_int_equal(connect_at(g, a, T0 + 3600 * SECOND, &retry),
	    MEDSEC_ERR_THROTTLED);
	assert_int_equal(stats(g).refused_connections, 4);
	assert_int_equal(stats(g).open_connections, 0);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_request_rate_and_burst_exact(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);
	uint64_t t;

	(void)state;
	o.request_rate = 20;
	o.request_burst = 40;
	g = guard_with(&o);
	assert_int_equal(drain_requests(g, a, T0), 40);
	/* 20 per second: one token each 50 ms, and not a microsecond early. */
	for (t = T0 + 50000; t <= T0 + SECOND; t += 50000) {
		assert_int_equal(request(g, a, t - 1), MEDSEC_ERR_THROTTLED);
		assert_int_equal(request(g, a, t), MEDSEC_OK);
		assert_int_equal(request(g, a, t), MEDSEC_ERR_THROTTLED);
	}
	/* Tokens accrue between calls: 3 tokens after 150 ms of silence. */
	assert_int_equal(drain_requests(g, a, T0 + SECOND + 150000), 3);
	assert_int_equal(stats(g).refused_requests, 20 * 2 + 2);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_retry_after_is_the_wait_for_a_token(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);
	uint32_t retry = 99;

	(void)state;
	o.request_rate = 1;
	o.request_burst = 1;
	g = guard_with(&o);
	assert_int_equal(request_at(g, a, MEDSEC_GUARD_REQUEST, T0, &retry),
	    MEDSEC_OK);
	assert_int_equal(retry, 0);
	/* Nearly a whole second to wait: Retry-After 1. */
	assert_int_equal(request_at(g, a, MEDSEC_GUARD_REQUEST, T0 + 1, &retry),
	    MEDSEC_ERR_THROTTLED);
	assert_int_equal(retry, 1);
	/* One microsecond to wait: still 1, never 0 (rounded up). */
	assert_int_equal(request_at(g, a, MEDSEC_GUARD_REQUEST,
			     T0 + SECOND - 1, &retry), MEDSEC_ERR_THROTTLED);
	assert_int_equal(retry, 1);
	/* A client that waits what it was told is served. */
	assert_int_equal(request_at(g, a, MEDSEC_GUARD_REQUEST,
			     T0 + 1 + SECOND, &retry), MEDSEC_OK);
	assert_int_equal(retry, 0);
	assert_int_equal(guard_bucket_wait(&(struct guard_bucket){ 0, 0 }, 1),
	    1);
	assert_int_equal(guard_bucket_wait(&(struct guard_bucket){ 0, 0 },
			     1000000), 1);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_sources_are_independent(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr attacker = loopback(0), client = loopback(1);
	uint32_t retry;
	unsigned i;

	(void)state;
	g = guard_with(&o);
	for (i = 0; i < 10000; i++)
		if (request(g, attacker, T0) == MEDSEC_OK)
			assert_true(i < o.request_burst);
	for (i = 0; i < 100; i++)
		if (connect_at(g, attacker, T0, &retry) == MEDSEC_OK)
			disconnect(g, attacker);
	assert_int_equal(request(g, attacker, T0), MEDSEC_ERR_THROTTLED);
	assert_int_equal(connect_at(g, attacker, T0, &retry),
	    MEDSEC_ERR_THROTTLED);
	/* 127.0.0.3 still has its whole burst of both. */
	assert_int_equal(drain_requests(g, client, T0), o.request_burst);
	for (i = 0; i < o.connection_burst; i++) {
		assert_int_equal(connect_at(g, client, T0, &retry), MEDSEC_OK);
		disconnect(g, client);
	}
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_global_connection_cap(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	uint32_t retry;
	unsigned i;

	(void)state;
	o.max_connections = 8;
	o.source_connections = 2;
	g = guard_with(&o);
	/* 127.0.0.2..127.0.0.5 two each: the cap of 8 is reached. */
	for (i = 0; i < 8; i++)
		assert_int_equal(connect_at(g, loopback(i / 2), T0, &retry),
		    MEDSEC_OK);
	assert_int_equal(stats(g).open_connections, 8);
	assert_int_equal(connect_at(g, loopback(10), T0, &retry),
	    MEDSEC_ERR_BUSY);
	assert_int_equal(retry, 1);
	/* One closes, one more may open. */
	disconnect(g, loopback(3));
	assert_int_equal(connect_at(g, loopback(10), T0, &retry), MEDSEC_OK);
	assert_int_equal(connect_at(g, loopback(11), T0, &retry),
	    MEDSEC_ERR_BUSY);
	assert_int_equal(stats(g).refused_connections, 2);
	assert_int_equal(stats(g).open_connections, 8);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_source_cap_freed_by_disconnect(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);
	uint32_t retry;
	unsigned i;

	(void)state;
	o.source_connections = 3;
	g = guard_with(&o);
	for (i = 0; i < 3; i++)
		assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_OK);
	assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_ERR_BUSY);
	assert_int_equal(retry, 1);
	assert_int_equal(connect_at(g, loopback(1), T0, &retry), MEDSEC_OK);
	disconnect(g, a);
	assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_OK);
	/* A disconnect that matches no open connection changes nothing. */
	disconnect(g, loopback(40));
	disconnect(g, loopback(1));
	disconnect(g, loopback(1));
	assert_int_equal(stats(g).open_connections, 3);
	assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_ERR_BUSY);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_caps_checked_before_rate(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);
	uint32_t retry;
	unsigned i;

	(void)state;
	o.source_connections = 1;
	o.connection_burst = 2;
	g = guard_with(&o);
	assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_OK);
	/* Refused by the cap, many times: no connection token is spent. */
	for (i = 0; i < 50; i++)
		assert_int_equal(connect_at(g, a, T0, &retry),
		    MEDSEC_ERR_BUSY);
	disconnect(g, a);
	assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_OK);
	disconnect(g, a);
	assert_int_equal(connect_at(g, a, T0, &retry), MEDSEC_ERR_THROTTLED);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_login_stricter_than_requests(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);
	uint32_t retry;
	unsigned i;

	(void)state;
	g = guard_with(&o); /* login 1/s burst 5, requests 20/s burst 40 */
	for (i = 0; i < 5; i++)
		assert_int_equal(login(g, a, T0), MEDSEC_OK);
	assert_int_equal(request_at(g, a, MEDSEC_GUARD_LOGIN, T0, &retry),
	    MEDSEC_ERR_THROTTLED);
	assert_int_equal(retry, 1);
	/* Other requests go on; each login also spent a request token. */
	assert_int_equal(drain_requests(g, a, T0), 40 - 5);
	/* With no request token left, a login is refused too. */
	assert_int_equal(drain_requests(g, loopback(1), T0), 40);
	assert_int_equal(login(g, loopback(1), T0), MEDSEC_ERR_THROTTLED);
	assert_int_equal(stats(g).refused_logins, 2);
	assert_int_equal(stats(g).refused_requests, 2);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_refused_login_spends_nothing(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);
	unsigned i;

	(void)state;
	g = guard_with(&o);
	for (i = 0; i < 5; i++)
		assert_int_equal(login(g, a, T0), MEDSEC_OK);
	for (i = 0; i < 1000; i++)
		assert_int_equal(login(g, a, T0), MEDSEC_ERR_THROTTLED);
	assert_int_equal(drain_requests(g, a, T0), 40 - 5);
	medsec_guard_free(g);
}

struct collected {
	struct medsec_guard_report rep[64];
	int n;
};

static void
collect(const struct medsec_guard_report *rep, void *arg)
{
	struct collected *c = arg;

	assert_true(c->n < 64);
	c->rep[c->n++] = *rep;
}

static int
reports(struct medsec_guard *g, uint64_t now, struct collected *c)
{
	memset(c, 0, sizeof(*c));
	return medsec_guard_reports(g, now, collect, c);
}

static void
test_req_2_4_guard_ipv6_grouped_by_prefix(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct collected c;

	(void)state;
	g = guard_with(&o); /* /64 */
	/* Two hosts of one /64 share one bucket of 40. */
	assert_int_equal(drain_requests(g, ip("2001:db8::1"), T0) +
	    drain_requests(g, ip("2001:db8::ffff:1:2:3"), T0), 40);
	assert_int_equal(request(g, ip("2001:db8:0:0:8000::1"), T0),
	    MEDSEC_ERR_THROTTLED);
	/* The next /64 is another source. */
	assert_int_equal(drain_requests(g, ip("2001:db8:0:1::1"), T0), 40);
	/* IPv4-mapped is the IPv4 address, not one big ::ffff:0:0/64. */
	assert_int_equal(drain_requests(g, ip("::ffff:127.0.0.2"), T0), 40);
	assert_int_equal(request(g, ip("127.0.0.2"), T0), MEDSEC_ERR_THROTTLED);
	assert_int_equal(drain_requests(g, ip("::ffff:127.0.0.3"), T0), 40);
	assert_int_equal(stats(g).sources, 4);
	assert_int_equal(reports(g, T0, &c), 4);
	assert_string_equal(c.rep[0].source, "127.0.0.3");
	assert_string_equal(c.rep[1].source, "127.0.0.2");
	assert_string_equal(c.rep[2].source, "2001:db8:0:1::/64");
	assert_string_equal(c.rep[3].source, "2001:db8::/64");
	assert_int_equal(c.rep[3].refused_requests, 3);
	medsec_guard_free(g);

	/* A /48 grouping joins what /64 kept apart. */
	o.ipv6_prefix = 48;
	g = guard_with(&o);
	assert_int_equal(drain_requests(g, ip("2001:db8:0:1::1"), T0) +
	    drain_requests(g, ip("2001:db8:0:ffff::1"), T0), 40);
	assert_int_equal(drain_requests(g, ip("2001:db8:1::1"), T0), 40);
	assert_int_equal(reports(g, T0, &c), 2);
	assert_string_equal(c.rep[1].source, "2001:db8::/48");
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_full_table_keeps_connected_client(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr client = ip("192.0.2.7");
	uint32_t retry;
	unsigned i, refused = 0;

	(void)state;
	o.max_sources = 16;
	g = guard_with(&o);
	assert_int_equal(connect_at(g, client, T0, &retry), MEDSEC_OK);
	for (i = 0; i < 30; i++)
		assert_int_equal(request(g, client, T0), MEDSEC_OK);
	/* 127.0.0.2..127.0.0.50 and beyond, each one connection. */
	for (i = 0; i < 2000; i++)
		if (connect_at(g, loopback(i), T0 + i, &retry) ==
		    MEDSEC_ERR_BUSY)
			refused++;
		else
			disconnect(g, loopback(i));
	assert_true(refused > 0);
	assert_int_equal(stats(g).sources, 16);
	/* The client's entry survived with its 10 tokens and its connection. */
	assert_int_equal(drain_requests(g, client, T0), 10);
	disconnect(g, client);
	assert_int_equal(stats(g).open_connections, 0);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_full_table_does_not_reset_attacker(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr attacker = loopback(0);
	struct medsec_guard_stats st;
	uint32_t retry;
	unsigned i;

	(void)state;
	o.max_sources = 16;
	g = guard_with(&o);
	assert_int_equal(drain_requests(g, attacker, T0), 40);
	/* Then floods the table from 2,000 other addresses. */
	for (i = 1; i <= 2000; i++)
		if (request(g, loopback(i), T0) == MEDSEC_OK)
			assert_true(i < 16);
	st = stats(g);
	assert_int_equal(st.sources, 16);
	assert_int_equal(st.refused_sources, 2000 - 15);
	assert_int_equal(st.evictions, 0);
	/* Still throttled: its empty bucket was not forgotten. */
	assert_int_equal(request_at(g, attacker, MEDSEC_GUARD_REQUEST, T0,
			     &retry), MEDSEC_ERR_THROTTLED);
	assert_int_equal(retry, 1);
	medsec_guard_free(g);
}

/* Whether the table holds an entry for the source, from the inside. */
static int
held(struct medsec_guard *g, struct addr a)
{
	struct guard_key k;

	assert_int_equal(guard_key_of(g, (struct sockaddr *)&a.ss, a.len, &k),
	    MEDSEC_OK);
	return guard_find(g, &k) != NULL;
}

static void
test_req_2_4_guard_full_table_evicts_only_forgettable(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	unsigned i;

	(void)state;
	o.max_sources = 16;
	g = guard_with(&o);
	for (i = 0; i < 16; i++)
		assert_int_equal(request(g, loopback(i), T0), MEDSEC_OK);
	/* One request spent: not full yet, 50 ms later it is. */
	assert_int_equal(request(g, loopback(16), T0 + 49999),
	    MEDSEC_ERR_BUSY);
	assert_int_equal(request(g, loopback(16), T0 + 50000), MEDSEC_OK);
	assert_int_equal(stats(g).evictions, 1);
	/* The least recently active went: 127.0.0.2 is new again. */
	assert_false(held(g, loopback(0)));
	assert_true(held(g, loopback(1)));
	assert_int_equal(drain_requests(g, loopback(0), T0 + SECOND), 40);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_eviction_never_skips_or_repeats_a_report(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct collected c;
	unsigned i;

	(void)state;
	o.max_sources = 16;
	o.report_seconds = 60;
	g = guard_with(&o);
	assert_int_equal(drain_requests(g, loopback(0), T0), 40);
	for (i = 1; i < 16; i++)
		assert_int_equal(request(g, loopback(i), T0 + 1), MEDSEC_OK);
	/* Two minutes on, every bucket is full; the oldest holds a refusal
	 * not yet reported, so the next oldest goes instead. */
	assert_int_equal(request(g, loopback(100), T0 + 120 * SECOND),
	    MEDSEC_OK);
	assert_true(held(g, loopback(0)));
	assert_false(held(g, loopback(1)));
	assert_int_equal(reports(g, T0 + 120 * SECOND, &c), 1);
	assert_string_equal(c.rep[0].source, "127.0.0.2");
	assert_int_equal(c.rep[0].refused_requests, 1);
	/* Reported, but its interval runs: forgetting it now would let a
	 * new refusal be reported twice in one interval. */
	assert_int_equal(request(g, loopback(101), T0 + 150 * SECOND),
	    MEDSEC_OK);
	assert_true(held(g, loopback(0)));
	assert_int_equal(request(g, loopback(102), T0 + 180 * SECOND),
	    MEDSEC_OK);
	assert_false(held(g, loopback(0)));
	assert_int_equal(stats(g).evictions, 3);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_reports_once_per_interval(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(3), quiet = loopback(4);
	struct collected c;
	uint32_t retry;
	unsigned i;

	(void)state;
	o.report_seconds = 60;
	o.source_connections = 1;
	g = guard_with(&o);
	assert_int_equal(reports(g, T0, &c), 0);
	assert_int_equal(drain_requests(g, quiet, T0), 40);
	assert_int_equal(reports(g, T0, &c), 1);
	assert_int_equal(drain_requests(g, a, T0 + 10), 40);
	for (i = 0; i < 999; i++)
		assert_int_equal(request(g, a, T0 + 20 + i),
		    MEDSEC_ERR_THROTTLED);
	for (i = 0; i < 7; i++)
		assert_int_equal(login(g, a, T0 + 2000), MEDSEC_ERR_THROTTLED);
	assert_int_equal(connect_at(g, a, T0 + 3000, &retry), MEDSEC_OK);
	assert_int_equal(connect_at(g, a, T0 + 3001, &retry), MEDSEC_ERR_BUSY);

	assert_int_equal(reports(g, T0 + 5000, &c), 1);
	assert_string_equal(c.rep[0].source, "127.0.0.5");
	assert_int_equal(c.rep[0].refused_requests, 1000);
	assert_int_equal(c.rep[0].refused_logins, 7);
	assert_int_equal(c.rep[0].refused_connections, 1);
	assert_int_equal(c.rep[0].first_us, (int64_t)(T0 + 10));
	assert_int_equal(c.rep[0].last_us, (int64_t)(T0 + 3001));
	/* Counts were cleared; nothing new, nothing to report. */
	assert_int_equal(reports(g, T0 + 6000, &c), 0);

	/* Refused again within the interval: held back until it ends. */
	assert_int_equal(request(g, a, T0 + 7000), MEDSEC_ERR_THROTTLED);
	assert_int_equal(reports(g, T0 + 5000 + 60 * SECOND - 1, &c), 0);
	assert_int_equal(reports(g, T0 + 5000 + 60 * SECOND, &c), 1);
	assert_int_equal(c.rep[0].refused_requests, 1);
	assert_int_equal(c.rep[0].refused_logins, 0);
	assert_int_equal(c.rep[0].first_us, (int64_t)(T0 + 7000));
	assert_int_equal(stats(g).refused_requests, 1 + 1000 + 1);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_overflow_reported_as_one_source(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct collected c;
	uint32_t retry;
	unsigned i;

	(void)state;
	o.max_sources = 16;
	g = guard_with(&o);
	for (i = 0; i < 16; i++)
		assert_int_equal(connect_at(g, loopback(i), T0, &retry),
		    MEDSEC_OK);
	for (i = 16; i < 116; i++)
		assert_int_equal(connect_at(g, loopback(i), T0 + i, &retry),
		    MEDSEC_ERR_BUSY);
	assert_int_equal(login(g, loopback(500), T0 + 500), MEDSEC_ERR_BUSY);
	assert_int_equal(reports(g, T0 + SECOND, &c), 1);
	assert_string_equal(c.rep[0].source, MEDSEC_GUARD_SOURCE_OVERFLOW);
	assert_int_equal(c.rep[0].refused_connections, 100);
	assert_int_equal(c.rep[0].refused_logins, 1);
	assert_int_equal(c.rep[0].first_us, (int64_t)(T0 + 16));
	assert_int_equal(c.rep[0].last_us, (int64_t)(T0 + 500));
	assert_int_equal(stats(g).refused_sources, 101);
	assert_int_equal(login(g, loopback(500), T0 + 2 * SECOND),
	    MEDSEC_ERR_BUSY);
	assert_int_equal(reports(g, T0 + 2 * SECOND, &c), 0);
	assert_int_equal(reports(g, T0 + 61 * SECOND, &c), 1);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_reload_keeps_state(void **state)
{
	struct medsec_guard_options o = defaults(), n;
	struct medsec_guard *g;
	struct addr a = loopback(0);
	uint32_t retry;
	unsigned i;

	(void)state;
	g = guard_with(&o);
	for (i = 0; i < 4; i++)
		assert_int_equal(connect_at(g, loopback(i), T0, &retry),
		    MEDSEC_OK);
	assert_int_equal(drain_requests(g, a, T0) , 40);
	n = o;
	n.max_connections = 3;
	n.source_connections = 3;
	n.request_rate = 1;
	n.request_burst = 2;
	assert_int_equal(medsec_guard_set_options(g, &n), MEDSEC_OK);
	/* Connections stay counted; the lower cap refuses new ones. */
	assert_int_equal(stats(g).open_connections, 4);
	assert_int_equal(connect_at(g, loopback(9), T0, &retry),
	    MEDSEC_ERR_BUSY);
	disconnect(g, loopback(1));
	disconnect(g, loopback(2));
	assert_int_equal(connect_at(g, loopback(9), T0, &retry), MEDSEC_OK);
	/* The empty bucket stays empty and refills at the new rate. */
	assert_int_equal(request(g, a, T0), MEDSEC_ERR_THROTTLED);
	assert_int_equal(drain_requests(g, a, T0 + SECOND), 1);
	/* A full one is cut down to the new burst; a new one gets it. */
	assert_int_equal(drain_requests(g, loopback(1), T0), 2);
	assert_int_equal(drain_requests(g, loopback(5), T0), 2);
	assert_int_equal(drain_requests(g, loopback(6), T0 + 3600 * SECOND), 2);
	medsec_guard_free(g);
}

static void
test_req_2_4_guard_bad_reload_changes_nothing(void **state)
{
	struct medsec_guard_options o = defaults(), n;
	struct medsec_guard *g;

	(void)state;
	g = guard_with(&o);
	n = o;
	n.request_burst = 1;
	n.login_rate = 0;
	assert_int_equal(medsec_guard_set_options(g, &n), MEDSEC_ERR_INVALID);
	n = o;
	n.request_burst = 1;
	n.max_sources = o.max_sources * 2;
	assert_int_equal(medsec_guard_set_options(g, &n), MEDSEC_ERR_INVALID);
	n = o;
	n.request_burst = 1;
	n.ipv6_prefix = 56;
	assert_int_equal(medsec_guard_set_options(g, &n), MEDSEC_ERR_INVALID);
	assert_int_equal(drain_requests(g, loopback(0), T0), 40);
	medsec_guard_free(g);
}

static void
test_guard_options_check_names_the_value(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g = NULL;
	char why[160];

	(void)state;
	assert_int_equal(medsec_guard_options_check(&o, why, sizeof(why)),
	    MEDSEC_OK);
	assert_string_equal(why, "");
	o.login_burst = 0;
	assert_int_equal(medsec_guard_options_check(&o, why, sizeof(why)),
	    MEDSEC_ERR_INVALID);
	assert_string_equal(why, "guard option login_burst = 0: must be 1 to "
	    "1000000");
	o = defaults();
	o.ipv6_prefix = 129;
	assert_int_equal(medsec_guard_options_check(&o, why, sizeof(why)),
	    MEDSEC_ERR_INVALID);
	assert_string_equal(why, "guard option ipv6_prefix = 129: must be 32 "
	    "to 128");
	o = defaults();
	o.source_connections = 600;
	assert_int_equal(medsec_guard_options_check(&o, why, sizeof(why)),
	    MEDSEC_ERR_INVALID);
	assert_string_equal(why, "guard option source_connections = 600: "
	    "must not exceed max_connections = 512");
	o.max_sources = 1;
	assert_int_equal(medsec_guard_new(&o, &g), MEDSEC_ERR_INVALID);
	assert_null(g);
}

static void
test_guard_options_from_config_limits(void **state)
{
	struct medsec_config *cfg;
	struct medsec_guard_options o, want = defaults();

	(void)state;
	assert_non_null(cfg = calloc(1, sizeof(*cfg)));
	medsec_config_defaults(cfg);
	medsec_guard_options_from_config(cfg, &o);
	assert_memory_equal(&o, &want, sizeof(o));
	cfg->limits_max_connections = 100;
	cfg->limits_source_connections = 4;
	cfg->limits_connection_rate = 3;
	cfg->limits_request_rate = 7;
	cfg->limits_request_burst = 9;
	cfg->limits_login_rate = 2;
	cfg->limits_login_burst = 3;
	cfg->limits_throttle_report_seconds = 30;
	medsec_guard_options_from_config(cfg, &o);
	assert_int_equal(o.max_connections, 100);
	assert_int_equal(o.source_connections, 4);
	assert_int_equal(o.connection_rate, 3);
	assert_int_equal(o.connection_burst, 6);
	assert_int_equal(o.request_rate, 7);
	assert_int_equal(o.request_burst, 9);
	assert_int_equal(o.login_rate, 2);
	assert_int_equal(o.login_burst, 3);
	assert_int_equal(o.report_seconds, 30);
	assert_int_equal(o.max_sources, want.max_sources);
	assert_int_equal(o.ipv6_prefix, want.ipv6_prefix);
	free(cfg);
}

static void
test_req_2_4_guard_time_going_back_adds_no_tokens(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0);

	(void)state;
	o.request_rate = 1;
	o.request_burst = 1;
	g = guard_with(&o);
	assert_int_equal(request(g, a, T0 + 10 * SECOND), MEDSEC_OK);
	/* An earlier time, then the latest again: no token was made. */
	assert_int_equal(request(g, a, T0), MEDSEC_ERR_THROTTLED);
	assert_int_equal(request(g, a, 0), MEDSEC_ERR_THROTTLED);
	assert_int_equal(request(g, a, T0 + 10 * SECOND), MEDSEC_ERR_THROTTLED);
	assert_int_equal(request(g, a, T0 + 11 * SECOND - 1),
	    MEDSEC_ERR_THROTTLED);
	assert_int_equal(request(g, a, T0 + 11 * SECOND), MEDSEC_OK);
	medsec_guard_free(g);
}

static void
test_guard_refuses_unusable_address(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct addr a = loopback(0), v6 = ip("2001:db8::1");
	struct sockaddr unix_like;
	uint32_t retry = 7;

	(void)state;
	g = guard_with(&o);
	memset(&unix_like, 0, sizeof(unix_like));
	unix_like.sa_family = AF_UNIX;
	assert_int_equal(medsec_guard_connect(g, &unix_like, sizeof(unix_like),
			     T0, &retry), MEDSEC_ERR_INVALID);
	assert_int_equal(retry, 0);
	assert_int_equal(medsec_guard_connect(g, (struct sockaddr *)&a.ss,
			     a.len - 1, T0, &retry), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_guard_request(g, (struct sockaddr *)&v6.ss,
			     sizeof(struct sockaddr_in), MEDSEC_GUARD_REQUEST,
			     T0, &retry), MEDSEC_ERR_INVALID);
	assert_int_equal(request_at(g, a, (enum medsec_guard_class)7, T0,
			     &retry), MEDSEC_ERR_INVALID);
	assert_int_equal(stats(g).sources, 0);
	assert_int_equal(stats(g).refused_requests, 0);
	medsec_guard_free(g);
	medsec_guard_free(NULL);
}

static void MEDSEC_TEST_PASSES_NULL
test_guard_refuses_null_arguments(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g, *none = medsec_test_null;
	struct medsec_guard_stats st;
	struct addr a = loopback(0);
	struct sockaddr *sa = (struct sockaddr *)&a.ss;
	uint32_t retry = 5;

	(void)state;
	g = guard_with(&o);
	assert_int_equal(medsec_guard_new(medsec_test_null, &none),
	    MEDSEC_ERR_INVALID);
	assert_null(none);
	assert_int_equal(medsec_guard_new(&o, medsec_test_null),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_guard_connect(medsec_test_null, sa, a.len, T0,
			     &retry), MEDSEC_ERR_INVALID);
	assert_int_equal(retry, 0);
	assert_int_equal(medsec_guard_connect(g, medsec_test_null, a.len, T0,
			     &retry), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_guard_connect(g, sa, a.len, T0,
			     medsec_test_null), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_guard_request(g, sa, a.len,
			     MEDSEC_GUARD_REQUEST, T0, medsec_test_null),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_guard_reports(g, T0, medsec_test_null, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_guard_set_options(g, medsec_test_null),
	    MEDSEC_ERR_INVALID);
	medsec_guard_disconnect(g, medsec_test_null, a.len);
	medsec_guard_stats(medsec_test_null, &st);
	assert_int_equal(st.sources, 0);
	assert_int_equal(stats(g).sources, 0);
	medsec_guard_free(g);
}

/*
 * No allocation per decision: a million decisions from 100,000 sources
 * leave the heap exactly as it was after creation, and the table at its
 * size. glibc's mallinfo2 counts every byte malloc hands out.
 */
static void
test_req_2_4_guard_memory_fixed_under_million_decisions(void **state)
{
	struct medsec_guard_options o = defaults();
	struct medsec_guard *g;
	struct mallinfo2 before, after;
	struct sockaddr_in6 sin6;
	uint32_t retry, i, x;
	unsigned ok = 0;

	(void)state;
	o.max_sources = 10000;
	g = guard_with(&o);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr.s6_addr[0] = 0x20;
	before = mallinfo2();
	for (i = 0; i < 1000000; i++) {
		x = (i * 2654435761u) % 100000; /* 100,000 /64 networks */
		memcpy(&sin6.sin6_addr.s6_addr[4], &x, sizeof(x));
		if (i % 10 == 0) {
			if (medsec_guard_connect(g, (struct sockaddr *)&sin6,
				sizeof(sin6), T0 + i, &retry) == MEDSEC_OK) {
				medsec_guard_disconnect(g,
				    (struct sockaddr *)&sin6, sizeof(sin6));
				ok++;
			}
		} else if (medsec_guard_request(g, (struct sockaddr *)&sin6,
			       sizeof(sin6), MEDSEC_GUARD_REQUEST, T0 + i,
			       &retry) == MEDSEC_OK)
			ok++;
	}
	after = mallinfo2();
	assert_int_equal(after.uordblks, before.uordblks);
	assert_int_equal(after.hblkhd, before.hblkhd);
	assert_true(ok > 0);
	assert_true(stats(g).sources <= 10000);
	assert_true(stats(g).evictions > 0);
	assert_true(medsec_guard_memory(&o) < 4u * 1024 * 1024);
	medsec_guard_free(g);
}

static void
test_guard_siphash_matches_libsodium(void **state)
{
	uint8_t key[16], in[64], want[8];
	uint64_t got;
	size_t len, i;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	/* The reference vector: key 00..0f, message 00..0e. */
	assert_true(guard_siphash24(key, in, 15) ==
	    UINT64_C(0xa129ca6149be45e5));
	for (len = 0; len <= sizeof(in); len++) {
		crypto_shorthash_siphash24(want, in, len, key);
		got = guard_siphash24(key, in, len);
		for (i = 0; i < 8; i++)
			assert_int_equal(want[i], (uint8_t)(got >> (8 * i)));
	}
}

/*
 * The caller's own bucket (the uplink's per-connection source rate,
 * catalog H7): full at start, then exactly rate a second, never over
 * burst, and a clock that goes back mints nothing.
 */
static void
test_req_2_4_guard_bucket_rate_and_burst_exact(void **state)
{
	struct medsec_guard_bucket b;
	uint64_t t = 5000000;
	int i, taken = 0;

	(void)state;
	medsec_guard_bucket_init(&b, 40, t);
	for (i = 0; i < 100; i++)
		taken += medsec_guard_bucket_take(&b, 20, 40, t);
	assert_int_equal(taken, 40);
	/* 49,999 us at 20/s is 0.99998 of a token: none yet. */
	assert_int_equal(medsec_guard_bucket_take(&b, 20, 40, t + 49999), 0);
	assert_int_equal(medsec_guard_bucket_take(&b, 20, 40, t + 50000), 1);
	assert_int_equal(medsec_guard_bucket_take(&b, 20, 40, t + 50000), 0);
	/* Back in time: nothing added, and the bucket's clock stays. */
	assert_int_equal(medsec_guard_bucket_take(&b, 20, 40, t), 0);
	assert_int_equal(medsec_guard_bucket_take(&b, 20, 40, t + 99999), 0);
	assert_int_equal(medsec_guard_bucket_take(&b, 20, 40, t + 100000), 1);
	/* An hour idle refills to burst, not past it. */
	t += 3600ULL * 1000000;
	for (i = 0, taken = 0; i < 100; i++)
		taken += medsec_guard_bucket_take(&b, 20, 40, t);
	assert_int_equal(taken, 40);
	/* A zero rate or burst never hands out a token. */
	medsec_guard_bucket_init(&b, 0, t);
	assert_int_equal(medsec_guard_bucket_take(&b, 20, 0, t + 1000000), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_4_guard_connection_rate_and_burst_exact),
	cmocka_unit_test(test_req_2_4_guard_request_rate_and_burst_exact),
	cmocka_unit_test(test_req_2_4_guard_retry_after_is_the_wait_for_a_token),
	cmocka_unit_test(test_req_2_4_guard_sources_are_independent),
	cmocka_unit_test(test_req_2_4_guard_global_connection_cap),
	cmocka_unit_test(test_req_2_4_guard_bucket_rate_and_burst_exact),
	cmocka_unit_test(test_req_2_4_guard_source_cap_freed_by_disconnect),
	cmocka_unit_test(test_req_2_4_guard_caps_checked_before_rate),
	cmocka_unit_test(test_req_2_4_guard_login_stricter_than_requests),
	cmocka_unit_test(test_req_2_4_guard_refused_login_spends_nothing),
	cmocka_unit_test(test_req_2_4_guard_ipv6_grouped_by_prefix),
	cmocka_unit_test(test_req_2_4_guard_full_table_keeps_connected_client),
	cmocka_unit_test(test_req_2_4_guard_full_table_does_not_reset_attacker),
	cmocka_unit_test(test_req_2_4_guard_full_table_evicts_only_forgettable),
	cmocka_unit_test(test_req_2_4_guard_eviction_never_skips_or_repeats_a_report),
	cmocka_unit_test(test_req_2_4_guard_reports_once_per_interval),
	cmocka_unit_test(test_req_2_4_guard_overflow_reported_as_one_source),
	cmocka_unit_test(test_req_2_4_guard_reload_keeps_state),
	cmocka_unit_test(test_req_2_4_guard_bad_reload_changes_nothing),
	cmocka_unit_test(test_req_2_4_guard_time_going_back_adds_no_tokens),
	cmocka_unit_test(test_req_2_4_guard_memory_fixed_under_million_decisions),
	cmocka_unit_test(test_guard_options_check_names_the_value),
	cmocka_unit_test(test_guard_options_from_config_limits),
	cmocka_unit_test(test_guard_refuses_unusable_address),
	cmocka_unit_test(test_guard_refuses_null_arguments),
	cmocka_unit_test(test_guard_siphash_matches_libsodium),
};

MEDSEC_TEST_MAIN(tests)
