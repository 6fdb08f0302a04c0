/*
 * The device side of updates: approval (MFDS 1.12), verification and
 * anti-rollback (1.13, 1.14), A/B install with trial, commit and
 * rollback, and power loss at every step of install and switch.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "faultio.h"
#include "people.h"
#include "testmain.h"
#include "updates.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/updater.h"

struct dev {
	struct people p;
	struct updates u;
	struct medsec_updater_options o;
	struct medsec_updater *up;
	struct medsec_subject approver;
};

static void
dev_open_updater(struct dev *d)
{
	assert_int_equal(medsec_updater_open(d->p.db, d->p.audit, &d->p.roles,
			     &d->o, &d->up), MEDSEC_OK);
}

static void
dev_setup(struct dev *d, int two_person)
{
	memset(d, 0, sizeof(*d));
	people_setup(&d->p);
	updates_setup(&d->u, 1);
	/* Package times follow the device's (fake) clock. */
	d->u.now_us = d->p.clock.wall_us;
	updates_keyset(&d->u, 1, 1, NULL, d->u.root);
	d->o.state_dir = d->p.f.root;
	d->o.trust_dir = d->u.trust;
	d->o.hardware_id = "hw-1";
	d->o.product = "carelink";
	d->o.two_person = two_person;
	d->o.max_trial_starts = 3;
	dev_open_updater(d);
	/* The administrator role does not approve updates by default in
	 * every deployment; the built-in one does. */
	d->approver = d->p.admin;
}

static void
dev_restart(struct dev *d)
{
	medsec_updater_close(d->up);
	people_restart(&d->p);
	dev_open_updater(d);
}

static void
dev_teardown(struct dev *d)
{
	medsec_updater_close(d->up);
	people_teardown(&d->p);
	updates_teardown(&d->u);
}

static void
make_pkg_v(struct dev *d, const char *name, uint64_t counter,
    const char *version, char *path, size_t len)
{
	static const size_t sizes[] = { 4000, 10 };

	updates_pack(&d->u, name, counter, version, sizes, 2, path, len);
	updates_sign(path, d->u.rel[0]);
}

static void
make_pkg(struct dev *d, const char *name, uint64_t counter, char *path,
    size_t len)
{
	make_pkg_v(d, name, counter, "1.0.0", path, len);
}

static void
digest_of(struct dev *d, int64_t id, char *out)
{
	struct medsec_update_record rec;

	assert_int_equal(medsec_updater_get(d->up, id, &rec), MEDSEC_OK);
	memcpy(out, rec.digest, 65);
}

static int64_t
stage_approve(struct dev *d, const char *name, uint64_t counter)
{
	char pkg[160], err[256] = "", digest[65];
	int64_t id = 0;

	make_pkg(d, name, counter, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d->up, pkg, &d->approver, &id,
			     err, sizeof(err)), MEDSEC_OK);
	digest_of(d, id, digest);
	assert_int_equal(medsec_updater_approve(d->up, id, digest, &d->approver,
			     1, err, sizeof(err)), MEDSEC_OK);
	return id;
}

static int
state_of(struct dev *d, int64_t id)
{
	struct medsec_update_record rec;

	assert_int_equal(medsec_updater_get(d->up, id, &rec), MEDSEC_OK);
	return rec.state;
}

static void
test_req_1_12_nothing_installs_without_approval(void **state)
{
	char pkg[160], err[256] = "";
	struct dev d;
	int64_t id = 0;

	(void)state;
	dev_setup(&d, 0);
	make_pkg(&d, "p1", 1, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_OK);
	assert_int_equal(state_of(&d, id), MEDSEC_UPD_AWAITING_APPROVAL);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "only an approved update installs"));
	dev_teardown(&d);
}

