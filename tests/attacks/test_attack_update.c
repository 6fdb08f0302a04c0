/*
 * Attacks on signed updates (MFDS 1.13, 1.14): each hostile package is
 * refused with its own error and reason, and nothing is extracted.
 * The attacks follow The Update Framework's threat list: arbitrary
 * package, rollback, freeze, mix-and-match, endless data, key compromise
 * (revocation), threshold, wrong target.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "testmain.h"
#include "updates.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

struct attempt {
	int code;
	char err[256];
	int extracted; /* the extraction directory exists afterwards */
};

static void
attempt(struct updates *u, const char *pkg, uint64_t min_counter,
    struct attempt *a)
{
	struct medsec_update_trust *t = NULL;
	struct medsec_update_policy p;
	char out[160];
	struct stat sb;

	memset(a, 0, sizeof(*a));
	updates_policy(u, &p, min_counter);
	snprintf(out, sizeof(out), "%s/extract", u->dir);
	p.extract_dir = out;
	a->code = medsec_update_trust_load(u->trust, u->now_us, 0, &t, a->err,
	    sizeof(a->err));
	if (a->code == MEDSEC_OK)
		a->code = medsec_update_verify(pkg, t, &p, NULL, a->err,
		    sizeof(a->err));
	a->extracted = lstat(out, &sb) == 0;
	medsec_update_trust_free(t);
}

static void
refused(struct updates *u, const char *pkg, uint64_t min_counter, int code,
    const char *reason)
{
	struct attempt a;

	attempt(u, pkg, min_counter, &a);
	if (a.code != code || strstr(a.err, reason) == NULL)
		fail_msg("expected %d '%s', got %d '%s'", code, reason, a.code,
		    a.err);
	assert_false(a.extracted);
}

static void
signed_pkg(struct updates *u, const char *name, uint64_t counter, char *path,
    size_t len)
{
	static const size_t sizes[] = { 70000, 12 };

	updates_pack(u, name, counter, "1.0.0", sizes, 2, path, len);
	updates_sign(path, u->rel[0]);
}

static void
test_req_1_14_attack_good_package_accepted(void **state)
{
	struct updates u;
	struct attempt a;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "good", 3, pkg, sizeof(pkg));
	attempt(&u, pkg, 3, &a);
	assert_int_equal(a.code, MEDSEC_OK);
	assert_true(a.extracted);
	updates_teardown(&u);
}

static void
test_req_1_14_attack_unsigned(void **state)
{
	static const size_t sizes[] = { 100 };
	struct updates u;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	updates_pack(&u, "unsigned", 3, "1.0.0", sizes, 1, pkg, sizeof(pkg));
	refused(&u, pkg, 0, MEDSEC_ERR_AUTH, "not signed");
	updates_teardown(&u);
}

static void
test_req_1_14_attack_untrusted_signer(void **state)
{
	static const size_t sizes[] = { 100 };
	struct updates u;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	updates_pack(&u, "stranger", 3, "1.0.0", sizes, 1, pkg, sizeof(pkg));
	updates_sign(pkg, u.rel[2]);
	refused(&u, pkg, 0, MEDSEC_ERR_AUTH, "0 valid signature");
	updates_teardown(&u);
}

static void
test_req_1_14_attack_revoked_key(void **state)
{
	struct updates u;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "revoked", 3, pkg, sizeof(pkg));
	/* Root publishes a key set that revokes rel0. */
	updates_keyset(&u, 2, 1, medsec_signkey_public(u.rel[0])->key_id,
	    u.root);
	refused(&u, pkg, 0, MEDSEC_ERR_AUTH, "0 valid signature");
	updates_teardown(&u);
}

