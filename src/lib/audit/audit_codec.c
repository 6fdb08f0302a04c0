/*
 * Encoding and decoding of the audit trail's on-disk format: segment
 * headers, records, checkpoints and the anchor. See
 * docs/formats/audit-log.md for the byte layout.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "medsec/err.h"
#include "audit_int.h"
#include "io/io.h"

void
audit_seg_header_encode(const struct audit_seg_header *h,
    uint8_t out[AUDIT_SEG_HEADER_LEN])
{
	memset(out, 0, AUDIT_SEG_HEADER_LEN);
	memcpy(out, AUDIT_SEG_MAGIC, 8);
	put_le16(out + 8, h->version);
	put_le16(out + 10, h->hash_alg);
	put_le16(out + 12, h->mac_alg);
	put_le16(out + 14, h->sign_alg);
	put_le64(out + 16, h->segno);
	put_le64(out + 24, h->first_seq);
	put_le64(out + 32, h->epoch);
	memcpy(out + 40, h->prev_chain, AUDIT_CHAIN_LEN);
	memcpy(out + 72, h->identity_key_id, 16);
	memcpy(out + 88, h->mac_key_id, 16);
	put_le64(out + 104, (uint64_t)h->created_us);
}

static int
is_hex16(const uint8_t *p)
{
	for (int i = 0; i < 16; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

int
audit_seg_header_decode(const uint8_t in[AUDIT_SEG_HEADER_LEN],
    struct audit_seg_header *h)
{
	if (memcmp(in, AUDIT_SEG_MAGIC, 8) != 0)
		return MEDSEC_ERR_FORMAT;
	h->version = get_le16(in + 8);
	h->hash_alg = get_le16(in + 10);
	h->mac_alg = get_le16(in + 12);
	h->sign_alg = get_le16(in + 14);
	h->segno = get_le64(in + 16);
	h->first_seq = get_le64(in + 24);
	h->epoch = get_le64(in + 32);
	memcpy(h->prev_chain, in + 40, AUDIT_CHAIN_LEN);
	if (!is_hex16(in + 72) || !is_hex16(in + 88))
		return MEDSEC_ERR_FORMAT;
	memcpy(h->identity_key_id, in + 72, 16);
	h->identity_key_id[16] = '\0';
	memcpy(h->mac_key_id, in + 88, 16);
	h->mac_key_id[16] = '\0';
	h->created_us = (int64_t)get_le64(in + 104);
	for (int i = 112; i < AUDIT_SEG_HEADER_LEN; i++)
		if (in[i] != 0)
			return MEDSEC_ERR_FORMAT;
	/* Only the algorithms this version writes are accepted. */
	if (h->version != AUDIT_FORMAT_VERSION ||
	    h->hash_alg != MEDSEC_ALG_SHA256 ||
	    h->mac_alg != MEDSEC_ALG_HMAC_SHA256 ||
	    (h->sign_alg != MEDSEC_ALG_ED25519 &&
		h->sign_alg != MEDSEC_ALG_ECDSA_P256_SHA256) ||
	    h->segno == 0 || h->segno > AUDIT_MAX_SEGMENTS || h->first_seq == 0)
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

int
audit_seg_name(char *out, size_t outlen, uint64_t segno)
{
	int n = snprintf(out, outlen, AUDIT_SEG_PREFIX "%016llu" AUDIT_SEG_SUFFIX,
	    (unsigned long long)segno);

	return n > 0 && (size_t)n < outlen ? MEDSEC_OK : MEDSEC_ERR_TOO_LARGE;
}

uint64_t
audit_seg_parse_name(const char *name)
{
	uint64_t v = 0;

	if (strlen(name) != 4 + 16 + 4 || strncmp(name, AUDIT_SEG_PREFIX, 4) != 0 ||
	    strcmp(name + 20, AUDIT_SEG_SUFFIX) != 0)
		return 0;
	for (int i = 4; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	return v <= AUDIT_MAX_SEGMENTS ? v : 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
audit_seg_list(const char *dir, uint64_t **segsp, size_t *np)
{
	DIR *d;
	struct dirent *de;
	uint64_t *segs = NULL, *grown, segno;
	size_t n = 0, cap = 0;
	int r = MEDSEC_ERR_INTERNAL;

	*segsp = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL)
		return MEDSEC_ERR_NOT_FOUND;
	while ((de = readdir(d)) != NULL) {
		if ((segno = audit_seg_parse_name(de->d_name)) == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(segs, cap * sizeof(*segs))) == NULL) {
				r = MEDSEC_ERR_NOMEM;
				goto out;
			}
			segs = grown;
		}
		segs[n++] = segno;
	}
	qsort(segs, n, sizeof(*segs), cmp_u64);
	*segsp = segs;
	*np = n;
	segs = NULL;
	r = MEDSEC_OK;
