/*
 * The audit details builder: every output is a JSON object the trail
 * accepts and stores byte for byte, escaping follows RFC 8259, invalid
 * UTF-8 becomes U+FFFD, keys are checked, and overflow is an error that
 * sticks (MFDS 2.1: a record is never lost to its details).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/err.h"

/* Parses text as the trail does; returns the object (caller decrefs). */
static json_t *
parse_object(const char *text)
{
	json_error_t je;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);

	assert_non_null(o);
	assert_true(json_is_object(o));
	return o;
}

/* Builds {"v": value} and returns its text (in d). */
static const char *
one_string(struct medsec_audit_detail *d, const char *value)
{
	const char *text = NULL;

	medsec_audit_detail_init(d);
	medsec_audit_detail_str(d, "v", value);
	assert_int_equal(medsec_audit_detail_end(d, &text), MEDSEC_OK);
	assert_non_null(text);
	return text;
}

static void
assert_value_round_trips(const char *value, const char *expect_text)
{
	struct medsec_audit_detail d;
	const char *text = one_string(&d, value);
	json_t *o = parse_object(text);

	if (expect_text != NULL)
		assert_string_equal(text, expect_text);
	assert_string_equal(json_string_value(json_object_get(o, "v")), value);
	json_decref(o);
}

static void
test_audit_detail_escapes_every_control_character(void **state)
{
	char value[2], expect[32];
	static const char *const shortform[] = { ['\b'] = "\\b",
		['\t'] = "\\t", ['\n'] = "\\n", ['\f'] = "\\f",
		['\r'] = "\\r" };

	(void)state;
	for (int c = 1; c < 0x20; c++) {
		value[0] = (char)c;
		value[1] = '\0';
		if ((size_t)c < sizeof(shortform) / sizeof(shortform[0]) &&
		    shortform[c] != NULL)
			snprintf(expect, sizeof(expect), "{\"v\":\"%s\"}",
			    shortform[c]);
		else
			snprintf(expect, sizeof(expect),
			    "{\"v\":\"\\u00%02X\"}", c);
		assert_value_round_trips(value, expect);
	}
	/* DEL and the slash need no escape. */
	assert_value_round_trips("\x7f/", "{\"v\":\"\x7f/\"}");
}

static void
test_audit_detail_escapes_quote_and_backslash(void **state)
{
	(void)state;
	assert_value_round_trips("a\"b\\c", "{\"v\":\"a\\\"b\\\\c\"}");
	/* A value that tries to close the string and add a member. */
	assert_value_round_trips("x\",\"admin\":true,\"y\":\"",
	    "{\"v\":\"x\\\",\\\"admin\\\":true,\\\"y\\\":\\\"\"}");
}

static void
test_audit_detail_keeps_non_ascii_utf8(void **state)
{
	(void)state;
	/* 2, 3 and 4 byte sequences, and U+2028, kept as they are. */
	assert_value_round_trips("caf\xc3\xa9 \xed\x95\x9c \xf0\x9f\x94\x92 "
	    "\xe2\x80\xa8", "{\"v\":\"caf\xc3\xa9 \xed\x95\x9c "
	    "\xf0\x9f\x94\x92 \xe2\x80\xa8\"}");
}

#define R "\xef\xbf\xbd" /* U+FFFD */

static void
test_audit_detail_replaces_invalid_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* a stray continuation byte */
		{ "a\x80z", "a" R "z" },
		/* an overlong NUL */
		{ "\xc0\x80", R R },
		/* a surrogate, U+D800 */
		{ "\xed\xa0\x80", R R R },
		/* past U+10FFFF */
		{ "\xf4\x90\x80\x80", R R R R },
		/* a sequence cut short */
		{ "ok\xe2\x82", "ok" R R },
		/* bytes that never occur in UTF-8 */
		{ "\xff\xfe", R R },
	};
	struct medsec_audit_detail d;
	char expect[64];
	json_t *o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(expect, sizeof(expect), "{\"v\":\"%s\"}",
		    cases[i].out);
		assert_string_equal(one_string(&d, cases[i].in), expect);
		o = parse_object(d.text);
		json_decref(o);
	}
}

