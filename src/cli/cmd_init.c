/*
 * medsec init: provisions a device. Everything is built in a private
 * staging directory beside the target and renamed into place at the end,
 * so a failure or a crash never leaves a half-provisioned device.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/keystore.h"
#include "cli.h"
#include "cli_people.h"
#include "cli_text.h"
#include "io/io.h"

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
provision_db(const char *stage, const char *device_id, const char *profile,
    const char *config_text)
{
	struct medsec_db *db = NULL;
	struct medsec_db_stmt *st = NULL;
	char path[4096];
	int r;

	if ((r = cli_state_path(path, sizeof(path), stage, "medsec.db")) !=
		MEDSEC_OK ||
	    (r = medsec_db_open(path, 1, &db)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_prepare(db, "INSERT INTO device (id, device_id, "
		 "profile, created_us) VALUES (1, ?1, ?2, ?3)", &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, device_id)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, profile)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 3, medsec_clock_wall_us())) !=
		MEDSEC_OK ||
	    (r = medsec_db_step(st)) != MEDSEC_DB_DONE)
		goto out;
	if ((r = medsec_db_meta_set(db, "device_id", device_id)) != MEDSEC_OK ||
	    (r = medsec_db_meta_set(db, "crypto_profile", profile)) != MEDSEC_OK)
		goto out;
	if (config_text != NULL)
		r = medsec_db_meta_set(db, "config_at_init", config_text);
out:
	if (r < 0)
		cli_error(r, "database");
	medsec_db_finalize(st);
	medsec_db_close(db);
	return r < 0 ? r : MEDSEC_OK;
}

static int
provision_keys(const char *stage, const struct medsec_crypto_profile *prof,
    struct medsec_keystore **ksp)
{
	char path[4096];
	int r;

	if ((r = cli_state_path(path, sizeof(path), stage, "keys")) !=
		MEDSEC_OK ||
	    (r = medsec_keystore_create(path, prof, ksp)) != MEDSEC_OK ||
	    (r = medsec_keystore_generate(*ksp, "identity", prof->sign,
		 NULL)) != MEDSEC_OK ||
	    (r = medsec_keystore_generate(*ksp, "data-kek", prof->aead,
		 NULL)) != MEDSEC_OK)
		cli_error(r, "keystore");
	return r;
}

static int
record_provisioning(const char *stage, struct medsec_keystore *ks,
    const char *device_id, const char *profile)
{
	struct cli_device dev;
	char details[256];
	int r;

	memset(&dev, 0, sizeof(dev));
	dev.ks = ks;
	if ((r = cli_state_path(dev.state, sizeof(dev.state), stage, "audit")) !=
		MEDSEC_OK ||
	    (r = medsec_audit_open(dev.state, ks, NULL, &dev.audit, NULL)) !=
		MEDSEC_OK) {
		cli_error(r, "audit trail");
		return r;
	}
	snprintf(details, sizeof(details),
	    "{\"device\":\"%s\",\"crypto_profile\":\"%s\"}", device_id, profile);
	r = cli_audit(&dev, MEDSEC_EV_DEVICE_PROVISIONED, device_id,
	    MEDSEC_AUDIT_SUCCESS, NULL, details);
	if (r == MEDSEC_OK)
		r = cli_audit(&dev, MEDSEC_EV_KEY_GENERATED, "identity",
		    MEDSEC_AUDIT_SUCCESS, NULL, NULL);
	if (r == MEDSEC_OK)
		r = cli_audit(&dev, MEDSEC_EV_KEY_GENERATED, "data-kek",
		    MEDSEC_AUDIT_SUCCESS, NULL, NULL);
	dev.ks = NULL; /* owned by the caller */
	if (cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r;
}

static int
build_stage(const char *stage, const struct init_args *a,
    const char *device_id, const struct medsec_crypto_profile *prof,
    const char *verifier, const char *config_text)
{
	struct medsec_keystore *ks = NULL;
	char path[4096];
	int r;

	if ((r = medsec_io_mkdir(stage, 0700)) != MEDSEC_OK) {
		cli_error(r, "%s", stage);
		return r;
	}
	if ((r = provision_keys(stage, prof, &ks)) != MEDSEC_OK)
		goto out;
	if ((r = provision_db(stage, device_id, prof->name, config_text)) !=
	    MEDSEC_OK)
		goto out;
	if ((r = cli_state_path(path, sizeof(path), stage, "audit")) !=
		MEDSEC_OK ||
	    (r = medsec_audit_create(path, ks, NULL, device_id, verifier)) !=
		MEDSEC_OK) {
		cli_error(r, "audit trail (verifier key %s)", verifier);
		goto out;
	}
	r = record_provisioning(stage, ks, device_id, prof->name);
out:
	medsec_keystore_close(ks);
	(void)a;
	return r;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * Removes the verifier key a failed init wrote outside the stage: a key
 * for a trail that does not exist would only mislead. Absent is fine
 * (the failure came before it was written); any other failure is told.
 */
static void
remove_verifier(const char *path)
{
	int r = medsec_io_unlink(path);

	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		cli_error(r, "%s: could not remove the verifier key of the "
		    "failed init; remove it by hand", path);
}

/* Removes our own staging directory after a failure. */
static void
remove_stage(const char *dir)
{
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		cli_fail("could not remove %s", dir);
}

static int
mkdir_parents(char *path)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = medsec_io_mkdir(path, 0755);
		*p = '/';
		if (r != MEDSEC_OK && r != MEDSEC_ERR_EXISTS)
			return r;
	}
	return MEDSEC_OK;
}

