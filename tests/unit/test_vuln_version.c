/*
 * Version order, proven against the reference implementations:
 *
 *   - Debian: 100,000 generated pairs against dpkg's own Perl
 *     implementation (Dpkg::Version from libdpkg-perl, one process), and
 *     a chain of 450 distinct versions whose neighbours the dpkg binary
 *     itself compares (`dpkg --compare-versions`, 449 runs): dpkg's order
 *     is total, so agreeing on every neighbour and our order agreeing
 *     with the chain on all 101,025 pairs proves those pairs equal.
 *   - Semantic Versioning: 100,000 generated pairs against npm semver.
 *
 * The pairs are written to a file and the oracle runs once over it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testmain.h"
#include "medsec-tools/vuln.h"
#include "medsec/err.h"

#define PAIRS 100000
#define CHAIN 450
#define VMAX 64

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned
pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void
append(char *v, const char *alphabet, unsigned maxlen)
{
	size_t n = strlen(v), k = strlen(alphabet);
	unsigned len = pick(maxlen + 1);

	for (unsigned i = 0; i < len && n + 1 < VMAX; i++)
		v[n++] = alphabet[pick((unsigned)k)];
	v[n] = '\0';
}

/* A valid Debian version from small alphabets, so that pairs often tie
 * or differ only in a tilde, a leading zero or the revision. */
static void
gen_debian(char *v)
{
	int has_rev = pick(10) < 6, has_epoch = pick(10) < 3;

	v[0] = '\0';
	if (has_epoch)
		snprintf(v, VMAX, "%u:", pick(3));
	snprintf(v + strlen(v), VMAX - strlen(v), "%u", pick(12));
	append(v, has_rev ? "0123456789..~~++ab-" : "00123456789..~~++ab",
	    8);
	if (has_rev) {
		strcat(v, "-");
		snprintf(v + strlen(v), VMAX - strlen(v), "%u", pick(4));
		append(v, "0129.~+bdeu", 6);
	}
}

/* b as a small change of a: the interesting pairs are the close ones. */
static void
mutate(const char *a, char *b, void (*gen)(char *))
{
	static const char edits[] = "0~.1a+-";
	size_t n = strlen(a);

	if (pick(3) == 0) {
		gen(b);
		return;
	}
	snprintf(b, VMAX, "%s", a);
	if (pick(2) == 0 && n + 2 < VMAX)
		snprintf(b + n, VMAX - n, "%c", edits[pick(sizeof(edits) - 1)]);
	else if (n > 1)
		b[pick((unsigned)n - 1) + 1] = edits[pick(sizeof(edits) - 1)];
}

static int
have(const char *cmd)
{
	char line[512];

	snprintf(line, sizeof(line), "%s >/dev/null 2>&1", cmd);
	return system(line) == 0;
}

/* Writes n pairs of valid versions, one "a b" per line. */
static void
write_pairs(const char *path, size_t n, void (*gen)(char *),
    int (*valid)(const char *))
{
	FILE *f = fopen(path, "w");
	char a[VMAX], b[VMAX];
	size_t written = 0;

	assert_non_null(f);
	while (written < n) {
		gen(a);
		mutate(a, b, gen);
		if (!valid(a) || !valid(b))
			continue;
		fprintf(f, "%s %s\n", a, b);
		written++;
	}
	assert_int_equal(fclose(f), 0);
}

typedef int (*compare_fn)(const char *, const char *, int *);

/* Compares our answers with the oracle's (one sign per line). */
static void
check_against(const char *pairs, const char *answers, compare_fn cmp,
    size_t expect)
{
	FILE *p = fopen(pairs, "r"), *o = fopen(answers, "r");
	char a[VMAX], b[VMAX];
	size_t n = 0, differ = 0, ties = 0;
	int want, got;

	assert_non_null(p);
	assert_non_null(o);
	while (fscanf(p, "%63s %63s", a, b) == 2) {
		assert_int_equal(fscanf(o, "%d", &want), 1);
		assert_int_equal(cmp(a, b, &got), MEDSEC_OK);
		if ((got > 0) - (got < 0) != want) {
			if (differ++ < 10)
				print_error("differs: '%s' vs '%s': oracle %d, "
				    "medsec %d\n", a, b, want, got);
		}
		ties += want == 0;
		n++;
	}
	fclose(p);
	fclose(o);
	print_message("%zu pairs compared with the oracle, %zu ties, %zu "
	    "differences\n", n, ties, differ);
	assert_int_equal(n, expect);
	assert_int_equal(differ, 0);
	assert_true(ties > 100); /* the generator reaches equal versions */
}

static int
debver_valid(const char *v)
{
	return medsec_debver_valid(v);
}

