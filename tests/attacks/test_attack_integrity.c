/*
 * Attacks on the integrity check (TESTING.md I1-I4): a patched binary, a
 * tampered or older manifest, an entry swapped between the moment it is
 * seen and the moment it is opened, and symlink tricks in the tree, the
 * known-good copy and the restore path.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "integrity/integrity_int.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/integrity.h"
#include "medsec/signkey.h"

struct env {
	char dir[64];
	char root[128];
	char good[128];
	struct medsec_signkey *key;
	struct medsec_integrity_manifest *m;
	char *text;
	size_t len;
};

static void
put(const char *dir, const char *rel, const char *content, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_non_null(fp = fopen(path, "w"));
	assert_true(fputs(content, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
tree(const char *root)
{
	char p[512];

	assert_int_equal(mkdir(root, 0755), 0);
	snprintf(p, sizeof(p), "%s/bin", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	put(root, "bin/medsecd", "\x7f" "ELF daemon code 0123456789\n", 0755);
	put(root, "etc/medsec.conf", "[device]\nid = dev-1\n", 0644);
}

static void
env_setup(struct env *e)
{
	struct medsec_integrity_options o;
	char err[512];

	memset(e, 0, sizeof(*e));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(e->dir, sizeof(e->dir), "/tmp/medsec-integrity-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->root, sizeof(e->root), "%s/root", e->dir);
	snprintf(e->good, sizeof(e->good), "%s/good", e->dir);
	tree(e->root);
	tree(e->good);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519, "acme",
			     &e->key), MEDSEC_OK);
	medsec_integrity_options_default(&o);
	o.created_us = 1767225600000000LL;
	assert_int_equal(medsec_integrity_create(e->root, e->key, &o, &e->text,
			     &e->len, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_parse(e->text, e->len,
			     medsec_signkey_public(e->key), 1, &e->m, err,
			     sizeof(err)), MEDSEC_OK);
}

static void
env_teardown(struct env *e)
{
	medsec_integrity_free(e->m);
	medsec_signkey_free(e->key);
	free(e->text);
	fixture_rmrf(e->dir);
}

static size_t
findings(struct env *e, const char *path, int kind)
{
	struct medsec_integrity_report *rep = NULL;
	char err[512];
	size_t i, n = 0;

	/* The findings are what this test reads, not the summary result. */
	if (medsec_integrity_verify(e->m, e->root, NULL, &rep, err,
	    sizeof(err)) == MEDSEC_OK) {
	}
	assert_non_null(rep);
	for (i = 0; i < rep->count; i++)
		n += rep->findings[i].kind == kind &&
		    strcmp(rep->findings[i].path, path) == 0;
	medsec_integrity_report_free(rep);
	return n;
}

/* I1: patched in place, same size, timestamps put back. */
static void
test_req_2_2_attack_i1_patched_binary_same_size_and_mtime(void **state)
{
	struct timeval tv[2];
	struct stat st;
	char p[512];
	struct env e;
	int fd;

	(void)state;
	env_setup(&e);
	snprintf(p, sizeof(p), "%s/bin/medsecd", e.root);
	assert_int_equal(stat(p, &st), 0);
	assert_true((fd = open(p, O_WRONLY)) >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 10), 1);
	close(fd);
	tv[0].tv_sec = st.st_atime;
	tv[0].tv_usec = 0;
	tv[1].tv_sec = st.st_mtime;
	tv[1].tv_usec = 0;
	assert_int_equal(utimes(p, tv), 0);
	assert_int_equal(findings(&e, "bin/medsecd",
			     MEDSEC_INTEGRITY_CONTENT_CHANGED), 1);
	env_teardown(&e);
}

/* I2: signatures made over other bytes or for another purpose. */
static void
test_req_2_2_attack_i2_signature_without_domain_refused(void **state)
{
	struct medsec_integrity_manifest *m = NULL;
	uint8_t sig[MEDSEC_SIGN_LEN];
	char hex[2 * MEDSEC_SIGN_LEN + 1], err[512];
	size_t body;
	struct env e;

	(void)state;
	env_setup(&e);
	body = e.len - INTEGRITY_SIG_LINE_LEN;
	/* Signed over the plain text, as a naive signer would: refused. */
	assert_int_equal(medsec_signkey_sign(e.key, e.text, body, sig),
	    MEDSEC_OK);
	medsec_hex(sig, sizeof(sig), hex);
	memcpy(e.text + body + strlen(INTEGRITY_SIG_PREFIX), hex, 128);
	assert_int_equal(medsec_integrity_parse(e.text, e.len,
			     medsec_signkey_public(e.key), 1, &m, err,
			     sizeof(err)), MEDSEC_ERR_AUTH);
	assert_null(m);
	env_teardown(&e);
}

