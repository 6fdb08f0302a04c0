/*
 * The in-memory rings of patients' readings (readings.h).
 */
#include "readings.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct ring {
	char patient[READINGS_ID_LEN]; /* "": free */
	size_t next;		       /* where the next reading goes */
	size_t count;		       /* held, at most the ring size */
	struct reading r[READINGS_PER_PATIENT];
};

struct readings {
	struct ring rings[READINGS_PATIENTS_MAX];
};

/*
 * LOINC codes and UCUM units; the alarm ranges are the adult defaults
 * of common bedside monitors, for flagging, not for diagnosis.
 */
static const struct vital_info vitals[VITAL__COUNT] = {
	{ "heart_rate", "8867-4", "/min", 50, 120 },
	{ "spo2", "59408-5", "%", 90, 100 },
	{ "systolic", "8480-6", "mm[Hg]", 90, 160 },
	{ "diastolic", "8462-4", "mm[Hg]", 50, 100 },
	{ "temperature", "8310-5", "Cel", 35.0, 38.5 },
	{ "resp_rate", "9279-1", "/min", 8, 25 },
};

const struct vital_info *
vital_info(int vital)
{
	return vital >= 0 && vital < VITAL__COUNT ? &vitals[vital] : NULL;
}

int
readings_valid_id(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n >= READINGS_ID_LEN || !isalnum((unsigned char)id[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '.' &&
		    id[i] != '_' && id[i] != '-')
			return 0;
	return 1;
}

struct readings *
readings_new(void)
{
	return calloc(1, sizeof(struct readings));
}

void
readings_free(struct readings *r)
{
	if (r == NULL)
		return;
	/* Health data: nothing of it is left in freed memory. */
	memset(r, 0, sizeof(*r));
	__asm__ __volatile__("" : : "r"(r) : "memory");
	free(r);
}

/* The ring of patient, or -1. */
static int
find(const struct readings *r, const char *patient)
{
	int i;

	for (i = 0; i < READINGS_PATIENTS_MAX; i++)
		if (strcmp(r->rings[i].patient, patient) == 0)
			return i;
	return -1;
}

int
readings_add(struct readings *r, const char *patient,
    const struct reading *x)
{
	struct ring *g = NULL;
	size_t i;
	int at;

	if (!readings_valid_id(patient) || vital_info(x->vital) == NULL)
		return -1;
	if ((at = find(r, patient)) >= 0)
		g = &r->rings[at];
	for (i = 0; g == NULL && i < READINGS_PATIENTS_MAX; i++)
		if (r->rings[i].patient[0] == '\0') {
			g = &r->rings[i];
			memcpy(g->patient, patient, strlen(patient) + 1);
		}
	if (g == NULL)
		return -1;
	g->r[g->next] = *x;
	g->next = (g->next + 1) % READINGS_PER_PATIENT;
	if (g->count < READINGS_PER_PATIENT)
		g->count++;
	return 0;
}

int
readings_latest(const struct readings *r, const char *patient,
    struct reading *out, size_t max)
{
	const struct ring *g;
	size_t i, n;
	int at;

	if (patient[0] == '\0' || (at = find(r, patient)) < 0)
		return -1;
	g = &r->rings[at];
	n = g->count < max ? g->count : max;
	for (i = 0; i < n; i++)
		out[i] = g->r[(g->next + READINGS_PER_PATIENT - 1 - i) %
		    READINGS_PER_PATIENT];
	return (int)n;
}
