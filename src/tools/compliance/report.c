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

/*
 * Guideline IV.1 names the documents so; the Korean titles are the
 * project's translation of the English edition (docs/compliance/korean.md).
 */
static const char *const doc_titles[MEDSEC_REPORT_LANGS][MEDSEC_REPORT_DOCS] =
{
	[MEDSEC_REPORT_LANG_EN] = {
		("Checklist for Essential Principles of Cybersecurity of "
		 "Medical Devices"),
		"Cybersecurity Risk Management Document",
		"Software Verification and Validation Report" },
	[MEDSEC_REPORT_LANG_KO] = {
		"의료기기 사이버보안 필수원칙 체크리스트",
		"사이버보안 위험관리 문서",
		"소프트웨어 검증 및 유효성 확인 보고서" },
};

static const char *const lang_names[MEDSEC_REPORT_LANGS] = { "en", "ko" };

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
	return medsec_report_doc_title_lang(doc, MEDSEC_REPORT_LANG_EN);
}

const char *
medsec_report_doc_title_lang(enum medsec_report_doc doc,
    enum medsec_report_lang lang)
{
	if ((unsigned)doc >= MEDSEC_REPORT_DOCS ||
	    (unsigned)lang >= MEDSEC_REPORT_LANGS)
		return NULL;
	return doc_titles[lang][doc];
}

const char *
rep_doc_title(const struct medsec_report *r, enum medsec_report_doc doc)
{
	return medsec_report_doc_title_lang(doc, r->lang == REP_LANG_KO ?
	    MEDSEC_REPORT_LANG_KO : MEDSEC_REPORT_LANG_EN);
}

const char *
medsec_report_lang_name(enum medsec_report_lang lang)
{
	return (unsigned)lang < MEDSEC_REPORT_LANGS ? lang_names[lang] : NULL;
}

int
medsec_report_lang_parse(const char *s, enum medsec_report_lang *langp)
{
	unsigned i;

	if (s == NULL || langp == NULL)
		return MEDSEC_ERR_INVALID;
	for (i = 0; i < MEDSEC_REPORT_LANGS; i++)
		if (strcmp(s, lang_names[i]) == 0) {
			*langp = (enum medsec_report_lang)i;
			return MEDSEC_OK;
		}
	return MEDSEC_ERR_INVALID;
}

int
medsec_report_set_lang(struct medsec_report *r, enum medsec_report_lang lang)
{
	if (r == NULL || (unsigned)lang >= MEDSEC_REPORT_LANGS)
		return MEDSEC_ERR_INVALID;
	r->lang = lang == MEDSEC_REPORT_LANG_KO ? REP_LANG_KO : REP_LANG_EN;
	return MEDSEC_OK;
}

/* A short lowercase word: what a file extension of ours looks like. */
static int
ext_ok(const char *ext)
{
	size_t i;

	for (i = 0; ext[i] != '\0'; i++)
		if (ext[i] < 'a' || ext[i] > 'z' || i >= 8)
			return 0;
	return i > 0;
}

int
medsec_report_file_name(enum medsec_report_doc doc,
    enum medsec_report_lang lang, const char *ext, char *out, size_t outlen)
{
	int n;

	if (out == NULL || outlen == 0)
		return MEDSEC_ERR_INVALID;
	out[0] = '\0';
	if ((unsigned)doc >= MEDSEC_REPORT_DOCS ||
	    (unsigned)lang >= MEDSEC_REPORT_LANGS || ext == NULL ||
	    !ext_ok(ext))
		return MEDSEC_ERR_INVALID;
	n = snprintf(out, outlen, "%s.%s.%s", doc_stems[doc],
	    lang_names[lang], ext);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return MEDSEC_ERR_TOO_LARGE;
	}
	return MEDSEC_OK;
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
rep_applic_text(const struct medsec_report *r, enum medsec_applicability a)
{
	if (r->lang != REP_LANG_KO)
		return rep_applic_label(a);
	switch (a) {
	case MEDSEC_APPLIC_REQUIRED: return "필수(\u25cb)";
	case MEDSEC_APPLIC_RECOMMENDED: return "권장(\u25b3)";
	case MEDSEC_APPLIC_MAY_EXCLUDE: return "제외 가능(표 3 각주)";
	default: return "해당 없음";
	}
}

