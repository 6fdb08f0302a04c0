/*
 * Integrity of executables and settings (MFDS 2.2): signed manifests of a
 * tree, the comparison with the tree, and the countermeasures (alert,
 * refuse, restore) with their audit records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/integrity.h"
#include "medsec/db.h"
#include "medsec/signkey.h"

/* A fixed creation time keeps manifests byte-identical between runs. */
#define CREATED_US 1767225600000000LL /* 2026-01-01T00:00:00Z */

struct env {
	char dir[64];
	char root[128];
	char good[128]; /* known-good copy of the tree */
	struct medsec_signkey *key;
	struct medsec_integrity_manifest *m;
	char *text;
	size_t len;
};

static void
put_file(const char *root, const char *rel, const char *content, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
put_dir(const char *root, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static void
make_tree(const char *root)
{
	char link[512];

	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(chmod(root, 0755), 0);
	put_dir(root, "bin");
	put_dir(root, "etc");
	put_dir(root, "lib");
	put_file(root, "bin/medsecd", "#!/bin/sh\necho daemon\n", 0755);
	put_file(root, "bin/helper", "#!/bin/sh\necho helper\n", 0755);
	put_file(root, "etc/medsec.conf", "[device]\nid = dev-1\n", 0644);
	put_file(root, "etc/ports.conf", "443\n", 0644);
	put_file(root, "lib/libx.so", "ELF-ish bytes\n", 0644);
	snprintf(link, sizeof(link), "%s/lib/libx.so.1", root);
	assert_int_equal(symlink("libx.so", link), 0);
}

static void
path_of(const struct env *e, const char *rel, char *out, size_t outlen)
{
	assert_true((size_t)snprintf(out, outlen, "%s/%s", e->root, rel) <
	    outlen);
}

static void
sign_tree(struct env *e, unsigned threads)
{
	struct medsec_integrity_options o;
	char err[512];

	medsec_integrity_options_default(&o);
	o.created_us = CREATED_US;
	o.root_label = "/opt/medsec";
	o.threads = threads;
	free(e->text);
	medsec_integrity_free(e->m);
	e->m = NULL;
	assert_int_equal(medsec_integrity_create(e->root, e->key, &o, &e->text,
			     &e->len, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_parse(e->text, e->len,
			     medsec_signkey_public(e->key), 1, &e->m, err,
			     sizeof(err)), MEDSEC_OK);
}

static void
env_setup(struct env *e)
{
	memset(e, 0, sizeof(*e));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(e->dir, sizeof(e->dir), "/tmp/medsec-integrity-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->root, sizeof(e->root), "%s/root", e->dir);
	snprintf(e->good, sizeof(e->good), "%s/good", e->dir);
	make_tree(e->root);
	make_tree(e->good);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519,
			     "acme-release-1", &e->key), MEDSEC_OK);
	sign_tree(e, 0);
}

static void
env_teardown(struct env *e)
{
	medsec_integrity_free(e->m);
	medsec_signkey_free(e->key);
	free(e->text);
	fixture_rmrf(e->dir);
}

/* Verifies e->root; returns the code and leaves the report in *repp. */
static int
verify(struct env *e, struct medsec_integrity_report **repp)
{
	char err[512];

	return medsec_integrity_verify(e->m, e->root, NULL, repp, err,
	    sizeof(err));
}

static int
has_finding(const struct medsec_integrity_report *rep, const char *path,
    int kind)
{
	size_t i;

	for (i = 0; i < rep->count; i++)
		if (rep->findings[i].kind == kind &&
		    strcmp(rep->findings[i].path, path) == 0)
			return 1;
	return 0;
}

/* Expects exactly one finding, of this kind, on this path. */
static void
expect_only(struct env *e, const char *path, int kind)
{
	struct medsec_integrity_report *rep = NULL;

	assert_int_equal(verify(e, &rep), MEDSEC_ERR_TAMPERED);
	assert_non_null(rep);
	if (rep->count != 1 || !has_finding(rep, path, kind))
		fail_msg("expected only %s on %s; got %zu finding(s), first %s "
			 "on %s", medsec_integrity_finding_name(kind), path,
		    rep->count, medsec_integrity_finding_name(
			rep->findings[0].kind), rep->findings[0].path);
	medsec_integrity_report_free(rep);
}

static void
test_req_2_2_clean_tree_verifies(void **state)
{
	struct medsec_integrity_report *rep = NULL;
	struct env e;

	(void)state;
	env_setup(&e);
	assert_int_equal(verify(&e, &rep), MEDSEC_OK);
	assert_int_equal(rep->count, 0);
	/* ., bin, bin/helper, bin/medsecd, etc, 2 confs, lib, 2 libs */
	assert_int_equal(rep->entries, 10);
	assert_int_equal(rep->scanned, 10);
	assert_int_equal(rep->files_hashed, 5);
	medsec_integrity_report_free(rep);
	env_teardown(&e);
}

static void
test_req_2_2_modified_content_detected(void **state)
{
	struct env e;

	(void)state;
	env_setup(&e);
	/* Same size, one byte different: only the hash can tell. */
	put_file(e.root, "bin/medsecd", "#!/bin/sh\necho DAEMON\n", 0755);
	expect_only(&e, "bin/medsecd", MEDSEC_INTEGRITY_CONTENT_CHANGED);
	/* A different size is caught without hashing. */
	put_file(e.root, "bin/medsecd", "#!/bin/sh\nexec /tmp/evil\n", 0755);
	expect_only(&e, "bin/medsecd", MEDSEC_INTEGRITY_CONTENT_CHANGED);
	env_teardown(&e);
}

static void
test_req_2_2_missing_file_detected(void **state)
{
	char p[512];
	struct env e;

	(void)state;
	env_setup(&e);
	path_of(&e, "etc/ports.conf", p, sizeof(p));
	assert_int_equal(unlink(p), 0);
	expect_only(&e, "etc/ports.conf", MEDSEC_INTEGRITY_MISSING);
	env_teardown(&e);
}

static void
test_req_2_2_added_file_detected(void **state)
{
	struct env e;

	(void)state;
	env_setup(&e);
	put_file(e.root, "bin/backdoor", "#!/bin/sh\n", 0755);
	expect_only(&e, "bin/backdoor", MEDSEC_INTEGRITY_ADDED);
	env_teardown(&e);
}

static void
test_req_2_2_mode_change_detected(void **state)
{
	struct medsec_integrity_report *rep = NULL;
	char p[512];
	struct env e;

	(void)state;
	env_setup(&e);
	path_of(&e, "etc/medsec.conf", p, sizeof(p));
	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(verify(&e, &rep), MEDSEC_ERR_TAMPERED);
	assert_int_equal(rep->count, 1);
	assert_int_equal(rep->findings[0].kind, MEDSEC_INTEGRITY_MODE_CHANGED);
	assert_int_equal(rep->findings[0].expected_mode, 0644);
	assert_int_equal(rep->findings[0].actual_mode, 0666);
	medsec_integrity_report_free(rep);
	/* A setuid bit added to an executable counts too. */
	assert_int_equal(chmod(p, 0644), 0);
	path_of(&e, "bin/helper", p, sizeof(p));
	assert_int_equal(chmod(p, 04755), 0);
	expect_only(&e, "bin/helper", MEDSEC_INTEGRITY_MODE_CHANGED);
	env_teardown(&e);
}

static void
test_req_2_2_owner_change_detected(void **state)
{
	struct medsec_integrity_report *rep = NULL;
	char p[512];
	struct env e;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: only root can give a file away\n");
		skip();
	}
	env_setup(&e);
	path_of(&e, "bin/medsecd", p, sizeof(p));
	assert_int_equal(chown(p, 4242, 4343), 0);
	assert_int_equal(chmod(p, 0755), 0); /* chown cleared nothing here */
	assert_int_equal(verify(&e, &rep), MEDSEC_ERR_TAMPERED);
	assert_int_equal(rep->count, 1);
	assert_int_equal(rep->findings[0].kind, MEDSEC_INTEGRITY_OWNER_CHANGED);
	assert_int_equal(rep->findings[0].actual_uid, 4242);
	assert_int_equal(rep->findings[0].actual_gid, 4343);
	medsec_integrity_report_free(rep);
	env_teardown(&e);
}

static void
test_req_2_2_symlink_swapped_for_file_detected_not_followed(void **state)
{
	struct medsec_integrity_report *rep = NULL;
	char p[512], outside[256], target[512];
	struct env e;

	(void)state;
	env_setup(&e);
	/* A copy with identical bytes outside the root: if the link were
	 * followed, the content would match and the swap pass unseen. */
	snprintf(outside, sizeof(outside), "%s/outside", e.dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	put_file(outside, "medsecd", "#!/bin/sh\necho daemon\n", 0755);
	put_file(outside, "extra", "not in the tree\n", 0644);
	path_of(&e, "bin/medsecd", p, sizeof(p));
	snprintf(target, sizeof(target), "%s/medsecd", outside);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(target, p), 0);
	expect_only(&e, "bin/medsecd", MEDSEC_INTEGRITY_SYMLINK_SWAPPED);
	/* A directory swapped for a link to one: nothing under it is read. */
	path_of(&e, "lib", p, sizeof(p));
	fixture_rmrf(p);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(verify(&e, &rep), MEDSEC_ERR_TAMPERED);
	assert_true(has_finding(rep, "lib", MEDSEC_INTEGRITY_SYMLINK_SWAPPED));
	assert_true(has_finding(rep, "lib/libx.so", MEDSEC_INTEGRITY_MISSING));
	assert_false(has_finding(rep, "lib/extra", MEDSEC_INTEGRITY_ADDED));
	assert_int_equal(rep->scanned, 8); /* lib/ children not listed */
	medsec_integrity_report_free(rep);
	env_teardown(&e);
}

static void
test_req_2_2_symlink_retargeted_detected(void **state)
{
	char p[512];
	struct env e;

	(void)state;
	env_setup(&e);
	path_of(&e, "lib/libx.so.1", p, sizeof(p));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/tmp/evil", p), 0);
	expect_only(&e, "lib/libx.so.1", MEDSEC_INTEGRITY_CONTENT_CHANGED);
	env_teardown(&e);
}

static void
test_req_2_2_type_change_detected(void **state)
{
	char p[512];
	struct env e;

	(void)state;
	env_setup(&e);
	path_of(&e, "etc/ports.conf", p, sizeof(p));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0644), 0);
	assert_int_equal(chmod(p, 0644), 0);
	expect_only(&e, "etc/ports.conf", MEDSEC_INTEGRITY_TYPE_CHANGED);
	env_teardown(&e);
}

