/*
 * The update manifest: canonical JSON (compact, sorted keys), written by
 * pack and parsed strictly (every member known, typed and bounded) by
 * every reader.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "update/update_int.h"

void
update_files_free(struct medsec_update_file *files, size_t n)
{
	if (files == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(files[i].chunks);
	free(files);
}

void
medsec_update_manifest_free(struct medsec_update_manifest *m)
{
	if (m == NULL)
		return;
	/* Entries past n_files were never filled: calloc'd, chunks NULL. */
	update_files_free(m->files, m->n_alloc);
	free(m);
}

static json_t *
chunks_json(const struct medsec_update_file *f)
{
	char hex[65];
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < f->n_chunks; i++) {
		medsec_hex(f->chunks[i], 32, hex);
		if (json_array_append_new(arr, json_string(hex)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int
time_text(int64_t us, char buf[MEDSEC_RFC3339_LEN])
{
	return medsec_time_format_digits(us, 0, buf, MEDSEC_RFC3339_LEN);
}

static json_t *
files_json(const struct medsec_update_pack_args *a,
    const struct medsec_update_file *files)
{
	char hex[65], mode[8];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < a->n_files; i++) {
		medsec_hex(files[i].sha256, 32, hex);
		snprintf(mode, sizeof(mode), "%04o", files[i].mode);
		if (json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:s, "
		    "s:i, s:o}", "name", files[i].name, "size",
		    (json_int_t)files[i].size, "mode", mode, "sha256", hex,
		    "chunk", (int)MEDSEC_UPDATE_CHUNK, "chunks",
		    chunks_json(&files[i]))) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

char *
update_manifest_build(const struct medsec_update_pack_args *a,
    const struct medsec_update_file *files, char *err, size_t errlen)
{
	char built[MEDSEC_RFC3339_LEN], expires[MEDSEC_RFC3339_LEN], *out;
	json_t *root, *hw = json_array();
	size_t i;

	for (i = 0; hw != NULL && i < a->n_hardware; i++)
		json_array_append_new(hw, json_string(a->hardware[i]));
	if (hw == NULL || time_text(medsec_clock_wall_us(), built) != MEDSEC_OK ||
	    time_text(a->expires_us, expires) != MEDSEC_OK) {
		json_decref(hw);
		medsec_errf(err, errlen, MEDSEC_ERR_INVALID, "bad time");
		return NULL;
	}
	root = json_pack("{s:i, s:s, s:o, s:s, s:I, s:s, s:s, s:s, "
	    "s:{s:s, s:s}, s:o, s:s}", "format", MEDSEC_UPDATE_FORMAT,
	    "product", a->product, "hardware", hw, "version", a->version,
	    "security_counter", (json_int_t)a->security_counter, "built", built,
	    "expires", expires, "hash", "sha256", "distributor", "name",
	    a->distributor, "keyid", a->distributor_key, "files",
	    files_json(a, files), "downgrade_of",
	    a->downgrade_of != NULL ? a->downgrade_of : "");
	if (root == NULL) {
		medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "cannot build the manifest (bad field)");
		return NULL;
	}
	out = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return out;
}

static int
valid_label(const char *s, size_t max)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n >= max)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

/* MAJOR.MINOR.PATCH with an optional -prerelease of [0-9A-Za-z.-]. */
static int
valid_semver(const char *v)
{
	int parts = 0, digits = 0;

	if (v == NULL || strlen(v) >= 32)
		return 0;
	for (; *v != '\0' && *v != '-'; v++) {
		if (*v == '.') {
			if (digits == 0)
				return 0;
			parts++;
			digits = 0;
		} else if (*v >= '0' && *v <= '9')
			digits++;
		else
			return 0;
	}
	if (digits == 0 || parts != 2)
		return 0;
	if (*v == '-')
		return valid_label(v + 1, 31);
	return 1;
}

static int
parse_time(const char *s, int64_t *us)
{
	return s != NULL && medsec_time_parse(s, us) == MEDSEC_OK;
}

static int
parse_chunks(json_t *arr, struct medsec_update_file *f, char *err,
    size_t errlen)
{
	uint64_t want = (f->size + MEDSEC_UPDATE_CHUNK - 1) /
	    MEDSEC_UPDATE_CHUNK;
	json_t *it;
	size_t i;

	if (json_array_size(arr) != want)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %s: %zu chunk hashes for %" PRIu64 " chunks",
		    f->name, json_array_size(arr), want);
	if (want > 0 && (f->chunks = calloc((size_t)want, 32)) == NULL)
		return MEDSEC_ERR_NOMEM;
	json_array_foreach(arr, i, it) {
		if (!json_is_string(it) ||
		    strlen(json_string_value(it)) != 64 ||
		    medsec_unhex(json_string_value(it), f->chunks[i], 32) !=
		    MEDSEC_OK)
			return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
			    "file %s: chunk hash %zu malformed", f->name,
			    i + 1);
	}
	f->n_chunks = (size_t)want;
	return MEDSEC_OK;
}

