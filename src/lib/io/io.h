/*
 * The I/O seam (internal). Every file write, sync, rename, truncate, create
 * and unlink that libmedsec performs goes through these functions, so that a
 * test build can fail the k-th operation (EIO, ENOSPC) or simulate a crash
 * or power cut at the k-th sync, in the style of SQLite's crash VFS.
 *
 * All functions return MEDSEC_OK (or a non-negative count or descriptor)
 * on success, and a negative MEDSEC_ERR_* code on failure; ENOSPC becomes
 * MEDSEC_ERR_NOSPACE, a write refused by the file system's permissions
 * (EACCES, EPERM, EROFS) MEDSEC_ERR_READ_ONLY, other errors MEDSEC_ERR_IO
 * (errno is preserved). An open for reading that permissions refuse is
 * MEDSEC_ERR_DENIED; a symbolic link met by O_NOFOLLOW is
 * MEDSEC_ERR_PERMISSION.
 */
#ifndef MEDSEC_IO_H
#define MEDSEC_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Raw operations. Each returns what the POSIX call returns, with -1 and
 * errno on failure. A test replaces them with medsec_io_set_ops().
 */
struct medsec_io_ops {
	int (*open)(void *ctx, const char *path, int flags, mode_t mode);
	ssize_t (*pwrite)(void *ctx, int fd, const void *buf, size_t len,
	    off_t off);
	int (*fsync)(void *ctx, int fd);
	int (*fdatasync)(void *ctx, int fd);
	int (*ftruncate)(void *ctx, int fd, off_t len);
	int (*rename)(void *ctx, const char *from, const char *to);
	int (*unlink)(void *ctx, const char *path);
	int (*mkdir)(void *ctx, const char *path, mode_t mode);
	int (*close)(void *ctx, int fd);
	void *ctx;
};

/* NULL restores the POSIX operations. */
void medsec_io_set_ops(const struct medsec_io_ops *ops);
const struct medsec_io_ops *medsec_io_posix_ops(void);

/* Opens with O_CLOEXEC | O_NOFOLLOW added. Returns an fd or an error code. */
int medsec_io_open(const char *path, int flags, mode_t mode);
int medsec_io_close(int fd);

/* Writes all of buf at off, retrying short writes. */
int medsec_io_pwrite_all(int fd, const void *buf, size_t len, off_t off);
int medsec_io_fsync(int fd);
int medsec_io_fdatasync(int fd);
int medsec_io_ftruncate(int fd, off_t len);
int medsec_io_rename(const char *from, const char *to);
int medsec_io_unlink(const char *path);
int medsec_io_mkdir(const char *path, mode_t mode);

/* Opens a directory and fsyncs it, making creates and renames durable. */
int medsec_io_fsync_dir(const char *dir);

/*
 * Replaces dir/name with buf atomically and durably: writes dir/.name.tmp
 * with `mode`, fsyncs it, renames it over dir/name and fsyncs dir. On
 * failure the old file is untouched and the temporary file is removed.
 */
int medsec_io_write_file_atomic(const char *dir, const char *name,
    const void *buf, size_t len, mode_t mode);

/*
 * Creates dir/name exclusively (fails with MEDSEC_ERR_EXISTS), writes buf,
 * fsyncs the file and dir.
 */
int medsec_io_write_file_new(const char *dir, const char *name,
    const void *buf, size_t len, mode_t mode);

/* Flags for medsec_io_read_file(). */
#define MEDSEC_IO_PRIVATE 0x1 /* refuse unless mode has no group/other bits */
/*
 * Refuse a file that neither the effective user (the service user) nor
 * root owns (MEDSEC_ERR_NOT_OWNER), or that group or others can write
 * (MEDSEC_ERR_PERMISSION): whoever can write a configuration file can
 * change the device's security settings.
 */
#define MEDSEC_IO_TRUSTED 0x2

/*
 * Reads a whole regular file (never following a symlink) of at most maxlen
 * bytes into a new buffer (plus a NUL terminator not counted in *lenp).
 * With MEDSEC_IO_PRIVATE, refuses with MEDSEC_ERR_NOT_OWNER a file that
 * another user owns and with MEDSEC_ERR_PERMISSION one that group or
 * others can access. On success the
 * caller owns *bufp and frees it with free() (wiping first if secret).
 * A file longer than maxlen gives MEDSEC_ERR_TOO_LARGE.
 */
int medsec_io_read_file(const char *path, size_t maxlen, int flags,
    uint8_t **bufp, size_t *lenp);

/*
 * As medsec_io_read_file(), and *stp (may be NULL) receives what fstat
 * said of the opened file, so a refusal can name its owner and mode;
 * st_mode is 0 when the file could not be opened or stat'ed.
 */
int medsec_io_read_file_stat(const char *path, size_t maxlen, int flags,
    uint8_t **bufp, size_t *lenp, struct stat *stp);

/* Checks an open fd's stat as MEDSEC_IO_TRUSTED does. */
int medsec_io_check_trusted(const struct stat *st);

/* Checks an open fd as MEDSEC_IO_PRIVATE does. */
int medsec_io_check_private(int fd);

/* Joins dir and name into out; MEDSEC_ERR_TOO_LARGE if it does not fit. */
int medsec_io_path(char *out, size_t outlen, const char *dir,
    const char *name);

#endif
