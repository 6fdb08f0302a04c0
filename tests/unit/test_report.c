/*
 * The submission package: verdicts from evidence (a failing, skipped or
 * missing test is a gap, never met), declarations and exclusions with
 * their justification, the three documents in every format, hostile test
 * names escaped, and the evidence directory's own checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "testmain.h"
#include "fixture.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#define EXAMPLES MEDSEC_SOURCE_DIR "/examples/"

/* What the synthetic evidence does with one catalog item's test. */
enum fate { PASS, FAIL, SKIP, NOTRUN, OMIT };

struct ctx {
	char dir[64];
	struct medsec_catalog *cat;
	struct medsec_profile prof;
	struct medsec_classification *c;
	struct medsec_evidence *ev;
	struct medsec_report *rep;
	enum fate fate[MEDSEC_CATALOG_ITEMS_MAX];
	const char *extra;	/* one more testcase element, raw XML */
	int no_junit;
	/* Without device evidence: medsec's suite only. By default the same
	 * results are also given as the device's own (device/junit.xml). */
	int component_only;
};

static struct ctx *
ctx_new(void)
{
	struct ctx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/medsec-report-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	assert_int_equal(medsec_catalog_builtin(NULL, &x->cat, NULL),
	    MEDSEC_OK);
	return x;
}

static void
ctx_free(struct ctx *x)
{
	medsec_report_free(x->rep);
	medsec_evidence_free(x->ev);
	medsec_classification_free(x->c);
	medsec_catalog_free(x->cat);
	fixture_rmrf(x->dir);
	free(x);
}

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle))
		n++;
	return n;
}

/* One test per catalog item, named with its first tag, as fate says. */
static void
write_junit(struct ctx *x)
{
	const struct medsec_requirement *req;
	size_t i, n = 0, cap = 65536, o = 0;
	char *xml = malloc(cap), path[512];
	static const char *const body[] = { "/>",
		"><failure message=\"\"/></testcase>",
		"><skipped message=\"SKIP_RETURN_CODE=77\"/></testcase>",
		"><skipped message=\"Unable to find executable\"/></testcase>" };
	static const char *const status[] = { "run", "fail", "notrun",
		"notrun" };

	assert_non_null(xml);
	for (i = 0; i < medsec_catalog_count(x->cat); i++)
		n += x->fate[i] != OMIT;
	n += x->extra != NULL;
	o += (size_t)snprintf(xml + o, cap - o, "<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<testsuite name=\"(empty)\" tests=\"%zu\" "
	    "hostname=\"\" time=\"3\" timestamp=\"2026-01-02T03:04:05\">\n",
	    n);
	for (i = 0; i < medsec_catalog_count(x->cat); i++) {
		req = medsec_catalog_item(x->cat, i);
		if (x->fate[i] == OMIT)
			continue;
		o += (size_t)snprintf(xml + o, cap - o, "\t<testcase name=\""
		    "%sproves_it\" time=\"0.25\" status=\"%s\"%s\n",
		    req->test_tags.v[0], status[x->fate[i]],
		    body[x->fate[i]]);
	}
	if (x->extra != NULL)
		o += (size_t)snprintf(xml + o, cap - o, "\t%s\n", x->extra);
	snprintf(xml + o, cap - o, "</testsuite>\n");
	put_file(x->dir, "junit.xml", xml);
	if (!x->component_only) {
		snprintf(path, sizeof(path), "%s/device", x->dir);
		assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
		put_file(path, "junit.xml", xml);
	}
	free(xml);
}

static void
fate_of(struct ctx *x, const char *id, enum fate f)
{
	size_t i;

	for (i = 0; i < medsec_catalog_count(x->cat); i++)
		if (strcmp(medsec_catalog_item(x->cat, i)->id, id) == 0) {
			x->fate[i] = f;
			return;
		}
	fail_msg("no item %s", id);
}

/* Loads the example profile, writes the evidence and builds a report. */
static void
build(struct ctx *x, const char *example)
{
	struct medsec_config_error err;
	char path[512];

	snprintf(path, sizeof(path), "%s%s", EXAMPLES, example);
	if (medsec_profile_load(path, &x->prof, &err) != MEDSEC_OK)
		fail_msg("%s: %d: %s", path, err.line, err.message);
	assert_int_equal(medsec_classify(x->cat, &x->prof, &x->c), MEDSEC_OK);
	if (!x->no_junit)
		write_junit(x);
	if (medsec_evidence_load(x->dir, &x->ev, &err) != MEDSEC_OK)
		fail_msg("evidence: %s:%d: %s: %s", err.file, err.line,
		    err.key, err.message);
	snprintf(path, sizeof(path), "%s/device", x->dir);
	if (!x->no_junit && !x->component_only &&
	    medsec_evidence_add_device(x->ev, path, &err) != MEDSEC_OK)
		fail_msg("device evidence: %s:%d: %s: %s", err.file, err.line,
		    err.key, err.message);
	assert_int_equal(medsec_report_build(x->cat, &x->prof, x->c, x->ev,
	    &x->rep), MEDSEC_OK);
}

