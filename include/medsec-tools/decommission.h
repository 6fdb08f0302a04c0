/*
 * medsec decommission: a device leaving service (MFDS 2025 rules: data
 * deletion at end of service, user notice).
 *
 * medsec_decommission() crypto-shreds the device's keystore (include/
 * medsec/decommission.h), wipes the other key and personal-data files of
 * the state directory (the audit trail's verifier key, the database of
 * accounts and sessions) and returns a signed deletion certificate:
 * what was destroyed, when, by whom, and the device's identity. The
 * signature is made with the device's identity key just before that key
 * is destroyed; it is verified off the device with the identity public
 * key recorded at provisioning (medsec_decommission_pubkey() prints it;
 * the certificate also carries it, but a certificate cannot vouch for
 * itself). The audit trail stays, sealed, for the manufacturer's
 * retention duty; its last record is the decommissioning.
 * docs/decommission.md describes the certificate format.
 *
 * Part of libmedsec-tools (pkg-config medsec-tools).
 */
#ifndef MEDSEC_TOOLS_DECOMMISSION_H
#define MEDSEC_TOOLS_DECOMMISSION_H

#include "medsec/base.h"
#include "medsec/err.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_DELETION_CERT_MAX 65536 /* largest certificate read */
#define MEDSEC_DELETION_PUBKEY_MAX 512 /* a public key file's text */

struct medsec_decommission_options {
	const char *state_dir;	 /* required */
	const char *config_path; /* NULL: the configuration in force */
	const char *confirm;	 /* must equal the device's id */
	const char *actor;	 /* who, for the certificate and the trail */
	const char *reason;	 /* why, or NULL */
	const char *now;	 /* RFC 3339 UTC */
};

struct medsec_decommission_result {
	char device_id[64];
	char pubkey[MEDSEC_DELETION_PUBKEY_MAX]; /* the identity public key */
	char time[32];				 /* when (opts->now) */
	size_t keys;				 /* keys destroyed */
	size_t files;				 /* other files wiped */
	/* [incident] of the configuration, for the user notice */
	char contact[256], phone[64], email[128];
	char *certificate; /* JSON, malloc'd: medsec_decommission_free() */
};

/*
 * Decommissions the device in opts->state_dir. Refused, with nothing
 * changed: MEDSEC_ERR_DENIED when opts->confirm is not the device's id
 * (the refusal is audited); the device's own errors when it cannot be
 * opened. Otherwise, in this order: a KEY_DESTROYED record is appended
 * to the audit trail (the last one: its MAC key is about to go), the
 * certificate is signed with the identity key, the trail is sealed and
 * closed, the keystore shredded, and the verifier key and database
 * files overwritten and removed. res->certificate is set only when all
 * of it succeeded. err (errlen bytes) names the step that failed.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_decommission(const struct medsec_decommission_options *opts,
    struct medsec_decommission_result *res, char *err, size_t errlen);

MEDSEC_API
void medsec_decommission_free(struct medsec_decommission_result *res);

/*
 * The device's identity public key as a medsec public key file (the
 * format of `medsec keygen`, docs/formats/signing-keys.md; its name is
 * "<device id>-identity"), to be recorded off the device while it is in
 * service. Opens the device read-only.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_decommission_pubkey(const char *state_dir, char *out,
    size_t outlen, char *err, size_t errlen);

/* What a verified certificate says. */
struct medsec_deletion_summary {
	char device_id[64];
	char time[32];
	char performed_by[128];
	char key_id[20]; /* the signing identity key's id */
	size_t keys, files;
};

/*
 * Verifies a deletion certificate (untrusted text, at most
 * MEDSEC_DELETION_CERT_MAX bytes) against an identity public key file's
 * text (untrusted too), as medsec_decommission_pubkey() gives it. MEDSEC_ERR_FORMAT for a
 * malformed certificate or key text (err names the field),
 * MEDSEC_ERR_KEY_MISMATCH when the certificate names another key,
 * MEDSEC_ERR_AUTH when the signature does not verify (an edited
 * certificate). *sum (may be NULL) is filled on success only.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_deletion_certificate_verify(const char *cert, size_t len,
    const char *pubkey, struct medsec_deletion_summary *sum,
    struct medsec_config_error *err);

/*
 * The notice for the device's users (lang "ko" or "en"): that the device
 * is out of service, that the data it stored can no longer be read,
 * when, the certificate's file name, and whom to ask (res's [incident]
 * contact, when configured). *textp is malloc'd; the caller frees it.
 * MEDSEC_ERR_INVALID for another language.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_decommission_notice(const struct medsec_decommission_result *res,
    const char *lang, const char *certificate_name, char **textp);

#ifdef __cplusplus
}
#endif
#endif
