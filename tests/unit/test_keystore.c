/*
 * The keystore (MFDS 1.17: keys managed safely): sealed at rest, refused
 * when the files are readable by others, bound to their names, rotated
 * and destroyed with wiping.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/keystore.h"

struct ks_env {
	char root[64];
	char keys[128];
	struct medsec_keystore *ks;
};

static void
env_setup(struct ks_env *e, const char *profile_name)
{
	const struct medsec_crypto_profile *prof;

	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(e->root, sizeof(e->root), "/tmp/medsec-ks-XXXXXX");
	assert_non_null(mkdtemp(e->root));
	snprintf(e->keys, sizeof(e->keys), "%s/keys", e->root);
	assert_int_equal(medsec_crypto_profile_by_name(profile_name, &prof),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_create(e->keys, prof, &e->ks),
	    MEDSEC_OK);
}

static void
env_teardown(struct ks_env *e)
{
	char cmd[256];

	medsec_keystore_close(e->ks);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->root);
	assert_int_equal(system(cmd), 0);
}

static void
key_path(const struct ks_env *e, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", e->keys, file);
}

static size_t
read_all(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

static void
write_all(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* True if any file under dir contains the bytes. */
static int
appears_in_files(const char *dir, const uint8_t *needle, size_t len)
{
	uint8_t buf[8192];
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = read_all(path, buf, sizeof(buf));
		if (memmem(buf, n, needle, len) != NULL)
			found = 1;
	}
	closedir(d);
	return found;
}

static void
test_keystore_create_open_roundtrip(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX], key[32];
	struct medsec_key_info info;
	struct medsec_keystore *again;
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	memset(key, 0x5a, sizeof(key));
	assert_int_equal(medsec_keystore_put(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, key, sizeof(key), NULL),
	    MEDSEC_OK);
	medsec_keystore_close(e.ks);
	assert_int_equal(medsec_keystore_open(e.keys, &again), MEDSEC_OK);
	e.ks = again;
	assert_int_equal(medsec_keystore_get(e.ks, "data-kek", secret, &len,
			     &info), MEDSEC_OK);
	assert_int_equal(len, 32);
	assert_memory_equal(secret, key, 32);
	assert_int_equal(info.alg, MEDSEC_ALG_AES256_GCM);
	assert_int_equal(info.state, MEDSEC_KEY_ACTIVE);
	assert_string_equal(medsec_keystore_profile(e.ks)->name, "approved");
	env_teardown(&e);
}

static void
test_keystore_create_refuses_existing(void **state)
{
	const struct medsec_crypto_profile *prof;
	struct medsec_keystore *ks = NULL;
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	medsec_crypto_profile_by_name("approved", &prof);
	assert_int_equal(medsec_keystore_create(e.keys, prof, &ks),
	    MEDSEC_ERR_EXISTS);
	assert_null(ks);
	env_teardown(&e);
}

static void
test_req_1_17_master_key_with_wide_permissions_refused(void **state)
{
	struct medsec_keystore *ks = NULL;
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	key_path(&e, "master.key", path, sizeof(path));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks),
	    MEDSEC_ERR_PERMISSION);
	assert_null(ks);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks), MEDSEC_OK);
	medsec_keystore_close(ks);
	env_teardown(&e);
}

static void
test_req_1_17_sealed_key_with_wide_permissions_refused(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	char path[256];
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, NULL), MEDSEC_OK);
	key_path(&e, "data-kek.key", path, sizeof(path));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(medsec_keystore_get(e.ks, "data-kek", secret, &len,
			     NULL), MEDSEC_ERR_PERMISSION);
	env_teardown(&e);
}

static void
test_req_1_17_symlinked_master_key_refused(void **state)
{
	struct medsec_keystore *ks = NULL;
	char path[256], moved[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	key_path(&e, "master.key", path, sizeof(path));
	snprintf(moved, sizeof(moved), "%s/elsewhere.key", e.root);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink(moved, path), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks),
	    MEDSEC_ERR_PERMISSION);
	env_teardown(&e);
}

static void
test_req_1_17_secrets_never_stored_in_plaintext(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX], key[32];
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(medsec_keystore_put(e.ks, "audit-mac",
			     MEDSEC_ALG_HMAC_SHA256, key, sizeof(key), NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_false(appears_in_files(e.keys, key, 16));
	assert_int_equal(medsec_keystore_get(e.ks, "identity", secret, &len,
			     NULL), MEDSEC_OK);
	assert_false(appears_in_files(e.keys, secret, 16));
	medsec_wipe(secret, sizeof(secret));
	env_teardown(&e);
}

static void
test_keystore_tampered_sealed_file_refused(void **state)
{
	uint8_t buf[512], secret[MEDSEC_KEY_SECRET_MAX];
	char path[256];
	struct ks_env e;
	size_t n, len;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, NULL), MEDSEC_OK);
	key_path(&e, "data-kek.key", path, sizeof(path));
	n = read_all(path, buf, sizeof(buf));
	/* every byte matters: header (state, algorithm...) and ciphertext */
	for (size_t i = 8; i < n; i += 7) {
		buf[i] ^= 0x01;
		write_all(path, buf, n);
		assert_int_not_equal(medsec_keystore_get(e.ks, "data-kek",
					 secret, &len, NULL), MEDSEC_OK);
		buf[i] ^= 0x01;
	}
	write_all(path, buf, n);
	assert_int_equal(medsec_keystore_get(e.ks, "data-kek", secret, &len,
			     NULL), MEDSEC_OK);
	env_teardown(&e);
}

