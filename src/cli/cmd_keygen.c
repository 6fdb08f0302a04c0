/*
 * medsec keygen --out NAME: a manufacturer signing key pair, NAME.key
 * (sealed under a passphrase, 0600) and NAME.pub. The passphrase is read
 * with echo off (twice), or from --passphrase-stdin / --passphrase-file
 * for build pipelines; never from the command line.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/signkey.h"
#include "cli.h"
#include "cli_people.h"

static void
keygen_usage(void)
{
	fprintf(stderr, "usage: medsec keygen --out NAME [--alg ed25519|"
	    "ecdsa-p256-sha256]\n"
	    "                     [--passphrase-stdin | --passphrase-file FILE]\n");
}

int
cli_read_passphrase(int from_stdin, const char *file, int twice,
    struct cli_secret *s)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (file == NULL) {
		if (twice && !from_stdin)
			return cli_read_new_password("the key", 0, s);
		return cli_read_secret("passphrase", from_stdin, s);
	}
	if ((r = medsec_io_read_file(file, sizeof(s->buf) - 1,
	    MEDSEC_IO_PRIVATE, &buf, &len)) != MEDSEC_OK) {
		cli_error(r, "%s (must be a private regular file)", file);
		return r;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	memcpy(s->buf, buf, len);
	s->buf[len] = '\0';
	s->len = len;
	medsec_wipe(buf, len);
	free(buf);
	return MEDSEC_OK;
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = { { "out", 1, NULL, 'o' },
		{ "alg", 1, NULL, 'a' }, { "passphrase-stdin", 0, NULL, 's' },
		{ "passphrase-file", 1, NULL, 'f' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	const char *out = NULL, *file = NULL, *algname = "ed25519";
	const struct medsec_alg_info *alg;
	struct medsec_signkey *k = NULL;
	char sec[4096], pub[4096], name[MEDSEC_SIGNKEY_NAME_MAX], tmp[4096];
	struct cli_secret pass;
	int c, from_stdin = 0, r;

	memset(&pass, 0, sizeof(pass));
	while ((c = getopt_long(argc, argv, "o:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'a': algname = optarg; break;
		case 's': from_stdin = 1; break;
		case 'f': file = optarg; break;
		default: keygen_usage(); return CLI_EXIT_USAGE;
		}
	}
	if (out == NULL || optind != argc) {
		keygen_usage();
		return CLI_EXIT_USAGE;
	}
	if ((alg = medsec_crypto_alg_by_name(algname)) == NULL ||
	    (alg->id != MEDSEC_ALG_ED25519 &&
	    alg->id != MEDSEC_ALG_ECDSA_P256_SHA256)) {
		cli_fail("--alg: expected ed25519 or ecdsa-p256-sha256");
		return CLI_EXIT_USAGE;
	}
	snprintf(tmp, sizeof(tmp), "%s", out);
	snprintf(name, sizeof(name), "%s", basename(tmp));
	snprintf(sec, sizeof(sec), "%s.key", out);
	snprintf(pub, sizeof(pub), "%s.pub", out);
	if ((r = medsec_signkey_generate(alg->id, name, &k)) != MEDSEC_OK) {
		cli_error(r, "key name '%s' (A-Z a-z 0-9 . _ -, at most %d)",
		    name, MEDSEC_SIGNKEY_NAME_MAX - 1);
		return CLI_EXIT_FAIL;
	}
	if ((r = cli_read_passphrase(from_stdin, file, 1, &pass)) != MEDSEC_OK)
		goto out;
	if (pass.len < 8) {
		cli_fail("passphrase shorter than 8 characters");
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = medsec_signkey_save(k, sec, pub, pass.buf, pass.len)) !=
	    MEDSEC_OK) {
		cli_error(r, "cannot write %s / %s", sec, pub);
		goto out;
	}
	printf("secret key: %s (sealed under the passphrase)\npublic key: %s\n"
	    "key id: %s (%s)\n", sec, pub, medsec_signkey_public(k)->key_id,
	    alg->name);
out:
	cli_secret_wipe(&pass);
	medsec_signkey_free(k);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
