/*
 * The updater's security state under attack and under failed writes
 * (TESTING.md U9, U12, U21, U22, K1, L8): a write that fails changes
 * nothing and is an error the caller sees; the floors (anti-rollback
 * counter, key set version, trusted time) never go down and are moved
 * only by what the device installed; an offer that is not a plain file
 * is refused and audited.
 */
#include <errno.h>
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
#include "people.h"
#include "testmain.h"
#include "updates.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/updater.h"

#define YEAR_US (INT64_C(365) * 86400 * 1000000)
/* 2099-01-01T00:00:00Z */
#define Y2099_US (INT64_C(4070908800) * 1000000)

struct dev {
	struct people p;
	struct updates u;
	struct medsec_updater_options o;
	struct medsec_updater *up;
};

static void
dev_setup(struct dev *d)
{
	memset(d, 0, sizeof(*d));
	people_setup(&d->p);
	updates_setup(&d->u, 1);
	d->u.now_us = d->p.clock.wall_us;
	updates_keyset(&d->u, 1, 1, NULL, d->u.root);
	d->o.state_dir = d->p.f.root;
	d->o.trust_dir = d->u.trust;
	d->o.hardware_id = "hw-1";
	d->o.product = "carelink";
	d->o.max_trial_starts = 3;
	assert_int_equal(medsec_updater_open(d->p.db, d->p.audit, &d->p.roles,
			     &d->o, &d->up), MEDSEC_OK);
}

static void
dev_teardown(struct dev *d)
{
	medsec_updater_close(d->up);
	people_teardown(&d->p);
	updates_teardown(&d->u);
}

static void
make_pkg(struct dev *d, const char *name, uint64_t counter, char *path,
    size_t len)
{
	static const size_t sizes[] = { 3000, 10 };

	updates_pack(&d->u, name, counter, "1.0.0", sizes, 2, path, len);
	updates_sign(path, d->u.rel[0]);
}

/* A package whose signed build time (and expiry base) is at_us. */
static void
make_pkg_built(struct dev *d, const char *name, uint64_t counter,
    int64_t at_us, char *path, size_t len)
{
	int64_t wall = d->p.clock.wall_us, now = d->u.now_us;

	d->p.clock.wall_us = at_us;
	d->u.now_us = at_us;
	make_pkg(d, name, counter, path, len);
	d->p.clock.wall_us = wall;
	d->u.now_us = now;
}

static int64_t
stage(struct dev *d, const char *pkg)
{
	char err[256] = "";
	int64_t id = 0;

	assert_int_equal(medsec_updater_stage(d->up, pkg, &d->p.admin, &id,
			     err, sizeof(err)), MEDSEC_OK);
	return id;
}

static struct medsec_update_record
record_of(struct dev *d, int64_t id)
{
	struct medsec_update_record rec;

	assert_int_equal(medsec_updater_get(d->up, id, &rec), MEDSEC_OK);
	return rec;
}

static void
approve(struct dev *d, int64_t id)
{
	struct medsec_update_record rec = record_of(d, id);
	char err[256] = "";

	assert_int_equal(medsec_updater_approve(d->up, id, rec.digest,
			     &d->p.admin, 1, err, sizeof(err)), MEDSEC_OK);
}

/* Staged, approved, installed and started: a trial awaiting commit. */
static int64_t
trial_of(struct dev *d, const char *pkg)
{
	char err[256] = "";
	int64_t id = stage(d, pkg);

	approve(d, id);
	assert_int_equal(medsec_updater_install(d->up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d->up, NULL), MEDSEC_OK);
	return id;
}

static uint64_t
counter_of(struct dev *d)
{
	uint64_t c = 99;

	assert_int_equal(medsec_updater_counter(d->up, &c), MEDSEC_OK);
	return c;
}

static int64_t
time_floor_of(struct dev *d)
{
	int64_t t = -1;

	assert_int_equal(medsec_updater_time_floor(d->up, &t), MEDSEC_OK);
	return t;
}

