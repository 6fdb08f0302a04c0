/*
 * The requirement catalog: JSON data (data/mfds) unpacked strictly with
 * jansson into an immutable struct. A field the code does not know is an
 * error, not ignored, so a catalog revision that adds meaning cannot be
 * silently half-read by an older program.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/utf8.h"
#include "compliance/compliance_int.h"
#include "core/ini.h"
#include "io/io.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/* No list in a catalog item has a reason to be longer. */
#define LIST_MAX 32

struct medsec_catalog {
	char *name;
	int version;
	char *title;
	char *source;
	char *title_ko;	 /* NULL when the catalog has none */
	char *source_ko; /* NULL when the catalog has none */
	size_t n;
	struct medsec_requirement items[MEDSEC_CATALOG_ITEMS_MAX];
};

static const char *const builtin_names[] = { MEDSEC_CATALOG_DEFAULT, NULL };

/* Length of the UTF-8 sequence starting at s (0 when invalid). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;

	return medsec_utf8_decode(s, n, &cp);
}

int
cmp_text_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 0;
		if ((k = utf8_len(u + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

const char *
medsec_level_name(enum medsec_level level)
{
	switch (level) {
	case MEDSEC_LEVEL_MAJOR: return "major";
	case MEDSEC_LEVEL_MODERATE: return "moderate";
	case MEDSEC_LEVEL_MINOR: return "minor";
	default: return NULL;
	}
}

const char *
medsec_applicability_name(enum medsec_applicability a)
{
	switch (a) {
	case MEDSEC_APPLIC_REQUIRED: return "required";
	case MEDSEC_APPLIC_RECOMMENDED: return "recommended";
	case MEDSEC_APPLIC_MAY_EXCLUDE: return "may-exclude";
	default: return "not-applicable";
	}
}

static void
free_list(struct medsec_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
free_item(struct medsec_requirement *r)
{
	free(r->id);
	free(r->stage);
	free(r->title);
	free(r->summary);
	free(r->text);
	free(r->checklist_text);
	free(r->citation);
	free(r->applicability_note);
	free(r->mechanism);
	free(r->note);
	free(r->title_ko);
	free(r->text_ko);
	free(r->text_ko_source);
	free_list(&r->verification_ko);
	free_list(&r->verification);
	free_list(&r->standards);
	free_list(&r->modules);
	free_list(&r->test_tags);
	free_list(&r->mds2);
	free_list(&r->fda);
	free_list(&r->iec62443);
	memset(r, 0, sizeof(*r));
}

void
medsec_catalog_free(struct medsec_catalog *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n; i++)
		free_item(&cat->items[i]);
	free(cat->name);
	free(cat->title);
	free(cat->source);
	free(cat->title_ko);
	free(cat->source_ko);
	free(cat);
}

/* A copy of a non-empty, printable string from the catalog. */
static int
take_str(const char *s, char **outp, int nullable, const char *key,
    struct medsec_config_error *err)
{
	size_t n;

	*outp = NULL;
	if (s == NULL) {
		if (nullable)
			return MEDSEC_OK;
		medsec_ini_err(err, 0, NULL, key, "missing value");
		return MEDSEC_ERR_FORMAT;
	}
	n = strlen(s);
	if (n == 0 || !cmp_text_ok(s, n)) {
		medsec_ini_err(err, 0, NULL, key,
		    "empty string or control characters");
		return MEDSEC_ERR_FORMAT;
	}
	if ((*outp = strdup(s)) == NULL)
		return MEDSEC_ERR_NOMEM;
	return MEDSEC_OK;
}

static int
take_list(json_t *arr, struct medsec_strlist *l, int allow_empty,
    const char *key, struct medsec_config_error *err)
{
	size_t i, n;
	int r;

	if (!json_is_array(arr)) {
		medsec_ini_err(err, 0, NULL, key,
		    "expected an array of strings");
		return MEDSEC_ERR_FORMAT;
	}
	n = json_array_size(arr);
	if (n > LIST_MAX || (n == 0 && !allow_empty)) {
		medsec_ini_err(err, 0, NULL, key,
		    "%s list (at most %d entries)",
		    n == 0 ? "empty" : "too long", LIST_MAX);
		return MEDSEC_ERR_FORMAT;
	}
	if (n == 0)
		return MEDSEC_OK;
	if ((l->v = calloc(n, sizeof(*l->v))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);

		if (!json_is_string(e)) {
			medsec_ini_err(err, 0, NULL, key,
			    "entry %zu is not a string",
			    i);
			return MEDSEC_ERR_FORMAT;
		}
		if ((r = take_str(json_string_value(e), &l->v[i], 0, key,
		    err)) != MEDSEC_OK)
			return r;
		l->n = i + 1;
	}
	return MEDSEC_OK;
}

