/*
 * Asynchronous audit appends with group commit (MFDS 2.1): records keep
 * their submission order and verify; nobody hears "durable" before the
 * sync, or at all when the sync failed or a power cut took the record;
 * a full queue is committed, never dropped.
 */
#include <fcntl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "testmain.h"
#include "fixture.h"
#include "faultio.h"
#include "audit/audit_int.h"
#include "medsec/audit.h"
#include "medsec/err.h"

/* What one submitter heard. */
struct ticket {
	int tag;	      /* the record's object is "rec-<tag>" */
	int calls;
	int status;
	uint64_t seq;	      /* given by submit */
	uint64_t done_seq;    /* given to the callback */
	unsigned long order;  /* its place among all callbacks */
};

static unsigned long callbacks_so_far;

static void
ticket_done(void *arg, int status, uint64_t seq)
{
	struct ticket *t = arg;

	t->calls++;
	t->status = status;
	t->done_seq = seq;
	t->order = ++callbacks_so_far;
}

static void
event_for(struct medsec_audit_event_in *ev, char *object, size_t olen,
    char *details, size_t dlen, int tag)
{
	snprintf(object, olen, "rec-%d", tag);
	snprintf(details, dlen, "{\"n\":%d}", tag);
	memset(ev, 0, sizeof(*ev));
	ev->event = MEDSEC_EV_PHR_READ;
	ev->actor = "nurse01";
	ev->source = "192.0.2.10";
	ev->object = object;
	ev->outcome = MEDSEC_AUDIT_SUCCESS;
	ev->details = details;
}

static int
submit_tagged(struct medsec_audit *a, struct ticket *t, int tag)
{
	struct medsec_audit_event_in ev;
	char object[32], details[64];

	event_for(&ev, object, sizeof(object), details, sizeof(details), tag);
	memset(t, 0, sizeof(*t));
	t->tag = tag;
	return medsec_audit_submit(a, &ev, &t->seq, ticket_done, t);
}

static void
append_tagged(struct medsec_audit *a, int tag, uint64_t *seqp)
{
	struct medsec_audit_event_in ev;
	char object[32], details[64];

	event_for(&ev, object, sizeof(object), details, sizeof(details), tag);
	assert_int_equal(medsec_audit_append(a, &ev, seqp), MEDSEC_OK);
}

static struct medsec_audit *
open_trail(struct fixture *f)
{
	struct medsec_audit *a = NULL;

	assert_int_equal(medsec_audit_open(f->audit, f->ks, &f->opts, &a, NULL),
	    MEDSEC_OK);
	return a;
}

/* The trail's records, seq and object, in file order. */
struct trail {
	uint64_t seq[8192];
	char object[8192][24];
	size_t n;
};

static void
trail_read(const char *dir, struct trail *t)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	int r;

	t->n = 0;
	assert_int_equal(medsec_audit_reader_open(dir, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		assert_true(t->n < 8192);
		t->seq[t->n] = rec.seq;
		snprintf(t->object[t->n], sizeof(t->object[t->n]), "%s",
		    rec.object);
		t->n++;
	}
	medsec_audit_reader_close(rd);
	assert_int_equal(r, 0);
}

/* The object of record seq, or NULL if the trail has no such record. */
static const char *
trail_object(const struct trail *t, uint64_t seq)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->seq[i] == seq)
			return t->object[i];
	return NULL;
}

