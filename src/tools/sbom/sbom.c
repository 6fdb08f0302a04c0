/*
 * Collecting the SBOM: the binaries given, the closure of the libraries
 * they load (each object read once, however many need it), the embedded
 * password list and the declared components.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ini.h"
#include "io/io.h"
#include "medsec-tools/sbom.h"
#include "medsec/crypto.h"
#include "medsec/password_policy.h"
#include "sbom/sbom_int.h"

#define OBJECT_FILE_MAX (1024u << 20)
#define PASSWORD_LIST_MAX (16u << 20)
#define LOAD_DEPTH_MAX 32

struct collector {
	struct medsec_sbom *sbom;
	const struct medsec_sbom_options *opts;
	struct medsec_config_error *err;
	size_t nseen;		/* every object file read, by real path */
	char *seen[SBOM_COMPONENTS_MAX];
	size_t seen_index[SBOM_COMPONENTS_MAX];
};

struct sbom_component *
sbom_add(struct medsec_sbom *sbom, int kind)
{
	struct sbom_component *c;

	if (sbom->ncomponents >= SBOM_COMPONENTS_MAX)
		return NULL;
	c = &sbom->c[sbom->ncomponents++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

static void
sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t h[32];

	if (medsec_hash(MEDSEC_ALG_SHA256, data, len, h) != MEDSEC_OK) {
		/* Only on an allocation failure inside OpenSSL: the SBOM then
		 * says "no hash" rather than a wrong one. */
		hex[0] = '\0';
		return;
	}
	medsec_hex(h, sizeof(h), hex);
}

int
sbom_file_sha256(const char *path, char hex[65],
    struct medsec_config_error *err)
{
	uint8_t *data = NULL;
	size_t len;
	int rc;

	if ((rc = medsec_io_read_file(path, OBJECT_FILE_MAX, 0, &data,
	    &len)) != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL, "%s: cannot read: %s", path,
		    medsec_strerror(rc));
		return rc;
	}
	sha256_hex(data, len, hex);
	free(data);
	return hex[0] != '\0' ? MEDSEC_OK : MEDSEC_ERR_CRYPTO;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static const char *
manufacturer(const struct medsec_sbom *s)
{
	return s->manufacturer[0] != '\0' ? s->manufacturer :
	    "medsec project";
}

/* libmedsec.so.0 is "libmedsec"; libmedsec-tools.so.0 "libmedsec-tools". */
static int
own_library(struct sbom_component *c, const char *file,
    const struct medsec_sbom *s)
{
	if (strncmp(file, "libmedsec.so", 12) != 0 &&
	    strncmp(file, "libmedsec-tools.so", 18) != 0)
		return 0;
	medsec_ini_copy(c->name, sizeof(c->name), file, strcspn(file, "."));
	snprintf(c->version, sizeof(c->version), "%s", MEDSEC_VERSION);
	snprintf(c->supplier, sizeof(c->supplier), "%s", manufacturer(s));
	snprintf(c->purl, sizeof(c->purl), "pkg:generic/%s@%s", c->name,
	    MEDSEC_VERSION);
	return 1;
}

static int
describe_library(struct collector *k, struct sbom_component *c)
{
	const char *file = c->soname[0] != '\0' ? c->soname :
	    base_name(c->path);
	int rc;

	if (own_library(c, file, k->sbom)) {
		c->kind = SBOM_OWN_LIBRARY;
		return MEDSEC_OK;
	}
	rc = sbom_dpkg_lookup(c, k->opts->dpkg_dir, k->opts->doc_dir,
	    k->sbom->distro, k->err);
	if (rc == MEDSEC_OK) {
		c->kind = SBOM_DEB_LIBRARY;
		return MEDSEC_OK;
	}
	if (rc != MEDSEC_ERR_NOT_FOUND)
		return rc;
	/* Not packaged and not ours: listed by file, with its hash, so the
	 * gap is visible rather than silently dropped. */
	c->kind = SBOM_OTHER_LIBRARY;
	medsec_ini_copy(c->name, sizeof(c->name), file, strlen(file));
	return MEDSEC_OK;
}

static void
describe_application(struct collector *k, struct sbom_component *c)
{
	const char *name = base_name(c->path);

	medsec_ini_copy(c->name, sizeof(c->name), name, strlen(name));
	if (strcmp(name, "medsec") == 0 || strcmp(name, "medsecd") == 0) {
		snprintf(c->version, sizeof(c->version), "%s", MEDSEC_VERSION);
		snprintf(c->purl, sizeof(c->purl), "pkg:generic/%s@%s",
		    c->name, MEDSEC_VERSION);
	}
	snprintf(c->supplier, sizeof(c->supplier), "%s",
	    manufacturer(k->sbom));
}

static int add_object(struct collector *k, const char *path, int kind,
    int depth, size_t *indexp);

static void
add_dep(struct sbom_component *c, size_t self, size_t child)
{
	if (child == self || c->ndeps >= SBOM_DEPS_MAX)
		return;
	for (size_t i = 0; i < c->ndeps; i++)
		if (c->deps[i] == child)
			return;
	c->deps[c->ndeps++] = child;
}

static int
add_needed(struct collector *k, size_t self,
    const struct medsec_elf_dynamic *d, int depth)
{
	char path[SBOM_PATH_MAX];
	size_t child;
	int rc;

	for (size_t i = 0; i < d->nneeded; i++) {
		struct sbom_component *c = &k->sbom->c[self];

		if (sbom_resolve(d->needed[i], d, c->path,
		    k->opts->ld_so_conf, path, sizeof(path)) != MEDSEC_OK) {
			medsec_ini_err(k->err, 0, NULL, "DT_NEEDED", "%s needs "
			    "'%s', which no directory of its search path "
			    "holds", c->path, d->needed[i]);
			return MEDSEC_ERR_NOT_FOUND;
		}
		if ((rc = add_object(k, path, SBOM_DEB_LIBRARY, depth + 1,
		    &child)) !=
		    MEDSEC_OK)
			return rc;
		add_dep(&k->sbom->c[self], self, child);
	}
	return MEDSEC_OK;
}

static int
find_object(const struct collector *k, const char *real, size_t *indexp)
{
	for (size_t i = 0; i < k->nseen; i++)
		if (strcmp(k->seen[i], real) == 0) {
			*indexp = k->seen_index[i];
			return 1;
		}
	return 0;
}

static int
remember(struct collector *k, const char *real, size_t index)
{
	if (k->nseen >= SBOM_COMPONENTS_MAX ||
	    (k->seen[k->nseen] = strdup(real)) == NULL)
		return MEDSEC_ERR_NOMEM;
	k->seen_index[k->nseen++] = index;
	return MEDSEC_OK;
}

/*
 * One component per Debian package: a second library of a package
 * already listed (libcrypto.so.3 beside libssl.so.3, both libssl3) joins
 * that component as a further file, and the newest component, which is
 * the last one, goes. Returns the index of the component that stays.
 */
static int
merge_package(struct medsec_sbom *s, size_t self, size_t *keptp)
{
	struct sbom_component *c = &s->c[self], *o;
	size_t n;

	*keptp = self;
	if (c->kind != SBOM_DEB_LIBRARY)
		return MEDSEC_OK;
	for (size_t i = 0; i < self; i++) {
		o = &s->c[i];
		if (o->kind != SBOM_DEB_LIBRARY || strcmp(o->name, c->name) != 0 ||
		    strcmp(o->arch, c->arch) != 0)
			continue;
		if (o->nfiles >= SBOM_FILES_MAX)
			return MEDSEC_ERR_TOO_LARGE;
		n = strlen(c->sha256) + strlen(c->path) + 2;
		if ((o->files[o->nfiles] = malloc(n)) == NULL)
			return MEDSEC_ERR_NOMEM;
		snprintf(o->files[o->nfiles++], n, "%s %s", c->sha256, c->path);
		s->ncomponents--;
		*keptp = i;
		return MEDSEC_OK;
	}
	return MEDSEC_OK;
}

static int
read_object(struct collector *k, struct sbom_component *c,
    struct medsec_elf_dynamic **dp)
{
	uint8_t *data = NULL;
	size_t len;
	int rc;

	if ((rc = medsec_io_read_file(c->path, OBJECT_FILE_MAX, 0, &data,
	    &len)) != MEDSEC_OK) {
		medsec_ini_err(k->err, 0, NULL, NULL, "%s: cannot read: %s",
		    c->path, medsec_strerror(rc));
		return rc;
	}
	if ((rc = medsec_elf_dynamic_parse(data, len, dp, k->err)) !=
	    MEDSEC_OK) {
		char why[sizeof(k->err->message)];

		memcpy(why, k->err->message, sizeof(why));
		/* The parser's message says what is wrong; the file it is
		 * about goes in front. */
		medsec_ini_err_clear(k->err, c->path);
		medsec_ini_copy(k->err->message, sizeof(k->err->message),
		    why, strlen(why));
	} else {
		sha256_hex(data, len, c->sha256);
		if ((*dp)->soname != NULL)
			snprintf(c->soname, sizeof(c->soname), "%s",
			    (*dp)->soname);
	}
	free(data);
	return rc;
}

static int
add_object(struct collector *k, const char *path, int kind, int depth,
    size_t *indexp)
{
	struct medsec_elf_dynamic *d = NULL;
	struct sbom_component *c;
	char *real;
	size_t self;
	int rc;

	if ((real = realpath(path, NULL)) == NULL) {
		medsec_ini_err(k->err, 0, NULL, NULL, "%s: no such file", path);
		return MEDSEC_ERR_NOT_FOUND;
	}
	if (find_object(k, real, indexp)) {
		free(real);
		return MEDSEC_OK;
	}
	if (depth > LOAD_DEPTH_MAX ||
	    (c = sbom_add(k->sbom, kind)) == NULL) {
		medsec_ini_err(k->err, 0, NULL, NULL, "%s: too many libraries "
		    "or too deep a chain of them", real);
		free(real);
		return MEDSEC_ERR_TOO_LARGE;
	}
	snprintf(c->path, sizeof(c->path), "%s", real);
	self = (size_t)(c - k->sbom->c);
	if ((rc = read_object(k, c, &d)) != MEDSEC_OK)
		goto out;
	if (kind == SBOM_APPLICATION)
		describe_application(k, c);
	else if ((rc = describe_library(k, c)) != MEDSEC_OK)
		goto out;
	if ((rc = merge_package(k->sbom, self, &self)) != MEDSEC_OK ||
	    (rc = remember(k, real, self)) != MEDSEC_OK)
		goto out;
	rc = add_needed(k, self, d, depth);
	*indexp = self;
out:
	free(real);
	medsec_elf_dynamic_free(d);
	return rc;
}

/* The list is the one libmedsec embeds: same entries, same count. */
static int
check_password_list(const char *path, const uint8_t *text, size_t len,
    struct medsec_config_error *err)
{
	size_t count = 0, line = 0;
	const char *p = (const char *)text, *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);

		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0 && !medsec_password_is_common(p, n)) {
			medsec_ini_err(err, (int)line, NULL, NULL, "%s: line "
			    "%zu is not in the list libmedsec embeds", path,
			    line);
			return MEDSEC_ERR_KEY_MISMATCH;
		}
		count += n > 0;
		p = nl != NULL ? nl + 1 : end;
	}
	if (count != medsec_password_common_count()) {
		medsec_ini_err(err, 0, NULL, NULL, "%s: %zu entries, but "
		    "libmedsec embeds %zu", path, count,
		    medsec_password_common_count());
		return MEDSEC_ERR_KEY_MISMATCH;
	}
	return MEDSEC_OK;
}

