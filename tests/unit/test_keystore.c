/*
 * The keystore (MFDS 1.17: keys managed safely): sealed at rest, refused
 * when the files are readable by others, bound to their names, rotated
 * and destroyed with wiping. Every positive test has a tamper twin.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testmain.h"
#include "faultio.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/keystore.h"

#define SEALED_32 (48 + 32 + 12 + 16) /* header, secret, nonce, tag */

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
	e->ks = NULL;
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

/* Rewrites in place (same inode, same mode), as an attacker would. */
static void
write_all(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static int
all_zero(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0)
			return 0;
	return 1;
}

static mode_t
mode_of(const struct ks_env *e, const char *file)
{
	char path[256];
	struct stat sb;

	key_path(e, file, path, sizeof(path));
	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static int
exists(const struct ks_env *e, const char *file)
{
	char path[256];
	struct stat sb;

	key_path(e, file, path, sizeof(path));
	return lstat(path, &sb) == 0;
}

/* True if any file under dir (temporaries included) contains the bytes. */
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

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
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
put_bytes(struct ks_env *e, const char *name, uint8_t fill)
{
	uint8_t key[32];

	memset(key, fill, sizeof(key));
	assert_int_equal(medsec_keystore_put(e->ks, name,
			     MEDSEC_ALG_AES256_GCM, key, sizeof(key), NULL),
	    MEDSEC_OK);
}

static int
get_status(struct ks_env *e, const char *name)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	size_t len;
	int r = medsec_keystore_get(e->ks, name, secret, &len, NULL);

	medsec_wipe(secret, sizeof(secret));
	return r;
}

/* ---- create, open, close ---- */

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
	assert_string_equal(info.name, "data-kek");
	assert_int_equal(info.alg, MEDSEC_ALG_AES256_GCM);
	assert_int_equal(info.state, MEDSEC_KEY_ACTIVE);
	assert_int_equal(info.generation, 1);
	assert_string_equal(medsec_keystore_profile(e.ks)->name, "approved");
	medsec_wipe(secret, sizeof(secret));
	env_teardown(&e);
}

static void
test_keystore_create_refuses_existing(void **state)
{
	const struct medsec_crypto_profile *prof;
	struct medsec_keystore *ks = NULL;
	uint8_t before[64], after[64];
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	key_path(&e, "master.key", path, sizeof(path));
	assert_int_equal(read_all(path, before, sizeof(before)), 60);
	medsec_crypto_profile_by_name("approved", &prof);
	assert_int_equal(medsec_keystore_create(e.keys, prof, &ks),
	    MEDSEC_ERR_EXISTS);
	assert_null(ks);
	assert_int_equal(read_all(path, after, sizeof(after)), 60);
	assert_memory_equal(before, after, 60);
	env_teardown(&e);
}

static void
test_keystore_files_have_documented_modes_and_layout(void **state)
{
	uint8_t buf[256];
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(mode_of(&e, "."), 0700);
	assert_int_equal(mode_of(&e, "master.key"), 0600);
	assert_int_equal(mode_of(&e, "identity.key"), 0600);
	assert_int_equal(mode_of(&e, "identity.pub"), 0644);
	key_path(&e, "master.key", path, sizeof(path));
	assert_int_equal(read_all(path, buf, sizeof(buf)), 60);
	assert_memory_equal(buf, "MEDSECMK\x01\x00", 10);
	assert_int_equal(buf[10] | buf[11] << 8, MEDSEC_ALG_AES256_GCM);
	assert_string_equal((const char *)buf + 12, "approved");
	assert_true(all_zero(buf + 12 + 8, 8));
	key_path(&e, "identity.key", path, sizeof(path));
	assert_int_equal(read_all(path, buf, sizeof(buf)), SEALED_32);
	assert_memory_equal(buf, "MEDSECSK\x01\x00", 10);
	assert_int_equal(buf[10] | buf[11] << 8, MEDSEC_ALG_AES256_GCM);
	assert_int_equal(buf[12] | buf[13] << 8, MEDSEC_ALG_ED25519);
	assert_int_equal(buf[14], MEDSEC_KEY_ACTIVE);
	assert_int_equal(buf[16], 1); /* generation */
	assert_int_equal(buf[44], 32); /* secret length */
	key_path(&e, "identity.pub", path, sizeof(path));
	assert_int_equal(read_all(path, buf, sizeof(buf)), 42 + 32);
	assert_memory_equal(buf, "MEDSECPK\x01\x00", 10);
	assert_int_equal(buf[40], 32);
	env_teardown(&e);
}

static void MEDSEC_TEST_PASSES_NULL
test_keystore_open_missing_or_malformed_refused(void **state)
{
	struct medsec_keystore *ks = NULL;
	uint8_t buf[64];
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	snprintf(path, sizeof(path), "%s/none", e.root);
	assert_int_equal(medsec_keystore_open(path, &ks), MEDSEC_ERR_NOT_FOUND);
	key_path(&e, "master.key", path, sizeof(path));
	assert_int_equal(read_all(path, buf, sizeof(buf)), 60);
	write_all(path, buf, 59);
	assert_int_equal(medsec_keystore_open(e.keys, &ks), MEDSEC_ERR_FORMAT);
	buf[12] = 'x'; /* unknown profile name */
	write_all(path, buf, 60);
	assert_int_equal(medsec_keystore_open(e.keys, &ks), MEDSEC_ERR_FORMAT);
	assert_null(ks);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks),
	    MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(medsec_keystore_open(medsec_test_null, &ks), MEDSEC_ERR_INVALID);
	env_teardown(&e);
}

