/*
 * The OSV reader on untrusted advisories (a downloaded database): never
 * crashes, and a record it accepts can be scanned.
 */
#include <stdint.h>
#include <stdlib.h>

#include "medsec-tools/vuln.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
none(const struct medsec_vuln_match *m, void *ctx)
{
	(void)m;
	(void)ctx;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct medsec_vuln_component c[] = {
		{ "a", "Debian:11", "zlib", "1:1.2.11.dfsg-2+deb11u1" },
		{ "b", "ConanCenter", "zlib", "1.2.11" },
	};
	struct medsec_vuln_db *db = NULL;

	if (medsec_vuln_db_new(&db) != MEDSEC_OK)
		abort();
	if (medsec_vuln_db_add_json(db, (const char *)data, size, "fuzz",
	    NULL) == MEDSEC_OK &&
	    (medsec_vuln_scan(db, c, 2, 1, none, NULL) != MEDSEC_OK ||
	    medsec_vuln_scan(db, c, 2, 0, none, NULL) != MEDSEC_OK))
		abort();
	medsec_vuln_db_free(db);
	return 0;
}
