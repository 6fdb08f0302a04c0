/*
 * The Software Verification and Validation Report (guideline IV.1): for
 * each requirement, the test cases that prove it and their results, the
 * software version and commit tested, the test date, then benchmark and
 * attack results. Every number here is read from the evidence.
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

static void
software(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_evidence *ev = r->ev;
	const struct medsec_junit *j = ev != NULL ? ev->junit : NULL;
	char buf[256];

	rw_heading(w, 1, "software", "1. Software and test environment");
	rw_field(w, "Software", "medsec");
	rw_field(w, "Software version (report generator)", MEDSEC_VERSION);
	rw_field(w, "Software version (tested build)",
	    text_or(ev != NULL ? ev->tested_version : NULL, "not recorded"));
	snprintf(buf, sizeof(buf), "%s%s", ev != NULL ? ev->commit :
	    "not recorded", ev == NULL || ev->dirty < 0 ? "" : ev->dirty ?
	    " (working tree had uncommitted changes)" : " (clean)");
	rw_field(w, "Commit", buf);
	rw_field(w, "Test date (JUnit timestamp)",
	    text_or(j != NULL ? j->timestamp : NULL, "not recorded"));
	rw_field(w, "Test host", text_or(j != NULL ? j->hostname : NULL,
	    text_or(ev != NULL ? ev->host : NULL, "not recorded")));
	rw_field(w, "Test runner", text_or(ev != NULL ? ev->ctest : NULL,
	    "not recorded"));
	rw_field(w, "Compiler", text_or(ev != NULL ? ev->compiler : NULL,
	    "not recorded"));
	rw_field(w, "Build type", text_or(ev != NULL ? ev->build_type : NULL,
	    "not recorded"));
	if (ev != NULL && ev->tested_version[0] != '\0' &&
	    strcmp(ev->tested_version, MEDSEC_VERSION) != 0)
		rw_notice(w, "warn", "The tested build's version differs from "
		    "this generator's: regenerate the package with the "
		    "tested version.");
	if (ev != NULL && ev->dirty == 1)
		rw_notice(w, "warn", "The tests ran on a working tree with "
		    "uncommitted changes: the commit above does not identify "
		    "the tested software exactly. Re-run the tests from a "
		    "clean checkout before submission.");
}

static void
run_summary(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	size_t n[4] = { 0 }, i, counts[5], req;
	char buf[256];

	rw_heading(w, 1, "summary", "2. Summary");
	if (j == NULL) {
		rw_notice(w, "gap", "No test results: the evidence directory "
		    "has no junit.xml, so no requirement is verified.");
	} else {
		for (i = 0; i < j->n; i++)
			n[j->cases[i].status]++;
		snprintf(buf, sizeof(buf), "%zu test cases: %zu passed, %zu "
		    "failed, %zu skipped, %zu not run", j->n, n[0], n[1], n[2],
		    n[3]);
		rw_field(w, "Test run (junit.xml)", buf);
		snprintf(buf, sizeof(buf), "tests=%ld failures=%ld "
		    "skipped=%ld disabled=%ld", j->tests, j->failures,
		    j->skipped, j->disabled);
		rw_field(w, "Counts recorded by the runner", buf);
	}
	rep_counts(r, counts, &req);
	snprintf(buf, sizeof(buf), "%zu met, %zu declared, %zu excluded, %zu "
	    "gaps (%zu of them required)", counts[MEDSEC_VERDICT_MET],
	    counts[MEDSEC_VERDICT_DECLARED], counts[MEDSEC_VERDICT_EXCLUDED],
	    counts[MEDSEC_VERDICT_GAP], req);
	rw_field(w, "Requirements", buf);
	rw_para(w, "A requirement is met only when tests named with its "
	    "catalog tag exist and every one of them passed. A requirement "
	    "without such tests, or with a test that failed, was skipped or "
	    "did not run, is a gap.");
}

static void
tests_table(const struct medsec_report *r, const struct rep_item *it,
    struct rw *w)
{
	static const char *const head[3] = { "Test case", "Result",
		"Time (s)" };
	const struct medsec_junit_case *c;
	const char *row[3];
	char t[32];
	size_t i;

	rw_table(w, 3, head);
	for (i = 0; i < it->ntests; i++) {
		if ((c = rep_case(r, it->tests[i])) == NULL)
			continue;
		if (c->time >= 0)
			snprintf(t, sizeof(t), "%.3f", c->time);
		else
			snprintf(t, sizeof(t), "-");
		row[0] = c->name;
		row[1] = medsec_test_status_name(c->status);
		row[2] = t;
		rw_row(w, row, c->status == MEDSEC_TEST_PASS ? "met" : "gap");
	}
}

static void
item_section(const struct medsec_report *r, const struct rep_item *it,
    struct rw *w, struct rbuf *b)
{
	const struct medsec_requirement *req = it->d->req;
	char anchor[32], title[300];
	size_t i;

	snprintf(anchor, sizeof(anchor), "item-%s", req->id);
	for (i = 0; anchor[i] != '\0'; i++)
		anchor[i] = anchor[i] == '.' ? '-' : anchor[i];
	snprintf(title, sizeof(title), "%s %s", req->id, req->title);
	rw_heading(w, 2, anchor, title);
	rw_field(w, "Requirement (Table 3)", req->text);
	rw_field(w, "Applicability", rep_applic_label(it->d->applicability));
	rbuf_clear(b);
	for (i = 0; i < req->verification.n; i++)
		rbuf_printf(b, "%s%s", i ? ";\n" : "", req->verification.v[i]);
	rw_field(w, "Verification methods", rbuf_str(b));
	rw_field(w, "Mechanism", req->mechanism);
	rbuf_clear(b);
	for (i = 0; i < req->test_tags.n; i++)
		rbuf_printf(b, "%s%s*", i ? ", " : "", req->test_tags.v[i]);
	rw_field(w, "Test cases named", rbuf_str(b));
	if (it->declaration != NULL)
		rw_field(w, "Declared in the profile", it->declaration);
	if (it->verdict == MEDSEC_VERDICT_GAP)
		rw_notice(w, "gap", it->why);
	else
		rw_field(w, "Verdict", medsec_verdict_name(it->verdict));
	if (it->verdict != MEDSEC_VERDICT_GAP)
		rw_para(w, it->why);
	if (it->ntests > 0)
		tests_table(r, it, w);
}

static void
items(const struct medsec_report *r, struct rw *w)
{
	struct rbuf b;
	size_t i;

	rw_heading(w, 1, "results", "3. Results by requirement");
	if (r->n == 0) {
		rw_para(w, "No requirement applies: the device is out of the "
		    "guideline's scope.");
		return;
	}
	rbuf_init(&b);
	for (i = 0; i < r->n; i++)
		item_section(r, &r->items[i], w, &b);
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
}

static void
other_tests(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_junit_case *c;
	char line[MEDSEC_JUNIT_NAME_MAX + 32];
	size_t i;

	if (r->ev == NULL || r->ev->junit == NULL)
		return;
	rw_heading(w, 1, "other", "4. Other tests");
	rw_paraf(w, "Tests not tagged with a requirement: %zu passed, %zu "
	    "failed, %zu skipped, %zu not run.", r->other[MEDSEC_TEST_PASS],
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

static void
quoted(const struct medsec_report *r, enum ev_kind kind, const char *head,
    const char *none, struct rw *w)
{
	const struct ev_file *f;
	size_t i, n = 0;

	rw_heading(w, 1, kind == EV_BENCH ? "bench" : "attacks", head);
	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++) {
		f = &r->ev->files[i];
		if (f->kind != kind)
			continue;
		n++;
		rw_heading(w, 2, NULL, f->name);
		if (f->text != NULL)
			rw_pre(w, f->text);
		else
			rw_paraf(w, "%zu bytes, %s.", f->size, f->note);
	}
	if (n == 0)
		rw_para(w, none);
}

void
rep_write_vv(const struct medsec_report *r, struct rw *w)
{
	rw_begin(w, medsec_report_doc_title(MEDSEC_REPORT_VV),
	    "Verification of the cybersecurity requirements (MFDS guideline "
	    "IV.1, Table 3)");
	rep_write_ident(r, w);
	software(r, w);
	run_summary(r, w);
	items(r, w);
	other_tests(r, w);
	quoted(r, EV_BENCH, "5. Benchmark results", "No benchmark results in "
	    "the evidence (bench/).", w);
	quoted(r, EV_ATTACK, "6. Attack test results", "No attack-tool "
	    "results in the evidence (attacks/); attack tests that run in "
	    "the test suite appear above with their requirement.", w);
	rw_heading(w, 1, "retest", "7. Re-testing");
	rw_para(w, "All results above come from one test run of the commit "
	    "shown. After any change to the software the suite is run again "
	    "and this report regenerated from the new evidence (make "
	    "report); no result is carried over from an earlier run.");
	rw_end(w);
}

/* ---- JSON ---- */

