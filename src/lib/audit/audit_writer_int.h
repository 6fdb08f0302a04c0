/* The writer's state, shared by audit_writer.c and audit_recover.c. */
#ifndef MEDSEC_AUDIT_WRITER_INT_H
#define MEDSEC_AUDIT_WRITER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "audit_int.h"

#define HELD_MAX 256
#define BATCH_MAX (64u << 20)
#define MAC_SECRET_LEN (8 + AUDIT_MAC_LEN) /* epoch || key */

struct held_event {
	struct medsec_audit_event_in ev;
	char *strings[5];
	int64_t time_us;
};

/* A submitted record waiting for medsec_audit_commit() (audit_async.c). */
struct audit_async_req {
	uint64_t seq;
	uint64_t load_gen; /* the writer state it was encoded in */
	medsec_audit_done_fn done;
	void *arg;
};

struct audit_async_queue {
	struct audit_async_req *req;
	size_t n, cap;
	size_t bytes; /* encoded bytes of the queued records */
};

struct batch {
	uint8_t *p;
	size_t len, cap;
	size_t count; /* records */
	uint64_t last_seq;
};

struct medsec_audit {
	char dir[4096];
	struct medsec_keystore *ks;
	struct medsec_audit_options opts;
	int lockfd;
	int segfd;
	struct audit_seg_header seg;
	uint64_t seg_durable; /* bytes of the segment on disk */
	uint64_t seg_pending; /* plus those encoded but not yet written */
	uint8_t chain[AUDIT_CHAIN_LEN];
	uint64_t next_seq;
	int64_t max_time_us;  /* newest record time seen */
	int clock_behind;     /* a TIME_ANOMALY was written for this step */
	uint64_t epoch;
	uint32_t epoch_count; /* records in the current epoch */
	int64_t epoch_start_mono;
	uint8_t *mac_key; /* secure memory */
	struct medsec_hmac_ctx *mac;
	struct medsec_hash_ctx *hash;
	int sign_alg;
	char identity_key_id[MEDSEC_KEY_ID_LEN];
	char mac_key_id[MEDSEC_KEY_ID_LEN];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Group commit: callers inside medsec_audit_append(); a leader about
	 * to flush waits (briefly) until each has a record in its batch. */
	atomic_int inside;
	pthread_cond_t gathered;
	struct batch batch, spare;
	/* Read without the lock by waiters (see wait_durable_unlock). */
	atomic_int flushing;
	_Atomic uint64_t durable_seq;
	atomic_int failed;
	atomic_uint flush_gen; /* futex word: +1 after every flush */
	atomic_int flush_waiters; /* asleep on flush_gen, or about to be */
	/* A checkpoint waiting to become durable before its key and anchor
	 * are persisted (persisting first could make a crash look like
	 * truncation). */
	uint64_t ckpt_seq;
	struct audit_anchor anchor;
	/* Before this (monotonic) time a durable checkpoint waits to be
	 * persisted by a later flush (PERSIST_SPACING_US, audit_writer.c). */
	int64_t persist_after_mono;
	/* The database's state generation, recorded in every checkpoint
	 * once known: the newest the trail holds, or the caller's newer one. */
	int have_state_gen;
	uint64_t state_gen;
	struct held_event held[HELD_MAX];
	size_t nheld;
	uint64_t dropped;
	/* Asynchronous appends: the queue, and a spare array a commit hands
	 * back so that steady operation does not allocate. */
	struct audit_async_queue async, async_spare;
	/* +1 whenever the chain state is (re)loaded from disk: a sequence
	 * number from before a reopen may name another record after it. */
	uint64_t load_gen;
};

/* audit_writer.c */
int audit_mac_rekey(struct medsec_audit *a);
int audit_mac_key_store(struct medsec_keystore *ks, uint64_t epoch,
    const uint8_t *key);
int audit_mac_key_load(struct medsec_audit *a, uint64_t *epochp);
int audit_identity_load(struct medsec_audit *a);
/* Reserves the open segment's blocks up to its rotation size. */
void audit_segment_preallocate(struct medsec_audit *a);
/* Starts segment segno; segment 1 gets the genesis anchor first. */
int audit_segment_create(struct medsec_audit *a, uint64_t segno);
void audit_wait_flush_locked(struct medsec_audit *a);
int audit_options_check(const struct medsec_audit_options *o);
int audit_append_locked(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, const char *details,
    int64_t time_us, uint16_t flags, uint64_t *seqp);
/* Encodes a record into the batch (rotating, checkpointing when due). */
int audit_encode_event_locked(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, const char *details,
    int64_t time_us, uint16_t flags, uint64_t *seqp);
/* Leads or waits for flushes until seq is durable or the trail failed. */
int audit_wait_durable_locked(struct medsec_audit *a, uint64_t seq);
/*
 * Persists the newest checkpoint's key and anchor now if it is durable
 * and not yet persisted (a flush may have put it off); a failure fails
 * the trail.
 */
int audit_persist_checkpoint_locked(struct medsec_audit *a);

/*
 * audit_async.c: reports every queued asynchronous record (close), and
 * frees the queues (audit_free).
 */
int audit_async_drain(struct medsec_audit *a);
void audit_async_free(struct medsec_audit *a);

/*
 * audit_recover.c: loads the chain state from disk, cutting a torn tail;
 * MEDSEC_ERR_TAMPERED with report->message saying why.
 */
int audit_load_state(struct medsec_audit *a,
    struct medsec_audit_open_report *report);

#endif