static void
test_req_1_14_attack_threshold_not_met(void **state)
{
	struct updates u;
	struct attempt a;
	char pkg[160];

	(void)state;
	updates_setup(&u, 2);
	signed_pkg(&u, "one-of-two", 3, pkg, sizeof(pkg));
	refused(&u, pkg, 0, MEDSEC_ERR_AUTH, "1 valid signature(s)");
	/* The same key signing twice is refused at signing time. */
	assert_int_equal(medsec_update_sign(pkg, u.rel[0], a.err,
			     sizeof(a.err)), MEDSEC_ERR_EXISTS);
	updates_sign(pkg, u.rel[1]);
	attempt(&u, pkg, 0, &a);
	assert_int_equal(a.code, MEDSEC_OK);
	updates_teardown(&u);
}

static void
test_req_1_14_attack_duplicate_signature_counts_once(void **state)
{
	const struct medsec_signkey *twice[2];
	struct updates u;
	char pkg[160], manifest[2048];
	struct medsec_update_manifest *m = NULL;
	char *json = NULL, err[256];

	(void)state;
	updates_setup(&u, 2);
	signed_pkg(&u, "base", 3, pkg, sizeof(pkg));
	assert_int_equal(medsec_update_inspect(pkg, &m, &json, NULL, err,
			     sizeof(err)), MEDSEC_OK);
	snprintf(manifest, sizeof(manifest), "%s", json);
	twice[0] = twice[1] = u.rel[0];
	snprintf(pkg, sizeof(pkg), "%s/dup.msu", u.dir);
	updates_raw(pkg, manifest, twice, 2, "", 0);
	refused(&u, pkg, 0, MEDSEC_ERR_AUTH, "1 valid signature(s)");
	free(json);
	medsec_update_manifest_free(m);
	updates_teardown(&u);
}

static void
test_attack_u4_rollback_counter(void **state)
{
	struct updates u;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "old", 3, pkg, sizeof(pkg));
	refused(&u, pkg, 4, MEDSEC_ERR_STATE, "rollback refused");
	updates_teardown(&u);
}

static void
test_attack_u9_keyset_below_floor_refused(void **state)
{
	struct medsec_update_trust *t = NULL;
	struct updates u;
	char err[256];

	(void)state;
	updates_setup(&u, 1);
	assert_int_equal(medsec_update_trust_load(u.trust, u.now_us, 2, &t,
			     err, sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "rollback"));
	assert_null(t);
	updates_teardown(&u);
}

static void
test_req_1_14_attack_keyset_signed_by_non_root(void **state)
{
	struct medsec_update_trust *t = NULL;
	struct updates u;
	char err[256];

	(void)state;
	updates_setup(&u, 1);
	updates_keyset(&u, 2, 1, NULL, u.rel[0]);
	assert_int_equal(medsec_update_trust_load(u.trust, u.now_us, 0, &t,
			     err, sizeof(err)), MEDSEC_ERR_AUTH);
	assert_non_null(strstr(err, "root signature"));
	updates_teardown(&u);
}

static void
test_attack_u8_expired_manifest(void **state)
{
	struct updates u;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "stale", 3, pkg, sizeof(pkg));
	/* Two years on: the manifest (one year) is stale. */
	u.now_us += INT64_C(2) * 365 * 86400 * 1000000;
	refused(&u, pkg, 0, MEDSEC_ERR_EXPIRED, "");
	updates_teardown(&u);
}

/* Overwrites len bytes at off from the end of a file. */
static void
patch_tail(const char *path, long from_end, const void *bytes, size_t len)
{
	FILE *f = fopen(path, "r+");

	assert_non_null(f);
	assert_int_equal(fseek(f, -from_end, SEEK_END), 0);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
}

static void
test_req_1_13_attack_payload_swapped(void **state)
{
	struct updates u;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "swap", 3, pkg, sizeof(pkg));
	patch_tail(pkg, 100, "EVIL", 4);
	refused(&u, pkg, 0, MEDSEC_ERR_TAMPERED, "does not match");
	updates_teardown(&u);
}

