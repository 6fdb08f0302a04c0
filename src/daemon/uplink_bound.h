/*
 * The delivery bound of the uplink (MFDS 2.4): every reading the
 * collector took is measured from its acquisition (its time of
 * measurement: time_ms from the source, the round's time for the
 * simulator) to the collector's 2xx, against [uplink] delivery_bound.
 * Readings delivered later are counted; the uplink reports the count in
 * aggregate, once per report interval, never once per reading.
 */
#ifndef MEDSECD_UPLINK_BOUND_H
#define MEDSECD_UPLINK_BOUND_H

#include <stddef.h>
#include <stdint.h>

struct uplink_bound {
	int64_t bound_us;
	/* since the uplink started */
	uint64_t delivered;
	uint64_t late;
	/* since the last report */
	uint64_t interval_delivered;
	uint64_t interval_late;
	int64_t interval_worst_us;	/* the latest reading's delay */
};

void uplink_bound_init(struct uplink_bound *b, uint32_t bound_seconds);

/*
 * The times of measurement of the Observations in a Bundle built by
 * uplink_fhir_bundle (compact JSON), in order: at most max of them into
 * times_us. Returns how many were found; an entry whose time cannot be
 * read is left out (the caller compares with the batch's count).
 */
size_t uplink_bound_times(const char *bundle, size_t len, int64_t *times_us,
    size_t max);

/* The readings of a batch the collector took at now_us; returns how many
 * of them were late. */
size_t uplink_bound_measure(struct uplink_bound *b, const int64_t *times_us,
    size_t n, int64_t now_us);

/* The interval's counts start again (after a report). */
void uplink_bound_interval_reset(struct uplink_bound *b);

#endif
