/*
 * A faulting implementation of libmedsec's I/O seam for tests, in the
 * style of SQLite's crash VFS (test6.c). It counts every mutating
 * operation (create, write, sync, truncate, rename, unlink, mkdir) and can:
 *
 *  - fail the k-th operation with an errno, once or from then on;
 *  - "crash" at the k-th operation: the operation does not happen and the
 *    process _exits with FAULTIO_CRASH_EXIT. In power-loss modes the shim
 *    first undoes what was not yet synced (writes, truncations, creates,
 *    renames and unlinks since the last fsync of the file or directory):
 *    FAULTIO_POWER_DROP loses all of it, FAULTIO_POWER_GARBLE keeps, drops
 *    or garbles each unsynced write at random (seeded by k).
 *
 * Killing a process is not a power cut (the page cache keeps what it
 * wrote): FAULTIO_PROCESS models the former, the POWER modes the latter.
 * Since durability is modelled by the undo log, a sync under the shim
 * only marks what it covers as durable and does not reach the disk:
 * crash loops run thousands of syncs, and the real ones would prove
 * nothing more (SQLite's crash VFS does not sync either).
 *
 * The SQLite database is under the same seam: installing the shim also
 * makes a wrapping VFS SQLite's default (faultio_vfs.c), which counts,
 * fails and undoes the database's xWrite, xSync, xTruncate, xDelete and
 * file creation exactly like medsec's own file operations. Only database
 * connections opened while the shim is installed are faulted.
 */
#ifndef MEDSEC_FAULTIO_H
#define MEDSEC_FAULTIO_H

#define FAULTIO_CRASH_EXIT 86

enum faultio_crash {
	FAULTIO_PROCESS = 1,
	FAULTIO_POWER_DROP,
	FAULTIO_POWER_GARBLE,
};

/* Routes libmedsec's I/O through the shim, with no fault armed. */
void faultio_install(void);
/* Restores the POSIX operations and forgets the undo log. */
void faultio_uninstall(void);
/* Mutating operations counted since install. */
unsigned long faultio_count(void);
/* Operations failed since install (at least one, if a fault fired). */
unsigned long faultio_faults(void);
/* Fails operation k (1-based) with err; persistent: and every later one. */
void faultio_fail_at(unsigned long k, int err, int persistent);
/* Crashes at operation k in the given mode. */
void faultio_crash_at(unsigned long k, int mode);
/* Stops failing (the disk has been freed); counting continues. */
void faultio_heal(void);

#endif
