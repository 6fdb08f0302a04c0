/*
 * Walking a tree. Every directory is opened relative to its parent's
 * descriptor with O_NOFOLLOW, so a symlink is listed as a symlink and
 * never entered or read through, wherever it appears below the root.
 * Entries are listed in the order the directories give them and sorted
 * by path bytes at the end, so the result does not depend on the file
 * system.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "integrity/integrity_int.h"
#include "medsec/err.h"

struct walk {
	struct medsec_integrity_manifest *out;
	const struct medsec_integrity_manifest *ref; /* verify: the manifest */
	struct ipool *pool;			     /* NULL: hash inline */
	struct ihasher *inl;
	char path[MEDSEC_INTEGRITY_PATH_MAX + 1];
	size_t pathlen;
	char *err;
	size_t errlen;
};

static int walk_dir(struct walk *w, int fd, int depth);

static const char *
cur_path(const struct walk *w)
{
	return w->pathlen == 0 ? "." : w->path;
}

static int
walk_fail(struct walk *w, int code, const char *what)
{
	char esc[3 * MEDSEC_INTEGRITY_PATH_MAX + 1];

	if (medsec_integrity_escape(cur_path(w), esc, sizeof(esc)) != MEDSEC_OK)
		esc[0] = '\0';
	return medsec_errf(w->err, w->errlen, code, "%s: %s: %s", esc, what,
	    medsec_strerror(code));
}

/*
 * An entry that cannot be read: while verifying it becomes a finding and
 * the walk goes on; while creating a manifest it stops everything.
 */
static int
entry_error(struct walk *w, struct ientry *e, int code, const char *what)
{
	if (w->ref != NULL) {
		e->err = code;
		return MEDSEC_OK;
	}
	return walk_fail(w, code, what);
}

static int
type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return MEDSEC_INTEGRITY_FILE;
	case S_IFDIR: return MEDSEC_INTEGRITY_DIR;
	case S_IFLNK: return MEDSEC_INTEGRITY_SYMLINK;
	case S_IFCHR: return MEDSEC_INTEGRITY_CHAR;
	case S_IFBLK: return MEDSEC_INTEGRITY_BLOCK;
	case S_IFIFO: return MEDSEC_INTEGRITY_FIFO;
	case S_IFSOCK: return MEDSEC_INTEGRITY_SOCKET;
	default: return 0;
	}
}

static int
add_entry(struct walk *w, const struct stat *st, struct ientry **ep)
{
	struct ientry *e;
	int r;

	r = integrity_entry_add(w->out, cur_path(w), strlen(cur_path(w)), &e);
	if (r == MEDSEC_ERR_TOO_LARGE)
		return medsec_errf(w->err, w->errlen, r,
		    "more than %zu entries under the root", w->out->max);
	if (r != MEDSEC_OK)
		return walk_fail(w, r, "cannot list");
	if ((e->pub.type = type_of(st->st_mode)) == 0)
		return walk_fail(w, MEDSEC_ERR_FORMAT, "unknown file type");
	e->pub.mode = (uint32_t)(st->st_mode & 07777);
	e->pub.uid = (uint32_t)st->st_uid;
	e->pub.gid = (uint32_t)st->st_gid;
	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	if (e->pub.type == MEDSEC_INTEGRITY_FILE)
		e->pub.size = (uint64_t)st->st_size;
	else if (e->pub.type == MEDSEC_INTEGRITY_CHAR ||
	    e->pub.type == MEDSEC_INTEGRITY_BLOCK)
		e->pub.size = (uint64_t)st->st_rdev;
	*ep = e;
	return MEDSEC_OK;
}

/* Verify hashes only what could still match: same type, same size. */
static int
need_hash(const struct walk *w, const struct ientry *e)
{
	const struct ientry *x;

	if (w->ref == NULL)
		return 1;
	x = integrity_find(w->ref, e->path);
	return x != NULL && x->pub.type == MEDSEC_INTEGRITY_FILE &&
	    x->pub.size == e->pub.size;
}

static int
do_file(struct walk *w, int dfd, const char *name, const struct stat *st,
    struct ientry *e)
{
	int fd, r;

	if (!need_hash(w, e))
		return MEDSEC_OK;
	fd = integrity_open_file(dfd, name, st);
	if (fd < 0)
		return entry_error(w, e, fd, fd == MEDSEC_ERR_STATE
		    ? "replaced while the tree was read" : "cannot open");
	if (w->pool != NULL)
		r = integrity_pool_submit(w->pool, fd, e);
	else {
		r = integrity_hash_fd(w->inl, fd, e);
		close(fd);
	}
	return r == MEDSEC_OK ? r : walk_fail(w, r, "cannot hash");
}

