/*
 * medsec keystore: the device's keys, sealed at rest.
 *
 * Every private or secret key is stored only in sealed form: encrypted and
 * authenticated (the profile's AEAD) under a device master key. The master
 * key lives in `<keydir>/master.key`, mode 0600, owned by the service user;
 * a master key file with wider permissions is refused at open. Sealing and
 * unsealing go through struct medsec_keystore_backend so that a secure
 * element or PKCS#11 token can hold the master key instead of a file.
 *
 * Key files: `<name>.key` (sealed secret) and, for key pairs, `<name>.pub`.
 * Rotation keeps the old generation as `<name>.<gen>.key`, marked
 * verify-only; destruction overwrites and removes the sealed file.
 *
 * Well-known names: "identity" (the device's signing key pair), "data-kek"
 * (key-encryption key for data at rest), "audit-mac" (the audit trail's
 * current forward-secure MAC key; see audit.h).
 */
#ifndef MEDSEC_KEYSTORE_H
#define MEDSEC_KEYSTORE_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Key names: [a-z0-9-], at most 47 characters; "master" is reserved. */
#define MEDSEC_KEY_NAME_MAX 48
#define MEDSEC_KEY_SECRET_MAX 64  /* largest secret a keystore holds */

enum medsec_key_state {
	MEDSEC_KEY_ACTIVE = 1,	    /* may sign, encrypt and MAC */
	MEDSEC_KEY_VERIFY_ONLY = 2, /* rotated out: verification only */
};

struct medsec_key_info {
	char name[MEDSEC_KEY_NAME_MAX];
	int alg;		      /* enum medsec_alg */
	char key_id[MEDSEC_KEY_ID_LEN]; /* medsec_key_id() of public or secret */
	int64_t created_us;	      /* wall time, microseconds UTC */
	uint32_t generation;	      /* 1 for the first, +1 per rotation */
	int state;		      /* enum medsec_key_state */
};

/*
 * Where the master key lives. seal() writes nonce-and-ciphertext of pt
 * bound to ad into out (up to *outlen bytes; sets *outlen); unseal() does
 * the reverse and returns MEDSEC_ERR_AUTH on any mismatch. Both return
 * MEDSEC_OK or a negative MEDSEC_ERR_* code. close (may be NULL) is called
 * once, with ctx, by medsec_keystore_close().
 */
struct medsec_keystore_backend {
	const char *name;
	int (*seal)(void *ctx, const uint8_t *ad, size_t adlen,
	    const uint8_t *pt, size_t ptlen, uint8_t *out, size_t *outlen);
	int (*unseal)(void *ctx, const uint8_t *ad, size_t adlen,
	    const uint8_t *in, size_t inlen, uint8_t *pt, size_t *ptlen);
	void (*close)(void *ctx);
	void *ctx;
};

struct medsec_keystore;

/*
 * Creates a new keystore in keydir (created with mode 0700 if absent) with
 * a fresh master key file (0600) sealed with profile->aead. Refuses with
 * MEDSEC_ERR_EXISTS if a master key is already there. On success *ksp is
 * an open keystore the caller closes.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_keystore_create(const char *keydir,
    const struct medsec_crypto_profile *profile, struct medsec_keystore **ksp);

/*
 * Opens an existing keystore. Returns MEDSEC_ERR_NOT_OWNER if keydir or
 * the master key file belongs to another user than the current one;
 * MEDSEC_ERR_PERMISSION if the master key file is a symlink or accessible
 * by group/others, or if keydir is not a directory or group/others can
 * write it; MEDSEC_ERR_NOT_FOUND if absent; MEDSEC_ERR_FORMAT if
 * malformed.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2)
int medsec_keystore_open(const char *keydir, struct medsec_keystore **ksp);

/*
 * Opens with a caller-supplied backend (secure element, token, tests). The
 * struct is copied; on success the keystore owns backend->ctx until
 * medsec_keystore_close() calls backend->close, on failure the caller
 * still does. The profile is the one named in keydir/master.key if there
 * is one, else "approved". MEDSEC_ERR_INVALID without seal or unseal.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_keystore_open_backend(const char *keydir,
    const struct medsec_keystore_backend *backend,
    struct medsec_keystore **ksp);

/* Wipes and frees; NULL is a no-op. */
MEDSEC_API
void medsec_keystore_close(struct medsec_keystore *ks);

