/*
 * The submission's decisions and risk analysis: exclusions with a basis
 * the guideline allows, classification by device category, the
 * threat-model risk analysis (hazards per threat and data flow, the
 * acceptance matrix, residual risk only with passing tests, AI hazards),
 * the traceability matrix, the legacy-device plan and the form's
 * administrative parts.
 */
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

static const char base_device[] =
    "[device]\nname = Pump\nmodel = P-1\nmanufacturer = M\nclass = 3\n"
    "functions = treatment\n";

static const char base_comm[] =
    "[communication]\ntechnologies = Wi-Fi\n"
    "purposes = health-records, control\npublic_network = no\n";

static const char threats_md[] =
    "# Threats\n\n## Assets\n\n| ID | asset |\n|---|---|\n"
    "| A-01 | Orders |\n\n"
    "## Data flows\n\n"
    "| ID | flow | boundaries | exposure | harm | status |\n"
    "|---|---|---|---|---|---|\n"
    "| DF-01 | Server to pump: orders | TB-01 | adjacent | "
    "death-or-serious-injury | implemented |\n"
    "| DF-02 | Pump to station: status | TB-01 | internet | "
    "temporary-injury | implemented |\n\n"
    "## Threats\n\n### DF-01 and DF-02: orders and status\n\n"
    "| ID | STRIDE | threat | control | proven by | status |\n"
    "|---|---|---|---|---|---|\n"
    "| T-01 | T | Orders altered | TLS 1.3 | "
    "`test_req_1_15_orders_tamper_refused`, `test_req_1_5_peer_*` | "
    "implemented |\n"
    "| T-02 | S | Rogue server | allow-list | — | planned |\n";

struct ctx {
	char dir[64];
	struct medsec_catalog *cat;
	struct medsec_profile prof;
	struct medsec_classification *c;
	struct medsec_evidence *ev;
	struct medsec_report *rep;
	struct medsec_config_error err;
};

static struct ctx *
ctx_new(void)
{
	struct ctx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/medsec-risk-XXXXXX");
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
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Writes p.ini from its parts and classifies it; returns the result. */
static int
classify_text(struct ctx *x, const char *device, const char *rest,
    unsigned flags)
{
	char text[8192], path[512];

	snprintf(text, sizeof(text), "%s%s%s", device, base_comm, rest);
	put_file(x->dir, "p.ini", text);
	snprintf(path, sizeof(path), "%s/p.ini", x->dir);
	if (medsec_profile_load(path, &x->prof, &x->err) != MEDSEC_OK)
		fail_msg("profile: %d: %s: %s", x->err.line, x->err.key,
		    x->err.message);
	medsec_classification_free(x->c);
	x->c = NULL;
	return medsec_classify_profile(x->cat, &x->prof, flags, &x->c,
	    &x->err);
}

static int
has_warning(const struct medsec_classification *c, const char *s)
{
	size_t i;

	for (i = 0; i < c->n_warnings; i++)
		if (strstr(c->warnings[i], s) != NULL)
			return 1;
	return 0;
}

/* JUnit evidence holding the given "name status" pairs. */
static void
evidence(struct ctx *x, const char *const *cases)
{
	char xml[8192];
	size_t o = 0, n = 0, i;

	for (i = 0; cases[i] != NULL; i += 2)
		n++;
	o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<testsuite name=\"d\" tests=\"%zu\">\n", n);
	for (i = 0; cases[i] != NULL; i += 2)
		o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<testcase "
		    "name=\"%s\" status=\"%s\"%s\n", cases[i], cases[i + 1],
		    strcmp(cases[i + 1], "fail") == 0 ?
		    "><failure message=\"x\"/></testcase>" : "/>");
	snprintf(xml + o, sizeof(xml) - o, "</testsuite>\n");
	put_file(x->dir, "junit.xml", xml);
	assert_int_equal(medsec_evidence_load(x->dir, &x->ev, &x->err),
	    MEDSEC_OK);
	assert_int_equal(medsec_report_build(x->cat, &x->prof, x->c, x->ev,
	    &x->rep), MEDSEC_OK);
}

/*
 * Device evidence (a directory of JUnit files, as medsec report
 * --device-evidence reads) with the two peer tests, the second with the
 * given status, added to the loaded evidence; the report built again.
 */
