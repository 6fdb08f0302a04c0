/*
 * The submission package of guideline IV: for every requirement the
 * classification lists, the tests that prove it (catalog test_tags
 * matched against the JUnit names) and a verdict. A requirement is met
 * only when tests exist and every one passed; no evidence, or a test that
 * failed, was skipped or did not run, is a gap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compliance/compliance_int.h"
#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#ifndef MEDSEC_VERSION
#define MEDSEC_VERSION "unknown"
#endif

static const char *const doc_stems[MEDSEC_REPORT_DOCS] = {
	"checklist", "risk-management", "verification-validation"
};

/* Guideline IV.1 names the documents so. */
static const char *const doc_titles[MEDSEC_REPORT_DOCS] = {
	("Checklist for Essential Principles of Cybersecurity of Medical "
	 "Devices"),
	"Cybersecurity Risk Management Document",
	"Software Verification and Validation Report"
};

static const char *const fmt_exts[MEDSEC_REPORT_FORMATS] = { "md", "json",
	"html" };

const char *
medsec_report_doc_stem(enum medsec_report_doc doc)
{
	return (unsigned)doc < MEDSEC_REPORT_DOCS ? doc_stems[doc] : NULL;
}

const char *
medsec_report_doc_title(enum medsec_report_doc doc)
{
	return (unsigned)doc < MEDSEC_REPORT_DOCS ? doc_titles[doc] : NULL;
}

const char *
medsec_report_format_ext(enum medsec_report_format fmt)
{
	return (unsigned)fmt < MEDSEC_REPORT_FORMATS ? fmt_exts[fmt] : NULL;
}

const char *
medsec_verdict_name(enum medsec_verdict v)
{
	switch (v) {
	case MEDSEC_VERDICT_MET: return "met";
	case MEDSEC_VERDICT_DECLARED: return "declared";
	case MEDSEC_VERDICT_EXCLUDED: return "excluded";
	case MEDSEC_VERDICT_GAP: return "gap";
	default: return "not-applicable";
	}
}

const char *
rep_applic_label(enum medsec_applicability a)
{
	switch (a) {
	case MEDSEC_APPLIC_REQUIRED: return "Required (\u25cb)";
	case MEDSEC_APPLIC_RECOMMENDED: return "Recommended (\u25b3)";
	case MEDSEC_APPLIC_MAY_EXCLUDE:
		return "May be excluded (Table 3 footnote)";
	default: return "Not applicable";
	}
}

void
rep_json_push(json_t **ap, json_t *v)
{
	if (*ap != NULL && v != NULL && json_array_append_new(*ap, v) == 0)
		return;
	if (v != NULL && *ap == NULL)
		json_decref(v);
	json_decref(*ap);
	*ap = NULL;
}

const struct medsec_junit_case *
rep_case(const struct medsec_report *r, size_t index)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;

	return j != NULL && index < j->n ? &j->cases[index] : NULL;
}

/* The item whose tag the test name starts with, or -1. */
static int
claims(const struct medsec_requirement *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->test_tags.n; i++)
		if (strncmp(name, req->test_tags.v[i],
		    strlen(req->test_tags.v[i])) == 0)
			return 1;
	return 0;
}

