/*
 * medsec audit: the tamper-evident audit trail (MFDS 2.1).
 *
 * Every security decision writes a record here: sequence number, UTC time,
 * event type, actor, source, object, outcome and a bounded JSON object of
 * details. Records are stored in append-only segment files under a
 * directory, and protected three ways (docs/formats/audit-log.md):
 *
 *  - a hash chain: each record's hash commits to the previous one;
 *  - a forward-secure MAC: an HMAC of each record's chain hash under an
 *    epoch key that evolves after every checkpoint, the old key wiped, so an
 *    attacker who takes the device later cannot re-forge earlier records;
 *    the verifier holds the initial key, exported once at provisioning;
 *  - Ed25519 (or the profile's) signed checkpoints closing each epoch, so
 *    anyone holding only the device's public key detects modification,
 *    deletion, insertion, reordering and truncation past a checkpoint.
 *
 * Durability: medsec_audit_append() returns only once its record is on
 * stable storage (fdatasync). Concurrent appends are group-committed.
 */
#ifndef MEDSEC_AUDIT_H
#define MEDSEC_AUDIT_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"
#include "medsec/keystore.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The event vocabulary, in one place. Values are stored in records: never
 * renumber, only add. medsec_audit_event_info() gives names and mappings.
 */
enum medsec_audit_event {
	/* access to the device */
	MEDSEC_EV_LOGIN_SUCCESS = 100,
	MEDSEC_EV_LOGIN_FAILURE = 101,
	MEDSEC_EV_LOGOUT = 102,
	MEDSEC_EV_SESSION_EXPIRED = 103,
	MEDSEC_EV_SESSION_ENDED = 104, /* replaced by a newer login, killed */
	MEDSEC_EV_ACCOUNT_LOCKED = 105,
	MEDSEC_EV_ACCOUNT_UNLOCKED = 106,
	MEDSEC_EV_PASSWORD_CHANGED = 107,
	MEDSEC_EV_EMERGENCY_ACCESS = 108,
	MEDSEC_EV_REAUTH_FAILURE = 109,
	MEDSEC_EV_SESSION_THERAPY = 110, /* therapy supervision on/off */
	MEDSEC_EV_SETUP_CODE_ISSUED = 111,
	MEDSEC_EV_EMERGENCY_SEALED = 112,
	/* personal health records */
	MEDSEC_EV_PHR_CREATE = 200,
	MEDSEC_EV_PHR_READ = 201,
	MEDSEC_EV_PHR_UPDATE = 202,
	MEDSEC_EV_PHR_DELETE = 203,
	/* Store-and-forward queue losses (MFDS 1.20): batches of readings
	 * dropped undelivered, with counts and sequence range. */
	MEDSEC_EV_FWD_QUEUE_DROPPED = 210, /* full: oldest dropped */
	MEDSEC_EV_FWD_QUEUE_EXPIRED = 211, /* older than the maximum age */
	/* delivered later than [uplink] delivery_bound, in aggregate */
	MEDSEC_EV_FWD_DELIVERY_LATE = 212,
	/* authorisation and administration */
	MEDSEC_EV_PERMISSION_DENIED = 300,
	MEDSEC_EV_USER_CREATED = 301,
	MEDSEC_EV_USER_MODIFIED = 302,
	MEDSEC_EV_USER_DISABLED = 303,
	MEDSEC_EV_ROLE_CHANGED = 304,
	MEDSEC_EV_CONFIG_CHANGED = 305,
	MEDSEC_EV_DEVICE_PROVISIONED = 306,
	MEDSEC_EV_KEY_GENERATED = 307,
	MEDSEC_EV_KEY_ROTATED = 308,
	MEDSEC_EV_KEY_DESTROYED = 309,
	MEDSEC_EV_USER_DELETED = 310,
	MEDSEC_EV_CERT_REVOKED = 311,
	/* updates */
	MEDSEC_EV_UPDATE_RECEIVED = 400,
	MEDSEC_EV_UPDATE_VERIFIED = 401,
	MEDSEC_EV_UPDATE_REJECTED = 402,
	MEDSEC_EV_UPDATE_APPROVED = 403,
	MEDSEC_EV_UPDATE_INSTALLED = 404,
	MEDSEC_EV_UPDATE_COMMITTED = 405,
	MEDSEC_EV_UPDATE_ROLLED_BACK = 406,
	/* integrity, network, availability, incidents */
	MEDSEC_EV_INTEGRITY_OK = 500,
	MEDSEC_EV_INTEGRITY_FAILURE = 501,
	MEDSEC_EV_PEER_REFUSED = 502,
	MEDSEC_EV_TLS_FAILURE = 503,
	MEDSEC_EV_THROTTLED = 504,
	MEDSEC_EV_INCIDENT = 505,
	MEDSEC_EV_TIME_ANOMALY = 506,
	/* the audit trail and the application itself */
	MEDSEC_EV_AUDIT_STARTED = 600,
	MEDSEC_EV_AUDIT_STOPPED = 601,
	MEDSEC_EV_AUDIT_CHECKPOINT = 602,
	MEDSEC_EV_LOG_RECOVERED = 603,
	MEDSEC_EV_AUDIT_EXPORTED = 604,
	MEDSEC_EV_AUDIT_VERIFIED = 605,
	MEDSEC_EV_AUDIT_DEGRADED = 606,
	MEDSEC_EV_APP_START = 607,
	MEDSEC_EV_APP_STOP = 608,
};