const char *
rep_verdict_label(const struct medsec_report *r, enum medsec_verdict v)
{
	switch (v) {
	case MEDSEC_VERDICT_MET: return REP_T(r, "Met", "충족");
	case MEDSEC_VERDICT_DECLARED:
		return REP_T(r, "Declared", "제조자 선언");
	case MEDSEC_VERDICT_EXCLUDED: return REP_T(r, "Excluded", "제외");
	case MEDSEC_VERDICT_GAP: return REP_T(r, "Gap", "미충족");
	default: return REP_T(r, "Not applicable", "해당 없음");
	}
}

const char *
rep_why(const struct medsec_report *r, const struct rep_item *it)
{
	return r->lang == REP_LANG_KO && it->why_ko[0] != '\0' ? it->why_ko :
	    it->why;
}

const char *
rep_ko_or(const struct medsec_report *r, const char *en, const char *ko)
{
	return r->lang == REP_LANG_KO && ko != NULL && ko[0] != '\0' ? ko :
	    en;
}

const char *
rep_reason(const struct medsec_report *r, const struct rep_item *it)
{
	return rep_ko_or(r, it->d->reason, it->d->reason_ko);
}

const char *
rep_req_title(const struct medsec_report *r,
    const struct medsec_requirement *req)
{
	return r->lang == REP_LANG_KO && req->title_ko != NULL ?
	    req->title_ko : req->title;
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
static enum medsec_verdict
verdict_of(const struct rep_item *it)
{
	const struct ev_tally *dev = &it->dev;

	if (dev->pass < dev->n || it->npass < it->ntests)
		return MEDSEC_VERDICT_GAP;
	if (dev->n > 0)
		return MEDSEC_VERDICT_MET;
	if (it->d->applicability == MEDSEC_APPLIC_MAY_EXCLUDE)
		return MEDSEC_VERDICT_EXCLUDED;
	if (it->declaration != NULL)
		return MEDSEC_VERDICT_DECLARED;
	return MEDSEC_VERDICT_GAP;
}

/* Picks the English or the Korean text of a verdict's sentence. */
#define WHY_T(ko, en_text, ko_text) ((ko) ? (ko_text) : (en_text))

/* The verdict in a sentence, in English (ko 0) or Korean (ko 1). */
static void
why_text(const struct medsec_report *r, const struct rep_item *it, int ko,
    char *out, size_t outlen)
{
	const struct ev_tally *dev = &it->dev;
	char tags[160], comp[128] = "";

	tags_text(it->d->req, tags, sizeof(tags));
	if (it->ntests > 0)
		snprintf(comp, sizeof(comp), WHY_T(ko, " Component evidence "
		    "(medsec's suite): %zu of %zu tests passed.",
		    " 구성요소 증거(medsec 자체 시험): 통과 %zu건(전체 %zu건)."),
		    it->npass, it->ntests);
	if (dev->pass < dev->n || it->npass < it->ntests) {
		snprintf(out, outlen, WHY_T(ko, "%zu of %zu device tests and "
		    "%zu of %zu component tests did not pass (%zu failed, %zu "
		    "skipped, %zu not run).", "미통과: 기기 시험 %zu건(전체 "
		    "%zu건), 구성요소 시험 %zu건(전체 %zu건); 실패 %zu, 건너뜀 "
		    "%zu, 미실행 %zu."),
		    dev->n - dev->pass, dev->n, it->ntests - it->npass,
		    it->ntests, dev->fail + it->nfail, dev->skip + it->nskip,
		    dev->notrun + it->nnotrun);
	} else if (dev->n > 0) {
		snprintf(out, outlen, WHY_T(ko, "Device evidence: %zu of %zu "
		    "device tests passed.%s", "기기 증거: 기기 시험 통과 %zu건"
		    "(전체 %zu건).%s"), dev->pass, dev->n, comp);
	} else if (it->d->applicability == MEDSEC_APPLIC_MAY_EXCLUDE) {
		snprintf(out, outlen, WHY_T(ko, "Excluded. Justification: %s",
		    "제외. 근거: %s"), ko && it->d->reason_ko[0] != '\0' ?
		    it->d->reason_ko : it->d->reason);
	} else if (it->declaration != NULL) {
		snprintf(out, outlen, WHY_T(ko, "Declared by the manufacturer "
		    "in the device profile (not verified by a test or a review "
		    "recorded in the evidence): %s.%s", "제조자가 기기 "
		    "프로파일에 선언함(증거에 기록된 시험이나 검토로 확인된 것은 "
		    "아님): %s.%s"), it->declaration, comp);
	} else if (it->ntests > 0) {
		snprintf(out, outlen, WHY_T(ko, "Mechanism verified; "
		    "integration not shown: %zu of %zu component tests "
		    "(medsec's suite) passed, and no device test is named %s.",
		    "메커니즘 검증됨, 기기 통합은 입증되지 않음: 구성요소 "
		    "시험(medsec 자체 시험) 통과 %zu건(전체 %zu건), %s 이름의 "
		    "기기 시험 없음."), it->npass, it->ntests, tags);
	} else if (r->ev == NULL || (r->ev->junit == NULL &&
	    r->ev->ndevice == 0)) {
		snprintf(out, outlen, WHY_T(ko, "No evidence: the evidence "
		    "directory has no junit.xml and no device evidence was "
		    "given.", "증거 없음: 증거 디렉터리에 junit.xml이 없고 기기 "
		    "증거도 주어지지 않았습니다."));
	} else {
		snprintf(out, outlen, WHY_T(ko, "No evidence: no test in "
		    "junit.xml or the device evidence is named %s.", "증거 "
		    "없음: junit.xml과 기기 증거에 %s 이름의 시험이 "
		    "없습니다."), tags);
	}
}

static void
judge(const struct medsec_report *r, struct rep_item *it)
{
	ev_tally_device(r->ev, it->d->req, &it->dev);
	it->basis = it->dev.n > 0 ? MEDSEC_EVIDENCE_DEVICE : it->ntests > 0 ?
	    MEDSEC_EVIDENCE_COMPONENT : MEDSEC_EVIDENCE_NONE;
	it->verdict = verdict_of(it);
	why_text(r, it, 0, it->why, sizeof(it->why));
	why_text(r, it, 1, it->why_ko, sizeof(it->why_ko));
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

const char *
rep_or_unknown(const struct medsec_report *r, const char *s)
{
	return s != NULL && s[0] != '\0' ? s :
	    REP_T(r, "not recorded", "기록되지 않음");
}

static void
commit_text(const struct medsec_report *r, char *out, size_t outlen)
{
	const struct medsec_evidence *ev = r->ev;

	if (ev == NULL) {
		snprintf(out, outlen, "%s", rep_or_unknown(r, NULL));
		return;
	}
	snprintf(out, outlen, "%s%s", ev->commit, ev->dirty == 1 ?
	    REP_T(r, " (working tree had uncommitted changes)",
	    " (커밋되지 않은 변경 사항이 있는 작업 트리)") : ev->dirty == 0 ?
	    REP_T(r, " (clean working tree)", " (변경 사항 없는 작업 트리)") :
	    "");
}

static void
device_text(const struct medsec_report *r, char *out, size_t outlen)
{
	const struct medsec_profile *p = r->p;

	snprintf(out, outlen, REP_T(r, "%s, model %s, %s", "%s, 모델 %s, %s"),
	    p->name[0] ? p->name : REP_T(r, "(unnamed)", "(이름 없음)"),
	    p->model[0] ? p->model : REP_T(r, "(none)", "(없음)"),
	    p->manufacturer[0] ? p->manufacturer :
	    REP_T(r, "(manufacturer not stated)", "(제조자 미기재)"));
}

static void
catalog_text(const struct medsec_report *r, char *out, size_t outlen)
{
	const char *src = medsec_catalog_source(r->cat);

	if (r->lang == REP_LANG_KO && medsec_catalog_source_ko(r->cat) != NULL)
		src = medsec_catalog_source_ko(r->cat);
	snprintf(out, outlen, REP_T(r, "%s version %d: %s", "%s 버전 %d: %s"),
	    medsec_catalog_name(r->cat), medsec_catalog_version(r->cat), src);
}

void
rep_write_ident(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	char buf[1024];

	device_text(r, buf, sizeof(buf));
	rw_field(w, REP_T(r, "Medical device", "의료기기"), buf);
	catalog_text(r, buf, sizeof(buf));
	rw_field(w, REP_T(r, "Requirements catalog", "요구사항 카탈로그"),
	    buf);
	rw_field(w, REP_T(r, "Generated by", "작성 도구"),
	    "medsec " MEDSEC_VERSION);
	commit_text(r, buf, sizeof(buf));
	rw_field(w, REP_T(r, "Software commit (evidence)",
	    "소프트웨어 커밋(증거)"), buf);
	rw_field(w, REP_T(r, "Test date (JUnit timestamp)",
	    "시험 일자(JUnit 타임스탬프)"),
	    rep_or_unknown(r, j != NULL ? j->timestamp : NULL));
	rw_field(w, REP_T(r, "Evidence collected (UTC)",
	    "증거 수집 일시(UTC)"),
	    rep_or_unknown(r, r->ev != NULL ? r->ev->collected : NULL));
}

json_t *
rep_json_ident(const struct medsec_report *r)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	const struct medsec_evidence *ev = r->ev;

	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:i, s:s}, "
	    "s:{s:s, s:s}, s:{s:s?, s:o, s:s?, s:s?}}",
	    "lang", r->lang == REP_LANG_KO ? "ko" : "en",
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
	root = json_pack("{s:s, s:s, s:s, s:o, s:o}", "document",
	    doc_stems[doc], "lang", r->lang == REP_LANG_KO ? "ko" : "en",
	    "title", rep_doc_title(r, doc), "identification",
	    rep_json_ident(r), "content", body);
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
	rw_init(&w, fmt, r->lang, &b);
	switch (doc) {
	case MEDSEC_REPORT_CHECKLIST: rep_write_checklist(r, &w); break;
	case MEDSEC_REPORT_RISK: rep_write_risk(r, &w); break;
	default: rep_write_vv(r, &w); break;
	}
	return rbuf_take(&b, outp, lenp);
}

