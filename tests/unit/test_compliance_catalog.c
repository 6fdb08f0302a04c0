/*
 * The MFDS requirement catalog: the embedded data matches Table 3 of the
 * MFDS 2020 guideline item by item (numbers, stages, applicability per
 * level, the implantable footnote), every item carries its mappings and
 * test tags, and the strict loader refuses damaged catalogs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/*
 * Table 3 as printed (MFDS 2020 guideline, III.2): checklist id (Table 4),
 * Table 3 number, stage, and the Major / Moderate / Minor columns
 * (R = "○" required, r = "△" recommended).
 */
static const struct {
	const char *id;
	int no;
	int detect; /* 0 'Identify'/'Protect', 1 'Detect'/'Respond'/'Recover' */
	const char *cols;
} table3[] = {
	{ "1.1", 1, 0, "RRr" }, { "1.2", 2, 0, "RRr" },
	{ "1.3", 3, 0, "RRr" }, { "1.4", 4, 0, "RRr" },
	{ "1.5", 5, 0, "RRr" }, { "1.6", 6, 0, "RRR" },
	{ "1.7", 7, 0, "RRr" }, { "1.8", 8, 0, "RRr" },
	{ "1.9", 9, 0, "RRr" }, { "1.10", 10, 0, "RRr" },
	{ "1.11", 11, 0, "RRr" }, { "1.12", 12, 0, "RRR" },
	{ "1.13", 13, 0, "RRR" }, { "1.14", 14, 0, "RRR" },
	{ "1.15", 15, 0, "RRr" }, { "1.16", 16, 0, "RRr" },
	{ "1.17", 17, 0, "RRr" }, { "1.18", 18, 0, "RRr" },
	{ "1.19", 19, 0, "RRr" }, { "1.20", 20, 0, "RRr" },
	{ "2.1", 21, 1, "RRr" }, { "2.2", 22, 1, "RRr" },
	{ "2.3", 23, 1, "RRR" }, { "2.4", 24, 1, "Rrr" },
};
#define NTABLE3 (sizeof(table3) / sizeof(table3[0]))

static enum medsec_applicability
col(char c)
{
	return c == 'R' ? MEDSEC_APPLIC_REQUIRED : MEDSEC_APPLIC_RECOMMENDED;
}

static struct medsec_catalog *
builtin(void)
{
	struct medsec_catalog *cat = NULL;
	struct medsec_config_error err;

	assert_int_equal(medsec_catalog_builtin(NULL, &cat, &err), MEDSEC_OK);
	assert_non_null(cat);
	return cat;
}

