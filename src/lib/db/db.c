/*
 * The embedded SQLite store. Every connection runs in WAL mode with
 * synchronous=FULL (a committed row survives a power cut), foreign keys
 * on and a busy timeout. The file is created 0600 before SQLite sees it,
 * so it is never readable by others, not even for an instant.
 *
 * Opening is two-step: a read-only connection first reads user_version,
 * and only a schema this build knows is reopened read-write. A database
 * from newer software is thus refused without a single byte written
 * (setting journal_mode=WAL would already rewrite the header).
 *
 * SQLite gives the -wal and -shm sidecars the mode of the database file
 * (and fchmods them should the umask get in the way), so creating the
 * main file 0600 covers all three. The umask is never touched: it is
 * process-wide and would race with other threads creating files.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/logf.h"
#include "db/db_int.h"
#include "io/io.h"
#include "medsec/db.h"
#include "medsec/err.h"

struct medsec_db {
	sqlite3 *h;
	sqlite3_stmt *data_version; /* prepared once: polled per request */
};

struct medsec_db_stmt {
	sqlite3_stmt *s;
};

static int
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return MEDSEC_OK;
	case SQLITE_FULL:
		return MEDSEC_ERR_NOSPACE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		medsec_log(MEDSEC_LOG_WARNING, "db", "database busy: another "
		    "connection held it past the %d ms timeout",
		    MEDSEC_DB_BUSY_TIMEOUT_MS);
		return MEDSEC_ERR_BUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return MEDSEC_ERR_CORRUPT;
	case SQLITE_NOMEM:
		return MEDSEC_ERR_NOMEM;
	default:
		return MEDSEC_ERR_DB;
	}
}

/* Maps a failed SQLite call to a medsec error, never to MEDSEC_OK. */
static int
fail_rc(int rc)
{
	int r = map_rc(rc);

	return r == MEDSEC_OK ? MEDSEC_ERR_DB : r;
}

/*
 * True if the text after a statement holds no further statement. SQLite
 * itself decides (compiling runs nothing): whitespace, comments and stray
 * semicolons pass; anything else, even a syntax error, does not.
 */
static int
tail_is_empty(sqlite3 *h, const char *tail)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (tail == NULL || *tail == '\0')
		return 1;
	rc = sqlite3_prepare_v2(h, tail, -1, &s, NULL);
	if (rc != SQLITE_OK || s != NULL) {
		sqlite3_finalize(s);
		return 0;
	}
	return 1;
}

/*
 * Prepares exactly one statement. A second statement in the text is
 * refused rather than silently ignored, so SQL pasted together from
 * pieces can never run more than the caller meant.
 */
static int
prepare_one(sqlite3 *h, const char *sql, sqlite3_stmt **sp)
{
	const char *tail = NULL;
	int rc;

	*sp = NULL;
	rc = sqlite3_prepare_v2(h, sql, -1, sp, &tail);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*sp);
		*sp = NULL;
		return fail_rc(rc);
	}
	if (*sp == NULL)
		return MEDSEC_ERR_INVALID; /* empty or comment-only SQL */
	if (!tail_is_empty(h, tail)) {
		sqlite3_finalize(*sp);
		*sp = NULL;
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

/* Runs one statement to completion, discarding any rows. */
static int
run_one(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = prepare_one(h, sql, &s)) != MEDSEC_OK)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? MEDSEC_OK : fail_rc(rc);
}

/*
 * Runs a migration: our own constant SQL of several statements, each
 * prepared and stepped in turn (the one place more than one is allowed).
 */
static int
run_script(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *s = NULL;
	const char *next = sql;
	int rc;

	while (next != NULL && *next != '\0') {
		rc = sqlite3_prepare_v2(h, next, -1, &s, &next);
		if (rc != SQLITE_OK)
			return fail_rc(rc);
		if (s == NULL)
			break; /* only whitespace or comments were left */
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE)
			return fail_rc(rc);
	}
	return MEDSEC_OK;
}

/* Reads a one-value pragma (or query) as an integer. */
static int
query_int(sqlite3 *h, const char *sql, int *vp)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	if ((r = prepare_one(h, sql, &s)) != MEDSEC_OK)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*vp = sqlite3_column_int(s, 0);
		r = MEDSEC_OK;
	} else {
		r = fail_rc(rc);
	}
	sqlite3_finalize(s);
	return r;
}