static void
test_keystore_sealed_file_bound_to_its_name(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	char from[256], to[256];
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, NULL), MEDSEC_OK);
	key_path(&e, "data-kek.key", from, sizeof(from));
	key_path(&e, "other-kek.key", to, sizeof(to));
	assert_int_equal(link(from, to), 0);
	assert_int_equal(medsec_keystore_get(e.ks, "other-kek", secret, &len,
			     NULL), MEDSEC_ERR_AUTH);
	env_teardown(&e);
}

static void
test_keystore_generate_each_algorithm_signs_and_agrees(void **state)
{
	static const int algs[] = { MEDSEC_ALG_ED25519,
		MEDSEC_ALG_ECDSA_P256_SHA256, MEDSEC_ALG_X25519,
		MEDSEC_ALG_ECDH_P256, MEDSEC_ALG_AES256_GCM,
		MEDSEC_ALG_ARIA256_GCM, MEDSEC_ALG_HMAC_SHA256 };
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], sig[MEDSEC_SIGN_LEN];
	struct medsec_key_info info;
	char name[32];
	struct ks_env e;
	size_t pklen;

	(void)state;
	env_setup(&e, "approved");
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct medsec_alg_info *alg = medsec_crypto_alg_by_id(algs[i]);

		snprintf(name, sizeof(name), "k%zu", i);
		assert_int_equal(medsec_keystore_generate(e.ks, name, algs[i],
				     &info), MEDSEC_OK);
		assert_int_equal(info.alg, algs[i]);
		assert_int_equal(strlen(info.key_id), 16);
		if (alg->kind != MEDSEC_KIND_SIGN)
			continue;
		assert_int_equal(medsec_keystore_sign(e.ks, name, "msg", 3, sig),
		    MEDSEC_OK);
		assert_int_equal(medsec_keystore_public(e.ks, name, pk, &pklen,
				     NULL), MEDSEC_OK);
		assert_int_equal(medsec_verify(algs[i], pk, pklen, "msg", 3, sig),
		    MEDSEC_OK);
		assert_int_equal(medsec_verify(algs[i], pk, pklen, "msh", 3, sig),
		    MEDSEC_ERR_AUTH);
	}
	/* a symmetric key cannot sign */
	assert_int_not_equal(medsec_keystore_sign(e.ks, "k4", "m", 1, sig),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_generate(e.ks, "k0",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_ERR_EXISTS);
	env_teardown(&e);
}

static void
test_req_1_17_keystore_refuses_weak_algorithms(void **state)
{
	static const int weak[] = { MEDSEC_ALG_SHA1, MEDSEC_ALG_3DES_2KEY,
		MEDSEC_ALG_RSA_1024, MEDSEC_ALG_HMAC_MD5 };
	uint8_t key[32] = { 1 };
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		assert_int_equal(medsec_keystore_generate(e.ks, "weak", weak[i],
				     NULL), MEDSEC_ERR_WEAK_ALGORITHM);
		assert_int_equal(medsec_keystore_put(e.ks, "weak", weak[i], key,
				     sizeof(key), NULL), MEDSEC_ERR_WEAK_ALGORITHM);
	}
	env_teardown(&e);
}

static void
test_keystore_rotate_keeps_old_key_verify_only(void **state)
{
	uint8_t pk_old[MEDSEC_SIGN_PUBLIC_MAX], pk_new[MEDSEC_SIGN_PUBLIC_MAX];
	uint8_t sig_old[MEDSEC_SIGN_LEN], sig_new[MEDSEC_SIGN_LEN];
	struct medsec_key_info list[8], info;
	size_t old_len, new_len, n, verify_only = 0;
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "a", 1, sig_old),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(e.ks, "identity", pk_old,
			     &old_len, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", &info),
	    MEDSEC_OK);
	assert_int_equal(info.generation, 2);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "a", 1, sig_new),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(e.ks, "identity", pk_new,
			     &new_len, NULL), MEDSEC_OK);
	assert_memory_not_equal(pk_old, pk_new, 32);
	assert_int_equal(medsec_verify(MEDSEC_ALG_ED25519, pk_new, new_len, "a",
			     1, sig_new), MEDSEC_OK);
	/* the old public key still verifies what it signed */
	assert_int_equal(medsec_verify(MEDSEC_ALG_ED25519, pk_old, old_len, "a",
			     1, sig_old), MEDSEC_OK);
	assert_int_equal(medsec_keystore_list(e.ks, list, 8, &n), MEDSEC_OK);
	for (size_t i = 0; i < n && i < 8; i++)
		if (strcmp(list[i].name, "identity") == 0 &&
		    list[i].state == MEDSEC_KEY_VERIFY_ONLY)
			verify_only++;
	assert_int_equal(verify_only, 1);
	env_teardown(&e);
}

