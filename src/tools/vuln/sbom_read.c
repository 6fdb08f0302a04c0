/*
 * The components of a CycloneDX JSON SBOM that an OSV ecosystem covers,
 * as osv-scanner maps purls (purl_to_package.go): pkg:deb/debian is
 * "Debian" (with the release from the distro qualifier: debian-12 or
 * bookworm is "Debian:12"), pkg:conan is "ConanCenter". Debian advisories
 * name source packages, so a deb component is looked up by the source
 * package and version medsec records in its properties
 * (medsec:deb:source, medsec:deb:source-version); an SBOM from another
 * tool without them is looked up by the binary package, which is the
 * source package for most libraries' -dev-less names only by chance.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ini.h"
#include "medsec-tools/vuln.h"
#include "vuln/vuln_int.h"

#define SBOM_TEXT_MAX_BYTES (64u << 20)
#define COMPONENTS_MAX 100000

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoded copy of [s, s + n); NULL on a bad escape. */
static char *
decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || hexval(s[i + 1]) < 0 ||
		    hexval(s[i + 2]) < 0) {
			free(out);
			return NULL;
		}
		out[o++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
		i += 2;
	}
	out[o] = '\0';
	return out;
}

static const char *
qualifier(const char *q, const char *name, size_t *len)
{
	size_t n = strlen(name);

	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&');

		if (strncmp(q, name, n) == 0 && q[n] == '=') {
			*len = (size_t)((amp != NULL ? amp : q + strlen(q)) -
			    (q + n + 1));
			return q + n + 1;
		}
		q = amp != NULL ? amp + 1 : NULL;
	}
	return NULL;
}

/* "debian-12", "12", "bookworm" -> "Debian:12". */
static char *
debian_ecosystem(const char *purl_qualifiers)
{
	static const struct {
		const char *codename, *release;
	} names[] = { { "buster", "10" }, { "bullseye", "11" },
		{ "bookworm", "12" }, { "trixie", "13" } };
	char d[32], out[48];
	size_t n = 0;
	const char *q = qualifier(purl_qualifiers, "distro", &n);

	if (q == NULL || n == 0 || n >= sizeof(d))
		return strdup("Debian");
	memcpy(d, q, n);
	d[n] = '\0';
	q = strncmp(d, "debian-", 7) == 0 ? d + 7 : d;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(q, names[i].codename) == 0)
			q = names[i].release;
	snprintf(out, sizeof(out), "Debian:%s", q);
	return strdup(out);
}

static const char *
property(json_t *comp, const char *name)
{
	json_t *props = json_object_get(comp, "properties"), *p;
	size_t i;

	json_array_foreach(props, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n != NULL && strcmp(n, name) == 0)
			return json_string_value(json_object_get(p, "value"));
	}
	return NULL;
}

/* pkg:<type>/<namespace>/<name>@<version>?<qualifiers>; returns 0 and
 * fills c for a purl of a covered ecosystem, 1 to skip, <0 on error. */
static int
from_purl(json_t *comp, const char *purl, struct medsec_vuln_component *c)
{
	const char *at = strchr(purl, '@'), *q, *slash, *src, *srcver;
	int deb = strncmp(purl, "pkg:deb/debian/", 15) == 0;
	int conan = strncmp(purl, "pkg:conan/", 10) == 0;

	if ((!deb && !conan) || at == NULL)
		return 1;
	q = strchr(at, '?');
	slash = deb ? purl + 14 : purl + 9;
	src = deb ? property(comp, "medsec:deb:source") : NULL;
	srcver = deb ? property(comp, "medsec:deb:source-version") : NULL;
	c->name = src != NULL ? strdup(src) : decode(slash + 1,
	    (size_t)(at - slash - 1));
	c->version = srcver != NULL ? strdup(srcver) : decode(at + 1,
	    (size_t)((q != NULL ? q : at + strlen(at)) - at - 1));
	c->ecosystem = deb ? debian_ecosystem(q != NULL ? q + 1 : NULL) :
	    strdup("ConanCenter");
	c->ref = strdup(json_string_value(json_object_get(comp, "bom-ref")) !=
	    NULL ? json_string_value(json_object_get(comp, "bom-ref")) : purl);
	if (c->name == NULL || c->version == NULL || c->ecosystem == NULL ||
	    c->ref == NULL)
		return MEDSEC_ERR_FORMAT;
	return 0;
}

/* The public struct shows const strings; these copies are ours. */
static void
free_const(const char *s)
{
	free((void *)(uintptr_t)s);
}

static void
clear_component(struct medsec_vuln_component *c)
{
	free_const(c->ref);
	free_const(c->ecosystem);
	free_const(c->name);
	free_const(c->version);
	memset(c, 0, sizeof(*c));
}

static int
collect(json_t *list, struct medsec_vuln_component *comps, size_t *np,
    struct medsec_config_error *err)
{
	json_t *comp;
	size_t i;

	json_array_foreach(list, i, comp) {
		const char *purl = json_string_value(json_object_get(comp,
		    "purl"));
		int r;

		if (purl == NULL)
			continue;
		r = from_purl(comp, purl, &comps[*np]);
		if (r < 0) {
			char shown[128];

			clear_component(&comps[*np]);
			medsec_ini_excerpt(shown, sizeof(shown), purl,
			    strlen(purl));
			medsec_ini_err(err, 0, NULL, "components.purl", "a "
			    "package URL with a bad escape: '%s'", shown);
			return MEDSEC_ERR_FORMAT;
		}
		if (r == 0)
			(*np)++;
		else
			clear_component(&comps[*np]);
	}
	return MEDSEC_OK;
}

int
medsec_vuln_sbom_components(const char *text, size_t len,
    struct medsec_vuln_component **compsp, size_t *np,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	json_error_t jerr;
	json_t *doc, *list;
	int rc;

	if (err == NULL)
		err = &scratch;
	if (text == NULL || compsp == NULL || np == NULL)
		return MEDSEC_ERR_INVALID;
	*compsp = NULL;
	*np = 0;
	if (len > SBOM_TEXT_MAX_BYTES)
		return MEDSEC_ERR_TOO_LARGE;
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		medsec_ini_err(err, jerr.line, NULL, NULL, "not JSON: %s",
		    jerr.text);
		return MEDSEC_ERR_FORMAT;
	}
	list = json_object_get(doc, "components");
	if (!json_is_string(json_object_get(doc, "bomFormat")) ||
	    strcmp(json_string_value(json_object_get(doc, "bomFormat")),
	    "CycloneDX") != 0 || (list != NULL && !json_is_array(list)) ||
	    json_array_size(list) > COMPONENTS_MAX) {
		medsec_ini_err(err, 0, NULL, "bomFormat", "not a CycloneDX "
		    "JSON SBOM (bomFormat \"CycloneDX\" with a components "
		    "list of at most %d)", COMPONENTS_MAX);
		json_decref(doc);
		return MEDSEC_ERR_FORMAT;
	}
	*compsp = calloc(json_array_size(list) + 1, sizeof(**compsp));
	rc = *compsp == NULL ? MEDSEC_ERR_NOMEM : collect(list, *compsp, np,
	    err);
	json_decref(doc);
	if (rc != MEDSEC_OK) {
		medsec_vuln_components_free(*compsp, *np);
		*compsp = NULL;
		*np = 0;
	}
	return rc;
}

void
medsec_vuln_components_free(struct medsec_vuln_component *comps, size_t n)
{
	for (size_t i = 0; comps != NULL && i < n; i++)
		clear_component(&comps[i]);
	free(comps);
}
