/*
 * The audit trail reader and verifier on untrusted bytes: the input is a
 * segment file. Each input is decoded in memory and, as a file, read back
 * and verified end to end; nothing may crash, leak or read out of bounds.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "medsec/audit.h"
#include "medsec/err.h"
#include "medsec/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/medsec-fuzz-audit-XXXXXX";
static char seg[sizeof(dir) + 32];

static void
decode_all(const uint8_t *data, size_t size)
{
	struct audit_seg_header h;
	struct audit_rec rec;
	struct audit_checkpoint cp;
	size_t off = AUDIT_SEG_HEADER_LEN;
	int n;

	if (size < AUDIT_SEG_HEADER_LEN)
		return;
	(void)audit_seg_header_decode(data, &h);
	while ((n = audit_rec_decode(data + off, size - off, &rec)) > 0) {
		(void)audit_checkpoint_parse(rec.field[F_DETAILS],
		    rec.field_len[F_DETAILS], &cp);
		off += (size_t)n;
	}
}

static void
cleanup(void)
{
	unlink(seg);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pk[32] = { 1 };
	struct medsec_audit_verify_options opts = { NULL, 0, pk, sizeof(pk),
		MEDSEC_ALG_ED25519 };
	struct medsec_audit_verify_result res;
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	FILE *f;

	if (seg[0] == '\0') {
		if (medsec_crypto_init() != 0 || mkdtemp(dir) == NULL)
			abort();
		snprintf(seg, sizeof(seg), "%s/seg-0000000000000001.log", dir);
		atexit(cleanup);
	}
	decode_all(data, size);
	if ((f = fopen(seg, "wb")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (medsec_audit_reader_open(dir, &rd) == 0) {
		while (medsec_audit_reader_next(rd, &rec) == 1)
			;
		medsec_audit_reader_close(rd);
	}
	/* Any verdict is fine; the fuzzer looks for crashes. */
	if (medsec_audit_verify(dir, &opts, &res) != MEDSEC_OK)
		return 0;
	return 0;
}
