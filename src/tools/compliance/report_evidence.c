/*
 * The evidence directory scripts/report.sh collects: test results, where
 * and from which commit they came, and result files the V&V report
 * quotes. Everything the documents say about versions, dates and counts
 * comes from here, never from text typed into the generator.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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
	const char *host = NULL, *started = NULL;
	json_t *dirty = NULL;
	json_error_t je;
	int r;

	if (json_unpack_ex(root, &je, JSON_STRICT,
	    "{s:s, s:s, s:s, s?o, s?s, s?s, s?s, s?s, s?s, s?s}",
	    "schema", &schema, "commit", &commit, "collected", &collected,
	    "dirty", &dirty, "medsec_version", &version, "ctest", &ctest,
	    "compiler", &cc, "build_type", &bt, "host", &host,
	    "started", &started) != 0) {
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
	if (started != NULL && (!utc_ok(started) ||
	    strcmp(started, collected) > 0)) {
		medsec_ini_err(err, 0, NULL, "started", "must be UTC, "
		    "YYYY-MM-DDTHH:MM:SSZ, not after \"collected\"");
		return MEDSEC_ERR_FORMAT;
	}
	if (started != NULL)
		memcpy(ev->started, started, strlen(started) + 1);
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

/*
 * The test run a result file must come from: its start and end (UTC) and
 * the commit tested. A benchmark or attack result is quoted only when it
 * falls inside this window; anything else is excluded and listed with the
 * reason, so a stale result can never read as this run's.
 */
struct ev_window {
	const char *started;	/* "" when the evidence does not record it */
	const char *collected;
	const char *commit;	/* "" or "unknown" when not comparable */
	const char *meta;	/* the file the window comes from */
};

static void
utc_of(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outlen, "unknown");
}

/* The first line's UTC time (bench/run.sh writes one), or "". */
static void
first_line_time(const char *text, size_t len, char *out, size_t outlen)
{
	size_t i, n;

	out[0] = '\0';
	for (n = 0; n < len && text[n] != '\n'; n++)
		;
	for (i = 0; i + 20 <= n; i++) {
		char cand[21];

		memcpy(cand, text + i, 20);
		cand[20] = '\0';
		if (utc_ok(cand)) {
			snprintf(out, outlen, "%s", cand);
			return;
		}
	}
}

/* "commit <hex>" on the first line, when the file records one. */
static int
first_line_commit(const char *text, size_t len, char *out, size_t outlen)
{
	const char *p, *nl = memchr(text, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - text) : len, h;

	for (p = text; p + 7 < text + n; p++) {
		if (memcmp(p, "commit ", 7) != 0)
			continue;
		h = strspn(p + 7, "0123456789abcdef");
		if (h >= 7 && h < outlen && p + 7 + h <= text + n) {
			memcpy(out, p + 7, h);
			out[h] = '\0';
			return 1;
		}
	}
	return 0;
}

static void
judge_run(struct ev_file *f, const struct stat *st, const char *text,
    size_t len, const struct ev_window *w)
{
	char when[32], commit[72];
	const char *how = "recorded in the file";

	first_line_time(text != NULL ? text : "", text != NULL ? len : 0,
	    when, sizeof(when));
	if (when[0] == '\0') {
		utc_of(st->st_mtime, when, sizeof(when));
		how = "its modification time";
	}
	f->excluded = 1;
	if (w->started[0] == '\0')
		snprintf(f->excluded_why, sizeof(f->excluded_why), "%s does "
		    "not record when the test run started (\"started\"), so "
		    "no result can be shown to come from it", w->meta);
	else if (text != NULL && w->commit[0] != '\0' &&
	    strcmp(w->commit, "unknown") != 0 &&
	    first_line_commit(text, len, commit, sizeof(commit)) &&
	    strncmp(commit, w->commit, strlen(commit)) != 0)
		snprintf(f->excluded_why, sizeof(f->excluded_why), "made from "
		    "commit %.40s, not the tested commit %.40s", commit,
		    w->commit);
	else if (strcmp(when, w->started) < 0)
		snprintf(f->excluded_why, sizeof(f->excluded_why), "dated %s "
		    "(%s), before the test run started at %s", when, how,
		    w->started);
	else if (w->collected[0] != '\0' && strcmp(when, w->collected) > 0)
		snprintf(f->excluded_why, sizeof(f->excluded_why), "dated %s "
		    "(%s), after the evidence was collected at %s", when, how,
		    w->collected);
	else
		f->excluded = 0;
}

/* A result file: quoted when it is text within the cap and, for a file
 * with a run window, from that run. */
