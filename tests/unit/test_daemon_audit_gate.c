/*
 * medsecd's audit gate (MFDS 2.1, fail closed): the monitor's records go
 * through the asynchronous group commit, once per turn of the event loop;
 * a reply that follows a record leaves only after the record is durable,
 * and a failed sync turns it into a 503 audit_unavailable, never a success.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "testmain.h"
#include "faultio.h"
#include "fixture.h"
#include "audit/audit_int.h"
#include "audit/audit_writer_int.h"
#include "medsec/audit.h"
#include "medsec/err.h"

#include "../../src/daemon/audit_gate.c"
#include "../../src/daemon/log.c"

/* What the gate sent, and how the trail stood at that moment. */
struct sent {
	uint32_t id;
	uint64_t tag;
	int status;
	unsigned http;
	char code[48];
	char body[128];
	uint64_t durable_seq;	/* the trail's durable head when sent */
	size_t pending;		/* records still queued when sent */
};

struct bench {
	struct fixture f;
	struct medsec_audit *a;
	struct event_base *base;
	struct audit_gate *g;
	struct sent sent[16];
	int nsent;
};

static void
capture(void *ctx, uint32_t id, uint64_t tag,
    const struct audit_gate_reply *rep)
{
	struct bench *b = ctx;
	struct sent *s = &b->sent[b->nsent++];

	assert_true(b->nsent <= 16);
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->tag = tag;
	s->status = rep->status;
	s->http = rep->http;
	snprintf(s->code, sizeof(s->code), "%s",
	    rep->code != NULL ? rep->code : "");
	if (rep->body != NULL)
		snprintf(s->body, sizeof(s->body), "%.*s", (int)rep->bodylen,
		    rep->body);
	s->durable_seq = b->a->durable_seq;
	s->pending = medsec_audit_pending(b->a);
}

static void
bench_setup(struct bench *b)
{
	memset(b, 0, sizeof(*b));
	fixture_setup(&b->f, 100000, 64 << 20);
	assert_int_equal(medsec_audit_open(b->f.audit, b->f.ks, &b->f.opts,
	    &b->a, NULL), MEDSEC_OK);
	assert_non_null(b->base = event_base_new());
	assert_int_equal(audit_gate_new(b->base, b->a, capture, b, &b->g),
	    MEDSEC_OK);
}

static void
bench_teardown(struct bench *b)
{
	audit_gate_free(b->g);
	assert_int_equal(medsec_audit_close(b->a), MEDSEC_OK);
	event_base_free(b->base);
	fixture_teardown(&b->f);
}

static int
record(struct bench *b, const char *object)
{
	struct medsec_audit_event_in ev;

	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_CONFIG_CHANGED;
	ev.actor = "nurse01";
	ev.source = "192.0.2.10";
	ev.object = object;
	ev.outcome = MEDSEC_AUDIT_SUCCESS;
	return audit_gate_record(b->g, &ev);
}

static int
reply_ok(struct bench *b, uint32_t id, const char *body)
{
	struct audit_gate_reply rep = { MEDSEC_OK, 200, NULL, NULL, body,
		strlen(body) };

	return audit_gate_hold(b->g, id, &rep);
}

/*
 * One turn of the loop: runs what is active (the commit). libevent says 1
 * when, after it, nothing is left to wait for.
 */
static void
loop_turn(struct bench *b)
{
	int r = event_base_loop(b->base, EVLOOP_NONBLOCK);

	assert_true(r == 0 || r == 1);
}

/* One request as the monitor's dispatch runs it: record, then reply. */
static void
handle(struct bench *b, uint32_t id, const char *object, const char *body)
{
	audit_gate_begin(b->g, id, 3);
	assert_int_equal(record(b, object), MEDSEC_OK);
	assert_int_equal(reply_ok(b, id, body), 1);
	audit_gate_end(b->g);
}

