/*
 * medsec classify: reads a device profile and prints whether the MFDS
 * cybersecurity guideline applies, the safety level with its rationale,
 * warnings, and the applicability of every requirement.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec-tools/compliance.h"
#include "medsec/err.h"
#include "cli.h"

struct classify_args {
	const char *profile;
	const char *catalog;
	int json;
	int draft;
};

static void
classify_usage(void)
{
	fprintf(stderr, "usage: medsec classify PROFILE [--json] "
	    "[--catalog FILE] [--draft]\n");
}

static int
parse(int argc, char **argv, struct classify_args *a)
{
	static const struct option opts[] = { { "json", 0, NULL, 'j' },
		{ "catalog", 1, NULL, 'c' }, { "help", 0, NULL, 'h' },
		{ "draft", 0, NULL, 'd' },
		{ NULL, 0, NULL, 0 } };
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "jc:hd", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = 1; break;
		case 'd': a->draft = 1; break;
		case 'c': a->catalog = optarg; break;
		case 'h': return 1;
		default: return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	a->profile = argv[optind];
	return 0;
}

static void
print_lines(const char *title, const char (*lines)[MEDSEC_CLASSIFY_LINE_MAX],
    size_t n)
{
	size_t i;

	if (n == 0)
		return;
	printf("\n%s:\n", title);
	for (i = 0; i < n; i++)
		printf("  - %s\n", lines[i]);
}

static void
print_human(const struct medsec_catalog *cat, const struct medsec_profile *p,
    const struct medsec_classification *c)
{
	const struct medsec_decision *d;
	size_t i;

	printf("device:   %s%s%s%s%s\n", p->name[0] ? p->name : "(unnamed)",
	    p->model[0] ? " " : "", p->model, p->manufacturer[0] ? ", " : "",
	    p->manufacturer);
	printf("catalog:  %s version %d\n", medsec_catalog_name(cat),
	    medsec_catalog_version(cat));
	if (p->more.category[0] != '\0')
		printf("category: %s\n", p->more.category);
	printf("in scope: %s\n", c->in_scope ? "yes" : "no");
	printf("level:    %s\n", c->in_scope ? medsec_level_name(c->level) :
	    "none (out of scope)");
	print_lines("rationale", c->rationale, c->n_rationale);
	print_lines("warnings", c->warnings, c->n_warnings);
	if (c->n_decisions == 0)
		return;
	printf("\n%-5s %3s  %-12s %s\n", "item", "no", "applies", "title");
	for (i = 0; i < c->n_decisions; i++) {
		d = &c->decisions[i];
		printf("%-5s %3d  %-12s %s\n", d->req->id, d->req->no,
		    medsec_applicability_name(d->applicability),
		    d->req->title);
		printf("%24s%s\n", "", d->reason);
		if (d->decision.decision != MEDSEC_DECIDE_UNSET)
			printf("%24sdecision: %s%s%s%s\n", "",
			    d->decision.decision == MEDSEC_DECIDE_APPLIED ?
			    "applied" : "not applied",
			    d->decision.basis != MEDSEC_BASIS_NONE ? " (" : "",
			    d->decision.basis != MEDSEC_BASIS_NONE ?
			    medsec_basis_name(d->decision.basis) : "",
			    d->decision.basis != MEDSEC_BASIS_NONE ? ")" : "");
	}
}

static int
open_catalog(const char *path, struct medsec_catalog **catp)
{
	struct medsec_config_error err;
	char msg[600];
	int r;

	if (path != NULL)
		r = medsec_catalog_load(path, catp, &err);
	else
		r = medsec_catalog_builtin(NULL, catp, &err);
	if (r != MEDSEC_OK) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("catalog: %s", msg);
	}
	return r;
}

int
cmd_classify(int argc, char **argv)
{
	struct classify_args a;
	struct medsec_profile *prof = NULL;
	struct medsec_catalog *cat = NULL;
	struct medsec_classification *c = NULL;
	struct medsec_config_error err;
	char msg[600], *json = NULL;
	int r, rc = CLI_EXIT_FAIL;

	if ((r = parse(argc, argv, &a)) != 0) {
		classify_usage();
		return r > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	if ((prof = calloc(1, sizeof(*prof))) == NULL) {
		cli_error(MEDSEC_ERR_NOMEM, "classify");
		goto out;
	}
	if ((r = medsec_profile_load(a.profile, prof, &err)) != MEDSEC_OK) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("profile rejected: %s", msg);
		goto out;
	}
	if (open_catalog(a.catalog, &cat) != MEDSEC_OK)
		goto out;
	if ((r = medsec_classify_profile(cat, prof, a.draft ?
	    MEDSEC_CLASSIFY_DRAFT : 0, &c, &err)) != MEDSEC_OK) {
		if (r == MEDSEC_ERR_CONFIG) {
			medsec_config_error_format(&err, msg, sizeof(msg));
			cli_fail("profile refused: %s", msg);
		} else
			cli_error(r, "classify");
		goto out;
	}
	if (a.json) {
		if ((r = medsec_classification_to_json(c, &json)) !=
		    MEDSEC_OK) {
			cli_error(r, "classify: JSON");
			goto out;
		}
		printf("%s\n", json);
	} else
		print_human(cat, prof, c);
	if (fflush(stdout) != 0) {
		cli_fail("classify: cannot write the output");
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	free(json);
	medsec_classification_free(c);
	medsec_catalog_free(cat);
	free(prof);
	return rc;
}
