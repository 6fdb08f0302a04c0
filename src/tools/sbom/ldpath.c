/*
 * Finds a needed library the way glibc's dynamic loader does (ld.so(8)):
 *
 *   1. a name with a slash is a path, used as it is;
 *   2. the needing object's DT_RPATH, only when it has no DT_RUNPATH;
 *   3. its DT_RUNPATH;
 *   4. the directories of /etc/ld.so.conf (what ldconfig puts in
 *      ld.so.cache), includes followed, in file order;
 *   5. the default directories: the multiarch ones, /lib, /usr/lib.
 *
 * $ORIGIN and ${ORIGIN} expand to the needing object's directory. A
 * candidate counts only if it is an ELF shared object of the needing
 * object's class, byte order and machine, as the loader skips others.
 *
 * Deliberately left out: LD_LIBRARY_PATH and LD_PRELOAD belong to the
 * environment of whoever runs the tool, not to the device, and the RPATH
 * inherited from the executable by its dependencies (a legacy rule that
 * DT_RUNPATH switched off; medsec's binaries use DT_RUNPATH).
 */
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec-tools/sbom.h"
#include "sbom/sbom_int.h"

#define CONF_DEPTH_MAX 4
#define CONF_DIRS_MAX 128

struct dirlist {
	size_t n;
	char dir[CONF_DIRS_MAX][SBOM_PATH_MAX / 4];
};

static void
add_dir(struct dirlist *l, const char *d, size_t n)
{
	while (n > 1 && d[n - 1] == '/')
		n--;
	if (n == 0 || l->n >= CONF_DIRS_MAX || n >= sizeof(l->dir[0]))
		return;
	memcpy(l->dir[l->n], d, n);
	l->dir[l->n][n] = '\0';
	l->n++;
}

/* A candidate the loader would take for an object like `from`. */
static int
matches(const char *path, const struct medsec_elf_dynamic *from)
{
	unsigned char h[20];
	ssize_t got;
	int fd;
	unsigned machine, type;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	got = read(fd, h, sizeof(h));
	close(fd);
	if (got != (ssize_t)sizeof(h) || memcmp(h, "\177ELF", 4) != 0 ||
	    h[4] != (from->elf_class == 64 ? 2 : 1) ||
	    h[5] != (from->big_endian ? 2 : 1))
		return 0;
	type = from->big_endian ? (unsigned)(h[16] << 8 | h[17]) :
	    (unsigned)(h[17] << 8 | h[16]);
	machine = from->big_endian ? (unsigned)(h[18] << 8 | h[19]) :
	    (unsigned)(h[19] << 8 | h[18]);
	return type == 3 && machine == from->machine;
}

/* dir with $ORIGIN expanded, joined with name. */
static int
candidate(char *out, size_t outlen, const char *dir, size_t dirlen,
    const char *origin, const char *name)
{
	char expanded[SBOM_PATH_MAX];
	size_t o = 0;

	for (size_t i = 0; i < dirlen && o + 1 < sizeof(expanded);) {
		size_t skip = 0;

		if (strncmp(dir + i, "$ORIGIN", 7) == 0)
			skip = 7;
		else if (strncmp(dir + i, "${ORIGIN}", 9) == 0)
			skip = 9;
		else if (dir[i] == '$')
			return -1; /* $LIB, $PLATFORM: not used on a device */
		if (skip == 0) {
			expanded[o++] = dir[i++];
			continue;
		}
		o += (size_t)snprintf(expanded + o, sizeof(expanded) - o, "%s",
		    origin);
		if (o >= sizeof(expanded))
			return -1;
		i += skip;
	}
	expanded[o] = '\0';
	if (expanded[0] == '\0')
		return -1;
	if ((size_t)snprintf(out, outlen, "%s/%s", expanded, name) >= outlen)
		return -1;
	return 0;
}

/* Tries each directory of a colon-separated list. */
static int
search_list(const char *list, const char *origin, const char *name,
    const struct medsec_elf_dynamic *from, char *out, size_t outlen)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		const char *colon = strchr(p, ':');
		size_t n = colon != NULL ? (size_t)(colon - p) : strlen(p);

		if (candidate(out, outlen, p, n, origin, name) == 0 &&
		    matches(out, from))
			return MEDSEC_OK;
		p = colon != NULL ? colon + 1 : NULL;
	}
	return MEDSEC_ERR_NOT_FOUND;
}

