/*
 * Trust for updates: root.json (the device's anchor: root keys and their
 * threshold) and keyset.json (the signing keys, signed by root). Key set
 * signatures cover the canonical JSON (compact, sorted keys) of its
 * "signed" member, as written by medsec_update_keyset_write().
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "io/io.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "update/update_int.h"

static int
write_json(const char *path, json_t *root, char *err, size_t errlen)
{
	char dir[4096], *slash, *text;
	int r;

	if ((text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS)) == NULL)
		return MEDSEC_ERR_NOMEM;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	r = medsec_io_write_file_new(slash != NULL ? dir : ".",
	    slash != NULL ? slash + 1 : path, text, strlen(text), 0644);
	free(text);
	if (r != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "cannot write %s", path);
	return MEDSEC_OK;
}

static json_t *
keys_json(const struct medsec_pubkey *keys, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, update_pubkey_json(&keys[i])) !=
		    0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

int
medsec_update_root_write(const char *out_path, unsigned threshold,
    const struct medsec_pubkey *keys, size_t n_keys, char *err,
    size_t errlen)
{
	json_t *root;
	int r;

	if (out_path == NULL || keys == NULL || n_keys == 0 ||
	    n_keys > MEDSEC_UPDATE_KEYS_MAX || threshold == 0 ||
	    threshold > n_keys)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "root: 1..%d keys and a threshold between 1 and their "
		    "number", MEDSEC_UPDATE_KEYS_MAX);
	if ((root = json_pack("{s:s, s:i, s:i, s:o}", "type", "medsec-root",
	    "format", 1, "threshold", (int)threshold, "keys",
	    keys_json(keys, n_keys))) == NULL)
		return MEDSEC_ERR_NOMEM;
	r = write_json(out_path, root, err, errlen);
	json_decref(root);
	return r;
}

static json_t *
keyset_signed(uint64_t version, int64_t expires_us, unsigned threshold,
    const struct medsec_pubkey *keys, size_t n_keys,
    const char *const *revoked, size_t n_revoked)
{
	char expires[MEDSEC_RFC3339_LEN];
	json_t *rev = json_array();

	for (size_t i = 0; rev != NULL && i < n_revoked; i++)
		json_array_append_new(rev, json_string(revoked[i]));
	if (rev == NULL || medsec_time_format_digits(expires_us, 0, expires,
	    sizeof(expires)) != MEDSEC_OK) {
		json_decref(rev);
		return NULL;
	}
	return json_pack("{s:s, s:I, s:s, s:i, s:o, s:o}", "type",
	    "medsec-signing-keys", "version", (json_int_t)version, "expires",
	    expires, "threshold", (int)threshold, "keys",
	    keys_json(keys, n_keys), "revoked", rev);
}

int
medsec_update_keyset_write(const char *out_path, uint64_t version,
    int64_t expires_us, unsigned threshold,
    const struct medsec_pubkey *keys, size_t n_keys,
    const char *const *revoked, size_t n_revoked,
    const struct medsec_signkey *const *root_keys, size_t n_root,
    char *err, size_t errlen)
{
	struct update_sig sigs[MEDSEC_UPDATE_KEYS_MAX];
	json_t *signed_part = NULL, *doc = NULL, *sigarr = NULL;
	char *canon = NULL, hex[2 * MEDSEC_SIGN_LEN + 1];
	uint8_t msg[64];
	size_t msglen, i;
	int r = MEDSEC_ERR_NOMEM;

	if (n_keys == 0 || n_keys > MEDSEC_UPDATE_KEYS_MAX || threshold == 0 ||
	    threshold > n_keys || n_root == 0 ||
	    n_root > MEDSEC_UPDATE_KEYS_MAX || n_revoked > MEDSEC_UPDATE_KEYS_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "key set: 1..%d keys, threshold 1..keys, 1..%d root "
		    "signers", MEDSEC_UPDATE_KEYS_MAX, MEDSEC_UPDATE_KEYS_MAX);
	if ((signed_part = keyset_signed(version, expires_us, threshold, keys,
	    n_keys, revoked, n_revoked)) == NULL ||
	    (canon = json_dumps(signed_part, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL || (sigarr = json_array()) == NULL)
		goto out;
	if ((r = update_signed_message(KEYSET_SIG_CONTEXT, canon,
	    strlen(canon), msg, &msglen)) != MEDSEC_OK)
		goto out;
	for (i = 0; i < n_root; i++) {
		if ((r = medsec_signkey_sign(root_keys[i], msg, msglen,
		    sigs[i].sig)) != MEDSEC_OK)
			goto out;
		medsec_hex(sigs[i].sig, MEDSEC_SIGN_LEN, hex);
		json_array_append_new(sigarr, json_pack("{s:s, s:s}", "keyid",
		    medsec_signkey_public(root_keys[i])->key_id, "sig", hex));
	}
	if ((doc = json_pack("{s:O, s:O}", "signed", signed_part,
	    "signatures", sigarr)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	r = write_json(out_path, doc, err, errlen);
out:
	free(canon);
	json_decref(signed_part);
	json_decref(sigarr);
	json_decref(doc);
	return r;
}

/* Parses trust file text; what names the file in errors. */
static int
parse_json(const char *text, size_t len, const char *what, json_t **out,
    char *err, size_t errlen)
{
	json_error_t je;

	if (len > MEDSEC_UPDATE_TRUST_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "%s: over %u bytes", what, MEDSEC_UPDATE_TRUST_MAX);
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "%s: %s (line %d)", what, je.text, je.line);
	return MEDSEC_OK;
}

