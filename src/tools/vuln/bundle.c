/*
 * The advisory database as a signed bundle: an update package
 * (docs/formats/update-package.md) of product "medsec-advisories" for
 * hardware "advisory-db", whose payload is the OSV JSON files. It is
 * verified by the same trust machinery as software updates (root key
 * set, signing key set, threshold of signatures, expiry), so an unsigned,
 * tampered or expired database is refused exactly as an update would be;
 * a database built longer ago than the allowed age is refused as stale.
 * Only verified bytes are read: the package is extracted to a private
 * directory by the verifier and loaded from there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ini.h"
#include "medsec-tools/vuln.h"
#include "medsec/update.h"

static void
remove_extracted(const char *dir, const struct medsec_update_manifest *m)
{
	char path[4096];

	/* Best effort: a file already gone has nothing to clean, and the
	 * bundle's files are flat by convention, so the directory empties. */
	for (size_t i = 0; m != NULL && i < m->n_files; i++)
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    m->files[i].name) < sizeof(path))
			unlink(path);
	rmdir(dir);
}

static int
check_age(const struct medsec_update_manifest *m, int64_t now_us,
    unsigned max_age_days, struct medsec_config_error *err)
{
	int64_t age_days = (now_us - m->built_us) / (86400 * (int64_t)1000000);
	time_t built = (time_t)(m->built_us / 1000000);
	struct tm tm;
	char when[32] = "?";

	if (max_age_days == 0 || age_days <= (int64_t)max_age_days)
		return MEDSEC_OK;
	if (gmtime_r(&built, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	medsec_ini_err(err, 0, NULL, "built", "advisory database built %s, "
	    "%lld days ago: older than the %u days allowed (stale)", when,
	    (long long)age_days, max_age_days);
	return MEDSEC_ERR_EXPIRED;
}

static int
verify(const char *bundle, const char *trust_dir, int64_t now_us,
    const char *dir, struct medsec_update_manifest **mp,
    struct medsec_config_error *err)
{
	struct medsec_update_policy policy = { MEDSEC_VULN_BUNDLE_HARDWARE,
		MEDSEC_VULN_BUNDLE_PRODUCT, 0, now_us, dir };
	struct medsec_update_trust *t = NULL;
	char why[256] = "";
	int rc;

	if ((rc = medsec_update_trust_load(trust_dir, now_us, 0, &t, why,
	    sizeof(why))) != MEDSEC_OK) {
		medsec_ini_err_clear(err, trust_dir);
		medsec_ini_err(err, 0, NULL, NULL, "trust: %s", why);
		return rc;
	}
	rc = medsec_update_verify(bundle, t, &policy, mp, why, sizeof(why));
	medsec_update_trust_free(t);
	if (rc != MEDSEC_OK)
		medsec_ini_err(err, 0, NULL, NULL, "advisory bundle refused: %s",
		    why[0] != '\0' ? why : medsec_strerror(rc));
	return rc;
}

int
medsec_vuln_db_load_bundle(struct medsec_vuln_db *db, const char *bundle,
    const char *trust_dir, int64_t now_us, unsigned max_age_days,
    int64_t *built_usp, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct medsec_update_manifest *m = NULL;
	char base[] = "/tmp/medsec-advisories-XXXXXX", dir[64];
	int rc;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, bundle);
	if (db == NULL || bundle == NULL || trust_dir == NULL)
		return MEDSEC_ERR_INVALID;
	if (mkdtemp(base) == NULL)
		return MEDSEC_ERR_IO;
	snprintf(dir, sizeof(dir), "%s/db", base);
	if ((rc = verify(bundle, trust_dir, now_us, dir, &m, err)) ==
	    MEDSEC_OK && (rc = check_age(m, now_us, max_age_days, err)) ==
	    MEDSEC_OK)
		rc = medsec_vuln_db_load_dir(db, dir, err);
	if (rc == MEDSEC_OK && built_usp != NULL)
		*built_usp = m->built_us;
	if (m != NULL)
		remove_extracted(dir, m);
	/* Empty now: the verifier removes what it wrote when it fails. */
	rmdir(base);
	medsec_update_manifest_free(m);
	return rc;
}