/* journal_mode answers with the mode in force, which may not be ours. */
static int
set_wal(sqlite3 *h)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *mode;
	int r, rc;

	if ((r = prepare_one(h, "PRAGMA journal_mode=WAL", &s)) != MEDSEC_OK)
		return r;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		r = fail_rc(rc);
	} else {
		mode = sqlite3_column_text(s, 0);
		r = mode != NULL && strcasecmp((const char *)mode, "wal") == 0 ?
		    MEDSEC_OK : MEDSEC_ERR_DB;
	}
	sqlite3_finalize(s);
	return r;
}

/*
 * Makes sure path exists as a regular file we may open. A new file is
 * created here, 0600 and exclusive, so SQLite never creates it with the
 * process umask, and its directory entry is made durable. A symlink is
 * refused here already; SQLITE_OPEN_NOFOLLOW checks again at open.
 */
static int
prepare_file(const char *path, int create)
{
	struct stat st;
	char dir[PATH_MAX];
	char *slash;
	int fd, r;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return MEDSEC_ERR_PERMISSION;
		return S_ISREG(st.st_mode) ? MEDSEC_OK : MEDSEC_ERR_DB;
	}
	if (!create)
		return MEDSEC_ERR_NOT_FOUND;
	fd = medsec_io_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == MEDSEC_ERR_EXISTS)
		return prepare_file(path, 0); /* lost a race: check it again */
	if (fd < 0)
		return fd;
	/* An odd umask (say 0277) must not leave a file we cannot write. */
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
		(void)medsec_io_close(fd);
		return MEDSEC_ERR_IO;
	}
	if ((r = medsec_io_close(fd)) != MEDSEC_OK)
		return r;
	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return MEDSEC_ERR_TOO_LARGE;
	if ((slash = strrchr(dir, '/')) == NULL)
		return medsec_io_fsync_dir(".");
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return medsec_io_fsync_dir(dir);
}

static int
open_handle(const char *path, int flags, sqlite3 **hp)
{
	int rc;

	*hp = NULL;
	rc = sqlite3_open_v2(path, hp, flags | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		if (*hp != NULL)
			rc = sqlite3_extended_errcode(*hp);
		sqlite3_close_v2(*hp);
		*hp = NULL;
		/* Swapped for a symlink after our lstat: still refused. */
		if (rc == SQLITE_CANTOPEN_SYMLINK)
			return MEDSEC_ERR_PERMISSION;
		return fail_rc(rc);
	}
	sqlite3_extended_result_codes(*hp, 1);
	/*
	 * Defensive mode: no SQL, not even from a damaged or hostile file,
	 * may write the schema table directly or corrupt the file by design.
	 */
	if (sqlite3_db_config(*hp, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) !=
	    SQLITE_OK ||
	    sqlite3_busy_timeout(*hp, MEDSEC_DB_BUSY_TIMEOUT_MS) != SQLITE_OK) {
		sqlite3_close_v2(*hp);
		*hp = NULL;
		return MEDSEC_ERR_DB;
	}
	return MEDSEC_OK;
}

/* Reads user_version through a read-only connection: writes nothing. */
static int
probe_version_with(const char *path, int flags, size_t nmigrations)
{
	sqlite3 *h = NULL;
	int r, v = 0;

	if ((r = open_handle(path, flags, &h)) != MEDSEC_OK)
		goto out;
	if ((r = query_int(h, "PRAGMA user_version", &v)) != MEDSEC_OK)
		goto out;
	if (v < 0 || (size_t)v > nmigrations) {
		r = MEDSEC_ERR_SCHEMA_NEWER;
		goto out;
	}
	r = MEDSEC_OK;
out:
	sqlite3_close_v2(h);
	return r;
}

/*
 * A read-only handle cannot roll back the hot journal that a crash
 * leaves behind (SQLite then refuses to read at all), so a failed
 * read-only probe is retried read-write: the rollback only restores the
 * last committed state, and no migration runs before the version is known.
 */
static int
probe_version(const char *path, size_t nmigrations)
{
	int r;

	r = probe_version_with(path, SQLITE_OPEN_READONLY, nmigrations);
	if (r == MEDSEC_OK || r == MEDSEC_ERR_SCHEMA_NEWER ||
	    r == MEDSEC_ERR_NOMEM)
		return r;
	return probe_version_with(path, SQLITE_OPEN_READWRITE, nmigrations);
}

/*
 * Applies migration i (version i to i + 1) in its own transaction. The
 * version is read again under the write lock: another process may have
 * migrated meanwhile, or even run newer software.
 */
