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
#include "medsec-tools/compliance.h"
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
test_attack_s4_update_manifest_parse_survives_oom(void **state)
{
	static const size_t sizes[] = { 2000000, 7 };
	struct medsec_update_manifest *m = NULL;
	struct updates u;
	char pkg[160], err[256], *json = NULL;
	unsigned long k;
	int r = MEDSEC_ERR_NOMEM, injected;

	(void)state;
	updates_setup(&u, 1);
	updates_pack(&u, "oom", 1, "1.0.0", sizes, 2, pkg, sizeof(pkg));
	assert_int_equal(medsec_update_inspect(pkg, &m, &json, NULL, err,
			     sizeof(err)), MEDSEC_OK);
	medsec_update_manifest_free(m);
	/* Until a run needs fewer allocations than the one failed. */
	for (k = 1, injected = 1; injected && k < 100000; k++) {
		m = NULL;
		arm(k);
		r = medsec_update_manifest_parse(json, strlen(json), &m, err,
		    sizeof(err));
		injected = allocs >= k;
		disarm();
		if (r != MEDSEC_OK)
			assert_null(m);
		else {
			/* A tolerated failure must still give the whole. */
			assert_int_equal(m->n_files, 2);
			assert_int_equal(m->files[0].n_chunks, 2);
		}
		medsec_update_manifest_free(m);
	}
	assert_false(injected);
	assert_int_equal(r, MEDSEC_OK);
	assert_true(k > 10);
	free(json);
	updates_teardown(&u);
}

static void
test_attack_s4_update_trust_load_survives_oom(void **state)
{
	struct medsec_update_trust *t = NULL;
	struct updates u;
	char err[256];
	unsigned long k;
	int r = MEDSEC_ERR_NOMEM, injected;

	(void)state;
	updates_setup(&u, 1);
	for (k = 1, injected = 1; injected && k < 100000; k++) {
		t = NULL;
		arm(k);
		r = medsec_update_trust_load(u.trust, u.now_us, 0, &t, err,
		    sizeof(err));
		injected = allocs >= k;
		disarm();
		if (r != MEDSEC_OK)
			assert_null(t);
		else
			assert_int_equal(medsec_update_trust_keyset_version(t), 1);
		medsec_update_trust_free(t);
	}
	assert_false(injected);
	assert_int_equal(r, MEDSEC_OK);
	assert_true(k > 10);
	updates_teardown(&u);
}

static void
test_attack_s4_catalog_parse_survives_oom(void **state)
{
	struct medsec_catalog *cat = NULL;
	struct medsec_config_error err;
	char path[512];
	FILE *f;
	char *text;
	long len;
	unsigned long k;
	int r = MEDSEC_ERR_NOMEM, injected;

	(void)state;
	snprintf(path, sizeof(path), "%s/data/mfds/2019-table3.json",
	    MEDSEC_SOURCE_DIR);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	assert_non_null(text = malloc((size_t)len));
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (k = 1, injected = 1; injected && k < 1000000; k++) {
		cat = NULL;
		arm(k);
		r = medsec_catalog_parse("2019-table3.json", text, (size_t)len,
		    &cat, &err);
		injected = allocs >= k;
		disarm();
		if (r != MEDSEC_OK)
			assert_null(cat);
		else
			assert_int_equal(medsec_catalog_count(cat), 24);
		medsec_catalog_free(cat);
	}
	assert_false(injected);
	assert_int_equal(r, MEDSEC_OK);
	assert_true(k > 10);
	free(text);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_attack_s4_update_manifest_parse_survives_oom),
	cmocka_unit_test(test_attack_s4_update_trust_load_survives_oom),
	cmocka_unit_test(test_attack_s4_catalog_parse_survives_oom),
};

MEDSEC_TEST_MAIN(tests)
