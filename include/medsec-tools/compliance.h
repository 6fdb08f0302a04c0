/*
 * medsec compliance: the MFDS requirement catalog (data, not code), the
 * device profile a manufacturer writes, and the classification that turns
 * one into the other: whether cybersecurity applies, the safety level
 * (MFDS 2020 guideline, Tables 1 and 2) and, for every requirement of
 * Table 3, whether it is required, recommended or may be excluded.
 *
 * Part of libmedsec-tools (pkg-config medsec-tools), the manufacturer's
 * library; the device library (libmedsec) carries none of it.
 *
 * Catalog: JSON (schema in docs/compliance/classification.md). The library
 * embeds every JSON file of data/mfds at build time; medsec_catalog_load()
 * also reads a revision from a file. A catalog is immutable once loaded.
 *
 * Profile (INI, strict like medsec config: unknown section or key, bad
 * value, duplicate key, over-long line are errors naming file:line:key):
 *
 *   [device]
 *   name = CareLink Home Gateway
 *   model = CLG-200
 *   manufacturer = Example Medical Co.
 *   class = 2                      ; MFDS class 1-4 (required)
 *   implantable = no               ; yes | no (default no)
 *   functions = vital-sign-transmission, measurement
 *   worst_harm = temporary-injury  ; see enum medsec_harm
 *   [communication]
 *   technologies = Bluetooth Low Energy, LTE, Wi-Fi
 *   purposes = health-records, maintenance
 *   public_network = yes
 *   [implementation]
 *   1.18 = sealed enclosure, no external debug port; doc HW-SEC-004
 */
#ifndef MEDSEC_TOOLS_COMPLIANCE_H
#define MEDSEC_TOOLS_COMPLIANCE_H

#include "medsec/base.h"

#include <stddef.h>

#include "medsec/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- levels, applicability ---- */

/* Ordered: a larger value is a stricter level. */
enum medsec_level {
	MEDSEC_LEVEL_NONE = 0,	   /* out of scope, or not stated */
	MEDSEC_LEVEL_MINOR = 1,
	MEDSEC_LEVEL_MODERATE = 2,
	MEDSEC_LEVEL_MAJOR = 3
};
#define MEDSEC_LEVEL_COUNT 4

enum medsec_applicability {
	MEDSEC_APPLIC_NONE = 0,	      /* not applicable (out of scope) */
	MEDSEC_APPLIC_REQUIRED = 1,    /* Table 3 "○" */
	MEDSEC_APPLIC_RECOMMENDED = 2, /* Table 3 "△" */
	MEDSEC_APPLIC_MAY_EXCLUDE = 3  /* Table 3 footnote (implantable) */
};

/* "major", "moderate", "minor"; NULL for MEDSEC_LEVEL_NONE. */
MEDSEC_API
const char *medsec_level_name(enum medsec_level level);
/* "required", "recommended", "may-exclude"; "not-applicable" for NONE. */
MEDSEC_API
const char *medsec_applicability_name(enum medsec_applicability a);

/* ---- requirement catalog ---- */

#define MEDSEC_CATALOG_DEFAULT "mfds-2019-table3"
#define MEDSEC_CATALOG_ITEMS_MAX 64
#define MEDSEC_CATALOG_FILE_MAX (1024 * 1024)

struct medsec_strlist {
	size_t n;
	char **v;
};

/* One requirement. Every string is owned by the catalog; never NULL
 * except where marked. */
struct medsec_requirement {
	char *id;	      /* checklist number, Table 4: "1.1" .. "2.4" */
	int no;		      /* Table 3 number: 1 .. 24 */
	char *stage;	      /* identify-protect | detect-respond-recover */
	char *title;	      /* Table 3 "Item" */
	char *summary;	      /* the requirement in our own words */
	char *text;	      /* Table 3 "Requirements", as published */
	char *checklist_text; /* Table 4 wording of the same item */
	char *citation;	      /* "MFDS 2020 guideline, Table 3, no. N" */
	/* Indexed by enum medsec_level; [MEDSEC_LEVEL_NONE] is APPLIC_NONE. */
	enum medsec_applicability by_level[MEDSEC_LEVEL_COUNT];
	int implantable_may_exclude; /* Table 3 footnote: nos. 18 and 21 */
	char *applicability_note;    /* scope conditions; may be NULL */
	struct medsec_strlist verification; /* suggested methods */
	struct medsec_strlist standards;    /* applicable laws, standards */
	char *mechanism;		    /* how medsec meets it */
	struct medsec_strlist modules;	    /* medsec modules involved */
	struct medsec_strlist test_tags;    /* JUnit name prefixes */
	struct medsec_strlist mds2;	    /* IEC TR 80001-2-2 / MDS2 codes */
	struct medsec_strlist fda;	    /* FDA Appendix 1 categories */
	struct medsec_strlist iec62443;	    /* IEC 62443-4-2 FR/CR codes */
	char *note;			    /* mapping judgments; may be NULL */
};

