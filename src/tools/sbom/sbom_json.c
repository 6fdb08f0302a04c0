/*
 * The SBOM as CycloneDX 1.6 JSON and as SPDX 2.3 JSON (the field rules
 * are in docs/sbom.md). Both come from the same components, so they list
 * the same things; keys are written sorted so output is stable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "medsec-tools/sbom.h"
#include "medsec/crypto.h"
#include "sbom/sbom_int.h"

static void
iso_time(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* A random (version 4) UUID in lower-case hex. */
static int
uuid4(char out[37])
{
	uint8_t b[16];
	char hex[33];

	if (medsec_random(b, sizeof(b)) != MEDSEC_OK)
		return MEDSEC_ERR_CRYPTO;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	medsec_hex(b, sizeof(b), hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
	    hex + 16, hex + 20);
	return MEDSEC_OK;
}

static int
set_str(json_t *o, const char *key, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(v));
}

static const char *
cdx_type(const struct sbom_component *c)
{
	switch (c->kind) {
	case SBOM_APPLICATION:
		return "application";
	case SBOM_DATA:
		return "data";
	case SBOM_DECLARED:
		return c->type;
	default:
		return "library";
	}
}

static void
bom_ref(const struct sbom_component *c, size_t i, char *out, size_t outlen)
{
	snprintf(out, outlen, "component-%zu-%s", i, c->name);
	for (char *p = out; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			*p = '-';
}

/* An SPDX identifier for a licence name: known ones map, others become
 * LicenseRef-<name> with the characters SPDX allows. */
static void
spdx_license(const char *name, char *out, size_t outlen)
{
	const char *id = sbom_spdx_id(name);

	if (id[0] != '\0') {
		snprintf(out, outlen, "%s", id);
		return;
	}
	snprintf(out, outlen, "%s%s", strncmp(name, "LicenseRef-", 11) == 0 ?
	    "" : "LicenseRef-", name);
	for (char *p = out; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			*p = '-';
}

static int
known_spdx(const char *name)
{
	char id[96];

	spdx_license(name, id, sizeof(id));
	return strncmp(id, "LicenseRef-", 11) != 0;
}

static json_t *
cdx_licenses(const struct sbom_component *c)
{
	json_t *arr = json_array();
	char id[96];

	for (size_t i = 0; arr != NULL && i < c->nlicenses; i++) {
		spdx_license(c->licenses[i], id, sizeof(id));
		json_array_append_new(arr, known_spdx(c->licenses[i]) ?
		    json_pack("{s:{s:s}}", "license", "id", id) :
		    json_pack("{s:{s:s}}", "license", "name", c->licenses[i]));
	}
	return arr;
}

static void
add_property(json_t *props, const char *name, const char *value)
{
	if (value[0] != '\0')
		json_array_append_new(props, json_pack("{s:s, s:s}", "name",
		    name, "value", value));
}

static json_t *
cdx_properties(const struct sbom_component *c)
{
	json_t *p = json_array();

	if (p == NULL)
		return NULL;
	add_property(p, "medsec:support:level", c->support);
	add_property(p, "medsec:support:eos-date", c->end_of_support);
	add_property(p, "medsec:deb:source", c->source);
	add_property(p, "medsec:deb:source-version", c->source_version);
	add_property(p, "medsec:file", c->path);
	add_property(p, "medsec:soname", c->soname);
	for (size_t i = 0; i < c->nfiles; i++)
		add_property(p, "medsec:file:sha256-path", c->files[i]);
	if (c->kind == SBOM_OTHER_LIBRARY)
		add_property(p, "medsec:unpackaged", "true");
	return p;
}

static json_t *
cdx_component(const struct sbom_component *c, size_t i)
{
	char ref[SBOM_TEXT_MAX + 32];
	json_t *o = json_object(), *props;

	if (o == NULL)
		return NULL;
	bom_ref(c, i, ref, sizeof(ref));
	set_str(o, "bom-ref", ref);
	set_str(o, "type", cdx_type(c));
	set_str(o, "name", c->name);
	set_str(o, "version", c->version);
	set_str(o, "purl", c->purl);
	set_str(o, "description", c->description);
	if (c->supplier[0] != '\0')
		json_object_set_new(o, "supplier", json_pack("{s:s}", "name",
		    c->supplier));
	if (c->sha256[0] != '\0')
		json_object_set_new(o, "hashes", json_pack("[{s:s, s:s}]",
		    "alg", "SHA-256", "content", c->sha256));
	if (c->nlicenses > 0)
		json_object_set_new(o, "licenses", cdx_licenses(c));
	props = cdx_properties(c);
	if (props != NULL && json_array_size(props) > 0)
		json_object_set_new(o, "properties", props);
	else
		json_decref(props);
	return o;
}

static json_t *
cdx_dependencies(const struct medsec_sbom *s)
{
	json_t *deps = json_array(), *top = json_array();
	char ref[SBOM_TEXT_MAX + 32];

	for (size_t i = 0; i < s->ntop; i++) {
		bom_ref(&s->c[s->top[i]], s->top[i], ref, sizeof(ref));
		json_array_append_new(top, json_string(ref));
	}
	json_array_append_new(deps, json_pack("{s:s, s:o}", "ref", "device",
	    "dependsOn", top));
	for (size_t i = 0; i < s->ncomponents; i++) {
		json_t *on = json_array();

		for (size_t j = 0; j < s->c[i].ndeps; j++) {
			size_t d = s->c[i].deps[j];

			bom_ref(&s->c[d], d, ref, sizeof(ref));
			json_array_append_new(on, json_string(ref));
		}
		bom_ref(&s->c[i], i, ref, sizeof(ref));
		json_array_append_new(deps, json_pack("{s:s, s:o}", "ref", ref,
		    "dependsOn", on));
	}
	return deps;
}

static json_t *
cdx_metadata(const struct medsec_sbom *s)
{
	char when[32];
	json_t *device;

	iso_time(s->timestamp, when);
	device = json_pack("{s:s, s:s, s:s, s:s}", "type", "device", "bom-ref",
	    "device", "name", s->device_name, "version", s->device_version);
	if (device != NULL && s->manufacturer[0] != '\0')
		json_object_set_new(device, "manufacturer", json_pack("{s:s}",
		    "name", s->manufacturer));
	return json_pack("{s:s, s:{s:[{s:s, s:s, s:s}]}, s:o}", "timestamp",
	    when, "tools", "components", "type", "application", "name",
	    "medsec", "version", MEDSEC_VERSION, "component", device);
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
medsec_sbom_cyclonedx(const struct medsec_sbom *s, char **jsonp)
{
	char uuid[37], serial[64];
	json_t *doc, *comps;

	if (s == NULL || jsonp == NULL)
		return MEDSEC_ERR_INVALID;
	*jsonp = NULL;
	if (uuid4(uuid) != MEDSEC_OK)
		return MEDSEC_ERR_CRYPTO;
	snprintf(serial, sizeof(serial), "urn:uuid:%s", uuid);
	if ((comps = json_array()) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (size_t i = 0; i < s->ncomponents; i++)
		json_array_append_new(comps, cdx_component(&s->c[i], i));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o}", "$schema",
	    "http://cyclonedx.org/schema/bom-1.6.schema.json", "bomFormat",
	    "CycloneDX", "specVersion", "1.6", "serialNumber", serial,
	    "version", 1, "metadata", cdx_metadata(s), "components", comps,
	    "dependencies", cdx_dependencies(s));
	return dump(doc, jsonp);
}

/* ---- SPDX 2.3 ---- */

static void
spdx_id(const struct sbom_component *c, size_t i, char *out, size_t outlen)
{
	char ref[SBOM_TEXT_MAX + 32];

	bom_ref(c, i, ref, sizeof(ref));
	snprintf(out, outlen, "SPDXRef-%s", ref);
}

static const char *
spdx_purpose(const struct sbom_component *c)
{
	static const struct {
		const char *cdx, *spdx;
	} map[] = { { "firmware", "FIRMWARE" }, { "application",
		"APPLICATION" }, { "framework", "FRAMEWORK" },
		{ "operating-system", "OPERATING_SYSTEM" }, { "data", "FILE" },
		{ "device-driver", "LIBRARY" }, { "library", "LIBRARY" } };
	const char *t = cdx_type(c);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(t, map[i].cdx) == 0)
			return map[i].spdx;
	return "OTHER";
}

/* "A AND B" of the component's licences, or NOASSERTION; every
 * LicenseRef used is added to refs (extracted licensing info). */
static void
spdx_declared(const struct sbom_component *c, json_t *refs, char *out,
    size_t outlen)
{
	char id[96];

	out[0] = '\0';
	for (size_t i = 0; i < c->nlicenses; i++) {
		spdx_license(c->licenses[i], id, sizeof(id));
		if (strncmp(id, "LicenseRef-", 11) == 0 &&
		    json_object_get(refs, id) == NULL)
			json_object_set_new(refs, id, json_string(
			    c->licenses[i]));
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
		    i > 0 ? " AND " : "", id);
	}
	if (out[0] == '\0')
		snprintf(out, outlen, "NOASSERTION");
}