static void
device_evidence(struct ctx *x, const char *status)
{
	char dir[128], xml[1024];

	snprintf(dir, sizeof(dir), "%s/device-%s", x->dir, status);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(xml, sizeof(xml), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "\n<testsuite name=\"medsecd\" tests=\"2\">\n"
	    "<testcase name=\"test_req_1_5_peer_unknown_refused\" "
	    "status=\"run\"/>\n"
	    "<testcase name=\"test_req_1_5_peer_revoked_refused\" "
	    "status=\"%s\"%s\n</testsuite>\n", status,
	    strcmp(status, "fail") == 0 ?
	    "><failure message=\"x\"/></testcase>" : "/>");
	put_file(dir, "medsecd.xml", xml);
	assert_int_equal(medsec_evidence_add_device(x->ev, dir, &x->err),
	    MEDSEC_OK);
	medsec_report_free(x->rep);
	x->rep = NULL;
	assert_int_equal(medsec_report_build(x->cat, &x->prof, x->c, x->ev,
	    &x->rep), MEDSEC_OK);
}

static json_t *
risk_json(struct ctx *x)
{
	json_error_t je;
	json_t *root;
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(medsec_report_render(x->rep, MEDSEC_REPORT_RISK,
	    MEDSEC_REPORT_JSON, &out, &len), MEDSEC_OK);
	root = json_loads(out, 0, &je);
	free(out);
	assert_non_null(root);
	return json_object_get(root, "content") != NULL ? root : NULL;
}

static char *
risk_md(struct ctx *x)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(medsec_report_render(x->rep, MEDSEC_REPORT_RISK,
	    MEDSEC_REPORT_MD, &out, &len), MEDSEC_OK);
	return out;
}

static json_t *
hazard(json_t *root, const char *id)
{
	json_t *hz = json_object_get(json_object_get(root, "content"),
	    "hazards"), *h;
	size_t i;

	json_array_foreach(hz, i, h)
		if (strcmp(json_string_value(json_object_get(h, "id")), id) ==
		    0)
			return h;
	fail_msg("no hazard %s", id);
	return NULL;
}

/* ---- exclusions and decisions ---- */

static void
test_classify_excluded_required_item_without_basis_refused(void **state)
{
	struct ctx *x = ctx_new();

	(void)state;
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[applicability]\n1.5 = not-applied: we trust "
	    "the hospital network\n", 0), MEDSEC_ERR_CONFIG);
	assert_int_equal(x->err.line, 14);
	assert_string_equal(x->err.key, "applicability.1.5");
	assert_non_null(strstr(x->err.message, "item 1.5 (Blocking "
	    "unauthorized network communication) is required"));
	assert_non_null(strstr(x->err.message, "reason given: 'we trust the "
	    "hospital network'"));
	assert_null(x->c);
	ctx_free(x);
}

static void
test_classify_exclusion_basis_must_hold_for_the_device(void **state)
{
	struct ctx *x = ctx_new();

	(void)state;
	/* Not standalone software: IV.2 does not cover it. */
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[applicability]\n1.18 = not-applied "
	    "(standalone-software): no port\n", 0), MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(x->err.message, "basis 'standalone-software' "
	    "does not hold for item 1.18"));
	/* Control is a declared purpose: 1.15's condition arises. */
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[applicability]\n1.15 = not-applied "
	    "(condition): none\n", 0), MEDSEC_ERR_CONFIG);
	/* Not implantable: the footnote does not apply. */
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[applicability]\n2.1 = not-applied "
	    "(implantable): none\n", 0), MEDSEC_ERR_CONFIG);
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[applicability]\n9.9 = applied: x\n", 0),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(x->err.message, "names no requirement"));
	ctx_free(x);
}

