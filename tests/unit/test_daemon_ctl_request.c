/*
 * The request of medsecd's local control socket (src/daemon/ctl_request.c):
 * strict like the API's bodies, every refusal names the member or the
 * fault and never the password, and the password does not outlive a
 * refused parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"
#include "medsec/err.h"

/* The daemon is a program, not a library: its parser is compiled in. */
#include "../../src/daemon/ctl_request.c"

#define FP "8a756aaa0fc3fc2bd4618c5f97a055958a0ecb403ae957f067b7c1572931eb86"

static int
parse(const char *text, struct ctl_request *req, char *why, size_t whylen)
{
	return ctl_request_parse(text, strlen(text), req, why, whylen);
}

static void
test_ctl_request_well_formed_fills_every_field(void **state)
{
	struct ctl_request req;
	char why[256] = "";

	(void)state;
	assert_int_equal(parse("{\"op\":\"revoke-cert\",\"as\":\"chief\","
	    "\"password\":\"Adm1n-Pass!word\",\"target\":\"" FP "\","
	    "\"reason\":\"key compromise\",\"subject\":\"collector01\"}",
	    &req, why, sizeof(why)), 0);
	assert_string_equal(req.op, "revoke-cert");
	assert_string_equal(req.as, "chief");
	assert_string_equal(req.password, "Adm1n-Pass!word");
	assert_int_equal(req.password_len, strlen("Adm1n-Pass!word"));
	assert_string_equal(req.target, FP);
	assert_true(req.has_reason);
	assert_string_equal(req.reason, "key compromise");
	assert_true(req.has_subject);
	assert_string_equal(req.subject, "collector01");
	ctl_request_wipe(&req);
	assert_int_equal(req.password[0], '\0');
}

static void
expect_refused(const char *text, const char *why_has)
{
	static const struct ctl_request zero;
	struct ctl_request req;
	char why[256] = "";

	assert_int_equal(parse(text, &req, why, sizeof(why)), -1);
	if (strstr(why, why_has) == NULL)
		fail_msg("\"%s\": the reason \"%s\" lacks \"%s\"", text, why,
		    why_has);
	assert_null(strstr(why, "s3cret"));
	assert_memory_equal(&req, &zero, sizeof(req));
}

static void
test_ctl_request_refusals_name_the_fault(void **state)
{
	(void)state;
	expect_refused("{\"op\":\"unlock\",", "not JSON");
	expect_refused("[\"unlock\"]", "must be a JSON object");
	expect_refused("{\"op\":\"unlock\",\"as\":\"chief\",\"password\":"
	    "\"s3cret\",\"target\":\"nurse01\",\"force\":\"yes\"}",
	    "unknown member \"force\"");
	expect_refused("{\"op\":\"unlock\",\"as\":\"chief\",\"as\":\"root\","
	    "\"password\":\"s3cret\",\"target\":\"nurse01\"}", "duplicate");
	expect_refused("{\"op\":\"unlock\",\"as\":\"chief\",\"password\":7,"
	    "\"target\":\"nurse01\"}", "\"password\" must be a string");
	expect_refused("{\"op\":\"unlock\",\"as\":\"chief\",\"password\":"
	    "\"s3cret\"}", "\"target\" is missing");
	expect_refused("{\"op\":\"\",\"as\":\"chief\",\"password\":\"s3cret\","
	    "\"target\":\"nurse01\"}", "\"op\" is empty");
	expect_refused("{\"op\":\"unlock\",\"as\":\"chief\",\"password\":"
	    "\"s3\\u0000cret\",\"target\":\"nurse01\"}", "not JSON");
	expect_refused("{\"op\":\"unlock\",\"as\":\"an-administrator-name-over-"
	    "thirty-one-bytes\",\"password\":\"s3cret\",\"target\":\"n\"}",
	    "\"as\" is over 31 bytes");
}

static void
test_ctl_request_over_the_bound_is_refused_unparsed(void **state)
{
	char text[CTL_REQUEST_MAX + 64];
	struct ctl_request req;
	char why[256] = "";
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "{\"op\":\"unlock\",\"as\":\"chief\","
	    "\"target\":\"nurse01\",\"password\":\"");
	memset(text + n, 'p', sizeof(text) - (size_t)n - 3);
	memcpy(text + sizeof(text) - 3, "\"}", 3);
	assert_int_equal(ctl_request_parse(text, strlen(text), &req, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "over 4096 bytes"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ctl_request_well_formed_fills_every_field),
	cmocka_unit_test(test_ctl_request_refusals_name_the_fault),
	cmocka_unit_test(test_ctl_request_over_the_bound_is_refused_unparsed),
};

MEDSEC_TEST_MAIN(tests)
