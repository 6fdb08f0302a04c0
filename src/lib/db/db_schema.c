/*
 * The schema of the medsec database as numbered migrations. Entry i takes
 * the schema from version i to i + 1 (PRAGMA user_version). Entries are
 * never edited once released: a change is a new entry at the end, so a
 * device in the field always replays the same steps.
 */
#include <stddef.h>

#include "db/db_int.h"

/* Raises the state generation whenever a row of table t changes. */
#define BUMP_ONE(t, op) \
	"CREATE TRIGGER " #t "_" #op "_generation AFTER " #op " ON " #t \
	" BEGIN UPDATE state_generation SET generation = generation + 1 " \
	"WHERE id = 1; END;"
#define BUMP_ON(t) BUMP_ONE(t, INSERT) BUMP_ONE(t, UPDATE) BUMP_ONE(t, DELETE)

static const char *const migrations[] = {
	/* 1: key/value metadata, the device identity, config snapshots. */
	"CREATE TABLE meta("
	    "key TEXT PRIMARY KEY, "
	    "value TEXT NOT NULL);"
	"CREATE TABLE device("
	    "id INTEGER PRIMARY KEY CHECK (id = 1), "
	    "device_id TEXT NOT NULL, "
	    "profile TEXT NOT NULL, "
	    "created_us INTEGER NOT NULL);"
	"CREATE TABLE config_snapshot("
	    "id INTEGER PRIMARY KEY, "
	    "taken_us INTEGER NOT NULL, "
	    "sha256 TEXT NOT NULL, "
	    "content TEXT NOT NULL);",
	/*
	 * 2: people and peers (MFDS 1.1-1.11). Passwords are Argon2id
	 * strings; tokens and codes are stored only as SHA-256 hashes.
	 * locked_until_us: 0 not locked, -1 until an administrator unlocks.
	 */
	"CREATE TABLE account("
	    "name TEXT PRIMARY KEY, "
	    "roles TEXT NOT NULL, "
	    "pwhash TEXT, "
	    "cert_sha256 TEXT UNIQUE, "
	    "created_us INTEGER NOT NULL, "
	    "password_changed_us INTEGER NOT NULL, "
	    "expires_us INTEGER, "
	    "disabled INTEGER NOT NULL DEFAULT 0, "
	    "failures INTEGER NOT NULL DEFAULT 0, "
	    "locked_until_us INTEGER NOT NULL DEFAULT 0, "
	    "must_change INTEGER NOT NULL DEFAULT 0, "
	    "last_login_us INTEGER);"
	"CREATE TABLE password_history("
	    "name TEXT NOT NULL REFERENCES account(name) ON DELETE CASCADE, "
	    "changed_us INTEGER NOT NULL, "
	    "pwhash TEXT NOT NULL);"
	"CREATE INDEX password_history_name ON password_history(name);"
	"CREATE TABLE source_failure("
	    "source TEXT PRIMARY KEY, "
	    "failures INTEGER NOT NULL, "
	    "window_start_us INTEGER NOT NULL);"
	"CREATE TABLE setup_code("
	    "id INTEGER PRIMARY KEY CHECK (id = 1), "
	    "code_sha256 BLOB NOT NULL, "
	    "expires_us INTEGER NOT NULL, "
	    "used_us INTEGER);"
	"CREATE TABLE emergency_credential("
	    "id INTEGER PRIMARY KEY CHECK (id = 1), "
	    "code_sha256 BLOB NOT NULL, "
	    "sealed_us INTEGER NOT NULL, "
	    "sealed_by TEXT NOT NULL, "
	    "used_us INTEGER, "
	    "used_by TEXT);"
	"CREATE TABLE session("
	    "token_sha256 BLOB PRIMARY KEY, "
	    "id TEXT NOT NULL UNIQUE, "
	    "name TEXT NOT NULL, "
	    "roles TEXT NOT NULL, "
	    "source TEXT NOT NULL, "
	    "created_us INTEGER NOT NULL, "
	    "last_us INTEGER NOT NULL, "
	    "reauth_us INTEGER NOT NULL, "
	    "therapy INTEGER NOT NULL DEFAULT 0, "
	    "emergency INTEGER NOT NULL DEFAULT 0, "
	    "must_change INTEGER NOT NULL DEFAULT 0, "
	    "ended_us INTEGER, "
	    "end_reason INTEGER);"
	"CREATE INDEX session_name ON session(name);"
	"CREATE UNIQUE INDEX session_one_live ON session(name) "
	    "WHERE ended_us IS NULL;"
	"CREATE TABLE revoked_certificate("
	    "cert_sha256 TEXT PRIMARY KEY, "
	    "subject TEXT NOT NULL, "
	    "revoked_us INTEGER NOT NULL, "
	    "reason TEXT NOT NULL);",
	/*
	 * 3: software updates (MFDS 1.12-1.14). digest is the manifest's
	 * SHA-256 (NULL for a package too damaged to have one); the device's
	 * counters live in meta (update_counter, update_trusted_time_us,
	 * update_keyset_version); the running release is the COMMITTED row.
	 */
	"CREATE TABLE update_package("
	    "id INTEGER PRIMARY KEY, "
	    "digest TEXT UNIQUE, "
	    "product TEXT NOT NULL DEFAULT '', "
	    "version TEXT NOT NULL DEFAULT '', "
	    "security_counter INTEGER NOT NULL DEFAULT 0, "
	    "downgrade INTEGER NOT NULL DEFAULT 0, "
	    "state INTEGER NOT NULL, "
	    "reason TEXT NOT NULL DEFAULT '', "
	    "file TEXT NOT NULL DEFAULT '', "
	    "approved_by TEXT NOT NULL DEFAULT '', "
	    "approved_by2 TEXT NOT NULL DEFAULT '', "
	    "received_us INTEGER NOT NULL, "
	    "changed_us INTEGER NOT NULL);",
	/*
	 * 4: rollback evidence (docs/formats/audit-log.md, "Rollback").
	 * state_generation rises in the same transaction as every change to
	 * a table that holds security state, by trigger, so no writer can
	 * forget it; the audit trail records it at each checkpoint, and a
	 * database put back to an older copy is below what the trail saw.
	 * audit_head is the trail's newest record (sequence number and chain
	 * hash) saved after each command: a trail put back to an older copy
	 * falls short of it.
	 */
	"CREATE TABLE state_generation("
	    "id INTEGER PRIMARY KEY CHECK (id = 1), "
	    "generation INTEGER NOT NULL);"
	"INSERT INTO state_generation (id, generation) VALUES (1, 0);"
	"CREATE TABLE audit_head("
	    "id INTEGER PRIMARY KEY CHECK (id = 1), "
	    "seq INTEGER NOT NULL, "
	    "chain BLOB NOT NULL, "
	    "saved_us INTEGER NOT NULL);"
	BUMP_ON(meta)
	BUMP_ON(device)
	BUMP_ON(config_snapshot)
	BUMP_ON(account)
	BUMP_ON(password_history)
	BUMP_ON(source_failure)
	BUMP_ON(setup_code)
	BUMP_ON(emergency_credential)
	BUMP_ON(session)
	BUMP_ON(revoked_certificate)
	BUMP_ON(update_package),
	/*
	 * 5: the store-and-forward queue (MFDS 1.16, 1.20; src/lib/fwdqueue).
	 * One row per batch of readings waiting for the hospital's
	 * collector: its AEAD, nonce and ciphertext, and its data key
	 * wrapped under the keystore's "fwdqueue" key. fwd_queue_state
	 * holds what must outlive every row: the next sequence number
	 * (never reused) and the batches and readings ever lost. Queue
	 * rows are not security state: they do not raise the generation.
	 */
	"CREATE TABLE fwd_batch("
	    "seq INTEGER PRIMARY KEY CHECK (seq >= 1), "
	    "created INTEGER NOT NULL, "
	    "readings INTEGER NOT NULL CHECK (readings >= 0), "
	    "alg INTEGER NOT NULL, "
	    "nonce BLOB NOT NULL, "
	    "wrapped_key BLOB NOT NULL, "
	    "ciphertext BLOB NOT NULL);"
	"CREATE INDEX fwd_batch_created ON fwd_batch(created);"
	"CREATE TABLE fwd_queue_state("
	    "id INTEGER PRIMARY KEY CHECK (id = 1), "
	    "next_seq INTEGER NOT NULL CHECK (next_seq >= 1), "
	    "lost_batches INTEGER NOT NULL, "
	    "lost_readings INTEGER NOT NULL);"
	"INSERT INTO fwd_queue_state (id, next_seq, lost_batches, "
	    "lost_readings) VALUES (1, 1, 0, 0);",
};

const char *const *
medsec_db_migrations(size_t *countp)
{
	*countp = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}
