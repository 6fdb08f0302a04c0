/*
 * medsec init: provisions a device with medsec_device_provision(), which
 * builds it in a staging directory and renames it into place, so a
 * failure or a crash never leaves a half-provisioned device.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "cli.h"
#include "cli_escape.h"
#include "cli_people.h"
#include "cli_text.h"

struct init_args {
	const char *state;
	const char *config;
	const char *device_id;
	const char *profile;
	const char *verifier;
};

static void
init_usage(void)
{
	fprintf(stderr,
	    "usage: medsec init --state DIR [--config FILE] [--device-id ID]\n"
	    "                   [--profile approved|kcmvp] "
	    "[--verifier-key FILE]\n");
}

static int
parse_args(int argc, char **argv, struct init_args *a)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ "config", 1, NULL, 'c' }, { "device-id", 1, NULL, 'd' },
		{ "profile", 1, NULL, 'p' }, { "verifier-key", 1, NULL, 'v' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "s:c:d:p:v:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->state = optarg; break;
		case 'c': a->config = optarg; break;
		case 'd': a->device_id = optarg; break;
		case 'p': a->profile = optarg; break;
		case 'v': a->verifier = optarg; break;
		default: return -1;
		}
	}
	return a->state != NULL && optind == argc ? 0 : -1;
}

static int
is_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * --device-id obeys the configuration file's rule for [device] id: it is
 * recorded in the database and the audit trail exactly as given, so a
 * value that does not fit is refused, never cut.
 */
static int
check_device_id(const char *id)
{
	char shown[CLI_SHOWN_MAX];
	size_t n = strlen(id), i;

	cli_shown(shown, id);
	if (n == 0 || n >= MEDSEC_CONFIG_ID_MAX) {
		cli_fail("--device-id '%s': %zu characters; a device id has 1 "
		    "to %d", shown, n, MEDSEC_CONFIG_ID_MAX - 1);
		return MEDSEC_ERR_INVALID;
	}
	for (i = 0; i < n; i++)
		if (!is_id_char(id[i])) {
			cli_fail("--device-id '%s': invalid character at "
			    "position %zu (allowed: A-Z a-z 0-9 . _ -)", shown,
			    i + 1);
			return MEDSEC_ERR_INVALID;
		}
	return MEDSEC_OK;
}

static void
print_result(const char *state,
    const struct medsec_device_provision_result *res)
{
	printf("provisioned device %s in %s\n", res->device_id, state);
	printf("crypto profile: %s\n", res->profile);
	printf("audit verifier key written to: %s\n", res->verifier_path);
	printf("  Move it off the device and keep it safe: with it, anyone can "
	       "prove the\n  audit trail was not rewritten (medsec audit verify "
	       "--verifier-key FILE).\n");
}

/* The operating-system account, not $USER, which anyone can set. */
static void
os_actor(char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(out, outlen, "os:%s", pw != NULL ? pw->pw_name : "?");
}

/*
 * MFDS 1.10: the device has no accounts and no default password; the
 * first administrator is created with the setup code, shown only here.
 */
static int
provision(const struct init_args *a)
{
	struct medsec_device_provision_options o;
	struct medsec_device_provision_result res;
	char actor[80], err[1024];
	int r;

	if (a->device_id != NULL && (r = check_device_id(a->device_id)) !=
	    MEDSEC_OK)
		return r;
	os_actor(actor, sizeof(actor));
	memset(&o, 0, sizeof(o));
	o.state_dir = a->state;
	o.config_path = a->config;
	o.device_id = a->device_id;
	o.profile = a->profile;
	o.verifier_path = a->verifier;
	o.actor = actor;
	if ((r = medsec_device_provision(&o, &res, err, sizeof(err))) !=
	    MEDSEC_OK) {
		cli_fail_escaped("", err[0] != '\0' ? err : medsec_strerror(r));
		return r;
	}
	print_result(a->state, &res);
	cli_print_setup_code(res.setup_code, res.setup_code_hours);
	medsec_wipe(&res, sizeof(res));
	return MEDSEC_OK;
}

int
cmd_init(int argc, char **argv)
{
	struct init_args a;

	if (parse_args(argc, argv, &a) != 0) {
		init_usage();
		return CLI_EXIT_USAGE;
	}
	return provision(&a) == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
