/*
 * The device, opened in one place: keystore, database, configuration,
 * audit trail (checked against the database), roles, sessions, identity
 * and updater, in that order, and closed in reverse with the trail
 * sealed. See include/medsec/device.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/keystore.h"
#include "medsec/session.h"
#include "medsec/updater.h"
#include "device_int.h"
#include "io/io.h"

#define DEVICE_FLAGS \
	(MEDSEC_DEVICE_IDENTITY | MEDSEC_DEVICE_UPDATER | \
	    MEDSEC_DEVICE_READ_ONLY)

int
device_err(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int
device_path(char *out, size_t outlen, const char *state, const char *name)
{
	return medsec_io_path(out, outlen, state, name);
}

static int
config_err(char *err, size_t errlen, int r,
    const struct medsec_config_error *ce)
{
	if (err != NULL && errlen > 0)
		medsec_config_error_format(ce, err, errlen);
	return r;
}

static int
open_store(struct medsec_device *dev, char *err, size_t errlen)
{
	char path[DEVICE_PATH_MAX];
	int r;

	if ((r = device_path(path, sizeof(path), dev->state_dir, "keys")) !=
	    MEDSEC_OK)
		return device_err(err, errlen, r, "%s: state directory path "
		    "too long", dev->state_dir);
	if ((r = medsec_keystore_open(path, &dev->ks)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: cannot open the "
		    "keystore: %s", path, medsec_strerror(r));
	if ((r = device_path(path, sizeof(path), dev->state_dir,
	    "medsec.db")) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: state directory path "
		    "too long", dev->state_dir);
	if ((r = medsec_db_open(path, 0, &dev->db)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: cannot open the "
		    "database: %s", path, medsec_strerror(r));
	r = medsec_db_meta_get(dev->db, "device_id", dev->device_id,
	    sizeof(dev->device_id));
	if (r == MEDSEC_ERR_NOT_FOUND)
		return device_err(err, errlen, MEDSEC_ERR_CORRUPT, "%s: no "
		    "device record: not a provisioned device's database",
		    path);
	if (r != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: cannot read the device "
		    "id: %s", path, medsec_strerror(r));
	return MEDSEC_OK;
}

/*
 * The configuration given at provisioning, kept in the database: the
 * trail is always written with its [audit] settings, and it is the
 * configuration in force when the caller names no file.
 */
static int
load_stored_config(struct medsec_device *dev, char *err, size_t errlen)
{
	struct medsec_config_error ce;
	char *text;
	int r;

	medsec_config_defaults(&dev->cfg);
	medsec_audit_options_default(&dev->audit_opts);
	if ((text = malloc(MEDSEC_CONFIG_FILE_MAX + 1)) == NULL)
		return device_err(err, errlen, MEDSEC_ERR_NOMEM, "configuration"
		    " stored at provisioning: out of memory");
	r = medsec_db_meta_get(dev->db, "config_at_init", text,
	    MEDSEC_CONFIG_FILE_MAX + 1);
	if (r == MEDSEC_ERR_NOT_FOUND) {
		r = MEDSEC_OK; /* provisioned without a configuration file */
		goto out;
	}
	if (r != MEDSEC_OK) {
		device_err(err, errlen, r, "the configuration stored at "
		    "provisioning: %s", medsec_strerror(r));
		goto out;
	}
	if ((r = medsec_config_parse("configuration stored at provisioning",
	    text, strlen(text), &dev->cfg, &ce)) != MEDSEC_OK) {
		config_err(err, errlen, r, &ce);
		goto out;
	}
	dev->audit_opts.epoch_records = dev->cfg.audit_epoch_records;
	dev->audit_opts.epoch_seconds = dev->cfg.audit_epoch_seconds;
	dev->audit_opts.segment_bytes = dev->cfg.audit_segment_bytes;
out:
	free(text);
	return r;
}

static int
load_config(struct medsec_device *dev, const char *path, char *err,
    size_t errlen)
{
	struct medsec_config_error ce;
	int r;

	if ((r = load_stored_config(dev, err, errlen)) != MEDSEC_OK ||
	    path == NULL)
		return r;
	medsec_config_defaults(&dev->cfg);
	if ((r = medsec_config_load(path, &dev->cfg, &ce)) != MEDSEC_OK)
		return config_err(err, errlen, r, &ce);
	return MEDSEC_OK;
}

