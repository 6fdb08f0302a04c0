/*
 * medsec report: builds the MFDS submission package (checklist, risk
 * management document, V&V report; Markdown, JSON, HTML and PDF, an
 * index and a checksum manifest) from a device profile and an evidence
 * directory. Every document is written in Korean and in English (--lang),
 * each language in its own files: <stem>.ko.<ext> and <stem>.en.<ext>.
 *
 * The package is written into a staging directory next to OUTDIR and
 * renamed into place, so OUTDIR always holds one whole package: never a
 * mix of two runs. PDFs come from headless Chromium when it is installed;
 * without it the package says so and the command warns.
 */
#define _GNU_SOURCE /* renameat2(), environ */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "medsec-tools/compliance.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "cli.h"
#include "io/io.h"

#define PDF_TIMEOUT_MS (120 * 1000)
#define PDF_MAX (64 * 1024 * 1024)
#define MANIFEST "manifest.json"

struct report_args {
	const char *profile;
	const char *evidence;
	const char *out;
	const char *catalog;
	int strict;
	int draft; /* --draft: missing harm or functions only warn */
	/* --device-evidence FILE_OR_DIR, repeatable (argv pointers). */
	size_t ndevice;
	const char *device[MEDSEC_DEVICE_JUNIT_MAX];
	/* Korean first: the submission's language leads the index. */
	enum medsec_report_lang langs[MEDSEC_REPORT_LANGS];
	size_t nlangs;
};

struct pkg {
	char out[PATH_MAX];   /* OUTDIR, no trailing slash */
	char stage[PATH_MAX]; /* the staging directory, "" when none */
	json_t *files;	      /* manifest entries */
	int have_pdf;
	char pdf_note[PATH_MAX + 128];
};

static void
report_usage(void)
{
	fprintf(stderr, "usage: medsec report PROFILE --evidence DIR --out "
	    "OUTDIR [--strict] [--catalog FILE] [--lang ko|en|both]\n"
	    "                     [--draft] [--device-evidence FILE_OR_DIR "
	    "...]\n");
}

/* --lang: "ko", "en" or "both" (Korean, then English). */
static int
parse_lang(const char *s, struct report_args *a)
{
	if (strcmp(s, "both") == 0) {
		a->langs[0] = MEDSEC_REPORT_LANG_KO;
		a->langs[1] = MEDSEC_REPORT_LANG_EN;
		a->nlangs = 2;
		return 0;
	}
	a->nlangs = 1;
	if (medsec_report_lang_parse(s, &a->langs[0]) == MEDSEC_OK)
		return 0;
	fprintf(stderr, "medsec: report: --lang %s: expected ko, en or "
	    "both\n", s);
	return -1;
}

static int
parse(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = { { "evidence", 1, NULL, 'e' },
		{ "out", 1, NULL, 'o' }, { "strict", 0, NULL, 's' },
		{ "catalog", 1, NULL, 'c' }, { "help", 0, NULL, 'h' },
		{ "device-evidence", 1, NULL, 'D' },
		{ "draft", 0, NULL, 'R' },
		{ "lang", 1, NULL, 'l' }, { NULL, 0, NULL, 0 } };
	int c;

	memset(a, 0, sizeof(*a));
	if (parse_lang("both", a) != 0)
		return -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "e:o:sc:hl:", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			if (a->ndevice >= MEDSEC_DEVICE_JUNIT_MAX) {
				cli_fail("report: more than %d "
				    "--device-evidence arguments",
				    MEDSEC_DEVICE_JUNIT_MAX);
				return -1;
			}
			a->device[a->ndevice++] = optarg;
			break;
		case 'e': a->evidence = optarg; break;
		case 'o': a->out = optarg; break;
		case 's': a->strict = 1; break;
		case 'R': a->draft = 1; break;
		case 'c': a->catalog = optarg; break;
		case 'l':
			if (parse_lang(optarg, a) != 0)
				return -1;
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	if (optind != argc - 1 || a->evidence == NULL || a->out == NULL ||
	    a->out[0] == '\0')
		return -1;
	a->profile = argv[optind];
	return 0;
}

