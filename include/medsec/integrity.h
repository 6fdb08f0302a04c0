/*
 * medsec integrity: signed manifests of the files under a root directory,
 * and the check that compares a tree with one (MFDS 2.2, integrity of
 * executables and settings, with countermeasures).
 *
 * A manifest lists every entry under a root (regular files, directories,
 * symlinks, and device nodes, FIFOs and sockets by their type) with its
 * relative path, type, mode, owner, size and the SHA-256 (the profile's
 * hash; the manifest names it) of its content or, for a symlink, of its
 * target text. It is canonical text signed by a manufacturer signing key
 * (medsec/signkey.h); the format is docs/formats/integrity-manifest.md.
 *
 * Walking a tree never follows a symlink below the root: directories and
 * files are opened with O_NOFOLLOW relative to their parent's descriptor,
 * and every opened descriptor is checked with fstat to be the very inode
 * the walk saw with lstat, so an entry swapped during the walk is reported
 * (verify) or refused (create), never read through. File content is hashed
 * by a pool of one worker per online CPU.
 *
 * A check (medsec_integrity_check) applies a countermeasure per class of
 * file: alert, refuse or restore, and writes every result to the audit
 * trail. The library has no timer of its own: a caller runs the check at
 * start and then on its schedule (docs/integrity.md).
 */
#ifndef MEDSEC_INTEGRITY_H
#define MEDSEC_INTEGRITY_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/signkey.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds, each checked before anything is allocated for it. */
#define MEDSEC_INTEGRITY_PATH_MAX 1023	       /* bytes of a relative path */
#define MEDSEC_INTEGRITY_DEPTH_MAX 64	       /* directory levels below root */
#define MEDSEC_INTEGRITY_ENTRIES_MAX 262144    /* entries in one manifest */
#define MEDSEC_INTEGRITY_FILE_MAX (64u << 20)  /* bytes of a manifest file */
#define MEDSEC_INTEGRITY_LABEL_MAX 200	       /* bytes of the escaped label */
#define MEDSEC_INTEGRITY_RESTORE_MAX (256u << 20) /* bytes of a restored file */
#define MEDSEC_INTEGRITY_TRUSTED_MAX 16	       /* trusted keys per parse */

/* Entry types; the letters are those of the manifest text. */
enum medsec_integrity_type {
	MEDSEC_INTEGRITY_FILE = 'f',
	MEDSEC_INTEGRITY_DIR = 'd',
	MEDSEC_INTEGRITY_SYMLINK = 'l',
	MEDSEC_INTEGRITY_CHAR = 'c',
	MEDSEC_INTEGRITY_BLOCK = 'b',
	MEDSEC_INTEGRITY_FIFO = 'p',
	MEDSEC_INTEGRITY_SOCKET = 's',
};

/* One entry of a manifest. */
struct medsec_integrity_entry {
	const char *path; /* relative to the root, "." for the root itself */
	int type;	  /* enum medsec_integrity_type */
	uint32_t mode;	  /* permission bits with setuid/setgid/sticky */
	uint32_t uid;
	uint32_t gid;
	/* Regular file: bytes; symlink: target length; device: st_rdev; 0. */
	uint64_t size;
	/* Regular file: hash of the content; symlink: of the target text. */
	uint8_t hash[MEDSEC_HASH_MAX];
};

/* A manifest's header, as signed. */
struct medsec_integrity_header {
	int hash_alg;	 /* MEDSEC_ALG_SHA256 or another approved hash */
	int64_t created_us; /* creation time, whole seconds, UTC */
	char root_label[MEDSEC_INTEGRITY_LABEL_MAX + 1]; /* escaped form */
	char signer[MEDSEC_SIGNKEY_NAME_MAX];
	char key_id[MEDSEC_KEY_ID_LEN];
	int sign_alg;	 /* MEDSEC_ALG_ED25519 or MEDSEC_ALG_ECDSA_P256_SHA256 */
};

struct medsec_integrity_options {
	int hash_alg;	    /* create: 0 means MEDSEC_ALG_SHA256 */
	size_t max_entries; /* 0 means MEDSEC_INTEGRITY_ENTRIES_MAX */
	/* Hashing workers: 0 means one per online CPU; 1 hashes inline. */
	unsigned threads;
	/* create: the label in the header; NULL means the root as given. */
	const char *root_label;
	/* create: creation time; 0 means now. */
	int64_t created_us;
	/*
	 * create: record every entry as owned by owner_uid:owner_gid, for
	 * trees staged by an unprivileged build user (as mtree and fakeroot
	 * do). The device's tree is then checked against these owners.
	 */
	int force_owner;
	uint32_t owner_uid;
	uint32_t owner_gid;
};