/* How an event maps onto DICOM PS3.15 A.5 / IHE ATNA. */
enum medsec_audit_category {
	MEDSEC_AUDIT_CAT_AUTH = 1,     /* 110114 User Authentication */
	MEDSEC_AUDIT_CAT_PHR,	       /* 110110 Patient Record */
	MEDSEC_AUDIT_CAT_SECURITY,     /* 110113 Security Alert */
	MEDSEC_AUDIT_CAT_APPLICATION,  /* 110100 Application Activity */
};

struct medsec_audit_event_info {
	int event;		/* enum medsec_audit_event */
	const char *name;	/* "LOGIN_FAILURE" */
	const char *description; /* "user login failed" */
	int category;		/* enum medsec_audit_category */
	const char *dicom_type; /* EventTypeCode csd-code, or NULL */
	const char *dicom_type_text; /* its originalText */
	char action;		/* DICOM EventActionCode: C R U D E */
	int syslog_severity;	/* RFC 5424 severity 0..7 */
};

/* NULL for an unknown event. */
MEDSEC_API
const struct medsec_audit_event_info *medsec_audit_event_info(int event);
MEDSEC_API
const struct medsec_audit_event_info *medsec_audit_event_by_name(
    const char *name);
/* All events, for iteration; *np gets the count. */
MEDSEC_API
const struct medsec_audit_event_info *medsec_audit_events(size_t *np);

enum medsec_audit_outcome {
	MEDSEC_AUDIT_SUCCESS = 0,
	MEDSEC_AUDIT_FAILURE = 1,
};

/* Bounds, checked before anything is written. */
#define MEDSEC_AUDIT_FIELD_MAX 256   /* actor, source, object, reason */
#define MEDSEC_AUDIT_DETAILS_MAX 4096 /* details JSON object text */

/*
 * An event to record. Strings are UTF-8 and may be NULL (stored as "").
 * source is a network address or "local". details is a JSON object text
 * (or NULL for {}); it is parsed, re-encoded compactly, and refused if a
 * member name suggests a secret (password, token, secret, private key,
 * pin, otp): records never carry credentials.
 */
struct medsec_audit_event_in {
	int event;
	const char *actor;
	const char *source;
	const char *object;
	int outcome;
	const char *reason;
	const char *details;
};