static void
test_classify_allowed_exclusions_carry_basis_and_reason(void **state)
{
	static const char device[] = "[device]\nname = App\nclass = 2\n"
	    "form = standalone-software\nfunctions = analysis-diagnosis\n"
	    "worst_harm = temporary-injury\n";
	struct ctx *x = ctx_new();
	const struct medsec_decision *d;
	char *json = NULL;

	(void)state;
	assert_int_equal(classify_text(x, device, "[applicability]\n"
	    "1.18 = not-applied (standalone-software): runs on a hospital PC "
	    "with no port of its own\n"
	    "2.4 = not-applied (condition): hospital network only\n"
	    "1.12 = not-applied (risk-analysis RM-7 H-3): updates by the "
	    "hospital's IT only\n", 0), MEDSEC_OK);
	d = medsec_classification_find(x->c, "1.18");
	assert_int_equal(d->applicability, MEDSEC_APPLIC_MAY_EXCLUDE);
	assert_int_equal(d->table3, MEDSEC_APPLIC_REQUIRED);
	assert_int_equal(d->decision.basis, MEDSEC_BASIS_STANDALONE_SW);
	assert_non_null(strstr(d->reason, "guideline IV.2"));
	assert_non_null(strstr(d->reason, "runs on a hospital PC"));
	d = medsec_classification_find(x->c, "1.12");
	assert_non_null(strstr(d->reason, "risk analysis (RM-7 H-3)"));
	assert_int_equal(medsec_classification_to_json(x->c, &json),
	    MEDSEC_OK);
	assert_non_null(strstr(json, "\"table3\":\"required\",\"decision\":"
	    "{\"decision\":\"not-applied\",\"basis\":\"standalone-software\""));
	free(json);
	/* The checklist's verdict is the exclusion with its reason. */
	evidence(x, (const char *const[]){ NULL });
	assert_int_equal(medsec_report_verdict(x->rep, "1.18"),
	    MEDSEC_VERDICT_EXCLUDED);
	assert_int_equal(medsec_report_verdict(x->rep, "1.12"),
	    MEDSEC_VERDICT_EXCLUDED);
	{
		char *md = NULL;
		size_t len = 0;

		assert_int_equal(medsec_report_render(x->rep,
		    MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_MD, &md, &len),
		    MEDSEC_OK);
		assert_non_null(strstr(md, "Required (\u25cb)<br>Decision: not "
		    "applied (standalone-software)"));
		free(md);
	}
	ctx_free(x);
}

static void
test_classify_recommended_item_decided_either_way(void **state)
{
	struct ctx *x = ctx_new();

	(void)state;
	assert_int_equal(classify_text(x, "[device]\nname = T\nclass = 2\n"
	    "functions = measurement\nworst_harm = temporary-discomfort\n",
	    "[applicability]\n1.1 = "
	    "not-applied: no user accounts\n1.18 = applied: no connector\n",
	    0), MEDSEC_OK);
	assert_int_equal(medsec_classification_find(x->c, "1.1")->applicability,
	    MEDSEC_APPLIC_MAY_EXCLUDE);
	assert_non_null(strstr(medsec_classification_find(x->c, "1.18")->reason,
	    "Decided applied: no connector"));
	ctx_free(x);
}

static void
test_profile_applicability_errors_name_line(void **state)
{
	struct medsec_profile p;
	struct medsec_config_error err;
	static const char *const bad[] = {
		"[applicability]\n1.5 = maybe: x\n",
		"[applicability]\n1.5 = not-applied (guesswork): x\n",
		"[applicability]\n1.5 = not-applied (risk-analysis): x\n",
		"[applicability]\n1.5 = applied:\n",
		"[applicability]\n1.5 = applied: a\n1.5 = applied: b\n",
		"[risk]\nmatrix = AAU/ARR/RUU\n",
		"[submission]\ndate = 2026-02-30\n",
		"[submission]\napplication = permit\n",
		"[legacy]\nend_of_support = soon\n",
		"[device]\ncategory = toaster\n",
	};
	char text[512];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = snprintf(text, sizeof(text), "[device]\nclass = 2\n%s",
		    bad[i]);
		assert_int_equal(medsec_profile_parse("b.ini", text, (size_t)n,
		    &p, &err), MEDSEC_ERR_CONFIG);
		assert_true(err.line >= 4);
		assert_true(err.key[0] != '\0');
	}
}

