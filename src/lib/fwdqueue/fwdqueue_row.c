/*
 * A queue row read back from the database is untrusted: the file may have
 * been edited or damaged on disk. Every field is checked against what a
 * put writes before any of it reaches the crypto module, and anything
 * else is an authentication failure like a wrong tag (one answer, so a
 * forger learns nothing from which check failed).
 */
#include <stdint.h>

#include "core/logf.h"
#include "fwdqueue/fwdqueue_int.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

static int
aead_usable(int64_t alg)
{
	const struct medsec_alg_info *ai;

	if (alg < 0 || alg > INT32_MAX)
		return 0;
	ai = medsec_crypto_alg_by_id((int)alg);
	return ai != NULL && ai->kind == MEDSEC_KIND_AEAD && ai->implemented &&
	    ai->strength_bits >= MEDSEC_MIN_STRENGTH_BITS;
}

int
fwdq_row_check(const struct fwdq_row *row)
{
	const char *what = NULL;

	if (row->seq < 1 || row->seq > INT64_MAX)
		what = "sequence number";
	else if (row->readings < 1 || row->readings > UINT32_MAX)
		what = "readings count";
	else if (!aead_usable(row->alg))
		what = "algorithm";
	else if (row->nonce == NULL || row->noncelen != MEDSEC_AEAD_NONCE_LEN)
		what = "nonce";
	else if (row->wrapped == NULL || row->wrappedlen != FWDQ_WRAPPED_LEN)
		what = "wrapped data key";
	else if (row->ct == NULL || row->ctlen < MEDSEC_AEAD_TAG_LEN + 1 ||
	    row->ctlen - MEDSEC_AEAD_TAG_LEN > MEDSEC_FWDQUEUE_BATCH_MAX)
		what = "ciphertext length";
	if (what == NULL)
		return MEDSEC_OK;
	medsec_log(MEDSEC_LOG_ALERT, "fwdqueue", "queued batch %llu: stored "
	    "%s is not one this device writes: the row was altered",
	    (unsigned long long)row->seq, what);
	return MEDSEC_ERR_AUTH;
}
