/*
 * The ELF dynamic-section reader: real binaries read as readelf reads
 * them, every truncation of a real binary refused or read consistently,
 * and each malformed field of a synthetic object refused with its name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"
#include "io/io.h"
#include "medsec-tools/sbom.h"
#include "medsec/err.h"

static uint8_t *
slurp(const char *path, size_t *len)
{
	uint8_t *data = NULL;
	char *real = realpath(path, NULL);
	int rc;

	/* The reader refuses symbolic links; libmedsec.so.0 is one. */
	if (real == NULL)
		return NULL;
	rc = medsec_io_read_file(real, 64u << 20, 0, &data, len);
	free(real);
	return rc == MEDSEC_OK ? data : NULL;
}

static int
has_needed(const struct medsec_elf_dynamic *d, const char *name)
{
	for (size_t i = 0; i < d->nneeded; i++)
		if (strcmp(d->needed[i], name) == 0)
			return 1;
	return 0;
}

static void
test_sbom_elf_reads_medsec_binary(void **state)
{
	struct medsec_elf_dynamic *d = NULL;
	struct medsec_config_error err;
	size_t len;
	uint8_t *data = slurp(MEDSEC_BINARY_DIR "/bin/medsec", &len);

	(void)state;
	assert_non_null(data);
	assert_int_equal(medsec_elf_dynamic_parse(data, len, &d, &err),
	    MEDSEC_OK);
	assert_int_equal(d->elf_class, 8 * (int)sizeof(void *));
	assert_int_equal(d->type == 2 || d->type == 3, 1);
	assert_true(has_needed(d, "libmedsec.so.0"));
	assert_true(has_needed(d, "libmedsec-tools.so.0"));
	assert_true(has_needed(d, "libc.so.6"));
	/* The build tree's binaries find their libraries by DT_RUNPATH. */
	assert_non_null(d->runpath);
	assert_non_null(strstr(d->runpath, MEDSEC_BINARY_DIR "/lib"));
	assert_null(d->soname);
	medsec_elf_dynamic_free(d);
	free(data);
}

static void
test_sbom_elf_reads_libmedsec_soname(void **state)
{
	struct medsec_elf_dynamic *d = NULL;
	size_t len;
	uint8_t *data = slurp(MEDSEC_BINARY_DIR "/lib/libmedsec.so.0", &len);

	(void)state;
	assert_non_null(data);
	assert_int_equal(medsec_elf_dynamic_parse(data, len, &d, NULL),
	    MEDSEC_OK);
	assert_int_equal(d->type, 3);
	assert_string_equal(d->soname, "libmedsec.so.0");
	assert_true(has_needed(d, "libsodium.so.23"));
	assert_true(has_needed(d, "libcrypto.so.3"));
	assert_true(has_needed(d, "libsqlite3.so.0"));
	medsec_elf_dynamic_free(d);
	free(data);
}

/* A prefix of a file is refused, or read exactly as the whole file. */
static int
check_prefix(const uint8_t *data, size_t n,
    const struct medsec_elf_dynamic *full)
{
	struct medsec_elf_dynamic *d = NULL;
	struct medsec_config_error err;
	int rc = medsec_elf_dynamic_parse(data, n, &d, &err);

	if (rc != MEDSEC_OK) {
		assert_int_equal(rc, MEDSEC_ERR_FORMAT);
		assert_null(d);
		assert_true(err.message[0] != '\0');
		return 1;
	}
	/* Readable only once the dynamic section and strings are in. */
	assert_int_equal(d->nneeded, full->nneeded);
	for (size_t i = 0; i < d->nneeded; i++)
		assert_string_equal(d->needed[i], full->needed[i]);
	medsec_elf_dynamic_free(d);
	return 0;
}

static uint64_t
get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/*
 * The file offset and size of the PT_DYNAMIC segment of a little-endian
 * ELF64 file, read here independently of the code under test, so the
 * truncation test can cut at every byte where the parser reads and skip
 * through the megabytes of code it never touches.
 */
