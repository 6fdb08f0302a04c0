/*
 * The audit verifier's deferred checks. The chain is sequential only in
 * appearance: record n links to the stored hash of record n-1, so
 * H(stored[n-1] || body[n]) == stored[n] can be checked for every record
 * at once, and the first record where it fails is the first record where
 * the sequential recomputation would fail. The verifier reads, frames and
 * orders records on its own thread and hands each record's chain link,
 * MAC and checkpoint signature to a pool of worker threads in bounded
 * batches; the pool reports the earliest failure by sequence number.
 */
#ifndef MEDSEC_AUDIT_VERIFY_INT_H
#define MEDSEC_AUDIT_VERIFY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit_int.h"

/* A batch closes at this many records (or when its buffer is full). */
#define AUDIT_VBATCH_RECORDS 1024
/* Bytes of records, chain links and checkpoint statements per batch. */
#define AUDIT_VBATCH_BYTES (512u * 1024u)
/* Epoch keys one batch may carry (a checkpoint starts a new epoch). */
#define AUDIT_VBATCH_KEYS 8
/* Worker threads at most; memory is this many batches, twice, and one. */
#define AUDIT_VPOOL_THREADS_MAX 8

enum audit_vcheck {
	AUDIT_VCHECK_NONE = 0,
	AUDIT_VCHECK_CHAIN,	/* H(previous || body) is not the stored one */
	AUDIT_VCHECK_MAC,	/* the stored MAC does not verify */
	AUDIT_VCHECK_SIGNATURE, /* the checkpoint signature does not verify */
	AUDIT_VCHECK_ERROR	/* a crypto or memory error, in code */
};

/* Where and what the earliest failed check was. */
struct audit_vfailure {
	int check; /* enum audit_vcheck */
	int code;  /* MEDSEC_ERR_* when check is AUDIT_VCHECK_ERROR */
	uint64_t seq, epoch, segno, offset;
};

struct audit_vpool;

/*
 * Starts the workers; signatures are checked against opts' public key.
 * With no thread available the checks run on the caller's thread.
 */
int audit_vpool_new(const struct medsec_audit_verify_options *opts,
    struct audit_vpool **poolp);

/*
 * Queues record rec (its raw bytes at raw) of segment segno at file
 * offset off: its chain link to prev and, given the key of its epoch,
 * its MAC. Blocks while every batch is in use, so memory stays bounded.
 */
int audit_vpool_add(struct audit_vpool *p, const uint8_t prev[AUDIT_CHAIN_LEN],
    const uint8_t *raw, const struct audit_rec *rec, uint64_t segno,
    uint64_t off, const uint8_t *key);

/* Adds a checkpoint signature check to the record queued last. */
int audit_vpool_add_signature(struct audit_vpool *p, const uint8_t *msg,
    size_t msglen, const uint8_t sig[MEDSEC_SIGN_LEN]);

/* Nonzero once some queued check failed: reading on is wasted work. */
int audit_vpool_failed(struct audit_vpool *p);

/*
 * Runs every queued check to the end and stops the workers. *f is the
 * failure with the lowest sequence number, or check AUDIT_VCHECK_NONE.
 */
void audit_vpool_finish(struct audit_vpool *p, struct audit_vfailure *f);

/* Finishes if needed, wipes the keys and frees; NULL is a no-op. */
void audit_vpool_free(struct audit_vpool *p);

#endif
