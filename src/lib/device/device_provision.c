/*
 * Provisioning a device. Everything is built in a private staging
 * directory beside the target and renamed into place at the end, so a
 * failure or a crash never leaves a half-provisioned device: at worst a
 * staging directory ".medsec-init-PID" that is not a device (no open
 * finds it) and that the next provision does not touch.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
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
#include "medsec/device.h"
#include "medsec/device_tls.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/keystore.h"
#include "device_int.h"
#include "io/io.h"

/* What provisioning decided and where it builds. */
struct plan {
	const struct medsec_device_provision_options *o;
	struct medsec_config cfg;
	char *config_text; /* the configuration file as given, or NULL */
	const struct medsec_crypto_profile *prof;
	char device_id[MEDSEC_CONFIG_ID_MAX];
	char parent[DEVICE_PATH_MAX];
	char stage[DEVICE_PATH_MAX];
	char verifier[DEVICE_PATH_MAX];
};

static int
is_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * A device id obeys the configuration file's rule for [device] id: it is
 * recorded in the database and the audit trail exactly as given, so a
 * value that does not fit is refused, never cut.
 */
static int
check_device_id(const char *id, char *err, size_t errlen)
{
	size_t n = strlen(id), i;

	if (n == 0 || n >= MEDSEC_CONFIG_ID_MAX)
		return device_err(err, errlen, MEDSEC_ERR_INVALID, "device id "
		    "'%.40s%s': %zu characters; a device id has 1 to %d", id,
		    n > 40 ? "..." : "", n, MEDSEC_CONFIG_ID_MAX - 1);
	for (i = 0; i < n; i++)
		if (!is_id_char(id[i]))
			return device_err(err, errlen, MEDSEC_ERR_INVALID,
			    "device id '%.40s': invalid character at position "
			    "%zu (allowed: A-Z a-z 0-9 . _ -)", id, i + 1);
	return MEDSEC_OK;
}

