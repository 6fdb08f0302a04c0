/*
 * A whole update package from untrusted bytes (header, manifest,
 * signature block, payload): inspect and full verification, against a
 * trust set made once, never crash and never accept an unsigned package.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/signkey.h"
#include "medsec/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], pkg[96];
static struct medsec_update_trust *trust;

static void
setup(void)
{
	struct medsec_signkey *root = NULL, *rel = NULL;
	const struct medsec_signkey *roots[1];
	char path[128], err[256];

	if (medsec_crypto_init() != MEDSEC_OK)
		abort();
	snprintf(dir, sizeof(dir), "/tmp/medsec-fuzz-pkg-XXXXXX");
	if (mkdtemp(dir) == NULL ||
	    medsec_signkey_generate(MEDSEC_ALG_ED25519, "root", &root) !=
	    MEDSEC_OK ||
	    medsec_signkey_generate(MEDSEC_ALG_ED25519, "rel", &rel) !=
	    MEDSEC_OK)
		abort();
	snprintf(path, sizeof(path), "%s/root.json", dir);
	if (medsec_update_root_write(path, 1, medsec_signkey_public(root), 1,
	    err, sizeof(err)) != MEDSEC_OK)
		abort();
	roots[0] = root;
	snprintf(path, sizeof(path), "%s/keyset.json", dir);
	if (medsec_update_keyset_write(path, 1, INT64_C(4102444800000000), 1,
	    medsec_signkey_public(rel), 1, NULL, 0, roots, 1, err,
	    sizeof(err)) != MEDSEC_OK ||
	    medsec_update_trust_load(dir, 0, 0, &trust, err, sizeof(err)) !=
	    MEDSEC_OK)
		abort();
	snprintf(pkg, sizeof(pkg), "%s/in.msu", dir);
	medsec_signkey_free(root);
	medsec_signkey_free(rel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_update_manifest *m = NULL;
	struct medsec_update_policy pol;
	char err[256];
	FILE *f;

	if (trust == NULL)
		setup();
	if ((f = fopen(pkg, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (medsec_update_inspect(pkg, &m, NULL, NULL, err, sizeof(err)) ==
	    MEDSEC_OK && m == NULL)
		abort();
	medsec_update_manifest_free(m);
	memset(&pol, 0, sizeof(pol));
	pol.now_us = 0;
	/* Nobody but the test's own key signed it: never accepted. */
	if (medsec_update_verify(pkg, trust, &pol, NULL, err, sizeof(err)) ==
	    MEDSEC_OK)
		abort();
	return 0;
}
