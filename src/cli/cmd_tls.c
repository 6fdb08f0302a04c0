/*
 * medsec tls: the device's TLS certificate (MFDS 1.17). The key stays
 * sealed in the keystore; these commands print only public material.
 *
 *   medsec tls show --state DIR	  certificate PEM and its SHA-256
 *   medsec tls csr --state DIR	  PKCS#10 request for a hospital CA
 *   medsec tls import --state DIR --cert FILE   install what the CA signed
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec/device.h"
#include "medsec/device_tls.h"
#include "medsec/err.h"
#include "medsec/x509.h"
#include "cli.h"

struct tls_args {
	const char *state;
	const char *cert;
};

static int
tls_args(int argc, char **argv, int want_cert, struct tls_args *a)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ "cert", 1, NULL, 'c' }, { NULL, 0, NULL, 0 } };
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:c:", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->state = optarg; break;
		case 'c': a->cert = optarg; break;
		default: goto usage;
		}
	}
	if (a->state != NULL && optind == argc &&
	    (want_cert ? a->cert != NULL : a->cert == NULL))
		return CLI_EXIT_OK;
usage:
	fprintf(stderr, "usage: medsec tls %s --state DIR%s\n", argv[0],
	    want_cert ? " --cert FILE" : "");
	return CLI_EXIT_USAGE;
}

static int
tls_show(int argc, char **argv)
{
	char fp[MEDSEC_X509_FINGERPRINT_LEN], line[1024], *cert = NULL;
	struct cli_device dev;
	struct tls_args a;
	size_t len = 0;
	int r;

	if ((r = tls_args(argc, argv, 0, &a)) != CLI_EXIT_OK)
		return r;
	if (cli_device_open(&dev, a.state, CLI_OPEN_KEYS | CLI_OPEN_DB) !=
	    MEDSEC_OK)
		return CLI_EXIT_FAIL;
	r = medsec_device_tls_certificate(dev.dev, &cert, &len);
	if (r == MEDSEC_ERR_NOT_FOUND)
		cli_fail("%s: no TLS certificate yet (made on first use by "
		    "medsecd or 'medsec tls csr')", a.state);
	else if (r == MEDSEC_OK &&
	    (r = medsec_x509_fingerprint(cert, len, fp)) == MEDSEC_OK &&
	    (r = medsec_x509_describe(cert, len, line, sizeof(line))) ==
	    MEDSEC_OK)
		printf("%s# %s\n# sha256 %s\n", cert, line, fp);
	else
		cli_error(r, "%s: TLS certificate", a.state);
	free(cert);
	if (cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
tls_csr(int argc, char **argv)
{
	struct cli_device dev;
	struct tls_args a;
	char *pem = NULL;
	size_t len = 0;
	int r;

	if ((r = tls_args(argc, argv, 0, &a)) != CLI_EXIT_OK)
		return r;
	/* With the trail: a device without a key gets one, recorded. */
	if (cli_device_open(&dev, a.state, CLI_OPEN_KEYS | CLI_OPEN_DB |
	    CLI_OPEN_AUDIT) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if ((r = medsec_device_tls_csr(dev.dev, &pem, &len)) == MEDSEC_OK)
		fputs(pem, stdout);
	else
		cli_error(r, "%s: certificate request", a.state);
	free(pem);
	if (cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
tls_import(int argc, char **argv)
{
	char fp[MEDSEC_X509_FINGERPRINT_LEN], err[512], actor[96];
	struct passwd *pw = getpwuid(geteuid());
	struct cli_device dev;
	struct tls_args a;
	uint8_t *text = NULL;
	size_t len = 0;
	int r;

	if ((r = tls_args(argc, argv, 1, &a)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_io_read_file(a.cert, MEDSEC_X509_PEM_MAX, 0, &text,
	    &len)) != MEDSEC_OK) {
		cli_error(r, "%s", a.cert);
		return CLI_EXIT_FAIL;
	}
	snprintf(actor, sizeof(actor), "os:%s", pw != NULL ? pw->pw_name : "?");
	if (cli_device_open(&dev, a.state, CLI_OPEN_KEYS | CLI_OPEN_DB |
	    CLI_OPEN_AUDIT) != MEDSEC_OK) {
		free(text);
		return CLI_EXIT_FAIL;
	}
	if ((r = medsec_device_tls_import(dev.dev, (const char *)text, len,
	    actor, err, sizeof(err))) != MEDSEC_OK)
		cli_fail("%s: %s", a.cert, err);
	else if (medsec_x509_fingerprint((const char *)text, len, fp) ==
	    MEDSEC_OK)
		printf("installed the TLS certificate sha256 %s; restart or "
		    "reload medsecd to present it\n", fp);
	free(text);
	if (cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cmd_tls(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
		{ "show", tls_show, "print the device certificate and its "
		    "SHA-256 fingerprint" },
		{ "csr", tls_csr, "print a PKCS#10 request for a hospital CA" },
		{ "import", tls_import, "install a CA-signed certificate for "
		    "the device key (--cert FILE)" },
	};

	return cli_dispatch("tls", cmds, sizeof(cmds) / sizeof(cmds[0]), argc,
	    argv);
}
