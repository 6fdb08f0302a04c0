/*
 * OSV matching (MFDS 2.3): the evaluation rules of the OSV schema
 * (introduced, fixed, last_affected, limit, versions), backports judged
 * by Debian's records, malformed records refused with the field named,
 * and the index finding exactly what reading every advisory finds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"
#include "medsec-tools/vuln.h"
#include "medsec/err.h"

#define OSV_DIR MEDSEC_SOURCE_DIR "/tests/data/osv"

struct hits {
	size_t n;
	char ids[64][64];
	char fixed[64][64];
};

static int
collect(const struct medsec_vuln_match *m, void *ctx)
{
	struct hits *h = ctx;

	if (h->n < 64) {
		snprintf(h->ids[h->n], sizeof(h->ids[0]), "%s", m->id);
		snprintf(h->fixed[h->n], sizeof(h->fixed[0]), "%s", m->fixed);
	}
	h->n++;
	return 0;
}

static struct medsec_vuln_db *
db_of(const char *json)
{
	struct medsec_vuln_db *db = NULL;
	struct medsec_config_error err;

	assert_int_equal(medsec_vuln_db_new(&db), MEDSEC_OK);
	if (medsec_vuln_db_add_json(db, json, strlen(json), "test.json",
	    &err) != MEDSEC_OK)
		fail_msg("refused: %s: %s", err.key, err.message);
	return db;
}

static size_t
count_hits(const struct medsec_vuln_db *db, const char *eco,
    const char *name, const char *version, struct hits *h)
{
	struct medsec_vuln_component c = { "ref", eco, name, version };

	memset(h, 0, sizeof(*h));
	assert_int_equal(medsec_vuln_scan(db, &c, 1, 1, collect, h),
	    MEDSEC_OK);
	return h->n;
}

static void
test_req_2_3_vuln_osv_events_evaluated(void **state)
{
	struct hits h;
	struct medsec_vuln_db *db = db_of("{\"id\":\"x_T-1\",\"modified\":"
	    "\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{"
	    "\"ecosystem\":\"ConanCenter\",\"name\":\"p\"},\"ranges\":[{"
	    "\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"2.0.0\"},"
	    "{\"introduced\":\"1.0.0\"},{\"introduced\":\"3.0.0\"},"
	    "{\"fixed\":\"3.1.0\"}]},{\"type\":\"SEMVER\",\"events\":["
	    "{\"introduced\":\"5.0.0\"},{\"last_affected\":\"5.2.0\"}]},"
	    "{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},"
	    "{\"limit\":\"0.5.0\"}]}],\"versions\":[\"4.4.4\"]}]}");

	(void)state;
	/* Events given out of order are sorted before the walk. */
	assert_int_equal(count_hits(db, "ConanCenter", "p", "0.9.0", &h), 0);
	assert_int_equal(count_hits(db, "ConanCenter", "p", "1.0.0", &h), 1);
	assert_string_equal(h.fixed[0], "2.0.0");
	assert_int_equal(count_hits(db, "ConanCenter", "p", "2.0.0", &h), 0);
	assert_int_equal(count_hits(db, "ConanCenter", "p", "3.0.5", &h), 1);
	assert_string_equal(h.fixed[0], "3.1.0");
	assert_int_equal(count_hits(db, "ConanCenter", "p", "3.1.0", &h), 0);
	assert_int_equal(count_hits(db, "ConanCenter", "p", "4.4.4", &h), 1);
	assert_int_equal(count_hits(db, "ConanCenter", "p", "5.2.0", &h), 1);
	assert_int_equal(count_hits(db, "ConanCenter", "p", "5.2.1", &h), 0);
	/* limit: only versions below it are judged by that range. */
	assert_int_equal(count_hits(db, "ConanCenter", "p", "0.4.0", &h), 1);
	/* Another ecosystem or package never matches. */
	assert_int_equal(count_hits(db, "npm", "p", "1.0.0", &h), 0);
	assert_int_equal(count_hits(db, "ConanCenter", "q", "1.0.0", &h), 0);
	medsec_vuln_db_free(db);
}