static int
parse_file(json_t *o, struct medsec_update_file *f, char *err, size_t errlen,
    size_t idx)
{
	const char *name, *mode, *sha;
	json_int_t size, chunk;
	json_t *chunks;
	char *end;
	unsigned long m;

	if (json_unpack(o, "{s:s, s:I, s:s, s:s, s:I, s:o !}", "name", &name,
	    "size", &size, "mode", &mode, "sha256", &sha, "chunk", &chunk,
	    "chunks", &chunks) != 0 || !json_is_array(chunks))
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %zu: expected name, size, mode, sha256, chunk, "
		    "chunks", idx + 1);
	if (chunk != MEDSEC_UPDATE_CHUNK)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %zu: chunk size must be %u", idx + 1,
		    MEDSEC_UPDATE_CHUNK);
	/* Bounded by the manifest size: no file can claim more chunks. */
	if (size < 0 || (uint64_t)size / MEDSEC_UPDATE_CHUNK >
	    MEDSEC_UPDATE_MANIFEST_MAX / 64)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %zu: size out of range", idx + 1);
	if (!update_valid_name(name))
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %zu: unsafe name (absolute, '..', empty component "
		    "or bad character)", idx + 1);
	if (size < 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %s: negative size", name);
	m = strtoul(mode, &end, 8);
	/* Plain permission bits: no setuid, setgid or sticky files. */
	if (strlen(mode) != 4 || *end != '\0' || m > 0777)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %s: mode '%s' not a plain permission (0000-0777)",
		    name, mode);
	if (strlen(sha) != 64 || medsec_unhex(sha, f->sha256, 32) != MEDSEC_OK)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "file %s: sha256 is not 64 hex digits", name);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->size = (uint64_t)size;
	f->mode = (uint32_t)m;
	return parse_chunks(chunks, f, err, errlen);
}

struct name_key {
	const char *s;
	size_t len;
};

static int
name_cmp(const void *a, const void *b)
{
	const struct name_key *x = a;
	const char *const *y = b;
	int c = strncmp(x->s, *y, x->len);

	return c != 0 ? c : (*y)[x->len] == '\0' ? 0 : -1;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
update_names_conflict(const char *const *names, size_t n, char *err,
    size_t errlen)
{
	const char **sorted;
	struct name_key key;
	const char *slash;
	size_t i;
	int r = MEDSEC_OK;

	if (n < 2)
		return MEDSEC_OK;
	if ((sorted = malloc(n * sizeof(*sorted))) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(sorted, names, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), str_cmp);
	for (i = 0; r == MEDSEC_OK && i + 1 < n; i++)
		if (strcmp(sorted[i], sorted[i + 1]) == 0)
			r = medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
			    "file %s listed twice", sorted[i]);
	/*
	 * A file that is also a directory of another ("bin" and "bin/app")
	 * cannot be extracted: refused here, not at install.
	 */
	for (i = 0; r == MEDSEC_OK && i < n; i++) {
		for (slash = strchr(names[i], '/'); slash != NULL;
		    slash = strchr(slash + 1, '/')) {
			key.s = names[i];
			key.len = (size_t)(slash - names[i]);
			if (bsearch(&key, sorted, n, sizeof(*sorted),
			    name_cmp) != NULL) {
				r = medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
				    "file %.*s is also a directory of file %s",
				    (int)key.len, names[i], names[i]);
				break;
			}
		}
	}
	free(sorted);
	return r;
}

static int
parse_files(json_t *arr, struct medsec_update_manifest *m, char *err,
    size_t errlen)
{
	const char **names;
	json_t *it;
	size_t i;
	int r;

	if (json_array_size(arr) == 0 ||
	    json_array_size(arr) > MEDSEC_UPDATE_FILES_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "files: 1 to %d entries", MEDSEC_UPDATE_FILES_MAX);
	if ((m->files = calloc(json_array_size(arr), sizeof(*m->files))) ==
	    NULL)
		return MEDSEC_ERR_NOMEM;
	m->n_alloc = json_array_size(arr);
	json_array_foreach(arr, i, it) {
		if ((r = parse_file(it, &m->files[i], err, errlen, i)) !=
		    MEDSEC_OK)
			return r;
		m->n_files = i + 1;
	}
	if ((names = malloc(m->n_files * sizeof(*names))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (i = 0; i < m->n_files; i++)
		names[i] = m->files[i].name;
	r = update_names_conflict(names, m->n_files, err, errlen);
	free(names);
	return r;
}

static int
parse_hardware(json_t *arr, struct medsec_update_manifest *m, char *err,
    size_t errlen)
{
	json_t *it;
	size_t i;

	if (json_array_size(arr) == 0 || json_array_size(arr) > 8)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "hardware: 1 to 8 ids");
	json_array_foreach(arr, i, it) {
		if (!json_is_string(it) ||
		    !valid_label(json_string_value(it), sizeof(m->hardware[i])))
			return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
			    "hardware id %zu malformed", i + 1);
		snprintf(m->hardware[i], sizeof(m->hardware[i]), "%s",
		    json_string_value(it));
	}
	m->n_hardware = json_array_size(arr);
	return MEDSEC_OK;
}

