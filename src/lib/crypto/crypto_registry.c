/*
 * Algorithm registry and crypto profiles.
 *
 * REQ: MFDS 1.17 (verified cryptographic algorithms of at least 112-bit
 * security strength). Every algorithm a configuration may name is listed
 * here with its strength and the document that gives it, so that a refusal
 * can say why. Strengths come from NIST SP 800-57 Part 1 Rev. 5: Table 2
 * (comparable strengths of block ciphers, FFC, IFC and ECC) and Table 3
 * (hash functions: collision resistance, and HMAC/KDF/RBG use).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto_int.h"

/*
 * strength_text is what a refusal prints. It differs from strength_bits
 * only where SP 800-57 gives an upper bound ("<80") or assigns no strength
 * at all; strength_bits is then 0, because no figure can be claimed.
 */
struct alg_entry {
	struct medsec_alg_info info;
	const char *strength_text;
};

#define SP57_T2 "NIST SP 800-57 Pt1 Rev5 Table 2"
#define SP57_T3 "NIST SP 800-57 Pt1 Rev5 Table 3"

static const struct alg_entry registry[] = {
	{ { MEDSEC_ALG_SHA256, "sha256", MEDSEC_KIND_HASH, 128, 1, 1,
	    SP57_T3 ": SHA-256 collision resistance 128" }, "128" },
	{ { MEDSEC_ALG_SHA384, "sha384", MEDSEC_KIND_HASH, 192, 1, 1,
	    SP57_T3 ": SHA-384 collision resistance 192" }, "192" },
	{ { MEDSEC_ALG_SHA512, "sha512", MEDSEC_KIND_HASH, 256, 1, 1,
	    SP57_T3 ": SHA-512 collision resistance 256" }, "256" },
	{ { MEDSEC_ALG_HMAC_SHA256, "hmac-sha256", MEDSEC_KIND_MAC, 256, 1, 1,
	    SP57_T3 ": HMAC with SHA-256 >=256 (reported as 256); never "
	    "more than the key length (SP 800-107r1 5.3.4)" }, "256" },
	{ { MEDSEC_ALG_HMAC_SHA384, "hmac-sha384", MEDSEC_KIND_MAC, 256, 1, 1,
	    SP57_T3 ": HMAC with SHA-384 >=256 (reported as 256); never "
	    "more than the key length (SP 800-107r1 5.3.4)" }, "256" },
	{ { MEDSEC_ALG_AES256_GCM, "aes-256-gcm", MEDSEC_KIND_AEAD, 256, 0, 1,
	    SP57_T2 ": AES-256 256; GCM per SP 800-38D" }, "256" },
	{ { MEDSEC_ALG_ARIA256_GCM, "aria-256-gcm", MEDSEC_KIND_AEAD, 256, 1,
	    1, "Not rated by SP 800-57; 256 = key length of ARIA-256 "
	    "(KS X 1213-1, RFC 5794), no attack better than exhaustive "
	    "search known; GCM per SP 800-38D" }, "256" },
	{ { MEDSEC_ALG_ED25519, "ed25519", MEDSEC_KIND_SIGN, 128, 0, 1,
	    "NIST SP 800-186 / FIPS 186-5: Edwards25519 128 (Table 2's "
	    "ECC row for f=253 alone would give 112)" }, "128" },
	{ { MEDSEC_ALG_ECDSA_P256_SHA256, "ecdsa-p256-sha256",
	    MEDSEC_KIND_SIGN, 128, 1, 1,
	    SP57_T2 ": ECC f=256-383 128; " SP57_T3 ": SHA-256 128" },
	    "128" },
	{ { MEDSEC_ALG_X25519, "x25519", MEDSEC_KIND_KEX, 128, 0, 1,
	    "NIST SP 800-186: Curve25519 128 (Table 2's ECC row for f=253 "
	    "alone would give 112)" }, "128" },
	{ { MEDSEC_ALG_ECDH_P256, "ecdh-p256", MEDSEC_KIND_KEX, 128, 1, 1,
	    SP57_T2 ": ECC f=256-383 128" }, "128" },
	{ { MEDSEC_ALG_HKDF_SHA256, "hkdf-sha256", MEDSEC_KIND_KDF, 256, 0, 1,
	    SP57_T3 ": KDF with SHA-256 >=256 (reported as 256); never "
	    "more than the input keying material" }, "256" },
	{ { MEDSEC_ALG_PBKDF2_SHA256, "pbkdf2-sha256", MEDSEC_KIND_KDF, 256,
	    1, 1, SP57_T3 ": HMAC-SHA-256 PRF >=256 (SP 800-132); never "
	    "more than the password's entropy" }, "256" },
	{ { MEDSEC_ALG_ARGON2ID, "argon2id", MEDSEC_KIND_PWHASH, 256, 0, 1,
	    "Not rated by SP 800-57; 256 = tag length (RFC 9106 4, "
	    "BLAKE2b); never more than the password's entropy" }, "256" },
	{ { MEDSEC_ALG_MD5, "md5", MEDSEC_KIND_HASH, 0, 0, 0,
	    "Not in SP 800-57 or FIPS 180-4; practical collisions (Wang and "
	    "Yu, EUROCRYPT 2005)" }, "none (no strength assigned; broken)" },
	{ { MEDSEC_ALG_SHA1, "sha1", MEDSEC_KIND_HASH, 0, 0, 0,
	    SP57_T3 ": SHA-1 collision resistance <80; collisions shown "
	    "(Stevens et al., CRYPTO 2017)" }, "<80" },
	{ { MEDSEC_ALG_HMAC_MD5, "hmac-md5", MEDSEC_KIND_MAC, 0, 0, 0,
	    "Not in SP 800-57 or SP 800-107: MD5 is not an approved hash" },
	    "none (MD5 is not approved)" },
	{ { MEDSEC_ALG_DES, "des", MEDSEC_KIND_CIPHER, 56, 0, 0,
	    "Not in SP 800-57 (FIPS 46-3 withdrawn 2005); 56-bit key, "
	    "exhaustive search" }, "56" },
	{ { MEDSEC_ALG_3DES_2KEY, "3des-2key", MEDSEC_KIND_CIPHER, 80, 0, 0,
	    SP57_T2 ": 2TDEA 80" }, "80" },
	{ { MEDSEC_ALG_RC4, "rc4", MEDSEC_KIND_CIPHER, 0, 0, 0,
	    "Not in SP 800-57; prohibited in TLS by RFC 7465 (biased "
	    "keystream)" }, "none (no strength assigned; broken)" },
	{ { MEDSEC_ALG_RSA_1024, "rsa-1024", MEDSEC_KIND_SIGN, 80, 0, 0,
	    SP57_T2 ": IFC k=1024 80" }, "80" },
	{ { MEDSEC_ALG_DH_1024, "dh-1024", MEDSEC_KIND_KEX, 80, 0, 0,
	    SP57_T2 ": FFC L=1024 N=160 80" }, "80" },
	{ { MEDSEC_ALG_ECDSA_P160, "ecdsa-p160", MEDSEC_KIND_SIGN, 80, 0, 0,
	    SP57_T2 ": ECC f=160-223 80" }, "80" },
};

