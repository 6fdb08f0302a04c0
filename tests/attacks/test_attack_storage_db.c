/*
 * The record store (SQLite through libmedsec's db layer) under storage
 * faults: TESTING.md S1 (power loss during a transaction), S2 (process
 * crash), S3 (I/O errors), S4 (out of memory), S5 (a fault during
 * recovery), S6 (a corrupted file). The database runs under the fault
 * shim's VFS (faultio_vfs.c).
 *
 * The workload is a run of transactions, each writing a row to two tables
 * and rewriting the previous transaction's rows, with a checkpoint in the
 * middle and the close (checkpoint, WAL removal) at the end, so that the
 * WAL, the database file, truncation and deletion all see faults. After
 * every crash or fault: the store opens, passes SQLite's integrity check,
 * every transaction is wholly present or wholly absent (both tables
 * agree, row for row), and every acknowledged transaction is present.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "faultio.h"
#include "fixture.h"
#include "testmain.h"
#include "medsec/db.h"
#include "medsec/err.h"

#define TXNS 5
#define VALUE_LEN 1500 /* overflow pages: a row spans several */

static const char *const schema[] = {
	"CREATE TABLE t1(id INTEGER PRIMARY KEY, v TEXT NOT NULL);"
	"CREATE TABLE t2(id INTEGER PRIMARY KEY, v TEXT NOT NULL);",
};

struct outcome {
	int acked[TXNS + 1]; /* acked[i]: transaction i was acknowledged */
	int opened;
	unsigned long ops;
	unsigned long faults;
	int crashed;
};

static char dir[64];
/* The recovery runs only open and close the store. */
static int recovery_only;
/* The child streams each acknowledgement as it happens. */
static int ack_fd = -1;

static void
db_path(const char *root, char *out, size_t len)
{
	snprintf(out, len, "%s/store.db", root);
}

static void
value_of(int id, int round, char *out)
{
	memset(out, 'a' + (id + round) % 26, VALUE_LEN);
	out[VALUE_LEN] = '\0';
}

static int
put(struct medsec_db *db, const char *sql, int id, const char *v)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(db, sql, &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_int64(st, 1, id)) == MEDSEC_OK &&
	    (r = medsec_db_bind_text(st, 2, v)) == MEDSEC_OK)
		r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
		    MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}

/* Transaction i: row i in both tables, row i - 1 rewritten in both. */
static int
transaction(struct medsec_db *db, int i)
{
	static char v[VALUE_LEN + 1], w[VALUE_LEN + 1];
	int r;

	value_of(i, 0, v);
	value_of(i - 1, 1, w);
	if ((r = medsec_db_begin(db)) != MEDSEC_OK)
		return r;
	if ((r = put(db, "INSERT INTO t1(id, v) VALUES (?1, ?2)", i, v)) !=
	    MEDSEC_OK ||
	    (r = put(db, "INSERT INTO t2(id, v) VALUES (?1, ?2)", i, v)) !=
	    MEDSEC_OK ||
	    (r = put(db, "UPDATE t1 SET v = ?2 WHERE id = ?1", i - 1, w)) !=
	    MEDSEC_OK ||
	    (r = put(db, "UPDATE t2 SET v = ?2 WHERE id = ?1", i - 1, w)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_commit(db)) != MEDSEC_OK) {
		/* The error that matters is r; SQLite may have rolled back. */
		(void)medsec_db_rollback(db);
		return r;
	}
	return MEDSEC_OK;
}

/* The workload; reports through *out (shared with the parent by pipe). */
static void
workload(const char *root, struct outcome *out)
{
	struct medsec_db *db = NULL;
	char path[128];

	db_path(root, path, sizeof(path));
	if (medsec_db_open_with(path, 1, schema, 1, &db) != MEDSEC_OK)
		return;
	out->opened = 1;
	for (int i = 1; i <= TXNS && !recovery_only; i++) {
		unsigned char id = (unsigned char)i;

		/* An application stops at a failed write; so does this one. */
		if (transaction(db, i) != MEDSEC_OK)
			break;
		out->acked[i] = 1;
		if (ack_fd >= 0 && write(ack_fd, &id, 1) != 1)
			_exit(4);
		if (i == TXNS / 2 &&
		    medsec_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") !=
		    MEDSEC_OK)
			break;
	}
	medsec_db_close(db);
}