/* ---- staging and the manifest ---- */

static int
unlink_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Only ever called on directories this command created (mkdtemp). */
static void
remove_tree(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
manifest_add(struct pkg *k, const char *name, const void *buf, size_t len)
{
	uint8_t md[32];
	char md_hex[65];
	int r;

	if ((r = medsec_hash(MEDSEC_ALG_SHA256, buf, len, md)) != MEDSEC_OK)
		return r;
	hex(md, sizeof(md), md_hex);
	if (json_array_append_new(k->files, json_pack("{s:s, s:I, s:s}",
	    "name", name, "bytes", (json_int_t)len, "sha256", md_hex)) != 0)
		return MEDSEC_ERR_NOMEM;
	return MEDSEC_OK;
}

static int
stage_file(struct pkg *k, const char *name, const char *buf, size_t len)
{
	int r;

	/* Public documents: readable by all, like any file handed out. */
	r = medsec_io_write_file_new(k->stage, name, buf, len, 0644);
	if (r != MEDSEC_OK) {
		cli_error(r, "report: cannot write %s/%s", k->stage, name);
		return r;
	}
	return manifest_add(k, name, buf, len);
}

static int
stage_begin(struct pkg *k, const char *out)
{
	size_t n = strlen(out);

	while (n > 1 && out[n - 1] == '/')
		n--;
	if (n + sizeof(".tmp-XXXXXX") > sizeof(k->out)) {
		cli_fail("report: output path too long");
		return MEDSEC_ERR_TOO_LARGE;
	}
	memcpy(k->out, out, n);
	k->out[n] = '\0';
	memcpy(k->stage, k->out, n);
	memcpy(k->stage + n, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));
	if (mkdtemp(k->stage) == NULL) {
		cli_fail("report: cannot create %s: %s", k->stage,
		    strerror(errno));
		k->stage[0] = '\0';
		return MEDSEC_ERR_IO;
	}
	if (chmod(k->stage, 0755) != 0) {
		cli_fail("report: %s: %s", k->stage, strerror(errno));
		return MEDSEC_ERR_IO;
	}
	return (k->files = json_array()) == NULL ? MEDSEC_ERR_NOMEM : 0;
}

static int
stage_document(struct pkg *k, const struct medsec_report *rep,
    enum medsec_report_doc d, enum medsec_report_lang lang,
    enum medsec_report_format f)
{
	char name[64], *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = medsec_report_file_name(d, lang,
	    medsec_report_format_ext(f), name, sizeof(name))) != MEDSEC_OK) {
		cli_error(r, "report: naming %s", medsec_report_doc_stem(d));
		return r;
	}
	if ((r = medsec_report_render(rep, d, f, &buf, &len)) != MEDSEC_OK) {
		cli_error(r, "report: rendering %s", name);
		return r;
	}
	r = stage_file(k, name, buf, len);
	free(buf);
	return r;
}

/* Every document in every format, one language pass after the other. */
static int
stage_documents(struct pkg *k, struct medsec_report *rep,
    const struct report_args *a)
{
	size_t l;
	int d, f, r;

	for (l = 0; l < a->nlangs; l++) {
		if ((r = medsec_report_set_lang(rep, a->langs[l])) !=
		    MEDSEC_OK) {
			cli_error(r, "report: language");
			return r;
		}
		for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
			for (f = 0; f < MEDSEC_REPORT_FORMATS; f++)
				if ((r = stage_document(k, rep,
				    (enum medsec_report_doc)d, a->langs[l],
				    (enum medsec_report_format)f)) !=
				    MEDSEC_OK)
					return r;
	}
	return MEDSEC_OK;
}

