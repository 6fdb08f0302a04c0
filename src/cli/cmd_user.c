/*
 * medsec user: accounts on a device. Every change names the acting
 * administrator (--as NAME) and asks for that password; the library
 * checks the user-admin permission and records the change.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/err.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_ctl.h"
#include "cli_escape.h"
#include "cli_people.h"

/* Opens the device and authenticates the administrator. */
static int
open_as_admin(struct cli_people *p, const struct cli_people_args *a)
{
	int r;

	if ((r = cli_people_open(p, a->state, a->config)) != MEDSEC_OK) {
		if (r == MEDSEC_ERR_BUSY)
			cli_fail("while medsecd runs, medsec user revoke-cert, "
			    "disable, enable and unlock reach it through its "
			    "control socket (%s/medsecd.sock, [daemon] "
			    "control_socket); other account changes go through "
			    "its API or wait until it is stopped", a->state);
		return r;
	}
	/* The refusal is what the caller reports; closing only releases. */
	if ((r = cli_people_admin(p, a->as, a->password_stdin)) != MEDSEC_OK)
		(void)cli_people_close(p);
	return r;
}

static void
report(int r, const char *what, const char *name, const char *why)
{
	if (r == MEDSEC_OK)
		return;
	if (r == MEDSEC_ERR_AUDIT_DEGRADED)
		cli_fail("%s %s: done, but its audit record could not be "
		    "written (audit storage failed): the change stands; repair "
		    "the audit storage before anything else", what, name);
	else if (r == MEDSEC_ERR_AUDIT_UNAVAILABLE)
		cli_fail("%s %s: refused: the audit trail cannot take a "
		    "record (storage failed or nearly full); nothing was "
		    "changed", what, name);
	else if (r == MEDSEC_ERR_POLICY || (why != NULL && *why != '\0'))
		cli_fail("%s %s: %s", what, name, why != NULL ? why : "refused");
	else if (r == MEDSEC_ERR_DENIED)
		cli_fail("%s %s: permission denied (user-admin needed)", what,
		    name);
	else if (r == MEDSEC_ERR_NOT_FOUND)
		cli_fail("%s %s: no such account", what, name);
	else if (r == MEDSEC_ERR_EXISTS)
		cli_fail("%s %s: an account with this name or certificate "
		    "exists", what, name);
	else
		cli_error(r, "%s %s", what, name);
}