out:
	free(segs);
	closedir(d);
	return r;
}

/* Strict UTF-8: no overlong forms, surrogates or code points > U+10FFFF. */
static int
valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = p[i] & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
check_field(const char *s)
{
	size_t len;

	if (s == NULL)
		return MEDSEC_OK;
	len = strlen(s);
	if (len > MEDSEC_AUDIT_FIELD_MAX || !valid_utf8(s, len))
		return MEDSEC_ERR_INVALID;
	return MEDSEC_OK;
}

/* Member names that would put a credential into the trail. */
int
audit_secret_name(const char *name)
{
	static const char *const parts[] = { "password", "passwd", "passphrase",
		"secret", "token", "private", "credential", "cookie" };
	static const char *const exact[] = { "key", "pin", "otp", "pass",
		"pwd", "apikey", "api_key", "session_key" };
	char lower[64];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(lower) - 1; i++)
		lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z'
			? name[i] + 32 : name[i]);
	lower[i] = '\0';
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(lower, parts[i]) != NULL)
			return 1;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(lower, exact[i]) == 0)
			return 1;
	return 0;
}

static int
details_clean(json_t *v, int depth)
{
	const char *name;
	json_t *child;
	size_t i;

	if (depth > 8)
		return MEDSEC_ERR_INVALID;
	if (json_is_object(v)) {
		json_object_foreach(v, name, child) {
			if (audit_secret_name(name) ||
			    details_clean(child, depth + 1) != MEDSEC_OK)
				return MEDSEC_ERR_INVALID;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			if (details_clean(child, depth + 1) != MEDSEC_OK)
				return MEDSEC_ERR_INVALID;
		}
	}
	return MEDSEC_OK;
}

static int
details_canonical(const char *details, char **outp)
{
	json_t *root = NULL;
	char *text = NULL;
	int r = MEDSEC_ERR_INVALID;

	*outp = NULL;
	/* Most details are already canonical: no tree needed. */
	if ((r = audit_details_plain(details, outp)) != 0)
		return r == 1 ? MEDSEC_OK : r;
	r = MEDSEC_ERR_INVALID;
	if (details == NULL || details[0] == '\0')
		details = "{}";
	if (strlen(details) > MEDSEC_AUDIT_DETAILS_MAX * 2)
		return MEDSEC_ERR_TOO_LARGE;
	root = json_loads(details, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL || !json_is_object(root) ||
	    details_clean(root, 0) != MEDSEC_OK)
		goto out;
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if (strlen(text) > MEDSEC_AUDIT_DETAILS_MAX) {
		r = MEDSEC_ERR_TOO_LARGE;
		goto out;
	}
	*outp = text;
	text = NULL;
	r = MEDSEC_OK;
out:
	free(text);
	json_decref(root);
	return r;
}

int
audit_event_check(const struct medsec_audit_event_in *ev, char **detailsp)
{
	int r;

	*detailsp = NULL;
	/* Checkpoints carry signatures the verifier checks: only the writer
	 * itself makes them. */
	if (ev == NULL || medsec_audit_event_info(ev->event) == NULL ||
	    ev->event == MEDSEC_EV_AUDIT_CHECKPOINT ||
	    (ev->outcome != MEDSEC_AUDIT_SUCCESS &&
		ev->outcome != MEDSEC_AUDIT_FAILURE))
		return MEDSEC_ERR_INVALID;
	if ((r = check_field(ev->actor)) != MEDSEC_OK ||
	    (r = check_field(ev->source)) != MEDSEC_OK ||
	    (r = check_field(ev->object)) != MEDSEC_OK ||
	    (r = check_field(ev->reason)) != MEDSEC_OK)
		return r;
	return details_canonical(ev->details, detailsp);
}

