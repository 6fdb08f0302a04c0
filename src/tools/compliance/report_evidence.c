/*
 * The evidence directory scripts/report.sh collects: test results, where
 * and from which commit they came, and result files the V&V report
 * quotes. Everything the documents say about versions, dates and counts
 * comes from here, never from text typed into the generator.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "compliance/compliance_int.h"
#include "compliance/report_int.h"
#include "io/io.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#define META_MAX (64 * 1024)
#define EV_PATH_MAX 4096
#define EV_SCHEMA "medsec-evidence-1"

static int
path_join(char *out, const char *dir, const char *name,
    struct medsec_config_error *err)
{
	if (medsec_io_path(out, EV_PATH_MAX, dir, name) != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL,
		    "path too long: %s/%s", dir, name);
		return MEDSEC_ERR_TOO_LARGE;
	}
	return MEDSEC_OK;
}

/* 7-64 lowercase hex digits, or "unknown". */
static int
commit_ok(const char *s)
{
	size_t n = strlen(s);

	if (strcmp(s, "unknown") == 0)
		return 1;
	return n >= 7 && n <= 64 && strspn(s, "0123456789abcdef") == n;
}

/* YYYY-MM-DDTHH:MM:SSZ: collection time is always UTC. */
static int
utc_ok(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(s) != sizeof(form) - 1)
		return 0;
	for (i = 0; form[i] != '\0'; i++)
		if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') :
		    s[i] != form[i])
			return 0;
	return 1;
}

static int
take_text(const char *v, char *out, size_t outlen, const char *key,
    struct medsec_config_error *err)
{
	size_t n;

	if (v == NULL)
		return MEDSEC_OK;
	n = strlen(v);
	if (n == 0 || n >= outlen || !cmp_text_ok(v, n)) {
		medsec_ini_err(err, 0, NULL, key,
		    "must be 1-%zu printable characters",
		    outlen - 1);
		return MEDSEC_ERR_FORMAT;
	}
	memcpy(out, v, n + 1);
	return MEDSEC_OK;
}

static int
unpack_meta(json_t *root, struct medsec_evidence *ev,
    struct medsec_config_error *err)
{
	const char *schema = NULL, *commit = NULL, *collected = NULL;
	const char *version = NULL, *ctest = NULL, *cc = NULL, *bt = NULL;
	const char *host = NULL;
	json_t *dirty = NULL;
	json_error_t je;
	int r;

	if (json_unpack_ex(root, &je, JSON_STRICT,
	    "{s:s, s:s, s:s, s?o, s?s, s?s, s?s, s?s, s?s}",
	    "schema", &schema, "commit", &commit, "collected", &collected,
	    "dirty", &dirty, "medsec_version", &version, "ctest", &ctest,
	    "compiler", &cc, "build_type", &bt, "host", &host) != 0) {
		medsec_ini_err(err, 0, NULL, NULL, "%s", je.text);
		return MEDSEC_ERR_FORMAT;
	}
	if (strcmp(schema, EV_SCHEMA) != 0) {
		medsec_ini_err(err, 0, NULL, "schema",
		    "must be \"%s\"", EV_SCHEMA);
		return MEDSEC_ERR_FORMAT;
	}
	if (!commit_ok(commit)) {
		medsec_ini_err(err, 0, NULL, "commit",
		    "must be 7-64 lowercase hex "
		    "digits or \"unknown\"");
		return MEDSEC_ERR_FORMAT;
	}
	if (!utc_ok(collected)) {
		medsec_ini_err(err, 0, NULL, "collected", "must be UTC, "
		    "YYYY-MM-DDTHH:MM:SSZ");
		return MEDSEC_ERR_FORMAT;
	}
	if (dirty != NULL && !json_is_boolean(dirty) && !json_is_null(dirty)) {
		medsec_ini_err(err, 0, NULL, "dirty",
		    "must be true, false or null");
		return MEDSEC_ERR_FORMAT;
	}
	ev->dirty = json_is_boolean(dirty) ? json_is_true(dirty) : -1;
	memcpy(ev->commit, commit, strlen(commit) + 1);
	memcpy(ev->collected, collected, strlen(collected) + 1);
	if ((r = take_text(version, ev->tested_version,
	    sizeof(ev->tested_version), "medsec_version", err)) != 0 ||
	    (r = take_text(ctest, ev->ctest, sizeof(ev->ctest), "ctest",
	    err)) != 0 ||
	    (r = take_text(cc, ev->compiler, sizeof(ev->compiler), "compiler",
	    err)) != 0 ||
	    (r = take_text(bt, ev->build_type, sizeof(ev->build_type),
	    "build_type", err)) != 0 ||
	    (r = take_text(host, ev->host, sizeof(ev->host), "host", err)) != 0)
		return r;
	return MEDSEC_OK;
}

