/*
 * The JUnit reader: real ctest output (tests/data/junit), every outcome
 * ctest writes, entities and CDATA, and each kind of malformed or hostile
 * XML refused with the line it is on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#define DATA MEDSEC_SOURCE_DIR "/tests/data/junit/"

static struct medsec_junit *
parse_ok(const char *xml)
{
	struct medsec_config_error err;
	struct medsec_junit *j = NULL;

	if (medsec_junit_parse("t.xml", xml, strlen(xml), &j, &err) != 0)
		fail_msg("refused: line %d: %s", err.line, err.message);
	return j;
}

static void
expect_refused(const char *xml, int line, const char *words)
{
	struct medsec_config_error err;
	struct medsec_junit *j = (struct medsec_junit *)1;
	int r;

	r = medsec_junit_parse("t.xml", xml, strlen(xml), &j, &err);
	if (r == MEDSEC_OK)
		fail_msg("accepted: %s", xml);
	assert_int_equal(r, MEDSEC_ERR_FORMAT);
	assert_null(j);
	assert_string_equal(err.file, "t.xml");
	if (err.line != line || strstr(err.message, words) == NULL)
		fail_msg("for %s\nexpected line %d '%s', got line %d '%s'", xml,
		    line, words, err.line, err.message);
}

static const struct medsec_junit_case *
find(const struct medsec_junit *j, const char *name)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (strcmp(j->cases[i].name, name) == 0)
			return &j->cases[i];
	fail_msg("no test case %s", name);
	return NULL;
}

static void
test_junit_reads_real_ctest_output(void **state)
{
	struct medsec_config_error err;
	struct medsec_junit *j = NULL;
	size_t i;

	(void)state;
	assert_int_equal(medsec_junit_load(DATA "ctest-pass.xml", &j, &err),
	    MEDSEC_OK);
	assert_int_equal(j->n, 3);
	assert_int_equal(j->tests, 3);
	assert_int_equal(j->failures, 0);
	assert_int_equal(j->skipped, 0);
	assert_string_equal(j->suite, "(empty)");
	assert_string_equal(j->timestamp, "2026-11-23T08:30:37");
	assert_null(j->hostname); /* ctest writes hostname="" */
	for (i = 0; i < j->n; i++) {
		assert_int_equal(j->cases[i].status, MEDSEC_TEST_PASS);
		assert_true(j->cases[i].time > 0);
		assert_string_equal(j->cases[i].name, j->cases[i].classname);
	}
	assert_string_equal(j->cases[2].name,
	    "test_req_1_2_admin_kills_session");
	medsec_junit_free(j);
}

static void
test_junit_every_ctest_outcome(void **state)
{
	struct medsec_junit *j = NULL;

	(void)state;
	assert_int_equal(medsec_junit_load(DATA "ctest-outcomes.xml", &j,
	    NULL), MEDSEC_OK);
	assert_int_equal(j->n, 7);
	assert_int_equal(j->failures, 2);
	assert_int_equal(j->disabled, 1);
	assert_int_equal(find(j, "test_req_1_1_passes")->status,
	    MEDSEC_TEST_PASS);
	assert_int_equal(find(j, "test_req_1_2_fails")->status,
	    MEDSEC_TEST_FAIL);
	assert_int_equal(find(j, "test_req_1_3_skips")->status,
	    MEDSEC_TEST_SKIP);
	assert_string_equal(find(j, "test_req_1_3_skips")->message,
	    "SKIP_RETURN_CODE=77");
	assert_int_equal(find(j, "test_req_1_4_notrun")->status,
	    MEDSEC_TEST_NOTRUN);
	assert_int_equal(find(j, "test_req_1_5_disabled")->status,
	    MEDSEC_TEST_NOTRUN);
	assert_int_equal(find(j, "test_req_1_6_timeout")->status,
	    MEDSEC_TEST_FAIL);
	/* The entity-escaped name comes back as written by the test. */
	assert_int_equal(find(j, "test_weird_<script>")->status,
	    MEDSEC_TEST_PASS);
	medsec_junit_free(j);
}