static void
test_req_1_12_approval_needs_permission_reauth_and_digest(void **state)
{
	struct medsec_subject nurse = { "nurse01", "local", "clinician" };
	char pkg[160], err[256] = "", digest[65];
	struct dev d;
	int64_t id = 0;

	(void)state;
	dev_setup(&d, 0);
	make_pkg(&d, "p1", 1, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_OK);
	digest_of(&d, id, digest);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &nurse, 1,
			     err, sizeof(err)), MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     0, err, sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "re-authentication"));
	digest[0] = digest[0] == 'a' ? 'b' : 'a';
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "digest mismatch"));
	digest_of(&d, id, digest);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_OK);
	/* Used once. */
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_ERR_STATE);
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_UPDATE_APPROVED,
			     NULL), 1);
	dev_teardown(&d);
}

static void
test_req_1_12_two_person_approval(void **state)
{
	struct medsec_subject second = { "admin2", "local", "administrator" };
	char pkg[160], err[256] = "", digest[65];
	struct dev d;
	int64_t id = 0;

	(void)state;
	dev_setup(&d, 1);
	make_pkg(&d, "p1", 1, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_OK);
	digest_of(&d, id, digest);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(state_of(&d, id), MEDSEC_UPD_AWAITING_APPROVAL);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "different administrator"));
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &second, 1,
			     err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(state_of(&d, id), MEDSEC_UPD_APPROVED);
	dev_teardown(&d);
}

/* Reads the one byte file a slot's bin/file1 starts with, or -1. */
static int
slot_complete(struct dev *d, const char *slot)
{
	char path[400];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/slots/%s/bin/file0", d->p.f.root,
	    slot);
	if (stat(path, &sb) != 0 || sb.st_size != 4000)
		return 0;
	snprintf(path, sizeof(path), "%s/slots/%s/bin/file1", d->p.f.root,
	    slot);
	return stat(path, &sb) == 0 && sb.st_size == 10;
}

static void
test_req_1_13_install_trial_commit(void **state)
{
	struct medsec_update_boot b;
	char err[256] = "";
	uint64_t counter = 0;
	struct dev d;
	int64_t id;

	(void)state;
	dev_setup(&d, 0);
	id = stage_approve(&d, "p1", 4);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_OK);
	dev_restart(&d);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "b");
	assert_true(b.trial);
	assert_true(slot_complete(&d, "b"));
	{
		char link[400], target[8];
		ssize_t n;

		/* slots/current follows the boot record for the launcher. */
		snprintf(link, sizeof(link), "%s/slots/current", d.p.f.root);
		n = readlink(link, target, sizeof(target));
		assert_int_equal(n, 1);
		assert_int_equal(target[0], 'b');
	}
	assert_int_equal(medsec_updater_commit(d.up, &d.approver), MEDSEC_OK);
	assert_int_equal(medsec_updater_counter(d.up, &counter), MEDSEC_OK);
	assert_int_equal(counter, 4);
	assert_int_equal(state_of(&d, id), MEDSEC_UPD_COMMITTED);
	dev_teardown(&d);
}

static void
test_req_1_13_failed_health_check_rolls_back(void **state)
{
	struct medsec_update_boot b;
	char err[256] = "";
	struct dev d;
	int64_t id1, id2;

	(void)state;
	dev_setup(&d, 0);
	id1 = stage_approve(&d, "p1", 4);
	assert_int_equal(medsec_updater_install(d.up, id1, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_int_equal(medsec_updater_commit(d.up, &d.approver), MEDSEC_OK);
	id2 = stage_approve(&d, "p2", 5);
	assert_int_equal(medsec_updater_install(d.up, id2, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "a");
	assert_int_equal(medsec_updater_health_failed(d.up, "pump self-test"),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "b");
	assert_false(b.trial);
	assert_int_equal(state_of(&d, id2), MEDSEC_UPD_ROLLED_BACK);
	assert_int_equal(state_of(&d, id1), MEDSEC_UPD_COMMITTED);
	assert_int_equal(people_count_events(&d.p,
			     MEDSEC_EV_UPDATE_ROLLED_BACK, "pump self-test"), 1);
	dev_teardown(&d);
}

static void
test_req_1_13_trial_starts_without_commit_roll_back(void **state)
{
	struct medsec_update_boot b;
	char err[256] = "";
	struct dev d;
	int64_t id;
	int i;

	(void)state;
	dev_setup(&d, 0);
	id = stage_approve(&d, "p1", 4);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
		assert_string_equal(b.active, "b");
	}
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "a");
	assert_int_equal(state_of(&d, id), MEDSEC_UPD_ROLLED_BACK);
	dev_teardown(&d);
}

static void
test_req_1_13_replay_and_rollback_refused(void **state)
{
	struct medsec_update_boot b;
	char pkg[160], pkg2[160], err[256] = "";
	struct dev d;
	int64_t id, id2 = 0;

	(void)state;
	dev_setup(&d, 0);
	id = stage_approve(&d, "p1", 4);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_int_equal(medsec_updater_commit(d.up, &d.approver), MEDSEC_OK);
	snprintf(pkg, sizeof(pkg), "%s/p1.msu", d.u.dir);
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id2, err,
			     sizeof(err)), MEDSEC_ERR_EXISTS);
	assert_non_null(strstr(err, "replay"));
	make_pkg(&d, "older", 3, pkg2, sizeof(pkg2));
	assert_int_equal(medsec_updater_stage(d.up, pkg2, NULL, &id2, err,
			     sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "rollback"));
	assert_true(people_count_events(&d.p, MEDSEC_EV_UPDATE_REJECTED,
			"rollback") >= 1);
	dev_teardown(&d);
}

