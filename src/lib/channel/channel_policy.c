/*
 * The TLS policy's checks (MFDS 1.17). Every name a setting lists is
 * looked up in a table of what this module knows, with its strength;
 * an unknown name is a configuration error, a known but weak one a
 * weak-algorithm error, and either names the setting and the value.
 * Where the crypto module's registry rates an algorithm (X25519, ECDH
 * P-256, AES-256-GCM, ARIA-256-GCM) its verdict is asked too, so the
 * 112-bit rule has one source.
 *
 * Groups must reach 128 bits (a policy above the 112-bit floor: the
 * key exchange protects every record of the connection); ciphers too.
 * Keys and certificate signatures must reach 112 bits, and the house
 * sets the floor for EC keys at P-256.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "channel/channel_int.h"

#define GROUP_FLOOR_BITS 128
#define CIPHER_FLOOR_BITS 128
#define RSA_FLOOR_BITS 2048
#define EC_FLOOR_BITS 256

struct group_entry {
	const char *name;  /* as OpenSSL takes it */
	const char *alias; /* another spelling, or NULL */
	unsigned bits;	   /* SP 800-57 Pt1 Rev5 Table 2 / SP 800-186 */
	int registry_alg;  /* rated by the crypto registry, or 0 */
	int kcmvp;	   /* KCMVP lists ECDH on these curves */
};

static const struct group_entry groups[] = {
	{ "X25519", NULL, 128, MEDSEC_ALG_X25519, 0 },
	{ "X448", NULL, 224, 0, 0 },
	{ "P-256", "prime256v1", 128, MEDSEC_ALG_ECDH_P256, 1 },
	{ "P-384", "secp384r1", 192, 0, 1 },
	{ "P-521", "secp521r1", 256, 0, 1 },
	{ "ffdhe2048", NULL, 112, 0, 0 },
	{ "ffdhe3072", NULL, 128, 0, 0 },
	{ "ffdhe4096", NULL, 152, 0, 0 },
	{ "ffdhe6144", NULL, 176, 0, 0 },
	{ "ffdhe8192", NULL, 192, 0, 0 },
};

struct suite_entry {
	const char *name;
	unsigned bits;	  /* the cipher's key length */
	unsigned tag;	  /* AEAD tag bits */
	int registry_alg; /* rated by the crypto registry, or 0 */
	int kcmvp_tls13;  /* allowed under kcmvp (see channel.h) */
};

static const struct suite_entry suites13[] = {
	{ "TLS_AES_256_GCM_SHA384", 256, 128, MEDSEC_ALG_AES256_GCM, 1 },
	{ "TLS_AES_128_GCM_SHA256", 128, 128, 0, 1 },
	{ "TLS_CHACHA20_POLY1305_SHA256", 256, 128, 0, 0 },
	{ "TLS_AES_128_CCM_SHA256", 128, 128, 0, 0 },
	{ "TLS_AES_128_CCM_8_SHA256", 128, 64, 0, 0 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int
channel_policy_versions(struct medsec_channel *ch, int min_version,
    char *err, size_t errlen)
{
	if (min_version == 0 || min_version == MEDSEC_TLS_1_3) {
		ch->min_version = TLS1_3_VERSION;
		ch->max_version = TLS1_3_VERSION;
	} else if (min_version == MEDSEC_TLS_1_2) {
		ch->min_version = TLS1_2_VERSION;
		/* kcmvp: TLS 1.3 has no ARIA suite, so 1.2 with ARIA only. */
		ch->max_version = ch->kcmvp ? TLS1_2_VERSION : TLS1_3_VERSION;
	} else {
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "min_version: 0x%04x is not allowed (1.3, or 1.2)",
		    (unsigned)min_version);
	}
	return MEDSEC_OK;
}

/* The registry's verdict on an algorithm it rates. */
static int
registry_check(const char *setting, const char *name, int alg, char *err,
    size_t errlen)
{
	char why[256];
	int r;

	if (alg == 0 || (r = medsec_crypto_alg_check(alg, why,
	    sizeof(why))) == MEDSEC_OK)
		return MEDSEC_OK;
	return channel_err(err, errlen, r, "%s: '%s': %s", setting, name, why);
}

/*
 * Splits a colon-separated list into its names, calling check on each
 * with the name NUL-terminated in a copy; refuses empty names and lists
 * that do not fit.
 */
static int
each_name(const char *setting, const char *list,
    int (*check)(struct medsec_channel *, const char *, char *, size_t),
    struct medsec_channel *ch, char *err, size_t errlen)
{
	char copy[CHANNEL_LIST_MAX], *name, *next;
	int r;

	if (strlen(list) >= sizeof(copy))
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "%s: the "
		    "list is longer than %zu characters", setting,
		    sizeof(copy) - 1);
	snprintf(copy, sizeof(copy), "%s", list);
	for (name = copy; name != NULL; name = next) {
		if ((next = strchr(name, ':')) != NULL)
			*next++ = '\0';
		if (name[0] == '\0')
			return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "%s: "
			    "'%s' has an empty entry", setting, list);
		if ((r = check(ch, name, err, errlen)) != MEDSEC_OK)
			return r;
	}
	return MEDSEC_OK;
}

