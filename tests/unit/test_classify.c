/*
 * Device profiles and classification: every Table 1 and Table 2 rule,
 * each applicability column of Table 3 for all 24 items, the implantable
 * footnote, the contradiction warnings, the shipped examples, the JSON
 * shape, and every profile error naming its line and key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testmain.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/* Table 3 columns Major / Moderate / Minor, typed from the guideline. */
static const char *const table3_cols[] = {
	"RRr", "RRr", "RRr", "RRr", "RRr", "RRR", "RRr", "RRr", "RRr", "RRr",
	"RRr", "RRR", "RRR", "RRR", "RRr", "RRr", "RRr", "RRr", "RRr", "RRr",
	"RRr", "RRr", "RRR", "Rrr",
};

/* Loaded once per process; reachable until exit, so never a leak. */
static struct medsec_catalog *cat;

static void
load_catalog(void)
{
	if (cat == NULL)
		assert_int_equal(medsec_catalog_builtin(NULL, &cat, NULL),
		    MEDSEC_OK);
}

/* A profile from its varying parts; the rest is a plain in-scope device. */
static void
make(struct medsec_profile *p, int cls, const char *implantable,
    const char *functions, const char *harm, const char *comm)
{
	struct medsec_config_error err;
	char text[2048];
	int n;

	load_catalog();
	n = snprintf(text, sizeof(text), "[legacy]\nend_of_support = "
	    "2099-12-31\n[device]\nname = T\nclass = %d\ncategory = other\n"
	    "implantable = %s\n%s%s%s%s%s\n[communication]\n%s\n", cls,
	    implantable, functions ? "functions = " : "",
	    functions ? functions : "", functions ? "\n" : "",
	    harm ? "worst_harm = " : "", harm ? harm : "",
	    comm ? comm : "technologies = Wi-Fi\npurposes = health-records\n"
	    "public_network = yes");
	assert_true(n > 0 && (size_t)n < sizeof(text));
	if (medsec_profile_parse("t.ini", text, (size_t)n, p, &err) != 0)
		fail_msg("profile refused: %d: %s: %s", err.line, err.key,
		    err.message);
}

static struct medsec_classification *
classify(int cls, const char *implantable, const char *functions,
    const char *harm, const char *comm)
{
	struct medsec_profile p;
	struct medsec_classification *c = NULL;

	make(&p, cls, implantable, functions, harm, comm);
	assert_int_equal(medsec_classify(cat, &p, &c), MEDSEC_OK);
	assert_non_null(c);
	return c;
}

static int
has_line(char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(lines[i], s) != NULL)
			return 1;
	return 0;
}

#define WARNED(c, s) has_line((c)->warnings, (c)->n_warnings, (s))
#define CITED(c, s) has_line((c)->rationale, (c)->n_rationale, (s))

static void
expect(int cls, const char *fns, const char *harm, enum medsec_level want,
    const char *row)
{
	struct medsec_classification *c = classify(cls, "no", fns, harm,
	    NULL);

	assert_true(c->in_scope);
	if (c->level != want)
		fail_msg("class %d, %s, %s: level %s, want %s", cls, fns,
		    harm, medsec_level_name(c->level),
		    medsec_level_name(want));
	if (row != NULL && !CITED(c, row))
		fail_msg("class %d, %s: rationale does not cite '%s'", cls,
		    fns, row);
	medsec_classification_free(c);
}

static void
test_classify_out_of_scope_without_purposes(void **state)
{
	struct medsec_classification *c;
	char *json = NULL;

	(void)state;
	c = classify(4, "yes", "treatment", "death-or-serious-injury",
	    "technologies = none\npurposes = none\npublic_network = no");
	assert_false(c->in_scope);
	assert_int_equal(c->level, MEDSEC_LEVEL_NONE);
	assert_int_equal(c->n_decisions, 0);
	assert_true(CITED(c, "Out of scope"));
	assert_true(CITED(c, "I.2 Scope"));
	assert_int_equal(medsec_classification_to_json(c, &json), MEDSEC_OK);
	assert_non_null(strstr(json, "\"in_scope\":false,\"level\":null"));
	assert_non_null(strstr(json, "\"requirements\":[]"));
	free(json);
	medsec_classification_free(c);
}

static void
test_classify_each_purpose_alone_is_in_scope(void **state)
{
	static const char *const comm[] = {
		"technologies = BLE\npurposes = health-records",
		"technologies = BLE\npurposes = control",
		"technologies = BLE\npurposes = maintenance",
	};
	struct medsec_classification *c;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		c = classify(1, "no", "none", "temporary-discomfort", comm[i]);
		assert_true(c->in_scope);
		assert_int_equal(c->n_decisions, 24);
		medsec_classification_free(c);
	}
}

