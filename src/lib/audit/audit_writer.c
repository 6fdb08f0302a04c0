/*
 * The audit trail writer: append with group commit, signed checkpoints,
 * forward-secure MAC key evolution, segment rotation, and crash recovery.
 *
 * Concurrency: one mutex guards the chain state. Appenders encode their
 * record (sequence number, chain hash, MAC) into the shared batch under
 * the mutex, then wait until it is durable. The first waiter to find no
 * flush in progress becomes the leader: it takes the whole batch, writes
 * it with one pwrite and one fdatasync outside the mutex, then wakes
 * everyone whose record it carried. Many writers therefore share a sync.
 *
 * Failure: any write or sync error makes the trail fail closed (sticky
 * MEDSEC_ERR_AUDIT_UNAVAILABLE) until medsec_audit_reopen(), which runs
 * crash recovery again. Life-critical callers use
 * medsec_audit_append_critical(), which holds events in memory instead of
 * refusing, so a therapy is never stopped by a full disk; the device is
 * flagged degraded and the held events are written on recovery.
 */
#define _GNU_SOURCE /* fallocate, FALLOC_FL_KEEP_SIZE */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "audit_writer_int.h"
#include "core/logf.h"
#include "io/io.h"

static void
futex_wait(atomic_uint *word, unsigned expected)
{
	/* Spurious and EAGAIN returns are fine: callers re-check. */
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void
futex_wake_all(atomic_uint *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void
medsec_audit_options_default(struct medsec_audit_options *opts)
{
	opts->epoch_records = 1000;
	opts->epoch_seconds = 3600;
	opts->segment_bytes = 16u << 20;
	opts->lock_wait_ms = MEDSEC_AUDIT_LOCK_WAIT_MS;
}

int
audit_options_check(const struct medsec_audit_options *o)
{
	if (o->epoch_records < 2 || o->epoch_records > 1000000 ||
	    o->epoch_seconds > 86400 || o->segment_bytes < 4096 ||
	    o->segment_bytes > (1ULL << 32) || o->lock_wait_ms > 600000)
		return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

/* ---- keys ---- */

int
audit_mac_rekey(struct medsec_audit *a)
{
	medsec_hmac_free(a->mac);
	a->mac = NULL;
	return medsec_hmac_new(MEDSEC_ALG_HMAC_SHA256, a->mac_key,
	    AUDIT_MAC_LEN, &a->mac);
}

int
audit_mac_key_store(struct medsec_keystore *ks, uint64_t epoch, const uint8_t *key)
{
	uint8_t secret[MAC_SECRET_LEN];
	int r;

	put_le64(secret, epoch);
	memcpy(secret + 8, key, AUDIT_MAC_LEN);
	r = medsec_keystore_put(ks, AUDIT_MAC_KEY_NAME, MEDSEC_ALG_HMAC_SHA256,
	    secret, sizeof(secret), NULL);
	medsec_wipe(secret, sizeof(secret));
	return r;
}

int
audit_mac_key_load(struct medsec_audit *a, uint64_t *epochp)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	size_t len = 0;
	int r;

	r = medsec_keystore_get(a->ks, AUDIT_MAC_KEY_NAME, secret, &len, NULL);
	if (r == MEDSEC_OK && len != MAC_SECRET_LEN)
		r = MEDSEC_ERR_FORMAT;
	if (r == MEDSEC_OK) {
		*epochp = get_le64(secret);
		memcpy(a->mac_key, secret + 8, AUDIT_MAC_LEN);
	}
	medsec_wipe(secret, sizeof(secret));
	return r;
}

int
audit_identity_load(struct medsec_audit *a)
{
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen;
	struct medsec_key_info info;
	int r;

	r = medsec_keystore_public(a->ks, AUDIT_IDENTITY_KEY_NAME, pk, &pklen,
	    &info);
	if (r != MEDSEC_OK)
		return r;
	a->sign_alg = info.alg;
	return medsec_key_id(info.alg, pk, pklen, a->identity_key_id);
}

/* ---- segments ---- */

static int
anchor_sign(struct medsec_audit *a, struct audit_anchor *an)
{
	uint8_t msg[AUDIT_ANCHOR_LEN];
	size_t n = audit_anchor_signed_part(an, msg);

	return medsec_keystore_sign(a->ks, AUDIT_IDENTITY_KEY_NAME, msg, n,
	    an->sig);
}

/*
 * The anchor exists before the first segment does, so a trail without one
 * never arises from a crash: a missing anchor is always tampering. It
 * signs the hash of segment 1's header, the chain's starting point.
 */
static int
genesis_anchor_write(struct medsec_audit *a,
    const uint8_t raw[AUDIT_SEG_HEADER_LEN])
{
	struct audit_anchor an;
	uint8_t enc[AUDIT_ANCHOR_LEN];
	int r;

	memset(&an, 0, sizeof(an));
	an.sign_alg = (uint16_t)a->sign_alg;
	an.seq = 0;
	an.epoch = 0;
	an.time_us = a->seg.created_us;
	if ((r = medsec_hash(MEDSEC_ALG_SHA256, raw, AUDIT_SEG_HEADER_LEN,
		 an.chain)) != MEDSEC_OK ||
	    (r = anchor_sign(a, &an)) != MEDSEC_OK)
		return r;
	audit_anchor_encode(&an, enc);
	return medsec_io_write_file_atomic(a->dir, AUDIT_ANCHOR_NAME, enc,
	    sizeof(enc), 0600);
}

/*
 * Reserves the segment's blocks up to its rotation size, beyond its end
 * (the size, and so the format, stay as they are): a group commit's
 * fdatasync then writes the records and the inode's size, without
 * allocating blocks and updating the allocation bitmaps each time. Only
 * an optimisation: where the filesystem cannot, the segment grows as
 * before, and the trail does not depend on it.
 */
void
audit_segment_preallocate(struct medsec_audit *a)
{
	if (a->segfd < 0 || a->seg_durable >= a->opts.segment_bytes)
		return;
	if (fallocate(a->segfd, FALLOC_FL_KEEP_SIZE, (off_t)a->seg_durable,
		(off_t)(a->opts.segment_bytes - a->seg_durable)) != 0) {
		/* ENOSPC, EOPNOTSUPP: the writes allocate as they go. */
	}
}

int
audit_segment_create(struct medsec_audit *a, uint64_t segno)
{
	uint8_t raw[AUDIT_SEG_HEADER_LEN];
	char name[64], path[4096];
	int fd, r;

	a->seg.version = AUDIT_FORMAT_VERSION;
	a->seg.hash_alg = MEDSEC_ALG_SHA256;
	a->seg.mac_alg = MEDSEC_ALG_HMAC_SHA256;
	a->seg.sign_alg = (uint16_t)a->sign_alg;
	a->seg.segno = segno;
	a->seg.first_seq = a->next_seq;
	a->seg.epoch = a->epoch;
	memcpy(a->seg.prev_chain, a->chain, AUDIT_CHAIN_LEN);
	memcpy(a->seg.identity_key_id, a->identity_key_id, MEDSEC_KEY_ID_LEN);
	memcpy(a->seg.mac_key_id, a->mac_key_id, MEDSEC_KEY_ID_LEN);
	a->seg.created_us = medsec_clock_wall_us();
	audit_seg_header_encode(&a->seg, raw);
	if ((r = audit_seg_name(name, sizeof(name), segno)) != MEDSEC_OK ||
	    (r = medsec_io_path(path, sizeof(path), a->dir, name)) != MEDSEC_OK)
		return r;
	if (segno == 1 && (r = genesis_anchor_write(a, raw)) != MEDSEC_OK)
		return r;
	fd = medsec_io_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fd;
	if ((r = medsec_io_pwrite_all(fd, raw, sizeof(raw), 0)) != MEDSEC_OK ||
	    (r = medsec_io_fsync(fd)) != MEDSEC_OK ||
	    (r = medsec_io_fsync_dir(a->dir)) != MEDSEC_OK) {
		medsec_io_close(fd);
		/* The write error is what the caller must see. Should the
		 * unlink fail too, what is left is at most a header that
		 * continues the chain: the next open carries on in it, or
		 * sets it aside as a torn segment if it is short. */
		(void)medsec_io_unlink(path);
		return r;
	}
	if (a->segfd >= 0)
		medsec_io_close(a->segfd);
	a->segfd = fd;
	a->seg_durable = a->seg_pending = AUDIT_SEG_HEADER_LEN;
	audit_segment_preallocate(a);
	return medsec_hash(MEDSEC_ALG_SHA256, raw, sizeof(raw), a->chain);
}

/* ---- encoding under the lock ---- */

static int
batch_reserve(struct batch *b, size_t more)
{
	uint8_t *p;
	size_t cap;

	if (b->len + more <= b->cap)
		return MEDSEC_OK;
	if (b->len + more > BATCH_MAX)
		return MEDSEC_ERR_BUSY;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return MEDSEC_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return MEDSEC_OK;
}

static int
encode_locked(struct medsec_audit *a, const struct medsec_audit_event_in *ev,
    const char *details, int64_t time_us, uint16_t flags, uint64_t *seqp)
{
	uint8_t *p;
	size_t body;
	int r;

	if ((r = batch_reserve(&a->batch, AUDIT_REC_MAX)) != MEDSEC_OK)
		return r;
	p = a->batch.p + a->batch.len;
	body = audit_rec_encode_body(p, a->next_seq, time_us, a->epoch, flags,
	    ev, details);
	if ((r = audit_chain_hash(a->hash, a->chain, p, body, p + body)) !=
		MEDSEC_OK ||
	    (r = medsec_hmac_ctx_mac(a->mac, p + body, AUDIT_CHAIN_LEN,
		 p + body + AUDIT_CHAIN_LEN)) != MEDSEC_OK)
		return r;
	memcpy(a->chain, p + body, AUDIT_CHAIN_LEN);
	a->batch.len += body + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN;
	a->seg_pending += body + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN;
	a->batch.last_seq = a->next_seq;
	a->batch.count++;
	if (seqp != NULL)
		*seqp = a->next_seq;
	a->next_seq++;
	a->epoch_count++;
	return MEDSEC_OK;
}

/*
 * What the anchor will say; it is signed when persisted, since a newer
 * checkpoint often replaces it before then (PERSIST_SPACING_US).
 */
static void
anchor_prepare(struct medsec_audit *a, uint64_t seq, int64_t time_us)
{
	a->anchor.sign_alg = (uint16_t)a->sign_alg;
	a->anchor.seq = seq;
	a->anchor.epoch = a->epoch;
	a->anchor.time_us = time_us;
	memcpy(a->anchor.chain, a->chain, AUDIT_CHAIN_LEN);
}

/*
 * Closes the current epoch: a checkpoint record carrying a signature over
 * the chain so far, then the MAC key moves one epoch forward and the old
 * one is wiped from memory (and from disk once the checkpoint is durable
 * and persisted: see PERSIST_SPACING_US).
 */
static int
checkpoint_locked(struct medsec_audit *a)
{
	uint8_t msg[128], sig[MEDSEC_SIGN_LEN];
	struct medsec_audit_event_in ev = { MEDSEC_EV_AUDIT_CHECKPOINT,
		"medsec-audit", "local", NULL, MEDSEC_AUDIT_SUCCESS, NULL,
		NULL };
	struct medsec_audit_detail d;
	char object[48];
	int64_t now = medsec_clock_wall_us();
	uint64_t seq = a->next_seq;
	size_t n;
	int r;

	n = audit_checkpoint_message(msg, seq, a->epoch, now, a->chain);
	r = medsec_keystore_sign(a->ks, AUDIT_IDENTITY_KEY_NAME, msg, n, sig);
	if (r != MEDSEC_OK)
		return r;
	snprintf(object, sizeof(object), "epoch %llu",
	    (unsigned long long)a->epoch);
	ev.object = object;
	/* The verifier reads these members back (audit_checkpoint_parse). */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "epoch", a->epoch);
	medsec_audit_detail_u64(&d, "through_seq", seq - 1);
	medsec_audit_detail_hex(&d, "sig", sig, sizeof(sig));
	if (a->have_state_gen)
		medsec_audit_detail_u64(&d, "state", a->state_gen);
	if ((r = medsec_audit_detail_end(&d, &ev.details)) != MEDSEC_OK ||
	    (r = encode_locked(a, &ev, ev.details, now, 0, NULL)) !=
	    MEDSEC_OK)
		return r;
	anchor_prepare(a, seq, now);
	a->epoch++;
	if ((r = audit_evolve_key(a->mac_key, a->epoch)) != MEDSEC_OK ||
	    (r = audit_mac_rekey(a)) != MEDSEC_OK)
		return r;
	a->ckpt_seq = seq;
	a->epoch_count = 0;
	a->epoch_start_mono = medsec_clock_mono_us();
	return MEDSEC_OK;
}

static int
checkpoint_due(const struct medsec_audit *a)
{
	int64_t age = medsec_clock_mono_us() - a->epoch_start_mono;

	if (a->epoch_count + 1 >= a->opts.epoch_records)
		return 1;
	return a->opts.epoch_seconds != 0 &&
	    age >= (int64_t)a->opts.epoch_seconds * 1000000;
}

/* ---- flushing ---- */

/*
 * Persisting a checkpoint (the MAC key moved to its epoch in the keystore,
 * the signed anchor replaced) costs five syncs and two file creations:
 * several group commits' worth. Under a steady stream of records an epoch
 * closes every few milliseconds, and persisting each checkpoint would put
 * those syncs in series with the records' own. So a durable checkpoint is
 * persisted at once only when the previous persist ended long enough ago
 * (PERSIST_SPACING_US, or PERSIST_COST_SHARE times what that persist took
 * when the disk is slow, so that persists take at most about 1/20 of the
 * writer's time; never more than PERSIST_SPACING_MAX_US); otherwise by
 * the first flush after that, by medsec_audit_checkpoint() or by close,
 * whichever comes first, and a newer checkpoint in between takes its
 * place. Meanwhile the sealed key and the anchor stay behind the trail,
 * exactly as after a crash between a checkpoint's sync and its persist:
 * recovery evolves the key forward and stores it again, and an anchor
 * older than the trail's end is no sign of a cut. They are never ahead of
 * it: only a durable checkpoint is persisted. The price is a wider window
 * in which the keystore still holds the key of an epoch the trail has
 * closed, and in which a cut tail goes unnoticed at open: under load, the
 * records of at most that long.
 */
#define PERSIST_SPACING_US 50000
#define PERSIST_SPACING_MAX_US 1000000
#define PERSIST_COST_SHARE 20

static int64_t
persist_spacing(int64_t took_us)
{
	int64_t spacing = took_us * PERSIST_COST_SHARE;

	if (spacing < PERSIST_SPACING_US)
		return PERSIST_SPACING_US;
	return spacing < PERSIST_SPACING_MAX_US ? spacing
						: PERSIST_SPACING_MAX_US;
}

/* Stores the newest checkpoint's key and anchor, if it is durable. */
static int
persist_epoch_locked(struct medsec_audit *a, int force)
{
	uint8_t raw[AUDIT_ANCHOR_LEN];
	int64_t start, end;
	int r;

	if (a->ckpt_seq == 0 || a->durable_seq < a->ckpt_seq)
		return MEDSEC_OK;
	start = medsec_clock_mono_us();
	if (!force && start < a->persist_after_mono)
		return MEDSEC_OK;
	if ((r = anchor_sign(a, &a->anchor)) != MEDSEC_OK ||
	    (r = audit_mac_key_store(a->ks, a->epoch, a->mac_key)) != MEDSEC_OK)
		return r;
	audit_anchor_encode(&a->anchor, raw);
	r = medsec_io_write_file_atomic(a->dir, AUDIT_ANCHOR_NAME, raw,
	    sizeof(raw), 0600);
	if (r != MEDSEC_OK)
		return r;
	a->ckpt_seq = 0;
	end = medsec_clock_mono_us();
	a->persist_after_mono = end + persist_spacing(end - start);
	return MEDSEC_OK;
}

int
audit_persist_checkpoint_locked(struct medsec_audit *a)
{
	int r;

	if (a->failed != 0)
		return a->failed;
	if ((r = persist_epoch_locked(a, 1)) != MEDSEC_OK) {
		a->failed = MEDSEC_ERR_AUDIT_UNAVAILABLE;
		medsec_log(MEDSEC_LOG_ERR, "audit", "audit trail failed (%s): "
		    "the checkpoint's key and anchor were not stored",
		    medsec_strerror(r));
		return a->failed;
	}
	return MEDSEC_OK;
}

/*
 * Writers woken by the previous flush are still on their way back when
 * the next leader starts; flushing at once would sync a batch of one while
 * they queue for the next. So the leader waits, at most GATHER_US, until
 * every caller inside medsec_audit_append() has a record in its batch: one
 * sync then carries them all. A lone writer never waits. The deadline uses
 * the real monotonic clock: it bounds scheduling, it is not a recorded time.
 */
#define GATHER_US 150

static void
gather_locked(struct medsec_audit *a)
{
	struct timespec deadline;

	if (a->batch.count >= (size_t)atomic_load(&a->inside))
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += GATHER_US * 1000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	while (a->batch.count < (size_t)atomic_load(&a->inside) &&
	    pthread_cond_timedwait(&a->gathered, &a->lock, &deadline) == 0)
		;
}

static void
lead_flush_locked(struct medsec_audit *a)
{
	struct batch out;
	uint64_t off;
	int r, newly_failed;

	a->flushing = 1;
	gather_locked(a);
	out = a->batch;
	off = a->seg_durable;

	a->batch = a->spare;
	a->batch.len = 0;
	a->batch.count = 0;
	pthread_mutex_unlock(&a->lock);
	r = medsec_io_pwrite_all(a->segfd, out.p, out.len, (off_t)off);
	if (r == MEDSEC_OK)
		r = medsec_io_fdatasync(a->segfd);
	pthread_mutex_lock(&a->lock);
	if (r == MEDSEC_OK) {
		a->seg_durable += out.len;
		a->durable_seq = out.last_seq;
		r = persist_epoch_locked(a, 0);
	}
	newly_failed = r != MEDSEC_OK && a->failed == 0;
	if (r != MEDSEC_OK)
		a->failed = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	out.len = 0;
	a->spare = out;
	a->flushing = 0;
	atomic_fetch_add(&a->flush_gen, 1);
	/* Waking dozens of writers takes a while: not under the lock. A
	 * lone event loop has nobody to wake and spares the syscall: a
	 * waiter counts itself before it reads flush_gen, so either it sees
	 * the new generation or this sees it (both sequentially consistent). */
	pthread_mutex_unlock(&a->lock);
	if (atomic_load(&a->flush_waiters) > 0)
		futex_wake_all(&a->flush_gen);
	if (newly_failed)
		medsec_log(MEDSEC_LOG_ERR, "audit", "audit trail failed (%s): "
		    "records are no longer written and changes that need "
		    "one are refused", medsec_strerror(r));
	pthread_mutex_lock(&a->lock);
}

/* Sleeps until the flush of generation gen has ended. */
static void
wait_next_flush(struct medsec_audit *a, unsigned gen)
{
	atomic_fetch_add(&a->flush_waiters, 1);
	while (atomic_load(&a->flush_gen) == gen)
		futex_wait(&a->flush_gen, gen);
	atomic_fetch_sub(&a->flush_waiters, 1);
}

/* Drops the lock until the flush in progress (if any) has ended. */
void
audit_wait_flush_locked(struct medsec_audit *a)
{
	unsigned gen = atomic_load(&a->flush_gen);

	if (!a->flushing)
		return;
	pthread_mutex_unlock(&a->lock);
	wait_next_flush(a, gen);
	pthread_mutex_lock(&a->lock);
}

int
audit_wait_durable_locked(struct medsec_audit *a, uint64_t seq)
{
	while (a->durable_seq < seq && a->failed == 0) {
		if (!a->flushing)
			lead_flush_locked(a);
		else
			audit_wait_flush_locked(a);
	}
	return a->durable_seq >= seq ? MEDSEC_OK : a->failed;
}

/*
 * As audit_wait_durable_locked(), but returns with the lock released. A
 * writer woken by a flush that carried its record returns without taking
 * the lock again: dozens of woken writers never convoy on the mutex just
 * to learn that they are done.
 */
static int
wait_durable_unlock(struct medsec_audit *a, uint64_t seq)
{
	unsigned gen;

	for (;;) {
		if (a->durable_seq >= seq || a->failed != 0)
			break;
		if (!a->flushing) {
			lead_flush_locked(a);
			continue;
		}
		gen = atomic_load(&a->flush_gen);
		if (!a->flushing)
			continue;
		pthread_mutex_unlock(&a->lock);
		wait_next_flush(a, gen);
		if (a->durable_seq >= seq)
			return MEDSEC_OK;
		if (a->failed != 0)
			return a->failed;
		pthread_mutex_lock(&a->lock);
	}
	pthread_mutex_unlock(&a->lock);
	return a->durable_seq >= seq ? MEDSEC_OK : a->failed;
}

/* Waits until nothing is pending, then starts a new segment. */
static int
rotate_locked(struct medsec_audit *a)
{
	int r;

	while (a->failed == 0 && (a->flushing || a->batch.len > 0)) {
		if (!a->flushing)
			lead_flush_locked(a);
		else
			audit_wait_flush_locked(a);
	}
	if (a->failed != 0)
		return a->failed;
	r = audit_segment_create(a, a->seg.segno + 1);
	if (r != MEDSEC_OK)
		a->failed = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r == MEDSEC_OK ? MEDSEC_OK : a->failed;
}

/* Room a record needs, plus a checkpoint that may follow it. */
static size_t
record_space(const struct medsec_audit_event_in *ev, const char *details)
{
	const char *f[5] = { ev->actor, ev->source, ev->object, ev->reason,
		details };
	size_t n = AUDIT_REC_FIXED_LEN + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN;

	for (int i = 0; i < 5; i++)
		n += f[i] != NULL ? strlen(f[i]) : 0;
	return n + AUDIT_CHECKPOINT_SPACE;
}

/*
 * Records carry the wall clock as it is, even when it went backwards;
 * but a step back of more than a second is itself recorded, once per
 * step, so that a clock set back to revive expired data is visible.
 */
#define CLOCK_STEP_US 1000000

static int
note_clock_locked(struct medsec_audit *a, int64_t time_us)
{
	struct medsec_audit_event_in ev = { MEDSEC_EV_TIME_ANOMALY,
		"medsec-audit", "local", "wall clock", MEDSEC_AUDIT_FAILURE,
		"wall clock is behind the newest audit record", NULL };
	struct medsec_audit_detail d;
	int r;

	if (time_us >= a->max_time_us) {
		a->max_time_us = time_us;
		a->clock_behind = 0;
		return MEDSEC_OK;
	}
	if (a->clock_behind || a->max_time_us - time_us <= CLOCK_STEP_US)
		return MEDSEC_OK;
	a->clock_behind = 1;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_i64(&d, "newest_record_us", a->max_time_us);
	medsec_audit_detail_i64(&d, "clock_us", time_us);
	if ((r = medsec_audit_detail_end(&d, &ev.details)) != MEDSEC_OK)
		return r;
	return encode_locked(a, &ev, ev.details, time_us, 0, NULL);
}

/* Rotates if needed, encodes, and closes the epoch when it is due. */
int
audit_encode_event_locked(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, const char *details,
    int64_t time_us, uint16_t flags, uint64_t *seqp)
{
	int r;

	if (a->failed != 0)
		return a->failed;
	if (a->seg_pending + record_space(ev, details) > a->opts.segment_bytes &&
	    a->seg_pending > AUDIT_SEG_HEADER_LEN &&
	    (r = rotate_locked(a)) != MEDSEC_OK)
		return r;
	if ((flags & AUDIT_FLAG_HELD) == 0 &&
	    (r = note_clock_locked(a, time_us)) != MEDSEC_OK)
		return r;
	r = encode_locked(a, ev, details, time_us, flags, seqp);
	if (r != MEDSEC_OK)
		return r;
	if (checkpoint_due(a) && (r = checkpoint_locked(a)) != MEDSEC_OK) {
		a->failed = MEDSEC_ERR_AUDIT_UNAVAILABLE;
		return a->failed;
	}
	return MEDSEC_OK;
}

int
audit_append_locked(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, const char *details,
    int64_t time_us, uint16_t flags, uint64_t *seqp)
{
	uint64_t seq;
	int r;

	if ((r = audit_encode_event_locked(a, ev, details, time_us, flags,
		 &seq)) != MEDSEC_OK)
		return r;
	if (seqp != NULL)
		*seqp = seq;
	return audit_wait_durable_locked(a, seq);
}

int
medsec_audit_append(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, uint64_t *seqp)
{
	char *details = NULL;
	uint64_t seq;
	int r;

	if (a == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = audit_event_check(ev, &details)) != MEDSEC_OK)
		return r;
	atomic_fetch_add(&a->inside, 1);
	pthread_mutex_lock(&a->lock);
	r = audit_encode_event_locked(a, ev, details, medsec_clock_wall_us(), 0,
	    &seq);
	/* Wake a gathering leader only once its batch is complete. */
	if (a->batch.count >= (size_t)atomic_load(&a->inside))
		pthread_cond_signal(&a->gathered);
	if (r == MEDSEC_OK) {
		if (seqp != NULL)
			*seqp = seq;
		r = wait_durable_unlock(a, seq);
	} else {
		pthread_mutex_unlock(&a->lock);
	}
	atomic_fetch_sub(&a->inside, 1);
	free(details);
	return r;
}

