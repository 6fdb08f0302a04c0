/*
 * A device's status, from the status functions of the modules that own
 * the data: accounts from identity, sessions from session, updates from
 * the updater, the head from the trail. The device record is this
 * module's own table.
 */
#include <stdio.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "device_int.h"

static int
read_device_record(struct medsec_device *dev, struct medsec_device_status *st)
{
	struct medsec_db_stmt *q = NULL;
	const char *profile;
	int r;

	if ((r = medsec_db_prepare(dev->db, "SELECT profile, created_us FROM "
	    "device WHERE id = 1", &q)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(q)) != MEDSEC_DB_ROW) {
		r = r < 0 ? r : MEDSEC_ERR_CORRUPT; /* provisioning wrote it */
		goto out;
	}
	profile = medsec_db_column_text(q, 0);
	snprintf(st->profile, sizeof(st->profile), "%s",
	    profile != NULL ? profile : "");
	st->created_us = medsec_db_column_int64(q, 1);
	r = MEDSEC_OK;
out:
	medsec_db_finalize(q);
	return r;
}

static int
read_trail(struct medsec_device *dev, struct medsec_device_status *st)
{
	struct medsec_audit_expect saved;
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];
	int r;

	if ((r = medsec_audit_db_state(dev->db, &saved)) != MEDSEC_OK)
		return r;
	st->audit_generation = saved.generation;
	st->audit_head_seq = saved.head_seq;
	st->audit_epoch_records = dev->audit_opts.epoch_records;
	st->audit_epoch_seconds = dev->audit_opts.epoch_seconds;
	st->audit_segment_bytes = dev->audit_opts.segment_bytes;
	if (dev->audit == NULL)
		return MEDSEC_OK;
	st->audit_open = 1;
	if ((r = medsec_audit_head(dev->audit, &st->audit_head_seq, chain)) !=
	    MEDSEC_OK)
		return r;
	st->audit_degraded = medsec_audit_degraded(dev->audit,
	    &st->audit_held, &st->audit_dropped) != 0;
	return MEDSEC_OK;
}

int
medsec_device_status(struct medsec_device *dev,
    struct medsec_device_status *st)
{
	int r;

	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	memset(st, 0, sizeof(*st));
	if (dev == NULL || dev->db == NULL)
		return MEDSEC_ERR_INVALID;
	snprintf(st->device_id, sizeof(st->device_id), "%s", dev->device_id);
	if ((r = read_device_record(dev, st)) != MEDSEC_OK ||
	    (r = medsec_db_schema_version(dev->db, &st->schema_version)) !=
	    MEDSEC_OK ||
	    (r = medsec_identity_status_read(dev->db, medsec_clock_wall_us(),
	    dev->cfg.auth_password_max_age_days, &st->accounts)) !=
	    MEDSEC_OK ||
	    (r = medsec_session_status_read(dev->db, &st->sessions)) !=
	    MEDSEC_OK ||
	    (r = medsec_updater_status_read(dev->db, dev->state_dir,
	    &st->updates)) != MEDSEC_OK ||
	    (r = read_trail(dev, st)) != MEDSEC_OK)
		return r;
	return MEDSEC_OK;
}