static void
test_classify_table1_harm_sets_level(void **state)
{
	(void)state;
	expect(1, "none", "death-or-serious-injury", MEDSEC_LEVEL_MAJOR,
	    "Table 1, row 'major'");
	expect(1, "none", "temporary-injury", MEDSEC_LEVEL_MODERATE,
	    "Table 1, row 'moderate'");
	expect(1, "none", "temporary-discomfort", MEDSEC_LEVEL_MINOR,
	    "Table 1, row 'minor'");
}

static void
test_classify_table2_class4_is_major(void **state)
{
	(void)state;
	expect(4, "none", "temporary-discomfort", MEDSEC_LEVEL_MAJOR,
	    "Table 2, Major row 'Class IV medical devices'");
	expect(4, "treatment", "temporary-injury", MEDSEC_LEVEL_MAJOR,
	    "Class IV");
}

static void
test_classify_table2_class2_and_3_major_functions(void **state)
{
	static const struct {
		const char *fn, *row;
	} rows[] = {
		{ "surgery", "medical devices for operation" },
		{ "radiation-therapy", "using radiation for treatment" },
		{ "life-support", "life-supporting" },
		{ "defibrillation", "defibrillators" },
		{ "vital-sign-alarm", "missed alarm" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		expect(2, rows[i].fn, "temporary-discomfort",
		    MEDSEC_LEVEL_MAJOR, rows[i].row);
		expect(3, rows[i].fn, "temporary-injury", MEDSEC_LEVEL_MAJOR,
		    rows[i].row);
	}
}

static void
test_classify_table2_class3_at_least_moderate(void **state)
{
	(void)state;
	expect(3, "measurement", "temporary-discomfort",
	    MEDSEC_LEVEL_MODERATE, "Moderate row 'Class III medical devices'");
	expect(3, "none", "temporary-discomfort", MEDSEC_LEVEL_MODERATE,
	    "Class III");
	expect(3, "measurement", "death-or-serious-injury",
	    MEDSEC_LEVEL_MAJOR, "Table 1, row 'major'");
}

static void
test_classify_table2_class2_moderate_functions(void **state)
{
	static const char *const fns[] = { "treatment",
		"vital-sign-transmission", "analysis-diagnosis" };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		expect(2, fns[i], "temporary-discomfort",
		    MEDSEC_LEVEL_MODERATE,
		    "Moderate row 'Class II medical devices'");
}

static void
test_classify_table2_class2_measurement_alone_is_minor(void **state)
{
	(void)state;
	expect(2, "measurement", "temporary-discomfort", MEDSEC_LEVEL_MINOR,
	    "Minor row 'Class II medical devices'");
	expect(2, "measurement", "temporary-injury", MEDSEC_LEVEL_MODERATE,
	    "Table 1, row 'moderate'");
}

static void
test_classify_table2_class1_has_no_floor(void **state)
{
	struct medsec_classification *c;

	(void)state;
	expect(1, "analysis-diagnosis", "temporary-discomfort",
	    MEDSEC_LEVEL_MINOR, "Minor row 'Class I medical devices'");
	c = classify(1, "no", "life-support", "temporary-discomfort", NULL);
	assert_int_equal(c->level, MEDSEC_LEVEL_MINOR);
	assert_true(WARNED(c, "class I with a function"));
	medsec_classification_free(c);
}

static void
test_classify_harm_above_floor_sets_level(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(2, "no", "vital-sign-transmission",
	    "death-or-serious-injury", NULL);
	assert_int_equal(c->level, MEDSEC_LEVEL_MAJOR);
	assert_int_equal(c->harm_level, MEDSEC_LEVEL_MAJOR);
	assert_int_equal(c->floor, MEDSEC_LEVEL_MODERATE);
	assert_int_equal(c->n_warnings, 0);
	medsec_classification_free(c);
}

static void
test_classify_without_harm_uses_floor_and_warns(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(3, "no", "measurement", NULL, NULL);
	assert_int_equal(c->level, MEDSEC_LEVEL_MODERATE);
	assert_true(WARNED(c, "worst_harm is not stated"));
	assert_true(CITED(c, "from Table 2 only"));
	medsec_classification_free(c);
	c = classify(1, "no", "none", NULL, NULL);
	assert_int_equal(c->level, MEDSEC_LEVEL_MINOR);
	medsec_classification_free(c);
}

static void
test_classify_warns_harm_below_floor(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(4, "no", "treatment", "temporary-discomfort", NULL);
	assert_int_equal(c->level, MEDSEC_LEVEL_MAJOR);
	assert_true(WARNED(c, "worst_harm temporary-discomfort implies "
	    "level minor"));
	medsec_classification_free(c);
}

static void
test_classify_warns_implantable_below_class4(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(3, "yes", "treatment", "temporary-injury", NULL);
	assert_true(WARNED(c, "implantable = yes but class 3"));
	medsec_classification_free(c);
	c = classify(4, "yes", "treatment", "death-or-serious-injury", NULL);
	assert_false(WARNED(c, "implantable = yes"));
	medsec_classification_free(c);
}

static void
test_classify_warns_class1_with_serious_harm(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(1, "no", "none", "temporary-injury", NULL);
	assert_true(WARNED(c, "class I device with worst_harm"));
	medsec_classification_free(c);
}

static void
test_classify_warns_functions_none_with_control(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(2, "no", "none", "temporary-discomfort",
	    "technologies = Wi-Fi\npurposes = control\npublic_network = no");
	assert_true(WARNED(c, "functions = none but purposes include "
	    "control"));
	medsec_classification_free(c);
	c = classify(2, "no", NULL, "temporary-discomfort", NULL);
	assert_true(WARNED(c, "functions are not stated"));
	medsec_classification_free(c);
}

static void
test_classify_warns_cellular_without_public_network(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(2, "no", "measurement", "temporary-discomfort",
	    "technologies = BLE, LTE-M\npurposes = health-records\n"
	    "public_network = no");
	assert_true(WARNED(c, "technology 'LTE-M'"));
	medsec_classification_free(c);
	/* "5GHz" is Wi-Fi, not a 5G carrier network. */
	c = classify(2, "no", "measurement", "temporary-discomfort",
	    "technologies = Wi-Fi 5GHz\npurposes = health-records\n"
	    "public_network = no");
	assert_int_equal(c->n_warnings, 0);
	medsec_classification_free(c);
}

static void
test_classify_warns_missing_technology_and_network(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(2, "no", "measurement", "temporary-discomfort",
	    "purposes = maintenance");
	assert_true(WARNED(c, "no communication technology"));
	assert_true(WARNED(c, "public_network is not stated"));
	medsec_classification_free(c);
	c = classify(2, "no", "measurement", "temporary-discomfort",
	    "technologies = BLE\npurposes = none");
	assert_false(c->in_scope);
	assert_true(WARNED(c, "technologies are listed but no purpose"));
	medsec_classification_free(c);
}

static void
test_classify_ddos_item_notes_public_network(void **state)
{
	struct medsec_classification *c;
	const struct medsec_decision *d;

	(void)state;
	c = classify(4, "no", "treatment", "death-or-serious-injury",
	    "technologies = BLE\npurposes = control\npublic_network = no");
	d = medsec_classification_find(c, "2.4");
	assert_int_equal(d->applicability, MEDSEC_APPLIC_REQUIRED);
	assert_non_null(strstr(d->reason, "public_network = no"));
	assert_true(WARNED(c, "requirement 2.4 (DDoS) is required at level "
	    "major, but public_network = no"));
	medsec_classification_free(c);
	c = classify(2, "no", "measurement", "temporary-injury",
	    "technologies = LTE\npurposes = health-records\n"
	    "public_network = yes");
	d = medsec_classification_find(c, "2.4");
	assert_int_equal(d->applicability, MEDSEC_APPLIC_RECOMMENDED);
	assert_null(strstr(d->reason, "public_network ="));
	assert_non_null(strstr(d->reason, "public network"));
	assert_false(WARNED(c, "2.4"));
	medsec_classification_free(c);
}

static void
test_classify_conditional_items_note_missing_purpose(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(2, "no", "measurement", "temporary-injury",
	    "technologies = BLE\npurposes = health-records\n"
	    "public_network = no");
	assert_non_null(strstr(medsec_classification_find(c, "1.15")->reason,
	    "no 'control' purpose"));
	assert_non_null(strstr(medsec_classification_find(c, "1.13")->reason,
	    "no 'maintenance' purpose"));
	assert_null(strstr(medsec_classification_find(c, "1.16")->reason,
	    "purpose"));
	assert_int_equal(medsec_classification_find(c, "1.15")->applicability,
	    MEDSEC_APPLIC_REQUIRED);
	medsec_classification_free(c);
}

static void
check_column(enum medsec_level level, int col, int cls, const char *harm)
{
	struct medsec_classification *c;
	enum medsec_applicability want;
	size_t i;

	c = classify(cls, "no", "none", harm, NULL);
	assert_int_equal(c->level, level);
	assert_int_equal(c->n_decisions, 24);
	for (i = 0; i < 24; i++) {
		want = table3_cols[i][col] == 'R' ? MEDSEC_APPLIC_REQUIRED :
		    MEDSEC_APPLIC_RECOMMENDED;
		if (c->decisions[i].applicability != want)
			fail_msg("item %s at %s: %s", c->decisions[i].req->id,
			    medsec_level_name(level),
			    medsec_applicability_name(
			    c->decisions[i].applicability));
		assert_int_equal(c->decisions[i].req->no, (int)i + 1);
		assert_non_null(strstr(c->decisions[i].reason, "Table 3, no."));
	}
	medsec_classification_free(c);
}

static void
test_classify_table3_major_column_all_items(void **state)
{
	(void)state;
	check_column(MEDSEC_LEVEL_MAJOR, 0, 4, "death-or-serious-injury");
}

static void
test_classify_table3_moderate_column_all_items(void **state)
{
	(void)state;
	check_column(MEDSEC_LEVEL_MODERATE, 1, 1, "temporary-injury");
}

static void
test_classify_table3_minor_column_all_items(void **state)
{
	(void)state;
	check_column(MEDSEC_LEVEL_MINOR, 2, 1, "temporary-discomfort");
}

static void
test_classify_implantable_may_exclude_18_and_21(void **state)
{
	struct medsec_classification *c;
	const struct medsec_decision *d;
	size_t i;

	(void)state;
	c = classify(4, "yes", "treatment", "death-or-serious-injury", NULL);
	for (i = 0; i < c->n_decisions; i++) {
		d = &c->decisions[i];
		if (d->req->no == 18 || d->req->no == 21) {
			assert_int_equal(d->applicability,
			    MEDSEC_APPLIC_MAY_EXCLUDE);
			assert_non_null(strstr(d->reason, "Table 3 footnote"));
		} else
			assert_int_equal(d->applicability,
			    MEDSEC_APPLIC_REQUIRED);
	}
	medsec_classification_free(c);
	c = classify(4, "no", "treatment", "death-or-serious-injury", NULL);
	assert_int_equal(medsec_classification_find(c, "1.18")->applicability,
	    MEDSEC_APPLIC_REQUIRED);
	assert_int_equal(medsec_classification_find(c, "2.1")->applicability,
	    MEDSEC_APPLIC_REQUIRED);
	medsec_classification_free(c);
}

static void
test_classify_declarations_reach_reasons_and_unknown_ids_warn(void **state)
{
	struct medsec_classification *c;

	(void)state;
	c = classify(2, "no", "measurement", "temporary-injury",
	    "technologies = BLE\npurposes = health-records\n"
	    "public_network = no\n[implementation]\n"
	    "1.18 = sealed enclosure; doc HW-1\n3.7 = something");
	assert_non_null(strstr(medsec_classification_find(c, "1.18")->reason,
	    "Declared: sealed enclosure; doc HW-1"));
	assert_true(WARNED(c, "t.ini:16: [implementation] 3.7 names no "
	    "requirement"));
	medsec_classification_free(c);
}

static void
test_classify_json_has_the_documented_shape(void **state)
{
	struct medsec_classification *c;
	json_t *root, *req;
	json_error_t je;
	const char *key;
	json_t *v;
	char *json = NULL;
	size_t n = 0;
	int no = 0;

	(void)state;
	c = classify(2, "no", "vital-sign-transmission", "temporary-injury",
	    NULL);
	assert_int_equal(medsec_classification_to_json(c, &json), MEDSEC_OK);
	assert_non_null(strstr(json, "{\"in_scope\":true,\"level\":"
	    "\"moderate\",\"rationale\":[\""));
	assert_ptr_equal(strstr(json, "{\"in_scope\""), json);
	root = json_loads(json, 0, &je);
	assert_non_null(root);
	json_object_foreach(root, key, v)
		n++;
	assert_int_equal(n, 5);
	assert_int_equal(json_array_size(json_object_get(root,
	    "requirements")), 24);
	req = json_array_get(json_object_get(root, "requirements"), 0);
	assert_int_equal(json_unpack_ex(req, &je, JSON_STRICT,
	    "{s:s, s:i, s:s, s:s, s:s, s:s, s:n}", "id", &key, "no", &no,
	    "title", &key, "applicability", &key, "reason", &key, "table3",
	    &key, "decision"), 0);
	assert_int_equal(no, 1);
	assert_string_equal(key, "required");
	assert_string_equal(json_string_value(json_object_get(req, "reason")),
	    medsec_classification_find(c, "1.1")->reason);
	json_decref(root);
	free(json);
	medsec_classification_free(c);
}

static void
classify_file(const char *name, enum medsec_level want, int in_scope)
{
	struct medsec_profile p;
	struct medsec_classification *c = NULL;
	struct medsec_config_error err;
	char path[512];

	snprintf(path, sizeof(path), "%s/examples/%s", MEDSEC_SOURCE_DIR,
	    name);
	if (medsec_profile_load(path, &p, &err) != MEDSEC_OK)
		fail_msg("%s:%d: %s: %s", name, err.line, err.key,
		    err.message);
	load_catalog();
	assert_int_equal(medsec_classify(cat, &p, &c), MEDSEC_OK);
	assert_int_equal(c->in_scope, in_scope);
	if (c->level != want)
		fail_msg("%s: level %s", name, medsec_level_name(c->level));
	medsec_classification_free(c);
}

static void
test_classify_example_insulin_pump_is_major(void **state)
{
	(void)state;
	classify_file("implantable-insulin-pump.ini", MEDSEC_LEVEL_MAJOR, 1);
}

static void
test_classify_example_home_ventilator_is_major(void **state)
{
	(void)state;
	classify_file("home-ventilator.ini", MEDSEC_LEVEL_MAJOR, 1);
}

static void
test_classify_example_hospital_patient_monitor_is_major(void **state)
{
	(void)state;
	classify_file("hospital-patient-monitor.ini", MEDSEC_LEVEL_MAJOR, 1);
}

static void
test_classify_example_glucose_meter_is_moderate(void **state)
{
	(void)state;
	classify_file("glucose-meter-app.ini", MEDSEC_LEVEL_MODERATE, 1);
}

static void
test_classify_example_thermometer_is_minor(void **state)
{
	(void)state;
	classify_file("electronic-thermometer.ini", MEDSEC_LEVEL_MINOR, 1);
}

static void
test_classify_example_telehealth_gateway_is_moderate(void **state)
{
	(void)state;
	classify_file("telehealth-gateway.ini", MEDSEC_LEVEL_MODERATE, 1);
}

static void
test_classify_example_no_communication_is_out_of_scope(void **state)
{
	(void)state;
	classify_file("no-communication.ini", MEDSEC_LEVEL_NONE, 0);
}

static void
test_classify_example_contradictory_profile_warns(void **state)
{
	struct medsec_profile p;
	struct medsec_classification *c = NULL;

	(void)state;
	assert_int_equal(medsec_profile_load(MEDSEC_SOURCE_DIR
	    "/examples/contradictory-implant.ini", &p, NULL), MEDSEC_OK);
	load_catalog();
	assert_int_equal(medsec_classify(cat, &p, &c), MEDSEC_OK);
	assert_true(WARNED(c, "implantable = yes but class 1"));
	assert_true(WARNED(c, "functions = none but purposes include "
	    "control"));
	assert_true(WARNED(c, "public_network = no, but technology 'LTE'"));
	medsec_classification_free(c);
}

static void
test_profile_parses_every_field(void **state)
{
	static const char text[] =
	    "\xEF\xBB\xBF; reference\n"
	    "[device]\n"
	    "name = CareLink Home Gateway\n"
	    "model = CLG-200\n"
	    "manufacturer = Example Medical Co.\n"
	    "class = 2                      ; MFDS class 1-4\n"
	    "implantable = no\n"
	    "functions = vital-sign-transmission, measurement\n"
	    "worst_harm = temporary-injury  ; Table 1\n"
	    "[communication]\n"
	    "technologies = Bluetooth Low Energy, LTE, Wi-Fi\n"
	    "purposes = health-records, maintenance   ; scope\n"
	    "public_network = yes\n"
	    "[implementation]\n"
	    "1.18 = sealed enclosure, no external debug port; doc HW-SEC-004\n";
	struct medsec_profile p;

	(void)state;
	assert_int_equal(medsec_profile_parse("g.ini", text, strlen(text), &p,
	    NULL), MEDSEC_OK);
	assert_string_equal(p.source, "g.ini");
	assert_string_equal(p.name, "CareLink Home Gateway");
	assert_string_equal(p.model, "CLG-200");
	assert_string_equal(p.manufacturer, "Example Medical Co.");
	assert_int_equal(p.device_class, 2);
	assert_int_equal(p.implantable, 0);
	assert_int_equal(p.functions, MEDSEC_FN_VITAL_SIGN_TRANSMISSION |
	    MEDSEC_FN_MEASUREMENT);
	assert_int_equal(p.worst_harm, MEDSEC_HARM_TEMPORARY_INJURY);
	assert_int_equal(p.n_technologies, 3);
	assert_string_equal(p.technologies[0], "Bluetooth Low Energy");
	assert_string_equal(p.technologies[2], "Wi-Fi");
	assert_int_equal(p.purposes, MEDSEC_PURPOSE_HEALTH_RECORDS |
	    MEDSEC_PURPOSE_MAINTENANCE);
	assert_int_equal(p.public_network, 1);
	assert_int_equal(p.n_decls, 1);
	assert_int_equal(p.decls[0].line, 15);
	/* ';' inside a value is kept unless whitespace precedes it. */
	assert_string_equal(medsec_profile_declaration(&p, "1.18"),
	    "sealed enclosure, no external debug port; doc HW-SEC-004");
	assert_null(medsec_profile_declaration(&p, "2.1"));
	assert_string_equal(medsec_function_name(MEDSEC_FN_VITAL_SIGN_ALARM),
	    "vital-sign-alarm");
	assert_string_equal(medsec_purpose_name(MEDSEC_PURPOSE_CONTROL),
	    "control");
	assert_string_equal(medsec_purpose_label(MEDSEC_PURPOSE_CONTROL),
	    "Device control");
	assert_string_equal(medsec_harm_name(MEDSEC_HARM_TEMPORARY_INJURY),
	    "temporary-injury");
}

/* The profile is refused, naming line and key, and *p is untouched. */
static void
refused(const char *text, int line, const char *key, const char *msg)
{
	struct medsec_profile p, before;
	struct medsec_config_error err;
	int r;

	memset(&p, 0x5a, sizeof(p));
	before = p;
	r = medsec_profile_parse("bad.ini", text, strlen(text), &p, &err);
	assert_int_equal(r, MEDSEC_ERR_CONFIG);
	assert_memory_equal(&p, &before, sizeof(p));
	assert_string_equal(err.file, "bad.ini");
	if (err.line != line || strcmp(err.key, key) != 0 ||
	    strstr(err.message, msg) == NULL)
		fail_msg("got %d: '%s': '%s'; want %d: '%s': '%s'", err.line,
		    err.key, err.message, line, key, msg);
}

static void
test_profile_error_unknown_key_names_line(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\ncolour = red\n", 3, "device.colour",
	    "unknown key");
	refused("[communication]\nprotocol = x\n", 2,
	    "communication.protocol", "unknown key");
}