int
medsec_audit_checkpoint(struct medsec_audit *a)
{
	int r;

	if (a == NULL)
		return MEDSEC_ERR_INVALID;
	pthread_mutex_lock(&a->lock);
	r = a->failed;
	if (r == 0) {
		if (checkpoint_locked(a) != MEDSEC_OK) {
			a->failed = MEDSEC_ERR_AUDIT_UNAVAILABLE;
			r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
		} else if ((r = audit_wait_durable_locked(a,
			       a->next_seq - 1)) == MEDSEC_OK)
			r = audit_persist_checkpoint_locked(a);
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

void
medsec_audit_note_state(struct medsec_audit *a, uint64_t generation)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	a->state_gen = generation;
	a->have_state_gen = 1;
	pthread_mutex_unlock(&a->lock);
}

int
medsec_audit_head(struct medsec_audit *a, uint64_t *seqp,
    uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN])
{
	int r;

	if (a == NULL || seqp == NULL || chain == NULL)
		return MEDSEC_ERR_INVALID;
	pthread_mutex_lock(&a->lock);
	while (a->flushing || a->batch.len > 0) {
		if (!a->flushing && a->failed == 0)
			lead_flush_locked(a);
		else if (a->flushing)
			audit_wait_flush_locked(a);
		else
			break;
	}
	r = a->failed;
	if (r == 0) {
		*seqp = a->next_seq - 1;
		memcpy(chain, a->chain, AUDIT_CHAIN_LEN);
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

int
medsec_audit_key_epoch(struct medsec_keystore *ks, uint64_t *epochp)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	size_t len = 0;
	int r;

	if (ks == NULL || epochp == NULL)
		return MEDSEC_ERR_INVALID;
	r = medsec_keystore_get(ks, AUDIT_MAC_KEY_NAME, secret, &len, NULL);
	if (r == MEDSEC_OK && len != MAC_SECRET_LEN)
		r = MEDSEC_ERR_FORMAT;
	if (r == MEDSEC_OK)
		*epochp = get_le64(secret);
	medsec_wipe(secret, sizeof(secret));
	return r;
}
