/*
 * Manufacturer signing key files (MFDS 1.14: signed updates need keys
 * kept sealed; 1.17: approved algorithms only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "testmain.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/signkey.h"

struct env {
	char dir[64];
	char sec[128];
	char pub[128];
};

static void
env_setup(struct env *e)
{
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(e->dir, sizeof(e->dir), "/tmp/medsec-signkey-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->sec, sizeof(e->sec), "%s/release.key", e->dir);
	snprintf(e->pub, sizeof(e->pub), "%s/release.pub", e->dir);
}

static void
make_key(struct env *e, int alg)
{
	struct medsec_signkey *k = NULL;

	assert_int_equal(medsec_signkey_generate(alg, "acme-release-1", &k),
	    MEDSEC_OK);
	assert_int_equal(medsec_signkey_save(k, e->sec, e->pub, "pass phrase",
			     11), MEDSEC_OK);
	medsec_signkey_free(k);
}

static void
round_trip(int alg)
{
	struct medsec_signkey *k = NULL;
	struct medsec_pubkey pk;
	uint8_t sig[MEDSEC_SIGN_LEN];
	struct env e;
	struct stat sb;

	env_setup(&e);
	make_key(&e, alg);
	assert_int_equal(stat(e.sec, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(medsec_signkey_load(e.sec, "pass phrase", 11, &k),
	    MEDSEC_OK);
	assert_int_equal(medsec_pubkey_load(e.pub, &pk), MEDSEC_OK);
	assert_string_equal(pk.key_id, medsec_signkey_public(k)->key_id);
	assert_string_equal(pk.name, "acme-release-1");
	assert_int_equal(medsec_signkey_sign(k, "manifest", 8, sig), MEDSEC_OK);
	assert_int_equal(medsec_pubkey_verify(&pk, "manifest", 8, sig),
	    MEDSEC_OK);
	assert_int_equal(medsec_pubkey_verify(&pk, "manifesT", 8, sig),
	    MEDSEC_ERR_AUTH);
	medsec_signkey_free(k);
	fixture_rmrf(e.dir);
}

static void
test_req_1_14_signkey_ed25519_round_trip(void **state)
{
	(void)state;
	round_trip(MEDSEC_ALG_ED25519);
}

static void
test_req_1_17_signkey_p256_round_trip(void **state)
{
	(void)state;
	round_trip(MEDSEC_ALG_ECDSA_P256_SHA256);
}

static void
test_req_1_14_signkey_wrong_passphrase(void **state)
{
	struct medsec_signkey *k = NULL;
	struct env e;

	(void)state;
	env_setup(&e);
	make_key(&e, MEDSEC_ALG_ED25519);
	assert_int_equal(medsec_signkey_load(e.sec, "pass phrasE", 11, &k),
	    MEDSEC_ERR_AUTH);
	assert_null(k);
	assert_int_equal(medsec_signkey_load(e.sec, "", 0, &k),
	    MEDSEC_ERR_INVALID);
	fixture_rmrf(e.dir);
}

static void
test_req_1_14_signkey_file_permissions_checked(void **state)
{
	struct medsec_signkey *k = NULL;
	struct env e;
	char link[160];

	(void)state;
	env_setup(&e);
	make_key(&e, MEDSEC_ALG_ED25519);
	assert_int_equal(chmod(e.sec, 0640), 0);
	assert_int_equal(medsec_signkey_load(e.sec, "pass phrase", 11, &k),
	    MEDSEC_ERR_PERMISSION);
	assert_int_equal(chmod(e.sec, 0600), 0);
	snprintf(link, sizeof(link), "%s/link.key", e.dir);
	assert_int_equal(symlink(e.sec, link), 0);
	assert_int_not_equal(medsec_signkey_load(link, "pass phrase", 11, &k),
	    MEDSEC_OK);
	assert_null(k);
	fixture_rmrf(e.dir);
}

static void
test_req_1_14_signkey_no_overwrite(void **state)
{
	struct medsec_signkey *k = NULL;
	struct env e;

	(void)state;
	env_setup(&e);
	make_key(&e, MEDSEC_ALG_ED25519);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519, "other",
			     &k), MEDSEC_OK);
	assert_int_equal(medsec_signkey_save(k, e.sec, e.pub, "x", 1),
	    MEDSEC_ERR_EXISTS);
	medsec_signkey_free(k);
	fixture_rmrf(e.dir);
}

/* Rewrites one line of a file. */
static void
edit_file(const char *path, const char *from, const char *to)
{
	char buf[4096], out[4096], *at;
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(at = strstr(buf, from));
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, to,
	    at + strlen(from));
	assert_non_null(f = fopen(path, "w"));
	fputs(out, f);
	fclose(f);
}

