/*
 * Triage decisions (MFDS 2.3): checked before they are kept, found by id
 * or alias with the component's own decision first, and restored exactly
 * from the CycloneDX VEX they are written to; a refused VEX changes
 * nothing.
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
#include "medsec-tools/vuln.h"
#include "medsec/err.h"

static struct medsec_vex_decision
decision(const char *id, const char *ref, const char *state,
    const char *justification, const char *note)
{
	struct medsec_vex_decision d;

	memset(&d, 0, sizeof(d));
	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.ref, sizeof(d.ref), "%s", ref);
	snprintf(d.state, sizeof(d.state), "%s", state);
	snprintf(d.justification, sizeof(d.justification), "%s",
	    justification);
	snprintf(d.detail, sizeof(d.detail), "%s", note);
	snprintf(d.updated, sizeof(d.updated), "2026-12-02T10:00:00Z");
	return d;
}

static void
test_req_2_3_vex_decisions_checked(void **state)
{
	struct medsec_vex *v = NULL;
	struct medsec_config_error err;
	struct medsec_vex_decision d;

	(void)state;
	assert_int_equal(medsec_vex_new(&v), MEDSEC_OK);
	d = decision("CVE-2022-37434", "", "notaffected", "", "n");
	assert_int_equal(medsec_vex_set(v, &d, &err), MEDSEC_ERR_INVALID);
	assert_string_equal(err.key, "state");
	assert_non_null(strstr(err.message, "'notaffected'"));
	d = decision("CVE-2022-37434", "", "not_affected", "", "n");
	assert_int_equal(medsec_vex_set(v, &d, &err), MEDSEC_ERR_INVALID);
	assert_string_equal(err.key, "justification");
	d = decision("CVE-2022-37434", "", "in_triage", "", "");
	assert_int_equal(medsec_vex_set(v, &d, &err), MEDSEC_ERR_INVALID);
	assert_string_equal(err.key, "note");
	d = decision("CVE 1", "", "in_triage", "", "n");
	assert_int_equal(medsec_vex_set(v, &d, &err), MEDSEC_ERR_INVALID);
	assert_string_equal(err.key, "id");
	assert_int_equal(medsec_vex_count(v), 0);
	medsec_vex_free(v);
}

static void
test_req_2_3_vex_find_by_alias_component_first(void **state)
{
	struct medsec_vex *v = NULL;
	struct medsec_vex_decision a = decision("CVE-2022-37434", "",
	    "exploitable", "", "all"), b = decision("CVE-2022-37434", "zlib-1",
	    "not_affected", "code_not_reachable", "this one");
	const struct medsec_vex_decision *d;

	(void)state;
	assert_int_equal(medsec_vex_new(&v), MEDSEC_OK);
	assert_int_equal(medsec_vex_set(v, &a, NULL), MEDSEC_OK);
	assert_int_equal(medsec_vex_set(v, &b, NULL), MEDSEC_OK);
	d = medsec_vex_find(v, "DSA-5218-1", "CVE-2022-37434", "zlib-1");
	assert_non_null(d);
	assert_string_equal(d->state, "not_affected");
	d = medsec_vex_find(v, "DSA-5218-1", "CVE-2099-1, CVE-2022-37434",
	    "zlib-2");
	assert_non_null(d);
	assert_string_equal(d->state, "exploitable");
	assert_null(medsec_vex_find(v, "DSA-5218-1", "CVE-2022-3743", "x"));
	/* Same id and ref: replaced, not added. */
	b = decision("CVE-2022-37434", "zlib-1", "resolved", "", "upgraded");
	assert_int_equal(medsec_vex_set(v, &b, NULL), MEDSEC_OK);
	assert_int_equal(medsec_vex_count(v), 2);
	medsec_vex_free(v);
}

static void
test_req_2_3_vex_cyclonedx_round_trip(void **state)
{
	struct medsec_vex *v = NULL, *back = NULL;
	struct medsec_vex_decision d[3] = {
		decision("CVE-2022-37434", "zlib-1", "not_affected",
		    "code_not_reachable", "inflateGetHeader unused"),
		decision("DSA-5218-1", "", "exploitable", "", "fix in 2.3.1"),
		decision("x_LOCAL-1", "app", "false_positive", "", "\"quoted\""),
	};
	char *json = NULL;

	(void)state;
	snprintf(d[1].response, sizeof(d[1].response), "update");
	snprintf(d[1].recommendation, sizeof(d[1].recommendation),
	    "Upgrade zlib.");
	assert_int_equal(medsec_vex_new(&v), MEDSEC_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(medsec_vex_set(v, &d[i], NULL), MEDSEC_OK);
	assert_int_equal(medsec_vex_cyclonedx(v, "2026-12-02T10:00:00Z",
	    &json), MEDSEC_OK);
	assert_int_equal(medsec_vex_new(&back), MEDSEC_OK);
	assert_int_equal(medsec_vex_load(back, json, strlen(json), NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_vex_count(back), 3);
	for (int i = 0; i < 3; i++)
		assert_memory_equal(medsec_vex_get(back, (size_t)i), &d[i],
		    sizeof(d[i]));
	free(json);
	medsec_vex_free(back);
	medsec_vex_free(v);
}

static void
test_req_2_3_vex_refused_load_changes_nothing(void **state)
{
	static const char bad[] = "{\"bomFormat\":\"CycloneDX\","
	    "\"vulnerabilities\":[{\"id\":\"CVE-2022-37434\",\"analysis\":{"
	    "\"state\":\"resolved\",\"detail\":\"ok\"},\"affects\":[{\"ref\":"
	    "\"urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#zlib-1\"}]},"
	    "{\"id\":\"CVE-2023-0286\",\"analysis\":{\"state\":\"unknown\","
	    "\"detail\":\"x\"}}]}";
	static const char good[] = "{\"bomFormat\":\"CycloneDX\","
	    "\"vulnerabilities\":[{\"id\":\"CVE-2022-37434\",\"analysis\":{"
	    "\"state\":\"resolved\",\"detail\":\"ok\"},\"affects\":[{\"ref\":"
	    "\"urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#zlib-1\"}]}]}";
	struct medsec_vex *v = NULL;
	struct medsec_config_error err;

	(void)state;
	assert_int_equal(medsec_vex_new(&v), MEDSEC_OK);
	assert_int_equal(medsec_vex_load(v, bad, strlen(bad), &err),
	    MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err.message, "'unknown'"));
	assert_int_equal(medsec_vex_count(v), 0);
	/* A BOM-Link keeps the component's bom-ref. */
	assert_int_equal(medsec_vex_load(v, good, strlen(good), &err),
	    MEDSEC_OK);
	assert_int_equal(medsec_vex_count(v), 1);
	assert_string_equal(medsec_vex_get(v, 0)->ref, "zlib-1");
	medsec_vex_free(v);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_3_vex_decisions_checked),
	cmocka_unit_test(test_req_2_3_vex_find_by_alias_component_first),
	cmocka_unit_test(test_req_2_3_vex_cyclonedx_round_trip),
	cmocka_unit_test(test_req_2_3_vex_refused_load_changes_nothing),
};

MEDSEC_TEST_MAIN(tests)