static json_t *
tests_json(const struct medsec_report *r, const struct rep_item *it)
{
	const struct medsec_junit_case *c;
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < it->ntests; i++) {
		if ((c = rep_case(r, it->tests[i])) == NULL)
			continue;
		rep_json_push(&a, json_pack("{s:s, s:s, s:o}",
		    "name", c->name,
		    "result", medsec_test_status_name(c->status),
		    "time", c->time >= 0 ? json_real(c->time) : json_null()));
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
		    "s:s?, s:o}",
		    "id", it->d->req->id, "title", it->d->req->title,
		    "applicability",
		    medsec_applicability_name(it->d->applicability),
		    "verdict", medsec_verdict_name(it->verdict),
		    "verdict_reason", it->why,
		    "declaration", it->declaration,
		    "tests", tests_json(r, it)));
	}
	return a;
}

static json_t *
run_json(const struct medsec_report *r)
{
	const struct medsec_junit *j = r->ev != NULL ? r->ev->junit : NULL;
	size_t n[4] = { 0 }, i;

	if (j == NULL)
		return json_null();
	for (i = 0; i < j->n; i++)
		n[j->cases[i].status]++;
	return json_pack("{s:s?, s:s?, s:I, s:I, s:I, s:I, s:I}",
	    "timestamp", j->timestamp, "hostname", j->hostname,
	    "cases", (json_int_t)j->n, "passed", (json_int_t)n[0],
	    "failed", (json_int_t)n[1], "skipped", (json_int_t)n[2],
	    "not_run", (json_int_t)n[3]);
}

