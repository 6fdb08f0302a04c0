/*
 * medsec signkey: the manufacturer's signing keys, as files (for update
 * packages and integrity manifests). A public key file is plain text; a
 * secret key file is the same header with the key sealed by AES-256-GCM
 * under a key derived from a passphrase with Argon2id. Formats:
 * docs/formats/signing-keys.md.
 *
 * Secret keys live in libsodium guarded memory and are wiped on free.
 */
#ifndef MEDSEC_SIGNKEY_H
#define MEDSEC_SIGNKEY_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_SIGNKEY_NAME_MAX 64 /* [A-Za-z0-9._-], 1..63 */
#define MEDSEC_SIGNKEY_FILE_MAX 4096
/* Argon2id for the passphrase: t=3, m=64 MiB (libsodium INTERACTIVE+). */
#define MEDSEC_SIGNKEY_KDF_OPS 3
#define MEDSEC_SIGNKEY_KDF_MEM (64u << 20)

struct medsec_pubkey {
	int alg; /* MEDSEC_ALG_ED25519 or MEDSEC_ALG_ECDSA_P256_SHA256 */
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen;
	char key_id[MEDSEC_KEY_ID_LEN];
	char name[MEDSEC_SIGNKEY_NAME_MAX];
};

struct medsec_signkey;

/* A new key pair named name. */
MEDSEC_API
int medsec_signkey_generate(int alg, const char *name,
    struct medsec_signkey **kp);
MEDSEC_API
void medsec_signkey_free(struct medsec_signkey *k);
MEDSEC_API
const struct medsec_pubkey *medsec_signkey_public(
    const struct medsec_signkey *k);

/*
 * Writes the secret key file (0600, refusing to overwrite) sealed under
 * the passphrase, and the public key file (0644, refusing to overwrite).
 * An empty passphrase is refused.
 */
MEDSEC_API
int medsec_signkey_save(const struct medsec_signkey *k,
    const char *secret_path, const char *public_path, const char *pass,
    size_t passlen);

/*
 * Loads a secret key file. The file must not be a symlink nor readable
 * by group or others (MEDSEC_ERR_PERMISSION). A wrong passphrase is
 * MEDSEC_ERR_AUTH.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_signkey_load(const char *secret_path, const char *pass,
    size_t passlen, struct medsec_signkey **kp);

/* Parses a public key file's text (untrusted): MEDSEC_ERR_FORMAT. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_pubkey_parse(const char *text, size_t len,
    struct medsec_pubkey *pk);
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_pubkey_load(const char *path, struct medsec_pubkey *pk);
/* The public key file's text into buf. */
MEDSEC_API
int medsec_pubkey_format(const struct medsec_pubkey *pk, char *buf,
    size_t buflen);

MEDSEC_API
int medsec_signkey_sign(const struct medsec_signkey *k, const void *msg,
    size_t len, uint8_t sig[MEDSEC_SIGN_LEN]);
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_pubkey_verify(const struct medsec_pubkey *pk,
    const void *msg, size_t len, const uint8_t sig[MEDSEC_SIGN_LEN]);

#ifdef __cplusplus
}
#endif
#endif
