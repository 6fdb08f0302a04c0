/*
 * medsec vuln scan --sbom FILE --db DIR [--vex FILE] [--emit DIR]
 *     [--publisher NAME --publisher-url URL --tracking-id ID]
 *   the components of a CycloneDX SBOM judged against the OSV advisories
 *   stored offline in DIR. States the database's date (its newest record)
 *   so a stale database shows. Triage decisions from --vex apply; --emit
 *   writes DIR/vex.cdx.json (every decision and every finding, the
 *   untriaged ones in_triage) and DIR/vex.csaf.json (CSAF 2.0 csaf_vex).
 *   Exit 1 when a finding is open (not resolved, not_affected or
 *   false_positive), 0 when none is, 3 on an error.
 *
 * medsec vuln triage ID --state S [--justification J] [--response R]
 *     [--recommendation TEXT] --note TEXT [--component REF] --vex FILE
 *   records a decision in the CycloneDX VEX FILE (created if absent).
 */
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "medsec-tools/vuln.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "cli.h"

int cmd_vuln(int argc, char **argv);

#define SBOM_FILE_MAX (64u << 20)

struct findings {
	size_t n, open;
	const struct medsec_vex *decisions;
	struct medsec_vex *emitted; /* NULL unless --emit */
	char when[32];
	int failed;
};

static void
utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

static int
closed(const char *state)
{
	return strcmp(state, "not_affected") == 0 ||
	    strcmp(state, "false_positive") == 0 ||
	    strncmp(state, "resolved", 8) == 0;
}

/* The finding as a decision for the emitted VEX: the triage decision
 * that covers it, or in_triage. */
static int
emit_finding(struct findings *f, const struct medsec_vuln_match *m,
    const struct medsec_vex_decision *known)
{
	struct medsec_vex_decision d;
	struct medsec_config_error err;

	memset(&d, 0, sizeof(d));
	if (known != NULL) {
		d = *known;
	} else {
		snprintf(d.state, sizeof(d.state), "in_triage");
		snprintf(d.detail, sizeof(d.detail), "Reported by medsec vuln "
		    "scan (%s); not triaged yet.", m->summary[0] != '\0' ?
		    m->summary : m->id);
		snprintf(d.updated, sizeof(d.updated), "%s", f->when);
	}
	snprintf(d.id, sizeof(d.id), "%s", m->id);
	snprintf(d.ref, sizeof(d.ref), "%s", m->component->ref);
	/* A triage decision is emitted as it was decided. */
	if (known == NULL && m->fixed[0] != '\0')
		snprintf(d.recommendation, sizeof(d.recommendation), "Upgrade "
		    "%s to %s or later.", m->component->name, m->fixed);
	if (medsec_vex_set(f->emitted, &d, &err) != MEDSEC_OK) {
		cli_fail("%s: %s: %s", m->id, err.key, err.message);
		return -1;
	}
	return 0;
}

static void
report(int rc, const struct medsec_config_error *err)
{
	if (err->message[0] == '\0')
		cli_error(rc, "vuln");
	else if (err->file[0] != '\0')
		cli_fail("%s: %s%s%s", err->file, err->key,
		    err->key[0] != '\0' ? ": " : "", err->message);
	else
		cli_fail("%s%s%s", err->key, err->key[0] != '\0' ? ": " : "",
		    err->message);
}

static int
on_match(const struct medsec_vuln_match *m, void *ctx)
{
	struct findings *f = ctx;
	const struct medsec_vex_decision *d = medsec_vex_find(f->decisions,
	    m->id, m->aliases, m->component->ref);

	f->n++;
	f->open += d == NULL || !closed(d->state);
	printf("%s: %s %s (%s): %s%s%s%s%s\n", m->component->ref,
	    m->component->name, m->component->version,
	    m->component->ecosystem, m->id, m->aliases[0] != '\0' ? " [" : "",
	    m->aliases, m->aliases[0] != '\0' ? "]" : "",
	    m->fixed[0] != '\0' ? "" : ", no fix listed");
	if (m->fixed[0] != '\0')
		printf("    fixed in %s\n", m->fixed);
	if (d != NULL)
		printf("    triage: %s%s%s (%s): %s\n", d->state,
		    d->justification[0] != '\0' ? ", " : "", d->justification,
		    d->updated, d->detail);
	if (f->emitted != NULL && emit_finding(f, m, d) != 0) {
		f->failed = 1;
		return 1;
	}
	return 0;
}