static void
test_keystore_destroy_wipes_every_generation(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	char path[256];
	struct stat sb;
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_destroy(e.ks, "identity", 0), MEDSEC_OK);
	assert_int_equal(medsec_keystore_get(e.ks, "identity", secret, &len,
			     NULL), MEDSEC_ERR_NOT_FOUND);
	key_path(&e, "identity.1.key", path, sizeof(path));
	assert_int_not_equal(stat(path, &sb), 0);
	/* public keys stay for verifying old signatures unless asked */
	key_path(&e, "identity.pub", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(medsec_keystore_destroy(e.ks, "identity", 1), MEDSEC_OK);
	assert_int_not_equal(stat(path, &sb), 0);
	assert_int_equal(medsec_keystore_destroy(e.ks, "identity", 1),
	    MEDSEC_ERR_NOT_FOUND);
	env_teardown(&e);
}

static void
test_keystore_invalid_names_refused(void **state)
{
	static const char *const bad[] = { "", "../x", "A", "a/b", "a.b",
		"0123456789012345678901234567890123456789012345678" };
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(medsec_keystore_generate(e.ks, bad[i],
				     MEDSEC_ALG_ED25519, NULL), MEDSEC_ERR_INVALID);
	env_teardown(&e);
}

static void
test_req_1_17_kcmvp_keystore_seals_with_aria(void **state)
{
	uint8_t buf[128];
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "kcmvp");
	key_path(&e, "master.key", path, sizeof(path));
	assert_int_equal(read_all(path, buf, sizeof(buf)), 60);
	assert_int_equal(buf[10] | buf[11] << 8, MEDSEC_ALG_ARIA256_GCM);
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ECDSA_P256_SHA256, NULL), MEDSEC_OK);
	env_teardown(&e);
}

static int backend_calls;

static int
count_seal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *pt,
    size_t ptlen, uint8_t *out, size_t *outlen)
{
	static const uint8_t key[32] = { 7 };
	static const uint8_t nonce[12] = { 0 };

	(void)ctx;
	backend_calls++;
	memcpy(out, nonce, 12);
	*outlen = ptlen + 28;
	return medsec_aead_seal(MEDSEC_ALG_AES256_GCM, key, nonce, ad, adlen, pt,
	    ptlen, out + 12);
}

static int
count_unseal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *in,
    size_t inlen, uint8_t *pt, size_t *ptlen)
{
	static const uint8_t key[32] = { 7 };

	(void)ctx;
	backend_calls++;
	*ptlen = inlen - 28;
	return medsec_aead_open(MEDSEC_ALG_AES256_GCM, key, in, ad, adlen,
	    in + 12, inlen - 12, pt);
}

static void
test_keystore_backend_interface_replaces_master_key(void **state)
{
	struct medsec_keystore_backend be = { "test-element", count_seal,
		count_unseal, NULL, NULL };
	uint8_t sig[MEDSEC_SIGN_LEN];
	struct medsec_keystore *ks;
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_open_backend(e.keys, &be, &ks),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_generate(ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_sign(ks, "identity", "m", 1, sig),
	    MEDSEC_OK);
	assert_int_equal(backend_calls, 2);
	medsec_keystore_close(ks);
	env_teardown(&e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_keystore_create_open_roundtrip),
	cmocka_unit_test(test_keystore_create_refuses_existing),
	cmocka_unit_test(test_req_1_17_master_key_with_wide_permissions_refused),
	cmocka_unit_test(test_req_1_17_sealed_key_with_wide_permissions_refused),
	cmocka_unit_test(test_req_1_17_symlinked_master_key_refused),
	cmocka_unit_test(test_req_1_17_secrets_never_stored_in_plaintext),
	cmocka_unit_test(test_keystore_tampered_sealed_file_refused),
	cmocka_unit_test(test_keystore_sealed_file_bound_to_its_name),
	cmocka_unit_test(test_keystore_generate_each_algorithm_signs_and_agrees),
	cmocka_unit_test(test_req_1_17_keystore_refuses_weak_algorithms),
	cmocka_unit_test(test_keystore_rotate_keeps_old_key_verify_only),
	cmocka_unit_test(test_keystore_destroy_wipes_every_generation),
	cmocka_unit_test(test_keystore_invalid_names_refused),
	cmocka_unit_test(test_req_1_17_kcmvp_keystore_seals_with_aria),
	cmocka_unit_test(test_keystore_backend_interface_replaces_master_key),
};

MEDSEC_TEST_MAIN(tests)
