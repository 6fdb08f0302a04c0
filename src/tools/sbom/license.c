/*
 * Licences from a Debian machine-readable copyright file (DEP-5,
 * https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/):
 * the short names on the first line of each "License:" field. A file
 * that does not start with a Format: line naming the copyright format is
 * free text: no licence is guessed from it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "medsec-tools/sbom.h"
#include "sbom/sbom_int.h"

/* Debian short names (DEP-5 section 7.2) and their SPDX identifiers. */
static const struct {
	const char *debian, *spdx;
} names[] = {
	{ "Apache-2.0", "Apache-2.0" },
	{ "Artistic", "Artistic-1.0" },
	{ "BSD-2-clause", "BSD-2-Clause" },
	{ "BSD-3-clause", "BSD-3-Clause" },
	{ "BSD-4-clause", "BSD-4-Clause" },
	{ "CC0-1.0", "CC0-1.0" },
	{ "Expat", "MIT" },
	{ "MIT", "MIT" },
	{ "GPL-1+", "GPL-1.0-or-later" },
	{ "GPL-2", "GPL-2.0-only" },
	{ "GPL-2+", "GPL-2.0-or-later" },
	{ "GPL-3", "GPL-3.0-only" },
	{ "GPL-3+", "GPL-3.0-or-later" },
	{ "ISC", "ISC" },
	{ "LGPL-2", "LGPL-2.0-only" },
	{ "LGPL-2+", "LGPL-2.0-or-later" },
	{ "LGPL-2.1", "LGPL-2.1-only" },
	{ "LGPL-2.1+", "LGPL-2.1-or-later" },
	{ "LGPL-3", "LGPL-3.0-only" },
	{ "LGPL-3+", "LGPL-3.0-or-later" },
	{ "MPL-1.1", "MPL-1.1" },
	{ "MPL-2.0", "MPL-2.0" },
	{ "OpenSSL", "OpenSSL" },
	{ "Zlib", "Zlib" },
	{ "curl", "curl" },
	{ "X11", "X11" },
};

const char *
sbom_spdx_id(const char *debian_name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(debian_name, names[i].debian) == 0)
			return names[i].spdx;
	return "";
}

static void
add_license(struct sbom_component *c, const char *s, size_t n)
{
	if (n == 0 || n >= sizeof(c->licenses[0]) ||
	    c->nlicenses >= SBOM_LICENSES_MAX)
		return;
	for (size_t i = 0; i < c->nlicenses; i++)
		if (strlen(c->licenses[i]) == n &&
		    strncmp(c->licenses[i], s, n) == 0)
			return;
	memcpy(c->licenses[c->nlicenses], s, n);
	c->licenses[c->nlicenses][n] = '\0';
	c->nlicenses++;
}

static int
is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/*
 * "GPL-2+ or Artistic-1.0", "LGPL-2.1+ and GPL-2+", "GPL-2+ with
 * OpenSSL exception": each licence name, without the operators and the
 * exceptions (an exception widens the permissions of the licence before
 * it; the SBOM names the licence).
 */
static void
split_expression(struct sbom_component *c, const char *v)
{
	int after_with = 0;

	while (*v != '\0') {
		size_t n;

		v += strspn(v, " \t,()");
		n = strcspn(v, " \t,()\r\n");
		if (n == 0)
			break;
		if (is_word(v, n, "with"))
			after_with = 1;
		else if (is_word(v, n, "or") || is_word(v, n, "and"))
			after_with = 0;
		else if (!after_with)
			add_license(c, v, n);
		v += n;
	}
}

int
sbom_dep5_licenses(const char *path, struct sbom_component *c)
{
	char line[1024];
	FILE *f;

	c->nlicenses = 0;
	if ((f = fopen(path, "re")) == NULL)
		return MEDSEC_OK;
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncasecmp(line, "Format:", 7) != 0 ||
	    strstr(line, "copyright-format") == NULL) {
		fclose(f);
		return MEDSEC_OK;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *nl = strchr(line, '\n');

		if (nl == NULL && !feof(f)) {
			int ch;

			/* A long line: its rest is not a field name. */
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
		}
		if (strncasecmp(line, "License:", 8) == 0)
			split_expression(c, line + 8);
	}
	fclose(f);
	return MEDSEC_OK;
}