static void
test_vuln_debver_known_order(void **state)
{
	static const struct {
		const char *a, *b;
		int cmp;
	} cases[] = {
		{ "1:1.2.11.dfsg-2+deb11u1", "1:1.2.11.dfsg-2+deb11u2", -1 },
		{ "3.0.15-1~deb12u1", "3.0.15-1", -1 },
		{ "1.2.13.dfsg-1", "1:1.2.11.dfsg-2", -1 },
		{ "1.0~rc1", "1.0", -1 },
		{ "1.0", "1.0-0", 0 },
		{ "1.0a", "1.0+", -1 },
		{ "0:1.01", "1.1", 0 },
		{ "1.0~~", "1.0~", -1 },
		{ "2.36-9+deb12u14", "2.36-9+deb12u4", 1 },
	};
	int c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(medsec_debver_compare(cases[i].a, cases[i].b,
		    &c), MEDSEC_OK);
		if (c != cases[i].cmp)
			fail_msg("%s vs %s: %d", cases[i].a, cases[i].b, c);
	}
}

static void
test_vuln_debver_bad_syntax_refused(void **state)
{
	static const char *const bad[] = { "", "a1.0", ":1.0", "x:1.0",
		"1.0-", "1.0 1", "1.0_1", "1.0-1:2", "1.0-a_b",
		"1234567890:1" };
	int c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (medsec_debver_compare(bad[i], "1.0", &c) !=
		    MEDSEC_ERR_INVALID)
			fail_msg("'%s' accepted", bad[i]);
}

