/* The vuln module's internals: advisories in memory and their index. */
#ifndef MEDSEC_VULN_INT_H
#define MEDSEC_VULN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec-tools/vuln.h"

#define OSV_AFFECTED_MAX 1024
#define OSV_RANGES_MAX 64
#define OSV_EVENTS_MAX 256
#define OSV_VERSIONS_MAX 4096
#define OSV_TEXT_MAX 1024

enum osv_event_kind {
	OSV_INTRODUCED = 1,
	OSV_FIXED,
	OSV_LAST_AFFECTED,
	OSV_LIMIT
};

/* How a range's versions are ordered. */
enum osv_order {
	OSV_ORDER_NONE = 0, /* GIT, or an ecosystem we cannot order */
	OSV_ORDER_DEBIAN,
	OSV_ORDER_SEMVER
};

struct osv_event {
	int kind;
	char *version; /* "0" for introduced-at-the-beginning, "*" limit */
};

struct osv_range {
	int order;
	size_t nevents;
	struct osv_event *events; /* sorted by version, as OSV requires */
};

struct osv_affected {
	char *ecosystem; /* "Debian:11", "ConanCenter", ... */
	char *name;
	size_t nranges;
	struct osv_range *ranges;
	size_t nversions;
	char **versions;
};

struct osv_record {
	char *id, *modified, *summary, *aliases;
	size_t naffected;
	struct osv_affected *affected;
};

/* One (record, affected entry) under a key of the index. */
struct osv_posting {
	uint32_t record, affected;
};

struct osv_bucket {
	char *key; /* "<ecosystem>\x1f<name>"; NULL when empty */
	uint64_t hash;
	size_t n, cap;
	struct osv_posting *postings;
};

struct medsec_vuln_db {
	size_t nrecords, cap;
	struct osv_record *records;
	char date[64];
	/* Open addressing, power-of-two size, at most half full. */
	size_t nbuckets, used;
	struct osv_bucket *buckets;
};

/* Adds record r's affected entries to the index. */
int osv_index_add(struct medsec_vuln_db *db, uint32_t record);

/* The bucket of (ecosystem, name), or NULL. */
const struct osv_bucket *osv_index_find(const struct medsec_vuln_db *db,
    const char *ecosystem, const char *name);

void osv_record_clear(struct osv_record *r);

/* Compares versions in a range's order (MEDSEC_ERR_INVALID if either is
 * not a version of that order). */
int osv_compare(int order, const char *a, const char *b, int *cmp);

/* The order of an ECOSYSTEM range's ecosystem, or of a SEMVER range. */
int osv_order_of(const char *type, const char *ecosystem);

#endif