static int
migrate_one(sqlite3 *h, const char *sql, size_t i, size_t n)
{
	char setv[64];
	int r, v = 0;

	if ((r = run_one(h, "BEGIN IMMEDIATE")) != MEDSEC_OK)
		return r;
	if ((r = query_int(h, "PRAGMA user_version", &v)) != MEDSEC_OK)
		goto fail;
	if (v < 0 || (size_t)v > n) {
		r = MEDSEC_ERR_SCHEMA_NEWER;
		goto fail;
	}
	if ((size_t)v != i) {
		r = MEDSEC_OK; /* already applied by someone else */
		goto fail;
	}
	/*
	 * A migration that fails to run is a defect of this build, not a
	 * busy or full disk: it is MEDSEC_ERR_DB whatever SQLite said.
	 */
	if ((r = run_script(h, sql)) != MEDSEC_OK) {
		if (r != MEDSEC_ERR_BUSY && r != MEDSEC_ERR_NOSPACE &&
		    r != MEDSEC_ERR_NOMEM)
			r = MEDSEC_ERR_DB;
		goto fail;
	}
	/* A PRAGMA takes no bound parameter; the number is our own. */
	snprintf(setv, sizeof(setv), "PRAGMA user_version=%zu", i + 1);
	if ((r = run_one(h, setv)) != MEDSEC_OK)
		goto fail;
	if ((r = run_one(h, "COMMIT")) != MEDSEC_OK)
		goto fail;
	return MEDSEC_OK;
fail:
	/* SQLite may already have rolled back: then nothing is left. */
	if (!sqlite3_get_autocommit(h))
		(void)run_one(h, "ROLLBACK");
	return r;
}

static int
configure(sqlite3 *h)
{
	int r;

	/*
	 * trusted_schema=OFF: views and triggers stored in the file may not
	 * call functions with side effects, should the file be tampered with.
	 */
	if ((r = set_wal(h)) != MEDSEC_OK ||
	    (r = run_one(h, "PRAGMA synchronous=FULL")) != MEDSEC_OK ||
	    (r = run_one(h, "PRAGMA foreign_keys=ON")) != MEDSEC_OK ||
	    (r = run_one(h, "PRAGMA trusted_schema=OFF")) != MEDSEC_OK)
		return r;
	return MEDSEC_OK;
}

int
medsec_db_open_with(const char *path, int create,
    const char *const *migrations, size_t nmigrations,
    struct medsec_db **dbp)
{
	struct medsec_db *db = NULL;
	size_t i;
	int r = MEDSEC_ERR_INTERNAL;

	if (dbp == NULL)
		return MEDSEC_ERR_INVALID;
	*dbp = NULL;
	if (path == NULL || *path == '\0' ||
	    (migrations == NULL && nmigrations > 0) || nmigrations > INT_MAX)
		return MEDSEC_ERR_INVALID;
	if ((r = prepare_file(path, create)) != MEDSEC_OK)
		return r;
	if ((r = probe_version(path, nmigrations)) != MEDSEC_OK)
		return r;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = open_handle(path, SQLITE_OPEN_READWRITE, &db->h)) !=
	    MEDSEC_OK)
		goto out;
	if ((r = configure(db->h)) != MEDSEC_OK)
		goto out;
	for (i = 0; i < nmigrations; i++)
		if ((r = migrate_one(db->h, migrations[i], i, nmigrations)) !=
		    MEDSEC_OK)
			goto out;
	*dbp = db;
	db = NULL;
	r = MEDSEC_OK;
out:
	medsec_db_close(db);
	return r;
}

int
medsec_db_open(const char *path, int create, struct medsec_db **dbp)
{
	const char *const *m;
	size_t n;

	m = medsec_db_migrations(&n);
	return medsec_db_open_with(path, create, m, n, dbp);
}

void
medsec_db_close(struct medsec_db *db)
{
	if (db == NULL)
		return;
	sqlite3_finalize(db->data_version);
	sqlite3_close_v2(db->h);
	free(db);
}

int
medsec_db_schema_version(struct medsec_db *db, int *versionp)
{
	if (db == NULL || versionp == NULL)
		return MEDSEC_ERR_INVALID;
	return query_int(db->h, "PRAGMA user_version", versionp);
}

int
medsec_db_schema_latest(void)
{
	size_t n;

	/* Returns the list itself, not an error: only the count is wanted. */
	(void)medsec_db_migrations(&n);
	return (int)n;
}