static int
add_file(struct medsec_evidence *ev, enum ev_kind kind, const char *path,
    const char *rel, const struct ev_window *w)
{
	struct ev_file *f;
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return MEDSEC_OK;
	if (ev->nfiles >= MEDSEC_EVIDENCE_FILES_MAX) {
		ev->nunread++;
		return MEDSEC_OK;
	}
	f = &ev->files[ev->nfiles++];
	f->kind = kind;
	medsec_ini_copy(f->name, sizeof(f->name), rel, strlen(rel));
	f->size = (size_t)st.st_size;
	if (w == NULL)
		return MEDSEC_OK;
	r = medsec_io_read_file(path, MEDSEC_EVIDENCE_TEXT_MAX, 0, &buf, &len);
	if (r == MEDSEC_ERR_NOMEM)
		return r;
	if (r != MEDSEC_OK) {
		snprintf(f->note, sizeof(f->note), "not quoted: %s",
		    r == MEDSEC_ERR_TOO_LARGE ? "larger than the quoting cap" :
		    medsec_strerror(r));
		judge_run(f, &st, NULL, 0, w);
		return MEDSEC_OK;
	}
	if (!quotable((const char *)buf, len)) {
		free(buf);
		snprintf(f->note, sizeof(f->note), "not quoted: not UTF-8 "
		    "text");
		judge_run(f, &st, NULL, 0, w);
		return MEDSEC_OK;
	}
	judge_run(f, &st, (const char *)buf, len, w);
	if (f->excluded) {
		free(buf);
		snprintf(f->note, sizeof(f->note), "not quoted: not from this "
		    "test run");
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
    enum ev_kind kind, const struct ev_window *w, int device)
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
		if ((r = add_file(ev, kind, file, rel, w)) != MEDSEC_OK)
			goto out;
		if (ev->nfiles > 0)
			ev->files[ev->nfiles - 1].device = device;
	}
out:
	free_names(names, n);
	return r;
}

/* An SBOM or vulnerability file: summarised (counts by kind and state),
 * and a text file (the scan's own output) quoted. */
static int
read_production(struct ev_file *f, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	r = medsec_io_read_file(path, MEDSEC_EVIDENCE_TEXT_MAX * 32, 0, &buf,
	    &len);
	if (r == MEDSEC_ERR_NOMEM)
		return r;
	if (r != MEDSEC_OK) {
		snprintf(f->note, sizeof(f->note), "not read: %s",
		    medsec_strerror(r));
		return MEDSEC_OK;
	}
	f->summary = ev_production_summary(f->name, (const char *)buf, len);
	if (f->summary == NULL && len <= MEDSEC_EVIDENCE_TEXT_MAX &&
	    quotable((const char *)buf, len)) {
		f->text = (char *)buf;
		return MEDSEC_OK;
	}
	if (f->summary == NULL)
		snprintf(f->note, sizeof(f->note), "not summarised: not a "
		    "CycloneDX, SPDX or CSAF document");
	free(buf);
	return MEDSEC_OK;
}