static int
add_password_list(struct collector *k)
{
	const char *path = k->opts->password_list;
	struct sbom_component *c;
	uint8_t *text = NULL;
	size_t len;
	int rc;

	if ((rc = medsec_io_read_file(path, PASSWORD_LIST_MAX, 0, &text,
	    &len)) != MEDSEC_OK) {
		medsec_ini_err(k->err, 0, NULL, NULL, "%s: cannot read the "
		    "password list: %s", path, medsec_strerror(rc));
		return rc;
	}
	if ((rc = check_password_list(path, text, len, k->err)) !=
	    MEDSEC_OK)
		goto out;
	if ((c = sbom_add(k->sbom, SBOM_DATA)) == NULL) {
		rc = MEDSEC_ERR_TOO_LARGE;
		goto out;
	}
	snprintf(c->name, sizeof(c->name), "common-passwords");
	snprintf(c->version, sizeof(c->version), "%zu-entries",
	    medsec_password_common_count());
	snprintf(c->supplier, sizeof(c->supplier), "%s",
	    manufacturer(k->sbom));
	snprintf(c->description, sizeof(c->description), "Common-password "
	    "list compiled into libmedsec; the password policy refuses its "
	    "entries (MFDS 1.9)");
	sha256_hex(text, len, c->sha256);
	k->sbom->top[k->sbom->ntop++] = (size_t)(c - k->sbom->c);
out:
	free(text);
	return rc;
}

