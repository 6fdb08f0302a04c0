/*
 * medsec db internals: the built-in migration list (db_schema.c) as seen
 * by the connection code (db.c).
 */
#ifndef MEDSEC_DB_INT_H
#define MEDSEC_DB_INT_H

#include <stddef.h>

/*
 * The built-in schema: entry i takes the database from user_version i to
 * i + 1. Returns a static array and stores its length in *countp.
 */
const char *const *medsec_db_migrations(size_t *countp);

#endif
