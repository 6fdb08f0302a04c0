/*
 * medsec sbom: the software bill of materials of a device (MFDS 2025
 * post-market rules; FDA 524B(b)(3)), as CycloneDX 1.6 JSON and SPDX 2.3
 * JSON.
 *
 * What goes in:
 *   - the binaries given (medsec, medsecd, or the manufacturer's own);
 *   - every shared library they load, found the way the dynamic loader
 *     finds it: DT_NEEDED and DT_RUNPATH/DT_RPATH read from the ELF
 *     dynamic section (never by running ldd, which executes the binary),
 *     then ld.so.conf's directories and the default ones;
 *   - for each library the Debian package that installed it
 *     (/var/lib/dpkg/info/<pkg>.list), with its name, version,
 *     architecture, source package, Maintainer as supplier, the licences
 *     of its machine-readable copyright file (DEP-5 "License:" fields),
 *     a pkg:deb purl and the SHA-256 of the library file;
 *   - medsec's own libraries (libmedsec, libmedsec-tools) by soname;
 *   - the common-password list libmedsec embeds, as a data component
 *     with its SHA-256;
 *   - the components the manufacturer declares in an INI file, each with
 *     its support level and end-of-support date (docs/sbom.md).
 *
 * Part of libmedsec-tools (pkg-config medsec-tools).
 */
#ifndef MEDSEC_TOOLS_SBOM_H
#define MEDSEC_TOOLS_SBOM_H

#include "medsec/base.h"
#include "medsec/err.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds on untrusted ELF input. */
#define MEDSEC_ELF_NEEDED_MAX 512  /* DT_NEEDED entries per object */
#define MEDSEC_ELF_STRING_MAX 4096 /* one dynamic string */

/* What the dynamic section of one ELF object says. */
struct medsec_elf_dynamic {
	int elf_class;	    /* 32 or 64 */
	int big_endian;	    /* 1 for ELFDATA2MSB */
	unsigned machine;   /* e_machine */
	int type;	    /* e_type: 2 executable, 3 shared object */
	char *soname;	    /* DT_SONAME, or NULL */
	char *runpath;	    /* DT_RUNPATH, or NULL */
	char *rpath;	    /* DT_RPATH, or NULL */
	size_t nneeded;
	char **needed;	    /* DT_NEEDED in file order */
};

/*
 * Reads the dynamic section of an ELF object held in [data, data + len)
 * (untrusted: every offset, size and string is checked against the
 * buffer). A static executable has no dynamic section: *dynp then has
 * no entries. On success *dynp is the caller's (free with
 * medsec_elf_dynamic_free). Returns MEDSEC_OK, MEDSEC_ERR_FORMAT (not ELF,
 * truncated, or inconsistent: err says which field and value),
 * MEDSEC_ERR_TOO_LARGE (more than MEDSEC_ELF_NEEDED_MAX entries),
 * MEDSEC_ERR_NOMEM or MEDSEC_ERR_INVALID. err may be NULL.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_elf_dynamic_parse(const void *data, size_t len,
    struct medsec_elf_dynamic **dynp, struct medsec_config_error *err);

/* Frees what medsec_elf_dynamic_parse returned; NULL is a no-op. */
MEDSEC_API
void medsec_elf_dynamic_free(struct medsec_elf_dynamic *dyn);

/* Where the SBOM's facts come from (NULL fields take the defaults). */
struct medsec_sbom_options {
	const char *const *binaries; /* paths of the binaries to describe */
	size_t nbinaries;
	const char *declared;	   /* manufacturer's INI file, or NULL */
	const char *password_list; /* the list libmedsec embeds, or NULL */
	const char *dpkg_dir;	   /* default /var/lib/dpkg */
	const char *doc_dir;	   /* default /usr/share/doc */
	const char *ld_so_conf;	   /* default /etc/ld.so.conf */
	const char *distro;	   /* purl distro qualifier, default debian-12 */
	time_t timestamp;	   /* creation time written in both formats */
};

struct medsec_sbom;

/*
 * Collects the components described above into *sbomp (the caller's;
 * free with medsec_sbom_free). Every binary must be a readable ELF file,
 * every library it needs must be found, and the password list, when
 * given, must be exactly the list the library embeds; otherwise nothing
 * is returned and err names the file, the field and the value.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_sbom_collect(const struct medsec_sbom_options *opts,
    struct medsec_sbom **sbomp, struct medsec_config_error *err);

MEDSEC_API
void medsec_sbom_free(struct medsec_sbom *sbom);

/* Number of components (the device itself not counted). */
MEDSEC_API
size_t medsec_sbom_count(const struct medsec_sbom *sbom);

/*
 * The SBOM as CycloneDX 1.6 JSON or SPDX 2.3 JSON: *jsonp is a
 * NUL-terminated string the caller frees with free(). Returns MEDSEC_OK,
 * MEDSEC_ERR_NOMEM or MEDSEC_ERR_INVALID.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_sbom_cyclonedx(const struct medsec_sbom *sbom, char **jsonp);
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_sbom_spdx(const struct medsec_sbom *sbom, char **jsonp);

#ifdef __cplusplus
}
#endif
#endif