static void
test_profile_submission_and_legacy_fields_parsed(void **state)
{
	struct medsec_profile p;
	struct medsec_config_error err;

	(void)state;
	if (medsec_profile_load(EXAMPLES "infusion-pump.ini", &p, &err) !=
	    MEDSEC_OK)
		fail_msg("%d: %s: %s", err.line, err.key, err.message);
	assert_string_equal(p.more.category, "infusion-pump");
	assert_string_equal(p.more.admin.item_name, "주입펌프");
	assert_string_equal(p.more.admin.applicant_role, "importer");
	assert_string_equal(p.more.admin.application, "approval");
	assert_string_equal(p.more.admin.doc_number[1], "VIP-300-RM-01");
	assert_string_equal(p.more.admin.signers[2].name, "Han Seo");
	assert_string_equal(p.more.admin.signers[2].title, "quality manager");
	assert_string_equal(p.more.legacy.end_of_support, "2036-06-30");
	assert_string_equal(p.more.matrix, "ARU/RUU/UUU");
	assert_string_equal(p.more.threat_model, "infusion-pump.threats.md");
}

/* ---- classification by device category ---- */

static void
test_classify_infusion_pump_declared_minor_refused(void **state)
{
	static const char device[] = "[device]\nname = Pump\nclass = 3\n"
	    "category = infusion-pump\nfunctions = treatment\n"
	    "worst_harm = temporary-discomfort\n";
	struct ctx *x = ctx_new();

	(void)state;
	assert_int_equal(classify_text(x, device, "", 0), MEDSEC_ERR_CONFIG);
	assert_int_equal(x->err.line, 6);
	assert_string_equal(x->err.key, "device.worst_harm");
	assert_non_null(strstr(x->err.message, "'temporary-discomfort' "
	    "contradicts category infusion-pump"));
	assert_non_null(strstr(x->err.message, "Insulin infusion pump"));
	/* Draft does not excuse a contradiction. */
	assert_int_equal(classify_text(x, device, "", MEDSEC_CLASSIFY_DRAFT),
	    MEDSEC_ERR_CONFIG);
	ctx_free(x);
}

static void
test_classify_patient_monitor_one_level_under_raised_and_warned(
    void **state)
{
	static const char device[] = "[device]\nname = PM\nclass = 2\n"
	    "category = patient-monitor\nfunctions = measurement\n"
	    "worst_harm = temporary-injury\n";
	struct ctx *x = ctx_new();

	(void)state;
	assert_int_equal(classify_text(x, device, "", 0), MEDSEC_OK);
	assert_int_equal(x->c->level, MEDSEC_LEVEL_MAJOR);
	assert_true(has_warning(x->c, "worst_harm temporary-injury is under "
	    "the Table 2 row of category patient-monitor"));
	ctx_free(x);
}

static void
test_classify_missing_harm_or_functions_refused_unless_draft(void **state)
{
	struct ctx *x = ctx_new();

	(void)state;
	assert_int_equal(classify_text(x, base_device, "", 0),
	    MEDSEC_ERR_CONFIG);
	assert_string_equal(x->err.key, "device.worst_harm");
	assert_int_equal(x->err.line, 1);
	assert_int_equal(classify_text(x, base_device, "",
	    MEDSEC_CLASSIFY_DRAFT), MEDSEC_OK);
	assert_true(has_warning(x->c, "worst_harm is not stated"));
	assert_int_equal(classify_text(x, "[device]\nclass = 2\nworst_harm = "
	    "temporary-injury\n", "", 0), MEDSEC_ERR_CONFIG);
	assert_string_equal(x->err.key, "device.functions");
	ctx_free(x);
}

/* ---- the legacy-device plan ---- */

static void
test_classify_past_end_of_support_without_plan_warns(void **state)
{
	struct ctx *x = ctx_new();

	(void)state;
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[legacy]\nend_of_support = 2020-01-31\n"
	    "patch_policy = none after 2020\n", 0), MEDSEC_OK);
	assert_true(has_warning(x->c, "past its end of support (2020-01-31) "
	    "and has no legacy-device plan: [legacy] lacks "
	    "vulnerability_policy compensating_controls data_deletion"));
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[legacy]\nend_of_support = 2020-01-31\n"
	    "patch_policy = p\nvulnerability_policy = v\n"
	    "compensating_controls = c\ndata_deletion = d\n", 0), MEDSEC_OK);
	assert_false(has_warning(x->c, "end of support"));
	/* Not yet past: no plan needed yet. */
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[legacy]\nend_of_support = 2999-01-31\n", 0),
	    MEDSEC_OK);
	assert_false(has_warning(x->c, "end of support"));
	ctx_free(x);
}

