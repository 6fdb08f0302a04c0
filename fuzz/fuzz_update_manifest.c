/*
 * The update manifest parser on untrusted bytes: any input is accepted or
 * refused with an error message; an accepted manifest has safe, unique
 * names, plain modes and exactly one chunk hash per chunk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/err.h"
#include "medsec/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_update_manifest *m = NULL;
	char err[256] = "";
	size_t i, j;

	if (medsec_update_manifest_parse((const char *)data, size, &m, err,
	    sizeof(err)) != MEDSEC_OK) {
		if (m != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	for (i = 0; i < m->n_files; i++) {
		const struct medsec_update_file *f = &m->files[i];

		if (f->name[0] == '/' || strstr(f->name, "..") == f->name ||
		    f->mode > 0777 || f->n_chunks != (f->size +
		    MEDSEC_UPDATE_CHUNK - 1) / MEDSEC_UPDATE_CHUNK)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(m->files[j].name, f->name) == 0)
				abort();
	}
	medsec_update_manifest_free(m);
	return 0;
}