static int
take_applic(const char *s, enum medsec_applicability *a)
{
	if (strcmp(s, "required") == 0)
		*a = MEDSEC_APPLIC_REQUIRED;
	else if (strcmp(s, "recommended") == 0)
		*a = MEDSEC_APPLIC_RECOMMENDED;
	else
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

/* "N.M" with 1-3 digits each side. */
static int
id_ok(const char *id)
{
	size_t i = 0, a = 0, b = 0;

	while (id[i] >= '0' && id[i] <= '9')
		i++, a++;
	if (id[i++] != '.')
		return 0;
	while (id[i] >= '0' && id[i] <= '9')
		i++, b++;
	return id[i] == '\0' && a >= 1 && a <= 3 && b >= 1 && b <= 3;
}

struct item_json {
	const char *id, *stage, *title, *summary, *text, *checklist_text;
	const char *citation, *note, *applicability_note, *mechanism;
	json_t *note_j, *applicability_note_j;
	const char *major, *moderate, *minor;
	json_t *verification, *standards, *modules, *test_tags;
	json_t *mds2, *fda, *iec;
	json_t *functions, *docs;
	json_t *ko;
	int no, excl;
};

/*
 * "functions" and "docs" point readers at the API and the docs page of an
 * item (cmake/requirements.cmake checks them and writes
 * docs/requirements.md); the library only checks their shape.
 */
static int
pointer_list_ok(json_t *arr)
{
	size_t i;

	if (arr == NULL)
		return 1;
	if (!json_is_array(arr))
		return 0;
	for (i = 0; i < json_array_size(arr); i++)
		if (!json_is_string(json_array_get(arr, i)))
			return 0;
	return 1;
}

static int
unpack_item(json_t *o, struct item_json *j, const char *key,
    struct medsec_config_error *err)
{
	json_error_t je;

	memset(j, 0, sizeof(*j));
	if (json_unpack_ex(o, &je, JSON_STRICT,
	    "{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:{s:s, s:s, s:s}, s:b, s:o, s:o, s:o, s:s, s:o, s:o,"
	    " s:{s:o, s:o, s:o}, s:o, s?o, s?o, s?o}",
	    "id", &j->id, "no", &j->no, "stage", &j->stage,
	    "title", &j->title, "summary", &j->summary, "text", &j->text,
	    "checklist_text", &j->checklist_text, "citation", &j->citation,
	    "applicability", "major", &j->major, "moderate", &j->moderate,
	    "minor", &j->minor,
	    "implantable_may_exclude", &j->excl,
	    "applicability_note", &j->applicability_note_j,
	    "verification", &j->verification, "standards", &j->standards,
	    "mechanism", &j->mechanism, "modules", &j->modules,
	    "test_tags", &j->test_tags,
	    "mappings", "mds2", &j->mds2, "fda", &j->fda,
	    "iec62443_4_2", &j->iec,
	    "note", &j->note_j, "functions", &j->functions,
	    "docs", &j->docs, "ko", &j->ko) != 0) {
		medsec_ini_err(err, 0, NULL, key, "%s", je.text);
		return MEDSEC_ERR_FORMAT;
	}
	/* Optional texts are a string or null, never absent. */
	if ((!json_is_null(j->note_j) && !json_is_string(j->note_j)) ||
	    (!json_is_null(j->applicability_note_j) &&
	    !json_is_string(j->applicability_note_j))) {
		medsec_ini_err(err, 0, NULL, key,
		    "note and applicability_note must "
		    "be a string or null");
		return MEDSEC_ERR_FORMAT;
	}
	if (!pointer_list_ok(j->functions) || !pointer_list_ok(j->docs)) {
		medsec_ini_err(err, 0, NULL, key,
		    "functions and docs must be arrays of strings");
		return MEDSEC_ERR_FORMAT;
	}
	j->note = json_string_value(j->note_j);
	j->applicability_note = json_string_value(j->applicability_note_j);
	return MEDSEC_OK;
}

static int
check_item(const struct item_json *j, const char *key,
    struct medsec_config_error *err)
{
	if (!id_ok(j->id)) {
		medsec_ini_err(err, 0, NULL, key, "id must look like \"1.18\"");
		return MEDSEC_ERR_FORMAT;
	}
	if (j->no < 1 || j->no > MEDSEC_CATALOG_ITEMS_MAX) {
		medsec_ini_err(err, 0, NULL, key, "no out of range 1..%d",
		    MEDSEC_CATALOG_ITEMS_MAX);
		return MEDSEC_ERR_FORMAT;
	}
	if (strcmp(j->stage, "identify-protect") != 0 &&
	    strcmp(j->stage, "detect-respond-recover") != 0) {
		medsec_ini_err(err, 0, NULL, key,
		    "stage must be identify-protect or "
		    "detect-respond-recover");
		return MEDSEC_ERR_FORMAT;
	}
	return MEDSEC_OK;
}

/*
 * The source of a Korean requirement text: "translation" (the project's
 * own, never to be presented as the regulator's wording) or the published
 * Korean text cited in full. A text without a source is refused, so no
 * Korean wording can reach a document without saying where it is from.
 */
static int
take_ko_source(json_t *src, struct medsec_requirement *r, const char *key,
    struct medsec_config_error *err)
{
	const char *title = NULL, *publisher = NULL, *date = NULL, *url = NULL;
	char cite[1024];
	json_error_t je;
	int n;

	if (json_is_string(src)) {
		if (strcmp(json_string_value(src), "translation") != 0) {
			medsec_ini_err(err, 0, NULL, key, "source \"%s\" is "
			    "neither \"translation\" nor a citation object",
			    json_string_value(src));
			return MEDSEC_ERR_FORMAT;
		}
		r->text_ko_translated = 1;
		return take_str("translation", &r->text_ko_source, 0, key,
		    err);
	}
	if (json_unpack_ex(src, &je, JSON_STRICT, "{s:s, s:s, s:s, s:s}",
	    "title", &title, "publisher", &publisher, "date", &date,
	    "url", &url) != 0) {
		medsec_ini_err(err, 0, NULL, key, "source: %s (expected "
		    "\"translation\" or {title, publisher, date, url})",
		    je.text);
		return MEDSEC_ERR_FORMAT;
	}
	if (title[0] == '\0' || publisher[0] == '\0' || date[0] == '\0' ||
	    (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0)) {
		medsec_ini_err(err, 0, NULL, key, "source: title, publisher "
		    "and date must not be empty and url must be an http(s) "
		    "address (got \"%s\")", url);
		return MEDSEC_ERR_FORMAT;
	}
	n = snprintf(cite, sizeof(cite), "%s; %s; %s; %s", title, publisher,
	    date, url);
	if (n < 0 || (size_t)n >= sizeof(cite)) {
		medsec_ini_err(err, 0, NULL, key, "source: citation longer "
		    "than %zu bytes", sizeof(cite) - 1);
		return MEDSEC_ERR_FORMAT;
	}
	r->text_ko_translated = 0;
	return take_str(cite, &r->text_ko_source, 0, key, err);
}

/*
 * "ko": {"title": ..., "text": ..., "source": ..., "verification": [...]}:
 * the first three required; verification, when given, has one Korean
 * entry per English one.
 */
static int
take_ko(json_t *ko, struct medsec_requirement *r, const char *key,
    struct medsec_config_error *err)
{
	const char *title = NULL, *text = NULL;
	json_t *src = NULL, *ver = NULL;
	json_error_t je;
	char k[80];
	int rc;

	snprintf(k, sizeof(k), "%s.ko", key);
	if (json_unpack_ex(ko, &je, JSON_STRICT, "{s:s, s:s, s:o, s?o}",
	    "title", &title, "text", &text, "source", &src,
	    "verification", &ver) != 0) {
		medsec_ini_err(err, 0, NULL, k, "%s (every Korean text needs "
		    "title, text and source)", je.text);
		return MEDSEC_ERR_FORMAT;
	}
	if ((rc = take_str(title, &r->title_ko, 0, k, err)) != MEDSEC_OK ||
	    (rc = take_str(text, &r->text_ko, 0, k, err)) != MEDSEC_OK)
		return rc;
	if (ver != NULL) {
		snprintf(k, sizeof(k), "%s.ko.verification", key);
		if ((rc = take_list(ver, &r->verification_ko, 0, k, err)) !=
		    MEDSEC_OK)
			return rc;
		if (r->verification_ko.n != r->verification.n) {
			medsec_ini_err(err, 0, NULL, k, "%zu entries for the "
			    "%zu of verification", r->verification_ko.n,
			    r->verification.n);
			return MEDSEC_ERR_FORMAT;
		}
	}
	snprintf(k, sizeof(k), "%s.ko.source", key);
	return take_ko_source(src, r, k, err);
}

static int
fill_item(const struct item_json *j, struct medsec_requirement *r,
    const char *key, struct medsec_config_error *err)
{
	char k[80];
	int rc;

	r->no = j->no;
	r->implantable_may_exclude = j->excl;
	r->by_level[MEDSEC_LEVEL_NONE] = MEDSEC_APPLIC_NONE;
	if (take_applic(j->major, &r->by_level[MEDSEC_LEVEL_MAJOR]) != 0 ||
	    take_applic(j->moderate,
	    &r->by_level[MEDSEC_LEVEL_MODERATE]) != 0 ||
	    take_applic(j->minor, &r->by_level[MEDSEC_LEVEL_MINOR]) != 0) {
		snprintf(k, sizeof(k), "%s.applicability", key);
		medsec_ini_err(err, 0, NULL, k,
		    "each level must be \"required\" or "
		    "\"recommended\"");
		return MEDSEC_ERR_FORMAT;
	}
#define STR(field, nullable)                                                 \
	do {                                                                 \
		snprintf(k, sizeof(k), "%s.%s", key, #field);                \
		if ((rc = take_str(j->field, &r->field, nullable, k, err)) != \
		    MEDSEC_OK)                                               \
			return rc;                                           \
	} while (0)
#define LIST(src, dst, empty)                                                \
	do {                                                                 \
		snprintf(k, sizeof(k), "%s.%s", key, #dst);                  \
		if ((rc = take_list(j->src, &r->dst, empty, k, err)) !=      \
		    MEDSEC_OK)                                               \
			return rc;                                           \
	} while (0)
	STR(id, 0);
	STR(stage, 0);
	STR(title, 0);
	STR(summary, 0);
	STR(text, 0);
	STR(checklist_text, 0);
	STR(citation, 0);
	STR(applicability_note, 1);
	STR(mechanism, 0);
	STR(note, 1);
	LIST(verification, verification, 0);
	LIST(standards, standards, 0);
	LIST(modules, modules, 0);
	LIST(test_tags, test_tags, 0);
	LIST(mds2, mds2, 1);
	LIST(fda, fda, 1);
	LIST(iec, iec62443, 1);
#undef STR
#undef LIST
	if (j->ko != NULL)
		return take_ko(j->ko, r, key, err);
	return MEDSEC_OK;
}

static int
take_items(json_t *items, struct medsec_catalog *cat,
    struct medsec_config_error *err)
{
	struct item_json j;
	char key[32];
	size_t i, k, n = json_array_size(items);
	int r;

	if (!json_is_array(items) || n == 0 || n > MEDSEC_CATALOG_ITEMS_MAX) {
		medsec_ini_err(err, 0, NULL, "items", "expected 1..%d items",
		    MEDSEC_CATALOG_ITEMS_MAX);
		return MEDSEC_ERR_FORMAT;
	}
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "items[%zu]", i);
		if ((r = unpack_item(json_array_get(items, i), &j, key,
		    err)) != MEDSEC_OK ||
		    (r = check_item(&j, key, err)) != MEDSEC_OK)
			return r;
		for (k = 0; k < cat->n; k++)
			if (strcmp(cat->items[k].id, j.id) == 0 ||
			    cat->items[k].no == j.no) {
				medsec_ini_err(err, 0, NULL, key,
				    "id %s or no %d "
				    "repeats items[%zu]", j.id, j.no, k);
				return MEDSEC_ERR_FORMAT;
			}
		/* Counted first, so a half-filled item is freed too. */
		cat->n = i + 1;
		if ((r = fill_item(&j, &cat->items[i], key, err)) != MEDSEC_OK)
			return r;
	}
	return MEDSEC_OK;
}

int
medsec_catalog_parse(const char *name, const char *json, size_t len,
    struct medsec_catalog **catp, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct medsec_catalog *cat = NULL;
	const char *cname = NULL, *title = NULL, *source = NULL;
	const char *title_ko = NULL, *source_ko = NULL;
	json_t *root = NULL, *items = NULL;
	json_error_t je;
	int version = 0, r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, name);
	if (catp == NULL || (json == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	*catp = NULL;
	if (len > MEDSEC_CATALOG_FILE_MAX) {
		medsec_ini_err(err, 0, NULL, NULL, "larger than %d bytes",
		    MEDSEC_CATALOG_FILE_MAX);
		return MEDSEC_ERR_TOO_LARGE;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		medsec_ini_err(err, je.line > 0 ? je.line : 0, NULL, NULL, "%s",
		    je.text);
		r = MEDSEC_ERR_FORMAT;
		goto out;
	}
	if (json_unpack_ex(root, &je, JSON_STRICT,
	    "{s:s, s:i, s:s, s?s, s:s, s?s, s:o}",
	    "catalog", &cname, "version", &version, "title", &title,
	    "title_ko", &title_ko, "source", &source, "source_ko", &source_ko,
	    "items", &items) != 0) {
		medsec_ini_err(err, 0, NULL, NULL, "%s", je.text);
		r = MEDSEC_ERR_FORMAT;
		goto out;
	}
	if (version < 1) {
		medsec_ini_err(err, 0, NULL, "version", "must be 1 or more");
		r = MEDSEC_ERR_FORMAT;
		goto out;
	}
	if ((cat = calloc(1, sizeof(*cat))) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	cat->version = version;
	if ((r = take_str(cname, &cat->name, 0, "catalog", err)) != 0 ||
	    (r = take_str(title, &cat->title, 0, "title", err)) != 0 ||
	    (r = take_str(source, &cat->source, 0, "source", err)) != 0 ||
	    (r = take_str(title_ko, &cat->title_ko, 1, "title_ko",
	    err)) != 0 ||
	    (r = take_str(source_ko, &cat->source_ko, 1, "source_ko",
	    err)) != 0 ||
	    (r = take_items(items, cat, err)) != MEDSEC_OK)
		goto out;
	*catp = cat;
	cat = NULL;
	r = MEDSEC_OK;
out:
	if (r == MEDSEC_ERR_NOMEM)
		medsec_ini_err(err, 0, NULL, NULL, "out of memory");
	medsec_catalog_free(cat);
	json_decref(root);
	return r;
}

int
medsec_catalog_load(const char *path, struct medsec_catalog **catp,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, path);
	if (path == NULL || catp == NULL)
		return MEDSEC_ERR_INVALID;
	*catp = NULL;
	r = medsec_io_read_file(path, MEDSEC_CATALOG_FILE_MAX, 0, &buf, &len);
	if (r != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(r));
		goto out;
	}
	r = medsec_catalog_parse(path, (const char *)buf, len, catp, err);
out:
	free(buf);
	return r;
}

const char *const *
medsec_catalog_builtin_names(void)
{
	return builtin_names;
}

/*
 * Finds the embedded file whose "catalog" field is name. Each blob is
 * parsed to learn its name: there are few, and it keeps the file name
 * free of meaning.
 */
int
medsec_catalog_builtin(const char *name, struct medsec_catalog **catp,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct medsec_catalog *cat = NULL;
	const struct catalog_blob *b;
	int r;

	if (err == NULL)
		err = &scratch;
	if (catp == NULL)
		return MEDSEC_ERR_INVALID;
	*catp = NULL;
	if (name == NULL)
		name = MEDSEC_CATALOG_DEFAULT;
	for (b = medsec_catalog_blobs; b->file != NULL; b++) {
		r = medsec_catalog_parse(b->file, (const char *)b->data,
		    b->len, &cat, err);
		if (r != MEDSEC_OK)
			return r;
		if (strcmp(cat->name, name) == 0) {
			*catp = cat;
			return MEDSEC_OK;
		}
		medsec_catalog_free(cat);
		cat = NULL;
	}
	medsec_ini_err_clear(err, NULL);
	medsec_ini_err(err, 0, NULL, NULL,
	    "no embedded catalog named '%s'", name);
	return MEDSEC_ERR_NOT_FOUND;
}

const char *
medsec_catalog_name(const struct medsec_catalog *cat)
{
	return cat != NULL ? cat->name : NULL;
}

int
medsec_catalog_version(const struct medsec_catalog *cat)
{
	return cat != NULL ? cat->version : 0;
}

const char *
medsec_catalog_title(const struct medsec_catalog *cat)
{
	return cat != NULL ? cat->title : NULL;
}

const char *
medsec_catalog_source(const struct medsec_catalog *cat)
{
	return cat != NULL ? cat->source : NULL;
}

const char *
medsec_catalog_title_ko(const struct medsec_catalog *cat)
{
	return cat != NULL ? cat->title_ko : NULL;
}

const char *
medsec_catalog_source_ko(const struct medsec_catalog *cat)
{
	return cat != NULL ? cat->source_ko : NULL;
}

size_t
medsec_catalog_count(const struct medsec_catalog *cat)
{
	return cat != NULL ? cat->n : 0;
}

const struct medsec_requirement *
medsec_catalog_item(const struct medsec_catalog *cat, size_t i)
{
	return cat != NULL && i < cat->n ? &cat->items[i] : NULL;
}

const struct medsec_requirement *
medsec_catalog_find(const struct medsec_catalog *cat, const char *id)
{
	size_t i;

	if (cat == NULL || id == NULL)
		return NULL;
	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->items[i].id, id) == 0)
			return &cat->items[i];
	return NULL;
}
