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
	/* The Korean title and requirement text (catalog field "ko"); NULL
	 * when the catalog has none. */
	char *title_ko;
	char *text_ko;
	/*
	 * Where text_ko comes from, never NULL when text_ko is set:
	 * "translation" when it is the project's own translation (then
	 * text_ko_translated is 1 and every document says so), else the
	 * published Korean text cited as "title; publisher; date; URL".
	 */
	char *text_ko_source;
	int text_ko_translated;
	/* The suggested verification methods in Korean, one per entry of
	 * verification, same order (the same source as text_ko); empty
	 * when the catalog has none. */
	struct medsec_strlist verification_ko;
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

#define MEDSEC_PROFILE_LONG_MAX MEDSEC_CONFIG_LINE_MAX

enum medsec_decide {
	MEDSEC_DECIDE_UNSET = 0,
	MEDSEC_DECIDE_APPLIED = 1,
	MEDSEC_DECIDE_NOT_APPLIED = 2
};

/* The grounds the guideline gives for leaving an item out. */
enum medsec_basis {
	MEDSEC_BASIS_NONE = 0,		/* none given */
	MEDSEC_BASIS_IMPLANTABLE = 1,	/* Table 3 footnote: nos. 18 and 21 */
	MEDSEC_BASIS_STANDALONE_SW = 2, /* IV.2: hardware-only requirements */
	MEDSEC_BASIS_CONDITION = 3,	/* the item's own condition (Table 3
					 * text) does not arise */
	MEDSEC_BASIS_RISK_ANALYSIS = 4	/* IV.1: manufacturer's risk analysis,
					 * with its document */
};

/* "implantable", "standalone-software", "condition", "risk-analysis";
 * NULL for MEDSEC_BASIS_NONE. */
MEDSEC_API
const char *medsec_basis_name(enum medsec_basis b);

/* An [applicability] line. */
struct medsec_profile_applic {
	char id[16];
	int line;
	enum medsec_decide decision;
	enum medsec_basis basis;
	char reference[MEDSEC_PROFILE_TEXT_MAX]; /* risk-analysis document */
	char reason[MEDSEC_PROFILE_LONG_MAX];
};

/* The legacy-device plan (MFDS 2025 rules; FDA 524B end of support). */
struct medsec_profile_legacy {
	char end_of_support[16]; /* YYYY-MM-DD; "" when not stated */
	int line;		 /* of end_of_support; else of [legacy] */
	char patch_policy[MEDSEC_PROFILE_LONG_MAX];
	char vulnerability_policy[MEDSEC_PROFILE_LONG_MAX];
	char compensating_controls[MEDSEC_PROFILE_LONG_MAX];
	char data_deletion[MEDSEC_PROFILE_LONG_MAX];
};

#define MEDSEC_PROFILE_DOC_NUMBERS 3 /* checklist, risk, V&V */
#define MEDSEC_PROFILE_SIGNERS 3 /* prepared, reviewed, approved */

struct medsec_profile_signer {
	char name[MEDSEC_PROFILE_TEXT_MAX];  /* "" when not stated */
	char title[MEDSEC_PROFILE_TEXT_MAX];
};

/* The form's administrative parts ([submission] and [device]). */
struct medsec_profile_admin {
	char item_name[MEDSEC_PROFILE_TEXT_MAX]; /* 품목명 */
	char item_code[32];			 /* 분류번호 */
	char applicant[MEDSEC_PROFILE_TEXT_MAX];
	char applicant_role[16]; /* "manufacturer" | "importer" | "" */
	char application[16];	 /* "approval" | "certification" |
				  * "notification" | "" */
	char doc_number[MEDSEC_PROFILE_DOC_NUMBERS][MEDSEC_PROFILE_TEXT_MAX];
	char revision[32];
	char date[16]; /* YYYY-MM-DD */
	/* [0] prepared_by, [1] reviewed_by, [2] approved_by */
	struct medsec_profile_signer signers[MEDSEC_PROFILE_SIGNERS];
};

/* The sections added for the submission (issue 14), filled by the same
 * parser; the last member of struct medsec_profile. */