static void
dynamic_segment(const uint8_t *data, size_t len, size_t *off, size_t *size)
{
	uint64_t phoff = get_le(data + 0x20, 8);
	unsigned phentsize = (unsigned)get_le(data + 0x36, 2);
	unsigned phnum = (unsigned)get_le(data + 0x38, 2);

	*off = *size = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = data + phoff + (uint64_t)i * phentsize;

		assert_true(phoff + (uint64_t)(i + 1) * phentsize <= len);
		if (get_le(ph, 4) == 2) { /* PT_DYNAMIC */
			*off = (size_t)get_le(ph + 0x08, 8);
			*size = (size_t)get_le(ph + 0x20, 8);
		}
	}
	assert_true(*size > 0 && *off + *size <= len);
}

/* Every byte of the first 8 KiB and around the dynamic segment; growing
 * steps elsewhere (an exact-size copy of a 4 MiB prefix is slow under
 * the sanitizers, and the parser never reads the code in between). */
static size_t
next_prefix(size_t n, size_t dyn_off, size_t dyn_size)
{
	if (n < 8192 || (n + 64 >= dyn_off && n <= dyn_off + dyn_size + 64))
		return n + 1;
	if (n < dyn_off && n + n / 32 + 1 > dyn_off - 64)
		return dyn_off - 64;
	return n + n / 32 + 1;
}

static void
test_sbom_elf_truncated_refused_or_consistent(void **state)
{
	struct medsec_elf_dynamic *full = NULL;
	size_t len, n, refused = 0, dyn_off, dyn_size;
	uint8_t *data = slurp(MEDSEC_BINARY_DIR "/lib/libmedsec-tools.so.0",
	    &len);

	(void)state;
	assert_non_null(data);
	assert_int_equal(medsec_elf_dynamic_parse(data, len, &full, NULL),
	    MEDSEC_OK);
	assert_true(full->nneeded > 0);
	dynamic_segment(data, len, &dyn_off, &dyn_size);
	for (n = 0; n < len; n = next_prefix(n, dyn_off, dyn_size)) {
		uint8_t *copy = malloc(n + 1);

		/* An exact-size heap copy, so a read past the end is an
		 * error the sanitizer build reports. */
		assert_non_null(copy);
		memcpy(copy, data, n);
		refused += (size_t)check_prefix(copy, n, full);
		free(copy);
	}
	/* Every prefix shorter than the program headers is refused. */
	assert_true(refused >= 64);
	medsec_elf_dynamic_free(full);
	free(data);
}

/*
 * A synthetic little-endian ELF64 shared object: header, PT_LOAD over the
 * whole file at vaddr 0x1000, PT_DYNAMIC, the dynamic entries and the
 * string table. Tests corrupt one field and expect that field named.
 */
#define SYN_SIZE 1024
#define SYN_PHOFF 64
#define SYN_DYN 256
#define SYN_STR 512
#define SYN_VBASE 0x1000

