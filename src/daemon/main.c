/*
 * medsecd: the privilege-separated HTTPS gateway of a medsec device.
 *
 *   medsecd [-f] [-c FILE] [--check-config] [--print-services] [-V]
 *
 * Exit codes: 0 clean shutdown (or, with --check-config, a valid file);
 * 1 the configuration is refused; 2 bad command line; 3 the device, a
 * listener or the worker could not be started.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "medsec/config.h"
#include "medsec/err.h"
#include "daemon.h"

#define DEFAULT_CONFIG "/etc/medsec/medsecd.conf"

static void
usage(FILE *out)
{
	fprintf(out, "usage: medsecd [-f] [-c FILE] [--check-config] "
	    "[--print-services] [-V]\n"
	    "  -c FILE            configuration file (default "
	    DEFAULT_CONFIG ")\n"
	    "  -f                 stay in the foreground, log to stderr\n"
	    "  --check-config     validate the configuration and exit\n"
	    "  --print-services   list every listener that would be exposed\n"
	    "  -V                 print the version and exit\n");
}

enum { OPT_CHECK = 256, OPT_SERVICES };

static const struct option long_options[] = {
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "print-services", no_argument, NULL, OPT_SERVICES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Loads the file: MEDSEC_OK, or prints the error naming the file. */
static int
load_config(const char *path, struct medsec_config *cfg)
{
	struct medsec_config_error cerr;
	char msg[512];
	int r;

	medsec_config_defaults(cfg);
	memset(&cerr, 0, sizeof(cerr));
	if ((r = medsec_config_load(path, cfg, &cerr)) != MEDSEC_OK) {
		medsec_config_error_format(&cerr, msg, sizeof(msg));
		fprintf(stderr, "medsecd: %s\n", msg);
	}
	return r;
}

int
main(int argc, char **argv)
{
	struct medsecd_options opts = { DEFAULT_CONFIG, 0 };
	struct medsec_config cfg;
	int c, check = 0, services = 0;

	while ((c = getopt_long(argc, argv, "c:fVh", long_options, NULL)) !=
	    -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'f':
			opts.foreground = 1;
			break;
		case 'V':
			printf("medsecd %s\n", MEDSEC_VERSION);
			return MEDSECD_EXIT_OK;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_SERVICES:
			services = 1;
			break;
		case 'h':
			usage(stdout);
			return MEDSECD_EXIT_OK;
		default:
			usage(stderr);
			return MEDSECD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "medsecd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return MEDSECD_EXIT_USAGE;
	}
	if (load_config(opts.config_path, &cfg) != MEDSEC_OK)
		return MEDSECD_EXIT_CONFIG;
	if (check) {
		printf("%s: ok\n", opts.config_path);
		return MEDSECD_EXIT_OK;
	}
	if (services) {
		medsecd_print_services(&cfg, stdout);
		return MEDSECD_EXIT_OK;
	}
	return monitor_run(&opts, &cfg);
}
