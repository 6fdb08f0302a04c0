/*
 * medsec: provisioning, keys, audit verification and export, and (in later
 * groups) users, updates, integrity manifests and the MFDS submission.
 */
#include <stdio.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/log.h"
#include "cli.h"
#include "cli_text.h"

/* Post-market groups (cmd_sbom.c, cmd_vuln.c). */
int cmd_sbom(int argc, char **argv);
int cmd_vuln(int argc, char **argv);

static const struct cli_command groups[] = {
	{ "init", cmd_init, "provision a new device (keys, database, audit)" },
	{ "status", cmd_status, "show a device's keys, database and audit" },
	{ "audit", cmd_audit, "verify, export and follow the audit trail" },
	{ "classify", cmd_classify, "decide an MFDS safety level and which requirements apply" },
	{ "user", cmd_user, "accounts: first administrator, add, list, disable, roles" },
	{ "passwd", cmd_passwd, "change a password (or reset one as administrator)" },
	{ "keygen", cmd_keygen, "create a manufacturer signing key pair" },
	{ "update", cmd_update, "signed updates: key sets, pack, sign, verify" },
	{ "session", cmd_session, "login sessions: list, kill, login, logout" },
	{ "scan-secrets", cmd_scan, "find hard-coded credentials in sources and images (SARIF)" },
	{ "manifest", cmd_manifest, "signed integrity manifests of files (create, verify)" },
	{ "report", cmd_report, "build the MFDS submission package from test evidence" },
	{ "tls", cmd_tls, "the device TLS certificate: show, request, import" },
	{ "sbom", cmd_sbom, "software bill of materials (CycloneDX 1.6, SPDX 2.3)" },
	{ "vuln", cmd_vuln, "vulnerabilities of an SBOM against offline OSV advisories" },
	{ "incident", cmd_incident, "security incidents: record, close, notify (MFDS, hospitals, users)" },
	{ "model", cmd_model, "AI model integrity: signed manifest with data provenance, verified load" },
	{ "decommission", cmd_decommission, "end of service: crypto-shred the keys, signed deletion certificate" },
};

/* A command group, or one of the words cli_dispatch() answers itself. */
static int
known_group(const char *name)
{
	size_t i;

	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return 1;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(name, groups[i].name) == 0)
			return 1;
	return 0;
}

/*
 * The library's log sink: warnings and worse go to stderr, one line each,
 * as "medsec: <module>: <message>" (the library has escaped the message).
 * Lesser messages are in the audit trail or in the command's own output.
 */
static void
log_to_stderr(void *ctx, int severity, const char *module,
    const char *message)
{
	(void)ctx;
	(void)severity;
	fprintf(stderr, "medsec: %s: %s\n", module, message);
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 ||
			     strcmp(argv[1], "version") == 0)) {
		printf("medsec %s\n", MEDSEC_VERSION);
		return CLI_EXIT_OK;
	}
	medsec_log_set(log_to_stderr, NULL, MEDSEC_LOG_WARNING);
	if (medsec_crypto_init() != MEDSEC_OK) {
		cli_fail("cannot initialise the crypto library");
		return CLI_EXIT_FAIL;
	}
	if (argc >= 2 && !known_group(argv[1])) {
		char shown[CLI_SHOWN_MAX];

		cli_shown(shown, argv[1]);
		cli_fail("unknown command '%s'", shown);
		fprintf(stderr, "usage: medsec <command> [options]; "
		    "'medsec --help' lists the commands\n");
		return CLI_EXIT_USAGE;
	}
	return cli_dispatch("medsec", groups, sizeof(groups) / sizeof(groups[0]),
	    argc, argv);
}
