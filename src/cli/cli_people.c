/*
 * Shared by the user, passwd and session commands: opening a device's
 * identity store with its configuration, reading secrets without echo,
 * and authenticating the administrator who runs a command.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/password_policy.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_people.h"

int
cli_people_open_flags(struct cli_people *p, const char *state,
    const char *config, unsigned flags)
{
	int r;

	memset(p, 0, sizeof(*p));
	if (state == NULL) {
		cli_fail("--state DIR is required");
		return MEDSEC_ERR_INVALID;
	}
	if ((r = cli_device_open_flags(&p->dev, state, config,
	    flags | MEDSEC_DEVICE_IDENTITY)) != MEDSEC_OK)
		return r;
	p->cfg = medsec_device_config(p->dev.dev);
	p->roles = medsec_device_roles(p->dev.dev);
	p->sessions = medsec_device_sessions(p->dev.dev);
	p->id = medsec_device_identity(p->dev.dev);
	return MEDSEC_OK;
}

int
cli_people_open(struct cli_people *p, const char *state, const char *config)
{
	return cli_people_open_flags(p, state, config, 0);
}

int
cli_people_close(struct cli_people *p)
{
	int r;

	p->id = NULL;
	p->sessions = NULL;
	p->roles = NULL;
	p->cfg = NULL;
	r = cli_device_close(&p->dev);
	medsec_wipe(p->admin_name, sizeof(p->admin_name));
	return r;
}

/* Reads one line from the terminal with echo off, a '*' per character. */
static int
read_tty(int fd, const char *prompt, struct cli_secret *s)
{
	struct termios old, raw;
	char c;
	ssize_t n;
	int r = MEDSEC_ERR_IO;

	if (tcgetattr(fd, &old) != 0)
		return MEDSEC_ERR_IO;
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &raw) != 0)
		return MEDSEC_ERR_IO;
	(void)!write(fd, prompt, strlen(prompt));
	s->len = 0;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		if (c == '\n' || c == '\r')
			break;
		if (c == 0x7f || c == '\b') {
			if (s->len > 0) {
				s->len--;
				(void)!write(fd, "\b \b", 3);
			}
			continue;
		}
		if (s->len >= sizeof(s->buf) - 1) {
			r = MEDSEC_ERR_TOO_LARGE;
			goto out;
		}
		s->buf[s->len++] = c;
		(void)!write(fd, "*", 1);
	}
	s->buf[s->len] = '\0';
	r = MEDSEC_OK;
out:
	(void)!write(fd, "\n", 1);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	c = 0;
	if (r != MEDSEC_OK)
		cli_secret_wipe(s);
	return r;
}

/* Reads one line of standard input, byte by byte so nothing is buffered. */
static int
read_stdin_line(struct cli_secret *s)
{
	char c;
	ssize_t n;

	s->len = 0;
	for (;;) {
		n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_secret_wipe(s);
			return MEDSEC_ERR_IO;
		}
		if (n == 0 || c == '\n')
			break;
		if (s->len >= sizeof(s->buf) - 1) {
			cli_secret_wipe(s);
			return MEDSEC_ERR_TOO_LARGE;
		}
		s->buf[s->len++] = c;
	}
	if (n == 0 && s->len == 0)
		return MEDSEC_ERR_NOT_FOUND;
	if (s->len > 0 && s->buf[s->len - 1] == '\r')
		s->len--;
	s->buf[s->len] = '\0';
	return MEDSEC_OK;
}

int
cli_read_secret(const char *prompt, int from_stdin, struct cli_secret *s)
{
	int fd, r;

	if (from_stdin) {
		r = read_stdin_line(s);
		if (r == MEDSEC_ERR_NOT_FOUND)
			cli_fail("%s: nothing on standard input", prompt);
		else if (r == MEDSEC_ERR_TOO_LARGE)
			cli_fail("%s: longer than %d bytes", prompt,
			    MEDSEC_PASSWORD_MAX);
		return r;
	}
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		cli_fail("no terminal to read the %s from; use "
		    "--password-stdin", prompt);
		return MEDSEC_ERR_IO;
	}
	{
		char p[128];

		snprintf(p, sizeof(p), "%s: ", prompt);
		r = read_tty(fd, p, s);
	}
	close(fd);
	if (r == MEDSEC_ERR_TOO_LARGE)
		cli_fail("%s: longer than %d bytes", prompt, MEDSEC_PASSWORD_MAX);
	return r;
}

