/*
 * The traceability matrix of the risk management document: for every
 * hazard, the threat it comes from, the control the device has for it,
 * the requirement each test carries in its name, the test and what the
 * evidence of this package says of it. A test the evidence does not hold
 * is shown as such, never as passed.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#define TRACE_COLS 6

struct trace_cell {
	const char *threat, *hazard, *control, *req, *test, *result;
};

typedef void (*trace_fn)(const struct medsec_report *, const struct
    trace_cell *, void *);

static const char *
test_result(const struct medsec_report *r, const struct risk_test *t)
{
	if (t->found == 0)
		return REP_T(r, "not in evidence", "증거에 없음");
	return medsec_test_status_name(t->status);
}

static void
req_of(const char *test, char *out, size_t outlen)
{
	char id[8];

	snprintf(out, outlen, "%s", risk_test_requirement(test, id) ? id :
	    "-");
}

static void
each_cell(const struct medsec_report *r, trace_fn fn, void *arg)
{
	struct risk_row row;
	struct trace_cell c;
	char req[16];
	size_t k, i, t, n = risk_row_count(r);

	for (k = 0; k < n; k++) {
		risk_row(r, k, &row);
		c.threat = row.threat != NULL ? row.threat->id : "-";
		c.hazard = row.id;
		c.control = row.threat != NULL ? (row.threat->planned ?
		    REP_T(r, "planned, not in the device", "계획 단계(기기에 "
		    "없음)") : row.threat->control) : REP_T(r, "requirement "
		    "mechanisms", "요구사항의 보안 기능");
		for (i = 0; i < row.ntests; i++) {
			req_of(row.tests[i].name, req, sizeof(req));
			c.req = req;
			c.test = row.tests[i].name;
			c.result = test_result(r, &row.tests[i]);
			fn(r, &c, arg);
		}
		for (i = 0; i < row.nitems; i++) {
			const struct rep_item *it = row.items[i];

			c.req = it->d->req->id;
			for (t = 0; t < it->ntests; t++) {
				const struct medsec_junit_case *jc =
				    rep_case(r, it->tests[t]);

				c.test = jc != NULL ? jc->name : "-";
				c.result = jc != NULL ?
				    medsec_test_status_name(jc->status) : "-";
				fn(r, &c, arg);
			}
			if (it->ntests == 0) {
				c.test = "-";
				c.result = medsec_verdict_name(it->verdict);
				fn(r, &c, arg);
			}
		}
		if (row.ntests == 0 && row.nitems == 0) {
			c.req = "-";
			c.test = "-";
			c.result = REP_T(r, "no test: not verified",
			    "시험 없음: 검증되지 않음");
			fn(r, &c, arg);
		}
	}
}

static void
write_cell(const struct medsec_report *r, const struct trace_cell *c,
    void *arg)
{
	const char *row[TRACE_COLS] = { c->threat, c->hazard, c->control,
		c->req, c->test, c->result };

	(void)r;
	rw_row(arg, row, strcmp(c->result, "pass") == 0 ? "met" : "gap");
}

void
rep_write_trace(const struct medsec_report *r, struct rw *w)
{
	const char *head[TRACE_COLS];

	rw_heading(w, 1, "traceability", REP_T(r, "8. Traceability matrix",
	    "8. 추적성 매트릭스"));
	if (risk_row_count(r) == 0) {
		rw_para(w, REP_T(r, "No hazard is traced: the device profile "
		    "names no threat model and declares no AI function.",
		    "추적할 위해요인이 없다: 기기 프로파일에 위협 모델이 없고 AI "
		    "기능도 선언되지 않았다."));
		return;
	}
	rw_para(w, REP_T(r, "Threat, hazard, control, requirement, test and "
	    "result, one row per cited test. The requirement is the one the "
	    "test's name carries (test_req_N_M_); the result is the test's "
	    "outcome in the evidence of this package.", "위협, 위해요인, "
	    "위험통제 조치, 요구사항, 시험, 결과를 인용한 시험마다 한 행으로 "
	    "나타낸다. 요구사항은 시험 이름이 나타내는 항목(test_req_N_M_)"
	    "이며, 결과는 본 자료의 증거에서의 시험 결과이다."));
	head[0] = REP_T(r, "Threat", "위협");
	head[1] = REP_T(r, "Hazard", "위해요인");
	head[2] = REP_T(r, "Control", "위험통제 조치");
	head[3] = REP_T(r, "Requirement", "요구사항");
	head[4] = REP_T(r, "Test", "시험");
	head[5] = REP_T(r, "Result", "결과");
	rw_table(w, TRACE_COLS, head);
	each_cell(r, write_cell, w);
}

static void
json_cell(const struct medsec_report *r, const struct trace_cell *c,
    void *arg)
{
	(void)r;
	rep_json_push(arg, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "threat", c->threat, "hazard", c->hazard, "control", c->control,
	    "requirement", c->req, "test", c->test, "result", c->result));
}

json_t *
rep_json_trace(const struct medsec_report *r)
{
	json_t *a = json_array();

	if (a != NULL)
		each_cell(r, json_cell, &a);
	return a;
}