static char *
render(struct ctx *x, enum medsec_report_doc doc,
    enum medsec_report_format fmt)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(medsec_report_render(x->rep, doc, fmt, &out, &len),
	    MEDSEC_OK);
	assert_int_equal(strlen(out), len);
	return out;
}

static json_t *
render_json(struct ctx *x, enum medsec_report_doc doc)
{
	json_error_t je;
	char *s = render(x, doc, MEDSEC_REPORT_JSON);
	json_t *root = json_loads(s, 0, &je);

	if (root == NULL)
		fail_msg("JSON of %s: line %d: %s", medsec_report_doc_stem(doc),
		    je.line, je.text);
	free(s);
	return root;
}

/* The checklist item object for id. */
static json_t *
checklist_item(json_t *root, const char *id)
{
	json_t *items = json_object_get(json_object_get(root, "content"),
	    "items");
	size_t i;

	for (i = 0; i < json_array_size(items); i++)
		if (strcmp(json_string_value(json_object_get(
		    json_array_get(items, i), "id")), id) == 0)
			return json_array_get(items, i);
	fail_msg("checklist has no item %s", id);
	return NULL;
}

static void
test_report_reference_device_marks_every_required_item(void **state)
{
	/* Table 3, Moderate column, items 1.1 .. 2.4 (24 is △). */
	static const char moderate[] = "RRRRRRRRRRRRRRRRRRRRRRRr";
	struct ctx *x = ctx_new();
	json_t *root, *ch;
	char *html;
	size_t i;

	(void)state;
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_catalog_count(x->cat), 24);
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 0);
	root = render_json(x, MEDSEC_REPORT_CHECKLIST);
	assert_int_equal(json_array_size(json_object_get(json_object_get(root,
	    "content"), "items")), 24);
	for (i = 0; i < 24; i++) {
		const struct medsec_requirement *req =
		    medsec_catalog_item(x->cat, i);
		json_t *it = checklist_item(root, req->id);

		assert_string_equal(json_string_value(json_object_get(it,
		    "applicability")), moderate[i] == 'R' ? "required" :
		    "recommended");
		assert_string_equal(json_string_value(json_object_get(it,
		    "verdict")), "met");
		assert_int_equal(medsec_report_verdict(x->rep, req->id),
		    MEDSEC_VERDICT_MET);
		/* Table 4 wording comes from the catalog, unchanged. */
		assert_string_equal(json_string_value(json_object_get(it,
		    "requirement")), req->checklist_text);
	}
	ch = json_object_get(json_object_get(root, "content"),
	    "characteristics");
	assert_string_equal(json_string_value(json_object_get(ch, "level")),
	    "moderate");
	assert_int_equal(json_array_size(json_object_get(ch, "technologies")),
	    3);
	assert_int_equal(json_array_size(json_object_get(ch, "purposes")), 2);
	assert_true(json_is_true(json_object_get(ch, "public_network")));
	json_decref(root);
	html = render(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_HTML);
	assert_int_equal(count(html, "<tr class=\"met\">"), 24);
	assert_non_null(strstr(html, "\u2612 Moderate"));
	assert_non_null(strstr(html, "Whether public network is connected"));
	free(html);
	ctx_free(x);
}

static void
test_report_failing_test_is_gap(void **state)
{
	struct ctx *x = ctx_new();
	char *html, *md;
	json_t *root;

	(void)state;
	fate_of(x, "1.9", FAIL);
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_verdict(x->rep, "1.9"),
	    MEDSEC_VERDICT_GAP);
	assert_int_equal(medsec_report_gap_count(x->rep, 1), 1);
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 1);
	html = render(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_HTML);
	assert_int_equal(count(html, "<tr class=\"gap\">"), 1);
	assert_non_null(strstr(strstr(html, "<tr class=\"gap\">"),
	    "1.9 Strengthening"));
	free(html);
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "test_req_1_9_proves_it | component "
	    "(medsec) | fail |"));
	assert_non_null(strstr(md, "1 of 1 device tests and 1 of 1 component "
	    "tests did not pass (2 failed"));
	free(md);
	root = render_json(x, MEDSEC_REPORT_CHECKLIST);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(root, "content"), "summary"), "required_gaps")),
	    1);
	json_decref(root);
	ctx_free(x);
}

static void
test_report_skipped_or_not_run_test_is_gap(void **state)
{
	struct ctx *x = ctx_new();

	(void)state;
	fate_of(x, "1.2", SKIP);
	fate_of(x, "1.4", NOTRUN);
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_verdict(x->rep, "1.2"),
	    MEDSEC_VERDICT_GAP);
	assert_int_equal(medsec_report_verdict(x->rep, "1.4"),
	    MEDSEC_VERDICT_GAP);
	assert_int_equal(medsec_report_gap_count(x->rep, 1), 2);
	ctx_free(x);
}

static void
test_report_item_without_evidence_is_gap(void **state)
{
	struct ctx *x = ctx_new();
	char *md;

	(void)state;
	fate_of(x, "1.5", OMIT);
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_verdict(x->rep, "1.5"),
	    MEDSEC_VERDICT_GAP);
	assert_int_equal(medsec_report_gap_count(x->rep, 1), 1);
	md = render(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "Result: GAP. No evidence: no test in "
	    "junit.xml or the device evidence is named test_req_1_5"));
	free(md);
	ctx_free(x);
}