static int
do_link(struct walk *w, int dfd, const char *name, struct ientry *e)
{
	char target[INTEGRITY_LINK_MAX];
	ssize_t n;
	int r;

	n = readlinkat(dfd, name, target, sizeof(target));
	if (n < 0)
		return entry_error(w, e, errno == EINVAL ? MEDSEC_ERR_STATE
		    : integrity_errno_code(errno), "cannot read the link");
	if ((size_t)n >= sizeof(target))
		return entry_error(w, e, MEDSEC_ERR_TOO_LARGE,
		    "link target too long");
	e->pub.size = (uint64_t)n;
	if ((r = medsec_hash(w->out->hash_alg, target, (size_t)n,
	    e->pub.hash)) != MEDSEC_OK)
		return walk_fail(w, r, "cannot hash the link");
	e->hashed = 1;
	return MEDSEC_OK;
}

static int
do_dir(struct walk *w, int dfd, const char *name, const struct stat *st,
    struct ientry *e, int depth)
{
	int fd;

	if (depth >= MEDSEC_INTEGRITY_DEPTH_MAX)
		return walk_fail(w, MEDSEC_ERR_TOO_LARGE,
		    "more than 64 directory levels below the root");
	fd = integrity_open_dir(dfd, name, st);
	if (fd < 0)
		return entry_error(w, e, fd, fd == MEDSEC_ERR_STATE
		    ? "replaced while the tree was read" : "cannot open");
	return walk_dir(w, fd, depth + 1);
}

static int
push_name(struct walk *w, const char *name)
{
	size_t n = strlen(name), need;

	need = w->pathlen == 0 ? n : w->pathlen + 1 + n;
	if (need > MEDSEC_INTEGRITY_PATH_MAX)
		return medsec_errf(w->err, w->errlen, MEDSEC_ERR_TOO_LARGE,
		    "a path under the root is longer than %d bytes",
		    MEDSEC_INTEGRITY_PATH_MAX);
	if (w->pathlen > 0)
		w->path[w->pathlen++] = '/';
	memcpy(w->path + w->pathlen, name, n + 1);
	w->pathlen += n;
	return MEDSEC_OK;
}

static int
walk_entry(struct walk *w, int dfd, const char *name, int depth)
{
	size_t save = w->pathlen;
	struct ientry *e;
	struct stat st;
	int r;

	if ((r = push_name(w, name)) != MEDSEC_OK)
		return r;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		/* Gone since readdir: verify reports it missing. */
		r = errno == ENOENT && w->ref != NULL ? MEDSEC_OK
		    : walk_fail(w, integrity_errno_code(errno), "cannot stat");
		goto out;
	}
	if ((r = add_entry(w, &st, &e)) != MEDSEC_OK)
		goto out;
	if (e->pub.type == MEDSEC_INTEGRITY_DIR)
		r = do_dir(w, dfd, name, &st, e, depth);
	else if (e->pub.type == MEDSEC_INTEGRITY_FILE)
		r = do_file(w, dfd, name, &st, e);
	else if (e->pub.type == MEDSEC_INTEGRITY_SYMLINK)
		r = do_link(w, dfd, name, e);
out:
	w->pathlen = save;
	w->path[save] = '\0';
	return r;
}

/* Takes ownership of fd. */
static int
walk_dir(struct walk *w, int fd, int depth)
{
	struct dirent *de;
	DIR *d;
	int r = MEDSEC_OK;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return walk_fail(w, integrity_errno_code(errno),
		    "cannot read the directory");
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				r = walk_fail(w, MEDSEC_ERR_IO,
				    "cannot read the directory");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((r = walk_entry(w, dirfd(d), de->d_name, depth)) !=
		    MEDSEC_OK)
			break;
	}
	closedir(d);
	return r;
}

static int
walk_root(struct walk *w, const char *root)
{
	struct ientry *e;
	struct stat st;
	int fd, r;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return medsec_errf(w->err, w->errlen,
		    integrity_errno_code(errno), "%s: cannot open the root "
		    "directory: %s", root, strerror(errno));
	if (fstat(fd, &st) != 0) {
		close(fd);
		return medsec_errf(w->err, w->errlen, MEDSEC_ERR_IO,
		    "%s: cannot stat the root directory", root);
	}
	if ((r = add_entry(w, &st, &e)) != MEDSEC_OK) {
		close(fd);
		return r;
	}
	return walk_dir(w, fd, 0);
}

/* After a create walk: the first entry (in path order) that failed. */
static int
first_entry_error(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->out->n; i++) {
		if (w->out->v[i]->err == MEDSEC_OK)
			continue;
		w->pathlen = strlen(w->out->v[i]->path);
		memcpy(w->path, w->out->v[i]->path, w->pathlen + 1);
		return walk_fail(w, w->out->v[i]->err,
		    w->out->v[i]->err == MEDSEC_ERR_STATE
		    ? "changed while it was read" : "cannot read");
	}
	return MEDSEC_OK;
}