static void
index_link(struct rbuf *b, enum medsec_report_doc doc,
    enum medsec_report_lang lang, const char *ext, const char *label)
{
	char name[64];

	if (medsec_report_file_name(doc, lang, ext, name, sizeof(name)) !=
	    MEDSEC_OK) {
		/* Our own stems and extensions always fit; fail the page. */
		if (b->err == 0)
			b->err = MEDSEC_ERR_INTERNAL;
		return;
	}
	rbuf_puts(b, "<a href=\"");
	rbuf_html(b, name);
	rbuf_puts(b, "\">");
	rbuf_html(b, label);
	rbuf_puts(b, "</a>");
}

/* The index is written in several languages from one report. */
#define LANG_T(lang, en, ko) ((lang) == MEDSEC_REPORT_LANG_KO ? (ko) : (en))

static void
index_status(const struct medsec_report *r, enum medsec_report_lang lang,
    struct rbuf *b)
{
	size_t counts[5], req;

	rep_counts(r, counts, &req);
	rbuf_puts(b, req > 0 ? "<p class=\"gap\">" : "<p>");
	rbuf_printf(b, LANG_T(lang, "Requirements: %zu met, %zu declared, "
	    "%zu excluded, %zu gaps (%zu of them required).",
	    "요구사항: 충족 %zu, 제조자 선언 %zu, 제외 %zu, 미충족 %zu"
	    "(이 중 필수 항목 %zu)."), counts[MEDSEC_VERDICT_MET],
	    counts[MEDSEC_VERDICT_DECLARED], counts[MEDSEC_VERDICT_EXCLUDED],
	    counts[MEDSEC_VERDICT_GAP], req);
	rbuf_puts(b, "</p>\n");
}

