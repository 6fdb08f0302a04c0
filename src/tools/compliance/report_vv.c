/*
 * The Software Verification and Validation Report (guideline IV.1): the
 * device software tested and the components it is built from, for each
 * requirement the methods performed (only those the evidence shows) and
 * those still planned, the test cases with their kind of evidence and
 * results, then benchmark and attack results from the same run, and the
 * production information (SBOM, vulnerability status with VEX). Every
 * number here is read from the evidence.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#ifndef MEDSEC_VERSION
#define MEDSEC_VERSION "unknown"
#endif

static const char *
text_or(const char *s, const char *dflt)
{
	return s != NULL && s[0] != '\0' ? s : dflt;
}

const char *
medsec_evidence_basis_name(enum medsec_evidence_basis b)
{
	switch (b) {
	case MEDSEC_EVIDENCE_DEVICE: return "device";
	case MEDSEC_EVIDENCE_COMPONENT: return "component";
	default: return "none";
	}
}

enum medsec_evidence_basis
medsec_report_basis(const struct medsec_report *r, const char *id)
{
	size_t i;

	if (r == NULL || id == NULL)
		return MEDSEC_EVIDENCE_NONE;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->items[i].d->req->id, id) == 0)
			return r->items[i].basis;
	return MEDSEC_EVIDENCE_NONE;
}

size_t
medsec_report_excluded_results(const struct medsec_report *r)
{
	size_t i, n = 0;

	for (i = 0; r != NULL && r->ev != NULL && i < r->ev->nfiles; i++)
		n += r->ev->files[i].excluded;
	return n;
}

static const char *
basis_label(const struct medsec_report *r, enum medsec_evidence_basis b)
{
	switch (b) {
	case MEDSEC_EVIDENCE_DEVICE:
		return REP_T(r, "device evidence", "기기 증거");
	case MEDSEC_EVIDENCE_COMPONENT:
		return REP_T(r, "component evidence only: mechanism verified; "
		    "integration not shown", "구성요소 증거만 있음: 메커니즘 "
		    "검증됨, 기기 통합은 입증되지 않음");
	default:
		return REP_T(r, "no test evidence", "시험 증거 없음");
	}
}

/* ---- methods: performed or planned ---- */

enum method_kind { M_TEST, M_ATTACK, M_BENCH, M_REVIEW };

/*
 * The kind of a catalog method, from its wording. Reviews and inspections
 * leave no evidence this generator reads, so they stay planned; scans,
 * penetration and flood tests need an attack-tool test of the item.
 */
static enum method_kind
method_kind(const char *m)
{
	if (strstr(m, "review") != NULL || strstr(m, "inspection") != NULL ||
	    strstr(m, "documentation") != NULL)
		return M_REVIEW;
	if (strstr(m, "benchmark") != NULL)
		return M_BENCH;
	if (strstr(m, "penetration") != NULL || strstr(m, "scan") != NULL ||
	    strstr(m, "attack") != NULL || strstr(m, "flood") != NULL ||
	    strstr(m, "traffic capture") != NULL)
		return M_ATTACK;
	return M_TEST;
}

/* Tests of the item that ran (passed or failed), by kind. */
struct ran {
	size_t comp, dev, comp_attack, dev_attack;
};

static int
ran_status(enum medsec_test_status s)
{
	return s == MEDSEC_TEST_PASS || s == MEDSEC_TEST_FAIL;
}

static int
is_attack(const char *name)
{
	return strstr(name, "_attack_") != NULL;
}

static void
tests_ran(const struct medsec_report *r, const struct rep_item *it,
    struct ran *n)
{
	const struct medsec_junit_case *c;
	const struct medsec_junit *j;
	size_t i, d;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < it->ntests; i++)
		if ((c = rep_case(r, it->tests[i])) != NULL &&
		    ran_status(c->status)) {
			n->comp++;
			n->comp_attack += is_attack(c->name);
		}
	for (d = 0; r->ev != NULL && d < r->ev->ndevice; d++) {
		j = r->ev->device[d].junit;
		for (i = 0; i < j->n; i++)
			if (ev_claims(it->d->req, j->cases[i].name) &&
			    ran_status(j->cases[i].status)) {
				n->dev++;
				n->dev_attack += is_attack(j->cases[i].name);
			}
	}
}

static int
same_run_bench(const struct medsec_report *r)
{
	size_t i;

	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++)
		if (r->ev->files[i].kind == EV_BENCH &&
		    !r->ev->files[i].excluded && r->ev->files[i].text != NULL)
			return 1;
	return 0;
}

static int
performed_by_tests(const struct medsec_report *r, size_t comp, size_t dev,
    char *how, size_t howlen)
{
	if (comp == 0 && dev == 0)
		return 0;
	snprintf(how, howlen, REP_T(r, "performed: %zu device test(s) and "
	    "%zu component test(s) ran", "수행함: 기기 시험 %zu건, 구성요소 "
	    "시험 %zu건 실행"), dev, comp);
	return 1;
}

