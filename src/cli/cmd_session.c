/*
 * medsec session: login sessions on a device. Tokens are printed once at
 * login and read back from the terminal or standard input, never from
 * the command line.
 */
#include <stdio.h>
#include <string.h>

#include "medsec/err.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_people.h"

static int
print_session(const struct medsec_session_info *s, void *ctx)
{
	char created[MEDSEC_RFC3339_LEN], last[MEDSEC_RFC3339_LEN];

	(void)ctx;
	medsec_time_format_digits(s->created_us, 0, created, sizeof(created));
	medsec_time_format_digits(s->last_us, 0, last, sizeof(last));
	printf("%-16s %-20s %-22s %-16s %-20s %-20s %s%s\n", s->id, s->user,
	    s->roles, s->source, created, last,
	    s->ended_us != 0 ? medsec_session_end_name(s->end_reason) : "live",
	    s->therapy ? " therapy" : s->emergency ? " emergency" : "");
	return 0;
}

static int
session_list(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	int r;

	if ((r = cli_people_begin(argc, argv, 0, &a, &p)) != CLI_EXIT_OK)
		return r;
	/*
	 * Best effort, so the list shows what is really live; a sweep that
	 * fails leaves sessions that every check still ends at their limit.
	 */
	(void)medsec_session_sweep(p.sessions, NULL);
	printf("%-16s %-20s %-22s %-16s %-20s %-20s %s\n", "ID", "USER",
	    "ROLES", "SOURCE", "STARTED", "LAST ACTIVITY", "STATE");
	if ((r = medsec_session_list(p.sessions, a.all, print_session,
	    NULL)) != MEDSEC_OK)
		cli_error(r, "session list");
	return cli_people_finish(&p, r);
}

static int
session_kill(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	int r;

	if ((r = cli_people_begin(argc, argv, 1, &a, &p)) != CLI_EXIT_OK)
		return r;
	if ((r = cli_people_admin(&p, a.as, a.password_stdin)) != MEDSEC_OK)
		return cli_people_finish(&p, r);
	if ((r = medsec_access_check(p.roles, p.dev.audit, &p.admin,
	    MEDSEC_PERM_USER_ADMIN, a.name)) != MEDSEC_OK) {
		cli_fail("permission denied (user-admin needed)");
		return cli_people_finish(&p, r);
	}
	r = medsec_session_kill(p.sessions, a.name, p.admin.user);
	if (r == MEDSEC_ERR_NOT_FOUND)
		cli_fail("no live session %s", a.name);
	else if (r != MEDSEC_OK)
		cli_error(r, "kill %s", a.name);
	else
		printf("session %s ended\n", a.name);
	return cli_people_finish(&p, r);
}

static int
session_login(int argc, char **argv)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct cli_people_args a;
	struct cli_people p;
	struct cli_secret pw;
	char prompt[96];
	int r;

	if ((r = cli_people_begin(argc, argv, 1, &a, &p)) != CLI_EXIT_OK)
		return r;
	snprintf(prompt, sizeof(prompt), "password for %s", a.name);
	if ((r = cli_read_secret(prompt, a.password_stdin, &pw)) != MEDSEC_OK)
		return cli_people_finish(&p, r);
	r = medsec_identity_login(p.id, a.name, pw.buf, pw.len, "local",
	    token, &info);
	cli_secret_wipe(&pw);
	if (r == MEDSEC_ERR_SESSION_ACTIVE)
		cli_fail("login refused: %s", medsec_strerror(r));
	else if (r != MEDSEC_OK)
		cli_login_failed(r);
	else {
		printf("%s\n", token);
		fprintf(stderr, "session %s for %s (%s)\n", info.id, info.user,
		    info.roles);
	}
	medsec_wipe(token, sizeof(token));
	return cli_people_finish(&p, r);
}

static void
session_refused(int r, const struct medsec_session_info *info)
{
	if (r == MEDSEC_ERR_SESSION_REPLACED)
		cli_fail("session %s ended by a newer login", info->id);
	else if (r == MEDSEC_ERR_SESSION_EXPIRED)
		cli_fail("session %s expired (%s)", info->id,
		    medsec_session_end_name(info->end_reason));
	else if (r == MEDSEC_ERR_DISABLED)
		cli_fail("session %s ended (%s)", info->id,
		    medsec_session_end_name(info->end_reason));
	else if (r == MEDSEC_ERR_STATE)
		cli_fail("session %s may only change its password (medsec "
		    "passwd %s)", info->id, info->user);
	else if (r != MEDSEC_ERR_LOGIN_FAILED)
		cli_error(r, "session");
	else
		cli_fail("not a session of this device");
}

