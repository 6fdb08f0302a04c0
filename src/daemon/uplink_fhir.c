/*
 * The FHIR R4 Bundle builder (uplink_fhir.h). JSON is the format itself
 * here: jansson builds it.
 */
#include "uplink_fhir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

#define CATEGORY_SYSTEM \
	"http://terminology.hl7.org/CodeSystem/observation-category"
#define LOINC "http://loinc.org"
#define UCUM "http://unitsofmeasure.org"
#define PROFILE "http://hl7.org/fhir/StructureDefinition/"
#define DEVICE_ID_SYSTEM "urn:medsec:device"

/*
 * The vital-signs profile's codes (FHIR R4 vitalsigns and its children).
 * Oxygen saturation carries 2708-6, which the profile requires, and the
 * pulse-oximetry code 59408-5 the bedside monitor measures. Systolic and
 * diastolic pressure travel as separate vital-signs Observations: the
 * bp profile's panel (85354-9) needs both in one, which a stream of
 * single readings does not give.
 */
static const struct {
	const char *profile;
	const char *loinc, *display;
	const char *loinc2, *display2;
	const char *unit_shown;
} profile[VITAL__COUNT] = {
	[VITAL_HEART_RATE] = { "heartrate", "8867-4", "Heart rate", NULL, NULL,
	    "beats/minute" },
	[VITAL_SPO2] = { "oxygensat", "2708-6",
	    "Oxygen saturation in Arterial blood", "59408-5",
	    "Oxygen saturation in Arterial blood by Pulse oximetry", "%" },
	[VITAL_SYSTOLIC] = { "vitalsigns", "8480-6", "Systolic blood pressure",
	    NULL, NULL, "mmHg" },
	[VITAL_DIASTOLIC] = { "vitalsigns", "8462-4",
	    "Diastolic blood pressure", NULL, NULL, "mmHg" },
	[VITAL_TEMPERATURE] = { "bodytemp", "8310-5", "Body temperature",
	    NULL, NULL, "C" },
	[VITAL_RESP_RATE] = { "resprate", "9279-1", "Respiratory rate", NULL,
	    NULL, "breaths/minute" },
};

int
uplink_fhir_identifier(const char *device_id, const struct source_reading *r,
    char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s/%llu", device_id, r->patient,
	    (unsigned long long)r->seq);

	return n > 0 && (size_t)n < outlen ? MEDSEC_OK : MEDSEC_ERR_INVALID;
}

/* Query text: what is not unreserved (RFC 3986) is percent-encoded. */
static void
query_escape(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	unsigned char c;

	for (; *in != '\0' && o + 4 < outlen; in++) {
		c = (unsigned char)*in;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || c == '/' || c == ':') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
}

static json_t *
code_of(int vital)
{
	json_t *coding = json_array();

	json_array_append_new(coding, json_pack("{s:s, s:s, s:s}", "system",
	    LOINC, "code", profile[vital].loinc, "display",
	    profile[vital].display));
	if (profile[vital].loinc2 != NULL)
		json_array_append_new(coding, json_pack("{s:s, s:s, s:s}",
		    "system", LOINC, "code", profile[vital].loinc2, "display",
		    profile[vital].display2));
	return json_pack("{s:o, s:s}", "coding", coding, "text",
	    profile[vital].display);
}

/* Whole numbers as integers: the value travels as the source sent it. */
static json_t *
value_of(double v)
{
	if (v == floor(v) && fabs(v) < 1e9)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *
observation_of(const char *device_id, const char *identifier,
    const struct source_reading *r)
{
	const struct vital_info *vi = vital_info(r->r.vital);
	char when[MEDSEC_RFC3339_LEN], subject[16 + READINGS_ID_LEN];

	if (medsec_time_format_digits(r->r.time_us, 3, when, sizeof(when)) !=
	    MEDSEC_OK)
		return NULL;
	snprintf(subject, sizeof(subject), "Patient/%s", r->patient);
	return json_pack("{s:s, s:{s:[s]}, s:[{s:s, s:s}], s:s, "
	    "s:[{s:[{s:s, s:s, s:s}]}], s:o, s:{s:s}, s:s, "
	    "s:{s:{s:s, s:s}}, s:{s:o, s:s, s:s, s:s}}",
	    "resourceType", "Observation",
	    "meta", "profile", PROFILE "vitalsigns",
	    "identifier", "system", UPLINK_FHIR_ID_SYSTEM, "value", identifier,
	    "status", "final",
	    "category", "coding", "system", CATEGORY_SYSTEM, "code",
	    "vital-signs", "display", "Vital Signs",
	    "code", code_of(r->r.vital),
	    "subject", "reference", subject,
	    "effectiveDateTime", when,
	    "device", "identifier", "system", DEVICE_ID_SYSTEM, "value",
	    device_id,
	    "valueQuantity", "value", value_of(r->r.value), "unit",
	    profile[r->r.vital].unit_shown, "system", UCUM, "code", vi->unit);
}

/* The specific profile beside the generic one, where there is one. */
static void
add_specific_profile(json_t *obs, int vital)
{
	json_t *profiles = json_object_get(json_object_get(obs, "meta"),
	    "profile");

	if (strcmp(profile[vital].profile, "vitalsigns") != 0)
		json_array_append_new(profiles, json_sprintf("%s%s", PROFILE,
		    profile[vital].profile));
}

static json_t *
entry_of(const char *device_id, const struct source_reading *r)
{
	char identifier[192], escaped[3 * 192 + 64], cond[3 * 192 + 128];
	json_t *obs;

	if (uplink_fhir_identifier(device_id, r, identifier,
	    sizeof(identifier)) != MEDSEC_OK)
		return NULL;
	if ((obs = observation_of(device_id, identifier, r)) == NULL)
		return NULL;
	add_specific_profile(obs, r->r.vital);
	query_escape(identifier, escaped, sizeof(escaped));
	snprintf(cond, sizeof(cond), "identifier=%s|%s",
	    UPLINK_FHIR_ID_SYSTEM, escaped);
	return json_pack("{s:o, s:{s:s, s:s, s:s}}", "resource", obs,
	    "request", "method", "POST", "url", "Observation", "ifNoneExist",
	    cond);
}

static int
valid_reading(const struct source_reading *r)
{
	return vital_info(r->r.vital) != NULL &&
	    readings_valid_id(r->patient) && isfinite(r->r.value);
}

int
uplink_fhir_bundle(const char *device_id, const struct source_reading *r,
    size_t n, char **textp, size_t *lenp)
{
	json_t *bundle = NULL, *entries, *e;
	size_t i;
	int rc = MEDSEC_ERR_NOMEM;

	*textp = NULL;
	*lenp = 0;
	if (n == 0 || device_id[0] == '\0')
		return MEDSEC_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (!valid_reading(&r[i]))
			return MEDSEC_ERR_INVALID;
	if ((bundle = json_pack("{s:s, s:s, s:[]}", "resourceType", "Bundle",
	    "type", "transaction", "entry")) == NULL)
		goto out;
	entries = json_object_get(bundle, "entry");
	for (i = 0; i < n; i++) {
		if ((e = entry_of(device_id, &r[i])) == NULL ||
		    json_array_append_new(entries, e) != 0)
			goto out;
	}
	if ((*textp = json_dumps(bundle, JSON_COMPACT |
	    JSON_REAL_PRECISION(12))) == NULL)
		goto out;
	*lenp = strlen(*textp);
	rc = MEDSEC_OK;
out:
	json_decref(bundle);
	return rc;
}

void
uplink_fhir_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	medsec_wipe(text, len);
	free(text);
}