static void
test_report_no_junit_every_untested_item_is_gap(void **state)
{
	struct ctx *x = ctx_new();

	(void)state;
	x->no_junit = 1;
	build(x, "telehealth-gateway.ini");
	assert_null(medsec_evidence_junit(x->ev));
	/* 1.18 and 2.3 are declared in the profile (1.20 is shown by
	 * the daemon's tests, absent here); 2.4 is recommended at
	 * moderate. */
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 22);
	assert_int_equal(medsec_report_gap_count(x->rep, 1), 21);
	assert_int_equal(medsec_report_verdict(x->rep, "1.18"),
	    MEDSEC_VERDICT_DECLARED);
	ctx_free(x);
}

static void
test_report_declared_item_shows_declaration(void **state)
{
	struct ctx *x = ctx_new();
	char *md;
	json_t *root;

	(void)state;
	fate_of(x, "1.18", OMIT);
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_verdict(x->rep, "1.18"),
	    MEDSEC_VERDICT_DECLARED);
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 0);
	md = render(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "Device profile \\[implementation\\] 1.18: "
	    "sealed enclosure, no external debug port; doc HW-SEC-004"));
	free(md);
	root = render_json(x, MEDSEC_REPORT_CHECKLIST);
	assert_string_equal(json_string_value(json_object_get(checklist_item(
	    root, "1.18"), "declaration")), "sealed enclosure, no external "
	    "debug port; doc HW-SEC-004");
	json_decref(root);
	ctx_free(x);
}

static void
test_report_excluded_items_carry_justification(void **state)
{
	static const char *const ids[] = { "1.18", "2.1" };
	struct ctx *x = ctx_new();
	json_t *root, *it;
	const char *why;
	size_t i;

	(void)state;
	fate_of(x, "1.18", OMIT);
	fate_of(x, "2.1", OMIT);
	build(x, "implantable-insulin-pump.ini");
	root = render_json(x, MEDSEC_REPORT_CHECKLIST);
	for (i = 0; i < 2; i++) {
		assert_int_equal(medsec_report_verdict(x->rep, ids[i]),
		    MEDSEC_VERDICT_EXCLUDED);
		it = checklist_item(root, ids[i]);
		assert_string_equal(json_string_value(json_object_get(it,
		    "applicability")), "may-exclude");
		why = json_string_value(json_object_get(it, "verdict_reason"));
		assert_non_null(strstr(why, "Justification:"));
		assert_non_null(strstr(why, "Table 3 footnote"));
	}
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 0);
	json_decref(root);
	ctx_free(x);
}

static void
test_report_html_escapes_hostile_test_names(void **state)
{
	struct ctx *x = ctx_new();
	char *out;
	int d, f;

	(void)state;
	x->extra = "<testcase name=\"test_req_1_1_&lt;script&gt;alert(1)"
	    "&lt;/script&gt;&amp;&quot;'\" status=\"fail\">"
	    "<failure message=\"&lt;img src=x onerror=alert(1)&gt;\"/>"
	    "</testcase>";
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_verdict(x->rep, "1.1"),
	    MEDSEC_VERDICT_GAP);
	for (d = 0; d < MEDSEC_REPORT_DOCS; d++) {
		out = render(x, d, MEDSEC_REPORT_HTML);
		assert_null(strstr(out, "<script"));
		assert_null(strstr(out, "<img"));
		assert_non_null(strstr(out, "default-src 'none'"));
		/* No resource from elsewhere: no src=, no http(s) link. */
		assert_null(strstr(out, "src="));
		assert_null(strstr(out, "http://"));
		assert_null(strstr(out, "https://"));
		if (d == MEDSEC_REPORT_VV)
			assert_non_null(strstr(out, "test_req_1_1_&lt;script"
			    "&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"));
		free(out);
	}
	out = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_null(strstr(out, "<script"));
	assert_non_null(strstr(out, "test_req_1_1\\_&lt;script&gt;alert(1)"));
	free(out);
	for (f = 0; f < MEDSEC_REPORT_FORMATS; f++) {
		out = render(x, MEDSEC_REPORT_VV, f);
		assert_non_null(strstr(out, "alert(1)"));
		free(out);
	}
	ctx_free(x);
}