/* Fills the defaults above (all zero). */
MEDSEC_API
void medsec_integrity_options_default(struct medsec_integrity_options *o);

struct medsec_integrity_manifest;

/*
 * Walks root and builds an unsigned manifest of it in *mp (owned by the
 * caller, free with medsec_integrity_free). The root itself is opened as
 * given (a symlink naming the root is resolved); nothing below it is
 * followed. Fails with a sentence in err (may be NULL) naming the path:
 * MEDSEC_ERR_NOT_FOUND / MEDSEC_ERR_IO / MEDSEC_ERR_PERMISSION for a root
 * or entry that cannot be read, MEDSEC_ERR_TOO_LARGE past a bound,
 * MEDSEC_ERR_STATE for an entry that changed while it was read.
 * opts may be NULL.
 */
MEDSEC_API
int medsec_integrity_scan(const char *root,
    const struct medsec_integrity_options *opts,
    struct medsec_integrity_manifest **mp, char *err, size_t errlen);

/*
 * Scans root and writes the signed manifest text into *textp (malloc'd,
 * NUL-terminated, *lenp bytes without the NUL; the caller frees it).
 */
MEDSEC_API
int medsec_integrity_create(const char *root,
    const struct medsec_signkey *key,
    const struct medsec_integrity_options *opts, char **textp, size_t *lenp,
    char *err, size_t errlen);

/*
 * As medsec_integrity_create(), writing the manifest to out_path (mode
 * 0644) atomically: an existing file is replaced only once the new one is
 * complete and synced.
 */
MEDSEC_API
int medsec_integrity_create_file(const char *root,
    const struct medsec_signkey *key,
    const struct medsec_integrity_options *opts, const char *out_path,
    char *err, size_t errlen);

/*
 * Parses manifest text (untrusted). The signature is checked first, over
 * the exact bytes, against each of the ntrusted keys (1 to
 * MEDSEC_INTEGRITY_TRUSTED_MAX); only then is the rest parsed, strictly:
 * one canonical spelling, paths sorted and unique, every parent listed as
 * a directory. Returns MEDSEC_ERR_AUTH when no trusted key verifies the
 * signature (tampered, or signed by another key: the same answer),
 * MEDSEC_ERR_FORMAT with "line N: what" in err for malformed text,
 * MEDSEC_ERR_TOO_LARGE past a bound. On success *mp is the caller's.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_integrity_parse(const void *text, size_t len,
    const struct medsec_pubkey *trusted, size_t ntrusted,
    struct medsec_integrity_manifest **mp, char *err, size_t errlen);

/* Reads a manifest file (not a symlink, at most MEDSEC_INTEGRITY_FILE_MAX
 * bytes) and parses it as above. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_integrity_load(const char *path,
    const struct medsec_pubkey *trusted, size_t ntrusted,
    struct medsec_integrity_manifest **mp, char *err, size_t errlen);

/* NULL is a no-op. */
MEDSEC_API
void medsec_integrity_free(struct medsec_integrity_manifest *m);

/* The header (signed manifests; zeroed for a scan) and the entries, sorted
 * by path bytes. Valid until the manifest is freed. */
MEDSEC_API
const struct medsec_integrity_header *medsec_integrity_header(
    const struct medsec_integrity_manifest *m);
MEDSEC_API
size_t medsec_integrity_count(const struct medsec_integrity_manifest *m);
MEDSEC_API
const struct medsec_integrity_entry *medsec_integrity_entry_at(
    const struct medsec_integrity_manifest *m, size_t i);

/* ---- comparing a tree with a manifest ---- */

enum medsec_integrity_finding_kind {
	MEDSEC_INTEGRITY_CONTENT_CHANGED = 1, /* bytes, link target or rdev */
	MEDSEC_INTEGRITY_MISSING,	      /* listed, not in the tree */
	MEDSEC_INTEGRITY_ADDED,		      /* in the tree, not listed */
	MEDSEC_INTEGRITY_MODE_CHANGED,
	MEDSEC_INTEGRITY_OWNER_CHANGED,	      /* uid or gid */
	MEDSEC_INTEGRITY_TYPE_CHANGED,
	MEDSEC_INTEGRITY_SYMLINK_SWAPPED,     /* a symlink where none was */
	MEDSEC_INTEGRITY_UNREADABLE,	      /* could not be opened or read */
};