/* Verification alone runs chunks on every core: same verdicts. */
static void
test_req_1_13_attack_multi_chunk_tamper_parallel(void **state)
{
	static const size_t sizes[] = { 3 * 1048576 + 777, 5, 1048576 };
	struct medsec_update_trust *t = NULL;
	struct medsec_update_policy p;
	struct updates u;
	char pkg[160], err[256] = "";

	(void)state;
	updates_setup(&u, 1);
	updates_pack(&u, "big", 3, "1.0.0", sizes, 3, pkg, sizeof(pkg));
	updates_sign(pkg, u.rel[0]);
	updates_policy(&u, &p, 0);
	assert_int_equal(medsec_update_trust_load(u.trust, u.now_us, 0, &t,
			     err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_update_verify(pkg, t, &p, NULL, err,
			     sizeof(err)), MEDSEC_OK);
	/* One byte in the third chunk of the first file. */
	patch_tail(pkg, (long)(1048576 + 5 + 777 + 1048576 / 2), "X", 1);
	assert_int_equal(medsec_update_verify(pkg, t, &p, NULL, err,
			     sizeof(err)), MEDSEC_ERR_TAMPERED);
	assert_non_null(strstr(err, "bin/file0"));
	medsec_update_trust_free(t);
	updates_teardown(&u);
}

static void
test_req_1_13_attack_payload_longer(void **state)
{
	struct updates u;
	char pkg[160];
	FILE *f;

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "endless", 3, pkg, sizeof(pkg));
	assert_non_null(f = fopen(pkg, "a"));
	fputs("more data", f);
	fclose(f);
	refused(&u, pkg, 0, MEDSEC_ERR_TAMPERED, "extra data");
	updates_teardown(&u);
}

static void
test_req_1_13_attack_payload_shorter(void **state)
{
	struct updates u;
	char pkg[160];
	struct stat sb;

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "short", 3, pkg, sizeof(pkg));
	assert_int_equal(stat(pkg, &sb), 0);
	assert_int_equal(truncate(pkg, sb.st_size - 5), 0);
	refused(&u, pkg, 0, MEDSEC_ERR_TAMPERED, "truncated");
	updates_teardown(&u);
}

static void
test_attack_u11_wrong_hardware(void **state)
{
	struct medsec_update_trust *t = NULL;
	struct medsec_update_policy p;
	struct updates u;
	char pkg[160], err[256];

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "hw", 3, pkg, sizeof(pkg));
	updates_policy(&u, &p, 0);
	p.hardware_id = "hw-9";
	assert_int_equal(medsec_update_trust_load(u.trust, u.now_us, 0, &t,
			     err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_update_verify(pkg, t, &p, NULL, err,
			     sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "hw-9"));
	medsec_update_trust_free(t);
	updates_teardown(&u);
}

/* A manifest with one file entry named name, signed by a trusted key. */
static void
hostile_name(struct updates *u, const char *name, const char *reason)
{
	const struct medsec_signkey *signers[1] = { u->rel[0] };
	char manifest[1024], pkg[160];

	snprintf(manifest, sizeof(manifest), "{\"built\":\"2026-01-01T00:00:00Z\","
	    "\"distributor\":{\"keyid\":\"%s\",\"name\":\"x\"},"
	    "\"downgrade_of\":\"\",\"expires\":\"2099-01-01T00:00:00Z\","
	    "\"files\":[{\"mode\":\"0644\",\"name\":\"%s\",\"sha256\":"
	    "\"%064d\",\"size\":0,\"chunk\":1048576,\"chunks\":[]}],\"format\":1,\"hardware\":[\"hw-1\"],"
	    "\"hash\":\"sha256\",\"product\":\"carelink\","
	    "\"security_counter\":9,\"version\":\"1.0.0\"}",
	    medsec_signkey_public(u->rel[0])->key_id, name, 0);
	snprintf(pkg, sizeof(pkg), "%s/hostile.msu", u->dir);
	(void)unlink(pkg);
	updates_raw(pkg, manifest, signers, 1, "", 0);
	refused(u, pkg, 0, MEDSEC_ERR_FORMAT, reason);
}