/* ---- permissions (MFDS 1.17) ---- */

static void
test_req_1_17_master_key_with_wide_permissions_refused(void **state)
{
	static const mode_t wide[] = { 0644, 0640, 0604, 0601, 0660 };
	struct medsec_keystore *ks = NULL;
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	key_path(&e, "master.key", path, sizeof(path));
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		assert_int_equal(chmod(path, wide[i]), 0);
		assert_int_equal(medsec_keystore_open(e.keys, &ks),
		    MEDSEC_ERR_PERMISSION);
		assert_null(ks);
	}
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks), MEDSEC_OK);
	medsec_keystore_close(ks);
	env_teardown(&e);
}

static void
test_req_1_17_master_key_of_another_user_refused(void **state)
{
	struct medsec_keystore *ks = NULL;
	char path[256];
	struct ks_env e;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can hand a file to another user */
	env_setup(&e, "approved");
	key_path(&e, "master.key", path, sizeof(path));
	assert_int_equal(chown(path, 1, 1), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks),
	    MEDSEC_ERR_NOT_OWNER);
	assert_null(ks);
	env_teardown(&e);
}

/*
 * A keydir of another user is refused, and the reason says so: it is not
 * a matter of permissions being too wide (mode 0700 is as tight as any).
 */
static void
test_req_1_17_keydir_of_another_user_refused_as_not_owned(void **state)
{
	struct medsec_keystore *ks = NULL;
	struct ks_env e;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can hand a directory to another user */
	env_setup(&e, "approved");
	assert_int_equal(chown(e.keys, 4242, 4242), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks),
	    MEDSEC_ERR_NOT_OWNER);
	assert_null(ks);
	assert_null(strstr(medsec_strerror(MEDSEC_ERR_NOT_OWNER),
	    "permissive"));
	assert_non_null(strstr(medsec_strerror(MEDSEC_ERR_NOT_OWNER),
	    "another user"));
	assert_int_equal(chown(e.keys, 0, 0), 0);
	env_teardown(&e);
}

static void
test_req_1_17_sealed_key_with_wide_permissions_refused(void **state)
{
	uint8_t sig[MEDSEC_SIGN_LEN];
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	key_path(&e, "data-kek.key", path, sizeof(path));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(get_status(&e, "data-kek"), MEDSEC_ERR_PERMISSION);
	key_path(&e, "identity.key", path, sizeof(path));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "m", 1, sig),
	    MEDSEC_ERR_PERMISSION);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "m", 1, sig),
	    MEDSEC_OK);
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
	assert_null(ks);
	env_teardown(&e);
}

static void
test_req_1_17_symlinked_sealed_key_refused(void **state)
{
	char path[256], moved[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	put_bytes(&e, "data-kek", 0x11);
	key_path(&e, "data-kek.key", path, sizeof(path));
	snprintf(moved, sizeof(moved), "%s/moved.key", e.root);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink(moved, path), 0);
	assert_int_equal(get_status(&e, "data-kek"), MEDSEC_ERR_PERMISSION);
	env_teardown(&e);
}

static void
test_req_1_17_keystore_writable_keydir_refused(void **state)
{
	struct medsec_keystore *ks = NULL;
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(chmod(e.keys, 0770), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks),
	    MEDSEC_ERR_PERMISSION);
	assert_null(ks);
	assert_int_equal(chmod(e.keys, 0700), 0);
	assert_int_equal(medsec_keystore_open(e.keys, &ks), MEDSEC_OK);
	medsec_keystore_close(ks);
	env_teardown(&e);
}

/* ---- sealing ---- */

static void
test_req_1_17_secrets_never_stored_in_plaintext(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX], key[40];
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(medsec_keystore_put(e.ks, "audit-mac",
			     MEDSEC_ALG_HMAC_SHA256, key, sizeof(key), NULL),
	    MEDSEC_OK);
	assert_false(appears_in_files(e.keys, key, 8));
	assert_false(appears_in_files(e.keys, key + 16, 8));
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_get(e.ks, "identity", secret, &len,
			     NULL), MEDSEC_OK);
	assert_false(appears_in_files(e.keys, secret, 8));
	assert_int_equal(medsec_keystore_get(e.ks, "audit-mac", secret, &len,
			     NULL), MEDSEC_OK);
	assert_int_equal(len, sizeof(key));
	assert_memory_equal(secret, key, sizeof(key));
	medsec_wipe(secret, sizeof(secret));
	env_teardown(&e);
}

static void
test_keystore_each_seal_uses_a_fresh_nonce(void **state)
{
	uint8_t a[256], b[256];
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	key_path(&e, "data-kek.key", path, sizeof(path));
	put_bytes(&e, "data-kek", 0x42);
	assert_int_equal(read_all(path, a, sizeof(a)), SEALED_32);
	put_bytes(&e, "data-kek", 0x42);
	assert_int_equal(read_all(path, b, sizeof(b)), SEALED_32);
	assert_memory_not_equal(a + 48, b + 48, 12);
	assert_memory_not_equal(a + 60, b + 60, 32);
	env_teardown(&e);
}