static int
count_records(const struct medsec_update_record *rec, void *ctx)
{
	(void)rec;
	++*(size_t *)ctx;
	return 0;
}

static size_t
n_records(struct dev *d)
{
	size_t n = 0;

	assert_int_equal(medsec_updater_list(d->up, count_records, &n),
	    MEDSEC_OK);
	return n;
}

/*
 * Makes one database write fail, as a full or failing disk would: a
 * trigger aborts the matching INSERT or UPDATE (the statement fails,
 * SQLite keeps the transaction for the caller to roll back).
 */
static void
fail_meta_write(struct dev *d, const char *key)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "CREATE TRIGGER fail_ins BEFORE INSERT ON "
	    "meta WHEN NEW.key = '%s' BEGIN SELECT RAISE(ABORT, 'injected "
	    "write failure'); END", key);
	assert_int_equal(medsec_db_exec(d->p.db, sql), MEDSEC_OK);
	snprintf(sql, sizeof(sql), "CREATE TRIGGER fail_upd BEFORE UPDATE ON "
	    "meta WHEN NEW.key = '%s' BEGIN SELECT RAISE(ABORT, 'injected "
	    "write failure'); END", key);
	assert_int_equal(medsec_db_exec(d->p.db, sql), MEDSEC_OK);
}

static void
fail_state_write(struct dev *d, int state)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "CREATE TRIGGER fail_upd BEFORE UPDATE ON "
	    "update_package WHEN NEW.state = %d BEGIN SELECT RAISE(ABORT, "
	    "'injected write failure'); END", state);
	assert_int_equal(medsec_db_exec(d->p.db, sql), MEDSEC_OK);
}

static void
heal_writes(struct dev *d)
{
	assert_int_equal(medsec_db_exec(d->p.db, "DROP TRIGGER IF EXISTS "
			     "fail_ins"), MEDSEC_OK);
	assert_int_equal(medsec_db_exec(d->p.db, "DROP TRIGGER IF EXISTS "
			     "fail_upd"), MEDSEC_OK);
}

/*
 * U21: commit with one of its writes failing (the counter, the trusted
 * time, the committed state, the superseded state): an error, and
 * nothing of the commit happened: same counter, trial still running,
 * no COMMITTED record. Healed, the same commit goes through.
 */
static void
commit_with_failed_write(int which)
{
	struct medsec_update_boot b;
	char p1[160], p2[160], err[256] = "";
	int64_t first = 0, id;
	size_t committed;
	struct dev d;

	dev_setup(&d);
	if (which == 3) {
		/* A committed release to supersede. */
		make_pkg(&d, "r1", 3, p1, sizeof(p1));
		first = trial_of(&d, p1);
		assert_int_equal(medsec_updater_commit(d.up, &d.p.admin),
		    MEDSEC_OK);
	}
	make_pkg(&d, "r2", 4, p2, sizeof(p2));
	id = trial_of(&d, p2);
	committed = people_count_events(&d.p, MEDSEC_EV_UPDATE_COMMITTED, NULL);
	switch (which) {
	case 0: fail_meta_write(&d, "update_counter"); break;
	case 1: fail_meta_write(&d, "update_trusted_time_us"); break;
	case 2: fail_state_write(&d, MEDSEC_UPD_COMMITTED); break;
	default: fail_state_write(&d, MEDSEC_UPD_SUPERSEDED); break;
	}
	assert_int_not_equal(medsec_updater_commit(d.up, &d.p.admin),
	    MEDSEC_OK);
	assert_int_equal(counter_of(&d), which == 3 ? 3 : 0);
	assert_int_equal(record_of(&d, id).state, MEDSEC_UPD_INSTALLED);
	if (which == 3)
		assert_int_equal(record_of(&d, first).state,
		    MEDSEC_UPD_COMMITTED);
	assert_int_equal(medsec_updater_boot_state(d.up, &b), MEDSEC_OK);
	assert_true(b.trial);
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_UPDATE_COMMITTED,
			     NULL), committed);
	heal_writes(&d);
	assert_int_equal(medsec_updater_commit(d.up, &d.p.admin), MEDSEC_OK);
	assert_int_equal(counter_of(&d), 4);
	assert_int_equal(record_of(&d, id).state, MEDSEC_UPD_COMMITTED);
	if (which == 3)
		assert_int_equal(record_of(&d, first).state,
		    MEDSEC_UPD_SUPERSEDED);
	(void)err;
	dev_teardown(&d);
}

