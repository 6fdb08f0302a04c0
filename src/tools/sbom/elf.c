/*
 * The ELF dynamic section, read from untrusted bytes: the file header,
 * the program headers, PT_DYNAMIC and the string table it points to
 * through a PT_LOAD segment, exactly the path the dynamic loader takes.
 * Section headers are ignored, as the loader ignores them: a stripped or
 * doctored section table cannot hide a dependency.
 *
 * Every offset and size is checked against the buffer before use, with
 * sums checked for overflow; a string must end inside the string table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ini.h"
#include "medsec-tools/sbom.h"
#include "sbom/sbom_int.h"

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define DT_NULL 0
#define DT_NEEDED 1
#define DT_STRTAB 5
#define DT_STRSZ 10
#define DT_SONAME 14
#define DT_RPATH 15
#define DT_RUNPATH 29

struct elf_reader {
	const uint8_t *p;
	size_t len;
	int is64, be;
	struct medsec_config_error *err;
	uint64_t dyn_off, dyn_size;
	int have_dyn;
	uint64_t strtab_vaddr, strsz, strtab_off;
	int have_strtab, have_strsz;
	size_t nneeded;
};

static uint64_t
rd(const struct elf_reader *r, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned shift = r->be ? 8 * (n - 1 - i) : 8 * i;

		v |= (uint64_t)r->p[off + i] << shift;
	}
	return v;
}

/* [off, off + size) lies inside the buffer. */
static int
inside(const struct elf_reader *r, uint64_t off, uint64_t size)
{
	return off <= r->len && size <= r->len - off;
}

static int
fail(struct elf_reader *r, const char *field, uint64_t value)
{
	medsec_ini_err(r->err, 0, NULL, field, "ELF %s 0x%llx is out of range "
	    "or inconsistent (file of %zu bytes)", field,
	    (unsigned long long)value, r->len);
	return MEDSEC_ERR_FORMAT;
}

static int
read_ident(struct elf_reader *r, struct medsec_elf_dynamic *d)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (r->len < 16 || memcmp(r->p, magic, 4) != 0) {
		medsec_ini_err(r->err, 0, NULL, "e_ident", "not an ELF file "
		    "(no \\177ELF magic in the first 4 of %zu bytes)", r->len);
		return MEDSEC_ERR_FORMAT;
	}
	if (r->p[4] != 1 && r->p[4] != 2)
		return fail(r, "EI_CLASS", r->p[4]);
	if (r->p[5] != 1 && r->p[5] != 2)
		return fail(r, "EI_DATA", r->p[5]);
	if (r->p[6] != 1)
		return fail(r, "EI_VERSION", r->p[6]);
	r->is64 = r->p[4] == 2;
	r->be = r->p[5] == 2;
	d->elf_class = r->is64 ? 64 : 32;
	d->big_endian = r->be;
	if (!inside(r, 0, r->is64 ? 64 : 52))
		return fail(r, "e_ehsize", r->len);
	d->type = (int)rd(r, 16, 2);
	d->machine = (unsigned)rd(r, 18, 2);
	return MEDSEC_OK;
}

/* One program header: remembers PT_DYNAMIC; PT_LOAD is looked up later. */
static int
note_phdr(struct elf_reader *r, uint64_t ph)
{
	uint32_t type = (uint32_t)rd(r, ph, 4);
	uint64_t off = r->is64 ? rd(r, ph + 8, 8) : rd(r, ph + 4, 4);
	uint64_t filesz = r->is64 ? rd(r, ph + 32, 8) : rd(r, ph + 16, 4);

	if (type != PT_DYNAMIC)
		return MEDSEC_OK;
	if (r->have_dyn)
		return fail(r, "PT_DYNAMIC (a second one)", off);
	if (!inside(r, off, filesz))
		return fail(r, "PT_DYNAMIC p_offset", off);
	r->have_dyn = 1;
	r->dyn_off = off;
	r->dyn_size = filesz;
	return MEDSEC_OK;
}