static void
test_req_1_13_downgrade_needs_authorisation_and_approval(void **state)
{
	struct medsec_update_record rec;
	struct medsec_update_boot b;
	char pkg[160], err[256] = "", committed[65], digest[65];
	uint64_t counter = 0;
	struct dev d;
	int64_t id, id2 = 0;

	(void)state;
	dev_setup(&d, 0);
	id = stage_approve(&d, "p1", 4);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_int_equal(medsec_updater_commit(d.up, &d.approver), MEDSEC_OK);
	digest_of(&d, id, committed);
	/* An authorisation for some other release is refused. */
	d.u.downgrade_of =
	    "00000000000000000000000000000000000000000000000000000000000000ff";
	make_pkg(&d, "wrong", 2, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id2, err,
			     sizeof(err)), MEDSEC_ERR_STATE);
	assert_non_null(strstr(err, "not the running release"));
	/* Bound to the running release's digest: staged as a downgrade. */
	d.u.downgrade_of = committed;
	make_pkg(&d, "back", 2, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id2, err,
			     sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_updater_get(d.up, id2, &rec), MEDSEC_OK);
	assert_true(rec.downgrade);
	digest_of(&d, id2, digest);
	assert_int_equal(medsec_updater_approve(d.up, id2, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_updater_install(d.up, id2, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_int_equal(medsec_updater_commit(d.up, &d.approver), MEDSEC_OK);
	/* The anti-rollback floor does not go down with it. */
	assert_int_equal(medsec_updater_counter(d.up, &counter), MEDSEC_OK);
	assert_int_equal(counter, 4);
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_UPDATE_APPROVED,
			     "DOWNGRADE"), 1);
	dev_teardown(&d);
}

static void
install_commit(struct dev *d, int64_t id)
{
	struct medsec_update_boot b;
	char err[256] = "";

	assert_int_equal(medsec_updater_install(d->up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d->up, &b), MEDSEC_OK);
	assert_int_equal(medsec_updater_commit(d->up, &d->approver),
	    MEDSEC_OK);
}

/* U5: same counter, older version: accepted as documented, as DOWNGRADE. */
static void
test_req_1_13_same_counter_older_version_marked_downgrade(void **state)
{
	struct medsec_update_record rec;
	char pkg[160], err[256] = "", digest[65];
	struct dev d;
	int64_t id = 0;

	(void)state;
	dev_setup(&d, 0);
	make_pkg_v(&d, "v2", 4, "2.0.0", pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_OK);
	digest_of(&d, id, digest);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_OK);
	install_commit(&d, id);
	make_pkg_v(&d, "v19", 4, "1.9.0", pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_updater_get(d.up, id, &rec), MEDSEC_OK);
	assert_true(rec.downgrade);
	assert_non_null(strstr(rec.reason, "DOWNGRADE"));
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_UPDATE_VERIFIED,
			     "DOWNGRADE"), 1);
	dev_teardown(&d);
}