struct medsec_catalog; /* opaque */

/*
 * Opens a catalog embedded in the library by name (NULL for
 * MEDSEC_CATALOG_DEFAULT). *catp receives a catalog the caller frees with
 * medsec_catalog_free(). MEDSEC_ERR_NOT_FOUND for an unknown name.
 */
MEDSEC_API
int medsec_catalog_builtin(const char *name, struct medsec_catalog **catp,
    struct medsec_config_error *err);

/* Loads a catalog from a JSON file (at most MEDSEC_CATALOG_FILE_MAX). */
MEDSEC_API
int medsec_catalog_load(const char *path, struct medsec_catalog **catp,
    struct medsec_config_error *err);

/*
 * Parses catalog JSON in memory; name is for errors. Unpacking is strict:
 * an unknown or missing field, a duplicate id or number, a bad
 * applicability value is MEDSEC_ERR_FORMAT with err filled (line from the
 * JSON parser where it has one, key "items[i].field").
 */
MEDSEC_API
int medsec_catalog_parse(const char *name, const char *json, size_t len,
    struct medsec_catalog **catp, struct medsec_config_error *err);

MEDSEC_API
void medsec_catalog_free(struct medsec_catalog *cat);

/* Names of the embedded catalogs, NULL-terminated. */
MEDSEC_API
const char *const *medsec_catalog_builtin_names(void);

/* "mfds-2019-table3", its version, its title and the guideline cited. */
MEDSEC_API
const char *medsec_catalog_name(const struct medsec_catalog *cat);
MEDSEC_API
int medsec_catalog_version(const struct medsec_catalog *cat);
MEDSEC_API
const char *medsec_catalog_title(const struct medsec_catalog *cat);
MEDSEC_API
const char *medsec_catalog_source(const struct medsec_catalog *cat);
MEDSEC_API
size_t medsec_catalog_count(const struct medsec_catalog *cat);
/* Items in checklist order; NULL when i is out of range. */
MEDSEC_API
const struct medsec_requirement *medsec_catalog_item(
    const struct medsec_catalog *cat, size_t i);
/* By checklist id ("2.1"); NULL when absent. */
MEDSEC_API
const struct medsec_requirement *medsec_catalog_find(
    const struct medsec_catalog *cat, const char *id);

/* ---- device profile ---- */

enum medsec_harm {
	MEDSEC_HARM_UNSET = 0,
	MEDSEC_HARM_TEMPORARY_DISCOMFORT = 1,	/* Table 1 minor */
	MEDSEC_HARM_TEMPORARY_INJURY = 2,	/* Table 1 moderate */
	MEDSEC_HARM_DEATH_OR_SERIOUS_INJURY = 3 /* Table 1 major */
};

/* Device functions (bits of medsec_profile.functions). */
#define MEDSEC_FN_SURGERY 0x001
#define MEDSEC_FN_RADIATION_THERAPY 0x002
#define MEDSEC_FN_LIFE_SUPPORT 0x004
#define MEDSEC_FN_DEFIBRILLATION 0x008
#define MEDSEC_FN_VITAL_SIGN_ALARM 0x010
#define MEDSEC_FN_VITAL_SIGN_TRANSMISSION 0x020
#define MEDSEC_FN_MEASUREMENT 0x040
#define MEDSEC_FN_ANALYSIS_DIAGNOSIS 0x080
#define MEDSEC_FN_TREATMENT 0x100
#define MEDSEC_FN_NONE 0x200 /* stated explicitly: "none" */
#define MEDSEC_FN_ALL 0x3ff

