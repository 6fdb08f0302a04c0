/*
 * medsec fwdqueue: the store-and-forward queue of a device that sends
 * health records (MFDS 1.16, 1.20).
 *
 * While the hospital's collector is unreachable, batches of readings
 * wait here, each encrypted under its own data key (the device profile's
 * AEAD: AES-256-GCM, or ARIA-256-GCM under kcmvp), the data key wrapped
 * by the keystore. A batch is delivered oldest first; once the collector
 * acknowledges it, the batch and its wrapped key are destroyed so that
 * not even an image of the disk recovers them (the database's deleted
 * pages are zeroed and its write-ahead log is checkpointed and
 * truncated). The queue is bounded in batches, bytes and age: a full
 * queue drops its oldest batches first and an expired batch is dropped,
 * each loss audited after it commits, so a record is never lost without
 * a trace.
 *
 * Owned by the privileged process that holds the device (the daemon's
 * monitor): the uplink that talks to the collector hands batches over
 * and acknowledges them, it never sees the keystore.
 *
 * Not thread-safe: one handle per device handle.
 */
#ifndef MEDSEC_FWDQUEUE_H
#define MEDSEC_FWDQUEUE_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_device;
struct medsec_fwdqueue;

/* The largest batch the queue accepts, in bytes of plaintext. */
#define MEDSEC_FWDQUEUE_BATCH_MAX (1024u * 1024u)

struct medsec_fwdqueue_limits {
	uint32_t max_batches;	  /* >= 1 */
	uint64_t max_bytes;	  /* of stored ciphertext, >= one batch */
	int64_t max_age_seconds;  /* >= 1: older batches are dropped */
};

/* What a put or an expiry dropped (zero when nothing was). */
struct medsec_fwdqueue_loss {
	uint32_t batches;
	uint64_t readings;
	uint64_t first_seq;	/* the oldest batch dropped */
	uint64_t last_seq;	/* the newest batch dropped */
};

struct medsec_fwdqueue_stats {
	uint32_t batches;	  /* waiting */
	uint64_t bytes;		  /* of ciphertext waiting */
	uint64_t readings;	  /* in the waiting batches */
	uint64_t oldest_seq;	  /* 0: empty */
	int64_t oldest_created;	  /* unix seconds; 0: empty */
	uint64_t next_seq;	  /* the sequence number the next put gets */
	uint64_t lost_batches;	  /* dropped (full or expired) since creation */
	uint64_t lost_readings;
};

/*
 * Opens the queue of dev (its tables are created on first use, its
 * wrapping key generated in the keystore on first use). The limits are
 * copied. MEDSEC_ERR_INVALID for a limit out of range.
 *
 * On a device opened MEDSEC_DEVICE_READ_ONLY (no audit trail) the handle
 * only reads: stats and next work, put, ack and expire return
 * MEDSEC_ERR_STATE, and no key is made.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_fwdqueue_open(struct medsec_device *dev,
    const struct medsec_fwdqueue_limits *limits,
    struct medsec_fwdqueue **qp);

/* Wipes and frees; NULL is a no-op. */
MEDSEC_API
void medsec_fwdqueue_close(struct medsec_fwdqueue *q);

/*
 * Stores a batch of `readings` readings durably (synced before return)
 * and sets *seqp to its sequence number (increasing, never reused). When
 * the queue would exceed its limits the oldest batches are dropped in
 * the same transaction and reported in *lossp (may be NULL), then
 * audited. MEDSEC_ERR_TOO_LARGE over MEDSEC_FWDQUEUE_BATCH_MAX or over
 * max_bytes on its own; MEDSEC_ERR_INVALID for an empty batch or zero
 * readings; on any error nothing is stored or dropped. (As with any
 * database, an error from the final sync itself cannot say whether the
 * commit reached the disk: the batch may then be found whole, under its
 * sequence number, after a restart. Never half of it.)
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_fwdqueue_put(struct medsec_fwdqueue *q, const uint8_t *batch,
    size_t len, uint32_t readings, uint64_t *seqp,
    struct medsec_fwdqueue_loss *lossp);

/*
 * The oldest waiting batch whose sequence number is greater than after
 * (0: the oldest of all), decrypted into a new buffer *batchp of *lenp
 * bytes that the caller releases with medsec_fwdqueue_batch_free.
 * MEDSEC_ERR_NOT_FOUND when there is none; MEDSEC_ERR_AUTH when a stored
 * batch or its wrapped key was altered: the batch is left in place (it
 * goes with the limits and expiry, like any other), *seqp names it so
 * that the caller can go on after it, and it is audited
 * (INTEGRITY_FAILURE) once per handle.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_fwdqueue_next(struct medsec_fwdqueue *q, uint64_t after,
    uint64_t *seqp, uint8_t **batchp, size_t *lenp, uint32_t *readingsp);

/* Wipes and frees a batch from medsec_fwdqueue_next; NULL is a no-op. */
MEDSEC_API
void medsec_fwdqueue_batch_free(uint8_t *batch, size_t len);

/*
 * The collector acknowledged batch seq: it and its wrapped key are
 * destroyed and the deletion is synced. MEDSEC_ERR_NOT_FOUND for a
 * sequence number not waiting (already acknowledged or dropped). An
 * error after the deletion committed (the write-ahead log could not be
 * checkpointed and truncated: another reader held it, or I/O failed)
 * is returned as such: the batch is no longer waiting (asking again gives
 * MEDSEC_ERR_NOT_FOUND) and the log is cleared again by the next call.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_fwdqueue_ack(struct medsec_fwdqueue *q, uint64_t seq);

/*
 * Drops the batches created max_age_seconds or more before now (unix
 * seconds, from the clock seam in the daemon), reported in *lossp (may
 * be NULL) and audited after the commit.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_fwdqueue_expire(struct medsec_fwdqueue *q, int64_t now,
    struct medsec_fwdqueue_loss *lossp);

MEDSEC_API MEDSEC_MUST_CHECK
int medsec_fwdqueue_stats(struct medsec_fwdqueue *q,
    struct medsec_fwdqueue_stats *st);

#ifdef __cplusplus
}
#endif
#endif