static void
test_attack_u22_hostile_file_names(void **state)
{
	struct updates u;

	(void)state;
	updates_setup(&u, 1);
	hostile_name(&u, "../etc/passwd", "unsafe name");
	hostile_name(&u, "/etc/passwd", "unsafe name");
	hostile_name(&u, "bin/../../x", "unsafe name");
	hostile_name(&u, "bin//x", "unsafe name");
	hostile_name(&u, "bin/x\\\\y", "unsafe name");
	updates_teardown(&u);
}

static void
test_attack_u22_duplicate_names(void **state)
{
	const struct medsec_signkey *signers[1];
	struct updates u;
	char manifest[1024], pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signers[0] = u.rel[0];
	snprintf(manifest, sizeof(manifest), "{\"built\":\"2026-01-01T00:00:00Z\","
	    "\"distributor\":{\"keyid\":\"%s\",\"name\":\"x\"},"
	    "\"downgrade_of\":\"\",\"expires\":\"2099-01-01T00:00:00Z\","
	    "\"files\":[{\"mode\":\"0644\",\"name\":\"a\",\"sha256\":\"%064d\","
	    "\"size\":0,\"chunk\":1048576,\"chunks\":[]},{\"mode\":\"0644\",\"name\":\"a\",\"sha256\":\"%064d\","
	    "\"size\":0,\"chunk\":1048576,\"chunks\":[]}],\"format\":1,\"hardware\":[\"hw-1\"],\"hash\":"
	    "\"sha256\",\"product\":\"carelink\",\"security_counter\":9,"
	    "\"version\":\"1.0.0\"}", medsec_signkey_public(u.rel[0])->key_id,
	    0, 0);
	snprintf(pkg, sizeof(pkg), "%s/dupnames.msu", u.dir);
	updates_raw(pkg, manifest, signers, 1, "", 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "listed twice");
	updates_teardown(&u);
}

static void
test_attack_u22_setuid_mode(void **state)
{
	const struct medsec_signkey *signers[1];
	struct updates u;
	char manifest[1024], pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signers[0] = u.rel[0];
	snprintf(manifest, sizeof(manifest), "{\"built\":\"2026-01-01T00:00:00Z\","
	    "\"distributor\":{\"keyid\":\"%s\",\"name\":\"x\"},"
	    "\"downgrade_of\":\"\",\"expires\":\"2099-01-01T00:00:00Z\","
	    "\"files\":[{\"mode\":\"4755\",\"name\":\"a\",\"sha256\":\"%064d\","
	    "\"size\":0,\"chunk\":1048576,\"chunks\":[]}],\"format\":1,\"hardware\":[\"hw-1\"],\"hash\":"
	    "\"sha256\",\"product\":\"carelink\",\"security_counter\":9,"
	    "\"version\":\"1.0.0\"}", medsec_signkey_public(u.rel[0])->key_id,
	    0);
	snprintf(pkg, sizeof(pkg), "%s/suid.msu", u.dir);
	updates_raw(pkg, manifest, signers, 1, "", 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "plain permission");
	updates_teardown(&u);
}