/* Communication purposes (guideline I.2 scope 1-3; Table 4 item 3). */
#define MEDSEC_PURPOSE_HEALTH_RECORDS 0x1
#define MEDSEC_PURPOSE_CONTROL 0x2
#define MEDSEC_PURPOSE_MAINTENANCE 0x4
#define MEDSEC_PURPOSE_ALL 0x7

#define MEDSEC_PROFILE_TEXT_MAX 128
#define MEDSEC_PROFILE_TECH_MAX 16
#define MEDSEC_PROFILE_DECL_MAX 64
#define MEDSEC_PROFILE_DECL_TEXT_MAX MEDSEC_CONFIG_LINE_MAX

/* An [implementation] declaration: "<item id> = text". */
struct medsec_profile_decl {
	char id[16];
	int line;
	char text[MEDSEC_PROFILE_DECL_TEXT_MAX];
};

/* Caller-allocated; no interior pointers. */
struct medsec_profile {
	char source[MEDSEC_CONFIG_PATH_MAX]; /* file name given to the parser */
	char name[MEDSEC_PROFILE_TEXT_MAX];
	char model[MEDSEC_PROFILE_TEXT_MAX];
	char manufacturer[MEDSEC_PROFILE_TEXT_MAX];
	int device_class;	/* 1..4 */
	int implantable;	/* 0 | 1 */
	unsigned functions;	/* MEDSEC_FN_* bits; 0 when not stated */
	enum medsec_harm worst_harm;
	size_t n_technologies;
	char technologies[MEDSEC_PROFILE_TECH_MAX][MEDSEC_PROFILE_TEXT_MAX];
	unsigned purposes;	/* MEDSEC_PURPOSE_* bits */
	int public_network;	/* 1 yes, 0 no, -1 not stated */
	size_t n_decls;
	struct medsec_profile_decl decls[MEDSEC_PROFILE_DECL_MAX];
};

/*
 * Loads a profile file (at most MEDSEC_CONFIG_FILE_MAX bytes). On error
 * returns MEDSEC_ERR_CONFIG (or an I/O code), fills *err (file, line,
 * "section.key", message) and leaves *p unchanged.
 */
MEDSEC_API
int medsec_profile_load(const char *path, struct medsec_profile *p,
    struct medsec_config_error *err);

/* As medsec_profile_load() on text in memory; name is for errors. */
MEDSEC_API
int medsec_profile_parse(const char *name, const char *text, size_t len,
    struct medsec_profile *p, struct medsec_config_error *err);

/* The [implementation] text for an item, or NULL. */
MEDSEC_API
const char *medsec_profile_declaration(const struct medsec_profile *p,
    const char *id);

/* Profile vocabulary: "vital-sign-alarm", "health-records", ... (NULL for
 * anything but a single known bit) and the Table 4 wording of a purpose. */
MEDSEC_API
const char *medsec_function_name(unsigned fn);
MEDSEC_API
const char *medsec_purpose_name(unsigned purpose);
MEDSEC_API
const char *medsec_purpose_label(unsigned purpose);
MEDSEC_API
const char *medsec_harm_name(enum medsec_harm harm);

/* ---- classification ---- */

#define MEDSEC_CLASSIFY_LINE_MAX 512
#define MEDSEC_CLASSIFY_LINES_MAX 24

struct medsec_decision {
	const struct medsec_requirement *req; /* points into the catalog */
	enum medsec_applicability applicability;
	char reason[MEDSEC_CLASSIFY_LINE_MAX];
};

struct medsec_classification {
	int in_scope;
	enum medsec_level level;      /* NONE when out of scope */
	enum medsec_level harm_level; /* worst_harm (Table 1); NONE if unset */
	enum medsec_level floor;      /* from class and functions (Table 2) */
	size_t n_rationale;
	char rationale[MEDSEC_CLASSIFY_LINES_MAX][MEDSEC_CLASSIFY_LINE_MAX];
	size_t n_warnings;
	char warnings[MEDSEC_CLASSIFY_LINES_MAX][MEDSEC_CLASSIFY_LINE_MAX];
	size_t n_decisions; /* 0 when out of scope, else every catalog item */
	struct medsec_decision decisions[MEDSEC_CATALOG_ITEMS_MAX];
};

/*
 * Classifies a profile against a catalog. *outp receives a result the
 * caller frees with medsec_classification_free(); it points into cat, so
 * cat must outlive it. Never fails on a valid profile: contradictions
 * are warnings, not errors.
 */
