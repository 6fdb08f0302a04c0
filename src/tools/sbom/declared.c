/*
 * The manufacturer's declaration (docs/sbom.md): the device, and the
 * components no binary reveals (firmware of a sub-assembly, a vendored
 * library, an OEM module), each with the support level and the
 * end-of-support date FDA 524B and the MFDS legacy-device rule ask for.
 *
 *   [device]
 *   name = acme-infusion-pump
 *   version = 2.3.0
 *   manufacturer = ACME Medical Co., Ltd.
 *
 *   [component]
 *   name = spo2-module-firmware
 *   version = 4.1.7
 *   supplier = Nellcor OEM
 *   license = LicenseRef-proprietary
 *   support = security-only
 *   end_of_support = 2031-12-31
 *   type = firmware          (optional; library by default)
 *   purl = pkg:generic/...   (optional)
 *
 * Each [component] header starts a new component; every key but type,
 * purl and description is required.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ini.h"
#include "io/io.h"
#include "medsec-tools/sbom.h"
#include "sbom/sbom_int.h"

#define LINE_MAX_DECLARED 1024

enum { SEC_NONE, SEC_DEVICE, SEC_COMPONENT };

struct declared {
	struct medsec_sbom *sbom;
	struct medsec_config_error *err;
	int section;
	struct sbom_component *c;
	int c_line;
};

static const char *const support_levels[] = { "full", "security-only",
	"none" };
static const char *const types[] = { "library", "firmware", "application",
	"framework", "operating-system", "device-driver", "data" };

static int
one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return 1;
	return 0;
}

/* YYYY-MM-DD with a real month and day (leap years counted). */
static int
valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 &&
	    y % 400 != 0)));
}

/* The previous component has every required key. */
static int
finish_component(struct declared *p)
{
	struct sbom_component *c = p->c;
	const char *missing = NULL;

	if (c == NULL)
		return MEDSEC_OK;
	if (c->name[0] == '\0')
		missing = "name";
	else if (c->version[0] == '\0')
		missing = "version";
	else if (c->supplier[0] == '\0')
		missing = "supplier";
	else if (c->nlicenses == 0)
		missing = "license";
	else if (c->support[0] == '\0')
		missing = "support";
	else if (c->end_of_support[0] == '\0')
		missing = "end_of_support";
	if (missing != NULL) {
		medsec_ini_err(p->err, p->c_line, "component", missing,
		    "the [component] at line %d has no '%s'", p->c_line,
		    missing);
		return MEDSEC_ERR_CONFIG;
	}
	if (c->type[0] == '\0')
		snprintf(c->type, sizeof(c->type), "library");
	p->c = NULL;
	return MEDSEC_OK;
}

static int
on_section(void *ctx, const char *name, size_t n, int line,
    const char **canon)
{
	struct declared *p = ctx;
	char shown[64];
	int rc;

	if ((rc = finish_component(p)) != MEDSEC_OK)
		return rc;
	if (n == 6 && strncmp(name, "device", 6) == 0) {
		p->section = SEC_DEVICE;
		*canon = "device";
		return MEDSEC_OK;
	}
	if (n == 9 && strncmp(name, "component", 9) == 0) {
		if ((p->c = sbom_add(p->sbom, SBOM_DECLARED)) == NULL) {
			medsec_ini_err(p->err, line, "component", NULL,
			    "too many components (at most %d)",
			    SBOM_COMPONENTS_MAX);
			return MEDSEC_ERR_TOO_LARGE;
		}
		p->c_line = line;
		p->section = SEC_COMPONENT;
		*canon = "component";
		return MEDSEC_OK;
	}
	medsec_ini_excerpt(shown, sizeof(shown), name, n);
	medsec_ini_err(p->err, line, NULL, NULL, "unknown section [%s] "
	    "(expected [device] or [component])", shown);
	return MEDSEC_ERR_CONFIG;
}

