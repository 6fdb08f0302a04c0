/*
 * The algorithm registry and crypto profiles (MFDS 1.17: verified
 * algorithms of at least 112-bit strength), plus the crypto module's
 * utilities: secure memory, constant-time comparison, hex and key ids.
 */
#include <stdint.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"

#include "testmain.h"

static const int strong_ids[] = {
	MEDSEC_ALG_SHA256, MEDSEC_ALG_SHA384, MEDSEC_ALG_SHA512,
	MEDSEC_ALG_HMAC_SHA256, MEDSEC_ALG_HMAC_SHA384,
	MEDSEC_ALG_AES256_GCM, MEDSEC_ALG_ARIA256_GCM,
	MEDSEC_ALG_ED25519, MEDSEC_ALG_ECDSA_P256_SHA256,
	MEDSEC_ALG_X25519, MEDSEC_ALG_ECDH_P256,
	MEDSEC_ALG_HKDF_SHA256, MEDSEC_ALG_PBKDF2_SHA256, MEDSEC_ALG_ARGON2ID,
};

static const int weak_ids[] = {
	MEDSEC_ALG_MD5, MEDSEC_ALG_SHA1, MEDSEC_ALG_HMAC_MD5, MEDSEC_ALG_DES,
	MEDSEC_ALG_3DES_2KEY, MEDSEC_ALG_RC4, MEDSEC_ALG_RSA_1024,
	MEDSEC_ALG_DH_1024, MEDSEC_ALG_ECDSA_P160,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* REQ: MFDS 1.17. SHA-1's collision strength is <80 (SP 800-57 T3). */
static void
test_req_1_17_sha1_refused_below_112_bits(void **state)
{
	const struct medsec_alg_info *info;
	char why[200];

	(void)state;
	info = medsec_crypto_alg_by_name("sha1");
	assert_non_null(info);
	assert_int_equal(info->id, MEDSEC_ALG_SHA1);
	assert_true(info->strength_bits < MEDSEC_MIN_STRENGTH_BITS);
	assert_false(info->implemented);
	assert_int_equal(medsec_crypto_alg_check(MEDSEC_ALG_SHA1, why,
	    sizeof(why)), MEDSEC_ERR_WEAK_ALGORITHM);
	assert_string_equal(why, "sha1: security strength <80 bits is below "
	    "the 112-bit minimum (MFDS 1.17)");
}

/* REQ: MFDS 1.17. Every legacy algorithm is refused with its strength. */
static void
test_req_1_17_weak_algorithms_refused_with_reason(void **state)
{
	const struct medsec_alg_info *info;
	char why[200];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(weak_ids); i++) {
		info = medsec_crypto_alg_by_id(weak_ids[i]);
		assert_non_null(info);
		assert_false(info->implemented);
		assert_false(info->kcmvp);
		assert_non_null(info->source);
		assert_int_equal(medsec_crypto_alg_check(weak_ids[i], why,
		    sizeof(why)), MEDSEC_ERR_WEAK_ALGORITHM);
		assert_true(strncmp(why, info->name, strlen(info->name)) == 0);
		assert_non_null(strstr(why, "112-bit minimum (MFDS 1.17)"));
	}
	assert_int_equal(medsec_crypto_alg_check(MEDSEC_ALG_3DES_2KEY, why,
	    sizeof(why)), MEDSEC_ERR_WEAK_ALGORITHM);
	assert_string_equal(why, "3des-2key: security strength 80 bits is "
	    "below the 112-bit minimum (MFDS 1.17)");
	/* A NULL or tiny buffer is fine: the code is what counts. */
	assert_int_equal(medsec_crypto_alg_check(MEDSEC_ALG_RC4, NULL, 0),
	    MEDSEC_ERR_WEAK_ALGORITHM);
	assert_int_equal(medsec_crypto_alg_check(MEDSEC_ALG_RC4, why, 4),
	    MEDSEC_ERR_WEAK_ALGORITHM);
	assert_string_equal(why, "rc4");
}

/* REQ: MFDS 1.17. The default profile is entirely >= 112 bits. */
static void
test_req_1_17_approved_profile_meets_112_bits(void **state)
{
	const struct medsec_crypto_profile *p = NULL;
	char why[200];
	size_t i;

	(void)state;
	assert_int_equal(medsec_crypto_profile_by_name("approved", &p),
	    MEDSEC_OK);
	assert_string_equal(p->name, "approved");
	assert_int_equal(medsec_crypto_profile_check(p, why, sizeof(why)),
	    MEDSEC_OK);
	const int roles[] = { p->hash, p->mac, p->aead, p->sign, p->kex,
	    p->kdf, p->pwhash };
	for (i = 0; i < NELEM(roles); i++) {
		const struct medsec_alg_info *info =
		    medsec_crypto_alg_by_id(roles[i]);

		assert_non_null(info);
		assert_true(info->implemented);
		assert_true(info->strength_bits >= MEDSEC_MIN_STRENGTH_BITS);
	}
	assert_int_equal(p->aead, MEDSEC_ALG_AES256_GCM);
	assert_int_equal(p->sign, MEDSEC_ALG_ED25519);
	assert_int_equal(p->pwhash, MEDSEC_ALG_ARGON2ID);
	/* No name means the default profile. */
	assert_int_equal(medsec_crypto_profile_by_name(NULL, &p), MEDSEC_OK);
	assert_string_equal(p->name, "approved");
}

