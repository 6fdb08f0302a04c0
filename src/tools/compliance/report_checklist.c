/*
 * The Checklist for Essential Principles (guideline IV.2, Table 4): the
 * device characteristics block, then one row per requirement with the
 * Table 4 columns. Requirement wording is the catalog's: checklist_text
 * (Table 4 as published in English) or, in Korean, the catalog's Korean
 * text with its source; nothing here rewords a requirement. A Korean
 * text that is the project's translation is marked so in every row.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

static const unsigned purposes[] = { MEDSEC_PURPOSE_HEALTH_RECORDS,
	MEDSEC_PURPOSE_CONTROL, MEDSEC_PURPOSE_MAINTENANCE };
#define NPURPOSES (sizeof(purposes) / sizeof(purposes[0]))

static const char *
box(int ticked)
{
	return ticked ? "\u2612" : "\u2610";
}

static void
level_line(const struct medsec_report *r, struct rbuf *b)
{
	enum medsec_level l = r->c->in_scope ? r->c->level : MEDSEC_LEVEL_NONE;

	/* The guideline's Korean levels are 상, 중, 하. */
	rbuf_printf(b, REP_T(r, "%s Major  %s Moderate  %s Minor",
	    "%s 상  %s 중  %s 하"),
	    box(l == MEDSEC_LEVEL_MAJOR), box(l == MEDSEC_LEVEL_MODERATE),
	    box(l == MEDSEC_LEVEL_MINOR));
	if (!r->c->in_scope)
		rbuf_puts(b, REP_T(r, " (out of scope: no communication "
		    "purpose)", " (적용 대상 아님: 해당 통신 목적 없음)"));
}

static void
tech_line(const struct medsec_report *r, struct rbuf *b)
{
	const struct medsec_profile *p = r->p;
	size_t i;

	for (i = 0; i < p->n_technologies; i++)
		rbuf_printf(b, "%s%s", i ? ", " : "", p->technologies[i]);
	if (p->n_technologies == 0)
		rbuf_puts(b, REP_T(r, "none stated", "기재 없음"));
}

static const char *
public_text(const struct medsec_report *r, int v)
{
	return v == 1 ? REP_T(r, "Yes", "예") : v == 0 ?
	    REP_T(r, "No", "아니요") : REP_T(r, "Not stated", "기재 없음");
}

/* Table 4, "Purpose of communication", in the report's language. */
static const char *
purpose_text(const struct medsec_report *r, unsigned purpose)
{
	if (r->lang != REP_LANG_KO)
		return medsec_purpose_label(purpose);
	switch (purpose) {
	case MEDSEC_PURPOSE_HEALTH_RECORDS:
		return "환자의 생체정보 등 개인건강정보의 송·수신";
	case MEDSEC_PURPOSE_CONTROL:
		return "기기 제어";
	default:
		return "펌웨어 또는 소프트웨어 업데이트 등 유지보수";
	}
}

static void
characteristics(const struct medsec_report *r, struct rw *w)
{
	struct rbuf b;
	size_t i;

	rbuf_init(&b);
	rw_heading(w, 1, "characteristics", REP_T(r, "Description of "
	    "Characteristics of Medical Device of Cybersecurity",
	    "의료기기 사이버보안 특성 기재"));
	level_line(r, &b);
	rw_field(w, REP_T(r, "1) Cybersecurity safety level",
	    "1) 사이버보안 안전성 등급"), rbuf_str(&b));
	rbuf_clear(&b);
	tech_line(r, &b);
	rw_field(w, REP_T(r, "2) Communication technology used",
	    "2) 사용되는 통신 기술"), rbuf_str(&b));
	rbuf_clear(&b);
	for (i = 0; i < NPURPOSES; i++)
		rbuf_printf(&b, "%s%s %s", i ? "\n" : "",
		    box((r->p->purposes & purposes[i]) != 0),
		    purpose_text(r, purposes[i]));
	rw_field(w, REP_T(r, "3) Purpose of communication", "3) 통신 목적"),
	    rbuf_str(&b));
	rw_field(w, REP_T(r, "4) Whether public network is connected or not",
	    "4) 공용 네트워크망 사용 여부"),
	    public_text(r, r->p->public_network));
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
}

static void
rationale(const struct medsec_report *r, struct rw *w)
{
	size_t i;

	rw_heading(w, 1, "level", REP_T(r, "Safety level: rationale",
	    "안전성 등급 결정 근거"));
	for (i = 0; i < r->c->n_rationale; i++)
		rw_item(w, rep_ko_or(r, r->c->rationale[i],
		    r->c->rationale_ko[i]));
	for (i = 0; i < r->c->n_warnings; i++)
		rw_notice(w, "warn", rep_ko_or(r, r->c->warnings[i],
		    r->c->warnings_ko[i]));
}