/* One language's part of the index: its documents and their files. */
static void
index_lang(const struct medsec_report *r, enum medsec_report_lang lang,
    struct rbuf *b, int have_pdf, const char *pdf_note)
{
	const char *code = lang_names[lang];
	size_t d;

	rbuf_printf(b, "<section lang=\"%s\" id=\"docs-%s\">\n<h2>", code,
	    code);
	rbuf_html(b, LANG_T(lang, "Documents in English", "국문 제출 문서"));
	rbuf_puts(b, "</h2>\n");
	index_status(r, lang, b);
	rbuf_puts(b, "<table>\n<thead><tr><th>");
	rbuf_html(b, LANG_T(lang, "Document", "문서"));
	rbuf_puts(b, "</th><th>HTML</th><th>PDF</th><th>Markdown</th>"
	    "<th>JSON</th></tr></thead>\n<tbody>\n");
	for (d = 0; d < MEDSEC_REPORT_DOCS; d++) {
		rbuf_puts(b, "<tr><td>");
		rbuf_html(b, medsec_report_doc_title_lang(d, lang));
		rbuf_puts(b, "</td><td>");
		index_link(b, d, lang, "html", "HTML");
		rbuf_puts(b, "</td><td>");
		if (have_pdf)
			index_link(b, d, lang, "pdf", "PDF");
		else
			rbuf_html(b, LANG_T(lang, "not rendered", "생성되지 않음"));
		rbuf_puts(b, "</td><td>");
		index_link(b, d, lang, "md", "Markdown");
		rbuf_puts(b, "</td><td>");
		index_link(b, d, lang, "json", "JSON");
		rbuf_puts(b, "</td></tr>\n");
	}
	rbuf_puts(b, "</tbody>\n</table>\n");
	if (!have_pdf) {
		rbuf_puts(b, "<p class=\"warn\">");
		rbuf_html(b, LANG_T(lang, "PDFs were not rendered",
		    "PDF가 생성되지 않았습니다"));
		if (pdf_note != NULL) {
			rbuf_puts(b, ": ");
			rbuf_html(b, pdf_note);
		}
		rbuf_html(b, LANG_T(lang, ". Print the HTML pages to PDF instead.",
		    ". HTML 문서를 PDF로 인쇄하여 사용하십시오."));
		rbuf_puts(b, "</p>\n");
	}
	rbuf_puts(b, "</section>\n");
}