static void
test_junit_entities_decoded(void **state)
{
	struct medsec_junit *j;

	(void)state;
	j = parse_ok("<testsuite><testcase name=\"a&lt;b&gt;c&amp;d&quot;"
	    "e&apos;f&#65;&#x42;&#x1F600;\" time='1.5'/></testsuite>");
	assert_int_equal(j->n, 1);
	assert_string_equal(j->cases[0].name,
	    "a<b>c&d\"e'fAB\xf0\x9f\x98\x80");
	assert_true(j->cases[0].time > 1.49 && j->cases[0].time < 1.51);
	assert_int_equal(j->cases[0].status, MEDSEC_TEST_PASS);
	medsec_junit_free(j);
}

static void
test_junit_comments_cdata_and_quotes(void **state)
{
	struct medsec_junit *j;

	(void)state;
	j = parse_ok("\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>\n"
	    "<!-- written by hand -->\n<testsuites>\n"
	    "<testsuite name='s' tests='2' timestamp='2026-01-02T03:04:05Z'>"
	    "<properties><property name='k' value='v'/></properties>\n"
	    "<testcase name='t1' status='run'><system-out><![CDATA[<not> "
	    "&markup;]]></system-out></testcase>\n"
	    "<testcase name='t2'><failure message='m &amp; n'>trace"
	    "</failure></testcase></testsuite>\n"
	    "<testsuite name='second' tests='1'><testcase name='t3'>"
	    "<skipped/></testcase></testsuite>"
	    "</testsuites>\n<!-- end -->\n");
	assert_int_equal(j->n, 3);
	assert_int_equal(j->tests, 3);
	assert_string_equal(j->suite, "s");
	assert_string_equal(j->timestamp, "2026-01-02T03:04:05Z");
	assert_int_equal(j->cases[0].status, MEDSEC_TEST_PASS);
	assert_int_equal(j->cases[1].status, MEDSEC_TEST_FAIL);
	assert_string_equal(j->cases[1].message, "m & n");
	assert_int_equal(j->cases[2].status, MEDSEC_TEST_SKIP);
	assert_true(j->cases[0].time < 0); /* absent */
	medsec_junit_free(j);
}

static void
test_junit_attribute_whitespace_normalised(void **state)
{
	struct medsec_junit *j;

	(void)state;
	j = parse_ok("<testsuite>\r\n<testcase\n  name =\t\"a\"\n"
	    "classname='x\ty\nz&#10;'/>\n</testsuite>");
	/* XML turns literal white space in a value into spaces; a
	 * character reference keeps its character. */
	assert_string_equal(j->cases[0].name, "a");
	assert_string_equal(j->cases[0].classname, "x y z\n");
	medsec_junit_free(j);
}