/* sbom.* and vulnerabilities.* at the top: summarised, not quoted. */
static int
scan_production(struct medsec_evidence *ev, const char *dir)
{
	char file[EV_PATH_MAX];
	char **names = NULL;
	size_t n = 0, i, n0;
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
		if (medsec_io_path(file, sizeof(file), dir, names[i]) !=
		    MEDSEC_OK)
			continue;
		n0 = ev->nfiles;
		r = add_file(ev, kind, file, names[i], NULL);
		if (r == MEDSEC_OK && ev->nfiles > n0)
			r = read_production(&ev->files[n0], file);
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
	struct ev_window w;
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
	w.started = ev->started;
	w.collected = ev->collected;
	w.commit = ev->commit;
	w.meta = ev->source[0] != '\0' ? ev->source : "the evidence";
	/* Production files first: result files past the cap must not
	 * push the SBOM out of the package. */
	if ((r = scan_production(ev, dir)) != MEDSEC_OK ||
	    (r = scan_results(ev, dir, "bench", EV_BENCH, &w, 0)) !=
	    MEDSEC_OK ||
	    (r = scan_results(ev, dir, "attacks", EV_ATTACK, &w, 0)) !=
	    MEDSEC_OK) {
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
	for (i = 0; i < ev->nfiles; i++) {
		free(ev->files[i].text);
		json_decref(ev->files[i].summary);
	}
	for (i = 0; i < ev->ndevice; i++)
		medsec_junit_free(ev->device[i].junit);
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

/* ---- device evidence ---- */

#define DEV_SCHEMA "medsec-device-evidence-1"

static int
unpack_device(json_t *root, struct ev_device_meta *m,
    struct medsec_config_error *err)
{
	const char *schema = NULL, *sw = NULL, *ver = NULL, *build = NULL;
	const char *started = NULL, *collected = NULL;
	json_error_t je;
	int r;

	if (json_unpack_ex(root, &je, JSON_STRICT,
	    "{s:s, s:s, s:s, s?s, s?s, s?s}", "schema", &schema,
	    "software", &sw, "version", &ver, "build", &build,
	    "started", &started, "collected", &collected) != 0) {
		medsec_ini_err(err, 0, NULL, NULL, "%s", je.text);
		return MEDSEC_ERR_FORMAT;
	}
	if (strcmp(schema, DEV_SCHEMA) != 0) {
		medsec_ini_err(err, 0, NULL, "schema", "must be \"%s\"",
		    DEV_SCHEMA);
		return MEDSEC_ERR_FORMAT;
	}
	if ((started != NULL && !utc_ok(started)) ||
	    (collected != NULL && !utc_ok(collected))) {
		medsec_ini_err(err, 0, NULL, started != NULL &&
		    !utc_ok(started) ? "started" : "collected",
		    "must be UTC, YYYY-MM-DDTHH:MM:SSZ");
		return MEDSEC_ERR_FORMAT;
	}
	if (started != NULL && collected != NULL &&
	    strcmp(started, collected) > 0) {
		medsec_ini_err(err, 0, NULL, "started", "\"%s\" is after "
		    "\"collected\" (\"%s\")", started, collected);
		return MEDSEC_ERR_FORMAT;
	}
	if ((r = take_text(sw, m->software, sizeof(m->software), "software",
	    err)) != 0 ||
	    (r = take_text(ver, m->version, sizeof(m->version), "version",
	    err)) != 0 ||
	    (r = take_text(build, m->build, sizeof(m->build), "build",
	    err)) != 0 ||
	    (r = take_text(started, m->started, sizeof(m->started), "started",
	    err)) != 0)
		return r;
	return take_text(collected, m->collected, sizeof(m->collected),
	    "collected", err);
}

/* device.json into *m; MEDSEC_ERR_NOT_FOUND when the file is absent. */
static int
read_device_meta(const char *path, struct ev_device_meta *m,
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
	r = unpack_device(root, m, err);
	json_decref(root);
	if (r == MEDSEC_OK)
		medsec_ini_copy(m->source, sizeof(m->source), path,
		    strlen(path));
	return r;
}

/* Two device.json files must describe the same device software. */
static int
merge_device_meta(struct medsec_evidence *ev, const struct ev_device_meta *m,
    struct medsec_config_error *err)
{
	if (m->source[0] == '\0')
		return MEDSEC_OK;
	if (ev->dev.source[0] != '\0' &&
	    (strcmp(ev->dev.software, m->software) != 0 ||
	    strcmp(ev->dev.version, m->version) != 0)) {
		medsec_ini_err_clear(err, m->source);
		medsec_ini_err(err, 0, NULL, "software", "\"%s %s\" differs "
		    "from \"%s %s\" in %s: device evidence must be about one "
		    "device software", m->software, m->version,
		    ev->dev.software, ev->dev.version, ev->dev.source);
		return MEDSEC_ERR_FORMAT;
	}
	if (ev->dev.source[0] == '\0')
		ev->dev = *m;
	return MEDSEC_OK;
}

static int
add_device_junit(struct medsec_evidence *ev, const char *path,
    struct medsec_config_error *err)
{
	struct ev_device *d;
	int r;

	if (ev->ndevice >= MEDSEC_DEVICE_JUNIT_MAX) {
		medsec_ini_err_clear(err, path);
		medsec_ini_err(err, 0, NULL, NULL, "more than %d device JUnit "
		    "files", MEDSEC_DEVICE_JUNIT_MAX);
		return MEDSEC_ERR_TOO_LARGE;
	}
	d = &ev->device[ev->ndevice];
	memset(d, 0, sizeof(*d));
	if ((r = medsec_junit_load(path, &d->junit, err)) != MEDSEC_OK)
		return r;
	medsec_ini_copy(d->name, sizeof(d->name), path, strlen(path));
	ev->ndevice++;
	return MEDSEC_OK;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int
add_device_dir(struct medsec_evidence *ev, const char *dir,
    struct medsec_config_error *err)
{
	struct ev_device_meta m;
	struct ev_window w;
	char path[EV_PATH_MAX], **names = NULL;
	size_t n = 0, i;
	int r;

	memset(&m, 0, sizeof(m));
	if ((r = path_join(path, dir, "device.json", err)) != MEDSEC_OK)
		return r;
	r = read_device_meta(path, &m, err);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND) {
		if (err->message[0] == '\0')
			medsec_ini_err(err, 0, NULL, NULL, "cannot read: %s",
			    medsec_strerror(r));
		return r;
	}
	if ((r = merge_device_meta(ev, &m, err)) != MEDSEC_OK)
		return r;
	if ((r = list_dir(dir, &names, &n)) != MEDSEC_OK)
		goto out;
	for (i = 0; i < n && r == MEDSEC_OK; i++) {
		struct stat st;

		if (!ends_with(names[i], ".xml") ||
		    (r = path_join(path, dir, names[i], err)) != MEDSEC_OK)
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			r = add_device_junit(ev, path, err);
	}
	if (r != MEDSEC_OK)
		goto out;
	w.started = m.started;
	w.collected = m.collected;
	w.commit = "";
	w.meta = m.source[0] != '\0' ? "device.json" : "the device evidence "
	    "(no device.json)";
	medsec_ini_err_clear(err, dir);
	if ((r = scan_results(ev, dir, "attacks", EV_ATTACK, &w, 1)) !=
	    MEDSEC_OK)
		medsec_ini_err(err, 0, NULL, NULL, "cannot list result files: "
		    "%s", medsec_strerror(r));
out:
	free_names(names, n);
	return r;
}

/* Puts ev back as it was before a failed medsec_evidence_add_device(). */
static void
rollback_device(struct medsec_evidence *ev, size_t ndevice, size_t nfiles,
    const struct ev_device_meta *dev)
{
	while (ev->ndevice > ndevice)
		medsec_junit_free(ev->device[--ev->ndevice].junit);
	while (ev->nfiles > nfiles) {
		struct ev_file *f = &ev->files[--ev->nfiles];

		free(f->text);
		json_decref(f->summary);
		memset(f, 0, sizeof(*f));
	}
	ev->dev = *dev;
}

int
medsec_evidence_add_device(struct medsec_evidence *ev, const char *path,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct ev_device_meta saved;
	size_t ndevice, nfiles;
	struct stat st;
	int r;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, path);
	if (ev == NULL || path == NULL)
		return MEDSEC_ERR_INVALID;
	if (stat(path, &st) != 0) {
		medsec_ini_err(err, 0, NULL, NULL, "device evidence not "
		    "found: %s", strerror(errno));
		return MEDSEC_ERR_NOT_FOUND;
	}
	ndevice = ev->ndevice;
	nfiles = ev->nfiles;
	saved = ev->dev;
	if (S_ISDIR(st.st_mode))
		r = add_device_dir(ev, path, err);
	else if (S_ISREG(st.st_mode))
		r = add_device_junit(ev, path, err);
	else {
		medsec_ini_err(err, 0, NULL, NULL, "neither a JUnit file nor a "
		    "directory");
		r = MEDSEC_ERR_INVALID;
	}
	if (r == MEDSEC_OK && ev->ndevice == ndevice && ev->nfiles == nfiles) {
		medsec_ini_err_clear(err, path);
		medsec_ini_err(err, 0, NULL, NULL, "holds no device evidence "
		    "(no *.xml JUnit file and no attacks/ results)");
		r = MEDSEC_ERR_NOT_FOUND;
	}
	if (r != MEDSEC_OK)
		rollback_device(ev, ndevice, nfiles, &saved);
	return r;
}

size_t
medsec_evidence_device_count(const struct medsec_evidence *ev)
{
	return ev != NULL ? ev->ndevice : 0;
}

const struct medsec_junit *
medsec_evidence_device_junit(const struct medsec_evidence *ev, size_t i)
{
	return ev != NULL && i < ev->ndevice ? ev->device[i].junit : NULL;
}

int
ev_claims(const struct medsec_requirement *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->test_tags.n; i++)
		if (strncmp(name, req->test_tags.v[i],
		    strlen(req->test_tags.v[i])) == 0)
			return 1;
	return 0;
}