static void
defaults(struct medsec_sbom_options *o, struct medsec_sbom *s)
{
	if (o->dpkg_dir == NULL)
		o->dpkg_dir = "/var/lib/dpkg";
	if (o->doc_dir == NULL)
		o->doc_dir = "/usr/share/doc";
	if (o->ld_so_conf == NULL)
		o->ld_so_conf = "/etc/ld.so.conf";
	snprintf(s->distro, sizeof(s->distro), "%s", o->distro != NULL ?
	    o->distro : "debian-12");
	s->timestamp = o->timestamp;
}

static int
collect(struct collector *k)
{
	struct medsec_sbom *s = k->sbom;
	size_t first_declared = s->ncomponents, idx;
	int rc;

	if (k->opts->declared != NULL &&
	    (rc = sbom_declared_load(s, k->opts->declared, k->err)) !=
	    MEDSEC_OK)
		return rc;
	for (size_t i = first_declared; i < s->ncomponents; i++)
		s->top[s->ntop++] = i;
	medsec_ini_err_clear(k->err, NULL);
	if (k->opts->password_list != NULL &&
	    (rc = add_password_list(k)) != MEDSEC_OK)
		return rc;
	for (size_t i = 0; i < k->opts->nbinaries; i++) {
		if ((rc = add_object(k, k->opts->binaries[i],
		    SBOM_APPLICATION, 0, &idx)) != MEDSEC_OK)
			return rc;
		if (s->ntop < SBOM_DEPS_MAX)
			s->top[s->ntop++] = idx;
	}
	if (s->device_name[0] == '\0')
		snprintf(s->device_name, sizeof(s->device_name), "medsec-device");
	if (s->device_version[0] == '\0')
		snprintf(s->device_version, sizeof(s->device_version), "%s",
		    MEDSEC_VERSION);
	return MEDSEC_OK;
}