/* U7: a missing or garbage security counter is refused, never wrapped. */
static void
test_attack_u7_garbage_counter(void **state)
{
	static const char *const counters[] = {
		"", "\"security_counter\":-1,", "\"security_counter\":\"5\",",
		"\"security_counter\":1e30,", "\"security_counter\":5.5,",
		"\"security_counter\":18446744073709551616,",
		"\"security_counter\":null,",
	};
	const struct medsec_signkey *signers[1];
	char manifest[1024], pkg[160];
	struct updates u;

	(void)state;
	updates_setup(&u, 1);
	signers[0] = u.rel[0];
	snprintf(pkg, sizeof(pkg), "%s/counter.msu", u.dir);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		snprintf(manifest, sizeof(manifest), "{\"built\":"
		    "\"2026-01-01T00:00:00Z\",\"distributor\":{\"keyid\":\"%s\","
		    "\"name\":\"x\"},\"downgrade_of\":\"\",\"expires\":"
		    "\"2099-01-01T00:00:00Z\",\"files\":[{\"mode\":\"0644\","
		    "\"name\":\"a\",\"sha256\":\"%064d\",\"size\":0,"
		    "\"chunk\":1048576,\"chunks\":[]}],\"format\":1,"
		    "\"hardware\":[\"hw-1\"],\"hash\":\"sha256\",\"product\":"
		    "\"carelink\",%s\"version\":\"1.0.0\"}",
		    medsec_signkey_public(u.rel[0])->key_id, 0, counters[i]);
		(void)unlink(pkg);
		updates_raw(pkg, manifest, signers, 1, "", 0);
		refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "manifest");
	}
	updates_teardown(&u);
}

static void
test_attack_i4_pack_refuses_links_and_devices(void **state)
{
	static const char *const hw[] = { "hw-1" };
	struct medsec_update_pack_args a;
	const char *paths[1], *names[1] = { "x" };
	char link[160], out[160], err[256];
	struct updates u;

	(void)state;
	updates_setup(&u, 1);
	snprintf(link, sizeof(link), "%s/link", u.dir);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	snprintf(out, sizeof(out), "%s/x.msu", u.dir);
	memset(&a, 0, sizeof(a));
	a.product = "carelink";
	a.hardware = hw;
	a.n_hardware = 1;
	a.version = "1.0.0";
	a.expires_us = u.now_us + 1000000000;
	a.distributor = "x";
	a.distributor_key = medsec_signkey_public(u.rel[0])->key_id;
	a.paths = paths;
	a.names = names;
	a.n_files = 1;
	paths[0] = link;
	assert_int_equal(medsec_update_pack(&a, out, err, sizeof(err)),
	    MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err, "not a regular file"));
	paths[0] = "/dev/null";
	assert_int_equal(medsec_update_pack(&a, out, err, sizeof(err)),
	    MEDSEC_ERR_INVALID);
	assert_int_not_equal(access(out, F_OK), 0);
	updates_teardown(&u);
}

static void
test_attack_u12_huge_manifest(void **state)
{
	uint8_t hdr[MEDSEC_UPDATE_HEADER_LEN];
	struct updates u;
	char pkg[160];
	FILE *f;

	(void)state;
	updates_setup(&u, 1);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, MEDSEC_UPDATE_MAGIC, 8);
	hdr[8] = 1;
	/* 100 MB declared: refused from the header, before any allocation. */
	hdr[12] = 0x00;
	hdr[13] = 0xe1;
	hdr[14] = 0xf5;
	hdr[15] = 0x05;
	snprintf(pkg, sizeof(pkg), "%s/huge.msu", u.dir);
	assert_non_null(f = fopen(pkg, "w"));
	fwrite(hdr, 1, sizeof(hdr), f);
	fclose(f);
	refused(&u, pkg, 0, MEDSEC_ERR_TOO_LARGE, "limit");
	updates_teardown(&u);
}

static void
test_attack_u22_truncated_package(void **state)
{
	struct updates u;
	char pkg[160];

	(void)state;
	updates_setup(&u, 1);
	signed_pkg(&u, "trunc", 3, pkg, sizeof(pkg));
	assert_int_equal(truncate(pkg, 100), 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "truncated");
	assert_int_equal(truncate(pkg, 10), 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "truncated");
	updates_teardown(&u);
}

static void
test_attack_i4_signing_key_file_permissions(void **state)
{
	struct medsec_signkey *k = NULL;
	struct updates u;
	char sec[160], pub[160];

	(void)state;
	updates_setup(&u, 1);
	snprintf(sec, sizeof(sec), "%s/rel.key", u.dir);
	snprintf(pub, sizeof(pub), "%s/rel.pub", u.dir);
	assert_int_equal(medsec_signkey_save(u.rel[0], sec, pub, "pass", 4),
	    MEDSEC_OK);
	assert_int_equal(chmod(sec, 0644), 0);
	assert_int_equal(medsec_signkey_load(sec, "pass", 4, &k),
	    MEDSEC_ERR_PERMISSION);
	assert_null(k);
	updates_teardown(&u);
}

