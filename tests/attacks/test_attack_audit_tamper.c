/*
 * Attacks on the audit trail at rest (TESTING.md L1-L4 and the issue's
 * bad-input list): every kind of tampering is detected, named, and
 * located at the first bad record.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "audit/audit_int.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

struct seg {
	char path[512];
	uint8_t *buf;
	size_t len;
	size_t nrec;
	size_t off[4096];
	struct audit_rec rec[4096];
};

static void
seg_load(struct seg *s, const char *audit_dir, int segno)
{
	FILE *f;
	size_t off = AUDIT_SEG_HEADER_LEN;
	int n;

	snprintf(s->path, sizeof(s->path), "%s/seg-%016d.log", audit_dir, segno);
	assert_non_null(f = fopen(s->path, "rb"));
	fseek(f, 0, SEEK_END);
	s->len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	s->buf = malloc(s->len + 1);
	assert_int_equal(fread(s->buf, 1, s->len, f), s->len);
	fclose(f);
	s->nrec = 0;
	while (off < s->len) {
		n = audit_rec_decode(s->buf + off, s->len - off, &s->rec[s->nrec]);
		assert_true(n > 0);
		s->off[s->nrec++] = off;
		off += (size_t)n;
	}
}

static void
seg_save(struct seg *s)
{
	FILE *f;

	assert_non_null(f = fopen(s->path, "wb"));
	assert_int_equal(fwrite(s->buf, 1, s->len, f), s->len);
	fclose(f);
	free(s->buf);
	s->buf = NULL;
}

/* Index of the record with this sequence number. */
static size_t
seg_find(const struct seg *s, uint64_t seq)
{
	for (size_t i = 0; i < s->nrec; i++)
		if (s->rec[i].seq == seq)
			return i;
	fail_msg("record %llu not in segment", (unsigned long long)seq);
	return 0;
}

/*
 * Recomputes the chain (and, given a key, the MACs under that one key)
 * from record `from` on, as an attacker without the old keys would.
 */
static void
seg_rechain(struct seg *s, size_t from, const uint8_t *mac_key)
{
	struct medsec_hash_ctx *h;
	uint8_t chain[AUDIT_CHAIN_LEN];

	assert_int_equal(medsec_hash_new(MEDSEC_ALG_SHA256, &h), MEDSEC_OK);
	if (from == 0)
		medsec_hash(MEDSEC_ALG_SHA256, s->buf, AUDIT_SEG_HEADER_LEN, chain);
	else
		memcpy(chain, s->buf + s->off[from - 1] + s->rec[from - 1].body_len,
		    AUDIT_CHAIN_LEN);
	for (size_t i = from; i < s->nrec; i++) {
		uint8_t *p = s->buf + s->off[i];
		size_t body = s->rec[i].body_len;

		audit_chain_hash(h, chain, p, body, p + body);
		memcpy(chain, p + body, AUDIT_CHAIN_LEN);
		if (mac_key != NULL)
			medsec_hmac(MEDSEC_ALG_HMAC_SHA256, mac_key, 32, chain,
			    AUDIT_CHAIN_LEN, p + body + AUDIT_CHAIN_LEN);
	}
	medsec_hash_free(h);
}

static void
seg_remove(struct seg *s, size_t i)
{
	size_t len = s->rec[i].len;

	memmove(s->buf + s->off[i], s->buf + s->off[i] + len,
	    s->len - s->off[i] - len);
	s->len -= len;
}

static void
build(struct fixture *f, uint32_t epoch, uint64_t segment, int count)
{
	struct medsec_audit *a;

	fixture_setup(f, epoch, segment);
	assert_int_equal(medsec_audit_open(f->audit, f->ks, &f->opts, &a, NULL),
	    MEDSEC_OK);
	fixture_append(a, 1, count);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
}