static int
append(char *out, size_t outlen, const char *name)
{
	size_t n = strlen(out);

	if (snprintf(out + n, outlen - n, "%s%s", n > 0 ? ":" : "", name) >=
	    (int)(outlen - n))
		return MEDSEC_ERR_TOO_LARGE;
	return MEDSEC_OK;
}

static int
check_group(struct medsec_channel *ch, const char *name, char *err,
    size_t errlen)
{
	const struct group_entry *g = NULL;
	size_t i;
	int r;

	for (i = 0; i < NELEM(groups) && g == NULL; i++)
		if (strcasecmp(name, groups[i].name) == 0 ||
		    (groups[i].alias != NULL &&
		    strcasecmp(name, groups[i].alias) == 0))
			g = &groups[i];
	if (g == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.groups: "
		    "'%s' is not a known group (X25519, X448, P-256, P-384, "
		    "P-521, ffdhe3072..ffdhe8192)", name);
	if ((r = registry_check("tls.groups", name, g->registry_alg, err,
	    errlen)) != MEDSEC_OK)
		return r;
	if (g->bits < GROUP_FLOOR_BITS)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.groups: '%s' offers %u-bit security; at least %d "
		    "required", name, g->bits, GROUP_FLOOR_BITS);
	if (ch->kcmvp && !g->kcmvp)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.groups: '%s' is not on the KCMVP list (crypto "
		    "profile kcmvp: P-256, P-384, P-521)", name);
	if (strstr(ch->groups, g->name) != NULL)
		return MEDSEC_OK;
	if (append(ch->groups, sizeof(ch->groups), g->name) != MEDSEC_OK)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.groups: "
		    "too many groups");
	return MEDSEC_OK;
}

int
channel_policy_groups(struct medsec_channel *ch, const char *list,
    char *err, size_t errlen)
{
	int r;

	if (list == NULL || list[0] == '\0')
		list = ch->kcmvp ? MEDSEC_CHANNEL_GROUPS_KCMVP :
		    MEDSEC_CHANNEL_GROUPS;
	ch->groups[0] = '\0';
	if ((r = each_name("tls.groups", list, check_group, ch, err,
	    errlen)) != MEDSEC_OK)
		return r;
	if (SSL_CTX_set1_groups_list(ch->ctx, ch->groups) != 1)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.groups: "
		    "OpenSSL refused '%s'", ch->groups);
	return MEDSEC_OK;
}

static int
check_suite(struct medsec_channel *ch, const char *name, char *err,
    size_t errlen)
{
	const struct suite_entry *s = NULL;
	size_t i;
	int r;

	for (i = 0; i < NELEM(suites13) && s == NULL; i++)
		if (strcmp(name, suites13[i].name) == 0)
			s = &suites13[i];
	if (s == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "ciphersuites: '%s' is not a TLS 1.3 cipher suite", name);
	if ((r = registry_check("tls.ciphersuites", name, s->registry_alg,
	    err, errlen)) != MEDSEC_OK)
		return r;
	if (s->bits < CIPHER_FLOOR_BITS || s->tag < 128)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.ciphersuites: '%s' has a %u-bit key and a %u-bit "
		    "tag; at least 128 and 128 required", name, s->bits, s->tag);
	if (ch->kcmvp && !s->kcmvp_tls13)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.ciphersuites: '%s' is not allowed under crypto "
		    "profile kcmvp (TLS 1.3 has no ARIA suite; AES-GCM only)",
		    name);
	if (append(ch->suites, sizeof(ch->suites), s->name) != MEDSEC_OK)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "ciphersuites: too many suites");
	return MEDSEC_OK;
}