/*
 * Details, built typed and bounded: a flat JSON object that the trail
 * always accepts, so a record is never refused for its details.
 *
 *	struct medsec_audit_detail d;
 *	const char *text;
 *
 *	medsec_audit_detail_init(&d);
 *	medsec_audit_detail_str(&d, "product", rec->product);
 *	medsec_audit_detail_u64(&d, "security_counter", rec->counter);
 *	if ((r = medsec_audit_detail_end(&d, &text)) != MEDSEC_OK)
 *		goto out;
 *	ev.details = text;
 *
 * The builder writes exactly what medsec_audit_append() stores (compact,
 * members in the order added, escapes as RFC 8259 with \b \t \n \f \r and
 * \u00XX for other control characters), and never more than
 * MEDSEC_AUDIT_DETAILS_MAX bytes, the bound append enforces.
 *
 * Keys are 1 to MEDSEC_AUDIT_DETAIL_KEY_MAX characters of [a-z0-9_],
 * starting with a letter, used once, and never a name the trail refuses as
 * a credential (password, token, secret, key, pin, ...). A bad or repeated
 * key is a programming error: MEDSEC_ERR_INVALID.
 *
 * Errors are sticky: the first one (MEDSEC_ERR_INVALID, or
 * MEDSEC_ERR_TOO_LARGE when a member does not fit) is kept, later adds do
 * nothing, and medsec_audit_detail_end() reports it. Callers check only
 * that one result. A value that can legitimately be long (a path, a
 * message from elsewhere) goes through medsec_audit_detail_str_trunc(), so
 * it is shortened on purpose instead of costing the record.
 *
 * The struct lives on the caller's stack; it holds no pointer and needs
 * no cleanup.
 */
#define MEDSEC_AUDIT_DETAIL_KEY_MAX 48

struct medsec_audit_detail {
	char text[MEDSEC_AUDIT_DETAILS_MAX + 1];
	size_t len; /* bytes in text, without the closing brace */
	int err;    /* first error, or MEDSEC_OK */
};

/* Starts an empty object. */
MEDSEC_API MEDSEC_NONNULL(1)
void medsec_audit_detail_init(struct medsec_audit_detail *d);

/*
 * Adds a string member; NULL is written as JSON null. The value is UTF-8:
 * each byte that is not part of a well-formed UTF-8 sequence (overlong
 * forms, surrogates and code points above U+10FFFF included) is written
 * as U+FFFD, so hostile text is kept visible and never costs the record.
 */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_audit_detail_str(struct medsec_audit_detail *d, const char *key,
    const char *value);

/*
 * As medsec_audit_detail_str(), but the escaped value takes at most
 * max_bytes bytes between its quotes: a longer one is cut at a character
 * boundary, ends in "..." (U+2026, counted in max_bytes) and is followed
 * by a member "<key>_truncated": true. That name must be a valid, unused
 * key whether or not the value is cut, and max_bytes at least 3; else
 * MEDSEC_ERR_INVALID.
 */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_audit_detail_str_trunc(struct medsec_audit_detail *d,
    const char *key, const char *value, size_t max_bytes);

/*
 * Adds an unsigned number. Values above INT64_MAX, which JSON readers
 * (the trail's own included) cannot hold, are written as a string of
 * their decimal digits.
 */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_audit_detail_u64(struct medsec_audit_detail *d, const char *key,
    uint64_t value);
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_audit_detail_i64(struct medsec_audit_detail *d, const char *key,
    int64_t value);
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_audit_detail_bool(struct medsec_audit_detail *d, const char *key,
    int value);

/* Adds bytes (a digest, a key id) as a string of lowercase hex digits. */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_audit_detail_hex(struct medsec_audit_detail *d, const char *key,
    const void *bytes, size_t len);

/*
 * Closes the object and points *textp at its text, valid while d is.
 * Returns MEDSEC_OK, or the first error (*textp is then NULL and the
 * caller MUST NOT append a record without its details). Adding after end
 * and calling end again is allowed.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2)
int medsec_audit_detail_end(struct medsec_audit_detail *d,
    const char **textp);

/* A record read back. Strings are NUL-terminated, never NULL. */
struct medsec_audit_record {
	uint64_t seq;
	int64_t time_us; /* microseconds since 1970 UTC */
	int event;
	int outcome;
	const char *actor;
	const char *source;
	const char *object;
	const char *reason;
	const char *details;
};