static void read_conf(struct dirlist *l, const char *path, int depth);

static void
conf_include(struct dirlist *l, const char *conf, const char *pattern,
    int depth)
{
	char full[SBOM_PATH_MAX];
	const char *slash = strrchr(conf, '/');
	glob_t g;

	if (pattern[0] == '/' || slash == NULL)
		snprintf(full, sizeof(full), "%s", pattern);
	else
		snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - conf),
		    conf, pattern);
	if (glob(full, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		read_conf(l, g.gl_pathv[i], depth + 1);
	globfree(&g);
}

static void
read_conf(struct dirlist *l, const char *path, int depth)
{
	char line[SBOM_PATH_MAX / 4];
	FILE *f;

	if (depth > CONF_DEPTH_MAX || (f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *hash = strchr(line, '#');
		size_t n;

		if (hash != NULL)
			*hash = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		n = strcspn(s, " \t\r\n");
		if (strncmp(s, "include", 7) == 0 && n == 7) {
			s += 7 + strspn(s + 7, " \t");
			s[strcspn(s, " \t\r\n")] = '\0';
			conf_include(l, path, s, depth);
		} else if (s[0] == '/') {
			add_dir(l, s, n);
		}
	}
	fclose(f);
}

static const char *
multiarch(const struct medsec_elf_dynamic *from)
{
	switch (from->machine) {
	case 62:
		return "x86_64-linux-gnu";
	case 183:
		return "aarch64-linux-gnu";
	case 3:
		return "i386-linux-gnu";
	case 40:
		return "arm-linux-gnueabihf";
	default:
		return NULL;
	}
}

static int
search_system(const char *name, const struct medsec_elf_dynamic *from,
    const char *ld_so_conf, char *out, size_t outlen)
{
	struct dirlist *l;
	char d[64];
	const char *triplet = multiarch(from);
	int rc = MEDSEC_ERR_NOT_FOUND;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return MEDSEC_ERR_NOMEM;
	read_conf(l, ld_so_conf, 0);
	if (triplet != NULL) {
		snprintf(d, sizeof(d), "/lib/%s", triplet);
		add_dir(l, d, strlen(d));
		snprintf(d, sizeof(d), "/usr/lib/%s", triplet);
		add_dir(l, d, strlen(d));
	}
	add_dir(l, "/lib", 4);
	add_dir(l, "/usr/lib", 8);
	for (size_t i = 0; i < l->n && rc == MEDSEC_ERR_NOT_FOUND; i++)
		if ((size_t)snprintf(out, outlen, "%s/%s", l->dir[i], name) <
		    outlen && matches(out, from))
			rc = MEDSEC_OK;
	free(l);
	return rc;
}

int
sbom_resolve(const char *needed, const struct medsec_elf_dynamic *from,
    const char *from_path, const char *ld_so_conf, char *out, size_t outlen)
{
	char origin[SBOM_PATH_MAX];
	char *resolved, *slash;

	if (strchr(needed, '/') != NULL) {
		if ((size_t)snprintf(out, outlen, "%s", needed) >= outlen ||
		    !matches(out, from))
			return MEDSEC_ERR_NOT_FOUND;
		return MEDSEC_OK;
	}
	/* $ORIGIN is the directory of the object as the loader opened it,
	 * symbolic links resolved. */
	if ((resolved = realpath(from_path, NULL)) == NULL)
		return MEDSEC_ERR_NOT_FOUND;
	snprintf(origin, sizeof(origin), "%s", resolved);
	free(resolved);
	if ((slash = strrchr(origin, '/')) != NULL)
		slash[slash == origin ? 1 : 0] = '\0';
	if (from->runpath == NULL && from->rpath != NULL &&
	    search_list(from->rpath, origin, needed, from, out, outlen) ==
	    MEDSEC_OK)
		return MEDSEC_OK;
	if (from->runpath != NULL &&
	    search_list(from->runpath, origin, needed, from, out, outlen) ==
	    MEDSEC_OK)
		return MEDSEC_OK;
	return search_system(needed, from, ld_so_conf, out, outlen);
}