static int
already_provisioned(const char *state)
{
	static const char *const parts[] = { "keys", "medsec.db", "audit" };
	char path[4096];
	struct stat sb;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (cli_state_path(path, sizeof(path), state, parts[i]) !=
			MEDSEC_OK ||
		    lstat(path, &sb) == 0)
			return 1;
	return 0;
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

/* "uid 1001 (name)" for messages. */
static void
describe_uid(char *out, size_t outlen, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(out, outlen, "uid %lu (%s)", (unsigned long)uid,
		    pw->pw_name);
	else
		snprintf(out, outlen, "uid %lu", (unsigned long)uid);
}

/*
 * The state directory is built beside its place and renamed into it, so
 * it must be absent or an empty directory, and its parent must be ours
 * to write. Checked up front so that the refusal says which, instead of
 * what rename() would report after all the work.
 */
static int
check_state_dir(const char *state, const char *parent)
{
	char shown[CLI_SHOWN_MAX], owner[160], service[160];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if (lstat(state, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			cli_fail("%s: exists and is not a directory; give an "
			    "empty or absent directory", state);
			return MEDSEC_ERR_EXISTS;
		}
		if ((d = opendir(state)) == NULL) {
			cli_fail("%s: cannot read the directory: %s", state,
			    strerror(errno));
			return MEDSEC_ERR_DENIED;
		}
		while ((de = readdir(d)) != NULL &&
		    (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0))
			;
		if (de != NULL) {
			cli_shown(shown, de->d_name);
			closedir(d);
			cli_fail("%s: the state directory is not empty (it holds "
			    "'%s'); give an empty or absent directory", state,
			    shown);
			return MEDSEC_ERR_EXISTS;
		}
		closedir(d);
	}
	if (parent[0] == '\0' || access(parent, W_OK | X_OK) == 0 ||
	    stat(parent, &sb) != 0)
		return MEDSEC_OK; /* absent: created below, errors named there */
	describe_uid(owner, sizeof(owner), sb.st_uid);
	describe_uid(service, sizeof(service), geteuid());
	cli_fail("%s: cannot create the state directory: %s may not write to "
	    "%s (owner %s, mode %04o)", state, service, parent, owner,
	    (unsigned)(sb.st_mode & 07777));
	return MEDSEC_ERR_READ_ONLY;
}

static int
pick_identity(const struct init_args *a, const struct medsec_config *cfg,
    char *device_id, size_t len, const struct medsec_crypto_profile **profp)
{
	char why[256];
	uint8_t rnd[4];
	const char *profile = a->profile ? a->profile
	    : cfg->crypto_profile[0] ? cfg->crypto_profile : "approved";
	int r;

	if (a->device_id != NULL && (r = check_device_id(a->device_id)) !=
	    MEDSEC_OK)
		return r;
	if (a->device_id != NULL)
		snprintf(device_id, len, "%s", a->device_id);
	else if (cfg->device_id[0] != '\0')
		snprintf(device_id, len, "%s", cfg->device_id);
	else {
		if ((r = medsec_random(rnd, sizeof(rnd))) != MEDSEC_OK)
			return r;
		snprintf(device_id, len, "medsec-%02x%02x%02x%02x", rnd[0],
		    rnd[1], rnd[2], rnd[3]);
	}
	if ((r = medsec_crypto_profile_by_name(profile, profp)) != MEDSEC_OK) {
		char shown[CLI_SHOWN_MAX];

		cli_shown(shown, profile);
		cli_fail("unknown crypto profile '%s' (approved, kcmvp)", shown);
		return r;
	}
	if ((r = medsec_crypto_profile_check(*profp, why, sizeof(why))) !=
	    MEDSEC_OK) {
		cli_fail("crypto profile %s refused: %s", profile, why);
		return r;
	}
	return MEDSEC_OK;
}

static int
load_config(const char *path, struct medsec_config *cfg, char **textp)
{
	struct medsec_config_error err;
	char msg[640];
	int r;

	medsec_config_defaults(cfg);
	*textp = NULL;
	if (path == NULL)
		return MEDSEC_OK;
	if ((r = medsec_config_load_text(path, cfg, textp, &err)) !=
	    MEDSEC_OK) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("%s", msg);
	}
	return r;
}