int
channel_policy_suites(struct medsec_channel *ch, const char *list,
    char *err, size_t errlen)
{
	int r;

	if (list == NULL || list[0] == '\0')
		list = ch->kcmvp ? MEDSEC_CHANNEL_SUITES_KCMVP :
		    MEDSEC_CHANNEL_SUITES;
	ch->suites[0] = '\0';
	if ((r = each_name("tls.ciphersuites", list, check_suite, ch, err,
	    errlen)) != MEDSEC_OK)
		return r;
	if (SSL_CTX_set_ciphersuites(ch->ctx, ch->suites) != 1)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "ciphersuites: OpenSSL refused '%s'", ch->suites);
	return MEDSEC_OK;
}

/*
 * A TLS 1.2 suite by its exact OpenSSL name. A keyword ("ALL", "HIGH",
 * "!aNULL") is not a name: it stands for many suites, which a policy
 * must list one by one.
 */
static const SSL_CIPHER *
find_cipher12(SSL_CTX *tmp, const char *name)
{
	STACK_OF(SSL_CIPHER) *sk;
	const SSL_CIPHER *c, *found = NULL;
	int i;

	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
	    strlen(name) || SSL_CTX_set_cipher_list(tmp, name) != 1)
		return NULL;
	sk = SSL_CTX_get_ciphers(tmp);
	for (i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
		c = sk_SSL_CIPHER_value(sk, i);
		if (strcmp(SSL_CIPHER_get_name(c), name) == 0)
			found = c;
	}
	return found;
}

static int
judge_cipher12(const struct medsec_channel *ch, const SSL_CIPHER *c,
    const char *name, char *err, size_t errlen)
{
	int kx = SSL_CIPHER_get_kx_nid(c), bits = SSL_CIPHER_get_bits(c, NULL);
	int cipher = SSL_CIPHER_get_cipher_nid(c);
	int auth = SSL_CIPHER_get_auth_nid(c);

	if (kx != NID_kx_ecdhe)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.ciphers12: '%s' has no ECDHE key exchange (%s); "
		    "only ECDHE suites keep forward secrecy", name,
		    OBJ_nid2sn(kx));
	if (SSL_CIPHER_is_aead(c) != 1)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.ciphers12: '%s' is not an AEAD suite (CBC and "
		    "stream ciphers are refused)", name);
	if (bits < CIPHER_FLOOR_BITS)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.ciphers12: '%s' has a %d-bit cipher; at least %d "
		    "required", name, bits, CIPHER_FLOOR_BITS);
	if (auth != NID_auth_ecdsa && auth != NID_auth_rsa)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.ciphers12: '%s' does not authenticate the server "
		    "with a certificate", name);
	if (ch->kcmvp && cipher != NID_aria_256_gcm &&
	    cipher != NID_aria_128_gcm)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.ciphers12: '%s' is not an ARIA-GCM suite (crypto "
		    "profile kcmvp with TLS 1.2: ARIA-GCM only)", name);
	return MEDSEC_OK;
}

static int
check_cipher12(struct medsec_channel *ch, const char *name, char *err,
    size_t errlen)
{
	const SSL_CIPHER *c;
	SSL_CTX *tmp;
	int r;

	if ((tmp = SSL_CTX_new(TLS_server_method())) == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_NOMEM, "out of "
		    "memory");
	/* Level 0: a weak suite is found, so its refusal can say why. */
	SSL_CTX_set_security_level(tmp, 0);
	if ((c = find_cipher12(tmp, name)) == NULL)
		r = channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.ciphers12: "
		    "'%s' is not a TLS 1.2 cipher suite name (list suites one "
		    "by one, e.g. ECDHE-ECDSA-AES256-GCM-SHA384)", name);
	else if ((r = judge_cipher12(ch, c, name, err, errlen)) == MEDSEC_OK &&
	    append(ch->ciphers12, sizeof(ch->ciphers12), name) != MEDSEC_OK)
		r = channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.ciphers12: "
		    "too many suites");
	SSL_CTX_free(tmp);
	ERR_clear_error();
	return r;
}