static int
pick_identity(struct plan *p, char *err, size_t errlen)
{
	const char *profile = p->o->profile != NULL ? p->o->profile :
	    p->cfg.crypto_profile[0] != '\0' ? p->cfg.crypto_profile :
	    "approved";
	uint8_t rnd[4];
	char why[256];
	int r;

	if (p->o->device_id != NULL) {
		if ((r = check_device_id(p->o->device_id, err, errlen)) !=
		    MEDSEC_OK)
			return r;
		snprintf(p->device_id, sizeof(p->device_id), "%s",
		    p->o->device_id);
	} else if (p->cfg.device_id[0] != '\0') {
		snprintf(p->device_id, sizeof(p->device_id), "%s",
		    p->cfg.device_id);
	} else {
		if ((r = medsec_random(rnd, sizeof(rnd))) != MEDSEC_OK)
			return device_err(err, errlen, r, "device id: no random "
			    "bytes: %s", medsec_strerror(r));
		snprintf(p->device_id, sizeof(p->device_id),
		    "medsec-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	}
	if ((r = medsec_crypto_profile_by_name(profile, &p->prof)) !=
	    MEDSEC_OK)
		return device_err(err, errlen, r, "unknown crypto profile "
		    "'%.40s' (approved, kcmvp)", profile);
	if ((r = medsec_crypto_profile_check(p->prof, why, sizeof(why))) !=
	    MEDSEC_OK)
		return device_err(err, errlen, r, "crypto profile %s refused: "
		    "%s", p->prof->name, why);
	return MEDSEC_OK;
}

static int
already_provisioned(const char *state)
{
	static const char *const parts[] = { "keys", "medsec.db", "audit" };
	char path[DEVICE_PATH_MAX];
	struct stat sb;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (device_path(path, sizeof(path), state, parts[i]) !=
		    MEDSEC_OK || lstat(path, &sb) == 0)
			return 1;
	return 0;
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

static int
check_empty_dir(const char *state, char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(state)) == NULL)
		return device_err(err, errlen, MEDSEC_ERR_DENIED, "%s: cannot "
		    "read the directory: %s", state, strerror(errno));
	while ((de = readdir(d)) != NULL && (strcmp(de->d_name, ".") == 0 ||
	    strcmp(de->d_name, "..") == 0))
		;
	if (de != NULL) {
		device_err(err, errlen, MEDSEC_ERR_EXISTS, "%s: the state "
		    "directory is not empty (it holds '%.40s'); give an empty "
		    "or absent directory", state, de->d_name);
		closedir(d);
		return MEDSEC_ERR_EXISTS;
	}
	closedir(d);
	return MEDSEC_OK;
}

/*
 * The state directory is built beside its place and renamed into it, so
 * it must be absent or an empty directory, and its parent must be ours
 * to write. Checked up front so that the refusal says which, instead of
 * what rename() would report after all the work.
 */
static int
check_state_dir(const char *state, const char *parent, char *err,
    size_t errlen)
{
	char owner[160], service[160];
	struct stat sb;
	int r;

	if (lstat(state, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return device_err(err, errlen, MEDSEC_ERR_EXISTS, "%s: "
			    "exists and is not a directory; give an empty or "
			    "absent directory", state);
		if ((r = check_empty_dir(state, err, errlen)) != MEDSEC_OK)
			return r;
	}
	if (parent[0] == '\0' || access(parent, W_OK | X_OK) == 0 ||
	    stat(parent, &sb) != 0)
		return MEDSEC_OK; /* absent: created below, errors named there */
	describe_uid(owner, sizeof(owner), sb.st_uid);
	describe_uid(service, sizeof(service), geteuid());
	return device_err(err, errlen, MEDSEC_ERR_READ_ONLY, "%s: cannot "
	    "create the state directory: %s may not write to %s (owner %s, "
	    "mode %04o)", state, service, parent, owner,
	    (unsigned)(sb.st_mode & 07777));
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

/* The parent directory and a staging directory beside the target. */
static int
place(struct plan *p, char *err, size_t errlen)
{
	const char *state = p->o->state_dir;
	char dirs[DEVICE_PATH_MAX + 2], *slash;
	int r;

	if (strlen(state) >= sizeof(p->parent) - 32)
		return device_err(err, errlen, MEDSEC_ERR_TOO_LARGE, "state "
		    "directory path longer than %zu bytes",
		    sizeof(p->parent) - 33);
	snprintf(p->parent, sizeof(p->parent), "%s", state);
	while ((slash = strrchr(p->parent, '/')) != NULL && slash[1] == '\0' &&
	    slash != p->parent)
		*slash = '\0';
	slash = strrchr(p->parent, '/');
	snprintf(p->stage, sizeof(p->stage), "%.*s.medsec-init-%ld",
	    slash != NULL ? (int)(slash - p->parent + 1) : 0, p->parent,
	    (long)getpid());
	if (slash == NULL)
		snprintf(p->parent, sizeof(p->parent), ".");
	else if (slash == p->parent)
		snprintf(p->parent, sizeof(p->parent), "/");
	else
		*slash = '\0';
	if ((r = check_state_dir(state, p->parent, err, errlen)) != MEDSEC_OK)
		return r;
	snprintf(dirs, sizeof(dirs), "%s/", p->parent);
	if ((r = mkdir_parents(dirs)) != MEDSEC_OK)
		return device_err(err, errlen, r, "cannot create %s: %s",
		    p->parent, medsec_strerror(r));
	if (p->o->verifier_path != NULL) {
		if (strlen(p->o->verifier_path) >= sizeof(p->verifier))
			return device_err(err, errlen, MEDSEC_ERR_TOO_LARGE,
			    "verifier key path too long");
		snprintf(p->verifier, sizeof(p->verifier), "%s",
		    p->o->verifier_path);
	} else if ((r = device_path(p->verifier, sizeof(p->verifier),
	    p->stage, "audit-verifier.key")) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: path too long", p->stage);
	return MEDSEC_OK;
}

static int
create_keys(const struct plan *p, struct medsec_keystore **ksp, char *err,
    size_t errlen)
{
	char path[DEVICE_PATH_MAX];
	int r;

	if ((r = device_path(path, sizeof(path), p->stage, "keys")) !=
	    MEDSEC_OK ||
	    (r = medsec_keystore_create(path, p->prof, ksp)) != MEDSEC_OK ||
	    (r = medsec_keystore_generate(*ksp, "identity", p->prof->sign,
	    NULL)) != MEDSEC_OK ||
	    (r = medsec_keystore_generate(*ksp, "data-kek", p->prof->aead,
	    NULL)) != MEDSEC_OK ||
	    (r = medsec_keystore_generate(*ksp, MEDSEC_DEVICE_TLS_KEY,
	    MEDSEC_ALG_ECDSA_P256_SHA256, NULL)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: keystore: %s", path,
		    medsec_strerror(r));
	return MEDSEC_OK;
}

/* The self-signed certificate of the TLS key (MFDS 1.17). */
static int
create_tls_cert(const struct plan *p, struct medsec_keystore *ks,
    char **certp, size_t *lenp, char *err, size_t errlen)
{
	int r;

	if ((r = device_tls_make_cert(ks, p->device_id, certp, lenp)) !=
	    MEDSEC_OK)
		return device_err(err, errlen, r, "%s: TLS certificate for "
		    "device id '%s': %s", p->stage, p->device_id,
		    medsec_strerror(r));
	return MEDSEC_OK;
}

static int
insert_device(struct medsec_db *db, const struct plan *p)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(db, "INSERT INTO device (id, device_id, "
	    "profile, created_us) VALUES (1, ?1, ?2, ?3)", &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, p->device_id)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, p->prof->name)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 3, medsec_clock_wall_us())) !=
	    MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_DONE)
		r = r < 0 ? r : MEDSEC_ERR_DB;
out:
	medsec_db_finalize(st);
	return r;
}

