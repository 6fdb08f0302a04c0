/*
 * A/B slots and the boot record. The boot record (STATE/slots/boot) is
 * the one switch: replaced atomically (write, fsync, rename, fsync the
 * directory), it always names a slot that was complete when it was
 * written. Everything else (the database state, leftovers of an
 * interrupted install) is reconciled from it at the next start.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errf.h"
#include "core/logf.h"
#include "io/io.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/updater.h"
#include "updater/updater_int.h"

#define BOOT_MAGIC "medsec-boot 1"

static void
boot_default(struct medsec_update_boot *b)
{
	memset(b, 0, sizeof(*b));
	b->active[0] = 'a'; /* the factory slot */
}

static int
valid_slot(const char *s, int allow_empty)
{
	return (allow_empty && s[0] == '\0') ||
	    ((s[0] == 'a' || s[0] == 'b') && s[1] == '\0');
}

/* Takes "key value\n" at *pp into out (value without spaces). */
static int
boot_line(const char **pp, const char *key, char *out, size_t outlen)
{
	const char *p = *pp, *nl;
	size_t klen = strlen(key), vlen;

	if (strncmp(p, key, klen) != 0 || p[klen] != ' ')
		return -1;
	p += klen + 1;
	if ((nl = strchr(p, '\n')) == NULL || (vlen = (size_t)(nl - p)) == 0 ||
	    vlen >= outlen || memchr(p, ' ', vlen) != NULL)
		return -1;
	memcpy(out, p, vlen);
	out[vlen] = '\0';
	*pp = nl + 1;
	return 0;
}

static int
boot_number(const char *s, unsigned *v)
{
	char *end;
	unsigned long x;

	if (*s < '0' || *s > '9')
		return -1;
	x = strtoul(s, &end, 10);
	if (*end != '\0' || x > 1000000)
		return -1;
	*v = (unsigned)x;
	return 0;
}

/* The whole record, strictly; 0 when it is well-formed. */
static int
parse_boot(const char *text, char *active, char *previous, unsigned *trial,
    unsigned *starts, char *digest)
{
	const char *p = text;
	char t[16], n[16];

	if (strncmp(p, BOOT_MAGIC "\n", sizeof(BOOT_MAGIC)) != 0)
		return -1;
	p += sizeof(BOOT_MAGIC);
	if (boot_line(&p, "active", active, 4) != 0 ||
	    boot_line(&p, "previous", previous, 4) != 0 ||
	    boot_line(&p, "trial", t, sizeof(t)) != 0 ||
	    boot_line(&p, "starts", n, sizeof(n)) != 0 ||
	    boot_line(&p, "digest", digest, 80) != 0 || *p != '\0' ||
	    boot_number(t, trial) != 0 || boot_number(n, starts) != 0)
		return -1;
	return 0;
}