int
rep_method_performed(const struct medsec_report *r,
    const struct rep_item *it, size_t k, char *how, size_t howlen)
{
	const struct medsec_requirement *req = it->d->req;
	struct ran n;

	if (k >= req->verification.n)
		return 0;
	tests_ran(r, it, &n);
	switch (method_kind(req->verification.v[k])) {
	case M_TEST:
		if (performed_by_tests(r, n.comp, n.dev, how, howlen))
			return 1;
		snprintf(how, howlen, "%s", REP_T(r, "planned: no test of "
		    "this item ran", "계획됨: 이 항목의 시험이 실행되지 않음"));
		return 0;
	case M_ATTACK:
		if (performed_by_tests(r, n.comp_attack, n.dev_attack, how,
		    howlen))
			return 1;
		snprintf(how, howlen, "%s", REP_T(r, "planned: no attack-tool "
		    "test of this item ran", "계획됨: 이 항목의 공격 도구 "
		    "시험이 실행되지 않음"));
		return 0;
	case M_BENCH:
		if (same_run_bench(r)) {
			snprintf(how, howlen, "%s", REP_T(r, "performed: "
			    "benchmark results of this run in section 5",
			    "수행함: 이번 실행의 벤치마크 결과(5절)"));
			return 1;
		}
		snprintf(how, howlen, "%s", REP_T(r, "planned: no benchmark "
		    "result from this run", "계획됨: 이번 실행의 벤치마크 결과 "
		    "없음"));
		return 0;
	default:
		snprintf(how, howlen, "%s", REP_T(r, "planned: no review or "
		    "inspection record is part of the evidence", "계획됨: 증거에 "
		    "검토·검사 기록이 없음"));
		return 0;
	}
}

/* ---- 1. the device software and its components ---- */

static void
device_software(const struct medsec_report *r, struct rw *w)
{
	const struct ev_device_meta *dm = r->ev != NULL ? &r->ev->dev : NULL;
	char buf[512];

	rw_heading(w, 1, "software", REP_T(r, "1. Software tested",
	    "1. 시험 대상 소프트웨어"));
	snprintf(buf, sizeof(buf), "%s, model %s, %s",
	    text_or(r->p->name, "(unnamed)"), text_or(r->p->model, "(none)"),
	    text_or(r->p->manufacturer, "(manufacturer not stated)"));
	rw_field(w, REP_T(r, "Medical device (profile)", "의료기기(프로파일)"),
	    buf);
	rw_field(w, REP_T(r, "Device software", "기기 소프트웨어"),
	    text_or(dm != NULL ? dm->software : NULL,
	    REP_T(r, "not recorded (no device.json in the device evidence)",
	    "기록 없음(기기 증거에 device.json 없음)")));
	rw_field(w, REP_T(r, "Device software version", "기기 소프트웨어 버전"),
	    text_or(dm != NULL ? dm->version : NULL,
	    REP_T(r, "not recorded", "기록 없음")));
	rw_field(w, REP_T(r, "Device software build", "기기 소프트웨어 빌드"),
	    text_or(dm != NULL ? dm->build : NULL,
	    REP_T(r, "not recorded", "기록 없음")));
	snprintf(buf, sizeof(buf), REP_T(r, "medsec %s (library and tools the "
	    "device software uses; commit %s)", "medsec %s(기기 소프트웨어가 "
	    "사용하는 라이브러리와 도구, 커밋 %s)"),
	    text_or(r->ev != NULL ? r->ev->tested_version : NULL,
	    MEDSEC_VERSION), r->ev != NULL ? r->ev->commit : "unknown");
	rw_field(w, REP_T(r, "Component", "구성요소"), buf);
	rw_field(w, REP_T(r, "Report generator", "보고서 생성기"),
	    "medsec " MEDSEC_VERSION);
}