/*
 * Runs the workload in a child with the shim installed and a crash
 * (mode) or an I/O error (err) armed at operation k; k = 0 only counts.
 */
static void
run_child(const char *root, unsigned long k, int mode, int err,
    int persistent, struct outcome *out)
{
	int fds[2], status;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct outcome o;

		memset(&o, 0, sizeof(o));
		close(fds[0]);
		ack_fd = fds[1];
		faultio_install();
		if (k > 0 && mode != 0)
			faultio_crash_at(k, mode);
		else if (k > 0)
			faultio_fail_at(k, err, persistent);
		workload(root, &o);
		o.ops = faultio_count();
		o.faults = faultio_faults();
		faultio_uninstall();
		{
			unsigned char end = 0;

			if (write(fds[1], &end, 1) != 1 ||
			    write(fds[1], &o, sizeof(o)) != (ssize_t)sizeof(o))
				_exit(4);
		}
		_exit(0);
	}
	close(fds[1]);
	/* Acknowledgements one byte each, then 0 and the child's counts. */
	for (;;) {
		unsigned char id;

		if (read(fds[0], &id, 1) != 1)
			break;
		if (id == 0) {
			int acked[TXNS + 1];

			memcpy(acked, out->acked, sizeof(acked));
			if (read(fds[0], out, sizeof(*out)) !=
			    (ssize_t)sizeof(*out))
				fail_msg("short report from the child");
			for (int i = 1; i <= TXNS; i++)
				assert_int_equal(out->acked[i], acked[i]);
			break;
		}
		assert_true(id <= TXNS);
		out->acked[id] = 1;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	out->crashed = WEXITSTATUS(status) == FAULTIO_CRASH_EXIT;
	if (!out->crashed)
		assert_int_equal(WEXITSTATUS(status), 0);
}

/* Reads table into rows (rows[id] = value's first letter, 0: absent). */
static void
read_table(struct medsec_db *db, const char *table, char *rows)
{
	struct medsec_db_stmt *st = NULL;
	char sql[64];
	int r;

	memset(rows, 0, TXNS + 1);
	snprintf(sql, sizeof(sql), "SELECT id, v FROM %s", table);
	assert_int_equal(medsec_db_prepare(db, sql, &st), MEDSEC_OK);
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		int64_t id = medsec_db_column_int64(st, 0);
		const char *v = medsec_db_column_text(st, 1);

		assert_true(id >= 1 && id <= TXNS);
		assert_int_equal(strlen(v), VALUE_LEN);
		/* a row is one value, never a mix of two writes */
		assert_int_equal(strspn(v, (char[]){ v[0], '\0' }), VALUE_LEN);
		rows[id] = v[0];
	}
	assert_int_equal(r, MEDSEC_DB_DONE);
	medsec_db_finalize(st);
}