/* The device record, its settings and TLS certificate: one transaction. */
static int
create_db(const struct plan *p, const char *tls_cert, char *err,
    size_t errlen)
{
	struct medsec_db *db = NULL;
	char path[DEVICE_PATH_MAX];
	int r;

	if ((r = device_path(path, sizeof(path), p->stage, "medsec.db")) !=
	    MEDSEC_OK ||
	    (r = medsec_db_open(path, 1, &db)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_begin(db)) != MEDSEC_OK)
		goto out;
	if ((r = insert_device(db, p)) != MEDSEC_OK ||
	    (r = medsec_db_meta_set(db, "device_id", p->device_id)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_meta_set(db, "crypto_profile", p->prof->name)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_meta_set(db, DEVICE_TLS_META, tls_cert)) !=
	    MEDSEC_OK ||
	    (p->config_text != NULL && (r = medsec_db_meta_set(db,
	    "config_at_init", p->config_text)) != MEDSEC_OK)) {
		/* The staging directory goes; so does this database. */
		(void)medsec_db_rollback(db);
		goto out;
	}
	r = medsec_db_commit(db);
out:
	medsec_db_close(db);
	if (r != MEDSEC_OK)
		device_err(err, errlen, r, "%s: database: %s", path,
		    medsec_strerror(r));
	return r;
}

