/*
 * Production information in the package (MFDS 2025 rules; guideline
 * III): the software bill of materials (CycloneDX and SPDX), the
 * vulnerability status and its VEX (CycloneDX VEX and CSAF VEX) that
 * `medsec sbom` and `medsec vuln scan` wrote for the device. The files go
 * into the package unchanged; the V&V report summarises them with counts
 * by kind and by state, read from the documents themselves.
 *
 * The end-of-service plan of the profile (MFDS 2025 rules for legacy
 * devices) is written here too: the risk document, the V&V report and the
 * checklist each carry it, so the plan a reviewer reads is one text.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/* Adds one to counts[key]. */
static void
bump(json_t *counts, const char *key)
{
	json_t *v = json_object_get(counts, key);

	json_object_set_new(counts, key, json_integer(v != NULL ?
	    json_integer_value(v) + 1 : 1));
}

static json_t *
cyclonedx_summary(json_t *root)
{
	json_t *comps = json_object_get(root, "components");
	json_t *vulns = json_object_get(root, "vulnerabilities");
	json_t *states, *v, *st;
	size_t i;

	if (json_is_array(vulns)) {
		if ((states = json_object()) == NULL)
			return NULL;
		json_array_foreach(vulns, i, v) {
			st = json_object_get(json_object_get(v, "analysis"),
			    "state");
			bump(states, json_is_string(st) ?
			    json_string_value(st) : "no_analysis");
		}
		return json_pack("{s:s, s:s?, s:I, s:o}", "format",
		    "CycloneDX VEX", "spec", json_string_value(
		    json_object_get(root, "specVersion")), "statements",
		    (json_int_t)json_array_size(vulns), "by_state", states);
	}
	return json_pack("{s:s, s:s?, s:I}", "format", "CycloneDX SBOM",
	    "spec", json_string_value(json_object_get(root, "specVersion")),
	    "components", (json_int_t)json_array_size(comps));
}

static json_t *
csaf_summary(json_t *root)
{
	json_t *doc = json_object_get(root, "document");
	json_t *vulns = json_object_get(root, "vulnerabilities");
	json_t *states = json_object(), *v, *ps, *list;
	const char *key;
	size_t i;

	if (states == NULL)
		return NULL;
	json_array_foreach(vulns, i, v) {
		ps = json_object_get(v, "product_status");
		json_object_foreach(ps, key, list) {
			size_t k;

			for (k = 0; k < json_array_size(list); k++)
				bump(states, key);
		}
	}
	return json_pack("{s:s, s:s?, s:s?, s:I, s:o}", "format", "CSAF",
	    "category", json_string_value(json_object_get(doc, "category")),
	    "tracking_id", json_string_value(json_object_get(
	    json_object_get(doc, "tracking"), "id")),
	    "vulnerabilities", (json_int_t)json_array_size(vulns),
	    "product_status", states);
}

json_t *
ev_production_summary(const char *name, const char *text, size_t len)
{
	json_t *root, *out = NULL;
	json_error_t je;

	(void)name;
	if ((root = json_loadb(text, len, 0, &je)) == NULL)
		return NULL;
	if (json_is_string(json_object_get(root, "bomFormat")) &&
	    strcmp(json_string_value(json_object_get(root, "bomFormat")),
	    "CycloneDX") == 0)
		out = cyclonedx_summary(root);
	else if (json_is_string(json_object_get(root, "spdxVersion")))
		out = json_pack("{s:s, s:s, s:I}", "format", "SPDX", "spec",
		    json_string_value(json_object_get(root, "spdxVersion")),
		    "packages", (json_int_t)json_array_size(json_object_get(
		    root, "packages")));
	else if (json_is_object(json_object_get(root, "document")))
		out = csaf_summary(root);
	json_decref(root);
	return out;
}

/* "3 not_affected, 1 exploitable" from a {state: count} object. */
static void
states_text(struct rbuf *b, json_t *states)
{
	const char *key;
	json_t *v;
	int first = 1;

	json_object_foreach(states, key, v) {
		rbuf_printf(b, "%s%lld %s", first ? "" : ", ",
		    (long long)json_integer_value(v), key);
		first = 0;
	}
	if (first)
		rbuf_puts(b, "none");
}

