/*
 * Audit trail internals: the on-disk format (docs/formats/audit-log.md),
 * shared by the writer, the reader and the verifier.
 */
#ifndef MEDSEC_AUDIT_INT_H
#define MEDSEC_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "core/le.h"

#define AUDIT_SEG_MAGIC "MEDSECAL"
#define AUDIT_FORMAT_VERSION 1
#define AUDIT_SEG_HEADER_LEN 128
#define AUDIT_REC_VERSION 1
#define AUDIT_REC_FIXED_LEN 44
#define AUDIT_CHAIN_LEN 32 /* SHA-256 chain hash */
#define AUDIT_MAC_LEN 32   /* HMAC-SHA-256 */
/* Largest record: fixed part, four fields, details, hash and MAC. */
#define AUDIT_REC_MAX \
	(AUDIT_REC_FIXED_LEN + 4 * MEDSEC_AUDIT_FIELD_MAX + \
	    MEDSEC_AUDIT_DETAILS_MAX + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN)

/* Upper bound of a checkpoint record (fields and signature details). */
#define AUDIT_CHECKPOINT_SPACE 512

#define AUDIT_FLAG_HELD 0x0001 /* written late: held while storage failed */

#define AUDIT_SEG_PREFIX "seg-"
#define AUDIT_SEG_SUFFIX ".log"
#define AUDIT_ANCHOR_NAME "anchor"
#define AUDIT_LOCK_NAME "lock"
#define AUDIT_MAC_KEY_NAME "audit-mac"
#define AUDIT_IDENTITY_KEY_NAME "identity"
#define AUDIT_MAX_SEGMENTS 100000000ULL

#define AUDIT_EVOLVE_LABEL "medsec-audit-evolve-v1"
#define AUDIT_CHECKPOINT_LABEL "medsec-audit-checkpoint-v1"
#define AUDIT_ANCHOR_MAGIC "MEDSECAN"
#define AUDIT_ANCHOR_LEN (8 + 2 + 2 + 8 + 8 + 8 + AUDIT_CHAIN_LEN + 64)
#define AUDIT_VERIFIER_HEADER "medsec-audit-verifier v1"

struct audit_seg_header {
	uint16_t version;
	uint16_t hash_alg;
	uint16_t mac_alg;
	uint16_t sign_alg;
	uint64_t segno;
	uint64_t first_seq;
	uint64_t epoch;
	uint8_t prev_chain[AUDIT_CHAIN_LEN];
	char identity_key_id[MEDSEC_KEY_ID_LEN];
	char mac_key_id[MEDSEC_KEY_ID_LEN];
	int64_t created_us;
};

/* A decoded record: strings point into the caller's copy, NUL-terminated. */
struct audit_rec {
	uint32_t len;	  /* total bytes on disk */
	uint16_t event;
	uint8_t outcome;
	uint16_t flags;
	uint64_t seq;
	int64_t time_us;
	uint64_t epoch;
	size_t body_len;  /* bytes covered by the chain hash */
	const uint8_t *hash; /* stored chain hash */
	const uint8_t *mac;  /* stored MAC */
	uint16_t field_len[5];
	const uint8_t *field[5]; /* actor, source, object, reason, details */
};

enum { F_ACTOR, F_SOURCE, F_OBJECT, F_REASON, F_DETAILS };

/* A checkpoint's signed statement, parsed from its details. */
struct audit_checkpoint {
	uint64_t epoch;
	uint8_t sig[MEDSEC_SIGN_LEN];
	int have_state;
	uint64_t state; /* the database's state generation, when recorded */
};

/* Segment headers. */
void audit_seg_header_encode(const struct audit_seg_header *h,
    uint8_t out[AUDIT_SEG_HEADER_LEN]);
int audit_seg_header_decode(const uint8_t in[AUDIT_SEG_HEADER_LEN],
    struct audit_seg_header *h);
int audit_seg_name(char *out, size_t outlen, uint64_t segno);
/* Parses "seg-<16 digits>.log"; 0 if the name is not a segment. */
uint64_t audit_seg_parse_name(const char *name);
/* Lists segment numbers in dir, sorted; caller frees *segsp. */
int audit_seg_list(const char *dir, uint64_t **segsp, size_t *np);

/*
 * Checks an event and canonicalises its details (compact JSON, secret-
 * looking member names refused). *detailsp is malloc'd; caller frees.
 */
int audit_event_check(const struct medsec_audit_event_in *ev,
    char **detailsp);