int
medsec_sbom_collect(const struct medsec_sbom_options *opts,
    struct medsec_sbom **sbomp, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct medsec_sbom_options o;
	struct collector k;
	struct medsec_sbom *s;
	int rc;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, NULL);
	if (opts == NULL || sbomp == NULL ||
	    (opts->nbinaries > 0 && opts->binaries == NULL))
		return MEDSEC_ERR_INVALID;
	*sbomp = NULL;
	if (opts->nbinaries > SBOM_DEPS_MAX / 2) {
		medsec_ini_err(err, 0, NULL, NULL, "%zu binaries (at most %d)",
		    opts->nbinaries, SBOM_DEPS_MAX / 2);
		return MEDSEC_ERR_TOO_LARGE;
	}
	o = *opts;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->c = calloc(SBOM_COMPONENTS_MAX, sizeof(*s->c))) == NULL) {
		free(s);
		return MEDSEC_ERR_NOMEM;
	}
	defaults(&o, s);
	memset(&k, 0, sizeof(k));
	k.sbom = s;
	k.opts = &o;
	k.err = err;
	rc = collect(&k);
	for (size_t i = 0; i < k.nseen; i++)
		free(k.seen[i]);
	if (rc != MEDSEC_OK) {
		medsec_sbom_free(s);
		return rc;
	}
	*sbomp = s;
	return MEDSEC_OK;
}

void
medsec_sbom_free(struct medsec_sbom *sbom)
{
	if (sbom == NULL)
		return;
	for (size_t i = 0; i < sbom->ncomponents; i++)
		for (size_t j = 0; j < sbom->c[i].nfiles; j++)
			free(sbom->c[i].files[j]);
	free(sbom->c);
	free(sbom);
}

size_t
medsec_sbom_count(const struct medsec_sbom *sbom)
{
	return sbom != NULL ? sbom->ncomponents : 0;
}