static int
read_vex(const char *path, struct medsec_vex *v, int must_exist)
{
	struct medsec_config_error err;
	uint8_t *text = NULL;
	size_t len;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = medsec_io_read_file(path, SBOM_FILE_MAX, 0, &text, &len);
	if (rc == MEDSEC_ERR_NOT_FOUND && !must_exist)
		return MEDSEC_OK;
	if (rc != MEDSEC_OK) {
		cli_error(rc, "%s", path);
		return rc;
	}
	rc = medsec_vex_load(v, (const char *)text, len, &err);
	free(text);
	if (rc != MEDSEC_OK)
		cli_fail("%s: %s%s%s", path, err.key, err.key[0] != '\0' ?
		    ": " : "", err.message);
	return rc;
}

static int
write_text(const char *dir, const char *name, char *text)
{
	int rc;

	if (text == NULL)
		return MEDSEC_ERR_NOMEM;
	rc = medsec_io_write_file_atomic(dir, name, text, strlen(text), 0644);
	if (rc != MEDSEC_OK)
		cli_error(rc, "%s/%s", dir, name);
	free(text);
	return rc;
}

/* A path as (directory, name) for the atomic writer. */
static int
write_path(const char *path, char *text)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return write_text(".", path, text);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return write_text(dir[0] != '\0' ? dir : "/", slash + 1, text);
}

static int
load_sbom(const char *path, struct medsec_vuln_component **comps,
    size_t *n, struct medsec_config_error *err)
{
	uint8_t *text = NULL;
	size_t len;
	int rc;

	if ((rc = medsec_io_read_file(path, SBOM_FILE_MAX, 0, &text, &len)) !=
	    MEDSEC_OK) {
		cli_error(rc, "%s", path);
		return rc;
	}
	rc = medsec_vuln_sbom_components((const char *)text, len, comps, n,
	    err);
	free(text);
	if (rc != MEDSEC_OK && err->file[0] == '\0')
		snprintf(err->file, sizeof(err->file), "%s", path);
	return rc;
}

/* A stale database misleads: 30 days unless the operator says. */
#define DEFAULT_MAX_AGE_DAYS 30

struct db_source {
	const char *bundle, *trust;
	unsigned max_age;
};

static int
parse_days(const char *s, unsigned *days)
{
	uint64_t v;

	if (cli_parse_u64(s, &v) != 0 || v > 36500) {
		cli_fail("--max-age-days '%s': a number of days, 0 to 36500",
		    s);
		return -1;
	}
	*days = (unsigned)v;
	return 0;
}

/* The advisories of a directory, or of a signed bundle (verified). */
static int
load_db(struct medsec_vuln_db *db, const char *dir,
    const struct db_source *src, struct medsec_config_error *err)
{
	char when[32] = "?";
	int64_t built = 0;
	time_t t;
	struct tm tm;
	int rc;

	if (dir != NULL)
		return medsec_vuln_db_load_dir(db, dir, err);
	if ((rc = medsec_vuln_db_load_bundle(db, src->bundle, src->trust,
	    medsec_clock_wall_us(), src->max_age, &built, err)) != MEDSEC_OK)
		return rc;
	t = (time_t)(built / 1000000);
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("advisory bundle %s: signatures verified against %s, built "
	    "%s\n", src->bundle, src->trust, when);
	return MEDSEC_OK;
}

/* Every triage decision, then every finding's (which win). */
static int
emit_vex(const char *dir, const struct medsec_vex *decisions,
    struct findings *f, struct medsec_csaf_info *csaf)
{
	struct medsec_vex *all = NULL;
	struct medsec_config_error err;
	char id[64], *text = NULL;
	int rc;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		cli_fail("%s: cannot create the directory: %s", dir,
		    strerror(errno));
		return MEDSEC_ERR_IO;
	}
	if ((rc = medsec_vex_new(&all)) != MEDSEC_OK)
		return rc;
	for (size_t i = 0; rc == MEDSEC_OK && i < medsec_vex_count(decisions);
	    i++)
		rc = medsec_vex_set(all, medsec_vex_get(decisions, i), &err);
	for (size_t i = 0; rc == MEDSEC_OK && i < medsec_vex_count(f->emitted);
	    i++)
		rc = medsec_vex_set(all, medsec_vex_get(f->emitted, i), &err);
	if (rc == MEDSEC_OK && (rc = medsec_vex_cyclonedx(all, f->when,
	    &text)) == MEDSEC_OK)
		rc = write_text(dir, "vex.cdx.json", text);
	if (rc == MEDSEC_OK && medsec_vex_count(all) > 0) {
		snprintf(id, sizeof(id), "MEDSEC-VEX-%.4s%.2s%.2s-%.2s%.2s%.2s",
		    f->when, f->when + 5, f->when + 8, f->when + 11,
		    f->when + 14, f->when + 17);
		if (csaf->tracking_id == NULL)
			csaf->tracking_id = id;
		csaf->when = f->when;
		if ((rc = medsec_vex_csaf(all, csaf, &text)) == MEDSEC_OK)
			rc = write_text(dir, "vex.csaf.json", text);
	}
	medsec_vex_free(all);
	return rc;
}

