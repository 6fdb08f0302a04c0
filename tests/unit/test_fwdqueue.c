/*
 * The store-and-forward queue (MFDS 1.16, 1.20, 2.1): batches delivered
 * oldest first and never renumbered, bounded in count, bytes and age with
 * every loss reported, counted and audited, encrypted under the device
 * profile's AEAD, refused when altered, and gone from every file of the
 * device once acknowledged. Power cuts and I/O failures at every write of
 * a put or an acknowledgement leave the queue whole.
 */
#define _XOPEN_SOURCE 700
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "faultio.h"
#include "fixture.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "medsec/fwdqueue.h"

#define MARKER_LEN 24

struct qdev {
	char root[64];	  /* scratch directory */
	char state[128];  /* root/dev: the device */
	char base[128];	  /* root/base: a copy to restart from */
	struct medsec_device *d;
	struct medsec_fwdqueue *q;
	struct medsec_fwdqueue_limits lim;
	char markers[8][MARKER_LEN + 1]; /* random, one per batch put */
};

static void
qdev_provision(struct qdev *t, const char *profile)
{
	struct medsec_device_provision_options o;
	struct medsec_device_provision_result res;
	char err[512] = "";

	memset(t, 0, sizeof(*t));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(t->root, sizeof(t->root), "/tmp/medsec-fwdq-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->state, sizeof(t->state), "%s/dev", t->root);
	snprintf(t->base, sizeof(t->base), "%s/base", t->root);
	memset(&o, 0, sizeof(o));
	o.state_dir = t->state;
	o.device_id = "ward-7-gateway";
	o.profile = profile;
	o.actor = "os:test";
	assert_int_equal(medsec_device_provision(&o, &res, err, sizeof(err)),
	    MEDSEC_OK);
	medsec_wipe(&res, sizeof(res));
	t->lim.max_batches = 100;
	t->lim.max_bytes = 1u << 20;
	t->lim.max_age_seconds = 3600;
}

static int
qdev_try_open(struct qdev *t)
{
	struct medsec_device_options o = { t->state, NULL, 0 };
	char err[512] = "";
	int r;

	if ((r = medsec_device_open(&o, &t->d, err, sizeof(err))) !=
	    MEDSEC_OK)
		return r;
	return medsec_fwdqueue_open(t->d, &t->lim, &t->q);
}

static void
qdev_open(struct qdev *t)
{
	assert_int_equal(qdev_try_open(t), MEDSEC_OK);
}

static void
qdev_close(struct qdev *t)
{
	medsec_fwdqueue_close(t->q);
	t->q = NULL;
	assert_int_equal(medsec_device_close(t->d), MEDSEC_OK);
	t->d = NULL;
}

static void
qdev_teardown(struct qdev *t)
{
	medsec_fwdqueue_close(t->q);
	if (t->d != NULL && medsec_device_close(t->d) != MEDSEC_OK) {
		/* The scratch directory goes next: nothing to keep. */
	}
	fixture_rmrf(t->root);
}

/* A batch whose text holds marker i: "{"reading":"<marker>"}". */
static void
make_batch(struct qdev *t, int i, char *buf, size_t buflen)
{
	uint8_t rnd[MARKER_LEN / 2];

	if (t->markers[i][0] == '\0') {
		assert_int_equal(medsec_random(rnd, sizeof(rnd)), MEDSEC_OK);
		medsec_hex(rnd, sizeof(rnd), t->markers[i]);
	}
	snprintf(buf, buflen, "{\"batch\":%d,\"reading\":\"%s\"}", i,
	    t->markers[i]);
}

static uint64_t
put(struct qdev *t, int i, uint32_t readings,
    struct medsec_fwdqueue_loss *loss)
{
	char buf[128];
	uint64_t seq = 0;

	make_batch(t, i, buf, sizeof(buf));
	assert_int_equal(medsec_fwdqueue_put(t->q, (const uint8_t *)buf,
	    strlen(buf), readings, &seq, loss), MEDSEC_OK);
	assert_true(seq > 0);
	return seq;
}

/* The next batch after `after` must be batch i, numbered want. */
static void
expect_next(struct qdev *t, uint64_t after, uint64_t want, int i,
    uint32_t readings)
{
	char buf[128];
	uint8_t *b = NULL;
	size_t len = 0;
	uint64_t seq = 0;
	uint32_t n = 0;

	make_batch(t, i, buf, sizeof(buf));
	assert_int_equal(medsec_fwdqueue_next(t->q, after, &seq, &b, &len,
	    &n), MEDSEC_OK);
	assert_int_equal(seq, want);
	assert_int_equal(n, readings);
	assert_int_equal(len, strlen(buf));
	assert_memory_equal(b, buf, len);
	medsec_fwdqueue_batch_free(b, len);
}

static void
expect_none_after(struct qdev *t, uint64_t after)
{
	uint8_t *b = (uint8_t *)"x";
	size_t len = 1;
	uint64_t seq = 1;

	assert_int_equal(medsec_fwdqueue_next(t->q, after, &seq, &b, &len,
	    NULL), MEDSEC_ERR_NOT_FOUND);
	assert_null(b);
	assert_int_equal(len, 0);
}

static struct medsec_fwdqueue_stats
stats(struct qdev *t)
{
	struct medsec_fwdqueue_stats st;

	assert_int_equal(medsec_fwdqueue_stats(t->q, &st), MEDSEC_OK);
	return st;
}

static int64_t
sql_int(struct qdev *t, const char *sql)
{
	struct medsec_db_stmt *st = NULL;
	int64_t v;

	assert_int_equal(medsec_db_prepare(medsec_device_db(t->d), sql, &st),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	v = medsec_db_column_int64(st, 0);
	medsec_db_finalize(st);
	return v;
}

static void
sql_blob(struct qdev *t, const char *sql, uint8_t *out, size_t len)
{
	struct medsec_db_stmt *st = NULL;
	const void *p;
	size_t n = 0;

	assert_int_equal(medsec_db_prepare(medsec_device_db(t->d), sql, &st),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	p = medsec_db_column_blob(st, 0, &n);
	assert_true(n >= len);
	memcpy(out, p, len);
	medsec_db_finalize(st);
}

/* Counts audit records of an event; *last gets the newest one's details. */
static size_t
count_events(struct qdev *t, int event, char *last, size_t lastlen)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	char dir[256];
	size_t n = 0;
	int r;

	snprintf(dir, sizeof(dir), "%s/audit", t->state);
	assert_int_equal(medsec_audit_reader_open(dir, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (rec.event != event)
			continue;
		n++;
		if (last != NULL)
			snprintf(last, lastlen, "%s", rec.details);
	}
	assert_int_equal(r, 0);
	medsec_audit_reader_close(rd);
	return n;
}

/* ---- scanning the state directory for bytes ---- */

static const uint8_t *scan_needle;
static size_t scan_needle_len;
static size_t scan_hits;
static size_t scan_files;

static int
scan_one(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	FILE *fp;
	uint8_t *buf;
	size_t n;

	(void)f;
	if (type != FTW_F || sb->st_size == 0)
		return 0;
	assert_non_null(fp = fopen(path, "rb"));
	assert_non_null(buf = malloc((size_t)sb->st_size));
	n = fread(buf, 1, (size_t)sb->st_size, fp);
	fclose(fp);
	scan_files++;
	if (memmem(buf, n, scan_needle, scan_needle_len) != NULL)
		scan_hits++;
	free(buf);
	return 0;
}

/* Files anywhere under dir holding the bytes: database, WAL, keys, all. */
static size_t
files_holding(const char *dir, const void *needle, size_t len)
{
	scan_needle = needle;
	scan_needle_len = len;
	scan_hits = 0;
	scan_files = 0;
	assert_int_equal(nftw(dir, scan_one, 16, FTW_PHYS), 0);
	assert_true(scan_files > 3);
	return scan_hits;
}

/* ---- order and numbering ---- */

static void
test_req_1_20_fwdqueue_delivers_oldest_first(void **state)
{
	struct qdev t;
	struct medsec_fwdqueue_stats st;

	(void)state;
	qdev_provision(&t, NULL);
	qdev_open(&t);
	expect_none_after(&t, 0);
	assert_int_equal(put(&t, 0, 3, NULL), 1);
	assert_int_equal(put(&t, 1, 4, NULL), 2);
	assert_int_equal(put(&t, 2, 5, NULL), 3);
	expect_next(&t, 0, 1, 0, 3);
	expect_next(&t, 1, 2, 1, 4);
	expect_next(&t, 2, 3, 2, 5);
	expect_none_after(&t, 3);
	st = stats(&t);
	assert_int_equal(st.batches, 3);
	assert_int_equal(st.readings, 12);
	assert_int_equal(st.oldest_seq, 1);
	assert_int_equal(st.next_seq, 4);
	assert_true(st.oldest_created > 0);
	/* Acknowledged out of order: the rest still come oldest first. */
	assert_int_equal(medsec_fwdqueue_ack(t.q, 2), MEDSEC_OK);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 2), MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 9), MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 0), MEDSEC_ERR_NOT_FOUND);
	expect_next(&t, 0, 1, 0, 3);
	expect_next(&t, 1, 3, 2, 5);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 1), MEDSEC_OK);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 3), MEDSEC_OK);
	expect_none_after(&t, 0);
	st = stats(&t);
	assert_int_equal(st.batches, 0);
	assert_int_equal(st.oldest_seq, 0);
	assert_int_equal(st.oldest_created, 0);
	assert_int_equal(st.lost_batches, 0);
	qdev_teardown(&t);
}