static char *
catalog_text(size_t *lenp)
{
	FILE *f = fopen(MEDSEC_SOURCE_DIR "/data/mfds/2019-table3.json", "rb");
	char *buf = malloc(MEDSEC_CATALOG_FILE_MAX + 1);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, MEDSEC_CATALOG_FILE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

/* Replaces the first occurrence of from by to in the catalog text. */
static char *
mutated(const char *from, const char *to, size_t *lenp)
{
	size_t len, flen = strlen(from), tlen = strlen(to);
	char *text = catalog_text(&len), *out, *at;

	at = strstr(text, from);
	assert_non_null(at);
	out = malloc(len - flen + tlen + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, tlen);
	memcpy(out + (at - text) + tlen, at + flen,
	    len - (size_t)(at - text) - flen + 1);
	*lenp = len - flen + tlen;
	free(text);
	return out;
}

static void
assert_refused(const char *from, const char *to, const char *want)
{
	struct medsec_catalog *cat = NULL;
	struct medsec_config_error err;
	size_t len;
	char *text = mutated(from, to, &len);

	assert_int_equal(medsec_catalog_parse("t.json", text, len, &cat,
	    &err), MEDSEC_ERR_FORMAT);
	assert_null(cat);
	if (strstr(err.message, want) == NULL &&
	    strstr(err.key, want) == NULL)
		fail_msg("error '%s: %s' does not mention '%s'", err.key,
		    err.message, want);
	free(text);
}

static void
test_catalog_builtin_is_mfds_2019_table3_v2(void **state)
{
	struct medsec_catalog *cat = builtin();
	const char *const *names = medsec_catalog_builtin_names();

	(void)state;
	assert_string_equal(medsec_catalog_name(cat), "mfds-2019-table3");
	assert_int_equal(medsec_catalog_version(cat), 2);
	assert_int_equal(medsec_catalog_count(cat), 24);
	assert_non_null(strstr(medsec_catalog_source(cat),
	    "Ministry of Food and Drug Safety"));
	assert_string_equal(names[0], MEDSEC_CATALOG_DEFAULT);
	assert_null(medsec_catalog_item(cat, 24));
	medsec_catalog_free(cat);
}

static void
test_catalog_numbers_and_stages_follow_table3(void **state)
{
	struct medsec_catalog *cat = builtin();
	const struct medsec_requirement *r;
	size_t i;

	(void)state;
	for (i = 0; i < NTABLE3; i++) {
		r = medsec_catalog_item(cat, i);
		assert_string_equal(r->id, table3[i].id);
		assert_int_equal(r->no, table3[i].no);
		assert_string_equal(r->stage, table3[i].detect ?
		    "detect-respond-recover" : "identify-protect");
		assert_ptr_equal(medsec_catalog_find(cat, r->id), r);
	}
	assert_null(medsec_catalog_find(cat, "1.21"));
	medsec_catalog_free(cat);
}

static void
test_catalog_major_column_matches_table3(void **state)
{
	struct medsec_catalog *cat = builtin();
	size_t i;

	(void)state;
	for (i = 0; i < NTABLE3; i++)
		assert_int_equal(medsec_catalog_item(cat, i)->by_level[
		    MEDSEC_LEVEL_MAJOR], col(table3[i].cols[0]));
	medsec_catalog_free(cat);
}

static void
test_catalog_moderate_column_matches_table3(void **state)
{
	struct medsec_catalog *cat = builtin();
	size_t i;

	(void)state;
	for (i = 0; i < NTABLE3; i++)
		assert_int_equal(medsec_catalog_item(cat, i)->by_level[
		    MEDSEC_LEVEL_MODERATE], col(table3[i].cols[1]));
	medsec_catalog_free(cat);
}

static void
test_catalog_minor_column_matches_table3(void **state)
{
	struct medsec_catalog *cat = builtin();
	size_t i;

	(void)state;
	for (i = 0; i < NTABLE3; i++)
		assert_int_equal(medsec_catalog_item(cat, i)->by_level[
		    MEDSEC_LEVEL_MINOR], col(table3[i].cols[2]));
	medsec_catalog_free(cat);
}

static void
test_catalog_implantable_footnote_only_items_18_and_21(void **state)
{
	struct medsec_catalog *cat = builtin();
	const struct medsec_requirement *r;
	size_t i;

	(void)state;
	for (i = 0; i < medsec_catalog_count(cat); i++) {
		r = medsec_catalog_item(cat, i);
		assert_int_equal(r->implantable_may_exclude,
		    r->no == 18 || r->no == 21);
		if (r->implantable_may_exclude)
			assert_non_null(strstr(r->applicability_note,
			    "implantable"));
	}
	medsec_catalog_free(cat);
}

static void
test_catalog_items_carry_tags_mechanism_and_mappings(void **state)
{
	struct medsec_catalog *cat = builtin();
	const struct medsec_requirement *r;
	char tag[32];
	size_t i, k;

	(void)state;
	for (i = 0; i < medsec_catalog_count(cat); i++) {
		r = medsec_catalog_item(cat, i);
		snprintf(tag, sizeof(tag), "test_req_%s_", r->id);
		for (k = 0; tag[k] != '\0'; k++)
			if (tag[k] == '.')
				tag[k] = '_';
		assert_int_equal(r->test_tags.n, 1);
		assert_string_equal(r->test_tags.v[0], tag);
		assert_true(strlen(r->mechanism) > 0);
		assert_true(r->modules.n > 0);
		assert_true(r->verification.n > 0);
		assert_true(r->standards.n > 0);
		assert_true(r->mds2.n > 0);
		assert_true(r->fda.n > 0);
		/* 2.3 is a process item: 62443-4-1, not a 4-2 component CR. */
		assert_true(r->iec62443.n > 0 || strcmp(r->id, "2.3") == 0);
		assert_non_null(r->note);
	}
	medsec_catalog_free(cat);
}

static void
test_catalog_cites_table3_and_keeps_its_text(void **state)
{
	struct medsec_catalog *cat = builtin();
	const struct medsec_requirement *r;
	char want[64];
	size_t i;

	(void)state;
	for (i = 0; i < medsec_catalog_count(cat); i++) {
		r = medsec_catalog_item(cat, i);
		snprintf(want, sizeof(want), "MFDS 2020 guideline, Table 3, "
		    "no. %d;", r->no);
		assert_non_null(strstr(r->citation, want));
	}
	r = medsec_catalog_find(cat, "1.17");
	assert_non_null(strstr(r->text, "security level of 112-bit or "
	    "higher"));
	r = medsec_catalog_find(cat, "2.4");
	assert_non_null(strstr(r->text, "DDoS attack"));
	assert_non_null(strstr(r->applicability_note, "public network"));
	r = medsec_catalog_find(cat, "1.6");
	assert_non_null(strstr(r->checklist_text, "server of a medical "
	    "institution"));
	medsec_catalog_free(cat);
}

static void
test_catalog_file_loads_like_the_embedded_copy(void **state)
{
	struct medsec_catalog *a = builtin(), *b = NULL;
	struct medsec_config_error err;
	size_t i;

	(void)state;
	assert_int_equal(medsec_catalog_load(MEDSEC_SOURCE_DIR
	    "/data/mfds/2019-table3.json", &b, &err), MEDSEC_OK);
	assert_int_equal(medsec_catalog_count(a), medsec_catalog_count(b));
	for (i = 0; i < medsec_catalog_count(a); i++) {
		assert_string_equal(medsec_catalog_item(a, i)->title,
		    medsec_catalog_item(b, i)->title);
		assert_string_equal(medsec_catalog_item(a, i)->text,
		    medsec_catalog_item(b, i)->text);
	}
	medsec_catalog_free(a);
	medsec_catalog_free(b);
}

static void
test_catalog_rejects_unknown_field(void **state)
{
	(void)state;
	assert_refused("\"mechanism\":", "\"mechanisms\": \"x\", "
	    "\"mechanism\":", "mechanisms");
}

static void
test_catalog_rejects_missing_field(void **state)
{
	(void)state;
	assert_refused("\"summary\":", "\"summery\":", "summary");
}

static void
test_catalog_rejects_duplicate_id(void **state)
{
	(void)state;
	assert_refused("\"id\": \"1.2\"", "\"id\": \"1.1\"", "repeats");
}

static void
test_catalog_rejects_bad_applicability(void **state)
{
	(void)state;
	assert_refused("\"minor\": \"recommended\"", "\"minor\": \"optional\"",
	    "applicability");
}

static void
test_catalog_rejects_bad_stage(void **state)
{
	(void)state;
	assert_refused("\"identify-protect\"", "\"identify\"", "stage");
}

static void
test_catalog_rejects_syntax_error_with_line(void **state)
{
	struct medsec_catalog *cat = NULL;
	struct medsec_config_error err;
	size_t len;
	char *text = mutated("\"no\": 3,", "\"no\": 3,,", &len);

	(void)state;
	assert_int_equal(medsec_catalog_parse("t.json", text, len, &cat,
	    &err), MEDSEC_ERR_FORMAT);
	assert_true(err.line > 1);
	assert_string_equal(err.file, "t.json");
	free(text);
}

static void
test_catalog_unknown_builtin_name_not_found(void **state)
{
	struct medsec_catalog *cat = NULL;
	struct medsec_config_error err;

	(void)state;
	assert_int_equal(medsec_catalog_builtin("mfds-2030", &cat, &err),
	    MEDSEC_ERR_NOT_FOUND);
	assert_null(cat);
	assert_non_null(strstr(err.message, "mfds-2030"));
}

static void
test_catalog_level_and_applicability_names(void **state)
{
	(void)state;
	assert_string_equal(medsec_level_name(MEDSEC_LEVEL_MAJOR), "major");
	assert_string_equal(medsec_level_name(MEDSEC_LEVEL_MODERATE),
	    "moderate");
	assert_string_equal(medsec_level_name(MEDSEC_LEVEL_MINOR), "minor");
	assert_null(medsec_level_name(MEDSEC_LEVEL_NONE));
	assert_string_equal(medsec_applicability_name(
	    MEDSEC_APPLIC_MAY_EXCLUDE), "may-exclude");
	assert_string_equal(medsec_applicability_name(
	    MEDSEC_APPLIC_RECOMMENDED), "recommended");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_catalog_builtin_is_mfds_2019_table3_v2),
	cmocka_unit_test(test_catalog_numbers_and_stages_follow_table3),
	cmocka_unit_test(test_catalog_major_column_matches_table3),
	cmocka_unit_test(test_catalog_moderate_column_matches_table3),
	cmocka_unit_test(test_catalog_minor_column_matches_table3),
	cmocka_unit_test(test_catalog_implantable_footnote_only_items_18_and_21),
	cmocka_unit_test(test_catalog_items_carry_tags_mechanism_and_mappings),
	cmocka_unit_test(test_catalog_cites_table3_and_keeps_its_text),
	cmocka_unit_test(test_catalog_file_loads_like_the_embedded_copy),
	cmocka_unit_test(test_catalog_rejects_unknown_field),
	cmocka_unit_test(test_catalog_rejects_missing_field),
	cmocka_unit_test(test_catalog_rejects_duplicate_id),
	cmocka_unit_test(test_catalog_rejects_bad_applicability),
	cmocka_unit_test(test_catalog_rejects_bad_stage),
	cmocka_unit_test(test_catalog_rejects_syntax_error_with_line),
	cmocka_unit_test(test_catalog_unknown_builtin_name_not_found),
	cmocka_unit_test(test_catalog_level_and_applicability_names),
};

MEDSEC_TEST_MAIN(tests)