struct medsec_audit_options {
	uint32_t epoch_records; /* checkpoint after this many records */
	uint32_t epoch_seconds; /* ...or once this much time passed; 0 off */
	uint64_t segment_bytes; /* rotate segments at this size */
	/* How long medsec_audit_open() waits for another process's writer
	 * to finish before it gives up with MEDSEC_ERR_BUSY; 0: not at all. */
	uint32_t lock_wait_ms;
};

#define MEDSEC_AUDIT_LOCK_WAIT_MS 5000
#define MEDSEC_AUDIT_CHAIN_LEN 32

/* Fills the defaults: 1000 records, 3600 s, 16 MiB, 5 s lock wait. */
MEDSEC_API
void medsec_audit_options_default(struct medsec_audit_options *opts);

struct medsec_audit;

/*
 * Creates a new audit trail in dir (mode 0700) bound to the keystore's
 * "identity" key pair: generates the initial MAC key, writes it to
 * verifier_key_path (mode 0600, refusing to overwrite) for the operator to
 * move off the device, stores it sealed as "audit-mac", writes the
 * genesis anchor and then the first segment and an AUDIT_STARTED record
 * (so no trail is ever without an anchor). MEDSEC_ERR_EXISTS if dir
 * already holds a trail.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_create(const char *dir, struct medsec_keystore *ks,
    const struct medsec_audit_options *opts, const char *device_id,
    const char *verifier_key_path);

/* What medsec_audit_open() found and did. */
struct medsec_audit_open_report {
	uint64_t next_seq;     /* sequence number of the next record */
	uint64_t cut_bytes;    /* torn tail removed (0 if none) */
	uint64_t cut_from_seq; /* first sequence number cut away */
	int recovered;	       /* a LOG_RECOVERED record was written */
	/* When the trail is refused as tampered: what was found, where. */
	char message[256];
};

/*
 * Opens the trail for appending, taking an exclusive lock: while another
 * process holds it, waits up to opts->lock_wait_ms, then MEDSEC_ERR_BUSY.
 * The last segment is scanned: an incomplete record at its end (a torn
 * write left by a crash) is cut away, kept for review in
 * audit/recovered-*.bin, and reported with a LOG_RECOVERED record. A
 * complete record that does not check out (sequence, epoch, chain hash or
 * MAC) was changed after it was written: that is tampering, not a crash.
 * So are a missing segment or anchor, a segment header of another trail or
 * device, and a trail shorter than its signed anchor or key epoch: all are
 * refused with MEDSEC_ERR_TAMPERED and report->message says what was
 * found. Records of older segments are not re-read here:
 * medsec_audit_verify() checks everything. report may be NULL; opts NULL
 * means defaults.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_open(const char *dir, struct medsec_keystore *ks,
    const struct medsec_audit_options *opts, struct medsec_audit **ap,
    struct medsec_audit_open_report *report);

/*
 * Appends one record and returns once it is durable; *seqp (may be NULL)
 * gets its sequence number. Thread-safe: concurrent callers share syncs.
 * Fails closed: MEDSEC_ERR_INVALID for a bad event (nothing written),
 * MEDSEC_ERR_AUDIT_UNAVAILABLE once storage has failed (sticky until the
 * trail is reopened). A security operation that needs a record MUST NOT
 * proceed unless this returns MEDSEC_OK.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2)
int medsec_audit_append(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, uint64_t *seqp);

/*
 * For life-critical paths (keeping a therapy running) that must not stop
 * because the audit trail cannot be written. Behaves as
 * medsec_audit_append() while storage works. When it does not, the event
 * is held in a bounded in-memory queue, the trail is flagged degraded
 * (medsec_audit_degraded()) and MEDSEC_ERR_AUDIT_DEGRADED is returned: the
 * caller carries on and raises its alarm. Held events are written, marked
 * "held", first thing when the trail is reopened on the same handle with
 * medsec_audit_reopen().
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2)
int medsec_audit_append_critical(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, uint64_t *seqp);

/*
 * Whether a security operation may go ahead: MEDSEC_OK when the trail can
 * take a record now, MEDSEC_ERR_AUDIT_UNAVAILABLE when storage has failed
 * (sticky) or the file system holding the trail has less than
 * MEDSEC_AUDIT_RESERVE_BYTES free. Call it before changing security state,
 * so that an operation whose record could not be written is refused before
 * anything changes; the record itself is still appended after the commit.
 */