static const struct {
	const char *xml;
	int line;
	const char *words;
} bad[] = {
	{ "", 1, "no <testsuite>" },
	{ "   \n\n", 3, "no <testsuite>" },
	{ "<testsuite>\n<testcase name='a'>\n</testsuite>", 3, "closes" },
	{ "<testsuite>\n<testcase name='a'/>", 2, "ends inside" },
	{ "<testsuite>\n<testcase name='a&bogus;'/></testsuite>", 2,
	    "bad entity" },
	{ "<testsuite>\n<testcase name='a&#0;'/></testsuite>", 2,
	    "bad entity" },
	{ "<testsuite>\n<testcase name='a&#xD800;'/></testsuite>", 2,
	    "bad entity" },
	{ "<testsuite>\n<testcase name='a & b'/></testsuite>", 2,
	    "bad entity" },
	{ "<!DOCTYPE x [<!ENTITY e 'x'>]>\n<testsuite/>", 1, "DTD" },
	{ "<testsuite>\n<?php echo 1 ?></testsuite>", 2,
	    "processing instructions" },
	{ "\n<?xml version='1.0'?><testsuite/>", 2,
	    "processing instructions" },
	{ "<?xml version='1.1'?><testsuite/>", 1, "version" },
	{ "<?xml version='1.0' encoding='ISO-8859-1'?><testsuite/>", 1,
	    "UTF-8" },
	{ "<testsuite>\n<script/></testsuite>", 2, "unexpected element" },
	{ "<html/>", 1, "unexpected element <html> at the top" },
	{ "<testsuite>\n<failure/></testsuite>", 2, "unexpected element" },
	{ "<testsuite>\nloose text</testsuite>", 2, "text is not allowed" },
	{ "<testsuite/>\ntrailing", 2, "outside the top-level" },
	{ "<testsuite/>\n<testsuite/>", 2, "second top-level" },
	{ "<testsuite>\n<testcase name='a' name='b'/></testsuite>", 2,
	    "repeated" },
	{ "<testsuite>\n<testcase name=a/></testsuite>", 2, "quoted" },
	{ "<testsuite>\n<testcase name='a<b'/></testsuite>", 2, "'<'" },
	{ "<testsuite>\n<testcase name='a/></testsuite>", 2,
	    "unterminated attribute" },
	{ "<testsuite>\n<testcase name='a'x='1'/></testsuite>", 2,
	    "white space" },
	{ "<testsuite>\n<testcase/></testsuite>", 2, "needs a name" },
	{ "<testsuite>\n<testcase name=''/></testsuite>", 2, "needs a name" },
	{ "<testsuite>\n<testcase name='a&#10;b'/></testsuite>", 2,
	    "needs a name" },
	{ "<testsuite>\n<testcase name='a' status='passed'/></testsuite>", 2,
	    "status=\"passed\"" },
	{ "<testsuite>\n<testcase name='a' time='-1'/></testsuite>", 2,
	    "seconds" },
	{ "<testsuite>\n<testcase name='a' time='1x'/></testsuite>", 2,
	    "seconds" },
	{ "<testsuite\ntests='2'>\n<testcase name='a'/></testsuite>", 1,
	    "tests=\"2\" but holds 1" },
	{ "<testsuite\ntests='x'/>", 1, "not a count" },
	{ "<testsuite timestamp='yesterday'/>", 1, "ISO 8601" },
	{ "<testsuite>\n<testcase name='\xff'/></testsuite>", 2,
	    "invalid UTF-8" },
	{ "<testsuite>\n<testcase name='\xc0\xaf'/></testsuite>", 2,
	    "invalid UTF-8" },
	{ "<testsuite>\n\x01</testsuite>", 2, "not allowed in XML" },
	{ "<testsuite>\n<system-out>a ]]> b</system-out></testsuite>", 2,
	    "']]>'" },
	{ "<!-- a -- b -->\n<testsuite/>", 1, "'--'" },
	{ "<!-- never closed\n<testsuite/>", 1, "unterminated comment" },
	{ "<testsuite><system-out><![CDATA[x\n</system-out></testsuite>", 1,
	    "unterminated CDATA" },
	{ "<![CDATA[x]]><testsuite/>", 1, "CDATA outside" },
	{ "<testsuite>\n</testcase></testsuite>", 2, "closes" },
	{ "</testsuite>", 1, "without a start" },
	{ "<testsuite>\n<testcase name='a'></testcase  x></testsuite>", 2,
	    "malformed end tag" },
	{ "<1testsuite/>", 1, "expected a name" },
};

static void
test_junit_malformed_refused_naming_line(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i].xml, bad[i].line, bad[i].words);
}

static void
test_junit_depth_limit(void **state)
{
	char xml[2048];
	size_t o = 0;
	int i;

	(void)state;
	/* testsuite may nest in testsuite: the easy way to go deep. */
	for (i = 0; i < MEDSEC_JUNIT_DEPTH_MAX + 1; i++)
		o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<testsuite>\n");
	for (i = 0; i < MEDSEC_JUNIT_DEPTH_MAX + 1; i++)
		o += (size_t)snprintf(xml + o, sizeof(xml) - o, "</testsuite>");
	expect_refused(xml, MEDSEC_JUNIT_DEPTH_MAX + 1, "deeper than");
}