static int
phdr_table(const struct elf_reader *r, uint64_t *phoff, uint64_t *phnum,
    uint64_t *phentsize)
{
	*phoff = r->is64 ? rd(r, 32, 8) : rd(r, 28, 4);
	*phentsize = rd(r, r->is64 ? 54 : 42, 2);
	*phnum = rd(r, r->is64 ? 56 : 44, 2);
	if (*phnum == 0)
		return MEDSEC_OK;
	if (*phentsize != (r->is64 ? 56u : 32u))
		return -1;
	if (*phnum == 0xffff || !inside(r, *phoff, *phnum * *phentsize))
		return -2;
	return MEDSEC_OK;
}

static int
read_phdrs(struct elf_reader *r)
{
	uint64_t phoff, phnum, phentsize;
	int r2;

	if ((r2 = phdr_table(r, &phoff, &phnum, &phentsize)) == -1)
		return fail(r, "e_phentsize", phentsize);
	if (r2 != MEDSEC_OK)
		return fail(r, "e_phoff", phoff);
	for (uint64_t i = 0; i < phnum; i++)
		if ((r2 = note_phdr(r, phoff + i * phentsize)) != MEDSEC_OK)
			return r2;
	return MEDSEC_OK;
}

/* The file offset of the string table, through the PT_LOAD holding it. */
static int
map_strtab(struct elf_reader *r)
{
	uint64_t phoff, phnum, phentsize;

	if (phdr_table(r, &phoff, &phnum, &phentsize) != MEDSEC_OK)
		return fail(r, "e_phoff", phoff);
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * phentsize;
		uint64_t off, vaddr, filesz, delta;

		if ((uint32_t)rd(r, ph, 4) != PT_LOAD)
			continue;
		off = r->is64 ? rd(r, ph + 8, 8) : rd(r, ph + 4, 4);
		vaddr = r->is64 ? rd(r, ph + 16, 8) : rd(r, ph + 8, 4);
		filesz = r->is64 ? rd(r, ph + 32, 8) : rd(r, ph + 16, 4);
		if (r->strtab_vaddr < vaddr ||
		    r->strtab_vaddr - vaddr >= filesz)
			continue;
		delta = r->strtab_vaddr - vaddr;
		if (r->strsz > filesz - delta || off > UINT64_MAX - delta ||
		    !inside(r, off + delta, r->strsz))
			return fail(r, "DT_STRSZ", r->strsz);
		r->strtab_off = off + delta;
		return MEDSEC_OK;
	}
	return fail(r, "DT_STRTAB", r->strtab_vaddr);
}

static void
dyn_entry(const struct elf_reader *r, uint64_t i, uint64_t *tag,
    uint64_t *val)
{
	uint64_t at = r->dyn_off + i * (r->is64 ? 16 : 8);

	*tag = r->is64 ? rd(r, at, 8) : rd(r, at, 4);
	*val = r->is64 ? rd(r, at + 8, 8) : rd(r, at + 4, 4);
}

static uint64_t
dyn_count(const struct elf_reader *r)
{
	return r->dyn_size / (r->is64 ? 16 : 8);
}

static int
scan_dynamic(struct elf_reader *r)
{
	uint64_t tag, val;

	for (uint64_t i = 0; i < dyn_count(r); i++) {
		dyn_entry(r, i, &tag, &val);
		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB) {
			r->strtab_vaddr = val;
			r->have_strtab = 1;
		} else if (tag == DT_STRSZ) {
			r->strsz = val;
			r->have_strsz = 1;
		} else if (tag == DT_NEEDED && ++r->nneeded >
		    MEDSEC_ELF_NEEDED_MAX) {
			medsec_ini_err(r->err, 0, NULL, "DT_NEEDED", "more than "
			    "%d DT_NEEDED entries", MEDSEC_ELF_NEEDED_MAX);
			return MEDSEC_ERR_TOO_LARGE;
		}
	}
	return MEDSEC_OK;
}

