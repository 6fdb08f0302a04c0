/*
 * The audit trail (MFDS 2.1): appending, reading back, checkpoints,
 * segments, group commit, bad input refused with nothing written.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "faultio.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/err.h"

static struct medsec_audit *
open_trail(struct fixture *f)
{
	struct medsec_audit *a = NULL;

	assert_int_equal(medsec_audit_open(f->audit, f->ks, &f->opts, &a, NULL),
	    MEDSEC_OK);
	return a;
}

static size_t
count_records(const char *dir)
{
	uint64_t seqs[1];

	return fixture_read_seqs(dir, seqs, 0);
}


/*
 * Flips the first byte of record seq's actor, as an editor of the file
 * would (layout: docs/formats/audit-log.md).
 */
static void
flip_byte_of_record(const struct fixture *f, uint64_t seq)
{
	char path[600];
	uint8_t *buf;
	FILE *fp;
	long len;
	size_t off = 128;
	int hit = 0;

	snprintf(path, sizeof(path), "%s/seg-%016d.log", f->audit, 1);
	assert_non_null(fp = fopen(path, "r+b"));
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	assert_non_null(buf = malloc((size_t)len));
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	while (off + 44 <= (size_t)len) {
		uint32_t rlen = (uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8 |
		    (uint32_t)buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
		uint64_t rseq = 0;

		for (int k = 7; k >= 0; k--)
			rseq = rseq << 8 | buf[off + 8 + k];
		if (rseq == seq) {
			buf[off + 44] ^= 0x01;
			hit = 1;
			break;
		}
		assert_true(rlen > 44);
		off += rlen;
	}
	assert_true(hit);
	fseek(fp, 0, SEEK_SET);
	assert_int_equal(fwrite(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	free(buf);
}

static void
test_req_2_1_record_carries_who_what_where_when_outcome(void **state)
{
	struct fixture_clock clock = { 1767225600123456LL, 1000 };
	struct medsec_audit_event_in ev = { MEDSEC_EV_PHR_UPDATE, "dr.kim",
		"198.51.100.7", "patient-42", MEDSEC_AUDIT_FAILURE,
		"value out of range", "{\"field\":\"spo2\",\"n\":3}" };
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	struct fixture f;
	struct medsec_audit *a;
	char when[MEDSEC_RFC3339_LEN];
	uint64_t seq = 0;
	int found = 0, r;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	fixture_clock_install(&clock);
	a = open_trail(&f);
	assert_int_equal(medsec_audit_append(a, &ev, &seq), MEDSEC_OK);
	assert_true(seq > 1);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	fixture_clock_uninstall();
	assert_int_equal(medsec_audit_reader_open(f.audit, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (rec.seq != seq)
			continue;
		found = 1;
		assert_int_equal(rec.event, MEDSEC_EV_PHR_UPDATE);
		assert_string_equal(rec.actor, "dr.kim");
		assert_string_equal(rec.source, "198.51.100.7");
		assert_string_equal(rec.object, "patient-42");
		assert_int_equal(rec.outcome, MEDSEC_AUDIT_FAILURE);
		assert_string_equal(rec.reason, "value out of range");
		assert_string_equal(rec.details, "{\"field\":\"spo2\",\"n\":3}");
		assert_int_equal(rec.time_us, clock.wall_us);
		medsec_time_format_digits(rec.time_us, 3, when, sizeof(when));
		assert_string_equal(when, "2026-01-01T00:00:00.123Z");
	}
	assert_int_equal(r, 0);
	medsec_audit_reader_close(rd);
	assert_true(found);
	fixture_teardown(&f);
}

/*
 * Every event of the vocabulary (access, PHR create/read/update/delete,
 * administration, updates, incidents) is recorded with its time, actor,
 * source, object and outcome, read back as written, and verifies.
 */
static void
test_req_2_1_every_event_type_recorded_and_verified(void **state)
{
	struct medsec_audit_verify_result res;
	const struct medsec_audit_event_info *ev;
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	struct fixture f;
	struct medsec_audit *a;
	int64_t t0, t1;
	size_t n, before, found = 0;
	int r;

	(void)state;
	fixture_setup(&f, 16, 1 << 20);
	before = count_records(f.audit);
	ev = medsec_audit_events(&n);
	a = open_trail(&f);
	t0 = medsec_clock_wall_us();
	for (size_t i = 0; i < n; i++) {
		struct medsec_audit_event_in in = { ev[i].event, "tester",
			"192.0.2.1", ev[i].name, (int)(i % 2), NULL, NULL };

		/* only the writer makes checkpoints: callers cannot forge one */
		assert_int_equal(medsec_audit_append(a, &in, NULL),
		    ev[i].event == MEDSEC_EV_AUDIT_CHECKPOINT
			? MEDSEC_ERR_INVALID : MEDSEC_OK);
	}
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	t1 = medsec_clock_wall_us();
	assert_true(count_records(f.audit) >= before + n - 1);
	assert_int_equal(medsec_audit_reader_open(f.audit, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		const struct medsec_audit_event_info *info;

		if (strcmp(rec.actor, "tester") != 0)
			continue;
		info = medsec_audit_event_info(rec.event);
		assert_non_null(info);
		assert_string_equal(rec.object, info->name);
		assert_string_equal(rec.source, "192.0.2.1");
		for (size_t i = 0; i < n; i++)
			if (ev[i].event == rec.event)
				assert_int_equal(rec.outcome, (int)(i % 2));
		assert_true(rec.time_us >= t0 && rec.time_us <= t1);
		found++;
	}
	assert_int_equal(r, 0);
	medsec_audit_reader_close(rd);
	assert_int_equal(found, n - 1); /* all but the forged checkpoint */
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	assert_true(res.macs_checked);
	assert_true(res.checkpoints >= n / 16);
	fixture_teardown(&f);
}

static void
test_req_2_1_credentials_refused_in_details(void **state)
{
	static const char *const bad[] = { "{\"password\":\"hunter2\"}",
		"{\"x\":{\"api_token\":\"abc\"}}", "{\"Secret\":1}",
		"{\"list\":[{\"pin\":\"1234\"}]}", "{\"key\":\"00ff\"}" };
	struct fixture f;
	struct medsec_audit *a;
	size_t before;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	before = count_records(f.audit);
	a = open_trail(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct medsec_audit_event_in ev = { MEDSEC_EV_LOGIN_FAILURE,
			"u", "local", NULL, MEDSEC_AUDIT_FAILURE, NULL, bad[i] };

		assert_int_equal(medsec_audit_append(a, &ev, NULL),
		    MEDSEC_ERR_INVALID);
	}
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(count_records(f.audit), before);
	fixture_teardown(&f);
}

static void MEDSEC_TEST_PASSES_NULL
test_audit_bad_event_refused_nothing_written(void **state)
{
	char long_field[MEDSEC_AUDIT_FIELD_MAX + 2];
	char big_details[MEDSEC_AUDIT_DETAILS_MAX + 64];
	struct medsec_audit_event_in evs[] = {
		{ 9999, "u", "local", NULL, 0, NULL, NULL },
		{ MEDSEC_EV_LOGOUT, "u", "local", NULL, 7, NULL, NULL },
		{ MEDSEC_EV_LOGOUT, long_field, "local", NULL, 0, NULL, NULL },
		{ MEDSEC_EV_LOGOUT, "bad\xff\xfeutf8", "local", NULL, 0, NULL,
		    NULL },
		{ MEDSEC_EV_LOGOUT, "u", "local", NULL, 0, NULL, "[1,2]" },
		{ MEDSEC_EV_LOGOUT, "u", "local", NULL, 0, NULL, "{bad json" },
		{ MEDSEC_EV_LOGOUT, "u", "local", NULL, 0, NULL,
		    "{\"a\":1,\"a\":2}" },
		{ MEDSEC_EV_LOGOUT, "u", "local", NULL, 0, NULL, big_details },
	};
	struct fixture f;
	struct medsec_audit *a;
	size_t before;

	(void)state;
	memset(long_field, 'x', sizeof(long_field) - 1);
	long_field[sizeof(long_field) - 1] = '\0';
	snprintf(big_details, sizeof(big_details), "{\"s\":\"%0*d\"}",
	    MEDSEC_AUDIT_DETAILS_MAX, 0);
	fixture_setup(&f, 1000, 1 << 20);
	before = count_records(f.audit);
	a = open_trail(&f);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		assert_true(medsec_audit_append(a, &evs[i], NULL) < 0);
	assert_int_equal(medsec_audit_append(a, medsec_test_null, NULL),
	    MEDSEC_ERR_INVALID);
	/* Refusals are not storage failures: the trail still works. */
	fixture_append(a, 1, 1);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(count_records(f.audit), before + 1);
	fixture_teardown(&f);
}

static void
test_req_2_1_verify_intact_with_and_without_verifier_key(void **state)
{
	struct medsec_audit_verify_result res;
	struct fixture f;
	struct medsec_audit *a;

	(void)state;
	fixture_setup(&f, 10, 1 << 20);
	a = open_trail(&f);
	fixture_append(a, 1, 95);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	assert_int_equal(res.problem, MEDSEC_AUDIT_INTACT);
	assert_true(res.records >= 96);
	assert_true(res.checkpoints >= 9);
	assert_int_equal(res.macs_checked, 1);
	assert_int_equal(fixture_verify(&f, 0, &res), MEDSEC_OK);
	assert_int_equal(res.macs_checked, 0);
	/* and a changed record is found, with the key and without it */
	flip_byte_of_record(&f, 50);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.problem, MEDSEC_AUDIT_MODIFIED);
	assert_int_equal(res.bad_seq, 50);
	assert_int_equal(fixture_verify(&f, 0, &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.problem, MEDSEC_AUDIT_MODIFIED);
	assert_int_equal(res.bad_seq, 50);
	fixture_teardown(&f);
}

static void
test_audit_segments_rotate_and_chain_across(void **state)
{
	struct medsec_audit_verify_result res;
	struct fixture f;
	struct medsec_audit *a;

	(void)state;
	fixture_setup(&f, 50, 16384);
	a = open_trail(&f);
	fixture_append(a, 1, 300);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	assert_true(res.segments >= 3);
	/* Reopening continues the last segment and the chain. */
	a = open_trail(&f);
	fixture_append(a, 301, 10);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	fixture_teardown(&f);
}

static void
test_audit_checkpoint_after_time_span(void **state)
{
	struct fixture_clock clock = { 1767225600000000LL, 5000000 };
	struct medsec_audit_verify_result res, after;
	struct fixture f;
	struct medsec_audit *a;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	f.opts.epoch_seconds = 60;
	fixture_clock_install(&clock);
	a = open_trail(&f);
	fixture_append(a, 1, 3);
	clock.mono_us += 61 * 1000000LL;
	clock.wall_us -= 3600 * 1000000LL; /* a wall step does not matter */
	fixture_append(a, 4, 1);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	fixture_clock_uninstall();
	assert_int_equal(fixture_verify(&f, 1, &after), MEDSEC_OK);
	assert_int_equal(after.checkpoints, res.checkpoints + 1);
	fixture_teardown(&f);
}

static void
test_audit_second_writer_refused_busy(void **state)
{
	struct medsec_audit_open_report rep;
	struct fixture f;
	struct medsec_audit *a, *b = NULL;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	a = open_trail(&f);
	f.opts.lock_wait_ms = 50; /* bounded: gives up, naming what is busy */
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &b, &rep),
	    MEDSEC_ERR_BUSY);
	assert_null(b);
	assert_non_null(strstr(rep.message, "another process is writing the "
					    "audit trail"));
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	fixture_teardown(&f);
}

struct opener {
	struct fixture *f;
	struct medsec_audit *b;
	int r;
};

static void *
open_second(void *p)
{
	struct opener *o = p;

	o->r = medsec_audit_open(o->f->audit, o->f->ks, &o->f->opts, &o->b,
	    NULL);
	return NULL;
}

/*
 * A second command arriving while the first holds the trail waits for it
 * instead of failing at once with "resource busy".
 */
static void
test_audit_second_writer_waits_for_the_first(void **state)
{
	const struct timespec pause = { 0, 200 * 1000000L };
	struct medsec_audit_verify_result res;
	struct opener o;
	struct fixture f;
	struct medsec_audit *a;
	pthread_t t;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	a = open_trail(&f);
	memset(&o, 0, sizeof(o));
	o.f = &f;
	assert_int_equal(f.opts.lock_wait_ms, MEDSEC_AUDIT_LOCK_WAIT_MS);
	assert_int_equal(pthread_create(&t, NULL, open_second, &o), 0);
	/* The first command goes on working meanwhile, then ends. */
	fixture_append(a, 1, 3);
	nanosleep(&pause, NULL);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	pthread_join(t, NULL);
	assert_int_equal(o.r, MEDSEC_OK);
	fixture_append(o.b, 4, 1);
	assert_int_equal(medsec_audit_close(o.b), MEDSEC_OK);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	fixture_teardown(&f);
}

static void
test_audit_create_refuses_existing_trail(void **state)
{
	struct fixture f;
	char other[400];

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	snprintf(other, sizeof(other), "%s/verifier2.key", f.root);
	assert_int_equal(medsec_audit_create(f.audit, f.ks, &f.opts, "dev",
			     other), MEDSEC_ERR_EXISTS);
	/* and an existing verifier key file is never overwritten */
	assert_int_equal(medsec_audit_create(f.audit, f.ks, &f.opts, "dev",
			     f.verifier), MEDSEC_ERR_EXISTS);
	fixture_teardown(&f);
}

static void
test_req_1_17_verifier_key_with_wide_permissions_refused(void **state)
{
	struct medsec_audit_verifier v;
	struct fixture f;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	assert_int_equal(chmod(f.verifier, 0644), 0);
	assert_int_equal(medsec_audit_read_verifier(f.verifier, &v),
	    MEDSEC_ERR_PERMISSION);
	assert_int_equal(chmod(f.verifier, 0600), 0);
	assert_int_equal(medsec_audit_read_verifier(f.verifier, &v), MEDSEC_OK);
	assert_int_equal(v.mac_key_len, 32);
	fixture_teardown(&f);
}

struct writer_arg {
	struct medsec_audit *a;
	int first;
};

static void *
writer(void *p)
{
	struct writer_arg *w = p;

	fixture_append(w->a, w->first, 200);
	return NULL;
}

static void
test_audit_group_commit_shares_syncs_between_writers(void **state)
{
	struct medsec_audit_verify_result res;
	struct writer_arg args[8];
	pthread_t threads[8];
	static uint64_t seqs[4096];
	struct fixture f;
	struct medsec_audit *a;
	unsigned long ops;
	size_t n;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	faultio_install();
	for (int i = 0; i < 8; i++) {
		args[i].a = a;
		args[i].first = i * 1000;
		assert_int_equal(pthread_create(&threads[i], NULL, writer,
				     &args[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(threads[i], NULL);
	ops = faultio_count();
	faultio_uninstall();
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	/* 1600 durable appends: alone they would need 1600 writes and 1600
	 * syncs; sharing must have saved some. */
	assert_true(ops < 2 * 1600);
	n = fixture_read_seqs(f.audit, seqs, 4096);
	for (size_t i = 1; i < n; i++)
		assert_int_equal(seqs[i], seqs[i - 1] + 1);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	fixture_teardown(&f);
}

static void
test_req_2_1_log_injection_stored_verbatim(void **state)
{
	const char *actor = "eve\n2026-01-01T00:00:00Z #1 LOGIN_SUCCESS admin";
	struct medsec_audit_event_in ev = { MEDSEC_EV_LOGIN_FAILURE, actor,
		"local", "\x1b[2Jbell\a", MEDSEC_AUDIT_FAILURE, "a\"b]c\\d",
		"{\"note\":\"line1\\nline2\"}" };
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	struct fixture f;
	struct medsec_audit *a;
	uint64_t seq;
	int hits = 0, r;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	a = open_trail(&f);
	assert_int_equal(medsec_audit_append(a, &ev, &seq), MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(medsec_audit_reader_open(f.audit, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (rec.event == MEDSEC_EV_LOGIN_FAILURE) {
			hits++;
			assert_int_equal(rec.seq, seq);
			assert_string_equal(rec.actor, actor);
			assert_string_equal(rec.object, "\x1b[2Jbell\a");
		}
		/* the forged "record" in the actor never became one */
		assert_int_not_equal(rec.event, MEDSEC_EV_LOGIN_SUCCESS);
	}
	medsec_audit_reader_close(rd);
	assert_int_equal(r, 0);
	assert_int_equal(hits, 1);
	fixture_teardown(&f);
}

static void
test_req_2_1_attack_k1_clock_set_back_recorded(void **state)
{
	struct fixture_clock clock = { 0, 1000 };
	struct medsec_audit_verify_result res;
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	struct fixture f;
	struct medsec_audit *a;
	int anomalies = 0;

	(void)state;
	clock.wall_us = medsec_clock_wall_us();
	fixture_setup(&f, 1000, 1 << 20);
	fixture_clock_install(&clock);
	a = open_trail(&f);
	fixture_append(a, 1, 2);
	clock.wall_us -= 3600 * 1000000LL; /* someone sets the clock back */
	fixture_append(a, 3, 3);	   /* one anomaly, not three */
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	/* a reopened trail still knows the newest time it has seen */
	a = open_trail(&f);
	fixture_append(a, 6, 1);
	clock.wall_us += 7200 * 1000000LL; /* clock caught up */
	fixture_append(a, 7, 1);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	fixture_clock_uninstall();
	assert_int_equal(medsec_audit_reader_open(f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		anomalies += rec.event == MEDSEC_EV_TIME_ANOMALY;
	medsec_audit_reader_close(rd);
	assert_int_equal(anomalies, 2);
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	fixture_teardown(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_record_carries_who_what_where_when_outcome),
	cmocka_unit_test(test_req_2_1_every_event_type_recorded_and_verified),
	cmocka_unit_test(test_req_2_1_credentials_refused_in_details),
	cmocka_unit_test(test_audit_bad_event_refused_nothing_written),
	cmocka_unit_test(test_req_2_1_verify_intact_with_and_without_verifier_key),
	cmocka_unit_test(test_audit_segments_rotate_and_chain_across),
	cmocka_unit_test(test_audit_checkpoint_after_time_span),
	cmocka_unit_test(test_audit_second_writer_refused_busy),
	cmocka_unit_test(test_audit_second_writer_waits_for_the_first),
	cmocka_unit_test(test_audit_create_refuses_existing_trail),
	cmocka_unit_test(test_req_1_17_verifier_key_with_wide_permissions_refused),
	cmocka_unit_test(test_audit_group_commit_shares_syncs_between_writers),
	cmocka_unit_test(test_req_2_1_log_injection_stored_verbatim),
	cmocka_unit_test(test_req_2_1_attack_k1_clock_set_back_recorded),
};

MEDSEC_TEST_MAIN(tests)
