/*
 * Crypto-shredding of a whole keystore at end of service: every key,
 * then the master key. The keys go first because each is sealed under
 * the master key: were the master key gone and a key file left behind
 * (a failed unlink), nothing could say what that file was, and running
 * the procedure again could not open the keystore to finish it.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/decommission.h"
#include "medsec/err.h"
#include "io/io.h"
#include "keystore_int.h"

#define SHRED_KEYS_MAX 1024

static int
refuse_seal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *pt,
    size_t ptlen, uint8_t *out, size_t *outlen)
{
	(void)ctx;
	(void)ad;
	(void)adlen;
	(void)pt;
	(void)ptlen;
	(void)out;
	*outlen = 0;
	return MEDSEC_ERR_STATE;
}

static int
refuse_unseal(void *ctx, const uint8_t *ad, size_t adlen, const uint8_t *in,
    size_t inlen, uint8_t *pt, size_t *ptlen)
{
	(void)ctx;
	(void)ad;
	(void)adlen;
	(void)in;
	(void)inlen;
	(void)pt;
	*ptlen = 0;
	return MEDSEC_ERR_STATE;
}

/* The master key in memory goes with its file: the backend's close
 * wipes it, and a handle that can no longer seal says so. */
static void
forget_master(struct medsec_keystore *ks)
{
	if (ks->backend.close != NULL)
		ks->backend.close(ks->backend.ctx);
	memset(&ks->backend, 0, sizeof(ks->backend));
	ks->backend.name = "shredded";
	ks->backend.seal = refuse_seal;
	ks->backend.unseal = refuse_unseal;
}

/* Each name once: medsec_keystore_destroy() takes every generation. */
static int
destroy_all(struct medsec_keystore *ks, const struct medsec_key_info *keys,
    size_t n)
{
	int r = MEDSEC_OK, e;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(keys[i].name, keys[i - 1].name) == 0)
			continue;
		e = medsec_keystore_destroy(ks, keys[i].name, 1);
		if (e != MEDSEC_OK && r == MEDSEC_OK)
			r = e;
	}
	return r;
}

int
medsec_keystore_shred(struct medsec_keystore *ks,
    struct medsec_key_info *destroyed, size_t max, size_t *np)
{
	struct medsec_key_info *keys = NULL;
	size_t n = 0;
	int r;

	if (ks == NULL || (destroyed == NULL && max > 0))
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_keystore_list(ks, NULL, 0, &n)) != MEDSEC_OK)
		return r;
	if (n > SHRED_KEYS_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	if (n > 0 && (keys = calloc(n, sizeof(*keys))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if (n > 0 && (r = medsec_keystore_list(ks, keys, n, &n)) != MEDSEC_OK)
		goto out;
	if (destroyed != NULL)
		memcpy(destroyed, keys, (n < max ? n : max) * sizeof(*keys));
	if (np != NULL)
		*np = n;
	if ((r = destroy_all(ks, keys, n)) != MEDSEC_OK)
		goto out;
	if ((r = ks_shred(ks->dir, KS_MASTER_FILE)) != MEDSEC_OK)
		goto out;
	forget_master(ks);
	r = medsec_io_fsync_dir(ks->dir);
out:
	free(keys);
	return r;
}