static int
user_setup(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	struct cli_secret code, pw;
	char why[256] = "";
	int r;

	if (cli_people_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if (!medsec_identity_valid_name(a.name)) {
		cli_fail("invalid user name '%s' (a-z, 0-9, . _ -; starts with "
		    "a letter; at most %d)", a.name, MEDSEC_USER_NAME_MAX - 1);
		return CLI_EXIT_USAGE;
	}
	if (cli_people_open(&p, a.state, a.config) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if ((r = cli_read_secret("setup code", a.password_stdin, &code)) !=
	    MEDSEC_OK)
		return cli_people_finish(&p, r);
	if ((r = cli_read_new_password(a.name, a.password_stdin, &pw)) ==
	    MEDSEC_OK) {
		r = medsec_identity_bootstrap(p.id, code.buf, a.name, pw.buf,
		    pw.len, "local", why, sizeof(why));
		if (r == MEDSEC_ERR_AUTH)
			cli_fail("wrong or already used setup code");
		else if (r == MEDSEC_ERR_EXPIRED)
			cli_fail("the setup code has expired; issue a new one "
			    "with medsec user setup-code");
		else
			report(r, "setup", a.name, why);
	}
	cli_secret_wipe(&code);
	cli_secret_wipe(&pw);
	if (r == MEDSEC_OK)
		printf("administrator %s created; the setup code no longer "
		    "works\n", a.name);
	return cli_people_finish(&p, r);
}

static int
user_setup_code(int argc, char **argv)
{
	char code[MEDSEC_SETUP_CODE_LEN];
	struct cli_people_args a;
	struct cli_people p;
	int r;

	if ((r = cli_people_begin(argc, argv, 0, &a, &p)) != CLI_EXIT_OK)
		return r;
	r = medsec_identity_setup_code_issue(p.id, code);
	if (r == MEDSEC_ERR_STATE)
		cli_fail("an administrator who can manage accounts exists: "
		    "setup codes are only for a new device or one that has "
		    "lost all its administrators");
	else if (r != MEDSEC_OK)
		cli_error(r, "setup code");
	else
		cli_print_setup_code(code, p.cfg->auth_setup_code_hours);
	medsec_wipe(code, sizeof(code));
	return cli_people_finish(&p, r);
}

static int
user_add(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	struct cli_secret pw;
	int64_t expires = 0;
	char why[256] = "";
	int r;

	if (cli_people_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if (a.role == NULL) {
		cli_fail("--role ROLE is required");
		return CLI_EXIT_USAGE;
	}
	if (a.expires != NULL && cli_parse_date(a.expires, &expires) !=
	    MEDSEC_OK)
		return CLI_EXIT_USAGE;
	if (a.expires != NULL && expires <= medsec_clock_wall_us()) {
		cli_fail("--expires '%s' is not in the future: the account "
		    "would be created expired; nothing was changed", a.expires);
		return CLI_EXIT_USAGE;
	}
	if (open_as_admin(&p, &a) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if (a.cert != NULL) {
		r = medsec_identity_peer_add(p.id, &p.admin, a.name, a.cert,
		    expires);
		report(r, "add peer", a.name, NULL);
		if (r == MEDSEC_OK)
			printf("machine peer %s added (certificate sha256 %s)\n",
			    a.name, a.cert);
		return cli_people_finish(&p, r);
	}
	if ((r = cli_read_new_password(a.name, a.password_stdin, &pw)) !=
	    MEDSEC_OK)
		return cli_people_finish(&p, r);
	r = medsec_identity_user_add(p.id, &p.admin, a.name, a.role, expires,
	    pw.buf, pw.len, why, sizeof(why));
	cli_secret_wipe(&pw);
	if (r == MEDSEC_ERR_AUDIT_DEGRADED)
		cli_fail("user %s was created (%s), but the record of its "
		    "creation could not be written to the audit trail (audit "
		    "storage failed): the account exists; repair the audit "
		    "storage, then review the account", a.name, a.role);
	else
		report(r, "add", a.name, why);
	if (r == MEDSEC_OK)
		printf("user %s added (%s); the password must be changed at "
		    "first login\n", a.name, a.role);
	return cli_people_finish(&p, r);
}

static void
show_time(int64_t us, char *buf, size_t len)
{
	if (us == 0)
		snprintf(buf, len, "-");
	else if (medsec_time_format_digits(us, 0, buf, len) == MEDSEC_OK &&
	    strlen(buf) > 10)
		buf[16] = '\0'; /* "YYYY-MM-DDTHH:MM" */
	else
		snprintf(buf, len, "?");
}

static int
print_account(const struct medsec_account *acct, void *ctx)
{
	char expires[MEDSEC_RFC3339_LEN], last[MEDSEC_RFC3339_LEN];

	(void)ctx;
	show_time(acct->expires_us, expires, sizeof(expires));
	show_time(acct->last_login_us, last, sizeof(last));
	printf("%-20s %-26s %-9s %-16s %-16s %" PRIu32 "%s\n", acct->name,
	    acct->roles, medsec_account_state_name(acct->state), expires, last,
	    acct->failures, acct->must_change ? " (must change password)" : "");
	return 0;
}

static int
user_list(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	int r;

	if ((r = cli_people_begin(argc, argv, 0, &a, &p)) != CLI_EXIT_OK)
		return r;
	printf("%-20s %-26s %-9s %-16s %-16s %s\n", "NAME", "ROLES", "STATE",
	    "EXPIRES", "LAST LOGIN", "FAILURES");
	if ((r = medsec_identity_user_list(p.id, print_account, NULL)) !=
	    MEDSEC_OK)
		cli_error(r, "user list");
	return cli_people_finish(&p, r);
}

/*
 * While medsecd runs it holds the device's audit trail, so the commands
 * whose effect it must see at once (revoke-cert, disable, enable,
 * unlock) go to its control socket: the daemon makes the change as the
 * administrator named, closes a revoked peer's live connections, and
 * records it. 1 when the daemon answered (*exitp set), 0 when no medsecd
 * answers there and the device is opened directly.
 */
static int
forwarded(const char *op, const struct cli_people_args *a,
    const char *reason, const char *subject, int *exitp)
{
	struct cli_ctl_reply rep;
	struct cli_secret pw;
	char prompt[96];
	int fd, r;

	if (a->state == NULL || cli_ctl_connect(a->state, &fd) != 1)
		return 0;
	*exitp = CLI_EXIT_FAIL;
	if (a->as == NULL) {
		close(fd);
		cli_fail("this command changes the device: name the "
		    "administrator with --as NAME");
		return 1;
	}
	snprintf(prompt, sizeof(prompt), "password for %s", a->as);
	if ((r = cli_read_secret(prompt, a->password_stdin, &pw)) !=
	    MEDSEC_OK) {
		close(fd);
		return 1;
	}
	r = cli_ctl_request(fd, op, a->as, &pw, a->name, reason, subject,
	    &rep);
	cli_secret_wipe(&pw);
	if (r != MEDSEC_OK)
		return 1;
	if (rep.status != MEDSEC_OK) {
		fprintf(stderr, "medsec: %s %s: medsecd refused (%s): ", op,
		    a->name, rep.code);
		cli_print_escaped(stderr, rep.message);
		fputc('\n', stderr);
		return 1;
	}
	fprintf(stderr, "medsec: medsecd is running and made the change "
	    "(control socket %s/medsecd.sock)\n", a->state);
	*exitp = CLI_EXIT_OK;
	return 1;
}

/* disable, enable, unlock, expire, delete. */
static int
user_change(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	const char *verb = argv[0];
	int64_t when = 0;
	int r;

	if (cli_people_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if (strcmp(verb, "expire") == 0 && a.expires != NULL &&
	    cli_parse_date(a.expires, &when) != MEDSEC_OK)
		return CLI_EXIT_USAGE;
	if ((strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0 ||
	    strcmp(verb, "unlock") == 0) &&
	    forwarded(verb, &a, NULL, NULL, &r)) {
		if (r == CLI_EXIT_OK)
			printf("%s: %s done\n", a.name, verb);
		return r;
	}
	if (open_as_admin(&p, &a) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if (strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0)
		r = medsec_identity_user_set_disabled(p.id, &p.admin, a.name,
		    strcmp(verb, "disable") == 0);
	else if (strcmp(verb, "unlock") == 0)
		r = medsec_identity_user_unlock(p.id, &p.admin, a.name);
	else if (strcmp(verb, "expire") == 0)
		r = medsec_identity_user_set_expiry(p.id, &p.admin, a.name,
		    a.expires != NULL ? when : medsec_clock_wall_us());
	else
		r = medsec_identity_user_delete(p.id, &p.admin, a.name);
	if (r == MEDSEC_ERR_STATE && strcmp(verb, "delete") == 0 &&
	    strcmp(a.name, p.admin.user) == 0)
		cli_fail("delete %s: an administrator cannot delete the "
		    "account it is using", a.name);
	else if (r == MEDSEC_ERR_STATE)
		cli_fail("%s %s: refused: it would leave no administrator who "
		    "can manage accounts (enabled, with a password and no "
		    "expiry date); add another administrator first; nothing "
		    "was changed", verb, a.name);
	else
		report(r, verb, a.name, NULL);
	if (r == MEDSEC_OK)
		printf("%s: %s done\n", a.name, verb);
	return cli_people_finish(&p, r);
}

static int
user_role(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	int r;

	if (cli_people_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if (a.add == NULL && a.remove == NULL) {
		cli_fail("give --add ROLE and/or --remove ROLE");
		return CLI_EXIT_USAGE;
	}
	if (open_as_admin(&p, &a) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	r = medsec_identity_user_roles(p.id, &p.admin, a.name, a.add,
	    a.remove);
	if (r == MEDSEC_ERR_INVALID)
		cli_fail("role %s: unknown or not grantable", a.add);
	else if (r == MEDSEC_ERR_STATE)
		cli_fail("role %s: refused: an account keeps at least one "
		    "role, and the device keeps an administrator who can manage "
		    "accounts (enabled, with a password and no expiry date); "
		    "nothing was changed", a.name);
	else
		report(r, "role", a.name, NULL);
	return cli_people_finish(&p, r);
}

static int
user_emergency_seal(int argc, char **argv)
{
	char code[MEDSEC_EMERGENCY_CODE_LEN];
	struct cli_people_args a;
	struct cli_people p;
	int r;

	if (cli_people_args(argc, argv, &a, 0) != 0)
		return CLI_EXIT_USAGE;
	if (open_as_admin(&p, &a) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	r = medsec_identity_emergency_seal(p.id, &p.admin, code);
	if (r == MEDSEC_ERR_STATE)
		cli_fail("emergency access is off (auth.emergency_access)");
	else if (r != MEDSEC_OK)
		report(r, "emergency-seal", "credential", NULL);
	else
		printf("emergency credential (single use; seal it in the "
		    "device's emergency envelope):\n\n    %s\n\n", code);
	medsec_wipe(code, sizeof(code));
	return cli_people_finish(&p, r);
}

static int
user_revoke_cert(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	int r;

	if (cli_people_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if (forwarded("revoke-cert", &a, a.reason, a.subject, &r))
		return r;
	if (open_as_admin(&p, &a) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	r = medsec_identity_cert_revoke(p.id, &p.admin, a.name, a.subject,
	    a.reason);
	if (r == MEDSEC_ERR_INVALID)
		cli_fail("revoke-cert: expected 64 lowercase hex digits (the "
		    "certificate's SHA-256)");
	else
		report(r, "revoke-cert", a.name, NULL);
	return cli_people_finish(&p, r);
}

static int
user_revocation_list(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	char *text = NULL;
	int r;

	if ((r = cli_people_begin(argc, argv, 0, &a, &p)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_identity_revocation_list(p.id, &text)) == MEDSEC_OK)
		fputs(text, stdout);
	else
		cli_error(r, "revocation list");
	free(text);
	return cli_people_finish(&p, r);
}

static const struct cli_command user_cmds[] = {
	{ "setup", user_setup, "create the first administrator with the "
	    "setup code" },
	{ "setup-code", user_setup_code, "issue a new setup code (no accounts "
	    "yet)" },
	{ "add", user_add, "add an account (--role, --expires, or "
	    "--cert-sha256 for a peer)" },
	{ "list", user_list, "list accounts: roles, state, expiry, last login" },
	{ "disable", user_change, "disable an account and end its sessions" },
	{ "enable", user_change, "enable a disabled account" },
	{ "unlock", user_change, "unlock an account locked by failed logins" },
	{ "expire", user_change, "expire an account now (or --expires DATE)" },
	{ "delete", user_change, "delete an account" },
	{ "role", user_role, "add or remove a role (--add, --remove)" },
	{ "emergency-seal", user_emergency_seal, "seal a new break-glass "
	    "credential" },
	{ "revoke-cert", user_revoke_cert, "revoke a peer certificate by "
	    "SHA-256" },
	{ "revocation-list", user_revocation_list, "print the certificate "
	    "revocation list" },
};

int
cmd_user(int argc, char **argv)
{
	return cli_dispatch("medsec user", user_cmds,
	    sizeof(user_cmds) / sizeof(user_cmds[0]), argc, argv);
}