static void
test_profile_error_unknown_section_names_line(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\n\n[network]\n", 4, "network",
	    "unknown section");
}

static void
test_profile_error_unknown_function_names_line(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\nfunctions = measurement, dialysis\n", 3,
	    "device.functions", "unknown function");
	refused("[device]\nclass = 2\nfunctions = none, measurement\n", 3,
	    "device.functions", "'none' cannot be combined");
	refused("[device]\nclass = 2\nfunctions = measurement,\n", 3,
	    "device.functions", "empty item in list");
	refused("[device]\nclass = 2\nfunctions = treatment, treatment\n", 3,
	    "device.functions", "twice");
}

static void
test_profile_error_unknown_purpose_names_line(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\n[communication]\npurposes = telemetry\n",
	    4, "communication.purposes", "unknown purpose");
}

static void
test_profile_error_missing_class_names_device_section(void **state)
{
	(void)state;
	refused("; x\n\n[device]\nname = A\n", 3, "device.class",
	    "missing key");
	refused("[communication]\npurposes = control\n", 1, "device.class",
	    "no [device] section");
}

static void
test_profile_error_bad_class_names_line(void **state)
{
	(void)state;
	refused("[device]\nname = A\nclass = 5\n", 3, "device.class",
	    "1, 2, 3 or 4");
	refused("[device]\nclass = II\n", 2, "device.class", "1, 2, 3 or 4");
	refused("[device]\nclass =\n", 2, "device.class", "empty value");
}

