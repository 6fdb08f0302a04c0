/*
 * Directory scans over the keydir: list and destroy. The directory is read
 * into a sorted array first and acted on afterwards, because whether
 * readdir() returns entries removed during the scan is unspecified.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "medsec/err.h"
#include "io/io.h"
#include "keystore_int.h"

#define SCAN_LIMIT 65536 /* entries: far beyond any device's keys */
#define ZERO_CHUNK 512

struct ks_entry {
	char file[KS_FILE_MAX];
	char name[MEDSEC_KEY_NAME_MAX];
	uint32_t gen; /* 0 for the active generation */
	int pub;      /* 1 for .pub, 0 for .key */
};

/* Accepts "<name>[.<gen>].key" and "<name>[.<gen>].pub" only. */
static int
parse_entry(const char *file, struct ks_entry *e)
{
	size_t len = strnlen(file, KS_FILE_MAX);
	const char *ext;

	if (len < 5 || len >= KS_FILE_MAX)
		return 0;
	ext = file + len - 4;
	if (strcmp(ext, ".key") == 0)
		e->pub = 0;
	else if (strcmp(ext, ".pub") == 0)
		e->pub = 1;
	else
		return 0;
	if (!ks_parse_ref(file, len - 4, e->name, &e->gen))
		return 0;
	memcpy(e->file, file, len + 1);
	return 1;
}

/* Orders by name, then generation (active last), then .key before .pub. */
static int
entry_cmp(const void *pa, const void *pb)
{
	const struct ks_entry *a = pa, *b = pb;
	uint64_t ga = a->gen == 0 ? UINT64_MAX : a->gen;
	uint64_t gb = b->gen == 0 ? UINT64_MAX : b->gen;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	if (ga != gb)
		return ga < gb ? -1 : 1;
	return a->pub - b->pub;
}

static int
push_entry(struct ks_entry **ents, size_t *n, size_t *cap,
    const struct ks_entry *e)
{
	struct ks_entry *grown;

	if (*n == *cap) {
		if (*cap >= SCAN_LIMIT)
			return MEDSEC_ERR_TOO_LARGE;
		*cap = *cap == 0 ? 16 : *cap * 2;
		if ((grown = realloc(*ents, *cap * sizeof(**ents))) == NULL)
			return MEDSEC_ERR_NOMEM;
		*ents = grown;
	}
	(*ents)[(*n)++] = *e;
	return MEDSEC_OK;
}

static int
scan_dir(const struct medsec_keystore *ks, struct ks_entry **entsp,
    size_t *np)
{
	struct ks_entry *ents = NULL, e;
	struct dirent *de;
	size_t n = 0, cap = 0;
	DIR *d = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	*entsp = NULL;
	*np = 0;
	if ((d = opendir(ks->dir)) == NULL) {
		r = MEDSEC_ERR_IO;
		goto out;
	}
	r = MEDSEC_OK;
	while (r == MEDSEC_OK && (de = readdir(d)) != NULL)
		if (parse_entry(de->d_name, &e))
			r = push_entry(&ents, &n, &cap, &e);
	if (r != MEDSEC_OK)
		goto out;
	if (n > 0)
		qsort(ents, n, sizeof(*ents), entry_cmp);
	*entsp = ents;
	*np = n;
	ents = NULL;
out:
	free(ents);
	if (d != NULL)
		closedir(d);
	return r;
}

/*
 * One list entry: a sealed file described by its header (unauthenticated:
 * list must work without unsealing every key), or a public key whose
 * sealed half was destroyed. Unreadable or malformed files are skipped.
 */
static int
entry_info(const struct medsec_keystore *ks, const struct ks_entry *e,
    const struct ks_entry *prev, struct medsec_key_info *info)
{
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	struct ks_header h;
	size_t pklen;

	if (!e->pub) {
		if (ks_header_peek(ks, e->name, e->gen, &h) != MEDSEC_OK ||
		    (e->gen != 0 && h.generation != e->gen))
			return 0;
	} else {
		if (prev != NULL && !prev->pub && prev->gen == e->gen &&
		    strcmp(prev->name, e->name) == 0)
			return 0; /* already listed with its sealed half */
		if (ks_pub_load(ks, e->name, e->gen, pk, &pklen, &h) !=
		    MEDSEC_OK)
			return 0;
		h.state = MEDSEC_KEY_VERIFY_ONLY;
	}
	ks_info_set(info, e->name, &h);
	return 1;
}