static void
summary_text(const struct medsec_report *r, struct rbuf *b, json_t *s)
{
	const char *fmt = json_string_value(json_object_get(s, "format"));

	if (strcmp(fmt, "CycloneDX SBOM") == 0)
		rbuf_printf(b, REP_T(r, "CycloneDX %s SBOM: %lld components",
		    "CycloneDX %s SBOM: 구성요소 %lld개"),
		    json_string_value(json_object_get(s, "spec")),
		    (long long)json_integer_value(json_object_get(s,
		    "components")));
	else if (strcmp(fmt, "SPDX") == 0)
		rbuf_printf(b, REP_T(r, "%s SBOM: %lld packages",
		    "%s SBOM: 패키지 %lld개"),
		    json_string_value(json_object_get(s, "spec")),
		    (long long)json_integer_value(json_object_get(s,
		    "packages")));
	else if (strcmp(fmt, "CycloneDX VEX") == 0) {
		rbuf_printf(b, REP_T(r, "CycloneDX VEX: %lld statements; by "
		    "state: ", "CycloneDX VEX: 진술 %lld건, 상태별: "),
		    (long long)json_integer_value(json_object_get(s,
		    "statements")));
		states_text(b, json_object_get(s, "by_state"));
	} else {
		rbuf_printf(b, REP_T(r, "CSAF %s %s: %lld vulnerabilities; "
		    "product status: ", "CSAF %s %s: 취약점 %lld건, 제품 "
		    "상태: "), json_string_value(json_object_get(s,
		    "category")), json_string_value(json_object_get(s,
		    "tracking_id")), (long long)json_integer_value(
		    json_object_get(s, "vulnerabilities")));
		states_text(b, json_object_get(s, "product_status"));
	}
}

static size_t
production_count(const struct medsec_report *r, enum ev_kind kind)
{
	size_t i, n = 0;

	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++)
		n += r->ev->files[i].kind == kind;
	return n;
}

static void
production_files(const struct medsec_report *r, struct rw *w,
    enum ev_kind kind, struct rbuf *b)
{
	const struct ev_file *f;
	size_t i;

	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++) {
		f = &r->ev->files[i];
		if (f->kind != kind)
			continue;
		rbuf_clear(b);
		if (f->summary != NULL)
			summary_text(r, b, f->summary);
		else if (f->text != NULL)
			rbuf_puts(b, REP_T(r, "quoted below", "아래에 인용"));
		else
			rbuf_puts(b, f->note);
		rw_field(w, f->name, rbuf_str(b));
	}
	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++) {
		f = &r->ev->files[i];
		if (f->kind == kind && f->summary == NULL && f->text != NULL) {
			rw_heading(w, 3, NULL, f->name);
			rw_pre(w, f->text);
		}
	}
}

void
rep_write_legacy(const struct medsec_report *r, struct rw *w, int level,
    const char *title)
{
	const struct medsec_profile_legacy *l = &r->p->more.legacy;
	const char *none = REP_T(r, "Not stated in the device profile.",
	    "기기 프로파일에 기재되지 않음.");

	rw_heading(w, level, "legacy", title);
	rw_para(w, REP_T(r, "For the time after the manufacturer stops "
	    "supporting the device (MFDS 2025 cybersecurity rules for digital "
	    "medical devices; FDA 524B end of support):", "제조자가 기기 지원을 "
	    "종료한 이후에 대하여(식약처 2025 디지털의료기기 사이버보안 "
	    "규정; FDA 524B 지원 종료):"));
	rw_field(w, REP_T(r, "End of support", "지원 종료일"),
	    l->end_of_support[0] != '\0' ? l->end_of_support : none);
	rw_field(w, REP_T(r, "Patch policy", "패치 정책"),
	    l->patch_policy[0] != '\0' ? l->patch_policy : none);
	rw_field(w, REP_T(r, "Vulnerability response", "취약점 대응 정책"),
	    l->vulnerability_policy[0] != '\0' ? l->vulnerability_policy :
	    none);
	rw_field(w, REP_T(r, "Compensating controls", "보완 통제"),
	    l->compensating_controls[0] != '\0' ? l->compensating_controls :
	    none);
	rw_field(w, REP_T(r, "Deletion of personal data", "개인정보 삭제 "
	    "방법"), l->data_deletion[0] != '\0' ? l->data_deletion : none);
	if (l->end_of_support[0] == '\0' || l->patch_policy[0] == '\0' ||
	    l->vulnerability_policy[0] == '\0' ||
	    l->compensating_controls[0] == '\0' || l->data_deletion[0] == '\0')
		rw_notice(w, "gap", REP_T(r, "The legacy-device plan is "
		    "incomplete: the MFDS 2025 rules ask for the end-of-support "
		    "date and all four parts.", "레거시 의료기기 관리 계획이 "
		    "불완전하다: 식약처 2025 규정은 지원 종료일과 네 항목 모두를 "
		    "요구한다."));
}

#define OR_NULL(s) ((s)[0] != '\0' ? (s) : NULL)

json_t *
rep_json_legacy(const struct medsec_report *r)
{
	const struct medsec_profile_legacy *l = &r->p->more.legacy;

	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "end_of_support",
	    OR_NULL(l->end_of_support), "patch_policy",
	    OR_NULL(l->patch_policy), "vulnerability_policy",
	    OR_NULL(l->vulnerability_policy), "compensating_controls",
	    OR_NULL(l->compensating_controls), "data_deletion",
	    OR_NULL(l->data_deletion));
}

/*
 * The component tests of the data deletion at end of service (medsec
 * decommission: crypto-shredding and the deletion certificate), counted
 * in the one component run.
 */
