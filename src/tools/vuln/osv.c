/*
 * OSV records (https://ossf.github.io/osv-schema/) read from untrusted
 * JSON into the in-memory database. Only what matching needs is kept:
 * id, modified, aliases, summary, and for each affected package its
 * ecosystem, name, versions and ranges, with each range's events sorted
 * in the range's version order (the OSV evaluation walks them sorted).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ini.h"
#include "io/io.h"
#include "medsec-tools/vuln.h"
#include "vuln/vuln_int.h"

struct osv_parse {
	struct medsec_config_error *err;
	char where[128];
};

static int
bad(struct osv_parse *p, const char *what, const char *value)
{
	char shown[96];

	medsec_ini_excerpt(shown, sizeof(shown), value != NULL ? value : "",
	    value != NULL ? strlen(value) : 0);
	medsec_ini_err(p->err, 0, NULL, p->where, "%s%s%s%s", what,
	    value != NULL ? " '" : "", value != NULL ? shown : "",
	    value != NULL ? "'" : "");
	return MEDSEC_ERR_FORMAT;
}

static int
dup_string(struct osv_parse *p, json_t *v, const char *field, int required,
    char **outp)
{
	const char *s;

	*outp = NULL;
	if (v == NULL && !required)
		return MEDSEC_OK;
	snprintf(p->where, sizeof(p->where), "%s", field);
	if (!json_is_string(v) || (s = json_string_value(v))[0] == '\0')
		return bad(p, "missing or not a non-empty string", NULL);
	if (strlen(s) > OSV_TEXT_MAX)
		return bad(p, "longer than 1024 bytes", NULL);
	return (*outp = strdup(s)) != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
}

int
osv_order_of(const char *type, const char *ecosystem)
{
	if (strcmp(type, "SEMVER") == 0)
		return OSV_ORDER_SEMVER;
	if (strcmp(type, "ECOSYSTEM") != 0)
		return OSV_ORDER_NONE;
	if (strcmp(ecosystem, "Debian") == 0 ||
	    strncmp(ecosystem, "Debian:", 7) == 0)
		return OSV_ORDER_DEBIAN;
	/* Another ecosystem's ECOSYSTEM range is ordered as semantic
	 * versions when every version is one (checked by the caller). */
	return OSV_ORDER_SEMVER;
}

int
osv_compare(int order, const char *a, const char *b, int *cmp)
{
	/* "0" is before every version in every order (OSV). */
	if (strcmp(a, "0") == 0 || strcmp(b, "0") == 0) {
		*cmp = (strcmp(b, "0") == 0) - (strcmp(a, "0") == 0);
		return MEDSEC_OK;
	}
	if (order == OSV_ORDER_DEBIAN)
		return medsec_debver_compare(a, b, cmp);
	if (order == OSV_ORDER_SEMVER)
		return medsec_semver_compare(a, b, cmp);
	return MEDSEC_ERR_INVALID;
}

static int
event_kind(const char *key)
{
	static const char *const kinds[] = { "", "introduced", "fixed",
		"last_affected", "limit" };

	for (int i = 1; i <= OSV_LIMIT; i++)
		if (strcmp(key, kinds[i]) == 0)
			return i;
	return 0;
}

static int
parse_event(struct osv_parse *p, json_t *e, int order,
    struct osv_event *ev)
{
	const char *key, *v;
	json_t *val;
	int c;

	if (!json_is_object(e) || json_object_size(e) != 1)
		return bad(p, "an event must hold exactly one of introduced, "
		    "fixed, last_affected, limit", NULL);
	json_object_foreach(e, key, val) {
		ev->kind = event_kind(key);
		if (ev->kind == 0)
			return bad(p, "unknown event", key);
		if (!json_is_string(val) || (v = json_string_value(val))[0] ==
		    '\0')
			return bad(p, "event version is not a string", key);
		if (order != OSV_ORDER_NONE && !(ev->kind == OSV_LIMIT &&
		    strcmp(v, "*") == 0) && osv_compare(order, v, v, &c) !=
		    MEDSEC_OK)
			return bad(p, order == OSV_ORDER_DEBIAN ? "not a Debian "
			    "version" : "not a semantic version", v);
		if ((ev->version = strdup(v)) == NULL)
			return MEDSEC_ERR_NOMEM;
	}
	return MEDSEC_OK;
}

static int
before(int order, const struct osv_event *x, const struct osv_event *y)
{
	int c = 0;

	if (strcmp(x->version, "*") == 0 || strcmp(y->version, "*") == 0)
		return strcmp(y->version, "*") == 0 &&
		    strcmp(x->version, "*") != 0;
	if (osv_compare(order, x->version, y->version, &c) != MEDSEC_OK)
		return 0;
	return c < 0;
}