int
channel_policy_ciphers12(struct medsec_channel *ch, const char *list,
    char *err, size_t errlen)
{
	int r;

	if (list == NULL || list[0] == '\0')
		list = ch->kcmvp ? MEDSEC_CHANNEL_CIPHERS12_KCMVP :
		    MEDSEC_CHANNEL_CIPHERS12;
	ch->ciphers12[0] = '\0';
	if ((r = each_name("tls.ciphers12", list, check_cipher12, ch, err,
	    errlen)) != MEDSEC_OK)
		return r;
	if (SSL_CTX_set_cipher_list(ch->ctx, ch->ciphers12) != 1)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls."
		    "ciphers12: OpenSSL refused '%s'", ch->ciphers12);
	return MEDSEC_OK;
}

static int
check_key(EVP_PKEY *key, char *err, size_t errlen)
{
	int bits;
	int sec;

	if (key == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.cert: "
		    "the certificate's public key cannot be read");
	bits = EVP_PKEY_get_bits(key);
	sec = EVP_PKEY_get_security_bits(key);
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		if (bits < RSA_FLOOR_BITS)
			return channel_err(err, errlen,
			    MEDSEC_ERR_WEAK_ALGORITHM, "tls.key: RSA-%d "
			    "offers %d-bit security; RSA keys need at least "
			    "%d bits (112-bit strength, MFDS 1.17)", bits, sec,
			    RSA_FLOOR_BITS);
		break;
	case EVP_PKEY_EC:
		if (bits < EC_FLOOR_BITS)
			return channel_err(err, errlen,
			    MEDSEC_ERR_WEAK_ALGORITHM, "tls.key: a %d-bit EC "
			    "key; EC keys need at least P-256", bits);
		break;
	default:
		if (sec < MEDSEC_MIN_STRENGTH_BITS)
			return channel_err(err, errlen,
			    MEDSEC_ERR_WEAK_ALGORITHM, "tls.key: %d-bit "
			    "security; at least %d required (MFDS 1.17)", sec,
			    MEDSEC_MIN_STRENGTH_BITS);
		break;
	}
	return MEDSEC_OK;
}

int
channel_policy_cert(X509 *x, char *err, size_t errlen)
{
	int r, secbits = 0;

	if ((r = check_key(X509_get0_pubkey(x), err, errlen)) != MEDSEC_OK)
		return r;
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.cert: "
		    "the server certificate has expired");
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.cert: "
		    "the server certificate is not valid yet");
	if (X509_get_signature_info(x, NULL, NULL, &secbits, NULL) != 1 ||
	    secbits < MEDSEC_MIN_STRENGTH_BITS)
		return channel_err(err, errlen, MEDSEC_ERR_WEAK_ALGORITHM,
		    "tls.cert: the server certificate's signature offers "
		    "%d-bit security; at least %d required (MFDS 1.17)",
		    secbits, MEDSEC_MIN_STRENGTH_BITS);
	return MEDSEC_OK;
}

int
channel_policy_credentials(SSL_CTX *ctx, char *err, size_t errlen)
{
	EVP_PKEY *key = SSL_CTX_get0_privatekey(ctx);
	X509 *x = SSL_CTX_get0_certificate(ctx);
	int r;

	if (key == NULL || x == NULL)
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.cert: "
		    "no server certificate and key");
	if ((r = check_key(key, err, errlen)) != MEDSEC_OK ||
	    (r = channel_policy_cert(x, err, errlen)) != MEDSEC_OK)
		return r;
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		return channel_err(err, errlen, MEDSEC_ERR_CONFIG, "tls.key: "
		    "the private key does not belong to the certificate");
	}
	return MEDSEC_OK;
}
