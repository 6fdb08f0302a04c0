/*
 * Opening, creating and recovering the audit trail, the life-critical
 * holding queue, and the verifier key file.
 *
 * Crash model: an append is acknowledged only after fdatasync, so after a
 * crash or power cut every acknowledged record is intact and everything
 * after the last acknowledged record is unacknowledged. Recovery scans the
 * last segment and keeps the longest prefix whose records check out
 * (framing, sequence, epoch, chain hash); the rest is a torn tail. It is
 * never silently dropped: the bytes are kept in recovered-*.bin and a
 * LOG_RECOVERED record names them and their SHA-256.
 */
#include <fcntl.h>
#include <stdarg.h>
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

struct scan_state {
	uint64_t segno;
	uint64_t good_end;
	uint64_t file_size;
	uint64_t next_seq;
	uint64_t epoch;
	uint32_t epoch_count;
	int64_t max_time_us;
	uint8_t chain[AUDIT_CHAIN_LEN];
	struct audit_seg_header header;
	/* The MAC key of epoch key_epoch, evolved as checkpoints pass:
	 * records of that epoch and later are MAC-checked. */
	struct medsec_hmac_ctx *mac;
	uint8_t key[AUDIT_MAC_LEN];
	uint64_t key_epoch;
	/* The newest database state generation a checkpoint recorded. */
	int have_state;
	uint64_t state;
	char why[256];
};

static int
seg_path(const struct medsec_audit *a, uint64_t segno, char *path,
    size_t len)
{
	char name[64];
	int r;

	if ((r = audit_seg_name(name, sizeof(name), segno)) != MEDSEC_OK)
		return r;
	return medsec_io_path(path, len, a->dir, name);
}