static void
component_env(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_evidence *ev = r->ev;
	const struct medsec_junit *j = ev != NULL ? ev->junit : NULL;
	const char *nr = REP_T(r, "not recorded", "기록 없음");
	char buf[256];

	rw_heading(w, 2, "component-run", REP_T(r, "1.1 Component evidence: "
	    "medsec's own test run", "1.1 구성요소 증거: medsec 자체 시험 실행"));
	rw_field(w, REP_T(r, "Tested build (medsec version)",
	    "시험한 빌드(medsec 버전)"), text_or(ev != NULL ?
	    ev->tested_version : NULL, nr));
	snprintf(buf, sizeof(buf), "%s%s", ev != NULL ? ev->commit : nr,
	    ev == NULL || ev->dirty < 0 ? "" : ev->dirty ?
	    REP_T(r, " (working tree had uncommitted changes)",
	    " (커밋되지 않은 변경이 있는 작업 트리)") :
	    REP_T(r, " (clean)", " (깨끗한 트리)"));
	rw_field(w, REP_T(r, "Commit", "커밋"), buf);
	rw_field(w, REP_T(r, "Run started (UTC)", "실행 시작(UTC)"),
	    text_or(ev != NULL ? ev->started : NULL, nr));
	rw_field(w, REP_T(r, "Evidence collected (UTC)", "증거 수집(UTC)"),
	    text_or(ev != NULL ? ev->collected : NULL, nr));
	rw_field(w, REP_T(r, "Test date (JUnit timestamp)",
	    "시험 일자(JUnit 타임스탬프)"),
	    text_or(j != NULL ? j->timestamp : NULL, nr));
	rw_field(w, REP_T(r, "Test host", "시험 호스트"),
	    text_or(j != NULL ? j->hostname : NULL,
	    text_or(ev != NULL ? ev->host : NULL, nr)));
	rw_field(w, REP_T(r, "Test runner", "시험 실행기"),
	    text_or(ev != NULL ? ev->ctest : NULL, nr));
	rw_field(w, REP_T(r, "Compiler", "컴파일러"),
	    text_or(ev != NULL ? ev->compiler : NULL, nr));
	rw_field(w, REP_T(r, "Build type", "빌드 유형"),
	    text_or(ev != NULL ? ev->build_type : NULL, nr));
	if (ev != NULL && ev->tested_version[0] != '\0' &&
	    strcmp(ev->tested_version, MEDSEC_VERSION) != 0)
		rw_notice(w, "warn", REP_T(r, "The tested build's version "
		    "differs from this generator's: regenerate the package "
		    "with the tested version.", "시험한 빌드의 버전이 이 "
		    "생성기의 버전과 다릅니다. 시험한 버전으로 패키지를 다시 "
		    "생성하십시오."));
	if (ev != NULL && ev->dirty == 1)
		rw_notice(w, "warn", REP_T(r, "The tests ran on a working tree "
		    "with uncommitted changes: the commit above does not "
		    "identify the tested software exactly. Re-run the tests "
		    "from a clean checkout before submission.", "커밋되지 않은 "
		    "변경이 있는 작업 트리에서 시험했으므로 위 커밋은 시험한 "
		    "소프트웨어를 정확히 식별하지 못합니다. 제출 전에 깨끗한 "
		    "체크아웃에서 다시 시험하십시오."));
}

static void
device_env(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_evidence *ev = r->ev;
	const struct medsec_junit *j;
	char line[600];
	size_t d;

	rw_heading(w, 2, "device-run", REP_T(r, "1.2 Device evidence: tests "
	    "of the device", "1.2 기기 증거: 기기에 대한 시험"));
	if (ev == NULL || ev->ndevice == 0) {
		rw_notice(w, "gap", REP_T(r, "No device test results were "
		    "given (medsec report --device-evidence): no requirement "
		    "is met for the device. Component results show that "
		    "medsec's mechanisms work, not that the device uses them "
		    "correctly.", "기기 시험 결과가 주어지지 않았습니다(medsec "
		    "report --device-evidence). 따라서 기기에 대해 충족된 "
		    "요구사항은 없습니다. 구성요소 결과는 medsec의 메커니즘이 "
		    "동작함을 보일 뿐, 기기가 이를 올바르게 사용함을 보이지는 "
		    "않습니다."));
	}
	if (ev != NULL && ev->dev.source[0] != '\0') {
		rw_field(w, REP_T(r, "Device run started (UTC)",
		    "기기 시험 시작(UTC)"), text_or(ev->dev.started,
		    REP_T(r, "not recorded", "기록 없음")));
		rw_field(w, REP_T(r, "Device evidence collected (UTC)",
		    "기기 증거 수집(UTC)"), text_or(ev->dev.collected,
		    REP_T(r, "not recorded", "기록 없음")));
	}
	for (d = 0; ev != NULL && d < ev->ndevice; d++) {
		j = ev->device[d].junit;
		snprintf(line, sizeof(line), REP_T(r, "%s (device evidence): "
		    "%zu test cases, test date %s, host %s", "%s(기기 증거): "
		    "시험 %zu건, 시험 일자 %s, 호스트 %s"), ev->device[d].name,
		    j->n, text_or(j->timestamp, "-"), text_or(j->hostname,
		    "-"));
		rw_item(w, line);
	}
}

/* ---- 2. summary ---- */

static void
count_status(const struct medsec_junit *j, size_t n[4])
{
	size_t i;

	for (i = 0; j != NULL && i < j->n; i++)
		n[j->cases[i].status]++;
}

