/*
 * medsec vuln: tracking the vulnerabilities of the components an SBOM
 * lists (MFDS 2025 post-market rules; MFDS 2.3), against OSV advisories
 * stored offline (https://ossf.github.io/osv-schema/).
 *
 * Version order is exact for each ecosystem: Debian versions compare as
 * dpkg compares them (epochs, tildes, revisions), SEMVER ranges as
 * Semantic Versioning 2.0.0 orders them. A component a Debian package
 * installed is judged by Debian's own advisories (ecosystem "Debian:<N>",
 * keyed by the source package) and Debian's version order, never by the
 * upstream project's range: a fix Debian backported into an older
 * upstream version is a fix (docs/vuln.md).
 *
 * Part of libmedsec-tools (pkg-config medsec-tools).
 */
#ifndef MEDSEC_TOOLS_VULN_H
#define MEDSEC_TOOLS_VULN_H

#include "medsec/base.h"
#include "medsec/err.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_VULN_VERSION_MAX 256 /* longest version accepted */
#define MEDSEC_VULN_RECORD_MAX (1u << 20) /* one OSV JSON file */

/*
 * Compares two Debian versions ([epoch:]upstream[-revision]) exactly as
 * `dpkg --compare-versions` does: *cmp is negative, 0 or positive.
 * Returns MEDSEC_OK, or MEDSEC_ERR_INVALID for a version dpkg would flag
 * as bad syntax (empty, non-numeric epoch, upstream not starting with a
 * digit, a character outside the allowed ones, an empty revision).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_debver_compare(const char *a, const char *b, int *cmp);

/* Whether a Debian version is well formed: 1 or 0. */
MEDSEC_API
int medsec_debver_valid(const char *v);

/*
 * Compares two Semantic Versions 2.0.0 (MAJOR.MINOR.PATCH[-pre][+build],
 * no "v" prefix) by precedence: build metadata is ignored, a pre-release
 * is lower than its release, numeric identifiers compare as numbers of
 * any length. MEDSEC_ERR_INVALID for anything the grammar refuses.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_semver_compare(const char *a, const char *b, int *cmp);

/* An advisory database in memory, indexed by ecosystem and package. */
struct medsec_vuln_db;

MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vuln_db_new(struct medsec_vuln_db **dbp);
MEDSEC_API
void medsec_vuln_db_free(struct medsec_vuln_db *db);

/*
 * Adds one OSV record (JSON text, untrusted; at most
 * MEDSEC_VULN_RECORD_MAX bytes). name says where it came from in err.
 * A record must have "id" and "modified"; each range of type ECOSYSTEM
 * or SEMVER must start with an "introduced" event, and each event holds
 * exactly one of introduced, fixed, last_affected, limit, with a version
 * valid in its ecosystem (Debian ranges as dpkg versions, SEMVER ranges
 * as Semantic Versions). GIT ranges are kept only through their
 * "versions" list. A withdrawn record is skipped. On error nothing is
 * added and err names the file, the field and the value.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vuln_db_add_json(struct medsec_vuln_db *db, const char *text,
    size_t len, const char *name, struct medsec_config_error *err);

/* Loads every *.json file of a directory (not recursive). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vuln_db_load_dir(struct medsec_vuln_db *db, const char *dir,
    struct medsec_config_error *err);

/*
 * The database as a signed bundle: an update package (include/medsec/
 * update.h) of product MEDSEC_VULN_BUNDLE_PRODUCT for hardware
 * MEDSEC_VULN_BUNDLE_HARDWARE whose payload files are OSV JSON records,
 * verified against the root and signing key sets in trust_dir as an
 * update is: unsigned, under-signed, tampered or expired bundles are
 * refused (MEDSEC_ERR_AUTH, MEDSEC_ERR_TAMPERED, MEDSEC_ERR_EXPIRED, ...),
 * and so is one built more than max_age_days before now_us (stale:
 * MEDSEC_ERR_EXPIRED; 0 = no age limit). Only verified bytes are parsed.
 * *built_usp (may be NULL) receives the bundle's build time.
 */
#define MEDSEC_VULN_BUNDLE_PRODUCT "medsec-advisories"
#define MEDSEC_VULN_BUNDLE_HARDWARE "advisory-db"
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vuln_db_load_bundle(struct medsec_vuln_db *db, const char *bundle,
    const char *trust_dir, int64_t now_us, unsigned max_age_days,
    int64_t *built_usp, struct medsec_config_error *err);

/* Records held, and the newest "modified" among them ("" when empty). */
MEDSEC_API
size_t medsec_vuln_db_count(const struct medsec_vuln_db *db);
MEDSEC_API
const char *medsec_vuln_db_date(const struct medsec_vuln_db *db);