/* After recovery: opens, intact, all-or-nothing, acknowledged present. */
static void
check_store(const char *root, const struct outcome *o, const char *what)
{
	struct medsec_db_stmt *st = NULL;
	struct medsec_db *db = NULL;
	char path[128], t1[TXNS + 1], t2[TXNS + 1];
	struct stat sb;
	int r, last = 0;

	db_path(root, path, sizeof(path));
	if (stat(path, &sb) != 0) {
		/* crashed before the file existed: nothing was acknowledged */
		for (int i = 1; i <= TXNS; i++)
			assert_false(o->acked[i]);
		return;
	}
	faultio_install(); /* nothing armed: only the syncs are simulated */
	if ((r = medsec_db_open_with(path, 1, schema, 1, &db)) != MEDSEC_OK)
		fail_msg("%s: the store does not open: %d", what, r);
	assert_int_equal(medsec_db_prepare(db, "PRAGMA integrity_check", &st),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	if (strcmp(medsec_db_column_text(st, 0), "ok") != 0)
		fail_msg("%s: integrity check: %s", what,
		    medsec_db_column_text(st, 0));
	medsec_db_finalize(st);
	read_table(db, "t1", t1);
	read_table(db, "t2", t2);
	for (int i = 1; i <= TXNS; i++) {
		if (t1[i] != t2[i])
			fail_msg("%s: transaction %d half applied", what, i);
		if (o->acked[i] && t1[i] == 0)
			fail_msg("%s: acknowledged transaction %d lost", what,
			    i);
		if (t1[i] != 0) {
			/* transactions commit in order, none skipped */
			assert_int_equal(last, i - 1);
			last = i;
		}
	}
	/* row i - 1 holds the rewrite iff transaction i committed */
	for (int i = 1; i < last; i++) {
		char v[VALUE_LEN + 1];

		value_of(i, 1, v);
		assert_int_equal(t1[i], v[0]);
	}
	medsec_db_close(db);
	faultio_uninstall();
}

/* A new state directory; with create, an empty store made durable. */
static void
fresh_dir(char *root, size_t len, int create)
{
	struct medsec_db *db = NULL;
	char path[128];

	snprintf(root, len, "%s/run-XXXXXX", dir);
	assert_non_null(mkdtemp(root));
	if (!create)
		return;
	db_path(root, path, sizeof(path));
	/* The shim with nothing armed: syncs simulated, and fast. */
	faultio_install();
	assert_int_equal(medsec_db_open_with(path, 1, schema, 1, &db),
	    MEDSEC_OK);
	medsec_db_close(db);
	faultio_uninstall();
}

/* The loops fault the transactions; creation has its own loop. */
static void
fresh(char *root, size_t len)
{
	fresh_dir(root, len, 1);
}

static unsigned long
count_ops(void)
{
	struct outcome o;
	char root[96];

	recovery_only = 0;
	fresh(root, sizeof(root));
	run_child(root, 0, 0, 0, 0, &o);
	assert_false(o.crashed);
	assert_true(o.opened);
	for (int i = 1; i <= TXNS; i++)
		assert_true(o.acked[i]);
	check_store(root, &o, "clean run");
	fixture_rmrf(root);
	assert_true(o.ops > 2 * TXNS);
	return o.ops;
}

static void
crash_loop(int mode)
{
	unsigned long n = count_ops(), crashes = 0;
	struct outcome o;
	char root[96], what[96];

	for (unsigned long k = 1; k <= n; k++) {
		fresh(root, sizeof(root));
		run_child(root, k, mode, 0, 0, &o);
		if (!o.crashed)
			fail_msg("no crash at operation %lu of %lu", k, n);
		crashes++;
		snprintf(what, sizeof(what), "crash mode %d at %lu of %lu",
		    mode, k, n);
		check_store(root, &o, what);
		fixture_rmrf(root);
	}
	printf("record store, crash mode %d: %lu of %lu crash points\n", mode,
	    crashes, n);
	assert_int_equal(crashes, n);
}

static void
error_loop(int err, int persistent)
{
	unsigned long n = count_ops(), fired = 0;
	struct outcome o;
	char root[96], what[96];

	for (unsigned long k = 1; k <= n; k++) {
		fresh(root, sizeof(root));
		run_child(root, k, 0, err, persistent, &o);
		assert_false(o.crashed);
		if (o.faults == 0)
			fail_msg("no fault at operation %lu of %lu", k, n);
		fired++;
		snprintf(what, sizeof(what), "errno %d at %lu of %lu%s", err,
		    k, n, persistent ? " and after" : "");
		/* the fault is cleared: the next open recovers */
		check_store(root, &o, what);
		fixture_rmrf(root);
	}
	printf("record store, errno %d%s: %lu of %lu operations failed\n",
	    err, persistent ? " from k on" : " once", fired, n);
	assert_int_equal(fired, n);
}

/* S1: power loss at every I/O operation of the transactions. */
static void
test_attack_s1_record_store_power_loss_drop(void **state)
{
	(void)state;
	crash_loop(FAULTIO_POWER_DROP);
}

static void
test_attack_s1_record_store_power_loss_garble(void **state)
{
	(void)state;
	crash_loop(FAULTIO_POWER_GARBLE);
}

/*
 * The power-loss mode has teeth for the database: with SQLite told not
 * to sync, committed transactions are lost at a power cut (and survive a
 * process kill, since the page cache keeps them). Were database writes
 * not under the shim's undo log, the S1 loops above would prove nothing.
 */
static void
test_attack_s1_unsynced_database_writes_lost_at_power_cut(void **state)
{
	int modes[] = { FAULTIO_PROCESS, FAULTIO_POWER_DROP };
	char root[96], path[128];

	(void)state;
	for (size_t m = 0; m < 2; m++) {
		struct medsec_db *db = NULL;
		char t1[TXNS + 1], t2[TXNS + 1];
		int status, present = 0;
		pid_t pid;

		fresh(root, sizeof(root));
		db_path(root, path, sizeof(path));
		/* the empty store exists and is durable before the child */
		assert_int_equal(medsec_db_open_with(path, 1, schema, 1, &db),
		    MEDSEC_OK);
		medsec_db_close(db);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			faultio_install();
			if (medsec_db_open_with(path, 0, schema, 1, &db) !=
			    MEDSEC_OK ||
			    medsec_db_exec(db, "PRAGMA synchronous=OFF") !=
			    MEDSEC_OK)
				_exit(5);
			for (int i = 1; i <= 3; i++)
				if (transaction(db, i) != MEDSEC_OK)
					_exit(6);
			/* the next I/O operation is the power cut */
			faultio_crash_at(faultio_count() + 1, modes[m]);
			if (medsec_db_exec(db, "PRAGMA wal_checkpoint") !=
			    MEDSEC_OK)
				_exit(7);
			_exit(8);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), FAULTIO_CRASH_EXIT);
		assert_int_equal(medsec_db_open_with(path, 0, schema, 1, &db),
		    MEDSEC_OK);
		read_table(db, "t1", t1);
		read_table(db, "t2", t2);
		for (int i = 1; i <= TXNS; i++) {
			assert_int_equal(t1[i], t2[i]);
			present += t1[i] != 0;
		}
		medsec_db_close(db);
		if (modes[m] == FAULTIO_PROCESS)
			assert_int_equal(present, 3);
		else
			assert_int_equal(present, 0);
		fixture_rmrf(root);
	}
}