static void
summary(const struct medsec_report *r, struct rw *w)
{
	size_t counts[5], req;

	rep_counts(r, counts, &req);
	rw_heading(w, 1, "summary", REP_T(r, "Conformity summary",
	    "적합성 요약"));
	rw_paraf(w, REP_T(r, "%zu requirements: %zu met by passing tests, "
	    "%zu declared with a document, %zu excluded with a "
	    "justification, %zu gaps.", "요구사항 %zu개: 시험 통과로 충족 "
	    "%zu, 문서로 제조자 선언 %zu, 근거를 들어 제외 %zu, 미충족 %zu."),
	    r->n, counts[MEDSEC_VERDICT_MET],
	    counts[MEDSEC_VERDICT_DECLARED], counts[MEDSEC_VERDICT_EXCLUDED],
	    counts[MEDSEC_VERDICT_GAP]);
	if (req > 0)
		rw_notice(w, "gap", REP_T(r, "Required items with a gap are "
		    "not met: the device does not yet conform. See the "
		    "Software Verification and Validation Report for each "
		    "gap.", "필수 항목에 미충족이 있으므로 이 기기는 아직 "
		    "적합하지 않습니다. 미충족 항목별 내용은 소프트웨어 검증 및 "
		    "유효성 확인 보고서를 참조하십시오."));
}

/*
 * Standards the 2019 guideline cites in an edition since replaced, with
 * the edition current when this table was written (2026-12). The
 * guideline's requirement stays as cited; the current edition is shown
 * beside it so a reviewer sees which one the device was designed to.
 * Citations not listed here are shown as the guideline gives them.
 */
static const struct {
	const char *cited, *current;
} current_editions[] = {
	{ "KS X ISO/IEC 27002 (2014)", "ISO/IEC 27002:2022" },
	{ "NIST, Framework for Improving Critical Infrastructure "
	  "Cybersecurity (2014)", "NIST Cybersecurity Framework (CSF) 2.0 "
	  "(2024)" },
	{ "FDA, Content of Premarket Submissions for Management of "
	  "Cybersecurity in Medical Devices (2014)", "FDA, Cybersecurity in "
	  "Medical Devices: Quality System Considerations and Content of "
	  "Premarket Submissions (final guidance, September 2023, and its "
	  "revisions)" },
};

static const char *
current_edition(const char *cited)
{
	size_t i;

	for (i = 0; i < sizeof(current_editions) /
	    sizeof(current_editions[0]); i++)
		if (strcmp(current_editions[i].cited, cited) == 0)
			return current_editions[i].current;
	return NULL;
}

static void
standards_cell(const struct medsec_report *r, const struct medsec_strlist *l,
    struct rbuf *b)
{
	const char *now;
	size_t i;

	for (i = 0; i < l->n; i++) {
		rbuf_printf(b, "%s%s", i ? ";\n" : "", l->v[i]);
		if ((now = current_edition(l->v[i])) != NULL)
			rbuf_printf(b, REP_T(r, " (cited by the guideline; "
			    "current edition: %s)", " (가이드라인 인용판; 현행판: "
			    "%s)"), now);
	}
}

static json_t *
standards_json(const struct medsec_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < l->n; i++)
		rep_json_push(&a, json_pack("{s:s, s:s?}", "cited", l->v[i],
		    "current_edition", current_edition(l->v[i])));
	return a;
}

/* The suggested verification methods in the report's language. */
static const struct medsec_strlist *
methods_in_lang(const struct medsec_report *r,
    const struct medsec_requirement *req)
{
	return r->lang == REP_LANG_KO && req->verification_ko.n > 0 ?
	    &req->verification_ko : &req->verification;
}

/* The outcome as the checklist shows it: upper-case in English. */
static const char *
result_word(const struct medsec_report *r, enum medsec_verdict v)
{
	static const char *const upper[] = { "NOT APPLICABLE", "MET",
		"DECLARED", "EXCLUDED", "GAP" };

	if (r->lang == REP_LANG_KO || (unsigned)v >= 5)
		return rep_verdict_label(r, v);
	return upper[v];
}

/*
 * The catalog's methods split by the evidence: those performed first,
 * then those only planned, marked so. A method with no evidence of its
 * kind is never shown as performed (rep_method_performed()).
 */
