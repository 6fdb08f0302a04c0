/* Updater internals shared by its files. */
#ifndef MEDSEC_UPDATER_INT_H
#define MEDSEC_UPDATER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/updater.h"

struct medsec_updater {
	struct medsec_db *db;
	struct medsec_audit *audit;
	const struct medsec_roles *roles;
	char state_dir[2048];
	char trust_dir[2048];
	char hardware_id[64];
	char product[64];
	int two_person;
	unsigned max_trial_starts;
};

/* Meta keys of the floors; they only ever go up. */
#define UPDATER_COUNTER_KEY "update_counter"
#define UPDATER_KEYSET_KEY "update_keyset_version"
#define UPDATER_TIME_KEY "update_trusted_time_us"

/* updater.c */
/* Exactly one row changes, or MEDSEC_ERR_NOT_FOUND. */
int updater_set_state(struct medsec_updater *u, int64_t id, int state,
    const char *reason);
/* Ends a transaction: COMMIT when r is MEDSEC_OK, else ROLLBACK; r. */
int updater_txn_end(struct medsec_updater *u, int r);
/* Appends a record; its failure is returned (the change stands). */
int updater_audit(struct medsec_updater *u, int event, const char *actor,
    const struct medsec_update_record *rec, int outcome, const char *reason);
/* Refuses (MEDSEC_ERR_AUDIT_UNAVAILABLE, with err) if no record fits. */
int updater_audit_ready(struct medsec_updater *u, char *err, size_t errlen);
/* Raises meta key to v if v is higher; never lowers it. */
int updater_meta_raise(struct medsec_updater *u, const char *key,
    uint64_t v);
void updater_rmrf(const char *path);
/* Appends "; what (error)" to why, keeping what is there. */
void updater_why_add(char *why, size_t whylen, const char *what, int r);
int updater_meta_u64(struct medsec_updater *u, const char *key,
    uint64_t *v);
int updater_meta_set_u64(struct medsec_updater *u, const char *key,
    uint64_t v);
int updater_find_state(struct medsec_updater *u, int state,
    struct medsec_update_record *rec);
int updater_path(struct medsec_updater *u, char *out, size_t outlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The policy time: max(wall clock, trusted-time floor). */
int updater_now(struct medsec_updater *u, int64_t *nowp);

/* updater_boot.c */
int updater_boot_read(struct medsec_updater *u, struct medsec_update_boot *b);
int updater_boot_write(struct medsec_updater *u,
    const struct medsec_update_boot *b);

#endif