static void
expect(const struct fixture *f, int with_key, int problem, uint64_t seq)
{
	struct medsec_audit_verify_result res;

	assert_int_equal(fixture_verify(f, with_key, &res), MEDSEC_ERR_TAMPERED);
	if (res.problem != problem || (seq != 0 && res.bad_seq != seq))
		fail_msg("expected %s at %llu, got %s at %llu: %s",
		    medsec_audit_problem_name(problem), (unsigned long long)seq,
		    medsec_audit_problem_name(res.problem),
		    (unsigned long long)res.bad_seq, res.message);
	assert_true(strlen(res.message) > 0);
}

static void
test_req_2_1_attack_l1_modified_record_detected(void **state)
{
	struct fixture f;
	struct seg s;
	size_t i;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	seg_load(&s, f.audit, 1);
	i = seg_find(&s, 20);
	s.buf[s.off[i] + AUDIT_REC_FIXED_LEN + 2] ^= 0x01; /* in the actor */
	seg_save(&s);
	expect(&f, 1, MEDSEC_AUDIT_MODIFIED, 20);
	expect(&f, 0, MEDSEC_AUDIT_MODIFIED, 20);
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_l2_deleted_record_detected(void **state)
{
	struct fixture f;
	struct seg s;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	seg_load(&s, f.audit, 1);
	seg_remove(&s, seg_find(&s, 17));
	seg_save(&s);
	expect(&f, 1, MEDSEC_AUDIT_DELETED, 17);
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_l2_reordered_records_detected(void **state)
{
	uint8_t tmp[AUDIT_REC_MAX];
	struct fixture f;
	struct seg s;
	size_t i, la, lb;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	seg_load(&s, f.audit, 1);
	i = seg_find(&s, 23);
	la = s.rec[i].len;
	lb = s.rec[i + 1].len;
	memcpy(tmp, s.buf + s.off[i], la);
	memmove(s.buf + s.off[i], s.buf + s.off[i + 1], lb);
	memcpy(s.buf + s.off[i] + lb, tmp, la);
	seg_save(&s);
	expect(&f, 1, MEDSEC_AUDIT_REORDERED, 23);
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_replayed_record_detected(void **state)
{
	struct fixture f;
	struct seg s;
	size_t i, len;
	uint8_t *grown;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	seg_load(&s, f.audit, 1);
	i = seg_find(&s, 15);
	len = s.rec[i].len;
	assert_non_null(grown = realloc(s.buf, s.len + len));
	s.buf = grown;
	memmove(s.buf + s.off[i] + 2 * len, s.buf + s.off[i] + len,
	    s.len - s.off[i] - len);
	memcpy(s.buf + s.off[i] + len, s.buf + s.off[i], len);
	s.len += len;
	seg_save(&s);
	expect(&f, 1, MEDSEC_AUDIT_INSERTED, 16);
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_l3_truncated_tail_detected(void **state)
{
	struct medsec_audit *a = NULL;
	struct fixture f;
	struct seg s;
	size_t i;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	seg_load(&s, f.audit, 1);
	/* cut back to a record boundary before the last checkpoint */
	i = s.nrec - 1;
	while (s.rec[i].event != MEDSEC_EV_AUDIT_CHECKPOINT)
		i--;
	s.len = s.off[i - 3];
	seg_save(&s);
	expect(&f, 1, MEDSEC_AUDIT_TRUNCATED, 0);
	expect(&f, 0, MEDSEC_AUDIT_TRUNCATED, 0);
	/* and the device refuses to write on after it */
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_ERR_TAMPERED);
	assert_null(a);
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_l4_resealed_with_current_key_detected(void **state)
{
	uint8_t secret[MEDSEC_KEY_SECRET_MAX];
	size_t len;
	struct fixture f;
	struct seg s;
	size_t i;

	(void)state;
	build(&f, 10, 1 << 20, 60);
	/* The attacker takes the device today and holds today's MAC key. */
	assert_int_equal(medsec_keystore_get(f.ks, "audit-mac", secret, &len,
			     NULL), MEDSEC_OK);
	seg_load(&s, f.audit, 1);
	i = seg_find(&s, 12);
	s.buf[s.off[i] + AUDIT_REC_FIXED_LEN] ^= 0x20;
	seg_rechain(&s, i, secret + 8);
	seg_save(&s);
	medsec_wipe(secret, sizeof(secret));
	/* Record 12 belongs to epoch 1: today's key cannot forge its MAC. */
	expect(&f, 1, MEDSEC_AUDIT_RESEALED, 12);
	/* Without the verifier key the next checkpoint's signature fails. */
	expect(&f, 0, MEDSEC_AUDIT_BAD_CHECKPOINT, 0);
	fixture_teardown(&f);
}

static void
test_req_2_1_checkpoint_signed_by_another_key_detected(void **state)
{
	uint8_t sk[32], pk[65], sig[64], msg[128], prev[AUDIT_CHAIN_LEN];
	char hex[129];
	size_t pklen, i, n;
	struct fixture f;
	struct seg s;
	uint8_t *details, *at;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	seg_load(&s, f.audit, 1);
	for (i = 1; s.rec[i].event != MEDSEC_EV_AUDIT_CHECKPOINT ||
	     s.rec[i].seq < 10; i++)
		;
	memcpy(prev, s.buf + s.off[i - 1] + s.rec[i - 1].body_len,
	    AUDIT_CHAIN_LEN);
	n = audit_checkpoint_message(msg, s.rec[i].seq, s.rec[i].epoch,
	    s.rec[i].time_us, prev);
	assert_int_equal(medsec_sign_keygen(MEDSEC_ALG_ED25519, sk, pk, &pklen),
	    MEDSEC_OK);
	assert_int_equal(medsec_sign(MEDSEC_ALG_ED25519, sk, msg, n, sig),
	    MEDSEC_OK);
	medsec_hex(sig, sizeof(sig), hex);
	details = s.buf + s.off[i] + s.rec[i].body_len - s.rec[i].field_len[F_DETAILS];
	at = memmem(details, s.rec[i].field_len[F_DETAILS], "\"sig\":\"", 7);
	assert_non_null(at);
	memcpy(at + 7, hex, 128);
	seg_rechain(&s, i, NULL);
	seg_save(&s);
	expect(&f, 0, MEDSEC_AUDIT_BAD_CHECKPOINT, s.rec[i].seq);
	fixture_teardown(&f);
}

static void
test_req_2_1_segment_replaced_by_older_copy_detected(void **state)
{
	struct medsec_audit *a;
	struct fixture f;
	char old[600], seg2[600];

	(void)state;
	build(&f, 50, 8192, 60);
	snprintf(seg2, sizeof(seg2), "%s/seg-%016d.log", f.audit, 2);
	snprintf(old, sizeof(old), "%s/old-seg2", f.root);
	fixture_copy_tree(seg2, old);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	fixture_append(a, 61, 150);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(rename(old, seg2), 0);
	expect(&f, 1, MEDSEC_AUDIT_SEGMENT_REPLACED, 0);
	fixture_teardown(&f);
}

static void
test_req_2_1_segment_deleted_detected(void **state)
{
	struct fixture f;
	char seg2[600];

	(void)state;
	build(&f, 50, 8192, 200);
	snprintf(seg2, sizeof(seg2), "%s/seg-%016d.log", f.audit, 2);
	assert_int_equal(unlink(seg2), 0);
	expect(&f, 1, MEDSEC_AUDIT_DELETED, 0);
	fixture_teardown(&f);
}

static void
test_req_2_1_segment_header_modified_detected(void **state)
{
	struct fixture f;
	struct seg s;

	(void)state;
	build(&f, 10, 1 << 20, 20);
	seg_load(&s, f.audit, 1);
	s.buf[104] ^= 0x01; /* creation time */
	seg_save(&s);
	expect(&f, 1, MEDSEC_AUDIT_MODIFIED, 1);
	fixture_teardown(&f);
}

static void
test_req_2_1_wrong_verifier_key_detected(void **state)
{
	struct fixture f, other;

	(void)state;
	build(&f, 10, 1 << 20, 5);
	build(&other, 10, 1 << 20, 5);
	/* other's verifier key file, but f's device public key */
	snprintf(f.verifier, sizeof(f.verifier), "%s", other.verifier);
	expect(&f, 1, MEDSEC_AUDIT_WRONG_VERIFIER_KEY, 0);
	expect(&f, 0, MEDSEC_AUDIT_WRONG_VERIFIER_KEY, 0);
	fixture_teardown(&f);
	fixture_teardown(&other);
}

static void
test_req_2_1_foreign_verifier_mac_key_detected(void **state)
{
	struct medsec_audit_verifier mine, theirs;
	struct medsec_audit_verify_options opts;
	struct medsec_audit_verify_result res;
	struct fixture f, other;

	(void)state;
	build(&f, 10, 1 << 20, 5);
	build(&other, 10, 1 << 20, 5);
	assert_int_equal(medsec_audit_read_verifier(f.verifier, &mine), MEDSEC_OK);
	assert_int_equal(medsec_audit_read_verifier(other.verifier, &theirs),
	    MEDSEC_OK);
	memset(&opts, 0, sizeof(opts));
	opts.public_key = mine.public_key;
	opts.public_key_len = mine.public_key_len;
	opts.public_key_alg = mine.public_key_alg;
	opts.verifier_key = theirs.mac_key;
	opts.verifier_key_len = theirs.mac_key_len;
	assert_int_equal(medsec_audit_verify(f.audit, &opts, &res),
	    MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.problem, MEDSEC_AUDIT_WRONG_VERIFIER_KEY);
	fixture_teardown(&f);
	fixture_teardown(&other);
}

static void
test_req_2_1_damaged_anchor_detected(void **state)
{
	struct fixture f;
	char path[600];
	FILE *fp;

	(void)state;
	build(&f, 10, 1 << 20, 20);
	snprintf(path, sizeof(path), "%s/anchor", f.audit);
	assert_non_null(fp = fopen(path, "r+b"));
	fseek(fp, 40, SEEK_SET);
	fputc(0x55, fp);
	fclose(fp);
	expect(&f, 1, MEDSEC_AUDIT_BAD_CHECKPOINT, 0);
	fixture_teardown(&f);
}

static void
test_req_2_1_torn_tail_reported_then_recovered(void **state)
{
	struct medsec_audit_open_report rep;
	struct medsec_audit_verify_result res;
	struct medsec_audit *a;
	struct fixture f;
	struct seg s;
	uint8_t *grown;
	char kept[600];
	struct stat sb;

	(void)state;
	build(&f, 10, 1 << 20, 20);
	seg_load(&s, f.audit, 1);
	/* half of a copy of the last record, as a crash mid-write leaves */
	assert_non_null(grown = realloc(s.buf, s.len + 60));
	s.buf = grown;
	memcpy(s.buf + s.len, s.buf + s.off[s.nrec - 1], 60);
	s.len += 60;
	seg_save(&s);
	expect(&f, 1, MEDSEC_AUDIT_MALFORMED, 0);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, &rep),
	    MEDSEC_OK);
	assert_int_equal(rep.cut_bytes, 60);
	assert_true(rep.recovered);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	snprintf(kept, sizeof(kept), "%s/recovered-1-%zu.bin", f.audit,
	    s.off[s.nrec - 1] + s.rec[s.nrec - 1].len);
	assert_int_equal(stat(kept, &sb), 0);
	assert_int_equal(sb.st_size, 60);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	seg_load(&s, f.audit, 1);
	assert_int_equal(s.rec[s.nrec - 1].event, MEDSEC_EV_LOG_RECOVERED);
	free(s.buf);
	fixture_teardown(&f);
}


/* The writer refuses the trail, saying why, and changes nothing. */
static void
expect_open_refused(struct fixture *f, const char *why)
{
	struct medsec_audit_open_report rep;
	struct medsec_audit *a = NULL;
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "ls %s | grep -q recovered", f->audit);
	assert_int_equal(medsec_audit_open(f->audit, f->ks, &f->opts, &a, &rep),
	    MEDSEC_ERR_TAMPERED);
	assert_null(a);
	if (strstr(rep.message, why) == NULL)
		fail_msg("open refused, but the reason '%s' does not say '%s'",
		    rep.message, why);
	assert_int_not_equal(system(cmd), 0); /* nothing cut as "recovered" */
}

static void
remove_anchor(const struct fixture *f)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/anchor", f->audit);
	assert_int_equal(unlink(path), 0);
}