/*
 * S1, S2 while the store is first created (the first start of a device):
 * a crash at any point of creating the file, switching it to WAL and
 * applying the schema leaves a store that the next start opens.
 */
static void
test_attack_s2_crash_while_store_created(void **state)
{
	int modes[] = { FAULTIO_PROCESS, FAULTIO_POWER_DROP,
		FAULTIO_POWER_GARBLE };
	unsigned long n, crashes = 0;
	struct outcome o;
	char root[96], what[96];

	(void)state;
	recovery_only = 1; /* create, configure, migrate, close */
	fresh_dir(root, sizeof(root), 0);
	run_child(root, 0, 0, 0, 0, &o);
	assert_true(o.opened && !o.crashed);
	fixture_rmrf(root);
	n = o.ops;
	assert_true(n > 0);
	for (size_t m = 0; m < 3; m++) {
		for (unsigned long k = 1; k <= n; k++) {
			fresh_dir(root, sizeof(root), 0);
			run_child(root, k, modes[m], 0, 0, &o);
			if (!o.crashed)
				fail_msg("no crash at operation %lu of %lu", k,
				    n);
			crashes++;
			snprintf(what, sizeof(what), "creation, crash mode %d "
			    "at %lu of %lu", modes[m], k, n);
			check_store(root, &o, what);
			fixture_rmrf(root);
		}
	}
	recovery_only = 0;
	printf("store creation: %lu crash points\n", crashes);
	assert_int_equal(crashes, 3 * n);
}

