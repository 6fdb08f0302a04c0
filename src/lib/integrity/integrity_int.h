/* Integrity manifest internals shared by the files of this module. */
#ifndef MEDSEC_INTEGRITY_INT_H
#define MEDSEC_INTEGRITY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/errf.h"
#include <sys/stat.h>

#include "medsec/integrity.h"

/*
 * Domain separation: a signature is over this string, its NUL, and the
 * SHA-256 of the manifest text before the signature line, so a signature
 * made by the same key over an update manifest can never pass here.
 */
#define INTEGRITY_SIG_CONTEXT "medsec-integrity-manifest-v1"
#define INTEGRITY_MAGIC "medsec-integrity-manifest 1"
#define INTEGRITY_SIG_PREFIX "signature: "
/* "signature: " + hex + "\n" */
#define INTEGRITY_SIG_LINE_LEN (sizeof(INTEGRITY_SIG_PREFIX) - 1 + \
    2 * MEDSEC_SIGN_LEN + 1)
#define INTEGRITY_LINK_MAX 4096 /* bytes of a symlink target */
#define INTEGRITY_THREADS_MAX 64

/*
 * One entry. pub.path points at path[]. Entries are allocated one by one
 * so that hashing workers can fill one while the walk grows the array of
 * pointers.
 */
struct ientry {
	struct medsec_integrity_entry pub;
	uint64_t dev, ino; /* what lstat saw, for the TOCTOU check */
	int err;	   /* reading it failed: MEDSEC_ERR_*; 0 if fine */
	int hashed;	   /* pub.hash holds the content's hash */
	char path[];
};

struct medsec_integrity_manifest {
	struct medsec_integrity_header hdr;
	int authenticated; /* came from a parse whose signature verified */
	int hash_alg;
	struct ientry **v;
	size_t n, cap, max;
};

/* Formats a sentence into err (may be NULL) and returns code. */

/* ---- manifest object (integrity.c) ---- */
int integrity_manifest_new(int hash_alg, size_t max,
    struct medsec_integrity_manifest **mp);
/* Appends an entry for path (pathlen bytes); *ep points at it. */
int integrity_entry_add(struct medsec_integrity_manifest *m,
    const char *path, size_t pathlen, struct ientry **ep);
void integrity_sort(struct medsec_integrity_manifest *m);
/* Binary search in a sorted manifest; NULL if absent. */
const struct ientry *integrity_find(const struct medsec_integrity_manifest *m,
    const char *path);
/* Decodes an escaped path strictly (canonical escapes only). */
int integrity_unescape(const char *in, size_t inlen, char *out,
    size_t outlen, size_t *outlenp);
/* The message a manifest signature is over (context, NUL, SHA-256). */
#define INTEGRITY_SIGNED_MSG_LEN (sizeof(INTEGRITY_SIG_CONTEXT) + 32)
int integrity_signed_message(const void *body, size_t len,
    uint8_t msg[INTEGRITY_SIGNED_MSG_LEN]);
/* Resolves the hashing worker count from options. */
unsigned integrity_threads(const struct medsec_integrity_options *o);

/* ---- opening without following links (integrity_open.c) ---- */
/*
 * Opens name in dfd as a regular file (or a directory) without following
 * a symlink, and checks with fstat that it is the inode `seen` describes.
 * Returns a descriptor, or MEDSEC_ERR_STATE if the entry was swapped,
 * MEDSEC_ERR_PERMISSION / MEDSEC_ERR_NOT_FOUND / MEDSEC_ERR_IO.
 */
int integrity_open_file(int dfd, const char *name, const struct stat *seen);
int integrity_open_dir(int dfd, const char *name, const struct stat *seen);
/*
 * Opens relpath below the directory dirpath one component at a time, each
 * with O_NOFOLLOW, so no symlink anywhere below dirpath is followed. flags
 * is O_RDONLY for a file or O_DIRECTORY for a directory.
 */
int integrity_open_beneath(const char *dirpath, const char *relpath,
    int flags);
/* Maps errno after an open to a MEDSEC_ERR_* code. */
int integrity_errno_code(int e);

/*
 * Appends one audit record as "medsec-integrity" (or actor), source
 * "local", with the details built in d; a builder error (a programming
 * error: every value is bounded) is returned and nothing is written.
 */
struct medsec_audit;
struct medsec_audit_detail;
int integrity_record(struct medsec_audit *audit, const char *actor,
    const char *object, int event, int outcome, const char *reason,
    struct medsec_audit_detail *d);

/* Bytes of an escaped root path kept in a record's details. */
#define INTEGRITY_DETAIL_ROOT_MAX 1024

/* ---- hashing (integrity_hash.c) ---- */
struct ihasher; /* one worker's context and buffer */
struct ipool;

int integrity_hasher_new(int alg, struct ihasher **hp);
void integrity_hasher_free(struct ihasher *h);
/*
 * Hashes the open file fd into e (sets e->hashed, or e->err for a read
 * error or a size that differs from e->pub.size). Returns MEDSEC_OK or a
 * crypto library error, which stops everything.
 */
int integrity_hash_fd(struct ihasher *h, int fd, struct ientry *e);
/* Files and bytes this hasher has read. */
size_t integrity_hasher_files(const struct ihasher *h);
uint64_t integrity_hasher_bytes(const struct ihasher *h);

/* A pool of nthreads workers (nthreads >= 2). */
int integrity_pool_start(int alg, unsigned nthreads, struct ipool **pp);
/* Queues fd (the pool closes it) for e; blocks while the queue is full. */
int integrity_pool_submit(struct ipool *p, int fd, struct ientry *e);
/* Drains the queue, joins and frees; returns the first crypto error. */
int integrity_pool_finish(struct ipool *p, size_t *filesp,
    uint64_t *bytesp);

/* ---- walking a tree (integrity_walk.c) ---- */
/*
 * Builds the manifest of the tree under root into *mp. With ref (verify),
 * only regular files that ref lists as regular files of the same size are
 * hashed, and an entry that cannot be read is marked (e->err) instead of
 * stopping the walk.
 */
int integrity_walk(const char *root, const struct medsec_integrity_manifest *ref,
    const struct medsec_integrity_options *opts,
    struct medsec_integrity_manifest **mp, size_t *filesp, uint64_t *bytesp,
    char *err, size_t errlen);

/* Hashes one file below root again, as the walk does (restore re-check). */
int integrity_rescan_file(const char *root, const char *path, int alg,
    struct medsec_integrity_entry *out);

/* ---- restore (integrity_restore.c) ---- */
/*
 * Copies path back from known_good into root if the manifest lists it as
 * a regular file and the known-good copy matches it, then checks the
 * result. err says why not.
 */
int integrity_restore(const struct medsec_integrity_manifest *m,
    const char *root, const char *known_good, const char *path, char *err,
    size_t errlen);

#endif