int
cli_read_new_password(const char *who, int from_stdin, struct cli_secret *s)
{
	struct cli_secret again;
	char prompt[96];
	int r;

	snprintf(prompt, sizeof(prompt), "new password for %s", who);
	if ((r = cli_read_secret(prompt, from_stdin, s)) != MEDSEC_OK)
		return r;
	if (from_stdin)
		return MEDSEC_OK;
	snprintf(prompt, sizeof(prompt), "new password for %s (again)", who);
	if ((r = cli_read_secret(prompt, 0, &again)) != MEDSEC_OK) {
		cli_secret_wipe(s);
		return r;
	}
	if (again.len != s->len ||
	    medsec_ct_equal(again.buf, s->buf, s->len) != 0) {
		cli_fail("the two passwords differ; nothing changed");
		r = MEDSEC_ERR_INVALID;
		cli_secret_wipe(s);
	}
	cli_secret_wipe(&again);
	return r;
}

void
cli_secret_wipe(struct cli_secret *s)
{
	medsec_wipe(s->buf, sizeof(s->buf));
	s->len = 0;
}

/*
 * The reply to a failed login: the same words for an unknown name and a
 * wrong password; states only after the correct password; anything else
 * (storage, audit trail) said as it is, never as a wrong password.
 */
void
cli_login_failed(int r)
{
	switch (r) {
	case MEDSEC_ERR_LOGIN_FAILED:
		cli_fail("login failed: wrong name or password");
		break;
	case MEDSEC_ERR_LOCKED:
	case MEDSEC_ERR_DISABLED:
	case MEDSEC_ERR_EXPIRED:
	case MEDSEC_ERR_THROTTLED:
	case MEDSEC_ERR_DENIED:
		cli_fail("login refused: %s", medsec_strerror(r));
		break;
	case MEDSEC_ERR_STATE:
		cli_fail("login refused: the password must be changed before "
		    "anything else; change it with medsec passwd NAME");
		break;
	case MEDSEC_ERR_AUDIT_UNAVAILABLE:
		cli_fail("login refused: the audit trail cannot take a record "
		    "(storage failed or nearly full); nothing was changed");
		break;
	case MEDSEC_ERR_AUDIT_DEGRADED:
		cli_fail("login refused; the attempt was counted but its audit "
		    "record could not be written (audit storage failed)");
		break;
	default:
		cli_error(r, "login refused; nothing was changed");
	}
}

int
cli_people_admin(struct cli_people *p, const char *name, int from_stdin)
{
	struct medsec_account acct;
	struct cli_secret pw;
	char prompt[96];
	int r;

	if (name == NULL) {
		cli_fail("this command changes the device: name the "
		    "administrator with --as NAME");
		return MEDSEC_ERR_INVALID;
	}
	snprintf(prompt, sizeof(prompt), "password for %s", name);
	if ((r = cli_read_secret(prompt, from_stdin, &pw)) != MEDSEC_OK)
		return r;
	r = medsec_identity_authenticate(p->id, name, pw.buf, pw.len, "local",
	    &acct);
	cli_secret_wipe(&pw);
	if (r != MEDSEC_OK) {
		cli_login_failed(r);
		return r;
	}
	snprintf(p->admin_name, sizeof(p->admin_name), "%s", acct.name);
	snprintf(p->admin_roles, sizeof(p->admin_roles), "%s", acct.roles);
	p->admin.user = p->admin_name;
	p->admin.source = "local";
	p->admin.roles = p->admin_roles;
	return MEDSEC_OK;
}

int
cli_parse_date(const char *s, int64_t *usp)
{
	if (s == NULL || medsec_time_parse(s, usp) != MEDSEC_OK) {
		cli_fail("invalid date '%s' (YYYY-MM-DD or RFC 3339)",
		    s != NULL ? s : "");
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

void
cli_print_setup_code(const char *code, unsigned hours)
{
	printf("one-time setup code (shown once, valid %u hours):\n\n    %s\n\n"
	    "  Create the first administrator with it:\n"
	    "    medsec user setup NAME --state DIR\n", hours, code);
}

int
cli_people_finish(struct cli_people *p, int r)
{
	if (cli_people_close(p) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cli_people_begin(int argc, char **argv, int positional,
    struct cli_people_args *a, struct cli_people *p)
{
	if (cli_people_args(argc, argv, a, positional) != 0)
		return CLI_EXIT_USAGE;
	if (cli_people_open(p, a->state, a->config) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	return CLI_EXIT_OK;
}
