/*
 * The device opened in one place (issue 10): provisioning, the ordered
 * open and the reverse close with the trail sealed, failures that close
 * what was opened and change nothing, and the status figures.
 */
#define _XOPEN_SOURCE 700
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

#include "faultio.h"
#include "fixture.h"
#include "testmain.h"
#include "updates.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "medsec/identity.h"

#define ADMIN_PW "Adm1n-Pass!word"
#define NURSE_PW "Correct-Horse-7"
#define WRONG_PW "Wrong-Password-1"

struct dev {
	char root[64];	   /* scratch directory */
	char state[128];   /* root/dev: the device */
	char snap[128];	   /* root/snap: a copy to compare with */
	char code[MEDSEC_SETUP_CODE_LEN];
	struct medsec_device *d;
	char err[1024];
};

static void
dev_init(struct dev *t)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(t->root, sizeof(t->root), "/tmp/medsec-test-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->state, sizeof(t->state), "%s/dev", t->root);
	snprintf(t->snap, sizeof(t->snap), "%s/snap", t->root);
}

static int
provision(struct dev *t, const char *device_id)
{
	struct medsec_device_provision_options o;
	struct medsec_device_provision_result res;
	int r;

	memset(&o, 0, sizeof(o));
	o.state_dir = t->state;
	o.device_id = device_id;
	o.actor = "os:test";
	r = medsec_device_provision(&o, &res, t->err, sizeof(t->err));
	if (r == MEDSEC_OK) {
		memcpy(t->code, res.setup_code, sizeof(t->code));
		assert_string_equal(res.device_id, device_id);
		medsec_wipe(&res, sizeof(res));
	}
	return r;
}

static void
dev_setup(struct dev *t)
{
	dev_init(t);
	assert_int_equal(provision(t, "ward-7"), MEDSEC_OK);
}

static int
dev_open(struct dev *t, unsigned flags)
{
	struct medsec_device_options o = { t->state, NULL, flags };

	t->err[0] = '\0';
	return medsec_device_open(&o, &t->d, t->err, sizeof(t->err));
}

static void
dev_close(struct dev *t)
{
	assert_int_equal(medsec_device_close(t->d), MEDSEC_OK);
	t->d = NULL;
}

static void
dev_teardown(struct dev *t)
{
	if (t->d != NULL)
		(void)medsec_device_close(t->d);
	fixture_rmrf(t->root);
}

/* The first administrator, created with the setup code. */
static void
bootstrap_admin(struct dev *t)
{
	char why[256];

	assert_int_equal(medsec_identity_bootstrap(medsec_device_identity(t->d),
	    t->code, "chief", ADMIN_PW, strlen(ADMIN_PW), "local", why,
	    sizeof(why)), MEDSEC_OK);
}

static const struct medsec_subject chief = { "chief", "local",
	"administrator" };

/* ---- comparing trees byte for byte ---- */

static const char *cmp_other;
static const char *cmp_base;
static int cmp_diff;
static size_t cmp_count;

static int
same_file(const char *a, const char *b)
{
	char ba[4096], bb[4096];
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	size_t na, nb;
	int same = fa != NULL && fb != NULL;

	while (same) {
		na = fread(ba, 1, sizeof(ba), fa);
		nb = fread(bb, 1, sizeof(bb), fb);
		if (na != nb || memcmp(ba, bb, na) != 0)
			same = 0;
		if (na == 0 || na < sizeof(ba))
			break;
	}
	if (fa != NULL)
		fclose(fa);
	if (fb != NULL)
		fclose(fb);
	return same;
}

static int
compare_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	char other[1024];
	struct stat osb;

	(void)ftw;
	cmp_count++;
	snprintf(other, sizeof(other), "%s%s", cmp_other,
	    path + strlen(cmp_base));
	if (lstat(other, &osb) != 0 ||
	    (sb->st_mode & S_IFMT) != (osb.st_mode & S_IFMT)) {
		print_message("only in %s: %s\n", cmp_base, path);
		cmp_diff = 1;
		return 0;
	}
	if (flag == FTW_F && S_ISREG(sb->st_mode) && !same_file(path, other)) {
		print_message("differs: %s\n", path);
		cmp_diff = 1;
	}
	return 0;
}

