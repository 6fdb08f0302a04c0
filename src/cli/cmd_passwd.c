/*
 * medsec passwd NAME: a user changes their own password (old one first),
 * or an administrator (--as ADMIN) resets someone else's, which the user
 * must then change at next login.
 */
#include <stdio.h>
#include <string.h>

#include "medsec/err.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_people.h"

int
cmd_passwd(int argc, char **argv)
{
	struct medsec_subject self;
	struct cli_people_args a;
	struct cli_people p;
	struct cli_secret old, pw;
	char why[256] = "", prompt[96];
	int r;

	if (cli_people_args(argc, argv, &a, 1) != 0) {
		fprintf(stderr, "usage: medsec passwd NAME --state DIR "
		    "[--as ADMIN] [--password-stdin]\n");
		return CLI_EXIT_USAGE;
	}
	if (cli_people_open(&p, a.state, a.config) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	memset(&old, 0, sizeof(old));
	memset(&pw, 0, sizeof(pw));
	if (a.as != NULL && strcmp(a.as, a.name) != 0) {
		if ((r = cli_people_admin(&p, a.as, a.password_stdin)) !=
		    MEDSEC_OK)
			goto out;
		if ((r = cli_read_new_password(a.name, a.password_stdin,
		    &pw)) != MEDSEC_OK)
			goto out;
		r = medsec_identity_password_change(p.id, &p.admin, a.name,
		    NULL, 0, pw.buf, pw.len, why, sizeof(why));
	} else {
		snprintf(prompt, sizeof(prompt), "current password for %s",
		    a.name);
		if ((r = cli_read_secret(prompt, a.password_stdin, &old)) !=
		    MEDSEC_OK ||
		    (r = cli_read_new_password(a.name, a.password_stdin,
		    &pw)) != MEDSEC_OK)
			goto out;
		self.user = a.name;
		self.source = "local";
		self.roles = "";
		r = medsec_identity_password_change(p.id, &self, a.name,
		    old.buf, old.len, pw.buf, pw.len, why, sizeof(why));
	}
	if (r == MEDSEC_ERR_POLICY)
		cli_fail("password refused: %s", why);
	else if (r == MEDSEC_ERR_LOGIN_FAILED || r == MEDSEC_ERR_LOCKED ||
	    r == MEDSEC_ERR_DISABLED || r == MEDSEC_ERR_EXPIRED ||
	    r == MEDSEC_ERR_THROTTLED)
		cli_login_failed(r);
	else if (r == MEDSEC_ERR_DENIED)
		cli_fail("permission denied (user-admin needed)");
	else if (r == MEDSEC_ERR_AUDIT_DEGRADED)
		cli_fail("password for %s changed, but the record of the "
		    "change could not be written to the audit trail (audit storage "
		    "failed): the new password is in force; repair the audit "
		    "storage", a.name);
	else if (r == MEDSEC_ERR_AUDIT_UNAVAILABLE)
		cli_fail("passwd %s: refused: the audit trail cannot take a "
		    "record (storage failed or nearly full); nothing was "
		    "changed", a.name);
	else if (r == MEDSEC_ERR_STATE)
		cli_fail("passwd %s: a machine peer has no password", a.name);
	else if (r != MEDSEC_OK)
		cli_error(r, "passwd %s", a.name);
	else
		printf("password for %s changed\n", a.name);
out:
	cli_secret_wipe(&old);
	cli_secret_wipe(&pw);
	if (cli_people_close(&p) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