static void
test_keystore_tampered_sealed_file_refused(void **state)
{
	uint8_t buf[512];
	char path[256];
	struct ks_env e;
	size_t n;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, NULL), MEDSEC_OK);
	key_path(&e, "data-kek.key", path, sizeof(path));
	n = read_all(path, buf, sizeof(buf));
	assert_int_equal(n, SEALED_32);
	/* every byte matters: magic, state, algorithm, nonce, tag... */
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			buf[i] ^= (uint8_t)(1u << bit);
			write_all(path, buf, n);
			assert_int_equal(get_status(&e, "data-kek"),
			    MEDSEC_ERR_AUTH);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* truncated, extended */
	write_all(path, buf, n - 1);
	assert_int_equal(get_status(&e, "data-kek"), MEDSEC_ERR_AUTH);
	buf[n] = 0;
	write_all(path, buf, n + 1);
	assert_int_equal(get_status(&e, "data-kek"), MEDSEC_ERR_AUTH);
	write_all(path, buf, 10);
	assert_int_equal(get_status(&e, "data-kek"), MEDSEC_ERR_AUTH);
	write_all(path, buf, n);
	assert_int_equal(get_status(&e, "data-kek"), MEDSEC_OK);
	env_teardown(&e);
}

static void
test_keystore_sealed_file_bound_to_its_name(void **state)
{
	char from[256], to[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, NULL), MEDSEC_OK);
	key_path(&e, "data-kek.key", from, sizeof(from));
	key_path(&e, "other-kek.key", to, sizeof(to));
	assert_int_equal(link(from, to), 0);
	assert_int_equal(get_status(&e, "other-kek"), MEDSEC_ERR_AUTH);
	assert_int_equal(get_status(&e, "data-kek"), MEDSEC_OK);
	env_teardown(&e);
}

static void
test_keystore_verify_only_generation_cannot_be_made_active(void **state)
{
	uint8_t buf[256], sig[MEDSEC_SIGN_LEN];
	char old[256], active[256];
	struct ks_env e;
	size_t n;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", NULL),
	    MEDSEC_OK);
	key_path(&e, "identity.1.key", old, sizeof(old));
	key_path(&e, "identity.key", active, sizeof(active));
	n = read_all(old, buf, sizeof(buf));
	assert_int_equal(buf[14], MEDSEC_KEY_VERIFY_ONLY);
	/* the old generation put in the active place: refused */
	write_all(active, buf, n);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "m", 1, sig),
	    MEDSEC_ERR_AUTH);
	/* and with its state byte flipped to active: refused */
	buf[14] = MEDSEC_KEY_ACTIVE;
	write_all(active, buf, n);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "m", 1, sig),
	    MEDSEC_ERR_AUTH);
	assert_int_equal(get_status(&e, "identity"), MEDSEC_ERR_AUTH);
	env_teardown(&e);
}

static void
test_keystore_edited_public_key_refused(void **state)
{
	uint8_t buf[256], pk[MEDSEC_SIGN_PUBLIC_MAX];
	char path[256];
	struct ks_env e;
	size_t n, pklen;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	key_path(&e, "identity.pub", path, sizeof(path));
	n = read_all(path, buf, sizeof(buf));
	buf[n - 1] ^= 1;
	write_all(path, buf, n);
	assert_int_equal(medsec_keystore_public(e.ks, "identity", pk, &pklen,
			     NULL), MEDSEC_ERR_AUTH);
	env_teardown(&e);
}

/* ---- generate, sign, key agreement ---- */

static void
test_keystore_generate_each_algorithm_signs_and_agrees(void **state)
{
	static const int algs[] = { MEDSEC_ALG_ED25519,
		MEDSEC_ALG_ECDSA_P256_SHA256, MEDSEC_ALG_X25519,
		MEDSEC_ALG_ECDH_P256, MEDSEC_ALG_AES256_GCM,
		MEDSEC_ALG_ARIA256_GCM, MEDSEC_ALG_HMAC_SHA256 };
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], sig[MEDSEC_SIGN_LEN];
	struct medsec_key_info info, pinfo;
	char name[32], id[MEDSEC_KEY_ID_LEN];
	struct ks_env e;
	size_t pklen;

	(void)state;
	env_setup(&e, "approved");
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct medsec_alg_info *alg =
		    medsec_crypto_alg_by_id(algs[i]);
		int pair = alg->kind == MEDSEC_KIND_SIGN ||
		    alg->kind == MEDSEC_KIND_KEX;

		snprintf(name, sizeof(name), "k%zu", i);
		assert_int_equal(medsec_keystore_generate(e.ks, name, algs[i],
				     &info), MEDSEC_OK);
		assert_int_equal(info.alg, algs[i]);
		assert_int_equal(info.generation, 1);
		assert_int_equal(strlen(info.key_id), 16);
		assert_int_equal(get_status(&e, name), MEDSEC_OK);
		if (!pair) {
			assert_int_equal(medsec_keystore_public(e.ks, name, pk,
					     &pklen, NULL), MEDSEC_ERR_NOT_FOUND);
			continue;
		}
		assert_int_equal(medsec_keystore_public(e.ks, name, pk, &pklen,
				     &pinfo), MEDSEC_OK);
		assert_int_equal(pklen, algs[i] == MEDSEC_ALG_ED25519 ||
			algs[i] == MEDSEC_ALG_X25519 ? 32 : 65);
		assert_int_equal(medsec_key_id(algs[i], pk, pklen, id),
		    MEDSEC_OK);
		assert_string_equal(id, info.key_id);
		assert_string_equal(pinfo.key_id, info.key_id);
		assert_int_equal(pinfo.state, MEDSEC_KEY_ACTIVE);
		if (alg->kind != MEDSEC_KIND_SIGN)
			continue;
		assert_int_equal(medsec_keystore_sign(e.ks, name, "msg", 3,
				     sig), MEDSEC_OK);
		assert_int_equal(medsec_verify(algs[i], pk, pklen, "msg", 3,
				     sig), MEDSEC_OK);
		assert_int_equal(medsec_verify(algs[i], pk, pklen, "msh", 3,
				     sig), MEDSEC_ERR_AUTH);
	}
	/* a symmetric or key-agreement key cannot sign */
	assert_int_equal(medsec_keystore_sign(e.ks, "k4", "m", 1, sig),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_sign(e.ks, "k2", "m", 1, sig),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_generate(e.ks, "k0",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_ERR_EXISTS);
	assert_int_equal(medsec_keystore_generate(e.ks, "k4",
			     MEDSEC_ALG_HMAC_SHA256, NULL), MEDSEC_ERR_EXISTS);
	env_teardown(&e);
}