static size_t
walk_compare(const char *a, const char *b)
{
	cmp_base = a;
	cmp_other = b;
	cmp_count = 0;
	assert_int_equal(nftw(a, compare_entry, 16, FTW_PHYS), 0);
	return cmp_count;
}

/* Whether two trees hold the same names, types and file bytes. */
static int
trees_equal(const char *a, const char *b)
{
	size_t na, nb;

	cmp_diff = 0;
	na = walk_compare(a, b);
	nb = walk_compare(b, a);
	return !cmp_diff && na == nb;
}

static void
snapshot(struct dev *t)
{
	fixture_rmrf(t->snap);
	fixture_copy_tree(t->state, t->snap);
	assert_true(trees_equal(t->state, t->snap));
}

static void
state_path(const struct dev *t, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", t->state, name);
}

/* ---- provisioning and the round trip ---- */

static void
test_req_1_10_device_provision_open_close_round_trip(void **state)
{
	struct medsec_device_status st;
	struct dev t;

	(void)state;
	dev_setup(&t);
	/* No accounts, a setup code in the one format (MFDS 1.10). */
	assert_int_equal(strlen(t.code), MEDSEC_SETUP_CODE_LEN - 1);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY |
	    MEDSEC_DEVICE_UPDATER), MEDSEC_OK);
	assert_non_null(medsec_device_keystore(t.d));
	assert_non_null(medsec_device_db(t.d));
	assert_non_null(medsec_device_audit(t.d));
	assert_non_null(medsec_device_sessions(t.d));
	assert_non_null(medsec_device_identity(t.d));
	assert_non_null(medsec_device_updater(t.d));
	assert_non_null(medsec_device_roles(t.d));
	assert_non_null(medsec_device_config(t.d));
	assert_non_null(medsec_device_audit_report(t.d));
	assert_false(medsec_device_audit_report(t.d)->recovered);
	assert_string_equal(medsec_device_id(t.d), "ward-7");
	assert_string_equal(medsec_device_state_dir(t.d), t.state);
	assert_int_equal(medsec_device_status(t.d, &st), MEDSEC_OK);
	assert_int_equal(st.accounts.accounts, 0);
	assert_string_equal(st.profile, "approved");
	bootstrap_admin(&t);
	dev_close(&t);

	/* Reopened: the administrator is there, the trail checks. */
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_READ_ONLY), MEDSEC_OK);
	assert_null(medsec_device_audit(t.d));
	assert_null(medsec_device_identity(t.d));
	assert_int_equal(medsec_device_status(t.d, &st), MEDSEC_OK);
	assert_int_equal(st.accounts.accounts, 1);
	assert_int_equal(st.audit_open, 0);
	assert_true(st.audit_head_seq > 3);
	dev_close(&t);
	dev_teardown(&t);
}

static void
test_req_2_1_device_provision_refuses_existing_device(void **state)
{
	struct dev t;

	(void)state;
	dev_setup(&t);
	snapshot(&t);
	assert_int_equal(provision(&t, "ward-8"), MEDSEC_ERR_EXISTS);
	assert_non_null(strstr(t.err, "already provisioned"));
	assert_non_null(strstr(t.err, t.state));
	assert_true(trees_equal(t.state, t.snap));
	dev_teardown(&t);
}

static void
test_device_provision_refuses_bad_device_id(void **state)
{
	struct dev t;

	(void)state;
	dev_init(&t);
	assert_int_equal(provision(&t, "ward 7"), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(t.err, "'ward 7'"));
	assert_non_null(strstr(t.err, "position 5"));
	assert_int_not_equal(access(t.state, F_OK), 0);
	dev_teardown(&t);
}

/* No staging directory, no state directory: nothing half-made. */
static int
only_entry_is(const char *dir, const char *name)
{
	struct dirent *de;
	int others = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    (name == NULL || strcmp(de->d_name, name) != 0)) {
			print_message("left in %s: %s\n", dir, de->d_name);
			others++;
		}
	closedir(d);
	return others == 0;
}

