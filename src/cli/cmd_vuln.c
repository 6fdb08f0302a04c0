/*
 * medsec vuln scan --sbom FILE --db DIR: the components of a CycloneDX
 * SBOM judged against the OSV advisories stored offline in DIR. States
 * the database's date (its newest record) so a stale database shows.
 * Exit 1 when a component is affected, 0 when none is, 3 on an error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "medsec-tools/vuln.h"
#include "medsec/err.h"
#include "cli.h"

int cmd_vuln(int argc, char **argv);

#define SBOM_FILE_MAX (64u << 20)

struct findings {
	size_t n;
};

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

	f->n++;
	printf("%s: %s %s (%s): %s%s%s%s%s\n", m->component->ref,
	    m->component->name, m->component->version,
	    m->component->ecosystem, m->id, m->aliases[0] != '\0' ? " [" : "",
	    m->aliases, m->aliases[0] != '\0' ? "]" : "",
	    m->fixed[0] != '\0' ? "" : ", no fix listed");
	if (m->fixed[0] != '\0')
		printf("    fixed in %s\n", m->fixed);
	return 0;
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

static int
vuln_scan(int argc, char **argv)
{
	static const struct option opts[] = { { "sbom", 1, NULL, 's' },
		{ "db", 1, NULL, 'd' }, { NULL, 0, NULL, 0 } };
	const char *sbom = NULL, *dir = NULL;
	struct medsec_config_error err;
	struct medsec_vuln_component *comps = NULL;
	struct medsec_vuln_db *db = NULL;
	struct findings f = { 0 };
	size_t n = 0;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			sbom = optarg;
		else if (ch == 'd')
			dir = optarg;
		else {
			sbom = NULL;
			break;
		}
	}
	if (sbom == NULL || dir == NULL || optind != argc) {
		fprintf(stderr, "usage: medsec vuln scan --sbom FILE --db "
		    "DIR\n");
		return CLI_EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	if ((rc = medsec_vuln_db_new(&db)) != MEDSEC_OK ||
	    (rc = medsec_vuln_db_load_dir(db, dir, &err)) != MEDSEC_OK ||
	    (rc = load_sbom(sbom, &comps, &n, &err)) != MEDSEC_OK) {
		report(rc, &err);
		goto out;
	}
	printf("advisory database %s: %zu advisories, newest modified %s\n",
	    dir, medsec_vuln_db_count(db), medsec_vuln_db_count(db) > 0 ?
	    medsec_vuln_db_date(db) : "(none)");
	if ((rc = medsec_vuln_scan(db, comps, n, 1, on_match, &f)) !=
	    MEDSEC_OK) {
		cli_error(rc, "scan");
		goto out;
	}
	printf("%zu finding(s) in %zu component(s) with an OSV ecosystem\n",
	    f.n, n);
out:
	medsec_vuln_components_free(comps, n);
	medsec_vuln_db_free(db);
	if (rc != MEDSEC_OK)
		return CLI_EXIT_USAGE + 1;
	return f.n > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int
cmd_vuln(int argc, char **argv)
{
	static const struct cli_command verbs[] = {
		{ "scan", vuln_scan, "match an SBOM against OSV advisories" },
	};

	return cli_dispatch("vuln", verbs, sizeof(verbs) / sizeof(verbs[0]),
	    argc, argv);
}