static void
test_attack_u21_commit_counter_write_fails(void **state)
{
	(void)state;
	commit_with_failed_write(0);
}

static void
test_attack_u21_commit_time_floor_write_fails(void **state)
{
	(void)state;
	commit_with_failed_write(1);
}

static void
test_attack_u21_commit_state_write_fails(void **state)
{
	(void)state;
	commit_with_failed_write(2);
}

static void
test_attack_u21_commit_superseded_write_fails(void **state)
{
	(void)state;
	commit_with_failed_write(3);
}

/* U21: the key set floor raised at stage fails: nothing is staged. */
static void
test_attack_u21_stage_keyset_floor_write_fails(void **state)
{
	char pkg[160], err[256] = "", parked[512];
	struct medsec_update_record rec;
	int64_t id = 0;
	struct dev d;

	(void)state;
	dev_setup(&d);
	make_pkg(&d, "p", 4, pkg, sizeof(pkg));
	fail_meta_write(&d, "update_keyset_version");
	assert_int_not_equal(medsec_updater_stage(d.up, pkg, &d.p.admin, &id,
				 err, sizeof(err)), MEDSEC_OK);
	assert_non_null(strstr(err, "nothing staged"));
	assert_int_equal(n_records(&d), 0);
	heal_writes(&d);
	/* Not parked either: staging it again is not a replay. */
	id = stage(&d, pkg);
	rec = record_of(&d, id);
	snprintf(parked, sizeof(parked), "%s/updates/%s.msu", d.p.f.root,
	    rec.digest);
	assert_int_equal(access(parked, F_OK), 0);
	dev_teardown(&d);
}

/* U21: the approval and its state are one write: none or both. */
static void
test_attack_u21_approve_state_write_fails(void **state)
{
	struct medsec_update_record rec;
	char pkg[160], err[256] = "";
	struct dev d;
	int64_t id;

	(void)state;
	dev_setup(&d);
	make_pkg(&d, "p", 4, pkg, sizeof(pkg));
	id = stage(&d, pkg);
	rec = record_of(&d, id);
	fail_state_write(&d, MEDSEC_UPD_APPROVED);
	assert_int_not_equal(medsec_updater_approve(d.up, id, rec.digest,
				 &d.p.admin, 1, err, sizeof(err)), MEDSEC_OK);
	assert_non_null(strstr(err, "nothing changed"));
	rec = record_of(&d, id);
	assert_int_equal(rec.state, MEDSEC_UPD_AWAITING_APPROVAL);
	assert_string_equal(rec.approved_by, "");
	heal_writes(&d);
	approve(&d, id);
	assert_string_equal(record_of(&d, id).approved_by, "admin");
	dev_teardown(&d);
}

