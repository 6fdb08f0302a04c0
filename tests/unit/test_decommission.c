/*
 * End of service (MFDS 2025 rules: data deletion): crypto-shredding makes
 * a record that was readable unreadable, leaves no key material in the
 * state directory, and yields a certificate that verifies off the device
 * with the recorded identity key and fails when edited or checked with
 * another key. Without the confirmation nothing is destroyed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "testmain.h"
#include "medsec-tools/decommission.h"
#include "medsec/crypto.h"
#include "medsec/decommission.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "medsec/keystore.h"

#define SECRETS_MAX 16
#define RECORD "heart rate 72 bpm, patient 4711"

struct t {
	char root[64], state[128], keys[160];
	/* What must not survive: each key's secret and each key file. */
	uint8_t secret[SECRETS_MAX][MEDSEC_KEY_SECRET_MAX];
	size_t secret_len[SECRETS_MAX], nsecrets;
	uint8_t file[SECRETS_MAX][512];
	size_t file_len[SECRETS_MAX], nfiles;
	/* A record sealed under the data key, as device software keeps one. */
	uint8_t nonce[MEDSEC_AEAD_NONCE_LEN];
	uint8_t sealed[sizeof(RECORD) + MEDSEC_AEAD_TAG_LEN];
	char pubkey[MEDSEC_DELETION_PUBKEY_MAX];
	char err[1024];
};

