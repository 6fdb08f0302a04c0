/*
 * Recovery of the audit trail after a failed write. The library fails
 * closed: once a write or sync of the trail fails, every later record is
 * refused (MEDSEC_ERR_AUDIT_UNAVAILABLE) until medsec_audit_reopen(). The
 * monitor keeps refusing audited actions meanwhile, but a transient
 * ENOSPC or EIO must not leave the daemon refusing them until a restart:
 * it reopens the trail on a back-off (1 s doubling to the maximum) and
 * proves the reopened trail writable with a durable AUDIT_DEGRADED record
 * saying the trail recovered, before it counts the trail healthy again.
 */
#ifndef MEDSECD_AUDIT_RECOVER_H
#define MEDSECD_AUDIT_RECOVER_H

#include <stdint.h>

#include "medsec/audit.h"

struct audit_recovery {
	unsigned backoff_max_s;
	unsigned backoff_s;	/* the wait after the next failed reopen */
	int64_t next_us;	/* monotonic time of the next reopen */
	int failing;		/* the trail was failed at the last look */
	uint64_t attempts;	/* reopens since it failed */
	int64_t failed_since_us;
};

enum audit_recovery_step {
	AUDIT_RECOVERY_HEALTHY,	 /* nothing failed */
	AUDIT_RECOVERY_FAILED,	 /* just found failed; reopen scheduled */
	AUDIT_RECOVERY_WAITING,	 /* failed, the next reopen not due */
	AUDIT_RECOVERY_RETRY,	 /* a reopen failed; the next is scheduled */
	AUDIT_RECOVERY_RECOVERED, /* reopened and a record made durable */
};

void audit_recovery_init(struct audit_recovery *rc, unsigned backoff_max_s);

/*
 * One look at the trail at monotonic time now_us: what happened (enum
 * audit_recovery_step). *statusp gets the error of a failed reopen or of
 * the record proving the trail writable, else MEDSEC_OK.
 */
int audit_recovery_step(struct audit_recovery *rc, struct medsec_audit *a,
    int64_t now_us, int *statusp);

#endif