static void
test_req_2_2_attack_i2_oversized_manifest_refused_before_reading(void **state)
{
	struct medsec_integrity_manifest *m = NULL;
	char err[512], *big;
	struct env e;

	(void)state;
	env_setup(&e);
	assert_non_null(big = calloc(1, MEDSEC_INTEGRITY_FILE_MAX + 1));
	assert_int_equal(medsec_integrity_parse(big, MEDSEC_INTEGRITY_FILE_MAX +
			     1, medsec_signkey_public(e.key), 1, &m, err,
			     sizeof(err)), MEDSEC_ERR_TOO_LARGE);
	free(big);
	env_teardown(&e);
}

/* I3: the entry seen by lstat is not the one that gets opened. */
static void
test_req_2_2_attack_i3_file_renamed_over_between_stat_and_open(void **state)
{
	char p[512], evil[512];
	struct stat seen;
	struct env e;
	int dfd;

	(void)state;
	env_setup(&e);
	snprintf(p, sizeof(p), "%s/bin", e.root);
	assert_true((dfd = open(p, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(fstatat(dfd, "medsecd", &seen, AT_SYMLINK_NOFOLLOW), 0);
	put(e.dir, "evil", "\x7f" "ELF daemon code 0123456789\n", 0755);
	snprintf(evil, sizeof(evil), "%s/evil", e.dir);
	snprintf(p, sizeof(p), "%s/bin/medsecd", e.root);
	assert_int_equal(rename(evil, p), 0);
	assert_int_equal(integrity_open_file(dfd, "medsecd", &seen),
	    MEDSEC_ERR_STATE);
	close(dfd);
	env_teardown(&e);
}

static void
test_req_2_2_attack_i3_symlink_swapped_in_is_not_opened(void **state)
{
	char p[512], target[512];
	struct stat seen;
	struct env e;
	int dfd;

	(void)state;
	env_setup(&e);
	snprintf(p, sizeof(p), "%s/bin", e.root);
	assert_true((dfd = open(p, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(fstatat(dfd, "medsecd", &seen, AT_SYMLINK_NOFOLLOW), 0);
	snprintf(p, sizeof(p), "%s/bin/medsecd", e.root);
	/* The link points at the very inode that was seen. */
	snprintf(target, sizeof(target), "%s/bin/medsecd.orig", e.root);
	assert_int_equal(rename(p, target), 0);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(integrity_open_file(dfd, "medsecd", &seen),
	    MEDSEC_ERR_STATE);
	close(dfd);
	env_teardown(&e);
}

static void
test_req_2_2_attack_i3_fifo_swapped_in_does_not_block(void **state)
{
	char p[512];
	struct stat seen;
	struct env e;
	int dfd;

	(void)state;
	env_setup(&e);
	snprintf(p, sizeof(p), "%s/etc", e.root);
	assert_true((dfd = open(p, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(fstatat(dfd, "medsec.conf", &seen,
			     AT_SYMLINK_NOFOLLOW), 0);
	snprintf(p, sizeof(p), "%s/etc/medsec.conf", e.root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkfifo(p, 0644), 0);
	/* No writer will ever come: a blocking open would hang here. */
	assert_int_equal(integrity_open_file(dfd, "medsec.conf", &seen),
	    MEDSEC_ERR_STATE);
	close(dfd);
	env_teardown(&e);
}

static void
test_req_2_2_attack_i3_directory_swapped_for_symlink(void **state)
{
	char p[512], moved[512];
	struct stat seen;
	struct env e;
	int rfd;

	(void)state;
	env_setup(&e);
	assert_true((rfd = open(e.root, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(fstatat(rfd, "etc", &seen, AT_SYMLINK_NOFOLLOW), 0);
	snprintf(p, sizeof(p), "%s/etc", e.root);
	snprintf(moved, sizeof(moved), "%s/etc-moved", e.dir);
	assert_int_equal(rename(p, moved), 0);
	assert_int_equal(symlink(moved, p), 0);
	assert_int_equal(integrity_open_dir(rfd, "etc", &seen),
	    MEDSEC_ERR_STATE);
	/* Path-based opens below the root refuse the link as well. */
	assert_true(integrity_open_beneath(e.root, "etc/medsec.conf",
			O_RDONLY) < 0);
	close(rfd);
	env_teardown(&e);
}

static void
test_req_2_2_attack_i3_file_grown_while_hashed(void **state)
{
	struct ihasher *h = NULL;
	struct ientry *ent;
	char p[512];
	struct env e;
	int fd;

	(void)state;
	env_setup(&e);
	snprintf(p, sizeof(p), "%s/etc/medsec.conf", e.root);
	assert_non_null(ent = calloc(1, sizeof(*ent) + 1));
	ent->pub.size = 5; /* what the walk saw; the file is longer now */
	assert_int_equal(integrity_hasher_new(MEDSEC_ALG_SHA256, &h),
	    MEDSEC_OK);
	assert_true((fd = open(p, O_RDONLY)) >= 0);
	assert_int_equal(integrity_hash_fd(h, fd, ent), MEDSEC_OK);
	close(fd);
	assert_int_equal(ent->err, MEDSEC_ERR_STATE);
	assert_false(ent->hashed);
	integrity_hasher_free(h);
	free(ent);
	env_teardown(&e);
}

/* I4: symlink and permission tricks in settings directories. */
static void
test_req_2_2_attack_i4_config_symlink_and_world_writable(void **state)
{
	char p[512], evil[512];
	struct env e;

	(void)state;
	env_setup(&e);
	snprintf(p, sizeof(p), "%s/etc", e.root);
	assert_int_equal(chmod(p, 0777), 0);
	put(e.dir, "evil.conf", "[device]\nid = dev-1\n", 0644);
	snprintf(evil, sizeof(evil), "%s/evil.conf", e.dir);
	snprintf(p, sizeof(p), "%s/etc/medsec.conf", e.root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(evil, p), 0);
	assert_int_equal(findings(&e, "etc", MEDSEC_INTEGRITY_MODE_CHANGED), 1);
	assert_int_equal(findings(&e, "etc/medsec.conf",
			     MEDSEC_INTEGRITY_SYMLINK_SWAPPED), 1);
	env_teardown(&e);
}

static void
test_req_2_2_attack_i4_restore_through_symlinked_dir_refused(void **state)
{
	static const struct medsec_integrity_rule rules[] = {
		{ "etc/", MEDSEC_INTEGRITY_RESTORE } };
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy pol;
	char p[512], outside[256];
	struct medsec_audit *a = NULL;
	struct fixture f;
	struct stat st;
	struct env e;

	(void)state;
	env_setup(&e);
	fixture_setup(&f, 1000, 16u << 20);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	snprintf(outside, sizeof(outside), "%s/outside", e.dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc", e.root);
	fixture_rmrf(p);
	assert_int_equal(symlink(outside, p), 0);
	memset(&pol, 0, sizeof(pol));
	pol.rules = rules;
	pol.nrules = 1;
	pol.known_good = e.good;
	assert_int_equal(medsec_integrity_check(e.m, e.root, &pol, a, NULL,
			     &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.restored, 0);
	assert_int_equal(res.refused, 2); /* etc itself, etc/medsec.conf */
	snprintf(p, sizeof(p), "%s/medsec.conf", outside);
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	fixture_teardown(&f);
	env_teardown(&e);
}

static void
test_req_2_2_attack_i4_known_good_symlink_not_followed(void **state)
{
	static const struct medsec_integrity_rule rules[] = {
		{ "etc/", MEDSEC_INTEGRITY_RESTORE } };
	struct medsec_integrity_check_result res;
	struct medsec_integrity_policy pol;
	char p[512], copy[512];
	struct medsec_audit *a = NULL;
	struct fixture f;
	struct env e;

	(void)state;
	env_setup(&e);
	fixture_setup(&f, 1000, 16u << 20);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	/* The known-good entry is a link to a file with the right bytes:
	 * reading through it would let the link decide what is restored. */
	put(e.dir, "copy.conf", "[device]\nid = dev-1\n", 0644);
	snprintf(copy, sizeof(copy), "%s/copy.conf", e.dir);
	snprintf(p, sizeof(p), "%s/etc/medsec.conf", e.good);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(copy, p), 0);
	put(e.root, "etc/medsec.conf", "[device]\nid = evil1\n", 0644);
	memset(&pol, 0, sizeof(pol));
	pol.rules = rules;
	pol.nrules = 1;
	pol.known_good = e.good;
	assert_int_equal(medsec_integrity_check(e.m, e.root, &pol, a, NULL,
			     &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.restored, 0);
	assert_int_equal(res.refused, 1);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	fixture_teardown(&f);
	env_teardown(&e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_2_attack_i1_patched_binary_same_size_and_mtime),
	cmocka_unit_test(test_req_2_2_attack_i2_signature_without_domain_refused),
	cmocka_unit_test(test_req_2_2_attack_i2_oversized_manifest_refused_before_reading),
	cmocka_unit_test(test_req_2_2_attack_i3_file_renamed_over_between_stat_and_open),
	cmocka_unit_test(test_req_2_2_attack_i3_symlink_swapped_in_is_not_opened),
	cmocka_unit_test(test_req_2_2_attack_i3_fifo_swapped_in_does_not_block),
	cmocka_unit_test(test_req_2_2_attack_i3_directory_swapped_for_symlink),
	cmocka_unit_test(test_req_2_2_attack_i3_file_grown_while_hashed),
	cmocka_unit_test(test_req_2_2_attack_i4_config_symlink_and_world_writable),
	cmocka_unit_test(test_req_2_2_attack_i4_restore_through_symlinked_dir_refused),
	cmocka_unit_test(test_req_2_2_attack_i4_known_good_symlink_not_followed),
};

MEDSEC_TEST_MAIN(tests)