/* ---- risk analysis from the threat model ---- */

static void
test_risk_hazard_per_threat_and_flow_with_matrix(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *h;

	(void)state;
	put_file(x->dir, "t.md", threats_md);
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "death-or-serious-injury\n[risk]\nthreat_model = t.md\n", 0),
	    MEDSEC_OK);
	evidence(x, (const char *const[]){
	    "test_req_1_15_orders_tamper_refused", "run",
	    "test_req_1_5_peer_unknown_refused", "run",
	    "test_req_1_5_peer_revoked_refused", "run", NULL });
	root = risk_json(x);
	/* T-01 on two flows, T-02 on two: four hazards. */
	assert_int_equal(json_array_size(json_object_get(json_object_get(root,
	    "content"), "hazards")), 4);
	h = hazard(root, "H-T-01/DF-01");
	assert_int_equal(json_integer_value(json_object_get(h, "severity")),
	    3);
	assert_int_equal(json_integer_value(json_object_get(h,
	    "exploitability")), 2);
	assert_string_equal(json_string_value(json_object_get(h,
	    "initial_grade")), "U");
	assert_true(json_is_true(json_object_get(h, "reduced")));
	/* Severity 3 at exploitability 1 is R in the default matrix. */
	assert_string_equal(json_string_value(json_object_get(h,
	    "residual_grade")), "R");
	h = hazard(root, "H-T-01/DF-02");
	assert_int_equal(json_integer_value(json_object_get(h, "severity")),
	    2);
	assert_string_equal(json_string_value(json_object_get(h,
	    "residual_grade")), "A");
	/* A planned control reduces nothing. */
	h = hazard(root, "H-T-02/DF-01");
	assert_false(json_is_true(json_object_get(h, "reduced")));
	assert_string_equal(json_string_value(json_object_get(h,
	    "not_reduced_because")), "the control is planned, not in the "
	    "device");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    root, "content"), "overall_residual_risk")), "not demonstrated");
	json_decref(root);
	ctx_free(x);
}

static void
test_risk_residual_only_with_every_cited_test_passing(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *h;

	(void)state;
	put_file(x->dir, "t.md", threats_md);
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "death-or-serious-injury\n[risk]\nthreat_model = t.md\n"
	    "matrix = AAA/AAR/ARU\n", 0), MEDSEC_OK);
	/* The prefix matches one failing test among passing ones. */
	evidence(x, (const char *const[]){
	    "test_req_1_15_orders_tamper_refused", "run",
	    "test_req_1_5_peer_unknown_refused", "run",
	    "test_req_1_5_peer_revoked_refused", "fail", NULL });
	root = risk_json(x);
	h = hazard(root, "H-T-01/DF-01");
	assert_false(json_is_true(json_object_get(h, "reduced")));
	assert_string_equal(json_string_value(json_object_get(h,
	    "not_reduced_because")), "a cited test did not pass");
	/* The manufacturer's matrix: severity 3, exploitability 2 is R. */
	assert_string_equal(json_string_value(json_object_get(h,
	    "initial_grade")), "R");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(root, "content"), "method"), "matrix")),
	    "AAA/AAR/ARU");
	json_decref(root);
	medsec_report_free(x->rep);
	medsec_evidence_free(x->ev);
	x->rep = NULL;
	x->ev = NULL;
	evidence(x, (const char *const[]){
	    "test_req_1_15_orders_tamper_refused", "run", NULL });
	root = risk_json(x);
	h = hazard(root, "H-T-01/DF-01");
	assert_string_equal(json_string_value(json_object_get(h,
	    "not_reduced_because")), "a cited test is not in the evidence");
	json_decref(root);
	/* The peer tests run against the device: its evidence proves them. */
	device_evidence(x, "run");
	root = risk_json(x);
	assert_true(json_is_true(json_object_get(hazard(root, "H-T-01/DF-01"),
	    "reduced")));
	json_decref(root);
	/* ... and one failing there takes the reduction back. */
	device_evidence(x, "fail");
	root = risk_json(x);
	h = hazard(root, "H-T-01/DF-01");
	assert_false(json_is_true(json_object_get(h, "reduced")));
	assert_string_equal(json_string_value(json_object_get(h,
	    "not_reduced_because")), "a cited test did not pass");
	json_decref(root);
	ctx_free(x);
}

