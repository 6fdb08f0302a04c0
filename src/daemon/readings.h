/*
 * Patients' recent readings, held in the monitor's memory only (MFDS
 * 1.20: no health record is written to disk by the gateway): a bounded
 * ring per patient, the oldest reading overwritten by the newest. The
 * number of patients and of readings per patient are fixed, so memory
 * stays the same whatever the source sends.
 */
#ifndef MEDSECD_READINGS_H
#define MEDSECD_READINGS_H

#include <stddef.h>
#include <stdint.h>

#define READINGS_PATIENTS_MAX 64
#define READINGS_PER_PATIENT 256
#define READINGS_ID_LEN 65 /* [A-Za-z0-9._-], 1..64 */

enum vital {
	VITAL_HEART_RATE = 0,
	VITAL_SPO2,
	VITAL_SYSTOLIC,
	VITAL_DIASTOLIC,
	VITAL_TEMPERATURE,
	VITAL_RESP_RATE,
	VITAL__COUNT
};

struct vital_info {
	const char *name;  /* "heart_rate", as /v1/control names signals */
	const char *loinc; /* LOINC code */
	const char *unit;  /* UCUM unit */
	double low, high;  /* outside [low, high]: alarm-worthy */
};

/* The vital's names, codes and alarm range; NULL out of range. */
const struct vital_info *vital_info(int vital);

struct reading {
	int64_t time_us; /* wall clock, microseconds since 1970 */
	int vital;	 /* enum vital */
	double value;
};

struct readings;

/* An empty store; NULL when out of memory. */
struct readings *readings_new(void);
void readings_free(struct readings *r);

/*
 * Adds a reading of patient (a valid id). 0, or -1 when the id is not
 * valid or all READINGS_PATIENTS_MAX patients are taken by others.
 */
int readings_add(struct readings *r, const char *patient,
    const struct reading *x);

/*
 * Copies up to max of patient's readings into out, newest first. The
 * number copied, or -1 when no reading of patient is held.
 */
int readings_latest(const struct readings *r, const char *patient,
    struct reading *out, size_t max);

/* 1 when id is a valid patient id: 1..64 of [A-Za-z0-9._-], alnum first. */
int readings_valid_id(const char *id);

#endif