static void
run_summary(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	size_t n[4] = { 0 }, dn[4] = { 0 }, i, counts[5], req, mech = 0;
	char buf[320];

	rw_heading(w, 1, "summary", REP_T(r, "2. Summary", "2. 요약"));
	if (j == NULL) {
		rw_notice(w, "gap", REP_T(r, "No component test results: the "
		    "evidence directory has no junit.xml.", "구성요소 시험 결과 "
		    "없음: 증거 디렉터리에 junit.xml이 없습니다."));
	} else {
		count_status(j, n);
		snprintf(buf, sizeof(buf), REP_T(r, "%zu test cases: %zu "
		    "passed, %zu failed, %zu skipped, %zu not run",
		    "시험 %zu건: 통과 %zu, 실패 %zu, 건너뜀 %zu, 미실행 %zu"),
		    j->n, n[0], n[1], n[2], n[3]);
		rw_field(w, REP_T(r, "Component evidence (junit.xml)",
		    "구성요소 증거(junit.xml)"), buf);
		snprintf(buf, sizeof(buf), "tests=%ld failures=%ld "
		    "skipped=%ld disabled=%ld", j->tests, j->failures,
		    j->skipped, j->disabled);
		rw_field(w, REP_T(r, "Counts recorded by the runner",
		    "실행기가 기록한 건수"), buf);
	}
	for (i = 0; r->ev != NULL && i < r->ev->ndevice; i++)
		count_status(r->ev->device[i].junit, dn);
	snprintf(buf, sizeof(buf), REP_T(r, "%zu test cases: %zu passed, %zu "
	    "failed, %zu skipped, %zu not run", "시험 %zu건: 통과 %zu, 실패 "
	    "%zu, 건너뜀 %zu, 미실행 %zu"), dn[0] + dn[1] + dn[2] + dn[3],
	    dn[0], dn[1], dn[2], dn[3]);
	rw_field(w, REP_T(r, "Device evidence", "기기 증거"), buf);
	rep_counts(r, counts, &req);
	for (i = 0; i < r->n; i++)
		mech += r->items[i].verdict == MEDSEC_VERDICT_GAP &&
		    r->items[i].basis == MEDSEC_EVIDENCE_COMPONENT;
	snprintf(buf, sizeof(buf), REP_T(r, "%zu met, %zu declared by the "
	    "manufacturer, %zu excluded, %zu gaps (%zu of them required; "
	    "%zu with the mechanism verified but integration not shown)",
	    "충족 %zu, 제조자 선언 %zu, 제외 %zu, 미충족 %zu(필수 %zu, "
	    "메커니즘은 검증되었으나 기기 통합 미입증 %zu)"),
	    counts[MEDSEC_VERDICT_MET], counts[MEDSEC_VERDICT_DECLARED],
	    counts[MEDSEC_VERDICT_EXCLUDED], counts[MEDSEC_VERDICT_GAP], req,
	    mech);
	rw_field(w, REP_T(r, "Requirements", "요구사항"), buf);
	rw_para(w, REP_T(r, "A requirement is met for the device only when "
	    "device tests named with its catalog tag exist and every test "
	    "of the item, of either kind, passed. Component evidence (medsec's "
	    "own suite) proves the mechanism the device uses; alone it reads "
	    "\"mechanism verified; integration not shown\" and counts as a "
	    "gap. A test that failed, was skipped or did not run is a gap. "
	    "A declared item is the manufacturer's statement with its "
	    "document number; this report does not verify it.",
	    "요구사항은 카탈로그 태그로 이름 붙은 기기 시험이 있고 그 항목의 "
	    "모든 시험(두 종류 모두)이 통과한 경우에만 기기에 대해 충족된 "
	    "것으로 봅니다. 구성요소 증거(medsec 자체 시험)는 기기가 사용하는 "
	    "메커니즘을 입증하며, 그것만 있으면 \"메커니즘 검증됨, 기기 "
	    "통합은 입증되지 않음\"으로 표시되고 미충족으로 셉니다. 실패, "
	    "건너뜀, 미실행 시험은 미충족입니다. 선언 항목은 제조자가 문서 "
	    "번호와 함께 밝힌 내용이며 이 보고서가 검증한 것이 아닙니다."));
}

/* ---- 3. results by requirement ---- */

static void
case_row(struct rw *w, const struct medsec_junit_case *c, const char *kind)
{
	const char *row[4];
	char t[32];

	if (c->time >= 0)
		snprintf(t, sizeof(t), "%.3f", c->time);
	else
		snprintf(t, sizeof(t), "-");
	row[0] = c->name;
	row[1] = kind;
	row[2] = medsec_test_status_name(c->status);
	row[3] = t;
	rw_row(w, row, c->status == MEDSEC_TEST_PASS ? "met" : "gap");
}

static void
tests_table(const struct medsec_report *r, const struct rep_item *it,
    struct rw *w)
{
	const char *head[4];
	const struct medsec_junit_case *c;
	const struct medsec_junit *j;
	char kind[300];
	size_t i, d;

