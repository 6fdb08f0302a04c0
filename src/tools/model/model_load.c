/*
 * Loading a model on the device: the manifest's signature first, then the
 * bytes of the model exactly as they will be used (hashed after reading,
 * so a file swapped after the check is never what runs), then the
 * dataset manifests the device keeps. The outcome is audited either way;
 * a model whose success record cannot be written is not handed out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "model/model_int.h"

static int
check_bytes(const struct medsec_model_manifest *m, const void *buf,
    size_t len, const char *path, struct medsec_config_error *err)
{
	char hex[65];
	int r;

	if ((uint64_t)len != m->size) {
		model_fail(err, "model", "%s: %zu bytes, the manifest says "
		    "%llu", path, len, (unsigned long long)m->size);
		return MEDSEC_ERR_TAMPERED;
	}
	if ((r = model_sha256_hex(buf, len, hex)) != MEDSEC_OK)
		return r;
	if (strcmp(hex, m->sha256) != 0) {
		model_fail(err, "model", "%s: SHA-256 %.16s..., the manifest "
		    "says %.16s...", path, hex, m->sha256);
		return MEDSEC_ERR_TAMPERED;
	}
	return MEDSEC_OK;
}

static int
check_dataset_file(const struct medsec_model_dataset *d, const char *dir,
    struct medsec_config_error *err)
{
	char path[4096], hex[65];
	void *buf;
	size_t len;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->file) >=
	    sizeof(path)) {
		model_fail(err, "dataset", "%s/%s: path too long", dir,
		    d->file);
		return MEDSEC_ERR_INVALID;
	}
	if ((r = model_read_file(path, MEDSEC_MODEL_DATA_MAX, &buf, &len,
	    err)) != MEDSEC_OK)
		return r;
	r = model_sha256_hex(buf, len, hex);
	free(buf);
	if (r == MEDSEC_OK && strcmp(hex, d->sha256) != 0) {
		model_fail(err, "dataset", "%s dataset %s %s: %s has SHA-256 "
		    "%.16s..., the manifest says %.16s...", d->role, d->name,
		    d->version, path, hex, d->sha256);
		r = MEDSEC_ERR_TAMPERED;
	}
	return r;
}

/* Every check; *buf and *len hold the verified model on success. */
static int
verify(const struct medsec_model_load_args *a, struct medsec_model_manifest
    *m, void **buf, size_t *len, struct medsec_config_error *err)
{
	void *text = NULL;
	size_t tlen, i;
	int r;

	if ((r = model_read_file(a->manifest_path, MEDSEC_MODEL_MANIFEST_MAX,
	    &text, &tlen, err)) != MEDSEC_OK)
		return r;
	r = medsec_model_manifest_parse(text, tlen, a->trusted, a->ntrusted,
	    m, err);
	free(text);
	if (r != MEDSEC_OK) {
		snprintf(err->file, sizeof(err->file), "%s", a->manifest_path);
		return r;
	}
	if (strcmp(model_base_name(a->model_path), m->file) != 0) {
		model_fail(err, "model", "%s: the manifest covers '%s'",
		    a->model_path, m->file);
		return MEDSEC_ERR_TAMPERED;
	}
	if ((r = model_read_file(a->model_path, MEDSEC_MODEL_FILE_MAX, buf,
	    len, err)) != MEDSEC_OK)
		return r;
	if ((r = check_bytes(m, *buf, *len, a->model_path, err)) != MEDSEC_OK)
		return r;
	for (i = 0; a->dataset_dir != NULL && i < m->ndatasets; i++)
		if ((r = check_dataset_file(&m->datasets[i], a->dataset_dir,
		    err)) != MEDSEC_OK)
			return r;
	return MEDSEC_OK;
}

static int
audit_outcome(const struct medsec_model_load_args *a,
    const struct medsec_model_manifest *m, int result,
    const struct medsec_config_error *err)
{
	struct medsec_audit_detail d;
	struct medsec_audit_event_in ev;
	const char *details;
	char object[MEDSEC_AUDIT_FIELD_MAX];
	int r;

	snprintf(object, sizeof(object), "model:%s",
	    model_base_name(a->model_path));
	medsec_audit_detail_init(&d);
	if (m->name[0] != '\0') {
		medsec_audit_detail_str(&d, "model", m->name);
		medsec_audit_detail_str(&d, "version", m->version);
		medsec_audit_detail_str(&d, "key_id", m->key_id);
		medsec_audit_detail_u64(&d, "datasets", m->ndatasets);
	}
	medsec_audit_detail_bool(&d, "datasets_checked",
	    a->dataset_dir != NULL && result == MEDSEC_OK);
	if (result != MEDSEC_OK)
		medsec_audit_detail_str(&d, "error", medsec_strerror(result));
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	ev = (struct medsec_audit_event_in){ result == MEDSEC_OK ?
	    MEDSEC_EV_INTEGRITY_OK : MEDSEC_EV_INTEGRITY_FAILURE,
	    a->actor != NULL ? a->actor : "device", "local", object,
	    result == MEDSEC_OK ? MEDSEC_AUDIT_SUCCESS : MEDSEC_AUDIT_FAILURE,
	    result == MEDSEC_OK ? "model and provenance verified" :
	    err->message, details };
	return medsec_audit_append(a->audit, &ev, NULL);
}

int
medsec_model_load(const struct medsec_model_load_args *a, void **model,
    size_t *len, struct medsec_model_manifest *out,
    struct medsec_config_error *err)
{
	struct medsec_model_manifest *m;
	void *buf = NULL;
	size_t blen = 0;
	int r, ra;

	*model = NULL;
	*len = 0;
	memset(err, 0, sizeof(*err));
	if (a->audit == NULL) {
		model_fail(err, "audit", "a model is loaded only with an audit "
		    "trail to record it");
		return MEDSEC_ERR_INVALID;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return MEDSEC_ERR_NOMEM;
	r = verify(a, m, &buf, &blen, err);
	ra = audit_outcome(a, m, r, err);
	if (r == MEDSEC_OK && ra != MEDSEC_OK) {
		model_fail(err, "audit", "model verified but its record could "
		    "not be written: %s", medsec_strerror(ra));
		r = ra;
	}
	if (r == MEDSEC_OK) {
		*model = buf;
		*len = blen;
		buf = NULL;
		if (out != NULL)
			*out = *m;
	}
	free(buf);
	free(m);
	return r;
}
