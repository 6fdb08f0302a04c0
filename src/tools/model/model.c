/*
 * The model manifest: canonical text, one field a line in a fixed order,
 * signed over everything before the signature line
 * (docs/formats/model-manifest.md). Parsing is strict: a line out of
 * order, an unknown key or a malformed value is refused with its line
 * number, and the signature is checked before any field is trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "model/model_int.h"

#define HEADER "medsec-model-manifest 1"

void
model_fail(struct medsec_config_error *err, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	snprintf(err->key, sizeof(err->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

const char *
model_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
model_sha256_hex(const void *buf, size_t len, char hex[65])
{
	uint8_t h[32];
	int r;

	if ((r = medsec_hash(MEDSEC_ALG_SHA256, buf, len, h)) != MEDSEC_OK)
		return r;
	medsec_hex(h, sizeof(h), hex);
	return MEDSEC_OK;
}

static int
read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
model_read_file(const char *path, size_t max, void **bufp, size_t *lenp,
    struct medsec_config_error *err)
{
	struct stat st;
	char *buf = NULL;
	int fd, r;

	*bufp = NULL;
	*lenp = 0;
	snprintf(err->file, sizeof(err->file), "%s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		model_fail(err, "file", "%s: %s", path, strerror(errno));
		return errno == ENOENT ? MEDSEC_ERR_NOT_FOUND : errno == ELOOP ?
		    MEDSEC_ERR_PERMISSION : MEDSEC_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		model_fail(err, "file", "%s: not a regular file", path);
		r = MEDSEC_ERR_PERMISSION;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		model_fail(err, "file", "%s: %lld bytes, more than the %zu "
		    "allowed", path, (long long)st.st_size, max);
		r = MEDSEC_ERR_TOO_LARGE;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if (read_all(fd, buf, (size_t)st.st_size) != 0) {
		model_fail(err, "file", "%s: read failed or file shrank", path);
		r = MEDSEC_ERR_IO;
		goto out;
	}
	buf[st.st_size] = '\0';
	*bufp = buf;
	*lenp = (size_t)st.st_size;
	buf = NULL;
	err->file[0] = '\0';
	r = MEDSEC_OK;
out:
	free(buf);
	close(fd);
	return r;
}

/* ---- fields ---- */

/* Text of a field: non-empty, bounded, no control characters or ';', no
 * blank at either end. */
static int
text_ok(const char *s, size_t size)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= size || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == ';')
			return 0;
	return 1;
}

static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The first ten characters of s are YYYY-MM-DD. */
static int
date_prefix_ok(const char *s)
{
	int mon, day;

	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2))
		return 0;
	mon = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31;
}

static int
date_ok(const char *s)
{
	return strlen(s) == 10 && date_prefix_ok(s);
}

static int
time_ok(const char *s)
{
	int h, m, sec;

	if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != 'Z' || !digits(s + 11, 2) || !digits(s + 14, 2) ||
	    !digits(s + 17, 2))
		return 0;
	h = (s[11] - '0') * 10 + (s[12] - '0');
	m = (s[14] - '0') * 10 + (s[15] - '0');
	sec = (s[17] - '0') * 10 + (s[18] - '0');
	return h < 24 && m < 60 && sec < 61 && date_prefix_ok(s);
}