static void
test_profile_error_bad_values_name_line(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\nimplantable = maybe\n", 3,
	    "device.implantable", "yes or no");
	refused("[device]\nclass = 2\nworst_harm = death\n", 3,
	    "device.worst_harm", "expected death-or-serious-injury");
	refused("[device]\nclass = 2\n[communication]\npublic_network = 1\n",
	    4, "communication.public_network", "yes or no");
	refused("[device]\nclass = 2\nname = a\x01z\n", 3, "device.name",
	    "control characters");
	refused("[device]\nclass = 2\nname = \xff\xfe\n", 3, "",
	    "not UTF-8 (CP949/EUC-KR?) at line 3 byte 8");
}

/* Every refusal quotes what was written, beside file:line:key. */
static void
test_profile_error_names_the_offending_value(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\nfunctions = measurement, telepathy\n",
	    3, "device.functions", "unknown function 'telepathy'; expected "
	    "surgery,");
	refused("[device]\nclass = 2\nworst_harm = death\n", 3,
	    "device.worst_harm", "unknown harm level 'death'; expected "
	    "death-or-serious-injury");
	refused("[device]\nclass = 7\n", 2, "device.class",
	    "MFDS class '7'");
	refused("[device]\nclass = 2\nimplantable = maybe\n", 3,
	    "device.implantable", "value 'maybe'; expected yes or no");
	refused("[device]\nclass = 2\n[communication]\npurposes = billing\n",
	    4, "communication.purposes", "unknown purpose 'billing'");
	refused("[device]\nclass = 2\nfunctions = surgery, surgery\n", 3,
	    "device.functions", "function 'surgery'; listed twice");
	refused("[device]\nclass = 2\nname = a\x01z\n", 3, "device.name",
	    "value 'a?z'; control characters");
	/* Terminal escapes in a value never reach the message raw. */
	refused("[device]\nclass = 2\nworst_harm = \x1b[31mred\n", 3,
	    "device.worst_harm", "unknown harm level '?[31mred'");
	/* A long value is shortened. */
	refused("[device]\nclass = 2\nfunctions = "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    3, "device.functions", "unknown function 'aaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa...'");
}