	head[0] = REP_T(r, "Test case", "시험 케이스");
	head[1] = REP_T(r, "Evidence", "증거 종류");
	head[2] = REP_T(r, "Result", "결과");
	head[3] = REP_T(r, "Time (s)", "시간(초)");
	rw_table(w, 4, head);
	for (d = 0; r->ev != NULL && d < r->ev->ndevice; d++) {
		j = r->ev->device[d].junit;
		snprintf(kind, sizeof(kind), REP_T(r, "device (%s)",
		    "기기(%s)"), r->ev->device[d].name);
		for (i = 0; i < j->n; i++)
			if (ev_claims(it->d->req, j->cases[i].name))
				case_row(w, &j->cases[i], kind);
	}
	for (i = 0; i < it->ntests; i++)
		if ((c = rep_case(r, it->tests[i])) != NULL)
			case_row(w, c, REP_T(r, "component (medsec)",
			    "구성요소(medsec)"));
}

static void
methods(const struct medsec_report *r, const struct rep_item *it,
    struct rw *w, struct rbuf *done, struct rbuf *planned)
{
	const struct medsec_requirement *req = it->d->req;
	char how[160];
	size_t k;

	rbuf_clear(done);
	rbuf_clear(planned);
	for (k = 0; k < req->verification.n; k++) {
		struct rbuf *b = rep_method_performed(r, it, k, how,
		    sizeof(how)) ? done : planned;

		rbuf_printf(b, "%s%s (%s)", b->len > 0 ? ";\n" : "",
		    req->verification.v[k], how);
	}
	rw_field(w, REP_T(r, "Verification methods performed",
	    "수행한 검증 방법"), done->len > 0 ? rbuf_str(done) :
	    REP_T(r, "none shown by the evidence", "증거로 확인된 것 없음"));
	if (planned->len > 0)
		rw_field(w, REP_T(r, "Verification methods planned (not "
		    "performed)", "계획된 검증 방법(수행하지 않음)"),
		    rbuf_str(planned));
}

static void
item_section(const struct medsec_report *r, const struct rep_item *it,
    struct rw *w, struct rbuf *b, struct rbuf *b2)
{
	const struct medsec_requirement *req = it->d->req;
	char anchor[32], title[300], text[2048];
	size_t i;

	snprintf(anchor, sizeof(anchor), "item-%s", req->id);
	for (i = 0; anchor[i] != '\0'; i++)
		anchor[i] = anchor[i] == '.' ? '-' : anchor[i];
	snprintf(title, sizeof(title), "%s %s", req->id,
	    rep_req_title(r, req));
	rw_heading(w, 2, anchor, title);
	if (r->lang == REP_LANG_KO && req->text_ko != NULL)
		snprintf(text, sizeof(text), "%s%s", req->text_ko,
		    req->text_ko_translated ? " (※ 번역문: 식약처 국문 원문이 "
		    "아님)" : "");
	else
		snprintf(text, sizeof(text), "%s", req->text);
	rw_field(w, REP_T(r, "Requirement (Table 3)", "요구사항(표 3)"), text);
	rw_field(w, REP_T(r, "Applicability", "적용 여부"),
	    rep_applic_text(r, it->d->applicability));
	methods(r, it, w, b, b2);
	rw_field(w, REP_T(r, "Mechanism (medsec component)",
	    "메커니즘(medsec 구성요소)"), req->mechanism);
	rbuf_clear(b);
	for (i = 0; i < req->test_tags.n; i++)
		rbuf_printf(b, "%s%s*", i ? ", " : "", req->test_tags.v[i]);
	rw_field(w, REP_T(r, "Test cases named", "시험 케이스 이름"),
	    rbuf_str(b));
	if (it->declaration != NULL)
		rw_field(w, REP_T(r, "Declared by the manufacturer (profile)",
		    "제조자 선언(프로파일)"), it->declaration);
	rw_field(w, REP_T(r, "Evidence basis", "증거 근거"),
	    basis_label(r, it->basis));
	if (it->verdict == MEDSEC_VERDICT_GAP)
		rw_notice(w, "gap", rep_why(r, it));
	else
		rw_field(w, REP_T(r, "Verdict", "판정"),
		    rep_verdict_label(r, it->verdict));
	if (it->verdict != MEDSEC_VERDICT_GAP)
		rw_para(w, rep_why(r, it));
	if (it->ntests > 0 || it->dev.n > 0)
		tests_table(r, it, w);
}