struct medsec_integrity_finding {
	int kind;	   /* enum medsec_integrity_finding_kind */
	const char *path;  /* raw bytes; print it escaped */
	int expected_type; /* 0 when added */
	int actual_type;   /* 0 when missing */
	uint32_t expected_mode, actual_mode;
	uint32_t expected_uid, actual_uid;
	uint32_t expected_gid, actual_gid;
	uint64_t expected_size, actual_size;
};

struct medsec_integrity_report {
	struct medsec_integrity_finding *findings; /* sorted by path */
	size_t count;
	size_t entries;	      /* entries in the manifest */
	size_t scanned;	      /* entries found under the root */
	size_t files_hashed;
	uint64_t bytes_hashed;
	unsigned threads;     /* hashing workers used */
};

/*
 * Compares the tree under root with a signed manifest (one from
 * medsec_integrity_parse or _load; an unsigned scan is refused with
 * MEDSEC_ERR_STATE). *repp (the caller's, free with
 * medsec_integrity_report_free) lists every finding. Returns MEDSEC_OK
 * only when there are none, MEDSEC_ERR_TAMPERED when there are, or the
 * error that stopped the walk (err says where; *repp is then NULL).
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2, 4)
int medsec_integrity_verify(const struct medsec_integrity_manifest *m,
    const char *root, const struct medsec_integrity_options *opts,
    struct medsec_integrity_report **repp, char *err, size_t errlen);

MEDSEC_API
void medsec_integrity_report_free(struct medsec_integrity_report *rep);

/*
 * The report as a JSON object {"findings":[{"path":..,"finding":..},..],
 * "entries":N,...} into *jsonp (malloc'd; the caller frees it). Paths are
 * in their escaped form.
 */
MEDSEC_API
int medsec_integrity_report_json(const struct medsec_integrity_report *rep,
    char **jsonp);

/* "content-changed", "missing", ...; "unknown" otherwise. */
MEDSEC_API
const char *medsec_integrity_finding_name(int kind);
/* "file", "directory", "symlink", ...; "none" for 0. */
MEDSEC_API
const char *medsec_integrity_type_name(int type);

/*
 * Escapes a raw path as the manifest writes it (printable ASCII; bytes
 * outside 0x21..0x7e and % " \ become %xx), so it is safe on a terminal
 * and in JSON. MEDSEC_ERR_TOO_LARGE if out is too small (3 * len + 1
 * always suffices).
 */
MEDSEC_API
int medsec_integrity_escape(const char *raw, char *out, size_t outlen);

/* ---- countermeasures ---- */

enum medsec_integrity_action {
	MEDSEC_INTEGRITY_ALERT = 1,   /* audit record and an INCIDENT */
	MEDSEC_INTEGRITY_REFUSE = 2,  /* the caller must not start */
	MEDSEC_INTEGRITY_RESTORE = 3, /* copy back from the known-good tree */
};

/*
 * A class of files: a pattern ending in '/' is a directory prefix
 * ("bin/" covers bin and everything under it); any other pattern is an
 * fnmatch(3) glob with FNM_PATHNAME, such as "etc/[a-z]*.conf" (a '*'
 * does not cross a '/'). The pattern "*" alone matches every path.
 */
struct medsec_integrity_rule {
	const char *pattern;
	int action; /* enum medsec_integrity_action */
};

struct medsec_integrity_policy {
	const struct medsec_integrity_rule *rules; /* first match wins */
	size_t nrules;
	int default_action;	/* paths no rule matches; 0 means alert */
	/*
	 * restore: a directory laid out as the root (the committed update
	 * slot). A file is copied back only if it matches the manifest.
	 */
	const char *known_good;
	/*
	 * Refuses a manifest created before this time (microseconds; 0 off):
	 * the caller keeps the creation time of the newest manifest it has
	 * accepted, so an older signed manifest cannot be swapped in.
	 */
	int64_t min_created_us;
	/* Audit actor; NULL means "medsec-integrity". */
	const char *actor;
};

/* The action for a path under a policy. */
MEDSEC_API
int medsec_integrity_policy_action(const struct medsec_integrity_policy *p,
    const char *path);