static void
test_risk_traceability_matrix_rows_carry_test_results(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *tr, *row;
	char *md;
	size_t i, found = 0;

	(void)state;
	put_file(x->dir, "t.md", threats_md);
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "death-or-serious-injury\n[risk]\nthreat_model = t.md\n", 0),
	    MEDSEC_OK);
	evidence(x, (const char *const[]){
	    "test_req_1_15_orders_tamper_refused", "fail", NULL });
	root = risk_json(x);
	tr = json_object_get(json_object_get(root, "content"), "traceability");
	json_array_foreach(tr, i, row) {
		const char *test = json_string_value(json_object_get(row,
		    "test"));

		if (strcmp(test, "test_req_1_15_orders_tamper_refused") == 0) {
			assert_string_equal(json_string_value(json_object_get(
			    row, "result")), "fail");
			assert_string_equal(json_string_value(json_object_get(
			    row, "requirement")), "1.15");
			assert_string_equal(json_string_value(json_object_get(
			    row, "threat")), "T-01");
			found++;
		}
		if (strcmp(test, "test_req_1_5_peer_*") == 0)
			assert_string_equal(json_string_value(json_object_get(
			    row, "result")), "not in evidence");
	}
	assert_int_equal(found, 2); /* T-01 on DF-01 and on DF-02 */
	json_decref(root);
	md = risk_md(x);
	assert_non_null(strstr(md, "## 8. Traceability matrix"));
	assert_non_null(strstr(md, "| T-02 | H-T-02/DF-01 | planned, not in "
	    "the device | \\- | \\- | no test: not verified |"));
	free(md);
	ctx_free(x);
}

static void
test_risk_ai_device_lists_data_manipulation_hazards(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root;

	(void)state;
	assert_int_equal(classify_text(x, "[device]\nname = CAD\nclass = 3\n"
	    "functions = analysis-diagnosis\nai = yes\nworst_harm = "
	    "temporary-injury\n", "", 0), MEDSEC_OK);
	evidence(x, (const char *const[]){ NULL });
	root = risk_json(x);
	assert_non_null(hazard(root, "H-AI-1"));
	assert_non_null(strstr(json_string_value(json_object_get(hazard(root,
	    "H-AI-2"), "hazard")), "data poisoning"));
	assert_false(json_is_true(json_object_get(hazard(root, "H-AI-3"),
	    "reduced")));
	json_decref(root);
	ctx_free(x);
}

static void
test_risk_document_describes_only_existing_controls(void **state)
{
	struct ctx *x = ctx_new();
	char *md;

	(void)state;
	if (medsec_profile_load(EXAMPLES "telehealth-gateway.ini", &x->prof,
	    &x->err) != MEDSEC_OK)
		fail_msg("%d: %s", x->err.line, x->err.message);
	assert_int_equal(medsec_classify_profile(x->cat, &x->prof, 0, &x->c,
	    &x->err), MEDSEC_OK);
	evidence(x, (const char *const[]){ NULL });
	md = risk_md(x);
	/* No store module and no incident command exist in the device. */
	assert_null(strstr(md, "store module"));
	assert_null(strstr(md, "medsec incident"));
	assert_null(strstr(md, "/incident endpoint"));
	/*
	 * The uplink exists (medsecd): its controls are stated as the
	 * device's, and no threat of the gateway is left as planned.
	 */
	assert_non_null(strstr(md, "forward-then-delete"));
	assert_null(strstr(md, "Planned, not in the device"));
	free(md);
	ctx_free(x);
}

static void
test_risk_document_carries_legacy_plan_admin_and_signoff(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *c;
	char *md;

	(void)state;
	if (medsec_profile_load(EXAMPLES "electronic-thermometer.ini",
	    &x->prof, &x->err) != MEDSEC_OK)
		fail_msg("%d: %s", x->err.line, x->err.message);
	assert_int_equal(medsec_classify_profile(x->cat, &x->prof, 0, &x->c,
	    &x->err), MEDSEC_OK);
	evidence(x, (const char *const[]){ NULL });
	md = risk_md(x);
	assert_non_null(strstr(md, "## 6. End of support: the legacy-device "
	    "plan"));
	assert_non_null(strstr(md, "**End of support:** 2031-12-31"));
	assert_non_null(strstr(md, "**Document number:** ST-2-RM-01"));
	assert_non_null(strstr(md, "**Product item (품목명):** 전자체온계"));
	assert_non_null(strstr(md, "| Reviewed by | not stated |"));
	assert_non_null(strstr(md, "| Approved by | Seo Jin | quality manager "
	    "|"));
	free(md);
	root = risk_json(x);
	c = json_object_get(root, "content");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    c, "legacy_plan"), "end_of_support")), "2031-12-31");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    c, "administration"), "document_number")), "ST-2-RM-01");
	json_decref(root);
	ctx_free(x);
}

