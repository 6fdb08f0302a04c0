/*
 * medsec decommission --state DIR --confirm DEVICE_ID --out DIR
 *     [--reason TEXT] [--config FILE]
 *   end of service: crypto-shreds the device's keys, wipes the verifier
 *   key and the database, writes DIR/deletion-certificate.json (signed
 *   with the identity key before it was destroyed), DIR/identity.pub
 *   and the user notice in Korean and English, and prints the notice.
 *   --confirm must repeat the device's id: the administrator's
 *   confirmation that this device, and no other, loses its data.
 * medsec decommission pubkey --state DIR
 *   prints the identity public key to record while the device serves.
 * medsec decommission verify CERT --pubkey FILE
 *   checks a certificate off the device against that recorded key.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec-tools/decommission.h"
#include "medsec/err.h"
#include "cli.h"

#define CERT_NAME "deletion-certificate.json"

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
write_text(const char *dir, const char *name, const char *text)
{
	int r = medsec_io_write_file_atomic(dir, name, text, strlen(text),
	    0644);

	if (r != MEDSEC_OK)
		cli_error(r, "%s/%s", dir, name);
	return r;
}

static int
notices(const struct medsec_decommission_result *res, const char *dir)
{
	static const char *const langs[] = { "ko", "en" };
	char name[32], *text = NULL;
	int r = MEDSEC_OK;

	for (size_t i = 0; r == MEDSEC_OK && i < 2; i++) {
		if ((r = medsec_decommission_notice(res, langs[i], CERT_NAME,
		    &text)) != MEDSEC_OK)
			break;
		printf("\n%s", text);
		snprintf(name, sizeof(name), "notice.%s.md", langs[i]);
		r = write_text(dir, name, text);
		free(text);
		text = NULL;
	}
	return r;
}

/* What must not be lost once the keys are gone: written, else shown. */
static int
keep_outputs(const struct medsec_decommission_result *res, const char *dir)
{
	int r;

	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) ||
	    (r = write_text(dir, CERT_NAME, res->certificate)) != MEDSEC_OK ||
	    (r = write_text(dir, "identity.pub", res->pubkey)) != MEDSEC_OK) {
		cli_fail("%s: the certificate could not be written; here it "
		    "is, keep it:", dir);
		printf("%s\n", res->certificate);
		return MEDSEC_ERR_IO;
	}
	printf("device %s decommissioned: %zu keys destroyed, %zu files "
	    "wiped\ncertificate: %s/%s\nidentity key:\n%s", res->device_id,
	    res->keys, res->files, dir, CERT_NAME, res->pubkey);
	return notices(res, dir);
}

static int
run(int argc, char **argv)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ "confirm", 1, NULL, 'c' }, { "out", 1, NULL, 'o' },
		{ "reason", 1, NULL, 'r' }, { "config", 1, NULL, 'f' },
		{ NULL, 0, NULL, 0 } };
	struct medsec_decommission_options o;
	struct medsec_decommission_result res;
	struct passwd *pw = getpwuid(getuid());
	const char *out = NULL;
	char now[32], actor[80], err[1024];
	int ch, r, bad = 0;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			o.state_dir = optarg;
		else if (ch == 'c')
			o.confirm = optarg;
		else if (ch == 'o')
			out = optarg;
		else if (ch == 'r')
			o.reason = optarg;
		else if (ch == 'f')
			o.config_path = optarg;
		else {
			bad = 1;
			break;
		}
	}
	if (bad || optind != argc || o.state_dir == NULL || out == NULL) {
		fprintf(stderr, "usage: medsec decommission --state DIR "
		    "--confirm DEVICE_ID --out DIR [--reason TEXT]\n"
		    "       [--config FILE]\n"
		    "       medsec decommission pubkey --state DIR\n"
		    "       medsec decommission verify CERT --pubkey FILE\n");
		return CLI_EXIT_USAGE;
	}
	if (o.confirm == NULL) {
		cli_fail("decommission refused: --confirm DEVICE_ID is "
		    "required: every key and record of the device is "
		    "destroyed, irreversibly");
		return CLI_EXIT_USAGE;
	}
	utc_now(now);
	snprintf(actor, sizeof(actor), "os:%s", pw != NULL ? pw->pw_name :
	    "?");
	o.actor = actor;
	o.now = now;
	if ((r = medsec_decommission(&o, &res, err, sizeof(err))) !=
	    MEDSEC_OK) {
		cli_fail("decommission: %s", err[0] != '\0' ? err :
		    medsec_strerror(r));
		medsec_decommission_free(&res);
		return r == MEDSEC_ERR_DENIED || r == MEDSEC_ERR_INVALID ?
		    CLI_EXIT_USAGE : CLI_EXIT_USAGE + 1;
	}
	r = keep_outputs(&res, out);
	medsec_decommission_free(&res);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_USAGE + 1;
}

static int
pubkey(int argc, char **argv)
{
	char line[MEDSEC_DELETION_PUBKEY_MAX], err[1024];
	int r;

	if (argc != 3 || strcmp(argv[1], "--state") != 0) {
		fprintf(stderr, "usage: medsec decommission pubkey --state "
		    "DIR\n");
		return CLI_EXIT_USAGE;
	}
	if ((r = medsec_decommission_pubkey(argv[2], line, sizeof(line), err,
	    sizeof(err))) != MEDSEC_OK) {
		cli_error(r, "%s", err[0] != '\0' ? err : argv[2]);
		return CLI_EXIT_USAGE + 1;
	}
	fputs(line, stdout);
	return CLI_EXIT_OK;
}

static int
verify(int argc, char **argv)
{
	struct medsec_deletion_summary sum;
	struct medsec_config_error err;
	uint8_t *cert = NULL, *key = NULL;
	size_t certlen, keylen;
	int r;

	if (argc != 4 || strcmp(argv[2], "--pubkey") != 0) {
		fprintf(stderr, "usage: medsec decommission verify CERT "
		    "--pubkey FILE\n");
		return CLI_EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	if ((r = medsec_io_read_file(argv[1], MEDSEC_DELETION_CERT_MAX, 0,
	    &cert, &certlen)) != MEDSEC_OK)
		cli_error(r, "%s", argv[1]);
	else if ((r = medsec_io_read_file(argv[3], MEDSEC_DELETION_PUBKEY_MAX,
	    0, &key, &keylen)) != MEDSEC_OK)
		cli_error(r, "%s", argv[3]);
	else if ((r = medsec_deletion_certificate_verify((const char *)cert,
	    certlen, (const char *)key, &sum, &err)) != MEDSEC_OK)
		cli_fail("%s: %s: %s", argv[1], err.key, err.message);
	else
		printf("%s: valid deletion certificate of device %s, signed "
		    "by identity key %s\n  %s by %s: %zu keys destroyed, %zu "
		    "files wiped\n", argv[1], sum.device_id, sum.key_id,
		    sum.time, sum.performed_by, sum.keys, sum.files);
	free(cert);
	free(key);
	if (r == MEDSEC_OK)
		return CLI_EXIT_OK;
	return r == MEDSEC_ERR_AUTH || r == MEDSEC_ERR_KEY_MISMATCH ||
	    r == MEDSEC_ERR_FORMAT ? CLI_EXIT_FAIL : CLI_EXIT_USAGE + 1;
}

int
cmd_decommission(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return verify(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "pubkey") == 0)
		return pubkey(argc - 1, argv + 1);
	return run(argc, argv);
}