/* U15: an approval is for one manifest, not for what replaces its file. */
static void
test_req_1_12_approval_not_transferable(void **state)
{
	struct medsec_update_boot b;
	char other[160], parked[400], digest[65], err[256] = "", cmd[1024];
	struct dev d;
	int64_t id;

	(void)state;
	dev_setup(&d, 0);
	id = stage_approve(&d, "p1", 4);
	digest_of(&d, id, digest);
	make_pkg(&d, "p2", 9, other, sizeof(other));
	snprintf(parked, sizeof(parked), "%s/updates/%s.msu", d.p.f.root,
	    digest);
	assert_int_equal(access(parked, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", other, parked);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_ERR_TAMPERED);
	assert_non_null(strstr(err, "not the approved manifest"));
	assert_int_equal(medsec_updater_boot_state(d.up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "a");
	assert_int_equal(state_of(&d, id), MEDSEC_UPD_REJECTED);
	dev_teardown(&d);
}

/* The offered file can change after staging: the device kept a copy. */
static void
test_req_1_13_staged_copy_is_what_installs(void **state)
{
	char pkg[160], err[256] = "", digest[65], cmd[512];
	struct medsec_update_boot b;
	struct dev d;
	int64_t id = 0;

	(void)state;
	dev_setup(&d, 0);
	make_pkg(&d, "p1", 4, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_OK);
	snprintf(cmd, sizeof(cmd), "printf garbage > '%s'", pkg);
	assert_int_equal(system(cmd), 0);
	digest_of(&d, id, digest);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "b");
	dev_teardown(&d);
}

/* U20: storage full at every step of an install. */
static void
test_req_1_13_disk_full_during_install_leaves_system_running(void **state)
{
	struct medsec_update_boot b;
	char err[256], staging[400];
	unsigned long k;
	struct dev d;
	int64_t id;
	int r = MEDSEC_ERR_NOSPACE;

	(void)state;
	dev_setup(&d, 0);
	id = stage_approve(&d, "p1", 4);
	snprintf(staging, sizeof(staging), "%s/slots/.b.new", d.p.f.root);
	for (k = 1; r != MEDSEC_OK && k < 300; k++) {
		faultio_install();
		faultio_fail_at(k, ENOSPC, 1);
		r = medsec_updater_install(d.up, id, err, sizeof(err));
		faultio_uninstall();
		/* Space freed: events held in memory go to the trail. */
		if (medsec_audit_degraded(d.p.audit, NULL, NULL))
			assert_int_equal(medsec_audit_reopen(d.p.audit),
			    MEDSEC_OK);
		assert_int_equal(medsec_updater_boot_state(d.up, &b), MEDSEC_OK);
		/*
		 * Installed, but only its record was held in memory: the
		 * caller was told so, and the record is written now.
		 */
		if (r == MEDSEC_ERR_AUDIT_DEGRADED) {
			assert_non_null(strstr(err, "installed"));
			assert_int_equal(state_of(&d, id), MEDSEC_UPD_INSTALLED);
			r = MEDSEC_OK;
		}
		if (r == MEDSEC_OK)
			break;
		/* Clean error, nothing half-made, still approved, old slot. */
		assert_string_equal(b.active, "a");
		assert_false(b.trial);
		assert_int_not_equal(access(staging, F_OK), 0);
		assert_int_equal(state_of(&d, id), MEDSEC_UPD_APPROVED);
	}
	assert_int_equal(r, MEDSEC_OK);
	/* The first k - 1 operations each failed the install once. */
	assert_true(k > 1);
	assert_string_equal(b.active, "b");
	assert_int_equal(medsec_audit_checkpoint(d.p.audit), MEDSEC_OK);
	{
		struct medsec_audit_verify_result res;

		assert_int_equal(fixture_verify(&d.p.f, 1, &res), MEDSEC_OK);
	}
	dev_teardown(&d);
}

static void
test_updater_clock_set_back_does_not_revive_expired(void **state)
{
	char old[160], err[256] = "";
	int64_t t0, id = 0;
	struct dev d;

	(void)state;
	dev_setup(&d, 0);
	t0 = d.p.clock.wall_us;
	make_pkg(&d, "old", 4, old, sizeof(old)); /* expires t0 + 1 year */
	/*
	 * Two years on, a new release is installed and committed: that
	 * teaches the device the time (only a committed install does).
	 */
	d.p.clock.wall_us += INT64_C(2) * 365 * 86400 * 1000000;
	d.u.now_us = d.p.clock.wall_us;
	id = stage_approve(&d, "new", 5);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, NULL), MEDSEC_OK);
	assert_int_equal(medsec_updater_commit(d.up, &d.approver), MEDSEC_OK);
	/* The clock set back: the old manifest stays expired. */
	d.p.clock.wall_us = t0;
	assert_int_equal(medsec_updater_stage(d.up, old, NULL, &id, err,
			     sizeof(err)), MEDSEC_ERR_EXPIRED);
	dev_teardown(&d);
}

