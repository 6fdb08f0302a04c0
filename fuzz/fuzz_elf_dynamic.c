/*
 * The ELF dynamic-section reader on untrusted bytes (any file given to
 * `medsec sbom`, and every library it finds): never reads outside the
 * input, and what it accepts is bounded and NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec-tools/sbom.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_elf_dynamic *d = NULL;
	int rc = medsec_elf_dynamic_parse(data, size, &d, NULL);

	if ((rc == MEDSEC_OK) != (d != NULL) || (d != NULL &&
	    d->nneeded > MEDSEC_ELF_NEEDED_MAX))
		abort();
	for (size_t i = 0; d != NULL && i < d->nneeded; i++)
		if (strlen(d->needed[i]) > MEDSEC_ELF_STRING_MAX)
			abort();
	medsec_elf_dynamic_free(d);
	return 0;
}
