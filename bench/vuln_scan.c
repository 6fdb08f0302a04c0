/*
 * bench_vuln_scan [COMPONENTS [ADVISORIES]]: the advisory index against
 * the naive scan on the same data (issue 13: 1,000 components against
 * 50,000 advisories in under a second on one core, memory reported).
 *
 * The data is generated, deterministic and shaped like a distribution's
 * feed: advisories spread over 20,000 package names in Debian:12, Debian
 * and ConanCenter, a few per package, each with an ECOSYSTEM range of an
 * introduced and a fixed or last_affected event; components drawn from
 * the same names, about half of them with advisories. Both scans must
 * report the same matches, or the run fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "medsec-tools/vuln.h"
#include "medsec/err.h"

#define NAMES 20000

static uint64_t rng = 0x2545f4914f6cdd1du;

static unsigned
pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static const char *const ecosystems[] = { "Debian:12", "Debian:12",
	"Debian:12", "Debian", "ConanCenter", "ConanCenter" };

static int
debian(unsigned e)
{
	return e < 4;
}

/* The ecosystem of a package name: fixed per name, as in a real feed. */
static unsigned
eco_of(unsigned name)
{
	return (name * 2654435761u >> 8) % 6;
}

static void
record(char *buf, size_t len, unsigned i)
{
	unsigned name = pick(NAMES), e = eco_of(name);
	char lo[32], hi[32];

	snprintf(lo, sizeof(lo), debian(e) ? "1.%u.%u-1" : "1.%u.%u",
	    pick(4), pick(10));
	snprintf(hi, sizeof(hi), debian(e) ? "1.%u.%u-1+deb12u%u" :
	    "1.%u.%u", 4 + pick(4), pick(10), 1 + pick(3));
	snprintf(buf, len, "{\"id\":\"x_BENCH-%u\",\"modified\":"
	    "\"2025-%02u-%02uT00:00:00Z\",\"aliases\":[\"CVE-2025-%u\"],"
	    "\"summary\":\"generated\",\"affected\":[{\"package\":{"
	    "\"ecosystem\":\"%s\",\"name\":\"pkg-%u\"},\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"%s\"},{\"%s\":\"%s\"}]"
	    "}]}]}", i, 1 + pick(12), 1 + pick(28), 10000 + i, ecosystems[e],
	    name, pick(5) == 0 ? "0" : lo, pick(4) == 0 ? "last_affected" :
	    "fixed", hi);
}

struct tally {
	size_t n;
	uint64_t sum;
};

static int
tally(const struct medsec_vuln_match *m, void *ctx)
{
	struct tally *t = ctx;
	uint64_t h = 1469598103934665603u;

	for (const char *s = m->id; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	t->n++;
	t->sum += h * (uint64_t)(uintptr_t)m->component;
	return 0;
}

static struct medsec_vuln_component *
components(size_t n)
{
	struct medsec_vuln_component *c = calloc(n, sizeof(*c));

	for (size_t i = 0; c != NULL && i < n; i++) {
		unsigned name = pick(NAMES), e = eco_of(name);
		char *nm = malloc(32), *v = malloc(32), *ref = malloc(32);

		snprintf(nm, 32, "pkg-%u", name);
		snprintf(v, 32, debian(e) ? "1.%u.%u-1+deb12u%u" : "1.%u.%u",
		    pick(9), pick(10), pick(3));
		snprintf(ref, 32, "c%zu", i);
		c[i].ref = ref;
		c[i].name = nm;
		c[i].version = v;
		/* A Debian:12 component also sees release-less records. */
		c[i].ecosystem = e == 3 ? "Debian:12" : ecosystems[e];
	}
	return c;
}

static double
timed_scan(const struct medsec_vuln_db *db,
    const struct medsec_vuln_component *c, size_t n, int indexed,
    struct tally *t, double *cpu_s)
{
	double t0 = now(), c0 = cpu();

	memset(t, 0, sizeof(*t));
	if (medsec_vuln_scan(db, c, n, indexed, tally, t) != MEDSEC_OK) {
		fprintf(stderr, "scan failed\n");
		exit(1);
	}
	*cpu_s = cpu() - c0;
	return now() - t0;
}

int
main(int argc, char **argv)
{
	size_t ncomp = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	size_t nadv = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
	struct medsec_vuln_db *db = NULL;
	struct medsec_vuln_component *c;
	struct tally ti, tn;
	double t_load, t_idx = 1e9, t_naive, c_idx = 0, c_naive, c0;
	long rss0 = rss_kib(), rss_db;
	char buf[1024];

	if (medsec_vuln_db_new(&db) != MEDSEC_OK)
		return 1;
	t_load = now();
	c0 = cpu();
	for (size_t i = 0; i < nadv; i++) {
		record(buf, sizeof(buf), (unsigned)i);
		if (medsec_vuln_db_add_json(db, buf, strlen(buf), "bench",
		    NULL) != MEDSEC_OK) {
			fprintf(stderr, "record %zu refused: %s\n", i, buf);
			return 1;
		}
	}
	t_load = now() - t_load;
	c0 = cpu() - c0;
	rss_db = rss_kib();
	if ((c = components(ncomp)) == NULL)
		return 1;
	/* Best of 5 for the index (it is short); the naive scan once. */
	for (int i = 0; i < 5; i++) {
		double cs, t = timed_scan(db, c, ncomp, 1, &ti, &cs);

		if (t < t_idx) {
			t_idx = t;
			c_idx = cs;
		}
	}
	t_naive = timed_scan(db, c, ncomp, 0, &tn, &c_naive);
	printf("components %zu, advisories %zu, matches %zu (naive %zu)\n",
	    ncomp, medsec_vuln_db_count(db), ti.n, tn.n);
	printf("load (JSON parse + index): %.3f s wall, %.3f s cpu\n", t_load,
	    c0);
	printf("%-8s %12s %12s %14s\n", "scan", "wall ms", "cpu ms",
	    "per component");
	printf("%-8s %12.3f %12.3f %11.2f us\n", "index", t_idx * 1e3,
	    c_idx * 1e3, t_idx * 1e6 / (double)ncomp);
	printf("%-8s %12.3f %12.3f %11.2f us\n", "naive", t_naive * 1e3,
	    c_naive * 1e3, t_naive * 1e6 / (double)ncomp);
	printf("naive/index: %.0fx\n", t_naive / t_idx);
	printf("memory: peak RSS %ld KiB; database and index %ld KiB\n",
	    rss_kib(), rss_db - rss0);
	medsec_vuln_db_free(db);
	if (ti.n != tn.n || ti.sum != tn.sum) {
		fprintf(stderr, "the index and the naive scan disagree\n");
		return 1;
	}
	return 0;
}