static int
collect_tests(struct medsec_report *r, struct rep_item *it)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	size_t i, k = 0;

	if (j == NULL || j->n == 0)
		return MEDSEC_OK;
	for (i = 0; i < j->n; i++)
		it->ntests += claims(it->d->req, j->cases[i].name);
	if (it->ntests == 0)
		return MEDSEC_OK;
	if ((it->tests = calloc(it->ntests, sizeof(*it->tests))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (i = 0; i < j->n; i++) {
		if (!claims(it->d->req, j->cases[i].name))
			continue;
		it->tests[k++] = i;
		switch (j->cases[i].status) {
		case MEDSEC_TEST_PASS: it->npass++; break;
		case MEDSEC_TEST_FAIL: it->nfail++; break;
		case MEDSEC_TEST_SKIP: it->nskip++; break;
		default: it->nnotrun++; break;
		}
	}
	return MEDSEC_OK;
}

static void
tags_text(const struct medsec_requirement *req, char *out, size_t outlen)
{
	size_t i, off = 0;

	out[0] = '\0';
	for (i = 0; i < req->test_tags.n && off + 1 < outlen; i++) {
		snprintf(out + off, outlen - off, "%s%s*", i ? ", " : "",
		    req->test_tags.v[i]);
		off = strlen(out);
	}
}

/*
 * The verdict. Component evidence (medsec's suite) proves a mechanism;
 * only device evidence (the manufacturer's tests of the device, tests run
 * against it) proves the item for the device. A test that did not pass,
 * of either kind, is a gap; component tests alone are a gap too, shown as
 * "mechanism verified; integration not shown" (basis "component").
 */
static void
judge(const struct medsec_report *r, struct rep_item *it)
{
	const struct ev_tally *dev = &it->dev;
	char tags[160], comp[128] = "";

	ev_tally_device(r->ev, it->d->req, &it->dev);
	tags_text(it->d->req, tags, sizeof(tags));
	it->basis = dev->n > 0 ? MEDSEC_BASIS_DEVICE : it->ntests > 0 ?
	    MEDSEC_BASIS_COMPONENT : MEDSEC_BASIS_NONE;
	if (it->ntests > 0)
		snprintf(comp, sizeof(comp), REP_T(r, " Component evidence "
		    "(medsec's suite): %zu of %zu tests passed.",
		    " 구성요소 증거(medsec 자체 시험): %zu건 중 %zu건 통과."),
		    it->npass, it->ntests);
	if (dev->pass < dev->n || it->npass < it->ntests) {
		it->verdict = MEDSEC_VERDICT_GAP;
		snprintf(it->why, sizeof(it->why), REP_T(r, "%zu of %zu "
		    "device tests and %zu of %zu component tests did not pass "
		    "(%zu failed, %zu skipped, %zu not run).",
		    "기기 시험 %zu/%zu건, 구성요소 시험 %zu/%zu건이 통과하지 "
		    "못했습니다(실패 %zu, 건너뜀 %zu, 미실행 %zu)."),
		    dev->n - dev->pass, dev->n, it->ntests - it->npass,
		    it->ntests, dev->fail + it->nfail, dev->skip + it->nskip,
		    dev->notrun + it->nnotrun);
	} else if (dev->n > 0) {
		it->verdict = MEDSEC_VERDICT_MET;
		snprintf(it->why, sizeof(it->why), REP_T(r, "Device evidence: "
		    "%zu of %zu device tests passed.%s",
		    "기기 증거: 기기 시험 %zu건 중 %zu건 통과.%s"), dev->pass,
		    dev->n, comp);
	} else if (it->d->applicability == MEDSEC_APPLIC_MAY_EXCLUDE) {
		it->verdict = MEDSEC_VERDICT_EXCLUDED;
		snprintf(it->why, sizeof(it->why), REP_T(r, "Excluded. "
		    "Justification: %s", "제외. 근거: %s"), it->d->reason);
	} else if (it->declaration != NULL) {
		it->verdict = MEDSEC_VERDICT_DECLARED;
		snprintf(it->why, sizeof(it->why), REP_T(r, "Declared by the "
		    "manufacturer in the device profile (not verified by a "
		    "test or a review recorded in the evidence): %s.%s",
		    "제조자가 기기 프로파일에 선언함(증거에 기록된 시험이나 "
		    "검토로 확인된 것은 아님): %s.%s"), it->declaration, comp);
	} else if (it->ntests > 0) {
		it->verdict = MEDSEC_VERDICT_GAP;
		snprintf(it->why, sizeof(it->why), REP_T(r, "Mechanism "
		    "verified; integration not shown: %zu of %zu component "
		    "tests (medsec's suite) passed, and no device test is "
		    "named %s.", "메커니즘 검증됨, 기기 통합은 입증되지 "
		    "않음: 구성요소 시험(medsec 자체 시험) %zu건 중 %zu건 "
		    "통과, %s 이름의 기기 시험 없음."), it->npass, it->ntests,
		    tags);
	} else {
		it->verdict = MEDSEC_VERDICT_GAP;
		if (r->ev == NULL || (r->ev->junit == NULL &&
		    r->ev->ndevice == 0))
			snprintf(it->why, sizeof(it->why), REP_T(r, "No "
			    "evidence: the evidence directory has no "
			    "junit.xml and no device evidence was given.",
			    "증거 없음: 증거 디렉터리에 junit.xml이 없고 기기 "
			    "증거도 주어지지 않았습니다."));
		else
			snprintf(it->why, sizeof(it->why), REP_T(r, "No "
			    "evidence: no test in junit.xml or the device "
			    "evidence is named %s.", "증거 없음: junit.xml과 "
			    "기기 증거에 %s 이름의 시험이 없습니다."), tags);
	}
}

/* Tests no item claims: counted, and those not passed listed. */
static int
collect_other(struct medsec_report *r)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	size_t i, k;
	int mine;

	if (j == NULL)
		return MEDSEC_OK;
	for (i = 0; i < j->n; i++) {
		for (k = 0, mine = 0; k < r->n && !mine; k++)
			mine = claims(r->items[k].d->req, j->cases[i].name);
		if (mine)
			continue;
		r->other[j->cases[i].status]++;
		if (j->cases[i].status == MEDSEC_TEST_PASS)
			continue;
		if ((r->nother_bad & 63) == 0) {
			size_t *v = realloc(r->other_bad,
			    (r->nother_bad + 64) * sizeof(*v));

			if (v == NULL)
				return MEDSEC_ERR_NOMEM;
			r->other_bad = v;
		}
		r->other_bad[r->nother_bad++] = i;
	}
	return MEDSEC_OK;
}