static const char index_title_en[] = "MFDS cybersecurity submission package";
static const char index_title_ko[] =
    "의료기기 사이버보안 허가·심사 제출 자료";

/* The page title: in each language of the package, Korean first. */
static void
index_title(struct rbuf *b, const enum medsec_report_lang *langs,
    size_t nlangs)
{
	size_t i;

	for (i = 0; i < nlangs; i++) {
		if (i > 0)
			rbuf_puts(b, " / ");
		rbuf_puts(b, langs[i] == MEDSEC_REPORT_LANG_KO ?
		    index_title_ko : index_title_en);
	}
}

static int
langs_ok(const enum medsec_report_lang *langs, size_t nlangs)
{
	size_t i, k;

	if (langs == NULL || nlangs == 0 || nlangs > MEDSEC_REPORT_LANGS)
		return 0;
	for (i = 0; i < nlangs; i++) {
		if ((unsigned)langs[i] >= MEDSEC_REPORT_LANGS)
			return 0;
		for (k = 0; k < i; k++)
			if (langs[k] == langs[i])
				return 0;
	}
	return 1;
}

int
medsec_report_render_index_langs(const struct medsec_report *r,
    const enum medsec_report_lang *langs, size_t nlangs, int have_pdf,
    const char *pdf_note, char **outp, size_t *lenp)
{
	struct rbuf b, title;
	size_t i;

	if (outp == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	*lenp = 0;
	if (r == NULL || !langs_ok(langs, nlangs))
		return MEDSEC_ERR_INVALID;
	rbuf_init(&b);
	rbuf_init(&title);
	index_title(&title, langs, nlangs);
	rw_html_begin(&b, lang_names[langs[0]], rbuf_str(&title));
	rbuf_puts(&b, "<h1>");
	rbuf_html(&b, rbuf_str(&title));
	rbuf_puts(&b, "</h1>\n<p class=\"sub\">");
	rbuf_html(&b, r->p->name[0] ? r->p->name : "(unnamed device)");
	rbuf_puts(&b, " ");
	rbuf_html(&b, r->p->model);
	rbuf_puts(&b, ", commit ");
	rbuf_html(&b, r->ev != NULL ? r->ev->commit : "not recorded");
	rbuf_puts(&b, "</p>\n");
	for (i = 0; i < nlangs; i++)
		index_lang(r, langs[i], &b, have_pdf, pdf_note);
	rbuf_puts(&b, "<p>File checksums: <a href=\"manifest.json\">"
	    "manifest.json</a> (SHA-256 of every file above).</p>\n");
	rw_html_end(&b);
	if (title.err != 0 && b.err == 0)
		b.err = title.err;
	rbuf_free(&title);
	return rbuf_take(&b, outp, lenp);
}

int
medsec_report_render_index(const struct medsec_report *r, int have_pdf,
    const char *pdf_note, char **outp, size_t *lenp)
{
	enum medsec_report_lang lang;

	if (r == NULL) {
		if (outp != NULL)
			*outp = NULL;
		if (lenp != NULL)
			*lenp = 0;
		return MEDSEC_ERR_INVALID;
	}
	lang = r->lang == REP_LANG_KO ? MEDSEC_REPORT_LANG_KO :
	    MEDSEC_REPORT_LANG_EN;
	return medsec_report_render_index_langs(r, &lang, 1, have_pdf,
	    pdf_note, outp, lenp);
}
