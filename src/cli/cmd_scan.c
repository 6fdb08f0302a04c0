/*
 * medsec scan-secrets PATH... [--sarif FILE]: hard-coded credentials in
 * sources, configuration and firmware images (MFDS 1.10). Exit 1 when
 * anything is found, 0 when clean. Findings never include the secret.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "io/io.h"
#include "medsec-tools/credscan.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "cli.h"

struct collect {
	json_t *results;
	size_t n;
	int sarif;
};

static json_t *
location(const struct medsec_cred_finding *f)
{
	json_t *region;

	region = f->text ? json_pack("{s:i, s:i}", "startLine", (int)f->line,
	    "startColumn", (int)f->column) : json_pack("{s:I}", "byteOffset",
	    (json_int_t)f->offset);
	return json_pack("[{s:{s:{s:s}, s:o}}]", "physicalLocation",
	    "artifactLocation", "uri", f->path, "region", region);
}

/* A stable identity for the finding that does not contain the secret. */
static void
fingerprint(const struct medsec_cred_finding *f, char out[33])
{
	char text[4200];
	uint8_t h[32];

	snprintf(text, sizeof(text), "%s|%s|%s|%u|%" PRIu64, f->path,
	    medsec_cred_rule_id(f->rule), f->name, f->line,
	    f->text ? 0 : f->offset);
	if (medsec_hash(MEDSEC_ALG_SHA256, text, strlen(text), h) == MEDSEC_OK)
		medsec_hex(h, 16, out);
	else
		snprintf(out, 33, "0");
}

static int
on_finding(const struct medsec_cred_finding *f, void *ctx)
{
	struct collect *c = ctx;
	char msg[200], fp[33];

	c->n++;
	if (f->name[0] != '\0')
		snprintf(msg, sizeof(msg), "%s: '%s'",
		    medsec_cred_rule_text(f->rule), f->name);
	else
		snprintf(msg, sizeof(msg), "%s", medsec_cred_rule_text(f->rule));
	if (!c->sarif) {
		if (f->text)
			printf("%s:%u:%u: %s %s\n", f->path, f->line, f->column,
			    medsec_cred_rule_id(f->rule), msg);
		else
			printf("%s:@%" PRIu64 ": %s %s\n", f->path, f->offset,
			    medsec_cred_rule_id(f->rule), msg);
		return 0;
	}
	fingerprint(f, fp);
	json_array_append_new(c->results, json_pack("{s:s, s:i, s:s, s:{s:s}, "
	    "s:o, s:{s:s}}", "ruleId", medsec_cred_rule_id(f->rule),
	    "ruleIndex", f->rule - 1, "level", f->rule ==
	    MEDSEC_CRED_PASSWORD_HASH ? "warning" : "error", "message", "text",
	    msg, "locations", location(f), "partialFingerprints",
	    "medsecFindingHash/v1", fp));
	return 0;
}

static json_t *
rules_json(void)
{
	static const char *const names[] = { "", "HardCodedCredential",
		"EmbeddedPrivateKey", "DefaultCredentialPair",
		"EmbeddedPasswordHash" };
	static const char *const cwe[] = { "", "CWE-798", "CWE-321",
		"CWE-1392", "CWE-798" };
	json_t *arr = json_array();

	for (int r = 1; r <= 4 && arr != NULL; r++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:{s:s}, "
		    "s:{s:s}, s:s, s:{s:s}, s:{s:[s,s], s:s}}", "id",
		    medsec_cred_rule_id(r), "name", names[r],
		    "shortDescription", "text", names[r], "fullDescription",
		    "text", medsec_cred_rule_text(r), "helpUri",
		    r == 3 ? "https://cwe.mitre.org/data/definitions/1392.html" :
		    r == 2 ? "https://cwe.mitre.org/data/definitions/321.html" :
		    "https://cwe.mitre.org/data/definitions/798.html",
		    "defaultConfiguration", "level", r == 4 ? "warning" : "error",
		    "properties", "tags", "security", cwe[r],
		    "security-severity", r == 4 ? "7.0" : "9.0"));
	return arr;
}

static int
write_sarif(const char *out, json_t *results)
{
	json_t *doc;
	char *text;
	int r;

	doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:O, "
	    "s:s}]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
	    "version", "2.1.0", "runs", "tool", "driver", "name",
	    "medsec-credscan", "version", MEDSEC_VERSION, "informationUri",
	    "https://cwe.mitre.org/data/definitions/798.html", "rules",
	    rules_json(), "results", results, "columnKind", "unicodeCodePoints");
	if (doc == NULL || (text = json_dumps(doc, JSON_INDENT(2) |
	    JSON_SORT_KEYS)) == NULL) {
		json_decref(doc);
		return MEDSEC_ERR_NOMEM;
	}
	json_decref(doc);
	if (strcmp(out, "-") == 0) {
		fputs(text, stdout);
		fputc('\n', stdout);
		r = MEDSEC_OK;
	} else {
		char dir[4096], *slash;

		snprintf(dir, sizeof(dir), "%s", out);
		slash = strrchr(dir, '/');
		if (slash != NULL)
			*slash = '\0';
		r = medsec_io_write_file_atomic(slash != NULL ? dir : ".",
		    slash != NULL ? slash + 1 : out, text, strlen(text), 0644);
	}
	free(text);
	return r;
}

int
cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = { { "sarif", 1, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	struct collect c = { NULL, 0, 0 };
	const char *sarif = NULL;
	int ch, i, r = MEDSEC_OK;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 's') {
			optind = argc + 1;
			break;
		}
		sarif = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: medsec scan-secrets PATH... "
		    "[--sarif FILE|-]\n");
		return CLI_EXIT_USAGE;
	}
	c.sarif = sarif != NULL;
	if ((c.results = json_array()) == NULL)
		return CLI_EXIT_FAIL;
	for (i = optind; i < argc && r == MEDSEC_OK; i++)
		if ((r = medsec_credscan_path(argv[i], on_finding, &c)) !=
		    MEDSEC_OK)
			cli_error(r, "%s", argv[i]);
	if (r == MEDSEC_OK && sarif != NULL &&
	    (r = write_sarif(sarif, c.results)) != MEDSEC_OK)
		cli_error(r, "%s", sarif);
	json_decref(c.results);
	if (r != MEDSEC_OK)
		return CLI_EXIT_USAGE + 1;
	if (c.n > 0)
		fprintf(stderr, "medsec: %zu hard-coded credential finding(s)\n",
		    c.n);
	return c.n > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