static void
test_req_2_2_tampered_manifest_byte_refused(void **state)
{
	struct medsec_integrity_manifest *m = NULL;
	char err[512];
	size_t i;
	struct env e;
	int r;

	(void)state;
	env_setup(&e);
	/* Every single byte, header, entries and signature alike. */
	for (i = 0; i < e.len; i++) {
		e.text[i] ^= 0x01;
		r = medsec_integrity_parse(e.text, e.len,
		    medsec_signkey_public(e.key), 1, &m, err, sizeof(err));
		e.text[i] ^= 0x01;
		if (r != MEDSEC_ERR_AUTH && r != MEDSEC_ERR_FORMAT)
			fail_msg("byte %zu flipped: accepted (%d)", i, r);
		assert_null(m);
	}
	e.text[40] ^= 0x01;
	assert_int_equal(medsec_integrity_parse(e.text, e.len,
			     medsec_signkey_public(e.key), 1, &m, err,
			     sizeof(err)), MEDSEC_ERR_AUTH);
	assert_non_null(strstr(err, "signature does not verify"));
	env_teardown(&e);
}

static void
test_req_2_2_manifest_signed_by_other_key_refused(void **state)
{
	struct medsec_integrity_manifest *m = NULL;
	struct medsec_signkey *other = NULL;
	struct medsec_pubkey trusted[2];
	char err[512];
	struct env e;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519, "other",
			     &other), MEDSEC_OK);
	assert_int_equal(medsec_integrity_parse(e.text, e.len,
			     medsec_signkey_public(other), 1, &m, err,
			     sizeof(err)), MEDSEC_ERR_AUTH);
	assert_null(m);
	/* Among several trusted keys, the one that signed is found. */
	trusted[0] = *medsec_signkey_public(other);
	trusted[1] = *medsec_signkey_public(e.key);
	assert_int_equal(medsec_integrity_parse(e.text, e.len, trusted, 2, &m,
			     err, sizeof(err)), MEDSEC_OK);
	assert_string_equal(medsec_integrity_header(m)->key_id,
	    medsec_signkey_public(e.key)->key_id);
	medsec_integrity_free(m);
	medsec_signkey_free(other);
	env_teardown(&e);
}

