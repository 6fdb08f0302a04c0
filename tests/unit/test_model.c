/*
 * Model integrity and provenance (MFDS 2025 rules: protection of an AI
 * device against data manipulation): a signed model manifest, and a load
 * that refuses and audits a model whose file or provenance does not
 * verify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "testmain.h"
#include "medsec-tools/model.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/signkey.h"

struct env {
	struct fixture f;
	struct medsec_audit *a;
	struct medsec_signkey *key, *other;
	char model[400], data[400], train[450], valid[450], manifest[400];
	struct medsec_config_error err;
};

static void
put(const char *path, const char *text)
{
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	long n;

	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
fill_manifest(struct medsec_model_manifest *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "ecg-arrhythmia");
	snprintf(m->version, sizeof(m->version), "2.1.0");
	snprintf(m->created, sizeof(m->created), "2026-12-01T09:00:00Z");
	m->ndatasets = 2;
	snprintf(m->datasets[0].role, sizeof(m->datasets[0].role), "training");
	snprintf(m->datasets[0].name, sizeof(m->datasets[0].name),
	    "ward-ecg");
	snprintf(m->datasets[0].version, sizeof(m->datasets[0].version),
	    "2026.3");
	snprintf(m->datasets[0].date, sizeof(m->datasets[0].date),
	    "2026-09-30");
	snprintf(m->datasets[1].role, sizeof(m->datasets[1].role),
	    "validation");
	snprintf(m->datasets[1].name, sizeof(m->datasets[1].name),
	    "holdout-ecg");
	snprintf(m->datasets[1].version, sizeof(m->datasets[1].version), "7");
	snprintf(m->datasets[1].date, sizeof(m->datasets[1].date),
	    "2026-10-15");
}

/* Signs env's model and datasets into env->manifest. */
static int
sign_to_file(struct env *e, struct medsec_model_manifest *m)
{
	const char *paths[] = { e->train, e->valid };
	char *text = NULL;
	size_t len = 0;
	int r;

	r = medsec_model_manifest_sign(m, e->model, paths, e->key, &text,
	    &len, &e->err);
	if (r == MEDSEC_OK) {
		put(e->manifest, text);
		assert_int_equal(strlen(text), len);
	}
	free(text);
	return r;
}

static struct env *
env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));
	struct medsec_model_manifest m;

	assert_non_null(e);
	fixture_setup(&e->f, 1000, 16u << 20);
	assert_int_equal(medsec_audit_open(e->f.audit, e->f.ks, &e->f.opts,
	    &e->a, NULL), MEDSEC_OK);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519,
	    "mfr-release", &e->key), MEDSEC_OK);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519,
	    "someone-else", &e->other), MEDSEC_OK);
	snprintf(e->model, sizeof(e->model), "%s/model.onnx", e->f.root);
	snprintf(e->data, sizeof(e->data), "%s/data", e->f.root);
	snprintf(e->train, sizeof(e->train), "%s/train.manifest", e->data);
	snprintf(e->valid, sizeof(e->valid), "%s/valid.manifest", e->data);
	snprintf(e->manifest, sizeof(e->manifest), "%s/model.manifest",
	    e->f.root);
	assert_int_equal(mkdir(e->data, 0700), 0);
	put(e->model, "ONNX weights: 0.12 0.98 -0.33 1.75\n");
	put(e->train, "rec-0001.dat 9f86d081884c7d65\nrec-0002.dat "
	    "60303ae22b998861\n");
	put(e->valid, "hold-0001.dat fd61a03af4f77d87\n");
	fill_manifest(&m);
	assert_int_equal(sign_to_file(e, &m), MEDSEC_OK);
	return e;
}

static void
env_free(struct env *e)
{
	if (e->a != NULL)
		assert_int_equal(medsec_audit_close(e->a), MEDSEC_OK);
	medsec_signkey_free(e->key);
	medsec_signkey_free(e->other);
	fixture_teardown(&e->f);
	free(e);
}

static int
load(struct env *e, const struct medsec_pubkey *trusted, const char *datadir,
    void **model, size_t *len)
{
	struct medsec_model_load_args a = { e->manifest, e->model, datadir,
		trusted, 1, e->a, "device" };

	return medsec_model_load(&a, model, len, NULL, &e->err);
}

/* Closes the trail and counts records of event on object whose reason
 * contains needle (NULL: any). */