static int
vuln_scan(int argc, char **argv)
{
	static const struct option opts[] = { { "sbom", 1, NULL, 's' },
		{ "db", 1, NULL, 'd' }, { "vex", 1, NULL, 'v' },
		{ "emit", 1, NULL, 'e' }, { "publisher", 1, NULL, 'p' },
		{ "publisher-url", 1, NULL, 'u' }, { "tracking-id", 1, NULL, 't' },
		{ "bundle", 1, NULL, 'b' }, { "trust", 1, NULL, 'T' },
		{ "max-age-days", 1, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	const char *sbom = NULL, *dir = NULL, *vex = NULL, *emit = NULL;
	struct db_source src = { NULL, NULL, DEFAULT_MAX_AGE_DAYS };
	struct medsec_csaf_info csaf = { "medsec project",
		"https://medsec.invalid", NULL, "medsec vulnerability status",
		NULL };
	struct medsec_config_error err;
	struct medsec_vuln_component *comps = NULL;
	struct medsec_vuln_db *db = NULL;
	struct medsec_vex *decisions = NULL;
	struct findings f;
	size_t n = 0;
	int ch, rc;

	memset(&f, 0, sizeof(f));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			sbom = optarg;
		else if (ch == 'd')
			dir = optarg;
		else if (ch == 'v')
			vex = optarg;
		else if (ch == 'e')
			emit = optarg;
		else if (ch == 'p')
			csaf.publisher = optarg;
		else if (ch == 'u')
			csaf.namespace_url = optarg;
		else if (ch == 't')
			csaf.tracking_id = optarg;
		else if (ch == 'b')
			src.bundle = optarg;
		else if (ch == 'T')
			src.trust = optarg;
		else if (ch == 'a' && parse_days(optarg, &src.max_age) == 0)
			continue;
		else {
			sbom = NULL;
			break;
		}
	}
	if (sbom == NULL || (dir == NULL) == (src.bundle == NULL) ||
	    (src.bundle == NULL) != (src.trust == NULL) || optind != argc) {
		fprintf(stderr, "usage: medsec vuln scan --sbom FILE "
		    "(--db DIR | --bundle FILE --trust DIR [--max-age-days N])\n"
		    "       [--vex FILE] [--emit DIR]\n"
		    "       [--publisher NAME] [--publisher-url URL] "
		    "[--tracking-id ID]\n");
		return CLI_EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	utc_now(f.when);
	if ((rc = medsec_vex_new(&decisions)) != MEDSEC_OK ||
	    (emit != NULL && (rc = medsec_vex_new(&f.emitted)) != MEDSEC_OK) ||
	    (vex != NULL && (rc = read_vex(vex, decisions, 1)) != MEDSEC_OK))
		goto out;
	f.decisions = decisions;
	if ((rc = medsec_vuln_db_new(&db)) != MEDSEC_OK ||
	    (rc = load_db(db, dir, &src, &err)) != MEDSEC_OK ||
	    (rc = load_sbom(sbom, &comps, &n, &err)) != MEDSEC_OK) {
		report(rc, &err);
		goto out;
	}
	printf("advisory database %s: %zu advisories, newest modified %s\n",
	    dir != NULL ? dir : src.bundle, medsec_vuln_db_count(db),
	    medsec_vuln_db_count(db) > 0 ? medsec_vuln_db_date(db) : "(none)");
	rc = medsec_vuln_scan(db, comps, n, 1, on_match, &f);
	if (f.failed) {
		rc = MEDSEC_ERR_INVALID;
		goto out;
	}
	if (rc != MEDSEC_OK) {
		cli_error(rc, "scan");
		goto out;
	}
	printf("%zu finding(s) in %zu component(s) with an OSV ecosystem, "
	    "%zu open\n", f.n, n, f.open);
	if (emit != NULL && (rc = emit_vex(emit, decisions, &f, &csaf)) !=
	    MEDSEC_OK)
		goto out;
out:
	medsec_vuln_components_free(comps, n);
	medsec_vuln_db_free(db);
	medsec_vex_free(decisions);
	medsec_vex_free(f.emitted);
	if (rc != MEDSEC_OK)
		return CLI_EXIT_USAGE + 1;
	return f.open > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int
triage_args(int argc, char **argv, struct medsec_vex_decision *d,
    const char **vex)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ "justification", 1, NULL, 'j' }, { "response", 1, NULL, 'r' },
		{ "recommendation", 1, NULL, 'R' }, { "note", 1, NULL, 'n' },
		{ "component", 1, NULL, 'c' }, { "vex", 1, NULL, 'v' },
		{ NULL, 0, NULL, 0 } };
	struct {
		int ch;
		char *dst;
		size_t len;
	} slots[] = { { 's', d->state, sizeof(d->state) },
		{ 'j', d->justification, sizeof(d->justification) },
		{ 'r', d->response, sizeof(d->response) },
		{ 'R', d->recommendation, sizeof(d->recommendation) },
		{ 'n', d->detail, sizeof(d->detail) },
		{ 'c', d->ref, sizeof(d->ref) } };
	int ch;

	optind = 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		size_t i;

		if (ch == 'v') {
			*vex = optarg;
			continue;
		}
		for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
			if (slots[i].ch == ch)
				break;
		if (i == sizeof(slots) / sizeof(slots[0]))
			return -1;
		if (strlen(optarg) >= slots[i].len) {
			cli_fail("--%s: longer than %zu characters",
			    opts[i].name, slots[i].len - 1);
			return -1;
		}
		snprintf(slots[i].dst, slots[i].len, "%s", optarg);
	}
	return optind == argc && *vex != NULL && argc > 2 ? 0 : -1;
}

