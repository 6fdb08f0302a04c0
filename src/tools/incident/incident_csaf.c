/*
 * The CSAF 2.0 csaf_security_advisory for the release that fixes an
 * incident (FORMATS.md 4.1): the product tree names the manufacturer,
 * the product and each version, the one vulnerability is the incident,
 * the affected versions are known_affected with a vendor_fix and the
 * fixed version is fixed. Keys are emitted sorted and with a self
 * reference, so the optional tests (6.2.11, 6.2.13) do not warn.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident_int.h"

#define VERSIONS_MAX 32

struct versions {
	char v[VERSIONS_MAX][64];
	size_t n;
};

static int
version_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '~' ||
	    c == '_' || c == '-';
}

/* One version, not a range: a CSAF product_version name (6.1.31). */
static int
one_version(const char *s, size_t len)
{
	if (len == 0 || len >= 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!version_char(s[i]))
			return 0;
	return 1;
}

static int
split_versions(const char *list, struct versions *vs,
    struct medsec_config_error *err)
{
	const char *p = list;

	vs->n = 0;
	while (*p != '\0') {
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (!one_version(p, len) || vs->n == VERSIONS_MAX) {
			notice_fail(err, "versions", "'%.*s' is not one version "
			    "([A-Za-z0-9.+~_-], at most %d of them, "
			    "comma-separated): a CSAF advisory lists each",
			    (int)len, p, VERSIONS_MAX);
			return MEDSEC_ERR_INVALID;
		}
		snprintf(vs->v[vs->n++], sizeof(vs->v[0]), "%.*s", (int)len, p);
		p += len;
		while (*p == ' ')
			p++;
	}
	return vs->n > 0 ? MEDSEC_OK : MEDSEC_ERR_INVALID;
}

static void
product_id(const char *version, char *out, size_t len)
{
	snprintf(out, len, "CSAFPID-%s", version);
	for (char *p = out; *p != '\0'; p++)
		if (*p == '+' || *p == '~' || *p == '_')
			*p = '-';
}

static json_t *
version_branch(const struct medsec_incident_notice_info *info,
    const char *version)
{
	char pid[80], name[512];

	product_id(version, pid, sizeof(pid));
	snprintf(name, sizeof(name), "%s %s", info->product, version);
	return json_pack("{s:s, s:s, s:{s:s, s:s}}", "category",
	    "product_version", "name", version, "product", "name", name,
	    "product_id", pid);
}

static json_t *
product_tree(const struct medsec_incident_notice_info *info,
    const struct versions *affected, json_t *known_affected, json_t *fixed)
{
	json_t *branches = json_array();
	char pid[80];

	for (size_t i = 0; i < affected->n; i++) {
		json_array_append_new(branches, version_branch(info,
		    affected->v[i]));
		product_id(affected->v[i], pid, sizeof(pid));
		json_array_append_new(known_affected, json_string(pid));
	}
	json_array_append_new(branches, version_branch(info,
	    info->fixed_version));
	product_id(info->fixed_version, pid, sizeof(pid));
	json_array_append_new(fixed, json_string(pid));
	return json_pack("{s:[{s:s, s:s, s:[{s:s, s:s, s:o}]}]}", "branches",
	    "category", "vendor", "name", info->manufacturer, "branches",
	    "category", "product_name", "name", info->product, "branches",
	    branches);
}

static json_t *
vulnerability(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, json_t *affected,
    json_t *fixed)
{
	char remedy[600], title[512];
	json_t *notes;

	snprintf(remedy, sizeof(remedy), "Update to %s %s.", info->product,
	    info->fixed_version);
	snprintf(title, sizeof(title), "Security incident %s", inc->id);
	notes = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "category",
	    "description", "title", "What happened", "text", inc->summary,
	    "category", "details", "title", "Containment", "text",
	    inc->containment);
	if (inc->root_cause[0] != '\0')
		json_array_append_new(notes, json_pack("{s:s, s:s, s:s}",
		    "category", "details", "title", "Root cause", "text",
		    inc->root_cause));
	if (inc->prevention[0] != '\0')
		json_array_append_new(notes, json_pack("{s:s, s:s, s:s}",
		    "category", "details", "title", "Recurrence prevention",
		    "text", inc->prevention));
	return json_pack("{s:s, s:[{s:s, s:s}], s:o, s:{s:O, s:O}, "
	    "s:[{s:s, s:s, s:O}], s:[{s:s, s:s, s:O}], s:s}",
	    "discovery_date", inc->detected, "ids", "system_name",
	    info->manufacturer, "text", inc->id, "notes", notes,
	    "product_status", "fixed", fixed, "known_affected", affected,
	    "remediations", "category", "vendor_fix", "details", remedy,
	    "product_ids", affected, "threats", "category", "impact",
	    "details", inc->impact, "product_ids", affected, "title", title);
}