#define NREGISTRY (sizeof(registry) / sizeof(registry[0]))

static const struct alg_entry *
entry_by_id(int id)
{
	size_t i;

	for (i = 0; i < NREGISTRY; i++)
		if (registry[i].info.id == id)
			return &registry[i];
	return NULL;
}

const struct medsec_alg_info *
medsec_crypto_alg_by_id(int id)
{
	const struct alg_entry *e = entry_by_id(id);

	return e == NULL ? NULL : &e->info;
}

const struct medsec_alg_info *
medsec_crypto_alg_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NREGISTRY; i++)
		if (strcasecmp(registry[i].info.name, name) == 0)
			return &registry[i].info;
	return NULL;
}

/* True when the running provider offers the algorithm (ARIA may lack). */
int
crypto_alg_available(int alg)
{
	const struct crypto_lib *l;

	if (alg != MEDSEC_ALG_ARIA256_GCM)
		return 1;
	return (l = crypto_lib()) != NULL && l->aria256gcm != NULL;
}

static void say(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* REQ: MFDS 1.17: refuse anything below 112 bits, naming its strength. */
int
medsec_crypto_alg_check(int id, char *why, size_t whylen)
{
	const struct alg_entry *e = entry_by_id(id);

	if (why != NULL && whylen != 0)
		why[0] = '\0';
	if (e == NULL) {
		say(why, whylen, "algorithm id %d is not known", id);
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	}
	if (e->info.strength_bits < MEDSEC_MIN_STRENGTH_BITS) {
		say(why, whylen, "%s: security strength %s bits is below the "
		    "112-bit minimum (MFDS 1.17)", e->info.name,
		    e->strength_text);
		return MEDSEC_ERR_WEAK_ALGORITHM;
	}
	if (!e->info.implemented || !crypto_alg_available(id)) {
		say(why, whylen, "%s: not available in this build",
		    e->info.name);
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	}
	return MEDSEC_OK;
}

/*
 * The error an operation returns for an algorithm it does not handle:
 * unknown, weak, or a sound algorithm of another kind (a caller bug).
 */
int
crypto_refuse(int alg, int kind)
{
	const struct alg_entry *e = entry_by_id(alg);

	if (e == NULL)
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	if (e->info.strength_bits < MEDSEC_MIN_STRENGTH_BITS)
		return MEDSEC_ERR_WEAK_ALGORITHM;
	if (e->info.kind != kind)
		return MEDSEC_ERR_INVALID;
	if (!e->info.implemented || !crypto_alg_available(alg))
		return MEDSEC_ERR_UNKNOWN_ALGORITHM;
	return MEDSEC_ERR_INTERNAL;
}

static const struct medsec_crypto_profile profiles[] = {
	{ "approved", MEDSEC_ALG_SHA256, MEDSEC_ALG_HMAC_SHA256,
	    MEDSEC_ALG_AES256_GCM, MEDSEC_ALG_ED25519, MEDSEC_ALG_X25519,
	    MEDSEC_ALG_HKDF_SHA256, MEDSEC_ALG_ARGON2ID },
	/* Every algorithm here is on the KCMVP list (KS X / TTA standards). */
	{ "kcmvp", MEDSEC_ALG_SHA256, MEDSEC_ALG_HMAC_SHA256,
	    MEDSEC_ALG_ARIA256_GCM, MEDSEC_ALG_ECDSA_P256_SHA256,
	    MEDSEC_ALG_ECDH_P256, MEDSEC_ALG_PBKDF2_SHA256,
	    MEDSEC_ALG_PBKDF2_SHA256 },
};

int
medsec_crypto_profile_by_name(const char *name,
    const struct medsec_crypto_profile **profilep)
{
	size_t i;

	if (profilep == NULL)
		return MEDSEC_ERR_INVALID;
	*profilep = NULL;
	/* No name means the default profile. */
	if (name == NULL)
		name = profiles[0].name;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		if (strcasecmp(profiles[i].name, name) == 0) {
			*profilep = &profiles[i];
			return MEDSEC_OK;
		}
	}
	return MEDSEC_ERR_NOT_FOUND;
}