static void
test_device_provision_fault_leaves_nothing(void **state)
{
	unsigned long k, failed = 0;
	struct dev t;
	int r = MEDSEC_ERR_NOSPACE;

	(void)state;
	dev_init(&t);
	for (k = 1; r != MEDSEC_OK && k < 2000; k++) {
		faultio_install();
		faultio_fail_at(k, ENOSPC, 1);
		r = provision(&t, "ward-7");
		if (faultio_faults() > 0)
			failed++;
		faultio_uninstall();
		if (r == MEDSEC_OK)
			break;
		assert_true(r < 0);
		assert_true(t.err[0] != '\0');
		/* Renamed into place, then neither synced nor moved back:
		 * complete, said so, and it opens. */
		if (access(t.state, F_OK) == 0) {
			assert_non_null(strstr(t.err, "is complete"));
			assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY),
			    MEDSEC_OK);
			dev_close(&t);
			fixture_rmrf(t.state);
		}
		assert_true(only_entry_is(t.root, NULL));
	}
	assert_int_equal(r, MEDSEC_OK);
	/* Every attempt before the last was failed by the seam. */
	assert_true(failed >= 10);
	assert_true(failed >= k - 1);
	print_message("provisioning failed at each of %lu writes\n", failed);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	dev_close(&t);
	dev_teardown(&t);
}

/* ---- opening fails closed ---- */

static void
test_device_open_absent_device_names_the_keystore(void **state)
{
	char keys[256];
	struct dev t;

	(void)state;
	dev_init(&t);
	assert_int_equal(mkdir(t.state, 0700), 0);
	state_path(&t, "keys", keys, sizeof(keys));
	assert_int_equal(dev_open(&t, 0), MEDSEC_ERR_NOT_FOUND);
	assert_null(t.d);
	assert_non_null(strstr(t.err, keys));
	assert_non_null(strstr(t.err, "keystore"));
	assert_true(only_entry_is(t.state, NULL));
	dev_teardown(&t);
}

static void
test_device_open_refuses_bad_options(void **state)
{
	struct medsec_device_options o = { NULL, NULL, 0 };
	struct medsec_device *d = (struct medsec_device *)&o;
	char err[256];

	(void)state;
	assert_int_equal(medsec_device_open(&o, &d, err, sizeof(err)),
	    MEDSEC_ERR_INVALID);
	assert_null(d);
	assert_non_null(strstr(err, "state directory"));
	o.state_dir = "/nonexistent";
	o.flags = MEDSEC_DEVICE_READ_ONLY | MEDSEC_DEVICE_IDENTITY;
	assert_int_equal(medsec_device_open(&o, &d, err, sizeof(err)),
	    MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err, "read-only"));
	o.flags = 0x80;
	assert_int_equal(medsec_device_open(&o, &d, err, sizeof(err)),
	    MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err, "0x80"));
}