static json_t *
spdx_package(const struct sbom_component *c, size_t i, json_t *refs)
{
	char id[SBOM_TEXT_MAX + 40], lic[2048], supplier[SBOM_TEXT_MAX + 16];
	json_t *p;

	spdx_id(c, i, id, sizeof(id));
	spdx_declared(c, refs, lic, sizeof(lic));
	snprintf(supplier, sizeof(supplier), c->supplier[0] != '\0' ?
	    "Organization: %s" : "NOASSERTION", c->supplier);
	p = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s}", "SPDXID",
	    id, "name", c->name, "downloadLocation", "NOASSERTION",
	    "filesAnalyzed", 0, "licenseConcluded", "NOASSERTION",
	    "licenseDeclared", lic, "copyrightText", "NOASSERTION",
	    "supplier", supplier, "primaryPackagePurpose", spdx_purpose(c));
	if (p == NULL)
		return NULL;
	set_str(p, "versionInfo", c->version);
	set_str(p, "description", c->description);
	if (c->sha256[0] != '\0')
		json_object_set_new(p, "checksums", json_pack("[{s:s, s:s}]",
		    "algorithm", "SHA256", "checksumValue", c->sha256));
	if (c->purl[0] != '\0')
		json_object_set_new(p, "externalRefs", json_pack("[{s:s, s:s, "
		    "s:s}]", "referenceCategory", "PACKAGE-MANAGER",
		    "referenceType", "purl", "referenceLocator", c->purl));
	if (c->end_of_support[0] != '\0') {
		char until[32], note[128];

		snprintf(until, sizeof(until), "%sT00:00:00Z",
		    c->end_of_support);
		snprintf(note, sizeof(note), "support level: %s; end of "
		    "support: %s", c->support, c->end_of_support);
		set_str(p, "validUntilDate", until);
		set_str(p, "comment", note);
	}
	return p;
}