static size_t
count_records(struct env *e, int event, const char *needle)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	size_t n = 0;

	if (e->a != NULL) {
		assert_int_equal(medsec_audit_close(e->a), MEDSEC_OK);
		e->a = NULL;
	}
	assert_int_equal(medsec_audit_reader_open(e->f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		if (rec.event == event && strcmp(rec.object,
		    "model:model.onnx") == 0 && (needle == NULL ||
		    strstr(rec.reason, needle) != NULL))
			n++;
	medsec_audit_reader_close(rd);
	return n;
}

static void
test_req_2_2_model_verified_load_returns_bytes_and_audits(void **state)
{
	struct env *e = env_new();
	struct medsec_model_load_args a;
	struct medsec_model_manifest m;
	void *model = NULL;
	size_t len = 0;

	(void)state;
	a = (struct medsec_model_load_args){ e->manifest, e->model, e->data,
		medsec_signkey_public(e->key), 1, e->a, "device" };
	assert_int_equal(medsec_model_load(&a, &model, &len, &m, &e->err),
	    MEDSEC_OK);
	assert_int_equal(len, strlen("ONNX weights: 0.12 0.98 -0.33 1.75\n"));
	assert_memory_equal(model, "ONNX weights: 0.12 0.98 -0.33 1.75\n",
	    len);
	assert_string_equal(m.name, "ecg-arrhythmia");
	assert_int_equal(m.ndatasets, 2);
	assert_string_equal(m.datasets[0].role, "training");
	assert_string_equal(m.datasets[0].file, "train.manifest");
	assert_string_equal(m.datasets[1].date, "2026-10-15");
	assert_string_equal(m.signer, "mfr-release");
	free(model);
	assert_int_equal(count_records(e, MEDSEC_EV_INTEGRITY_OK,
	    "model and provenance verified"), 1);
	assert_int_equal(count_records(e, MEDSEC_EV_INTEGRITY_FAILURE, NULL),
	    0);
	env_free(e);
}

static void
test_req_2_2_model_altered_file_refused_and_audited(void **state)
{
	struct env *e = env_new();
	void *model = (void *)1;
	size_t len = 1;

	(void)state;
	put(e->model, "ONNX weights: 0.12 0.98 -0.33 9.75\n");
	assert_int_equal(load(e, medsec_signkey_public(e->key), NULL, &model,
	    &len), MEDSEC_ERR_TAMPERED);
	assert_null(model);
	assert_int_equal(len, 0);
	assert_non_null(strstr(e->err.message, "model.onnx: SHA-256"));
	put(e->model, "ONNX weights\n");
	assert_int_equal(load(e, medsec_signkey_public(e->key), NULL, &model,
	    &len), MEDSEC_ERR_TAMPERED);
	assert_non_null(strstr(e->err.message, "13 bytes, the manifest says "
	    "35"));
	assert_int_equal(unlink(e->model), 0);
	assert_int_equal(symlink(e->train, e->model), 0);
	assert_int_equal(load(e, medsec_signkey_public(e->key), NULL, &model,
	    &len), MEDSEC_ERR_PERMISSION);
	assert_null(model);
	assert_int_equal(count_records(e, MEDSEC_EV_INTEGRITY_FAILURE, NULL),
	    3);
	assert_int_equal(count_records(e, MEDSEC_EV_INTEGRITY_OK, NULL), 0);
	env_free(e);
}

/* Provenance: a changed dataset entry breaks the signature, a changed
 * dataset manifest on the device breaks its hash, and a manifest signed
 * by another key is not trusted. */
static void
test_req_2_2_model_altered_provenance_refused_and_audited(void **state)
{
	struct env *e = env_new();
	char *text, *p;
	void *model = NULL;
	size_t len;

	(void)state;
	put(e->valid, "hold-0001.dat 0000000000000000\n");
	assert_int_equal(load(e, medsec_signkey_public(e->key), e->data,
	    &model, &len), MEDSEC_ERR_TAMPERED);
	assert_non_null(strstr(e->err.message, "validation dataset "
	    "holdout-ecg 7"));
	/* Without the dataset manifests on the device the signature alone
	 * vouches for the provenance. */
	assert_int_equal(load(e, medsec_signkey_public(e->key), NULL, &model,
	    &len), MEDSEC_OK);
	free(model);
	model = NULL;

	text = slurp(e->manifest, &len);
	assert_non_null(p = strstr(text, ";2026.3;"));
	memcpy(p, ";2026.4;", 8);
	put(e->manifest, text);
	free(text);
	assert_int_equal(load(e, medsec_signkey_public(e->key), NULL, &model,
	    &len), MEDSEC_ERR_AUTH);
	assert_non_null(strstr(e->err.message, "does not verify"));
	assert_null(model);

	assert_int_equal(load(e, medsec_signkey_public(e->other), NULL, &model,
	    &len), MEDSEC_ERR_AUTH);
	assert_non_null(strstr(e->err.message, "not trusted"));
	assert_int_equal(count_records(e, MEDSEC_EV_INTEGRITY_FAILURE, NULL),
	    3);
	assert_int_equal(count_records(e, MEDSEC_EV_INTEGRITY_OK, NULL), 1);
	env_free(e);
}

static void
test_req_2_2_model_load_without_audit_refused(void **state)
{
	struct env *e = env_new();
	struct medsec_model_load_args a;
	void *model = NULL;
	size_t len = 0;

	(void)state;
	a = (struct medsec_model_load_args){ e->manifest, e->model, NULL,
		medsec_signkey_public(e->key), 1, NULL, "device" };
	assert_int_equal(medsec_model_load(&a, &model, &len, NULL, &e->err),
	    MEDSEC_ERR_INVALID);
	assert_null(model);
	assert_string_equal(e->err.key, "audit");
	env_free(e);
}

static void
test_model_sign_refuses_bad_fields_naming_them(void **state)
{
	struct env *e = env_new();
	struct medsec_model_manifest m;

	(void)state;
	fill_manifest(&m);
	snprintf(m.datasets[1].date, sizeof(m.datasets[1].date), "2026-13-01");
	assert_int_equal(sign_to_file(e, &m), MEDSEC_ERR_INVALID);
	assert_string_equal(e->err.key, "dataset 2");
	assert_non_null(strstr(e->err.message, "date '2026-13-01'"));
	fill_manifest(&m);
	snprintf(m.datasets[0].role, sizeof(m.datasets[0].role), "test");
	snprintf(m.datasets[1].role, sizeof(m.datasets[1].role), "test");
	assert_int_equal(sign_to_file(e, &m), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(e->err.message, "no training dataset"));
	fill_manifest(&m);
	snprintf(m.name, sizeof(m.name), "ecg;arrhythmia");
	assert_int_equal(sign_to_file(e, &m), MEDSEC_ERR_INVALID);
	assert_string_equal(e->err.key, "name");
	assert_non_null(strstr(e->err.message, "'ecg;arrhythmia'"));
	fill_manifest(&m);
	snprintf(m.datasets[0].role, sizeof(m.datasets[0].role), "tuning");
	assert_int_equal(sign_to_file(e, &m), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(e->err.message, "role 'tuning'"));
	env_free(e);
}

static void
test_model_manifest_malformed_refused_naming_line(void **state)
{
	static const struct {
		const char *from, *to;
		int line;
	} cases[] = {
		{ "medsec-model-manifest 1", "medsec-model-manifest 2", 1 },
		{ "\nversion=", "\nrevision=", 3 },
		{ "\nsize=35", "\nsize=3x", 5 },
		{ "dataset=validation;", "dataset=validation:", 9 },
		{ "\nsigner=", "\nsigned=", 10 },
	};
	struct env *e = env_new();
	struct medsec_model_manifest m;
	char *text, *bad, *p;
	size_t len, i;

	(void)state;
	text = slurp(e->manifest, &len);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(bad = calloc(1, len + 1));
		memcpy(bad, text, len);
		assert_non_null(p = strstr(bad, cases[i].from));
		memcpy(p, cases[i].to, strlen(cases[i].to));
		assert_int_equal(medsec_model_manifest_parse(bad, len,
		    medsec_signkey_public(e->key), 1, &m, &e->err),
		    MEDSEC_ERR_FORMAT);
		assert_int_equal(e->err.line, cases[i].line);
		free(bad);
	}
	assert_int_equal(medsec_model_manifest_parse(text, len - 1,
	    medsec_signkey_public(e->key), 1, &m, &e->err), MEDSEC_ERR_FORMAT);
	assert_int_equal(medsec_model_manifest_parse(text, len,
	    medsec_signkey_public(e->key), 1, &m, &e->err), MEDSEC_OK);
	free(text);
	env_free(e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_2_model_verified_load_returns_bytes_and_audits),
	cmocka_unit_test(test_req_2_2_model_altered_file_refused_and_audited),
	cmocka_unit_test(test_req_2_2_model_altered_provenance_refused_and_audited),
	cmocka_unit_test(test_req_2_2_model_load_without_audit_refused),
	cmocka_unit_test(test_model_sign_refuses_bad_fields_naming_them),
	cmocka_unit_test(test_model_manifest_malformed_refused_naming_line),
};

MEDSEC_TEST_MAIN(tests)