/* Removes one component; open fails naming it and changes nothing. */
static void
missing_component(const char *name, const char *component)
{
	char path[256], cmd[600];
	struct dev t;
	int r;

	dev_setup(&t);
	state_path(&t, name, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", path);
	assert_int_equal(system(cmd), 0);
	snapshot(&t);
	r = dev_open(&t, MEDSEC_DEVICE_IDENTITY | MEDSEC_DEVICE_UPDATER);
	assert_true(r < 0);
	assert_null(t.d);
	print_message("%s gone: %s\n", name, t.err);
	assert_non_null(strstr(t.err, path));
	assert_non_null(strstr(t.err, component));
	assert_true(trees_equal(t.state, t.snap));
	dev_teardown(&t);
}

static void
test_req_2_1_device_open_keystore_gone_fails_closed(void **state)
{
	(void)state;
	missing_component("keys", "keystore");
}

static void
test_req_2_1_device_open_database_gone_fails_closed(void **state)
{
	(void)state;
	missing_component("medsec.db", "database");
}

static void
test_req_2_1_device_open_trail_gone_fails_closed(void **state)
{
	(void)state;
	missing_component("audit", "audit trail");
}

/* Overwrites one file with garbage; open fails naming it. */
static void
corrupt_component(const char *name, const char *component)
{
	static const char garbage[] = "this is not what medsec wrote\n";
	char path[256];
	struct dev t;
	FILE *f;
	int r;

	dev_setup(&t);
	state_path(&t, name, path, sizeof(path));
	assert_non_null(f = fopen(path, "r+b"));
	assert_int_equal(fwrite(garbage, 1, sizeof(garbage), f),
	    sizeof(garbage));
	assert_int_equal(fclose(f), 0);
	snapshot(&t);
	r = dev_open(&t, MEDSEC_DEVICE_IDENTITY);
	assert_true(r < 0);
	assert_null(t.d);
	print_message("%s corrupt: %s\n", name, t.err);
	assert_non_null(strstr(t.err, component));
	assert_true(trees_equal(t.state, t.snap));
	dev_teardown(&t);
}

static void
test_req_2_1_device_open_corrupt_db_fails_closed(void **state)
{
	(void)state;
	corrupt_component("medsec.db", "database");
}

static void
test_req_1_17_device_open_corrupt_key_fails_closed(void **state)
{
	(void)state;
	corrupt_component("keys/master.key", "keystore");
}

/* A file of the device put back from before a change. */
static void
put_back_after_change(const char *name, const char *why)
{
	char path[256], saved[256], cmd[800];
	struct dev t;

	dev_setup(&t);
	/* Sealed once, so the trail's head is saved in the database. */
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	dev_close(&t);
	state_path(&t, name, path, sizeof(path));
	snprintf(saved, sizeof(saved), "%s/saved", t.root);
	snprintf(cmd, sizeof(cmd), "cp -a -- '%s' '%s'", path, saved);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	bootstrap_admin(&t);
	dev_close(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s' && cp -a -- '%s' '%s'",
	    path, saved, path);
	assert_int_equal(system(cmd), 0);
	snapshot(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY),
	    MEDSEC_ERR_TAMPERED);
	assert_null(t.d);
	print_message("%s put back: %s\n", name, t.err);
	assert_non_null(strstr(t.err, "/audit: audit trail"));
	assert_non_null(strstr(t.err, why));
	/* Nothing sealed: the rollback is not made to look legitimate. */
	assert_true(trees_equal(t.state, t.snap));
	/* And it stays refused. */
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY),
	    MEDSEC_ERR_TAMPERED);
	dev_teardown(&t);
}

static void
test_req_2_1_device_trail_behind_database_refused(void **state)
{
	(void)state;
	/* The keystore's MAC-key epoch is ahead of the older trail. */
	put_back_after_change("audit", "older trail put back");
}

static void
test_req_2_1_device_trail_ahead_of_database_refused(void **state)
{
	(void)state;
	put_back_after_change("medsec.db", "older copy of the database");
}

/* ---- closing ---- */

static void
test_device_close_unchanged_leaves_trail_identical(void **state)
{
	char audit[256], saved[256];
	struct dev t;

	(void)state;
	dev_setup(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	bootstrap_admin(&t);
	dev_close(&t);
	state_path(&t, "audit", audit, sizeof(audit));
	snprintf(saved, sizeof(saved), "%s/audit-before", t.root);
	fixture_copy_tree(audit, saved);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY |
	    MEDSEC_DEVICE_UPDATER), MEDSEC_OK);
	dev_close(&t);
	assert_true(trees_equal(audit, saved));
	/* Read-only leaves the whole device as it was. */
	snapshot(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_READ_ONLY), MEDSEC_OK);
	dev_close(&t);
	assert_true(trees_equal(t.state, t.snap));
	dev_teardown(&t);
}

static void
test_req_2_1_device_close_seals_a_change(void **state)
{
	struct medsec_device_status before, after;
	struct dev t;

	(void)state;
	dev_setup(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_READ_ONLY), MEDSEC_OK);
	assert_int_equal(medsec_device_status(t.d, &before), MEDSEC_OK);
	dev_close(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	bootstrap_admin(&t);
	dev_close(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_READ_ONLY), MEDSEC_OK);
	assert_int_equal(medsec_device_status(t.d, &after), MEDSEC_OK);
	dev_close(&t);
	/* The saved head moved past the new records and the checkpoint. */
	assert_true(after.audit_head_seq > before.audit_head_seq + 1);
	assert_true(after.audit_generation > before.audit_generation);
	dev_teardown(&t);
}

