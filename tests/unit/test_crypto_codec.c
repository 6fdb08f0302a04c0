/*
 * Base64 codecs of the crypto module (session tokens, password-hash
 * salts). Expected texts are the RFC 4648 section 10 test vectors and the
 * alphabet tables of sections 4 and 5; none was produced by this code.
 * Every accepted form has a refused twin: another alphabet, padding, a
 * wrong length, stray characters, trailing bits set.
 */
#include <stdint.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"

#include "testmain.h"

static const struct {
	const char *bin;
	const char *text;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg" },
	{ "fo", "Zm8" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg" },
	{ "fooba", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy" },
};

static void
test_base64_rfc4648_vectors_encode(void **state)
{
	char out[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		n = strlen(rfc4648[i].bin);
		assert_int_equal(medsec_base64_encode(MEDSEC_BASE64_NO_PADDING,
				     rfc4648[i].bin, n, out, sizeof(out)),
		    MEDSEC_OK);
		assert_string_equal(out, rfc4648[i].text);
		assert_int_equal(MEDSEC_BASE64_LEN(n), strlen(out) + 1);
	}
}

static void
test_base64_rfc4648_vectors_decode(void **state)
{
	uint8_t out[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		n = strlen(rfc4648[i].bin);
		assert_int_equal(medsec_base64_decode(MEDSEC_BASE64_NO_PADDING,
				     rfc4648[i].text, strlen(rfc4648[i].text),
				     out, n), MEDSEC_OK);
		assert_memory_equal(out, rfc4648[i].bin, n);
	}
}

/* 0xfb 0xff is "+/8" in the standard alphabet and "-_8" in the URL one. */
static void
test_base64_alphabets_differ_in_62_and_63(void **state)
{
	static const uint8_t bin[2] = { 0xfb, 0xff };
	uint8_t out[2];
	char text[8];

	(void)state;
	assert_int_equal(medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, bin,
			     sizeof(bin), text, sizeof(text)), MEDSEC_OK);
	assert_string_equal(text, "+/8");
	assert_int_equal(medsec_base64_encode(MEDSEC_BASE64_URLSAFE_NO_PADDING,
			     bin, sizeof(bin), text, sizeof(text)), MEDSEC_OK);
	assert_string_equal(text, "-_8");
	assert_int_equal(medsec_base64_decode(MEDSEC_BASE64_URLSAFE_NO_PADDING,
			     "-_8", 3, out, sizeof(out)), MEDSEC_OK);
	assert_memory_equal(out, bin, sizeof(bin));
	/* Each variant refuses the other's characters. */
	assert_int_equal(medsec_base64_decode(MEDSEC_BASE64_URLSAFE_NO_PADDING,
			     "+/8", 3, out, sizeof(out)), MEDSEC_ERR_FORMAT);
	assert_int_equal(medsec_base64_decode(MEDSEC_BASE64_NO_PADDING,
			     "-_8", 3, out, sizeof(out)), MEDSEC_ERR_FORMAT);
}

static void
test_base64_decode_refuses_malformed_and_wipes(void **state)
{
	static const char *const bad[] = {
		"Zm8=",	 /* padding */
		"Zm",	 /* too short for two bytes */
		"Zm8A",	 /* too long */
		"Zm 8",	 /* a blank */
		"Zm9",	 /* trailing bits set ("fo" is "Zm8") */
		"Z\0018",	 /* a control byte (octal escape: \001 then 8) */
	};
	uint8_t out[2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(medsec_base64_decode(MEDSEC_BASE64_NO_PADDING,
				     bad[i], strlen(bad[i]), out, sizeof(out)),
		    MEDSEC_ERR_FORMAT);
		assert_int_equal(out[0] | out[1], 0);
	}
	assert_int_equal(medsec_base64_decode(99, "Zm8", 3, out, sizeof(out)),
	    MEDSEC_ERR_INVALID);
}

static void
test_base64_encode_refuses_short_buffer(void **state)
{
	char out[4];

	(void)state;
	/* "foo" needs 5 bytes with its NUL; exactly that fits. */
	assert_int_equal(medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, "foo",
			     3, out, 4), MEDSEC_ERR_TOO_LARGE);
	assert_string_equal(out, "");
	assert_int_equal(medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, "fo",
			     2, out, 4), MEDSEC_OK);
	assert_string_equal(out, "Zm8");
	assert_int_equal(medsec_base64_encode(7, "fo", 2, out, sizeof(out)),
	    MEDSEC_ERR_INVALID);
}

/* Every length up to two tokens, random bytes, both variants. */
static void
test_base64_round_trip_every_length(void **state)
{
	uint8_t bin[64], back[64];
	char text[MEDSEC_BASE64_LEN(sizeof(bin))];
	size_t n;
	int v;

	(void)state;
	for (v = MEDSEC_BASE64_NO_PADDING;
	    v <= MEDSEC_BASE64_URLSAFE_NO_PADDING; v++)
		for (n = 0; n <= sizeof(bin); n++) {
			assert_int_equal(medsec_random(bin, n), MEDSEC_OK);
			assert_int_equal(medsec_base64_encode(v, bin, n, text,
					     MEDSEC_BASE64_LEN(n)), MEDSEC_OK);
			assert_int_equal(strlen(text) + 1,
			    MEDSEC_BASE64_LEN(n));
			assert_int_equal(medsec_base64_decode(v, text,
					     strlen(text), back, n), MEDSEC_OK);
			assert_memory_equal(back, bin, n);
		}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_base64_rfc4648_vectors_encode),
	cmocka_unit_test(test_base64_rfc4648_vectors_decode),
	cmocka_unit_test(test_base64_alphabets_differ_in_62_and_63),
	cmocka_unit_test(test_base64_decode_refuses_malformed_and_wipes),
	cmocka_unit_test(test_base64_encode_refuses_short_buffer),
	cmocka_unit_test(test_base64_round_trip_every_length),
};

MEDSEC_TEST_MAIN(tests)
