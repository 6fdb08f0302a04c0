/* medsec update pack | sign | inspect | verify. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/signkey.h"
#include "medsec/update.h"
#include "cli.h"
#include "cli_escape.h"
#include "cli_people.h"
#include "cli_update.h"

struct pack_cli {
	struct medsec_update_pack_args a;
	const char *hw[8];
	const char *paths[MEDSEC_UPDATE_FILES_MAX];
	const char *names[MEDSEC_UPDATE_FILES_MAX];
	struct medsec_pubkey signer;
	const char *out;
};

/* FILE or FILE=NAME: the name inside the package defaults to the path. */
static int
add_files(struct pack_cli *p, int argc, char **argv, int first)
{
	char *eq;

	for (int i = first; i < argc; i++) {
		if (p->a.n_files == MEDSEC_UPDATE_FILES_MAX)
			return -1;
		eq = strchr(argv[i], '=');
		p->paths[p->a.n_files] = argv[i];
		p->names[p->a.n_files] = argv[i];
		if (eq != NULL) {
			*eq = '\0';
			p->names[p->a.n_files] = eq + 1;
		}
		p->a.n_files++;
	}
	return p->a.n_files > 0 ? 0 : -1;
}

static int
split_hardware(struct pack_cli *p, char *list)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (p->a.n_hardware == 8)
			return -1;
		p->hw[p->a.n_hardware++] = tok;
	}
	return p->a.n_hardware > 0 ? 0 : -1;
}