const char *
medsec_db_errmsg(struct medsec_db *db)
{
	if (db == NULL || db->h == NULL)
		return "no database handle";
	return sqlite3_errmsg(db->h);
}

int
medsec_db_begin(struct medsec_db *db)
{
	return medsec_db_exec(db, "BEGIN IMMEDIATE");
}

int
medsec_db_commit(struct medsec_db *db)
{
	return medsec_db_exec(db, "COMMIT");
}

int
medsec_db_rollback(struct medsec_db *db)
{
	return medsec_db_exec(db, "ROLLBACK");
}

int
medsec_db_exec(struct medsec_db *db, const char *sql)
{
	if (db == NULL || sql == NULL)
		return MEDSEC_ERR_INVALID;
	return run_one(db->h, sql);
}

int
medsec_db_prepare(struct medsec_db *db, const char *sql,
    struct medsec_db_stmt **stp)
{
	struct medsec_db_stmt *st;
	int r;

	if (stp == NULL)
		return MEDSEC_ERR_INVALID;
	*stp = NULL;
	if (db == NULL || sql == NULL)
		return MEDSEC_ERR_INVALID;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = prepare_one(db->h, sql, &st->s)) != MEDSEC_OK) {
		free(st);
		return r;
	}
	*stp = st;
	return MEDSEC_OK;
}

static int
bind_result(int rc)
{
	if (rc == SQLITE_OK)
		return MEDSEC_OK;
	if (rc == SQLITE_RANGE || rc == SQLITE_MISUSE)
		return MEDSEC_ERR_INVALID;
	if (rc == SQLITE_TOOBIG)
		return MEDSEC_ERR_TOO_LARGE;
	return fail_rc(rc);
}

int
medsec_db_bind_int64(struct medsec_db_stmt *st, int idx, int64_t v)
{
	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	return bind_result(sqlite3_bind_int64(st->s, idx, (sqlite3_int64)v));
}

int
medsec_db_bind_text(struct medsec_db_stmt *st, int idx, const char *s)
{
	if (st == NULL || s == NULL)
		return MEDSEC_ERR_INVALID;
	return bind_result(sqlite3_bind_text(st->s, idx, s, -1,
	    SQLITE_TRANSIENT));
}

