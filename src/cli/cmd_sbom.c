/*
 * medsec sbom --binary PATH [--binary PATH...] [--declared FILE]
 *     [--password-list FILE] [--format cyclonedx|spdx|both] --out DIR
 *
 * Writes DIR/sbom.cdx.json (CycloneDX 1.6) and/or DIR/sbom.spdx.json
 * (SPDX 2.3), the names osv-scanner and Dependency-Track look for.
 * SOURCE_DATE_EPOCH, when set, is the creation time written (reproducible
 * builds); otherwise the current time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io/io.h"
#include "medsec-tools/sbom.h"
#include "medsec/err.h"
#include "cli.h"

int cmd_sbom(int argc, char **argv);

#define SBOM_BINARIES_MAX 32

struct sbom_args {
	const char *binaries[SBOM_BINARIES_MAX];
	size_t nbinaries;
	const char *declared, *password_list, *out;
	int cyclonedx, spdx;
};

static int
usage(void)
{
	fprintf(stderr, "usage: medsec sbom --binary PATH [--binary PATH...] "
	    "[--declared FILE] [--password-list FILE]\n"
	    "                   [--format cyclonedx|spdx|both] --out DIR\n");
	return CLI_EXIT_USAGE;
}

static int
set_format(struct sbom_args *a, const char *f)
{
	a->cyclonedx = strcmp(f, "cyclonedx") == 0 || strcmp(f, "both") == 0;
	a->spdx = strcmp(f, "spdx") == 0 || strcmp(f, "both") == 0;
	if (a->cyclonedx || a->spdx)
		return 0;
	cli_fail("--format '%s': expected cyclonedx, spdx or both", f);
	return -1;
}

static int
parse_args(struct sbom_args *a, int argc, char **argv)
{
	static const struct option opts[] = { { "binary", 1, NULL, 'b' },
		{ "declared", 1, NULL, 'd' }, { "password-list", 1, NULL, 'p' },
		{ "format", 1, NULL, 'f' }, { "out", 1, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	a->cyclonedx = a->spdx = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'b' && a->nbinaries < SBOM_BINARIES_MAX)
			a->binaries[a->nbinaries++] = optarg;
		else if (ch == 'b') {
			cli_fail("more than %d --binary", SBOM_BINARIES_MAX);
			return -1;
		} else if (ch == 'd')
			a->declared = optarg;
		else if (ch == 'p')
			a->password_list = optarg;
		else if (ch == 'f' && set_format(a, optarg) != 0)
			return -1;
		else if (ch == 'o')
			a->out = optarg;
		else if (ch != 'f')
			return -1;
	}
	if (optind != argc || a->out == NULL || a->nbinaries == 0)
		return -1;
	return 0;
}

static time_t
creation_time(void)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	if (epoch != NULL && cli_parse_u64(epoch, &v) == 0 &&
	    v < (uint64_t)1 << 40)
		return (time_t)v;
	return time(NULL);
}

static void
report(int rc, const struct medsec_config_error *err)
{
	if (err->message[0] == '\0') {
		cli_error(rc, "sbom");
		return;
	}
	if (err->file[0] != '\0' && err->line > 0)
		cli_fail("%s:%d: %s%s%s", err->file, err->line, err->key,
		    err->key[0] != '\0' ? ": " : "", err->message);
	else if (err->file[0] != '\0')
		cli_fail("%s: %s", err->file, err->message);
	else
		cli_fail("%s", err->message);
}

static int
write_one(const char *dir, const char *name, char *text)
{
	int rc;

	if (text == NULL)
		return MEDSEC_ERR_NOMEM;
	rc = medsec_io_write_file_atomic(dir, name, text, strlen(text), 0644);
	if (rc != MEDSEC_OK)
		cli_error(rc, "%s/%s", dir, name);
	else
		printf("%s/%s\n", dir, name);
	free(text);
	return rc;
}

static int
write_outputs(const struct sbom_args *a, const struct medsec_sbom *s)
{
	char *text = NULL;
	int rc = MEDSEC_OK;

	if (mkdir(a->out, 0755) != 0 && errno != EEXIST) {
		cli_fail("%s: cannot create the directory: %s", a->out,
		    strerror(errno));
		return MEDSEC_ERR_IO;
	}
	if (a->cyclonedx && ((rc = medsec_sbom_cyclonedx(s, &text)) !=
	    MEDSEC_OK || (rc = write_one(a->out, "sbom.cdx.json", text)) !=
	    MEDSEC_OK))
		return rc;
	if (a->spdx && ((rc = medsec_sbom_spdx(s, &text)) != MEDSEC_OK ||
	    (rc = write_one(a->out, "sbom.spdx.json", text)) != MEDSEC_OK))
		return rc;
	return MEDSEC_OK;
}

int
cmd_sbom(int argc, char **argv)
{
	struct sbom_args a;
	struct medsec_sbom_options o;
	struct medsec_config_error err;
	struct medsec_sbom *s = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	if (parse_args(&a, argc, argv) != 0)
		return usage();
	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	o.binaries = a.binaries;
	o.nbinaries = a.nbinaries;
	o.declared = a.declared;
	o.password_list = a.password_list;
	o.timestamp = creation_time();
	if ((rc = medsec_sbom_collect(&o, &s, &err)) != MEDSEC_OK) {
		report(rc, &err);
		return CLI_EXIT_FAIL;
	}
	fprintf(stderr, "medsec: sbom: %zu components\n", medsec_sbom_count(s));
	rc = write_outputs(&a, s);
	medsec_sbom_free(s);
	return rc == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