struct medsec_profile_more {
	char category[48];   /* "" when not stated */
	int category_line;
	int standalone_software; /* form = standalone-software */
	int ai;			 /* ai = yes */
	int device_line;	 /* line of [device], for errors */
	int harm_line, functions_line;
	size_t n_applic;
	struct medsec_profile_applic applic[MEDSEC_PROFILE_DECL_MAX];
	char threat_model[MEDSEC_CONFIG_PATH_MAX]; /* as written */
	int threat_model_line;
	char matrix[16]; /* "AAR/ARU/RUU" form; "" for the default */
	int has_legacy;	 /* a [legacy] section was given */
	struct medsec_profile_legacy legacy;
	struct medsec_profile_admin admin;
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
	struct medsec_profile_more more;
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
/* A Korean line: UTF-8 Hangul takes three bytes a character. */
#define MEDSEC_CLASSIFY_LINE_KO_MAX 1024

struct medsec_decision {
	const struct medsec_requirement *req; /* points into the catalog */
	enum medsec_applicability applicability;
	char reason[MEDSEC_CLASSIFY_LINE_MAX];
	char reason_ko[MEDSEC_CLASSIFY_LINE_KO_MAX]; /* the same in Korean */
	/* Table 3's own column when the profile's [applicability] changed
	 * it (an allowed exclusion becomes MEDSEC_APPLIC_MAY_EXCLUDE). */
	enum medsec_applicability table3;
	/* A copy of the profile's [applicability] line for the item;
	 * decision.decision is MEDSEC_DECIDE_UNSET when there is none. */
	struct medsec_profile_applic decision;
};

struct medsec_threat_model; /* opaque (docs/compliance/profile.md) */

struct medsec_classification {
	int in_scope;
	enum medsec_level level;      /* NONE when out of scope */
	enum medsec_level harm_level; /* worst_harm (Table 1); NONE if unset */
	enum medsec_level floor;      /* from class and functions (Table 2) */
	size_t n_rationale;
	char rationale[MEDSEC_CLASSIFY_LINES_MAX][MEDSEC_CLASSIFY_LINE_MAX];
	size_t n_warnings;
	char warnings[MEDSEC_CLASSIFY_LINES_MAX][MEDSEC_CLASSIFY_LINE_MAX];
	/* The rationale and warnings in Korean, line for line ("" where a
	 * line has no Korean text). */
	char rationale_ko[MEDSEC_CLASSIFY_LINES_MAX]
	    [MEDSEC_CLASSIFY_LINE_KO_MAX];
	char warnings_ko[MEDSEC_CLASSIFY_LINES_MAX]
	    [MEDSEC_CLASSIFY_LINE_KO_MAX];
	size_t n_decisions; /* 0 when out of scope, else every catalog item */
	struct medsec_decision decisions[MEDSEC_CATALOG_ITEMS_MAX];
	/* The device's threat model (profile [risk] threat_model), read by
	 * medsec_classify_profile(); NULL when the profile names none. */
	struct medsec_threat_model *threats;
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
	MEDSEC_EVIDENCE_NONE = 0,      /* no test evidence for the item */
	MEDSEC_EVIDENCE_COMPONENT = 1, /* medsec's suite only */
	MEDSEC_EVIDENCE_DEVICE = 2     /* device tests (with or without) */
};

/* "none", "component", "device". */
MEDSEC_API
const char *medsec_evidence_basis_name(enum medsec_evidence_basis b);

/* The basis of an item's verdict; MEDSEC_EVIDENCE_NONE when absent. */
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
 * The package writes it as mds2-draft.<lang>.{md,json,html}. Output as
 * medsec_report_render().
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_report_render_mds2(const struct medsec_report *r,
    enum medsec_report_format fmt, char **outp, size_t *lenp);
/* ---- languages of the submission package (report.c) ---- */

/*
 * The language a document is written in. Korean is the language of an
 * MFDS submission; English is the companion for reviewers abroad. The
 * values match the report's internal language.
 */
enum medsec_report_lang {
	MEDSEC_REPORT_LANG_EN = 0,
	MEDSEC_REPORT_LANG_KO = 1
};
#define MEDSEC_REPORT_LANGS 2

/* "en", "ko"; NULL when out of range. */
MEDSEC_API
const char *medsec_report_lang_name(enum medsec_report_lang lang);

/* Parses "en" or "ko"; MEDSEC_ERR_INVALID for anything else. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_report_lang_parse(const char *s, enum medsec_report_lang *langp);

/*
 * Selects the language of the next renderings (medsec_report_render and
 * the index). A new report renders English. MEDSEC_ERR_INVALID when lang
 * is out of range.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_report_set_lang(struct medsec_report *r,
    enum medsec_report_lang lang);

/* A document's title in a language; NULL when either is out of range. */
MEDSEC_API
const char *medsec_report_doc_title_lang(enum medsec_report_doc doc,
    enum medsec_report_lang lang);

/*
 * The file name of a document in a language: "<stem>.<lang>.<ext>", e.g.
 * "checklist.ko.html" (ext without the dot: "md", "json", "html", "pdf").
 * MEDSEC_ERR_INVALID for an argument out of range or an ext that is not
 * a short lowercase word, MEDSEC_ERR_TOO_LARGE when out is too small.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_report_file_name(enum medsec_report_doc doc,
    enum medsec_report_lang lang, const char *ext, char *out,
    size_t outlen);

/*
 * Renders index.html for a package written in the nlangs languages given
 * (in that order; each at most once): for each language its documents in
 * every format, the PDFs when have_pdf is non-zero, else why not
 * (pdf_note, may be NULL). The page is written in those languages too.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_report_render_index_langs(const struct medsec_report *r,
    const enum medsec_report_lang *langs, size_t nlangs, int have_pdf,
    const char *pdf_note, char **outp, size_t *lenp);

/* The catalog's title and source in Korean; NULL when it has none. */
MEDSEC_API
const char *medsec_catalog_title_ko(const struct medsec_catalog *cat);
MEDSEC_API
const char *medsec_catalog_source_ko(const struct medsec_catalog *cat);

/* ---- profile, continued: device type, decisions, risk, legacy plan,
 * administration (docs/compliance/profile.md) ---- */

/*
 * Further profile sections, all optional unless the classification or
 * the submission asks for them:
 *
 *   [device]
 *   category = insulin-infusion-pump ; a Table 2 example (see
 *                                    ; medsec_category_*), or "other"
 *   item_name = 인슐린주입기         ; MFDS product item (품목명)
 *   item_code = A26010.01            ; MFDS classification number (분류번호)
 *   form = device | standalone-software
 *   ai = yes | no                    ; the device runs a trained model
 *   [applicability]                  ; Table 4 "whether the device is
 *   1.18 = not-applied (standalone-software): runs on a hospital PC
 *   1.9 = applied: password rules of the Standard are enforced
 *   2.4 = not-applied (risk-analysis RM-001 H-12): no real-time control
 *   [risk]
 *   threat_model = threats.md        ; relative to the profile's directory
 *   matrix = AAR/ARU/RUU             ; rows severity 1-3, columns
 *                                    ; exploitability 1-3 (A, R, U)
 *   [legacy]
 *   end_of_support = 2032-12-31
 *   patch_policy = ..., vulnerability_policy = ...,
 *   compensating_controls = ..., data_deletion = ...
 *   [submission]
 *   applicant = ..., applicant_role = manufacturer | importer,
 *   application = approval | certification | notification,
 *   checklist_number = ..., risk_number = ..., vv_number = ...,
 *   revision = ..., date = YYYY-MM-DD,
 *   prepared_by = Name, title; reviewed_by = ...; approved_by = ...
 */

/* The [applicability] decision for an item, or NULL. */
MEDSEC_API
const struct medsec_profile_applic *medsec_profile_applicability(
    const struct medsec_profile *p, const char *id);

/* ---- device categories of Table 2 ---- */

/*
 * Table 2 names example items for each level; a category is one of them
 * (or, where marked, a type the project places by analogy with one).
 * Index i from 0 until medsec_category_key() returns NULL.
 */
MEDSEC_API
const char *medsec_category_key(size_t i);
/* The English item name, the level floor, the class Table 2 lists it
 * under (0 for several) and the source of the placement. NULL / NONE for
 * an unknown key. */
MEDSEC_API
const char *medsec_category_label(const char *key);
MEDSEC_API
enum medsec_level medsec_category_floor(const char *key);
MEDSEC_API
const char *medsec_category_source(const char *key);

/* ---- classification, continued ---- */

/* Flags of medsec_classify_profile(). */
#define MEDSEC_CLASSIFY_DRAFT 0x1 /* missing harm or functions: warn */

/*
 * As medsec_classify(), and checks what a submission cannot do without:
 * worst_harm and functions stated (else MEDSEC_ERR_CONFIG, unless flags
 * has MEDSEC_CLASSIFY_DRAFT), a harm two levels under its category's
 * Table 2 floor, an [applicability] line for an unknown item, a required
 * (○) item left out without a basis the guideline allows, and the threat
 * model file (read and checked here). Every refusal fills *err with the
 * profile's file, line and key. medsec_classify() is this function with
 * MEDSEC_CLASSIFY_DRAFT and no err.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_classify_profile(const struct medsec_catalog *cat,
    const struct medsec_profile *p, unsigned flags,
    struct medsec_classification **outp, struct medsec_config_error *err);

#ifdef __cplusplus
}
#endif
#endif
