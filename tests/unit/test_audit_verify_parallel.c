/*
 * The audit verifier checks chain links, MACs and checkpoint signatures on
 * worker threads, batch by batch (audit_verify_int.h). These trails span
 * several batches and segments, so a bad record sits in a late batch, or
 * two bad records in different batches, and the verifier must still name
 * the first bad record exactly as a record-by-record walk would: problem,
 * sequence number, segment, offset, and the counts up to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "fixture.h"
#include "audit/audit_int.h"
#include "audit/audit_verify_int.h"
#include "io/io.h"
#include "medsec/audit.h"
#include "medsec/err.h"

/* Three and a half batches in four segments, two epochs per batch. */
#define TRAIL_RECORDS (3 * AUDIT_VBATCH_RECORDS + AUDIT_VBATCH_RECORDS / 2)
#define EPOCH_RECORDS 500
#define SEGMENT_BYTES (160u * 1024u)

/* Where a record lies: its segment, its file offset, and that file. */
struct place {
	int segno;
	long off;
	size_t len, body_len;
	char path[512];
};

static int
no_sync(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	return 0;
}

/*
 * The trail is the input here, not what is tested: its syncs are skipped
 * (thousands of them would take minutes), and verification runs on the
 * ordinary I/O functions.
 */
static void
build(struct fixture *f)
{
	struct medsec_io_ops ops = *medsec_io_posix_ops();
	struct medsec_audit *a;

	ops.fsync = no_sync;
	ops.fdatasync = no_sync;
	medsec_io_set_ops(&ops);
	fixture_setup(f, EPOCH_RECORDS, SEGMENT_BYTES);
	assert_int_equal(medsec_audit_open(f->audit, f->ks, &f->opts, &a, NULL),
	    MEDSEC_OK);
	fixture_append(a, 1, TRAIL_RECORDS);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	medsec_io_set_ops(NULL);
}

static uint8_t *
load(const char *path, size_t *lenp)
{
	FILE *fp;
	uint8_t *buf;
	long n;

	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) > 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	assert_non_null(buf = malloc((size_t)n));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*lenp = (size_t)n;
	return buf;
}

/* Finds record seq by walking the segments' framing. */
static void
locate(const struct fixture *f, uint64_t seq, struct place *pl)
{
	struct audit_rec rec;
	size_t len, off;
	uint8_t *buf;
	int n;

	for (int segno = 1;; segno++) {
		snprintf(pl->path, sizeof(pl->path), "%s/seg-%016d.log",
		    f->audit, segno);
		buf = load(pl->path, &len);
		for (off = AUDIT_SEG_HEADER_LEN; off < len; off += (size_t)n) {
			assert_true((n = audit_rec_decode(buf + off, len - off,
					 &rec)) > 0);
			if (rec.seq == seq) {
				pl->segno = segno;
				pl->off = (long)off;
				pl->len = rec.len;
				pl->body_len = rec.body_len;
				free(buf);
				return;
			}
		}
		free(buf);
	}
}

static void
flip(const struct place *pl, size_t at)
{
	FILE *fp;
	int c;

	assert_non_null(fp = fopen(pl->path, "r+b"));
	assert_int_equal(fseek(fp, pl->off + (long)at, SEEK_SET), 0);
	assert_true((c = fgetc(fp)) != EOF);
	assert_int_equal(fseek(fp, pl->off + (long)at, SEEK_SET), 0);
	assert_int_equal(fputc(c ^ 0x01, fp), c ^ 0x01);
	assert_int_equal(fclose(fp), 0);
}

/* The record's content changes: its chain link breaks. */
static void
break_chain(const struct fixture *f, uint64_t seq, struct place *pl)
{
	locate(f, seq, pl);
	flip(pl, AUDIT_REC_FIXED_LEN + 1); /* in the actor */
}

/* Only the stored MAC changes: the chain still holds. */
static void
break_mac(const struct fixture *f, uint64_t seq, struct place *pl)
{
	locate(f, seq, pl);
	flip(pl, pl->body_len + AUDIT_CHAIN_LEN + 3);
}

/* Cuts record seq out of its segment. */
static void
delete_record(const struct fixture *f, uint64_t seq, struct place *pl)
{
	uint8_t *buf;
	size_t len;
	FILE *fp;

	locate(f, seq, pl);
	buf = load(pl->path, &len);
	memmove(buf + pl->off, buf + pl->off + (long)pl->len,
	    len - (size_t)pl->off - pl->len);
	assert_non_null(fp = fopen(pl->path, "wb"));
	assert_int_equal(fwrite(buf, 1, len - pl->len, fp), len - pl->len);
	assert_int_equal(fclose(fp), 0);
	free(buf);
}

/* Checkpoints the trail holds before record seq. */
static uint64_t
checkpoints_before(const struct fixture *f, uint64_t seq)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	uint64_t n = 0;

	assert_int_equal(medsec_audit_reader_open(f->audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1 && rec.seq < seq)
		n += rec.event == MEDSEC_EV_AUDIT_CHECKPOINT;
	medsec_audit_reader_close(rd);
	return n;
}

