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

/* updater.c */
int updater_set_state(struct medsec_updater *u, int64_t id, int state,
    const char *reason);
void updater_audit(struct medsec_updater *u, int event, const char *actor,
    const struct medsec_update_record *rec, int outcome, const char *reason);
int updater_meta_u64(struct medsec_updater *u, const char *key,
    uint64_t *v);
int updater_meta_set_u64(struct medsec_updater *u, const char *key,
    uint64_t v);
int updater_find_state(struct medsec_updater *u, int state,
    struct medsec_update_record *rec);
int updater_path(struct medsec_updater *u, char *out, size_t outlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The policy time: max(wall clock, newest signed time seen). */
int64_t updater_now(struct medsec_updater *u);

/* updater_boot.c */
int updater_boot_read(struct medsec_updater *u, struct medsec_update_boot *b);
int updater_boot_write(struct medsec_updater *u,
    const struct medsec_update_boot *b);

#endif
