/*
 * Flood guard benchmark (MFDS 2.4): decisions per second on one core.
 *
 *   bench_guard decide SOURCES DECISIONS [v4|v6]
 *     DECISIONS decisions spread over SOURCES addresses in a scrambled
 *     order: nine requests for each connection (accepted connections are
 *     closed at once), the clock one microsecond further at each
 *     decision, so buckets drain and refill as under a flood. The table
 *     is the default (16384 sources).
 *
 *   bench_guard churn SOURCES DECISIONS
 *     The same with far more sources than the table holds: every
 *     decision for a new source takes the eviction path.
 *
 * Prints one line of key=value pairs: decisions, seconds, per_second,
 * ns_per_decision (wall), cpu_ns_per_decision (user and system time, which
 * other processes on a shared machine disturb less), allowed, refused,
 * evictions, table_kib, peak_rss_kib.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "medsec/err.h"
#include "medsec/guard.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Source number n as an address: 10.0.0.0/8 or 2001:db8:xxxx:xxxx::/64. */
static void
address_of(uint32_t n, int v6, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (!v6) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0x0a000000u + n);
		*len = sizeof(*sin);
		return;
	}
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr.s6_addr[0] = 0x20;
	sin6->sin6_addr.s6_addr[1] = 0x01;
	sin6->sin6_addr.s6_addr[2] = 0x0d;
	sin6->sin6_addr.s6_addr[3] = 0xb8;
	memcpy(&sin6->sin6_addr.s6_addr[4], &n, sizeof(n));
	sin6->sin6_addr.s6_addr[15] = 1;
	*len = sizeof(*sin6);
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
decide(struct medsec_guard *g, uint64_t i, const struct sockaddr *sa,
    socklen_t len)
{
	uint32_t retry;
	int r;

	if (i % 10 != 0)
		return medsec_guard_request(g, sa, len, MEDSEC_GUARD_REQUEST,
		    i, &retry);
	if ((r = medsec_guard_connect(g, sa, len, i, &retry)) == MEDSEC_OK)
		medsec_guard_disconnect(g, sa, len);
	return r;
}

static int
run(const char *mode, uint32_t sources, uint64_t decisions, int v6)
{
	struct medsec_guard_options o;
	struct medsec_guard *g = NULL;
	struct medsec_guard_stats st;
	struct sockaddr_storage ss;
	socklen_t len;
	struct rusage ru;
	uint64_t i, allowed = 0;
	double t0, t1, c0, c1;
	uint32_t n;

	medsec_guard_options_default(&o);
	if (medsec_guard_new(&o, &g) != MEDSEC_OK) {
		fprintf(stderr, "bench_guard: setup failed\n");
		return 1;
	}
	/*
	 * The address is made in place each time, as accept() would hand it
	 * over, rather than read from an array of a million addresses that
	 * would time the harness's cache misses instead of the guard.
	 */
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < decisions; i++) {
		n = (uint32_t)((i * 2654435761u) % sources);
		address_of(n, v6, &ss, &len);
		if (decide(g, 1000000000u + i, (struct sockaddr *)&ss, len) ==
		    MEDSEC_OK)
			allowed++;
	}
	t1 = now_s();
	c1 = cpu_s();
	medsec_guard_stats(g, &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("%s sources=%u family=%s decisions=%llu seconds=%.3f "
	    "per_second=%.0f ns_per_decision=%.1f cpu_ns_per_decision=%.1f allowed=%llu refused=%llu "
	    "evictions=%llu table_kib=%zu peak_rss_kib=%ld\n", mode, sources,
	    v6 ? "v6" : "v4", (unsigned long long)decisions, t1 - t0,
	    (double)decisions / (t1 - t0), (t1 - t0) * 1e9 / (double)decisions,
	    (c1 - c0) * 1e9 / (double)decisions,
	    (unsigned long long)allowed,
	    (unsigned long long)(decisions - allowed),
	    (unsigned long long)st.evictions, medsec_guard_memory(&o) / 1024,
	    ru.ru_maxrss);
	medsec_guard_free(g);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long sources;
	unsigned long long decisions;

	if (argc < 4 || (strcmp(argv[1], "decide") != 0 &&
	    strcmp(argv[1], "churn") != 0)) {
		fprintf(stderr, "usage: bench_guard decide|churn SOURCES "
		    "DECISIONS [v4|v6]\n");
		return 2;
	}
	sources = strtoul(argv[2], NULL, 10);
	decisions = strtoull(argv[3], NULL, 10);
	if (sources == 0 || sources > 16777216 || decisions == 0) {
		fprintf(stderr, "bench_guard: SOURCES must be 1 to 16777216 "
		    "and DECISIONS at least 1\n");
		return 2;
	}
	return run(argv[1], (uint32_t)sources, decisions,
	    argc > 4 && strcmp(argv[4], "v6") == 0);
}