int
updater_boot_read(struct medsec_updater *u, struct medsec_update_boot *b)
{
	char path[4096], active[4] = "", previous[4] = "", digest[80] = "";
	unsigned trial = 0, starts = 0;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r, n;

	boot_default(b);
	if ((r = updater_path(u, path, sizeof(path), "slots/boot")) !=
	    MEDSEC_OK)
		return r;
	r = medsec_io_read_file(path, 1024, 0, &buf, &len);
	if (r == MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK;
	if (r != MEDSEC_OK)
		return r;
	/* "previous" and "digest" may be "-" for none. */
	n = parse_boot((const char *)buf, active, previous, &trial, &starts,
	    digest);
	free(buf);
	if (n != 0 || !valid_slot(active, 0) ||
	    (strcmp(previous, "-") != 0 && !valid_slot(previous, 0)) ||
	    trial > 1 || (strcmp(digest, "-") != 0 && strlen(digest) != 64))
		return MEDSEC_ERR_CORRUPT;
	/* Lengths were checked above. */
	b->active[0] = active[0];
	b->previous[0] = strcmp(previous, "-") == 0 ? '\0' : previous[0];
	if (strcmp(digest, "-") != 0)
		memcpy(b->digest, digest, sizeof(b->digest));
	b->trial = (int)trial;
	b->trial_starts = starts;
	return MEDSEC_OK;
}

/*
 * STATE/slots/current: a symbolic link to the running slot, for the
 * launcher that starts the software from it. Derived from the boot
 * record (the truth), replaced atomically, rebuilt at every start.
 */
static int
refresh_current(struct medsec_updater *u, const char *active)
{
	char dir[4096], tmp[4200], cur[4200], have[8];
	ssize_t n;

	if (updater_path(u, dir, sizeof(dir), "slots") != MEDSEC_OK)
		return MEDSEC_ERR_TOO_LARGE;
	snprintf(cur, sizeof(cur), "%s/current", dir);
	n = readlink(cur, have, sizeof(have) - 1);
	if (n == 1 && have[0] == active[0])
		return MEDSEC_OK;
	snprintf(tmp, sizeof(tmp), "%s/.current.tmp", dir);
	/* A leftover link; symlink() below fails if it is still there. */
	(void)unlink(tmp);
	if (symlink(active, tmp) != 0)
		return MEDSEC_ERR_IO;
	if (medsec_io_rename(tmp, cur) != MEDSEC_OK) {
		/* Removed again before the next attempt (above). */
		(void)unlink(tmp);
		return MEDSEC_ERR_IO;
	}
	return medsec_io_fsync_dir(dir);
}

int
updater_boot_write(struct medsec_updater *u,
    const struct medsec_update_boot *b)
{
	char dir[4096], text[256];
	int n, r;

	if (updater_path(u, dir, sizeof(dir), "slots") != MEDSEC_OK)
		return MEDSEC_ERR_TOO_LARGE;
	n = snprintf(text, sizeof(text), BOOT_MAGIC "\nactive %s\nprevious %s\n"
	    "trial %d\nstarts %u\ndigest %s\n", b->active,
	    b->previous[0] ? b->previous : "-", b->trial, b->trial_starts,
	    b->digest[0] ? b->digest : "-");
	if (n < 0 || (size_t)n >= sizeof(text))
		return MEDSEC_ERR_INTERNAL;
	if ((r = medsec_io_write_file_atomic(dir, "boot", text, (size_t)n,
	    0644)) != MEDSEC_OK)
		return r;
	/*
	 * The link follows the record (the truth): a failure here is
	 * repaired by the next start, which rebuilds it.
	 */
	(void)refresh_current(u, b->active);
	return MEDSEC_OK;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * Removes scratch trees (staging, a swapped-out trust directory). What a
 * failure leaves is never read: the next run removes it before use.
 */
void
updater_rmrf(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0)
		(void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *
other_slot(const char *s)
{
	return s[0] == 'a' ? "b" : "a";
}

static int
package_file(struct medsec_updater *u, int64_t id, char *file, size_t len)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(u->db, "SELECT file FROM update_package "
	    "WHERE id = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, id)) == MEDSEC_OK) {
		if (medsec_db_step(st) == MEDSEC_DB_ROW)
			snprintf(file, len, "%s", medsec_db_column_text(st, 0));
		else
			r = MEDSEC_ERR_NOT_FOUND;
	}
	medsec_db_finalize(st);
	return r;
}

/* Whether a manifest is the one that was approved. */
static int
is_approved(const struct medsec_update_manifest *m, const char *digest)
{
	char hex[65];

	medsec_hex(m->digest, 32, hex);
	return strcmp(hex, digest) == 0;
}

/*
 * Verifies the parked package again and extracts it into dir, but only
 * if it still carries the approved manifest: an approval is for one
 * manifest, never for whatever file now sits in its place.
 */
static int
extract_to(struct medsec_updater *u, int64_t id, const char *digest,
    const char *dir, char *err, size_t errlen)
{
	struct medsec_update_manifest *m = NULL;
	struct medsec_update_trust *t = NULL;
	struct medsec_update_policy p;
	char file[4096];
	uint64_t ksv = 0;
	int r;

	if ((r = package_file(u, id, file, sizeof(file))) != MEDSEC_OK)
		return r;
	if ((r = medsec_update_inspect(file, &m, NULL, NULL, err, errlen)) !=
	    MEDSEC_OK)
		return r;
	r = is_approved(m, digest) ? MEDSEC_OK : MEDSEC_ERR_TAMPERED;
	medsec_update_manifest_free(m);
	m = NULL;
	if (r != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "the stored package is not "
		    "the approved manifest");
	memset(&p, 0, sizeof(p));
	p.hardware_id = u->hardware_id;
	p.product = u->product[0] != '\0' ? u->product : NULL;
	p.extract_dir = dir;
	if ((r = updater_now(u, &p.now_us)) != MEDSEC_OK ||
	    (r = updater_meta_u64(u, UPDATER_KEYSET_KEY, &ksv)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "cannot read the device's "
		    "update floors: %s", medsec_strerror(r));
	if ((r = medsec_update_trust_load(u->trust_dir, p.now_us, ksv, &t, err,
	    errlen)) == MEDSEC_OK)
		r = medsec_update_verify(file, t, &p, &m, err, errlen);
	if (r == MEDSEC_OK && !is_approved(m, digest))
		r = medsec_errf(err, errlen, MEDSEC_ERR_TAMPERED, "the stored "
		    "package changed during installation");
	medsec_update_manifest_free(m);
	medsec_update_trust_free(t);
	return r;
}

/*
 * A failed boot-record write may still have switched (the rename went
 * through, the directory sync failed): what is on disk decides.
 */
static int
switched(struct medsec_updater *u, const struct medsec_update_boot *want)
{
	struct medsec_update_boot now;

	return updater_boot_read(u, &now) == MEDSEC_OK &&
	    strcmp(now.active, want->active) == 0 &&
	    strcmp(now.digest, want->digest) == 0 && now.trial;
}

int
medsec_updater_install(struct medsec_updater *u, int64_t id, char *err,
    size_t errlen)
{
	struct medsec_update_record rec;
	struct medsec_update_boot b;
	char staging[4096], slot[4096], slots[4096], why[200] = "";
	const char *target;
	int r, r2;

	if (u == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_updater_get(u, id, &rec)) != MEDSEC_OK)
		return r;
	if (rec.state != MEDSEC_UPD_APPROVED) {
		if (err != NULL)
			snprintf(err, errlen, "update %" PRId64 " is %s: only an "
			    "approved update installs", id,
			    medsec_update_state_name(rec.state));
		return MEDSEC_ERR_STATE;
	}
	if ((r = updater_boot_read(u, &b)) != MEDSEC_OK)
		return r;
	if (b.trial) {
		if (err != NULL)
			snprintf(err, errlen, "a trial is running: commit or "
			    "roll it back first");
		return MEDSEC_ERR_STATE;
	}
	if ((r = updater_audit_ready(u, err, errlen)) != MEDSEC_OK)
		return r;
	target = other_slot(b.active);
	if ((r = updater_path(u, staging, sizeof(staging), "slots/.%s.new",
	    target)) != MEDSEC_OK ||
	    (r = updater_path(u, slot, sizeof(slot), "slots/%s", target)) !=
	    MEDSEC_OK ||
	    (r = updater_path(u, slots, sizeof(slots), "slots")) != MEDSEC_OK)
		return r;
	/* Marked before any slot write: a crash is found by reconcile(). */
	if ((r = updater_set_state(u, id, MEDSEC_UPD_INSTALLING,
	    "installing")) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "cannot record the install "
		    "(%s): nothing changed", medsec_strerror(r));
	updater_rmrf(staging);
	if ((r = extract_to(u, id, rec.digest, staging, why, sizeof(why))) !=
	    MEDSEC_OK)
		goto fail;
	/* The inactive slot is not running: replace it whole. */
	updater_rmrf(slot);
	if ((r = medsec_io_rename(staging, slot)) != MEDSEC_OK ||
	    (r = medsec_io_fsync_dir(slots)) != MEDSEC_OK)
		goto fail;
	snprintf(b.previous, sizeof(b.previous), "%s", b.active);
	snprintf(b.active, sizeof(b.active), "%s", target);
	b.trial = 1;
	b.trial_starts = 0;
	snprintf(b.digest, sizeof(b.digest), "%s", rec.digest);
	if ((r = updater_boot_write(u, &b)) != MEDSEC_OK && !switched(u, &b))
		goto fail;
	rec.state = MEDSEC_UPD_INSTALLED;
	if ((r = updater_set_state(u, id, MEDSEC_UPD_INSTALLED,
	    "installed in slot; trial at next start")) != MEDSEC_OK) {
		/* The switch happened: the next start records it. */
		snprintf(rec.reason, sizeof(rec.reason), "installed and the "
		    "boot record switched, but the database could not record "
		    "it (%s); the next start completes the record",
		    medsec_strerror(r));
		rec.state = MEDSEC_UPD_INSTALLING;
		if (err != NULL)
			snprintf(err, errlen, "%s", rec.reason);
		r2 = updater_audit(u, MEDSEC_EV_UPDATE_INSTALLED, NULL, &rec,
		    MEDSEC_AUDIT_FAILURE, rec.reason);
		return r != MEDSEC_OK ? r : r2;
	}
	if ((r = updater_audit(u, MEDSEC_EV_UPDATE_INSTALLED, NULL, &rec,
	    MEDSEC_AUDIT_SUCCESS, "installed into the inactive slot; boot "
	    "record switched (trial)")) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "update %" PRId64 " installed "
		    "(trial at next start), but its audit record could not be "
		    "written (%s)", id, medsec_strerror(r));
	return MEDSEC_OK;
fail:
	updater_rmrf(staging);
	/*
	 * Storage trouble (full, I/O error) leaves the package approved, to
	 * be installed again once it is fixed; a package that no longer
	 * verifies is rejected for good.
	 */
	rec.state = r == MEDSEC_ERR_IO || r == MEDSEC_ERR_NOSPACE ||
	    r == MEDSEC_ERR_NOMEM ? MEDSEC_UPD_APPROVED : MEDSEC_UPD_REJECTED;
	snprintf(rec.reason, sizeof(rec.reason), "install failed: %s%s",
	    why[0] ? why : medsec_strerror(r), rec.state == MEDSEC_UPD_APPROVED ?
	    "; still approved, install again" : "");
	/* Not recorded, the record stays installing: reconcile() ends it. */
	if ((r2 = updater_set_state(u, id, rec.state, rec.reason)) !=
	    MEDSEC_OK) {
		rec.state = MEDSEC_UPD_INSTALLING;
		updater_why_add(rec.reason, sizeof(rec.reason), "the outcome could "
		    "not be recorded; the next start does", r2);
	}
	/* The install failed either way: that is what the caller hears. */
	(void)updater_audit(u, MEDSEC_EV_UPDATE_REJECTED, NULL, &rec,
	    MEDSEC_AUDIT_FAILURE, rec.reason);
	if (err != NULL)
		snprintf(err, errlen, "%s", rec.reason);
	return r;
}

/*
 * Goes back to the previous slot; the trial package is rolled back. The
 * boot record goes first (the device must run the known-good release),
 * then the record: a record not written is finished by reconcile().
 */
static int
roll_back(struct medsec_updater *u, struct medsec_update_boot *b,
    const char *why)
{
	struct medsec_update_record rec, running;
	int r;

	if (!b->trial || b->previous[0] == '\0')
		return MEDSEC_ERR_STATE;
	/* Back to the committed release (none: the factory software). */
	if ((r = updater_find_state(u, MEDSEC_UPD_COMMITTED, &running)) ==
	    MEDSEC_ERR_NOT_FOUND)
		running.digest[0] = '\0';
	else if (r != MEDSEC_OK)
		return r;
	snprintf(b->active, sizeof(b->active), "%s", b->previous);
	b->previous[0] = '\0';
	b->trial = 0;
	b->trial_starts = 0;
	snprintf(b->digest, sizeof(b->digest), "%s", running.digest);
	if ((r = updater_boot_write(u, b)) != MEDSEC_OK)
		return r;
	if ((r = updater_find_state(u, MEDSEC_UPD_INSTALLED, &rec)) ==
	    MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK;
	if (r != MEDSEC_OK ||
	    (r = updater_set_state(u, rec.id, MEDSEC_UPD_ROLLED_BACK, why)) !=
	    MEDSEC_OK)
		return r;
	rec.state = MEDSEC_UPD_ROLLED_BACK;
	return updater_audit(u, MEDSEC_EV_UPDATE_ROLLED_BACK, NULL, &rec,
	    MEDSEC_AUDIT_FAILURE, why);
}

/* Removes updates/.incoming-*.msu, copies a crash cut short. */
static void
remove_incoming(struct medsec_updater *u)
{
	char dir[4096], path[4400];
	struct dirent *e;
	DIR *d;

	if (updater_path(u, dir, sizeof(dir), "updates") != MEDSEC_OK ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, ".incoming-", 10) == 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) < sizeof(path))
			updater_rmrf(path);
	closedir(d);
}

/*
 * The database is the truth about packages, the boot record about slots;
 * after a crash or a failed write between the two, this brings the
 * records in line with what runs:
 *  - installing: the switch went through (installed) or not (approved);
 *  - installed but not in trial on the boot record: rolled back;
 *  - committed while the boot record still says trial: the commit is
 *    finished (the counter is already raised; never roll that back).
 */
static int
reconcile(struct medsec_updater *u, struct medsec_update_boot *b,
    int *audit_r)
{
	struct medsec_update_record rec;
	char path[4096];
	int r;

	if ((r = updater_find_state(u, MEDSEC_UPD_INSTALLING, &rec)) ==
	    MEDSEC_OK) {
		if (b->trial && strcmp(b->digest, rec.digest) == 0)
			r = updater_set_state(u, rec.id, MEDSEC_UPD_INSTALLED,
			    "installed (switch completed before a restart)");
		else
			r = updater_set_state(u, rec.id, MEDSEC_UPD_APPROVED,
			    "install interrupted; still approved, install "
			    "again");
		if (r == MEDSEC_OK)
			medsec_log(MEDSEC_LOG_NOTICE, "updater", "%s %s: an "
			    "install interrupted by a restart was finished "
			    "as %s", rec.product, rec.version,
			    b->trial && strcmp(b->digest, rec.digest) == 0 ?
			    "installed" : "approved (install it again)");
	}
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		return r;
	if ((r = updater_find_state(u, MEDSEC_UPD_INSTALLED, &rec)) ==
	    MEDSEC_OK && !(b->trial && strcmp(b->digest, rec.digest) == 0)) {
		if ((r = updater_set_state(u, rec.id, MEDSEC_UPD_ROLLED_BACK,
		    "rolled back (recorded after a restart)")) == MEDSEC_OK) {
			medsec_log(MEDSEC_LOG_WARNING, "updater", "%s %s: "
			    "rolled back (recorded after a restart)",
			    rec.product, rec.version);
			rec.state = MEDSEC_UPD_ROLLED_BACK;
			*audit_r = updater_audit(u, MEDSEC_EV_UPDATE_ROLLED_BACK,
			    NULL, &rec, MEDSEC_AUDIT_FAILURE, "rolled back "
			    "(recorded after a restart)");
		}
	}
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		return r;
	if (b->trial && b->digest[0] != '\0' &&
	    (r = updater_find_state(u, MEDSEC_UPD_COMMITTED, &rec)) ==
	    MEDSEC_OK && strcmp(rec.digest, b->digest) == 0) {
		b->trial = 0;
		b->trial_starts = 0;
		if ((r = updater_boot_write(u, b)) != MEDSEC_OK)
			return r;
	}
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		return r;
	/*
	 * Scratch of writes a crash interrupted: staging directories, the
	 * boot record's and the link's temporary files, copies of offers.
	 * Nothing reads them; at a start nothing is writing them.
	 */
	if (updater_path(u, path, sizeof(path), "slots/.a.new") == MEDSEC_OK)
		updater_rmrf(path);
	if (updater_path(u, path, sizeof(path), "slots/.b.new") == MEDSEC_OK)
		updater_rmrf(path);
	if (updater_path(u, path, sizeof(path), "slots/.boot.tmp") == MEDSEC_OK)
		updater_rmrf(path);
	if (updater_path(u, path, sizeof(path), "slots/.current.tmp") ==
	    MEDSEC_OK)
		updater_rmrf(path);
	remove_incoming(u);
	return MEDSEC_OK;
}

/*
 * A device start is not refused when the audit trail is full: it must
 * run a complete slot and may have to roll back to the known-good one.
 * Its records are appended as usual and their failure returned.
 */
int
medsec_updater_boot(struct medsec_updater *u, struct medsec_update_boot *boot)
{
	struct medsec_update_boot b;
	int r, audit_r = MEDSEC_OK;

	if (u == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = updater_boot_read(u, &b)) != MEDSEC_OK)
		return r;
	if ((r = reconcile(u, &b, &audit_r)) != MEDSEC_OK)
		return r;
	/* Repaired at the next start if it fails; the record is the truth. */
	(void)refresh_current(u, b.active);
	if (b.trial) {
		b.trial_starts++;
		if (b.trial_starts > u->max_trial_starts)
			r = roll_back(u, &b, "trial started too often without "
			    "a commit (failed health checks)");
		else
			r = updater_boot_write(u, &b);
		/* A record that failed does not change which slot runs. */
		if (r == MEDSEC_ERR_AUDIT_DEGRADED ||
		    r == MEDSEC_ERR_AUDIT_UNAVAILABLE) {
			audit_r = r;
			r = MEDSEC_OK;
		}
		if (r != MEDSEC_OK)
			return r;
	}
	if (boot != NULL)
		*boot = b;
	return audit_r;
}

