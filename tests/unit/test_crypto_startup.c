/*
 * Crypto start-up: OpenSSL's algorithms are fetched on first use, short
 * SHA-256 inputs are hashed by libsodium until then (crypto.c), and the
 * system openssl.cnf is read only when OPENSSL_CONF names a file. Each
 * test forks, so that its child starts the crypto module afresh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testmain.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

/* Lengths around SHA-256's padding edges and the short-input limit. */
static const size_t lengths[] = { 0, 1, 55, 56, 63, 64, 65, 1000, 16383,
	16384, 16385, 100000 };
#define NLENGTHS (sizeof(lengths) / sizeof(lengths[0]))

/* The child reports by exit status: no cmocka assertions in it. */
static uint8_t *
pattern(size_t len)
{
	uint8_t *buf = malloc(len + 1);

	if (buf == NULL)
		_exit(2);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	return buf;
}

static int
streamed(const uint8_t *in, size_t len, uint8_t out[MEDSEC_SHA256_LEN])
{
	struct medsec_hash_ctx *h = NULL;
	int r;

	if ((r = medsec_hash_new(MEDSEC_ALG_SHA256, &h)) == MEDSEC_OK &&
	    (r = medsec_hash_update(h, in, len)) == MEDSEC_OK)
		r = medsec_hash_final(h, out);
	medsec_hash_free(h);
	return r;
}

/* What the child checks; its exit status is the verdict. */
static int
one_shot_agrees_with_streamed(void)
{
	uint8_t first[NLENGTHS][MEDSEC_SHA256_LEN], d[MEDSEC_SHA256_LEN];
	static const uint8_t abc[MEDSEC_SHA256_LEN] = { 0xba, 0x78, 0x16,
		0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d,
		0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a,
		0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
	uint8_t *buf;
	int bad = 0;

	/* Before anything fetched: short inputs take libsodium's path. */
	if (medsec_hash(MEDSEC_ALG_SHA256, "abc", 3, d) != MEDSEC_OK ||
	    memcmp(d, abc, sizeof(d)) != 0)
		return 10;
	for (size_t i = 0; i < NLENGTHS; i++) {
		buf = pattern(lengths[i]);
		if (medsec_hash(MEDSEC_ALG_SHA256, buf, lengths[i], first[i]) !=
		    MEDSEC_OK)
			bad = 11;
		free(buf);
	}
	/* The streaming context fetches OpenSSL's SHA-256; from now on the
	 * one-shot takes it too, and all three must agree. */
	for (size_t i = 0; i < NLENGTHS; i++) {
		buf = pattern(lengths[i]);
		if (streamed(buf, lengths[i], d) != MEDSEC_OK ||
		    memcmp(d, first[i], sizeof(d)) != 0)
			bad = 12;
		if (medsec_hash(MEDSEC_ALG_SHA256, buf, lengths[i], d) !=
		    MEDSEC_OK || memcmp(d, first[i], sizeof(d)) != 0)
			bad = 13;
		free(buf);
	}
	if (medsec_hash(MEDSEC_ALG_SHA256, "abc", 3, d) != MEDSEC_OK ||
	    memcmp(d, abc, sizeof(d)) != 0)
		bad = 14;
	return bad;
}

static int
run_child(int (*check)(void), const char *openssl_conf)
{
	pid_t pid;
	int status;

	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if (openssl_conf != NULL)
			setenv("OPENSSL_CONF", openssl_conf, 1);
		else
			unsetenv("OPENSSL_CONF");
		_exit(check());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_crypto_short_sha256_matches_openssl_before_and_after_fetch(void **state)
{
	(void)state;
	assert_int_equal(run_child(one_shot_agrees_with_streamed, NULL), 0);
}

/* With every fetch restricted to a FIPS provider that is not loaded,
 * no SHA-256 may succeed, however short, and even as the process's first
 * crypto call: the configuration sees all. */
static int
hash_refused(void)
{
	uint8_t d[MEDSEC_SHA256_LEN];

	if (medsec_hash(MEDSEC_ALG_SHA256, "abc", 3, d) == MEDSEC_OK)
		return 20;
	if (medsec_crypto_init() == MEDSEC_OK &&
	    medsec_hash(MEDSEC_ALG_SHA256, "abc", 3, d) == MEDSEC_OK)
		return 21;
	return 0;
}

static void
test_crypto_openssl_conf_named_is_honoured(void **state)
{
	char path[] = "/tmp/medsec-test-XXXXXX";
	char conf[600];
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(conf, sizeof(conf), "%s/openssl.cnf", path);
	assert_non_null(fp = fopen(conf, "w"));
	fputs("openssl_conf = openssl_init\n"
	      "[openssl_init]\n"
	      "alg_section = evp_properties\n"
	      "[evp_properties]\n"
	      "default_properties = fips=yes\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(run_child(hash_refused, conf), 0);
	/* and without it the same hash works */
	assert_int_equal(run_child(one_shot_agrees_with_streamed, NULL), 0);
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(rmdir(path), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_crypto_short_sha256_matches_openssl_before_and_after_fetch),
	cmocka_unit_test(test_crypto_openssl_conf_named_is_honoured),
};

MEDSEC_TEST_MAIN(tests)
