/*
 * medsec device: one provisioned device, opened in one place.
 *
 * A device is a state directory holding a keystore (keys/), a database
 * (medsec.db) and an audit trail (audit/), plus the trust files and
 * slots of the updater. medsec_device_open() is the one path that opens
 * them, in this order, and medsec_device_close() closes them in reverse:
 *
 *   keystore -> database -> configuration -> audit trail (cross-checked
 *   against the database) -> roles -> sessions -> identity -> updater
 *
 * With identity open, every access decision taken with the device's roles
 * (medsec_device_roles) also asks identity about the subject's account
 * (medsec_identity_subject_check): a disabled, locked or expired account,
 * or one that must change its password, is refused whatever roles the
 * subject names.
 *
 * The command-line tool, the daemon's privileged process and a
 * manufacturer's device software all go through it, so the cross-check
 * that refuses an older trail or an older database, and the closing
 * checkpoint that seals what a command changed, cannot be forgotten.
 *
 * Not thread-safe: one handle per thread.
 */
#ifndef MEDSEC_DEVICE_H
#define MEDSEC_DEVICE_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/config.h"
#include "medsec/identity.h"
#include "medsec/session.h"
#include "medsec/updater.h"

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_db;
struct medsec_keystore;
struct medsec_device;

/* What medsec_device_open() opens besides keystore, database and trail. */
#define MEDSEC_DEVICE_IDENTITY 0x1 /* roles, sessions and identity */
#define MEDSEC_DEVICE_UPDATER 0x2  /* the above, and the updater */
/*
 * Keystore and database only, no audit writer: for status and trail
 * verification, which must work on a trail that cannot be written and
 * must leave the device byte for byte as it was. Not with the above.
 */
#define MEDSEC_DEVICE_READ_ONLY 0x4

struct medsec_device_options {
	const char *state_dir;	 /* required */
	/*
	 * Configuration for identity, sessions and roles: this file, else
	 * the one given at provisioning (kept in the database), else the
	 * defaults. The trail is always written with the settings given at
	 * provisioning.
	 */
	const char *config_path;
	unsigned flags;		 /* MEDSEC_DEVICE_* */
};

/*
 * Opens the device in opts->state_dir. On success *devp is a handle the
 * caller closes with medsec_device_close(); on failure *devp is NULL,
 * everything opened so far has been closed in reverse without writing
 * anything (no checkpoint, no saved head), and err (may be NULL) holds
 * one line naming the component and its path and why, e.g.
 * "/var/lib/medsec/keys: cannot open the keystore: not found".
 *
 * Errors: the component's own (MEDSEC_ERR_NOT_FOUND for an absent one,
 * MEDSEC_ERR_PERMISSION, MEDSEC_ERR_SCHEMA_NEWER, MEDSEC_ERR_CONFIG, ...);
 * MEDSEC_ERR_TAMPERED when trail and database disagree (an older copy of
 * either was put back: nothing is sealed, so the rollback is not made to
 * look legitimate); MEDSEC_ERR_INVALID for bad options.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_device_open(const struct medsec_device_options *opts,
    struct medsec_device **devp, char *err, size_t errlen);

/*
 * Closes in reverse order and frees; NULL is a no-op. With a trail open,
 * first seals it: the database's state generation is noted, a
 * checkpoint written and the trail's head saved in the database, so each
 * is the other's evidence against a rollback. Skipped when nothing was
 * written and no security state changed since open (the trail stays
 * byte-identical). MEDSEC_OK, or the sealing error (the handles are
 * closed and freed all the same).
 */
MEDSEC_API
int medsec_device_close(struct medsec_device *dev);

