/*
 * The hard-coded credential scanner (MFDS 1.10): each rule finds what it
 * should and nothing it should not; findings never carry the secret; and
 * medsec's own sources and binary are clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"
#include "medsec-tools/credscan.h"
#include "medsec/err.h"

#define MAXF 16

struct found {
	size_t n;
	struct medsec_cred_finding f[MAXF];
};

static int
keep(const struct medsec_cred_finding *f, void *ctx)
{
	struct found *fd = ctx;

	if (fd->n < MAXF)
		fd->f[fd->n] = *f;
	fd->n++;
	return 0;
}

static struct found
scan(const char *path, const char *text, size_t len)
{
	struct found fd;

	memset(&fd, 0, sizeof(fd));
	assert_int_equal(medsec_credscan_buffer(path, text, len, keep, &fd),
	    MEDSEC_OK);
	return fd;
}

#define SCAN(path, lit) scan(path, lit, sizeof(lit) - 1)

static void
test_req_1_10_scan_finds_assigned_password(void **state)
{
	struct found fd;

	(void)state;
	fd = SCAN("login.c", "int x;\n  static const char *admin_password = "
	    "\"hunter22\";\n");
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.f[0].rule, MEDSEC_CRED_ASSIGNED);
	assert_int_equal(fd.f[0].line, 2);
	assert_int_equal(fd.f[0].column, 22);
	assert_string_equal(fd.f[0].name, "admin_password");
	/* The finding names the variable, never the secret. */
	assert_null(strstr(fd.f[0].name, "hunter22"));
	fd = SCAN("k.h", "#define DEFAULT_PASSWORD \"1234x\"\n");
	assert_int_equal(fd.n, 1);
	fd = SCAN("cfg.json", "{\"user\": \"svc\", \"password\": \"abcd1234\"}");
	assert_int_equal(fd.n, 1);
	fd = SCAN("app.ini", "[db]\npassword = s3cretvalue\n");
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.f[0].line, 2);
	fd = SCAN("x.py", "API_KEY = 'AKIA1234567890'\ntoken2=\"zzzzyyyy\"\n");
	assert_int_equal(fd.n, 2);
}

static void
test_req_1_10_scan_ignores_references_and_settings(void **state)
{
	static const char *const clean[] = {
		"password = getenv(\"PW\");\n",	  /* in C: unquoted is code */
		"if (password == \"abcd\") {}\n",   /* a comparison */
		"db_password: ${DB_PASSWORD}\n",
		"password = \"\";\n",
		"password = \"****\";\n",
		"password = \"%s\";\n",
		"password_history = 5\n",	  /* a setting, not a secret */
		"bypass = \"route-a\"\n",
		"printf(\"password for %s\", name);\n",
	};
	struct found fd;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		fd = scan(i == 2 ? "app.yaml" : i == 6 ? "medsec.conf" :
		    "x.c", clean[i], strlen(clean[i]));
		if (fd.n != 0)
			fail_msg("false positive on: %s", clean[i]);
	}
}

static void
test_req_1_10_scan_finds_private_keys(void **state)
{
	static const char pem[] = "-----BEGIN EC PRIVATE KEY-----\n"
	    "MHcCAQEEIBkgP0y7c4Mff9a0Ar5cpcbEwl0F4QjA4fw0cTb0JfDqoAoGCCqGSM49\n"
	    "-----END EC PRIVATE KEY-----\n";
	struct found fd;

	(void)state;
	fd = SCAN("fw/etc/key.pem", pem);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.f[0].rule, MEDSEC_CRED_PRIVATE_KEY);
	/* The format's name in a parser or a document is not a key. */
	fd = SCAN("x.c", "if (strstr(s, \"-----BEGIN PRIVATE KEY-----\"))\n");
	assert_int_equal(fd.n, 0);
	fd = SCAN("x.c", "#define MAGIC \"medsec-secret-key 1\"\n");
	assert_int_equal(fd.n, 0);
}

static void
test_req_1_10_scan_finds_default_pairs_in_binaries(void **state)
{
	static const char image[] = "\x7f" "ELF\0\0\0cfg\0admin\0admin\0"
	    "\0\0root:toor\0load_root\0root_keys\0admin:administrator\0";
	struct found fd;

	(void)state;
	fd = scan("firmware.bin", image, sizeof(image) - 1);
	assert_int_equal(fd.n, 2);
	assert_int_equal(fd.f[0].rule, MEDSEC_CRED_DEFAULT_PAIR);
	assert_false(fd.f[0].text);
	assert_int_equal(fd.f[0].offset, 11);
	assert_string_equal(fd.f[1].name, "root");
}

static void
test_req_1_10_scan_finds_embedded_password_hashes(void **state)
{
	static const char shadow[] = "root:$6$Zk2xq8jN$Vq7uYV1r0vK9oQ3bJmN2"
	    "f8Hc5dL4aPzXw6tRyS1eG0iU9hB7kM3nC2xF5jT8qW4e:19000:0:99999:7:::\n";
	struct found fd;

	(void)state;
	fd = SCAN("etc/shadow", shadow);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.f[0].rule, MEDSEC_CRED_PASSWORD_HASH);
	/* A format example in a comment is not an account. */
	fd = SCAN("x.h", "/* \"$argon2id$v=19$m=...,t=...,p=1$salt$hash\" */\n");
	assert_int_equal(fd.n, 0);
}

static void
test_req_1_10_medsec_has_no_hardcoded_credentials(void **state)
{
	struct found fd;
	char path[1024];

	(void)state;
	memset(&fd, 0, sizeof(fd));
	snprintf(path, sizeof(path), "%s/src", MEDSEC_SOURCE_DIR);
	assert_int_equal(medsec_credscan_path(path, keep, &fd), MEDSEC_OK);
	snprintf(path, sizeof(path), "%s/include", MEDSEC_SOURCE_DIR);
	assert_int_equal(medsec_credscan_path(path, keep, &fd), MEDSEC_OK);
	snprintf(path, sizeof(path), "%s/bin/medsec", MEDSEC_BINARY_DIR);
	assert_int_equal(medsec_credscan_path(path, keep, &fd), MEDSEC_OK);
	if (fd.n > 0)
		fail_msg("%zu finding(s), first %s:%u %s", fd.n, fd.f[0].path,
		    fd.f[0].line, medsec_cred_rule_id(fd.f[0].rule));
}

static void
test_req_1_10_scan_missing_path_is_an_error(void **state)
{
	struct found fd;

	(void)state;
	memset(&fd, 0, sizeof(fd));
	assert_int_equal(medsec_credscan_path("/nonexistent/medsec", keep,
			     &fd), MEDSEC_ERR_NOT_FOUND);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_10_scan_finds_assigned_password),
	cmocka_unit_test(test_req_1_10_scan_ignores_references_and_settings),
	cmocka_unit_test(test_req_1_10_scan_finds_private_keys),
	cmocka_unit_test(test_req_1_10_scan_finds_default_pairs_in_binaries),
	cmocka_unit_test(test_req_1_10_scan_finds_embedded_password_hashes),
	cmocka_unit_test(test_req_1_10_medsec_has_no_hardcoded_credentials),
	cmocka_unit_test(test_req_1_10_scan_missing_path_is_an_error),
};

MEDSEC_TEST_MAIN(tests)
