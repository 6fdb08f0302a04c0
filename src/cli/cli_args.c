/* Options shared by the user, passwd and session commands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_text.h"

int
cli_people_args(int argc, char **argv, struct cli_people_args *a,
    int positional)
{
	static const struct option opts[] = {
		{ "state", 1, NULL, 's' }, { "config", 1, NULL, 'c' },
		{ "as", 1, NULL, 'a' }, { "role", 1, NULL, 'r' },
		{ "add", 1, NULL, 'A' }, { "remove", 1, NULL, 'R' },
		{ "expires", 1, NULL, 'e' }, { "cert-sha256", 1, NULL, 'C' },
		{ "subject", 1, NULL, 'S' }, { "reason", 1, NULL, 'W' },
		{ "who", 1, NULL, 'w' }, { "password-stdin", 0, NULL, 'p' },
		{ "all", 0, NULL, 'l' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:c:a:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->state = optarg; break;
		case 'c': a->config = optarg; break;
		case 'a': a->as = optarg; break;
		case 'r': a->role = optarg; break;
		case 'A': a->add = optarg; break;
		case 'R': a->remove = optarg; break;
		case 'e': a->expires = optarg; break;
		case 'C': a->cert = optarg; break;
		case 'S': a->subject = optarg; break;
		case 'W': a->reason = optarg; break;
		case 'w': a->who = optarg; break;
		case 'p': a->password_stdin = 1; break;
		case 'l': a->all = 1; break;
		default: return -1;
		}
	}
	if (a->state == NULL) {
		cli_fail("--state DIR is required");
		return -1;
	}
	if (argc - optind > (positional != 0)) {
		char shown[CLI_SHOWN_MAX];

		cli_shown(shown, argv[optind + (positional != 0)]);
		cli_fail("unexpected argument '%s'", shown);
		return -1;
	}
	if (positional == 1 && argc - optind < 1) {
		cli_fail("a name is required");
		return -1;
	}
	a->name = optind < argc ? argv[optind] : NULL;
	return 0;
}