static int
pack_args(int argc, char **argv, struct pack_cli *p)
{
	static const struct option opts[] = { { "product", 1, NULL, 'p' },
		{ "version", 1, NULL, 'v' }, { "security-counter", 1, NULL, 'c' },
		{ "hardware", 1, NULL, 'w' }, { "expires", 1, NULL, 'e' },
		{ "distributor", 1, NULL, 'd' }, { "signer", 1, NULL, 's' },
		{ "downgrade-of", 1, NULL, 'g' }, { "out", 1, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	const char *signer = NULL;
	int c, ok = 1;

	memset(p, 0, sizeof(*p));
	optind = 1;
	while (ok && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': p->a.product = optarg; break;
		case 'v': p->a.version = optarg; break;
		case 'c': ok = cli_parse_u64(optarg,
			      &p->a.security_counter) == 0; break;
		case 'w': ok = split_hardware(p, optarg) == 0; break;
		case 'e': ok = cli_parse_date(optarg, &p->a.expires_us) == 0;
			break;
		case 'd': p->a.distributor = optarg; break;
		case 's': signer = optarg; break;
		case 'g': p->a.downgrade_of = optarg; break;
		case 'o': p->out = optarg; break;
		default: ok = 0;
		}
	}
	if (!ok || p->a.product == NULL || p->a.version == NULL ||
	    p->a.n_hardware == 0 || p->a.expires_us == 0 ||
	    p->a.distributor == NULL || signer == NULL || p->out == NULL ||
	    add_files(p, argc, argv, optind) != 0) {
		cli_fail("usage: medsec update pack --product P --version X.Y.Z "
		    "--security-counter N --hardware H[,H] --expires DATE "
		    "--distributor NAME --signer K.pub --out PKG FILE[=NAME]...");
		return -1;
	}
	if (medsec_pubkey_load(signer, &p->signer) != MEDSEC_OK) {
		cli_fail("%s: not a medsec public key", signer);
		return -1;
	}
	p->a.distributor_key = p->signer.key_id;
	p->a.hardware = p->hw;
	p->a.paths = p->paths;
	p->a.names = p->names;
	return 0;
}

int
cli_update_pack(int argc, char **argv)
{
	struct pack_cli *p;
	char err[256] = "";
	int r;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CLI_EXIT_FAIL;
	if (pack_args(argc, argv, p) != 0) {
		free(p);
		return CLI_EXIT_USAGE;
	}
	if ((r = medsec_update_pack(&p->a, p->out, err, sizeof(err))) !=
	    MEDSEC_OK)
		cli_fail_escaped("pack: ", err[0] ? err :
		    medsec_strerror(r));
	else
		printf("package %s: %s %s, %zu file(s), security counter %"
		    PRIu64 " (unsigned: sign it with medsec update sign)\n",
		    p->out, p->a.product, p->a.version, p->a.n_files,
		    p->a.security_counter);
	free(p);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cli_update_sign(int argc, char **argv)
{
	static const struct option opts[] = { { "key", 1, NULL, 'k' },
		{ "passphrase-stdin", 0, NULL, 's' },
		{ "passphrase-file", 1, NULL, 'f' }, { NULL, 0, NULL, 0 } };
	const char *key = NULL, *passfile = NULL;
	struct medsec_signkey *k = NULL;
	char err[256] = "";
	int c, from_stdin = 0, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 's')
			from_stdin = 1;
		else if (c == 'f')
			passfile = optarg;
		else
			key = NULL, optind = argc + 1;
	}
	if (key == NULL || optind != argc - 1) {
		cli_fail("usage: medsec update sign PKG --key K.key "
		    "[--passphrase-stdin | --passphrase-file F]");
		return CLI_EXIT_USAGE;
	}
	if (cli_load_signkey(key, from_stdin, passfile, &k) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if ((r = medsec_update_sign(argv[optind], k, err, sizeof(err))) !=
	    MEDSEC_OK)
		cli_fail_escaped("sign: ", err[0] ? err :
		    medsec_strerror(r));
	else
		printf("%s signed by %s (%s)\n", argv[optind],
		    medsec_signkey_public(k)->name,
		    medsec_signkey_public(k)->key_id);
	medsec_signkey_free(k);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static void
print_manifest(const struct medsec_update_manifest *m, size_t nsigs)
{
	char built[MEDSEC_RFC3339_LEN], expires[MEDSEC_RFC3339_LEN], hex[65];

	medsec_time_format_digits(m->built_us, 0, built, sizeof(built));
	medsec_time_format_digits(m->expires_us, 0, expires, sizeof(expires));
	medsec_hex(m->digest, 32, hex);
	printf("product:          %s\nversion:          %s\n"
	    "security counter: %" PRIu64 "\nbuilt:            %s\n"
	    "expires:          %s\ndistributor:      %s (key %s)\n"
	    "manifest sha256:  %s\nsignatures:       %zu\n", m->product,
	    m->version, m->security_counter, built, expires, m->distributor,
	    m->distributor_key, hex, nsigs);
	printf("hardware:        ");
	for (size_t i = 0; i < m->n_hardware; i++)
		printf(" %s", m->hardware[i]);
	printf("\n");
	if (m->downgrade_of[0] != '\0')
		printf("DOWNGRADE of:     %s\n", m->downgrade_of);
	printf("files:\n");
	for (size_t i = 0; i < m->n_files; i++) {
		medsec_hex(m->files[i].sha256, 32, hex);
		printf("  %04o %12" PRIu64 " %s  %s\n", m->files[i].mode,
		    m->files[i].size, hex, m->files[i].name);
	}
}

int
cli_update_inspect(int argc, char **argv)
{
	struct medsec_update_manifest *m = NULL;
	char err[256] = "", *json = NULL;
	size_t nsigs = 0;
	int as_json = 0, r;

	if (argc == 3 && strcmp(argv[2], "--json") == 0)
		as_json = 1;
	else if (argc != 2) {
		cli_fail("usage: medsec update inspect PKG [--json]");
		return CLI_EXIT_USAGE;
	}
	if ((r = medsec_update_inspect(argv[1], &m, &json, &nsigs, err,
	    sizeof(err))) != MEDSEC_OK) {
		cli_fail_escaped("inspect: ", err[0] ? err :
		    medsec_strerror(r));
		return CLI_EXIT_FAIL;
	}
	if (as_json)
		printf("{\"manifest\":%s,\"signatures\":%zu}\n", json, nsigs);
	else {
		print_manifest(m, nsigs);
		printf("(signatures not checked: use medsec update verify)\n");
	}
	free(json);
	medsec_update_manifest_free(m);
	return CLI_EXIT_OK;
}

int
cli_update_verify(int argc, char **argv)
{
	static const struct option opts[] = { { "trust", 1, NULL, 't' },
		{ "hardware", 1, NULL, 'w' }, { "product", 1, NULL, 'p' },
		{ "min-counter", 1, NULL, 'c' }, { NULL, 0, NULL, 0 } };
	struct medsec_update_manifest *m = NULL;
	struct medsec_update_trust *t = NULL;
	struct medsec_update_policy pol;
	const char *trust = NULL;
	char err[256] = "";
	int c, ok = 1, r;

	memset(&pol, 0, sizeof(pol));
	optind = 1;
	while (ok && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': trust = optarg; break;
		case 'w': pol.hardware_id = optarg; break;
		case 'p': pol.product = optarg; break;
		case 'c': ok = cli_parse_u64(optarg, &pol.min_counter) == 0;
			break;
		default: ok = 0;
		}
	}
	if (!ok || trust == NULL || optind != argc - 1) {
		cli_fail("usage: medsec update verify PKG --trust DIR "
		    "[--hardware H] [--product P] [--min-counter N]");
		return CLI_EXIT_USAGE;
	}
	pol.now_us = medsec_clock_wall_us();
	if ((r = medsec_update_trust_load(trust, pol.now_us, 0, &t, err,
	    sizeof(err))) != MEDSEC_OK ||
	    (r = medsec_update_verify(argv[optind], t, &pol, &m, err,
	    sizeof(err))) != MEDSEC_OK)
		cli_fail_escaped("REFUSED: ", err[0] ? err :
		    medsec_strerror(r));
	else
		printf("verified: %s %s, security counter %" PRIu64 ", %zu "
		    "file(s), threshold of trusted signatures met\n",
		    m->product, m->version, m->security_counter, m->n_files);
	medsec_update_manifest_free(m);
	medsec_update_trust_free(t);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