/*
 * A write failing at each step of an open and close: the open fails
 * cleanly (nothing left open or locked: the next open works) or the
 * close reports it, and the seam fired.
 */
static void
test_req_2_1_device_open_fault_closes_what_was_open(void **state)
{
	struct medsec_audit_event_in ev = { MEDSEC_EV_CONFIG_CHANGED, "test",
		"local", "k", MEDSEC_AUDIT_SUCCESS, NULL, NULL };
	unsigned long k, fired = 0, faults;
	struct dev t;
	int r, ra, rc;

	(void)state;
	dev_setup(&t);
	/* Not sealed at open: close writes a checkpoint and the head. */
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	bootstrap_admin(&t);
	dev_close(&t);
	for (k = 1; k < 500; k++) {
		faultio_install();
		faultio_fail_at(k, EIO, 0);
		r = dev_open(&t, MEDSEC_DEVICE_IDENTITY |
		    MEDSEC_DEVICE_UPDATER);
		ra = MEDSEC_OK;
		if (r == MEDSEC_OK) {
			/* A change, so that close has something to seal. */
			ra = medsec_audit_append(medsec_device_audit(t.d), &ev,
			    NULL);
			rc = medsec_device_close(t.d);
			t.d = NULL;
		} else {
			assert_null(t.d);
			assert_true(t.err[0] != '\0');
			rc = r;
		}
		faults = faultio_faults();
		faultio_uninstall();
		if (faults == 0) {
			assert_true(ra == MEDSEC_OK && rc == MEDSEC_OK);
			break;
		}
		fired++;
		/* Whatever failed, the device opens again. */
		assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY),
		    MEDSEC_OK);
		dev_close(&t);
	}
	assert_true(k < 500);
	assert_true(fired > 0);
	print_message("%lu of %lu writes failed one at a time\n", fired, k);
	dev_teardown(&t);
}

/* ---- status ---- */

static void
add_user(struct dev *t, const char *name, const char *roles)
{
	char why[256];

	assert_int_equal(medsec_identity_user_add(medsec_device_identity(t->d),
	    &chief, name, roles, 0, NURSE_PW, strlen(NURSE_PW), why,
	    sizeof(why)), MEDSEC_OK);
}

static void
test_req_1_4_device_status_counts_accounts(void **state)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_device_status st;
	struct medsec_identity *id;
	struct dev t;

	(void)state;
	dev_setup(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	id = medsec_device_identity(t.d);
	bootstrap_admin(&t);
	add_user(&t, "nurse1", "clinician");
	add_user(&t, "nurse2", "clinician");
	add_user(&t, "nurse3", "clinician");
	assert_int_equal(medsec_identity_user_set_disabled(id, &chief,
	    "nurse2", 1), MEDSEC_OK);
	/* Five wrong passwords lock nurse3 (MFDS 1.4, the default). */
	for (int i = 0; i < 5; i++)
		assert_int_equal(medsec_identity_authenticate(id, "nurse3",
		    WRONG_PW, strlen(WRONG_PW), "10.0.0.9", NULL),
		    MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(medsec_identity_login(id, "chief", ADMIN_PW,
	    strlen(ADMIN_PW), "local", token, NULL), MEDSEC_OK);
	assert_int_equal(medsec_device_status(t.d, &st), MEDSEC_OK);
	assert_int_equal(st.accounts.accounts, 4);
	assert_int_equal(st.accounts.disabled, 1);
	assert_int_equal(st.accounts.locked, 1);
	assert_int_equal(st.accounts.expired, 0);
	/* The three initial passwords set by an administrator. */
	assert_int_equal(st.accounts.must_change, 3);
	assert_int_equal(st.accounts.peers, 0);
	assert_int_equal(st.sessions.live, 1);
	assert_int_equal(st.sessions.emergency, 0);
	assert_true(st.audit_open);
	assert_false(st.audit_degraded);
	assert_false(st.updates.configured);
	assert_string_equal(st.updates.boot.active, "a");
	dev_close(&t);

	/* The same figures read-only, from the same module readers. */
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_READ_ONLY), MEDSEC_OK);
	assert_int_equal(medsec_device_status(t.d, &st), MEDSEC_OK);
	assert_int_equal(st.accounts.accounts, 4);
	assert_int_equal(st.accounts.locked, 1);
	assert_int_equal(st.sessions.live, 1);
	dev_close(&t);
	dev_teardown(&t);
}

