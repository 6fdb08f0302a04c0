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

static int
record_follows(struct scan_state *st, struct medsec_hash_ctx *h,
    const struct audit_rec *rec, const uint8_t *raw)
{
	uint8_t chain[AUDIT_CHAIN_LEN];

	if (rec->seq != st->next_seq || rec->epoch != st->epoch)
		return 0;
	if (audit_chain_hash(h, st->chain, raw, rec->body_len, chain) !=
		MEDSEC_OK ||
	    !medsec_ct_equal(chain, rec->hash, AUDIT_CHAIN_LEN))
		return 0;
	memcpy(st->chain, chain, AUDIT_CHAIN_LEN);
	if (rec->time_us > st->max_time_us)
		st->max_time_us = rec->time_us;
	st->next_seq++;
	st->epoch_count++;
	if (rec->event == MEDSEC_EV_AUDIT_CHECKPOINT) {
		st->epoch++;
		st->epoch_count = 0;
	}
	return 1;
}

/* Scans one segment, finding where its checked-out records end. */
static int
scan_segment(struct medsec_audit *a, uint64_t segno, struct scan_state *st)
{
	uint8_t raw[AUDIT_SEG_HEADER_LEN];
	struct audit_scan s;
	struct audit_rec rec;
	struct stat sb;
	uint64_t off;
	int r;

	memset(st, 0, sizeof(*st));
	st->segno = segno;
	char path[4096];
	if ((r = seg_path(a, segno, path, sizeof(path))) != MEDSEC_OK)
		return r;
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
	    MEDSEC_OK)
		goto out;
	while ((r = audit_scan_next(&s, &rec, &off)) == 1) {
		if (!record_follows(st, a->hash, &rec,
			s.buf + s.start - rec.len))
			break;
		st->good_end = off + rec.len;
	}
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
scan_last(struct medsec_audit *a, struct scan_state *st)
{
	uint64_t *segs = NULL;
	size_t n = 0;
	int r;

	if ((r = segments_check(a, &segs, &n)) != MEDSEC_OK)
		goto out;
	r = scan_segment(a, segs[n - 1], st);
	if ((r == AUDIT_SCAN_TORN || r == MEDSEC_ERR_FORMAT) && n > 1 &&
	    (r = set_aside_torn_segment(a, segs[n - 1])) == MEDSEC_OK)
		r = scan_segment(a, segs[n - 2], st);
	if (r == AUDIT_SCAN_TORN || r == MEDSEC_ERR_FORMAT)
		r = MEDSEC_ERR_TAMPERED;
	if (r == MEDSEC_OK && strcmp(st->header.identity_key_id,
				  a->identity_key_id) != 0)
		r = MEDSEC_ERR_KEY_MISMATCH;
out:
	free(segs);
	return r;
}

/* The MAC key on disk must match the epoch the trail has reached. */
static int
reconcile_key(struct medsec_audit *a, const struct scan_state *st,
    int *key_behindp)
{
	uint64_t key_epoch;
	struct audit_anchor anchor;
	int r;

	if ((r = audit_mac_key_load(a, &key_epoch)) != MEDSEC_OK)
		return r;
	/* The key moves forward only after its checkpoint is durable: a key
	 * ahead of the trail means checkpointed records were removed. */
	if (key_epoch > st->epoch || st->epoch - key_epoch > 1000000)
		return MEDSEC_ERR_TAMPERED;
	r = audit_anchor_read(a->dir, &anchor);
	if (r == MEDSEC_OK && anchor.seq >= st->next_seq)
		return MEDSEC_ERR_TAMPERED;
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_ERR_TAMPERED;
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
}

static int
write_recovered(struct medsec_audit *a, const struct scan_state *st,
    const char *kept, const uint8_t digest[AUDIT_CHAIN_LEN])
{
	char details[512], hex[2 * AUDIT_CHAIN_LEN + 1];
	struct medsec_audit_event_in ev = { MEDSEC_EV_LOG_RECOVERED,
		"medsec-audit", "local", kept, MEDSEC_AUDIT_SUCCESS,
		"torn tail after a crash cut away", details };
	char *canon = NULL;
	int r;

	medsec_hex(digest, AUDIT_CHAIN_LEN, hex);
	snprintf(details, sizeof(details),
	    "{\"segment\":%llu,\"offset\":%llu,\"bytes\":%llu,"
	    "\"first_seq\":%llu,\"kept_in\":\"%s\",\"sha256\":\"%s\"}",
	    (unsigned long long)st->segno, (unsigned long long)st->good_end,
	    (unsigned long long)(st->file_size - st->good_end),
	    (unsigned long long)st->next_seq, kept, hex);
	if ((r = audit_event_check(&ev, &canon)) != MEDSEC_OK)
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
	char kept[96];
	int key_behind = 0, r;

	memset(report, 0, sizeof(*report));
	if ((r = scan_last(a, &st)) != MEDSEC_OK ||
	    (r = reconcile_key(a, &st, &key_behind)) != MEDSEC_OK)
		return r;
	if (st.good_end < st.file_size &&
	    (r = cut_tail(a, &st, kept, sizeof(kept), digest)) != MEDSEC_OK)
		return r;
	if (key_behind && (r = audit_mac_key_store(a->ks, st.epoch,
			       a->mac_key)) != MEDSEC_OK)
		return r;
	if (a->segfd >= 0)
		medsec_io_close(a->segfd);
	char path[4096];
	if ((r = seg_path(a, st.segno, path, sizeof(path))) != MEDSEC_OK)
		return r;
	if ((a->segfd = medsec_io_open(path, O_RDWR, 0)) < 0) {
		r = a->segfd;
		a->segfd = -1;
		return r;
	}
	apply_state(a, &st);
	if ((r = audit_mac_rekey(a)) != MEDSEC_OK)
		return r;
	report->next_seq = st.next_seq;
	if (st.good_end < st.file_size) {
		report->cut_bytes = st.file_size - st.good_end;
		report->cut_from_seq = st.next_seq;
		report->recovered = 1;
		r = write_recovered(a, &st, kept, digest);
		report->next_seq = a->next_seq;
	}
	return r;
}
