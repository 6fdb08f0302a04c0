/*
 * medsecd's simulator (src/daemon/simulator.c) against its stream fixed
 * in advance: the values below were computed apart from the C code, by
 * the simulator written again from its definition in
 * tests/integration/uplink_source.py ("simulated daemon-uplink-01 2 30").
 * The integration test daemon_uplink.sh checks the same stream end to end
 * at the collector; this one pins it, including its alarm-worthy values,
 * so a change to the generator is seen, not carried into both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"

#include "../../src/daemon/readings.c"
#include "../../src/daemon/simulator.c"

#define PATIENTS 2
#define PER_ROUND (PATIENTS * VITAL__COUNT)

/* FNV-1a of "daemon-uplink-01", the seed the uplink gives that device. */
#define SEED 0x70bdadd007792acfULL

/* Rounds 0..2: p-1001 then p-1002, each in vital order. */
static const double first_rounds[3][PER_ROUND] = {
	{ 79, 96, 119, 78, 36.7, 17, 70, 98, 119, 76, 36.9, 15 },
	{ 78, 96, 121, 79, 36.8, 16, 70, 98, 118, 76, 36.9, 16 },
	{ 77, 97, 122, 80, 36.8, 17, 68, 98, 116, 75, 36.9, 16 }
};

/* Later readings pushed outside their alarm range (round, index, value). */
static const struct {
	int round, index;
	double value;
} alarms[] = {
	{ 4, 4, 38.8 },		/* p-1001 temperature: a fever spike */
	{ 8, 5, 33 },		/* p-1001 respiratory rate */
	{ 12, 3, 107 },		/* p-1001 diastolic */
	{ 25, 7, 83 },		/* p-1002 SpO2: a desaturation */
	{ 25, 8, 172 },		/* p-1002 systolic, the same round */
};

static void
test_req_1_16_simulator_stream_is_the_one_defined(void **state)
{
	struct simulator *s = simulator_new(SEED, PATIENTS);
	struct sim_reading x[PER_ROUND];
	size_t a = 0;
	int round, i;

	(void)state;
	assert_non_null(s);
	for (round = 0; round <= 25; round++) {
		assert_int_equal(simulator_round(s, 1000 * round, x, PER_ROUND),
		    PER_ROUND);
		for (i = 0; i < PER_ROUND; i++) {
			assert_int_equal(x[i].patient, i / VITAL__COUNT);
			assert_int_equal(x[i].r.vital, i % VITAL__COUNT);
			assert_int_equal(x[i].r.time_us, 1000 * round);
			if (round < 3)
				assert_true(x[i].r.value ==
				    first_rounds[round][i]);
		}
		for (; a < sizeof(alarms) / sizeof(alarms[0]) &&
		    alarms[a].round == round; a++)
			assert_true(x[alarms[a].index].r.value ==
			    alarms[a].value);
	}
	assert_int_equal(a, sizeof(alarms) / sizeof(alarms[0]));
	simulator_free(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_16_simulator_stream_is_the_one_defined),
};

MEDSEC_TEST_MAIN(tests)