static void
items(const struct medsec_report *r, struct rw *w)
{
	struct rbuf b, b2;
	size_t i;

	rw_heading(w, 1, "results", REP_T(r, "3. Results by requirement",
	    "3. 요구사항별 결과"));
	if (r->n == 0) {
		rw_para(w, REP_T(r, "No requirement applies: the device is out "
		    "of the guideline's scope.", "적용되는 요구사항이 없습니다. "
		    "기기가 가이드라인의 적용 범위 밖입니다."));
		return;
	}
	rbuf_init(&b);
	rbuf_init(&b2);
	for (i = 0; i < r->n; i++)
		item_section(r, &r->items[i], w, &b, &b2);
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	if (b2.err != 0 && w->out->err == 0)
		w->out->err = b2.err;
	rbuf_free(&b);
	rbuf_free(&b2);
}

static void
other_tests(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_junit_case *c;
	char line[MEDSEC_JUNIT_NAME_MAX + 32];
	size_t i;

	if (r->ev == NULL || r->ev->junit == NULL)
		return;
	rw_heading(w, 1, "other", REP_T(r, "4. Other tests (component "
	    "evidence)", "4. 기타 시험(구성요소 증거)"));
	rw_paraf(w, REP_T(r, "Tests not tagged with a requirement: %zu "
	    "passed, %zu failed, %zu skipped, %zu not run.",
	    "요구사항 태그가 없는 시험: 통과 %zu, 실패 %zu, 건너뜀 %zu, "
	    "미실행 %zu."), r->other[MEDSEC_TEST_PASS],
	    r->other[MEDSEC_TEST_FAIL], r->other[MEDSEC_TEST_SKIP],
	    r->other[MEDSEC_TEST_NOTRUN]);
	for (i = 0; i < r->nother_bad; i++) {
		if ((c = rep_case(r, r->other_bad[i])) == NULL)
			continue;
		snprintf(line, sizeof(line), "%s: %s", c->name,
		    medsec_test_status_name(c->status));
		rw_item(w, line);
	}
}

/* ---- 5, 6. results quoted from the same run ---- */

static const char *
file_kind(const struct medsec_report *r, const struct ev_file *f)
{
	return f->device ? REP_T(r, "device evidence: run against the device",
	    "기기 증거: 기기를 대상으로 실행") : REP_T(r, "component evidence: "
	    "medsec's run", "구성요소 증거: medsec 실행");
}

static void
quoted(const struct medsec_report *r, enum ev_kind kind, const char *head,
    const char *none, struct rw *w)
{
	const struct ev_file *f;
	char title[400], line[600];
	size_t i, n = 0, nx = 0;

	rw_heading(w, 1, kind == EV_BENCH ? "bench" : "attacks", head);
	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++) {
		f = &r->ev->files[i];
		if (f->kind != kind || f->excluded)
			continue;
		n++;
		snprintf(title, sizeof(title), "%s (%s)", f->name,
		    file_kind(r, f));
		rw_heading(w, 2, NULL, title);
		if (f->text != NULL)
			rw_pre(w, f->text);
		else
			rw_paraf(w, "%zu bytes, %s.", f->size, f->note);
	}
	if (n == 0)
		rw_para(w, none);
	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++) {
		f = &r->ev->files[i];
		if (f->kind != kind || !f->excluded)
			continue;
		if (nx++ == 0)
			rw_notice(w, "warn", REP_T(r, "Excluded: not from the "
			    "test run this report is built from. These results "
			    "are not quoted and support no statement here.",
			    "제외됨: 이 보고서의 근거인 시험 실행에서 나온 결과가 "
			    "아닙니다. 인용하지 않으며 이 보고서의 어떤 주장도 "
			    "뒷받침하지 않습니다."));
		snprintf(line, sizeof(line), "%s (%s): %s", f->name,
		    file_kind(r, f), f->excluded_why);
		rw_item(w, line);
	}
}