/* The canonical manifest of one empty file NAME (sorted, compact). */
static void
canonical_manifest(struct updates *u, const char *files, char *out,
    size_t len)
{
	snprintf(out, len, "{\"built\":\"2026-01-01T00:00:00Z\","
	    "\"distributor\":{\"keyid\":\"%s\",\"name\":\"x\"},"
	    "\"downgrade_of\":\"\",\"expires\":\"2099-01-01T00:00:00Z\","
	    "\"files\":[%s],\"format\":1,\"hardware\":[\"hw-1\"],"
	    "\"hash\":\"sha256\",\"product\":\"carelink\","
	    "\"security_counter\":9,\"version\":\"1.0.0\"}",
	    medsec_signkey_public(u->rel[0])->key_id, files);
}

#define EMPTY_FILE(name) "{\"chunk\":1048576,\"chunks\":[],\"mode\":" \
	"\"0644\",\"name\":\"" name "\",\"sha256\":\"e3b0c44298fc1c149afbf4c8" \
	"996fb92427ae41e4649b934ca495991b7852b855\",\"size\":0}"

/*
 * U22: "bin" and "bin/app" (a file that is also a directory) cannot be
 * installed: refused by verify (before stage and approval) and by pack.
 */
static void
test_attack_u22_file_and_directory_same_prefix(void **state)
{
	static const char *const hw[] = { "hw-1" };
	const struct medsec_signkey *signers[1];
	const char *paths[2], *names[2] = { "bin", "bin/app" };
	struct medsec_update_pack_args a;
	char manifest[2048], pkg[160], data[160], err[256] = "";
	struct updates u;
	FILE *f;

	(void)state;
	updates_setup(&u, 1);
	signers[0] = u.rel[0];
	canonical_manifest(&u, EMPTY_FILE("bin") "," EMPTY_FILE("bin/app"),
	    manifest, sizeof(manifest));
	snprintf(pkg, sizeof(pkg), "%s/prefix.msu", u.dir);
	updates_raw(pkg, manifest, signers, 1, "", 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "bin is also a directory of "
	    "file bin/app");
	/* Control: either file alone is a valid package. */
	canonical_manifest(&u, EMPTY_FILE("bin/app"), manifest,
	    sizeof(manifest));
	(void)unlink(pkg);
	updates_raw(pkg, manifest, signers, 1, "", 0);
	{
		struct attempt ok;

		attempt(&u, pkg, 0, &ok);
		assert_int_equal(ok.code, MEDSEC_OK);
	}
	snprintf(data, sizeof(data), "%s/data", u.dir);
	assert_non_null(f = fopen(data, "w"));
	fputs("x", f);
	fclose(f);
	paths[0] = paths[1] = data;
	memset(&a, 0, sizeof(a));
	a.product = "carelink";
	a.hardware = hw;
	a.n_hardware = 1;
	a.version = "1.0.0";
	a.expires_us = u.now_us + 1000000000;
	a.distributor = "x";
	a.distributor_key = medsec_signkey_public(u.rel[0])->key_id;
	a.paths = paths;
	a.names = names;
	a.n_files = 2;
	snprintf(pkg, sizeof(pkg), "%s/packed.msu", u.dir);
	assert_int_equal(medsec_update_pack(&a, pkg, err, sizeof(err)),
	    MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err, "bin is also a directory of file bin/app"));
	assert_int_not_equal(access(pkg, F_OK), 0);
	updates_teardown(&u);
}

/*
 * U3: one release, one digest. The same signed content spelled another
 * way (a space, another key order, an escaped letter) is refused even
 * with valid signatures over those bytes; the canonical spelling passes.
 */