static void
test_report_hostile_profile_text_escaped(void **state)
{
	struct ctx *x = ctx_new();
	struct medsec_config_error err;
	char path[128], *out;
	int d;

	(void)state;
	put_file(x->dir, "p.ini", "[device]\nname = <b onmouseover=x>Gate\n"
	    "class = 2\nfunctions = measurement\nworst_harm = "
	    "temporary-injury\n[communication]\ntechnologies = "
	    "<script>x</script>\npurposes = health-records\n"
	    "public_network = no\n[implementation]\n1.18 = \"><iframe>\n");
	snprintf(path, sizeof(path), "%s/p.ini", x->dir);
	if (medsec_profile_load(path, &x->prof, &err) != MEDSEC_OK)
		fail_msg("%d: %s", err.line, err.message);
	assert_int_equal(medsec_classify(x->cat, &x->prof, &x->c), MEDSEC_OK);
	assert_int_equal(medsec_evidence_load(x->dir, &x->ev, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_report_build(x->cat, &x->prof, x->c, x->ev,
	    &x->rep), MEDSEC_OK);
	for (d = 0; d < MEDSEC_REPORT_DOCS; d++) {
		out = render(x, d, MEDSEC_REPORT_HTML);
		assert_null(strstr(out, "<b "));
		assert_null(strstr(out, "<script"));
		assert_null(strstr(out, "<iframe"));
		free(out);
	}
	assert_int_equal(medsec_report_render_index(x->rep, 0, "<script>",
	    &out, &(size_t){ 0 }), MEDSEC_OK);
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<b "));
	free(out);
	ctx_free(x);
}

static void
test_report_json_parses_with_jansson(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root;
	int d;

	(void)state;
	fate_of(x, "2.2", FAIL);
	build(x, "telehealth-gateway.ini");
	for (d = 0; d < MEDSEC_REPORT_DOCS; d++) {
		root = render_json(x, d);
		assert_string_equal(json_string_value(json_object_get(root,
		    "document")), medsec_report_doc_stem(d));
		assert_string_equal(json_string_value(json_object_get(root,
		    "title")), medsec_report_doc_title(d));
		assert_true(json_is_object(json_object_get(root, "content")));
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(json_object_get(root, "identification"),
		    "generator"), "name")), "medsec");
		json_decref(root);
	}
	root = render_json(x, MEDSEC_REPORT_VV);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(root, "content"), "test_run"), "failed")), 1);
	json_decref(root);
	ctx_free(x);
}

static void
test_report_out_of_scope_device(void **state)
{
	struct ctx *x = ctx_new();
	char *out;
	int d, f;

	(void)state;
	build(x, "no-communication.ini");
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 0);
	for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
		for (f = 0; f < MEDSEC_REPORT_FORMATS; f++) {
			out = render(x, d, f);
			assert_true(strlen(out) > 100);
			free(out);
		}
	out = render(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_MD);
	assert_non_null(strstr(out, "requirements do not apply"));
	free(out);
	ctx_free(x);
}

static void
test_report_evidence_meta_and_bench_quoted(void **state)
{
	struct ctx *x = ctx_new();
	char path[128];
	char *md;
	json_t *root;

	(void)state;
	put_file(x->dir, "meta.json", "{\"schema\":\"medsec-evidence-1\","
	    "\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
	    "\"dirty\":true,\"collected\":\"2026-01-02T03:10:00Z\","
	    "\"started\":\"2026-01-02T03:00:00Z\","
	    "\"medsec_version\":\"9.9.9\",\"ctest\":\"ctest version 3.25.1\","
	    "\"compiler\":\"cc 12\",\"build_type\":\"Debug\","
	    "\"host\":\"builder\"}");
	snprintf(path, sizeof(path), "%s/bench", x->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put_file(path, "last-run.txt", "# medsec audit benchmarks, "
	    "2026-01-02T03:05:00Z, 2 cores\n"
	    "writers  medsec\n1        4399 (221/377us)\n");
	put_file(x->dir, "sbom.spdx.json", "{}");
	build(x, "telehealth-gateway.ini");
	assert_string_equal(medsec_evidence_commit(x->ev),
	    "0123456789abcdef0123456789abcdef01234567");
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "0123456789abcdef0123456789abcdef01234567 "
	    "(working tree had uncommitted changes)"));
	assert_non_null(strstr(md, "2026-01-02T03:04:05"));
	assert_non_null(strstr(md, "1        4399 (221/377us)"));
	assert_non_null(strstr(md, "9.9.9"));
	assert_non_null(strstr(md, "differs from this generator"));
	free(md);
	md = render(x, MEDSEC_REPORT_RISK, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "sbom.spdx.json (2 bytes)"));
	assert_non_null(strstr(md, "Pending: the evidence holds no "
	    "vulnerability"));
	free(md);
	root = render_json(x, MEDSEC_REPORT_VV);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(root, "content"), "benchmarks"),
	    0), "file")), "bench/last-run.txt");
	json_decref(root);
	ctx_free(x);
}

static void
expect_meta_refused(const char *meta, const char *key, const char *words)
{
	struct ctx *x = ctx_new();
	struct medsec_config_error err;
	struct medsec_evidence *ev = NULL;

	put_file(x->dir, "meta.json", meta);
	assert_int_equal(medsec_evidence_load(x->dir, &ev, &err),
	    MEDSEC_ERR_FORMAT);
	assert_null(ev);
	assert_non_null(strstr(err.file, "meta.json"));
	assert_string_equal(err.key, key);
	if (strstr(err.message, words) == NULL)
		fail_msg("expected '%s', got '%s'", words, err.message);
	ctx_free(x);
}

