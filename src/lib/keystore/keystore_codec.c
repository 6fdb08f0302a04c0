/*
 * Sealed (.key) and public (.pub) key files; docs/formats/keystore.md.
 *
 * <name>[.<gen>].key: a 48-byte header
 *   "MEDSECSK" u16 version u16 aead u16 alg u8 state u8 0 u32 generation
 *   u64 created_us char key_id[16] u32 secret_len
 * then the backend's seal() output (file backend: nonce[12] ct tag[16]).
 * The associated data is the header followed by the key's name, so an
 * edited header (a verify-only key made active, another algorithm) or a
 * file copied under another name fails to unseal.
 *
 * <name>[.<gen>].pub: "MEDSECPK" u16 version u16 alg u32 generation
 *   u64 created_us char key_id[16] u16 len, then the public key.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/err.h"
#include "core/le.h"
#include "io/io.h"
#include "keystore_int.h"

#define AD_MAX (KS_HEADER_LEN + MEDSEC_KEY_NAME_MAX)
#define KEY_ID_HEX 16

static void
header_encode(const struct ks_header *h, uint8_t out[KS_HEADER_LEN])
{
	memcpy(out, "MEDSECSK", 8);
	put_le16(out + 8, KS_VERSION);
	put_le16(out + 10, (uint16_t)h->aead);
	put_le16(out + 12, (uint16_t)h->alg);
	out[14] = (uint8_t)h->state;
	out[15] = 0;
	put_le32(out + 16, h->generation);
	put_le64(out + 20, (uint64_t)h->created_us);
	memcpy(out + 28, h->key_id, KEY_ID_HEX);
	put_le32(out + 44, h->secret_len);
}

int
ks_header_decode(const uint8_t *in, size_t len, struct ks_header *h)
{
	if (len <= KS_HEADER_LEN || len > KS_SEALED_MAX ||
	    medsec_ct_equal(in, "MEDSECSK", 8) != 0 ||
	    get_le16(in + 8) != KS_VERSION || in[15] != 0)
		return MEDSEC_ERR_FORMAT;
	memset(h, 0, sizeof(*h));
	h->aead = get_le16(in + 10);
	h->alg = get_le16(in + 12);
	h->state = in[14];
	h->generation = get_le32(in + 16);
	h->created_us = (int64_t)get_le64(in + 20);
	memcpy(h->key_id, in + 28, KEY_ID_HEX);
	h->key_id[KEY_ID_HEX] = '\0';
	h->secret_len = get_le32(in + 44);
	if (h->secret_len == 0 || h->secret_len > MEDSEC_KEY_SECRET_MAX ||
	    h->generation == 0 ||
	    (h->state != MEDSEC_KEY_ACTIVE &&
		h->state != MEDSEC_KEY_VERIFY_ONLY))
		return MEDSEC_ERR_FORMAT;
	return MEDSEC_OK;
}

/* The associated data: the encoded header and the key's name. */
static size_t
make_ad(uint8_t ad[AD_MAX], const uint8_t *header, const char *name)
{
	size_t n = strnlen(name, MEDSEC_KEY_NAME_MAX - 1);

	memcpy(ad, header, KS_HEADER_LEN);
	memcpy(ad + KS_HEADER_LEN, name, n);
	return KS_HEADER_LEN + n;
}

int
ks_seal_store(struct medsec_keystore *ks, const char *name, uint32_t gen,
    const struct ks_header *h, const uint8_t *secret, enum ks_write how)
{
	uint8_t buf[KS_SEALED_MAX], ad[AD_MAX];
	char file[KS_FILE_MAX];
	size_t adlen, body = KS_BODY_MAX;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = ks_file_name(file, sizeof(file), name, gen, "key")) !=
	    MEDSEC_OK)
		goto out;
	header_encode(h, buf);
	adlen = make_ad(ad, buf, name);
	if ((r = ks->backend.seal(ks->backend.ctx, ad, adlen, secret,
		 h->secret_len, buf + KS_HEADER_LEN, &body)) != MEDSEC_OK)
		goto out;
	if (body == 0 || body > KS_BODY_MAX) {
		r = MEDSEC_ERR_INTERNAL; /* a backend broke its contract */
		goto out;
	}
	/* REQ: MFDS 1.17, sealed keys are private to the service user. */
	r = ks_write_file(ks->dir, file, buf, KS_HEADER_LEN + body, 0600, how);