static void
test_req_1_20_fwdqueue_sequence_never_reused(void **state)
{
	struct qdev t;

	(void)state;
	qdev_provision(&t, NULL);
	qdev_open(&t);
	assert_int_equal(put(&t, 0, 1, NULL), 1);
	assert_int_equal(put(&t, 1, 1, NULL), 2);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 1), MEDSEC_OK);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 2), MEDSEC_OK);
	assert_int_equal(stats(&t).batches, 0);
	/* Empty, closed, the device restarted: numbering goes on. */
	qdev_close(&t);
	qdev_open(&t);
	assert_int_equal(stats(&t).next_seq, 3);
	assert_int_equal(put(&t, 2, 1, NULL), 3);
	expect_next(&t, 0, 3, 2, 1);
	qdev_teardown(&t);
}

static void
test_fwdqueue_bad_arguments_change_nothing(void **state)
{
	struct medsec_fwdqueue_limits lim;
	struct medsec_fwdqueue *q = NULL;
	struct qdev t;
	uint64_t seq = 7;
	uint8_t b = 'x';

	(void)state;
	qdev_provision(&t, NULL);
	qdev_open(&t);
	lim = t.lim;
	lim.max_batches = 0;
	assert_int_equal(medsec_fwdqueue_open(t.d, &lim, &q),
	    MEDSEC_ERR_INVALID);
	lim = t.lim;
	lim.max_age_seconds = 0;
	assert_int_equal(medsec_fwdqueue_open(t.d, &lim, &q),
	    MEDSEC_ERR_INVALID);
	lim = t.lim;
	lim.max_bytes = 16;
	assert_int_equal(medsec_fwdqueue_open(t.d, &lim, &q),
	    MEDSEC_ERR_INVALID);
	assert_null(q);
	assert_int_equal(medsec_fwdqueue_put(t.q, &b, 0, 1, &seq, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(seq, 0);
	assert_int_equal(medsec_fwdqueue_put(t.q, &b, 1, 0, &seq, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(stats(&t).next_seq, 1);
	assert_int_equal(put(&t, 0, 1, NULL), 1);
	qdev_teardown(&t);
}

/* ---- limits ---- */

static void
test_req_1_20_fwdqueue_full_drops_oldest_reported_and_audited(void **state)
{
	struct medsec_fwdqueue_loss loss;
	struct medsec_fwdqueue_stats st;
	char details[512];
	struct qdev t;

	(void)state;
	qdev_provision(&t, NULL);
	t.lim.max_batches = 3;
	qdev_open(&t);
	put(&t, 0, 10, &loss);
	put(&t, 1, 11, &loss);
	put(&t, 2, 12, &loss);
	assert_int_equal(loss.batches, 0);
	assert_int_equal(count_events(&t, MEDSEC_EV_FWD_QUEUE_DROPPED, NULL,
	    0), 0);
	assert_int_equal(put(&t, 3, 13, &loss), 4);
	assert_int_equal(loss.batches, 1);
	assert_int_equal(loss.readings, 10);
	assert_int_equal(loss.first_seq, 1);
	assert_int_equal(loss.last_seq, 1);
	expect_next(&t, 0, 2, 1, 11);
	assert_int_equal(count_events(&t, MEDSEC_EV_FWD_QUEUE_DROPPED,
	    details, sizeof(details)), 1);
	assert_string_equal(details, "{\"batches\":1,\"readings\":10,"
	    "\"first_seq\":1,\"last_seq\":1}");
	st = stats(&t);
	assert_int_equal(st.batches, 3);
	assert_int_equal(st.lost_batches, 1);
	assert_int_equal(st.lost_readings, 10);
	/* Bytes: room for two batches of this size drops two at once. */
	medsec_fwdqueue_close(t.q);
	t.q = NULL;
	t.lim.max_batches = 100;
	t.lim.max_bytes = (uint64_t)st.bytes * 2 / 3 + 1;
	assert_int_equal(medsec_fwdqueue_open(t.d, &t.lim, &t.q), MEDSEC_OK);
	assert_int_equal(put(&t, 4, 14, &loss), 5);
	assert_int_equal(loss.batches, 2);
	assert_int_equal(loss.readings, 11 + 12);
	assert_int_equal(loss.first_seq, 2);
	assert_int_equal(loss.last_seq, 3);
	expect_next(&t, 0, 4, 3, 13);
	expect_next(&t, 4, 5, 4, 14);
	assert_int_equal(count_events(&t, MEDSEC_EV_FWD_QUEUE_DROPPED,
	    details, sizeof(details)), 2);
	assert_string_equal(details, "{\"batches\":2,\"readings\":23,"
	    "\"first_seq\":2,\"last_seq\":3}");
	/* The incident flag survives the restart. */
	qdev_close(&t);
	qdev_open(&t);
	st = stats(&t);
	assert_int_equal(st.lost_batches, 3);
	assert_int_equal(st.lost_readings, 33);
	qdev_teardown(&t);
}

static void
test_req_1_20_fwdqueue_batch_over_bounds_refused_nothing_changed(
    void **state)
{
	struct medsec_fwdqueue_loss loss;
	struct medsec_fwdqueue_stats before, after;
	struct qdev t;
	uint8_t *big;
	uint64_t seq = 9;

	(void)state;
	qdev_provision(&t, NULL);
	t.lim.max_bytes = 4096;
	qdev_open(&t);
	put(&t, 0, 1, NULL);
	put(&t, 1, 1, NULL);
	before = stats(&t);
	assert_non_null(big = calloc(1, MEDSEC_FWDQUEUE_BATCH_MAX + 1));
	/* Alone over max_bytes: it would drop everything and still not fit. */
	assert_int_equal(medsec_fwdqueue_put(t.q, big, 4096 - 16 + 1, 1, &seq,
	    &loss), MEDSEC_ERR_TOO_LARGE);
	assert_int_equal(seq, 0);
	assert_int_equal(loss.batches, 0);
	assert_int_equal(medsec_fwdqueue_put(t.q, big,
	    MEDSEC_FWDQUEUE_BATCH_MAX + 1, 1, &seq, &loss),
	    MEDSEC_ERR_TOO_LARGE);
	after = stats(&t);
	assert_int_equal(after.batches, before.batches);
	assert_int_equal(after.bytes, before.bytes);
	assert_int_equal(after.readings, before.readings);
	assert_int_equal(after.next_seq, before.next_seq);
	assert_int_equal(after.lost_batches, 0);
	assert_int_equal(count_events(&t, MEDSEC_EV_FWD_QUEUE_DROPPED, NULL,
	    0), 0);
	/* Exactly max_bytes on its own fits, after dropping the rest. */
	assert_int_equal(medsec_fwdqueue_put(t.q, big, 4096 - 16, 1, &seq,
	    &loss), MEDSEC_OK);
	assert_int_equal(loss.batches, 2);
	assert_int_equal(stats(&t).batches, 1);
	free(big);
	qdev_teardown(&t);
}

static void
test_req_2_1_fwdqueue_expiry_drops_aged_batches_audited(void **state)
{
	struct fixture_clock clk = { INT64_C(1780000000) * 1000000, 1 };
	struct medsec_fwdqueue_loss loss;
	struct medsec_fwdqueue_stats st;
	char details[512];
	struct qdev t;
	int64_t now;

	(void)state;
	qdev_provision(&t, NULL);
	t.lim.max_age_seconds = 600;
	fixture_clock_install(&clk);
	qdev_open(&t);
	put(&t, 0, 2, NULL);
	put(&t, 1, 3, NULL);
	clk.wall_us += INT64_C(300) * 1000000;
	put(&t, 2, 4, NULL);
	now = clk.wall_us / 1000000;
	/* 300 s on: nothing is old enough. */
	assert_int_equal(medsec_fwdqueue_expire(t.q, now, &loss), MEDSEC_OK);
	assert_int_equal(loss.batches, 0);
	assert_int_equal(stats(&t).batches, 3);
	/* Exactly max_age_seconds after the first two: they go. */
	assert_int_equal(medsec_fwdqueue_expire(t.q, now + 300, &loss),
	    MEDSEC_OK);
	assert_int_equal(loss.batches, 2);
	assert_int_equal(loss.readings, 5);
	assert_int_equal(loss.first_seq, 1);
	assert_int_equal(loss.last_seq, 2);
	expect_next(&t, 0, 3, 2, 4);
	st = stats(&t);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.lost_batches, 2);
	assert_int_equal(st.lost_readings, 5);
	assert_int_equal(st.oldest_created, now);
	assert_int_equal(count_events(&t, MEDSEC_EV_FWD_QUEUE_EXPIRED,
	    details, sizeof(details)), 1);
	assert_string_equal(details, "{\"batches\":2,\"readings\":5,"
	    "\"first_seq\":1,\"last_seq\":2}");
	assert_int_equal(medsec_fwdqueue_expire(t.q, now + 600, &loss),
	    MEDSEC_OK);
	assert_int_equal(loss.batches, 1);
	assert_int_equal(stats(&t).batches, 0);
	assert_int_equal(count_events(&t, MEDSEC_EV_FWD_QUEUE_EXPIRED, NULL,
	    0), 2);
	qdev_teardown(&t);
	fixture_clock_uninstall();
}

/* ---- encryption and tampering ---- */

static void
expect_auth_left_in_place(struct qdev *t, const char *tamper)
{
	uint8_t *b = NULL;
	size_t len = 0;
	uint64_t seq = 0;

	char sql[512], *one, *save = NULL;

	snprintf(sql, sizeof(sql), "%s", tamper);
	for (one = strtok_r(sql, ";", &save); one != NULL;
	    one = strtok_r(NULL, ";", &save))
		assert_int_equal(medsec_db_exec(medsec_device_db(t->d), one),
		    MEDSEC_OK);
	assert_int_equal(medsec_fwdqueue_next(t->q, 0, &seq, &b, &len, NULL),
	    MEDSEC_ERR_AUTH);
	assert_null(b);
	assert_int_equal(len, 0);
	/* Named, so the caller can go on past it, to an intact batch. */
	assert_int_equal(seq, 1);
	if (strstr(tamper, "seq = 99") == NULL)
		expect_next(t, 1, 2, 1, 1);
	else /* both rows were renumbered */
		assert_int_equal(medsec_fwdqueue_next(t->q, 1, &seq, &b, &len,
		    NULL), MEDSEC_ERR_AUTH);
	/* Asked again: the same answer, audited once. */
	assert_int_equal(medsec_fwdqueue_next(t->q, 0, &seq, &b, &len, NULL),
	    MEDSEC_ERR_AUTH);
	assert_int_equal(stats(t).batches, 2);
	assert_int_equal(sql_int(t, "SELECT count(*) FROM fwd_batch"), 2);
}

static void
test_req_1_16_fwdqueue_tampered_row_refused_and_kept(void **state)
{
	static const char *const tampers[] = {
		"UPDATE fwd_batch SET readings = readings + 1 WHERE seq = 1",
		"UPDATE fwd_batch SET created = created - 1 WHERE seq = 1",
		"UPDATE fwd_batch SET ciphertext = zeroblob(length(ciphertext)) "
		    "WHERE seq = 1",
		"UPDATE fwd_batch SET nonce = zeroblob(12) WHERE seq = 1",
		"UPDATE fwd_batch SET wrapped_key = (SELECT wrapped_key FROM "
		    "fwd_batch WHERE seq = 2) WHERE seq = 1",
		"UPDATE fwd_batch SET wrapped_key = substr(wrapped_key, 1, 59) "
		    "WHERE seq = 1",
		"UPDATE fwd_batch SET wrapped_key = substr(wrapped_key, 1, 30) "
		    "|| zeroblob(30) WHERE seq = 1",
		"UPDATE fwd_batch SET alg = 21 WHERE seq = 1 AND alg = 20",
		"UPDATE fwd_batch SET alg = 1 WHERE seq = 1",
		/* Two rows' numbers swapped (three statements). */
		"UPDATE fwd_batch SET seq = 99 WHERE seq = 1;"
		    "UPDATE fwd_batch SET seq = 1 WHERE seq = 2;"
		    "UPDATE fwd_batch SET seq = 2 WHERE seq = 99",
	};
	struct qdev t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
		qdev_provision(&t, NULL);
		qdev_open(&t);
		put(&t, 0, 1, NULL);
		put(&t, 1, 1, NULL);
		expect_auth_left_in_place(&t, tampers[i]);
		assert_int_equal(count_events(&t, MEDSEC_EV_INTEGRITY_FAILURE,
		    NULL, 0), strstr(tampers[i], "seq = 99") ? 2 : 1);
		qdev_teardown(&t);
	}
}

static void
check_profile_alg(const char *profile, int alg)
{
	char hex[64];
	uint8_t ct[16];
	struct qdev t;
	char buf[128];

	qdev_provision(&t, profile);
	qdev_open(&t);
	put(&t, 0, 1, NULL);
	assert_int_equal(sql_int(&t, "SELECT alg FROM fwd_batch"), alg);
	assert_int_equal(sql_int(&t, "SELECT length(nonce) FROM fwd_batch"),
	    MEDSEC_AEAD_NONCE_LEN);
	assert_int_equal(sql_int(&t, "SELECT length(wrapped_key) FROM "
	    "fwd_batch"), 60);
	/* Stored sealed: the text is not in the row. */
	make_batch(&t, 0, buf, sizeof(buf));
	assert_int_equal(sql_int(&t, "SELECT length(ciphertext) FROM "
	    "fwd_batch"), strlen(buf) + MEDSEC_AEAD_TAG_LEN);
	sql_blob(&t, "SELECT ciphertext FROM fwd_batch", ct, sizeof(ct));
	medsec_hex(ct, sizeof(ct), hex);
	assert_memory_not_equal(ct, buf, sizeof(ct));
	expect_next(&t, 0, 1, 0, 1);
	qdev_teardown(&t);
}

static void
test_req_1_16_fwdqueue_kcmvp_profile_seals_with_aria(void **state)
{
	(void)state;
	check_profile_alg("kcmvp", MEDSEC_ALG_ARIA256_GCM);
}

static void
test_req_1_16_fwdqueue_approved_profile_seals_with_aes(void **state)
{
	(void)state;
	check_profile_alg("approved", MEDSEC_ALG_AES256_GCM);
}

/* ---- destruction on acknowledgement ---- */

static void
test_req_1_20_fwdqueue_acknowledged_batches_leave_no_trace(void **state)
{
	enum { N = 4 };
	uint8_t ct[N][32], wk[N][60];
	char sql[128];
	struct qdev t;
	int i;

	(void)state;
	qdev_provision(&t, NULL);
	qdev_open(&t);
	for (i = 0; i < N; i++)
		put(&t, i, 5, NULL);
	for (i = 0; i < N; i++) {
		snprintf(sql, sizeof(sql), "SELECT ciphertext FROM fwd_batch "
		    "WHERE seq = %d", i + 1);
		sql_blob(&t, sql, ct[i], sizeof(ct[i]));
		snprintf(sql, sizeof(sql), "SELECT wrapped_key FROM fwd_batch "
		    "WHERE seq = %d", i + 1);
		sql_blob(&t, sql, wk[i], sizeof(wk[i]));
	}
	/*
	 * Waiting: encrypted, so no marker anywhere, while the scan does
	 * find the stored ciphertext and wrapped key (it can find bytes).
	 */
	for (i = 0; i < N; i++) {
		assert_int_equal(files_holding(t.state, t.markers[i],
		    MARKER_LEN), 0);
		assert_true(files_holding(t.state, ct[i], sizeof(ct[i])) > 0);
		assert_true(files_holding(t.state, wk[i], sizeof(wk[i])) > 0);
	}
	for (i = 0; i < N; i++)
		assert_int_equal(medsec_fwdqueue_ack(t.q, (uint64_t)i + 1),
		    MEDSEC_OK);
	/* Still running, and after a clean close: nowhere, in no file. */
	for (i = 0; i < N; i++) {
		assert_int_equal(files_holding(t.state, t.markers[i],
		    MARKER_LEN), 0);
		assert_int_equal(files_holding(t.state, ct[i], sizeof(ct[i])),
		    0);
		assert_int_equal(files_holding(t.state, wk[i], sizeof(wk[i])),
		    0);
	}
	qdev_close(&t);
	for (i = 0; i < N; i++) {
		assert_int_equal(files_holding(t.state, ct[i], sizeof(ct[i])),
		    0);
		assert_int_equal(files_holding(t.state, wk[i], sizeof(wk[i])),
		    0);
	}
	qdev_teardown(&t);
}

static void
test_req_1_20_fwdqueue_dropped_batches_leave_no_trace(void **state)
{
	struct fixture_clock clk = { INT64_C(1780000000) * 1000000, 1 };
	struct medsec_fwdqueue_loss loss;
	uint8_t ct[2][32];
	struct qdev t;

	(void)state;
	qdev_provision(&t, NULL);
	t.lim.max_batches = 2;
	t.lim.max_age_seconds = 60;
	fixture_clock_install(&clk);
	qdev_open(&t);
	put(&t, 0, 1, NULL);
	put(&t, 1, 1, NULL);
	sql_blob(&t, "SELECT ciphertext FROM fwd_batch WHERE seq = 1", ct[0],
	    sizeof(ct[0]));
	sql_blob(&t, "SELECT ciphertext FROM fwd_batch WHERE seq = 2", ct[1],
	    sizeof(ct[1]));
	clk.wall_us += INT64_C(30) * 1000000;
	put(&t, 2, 1, &loss);
	assert_int_equal(loss.batches, 1);
	assert_int_equal(files_holding(t.state, ct[0], sizeof(ct[0])), 0);
	assert_int_equal(medsec_fwdqueue_expire(t.q, clk.wall_us / 1000000 +
	    30, &loss), MEDSEC_OK);
	assert_int_equal(loss.batches, 1);
	assert_int_equal(loss.first_seq, 2);
	assert_int_equal(files_holding(t.state, ct[1], sizeof(ct[1])), 0);
	qdev_teardown(&t);
	fixture_clock_uninstall();
}

/*
 * A reader in another process holds the write-ahead log: the
 * acknowledgement's deletion is committed, but the log cannot be cleared
 * yet, and ack says so. The next queue operation clears it.
 */
static void
test_req_1_20_fwdqueue_log_held_by_reader_cleared_later(void **state)
{
	struct medsec_db *reader = NULL;
	struct medsec_db_stmt *st = NULL;
	char path[256];
	uint8_t ct[32];
	struct qdev t;

	(void)state;
	qdev_provision(&t, NULL);
	qdev_open(&t);
	put(&t, 0, 1, NULL);
	sql_blob(&t, "SELECT ciphertext FROM fwd_batch WHERE seq = 1", ct,
	    sizeof(ct));
	snprintf(path, sizeof(path), "%s/medsec.db", t.state);
	assert_int_equal(medsec_db_open(path, 0, &reader), MEDSEC_OK);
	assert_int_equal(medsec_db_exec(reader, "BEGIN"), MEDSEC_OK);
	assert_int_equal(medsec_db_prepare(reader, "SELECT count(*) FROM "
	    "fwd_batch", &st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	assert_int_equal(medsec_db_column_int64(st, 0), 1);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 1), MEDSEC_ERR_BUSY);
	assert_int_equal(medsec_fwdqueue_ack(t.q, 1), MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(stats(&t).batches, 0);
	medsec_db_finalize(st);
	assert_int_equal(medsec_db_exec(reader, "COMMIT"), MEDSEC_OK);
	medsec_db_close(reader);
	assert_true(files_holding(t.state, ct, sizeof(ct)) > 0);
	/* The next operation owes the log a clearing, and pays. */
	assert_int_equal(medsec_fwdqueue_expire(t.q, 0, NULL), MEDSEC_OK);
	assert_int_equal(files_holding(t.state, ct, sizeof(ct)), 0);
	qdev_teardown(&t);
}

/* A device opened read-only (medsec status) counts, and changes nothing. */
static void
test_fwdqueue_read_only_device_counts_and_refuses_writes(void **state)
{
	struct medsec_device_options o;
	struct medsec_fwdqueue_stats st;
	struct medsec_fwdqueue *q = NULL;
	struct qdev t;
	char err[512];
	uint8_t b = 'x';
	uint64_t seq;

	(void)state;
	qdev_provision(&t, NULL);
	qdev_open(&t);
	put(&t, 0, 6, NULL);
	qdev_close(&t);
	o.state_dir = t.state;
	o.config_path = NULL;
	o.flags = MEDSEC_DEVICE_READ_ONLY;
	assert_int_equal(medsec_device_open(&o, &t.d, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_fwdqueue_open(t.d, &t.lim, &q), MEDSEC_OK);
	assert_int_equal(medsec_fwdqueue_stats(q, &st), MEDSEC_OK);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.readings, 6);
	assert_int_equal(medsec_fwdqueue_put(q, &b, 1, 1, &seq, NULL),
	    MEDSEC_ERR_STATE);
	assert_int_equal(medsec_fwdqueue_ack(q, 1), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_fwdqueue_expire(q, INT64_MAX, NULL),
	    MEDSEC_ERR_STATE);
	assert_int_equal(medsec_fwdqueue_stats(q, &st), MEDSEC_OK);
	assert_int_equal(st.batches, 1);
	medsec_fwdqueue_close(q);
	qdev_teardown(&t);
}

/* ---- power cuts and I/O failures ---- */

enum { OP_PUT, OP_ACK };

/* Exit codes of a faulted child besides FAULTIO_CRASH_EXIT. */
#define CHILD_OK_CLEAN 0    /* succeeded, no fault fired */
#define CHILD_OK_FAULTED 1  /* succeeded though a fault fired */
#define CHILD_ERR_FAULTED 2 /* failed, a fault fired */
#define CHILD_BROKEN 3	    /* failed with no fault, or could not open */

static int
child_run(struct qdev *t, int op, unsigned long k, int mode, int err)
{
	char buf[128];
	uint64_t seq;
	unsigned long n0;
	int r;

	faultio_install();
	if (qdev_try_open(t) != MEDSEC_OK)
		return CHILD_BROKEN;
	n0 = faultio_count();
	if (mode != 0)
		faultio_crash_at(n0 + k, mode);
	else
		faultio_fail_at(n0 + k, err, 0);
	if (op == OP_PUT) {
		make_batch(t, 2, buf, sizeof(buf));
		r = medsec_fwdqueue_put(t->q, (const uint8_t *)buf,
		    strlen(buf), 7, &seq, NULL);
		if (r == MEDSEC_OK && seq != 3)
			return CHILD_BROKEN;
	} else {
		r = medsec_fwdqueue_ack(t->q, 2);
	}
	if (r == MEDSEC_OK)
		return faultio_faults() > 0 ? CHILD_OK_FAULTED : CHILD_OK_CLEAN;
	return faultio_faults() > 0 ? CHILD_ERR_FAULTED : CHILD_BROKEN;
}

/*
 * After the fault, restarted: batch 1 whole, batch 2 whole unless the
 * acknowledgement went through, batch 3 whole or absent unless the put
 * returned OK, nothing else; every row decrypts; numbering is intact.
 */
static void
check_after_fault(struct qdev *t, int op, int child_ok)
{
	struct medsec_fwdqueue_stats st;
	uint8_t *b = NULL;
	size_t len = 0;
	uint64_t seq = 0, next = 0;
	int have2, have3;

	qdev_open(t);
	have2 = sql_int(t, "SELECT count(*) FROM fwd_batch WHERE seq = 2") ==
	    1;
	have3 = sql_int(t, "SELECT count(*) FROM fwd_batch WHERE seq = 3") ==
	    1;
	assert_int_equal(sql_int(t, "SELECT count(*) FROM fwd_batch WHERE "
	    "seq NOT IN (1, 2, 3)"), 0);
	expect_next(t, 0, 1, 0, 1);
	if (op == OP_PUT) {
		assert_true(have2);
		if (child_ok)
			assert_true(have3);
	} else {
		assert_false(have3);
		if (child_ok)
			assert_false(have2);
	}
	if (have2)
		expect_next(t, 1, 2, 1, 1);
	if (have3)
		expect_next(t, 2, 3, 2, 7);
	/* Every row opens: nothing half-written. */
	while (medsec_fwdqueue_next(t->q, next, &seq, &b, &len, NULL) ==
	    MEDSEC_OK) {
		medsec_fwdqueue_batch_free(b, len);
		next = seq;
	}
	assert_int_equal(medsec_fwdqueue_next(t->q, next, &seq, &b, &len,
	    NULL), MEDSEC_ERR_NOT_FOUND);
	st = stats(t);
	assert_int_equal(st.next_seq, have3 ? 4 : 3);
	assert_int_equal(st.lost_batches, 0);
	/* And it takes the next batch under the next number. */
	assert_int_equal(put(t, 3, 1, NULL), st.next_seq);
	qdev_close(t);
}

/* Runs op failing or crashing at its k-th write, for k = 1.. to the end. */
static void
fault_sweep(int op, int mode, int err)
{
	struct qdev t;
	char buf[128];
	unsigned long k, faulted = 0;
	int status, code = CHILD_BROKEN;
	pid_t pid;

	qdev_provision(&t, NULL);
	qdev_open(&t);
	put(&t, 0, 1, NULL);
	put(&t, 1, 1, NULL);
	/* The child's batch 2 text, known here to check it afterwards. */
	make_batch(&t, 2, buf, sizeof(buf));
	qdev_close(&t);
	fixture_copy_tree(t.state, t.base);
	for (k = 1; k < 300; k++) {
		fixture_rmrf(t.state);
		fixture_copy_tree(t.base, t.state);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(child_run(&t, op, k, mode, err));
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		code = WEXITSTATUS(status);
		if (code == CHILD_OK_CLEAN)
			break;
		assert_int_not_equal(code, CHILD_BROKEN);
		faulted++;
		check_after_fault(&t, op, code == CHILD_OK_FAULTED);
	}
	assert_int_equal(code, CHILD_OK_CLEAN);
	check_after_fault(&t, op, 1);
	/* Faults were injected at every write point before the last. */
	assert_int_equal(faulted, k - 1);
	assert_true(faulted >= 3);
	print_message("%s, %s: %lu write points faulted\n",
	    op == OP_PUT ? "put" : "ack", mode == FAULTIO_POWER_DROP ?
	    "power cut" : mode == FAULTIO_PROCESS ? "process kill" :
	    err == EIO ? "EIO" : "ENOSPC", faulted);
	qdev_teardown(&t);
}

static void
test_req_1_20_fwdqueue_power_cut_at_every_write_of_put(void **state)
{
	(void)state;
	fault_sweep(OP_PUT, FAULTIO_POWER_DROP, 0);
	fault_sweep(OP_PUT, FAULTIO_PROCESS, 0);
}

static void
test_req_1_20_fwdqueue_power_cut_at_every_write_of_ack(void **state)
{
	(void)state;
	fault_sweep(OP_ACK, FAULTIO_POWER_DROP, 0);
	fault_sweep(OP_ACK, FAULTIO_PROCESS, 0);
}

static void
test_req_1_20_fwdqueue_io_error_at_every_write_of_put(void **state)
{
	(void)state;
	fault_sweep(OP_PUT, 0, EIO);
	fault_sweep(OP_PUT, 0, ENOSPC);
}

static void
test_req_1_20_fwdqueue_io_error_at_every_write_of_ack(void **state)
{
	(void)state;
	fault_sweep(OP_ACK, 0, EIO);
	fault_sweep(OP_ACK, 0, ENOSPC);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_20_fwdqueue_delivers_oldest_first),
	cmocka_unit_test(test_req_1_20_fwdqueue_sequence_never_reused),
	cmocka_unit_test(test_fwdqueue_bad_arguments_change_nothing),
	cmocka_unit_test(test_req_1_20_fwdqueue_full_drops_oldest_reported_and_audited),
	cmocka_unit_test(test_req_1_20_fwdqueue_batch_over_bounds_refused_nothing_changed),
	cmocka_unit_test(test_req_2_1_fwdqueue_expiry_drops_aged_batches_audited),
	cmocka_unit_test(test_req_1_16_fwdqueue_tampered_row_refused_and_kept),
	cmocka_unit_test(test_req_1_16_fwdqueue_kcmvp_profile_seals_with_aria),
	cmocka_unit_test(test_req_1_16_fwdqueue_approved_profile_seals_with_aes),
	cmocka_unit_test(test_req_1_20_fwdqueue_acknowledged_batches_leave_no_trace),
	cmocka_unit_test(test_req_1_20_fwdqueue_dropped_batches_leave_no_trace),
	cmocka_unit_test(test_req_1_20_fwdqueue_log_held_by_reader_cleared_later),
	cmocka_unit_test(test_fwdqueue_read_only_device_counts_and_refuses_writes),
	cmocka_unit_test(test_req_1_20_fwdqueue_power_cut_at_every_write_of_put),
	cmocka_unit_test(test_req_1_20_fwdqueue_power_cut_at_every_write_of_ack),
	cmocka_unit_test(test_req_1_20_fwdqueue_io_error_at_every_write_of_put),
	cmocka_unit_test(test_req_1_20_fwdqueue_io_error_at_every_write_of_ack),
};

MEDSEC_TEST_MAIN(tests)