int
medsec_db_bind_blob(struct medsec_db_stmt *st, int idx, const void *p,
    size_t len)
{
	if (st == NULL || (p == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	/* sqlite3_bind_blob with a NULL pointer would bind NULL, not "". */
	if (len == 0)
		return bind_result(sqlite3_bind_zeroblob(st->s, idx, 0));
	return bind_result(sqlite3_bind_blob64(st->s, idx, p,
	    (sqlite3_uint64)len, SQLITE_TRANSIENT));
}

int
medsec_db_bind_null(struct medsec_db_stmt *st, int idx)
{
	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	return bind_result(sqlite3_bind_null(st->s, idx));
}

int
medsec_db_step(struct medsec_db_stmt *st)
{
	int rc;

	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	rc = sqlite3_step(st->s);
	if (rc == SQLITE_ROW)
		return MEDSEC_DB_ROW;
	if (rc == SQLITE_DONE)
		return MEDSEC_DB_DONE;
	return fail_rc(rc);
}

int64_t
medsec_db_column_int64(struct medsec_db_stmt *st, int col)
{
	if (st == NULL)
		return 0;
	return (int64_t)sqlite3_column_int64(st->s, col);
}

const char *
medsec_db_column_text(struct medsec_db_stmt *st, int col)
{
	const char *t;

	if (st == NULL)
		return "";
	/* NULL columns read as "": callers print and copy these. */
	t = (const char *)sqlite3_column_text(st->s, col);
	return t != NULL ? t : "";
}

const void *
medsec_db_column_blob(struct medsec_db_stmt *st, int col, size_t *lenp)
{
	const void *p;
	int n;

	if (st == NULL) {
		if (lenp != NULL)
			*lenp = 0;
		return NULL;
	}
	/* Blob first, then bytes: the order SQLite documents as safe. */
	p = sqlite3_column_blob(st->s, col);
	n = sqlite3_column_bytes(st->s, col);
	if (lenp != NULL)
		*lenp = n > 0 ? (size_t)n : 0;
	return p;
}

int
medsec_db_column_is_null(struct medsec_db_stmt *st, int col)
{
	if (st == NULL)
		return 1;
	return sqlite3_column_type(st->s, col) == SQLITE_NULL;
}

int
medsec_db_reset(struct medsec_db_stmt *st)
{
	if (st == NULL)
		return MEDSEC_ERR_INVALID;
	/*
	 * sqlite3_reset repeats the error of the last step, which the caller
	 * has already had from medsec_db_step; the reset itself succeeds.
	 */
	(void)sqlite3_reset(st->s);
	return MEDSEC_OK;
}

void
medsec_db_finalize(struct medsec_db_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->s);
	free(st);
}

int
medsec_db_meta_set(struct medsec_db *db, const char *key, const char *value)
{
	struct medsec_db_stmt *st = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if (db == NULL || key == NULL || value == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(db, "INSERT INTO meta (key, value) "
	    "VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET "
	    "value = excluded.value", &st)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_bind_text(st, 1, key)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, value)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_DONE) {
		if (r == MEDSEC_DB_ROW)
			r = MEDSEC_ERR_INTERNAL;
		goto out;
	}
	r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

int
medsec_db_meta_get(struct medsec_db *db, const char *key, char *buf,
    size_t buflen)
{
	struct medsec_db_stmt *st = NULL;
	const unsigned char *v;
	int n, r = MEDSEC_ERR_INTERNAL;

	if (db == NULL || key == NULL || buf == NULL || buflen == 0)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(db, "SELECT value FROM meta WHERE key = ?1",
	    &st)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_bind_text(st, 1, key)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		if (r == MEDSEC_DB_DONE)
			r = MEDSEC_ERR_NOT_FOUND;
		goto out;
	}
	v = sqlite3_column_text(st->s, 0);
	n = sqlite3_column_bytes(st->s, 0);
	if (v == NULL || n < 0) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((size_t)n >= buflen) {
		r = MEDSEC_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(buf, v, (size_t)n);
	buf[n] = '\0';
	r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

int
medsec_db_changes(struct medsec_db *db)
{
	if (db == NULL || db->h == NULL)
		return 0;
	return sqlite3_changes(db->h);
}

int
medsec_db_data_version(struct medsec_db *db, int64_t *versionp)
{
	sqlite3_stmt *s = NULL;
	int rc, r = MEDSEC_ERR_INTERNAL;

	if (db == NULL || versionp == NULL)
		return MEDSEC_ERR_INVALID;
	if (db->data_version == NULL) {
		rc = sqlite3_prepare_v3(db->h, "PRAGMA data_version", -1,
		    SQLITE_PREPARE_PERSISTENT, &s, NULL);
		if (rc != SQLITE_OK)
			return fail_rc(rc);
		db->data_version = s;
	}
	s = db->data_version;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*versionp = sqlite3_column_int64(s, 0);
		r = MEDSEC_OK;
	} else
		r = fail_rc(rc);
	sqlite3_reset(s);
	return r;
}

int
medsec_db_secure_delete(struct medsec_db *db)
{
	int v = 0, r;

	if (db == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = run_one(db->h, "PRAGMA secure_delete=ON")) != MEDSEC_OK)
		return r;
	/* A build with SQLITE_SECURE_DELETE off still answers: check. */
	if ((r = query_int(db->h, "PRAGMA secure_delete", &v)) != MEDSEC_OK)
		return r;
	return v == 1 ? MEDSEC_OK : MEDSEC_ERR_DB;
}

int
medsec_db_checkpoint_truncate(struct medsec_db *db)
{
	int rc, frames = -1, copied = -1;

	if (db == NULL)
		return MEDSEC_ERR_INVALID;
	if (!sqlite3_get_autocommit(db->h))
		return MEDSEC_ERR_STATE;
	/*
	 * Never waits: a reader in another process would hold the caller
	 * (the daemon's event loop) for the whole busy timeout. The caller
	 * runs it again later instead.
	 */
	if (sqlite3_busy_timeout(db->h, 0) != SQLITE_OK)
		return MEDSEC_ERR_DB;
	rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &frames, &copied);
	if (sqlite3_busy_timeout(db->h, MEDSEC_DB_BUSY_TIMEOUT_MS) !=
	    SQLITE_OK)
		return MEDSEC_ERR_DB;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return MEDSEC_ERR_BUSY; /* expected: no warning from map_rc */
	if (rc != SQLITE_OK)
		return fail_rc(rc);
	/* TRUNCATE reports an emptied log as 0 frames, 0 copied. */
	return frames == 0 && copied == 0 ? MEDSEC_OK : MEDSEC_ERR_BUSY;
}