static json_t *
relation(const char *a, const char *type, const char *b)
{
	return json_pack("{s:s, s:s, s:s}", "spdxElementId", a,
	    "relationshipType", type, "relatedSpdxElement", b);
}

static json_t *
spdx_relationships(const struct medsec_sbom *s)
{
	char a[SBOM_TEXT_MAX + 40], b[SBOM_TEXT_MAX + 40];
	json_t *rel = json_array();

	json_array_append_new(rel, relation("SPDXRef-DOCUMENT", "DESCRIBES",
	    "SPDXRef-device"));
	for (size_t i = 0; i < s->ntop; i++) {
		spdx_id(&s->c[s->top[i]], s->top[i], b, sizeof(b));
		json_array_append_new(rel, relation("SPDXRef-device",
		    "CONTAINS", b));
	}
	for (size_t i = 0; i < s->ncomponents; i++) {
		spdx_id(&s->c[i], i, a, sizeof(a));
		for (size_t j = 0; j < s->c[i].ndeps; j++) {
			spdx_id(&s->c[s->c[i].deps[j]], s->c[i].deps[j], b,
			    sizeof(b));
			json_array_append_new(rel, relation(a, "DYNAMIC_LINK",
			    b));
		}
	}
	return rel;
}

static json_t *
spdx_extracted(json_t *refs)
{
	json_t *arr = json_array(), *v;
	const char *k;
	char text[256];

	json_object_foreach(refs, k, v) {
		snprintf(text, sizeof(text), "Licence named '%s' in the "
		    "package's copyright file or the manufacturer's "
		    "declaration; no SPDX identifier exists for it.",
		    json_string_value(v));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}",
		    "licenseId", k, "name", json_string_value(v),
		    "extractedText", text));
	}
	return arr;
}

static json_t *
spdx_device(const struct medsec_sbom *s)
{
	char supplier[SBOM_TEXT_MAX + 16];

	snprintf(supplier, sizeof(supplier), s->manufacturer[0] != '\0' ?
	    "Organization: %s" : "NOASSERTION", s->manufacturer);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "SPDXID",
	    "SPDXRef-device", "name", s->device_name, "versionInfo",
	    s->device_version, "downloadLocation", "NOASSERTION",
	    "filesAnalyzed", 0, "supplier", supplier,
	    "primaryPackagePurpose", "DEVICE");
}

int
medsec_sbom_spdx(const struct medsec_sbom *s, char **jsonp)
{
	char uuid[37], ns[128], when[32], name[2 * SBOM_TEXT_MAX + 2];
	char tool[64], org[SBOM_TEXT_MAX + 16];
	json_t *doc, *pkgs, *refs;

	if (s == NULL || jsonp == NULL)
		return MEDSEC_ERR_INVALID;
	*jsonp = NULL;
	if (uuid4(uuid) != MEDSEC_OK)
		return MEDSEC_ERR_CRYPTO;
	snprintf(ns, sizeof(ns), "urn:uuid:%s", uuid);
	snprintf(name, sizeof(name), "%s-%s", s->device_name,
	    s->device_version);
	snprintf(tool, sizeof(tool), "Tool: medsec-%s", MEDSEC_VERSION);
	snprintf(org, sizeof(org), "Organization: %s", s->manufacturer);
	iso_time(s->timestamp, when);
	pkgs = json_array();
	refs = json_object();
	json_array_append_new(pkgs, spdx_device(s));
	for (size_t i = 0; i < s->ncomponents; i++)
		json_array_append_new(pkgs, spdx_package(&s->c[i], i, refs));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:o, s:o, "
	    "s:o}", "spdxVersion", "SPDX-2.3", "dataLicense", "CC0-1.0",
	    "SPDXID", "SPDXRef-DOCUMENT", "name", name, "documentNamespace", ns,
	    "creationInfo", "created", when, "creators", tool, "packages",
	    pkgs, "relationships", spdx_relationships(s),
	    "hasExtractedLicensingInfos", spdx_extracted(refs));
	if (doc != NULL && s->manufacturer[0] != '\0')
		json_array_append_new(json_object_get(json_object_get(doc,
		    "creationInfo"), "creators"), json_string(org));
	json_decref(refs);
	return dump(doc, jsonp);
}