/* A copy of the string at offset val of the string table. */
static int
dyn_string(struct elf_reader *r, const char *field, uint64_t val,
    char **outp)
{
	const char *s, *nul;
	size_t max;

	if (val >= r->strsz)
		return fail(r, field, val);
	s = (const char *)r->p + r->strtab_off + val;
	max = (size_t)(r->strsz - val);
	if ((nul = memchr(s, '\0', max)) == NULL)
		return fail(r, field, val);
	if ((size_t)(nul - s) > MEDSEC_ELF_STRING_MAX) {
		medsec_ini_err(r->err, 0, NULL, field, "ELF %s string of %zu "
		    "bytes (at most %d)", field, (size_t)(nul - s),
		    MEDSEC_ELF_STRING_MAX);
		return MEDSEC_ERR_TOO_LARGE;
	}
	if ((*outp = strdup(s)) == NULL)
		return MEDSEC_ERR_NOMEM;
	return MEDSEC_OK;
}

static int
take_string(struct elf_reader *r, struct medsec_elf_dynamic *d,
    uint64_t tag, uint64_t val)
{
	char **slot;
	const char *field;

	switch (tag) {
	case DT_NEEDED:
		slot = &d->needed[d->nneeded++];
		field = "DT_NEEDED";
		break;
	case DT_SONAME:
		slot = &d->soname;
		field = "DT_SONAME";
		break;
	case DT_RPATH:
		slot = &d->rpath;
		field = "DT_RPATH";
		break;
	case DT_RUNPATH:
		slot = &d->runpath;
		field = "DT_RUNPATH";
		break;
	default:
		return MEDSEC_OK;
	}
	if (*slot != NULL)
		return fail(r, field, val);
	return dyn_string(r, field, val, slot);
}

static int
read_strings(struct elf_reader *r, struct medsec_elf_dynamic *d)
{
	uint64_t tag, val;
	int rc;

	if (r->nneeded > 0 &&
	    (d->needed = calloc(r->nneeded, sizeof(char *))) == NULL)
		return MEDSEC_ERR_NOMEM;
	for (uint64_t i = 0; i < dyn_count(r); i++) {
		dyn_entry(r, i, &tag, &val);
		if (tag == DT_NULL)
			break;
		if ((rc = take_string(r, d, tag, val)) != MEDSEC_OK)
			return rc;
	}
	return MEDSEC_OK;
}

static int
parse(struct elf_reader *r, struct medsec_elf_dynamic *d)
{
	int rc;

	if ((rc = read_ident(r, d)) != MEDSEC_OK ||
	    (rc = read_phdrs(r)) != MEDSEC_OK)
		return rc;
	if (!r->have_dyn)
		return MEDSEC_OK;
	if ((rc = scan_dynamic(r)) != MEDSEC_OK)
		return rc;
	if (!r->have_strtab || !r->have_strsz) {
		medsec_ini_err(r->err, 0, NULL, "DT_STRTAB", "a dynamic "
		    "section without DT_STRTAB or DT_STRSZ");
		return MEDSEC_ERR_FORMAT;
	}
	if ((rc = map_strtab(r)) != MEDSEC_OK)
		return rc;
	return read_strings(r, d);
}

int
medsec_elf_dynamic_parse(const void *data, size_t len,
    struct medsec_elf_dynamic **dynp, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct elf_reader r;
	struct medsec_elf_dynamic *d;
	int rc;

	if (err == NULL)
		err = &scratch;
	err->line = 0;
	err->key[0] = err->message[0] = '\0';
	if (dynp == NULL || (data == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	*dynp = NULL;
	memset(&r, 0, sizeof(r));
	r.p = data;
	r.len = len;
	r.err = err;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((rc = parse(&r, d)) != MEDSEC_OK) {
		medsec_elf_dynamic_free(d);
		return rc;
	}
	*dynp = d;
	return MEDSEC_OK;
}

void
medsec_elf_dynamic_free(struct medsec_elf_dynamic *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nneeded; i++)
		free(d->needed[i]);
	free(d->needed);
	free(d->soname);
	free(d->runpath);
	free(d->rpath);
	free(d);
}
