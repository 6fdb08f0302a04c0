/*
 * Matching components against advisories (docs/vuln.md).
 *
 * The index maps "<ecosystem>\x1f<package>" to the (record, affected
 * entry) pairs that name it: an open-addressing hash table (FNV-1a,
 * linear probing, kept at most half full). A component is looked up
 * under its exact ecosystem and, for "Debian:12", under the release-less
 * "Debian" too, so a scan touches only the advisories of its own
 * packages: O(components + matches) instead of O(components x
 * advisories). The naive scan reads every advisory for every component;
 * it is kept as the reference the index is tested and benchmarked
 * against.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec-tools/vuln.h"
#include "vuln/vuln_int.h"

#define KEY_MAX 600

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

static int
make_key(char *key, size_t keylen, const char *ecosystem, const char *name)
{
	size_t e = strlen(ecosystem), n = strlen(name);

	if (e + n + 2 > keylen)
		return -1;
	memcpy(key, ecosystem, e);
	key[e] = '\x1f';
	memcpy(key + e + 1, name, n + 1);
	return 0;
}

static struct osv_bucket *
slot(struct osv_bucket *b, size_t nbuckets, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (nbuckets - 1);

	while (b[i].key != NULL && (b[i].hash != h ||
	    strcmp(b[i].key, key) != 0))
		i = (i + 1) & (nbuckets - 1);
	return &b[i];
}

static int
rehash(struct medsec_vuln_db *db)
{
	size_t n = db->nbuckets != 0 ? db->nbuckets * 2 : 1024;
	struct osv_bucket *b = calloc(n, sizeof(*b));

	if (b == NULL)
		return MEDSEC_ERR_NOMEM;
	for (size_t i = 0; i < db->nbuckets; i++)
		if (db->buckets[i].key != NULL)
			*slot(b, n, db->buckets[i].key, db->buckets[i].hash) =
			    db->buckets[i];
	free(db->buckets);
	db->buckets = b;
	db->nbuckets = n;
	return MEDSEC_OK;
}

static int
post(struct medsec_vuln_db *db, const char *key, uint32_t record,
    uint32_t affected)
{
	uint64_t h = fnv1a(key);
	struct osv_bucket *b;

	if (2 * (db->used + 1) > db->nbuckets && rehash(db) != MEDSEC_OK)
		return MEDSEC_ERR_NOMEM;
	b = slot(db->buckets, db->nbuckets, key, h);
	if (b->key == NULL) {
		if ((b->key = strdup(key)) == NULL)
			return MEDSEC_ERR_NOMEM;
		b->hash = h;
		db->used++;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap != 0 ? b->cap * 2 : 2;
		struct osv_posting *p = realloc(b->postings, cap * sizeof(*p));

		if (p == NULL)
			return MEDSEC_ERR_NOMEM;
		b->postings = p;
		b->cap = cap;
	}
	b->postings[b->n].record = record;
	b->postings[b->n].affected = affected;
	b->n++;
	return MEDSEC_OK;
}

int
osv_index_add(struct medsec_vuln_db *db, uint32_t record)
{
	const struct osv_record *r = &db->records[record];
	char key[KEY_MAX];
	int rc;

	for (size_t i = 0; i < r->naffected; i++) {
		const struct osv_affected *a = &r->affected[i];

		if (a->name == NULL ||
		    make_key(key, sizeof(key), a->ecosystem, a->name) != 0)
			continue;
		if ((rc = post(db, key, record, (uint32_t)i)) != MEDSEC_OK)
			return rc;
	}
	return MEDSEC_OK;
}

const struct osv_bucket *
osv_index_find(const struct medsec_vuln_db *db, const char *ecosystem,
    const char *name)
{
	char key[KEY_MAX];
	const struct osv_bucket *b;

	if (db->nbuckets == 0 ||
	    make_key(key, sizeof(key), ecosystem, name) != 0)
		return NULL;
	b = slot(db->buckets, db->nbuckets, key, fnv1a(key));
	return b->key != NULL ? b : NULL;
}

/* ---- evaluation (OSV schema, "Evaluation") ---- */

static int
before_limits(const struct osv_range *r, const char *v)
{
	int limited = 0, c;

	for (size_t i = 0; i < r->nevents; i++) {
		const struct osv_event *e = &r->events[i];

		if (e->kind != OSV_LIMIT || strcmp(e->version, "*") == 0)
			continue;
		limited = 1;
		if (osv_compare(r->order, v, e->version, &c) == MEDSEC_OK &&
		    c < 0)
			return 1;
	}
	return !limited;
}