static void
shredding_tally(const struct medsec_report *r, size_t *n, size_t *pass)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	size_t i;

	*n = *pass = 0;
	for (i = 0; j != NULL && i < j->n; i++) {
		if (strstr(j->cases[i].name, "decommission") == NULL)
			continue;
		(*n)++;
		*pass += j->cases[i].status == MEDSEC_TEST_PASS;
	}
}

static void
end_of_service(const struct medsec_report *r, struct rw *w)
{
	size_t n, pass;

	rep_write_legacy(r, w, 2, REP_T(r, "7.3 End of service: the "
	    "legacy-device plan", "7.3 서비스 종료: 레거시 의료기기 관리 "
	    "계획"));
	shredding_tally(r, &n, &pass);
	if (n == 0) {
		rw_notice(w, "gap", REP_T(r, "Data deletion at end of service "
		    "(medsec decommission) was not verified in this run: the "
		    "component evidence holds no decommission test.", "서비스 "
		    "종료 시 데이터 삭제(medsec decommission)는 이번 실행에서 "
		    "검증되지 않았다: 구성요소 증거에 decommission 시험이 "
		    "없다."));
		return;
	}
	rw_paraf(w, REP_T(r, "Data deletion at end of service (medsec "
	    "decommission: the data keys destroyed so every stored record is "
	    "unreadable, and a signed deletion certificate checked off the "
	    "device): %zu of %zu component tests passed in this run. This is "
	    "component evidence: the mechanism is verified; its use on the "
	    "device is not shown.", "서비스 종료 시 데이터 삭제(medsec "
	    "decommission: 데이터 키를 파기하여 저장된 모든 기록을 읽을 수 "
	    "없게 하고, 서명된 삭제 확인서를 기기 밖에서 검증): 이번 실행의 "
	    "구성요소 시험 %zu/%zu건 통과. 이는 구성요소 증거이다: 메커니즘은 "
	    "검증되었으나 기기에서의 적용은 입증되지 않았다."), pass, n);
}

json_t *
rep_json_end_of_service(const struct medsec_report *r)
{
	size_t n, pass;

	shredding_tally(r, &n, &pass);
	return json_pack("{s:o, s:{s:s, s:I, s:I}}", "legacy_plan",
	    rep_json_legacy(r), "data_deletion_tests", "evidence",
	    "component", "tests", (json_int_t)n, "passed", (json_int_t)pass);
}

void
rep_write_production(const struct medsec_report *r, struct rw *w)
{
	struct rbuf b;

	rw_heading(w, 1, "production", REP_T(r, "7. Software bill of "
	    "materials and vulnerability status", "7. 소프트웨어 자재명세서"
	    "(SBOM)와 취약점 현황"));
	rbuf_init(&b);
	rw_heading(w, 2, "sbom", REP_T(r, "7.1 SBOM", "7.1 SBOM"));
	if (production_count(r, EV_SBOM) == 0)
		rw_notice(w, "gap", REP_T(r, "No SBOM in the evidence "
		    "(sbom.*): the package carries none.", "증거에 "
		    "SBOM(sbom.*)이 없어 패키지에 포함되지 않았습니다."));
	else {
		rw_para(w, REP_T(r, "The files below are part of this package, "
		    "unchanged (see manifest.json).", "아래 파일은 변경 없이 이 "
		    "패키지에 포함되어 있습니다(manifest.json 참조)."));
		production_files(r, w, EV_SBOM, &b);
	}
	rw_heading(w, 2, "vulnerabilities", REP_T(r, "7.2 Vulnerability "
	    "status and VEX", "7.2 취약점 현황과 VEX"));
	if (production_count(r, EV_VULN) == 0)
		rw_notice(w, "gap", REP_T(r, "No vulnerability status in the "
		    "evidence (vulnerabilities.*): the package carries none.",
		    "증거에 취약점 현황(vulnerabilities.*)이 없어 패키지에 "
		    "포함되지 않았습니다."));
	else {
		rw_para(w, REP_T(r, "The files below are part of this package, "
		    "unchanged (see manifest.json). VEX states are the "
		    "manufacturer's triage decisions.", "아래 파일은 변경 없이 "
		    "이 패키지에 포함되어 있습니다(manifest.json 참조). VEX "
		    "상태는 제조자의 분류 결정입니다."));
		production_files(r, w, EV_VULN, &b);
	}
	end_of_service(r, w);
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
}

json_t *
rep_json_production(const struct medsec_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && r->ev != NULL && i < r->ev->nfiles; i++) {
		const struct ev_file *f = &r->ev->files[i];

		if (f->kind != EV_SBOM && f->kind != EV_VULN)
			continue;
		rep_json_push(&a, json_pack("{s:s, s:s, s:I, s:O?, s:s?, "
		    "s:s?}", "file", f->name, "kind", f->kind == EV_SBOM ?
		    "sbom" : "vulnerabilities", "bytes", (json_int_t)f->size,
		    "summary", f->summary, "text", f->text, "note",
		    f->note[0] ? f->note : NULL));
	}
	return a;
}