/* Signs body as a manifest would be and parses it. */
static int
parse_signed_body(struct env *e, const char *body, char *err, size_t errlen)
{
	struct medsec_integrity_manifest *m = NULL;
	uint8_t msg[64], sig[MEDSEC_SIGN_LEN];
	const char ctx[] = "medsec-integrity-manifest-v1";
	char hex[2 * MEDSEC_SIGN_LEN + 1], *text;
	size_t len = strlen(body);
	int r;

	memcpy(msg, ctx, sizeof(ctx));
	assert_int_equal(medsec_hash(MEDSEC_ALG_SHA256, body, len,
			     msg + sizeof(ctx)), MEDSEC_OK);
	assert_int_equal(medsec_signkey_sign(e->key, msg, sizeof(ctx) + 32,
			     sig), MEDSEC_OK);
	medsec_hex(sig, sizeof(sig), hex);
	assert_non_null(text = malloc(len + 200));
	snprintf(text, len + 200, "%ssignature: %s\n", body, hex);
	r = medsec_integrity_parse(text, strlen(text),
	    medsec_signkey_public(e->key), 1, &m, err, errlen);
	medsec_integrity_free(m);
	free(text);
	return r;
}

static void
test_req_2_2_malformed_manifests_refused_with_clear_errors(void **state)
{
	static const struct {
		const char *entry; /* replaces the entries */
		const char *count;
		const char *want;
	} cases[] = {
		{ "d 0755 0 0 0 - .\nf 0755 0 0 1 zz bin\n", "2",
		    "line 10: hash: expected 64 lowercase hex" },
		{ "d 0755 0 0 0 - .\nf 0755 0 0 01 - x\n", "2",
		    "line 10: size: expected a decimal" },
		{ "d 0755 0 0 0 - .\nf 0855 0 0 0 - x\n", "2",
		    "line 10: mode: expected 4 octal digits" },
		{ "d 0755 0 0 0 - .\nx 0755 0 0 0 - x\n", "2",
		    "line 10: type: expected one of" },
		{ "d 0755 0 0 0 - .\nd 0755 0 0 0 - ../etc\n", "2",
		    "line 10: path: must be relative" },
		{ "d 0755 0 0 0 - .\nd 0755 0 0 0 - /etc\n", "2",
		    "line 10: path: must be relative" },
		{ "d 0755 0 0 0 - .\nd 0755 0 0 0 - a\nd 0755 0 0 0 - a\n", "3",
		    "line 11: path: entries must be sorted" },
		{ "d 0755 0 0 0 - .\nd 0755 0 0 0 - a%2fb\n", "2",
		    "line 10: path: bad escape" },
		{ "d 0755 0 0 0 - .\nd 0755 0 0 0 - a b\n", "2",
		    "line 10: expected 'type mode uid gid size hash path'" },
		{ "d 0755 0 0 0 - .\nd 0755 0 0 0 - a/b\n", "2",
		    "parent directory is not listed" },
		{ "d 0755 0 0 0 - .\n", "2", "line 10: the manifest ends early" },
		{ "d 0755 0 0 0 - .\nd 0755 0 0 0 - a\n", "1",
		    "line 10: more entries than" },
		{ "d 0755 0 0 4096 - .\n", "1", "line 9: size: must be 0" },
		{ "d 0755 0 0 0 - .\n", "0", "line 8: entries: expected 1" },
		{ "d 0755 0 0 0 - .\nd 0755 4294967296 0 0 - a\n", "2",
		    "line 10: uid: expected" },
	};
	struct medsec_integrity_manifest *m = NULL;
	char body[1024], err[512];
	size_t i;
	struct env e;

	(void)state;
	env_setup(&e);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "medsec-integrity-manifest 1\n"
		    "hash: sha256\ncreated: 2026-01-01T00:00:00Z\nroot: /opt\n"
		    "signer: acme-release-1\nkey-id: %s\nsign-alg: ed25519\n"
		    "entries: %s\n%s", medsec_signkey_public(e.key)->key_id,
		    cases[i].count, cases[i].entry);
		err[0] = '\0';
		assert_int_equal(parse_signed_body(&e, body, err, sizeof(err)),
		    MEDSEC_ERR_FORMAT);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: error '%s' lacks '%s'", i, err,
			    cases[i].want);
	}
	/* Header fields: weak hash, wrong key id, odd time. */
	snprintf(body, sizeof(body), "medsec-integrity-manifest 1\nhash: sha1\n");
	assert_int_equal(parse_signed_body(&e, body, err, sizeof(err)),
	    MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(err, "line 2: hash: 'sha1' is not an accepted"));
	snprintf(body, sizeof(body), "medsec-integrity-manifest 2\n");
	assert_int_equal(parse_signed_body(&e, body, err, sizeof(err)),
	    MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(err, "line 1: expected 'medsec-integrity-"));
	snprintf(body, sizeof(body), "medsec-integrity-manifest 1\nhash: sha256"
	    "\ncreated: 2026-01-01T00:00:00.5Z\n");
	assert_int_equal(parse_signed_body(&e, body, err, sizeof(err)),
	    MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(err, "line 3: created: expected"));
	snprintf(body, sizeof(body), "medsec-integrity-manifest 1\nhash: sha256"
	    "\ncreated: 2026-01-01T00:00:00Z\nroot: /opt\nsigner: x\n"
	    "key-id: 0000000000000000\n");
	assert_int_equal(parse_signed_body(&e, body, err, sizeof(err)),
	    MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(err, "line 6: key-id: not the key that signed"));
	/* No signature line at all, or a damaged one. */
	assert_int_equal(medsec_integrity_parse(body, strlen(body),
			     medsec_signkey_public(e.key), 1, &m, err,
			     sizeof(err)), MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(err, "too short to be a signed manifest"));
	assert_int_equal(medsec_integrity_parse(e.text, e.len - 1,
			     medsec_signkey_public(e.key), 1, &m, err,
			     sizeof(err)), MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(err, "last line is not 'signature:"));
	assert_null(m);
	env_teardown(&e);
}

