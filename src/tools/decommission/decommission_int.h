/*
 * Decommissioning internals, shared by the files of src/tools/decommission:
 *   decommission.c  the procedure: audit, seal, sign, shred, wipe
 *   certificate.c   the deletion certificate: build, sign input, verify
 *   notice.c        the user notice, Korean and English
 */
#ifndef MEDSEC_DECOMMISSION_INT_H
#define MEDSEC_DECOMMISSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"
#include "medsec/keystore.h"
#include "medsec-tools/decommission.h"

/* Signed bytes: this prefix, then the certificate object's canonical
 * (compact, keys sorted) JSON, so no other medsec signature can pass
 * for a certificate's. */
#define CERT_DOMAIN "medsec deletion certificate v1\n"
#define CERT_FORMAT "medsec-deletion-certificate/1"
#define CERT_FILES_MAX 8

struct cert_facts {
	const char *device_id, *site_id, *actor, *reason, *time;
	int alg; /* the identity key's */
	const uint8_t *pk;
	size_t pklen;
	const char *key_id;
	const struct medsec_key_info *keys;
	size_t nkeys;
	const char *files[CERT_FILES_MAX];
	size_t nfiles;
	uint64_t audit_seq;
};

/* The certificate object as canonical JSON (*bodyp malloc'd). */
int cert_body(const struct cert_facts *f, char **bodyp);
/* The signed input: CERT_DOMAIN || body (*msgp malloc'd). */
int cert_message(const char *body, uint8_t **msgp, size_t *lenp);
/* The whole certificate: body and signature, indented (*docp malloc'd). */
int cert_document(const char *body, int alg, const char *key_id,
    const uint8_t sig[MEDSEC_SIGN_LEN], char **docp);
/* A public key file's text (signkey.h) of the device's identity key. */
int cert_pubkey_text(const char *device_id, int alg, const uint8_t *pk,
    size_t pklen, char *out, size_t outlen);

#endif
