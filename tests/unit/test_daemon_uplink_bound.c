/*
 * medsecd's uplink against its delivery bound (MFDS 2.4): the times of
 * measurement are read back from the Bundle the uplink built, and every
 * delivered reading is counted as on time or late, the late ones per
 * report interval and since the start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"
#include "medsec/err.h"

#include "../../src/daemon/readings.c"
#include "../../src/daemon/uplink_frame.c"
#include "../../src/daemon/uplink_fhir.c"
#include "../../src/daemon/uplink_bound.c"

#define T0_US 1764700000123000LL

static void
readings_at(struct source_reading *r, size_t n)
{
	size_t i;

	memset(r, 0, n * sizeof(*r));
	for (i = 0; i < n; i++) {
		r[i].seq = 100 + i;
		snprintf(r[i].patient, sizeof(r[i].patient), "p-%zu", 1001 + i);
		r[i].r.vital = (int)(i % VITAL__COUNT);
		r[i].r.value = 37;
		r[i].r.time_us = T0_US + (int64_t)i * 250000;
	}
}

static void
test_req_2_4_uplink_bound_times_read_back_from_bundle(void **state)
{
	struct source_reading r[3];
	int64_t times[4];
	char *text = NULL;
	size_t len = 0;

	(void)state;
	readings_at(r, 3);
	/* A device id that holds the member's text: escaped in the JSON,
	 * it must not be taken for a time. */
	assert_int_equal(uplink_fhir_bundle(
	    "gw-\"effectiveDateTime\":\"2001-01-01T00:00:00Z\"", r, 3, &text,
	    &len), MEDSEC_OK);
	assert_int_equal(uplink_bound_times(text, len, times, 4), 3);
	assert_true(times[0] == T0_US);
	assert_true(times[1] == T0_US + 250000);
	assert_true(times[2] == T0_US + 500000);
	/* No more than the caller has room for. */
	assert_int_equal(uplink_bound_times(text, len, times, 2), 2);
	uplink_fhir_free(text, len);
	assert_int_equal(uplink_bound_times("{}", 2, times, 4), 0);
}

static void
test_req_2_4_uplink_bound_counts_late_readings(void **state)
{
	struct uplink_bound b;
	const int64_t now = T0_US + 60000000;
	const int64_t times[4] = {
		now - 1000000,		/* 1 s: on time */
		now - 5000000,		/* exactly the bound: on time */
		now - 5001000,		/* 1 ms over: late */
		now - 60000000,		/* queued through an outage: late */
	};

	(void)state;
	uplink_bound_init(&b, 5);
	assert_int_equal(uplink_bound_measure(&b, times, 2, now), 0);
	assert_int_equal(uplink_bound_measure(&b, times + 2, 2, now), 2);
	assert_int_equal(b.delivered, 4);
	assert_int_equal(b.late, 2);
	assert_int_equal(b.interval_delivered, 4);
	assert_int_equal(b.interval_late, 2);
	assert_true(b.interval_worst_us == 60000000);
	/* A report starts the interval again; the totals stay. */
	uplink_bound_interval_reset(&b);
	assert_int_equal(uplink_bound_measure(&b, times, 1, now), 0);
	assert_int_equal(b.interval_delivered, 1);
	assert_int_equal(b.interval_late, 0);
	assert_true(b.interval_worst_us == 1000000);
	assert_int_equal(b.delivered, 5);
	assert_int_equal(b.late, 2);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_4_uplink_bound_times_read_back_from_bundle),
	cmocka_unit_test(test_req_2_4_uplink_bound_counts_late_readings),
};

MEDSEC_TEST_MAIN(tests)
