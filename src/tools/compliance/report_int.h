/*
 * Submission package internals: the evidence directory, the report (the
 * verdict of every requirement), a bounded text buffer, and the writer
 * through which each document is written once and rendered as Markdown or
 * HTML. JSON is built from the same report with jansson.
 */
#ifndef MEDSEC_REPORT_INT_H
#define MEDSEC_REPORT_INT_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

#include "medsec-tools/compliance.h"

/* ---- bounded text buffer (report_buf.c) ---- */

/* No document comes near this; a runaway loop stops here. */
#define RBUF_MAX (128 * 1024 * 1024)

/* Appends never fail loudly: the first failure sticks in err (a
 * MEDSEC_ERR_* code) and later appends do nothing. */
struct rbuf {
	char *s;
	size_t len, cap;
	int err;
};

void rbuf_init(struct rbuf *b);
void rbuf_free(struct rbuf *b);
void rbuf_put(struct rbuf *b, const char *s, size_t n);
void rbuf_puts(struct rbuf *b, const char *s);
void rbuf_printf(struct rbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rbuf_vprintf(struct rbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Empties the buffer, keeping its memory (and any sticky error). */
void rbuf_clear(struct rbuf *b);
/* The text so far, NUL-terminated ("" when empty or failed). */
const char *rbuf_str(struct rbuf *b);
/* Hands the text to the caller, or returns the sticky error. */
int rbuf_take(struct rbuf *b, char **outp, size_t *lenp);

/* Escapes for HTML text and attribute values: & < > " '. */
void rbuf_html(struct rbuf *b, const char *s);
void rbuf_html_n(struct rbuf *b, const char *s, size_t n);
/*
 * Escapes for Markdown (CommonMark/GFM): punctuation that could start
 * markup is backslash-escaped; in a table cell '|' too, and a newline
 * becomes <br>.
 */
void rbuf_md(struct rbuf *b, const char *s, int cell);

/* ---- evidence (report_evidence.c) ---- */

enum ev_kind { EV_BENCH, EV_ATTACK, EV_SBOM, EV_VULN };

struct ev_file {
	enum ev_kind kind;
	char name[128];	/* relative to the evidence directory */
	size_t size;
	char *text;	/* quoted text; NULL when not quoted */
	char note[96];	/* why it is not quoted */
	int device;	/* from device evidence, not medsec's suite */
	/* Not from the run the tests came from: not quoted, and why. */
	int excluded;
	char excluded_why[224];
	/* SBOM and vulnerability files: what they hold (counts by kind and
	 * state), NULL when the file is not one the generator reads. */
	json_t *summary;
};

#define EV_TEXT_MAX 128

/* One device JUnit file (--device-evidence). */
struct ev_device {
	char name[256];	/* the path as given */
	struct medsec_junit *junit;
};

/* device.json: what the device evidence was run against. */
struct ev_device_meta {
	char source[256];	/* the file it came from; "" when none */
	char software[EV_TEXT_MAX];
	char version[EV_TEXT_MAX];
	char build[EV_TEXT_MAX];
	char started[EV_TEXT_MAX];
	char collected[EV_TEXT_MAX];
};

struct medsec_evidence {
	struct medsec_junit *junit;	/* NULL without junit.xml */
	char source[16];		/* "meta.json", "commit" or "" */
	char commit[72];		/* hex, or "unknown" */
	int dirty;			/* 1, 0, -1 not recorded */
	char collected[EV_TEXT_MAX];	/* UTC, "" when not recorded */
	char tested_version[EV_TEXT_MAX];
	char ctest[EV_TEXT_MAX];
	char compiler[EV_TEXT_MAX];
	char build_type[EV_TEXT_MAX];
	char host[EV_TEXT_MAX];
	size_t nfiles;
	struct ev_file files[MEDSEC_EVIDENCE_FILES_MAX];
	char started[EV_TEXT_MAX];	/* meta.json "started"; "" if absent */
	size_t ndevice;
	struct ev_device device[MEDSEC_DEVICE_JUNIT_MAX];
	struct ev_device_meta dev;
	size_t nunread;		/* result files past the cap, not read */
};

/* Tests of one kind that claim one item. */
struct ev_tally {
	size_t n, pass, fail, skip, notrun;
};

/* Whether a test name carries one of the item's catalog tags. */
int ev_claims(const struct medsec_requirement *req, const char *name);
/* The device tests that claim req, over every device JUnit file. */
void ev_tally_device(const struct medsec_evidence *ev,
    const struct medsec_requirement *req, struct ev_tally *t);

/* ---- the report (report.c) ---- */

/*
 * The language a document is written in. Korean is the submission's
 * language; English is the reviewer's companion. Every sentence a document
 * writes goes through REP_T so that both texts sit side by side in the
 * source and neither can drift out of the other.
 */
enum rep_lang { REP_LANG_EN, REP_LANG_KO };

#define REP_T(r, en, ko) ((r)->lang == REP_LANG_KO ? (ko) : (en))

struct rep_item {
	const struct medsec_decision *d;
	const char *declaration; /* profile [implementation]; may be NULL */
	enum medsec_verdict verdict;
	size_t ntests, npass, nfail, nskip, nnotrun;
	size_t *tests;		 /* indices into the JUnit cases */
	/* The verdict in a sentence; may quote a reason and a declaration. */
	char why[MEDSEC_CLASSIFY_LINE_MAX + MEDSEC_PROFILE_DECL_TEXT_MAX + 128];
	/* Device tests claiming the item, and what the verdict rests on. */
	struct ev_tally dev;
	enum medsec_evidence_basis basis;
	/* The same in Korean; "" when judged without a Korean sentence. */
	char why_ko[MEDSEC_CLASSIFY_LINE_MAX + MEDSEC_PROFILE_DECL_TEXT_MAX +
	    256];
};

struct medsec_report {
	const struct medsec_catalog *cat;
	const struct medsec_profile *p;
	const struct medsec_classification *c;
	const struct medsec_evidence *ev;
	enum rep_lang lang;
	size_t n;
	struct rep_item items[MEDSEC_CATALOG_ITEMS_MAX];
	/* Tests no catalog tag claims, by status, and those not passed. */
	size_t other[4];
	size_t nother_bad;
	size_t *other_bad;
};

/* The JUnit case a report item cites. */
const struct medsec_junit_case *rep_case(const struct medsec_report *r,
    size_t index);

/* Counts of items by verdict; *req_gaps counts required gaps. */
void rep_counts(const struct medsec_report *r, size_t counts[5],
    size_t *req_gaps);

/*
 * Appends v to *ap. On failure (v NULL, or no memory) drops the whole
 * array and sets *ap to NULL, so the document built from it fails as a
 * whole instead of silently missing an entry.
 */
void rep_json_push(json_t **ap, json_t *v);

/* "Required (○)", "Recommended (△)", ... for an applicability. */
const char *rep_applic_label(enum medsec_applicability a);
/* The same in the report's language ("필수(○)", ...). */
const char *rep_applic_text(const struct medsec_report *r,
    enum medsec_applicability a);
/* A verdict for readers in the report's language ("충족", "Met"). */
const char *rep_verdict_label(const struct medsec_report *r,
    enum medsec_verdict v);
/* An item's verdict sentence in the report's language (the English one
 * when no Korean sentence was written). */
const char *rep_why(const struct medsec_report *r, const struct rep_item *it);
/* The Korean text in a Korean rendering when there is one, else en. */
const char *rep_ko_or(const struct medsec_report *r, const char *en,
    const char *ko);
/* The classification's reason for an item, in the rendering's language. */
const char *rep_reason(const struct medsec_report *r,
    const struct rep_item *it);
/* A requirement's title in the rendering's language (English when the
 * catalog has no Korean title). */
const char *rep_req_title(const struct medsec_report *r,
    const struct medsec_requirement *req);
/* A document's title in the report's language. */
const char *rep_doc_title(const struct medsec_report *r,
    enum medsec_report_doc doc);
/* "not recorded" in the report's language when s is NULL or empty. */
const char *rep_or_unknown(const struct medsec_report *r, const char *s);

/* ---- the writer (report_writer.c) ---- */

enum rw_block { RW_NONE, RW_LIST, RW_FIELDS, RW_TABLE };

struct rw;

struct rw_ops {
	void (*begin)(struct rw *, const char *title, const char *subtitle);
	void (*end)(struct rw *);
	void (*heading)(struct rw *, int level, const char *anchor,
	    const char *text);
	void (*para)(struct rw *, const char *text, const char *cls);
	void (*open)(struct rw *, enum rw_block);
	void (*close)(struct rw *, enum rw_block);
	void (*item)(struct rw *, const char *text);
	void (*field)(struct rw *, const char *label, const char *value);
	void (*head)(struct rw *, const char *const *cells);
	void (*row)(struct rw *, const char *const *cells, const char *cls);
	void (*group)(struct rw *, const char *text);
	void (*pre)(struct rw *, const char *text);
};

struct rw {
	const struct rw_ops *ops;
	struct rbuf *out;
	enum rw_block block;
	size_t ncols;
	enum rep_lang lang; /* of the page's own words (labels, lang=) */
};

/* A writer for fmt (MEDSEC_REPORT_MD or MEDSEC_REPORT_HTML) into out. */
void rw_init(struct rw *w, enum medsec_report_format fmt, enum rep_lang lang,
    struct rbuf *out);

void rw_begin(struct rw *w, const char *title, const char *subtitle);
void rw_end(struct rw *w);
void rw_heading(struct rw *w, int level, const char *anchor,
    const char *text);
void rw_para(struct rw *w, const char *text);
/* A paragraph that stands out: cls is "gap", "warn" or "note". */
void rw_notice(struct rw *w, const char *cls, const char *text);
void rw_paraf(struct rw *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rw_item(struct rw *w, const char *text);
void rw_field(struct rw *w, const char *label, const char *value);
void rw_table(struct rw *w, size_t ncols, const char *const *head);
/* cls names the row's status for styling ("gap", "met", ...) or NULL. */
void rw_row(struct rw *w, const char *const *cells, const char *cls);
void rw_group(struct rw *w, const char *text);
void rw_pre(struct rw *w, const char *text);

/* The HTML page frame shared with index.html; lang "ko" or "en". */
void rw_html_begin(struct rbuf *b, const char *lang, const char *title);
void rw_html_end(struct rbuf *b);

/* ---- the documents ---- */

/* The common identification block at the top of every document. */
void rep_write_ident(const struct medsec_report *r, struct rw *w);
json_t *rep_json_ident(const struct medsec_report *r);

void rep_write_checklist(const struct medsec_report *r, struct rw *w);
void rep_write_risk(const struct medsec_report *r, struct rw *w);
void rep_write_vv(const struct medsec_report *r, struct rw *w);

json_t *rep_json_checklist(const struct medsec_report *r);
json_t *rep_json_risk(const struct medsec_report *r);
json_t *rep_json_vv(const struct medsec_report *r);

/* ---- risk model shared by its text and JSON (report_risk.c) ---- */

#define RISK_CIA 3

struct risk_hazard {
	char id[16];		/* "H-HR-C" */
	unsigned purpose;	/* MEDSEC_PURPOSE_* bit */
	int property;		/* 0 confidentiality, 1 integrity, 2 avail. */
	const char *hazard, *hazard_ko;
	const char *harm, *harm_ko;
	int severity, exploitability, initial;
	int residual;		/* 0 when not demonstrated */
	size_t ncontrols;
	const struct rep_item *controls[MEDSEC_CATALOG_ITEMS_MAX];
	size_t ngaps;
};

const char *risk_property_name(int property);
const char *risk_acceptability(int index);
/* Severity 1-3 from the level, exploitability 1-3 from the profile; the
 * reason for the latter into why. */
int risk_severity(const struct medsec_report *r);
int risk_exploitability(const struct medsec_report *r, char *why,
    size_t whylen);
/* Fills h for hazard k (0 .. risk_hazard_count() - 1). */
size_t risk_hazard_count(const struct medsec_report *r);
void risk_hazard(const struct medsec_report *r, size_t k,
    struct risk_hazard *h);

/* ---- verification methods: performed or planned (report_vv.c) ---- */

/*
 * Whether the catalog's k-th verification method of an item was performed
 * according to the evidence: 1 with how it was shown in how (e.g.
 * "component tests ran"), 0 with why it is only planned. A method is
 * performed only when evidence of its kind exists: software tests for a
 * test method, an attack-tool test of the item for a penetration test or
 * scan, a same-run benchmark for a benchmark; a review or an inspection
 * has no evidence kind here, so it is always planned.
 */
int rep_method_performed(const struct medsec_report *r,
    const struct rep_item *it, size_t k, char *how, size_t howlen);

/* ---- production information: SBOM, vulnerabilities, VEX ---- */

/* Section 7 of the V&V report and its JSON (report_production.c). */
void rep_write_production(const struct medsec_report *r, struct rw *w);
json_t *rep_json_production(const struct medsec_report *r);
/* The profile's legacy-device plan as a section (risk document, V&V
 * report, checklist) and as JSON; with the data-deletion tests of the run
 * for the V&V report. */
void rep_write_legacy(const struct medsec_report *r, struct rw *w, int level,
    const char *title);
json_t *rep_json_legacy(const struct medsec_report *r);
json_t *rep_json_end_of_service(const struct medsec_report *r);
/* What an SBOM or vulnerability file holds (report_production.c). */
json_t *ev_production_summary(const char *name, const char *text,
    size_t len);
/* ---- risk analysis from the device's threat model (report_risk.c) ---- */

#include "compliance/threat_int.h"

/* A cited test and what the evidence says of it. */
struct risk_test {
	const char *name;	/* as the threat model cites it */
	size_t found;		/* JUnit cases it names (a prefix: several) */
	enum medsec_test_status status; /* the worst of them */
};

#define RISK_ITEMS_MAX 4

/*
 * One hazard: a threat on one of its data flows, or (ai = yes) a
 * data-manipulation hazard. Severity from the clinical consequence,
 * exploitability from the exposure, grades from the acceptance matrix.
 */
struct risk_row {
	char id[48];
	const struct tm_threat *threat; /* NULL for an AI hazard */
	const struct tm_flow *flow;	/* NULL when the threat has none */
	const char *hazard_en, *hazard_ko;
	enum medsec_harm harm;
	int severity, exploitability;
	char initial, residual; /* 'A', 'R' or 'U' */
	int reduced;		/* controls present and every test passed */
	const char *why_en, *why_ko; /* why the risk was not reduced */
	size_t ntests;
	struct risk_test tests[TM_TESTS_MAX];
	size_t nreqs;
	char reqs[TM_TESTS_MAX][8]; /* requirement ids the tests carry */
	size_t nitems;		    /* AI hazards: controls by requirement */
	const struct rep_item *items[RISK_ITEMS_MAX];
};

/* The requirement a test's name carries: "test_req_1_4_x" gives "1.4";
 * 0 when it carries none. */
int risk_test_requirement(const char *test, char out[8]);
size_t risk_row_count(const struct medsec_report *r);
void risk_row(const struct medsec_report *r, size_t k, struct risk_row *row);
/* The acceptance matrix's grade for severity and exploitability 1-3. */
char risk_grade(const struct medsec_report *r, int severity,
    int exploitability);
const char *risk_grade_text(const struct medsec_report *r, char grade);

/* The traceability matrix (report_trace.c): threat, hazard, control,
 * requirement, test, result. */
void rep_write_trace(const struct medsec_report *r, struct rw *w);
json_t *rep_json_trace(const struct medsec_report *r);

/*
 * The form's administrative parts (report_admin.c): applicant and product
 * identification, the document's number, revision and date, after the
 * identification block; and the sign-off block that closes a document.
 */
void rep_write_admin(const struct medsec_report *r,
    enum medsec_report_doc doc, struct rw *w);
void rep_write_signoff(const struct medsec_report *r, struct rw *w);
json_t *rep_json_admin(const struct medsec_report *r,
    enum medsec_report_doc doc);

#endif
