/*
 * Crypto module core: one-time initialisation of libsodium and OpenSSL,
 * the OpenSSL algorithm objects fetched on first use, per-thread digest
 * contexts, the CSPRNG, wiping, constant-time comparison, guarded memory,
 * hex and key ids.
 */
#define _GNU_SOURCE /* secure_getenv */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/crypto_int.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_once_t digests_once = PTHREAD_ONCE_INIT;
static pthread_once_t others_once = PTHREAD_ONCE_INIT;
static int init_result = MEDSEC_ERR_INTERNAL;
static int digests_result = MEDSEC_ERR_INTERNAL;
static int others_result = MEDSEC_ERR_INTERNAL;
static struct crypto_lib lib;
static pthread_key_t tls_key;
static int digests_fetched;	  /* atomic: fetch_digests() ran */
static int provider_configured; /* OPENSSL_CONF named a configuration */
static size_t short_sha256_bytes; /* atomic: hashed by libsodium so far */

/*
 * Each thread keeps its own digest contexts so that medsec_hash() neither
 * allocates nor locks per call; the key's destructor frees them when the
 * thread exits.
 */
struct crypto_tls {
	EVP_MD_CTX *md[CRYPTO_MD_SLOTS];
};

static void
tls_free(void *p)
{
	struct crypto_tls *t = p;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < CRYPTO_MD_SLOTS; i++)
		EVP_MD_CTX_free(t->md[i]);
	free(t);
}

/*
 * The first fetch of an operation builds OpenSSL's method store for all
 * of that operation's algorithms: about 1 ms for digests and another for
 * ciphers, on a command that verifies a 1 KiB package in about as much.
 * Digests and HMAC, which nearly every command uses, are fetched on their
 * first use; ciphers and KDFs on theirs.
 */
static void
fetch_digests(void)
{
	lib.sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	lib.sha384 = EVP_MD_fetch(NULL, "SHA2-384", NULL);
	lib.sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
	lib.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	digests_result = lib.sha256 == NULL || lib.sha384 == NULL ||
	    lib.sha512 == NULL || lib.hmac == NULL ? MEDSEC_ERR_CRYPTO :
	    MEDSEC_OK;
	__atomic_store_n(&digests_fetched, 1, __ATOMIC_RELEASE);
}

static void
fetch_others(void)
{
	lib.aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	/* Optional: a FIPS-only provider has no ARIA. */
	lib.aria256gcm = EVP_CIPHER_fetch(NULL, "ARIA-256-GCM", NULL);
	lib.hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	lib.pbkdf2 = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
	others_result = lib.aes256gcm == NULL || lib.hkdf == NULL ||
	    lib.pbkdf2 == NULL ? MEDSEC_ERR_CRYPTO : MEDSEC_OK;
}

/*
 * The system-wide openssl.cnf configures TLS clients (cipher strings,
 * security levels) and costs about 1.5 ms to parse in every process;
 * medsec's algorithm policy is its own crypto profile. A deployment that
 * needs a provider configuration, a FIPS provider for one, names its file
 * in OPENSSL_CONF, and then it is loaded as OpenSSL would.
 */
static int
openssl_start(void)
{
	uint64_t opts = OPENSSL_INIT_NO_LOAD_CONFIG;

	if (secure_getenv("OPENSSL_CONF") != NULL) {
		opts = OPENSSL_INIT_LOAD_CONFIG;
		provider_configured = 1;
	}
	return OPENSSL_init_crypto(opts, NULL) == 1 ? MEDSEC_OK :
	    MEDSEC_ERR_CRYPTO;
}

static void
init_run(void)
{
	if (openssl_start() != MEDSEC_OK || sodium_init() < 0) {
		init_result = MEDSEC_ERR_CRYPTO;
		return;
	}
	if (pthread_key_create(&tls_key, tls_free) != 0) {
		init_result = MEDSEC_ERR_NOMEM;
		return;
	}
	init_result = MEDSEC_OK;
}

int
medsec_crypto_init(void)
{
	if (pthread_once(&init_once, init_run) != 0)
		return MEDSEC_ERR_INTERNAL;
	return init_result;
}

const struct crypto_lib *
crypto_lib_digests(void)
{
	if (medsec_crypto_init() != MEDSEC_OK ||
	    pthread_once(&digests_once, fetch_digests) != 0 ||
	    digests_result != MEDSEC_OK)
		return NULL;
	return &lib;
}

/*
 * OpenSSL 3.0's first fetch of any algorithm also copies every legacy
 * algorithm name into its name map: about 3.7 million instructions, more
 * than the rest of verifying a small update package. Until something
 * fetches, short SHA-256 inputs (key ids, small files) are hashed by
 * libsodium; past SHORT_SHA256_BUDGET bytes in all, or for any input
 * longer than SHORT_SHA256_MAX, OpenSSL (SHA-NI where the CPU has it) is
 * worth its start-up. A provider configuration (OPENSSL_CONF, a FIPS
 * provider for one) sees every hash.
 */
#define SHORT_SHA256_MAX (16u * 1024u)
#define SHORT_SHA256_BUDGET (1u << 20)

int
crypto_sha256_short(size_t len)
{
	size_t done;

	/* Initialised first: it decides provider_configured. */
	if (medsec_crypto_init() != MEDSEC_OK || provider_configured ||
	    len > SHORT_SHA256_MAX ||
	    __atomic_load_n(&digests_fetched, __ATOMIC_ACQUIRE))
		return 0;
	done = __atomic_add_fetch(&short_sha256_bytes, len, __ATOMIC_RELAXED);
	return done <= SHORT_SHA256_BUDGET;
}

