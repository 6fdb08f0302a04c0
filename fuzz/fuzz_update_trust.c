/*
 * The trust files from untrusted bytes: keyset.json as received (and
 * root.json as installed) parse or are refused, never crash; a key set
 * not signed by the fixed root is never accepted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/signkey.h"
#include "medsec/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], keyset[96], rootdir[64], rootfile[96];
static int ready;

static void
setup(void)
{
	struct medsec_signkey *root = NULL;
	char path[128], err[256];

	if (medsec_crypto_init() != MEDSEC_OK)
		abort();
	snprintf(dir, sizeof(dir), "/tmp/medsec-fuzz-trust-XXXXXX");
	snprintf(rootdir, sizeof(rootdir), "/tmp/medsec-fuzz-root-XXXXXX");
	if (mkdtemp(dir) == NULL || mkdtemp(rootdir) == NULL ||
	    medsec_signkey_generate(MEDSEC_ALG_ED25519, "root", &root) !=
	    MEDSEC_OK)
		abort();
	snprintf(path, sizeof(path), "%s/root.json", dir);
	if (medsec_update_root_write(path, 1, medsec_signkey_public(root), 1,
	    err, sizeof(err)) != MEDSEC_OK)
		abort();
	medsec_signkey_free(root);
	snprintf(keyset, sizeof(keyset), "%s/keyset.json", dir);
	snprintf(rootfile, sizeof(rootfile), "%s/root.json", rootdir);
	ready = 1;
}

static void
put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size))
		abort();
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_update_trust *t = NULL;
	char err[256];
	int r;

	if (!ready)
		setup();
	/* A key set against the real root: the fuzzer holds no root key. */
	put(keyset, data, size);
	if (medsec_update_trust_load(dir, 0, 0, &t, err, sizeof(err)) ==
	    MEDSEC_OK)
		abort();
	/* The same bytes as a root file, with the key set above. */
	put(rootfile, data, size);
	r = medsec_update_trust_load(rootdir, 0, 0, &t, err, sizeof(err));
	if (r == MEDSEC_OK)
		abort(); /* no keyset.json beside it */
	medsec_update_trust_free(t);
	return 0;
}
