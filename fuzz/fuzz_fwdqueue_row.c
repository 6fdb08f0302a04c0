/*
 * A store-and-forward queue row read back from the database (untrusted:
 * the file may be edited on disk). Input: seq, created, readings and alg
 * as 8 bytes each (little-endian), the nonce's and wrapped key's lengths
 * as one byte each, then nonce, wrapped key and ciphertext. The row is
 * checked and opened under a fixed wrapping key: it opens (a seed sealed
 * under that key) or is refused with MEDSEC_ERR_AUTH, nothing else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "fwdqueue/fwdqueue_int.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t kek[MEDSEC_AEAD_KEY_LEN] = { 0x42 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwdq_row row;
	uint8_t *pt = NULL;
	int r;

	if (size < 34 || medsec_crypto_init() != MEDSEC_OK)
		return 0;
	memset(&row, 0, sizeof(row));
	row.seq = get_le64(data);
	row.created = (int64_t)get_le64(data + 8);
	row.readings = (int64_t)get_le64(data + 16);
	row.alg = (int64_t)get_le64(data + 24);
	row.noncelen = data[32];
	row.wrappedlen = data[33];
	data += 34;
	size -= 34;
	if (row.noncelen + row.wrappedlen > size)
		return 0;
	row.nonce = data;
	row.wrapped = data + row.noncelen;
	row.ct = data + row.noncelen + row.wrappedlen;
	row.ctlen = size - row.noncelen - row.wrappedlen;
	if ((pt = malloc(row.ctlen + 1)) == NULL)
		return 0;
	r = fwdq_open_row(MEDSEC_ALG_AES256_GCM, kek, "fuzz-device", &row, pt);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_AUTH)
		abort();
	free(pt);
	return 0;
}