/* S2: the process killed at every I/O operation. */
static void
test_attack_s2_record_store_process_kill(void **state)
{
	(void)state;
	crash_loop(FAULTIO_PROCESS);
}

/* S3: an I/O error at every operation, once and from then on. */
static void
test_attack_s3_record_store_io_error_once(void **state)
{
	(void)state;
	error_loop(EIO, 0);
}

static void
test_attack_s3_record_store_disk_full(void **state)
{
	(void)state;
	error_loop(ENOSPC, 1);
}

/* S5: a crash, then a crash or an I/O error in the recovery that follows. */
static void
test_attack_s5_record_store_fault_during_recovery(void **state)
{
	unsigned long n = count_ops(), points = 0, m;
	struct outcome o, rec;
	char crashed[96], root[96], what[128];

	(void)state;
	for (unsigned long k = 3; k <= n; k += 7) {
		fresh(crashed, sizeof(crashed));
		run_child(crashed, k, FAULTIO_POWER_GARBLE, 0, 0, &o);
		assert_true(o.crashed);
		/* the recovery is the next open and close; count it */
		recovery_only = 1;
		fresh(root, sizeof(root));
		fixture_rmrf(root);
		fixture_copy_tree(crashed, root);
		run_child(root, 0, 0, 0, 0, &rec);
		fixture_rmrf(root);
		m = rec.ops;
		for (unsigned long j = 1; j <= m; j++) {
			fresh(root, sizeof(root));
			fixture_rmrf(root);
			fixture_copy_tree(crashed, root);
			run_child(root, j, j % 2 ? FAULTIO_POWER_DROP : 0, EIO,
			    1, &rec);
			if (rec.crashed != (j % 2 == 1) ||
			    (!rec.crashed && rec.faults == 0))
				fail_msg("recovery fault %lu of %lu did not "
					 "fire", j, m);
			snprintf(what, sizeof(what), "crash at %lu, then fault "
			    "at recovery operation %lu", k, j);
			/* what the crashed run acknowledged is still there */
			check_store(root, &o, what);
			fixture_rmrf(root);
			points++;
		}
		recovery_only = 0;
		fixture_rmrf(crashed);
	}
	printf("record store: %lu faults during recovery\n", points);
	assert_true(points > 0);
}

/* ---- S4: out of memory at every SQLite allocation ---- */

static unsigned long allocs, fail_alloc;
static int fail_alloc_persistent, alloc_failed;

static void *
oom_malloc(int n)
{
	uint64_t *p;

	if (fail_alloc != 0 && (++allocs == fail_alloc ||
	    (fail_alloc_persistent && allocs > fail_alloc))) {
		alloc_failed = 1;
		return NULL;
	}
	if (fail_alloc == 0)
		allocs++;
	if ((p = malloc((size_t)n + sizeof(*p))) == NULL)
		return NULL;
	p[0] = (uint64_t)n;
	return p + 1;
}

static void
oom_free(void *v)
{
	if (v != NULL)
		free((uint64_t *)v - 1);
}

static void *
oom_realloc(void *v, int n)
{
	uint64_t *p;

	if (v == NULL)
		return oom_malloc(n);
	if (fail_alloc != 0 && (++allocs == fail_alloc ||
	    (fail_alloc_persistent && allocs > fail_alloc))) {
		alloc_failed = 1;
		return NULL;
	}
	if (fail_alloc == 0)
		allocs++;
	if ((p = realloc((uint64_t *)v - 1, (size_t)n + sizeof(*p))) == NULL)
		return NULL;
	p[0] = (uint64_t)n;
	return p + 1;
}