static json_t *
document(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, const char *tracking_id,
    const char *self_url)
{
	const struct medsec_config *c = info->config;
	char title[512], contact[512];
	char summary[MEDSEC_INCIDENT_TEXT_MAX + MEDSEC_INCIDENT_LIST_MAX + 160];

	snprintf(title, sizeof(title), "%s: security incident %s, fixed in %s",
	    info->product, inc->id, info->fixed_version);
	snprintf(contact, sizeof(contact), "%s, %s, %s", c->incident_contact,
	    c->incident_phone, c->incident_email);
	snprintf(summary, sizeof(summary), "%s Versions %s are affected; "
	    "version %s fixes it.", inc->summary, inc->versions,
	    info->fixed_version);
	return json_pack("{s:s, s:s, s:{s:{s:s}}, s:s, s:[{s:s, s:s, s:s}], "
	    "s:{s:s, s:s, s:s, s:s}, s:[{s:s, s:s, s:s}], s:s, s:{s:s, s:s, "
	    "s:s, s:[{s:s, s:s, s:s}], s:s, s:s, s:{s:{s:s, s:s}}}}",
	    "category", "csaf_security_advisory", "csaf_version", "2.0",
	    "distribution", "tlp", "label", "WHITE", "lang", "en", "notes",
	    "category", "summary", "title", "Summary", "text", summary,
	    "publisher", "category", "vendor", "contact_details", contact,
	    "name", info->manufacturer, "namespace", info->namespace_url,
	    "references", "category", "self", "summary", "Canonical URL",
	    "url", self_url, "title", title, "tracking",
	    "current_release_date", info->when, "id", tracking_id,
	    "initial_release_date", info->when, "revision_history", "date",
	    info->when, "number", "1", "summary", "Initial version.", "status",
	    "final", "version", "1", "generator", "engine", "name", "medsec",
	    "version", MEDSEC_VERSION);
}

int
medsec_incident_csaf_filename(const char *tracking_id, char *out,
    size_t outlen)
{
	size_t n = 0;
	int run = 0;

	if (tracking_id == NULL || tracking_id[0] == '\0' || outlen < 6)
		return MEDSEC_ERR_INVALID;
	for (const char *p = tracking_id; *p != '\0'; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		int keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '-';

		if (!keep && run)
			continue;
		run = !keep;
		if (n + 6 > outlen)
			return MEDSEC_ERR_TOO_LARGE;
		out[n++] = keep ? c : '_';
	}
	memcpy(out + n, ".json", 6);
	return MEDSEC_OK;
}

static int
check_csaf_input(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, struct versions *vs,
    struct medsec_config_error *err)
{
	int r;

	if (info->fixed_version == NULL || info->fixed_version[0] == '\0') {
		notice_fail(err, "fixed-version", "the security advisory is "
		    "for the release that fixes the incident: name it");
		return MEDSEC_ERR_INVALID;
	}
	if (!one_version(info->fixed_version, strlen(info->fixed_version))) {
		notice_fail(err, "fixed-version", "'%s' is not one version "
		    "([A-Za-z0-9.+~_-])", info->fixed_version);
		return MEDSEC_ERR_INVALID;
	}
	if ((r = split_versions(inc->versions, vs, err)) != MEDSEC_OK) {
		if (err != NULL && err->key[0] == '\0')
			notice_fail(err, "versions", "incident %s names no "
			    "affected version", inc->id);
		return r;
	}
	for (size_t i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i], info->fixed_version) == 0) {
			notice_fail(err, "fixed-version", "'%s' is among the "
			    "affected versions (%s)", info->fixed_version,
			    inc->versions);
			return MEDSEC_ERR_INVALID;
		}
	return MEDSEC_OK;
}

int
medsec_incident_csaf(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, const char *tracking_id,
    char **jsonp, struct medsec_config_error *err)
{
	struct versions *vs;
	json_t *affected, *fixed, *doc;
	char file[128], url[1024];
	int r;

	if (inc == NULL || info == NULL || info->config == NULL ||
	    info->manufacturer == NULL || info->namespace_url == NULL ||
	    info->product == NULL || info->when == NULL || jsonp == NULL)
		return MEDSEC_ERR_INVALID;
	*jsonp = NULL;
	if (medsec_incident_csaf_filename(tracking_id, file, sizeof(file)) !=
	    MEDSEC_OK) {
		notice_fail(err, "tracking-id", "'%s' cannot name an advisory "
		    "file", tracking_id != NULL ? tracking_id : "");
		return MEDSEC_ERR_INVALID;
	}
	if (strncmp(info->namespace_url, "https://", 8) != 0) {
		notice_fail(err, "publisher-url", "'%s' is not an https URL",
		    info->namespace_url);
		return MEDSEC_ERR_INVALID;
	}
	if ((vs = malloc(sizeof(*vs))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = check_csaf_input(inc, info, vs, err)) != MEDSEC_OK)
		goto out;
	snprintf(url, sizeof(url), "%s/csaf/%s", info->namespace_url, file);
	affected = json_array();
	fixed = json_array();
	doc = json_pack("{s:o, s:o, s:[o]}", "document", document(inc, info,
	    tracking_id, url), "product_tree", product_tree(info, vs,
	    affected, fixed), "vulnerabilities", vulnerability(inc, info,
	    affected, fixed));
	json_decref(affected);
	json_decref(fixed);
	r = MEDSEC_ERR_NOMEM;
	if (doc != NULL) {
		*jsonp = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(doc);
		r = *jsonp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
	}
out:
	free(vs);
	return r;
}