int
medsec_report_build(const struct medsec_catalog *cat,
    const struct medsec_profile *p, const struct medsec_classification *c,
    const struct medsec_evidence *ev, struct medsec_report **outp)
{
	struct medsec_report *r = NULL;
	struct rep_item *it;
	size_t i;
	int rc = MEDSEC_ERR_INTERNAL;

	if (outp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	if (cat == NULL || p == NULL || c == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MEDSEC_ERR_NOMEM;
	r->cat = cat;
	r->p = p;
	r->c = c;
	r->ev = ev;
	for (i = 0; i < c->n_decisions && i < MEDSEC_CATALOG_ITEMS_MAX; i++) {
		it = &r->items[r->n++];
		it->d = &c->decisions[i];
		it->declaration = medsec_profile_declaration(p,
		    it->d->req->id);
		if ((rc = collect_tests(r, it)) != MEDSEC_OK)
			goto out;
		judge(r, it);
	}
	if ((rc = collect_other(r)) != MEDSEC_OK)
		goto out;
	*outp = r;
	r = NULL;
	rc = MEDSEC_OK;
out:
	medsec_report_free(r);
	return rc;
}

void
medsec_report_free(struct medsec_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->items[i].tests);
	free(r->other_bad);
	free(r);
}

enum medsec_verdict
medsec_report_verdict(const struct medsec_report *r, const char *id)
{
	size_t i;

	if (r == NULL || id == NULL)
		return MEDSEC_VERDICT_NA;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->items[i].d->req->id, id) == 0)
			return r->items[i].verdict;
	return MEDSEC_VERDICT_NA;
}

void
rep_counts(const struct medsec_report *r, size_t counts[5], size_t *req_gaps)
{
	size_t i;

	memset(counts, 0, 5 * sizeof(counts[0]));
	*req_gaps = 0;
	for (i = 0; i < r->n; i++) {
		counts[r->items[i].verdict]++;
		if (r->items[i].verdict == MEDSEC_VERDICT_GAP &&
		    r->items[i].d->applicability == MEDSEC_APPLIC_REQUIRED)
			(*req_gaps)++;
	}
}

size_t
medsec_report_gap_count(const struct medsec_report *r, int required_only)
{
	size_t counts[5], req;

	if (r == NULL)
		return 0;
	rep_counts(r, counts, &req);
	return required_only ? req : counts[MEDSEC_VERDICT_GAP];
}

/* ---- identification, shared by the three documents ---- */