static char *
device_slot(struct medsec_sbom *s, const char *key, size_t *len)
{
	*len = SBOM_TEXT_MAX;
	if (strcmp(key, "name") == 0)
		return s->device_name;
	if (strcmp(key, "version") == 0)
		return s->device_version;
	if (strcmp(key, "manufacturer") == 0)
		return s->manufacturer;
	return NULL;
}

static char *
component_slot(struct sbom_component *c, const char *key, size_t *len)
{
	static const struct {
		const char *key;
		size_t off, len;
	} slots[] = {
#define SLOT(k, f) { k, offsetof(struct sbom_component, f), \
	sizeof(((struct sbom_component *)0)->f) }
		SLOT("name", name), SLOT("version", version),
		SLOT("supplier", supplier), SLOT("support", support),
		SLOT("end_of_support", end_of_support), SLOT("type", type),
		SLOT("purl", purl), SLOT("description", description),
		SLOT("license", licenses[0]),
#undef SLOT
	};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(key, slots[i].key) == 0) {
			*len = slots[i].len;
			return (char *)c + slots[i].off;
		}
	return NULL;
}

static int
check_value(struct declared *p, const char *key, const char *v, int line)
{
	const char *why = NULL;

	if (strcmp(key, "support") == 0 && !one_of(v, support_levels, 3))
		why = "is not a support level (full, security-only, none)";
	else if (strcmp(key, "end_of_support") == 0 && !valid_date(v))
		why = "is not a date (YYYY-MM-DD)";
	else if (strcmp(key, "type") == 0 && !one_of(v, types, 7))
		why = "is not a component type (library, firmware, "
		    "application, framework, operating-system, "
		    "device-driver, data)";
	else if (strcmp(key, "purl") == 0 && strncmp(v, "pkg:", 4) != 0)
		why = "is not a package URL (pkg:...)";
	if (why == NULL)
		return MEDSEC_OK;
	medsec_ini_err(p->err, line, p->section == SEC_DEVICE ? "device" :
	    "component", key, "'%s' %s", v, why);
	return MEDSEC_ERR_CONFIG;
}

static int
on_key(void *ctx, const char *section, const char *key, const char *v,
    size_t n, int line)
{
	struct declared *p = ctx;
	char *slot = NULL;
	size_t len = 0;

	(void)section;
	if (p->section == SEC_DEVICE)
		slot = device_slot(p->sbom, key, &len);
	else if (p->section == SEC_COMPONENT)
		slot = component_slot(p->c, key, &len);
	if (slot == NULL) {
		medsec_ini_err(p->err, line, section, key, "unknown key '%s'%s",
		    key, p->section == SEC_NONE ? " outside any section" : "");
		return MEDSEC_ERR_CONFIG;
	}
	if (n == 0 || n >= len) {
		medsec_ini_err(p->err, line, section, key, "'%s' must be 1 to "
		    "%zu characters", key, len - 1);
		return MEDSEC_ERR_CONFIG;
	}
	medsec_ini_copy(slot, len, v, n);
	if (p->section == SEC_COMPONENT && strcmp(key, "license") == 0)
		p->c->nlicenses = 1;
	return check_value(p, key, slot, line);
}

static const struct medsec_ini_handler handler = {
	.what = "the component declaration",
	.section = on_section,
	.key = on_key,
};

int
sbom_declared_load(struct medsec_sbom *sbom, const char *path,
    struct medsec_config_error *err)
{
	struct declared p = { sbom, err, SEC_NONE, NULL, 0 };
	uint8_t *text = NULL;
	size_t len;
	int rc;

	medsec_ini_err_clear(err, path);
	if ((rc = medsec_io_read_file(path, MEDSEC_INI_FILE_MAX, 0, &text,
	    &len)) != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL, "cannot read the component "
		    "declaration: %s", medsec_strerror(rc));
		return rc;
	}
	rc = medsec_ini_parse((const char *)text, len, LINE_MAX_DECLARED,
	    &handler, &p, err);
	if (rc == MEDSEC_OK)
		rc = finish_component(&p);
	free(text);
	return rc;
}