void
ev_tally_device(const struct medsec_evidence *ev,
    const struct medsec_requirement *req, struct ev_tally *t)
{
	const struct medsec_junit_case *c;
	size_t d, i;

	memset(t, 0, sizeof(*t));
	for (d = 0; ev != NULL && d < ev->ndevice; d++)
		for (i = 0; i < ev->device[d].junit->n; i++) {
			c = &ev->device[d].junit->cases[i];
			if (!ev_claims(req, c->name))
				continue;
			t->n++;
			switch (c->status) {
			case MEDSEC_TEST_PASS: t->pass++; break;
			case MEDSEC_TEST_FAIL: t->fail++; break;
			case MEDSEC_TEST_SKIP: t->skip++; break;
			default: t->notrun++; break;
			}
		}
}

static int
is_production(const struct ev_file *f)
{
	return f->kind == EV_SBOM || f->kind == EV_VULN;
}

size_t
medsec_evidence_production_count(const struct medsec_evidence *ev)
{
	size_t i, n = 0;

	for (i = 0; ev != NULL && i < ev->nfiles; i++)
		n += is_production(&ev->files[i]);
	return n;
}

const char *
medsec_evidence_production_name(const struct medsec_evidence *ev, size_t k)
{
	size_t i;

	for (i = 0; ev != NULL && i < ev->nfiles; i++)
		if (is_production(&ev->files[i]) && k-- == 0)
			return ev->files[i].name;
	return NULL;
}
