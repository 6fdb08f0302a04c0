/*
 * Keystore internals, shared by the files of src/lib/keystore:
 *   keystore.c        names, paths, open/create/close
 *   keystore_file.c   the file backend: master.key, seal and unseal
 *   keystore_codec.c  the sealed (.key) and public (.pub) file formats
 *   keystore_ops.c    generate, put, get, public, sign, rotate
 *   keystore_dir.c    directory scans: list and destroy
 *
 * The formats are specified in docs/formats/keystore.md; every field is
 * encoded byte by byte, little-endian (core/le.h).
 */
#ifndef MEDSEC_KEYSTORE_INT_H
#define MEDSEC_KEYSTORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"
#include "medsec/keystore.h"

#define KS_VERSION 1
#define KS_MASTER_FILE "master.key"
#define KS_MASTER_NAME "master" /* reserved: <name>.key would be it */
#define KS_MASTER_LEN 60
#define KS_PROFILE_FIELD 16
#define KS_KEY_LEN 32

/* Sealed file: 48-byte header, then what the backend's seal() wrote. */
#define KS_HEADER_LEN 48
#define KS_FILE_SEAL_OVERHEAD (MEDSEC_AEAD_NONCE_LEN + MEDSEC_AEAD_TAG_LEN)
#define KS_BODY_MAX 256 /* room for a token backend's larger wrapping */
#define KS_SEALED_MAX (KS_HEADER_LEN + KS_BODY_MAX)

/* Public file: 42-byte header, then the public key. */
#define KS_PUB_HEADER_LEN 42
#define KS_PUB_MAX (KS_PUB_HEADER_LEN + MEDSEC_SIGN_PUBLIC_MAX)

/* A keydir path leaves room for "/<name>.<generation>.key" and ".tmp". */
#define KS_DIR_MAX 3968
#define KS_PATH_MAX 4096
#define KS_FILE_MAX 80

/* How a file reaches the disk (both through the I/O seam). */
enum ks_write {
	KS_WRITE_NEW = 1, /* exclusive create: MEDSEC_ERR_EXISTS if there */
	KS_WRITE_REPLACE, /* temporary file, fsync, rename, fsync dir */
};

/* The plaintext (but authenticated) header of a sealed key file. */
struct ks_header {
	int aead;
	int alg;
	int state;
	uint32_t generation;
	uint32_t secret_len;
	int64_t created_us;
	char key_id[MEDSEC_KEY_ID_LEN];
};

/* The default backend's state: the master key, in guarded memory. */
struct ks_file_backend {
	int aead;
	uint8_t *key; /* medsec_secure_alloc(); no access while idle */
};

struct medsec_keystore {
	char dir[KS_DIR_MAX];
	const struct medsec_crypto_profile *profile; /* static, built-in */
	struct medsec_keystore_backend backend;
	struct ks_file_backend file; /* backend.ctx for the file backend */
};

/* ---- keystore.c ---- */

/* 1 if name matches [a-z0-9-]{1,47} and is not reserved. */
int ks_valid_name(const char *name);
/*
 * Splits "<name>" or "<name>.<generation>" (len bytes, generation decimal
 * without leading zero, 1..UINT32_MAX; *genp 0 without one). 1 if valid.
 */
int ks_parse_ref(const char *ref, size_t len, char name[MEDSEC_KEY_NAME_MAX],
    uint32_t *genp);
/* "<name>.<ext>" for gen 0, else "<name>.<gen>.<ext>". */
int ks_file_name(char *out, size_t outlen, const char *name, uint32_t gen,
    const char *ext);
/* The same, joined to the keydir; out holds KS_PATH_MAX bytes. */
int ks_path(const struct medsec_keystore *ks, char *out, const char *name,
    uint32_t gen, const char *ext);
/* Writes dir/file through the I/O seam as `how` says. */
int ks_write_file(const char *dir, const char *file, const uint8_t *buf,
    size_t len, int mode, enum ks_write how);

/* ---- keystore_file.c ---- */

/* Writes a new master.key for profile (MEDSEC_ERR_EXISTS if present). */
int ks_master_create(const char *dir,
    const struct medsec_crypto_profile *profile);
/* Reads master.key: sets ks->profile and installs the file backend. */
int ks_master_load(struct medsec_keystore *ks);
/* The profile named in master.key, without keeping the key. */
int ks_master_profile(const char *dir,
    const struct medsec_crypto_profile **profilep);

/* ---- keystore_codec.c ---- */

int ks_header_decode(const uint8_t *in, size_t len, struct ks_header *h);
/* Seals secret (h->secret_len bytes) as the file for (name, gen). */
int ks_seal_store(struct medsec_keystore *ks, const char *name,
    uint32_t gen, const struct ks_header *h, const uint8_t *secret,
    enum ks_write how);
/*
 * Unseals the file for (name, gen) into secret (MEDSEC_KEY_SECRET_MAX
 * bytes). Any altered, truncated, renamed or misplaced file gives
 * MEDSEC_ERR_AUTH; secret is wiped on every failure.
 */
int ks_unseal_load(struct medsec_keystore *ks, const char *name,
    uint32_t gen, uint8_t *secret, size_t *lenp, struct ks_header *h);
/* Decodes a sealed file's header without unsealing (not authenticated). */
int ks_header_peek(const struct medsec_keystore *ks, const char *name,
    uint32_t gen, struct ks_header *h);
int ks_pub_store(struct medsec_keystore *ks, const char *name, uint32_t gen,
    const struct ks_header *h, const uint8_t *pk, size_t pklen,
    enum ks_write how);
/* Reads a .pub, re-deriving its key id (MEDSEC_ERR_AUTH if edited). */
int ks_pub_load(const struct medsec_keystore *ks, const char *name,
    uint32_t gen, uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen,
    struct ks_header *h);
/* Fills info (may be NULL) from a header. */
void ks_info_set(struct medsec_key_info *info, const char *name,
    const struct ks_header *h);

/* ---- keystore_dir.c ---- */

/* Overwrites dir/file with zeros, syncs it and unlinks it. */
int ks_shred(const char *dir, const char *file);

#endif