static int tampered(struct scan_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
tampered(struct scan_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
	return MEDSEC_ERR_TAMPERED;
}

static int
mac_ok(struct scan_state *st, const struct audit_rec *rec)
{
	uint8_t mac[AUDIT_MAC_LEN];
	int ok;

	if (st->mac == NULL || rec->epoch != st->key_epoch)
		return 1; /* an epoch closed before the key we hold */
	ok = medsec_hmac_ctx_mac(st->mac, rec->hash, AUDIT_CHAIN_LEN, mac) ==
		MEDSEC_OK &&
	    medsec_ct_equal(mac, rec->mac, AUDIT_MAC_LEN) == 0;
	medsec_wipe(mac, sizeof(mac));
	return ok;
}

/* Moves the scan's MAC key forward to the scan's epoch. */
static int
key_forward(struct scan_state *st)
{
	int r;

	if (st->mac == NULL || st->key_epoch >= st->epoch)
		return MEDSEC_OK;
	medsec_hmac_free(st->mac);
	st->mac = NULL;
	/* reconcile_key() refuses a key this far behind */
	if (st->epoch - st->key_epoch > 1000000)
		return MEDSEC_OK;
	while (st->key_epoch < st->epoch)
		if ((r = audit_evolve_key(st->key, ++st->key_epoch)) !=
		    MEDSEC_OK)
			return r;
	return medsec_hmac_new(MEDSEC_ALG_HMAC_SHA256, st->key, AUDIT_MAC_LEN,
	    &st->mac);
}

/*
 * A complete record (its full length is there) that does not continue the
 * chain was changed, removed or inserted after it was written: a crash
 * leaves only an incomplete record at the end, never a complete wrong one.
 */
static int
record_follows(struct scan_state *st, struct medsec_hash_ctx *h,
    const struct audit_rec *rec, const uint8_t *raw, uint64_t off)
{
	struct audit_checkpoint cp;
	uint8_t chain[AUDIT_CHAIN_LEN];
	int r;

	if (rec->seq != st->next_seq)
		return tampered(st, "segment %llu offset %llu holds record %llu "
		    "where record %llu belongs: records were removed, "
		    "inserted or reordered", (unsigned long long)st->segno,
		    (unsigned long long)off, (unsigned long long)rec->seq,
		    (unsigned long long)st->next_seq);
	if (rec->epoch != st->epoch)
		return tampered(st, "record %llu (segment %llu offset %llu) "
		    "claims epoch %llu in epoch %llu",
		    (unsigned long long)rec->seq, (unsigned long long)st->segno,
		    (unsigned long long)off, (unsigned long long)rec->epoch,
		    (unsigned long long)st->epoch);
	if ((r = audit_chain_hash(h, st->chain, raw, rec->body_len, chain)) !=
	    MEDSEC_OK)
		return r;
	if (medsec_ct_equal(chain, rec->hash, AUDIT_CHAIN_LEN) != 0)
		return tampered(st, "record %llu (segment %llu offset %llu) is "
		    "complete but its chain hash does not match its content: "
		    "it was changed after it was written",
		    (unsigned long long)rec->seq, (unsigned long long)st->segno,
		    (unsigned long long)off);
	if (!mac_ok(st, rec))
		return tampered(st, "record %llu (segment %llu offset %llu) is "
		    "complete but its MAC does not verify under epoch %llu's "
		    "key: it was rewritten after it was written",
		    (unsigned long long)rec->seq, (unsigned long long)st->segno,
		    (unsigned long long)off, (unsigned long long)rec->epoch);
	memcpy(st->chain, chain, AUDIT_CHAIN_LEN);
	if (rec->time_us > st->max_time_us)
		st->max_time_us = rec->time_us;
	st->next_seq++;
	st->epoch_count++;
	if (rec->event == MEDSEC_EV_AUDIT_CHECKPOINT) {
		if (audit_checkpoint_parse(rec->field[F_DETAILS],
			rec->field_len[F_DETAILS], &cp) == MEDSEC_OK &&
		    cp.have_state && (!st->have_state || cp.state > st->state)) {
			st->have_state = 1;
			st->state = cp.state;
		}
		st->epoch++;
		st->epoch_count = 0;
		return key_forward(st);
	}
	return MEDSEC_OK;
}

static void
scan_state_free(struct scan_state *st)
{
	medsec_hmac_free(st->mac);
	st->mac = NULL;
	medsec_wipe(st->key, sizeof(st->key));
}

/*
 * Scans one segment, finding where its checked-out records end. key (of
 * key_epoch) is NULL when MACs are not to be checked.
 */
static int
scan_segment(struct medsec_audit *a, uint64_t segno, const uint8_t *key,
    uint64_t key_epoch, struct scan_state *st)
{
	uint8_t raw[AUDIT_SEG_HEADER_LEN];
	struct audit_scan s;
	struct audit_rec rec;
	struct stat sb;
	char path[4096];
	uint64_t off;
	int r;

	scan_state_free(st);
	memset(st, 0, sizeof(*st));
	st->segno = segno;
	memset(&s, 0, sizeof(s));
	s.fd = -1;
	if ((r = seg_path(a, segno, path, sizeof(path))) != MEDSEC_OK)
		return r;
	if (key != NULL) {
		memcpy(st->key, key, AUDIT_MAC_LEN);
		st->key_epoch = key_epoch;
		if ((r = medsec_hmac_new(MEDSEC_ALG_HMAC_SHA256, st->key,
			 AUDIT_MAC_LEN, &st->mac)) != MEDSEC_OK)
			return r;
	}
	r = audit_scan_open(&s, path, &st->header, raw);
	if (r == MEDSEC_OK && fstat(s.fd, &sb) != 0)
		r = MEDSEC_ERR_IO;
	if (r != MEDSEC_OK)
		goto out;
	st->file_size = (uint64_t)sb.st_size;
	st->good_end = AUDIT_SEG_HEADER_LEN;
	st->next_seq = st->header.first_seq;
	st->epoch = st->header.epoch;
	if ((r = medsec_hash(MEDSEC_ALG_SHA256, raw, sizeof(raw), st->chain)) !=
		MEDSEC_OK ||
	    (r = key_forward(st)) != MEDSEC_OK)
		goto out;
	while ((r = audit_scan_next(&s, &rec, &off)) == 1) {
		if ((r = record_follows(st, a->hash, &rec,
			 s.buf + s.start - rec.len, off)) != MEDSEC_OK)
			goto out;
		st->good_end = off + rec.len;
	}
	/* An incomplete record or bytes that cannot be one: a torn write. */
	r = r < 0 && r != MEDSEC_ERR_FORMAT ? r : MEDSEC_OK;
out:
	audit_scan_close(&s);
	return r;
}

static int
segments_check(struct medsec_audit *a, uint64_t **segsp, size_t *np)
{
	int r = audit_seg_list(a->dir, segsp, np);

	if (r != MEDSEC_OK)
		return r;
	if (*np == 0)
		return MEDSEC_ERR_NOT_FOUND;
	for (size_t i = 0; i < *np; i++)
		if ((*segsp)[i] != i + 1)
			return MEDSEC_ERR_TAMPERED; /* a segment is missing */
	return MEDSEC_OK;
}

/*
 * A crash while starting a new segment can leave it with a partial header
 * and no records; set it aside and continue with the previous segment.
 */
static int
set_aside_torn_segment(struct medsec_audit *a, uint64_t segno)
{
	char from[4096], to[4096], name[80];
	struct stat sb;

	if (seg_path(a, segno, from, sizeof(from)) != MEDSEC_OK ||
	    lstat(from, &sb) != 0 || sb.st_size >= AUDIT_SEG_HEADER_LEN)
		return MEDSEC_ERR_TAMPERED;
	snprintf(name, sizeof(name), "recovered-seg-%llu.bin",
	    (unsigned long long)segno);
	if (medsec_io_path(to, sizeof(to), a->dir, name) != MEDSEC_OK ||
	    medsec_io_rename(from, to) != MEDSEC_OK)
		return MEDSEC_ERR_IO;
	return medsec_io_fsync_dir(a->dir);
}

static int
read_header(struct medsec_audit *a, uint64_t segno,
    struct audit_seg_header *h)
{
	uint8_t raw[AUDIT_SEG_HEADER_LEN];
	char path[4096];
	int fd, r;

	if ((r = seg_path(a, segno, path, sizeof(path))) != MEDSEC_OK)
		return r;
	if ((fd = medsec_io_open(path, O_RDONLY, 0)) < 0)
		return fd;
	r = pread(fd, raw, sizeof(raw), 0) == (ssize_t)sizeof(raw)
	    ? audit_seg_header_decode(raw, h) : MEDSEC_ERR_FORMAT;
	medsec_io_close(fd);
	return r;
}

/*
 * Every segment must be this trail's: written under this device's identity
 * key and the MAC key the trail was created with, numbered and starting
 * where the one before left off. The last one must continue the one before
 * it exactly (its header holds that segment's last chain hash), so a
 * writer never appends after a segment swapped in from another trail or
 * device. Older links are checked in full by medsec_audit_verify().
 */
static int
check_headers(struct medsec_audit *a, const uint64_t *segs, size_t n,
    struct scan_state *st)
{
	struct audit_seg_header h, first, prev;
	uint8_t last_hash[AUDIT_CHAIN_LEN];
	char path[4096];
	uint64_t last_seq;
	int r;

	memset(&first, 0, sizeof(first));
	memset(&prev, 0, sizeof(prev));
	for (size_t i = 0; i < n; i++) {
		if ((r = read_header(a, segs[i], &h)) == MEDSEC_ERR_FORMAT ||
		    (r == MEDSEC_OK && h.segno != segs[i]))
			return tampered(st, "segment %llu: its header is damaged "
			    "or names another segment",
			    (unsigned long long)segs[i]);
		if (r != MEDSEC_OK)
			return r;
		if (strcmp(h.identity_key_id, a->identity_key_id) != 0) {
			/* The segment to append to is not ours: the keystore
			 * is not this trail's. */
			if (i + 1 == n)
				return MEDSEC_ERR_KEY_MISMATCH;
			return tampered(st, "segment %llu was written under "
			    "identity key %s, not this device's %s: it comes "
			    "from another device", (unsigned long long)segs[i],
			    h.identity_key_id, a->identity_key_id);
		}
		if (i == 0 && (h.first_seq != 1 || h.epoch != 0))
			return tampered(st, "segment 1 starts at record %llu "
			    "epoch %llu, not at record 1 epoch 0",
			    (unsigned long long)h.first_seq,
			    (unsigned long long)h.epoch);
		if (i > 0 && strcmp(h.mac_key_id, first.mac_key_id) != 0)
			return tampered(st, "segment %llu belongs to the trail of "
			    "MAC key %s, not to this one (%s): it was swapped in",
			    (unsigned long long)segs[i], h.mac_key_id,
			    first.mac_key_id);
		if (i > 0 && (h.first_seq <= prev.first_seq ||
				 h.epoch < prev.epoch))
			return tampered(st, "segment %llu (from record %llu "
			    "epoch %llu) does not follow segment %llu (from "
			    "record %llu epoch %llu)", (unsigned long long)segs[i],
			    (unsigned long long)h.first_seq,
			    (unsigned long long)h.epoch,
			    (unsigned long long)segs[i - 1],
			    (unsigned long long)prev.first_seq,
			    (unsigned long long)prev.epoch);
		if (i == 0)
			first = h;
		prev = h;
	}
	if (n < 2)
		return MEDSEC_OK;
	if ((r = seg_path(a, segs[n - 2], path, sizeof(path))) != MEDSEC_OK)
		return r;
	r = audit_scan_find(path, 0, &last_seq, last_hash);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		return r;
	if (r == MEDSEC_ERR_NOT_FOUND || last_seq + 1 != h.first_seq ||
	    medsec_ct_equal(last_hash, h.prev_chain, AUDIT_CHAIN_LEN) != 0)
		return tampered(st, "segment %llu does not continue segment "
		    "%llu (which ends at record %llu): one of them was "
		    "replaced by another copy", (unsigned long long)segs[n - 1],
		    (unsigned long long)segs[n - 2],
		    (unsigned long long)(r == MEDSEC_OK ? last_seq : 0));
	return MEDSEC_OK;
}

static int
scan_last(struct medsec_audit *a, const uint8_t *key, uint64_t key_epoch,
    struct scan_state *st)
{
	uint64_t *segs = NULL;
	size_t n = 0;
	int r;

	if ((r = segments_check(a, &segs, &n)) != MEDSEC_OK) {
		if (r == MEDSEC_ERR_TAMPERED)
			r = tampered(st, "a segment is missing: the numbers "
			    "of the segments present have a gap");
		goto out;
	}
	r = scan_segment(a, segs[n - 1], key, key_epoch, st);
	if ((r == AUDIT_SCAN_TORN || r == MEDSEC_ERR_FORMAT) && n > 1 &&
	    (r = set_aside_torn_segment(a, segs[n - 1])) == MEDSEC_OK) {
		n--;
		r = scan_segment(a, segs[n - 1], key, key_epoch, st);
	}
	if (r == AUDIT_SCAN_TORN || r == MEDSEC_ERR_FORMAT)
		r = tampered(st, "segment %llu: its header is damaged",
		    (unsigned long long)segs[n - 1]);
	if (r == MEDSEC_OK)
		r = check_headers(a, segs, n, st);
out:
	free(segs);
	return r;
}

/*
 * The MAC key on disk must match the epoch the trail has reached, and the
 * trail must reach its signed anchor: both move forward only once what
 * they vouch for is durable, so a trail behind either lost records.
 */
static int
reconcile_key(struct medsec_audit *a, struct scan_state *st,
    uint64_t key_epoch, int *key_behindp)
{
	struct audit_anchor anchor;
	int r;

	if (key_epoch > st->epoch)
		return tampered(st, "the sealed MAC key is at epoch %llu but the "
		    "trail ends at record %llu in epoch %llu: checkpointed "
		    "records were removed or an older trail put back",
		    (unsigned long long)key_epoch,
		    (unsigned long long)(st->next_seq - 1),
		    (unsigned long long)st->epoch);
	if (st->epoch - key_epoch > 1000000)
		return tampered(st, "the trail claims epoch %llu, the sealed "
		    "MAC key is at epoch %llu", (unsigned long long)st->epoch,
		    (unsigned long long)key_epoch);
	r = audit_anchor_read(a->dir, &anchor);
	if (r == MEDSEC_ERR_NOT_FOUND)
		return tampered(st, "the anchor file is missing: every trail "
		    "has one from its creation on, so its end may have been "
		    "cut");
	if (r != MEDSEC_OK)
		return tampered(st, "the anchor file is damaged");
	if (anchor.seq >= st->next_seq)
		return tampered(st, "the trail ends at record %llu but the "
		    "signed anchor vouches for record %llu: the tail was cut",
		    (unsigned long long)(st->next_seq - 1),
		    (unsigned long long)anchor.seq);
	for (uint64_t e = key_epoch + 1; e <= st->epoch; e++)
		if ((r = audit_evolve_key(a->mac_key, e)) != MEDSEC_OK)
			return r;
	*key_behindp = key_epoch < st->epoch;
	return MEDSEC_OK;
}

static int
copy_tail(int from, int to, uint64_t off, uint64_t len,
    struct medsec_hash_ctx *h)
{
	uint8_t buf[65536];
	uint64_t done = 0;
	int r;

	if ((r = medsec_hash_reset(h)) != MEDSEC_OK)
		return r;
	while (done < len) {
		size_t want = len - done < sizeof(buf) ? (size_t)(len - done)
						       : sizeof(buf);
		ssize_t got = pread(from, buf, want, (off_t)(off + done));

		if (got <= 0)
			return MEDSEC_ERR_IO;
		if ((r = medsec_io_pwrite_all(to, buf, (size_t)got,
			 (off_t)done)) != MEDSEC_OK ||
		    (r = medsec_hash_update(h, buf, (size_t)got)) != MEDSEC_OK)
			return r;
		done += (uint64_t)got;
	}
	return medsec_io_fsync(to);
}

/* Keeps the torn tail in a file for review, then cuts it off. */
static int
cut_tail(struct medsec_audit *a, const struct scan_state *st,
    char *kept, size_t keptlen, uint8_t digest[AUDIT_CHAIN_LEN])
{
	char path[4096], keep_path[4096];
	int seg = -1, keep = -1, r;

	snprintf(kept, keptlen, "recovered-%llu-%llu.bin",
	    (unsigned long long)st->segno, (unsigned long long)st->good_end);
	if ((r = seg_path(a, st->segno, path, sizeof(path))) != MEDSEC_OK ||
	    (r = medsec_io_path(keep_path, sizeof(keep_path), a->dir, kept)) !=
		MEDSEC_OK)
		return r;
	if ((seg = medsec_io_open(path, O_RDWR, 0)) < 0)
		return seg;
	/* O_TRUNC: a crash during an earlier recovery may have left it. */
	keep = medsec_io_open(keep_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (keep < 0) {
		r = keep;
		goto out;
	}
	if ((r = copy_tail(seg, keep, st->good_end,
		 st->file_size - st->good_end, a->hash)) != MEDSEC_OK ||
	    (r = medsec_hash_final(a->hash, digest)) != MEDSEC_OK ||
	    (r = medsec_io_fsync_dir(a->dir)) != MEDSEC_OK ||
	    (r = medsec_io_ftruncate(seg, (off_t)st->good_end)) != MEDSEC_OK)
		goto out;
	r = medsec_io_fsync(seg);
out:
	medsec_io_close(keep);
	medsec_io_close(seg);
	return r;
}

static void
apply_state(struct medsec_audit *a, const struct scan_state *st)
{
	a->seg = st->header;
	memcpy(a->mac_key_id, st->header.mac_key_id, MEDSEC_KEY_ID_LEN);
	memcpy(a->chain, st->chain, AUDIT_CHAIN_LEN);
	a->next_seq = st->next_seq;
	a->max_time_us = st->max_time_us;
	a->clock_behind = 0;
	a->durable_seq = st->next_seq - 1;
	a->epoch = st->epoch;
	a->epoch_count = st->epoch_count;
	a->epoch_start_mono = medsec_clock_mono_us();
	a->seg_durable = a->seg_pending = st->good_end;
	a->batch.len = 0;
	a->batch.count = 0;
	a->ckpt_seq = 0;
	a->load_gen++;
	if (st->have_state && (!a->have_state_gen || st->state > a->state_gen)) {
		a->have_state_gen = 1;
		a->state_gen = st->state;
	}
}

static int
write_recovered(struct medsec_audit *a, const struct scan_state *st,
    const char *kept, const uint8_t digest[AUDIT_CHAIN_LEN])
{
	struct medsec_audit_event_in ev = { MEDSEC_EV_LOG_RECOVERED,
		"medsec-audit", "local", kept, MEDSEC_AUDIT_SUCCESS,
		"torn tail after a crash cut away", NULL };
	struct medsec_audit_detail d;
	char *canon = NULL;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "segment", st->segno);
	medsec_audit_detail_u64(&d, "offset", st->good_end);
	medsec_audit_detail_u64(&d, "bytes", st->file_size - st->good_end);
	medsec_audit_detail_u64(&d, "first_seq", st->next_seq);
	medsec_audit_detail_str(&d, "kept_in", kept);
	medsec_audit_detail_hex(&d, "sha256", digest, AUDIT_CHAIN_LEN);
	if ((r = medsec_audit_detail_end(&d, &ev.details)) != MEDSEC_OK ||
	    (r = audit_event_check(&ev, &canon)) != MEDSEC_OK)
		return r;
	r = audit_append_locked(a, &ev, canon, medsec_clock_wall_us(), 0, NULL);
	free(canon);
	return r;
}

int
audit_load_state(struct medsec_audit *a,
    struct medsec_audit_open_report *report)
{
	struct scan_state st;
	uint8_t digest[AUDIT_CHAIN_LEN];
	char kept[96], path[4096];
	uint64_t key_epoch;
	int key_behind = 0, r;

	memset(report, 0, sizeof(*report));
	memset(&st, 0, sizeof(st));
	if ((r = audit_mac_key_load(a, &key_epoch)) != MEDSEC_OK)
		goto out;
	if ((r = scan_last(a, a->mac_key, key_epoch, &st)) != MEDSEC_OK ||
	    (r = reconcile_key(a, &st, key_epoch, &key_behind)) != MEDSEC_OK)
		goto out;
	if (st.good_end < st.file_size &&
	    (r = cut_tail(a, &st, kept, sizeof(kept), digest)) != MEDSEC_OK)
		goto out;
	if (key_behind && (r = audit_mac_key_store(a->ks, st.epoch,
			       a->mac_key)) != MEDSEC_OK)
		goto out;
	if (a->segfd >= 0)
		medsec_io_close(a->segfd);
	a->segfd = -1;
	if ((r = seg_path(a, st.segno, path, sizeof(path))) != MEDSEC_OK)
		goto out;
	if ((a->segfd = medsec_io_open(path, O_RDWR, 0)) < 0) {
		r = a->segfd;
		a->segfd = -1;
		goto out;
	}
	apply_state(a, &st);
	audit_segment_preallocate(a);
	if ((r = audit_mac_rekey(a)) != MEDSEC_OK)
		goto out;
	report->next_seq = st.next_seq;
	if (st.good_end < st.file_size) {
		report->cut_bytes = st.file_size - st.good_end;
		report->cut_from_seq = st.next_seq;
		report->recovered = 1;
		medsec_log(MEDSEC_LOG_NOTICE, "audit", "recovered from a "
		    "crash: %llu bytes of a torn tail kept in %s and cut away",
		    (unsigned long long)report->cut_bytes, kept);
		r = write_recovered(a, &st, kept, digest);
		report->next_seq = a->next_seq;
	}
out:
	if (r == MEDSEC_ERR_TAMPERED)
		snprintf(report->message, sizeof(report->message), "%s",
		    st.why[0] ? st.why : "the trail does not check out");
	scan_state_free(&st);
	return r;
}