static int
start_hashing(struct walk *w, const struct medsec_integrity_options *opts)
{
	unsigned n = integrity_threads(opts);

	if (n >= 2)
		return integrity_pool_start(w->out->hash_alg, n, &w->pool);
	return integrity_hasher_new(w->out->hash_alg, &w->inl);
}

static int
finish_hashing(struct walk *w, size_t *filesp, uint64_t *bytesp)
{
	size_t files = 0;
	uint64_t bytes = 0;
	int r;

	r = integrity_pool_finish(w->pool, &files, &bytes);
	w->pool = NULL;
	if (w->inl != NULL) {
		files = integrity_hasher_files(w->inl);
		bytes = integrity_hasher_bytes(w->inl);
	}
	integrity_hasher_free(w->inl);
	w->inl = NULL;
	if (filesp != NULL)
		*filesp = files;
	if (bytesp != NULL)
		*bytesp = bytes;
	return r;
}

int
integrity_walk(const char *root,
    const struct medsec_integrity_manifest *ref,
    const struct medsec_integrity_options *opts,
    struct medsec_integrity_manifest **mp, size_t *filesp, uint64_t *bytesp,
    char *err, size_t errlen)
{
	struct walk w;
	int alg, r, r2;

	memset(&w, 0, sizeof(w));
	w.ref = ref;
	w.err = err;
	w.errlen = errlen;
	*mp = NULL;
	alg = ref != NULL ? ref->hash_alg : opts != NULL && opts->hash_alg != 0
	    ? opts->hash_alg : MEDSEC_ALG_SHA256;
	if ((r = integrity_manifest_new(alg, opts != NULL ? opts->max_entries
	    : 0, &w.out)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "hash algorithm %d", alg);
	if ((r = start_hashing(&w, opts)) != MEDSEC_OK)
		r = medsec_errf(err, errlen, r, "cannot start hashing");
	else
		r = walk_root(&w, root);
	/* Workers hold pointers into w.out: stop them before anything else. */
	r2 = finish_hashing(&w, filesp, bytesp);
	if (r == MEDSEC_OK && r2 != MEDSEC_OK)
		r = medsec_errf(err, errlen, r2, "hashing failed: %s",
		    medsec_strerror(r2));
	if (r == MEDSEC_OK && ref == NULL)
		r = first_entry_error(&w);
	if (r != MEDSEC_OK) {
		medsec_integrity_free(w.out);
		return r;
	}
	integrity_sort(w.out);
	*mp = w.out;
	return MEDSEC_OK;
}

static void
apply_owner(struct medsec_integrity_manifest *m,
    const struct medsec_integrity_options *opts)
{
	size_t i;

	if (opts == NULL || !opts->force_owner)
		return;
	for (i = 0; i < m->n; i++) {
		m->v[i]->pub.uid = opts->owner_uid;
		m->v[i]->pub.gid = opts->owner_gid;
	}
}

int
medsec_integrity_scan(const char *root,
    const struct medsec_integrity_options *opts,
    struct medsec_integrity_manifest **mp, char *err, size_t errlen)
{
	int r;

	if (mp != NULL)
		*mp = NULL;
	if (root == NULL || mp == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "no root directory given");
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "crypto library");
	if ((r = integrity_walk(root, NULL, opts, mp, NULL, NULL, err,
	    errlen)) != MEDSEC_OK)
		return r;
	apply_owner(*mp, opts);
	return MEDSEC_OK;
}

int
integrity_rescan_file(const char *root, const char *path, int alg,
    struct medsec_integrity_entry *out)
{
	struct ihasher *h = NULL;
	struct ientry *e = NULL;
	struct stat st;
	int fd, r = MEDSEC_ERR_INTERNAL;

	if ((fd = integrity_open_beneath(root, path, O_RDONLY)) < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = MEDSEC_ERR_STATE;
		goto out;
	}
	r = MEDSEC_ERR_NOMEM;
	if ((e = calloc(1, sizeof(*e) + 1)) == NULL)
		goto out;
	e->pub.type = MEDSEC_INTEGRITY_FILE;
	e->pub.mode = (uint32_t)(st.st_mode & 07777);
	e->pub.uid = (uint32_t)st.st_uid;
	e->pub.gid = (uint32_t)st.st_gid;
	e->pub.size = (uint64_t)st.st_size;
	if ((r = integrity_hasher_new(alg, &h)) != MEDSEC_OK ||
	    (r = integrity_hash_fd(h, fd, e)) != MEDSEC_OK)
		goto out;
	r = e->err != MEDSEC_OK ? e->err : MEDSEC_OK;
	*out = e->pub;
	out->path = path;
out:
	integrity_hasher_free(h);
	free(e);
	close(fd);
	return r;
}
