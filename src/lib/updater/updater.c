/*
 * The updater's records and the approval steps: stage (receive and
 * verify), approve (bound to the digest, once, optionally by two people),
 * reject.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/errf.h"
#include "io/io.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/updater.h"
#include "updater/updater_int.h"

static const char *const state_names[] = {
	"?", "awaiting-approval", "approved", "installing", "installed",
	"committed", "rejected", "rolled-back", "superseded",
};

const char *
medsec_update_state_name(int state)
{
	if (state < 1 ||
	    (size_t)state >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[state];
}

int
updater_path(struct medsec_updater *u, char *out, size_t outlen,
    const char *fmt, ...)
{
	char rel[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	return medsec_io_path(out, outlen, u->state_dir, rel);
}

int
medsec_updater_open(struct medsec_db *db, struct medsec_audit *audit,
    const struct medsec_roles *roles,
    const struct medsec_updater_options *o, struct medsec_updater **up)
{
	struct medsec_updater *u;
	char path[4096];

	if (up == NULL)
		return MEDSEC_ERR_INVALID;
	*up = NULL;
	if (db == NULL || audit == NULL || roles == NULL || o == NULL ||
	    o->state_dir == NULL || o->trust_dir == NULL ||
	    o->hardware_id == NULL)
		return MEDSEC_ERR_INVALID;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return MEDSEC_ERR_NOMEM;
	u->db = db;
	u->audit = audit;
	u->roles = roles;
	snprintf(u->state_dir, sizeof(u->state_dir), "%s", o->state_dir);
	snprintf(u->trust_dir, sizeof(u->trust_dir), "%s", o->trust_dir);
	snprintf(u->hardware_id, sizeof(u->hardware_id), "%s", o->hardware_id);
	snprintf(u->product, sizeof(u->product), "%s",
	    o->product != NULL ? o->product : "");
	u->two_person = o->two_person;
	u->max_trial_starts = o->max_trial_starts ? o->max_trial_starts : 3;
	/*
	 * The directories exist from the first use on. Ignoring a failure
	 * here is safe: the first operation that writes into one of them
	 * fails with the real error, before any state changes.
	 */
	if (updater_path(u, path, sizeof(path), "updates") == MEDSEC_OK)
		(void)medsec_io_mkdir(path, 0700);
	if (updater_path(u, path, sizeof(path), "slots") == MEDSEC_OK)
		(void)medsec_io_mkdir(path, 0755);
	*up = u;
	return MEDSEC_OK;
}

void
medsec_updater_close(struct medsec_updater *u)
{
	free(u);
}

int
updater_meta_u64(struct medsec_updater *u, const char *key, uint64_t *v)
{
	char buf[32], *end;
	int r;

	*v = 0;
	if ((r = medsec_db_meta_get(u->db, key, buf, sizeof(buf))) ==
	    MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK;
	if (r != MEDSEC_OK)
		return r;
	*v = strtoull(buf, &end, 10);
	return *end == '\0' ? MEDSEC_OK : MEDSEC_ERR_CORRUPT;
}

int
updater_meta_set_u64(struct medsec_updater *u, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return medsec_db_meta_set(u->db, key, buf);
}

int
updater_meta_raise(struct medsec_updater *u, const char *key, uint64_t v)
{
	uint64_t have = 0;
	int r;

	if ((r = updater_meta_u64(u, key, &have)) != MEDSEC_OK)
		return r;
	return v > have ? updater_meta_set_u64(u, key, v) : MEDSEC_OK;
}

int
updater_now(struct medsec_updater *u, int64_t *nowp)
{
	uint64_t floor = 0;
	int64_t wall = medsec_clock_wall_us();
	int r;

	/* A floor that cannot be read is not a floor of zero: refuse. */
	if ((r = updater_meta_u64(u, UPDATER_TIME_KEY, &floor)) != MEDSEC_OK)
		return r;
	*nowp = floor > (uint64_t)INT64_MAX ? INT64_MAX :
	    (int64_t)floor > wall ? (int64_t)floor : wall;
	return MEDSEC_OK;
}

int
updater_txn_end(struct medsec_updater *u, int r)
{
	if (r == MEDSEC_OK && (r = medsec_db_commit(u->db)) == MEDSEC_OK)
		return MEDSEC_OK;
	/*
	 * r is the failure the caller reports. A ROLLBACK that fails too
	 * (SQLite already rolled back after an I/O error, or the handle is
	 * broken) leaves nothing committed either way.
	 */
	(void)medsec_db_rollback(u->db);
	return r;
}

int
updater_audit_ready(struct medsec_updater *u, char *err, size_t errlen)
{
	int r;

	if ((r = medsec_audit_ready(u->audit)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "the audit trail cannot take "
		    "a record (%s): nothing changed", medsec_strerror(r));
	return MEDSEC_OK;
}

int
updater_audit(struct medsec_updater *u, int event, const char *actor,
    const struct medsec_update_record *rec, int outcome, const char *reason)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *details;
	char object[128];
	int r;

	snprintf(object, sizeof(object), "update/%" PRId64, rec->id);
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "digest", rec->digest);
	medsec_audit_detail_str(&d, "product", rec->product);
	medsec_audit_detail_str(&d, "version", rec->version);
	medsec_audit_detail_u64(&d, "security_counter", rec->security_counter);
	medsec_audit_detail_str(&d, "state",
	    medsec_update_state_name(rec->state));
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.actor = actor != NULL ? actor : "medsec-updater";
	ev.source = "local";
	ev.object = object;
	ev.outcome = outcome;
	ev.reason = reason;
	ev.details = details;
	return medsec_audit_append_critical(u->audit, &ev, NULL);
}