out:
	medsec_wipe(buf, sizeof(buf));
	return r;
}

/*
 * The header is checked before the AEAD, but every failure gives the same
 * MEDSEC_ERR_AUTH (rule 13): the caller learns only that the file is not
 * an authentic sealed key for this name, generation and role.
 */
static int
check_role(const struct ks_header *h, uint32_t gen)
{
	if (gen == 0)
		return h->state == MEDSEC_KEY_ACTIVE ? MEDSEC_OK
						     : MEDSEC_ERR_AUTH;
	return h->state == MEDSEC_KEY_VERIFY_ONLY && h->generation == gen
	    ? MEDSEC_OK
	    : MEDSEC_ERR_AUTH;
}

static int
read_sealed(const struct medsec_keystore *ks, const char *name, uint32_t gen,
    uint8_t **bufp, size_t *lenp)
{
	char path[KS_PATH_MAX];
	int r;

	if ((r = ks_path(ks, path, name, gen, "key")) != MEDSEC_OK)
		return r;
	/* REQ: MFDS 1.17, refuse a sealed key others can read or swap. */
	r = medsec_io_read_file(path, KS_SEALED_MAX, MEDSEC_IO_PRIVATE, bufp,
	    lenp);
	return r == MEDSEC_ERR_TOO_LARGE ? MEDSEC_ERR_AUTH : r;
}

static void
free_file(uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	medsec_wipe(buf, len);
	free(buf);
}

int
ks_unseal_load(struct medsec_keystore *ks, const char *name, uint32_t gen,
    uint8_t *secret, size_t *lenp, struct ks_header *h)
{
	uint8_t *buf = NULL, ad[AD_MAX];
	size_t len = 0, adlen, out = MEDSEC_KEY_SECRET_MAX;
	int r = MEDSEC_ERR_INTERNAL;

	*lenp = 0;
	if ((r = read_sealed(ks, name, gen, &buf, &len)) != MEDSEC_OK)
		goto out;
	if (ks_header_decode(buf, len, h) != MEDSEC_OK ||
	    check_role(h, gen) != MEDSEC_OK) {
		r = MEDSEC_ERR_AUTH;
		goto out;
	}
	adlen = make_ad(ad, buf, name);
	if ((r = ks->backend.unseal(ks->backend.ctx, ad, adlen,
		 buf + KS_HEADER_LEN, len - KS_HEADER_LEN, secret, &out)) !=
	    MEDSEC_OK)
		goto out;
	if (out != h->secret_len) {
		r = MEDSEC_ERR_AUTH;
		goto out;
	}
	*lenp = out;
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		medsec_wipe(secret, MEDSEC_KEY_SECRET_MAX);
	free_file(buf, len);
	return r;
}

int
ks_header_peek(const struct medsec_keystore *ks, const char *name,
    uint32_t gen, struct ks_header *h)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = read_sealed(ks, name, gen, &buf, &len)) != MEDSEC_OK)
		goto out;
	r = ks_header_decode(buf, len, h);
out:
	free_file(buf, len);
	return r;
}

int
ks_pub_store(struct medsec_keystore *ks, const char *name, uint32_t gen,
    const struct ks_header *h, const uint8_t *pk, size_t pklen,
    enum ks_write how)
{
	uint8_t buf[KS_PUB_MAX];
	char file[KS_FILE_MAX];
	int r;

