/*
 * medsec update (device side): setup, stage, approve, reject, install,
 * boot, commit, health-failed, status. Changes need an administrator
 * (--as NAME, password asked); approval needs update-approve and binds to
 * the manifest digest the approver types.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/updater.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_escape.h"
#include "cli_people.h"
#include "cli_update.h"

struct dev_args {
	const char *state;
	const char *as;
	const char *digest;
	const char *reason;
	const char *hardware;
	const char *product;
	const char *root;
	const char *keyset;
	const char *arg;
	int password_stdin;
	int two_person;
};

static int
dev_args(int argc, char **argv, struct dev_args *a, int want_arg)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ "as", 1, NULL, 'a' }, { "digest", 1, NULL, 'd' },
		{ "reason", 1, NULL, 'r' }, { "hardware", 1, NULL, 'w' },
		{ "product", 1, NULL, 'p' }, { "root", 1, NULL, 'R' },
		{ "keyset", 1, NULL, 'K' }, { "password-stdin", 0, NULL, 'P' },
		{ "two-person", 0, NULL, '2' }, { NULL, 0, NULL, 0 } };
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->state = optarg; break;
		case 'a': a->as = optarg; break;
		case 'd': a->digest = optarg; break;
		case 'r': a->reason = optarg; break;
		case 'w': a->hardware = optarg; break;
		case 'p': a->product = optarg; break;
		case 'R': a->root = optarg; break;
		case 'K': a->keyset = optarg; break;
		case 'P': a->password_stdin = 1; break;
		case '2': a->two_person = 1; break;
		default: return -1;
		}
	}
	if (a->state == NULL) {
		cli_fail("--state DIR is required");
		return -1;
	}
	if (argc - optind != want_arg) {
		cli_fail(want_arg ? "expected one argument" :
		    "unexpected argument");
		return -1;
	}
	a->arg = want_arg ? argv[optind] : NULL;
	return 0;
}

struct dev {
	struct cli_people p;
	struct medsec_updater *u;
	char trust[4096];
	char hardware[64];
};

static int
dev_open(struct dev *d, const struct dev_args *a, int need_setup)
{
	struct medsec_updater_status st;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = cli_people_open_flags(&d->p, a->state, NULL,
	    MEDSEC_DEVICE_UPDATER)) != MEDSEC_OK)
		return r;
	d->u = medsec_device_updater(d->p.dev.dev);
	if ((r = cli_state_path(d->trust, sizeof(d->trust), a->state,
	    "trust")) != MEDSEC_OK) {
		cli_error(r, "state directory path");
		goto fail;
	}
	if ((r = medsec_updater_status_read(d->p.dev.db, NULL, &st)) !=
	    MEDSEC_OK) {
		cli_error(r, "update settings");
		goto fail;
	}
	if (need_setup && !st.configured) {
		cli_fail("updates are not set up: run medsec update setup");
		r = MEDSEC_ERR_STATE;
		goto fail;
	}
	snprintf(d->hardware, sizeof(d->hardware), "%s", st.hardware_id);
	return MEDSEC_OK;
fail:
	/* Already failing with r; a close error would not change the exit. */
	(void)cli_people_close(&d->p);
	return r;
}

