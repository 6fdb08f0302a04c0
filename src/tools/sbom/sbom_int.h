/* The SBOM module's internals: the component model and its collectors. */
#ifndef MEDSEC_SBOM_INT_H
#define MEDSEC_SBOM_INT_H

#include <stddef.h>

#include "medsec-tools/sbom.h"

#define SBOM_COMPONENTS_MAX 1024
#define SBOM_DEPS_MAX 128
#define SBOM_LICENSES_MAX 16
#define SBOM_FILES_MAX 16
#define SBOM_TEXT_MAX 256
#define SBOM_PATH_MAX 4096

enum sbom_kind {
	SBOM_APPLICATION = 1, /* a binary given on the command line */
	SBOM_OWN_LIBRARY,     /* libmedsec, libmedsec-tools */
	SBOM_DEB_LIBRARY,     /* a library a Debian package installed */
	SBOM_OTHER_LIBRARY,   /* a library no package owns */
	SBOM_DATA,	      /* embedded data (the common-password list) */
	SBOM_DECLARED	      /* declared by the manufacturer */
};

struct sbom_component {
	int kind;
	char name[SBOM_TEXT_MAX];
	char version[SBOM_TEXT_MAX];
	char supplier[SBOM_TEXT_MAX];
	char purl[2 * SBOM_TEXT_MAX];
	char arch[32];
	char source[SBOM_TEXT_MAX];	    /* Debian source package */
	char source_version[SBOM_TEXT_MAX]; /* its version */
	char path[SBOM_PATH_MAX];	    /* the file, when there is one */
	char soname[SBOM_TEXT_MAX];
	char sha256[65];		    /* hex, "" when no file */
	char type[32];			    /* declared: CycloneDX type */
	char support[32];		    /* declared: support level */
	char end_of_support[16];	    /* declared: YYYY-MM-DD */
	char description[SBOM_TEXT_MAX];
	size_t nlicenses;
	char licenses[SBOM_LICENSES_MAX][64]; /* Debian/SPDX short names */
	size_t ndeps;
	size_t deps[SBOM_DEPS_MAX];	    /* indices of components */
	size_t nfiles;			    /* the package's other files: */
	char *files[SBOM_FILES_MAX];	    /* "<sha256> <path>", malloc'd */
};

struct medsec_sbom {
	time_t timestamp;
	char distro[64];
	char device_name[SBOM_TEXT_MAX];
	char device_version[SBOM_TEXT_MAX];
	char manufacturer[SBOM_TEXT_MAX];
	size_t ncomponents;
	struct sbom_component *c; /* SBOM_COMPONENTS_MAX of them */
	size_t ntop;
	size_t top[SBOM_COMPONENTS_MAX]; /* what the device directly holds */
};

/* Searches like ld.so for the library `needed` that object `from` (at
 * from_path) loads; on success out holds its path. MEDSEC_ERR_NOT_FOUND
 * when no directory holds a matching object. */
int sbom_resolve(const char *needed, const struct medsec_elf_dynamic *from,
    const char *from_path, const char *ld_so_conf, char *out, size_t outlen);

/* Fills the Debian facts of c (c->path set) from the package database:
 * MEDSEC_ERR_NOT_FOUND when no installed package owns the file. */
int sbom_dpkg_lookup(struct sbom_component *c, const char *dpkg_dir,
    const char *doc_dir, const char *distro, struct medsec_config_error *err);

/* The licences of a DEP-5 copyright file (none if not machine-readable). */
int sbom_dep5_licenses(const char *path, struct sbom_component *c);

/* Reads the manufacturer's declaration into sbom (device and components). */
int sbom_declared_load(struct medsec_sbom *sbom, const char *path,
    struct medsec_config_error *err);

/* Adds a component; NULL when the table is full. */
struct sbom_component *sbom_add(struct medsec_sbom *sbom, int kind);

/* SHA-256 of a file as lower-case hex. */
int sbom_file_sha256(const char *path, char hex[65],
    struct medsec_config_error *err);

/* The SPDX identifier for a Debian licence short name ("" if none):
 * "GPL-2+" is "GPL-2.0-or-later". */
const char *sbom_spdx_id(const char *debian_name);

/* Appends s to out percent-encoded as a purl version or name. */
void sbom_purl_escape(char *out, size_t outlen, const char *s);

#endif
