/*
 * Walking files and trees for the credential scanner: nothing is
 * followed, special files are skipped, entries are visited in name order
 * so reports are stable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec-tools/credscan.h"
#include "medsec/err.h"

#define FILE_MAX ((size_t)1 << 30)
#define DEPTH_MAX 64

struct walk {
	int (*fn)(const struct medsec_cred_finding *, void *);
	void *ctx;
	int stopped;
};

static int
relay(const struct medsec_cred_finding *f, void *ctx)
{
	struct walk *w = ctx;
	int r = w->fn(f, w->ctx);

	if (r != 0)
		w->stopped = 1;
	return r;
}

static int
scan_file(const char *path, struct walk *w)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = medsec_io_read_file(path, FILE_MAX, 0, &buf, &len)) !=
	    MEDSEC_OK)
		return r;
	r = medsec_credscan_buffer(path, buf, len, relay, w);
	free(buf);
	return r;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int scan_any(const char *path, struct walk *w, int depth);

static int
scan_dir(const char *path, struct walk *w, int depth)
{
	char **names = NULL, child[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int r = MEDSEC_OK;

	if (depth > DEPTH_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	if ((d = opendir(path)) == NULL)
		return MEDSEC_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **g;

			cap = cap ? cap * 2 : 64;
			if ((g = realloc(names, cap * sizeof(*g))) == NULL) {
				r = MEDSEC_ERR_NOMEM;
				goto out;
			}
			names = g;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			r = MEDSEC_ERR_NOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && r == MEDSEC_OK && !w->stopped; i++) {
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path,
		    names[i]) >= sizeof(child))
			continue;
		r = scan_any(child, w, depth + 1);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

static int
scan_any(const char *path, struct walk *w, int depth)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? MEDSEC_ERR_NOT_FOUND : MEDSEC_ERR_IO;
	if (S_ISDIR(sb.st_mode))
		return scan_dir(path, w, depth);
	if (S_ISREG(sb.st_mode))
		return scan_file(path, w);
	return MEDSEC_OK; /* links, devices, fifos, sockets: not followed */
}

int
medsec_credscan_path(const char *path,
    int (*fn)(const struct medsec_cred_finding *, void *), void *ctx)
{
	struct walk w = { fn, ctx, 0 };

	if (path == NULL || fn == NULL)
		return MEDSEC_ERR_INVALID;
	return scan_any(path, &w, 0);
}
