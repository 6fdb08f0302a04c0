/*
 * Opening entries without following links. The walk sees an entry with
 * fstatat(AT_SYMLINK_NOFOLLOW) and opens it afterwards; between the two an
 * attacker can rename something else into place. O_NOFOLLOW stops a
 * symlink, O_NONBLOCK keeps a FIFO from blocking the open, and comparing
 * the opened descriptor's device and inode with what the walk saw catches
 * any other swap, so the bytes hashed are always those of the entry that
 * was listed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "integrity/integrity_int.h"
#include "medsec/err.h"

int
integrity_errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return MEDSEC_ERR_NOT_FOUND;
	case ELOOP:	/* a symlink where O_NOFOLLOW expected none */
	case EACCES:
	case EPERM:
		return MEDSEC_ERR_PERMISSION;
	case ENAMETOOLONG:
		return MEDSEC_ERR_TOO_LARGE;
	case ENOMEM:
		return MEDSEC_ERR_NOMEM;
	default:
		return MEDSEC_ERR_IO;
	}
}

static int
open_checked(int dfd, const char *name, int flags, const struct stat *seen)
{
	struct stat st;
	int fd;

	do
		fd = openat(dfd, name, flags | O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	/* A symlink (ELOOP) or a non-directory (ENOTDIR) where the walk
	 * saw something else: the entry was swapped. */
	if (fd < 0)
		return errno == ELOOP ||
		    (errno == ENOTDIR && (flags & O_DIRECTORY) != 0)
		    ? MEDSEC_ERR_STATE : integrity_errno_code(errno);
	if (fstat(fd, &st) != 0) {
		close(fd);
		return MEDSEC_ERR_IO;
	}
	if (st.st_dev != seen->st_dev || st.st_ino != seen->st_ino ||
	    (st.st_mode & S_IFMT) != (seen->st_mode & S_IFMT)) {
		close(fd);
		return MEDSEC_ERR_STATE;
	}
	return fd;
}

/*
 * O_NONBLOCK stays set: it changes nothing for reads of a regular file,
 * which open_checked has made sure this is.
 */
int
integrity_open_file(int dfd, const char *name, const struct stat *seen)
{
	if (!S_ISREG(seen->st_mode))
		return MEDSEC_ERR_STATE;
	return open_checked(dfd, name, 0, seen);
}

int
integrity_open_dir(int dfd, const char *name, const struct stat *seen)
{
	if (!S_ISDIR(seen->st_mode))
		return MEDSEC_ERR_STATE;
	return open_checked(dfd, name, O_DIRECTORY, seen);
}

/* Opens one component of a relative path below dfd, never a symlink. */
static int
open_component(int dfd, const char *name, int last, int flags)
{
	int fd, fl;

	fl = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	if (!last || (flags & O_DIRECTORY))
		fl |= O_DIRECTORY;
	else
		fl |= O_NONBLOCK;
	do
		fd = openat(dfd, name, fl);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return integrity_errno_code(errno);
	return fd;
}

int
integrity_open_beneath(const char *dirpath, const char *relpath, int flags)
{
	char comp[MEDSEC_INTEGRITY_PATH_MAX + 1];
	const char *p = relpath, *slash;
	size_t n;
	int dfd, fd;

	if (strlen(relpath) > MEDSEC_INTEGRITY_PATH_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	dfd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return integrity_errno_code(errno);
	if (strcmp(relpath, ".") == 0)
		return dfd;
	for (;;) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(dfd);
			return MEDSEC_ERR_INVALID;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		fd = open_component(dfd, comp, slash == NULL, flags);
		close(dfd);
		if (fd < 0 || slash == NULL)
			return fd;
		dfd = fd;
		p = slash + 1;
	}
}
