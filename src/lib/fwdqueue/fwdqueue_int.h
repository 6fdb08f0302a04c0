/*
 * fwdqueue internals: the handle, the sealing of a batch and its data key
 * (fwdqueue_seal.c), the checks of a row read back from the database
 * (fwdqueue_row.c, fuzzed: the row comes from disk) and the queue's
 * storage (fwdqueue_store.c).
 */
#ifndef MEDSEC_FWDQUEUE_INT_H
#define MEDSEC_FWDQUEUE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/fwdqueue.h"

struct medsec_audit;
struct medsec_db;
struct medsec_keystore;

/* The keystore key that wraps every batch's data key. */
#define FWDQ_KEK_NAME "fwdqueue"
/* A wrapped data key: nonce, sealed key, tag. */
#define FWDQ_WRAPPED_LEN \
	(MEDSEC_AEAD_NONCE_LEN + MEDSEC_AEAD_KEY_LEN + MEDSEC_AEAD_TAG_LEN)
/* Associated data: a label, the device id and the row's numbers. */
#define FWDQ_AD_MAX (32 + MEDSEC_CONFIG_ID_MAX + 32)

struct medsec_fwdqueue {
	struct medsec_db *db;
	struct medsec_audit *audit; /* NULL: a read-only handle */
	struct medsec_keystore *ks;
	char device_id[MEDSEC_CONFIG_ID_MAX];
	int alg;		 /* the device profile's AEAD, for new batches */
	int kek_alg;
	uint8_t *kek;		 /* secure memory, no access while idle; NULL
				    until the key exists */
	struct medsec_fwdqueue_limits lim;
	int log_pending;	 /* deleted pages may still be in the WAL */
	uint64_t tamper_reported; /* newest altered batch audited */
};

/* A row as read from fwd_batch; the blobs point into the statement. */
struct fwdq_row {
	uint64_t seq;
	int64_t created;
	int64_t readings;
	int64_t alg;
	const uint8_t *nonce;
	size_t noncelen;
	const uint8_t *wrapped;
	size_t wrappedlen;
	const uint8_t *ct;
	size_t ctlen;
};

/* fwdqueue_row.c */
/*
 * Checks what a row read back claims before any of it is used: sequence
 * number, readings within range, an AEAD algorithm this build implements,
 * field lengths as written. MEDSEC_ERR_AUTH otherwise (a row is only ever
 * altered on disk, and every authentication failure looks the same).
 */
int fwdq_row_check(const struct fwdq_row *row);

/* fwdqueue_seal.c */
/* Builds the associated data binding a batch to device and row. */
size_t fwdq_batch_ad(const char *device_id, uint64_t seq, uint32_t readings,
    int64_t created, int alg, uint8_t ad[FWDQ_AD_MAX]);
/*
 * Seals batch under a fresh data key (ct gets len + tag bytes), and that
 * key under kek into wrapped. The data key is wiped before return.
 */
int fwdq_seal(const struct medsec_fwdqueue *q, const struct fwdq_row *row,
    const uint8_t *batch, size_t len, uint8_t nonce[MEDSEC_AEAD_NONCE_LEN],
    uint8_t wrapped[FWDQ_WRAPPED_LEN], uint8_t *ct);
/*
 * Checks the row, unwraps its data key with kek and opens its ciphertext
 * into pt (row->ctlen - tag bytes). MEDSEC_ERR_AUTH for any mismatch.
 */
int fwdq_open_row(int kek_alg, const uint8_t kek[MEDSEC_AEAD_KEY_LEN],
    const char *device_id, const struct fwdq_row *row, uint8_t *pt);

/* fwdqueue.c */
/* Makes the wrapping key readable for one operation, and hides it again. */
int fwdq_kek_use(struct medsec_fwdqueue *q);
void fwdq_kek_done(struct medsec_fwdqueue *q);
/* Audits a committed loss (FWD_QUEUE_DROPPED or FWD_QUEUE_EXPIRED). */
void fwdq_audit_loss(struct medsec_fwdqueue *q, int event,
    const struct medsec_fwdqueue_loss *loss, const char *reason);
/*
 * Clears deleted rows from the write-ahead log (checkpoint, truncate);
 * remembered and retried by the next call when it cannot finish now.
 */
int fwdq_clear_log(struct medsec_fwdqueue *q);

#endif
