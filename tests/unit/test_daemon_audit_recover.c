/*
 * medsecd's recovery of a failed audit trail (MFDS 2.1, fail closed): a
 * failed write leaves the trail refusing records, so the monitor refuses
 * every audited action; it then reopens the trail on a back-off (1 s
 * doubling to the maximum) until storage takes records again, proves it
 * with a durable record of the recovery, and audited actions resume. The
 * trail still verifies afterwards.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "testmain.h"
#include "faultio.h"
#include "fixture.h"
#include "medsec/audit.h"
#include "medsec/err.h"

#include "../../src/daemon/audit_gate.c"
#include "../../src/daemon/audit_recover.c"
#include "../../src/daemon/log.c"

#define S 1000000LL
#define T0 (1000 * S) /* the monotonic clock when the failure is noticed */

struct bench {
	struct fixture f;
	struct medsec_audit *a;
	struct event_base *base;
	struct audit_gate *g;
	struct audit_recovery rc;
	unsigned last_http;
	int nsent;
};

static void
capture(void *ctx, uint32_t id, uint64_t tag,
    const struct audit_gate_reply *rep)
{
	struct bench *b = ctx;

	(void)id;
	(void)tag;
	b->last_http = rep->http;
	b->nsent++;
}

static void
bench_setup(struct bench *b, unsigned backoff_max_s)
{
	memset(b, 0, sizeof(*b));
	fixture_setup(&b->f, 100000, 64 << 20);
	assert_int_equal(medsec_audit_open(b->f.audit, b->f.ks, &b->f.opts,
	    &b->a, NULL), MEDSEC_OK);
	assert_non_null(b->base = event_base_new());
	assert_int_equal(audit_gate_new(b->base, b->a, capture, b, &b->g),
	    MEDSEC_OK);
	audit_recovery_init(&b->rc, backoff_max_s);
}

static void
bench_teardown(struct bench *b)
{
	audit_gate_free(b->g);
	assert_int_equal(medsec_audit_close(b->a), MEDSEC_OK);
	event_base_free(b->base);
	fixture_teardown(&b->f);
}