static void
expect_first(const struct fixture *f, int problem, uint64_t seq,
    const struct place *pl)
{
	struct medsec_audit_verify_result res;

	assert_int_equal(fixture_verify(f, 1, &res), MEDSEC_ERR_TAMPERED);
	if (res.problem != problem || res.bad_seq != seq)
		fail_msg("expected %s at %llu, got %s at %llu: %s",
		    medsec_audit_problem_name(problem), (unsigned long long)seq,
		    medsec_audit_problem_name(res.problem),
		    (unsigned long long)res.bad_seq, res.message);
	assert_int_equal(res.bad_segment, pl->segno);
	assert_int_equal(res.bad_offset, pl->off);
	/* Every record before it was checked, and none after. */
	assert_int_equal(res.records, seq - 1);
	assert_int_equal(res.segments, pl->segno - 1);
	assert_int_equal(res.checkpoints, checkpoints_before(f, seq));
	assert_true(res.checkpoints > 0);
	assert_non_null(strstr(res.message, "record"));
}

static void
test_req_2_1_parallel_verify_uneven_batches_intact(void **state)
{
	struct medsec_audit_verify_result res;
	struct fixture f;

	(void)state;
	build(&f);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	assert_int_equal(res.problem, MEDSEC_AUDIT_INTACT);
	assert_int_equal(res.macs_checked, 1);
	/* Every appended record, the checkpoints between, and the one the
	 * close wrote: none was lost at a batch's edge. */
	assert_true(res.records > TRAIL_RECORDS);
	if (res.records % AUDIT_VBATCH_RECORDS == 0)
		fail_msg("the trail must end inside a batch");
	assert_int_equal(res.head_seq, res.records);
	assert_int_equal(res.checkpoints, res.epoch);
	assert_true(res.segments > 1);
	assert_int_equal(fixture_verify(&f, 0, &res), MEDSEC_OK);
	fixture_teardown(&f);
}

static void
test_req_2_1_parallel_verify_bad_mac_in_late_batch(void **state)
{
	struct fixture f;
	struct place pl;
	uint64_t seq = 3 * AUDIT_VBATCH_RECORDS + 100;

	(void)state;
	build(&f);
	break_mac(&f, seq, &pl);
	expect_first(&f, MEDSEC_AUDIT_RESEALED, seq, &pl);
	fixture_teardown(&f);
}

static void
test_req_2_1_parallel_verify_mac_before_chain_break(void **state)
{
	struct fixture f;
	struct place mac, chain;
	uint64_t first = AUDIT_VBATCH_RECORDS + 17;

	(void)state;
	build(&f);
	break_mac(&f, first, &mac);
	break_chain(&f, 3 * AUDIT_VBATCH_RECORDS + 5, &chain);
	expect_first(&f, MEDSEC_AUDIT_RESEALED, first, &mac);
	fixture_teardown(&f);
}

static void
test_req_2_1_parallel_verify_chain_break_before_mac(void **state)
{
	struct fixture f;
	struct place mac, chain;
	uint64_t first = AUDIT_VBATCH_RECORDS / 2;

	(void)state;
	build(&f);
	break_mac(&f, 2 * AUDIT_VBATCH_RECORDS + 33, &mac);
	break_chain(&f, first, &chain);
	expect_first(&f, MEDSEC_AUDIT_MODIFIED, first, &chain);
	fixture_teardown(&f);
}

static void
test_req_2_1_parallel_verify_mac_before_deletion(void **state)
{
	struct fixture f;
	struct place mac, gone;
	uint64_t first = 2 * AUDIT_VBATCH_RECORDS + 1;

	(void)state;
	build(&f);
	delete_record(&f, 3 * AUDIT_VBATCH_RECORDS + 200, &gone);
	break_mac(&f, first, &mac);
	expect_first(&f, MEDSEC_AUDIT_RESEALED, first, &mac);
	fixture_teardown(&f);
}

static void
test_req_2_1_parallel_verify_deletion_before_mac(void **state)
{
	struct fixture f;
	struct place mac, gone;
	uint64_t first = AUDIT_VBATCH_RECORDS + 300;

	(void)state;
	build(&f);
	break_mac(&f, 3 * AUDIT_VBATCH_RECORDS + 9, &mac);
	delete_record(&f, first, &gone);
	expect_first(&f, MEDSEC_AUDIT_DELETED, first, &gone);
	fixture_teardown(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_parallel_verify_uneven_batches_intact),
	cmocka_unit_test(test_req_2_1_parallel_verify_bad_mac_in_late_batch),
	cmocka_unit_test(test_req_2_1_parallel_verify_mac_before_chain_break),
	cmocka_unit_test(test_req_2_1_parallel_verify_chain_break_before_mac),
	cmocka_unit_test(test_req_2_1_parallel_verify_mac_before_deletion),
	cmocka_unit_test(test_req_2_1_parallel_verify_deletion_before_mac),
};

MEDSEC_TEST_MAIN(tests)