void
rep_write_vv(const struct medsec_report *r, struct rw *w)
{
	rw_begin(w, rep_doc_title(r, MEDSEC_REPORT_VV),
	    REP_T(r, "Verification of the cybersecurity requirements (MFDS "
	    "guideline IV.1, Table 3)", "사이버보안 요구사항의 검증(식약처 "
	    "가이드라인 IV.1, 표 3)"));
	rep_write_ident(r, w);
	rep_write_admin(r, MEDSEC_REPORT_VV, w);
	device_software(r, w);
	component_env(r, w);
	device_env(r, w);
	run_summary(r, w);
	items(r, w);
	other_tests(r, w);
	quoted(r, EV_BENCH, REP_T(r, "5. Benchmark results",
	    "5. 벤치마크 결과"), REP_T(r, "No benchmark result from this "
	    "run in the evidence (bench/).", "증거(bench/)에 이번 실행의 "
	    "벤치마크 결과가 없습니다."), w);
	quoted(r, EV_ATTACK, REP_T(r, "6. Attack-tool results",
	    "6. 공격 도구 시험 결과"), REP_T(r, "No attack-tool result from "
	    "this run in the evidence (attacks/ of the component or device "
	    "evidence); attack tests in the test runs appear above with "
	    "their requirement.", "증거(구성요소 또는 기기 증거의 attacks/)에 "
	    "이번 실행의 공격 도구 결과가 없습니다. 시험 실행에 포함된 공격 "
	    "시험은 위에 해당 요구사항과 함께 나옵니다."), w);
	if (r->ev != NULL && r->ev->nunread > 0)
		rw_notice(w, "warn", REP_T(r, "Further result files were "
		    "not read: the evidence holds more than the files the "
		    "generator reads (see docs/compliance/submission.md); they "
		    "are not quoted and support no statement here.", "더 많은 "
		    "결과 파일은 읽지 않았습니다. 증거에 생성기가 읽는 한도보다 "
		    "많은 파일이 있으며(docs/compliance/submission.md 참조), 이 "
		    "파일들은 인용하지 않고 이 보고서의 어떤 주장도 뒷받침하지 "
		    "않습니다."));
	rep_write_production(r, w);
	rw_heading(w, 1, "retest", REP_T(r, "8. Re-testing", "8. 재시험"));
	rw_para(w, REP_T(r, "The component results above come from the one "
	    "test run identified in section 1.1, and the device results "
	    "from the files listed in section 1.2. Benchmark and attack "
	    "results are quoted only when dated within their run; anything "
	    "else is listed as excluded with the reason. After any change to "
	    "the software the tests are run again and this report "
	    "regenerated from the new evidence (make report); no result is "
	    "carried over from an earlier run.", "위 구성요소 결과는 1.1절에 "
	    "식별된 한 번의 시험 실행에서, 기기 결과는 1.2절에 나열된 "
	    "파일에서 나왔습니다. 벤치마크와 공격 결과는 해당 실행 기간 안에 "
	    "만들어진 경우에만 인용하며, 그 밖의 결과는 이유와 함께 제외 "
	    "목록에 둡니다. 소프트웨어가 바뀌면 시험을 다시 실행하고 새 "
	    "증거로 이 보고서를 다시 생성합니다(make report). 이전 실행의 "
	    "결과는 가져오지 않습니다."));
	rep_write_signoff(r, w);
	rw_end(w);
}

/* ---- JSON ---- */

static json_t *
case_json(const struct medsec_junit_case *c, const char *evidence,
    const char *source)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s}", "name", c->name,
	    "result", medsec_test_status_name(c->status),
	    "time", c->time >= 0 ? json_real(c->time) : json_null(),
	    "evidence", evidence, "source", source);
}

static json_t *
tests_json(const struct medsec_report *r, const struct rep_item *it)
{
	const struct medsec_junit_case *c;
	const struct medsec_junit *j;
	json_t *a = json_array();
	size_t i, d;

	for (i = 0; a != NULL && i < it->ntests; i++)
		if ((c = rep_case(r, it->tests[i])) != NULL)
			rep_json_push(&a, case_json(c, "component",
			    "junit.xml"));
	for (d = 0; a != NULL && r->ev != NULL && d < r->ev->ndevice; d++) {
		j = r->ev->device[d].junit;
		for (i = 0; a != NULL && i < j->n; i++)
			if (ev_claims(it->d->req, j->cases[i].name))
				rep_json_push(&a, case_json(&j->cases[i],
				    "device", r->ev->device[d].name));
	}
	return a;
}

static json_t *
methods_json(const struct medsec_report *r, const struct rep_item *it)
{
	const struct medsec_requirement *req = it->d->req;
	json_t *a = json_array();
	char how[160];
	size_t k;
	int done;

	for (k = 0; a != NULL && k < req->verification.n; k++) {
		done = rep_method_performed(r, it, k, how, sizeof(how));
		rep_json_push(&a, json_pack("{s:s, s:s, s:s}", "method",
		    req->verification.v[k], "status", done ? "performed" :
		    "planned", "how", how));
	}
	return a;
}

static json_t *
items_json(const struct medsec_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < r->n; i++) {
		const struct rep_item *it = &r->items[i];

		rep_json_push(&a, json_pack("{s:s, s:s, s:s, s:s, s:s, "
		    "s:s, s:s?, s:o, s:o}",
		    "id", it->d->req->id, "title", it->d->req->title,
		    "applicability",
		    medsec_applicability_name(it->d->applicability),
		    "verdict", medsec_verdict_name(it->verdict),
		    "evidence_basis", medsec_evidence_basis_name(it->basis),
		    "verdict_reason", rep_why(r, it),
		    "declaration", it->declaration,
		    "methods", methods_json(r, it),
		    "tests", tests_json(r, it)));
	}
	return a;
}