MEDSEC_API
int medsec_classify(const struct medsec_catalog *cat,
    const struct medsec_profile *p, struct medsec_classification **outp);

MEDSEC_API
void medsec_classification_free(struct medsec_classification *c);

/* The decision for an item id, or NULL. */
MEDSEC_API
const struct medsec_decision *medsec_classification_find(
    const struct medsec_classification *c, const char *id);

/*
 * The JSON form, NUL-terminated, in *jsonp (free with free()):
 * {"in_scope":true,"level":"moderate","rationale":[...],"warnings":[...],
 *  "requirements":[{"id":"1.1","no":1,"title":"...",
 *  "applicability":"required","reason":"..."}, ...]}
 * level is null and requirements [] when out of scope.
 */
MEDSEC_API
int medsec_classification_to_json(const struct medsec_classification *c,
    char **jsonp);

/* ---- submission package (report.c) ---- */

/*
 * Test evidence: the JUnit XML that `ctest --output-junit` writes, read
 * by a small strict reader (junit.c). Accepted: the <?xml?> declaration
 * (UTF-8 only), elements, attributes quoted with " or ', the five
 * predefined entities and numeric character references, comments and
 * CDATA. Refused with file:line: a DTD, other processing instructions,
 * an element JUnit does not define, text outside the elements that carry
 * it, invalid UTF-8, nesting deeper than MEDSEC_JUNIT_DEPTH_MAX and
 * anything over the caps below. Unknown attributes are checked for syntax
 * and otherwise ignored, so a newer writer's extra attribute is no error.
 */
#define MEDSEC_JUNIT_FILE_MAX (64 * 1024 * 1024)
#define MEDSEC_JUNIT_CASES_MAX 100000
#define MEDSEC_JUNIT_DEPTH_MAX 16
#define MEDSEC_JUNIT_ATTRS_MAX 32
#define MEDSEC_JUNIT_NAME_MAX 1024    /* a test name, decoded */
#define MEDSEC_JUNIT_VALUE_MAX 65536  /* any attribute value, decoded */

enum medsec_test_status {
	MEDSEC_TEST_PASS = 0,	/* status="run", no failure, not skipped */
	MEDSEC_TEST_FAIL = 1,	/* status="fail", <failure> or <error> */
	MEDSEC_TEST_SKIP = 2,	/* the test skipped itself (<skipped>) */
	MEDSEC_TEST_NOTRUN = 3	/* disabled, or could not be started */
};

/* "pass", "fail", "skip", "notrun". */
MEDSEC_API
const char *medsec_test_status_name(enum medsec_test_status s);

struct medsec_junit_case {
	char *name;	 /* never NULL or empty */
	char *classname; /* NULL when absent */
	char *message;	 /* failure or skip message; NULL when empty */
	enum medsec_test_status status;
	double time;	 /* seconds; -1 when absent */
};

/* Every string is owned by the struct; NULL when the attribute is absent
 * or empty. Counts are summed over the suites; -1 when no suite had it. */
struct medsec_junit {
	char *suite;
	char *timestamp; /* ISO 8601 as written (ctest: local time, no zone) */
	char *hostname;
	long tests, failures, errors, skipped, disabled;
	double time;	 /* seconds; -1 when absent */
	size_t n;
	struct medsec_junit_case *cases; /* in document order */
};

/*
 * Parses JUnit XML in memory; name is for errors. On error returns
 * MEDSEC_ERR_FORMAT (MEDSEC_ERR_TOO_LARGE past a cap) with err naming the
 * line, and leaves *jp NULL. On success the caller frees *jp with
 * medsec_junit_free().
 */
MEDSEC_API
int medsec_junit_parse(const char *name, const char *xml, size_t len,
    struct medsec_junit **jp, struct medsec_config_error *err);

/* As medsec_junit_parse() on a file of at most MEDSEC_JUNIT_FILE_MAX. */
MEDSEC_API
int medsec_junit_load(const char *path, struct medsec_junit **jp,
    struct medsec_config_error *err);

MEDSEC_API
void medsec_junit_free(struct medsec_junit *j);