static int
read_meta(const char *path, struct medsec_evidence *ev,
    struct medsec_config_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *root;
	json_error_t je;
	int r;

	r = medsec_io_read_file(path, META_MAX, 0, &buf, &len);
	if (r != MEDSEC_OK)
		return r;
	medsec_ini_err_clear(err, path);
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (root == NULL) {
		medsec_ini_err(err, je.line > 0 ? je.line : 0, NULL, NULL, "%s",
		    je.text);
		return MEDSEC_ERR_FORMAT;
	}
	r = unpack_meta(root, ev, err);
	json_decref(root);
	if (r == MEDSEC_OK)
		memcpy(ev->source, "meta.json", sizeof("meta.json"));
	return r;
}

/* The fallback: a file holding the commit on one line. */
static int
read_commit(const char *path, struct medsec_evidence *ev,
    struct medsec_config_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	r = medsec_io_read_file(path, sizeof(ev->commit), 0, &buf, &len);
	if (r != MEDSEC_OK)
		return r;
	medsec_ini_err_clear(err, path);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (memchr(buf, '\0', len) != NULL || !commit_ok((char *)buf)) {
		free(buf);
		medsec_ini_err(err, 1, NULL, NULL,
		    "must hold 7-64 lowercase hex "
		    "digits or \"unknown\"");
		return MEDSEC_ERR_FORMAT;
	}
	memcpy(ev->commit, buf, len + 1);
	free(buf);
	memcpy(ev->source, "commit", sizeof("commit"));
	return MEDSEC_OK;
}

/* Tabs and line ends are fine in a quoted result; other control bytes
 * and invalid UTF-8 are not text to show a reviewer. */
static int
quotable(const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j < n && s[j] != '\n' && s[j] != '\t' &&
		    s[j] != '\r'; j++)
			;
		if (!cmp_text_ok(s + i, j - i))
			return 0;
		i = j + 1;
	}
	return 1;
}

/* A result file: quoted when it is text within the cap. */
static int
add_file(struct medsec_evidence *ev, enum ev_kind kind, const char *path,
    const char *rel, int quote)
{
	struct ev_file *f;
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (ev->nfiles >= MEDSEC_EVIDENCE_FILES_MAX)
		return MEDSEC_OK;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return MEDSEC_OK;
	f = &ev->files[ev->nfiles++];
	f->kind = kind;
	medsec_ini_copy(f->name, sizeof(f->name), rel, strlen(rel));
	f->size = (size_t)st.st_size;
	if (!quote)
		return MEDSEC_OK;
	r = medsec_io_read_file(path, MEDSEC_EVIDENCE_TEXT_MAX, 0, &buf, &len);
	if (r == MEDSEC_ERR_NOMEM)
		return r;
	if (r != MEDSEC_OK) {
		snprintf(f->note, sizeof(f->note), "not quoted: %s",
		    r == MEDSEC_ERR_TOO_LARGE ? "larger than the quoting cap" :
		    medsec_strerror(r));
		return MEDSEC_OK;
	}
	if (!quotable((const char *)buf, len)) {
		free(buf);
		snprintf(f->note, sizeof(f->note), "not quoted: not UTF-8 "
		    "text");
		return MEDSEC_OK;
	}
	f->text = (char *)buf;
	return MEDSEC_OK;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a directory, sorted, so the documents do not depend on the
 * order the file system lists them in. */
static int
list_dir(const char *dir, char ***namesp, size_t *np)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, **nn;
	size_t n = 0;
	int r = MEDSEC_OK;

	*namesp = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL)
		return MEDSEC_OK;
	while ((e = readdir(d)) != NULL && n < MEDSEC_EVIDENCE_FILES_MAX) {
		if (e->d_name[0] == '.' ||
		    strlen(e->d_name) >= sizeof(((struct ev_file *)0)->name) -
		    16)
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (nn[n] = strdup(e->d_name)) == NULL) {
			names = nn != NULL ? nn : names;
			r = MEDSEC_ERR_NOMEM;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	*namesp = names;
	*np = n;
	return r;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
scan_results(struct medsec_evidence *ev, const char *dir, const char *sub,
    enum ev_kind kind)
{
	char path[EV_PATH_MAX], file[EV_PATH_MAX], rel[256];
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if (medsec_io_path(path, sizeof(path), dir, sub) != MEDSEC_OK)
		return MEDSEC_ERR_TOO_LARGE;
	if ((r = list_dir(path, &names, &n)) != MEDSEC_OK)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", sub, names[i]);
		if (medsec_io_path(file, sizeof(file), path, names[i]) !=
		    MEDSEC_OK)
			continue;
		if ((r = add_file(ev, kind, file, rel, 1)) != MEDSEC_OK)
			goto out;
	}
out:
	free_names(names, n);
	return r;
}

