/*
 * A SQLite VFS that puts the database under the fault shim (faultio.c).
 * It wraps the default (unix) VFS, as SQLite's own test VFSes do
 * (test6.c for crashes, test_vfs.c for injected errors): every file it
 * opens is the real file with our methods in front. Writes, syncs,
 * truncations, deletions and the creation of a file are counted by the
 * shim and may fail or crash there; before a write or truncation the
 * bytes it replaces are read and logged, so that a simulated power cut
 * loses (or garbles) exactly the database writes no sync made durable.
 *
 * Reads, locks and the shared-memory index pass straight through: the
 * -shm file is rebuilt from the WAL by the first connection after a
 * crash, so what it held is never relied upon.
 *
 * Writes are applied at once and undone at a crash (the shim's model),
 * rather than buffered until a sync as test6.c does; the outcome after
 * the crash is the same, and reads need no buffer lookup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "faultio_int.h"

#define FAULTIO_VFS_NAME "medsec-faultio"

struct fv_file {
	sqlite3_file base;
	sqlite3_file *real; /* the unix VFS's file, right after this one */
	struct stat id;	    /* the file's device and inode */
	int tracked;	    /* a named file: counted, faulted, undone */
	char path[512];
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

static struct fv_file *
fv(sqlite3_file *f)
{
	return (struct fv_file *)f;
}

/* An injected error as SQLite's unix VFS would report it. */
static int
injected(int ioerr)
{
	return errno == ENOSPC ? SQLITE_FULL : ioerr;
}

static int
fv_close(sqlite3_file *f)
{
	return fv(f)->real->pMethods->xClose(fv(f)->real);
}

static int
fv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return fv(f)->real->pMethods->xRead(fv(f)->real, buf, amt, off);
}

/*
 * Logs what [off, off + len) holds now, and the size, so a power cut can
 * put it back. A truncation to off logs the bytes it cuts (len = 0).
 */
static int
log_old_bytes(struct fv_file *p, sqlite3_int64 off, size_t len,
    int truncation)
{
	sqlite3_int64 size = 0;
	unsigned char *old = NULL;
	size_t oldlen = 0;
	int rc;

	if ((rc = p->real->pMethods->xFileSize(p->real, &size)) != SQLITE_OK)
		return rc;
	if (off < size) {
		oldlen = truncation || (sqlite3_uint64)(size - off) < len ?
		    (size_t)(size - off) : len;
		if ((old = malloc(oldlen)) == NULL)
			return SQLITE_NOMEM;
		rc = p->real->pMethods->xRead(p->real, old, (int)oldlen, off);
		if (rc != SQLITE_OK) {
			free(old);
			return rc;
		}
	}
	faultio_log_write(&p->id, p->path, (off_t)off,
	    truncation ? oldlen : len, old, oldlen, (off_t)size);
	free(old);
	return SQLITE_OK;
}

static int
fv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct fv_file *p = fv(f);
	int rc;

	if (p->tracked && faultio_active()) {
		if (faultio_tick("db write") != 0)
			return injected(SQLITE_IOERR_WRITE);
		if ((rc = log_old_bytes(p, off, (size_t)amt, 0)) != SQLITE_OK)
			return rc;
	}
	return p->real->pMethods->xWrite(p->real, buf, amt, off);
}

static int
fv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct fv_file *p = fv(f);
	int rc;

	if (p->tracked && faultio_active()) {
		if (faultio_tick("db truncate") != 0)
			return injected(SQLITE_IOERR_TRUNCATE);
		if ((rc = log_old_bytes(p, size, 0, 1)) != SQLITE_OK)
			return rc;
	}
	return p->real->pMethods->xTruncate(p->real, size);
}

/*
 * The unix VFS also syncs the directory at the first sync of a journal
 * or WAL it created, so after a sync the file's name is durable too.
 * Under the shim the sync itself is simulated (see faultio.h).
 */
static int
fv_sync(sqlite3_file *f, int flags)
{
	struct fv_file *p = fv(f);
	int rc;

	if (p->tracked && faultio_active()) {
		/* Durability is the undo log's: see faultio.h. */
		if (faultio_tick("db sync") != 0)
			return injected(SQLITE_IOERR_FSYNC);
		faultio_log_synced(&p->id, p->path);
		return SQLITE_OK;
	}
	rc = p->real->pMethods->xSync(p->real, flags);
	return rc;
}

static int
fv_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return fv(f)->real->pMethods->xFileSize(fv(f)->real, size);
}

static int
fv_lock(sqlite3_file *f, int level)
{
	return fv(f)->real->pMethods->xLock(fv(f)->real, level);
}

static int
fv_unlock(sqlite3_file *f, int level)
{
	return fv(f)->real->pMethods->xUnlock(fv(f)->real, level);
}

static int
fv_check_reserved_lock(sqlite3_file *f, int *out)
{
	return fv(f)->real->pMethods->xCheckReservedLock(fv(f)->real, out);
}