#define MEDSEC_AUDIT_RESERVE_BYTES (64u * 1024u)
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_ready(struct medsec_audit *a);

/*
 * Nonzero while the trail is failed or holds unwritten events; *heldp and
 * *droppedp (may be NULL) count events held and lost to queue overflow.
 */
MEDSEC_API
int medsec_audit_degraded(struct medsec_audit *a, size_t *heldp,
    uint64_t *droppedp);

/*
 * After a storage failure: recovers the files as medsec_audit_open() does,
 * clears the failure, and writes held events followed by an
 * AUDIT_DEGRADED record counting them.
 */
MEDSEC_API
int medsec_audit_reopen(struct medsec_audit *a);

/*
 * The device's security state as its database records it, and the trail's
 * head as a trusted copy last saw it: what the trail is cross-checked
 * against, so that putting back an older trail or an older database is
 * detected (docs/formats/audit-log.md, "Rollback").
 */
struct medsec_audit_expect {
	const char *source; /* where the values come from, for messages */
	/* The trail reached record head_seq with this chain hash (0: none). */
	uint64_t head_seq;
	uint8_t head_chain[MEDSEC_AUDIT_CHAIN_LEN];
	/* The sealed MAC key's epoch: the trail reached it. */
	int have_mac_epoch;
	uint64_t mac_epoch;
	/* The database's state generation: no older than any the trail
	 * recorded. */
	int have_generation;
	uint64_t generation;
};

struct medsec_db;

/*
 * Reads the database's state generation (bumped by every change to a
 * security table, in the same transaction) and the trail head saved by
 * medsec_audit_save_head() into *e; source is set to "the database".
 */
MEDSEC_API
int medsec_audit_db_state(struct medsec_db *db, struct medsec_audit_expect *e);

/*
 * Cross-checks an open trail against *e: MEDSEC_ERR_TAMPERED, with both
 * values named in msg, if the trail is shorter than or differs from the
 * saved head (an older trail put back) or recorded a newer generation than
 * the database has (an older database put back). From then on the
 * trail's checkpoints record e->generation (see medsec_audit_note_state).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_check_state(struct medsec_audit *a,
    const struct medsec_audit_expect *e, char *msg, size_t msglen);

/*
 * The database's state generation now: the next checkpoint records it,
 * so a database later put back to an older copy is detected.
 */
MEDSEC_API
void medsec_audit_note_state(struct medsec_audit *a, uint64_t generation);

/* The newest durable record's sequence number and chain hash. */
MEDSEC_API
int medsec_audit_head(struct medsec_audit *a, uint64_t *seqp,
    uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN]);

/*
 * Saves the trail's head into the database (after a checkpoint), so a
 * trail later put back to an older copy is detected.
 */
MEDSEC_API
int medsec_audit_save_head(struct medsec_db *db, struct medsec_audit *a);

/*
 * The epoch of the sealed MAC key in the keystore (no secret leaves).
 * While a writer is busy it may be behind the trail's epoch: a writer
 * stores the key of a closed epoch at most every 50 ms under load (up to
 * 1 s when the disk is slow), at medsec_audit_checkpoint() and at close.
 */
MEDSEC_API
int medsec_audit_key_epoch(struct medsec_keystore *ks, uint64_t *epochp);

/*
 * Writes a signed checkpoint now, closing the current epoch, and stores
 * its MAC key and anchor before it returns (checkpoints closed by the
 * record count store theirs at most every 50 ms under load).
 */
MEDSEC_API
int medsec_audit_checkpoint(struct medsec_audit *a);

/*
 * Syncs, stores the newest checkpoint's MAC key and anchor if a flush put
 * them off, and closes; NULL is a no-op. Returns the sticky error (or the
 * store's), if any.
 */
MEDSEC_API
int medsec_audit_close(struct medsec_audit *a);

/* ---- reading ---- */

struct medsec_audit_reader;