/* Insertion sort: stable, at most OSV_EVENTS_MAX events. */
static void
sort_events(struct osv_range *r)
{
	for (size_t i = 1; i < r->nevents; i++) {
		struct osv_event e = r->events[i];
		size_t j = i;

		for (; j > 0 && before(r->order, &e, &r->events[j - 1]); j--)
			r->events[j] = r->events[j - 1];
		r->events[j] = e;
	}
}

/* Another ecosystem's versions that are not all semantic versions
 * (OpenSSL's 1.1.1t) cannot be ordered here: the range is kept for its
 * record but never judges a version. */
static int
orderable(json_t *events)
{
	for (size_t i = 0; i < json_array_size(events); i++) {
		const char *key;
		json_t *val;
		int c;

		json_object_foreach(json_array_get(events, i), key, val) {
			const char *v = json_string_value(val);

			if (v != NULL && strcmp(v, "0") != 0 &&
			    strcmp(v, "*") != 0 &&
			    medsec_semver_compare(v, v, &c) != MEDSEC_OK)
				return 0;
		}
	}
	return 1;
}

/* Range rules the schema states: an introduced event, and not both fixed
 * and last_affected. */
static int
check_range(struct osv_parse *p, const struct osv_range *r)
{
	int has[OSV_LIMIT + 1] = { 0 };

	for (size_t i = 0; i < r->nevents; i++)
		has[r->events[i].kind] = 1;
	if (!has[OSV_INTRODUCED])
		return bad(p, "a range without an introduced event", NULL);
	if (has[OSV_FIXED] && has[OSV_LAST_AFFECTED])
		return bad(p, "a range with both fixed and last_affected",
		    NULL);
	return MEDSEC_OK;
}