static int
create_trail(const struct plan *p, struct medsec_keystore *ks, char *err,
    size_t errlen)
{
	struct medsec_audit_options ao;
	char path[DEVICE_PATH_MAX];
	int r;

	medsec_audit_options_default(&ao);
	ao.epoch_records = p->cfg.audit_epoch_records;
	ao.epoch_seconds = p->cfg.audit_epoch_seconds;
	ao.segment_bytes = p->cfg.audit_segment_bytes;
	if ((r = device_path(path, sizeof(path), p->stage, "audit")) !=
	    MEDSEC_OK ||
	    (r = medsec_audit_create(path, ks, &ao, p->device_id,
	    p->verifier)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: audit trail (verifier "
		    "key %s): %s", path, p->verifier, medsec_strerror(r));
	return MEDSEC_OK;
}

static int
record(struct medsec_audit *a, const struct plan *p, int event,
    const char *object, const char *details)
{
	const char *actor = p->o->actor != NULL ? p->o->actor : "local";
	struct medsec_audit_event_in ev = { event, actor, "local", object,
		MEDSEC_AUDIT_SUCCESS, NULL, details };

	return medsec_audit_append(a, &ev, NULL);
}

/*
 * Through the one open path: the first records, and the setup code for
 * the first administrator (MFDS 1.10: no accounts, no default password).
 * Closing seals the trail and saves its head in the database.
 */
static int
first_records(const struct plan *p, struct medsec_device_provision_result *res,
    char *err, size_t errlen)
{
	struct medsec_device_options o = { p->stage, NULL,
		MEDSEC_DEVICE_IDENTITY };
	struct medsec_device *dev = NULL;
	struct medsec_audit_detail d;
	const char *details;
	int r;

	if ((r = medsec_device_open(&o, &dev, err, errlen)) != MEDSEC_OK)
		return r;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "device", p->device_id);
	medsec_audit_detail_str(&d, "crypto_profile", p->prof->name);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK ||
	    (r = record(dev->audit, p, MEDSEC_EV_DEVICE_PROVISIONED,
	    p->device_id, details)) != MEDSEC_OK ||
	    (r = record(dev->audit, p, MEDSEC_EV_KEY_GENERATED, "identity",
	    NULL)) != MEDSEC_OK ||
	    (r = record(dev->audit, p, MEDSEC_EV_KEY_GENERATED, "data-kek",
	    NULL)) != MEDSEC_OK ||
	    (r = record(dev->audit, p, MEDSEC_EV_KEY_GENERATED,
	    MEDSEC_DEVICE_TLS_KEY, NULL)) != MEDSEC_OK) {
		device_err(err, errlen, r, "%s: audit trail: cannot write the "
		    "provisioning records: %s", p->stage, medsec_strerror(r));
		goto out;
	}
	if ((r = medsec_identity_setup_code_issue(dev->id,
	    res->setup_code)) != MEDSEC_OK)
		device_err(err, errlen, r, "%s: setup code: %s", p->stage,
		    medsec_strerror(r));
	res->setup_code_hours = dev->cfg.auth_setup_code_hours;
out:
	if (medsec_device_close(dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = device_err(err, errlen, MEDSEC_ERR_AUDIT_UNAVAILABLE, "%s: "
		    "audit trail: cannot seal the provisioning records",
		    p->stage);
	return r;
}

static int
build_stage(const struct plan *p, struct medsec_device_provision_result *res,
    char *err, size_t errlen)
{
	struct medsec_keystore *ks = NULL;
	char *tls_cert = NULL;
	size_t tls_len = 0;
	int r;

	if ((r = medsec_io_mkdir(p->stage, 0700)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: %s", p->stage,
		    medsec_strerror(r));
	if ((r = create_keys(p, &ks, err, errlen)) == MEDSEC_OK &&
	    (r = create_tls_cert(p, ks, &tls_cert, &tls_len, err, errlen)) ==
	    MEDSEC_OK &&
	    (r = create_db(p, tls_cert, err, errlen)) == MEDSEC_OK &&
	    (r = create_trail(p, ks, err, errlen)) == MEDSEC_OK) {
		medsec_keystore_close(ks);
		ks = NULL;
		r = first_records(p, res, err, errlen);
	}
	medsec_keystore_close(ks);
	free(tls_cert);
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
 * After a failure: the staging directory goes, and so does a verifier key
 * written outside it (a key for a trail that does not exist would only
 * mislead). What cannot be removed is added to err, to remove by hand.
 */
static void
clean_up(const struct plan *p, int r0, char *err, size_t errlen)
{
	size_t n = err != NULL ? strlen(err) : 0;
	struct stat sb;
	int r;

	if (lstat(p->stage, &sb) == 0 &&
	    nftw(p->stage, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 &&
	    err != NULL && n < errlen)
		n += (size_t)snprintf(err + n, errlen - n, "; could not remove "
		    "%s, remove it by hand", p->stage);
	/* MEDSEC_ERR_EXISTS: the key was already there, not ours. */
	if (p->o->verifier_path == NULL || r0 == MEDSEC_ERR_EXISTS)
		return;
	r = medsec_io_unlink(p->verifier);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND && err != NULL &&
	    n < errlen)
		snprintf(err + n, errlen - n, "; could not remove the verifier "
		    "key %s, remove it by hand", p->verifier);
}

/*
 * The device is in place but the rename is not known to be durable: it is
 * moved back and removed with the rest, so the caller's failure means no
 * device. If even that fails, err says the device is there and complete
 * (a power loss leaves it there or absent, never half-made).
 */
static void
unplace(const struct plan *p, int r, char *err, size_t errlen)
{
	if (medsec_io_rename(p->o->state_dir, p->stage) == MEDSEC_OK) {
		device_err(err, errlen, r, "%s: cannot sync the directory that "
		    "holds the new device: %s; not provisioned", p->parent,
		    medsec_strerror(r));
		return;
	}
	device_err(err, errlen, r, "%s: cannot sync the directory that holds "
	    "the new device: %s; the device in %s is complete but was not "
	    "reported provisioned: issue a setup code with medsec user "
	    "setup-code, or remove it and provision again", p->parent,
	    medsec_strerror(r), p->o->state_dir);
}

static int
load_config(struct plan *p, char *err, size_t errlen)
{
	struct medsec_config_error ce;
	int r;

	medsec_config_defaults(&p->cfg);
	if (p->o->config_path == NULL)
		return MEDSEC_OK;
	if ((r = medsec_config_load_text(p->o->config_path, &p->cfg,
	    &p->config_text, &ce)) != MEDSEC_OK && err != NULL && errlen > 0)
		medsec_config_error_format(&ce, err, errlen);
	return r;
}

static int
plan_provision(struct plan *p, char *err, size_t errlen)
{
	int r;

	if ((r = load_config(p, err, errlen)) != MEDSEC_OK ||
	    (r = pick_identity(p, err, errlen)) != MEDSEC_OK)
		return r;
	if (already_provisioned(p->o->state_dir))
		return device_err(err, errlen, MEDSEC_ERR_EXISTS, "%s: a device "
		    "is already provisioned here; refusing to overwrite it",
		    p->o->state_dir);
	return place(p, err, errlen);
}

int
medsec_device_provision(const struct medsec_device_provision_options *o,
    struct medsec_device_provision_result *res, char *err, size_t errlen)
{
	struct medsec_device_provision_result out;
	struct plan *p;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (o == NULL || res == NULL || o->state_dir == NULL ||
	    o->state_dir[0] == '\0')
		return device_err(err, errlen, MEDSEC_ERR_INVALID, "no state "
		    "directory given");
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return device_err(err, errlen, MEDSEC_ERR_NOMEM, "out of memory");
	memset(&out, 0, sizeof(out));
	p->o = o;
	if ((r = plan_provision(p, err, errlen)) != MEDSEC_OK)
		goto out;
	if ((r = build_stage(p, &out, err, errlen)) == MEDSEC_OK &&
	    (r = medsec_io_rename(p->stage, o->state_dir)) != MEDSEC_OK)
		device_err(err, errlen, r, "cannot move %s into place as %s: %s",
		    p->stage, o->state_dir, medsec_strerror(r));
	if (r == MEDSEC_OK && (r = medsec_io_fsync_dir(p->parent)) !=
	    MEDSEC_OK)
		unplace(p, r, err, errlen);
	if (r != MEDSEC_OK) {
		clean_up(p, r, err, errlen);
		goto out;
	}
	snprintf(out.device_id, sizeof(out.device_id), "%s", p->device_id);
	snprintf(out.profile, sizeof(out.profile), "%s", p->prof->name);
	if (o->verifier_path != NULL)
		snprintf(out.verifier_path, sizeof(out.verifier_path), "%s",
		    p->verifier);
	else if (device_path(out.verifier_path, sizeof(out.verifier_path),
	    o->state_dir, "audit-verifier.key") != MEDSEC_OK)
		out.verifier_path[0] = '\0';
	*res = out;
out:
	medsec_wipe(&out, sizeof(out));
	free(p->config_text);
	free(p);
	return r;
}