static int
dev_close(struct dev *d, int r)
{
	d->u = NULL; /* closed with the device */
	if (cli_people_close(&d->p) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/*
 * The device, and with admin the --as administrator's password (after the
 * options were parsed and checked): CLI_EXIT_OK, or the exit code to
 * return (already reported).
 */
static int
dev_start(const struct dev_args *a, int need_setup, int admin, struct dev *d)
{
	int r;

	if (dev_open(d, a, need_setup) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if (admin && (r = cli_people_admin(&d->p, a->as, a->password_stdin)) !=
	    MEDSEC_OK)
		return dev_close(d, r);
	return CLI_EXIT_OK;
}

/* An update id: a positive decimal number, all of it. */
static int
parse_id(const char *s, int64_t *idp)
{
	uint64_t v;

	if (cli_parse_u64(s, &v) == 0 && v > 0 && v <= INT64_MAX) {
		*idp = (int64_t)v;
		return 0;
	}
	char shown[96];

	cli_escape(s != NULL ? s : "", shown, sizeof(shown));
	cli_fail("invalid update id '%s' (see medsec update status)", shown);
	return -1;
}

static int
update_setup(int argc, char **argv)
{
	struct medsec_updater_setup s;
	struct dev_args a;
	struct dev d;
	char err[512] = "";
	int r;

	if (dev_args(argc, argv, &a, 0) != 0 || a.hardware == NULL ||
	    a.root == NULL || a.keyset == NULL) {
		cli_fail("usage: medsec update setup --state DIR --hardware H "
		    "[--product P] --root root.json --keyset keyset.json "
		    "[--two-person] --as ADMIN");
		return CLI_EXIT_USAGE;
	}
	if (dev_open(&d, &a, 0) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if ((r = cli_people_admin(&d.p, a.as, a.password_stdin)) != MEDSEC_OK)
		return dev_close(&d, r);
	memset(&s, 0, sizeof(s));
	s.root_path = a.root;
	s.keyset_path = a.keyset;
	s.hardware_id = a.hardware;
	s.product = a.product;
	s.two_person = a.two_person;
	if ((r = medsec_updater_setup(d.u, &s, &d.p.admin, err,
	    sizeof(err))) != MEDSEC_OK)
		cli_fail_escaped("update setup refused: ", err[0] ? err :
		    medsec_strerror(r));
	else {
		printf("updates set up: hardware ");
		cli_print_escaped(stdout, a.hardware);
		printf(", trust in ");
		cli_print_escaped(stdout, d.trust);
		printf("%s\n", a.two_person ? ", two approvers required" : "");
	}
	return dev_close(&d, r);
}

/* "REFUSED: FILE: why", the file named once, both escaped. */
static void
refused(const char *file, const char *why)
{
	char shown[300];

	if (strstr(why, file) != NULL) {
		cli_fail_escaped("REFUSED: ", why);
		return;
	}
	cli_escape(file, shown, sizeof(shown));
	fprintf(stderr, "medsec: REFUSED: %s: ", shown);
	cli_print_escaped(stderr, why);
	fputc('\n', stderr);
}

static int
update_stage(int argc, char **argv)
{
	struct medsec_subject who = { "local", "local", "" };
	struct dev_args a;
	struct dev d;
	char err[256] = "";
	int64_t id = 0;
	int r;

	if (dev_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if ((r = dev_start(&a, 1, 0, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_stage(d.u, a.arg, &who, &id, err,
	    sizeof(err))) != MEDSEC_OK)
		refused(a.arg, err[0] ? err : medsec_strerror(r));
	else
		printf("update %" PRId64 " staged and verified; awaiting "
		    "approval (medsec update status)\n", id);
	return dev_close(&d, r);
}

static int
update_approve(int argc, char **argv)
{
	struct dev_args a;
	struct dev d;
	char err[256] = "";
	int64_t id;
	int r;

	if (dev_args(argc, argv, &a, 1) != 0 || a.digest == NULL) {
		cli_fail("usage: medsec update approve ID --digest SHA256 "
		    "--as ADMIN --state DIR");
		return CLI_EXIT_USAGE;
	}
	if (parse_id(a.arg, &id) != 0)
		return CLI_EXIT_USAGE;
	/* The password, entered now, is the re-authentication. */
	if ((r = dev_start(&a, 1, 1, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_approve(d.u, id, a.digest, &d.p.admin, 1, err,
	    sizeof(err))) != MEDSEC_OK)
		cli_fail_escaped("approve: ", err[0] ? err :
		    medsec_strerror(r));
	else
		printf("update %" PRId64 " approved by %s\n", id, d.p.admin.user);
	return dev_close(&d, r);
}

static int
update_reject(int argc, char **argv)
{
	struct dev_args a;
	struct dev d;
	int64_t id;
	int r;

	if (dev_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if (parse_id(a.arg, &id) != 0)
		return CLI_EXIT_USAGE;
	if ((r = dev_start(&a, 1, 1, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_reject(d.u, id,
	    &d.p.admin, a.reason != NULL ? a.reason : "rejected by an "
	    "administrator")) != MEDSEC_OK)
		cli_error(r, "reject %s", a.arg);
	return dev_close(&d, r);
}

static int
update_install(int argc, char **argv)
{
	struct dev_args a;
	struct dev d;
	char err[256] = "";
	int64_t id;
	int r;

	if (dev_args(argc, argv, &a, 1) != 0)
		return CLI_EXIT_USAGE;
	if (parse_id(a.arg, &id) != 0)
		return CLI_EXIT_USAGE;
	if ((r = dev_start(&a, 1, 0, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_install(d.u, id, err,
	    sizeof(err))) != MEDSEC_OK)
		cli_fail_escaped("install: ", err[0] ? err :
		    medsec_strerror(r));
	else
		printf("update %s installed; the next start runs it in trial "
		    "mode\n", a.arg);
	return dev_close(&d, r);
}

static int
update_boot(int argc, char **argv)
{
	struct medsec_update_boot b;
	struct dev_args a;
	struct dev d;
	int r;

	if (dev_args(argc, argv, &a, 0) != 0)
		return CLI_EXIT_USAGE;
	if ((r = dev_start(&a, 0, 0, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_boot(d.u, &b)) != MEDSEC_OK)
		cli_error(r, "boot record");
	else
		printf("running slot %s%s (starts in trial: %u)\n", b.active,
		    b.trial ? " in TRIAL" : "", b.trial_starts);
	return dev_close(&d, r);
}

static int
update_commit(int argc, char **argv)
{
	struct dev_args a;
	struct dev d;
	int r;

	if (dev_args(argc, argv, &a, 0) != 0)
		return CLI_EXIT_USAGE;
	if ((r = dev_start(&a, 1, 1, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_commit(d.u, &d.p.admin)) == MEDSEC_ERR_STATE)
		cli_fail("commit: no trial to commit");
	else if (r != MEDSEC_OK)
		cli_error(r, "commit");
	else
		printf("trial committed\n");
	return dev_close(&d, r);
}

static int
update_health_failed(int argc, char **argv)
{
	struct dev_args a;
	struct dev d;
	int r;

	if (dev_args(argc, argv, &a, 0) != 0)
		return CLI_EXIT_USAGE;
	if ((r = dev_start(&a, 1, 0, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_health_failed(d.u, a.reason)) ==
	    MEDSEC_ERR_STATE)
		cli_fail("no trial to roll back");
	else if (r != MEDSEC_OK)
		cli_error(r, "roll back");
	else
		printf("rolled back to the previous slot\n");
	return dev_close(&d, r);
}

static int
print_record(const struct medsec_update_record *r, void *ctx)
{
	char version[sizeof(r->version) * 4], reason[sizeof(r->reason) * 4];

	(void)ctx;
	/* The reason carries operator text (--reason) and file names. */
	cli_escape(r->version, version, sizeof(version));
	cli_escape(r->reason, reason, sizeof(reason));
	printf("%-4" PRId64 " %-18s %-10s %-8" PRIu64 " %.16s  %s%s\n", r->id,
	    medsec_update_state_name(r->state), version,
	    r->security_counter, r->digest[0] ? r->digest : "-", reason,
	    r->downgrade ? " [downgrade]" : "");
	return 0;
}

static int
update_status(int argc, char **argv)
{
	struct medsec_update_boot b;
	struct dev_args a;
	struct dev d;
	uint64_t counter = 0;
	int r;

	if (dev_args(argc, argv, &a, 0) != 0)
		return CLI_EXIT_USAGE;
	if ((r = dev_start(&a, 1, 0, &d)) != CLI_EXIT_OK)
		return r;
	if ((r = medsec_updater_counter(d.u, &counter)) != MEDSEC_OK) {
		cli_error(r, "security counter");
		return dev_close(&d, r);
	}
	if ((r = medsec_updater_boot_state(d.u, &b)) != MEDSEC_OK) {
		cli_error(r, "boot record");
		return dev_close(&d, r);
	}
	printf("slot %s%s, security counter %" PRIu64 ", hardware ", b.active,
	    b.trial ? " (TRIAL)" : "", counter);
	cli_print_escaped(stdout, d.hardware);
	putchar('\n');
	printf("%-4s %-18s %-10s %-8s %-16s  %s\n", "ID", "STATE", "VERSION",
	    "COUNTER", "DIGEST", "REASON");
	r = medsec_updater_list(d.u, print_record, NULL);
	return dev_close(&d, r);
}

static const struct cli_command dev_cmds[] = {
	{ "setup", update_setup, "install trust files and the hardware id" },
	{ "stage", update_stage, "receive and verify a package" },
	{ "approve", update_approve, "approve a staged package (--digest)" },
	{ "reject", update_reject, "reject a staged package" },
	{ "install", update_install, "install an approved package (A/B)" },
	{ "boot", update_boot, "a device start: trial counting, rollback" },
	{ "commit", update_commit, "make the running trial permanent" },
	{ "health-failed", update_health_failed, "roll back the running "
	    "trial" },
	{ "status", update_status, "slot, counter and packages" },
};

const struct cli_command *
cli_update_device_cmds(size_t *np)
{
	*np = sizeof(dev_cmds) / sizeof(dev_cmds[0]);
	return dev_cmds;
}