/* The open components; NULL when not opened (see the flags). */
MEDSEC_API
struct medsec_keystore *medsec_device_keystore(struct medsec_device *dev);
MEDSEC_API
struct medsec_db *medsec_device_db(struct medsec_device *dev);
MEDSEC_API
struct medsec_audit *medsec_device_audit(struct medsec_device *dev);
MEDSEC_API
struct medsec_sessions *medsec_device_sessions(struct medsec_device *dev);
MEDSEC_API
struct medsec_identity *medsec_device_identity(struct medsec_device *dev);
MEDSEC_API
struct medsec_updater *medsec_device_updater(struct medsec_device *dev);
/* The roles in force (defaults, or the configured roles file). */
MEDSEC_API
const struct medsec_roles *medsec_device_roles(const struct medsec_device *dev);
/* The configuration in force (see medsec_device_options.config_path). */
MEDSEC_API
const struct medsec_config *medsec_device_config(
    const struct medsec_device *dev);
MEDSEC_API
const char *medsec_device_state_dir(const struct medsec_device *dev);
/* The id recorded at provisioning. */
MEDSEC_API
const char *medsec_device_id(const struct medsec_device *dev);
/*
 * What opening the trail found (a torn tail recovered after a crash), or
 * NULL when no trail was opened.
 */
MEDSEC_API
const struct medsec_audit_open_report *medsec_device_audit_report(
    const struct medsec_device *dev);

/* ---- provisioning ---- */

struct medsec_device_provision_options {
	const char *state_dir;	   /* absent, or an empty directory */
	const char *config_path;   /* NULL: defaults; kept in the database */
	const char *device_id;	   /* NULL: [device] id, else medsec-XXXXXXXX */
	const char *profile;	   /* NULL: [crypto] profile, else approved */
	const char *verifier_path; /* NULL: STATE/audit-verifier.key */
	const char *actor;	   /* who provisions, for the trail ("os:root") */
};

struct medsec_device_provision_result {
	char device_id[MEDSEC_CONFIG_ID_MAX];
	char profile[32];
	char verifier_path[4096];
	/* Shown once to create the first administrator; wipe after use. */
	char setup_code[MEDSEC_SETUP_CODE_LEN];
	unsigned setup_code_hours;
};

/*
 * Provisions a new device: a keystore with its identity and data keys, a
 * database with the device record and the configuration text, an audit
 * trail with its verifier key and first records (DEVICE_PROVISIONED,
 * KEY_GENERATED), and a one-time setup code for the first administrator
 * (MFDS 1.10: no accounts, no default password).
 *
 * Everything is built in a private staging directory beside state_dir and
 * renamed into place at the end, so a failure or a crash never leaves a
 * half-provisioned device: the staging directory and a verifier key
 * written outside it are removed again. An existing device is refused
 * with MEDSEC_ERR_EXISTS and left as it was; so is a state directory that
 * is not empty. res is filled on success only; err (may be NULL) names
 * the offending value or component on failure.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_device_provision(const struct medsec_device_provision_options *opts,
    struct medsec_device_provision_result *res, char *err, size_t errlen);

/* ---- status ---- */

struct medsec_device_status {
	char device_id[MEDSEC_CONFIG_ID_MAX];
	char profile[32];
	int64_t created_us;
	int schema_version;
	struct medsec_identity_status accounts;
	struct medsec_session_status sessions;
	struct medsec_updater_status updates;
	/* The trail's head: of the open trail, else the head the database
	 * saved at the last closing checkpoint. */
	uint64_t audit_head_seq;
	uint64_t audit_generation; /* the database's state generation */
	int audit_open;		   /* 0: opened read-only, degraded unknown */
	int audit_degraded;	   /* records held in memory, not durable */
	size_t audit_held;
	uint64_t audit_dropped;
	uint32_t audit_epoch_records; /* settings given at provisioning */
	uint32_t audit_epoch_seconds;
	uint64_t audit_segment_bytes;
};

/*
 * Fills *st from the status functions of identity, session and updater
 * and from the trail, as of now. Reads only; works on a device opened
 * with MEDSEC_DEVICE_READ_ONLY. The trail is not verified here
 * (medsec_audit_verify_against does that).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_device_status(struct medsec_device *dev,
    struct medsec_device_status *st);

#ifdef __cplusplus
}
#endif
#endif