/* Opens the trail in dir for reading (no lock, no key needed). */
MEDSEC_API
int medsec_audit_reader_open(const char *dir,
    struct medsec_audit_reader **rp);

/*
 * Reads the next record: 1 and *rec filled (valid until the next call),
 * 0 at the end, or a negative error for malformed data. The reader checks
 * framing only; use medsec_audit_verify() for tamper evidence.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_reader_next(struct medsec_audit_reader *r,
    struct medsec_audit_record *rec);
MEDSEC_API
void medsec_audit_reader_close(struct medsec_audit_reader *r);

/* ---- verification ---- */

/* What tampering verification found. */
enum medsec_audit_problem {
	MEDSEC_AUDIT_INTACT = 0,
	MEDSEC_AUDIT_MALFORMED,		 /* bytes that are not a record */
	MEDSEC_AUDIT_MODIFIED,		 /* record content changed */
	MEDSEC_AUDIT_DELETED,		 /* records missing (gap) */
	MEDSEC_AUDIT_INSERTED,		 /* extra or replayed record */
	MEDSEC_AUDIT_REORDERED,		 /* sequence goes backwards */
	MEDSEC_AUDIT_TRUNCATED,		 /* tail cut below an anchor */
	MEDSEC_AUDIT_SEGMENT_REPLACED,	 /* segment swapped for another copy */
	MEDSEC_AUDIT_BAD_CHECKPOINT,	 /* signature fails or wrong key */
	MEDSEC_AUDIT_RESEALED,		 /* MAC fails: re-forged with a later key */
	MEDSEC_AUDIT_WRONG_VERIFIER_KEY, /* verifier key is not this trail's */
	MEDSEC_AUDIT_ROLLED_BACK,	 /* trail older than the device state */
	MEDSEC_AUDIT_STATE_ROLLED_BACK,	 /* database older than the trail */
};

struct medsec_audit_verify_options {
	/* Initial MAC key exported at provisioning; NULL: chain and
	 * signatures only. */
	const uint8_t *verifier_key;
	size_t verifier_key_len;
	/* Device identity public key (required): checkpoint signatures are
	 * checked against it. Pin it off the device: the verifier key file
	 * carries the key it was provisioned with. */
	const uint8_t *public_key;
	size_t public_key_len;
	int public_key_alg;
};

struct medsec_audit_verify_result {
	uint64_t records;     /* records verified */
	uint64_t checkpoints; /* checkpoint signatures verified */
	uint64_t segments;
	int macs_checked;     /* 1 if the verifier key was used */
	int problem;	      /* enum medsec_audit_problem */
	uint64_t bad_seq;     /* first bad record's sequence number */
	uint64_t bad_segment; /* and the segment holding it */
	uint64_t bad_offset;  /* and its byte offset there */
	char message[256];    /* one sentence describing the problem */
	/* When intact: the newest record, its chain hash (keep it off the
	 * device to detect a later rollback), the epoch reached and the
	 * newest state generation a checkpoint recorded. */
	uint64_t head_seq;
	uint8_t head_chain[MEDSEC_AUDIT_CHAIN_LEN];
	uint64_t epoch;
	uint64_t state_generation;
};

/*
 * Verifies the whole trail, streaming (memory stays flat). Returns
 * MEDSEC_OK when intact, MEDSEC_ERR_TAMPERED (result->problem says how) or
 * an I/O error. Without a verifier key, MACs are not checked and
 * result->macs_checked is 0.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2, 3)
int medsec_audit_verify(const char *dir,
    const struct medsec_audit_verify_options *opts,
    struct medsec_audit_verify_result *result);

/*
 * As medsec_audit_verify(), and the trail must also agree with each of
 * expect[0..nexpect): on the device, the keystore's MAC-key epoch and the
 * database (medsec_audit_db_state); off it, a head kept from an earlier
 * verification. A trail that falls short is MEDSEC_AUDIT_ROLLED_BACK; a
 * database older than the trail is MEDSEC_AUDIT_STATE_ROLLED_BACK.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_verify_against(const char *dir,
    const struct medsec_audit_verify_options *opts,
    const struct medsec_audit_expect *expect, size_t nexpect,
    struct medsec_audit_verify_result *result);

/* Text for a medsec_audit_problem value. */
MEDSEC_API
const char *medsec_audit_problem_name(int problem);

