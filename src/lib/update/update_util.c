/*
 * Update package helpers: the fixed header, signature blocks, threshold
 * counting and payload file names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/le.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "update/update_int.h"

void
update_header_encode(const struct update_header *h,
    uint8_t out[MEDSEC_UPDATE_HEADER_LEN])
{
	memset(out, 0, MEDSEC_UPDATE_HEADER_LEN);
	memcpy(out, MEDSEC_UPDATE_MAGIC, 8);
	put_le32(out + 8, h->format);
	put_le32(out + 12, h->manifest_len);
	put_le32(out + 16, h->sigs_len);
}

int
update_header_decode(const uint8_t in[MEDSEC_UPDATE_HEADER_LEN],
    struct update_header *h, char *err, size_t errlen)
{
	if (memcmp(in, MEDSEC_UPDATE_MAGIC, 8) != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "not a medsec update package (bad magic)");
	h->format = get_le32(in + 8);
	h->manifest_len = get_le32(in + 12);
	h->sigs_len = get_le32(in + 16);
	if (h->format != MEDSEC_UPDATE_FORMAT)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "package format %u not supported (this software reads %d)",
		    h->format, MEDSEC_UPDATE_FORMAT);
	if (get_le32(in + 20) != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "reserved header field not zero");
	if (h->manifest_len == 0 || h->manifest_len > MEDSEC_UPDATE_MANIFEST_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "manifest of %u bytes (limit %u)", h->manifest_len,
		    MEDSEC_UPDATE_MANIFEST_MAX);
	if (h->sigs_len > MEDSEC_UPDATE_SIGS_MAX)
		return medsec_errf(err, errlen, MEDSEC_ERR_TOO_LARGE,
		    "signature block of %u bytes (limit %u)", h->sigs_len,
		    MEDSEC_UPDATE_SIGS_MAX);
	return MEDSEC_OK;
}

int
update_read_exact(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MEDSEC_ERR_IO;
		if (n == 0)
			return MEDSEC_ERR_FORMAT;
		p += n;
		len -= (size_t)n;
	}
	return MEDSEC_OK;
}

int
update_signed_message(const char *context, const void *data, size_t len,
    uint8_t *msg, size_t *msglen)
{
	size_t clen = strlen(context) + 1;
	int r;

	memcpy(msg, context, clen); /* with its NUL as the separator */
	if ((r = medsec_hash(MEDSEC_ALG_SHA256, data, len, msg + clen)) !=
	    MEDSEC_OK)
		return r;
	*msglen = clen + 32;
	return MEDSEC_OK;
}

int
update_sigs_parse(const char *json, size_t len, struct update_sig *sigs,
    size_t max, size_t *np, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *arr, *it;
	const char *id, *sig;
	size_t i;
	int r = MEDSEC_ERR_FORMAT;

	*np = 0;
	if (len == 0)
		return MEDSEC_OK;
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "signature block: %s", je.text);
	arr = json_object_get(root, "signatures");
	if (!json_is_object(root) || json_object_size(root) != 1 ||
	    !json_is_array(arr) || json_array_size(arr) > max) {
		r = medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
		    "signature block: expected {\"signatures\":[...]} with at "
		    "most %zu entries", max);
		goto out;
	}
	json_array_foreach(arr, i, it) {
		if (json_unpack(it, "{s:s, s:s !}", "keyid", &id, "sig", &sig)
		    != 0 || strlen(id) != MEDSEC_KEY_ID_LEN - 1 ||
		    strlen(sig) != 2 * MEDSEC_SIGN_LEN ||
		    medsec_unhex(sig, sigs[i].sig, MEDSEC_SIGN_LEN) !=
		    MEDSEC_OK) {
			r = medsec_errf(err, errlen, MEDSEC_ERR_FORMAT,
			    "signature %zu malformed", i + 1);
			goto out;
		}
		memcpy(sigs[i].key_id, id, MEDSEC_KEY_ID_LEN);
	}
	*np = json_array_size(arr);
	r = MEDSEC_OK;
out:
	json_decref(root);
	return r;
}

