/* The CLI's identity helpers: see cli_people.c. */
#ifndef MEDSEC_CLI_PEOPLE_H
#define MEDSEC_CLI_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/access.h"
#include "medsec/clock.h"
#include "medsec/config.h"
#include "medsec/identity.h"
#include "medsec/password_policy.h"
#include "medsec/session.h"
#include "cli.h"

/* The device opened with identity (medsec_device_open) and its parts. */
struct cli_people {
	struct cli_device dev;
	const struct medsec_config *cfg;
	const struct medsec_roles *roles;
	struct medsec_sessions *sessions;
	struct medsec_identity *id;
	/* The authenticated administrator (cli_people_admin). */
	struct medsec_subject admin;
	char admin_name[MEDSEC_USER_NAME_MAX];
	char admin_roles[128];
};

/* A secret read from the terminal or stdin; wipe after use. */
struct cli_secret {
	char buf[MEDSEC_PASSWORD_MAX + 2];
	size_t len;
};

int cli_people_open(struct cli_people *p, const char *state,
    const char *config);
/* As cli_people_open, with more of the device (MEDSEC_DEVICE_UPDATER). */
int cli_people_open_flags(struct cli_people *p, const char *state,
    const char *config, unsigned flags);
int cli_people_close(struct cli_people *p);

struct cli_people_args;
/*
 * Parses the options (see cli_args.h) and opens the device: CLI_EXIT_OK,
 * or the exit code to return (usage or failure, already reported).
 */
int cli_people_begin(int argc, char **argv, int positional,
    struct cli_people_args *a, struct cli_people *p);
/* Closes the device; the exit code for result r. */
int cli_people_finish(struct cli_people *p, int r);

/*
 * Reads a secret: from /dev/tty with echo off (a '*' per character), or
 * one line of standard input with from_stdin. Never from argv or the
 * environment.
 */
int cli_read_secret(const char *prompt, int from_stdin, struct cli_secret *s);
/* A new password, typed twice on a terminal. */
int cli_read_new_password(const char *who, int from_stdin,
    struct cli_secret *s);
void cli_secret_wipe(struct cli_secret *s);

/* Authenticates the administrator named by --as into p->admin. */
int cli_people_admin(struct cli_people *p, const char *name, int from_stdin);

/* A key passphrase: terminal (twice if new), stdin, or a private file. */
int cli_read_passphrase(int from_stdin, const char *file, int twice,
    struct cli_secret *s);

void cli_login_failed(int r);
void cli_print_setup_code(const char *code, unsigned hours);
int cli_parse_date(const char *s, int64_t *usp);

#endif