#define RECORD_COLUMNS "id, digest, product, version, security_counter, " \
	"downgrade, state, reason, approved_by, approved_by2, received_us, " \
	"changed_us"

static void
read_record(struct medsec_db_stmt *st, struct medsec_update_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = medsec_db_column_int64(st, 0);
	snprintf(r->digest, sizeof(r->digest), "%s",
	    medsec_db_column_text(st, 1));
	snprintf(r->product, sizeof(r->product), "%s",
	    medsec_db_column_text(st, 2));
	snprintf(r->version, sizeof(r->version), "%s",
	    medsec_db_column_text(st, 3));
	r->security_counter = (uint64_t)medsec_db_column_int64(st, 4);
	r->downgrade = medsec_db_column_int64(st, 5) != 0;
	r->state = (int)medsec_db_column_int64(st, 6);
	snprintf(r->reason, sizeof(r->reason), "%s",
	    medsec_db_column_text(st, 7));
	snprintf(r->approved_by, sizeof(r->approved_by), "%s",
	    medsec_db_column_text(st, 8));
	snprintf(r->approved_by2, sizeof(r->approved_by2), "%s",
	    medsec_db_column_text(st, 9));
	r->received_us = medsec_db_column_int64(st, 10);
	r->changed_us = medsec_db_column_int64(st, 11);
}

/* One record by a query taking one integer parameter. */
static int
query_record(struct medsec_updater *u, const char *sql, int64_t arg,
    struct medsec_update_record *rec)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(u->db, sql, &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, arg)) == MEDSEC_OK) {
		r = medsec_db_step(st);
		if (r == MEDSEC_DB_ROW) {
			read_record(st, rec);
			r = MEDSEC_OK;
		} else if (r == MEDSEC_DB_DONE)
			r = MEDSEC_ERR_NOT_FOUND;
	}
	medsec_db_finalize(st);
	return r;
}

int
medsec_updater_get(struct medsec_updater *u, int64_t id,
    struct medsec_update_record *rec)
{
	if (u == NULL || rec == NULL)
		return MEDSEC_ERR_INVALID;
	return query_record(u, "SELECT " RECORD_COLUMNS " FROM update_package "
	    "WHERE id = ?1", id, rec);
}

int
updater_find_state(struct medsec_updater *u, int state,
    struct medsec_update_record *rec)
{
	return query_record(u, "SELECT " RECORD_COLUMNS " FROM update_package "
	    "WHERE state = ?1 ORDER BY id DESC LIMIT 1", state, rec);
}

int
medsec_updater_list(struct medsec_updater *u,
    int (*fn)(const struct medsec_update_record *, void *), void *ctx)
{
	struct medsec_update_record rec;
	struct medsec_db_stmt *st = NULL;
	int r;

	if (u == NULL || fn == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(u->db, "SELECT " RECORD_COLUMNS " FROM "
	    "update_package ORDER BY id", &st)) != MEDSEC_OK)
		return r;
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		read_record(st, &rec);
		if ((r = fn(&rec, ctx)) != 0)
			break;
	}
	medsec_db_finalize(st);
	return r == MEDSEC_DB_DONE ? MEDSEC_OK : r;
}

int
medsec_updater_counter(struct medsec_updater *u, uint64_t *counterp)
{
	if (u == NULL || counterp == NULL)
		return MEDSEC_ERR_INVALID;
	return updater_meta_u64(u, UPDATER_COUNTER_KEY, counterp);
}

int
medsec_updater_keyset_floor(struct medsec_updater *u, uint64_t *versionp)
{
	if (u == NULL || versionp == NULL)
		return MEDSEC_ERR_INVALID;
	return updater_meta_u64(u, UPDATER_KEYSET_KEY, versionp);
}

