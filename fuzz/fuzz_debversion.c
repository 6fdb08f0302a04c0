/*
 * Version comparison on untrusted strings (from advisories and SBOMs):
 * the input is split at its first newline into two versions. Accepted
 * pairs must compare antisymmetrically and a version equal to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec-tools/vuln.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int (*cmp)(const char *, const char *, int *), const char *a,
    const char *b)
{
	int ab, ba, aa;

	if (cmp(a, b, &ab) != MEDSEC_OK)
		return;
	if (cmp(b, a, &ba) != MEDSEC_OK || cmp(a, a, &aa) != MEDSEC_OK ||
	    aa != 0 || (ab > 0) != (ba < 0) || (ab == 0) != (ba == 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *nl;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	if (nl != NULL) {
		*nl = '\0';
		check(medsec_debver_compare, text, nl + 1);
		check(medsec_semver_compare, text, nl + 1);
	}
	free(text);
	return 0;
}