static void
test_report_evidence_bad_meta_refused(void **state)
{
	(void)state;
	expect_meta_refused("{\"schema\":\"medsec-evidence-1\",\"commit\":"
	    "\"unknown\",\"collected\":\"2026-01-02T03:10:00Z\",\"extra\":1}",
	    "", "extra");
	expect_meta_refused("{\"schema\":\"medsec-evidence-1\",\"commit\":"
	    "\"XYZ\",\"collected\":\"2026-01-02T03:10:00Z\"}", "commit",
	    "hex");
	expect_meta_refused("{\"schema\":\"medsec-evidence-1\",\"commit\":"
	    "\"unknown\",\"collected\":\"2026-01-02 03:10\"}", "collected",
	    "UTC");
	expect_meta_refused("{\"schema\":\"other\",\"commit\":\"unknown\","
	    "\"collected\":\"2026-01-02T03:10:00Z\"}", "schema",
	    "medsec-evidence-1");
	expect_meta_refused("{\"schema\":\"medsec-evidence-1\",\"commit\":"
	    "\"unknown\",\"collected\":\"2026-01-02T03:10:00Z\","
	    "\"host\":\"a\\nb\"}", "host", "printable");
	expect_meta_refused("{\"schema\":\n", "", "");
}

static void
test_report_evidence_commit_file_and_bad_junit(void **state)
{
	struct ctx *x = ctx_new();
	struct medsec_config_error err;
	struct medsec_evidence *ev = NULL;

	(void)state;
	put_file(x->dir, "commit", "abcdef1\n");
	assert_int_equal(medsec_evidence_load(x->dir, &ev, NULL), MEDSEC_OK);
	assert_string_equal(medsec_evidence_commit(ev), "abcdef1");
	medsec_evidence_free(ev);
	ev = NULL;
	put_file(x->dir, "junit.xml", "<testsuite>\n<testcase name='a'>\n"
	    "</testsuite>\n");
	assert_int_equal(medsec_evidence_load(x->dir, &ev, &err),
	    MEDSEC_ERR_FORMAT);
	assert_null(ev);
	assert_non_null(strstr(err.file, "junit.xml"));
	assert_int_equal(err.line, 3);
	put_file(x->dir, "junit.xml", "<testsuite/>");
	put_file(x->dir, "commit", "not a commit\n");
	assert_int_equal(medsec_evidence_load(x->dir, &ev, &err),
	    MEDSEC_ERR_FORMAT);
	assert_int_equal(medsec_evidence_load("/nonexistent/evidence", &ev,
	    &err), MEDSEC_ERR_NOT_FOUND);
	ctx_free(x);
}

static void
test_report_risk_residual_follows_gaps(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *hz;
	size_t i;

	(void)state;
	build(x, "../tests/data/risk/gateway-generic.ini");
	root = render_json(x, MEDSEC_REPORT_RISK);
	hz = json_object_get(json_object_get(root, "content"), "hazards");
	/* Two purposes, three properties each. */
	assert_int_equal(json_array_size(hz), 6);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    root, "content"), "overall_residual_risk")), "acceptable");
	for (i = 0; i < 6; i++) {
		json_t *h = json_array_get(hz, i);

		/* Moderate (2) x public network (3). */
		assert_int_equal(json_integer_value(json_object_get(h,
		    "initial_risk")), 6);
		assert_int_equal(json_integer_value(json_object_get(h,
		    "residual_risk")), 2);
	}
	json_decref(root);
	medsec_report_free(x->rep);
	medsec_evidence_free(x->ev);
	medsec_classification_free(x->c);
	x->rep = NULL;
	x->ev = NULL;
	x->c = NULL;
	fate_of(x, "1.16", FAIL);
	build(x, "../tests/data/risk/gateway-generic.ini");
	root = render_json(x, MEDSEC_REPORT_RISK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    root, "content"), "overall_residual_risk")), "not demonstrated");
	hz = json_object_get(json_object_get(root, "content"), "hazards");
	/* 1.16 controls health-record confidentiality and integrity only. */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(hz, 0), "id")), "H-HR-C");
	assert_true(json_is_null(json_object_get(json_array_get(hz, 0),
	    "residual_risk")));
	assert_true(json_is_null(json_object_get(json_array_get(hz, 1),
	    "residual_risk")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(hz,
	    2), "residual_risk")), 2);
	json_decref(root);
	ctx_free(x);
}

static void
test_report_untagged_failures_listed_not_gaps(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *other;

	(void)state;
	x->extra = "<testcase name=\"test_audit_something_else\" "
	    "status=\"fail\"><failure/></testcase>";
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 0);
	root = render_json(x, MEDSEC_REPORT_VV);
	other = json_object_get(json_object_get(root, "content"),
	    "other_tests");
	assert_int_equal(json_integer_value(json_object_get(other, "failed")),
	    1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(other, "not_passed"), 0), "name")),
	    "test_audit_something_else");
	json_decref(root);
	ctx_free(x);
}

static void
test_report_index_links_every_document(void **state)
{
	static const char *const exts[] = { "html", "md", "json", "pdf" };
	struct ctx *x = ctx_new();
	char *out, href[80];
	size_t len, d, e;

	(void)state;
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_render_index(x->rep, 1, NULL, &out,
	    &len), MEDSEC_OK);
	/* A new report renders English: checklist.en.html, ... */
	for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
		for (e = 0; e < 4; e++) {
			snprintf(href, sizeof(href), "href=\"%s.en.%s\"",
			    medsec_report_doc_stem(d), exts[e]);
			assert_non_null(strstr(out, href));
		}
	assert_non_null(strstr(out, "href=\"manifest.json\""));
	free(out);
	assert_int_equal(medsec_report_render_index(x->rep, 0, "no chromium",
	    &out, &len), MEDSEC_OK);
	assert_null(strstr(out, ".pdf\""));
	assert_non_null(strstr(out, "PDFs were not rendered: no chromium"));
	free(out);
	ctx_free(x);
}

