/*
 * Triage decisions, kept as a CycloneDX 1.6 VEX (the source of truth: it
 * is what `medsec vuln triage` writes and what a scan reads back), and
 * derived as a CSAF 2.0 csaf_vex document for regulators, hospitals and
 * users. The vocabulary crosswalk is FORMATS.md 1.7's (lossy in one
 * direction only: CSAF is never read back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ini.h"
#include "medsec-tools/vuln.h"
#include "medsec/crypto.h"

struct medsec_vex {
	size_t n, cap;
	struct medsec_vex_decision *d;
};

static const char *const states[] = { "resolved", "resolved_with_pedigree",
	"exploitable", "in_triage", "false_positive", "not_affected", NULL };
static const char *const justifications[] = { "code_not_present",
	"code_not_reachable", "requires_configuration", "requires_dependency",
	"requires_environment", "protected_by_compiler", "protected_at_runtime",
	"protected_at_perimeter", "protected_by_mitigating_control", NULL };
static const char *const responses[] = { "can_not_fix", "will_not_fix",
	"update", "rollback", "workaround_available", NULL };

/* CycloneDX justification -> CSAF flag label (FORMATS.md 1.7). */
static const char *const csaf_flags[] = { "vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"component_not_present",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist", "inline_mitigations_already_exist",
	"inline_mitigations_already_exist", "inline_mitigations_already_exist" };

static int
index_of(const char *const *list, const char *v)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return i;
	return -1;
}

static int
refuse(struct medsec_config_error *err, const char *field, const char *v,
    const char *why)
{
	char shown[96];

	medsec_ini_excerpt(shown, sizeof(shown), v, strlen(v));
	medsec_ini_err(err, 0, NULL, field, "'%s' %s", shown, why);
	return MEDSEC_ERR_INVALID;
}

static int
valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' &&
		    id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    strchr("._:-", id[i]) != NULL))
			return 0;
	return 1;
}

static int
check(const struct medsec_vex_decision *d, struct medsec_config_error *err)
{
	if (!valid_id(d->id))
		return refuse(err, "id", d->id, "is not a vulnerability id "
		    "(letters, digits, '.', '_', ':', '-')");
	if (index_of(states, d->state) < 0)
		return refuse(err, "state", d->state, "is not a CycloneDX "
		    "analysis state (resolved, resolved_with_pedigree, "
		    "exploitable, in_triage, false_positive, not_affected)");
	if (d->justification[0] != '\0' &&
	    index_of(justifications, d->justification) < 0)
		return refuse(err, "justification", d->justification, "is not "
		    "a CycloneDX justification (code_not_present, "
		    "code_not_reachable, requires_configuration, ...)");
	if (strcmp(d->state, "not_affected") == 0 &&
	    d->justification[0] == '\0')
		return refuse(err, "justification", "", "is required with "
		    "not_affected (why is the component not affected?)");
	if (d->response[0] != '\0' && index_of(responses, d->response) < 0)
		return refuse(err, "response", d->response, "is not a "
		    "CycloneDX response (can_not_fix, will_not_fix, update, "
		    "rollback, workaround_available)");
	if (d->detail[0] == '\0')
		return refuse(err, "note", "", "is required: the reason for "
		    "the decision");
	return MEDSEC_OK;
}

int
medsec_vex_new(struct medsec_vex **vp)
{
	if (vp == NULL)
		return MEDSEC_ERR_INVALID;
	*vp = calloc(1, sizeof(**vp));
	return *vp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
}

void
medsec_vex_free(struct medsec_vex *v)
{
	if (v == NULL)
		return;
	free(v->d);
	free(v);
}

int
medsec_vex_set(struct medsec_vex *v, const struct medsec_vex_decision *d,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	int rc;

	if (err == NULL)
		err = &scratch;
	if (v == NULL || d == NULL)
		return MEDSEC_ERR_INVALID;
	if ((rc = check(d, err)) != MEDSEC_OK)
		return rc;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->d[i].id, d->id) == 0 &&
		    strcmp(v->d[i].ref, d->ref) == 0) {
			v->d[i] = *d;
			return MEDSEC_OK;
		}
	if (v->n >= MEDSEC_VEX_DECISIONS_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	if (v->n == v->cap) {
		size_t cap = v->cap != 0 ? v->cap * 2 : 16;
		struct medsec_vex_decision *n = realloc(v->d, cap * sizeof(*n));

		if (n == NULL)
			return MEDSEC_ERR_NOMEM;
		v->d = n;
		v->cap = cap;
	}
	v->d[v->n++] = *d;
	return MEDSEC_OK;
}