static void
test_updater_dead_clock_battery_does_not_brick(void **state)
{
	char pkg[160], err[256] = "";
	struct dev d;
	int64_t id = 0;

	(void)state;
	dev_setup(&d, 0);
	make_pkg(&d, "p1", 4, pkg, sizeof(pkg));
	/* The RTC lost power and reads 1970: nothing is "not yet valid". */
	d.p.clock.wall_us = 0;
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_OK);
	dev_teardown(&d);
}

static void
test_req_1_13_refused_package_recorded_nothing_installed(void **state)
{
	static const size_t sizes[] = { 10 };
	struct medsec_update_boot b;
	char pkg[160], err[256] = "", slots[300];
	struct dev d;
	int64_t id = 0;

	(void)state;
	dev_setup(&d, 0);
	updates_pack(&d.u, "unsigned", 1, "1.0.0", sizes, 1, pkg,
	    sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, NULL, &id, err,
			     sizeof(err)), MEDSEC_ERR_AUTH);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "a");
	snprintf(slots, sizeof(slots), "%s/slots/b", d.p.f.root);
	assert_int_not_equal(access(slots, F_OK), 0);
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_UPDATE_REJECTED,
			     "not signed"), 1);
	dev_teardown(&d);
}

/*
 * Checks every update record: details parse as a JSON object and carry
 * product and version whole. Returns how many records there are.
 */
static size_t
check_update_records(struct dev *d, const char *product,
    const char *version, uint64_t counter)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	json_t *o;
	size_t n = 0;
	int r, received;

	assert_int_equal(medsec_audit_reader_open(d->p.f.audit, &rd),
	    MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (rec.event < MEDSEC_EV_UPDATE_RECEIVED ||
		    rec.event > MEDSEC_EV_UPDATE_ROLLED_BACK)
			continue;
		assert_non_null(o = json_loads(rec.details,
				    JSON_REJECT_DUPLICATES, NULL));
		/* The receipt is written before the manifest is verified,
		 * from a first look that takes only digest and version. */
		received = rec.event == MEDSEC_EV_UPDATE_RECEIVED;
		assert_string_equal(json_string_value(json_object_get(o,
					"product")), received ? "" : product);
		assert_string_equal(json_string_value(json_object_get(o,
					"version")), version);
		assert_int_equal(json_string_length(json_object_get(o,
				     "digest")), 64);
		assert_int_equal(json_integer_value(json_object_get(o,
				     "security_counter")),
		    received ? 0 : counter);
		json_decref(o);
		n++;
	}
	assert_int_equal(r, 0);
	medsec_audit_reader_close(rd);
	return n;
}

/*
 * The longest product name (63 characters), version (31) and security
 * counter (19 digits) a manifest may carry: receipt, verification,
 * approval, installation and commit are each recorded, with all three
 * whole. Their details once went through a 256-byte buffer that cut them
 * off, and the record was refused.
 */
