/*
 * medsec update: the manufacturer side of signed updates (root and
 * signing key sets, pack, sign, inspect, verify) and, in cmd_update_dev.c,
 * the device side.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/signkey.h"
#include "medsec/update.h"
#include "cli.h"
#include "cli_escape.h"
#include "cli_people.h"
#include "cli_update.h"

#define LIST_MAX MEDSEC_UPDATE_KEYS_MAX

static int
load_pubkeys(const char *const *paths, size_t n, struct medsec_pubkey *keys)
{
	char shown[300];
	int r;

	for (size_t i = 0; i < n; i++)
		if ((r = medsec_pubkey_load(paths[i], &keys[i])) != MEDSEC_OK) {
			cli_escape(paths[i], shown, sizeof(shown));
			cli_error(r, "public key %s", shown);
			return r;
		}
	return MEDSEC_OK;
}

int
cli_load_signkey(const char *path, int from_stdin, const char *passfile,
    struct medsec_signkey **kp)
{
	struct cli_secret pass;
	char shown[300];
	int r;

	memset(&pass, 0, sizeof(pass));
	if ((r = cli_read_passphrase(from_stdin, passfile, 0, &pass)) !=
	    MEDSEC_OK)
		return r;
	r = medsec_signkey_load(path, pass.buf, pass.len, kp);
	cli_secret_wipe(&pass);
	cli_escape(path, shown, sizeof(shown));
	if (r == MEDSEC_ERR_AUTH)
		cli_fail("%s: wrong passphrase (or the file was altered)", shown);
	else if (r == MEDSEC_ERR_PERMISSION)
		cli_fail("%s: a secret key file must be private (mode 0600, "
		    "yours, not a link)", shown);
	else if (r != MEDSEC_OK)
		cli_error(r, "secret key %s", shown);
	return r;
}

static int
update_root(int argc, char **argv)
{
	static const struct option opts[] = { { "key", 1, NULL, 'k' },
		{ "threshold", 1, NULL, 't' }, { "out", 1, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	const char *paths[LIST_MAX], *out = NULL;
	struct medsec_pubkey keys[LIST_MAX];
	char err[256];
	uint64_t threshold = 1;
	size_t n = 0;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k' && n < LIST_MAX)
			paths[n++] = optarg;
		else if (c == 't' && cli_parse_u64(optarg, &threshold) == 0)
			;
		else if (c == 'o')
			out = optarg;
		else {
			cli_fail("usage: medsec update root --key K.pub... "
			    "--threshold T --out root.json");
			return CLI_EXIT_USAGE;
		}
	}
	if (out == NULL || n == 0 || optind != argc) {
		cli_fail("usage: medsec update root --key K.pub... "
		    "--threshold T --out root.json");
		return CLI_EXIT_USAGE;
	}
	if (load_pubkeys(paths, n, keys) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if ((r = medsec_update_root_write(out, (unsigned)threshold, keys, n,
	    err, sizeof(err))) != MEDSEC_OK) {
		cli_fail_escaped("", err);
		return CLI_EXIT_FAIL;
	}
	printf("root key set: %zu key(s), threshold %" PRIu64 ", in %s\n", n,
	    threshold, out);
	return CLI_EXIT_OK;
}

struct keyset_args {
	const char *root_paths[LIST_MAX];
	size_t n_root;
	const char *key_paths[LIST_MAX];
	size_t n_keys;
	const char *revoked[LIST_MAX];
	size_t n_revoked;
	uint64_t threshold;
	uint64_t version;
	int64_t expires_us;
	const char *out;
	const char *passfile;
	int from_stdin;
};

static int
add_path(const char **list, size_t *n, const char *v)
{
	if (*n >= LIST_MAX)
		return 0;
	list[(*n)++] = v;
	return 1;
}

static int
keyset_args(int argc, char **argv, struct keyset_args *a)
{
	static const struct option opts[] = { { "root-key", 1, NULL, 'R' },
		{ "key", 1, NULL, 'k' }, { "revoke", 1, NULL, 'x' },
		{ "threshold", 1, NULL, 't' }, { "version", 1, NULL, 'v' },
		{ "expires", 1, NULL, 'e' }, { "out", 1, NULL, 'o' },
		{ "passphrase-stdin", 0, NULL, 's' },
		{ "passphrase-file", 1, NULL, 'f' }, { NULL, 0, NULL, 0 } };
	int c, ok = 1;

	memset(a, 0, sizeof(*a));
	a->threshold = 1;
	optind = 1;
	while (ok && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			ok = add_path(a->root_paths, &a->n_root, optarg);
			break;
		case 'k':
			ok = add_path(a->key_paths, &a->n_keys, optarg);
			break;
		case 'x':
			ok = add_path(a->revoked, &a->n_revoked, optarg);
			break;
		case 't': ok = cli_parse_u64(optarg, &a->threshold) == 0; break;
		case 'v': ok = cli_parse_u64(optarg, &a->version) == 0; break;
		case 'e': ok = cli_parse_date(optarg, &a->expires_us) == 0;
			break;
		case 'o': a->out = optarg; break;
		case 's': a->from_stdin = 1; break;
		case 'f': a->passfile = optarg; break;
		default: ok = 0;
		}
	}
	if (!ok || a->out == NULL || a->n_root == 0 || a->n_keys == 0 ||
	    a->version == 0 || a->expires_us == 0 || optind != argc) {
		cli_fail("usage: medsec update keyset --root-key R.key... "
		    "--key K.pub... --threshold M --version N --expires DATE "
		    "[--revoke KEYID]... --out keyset.json");
		return -1;
	}
	return 0;
}

static int
update_keyset(int argc, char **argv)
{
	const struct medsec_signkey *roots[LIST_MAX];
	struct medsec_signkey *loaded[LIST_MAX] = { NULL };
	struct medsec_pubkey keys[LIST_MAX];
	struct keyset_args a;
	char err[256];
	size_t i;
	int r = MEDSEC_ERR_INVALID;

	if (keyset_args(argc, argv, &a) != 0)
		return CLI_EXIT_USAGE;
	if (load_pubkeys(a.key_paths, a.n_keys, keys) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	for (i = 0; i < a.n_root; i++) {
		if ((r = cli_load_signkey(a.root_paths[i], a.from_stdin,
		    a.passfile, &loaded[i])) != MEDSEC_OK)
			goto out;
		roots[i] = loaded[i];
	}
	if ((r = medsec_update_keyset_write(a.out, a.version, a.expires_us,
	    (unsigned)a.threshold, keys, a.n_keys, a.revoked, a.n_revoked,
	    roots, a.n_root, err, sizeof(err))) != MEDSEC_OK)
		cli_fail_escaped("", err);
	else
		printf("signing key set v%" PRIu64 ": %zu key(s), threshold "
		    "%" PRIu64 ", %zu revoked, signed by %zu root key(s), in "
		    "%s\n", a.version, a.n_keys, a.threshold, a.n_revoked,
		    a.n_root, a.out);
out:
	for (i = 0; i < a.n_root; i++)
		medsec_signkey_free(loaded[i]);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static const struct cli_command update_cmds[] = {
	{ "root", update_root, "write the device's root key set (root.json)" },
	{ "keyset", update_keyset, "write a signing key set signed by root" },
	{ "pack", cli_update_pack, "build an unsigned package from files" },
	{ "sign", cli_update_sign, "add a signature to a package" },
	{ "inspect", cli_update_inspect, "show a package's manifest" },
	{ "verify", cli_update_verify, "verify a package against a trust "
	    "directory" },
};

int
cmd_update(int argc, char **argv)
{
	struct cli_command all[32];
	const struct cli_command *dev;
	size_t n = sizeof(update_cmds) / sizeof(update_cmds[0]), ndev = 0;

	dev = cli_update_device_cmds(&ndev);
	if (n + ndev > sizeof(all) / sizeof(all[0]))
		return CLI_EXIT_FAIL;
	memcpy(all, update_cmds, sizeof(update_cmds));
	memcpy(all + n, dev, ndev * sizeof(*dev));
	return cli_dispatch("medsec update", all, n + ndev, argc, argv);
}