static int
vuln_triage(int argc, char **argv)
{
	struct medsec_vex_decision d;
	struct medsec_config_error err;
	struct medsec_vex *v = NULL;
	const char *vex = NULL;
	char *text = NULL;
	int rc;

	memset(&d, 0, sizeof(d));
	memset(&err, 0, sizeof(err));
	if (argc < 2 || argv[1][0] == '-' ||
	    triage_args(argc, argv, &d, &vex) != 0) {
		fprintf(stderr, "usage: medsec vuln triage ID --state STATE "
		    "[--justification J] [--response R]\n"
		    "       [--recommendation TEXT] --note TEXT "
		    "[--component REF] --vex FILE\n");
		return CLI_EXIT_USAGE;
	}
	snprintf(d.id, sizeof(d.id), "%s", argv[1]);
	utc_now(d.updated);
	if ((rc = medsec_vex_new(&v)) != MEDSEC_OK ||
	    (rc = read_vex(vex, v, 0)) != MEDSEC_OK)
		goto out;
	if ((rc = medsec_vex_set(v, &d, &err)) != MEDSEC_OK) {
		cli_fail("--%s %s", err.key, err.message);
		goto out;
	}
	if ((rc = medsec_vex_cyclonedx(v, d.updated, &text)) == MEDSEC_OK &&
	    (rc = write_path(vex, text)) == MEDSEC_OK)
		printf("%s%s%s: %s recorded in %s\n", d.id, d.ref[0] != '\0' ?
		    " for " : "", d.ref, d.state, vex);
out:
	medsec_vex_free(v);
	return rc == MEDSEC_OK ? CLI_EXIT_OK : rc == MEDSEC_ERR_INVALID ?
	    CLI_EXIT_USAGE : CLI_EXIT_USAGE + 1;
}

int
cmd_vuln(int argc, char **argv)
{
	static const struct cli_command verbs[] = {
		{ "scan", vuln_scan, "match an SBOM against OSV advisories" },
		{ "triage", vuln_triage, "record a decision (CycloneDX VEX)" },
	};

	return cli_dispatch("vuln", verbs, sizeof(verbs) / sizeof(verbs[0]),
	    argc, argv);
}