/* Whether the trail's newest record is the head the database saved. */
static void
note_sealed(struct medsec_device *dev, const struct medsec_audit_expect *db)
{
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];

	dev->opened_sealed = 0;
	if (medsec_audit_head(dev->audit, &dev->opened_seq, chain) !=
	    MEDSEC_OK)
		return; /* unknown: close seals as before */
	dev->opened_generation = db->generation;
	dev->opened_sealed = db->have_generation && db->head_seq != 0 &&
	    db->head_seq == dev->opened_seq &&
	    medsec_ct_equal(db->head_chain, chain, sizeof(chain)) == 0;
}

static int
open_trail(struct medsec_device *dev, char *err, size_t errlen)
{
	struct medsec_audit_expect db;
	char path[DEVICE_PATH_MAX], why[256];
	int r;

	if ((dev->flags & MEDSEC_DEVICE_READ_ONLY) != 0)
		return MEDSEC_OK;
	if ((r = device_path(path, sizeof(path), dev->state_dir, "audit")) !=
	    MEDSEC_OK)
		return device_err(err, errlen, r, "%s: state directory path "
		    "too long", dev->state_dir);
	memset(&dev->audit_report, 0, sizeof(dev->audit_report));
	if ((r = medsec_audit_open(path, dev->ks, &dev->audit_opts,
	    &dev->audit, &dev->audit_report)) != MEDSEC_OK) {
		if (dev->audit_report.message[0] != '\0')
			return device_err(err, errlen, r, "%s: audit trail "
			    "refused: %s (%s)", path, dev->audit_report.message,
			    medsec_strerror(r));
		return device_err(err, errlen, r, "%s: cannot open the audit "
		    "trail: %s", path, medsec_strerror(r));
	}
	/* An older trail or an older database put back is refused here,
	 * before the caller changes anything. */
	why[0] = '\0';
	if ((r = medsec_audit_db_state(dev->db, &db)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: cannot read the "
		    "database's record of the audit trail: %s", path,
		    medsec_strerror(r));
	if ((r = medsec_audit_check_state(dev->audit, &db, why,
	    sizeof(why))) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: audit trail and database "
		    "disagree: %s", path, why[0] != '\0' ? why :
		    medsec_strerror(r));
	note_sealed(dev, &db);
	return MEDSEC_OK;
}

static int
load_roles(struct medsec_device *dev, char *err, size_t errlen)
{
	struct medsec_config_error ce;
	int r;

	medsec_roles_defaults(&dev->roles);
	if (dev->cfg.auth_roles_file[0] == '\0')
		return MEDSEC_OK;
	if ((r = medsec_roles_load(dev->cfg.auth_roles_file, &dev->roles,
	    &ce)) != MEDSEC_OK)
		return config_err(err, errlen, r, &ce);
	return MEDSEC_OK;
}

/* medsec_roles.subject_check: the account behind every decision. */
static int
subject_check(void *ctx, const struct medsec_subject *who)
{
	return medsec_identity_subject_check(ctx, who);
}

static int
open_people(struct medsec_device *dev, char *err, size_t errlen)
{
	struct medsec_identity_options io;
	struct medsec_session_options so;
	int r;

	if ((dev->flags & (MEDSEC_DEVICE_IDENTITY | MEDSEC_DEVICE_UPDATER)) ==
	    0)
		return MEDSEC_OK;
	so.idle_seconds = dev->cfg.session_idle_seconds;
	so.lifetime_seconds = dev->cfg.session_lifetime_seconds;
	so.reauth_seconds = dev->cfg.session_reauth_seconds;
	if ((r = medsec_sessions_open(dev->db, dev->audit, &so,
	    &dev->sessions)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: sessions: %s",
		    dev->state_dir, medsec_strerror(r));
	if ((r = medsec_identity_options_from_config(&dev->cfg, &io)) ==
	    MEDSEC_OK)
		/* The provisioned id, whatever the configuration says. */
		snprintf(io.device_id, sizeof(io.device_id), "%s",
		    dev->device_id);
	if (r != MEDSEC_OK ||
	    (r = medsec_identity_open(dev->db, dev->audit, &dev->roles,
	    dev->sessions, &io, &dev->id)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: identity store: %s",
		    dev->state_dir, medsec_strerror(r));
	/* Every access decision from here on asks identity about the
	 * subject's account: a subject is only names. */
	dev->roles.subject_check = subject_check;
	dev->roles.subject_ctx = dev->id;
	return MEDSEC_OK;
}

/* The updater, with the settings medsec_updater_setup() recorded. */
static int
open_updater(struct medsec_device *dev, char *err, size_t errlen)
{
	struct medsec_updater_options o;
	struct medsec_updater_status st;
	char trust[DEVICE_PATH_MAX];
	int r;

	if ((dev->flags & MEDSEC_DEVICE_UPDATER) == 0)
		return MEDSEC_OK;
	if ((r = device_path(trust, sizeof(trust), dev->state_dir,
	    "trust")) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: state directory path "
		    "too long", dev->state_dir);
	if ((r = medsec_updater_status_read(dev->db, NULL, &st)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: update settings: %s",
		    dev->state_dir, medsec_strerror(r));
	memset(&o, 0, sizeof(o));
	o.state_dir = dev->state_dir;
	o.trust_dir = trust;
	o.hardware_id = st.hardware_id;
	o.product = st.product;
	o.two_person = st.two_person;
	if ((r = medsec_updater_open(dev->db, dev->audit, &dev->roles, &o,
	    &dev->updater)) != MEDSEC_OK)
		return device_err(err, errlen, r, "%s: updater: %s",
		    dev->state_dir, medsec_strerror(r));
	return MEDSEC_OK;
}

/*
 * Sealed at open, no record written and no security state changed since:
 * the saved head still names the trail's newest record, so a checkpoint
 * would only add a record for a command that changed nothing.
 */
static int
nothing_since_open(struct medsec_device *dev,
    const struct medsec_audit_expect *db)
{
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];
	uint64_t seq;

	if (!dev->opened_sealed || !db->have_generation ||
	    db->generation != dev->opened_generation)
		return 0;
	if (medsec_audit_head(dev->audit, &seq, chain) != MEDSEC_OK)
		return 0;
	return seq == dev->opened_seq;
}

/*
 * Seals what was written with a checkpoint that records the database's
 * state generation, then saves the trail's head in the database: each is
 * the other's evidence against a rollback.
 */
static int
seal_trail(struct medsec_device *dev)
{
	struct medsec_audit_expect db;
	int r;

	if ((r = medsec_audit_db_state(dev->db, &db)) != MEDSEC_OK)
		return r;
	if (nothing_since_open(dev, &db))
		return MEDSEC_OK;
	if (db.have_generation)
		medsec_audit_note_state(dev->audit, db.generation);
	if ((r = medsec_audit_checkpoint(dev->audit)) != MEDSEC_OK)
		return r;
	return medsec_audit_save_head(dev->db, dev->audit);
}

/* Closes in reverse order of opening; seals the trail when asked. */
static int
close_all(struct medsec_device *dev, int seal)
{
	int r = MEDSEC_OK;

	medsec_updater_close(dev->updater);
	dev->updater = NULL;
	dev->roles.subject_check = NULL;
	dev->roles.subject_ctx = NULL;
	medsec_identity_close(dev->id);
	dev->id = NULL;
	medsec_sessions_close(dev->sessions);
	dev->sessions = NULL;
	if (dev->audit != NULL) {
		if (seal)
			r = seal_trail(dev);
		if (medsec_audit_close(dev->audit) != MEDSEC_OK &&
		    r == MEDSEC_OK)
			r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
		dev->audit = NULL;
	}
	medsec_db_close(dev->db);
	dev->db = NULL;
	medsec_keystore_close(dev->ks);
	dev->ks = NULL;
	return r;
}

static int
check_options(const struct medsec_device_options *o, char *err,
    size_t errlen)
{
	if (o == NULL || o->state_dir == NULL || o->state_dir[0] == '\0')
		return device_err(err, errlen, MEDSEC_ERR_INVALID, "no state "
		    "directory given");
	if ((o->flags & ~(unsigned)DEVICE_FLAGS) != 0)
		return device_err(err, errlen, MEDSEC_ERR_INVALID, "%s: unknown "
		    "open flags 0x%x", o->state_dir,
		    o->flags & ~(unsigned)DEVICE_FLAGS);
	if ((o->flags & MEDSEC_DEVICE_READ_ONLY) != 0 &&
	    (o->flags & (MEDSEC_DEVICE_IDENTITY | MEDSEC_DEVICE_UPDATER)) != 0)
		return device_err(err, errlen, MEDSEC_ERR_INVALID, "%s: identity "
		    "and updater need the audit trail, not a read-only open",
		    o->state_dir);
	if (strlen(o->state_dir) >= DEVICE_PATH_MAX)
		return device_err(err, errlen, MEDSEC_ERR_TOO_LARGE, "state "
		    "directory path longer than %d bytes", DEVICE_PATH_MAX - 1);
	return MEDSEC_OK;
}

int
medsec_device_open(const struct medsec_device_options *o,
    struct medsec_device **devp, char *err, size_t errlen)
{
	struct medsec_device *dev;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (devp == NULL)
		return device_err(err, errlen, MEDSEC_ERR_INVALID, "no handle "
		    "to open the device into");
	*devp = NULL;
	if ((r = check_options(o, err, errlen)) != MEDSEC_OK)
		return r;
	if ((dev = calloc(1, sizeof(*dev))) == NULL)
		return device_err(err, errlen, MEDSEC_ERR_NOMEM, "%s: out of "
		    "memory", o->state_dir);
	memcpy(dev->state_dir, o->state_dir, strlen(o->state_dir) + 1);
	dev->flags = o->flags;
	medsec_config_defaults(&dev->cfg);
	if ((r = open_store(dev, err, errlen)) != MEDSEC_OK ||
	    (r = load_config(dev, o->config_path, err, errlen)) != MEDSEC_OK ||
	    (r = open_trail(dev, err, errlen)) != MEDSEC_OK ||
	    (r = load_roles(dev, err, errlen)) != MEDSEC_OK ||
	    (r = open_people(dev, err, errlen)) != MEDSEC_OK ||
	    (r = open_updater(dev, err, errlen)) != MEDSEC_OK) {
		/* Unsealed: the open changed nothing to seal, and sealing a
		 * trail the database disagrees with would make a rollback
		 * look legitimate. The error above is what the caller acts
		 * on; a close failure adds nothing. */
		(void)close_all(dev, 0);
		free(dev);
		return r;
	}
	*devp = dev;
	return MEDSEC_OK;
}

int
medsec_device_close(struct medsec_device *dev)
{
	int r;

	if (dev == NULL)
		return MEDSEC_OK;
	r = close_all(dev, 1);
	medsec_wipe(dev, sizeof(*dev));
	free(dev);
	return r;
}

struct medsec_keystore *
medsec_device_keystore(struct medsec_device *dev)
{
	return dev != NULL ? dev->ks : NULL;
}

struct medsec_db *
medsec_device_db(struct medsec_device *dev)
{
	return dev != NULL ? dev->db : NULL;
}

struct medsec_audit *
medsec_device_audit(struct medsec_device *dev)
{
	return dev != NULL ? dev->audit : NULL;
}

struct medsec_sessions *
medsec_device_sessions(struct medsec_device *dev)
{
	return dev != NULL ? dev->sessions : NULL;
}

struct medsec_identity *
medsec_device_identity(struct medsec_device *dev)
{
	return dev != NULL ? dev->id : NULL;
}

struct medsec_updater *
medsec_device_updater(struct medsec_device *dev)
{
	return dev != NULL ? dev->updater : NULL;
}

const struct medsec_roles *
medsec_device_roles(const struct medsec_device *dev)
{
	return dev != NULL ? &dev->roles : NULL;
}

const struct medsec_config *
medsec_device_config(const struct medsec_device *dev)
{
	return dev != NULL ? &dev->cfg : NULL;
}

const char *
medsec_device_state_dir(const struct medsec_device *dev)
{
	return dev != NULL ? dev->state_dir : NULL;
}

const char *
medsec_device_id(const struct medsec_device *dev)
{
	return dev != NULL ? dev->device_id : NULL;
}

const struct medsec_audit_open_report *
medsec_device_audit_report(const struct medsec_device *dev)
{
	return dev != NULL && dev->audit != NULL ? &dev->audit_report : NULL;
}