static void
test_req_2_1_update_records_keep_longest_product_and_version(void **state)
{
	static const char product[] =
	    "p2345678901234567890123456789012345678901234567890123456789012"
	    "3";
	static const char version[] = "65535.65535.65535-rc.123456789a";
	/* A security counter of 19 digits, the most a manifest holds. */
	const uint64_t counter = 9000000000000000000u;
	char pkg[160], err[256] = "", digest[65];
	struct dev d;
	int64_t id = 0;

	(void)state;
	assert_int_equal(strlen(product), 63);
	assert_int_equal(strlen(version), 31);
	dev_setup(&d, 0);
	medsec_updater_close(d.up);
	d.o.product = product;
	dev_open_updater(&d);
	d.u.product = product;
	make_pkg_v(&d, "longest", counter, version, pkg, sizeof(pkg));
	assert_int_equal(medsec_updater_stage(d.up, pkg, &d.approver, &id,
			     err, sizeof(err)), MEDSEC_OK);
	digest_of(&d, id, digest);
	assert_int_equal(medsec_updater_approve(d.up, id, digest, &d.approver,
			     1, err, sizeof(err)), MEDSEC_OK);
	install_commit(&d, id);
	assert_int_equal(state_of(&d, id), MEDSEC_UPD_COMMITTED);
	assert_int_equal(people_count_events(&d.p, MEDSEC_EV_UPDATE_RECEIVED,
			     NULL), 1);
	assert_int_equal(check_update_records(&d, product, version,
			     counter), 5);
	dev_teardown(&d);
}

/* The child's handles are gone: this is the next start. */
static void
after_crash(struct dev *d)
{
	medsec_updater_close(d->up);
	medsec_identity_close(d->p.id);
	medsec_sessions_close(d->p.sessions);
	(void)medsec_audit_close(d->p.audit);
	medsec_db_close(d->p.db);
	assert_int_equal(medsec_db_open(d->p.dbpath, 0, &d->p.db), MEDSEC_OK);
	assert_int_equal(medsec_audit_open(d->p.f.audit, d->p.f.ks,
			     &d->p.f.opts, &d->p.audit, NULL), MEDSEC_OK);
	assert_int_equal(medsec_sessions_open(d->p.db, d->p.audit,
			     &d->p.sopts, &d->p.sessions), MEDSEC_OK);
	assert_int_equal(medsec_identity_open(d->p.db, d->p.audit,
			     &d->p.roles, d->p.sessions, &d->p.iopts, &d->p.id),
	    MEDSEC_OK);
	dev_open_updater(d);
}

