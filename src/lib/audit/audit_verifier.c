/*
 * The verifier key file: the audit trail's initial MAC key and the
 * device identity public key, exported once at provisioning for the
 * operator to keep off the device. A small line format:
 *
 *   medsec-audit-verifier v1
 *   device <id>
 *   mac-alg hmac-sha256
 *   mac-key-id <16 hex>
 *   mac-key <64 hex>
 *   identity-alg <ed25519 | ecdsa-p256-sha256>
 *   identity-key-id <16 hex>
 *   identity-key <hex>
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "io/io.h"

#define VERIFIER_FILE_MAX 2048

static int
take_hex(const char *value, uint8_t *out, size_t max, size_t *lenp)
{
	size_t n = strlen(value);

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return MEDSEC_ERR_FORMAT;
	*lenp = n / 2;
	return medsec_unhex(value, out, n / 2);
}

static int
take_line(struct medsec_audit_verifier *v, const char *key,
    const char *value, unsigned *seen)
{
	const struct medsec_alg_info *alg;

	if (strcmp(key, "device") == 0 && strlen(value) < sizeof(v->device_id)) {
		memcpy(v->device_id, value, strlen(value) + 1);
		*seen |= 1;
	} else if (strcmp(key, "mac-alg") == 0 &&
	    strcmp(value, "hmac-sha256") == 0) {
		v->mac_alg = MEDSEC_ALG_HMAC_SHA256;
		*seen |= 2;
	} else if (strcmp(key, "mac-key-id") == 0 && strlen(value) == 16) {
		memcpy(v->mac_key_id, value, MEDSEC_KEY_ID_LEN);
		*seen |= 4;
	} else if (strcmp(key, "mac-key") == 0) {
		*seen |= 8;
		return take_hex(value, v->mac_key, sizeof(v->mac_key),
		    &v->mac_key_len);
	} else if (strcmp(key, "identity-alg") == 0 &&
	    (alg = medsec_crypto_alg_by_name(value)) != NULL &&
	    alg->kind == MEDSEC_KIND_SIGN) {
		v->public_key_alg = alg->id;
		*seen |= 16;
	} else if (strcmp(key, "identity-key-id") == 0 && strlen(value) == 16) {
		memcpy(v->public_key_id, value, MEDSEC_KEY_ID_LEN);
		*seen |= 32;
	} else if (strcmp(key, "identity-key") == 0) {
		*seen |= 64;
		return take_hex(value, v->public_key, sizeof(v->public_key),
		    &v->public_key_len);
	} else {
		return MEDSEC_ERR_FORMAT;
	}
	return MEDSEC_OK;
}

static int
parse(char *text, struct medsec_audit_verifier *v)
{
	char *line = text, *next, *sp;
	unsigned seen = 0;
	int r;

	next = strchr(line, '\n');
	if (next == NULL)
		return MEDSEC_ERR_FORMAT;
	*next = '\0';
	if (strcmp(line, AUDIT_VERIFIER_HEADER) != 0)
		return MEDSEC_ERR_FORMAT;
	for (line = next + 1; *line != '\0'; line = next + 1) {
		if ((next = strchr(line, '\n')) == NULL)
			return MEDSEC_ERR_FORMAT;
		*next = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			return MEDSEC_ERR_FORMAT;
		*sp = '\0';
		if ((r = take_line(v, line, sp + 1, &seen)) != MEDSEC_OK)
			return r;
	}
	return seen == 127 ? MEDSEC_OK : MEDSEC_ERR_FORMAT;
}

/* The stored identifiers must match the keys, or the file was edited. */
static int
check_ids(const struct medsec_audit_verifier *v)
{
	char id[MEDSEC_KEY_ID_LEN];

	if (v->mac_key_len != AUDIT_MAC_LEN ||
	    medsec_key_id(v->mac_alg, v->mac_key, v->mac_key_len, id) !=
		MEDSEC_OK ||
	    strcmp(id, v->mac_key_id) != 0)
		return MEDSEC_ERR_FORMAT;
	if (medsec_key_id(v->public_key_alg, v->public_key, v->public_key_len,
		id) != MEDSEC_OK ||
	    strcmp(id, v->public_key_id) != 0)
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

int
medsec_audit_read_verifier(const char *path, struct medsec_audit_verifier *v)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(v, 0, sizeof(*v));
	r = medsec_io_read_file(path, VERIFIER_FILE_MAX, MEDSEC_IO_PRIVATE,
	    &buf, &len);
	if (r != MEDSEC_OK)
		return r;
	if (strlen((char *)buf) != len)
		r = MEDSEC_ERR_FORMAT;
	else if ((r = parse((char *)buf, v)) == MEDSEC_OK)
		r = check_ids(v);
	if (r != MEDSEC_OK)
		medsec_wipe(v, sizeof(*v));
	medsec_wipe(buf, len);
	free(buf);
	return r;
}
