/*
 * Installing update trust (root.json, keyset.json) and the device's
 * update settings: verified first, from the bytes read once, then
 * swapped in atomically in the transaction that raises the key set
 * floor, so a file put back later cannot re-trust a revoked key.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/errf.h"
#include "io/io.h"
#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/updater.h"
#include "updater/updater_int.h"

/* Printable ASCII without spaces, quotes or backslashes, 1..63 bytes. */
static int
valid_label(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n >= 64)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

static int
setup_audit(struct medsec_updater *u, const struct medsec_subject *who,
    int outcome, const char *reason, const char *details)
{
	struct medsec_audit_event_in ev;

	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_CONFIG_CHANGED;
	ev.actor = who != NULL && who->user != NULL ? who->user : "local";
	ev.source = who != NULL && who->source != NULL ? who->source : "local";
	ev.object = "update-trust";
	ev.outcome = outcome;
	ev.reason = reason;
	ev.details = details;
	return medsec_audit_append_critical(u->audit, &ev, NULL);
}

/* Writes both files into a fresh directory next to the trust directory. */
static int
prepare_dir(const char *dir, const uint8_t *root, size_t root_len,
    const uint8_t *keyset, size_t keyset_len)
{
	int r;

	updater_rmrf(dir);
	if ((r = medsec_io_mkdir(dir, 0755)) != MEDSEC_OK ||
	    (r = medsec_io_write_file_atomic(dir, "root.json", root, root_len,
	    0644)) != MEDSEC_OK ||
	    (r = medsec_io_write_file_atomic(dir, "keyset.json", keyset,
	    keyset_len, 0644)) != MEDSEC_OK)
		return r;
	return medsec_io_fsync_dir(dir);
}

static int
undo_swap(const char *fresh, const char *dir, const char *parent,
    int had_old)
{
	if (had_old ? renameat2(AT_FDCWD, fresh, AT_FDCWD, dir,
	    RENAME_EXCHANGE) != 0 : rename(dir, fresh) != 0)
		return MEDSEC_ERR_IO;
	return medsec_io_fsync_dir(parent);
}

/*
 * Puts fresh in place of dir in one step: exchanged with the old
 * directory (left at fresh), or renamed when there was none. *had_old
 * says which, for undo_swap(). A swap whose directory sync fails is
 * undone, so an error means the old files are in place; *stuck says the
 * undo failed too (the new files stay).
 */
static int
swap_in(const char *fresh, const char *dir, const char *parent,
    int *had_old, int *stuck)
{
	struct stat sb;
	int r;

	*stuck = 0;
	*had_old = lstat(dir, &sb) == 0;
	if (*had_old && !S_ISDIR(sb.st_mode))
		return MEDSEC_ERR_STATE;
	if (*had_old ? renameat2(AT_FDCWD, fresh, AT_FDCWD, dir,
	    RENAME_EXCHANGE) != 0 : rename(fresh, dir) != 0)
		return errno == ENOSPC ? MEDSEC_ERR_NOSPACE : MEDSEC_ERR_IO;
	if ((r = medsec_io_fsync_dir(parent)) != MEDSEC_OK &&
	    undo_swap(fresh, dir, parent, *had_old) != MEDSEC_OK)
		*stuck = 1;
	return r;
}

static int
record_settings(struct medsec_updater *u, const struct medsec_updater_setup *s,
    uint64_t keyset_version)
{
	int r;

	if ((r = updater_meta_raise(u, UPDATER_KEYSET_KEY, keyset_version)) ==
	    MEDSEC_OK &&
	    (r = medsec_db_meta_set(u->db, "update_hardware_id",
	    s->hardware_id)) == MEDSEC_OK &&
	    (r = medsec_db_meta_set(u->db, "update_product",
	    s->product != NULL ? s->product : "")) == MEDSEC_OK)
		r = medsec_db_meta_set(u->db, "update_two_person",
		    s->two_person ? "1" : "0");
	return r;
}