static void
assert_tag_at(const struct trail *t, uint64_t seq, int tag)
{
	char want[24];
	const char *got = trail_object(t, seq);

	snprintf(want, sizeof(want), "rec-%d", tag);
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void
assert_intact(const struct fixture *f)
{
	struct medsec_audit_verify_result res;

	assert_int_equal(fixture_verify(f, 1, &res), MEDSEC_OK);
	assert_int_equal(res.problem, MEDSEC_AUDIT_INTACT);
	assert_true(res.macs_checked);
}

#define MANY 1500

static void
test_req_2_1_async_records_keep_submission_order_and_verify(void **state)
{
	static struct ticket t[MANY];
	static struct trail tr;
	struct fixture f;
	struct medsec_audit *a;
	int sent = 0, group = 1;

	(void)state;
	/* Checkpoints and segment rotations fall inside the groups. */
	fixture_setup(&f, 97, 64 * 1024);
	a = open_trail(&f);
	callbacks_so_far = 0;
	while (sent < MANY) {
		int queued = 0;

		for (; queued < group && sent < MANY; queued++, sent++)
			assert_int_equal(submit_tagged(a, &t[sent], sent),
			    MEDSEC_OK);
		assert_int_equal(medsec_audit_pending(a), (size_t)queued);
		assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
		assert_int_equal(medsec_audit_pending(a), 0);
		group = group % 64 + 7;
	}
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	trail_read(f.audit, &tr);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(t[i].calls, 1);
		assert_int_equal(t[i].status, MEDSEC_OK);
		assert_int_equal(t[i].done_seq, t[i].seq);
		/* Callbacks in submission order, sequence numbers too. */
		assert_int_equal(t[i].order, (unsigned long)i + 1);
		if (i > 0)
			assert_true(t[i].seq > t[i - 1].seq);
		assert_tag_at(&tr, t[i].seq, i);
	}
	for (size_t i = 1; i < tr.n; i++)
		assert_int_equal(tr.seq[i], tr.seq[i - 1] + 1);
	assert_intact(&f);
	fixture_teardown(&f);
}

static void
test_req_2_1_async_callback_never_before_commit(void **state)
{
	struct ticket t[64];
	struct fixture f;
	struct medsec_audit *a;
	unsigned long ops;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	callbacks_so_far = 0;
	faultio_install();
	for (int i = 0; i < 64; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	/* Submitting wrote and synced nothing, and told nobody. */
	assert_int_equal(faultio_count(), 0);
	assert_int_equal(callbacks_so_far, 0);
	assert_int_equal(medsec_audit_pending(a), 64);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	ops = faultio_count();
	faultio_uninstall();
	/* The whole group: one write and one sync. */
	assert_int_equal(ops, 2);
	assert_int_equal(callbacks_so_far, 64);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(t[i].calls, 1);
		assert_int_equal(t[i].status, MEDSEC_OK);
	}
	/* Nothing queued: a commit is a no-op and calls nobody again. */
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	assert_int_equal(callbacks_so_far, 64);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_intact(&f);
	fixture_teardown(&f);
}

/*
 * The group's sync fails (EIO): every record of the group hears the
 * error, the trail then refuses submits until it is reopened, and after
 * the reopen records are durable again.
 */