static void
test_audit_detail_typed_values(void **state)
{
	struct medsec_audit_detail d;
	const uint8_t digest[4] = { 0x00, 0xab, 0x7f, 0xff };
	const char *text;
	json_t *o;

	(void)state;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "nothing", NULL);
	medsec_audit_detail_u64(&d, "count", 42);
	medsec_audit_detail_u64(&d, "big", UINT64_MAX);
	medsec_audit_detail_i64(&d, "low", INT64_MIN);
	medsec_audit_detail_bool(&d, "yes", 7);
	medsec_audit_detail_bool(&d, "no", 0);
	medsec_audit_detail_hex(&d, "digest", digest, sizeof(digest));
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_string_equal(text, "{\"nothing\":null,\"count\":42,"
	    "\"big\":\"18446744073709551615\",\"low\":-9223372036854775808,"
	    "\"yes\":true,\"no\":false,\"digest\":\"00ab7fff\"}");
	o = parse_object(text);
	assert_int_equal(json_integer_value(json_object_get(o, "low")),
	    INT64_MIN);
	json_decref(o);
}

static void
test_audit_detail_empty_object(void **state)
{
	struct medsec_audit_detail d;
	const char *text;

	(void)state;
	medsec_audit_detail_init(&d);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_string_equal(text, "{}");
	/* Adding after end continues the object. */
	medsec_audit_detail_u64(&d, "n", 1);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_string_equal(text, "{\"n\":1}");
}

/* {"v":"aaa..."}: 8 bytes of frame around n filler bytes. */
static int
fill(struct medsec_audit_detail *d, size_t n, const char **textp)
{
	char *value = malloc(n + 1);

	assert_non_null(value);
	memset(value, 'a', n);
	value[n] = '\0';
	medsec_audit_detail_init(d);
	medsec_audit_detail_str(d, "v", value);
	free(value);
	return medsec_audit_detail_end(d, textp);
}

static void
test_audit_detail_exact_fit_and_one_byte_over(void **state)
{
	struct medsec_audit_detail d;
	const char *text = NULL;
	json_t *o;

	(void)state;
	assert_int_equal(fill(&d, MEDSEC_AUDIT_DETAILS_MAX - 8, &text),
	    MEDSEC_OK);
	assert_int_equal(strlen(text), MEDSEC_AUDIT_DETAILS_MAX);
	o = parse_object(text);
	json_decref(o);

	assert_int_equal(fill(&d, MEDSEC_AUDIT_DETAILS_MAX - 7, &text),
	    MEDSEC_ERR_TOO_LARGE);
	assert_null(text);
	/* Nothing of the value that did not fit was written. */
	assert_string_equal(d.text, "{\"v\":");
}

static void
test_audit_detail_escaped_length_counts(void **state)
{
	struct medsec_audit_detail d;
	char value[700];
	const char *text;

	(void)state;
	/* 682 control characters escape to 6 bytes each: 4092 + 8 > 4096. */
	memset(value, 0x01, 682);
	value[682] = '\0';
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "v", value);
	assert_int_equal(medsec_audit_detail_end(&d, &text),
	    MEDSEC_ERR_TOO_LARGE);
	value[681] = '\0';
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "v", value);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_int_equal(strlen(text), 681 * 6 + 8);
}