/* Not refused on a full trail either: it returns to the known-good slot. */
int
medsec_updater_health_failed(struct medsec_updater *u, const char *why)
{
	struct medsec_update_boot b;
	char reason[256];
	int r;

	if (u == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = updater_boot_read(u, &b)) != MEDSEC_OK)
		return r;
	snprintf(reason, sizeof(reason), "health check failed: %s",
	    why != NULL ? why : "unspecified");
	return roll_back(u, &b, reason);
}

/*
 * The release, the one it supersedes and the floors it raises, in one
 * transaction: the anti-rollback counter (never lowered, even after an
 * authorised downgrade) and the trusted-time floor, raised to the
 * release's build time but by at most MEDSEC_UPDATE_MAX_AHEAD_US past
 * what the device already knew (wall clock or floor).
 */
static int
record_commit(struct medsec_updater *u, const struct medsec_update_record *rec,
    int64_t built_us, uint64_t *counterp, uint64_t *timep)
{
	struct medsec_update_record old;
	uint64_t counter = 0, floor = 0, bound;
	int64_t wall = medsec_clock_wall_us();
	int r;

	if ((r = medsec_db_begin(u->db)) != MEDSEC_OK)
		return r;
	if ((r = updater_meta_u64(u, UPDATER_COUNTER_KEY, &counter)) !=
	    MEDSEC_OK ||
	    (r = updater_meta_u64(u, UPDATER_TIME_KEY, &floor)) != MEDSEC_OK)
		goto out;
	if ((r = updater_find_state(u, MEDSEC_UPD_COMMITTED, &old)) ==
	    MEDSEC_OK)
		r = updater_set_state(u, old.id, MEDSEC_UPD_SUPERSEDED,
		    "replaced by a newer committed update");
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		goto out;
	if ((r = updater_set_state(u, rec->id, MEDSEC_UPD_COMMITTED,
	    "committed")) != MEDSEC_OK)
		goto out;
	if (rec->security_counter > counter)
		counter = rec->security_counter;
	if (wall < MEDSEC_UPDATE_CLOCK_EPOCH_US)
		wall = MEDSEC_UPDATE_CLOCK_EPOCH_US;
	bound = (uint64_t)wall > floor ? (uint64_t)wall : floor;
	bound += MEDSEC_UPDATE_MAX_AHEAD_US;
	if (built_us > 0 && (uint64_t)built_us > floor)
		floor = (uint64_t)built_us < bound ? (uint64_t)built_us : bound;
	if ((r = updater_meta_raise(u, UPDATER_COUNTER_KEY, counter)) !=
	    MEDSEC_OK ||
	    (r = updater_meta_raise(u, UPDATER_TIME_KEY, floor)) != MEDSEC_OK)
		goto out;
	*counterp = counter;
	*timep = floor;
out:
	return updater_txn_end(u, r);
}