/* check, logout, therapy-on, therapy-off: the token comes on stdin/tty. */
static int
session_token_verb(int argc, char **argv)
{
	struct medsec_session_info info;
	struct cli_people_args a;
	struct cli_people p;
	struct cli_secret tok;
	const char *verb = argv[0];
	int r;

	if ((r = cli_people_begin(argc, argv, 0, &a, &p)) != CLI_EXIT_OK)
		return r;
	if ((r = cli_read_secret("session token", a.password_stdin, &tok)) !=
	    MEDSEC_OK)
		return cli_people_finish(&p, r);
	memset(&info, 0, sizeof(info));
	if (strcmp(verb, "check") == 0)
		r = medsec_session_check(p.sessions, tok.buf, &info);
	else if (strcmp(verb, "logout") == 0) {
		/* Only fills info for the message; logout decides. */
		if (medsec_session_check(p.sessions, tok.buf, &info) !=
		    MEDSEC_OK) {
			/* info still names the session, if any */
		}
		r = medsec_session_logout(p.sessions, tok.buf);
	} else
		r = medsec_session_set_therapy(p.sessions, tok.buf,
		    strcmp(verb, "therapy-on") == 0);
	cli_secret_wipe(&tok);
	if (r != MEDSEC_OK)
		session_refused(r, &info);
	else if (strcmp(verb, "check") == 0)
		printf("live session %s for %s (%s)\n", info.id, info.user,
		    info.roles);
	return cli_people_finish(&p, r);
}

static int
session_emergency(int argc, char **argv)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct cli_people_args a;
	struct cli_people p;
	struct cli_secret code;
	int r;

	if (cli_people_args(argc, argv, &a, 0) != 0)
		return CLI_EXIT_USAGE;
	if (a.who == NULL) {
		cli_fail("--who \"NAME\" is required: emergency access is "
		    "recorded against a person");
		return CLI_EXIT_USAGE;
	}
	if (cli_people_open(&p, a.state, a.config) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if ((r = cli_read_secret("emergency credential", a.password_stdin,
	    &code)) != MEDSEC_OK)
		return cli_people_finish(&p, r);
	r = medsec_identity_emergency_login(p.id, code.buf, a.who, "local",
	    token, &info);
	cli_secret_wipe(&code);
	if (r == MEDSEC_ERR_STATE)
		cli_fail("emergency access is off (auth.emergency_access)");
	else if (r != MEDSEC_OK)
		cli_fail("emergency access refused: wrong or used credential");
	else {
		printf("%s\n", token);
		fprintf(stderr, "EMERGENCY session %s (role emergency); this "
		    "has been recorded and an alert raised\n", info.id);
	}
	medsec_wipe(token, sizeof(token));
	return cli_people_finish(&p, r);
}

static int
session_sweep(int argc, char **argv)
{
	struct cli_people_args a;
	struct cli_people p;
	size_t n = 0;
	int r;

	if ((r = cli_people_begin(argc, argv, 0, &a, &p)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_session_sweep(p.sessions, &n)) == MEDSEC_OK)
		printf("%zu expired session(s) ended\n", n);
	else
		cli_error(r, "sweep");
	return cli_people_finish(&p, r);
}

static const struct cli_command session_cmds[] = {
	{ "list", session_list, "list live sessions (--all: ended too)" },
	{ "kill", session_kill, "end a session by id (administrator)" },
	{ "login", session_login, "log in; prints the token once" },
	{ "check", session_token_verb, "check a token (read from the "
	    "terminal or stdin)" },
	{ "logout", session_token_verb, "end the session of a token" },
	{ "therapy-on", session_token_verb, "mark a session as supervising a "
	    "therapy" },
	{ "therapy-off", session_token_verb, "clear the therapy mark" },
	{ "emergency", session_emergency, "break-glass login (--who NAME)" },
	{ "sweep", session_sweep, "end sessions past their limits" },
};

int
cmd_session(int argc, char **argv)
{
	return cli_dispatch("medsec session", session_cmds,
	    sizeof(session_cmds) / sizeof(session_cmds[0]), argc, argv);
}