int
medsec_updater_time_floor(struct medsec_updater *u, int64_t *usp)
{
	uint64_t v = 0;
	int r;

	if (u == NULL || usp == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = updater_meta_u64(u, UPDATER_TIME_KEY, &v)) == MEDSEC_OK)
		*usp = v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
	return r;
}

int
updater_set_state(struct medsec_updater *u, int64_t id, int state,
    const char *reason)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(u->db, "UPDATE update_package SET state = "
	    "?2, reason = ?3, changed_us = ?4 WHERE id = ?1", &st)) !=
	    MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, id)) == MEDSEC_OK &&
	    (r = medsec_db_bind_int64(st, 2, state)) == MEDSEC_OK &&
	    (r = medsec_db_bind_text(st, 3, reason != NULL ? reason : "")) ==
	    MEDSEC_OK &&
	    (r = medsec_db_bind_int64(st, 4, medsec_clock_wall_us())) ==
	    MEDSEC_OK &&
	    (r = medsec_db_step(st)) == MEDSEC_DB_DONE)
		r = medsec_db_changes(u->db) == 1 ? MEDSEC_OK :
		    MEDSEC_ERR_NOT_FOUND;
	else if (r == MEDSEC_DB_ROW)
		r = MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}

/* Inserts a record; digest NULL for a package without a readable one. */
static int
insert_record(struct medsec_updater *u, struct medsec_update_record *rec,
    const char *file)
{
	struct medsec_db_stmt *st = NULL;
	int64_t now = medsec_clock_wall_us();
	int r;

	if ((r = medsec_db_prepare(u->db, "INSERT INTO update_package (digest, "
	    "product, version, security_counter, downgrade, state, reason, "
	    "file, received_us, changed_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?9) RETURNING id", &st)) != MEDSEC_OK)
		return r;
	if ((r = rec->digest[0] != '\0' ? medsec_db_bind_text(st, 1,
	    rec->digest) : medsec_db_bind_null(st, 1)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, rec->product)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 3, rec->version)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 4, (int64_t)rec->security_counter)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 5, rec->downgrade)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 6, rec->state)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 7, rec->reason)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 8, file != NULL ? file : "")) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 9, now)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		if (r == MEDSEC_DB_DONE)
			r = MEDSEC_ERR_DB;
		goto out;
	}
	rec->id = medsec_db_column_int64(st, 0);
	rec->received_us = rec->changed_us = now;
	r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

static int
digest_known(struct medsec_updater *u, const char *digest)
{
	struct medsec_db_stmt *st = NULL;
	int found = 1;

	if (medsec_db_prepare(u->db, "SELECT 1 FROM update_package WHERE "
	    "digest = ?1", &st) != MEDSEC_OK)
		return 1; /* cannot tell: refuse */
	if (medsec_db_bind_text(st, 1, digest) == MEDSEC_OK)
		found = medsec_db_step(st) == MEDSEC_DB_ROW;
	medsec_db_finalize(st);
	return found;
}

void
updater_why_add(char *why, size_t whylen, const char *what, int r)
{
	size_t n = strlen(why);

	if (n < whylen)
		snprintf(why + n, whylen - n, "; %s (%s)", what,
		    medsec_strerror(r));
}

/*
 * Records a refused package and says why (why holds the reason). The
 * refusal is the result whatever happens to its record: nothing else
 * changed, and a record or audit write that fails is added to why.
 */
static int
reject_new(struct medsec_updater *u, const char *actor,
    const struct medsec_update_manifest *m, int code, char *why,
    size_t whylen)
{
	struct medsec_update_record rec;
	int r;

	memset(&rec, 0, sizeof(rec));
	rec.state = MEDSEC_UPD_REJECTED;
	snprintf(rec.reason, sizeof(rec.reason), "%s", why);
	if (m != NULL) {
		medsec_hex(m->digest, 32, rec.digest);
		snprintf(rec.product, sizeof(rec.product), "%s", m->product);
		snprintf(rec.version, sizeof(rec.version), "%s", m->version);
		rec.security_counter = m->security_counter;
		/* A replayed digest is on record already: do not collide. */
		if (digest_known(u, rec.digest))
			rec.digest[0] = '\0';
	}
	if ((r = insert_record(u, &rec, NULL)) != MEDSEC_OK)
		updater_why_add(why, whylen, "the refusal could not be recorded", r);
	if ((r = updater_audit(u, MEDSEC_EV_UPDATE_REJECTED, actor, &rec,
	    MEDSEC_AUDIT_FAILURE, rec.reason)) != MEDSEC_OK)
		updater_why_add(why, whylen, "its audit record could not be written", r);
	return code;
}