static void
test_attack_u3_non_canonical_manifest_refused(void **state)
{
	const struct medsec_signkey *signers[1];
	char canon[2048], variant[2100], pkg[160];
	struct attempt a;
	struct updates u;
	char *p;

	(void)state;
	updates_setup(&u, 1);
	signers[0] = u.rel[0];
	snprintf(pkg, sizeof(pkg), "%s/canon.msu", u.dir);
	canonical_manifest(&u, EMPTY_FILE("a"), canon, sizeof(canon));
	updates_raw(pkg, canon, signers, 1, "", 0);
	attempt(&u, pkg, 0, &a);
	assert_int_equal(a.code, MEDSEC_OK);
	snprintf(variant, sizeof(variant), "rm -r %s/extract", u.dir);
	assert_int_equal(system(variant), 0);
	/* A space after the opening brace. */
	snprintf(variant, sizeof(variant), "{ %s", canon + 1);
	(void)unlink(pkg);
	updates_raw(pkg, variant, signers, 1, "", 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "canonical");
	/* "version" moved to the front. */
	snprintf(variant, sizeof(variant), "{\"version\":\"1.0.0\",%s",
	    canon + 1);
	assert_non_null(p = strstr(variant, ",\"version\":\"1.0.0\"}"));
	memcpy(p, "}", 2);
	(void)unlink(pkg);
	updates_raw(pkg, variant, signers, 1, "", 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "canonical");
	/* The file name "a" written as an escape. */
	snprintf(variant, sizeof(variant), "%s", canon);
	assert_non_null(p = strstr(variant, "\"name\":\"a\""));
	memmove(p + 14, p + 9, strlen(p + 9) + 1);
	memcpy(p + 8, "\\u0061", 6);
	(void)unlink(pkg);
	updates_raw(pkg, variant, signers, 1, "", 0);
	refused(&u, pkg, 0, MEDSEC_ERR_FORMAT, "canonical");
	updates_teardown(&u);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_14_attack_good_package_accepted),
	cmocka_unit_test(test_req_1_14_attack_unsigned),
	cmocka_unit_test(test_req_1_14_attack_untrusted_signer),
	cmocka_unit_test(test_req_1_14_attack_revoked_key),
	cmocka_unit_test(test_req_1_14_attack_threshold_not_met),
	cmocka_unit_test(test_req_1_14_attack_duplicate_signature_counts_once),
	cmocka_unit_test(test_attack_u4_rollback_counter),
	cmocka_unit_test(test_attack_u9_keyset_below_floor_refused),
	cmocka_unit_test(test_req_1_14_attack_keyset_signed_by_non_root),
	cmocka_unit_test(test_attack_u8_expired_manifest),
	cmocka_unit_test(test_req_1_13_attack_payload_swapped),
	cmocka_unit_test(test_req_1_13_attack_multi_chunk_tamper_parallel),
	cmocka_unit_test(test_req_1_13_attack_payload_longer),
	cmocka_unit_test(test_req_1_13_attack_payload_shorter),
	cmocka_unit_test(test_attack_u11_wrong_hardware),
	cmocka_unit_test(test_attack_u22_hostile_file_names),
	cmocka_unit_test(test_attack_u22_duplicate_names),
	cmocka_unit_test(test_attack_u22_setuid_mode),
	cmocka_unit_test(test_attack_u7_garbage_counter),
	cmocka_unit_test(test_attack_i4_pack_refuses_links_and_devices),
	cmocka_unit_test(test_attack_u12_huge_manifest),
	cmocka_unit_test(test_attack_u22_truncated_package),
	cmocka_unit_test(test_attack_i4_signing_key_file_permissions),
	cmocka_unit_test(test_attack_u22_file_and_directory_same_prefix),
	cmocka_unit_test(test_attack_u3_non_canonical_manifest_refused),
};

MEDSEC_TEST_MAIN(tests)