static int
read_trust_file(const char *dir, const char *name, uint8_t **bufp,
    size_t *lenp, char *err, size_t errlen)
{
	char path[4096];
	int r;

	if ((r = medsec_io_path(path, sizeof(path), dir, name)) != MEDSEC_OK)
		return r;
	if ((r = medsec_io_read_file(path, MEDSEC_UPDATE_TRUST_MAX, 0, bufp,
	    lenp)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "%s: %s", path,
		    medsec_strerror(r));
	return MEDSEC_OK;
}

static int
keys_from_json(json_t *arr, struct medsec_pubkey *keys, size_t *np)
{
	json_t *it;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > MEDSEC_UPDATE_KEYS_MAX)
		return MEDSEC_ERR_FORMAT;
	json_array_foreach(arr, i, it)
		if (update_pubkey_from_json(it, &keys[i]) != MEDSEC_OK)
			return MEDSEC_ERR_FORMAT;
	*np = json_array_size(arr);
	return MEDSEC_OK;
}

static int
parse_root(const char *text, size_t len, struct medsec_update_trust *t,
    char *err, size_t errlen)
{
	json_t *root = NULL, *keys;
	const char *type;
	int format, threshold, r = MEDSEC_ERR_FORMAT;

	if ((r = parse_json(text, len, "root.json", &root, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	if (json_unpack(root, "{s:s, s:i, s:i, s:o !}", "type", &type,
	    "format", &format, "threshold", &threshold, "keys", &keys) != 0 ||
	    strcmp(type, "medsec-root") != 0 || format != 1 ||
	    keys_from_json(keys, t->root, &t->n_root) != MEDSEC_OK ||
	    threshold < 1 || (size_t)threshold > t->n_root) {
		r = medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "root.json: not a valid medsec root key set");
		goto out;
	}
	t->root_threshold = (unsigned)threshold;
	r = MEDSEC_OK;
out:
	json_decref(root);
	return r;
}

static int
keyset_fields(json_t *sp, struct medsec_update_trust *t, char *err,
    size_t errlen)
{
	json_t *keys, *rev, *it;
	const char *type, *expires;
	json_int_t version;
	int threshold;
	size_t i;

	if (json_unpack(sp, "{s:s, s:I, s:s, s:i, s:o, s:o !}", "type", &type,
	    "version", &version, "expires", &expires, "threshold", &threshold,
	    "keys", &keys, "revoked", &rev) != 0 ||
	    strcmp(type, "medsec-signing-keys") != 0 || version < 1 ||
	    medsec_time_parse(expires, &t->keyset_expires_us) != MEDSEC_OK ||
	    keys_from_json(keys, t->keys, &t->n_keys) != MEDSEC_OK ||
	    threshold < 1 || (size_t)threshold > t->n_keys ||
	    !json_is_array(rev) || json_array_size(rev) > MEDSEC_UPDATE_KEYS_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "keyset.json: not a valid signing key set");
	json_array_foreach(rev, i, it) {
		if (!json_is_string(it) || strlen(json_string_value(it)) !=
		    MEDSEC_KEY_ID_LEN - 1)
			return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
			    "keyset.json: revoked entry %zu malformed", i + 1);
		snprintf(t->revoked[i], MEDSEC_KEY_ID_LEN, "%s",
		    json_string_value(it));
	}
	t->n_revoked = json_array_size(rev);
	t->threshold = (unsigned)threshold;
	t->keyset_version = (uint64_t)version;
	return MEDSEC_OK;
}

static int
parse_keyset(const char *text, size_t len, struct medsec_update_trust *t,
    int64_t now_us, uint64_t min_version, char *err, size_t errlen)
{
	struct update_sig sigs[MEDSEC_UPDATE_KEYS_MAX];
	json_t *doc = NULL, *sp, *sa, *wrap = NULL;
	char *canon = NULL, *sigtext = NULL;
	uint8_t msg[64];
	size_t msglen, nsigs = 0;
	unsigned valid;
	int r;

	if ((r = parse_json(text, len, "keyset.json", &doc, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	r = medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
	    "keyset.json: expected {\"signed\":{...},\"signatures\":[...]}");
	if (json_unpack(doc, "{s:o, s:o !}", "signed", &sp, "signatures", &sa)
	    != 0 || !json_is_object(sp))
		goto out;
	if ((canon = json_dumps(sp, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
	    (wrap = json_pack("{s:O}", "signatures", sa)) == NULL ||
	    (sigtext = json_dumps(wrap, JSON_COMPACT)) == NULL)
		goto out;
	if ((r = update_sigs_parse(sigtext, strlen(sigtext), sigs,
	    MEDSEC_UPDATE_KEYS_MAX, &nsigs, err, errlen)) != MEDSEC_OK ||
	    (r = keyset_fields(sp, t, err, errlen)) != MEDSEC_OK ||
	    (r = update_signed_message(KEYSET_SIG_CONTEXT, canon,
	    strlen(canon), msg, &msglen)) != MEDSEC_OK)
		goto out;
	valid = update_count_valid(t->root, t->n_root, NULL, 0, sigs, nsigs,
	    msg, msglen);
	if (valid < t->root_threshold)
		r = medsec_errf(err, errlen, MEDSEC_ERR_AUTH, "keyset.json: "
		    "%u valid root signature(s), %u required", valid,
		    t->root_threshold);
	else if (t->keyset_version < min_version)
		r = medsec_errf(err, errlen, MEDSEC_ERR_STATE, "keyset.json: "
		    "version %" PRIu64 " is older than version %" PRIu64
		    " already installed on this device (key set rollback "
		    "refused)", t->keyset_version, min_version);
	else if (now_us >= t->keyset_expires_us)
		r = medsec_errf(err, errlen, MEDSEC_ERR_EXPIRED,
		    "keyset.json: signing key set expired");
out:
	free(canon);
	free(sigtext);
	json_decref(wrap);
	json_decref(doc);
	return r;
}

int
medsec_update_trust_parse(const char *root_json, size_t root_len,
    const char *keyset_json, size_t keyset_len, int64_t now_us,
    uint64_t min_keyset_version, struct medsec_update_trust **tp, char *err,
    size_t errlen)
{
	struct medsec_update_trust *t;
	int r;

	if (tp == NULL)
		return MEDSEC_ERR_INVALID;
	*tp = NULL;
	if (root_json == NULL || keyset_json == NULL)
		return MEDSEC_ERR_INVALID;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = parse_root(root_json, root_len, t, err, errlen)) !=
	    MEDSEC_OK ||
	    (r = parse_keyset(keyset_json, keyset_len, t, now_us,
	    min_keyset_version, err, errlen)) != MEDSEC_OK) {
		free(t);
		return r;
	}
	*tp = t;
	return MEDSEC_OK;
}

int
medsec_update_trust_load(const char *dir, int64_t now_us,
    uint64_t min_keyset_version, struct medsec_update_trust **tp, char *err,
    size_t errlen)
{
	uint8_t *root = NULL, *keyset = NULL;
	size_t root_len = 0, keyset_len = 0;
	int r;

	if (tp == NULL)
		return MEDSEC_ERR_INVALID;
	*tp = NULL;
	if (dir == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = read_trust_file(dir, "root.json", &root, &root_len, err,
	    errlen)) == MEDSEC_OK &&
	    (r = read_trust_file(dir, "keyset.json", &keyset, &keyset_len, err,
	    errlen)) == MEDSEC_OK)
		r = medsec_update_trust_parse((const char *)root, root_len,
		    (const char *)keyset, keyset_len, now_us,
		    min_keyset_version, tp, err, errlen);
	free(root);
	free(keyset);
	return r;
}

void
medsec_update_trust_free(struct medsec_update_trust *t)
{
	free(t);
}

uint64_t
medsec_update_trust_keyset_version(const struct medsec_update_trust *t)
{
	return t != NULL ? t->keyset_version : 0;
}