static void
test_req_2_1_attack_l3_anchor_deleted_detected(void **state)
{
	struct fixture f;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	remove_anchor(&f);
	expect(&f, 1, MEDSEC_AUDIT_TRUNCATED, 0);
	expect(&f, 0, MEDSEC_AUDIT_TRUNCATED, 0);
	expect_open_refused(&f, "anchor file is missing");
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_l3_cut_at_checkpoint_no_anchor(void **state)
{
	struct fixture f;
	struct seg s;
	size_t i;

	(void)state;
	build(&f, 10, 1 << 20, 40);
	seg_load(&s, f.audit, 1);
	/* cut right after a checkpoint that is not the newest one */
	i = s.nrec - 1;
	while (s.rec[i].event != MEDSEC_EV_AUDIT_CHECKPOINT)
		i--;
	i--;
	while (s.rec[i].event != MEDSEC_EV_AUDIT_CHECKPOINT)
		i--;
	s.len = s.off[i] + s.rec[i].len;
	seg_save(&s);
	remove_anchor(&f);
	expect(&f, 1, MEDSEC_AUDIT_TRUNCATED, 0);
	expect(&f, 0, MEDSEC_AUDIT_TRUNCATED, 0);
	expect_open_refused(&f, "");
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_l3_last_segments_gone_no_anchor(void **state)
{
	struct medsec_audit_verify_result res;
	struct fixture f;
	char path[600];
	int last = 1;

	(void)state;
	build(&f, 50, 8192, 300);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	assert_true(res.segments >= 3);
	last = (int)res.segments;
	for (int i = last; i > last - 2; i--) {
		snprintf(path, sizeof(path), "%s/seg-%016d.log", f.audit, i);
		assert_int_equal(unlink(path), 0);
	}
	remove_anchor(&f);
	expect(&f, 1, MEDSEC_AUDIT_TRUNCATED, 0);
	expect(&f, 0, MEDSEC_AUDIT_TRUNCATED, 0);
	expect_open_refused(&f, "");
	fixture_teardown(&f);
}

/*
 * An older copy of audit/ put back whole is consistent in itself: the
 * verifier key alone cannot tell. The device can (its sealed MAC key has
 * moved on), and so can a head kept off the device.
 */
static void
test_req_2_1_attack_l3_older_trail_put_back_detected(void **state)
{
	struct medsec_audit_verify_result res, old;
	struct medsec_audit_verifier v;
	struct medsec_audit_verify_options opts;
	struct medsec_audit_expect kept, device;
	struct medsec_audit *a;
	struct fixture f;
	char copy[600];

	(void)state;
	build(&f, 10, 1 << 20, 25);
	snprintf(copy, sizeof(copy), "%s/audit-copy", f.root);
	fixture_copy_tree(f.audit, copy);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	fixture_append(a, 26, 30);
	assert_int_equal(medsec_audit_checkpoint(a), MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	fixture_rmrf(f.audit);
	assert_int_equal(rename(copy, f.audit), 0);
	/* consistent in itself */
	assert_int_equal(fixture_verify(&f, 1, &old), MEDSEC_OK);
	assert_true(old.head_seq < res.head_seq);
	/* the device's key epoch and a head kept off the device say not */
	memset(&device, 0, sizeof(device));
	device.source = "the keystore";
	device.have_mac_epoch = 1;
	assert_int_equal(medsec_audit_key_epoch(f.ks, &device.mac_epoch),
	    MEDSEC_OK);
	memset(&kept, 0, sizeof(kept));
	kept.source = "the kept head";
	kept.head_seq = res.head_seq;
	memcpy(kept.head_chain, res.head_chain, sizeof(kept.head_chain));
	assert_int_equal(medsec_audit_read_verifier(f.verifier, &v), MEDSEC_OK);
	memset(&opts, 0, sizeof(opts));
	opts.public_key = v.public_key;
	opts.public_key_len = v.public_key_len;
	opts.public_key_alg = v.public_key_alg;
	opts.verifier_key = v.mac_key;
	opts.verifier_key_len = v.mac_key_len;
	assert_int_equal(medsec_audit_verify_against(f.audit, &opts, &device, 1,
			     &old), MEDSEC_ERR_TAMPERED);
	assert_int_equal(old.problem, MEDSEC_AUDIT_ROLLED_BACK);
	assert_non_null(strstr(old.message, "the keystore"));
	assert_int_equal(medsec_audit_verify_against(f.audit, &opts, &kept, 1,
			     &old), MEDSEC_ERR_TAMPERED);
	assert_int_equal(old.problem, MEDSEC_AUDIT_ROLLED_BACK);
	assert_non_null(strstr(old.message, "the kept head"));
	medsec_wipe(&v, sizeof(v));
	expect_open_refused(&f, "sealed MAC key is at epoch");
	fixture_teardown(&f);
}

/* Records after the newest checkpoint, as a crash or a running writer
 * leaves them. */
static void
build_open_tail(struct fixture *f, struct seg *s)
{
	build(f, 10, 1 << 20, 25);
	seg_load(s, f->audit, 1);
	assert_int_not_equal(s->rec[s->nrec - 1].event,
	    MEDSEC_EV_AUDIT_CHECKPOINT);
	assert_int_not_equal(s->rec[s->nrec - 2].event,
	    MEDSEC_EV_AUDIT_CHECKPOINT);
}

static void
test_req_2_1_attack_l1_altered_after_checkpoint(void **state)
{
	struct fixture f;
	struct seg s;
	uint64_t seq;
	size_t i;

	(void)state;
	build_open_tail(&f, &s);
	i = s.nrec - 2;
	seq = s.rec[i].seq;
	s.buf[s.off[i] + AUDIT_REC_FIXED_LEN + 2] ^= 0x01; /* in the actor */
	seg_save(&s);
	expect_open_refused(&f, "changed after it was written");
	expect(&f, 1, MEDSEC_AUDIT_MODIFIED, seq);
	fixture_teardown(&f);
}

/* The chain hash recomputed, as anyone can: only the MAC tells. */
static void
test_req_2_1_attack_l1_rechained_after_checkpoint(void **state)
{
	struct fixture f;
	struct seg s;
	uint64_t seq;
	size_t i;

	(void)state;
	build_open_tail(&f, &s);
	i = s.nrec - 2;
	seq = s.rec[i].seq;
	s.buf[s.off[i] + AUDIT_REC_FIXED_LEN + 2] ^= 0x01;
	seg_rechain(&s, i, NULL);
	seg_save(&s);
	expect_open_refused(&f, "MAC does not verify");
	expect(&f, 1, MEDSEC_AUDIT_RESEALED, seq);
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_l2_removed_after_checkpoint(void **state)
{
	struct fixture f;
	struct seg s;

	(void)state;
	build_open_tail(&f, &s);
	seg_remove(&s, s.nrec - 2);
	seg_save(&s);
	expect_open_refused(&f, "records were removed");
	fixture_teardown(&f);
}

static void
test_req_2_1_writer_refuses_segment_of_another_device(void **state)
{
	struct medsec_audit_verify_result res;
	struct fixture f, other;
	char mine[600], theirs[600];

	(void)state;
	build(&f, 50, 8192, 200);
	build(&other, 50, 8192, 200);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	assert_true(res.segments >= 3);
	snprintf(mine, sizeof(mine), "%s/seg-%016d.log", f.audit, 1);
	snprintf(theirs, sizeof(theirs), "%s/seg-%016d.log", other.audit, 1);
	fixture_copy_tree(theirs, mine);
	expect_open_refused(&f, "another device");
	fixture_teardown(&other);
	fixture_teardown(&f);
}

static void
test_req_2_1_writer_refuses_segment_not_continuing(void **state)
{
	struct medsec_audit *a;
	struct fixture f;
	char old[600], seg[600];
	struct medsec_audit_verify_result res;

	(void)state;
	build(&f, 50, 8192, 60);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	snprintf(seg, sizeof(seg), "%s/seg-%016d.log", f.audit,
	    (int)res.segments - 1);
	snprintf(old, sizeof(old), "%s/old-seg", f.root);
	fixture_copy_tree(seg, old);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	fixture_append(a, 61, 150);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	/* the older copy of what is now the second-to-last segment */
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	snprintf(seg, sizeof(seg), "%s/seg-%016d.log", f.audit,
	    (int)res.segments - 1);
	fixture_copy_tree(old, seg);
	expect_open_refused(&f, "");
	fixture_teardown(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_attack_l1_modified_record_detected),
	cmocka_unit_test(test_req_2_1_attack_l2_deleted_record_detected),
	cmocka_unit_test(test_req_2_1_attack_l2_reordered_records_detected),
	cmocka_unit_test(test_req_2_1_attack_replayed_record_detected),
	cmocka_unit_test(test_req_2_1_attack_l3_truncated_tail_detected),
	cmocka_unit_test(test_req_2_1_attack_l4_resealed_with_current_key_detected),
	cmocka_unit_test(test_req_2_1_checkpoint_signed_by_another_key_detected),
	cmocka_unit_test(test_req_2_1_segment_replaced_by_older_copy_detected),
	cmocka_unit_test(test_req_2_1_segment_deleted_detected),
	cmocka_unit_test(test_req_2_1_segment_header_modified_detected),
	cmocka_unit_test(test_req_2_1_wrong_verifier_key_detected),
	cmocka_unit_test(test_req_2_1_foreign_verifier_mac_key_detected),
	cmocka_unit_test(test_req_2_1_damaged_anchor_detected),
	cmocka_unit_test(test_req_2_1_torn_tail_reported_then_recovered),
	cmocka_unit_test(test_req_2_1_attack_l3_anchor_deleted_detected),
	cmocka_unit_test(test_req_2_1_attack_l3_cut_at_checkpoint_no_anchor),
	cmocka_unit_test(test_req_2_1_attack_l3_last_segments_gone_no_anchor),
	cmocka_unit_test(test_req_2_1_attack_l3_older_trail_put_back_detected),
	cmocka_unit_test(test_req_2_1_attack_l1_altered_after_checkpoint),
	cmocka_unit_test(test_req_2_1_attack_l1_rechained_after_checkpoint),
	cmocka_unit_test(test_req_2_1_attack_l2_removed_after_checkpoint),
	cmocka_unit_test(test_req_2_1_writer_refuses_segment_of_another_device),
	cmocka_unit_test(test_req_2_1_writer_refuses_segment_not_continuing),
};

MEDSEC_TEST_MAIN(tests)