static void
test_audit_detail_overflow_is_sticky(void **state)
{
	struct medsec_audit_detail d;
	const char *text = NULL;
	size_t len;

	(void)state;
	assert_int_equal(fill(&d, MEDSEC_AUDIT_DETAILS_MAX, &text),
	    MEDSEC_ERR_TOO_LARGE);
	len = d.len;
	medsec_audit_detail_u64(&d, "n", 1);
	medsec_audit_detail_str(&d, "s", "x");
	medsec_audit_detail_bool(&d, "b", 1);
	medsec_audit_detail_str(&d, "BAD", "x");
	assert_int_equal(d.len, len);
	assert_int_equal(medsec_audit_detail_end(&d, &text),
	    MEDSEC_ERR_TOO_LARGE);
	assert_null(text);
}

static void
assert_key_refused(const char *key)
{
	struct medsec_audit_detail d;
	const char *text = (const char *)1;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, key, "x");
	assert_int_equal(medsec_audit_detail_end(&d, &text),
	    MEDSEC_ERR_INVALID);
	assert_null(text);
}

static void
test_audit_detail_refuses_bad_keys(void **state)
{
	static const char *const bad[] = { "", "Upper", "1st", "_x", "a-b",
		"a b", "a\"", "caf\xc3\xa9", "password", "new_password",
		"token", "session_token", "secret", "key", "pin", "otp",
		"private_key_path",
		"a23456789012345678901234567890123456789012345678x" };
	struct medsec_audit_detail d;
	const char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_key_refused(bad[i]);
	/* The longest key is fine; a key used twice is not. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d,
	    "a23456789012345678901234567890123456789012345678", 1);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "user", "a");
	medsec_audit_detail_str(&d, "user_id", "\"user\":");
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	medsec_audit_detail_u64(&d, "user", 2);
	assert_int_equal(medsec_audit_detail_end(&d, &text),
	    MEDSEC_ERR_INVALID);
}

static void
test_audit_detail_trunc_cuts_at_a_character_and_says_so(void **state)
{
	struct medsec_audit_detail d;
	const char *text;
	json_t *o;

	(void)state;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d, "path", "short", 16);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_string_equal(text, "{\"path\":\"short\"}");

	/* 8 bytes: "ab", the 2-byte e-acute and the ellipsis fit; the
	 * 3-byte Korean syllable does not, and is never split. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d, "path", "ab\xc3\xa9\xed\x95\x9cxyz",
	    8);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_string_equal(text, "{\"path\":\"ab\xc3\xa9\xe2\x80\xa6\","
	    "\"path_truncated\":true}");
	o = parse_object(text);
	json_decref(o);

	/* An escape is never split either. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d, "path", "abcd\n123456", 8);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_string_equal(text, "{\"path\":\"abcd\xe2\x80\xa6\","
	    "\"path_truncated\":true}");

	/* Exactly max bytes is not cut. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d, "path", "abcdefgh", 8);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_string_equal(text, "{\"path\":\"abcdefgh\"}");
}

static void
test_audit_detail_trunc_refuses_bad_budget_and_key(void **state)
{
	struct medsec_audit_detail d;
	const char *text;

	(void)state;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d, "path", "x", 2);
	assert_int_equal(medsec_audit_detail_end(&d, &text),
	    MEDSEC_ERR_INVALID);
	/* The flag's name must be valid even when the value is short. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d,
	    "a234567890123456789012345678901234567890", "x", 64);
	assert_int_equal(medsec_audit_detail_end(&d, &text),
	    MEDSEC_ERR_INVALID);
	/* ...and not taken, even when the value would not be cut. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "path_truncated", 1);
	medsec_audit_detail_str_trunc(&d, "path", "x", 64);
	assert_int_equal(medsec_audit_detail_end(&d, &text),
	    MEDSEC_ERR_INVALID);
}

/* A deterministic byte stream, so a failure can be replayed. */
static uint32_t
next_byte(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0xff;
}

static void
test_audit_detail_random_values_always_parse(void **state)
{
	struct medsec_audit_detail d;
	char value[900], key[16];
	const char *text;
	uint32_t seed = 1;
	size_t ok = 0, too_large = 0;
	json_t *o;
	int r;

	(void)state;
	for (int round = 0; round < 300; round++) {
		medsec_audit_detail_init(&d);
		for (int m = 0; m < 8; m++) {
			size_t n = next_byte(&seed) * 3;

			for (size_t i = 0; i < n; i++)
				value[i] = (char)(next_byte(&seed) | 1);
			value[n] = '\0';
			snprintf(key, sizeof(key), "k%d", m);
			if (m % 3 == 0)
				medsec_audit_detail_str_trunc(&d, key, value,
				    200);
			else
				medsec_audit_detail_str(&d, key, value);
		}
		r = medsec_audit_detail_end(&d, &text);
		assert_true(r == MEDSEC_OK || r == MEDSEC_ERR_TOO_LARGE);
		if (r == MEDSEC_OK) {
			assert_true(strlen(text) <= MEDSEC_AUDIT_DETAILS_MAX);
			o = parse_object(text);
			json_decref(o);
			ok++;
		} else
			too_large++;
	}
	/* Both outcomes were exercised. */
	assert_true(ok > 0 && too_large > 0);
}

/*
 * What the builder writes is what the trail stores: a record with the
 * largest details, escapes, non-ASCII and replaced bytes is appended and
 * read back byte for byte.
 */
static void
test_req_2_1_detail_builder_output_stored_as_built(void **state)
{
	struct medsec_audit_detail d;
	struct medsec_audit_event_in ev = { MEDSEC_EV_CONFIG_CHANGED, "admin",
		"local", "config", MEDSEC_AUDIT_SUCCESS, "test", NULL };
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	struct medsec_audit *a = NULL;
	struct fixture f;
	static const char prefix[] = "\t\"\\\x01 caf\xc3\xa9 \xff ";
	char value[MEDSEC_AUDIT_DETAILS_MAX];
	const char *text;
	uint64_t seq = 0;
	int r, found = 0;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	/* The prefix escapes to 10 bytes more than it has; the frame
	 * {"v":""} takes 8. */
	memset(value, 'x', sizeof(value));
	memcpy(value, prefix, strlen(prefix));
	value[MEDSEC_AUDIT_DETAILS_MAX - 8 - 10] = '\0';
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "v", value);
	assert_int_equal(medsec_audit_detail_end(&d, &text), MEDSEC_OK);
	assert_int_equal(strlen(text), MEDSEC_AUDIT_DETAILS_MAX);
	ev.details = text;
	assert_int_equal(medsec_audit_append(a, &ev, &seq), MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);

	assert_int_equal(medsec_audit_reader_open(f.audit, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1)
		if (rec.seq == seq) {
			assert_string_equal(rec.details, text);
			found = 1;
		}
	assert_int_equal(r, 0);
	assert_true(found);
	medsec_audit_reader_close(rd);
	fixture_teardown(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_audit_detail_escapes_every_control_character),
	cmocka_unit_test(test_audit_detail_escapes_quote_and_backslash),
	cmocka_unit_test(test_audit_detail_keeps_non_ascii_utf8),
	cmocka_unit_test(test_audit_detail_replaces_invalid_utf8),
	cmocka_unit_test(test_audit_detail_typed_values),
	cmocka_unit_test(test_audit_detail_empty_object),
	cmocka_unit_test(test_audit_detail_exact_fit_and_one_byte_over),
	cmocka_unit_test(test_audit_detail_escaped_length_counts),
	cmocka_unit_test(test_audit_detail_overflow_is_sticky),
	cmocka_unit_test(test_audit_detail_refuses_bad_keys),
	cmocka_unit_test(test_audit_detail_trunc_cuts_at_a_character_and_says_so),
	cmocka_unit_test(test_audit_detail_trunc_refuses_bad_budget_and_key),
	cmocka_unit_test(test_audit_detail_random_values_always_parse),
	cmocka_unit_test(test_req_2_1_detail_builder_output_stored_as_built),
};

MEDSEC_TEST_MAIN(tests)