/* "Ethernet (DICOM, HL7)" is one technology: its comma is inside (). */
static void
test_profile_list_item_keeps_comma_inside_parentheses(void **state)
{
	static const char text[] = "[device]\nclass = 2\n[communication]\n"
	    "technologies = Ethernet (DICOM, HL7), Wi-Fi (802.11ac), "
	    "BLE (GATT (v5.0), LE)\n";
	struct medsec_profile p;

	(void)state;
	assert_int_equal(medsec_profile_parse("g.ini", text, strlen(text), &p,
	    NULL), MEDSEC_OK);
	assert_int_equal(p.n_technologies, 3);
	assert_string_equal(p.technologies[0], "Ethernet (DICOM, HL7)");
	assert_string_equal(p.technologies[1], "Wi-Fi (802.11ac)");
	assert_string_equal(p.technologies[2], "BLE (GATT (v5.0), LE)");
	refused("[device]\nclass = 2\n[communication]\n"
	    "technologies = Ethernet (DICOM, HL7\n", 4,
	    "communication.technologies", "list 'Ethernet (DICOM, HL7'; "
	    "unbalanced parentheses");
	refused("[device]\nclass = 2\n[communication]\n"
	    "technologies = LTE), Wi-Fi\n", 4, "communication.technologies",
	    "unbalanced parentheses");
	refused("[device]\nclass = 2\n[communication]\n"
	    "technologies = LTE,, Wi-Fi\n", 4, "communication.technologies",
	    "empty item in list 'LTE,, Wi-Fi'");
	refused("[device]\nclass = 2\n[communication]\n"
	    "technologies = LTE,\n", 4, "communication.technologies",
	    "empty item in list 'LTE,'");
}