static void
test_req_2_3_vuln_backport_judged_by_debian(void **state)
{
	struct medsec_vuln_db *db = NULL;
	struct medsec_config_error err;
	struct hits h;

	(void)state;
	assert_int_equal(medsec_vuln_db_new(&db), MEDSEC_OK);
	assert_int_equal(medsec_vuln_db_load_dir(db, OSV_DIR, &err), MEDSEC_OK);
	assert_int_equal(medsec_vuln_db_count(db), 7);
	assert_string_equal(medsec_vuln_db_date(db), "2026-01-24T15:01:59Z");
	/* Upstream: zlib 1.2.11 and libsodium 1.0.18 are affected. */
	assert_int_equal(count_hits(db, "ConanCenter", "zlib", "1.2.11", &h),
	    1);
	assert_string_equal(h.ids[0], "CVE-2022-37434");
	assert_int_equal(count_hits(db, "ConanCenter", "libsodium", "1.0.18",
	    &h), 1);
	/* Debian backported the fixes into those upstream versions. */
	assert_int_equal(count_hits(db, "Debian:11", "zlib",
	    "1:1.2.11.dfsg-2+deb11u2", &h), 0);
	assert_int_equal(count_hits(db, "Debian:12", "libsodium",
	    "1.0.18-1+deb12u1", &h), 0);
	/* The versions before the Debian fix are affected. */
	assert_int_equal(count_hits(db, "Debian:11", "zlib",
	    "1:1.2.11.dfsg-2+deb11u1", &h), 1);
	assert_string_equal(h.ids[0], "DSA-5218-1");
	assert_string_equal(h.fixed[0], "1:1.2.11.dfsg-2+deb11u2");
	assert_int_equal(count_hits(db, "Debian:12", "libsodium", "1.0.18-1",
	    &h), 1);
	/* A Debian 11 record says nothing about Debian 12's zlib. */
	assert_int_equal(count_hits(db, "Debian:12", "zlib",
	    "1:1.2.11.dfsg-2+deb11u1", &h), 0);
	medsec_vuln_db_free(db);
}

static void
expect_refused(const char *json, const char *field, const char *value)
{
	struct medsec_vuln_db *db = NULL;
	struct medsec_config_error err;

	assert_int_equal(medsec_vuln_db_new(&db), MEDSEC_OK);
	assert_int_not_equal(medsec_vuln_db_add_json(db, json, strlen(json),
	    "bad.json", &err), MEDSEC_OK);
	assert_int_equal(medsec_vuln_db_count(db), 0);
	assert_string_equal(err.file, "bad.json");
	if (strstr(err.key, field) == NULL ||
	    (value != NULL && strstr(err.message, value) == NULL))
		fail_msg("'%s: %s' does not name %s / %s", err.key,
		    err.message, field, value != NULL ? value : "");
	medsec_vuln_db_free(db);
}

#define HEAD "{\"id\":\"x_B\",\"modified\":\"2024-01-01T00:00:00Z\","
#define PKG "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\"," \
	"\"name\":\"zlib\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"

