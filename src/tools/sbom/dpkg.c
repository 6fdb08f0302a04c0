/*
 * The Debian facts of a library file: which installed package owns it
 * (/var/lib/dpkg/info/<pkg>[:<arch>].list), that package's stanza in
 * /var/lib/dpkg/status (version, architecture, source package,
 * Maintainer) and the licences of /usr/share/doc/<pkg>/copyright when it
 * is machine-readable (DEP-5).
 *
 * Debian 12 merged /lib into /usr/lib, but a package's .list keeps the
 * path it was built with: /lib/x86_64-linux-gnu/libc.so.6 is listed
 * while the loader may report /usr/lib/..., and a soname is a symbolic
 * link to the real file. Each of those spellings is looked up.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ini.h"
#include "io/io.h"
#include "medsec-tools/sbom.h"
#include "sbom/sbom_int.h"

#define STATUS_FILE_MAX (256u << 20)
#define ALIASES_MAX 4

struct owner {
	char paths[ALIASES_MAX][SBOM_PATH_MAX];
	size_t npaths;
	char package[SBOM_TEXT_MAX];
	char arch[32]; /* from a multiarch .list name, else "" */
};

static void
add_alias(struct owner *o, const char *p)
{
	char alt[SBOM_PATH_MAX];

	if (o->npaths + 2 > ALIASES_MAX)
		return;
	snprintf(o->paths[o->npaths++], SBOM_PATH_MAX, "%s", p);
	if (strncmp(p, "/usr/lib/", 9) == 0)
		snprintf(alt, sizeof(alt), "%s", p + 4);
	else if (strncmp(p, "/lib/", 5) == 0)
		snprintf(alt, sizeof(alt), "/usr%s", p);
	else
		return;
	snprintf(o->paths[o->npaths++], SBOM_PATH_MAX, "%s", alt);
}

/* Whether the .list file at path lists one of o's spellings. */
static int
lists(const char *path, const struct owner *o)
{
	char line[SBOM_PATH_MAX];
	FILE *f;
	int found = 0;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		for (size_t i = 0; i < o->npaths && !found; i++)
			found = strcmp(line, o->paths[i]) == 0;
	}
	fclose(f);
	return found;
}

static void
take_list_name(struct owner *o, const char *file)
{
	size_t n = strlen(file) - 5; /* without ".list" */
	const char *colon = memchr(file, ':', n);

	if (colon != NULL) {
		medsec_ini_copy(o->package, sizeof(o->package), file,
		    (size_t)(colon - file));
		medsec_ini_copy(o->arch, sizeof(o->arch), colon + 1,
		    n - (size_t)(colon - file) - 1);
	} else {
		medsec_ini_copy(o->package, sizeof(o->package), file, n);
	}
}

static int
find_owner(struct owner *o, const char *dpkg_dir)
{
	char dir[SBOM_PATH_MAX], path[SBOM_PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = MEDSEC_ERR_NOT_FOUND;

	snprintf(dir, sizeof(dir), "%s/info", dpkg_dir);
	if ((d = opendir(dir)) == NULL)
		return MEDSEC_ERR_NOT_FOUND;
	while (rc != MEDSEC_OK && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n <= 5 || strcmp(e->d_name + n - 5, ".list") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path) || !lists(path, o))
			continue;
		take_list_name(o, e->d_name);
		rc = MEDSEC_OK;
	}
	closedir(d);
	return rc;
}

/* The value of "Field:" in a stanza [p, end) (first line only). */
static int
field(const char *p, const char *end, const char *name, char *out,
    size_t outlen)
{
	size_t n = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == ':') {
			const char *v = p + n + 1;
			size_t len = (size_t)(eol - v);

			medsec_ini_trim(&v, &len);
			medsec_ini_copy(out, outlen, v, len);
			return 1;
		}
		p = eol + 1;
	}
	return 0;
}

static void
take_source(struct sbom_component *c, const char *s)
{
	const char *paren = strchr(s, '(');

	snprintf(c->source_version, sizeof(c->source_version), "%s",
	    c->version);
	if (paren == NULL) {
		snprintf(c->source, sizeof(c->source), "%s", s);
		return;
	}
	medsec_ini_copy(c->source, sizeof(c->source), s,
	    strcspn(s, " ("));
	medsec_ini_copy(c->source_version, sizeof(c->source_version),
	    paren + 1, strcspn(paren + 1, ")"));
}

/* "Debian OpenSSL Team <pkg-openssl-devel@...>": the name, no address. */
static void
take_maintainer(struct sbom_component *c, char *maint)
{
	size_t n;

	maint[strcspn(maint, "<")] = '\0';
	n = strlen(maint);
	while (n > 0 && maint[n - 1] == ' ')
		maint[--n] = '\0';
	snprintf(c->supplier, sizeof(c->supplier), "%s", maint);
}