static int
parse_range(struct osv_parse *p, json_t *jr, const char *ecosystem,
    const char *base, struct osv_range *r)
{
	json_t *type = json_object_get(jr, "type");
	json_t *events = json_object_get(jr, "events");
	size_t n = json_array_size(events);
	int rc;

	snprintf(p->where, sizeof(p->where), "%s.type", base);
	if (!json_is_string(type))
		return bad(p, "missing range type", NULL);
	if (strcmp(json_string_value(type), "GIT") != 0 &&
	    strcmp(json_string_value(type), "SEMVER") != 0 &&
	    strcmp(json_string_value(type), "ECOSYSTEM") != 0)
		return bad(p, "unknown range type", json_string_value(type));
	r->order = osv_order_of(json_string_value(type), ecosystem);
	if (strcmp(json_string_value(type), "ECOSYSTEM") == 0 &&
	    r->order == OSV_ORDER_SEMVER && !orderable(events))
		r->order = OSV_ORDER_NONE;
	snprintf(p->where, sizeof(p->where), "%s.events", base);
	if (!json_is_array(events) || n == 0 || n > OSV_EVENTS_MAX)
		return bad(p, "events must be a list of 1 to 256 events", NULL);
	if ((r->events = calloc(n, sizeof(*r->events))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		snprintf(p->where, sizeof(p->where), "%s.events[%zu]", base, i);
		if ((rc = parse_event(p, json_array_get(events, i), r->order,
		    &r->events[r->nevents])) != MEDSEC_OK)
			return rc;
		r->nevents++;
	}
	snprintf(p->where, sizeof(p->where), "%s.events", base);
	if ((rc = check_range(p, r)) != MEDSEC_OK)
		return rc;
	if (r->order != OSV_ORDER_NONE)
		sort_events(r);
	return MEDSEC_OK;
}

static int
parse_versions(struct osv_parse *p, json_t *jv, struct osv_affected *a)
{
	size_t n = json_array_size(jv);

	if (jv == NULL)
		return MEDSEC_OK;
	if (!json_is_array(jv) || n > OSV_VERSIONS_MAX)
		return bad(p, "versions must be a list of at most 4096", NULL);
	if (n > 0 && (a->versions = calloc(n, sizeof(char *))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = dup_string(p, json_array_get(jv, i), "versions", 1,
		    &a->versions[a->nversions]);

		if (rc != MEDSEC_OK)
			return rc;
		a->nversions++;
	}
	return MEDSEC_OK;
}

static int
parse_affected(struct osv_parse *p, json_t *ja, size_t idx,
    struct osv_affected *a)
{
	json_t *pkg = json_object_get(ja, "package");
	json_t *ranges = json_object_get(ja, "ranges");
	char base[64];
	size_t n = json_array_size(ranges);
	int rc;

	snprintf(base, sizeof(base), "affected[%zu]", idx);
	if (pkg == NULL)
		return MEDSEC_OK; /* GIT-only: nothing to match by name */
	if ((rc = dup_string(p, json_object_get(pkg, "ecosystem"),
	    "affected.package.ecosystem", 1, &a->ecosystem)) != MEDSEC_OK ||
	    (rc = dup_string(p, json_object_get(pkg, "name"),
	    "affected.package.name", 1, &a->name)) != MEDSEC_OK ||
	    (rc = parse_versions(p, json_object_get(ja, "versions"), a)) !=
	    MEDSEC_OK)
		return rc;
	if (ranges != NULL && (!json_is_array(ranges) || n > OSV_RANGES_MAX)) {
		snprintf(p->where, sizeof(p->where), "%s.ranges", base);
		return bad(p, "ranges must be a list of at most 64", NULL);
	}
	if (n > 0 && (a->ranges = calloc(n, sizeof(*a->ranges))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		char rbase[96];

		snprintf(rbase, sizeof(rbase), "%s.ranges[%zu]", base, i);
		a->nranges++;
		if ((rc = parse_range(p, json_array_get(ranges, i),
		    a->ecosystem, rbase, &a->ranges[i])) != MEDSEC_OK)
			return rc;
	}
	return MEDSEC_OK;
}

static int
parse_aliases(struct osv_parse *p, json_t *ja, struct osv_record *r)
{
	char buf[OSV_TEXT_MAX] = "";

	if (ja != NULL && !json_is_array(ja)) {
		snprintf(p->where, sizeof(p->where), "aliases");
		return bad(p, "aliases must be a list", NULL);
	}
	for (size_t i = 0; i < json_array_size(ja); i++) {
		const char *s = json_string_value(json_array_get(ja, i));

		if (s != NULL && strlen(buf) + strlen(s) + 3 < sizeof(buf))
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    "%s%s", buf[0] != '\0' ? ", " : "", s);
	}
	return (r->aliases = strdup(buf)) != NULL ? MEDSEC_OK :
	    MEDSEC_ERR_NOMEM;
}

/* RFC 3339 in UTC, as OSV requires: 2022-08-25T00:00:00Z (with optional
 * fractions). Compared as text for the database's date. */
static int
valid_modified(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = strlen(s);

	if (n < 20 || s[n - 1] != 'Z')
		return 0;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return 0;
	return 1;
}

static int
parse_record(struct osv_parse *p, json_t *doc, struct osv_record *r)
{
	json_t *aff = json_object_get(doc, "affected");
	size_t n = json_array_size(aff);
	int rc;

	if ((rc = dup_string(p, json_object_get(doc, "id"), "id", 1,
	    &r->id)) != MEDSEC_OK ||
	    (rc = dup_string(p, json_object_get(doc, "modified"), "modified",
	    1, &r->modified)) != MEDSEC_OK)
		return rc;
	if (!valid_modified(r->modified))
		return bad(p, "not an RFC 3339 UTC time", r->modified);
	if ((rc = dup_string(p, json_object_get(doc, "summary"), "summary", 0,
	    &r->summary)) != MEDSEC_OK ||
	    (rc = parse_aliases(p, json_object_get(doc, "aliases"), r)) !=
	    MEDSEC_OK)
		return rc;
	snprintf(p->where, sizeof(p->where), "affected");
	if (aff != NULL && (!json_is_array(aff) || n > OSV_AFFECTED_MAX))
		return bad(p, "affected must be a list of at most 1024", NULL);
	if (n > 0 && (r->affected = calloc(n, sizeof(*r->affected))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		r->naffected++;
		if ((rc = parse_affected(p, json_array_get(aff, i), i,
		    &r->affected[i])) != MEDSEC_OK)
			return rc;
	}
	return MEDSEC_OK;
}

void
osv_record_clear(struct osv_record *r)
{
	for (size_t i = 0; i < r->naffected; i++) {
		struct osv_affected *a = &r->affected[i];

		for (size_t j = 0; j < a->nranges; j++) {
			for (size_t k = 0; k < a->ranges[j].nevents; k++)
				free(a->ranges[j].events[k].version);
			free(a->ranges[j].events);
		}
		for (size_t j = 0; j < a->nversions; j++)
			free(a->versions[j]);
		free(a->versions);
		free(a->ranges);
		free(a->ecosystem);
		free(a->name);
	}
	free(r->affected);
	free(r->id);
	free(r->modified);
	free(r->summary);
	free(r->aliases);
	memset(r, 0, sizeof(*r));
}

static int
grow(struct medsec_vuln_db *db)
{
	struct osv_record *n;
	size_t cap = db->cap != 0 ? db->cap * 2 : 64;

	if (db->nrecords < db->cap)
		return MEDSEC_OK;
	if (cap > UINT32_MAX || (n = realloc(db->records, cap *
	    sizeof(*n))) == NULL)
		return MEDSEC_ERR_NOMEM;
	db->records = n;
	db->cap = cap;
	return MEDSEC_OK;
}

int
medsec_vuln_db_add_json(struct medsec_vuln_db *db, const char *text,
    size_t len, const char *name, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct osv_parse p;
	struct osv_record r;
	json_error_t jerr;
	json_t *doc;
	int rc;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, name);
	if (db == NULL || (text == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	if (len > MEDSEC_VULN_RECORD_MAX) {
		medsec_ini_err(err, 0, NULL, NULL, "%zu bytes (at most %u)",
		    len, MEDSEC_VULN_RECORD_MAX);
		return MEDSEC_ERR_TOO_LARGE;
	}
	p.err = err;
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(doc)) {
		medsec_ini_err(err, jerr.line > 0 ? jerr.line : 0, NULL, NULL,
		    "not an OSV JSON object: %s", doc == NULL ? jerr.text :
		    "the top level is not an object");
		json_decref(doc);
		return MEDSEC_ERR_FORMAT;
	}
	memset(&r, 0, sizeof(r));
	if (json_object_get(doc, "withdrawn") != NULL) {
		json_decref(doc);
		return MEDSEC_OK;
	}
	if ((rc = parse_record(&p, doc, &r)) != MEDSEC_OK ||
	    (rc = grow(db)) != MEDSEC_OK) {
		osv_record_clear(&r);
		json_decref(doc);
		return rc;
	}
	json_decref(doc);
	db->records[db->nrecords] = r;
	if ((rc = osv_index_add(db, (uint32_t)db->nrecords)) != MEDSEC_OK) {
		osv_record_clear(&db->records[db->nrecords]);
		return rc;
	}
	if (strcmp(r.modified, db->date) > 0)
		snprintf(db->date, sizeof(db->date), "%s", r.modified);
	db->nrecords++;
	return MEDSEC_OK;
}

static int
load_file(struct medsec_vuln_db *db, const char *dir, const char *file,
    struct medsec_config_error *err)
{
	char path[4096];
	uint8_t *text = NULL;
	size_t len;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return MEDSEC_ERR_TOO_LARGE;
	if ((rc = medsec_io_read_file(path, MEDSEC_VULN_RECORD_MAX, 0, &text,
	    &len)) != MEDSEC_OK) {
		medsec_ini_err_clear(err, path);
		medsec_ini_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(rc));
		return rc;
	}
	rc = medsec_vuln_db_add_json(db, (const char *)text, len, path, err);
	free(text);
	return rc;
}

int
medsec_vuln_db_load_dir(struct medsec_vuln_db *db, const char *dir,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct dirent *e;
	DIR *d;
	int rc = MEDSEC_OK;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, dir);
	if (db == NULL || dir == NULL)
		return MEDSEC_ERR_INVALID;
	if ((d = opendir(dir)) == NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "cannot open the advisory "
		    "directory");
		return MEDSEC_ERR_NOT_FOUND;
	}
	while (rc == MEDSEC_OK && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0 &&
		    e->d_name[0] != '.')
			rc = load_file(db, dir, e->d_name, err);
	}
	closedir(d);
	return rc;
}

int
medsec_vuln_db_new(struct medsec_vuln_db **dbp)
{
	if (dbp == NULL)
		return MEDSEC_ERR_INVALID;
	*dbp = calloc(1, sizeof(**dbp));
	return *dbp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
}

void
medsec_vuln_db_free(struct medsec_vuln_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->nrecords; i++)
		osv_record_clear(&db->records[i]);
	for (size_t i = 0; i < db->nbuckets; i++) {
		free(db->buckets[i].key);
		free(db->buckets[i].postings);
	}
	free(db->buckets);
	free(db->records);
	free(db);
}

size_t
medsec_vuln_db_count(const struct medsec_vuln_db *db)
{
	return db != NULL ? db->nrecords : 0;
}

const char *
medsec_vuln_db_date(const struct medsec_vuln_db *db)
{
	return db != NULL ? db->date : "";
}