static void
test_req_2_2_unsigned_scan_cannot_be_used_to_verify(void **state)
{
	struct medsec_integrity_manifest *scan = NULL;
	struct medsec_integrity_report *rep = NULL;
	char err[512];
	struct env e;

	(void)state;
	env_setup(&e);
	assert_int_equal(medsec_integrity_scan(e.root, NULL, &scan, err,
			     sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_verify(scan, e.root, NULL, &rep, err,
			     sizeof(err)), MEDSEC_ERR_STATE);
	assert_null(rep);
	medsec_integrity_free(scan);
	env_teardown(&e);
}

static void
test_req_2_2_manifest_is_canonical_and_deterministic(void **state)
{
	char *first;
	size_t len;
	struct env e;

	(void)state;
	env_setup(&e);
	len = e.len;
	assert_non_null(first = malloc(len));
	memcpy(first, e.text, len);
	sign_tree(&e, 1);
	/* Ed25519 signatures are deterministic: the whole text repeats. */
	assert_int_equal(e.len, len);
	assert_memory_equal(e.text, first, len);
	assert_non_null(strstr(e.text, "\nroot: /opt/medsec\n"));
	assert_non_null(strstr(e.text, "\nd 0755 "));
	assert_non_null(strstr(e.text, " bin/helper\nf 0755 "));
	free(first);
	env_teardown(&e);
}

static void
test_req_2_2_odd_path_names_round_trip(void **state)
{
	static const char *names[] = { "new\nline", "100%", "with space",
		"quote\"back\\slash", "\xff\xfe-not-utf8", "tab\there" };
	struct medsec_integrity_report *rep = NULL;
	const struct medsec_integrity_entry *ent;
	char esc[64];
	size_t i, k, found = 0;
	struct env e;

	(void)state;
	env_setup(&e);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		put_file(e.root, names[i], "x", 0644);
	sign_tree(&e, 0);
	/* One line per entry: a newline in a name cannot forge a line. */
	assert_non_null(strstr(e.text, "new%0aline"));
	assert_non_null(strstr(e.text, "quote%22back%5cslash"));
	for (k = 0; k < medsec_integrity_count(e.m); k++) {
		ent = medsec_integrity_entry_at(e.m, k);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			found += strcmp(ent->path, names[i]) == 0;
	}
	assert_int_equal(found, 6);
	assert_int_equal(medsec_integrity_escape("a b%", esc, sizeof(esc)),
	    MEDSEC_OK);
	assert_string_equal(esc, "a%20b%25");
	assert_int_equal(medsec_integrity_escape("abc", esc, 3),
	    MEDSEC_ERR_TOO_LARGE);
	assert_int_equal(verify(&e, &rep), MEDSEC_OK);
	medsec_integrity_report_free(rep);
	env_teardown(&e);
}

static void
test_req_2_2_special_files_recorded_by_type(void **state)
{
	struct sockaddr_un sa;
	char p[512];
	struct env e;
	int s;

	(void)state;
	env_setup(&e);
	path_of(&e, "etc/fifo", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0600), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	path_of(&e, "etc/sock", sa.sun_path, sizeof(sa.sun_path));
	assert_true((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	/* A FIFO is listed, never opened (an open would block). */
	sign_tree(&e, 0);
	assert_non_null(strstr(e.text, "\np 0600 "));
	assert_non_null(strstr(e.text, " - etc/fifo\n"));
	assert_non_null(strstr(e.text, "\ns 0"));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0600), 0);
	assert_int_equal(chmod(p, 0600), 0);
	expect_only(&e, "etc/fifo", MEDSEC_INTEGRITY_TYPE_CHANGED);
	env_teardown(&e);
}

static void
test_req_2_2_bounds_refused_with_clear_errors(void **state)
{
	struct medsec_integrity_manifest *m = NULL;
	struct medsec_integrity_options o;
	char err[512], p[4096];
	size_t n;
	struct env e;
	int i;

	(void)state;
	env_setup(&e);
	medsec_integrity_options_default(&o);
	o.max_entries = 5;
	assert_int_equal(medsec_integrity_scan(e.root, &o, &m, err,
			     sizeof(err)), MEDSEC_ERR_TOO_LARGE);
	assert_null(m);
	assert_non_null(strstr(err, "more than 5 entries"));
	/* 65 directory levels below the root. */
	n = (size_t)snprintf(p, sizeof(p), "%s", e.root);
	for (i = 0; i < 65; i++) {
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/d");
		assert_int_equal(mkdir(p, 0755), 0);
	}
	assert_int_equal(medsec_integrity_scan(e.root, NULL, &m, err,
			     sizeof(err)), MEDSEC_ERR_TOO_LARGE);
	assert_non_null(strstr(err, "more than 64 directory levels"));
	assert_int_equal(medsec_integrity_scan("/nonexistent-medsec", NULL, &m,
			     err, sizeof(err)), MEDSEC_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "cannot open the root directory"));
	env_teardown(&e);
}