/* L8: while the trail cannot take a record, nothing changes state. */
static void
test_attack_l8_update_refused_while_trail_cannot_record(void **state)
{
	struct medsec_audit_event_in ev;
	char p1[160], p2[160], err[256] = "";
	int64_t staged, id = 0;
	struct dev d;

	(void)state;
	dev_setup(&d);
	make_pkg(&d, "p1", 4, p1, sizeof(p1));
	make_pkg(&d, "p2", 5, p2, sizeof(p2));
	staged = stage(&d, p1);
	/* The trail's disk fills, then is freed: the failure is sticky. */
	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_APP_START;
	ev.actor = "test";
	faultio_install();
	faultio_fail_at(1, ENOSPC, 1);
	assert_int_not_equal(medsec_audit_append_critical(d.p.audit, &ev, NULL),
	    MEDSEC_OK);
	faultio_heal();
	faultio_uninstall();
	assert_int_equal(medsec_updater_stage(d.up, p2, &d.p.admin, &id, err,
			     sizeof(err)), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_non_null(strstr(err, "nothing changed"));
	assert_int_equal(n_records(&d), 1);
	assert_int_equal(medsec_updater_approve(d.up, staged,
			     record_of(&d, staged).digest, &d.p.admin, 1, err,
			     sizeof(err)), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(record_of(&d, staged).state,
	    MEDSEC_UPD_AWAITING_APPROVAL);
	assert_int_equal(medsec_updater_reject(d.up, staged, &d.p.admin,
			     "no"), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(record_of(&d, staged).state,
	    MEDSEC_UPD_AWAITING_APPROVAL);
	/* The trail back: the same operations go through. */
	assert_int_equal(medsec_audit_reopen(d.p.audit), MEDSEC_OK);
	approve(&d, staged);
	assert_int_equal(record_of(&d, staged).state, MEDSEC_UPD_APPROVED);
	dev_teardown(&d);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	assert_non_null(in);
	(void)unlink(to);
	assert_non_null(out = fopen(to, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static int
same_file(const char *a, const char *b)
{
	char x[65536], y[65536];
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	size_t na, nb;

	assert_non_null(fa);
	assert_non_null(fb);
	na = fread(x, 1, sizeof(x), fa);
	nb = fread(y, 1, sizeof(y), fb);
	fclose(fa);
	fclose(fb);
	return na == nb && memcmp(x, y, na) == 0;
}

struct trust_files {
	char root[256], v1[256], v2[256], forged[256], installed[256];
};

/*
 * Key sets outside the trust directory: v1 (rel0 and rel1), v2 (rel0
 * revoked) and a v3 signed by a release key instead of root.
 */
static void
trust_files(struct dev *d, struct trust_files *t)
{
	char ks[256];

	snprintf(ks, sizeof(ks), "%s/keyset.json", d->u.trust);
	snprintf(t->installed, sizeof(t->installed), "%s", ks);
	snprintf(t->root, sizeof(t->root), "%s/root-offer.json", d->u.dir);
	snprintf(t->v1, sizeof(t->v1), "%s/keyset-v1.json", d->u.dir);
	snprintf(t->v2, sizeof(t->v2), "%s/keyset-v2.json", d->u.dir);
	snprintf(t->forged, sizeof(t->forged), "%s/keyset-forged.json",
	    d->u.dir);
	snprintf(ks, sizeof(ks), "%s/root.json", d->u.trust);
	copy_file(ks, t->root);
	copy_file(t->installed, t->v1);
	updates_keyset(&d->u, 2, 1, medsec_signkey_public(d->u.rel[0])->key_id,
	    d->u.root);
	copy_file(t->installed, t->v2);
	updates_keyset(&d->u, 3, 1, NULL, d->u.rel[0]);
	copy_file(t->installed, t->forged);
	copy_file(t->v1, t->installed);
}

static int
setup_with(struct dev *d, const struct trust_files *t, const char *keyset,
    char *err, size_t errlen)
{
	struct medsec_updater_setup s;

	memset(&s, 0, sizeof(s));
	s.root_path = t->root;
	s.keyset_path = keyset;
	s.hardware_id = "hw-1";
	s.product = "carelink";
	return medsec_updater_setup(d->up, &s, &d->p.admin, err, errlen);
}

/*
 * U9 (key set rollback): installing key set v2 raises the floor in the
 * database; setup with v1 is refused naming both versions and audited,
 * and v1 put back by hand is refused at the next stage: a package signed
 * by the key v2 revoked never stages again.
 */
static void
test_attack_u9_keyset_rollback_refused_at_setup_and_load(void **state)
{
	struct trust_files t;
	char pkg[160], err[512] = "";
	uint64_t floor = 0;
	size_t refusals;
	int64_t id = 0;
	struct dev d;

	(void)state;
	dev_setup(&d);
	trust_files(&d, &t);
	assert_int_equal(setup_with(&d, &t, t.v2, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_updater_keyset_floor(d.up, &floor), MEDSEC_OK);
	assert_int_equal(floor, 2);
	assert_true(same_file(t.installed, t.v2));
	refusals = people_count_events(&d.p, MEDSEC_EV_CONFIG_CHANGED, NULL);
	assert_int_equal(setup_with(&d, &t, t.v1, err, sizeof(err)),
	    MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "version 1"));
	assert_non_null(strstr(err, "version 2"));
	assert_true(same_file(t.installed, t.v2));
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_CONFIG_CHANGED,
			     NULL), refusals + 1);
	/* The file swapped back by hand: refused at load. */
	copy_file(t.v1, t.installed);
	make_pkg(&d, "revoked-signer", 4, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, &d.p.admin, &id, err,
			     sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "rollback"));
	dev_teardown(&d);
}

/*
 * U9 (setup verifies before it writes): a key set not signed by root is
 * refused, the installed trust files stay as they were, the refusal is
 * audited, and packages keep staging.
 */
static void
test_attack_u9_setup_broken_keyset_changes_nothing(void **state)
{
	struct trust_files t;
	char pkg[160], err[512] = "", before[256];
	size_t refusals;
	struct dev d;

	(void)state;
	dev_setup(&d);
	trust_files(&d, &t);
	snprintf(before, sizeof(before), "%s/before.json", d.u.dir);
	copy_file(t.installed, before);
	refusals = people_count_events(&d.p, MEDSEC_EV_CONFIG_CHANGED, NULL);
	assert_int_equal(setup_with(&d, &t, t.forged, err, sizeof(err)),
	    MEDSEC_ERR_AUTH);
	assert_non_null(strstr(err, "root signature"));
	assert_true(same_file(t.installed, before));
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_CONFIG_CHANGED,
			     NULL), refusals + 1);
	make_pkg(&d, "p", 4, pkg, sizeof(pkg));
	(void)stage(&d, pkg);
	dev_teardown(&d);
}

/*
 * K1 (time poisoning), working clock: a validly signed package built in
 * 2099 is refused, naming its time, and the device's time is unmoved.
 */
static void
test_attack_k1_future_build_time_refused(void **state)
{
	char pkg[160], err[256] = "";
	int64_t id = 0;
	struct dev d;

	(void)state;
	dev_setup(&d);
	make_pkg_built(&d, "future", 4, Y2099_US, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, &d.p.admin, &id, err,
			     sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "2099-01-01"));
	assert_int_equal(time_floor_of(&d), 0);
	make_pkg(&d, "normal", 4, pkg, sizeof(pkg));
	(void)stage(&d, pkg);
	dev_teardown(&d);
}