/* Verified trust and settings, installed; err says what went wrong. */
static int
install(struct medsec_updater *u, const struct medsec_updater_setup *s,
    const uint8_t *root, size_t root_len, const uint8_t *keyset,
    size_t keyset_len, uint64_t version, char *err, size_t errlen)
{
	char parent[4096], fresh[4200], *slash;
	int had_old = 0, stuck = 0, r, r2;

	snprintf(parent, sizeof(parent), "%s", u->trust_dir);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), ".");
	snprintf(fresh, sizeof(fresh), "%s.new", u->trust_dir);
	if ((r = prepare_dir(fresh, root, root_len, keyset, keyset_len)) !=
	    MEDSEC_OK) {
		updater_rmrf(fresh);
		return medsec_errf(err, errlen, r, "cannot write the new trust "
		    "files in %.200s: %s; nothing changed", fresh,
		    medsec_strerror(r));
	}
	if ((r = medsec_db_begin(u->db)) != MEDSEC_OK ||
	    (r = record_settings(u, s, version)) != MEDSEC_OK) {
		updater_rmrf(fresh);
		return medsec_errf(err, errlen, updater_txn_end(u, r),
		    "cannot record the key set floor and settings: %s; nothing "
		    "changed", medsec_strerror(r));
	}
	if ((r = swap_in(fresh, u->trust_dir, parent, &had_old, &stuck)) !=
	    MEDSEC_OK) {
		/* Rolls back (r is not MEDSEC_OK) and returns r itself. */
		(void)updater_txn_end(u, r);
		if (!stuck)
			updater_rmrf(fresh);
		return medsec_errf(err, errlen, r, "cannot install the trust "
		    "directory %.200s: %s; %s", u->trust_dir,
		    medsec_strerror(r), stuck ? "the new trust files may be "
		    "in place without the raised floor: run setup again" :
		    "nothing changed");
	}
	if ((r = updater_txn_end(u, MEDSEC_OK)) != MEDSEC_OK) {
		/* The files go back to match the floor that was kept. */
		r2 = undo_swap(fresh, u->trust_dir, parent, had_old);
		updater_rmrf(fresh);
		return medsec_errf(err, errlen, r, "cannot commit the key set "
		    "floor: %s; %s", medsec_strerror(r), r2 == MEDSEC_OK ?
		    "nothing changed" : "the new trust files are in place but "
		    "the floor was not raised: run setup again");
	}
	/* fresh now holds the replaced trust files: scratch. */
	updater_rmrf(fresh);
	return MEDSEC_OK;
}

int
medsec_updater_setup(struct medsec_updater *u,
    const struct medsec_updater_setup *s, const struct medsec_subject *who,
    char *err, size_t errlen)
{
	struct medsec_update_trust *t = NULL;
	uint8_t *root = NULL, *keyset = NULL;
	size_t root_len = 0, keyset_len = 0;
	uint64_t floor = 0, version = 0;
	struct medsec_audit_detail d;
	const char *details;
	char why[256] = "";
	int64_t now;
	int r, ra;

	if (u == NULL || s == NULL || s->root_path == NULL ||
	    s->keyset_path == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_access_check(u->roles, u->audit, who,
	    MEDSEC_PERM_CONFIG, "update-setup")) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "permission denied (config "
		    "needed)");
	if (!valid_label(s->hardware_id) ||
	    (s->product != NULL && s->product[0] != '\0' &&
	    !valid_label(s->product)))
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID, "hardware id "
		    "'%.64s' / product '%.64s': 1 to 63 printable characters "
		    "without spaces, quotes or backslashes",
		    s->hardware_id != NULL ? s->hardware_id : "",
		    s->product != NULL ? s->product : "");
	if ((r = updater_audit_ready(u, err, errlen)) != MEDSEC_OK)
		return r;
	if ((r = medsec_io_read_file(s->root_path, MEDSEC_UPDATE_TRUST_MAX, 0,
	    &root, &root_len)) != MEDSEC_OK) {
		medsec_errf(why, sizeof(why), r, "%.200s: %s", s->root_path,
		    medsec_strerror(r));
		goto refused;
	}
	if ((r = medsec_io_read_file(s->keyset_path, MEDSEC_UPDATE_TRUST_MAX, 0,
	    &keyset, &keyset_len)) != MEDSEC_OK) {
		medsec_errf(why, sizeof(why), r, "%.200s: %s", s->keyset_path,
		    medsec_strerror(r));
		goto refused;
	}
	if ((r = updater_meta_u64(u, UPDATER_KEYSET_KEY, &floor)) !=
	    MEDSEC_OK || (r = updater_now(u, &now)) != MEDSEC_OK) {
		medsec_errf(why, sizeof(why), r, "cannot read the key set "
		    "floor: %s", medsec_strerror(r));
		goto refused;
	}
	/* Exactly the bytes checked here are the bytes installed. */
	if ((r = medsec_update_trust_parse((const char *)root, root_len,
	    (const char *)keyset, keyset_len, now, floor, &t, why,
	    sizeof(why))) != MEDSEC_OK)
		goto refused;
	version = medsec_update_trust_keyset_version(t);
	if ((r = install(u, s, root, root_len, keyset, keyset_len, version,
	    why, sizeof(why))) != MEDSEC_OK)
		goto refused;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "keyset_version", version);
	medsec_audit_detail_u64(&d, "keyset_floor",
	    version > floor ? version : floor);
	medsec_audit_detail_u64(&d, "previous_floor", floor);
	medsec_audit_detail_str(&d, "hardware", s->hardware_id);
	medsec_audit_detail_i64(&d, "two_person", s->two_person != 0);
	if ((ra = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK ||
	    (ra = setup_audit(u, who, MEDSEC_AUDIT_SUCCESS, "update trust "
	    "installed; key set floor raised", details)) != MEDSEC_OK)
		r = medsec_errf(err, errlen, ra, "update trust installed (key "
		    "set version %" PRIu64 "), but its audit record could not "
		    "be written (%s)", version, medsec_strerror(ra));
	goto out;
refused:
	if ((ra = setup_audit(u, who, MEDSEC_AUDIT_FAILURE, why, NULL)) !=
	    MEDSEC_OK)
		updater_why_add(why, sizeof(why), "its audit record could not "
		    "be written", ra);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
out:
	medsec_update_trust_free(t);
	free(root);
	free(keyset);
	return r;
}