int
medsec_keystore_list(struct medsec_keystore *ks, struct medsec_key_info *out,
    size_t max, size_t *np)
{
	struct ks_entry *ents = NULL;
	struct medsec_key_info info;
	size_t n = 0, count = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if (np != NULL)
		*np = 0;
	if (ks == NULL || np == NULL || (out == NULL && max > 0)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = scan_dir(ks, &ents, &n)) != MEDSEC_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!entry_info(ks, &ents[i], i > 0 ? &ents[i - 1] : NULL,
			&info))
			continue;
		if (count < max)
			out[count] = info;
		count++;
	}
	*np = count;
	r = MEDSEC_OK;
out:
	free(ents);
	return r;
}

static int
write_zeros(int fd, off_t size)
{
	uint8_t zeros[ZERO_CHUNK];
	int r = MEDSEC_OK;

	memset(zeros, 0, sizeof(zeros));
	for (off_t off = 0; r == MEDSEC_OK && off < size;
	     off += (off_t)sizeof(zeros)) {
		size_t n = size - off < (off_t)sizeof(zeros)
		    ? (size_t)(size - off)
		    : sizeof(zeros);

		r = medsec_io_pwrite_all(fd, zeros, n, off);
	}
	return r;
}

int
ks_shred(const char *dir, const char *file)
{
	char path[KS_PATH_MAX];
	struct stat sb;
	int fd = -1, r = MEDSEC_ERR_INTERNAL;

	if ((r = medsec_io_path(path, sizeof(path), dir, file)) != MEDSEC_OK)
		goto out;
	if ((fd = medsec_io_open(path, O_RDWR, 0)) < 0) {
		r = fd;
		goto out;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		r = MEDSEC_ERR_FORMAT;
		goto out;
	}
	/* Same length, in place: the sealed bytes' blocks are overwritten. */
	if ((r = write_zeros(fd, sb.st_size)) != MEDSEC_OK ||
	    (r = medsec_io_fsync(fd)) != MEDSEC_OK)
		goto out;
	r = medsec_io_close(fd);
	fd = -1;
	if (r == MEDSEC_OK)
		r = medsec_io_unlink(path);
out:
	if (fd >= 0)
		medsec_io_close(fd);
	return r;
}

static int
destroy_entry(const struct medsec_keystore *ks, const struct ks_entry *e,
    int with_public)
{
	char path[KS_PATH_MAX];
	int r;

	if (!e->pub)
		return ks_shred(ks->dir, e->file);
	if (!with_public)
		return MEDSEC_OK;
	if ((r = medsec_io_path(path, sizeof(path), ks->dir, e->file)) !=
	    MEDSEC_OK)
		return r;
	return medsec_io_unlink(path);
}

int
medsec_keystore_destroy(struct medsec_keystore *ks, const char *name,
    int with_public)
{
	struct ks_entry *ents = NULL;
	size_t n = 0, found = 0;
	int e, r = MEDSEC_ERR_INTERNAL;

	if (ks == NULL || !ks_valid_name(name)) {
		r = MEDSEC_ERR_INVALID;
		goto out;
	}
	if ((r = scan_dir(ks, &ents, &n)) != MEDSEC_OK)
		goto out;
	/* Every generation is attempted; the first error is reported. */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ents[i].name, name) != 0 ||
		    (ents[i].pub && !with_public))
			continue;
		found++;
		e = destroy_entry(ks, &ents[i], with_public);
		if (e != MEDSEC_OK && r == MEDSEC_OK)
			r = e;
	}
	if (found == 0) {
		r = MEDSEC_ERR_NOT_FOUND;
		goto out;
	}
	e = medsec_io_fsync_dir(ks->dir);
	if (r == MEDSEC_OK)
		r = e;
out:
	free(ents);
	return r;
}
