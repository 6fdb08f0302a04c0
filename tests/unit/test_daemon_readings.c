/*
 * medsecd's patients' readings: bounded in-memory rings (MFDS 1.20, no
 * health record on disk, memory fixed whatever the source sends), the
 * deterministic simulator that feeds them, and the privsep rule that an
 * update upload, and only it, carries a descriptor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"
#include "medsec/err.h"

#include "../../src/daemon/privsep.c"
#include "../../src/daemon/readings.c"
#include "../../src/daemon/simulator.c"

static void
test_req_1_20_readings_ring_is_bounded_newest_first(void **state)
{
	struct readings *r = readings_new();
	struct reading x, out[READINGS_PER_PATIENT + 10];
	char id[READINGS_ID_LEN];
	int i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < READINGS_PER_PATIENT + 44; i++) {
		x.time_us = i;
		x.vital = VITAL_HEART_RATE;
		x.value = 60 + i;
		assert_int_equal(readings_add(r, "p-1", &x), 0);
	}
	assert_int_equal(readings_latest(r, "p-1", out, sizeof(out) /
	    sizeof(out[0])), READINGS_PER_PATIENT);
	/* The newest first; the oldest 44 were overwritten. */
	assert_int_equal(out[0].time_us, READINGS_PER_PATIENT + 43);
	assert_int_equal(out[READINGS_PER_PATIENT - 1].time_us, 44);
	assert_int_equal(readings_latest(r, "p-1", out, 3), 3);
	assert_int_equal(readings_latest(r, "p-2", out, 3), -1);
	/* A fixed number of patients: the next one is refused. */
	for (i = 1; i < READINGS_PATIENTS_MAX; i++) {
		snprintf(id, sizeof(id), "q-%d", i);
		assert_int_equal(readings_add(r, id, &x), 0);
	}
	assert_int_equal(readings_add(r, "one-too-many", &x), -1);
	assert_int_equal(readings_add(r, "p-1", &x), 0);
	readings_free(r);
}

static void
test_readings_refuse_bad_ids_and_vitals(void **state)
{
	struct readings *r = readings_new();
	struct reading x = { 1, VITAL_SPO2, 97 }, out[1];
	char long_id[80];

	(void)state;
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(readings_add(r, "", &x), -1);
	assert_int_equal(readings_add(r, "-x", &x), -1);
	assert_int_equal(readings_add(r, "../etc", &x), -1);
	assert_int_equal(readings_add(r, "p 1", &x), -1);
	assert_int_equal(readings_add(r, long_id, &x), -1);
	long_id[64] = '\0';
	assert_int_equal(readings_add(r, long_id, &x), 0);
	x.vital = VITAL__COUNT;
	assert_int_equal(readings_add(r, "p-1", &x), -1);
	assert_int_equal(readings_latest(r, "", out, 1), -1);
	assert_true(readings_valid_id("p-1001"));
	assert_true(readings_valid_id("A.b_c-9"));
	assert_false(readings_valid_id(".hidden"));
	readings_free(r);
}

/* One round of every patient, read back as the route reads it. */
static void
round_of(uint64_t seed, struct reading *out)
{
	struct simulator *s = simulator_new(seed, 2);
	struct readings *r = readings_new();
	int i;

	assert_non_null(s);
	assert_non_null(r);
	for (i = 0; i < 5; i++)
		assert_int_equal(simulator_tick(s, r, 1000 + i),
		    2 * VITAL__COUNT);
	assert_int_equal(readings_latest(r, "p-1002", out, 5 * VITAL__COUNT),
	    5 * VITAL__COUNT);
	simulator_free(s);
	readings_free(r);
}

static void
test_daemon_simulator_is_deterministic(void **state)
{
	struct reading a[5 * VITAL__COUNT], b[5 * VITAL__COUNT];

	(void)state;
	round_of(42, a);
	round_of(42, b);
	assert_memory_equal(a, b, sizeof(a));
	round_of(43, b);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_null(simulator_new(1, 0));
	assert_null(simulator_new(1, SIMULATOR_PATIENTS_MAX + 1));
}

/*
 * Values a monitor could show: most inside the alarm range, some outside
 * (so alarms have something to see), none absurd.
 */
static void
test_daemon_simulator_plausible_with_some_alarms(void **state)
{
	struct simulator *s = simulator_new(7, 8);
	struct readings *r = readings_new();
	struct reading x[READINGS_PER_PATIENT];
	const struct vital_info *vi;
	int i, n, alarms = 0, total = 0;

	(void)state;
	for (i = 0; i < 40; i++)
		simulator_tick(s, r, i);
	n = readings_latest(r, "p-1005", x, READINGS_PER_PATIENT);
	assert_int_equal(n, 40 * VITAL__COUNT);
	for (i = 0; i < n; i++) {
		vi = vital_info(x[i].vital);
		assert_non_null(vi);
		assert_true(x[i].value > 0);
		assert_true(x[i].value < 250);
		if (x[i].value < vi->low || x[i].value > vi->high)
			alarms++;
		total++;
	}
	assert_true(alarms > 0);
	assert_true(alarms * 5 < total);
	simulator_free(s);
	readings_free(r);
}

static int
check_fd(uint32_t type, const void *payload, size_t len, int with_fd,
    char *why, size_t whylen)
{
	const struct privsep_rule *rule = NULL;
	struct privsep_hdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.flags = with_fd ? PRIVSEP_F_FD : 0;
	return privsep_check(privsep_rules, privsep_nrules, &hdr, payload,
	    PS_STATE_SERVING, &rule, why, whylen);
}

static void
test_daemon_privsep_only_upload_carries_a_fd(void **state)
{
	struct ps_update_upload_req up;
	struct ps_token_req tok;
	char why[160];

	(void)state;
	memset(&up, 0, sizeof(up));
	memset(&tok, 0, sizeof(tok));
	assert_int_equal(check_fd(PS_UPDATE_UPLOAD, &up, sizeof(up), 1, why,
	    sizeof(why)), MEDSEC_OK);
	assert_int_equal(check_fd(PS_UPDATE_UPLOAD, &up, sizeof(up), 0, why,
	    sizeof(why)), MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(why, "missing descriptor"));
	assert_int_equal(check_fd(PS_UPDATE_STATUS, &tok, sizeof(tok), 1, why,
	    sizeof(why)), MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(why, "unexpected descriptor"));
	assert_int_equal(check_fd(PS_UPDATE_STATUS, &tok, sizeof(tok), 0, why,
	    sizeof(why)), MEDSEC_OK);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_20_readings_ring_is_bounded_newest_first),
	cmocka_unit_test(test_readings_refuse_bad_ids_and_vitals),
	cmocka_unit_test(test_daemon_simulator_is_deterministic),
	cmocka_unit_test(test_daemon_simulator_plausible_with_some_alarms),
	cmocka_unit_test(test_daemon_privsep_only_upload_carries_a_fd),
};

MEDSEC_TEST_MAIN(tests)