static char *
render_doc(struct ctx *x, enum medsec_report_doc doc,
    enum medsec_report_format fmt)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(medsec_report_render(x->rep, doc, fmt, &out, &len),
	    MEDSEC_OK);
	return out;
}

/*
 * The end-of-service plan is not only in the risk document: the V&V
 * report carries it with the data-deletion tests of the run, and the
 * checklist carries it beside the items (MFDS 2025 rules, legacy devices).
 */
static void
test_req_2_3_report_vv_and_checklist_carry_eos_plan(void **state)
{
	struct ctx *x = ctx_new();
	json_t *root, *eos;
	char *md;

	(void)state;
	if (medsec_profile_load(EXAMPLES "electronic-thermometer.ini",
	    &x->prof, &x->err) != MEDSEC_OK)
		fail_msg("%d: %s", x->err.line, x->err.message);
	assert_int_equal(medsec_classify_profile(x->cat, &x->prof, 0, &x->c,
	    &x->err), MEDSEC_OK);
	evidence(x, (const char *const[]){ "test_decommission_shreds_record_"
	    "and_keys", "run", "test_decommission_certificate_verifies_off_"
	    "device", "fail", NULL });
	md = render_doc(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "### 7.3 End of service: the legacy-device "
	    "plan"));
	assert_non_null(strstr(md, "**End of support:** 2031-12-31"));
	assert_non_null(strstr(md, "**Deletion of personal data:** the "
	    "thermometer keeps no readings"));
	assert_non_null(strstr(md, "1 of 2 component tests passed in this "
	    "run"));
	assert_non_null(strstr(md, "the mechanism is verified; its use on the "
	    "device is not shown"));
	free(md);
	root = json_loads(md = render_doc(x, MEDSEC_REPORT_VV,
	    MEDSEC_REPORT_JSON), 0, NULL);
	free(md);
	eos = json_object_get(json_object_get(root, "content"),
	    "end_of_service");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    eos, "legacy_plan"), "end_of_support")), "2031-12-31");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    eos, "data_deletion_tests"), "passed")), 1);
	json_decref(root);

	md = render_doc(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "## End of support: the legacy-device "
	    "plan"));
	assert_non_null(strstr(md, "**Patch policy:** firmware fixes until end "
	    "of support"));
	assert_null(strstr(md, "The legacy-device plan is incomplete"));
	free(md);
	root = json_loads(md = render_doc(x, MEDSEC_REPORT_CHECKLIST,
	    MEDSEC_REPORT_JSON), 0, NULL);
	free(md);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(root, "content"), "legacy_plan"),
	    "data_deletion")), "the thermometer keeps no readings; the app's "
	    "delete-all erases them; doc LBL-ST-2 section 8");
	json_decref(root);

	assert_int_equal(medsec_report_set_lang(x->rep, MEDSEC_REPORT_LANG_KO), MEDSEC_OK);
	md = render_doc(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "7.3 서비스 종료: 레거시 의료기기 관리 "
	    "계획"));
	assert_non_null(strstr(md, "구성요소 시험 1/2건 통과"));
	free(md);
	md = render_doc(x, MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "지원 종료: 레거시 의료기기 관리 계획"));
	free(md);
	ctx_free(x);
}

/* Without the data-deletion tests in the run, the V&V report says so. */
static void
test_req_2_3_report_vv_eos_without_tests_is_gap(void **state)
{
	struct ctx *x = ctx_new();
	char *md;

	(void)state;
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n", 0), MEDSEC_OK);
	evidence(x, (const char *const[]){ NULL });
	md = render_doc(x, MEDSEC_REPORT_VV, MEDSEC_REPORT_MD);
	assert_non_null(strstr(md, "was not verified in this run"));
	assert_non_null(strstr(md, "The legacy-device plan is incomplete"));
	free(md);
	ctx_free(x);
}

