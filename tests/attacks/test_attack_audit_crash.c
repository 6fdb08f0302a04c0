/*
 * Crashes and storage faults while the audit trail is written (TESTING.md
 * L7, L8). Crash-point loops: count the I/O operations of a workload, then
 * for every k crash at operation k (as a killed process, and as a power
 * cut that loses, keeps or garbles each unsynced write), recover, and
 * check that no acknowledged record was lost and the trail verifies.
 * I/O-error loops: fail operation k once or from then on; appends must
 * fail closed and never acknowledge a record that is not durable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testmain.h"
#include "faultio.h"
#include "fixture.h"
#include "medsec/audit.h"
#include "medsec/err.h"

#define RECORDS 14
#define EPOCH 4
#define SEGMENT 12288
#define MAX_ACKED 256

struct outcome {
	uint64_t acked[MAX_ACKED];
	size_t nacked;
	unsigned long ops;
	unsigned long faults; /* injected I/O errors that fired */
	int status;
};

struct msg {
	char tag; /* 'A' acknowledged seq, 'N' operation count */
	uint64_t value;
};

static struct fixture pristine;

static void
send(int fd, char tag, uint64_t value)
{
	struct msg m = { tag, value };

	if (write(fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		_exit(4);
}

static void
workload(const char *root, int fd, int appends)
{
	struct medsec_keystore *ks;
	struct medsec_audit *a;
	char keys[600], audit[600], object[32];
	struct medsec_audit_event_in ev = { MEDSEC_EV_PHR_CREATE, "nurse",
		"local", object, MEDSEC_AUDIT_SUCCESS, NULL, NULL };
	uint64_t seq;

	snprintf(keys, sizeof(keys), "%s/keys", root);
	snprintf(audit, sizeof(audit), "%s/audit", root);
	if (medsec_keystore_open(keys, &ks) != MEDSEC_OK)
		_exit(3);
	if (medsec_audit_open(audit, ks, &pristine.opts, &a, NULL) != MEDSEC_OK)
		_exit(0); /* crashed or failed before it could open */
	for (int i = 0; i < appends; i++) {
		snprintf(object, sizeof(object), "rec-%d", i);
		if (medsec_audit_append(a, &ev, &seq) != MEDSEC_OK)
			break;
		send(fd, 'A', seq);
	}
	medsec_audit_close(a);
	medsec_keystore_close(ks);
}

/* Runs the workload in a child with a crash armed at op k (0: count). */
static void
run_child(const char *root, unsigned long k, int mode, int appends,
    struct outcome *out)
{
	struct msg m;
	int fds[2], status;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		faultio_install();
		if (k > 0)
			faultio_crash_at(k, mode);
		workload(root, fds[1], appends);
		send(fds[1], 'N', faultio_count());
		_exit(0);
	}
	close(fds[1]);
	while (read(fds[0], &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		if (m.tag == 'A' && out->nacked < MAX_ACKED)
			out->acked[out->nacked++] = m.value;
		else if (m.tag == 'N')
			out->ops = (unsigned long)m.value;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	out->status = WEXITSTATUS(status);
	assert_true(out->status == 0 || out->status == FAULTIO_CRASH_EXIT);
}

/* After recovery: opens, verifies, and finds every acknowledged record. */
static void
check_recovered(const char *root, const uint64_t *acked, size_t nacked)
{
	static uint64_t seqs[4096];
	struct medsec_audit_verify_result res;
	struct medsec_audit *a;
	struct fixture f = pristine;
	size_t n, j = 0;

	snprintf(f.root, sizeof(f.root), "%s", root);
	snprintf(f.keys, sizeof(f.keys), "%s/keys", root);
	snprintf(f.audit, sizeof(f.audit), "%s/audit", root);
	snprintf(f.verifier, sizeof(f.verifier), "%s/verifier.key", root);
	assert_int_equal(medsec_keystore_open(f.keys, &f.ks), MEDSEC_OK);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	if (fixture_verify(&f, 1, &res) != MEDSEC_OK)
		fail_msg("%s: verify after recovery: %s (seq %llu)", root,
		    res.message, (unsigned long long)res.bad_seq);
	n = fixture_read_seqs(f.audit, seqs, 4096);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seqs[i], i + 1);
	for (size_t i = 0; i < nacked; i++) {
		while (j < n && seqs[j] != acked[i])
			j++;
		if (j == n)
			fail_msg("%s: acknowledged record %llu lost", root,
			    (unsigned long long)acked[i]);
	}
	medsec_keystore_close(f.ks);
}

static void
fresh_copy(char *root, size_t len)
{
	snprintf(root, len, "/tmp/medsec-crash-XXXXXX");
	assert_non_null(mkdtemp(root));
	fixture_rmrf(root);
	fixture_copy_tree(pristine.root, root);
}

static int
setup(void **state)
{
	(void)state;
	fixture_setup(&pristine, EPOCH, SEGMENT);
	medsec_keystore_close(pristine.ks);
	pristine.ks = NULL;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fixture_teardown(&pristine);
	return 0;
}

static void
crash_loop(int mode)
{
	struct outcome count, out;
	char root[64];
	unsigned long k;

	fresh_copy(root, sizeof(root));
	run_child(root, 0, mode, RECORDS, &count);
	fixture_rmrf(root);
	assert_int_equal(count.nacked, RECORDS);
	assert_true(count.ops > 2 * RECORDS);
	for (k = 1; k <= count.ops; k++) {
		fresh_copy(root, sizeof(root));
		run_child(root, k, mode, RECORDS, &out);
		assert_int_equal(out.status, FAULTIO_CRASH_EXIT);
		check_recovered(root, out.acked, out.nacked);
		fixture_rmrf(root);
	}
	printf("crash loop mode %d: %lu crash points recovered\n", mode,
	    count.ops);
}

static void
test_req_2_1_attack_l7_crash_loop_process_kill(void **state)
{
	(void)state;
	crash_loop(FAULTIO_PROCESS);
}

static void
test_req_2_1_attack_l7_crash_loop_power_loss_drop(void **state)
{
	(void)state;
	crash_loop(FAULTIO_POWER_DROP);
}

static void
test_req_2_1_attack_l7_crash_loop_power_loss_garble(void **state)
{
	(void)state;
	crash_loop(FAULTIO_POWER_GARBLE);
}

/* A second crash while recovering from the first (SQLite compound). */
static void
test_req_2_1_attack_l7_crash_during_recovery(void **state)
{
	struct outcome count, out, rec;
	char root[64], copy[64];
	unsigned long k, j, points = 0;

	(void)state;
	fresh_copy(root, sizeof(root));
	run_child(root, 0, FAULTIO_POWER_GARBLE, RECORDS, &count);
	fixture_rmrf(root);
	assert_true(count.ops > 0);
	for (k = 3; k <= count.ops; k += 3) {
		fresh_copy(root, sizeof(root));
		run_child(root, k, FAULTIO_POWER_GARBLE, RECORDS, &out);
		/* the recovery alone (no appends), counted on a copy */
		fresh_copy(copy, sizeof(copy));
		fixture_rmrf(copy);
		fixture_copy_tree(root, copy);
		run_child(copy, 0, FAULTIO_POWER_DROP, 0, &rec);
		fixture_rmrf(copy);
		assert_int_equal(rec.status, 0);
		for (j = 1; j <= rec.ops; j++) {
			struct outcome again;

			fresh_copy(copy, sizeof(copy));
			fixture_rmrf(copy);
			fixture_copy_tree(root, copy);
			run_child(copy, j, j % 2 ? FAULTIO_POWER_DROP
						 : FAULTIO_PROCESS, 0, &again);
			assert_int_equal(again.status, FAULTIO_CRASH_EXIT);
			check_recovered(copy, out.acked, out.nacked);
			fixture_rmrf(copy);
			points++;
		}
		fixture_rmrf(root);
	}
	printf("crashes during recovery: %lu points\n", points);
	assert_true(points > 0);
}

static void
test_req_2_1_attack_l7_random_multi_crash(void **state)
{
	struct outcome count, out;
	uint64_t acked[MAX_ACKED];
	size_t nacked;
	char root[64];
	unsigned seed = 12345, crashes = 0;

	(void)state;
	fresh_copy(root, sizeof(root));
	run_child(root, 0, FAULTIO_POWER_GARBLE, RECORDS, &count);
	fixture_rmrf(root);
	assert_true(count.ops > 0);
	for (int run = 0; run < 5; run++) {
		fresh_copy(root, sizeof(root));
		nacked = 0;
		for (int crash = 0; crash < 4; crash++) {
			seed = seed * 1103515245u + 12345u;
			run_child(root, 1 + (seed >> 8) % count.ops,
			    1 + (int)((seed >> 4) % 3), RECORDS, &out);
			crashes += out.status == FAULTIO_CRASH_EXIT;
			for (size_t i = 0; i < out.nacked && nacked < MAX_ACKED;
			     i++)
				acked[nacked++] = out.acked[i];
		}
		check_recovered(root, acked, nacked);
		fixture_rmrf(root);
	}
	printf("random multi-crash: %u crashes in 20 runs\n", crashes);
	assert_true(crashes > 0);
}

/* Appends with an I/O error armed at op k; checks fail-closed behaviour. */
static void
error_run(const char *root, unsigned long k, int err, int persistent,
    struct outcome *out)
{
	char keys[600], audit[600];
	struct medsec_keystore *ks;
	struct medsec_audit *a = NULL;
	uint64_t seq;
	int r, failed = 0;

	memset(out, 0, sizeof(*out));
	snprintf(keys, sizeof(keys), "%s/keys", root);
	snprintf(audit, sizeof(audit), "%s/audit", root);
	assert_int_equal(medsec_keystore_open(keys, &ks), MEDSEC_OK);
	faultio_install();
	if (k > 0)
		faultio_fail_at(k, err, persistent);
	if (medsec_audit_open(audit, ks, &pristine.opts, &a, NULL) == MEDSEC_OK) {
		struct medsec_audit_event_in ev = { MEDSEC_EV_PHR_READ, "nurse",
			"local", "rec", MEDSEC_AUDIT_SUCCESS, NULL, NULL };

		for (int i = 0; i < RECORDS; i++) {
			r = medsec_audit_append(a, &ev, &seq);
			if (r == MEDSEC_OK) {
				/* nothing is acknowledged after a failure */
				assert_false(failed);
				out->acked[out->nacked++] = seq;
				continue;
			}
			assert_int_equal(r, MEDSEC_ERR_AUDIT_UNAVAILABLE);
			assert_true(medsec_audit_degraded(a, NULL, NULL));
			failed = 1;
		}
		medsec_audit_close(a);
	}
	out->ops = faultio_count();
	out->faults = faultio_faults();
	faultio_uninstall();
	medsec_keystore_close(ks);
}

static void
error_loop(int err, int persistent)
{
	struct outcome count, out;
	char root[64];
	unsigned long fired = 0;

	fresh_copy(root, sizeof(root));
	error_run(root, 0, err, persistent, &count);
	fixture_rmrf(root);
	/* A loop over nothing proves nothing. */
	assert_int_equal(count.nacked, RECORDS);
	assert_true(count.ops > 0);
	assert_int_equal(count.faults, 0);
	for (unsigned long k = 1; k <= count.ops; k++) {
		fresh_copy(root, sizeof(root));
		error_run(root, k, err, persistent, &out);
		/* the first k - 1 operations are the counted run's: k happens */
		assert_true(out.faults > 0);
		fired++;
		check_recovered(root, out.acked, out.nacked);
		fixture_rmrf(root);
	}
	printf("I/O-error loop (errno %d%s): %lu of %lu operations failed\n",
	    err, persistent ? ", persistent" : "", fired, count.ops);
	assert_int_equal(fired, count.ops);
}

static void
test_req_2_1_attack_l8_io_error_once_fails_closed(void **state)
{
	(void)state;
	error_loop(EIO, 0);
}

static void
test_req_2_1_attack_l8_disk_full_fails_closed(void **state)
{
	(void)state;
	error_loop(ENOSPC, 1);
}

static void
test_req_2_1_attack_l8_life_critical_events_held_not_lost(void **state)
{
	struct medsec_audit_verify_result res;
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	struct medsec_audit *a;
	struct fixture f = pristine;
	char object[32];
	struct medsec_audit_event_in ev = { MEDSEC_EV_PHR_UPDATE, "pump",
		"local", object, MEDSEC_AUDIT_SUCCESS, "infusion rate kept",
		NULL };
	size_t held = 0;
	int found = 0, degraded = 0, r;

	(void)state;
	fresh_copy(f.root, sizeof(f.root));
	snprintf(f.keys, sizeof(f.keys), "%s/keys", f.root);
	snprintf(f.audit, sizeof(f.audit), "%s/audit", f.root);
	snprintf(f.verifier, sizeof(f.verifier), "%s/verifier.key", f.root);
	assert_int_equal(medsec_keystore_open(f.keys, &f.ks), MEDSEC_OK);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	faultio_install();
	faultio_fail_at(1, ENOSPC, 1); /* the disk is full from now on */
	for (int i = 0; i < 5; i++) {
		snprintf(object, sizeof(object), "critical-%d", i);
		r = medsec_audit_append_critical(a, &ev, NULL);
		assert_int_equal(r, MEDSEC_ERR_AUDIT_DEGRADED);
	}
	/* a security operation needing a record is refused meanwhile */
	assert_int_equal(medsec_audit_append(a, &ev, NULL),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_true(medsec_audit_degraded(a, &held, NULL));
	assert_int_equal(held, 5);
	/* still full: reopening fails and keeps the events */
	assert_int_not_equal(medsec_audit_reopen(a), MEDSEC_OK);
	faultio_heal();
	assert_int_equal(medsec_audit_reopen(a), MEDSEC_OK);
	assert_false(medsec_audit_degraded(a, NULL, NULL));
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	faultio_uninstall();
	assert_int_equal(fixture_verify(&f, 1, &res), MEDSEC_OK);
	assert_int_equal(medsec_audit_reader_open(f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1) {
		found += strncmp(rec.object, "critical-", 9) == 0;
		degraded += rec.event == MEDSEC_EV_AUDIT_DEGRADED;
	}
	medsec_audit_reader_close(rd);
	assert_int_equal(found, 5);
	assert_int_equal(degraded, 1);
	medsec_keystore_close(f.ks);
	fixture_rmrf(f.root);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_attack_l7_crash_loop_process_kill),
	cmocka_unit_test(test_req_2_1_attack_l7_crash_loop_power_loss_drop),
	cmocka_unit_test(test_req_2_1_attack_l7_crash_loop_power_loss_garble),
	cmocka_unit_test(test_req_2_1_attack_l7_crash_during_recovery),
	cmocka_unit_test(test_req_2_1_attack_l7_random_multi_crash),
	cmocka_unit_test(test_req_2_1_attack_l8_io_error_once_fails_closed),
	cmocka_unit_test(test_req_2_1_attack_l8_disk_full_fails_closed),
	cmocka_unit_test(test_req_2_1_attack_l8_life_critical_events_held_not_lost),
};

int
main(int argc, char **argv)
{
	int r;

	setup(NULL);
	r = medsec_test_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
	teardown(NULL);
	return r;
}
