/*
 * Envelope encryption of a queued batch (MFDS 1.16). Each batch gets a
 * fresh random data key and nonce, and is sealed with the device
 * profile's AEAD (AES-256-GCM, ARIA-256-GCM under kcmvp). The associated
 * data binds it to the device, its sequence number, readings count,
 * creation time and algorithm, so no stored field can be changed or
 * swapped with another row's without the tag failing. The data key is
 * sealed under the keystore's "fwdqueue" key with associated data naming
 * the same row: a wrapped key moved to another row does not open.
 */
#include <string.h>

#include "core/le.h"
#include "fwdqueue/fwdqueue_int.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

static const char batch_label[] = "medsec-fwdqueue-batch-v1";
static const char key_label[] = "medsec-fwdqueue-key-v1";

/* label NUL, device id length and bytes, then the numbers. */
static size_t
put_head(uint8_t *ad, const char *label, size_t labellen,
    const char *device_id)
{
	size_t idlen = strnlen(device_id, MEDSEC_CONFIG_ID_MAX - 1), n;

	memcpy(ad, label, labellen + 1);
	n = labellen + 1;
	ad[n++] = (uint8_t)idlen;
	memcpy(ad + n, device_id, idlen);
	return n + idlen;
}

size_t
fwdq_batch_ad(const char *device_id, uint64_t seq, uint32_t readings,
    int64_t created, int alg, uint8_t ad[FWDQ_AD_MAX])
{
	size_t n;

	n = put_head(ad, batch_label, sizeof(batch_label) - 1, device_id);
	put_le64(ad + n, seq);
	put_le32(ad + n + 8, readings);
	put_le64(ad + n + 12, (uint64_t)created);
	put_le32(ad + n + 20, (uint32_t)alg);
	return n + 24;
}

static size_t
key_ad(const char *device_id, uint64_t seq, int alg, uint8_t ad[FWDQ_AD_MAX])
{
	size_t n;

	n = put_head(ad, key_label, sizeof(key_label) - 1, device_id);
	put_le64(ad + n, seq);
	put_le32(ad + n + 8, (uint32_t)alg);
	return n + 12;
}

_Static_assert(sizeof(batch_label) + 1 + MEDSEC_CONFIG_ID_MAX + 24 <=
    FWDQ_AD_MAX, "the batch's associated data fits");

int
fwdq_seal(const struct medsec_fwdqueue *q, const struct fwdq_row *row,
    const uint8_t *batch, size_t len, uint8_t nonce[MEDSEC_AEAD_NONCE_LEN],
    uint8_t wrapped[FWDQ_WRAPPED_LEN], uint8_t *ct)
{
	uint8_t dk[MEDSEC_AEAD_KEY_LEN], ad[FWDQ_AD_MAX];
	size_t adlen;
	int r;

	if ((r = medsec_random(dk, sizeof(dk))) != MEDSEC_OK ||
	    (r = medsec_random(nonce, MEDSEC_AEAD_NONCE_LEN)) != MEDSEC_OK ||
	    (r = medsec_random(wrapped, MEDSEC_AEAD_NONCE_LEN)) != MEDSEC_OK)
		goto out;
	adlen = fwdq_batch_ad(q->device_id, row->seq, (uint32_t)row->readings,
	    row->created, (int)row->alg, ad);
	if ((r = medsec_aead_seal((int)row->alg, dk, nonce, ad, adlen, batch,
	    len, ct)) != MEDSEC_OK)
		goto out;
	adlen = key_ad(q->device_id, row->seq, (int)row->alg, ad);
	r = medsec_aead_seal(q->kek_alg, q->kek, wrapped, ad, adlen, dk,
	    sizeof(dk), wrapped + MEDSEC_AEAD_NONCE_LEN);
out:
	medsec_wipe(dk, sizeof(dk));
	return r;
}

int
fwdq_open_row(int kek_alg, const uint8_t kek[MEDSEC_AEAD_KEY_LEN],
    const char *device_id, const struct fwdq_row *row, uint8_t *pt)
{
	uint8_t dk[MEDSEC_AEAD_KEY_LEN], ad[FWDQ_AD_MAX];
	size_t adlen;
	int r;

	if ((r = fwdq_row_check(row)) != MEDSEC_OK)
		return r;
	adlen = key_ad(device_id, row->seq, (int)row->alg, ad);
	if ((r = medsec_aead_open(kek_alg, kek, row->wrapped, ad, adlen,
	    row->wrapped + MEDSEC_AEAD_NONCE_LEN,
	    FWDQ_WRAPPED_LEN - MEDSEC_AEAD_NONCE_LEN, dk)) != MEDSEC_OK)
		goto out;
	adlen = fwdq_batch_ad(device_id, row->seq, (uint32_t)row->readings,
	    row->created, (int)row->alg, ad);
	r = medsec_aead_open((int)row->alg, dk, row->nonce, ad, adlen, row->ct,
	    row->ctlen, pt);
out:
	medsec_wipe(dk, sizeof(dk));
	/* Whatever the crypto module said of a forged row, it is one thing. */
	return r == MEDSEC_OK || r == MEDSEC_ERR_NOMEM ? r : MEDSEC_ERR_AUTH;
}