static void
test_junit_attribute_caps(void **state)
{
	size_t n = MEDSEC_JUNIT_VALUE_MAX + 64, i, o;
	char *xml = malloc(n + 4096);

	(void)state;
	assert_non_null(xml);
	/* A name over MEDSEC_JUNIT_NAME_MAX. */
	o = (size_t)snprintf(xml, 64, "<testsuite><testcase name='");
	for (i = 0; i < MEDSEC_JUNIT_NAME_MAX + 1; i++)
		xml[o++] = 'a';
	memcpy(xml + o, "'/></testsuite>", sizeof("'/></testsuite>"));
	expect_refused(xml, 1, "needs a name");
	/* Any value over MEDSEC_JUNIT_VALUE_MAX. */
	o = (size_t)snprintf(xml, 64, "<testsuite name='");
	for (i = 0; i < MEDSEC_JUNIT_VALUE_MAX + 1; i++)
		xml[o++] = 'b';
	memcpy(xml + o, "'/>", sizeof("'/>"));
	expect_refused(xml, 1, "longer than");
	/* More attributes than MEDSEC_JUNIT_ATTRS_MAX. */
	o = (size_t)snprintf(xml, 64, "<testsuite");
	for (i = 0; i < MEDSEC_JUNIT_ATTRS_MAX + 1; i++)
		o += (size_t)snprintf(xml + o, 32, " a%zu='1'", i);
	memcpy(xml + o, "/>", sizeof("/>"));
	expect_refused(xml, 1, "more than");
	free(xml);
}

static void
test_junit_too_large_refused(void **state)
{
	struct medsec_config_error err;
	struct medsec_junit *j = NULL;

	(void)state;
	/* The size is checked before a byte is read. */
	assert_int_equal(medsec_junit_parse("big.xml", "",
	    (size_t)MEDSEC_JUNIT_FILE_MAX + 1, &j, &err),
	    MEDSEC_ERR_TOO_LARGE);
	assert_null(j);
	assert_non_null(strstr(err.message, "larger than"));
}

static void
test_junit_missing_file(void **state)
{
	struct medsec_config_error err;
	struct medsec_junit *j = NULL;

	(void)state;
	assert_int_equal(medsec_junit_load(DATA "absent.xml", &j, &err),
	    MEDSEC_ERR_NOT_FOUND);
	assert_null(j);
	assert_non_null(strstr(err.message, "cannot read"));
}

static void
test_junit_status_names(void **state)
{
	(void)state;
	assert_string_equal(medsec_test_status_name(MEDSEC_TEST_PASS), "pass");
	assert_string_equal(medsec_test_status_name(MEDSEC_TEST_FAIL), "fail");
	assert_string_equal(medsec_test_status_name(MEDSEC_TEST_SKIP), "skip");
	assert_string_equal(medsec_test_status_name(MEDSEC_TEST_NOTRUN),
	    "notrun");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_junit_reads_real_ctest_output),
	cmocka_unit_test(test_junit_every_ctest_outcome),
	cmocka_unit_test(test_junit_entities_decoded),
	cmocka_unit_test(test_junit_comments_cdata_and_quotes),
	cmocka_unit_test(test_junit_attribute_whitespace_normalised),
	cmocka_unit_test(test_junit_malformed_refused_naming_line),
	cmocka_unit_test(test_junit_depth_limit),
	cmocka_unit_test(test_junit_attribute_caps),
	cmocka_unit_test(test_junit_too_large_refused),
	cmocka_unit_test(test_junit_missing_file),
	cmocka_unit_test(test_junit_status_names),
};

MEDSEC_TEST_MAIN(tests)