/* A component to judge: what an SBOM entry says. */
struct medsec_vuln_component {
	const char *ref;       /* bom-ref in the SBOM, for reports */
	const char *ecosystem; /* "Debian:12", "ConanCenter", ... */
	const char *name;      /* Debian: the source package */
	const char *version;   /* Debian: the source package version */
};

/* One component found affected by one advisory. */
struct medsec_vuln_match {
	const struct medsec_vuln_component *component;
	const char *id;	       /* advisory id (DSA-5218-1, CVE-...) */
	const char *aliases;   /* comma-separated, "" if none */
	const char *summary;   /* "" if none */
	const char *fixed;     /* first fixed version above it, or "" */
};

/*
 * Judges each component against the advisories of its ecosystem and
 * name, through the index (indexed = 1) or by reading every advisory
 * (indexed = 0, the reference the index is benchmarked and tested
 * against). fn is called for each affected (component, advisory); a
 * non-zero return stops the scan and is returned.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vuln_scan(const struct medsec_vuln_db *db,
    const struct medsec_vuln_component *components, size_t ncomponents,
    int indexed, int (*fn)(const struct medsec_vuln_match *, void *),
    void *ctx);

/*
 * Reads the components of a CycloneDX JSON SBOM that an OSV ecosystem
 * covers (pkg:deb purls, with the source package from medsec's
 * properties; pkg:conan purls; others are skipped). *compsp is an array
 * the caller frees with medsec_vuln_components_free.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vuln_sbom_components(const char *text, size_t len,
    struct medsec_vuln_component **compsp, size_t *np,
    struct medsec_config_error *err);
MEDSEC_API
void medsec_vuln_components_free(struct medsec_vuln_component *comps,
    size_t n);


/* ---- triage decisions and VEX (CycloneDX 1.6, CSAF 2.0) ---- */

#define MEDSEC_VEX_DECISIONS_MAX 65536

/* One triage decision about one vulnerability. */
struct medsec_vex_decision {
	char id[128];		 /* advisory id or alias (CVE-2022-37434) */
	char ref[256];		 /* component bom-ref; "" for every one */
	char state[32];		 /* CycloneDX analysis.state */
	char justification[48]; /* CycloneDX; required for not_affected */
	char response[32];	 /* "" or a CycloneDX response */
	char detail[1024];	 /* the engineer's note */
	char recommendation[256]; /* "upgrade to ...", or "" */
	char updated[32];	 /* RFC 3339 UTC, when decided */
};

/* Decisions, at most one per (id, ref). */
struct medsec_vex;

MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vex_new(struct medsec_vex **vp);
MEDSEC_API
void medsec_vex_free(struct medsec_vex *v);

/*
 * Checks and records a decision, replacing the one with the same id and
 * ref. Refused (MEDSEC_ERR_INVALID, err names the field and value, v
 * unchanged): an id outside [A-Za-z0-9._:-], a state, justification or
 * response outside CycloneDX's lists, not_affected without a
 * justification, an empty note.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vex_set(struct medsec_vex *v, const struct medsec_vex_decision *d,
    struct medsec_config_error *err);

/*
 * Reads the decisions of a CycloneDX VEX (what medsec_vex_cyclonedx
 * writes, or a supplier's): each vulnerability's id, analysis and
 * affects[].ref (a BOM-Link keeps the part after '#'). Each is checked
 * as medsec_vex_set checks it; any refusal leaves v unchanged.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vex_load(struct medsec_vex *v, const char *text, size_t len,
    struct medsec_config_error *err);

MEDSEC_API
size_t medsec_vex_count(const struct medsec_vex *v);
MEDSEC_API
const struct medsec_vex_decision *medsec_vex_get(const struct medsec_vex *v,
    size_t i);

/*
 * The decision for a finding: by the advisory's id or one of its
 * comma-separated aliases, for this component's ref or for every
 * component; a decision about the component wins. NULL when none.
 */
MEDSEC_API
const struct medsec_vex_decision *medsec_vex_find(const struct medsec_vex *v,
    const char *id, const char *aliases, const char *ref);

/* The decisions as a standalone CycloneDX 1.6 VEX (caller frees). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vex_cyclonedx(const struct medsec_vex *v, const char *when,
    char **jsonp);

struct medsec_csaf_info {
	const char *publisher;	   /* organisation name */
	const char *namespace_url; /* its URL (https://...) */
	const char *tracking_id;   /* e.g. ACME-VEX-2026-001 */
	const char *title;
	const char *when;	   /* RFC 3339 UTC */
};

/*
 * The decisions with a component as a CSAF 2.0 csaf_vex document: one
 * vulnerability per id, each component a product, in_triage as
 * under_investigation, exploitable as known_affected with a remediation,
 * resolved as fixed, not_affected and false_positive as
 * known_not_affected with a flag and an impact statement.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_vex_csaf(const struct medsec_vex *v,
    const struct medsec_csaf_info *info, char **jsonp);

#ifdef __cplusplus
}
#endif
#endif