static void
print_result(const char *state, const char *device_id,
    const struct medsec_crypto_profile *prof, const char *verifier)
{
	printf("provisioned device %s in %s\n", device_id, state);
	printf("crypto profile: %s\n", prof->name);
	printf("audit verifier key written to: %s\n", verifier);
	printf("  Move it off the device and keep it safe: with it, anyone can "
	       "prove the\n  audit trail was not rewritten (medsec audit verify "
	       "--verifier-key FILE).\n");
}

/*
 * MFDS 1.10: the device has no accounts and no default password; the
 * first administrator is created with this code, shown only here.
 */
static int
issue_setup_code(const struct init_args *a)
{
	char code[MEDSEC_SETUP_CODE_LEN];
	struct cli_people p;
	int r;

	if ((r = cli_people_open(&p, a->state, a->config)) != MEDSEC_OK)
		return r;
	if ((r = medsec_identity_setup_code_issue(p.id, code)) == MEDSEC_OK)
		cli_print_setup_code(code, p.cfg.auth_setup_code_hours);
	else
		cli_error(r, "setup code (issue one with medsec user "
		    "setup-code)");
	medsec_wipe(code, sizeof(code));
	if (cli_people_close(&p) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r;
}

static int
provision(const struct init_args *a)
{
	const struct medsec_crypto_profile *prof;
	struct medsec_config cfg;
	char device_id[64], stage[4096], verifier[4096], parent[4096];
	char *config_text = NULL, *slash;
	int r;

	if ((r = load_config(a->config, &cfg, &config_text)) != MEDSEC_OK ||
	    (r = pick_identity(a, &cfg, device_id, sizeof(device_id), &prof)) !=
		MEDSEC_OK)
		goto out;
	if (already_provisioned(a->state)) {
		cli_fail("%s: a device is already provisioned here; refusing to "
		    "overwrite it", a->state);
		r = MEDSEC_ERR_EXISTS;
		goto out;
	}
	snprintf(parent, sizeof(parent), "%s", a->state);
	while ((slash = strrchr(parent, '/')) != NULL && slash[1] == '\0')
		*slash = '\0';
	slash = strrchr(parent, '/');
	snprintf(stage, sizeof(stage), "%.*s.medsec-init-%ld",
	    slash ? (int)(slash - parent + 1) : 0, parent, (long)getpid());
	if (slash != NULL)
		*slash = '\0';
	if ((r = check_state_dir(a->state, slash == NULL ? "." :
	    parent[0] != '\0' ? parent : "/")) != MEDSEC_OK)
		goto out;
	if (slash != NULL && parent[0] != '\0') {
		char dirs[4100];

		snprintf(dirs, sizeof(dirs), "%s/", parent);
		if ((r = mkdir_parents(dirs)) != MEDSEC_OK) {
			cli_error(r, "cannot create %s", parent);
			goto out;
		}
	}
	if (a->verifier != NULL)
		snprintf(verifier, sizeof(verifier), "%s", a->verifier);
	else if ((r = cli_state_path(verifier, sizeof(verifier), stage,
		      "audit-verifier.key")) != MEDSEC_OK)
		goto out;
	r = build_stage(stage, a, device_id, prof, verifier, config_text);
	if (r == MEDSEC_OK && (r = medsec_io_rename(stage, a->state)) !=
		MEDSEC_OK)
		cli_error(r, "cannot move %s into place", stage);
	if (r == MEDSEC_OK && (r = medsec_io_fsync_dir(slash && parent[0]
			 ? parent : slash ? "/" : ".")) != MEDSEC_OK)
		cli_error(r, "sync");
	if (r != MEDSEC_OK) {
		remove_stage(stage);
		if (a->verifier != NULL && r != MEDSEC_ERR_EXISTS)
			remove_verifier(a->verifier);
		goto out;
	}
	if (a->verifier == NULL &&
	    cli_state_path(verifier, sizeof(verifier), a->state,
		"audit-verifier.key") != MEDSEC_OK)
		verifier[0] = '\0';
	print_result(a->state, device_id, prof, verifier);
	r = issue_setup_code(a);
out:
	free(config_text);
	return r;
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