static void
test_req_2_2_multithreaded_hash_equals_single_thread(void **state)
{
	struct medsec_integrity_manifest *one = NULL, *many = NULL;
	const char *helper = "#!/bin/sh\necho helper\n";
	const struct medsec_integrity_entry *a, *b;
	uint8_t h[MEDSEC_SHA256_LEN];
	struct medsec_integrity_options o;
	char err[512], name[64], content[200];
	size_t i;
	struct env e;

	(void)state;
	env_setup(&e);
	put_dir(e.root, "many");
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "many/f%03zu", i);
		memset(content, 'a' + (int)(i % 26), sizeof(content) - 1);
		content[(i * 7) % (sizeof(content) - 1)] = '\0';
		put_file(e.root, name, content, 0644);
	}
	medsec_integrity_options_default(&o);
	o.threads = 1;
	assert_int_equal(medsec_integrity_scan(e.root, &o, &one, err,
			     sizeof(err)), MEDSEC_OK);
	o.threads = 8;
	assert_int_equal(medsec_integrity_scan(e.root, &o, &many, err,
			     sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_count(one), 311);
	assert_int_equal(medsec_integrity_count(many), 311);
	for (i = 0; i < medsec_integrity_count(one); i++) {
		a = medsec_integrity_entry_at(one, i);
		b = medsec_integrity_entry_at(many, i);
		assert_string_equal(a->path, b->path);
		assert_int_equal(a->size, b->size);
		assert_memory_equal(a->hash, b->hash, MEDSEC_SHA256_LEN);
	}
	/* And against an independent one-shot hash. */
	a = medsec_integrity_entry_at(many, 2);
	assert_string_equal(a->path, "bin/helper");
	assert_int_equal(medsec_hash(MEDSEC_ALG_SHA256, helper, strlen(helper),
			     h), MEDSEC_OK);
	assert_memory_equal(a->hash, h, sizeof(h));
	medsec_integrity_free(one);
	medsec_integrity_free(many);
	env_teardown(&e);
}

/* ---- countermeasures ---- */

struct trail {
	struct fixture f;
	struct medsec_audit *a;
};

static void
trail_open(struct trail *t)
{
	fixture_setup(&t->f, 1000, 16u << 20);
	assert_int_equal(medsec_audit_open(t->f.audit, t->f.ks, &t->f.opts,
			     &t->a, NULL), MEDSEC_OK);
}

/* Closes the trail and counts records of event whose details mention
 * needle (NULL: any). */