static void
methods_performed_planned(const struct medsec_report *r,
    const struct rep_item *it, struct rbuf *b)
{
	const struct medsec_requirement *req = it->d->req;
	const struct medsec_strlist *names = methods_in_lang(r, req);
	char how[192];
	size_t k, shown[2] = { 0, 0 };
	int want;

	for (want = 1; want >= 0; want--)
		for (k = 0; k < req->verification.n; k++) {
			if (rep_method_performed(r, it, k, how,
			    sizeof(how)) != want)
				continue;
			if (shown[want]++ > 0)
				rbuf_puts(b, ";\n");
			else if (want)
				rbuf_puts(b, REP_T(r, "Performed: ",
				    "수행함: "));
			else
				rbuf_puts(b, shown[1] > 0 ? REP_T(r,
				    "\nPlanned (not performed): ",
				    "\n계획됨(수행하지 않음): ") : REP_T(r,
				    "Planned (not performed): ",
				    "계획됨(수행하지 않음): "));
			rbuf_puts(b, k < names->n ? names->v[k] :
			    req->verification.v[k]);
		}
}

/* "Verification method of conformity": the justification for an
 * excluded item (guideline IV.2), else the methods and the outcome. */
static void
method_cell(const struct medsec_report *r, const struct rep_item *it,
    struct rbuf *b)
{
	if (it->verdict == MEDSEC_VERDICT_EXCLUDED) {
		/* The reason already quotes any declaration. */
		rbuf_puts(b, rep_why(r, it));
		return;
	}
	methods_performed_planned(r, it, b);
	rbuf_printf(b, REP_T(r, "\nResult: %s. %s", "\n결과: %s. %s"),
	    result_word(r, it->verdict), rep_why(r, it));
}

static void
docs_cell(const struct medsec_report *r, const struct rep_item *it,
    struct rbuf *b)
{
	rbuf_printf(b, REP_T(r, "Software Verification and Validation "
	    "Report, item %s;\nCybersecurity Risk Management Document, "
	    "control %s", "소프트웨어 검증 및 유효성 확인 보고서, 항목 "
	    "%s;\n사이버보안 위험관리 문서, 통제 %s"),
	    it->d->req->id, it->d->req->id);
	if (it->declaration != NULL)
		rbuf_printf(b, REP_T(r, ";\nDevice profile [implementation] "
		    "%s: %s", ";\n기기 프로파일 [implementation] %s: %s"),
		    it->d->req->id, it->declaration);
}

/* "Whether the device is subject to requirements": Table 3's column, the
 * manufacturer's decision with its basis, and the reason. */
static void
subject_cell(const struct medsec_report *r, const struct rep_item *it,
    struct rbuf *b)
{
	const struct medsec_profile_applic *a = &it->d->decision;

	if (a->decision == MEDSEC_DECIDE_UNSET) {
		rbuf_printf(b, "%s\n%s", rep_applic_text(r, it->d->applicability),
		    rep_reason(r, it));
		return;
	}
	rbuf_printf(b, "%s\n%s: %s%s%s%s\n%s",
	    rep_applic_text(r, it->d->table3), REP_T(r, "Decision", "결정"),
	    a->decision == MEDSEC_DECIDE_APPLIED ? REP_T(r, "applied",
	    "적용") : REP_T(r, "not applied", "적용하지 않음"),
	    a->basis != MEDSEC_BASIS_NONE ? " (" : "",
	    a->basis != MEDSEC_BASIS_NONE ? medsec_basis_name(a->basis) : "",
	    a->basis != MEDSEC_BASIS_NONE ? ")" : "", rep_reason(r, it));
}

/*
 * The requirement cell: number, title and text in the report's language.
 * A Korean text says where it is from; an item the catalog has no Korean
 * for shows the English text and says that too.
 */
static void
requirement_cell(const struct medsec_report *r,
    const struct medsec_requirement *req, struct rbuf *b)
{
	if (r->lang != REP_LANG_KO) {
		rbuf_printf(b, "%s %s\n%s", req->id, req->title,
		    req->checklist_text);
		return;
	}
	if (req->text_ko == NULL) {
		rbuf_printf(b, "%s %s\n%s\n(국문 없음: 영문판 원문)", req->id,
		    req->title, req->checklist_text);
		return;
	}
	rbuf_printf(b, "%s %s\n%s", req->id, req->title_ko, req->text_ko);
	if (req->text_ko_translated)
		rbuf_puts(b, "\n(※ 번역문: 식약처 국문 원문이 아님)");
	else
		rbuf_printf(b, "\n(출처: %s)", req->text_ko_source);
}

