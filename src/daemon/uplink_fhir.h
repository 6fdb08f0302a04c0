/*
 * Readings as a FHIR R4 transaction Bundle of vital-signs Observations
 * (MFDS 1.16; the profile's rules in docs/uplink.md): category
 * vital-signs, the LOINC code and UCUM unit of the vital, the patient as
 * subject, the device, the time of measurement, and an identifier that
 * names the reading for good (device, patient, the source's sequence
 * number). Each entry is a conditional create (ifNoneExist on that
 * identifier), so a Bundle sent twice creates nothing the second time.
 */
#ifndef MEDSECD_UPLINK_FHIR_H
#define MEDSECD_UPLINK_FHIR_H

#include <stddef.h>

#include "uplink_frame.h"

/* The identifier system of the Observations the gateway creates. */
#define UPLINK_FHIR_ID_SYSTEM "urn:medsec:reading"

/*
 * The Bundle of the n readings (1..) of device_id as compact JSON in a
 * new NUL-terminated buffer *textp of *lenp bytes (free with
 * uplink_fhir_free). MEDSEC_OK; MEDSEC_ERR_INVALID for an unknown vital,
 * an invalid patient id or an empty batch; MEDSEC_ERR_NOMEM.
 */
int uplink_fhir_bundle(const char *device_id, const struct source_reading *r,
    size_t n, char **textp, size_t *lenp);

/* Wipes (health data) and frees. */
void uplink_fhir_free(char *text, size_t len);

/* "<device>/<patient>/<seq>": the identifier value of a reading. */
int uplink_fhir_identifier(const char *device_id,
    const struct source_reading *r, char *out, size_t outlen);

#endif