/* REQ: MFDS 1.17. The kcmvp profile uses only KCMVP-listed algorithms. */
static void
test_req_1_17_kcmvp_profile_uses_kcmvp_algorithms(void **state)
{
	const struct medsec_crypto_profile *p = NULL;
	const struct medsec_alg_info *info;
	char why[200];
	size_t i;

	(void)state;
	assert_int_equal(medsec_crypto_profile_by_name("KCMVP", &p),
	    MEDSEC_OK);
	assert_string_equal(p->name, "kcmvp");
	assert_int_equal(medsec_crypto_profile_check(p, why, sizeof(why)),
	    MEDSEC_OK);
	const int roles[] = { p->hash, p->mac, p->aead, p->sign, p->kex,
	    p->kdf, p->pwhash };
	for (i = 0; i < NELEM(roles); i++) {
		info = medsec_crypto_alg_by_id(roles[i]);
		assert_non_null(info);
		assert_true(info->kcmvp);
		assert_true(info->strength_bits >= MEDSEC_MIN_STRENGTH_BITS);
	}
	assert_int_equal(p->aead, MEDSEC_ALG_ARIA256_GCM);
	assert_int_equal(p->sign, MEDSEC_ALG_ECDSA_P256_SHA256);
	assert_int_equal(p->kex, MEDSEC_ALG_ECDH_P256);
	assert_int_equal(p->pwhash, MEDSEC_ALG_PBKDF2_SHA256);
	/* And the approved profile's non-KCMVP choices are marked so. */
	assert_false(medsec_crypto_alg_by_id(MEDSEC_ALG_ED25519)->kcmvp);
	assert_false(medsec_crypto_alg_by_id(MEDSEC_ALG_X25519)->kcmvp);
	assert_false(medsec_crypto_alg_by_id(MEDSEC_ALG_ARGON2ID)->kcmvp);
}

/* REQ: MFDS 1.17. An algorithm nobody knows is never accepted. */
static void
test_req_1_17_unknown_algorithm_refused(void **state)
{
	const struct medsec_crypto_profile *p = NULL;
	char why[200];

	(void)state;
	assert_null(medsec_crypto_alg_by_id(9999));
	assert_null(medsec_crypto_alg_by_name("chacha20-poly1305"));
	assert_null(medsec_crypto_alg_by_name(NULL));
	assert_int_equal(medsec_crypto_alg_check(9999, why, sizeof(why)),
	    MEDSEC_ERR_UNKNOWN_ALGORITHM);
	assert_string_equal(why, "algorithm id 9999 is not known");
	assert_int_equal(medsec_crypto_alg_check(MEDSEC_ALG_NONE, why,
	    sizeof(why)), MEDSEC_ERR_UNKNOWN_ALGORITHM);
	assert_int_equal(medsec_crypto_profile_by_name("fips", &p),
	    MEDSEC_ERR_NOT_FOUND);
	assert_null(p);
}

/* REQ: MFDS 1.17. A profile with one weak role fails, naming the role. */
static void
test_req_1_17_profile_with_weak_role_refused(void **state)
{
	const struct medsec_crypto_profile *approved = NULL;
	struct medsec_crypto_profile p;
	char why[200];

	(void)state;
	assert_int_equal(medsec_crypto_profile_by_name("approved", &approved),
	    MEDSEC_OK);
	p = *approved;
	p.mac = MEDSEC_ALG_HMAC_MD5;
	assert_int_equal(medsec_crypto_profile_check(&p, why, sizeof(why)),
	    MEDSEC_ERR_WEAK_ALGORITHM);
	assert_true(strncmp(why, "mac: hmac-md5: ", 15) == 0);
	p = *approved;
	p.sign = MEDSEC_ALG_RSA_1024;
	assert_int_equal(medsec_crypto_profile_check(&p, why, sizeof(why)),
	    MEDSEC_ERR_WEAK_ALGORITHM);
	assert_true(strncmp(why, "sign: rsa-1024: ", 16) == 0);
	/* A strong algorithm in the wrong role is refused too. */
	p = *approved;
	p.aead = MEDSEC_ALG_SHA256;
	assert_int_equal(medsec_crypto_profile_check(&p, why, sizeof(why)),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_crypto_profile_check(NULL, why, sizeof(why)),
	    MEDSEC_ERR_INVALID);
}