static void
test_req_2_1_async_failed_sync_fails_every_record_of_group(void **state)
{
	struct ticket t[16], later, again[4];
	struct fixture f;
	struct medsec_audit *a;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	faultio_install();
	/* Operation 1 is the group's write, 2 its fdatasync. */
	faultio_fail_at(2, EIO, 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_true(faultio_faults() >= 1);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(t[i].calls, 1);
		assert_int_equal(t[i].status, MEDSEC_ERR_AUDIT_UNAVAILABLE);
	}
	/* Sticky: refused at once, nothing queued, no callback. */
	assert_int_equal(submit_tagged(a, &later, 100),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(medsec_audit_pending(a), 0);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	assert_int_equal(later.calls, 0);
	faultio_uninstall();
	assert_int_equal(medsec_audit_reopen(a), MEDSEC_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(submit_tagged(a, &again[i], 200 + i),
		    MEDSEC_OK);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(again[i].status, MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_intact(&f);
	fixture_teardown(&f);
}

/*
 * Records submitted, then lost with a failed write that a blocking
 * append's flush carried; after the reopen their sequence numbers are
 * given to new, durable records. The lost ones must still hear an error:
 * the number alone would say "durable".
 */
static void
test_req_2_1_async_record_lost_before_reopen_never_reported_durable(
    void **state)
{
	static struct trail tr;
	struct ticket t[3];
	struct fixture f;
	struct medsec_audit *a;
	struct medsec_audit_event_in ev;
	char object[32], details[64];
	uint64_t seq;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	faultio_install();
	faultio_fail_at(1, EIO, 0); /* the batch's write */
	event_for(&ev, object, sizeof(object), details, sizeof(details), 50);
	assert_int_equal(medsec_audit_append(a, &ev, &seq),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_true(faultio_faults() >= 1);
	faultio_uninstall();
	assert_int_equal(medsec_audit_reopen(a), MEDSEC_OK);
	for (int i = 0; i < 6; i++)
		append_tagged(a, 60 + i, &seq);
	assert_true(seq >= t[2].seq);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t[i].calls, 1);
		assert_int_equal(t[i].status, MEDSEC_ERR_AUDIT_UNAVAILABLE);
	}
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	/* Their numbers now belong to other records. */
	trail_read(f.audit, &tr);
	for (int i = 0; i < 3; i++) {
		const char *o = trail_object(&tr, t[i].seq);

		assert_non_null(o);
		assert_string_not_equal(o, "rec-0");
		assert_string_not_equal(o, "rec-1");
		assert_string_not_equal(o, "rec-2");
	}
	assert_intact(&f);
	fixture_teardown(&f);
}

/*
 * Power cut (and process kill) at every I/O step of a run of group
 * commits, checkpoints and segment rotations included: every record the
 * child heard was durable is in the recovered trail, with its content,
 * and the trail verifies.
 */
#define CRASH_GROUPS 4
#define CRASH_GROUP 16

struct ack {
	uint64_t seq;
	int32_t tag;
	int32_t status;
};

static int ack_fd = -1;

static void
child_done(void *arg, int status, uint64_t seq)
{
	struct ack m = { seq, (int32_t)(intptr_t)arg, status };

	if (write(ack_fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		_exit(3);
}

static int
child_workload(struct fixture *f, unsigned long k, int mode)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit *a = NULL;
	char object[32], details[64];
	int tag = 0;

	if (medsec_audit_open(f->audit, f->ks, &f->opts, &a, NULL) !=
	    MEDSEC_OK)
		return 2;
	faultio_install();
	faultio_crash_at(k, mode);
	for (int g = 0; g < CRASH_GROUPS; g++) {
		for (int i = 0; i < CRASH_GROUP; i++, tag++) {
			event_for(&ev, object, sizeof(object), details,
			    sizeof(details), tag);
			if (medsec_audit_submit(a, &ev, NULL, child_done,
				(void *)(intptr_t)tag) != MEDSEC_OK)
				return 4;
		}
		if (medsec_audit_commit(a) != MEDSEC_OK)
			return 5;
	}
	return medsec_audit_close(a) == MEDSEC_OK ? 0 : 6;
}

static size_t
read_acks(int fd, struct ack *acks, size_t max)
{
	size_t n = 0;
	ssize_t got;

	while (n < max && (got = read(fd, &acks[n], sizeof(acks[n]))) ==
	    (ssize_t)sizeof(acks[n]))
		n++;
	return n;
}

/*
 * Crashes the workload at its k-th I/O operation for k = 1, 2, ... until
 * a run completes; after each, recovery must keep every record reported
 * durable, verify, and bring the sealed MAC key to the trail's epoch.
 * With the clock frozen, every checkpoint after the first is put off
 * (PERSIST_SPACING_US): the sweep then also cuts power while the key and
 * anchor lag the trail, and returns how many runs did.
 */
static int
crash_sweep(int mode, int clock_frozen)
{
	static struct trail tr;
	struct fixture_clock clock = { 1767225600000000LL, 5000000 };
	struct ack acks[CRASH_GROUPS * CRASH_GROUP + 1];
	struct medsec_audit_verify_result res;
	struct fixture f;
	struct medsec_audit *a;
	unsigned long k;
	size_t n, acked_before_crash = 0;
	uint64_t key_epoch_at_crash, key_epoch;
	int p[2], status, done = 0, crashed = 0, lagging = 0;
	pid_t pid;

	for (k = 1; !done && k < 400; k++) {
		fixture_setup(&f, 20, 8192);
		if (clock_frozen)
			fixture_clock_install(&clock);
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			ack_fd = p[1];
			_exit(child_workload(&f, k, mode));
		}
		close(p[1]);
		n = read_acks(p[0], acks, sizeof(acks) / sizeof(acks[0]));
		close(p[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		done = WEXITSTATUS(status) == 0;
		if (!done) {
			assert_int_equal(WEXITSTATUS(status),
			    FAULTIO_CRASH_EXIT);
			crashed++;
			acked_before_crash += n;
		} else {
			assert_int_equal(n, CRASH_GROUPS * CRASH_GROUP);
		}
		fixture_reopen_keys(&f);
		assert_int_equal(medsec_audit_key_epoch(f.ks,
				     &key_epoch_at_crash), MEDSEC_OK);
		/* Recovery after the cut, then a checkpoint over it all. */
		a = open_trail(&f);
		assert_int_equal(medsec_audit_checkpoint(a), MEDSEC_OK);
		assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
		fixture_clock_uninstall();
		trail_read(f.audit, &tr);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(acks[i].status, MEDSEC_OK);
			assert_tag_at(&tr, acks[i].seq, acks[i].tag);
		}
		assert_intact(&f);
		assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
		assert_int_equal(medsec_audit_key_epoch(f.ks, &key_epoch),
		    MEDSEC_OK);
		assert_int_equal(key_epoch, res.epoch);
		/* Behind by more than the checkpoint just taken: at the cut,
		 * a durable checkpoint's key had not been stored yet. */
		lagging += key_epoch_at_crash + 1 < res.epoch;
		fixture_teardown(&f);
	}
	assert_true(done);
	/* Every run before the last crashed at its k, and some crashed
	 * after records had been reported durable. */
	assert_int_equal(crashed, (int)(k - 2));
	assert_true(crashed > 10);
	assert_true(acked_before_crash > 0);
	return lagging;
}

static void
test_req_2_1_async_power_cut_loses_no_record_reported_durable(void **state)
{
	(void)state;
	if (crash_sweep(FAULTIO_POWER_DROP, 0) < 0) {
		/* a count of runs, never negative */
	}
}

static void
test_req_2_1_async_process_kill_loses_no_record_reported_durable(
    void **state)
{
	(void)state;
	if (crash_sweep(FAULTIO_PROCESS, 0) < 0) {
		/* a count of runs, never negative */
	}
}

/*
 * Power cut at every I/O operation while checkpoints are put off: the
 * sealed key and the anchor lag the trail at the cut, and recovery takes
 * the trail as it is (no tampering reported), keeps every record reported
 * durable and stores the key of the epoch reached.
 */
static void
test_req_2_1_async_power_cut_while_checkpoint_persist_lags_recovers(
    void **state)
{
	(void)state;
	assert_true(crash_sweep(FAULTIO_POWER_DROP, 1) > 0);
}

/* Submits count records in groups of 16, one commit per group. */
static void
submit_groups(struct medsec_audit *a, int first, int count)
{
	struct ticket t[16];

	for (int tag = first; tag < first + count;) {
		int n = 0;

		for (; n < 16 && tag < first + count; n++, tag++)
			assert_int_equal(submit_tagged(a, &t[n], tag),
			    MEDSEC_OK);
		assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
		for (int i = 0; i < n; i++)
			assert_int_equal(t[i].status, MEDSEC_OK);
	}
}

/* The sealed key's epoch, and the epoch the trail on disk has reached. */
static void
epochs(const struct fixture *f, uint64_t *key_epoch, uint64_t *trail_epoch)
{
	struct medsec_audit_verify_result res;

	assert_int_equal(medsec_audit_key_epoch(f->ks, key_epoch), MEDSEC_OK);
	assert_int_equal(fixture_verify(f, 1, &res), MEDSEC_OK);
	*trail_epoch = res.epoch;
}

/*
 * Under a steady stream of records a checkpoint's key and anchor are not
 * stored at every epoch: the first is, the next ones wait until 50 ms
 * after that store, and then the first flush stores the newest durable
 * one. medsec_audit_checkpoint() and close store it at once. The anchor
 * always names the checkpoint whose key is stored.
 */
static void
test_req_2_1_checkpoint_persist_spaced_under_load_stored_by_close(
    void **state)
{
	struct fixture_clock clock = { 1767225600000000LL, 5000000 };
	struct audit_anchor anchor;
	struct fixture f;
	struct medsec_audit *a;
	uint64_t key_epoch, trail_epoch, first, lagged;

	(void)state;
	fixture_setup(&f, 20, 1 << 20);
	fixture_clock_install(&clock);
	a = open_trail(&f);
	epochs(&f, &first, &trail_epoch);
	assert_int_equal(first, trail_epoch);
	/* The first checkpoint of these is stored, the next four wait. */
	submit_groups(a, 0, 100);
	first++;
	epochs(&f, &key_epoch, &trail_epoch);
	assert_int_equal(key_epoch, first);
	assert_true(trail_epoch >= first + 4);
	assert_int_equal(audit_anchor_read(f.audit, &anchor), MEDSEC_OK);
	assert_int_equal(anchor.epoch + 1, key_epoch);
	lagged = trail_epoch;

	/* 49.999 ms later: still put off; 50 ms: the next flush stores it. */
	clock.mono_us += 49999;
	submit_groups(a, 100, 1);
	epochs(&f, &key_epoch, &trail_epoch);
	assert_int_equal(key_epoch, first);
	clock.mono_us += 1;
	submit_groups(a, 101, 1);
	epochs(&f, &key_epoch, &trail_epoch);
	assert_int_equal(key_epoch, trail_epoch);
	assert_true(key_epoch >= lagged);

	/* Behind again, then an explicit checkpoint stores at once. */
	submit_groups(a, 102, 60);
	epochs(&f, &key_epoch, &trail_epoch);
	assert_true(key_epoch < trail_epoch);
	assert_int_equal(medsec_audit_checkpoint(a), MEDSEC_OK);
	epochs(&f, &key_epoch, &trail_epoch);
	assert_int_equal(key_epoch, trail_epoch);

	/* Behind again, then close stores it. */
	submit_groups(a, 162, 60);
	epochs(&f, &key_epoch, &trail_epoch);
	assert_true(key_epoch < trail_epoch);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	epochs(&f, &key_epoch, &trail_epoch);
	assert_int_equal(key_epoch, trail_epoch);
	assert_int_equal(audit_anchor_read(f.audit, &anchor), MEDSEC_OK);
	assert_int_equal(anchor.epoch + 1, key_epoch);
	fixture_clock_uninstall();
	assert_intact(&f);
	fixture_teardown(&f);
}

/* The record bound: the submit that finds the queue full commits it. */
static void
test_req_2_1_async_full_queue_commits_first_never_drops(void **state)
{
	enum { N = MEDSEC_AUDIT_ASYNC_MAX_RECORDS + 10 };
	static struct ticket t[N];
	static struct trail tr;
	struct fixture f;
	struct medsec_audit *a;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	callbacks_so_far = 0;
	for (int i = 0; i < MEDSEC_AUDIT_ASYNC_MAX_RECORDS; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	assert_int_equal(medsec_audit_pending(a),
	    MEDSEC_AUDIT_ASYNC_MAX_RECORDS);
	assert_int_equal(callbacks_so_far, 0);
	/* Full: this submit commits the others first, never its own. */
	assert_int_equal(submit_tagged(a, &t[MEDSEC_AUDIT_ASYNC_MAX_RECORDS],
			     MEDSEC_AUDIT_ASYNC_MAX_RECORDS), MEDSEC_OK);
	assert_int_equal(callbacks_so_far, MEDSEC_AUDIT_ASYNC_MAX_RECORDS);
	assert_int_equal(t[MEDSEC_AUDIT_ASYNC_MAX_RECORDS].calls, 0);
	assert_int_equal(medsec_audit_pending(a), 1);
	for (int i = MEDSEC_AUDIT_ASYNC_MAX_RECORDS + 1; i < N; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	trail_read(f.audit, &tr);
	for (int i = 0; i < N; i++) {
		assert_int_equal(t[i].calls, 1);
		assert_int_equal(t[i].status, MEDSEC_OK);
		assert_int_equal(t[i].order, (unsigned long)i + 1);
		assert_tag_at(&tr, t[i].seq, i);
	}
	assert_intact(&f);
	fixture_teardown(&f);
}

/* The byte bound: large records fill the queue before the count does. */
static void
test_req_2_1_async_full_queue_by_bytes_commits_first(void **state)
{
	enum { N = 1100 };
	static struct ticket t[N];
	static char details[MEDSEC_AUDIT_DETAILS_MAX];
	struct medsec_audit_event_in ev = { MEDSEC_EV_CONFIG_CHANGED,
		"admin", "local", "config", MEDSEC_AUDIT_SUCCESS, NULL,
		details };
	struct fixture f;
	struct medsec_audit *a;
	size_t per_record = 4000, before_full;

	(void)state;
	snprintf(details, sizeof(details), "{\"note\":\"%0*d\"}",
	    (int)per_record - 11, 0);
	before_full = MEDSEC_AUDIT_ASYNC_MAX_BYTES / (per_record + 200);
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	callbacks_so_far = 0;
	for (int i = 0; i < N; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		assert_int_equal(medsec_audit_submit(a, &ev, &t[i].seq,
				     ticket_done, &t[i]), MEDSEC_OK);
		assert_true(medsec_audit_pending(a) <= before_full + 50);
	}
	/* The queue was committed on its own once it held the bytes. */
	assert_true(callbacks_so_far >= (unsigned long)before_full);
	assert_int_equal(medsec_audit_pending(a), N - callbacks_so_far);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	for (int i = 0; i < N; i++) {
		assert_int_equal(t[i].calls, 1);
		assert_int_equal(t[i].status, MEDSEC_OK);
		assert_int_equal(t[i].order, (unsigned long)i + 1);
	}
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_intact(&f);
	fixture_teardown(&f);
}

/*
 * A blocking append after submits: its record comes after theirs, its
 * sync makes them durable too, and their callbacks still wait for the
 * commit.
 */
static void
test_req_2_1_async_append_after_submit_keeps_order(void **state)
{
	static struct trail tr;
	struct ticket t[5];
	struct fixture f;
	struct medsec_audit *a;
	uint64_t append_seq;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	callbacks_so_far = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	append_tagged(a, 10, &append_seq);
	assert_int_equal(append_seq, t[2].seq + 1);
	/* On disk already, in order, before any callback. */
	trail_read(f.audit, &tr);
	for (int i = 0; i < 3; i++)
		assert_tag_at(&tr, t[i].seq, i);
	assert_tag_at(&tr, append_seq, 10);
	assert_int_equal(callbacks_so_far, 0);
	for (int i = 3; i < 5; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	assert_true(t[3].seq > append_seq);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(t[i].status, MEDSEC_OK);
		assert_int_equal(t[i].order, (unsigned long)i + 1);
	}
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	trail_read(f.audit, &tr);
	assert_tag_at(&tr, t[4].seq, 4);
	assert_intact(&f);
	fixture_teardown(&f);
}

/* Close with records queued: they are committed and reported first. */
static void
test_req_2_1_async_close_commits_pending_queue(void **state)
{
	static struct trail tr;
	struct ticket t[5];
	struct fixture f;
	struct medsec_audit *a;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	callbacks_so_far = 0;
	for (int i = 0; i < 5; i++)
		assert_int_equal(submit_tagged(a, &t[i], i), MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	trail_read(f.audit, &tr);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(t[i].calls, 1);
		assert_int_equal(t[i].status, MEDSEC_OK);
		assert_tag_at(&tr, t[i].seq, i);
	}
	assert_intact(&f);
	fixture_teardown(&f);
}

/* A callback that submits the next record of its stream. */
struct stream {
	struct medsec_audit *a;
	int left;
	int heard;
};

static void
stream_next(void *arg, int status, uint64_t seq)
{
	struct stream *s = arg;
	struct medsec_audit_event_in ev;
	char object[32], details[64];

	(void)seq;
	assert_int_equal(status, MEDSEC_OK);
	s->heard++;
	if (s->left == 0)
		return;
	s->left--;
	event_for(&ev, object, sizeof(object), details, sizeof(details),
	    s->left);
	assert_int_equal(medsec_audit_submit(s->a, &ev, NULL, stream_next, s),
	    MEDSEC_OK);
}

static void
test_req_2_1_async_callback_submits_into_next_group(void **state)
{
	struct stream s[8];
	struct fixture f;
	struct medsec_audit *a;
	int commits = 0;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	for (int i = 0; i < 8; i++) {
		s[i].a = a;
		s[i].left = 10;
		s[i].heard = 0;
		stream_next(&s[i], MEDSEC_OK, 0);
		s[i].heard = 0;
	}
	while (medsec_audit_pending(a) > 0) {
		assert_int_equal(medsec_audit_pending(a), 8);
		assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
		commits++;
	}
	/* One record per stream per commit, ten per stream. */
	assert_int_equal(commits, 10);
	for (int i = 0; i < 8; i++)
		assert_int_equal(s[i].heard, 10);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_intact(&f);
	fixture_teardown(&f);
}

/*
 * The open segment's blocks are reserved up to its rotation size so that
 * a group commit does not allocate, but its size stays that of the
 * records written: reopening finds no torn tail and the trail verifies.
 */
static void
test_audit_segment_blocks_reserved_size_unchanged(void **state)
{
	struct medsec_audit_open_report report;
	struct fixture f;
	struct medsec_audit *a;
	struct stat st;
	char seg[400];

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	a = open_trail(&f);
	submit_groups(a, 0, 40);
	snprintf(seg, sizeof(seg), "%s/seg-0000000000000001.log", f.audit);
	assert_int_equal(stat(seg, &st), 0);
	assert_true(st.st_size > 40 * 100);
	assert_true(st.st_size < (1 << 20) / 4);
	assert_true((int64_t)st.st_blocks * 512 >= (1 << 20));
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a,
			     &report), MEDSEC_OK);
	assert_int_equal(report.cut_bytes, 0);
	assert_int_equal(report.recovered, 0);
	submit_groups(a, 40, 40);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_intact(&f);
	fixture_teardown(&f);
}

static void MEDSEC_TEST_PASSES_NULL
test_audit_async_bad_submit_refused_nothing_queued(void **state)
{
	struct medsec_audit_event_in bad = { 9999, "x", "local", "o",
		MEDSEC_AUDIT_SUCCESS, NULL, NULL };
	struct medsec_audit_event_in secret = { MEDSEC_EV_LOGIN_SUCCESS, "x",
		"local", "o", MEDSEC_AUDIT_SUCCESS, NULL,
		"{\"password\":\"hunter2\"}" };
	struct ticket t;
	struct fixture f;
	struct medsec_audit *a;
	size_t before;

	(void)state;
	fixture_setup(&f, 100000, 64 << 20);
	a = open_trail(&f);
	before = fixture_read_seqs(f.audit, NULL, 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(medsec_audit_submit(a, &bad, NULL, ticket_done, &t),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_audit_submit(a, &secret, NULL, ticket_done,
			     &t), MEDSEC_ERR_INVALID);
	assert_int_equal(submit_tagged(a, &t, 1), MEDSEC_OK);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	memset(&t, 0, sizeof(t));
	{
		struct medsec_audit_event_in ev;
		char object[32], details[64];

		event_for(&ev, object, sizeof(object), details,
		    sizeof(details), 2);
		assert_int_equal(medsec_audit_submit(a, &ev, NULL,
				     (medsec_audit_done_fn)medsec_test_null,
				     &t), MEDSEC_ERR_INVALID);
		assert_int_equal(medsec_audit_submit(medsec_test_null, &ev,
				     NULL, ticket_done, &t), MEDSEC_ERR_INVALID);
	}
	assert_int_equal(medsec_audit_pending(a), 0);
	assert_int_equal(medsec_audit_commit(a), MEDSEC_OK);
	assert_int_equal(t.calls, 0);
	assert_int_equal(medsec_audit_commit(medsec_test_null),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	/* Only the one good record was written. */
	assert_int_equal(fixture_read_seqs(f.audit, NULL, 0), before + 1);
	assert_intact(&f);
	fixture_teardown(&f);
}

/*
 * The scanner that spares canonical details the JSON parser: whatever it
 * accepts, the parser accepts and re-encodes to the very same bytes, so a
 * record is stored identically either way; credentials, duplicates and
 * everything unusual go to the parser. Hand-picked texts, then seeded
 * random mutations of them.
 */
static int
assert_plain_agrees_with_parser(const char *text)
{
	char *out = NULL, *canon;
	json_t *root;
	int r;

	r = audit_details_plain(text, &out);
	assert_true(r == 0 || r == 1);
	if (r == 0) {
		assert_null(out);
		return 0;
	}
	root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(root);
	assert_true(json_is_object(root));
	canon = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(canon);
	assert_string_equal(canon, text);
	assert_string_equal(out, text);
	free(canon);
	free(out);
	json_decref(root);
	return 1;
}

static void
test_req_2_1_plain_details_stored_exactly_as_the_parser_would(void **state)
{
	static const char *const accepted[] = { "{}",
		"{\"n\":1}", "{\"a\":\"x\",\"b\":-12,\"c\":true,"
		"\"d\":false,\"e\":null}", "{\"u\":\"\xc3\xa9\xe2\x82\xac"
		"\xf0\x9f\x98\x80\"}", "{\"big\":999999999999999999}",
		"{\"z\":0,\"path\":\"/var/lib\"}" };
	static const char *const refused[] = { "{\"password\":\"x\"}",
		"{\"api_key\":1}", "{\"a\":1,\"a\":2}", "{ \"a\":1}",
		"{\"a\":\"x\\ny\"}", "{\"a\":{\"b\":1}}", "{\"a\":[1]}",
		"{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":-0}", "{\"a\":01}",
		"{\"a\":1234567890123456789}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\x01\"}", "{\"a\":1,}",
		"{\"a\"}", "{\"a\":}", "{\"a\":tru}", "[1]", "{\"a\":1}x",
		"{\"a\":\"x}" };
	static const char bytes[] = "{}\":,01-9aenstrlu\\\x7f\xc3\xa9\xff ";
	uint32_t seed = 20261202;
	char text[128];
	char *out;
	long plain = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		out = NULL;
		assert_int_equal(audit_details_plain(accepted[i], &out), 1);
		free(out);
		assert_int_equal(assert_plain_agrees_with_parser(accepted[i]),
		    1);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		out = NULL;
		assert_int_equal(audit_details_plain(refused[i], &out), 0);
		assert_null(out);
	}
	/* Mutations: a byte replaced, inserted or removed, a few times. */
	for (int round = 0; round < 200000; round++) {
		const char *base = accepted[round % 6];
		size_t len = strlen(base);

		memcpy(text, base, len + 1);
		for (int m = 0; m < 1 + round % 3; m++) {
			size_t at;
			char c;

			seed = seed * 1103515245u + 12345u;
			at = (seed >> 8) % (len + 1);
			c = bytes[(seed >> 20) % (sizeof(bytes) - 1)];
			if (seed % 3 == 0 && at < len) {
				text[at] = c;
			} else if (seed % 3 == 1 && len + 1 < sizeof(text)) {
				memmove(text + at + 1, text + at, len - at + 1);
				text[at] = c;
				len++;
			} else if (len > 0 && at < len) {
				memmove(text + at, text + at + 1, len - at);
				len--;
			}
		}
		plain += assert_plain_agrees_with_parser(text);
	}
	/* Both ways taken often: the comparison was exercised. */
	assert_true(plain > 10000);
	assert_true(plain < 190000);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_async_records_keep_submission_order_and_verify),
	cmocka_unit_test(test_req_2_1_async_callback_never_before_commit),
	cmocka_unit_test(test_req_2_1_async_failed_sync_fails_every_record_of_group),
	cmocka_unit_test(test_req_2_1_async_record_lost_before_reopen_never_reported_durable),
	cmocka_unit_test(test_req_2_1_async_power_cut_loses_no_record_reported_durable),
	cmocka_unit_test(test_req_2_1_async_process_kill_loses_no_record_reported_durable),
	cmocka_unit_test(test_req_2_1_async_power_cut_while_checkpoint_persist_lags_recovers),
	cmocka_unit_test(test_req_2_1_checkpoint_persist_spaced_under_load_stored_by_close),
	cmocka_unit_test(test_req_2_1_async_full_queue_commits_first_never_drops),
	cmocka_unit_test(test_req_2_1_async_full_queue_by_bytes_commits_first),
	cmocka_unit_test(test_req_2_1_async_append_after_submit_keeps_order),
	cmocka_unit_test(test_req_2_1_async_close_commits_pending_queue),
	cmocka_unit_test(test_req_2_1_async_callback_submits_into_next_group),
	cmocka_unit_test(test_audit_segment_blocks_reserved_size_unchanged),
	cmocka_unit_test(test_audit_async_bad_submit_refused_nothing_queued),
	cmocka_unit_test(test_req_2_1_plain_details_stored_exactly_as_the_parser_would),
};

MEDSEC_TEST_MAIN(tests)