static void
test_report_bad_arguments(void **state)
{
	char *out = (char *)1;
	size_t len = 1;

	(void)state;
	assert_int_equal(medsec_report_build(NULL, NULL, NULL, NULL, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_report_render(NULL, 0, 0, &out, &len),
	    MEDSEC_ERR_INVALID);
	assert_null(out);
	assert_int_equal(medsec_report_gap_count(NULL, 1), 0);
	assert_null(medsec_report_doc_stem(MEDSEC_REPORT_DOCS));
	assert_null(medsec_report_format_ext(MEDSEC_REPORT_FORMATS));
	assert_string_equal(medsec_verdict_name(MEDSEC_VERDICT_GAP), "gap");
}

static void
test_req_1_1_report_component_evidence_alone_is_not_met(void **state)
{
	struct ctx *x = ctx_new();
	char *md;
	json_t *root;

	(void)state;
	x->component_only = 1;
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_evidence_device_count(x->ev), 0);
	assert_int_equal(medsec_report_verdict(x->rep, "1.1"),
	    MEDSEC_VERDICT_GAP);
	assert_int_equal(medsec_report_basis(x->rep, "1.1"),
	    MEDSEC_EVIDENCE_COMPONENT);
	/* 1.18 and 2.3 are declared; every other item is a gap, 1.20
	 * too without the daemon's tests. */
	assert_int_equal(medsec_report_verdict(x->rep, "1.18"),
	    MEDSEC_VERDICT_DECLARED);
	assert_int_equal(medsec_report_verdict(x->rep, "1.20"),
	    MEDSEC_VERDICT_GAP);
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 22);
	md = render(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_MD);
	assert_null(strstr(md, "Result: MET"));
	assert_non_null(strstr(md, "Result: GAP. Mechanism verified; "
	    "integration not shown: 1 of 1 component tests"));
	free(md);
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "No device test results were given"));
	assert_non_null(strstr(md, "component evidence only: mechanism "
	    "verified; integration not shown"));
	free(md);
	root = render_json(x, MEDSEC_REPORT_VV);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(root, "content"), "items"), 0),
	    "evidence_basis")), "component");
	json_decref(root);
	ctx_free(x);
}

static void
test_req_1_1_report_device_evidence_makes_item_met(void **state)
{
	struct ctx *x = ctx_new();
	struct medsec_config_error err;
	char path[512], *md;

	(void)state;
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_evidence_device_count(x->ev), 1);
	assert_int_equal(medsec_report_verdict(x->rep, "1.1"),
	    MEDSEC_VERDICT_MET);
	assert_int_equal(medsec_report_basis(x->rep, "1.1"),
	    MEDSEC_EVIDENCE_DEVICE);
	assert_int_equal(medsec_report_gap_count(x->rep, 0), 0);
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "Device evidence: 1 of 1 device tests "
	    "passed. Component evidence (medsec's suite): 1 of 1 tests "
	    "passed."));
	assert_non_null(strstr(md, "test_req_1_1_proves_it | device ("));
	free(md);
	/* A second device file where the device fails 1.1: a gap, whatever
	 * the component tests say. */
	put_file(x->dir, "more.xml", "<testsuite tests=\"1\"><testcase "
	    "name=\"test_req_1_1_role_matrix_on_device\" status=\"fail\">"
	    "<failure message=\"admin page open to nurse\"/></testcase>"
	    "</testsuite>\n");
	snprintf(path, sizeof(path), "%s/more.xml", x->dir);
	assert_int_equal(medsec_evidence_add_device(x->ev, path, &err),
	    MEDSEC_OK);
	medsec_report_free(x->rep);
	assert_int_equal(medsec_report_build(x->cat, &x->prof, x->c, x->ev,
	    &x->rep), MEDSEC_OK);
	assert_int_equal(medsec_report_verdict(x->rep, "1.1"),
	    MEDSEC_VERDICT_GAP);
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "1 of 2 device tests and 0 of 1 component "
	    "tests did not pass (1 failed"));
	free(md);
	ctx_free(x);
}

static void
expect_device_refused(struct ctx *x, const char *path, int code,
    const char *key, const char *words)
{
	struct medsec_config_error err;
	size_t before = medsec_evidence_device_count(x->ev);

	assert_int_equal(medsec_evidence_add_device(x->ev, path, &err), code);
	assert_int_equal(medsec_evidence_device_count(x->ev), before);
	assert_string_equal(err.key, key);
	if (strstr(err.message, words) == NULL)
		fail_msg("expected '%s', got '%s'", words, err.message);
}