/*
 * audit_async_details.c: details already in canonical form, checked
 * without a JSON tree. 1 and *outp a malloc'd copy when accepted (the
 * full parser would produce the same text), 0 when the text needs the
 * full parser, MEDSEC_ERR_NOMEM.
 */
int audit_details_plain(const char *details, char **outp);

/* Nonzero for a details member name that suggests a credential. */
int audit_secret_name(const char *name);

/* Encodes the body (everything the chain hash covers) into out. */
size_t audit_rec_encode_body(uint8_t *out, uint64_t seq, int64_t time_us,
    uint64_t epoch, uint16_t flags, const struct medsec_audit_event_in *ev,
    const char *details);

/*
 * Decodes one record at buf (avail bytes). Returns the record length,
 * 0 if more bytes are needed (torn or short), or MEDSEC_ERR_FORMAT.
 */
int audit_rec_decode(const uint8_t *buf, size_t avail, struct audit_rec *rec);

/* Chain hash: H(prev || body). */
int audit_chain_hash(struct medsec_hash_ctx *h, const uint8_t *prev,
    const uint8_t *body, size_t body_len, uint8_t out[AUDIT_CHAIN_LEN]);

/* Evolves a MAC key one epoch forward in place (old value wiped). */
int audit_evolve_key(uint8_t key[AUDIT_MAC_LEN], uint64_t new_epoch);

/* The message a checkpoint signature covers. */
size_t audit_checkpoint_message(uint8_t *out, uint64_t seq, uint64_t epoch,
    int64_t time_us, const uint8_t prev_chain[AUDIT_CHAIN_LEN]);
int audit_checkpoint_parse(const uint8_t *details, size_t len,
    struct audit_checkpoint *cp);

/* The anchor file: the newest checkpoint, signed, kept beside the log. */
struct audit_anchor {
	uint16_t sign_alg;
	uint64_t seq;
	uint64_t epoch;
	int64_t time_us;
	uint8_t chain[AUDIT_CHAIN_LEN];
	uint8_t sig[MEDSEC_SIGN_LEN];
};
size_t audit_anchor_signed_part(const struct audit_anchor *a, uint8_t *out);
void audit_anchor_encode(const struct audit_anchor *a,
    uint8_t out[AUDIT_ANCHOR_LEN]);
int audit_anchor_decode(const uint8_t *in, size_t len, struct audit_anchor *a);
/*
 * Reads dir/anchor; MEDSEC_ERR_NOT_FOUND if there is none. Every trail has
 * one from its creation on: seq 0 (the genesis anchor) signs the hash of
 * segment 1's header, later ones the newest checkpoint.
 */
int audit_anchor_read(const char *dir, struct audit_anchor *a);

/*
 * The stored chain hash of record seq, found through the segment headers
 * (framing only: medsec_audit_verify() recomputes). MEDSEC_ERR_NOT_FOUND
 * if the trail has no such record.
 */
int audit_stored_chain_at(const char *dir, uint64_t seq,
    uint8_t chain[AUDIT_CHAIN_LEN]);


/*
 * Sequential scanner over one segment file with a fixed-size buffer, so
 * memory stays flat however long the trail grows.
 */
#define AUDIT_SCAN_BUF (1u << 20)
#define AUDIT_SCAN_TORN 2 /* bytes at the end that are not a whole record */

struct audit_scan {
	int fd;
	uint8_t *buf;
	size_t start, end;	/* unread bytes are buf[start..end) */
	uint64_t offset;	/* file offset of buf[start] */
	int eof;
};

/* Opens path and reads its header. The caller closes with _close. */
int audit_scan_open(struct audit_scan *s, const char *path,
    struct audit_seg_header *h, uint8_t raw_header[AUDIT_SEG_HEADER_LEN]);
/*
 * Next record: 1 (rec filled, valid until the next call; *offp its file
 * offset), 0 at a clean end, AUDIT_SCAN_TORN for a partial record at the
 * end, MEDSEC_ERR_FORMAT for bytes that cannot be a record, or an I/O error.
 */
int audit_scan_next(struct audit_scan *s, struct audit_rec *rec,
    uint64_t *offp);
void audit_scan_close(struct audit_scan *s);
/*
 * Framing only: the sequence number and stored chain hash of record seq
 * in the segment at path, or of its last complete record when seq is 0.
 * MEDSEC_ERR_NOT_FOUND if there is no such record.
 */
int audit_scan_find(const char *path, uint64_t seq, uint64_t *seqp,
    uint8_t hash[AUDIT_CHAIN_LEN]);

#endif