/* The sequence number of the record whose object is `object`. */
static uint64_t
seq_of(struct bench *b, const char *object)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	uint64_t seq = 0;

	assert_int_equal(medsec_audit_reader_open(b->f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		if (strcmp(rec.object, object) == 0)
			seq = rec.seq;
	medsec_audit_reader_close(rd);
	return seq;
}

static void
test_req_2_1_daemon_reply_leaves_only_after_its_record_is_durable(
    void **state)
{
	struct bench b;
	uint64_t seq;

	(void)state;
	bench_setup(&b);
	handle(&b, 7, "control", "{\"status\":\"applied\"}");
	/* Handled, recorded, replied: nothing has left yet. */
	assert_int_equal(b.nsent, 0);
	assert_int_equal(medsec_audit_pending(b.a), 1);
	loop_turn(&b);
	assert_int_equal(b.nsent, 1);
	assert_int_equal(b.sent[0].id, 7);
	assert_int_equal(b.sent[0].tag, 3);
	assert_int_equal(b.sent[0].http, 200);
	assert_string_equal(b.sent[0].body, "{\"status\":\"applied\"}");
	seq = seq_of(&b, "control");
	assert_true(seq > 0);
	assert_true(b.sent[0].durable_seq >= seq);
	assert_int_equal(b.sent[0].pending, 0);
	bench_teardown(&b);
}

/*
 * Several requests in one turn of the loop share one write and one sync;
 * their records keep the order of handling, and every reply waits.
 */
static void
test_req_2_1_daemon_one_sync_per_loop_turn_in_handling_order(void **state)
{
	static const char *objects[4] = { "req-a", "req-b", "req-c",
		"req-d" };
	struct bench b;
	uint64_t last = 0, seq;

	(void)state;
	bench_setup(&b);
	faultio_install();
	for (uint32_t i = 0; i < 4; i++)
		handle(&b, 10 + i, objects[i], "{}");
	assert_int_equal(b.nsent, 0);
	assert_int_equal(faultio_count(), 0);
	loop_turn(&b);
	/* One pwrite and one fdatasync for the four records. */
	assert_int_equal(faultio_count(), 2);
	faultio_uninstall();
	assert_int_equal(b.nsent, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(b.sent[i].id, 10 + i);
		assert_int_equal(b.sent[i].http, 200);
		seq = seq_of(&b, objects[i]);
		assert_true(seq > last);
		assert_true(b.sent[i].durable_seq >= seq);
		last = seq;
	}
	bench_teardown(&b);
}

/*
 * The sync fails: the reply that waited becomes a 503 audit_unavailable
 * and no success leaves; the trail then says it is degraded (what
 * GET /v1/health reports), a later request that records is refused at
 * once, and one that records nothing is answered as usual.
 */
static void
test_req_2_1_daemon_failed_sync_answers_503_never_success(void **state)
{
	struct bench b;

	(void)state;
	bench_setup(&b);
	faultio_install();
	/* Operation 1 is the group's write, 2 its fdatasync. */
	faultio_fail_at(2, EIO, 0);
	handle(&b, 21, "control", "{\"status\":\"applied\"}");
	loop_turn(&b);
	assert_true(faultio_faults() >= 1);
	assert_int_equal(b.nsent, 1);
	assert_int_equal(b.sent[0].id, 21);
	assert_int_equal(b.sent[0].http, 503);
	assert_int_equal(b.sent[0].status, MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_string_equal(b.sent[0].code, "audit_unavailable");
	assert_string_equal(b.sent[0].body, "");
	assert_int_not_equal(medsec_audit_degraded(b.a, NULL, NULL), 0);

	/* Storage failed for good: a recording request is refused now. */
	audit_gate_begin(b.g, 22, 3);
	assert_int_equal(record(&b, "control"), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(reply_ok(&b, 22, "{\"status\":\"applied\"}"), 1);
	audit_gate_end(b.g);
	assert_int_equal(b.nsent, 2);
	assert_int_equal(b.sent[1].id, 22);
	assert_int_equal(b.sent[1].http, 503);

	/* A request with no record of its own is not held. */
	audit_gate_begin(b.g, 23, 3);
	assert_int_equal(reply_ok(&b, 23, "{\"audit\":\"degraded\"}"), 0);
	audit_gate_end(b.g);
	assert_int_equal(b.nsent, 2);
	faultio_uninstall();
	/* The operator's reopen brings the trail back. */
	assert_int_equal(medsec_audit_reopen(b.a), MEDSEC_OK);
	bench_teardown(&b);
}

/*
 * Records made outside a request (a signal, the worker's exit) hold no
 * reply back, and are still committed at the next turn of the loop.
 */
static void
test_daemon_audit_gate_records_outside_requests_hold_nothing(void **state)
{
	struct bench b;

	(void)state;
	bench_setup(&b);
	assert_int_equal(record(&b, "worker"), MEDSEC_OK);
	audit_gate_begin(b.g, 31, 3);
	assert_int_equal(reply_ok(&b, 31, "{}"), 0);
	audit_gate_end(b.g);
	/* Another id than the request being handled is not held either. */
	audit_gate_begin(b.g, 32, 3);
	assert_int_equal(record(&b, "audit"), MEDSEC_OK);
	assert_int_equal(reply_ok(&b, 99, "{}"), 0);
	assert_int_equal(reply_ok(&b, 32, "{}"), 1);
	audit_gate_end(b.g);
	assert_int_equal(medsec_audit_pending(b.a), 2);
	loop_turn(&b);
	assert_int_equal(medsec_audit_pending(b.a), 0);
	assert_true(seq_of(&b, "worker") > 0);
	assert_int_equal(b.nsent, 1);
	assert_int_equal(b.sent[0].id, 32);
	bench_teardown(&b);
}

/* Closing commits what is queued and answers the held reply. */
static void
test_req_2_1_daemon_gate_free_commits_and_answers(void **state)
{
	struct bench b;

	(void)state;
	bench_setup(&b);
	handle(&b, 41, "audit", "{\"records\":[]}");
	assert_int_equal(b.nsent, 0);
	audit_gate_free(b.g);
	b.g = NULL;
	assert_int_equal(b.nsent, 1);
	assert_int_equal(b.sent[0].http, 200);
	assert_true(b.sent[0].durable_seq >= seq_of(&b, "audit"));
	bench_teardown(&b);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_daemon_reply_leaves_only_after_its_record_is_durable),
	cmocka_unit_test(test_req_2_1_daemon_one_sync_per_loop_turn_in_handling_order),
	cmocka_unit_test(test_req_2_1_daemon_failed_sync_answers_503_never_success),
	cmocka_unit_test(test_daemon_audit_gate_records_outside_requests_hold_nothing),
	cmocka_unit_test(test_req_2_1_daemon_gate_free_commits_and_answers),
};

MEDSEC_TEST_MAIN(tests)