static void
test_req_1_14_signkey_renamed_key_refused(void **state)
{
	struct medsec_signkey *k = NULL;
	struct medsec_pubkey pk;
	struct env e;

	(void)state;
	env_setup(&e);
	make_key(&e, MEDSEC_ALG_ED25519);
	/* The name is bound to the sealed key. */
	edit_file(e.sec, "name: acme-release-1", "name: acme-release-2");
	assert_int_equal(medsec_signkey_load(e.sec, "pass phrase", 11, &k),
	    MEDSEC_ERR_AUTH);
	/* A public key whose id does not match its bytes. */
	edit_file(e.pub, "key-id: ", "key-id: 0");
	assert_int_not_equal(medsec_pubkey_load(e.pub, &pk), MEDSEC_OK);
	fixture_rmrf(e.dir);
}

static void
test_req_1_14_pubkey_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"medsec-public-key 2\n",
		"medsec-public-key 1\nname: a\nalg: md5\nkey-id: 00\npublic: 00\n",
		"medsec-public-key 1\nname: a b\n",
		("medsec-public-key 1\nname: a\nalg: ed25519\nkey-id: x\n"
		    "public: 0011\n"),
	};
	struct medsec_pubkey pk;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(medsec_pubkey_parse(bad[i], strlen(bad[i]),
					 &pk), MEDSEC_OK);
}

static void
test_req_1_14_pubkey_one_spelling_only(void **state)
{
	struct medsec_signkey *k = NULL;
	struct medsec_pubkey pk;
	char text[512], *p;

	(void)state;
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519, "k", &k),
	    MEDSEC_OK);
	assert_int_equal(medsec_pubkey_format(medsec_signkey_public(k), text,
			     sizeof(text)), MEDSEC_OK);
	assert_int_equal(medsec_pubkey_parse(text, strlen(text), &pk),
	    MEDSEC_OK);
	/* Upper-case algorithm name. */
	assert_non_null(p = strstr(text, "alg: ed25519"));
	memcpy(p + 5, "ED", 2);
	assert_int_not_equal(medsec_pubkey_parse(text, strlen(text), &pk),
	    MEDSEC_OK);
	memcpy(p + 5, "ed", 2);
	/* Upper-case hex in the key. */
	assert_non_null(p = strstr(text, "public: "));
	for (p += 8; *p != '\n' && !(*p >= 'a' && *p <= 'f'); p++)
		;
	if (*p != '\n') {
		*p = (char)(*p - 'a' + 'A');
		assert_int_not_equal(medsec_pubkey_parse(text, strlen(text),
					 &pk), MEDSEC_OK);
	}
	medsec_signkey_free(k);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_14_signkey_ed25519_round_trip),
	cmocka_unit_test(test_req_1_17_signkey_p256_round_trip),
	cmocka_unit_test(test_req_1_14_signkey_wrong_passphrase),
	cmocka_unit_test(test_req_1_14_signkey_file_permissions_checked),
	cmocka_unit_test(test_req_1_14_signkey_no_overwrite),
	cmocka_unit_test(test_req_1_14_signkey_renamed_key_refused),
	cmocka_unit_test(test_req_1_14_pubkey_malformed_refused),
	cmocka_unit_test(test_req_1_14_pubkey_one_spelling_only),
};

MEDSEC_TEST_MAIN(tests)
