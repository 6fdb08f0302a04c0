/*
 * Out of memory at every allocation of the JSON layer (jansson's
 * allocator hook) while parsing manifests and loading key sets: a clean
 * error, no crash, no leak (the sanitizer build checks), no partial
 * result (TESTING.md S4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "testmain.h"
#include "updates.h"
#include "medsec/err.h"
#include "medsec/update.h"

static unsigned long allocs, fail_at;

static void *
counting_malloc(size_t n)
{
	if (fail_at != 0 && ++allocs == fail_at)
		return NULL;
	return malloc(n);
}

static void
arm(unsigned long k)
{
	allocs = 0;
	fail_at = k;
	json_set_alloc_funcs(counting_malloc, free);
}

static void
disarm(void)
{
	fail_at = 0;
	json_set_alloc_funcs(malloc, free);
}

static void
test_update_manifest_parse_survives_oom(void **state)
{
	static const size_t sizes[] = { 2000000, 7 };
	struct medsec_update_manifest *m = NULL;
	struct updates u;
	char pkg[160], err[256], *json = NULL;
	unsigned long k;
	int r = MEDSEC_ERR_NOMEM;

	(void)state;
	updates_setup(&u, 1);
	updates_pack(&u, "oom", 1, "1.0.0", sizes, 2, pkg, sizeof(pkg));
	assert_int_equal(medsec_update_inspect(pkg, &m, &json, NULL, err,
			     sizeof(err)), MEDSEC_OK);
	medsec_update_manifest_free(m);
	for (k = 1; r != MEDSEC_OK && k < 10000; k++) {
		m = NULL;
		arm(k);
		r = medsec_update_manifest_parse(json, strlen(json), &m, err,
		    sizeof(err));
		disarm();
		if (r != MEDSEC_OK)
			assert_null(m);
		medsec_update_manifest_free(m);
	}
	assert_int_equal(r, MEDSEC_OK);
	assert_true(k > 2); /* some allocation really failed first */
	free(json);
	updates_teardown(&u);
}

static void
test_update_trust_load_survives_oom(void **state)
{
	struct medsec_update_trust *t = NULL;
	struct updates u;
	char err[256];
	unsigned long k;
	int r = MEDSEC_ERR_NOMEM;

	(void)state;
	updates_setup(&u, 1);
	for (k = 1; r != MEDSEC_OK && k < 10000; k++) {
		t = NULL;
		arm(k);
		r = medsec_update_trust_load(u.trust, u.now_us, 0, &t, err,
		    sizeof(err));
		disarm();
		if (r != MEDSEC_OK)
			assert_null(t);
		medsec_update_trust_free(t);
	}
	assert_int_equal(r, MEDSEC_OK);
	assert_true(k > 2);
	updates_teardown(&u);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_update_manifest_parse_survives_oom),
	cmocka_unit_test(test_update_trust_load_survives_oom),
};

MEDSEC_TEST_MAIN(tests)