/* Whether v is in the range; *fixedp is the first fix above v. */
static int
in_range(const struct osv_range *r, const char *v, const char **fixedp)
{
	int vulnerable = 0, c;

	if (r->order == OSV_ORDER_NONE ||
	    osv_compare(r->order, v, v, &c) != MEDSEC_OK ||
	    !before_limits(r, v))
		return 0;
	for (size_t i = 0; i < r->nevents; i++) {
		const struct osv_event *e = &r->events[i];

		if (osv_compare(r->order, v, e->version, &c) != MEDSEC_OK)
			continue;
		if (e->kind == OSV_INTRODUCED && c >= 0)
			vulnerable = 1;
		else if (e->kind == OSV_FIXED && c >= 0)
			vulnerable = 0;
		else if (e->kind == OSV_LAST_AFFECTED && c > 0)
			vulnerable = 0;
		else if (e->kind == OSV_FIXED && **fixedp == '\0')
			*fixedp = e->version;
	}
	return vulnerable;
}

static int
is_affected(const struct osv_affected *a, const char *v, const char **fixed)
{
	for (size_t i = 0; i < a->nversions; i++)
		if (strcmp(a->versions[i], v) == 0)
			return 1;
	for (size_t i = 0; i < a->nranges; i++) {
		*fixed = "";
		if (in_range(&a->ranges[i], v, fixed))
			return 1;
	}
	return 0;
}

/* "Debian:12" also matches advisories for "Debian" without a release. */
static int
ecosystem_matches(const char *component, const char *advisory)
{
	size_t n = strlen(advisory);

	if (strcmp(component, advisory) == 0)
		return 1;
	return strcmp(advisory, "Debian") == 0 &&
	    strncmp(component, "Debian:", 7) == 0 && n == 6;
}

static int
judge(const struct medsec_vuln_db *db, const struct osv_posting *p,
    const struct medsec_vuln_component *c,
    int (*fn)(const struct medsec_vuln_match *, void *), void *ctx)
{
	const struct osv_record *r;
	const struct osv_affected *a;
	struct medsec_vuln_match m;
	const char *fixed = "";

	if (p->record >= db->nrecords)
		return 0;
	r = &db->records[p->record];
	if (p->affected >= r->naffected)
		return 0;
	a = &r->affected[p->affected];
	if (a->name == NULL || strcmp(a->name, c->name) != 0 ||
	    !ecosystem_matches(c->ecosystem, a->ecosystem) ||
	    !is_affected(a, c->version, &fixed))
		return 0;
	m.component = c;
	m.id = r->id;
	m.aliases = r->aliases != NULL ? r->aliases : "";
	m.summary = r->summary != NULL ? r->summary : "";
	m.fixed = fixed;
	return fn(&m, ctx);
}

static int
scan_bucket(const struct medsec_vuln_db *db, const struct osv_bucket *b,
    const struct medsec_vuln_component *c,
    int (*fn)(const struct medsec_vuln_match *, void *), void *ctx)
{
	int rc;

	for (size_t i = 0; b != NULL && i < b->n; i++)
		if ((rc = judge(db, &b->postings[i], c, fn, ctx)) != 0)
			return rc;
	return 0;
}

static int
scan_indexed(const struct medsec_vuln_db *db,
    const struct medsec_vuln_component *c,
    int (*fn)(const struct medsec_vuln_match *, void *), void *ctx)
{
	int rc;

	if ((rc = scan_bucket(db, osv_index_find(db, c->ecosystem, c->name),
	    c, fn, ctx)) != 0)
		return rc;
	if (strncmp(c->ecosystem, "Debian:", 7) == 0)
		return scan_bucket(db, osv_index_find(db, "Debian", c->name),
		    c, fn, ctx);
	return 0;
}

static int
scan_naive(const struct medsec_vuln_db *db,
    const struct medsec_vuln_component *c,
    int (*fn)(const struct medsec_vuln_match *, void *), void *ctx)
{
	struct osv_posting p;
	int rc;

	for (size_t i = 0; i < db->nrecords; i++)
		for (size_t j = 0; j < db->records[i].naffected; j++) {
			p.record = (uint32_t)i;
			p.affected = (uint32_t)j;
			if ((rc = judge(db, &p, c, fn, ctx)) != 0)
				return rc;
		}
	return 0;
}

int
medsec_vuln_scan(const struct medsec_vuln_db *db,
    const struct medsec_vuln_component *components, size_t ncomponents,
    int indexed, int (*fn)(const struct medsec_vuln_match *, void *),
    void *ctx)
{
	int rc;

	if (db == NULL || fn == NULL || (components == NULL && ncomponents))
		return MEDSEC_ERR_INVALID;
	for (size_t i = 0; i < ncomponents; i++) {
		const struct medsec_vuln_component *c = &components[i];

		if (c->ecosystem == NULL || c->name == NULL ||
		    c->version == NULL)
			return MEDSEC_ERR_INVALID;
		rc = indexed ? scan_indexed(db, c, fn, ctx) :
		    scan_naive(db, c, fn, ctx);
		if (rc != 0)
			return rc;
	}
	return MEDSEC_OK;
}