static int
parse_fields(json_t *root, struct medsec_update_manifest *m, char *err,
    size_t errlen)
{
	const char *product, *version, *built, *expires, *hash, *dist, *key;
	const char *down;
	json_t *hw, *files;
	json_int_t format, counter;
	int r;

	if (json_unpack(root, "{s:I, s:s, s:o, s:s, s:I, s:s, s:s, s:s, "
	    "s:{s:s, s:s !}, s:o, s:s !}", "format", &format, "product",
	    &product, "hardware", &hw, "version", &version, "security_counter",
	    &counter, "built", &built, "expires", &expires, "hash", &hash,
	    "distributor", "name", &dist, "keyid", &key, "files", &files,
	    "downgrade_of", &down) != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "manifest: missing, unknown or mistyped member");
	if (format != MEDSEC_UPDATE_FORMAT || strcmp(hash, "sha256") != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "manifest: format %" JSON_INTEGER_FORMAT " / hash %s not "
		    "supported", format, hash);
	if (!valid_label(product, sizeof(m->product)) ||
	    !valid_semver(version) || counter < 0 ||
	    !valid_label(dist, sizeof(m->distributor)) ||
	    strlen(key) != MEDSEC_KEY_ID_LEN - 1)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "manifest: bad product, version (semantic x.y.z), counter "
		    "or distributor");
	if (!parse_time(built, &m->built_us) ||
	    !parse_time(expires, &m->expires_us))
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "manifest: built/expires not RFC 3339");
	if (*down != '\0' && strlen(down) != 64)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "manifest: downgrade_of is not a SHA-256 digest");
	snprintf(m->product, sizeof(m->product), "%s", product);
	snprintf(m->version, sizeof(m->version), "%s", version);
	snprintf(m->distributor, sizeof(m->distributor), "%s", dist);
	snprintf(m->distributor_key, sizeof(m->distributor_key), "%s", key);
	snprintf(m->downgrade_of, sizeof(m->downgrade_of), "%s", down);
	m->security_counter = (uint64_t)counter;
	if ((r = parse_hardware(hw, m, err, errlen)) != MEDSEC_OK)
		return r;
	return parse_files(files, m, err, errlen);
}

/*
 * One release, one digest: the manifest bytes must be exactly what the
 * packer writes for their content (docs/formats/update-package.md,
 * "Canonical form"), so no second spelling of a signed manifest (spaces,
 * key order, escapes, number forms) is another valid package.
 */
static int
check_canonical(json_t *root, const char *json, size_t len, char *err,
    size_t errlen)
{
	char *canon;
	size_t n, at;
	int r = MEDSEC_OK;

	if ((canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return MEDSEC_ERR_NOMEM;
	n = strlen(canon);
	if (n != len || memcmp(canon, json, len) != 0) {
		for (at = 0; at < n && at < len && canon[at] == json[at]; at++)
			;
		r = medsec_errf(err, errlen, MEDSEC_ERR_FORMAT, "manifest is "
		    "not in canonical form (compact JSON, sorted keys): it "
		    "differs at byte %zu", at);
	}
	free(canon);
	return r;
}

int
medsec_update_manifest_parse(const char *json, size_t len,
    struct medsec_update_manifest **mp, char *err, size_t errlen)
{
	struct medsec_update_manifest *m = NULL;
	json_error_t je;
	json_t *root = NULL;
	int r;

	if (mp == NULL)
		return MEDSEC_ERR_INVALID;
	*mp = NULL;
	if (json == NULL || len == 0 || len > MEDSEC_UPDATE_MANIFEST_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "manifest empty or over %u bytes", MEDSEC_UPDATE_MANIFEST_MAX);
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "manifest is not JSON: %s (byte %d)", je.text, je.position);
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((r = parse_fields(root, m, err, errlen)) != MEDSEC_OK ||
	    (r = check_canonical(root, json, len, err, errlen)) != MEDSEC_OK ||
	    (r = medsec_hash(MEDSEC_ALG_SHA256, json, len, m->digest)) !=
	    MEDSEC_OK)
		goto out;
	*mp = m;
	m = NULL;
out:
	medsec_update_manifest_free(m);
	json_decref(root);
	return r;
}
