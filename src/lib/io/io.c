#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medsec/err.h"
#include "io.h"

static int
posix_open(void *ctx, const char *path, int flags, mode_t mode)
{
	(void)ctx;
	return open(path, flags, mode);
}

static ssize_t
posix_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t off)
{
	(void)ctx;
	return pwrite(fd, buf, len, off);
}

static int
posix_fsync(void *ctx, int fd)
{
	(void)ctx;
	return fsync(fd);
}

static int
posix_fdatasync(void *ctx, int fd)
{
	(void)ctx;
	return fdatasync(fd);
}

static int
posix_ftruncate(void *ctx, int fd, off_t len)
{
	(void)ctx;
	return ftruncate(fd, len);
}

static int
posix_rename(void *ctx, const char *from, const char *to)
{
	(void)ctx;
	return rename(from, to);
}

static int
posix_unlink(void *ctx, const char *path)
{
	(void)ctx;
	return unlink(path);
}

static int
posix_mkdir(void *ctx, const char *path, mode_t mode)
{
	(void)ctx;
	return mkdir(path, mode);
}

static int
posix_close(void *ctx, int fd)
{
	(void)ctx;
	return close(fd);
}

static const struct medsec_io_ops posix_ops = { posix_open, posix_pwrite,
	posix_fsync, posix_fdatasync, posix_ftruncate, posix_rename,
	posix_unlink, posix_mkdir, posix_close, NULL };
static const struct medsec_io_ops *ops = &posix_ops;

void
medsec_io_set_ops(const struct medsec_io_ops *newops)
{
	ops = newops != NULL ? newops : &posix_ops;
}

const struct medsec_io_ops *
medsec_io_posix_ops(void)
{
	return &posix_ops;
}

/* The code for a failed write, create, rename or removal. */
static int
errno_code(void)
{
	if (errno == ENOSPC || errno == EDQUOT)
		return MEDSEC_ERR_NOSPACE;
	/* Not an I/O fault: the file or its directory is not ours to change. */
	if (errno == EACCES || errno == EPERM || errno == EROFS)
		return MEDSEC_ERR_READ_ONLY;
	return MEDSEC_ERR_IO;
}

int
medsec_io_open(const char *path, int flags, mode_t mode)
{
	int fd;

	do
		fd = ops->open(ops->ctx, path, flags | O_CLOEXEC | O_NOFOLLOW,
		    mode);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return MEDSEC_ERR_NOT_FOUND;
	if (errno == EEXIST)
		return MEDSEC_ERR_EXISTS;
	/* O_NOFOLLOW met a symbolic link. */
	if (errno == ELOOP)
		return MEDSEC_ERR_PERMISSION;
	if ((errno == EACCES || errno == EPERM) &&
	    (flags & (O_WRONLY | O_RDWR | O_CREAT)) == 0)
		return MEDSEC_ERR_DENIED;
	return errno_code();
}

int
medsec_io_close(int fd)
{
	if (fd < 0)
		return MEDSEC_OK;
	return ops->close(ops->ctx, fd) == 0 || errno == EINTR ? MEDSEC_OK
							       : errno_code();
}

int
medsec_io_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = ops->pwrite(ops->ctx, fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return errno_code();
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return MEDSEC_OK;
}

int
medsec_io_fsync(int fd)
{
	return ops->fsync(ops->ctx, fd) == 0 ? MEDSEC_OK : errno_code();
}

int
medsec_io_fdatasync(int fd)
{
	return ops->fdatasync(ops->ctx, fd) == 0 ? MEDSEC_OK : errno_code();
}

int
medsec_io_ftruncate(int fd, off_t len)
{
	return ops->ftruncate(ops->ctx, fd, len) == 0 ? MEDSEC_OK
						      : errno_code();
}

int
medsec_io_rename(const char *from, const char *to)
{
	return ops->rename(ops->ctx, from, to) == 0 ? MEDSEC_OK : errno_code();
}

int
medsec_io_unlink(const char *path)
{
	if (ops->unlink(ops->ctx, path) == 0)
		return MEDSEC_OK;
	return errno == ENOENT ? MEDSEC_ERR_NOT_FOUND : errno_code();
}

int
medsec_io_mkdir(const char *path, mode_t mode)
{
	if (ops->mkdir(ops->ctx, path, mode) == 0)
		return MEDSEC_OK;
	return errno == EEXIST ? MEDSEC_ERR_EXISTS : errno_code();
}

int
medsec_io_fsync_dir(const char *dir)
{
	int fd, r;

	fd = medsec_io_open(dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	r = medsec_io_fsync(fd);
	medsec_io_close(fd);
	return r;
}

int
medsec_io_path(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= outlen)
		return MEDSEC_ERR_TOO_LARGE;
	return MEDSEC_OK;
}

