/*
 * The deletion certificate (docs/decommission.md): a JSON object of what
 * was destroyed, when, by whom and on which device, signed with the
 * device's identity key. The signature covers CERT_DOMAIN and the
 * object's canonical form (compact, keys sorted), which a verifier
 * recomputes from the parsed object: whitespace and member order of the
 * file do not matter, every value does.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/signkey.h"
#include "decommission_int.h"

static const char *
alg_name(int alg)
{
	const struct medsec_alg_info *a = medsec_crypto_alg_by_id(alg);

	return a != NULL ? a->name : "unknown";
}

static int
b64(const void *in, size_t len, char *out, size_t outlen)
{
	return medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, in, len, out,
	    outlen);
}

/* A key name of the public key file format: [A-Za-z0-9._-]{1,63}. */
static void
key_name(const char *device_id, char *out, size_t len)
{
	size_t n = strlen(device_id);
	int ok = n > 0 && n + sizeof("-identity") <= len;

	for (size_t i = 0; ok && i < n; i++) {
		char c = device_id[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
	}
	snprintf(out, len, "%s-identity", ok ? device_id : "device");
}

int
cert_pubkey_text(const char *device_id, int alg, const uint8_t *pk,
    size_t pklen, char *out, size_t outlen)
{
	struct medsec_pubkey k;
	int r;

	memset(&k, 0, sizeof(k));
	if (pklen > sizeof(k.pk))
		return MEDSEC_ERR_INVALID;
	k.alg = alg;
	memcpy(k.pk, pk, pklen);
	k.pklen = pklen;
	key_name(device_id, k.name, sizeof(k.name));
	if ((r = medsec_key_id(alg, pk, pklen, k.key_id)) != MEDSEC_OK)
		return r;
	return medsec_pubkey_format(&k, out, outlen);
}

static json_t *
key_list(const struct cert_facts *f)
{
	json_t *a = json_array();

	for (size_t i = 0; i < f->nkeys; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:s}",
		    "name", f->keys[i].name, "alg", alg_name(f->keys[i].alg),
		    "key_id", f->keys[i].key_id, "generation",
		    (json_int_t)f->keys[i].generation, "state",
		    f->keys[i].state == MEDSEC_KEY_ACTIVE ? "active" :
		    "verify-only"));
	return a;
}

static json_t *
file_list(const struct cert_facts *f)
{
	json_t *a = json_array();

	for (size_t i = 0; i < f->nfiles; i++)
		json_array_append_new(a, json_string(f->files[i]));
	return a;
}

int
cert_body(const struct cert_facts *f, char **bodyp)
{
	char pk[2 * MEDSEC_SIGN_PUBLIC_MAX + 1];
	json_t *o;

	*bodyp = NULL;
	if (f->pklen > MEDSEC_SIGN_PUBLIC_MAX)
		return MEDSEC_ERR_INVALID;
	/* Hex, as the public key file writes it. */
	medsec_hex(f->pk, f->pklen, pk);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, "
	    "s:o, s:o, s:s, s:{s:I}}", "format", CERT_FORMAT, "device_id",
	    f->device_id, "site_id", f->site_id, "performed_by", f->actor,
	    "reason", f->reason, "time", f->time, "identity_key", "alg",
	    alg_name(f->alg), "key_id", f->key_id, "public_key", pk,
	    "destroyed_keys", key_list(f), "wiped_files", file_list(f),
	    "method", "crypto-shredding: each sealed key file, then the "
	    "master key file, overwritten with zeros in place, synced and "
	    "removed; data sealed under these keys can no longer be "
	    "decrypted. Listed files overwritten with zeros, synced and "
	    "removed.", "audit", "last_record_seq",
	    (json_int_t)f->audit_seq);
	if (o == NULL)
		return MEDSEC_ERR_NOMEM;
	*bodyp = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return *bodyp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
}

int
cert_message(const char *body, uint8_t **msgp, size_t *lenp)
{
	size_t dlen = strlen(CERT_DOMAIN), blen = strlen(body);

	if ((*msgp = malloc(dlen + blen)) == NULL)
		return MEDSEC_ERR_NOMEM;
	memcpy(*msgp, CERT_DOMAIN, dlen);
	memcpy(*msgp + dlen, body, blen);
	*lenp = dlen + blen;
	return MEDSEC_OK;
}

int
cert_document(const char *body, int alg, const char *key_id,
    const uint8_t sig[MEDSEC_SIGN_LEN], char **docp)
{
	char enc[MEDSEC_BASE64_LEN(MEDSEC_SIGN_LEN)];
	json_t *cert, *doc;
	int r;

	*docp = NULL;
	if ((r = b64(sig, MEDSEC_SIGN_LEN, enc, sizeof(enc))) != MEDSEC_OK)
		return r;
	if ((cert = json_loads(body, 0, NULL)) == NULL)
		return MEDSEC_ERR_INTERNAL;
	doc = json_pack("{s:o, s:{s:s, s:s, s:s}}", "certificate", cert,
	    "signature", "alg", alg_name(alg), "key_id", key_id, "value",
	    enc);
	if (doc == NULL)
		return MEDSEC_ERR_NOMEM;
	*docp = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	return *docp != NULL ? MEDSEC_OK : MEDSEC_ERR_NOMEM;
}

/* ---- verification (untrusted input) ---- */

