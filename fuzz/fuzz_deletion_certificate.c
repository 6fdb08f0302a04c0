/*
 * The deletion certificate verifier on untrusted bytes, against the key
 * that signed the seed certificate: only that certificate, unedited,
 * verifies; anything else is refused without a crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include "medsec-tools/decommission.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key[] = "medsec-public-key 1\nname: fuzz-device-identity\n"
    "alg: ed25519\nkey-id: 05118daef8bcb9e6\npublic: 7c9388f42f229eea0ad8a09"
    "b38a1e75bbacbecde0cbbb4a6e07666cd749273ae\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_deletion_summary sum;
	int r = medsec_deletion_certificate_verify((const char *)data, size,
	    key, &sum, NULL);

	if (r == MEDSEC_OK && sum.device_id[0] == '\0')
		abort();
	return 0;
}