static void
take_stanza(struct sbom_component *c, const char *p, const char *end)
{
	char source[SBOM_TEXT_MAX], maint[SBOM_TEXT_MAX];

	field(p, end, "Version", c->version, sizeof(c->version));
	field(p, end, "Architecture", c->arch, sizeof(c->arch));
	if (field(p, end, "Maintainer", maint, sizeof(maint)))
		take_maintainer(c, maint);
	if (field(p, end, "Source", source, sizeof(source))) {
		take_source(c, source);
	} else {
		snprintf(c->source, sizeof(c->source), "%s", c->name);
		snprintf(c->source_version, sizeof(c->source_version), "%s",
		    c->version);
	}
}

/* The installed stanza of package (of arch, when arch is not ""). */
static int
find_stanza(struct sbom_component *c, const char *text, size_t len,
    const char *arch)
{
	const char *p = text, *end = text + len;
	char v[SBOM_TEXT_MAX];

	while (p < end) {
		const char *next = strstr(p, "\n\n");
		const char *stop = next != NULL ? next + 1 : end;

		if (field(p, stop, "Package", v, sizeof(v)) &&
		    strcmp(v, c->name) == 0 &&
		    field(p, stop, "Status", v, sizeof(v)) &&
		    strcmp(v, "install ok installed") == 0 &&
		    (arch[0] == '\0' || (field(p, stop, "Architecture", v,
		    sizeof(v)) && strcmp(v, arch) == 0))) {
			take_stanza(c, p, stop);
			return MEDSEC_OK;
		}
		p = next != NULL ? next + 2 : end;
	}
	return MEDSEC_ERR_NOT_FOUND;
}

static int
read_status(struct sbom_component *c, const char *dpkg_dir,
    const char *arch, struct medsec_config_error *err)
{
	char path[SBOM_PATH_MAX];
	uint8_t *text = NULL;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/status", dpkg_dir);
	if ((rc = medsec_io_read_file(path, STATUS_FILE_MAX, 0, &text,
	    &len)) != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL, "%s: cannot read the "
		    "package database", path);
		return rc;
	}
	if ((rc = find_stanza(c, (const char *)text, len, arch)) !=
	    MEDSEC_OK)
		medsec_ini_err(err, 0, NULL, NULL, "%s: package '%s' owns %s "
		    "but is not installed there", path, c->name, c->path);
	free(text);
	return rc;
}

void
sbom_purl_escape(char *out, size_t outlen, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = strlen(out);

	for (; *s != '\0' && o + 4 < outlen; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr(".-_~:", ch) != NULL) {
			out[o++] = (char)ch;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 15];
	}
	out[o] = '\0';
}

static void
make_purl(struct sbom_component *c, const char *distro)
{
	snprintf(c->purl, sizeof(c->purl), "pkg:deb/debian/");
	sbom_purl_escape(c->purl, sizeof(c->purl), c->name);
	strncat(c->purl, "@", sizeof(c->purl) - strlen(c->purl) - 1);
	sbom_purl_escape(c->purl, sizeof(c->purl), c->version);
	strncat(c->purl, "?arch=", sizeof(c->purl) - strlen(c->purl) - 1);
	sbom_purl_escape(c->purl, sizeof(c->purl), c->arch);
	strncat(c->purl, "&distro=", sizeof(c->purl) - strlen(c->purl) - 1);
	sbom_purl_escape(c->purl, sizeof(c->purl), distro);
}

int
sbom_dpkg_lookup(struct sbom_component *c, const char *dpkg_dir,
    const char *doc_dir, const char *distro, struct medsec_config_error *err)
{
	struct owner *o;
	char *real, copyright[SBOM_PATH_MAX];
	int rc;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return MEDSEC_ERR_NOMEM;
	add_alias(o, c->path);
	if ((real = realpath(c->path, NULL)) != NULL) {
		if (strcmp(real, c->path) != 0)
			add_alias(o, real);
		free(real);
	}
	if ((rc = find_owner(o, dpkg_dir)) != MEDSEC_OK)
		goto out;
	snprintf(c->name, sizeof(c->name), "%s", o->package);
	if ((rc = read_status(c, dpkg_dir, o->arch, err)) != MEDSEC_OK)
		goto out;
	make_purl(c, distro);
	snprintf(copyright, sizeof(copyright), "%s/%s/copyright", doc_dir,
	    c->name);
	rc = sbom_dep5_licenses(copyright, c);
out:
	free(o);
	return rc;
}