/* sbom.* and vulnerabilities.* at the top: listed, not quoted. */
static int
scan_production(struct medsec_evidence *ev, const char *dir)
{
	char file[EV_PATH_MAX];
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if ((r = list_dir(dir, &names, &n)) != MEDSEC_OK)
		goto out;
	for (i = 0; i < n && r == MEDSEC_OK; i++) {
		enum ev_kind kind;

		if (strncmp(names[i], "sbom.", 5) == 0)
			kind = EV_SBOM;
		else if (strncmp(names[i], "vulnerabilities.", 16) == 0)
			kind = EV_VULN;
		else
			continue;
		if (medsec_io_path(file, sizeof(file), dir, names[i]) ==
		    MEDSEC_OK)
			r = add_file(ev, kind, file, names[i], 0);
	}
out:
	free_names(names, n);
	return r;
}

static int
load_junit(struct medsec_evidence *ev, const char *dir,
    struct medsec_config_error *err)
{
	char path[EV_PATH_MAX];
	struct stat st;
	int r;

	if ((r = path_join(path, dir, "junit.xml", err)) != MEDSEC_OK)
		return r;
	if (lstat(path, &st) != 0)
		return MEDSEC_OK;
	return medsec_junit_load(path, &ev->junit, err);
}

static int
load_meta(struct medsec_evidence *ev, const char *dir,
    struct medsec_config_error *err)
{
	char path[EV_PATH_MAX];
	int r;

	if ((r = path_join(path, dir, "meta.json", err)) != MEDSEC_OK)
		return r;
	r = read_meta(path, ev, err);
	if (r != MEDSEC_ERR_NOT_FOUND)
		goto done;
	if ((r = path_join(path, dir, "commit", err)) != MEDSEC_OK)
		return r;
	r = read_commit(path, ev, err);
	if (r == MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK;
done:
	if (r != MEDSEC_OK && err->message[0] == '\0') {
		medsec_ini_err_clear(err, path);
		medsec_ini_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(r));
	}
	return r;
}

int
medsec_evidence_load(const char *dir, struct medsec_evidence **evp,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct medsec_evidence *ev = NULL;
	struct stat st;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, dir);
	if (dir == NULL || evp == NULL)
		return MEDSEC_ERR_INVALID;
	*evp = NULL;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		medsec_ini_err(err, 0, NULL, NULL, "not a directory");
		return MEDSEC_ERR_NOT_FOUND;
	}
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(ev->commit, "unknown", sizeof("unknown"));
	ev->dirty = -1;
	if ((r = load_junit(ev, dir, err)) != MEDSEC_OK ||
	    (r = load_meta(ev, dir, err)) != MEDSEC_OK)
		goto out;
	medsec_ini_err_clear(err, dir);
	if ((r = scan_results(ev, dir, "bench", EV_BENCH)) != MEDSEC_OK ||
	    (r = scan_results(ev, dir, "attacks", EV_ATTACK)) != MEDSEC_OK ||
	    (r = scan_production(ev, dir)) != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL,
		    "cannot list result files: %s",
		    medsec_strerror(r));
		goto out;
	}
	*evp = ev;
	ev = NULL;
	r = MEDSEC_OK;
out:
	medsec_evidence_free(ev);
	return r;
}

void
medsec_evidence_free(struct medsec_evidence *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < ev->nfiles; i++)
		free(ev->files[i].text);
	medsec_junit_free(ev->junit);
	free(ev);
}

const struct medsec_junit *
medsec_evidence_junit(const struct medsec_evidence *ev)
{
	return ev != NULL ? ev->junit : NULL;
}

const char *
medsec_evidence_commit(const struct medsec_evidence *ev)
{
	return ev != NULL ? ev->commit : NULL;
}