/*
 * An evidence directory, as scripts/report.sh writes it (see
 * docs/compliance/submission.md):
 *   junit.xml     ctest --output-junit (absent: every item is a gap)
 *   meta.json     {"schema":"medsec-evidence-1","commit":"<hex>|unknown",
 *                  "dirty":true|false|null,"collected":"<UTC ISO 8601>",
 *                  "medsec_version":..., "ctest":..., "compiler":...,
 *                  "build_type":..., "host":...} (the last five optional)
 *   commit        one line, used only when meta.json is absent
 *   bench/NAME.txt  benchmark results, quoted in the V&V report
 *   attacks/NAME    attack-tool results (text), quoted in the V&V report
 *   sbom.NAME, vulnerabilities.NAME: production information, if present
 * Files are read without following symlinks and within caps; a malformed
 * junit.xml or meta.json is an error naming file:line.
 */
#define MEDSEC_EVIDENCE_TEXT_MAX (256 * 1024) /* each quoted text file */
#define MEDSEC_EVIDENCE_FILES_MAX 32

struct medsec_evidence; /* opaque */

MEDSEC_API
int medsec_evidence_load(const char *dir, struct medsec_evidence **evp,
    struct medsec_config_error *err);
MEDSEC_API
void medsec_evidence_free(struct medsec_evidence *ev);

/* The JUnit results, or NULL when the directory had no junit.xml. */
MEDSEC_API
const struct medsec_junit *medsec_evidence_junit(
    const struct medsec_evidence *ev);
/* The commit recorded by the evidence ("unknown" when not recorded). */
MEDSEC_API
const char *medsec_evidence_commit(const struct medsec_evidence *ev);

/* The three documents of guideline IV and the formats of each. */
enum medsec_report_doc {
	MEDSEC_REPORT_CHECKLIST = 0, /* Table 4 */
	MEDSEC_REPORT_RISK = 1,	     /* cybersecurity risk management */
	MEDSEC_REPORT_VV = 2	     /* software verification and validation */
};
#define MEDSEC_REPORT_DOCS 3

enum medsec_report_format {
	MEDSEC_REPORT_MD = 0,
	MEDSEC_REPORT_JSON = 1,
	MEDSEC_REPORT_HTML = 2
};
#define MEDSEC_REPORT_FORMATS 3

/* How a requirement stands against the evidence. */
enum medsec_verdict {
	MEDSEC_VERDICT_NA = 0,	     /* out of scope: nothing applies */
	MEDSEC_VERDICT_MET = 1,	     /* tests found, every one passed */
	MEDSEC_VERDICT_DECLARED = 2, /* no test; [implementation] document */
	MEDSEC_VERDICT_EXCLUDED = 3, /* may-exclude, no test, justified */
	MEDSEC_VERDICT_GAP = 4	     /* no evidence, or a test not passed */
};

/* "not-applicable", "met", "declared", "excluded", "gap". */
MEDSEC_API
const char *medsec_verdict_name(enum medsec_verdict v);

/* File stem of a document: "checklist", "risk-management",
 * "verification-validation"; and its title. NULL when out of range. */
MEDSEC_API
const char *medsec_report_doc_stem(enum medsec_report_doc doc);
MEDSEC_API
const char *medsec_report_doc_title(enum medsec_report_doc doc);
/* "md", "json", "html"; NULL when out of range. */
MEDSEC_API
const char *medsec_report_format_ext(enum medsec_report_format fmt);

struct medsec_report; /* opaque */

/*
 * Weighs the evidence for every requirement the classification lists.
 * The report points into cat, p, c and ev: all must outlive it. A test
 * proves an item when its name starts with one of the item's catalog
 * test_tags. Free with medsec_report_free().
 */
MEDSEC_API
int medsec_report_build(const struct medsec_catalog *cat,
    const struct medsec_profile *p, const struct medsec_classification *c,
    const struct medsec_evidence *ev, struct medsec_report **outp);

MEDSEC_API
void medsec_report_free(struct medsec_report *r);

/* The verdict for an item id; MEDSEC_VERDICT_NA when absent. */
MEDSEC_API
enum medsec_verdict medsec_report_verdict(const struct medsec_report *r,
    const char *id);

/*
 * Number of gaps: among required items only (what --strict refuses), or
 * among every item when required_only is 0.
 */
MEDSEC_API
size_t medsec_report_gap_count(const struct medsec_report *r,
    int required_only);