size_t
medsec_vex_count(const struct medsec_vex *v)
{
	return v != NULL ? v->n : 0;
}

const struct medsec_vex_decision *
medsec_vex_get(const struct medsec_vex *v, size_t i)
{
	return v != NULL && i < v->n ? &v->d[i] : NULL;
}

static int
in_list(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (len == n && strncmp(p, id, n) == 0)
			return 1;
		p = comma != NULL ? comma + 1 + strspn(comma + 1, " ") : NULL;
	}
	return 0;
}

const struct medsec_vex_decision *
medsec_vex_find(const struct medsec_vex *v, const char *id,
    const char *aliases, const char *ref)
{
	const struct medsec_vex_decision *any = NULL;

	for (size_t i = 0; v != NULL && i < v->n; i++) {
		const struct medsec_vex_decision *d = &v->d[i];

		if (strcmp(d->id, id) != 0 && !in_list(aliases, d->id))
			continue;
		if (ref != NULL && strcmp(d->ref, ref) == 0)
			return d;
		if (d->ref[0] == '\0' && any == NULL)
			any = d;
	}
	return any;
}

/* ---- CycloneDX VEX, both ways ---- */

static void
copy_field(char *dst, size_t len, json_t *v)
{
	const char *s = json_string_value(v);

	medsec_ini_copy(dst, len, s != NULL ? s : "", s != NULL ? strlen(s) :
	    0);
}

static int
load_one(struct medsec_vex *into, json_t *vuln, size_t at,
    struct medsec_config_error *err)
{
	json_t *analysis = json_object_get(vuln, "analysis");
	json_t *affects = json_object_get(vuln, "affects"), *a;
	struct medsec_vex_decision d;
	size_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	copy_field(d.id, sizeof(d.id), json_object_get(vuln, "id"));
	copy_field(d.state, sizeof(d.state), json_object_get(analysis,
	    "state"));
	copy_field(d.justification, sizeof(d.justification),
	    json_object_get(analysis, "justification"));
	copy_field(d.response, sizeof(d.response), json_array_get(
	    json_object_get(analysis, "response"), 0));
	copy_field(d.detail, sizeof(d.detail), json_object_get(analysis,
	    "detail"));
	copy_field(d.updated, sizeof(d.updated), json_object_get(analysis,
	    "lastUpdated"));
	copy_field(d.recommendation, sizeof(d.recommendation),
	    json_object_get(vuln, "recommendation"));
	if (json_array_size(affects) == 0)
		return medsec_vex_set(into, &d, err);
	json_array_foreach(affects, i, a) {
		const char *ref = json_string_value(json_object_get(a, "ref"));
		const char *hash = ref != NULL ? strchr(ref, '#') : NULL;

		if (ref == NULL) {
			medsec_ini_err(err, 0, NULL, "vulnerabilities.affects",
			    "vulnerability %zu: an affects entry without ref",
			    at);
			return MEDSEC_ERR_FORMAT;
		}
		snprintf(d.ref, sizeof(d.ref), "%s", hash != NULL &&
		    strncmp(ref, "urn:cdx:", 8) == 0 ? hash + 1 : ref);
		if ((rc = medsec_vex_set(into, &d, err)) != MEDSEC_OK)
			return rc;
	}
	return MEDSEC_OK;
}

int
medsec_vex_load(struct medsec_vex *v, const char *text, size_t len,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct medsec_vex staged = { 0, 0, NULL };
	json_error_t jerr;
	json_t *doc, *vulns, *vuln;
	size_t i;
	int rc = MEDSEC_OK;

	if (err == NULL)
		err = &scratch;
	if (v == NULL || text == NULL)
		return MEDSEC_ERR_INVALID;
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		medsec_ini_err(err, jerr.line, NULL, NULL, "not JSON: %s",
		    jerr.text);
		return MEDSEC_ERR_FORMAT;
	}
	vulns = json_object_get(doc, "vulnerabilities");
	if (json_string_value(json_object_get(doc, "bomFormat")) == NULL ||
	    strcmp(json_string_value(json_object_get(doc, "bomFormat")),
	    "CycloneDX") != 0 || (vulns != NULL && !json_is_array(vulns))) {
		medsec_ini_err(err, 0, NULL, "bomFormat", "not a CycloneDX VEX "
		    "(bomFormat \"CycloneDX\" with a vulnerabilities list)");
		json_decref(doc);
		return MEDSEC_ERR_FORMAT;
	}
	/* Staged first: a refused entry leaves v as it was. */
	for (i = 0; i < v->n && rc == MEDSEC_OK; i++)
		rc = medsec_vex_set(&staged, &v->d[i], err);
	json_array_foreach(vulns, i, vuln) {
		if (rc != MEDSEC_OK)
			break;
		rc = load_one(&staged, vuln, i, err);
	}
	json_decref(doc);
	if (rc != MEDSEC_OK) {
		free(staged.d);
		return rc;
	}
	free(v->d);
	*v = staged;
	return MEDSEC_OK;
}

