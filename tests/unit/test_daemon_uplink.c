/*
 * medsecd's uplink: the frame parser of the source socket (every field
 * checked, the offending value named) and the FHIR R4 Bundle builder
 * (vital-signs category, LOINC and UCUM, subject, device, time, a stable
 * identifier and conditional create).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "testmain.h"
#include "medsec/err.h"

#include "../../src/daemon/readings.c"
#include "../../src/daemon/uplink_frame.c"
#include "../../src/daemon/uplink_fhir.c"

static int
parse(const char *text, uint64_t last, struct source_reading *r,
    char *why)
{
	size_t used;

	return uplink_frame_parse(text, strlen(text), last, r, &used, why,
	    UPLINK_FRAME_WHY_LEN);
}

static void
test_req_1_16_uplink_frame_reading_parsed_exactly(void **state)
{
	struct source_reading r;
	char why[UPLINK_FRAME_WHY_LEN];
	const char *two = "12 p-1001 temperature 36.8 1764700000123\n"
	    "13 p-1002 spo2 97 1764700001000\n";
	size_t used;

	(void)state;
	assert_int_equal(uplink_frame_parse(two, strlen(two), 11, &r, &used,
	    why, sizeof(why)), UPLINK_FRAME_READING);
	assert_int_equal(used, strlen("12 p-1001 temperature 36.8 "
	    "1764700000123\n"));
	assert_int_equal(r.seq, 12);
	assert_string_equal(r.patient, "p-1001");
	assert_int_equal(r.r.vital, VITAL_TEMPERATURE);
	assert_true(r.r.value > 36.79 && r.r.value < 36.81);
	assert_int_equal(r.r.time_us, 1764700000123000LL);
	assert_int_equal(uplink_frame_parse(two + used, strlen(two) - used,
	    r.seq, &r, &used, why, sizeof(why)), UPLINK_FRAME_READING);
	assert_int_equal(r.r.vital, VITAL_SPO2);
	/* Half a frame waits for the rest. */
	assert_int_equal(parse("14 p-1001 spo2 9", 13, &r, why),
	    UPLINK_FRAME_MORE);
}

static void
refused(const char *frame, uint64_t last, const char *says)
{
	struct source_reading r;
	char why[UPLINK_FRAME_WHY_LEN];

	assert_int_equal(parse(frame, last, &r, why), UPLINK_FRAME_BAD);
	if (strstr(why, says) == NULL)
		fail_msg("'%s': '%s' does not say '%s'", frame, why, says);
}

static void
test_req_2_1_uplink_frame_malformed_refused_by_name(void **state)
{
	(void)state;
	refused("0 p-1 spo2 97 1764700000000\n", 0, "seq '0'");
	refused("x1 p-1 spo2 97 1764700000000\n", 0, "seq 'x1'");
	refused("5 p-1 spo2 97 1764700000000\n", 5, "seq 5: not above");
	refused("1 ../etc spo2 97 1764700000000\n", 0, "patient '../etc'");
	refused("1 p-1 pulse 97 1764700000000\n", 0, "vital 'pulse'");
	refused("1 p-1 spo2 9e1 1764700000000\n", 0, "value '9e1'");
	refused("1 p-1 spo2 97.12345 1764700000000\n", 0, "value '97.12345'");
	refused("1 p-1 spo2 140 1764700000000\n", 0, "value 140: outside");
	refused("1 p-1 temperature 12 1764700000000\n", 0, "outside 20..46");
	refused("1 p-1 spo2 97 17647\n", 0, "time_ms '17647'");
	refused("1 p-1 spo2 97\n", 0, "not 5 fields");
	refused("1  p-1 spo2 97 1764700000000\n", 0, "not 5 fields");
	refused("1 p-1 spo2 97 1764700000000\r\n", 0, "carriage return");
}

static void
test_req_2_1_uplink_frame_without_line_feed_is_too_long(void **state)
{
	struct source_reading r;
	char buf[UPLINK_FRAME_MAX + 10], why[UPLINK_FRAME_WHY_LEN];
	size_t used;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(uplink_frame_parse(buf, sizeof(buf), 0, &r, &used,
	    why, sizeof(why)), UPLINK_FRAME_TOO_LONG);
	assert_non_null(strstr(why, "no line feed"));
}

/* The member at a dotted path ("code.coding.0.code"); NULL if none. */
static json_t *
json_path_get_test(json_t *o, const char *path)
{
	char part[64];
	size_t n;

	while (o != NULL && *path != '\0') {
		n = strcspn(path, ".");
		assert_true(n < sizeof(part));
		memcpy(part, path, n);
		part[n] = '\0';
		if (json_is_array(o))
			o = json_array_get(o, (size_t)atoi(part));
		else
			o = json_object_get(o, part);
		path += n + (path[n] == '.');
	}
	return o;
}

static json_t *
bundle_of(const struct source_reading *r, size_t n)
{
	json_error_t e;
	json_t *b;
	char *text;
	size_t len;

	assert_int_equal(uplink_fhir_bundle("gw-01", r, n, &text, &len),
	    MEDSEC_OK);
	assert_int_equal(strlen(text), len);
	b = json_loads(text, 0, &e);
	assert_non_null(b);
	uplink_fhir_free(text, len);
	return b;
}