static void
test_vuln_debver_matches_dpkg_perl_100k_pairs(void **state)
{
	char dir[] = "/tmp/medsec-debver-XXXXXX", pairs[64], out[64];
	char cmd[512];

	(void)state;
	if (!have("perl -MDpkg::Version -e 1")) {
		print_message("libdpkg-perl not installed\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(pairs, sizeof(pairs), "%s/pairs", dir);
	snprintf(out, sizeof(out), "%s/dpkg", dir);
	write_pairs(pairs, PAIRS, gen_debian, debver_valid);
	snprintf(cmd, sizeof(cmd), "perl -MDpkg::Version -ne 'my ($a, $b) = "
	    "split; print version_compare($a, $b), \"\\n\"' %s > %s", pairs,
	    out);
	assert_int_equal(system(cmd), 0);
	check_against(pairs, out, medsec_debver_compare, PAIRS);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int
by_debver(const void *a, const void *b)
{
	int c;

	if (medsec_debver_compare(a, b, &c) != MEDSEC_OK)
		return 0;
	return c;
}

/* The relation dpkg gave between neighbours i and i + 1 of the chain. */
static void
dpkg_neighbours(char (*v)[VMAX], int *rel, const char *dir)
{
	char list[128], out[128], cmd[1024];
	FILE *f;
	int i, r;

	snprintf(list, sizeof(list), "%s/chain", dir);
	snprintf(out, sizeof(out), "%s/chain.dpkg", dir);
	assert_non_null(f = fopen(list, "w"));
	for (i = 0; i + 1 < CHAIN; i++)
		fprintf(f, "%d %s %s\n", i, v[i], v[i + 1]);
	assert_int_equal(fclose(f), 0);
	/* One dpkg run per neighbour pair, two at a time. */
	snprintf(cmd, sizeof(cmd), "xargs -P2 -L1 sh -c 'if dpkg "
	    "--compare-versions \"$1\" lt \"$2\"; then echo \"$0 -1\"; elif "
	    "dpkg --compare-versions \"$1\" eq \"$2\"; then echo \"$0 0\"; "
	    "else echo \"$0 1\"; fi' < %s > %s", list, out);
	assert_int_equal(system(cmd), 0);
	assert_non_null(f = fopen(out, "r"));
	for (i = 0; i + 1 < CHAIN; i++)
		rel[i] = 2;
	while (fscanf(f, "%d %d", &i, &r) == 2)
		if (i >= 0 && i + 1 < CHAIN)
			rel[i] = r;
	fclose(f);
}

static void
test_vuln_debver_chain_matches_dpkg_binary(void **state)
{
	static char v[CHAIN][VMAX];
	static int rel[CHAIN];
	char dir[] = "/tmp/medsec-dpkgchain-XXXXXX", cmd[128];
	size_t n = 0, pairs = 0, differ = 0;
	int c;

	(void)state;
	if (!have("dpkg --version"))
		skip();
	while (n < CHAIN) {
		gen_debian(v[n]);
		n += medsec_debver_valid(v[n]) != 0;
	}
	qsort(v, CHAIN, VMAX, by_debver);
	assert_non_null(mkdtemp(dir));
	dpkg_neighbours(v, rel, dir);
	for (int i = 0; i + 1 < CHAIN; i++) {
		assert_int_equal(medsec_debver_compare(v[i], v[i + 1], &c),
		    MEDSEC_OK);
		if (rel[i] != c)
			fail_msg("dpkg: '%s' vs '%s' is %d, medsec %d", v[i],
			    v[i + 1], rel[i], c);
	}
	/* Every pair: ours equals what the dpkg-confirmed chain implies
	 * (equal only if every step between them is a tie). */
	for (int i = 0; i < CHAIN; i++) {
		int strict = 0;

		for (int j = i + 1; j < CHAIN; j++) {
			strict |= rel[j - 1] != 0;
			assert_int_equal(medsec_debver_compare(v[i], v[j], &c),
			    MEDSEC_OK);
			differ += c != (strict ? -1 : 0);
			pairs++;
		}
	}
	print_message("dpkg --compare-versions on %d neighbours proves %zu "
	    "pairs; %zu differences\n", CHAIN - 1, pairs, differ);
	assert_true(pairs >= 100000);
	assert_int_equal(differ, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- Semantic Versioning ---- */

static void
gen_ident(char *v, int numeric)
{
	if (numeric)
		snprintf(v + strlen(v), VMAX - strlen(v), "%u", pick(3) == 0 ?
		    pick(1000) : pick(3));
	else {
		append(v, "abAB-0", 4);
		strcat(v, pick(2) ? "x" : "-");
	}
}

static void
gen_semver(char *v)
{
	snprintf(v, VMAX, "%u.%u.%u", pick(3), pick(3), pick(12));
	if (pick(2) == 0) {
		unsigned ids = 1 + pick(3);

		strcat(v, "-");
		for (unsigned i = 0; i < ids; i++) {
			if (i > 0)
				strcat(v, ".");
			gen_ident(v, pick(2));
		}
	}
	if (pick(5) == 0)
		strcat(v, pick(2) ? "+build.7" : "+sha.0a1");
}

static int
semver_valid(const char *v)
{
	int c;

	return medsec_semver_compare(v, "1.0.0", &c) == MEDSEC_OK;
}

static void
test_vuln_semver_known_order(void **state)
{
	static const char *const chain[] = { "1.0.0-alpha", "1.0.0-alpha.1",
		"1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0",
		"2.0.0", "18446744073709551616.0.0" };
	int c;

	(void)state;
	/* The precedence example of semver.org section 11, and a number
	 * past 64 bits. */
	for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++) {
		assert_int_equal(medsec_semver_compare(chain[i], chain[i + 1],
		    &c), MEDSEC_OK);
		if (c >= 0)
			fail_msg("%s should be before %s", chain[i],
			    chain[i + 1]);
	}
	assert_int_equal(medsec_semver_compare("1.0.0+a", "1.0.0+b", &c),
	    MEDSEC_OK);
	assert_int_equal(c, 0);
	assert_int_equal(medsec_semver_compare("v1.0.0", "1.0.0", &c),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_semver_compare("1.0", "1.0.0", &c),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_semver_compare("01.0.0", "1.0.0", &c),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_semver_compare("1.0.0-01", "1.0.0", &c),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_semver_compare("1.0.0-a..b", "1.0.0", &c),
	    MEDSEC_ERR_INVALID);
}

static void
test_vuln_semver_matches_npm_semver_100k_pairs(void **state)
{
	char dir[] = "/tmp/medsec-semver-XXXXXX", pairs[64], out[64];
	char cmd[1024];
	const char *node_modules = MEDSEC_SOURCE_DIR
	    "/tests/validators/node_modules/semver";

	(void)state;
	if (access(node_modules, R_OK) != 0 || !have("node --version")) {
		print_message("npm semver not installed (scripts/deps.sh)\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(pairs, sizeof(pairs), "%s/pairs", dir);
	snprintf(out, sizeof(out), "%s/npm", dir);
	write_pairs(pairs, PAIRS, gen_semver, semver_valid);
	snprintf(cmd, sizeof(cmd), "node %s/tests/validators/semver-pairs.js "
	    "%s > %s", MEDSEC_SOURCE_DIR, pairs, out);
	assert_int_equal(system(cmd), 0);
	check_against(pairs, out, medsec_semver_compare, PAIRS);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_vuln_debver_known_order),
	cmocka_unit_test(test_vuln_debver_bad_syntax_refused),
	cmocka_unit_test(test_vuln_debver_matches_dpkg_perl_100k_pairs),
	cmocka_unit_test(test_vuln_debver_chain_matches_dpkg_binary),
	cmocka_unit_test(test_vuln_semver_known_order),
	cmocka_unit_test(test_vuln_semver_matches_npm_semver_100k_pairs),
};

MEDSEC_TEST_MAIN(tests)