static void
agree(struct ks_env *e, int alg)
{
	uint8_t ska[MEDSEC_KEY_SECRET_MAX], skb[MEDSEC_KEY_SECRET_MAX];
	uint8_t pka[MEDSEC_SIGN_PUBLIC_MAX], pkb[MEDSEC_SIGN_PUBLIC_MAX];
	uint8_t s1[MEDSEC_KEX_SHARED_LEN], s2[MEDSEC_KEX_SHARED_LEN];
	size_t la, lb, pla, plb;

	assert_int_equal(medsec_keystore_generate(e->ks, "a", alg, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_generate(e->ks, "b", alg, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_get(e->ks, "a", ska, &la, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_get(e->ks, "b", skb, &lb, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(e->ks, "a", pka, &pla, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(e->ks, "b", pkb, &plb, NULL),
	    MEDSEC_OK);
	assert_int_equal(la, MEDSEC_KEX_SECRET_LEN);
	assert_int_equal(medsec_kex(alg, ska, pkb, plb, s1), MEDSEC_OK);
	assert_int_equal(medsec_kex(alg, skb, pka, pla, s2), MEDSEC_OK);
	assert_memory_equal(s1, s2, sizeof(s1));
	medsec_wipe(ska, sizeof(ska));
	medsec_wipe(skb, sizeof(skb));
	assert_int_equal(medsec_keystore_destroy(e->ks, "a", 1), MEDSEC_OK);
	assert_int_equal(medsec_keystore_destroy(e->ks, "b", 1), MEDSEC_OK);
}

static void
test_keystore_kex_pairs_agree_with_stored_public_keys(void **state)
{
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	agree(&e, MEDSEC_ALG_X25519);
	agree(&e, MEDSEC_ALG_ECDH_P256);
	env_teardown(&e);
}

static void
test_req_1_17_keystore_refuses_weak_algorithms(void **state)
{
	static const int weak[] = { MEDSEC_ALG_SHA1, MEDSEC_ALG_3DES_2KEY,
		MEDSEC_ALG_RSA_1024, MEDSEC_ALG_HMAC_MD5, MEDSEC_ALG_MD5,
		MEDSEC_ALG_RC4, MEDSEC_ALG_DH_1024, MEDSEC_ALG_ECDSA_P160 };
	uint8_t key[32] = { 1 };
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		assert_int_equal(medsec_keystore_generate(e.ks, "weak", weak[i],
				     NULL), MEDSEC_ERR_WEAK_ALGORITHM);
		assert_int_equal(medsec_keystore_put(e.ks, "weak", weak[i], key,
				     sizeof(key), NULL),
		    MEDSEC_ERR_WEAK_ALGORITHM);
	}
	assert_false(exists(&e, "weak.key"));
	assert_int_equal(medsec_keystore_generate(e.ks, "x", 9999, NULL),
	    MEDSEC_ERR_UNKNOWN_ALGORITHM);
	/* strong, but not a key a keystore holds */
	assert_int_equal(medsec_keystore_generate(e.ks, "x", MEDSEC_ALG_SHA256,
			     NULL), MEDSEC_ERR_INVALID);
	env_teardown(&e);
}

/* ---- put ---- */

static void
test_keystore_put_replaces_and_zeroes_the_old_file(void **state)
{
	uint8_t buf[256], secret[MEDSEC_KEY_SECRET_MAX];
	struct medsec_key_info info;
	char path[256], spy[256];
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	put_bytes(&e, "data-kek", 0x11);
	/* a second link sees what happens to the replaced inode */
	key_path(&e, "data-kek.key", path, sizeof(path));
	snprintf(spy, sizeof(spy), "%s/spy", e.root);
	assert_int_equal(link(path, spy), 0);
	put_bytes(&e, "data-kek", 0x22);
	assert_int_equal(medsec_keystore_get(e.ks, "data-kek", secret, &len,
			     &info), MEDSEC_OK);
	assert_int_equal(len, 32);
	assert_int_equal(secret[0], 0x22);
	assert_int_equal(info.generation, 1);
	assert_int_equal(read_all(spy, buf, sizeof(buf)), SEALED_32);
	assert_true(all_zero(buf, SEALED_32));
	assert_int_equal(mode_of(&e, "data-kek.key"), 0600);
	assert_false(exists(&e, ".data-kek.key.tmp"));
	medsec_wipe(secret, sizeof(secret));
	env_teardown(&e);
}

static void
test_keystore_put_checks_lengths_and_kinds(void **state)
{
	uint8_t key[MEDSEC_KEY_SECRET_MAX + 1], pk[MEDSEC_SIGN_PUBLIC_MAX];
	uint8_t sig[MEDSEC_SIGN_LEN];
	struct ks_env e;
	size_t pklen;

	(void)state;
	env_setup(&e, "approved");
	memset(key, 7, sizeof(key));
	assert_int_equal(medsec_keystore_put(e.ks, "k", MEDSEC_ALG_AES256_GCM,
			     key, 16, NULL), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_put(e.ks, "k", MEDSEC_ALG_HMAC_SHA256,
			     key, sizeof(key), NULL), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_put(e.ks, "k", MEDSEC_ALG_HMAC_SHA256,
			     key, 0, NULL), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_put(e.ks, "k", MEDSEC_ALG_X25519, key,
			     32, NULL), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_put(e.ks, "k", MEDSEC_ALG_HMAC_SHA256,
			     NULL, 32, NULL), MEDSEC_ERR_INVALID);
	/* a signing secret brings its public key with it */
	assert_int_equal(medsec_keystore_put(e.ks, "k", MEDSEC_ALG_ED25519, key,
			     32, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(e.ks, "k", pk, &pklen, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_sign(e.ks, "k", "m", 1, sig),
	    MEDSEC_OK);
	assert_int_equal(medsec_verify(MEDSEC_ALG_ED25519, pk, pklen, "m", 1,
			     sig), MEDSEC_OK);
	/* and a symmetric key put over it leaves no stale public key */
	assert_int_equal(medsec_keystore_put(e.ks, "k", MEDSEC_ALG_HMAC_SHA256,
			     key, 32, NULL), MEDSEC_OK);
	assert_false(exists(&e, "k.pub"));
	env_teardown(&e);
}

/* Put failing at each I/O operation in turn leaves the old or the new key. */
static void
test_keystore_put_failing_at_each_io_keeps_a_key(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	unsigned long ops;
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	put_bytes(&e, "audit-mac", 0x01);
	faultio_install();
	put_bytes(&e, "audit-mac", 0x02);
	ops = faultio_count();
	faultio_uninstall();
	assert_true(ops >= 4);
	for (unsigned long k = 1; k <= ops; k++) {
		put_bytes(&e, "audit-mac", 0x01);
		faultio_install();
		faultio_fail_at(k, EIO, 1);
		(void)medsec_keystore_put(e.ks, "audit-mac",
		    MEDSEC_ALG_AES256_GCM, (const uint8_t *)
		    "\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02"
		    "\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02"
		    "\x02\x02\x02\x02", 32, NULL);
		faultio_uninstall();
		assert_int_equal(medsec_keystore_get(e.ks, "audit-mac", secret,
				     &len, NULL), MEDSEC_OK);
		assert_int_equal(len, 32);
		assert_true(secret[0] == 0x01 || secret[0] == 0x02);
	}
	medsec_wipe(secret, sizeof(secret));
	env_teardown(&e);
}

/* ---- rotate ---- */

static void
test_keystore_rotate_keeps_old_key_verify_only(void **state)
{
	uint8_t pk_old[MEDSEC_SIGN_PUBLIC_MAX], pk_new[MEDSEC_SIGN_PUBLIC_MAX];
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	uint8_t sig_old[MEDSEC_SIGN_LEN], sig_new[MEDSEC_SIGN_LEN];
	struct medsec_key_info list[8], info, old;
	size_t old_len, new_len, len, n, verify_only = 0;
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ECDSA_P256_SHA256, &old), MEDSEC_OK);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "a", 1,
			     sig_old), MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(e.ks, "identity", pk_old,
			     &old_len, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", &info),
	    MEDSEC_OK);
	assert_int_equal(info.generation, 2);
	assert_int_equal(info.state, MEDSEC_KEY_ACTIVE);
	assert_string_not_equal(info.key_id, old.key_id);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "a", 1,
			     sig_new), MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(e.ks, "identity", pk_new,
			     &new_len, NULL), MEDSEC_OK);
	assert_memory_not_equal(pk_old, pk_new, new_len);
	assert_int_equal(medsec_verify(MEDSEC_ALG_ECDSA_P256_SHA256, pk_new,
			     new_len, "a", 1, sig_new), MEDSEC_OK);
	assert_int_equal(medsec_verify(MEDSEC_ALG_ECDSA_P256_SHA256, pk_new,
			     new_len, "a", 1, sig_old), MEDSEC_ERR_AUTH);
	/* the old public key, by generation, still verifies what it signed */
	assert_int_equal(medsec_keystore_public(e.ks, "identity.1", pk, &len,
			     &info), MEDSEC_OK);
	assert_int_equal(len, old_len);
	assert_memory_equal(pk, pk_old, len);
	assert_int_equal(info.generation, 1);
	assert_int_equal(info.state, MEDSEC_KEY_VERIFY_ONLY);
	assert_string_equal(info.key_id, old.key_id);
	assert_int_equal(medsec_verify(MEDSEC_ALG_ECDSA_P256_SHA256, pk, len,
			     "a", 1, sig_old), MEDSEC_OK);
	assert_int_equal(mode_of(&e, "identity.1.key"), 0600);
	assert_int_equal(mode_of(&e, "identity.1.pub"), 0644);
	assert_int_equal(medsec_keystore_list(e.ks, list, 8, &n), MEDSEC_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].name, "identity") == 0 &&
		    list[i].state == MEDSEC_KEY_VERIFY_ONLY &&
		    list[i].generation == 1)
			verify_only++;
	assert_int_equal(verify_only, 1);
	/* twice more: generations 2 and 3 kept, 4 active */
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", &info),
	    MEDSEC_OK);
	assert_int_equal(info.generation, 4);
	assert_true(exists(&e, "identity.3.key"));
	env_teardown(&e);
}