static size_t
trail_count(struct trail *t, int event, const char *needle)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	size_t n = 0;

	if (t->a != NULL) {
		assert_int_equal(medsec_audit_close(t->a), MEDSEC_OK);
		t->a = NULL;
	}
	assert_int_equal(medsec_audit_reader_open(t->f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		if (rec.event == event &&
		    (needle == NULL || strstr(rec.details, needle) != NULL))
			n++;
	medsec_audit_reader_close(rd);
	return n;
}

static void
trail_close(struct trail *t)
{
	if (t->a != NULL)
		assert_int_equal(medsec_audit_close(t->a), MEDSEC_OK);
	fixture_teardown(&t->f);
}

static const struct medsec_integrity_rule rules[] = {
	{ "bin/", MEDSEC_INTEGRITY_REFUSE },
	{ "etc/*.conf", MEDSEC_INTEGRITY_RESTORE },
	{ "lib/", MEDSEC_INTEGRITY_ALERT },
};

static void
policy_init(struct medsec_integrity_policy *p, const struct env *e)
{
	memset(p, 0, sizeof(*p));
	p->rules = rules;
	p->nrules = sizeof(rules) / sizeof(rules[0]);
	p->default_action = MEDSEC_INTEGRITY_ALERT;
	p->known_good = e->good;
}

static void
test_req_2_2_policy_patterns_pick_the_class(void **state)
{
	struct medsec_integrity_policy p;
	struct env e;

	(void)state;
	memset(&e, 0, sizeof(e));
	policy_init(&p, &e);
	assert_int_equal(medsec_integrity_policy_action(&p, "bin"),
	    MEDSEC_INTEGRITY_REFUSE);
	assert_int_equal(medsec_integrity_policy_action(&p, "bin/medsecd"),
	    MEDSEC_INTEGRITY_REFUSE);
	assert_int_equal(medsec_integrity_policy_action(&p, "binary"),
	    MEDSEC_INTEGRITY_ALERT);
	assert_int_equal(medsec_integrity_policy_action(&p, "etc/medsec.conf"),
	    MEDSEC_INTEGRITY_RESTORE);
	/* '*' does not cross '/'. */
	assert_int_equal(medsec_integrity_policy_action(&p, "etc/x/y.conf"),
	    MEDSEC_INTEGRITY_ALERT);
	assert_int_equal(medsec_integrity_policy_action(&p, "lib/libx.so"),
	    MEDSEC_INTEGRITY_ALERT);
	p.default_action = MEDSEC_INTEGRITY_REFUSE;
	assert_int_equal(medsec_integrity_policy_action(&p, "share/doc"),
	    MEDSEC_INTEGRITY_REFUSE);
}

static void
test_req_2_2_clean_check_writes_integrity_ok(void **state)
{
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	struct trail t;
	struct env e;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	policy_init(&p, &e);
	assert_int_equal(medsec_integrity_check(e.m, e.root, &p, t.a, NULL,
			     &res), MEDSEC_OK);
	assert_int_equal(res.findings, 0);
	assert_int_equal(res.entries, 10);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_OK,
			     "\"entries\":10"), 1);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE, NULL), 0);
	trail_close(&t);
	env_teardown(&e);
}

static void
test_req_2_2_policy_refuse_stops_start_and_is_audited(void **state)
{
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	struct trail t;
	struct env e;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	policy_init(&p, &e);
	put_file(e.root, "bin/medsecd", "#!/bin/sh\nexec /tmp/evil\n", 0755);
	assert_int_equal(medsec_integrity_check(e.m, e.root, &p, t.a, NULL,
			     &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.findings, 1);
	assert_int_equal(res.refused, 1);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE,
			     "{\"path\":\"bin/medsecd\",\"finding\":"
			     "\"content-changed\",\"action\":\"refuse\"}"), 1);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_OK, NULL), 0);
	trail_close(&t);
	env_teardown(&e);
}

static void
test_req_2_2_policy_alert_raises_incident_and_runs(void **state)
{
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	char lib[512];
	struct trail t;
	struct env e;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	policy_init(&p, &e);
	path_of(&e, "lib/libx.so", lib, sizeof(lib));
	assert_int_equal(chmod(lib, 0666), 0);
	put_file(e.root, "lib/dropped.so", "x", 0644);
	assert_int_equal(medsec_integrity_check(e.m, e.root, &p, t.a, NULL,
			     &res), MEDSEC_OK);
	assert_int_equal(res.findings, 2);
	assert_int_equal(res.alerted, 2);
	assert_int_equal(res.refused, 0);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE,
			     "\"action\":\"alert\""), 2);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INCIDENT,
			     "\"path\":\"lib/dropped.so\",\"finding\":"
			     "\"added\""), 1);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INCIDENT,
			     "\"finding\":\"mode-changed\""), 1);
	trail_close(&t);
	env_teardown(&e);
}

static void
test_req_2_2_policy_restore_copies_back_and_rechecks(void **state)
{
	struct medsec_integrity_report *rep = NULL;
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	char conf[512], ports[512], victim[512], buf[64] = "";
	struct stat st;
	struct trail t;
	struct env e;
	FILE *fp;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	policy_init(&p, &e);
	path_of(&e, "etc/ports.conf", ports, sizeof(ports));
	assert_int_equal(unlink(ports), 0);
	/* A symlink in place of a setting is replaced, not written through. */
	path_of(&e, "etc/medsec.conf", conf, sizeof(conf));
	assert_int_equal(unlink(conf), 0);
	put_file(e.dir, "victim", "do not touch\n", 0644);
	snprintf(victim, sizeof(victim), "%s/victim", e.dir);
	assert_int_equal(symlink(victim, conf), 0);
	assert_int_equal(medsec_integrity_check(e.m, e.root, &p, t.a, NULL,
			     &res), MEDSEC_OK);
	assert_int_equal(res.restored, 2);
	assert_int_equal(res.refused, 0);
	assert_int_equal(verify(&e, &rep), MEDSEC_OK);
	medsec_integrity_report_free(rep);
	assert_non_null(fp = fopen(victim, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "do not touch\n");
	assert_int_equal(lstat(conf, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_OK,
			     "\"action\":\"restored\""), 2);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE,
			     "\"path\":\"etc/ports.conf\",\"finding\":"
			     "\"missing\",\"action\":\"restore\""), 1);
	trail_close(&t);
	env_teardown(&e);
}