static void
test_req_1_12_device_status_reports_updater(void **state)
{
	struct medsec_updater_setup s;
	struct medsec_device_status st;
	struct updates u;
	struct dev t;
	char root[160], keyset[160], pkg[160], err[512] = "";
	static const size_t sizes[] = { 4000, 10 };
	int64_t id = 0;

	(void)state;
	dev_setup(&t);
	updates_setup(&u, 1);
	updates_keyset(&u, 1, 1, NULL, u.root);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY |
	    MEDSEC_DEVICE_UPDATER), MEDSEC_OK);
	bootstrap_admin(&t);
	snprintf(root, sizeof(root), "%s/root.json", u.trust);
	snprintf(keyset, sizeof(keyset), "%s/keyset.json", u.trust);
	memset(&s, 0, sizeof(s));
	s.root_path = root;
	s.keyset_path = keyset;
	s.hardware_id = "hw-1";
	s.product = "carelink";
	assert_int_equal(medsec_updater_setup(medsec_device_updater(t.d), &s,
	    &chief, err, sizeof(err)), MEDSEC_OK);
	dev_close(&t);

	/* Reopened with the settings the database recorded. */
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY |
	    MEDSEC_DEVICE_UPDATER), MEDSEC_OK);
	updates_pack(&u, "p1", 4, "2.0.0", sizes, 2, pkg, sizeof(pkg));
	updates_sign(pkg, u.rel[0]);
	assert_int_equal(medsec_updater_stage(medsec_device_updater(t.d), pkg,
	    &chief, &id, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_device_status(t.d, &st), MEDSEC_OK);
	assert_true(st.updates.configured);
	assert_string_equal(st.updates.hardware_id, "hw-1");
	assert_string_equal(st.updates.product, "carelink");
	assert_int_equal(st.updates.packages, 1);
	assert_int_equal(st.updates.awaiting_approval, 1);
	assert_int_equal(st.updates.pending_id, id);
	assert_string_equal(st.updates.pending_version, "2.0.0");
	assert_int_equal(st.updates.security_counter, 0);
	assert_int_equal(st.updates.keyset_floor, 1);
	assert_string_equal(st.updates.boot.active, "a");
	dev_close(&t);
	updates_teardown(&u);
	dev_teardown(&t);
}

/* ---- access decisions ask identity about the account ---- */

