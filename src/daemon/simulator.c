/*
 * The readings simulator (simulator.h).
 */
#include "simulator.h"

#include <stdio.h>
#include <stdlib.h>

/* One in this many readings is pushed outside its alarm range. */
#define SIM_ALARM_ONE_IN 40

struct sim_patient {
	double base[VITAL__COUNT];
	double drift[VITAL__COUNT];
};

struct simulator {
	uint64_t state; /* splitmix64 */
	unsigned patients;
	struct sim_patient p[SIMULATOR_PATIENTS_MAX];
};

/* Adult resting values and how far patients differ (+-spread). */
static const struct {
	double mean, spread, step, lo, hi;
} model[VITAL__COUNT] = {
	[VITAL_HEART_RATE] = { 74, 12, 1.5, 55, 110 },
	[VITAL_SPO2] = { 97, 1.5, 0.4, 92, 100 },
	[VITAL_SYSTOLIC] = { 122, 12, 2.0, 95, 155 },
	[VITAL_DIASTOLIC] = { 78, 8, 1.5, 55, 95 },
	[VITAL_TEMPERATURE] = { 36.8, 0.3, 0.05, 35.8, 37.8 },
	[VITAL_RESP_RATE] = { 15, 2.5, 0.5, 10, 22 },
};

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t
next_u64(struct simulator *s)
{
	uint64_t z = (s->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double
next_signed(struct simulator *s)
{
	return (double)(next_u64(s) >> 11) / 4503599627370496.0 - 1.0;
}

struct simulator *
simulator_new(uint64_t seed, unsigned patients)
{
	struct simulator *s;
	unsigned i;
	int v;

	if (patients == 0 || patients > SIMULATOR_PATIENTS_MAX ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->state = seed;
	s->patients = patients;
	for (i = 0; i < patients; i++)
		for (v = 0; v < VITAL__COUNT; v++)
			s->p[i].base[v] = model[v].mean + model[v].spread *
			    next_signed(s) / 2;
	return s;
}

void
simulator_free(struct simulator *s)
{
	free(s);
}

void
simulator_patient_id(unsigned i, char out[READINGS_ID_LEN])
{
	snprintf(out, READINGS_ID_LEN, "p-%u", 1001 + i);
}

static double
clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* Rounded as a monitor shows it: integers, temperature to 0.1. */
static double
shown(int vital, double x)
{
	double scale = vital == VITAL_TEMPERATURE ? 10.0 : 1.0;
	long n = (long)(x * scale + (x >= 0 ? 0.5 : -0.5));

	return (double)n / scale;
}

/* Now and then a value outside the vital's alarm range. */
static double
excursion(struct simulator *s, int vital, double x)
{
	const struct vital_info *vi = vital_info(vital);

	if (next_u64(s) % SIM_ALARM_ONE_IN != 0)
		return x;
	if (vital == VITAL_SPO2)
		return vi->low - 4 - (double)(next_u64(s) % 4);
	if (vital == VITAL_TEMPERATURE)
		return vi->high + 0.3 + (double)(next_u64(s) % 10) / 10;
	return vi->high + (vi->high - vi->low) / 8 +
	    (double)(next_u64(s) % 10);
}

size_t
simulator_tick(struct simulator *s, struct readings *r, int64_t now_us)
{
	char id[READINGS_ID_LEN];
	struct reading x;
	struct sim_patient *p;
	size_t added = 0;
	unsigned i;
	int v;

	for (i = 0; i < s->patients; i++) {
		p = &s->p[i];
		simulator_patient_id(i, id);
		for (v = 0; v < VITAL__COUNT; v++) {
			/* A slow random walk, kept in the plausible range. */
			p->drift[v] = clamp(p->drift[v] + model[v].step *
			    next_signed(s), -model[v].spread, model[v].spread);
			x.time_us = now_us;
			x.vital = v;
			x.value = shown(v, excursion(s, v, clamp(p->base[v] +
			    p->drift[v], model[v].lo, model[v].hi)));
			if (readings_add(r, id, &x) == 0)
				added++;
		}
	}
	return added;
}