static json_t *
run_json(const struct medsec_junit *j, const char *source)
{
	size_t n[4] = { 0 };

	if (j == NULL)
		return json_null();
	count_status(j, n);
	return json_pack("{s:s, s:s?, s:s?, s:I, s:I, s:I, s:I, s:I}",
	    "source", source, "timestamp", j->timestamp,
	    "hostname", j->hostname,
	    "cases", (json_int_t)j->n, "passed", (json_int_t)n[0],
	    "failed", (json_int_t)n[1], "skipped", (json_int_t)n[2],
	    "not_run", (json_int_t)n[3]);
}

static json_t *
device_json(const struct medsec_report *r)
{
	const struct medsec_evidence *ev = r->ev;
	json_t *runs = json_array();
	size_t d;

	for (d = 0; runs != NULL && ev != NULL && d < ev->ndevice; d++)
		rep_json_push(&runs, run_json(ev->device[d].junit,
		    ev->device[d].name));
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:o}",
	    "name", r->p->name,
	    "software", ev != NULL && ev->dev.software[0] ?
	    ev->dev.software : NULL,
	    "version", ev != NULL && ev->dev.version[0] ?
	    ev->dev.version : NULL,
	    "build", ev != NULL && ev->dev.build[0] ? ev->dev.build : NULL,
	    "started", ev != NULL && ev->dev.started[0] ?
	    ev->dev.started : NULL,
	    "collected", ev != NULL && ev->dev.collected[0] ?
	    ev->dev.collected : NULL,
	    "test_runs", runs);
}

static json_t *
quoted_json(const struct medsec_report *r, enum ev_kind kind, int excluded)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && r->ev != NULL && i < r->ev->nfiles; i++) {
		const struct ev_file *f = &r->ev->files[i];

		if (f->kind != kind || f->excluded != excluded)
			continue;
		rep_json_push(&a, json_pack("{s:s, s:s, s:I, s:s?, s:s?, "
		    "s:s?}", "file", f->name, "evidence", f->device ?
		    "device" : "component", "bytes", (json_int_t)f->size,
		    "text", f->text, "note", f->note[0] ? f->note : NULL,
		    "excluded_because", f->excluded ? f->excluded_why :
		    NULL));
	}
	return a;
}

static json_t *
excluded_json(const struct medsec_report *r)
{
	json_t *a = quoted_json(r, EV_BENCH, 1), *b = quoted_json(r,
	    EV_ATTACK, 1);
	size_t i;

	for (i = 0; a != NULL && b != NULL && i < json_array_size(b); i++)
		rep_json_push(&a, json_incref(json_array_get(b, i)));
	json_decref(b);
	return a;
}

static json_t *
other_json(const struct medsec_report *r)
{
	const struct medsec_junit_case *c;
	json_t *bad = json_array();
	size_t i;

	for (i = 0; bad != NULL && i < r->nother_bad; i++)
		if ((c = rep_case(r, r->other_bad[i])) != NULL)
			rep_json_push(&bad, json_pack("{s:s, s:s}",
			    "name", c->name,
			    "result", medsec_test_status_name(c->status)));
	return json_pack("{s:I, s:I, s:I, s:I, s:o}",
	    "passed", (json_int_t)r->other[MEDSEC_TEST_PASS],
	    "failed", (json_int_t)r->other[MEDSEC_TEST_FAIL],
	    "skipped", (json_int_t)r->other[MEDSEC_TEST_SKIP],
	    "not_run", (json_int_t)r->other[MEDSEC_TEST_NOTRUN],
	    "not_passed", bad);
}

json_t *
rep_json_vv(const struct medsec_report *r)
{
	const struct medsec_evidence *ev = r->ev;

	return json_pack("{s:{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}, "
	    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o}",
	    "software", "name", "medsec", "version", MEDSEC_VERSION,
	    "tested_version", ev != NULL && ev->tested_version[0] ?
	    ev->tested_version : NULL,
	    "commit", ev != NULL ? ev->commit : NULL,
	    "ctest", ev != NULL && ev->ctest[0] ? ev->ctest : NULL,
	    "compiler", ev != NULL && ev->compiler[0] ? ev->compiler : NULL,
	    "build_type", ev != NULL && ev->build_type[0] ? ev->build_type :
	    NULL,
	    "started", ev != NULL && ev->started[0] ? ev->started : NULL,
	    "device", device_json(r),
	    "test_run", run_json(ev != NULL ? ev->junit : NULL, "junit.xml"),
	    "items", items_json(r),
	    "other_tests", other_json(r),
	    "benchmarks", quoted_json(r, EV_BENCH, 0),
	    "attacks", quoted_json(r, EV_ATTACK, 0),
	    "excluded_results", excluded_json(r),
	    "unread_results", (json_int_t)(ev != NULL ? ev->nunread : 0),
	    "production", rep_json_production(r),
	    "end_of_service", rep_json_end_of_service(r),
	    "administration", rep_json_admin(r, MEDSEC_REPORT_VV));
}