static int
write_synced(const char *path, int flags, const void *buf, size_t len,
    mode_t mode)
{
	int fd, r;

	fd = medsec_io_open(path, O_WRONLY | O_CREAT | flags, mode);
	if (fd < 0)
		return fd;
	r = medsec_io_pwrite_all(fd, buf, len, 0);
	if (r == MEDSEC_OK)
		r = medsec_io_fsync(fd);
	medsec_io_close(fd);
	return r;
}

int
medsec_io_write_file_atomic(const char *dir, const char *name,
    const void *buf, size_t len, mode_t mode)
{
	char tmp[4096], dst[4096], tmpname[512];
	int r, n;

	n = snprintf(tmpname, sizeof(tmpname), ".%s.tmp", name);
	if (n < 0 || (size_t)n >= sizeof(tmpname))
		return MEDSEC_ERR_TOO_LARGE;
	if ((r = medsec_io_path(tmp, sizeof(tmp), dir, tmpname)) != MEDSEC_OK ||
	    (r = medsec_io_path(dst, sizeof(dst), dir, name)) != MEDSEC_OK)
		return r;
	/*
	 * A temporary left by an earlier crash is stale: replace it. Absent
	 * is the usual case; if it is there and cannot be removed, the
	 * exclusive create below fails and that error is returned.
	 */
	(void)medsec_io_unlink(tmp);
	r = write_synced(tmp, O_EXCL, buf, len, mode);
	if (r == MEDSEC_OK)
		r = medsec_io_rename(tmp, dst);
	if (r != MEDSEC_OK) {
		/*
		 * The write's error is the one to report; the old file is
		 * untouched either way, and a temporary left behind is
		 * replaced by the next write.
		 */
		(void)medsec_io_unlink(tmp);
		return r;
	}
	return medsec_io_fsync_dir(dir);
}

int
medsec_io_write_file_new(const char *dir, const char *name, const void *buf,
    size_t len, mode_t mode)
{
	char path[4096];
	int r;

	if ((r = medsec_io_path(path, sizeof(path), dir, name)) != MEDSEC_OK)
		return r;
	r = write_synced(path, O_EXCL, buf, len, mode);
	if (r == MEDSEC_ERR_EXISTS)
		return r;
	if (r != MEDSEC_OK) {
		/*
		 * The write's error is the one to report. A partial file that
		 * cannot be removed stays under its name, where every reader
		 * refuses it (the sealed and signed formats are checked) and
		 * the next exclusive create fails with MEDSEC_ERR_EXISTS.
		 */
		(void)medsec_io_unlink(path);
		return r;
	}
	return medsec_io_fsync_dir(dir);
}

int
medsec_io_check_private(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return MEDSEC_ERR_IO;
	if (!S_ISREG(st.st_mode))
		return MEDSEC_ERR_FORMAT;
	if (st.st_uid != geteuid())
		return MEDSEC_ERR_NOT_OWNER;
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return MEDSEC_ERR_PERMISSION;
	return MEDSEC_OK;
}

int
medsec_io_check_trusted(const struct stat *st)
{
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return MEDSEC_ERR_NOT_OWNER;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return MEDSEC_ERR_PERMISSION;
	return MEDSEC_OK;
}

int
medsec_io_read_file(const char *path, size_t maxlen, int flags,
    uint8_t **bufp, size_t *lenp)
{
	return medsec_io_read_file_stat(path, maxlen, flags, bufp, lenp, NULL);
}

int
medsec_io_read_file_stat(const char *path, size_t maxlen, int flags,
    uint8_t **bufp, size_t *lenp, struct stat *stp)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, r = MEDSEC_ERR_INTERNAL;

	*bufp = NULL;
	*lenp = 0;
	memset(&st, 0, sizeof(st));
	if (stp != NULL)
		*stp = st;
	fd = medsec_io_open(path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0) {
		memset(&st, 0, sizeof(st));
		r = MEDSEC_ERR_IO;
		goto out;
	}
	if (stp != NULL)
		*stp = st;
	if (!S_ISREG(st.st_mode)) {
		r = MEDSEC_ERR_FORMAT;
		goto out;
	}
	if ((flags & MEDSEC_IO_PRIVATE) &&
	    (r = medsec_io_check_private(fd)) != MEDSEC_OK)
		goto out;
	if ((flags & MEDSEC_IO_TRUSTED) &&
	    (r = medsec_io_check_trusted(&st)) != MEDSEC_OK)
		goto out;
	if ((uint64_t)st.st_size > maxlen) {
		r = MEDSEC_ERR_TOO_LARGE;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = MEDSEC_ERR_IO;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*bufp = buf;
	*lenp = got;
	buf = NULL;
	r = MEDSEC_OK;
out:
	if (buf != NULL) {
		/* The file may hold a sealed key: leave no copy behind. */
		explicit_bzero(buf, got);
		free(buf);
	}
	medsec_io_close(fd);
	return r;
}