static int
role_kind_ok(int role_kind, int kind)
{
	/* PBKDF2 is a password hash when stored with salt and count. */
	if (role_kind == MEDSEC_KIND_PWHASH)
		return kind == MEDSEC_KIND_PWHASH || kind == MEDSEC_KIND_KDF;
	return kind == role_kind;
}

static int
check_role(const char *role, int role_kind, int id, char *why,
    size_t whylen)
{
	const struct medsec_alg_info *info;
	char inner[160];
	int r;

	if ((r = medsec_crypto_alg_check(id, inner, sizeof(inner))) !=
	    MEDSEC_OK) {
		say(why, whylen, "%s: %s", role, inner);
		return r;
	}
	info = medsec_crypto_alg_by_id(id);
	if (!role_kind_ok(role_kind, info->kind)) {
		say(why, whylen, "%s: %s cannot serve in this role", role,
		    info->name);
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

int
medsec_crypto_profile_check(const struct medsec_crypto_profile *profile,
    char *why, size_t whylen)
{
	const struct {
		const char *role;
		int kind;
		int id;
	} roles[] = {
		{ "hash", MEDSEC_KIND_HASH, profile ? profile->hash : 0 },
		{ "mac", MEDSEC_KIND_MAC, profile ? profile->mac : 0 },
		{ "aead", MEDSEC_KIND_AEAD, profile ? profile->aead : 0 },
		{ "sign", MEDSEC_KIND_SIGN, profile ? profile->sign : 0 },
		{ "kex", MEDSEC_KIND_KEX, profile ? profile->kex : 0 },
		{ "kdf", MEDSEC_KIND_KDF, profile ? profile->kdf : 0 },
		{ "pwhash", MEDSEC_KIND_PWHASH, profile ? profile->pwhash : 0 },
	};
	size_t i;
	int r;

	if (why != NULL && whylen != 0)
		why[0] = '\0';
	if (profile == NULL)
		return MEDSEC_ERR_INVALID;
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if ((r = check_role(roles[i].role, roles[i].kind, roles[i].id,
		    why, whylen)) != MEDSEC_OK)
			return r;
	return MEDSEC_OK;
}
