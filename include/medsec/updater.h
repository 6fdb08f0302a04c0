/*
 * medsec updater: the device side of updates (MFDS 1.12 approved updates,
 * 1.13 verified updates, 1.14 signed updates).
 *
 * A package moves through states, persisted in the database and audited
 * at every step:
 *
 *   awaiting-approval -> approved -> installing -> installed (trial)
 *        -> committed, or -> rejected / rolled-back, with reasons.
 *
 * (Receipt and verification happen in medsec_updater_stage(): a package
 * that fails them is recorded as rejected and never parked.)
 *
 * Nothing installs until an administrator with update-approve, who has
 * re-authenticated, approves the exact manifest digest; each approval is
 * used once, and the configuration can require two different
 * administrators. A downgrade needs the manufacturer's downgrade
 * authorisation in the manifest and an approval.
 *
 * Slots: STATE/slots/a and STATE/slots/b. A package is extracted and
 * verified into the inactive slot (via a staging directory renamed into
 * place), then STATE/slots/boot is replaced atomically to switch. The
 * next start (medsec_updater_boot) runs the new slot in trial mode; commit
 * makes it permanent, a failed health check or more than max_trial_starts
 * starts without commit switches back. A crash at any point leaves the
 * boot record naming a complete slot.
 *
 * Time: expiry is checked against the later of the wall clock and the
 * device's trusted-time floor, the newest build time of a package it
 * committed (docs/updates.md). A package the device did not install never
 * moves that floor, and a package built more than
 * MEDSEC_UPDATE_MAX_AHEAD_US after a working wall clock (not below the
 * floor or MEDSEC_UPDATE_CLOCK_EPOCH_US) is refused, so a
 * validly signed time far in the future cannot poison the device's notion
 * of time. Setting the clock back does not revive an expired manifest, and
 * a clock reset to 1970 by a dead battery does not make every package look
 * "not yet valid" (medsec never refuses for that reason).
 *
 * Every state change and the floors it raises (anti-rollback counter,
 * key set version, trusted time) are one database transaction; the audit
 * record, written after the commit, says what was committed. Operations
 * that change state check first that the audit trail can take a record
 * (medsec_audit_ready()) and refuse otherwise, except the device start and
 * the health-check rollback, which return the device to its known-good
 * release and must not be prevented by a full trail.
 */
#ifndef MEDSEC_UPDATER_H
#define MEDSEC_UPDATER_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/access.h"
#include "medsec/update.h"

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_db;
struct medsec_audit;

/* How far a signed build time may be ahead of a working wall clock. */
#define MEDSEC_UPDATE_MAX_AHEAD_US (INT64_C(24) * 3600 * 1000000)
/*
 * A wall clock before this (2026-01-01T00:00:00Z, before this software
 * existed) is not working, e.g. an RTC reset by a dead battery.
 */
#define MEDSEC_UPDATE_CLOCK_EPOCH_US (INT64_C(1767225600) * 1000000)
/* The largest package stage accepts (the offered file's size). */
#define MEDSEC_UPDATE_PACKAGE_MAX (UINT64_C(32) << 30)

struct medsec_updater_options {
	const char *state_dir;	/* slots/, updates/ live here */
	const char *trust_dir;	/* root.json, keyset.json */
	const char *hardware_id;
	const char *product;
	int two_person;		/* two different approvers */
	unsigned max_trial_starts; /* default 3 */
};

enum medsec_update_state {
	MEDSEC_UPD_AWAITING_APPROVAL = 1,
	MEDSEC_UPD_APPROVED,
	MEDSEC_UPD_INSTALLING,
	MEDSEC_UPD_INSTALLED, /* running in trial */
	MEDSEC_UPD_COMMITTED,
	MEDSEC_UPD_REJECTED,
	MEDSEC_UPD_ROLLED_BACK,
	MEDSEC_UPD_SUPERSEDED, /* a committed package replaced by a newer */
};

struct medsec_update_record {
	int64_t id;
	char digest[65];
	char product[64];
	char version[32];
	uint64_t security_counter;
	int downgrade;
	int state; /* enum medsec_update_state */
	char reason[256];
	char approved_by[64];
	char approved_by2[64];
	int64_t received_us;
	int64_t changed_us;
};

/* What the device is running. */
struct medsec_update_boot {
	char active[2];	  /* "a" or "b" */
	char previous[2]; /* the slot to go back to, or "" */
	int trial;
	unsigned trial_starts;
	char digest[65];  /* package in the active slot, or "" */
};

struct medsec_updater;

/* audit is required: the updater refuses to run without a trail. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_updater_open(struct medsec_db *db, struct medsec_audit *audit,
    const struct medsec_roles *roles,
    const struct medsec_updater_options *opts, struct medsec_updater **up);
MEDSEC_API
void medsec_updater_close(struct medsec_updater *u);

MEDSEC_API
const char *medsec_update_state_name(int state);

struct medsec_updater_setup {
	const char *root_path;	 /* root.json to install */
	const char *keyset_path; /* keyset.json to install */
	const char *hardware_id;
	const char *product;	 /* or NULL */
	int two_person;
};