static const char *
or_unknown(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "not recorded";
}

static void
commit_text(const struct medsec_evidence *ev, char *out, size_t outlen)
{
	if (ev == NULL) {
		snprintf(out, outlen, "not recorded");
		return;
	}
	snprintf(out, outlen, "%s%s", ev->commit, ev->dirty == 1 ?
	    " (working tree had uncommitted changes)" : ev->dirty == 0 ?
	    " (clean working tree)" : "");
}

void
rep_write_ident(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	char buf[512];

	snprintf(buf, sizeof(buf), "%s, model %s, %s",
	    r->p->name[0] ? r->p->name : "(unnamed)",
	    r->p->model[0] ? r->p->model : "(none)",
	    r->p->manufacturer[0] ? r->p->manufacturer : "(manufacturer "
	    "not stated)");
	rw_field(w, "Medical device", buf);
	snprintf(buf, sizeof(buf), "%s version %d: %s",
	    medsec_catalog_name(r->cat), medsec_catalog_version(r->cat),
	    medsec_catalog_source(r->cat));
	rw_field(w, "Requirements catalog", buf);
	rw_field(w, "Generated by", "medsec " MEDSEC_VERSION);
	commit_text(r->ev, buf, sizeof(buf));
	rw_field(w, "Software commit (evidence)", buf);
	rw_field(w, "Test date (JUnit timestamp)",
	    or_unknown(j != NULL ? j->timestamp : NULL));
	rw_field(w, "Evidence collected (UTC)",
	    or_unknown(r->ev != NULL ? r->ev->collected : NULL));
}

json_t *
rep_json_ident(const struct medsec_report *r)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	const struct medsec_evidence *ev = r->ev;

	return json_pack("{s:{s:s, s:s, s:s}, s:{s:s, s:i, s:s}, "
	    "s:{s:s, s:s}, s:{s:s?, s:o, s:s?, s:s?}}",
	    "device", "name", r->p->name, "model", r->p->model,
	    "manufacturer", r->p->manufacturer,
	    "catalog", "name", medsec_catalog_name(r->cat),
	    "version", medsec_catalog_version(r->cat),
	    "source", medsec_catalog_source(r->cat),
	    "generator", "name", "medsec", "version", MEDSEC_VERSION,
	    "evidence", "commit", ev != NULL ? ev->commit : NULL,
	    "dirty", ev == NULL || ev->dirty < 0 ? json_null() :
	    json_boolean(ev->dirty),
	    "test_date", j != NULL ? j->timestamp : NULL,
	    "collected", ev != NULL && ev->collected[0] ? ev->collected :
	    NULL);
}

/* ---- rendering ---- */

static json_t *
doc_json(const struct medsec_report *r, enum medsec_report_doc doc)
{
	json_t *body, *root;

	switch (doc) {
	case MEDSEC_REPORT_CHECKLIST: body = rep_json_checklist(r); break;
	case MEDSEC_REPORT_RISK: body = rep_json_risk(r); break;
	default: body = rep_json_vv(r); break;
	}
	root = json_pack("{s:s, s:s, s:o, s:o}", "document", doc_stems[doc],
	    "title", doc_titles[doc], "identification", rep_json_ident(r),
	    "content", body);
	return root;
}

static int
render_json(const struct medsec_report *r, enum medsec_report_doc doc,
    char **outp, size_t *lenp)
{
	json_t *root = doc_json(r, doc);
	char *s;

	if (root == NULL)
		return MEDSEC_ERR_NOMEM;
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s == NULL)
		return MEDSEC_ERR_NOMEM;
	*outp = s;
	*lenp = strlen(s);
	return MEDSEC_OK;
}