/*
 * Renders one document into *outp (NUL-terminated, length in *lenp; free
 * with free()). HTML is one self-contained page: inline CSS, no external
 * resource, every text from the profile, catalog or evidence escaped.
 */
MEDSEC_API
int medsec_report_render(const struct medsec_report *r,
    enum medsec_report_doc doc, enum medsec_report_format fmt, char **outp,
    size_t *lenp);

/*
 * Renders index.html linking every document in every format; with
 * have_pdf non-zero it links <stem>.pdf too, else it says the PDFs were
 * not rendered and why (pdf_note, may be NULL).
 */
MEDSEC_API
int medsec_report_render_index(const struct medsec_report *r, int have_pdf,
    const char *pdf_note, char **outp, size_t *lenp);


/* ---- device evidence (report_evidence.c) ---- */

/*
 * Two kinds of evidence are kept apart. Component evidence is medsec's
 * own suite (the evidence directory above): it proves the mechanisms a
 * device uses. Device evidence is the manufacturer's: test results of the
 * device software (JUnit files tagged with the same test_req_ names) and
 * results of attack tools run against the device itself. An item is met
 * for the device only with device evidence (docs/compliance/submission.md).
 *
 * path is a JUnit file, or a directory laid out as
 *   device.json   {"schema":"medsec-device-evidence-1","software":"...",
 *                  "version":"...","build":"...","started":"<UTC>",
 *                  "collected":"<UTC>"} (build, started, collected
 *                  optional; the whole file optional)
 *   *.xml         JUnit files, read in name order
 *   attacks/NAME  attack-tool results against the device (text)
 * Call once per --device-evidence argument. A malformed file is an error
 * naming file:line and leaves ev unchanged.
 */
#define MEDSEC_DEVICE_JUNIT_MAX 16

MEDSEC_API MEDSEC_MUST_CHECK
int medsec_evidence_add_device(struct medsec_evidence *ev, const char *path,
    struct medsec_config_error *err);

/* Number of device JUnit files loaded, and the i-th (NULL past the end). */
MEDSEC_API
size_t medsec_evidence_device_count(const struct medsec_evidence *ev);
MEDSEC_API
const struct medsec_junit *medsec_evidence_device_junit(
    const struct medsec_evidence *ev, size_t i);

/*
 * What an item's test evidence rests on. Component evidence alone shows
 * "mechanism verified; integration not shown": the verdict is then
 * MEDSEC_VERDICT_GAP (the device has not shown the item), with this basis
 * telling the reader the mechanism itself was verified.
 */
enum medsec_evidence_basis {
	MEDSEC_BASIS_NONE = 0,	    /* no test evidence for the item */
	MEDSEC_BASIS_COMPONENT = 1, /* medsec's suite only */
	MEDSEC_BASIS_DEVICE = 2	    /* device tests (with or without) */
};

/* "none", "component", "device". */
MEDSEC_API
const char *medsec_evidence_basis_name(enum medsec_evidence_basis b);

/* The basis of an item's verdict; MEDSEC_BASIS_NONE when absent. */
MEDSEC_API
enum medsec_evidence_basis medsec_report_basis(const struct medsec_report *r,
    const char *id);

/*
 * Result files (bench/, attacks/, the device's attacks/) quoted only when
 * they come from the same run as the tests; the number excluded as from
 * another run (each listed in the V&V report with the reason).
 */
MEDSEC_API
size_t medsec_report_excluded_results(const struct medsec_report *r);

/*
 * The production files of the evidence directory (sbom.*,
 * vulnerabilities.*: the SBOM, the vulnerability status and its VEX),
 * which the package carries unchanged: their number and the i-th name,
 * relative to the evidence directory (NULL past the end).
 */
MEDSEC_API
size_t medsec_evidence_production_count(const struct medsec_evidence *ev);
MEDSEC_API
const char *medsec_evidence_production_name(const struct medsec_evidence *ev,
    size_t i);

/*
 * A draft of the MDS2 form (HN 1-2019), section by section: answered
 * from the profile, the SBOM and the verdicts of the catalog items mapped
 * to each section (device evidence only), the rest marked unanswered.
 * The package writes it as mds2-draft.{md,json,html}. Output as
 * medsec_report_render().
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_report_render_mds2(const struct medsec_report *r,
    enum medsec_report_format fmt, char **outp, size_t *lenp);

#ifdef __cplusplus
}
#endif
#endif