struct medsec_integrity_check_result {
	size_t findings;
	size_t alerted;
	size_t refused;	 /* includes restores that failed */
	size_t restored; /* files copied back and re-checked */
	size_t entries;
	uint64_t bytes_hashed;
};

/*
 * Verifies the tree under root with a signed manifest and applies the
 * policy to each finding. Writes to the audit trail: one INTEGRITY_OK
 * record when the tree matches, else one INTEGRITY_FAILURE record per
 * finding (details {"path":..,"finding":..,"action":..}); an INCIDENT
 * record per alerted finding; an INTEGRITY_OK record ("restored") per
 * file restored and re-checked. A finding that cannot be restored (not a
 * regular file, the known-good copy does not match, the write fails) is
 * refused: the check fails closed.
 *
 * Returns MEDSEC_OK when the caller may run (no findings, or every one was
 * alerted or restored; res says which), MEDSEC_ERR_TAMPERED when at least
 * one finding is refused (the caller MUST NOT start, or must stop), or
 * the error that stopped the check (walk, manifest older than
 * min_created_us, MEDSEC_ERR_AUDIT_UNAVAILABLE): these too mean do not
 * run. res may be NULL; opts may be NULL.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_integrity_check(
    const struct medsec_integrity_manifest *m, const char *root,
    const struct medsec_integrity_policy *policy, struct medsec_audit *audit,
    const struct medsec_integrity_options *opts,
    struct medsec_integrity_check_result *res);

/*
 * Loads the manifest at manifest_path with the trusted keys, then runs
 * medsec_integrity_check(). A manifest that does not parse or verify is
 * recorded as an INTEGRITY_FAILURE ("manifest") and its error returned.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_integrity_check_file(const char *manifest_path,
    const struct medsec_pubkey *trusted, size_t ntrusted, const char *root,
    const struct medsec_integrity_policy *policy, struct medsec_audit *audit,
    const struct medsec_integrity_options *opts,
    struct medsec_integrity_check_result *res);

/* ---- the anti-rollback floor on a device ---- */

struct medsec_db;

/* What a floor check or raise found and did. */
struct medsec_integrity_floor {
	int64_t previous_us; /* the floor before; 0 when none was recorded */
	int64_t floor_us;    /* the floor now */
	int raised;	     /* 1 if this call raised it */
};

/*
 * The floor for the tree under root: the creation time of the newest
 * signed manifest whose tree verified on this device (one floor per root,
 * by its real path), kept in the device database so that putting an
 * older signed manifest file back cannot lower it. *floor_usp is 0 when
 * none was recorded. A caller of medsec_integrity_check() passes it as
 * policy.min_created_us.
 */
MEDSEC_API
int medsec_integrity_floor_get(struct medsec_db *db, const char *root,
    int64_t *floor_usp);

/*
 * Before verifying: refuses a signed manifest created before root's floor
 * with MEDSEC_ERR_TAMPERED (err names both creation times) and an
 * INTEGRITY_FAILURE record ("manifest-rollback"). Changes nothing. actor
 * may be NULL ("medsec-integrity"); out may be NULL.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_integrity_floor_check(struct medsec_db *db,
    struct medsec_audit *audit, const char *actor, const char *root,
    const struct medsec_integrity_manifest *m,
    struct medsec_integrity_floor *out, char *err, size_t errlen);

/*
 * After the tree verified against m: raises root's floor to m's creation
 * time. The floor is re-read, compared and written in one transaction
 * (BEGIN IMMEDIATE ... COMMIT), so a concurrent raise is never undone: a
 * manifest older than the floor found there is refused as by
 * medsec_integrity_floor_check(). Refuses with
 * MEDSEC_ERR_AUDIT_UNAVAILABLE, before changing anything, when the trail
 * cannot take a record (medsec_audit_ready). After the commit, an
 * INTEGRITY_OK record ("manifest floor raised") names the root and the
 * previous and new floor; if that record cannot be written the floor
 * stays raised and its error is returned with err saying so. A failed
 * database write is returned (rolled back, nothing changed). A manifest
 * as old as the floor changes nothing and records nothing.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_integrity_floor_raise(struct medsec_db *db,
    struct medsec_audit *audit, const char *actor, const char *root,
    const struct medsec_integrity_manifest *m,
    struct medsec_integrity_floor *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