static int
bad(struct medsec_config_error *err, const char *key, const char *why)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		snprintf(err->key, sizeof(err->key), "%s", key);
		snprintf(err->message, sizeof(err->message), "%s", why);
	}
	return MEDSEC_ERR_FORMAT;
}

/* The recorded key, in the public key file format (signkey.h). */
static int
parse_pubkey(const char *text, struct medsec_pubkey *k,
    struct medsec_config_error *err)
{
	if (medsec_pubkey_parse(text, strlen(text), k) != MEDSEC_OK)
		return bad(err, "pubkey", "not a medsec public key file "
		    "(docs/formats/signing-keys.md)");
	return MEDSEC_OK;
}

static int
get_str(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static void
summarise(json_t *cert, const char *key_id, struct medsec_deletion_summary *s)
{
	const char *v;

	memset(s, 0, sizeof(*s));
	if (get_str(cert, "device_id", &v) == 0)
		snprintf(s->device_id, sizeof(s->device_id), "%s", v);
	if (get_str(cert, "time", &v) == 0)
		snprintf(s->time, sizeof(s->time), "%s", v);
	if (get_str(cert, "performed_by", &v) == 0)
		snprintf(s->performed_by, sizeof(s->performed_by), "%s", v);
	snprintf(s->key_id, sizeof(s->key_id), "%s", key_id);
	s->keys = json_array_size(json_object_get(cert, "destroyed_keys"));
	s->files = json_array_size(json_object_get(cert, "wiped_files"));
}

/* The certificate's own claims about its key, against the given key. */
static int
check_claims(json_t *cert, json_t *sig, const struct medsec_pubkey *k,
    uint8_t sigbytes[MEDSEC_SIGN_LEN], struct medsec_config_error *err)
{
	const char *format, *alg, *kid, *value, *ckid;
	json_t *ident = json_object_get(cert, "identity_key");

	if (get_str(cert, "format", &format) != 0 ||
	    strcmp(format, CERT_FORMAT) != 0)
		return bad(err, "certificate.format", "not " CERT_FORMAT);
	if (get_str(sig, "alg", &alg) != 0 || get_str(sig, "key_id", &kid) !=
	    0 || get_str(sig, "value", &value) != 0)
		return bad(err, "signature", "needs alg, key_id and value");
	if (!json_is_object(ident) || get_str(ident, "key_id", &ckid) != 0)
		return bad(err, "certificate.identity_key", "needs key_id");
	if (medsec_base64_decode(MEDSEC_BASE64_NO_PADDING, value,
	    strlen(value), sigbytes, MEDSEC_SIGN_LEN) != MEDSEC_OK)
		return bad(err, "signature.value", "not base64 of a signature");
	if (strcmp(kid, k->key_id) != 0 || strcmp(ckid, k->key_id) != 0 ||
	    strcmp(alg, alg_name(k->alg)) != 0) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			snprintf(err->key, sizeof(err->key), "signature.key_id");
			snprintf(err->message, sizeof(err->message), "signed by "
			    "key %.20s (%.32s), not by the given key %s", kid,
			    alg, k->key_id);
		}
		return MEDSEC_ERR_KEY_MISMATCH;
	}
	return MEDSEC_OK;
}

static int
verify_signature(json_t *cert, const struct medsec_pubkey *k,
    const uint8_t sig[MEDSEC_SIGN_LEN], struct medsec_config_error *err)
{
	uint8_t *msg = NULL;
	size_t len;
	char *body;
	int r;

	if ((body = json_dumps(cert, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return MEDSEC_ERR_NOMEM;
	r = cert_message(body, &msg, &len);
	free(body);
	if (r != MEDSEC_OK)
		return r;
	r = medsec_pubkey_verify(k, msg, len, sig);
	free(msg);
	if (r != MEDSEC_OK) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			snprintf(err->key, sizeof(err->key), "signature");
			snprintf(err->message, sizeof(err->message), "does not "
			    "verify: the certificate was altered or not signed "
			    "by this key");
		}
		return MEDSEC_ERR_AUTH;
	}
	return MEDSEC_OK;
}

int
medsec_deletion_certificate_verify(const char *text, size_t len,
    const char *pubkey, struct medsec_deletion_summary *sum,
    struct medsec_config_error *err)
{
	uint8_t sig[MEDSEC_SIGN_LEN];
	struct medsec_pubkey k;
	json_error_t jerr;
	json_t *doc, *cert, *s;
	int r;

	if (text == NULL || pubkey == NULL)
		return MEDSEC_ERR_INVALID;
	if (len > MEDSEC_DELETION_CERT_MAX)
		return bad(err, "certificate", "larger than 64 KiB");
	if ((r = parse_pubkey(pubkey, &k, err)) != MEDSEC_OK)
		return r;
	/* Duplicate members would let two readers see two certificates. */
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return bad(err, "certificate", jerr.text);
	cert = json_object_get(doc, "certificate");
	s = json_object_get(doc, "signature");
	if (!json_is_object(cert) || !json_is_object(s) ||
	    json_object_size(doc) != 2)
		r = bad(err, "certificate", "needs exactly the members "
		    "certificate and signature");
	else if ((r = check_claims(cert, s, &k, sig, err)) == MEDSEC_OK &&
	    (r = verify_signature(cert, &k, sig, err)) == MEDSEC_OK &&
	    sum != NULL)
		summarise(cert, k.key_id, sum);
	json_decref(doc);
	medsec_wipe(sig, sizeof(sig));
	return r;
}
