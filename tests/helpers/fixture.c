#define _XOPEN_SOURCE 700 /* nftw() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

void
fixture_setup(struct fixture *f, uint32_t epoch_records,
    uint64_t segment_bytes)
{
	const struct medsec_crypto_profile *prof;

	memset(f, 0, sizeof(*f));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(f->root, sizeof(f->root), "/tmp/medsec-test-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->keys, sizeof(f->keys), "%s/keys", f->root);
	snprintf(f->audit, sizeof(f->audit), "%s/audit", f->root);
	snprintf(f->verifier, sizeof(f->verifier), "%s/verifier.key", f->root);
	assert_int_equal(medsec_crypto_profile_by_name("approved", &prof),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_create(f->keys, prof, &f->ks),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_generate(f->ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	medsec_audit_options_default(&f->opts);
	f->opts.epoch_records = epoch_records;
	f->opts.epoch_seconds = 0;
	f->opts.segment_bytes = segment_bytes;
	assert_int_equal(medsec_audit_create(f->audit, f->ks, &f->opts,
			     "test-device", f->verifier), MEDSEC_OK);
}

void
fixture_reopen_keys(struct fixture *f)
{
	medsec_keystore_close(f->ks);
	assert_int_equal(medsec_keystore_open(f->keys, &f->ks), MEDSEC_OK);
}

void
fixture_teardown(struct fixture *f)
{
	medsec_keystore_close(f->ks);
	f->ks = NULL;
	fixture_rmrf(f->root);
}

void
fixture_append(struct medsec_audit *a, int first, int count)
{
	char object[32], details[64];
	struct medsec_audit_event_in ev = { MEDSEC_EV_PHR_READ, "nurse01",
		"192.0.2.10", object, MEDSEC_AUDIT_SUCCESS, NULL, details };

	for (int i = first; i < first + count; i++) {
		snprintf(object, sizeof(object), "rec-%d", i);
		snprintf(details, sizeof(details), "{\"n\":%d}", i);
		assert_int_equal(medsec_audit_append(a, &ev, NULL), MEDSEC_OK);
	}
}

int
fixture_verify(const struct fixture *f, int with_key,
    struct medsec_audit_verify_result *res)
{
	struct medsec_audit_verifier v;
	struct medsec_audit_verify_options opts;
	int r;

	assert_int_equal(medsec_audit_read_verifier(f->verifier, &v),
	    MEDSEC_OK);
	memset(&opts, 0, sizeof(opts));
	opts.public_key = v.public_key;
	opts.public_key_len = v.public_key_len;
	opts.public_key_alg = v.public_key_alg;
	if (with_key) {
		opts.verifier_key = v.mac_key;
		opts.verifier_key_len = v.mac_key_len;
	}
	r = medsec_audit_verify(f->audit, &opts, res);
	medsec_wipe(&v, sizeof(v));
	return r;
}

size_t
fixture_read_seqs(const char *audit_dir, uint64_t *seqs, size_t max)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	size_t n = 0;
	int r;

	assert_int_equal(medsec_audit_reader_open(audit_dir, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (n < max)
			seqs[n] = rec.seq;
		n++;
	}
	medsec_audit_reader_close(rd);
	assert_int_equal(r, 0);
	return n;
}

/*
 * Removing and copying trees are done here rather than by rm and cp in a
 * shell: crash loops do it thousands of times, and a shell per call
 * costs more than the iteration itself on a busy machine.
 */
static int
remove_entry(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP ? rmdir(path) : unlink(path))
		return errno == ENOENT ? 0 : -1;
	return 0;
}

void
fixture_rmrf(const char *dir)
{
	struct stat sb;

	if (strncmp(dir, "/tmp/medsec-", 12) != 0)
		return;
	if (lstat(dir, &sb) != 0 && errno == ENOENT)
		return;
	/* Directories without write permission (tests make some) first. */
	if (nftw(dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS) != 0) {
		char cmd[2048];

		snprintf(cmd, sizeof(cmd), "chmod -R u+rwx -- '%s' 2>/dev/null;"
		    " rm -rf -- '%s'", dir, dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void copy_entry(const char *from, const char *to);

static void
copy_file(const char *from, const char *to, const struct stat *sb)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	assert_true((in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0);
	/* As cp: an existing file is overwritten and takes the mode. */
	assert_true((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
			 O_NOFOLLOW, sb->st_mode & 07777)) >= 0);
	assert_int_equal(fchmod(out, sb->st_mode & 07777), 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

static void
copy_dir(const char *from, const char *to, const struct stat *sb)
{
	char a[4096], b[4096];
	struct dirent *e;
	DIR *d;

	assert_int_equal(mkdir(to, 0700), 0);
	assert_non_null(d = opendir(from));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_true((size_t)snprintf(a, sizeof(a), "%s/%s", from,
				e->d_name) < sizeof(a));
		assert_true((size_t)snprintf(b, sizeof(b), "%s/%s", to,
				e->d_name) < sizeof(b));
		copy_entry(a, b);
	}
	closedir(d);
	assert_int_equal(chmod(to, sb->st_mode & 07777), 0);
}

/* As cp -a: contents, modes, owners (when allowed), times, symlinks. */
static void
copy_entry(const char *from, const char *to)
{
	struct timespec times[2];
	struct stat sb;

	assert_int_equal(lstat(from, &sb), 0);
	if (S_ISDIR(sb.st_mode)) {
		copy_dir(from, to, &sb);
	} else if (S_ISLNK(sb.st_mode)) {
		char target[4096];
		ssize_t n = readlink(from, target, sizeof(target) - 1);

		assert_true(n >= 0);
		target[n] = '\0';
		assert_int_equal(symlink(target, to), 0);
	} else if (S_ISREG(sb.st_mode)) {
		copy_file(from, to, &sb);
	} else if (S_ISFIFO(sb.st_mode)) {
		assert_int_equal(mkfifo(to, sb.st_mode & 07777), 0);
	} else {
		fail_msg("fixture_copy_tree: cannot copy %s", from);
	}
	/* Only root can give files away; others keep their own. */
	if (lchown(to, sb.st_uid, sb.st_gid) != 0)
		assert_true(errno == EPERM);
	times[0] = sb.st_atim;
	times[1] = sb.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, to, times, AT_SYMLINK_NOFOLLOW),
	    0);
}

void
fixture_copy_tree(const char *from, const char *to)
{
	copy_entry(from, to);
}

static int64_t
fake_wall(void *ctx)
{
	return ((struct fixture_clock *)ctx)->wall_us;
}

static int64_t
fake_mono(void *ctx)
{
	return ((struct fixture_clock *)ctx)->mono_us;
}

static struct medsec_clock_ops fake_ops;

void
fixture_clock_install(struct fixture_clock *c)
{
	fake_ops.wall_us = fake_wall;
	fake_ops.mono_us = fake_mono;
	fake_ops.ctx = c;
	medsec_clock_set(&fake_ops);
}

void
fixture_clock_uninstall(void)
{
	medsec_clock_set(NULL);
}
