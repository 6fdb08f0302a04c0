/*
 * A built-in source of patients' readings, until the uplink brings the
 * real one ([source] simulator = on). Deterministic: the same seed gives
 * the same patients and the same sequence of values. Values are
 * plausible for adults and drift slowly; now and then one is
 * alarm-worthy (a tachycardia, a desaturation, a fever spike), so alarm
 * paths have something to see.
 */
#ifndef MEDSECD_SIMULATOR_H
#define MEDSECD_SIMULATOR_H

#include <stddef.h>
#include <stdint.h>

#include "readings.h"

#define SIMULATOR_PATIENTS_MAX 64

struct simulator;

/* patients: 1..SIMULATOR_PATIENTS_MAX. NULL when out of memory or range. */
struct simulator *simulator_new(uint64_t seed, unsigned patients);
void simulator_free(struct simulator *s);

/* The id of patient i (0-based): "p-1001", "p-1002", ... */
void simulator_patient_id(unsigned i, char out[READINGS_ID_LEN]);

/*
 * One round: a reading of every vital of every patient at now_us, into
 * r. The number of readings added.
 */
size_t simulator_tick(struct simulator *s, struct readings *r,
    int64_t now_us);

#endif
