#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultio.h"
#include "faultio_int.h"
#include "io/io.h"

#define UNDO_MAX 4096

enum undo_kind { U_WRITE, U_CREATE, U_RENAME, U_UNLINK };

/* One unsynced change and what it takes to undo it. */
struct undo {
	int kind;
	dev_t dev;
	ino_t ino;
	int fd;		/* dup of the file, for writes; -1: reopen path */
	off_t off;
	size_t len;	/* bytes written */
	uint8_t *old;	/* previous bytes in [off, off + oldlen) */
	size_t oldlen;
	off_t oldsize;	/* file size before */
	char path[512];	/* create, unlink: the name; rename: destination */
	char from[512];	/* rename: source name */
	char backup[600]; /* rename over / unlink: a hard link to the old file */
	char dir[512];	/* parent directory of the name */
	int live;
};

static struct undo undo[UNDO_MAX];
static size_t nundo;
static unsigned long counter, fail_k, crash_k, faults;
static int fail_err, fail_persistent, crash_mode, failing, installed;
static unsigned backups;

static void
parent_dir(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, len, ".");
	else if (slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

static struct undo *
undo_new(int kind)
{
	struct undo *u;

	if (nundo == UNDO_MAX) {
		fprintf(stderr, "faultio: undo log full\n");
		abort();
	}
	u = &undo[nundo++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	u->fd = -1;
	u->live = 1;
	return u;
}

static uint64_t rng;

static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
undo_bytes(const struct undo *u, int fd, int garble)
{
	if (garble) {
		uint8_t junk[4096];

		for (size_t done = 0; done < u->len; done += sizeof(junk)) {
			size_t n = u->len - done < sizeof(junk)
			    ? u->len - done : sizeof(junk);

			for (size_t i = 0; i < n; i++)
				junk[i] = (uint8_t)next_random();
			if (pwrite(fd, junk, n, u->off + (off_t)done) < 0)
				perror("faultio: garble");
		}
		return;
	}
	if (u->oldlen > 0 && pwrite(fd, u->old, u->oldlen, u->off) < 0)
		perror("faultio: restore");
	if (ftruncate(fd, u->oldsize) != 0)
		perror("faultio: truncate");
}

static void
undo_write(struct undo *u, int garble)
{
	uint64_t choice = garble ? next_random() % 3 : 1;
	int fd = u->fd;

	if (choice == 0)
		return; /* this write happened to reach the disk */
	/*
	 * Database files are known by name, not by a descriptor of ours:
	 * closing a second descriptor would drop SQLite's POSIX locks. The
	 * process is about to exit, so opening one now is harmless.
	 */
	if (fd < 0 && (fd = open(u->path, O_WRONLY | O_CLOEXEC)) < 0)
		return; /* the file is gone: nothing of it survived */
	undo_bytes(u, fd, choice == 2);
	if (fd != u->fd)
		close(fd);
}

static void
undo_one(struct undo *u, int garble)
{
	if (garble && u->kind != U_WRITE && next_random() % 2 == 0)
		return; /* this directory change reached the disk */
	switch (u->kind) {
	case U_WRITE:
		undo_write(u, garble);
		break;
	case U_CREATE:
		unlink(u->path);
		break;
	case U_RENAME:
		if (link(u->path, u->from) != 0 && errno != EEXIST)
			perror("faultio: unrename");
		if (u->backup[0] != '\0')
			rename(u->backup, u->path);
		else
			unlink(u->path);
		break;
	case U_UNLINK:
		if (u->backup[0] != '\0' && link(u->backup, u->path) != 0)
			perror("faultio: unlink undo");
		break;
	}
}

static void
crash(void)
{
	if (crash_mode != FAULTIO_PROCESS) {
		rng = 0x9e3779b97f4a7c15ULL ^ crash_k;
		for (size_t i = nundo; i-- > 0;)
			if (undo[i].live)
				undo_one(&undo[i], crash_mode ==
				    FAULTIO_POWER_GARBLE);
	}
	/* The links kept to undo renames and unlinks are the shim's own. */
	for (size_t i = 0; i < nundo; i++)
		if (undo[i].backup[0] != '\0')
			unlink(undo[i].backup);
	_exit(FAULTIO_CRASH_EXIT);
}

/*
 * Counts one operation; returns -1 with errno set if it must fail. With
 * FAULTIO_TRACE set, names each operation on stderr (to find what op k is).
 */
static int
tick(const char *what)
{
	counter++;
	if (getenv("FAULTIO_TRACE") != NULL)
		fprintf(stderr, "faultio: op %lu: %s\n", counter, what);
	if (crash_k != 0 && counter == crash_k)
		crash();
	if (fail_k != 0 && (counter == fail_k ||
			       (fail_persistent && counter > fail_k))) {
		failing = 1;
		faults++;
		errno = fail_err;
		return -1;
	}
	return 0;
}

static void
forget_file(int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return;
	for (size_t i = 0; i < nundo; i++) {
		struct undo *u = &undo[i];

		if (!u->live)
			continue;
		if (S_ISDIR(sb.st_mode) && u->kind != U_WRITE) {
			struct stat db;

			if (stat(u->dir, &db) == 0 && db.st_ino == sb.st_ino &&
			    db.st_dev == sb.st_dev)
				u->live = 0;
		} else if (u->kind == U_WRITE && u->ino == sb.st_ino &&
		    u->dev == sb.st_dev) {
			u->live = 0;
		}
	}
}

static int
f_open(void *ctx, const char *path, int flags, mode_t mode)
{
	const struct medsec_io_ops *posix = medsec_io_posix_ops();
	int existed, fd;
	struct stat sb;

	(void)ctx;
	if ((flags & O_CREAT) == 0)
		return posix->open(NULL, path, flags, mode);
	existed = lstat(path, &sb) == 0;
	if (tick("create") != 0)
		return -1;
	fd = posix->open(NULL, path, flags, mode);
	if (fd >= 0 && !existed) {
		struct undo *u = undo_new(U_CREATE);

		snprintf(u->path, sizeof(u->path), "%s", path);
		parent_dir(path, u->dir, sizeof(u->dir));
	}
	return fd;
}

static ssize_t
f_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t off)
{
	struct undo *u;
	struct stat sb;
	ssize_t got;

	(void)ctx;
	if (tick("write") != 0)
		return -1;
	if (fstat(fd, &sb) != 0)
		return -1;
	u = undo_new(U_WRITE);
	u->dev = sb.st_dev;
	u->ino = sb.st_ino;
	u->fd = dup(fd);
	u->off = off;
	u->len = len;
	u->oldsize = sb.st_size;
	if (off < sb.st_size) {
		u->oldlen = (size_t)(sb.st_size - off) < len
		    ? (size_t)(sb.st_size - off) : len;
		u->old = malloc(u->oldlen);
		got = pread(fd, u->old, u->oldlen, off);
		if (got < 0)
			return -1;
	}
	return pwrite(fd, buf, len, off);
}

static int
f_fsync(void *ctx, int fd)
{
	(void)ctx;
	if (tick("fsync") != 0)
		return -1;
	forget_file(fd);
	return 0;
}

static int
f_fdatasync(void *ctx, int fd)
{
	(void)ctx;
	if (tick("fdatasync") != 0)
		return -1;
	forget_file(fd);
	return 0;
}

static int
f_ftruncate(void *ctx, int fd, off_t len)
{
	struct undo *u;
	struct stat sb;

	(void)ctx;
	if (tick("truncate") != 0 || fstat(fd, &sb) != 0)
		return -1;
	u = undo_new(U_WRITE);
	u->dev = sb.st_dev;
	u->ino = sb.st_ino;
	u->fd = dup(fd);
	u->off = len;
	u->oldsize = sb.st_size;
	if (len < sb.st_size) {
		u->oldlen = (size_t)(sb.st_size - len);
		u->old = malloc(u->oldlen);
		if (pread(fd, u->old, u->oldlen, len) < 0)
			return -1;
	}
	u->len = u->oldlen;
	return ftruncate(fd, len);
}

static void
keep_backup(struct undo *u, const char *path)
{
	/* Unique per process: a crashed run leaves its backups behind. */
	snprintf(u->backup, sizeof(u->backup), "%s.faultio-%ld-%u", path,
	    (long)getpid(), backups++);
	unlink(u->backup);
	if (link(path, u->backup) != 0)
		u->backup[0] = '\0';
}

static int
f_rename(void *ctx, const char *from, const char *to)
{
	struct undo *u;
	struct stat sb;

	(void)ctx;
	if (tick("rename") != 0)
		return -1;
	u = undo_new(U_RENAME);
	snprintf(u->path, sizeof(u->path), "%s", to);
	snprintf(u->from, sizeof(u->from), "%s", from);
	parent_dir(to, u->dir, sizeof(u->dir));
	if (lstat(to, &sb) == 0 && S_ISREG(sb.st_mode))
		keep_backup(u, to);
	if (rename(from, to) != 0) {
		u->live = 0;
		return -1;
	}
	return 0;
}

static int
f_unlink(void *ctx, const char *path)
{
	struct undo *u;

	(void)ctx;
	if (tick("unlink") != 0)
		return -1;
	u = undo_new(U_UNLINK);
	snprintf(u->path, sizeof(u->path), "%s", path);
	parent_dir(path, u->dir, sizeof(u->dir));
	keep_backup(u, path);
	if (unlink(path) != 0) {
		u->live = 0;
		return -1;
	}
	return 0;
}

static int
f_mkdir(void *ctx, const char *path, mode_t mode)
{
	(void)ctx;
	if (tick("mkdir") != 0)
		return -1;
	return mkdir(path, mode);
}

static int
f_close(void *ctx, int fd)
{
	(void)ctx;
	return close(fd);
}

static const struct medsec_io_ops faultio_ops = { f_open, f_pwrite, f_fsync,
	f_fdatasync, f_ftruncate, f_rename, f_unlink, f_mkdir, f_close, NULL };

static void
reset(void)
{
	for (size_t i = 0; i < nundo; i++) {
		if (undo[i].fd >= 0)
			close(undo[i].fd);
		free(undo[i].old);
		if (undo[i].backup[0] != '\0')
			unlink(undo[i].backup);
	}
	nundo = 0;
	counter = fail_k = crash_k = faults = 0;
	fail_err = fail_persistent = crash_mode = failing = 0;
}

void
faultio_install(void)
{
	reset();
	faultio_vfs_register();
	installed = 1;
	medsec_io_set_ops(&faultio_ops);
}

void
faultio_uninstall(void)
{
	installed = 0;
	reset();
	medsec_io_set_ops(NULL);
}

unsigned long
faultio_count(void)
{
	return counter;
}

unsigned long
faultio_faults(void)
{
	return faults;
}

void
faultio_fail_at(unsigned long k, int err, int persistent)
{
	fail_k = k;
	fail_err = err;
	fail_persistent = persistent;
}

void
faultio_crash_at(unsigned long k, int mode)
{
	crash_k = k;
	crash_mode = mode;
}

void
faultio_heal(void)
{
	fail_k = 0;
	failing = 0;
}

/* The hooks of the SQLite VFS (faultio_vfs.c). */

int
faultio_active(void)
{
	return installed;
}

int
faultio_tick(const char *what)
{
	return tick(what);
}

void
faultio_log_write(const struct stat *sb, const char *path, off_t off,
    size_t len, const void *old, size_t oldlen, off_t oldsize)
{
	struct undo *u = undo_new(U_WRITE);

	u->dev = sb->st_dev;
	u->ino = sb->st_ino;
	snprintf(u->path, sizeof(u->path), "%s", path);
	u->off = off;
	u->len = len;
	u->oldsize = oldsize;
	if (oldlen > 0) {
		if ((u->old = malloc(oldlen)) == NULL) {
			fprintf(stderr, "faultio: out of memory\n");
			abort();
		}
		memcpy(u->old, old, oldlen);
		u->oldlen = oldlen;
	}
}

void
faultio_log_create(const char *path)
{
	struct undo *u = undo_new(U_CREATE);

	snprintf(u->path, sizeof(u->path), "%s", path);
	parent_dir(path, u->dir, sizeof(u->dir));
}

void
faultio_log_unlink(const char *path)
{
	struct undo *u = undo_new(U_UNLINK);

	snprintf(u->path, sizeof(u->path), "%s", path);
	parent_dir(path, u->dir, sizeof(u->dir));
	keep_backup(u, path);
}

void
faultio_log_synced(const struct stat *sb, const char *path)
{
	for (size_t i = 0; i < nundo; i++) {
		struct undo *u = &undo[i];

		if (!u->live)
			continue;
		if (u->kind == U_WRITE && u->ino == sb->st_ino &&
		    u->dev == sb->st_dev)
			u->live = 0;
		else if (u->kind == U_CREATE && strcmp(u->path, path) == 0)
			u->live = 0;
	}
}