/* Whether the trail holds a denial of actor whose reason contains what. */
static int
denial_recorded(struct dev *t, const char *actor, const char *what)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	char dir[256];
	int found = 0;

	state_path(t, "audit", dir, sizeof(dir));
	assert_int_equal(medsec_audit_reader_open(dir, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		if (rec.event == MEDSEC_EV_PERMISSION_DENIED &&
		    strcmp(rec.actor, actor) == 0 && rec.reason != NULL &&
		    strstr(rec.reason, what) != NULL)
			found = 1;
	medsec_audit_reader_close(rd);
	return found;
}

static void
test_req_1_1_device_access_refuses_must_change_subject(void **state)
{
	/* Built by hand, naming a role that grants everything asked. */
	static const struct medsec_subject tech = { "tech", "local",
		"administrator" };
	static const struct medsec_subject glass = { "Dr Kim", "local",
		"emergency" };
	const struct medsec_roles *roles;
	struct medsec_identity *id;
	struct medsec_audit *audit;
	char why[256];
	struct dev t;

	(void)state;
	dev_setup(&t);
	assert_int_equal(dev_open(&t, MEDSEC_DEVICE_IDENTITY), MEDSEC_OK);
	id = medsec_device_identity(t.d);
	roles = medsec_device_roles(t.d);
	audit = medsec_device_audit(t.d);
	bootstrap_admin(&t);
	add_user(&t, "tech", "administrator");
	/* An initial password: nothing but its own change. */
	assert_int_equal(medsec_identity_subject_check(id, &tech),
	    MEDSEC_ERR_STATE);
	assert_int_equal(medsec_access_check(roles, audit, &tech,
	    MEDSEC_PERM_CONFIG, "settings"), MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_identity_user_add(id, &tech, "nurse9",
	    "clinician", 0, NURSE_PW, strlen(NURSE_PW), why, sizeof(why)),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_identity_user_get(id, "nurse9",
	    &(struct medsec_account){ 0 }), MEDSEC_ERR_NOT_FOUND);
	/* The change itself is allowed, and then the rest. */
	assert_int_equal(medsec_identity_password_change(id, &tech, "tech",
	    NURSE_PW, strlen(NURSE_PW), "Fresh-Secret-42", 15, why,
	    sizeof(why)), MEDSEC_OK);
	assert_int_equal(medsec_access_check(roles, audit, &tech,
	    MEDSEC_PERM_CONFIG, "settings"), MEDSEC_OK);
	/* Disabled: refused whatever the subject says. */
	assert_int_equal(medsec_identity_user_set_disabled(id, &chief, "tech",
	    1), MEDSEC_OK);
	assert_int_equal(medsec_identity_subject_check(id, &tech),
	    MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_access_check(roles, audit, &tech,
	    MEDSEC_PERM_CONFIG, "settings"), MEDSEC_ERR_DENIED);
	/* No account (break-glass names the person): its role decides. */
	assert_int_equal(medsec_access_check(roles, audit, &glass,
	    MEDSEC_PERM_PHR_READ, "record 7"), MEDSEC_OK);
	assert_int_equal(medsec_access_check(roles, audit, &glass,
	    MEDSEC_PERM_CONFIG, "settings"), MEDSEC_ERR_DENIED);
	dev_close(&t);
	/* Each denial says it was the account, not the roles. */
	assert_true(denial_recorded(&t, "tech",
	    "permission config refused: the account must change its password"));
	assert_true(denial_recorded(&t, "tech",
	    "permission config refused: the account is disabled"));
	assert_true(denial_recorded(&t, "Dr Kim", "not granted to roles"));
	dev_teardown(&t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_10_device_provision_open_close_round_trip),
	cmocka_unit_test(test_req_2_1_device_provision_refuses_existing_device),
	cmocka_unit_test(test_device_provision_refuses_bad_device_id),
	cmocka_unit_test(test_device_provision_fault_leaves_nothing),
	cmocka_unit_test(test_device_open_absent_device_names_the_keystore),
	cmocka_unit_test(test_device_open_refuses_bad_options),
	cmocka_unit_test(test_req_2_1_device_open_keystore_gone_fails_closed),
	cmocka_unit_test(test_req_2_1_device_open_database_gone_fails_closed),
	cmocka_unit_test(test_req_2_1_device_open_trail_gone_fails_closed),
	cmocka_unit_test(test_req_2_1_device_open_corrupt_db_fails_closed),
	cmocka_unit_test(test_req_1_17_device_open_corrupt_key_fails_closed),
	cmocka_unit_test(test_req_2_1_device_trail_behind_database_refused),
	cmocka_unit_test(test_req_2_1_device_trail_ahead_of_database_refused),
	cmocka_unit_test(test_device_close_unchanged_leaves_trail_identical),
	cmocka_unit_test(test_req_2_1_device_close_seals_a_change),
	cmocka_unit_test(test_req_2_1_device_open_fault_closes_what_was_open),
	cmocka_unit_test(test_req_1_4_device_status_counts_accounts),
	cmocka_unit_test(test_req_1_12_device_status_reports_updater),
	cmocka_unit_test(test_req_1_1_device_access_refuses_must_change_subject),
};

MEDSEC_TEST_MAIN(tests)