char *
update_sigs_encode(const struct update_sig *sigs, size_t n)
{
	char hex[2 * MEDSEC_SIGN_LEN + 1], *out = NULL;
	json_t *root = NULL, *arr;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		medsec_hex(sigs[i].sig, MEDSEC_SIGN_LEN, hex);
		if (json_array_append_new(arr, json_pack("{s:s, s:s}", "keyid",
		    sigs[i].key_id, "sig", hex)) != 0)
			goto out;
	}
	if ((root = json_pack("{s:o}", "signatures", arr)) == NULL)
		return NULL;
	arr = NULL;
	out = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(arr);
	json_decref(root);
	return out;
}

static int
is_revoked(const char *id, const char (*revoked)[MEDSEC_KEY_ID_LEN],
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(id, revoked[i]) == 0)
			return 1;
	return 0;
}

unsigned
update_count_valid(const struct medsec_pubkey *keys, size_t nkeys,
    const char (*revoked)[MEDSEC_KEY_ID_LEN], size_t nrevoked,
    const struct update_sig *sigs, size_t nsigs, const uint8_t *msg,
    size_t msglen)
{
	int counted[MEDSEC_UPDATE_KEYS_MAX] = { 0 };
	unsigned valid = 0;
	size_t i, k;

	for (i = 0; i < nsigs; i++) {
		if (is_revoked(sigs[i].key_id, revoked, nrevoked))
			continue;
		for (k = 0; k < nkeys && k < MEDSEC_UPDATE_KEYS_MAX; k++) {
			/* Distinct keys: one key signing twice counts once. */
			if (counted[k] ||
			    strcmp(keys[k].key_id, sigs[i].key_id) != 0)
				continue;
			if (medsec_pubkey_verify(&keys[k], msg, msglen,
			    sigs[i].sig) == MEDSEC_OK) {
				counted[k] = 1;
				valid++;
			}
			break;
		}
	}
	return valid;
}

json_t *
update_pubkey_json(const struct medsec_pubkey *pk)
{
	char hex[2 * MEDSEC_SIGN_PUBLIC_MAX + 1];
	const struct medsec_alg_info *info = medsec_crypto_alg_by_id(pk->alg);

	if (info == NULL)
		return NULL;
	medsec_hex(pk->pk, pk->pklen, hex);
	return json_pack("{s:s, s:s, s:s, s:s}", "name", pk->name, "alg",
	    info->name, "keyid", pk->key_id, "public", hex);
}

int
update_pubkey_from_json(json_t *o, struct medsec_pubkey *pk)
{
	const char *name, *alg, *id, *pub;
	char text[512];
	int n;

	if (json_unpack(o, "{s:s, s:s, s:s, s:s !}", "name", &name, "alg",
	    &alg, "keyid", &id, "public", &pub) != 0)
		return MEDSEC_ERR_FORMAT;
	/* One parser for keys: the public key file's. */
	n = snprintf(text, sizeof(text), "medsec-public-key 1\nname: %s\n"
	    "alg: %s\nkey-id: %s\npublic: %s\n", name, alg, id, pub);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MEDSEC_ERR_FORMAT;
	return medsec_pubkey_parse(text, (size_t)n, pk);
}

/*
 * A payload name: relative, components of [A-Za-z0-9._+-], no empty, "."
 * or ".." component, at most MEDSEC_UPDATE_NAME_MAX bytes.
 */
int
update_valid_name(const char *name)
{
	size_t n, i, comp = 0;

	if (name == NULL || (n = strnlen(name, MEDSEC_UPDATE_NAME_MAX + 1)) ==
	    0 || n > MEDSEC_UPDATE_NAME_MAX || name[0] == '/')
		return 0;
	for (i = 0; i <= n; i++) {
		char c = name[i];

		if (c == '/' || c == '\0') {
			if (comp == 0 || (comp == 1 && name[i - 1] == '.') ||
			    (comp == 2 && name[i - 1] == '.' &&
			    name[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '+'))
			return 0;
		comp++;
	}
	return 1;
}