static void
item_row(const struct medsec_report *r, const struct rep_item *it,
    struct rw *w, struct rbuf *cells)
{
	const struct medsec_requirement *req = it->d->req;
	size_t off[5], i;
	const char *row[5];

	rbuf_clear(cells);
	off[0] = cells->len;
	requirement_cell(r, req, cells);
	rbuf_put(cells, "", 1);
	off[1] = cells->len;
	subject_cell(r, it, cells);
	rbuf_put(cells, "", 1);
	off[2] = cells->len;
	method_cell(r, it, cells);
	rbuf_put(cells, "", 1);
	off[3] = cells->len;
	standards_cell(r, &req->standards, cells);
	rbuf_put(cells, "", 1);
	off[4] = cells->len;
	docs_cell(r, it, cells);
	if (cells->err != 0) {
		if (w->out->err == 0)
			w->out->err = cells->err;
		return;
	}
	for (i = 0; i < 5; i++)
		row[i] = cells->s + off[i];
	rw_row(w, row, medsec_verdict_name(it->verdict));
}

/* The Table 4 columns; the Korean ones are the Korean form's labels. */
static const char *const columns_en[5] = {
	"Essential Principles of Cybersecurity of Medical Devices",
	"Whether the device is subject to requirements",
	"Verification method of conformity",
	"Applicable laws and standards",
	"Attachments or document number"
};

static const char *const columns_ko[5] = {
	"의료기기 사이버보안 필수원칙",
	"해당기기 적용여부",
	"적합성 입증방법",
	"적용 법령 및 규격",
	"해당 첨부자료 또는 문서번호"
};

/* Says, once above the table, what the Korean texts are. */
static void
korean_text_notice(const struct medsec_report *r, struct rw *w)
{
	size_t i, translated = 0, cited = 0, none = 0;

	if (r->lang != REP_LANG_KO)
		return;
	for (i = 0; i < r->n; i++) {
		const struct medsec_requirement *req = r->items[i].d->req;

		if (req->text_ko == NULL)
			none++;
		else if (req->text_ko_translated)
			translated++;
		else
			cited++;
	}
	if (translated > 0)
		rw_notice(w, "note", "요구사항 국문 중 ‘※ 번역문’으로 표시한 "
		    "것은 식약처 가이드라인 영문판(2020년 11월)을 이 문서의 "
		    "작성자가 번역한 것으로, 식약처 국문 원문이 아닙니다. "
		    "제출 전 식약처 국문 가이드라인의 해당 문안과 대조하십시오.");
	if (cited > 0)
		rw_notice(w, "note", "‘출처’를 표시한 요구사항 국문은 그 출처의 "
		    "문안을 그대로 인용한 것입니다.");
	if (none > 0)
		rw_notice(w, "warn", "국문이 없는 요구사항은 영문판 원문을 "
		    "그대로 싣습니다.");
}

static void
items_table(const struct medsec_report *r, struct rw *w)
{
	struct rbuf cells;
	const char *stage = NULL;
	size_t i;

	rw_heading(w, 1, "items", REP_T(r, "Essential principles",
	    "필수원칙"));
	if (r->n == 0) {
		rw_para(w, REP_T(r, "Cybersecurity requirements do not apply: "
		    "the device communicates for none of the purposes in "
		    "guideline I.2.", "사이버보안 요구사항이 적용되지 않습니다: "
		    "이 기기는 가이드라인 I.2의 어떤 목적으로도 통신하지 "
		    "않습니다."));
		return;
	}
	korean_text_notice(r, w);
	rbuf_init(&cells);
	rw_table(w, 5, REP_T(r, columns_en, columns_ko));
	for (i = 0; i < r->n; i++) {
		const struct medsec_requirement *req = r->items[i].d->req;

		if (stage == NULL || strcmp(stage, req->stage) != 0) {
			stage = req->stage;
			rw_group(w, strcmp(stage, "identify-protect") == 0 ?
			    REP_T(r, "1. 'Identify' and 'Protect'",
			    "1. ‘식별’ 및 ‘보호’") :
			    REP_T(r, "2. 'Detect', 'Respond' and 'Recover'",
			    "2. ‘탐지’, ‘대응’ 및 ‘복구’"));
		}
		item_row(r, &r->items[i], w, &cells);
	}
	rbuf_free(&cells);
}