static size_t
put_field(uint8_t *out, size_t off, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (len > 0)
		memcpy(out + off, s, len);
	return len;
}

size_t
audit_rec_encode_body(uint8_t *out, uint64_t seq, int64_t time_us,
    uint64_t epoch, uint16_t flags, const struct medsec_audit_event_in *ev,
    const char *details)
{
	const char *fields[5] = { ev->actor, ev->source, ev->object, ev->reason,
		details };
	size_t off = AUDIT_REC_FIXED_LEN;

	out[4] = AUDIT_REC_VERSION;
	out[5] = (uint8_t)ev->outcome;
	put_le16(out + 6, (uint16_t)ev->event);
	put_le64(out + 8, seq);
	put_le64(out + 16, (uint64_t)time_us);
	put_le64(out + 24, epoch);
	for (int i = 0; i < 5; i++) {
		size_t len = put_field(out, off, fields[i]);

		put_le16(out + 32 + 2 * i, (uint16_t)len);
		off += len;
	}
	put_le16(out + 42, flags);
	put_le32(out, (uint32_t)(off + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN));
	return off;
}

int
audit_rec_decode(const uint8_t *buf, size_t avail, struct audit_rec *rec)
{
	size_t off = AUDIT_REC_FIXED_LEN;
	static const uint16_t field_max[5] = { MEDSEC_AUDIT_FIELD_MAX,
		MEDSEC_AUDIT_FIELD_MAX, MEDSEC_AUDIT_FIELD_MAX,
		MEDSEC_AUDIT_FIELD_MAX, MEDSEC_AUDIT_DETAILS_MAX };

	if (avail < 4)
		return 0;
	rec->len = get_le32(buf);
	if (rec->len < AUDIT_REC_FIXED_LEN + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN ||
	    rec->len > AUDIT_REC_MAX)
		return MEDSEC_ERR_FORMAT;
	if (avail < rec->len)
		return 0;
	if (buf[4] != AUDIT_REC_VERSION || buf[5] > MEDSEC_AUDIT_FAILURE)
		return MEDSEC_ERR_FORMAT;
	rec->outcome = buf[5];
	rec->event = get_le16(buf + 6);
	rec->seq = get_le64(buf + 8);
	rec->time_us = (int64_t)get_le64(buf + 16);
	rec->epoch = get_le64(buf + 24);
	rec->flags = get_le16(buf + 42);
	for (int i = 0; i < 5; i++) {
		rec->field_len[i] = get_le16(buf + 32 + 2 * i);
		if (rec->field_len[i] > field_max[i])
			return MEDSEC_ERR_FORMAT;
		rec->field[i] = buf + off;
		off += rec->field_len[i];
	}
	if (off + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN != rec->len)
		return MEDSEC_ERR_FORMAT;
	rec->body_len = off;
	rec->hash = buf + off;
	rec->mac = buf + off + AUDIT_CHAIN_LEN;
	return (int)rec->len;
}

int
audit_chain_hash(struct medsec_hash_ctx *h, const uint8_t *prev,
    const uint8_t *body, size_t body_len, uint8_t out[AUDIT_CHAIN_LEN])
{
	int r;

	if ((r = medsec_hash_reset(h)) != MEDSEC_OK ||
	    (r = medsec_hash_update(h, prev, AUDIT_CHAIN_LEN)) != MEDSEC_OK ||
	    (r = medsec_hash_update(h, body, body_len)) != MEDSEC_OK)
		return r;
	return medsec_hash_final(h, out);
}

int
audit_evolve_key(uint8_t key[AUDIT_MAC_LEN], uint64_t new_epoch)
{
	uint8_t msg[sizeof(AUDIT_EVOLVE_LABEL) + 8], next[AUDIT_MAC_LEN];
	int r;

	memcpy(msg, AUDIT_EVOLVE_LABEL, sizeof(AUDIT_EVOLVE_LABEL));
	put_le64(msg + sizeof(AUDIT_EVOLVE_LABEL), new_epoch);
	r = medsec_hmac(MEDSEC_ALG_HMAC_SHA256, key, AUDIT_MAC_LEN, msg,
	    sizeof(msg), next);
	if (r == MEDSEC_OK)
		memcpy(key, next, AUDIT_MAC_LEN);
	medsec_wipe(next, sizeof(next));
	return r;
}