/*
 * K1, dead clock (1970): the 2099 package cannot be judged and stages,
 * is rejected by the administrator, and leaves the device's time where
 * it was: a normal package still stages.
 */
static void
test_attack_k1_rejected_future_package_does_not_move_time(void **state)
{
	char future[160], pkg[160];
	struct dev d;
	int64_t id;

	(void)state;
	dev_setup(&d);
	make_pkg_built(&d, "future", 4, Y2099_US, future, sizeof(future));
	make_pkg(&d, "normal", 4, pkg, sizeof(pkg));
	d.p.clock.wall_us = 0;
	id = stage(&d, future);
	assert_int_equal(medsec_updater_reject(d.up, id, &d.p.admin,
			     "not ours"), MEDSEC_OK);
	assert_int_equal(time_floor_of(&d), 0);
	(void)stage(&d, pkg);
	dev_teardown(&d);
}

/*
 * K1, dead clock, and the 2099 package approved, installed and
 * committed: the trusted time moves by at most a day past what the
 * device knew, so normal packages still stage.
 */
static void
test_attack_k1_commit_bounds_time_step(void **state)
{
	char future[160], pkg[160];
	struct dev d;

	(void)state;
	dev_setup(&d);
	make_pkg_built(&d, "future", 4, Y2099_US, future, sizeof(future));
	make_pkg(&d, "normal", 5, pkg, sizeof(pkg));
	d.p.clock.wall_us = 0;
	(void)trial_of(&d, future);
	assert_int_equal(medsec_updater_commit(d.up, &d.p.admin), MEDSEC_OK);
	assert_true(time_floor_of(&d) > 0);
	assert_true(time_floor_of(&d) <= MEDSEC_UPDATE_CLOCK_EPOCH_US +
	    MEDSEC_UPDATE_MAX_AHEAD_US);
	(void)stage(&d, pkg);
	dev_teardown(&d);
}