static void
test_keystore_rotate_symmetric_key(void **state)
{
	uint8_t before[MEDSEC_KEY_SECRET_MAX], after[MEDSEC_KEY_SECRET_MAX];
	struct medsec_key_info info;
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "data-kek",
			     MEDSEC_ALG_AES256_GCM, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_get(e.ks, "data-kek", before, &len,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "data-kek", NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_get(e.ks, "data-kek", after, &len,
			     &info), MEDSEC_OK);
	assert_int_equal(info.generation, 2);
	assert_memory_not_equal(before, after, 32);
	assert_true(exists(&e, "data-kek.1.key"));
	assert_false(exists(&e, "data-kek.1.pub"));
	assert_int_equal(medsec_keystore_rotate(e.ks, "nothing", NULL),
	    MEDSEC_ERR_NOT_FOUND);
	medsec_wipe(before, sizeof(before));
	medsec_wipe(after, sizeof(after));
	env_teardown(&e);
}

/* ---- destroy ---- */

static void
test_keystore_destroy_wipes_every_generation(void **state)
{
	uint8_t buf[256], pk[MEDSEC_SIGN_PUBLIC_MAX];
	struct medsec_key_info info;
	char path[256], spy[256];
	struct ks_env e;
	size_t pklen;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", NULL),
	    MEDSEC_OK);
	put_bytes(&e, "identity-x", 0x33); /* a name sharing the prefix */
	key_path(&e, "identity.key", path, sizeof(path));
	snprintf(spy, sizeof(spy), "%s/spy", e.root);
	assert_int_equal(link(path, spy), 0);
	assert_int_equal(medsec_keystore_destroy(e.ks, "identity", 0),
	    MEDSEC_OK);
	/* overwritten with zeros, same length, before the unlink */
	assert_int_equal(read_all(spy, buf, sizeof(buf)), SEALED_32);
	assert_true(all_zero(buf, SEALED_32));
	assert_int_equal(get_status(&e, "identity"), MEDSEC_ERR_NOT_FOUND);
	assert_false(exists(&e, "identity.key"));
	assert_false(exists(&e, "identity.1.key"));
	assert_int_equal(get_status(&e, "identity-x"), MEDSEC_OK);
	/* public keys stay for verifying old signatures unless asked */
	assert_true(exists(&e, "identity.pub"));
	assert_true(exists(&e, "identity.1.pub"));
	assert_int_equal(medsec_keystore_public(e.ks, "identity", pk, &pklen,
			     &info), MEDSEC_OK);
	assert_int_equal(info.state, MEDSEC_KEY_VERIFY_ONLY);
	/* the kept public key holds the name */
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_ERR_EXISTS);
	assert_int_equal(medsec_keystore_destroy(e.ks, "identity", 1),
	    MEDSEC_OK);
	assert_false(exists(&e, "identity.pub"));
	assert_false(exists(&e, "identity.1.pub"));
	assert_int_equal(medsec_keystore_destroy(e.ks, "identity", 1),
	    MEDSEC_ERR_NOT_FOUND);
	assert_true(exists(&e, "master.key"));
	env_teardown(&e);
}