static const char *
file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "directory" : S_ISFIFO(mode) ? "FIFO" :
	    S_ISCHR(mode) ? "character device" : S_ISBLK(mode) ?
	    "block device" : S_ISSOCK(mode) ? "socket" : "special file";
}

/* Opens the offer without blocking or following a link: a plain file. */
static int
open_offer(const char *pkg_path, struct stat *sb, char *why, size_t whylen)
{
	int in, e, r;

	/*
	 * O_NONBLOCK: opening a FIFO must not wait for a writer; what is
	 * not a regular file is refused below before any read.
	 */
	if ((in = open(pkg_path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		e = errno;
		r = e == ENOENT ? MEDSEC_ERR_NOT_FOUND : e == ELOOP ?
		    MEDSEC_ERR_PERMISSION : e == EACCES ? MEDSEC_ERR_PERMISSION :
		    MEDSEC_ERR_IO;
		return medsec_errf(why, whylen, r, "cannot read the offered "
		    "package %.120s: %s", pkg_path, e == ELOOP ?
		    "a symbolic link (not followed)" : strerror(e));
	}
	if (fstat(in, sb) != 0) {
		e = errno;
		close(in);
		return medsec_errf(why, whylen, MEDSEC_ERR_IO, "cannot read the "
		    "offered package %.120s: %s", pkg_path, strerror(e));
	}
	if (!S_ISREG(sb->st_mode)) {
		close(in);
		return medsec_errf(why, whylen, MEDSEC_ERR_INVALID, "the offered "
		    "package %.120s is a %s, not a regular file", pkg_path,
		    file_kind(sb->st_mode));
	}
	if ((uint64_t)sb->st_size > MEDSEC_UPDATE_PACKAGE_MAX) {
		close(in);
		return medsec_errf(why, whylen, MEDSEC_ERR_TOO_LARGE, "the offered "
		    "package %.120s is %jd bytes, over the limit of %" PRIu64,
		    pkg_path, (intmax_t)sb->st_size,
		    (uint64_t)MEDSEC_UPDATE_PACKAGE_MAX);
	}
	return in;
}

/* The copy must leave room for the audit trail on the same disk. */
static int
room_for(struct medsec_updater *u, int fd, uint64_t size, char *why,
    size_t whylen)
{
	struct statvfs fs;
	uint64_t avail;

	(void)u;
	if (fstatvfs(fd, &fs) != 0)
		return medsec_errf(why, whylen, MEDSEC_ERR_IO, "cannot tell the "
		    "free space for the package: %s", strerror(errno));
	avail = (uint64_t)fs.f_bavail * fs.f_frsize;
	if (avail < MEDSEC_AUDIT_RESERVE_BYTES ||
	    avail - MEDSEC_AUDIT_RESERVE_BYTES < size)
		return medsec_errf(why, whylen, MEDSEC_ERR_NOSPACE, "the package "
		    "needs %" PRIu64 " bytes; %" PRIu64 " are free, and the "
		    "audit trail keeps a reserve of %u", size, avail,
		    MEDSEC_AUDIT_RESERVE_BYTES);
	return MEDSEC_OK;
}

/*
 * Takes a private copy of the offered package (0600, in STATE/updates,
 * synced) before anything reads it: what is verified is then exactly
 * what is installed, whatever happens to the offered file. Only a regular
 * file is copied, exactly the size it had when opened (a file that grows
 * or shrinks meanwhile is refused), streamed in 1 MiB pieces, so memory
 * and disk stay bounded.
 */
static int
take_copy(struct medsec_updater *u, const char *pkg_path, char *tmp,
    size_t tmplen, char *why, size_t whylen)
{
	struct stat sb;
	uint8_t *buf = NULL, extra;
	uint64_t size, off = 0;
	size_t want;
	ssize_t n;
	int in = -1, out = -1, r;

	if ((r = updater_path(u, tmp, tmplen, "updates/.incoming-%ld.msu",
	    (long)getpid())) != MEDSEC_OK)
		return medsec_errf(why, whylen, r, "state directory path too "
		    "long");
	/* A leftover of a killed run; O_EXCL below refuses anything else. */
	(void)medsec_io_unlink(tmp);
	if ((in = open_offer(pkg_path, &sb, why, whylen)) < 0)
		return in;
	size = (uint64_t)sb.st_size;
	if ((buf = malloc(MEDSEC_UPDATE_CHUNK)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((out = medsec_io_open(tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		r = medsec_errf(why, whylen, out, "cannot store the package: "
		    "%s", medsec_strerror(out));
		goto out;
	}
	if ((r = room_for(u, out, size, why, whylen)) != MEDSEC_OK)
		goto out;
	while (off < size) {
		want = size - off < MEDSEC_UPDATE_CHUNK ? (size_t)(size - off) :
		    MEDSEC_UPDATE_CHUNK;
		n = read(in, buf, want);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			r = medsec_errf(why, whylen, n < 0 ? MEDSEC_ERR_IO :
			    MEDSEC_ERR_FORMAT, "cannot read the offered "
			    "package %.120s: %s", pkg_path, n < 0 ?
			    strerror(errno) : "it shrank while being copied");
			goto out;
		}
		if ((r = medsec_io_pwrite_all(out, buf, (size_t)n,
		    (off_t)off)) != MEDSEC_OK) {
			r = medsec_errf(why, whylen, r, "cannot store the "
			    "package: %s", medsec_strerror(r));
			goto out;
		}
		off += (uint64_t)n;
	}
	do
		n = read(in, &extra, 1);
	while (n < 0 && errno == EINTR);
	if (n != 0) {
		r = medsec_errf(why, whylen, MEDSEC_ERR_FORMAT, "the offered "
		    "package %.120s %s", pkg_path, n > 0 ? "grew while being "
		    "copied" : "could not be read to its end");
		goto out;
	}
	if ((r = medsec_io_fsync(out)) != MEDSEC_OK)
		r = medsec_errf(why, whylen, r, "cannot store the package: %s",
		    medsec_strerror(r));
out:
	if (out >= 0)
		medsec_io_close(out);
	close(in);
	free(buf);
	/* The copy is private scratch: a failed removal leaks disk only. */
	if (r != MEDSEC_OK)
		(void)medsec_io_unlink(tmp);
	return r;
}

/* Moves the verified copy to STATE/updates/<digest>.msu. */
static int
park(struct medsec_updater *u, const char *tmp, const char *digest,
    char *file, size_t filelen)
{
	char dir[4096], name[80];
	int r;

	snprintf(name, sizeof(name), "%s.msu", digest);
	if ((r = updater_path(u, dir, sizeof(dir), "updates")) != MEDSEC_OK ||
	    (r = medsec_io_path(file, filelen, dir, name)) != MEDSEC_OK ||
	    (r = medsec_io_rename(tmp, file)) != MEDSEC_OK)
		return r;
	return medsec_io_fsync_dir(dir);
}

/* MAJOR.MINOR.PATCH compared numerically; a pre-release sorts first. */
static int
semver_cmp(const char *a, const char *b)
{
	unsigned long x, y;
	char *ea, *eb;
	int i;

	for (i = 0; i < 3; i++) {
		x = strtoul(a, &ea, 10);
		y = strtoul(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
	}
	if ((*a == '-') != (*b == '-'))
		return *a == '-' ? -1 : 1;
	return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
}

/*
 * The documented policy for an older version with a counter the device
 * accepts (MCUboot accepts equal counters): staged, but marked and logged
 * as a DOWNGRADE so the approver sees it.
 */
static int
older_version(struct medsec_updater *u, const struct medsec_update_manifest *m)
{
	struct medsec_update_record running;
	int r;

	/* The running release is the committed record: nothing to copy. */
	if ((r = updater_find_state(u, MEDSEC_UPD_COMMITTED, &running)) ==
	    MEDSEC_ERR_NOT_FOUND)
		return 0;
	/* Cannot tell: mark it, the approver then looks twice. */
	if (r != MEDSEC_OK)
		return 1;
	return semver_cmp(m->version, running.version) < 0;
}

static int
check_downgrade(struct medsec_updater *u,
    const struct medsec_update_manifest *m, uint64_t counter, char *why,
    size_t whylen)
{
	struct medsec_update_record running;

	if (m->downgrade_of[0] == '\0') {
		if (m->security_counter < counter) {
			snprintf(why, whylen, "security counter %" PRIu64
			    " below the device's %" PRIu64 " (rollback)",
			    m->security_counter, counter);
			return MEDSEC_ERR_STATE;
		}
		return MEDSEC_OK;
	}
	if (updater_find_state(u, MEDSEC_UPD_COMMITTED, &running) !=
	    MEDSEC_OK || strcmp(m->downgrade_of, running.digest) != 0) {
		snprintf(why, whylen, "downgrade authorisation is for %.16s..., "
		    "not the running release", m->downgrade_of);
		return MEDSEC_ERR_STATE;
	}
	return MEDSEC_OK;
}

/*
 * A signed time far beyond a working wall clock is refused, so no signed
 * package can teach the device a time it has not reached. A clock below
 * the trusted floor is not working (a dead battery) and cannot judge:
 * then only commit moves the floor, and it bounds the step
 * (docs/updates.md).
 */
static int
check_built(const struct medsec_update_manifest *m, int64_t floor_us,
    char *why, size_t whylen)
{
	char built[MEDSEC_RFC3339_LEN], wall_text[MEDSEC_RFC3339_LEN];
	int64_t wall = medsec_clock_wall_us();

	if (wall < floor_us || wall < MEDSEC_UPDATE_CLOCK_EPOCH_US ||
	    m->built_us <= wall ||
	    m->built_us - wall <= MEDSEC_UPDATE_MAX_AHEAD_US)
		return MEDSEC_OK;
	if (medsec_time_format_digits(m->built_us, 0, built, sizeof(built)) !=
	    MEDSEC_OK)
		snprintf(built, sizeof(built), "?");
	if (medsec_time_format_digits(wall, 0, wall_text, sizeof(wall_text)) !=
	    MEDSEC_OK)
		snprintf(wall_text, sizeof(wall_text), "?");
	return medsec_errf(why, whylen, MEDSEC_ERR_STATE, "signed build time "
	    "%s is more than 24 h after this device's clock (%s): refused, a "
	    "time that far ahead would poison the device's notion of time",
	    built, wall_text);
}

/* The record, its key set floor, one transaction. */
static int
record_staged(struct medsec_updater *u, struct medsec_update_record *rec,
    const char *file, uint64_t keyset_version)
{
	int r;

	if ((r = medsec_db_begin(u->db)) != MEDSEC_OK)
		return r;
	if ((r = insert_record(u, rec, file)) == MEDSEC_OK)
		r = updater_meta_raise(u, UPDATER_KEYSET_KEY, keyset_version);
	return updater_txn_end(u, r);
}

/* Audits a package refused without a record (nothing was stored). */
static void
refuse_unrecorded(struct medsec_updater *u, const char *actor,
    struct medsec_update_record *rec, char *why, size_t whylen)
{
	int r;

	rec->state = MEDSEC_UPD_REJECTED;
	if ((r = updater_audit(u, MEDSEC_EV_UPDATE_REJECTED, actor, rec,
	    MEDSEC_AUDIT_FAILURE, why)) != MEDSEC_OK)
		updater_why_add(why, whylen, "its audit record could not be written", r);
}

int
medsec_updater_stage(struct medsec_updater *u, const char *pkg_path,
    const struct medsec_subject *who, int64_t *idp, char *err,
    size_t errlen)
{
	struct medsec_update_manifest *m = NULL, *peek = NULL;
	struct medsec_update_trust *t = NULL;
	struct medsec_update_policy p;
	struct medsec_update_record rec;
	const char *actor = who != NULL && who->user != NULL ? who->user :
	    "local";
	char why[256] = "", file[4096] = "", tmp[4096] = "";
	uint64_t counter = 0, ksv = 0, floor = 0;
	int r;

	if (u == NULL || pkg_path == NULL)
		return MEDSEC_ERR_INVALID;
	memset(&rec, 0, sizeof(rec));
	if ((r = updater_audit_ready(u, why, sizeof(why))) != MEDSEC_OK)
		goto out;
	if ((r = take_copy(u, pkg_path, tmp, sizeof(tmp), why,
	    sizeof(why))) != MEDSEC_OK) {
		tmp[0] = '\0';
		r = reject_new(u, actor, NULL, r, why, sizeof(why));
		goto out;
	}
	/*
	 * A first look, for the receipt record only: a package that cannot
	 * be inspected is refused with the reason by the verification below.
	 */
	if (medsec_update_inspect(tmp, &peek, NULL, NULL, NULL, 0) !=
	    MEDSEC_OK) {
		/* peek stays NULL; the verification below says why. */
	}
	if (peek != NULL) {
		medsec_hex(peek->digest, 32, rec.digest);
		snprintf(rec.version, sizeof(rec.version), "%s", peek->version);
	}
	if ((r = updater_audit(u, MEDSEC_EV_UPDATE_RECEIVED, actor, &rec,
	    MEDSEC_AUDIT_SUCCESS, "package received")) != MEDSEC_OK) {
		snprintf(why, sizeof(why), "the receipt could not be audited "
		    "(%s): nothing staged", medsec_strerror(r));
		goto out;
	}
	if (peek != NULL && digest_known(u, rec.digest)) {
		snprintf(why, sizeof(why), "already received or installed "
		    "(replay)");
		r = reject_new(u, actor, peek, MEDSEC_ERR_EXISTS, why,
		    sizeof(why));
		goto out;
	}
	memset(&p, 0, sizeof(p));
	if ((r = updater_meta_u64(u, UPDATER_COUNTER_KEY, &counter)) !=
	    MEDSEC_OK ||
	    (r = updater_meta_u64(u, UPDATER_KEYSET_KEY, &ksv)) != MEDSEC_OK ||
	    (r = updater_meta_u64(u, UPDATER_TIME_KEY, &floor)) != MEDSEC_OK ||
	    (r = updater_now(u, &p.now_us)) != MEDSEC_OK) {
		snprintf(why, sizeof(why), "cannot read the device's update "
		    "floors (%s): nothing staged", medsec_strerror(r));
		goto out;
	}
	p.hardware_id = u->hardware_id;
	p.product = u->product[0] != '\0' ? u->product : NULL;
	/* The counter floor is checked below, with downgrade rules. */
	if ((r = medsec_update_trust_load(u->trust_dir, p.now_us, ksv, &t, why,
	    sizeof(why))) != MEDSEC_OK ||
	    (r = medsec_update_verify(tmp, t, &p, &m, why, sizeof(why))) !=
	    MEDSEC_OK ||
	    (r = check_built(m, floor > (uint64_t)INT64_MAX ? INT64_MAX :
	    (int64_t)floor, why, sizeof(why))) != MEDSEC_OK ||
	    (r = check_downgrade(u, m, counter, why, sizeof(why))) != MEDSEC_OK) {
		r = reject_new(u, actor, m != NULL ? m : peek, r, why,
		    sizeof(why));
		goto out;
	}
	/* The identity is the verified manifest's, not the first look's. */
	medsec_hex(m->digest, 32, rec.digest);
	snprintf(rec.version, sizeof(rec.version), "%s", m->version);
	snprintf(rec.product, sizeof(rec.product), "%s", m->product);
	rec.security_counter = m->security_counter;
	if (digest_known(u, rec.digest)) {
		snprintf(why, sizeof(why), "already received or installed "
		    "(replay)");
		r = reject_new(u, actor, m, MEDSEC_ERR_EXISTS, why,
		    sizeof(why));
		goto out;
	}
	if ((r = park(u, tmp, rec.digest, file, sizeof(file))) != MEDSEC_OK) {
		snprintf(why, sizeof(why), "cannot store the package: %s",
		    medsec_strerror(r));
		refuse_unrecorded(u, actor, &rec, why, sizeof(why));
		goto out;
	}
	tmp[0] = '\0';
	rec.downgrade = m->downgrade_of[0] != '\0' || older_version(u, m);
	rec.state = MEDSEC_UPD_AWAITING_APPROVAL;
	snprintf(rec.reason, sizeof(rec.reason), "%s",
	    m->downgrade_of[0] != '\0' ? "DOWNGRADE authorised by the "
	    "manufacturer; awaiting approval" : rec.downgrade ? "DOWNGRADE: "
	    "older version, same security counter; awaiting approval" :
	    "awaiting approval");
	if ((r = record_staged(u, &rec, file,
	    medsec_update_trust_keyset_version(t))) != MEDSEC_OK) {
		snprintf(why, sizeof(why), "cannot record the package (%s): "
		    "nothing staged", medsec_strerror(r));
		/* Unrecorded, the parked copy is only unused disk space. */
		(void)medsec_io_unlink(file);
		refuse_unrecorded(u, actor, &rec, why, sizeof(why));
		goto out;
	}
	if (idp != NULL)
		*idp = rec.id;
	if ((r = updater_audit(u, MEDSEC_EV_UPDATE_VERIFIED, actor, &rec,
	    MEDSEC_AUDIT_SUCCESS, rec.downgrade ? "verified; DOWNGRADE, needs "
	    "an administrator's approval" : "signatures, trust, expiry, "
	    "hardware and payload verified")) != MEDSEC_OK)
		snprintf(why, sizeof(why), "staged as update %" PRId64 ", but "
		    "its audit record could not be written (%s)", rec.id,
		    medsec_strerror(r));
out:
	/* Private scratch: a failed removal leaks disk space only. */
	if (r != MEDSEC_OK && tmp[0] != '\0')
		(void)medsec_io_unlink(tmp);
	if (r != MEDSEC_OK && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why[0] ? why : medsec_strerror(r));
	medsec_update_manifest_free(m);
	medsec_update_manifest_free(peek);
	medsec_update_trust_free(t);
	return r;
}

static int
set_approver(struct medsec_updater *u, int64_t id, const char *column_sql,
    const char *who)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(u->db, column_sql, &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, id)) == MEDSEC_OK &&
	    (r = medsec_db_bind_text(st, 2, who)) == MEDSEC_OK &&
	    (r = medsec_db_step(st)) == MEDSEC_DB_DONE)
		r = medsec_db_changes(u->db) == 1 ? MEDSEC_OK :
		    MEDSEC_ERR_NOT_FOUND;
	else if (r == MEDSEC_DB_ROW)
		r = MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}

/* The approver (and, when complete, the state): one transaction. */
static int
record_approval(struct medsec_updater *u, int64_t id, const char *sql,
    const char *who, int state, const char *reason)
{
	int r;

	if ((r = medsec_db_begin(u->db)) != MEDSEC_OK)
		return r;
	if ((r = set_approver(u, id, sql, who)) == MEDSEC_OK && state != 0)
		r = updater_set_state(u, id, state, reason);
	return updater_txn_end(u, r);
}

int
medsec_updater_approve(struct medsec_updater *u, int64_t id,
    const char *digest, const struct medsec_subject *who, int fresh_reauth,
    char *err, size_t errlen)
{
	struct medsec_update_record rec;
	int r;

	if (u == NULL || digest == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_access_check(u->roles, u->audit, who,
	    MEDSEC_PERM_UPDATE_APPROVE, "update")) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "update-approve permission "
		    "needed");
	if (!fresh_reauth)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE, "approving an "
		    "update needs the password again (re-authentication)");
	if ((r = medsec_updater_get(u, id, &rec)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "no update %" PRId64, id);
	if (rec.state != MEDSEC_UPD_AWAITING_APPROVAL)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE, "update %"
		    PRId64 " is %s, not awaiting approval", id,
		    medsec_update_state_name(rec.state));
	if (strcmp(digest, rec.digest) != 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE, "approval is "
		    "for another manifest (digest mismatch)");
	if (u->two_person && rec.approved_by[0] != '\0' &&
	    strcmp(rec.approved_by, who->user) == 0)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE, "the second "
		    "approval must come from a different administrator");
	if ((r = updater_audit_ready(u, err, errlen)) != MEDSEC_OK)
		return r;
	if (u->two_person && rec.approved_by[0] == '\0') {
		if ((r = record_approval(u, id, "UPDATE update_package SET "
		    "approved_by = ?2 WHERE id = ?1 AND state = 1 AND "
		    "approved_by = ''", who->user, 0, NULL)) != MEDSEC_OK)
			return medsec_errf(err, errlen, r, "the approval could "
			    "not be recorded (%s): nothing changed",
			    medsec_strerror(r));
		snprintf(rec.approved_by, sizeof(rec.approved_by), "%s",
		    who->user);
		if ((r = updater_audit(u, MEDSEC_EV_UPDATE_APPROVED, who->user,
		    &rec, MEDSEC_AUDIT_SUCCESS, "first of two approvals")) !=
		    MEDSEC_OK)
			return medsec_errf(err, errlen, r, "first approval "
			    "recorded, but its audit record could not be "
			    "written (%s)", medsec_strerror(r));
		return MEDSEC_OK;
	}
	if ((r = record_approval(u, id, u->two_person ? "UPDATE update_package "
	    "SET approved_by2 = ?2 WHERE id = ?1 AND state = 1" :
	    "UPDATE update_package SET approved_by = ?2 WHERE id = ?1 AND "
	    "state = 1", who->user, MEDSEC_UPD_APPROVED, rec.downgrade ?
	    "downgrade approved" : "approved")) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "the approval could not be "
		    "recorded (%s): nothing changed", medsec_strerror(r));
	rec.state = MEDSEC_UPD_APPROVED;
	if ((r = updater_audit(u, MEDSEC_EV_UPDATE_APPROVED, who->user, &rec,
	    MEDSEC_AUDIT_SUCCESS, rec.downgrade ? "DOWNGRADE approved" :
	    "approved for installation")) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "update %" PRId64 " approved, "
		    "but its audit record could not be written (%s)", id,
		    medsec_strerror(r));
	return MEDSEC_OK;
}

int
medsec_updater_reject(struct medsec_updater *u, int64_t id,
    const struct medsec_subject *who, const char *reason)
{
	struct medsec_update_record rec;
	int r;

	if (u == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_access_check(u->roles, u->audit, who,
	    MEDSEC_PERM_UPDATE_APPROVE, "update")) != MEDSEC_OK)
		return r;
	if ((r = medsec_updater_get(u, id, &rec)) != MEDSEC_OK)
		return r;
	if (rec.state != MEDSEC_UPD_AWAITING_APPROVAL &&
	    rec.state != MEDSEC_UPD_APPROVED)
		return MEDSEC_ERR_STATE;
	if ((r = updater_audit_ready(u, NULL, 0)) != MEDSEC_OK)
		return r;
	/* One statement: SQLite runs it as its own transaction. */
	if ((r = updater_set_state(u, id, MEDSEC_UPD_REJECTED, reason)) !=
	    MEDSEC_OK)
		return r;
	rec.state = MEDSEC_UPD_REJECTED;
	return updater_audit(u, MEDSEC_EV_UPDATE_REJECTED, who->user, &rec,
	    MEDSEC_AUDIT_SUCCESS, reason != NULL ? reason : "rejected");
}