static int
fv_file_control(sqlite3_file *f, int op, void *arg)
{
	return fv(f)->real->pMethods->xFileControl(fv(f)->real, op, arg);
}

static int
fv_sector_size(sqlite3_file *f)
{
	return fv(f)->real->pMethods->xSectorSize(fv(f)->real);
}

static int
fv_device_characteristics(sqlite3_file *f)
{
	return fv(f)->real->pMethods->xDeviceCharacteristics(fv(f)->real);
}

static int
fv_shm_map(sqlite3_file *f, int region, int size, int extend,
    void volatile **pp)
{
	return fv(f)->real->pMethods->xShmMap(fv(f)->real, region, size,
	    extend, pp);
}

static int
fv_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return fv(f)->real->pMethods->xShmLock(fv(f)->real, offset, n, flags);
}

static void
fv_shm_barrier(sqlite3_file *f)
{
	fv(f)->real->pMethods->xShmBarrier(fv(f)->real);
}

static int
fv_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return fv(f)->real->pMethods->xShmUnmap(fv(f)->real, delete_flag);
}

static int
fv_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return fv(f)->real->pMethods->xFetch(fv(f)->real, off, amt, pp);
}

static int
fv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return fv(f)->real->pMethods->xUnfetch(fv(f)->real, off, p);
}

static const sqlite3_io_methods fv_methods = {
	3, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_file_size,
	fv_lock, fv_unlock, fv_check_reserved_lock, fv_file_control,
	fv_sector_size, fv_device_characteristics, fv_shm_map, fv_shm_lock,
	fv_shm_barrier, fv_shm_unmap, fv_fetch, fv_unfetch
};

static int
fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out_flags)
{
	struct fv_file *p = fv(f);
	struct stat sb;
	int created = 0, rc;

	(void)vfs;
	memset(p, 0, sizeof(*p));
	p->real = (sqlite3_file *)&p[1];
	p->tracked = name != NULL && faultio_active() &&
	    strlen(name) < sizeof(p->path);
	if (p->tracked) {
		snprintf(p->path, sizeof(p->path), "%s", name);
		if ((flags & SQLITE_OPEN_CREATE) != 0 && lstat(name, &sb) != 0) {
			if (faultio_tick("db create") != 0)
				return SQLITE_CANTOPEN;
			created = 1;
		}
	}
	rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
	/* SQLite closes a file whose methods are set, even after a failure. */
	p->base.pMethods = p->real->pMethods != NULL ? &fv_methods : NULL;
	if (rc != SQLITE_OK || !p->tracked)
		return rc;
	if (p->real->pMethods->iVersion < 3) {
		/* our methods call the version-3 ones of the real file */
		fv_close(f);
		p->base.pMethods = NULL;
		return SQLITE_CANTOPEN;
	}
	if (created)
		faultio_log_create(name);
	if (stat(name, &p->id) != 0)
		p->tracked = 0; /* removed at once: nothing left to undo */
	return SQLITE_OK;
}

static int
fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	int rc;

	(void)vfs;
	if (faultio_active()) {
		if (faultio_tick("db delete") != 0)
			return SQLITE_IOERR_DELETE;
		if (!sync_dir)
			faultio_log_unlink(name);
	}
	rc = real_vfs->xDelete(real_vfs, name, sync_dir);
	return rc;
}

static int
fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
fv_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void
fv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void
fv_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int
fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
fv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int
fv_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int
fv_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int
fv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

void
faultio_vfs_register(void)
{
	if (real_vfs != NULL)
		return;
	if ((real_vfs = sqlite3_vfs_find(NULL)) == NULL ||
	    real_vfs->iVersion < 2) {
		fprintf(stderr, "faultio: no usable default SQLite VFS\n");
		abort();
	}
	fault_vfs.iVersion = 2;
	fault_vfs.szOsFile = (int)sizeof(struct fv_file) + real_vfs->szOsFile;
	fault_vfs.mxPathname = real_vfs->mxPathname;
	fault_vfs.zName = FAULTIO_VFS_NAME;
	fault_vfs.xOpen = fv_open;
	fault_vfs.xDelete = fv_delete;
	fault_vfs.xAccess = fv_access;
	fault_vfs.xFullPathname = fv_full_pathname;
	fault_vfs.xDlOpen = fv_dl_open;
	fault_vfs.xDlError = fv_dl_error;
	fault_vfs.xDlSym = fv_dl_sym;
	fault_vfs.xDlClose = fv_dl_close;
	fault_vfs.xRandomness = fv_randomness;
	fault_vfs.xSleep = fv_sleep;
	fault_vfs.xCurrentTime = fv_current_time;
	fault_vfs.xGetLastError = fv_get_last_error;
	fault_vfs.xCurrentTimeInt64 = fv_current_time_int64;
	if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK) {
		fprintf(stderr, "faultio: cannot register the SQLite VFS\n");
		abort();
	}
}