static int
oom_size(void *v)
{
	return v != NULL ? (int)((uint64_t *)v)[-1] : 0;
}

static int
oom_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
oom_init(void *ctx)
{
	(void)ctx;
	return SQLITE_OK;
}

static void
oom_shutdown(void *ctx)
{
	(void)ctx;
}

static const sqlite3_mem_methods oom_methods = { oom_malloc, oom_free,
	oom_realloc, oom_size, oom_roundup, oom_init, oom_shutdown, NULL };

/* Open, one transaction, close, with allocation k failing. */
static void
oom_run(const char *root, unsigned long k, int persistent,
    struct outcome *o)
{
	struct medsec_db *db = NULL;
	char path[128];

	memset(o, 0, sizeof(*o));
	db_path(root, path, sizeof(path));
	allocs = 0;
	alloc_failed = 0;
	fail_alloc = k;
	fail_alloc_persistent = persistent;
	faultio_install(); /* nothing armed: only the syncs are simulated */
	if (medsec_db_open_with(path, 1, schema, 1, &db) == MEDSEC_OK) {
		o->opened = 1;
		if (transaction(db, 1) == MEDSEC_OK)
			o->acked[1] = 1;
		medsec_db_close(db);
	}
	o->ops = allocs;
	o->faults = alloc_failed;
	fail_alloc = 0;
	faultio_uninstall();
}

static void
oom_loop(int persistent)
{
	unsigned long n, fired = 0;
	struct outcome o;
	char root[96], what[96];

	fresh_dir(root, sizeof(root), 0);
	oom_run(root, 0, 0, &o);
	n = o.ops;
	assert_true(o.opened && o.acked[1]);
	fixture_rmrf(root);
	assert_true(n > 0);
	for (unsigned long k = 1; k <= n; k++) {
		fresh_dir(root, sizeof(root), 0);
		oom_run(root, k, persistent, &o);
		fired += o.faults != 0;
		snprintf(what, sizeof(what), "allocation %lu of %lu failed%s", k,
		    n, persistent ? " and after" : "");
		check_store(root, &o, what);
		fixture_rmrf(root);
	}
	printf("record store: %lu of %lu allocations failed%s\n", fired, n,
	    persistent ? " (persistently)" : "");
	/* later allocations may differ, but the first k - 1 do not */
	assert_int_equal(fired, n);
}

/*
 * S4: out of memory at every allocation SQLite makes while the store is
 * opened and written (once, and from then on): a clean error, no crash,
 * no partial transaction; the sanitizer build checks for leaks.
 */
static void
test_attack_s4_record_store_out_of_memory(void **state)
{
	(void)state;
	/* SQLite takes an allocator only while it is shut down. */
	assert_int_equal(sqlite3_shutdown(), SQLITE_OK);
	assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &oom_methods),
	    SQLITE_OK);
	assert_int_equal(sqlite3_initialize(), SQLITE_OK);
	oom_loop(0);
	oom_loop(1);
}

/* ---- S6: a corrupted store file ---- */

/*
 * Flips bytes of a populated store (the header, the schema page, b-tree
 * and overflow pages) and opens and reads it: a damaged structure is
 * refused with a clean error by the format checks (open, integrity
 * check, reads), never a crash or an out-of-bounds access (the sanitizer
 * build). SQLite keeps no checksum of row contents, so a flip inside a
 * value that leaves the structure intact is not detected; the count is
 * printed, and this test claims only the structural part of S6.
 */