	if (pklen == 0 || pklen > MEDSEC_SIGN_PUBLIC_MAX)
		return MEDSEC_ERR_INVALID;
	if ((r = ks_file_name(file, sizeof(file), name, gen, "pub")) !=
	    MEDSEC_OK)
		return r;
	memcpy(buf, "MEDSECPK", 8);
	put_le16(buf + 8, KS_VERSION);
	put_le16(buf + 10, (uint16_t)h->alg);
	put_le32(buf + 12, h->generation);
	put_le64(buf + 16, (uint64_t)h->created_us);
	memcpy(buf + 24, h->key_id, KEY_ID_HEX);
	put_le16(buf + 40, (uint16_t)pklen);
	memcpy(buf + KS_PUB_HEADER_LEN, pk, pklen);
	/* Public: world-readable so verifiers need no privilege. */
	return ks_write_file(ks->dir, file, buf, KS_PUB_HEADER_LEN + pklen,
	    0644, how);
}

static int
pub_decode(const uint8_t *buf, size_t len, uint8_t *pk, size_t *pklen,
    struct ks_header *h)
{
	size_t n;

	if (len < KS_PUB_HEADER_LEN || medsec_ct_equal(buf, "MEDSECPK", 8) != 0 ||
	    get_le16(buf + 8) != KS_VERSION)
		return MEDSEC_ERR_FORMAT;
	n = get_le16(buf + 40);
	if (n == 0 || n > MEDSEC_SIGN_PUBLIC_MAX ||
	    len != KS_PUB_HEADER_LEN + n)
		return MEDSEC_ERR_FORMAT;
	memset(h, 0, sizeof(*h));
	h->alg = get_le16(buf + 10);
	h->generation = get_le32(buf + 12);
	h->created_us = (int64_t)get_le64(buf + 16);
	memcpy(h->key_id, buf + 24, KEY_ID_HEX);
	h->key_id[KEY_ID_HEX] = '\0';
	memcpy(pk, buf + KS_PUB_HEADER_LEN, n);
	*pklen = n;
	return MEDSEC_OK;
}

int
ks_pub_load(const struct medsec_keystore *ks, const char *name, uint32_t gen,
    uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX], size_t *pklen, struct ks_header *h)
{
	char path[KS_PATH_MAX], id[MEDSEC_KEY_ID_LEN];
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = ks_path(ks, path, name, gen, "pub")) != MEDSEC_OK ||
	    (r = medsec_io_read_file(path, KS_PUB_MAX, 0, &buf, &len)) !=
		MEDSEC_OK ||
	    (r = pub_decode(buf, len, pk, pklen, h)) != MEDSEC_OK)
		goto out;
	h->state = gen == 0 ? MEDSEC_KEY_ACTIVE : MEDSEC_KEY_VERIFY_ONLY;
	/* The id is a hash of the key: an edited key (or a file of another
	 * generation put in its place) shows here. */
	if (medsec_key_id(h->alg, pk, *pklen, id) != MEDSEC_OK ||
	    medsec_ct_equal(id, h->key_id, KEY_ID_HEX) != 0 || h->generation == 0 ||
	    (gen != 0 && h->generation != gen)) {
		r = MEDSEC_ERR_AUTH;
		goto out;
	}
	r = MEDSEC_OK;
out:
	if (r != MEDSEC_OK)
		*pklen = 0;
	free(buf);
	return r;
}

void
ks_info_set(struct medsec_key_info *info, const char *name,
    const struct ks_header *h)
{
	size_t n;

	if (info == NULL)
		return;
	memset(info, 0, sizeof(*info));
	n = strnlen(name, MEDSEC_KEY_NAME_MAX - 1);
	memcpy(info->name, name, n);
	info->alg = h->alg;
	memcpy(info->key_id, h->key_id, MEDSEC_KEY_ID_LEN);
	info->created_us = h->created_us;
	info->generation = h->generation;
	info->state = h->state;
}