static void
test_req_2_2_restore_refuses_tampered_known_good(void **state)
{
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	struct trail t;
	struct env e;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	policy_init(&p, &e);
	put_file(e.root, "etc/medsec.conf", "[device]\nid = evil\n", 0644);
	put_file(e.good, "etc/medsec.conf", "[device]\nid = evi2\n", 0644);
	assert_int_equal(medsec_integrity_check(e.m, e.root, &p, t.a, NULL,
			     &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.restored, 0);
	assert_int_equal(res.refused, 1);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE,
			     "\"action\":\"restore-failed\""), 1);
	trail_close(&t);
	env_teardown(&e);
}

static void
test_req_2_2_rollback_to_older_manifest_refused(void **state)
{
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	struct trail t;
	struct env e;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	policy_init(&p, &e);
	p.min_created_us = CREATED_US + 1000000;
	assert_int_equal(medsec_integrity_check(e.m, e.root, &p, t.a, NULL,
			     &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE,
			     "\"finding\":\"manifest-rollback\""), 1);
	trail_close(&t);
	env_teardown(&e);
}

static void
test_req_2_2_check_file_audits_refused_manifest(void **state)
{
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	char path[256];
	struct trail t;
	struct env e;
	FILE *fp;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	policy_init(&p, &e);
	snprintf(path, sizeof(path), "%s/manifest", e.dir);
	e.text[20] ^= 0x20;
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(e.text, 1, e.len, fp), e.len);
	fclose(fp);
	assert_int_equal(medsec_integrity_check_file(path,
			     medsec_signkey_public(e.key), 1, e.root, &p, t.a,
			     NULL, &res), MEDSEC_ERR_AUTH);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE,
			     "\"finding\":\"manifest\""), 1);
	trail_close(&t);
	env_teardown(&e);
}

/* A manifest of e->root signed at created_us (parsed, the caller's). */
static struct medsec_integrity_manifest *
manifest_at(struct env *e, int64_t created_us)
{
	struct medsec_integrity_manifest *m = NULL;
	struct medsec_integrity_options o;
	char err[512], *text = NULL;
	size_t len;

	medsec_integrity_options_default(&o);
	o.created_us = created_us;
	o.root_label = "/opt/medsec";
	assert_int_equal(medsec_integrity_create(e->root, e->key, &o, &text,
			     &len, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_parse(text, len,
			     medsec_signkey_public(e->key), 1, &m, err,
			     sizeof(err)), MEDSEC_OK);
	free(text);
	return m;
}

static struct medsec_db *
device_db(const struct trail *t)
{
	struct medsec_db *db = NULL;
	char path[400];

	snprintf(path, sizeof(path), "%s/medsec.db", t->f.root);
	assert_int_equal(medsec_db_open(path, 1, &db), MEDSEC_OK);
	return db;
}

/*
 * TESTING.md I2: once a newer signed manifest verified on the device, the
 * older one (validly signed, its file put back) is refused: the floor is
 * in the device database, not beside the manifest, and is checked and
 * raised in one transaction. Both creation times are named; the refusal
 * and the raise are audited.
 */
static void
test_req_2_2_older_manifest_refused_by_floor_in_database(void **state)
{
	struct medsec_integrity_manifest *v2;
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy p;
	struct medsec_integrity_floor fl;
	struct medsec_db *db;
	char err[1024];
	int64_t floor_us;
	struct trail t;
	struct env e;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	db = device_db(&t);
	v2 = manifest_at(&e, CREATED_US + 86400000000LL);
	/* Nothing recorded yet: v1 passes the check, and v2 raises the floor. */
	assert_int_equal(medsec_integrity_floor_get(db, e.root, &floor_us),
	    MEDSEC_OK);
	assert_int_equal(floor_us, 0);
	assert_int_equal(medsec_integrity_floor_check(db, t.a, NULL, e.root,
			     e.m, &fl, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_floor_raise(db, t.a, NULL, e.root,
			     v2, &fl, err, sizeof(err)), MEDSEC_OK);
	assert_true(fl.raised);
	assert_int_equal(fl.previous_us, 0);
	assert_int_equal(fl.floor_us, CREATED_US + 86400000000LL);
	/* The same manifest again changes nothing. */
	assert_int_equal(medsec_integrity_floor_raise(db, t.a, NULL, e.root,
			     v2, &fl, err, sizeof(err)), MEDSEC_OK);
	assert_false(fl.raised);
	/* The older one is refused, before and after a verification. */
	assert_int_equal(medsec_integrity_floor_check(db, t.a, NULL, e.root,
			     e.m, &fl, err, sizeof(err)), MEDSEC_ERR_TAMPERED);
	assert_non_null(strstr(err, "created 2026-01-01T00:00:00Z, before the "
	    "newest manifest verified on this device"));
	assert_non_null(strstr(err, "(created 2026-01-02T00:00:00Z)"));
	assert_int_equal(medsec_integrity_floor_raise(db, t.a, NULL, e.root,
			     e.m, &fl, err, sizeof(err)), MEDSEC_ERR_TAMPERED);
	assert_int_equal(medsec_integrity_floor_get(db, e.root, &floor_us),
	    MEDSEC_OK);
	assert_int_equal(floor_us, CREATED_US + 86400000000LL);
	/* The same root by another spelling has the same floor. */
	{
		char other[200];

		snprintf(other, sizeof(other), "%s/./bin/..//", e.root);
		assert_int_equal(medsec_integrity_floor_check(db, t.a, NULL,
				     other, e.m, NULL, err, sizeof(err)),
		    MEDSEC_ERR_TAMPERED);
	}
	/* A daemon's periodic check is held to the stored floor too. */
	policy_init(&p, &e);
	p.min_created_us = floor_us;
	assert_int_equal(medsec_integrity_check(e.m, e.root, &p, t.a, NULL,
			     &res), MEDSEC_ERR_TAMPERED);
	medsec_db_close(db);
	/* The floor survives closing and reopening the database. */
	db = device_db(&t);
	assert_int_equal(medsec_integrity_floor_get(db, e.root, &floor_us),
	    MEDSEC_OK);
	assert_int_equal(floor_us, CREATED_US + 86400000000LL);
	medsec_db_close(db);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_OK,
			     "\"floor_us\":1767312000000000"), 1);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_FAILURE,
			     "\"finding\":\"manifest-rollback\""), 4);
	medsec_integrity_free(v2);
	trail_close(&t);
	env_teardown(&e);
}