/* The SBOM, vulnerability status and VEX files, unchanged. */
static int
stage_production(struct pkg *k, const struct report_args *a,
    const struct medsec_evidence *ev)
{
	char path[PATH_MAX];
	const char *name;
	uint8_t *buf = NULL;
	size_t i, len = 0;
	int r;

	for (i = 0; (name = medsec_evidence_production_name(ev, i)) != NULL;
	    i++) {
		if ((r = medsec_io_path(path, sizeof(path), a->evidence,
		    name)) != MEDSEC_OK ||
		    (r = medsec_io_read_file(path, PDF_MAX, 0, &buf, &len)) !=
		    MEDSEC_OK) {
			cli_error(r, "report: cannot read %s/%s", a->evidence,
			    name);
			return r;
		}
		r = stage_file(k, name, (const char *)buf, len);
		free(buf);
		if (r != MEDSEC_OK)
			return r;
	}
	return MEDSEC_OK;
}

/* The MDS2 draft in each language: mds2-draft.<lang>.{md,json,html}. */
static int
stage_mds2(struct pkg *k, struct medsec_report *rep,
    const struct report_args *a)
{
	char name[64], *buf = NULL;
	size_t l, len = 0;
	int f, r;

	for (l = 0; l < a->nlangs; l++) {
		if ((r = medsec_report_set_lang(rep, a->langs[l])) !=
		    MEDSEC_OK) {
			cli_error(r, "report: language");
			return r;
		}
		for (f = 0; f < MEDSEC_REPORT_FORMATS; f++) {
			r = medsec_report_render_mds2(rep,
			    (enum medsec_report_format)f, &buf, &len);
			if (r != MEDSEC_OK) {
				cli_error(r, "report: rendering the MDS2 "
				    "draft");
				return r;
			}
			snprintf(name, sizeof(name), "mds2-draft.%s.%s",
			    medsec_report_lang_name(a->langs[l]),
			    medsec_report_format_ext(f));
			r = stage_file(k, name, buf, len);
			free(buf);
			if (r != MEDSEC_OK)
				return r;
		}
	}
	return MEDSEC_OK;
}

/* Production files and the MDS2 draft an earlier package carried. */
static void
remove_production(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if ((strncmp(e->d_name, "sbom.", 5) == 0 ||
		    strncmp(e->d_name, "vulnerabilities.", 16) == 0 ||
		    strncmp(e->d_name, "mds2-draft.", 11) == 0) &&
		    medsec_io_path(path, sizeof(path), dir, e->d_name) ==
		    MEDSEC_OK)
			unlink(path);
	closedir(d);
}

/* ---- PDF through headless Chromium ---- */

static int
executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/* Looks name up in $PATH without a shell. */
static int
in_path(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH"), *p, *colon;
	size_t n;

	for (p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0'; p = colon +
	    (*colon != '\0')) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		n = (size_t)(colon - p);
		if (n > 0 && (size_t)snprintf(out, outlen, "%.*s/%s", (int)n,
		    p, name) < outlen && executable(out))
			return 1;
		if (*colon == '\0')
			break;
	}
	return 0;
}

static int
find_chromium(char *out, size_t outlen, char *why, size_t whylen)
{
	const char *env = getenv("MEDSEC_CHROMIUM");

	if (env != NULL && env[0] != '\0') {
		if (executable(env) && strlen(env) < outlen) {
			memcpy(out, env, strlen(env) + 1);
			return 1;
		}
		snprintf(why, whylen, "MEDSEC_CHROMIUM=%s is not an "
		    "executable file", env);
		return 0;
	}
	if (in_path("chromium", out, outlen) ||
	    in_path("chromium-browser", out, outlen))
		return 1;
	snprintf(why, whylen, "neither chromium nor chromium-browser is in "
	    "PATH (install the Debian package chromium, or set "
	    "MEDSEC_CHROMIUM)");
	return 0;
}

/* file:// URL of an absolute path, percent-encoding all but the
 * unreserved characters and '/'. */