/* U19: power lost while rolling back a failed trial. */
static void
rollback_crash_sweep(int mode)
{
	struct medsec_audit_verify_result res;
	struct medsec_update_boot b;
	struct dev d;
	unsigned long k;
	int status, done = 0;
	int64_t id1, id2;
	pid_t pid;

	for (k = 1; !done && k < 200; k++) {
		dev_setup(&d, 0);
		id1 = stage_approve(&d, "p1", 4);
		install_commit(&d, id1);
		id2 = stage_approve(&d, "p2", 5);
		assert_int_equal(medsec_updater_install(d.up, id2, NULL, 0),
		    MEDSEC_OK);
		assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
		assert_string_equal(b.active, "a");
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			faultio_install();
			faultio_crash_at(k, mode);
			_exit(medsec_updater_health_failed(d.up, "self-test") ==
			    MEDSEC_OK ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		done = WEXITSTATUS(status) == 0;
		if (!done)
			assert_int_equal(WEXITSTATUS(status),
			    FAULTIO_CRASH_EXIT);
		after_crash(&d);
		assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
		/* Old or new, always a complete slot; back on b once done. */
		assert_true(slot_complete(&d, b.active));
		if (done)
			assert_string_equal(b.active, "b");
		assert_int_equal(medsec_audit_checkpoint(d.p.audit), MEDSEC_OK);
		assert_int_equal(fixture_verify(&d.p.f, 1, &res), MEDSEC_OK);
		dev_teardown(&d);
	}
	assert_true(done);
	/* k - 1 ran to the end; each earlier run crashed at its k. */
	assert_true(k - 1 > 1);
}

static void
test_req_1_13_power_loss_during_rollback(void **state)
{
	(void)state;
	rollback_crash_sweep(FAULTIO_PROCESS);
	rollback_crash_sweep(FAULTIO_POWER_DROP);
}

/*
 * Kills the installer at every I/O step (as a process kill and as a
 * power cut), then starts the device: it always runs a complete slot,
 * and the audit trail verifies.
 */
static void
crash_sweep(int mode)
{
	struct medsec_audit_verify_result res;
	struct medsec_update_boot b;
	char err[256];
	struct dev d;
	unsigned long k;
	int status, done = 0;
	int64_t id;
	pid_t pid;

	for (k = 1; !done && k < 400; k++) {
		dev_setup(&d, 0);
		id = stage_approve(&d, "p1", 4);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			faultio_install();
			faultio_crash_at(k, mode);
			_exit(medsec_updater_install(d.up, id, err,
			    sizeof(err)) == MEDSEC_OK ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		done = WEXITSTATUS(status) == 0;
		if (!done)
			assert_int_equal(WEXITSTATUS(status),
			    FAULTIO_CRASH_EXIT);
		after_crash(&d);
		assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
		if (strcmp(b.active, "b") == 0)
			assert_true(slot_complete(&d, "b"));
		else
			assert_string_equal(b.active, "a");
		if (done)
			assert_string_equal(b.active, "b");
		/* Not half-done: approved again, or installed. */
		assert_true(state_of(&d, id) == MEDSEC_UPD_APPROVED ||
		    state_of(&d, id) == MEDSEC_UPD_INSTALLED ||
		    state_of(&d, id) == MEDSEC_UPD_REJECTED);
		assert_int_equal(medsec_audit_checkpoint(d.p.audit), MEDSEC_OK);
		assert_int_equal(fixture_verify(&d.p.f, 1, &res), MEDSEC_OK);
		dev_teardown(&d);
	}
	assert_true(done);
	/* k - 1 ran to the end; each earlier run crashed at its k. */
	assert_true(k - 1 > 1);
}

static void
test_req_1_13_power_loss_during_install_process_kill(void **state)
{
	(void)state;
	crash_sweep(FAULTIO_PROCESS);
}

static void
test_req_1_13_power_loss_during_install_power_cut(void **state)
{
	(void)state;
	crash_sweep(FAULTIO_POWER_DROP);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_12_nothing_installs_without_approval),
	cmocka_unit_test(test_req_1_12_approval_needs_permission_reauth_and_digest),
	cmocka_unit_test(test_req_1_12_two_person_approval),
	cmocka_unit_test(test_req_1_13_install_trial_commit),
	cmocka_unit_test(test_req_1_13_failed_health_check_rolls_back),
	cmocka_unit_test(test_req_1_13_trial_starts_without_commit_roll_back),
	cmocka_unit_test(test_req_1_13_replay_and_rollback_refused),
	cmocka_unit_test(test_req_1_13_downgrade_needs_authorisation_and_approval),
	cmocka_unit_test(test_req_1_13_same_counter_older_version_marked_downgrade),
	cmocka_unit_test(test_req_1_13_disk_full_during_install_leaves_system_running),
	cmocka_unit_test(test_req_1_12_approval_not_transferable),
	cmocka_unit_test(test_req_1_13_staged_copy_is_what_installs),
	cmocka_unit_test(test_updater_clock_set_back_does_not_revive_expired),
	cmocka_unit_test(test_updater_dead_clock_battery_does_not_brick),
	cmocka_unit_test(test_req_1_13_refused_package_recorded_nothing_installed),
	cmocka_unit_test(test_req_2_1_update_records_keep_longest_product_and_version),
	cmocka_unit_test(test_req_1_13_power_loss_during_install_process_kill),
	cmocka_unit_test(test_req_1_13_power_loss_during_install_power_cut),
	cmocka_unit_test(test_req_1_13_power_loss_during_rollback),
};

MEDSEC_TEST_MAIN(tests)