static void
put(uint8_t *p, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static size_t
syn_dyn(uint8_t *p, size_t i, uint64_t tag, uint64_t val)
{
	put(p, SYN_DYN + i * 16, tag, 8);
	put(p, SYN_DYN + i * 16 + 8, val, 8);
	return i + 1;
}

static void
synthetic(uint8_t *p)
{
	static const char strings[] = "\0libfoo.so.1\0libbar.so.2\0/opt/x\0"
	    "libsyn.so.1";
	size_t i = 0;

	memset(p, 0, SYN_SIZE);
	memcpy(p, "\177ELF\002\001\001", 7);
	put(p, 16, 3, 2);		/* ET_DYN */
	put(p, 18, 62, 2);		/* x86-64 */
	put(p, 32, SYN_PHOFF, 8);
	put(p, 54, 56, 2);
	put(p, 56, 2, 2);
	put(p, SYN_PHOFF, 1, 4);	/* PT_LOAD */
	put(p, SYN_PHOFF + 16, SYN_VBASE, 8);
	put(p, SYN_PHOFF + 32, SYN_SIZE, 8);
	put(p, SYN_PHOFF + 56, 2, 4);	/* PT_DYNAMIC */
	put(p, SYN_PHOFF + 56 + 8, SYN_DYN, 8);
	put(p, SYN_PHOFF + 56 + 32, 7 * 16, 8);
	memcpy(p + SYN_STR, strings, sizeof(strings));
	i = syn_dyn(p, i, 1, 1);	/* DT_NEEDED libfoo.so.1 */
	i = syn_dyn(p, i, 1, 13);	/* DT_NEEDED libbar.so.2 */
	i = syn_dyn(p, i, 29, 25);	/* DT_RUNPATH /opt/x */
	i = syn_dyn(p, i, 14, 32);	/* DT_SONAME libsyn.so.1 */
	i = syn_dyn(p, i, 5, SYN_VBASE + SYN_STR);
	i = syn_dyn(p, i, 10, sizeof(strings));
	syn_dyn(p, i, 0, 0);
}

static void
expect_refused(const uint8_t *p, size_t len, int code, const char *field)
{
	struct medsec_elf_dynamic *d = NULL;
	struct medsec_config_error err;

	assert_int_equal(medsec_elf_dynamic_parse(p, len, &d, &err), code);
	assert_null(d);
	if (strstr(err.message, field) == NULL)
		fail_msg("message '%s' does not name %s", err.message, field);
}

static void
test_sbom_elf_synthetic_read(void **state)
{
	uint8_t p[SYN_SIZE];
	struct medsec_elf_dynamic *d = NULL;

	(void)state;
	synthetic(p);
	assert_int_equal(medsec_elf_dynamic_parse(p, sizeof(p), &d, NULL),
	    MEDSEC_OK);
	assert_int_equal(d->nneeded, 2);
	assert_string_equal(d->needed[0], "libfoo.so.1");
	assert_string_equal(d->needed[1], "libbar.so.2");
	assert_string_equal(d->runpath, "/opt/x");
	assert_string_equal(d->soname, "libsyn.so.1");
	assert_null(d->rpath);
	assert_int_equal(d->machine, 62);
	medsec_elf_dynamic_free(d);
}

static void
test_sbom_elf_malformed_fields_named(void **state)
{
	uint8_t p[SYN_SIZE];

	(void)state;
	synthetic(p);
	p[1] = 'X';
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "not an ELF file");
	synthetic(p);
	p[4] = 3;
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "EI_CLASS");
	synthetic(p);
	put(p, 54, 40, 2);
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "e_phentsize");
	synthetic(p);
	put(p, 32, SYN_SIZE - 8, 8);
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "e_phoff");
	synthetic(p);
	put(p, 32, UINT64_MAX - 8, 8); /* offset + size overflows */
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "e_phoff");
	synthetic(p);
	put(p, SYN_PHOFF + 56 + 32, SYN_SIZE, 8);
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "PT_DYNAMIC");
	synthetic(p);
	put(p, SYN_DYN + 5 * 16 + 8, SYN_SIZE, 8);
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "DT_STRSZ");
	synthetic(p);
	put(p, SYN_DYN + 4 * 16 + 8, 0x900000, 8);
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "DT_STRTAB");
	synthetic(p);
	put(p, SYN_DYN + 8, 4000, 8);
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "DT_NEEDED");
	synthetic(p);
	put(p, SYN_DYN + 4 * 16, 6, 8); /* DT_STRTAB gone */
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "DT_STRTAB");
}

static void
test_sbom_elf_unterminated_string_refused(void **state)
{
	uint8_t p[SYN_SIZE];

	(void)state;
	synthetic(p);
	/* The string table ends inside "libsyn.so.1": no NUL before it. */
	put(p, SYN_DYN + 5 * 16 + 8, 36, 8);
	expect_refused(p, sizeof(p), MEDSEC_ERR_FORMAT, "DT_SONAME");
}