static int
hex_ok(const char *s)
{
	size_t i;

	if (strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
role_ok(const char *s)
{
	return strcmp(s, "training") == 0 || strcmp(s, "validation") == 0 ||
	    strcmp(s, "test") == 0;
}

static int
file_ok(const char *s, size_t size)
{
	return text_ok(s, size) && strchr(s, '/') == NULL &&
	    strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* The fields of one dataset; key names the dataset for errors. */
static int
check_dataset(const struct medsec_model_dataset *d, const char *key,
    struct medsec_config_error *err)
{
	if (!role_ok(d->role))
		model_fail(err, key, "role '%s': expected one of %s", d->role,
		    MEDSEC_MODEL_ROLES);
	else if (!text_ok(d->name, sizeof(d->name)))
		model_fail(err, key, "name '%s': empty, too long, or with a "
		    "control character or ';'", d->name);
	else if (!text_ok(d->version, sizeof(d->version)))
		model_fail(err, key, "version '%s': empty, too long, or with a "
		    "control character or ';'", d->version);
	else if (!date_ok(d->date))
		model_fail(err, key, "date '%s': expected YYYY-MM-DD", d->date);
	else if (!file_ok(d->file, sizeof(d->file)))
		model_fail(err, key, "file '%s': expected a base name",
		    d->file);
	else if (!hex_ok(d->sha256))
		model_fail(err, key, "sha256 '%s': expected 64 lower-case hex "
		    "digits", d->sha256);
	else
		return MEDSEC_OK;
	return MEDSEC_ERR_INVALID;
}

/* Every field of a complete manifest (hashes included). */
static int
check_manifest(const struct medsec_model_manifest *m,
    struct medsec_config_error *err)
{
	char key[32];
	size_t i, training = 0;
	int r;

	if (!text_ok(m->name, sizeof(m->name)))
		model_fail(err, "name", "model name '%s': empty, too long, or "
		    "with a control character or ';'", m->name);
	else if (!text_ok(m->version, sizeof(m->version)))
		model_fail(err, "version", "model version '%s': empty, too "
		    "long, or with a control character or ';'", m->version);
	else if (!file_ok(m->file, sizeof(m->file)))
		model_fail(err, "file", "model file '%s': expected a base name",
		    m->file);
	else if (!hex_ok(m->sha256))
		model_fail(err, "sha256", "'%s': expected 64 lower-case hex "
		    "digits", m->sha256);
	else if (!time_ok(m->created))
		model_fail(err, "created", "'%s': expected "
		    "YYYY-MM-DDTHH:MM:SSZ", m->created);
	else if (m->ndatasets == 0 || m->ndatasets > MEDSEC_MODEL_DATASETS_MAX)
		model_fail(err, "dataset", "%zu datasets: the provenance needs "
		    "1 to %d", m->ndatasets, MEDSEC_MODEL_DATASETS_MAX);
	else
		goto datasets;
	return MEDSEC_ERR_INVALID;
datasets:
	for (i = 0; i < m->ndatasets; i++) {
		snprintf(key, sizeof(key), "dataset %zu", i + 1);
		if ((r = check_dataset(&m->datasets[i], key, err)) != MEDSEC_OK)
			return r;
		training += strcmp(m->datasets[i].role, "training") == 0;
	}
	if (training == 0) {
		model_fail(err, "dataset", "no training dataset: the "
		    "provenance must name the data the model was trained on");
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

/* ---- text ---- */

/* The signed part of the text into buf (size bytes); its length. */
static size_t
signed_text(const struct medsec_model_manifest *m, char *buf, size_t size)
{
	const struct medsec_model_dataset *d;
	size_t o, i;

	o = (size_t)snprintf(buf, size, HEADER "\nname=%s\nversion=%s\n"
	    "file=%s\nsize=%llu\nsha256=%s\ncreated=%s\n", m->name, m->version,
	    m->file, (unsigned long long)m->size, m->sha256, m->created);
	for (i = 0; i < m->ndatasets && o < size; i++) {
		d = &m->datasets[i];
		o += (size_t)snprintf(buf + o, size - o, "dataset=%s;%s;%s;%s;"
		    "%s;%s\n", d->role, d->name, d->version, d->date, d->file,
		    d->sha256);
	}
	if (o < size)
		o += (size_t)snprintf(buf + o, size - o, "signer=%s\n"
		    "key_id=%s\n", m->signer, m->key_id);
	return o;
}

static int
hash_file(const char *path, size_t max, char *base, size_t basesize,
    char hex[65], uint64_t *size, struct medsec_config_error *err)
{
	void *buf;
	size_t len;
	int r;

	if ((r = model_read_file(path, max, &buf, &len, err)) != MEDSEC_OK)
		return r;
	r = model_sha256_hex(buf, len, hex);
	free(buf);
	snprintf(base, basesize, "%s", model_base_name(path));
	if (size != NULL)
		*size = len;
	return r;
}

int
medsec_model_manifest_sign(struct medsec_model_manifest *m,
    const char *model_path, const char *const *dataset_paths,
    const struct medsec_signkey *key, char **out, size_t *outlen,
    struct medsec_config_error *err)
{
	const struct medsec_pubkey *pk = medsec_signkey_public(key);
	char sig64[MEDSEC_BASE64_LEN(MEDSEC_SIGN_LEN)], *text = NULL;
	uint8_t sig[MEDSEC_SIGN_LEN];
	size_t i, n;
	int r;

	*out = NULL;
	*outlen = 0;
	memset(err, 0, sizeof(*err));
	if (m->ndatasets > MEDSEC_MODEL_DATASETS_MAX) {
		model_fail(err, "dataset", "%zu datasets: at most %d",
		    m->ndatasets, MEDSEC_MODEL_DATASETS_MAX);
		return MEDSEC_ERR_INVALID;
	}
	if ((r = hash_file(model_path, MEDSEC_MODEL_FILE_MAX, m->file,
	    sizeof(m->file), m->sha256, &m->size, err)) != MEDSEC_OK)
		return r;
	for (i = 0; i < m->ndatasets; i++)
		if ((r = hash_file(dataset_paths[i], MEDSEC_MODEL_DATA_MAX,
		    m->datasets[i].file, sizeof(m->datasets[i].file),
		    m->datasets[i].sha256, NULL, err)) != MEDSEC_OK)
			return r;
	snprintf(m->signer, sizeof(m->signer), "%s", pk->name);
	snprintf(m->key_id, sizeof(m->key_id), "%s", pk->key_id);
	if ((r = check_manifest(m, err)) != MEDSEC_OK)
		return r;
	if (!text_ok(m->signer, sizeof(m->signer))) {
		model_fail(err, "signer", "key name '%s' cannot be written in "
		    "a manifest", m->signer);
		return MEDSEC_ERR_INVALID;
	}
	if ((text = malloc(MEDSEC_MODEL_MANIFEST_MAX)) == NULL)
		return MEDSEC_ERR_NOMEM;
	n = signed_text(m, text, MEDSEC_MODEL_MANIFEST_MAX);
	if (n + sizeof(sig64) + 16 >= MEDSEC_MODEL_MANIFEST_MAX) {
		r = MEDSEC_ERR_TOO_LARGE;
		goto out;
	}
	if ((r = medsec_signkey_sign(key, text, n, sig)) != MEDSEC_OK ||
	    (r = medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, sig,
	    sizeof(sig), sig64, sizeof(sig64))) != MEDSEC_OK)
		goto out;
	n += (size_t)snprintf(text + n, MEDSEC_MODEL_MANIFEST_MAX - n,
	    "signature=%s\n", sig64);
	*out = text;
	*outlen = n;
	text = NULL;
out:
	free(text);
	return r;
}

/* ---- parsing ---- */

struct cursor {
	const char *p, *end;
	int line;
	char value[1024];
	struct medsec_config_error *err;
};

/* The next line must be key=value: value copied (bounded). */
static int
next_field(struct cursor *c, const char *key)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	size_t klen = strlen(key), vlen;

	c->line++;
	c->err->line = c->line;
	if (nl == NULL || (size_t)(nl - c->p) <= klen ||
	    memcmp(c->p, key, klen) != 0 || c->p[klen] != '=') {
		model_fail(c->err, key, "line %d: expected '%s=...'", c->line,
		    key);
		return MEDSEC_ERR_FORMAT;
	}
	vlen = (size_t)(nl - c->p) - klen - 1;
	if (vlen >= sizeof(c->value) || memchr(c->p, '\0', (size_t)(nl -
	    c->p)) != NULL) {
		model_fail(c->err, key, "line %d: value too long or with a "
		    "NUL byte", c->line);
		return MEDSEC_ERR_FORMAT;
	}
	memcpy(c->value, c->p + klen + 1, vlen);
	c->value[vlen] = '\0';
	c->p = nl + 1;
	return MEDSEC_OK;
}

static int
copy_value(struct cursor *c, const char *key, char *dst, size_t size)
{
	int r;

	if ((r = next_field(c, key)) != MEDSEC_OK)
		return r;
	if (strlen(c->value) >= size) {
		model_fail(c->err, key, "line %d: value too long", c->line);
		return MEDSEC_ERR_FORMAT;
	}
	memcpy(dst, c->value, strlen(c->value) + 1);
	return MEDSEC_OK;
}

/* "role;name;version;date;file;sha256" into d. */
static int
split_dataset(struct cursor *c, struct medsec_model_dataset *d)
{
	char *part[6], *s = c->value, *semi;
	size_t i, sizes[6] = { sizeof(d->role), sizeof(d->name),
		sizeof(d->version), sizeof(d->date), sizeof(d->file),
		sizeof(d->sha256) };
	char *dst[6] = { d->role, d->name, d->version, d->date, d->file,
		d->sha256 };

	for (i = 0; i < 6; i++) {
		part[i] = s;
		semi = strchr(s, ';');
		if ((semi == NULL) != (i == 5))
			goto bad;
		if (semi != NULL) {
			*semi = '\0';
			s = semi + 1;
		}
		if (strlen(part[i]) >= sizes[i])
			goto bad;
		memcpy(dst[i], part[i], strlen(part[i]) + 1);
	}
	return MEDSEC_OK;
bad:
	model_fail(c->err, "dataset", "line %d: expected role;name;version;"
	    "date;file;sha256 within their bounds", c->line);
	return MEDSEC_ERR_FORMAT;
}

static int
parse_fields(struct cursor *c, struct medsec_model_manifest *m)
{
	char *end;
	int r;

	if ((r = copy_value(c, "name", m->name, sizeof(m->name))) !=
	    MEDSEC_OK || (r = copy_value(c, "version", m->version,
	    sizeof(m->version))) != MEDSEC_OK || (r = copy_value(c, "file",
	    m->file, sizeof(m->file))) != MEDSEC_OK ||
	    (r = next_field(c, "size")) != MEDSEC_OK)
		return r;
	errno = 0;
	m->size = strtoull(c->value, &end, 10);
	if (c->value[0] < '0' || c->value[0] > '9' || *end != '\0' ||
	    errno != 0) {
		model_fail(c->err, "size", "line %d: '%s' is not a byte count",
		    c->line, c->value);
		return MEDSEC_ERR_FORMAT;
	}
	if ((r = copy_value(c, "sha256", m->sha256, sizeof(m->sha256))) !=
	    MEDSEC_OK || (r = copy_value(c, "created", m->created,
	    sizeof(m->created))) != MEDSEC_OK)
		return r;
	while (c->end - c->p > 8 && memcmp(c->p, "dataset=", 8) == 0) {
		if (m->ndatasets == MEDSEC_MODEL_DATASETS_MAX) {
			model_fail(c->err, "dataset", "line %d: more than %d "
			    "datasets", c->line + 1, MEDSEC_MODEL_DATASETS_MAX);
			return MEDSEC_ERR_FORMAT;
		}
		if ((r = next_field(c, "dataset")) != MEDSEC_OK ||
		    (r = split_dataset(c, &m->datasets[m->ndatasets++])) !=
		    MEDSEC_OK)
			return r;
	}
	if ((r = copy_value(c, "signer", m->signer, sizeof(m->signer))) !=
	    MEDSEC_OK)
		return r;
	return copy_value(c, "key_id", m->key_id, sizeof(m->key_id));
}

static const struct medsec_pubkey *
find_key(const struct medsec_pubkey *trusted, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(trusted[i].key_id, id) == 0)
			return &trusted[i];
	return NULL;
}

static int
check_signature(struct cursor *c, const char *text, size_t signed_len,
    const struct medsec_model_manifest *m, const struct medsec_pubkey *trusted,
    size_t ntrusted)
{
	const struct medsec_pubkey *pk;
	uint8_t sig[MEDSEC_SIGN_LEN];
	int r;

	if ((r = next_field(c, "signature")) != MEDSEC_OK)
		return r;
	if (c->p != c->end) {
		model_fail(c->err, "signature", "line %d: text after the "
		    "signature", c->line + 1);
		return MEDSEC_ERR_FORMAT;
	}
	if (medsec_base64_decode(MEDSEC_BASE64_NO_PADDING, c->value,
	    strlen(c->value), sig, sizeof(sig)) != MEDSEC_OK) {
		model_fail(c->err, "signature", "line %d: not a base64 "
		    "signature", c->line);
		return MEDSEC_ERR_FORMAT;
	}
	c->err->line = 0;
	if ((pk = find_key(trusted, ntrusted, m->key_id)) == NULL) {
		model_fail(c->err, "key_id", "signed by key %s (%s), which is "
		    "not trusted", m->key_id, m->signer);
		return MEDSEC_ERR_AUTH;
	}
	if (medsec_pubkey_verify(pk, text, signed_len, sig) != MEDSEC_OK) {
		model_fail(c->err, "signature", "the signature by key %s does "
		    "not verify: the manifest was altered", m->key_id);
		return MEDSEC_ERR_AUTH;
	}
	return MEDSEC_OK;
}

int
medsec_model_manifest_parse(const char *text, size_t len,
    const struct medsec_pubkey *trusted, size_t ntrusted,
    struct medsec_model_manifest *out, struct medsec_config_error *err)
{
	struct medsec_model_manifest *m;
	struct cursor c = { text, text + len, 1, "", err };
	size_t hlen = strlen(HEADER), signed_len;
	int r;

	memset(err, 0, sizeof(*err));
	if (len > MEDSEC_MODEL_MANIFEST_MAX) {
		model_fail(err, "manifest", "%zu bytes, more than the %u "
		    "allowed", len, MEDSEC_MODEL_MANIFEST_MAX);
		return MEDSEC_ERR_TOO_LARGE;
	}
	if (len <= hlen || memcmp(text, HEADER "\n", hlen + 1) != 0) {
		err->line = 1;
		model_fail(err, "manifest", "line 1: expected '%s'", HEADER);
		return MEDSEC_ERR_FORMAT;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return MEDSEC_ERR_NOMEM;
	c.p = text + hlen + 1;
	if ((r = parse_fields(&c, m)) != MEDSEC_OK)
		goto out;
	signed_len = (size_t)(c.p - text);
	if ((r = check_signature(&c, text, signed_len, m, trusted,
	    ntrusted)) != MEDSEC_OK)
		goto out;
	if ((r = check_manifest(m, err)) != MEDSEC_OK) {
		r = MEDSEC_ERR_FORMAT;
		goto out;
	}
	*out = *m;
out:
	free(m);
	return r;
}
