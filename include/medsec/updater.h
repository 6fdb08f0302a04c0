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
 * newest time already seen in signed metadata (built times), so setting
 * the clock back does not revive an expired manifest, and a clock reset to
 * 1970 by a dead battery does not make every package look "not yet
 * valid" (medsec never refuses for that reason).
 */
#ifndef MEDSEC_UPDATER_H
#define MEDSEC_UPDATER_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/access.h"
#include "medsec/update.h"

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_db;
struct medsec_audit;

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

int medsec_updater_open(struct medsec_db *db, struct medsec_audit *audit,
    const struct medsec_roles *roles,
    const struct medsec_updater_options *opts, struct medsec_updater **up);
void medsec_updater_close(struct medsec_updater *u);

const char *medsec_update_state_name(int state);

/*
 * Receives and verifies a package (signatures, trust, expiry, hardware,
 * product, counter or downgrade authorisation, payload), copies it into
 * STATE/updates/ and records it awaiting approval. A refused package is
 * recorded as rejected with the reason (MEDSEC_ERR_* as from
 * medsec_update_verify). Staging the same manifest twice, or one already
 * installed, is refused (replay).
 */
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
int medsec_updater_approve(struct medsec_updater *u, int64_t id,
    const char *digest, const struct medsec_subject *who, int fresh_reauth,
    char *err, size_t errlen);

int medsec_updater_reject(struct medsec_updater *u, int64_t id,
    const struct medsec_subject *who, const char *reason);

/*
 * Installs an approved package into the inactive slot and switches the
 * boot record to it in trial mode. Re-verifies the staged file first.
 */
int medsec_updater_install(struct medsec_updater *u, int64_t id, char *err,
    size_t errlen);

/*
 * A start of the device: reconciles an interrupted install, counts trial
 * starts (rolling back past max_trial_starts) and fills boot.
 */
int medsec_updater_boot(struct medsec_updater *u,
    struct medsec_update_boot *boot);

/* Reads the boot record without counting a start. */
int medsec_updater_boot_state(struct medsec_updater *u,
    struct medsec_update_boot *boot);

/* The running trial is healthy: make it permanent (raises the counter). */
int medsec_updater_commit(struct medsec_updater *u,
    const struct medsec_subject *who);

/* The running trial failed its health check: switch back now. */
int medsec_updater_health_failed(struct medsec_updater *u, const char *why);

int medsec_updater_get(struct medsec_updater *u, int64_t id,
    struct medsec_update_record *rec);
int medsec_updater_list(struct medsec_updater *u,
    int (*fn)(const struct medsec_update_record *, void *), void *ctx);
/* The highest committed security counter (anti-rollback floor). */
int medsec_updater_counter(struct medsec_updater *u, uint64_t *counterp);

#ifdef __cplusplus
}
#endif
#endif