/*
 * The verifier key file written by medsec_audit_create(): the initial MAC
 * key and the device identity public key it was provisioned with, so a
 * verifier off the device trusts nothing stored on it.
 */
struct medsec_audit_verifier {
	int mac_alg;
	uint8_t mac_key[MEDSEC_HASH_MAX];
	size_t mac_key_len;
	char mac_key_id[MEDSEC_KEY_ID_LEN];
	int public_key_alg;
	uint8_t public_key[MEDSEC_SIGN_PUBLIC_MAX];
	size_t public_key_len;
	char public_key_id[MEDSEC_KEY_ID_LEN];
	char device_id[64];
};

/* Reads and checks a verifier key file; wipe *v after use. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_read_verifier(const char *path,
    struct medsec_audit_verifier *v);

/* ---- asynchronous appends: group commit on the caller's thread ---- */

/*
 * For an event loop, which must not block on one sync per record:
 *
 *	medsec_audit_submit(a, &ev, NULL, request_logged, req);
 *	... more submits while the loop iteration runs ...
 *	medsec_audit_commit(a);	(once per iteration, when pending > 0)
 *
 * medsec_audit_submit() checks the event as medsec_audit_append() does,
 * gives it its sequence number, chain hash and MAC at once (so the order of
 * records is the order of submission) and queues it in memory; it never
 * syncs and never calls done for this record. medsec_audit_commit() makes
 * everything queued durable with one write and one fdatasync, then calls
 * each done in submission order on the caller's thread, no other thread
 * involved.
 *
 * done(arg, status, seq) gets MEDSEC_OK only for a record that is on
 * stable storage. When the write or sync fails, every record of the group
 * gets the error instead (MEDSEC_ERR_AUDIT_UNAVAILABLE, sticky as for
 * medsec_audit_append(), until medsec_audit_reopen()): the operation it
 * records MUST NOT be reported as done. A record queued before a reopen
 * is reported failed as well, whether or not it reached the disk.
 *
 * A callback may submit again (the next record of its request); those
 * records go into the next commit. The queue holds at most
 * MEDSEC_AUDIT_ASYNC_MAX_RECORDS records and MEDSEC_AUDIT_ASYNC_MAX_BYTES
 * encoded bytes: a submit that finds it full commits it first, calling the
 * done of the records already queued (never of its own) before it returns;
 * nothing is ever dropped.
 *
 * medsec_audit_append() on the same handle (from any thread) orders its
 * record after those submitted before it, and its sync makes them durable
 * too; their done still runs at the next commit, on the loop's thread.
 * medsec_audit_checkpoint() likewise. medsec_audit_close() commits the
 * queue, calling the pending done callbacks, before it closes.
 */
typedef void (*medsec_audit_done_fn)(void *arg, int status, uint64_t seq);

#define MEDSEC_AUDIT_ASYNC_MAX_RECORDS 4096
#define MEDSEC_AUDIT_ASYNC_MAX_BYTES (4u << 20)

/*
 * Queues one record; *seqp (may be NULL) gets its sequence number. Returns
 * MEDSEC_OK (done will be called exactly once, from a later commit or
 * close), or an error with nothing queued and done never called:
 * MEDSEC_ERR_INVALID for a bad event or NULL done,
 * MEDSEC_ERR_AUDIT_UNAVAILABLE once storage has failed, MEDSEC_ERR_NOMEM.
 */
MEDSEC_API MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2, 4)
int medsec_audit_submit(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, uint64_t *seqp,
    medsec_audit_done_fn done, void *arg);

/*
 * Writes and syncs the queue once, then calls each done in order.
 * Returns MEDSEC_OK when every record of the group is durable (or none was
 * queued), else the error the callbacks got.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_audit_commit(struct medsec_audit *a);

/* Records submitted and not yet reported through their done callback. */
MEDSEC_API
size_t medsec_audit_pending(struct medsec_audit *a);

#ifdef __cplusplus
}
#endif
#endif
