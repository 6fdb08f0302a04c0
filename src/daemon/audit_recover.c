/*
 * Reopening a failed audit trail on a back-off (audit_recover.h).
 */
#include "audit_recover.h"

#include <string.h>

#include "medsec/err.h"

#define US_PER_S 1000000LL

void
audit_recovery_init(struct audit_recovery *rc, unsigned backoff_max_s)
{
	memset(rc, 0, sizeof(*rc));
	rc->backoff_max_s = backoff_max_s > 0 ? backoff_max_s : 1;
	rc->backoff_s = 1;
}

static void
schedule(struct audit_recovery *rc, int64_t now_us)
{
	rc->next_us = now_us + (int64_t)rc->backoff_s * US_PER_S;
	rc->backoff_s = rc->backoff_s * 2 > rc->backoff_max_s ?
	    rc->backoff_max_s : rc->backoff_s * 2;
}

/* The record that the trail is back; its durability is the proof. */
static int
record_recovery(struct audit_recovery *rc, struct medsec_audit *a,
    int64_t now_us)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "reopen_attempts", rc->attempts);
	medsec_audit_detail_u64(&d, "unavailable_seconds",
	    (uint64_t)((now_us - rc->failed_since_us) / US_PER_S));
	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_AUDIT_DEGRADED;
	ev.actor = "medsecd";
	ev.source = "local";
	ev.object = "audit trail";
	ev.outcome = MEDSEC_AUDIT_SUCCESS;
	ev.reason = "audit trail recovered; audited actions resume";
	if ((r = medsec_audit_detail_end(&d, &ev.details)) != MEDSEC_OK)
		return r;
	return medsec_audit_append(a, &ev, NULL);
}

int
audit_recovery_step(struct audit_recovery *rc, struct medsec_audit *a,
    int64_t now_us, int *statusp)
{
	int r;

	*statusp = MEDSEC_OK;
	if (!rc->failing) {
		if (!medsec_audit_degraded(a, NULL, NULL))
			return AUDIT_RECOVERY_HEALTHY;
		rc->failing = 1;
		rc->attempts = 0;
		rc->backoff_s = 1;
		rc->failed_since_us = now_us;
		schedule(rc, now_us);
		return AUDIT_RECOVERY_FAILED;
	}
	if (now_us < rc->next_us)
		return AUDIT_RECOVERY_WAITING;
	rc->attempts++;
	if ((r = medsec_audit_reopen(a)) != MEDSEC_OK ||
	    (r = record_recovery(rc, a, now_us)) != MEDSEC_OK) {
		*statusp = r;
		schedule(rc, now_us);
		return AUDIT_RECOVERY_RETRY;
	}
	rc->failing = 0;
	rc->backoff_s = 1;
	return AUDIT_RECOVERY_RECOVERED;
}