static json_t *
quoted_json(const struct medsec_report *r, enum ev_kind kind)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && r->ev != NULL && i < r->ev->nfiles; i++) {
		const struct ev_file *f = &r->ev->files[i];

		if (f->kind == kind)
			rep_json_push(&a, json_pack("{s:s, s:I, s:s?, "
			    "s:s?}", "file", f->name, "bytes",
			    (json_int_t)f->size, "text", f->text, "note",
			    f->note[0] ? f->note : NULL));
	}
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

	return json_pack("{s:{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}, "
	    "s:o, s:o, s:o, s:o, s:o}",
	    "software", "name", "medsec", "version", MEDSEC_VERSION,
	    "tested_version", ev != NULL && ev->tested_version[0] ?
	    ev->tested_version : NULL,
	    "commit", ev != NULL ? ev->commit : NULL,
	    "ctest", ev != NULL && ev->ctest[0] ? ev->ctest : NULL,
	    "compiler", ev != NULL && ev->compiler[0] ? ev->compiler : NULL,
	    "build_type", ev != NULL && ev->build_type[0] ? ev->build_type :
	    NULL,
	    "test_run", run_json(r),
	    "items", items_json(r),
	    "other_tests", other_json(r),
	    "benchmarks", quoted_json(r, EV_BENCH),
	    "attacks", quoted_json(r, EV_ATTACK));
}