static void
test_profile_error_duplicate_key_names_both_lines(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\n[device]\nclass = 3\n", 4,
	    "device.class", "first set on line 2");
	refused("[device]\nclass = 2\n[implementation]\n1.1 = a\n1.1 = b\n",
	    5, "implementation.1.1", "first set on line 4");
}

static void
test_profile_error_bad_declaration_names_line(void **state)
{
	(void)state;
	refused("[device]\nclass = 2\n[implementation]\nports = sealed\n", 4,
	    "implementation.ports", "requirement id");
	refused("[device]\nclass = 2\n[implementation]\n1.18 =\n", 4,
	    "implementation.1.18", "empty value");
}

static void
test_profile_error_syntax_names_line(void **state)
{
	char longline[700];

	(void)state;
	refused("class = 2\n[device]\n", 1, "class",
	    "key outside any section");
	refused("[device]\nclass 2\n", 2, "", "expected 'key = value'");
	refused("[device\nclass = 2\n", 1, "", "closing ']'");
	refused("[device]\n = 2\n", 2, "", "invalid key name");
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "[device]\nname = ", 16);
	longline[sizeof(longline) - 1] = '\0';
	refused(longline, 2, "", "line too long");
}

static void
test_profile_error_nul_byte_names_line(void **state)
{
	static const char text[] = "[device]\nclass = 2\nname = a\0b\n";
	struct medsec_profile p;
	struct medsec_config_error err;

	(void)state;
	assert_int_equal(medsec_profile_parse("bad.ini", text,
	    sizeof(text) - 1, &p, &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 3);
}

static void
test_profile_error_format_names_file_line_key(void **state)
{
	struct medsec_profile p;
	struct medsec_config_error err;
	char buf[512];

	(void)state;
	assert_int_equal(medsec_profile_load(MEDSEC_SOURCE_DIR
	    "/fuzz/corpus/profile/unknown-function.ini", &p, &err),
	    MEDSEC_ERR_CONFIG);
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_non_null(strstr(buf, "unknown-function.ini:7: "
	    "device.functions: unknown function"));
	assert_int_equal(medsec_profile_load("/nonexistent/p.ini", &p, &err),
	    MEDSEC_ERR_NOT_FOUND);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_classify_out_of_scope_without_purposes),
	cmocka_unit_test(test_classify_each_purpose_alone_is_in_scope),
	cmocka_unit_test(test_classify_table1_harm_sets_level),
	cmocka_unit_test(test_classify_table2_class4_is_major),
	cmocka_unit_test(test_classify_table2_class2_and_3_major_functions),
	cmocka_unit_test(test_classify_table2_class3_at_least_moderate),
	cmocka_unit_test(test_classify_table2_class2_moderate_functions),
	cmocka_unit_test(test_classify_table2_class2_measurement_alone_is_minor),
	cmocka_unit_test(test_classify_table2_class1_has_no_floor),
	cmocka_unit_test(test_classify_harm_above_floor_sets_level),
	cmocka_unit_test(test_classify_without_harm_uses_floor_and_warns),
	cmocka_unit_test(test_classify_warns_harm_below_floor),
	cmocka_unit_test(test_classify_warns_implantable_below_class4),
	cmocka_unit_test(test_classify_warns_class1_with_serious_harm),
	cmocka_unit_test(test_classify_warns_functions_none_with_control),
	cmocka_unit_test(test_classify_warns_cellular_without_public_network),
	cmocka_unit_test(test_classify_warns_missing_technology_and_network),
	cmocka_unit_test(test_classify_ddos_item_notes_public_network),
	cmocka_unit_test(test_classify_conditional_items_note_missing_purpose),
	cmocka_unit_test(test_classify_table3_major_column_all_items),
	cmocka_unit_test(test_classify_table3_moderate_column_all_items),
	cmocka_unit_test(test_classify_table3_minor_column_all_items),
	cmocka_unit_test(test_classify_implantable_may_exclude_18_and_21),
	cmocka_unit_test(test_classify_declarations_reach_reasons_and_unknown_ids_warn),
	cmocka_unit_test(test_classify_json_has_the_documented_shape),
	cmocka_unit_test(test_classify_example_insulin_pump_is_major),
	cmocka_unit_test(test_classify_example_home_ventilator_is_major),
	cmocka_unit_test(test_classify_example_hospital_patient_monitor_is_major),
	cmocka_unit_test(test_classify_example_glucose_meter_is_moderate),
	cmocka_unit_test(test_classify_example_thermometer_is_minor),
	cmocka_unit_test(test_classify_example_telehealth_gateway_is_moderate),
	cmocka_unit_test(test_classify_example_no_communication_is_out_of_scope),
	cmocka_unit_test(test_classify_example_contradictory_profile_warns),
	cmocka_unit_test(test_profile_parses_every_field),
	cmocka_unit_test(test_profile_error_unknown_key_names_line),
	cmocka_unit_test(test_profile_error_unknown_section_names_line),
	cmocka_unit_test(test_profile_error_unknown_function_names_line),
	cmocka_unit_test(test_profile_error_unknown_purpose_names_line),
	cmocka_unit_test(test_profile_error_missing_class_names_device_section),
	cmocka_unit_test(test_profile_error_bad_class_names_line),
	cmocka_unit_test(test_profile_error_bad_values_name_line),
	cmocka_unit_test(test_profile_error_duplicate_key_names_both_lines),
	cmocka_unit_test(test_profile_error_bad_declaration_names_line),
	cmocka_unit_test(test_profile_error_syntax_names_line),
	cmocka_unit_test(test_profile_error_names_the_offending_value),
	cmocka_unit_test(test_profile_list_item_keeps_comma_inside_parentheses),
	cmocka_unit_test(test_profile_error_nul_byte_names_line),
	cmocka_unit_test(test_profile_error_format_names_file_line_key),
};

MEDSEC_TEST_MAIN(tests)