static json_t *
cdx_vulnerability(const struct medsec_vex_decision *d)
{
	json_t *a = json_pack("{s:s, s:s}", "state", d->state, "detail",
	    d->detail), *v;

	if (a == NULL)
		return NULL;
	if (d->justification[0] != '\0')
		json_object_set_new(a, "justification",
		    json_string(d->justification));
	if (d->response[0] != '\0')
		json_object_set_new(a, "response", json_pack("[s]",
		    d->response));
	if (d->updated[0] != '\0')
		json_object_set_new(a, "lastUpdated", json_string(d->updated));
	v = json_pack("{s:s, s:o}", "id", d->id, "analysis", a);
	if (v != NULL && d->ref[0] != '\0')
		json_object_set_new(v, "affects", json_pack("[{s:s}]", "ref",
		    d->ref));
	if (v != NULL && d->recommendation[0] != '\0')
		json_object_set_new(v, "recommendation",
		    json_string(d->recommendation));
	return v;
}

static int
uuid4(char out[37])
{
	uint8_t b[16];
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (medsec_random(b, sizeof(b)) != MEDSEC_OK)
		return MEDSEC_ERR_CRYPTO;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
	return MEDSEC_OK;
}

static int
dump(json_t *doc, char **jsonp)
{
	if (doc == NULL)
		return MEDSEC_ERR_NOMEM;
	*jsonp = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	return *jsonp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
}