static void
test_report_device_evidence_refused_changes_nothing(void **state)
{
	struct ctx *x = ctx_new();
	char dir[512], path[512];

	(void)state;
	build(x, "telehealth-gateway.ini");
	snprintf(dir, sizeof(dir), "%s/bad", x->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/nothing-here", x->dir);
	expect_device_refused(x, path, MEDSEC_ERR_NOT_FOUND, "", "not found");
	expect_device_refused(x, dir, MEDSEC_ERR_NOT_FOUND, "",
	    "holds no device evidence");
	put_file(dir, "device.json", "{\"schema\":\"medsec-device-evidence-1\","
	    "\"software\":\"fw\"}");
	expect_device_refused(x, dir, MEDSEC_ERR_FORMAT, "", "version");
	put_file(dir, "device.json", "{\"schema\":\"medsec-device-evidence-1\","
	    "\"software\":\"fw\",\"version\":\"1\",\"started\":\"yesterday\"}");
	expect_device_refused(x, dir, MEDSEC_ERR_FORMAT, "started", "UTC");
	put_file(dir, "device.json", "{\"schema\":\"medsec-device-evidence-1\","
	    "\"software\":\"fw\",\"version\":\"1\"}");
	/* A good file first, then a malformed one: neither is kept. */
	put_file(dir, "a.xml", "<testsuite tests=\"1\"><testcase name=\"t\"/>"
	    "</testsuite>\n");
	put_file(dir, "b.xml", "<testsuite>\n<testcase name=\"a\">\n"
	    "</testsuite>\n");
	expect_device_refused(x, dir, MEDSEC_ERR_FORMAT, "", "closes");
	put_file(dir, "b.xml", "<testsuite tests=\"0\"></testsuite>\n");
	assert_int_equal(medsec_evidence_add_device(x->ev, dir, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_evidence_device_count(x->ev), 3);
	/* Device evidence about another device software is refused. */
	put_file(dir, "device.json", "{\"schema\":\"medsec-device-evidence-1\","
	    "\"software\":\"other\",\"version\":\"2\"}");
	expect_device_refused(x, dir, MEDSEC_ERR_FORMAT, "software",
	    "must be about one device software");
	ctx_free(x);
}

static void
test_report_stale_bench_and_attack_results_excluded(void **state)
{
	struct ctx *x = ctx_new();
	char path[512], *md;

	(void)state;
	/* No "started": nothing can be shown to come from the run. */
	put_file(x->dir, "meta.json", "{\"schema\":\"medsec-evidence-1\","
	    "\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
	    "\"collected\":\"2026-01-02T03:10:00Z\"}");
	snprintf(path, sizeof(path), "%s/bench", x->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put_file(path, "last-run.txt", "# medsec audit benchmarks, "
	    "2026-01-02T03:05:00Z, 2 cores\nwriters 1 4399\n");
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_excluded_results(x->rep), 1);
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_null(strstr(md, "writers 1 4399"));
	assert_non_null(strstr(md, "meta.json does not record when the test "
	    "run started"));
	free(md);
	ctx_free(x);

	x = ctx_new();
	put_file(x->dir, "meta.json", "{\"schema\":\"medsec-evidence-1\","
	    "\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
	    "\"started\":\"2026-01-02T03:00:00Z\","
	    "\"collected\":\"2026-01-02T03:10:00Z\"}");
	snprintf(path, sizeof(path), "%s/bench", x->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put_file(path, "a-old.txt", "# medsec audit benchmarks, "
	    "2025-11-23T08:54:31Z, 2 cores\nwriters 1 1111\n");
	put_file(path, "b-other-commit.txt", "# bench commit fedcba9876543 "
	    "2026-01-02T03:05:00Z\nwriters 1 2222\n");
	put_file(path, "c-now.txt", "# bench commit 0123456789abc "
	    "2026-01-02T03:05:00Z\nwriters 1 3333\n");
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_report_excluded_results(x->rep), 2);
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_null(strstr(md, "writers 1 1111"));
	assert_null(strstr(md, "writers 1 2222"));
	assert_non_null(strstr(md, "writers 1 3333"));
	assert_non_null(strstr(md, "dated 2025-11-23T08:54:31Z (recorded in "
	    "the file), before the test run started at 2026-01-02T03:00:00Z"));
	assert_non_null(strstr(md, "made from commit fedcba9876543, not the "
	    "tested commit"));
	free(md);
	ctx_free(x);
}

static void
test_report_methods_without_evidence_are_planned(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *items, *it, *m;
	size_t i, k;

	(void)state;
	fate_of(x, "1.18", OMIT);
	build(x, "telehealth-gateway.ini");
	root = render_json(x, MEDSEC_REPORT_VV);
	items = json_object_get(json_object_get(root, "content"), "items");
	for (i = 0; i < json_array_size(items); i++) {
		it = json_array_get(items, i);
		for (k = 0; k < json_array_size(json_object_get(it, "methods"));
		    k++) {
			const char *method, *status;

			m = json_array_get(json_object_get(it, "methods"), k);
			method = json_string_value(json_object_get(m,
			    "method"));
			status = json_string_value(json_object_get(m,
			    "status"));
			/* No attack-tool test, no review record: none of
			 * these was done. */
			if (strstr(method, "review") != NULL ||
			    strstr(method, "inspection") != NULL ||
			    strstr(method, "penetration") != NULL ||
			    strstr(method, "port") != NULL ||
			    strstr(method, "benchmark") != NULL)
				assert_string_equal(status, "planned");
			/* 1.18 has no test at all. */
			if (strcmp(json_string_value(json_object_get(it,
			    "id")), "1.18") == 0)
				assert_string_equal(status, "planned");
		}
	}
	json_decref(root);
	ctx_free(x);
}

static json_t *
mds2_section(struct ctx *x, const char *code)
{
	json_error_t je;
	json_t *root, *secs, *sec;
	char *out = NULL;
	size_t len = 0, i;

	assert_int_equal(medsec_report_render_mds2(x->rep, MEDSEC_REPORT_JSON,
	    &out, &len), MEDSEC_OK);
	assert_non_null(root = json_loads(out, 0, &je));
	free(out);
	secs = json_object_get(root, "sections");
	for (i = 0; i < json_array_size(secs); i++) {
		sec = json_array_get(secs, i);
		if (strcmp(json_string_value(json_object_get(sec, "code")),
		    code) == 0) {
			json_incref(sec);
			json_decref(root);
			return sec;
		}
	}
	fail_msg("no MDS2 section %s", code);
	return NULL;
}

static void
expect_mds2(struct ctx *x, const char *code, const char *status)
{
	json_t *sec = mds2_section(x, code);

	assert_string_equal(json_string_value(json_object_get(sec, "status")),
	    status);
	json_decref(sec);
}

static void
test_report_mds2_draft_answers_only_from_device_evidence(void **state)
{
	struct ctx *x = ctx_new();
	char *html = NULL;
	size_t len = 0;

	(void)state;
	x->component_only = 1;
	build(x, "telehealth-gateway.ini");
	expect_mds2(x, "DOC", "answered");
	expect_mds2(x, "AUTH", "unanswered");
	expect_mds2(x, "SBOM", "unanswered");
	expect_mds2(x, "EMRG", "unanswered");
	ctx_free(x);

	x = ctx_new();
	fate_of(x, "1.9", FAIL);
	build(x, "telehealth-gateway.ini");
	expect_mds2(x, "AUTH", "answered");
	/* PAUT rests on 1.9 among others: one gap, partly answered. */
	expect_mds2(x, "PAUT", "partly");
	expect_mds2(x, "EMRG", "unanswered");
	assert_int_equal(medsec_report_render_mds2(x->rep, MEDSEC_REPORT_HTML,
	    &html, &len), MEDSEC_OK);
	assert_non_null(strstr(html, "Physical locks"));
	assert_non_null(strstr(html, "unanswered"));
	free(html);
	ctx_free(x);
}

static void
test_report_many_result_files_keep_the_sbom(void **state)
{
	struct ctx *x = ctx_new();
	char path[512], name[32], *md;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/attacks", x->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	for (i = 0; i < MEDSEC_EVIDENCE_FILES_MAX + 8; i++) {
		snprintf(name, sizeof(name), "tool-%03d.txt", i);
		put_file(path, name, "output\n");
	}
	put_file(x->dir, "sbom.cdx.json", "{\"bomFormat\":\"CycloneDX\","
	    "\"specVersion\":\"1.6\",\"components\":[{},{}]}");
	build(x, "telehealth-gateway.ini");
	assert_int_equal(medsec_evidence_production_count(x->ev), 1);
	assert_string_equal(medsec_evidence_production_name(x->ev, 0),
	    "sbom.cdx.json");
	md = render(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "CycloneDX 1.6 SBOM: 2 components"));
	assert_non_null(strstr(md, "Further result files were not read"));
	free(md);
	ctx_free(x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_report_reference_device_marks_every_required_item),
	cmocka_unit_test(test_report_failing_test_is_gap),
	cmocka_unit_test(test_report_skipped_or_not_run_test_is_gap),
	cmocka_unit_test(test_report_item_without_evidence_is_gap),
	cmocka_unit_test(test_report_no_junit_every_untested_item_is_gap),
	cmocka_unit_test(test_report_declared_item_shows_declaration),
	cmocka_unit_test(test_report_excluded_items_carry_justification),
	cmocka_unit_test(test_report_html_escapes_hostile_test_names),
	cmocka_unit_test(test_report_hostile_profile_text_escaped),
	cmocka_unit_test(test_report_json_parses_with_jansson),
	cmocka_unit_test(test_report_out_of_scope_device),
	cmocka_unit_test(test_report_evidence_meta_and_bench_quoted),
	cmocka_unit_test(test_report_evidence_bad_meta_refused),
	cmocka_unit_test(test_report_evidence_commit_file_and_bad_junit),
	cmocka_unit_test(test_report_risk_residual_follows_gaps),
	cmocka_unit_test(test_report_untagged_failures_listed_not_gaps),
	cmocka_unit_test(test_report_index_links_every_document),
	cmocka_unit_test(test_report_bad_arguments),
	cmocka_unit_test(test_req_1_1_report_component_evidence_alone_is_not_met),
	cmocka_unit_test(test_req_1_1_report_device_evidence_makes_item_met),
	cmocka_unit_test(test_report_device_evidence_refused_changes_nothing),
	cmocka_unit_test(test_report_stale_bench_and_attack_results_excluded),
	cmocka_unit_test(test_report_methods_without_evidence_are_planned),
	cmocka_unit_test(test_report_mds2_draft_answers_only_from_device_evidence),
	cmocka_unit_test(test_report_many_result_files_keep_the_sbom),
};

MEDSEC_TEST_MAIN(tests)