/* An unsigned scan has no signed time: it can neither pass nor raise. */
static void
test_req_2_2_floor_refuses_unsigned_scan(void **state)
{
	struct medsec_integrity_manifest *scan = NULL;
	struct medsec_db *db;
	char err[512];
	struct trail t;
	struct env e;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	db = device_db(&t);
	assert_int_equal(medsec_integrity_scan(e.root, NULL, &scan, err,
			     sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_floor_raise(db, t.a, NULL, e.root,
			     scan, NULL, err, sizeof(err)), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_integrity_floor_check(db, t.a, NULL, e.root,
			     scan, NULL, err, sizeof(err)), MEDSEC_ERR_STATE);
	medsec_integrity_free(scan);
	medsec_db_close(db);
	trail_close(&t);
	env_teardown(&e);
}

/*
 * A root directory whose path outgrows a record's object field and the
 * bound on a path in details: the floor is raised and recorded, the path
 * cut on purpose and marked (root_truncated), never the record refused.
 */
static void
test_req_2_2_floor_of_a_very_long_root_is_recorded(void **state)
{
	struct medsec_integrity_floor fl;
	char root[1400], part[201], err[512];
	struct medsec_db *db;
	struct trail t;
	struct env e;
	size_t n;

	(void)state;
	env_setup(&e);
	trail_open(&t);
	db = device_db(&t);
	memset(part, 'd', 200);
	part[200] = '\0';
	snprintf(root, sizeof(root), "%s", e.dir);
	for (int i = 0; i < 6; i++) {
		n = strlen(root);
		snprintf(root + n, sizeof(root) - n, "/%s", part);
		assert_int_equal(mkdir(root, 0700), 0);
	}
	assert_true(strlen(root) > 1200);
	assert_int_equal(medsec_integrity_floor_raise(db, t.a, NULL, root, e.m,
			     &fl, err, sizeof(err)), MEDSEC_OK);
	assert_true(fl.raised);
	medsec_db_close(db);
	assert_int_equal(trail_count(&t, MEDSEC_EV_INTEGRITY_OK,
			     "\"root_truncated\":true"), 1);
	trail_close(&t);
	env_teardown(&e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_2_floor_of_a_very_long_root_is_recorded),
	cmocka_unit_test(test_req_2_2_older_manifest_refused_by_floor_in_database),
	cmocka_unit_test(test_req_2_2_floor_refuses_unsigned_scan),
	cmocka_unit_test(test_req_2_2_clean_tree_verifies),
	cmocka_unit_test(test_req_2_2_modified_content_detected),
	cmocka_unit_test(test_req_2_2_missing_file_detected),
	cmocka_unit_test(test_req_2_2_added_file_detected),
	cmocka_unit_test(test_req_2_2_mode_change_detected),
	cmocka_unit_test(test_req_2_2_owner_change_detected),
	cmocka_unit_test(test_req_2_2_symlink_swapped_for_file_detected_not_followed),
	cmocka_unit_test(test_req_2_2_symlink_retargeted_detected),
	cmocka_unit_test(test_req_2_2_type_change_detected),
	cmocka_unit_test(test_req_2_2_tampered_manifest_byte_refused),
	cmocka_unit_test(test_req_2_2_manifest_signed_by_other_key_refused),
	cmocka_unit_test(test_req_2_2_malformed_manifests_refused_with_clear_errors),
	cmocka_unit_test(test_req_2_2_unsigned_scan_cannot_be_used_to_verify),
	cmocka_unit_test(test_req_2_2_manifest_is_canonical_and_deterministic),
	cmocka_unit_test(test_req_2_2_odd_path_names_round_trip),
	cmocka_unit_test(test_req_2_2_special_files_recorded_by_type),
	cmocka_unit_test(test_req_2_2_bounds_refused_with_clear_errors),
	cmocka_unit_test(test_req_2_2_multithreaded_hash_equals_single_thread),
	cmocka_unit_test(test_req_2_2_policy_patterns_pick_the_class),
	cmocka_unit_test(test_req_2_2_clean_check_writes_integrity_ok),
	cmocka_unit_test(test_req_2_2_policy_refuse_stops_start_and_is_audited),
	cmocka_unit_test(test_req_2_2_policy_alert_raises_incident_and_runs),
	cmocka_unit_test(test_req_2_2_policy_restore_copies_back_and_rechecks),
	cmocka_unit_test(test_req_2_2_restore_refuses_tampered_known_good),
	cmocka_unit_test(test_req_2_2_rollback_to_older_manifest_refused),
	cmocka_unit_test(test_req_2_2_check_file_audits_refused_manifest),
};

MEDSEC_TEST_MAIN(tests)