int
crypto_sha256_sodium(const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[MEDSEC_SHA256_LEN])
{
	crypto_hash_sha256_state st;
	int r = MEDSEC_ERR_CRYPTO;

	if (crypto_hash_sha256_init(&st) != 0 ||
	    (alen != 0 && crypto_hash_sha256_update(&st, a, alen) != 0) ||
	    (blen != 0 && crypto_hash_sha256_update(&st, b, blen) != 0) ||
	    crypto_hash_sha256_final(&st, out) != 0)
		goto out;
	r = MEDSEC_OK;
out:
	medsec_wipe(&st, sizeof(st));
	return r;
}

const struct crypto_lib *
crypto_lib(void)
{
	if (crypto_lib_digests() == NULL ||
	    pthread_once(&others_once, fetch_others) != 0 ||
	    others_result != MEDSEC_OK)
		return NULL;
	return &lib;
}

/* Returns this thread's digest context for a slot, creating it once. */
EVP_MD_CTX *
crypto_thread_md_ctx(int slot)
{
	struct crypto_tls *t;

	if (slot < 0 || slot >= CRYPTO_MD_SLOTS ||
	    medsec_crypto_init() != MEDSEC_OK)
		return NULL;
	if ((t = pthread_getspecific(tls_key)) == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return NULL;
		if (pthread_setspecific(tls_key, t) != 0) {
			free(t);
			return NULL;
		}
	}
	if (t->md[slot] == NULL)
		t->md[slot] = EVP_MD_CTX_new();
	return t->md[slot];
}

int
medsec_random(void *buf, size_t len)
{
	int r;

	if (buf == NULL && len != 0)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return r;
	if (len != 0)
		randombytes_buf(buf, len);
	return MEDSEC_OK;
}

void
medsec_wipe(void *p, size_t len)
{
	if (p != NULL && len != 0)
		sodium_memzero(p, len);
}

/*
 * sodium_memcmp walks bytes through a volatile accumulator (about 50 ns
 * for 32 bytes); crypto_verify_32, constant-time as well, compares
 * vectors. The audit verifier compares a MAC per record, millions a run.
 */
int
medsec_ct_equal(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return 0;
	if (a == NULL || b == NULL)
		return -1;
	if (len == crypto_verify_32_BYTES)
		return crypto_verify_32(a, b) == 0 ? 0 : -1;
	return sodium_memcmp(a, b, len) == 0 ? 0 : -1;
}

void *
medsec_secure_alloc(size_t len)
{
	/* sodium_malloc needs the page size that sodium_init() records. */
	if (medsec_crypto_init() != MEDSEC_OK)
		return NULL;
	return sodium_malloc(len);
}

void
medsec_secure_free(void *p)
{
	if (p != NULL)
		sodium_free(p);
}

int
medsec_secure_noaccess(void *p)
{
	if (p == NULL)
		return MEDSEC_ERR_INVALID;
	return sodium_mprotect_noaccess(p) == 0 ? MEDSEC_OK : MEDSEC_ERR_CRYPTO;
}

int
medsec_secure_readonly(void *p)
{
	if (p == NULL)
		return MEDSEC_ERR_INVALID;
	return sodium_mprotect_readonly(p) == 0 ? MEDSEC_OK : MEDSEC_ERR_CRYPTO;
}

int
medsec_secure_readwrite(void *p)
{
	if (p == NULL)
		return MEDSEC_ERR_INVALID;
	return sodium_mprotect_readwrite(p) == 0 ? MEDSEC_OK :
	    MEDSEC_ERR_CRYPTO;
}

/*
 * libsodium's hex codecs run in time independent of the digits, which
 * matters because keys are stored and configured as hex.
 */
void
medsec_hex(const void *in, size_t len, char *out)
{
	if (out == NULL)
		return;
	if (in == NULL || len == 0) {
		out[0] = '\0';
		return;
	}
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

int
medsec_unhex(const char *hex, uint8_t *out, size_t outlen)
{
	const char *end = NULL;
	size_t hexlen, binlen = 0;
	int r = MEDSEC_ERR_FORMAT;

	if (hex == NULL || (out == NULL && outlen != 0))
		return MEDSEC_ERR_INVALID;
	if (medsec_crypto_init() != MEDSEC_OK)
		return MEDSEC_ERR_CRYPTO;
	hexlen = strlen(hex);
	if (outlen > SIZE_MAX / 2 || hexlen != 2 * outlen)
		goto out;
	if (outlen == 0) {
		r = MEDSEC_OK;
		goto out;
	}
	if (sodium_hex2bin(out, outlen, hex, hexlen, NULL, &binlen, &end) != 0 ||
	    binlen != outlen || end != hex + hexlen)
		goto out;
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(out, outlen);
	return r;
}

int
medsec_key_id(int alg, const void *key, size_t keylen,
    char out[MEDSEC_KEY_ID_LEN])
{
	uint8_t digest[MEDSEC_SHA256_LEN], tag;
	int r = MEDSEC_ERR_INTERNAL;

	if (out == NULL || (key == NULL && keylen != 0))
		return MEDSEC_ERR_INVALID;
	out[0] = '\0';
	/*
	 * The id is hashed, not interpreted, so any id that fits the one
	 * byte of the prefix is accepted: an id names keys of algorithms
	 * this build may not implement.
	 */
	if (alg <= MEDSEC_ALG_NONE || alg > 0xff)
		return MEDSEC_ERR_INVALID;
	tag = (uint8_t)alg;
	if ((r = crypto_hash2(MEDSEC_ALG_SHA256, &tag, 1, key, keylen,
	    digest)) != MEDSEC_OK)
		goto out;
	medsec_hex(digest, (MEDSEC_KEY_ID_LEN - 1) / 2, out);
	r = MEDSEC_OK;
out:
	medsec_wipe(digest, sizeof(digest));
	return r;
}