/* One audited request as the monitor handles it; its reply's status. */
static unsigned
audited_request(struct bench *b, uint32_t id)
{
	struct medsec_audit_event_in ev;
	struct audit_gate_reply rep = { MEDSEC_OK, 200, NULL, NULL, "{}", 2 };
	int n = b->nsent, r;

	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_CONFIG_CHANGED;
	ev.actor = "chief";
	ev.source = "192.0.2.10";
	ev.object = "control";
	ev.outcome = MEDSEC_AUDIT_SUCCESS;
	audit_gate_begin(b->g, id, 1);
	r = audit_gate_record(b->g, &ev);
	assert_true(r == MEDSEC_OK || r == MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(audit_gate_hold(b->g, id, &rep), 1);
	audit_gate_end(b->g);
	r = event_base_loop(b->base, EVLOOP_NONBLOCK);
	assert_true(r == 0 || r == 1);
	assert_int_equal(b->nsent, n + 1);
	return b->last_http;
}

static int
step(struct bench *b, int64_t now, int *status)
{
	return audit_recovery_step(&b->rc, b->a, now, status);
}

/* The trail's records of the recovery (AUDIT_DEGRADED, success). */
static int
recoveries(struct bench *b, char *details, size_t len)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	int n = 0;

	assert_int_equal(medsec_audit_reader_open(b->f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1) {
		if (rec.event != MEDSEC_EV_AUDIT_DEGRADED ||
		    rec.outcome != MEDSEC_AUDIT_SUCCESS)
			continue;
		assert_non_null(strstr(rec.reason, "recovered"));
		snprintf(details, len, "%s", rec.details);
		n++;
	}
	medsec_audit_reader_close(rd);
	return n;
}

/*
 * The disk fills (every write fails with ENOSPC): audited requests get
 * 503; the recovery reopens after 1 s, then 2 s, capped at the maximum,
 * each try failing while the disk stays full; once space is freed the
 * next try reopens the trail, records the recovery durably, and an
 * audited request succeeds again. The trail verifies.
 */
static void
test_req_2_1_daemon_failed_trail_reopened_on_backoff_until_it_recovers(
    void **state)
{
	struct medsec_audit_verify_result res;
	struct bench b;
	char details[256] = "";
	int status;

	(void)state;
	bench_setup(&b, 2);
	assert_int_equal(step(&b, T0 - S, &status), AUDIT_RECOVERY_HEALTHY);
	assert_int_equal(audited_request(&b, 1), 200);

	faultio_install();
	faultio_fail_at(1, ENOSPC, 1);
	assert_int_equal(audited_request(&b, 2), 503);
	assert_int_not_equal(medsec_audit_degraded(b.a, NULL, NULL), 0);
	assert_int_equal(audited_request(&b, 3), 503);

	/* Noticed; the first reopen in 1 s, none before. */
	assert_int_equal(step(&b, T0, &status), AUDIT_RECOVERY_FAILED);
	assert_true(b.rc.next_us == T0 + S);
	assert_int_equal(step(&b, T0 + S / 2, &status),
	    AUDIT_RECOVERY_WAITING);
	/* The disk is still full: each try fails, 2 s apart (the cap). */
	assert_int_equal(step(&b, T0 + S, &status), AUDIT_RECOVERY_RETRY);
	assert_int_not_equal(status, MEDSEC_OK);
	assert_true(b.rc.next_us == T0 + 3 * S);
	assert_int_equal(step(&b, T0 + 2 * S, &status),
	    AUDIT_RECOVERY_WAITING);
	assert_int_equal(step(&b, T0 + 3 * S, &status), AUDIT_RECOVERY_RETRY);
	assert_true(b.rc.next_us == T0 + 5 * S);
	assert_int_not_equal(medsec_audit_degraded(b.a, NULL, NULL), 0);
	assert_int_equal(audited_request(&b, 4), 503);
	assert_int_equal(recoveries(&b, details, sizeof(details)), 0);

	/* Space is freed: the next try brings the trail back. */
	faultio_heal();
	assert_int_equal(step(&b, T0 + 4 * S, &status),
	    AUDIT_RECOVERY_WAITING);
	assert_int_equal(step(&b, T0 + 5 * S, &status),
	    AUDIT_RECOVERY_RECOVERED);
	assert_int_equal(status, MEDSEC_OK);
	faultio_uninstall();
	assert_int_equal(medsec_audit_degraded(b.a, NULL, NULL), 0);
	assert_int_equal(recoveries(&b, details, sizeof(details)), 1);
	assert_non_null(strstr(details, "\"reopen_attempts\":3"));
	assert_non_null(strstr(details, "\"unavailable_seconds\":5"));
	assert_int_equal(audited_request(&b, 5), 200);
	assert_int_equal(step(&b, T0 + 6 * S, &status),
	    AUDIT_RECOVERY_HEALTHY);

	memset(&res, 0, sizeof(res));
	assert_int_equal(fixture_verify(&b.f, 1, &res), MEDSEC_OK);
	bench_teardown(&b);
}

/*
 * A trail that fails again later starts over at 1 s: the back-off of an
 * earlier outage is not carried into the next.
 */
static void
test_daemon_audit_recovery_second_outage_starts_at_one_second(void **state)
{
	struct bench b;
	int status;

	(void)state;
	bench_setup(&b, 60);
	faultio_install();
	faultio_fail_at(1, EIO, 1);
	assert_int_equal(audited_request(&b, 1), 503);
	assert_int_equal(step(&b, T0, &status), AUDIT_RECOVERY_FAILED);
	assert_int_equal(step(&b, T0 + S, &status), AUDIT_RECOVERY_RETRY);
	assert_int_equal(step(&b, T0 + 3 * S, &status), AUDIT_RECOVERY_RETRY);
	assert_true(b.rc.next_us == T0 + 7 * S);
	faultio_heal();
	assert_int_equal(step(&b, T0 + 7 * S, &status),
	    AUDIT_RECOVERY_RECOVERED);
	faultio_uninstall();

	faultio_install();
	faultio_fail_at(1, EIO, 1);
	assert_int_equal(audited_request(&b, 2), 503);
	assert_int_equal(step(&b, T0 + 100 * S, &status),
	    AUDIT_RECOVERY_FAILED);
	assert_true(b.rc.next_us == T0 + 101 * S);
	faultio_heal();
	assert_int_equal(step(&b, T0 + 101 * S, &status),
	    AUDIT_RECOVERY_RECOVERED);
	faultio_uninstall();
	assert_int_equal(audited_request(&b, 3), 200);
	bench_teardown(&b);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_daemon_failed_trail_reopened_on_backoff_until_it_recovers),
	cmocka_unit_test(test_daemon_audit_recovery_second_outage_starts_at_one_second),
};

MEDSEC_TEST_MAIN(tests)