static void
test_sbom_elf_too_many_needed_refused(void **state)
{
	size_t n = MEDSEC_ELF_NEEDED_MAX + 1, size = SYN_DYN + (n + 3) * 16 +
	    64;
	uint8_t *p = calloc(1, size);
	size_t i = 0;

	(void)state;
	assert_non_null(p);
	memcpy(p, "\177ELF\002\001\001", 7);
	put(p, 16, 3, 2);
	put(p, 18, 62, 2);
	put(p, 32, SYN_PHOFF, 8);
	put(p, 54, 56, 2);
	put(p, 56, 1, 2);
	put(p, SYN_PHOFF, 2, 4);
	put(p, SYN_PHOFF + 8, SYN_DYN, 8);
	put(p, SYN_PHOFF + 32, (n + 3) * 16, 8);
	for (i = 0; i < n; i++)
		syn_dyn(p, i, 1, 0);
	expect_refused(p, size, MEDSEC_ERR_TOO_LARGE, "DT_NEEDED");
	free(p);
}

static void
test_sbom_elf_static_object_has_no_needs(void **state)
{
	uint8_t p[SYN_SIZE];
	struct medsec_elf_dynamic *d = NULL;

	(void)state;
	synthetic(p);
	put(p, SYN_PHOFF + 56, 4, 4); /* PT_DYNAMIC becomes PT_NOTE */
	assert_int_equal(medsec_elf_dynamic_parse(p, sizeof(p), &d, NULL),
	    MEDSEC_OK);
	assert_int_equal(d->nneeded, 0);
	assert_null(d->runpath);
	medsec_elf_dynamic_free(d);
}

static void
test_sbom_elf_big_endian_32(void **state)
{
	uint8_t p[512];
	struct medsec_elf_dynamic *d = NULL;
	static const char strings[] = "\0libbe.so.7";

	(void)state;
	memset(p, 0, sizeof(p));
	memcpy(p, "\177ELF\001\002\001", 7);
	p[17] = 3;	/* ET_DYN, big-endian */
	p[19] = 20;	/* EM_PPC */
	p[31] = 52;	/* e_phoff */
	p[43] = 32;	/* e_phentsize */
	p[45] = 2;	/* e_phnum */
	p[52 + 3] = 1;	/* PT_LOAD: vaddr 0, whole file */
	p[52 + 18] = 2;
	p[52 + 19] = 0;	/* p_filesz 512 */
	p[84 + 3] = 2;	/* PT_DYNAMIC at 256, 3 entries */
	p[84 + 6] = 1;
	p[84 + 19] = 24;
	p[256 + 3] = 1;	 /* DT_NEEDED, offset 1 */
	p[256 + 7] = 1;
	p[264 + 3] = 5;	 /* DT_STRTAB 0x180 */
	p[264 + 6] = 1;
	p[264 + 7] = 0x80;
	p[272 + 3] = 10; /* DT_STRSZ */
	p[272 + 7] = sizeof(strings);
	memcpy(p + 0x180, strings, sizeof(strings));
	put(p, 280, 0, 8);
	assert_int_equal(medsec_elf_dynamic_parse(p, sizeof(p), &d, NULL),
	    MEDSEC_OK);
	assert_int_equal(d->elf_class, 32);
	assert_int_equal(d->big_endian, 1);
	assert_int_equal(d->machine, 20);
	assert_int_equal(d->nneeded, 1);
	assert_string_equal(d->needed[0], "libbe.so.7");
	medsec_elf_dynamic_free(d);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_sbom_elf_reads_medsec_binary),
	cmocka_unit_test(test_sbom_elf_reads_libmedsec_soname),
	cmocka_unit_test(test_sbom_elf_truncated_refused_or_consistent),
	cmocka_unit_test(test_sbom_elf_synthetic_read),
	cmocka_unit_test(test_sbom_elf_malformed_fields_named),
	cmocka_unit_test(test_sbom_elf_unterminated_string_refused),
	cmocka_unit_test(test_sbom_elf_too_many_needed_refused),
	cmocka_unit_test(test_sbom_elf_static_object_has_no_needs),
	cmocka_unit_test(test_sbom_elf_big_endian_32),
};

MEDSEC_TEST_MAIN(tests)