int
medsec_report_render(const struct medsec_report *r,
    enum medsec_report_doc doc, enum medsec_report_format fmt, char **outp,
    size_t *lenp)
{
	struct rbuf b;
	struct rw w;

	if (outp == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	*lenp = 0;
	if (r == NULL || (unsigned)doc >= MEDSEC_REPORT_DOCS ||
	    (unsigned)fmt >= MEDSEC_REPORT_FORMATS)
		return MEDSEC_ERR_INVALID;
	if (fmt == MEDSEC_REPORT_JSON)
		return render_json(r, doc, outp, lenp);
	rbuf_init(&b);
	rw_init(&w, fmt, &b);
	switch (doc) {
	case MEDSEC_REPORT_CHECKLIST: rep_write_checklist(r, &w); break;
	case MEDSEC_REPORT_RISK: rep_write_risk(r, &w); break;
	default: rep_write_vv(r, &w); break;
	}
	return rbuf_take(&b, outp, lenp);
}

static void
index_link(struct rbuf *b, const char *stem, const char *ext,
    const char *label)
{
	rbuf_puts(b, "<a href=\"");
	rbuf_html(b, stem);
	rbuf_puts(b, ".");
	rbuf_html(b, ext);
	rbuf_puts(b, "\">");
	rbuf_html(b, label);
	rbuf_puts(b, "</a>");
}

static void
index_status(const struct medsec_report *r, struct rbuf *b)
{
	size_t counts[5], req;

	rep_counts(r, counts, &req);
	rbuf_printf(b, "<p%s>Requirements: %zu met, %zu declared, "
	    "%zu excluded, %zu gaps (%zu of them required).</p>\n",
	    req > 0 ? " class=\"gap\"" : "", counts[MEDSEC_VERDICT_MET],
	    counts[MEDSEC_VERDICT_DECLARED], counts[MEDSEC_VERDICT_EXCLUDED],
	    counts[MEDSEC_VERDICT_GAP], req);
}

int
medsec_report_render_index(const struct medsec_report *r, int have_pdf,
    const char *pdf_note, char **outp, size_t *lenp)
{
	struct rbuf b;
	size_t d;

	if (outp == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	*lenp = 0;
	if (r == NULL)
		return MEDSEC_ERR_INVALID;
	rbuf_init(&b);
	rw_html_begin(&b, "MFDS cybersecurity submission package");
	rbuf_puts(&b, "<h1>MFDS cybersecurity submission package</h1>\n"
	    "<p class=\"sub\">");
	rbuf_html(&b, r->p->name[0] ? r->p->name : "(unnamed device)");
	rbuf_puts(&b, " ");
	rbuf_html(&b, r->p->model);
	rbuf_puts(&b, ", commit ");
	rbuf_html(&b, r->ev != NULL ? r->ev->commit : "not recorded");
	rbuf_puts(&b, "</p>\n");
	index_status(r, &b);
	rbuf_puts(&b, "<table>\n<thead><tr><th>Document</th><th>HTML</th>"
	    "<th>PDF</th><th>Markdown</th><th>JSON</th></tr></thead>\n"
	    "<tbody>\n");
	for (d = 0; d < MEDSEC_REPORT_DOCS; d++) {
		rbuf_puts(&b, "<tr><td>");
		rbuf_html(&b, doc_titles[d]);
		rbuf_puts(&b, "</td><td>");
		index_link(&b, doc_stems[d], "html", "HTML");
		rbuf_puts(&b, "</td><td>");
		if (have_pdf)
			index_link(&b, doc_stems[d], "pdf", "PDF");
		else
			rbuf_puts(&b, "not rendered");
		rbuf_puts(&b, "</td><td>");
		index_link(&b, doc_stems[d], "md", "Markdown");
		rbuf_puts(&b, "</td><td>");
		index_link(&b, doc_stems[d], "json", "JSON");
		rbuf_puts(&b, "</td></tr>\n");
	}
	rbuf_puts(&b, "</tbody>\n</table>\n");
	if (!have_pdf) {
		rbuf_puts(&b, "<p class=\"warn\">PDFs were not rendered");
		if (pdf_note != NULL) {
			rbuf_puts(&b, ": ");
			rbuf_html(&b, pdf_note);
		}
		rbuf_puts(&b, ". Print the HTML pages to PDF instead.</p>\n");
	}
	rbuf_puts(&b, "<p>File checksums: <a href=\"manifest.json\">"
	    "manifest.json</a> (SHA-256 of every file above).</p>\n");
	rw_html_end(&b);
	return rbuf_take(&b, outp, lenp);
}
