/*
 * medsec update: signed software update packages (MFDS 1.13, 1.14).
 *
 * A package (.msu, docs/formats/update-package.md) is one file: a fixed
 * header, a canonical JSON manifest, a signature block and the payload
 * files back to back. The manifest binds everything: product, accepted
 * hardware ids, version and monotonic security counter, build and expiry
 * times, distributor, and every payload file's name, size, mode and
 * SHA-256. Signatures cover the manifest bytes; M of N signing keys must
 * sign.
 *
 * Trust (docs/updates.md): the device ships a root key set
 * (root.json). Root keys sign the signing key set (keyset.json: version,
 * expiry, threshold, keys, revoked keys), so signing keys rotate and a
 * compromised one is revoked by a new key set, without touching root.
 *
 * Verification streams the payload with bounded memory; every length is
 * checked against its bound before anything is allocated or written.
 */
#ifndef MEDSEC_UPDATE_H
#define MEDSEC_UPDATE_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/signkey.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_UPDATE_MAGIC "MEDSECU"	  /* 8 bytes with the NUL */
#define MEDSEC_UPDATE_FORMAT 1
#define MEDSEC_UPDATE_HEADER_LEN 24
#define MEDSEC_UPDATE_MANIFEST_MAX (1u << 20) /* 1 MiB */
#define MEDSEC_UPDATE_SIGS_MAX (64u << 10)
#define MEDSEC_UPDATE_FILES_MAX 4096
#define MEDSEC_UPDATE_NAME_MAX 200 /* relative path bytes */
#define MEDSEC_UPDATE_KEYS_MAX 16  /* keys per set, signatures per package */
#define MEDSEC_UPDATE_TRUST_MAX (64u << 10) /* root.json, keyset.json */
/*
 * Payload files are also hashed in chunks of this size, listed in the
 * manifest, so verification runs on every core (one SHA-256 stream is
 * serial) while memory stays one chunk per worker.
 */
#define MEDSEC_UPDATE_CHUNK (1u << 20)

struct medsec_update_file {
	char name[MEDSEC_UPDATE_NAME_MAX + 1];
	uint64_t size;
	uint32_t mode; /* permission bits only: 0644, 0755, ... */
	uint8_t sha256[32];
	size_t n_chunks; /* ceil(size / MEDSEC_UPDATE_CHUNK) */
	uint8_t (*chunks)[32];
};

struct medsec_update_manifest {
	char product[64];
	char hardware[8][64];
	size_t n_hardware;
	char version[32];	   /* semantic version, "1.4.2" */
	uint64_t security_counter; /* monotonic: lower is a rollback */
	int64_t built_us;
	int64_t expires_us;
	char distributor[64];	   /* signer organisation */
	char distributor_key[MEDSEC_KEY_ID_LEN];
	/* Non-empty: a downgrade authorised for this target digest. */
	char downgrade_of[65];
	size_t n_files;
	struct medsec_update_file *files;
	size_t n_alloc; /* entries allocated in files */
	uint8_t digest[32]; /* SHA-256 of the manifest bytes: its identity */
};

MEDSEC_API
void medsec_update_manifest_free(struct medsec_update_manifest *m);

/* ---- manufacturer side ---- */

struct medsec_update_pack_args {
	const char *product;
	const char *const *hardware;
	size_t n_hardware;
	const char *version;
	uint64_t security_counter;
	int64_t expires_us;
	const char *distributor;
	const char *distributor_key; /* key id of the first signer */
	const char *downgrade_of;    /* hex digest or NULL */
	const char *const *paths;    /* files to include */
	const char *const *names;    /* their names in the package */
	size_t n_files;
};

/* Writes an unsigned package (0644, refusing to overwrite). */
MEDSEC_API
int medsec_update_pack(const struct medsec_update_pack_args *a,
    const char *out_path, char *err, size_t errlen);

/* Adds a signature by k (rewrites the package atomically). */
MEDSEC_API
int medsec_update_sign(const char *pkg_path, const struct medsec_signkey *k,
    char *err, size_t errlen);

/*
 * Writes a signing key set signed by the given root keys (all of them):
 * version, expiry, threshold, public keys, revoked key ids.
 */
MEDSEC_API
int medsec_update_keyset_write(const char *out_path, uint64_t version,
    int64_t expires_us, unsigned threshold,
    const struct medsec_pubkey *keys, size_t n_keys,
    const char *const *revoked, size_t n_revoked,
    const struct medsec_signkey *const *root_keys, size_t n_root,
    char *err, size_t errlen);

/* Writes a root key set (the device's trust anchor). */
MEDSEC_API
int medsec_update_root_write(const char *out_path, unsigned threshold,
    const struct medsec_pubkey *keys, size_t n_keys, char *err,
    size_t errlen);

/* ---- verification ---- */

struct medsec_update_trust;

/*
 * Loads DIR/root.json and DIR/keyset.json and checks the key set against
 * root (threshold of distinct root keys, not expired against now_us,
 * version not below min_keyset_version).
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 4)
int medsec_update_trust_load(const char *dir, int64_t now_us,
    uint64_t min_keyset_version, struct medsec_update_trust **tp, char *err,
    size_t errlen);
/*
 * The same checks on trust file contents already in memory (what
 * medsec_updater_setup() verifies before it installs anything).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_update_trust_parse(const char *root_json, size_t root_len,
    const char *keyset_json, size_t keyset_len, int64_t now_us,
    uint64_t min_keyset_version, struct medsec_update_trust **tp, char *err,
    size_t errlen);
MEDSEC_API
void medsec_update_trust_free(struct medsec_update_trust *t);
MEDSEC_API
uint64_t medsec_update_trust_keyset_version(
    const struct medsec_update_trust *t);

/* What the device requires of a package beyond its signatures. */
struct medsec_update_policy {
	const char *hardware_id;   /* must be listed */
	const char *product;	   /* must match, or NULL */
	uint64_t min_counter;	   /* counter must be >= (anti-rollback) */
	int64_t now_us;		   /* max(wall clock, newest time seen) */
	const char *extract_dir;   /* write payload files here, or NULL */
};

/*
 * Verifies a package: header and bounds, manifest schema, signatures
 * (threshold of distinct, non-revoked signing keys), expiry, hardware,
 * product, counter, then streams every payload file against its size and
 * hash (and, with extract_dir, writes it there, created 0700, files with
 * their modes; nothing is left there on failure). Exactly the declared
 * bytes: a longer or shorter payload is refused. On success *mp (if
 * non-NULL) receives the manifest. Errors: MEDSEC_ERR_FORMAT,
 * MEDSEC_ERR_TOO_LARGE, MEDSEC_ERR_AUTH (signatures), MEDSEC_ERR_EXPIRED,
 * MEDSEC_ERR_STATE (rollback, hardware, product), MEDSEC_ERR_TAMPERED
 * (payload does not match), with the reason in err.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2, 3)
int medsec_update_verify(const char *pkg_path,
    const struct medsec_update_trust *t, const struct medsec_update_policy *p,
    struct medsec_update_manifest **mp, char *err, size_t errlen);

/* Reads the manifest without checking signatures (for inspect). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_update_inspect(const char *pkg_path,
    struct medsec_update_manifest **mp, char **manifest_json,
    size_t *n_signatures, char *err, size_t errlen);

/* Parses manifest bytes (untrusted; strict schema). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_update_manifest_parse(const char *json, size_t len,
    struct medsec_update_manifest **mp, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