static void
provision(struct t *t)
{
	struct medsec_device_provision_options o;
	struct medsec_device_provision_result res;

	memset(t, 0, sizeof(*t));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(t->root, sizeof(t->root), "/tmp/medsec-decom-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->state, sizeof(t->state), "%s/dev", t->root);
	snprintf(t->keys, sizeof(t->keys), "%s/keys", t->state);
	memset(&o, 0, sizeof(o));
	o.state_dir = t->state;
	o.device_id = "pump-0042";
	o.actor = "os:test";
	assert_int_equal(medsec_device_provision(&o, &res, t->err,
	    sizeof(t->err)), MEDSEC_OK);
	medsec_wipe(&res, sizeof(res));
	assert_int_equal(medsec_decommission_pubkey(t->state, t->pubkey,
	    sizeof(t->pubkey), t->err, sizeof(t->err)), MEDSEC_OK);
}

static int
data_key(const char *keys, uint8_t key[MEDSEC_KEY_SECRET_MAX], int *alg)
{
	struct medsec_keystore *ks = NULL;
	struct medsec_key_info info;
	size_t len;
	int r;

	if ((r = medsec_keystore_open(keys, &ks)) != MEDSEC_OK)
		return r;
	r = medsec_keystore_get(ks, "data-kek", key, &len, &info);
	*alg = info.alg;
	medsec_keystore_close(ks);
	return r;
}

static void
seal_record(struct t *t)
{
	uint8_t key[MEDSEC_KEY_SECRET_MAX];
	int alg = 0;

	assert_int_equal(data_key(t->keys, key, &alg), MEDSEC_OK);
	assert_int_equal(medsec_random(t->nonce, sizeof(t->nonce)), MEDSEC_OK);
	assert_int_equal(medsec_aead_seal(alg, key, t->nonce, "rec-1", 5,
	    RECORD, sizeof(RECORD), t->sealed), MEDSEC_OK);
	medsec_wipe(key, sizeof(key));
}

static int
read_record(const struct t *t, char *out)
{
	uint8_t key[MEDSEC_KEY_SECRET_MAX];
	int alg = 0, r;

	if ((r = data_key(t->keys, key, &alg)) != MEDSEC_OK)
		return r;
	r = medsec_aead_open(alg, key, t->nonce, "rec-1", 5, t->sealed,
	    sizeof(t->sealed), (uint8_t *)out);
	medsec_wipe(key, sizeof(key));
	return r;
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

/* Every key's secret (unsealed) and every file of the keystore. */
static void
collect_key_material(struct t *t)
{
	struct medsec_keystore *ks = NULL;
	struct medsec_key_info keys[SECRETS_MAX];
	char path[512];
	struct dirent *e;
	size_t n;
	DIR *d;

	assert_int_equal(medsec_keystore_open(t->keys, &ks), MEDSEC_OK);
	assert_int_equal(medsec_keystore_list(ks, keys, SECRETS_MAX, &n),
	    MEDSEC_OK);
	for (size_t i = 0; i < n && t->nsecrets < SECRETS_MAX; i++)
		if (medsec_keystore_get(ks, keys[i].name, t->secret[t->nsecrets],
		    &t->secret_len[t->nsecrets], NULL) == MEDSEC_OK)
			t->nsecrets++;
	medsec_keystore_close(ks);
	assert_true(t->nsecrets >= 3); /* data-kek, audit-mac, identity */
	assert_non_null(d = opendir(t->keys));
	while ((e = readdir(d)) != NULL && t->nfiles < SECRETS_MAX) {
		if (strstr(e->d_name, ".key") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", t->keys, e->d_name);
		t->file_len[t->nfiles] = read_all(path, t->file[t->nfiles],
		    sizeof(t->file[0]));
		t->nfiles++;
	}
	closedir(d);
}

static int
contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t len)
{
	for (size_t i = 0; len > 0 && i + len <= n; i++)
		if (memcmp(hay + i, needle, len) == 0)
			return 1;
	return 0;
}

/* Walks dir; counts files holding any collected secret or key file. */
static size_t
scan(const struct t *t, const char *dir, size_t *files)
{
	static uint8_t buf[1 << 22];
	char path[1024];
	struct dirent *e;
	struct stat sb;
	size_t found = 0, n;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(lstat(path, &sb), 0);
		if (S_ISDIR(sb.st_mode)) {
			found += scan(t, path, files);
			continue;
		}
		(*files)++;
		n = read_all(path, buf, sizeof(buf));
		for (size_t i = 0; i < t->nsecrets; i++)
			found += contains(buf, n, t->secret[i],
			    t->secret_len[i]);
		for (size_t i = 0; i < t->nfiles; i++)
			found += contains(buf, n, t->file[i], t->file_len[i]);
	}
	closedir(d);
	return found;
}

static int
decommission(struct t *t, const char *confirm,
    struct medsec_decommission_result *res)
{
	struct medsec_decommission_options o = { t->state, NULL, confirm,
		"os:test", "end of lease", "2026-12-02T10:00:00Z" };

	return medsec_decommission(&o, res, t->err, sizeof(t->err));
}

static void
test_decommission_shreds_record_and_keys(void **state)
{
	struct medsec_decommission_result res;
	char plain[sizeof(RECORD)];
	size_t files = 0;
	struct t *t = calloc(1, sizeof(*t));

	(void)state;
	assert_non_null(t);
	provision(t);
	seal_record(t);
	assert_int_equal(read_record(t, plain), MEDSEC_OK);
	assert_string_equal(plain, RECORD);
	collect_key_material(t);
	/* The scan finds the material while the device serves. */
	assert_true(scan(t, t->state, &files) > 0);
	assert_int_equal(decommission(t, "pump-0042", &res), MEDSEC_OK);
	assert_non_null(res.certificate);
	assert_true(res.keys >= 3);
	/* The same record, with its ciphertext intact, cannot be read. */
	assert_int_not_equal(read_record(t, plain), MEDSEC_OK);
	files = 0;
	assert_int_equal(scan(t, t->state, &files), 0);
	assert_true(files > 0); /* the sealed audit trail stays */
	medsec_decommission_free(&res);
	fixture_rmrf(t->root);
	free(t);
}

static void
test_decommission_certificate_verifies_off_device(void **state)
{
	struct medsec_decommission_result res;
	struct medsec_deletion_summary sum;
	struct medsec_config_error err;
	char other[MEDSEC_DELETION_PUBKEY_MAX], *edit;
	struct t *t = calloc(1, sizeof(*t)), *u = calloc(1, sizeof(*u));

	(void)state;
	assert_non_null(t);
	assert_non_null(u);
	provision(u);
	snprintf(other, sizeof(other), "%s", u->pubkey);
	provision(t);
	assert_int_equal(decommission(t, "pump-0042", &res), MEDSEC_OK);
	assert_int_equal(medsec_deletion_certificate_verify(res.certificate,
	    strlen(res.certificate), t->pubkey, &sum, &err), MEDSEC_OK);
	assert_string_equal(sum.device_id, "pump-0042");
	assert_string_equal(sum.performed_by, "os:test");
	assert_int_equal(sum.keys, res.keys);
	/* Another device's key: not its certificate. */
	assert_int_equal(medsec_deletion_certificate_verify(res.certificate,
	    strlen(res.certificate), other, NULL, &err),
	    MEDSEC_ERR_KEY_MISMATCH);
	/* An edited certificate: who did it. */
	assert_non_null(edit = strstr(res.certificate, "os:test"));
	memcpy(edit, "os:evil", 7);
	assert_int_equal(medsec_deletion_certificate_verify(res.certificate,
	    strlen(res.certificate), t->pubkey, NULL, &err), MEDSEC_ERR_AUTH);
	assert_string_equal(err.key, "signature");
	assert_int_equal(medsec_deletion_certificate_verify("{\"certificate\""
	    ":{},\"certificate\":{}}", 36, t->pubkey, NULL, &err),
	    MEDSEC_ERR_FORMAT);
	assert_int_equal(medsec_deletion_certificate_verify("{}", 2,
	    "ed25519 not-base64!", NULL, &err), MEDSEC_ERR_FORMAT);
	assert_string_equal(err.key, "pubkey");
	medsec_decommission_free(&res);
	fixture_rmrf(t->root);
	fixture_rmrf(u->root);
	free(t);
	free(u);
}

static void
test_decommission_refused_without_confirmation(void **state)
{
	struct medsec_decommission_result res;
	struct medsec_device_options o;
	struct medsec_device *dev = NULL;
	char plain[sizeof(RECORD)];
	struct t *t = calloc(1, sizeof(*t));

	(void)state;
	assert_non_null(t);
	provision(t);
	seal_record(t);
	assert_int_equal(decommission(t, "pump-0043", &res), MEDSEC_ERR_DENIED);
	assert_non_null(strstr(t->err, "'pump-0043' is not this device's id"));
	assert_null(res.certificate);
	assert_int_equal(read_record(t, plain), MEDSEC_OK);
	o = (struct medsec_device_options){ t->state, NULL, 0 };
	assert_int_equal(medsec_device_open(&o, &dev, t->err, sizeof(t->err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_device_close(dev), MEDSEC_OK);
	fixture_rmrf(t->root);
	free(t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_decommission_shreds_record_and_keys),
	cmocka_unit_test(test_decommission_certificate_verifies_off_device),
	cmocka_unit_test(test_decommission_refused_without_confirmation),
};

MEDSEC_TEST_MAIN(tests)
