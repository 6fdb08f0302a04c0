/*
 * Between the fault shim (faultio.c) and its SQLite VFS (faultio_vfs.c):
 * the VFS counts and fails database operations with the shim's counter
 * and records in the shim's undo log what a power cut would lose, so one
 * crash point or failed operation k is the same for both kinds of files.
 */
#ifndef MEDSEC_FAULTIO_INT_H
#define MEDSEC_FAULTIO_INT_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* True between faultio_install() and faultio_uninstall(). */
int faultio_active(void);
/* Counts one operation (what: for tracing); may crash; -1 if it fails. */
int faultio_tick(const char *what);
/*
 * Before len bytes are written at off of the file at path (sb its
 * identity, oldsize its size): old holds the oldlen bytes there now.
 * A truncation to off is a write of the oldlen bytes it cuts.
 */
void faultio_log_write(const struct stat *sb, const char *path, off_t off,
    size_t len, const void *old, size_t oldlen, off_t oldsize);
/* Before a new file is created, or a file is removed (not yet durable). */
void faultio_log_create(const char *path);
void faultio_log_unlink(const char *path);
/* After the file and its name were synced: nothing of it can be lost. */
void faultio_log_synced(const struct stat *sb, const char *path);
/* Makes the faulting VFS SQLite's default (once per process). */
void faultio_vfs_register(void);

#endif