int
medsec_vex_cyclonedx(const struct medsec_vex *v, const char *when,
    char **jsonp)
{
	char uuid[37], serial[48];
	json_t *vulns;

	if (v == NULL || when == NULL || jsonp == NULL)
		return MEDSEC_ERR_INVALID;
	*jsonp = NULL;
	if (uuid4(uuid) != MEDSEC_OK)
		return MEDSEC_ERR_CRYPTO;
	snprintf(serial, sizeof(serial), "urn:uuid:%s", uuid);
	if ((vulns = json_array()) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(vulns, cdx_vulnerability(&v->d[i]));
	return dump(json_pack("{s:s, s:s, s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, "
	    "s:s, s:s}]}}, s:o}", "$schema",
	    "http://cyclonedx.org/schema/bom-1.6.schema.json", "bomFormat",
	    "CycloneDX", "specVersion", "1.6", "serialNumber", serial,
	    "version", 1, "metadata", "timestamp", when, "tools", "components",
	    "type", "application", "name", "medsec", "version",
	    MEDSEC_VERSION, "vulnerabilities", vulns), jsonp);
}

/* ---- CSAF 2.0 csaf_vex ---- */

static void
product_id(const char *ref, char *out, size_t len)
{
	snprintf(out, len, "CSAFPID-%s", ref[0] != '\0' ? ref : "device");
	for (char *p = out; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			*p = '-';
}

static const char *
csaf_status(const char *state)
{
	if (strcmp(state, "in_triage") == 0)
		return "under_investigation";
	if (strcmp(state, "exploitable") == 0)
		return "known_affected";
	if (strncmp(state, "resolved", 8) == 0)
		return "fixed";
	return "known_not_affected";
}

static int
is_cve(const char *id)
{
	size_t n = strlen(id), digits = 0;

	if (n < 13 || strncmp(id, "CVE-", 4) != 0 || id[8] != '-')
		return 0;
	for (size_t i = 4; i < n; i++)
		if (i != 8 && (id[i] < '0' || id[i] > '9'))
			return 0;
	for (size_t i = 9; i < n; i++)
		digits++;
	return digits >= 4;
}

static void
add_to(json_t *obj, const char *key, json_t *item)
{
	json_t *arr = json_object_get(obj, key);

	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(obj, key, arr);
	}
	json_array_append_new(arr, item);
}

/* What the product's status needs beside it (CSAF 6.1.27.9, 6.1.27.10). */
static void
statements(json_t *vuln, const struct medsec_vex_decision *d,
    const char *pid)
{
	int j = index_of(justifications, d->justification);

	if (strcmp(csaf_status(d->state), "known_not_affected") == 0) {
		if (j >= 0)
			add_to(vuln, "flags", json_pack("{s:s, s:[s]}", "label",
			    csaf_flags[j], "product_ids", pid));
		add_to(vuln, "threats", json_pack("{s:s, s:s, s:[s]}",
		    "category", "impact", "details", d->detail, "product_ids",
		    pid));
	} else if (strcmp(d->state, "exploitable") == 0) {
		add_to(vuln, "remediations", json_pack("{s:s, s:s, s:[s]}",
		    "category", d->recommendation[0] != '\0' ? "vendor_fix" :
		    "none_available", "details", d->recommendation[0] != '\0' ?
		    d->recommendation : "No fix is available yet.",
		    "product_ids", pid));
	}
}

static json_t *
csaf_vulnerability(const struct medsec_vex *v, size_t first, json_t *products)
{
	const char *id = v->d[first].id;
	json_t *vuln = json_object(), *status = json_object();
	char pid[300], note[1200];

	if (is_cve(id))
		json_object_set_new(vuln, "cve", json_string(id));
	else
		json_object_set_new(vuln, "ids", json_pack("[{s:s, s:s}]",
		    "system_name", "OSV", "text", id));
	snprintf(note, sizeof(note), "Triage: %s", v->d[first].detail);
	json_object_set_new(vuln, "notes", json_pack("[{s:s, s:s, s:s}]",
	    "category", "description", "title", "Manufacturer's analysis",
	    "text", note));
	for (size_t i = first; i < v->n; i++) {
		const struct medsec_vex_decision *d = &v->d[i];

		if (strcmp(d->id, id) != 0)
			continue;
		product_id(d->ref, pid, sizeof(pid));
		if (json_object_get(products, pid) == NULL)
			json_object_set_new(products, pid, json_string(
			    d->ref[0] != '\0' ? d->ref : "the device"));
		add_to(status, csaf_status(d->state), json_string(pid));
		statements(vuln, d, pid);
	}
	json_object_set_new(vuln, "product_status", status);
	return vuln;
}

static json_t *
csaf_document(const struct medsec_csaf_info *info)
{
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:{s:s, "
	    "s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}], s:{s:{s:s, s:s}}}, "
	    "s:{s:{s:s}}}", "category", "csaf_vex", "csaf_version", "2.0",
	    "lang", "en", "publisher", "category", "vendor", "name",
	    info->publisher, "namespace", info->namespace_url, "title",
	    info->title, "tracking", "id", info->tracking_id, "status", "final",
	    "version", "1", "initial_release_date", info->when,
	    "current_release_date", info->when, "revision_history", "date",
	    info->when, "number", "1", "summary", "Initial version.",
	    "generator", "engine", "name", "medsec", "version", MEDSEC_VERSION,
	    "distribution", "tlp", "label", "WHITE");
}

int
medsec_vex_csaf(const struct medsec_vex *v,
    const struct medsec_csaf_info *info, char **jsonp)
{
	json_t *vulns, *products, *names, *value;
	const char *key;

	if (v == NULL || info == NULL || jsonp == NULL || v->n == 0 ||
	    info->publisher == NULL || info->namespace_url == NULL ||
	    info->tracking_id == NULL || info->title == NULL ||
	    info->when == NULL)
		return MEDSEC_ERR_INVALID;
	*jsonp = NULL;
	vulns = json_array();
	products = json_object();
	names = json_array();
	for (size_t i = 0; i < v->n; i++) {
		int seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(v->d[j].id, v->d[i].id) == 0;
		if (!seen)
			json_array_append_new(vulns, csaf_vulnerability(v, i,
			    products));
	}
	json_object_foreach(products, key, value)
		json_array_append_new(names, json_pack("{s:O, s:s}", "name",
		    value, "product_id", key));
	json_decref(products);
	return dump(json_pack("{s:o, s:{s:o}, s:o}", "document",
	    csaf_document(info), "product_tree", "full_product_names", names,
	    "vulnerabilities", vulns), jsonp);
}
