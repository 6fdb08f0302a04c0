/*
 * The schema of the medsec database as numbered migrations. Entry i takes
 * the schema from version i to i + 1 (PRAGMA user_version). Entries are
 * never edited once released: a change is a new entry at the end, so a
 * device in the field always replays the same steps.
 */
#include <stddef.h>

#include "db/db_int.h"

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
};

const char *const *
medsec_db_migrations(size_t *countp)
{
	*countp = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}