static void
test_threat_model_errors_name_file_and_line(void **state)
{
	struct ctx *x = ctx_new();
	char bad[sizeof(threats_md)], *p;

	(void)state;
	memcpy(bad, threats_md, sizeof(bad));
	assert_non_null(p = strstr(bad, "| adjacent |"));
	memcpy(p + 2, "nearby  ", 8);
	put_file(x->dir, "t.md", bad);
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[risk]\nthreat_model = t.md\n", 0),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(x->err.file, "t.md"));
	assert_int_equal(x->err.line, 13);
	assert_non_null(strstr(x->err.message, "exposure 'nearby'"));
	assert_int_equal(classify_text(x, base_device, "[device]\nworst_harm = "
	    "temporary-injury\n[risk]\nthreat_model = missing.md\n", 0),
	    MEDSEC_ERR_NOT_FOUND);
	assert_string_equal(x->err.key, "risk.threat_model");
	ctx_free(x);
}

static void
test_classify_examples_of_three_levels_classify_cleanly(void **state)
{
	static const struct {
		const char *file;
		enum medsec_level level;
	} ex[] = {
		{ "telehealth-gateway.ini", MEDSEC_LEVEL_MODERATE },
		{ "infusion-pump.ini", MEDSEC_LEVEL_MAJOR },
		{ "electronic-thermometer.ini", MEDSEC_LEVEL_MINOR },
	};
	struct ctx *x = ctx_new();
	char path[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", EXAMPLES, ex[i].file);
		if (medsec_profile_load(path, &x->prof, &x->err) != MEDSEC_OK)
			fail_msg("%s: %d: %s", ex[i].file, x->err.line,
			    x->err.message);
		medsec_classification_free(x->c);
		x->c = NULL;
		if (medsec_classify_profile(x->cat, &x->prof, 0, &x->c,
		    &x->err) != MEDSEC_OK)
			fail_msg("%s: %s:%d: %s: %s", ex[i].file, x->err.file,
			    x->err.line, x->err.key, x->err.message);
		assert_int_equal(x->c->level, ex[i].level);
		assert_non_null(x->c->threats);
		if (x->c->n_warnings != 0)
			fail_msg("%s: %s", ex[i].file, x->c->warnings[0]);
	}
	ctx_free(x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_classify_excluded_required_item_without_basis_refused),
	cmocka_unit_test(test_classify_exclusion_basis_must_hold_for_the_device),
	cmocka_unit_test(test_classify_allowed_exclusions_carry_basis_and_reason),
	cmocka_unit_test(test_classify_recommended_item_decided_either_way),
	cmocka_unit_test(test_profile_applicability_errors_name_line),
	cmocka_unit_test(test_profile_submission_and_legacy_fields_parsed),
	cmocka_unit_test(test_classify_infusion_pump_declared_minor_refused),
	cmocka_unit_test(test_classify_patient_monitor_one_level_under_raised_and_warned),
	cmocka_unit_test(test_classify_missing_harm_or_functions_refused_unless_draft),
	cmocka_unit_test(test_classify_past_end_of_support_without_plan_warns),
	cmocka_unit_test(test_risk_hazard_per_threat_and_flow_with_matrix),
	cmocka_unit_test(test_risk_residual_only_with_every_cited_test_passing),
	cmocka_unit_test(test_risk_traceability_matrix_rows_carry_test_results),
	cmocka_unit_test(test_risk_ai_device_lists_data_manipulation_hazards),
	cmocka_unit_test(test_risk_document_describes_only_existing_controls),
	cmocka_unit_test(test_risk_document_carries_legacy_plan_admin_and_signoff),
	cmocka_unit_test(test_req_2_3_report_vv_and_checklist_carry_eos_plan),
	cmocka_unit_test(test_req_2_3_report_vv_eos_without_tests_is_gap),
	cmocka_unit_test(test_threat_model_errors_name_file_and_line),
	cmocka_unit_test(test_classify_examples_of_three_levels_classify_cleanly),
};

MEDSEC_TEST_MAIN(tests)