size_t
audit_checkpoint_message(uint8_t *out, uint64_t seq, uint64_t epoch,
    int64_t time_us, const uint8_t prev_chain[AUDIT_CHAIN_LEN])
{
	size_t off = sizeof(AUDIT_CHECKPOINT_LABEL);

	memcpy(out, AUDIT_CHECKPOINT_LABEL, off);
	put_le64(out + off, seq);
	put_le64(out + off + 8, epoch);
	put_le64(out + off + 16, (uint64_t)time_us);
	memcpy(out + off + 24, prev_chain, AUDIT_CHAIN_LEN);
	return off + 24 + AUDIT_CHAIN_LEN;
}

int
audit_checkpoint_parse(const uint8_t *details, size_t len,
    struct audit_checkpoint *cp)
{
	json_t *root;
	json_int_t epoch = -1, state = -1;
	const char *sig = NULL;
	int r = MEDSEC_ERR_FORMAT;

	root = json_loadb((const char *)details, len, 0, NULL);
	if (root == NULL)
		return MEDSEC_ERR_FORMAT;
	/* "state" is absent when the writer was not told a generation. */
	if (json_unpack(root, "{s:I, s:s, s?I}", "epoch", &epoch, "sig", &sig,
		"state", &state) == 0 &&
	    epoch >= 0 && strlen(sig) == 2 * MEDSEC_SIGN_LEN &&
	    medsec_unhex(sig, cp->sig, MEDSEC_SIGN_LEN) == MEDSEC_OK) {
		cp->epoch = (uint64_t)epoch;
		cp->have_state = state >= 0;
		cp->state = state >= 0 ? (uint64_t)state : 0;
		r = MEDSEC_OK;
	}
	json_decref(root);
	return r;
}

size_t
audit_anchor_signed_part(const struct audit_anchor *a, uint8_t *out)
{
	memcpy(out, AUDIT_ANCHOR_MAGIC, 8);
	put_le16(out + 8, AUDIT_FORMAT_VERSION);
	put_le16(out + 10, a->sign_alg);
	put_le64(out + 12, a->seq);
	put_le64(out + 20, a->epoch);
	put_le64(out + 28, (uint64_t)a->time_us);
	memcpy(out + 36, a->chain, AUDIT_CHAIN_LEN);
	return 36 + AUDIT_CHAIN_LEN;
}

void
audit_anchor_encode(const struct audit_anchor *a, uint8_t out[AUDIT_ANCHOR_LEN])
{
	size_t n = audit_anchor_signed_part(a, out);

	memcpy(out + n, a->sig, MEDSEC_SIGN_LEN);
}

int
audit_anchor_decode(const uint8_t *in, size_t len, struct audit_anchor *a)
{
	if (len != AUDIT_ANCHOR_LEN || memcmp(in, AUDIT_ANCHOR_MAGIC, 8) != 0 ||
	    get_le16(in + 8) != AUDIT_FORMAT_VERSION)
		return MEDSEC_ERR_FORMAT;
	a->sign_alg = get_le16(in + 10);
	a->seq = get_le64(in + 12);
	a->epoch = get_le64(in + 20);
	a->time_us = (int64_t)get_le64(in + 28);
	memcpy(a->chain, in + 36, AUDIT_CHAIN_LEN);
	memcpy(a->sig, in + 36 + AUDIT_CHAIN_LEN, MEDSEC_SIGN_LEN);
	return MEDSEC_OK;
}

int
audit_anchor_read(const char *dir, struct audit_anchor *a)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len;
	int r;

	if ((r = medsec_io_path(path, sizeof(path), dir, AUDIT_ANCHOR_NAME)) !=
	    MEDSEC_OK)
		return r;
	r = medsec_io_read_file(path, 4096, 0, &buf, &len);
	if (r != MEDSEC_OK)
		return r;
	r = audit_anchor_decode(buf, len, a);
	free(buf);
	return r;
}
