/*
 * medsec model: integrity and provenance of a device's trained model
 * (MFDS 2025 security rules for digital medical devices: protection of an
 * AI device against data manipulation).
 *
 * The manufacturer signs a model manifest at release: the model file's
 * SHA-256 and size, and the provenance of the data it was trained and
 * validated on (per dataset: role, name, version, date and the SHA-256
 * of the dataset's own manifest file). The device loads a model only
 * through medsec_model_load(), which verifies the signature with the
 * trusted keys, hashes the very bytes it returns, checks each dataset
 * manifest present on the device, and writes the outcome to the audit
 * trail (INTEGRITY_OK or INTEGRITY_FAILURE). The text format is
 * docs/formats/model-manifest.md.
 *
 * Part of libmedsec-tools (pkg-config medsec-tools).
 */
#ifndef MEDSEC_TOOLS_MODEL_H
#define MEDSEC_TOOLS_MODEL_H

#include "medsec/audit.h"
#include "medsec/base.h"
#include "medsec/err.h"
#include "medsec/signkey.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_MODEL_DATASETS_MAX 16
#define MEDSEC_MODEL_TEXT_MAX 128	     /* bytes of a name or file */
#define MEDSEC_MODEL_WORD_MAX 64	     /* bytes of a version */
#define MEDSEC_MODEL_FILE_MAX (256u << 20)   /* bytes of a model file */
#define MEDSEC_MODEL_DATA_MAX (64u << 20)    /* bytes of a dataset manifest */
#define MEDSEC_MODEL_MANIFEST_MAX (64u << 10) /* bytes of a model manifest */
#define MEDSEC_MODEL_TRUSTED_MAX 16

/* Where a dataset was used. */
#define MEDSEC_MODEL_ROLES "training, validation, test"

/* One dataset of the model's provenance. */
struct medsec_model_dataset {
	char role[16];				/* MEDSEC_MODEL_ROLES */
	char name[MEDSEC_MODEL_TEXT_MAX];
	char version[MEDSEC_MODEL_WORD_MAX];
	char date[16];				/* YYYY-MM-DD */
	char file[MEDSEC_MODEL_TEXT_MAX];	/* its manifest, a base name */
	char sha256[65];			/* of that file, lower-case hex */
};

/*
 * A model manifest. Text fields are UTF-8 without control characters or
 * ';', without blanks at either end; files are base names.
 */
struct medsec_model_manifest {
	char name[MEDSEC_MODEL_TEXT_MAX];
	char version[MEDSEC_MODEL_WORD_MAX];
	char file[MEDSEC_MODEL_TEXT_MAX];	/* the model, a base name */
	uint64_t size;
	char sha256[65];
	char created[32];			/* YYYY-MM-DDTHH:MM:SSZ */
	size_t ndatasets;			/* at least one training set */
	struct medsec_model_dataset datasets[MEDSEC_MODEL_DATASETS_MAX];
	char signer[MEDSEC_SIGNKEY_NAME_MAX];	/* set when signed or parsed */
	char key_id[MEDSEC_KEY_ID_LEN];
};

/*
 * Signs a manifest: m gives the model's name and version, created, and
 * each dataset's role, name, version and date; the files' hashes (and the
 * model's size and base names) are computed here from model_path and
 * dataset_paths[i] (one per dataset). *out (free()) receives the text.
 * MEDSEC_ERR_INVALID with err->key naming the field and err->message its
 * value when a field is refused; file errors name the file.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_model_manifest_sign(struct medsec_model_manifest *m,
    const char *model_path, const char *const *dataset_paths,
    const struct medsec_signkey *key, char **out, size_t *outlen,
    struct medsec_config_error *err);

/*
 * Parses a manifest's text (untrusted) and verifies its signature with
 * the trusted key whose id it names: MEDSEC_ERR_FORMAT (err->line) for
 * malformed text, MEDSEC_ERR_AUTH when no trusted key has that id or the
 * signature does not verify. m is filled only on success.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_model_manifest_parse(const char *text, size_t len,
    const struct medsec_pubkey *trusted, size_t ntrusted,
    struct medsec_model_manifest *m, struct medsec_config_error *err);

/* Where a model is loaded and who asks. */
struct medsec_model_load_args {
	const char *manifest_path;
	const char *model_path;
	/* Directory of the dataset manifests on the device; NULL when the
	 * device keeps none (provenance then rests on the signature). */
	const char *dataset_dir;
	const struct medsec_pubkey *trusted;
	size_t ntrusted;
	struct medsec_audit *audit; /* required */
	const char *actor;
};

/*
 * Loads a model for use: verifies the manifest's signature, reads the
 * model file (no symlink, a regular file within MEDSEC_MODEL_FILE_MAX),
 * hashes the bytes read and compares size and hash, and with dataset_dir
 * checks every dataset manifest's hash. Every outcome is audited: a
 * refused model as INTEGRITY_FAILURE (object "model:<file>", the reason
 * in err->message), a verified one as INTEGRITY_OK. *model (free()) and
 * *len receive the verified bytes only when the record was written; a
 * trail that cannot take the record refuses the model. MEDSEC_ERR_AUTH
 * (signature), MEDSEC_ERR_TAMPERED (model or dataset does not match),
 * MEDSEC_ERR_FORMAT, MEDSEC_ERR_NOT_FOUND, MEDSEC_ERR_PERMISSION (a
 * symlink), MEDSEC_ERR_TOO_LARGE, or the trail's error.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_model_load(const struct medsec_model_load_args *a, void **model,
    size_t *len, struct medsec_model_manifest *m,
    struct medsec_config_error *err);

#ifdef __cplusplus
}
#endif
#endif