/*
 * Generates a key named `name`: a key pair for signature or key-agreement
 * algorithms (public part also written to <name>.pub), otherwise 32 random
 * secret bytes (AEAD, HMAC). Refuses with MEDSEC_ERR_EXISTS if present (a
 * public key kept by medsec_keystore_destroy() counts) and
 * MEDSEC_ERR_WEAK_ALGORITHM below 112 bits. infop may be NULL.
 */
MEDSEC_API
int medsec_keystore_generate(struct medsec_keystore *ks, const char *name,
    int alg, struct medsec_key_info *infop);

/*
 * Seals a caller-provided secret under `name`, replacing the active
 * generation atomically if it exists (no old generation is kept: used for
 * keys that evolve, such as the audit MAC key, whose old value must be
 * gone). The replaced sealed file's inode is overwritten with zeros before
 * it is released. AEAD and signature secrets must be 32 bytes (a
 * signature key's .pub is derived and written too), MAC keys 1 to
 * MEDSEC_KEY_SECRET_MAX bytes; key-agreement secrets are refused
 * (MEDSEC_ERR_INVALID). An I/O error can come after the new secret is in
 * place; calling put again is safe.
 */
MEDSEC_API
int medsec_keystore_put(struct medsec_keystore *ks, const char *name,
    int alg, const uint8_t *secret, size_t len,
    struct medsec_key_info *infop);

/*
 * Unseals the active secret of `name` into secret (MEDSEC_KEY_SECRET_MAX
 * bytes), setting *lenp. The caller MUST medsec_wipe() it after use.
 * MEDSEC_ERR_AUTH if the sealed file was altered.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_keystore_get(struct medsec_keystore *ks, const char *name,
    uint8_t *secret, size_t *lenp, struct medsec_key_info *infop);

/*
 * Reads the public key of a key pair: `name` for the active generation,
 * "<name>.<gen>" for a rotated one. MEDSEC_ERR_AUTH if the .pub was
 * edited; MEDSEC_ERR_KEY_MISMATCH if it does not match the sealed key of
 * its generation. infop->state is verify-only once the secret is gone.
 */
MEDSEC_API
int medsec_keystore_public(struct medsec_keystore *ks, const char *name,
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen,
    struct medsec_key_info *infop);

/*
 * Signs with the active key pair `name`; the secret never leaves.
 * MEDSEC_ERR_INVALID if `name` is not a signature key; MEDSEC_ERR_AUTH if
 * its sealed file was altered.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_keystore_sign(struct medsec_keystore *ks, const char *name,
    const void *msg, size_t msglen, uint8_t sig[MEDSEC_SIGN_LEN]);

/*
 * Rotates `name`: the current generation becomes verify-only
 * (<name>.<gen>.key / .pub kept) and a new active key is generated.
 */
MEDSEC_API
int medsec_keystore_rotate(struct medsec_keystore *ks, const char *name,
    struct medsec_key_info *infop);

/*
 * Destroys every generation of `name`: sealed files are overwritten with
 * zeros, synced, and removed. Public keys are kept for verification unless
 * with_public is set.
 */
MEDSEC_API
int medsec_keystore_destroy(struct medsec_keystore *ks, const char *name,
    int with_public);

/*
 * Lists keys (all generations, and public keys whose secret was destroyed
 * as verify-only), sorted by name and generation. *np gets the full count;
 * at most max entries are written (out may be NULL when max is 0).
 */
MEDSEC_API
int medsec_keystore_list(struct medsec_keystore *ks,
    struct medsec_key_info *out, size_t max, size_t *np);

/* The profile the keystore was created with. */
MEDSEC_API
const struct medsec_crypto_profile *medsec_keystore_profile(
    const struct medsec_keystore *ks);

#ifdef __cplusplus
}
#endif
#endif