static const char *
str_at(json_t *o, const char *path)
{
	json_t *x = json_path_get_test(o, path);

	assert_non_null(x);
	return json_string_value(x);
}

static void
test_req_1_16_uplink_bundle_is_vital_signs_transaction(void **state)
{
	struct source_reading r[2];
	json_t *b, *e, *obs, *q;

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].seq = 41;
	snprintf(r[0].patient, sizeof(r[0].patient), "p-1001");
	r[0].r.vital = VITAL_SPO2;
	r[0].r.value = 97;
	r[0].r.time_us = 1764700000123000LL;
	r[1] = r[0];
	r[1].seq = 42;
	r[1].r.vital = VITAL_TEMPERATURE;
	r[1].r.value = 36.8;
	b = bundle_of(r, 2);
	assert_string_equal(json_string_value(json_object_get(b,
	    "resourceType")), "Bundle");
	assert_string_equal(json_string_value(json_object_get(b, "type")),
	    "transaction");
	assert_int_equal(json_array_size(json_object_get(b, "entry")), 2);
	e = json_array_get(json_object_get(b, "entry"), 0);
	obs = json_object_get(e, "resource");
	assert_string_equal(str_at(obs, "category.0.coding.0.code"),
	    "vital-signs");
	assert_string_equal(str_at(obs, "code.coding.0.system"),
	    "http://loinc.org");
	assert_string_equal(str_at(obs, "code.coding.0.code"), "2708-6");
	assert_string_equal(str_at(obs, "code.coding.1.code"), "59408-5");
	assert_string_equal(str_at(obs, "subject.reference"), "Patient/p-1001");
	assert_string_equal(str_at(obs, "device.identifier.value"), "gw-01");
	assert_string_equal(str_at(obs, "effectiveDateTime"),
	    "2025-12-02T18:26:40.123Z");
	assert_string_equal(str_at(obs, "status"), "final");
	q = json_object_get(obs, "valueQuantity");
	assert_int_equal(json_integer_value(json_object_get(q, "value")), 97);
	assert_string_equal(str_at(q, "system"), "http://unitsofmeasure.org");
	assert_string_equal(str_at(q, "code"), "%");
	assert_string_equal(str_at(obs, "identifier.0.system"),
	    UPLINK_FHIR_ID_SYSTEM);
	assert_string_equal(str_at(obs, "identifier.0.value"),
	    "gw-01/p-1001/41");
	assert_string_equal(str_at(e, "request.method"), "POST");
	assert_string_equal(str_at(e, "request.url"), "Observation");
	assert_string_equal(str_at(e, "request.ifNoneExist"),
	    "identifier=" UPLINK_FHIR_ID_SYSTEM "|gw-01/p-1001/41");
	obs = json_object_get(json_array_get(json_object_get(b, "entry"), 1),
	    "resource");
	assert_string_equal(str_at(obs, "code.coding.0.code"), "8310-5");
	assert_string_equal(str_at(obs, "valueQuantity.code"), "Cel");
	assert_true(json_real_value(json_path_get_test(obs,
	    "valueQuantity.value")) == 36.8);
	json_decref(b);
}

static void
test_req_1_16_uplink_bundle_same_readings_same_identifiers(void **state)
{
	struct source_reading r;
	char *a, *b;
	size_t alen, blen;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.seq = 7;
	snprintf(r.patient, sizeof(r.patient), "p-9");
	r.r.vital = VITAL_HEART_RATE;
	r.r.value = 71;
	r.r.time_us = 1764700000000000LL;
	assert_int_equal(uplink_fhir_bundle("gw-01", &r, 1, &a, &alen),
	    MEDSEC_OK);
	assert_int_equal(uplink_fhir_bundle("gw-01", &r, 1, &b, &blen),
	    MEDSEC_OK);
	/* A batch sent again is the same text: the collector's conditional
	 * create finds what the first one created. */
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	uplink_fhir_free(a, alen);
	uplink_fhir_free(b, blen);
}

static void
test_req_1_16_uplink_bundle_refuses_invalid_reading(void **state)
{
	struct source_reading r;
	char *text;
	size_t len;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.seq = 1;
	snprintf(r.patient, sizeof(r.patient), "bad id");
	assert_int_equal(uplink_fhir_bundle("gw-01", &r, 1, &text, &len),
	    MEDSEC_ERR_INVALID);
	assert_null(text);
	snprintf(r.patient, sizeof(r.patient), "p-1");
	r.r.vital = VITAL__COUNT;
	assert_int_equal(uplink_fhir_bundle("gw-01", &r, 1, &text, &len),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(uplink_fhir_bundle("gw-01", &r, 0, &text, &len),
	    MEDSEC_ERR_INVALID);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_16_uplink_frame_reading_parsed_exactly),
	cmocka_unit_test(test_req_2_1_uplink_frame_malformed_refused_by_name),
	cmocka_unit_test(test_req_2_1_uplink_frame_without_line_feed_is_too_long),
	cmocka_unit_test(test_req_1_16_uplink_bundle_is_vital_signs_transaction),
	cmocka_unit_test(test_req_1_16_uplink_bundle_same_readings_same_identifiers),
	cmocka_unit_test(test_req_1_16_uplink_bundle_refuses_invalid_reading),
};

MEDSEC_TEST_MAIN(tests)