static void
test_attack_s6_corrupted_store_structure_detected(void **state)
{
	struct outcome o;
	char root[96], path[128];
	struct stat sb;
	unsigned seed = 2026;
	int detected = 0, harmless = 0, undetected = 0;

	(void)state;
	fresh(root, sizeof(root));
	run_child(root, 0, 0, 0, 0, &o);
	db_path(root, path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	for (int run = 0; run < 120; run++) {
		struct medsec_db_stmt *st = NULL;
		struct medsec_db *db = NULL;
		char copy[96], cpath[128];
		int fd, r, bad = 0, changed = 0;
		off_t off;

		fresh(copy, sizeof(copy));
		fixture_rmrf(copy);
		fixture_copy_tree(root, copy);
		db_path(copy, cpath, sizeof(cpath));
		assert_true((fd = open(cpath, O_RDWR)) >= 0);
		for (int flips = 0; flips < 1 + run % 4; flips++) {
			unsigned char b;

			seed = seed * 1103515245u + 12345u;
			/* a third of the runs hit the first two pages */
			off = run % 3 == 0 ? (off_t)((seed >> 8) % 8192) :
			    (off_t)((seed >> 8) % (unsigned)sb.st_size);
			assert_int_equal(pread(fd, &b, 1, off), 1);
			b ^= (unsigned char)(1u << (seed % 8));
			assert_int_equal(pwrite(fd, &b, 1, off), 1);
		}
		close(fd);
		r = medsec_db_open_with(cpath, 0, schema, 1, &db);
		if (r != MEDSEC_OK) {
			assert_true(r == MEDSEC_ERR_CORRUPT || r == MEDSEC_ERR_DB ||
			    r == MEDSEC_ERR_SCHEMA_NEWER);
			detected++;
			fixture_rmrf(copy);
			continue;
		}
		assert_int_equal(medsec_db_prepare(db, "PRAGMA integrity_check",
				     &st), MEDSEC_OK);
		r = medsec_db_step(st);
		if (r != MEDSEC_DB_ROW ||
		    strcmp(medsec_db_column_text(st, 0), "ok") != 0)
			bad = 1;
		medsec_db_finalize(st);
		/* reading what is there returns the data or an error */
		st = NULL;
		r = MEDSEC_OK;
		if (medsec_db_prepare(db, "SELECT id, v FROM t1", &st) ==
		    MEDSEC_OK) {
			while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
				const char *v = medsec_db_column_text(st, 1);

				if (strlen(v) != VALUE_LEN ||
				    strspn(v, (char[]){ v[0], '\0' }) !=
				    VALUE_LEN)
					changed = 1;
			}
			if (r < 0) {
				assert_true(r == MEDSEC_ERR_CORRUPT ||
				    r == MEDSEC_ERR_DB);
				bad = 1;
			}
			medsec_db_finalize(st);
		} else {
			bad = 1;
		}
		medsec_db_close(db);
		if (bad)
			detected++;
		else if (changed)
			undetected++;
		else
			harmless++;
		fixture_rmrf(copy);
	}
	fixture_rmrf(root);
	printf("corrupted store: %d detected, %d harmless, %d changed a "
	       "value only\n", detected, harmless, undetected);
	assert_true(detected > 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/medsec-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fixture_rmrf(dir);
	return 0;
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_attack_s1_record_store_power_loss_drop),
	cmocka_unit_test(test_attack_s1_record_store_power_loss_garble),
	cmocka_unit_test(test_attack_s1_unsynced_database_writes_lost_at_power_cut),
	cmocka_unit_test(test_attack_s2_record_store_process_kill),
	cmocka_unit_test(test_attack_s2_crash_while_store_created),
	cmocka_unit_test(test_attack_s3_record_store_io_error_once),
	cmocka_unit_test(test_attack_s3_record_store_disk_full),
	cmocka_unit_test(test_attack_s4_record_store_out_of_memory),
	cmocka_unit_test(test_attack_s5_record_store_fault_during_recovery),
	cmocka_unit_test(test_attack_s6_corrupted_store_structure_detected),
};

int
main(int argc, char **argv)
{
	int r;

	setup(NULL);
	r = medsec_test_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
	teardown(NULL);
	return r;
}