static void
test_req_2_3_vuln_malformed_osv_refused(void **state)
{
	(void)state;
	expect_refused("{\"modified\":\"2024-01-01T00:00:00Z\"}", "id", NULL);
	expect_refused("{\"id\":\"x\",\"modified\":\"yesterday\"}", "modified",
	    "yesterday");
	expect_refused(HEAD PKG "[{\"fixed\":\"1.0-1\"}]}]}]}",
	    "affected[0].ranges[0].events", "introduced");
	expect_refused(HEAD PKG "[{\"introduced\":\"0\"},{\"fixed\":\"1.0-1\"},"
	    "{\"last_affected\":\"1.1-1\"}]}]}]}",
	    "affected[0].ranges[0].events", "last_affected");
	expect_refused(HEAD PKG "[{\"introduced\":\"0\",\"fixed\":\"2\"}]}]}]}",
	    "affected[0].ranges[0].events[0]", "exactly one");
	expect_refused(HEAD PKG "[{\"introduced\":\"0\"},{\"fixed\":\"a1.0\"}]}"
	    "]}]}", "affected[0].ranges[0].events[1]", "a1.0");
	expect_refused(HEAD PKG "[{\"introduced\":\"0\"},{\"patched\":\"1\"}]}"
	    "]}]}", "affected[0].ranges[0].events[1]", "patched");
	expect_refused(HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
	    "\"name\":\"p\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":["
	    "{\"introduced\":\"v1.0.0\"}]}]}]}",
	    "affected[0].ranges[0].events[0]", "v1.0.0");
	expect_refused(HEAD "\"id\":\"dup\"}", "", "duplicate");
}

static void
test_vuln_withdrawn_record_skipped(void **state)
{
	struct medsec_vuln_db *db = db_of(HEAD "\"withdrawn\":"
	    "\"2024-02-01T00:00:00Z\"," PKG "[{\"introduced\":\"0\"}]}]}]}");

	(void)state;
	assert_int_equal(medsec_vuln_db_count(db), 0);
	medsec_vuln_db_free(db);
}

/* ---- the index against the naive scan ---- */

static uint64_t rng = 88172645463325252u;

static unsigned
pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const ecosystems[] = { "Debian:11", "Debian:12",
	"Debian", "ConanCenter" };

static void
random_record(char *buf, size_t len, unsigned i)
{
	unsigned e = pick(4), debian = e < 3;
	char lo[32], hi[32];

	snprintf(lo, sizeof(lo), debian ? "1.%u-1" : "1.%u.0", pick(6));
	snprintf(hi, sizeof(hi), debian ? "1.%u-%u" : "1.%u.%u", pick(8),
	    1 + pick(3));
	snprintf(buf, len, "{\"id\":\"x_R-%u\",\"modified\":"
	    "\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":"
	    "{\"ecosystem\":\"%s\",\"name\":\"pkg%u\"},\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"%s\"},{\"%s\":\"%s\"}"
	    "]}]}]}", i, ecosystems[e], pick(40), pick(4) == 0 ? "0" : lo,
	    pick(3) == 0 ? "last_affected" : "fixed", hi);
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
	for (const char *s = m->component->ref; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	t->n++;
	t->sum += h; /* order-independent: same pairs, same sum */
	return 0;
}

static void
test_req_2_3_vuln_index_equals_naive_scan(void **state)
{
	struct medsec_vuln_db *db = NULL;
	struct medsec_vuln_component comps[300];
	static char names[300][16], versions[300][16], refs[300][16];
	struct tally a = { 0, 0 }, b = { 0, 0 };
	char buf[1024];

	(void)state;
	assert_int_equal(medsec_vuln_db_new(&db), MEDSEC_OK);
	for (unsigned i = 0; i < 3000; i++) {
		random_record(buf, sizeof(buf), i);
		assert_int_equal(medsec_vuln_db_add_json(db, buf, strlen(buf),
		    "gen", NULL), MEDSEC_OK);
	}
	for (unsigned i = 0; i < 300; i++) {
		unsigned e = pick(4);

		snprintf(names[i], sizeof(names[i]), "pkg%u", pick(45));
		snprintf(versions[i], sizeof(versions[i]), e == 3 ?
		    "1.%u.%u" : "1.%u-%u", pick(9), pick(4));
		snprintf(refs[i], sizeof(refs[i]), "c%u", i);
		comps[i].ref = refs[i];
		comps[i].ecosystem = e == 2 ? "Debian:12" : ecosystems[e];
		comps[i].name = names[i];
		comps[i].version = versions[i];
	}
	assert_int_equal(medsec_vuln_scan(db, comps, 300, 1, tally, &a),
	    MEDSEC_OK);
	assert_int_equal(medsec_vuln_scan(db, comps, 300, 0, tally, &b),
	    MEDSEC_OK);
	print_message("index: %zu matches, naive: %zu\n", a.n, b.n);
	assert_true(a.n > 100);
	assert_int_equal(a.n, b.n);
	assert_true(a.sum == b.sum);
	medsec_vuln_db_free(db);
}

static void
test_vuln_sbom_components_read(void **state)
{
	static const char sbom[] = "{\"bomFormat\":\"CycloneDX\",\"components\":"
	    "[{\"bom-ref\":\"a\",\"name\":\"libssl3\",\"purl\":"
	    "\"pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro="
	    "debian-12\",\"properties\":[{\"name\":\"medsec:deb:source\","
	    "\"value\":\"openssl\"}]},{\"name\":\"x\",\"purl\":"
	    "\"pkg:generic/x@1\"},{\"bom-ref\":\"z\",\"name\":\"zlib\",\"purl\":"
	    "\"pkg:conan/zlib@1.2.%31%31\"},{\"name\":\"attr\",\"purl\":"
	    "\"pkg:deb/debian/attr@1:2.4.47-2%2Bb1?distro=bullseye\"}]}";
	struct medsec_vuln_component *c = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(medsec_vuln_sbom_components(sbom, strlen(sbom), &c,
	    &n, NULL), MEDSEC_OK);
	assert_int_equal(n, 3);
	assert_string_equal(c[0].ecosystem, "Debian:12");
	assert_string_equal(c[0].name, "openssl");
	assert_string_equal(c[0].version, "3.0.19-1~deb12u2");
	assert_string_equal(c[1].ecosystem, "ConanCenter");
	assert_string_equal(c[1].version, "1.2.11");
	assert_string_equal(c[2].ecosystem, "Debian:11");
	assert_string_equal(c[2].version, "1:2.4.47-2+b1");
	medsec_vuln_components_free(c, n);
	assert_int_equal(medsec_vuln_sbom_components("{\"bomFormat\":\"SPDX\"}",
	    21, &c, &n, NULL), MEDSEC_ERR_FORMAT);
	assert_null(c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_3_vuln_osv_events_evaluated),
	cmocka_unit_test(test_req_2_3_vuln_backport_judged_by_debian),
	cmocka_unit_test(test_req_2_3_vuln_malformed_osv_refused),
	cmocka_unit_test(test_vuln_withdrawn_record_skipped),
	cmocka_unit_test(test_req_2_3_vuln_index_equals_naive_scan),
	cmocka_unit_test(test_vuln_sbom_components_read),
};

MEDSEC_TEST_MAIN(tests)
