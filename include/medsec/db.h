/*
 * medsec db: the embedded SQLite store. The only module (with the later
 * record store) that includes <sqlite3.h>; no SQLite type leaks out.
 *
 * Every connection runs in WAL mode with synchronous=FULL, foreign keys on
 * and a busy timeout. Statements are always prepared with bound
 * parameters. The schema is a numbered list of migrations applied in one
 * transaction each; a database whose user_version is newer than this
 * software knows is refused with MEDSEC_ERR_SCHEMA_NEWER and left untouched.
 */
#ifndef MEDSEC_DB_H
#define MEDSEC_DB_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_db;
struct medsec_db_stmt;

#define MEDSEC_DB_BUSY_TIMEOUT_MS 5000

/* medsec_db_step() results besides errors. */
#define MEDSEC_DB_DONE 0
#define MEDSEC_DB_ROW 1

/*
 * Opens (creating if `create` and absent, with mode 0600) and migrates the
 * database at path to the newest schema. MEDSEC_ERR_NOT_FOUND if absent and
 * !create; MEDSEC_ERR_SCHEMA_NEWER for a newer schema (nothing written);
 * MEDSEC_ERR_PERMISSION if path is a symbolic link; MEDSEC_ERR_CORRUPT if
 * the file is not a (sound) database; MEDSEC_ERR_BUSY if another process
 * holds the lock past the busy timeout; MEDSEC_ERR_NOSPACE if the disk is
 * full; MEDSEC_ERR_DB otherwise, including a migration that fails (then
 * rolled back, the previous version intact). The caller closes *dbp.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_db_open(const char *path, int create, struct medsec_db **dbp);

/*
 * As medsec_db_open() with an explicit migration list (for tests and for
 * programs that embed their own tables): migrations[i] takes the schema
 * from version i to i + 1.
 */
MEDSEC_API
int medsec_db_open_with(const char *path, int create,
    const char *const *migrations, size_t nmigrations,
    struct medsec_db **dbp);

MEDSEC_API
void medsec_db_close(struct medsec_db *db);

/* The schema version (PRAGMA user_version) and the newest this build has. */
MEDSEC_API
int medsec_db_schema_version(struct medsec_db *db, int *versionp);
MEDSEC_API
int medsec_db_schema_latest(void);

/* Text of the last SQLite error on this handle (never NULL). */
MEDSEC_API
const char *medsec_db_errmsg(struct medsec_db *db);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_db_begin(struct medsec_db *db);
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_db_commit(struct medsec_db *db);
MEDSEC_API
int medsec_db_rollback(struct medsec_db *db);

/* Runs one parameterless statement (prepared internally). */
MEDSEC_API
int medsec_db_exec(struct medsec_db *db, const char *sql);

MEDSEC_API
int medsec_db_prepare(struct medsec_db *db, const char *sql,
    struct medsec_db_stmt **stp);
/* Parameter indexes start at 1, as in SQLite. Text and blobs are copied. */
MEDSEC_API
int medsec_db_bind_int64(struct medsec_db_stmt *st, int idx, int64_t v);
MEDSEC_API
int medsec_db_bind_text(struct medsec_db_stmt *st, int idx, const char *s);
MEDSEC_API
int medsec_db_bind_blob(struct medsec_db_stmt *st, int idx, const void *p,
    size_t len);
MEDSEC_API
int medsec_db_bind_null(struct medsec_db_stmt *st, int idx);
/* MEDSEC_DB_ROW, MEDSEC_DB_DONE or a negative error. */
MEDSEC_API
int medsec_db_step(struct medsec_db_stmt *st);
/*
 * Column indexes start at 0. Pointers live until the next step/reset.
 * Text of a NULL column is "", never a NULL pointer.
 */
MEDSEC_API
int64_t medsec_db_column_int64(struct medsec_db_stmt *st, int col);
MEDSEC_API
const char *medsec_db_column_text(struct medsec_db_stmt *st, int col);
MEDSEC_API
const void *medsec_db_column_blob(struct medsec_db_stmt *st, int col,
    size_t *lenp);
MEDSEC_API
int medsec_db_column_is_null(struct medsec_db_stmt *st, int col);
MEDSEC_API
int medsec_db_reset(struct medsec_db_stmt *st);
MEDSEC_API
void medsec_db_finalize(struct medsec_db_stmt *st);

/* Rows changed by the last INSERT, UPDATE or DELETE on this handle. */
MEDSEC_API
int medsec_db_changes(struct medsec_db *db);

/*
 * PRAGMA data_version: changes whenever another connection commits, so a
 * process can tell cheaply that its cached view of a table is stale.
 */
MEDSEC_API
int medsec_db_data_version(struct medsec_db *db, int64_t *versionp);

/*
 * Turns PRAGMA secure_delete on for this connection: the content of every
 * row it deletes is overwritten with zeros in its page, and freed pages are
 * zeroed, so deleted data does not linger in the file's free space.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_db_secure_delete(struct medsec_db *db);

/*
 * Copies every page of the write-ahead log into the database, syncs it and
 * truncates the log to zero bytes (wal_checkpoint(TRUNCATE)), so that no
 * older version of a page survives in the log. Outside a transaction only.
 * Does not wait for other connections: MEDSEC_ERR_BUSY at once when
 * another connection's reader or writer keeps the log from being copied
 * or reset (then run it again later).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_db_checkpoint_truncate(struct medsec_db *db);

/* Convenience key/value in the `meta` table of schema 1. */
MEDSEC_API
int medsec_db_meta_set(struct medsec_db *db, const char *key,
    const char *value);
/* Copies the value into buf; MEDSEC_ERR_NOT_FOUND if absent. */
MEDSEC_API
int medsec_db_meta_get(struct medsec_db *db, const char *key, char *buf,
    size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
