/*
 * The SQLite store: durable pragmas on every connection, a private file,
 * migrations one transaction each, a newer schema refused untouched, one
 * statement per call, and the key/value helpers.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "medsec/db.h"
#include "medsec/err.h"

struct env {
	char dir[64];
	char path[128];
};

static void
env_setup(struct env *e)
{
	snprintf(e->dir, sizeof(e->dir), "/tmp/medsec-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/medsec.db", e->dir);
}

static void
env_teardown(struct env *e)
{
	fixture_rmrf(e->dir);
}

static int64_t
query_int(struct medsec_db *db, const char *sql)
{
	struct medsec_db_stmt *st = NULL;
	int64_t v;

	assert_int_equal(medsec_db_prepare(db, sql, &st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	v = medsec_db_column_int64(st, 0);
	medsec_db_finalize(st);
	return v;
}

static int
table_exists(struct medsec_db *db, const char *name)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	assert_int_equal(medsec_db_prepare(db, "SELECT 1 FROM sqlite_master "
	    "WHERE type = 'table' AND name = ?1", &st), MEDSEC_OK);
	assert_int_equal(medsec_db_bind_text(st, 1, name), MEDSEC_OK);
	r = medsec_db_step(st);
	medsec_db_finalize(st);
	assert_true(r == MEDSEC_DB_ROW || r == MEDSEC_DB_DONE);
	return r == MEDSEC_DB_ROW;
}

static uint8_t *
read_bytes(const char *path, size_t *lenp)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;

	assert_int_equal(stat(path, &st), 0);
	assert_non_null(buf = malloc((size_t)st.st_size + 1));
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f),
	    (size_t)st.st_size);
	fclose(f);
	*lenp = (size_t)st.st_size;
	return buf;
}

static void
test_db_pragmas_set(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	struct medsec_db_stmt *st = NULL;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_prepare(db, "PRAGMA journal_mode", &st),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	assert_string_equal(medsec_db_column_text(st, 0), "wal");
	medsec_db_finalize(st);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA busy_timeout"),
	    MEDSEC_DB_BUSY_TIMEOUT_MS);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_file_mode_0600(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	struct stat st;
	char side[160];
	mode_t old;

	(void)state;
	env_setup(&e);
	/* A permissive umask must not leak into the files. */
	old = umask(0);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(umask(old), 0);
	assert_int_equal(medsec_db_meta_set(db, "k", "v"), MEDSEC_OK);
	assert_int_equal(stat(e.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(side, sizeof(side), "%s-wal", e.path);
	assert_int_equal(stat(side, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(side, sizeof(side), "%s-shm", e.path);
	assert_int_equal(stat(side, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
assert_mode_0600(const char *path, const char *suffix)
{
	struct stat st;
	char p[160];

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
test_db_file_mode_0600_despite_odd_umask(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	mode_t old;

	(void)state;
	env_setup(&e);
	/* A umask taking the owner's write bit must not break the store. */
	old = umask(0277);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_meta_set(db, "k", "v"), MEDSEC_OK);
	umask(old);
	assert_mode_0600(e.path, "");
	assert_mode_0600(e.path, "-wal");
	assert_mode_0600(e.path, "-shm");
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_absent_without_create(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 0, &db),
	    MEDSEC_ERR_NOT_FOUND);
	assert_null(db);
	assert_int_equal(access(e.path, F_OK), -1);
	env_teardown(&e);
}

static void
test_db_migrations_in_order(void **state)
{
	static const char *const m[] = {
		"CREATE TABLE a(x INTEGER);",
		"INSERT INTO a VALUES (1);",
		"CREATE TABLE b(y INTEGER); INSERT INTO b SELECT x + 1 FROM a;",
	};
	struct env e;
	struct medsec_db *db = NULL;
	int v = -1;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open_with(e.path, 1, m, 2, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_schema_version(db, &v), MEDSEC_OK);
	assert_int_equal(v, 2);
	medsec_db_close(db);
	/* A later build adds migration 3; 1 and 2 are not replayed. */
	assert_int_equal(medsec_db_open_with(e.path, 0, m, 3, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_schema_version(db, &v), MEDSEC_OK);
	assert_int_equal(v, 3);
	assert_int_equal(query_int(db, "SELECT count(*) FROM a"), 1);
	assert_int_equal(query_int(db, "SELECT y FROM b"), 2);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_default_schema(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	int v = -1;

	(void)state;
	env_setup(&e);
	assert_true(medsec_db_schema_latest() >= 1);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_schema_version(db, &v), MEDSEC_OK);
	assert_int_equal(v, medsec_db_schema_latest());
	assert_true(table_exists(db, "meta"));
	assert_true(table_exists(db, "device"));
	assert_true(table_exists(db, "config_snapshot"));
	/* The device table holds one row only. */
	assert_int_equal(medsec_db_exec(db, "INSERT INTO device VALUES "
	    "(1, 'gw-1', 'approved', 5)"), MEDSEC_OK);
	assert_int_equal(medsec_db_exec(db, "INSERT INTO device VALUES "
	    "(2, 'gw-2', 'approved', 5)"), MEDSEC_ERR_DB);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_failed_migration_rolls_back(void **state)
{
	static const char *const m[] = {
		"CREATE TABLE a(x INTEGER);",
		"CREATE TABLE partial(y INTEGER); "
		    "INSERT INTO no_such_table VALUES (1);",
	};
	struct env e;
	struct medsec_db *db = NULL;
	int v = -1;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open_with(e.path, 1, m, 2, &db),
	    MEDSEC_ERR_DB);
	assert_null(db);
	/* Version 1 is intact and nothing of migration 2 remains. */
	assert_int_equal(medsec_db_open_with(e.path, 0, m, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_schema_version(db, &v), MEDSEC_OK);
	assert_int_equal(v, 1);
	assert_true(table_exists(db, "a"));
	assert_false(table_exists(db, "partial"));
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_newer_schema_refused_unchanged(void **state)
{
	/* "Newer software": as many steps as ours, plus two more. */
	static const char *const newer[] = {
		"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
		"CREATE TABLE s2(x INTEGER);", "CREATE TABLE s3(x INTEGER);",
		"CREATE TABLE s4(x INTEGER);", "CREATE TABLE s5(x INTEGER);",
		"CREATE TABLE s6(x INTEGER);", "CREATE TABLE s7(x INTEGER);",
		"CREATE TABLE s8(x INTEGER);", "CREATE TABLE s9(x INTEGER);",
		"CREATE TABLE s10(x INTEGER);", "CREATE TABLE s11(x INTEGER);",
		"CREATE TABLE s12(x INTEGER);",
	};
	size_t ours = (size_t)medsec_db_schema_latest();
	struct env e;
	struct medsec_db *db = NULL;
	uint8_t *before, *after;
	size_t blen, alen;
	char side[160];
	int v = -1;

	(void)state;
	env_setup(&e);
	assert_true(ours + 2 <= sizeof(newer) / sizeof(newer[0]));
	assert_int_equal(medsec_db_open_with(e.path, 1, newer, ours + 2, &db),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_meta_set(db, "k", "v"), MEDSEC_OK);
	medsec_db_close(db);
	db = NULL;
	snprintf(side, sizeof(side), "%s-wal", e.path);
	assert_int_equal(access(side, F_OK), -1); /* fully checkpointed */

	before = read_bytes(e.path, &blen);
	assert_int_equal(medsec_db_open(e.path, 0, &db),
	    MEDSEC_ERR_SCHEMA_NEWER);
	assert_null(db);
	assert_int_equal(medsec_db_open(e.path, 1, &db),
	    MEDSEC_ERR_SCHEMA_NEWER);
	assert_null(db);
	/* One step newer than known is refused as well. */
	assert_int_equal(medsec_db_open_with(e.path, 0, newer, ours + 1, &db),
	    MEDSEC_ERR_SCHEMA_NEWER);
	assert_null(db);
	after = read_bytes(e.path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(before, after, blen);
	/* The software that wrote it still opens it, at its version. */
	assert_int_equal(medsec_db_open_with(e.path, 0, newer, ours + 2, &db),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_schema_version(db, &v), MEDSEC_OK);
	assert_int_equal(v, (int)ours + 2);
	medsec_db_close(db);
	free(before);
	free(after);
	env_teardown(&e);
}

static void
test_db_symlink_refused(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	char link[160];

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	medsec_db_close(db);
	db = NULL;
	snprintf(link, sizeof(link), "%s/link.db", e.dir);
	assert_int_equal(symlink(e.path, link), 0);
	assert_int_equal(medsec_db_open(link, 0, &db), MEDSEC_ERR_PERMISSION);
	assert_null(db);
	assert_int_equal(medsec_db_open(link, 1, &db), MEDSEC_ERR_PERMISSION);
	assert_null(db);
	/* A dangling link is not followed to create a file either. */
	snprintf(link, sizeof(link), "%s/dangling.db", e.dir);
	assert_int_equal(symlink("/tmp/medsec-nonexistent-target.db", link),
	    0);
	assert_int_equal(medsec_db_open(link, 1, &db), MEDSEC_ERR_PERMISSION);
	assert_int_equal(access("/tmp/medsec-nonexistent-target.db", F_OK),
	    -1);
	env_teardown(&e);
}

static void
test_db_bind_step_column_roundtrip(void **state)
{
	static const uint8_t blob[] = { 0x00, 0x01, 0xfe, 0xff, 0x00 };
	struct env e;
	struct medsec_db *db = NULL;
	struct medsec_db_stmt *st = NULL;
	const void *p;
	size_t len;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_exec(db,
	    "CREATE TABLE t(i INTEGER, s TEXT, b BLOB, n TEXT, e BLOB)"),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_prepare(db,
	    "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)", &st), MEDSEC_OK);
	assert_int_equal(medsec_db_bind_int64(st, 1, INT64_MIN), MEDSEC_OK);
	assert_int_equal(medsec_db_bind_text(st, 2, "x'); DROP TABLE t; --"),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_bind_blob(st, 3, blob, sizeof(blob)),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_bind_null(st, 4), MEDSEC_OK);
	assert_int_equal(medsec_db_bind_blob(st, 5, NULL, 0), MEDSEC_OK);
	assert_int_equal(medsec_db_bind_int64(st, 6, 1), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_DONE);
	medsec_db_finalize(st);

	assert_int_equal(medsec_db_prepare(db, "SELECT i, s, b, n, e FROM t",
	    &st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	assert_true(medsec_db_column_int64(st, 0) == INT64_MIN);
	assert_string_equal(medsec_db_column_text(st, 1),
	    "x'); DROP TABLE t; --");
	p = medsec_db_column_blob(st, 2, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(p, blob, sizeof(blob));
	assert_true(medsec_db_column_is_null(st, 3));
	assert_string_equal(medsec_db_column_text(st, 3), "");
	assert_false(medsec_db_column_is_null(st, 4));
	(void)medsec_db_column_blob(st, 4, &len);
	assert_int_equal(len, 0);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_DONE);
	/* Reset allows a second pass over the same statement. */
	assert_int_equal(medsec_db_reset(st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	medsec_db_finalize(st);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_multi_statement_exec_refused(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	struct medsec_db_stmt *st = NULL;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_exec(db, "CREATE TABLE t(x); "
	    "CREATE TABLE u(y)"), MEDSEC_ERR_INVALID);
	assert_false(table_exists(db, "t"));
	assert_false(table_exists(db, "u"));
	assert_int_equal(medsec_db_prepare(db, "SELECT 1; DROP TABLE meta",
	    &st), MEDSEC_ERR_INVALID);
	assert_null(st);
	assert_int_equal(medsec_db_exec(db, ""), MEDSEC_ERR_INVALID);
	/* A statement hidden after a comment is still a second one. */
	assert_int_equal(medsec_db_exec(db, "SELECT 1; -- c\nDROP TABLE meta"),
	    MEDSEC_ERR_INVALID);
	assert_true(table_exists(db, "meta"));
	/* One statement with a trailing semicolon or comment is fine. */
	assert_int_equal(medsec_db_exec(db, "CREATE TABLE t(x);  \n"),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_exec(db, "CREATE TABLE u(y); -- why\n;"),
	    MEDSEC_OK);
	assert_true(table_exists(db, "u"));
	assert_int_equal(medsec_db_exec(db, "SELEC nonsense"), MEDSEC_ERR_DB);
	assert_non_null(medsec_db_errmsg(db));
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_transactions(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_begin(db), MEDSEC_OK);
	assert_int_equal(medsec_db_meta_set(db, "a", "1"), MEDSEC_OK);
	assert_int_equal(medsec_db_rollback(db), MEDSEC_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM meta"), 0);
	assert_int_equal(medsec_db_begin(db), MEDSEC_OK);
	assert_int_equal(medsec_db_meta_set(db, "a", "1"), MEDSEC_OK);
	assert_int_equal(medsec_db_commit(db), MEDSEC_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM meta"), 1);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_meta_get_set(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	char buf[8];

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_meta_get(db, "device_id", buf, sizeof(buf)),
	    MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(medsec_db_meta_set(db, "device_id", "gw-1"),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_meta_get(db, "device_id", buf, sizeof(buf)),
	    MEDSEC_OK);
	assert_string_equal(buf, "gw-1");
	/* Overwrite, then a value that exactly fills / overflows buf. */
	assert_int_equal(medsec_db_meta_set(db, "device_id", "1234567"),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_meta_get(db, "device_id", buf, sizeof(buf)),
	    MEDSEC_OK);
	assert_string_equal(buf, "1234567");
	assert_int_equal(medsec_db_meta_set(db, "device_id", "12345678"),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_meta_get(db, "device_id", buf, sizeof(buf)),
	    MEDSEC_ERR_TOO_LARGE);
	assert_int_equal(query_int(db, "SELECT count(*) FROM meta"), 1);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_reopen_keeps_data(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	char buf[32];

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_meta_set(db, "crypto_profile", "kcmvp"),
	    MEDSEC_OK);
	medsec_db_close(db);
	db = NULL;
	assert_int_equal(medsec_db_open(e.path, 0, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_meta_get(db, "crypto_profile", buf,
	    sizeof(buf)), MEDSEC_OK);
	assert_string_equal(buf, "kcmvp");
	medsec_db_close(db);
	/* create on an existing file opens it, it does not recreate it. */
	assert_int_equal(medsec_db_open(e.path, 1, &db), MEDSEC_OK);
	assert_int_equal(medsec_db_meta_get(db, "crypto_profile", buf,
	    sizeof(buf)), MEDSEC_OK);
	medsec_db_close(db);
	env_teardown(&e);
}

static void
test_db_not_a_database(void **state)
{
	struct env e;
	struct medsec_db *db = NULL;
	FILE *f;

	(void)state;
	env_setup(&e);
	assert_non_null(f = fopen(e.path, "wb"));
	fputs("this is not an sqlite database, just some text that is long "
	    "enough to fill a header and then some more bytes of junk", f);
	fclose(f);
	assert_int_equal(medsec_db_open(e.path, 0, &db), MEDSEC_ERR_CORRUPT);
	assert_null(db);
	env_teardown(&e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_db_pragmas_set),
	cmocka_unit_test(test_db_file_mode_0600),
	cmocka_unit_test(test_db_file_mode_0600_despite_odd_umask),
	cmocka_unit_test(test_db_absent_without_create),
	cmocka_unit_test(test_db_migrations_in_order),
	cmocka_unit_test(test_db_default_schema),
	cmocka_unit_test(test_db_failed_migration_rolls_back),
	cmocka_unit_test(test_db_newer_schema_refused_unchanged),
	cmocka_unit_test(test_db_symlink_refused),
	cmocka_unit_test(test_db_bind_step_column_roundtrip),
	cmocka_unit_test(test_db_multi_statement_exec_refused),
	cmocka_unit_test(test_db_transactions),
	cmocka_unit_test(test_db_meta_get_set),
	cmocka_unit_test(test_db_reopen_keeps_data),
	cmocka_unit_test(test_db_not_a_database),
};

MEDSEC_TEST_MAIN(tests)
