/* Options shared by the user, passwd and session commands. */
#ifndef MEDSEC_CLI_ARGS_H
#define MEDSEC_CLI_ARGS_H

struct cli_people_args {
	const char *state;
	const char *config;
	const char *as;
	const char *role;
	const char *add;
	const char *remove;
	const char *expires;
	const char *cert;
	const char *subject;
	const char *reason;
	const char *who;
	const char *name; /* the positional argument, if any */
	int password_stdin;
	int all;
};

/*
 * Parses argv (argv[0] is the subcommand). positional: 0 none, 1 exactly
 * one name, 2 an optional name. Prints what was wrong and returns -1 on error.
 */
int cli_people_args(int argc, char **argv, struct cli_people_args *a,
    int positional);

#endif