/*
 * Installs the trust files and the device's update settings. who needs
 * the config permission. The files are verified first, from the bytes
 * read once (root.json well-formed; keyset.json signed by root's
 * threshold, not expired, version not below the device's key set floor),
 * then installed atomically (a new trust directory swapped in) in the
 * same database transaction that raises the key set floor to this key
 * set's version and records the settings. Refusals (MEDSEC_ERR_STATE for
 * an older key set, MEDSEC_ERR_AUTH, MEDSEC_ERR_EXPIRED, MEDSEC_ERR_FORMAT,
 * MEDSEC_ERR_INVALID) change nothing; both outcomes are audited
 * (CONFIG_CHANGED).
 */
MEDSEC_API
int medsec_updater_setup(struct medsec_updater *u,
    const struct medsec_updater_setup *s, const struct medsec_subject *who,
    char *err, size_t errlen);

/*
 * Receives and verifies a package (signatures, trust, expiry, hardware,
 * product, counter or downgrade authorisation, payload), copies it into
 * STATE/updates/ and records it awaiting approval. A refused package is
 * recorded as rejected with the reason (MEDSEC_ERR_* as from
 * medsec_update_verify). Staging the same manifest twice, or one already
 * installed, is refused (replay).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_updater_stage(struct medsec_updater *u, const char *pkg_path,
    const struct medsec_subject *who, int64_t *idp, char *err,
    size_t errlen);

/*
 * Approves package id. who needs update-approve and fresh_reauth must say
 * that the approver re-entered the password just now (the caller checks,
 * e.g. medsec_identity_require_fresh). digest must be the manifest digest
 * shown to the approver (binds the approval). With two_person, the first
 * approval leaves the package awaiting a second, different approver.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_updater_approve(struct medsec_updater *u, int64_t id,
    const char *digest, const struct medsec_subject *who, int fresh_reauth,
    char *err, size_t errlen);

MEDSEC_API
int medsec_updater_reject(struct medsec_updater *u, int64_t id,
    const struct medsec_subject *who, const char *reason);

/*
 * Installs an approved package into the inactive slot and switches the
 * boot record to it in trial mode. Re-verifies the staged file first.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_updater_install(struct medsec_updater *u, int64_t id, char *err,
    size_t errlen);

/*
 * A start of the device: reconciles an interrupted install, counts trial
 * starts (rolling back past max_trial_starts) and fills boot.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_updater_boot(struct medsec_updater *u,
    struct medsec_update_boot *boot);

/* Reads the boot record without counting a start. */
MEDSEC_API
int medsec_updater_boot_state(struct medsec_updater *u,
    struct medsec_update_boot *boot);

/* The running trial is healthy: make it permanent (raises the counter). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_updater_commit(struct medsec_updater *u,
    const struct medsec_subject *who);

/* The running trial failed its health check: switch back now. */
MEDSEC_API
int medsec_updater_health_failed(struct medsec_updater *u, const char *why);

MEDSEC_API
int medsec_updater_get(struct medsec_updater *u, int64_t id,
    struct medsec_update_record *rec);
MEDSEC_API
int medsec_updater_list(struct medsec_updater *u,
    int (*fn)(const struct medsec_update_record *, void *), void *ctx);
/* The highest committed security counter (anti-rollback floor). */
MEDSEC_API
int medsec_updater_counter(struct medsec_updater *u, uint64_t *counterp);
/* The lowest key set version the device accepts (key set floor). */
MEDSEC_API
int medsec_updater_keyset_floor(struct medsec_updater *u,
    uint64_t *versionp);
/* The trusted-time floor: newest build time of a committed package. */
MEDSEC_API
int medsec_updater_time_floor(struct medsec_updater *u, int64_t *usp);

/* ---- status ---- */

/* The updater's settings, floors and packages. */
struct medsec_updater_status {
	int configured;	       /* medsec_updater_setup() has run */
	char hardware_id[64];
	char product[64];
	int two_person;
	uint64_t security_counter; /* anti-rollback floor */
	uint64_t keyset_floor;
	int64_t time_floor_us;
	struct medsec_update_boot boot; /* running slot; "a" if never set */
	uint64_t packages;	       /* on record, any state */
	uint64_t awaiting_approval;
	uint64_t approved;	       /* approved, not yet installed */
	int64_t pending_id;	       /* newest awaiting approval, or 0 */
	char pending_version[32];
};

/*
 * Reads the settings medsec_updater_setup() recorded, the floors, the
 * boot record under state_dir (may be NULL: boot left at its default)
 * and the package counts from db. An unset setting is not an error
 * (configured 0); an unreadable one is (MEDSEC_ERR_CORRUPT, ...).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_updater_status_read(struct medsec_db *db, const char *state_dir,
    struct medsec_updater_status *st);

#ifdef __cplusplus
}
#endif
#endif