/* The trial's signed build time, from its parked package. */
static int
trial_built(struct medsec_updater *u, const struct medsec_update_record *rec,
    int64_t *builtp)
{
	struct medsec_update_manifest *m = NULL;
	char file[4096];
	int r;

	if ((r = package_file(u, rec->id, file, sizeof(file))) != MEDSEC_OK ||
	    (r = medsec_update_inspect(file, &m, NULL, NULL, NULL, 0)) !=
	    MEDSEC_OK)
		return r;
	*builtp = is_approved(m, rec->digest) ? m->built_us : 0;
	r = is_approved(m, rec->digest) ? MEDSEC_OK : MEDSEC_ERR_TAMPERED;
	medsec_update_manifest_free(m);
	return r;
}

int
medsec_updater_commit(struct medsec_updater *u,
    const struct medsec_subject *who)
{
	struct medsec_update_record rec;
	struct medsec_update_boot b;
	uint64_t counter = 0, floor = 0;
	int64_t built = 0;
	char reason[256], when[MEDSEC_RFC3339_LEN];
	int r, rb;

	if (u == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = updater_boot_read(u, &b)) != MEDSEC_OK)
		return r;
	if (!b.trial || updater_find_state(u, MEDSEC_UPD_INSTALLED, &rec) !=
	    MEDSEC_OK || strcmp(rec.digest, b.digest) != 0)
		return MEDSEC_ERR_STATE;
	if ((r = updater_audit_ready(u, NULL, 0)) != MEDSEC_OK ||
	    (r = trial_built(u, &rec, &built)) != MEDSEC_OK)
		return r;
	/*
	 * The database first: once the counter is raised the release is
	 * permanent. A boot record still saying trial afterwards is
	 * finished by reconcile(), never rolled back.
	 */
	if ((r = record_commit(u, &rec, built, &counter, &floor)) != MEDSEC_OK)
		return r;
	b.trial = 0;
	b.trial_starts = 0;
	rb = updater_boot_write(u, &b);
	if (medsec_time_format_digits(floor > (uint64_t)INT64_MAX ? INT64_MAX :
	    (int64_t)floor, 0, when, sizeof(when)) != MEDSEC_OK)
		snprintf(when, sizeof(when), "?");
	snprintf(reason, sizeof(reason), "trial committed; anti-rollback "
	    "counter %" PRIu64 ", trusted time %s%s", counter, when,
	    rb != MEDSEC_OK ? "; boot record not yet updated (the next start "
	    "does)" : "");
	rec.state = MEDSEC_UPD_COMMITTED;
	r = updater_audit(u, MEDSEC_EV_UPDATE_COMMITTED, who != NULL ?
	    who->user : NULL, &rec, MEDSEC_AUDIT_SUCCESS, reason);
	return rb != MEDSEC_OK ? rb : r;
}

int
medsec_updater_boot_state(struct medsec_updater *u,
    struct medsec_update_boot *boot)
{
	if (u == NULL || boot == NULL)
		return MEDSEC_ERR_INVALID;
	return updater_boot_read(u, boot);
}