static int
file_url(const char *path, char *out, size_t outlen)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;
	const unsigned char *s;

	if (outlen < 8)
		return -1;
	memcpy(out, "file://", 7);
	o = 7;
	for (s = (const unsigned char *)path; *s != '\0'; s++) {
		if (o + 4 >= outlen)
			return -1;
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~/", *s) != NULL)
			out[o++] = (char)*s;
		else {
			out[o++] = '%';
			out[o++] = digits[*s >> 4];
			out[o++] = digits[*s & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

/* Waits for pid, killing it after PDF_TIMEOUT_MS; its exit status or -1. */
static int
wait_bounded(pid_t pid)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	int status, waited = 0;
	pid_t w;

	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		if (waited >= PDF_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		nanosleep(&tick, NULL);
		waited += 50;
	}
}

static int
spawn_chromium(const char *chromium, const char *profile_dir,
    const char *pdf, const char *url)
{
	char a_pdf[PATH_MAX + 32], a_prof[PATH_MAX + 32];
	char *argv[] = { (char *)(uintptr_t)chromium, "--headless",
		"--no-sandbox", "--disable-gpu", a_pdf, "--no-pdf-header-footer",
		a_prof, "--no-first-run", (char *)(uintptr_t)url, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	snprintf(a_pdf, sizeof(a_pdf), "--print-to-pdf=%s", pdf);
	snprintf(a_prof, sizeof(a_prof), "--user-data-dir=%s", profile_dir);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	/* Chromium is chatty on both streams even when all is well. */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(&pid, chromium, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -1;
	return wait_bounded(pid);
}

/* Renders one page (stem "checklist.ko"); checks a PDF really came out. */
static int
render_pdf(struct pkg *k, const char *chromium, const char *profile_dir,
    const char *abs_stage, const char *stem)
{
	char html[PATH_MAX], pdf[PATH_MAX], url[3 * PATH_MAX + 16];
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((size_t)snprintf(html, sizeof(html), "%s/%s.html", abs_stage,
	    stem) >= sizeof(html) ||
	    (size_t)snprintf(pdf, sizeof(pdf), "%s/%s.pdf", abs_stage,
	    stem) >= sizeof(pdf) || file_url(html, url, sizeof(url)) != 0) {
		snprintf(k->pdf_note, sizeof(k->pdf_note), "path too long");
		return -1;
	}
	if ((r = spawn_chromium(chromium, profile_dir, pdf, url)) != 0) {
		snprintf(k->pdf_note, sizeof(k->pdf_note), "%s failed on "
		    "%s.html (exit status %d)", chromium, stem, r);
		return -1;
	}
	if (medsec_io_read_file(pdf, PDF_MAX, 0, &buf, &len) != MEDSEC_OK ||
	    len < 5 || memcmp(buf, "%PDF-", 5) != 0) {
		snprintf(k->pdf_note, sizeof(k->pdf_note), "%s wrote no PDF "
		    "for %s.html", chromium, stem);
		free(buf);
		return -1;
	}
	chmod(pdf, 0644);
	r = manifest_add(k, pdf + strlen(abs_stage) + 1, buf, len);
	free(buf);
	return r == MEDSEC_OK ? 0 : -1;
}

/* Unlinks dir/stem.ext, if the path fits (it always does for ours). */
static void
unlink_in(const char *dir, const char *stem, const char *ext)
{
	char name[64], path[PATH_MAX];

	if ((size_t)snprintf(name, sizeof(name), "%s%s%s", stem,
	    ext != NULL ? "." : "", ext != NULL ? ext : "") < sizeof(name) &&
	    medsec_io_path(path, sizeof(path), dir, name) == MEDSEC_OK)
		unlink(path);
}

/* "checklist.ko": a document's file name without the extension. */
static int
doc_lang_stem(int d, enum medsec_report_lang lang, char *out, size_t outlen)
{
	char *dot;

	if (medsec_report_file_name((enum medsec_report_doc)d, lang, "pdf",
	    out, outlen) != MEDSEC_OK || (dot = strrchr(out, '.')) == NULL)
		return -1;
	*dot = '\0';
	return 0;
}

static void
drop_pdfs(struct pkg *k)
{
	char stem[64];
	size_t i = json_array_size(k->files);
	int d, l;

	for (l = 0; l < MEDSEC_REPORT_LANGS; l++)
		for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
			if (doc_lang_stem(d, (enum medsec_report_lang)l, stem,
			    sizeof(stem)) == 0)
				unlink_in(k->stage, stem, "pdf");
	/* PDF entries are the last ones added. */
	while (i > 0) {
		const char *n = json_string_value(json_object_get(
		    json_array_get(k->files, i - 1), "name"));

		if (n == NULL || strstr(n, ".pdf") == NULL)
			break;
		json_array_remove(k->files, --i);
	}
}

static void
stage_pdfs(struct pkg *k, const struct report_args *a)
{
	char chromium[PATH_MAX], abs_stage[PATH_MAX], profile_dir[PATH_MAX];
	char stem[64];
	const char *tmp = getenv("TMPDIR");
	size_t l;
	int d;

	if (!find_chromium(chromium, sizeof(chromium), k->pdf_note,
	    sizeof(k->pdf_note)))
		return;
	/* Chromium's own profile: thrown away after the run. */
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if (medsec_io_path(profile_dir, sizeof(profile_dir), tmp,
	    "medsec-chromium-XXXXXX") != MEDSEC_OK ||
	    realpath(k->stage, abs_stage) == NULL ||
	    mkdtemp(profile_dir) == NULL) {
		snprintf(k->pdf_note, sizeof(k->pdf_note), "cannot prepare "
		    "Chromium: %s", strerror(errno));
		return;
	}
	k->have_pdf = 1;
	for (l = 0; l < a->nlangs && k->have_pdf; l++)
		for (d = 0; d < MEDSEC_REPORT_DOCS && k->have_pdf; d++)
			if (doc_lang_stem(d, a->langs[l], stem,
			    sizeof(stem)) != 0 ||
			    render_pdf(k, chromium, profile_dir, abs_stage,
			    stem) != 0)
				k->have_pdf = 0;
	remove_tree(profile_dir);
	/* The index links every PDF or none. */
	if (!k->have_pdf)
		drop_pdfs(k);
}

static int
stage_index(struct pkg *k, const struct medsec_report *rep,
    const struct medsec_evidence *ev, const struct report_args *a)
{
	char *buf = NULL, *man = NULL;
	size_t len = 0;
	json_t *root;
	int r;

	r = medsec_report_render_index_langs(rep, a->langs, a->nlangs,
	    k->have_pdf, k->have_pdf ? NULL : k->pdf_note, &buf, &len);
	if (r != MEDSEC_OK) {
		cli_error(r, "report: rendering the index");
		return r;
	}
	r = stage_file(k, "index.html", buf, len);
	free(buf);
	if (r != MEDSEC_OK)
		return r;
	root = json_pack("{s:s, s:s, s:O}", "schema", "medsec-submission-1",
	    "evidence_commit", medsec_evidence_commit(ev), "files", k->files);
	if (root == NULL ||
	    (man = json_dumps(root, JSON_INDENT(2))) == NULL) {
		json_decref(root);
		return MEDSEC_ERR_NOMEM;
	}
	json_decref(root);
	r = medsec_io_write_file_new(k->stage, MANIFEST, man, strlen(man),
	    0644);
	free(man);
	if (r != MEDSEC_OK)
		cli_error(r, "report: cannot write %s/%s", k->stage, MANIFEST);
	return r;
}

/* ---- installing the package ---- */

/*
 * Removes the files an earlier package of ours holds, then the dir: the
 * per-language files, and the single-language names older versions
 * wrote (<stem>.<ext>).
 */
static void
remove_old(const char *dir)
{
	static const char *const exts[] = { "md", "json", "html", "pdf" };
	char stem[64];
	int d, l;
	size_t f;

	for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
		for (f = 0; f < sizeof(exts) / sizeof(exts[0]); f++) {
			unlink_in(dir, medsec_report_doc_stem(d), exts[f]);
			for (l = 0; l < MEDSEC_REPORT_LANGS; l++)
				if (doc_lang_stem(d,
				    (enum medsec_report_lang)l, stem,
				    sizeof(stem)) == 0)
					unlink_in(dir, stem, exts[f]);
		}
	unlink_in(dir, "index", "html");
	unlink_in(dir, MANIFEST, NULL);
	remove_production(dir);
	if (rmdir(dir) != 0)
		fprintf(stderr, "medsec: report: the previous package is kept "
		    "at %s: it holds files medsec did not write\n", dir);
}

/* OUTDIR may be replaced when absent, empty, or a package of ours. */
static int
replaceable(const char *out, int *existsp)
{
	char path[PATH_MAX];
	struct stat st;

	*existsp = 0;
	if (lstat(out, &st) != 0)
		return errno == ENOENT;
	*existsp = 1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (medsec_io_path(path, sizeof(path), out, MANIFEST) == MEDSEC_OK &&
	    lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 1;
	/* An empty directory (say, made by a build script) is fine. */
	if (rmdir(out) != 0)
		return 0;
	*existsp = 0;
	return 1;
}

static int
install(struct pkg *k)
{
	int exists;

	if (!replaceable(k->out, &exists)) {
		cli_fail("report: %s exists and is not a medsec submission "
		    "package (no %s); not replacing it", k->out, MANIFEST);
		return MEDSEC_ERR_EXISTS;
	}
	if (exists) {
		if (renameat2(AT_FDCWD, k->stage, AT_FDCWD, k->out,
		    RENAME_EXCHANGE) != 0) {
			cli_fail("report: cannot replace %s: %s", k->out,
			    strerror(errno));
			return MEDSEC_ERR_IO;
		}
		/* The staging name now holds the previous package. */
		remove_old(k->stage);
	} else if (rename(k->stage, k->out) != 0) {
		cli_fail("report: cannot rename %s to %s: %s", k->stage,
		    k->out, strerror(errno));
		return MEDSEC_ERR_IO;
	}
	k->stage[0] = '\0';
	return MEDSEC_OK;
}

/* ---- inputs and the summary ---- */

/*
 * The classification as `medsec classify` makes it: a profile the
 * submission cannot do without (harm, functions, a required item left
 * out without a basis, the threat model) is refused by file, line and
 * key; --draft lets missing harm or functions through as warnings.
 */
static int
classify(const struct report_args *a, const struct medsec_catalog *cat,
    const struct medsec_profile *prof, struct medsec_classification **cp)
{
	struct medsec_config_error err;
	char msg[700];
	int r;

	r = medsec_classify_profile(cat, prof, a->draft ?
	    MEDSEC_CLASSIFY_DRAFT : 0, cp, &err);
	if (r == MEDSEC_ERR_CONFIG) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("profile refused: %s", msg);
	} else if (r != MEDSEC_OK)
		cli_error(r, "report: classify");
	return r;
}

/* Device evidence: the manufacturer's tests of the device. */
static int
load_device_evidence(const struct report_args *a, struct medsec_evidence *ev)
{
	struct medsec_config_error err;
	char msg[700];
	size_t i;
	int r;

	for (i = 0; i < a->ndevice; i++) {
		r = medsec_evidence_add_device(ev, a->device[i], &err);
		if (r != MEDSEC_OK) {
			medsec_config_error_format(&err, msg, sizeof(msg));
			cli_fail("device evidence rejected: %s", msg);
			return r;
		}
	}
	if (a->ndevice == 0)
		fprintf(stderr, "medsec: report: warning: no "
		    "--device-evidence: no requirement is met for the device "
		    "(component evidence shows mechanisms only)\n");
	return MEDSEC_OK;
}

static int
load_inputs(const struct report_args *a, struct medsec_profile *prof,
    struct medsec_catalog **catp, struct medsec_evidence **evp)
{
	struct medsec_config_error err;
	char msg[700];
	int r;

	if ((r = medsec_profile_load(a->profile, prof, &err)) != MEDSEC_OK) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("profile rejected: %s", msg);
		return r;
	}
	if (a->catalog != NULL)
		r = medsec_catalog_load(a->catalog, catp, &err);
	else
		r = medsec_catalog_builtin(NULL, catp, &err);
	if (r != MEDSEC_OK) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("catalog: %s", msg);
		return r;
	}
	if ((r = medsec_evidence_load(a->evidence, evp, &err)) != MEDSEC_OK) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("evidence rejected: %s", msg);
		return r;
	}
	if (medsec_evidence_junit(*evp) == NULL)
		fprintf(stderr, "medsec: report: warning: %s has no junit.xml; "
		    "every requirement is a gap\n", a->evidence);
	return load_device_evidence(a, *evp);
}

static void
print_summary(const struct pkg *k, const struct report_args *a,
    const struct medsec_report *rep, const struct medsec_classification *c)
{
	size_t i;

	printf("package:  %s (%zu files and %s)\n", k->out,
	    json_array_size(k->files), MANIFEST);
	printf("language:");
	for (i = 0; i < a->nlangs; i++)
		printf(" %s", medsec_report_lang_name(a->langs[i]));
	printf("\n");
	printf("pdf:      %s\n", k->have_pdf ? "rendered with Chromium" :
	    "skipped");
	printf("gaps:     %zu (%zu required)\n",
	    medsec_report_gap_count(rep, 0), medsec_report_gap_count(rep, 1));
	for (i = 0; i < c->n_decisions; i++) {
		const struct medsec_decision *d = &c->decisions[i];

		if (medsec_report_verdict(rep, d->req->id) !=
		    MEDSEC_VERDICT_GAP)
			continue;
		printf("  %-5s %-12s %s\n", d->req->id,
		    medsec_applicability_name(d->applicability),
		    d->req->title);
	}
	if (!k->have_pdf)
		fprintf(stderr, "medsec: report: warning: PDFs skipped: %s\n",
		    k->pdf_note);
}

static int
build_package(struct pkg *k, const struct report_args *a,
    struct medsec_report *rep, const struct medsec_evidence *ev)
{
	int r;

	if ((r = stage_begin(k, a->out)) != MEDSEC_OK ||
	    (r = stage_documents(k, rep, a)) != MEDSEC_OK ||
	    (r = stage_production(k, a, ev)) != MEDSEC_OK ||
	    (r = stage_mds2(k, rep, a)) != MEDSEC_OK)
		return r;
	stage_pdfs(k, a);
	if ((r = stage_index(k, rep, ev, a)) != MEDSEC_OK)
		return r;
	return install(k);
}

int
cmd_report(int argc, char **argv)
{
	struct report_args a;
	struct pkg k;
	struct medsec_profile *prof = NULL;
	struct medsec_catalog *cat = NULL;
	struct medsec_classification *c = NULL;
	struct medsec_evidence *ev = NULL;
	struct medsec_report *rep = NULL;
	int r, rc = CLI_EXIT_FAIL;

	if ((r = parse(argc, argv, &a)) != 0) {
		report_usage();
		return r > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	memset(&k, 0, sizeof(k));
	if ((prof = calloc(1, sizeof(*prof))) == NULL) {
		cli_error(MEDSEC_ERR_NOMEM, "report");
		goto out;
	}
	if (load_inputs(&a, prof, &cat, &ev) != MEDSEC_OK)
		goto out;
	if (classify(&a, cat, prof, &c) != MEDSEC_OK)
		goto out;
	if ((r = medsec_report_build(cat, prof, c, ev, &rep)) != MEDSEC_OK) {
		cli_error(r, "report");
		goto out;
	}
	if (build_package(&k, &a, rep, ev) != MEDSEC_OK)
		goto out;
	print_summary(&k, &a, rep, c);
	rc = CLI_EXIT_OK;
	if (a.strict && medsec_report_gap_count(rep, 1) > 0) {
		cli_fail("report: --strict: %zu required requirement(s) are "
		    "gaps", medsec_report_gap_count(rep, 1));
		rc = CLI_EXIT_FAIL;
	}
out:
	remove_tree(k.stage);
	json_decref(k.files);
	medsec_report_free(rep);
	medsec_evidence_free(ev);
	medsec_classification_free(c);
	medsec_catalog_free(cat);
	free(prof);
	return rc;
}