void
rep_write_checklist(const struct medsec_report *r, struct rw *w)
{
	rw_begin(w, rep_doc_title(r, MEDSEC_REPORT_CHECKLIST),
	    REP_T(r, "MFDS Guideline on Review and Approval for "
	    "Cybersecurity of Medical Devices, Table 4",
	    "식품의약품안전처 「의료기기의 사이버보안 허가·심사 가이드라인」 "
	    "표 4"));
	rep_write_ident(r, w);
	rep_write_admin(r, MEDSEC_REPORT_CHECKLIST, w);
	characteristics(r, w);
	rationale(r, w);
	summary(r, w);
	items_table(r, w);
	rep_write_legacy(r, w, 1, REP_T(r, "End of support: the legacy-device "
	    "plan", "지원 종료: 레거시 의료기기 관리 계획"));
	rep_write_signoff(r, w);
	rw_end(w);
}

/* ---- JSON ---- */

static json_t *
strlist_json(const struct medsec_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < l->n; i++)
		rep_json_push(&a, json_string(l->v[i]));
	return a;
}

static json_t *
lines_json(const char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		rep_json_push(&a, json_string(lines[i]));
	return a;
}

static json_t *
characteristics_json(const struct medsec_report *r)
{
	json_t *tech = json_array(), *purp = json_array();
	size_t i;

	for (i = 0; tech != NULL && i < r->p->n_technologies; i++)
		rep_json_push(&tech, json_string(r->p->technologies[i]));
	for (i = 0; purp != NULL && i < NPURPOSES; i++)
		if (r->p->purposes & purposes[i])
			rep_json_push(&purp,
			    json_string(medsec_purpose_name(purposes[i])));
	return json_pack("{s:s?, s:o, s:o, s:o}", "level", r->c->in_scope ?
	    medsec_level_name(r->c->level) : NULL, "technologies", tech,
	    "purposes", purp, "public_network", r->p->public_network < 0 ?
	    json_null() : json_boolean(r->p->public_network));
}

/*
 * The requirement in the report's language and where its wording comes
 * from: the catalog citation for the English text; "translation" or the
 * cited Korean publication for the Korean one.
 */
static json_t *
item_json(const struct medsec_report *r, const struct rep_item *it)
{
	const struct medsec_requirement *req = it->d->req;
	int ko = r->lang == REP_LANG_KO && req->text_ko != NULL;
	const struct medsec_profile_applic *a = &it->d->decision;

	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, "
	    "s:o, s:o, s:s, s:s, s:o, s:o, s:s?}",
	    "id", req->id, "no", req->no, "stage", req->stage,
	    "title", ko ? req->title_ko : req->title,
	    "requirement", ko ? req->text_ko : req->checklist_text,
	    "requirement_source", ko ? req->text_ko_source : req->citation,
	    "requirement_translated", ko && req->text_ko_translated,
	    "applicability", medsec_applicability_name(it->d->applicability),
	    "table3", medsec_applicability_name(it->d->table3),
	    "reason", it->d->reason,
	    "decision", a->decision == MEDSEC_DECIDE_UNSET ? json_null() :
	    json_pack("{s:s, s:s?, s:s?, s:s}", "decision",
	    a->decision == MEDSEC_DECIDE_APPLIED ? "applied" : "not-applied",
	    "basis", medsec_basis_name(a->basis), "reference",
	    a->reference[0] != '\0' ? a->reference : NULL, "reason",
	    a->reason),
	    "verification_methods", strlist_json(methods_in_lang(r, req)),
	    "verdict", medsec_verdict_name(it->verdict),
	    "verdict_reason", rep_why(r, it),
	    "standards", strlist_json(&req->standards),
	    "standards_editions", standards_json(&req->standards),
	    "declaration", it->declaration);
}

json_t *
rep_json_checklist(const struct medsec_report *r)
{
	size_t counts[5], req, i;
	json_t *items = json_array();

	rep_counts(r, counts, &req);
	for (i = 0; items != NULL && i < r->n; i++)
		rep_json_push(&items, item_json(r, &r->items[i]));
	return json_pack("{s:b, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}, "
	    "s:o, s:o, s:o}",
	    "in_scope", r->c->in_scope,
	    "characteristics", characteristics_json(r),
	    "rationale", lines_json(r->c->rationale, r->c->n_rationale),
	    "warnings", lines_json(r->c->warnings, r->c->n_warnings),
	    "summary", "met", (json_int_t)counts[MEDSEC_VERDICT_MET],
	    "declared", (json_int_t)counts[MEDSEC_VERDICT_DECLARED],
	    "excluded", (json_int_t)counts[MEDSEC_VERDICT_EXCLUDED],
	    "gaps", (json_int_t)counts[MEDSEC_VERDICT_GAP],
	    "required_gaps", (json_int_t)req,
	    "items", items,
	    "legacy_plan", rep_json_legacy(r),
	    "administration", rep_json_admin(r, MEDSEC_REPORT_CHECKLIST));
}