static void
test_registry_lists_every_algorithm_with_its_name(void **state)
{
	static const char *names[] = {
		"sha256", "sha384", "sha512", "hmac-sha256", "hmac-sha384",
		"aes-256-gcm", "aria-256-gcm", "ed25519", "ecdsa-p256-sha256",
		"x25519", "ecdh-p256", "hkdf-sha256", "pbkdf2-sha256",
		"argon2id",
	};
	const struct medsec_alg_info *info;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(strong_ids); i++) {
		info = medsec_crypto_alg_by_id(strong_ids[i]);
		assert_non_null(info);
		assert_string_equal(info->name, names[i]);
		assert_true(info->implemented);
		assert_non_null(info->source);
		assert_int_equal(medsec_crypto_alg_check(strong_ids[i], NULL,
		    0), MEDSEC_OK);
		/* Names are case-insensitive. */
		assert_ptr_equal(medsec_crypto_alg_by_name(names[i]), info);
	}
	assert_ptr_equal(medsec_crypto_alg_by_name("SHA256"),
	    medsec_crypto_alg_by_id(MEDSEC_ALG_SHA256));
	assert_int_equal(medsec_crypto_alg_by_name("3des-2key")->id,
	    MEDSEC_ALG_3DES_2KEY);
	assert_int_equal(medsec_crypto_alg_by_name("ecdsa-p160")->id,
	    MEDSEC_ALG_ECDSA_P160);
}

static void
test_registry_strengths_follow_sp800_57(void **state)
{
	(void)state;
	/* Table 3, collision resistance; Table 2, ECC and symmetric. */
	assert_int_equal(medsec_crypto_alg_by_id(MEDSEC_ALG_SHA256)->
	    strength_bits, 128);
	assert_int_equal(medsec_crypto_alg_by_id(MEDSEC_ALG_SHA384)->
	    strength_bits, 192);
	assert_int_equal(medsec_crypto_alg_by_id(MEDSEC_ALG_HMAC_SHA256)->
	    strength_bits, 256);
	assert_int_equal(medsec_crypto_alg_by_id(MEDSEC_ALG_AES256_GCM)->
	    strength_bits, 256);
	assert_int_equal(medsec_crypto_alg_by_id(
	    MEDSEC_ALG_ECDSA_P256_SHA256)->strength_bits, 128);
	assert_int_equal(medsec_crypto_alg_by_id(MEDSEC_ALG_RSA_1024)->
	    strength_bits, 80);
	assert_int_equal(medsec_crypto_alg_by_id(MEDSEC_ALG_3DES_2KEY)->
	    strength_bits, 80);
	assert_int_equal(medsec_crypto_alg_by_id(MEDSEC_ALG_ECDH_P256)->kind,
	    MEDSEC_KIND_KEX);
}

/* ---- utilities ---- */

static void
test_crypto_init_is_idempotent(void **state)
{
	(void)state;
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
}

static void
test_secure_alloc_protect_and_free(void **state)
{
	uint8_t *p;

	(void)state;
	p = medsec_secure_alloc(64);
	assert_non_null(p);
	memset(p, 0xa5, 64);
	assert_int_equal(medsec_secure_readonly(p), MEDSEC_OK);
	assert_int_equal(p[63], 0xa5);
	assert_int_equal(medsec_secure_noaccess(p), MEDSEC_OK);
	assert_int_equal(medsec_secure_readwrite(p), MEDSEC_OK);
	p[0] = 0x11;
	assert_int_equal(p[0], 0x11);
	medsec_secure_free(p);
	medsec_secure_free(NULL);
	assert_int_equal(medsec_secure_noaccess(NULL), MEDSEC_ERR_INVALID);
}