/* ---- list ---- */

static void
test_keystore_list_reports_every_generation(void **state)
{
	struct medsec_key_info list[8];
	struct ks_env e;
	size_t n;

	(void)state;
	env_setup(&e, "approved");
	assert_int_equal(medsec_keystore_list(e.ks, list, 8, &n), MEDSEC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(e.ks, "identity", NULL),
	    MEDSEC_OK);
	put_bytes(&e, "data-kek", 0x44);
	assert_int_equal(medsec_keystore_generate(e.ks, "old-sig",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_destroy(e.ks, "old-sig", 0),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_list(e.ks, list, 8, &n), MEDSEC_OK);
	assert_int_equal(n, 4);
	/* sorted: name, then older generations before the active one */
	assert_string_equal(list[0].name, "data-kek");
	assert_int_equal(list[0].alg, MEDSEC_ALG_AES256_GCM);
	assert_string_equal(list[1].name, "identity");
	assert_int_equal(list[1].generation, 1);
	assert_int_equal(list[1].state, MEDSEC_KEY_VERIFY_ONLY);
	assert_string_equal(list[2].name, "identity");
	assert_int_equal(list[2].generation, 2);
	assert_int_equal(list[2].state, MEDSEC_KEY_ACTIVE);
	/* a kept public key whose secret was destroyed */
	assert_string_equal(list[3].name, "old-sig");
	assert_int_equal(list[3].state, MEDSEC_KEY_VERIFY_ONLY);
	/* a short array still gets the full count */
	assert_int_equal(medsec_keystore_list(e.ks, list, 1, &n), MEDSEC_OK);
	assert_int_equal(n, 4);
	assert_int_equal(medsec_keystore_list(e.ks, NULL, 0, &n), MEDSEC_OK);
	assert_int_equal(n, 4);
	env_teardown(&e);
}

/* ---- names ---- */

static void
test_keystore_invalid_names_refused(void **state)
{
	static const char *const bad[] = { "", "../x", "A", "a/b", "a.b",
		"x.1", "master", "a b", "-\n",
		"abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh" };
	uint8_t key[32] = { 3 }, pk[MEDSEC_SIGN_PUBLIC_MAX];
	uint8_t sig[MEDSEC_SIGN_LEN], master[64], after[64];
	char path[256];
	struct ks_env e;
	size_t len;

	(void)state;
	env_setup(&e, "approved");
	key_path(&e, "master.key", path, sizeof(path));
	read_all(path, master, sizeof(master));
	assert_int_equal(strlen(bad[9]), 48);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(medsec_keystore_generate(e.ks, bad[i],
				     MEDSEC_ALG_ED25519, NULL),
		    MEDSEC_ERR_INVALID);
		assert_int_equal(medsec_keystore_put(e.ks, bad[i],
				     MEDSEC_ALG_AES256_GCM, key, 32, NULL),
		    MEDSEC_ERR_INVALID);
		assert_int_equal(get_status(&e, bad[i]), MEDSEC_ERR_INVALID);
		assert_int_equal(medsec_keystore_sign(e.ks, bad[i], "m", 1, sig),
		    MEDSEC_ERR_INVALID);
		assert_int_equal(medsec_keystore_rotate(e.ks, bad[i], NULL),
		    MEDSEC_ERR_INVALID);
		assert_int_equal(medsec_keystore_destroy(e.ks, bad[i], 1),
		    MEDSEC_ERR_INVALID);
	}
	assert_int_equal(get_status(&e, NULL), MEDSEC_ERR_INVALID);
	/* public() takes "<name>.<generation>", strictly */
	assert_int_equal(medsec_keystore_public(e.ks, "x.0", pk, &len, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_public(e.ks, "x.01", pk, &len, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_public(e.ks, "x.1.", pk, &len, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_public(e.ks, "x.4294967296", pk, &len,
			     NULL), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_public(e.ks, "../x", pk, &len, NULL),
	    MEDSEC_ERR_INVALID);
	/* the longest valid name works */
	assert_int_equal(medsec_keystore_generate(e.ks,
			     "abcdefghijabcdefghijabcdefghijabcdefghijabcdefg",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	/* the master key was never touched */
	assert_int_equal(read_all(path, after, sizeof(after)), 60);
	assert_memory_equal(master, after, 60);
	env_teardown(&e);
}

/* ---- profiles ---- */

static void
test_req_1_17_kcmvp_keystore_seals_with_aria(void **state)
{
	struct medsec_keystore *again = NULL;
	uint8_t buf[256], sig[MEDSEC_SIGN_LEN];
	char path[256];
	struct ks_env e;

	(void)state;
	env_setup(&e, "kcmvp");
	key_path(&e, "master.key", path, sizeof(path));
	assert_int_equal(read_all(path, buf, sizeof(buf)), 60);
	assert_int_equal(buf[10] | buf[11] << 8, MEDSEC_ALG_ARIA256_GCM);
	assert_string_equal((const char *)buf + 12, "kcmvp");
	assert_int_equal(medsec_keystore_generate(e.ks, "identity",
			     MEDSEC_ALG_ECDSA_P256_SHA256, NULL), MEDSEC_OK);
	key_path(&e, "identity.key", path, sizeof(path));
	read_all(path, buf, sizeof(buf));
	assert_int_equal(buf[10] | buf[11] << 8, MEDSEC_ALG_ARIA256_GCM);
	medsec_keystore_close(e.ks);
	assert_int_equal(medsec_keystore_open(e.keys, &again), MEDSEC_OK);
	e.ks = again;
	assert_string_equal(medsec_keystore_profile(e.ks)->name, "kcmvp");
	assert_int_equal(medsec_keystore_profile(e.ks)->aead,
	    MEDSEC_ALG_ARIA256_GCM);
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "m", 1, sig),
	    MEDSEC_OK);
	env_teardown(&e);
}

static void
test_keystore_create_refuses_unknown_profile(void **state)
{
	const struct medsec_crypto_profile *approved;
	struct medsec_crypto_profile custom;
	struct medsec_keystore *ks = NULL;
	char dir[128];
	struct ks_env e;

	(void)state;
	env_setup(&e, "approved");
	snprintf(dir, sizeof(dir), "%s/other", e.root);
	assert_int_equal(medsec_crypto_profile_by_name("approved", &approved),
	    MEDSEC_OK);
	custom = *approved;
	custom.name = "homemade";
	assert_int_equal(medsec_keystore_create(dir, &custom, &ks),
	    MEDSEC_ERR_INVALID);
	custom.name = "approved";
	custom.aead = MEDSEC_ALG_ARIA256_GCM; /* not what "approved" means */
	assert_int_equal(medsec_keystore_create(dir, &custom, &ks),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_keystore_create(dir, NULL, &ks),
	    MEDSEC_ERR_INVALID);
	assert_null(ks);
	env_teardown(&e);
}

/* ---- the backend interface ---- */

struct count_backend {
	int seals, unseals, closes;
	uint64_t nonce;
};

static const uint8_t count_key[32] = { 7 };

static int
count_seal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *pt,
    size_t ptlen, uint8_t *out, size_t *outlen)
{
	struct count_backend *cb = ctx;

	cb->seals++;
	if (*outlen < ptlen + 28)
		return MEDSEC_ERR_TOO_LARGE;
	/* a counter nonce, as a token with a monotonic counter would */
	memset(out, 0, 12);
	cb->nonce++;
	memcpy(out, &cb->nonce, sizeof(cb->nonce));
	*outlen = ptlen + 28;
	return medsec_aead_seal(MEDSEC_ALG_AES256_GCM, count_key, out, ad,
	    adlen, pt, ptlen, out + 12);
}

static int
count_unseal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *in,
    size_t inlen, uint8_t *pt, size_t *ptlen)
{
	struct count_backend *cb = ctx;

	cb->unseals++;
	if (inlen < 28 || *ptlen < inlen - 28)
		return MEDSEC_ERR_AUTH;
	*ptlen = inlen - 28;
	return medsec_aead_open(MEDSEC_ALG_AES256_GCM, count_key, in, ad,
	    adlen, in + 12, inlen - 12, pt);
}

static void
count_close(void *ctx)
{
	((struct count_backend *)ctx)->closes++;
}

static void
test_keystore_backend_interface_replaces_master_key(void **state)
{
	struct count_backend cb = { 0, 0, 0, 0 };
	struct medsec_keystore_backend be = { "test-element", count_seal,
		count_unseal, count_close, &cb };
	struct medsec_keystore_backend broken = be;
	uint8_t sig[MEDSEC_SIGN_LEN], pk[MEDSEC_SIGN_PUBLIC_MAX];
	struct medsec_keystore *ks = NULL;
	struct ks_env e;
	size_t pklen;

	(void)state;
	env_setup(&e, "approved");
	broken.unseal = NULL;
	assert_int_equal(medsec_keystore_open_backend(e.keys, &broken, &ks),
	    MEDSEC_ERR_INVALID);
	assert_null(ks);
	assert_int_equal(medsec_keystore_open_backend(e.keys, &be, &ks),
	    MEDSEC_OK);
	assert_string_equal(medsec_keystore_profile(ks)->name, "approved");
	assert_int_equal(medsec_keystore_generate(ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	assert_int_equal(medsec_keystore_sign(ks, "identity", "m", 1, sig),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_public(ks, "identity", pk, &pklen,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_verify(MEDSEC_ALG_ED25519, pk, pklen, "m", 1,
			     sig), MEDSEC_OK);
	assert_int_equal(medsec_keystore_rotate(ks, "identity", NULL),
	    MEDSEC_OK);
	/* generate 1 seal; sign 1 unseal; rotate 1 unseal + 2 seals */
	assert_int_equal(cb.seals, 3);
	assert_int_equal(cb.unseals, 2);
	/* the file backend cannot open what the token sealed */
	assert_int_equal(medsec_keystore_sign(e.ks, "identity", "m", 1, sig),
	    MEDSEC_ERR_AUTH);
	medsec_keystore_close(ks);
	assert_int_equal(cb.closes, 1);
	env_teardown(&e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_keystore_create_open_roundtrip),
	cmocka_unit_test(test_keystore_create_refuses_existing),
	cmocka_unit_test(test_keystore_files_have_documented_modes_and_layout),
	cmocka_unit_test(test_keystore_open_missing_or_malformed_refused),
	cmocka_unit_test(test_req_1_17_master_key_with_wide_permissions_refused),
	cmocka_unit_test(test_req_1_17_master_key_of_another_user_refused),
	cmocka_unit_test(test_req_1_17_keydir_of_another_user_refused_as_not_owned),
	cmocka_unit_test(test_req_1_17_sealed_key_with_wide_permissions_refused),
	cmocka_unit_test(test_req_1_17_symlinked_master_key_refused),
	cmocka_unit_test(test_req_1_17_symlinked_sealed_key_refused),
	cmocka_unit_test(test_req_1_17_keystore_writable_keydir_refused),
	cmocka_unit_test(test_req_1_17_secrets_never_stored_in_plaintext),
	cmocka_unit_test(test_keystore_each_seal_uses_a_fresh_nonce),
	cmocka_unit_test(test_keystore_tampered_sealed_file_refused),
	cmocka_unit_test(test_keystore_sealed_file_bound_to_its_name),
	cmocka_unit_test(test_keystore_verify_only_generation_cannot_be_made_active),
	cmocka_unit_test(test_keystore_edited_public_key_refused),
	cmocka_unit_test(test_keystore_generate_each_algorithm_signs_and_agrees),
	cmocka_unit_test(test_keystore_kex_pairs_agree_with_stored_public_keys),
	cmocka_unit_test(test_req_1_17_keystore_refuses_weak_algorithms),
	cmocka_unit_test(test_keystore_put_replaces_and_zeroes_the_old_file),
	cmocka_unit_test(test_keystore_put_checks_lengths_and_kinds),
	cmocka_unit_test(test_keystore_put_failing_at_each_io_keeps_a_key),
	cmocka_unit_test(test_keystore_rotate_keeps_old_key_verify_only),
	cmocka_unit_test(test_keystore_rotate_symmetric_key),
	cmocka_unit_test(test_keystore_destroy_wipes_every_generation),
	cmocka_unit_test(test_keystore_list_reports_every_generation),
	cmocka_unit_test(test_keystore_invalid_names_refused),
	cmocka_unit_test(test_req_1_17_kcmvp_keystore_seals_with_aria),
	cmocka_unit_test(test_keystore_create_refuses_unknown_profile),
	cmocka_unit_test(test_keystore_backend_interface_replaces_master_key),
};

MEDSEC_TEST_MAIN(tests)