/* Stage refuses path with code and a reason containing what; audited. */
static void
offer_refused(struct dev *d, const char *path, int code, const char *what)
{
	char err[256] = "";
	size_t before;
	int64_t id = 0;

	before = people_count_events(&d->p, MEDSEC_EV_UPDATE_REJECTED, NULL);
	assert_int_equal(medsec_updater_stage(d->up, path, &d->p.admin, &id,
			     err, sizeof(err)), code);
	if (strstr(err, what) == NULL)
		fail_msg("stage %s: '%s' lacks '%s'", path, err, what);
	assert_int_equal(people_count_events(&d->p, MEDSEC_EV_UPDATE_REJECTED,
			     NULL), before + 1);
}

/*
 * U12 (endless data): a FIFO is refused without waiting for a writer,
 * /dev/zero without reading it, a link is not followed; an offer that
 * cannot be read is audited; nothing is left in updates/.
 */
static void
test_attack_u12_stage_refuses_fifo_device_and_unreadable(void **state)
{
	char fifo[200], link[200], pkg[160], updates[400];
	struct dev d;

	(void)state;
	dev_setup(&d);
	snprintf(fifo, sizeof(fifo), "%s/offer.fifo", d.u.dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	offer_refused(&d, fifo, MEDSEC_ERR_INVALID, "FIFO");
	offer_refused(&d, "/dev/zero", MEDSEC_ERR_INVALID, "character device");
	offer_refused(&d, d.u.dir, MEDSEC_ERR_INVALID, "directory");
	make_pkg(&d, "p", 4, pkg, sizeof(pkg));
	snprintf(link, sizeof(link), "%s/offer.link", d.u.dir);
	assert_int_equal(symlink(pkg, link), 0);
	offer_refused(&d, link, MEDSEC_ERR_PERMISSION, "symbolic link");
	snprintf(link, sizeof(link), "%s/absent.msu", d.u.dir);
	offer_refused(&d, link, MEDSEC_ERR_NOT_FOUND, "absent.msu");
	snprintf(updates, sizeof(updates), "rmdir %s/updates", d.p.f.root);
	assert_int_equal(system(updates), 0); /* empty: nothing kept */
	dev_teardown(&d);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_attack_u21_commit_counter_write_fails),
	cmocka_unit_test(test_attack_u21_commit_time_floor_write_fails),
	cmocka_unit_test(test_attack_u21_commit_state_write_fails),
	cmocka_unit_test(test_attack_u21_commit_superseded_write_fails),
	cmocka_unit_test(test_attack_u21_stage_keyset_floor_write_fails),
	cmocka_unit_test(test_attack_u21_approve_state_write_fails),
	cmocka_unit_test(test_attack_l8_update_refused_while_trail_cannot_record),
	cmocka_unit_test(test_attack_u9_keyset_rollback_refused_at_setup_and_load),
	cmocka_unit_test(test_attack_u9_setup_broken_keyset_changes_nothing),
	cmocka_unit_test(test_attack_k1_future_build_time_refused),
	cmocka_unit_test(test_attack_k1_rejected_future_package_does_not_move_time),
	cmocka_unit_test(test_attack_k1_commit_bounds_time_step),
	cmocka_unit_test(test_attack_u12_stage_refuses_fifo_device_and_unreadable),
};

MEDSEC_TEST_MAIN(tests)