static void
test_wipe_and_ct_equal(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	memset(a, 0x42, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(medsec_ct_equal(a, b, sizeof(a)), 0);
	b[31] ^= 0x80;
	assert_int_equal(medsec_ct_equal(a, b, sizeof(a)), -1);
	b[31] ^= 0x80;
	b[0] ^= 0x01;
	assert_int_equal(medsec_ct_equal(a, b, sizeof(a)), -1);
	assert_int_equal(medsec_ct_equal(a, b, 0), 0);
	assert_int_equal(medsec_ct_equal(NULL, b, sizeof(b)), -1);
	medsec_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	medsec_wipe(NULL, 10);
}

static void
test_hex_roundtrip(void **state)
{
	static const uint8_t bin[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	uint8_t back[6];
	char hex[13];

	(void)state;
	medsec_hex(bin, sizeof(bin), hex);
	assert_string_equal(hex, "00017f80abff");
	assert_int_equal(medsec_unhex(hex, back, sizeof(back)), MEDSEC_OK);
	assert_memory_equal(back, bin, sizeof(bin));
	assert_int_equal(medsec_unhex("00017F80ABFF", back, sizeof(back)),
	    MEDSEC_OK);
	assert_memory_equal(back, bin, sizeof(bin));
	assert_int_equal(medsec_unhex("", back, 0), MEDSEC_OK);
}

static void
test_unhex_bad_hex_refused_and_wiped(void **state)
{
	static const char *bad[] = {
		"00017f80abf",	 /* odd length */
		"00017f80abfff", /* too long */
		"00017f80ab",	 /* too short */
		"00017f80abfg",	 /* not a digit */
		"00017f 0abff",	 /* space */
		"0x017f80abff",	 /* prefix */
	};
	uint8_t out[6];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		memset(out, 0x5a, sizeof(out));
		assert_int_equal(medsec_unhex(bad[i], out, sizeof(out)),
		    MEDSEC_ERR_FORMAT);
		assert_memory_equal(out, "\0\0\0\0\0\0", sizeof(out));
	}
	assert_int_equal(medsec_unhex(NULL, out, sizeof(out)),
	    MEDSEC_ERR_INVALID);
}

static void
test_key_id_deterministic_and_bound_to_alg(void **state)
{
	uint8_t key[32];
	char a[MEDSEC_KEY_ID_LEN], b[MEDSEC_KEY_ID_LEN];

	(void)state;
	memset(key, 0x33, sizeof(key));
	assert_int_equal(medsec_key_id(MEDSEC_ALG_ED25519, key, 32, a),
	    MEDSEC_OK);
	assert_int_equal(strlen(a), 16);
	assert_int_equal(medsec_key_id(MEDSEC_ALG_ED25519, key, 32, b),
	    MEDSEC_OK);
	assert_string_equal(a, b);
	assert_int_equal(medsec_key_id(MEDSEC_ALG_X25519, key, 32, b),
	    MEDSEC_OK);
	assert_string_not_equal(a, b);
	key[0] ^= 1;
	assert_int_equal(medsec_key_id(MEDSEC_ALG_ED25519, key, 32, b),
	    MEDSEC_OK);
	assert_string_not_equal(a, b);
	/*
	 * The definition checked against FIPS 180-4: an id byte of 0x61
	 * ('a') and key bytes "bc" hash "abc", whose SHA-256 begins
	 * ba7816bf8f01cfea.
	 */
	assert_int_equal(medsec_key_id(0x61, "bc", 2, a), MEDSEC_OK);
	assert_string_equal(a, "ba7816bf8f01cfea");
	assert_int_equal(medsec_key_id(256, key, 32, a), MEDSEC_ERR_INVALID);
}

static void
test_random_fills_buffers(void **state)
{
	uint8_t a[32], b[32], z[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(z, 0, sizeof(z));
	assert_int_equal(medsec_random(a, sizeof(a)), MEDSEC_OK);
	assert_int_equal(medsec_random(b, sizeof(b)), MEDSEC_OK);
	/* Each equality below has probability 2^-256. */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, z, sizeof(a));
	assert_int_equal(medsec_random(NULL, 0), MEDSEC_OK);
	assert_int_equal(medsec_random(NULL, 1), MEDSEC_ERR_INVALID);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_17_sha1_refused_below_112_bits),
	cmocka_unit_test(test_req_1_17_weak_algorithms_refused_with_reason),
	cmocka_unit_test(test_req_1_17_approved_profile_meets_112_bits),
	cmocka_unit_test(test_req_1_17_kcmvp_profile_uses_kcmvp_algorithms),
	cmocka_unit_test(test_req_1_17_unknown_algorithm_refused),
	cmocka_unit_test(test_req_1_17_profile_with_weak_role_refused),
	cmocka_unit_test(test_registry_lists_every_algorithm_with_its_name),
	cmocka_unit_test(test_registry_strengths_follow_sp800_57),
	cmocka_unit_test(test_crypto_init_is_idempotent),
	cmocka_unit_test(test_secure_alloc_protect_and_free),
	cmocka_unit_test(test_wipe_and_ct_equal),
	cmocka_unit_test(test_hex_roundtrip),
	cmocka_unit_test(test_unhex_bad_hex_refused_and_wiped),
	cmocka_unit_test(test_key_id_deterministic_and_bound_to_alg),
	cmocka_unit_test(test_random_fills_buffers),
};

MEDSEC_TEST_MAIN(tests)
