/*
 * Storage faults under the security operations (TESTING.md S1, S2, S3,
 * S5, U19, U21). The database is under the fault shim too (faultio_vfs.c),
 * so every crash point and failed operation below may hit a SQLite write,
 * sync, truncation or deletion as well as medsec's own files.
 *
 * Each scenario brings a copy of a provisioned device to the state before
 * one operation, then runs the operation in a child process that opens
 * the device with the shim installed:
 *  - crash-point loops: count the operation's I/O operations N, then for
 *    k = 1..N crash at k, as a killed process (S2) and as a power cut that
 *    loses or garbles every unsynced write (S1);
 *  - I/O-error loops: fail operation k once, and every operation from k
 *    on (S3; on the counter write, U21).
 * The parent then starts the device again and checks what must hold
 * after any crash or fault:
 *  - the database passes SQLite's integrity check, and the trail verifies;
 *  - the trail never claims what the database did not commit (a record of
 *    a lock, an account, a role, an approval, an install, a commit or a
 *    rollback means the database holds it);
 *  - an operation that answered success did it and recorded it; a login
 *    answered "wrong password" counted the failure: at the limit, the
 *    account is locked, or else the caller was told something went wrong;
 *  - the anti-rollback counter never goes down, and moves only together
 *    with the commit it belongs to;
 *  - the running slot is complete.
 * Every loop asserts how many operations it covered and that every k
 * fired a crash or a fault.
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <errno.h>
#include <ftw.h>
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

#include "faultio.h"
#include "people.h"
#include "testmain.h"
#include "updates.h"
#include "medsec/audit.h"
#include "medsec/err.h"
#include "medsec/updater.h"

#define WRONG_PASSWORD "Wrong-Horse-8"
#define NEW_USER "tech1"
#define NEW_USER_PASSWORD "Tech-Battery-Staple-5"

/* A state directory and the handles a start of the device opens. */
struct device {
	char root[64];
	struct fixture f;
	char dbpath[128];
	struct medsec_db *db;
	struct medsec_audit *audit;
	struct medsec_sessions *sessions;
	struct medsec_identity *id;
	struct medsec_updater *up;
	struct medsec_updater_options uo;
};

/* The provisioned device every scenario starts from, and its options. */
static struct people base;
static struct updates upd;
static struct medsec_updater_options base_uo;
static struct medsec_subject admin;
static char pkg_p1[160], pkg_p2[160];
/* The iteration being checked, for failure messages. */
static char where[160];
/* The operation's trail was left degraded (records held in memory). */
static int op_degraded;

struct scenario;

struct snapshot {
	size_t events;	 /* records of the scenario's event before the op */
	uint64_t counter; /* anti-rollback floor before the op */
	int64_t update_id; /* the package the op works on */
	char digest[65];
};

struct scenario {
	const char *name;
	int event;	      /* what the trail records on success */
	const char *object;   /* ... about this object */
	int updates;	      /* needs the updater */
	void (*prepare)(struct device *d, struct snapshot *s);
	int (*op)(struct device *d, const struct snapshot *s);
	void (*check)(struct device *d, const struct snapshot *s, int r,
	    int crashed, size_t recorded);
	char tree[64];	      /* the device in the state before the op */
	struct snapshot snap;
};

/* What the child reports: the operation's result and the shim's view. */
struct report {
	int r;
	unsigned long ops;
	unsigned long faults;
	int degraded; /* the trail holds records it could not write */
};

static void
device_paths(struct device *d, const char *root)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->root, sizeof(d->root), "%s", root);
	d->f = base.f;
	d->f.ks = NULL;
	snprintf(d->f.root, sizeof(d->f.root), "%s", root);
	snprintf(d->f.keys, sizeof(d->f.keys), "%s/keys", root);
	snprintf(d->f.audit, sizeof(d->f.audit), "%s/audit", root);
	snprintf(d->f.verifier, sizeof(d->f.verifier), "%s/verifier.key",
	    root);
	snprintf(d->dbpath, sizeof(d->dbpath), "%s/medsec.db", root);
	d->uo = base_uo;
	d->uo.state_dir = d->root;
}

static void device_close(struct device *d);

/* Starts the device; the first failure's code, all or nothing open. */
static int
device_open(struct device *d, int updates)
{
	int r;

	if ((r = medsec_keystore_open(d->f.keys, &d->f.ks)) != MEDSEC_OK ||
	    (r = medsec_db_open(d->dbpath, 0, &d->db)) != MEDSEC_OK ||
	    (r = medsec_audit_open(d->f.audit, d->f.ks, &d->f.opts, &d->audit,
		 NULL)) != MEDSEC_OK ||
	    (r = medsec_sessions_open(d->db, d->audit, &base.sopts,
		 &d->sessions)) != MEDSEC_OK ||
	    (r = medsec_identity_open(d->db, d->audit, &base.roles,
		 d->sessions, &base.iopts, &d->id)) != MEDSEC_OK ||
	    (updates && (r = medsec_updater_open(d->db, d->audit,
		 &base.roles, &d->uo, &d->up)) != MEDSEC_OK)) {
		device_close(d);
		return r;
	}
	return MEDSEC_OK;
}

static void
device_close(struct device *d)
{
	medsec_updater_close(d->up);
	medsec_identity_close(d->id);
	medsec_sessions_close(d->sessions);
	if (d->audit != NULL)
		assert_int_equal(medsec_audit_close(d->audit), MEDSEC_OK);
	medsec_db_close(d->db);
	medsec_keystore_close(d->f.ks);
	d->up = NULL;
	d->id = NULL;
	d->sessions = NULL;
	d->audit = NULL;
	d->db = NULL;
	d->f.ks = NULL;
}

static void
fresh_copy(const char *from, char *root, size_t len)
{
	snprintf(root, len, "/tmp/medsec-storage-XXXXXX");
	assert_non_null(mkdtemp(root));
	fixture_rmrf(root);
	fixture_copy_tree(from, root);
}

/* Records of event about object in the trail (all, if object NULL). */
static size_t
count_events(struct device *d, int event, const char *object)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	size_t n = 0;
	int r;

	assert_int_equal(medsec_audit_checkpoint(d->audit), MEDSEC_OK);
	assert_int_equal(medsec_audit_reader_open(d->f.audit, &rd),
	    MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1)
		if (rec.event == event &&
		    (object == NULL || strcmp(rec.object, object) == 0))
			n++;
	assert_int_equal(r, 0);
	medsec_audit_reader_close(rd);
	return n;
}

static void
assert_db_intact(struct device *d)
{
	struct medsec_db_stmt *st = NULL;

	assert_int_equal(medsec_db_prepare(d->db, "PRAGMA integrity_check",
			     &st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	assert_string_equal(medsec_db_column_text(st, 0), "ok");
	medsec_db_finalize(st);
}

static void
assert_trail_verifies(struct device *d)
{
	struct medsec_audit_verify_result res;

	assert_int_equal(medsec_audit_checkpoint(d->audit), MEDSEC_OK);
	if (fixture_verify(&d->f, 1, &res) != MEDSEC_OK)
		fail_msg("%s: audit verify: %s (seq %llu)", where,
		    res.message, (unsigned long long)res.bad_seq);
}

static int
update_state(struct device *d, int64_t id)
{
	struct medsec_update_record rec;

	assert_int_equal(medsec_updater_get(d->up, id, &rec), MEDSEC_OK);
	return rec.state;
}

static uint64_t
counter_of(struct device *d)
{
	uint64_t c = 0;

	assert_int_equal(medsec_updater_counter(d->up, &c), MEDSEC_OK);
	return c;
}

static int
slot_complete(struct device *d, const char *slot)
{
	char path[400];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/slots/%s/bin/file0", d->root, slot);
	if (stat(path, &sb) != 0 || sb.st_size != 4000)
		return 0;
	snprintf(path, sizeof(path), "%s/slots/%s/bin/file1", d->root, slot);
	return stat(path, &sb) == 0 && sb.st_size == 10;
}

/* ---- the operations ---- */

static int
op_failed_login(struct device *d, const struct snapshot *s)
{
	struct medsec_account acct;

	(void)s;
	return medsec_identity_authenticate(d->id, "nurse", WRONG_PASSWORD,
	    strlen(WRONG_PASSWORD), "local", &acct);
}

static void
prepare_lockout(struct device *d, struct snapshot *s)
{
	struct medsec_account acct;

	(void)s;
	/* One failure short of the lock. */
	for (uint32_t i = 0; i + 1 < base.iopts.max_failures; i++)
		assert_int_equal(op_failed_login(d, NULL),
		    MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(medsec_identity_user_get(d->id, "nurse", &acct),
	    MEDSEC_OK);
	assert_int_equal(acct.failures, base.iopts.max_failures - 1);
	assert_int_equal(acct.locked_until_us, 0);
}

static void
check_lockout(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	struct medsec_account acct;
	int locked;

	(void)s;
	assert_int_equal(medsec_identity_user_get(d->id, "nurse", &acct),
	    MEDSEC_OK);
	locked = acct.locked_until_us != 0;
	/* The trail never says "locked" about an account that is not. */
	if (recorded > 0 && !locked)
		fail_msg("%s: ACCOUNT_LOCKED recorded, lock not in the "
			 "database", where);
	/* The counter and the lock it triggers are one write. */
	if (acct.failures >= base.iopts.max_failures && !locked)
		fail_msg("%s: %u failures and no lock", where,
		    acct.failures);
	/*
	 * "Wrong password" means the failure counted: the lock holds, and
	 * is recorded, or its record is held by a trail flagged degraded
	 * (the login is refused either way; the operator sees the flag).
	 */
	if (!crashed && r == MEDSEC_ERR_LOGIN_FAILED && (!locked ||
	    (recorded == 0 && !op_degraded)))
		fail_msg("%s: login answered \"wrong password\" but the lock "
			 "is %s and %s", where, locked ? "recorded" :
		    "not recorded", recorded ? "audited" : "not audited");
	/* Locked, or the attempt left nothing behind and the user gets in. */
	assert_int_equal(medsec_identity_authenticate(d->id, "nurse",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD),
			     "local", &acct), locked ? MEDSEC_ERR_LOCKED :
	    MEDSEC_OK);
}

static int
op_user_add(struct device *d, const struct snapshot *s)
{
	char why[256];

	(void)s;
	return medsec_identity_user_add(d->id, &admin, NEW_USER, "clinician",
	    0, NEW_USER_PASSWORD, strlen(NEW_USER_PASSWORD), why,
	    sizeof(why));
}

static void
check_user_add(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	struct medsec_account acct;
	int exists;

	(void)s;
	exists = medsec_identity_user_get(d->id, NEW_USER, &acct) ==
	    MEDSEC_OK;
	if (recorded > 0 && !exists)
		fail_msg("%s: USER_CREATED recorded, no account", where);
	if (!crashed && r == MEDSEC_OK && (!exists || recorded == 0))
		fail_msg("%s: user add succeeded: account %s, record %s",
		    where, exists ? "exists" : "missing",
		    recorded ? "present" : "missing");
	if (exists)
		assert_string_equal(acct.roles, "clinician");
}

static int
op_disable(struct device *d, const struct snapshot *s)
{
	(void)s;
	return medsec_identity_user_set_disabled(d->id, &admin, "nurse", 1);
}

static void
check_disable(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	struct medsec_account acct;

	(void)s;
	assert_int_equal(medsec_identity_user_get(d->id, "nurse", &acct),
	    MEDSEC_OK);
	if (recorded > 0 && !acct.disabled)
		fail_msg("%s: USER_DISABLED recorded, account enabled",
		    where);
	if (!crashed && r == MEDSEC_OK && (!acct.disabled || recorded == 0))
		fail_msg("%s: disable succeeded: account %s, record %s",
		    where, acct.disabled ? "disabled" : "enabled",
		    recorded ? "present" : "missing");
	assert_int_equal(medsec_identity_authenticate(d->id, "nurse",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD),
			     "local", &acct), acct.disabled ?
	    MEDSEC_ERR_DISABLED : MEDSEC_OK);
}

static int
op_role_change(struct device *d, const struct snapshot *s)
{
	(void)s;
	return medsec_identity_user_roles(d->id, &admin, "nurse", "auditor",
	    NULL);
}

static void
check_role_change(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	struct medsec_account acct;
	int changed;

	(void)s;
	assert_int_equal(medsec_identity_user_get(d->id, "nurse", &acct),
	    MEDSEC_OK);
	changed = strstr(acct.roles, "auditor") != NULL;
	if (recorded > 0 && !changed)
		fail_msg("%s: ROLE_CHANGED recorded, roles \"%s\"", where,
		    acct.roles);
	if (!crashed && r == MEDSEC_OK && (!changed || recorded == 0))
		fail_msg("%s: role change succeeded: roles \"%s\", record %s",
		    where, acct.roles, recorded ? "present" : "missing");
	assert_non_null(strstr(acct.roles, "clinician"));
}

/* The update scenarios start from p1 (counter 4) installed and committed. */

static void
snapshot_update(struct device *d, struct snapshot *s, int64_t id)
{
	struct medsec_update_record rec;

	s->update_id = id;
	s->counter = counter_of(d);
	assert_int_equal(medsec_updater_get(d->up, id, &rec), MEDSEC_OK);
	memcpy(s->digest, rec.digest, sizeof(s->digest));
}

static int64_t
stage_p2(struct device *d)
{
	char err[256] = "";
	int64_t id = 0;

	assert_int_equal(medsec_updater_stage(d->up, pkg_p2, &admin, &id, err,
			     sizeof(err)), MEDSEC_OK);
	return id;
}

static void
approve(struct device *d, int64_t id)
{
	struct medsec_update_record rec;
	char err[256] = "";

	assert_int_equal(medsec_updater_get(d->up, id, &rec), MEDSEC_OK);
	assert_int_equal(medsec_updater_approve(d->up, id, rec.digest, &admin,
			     1, err, sizeof(err)), MEDSEC_OK);
}

static void
prepare_stage(struct device *d, struct snapshot *s)
{
	s->update_id = 0;
	s->counter = counter_of(d);
}

static int
op_stage(struct device *d, const struct snapshot *s)
{
	char err[256] = "";
	int64_t id = 0;

	(void)s;
	return medsec_updater_stage(d->up, pkg_p2, &admin, &id, err,
	    sizeof(err));
}

struct find_p2 {
	const char *version;
	int64_t id;
	int state;
	size_t n;
};

static int
find_version(const struct medsec_update_record *rec, void *ctx)
{
	struct find_p2 *f = ctx;

	if (strcmp(rec->version, f->version) == 0) {
		f->id = rec->id;
		f->state = rec->state;
		f->n++;
	}
	return 0;
}

static void
check_stage(struct device *d, const struct snapshot *s, int r, int crashed,
    size_t recorded)
{
	struct find_p2 f = { "2.0.0", 0, 0, 0 };

	assert_int_equal(medsec_updater_list(d->up, find_version, &f),
	    MEDSEC_OK);
	assert_true(f.n <= 1);
	if (recorded > 0 && (f.n == 0 ||
	    f.state != MEDSEC_UPD_AWAITING_APPROVAL))
		fail_msg("%s: UPDATE_VERIFIED recorded, package %s", where,
		    f.n == 0 ? "unknown" : medsec_update_state_name(f.state));
	if (!crashed && r == MEDSEC_OK && (f.n == 0 || recorded == 0))
		fail_msg("%s: stage succeeded: package %s, record %s",
		    where, f.n ? "recorded" : "missing",
		    recorded ? "present" : "missing");
	assert_int_equal(counter_of(d), s->counter);
}

static void
prepare_approve(struct device *d, struct snapshot *s)
{
	snapshot_update(d, s, stage_p2(d));
}

static int
op_approve(struct device *d, const struct snapshot *s)
{
	char err[256] = "";

	return medsec_updater_approve(d->up, s->update_id, s->digest, &admin,
	    1, err, sizeof(err));
}

static void
check_approve(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	int state = update_state(d, s->update_id);

	assert_true(state == MEDSEC_UPD_AWAITING_APPROVAL ||
	    state == MEDSEC_UPD_APPROVED);
	if (recorded > 0 && state != MEDSEC_UPD_APPROVED)
		fail_msg("%s: UPDATE_APPROVED recorded, package %s", where,
		    medsec_update_state_name(state));
	if (!crashed && r == MEDSEC_OK && (state != MEDSEC_UPD_APPROVED ||
	    recorded == 0))
		fail_msg("%s: approve succeeded: package %s, record %s",
		    where, medsec_update_state_name(state),
		    recorded ? "present" : "missing");
	assert_int_equal(counter_of(d), s->counter);
}

static void
prepare_install(struct device *d, struct snapshot *s)
{
	int64_t id = stage_p2(d);

	approve(d, id);
	snapshot_update(d, s, id);
}

static int
op_install(struct device *d, const struct snapshot *s)
{
	char err[256] = "";

	return medsec_updater_install(d->up, s->update_id, err, sizeof(err));
}

static void
check_install(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	struct medsec_update_boot b;
	int state = update_state(d, s->update_id);

	assert_int_equal(medsec_updater_boot_state(d->up, &b), MEDSEC_OK);
	assert_true(slot_complete(d, b.active));
	/* Not half-done: still approved (or refused), or in trial on a. */
	assert_true(state == MEDSEC_UPD_APPROVED ||
	    state == MEDSEC_UPD_REJECTED || state == MEDSEC_UPD_INSTALLED);
	if (state == MEDSEC_UPD_INSTALLED)
		assert_string_equal(b.active, "a");
	else
		assert_string_equal(b.active, "b");
	if (recorded > 0 && state != MEDSEC_UPD_INSTALLED)
		fail_msg("%s: UPDATE_INSTALLED recorded, package %s", where,
		    medsec_update_state_name(state));
	if (!crashed && r == MEDSEC_OK && (state != MEDSEC_UPD_INSTALLED ||
	    recorded == 0))
		fail_msg("%s: install succeeded: package %s, record %s",
		    where, medsec_update_state_name(state),
		    recorded ? "present" : "missing");
	assert_int_equal(counter_of(d), s->counter);
}

static void
prepare_trial(struct device *d, struct snapshot *s)
{
	struct medsec_update_boot b;
	char err[256] = "";
	int64_t id = stage_p2(d);

	approve(d, id);
	assert_int_equal(medsec_updater_install(d->up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d->up, &b), MEDSEC_OK);
	assert_string_equal(b.active, "a");
	assert_true(b.trial);
	snapshot_update(d, s, id);
}

static int
op_commit(struct device *d, const struct snapshot *s)
{
	(void)s;
	return medsec_updater_commit(d->up, &admin);
}

static void
check_commit(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	int state = update_state(d, s->update_id);
	uint64_t counter = counter_of(d);

	if (counter < s->counter)
		fail_msg("%s: counter went down from %llu to %llu", where,
		    (unsigned long long)s->counter,
		    (unsigned long long)counter);
	/* The floor and the commit it belongs to are one transaction. */
	if ((counter == 5) != (state == MEDSEC_UPD_COMMITTED))
		fail_msg("%s: counter %llu with the package %s", where,
		    (unsigned long long)counter,
		    medsec_update_state_name(state));
	if (recorded > 0 && state != MEDSEC_UPD_COMMITTED)
		fail_msg("%s: UPDATE_COMMITTED recorded, package %s", where,
		    medsec_update_state_name(state));
	if (!crashed && r == MEDSEC_OK && (state != MEDSEC_UPD_COMMITTED ||
	    recorded == 0))
		fail_msg("%s: commit succeeded: package %s, counter %llu, "
			 "record %s", where, medsec_update_state_name(state),
		    (unsigned long long)counter,
		    recorded ? "present" : "missing");
	/* Not committed: the trial goes on, or has been rolled back. */
	if (state != MEDSEC_UPD_COMMITTED)
		assert_true(state == MEDSEC_UPD_INSTALLED ||
		    state == MEDSEC_UPD_ROLLED_BACK);
}

static int
op_rollback(struct device *d, const struct snapshot *s)
{
	(void)s;
	return medsec_updater_health_failed(d->up, "self-test failed");
}

static void
check_rollback(struct device *d, const struct snapshot *s, int r,
    int crashed, size_t recorded)
{
	struct medsec_update_boot b;
	int state = update_state(d, s->update_id);

	assert_int_equal(medsec_updater_boot_state(d->up, &b), MEDSEC_OK);
	assert_true(slot_complete(d, b.active));
	assert_int_equal(counter_of(d), s->counter);
	assert_true(state == MEDSEC_UPD_INSTALLED ||
	    state == MEDSEC_UPD_ROLLED_BACK);
	if (state == MEDSEC_UPD_ROLLED_BACK)
		assert_string_equal(b.active, "b");
	if (recorded > 0 && state != MEDSEC_UPD_ROLLED_BACK)
		fail_msg("%s: UPDATE_ROLLED_BACK recorded, package %s",
		    where, medsec_update_state_name(state));
	if (!crashed && r == MEDSEC_OK && (state != MEDSEC_UPD_ROLLED_BACK ||
	    recorded == 0))
		fail_msg("%s: rollback succeeded: package %s, record %s",
		    where, medsec_update_state_name(state),
		    recorded ? "present" : "missing");
}

static struct scenario lockout = { "lockout", MEDSEC_EV_ACCOUNT_LOCKED,
	"nurse", 0, prepare_lockout, op_failed_login, check_lockout, "",
	{ 0 } };
static struct scenario user_add = { "user add", MEDSEC_EV_USER_CREATED,
	NEW_USER, 0, NULL, op_user_add, check_user_add, "", { 0 } };
static struct scenario disable = { "user disable", MEDSEC_EV_USER_DISABLED,
	"nurse", 0, NULL, op_disable, check_disable, "", { 0 } };
static struct scenario role_change = { "role change",
	MEDSEC_EV_ROLE_CHANGED, "nurse", 0, NULL, op_role_change,
	check_role_change, "", { 0 } };
static struct scenario stage = { "update stage", MEDSEC_EV_UPDATE_VERIFIED,
	NULL, 1, prepare_stage, op_stage, check_stage, "", { 0 } };
static struct scenario approval = { "update approve",
	MEDSEC_EV_UPDATE_APPROVED, NULL, 1, prepare_approve, op_approve,
	check_approve, "", { 0 } };
static struct scenario install = { "update install",
	MEDSEC_EV_UPDATE_INSTALLED, NULL, 1, prepare_install, op_install,
	check_install, "", { 0 } };
static struct scenario commit = { "update commit",
	MEDSEC_EV_UPDATE_COMMITTED, NULL, 1, prepare_trial, op_commit,
	check_commit, "", { 0 } };
static struct scenario rollback = { "rollback", MEDSEC_EV_UPDATE_ROLLED_BACK,
	NULL, 1, prepare_trial, op_rollback, check_rollback, "", { 0 } };

/* ---- the loops ---- */

/* Builds the scenario's starting state once, from the provisioned device. */
static void
scenario_prepare(struct scenario *sc)
{
	struct device d;

	if (sc->tree[0] != '\0')
		return;
	fresh_copy(base.f.root, sc->tree, sizeof(sc->tree));
	device_paths(&d, sc->tree);
	assert_int_equal(device_open(&d, 1), MEDSEC_OK);
	memset(&sc->snap, 0, sizeof(sc->snap));
	sc->snap.counter = counter_of(&d);
	if (sc->prepare != NULL)
		sc->prepare(&d, &sc->snap);
	sc->snap.events = count_events(&d, sc->event, sc->object);
	device_close(&d);
}

static void
send_report(int fd, const struct report *rep)
{
	if (write(fd, rep, sizeof(*rep)) != (ssize_t)sizeof(*rep))
		_exit(4);
}

/*
 * Runs the operation in a child on root, the device opened with the shim
 * installed; then arms the fault relative to the operation's first I/O
 * operation (k = 0: none, only count). Returns 1 if the child crashed.
 */
static int
run_child(struct scenario *sc, const char *root, unsigned long k, int crash,
    int err, int persistent, struct report *rep)
{
	int fds[2], status;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct report out = { 0, 0, 0, 0 };
		struct device d;
		unsigned long before;

		close(fds[0]);
		device_paths(&d, root);
		faultio_install();
		if (device_open(&d, sc->updates) != MEDSEC_OK)
			_exit(5);
		before = faultio_count();
		if (k > 0 && crash)
			faultio_crash_at(before + k, crash);
		else if (k > 0)
			faultio_fail_at(before + k, err, persistent);
		out.r = sc->op(&d, &sc->snap);
		out.ops = faultio_count() - before;
		out.faults = faultio_faults();
		out.degraded = medsec_audit_degraded(d.audit, NULL, NULL);
		faultio_uninstall(); /* removes the shim's own undo links */
		send_report(fds[1], &out);
		/* The process ends here: nothing more is written. */
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], rep, sizeof(*rep)) != (ssize_t)sizeof(*rep))
		memset(rep, 0, sizeof(*rep));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == FAULTIO_CRASH_EXIT)
		return 1;
	assert_int_equal(WEXITSTATUS(status), 0);
	return 0;
}

static int
temp_file_seen(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	const char *name = path + ftw->base;
	size_t len = strlen(name);

	(void)sb;
	(void)type;
	return (len > 4 && strcmp(name + len - 4, ".tmp") == 0) ||
	    strstr(name, ".faultio-") != NULL || strstr(name, ".new") != NULL;
}

/*
 * S2: after a start, no temporary file of an interrupted write is left
 * behind (the staging directory of an install, a file's .tmp copy).
 */
static void
assert_no_orphans(struct device *d)
{
	int r = nftw(d->root, temp_file_seen, 16, FTW_PHYS);

	assert_true(r >= 0);
	if (r > 0)
		fail_msg("%s: a temporary file was left behind in %s", where,
		    d->root);
}

/* The next start of the device after the child; checks everything. */
static void
check_after(struct scenario *sc, const char *root, int r, int crashed)
{
	struct medsec_update_boot b;
	struct device d;
	size_t recorded;

	device_paths(&d, root);
	/* The shim with nothing armed: syncs are simulated, and fast. */
	faultio_install();
	assert_int_equal(device_open(&d, 1), MEDSEC_OK);
	if (sc->updates)
		assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_db_intact(&d);
	assert_trail_verifies(&d);
	recorded = count_events(&d, sc->event, sc->object);
	assert_true(recorded >= sc->snap.events);
	/* A restart must not lower the anti-rollback floor. */
	assert_true(counter_of(&d) >= sc->snap.counter);
	sc->check(&d, &sc->snap, r, crashed, recorded - sc->snap.events);
	device_close(&d);
	/* Checking is itself a start: the state still opens and verifies. */
	assert_int_equal(device_open(&d, 1), MEDSEC_OK);
	assert_trail_verifies(&d);
	device_close(&d);
	faultio_uninstall(); /* and the shim's own undo links with it */
	assert_no_orphans(&d);
}

/* Counts the operation's I/O operations on a copy; checks the clean run. */
static unsigned long
count_ops(struct scenario *sc)
{
	struct report rep;
	char root[64];

	scenario_prepare(sc);
	fresh_copy(sc->tree, root, sizeof(root));
	assert_int_equal(run_child(sc, root, 0, 0, 0, 0, &rep), 0);
	assert_int_equal(rep.faults, 0);
	snprintf(where, sizeof(where), "%s, no fault (returned %d)", sc->name,
	    rep.r);
	check_after(sc, root, rep.r, 0);
	fixture_rmrf(root);
	/* A loop over nothing proves nothing. */
	assert_true(rep.ops > 0);
	return rep.ops;
}

static void
crash_loop(struct scenario *sc, int mode)
{
	unsigned long n = count_ops(sc), crashes = 0;
	struct report rep;
	char root[64];

	for (unsigned long k = 1; k <= n; k++) {
		fresh_copy(sc->tree, root, sizeof(root));
		if (!run_child(sc, root, k, mode, 0, 0, &rep))
			fail_msg("%s: no crash at operation %lu of %lu",
			    sc->name, k, n);
		crashes++;
		snprintf(where, sizeof(where), "%s, %s crash at %lu of %lu",
		    sc->name, mode == FAULTIO_PROCESS ? "process" :
		    mode == FAULTIO_POWER_DROP ? "power-drop" : "power-garble",
		    k, n);
		check_after(sc, root, 0, 1);
		fixture_rmrf(root);
	}
	printf("%s, crash mode %d: %lu of %lu crash points recovered\n",
	    sc->name, mode, crashes, n);
	assert_int_equal(crashes, n);
}

static void
error_loop(struct scenario *sc, int err, int persistent)
{
	unsigned long n = count_ops(sc), fired = 0;
	struct report rep;
	char root[64];

	for (unsigned long k = 1; k <= n; k++) {
		fresh_copy(sc->tree, root, sizeof(root));
		assert_int_equal(run_child(sc, root, k, 0, err, persistent,
				     &rep), 0);
		/* the first k - 1 operations are the counted run's */
		if (rep.faults == 0)
			fail_msg("%s: no fault at operation %lu of %lu",
			    sc->name, k, n);
		fired++;
		snprintf(where, sizeof(where), "%s, errno %d at %lu of %lu%s "
		    "(returned %d)", sc->name, err, k, n, persistent ?
		    " and after" : "", rep.r);
		op_degraded = rep.degraded;
		check_after(sc, root, rep.r, 0);
		op_degraded = 0;
		fixture_rmrf(root);
	}
	printf("%s, errno %d%s: %lu of %lu operations failed\n", sc->name,
	    err, persistent ? " from k on" : " once", fired, n);
	assert_int_equal(fired, n);
}

static void
all_crash_modes(struct scenario *sc, int power)
{
	if (power) {
		crash_loop(sc, FAULTIO_POWER_DROP);
		crash_loop(sc, FAULTIO_POWER_GARBLE);
	} else {
		crash_loop(sc, FAULTIO_PROCESS);
	}
}

static void
both_error_modes(struct scenario *sc)
{
	error_loop(sc, EIO, 0);
	error_loop(sc, ENOSPC, 1);
}

/* ---- S1, S2, S3 over login with lockout (MFDS 1.4) ---- */

static void
test_req_1_4_attack_s1_lockout_power_loss(void **state)
{
	(void)state;
	all_crash_modes(&lockout, 1);
}

static void
test_req_1_4_attack_s2_lockout_process_kill(void **state)
{
	(void)state;
	all_crash_modes(&lockout, 0);
}

static void
test_req_1_4_attack_s3_lockout_io_error(void **state)
{
	(void)state;
	both_error_modes(&lockout);
}

/* ---- S1, S2, S3 over user administration (MFDS 1.1, 2.1) ---- */

static void
test_req_2_1_attack_s1_user_admin_power_loss(void **state)
{
	(void)state;
	all_crash_modes(&user_add, 1);
	all_crash_modes(&disable, 1);
	all_crash_modes(&role_change, 1);
}

static void
test_req_2_1_attack_s2_user_admin_process_kill(void **state)
{
	(void)state;
	all_crash_modes(&user_add, 0);
	all_crash_modes(&disable, 0);
	all_crash_modes(&role_change, 0);
}

static void
test_req_2_1_attack_s3_user_admin_io_error(void **state)
{
	(void)state;
	both_error_modes(&user_add);
	both_error_modes(&disable);
	both_error_modes(&role_change);
}

/* ---- S1, S2, S3 over stage, approve, install, commit (MFDS 1.12-1.14) */

static void
test_req_1_12_attack_s1_update_approval_power_loss(void **state)
{
	(void)state;
	all_crash_modes(&stage, 1);
	all_crash_modes(&approval, 1);
}

static void
test_req_1_12_attack_s2_update_approval_process_kill(void **state)
{
	(void)state;
	all_crash_modes(&stage, 0);
	all_crash_modes(&approval, 0);
}

static void
test_req_1_12_attack_s3_update_approval_io_error(void **state)
{
	(void)state;
	both_error_modes(&stage);
	both_error_modes(&approval);
}

static void
test_req_1_13_attack_s1_update_install_commit_power_loss(void **state)
{
	(void)state;
	all_crash_modes(&install, 1);
	all_crash_modes(&commit, 1);
}

static void
test_req_1_13_attack_s2_update_install_commit_process_kill(void **state)
{
	(void)state;
	all_crash_modes(&install, 0);
	all_crash_modes(&commit, 0);
}

static void
test_req_1_13_attack_s3_update_install_io_error(void **state)
{
	(void)state;
	both_error_modes(&install);
}

/* U21: the counter and commit writes fail, once and from then on. */
static void
test_req_1_13_attack_u21_counter_write_fails(void **state)
{
	(void)state;
	both_error_modes(&commit);
}

/* U19: power lost, process killed, storage failing during the rollback. */
static void
test_req_1_13_attack_u19_rollback_crash_and_io_error(void **state)
{
	(void)state;
	all_crash_modes(&rollback, 1);
	all_crash_modes(&rollback, 0);
	both_error_modes(&rollback);
}

/*
 * The next start of the device (opening everything and, with updates,
 * the boot step: the recovery) in a child, with a crash or an I/O error
 * armed at its k-th I/O operation (k = 0: count only). Returns 1 if it
 * crashed; *ops and *faults are the shim's counts if it did not.
 */
static int
run_recovery(struct scenario *sc, const char *root, unsigned long k,
    int crash, unsigned long *ops, unsigned long *faults)
{
	unsigned long counts[2] = { 0, 0 };
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct medsec_update_boot b;
		struct device d;

		close(fds[0]);
		device_paths(&d, root);
		faultio_install();
		if (k > 0 && crash)
			faultio_crash_at(k, crash);
		else if (k > 0)
			faultio_fail_at(k, EIO, 1);
		/* A failed start is a clean error here, checked afterwards. */
		if (device_open(&d, sc->updates) == MEDSEC_OK && sc->updates)
			if (medsec_updater_boot(d.up, &b) != MEDSEC_OK) {
				/* checked afterwards, as above */
			}
		counts[0] = faultio_count();
		counts[1] = faultio_faults();
		faultio_uninstall(); /* removes the shim's own undo links */
		if (write(fds[1], counts, sizeof(counts)) !=
		    (ssize_t)sizeof(counts))
			_exit(4);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
		memset(counts, 0, sizeof(counts));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	*ops = counts[0];
	*faults = counts[1];
	if (WEXITSTATUS(status) == FAULTIO_CRASH_EXIT)
		return 1;
	assert_int_equal(WEXITSTATUS(status), 0);
	return 0;
}

/*
 * S5: a fault while recovering from a crash. Crash the operation at
 * every third point as a power cut, then run the next start (the
 * recovery) under its own crash-point loop and I/O-error loop, and check
 * the device after that.
 */
static void
recovery_fault_loop(struct scenario *sc)
{
	unsigned long n = count_ops(sc), m, ops, faults, crashes = 0;
	unsigned long fired = 0, covered = 0;
	char crashed[64], root[64];
	struct report rep;

	for (unsigned long k = 2; k <= n; k += 5) {
		fresh_copy(sc->tree, crashed, sizeof(crashed));
		assert_true(run_child(sc, crashed, k, FAULTIO_POWER_GARBLE, 0,
		    0, &rep));
		fresh_copy(crashed, root, sizeof(root));
		assert_int_equal(run_recovery(sc, root, 0, 0, &m, &faults), 0);
		fixture_rmrf(root);
		assert_true(m > 0);
		for (unsigned long j = 1; j <= m; j++) {
			fresh_copy(crashed, root, sizeof(root));
			if (!run_recovery(sc, root, j, j % 2 ? FAULTIO_POWER_DROP
			    : FAULTIO_PROCESS, &ops, &faults))
				fail_msg("%s: recovery did not crash at %lu of "
					 "%lu", sc->name, j, m);
			crashes++;
			snprintf(where, sizeof(where), "%s, crash at %lu, then "
			    "at recovery operation %lu", sc->name, k, j);
			check_after(sc, root, 0, 1);
			fixture_rmrf(root);
			fresh_copy(crashed, root, sizeof(root));
			assert_int_equal(run_recovery(sc, root, j, 0, &ops,
					     &faults), 0);
			if (faults == 0)
				fail_msg("%s: no fault at recovery operation "
					 "%lu of %lu", sc->name, j, m);
			fired++;
			snprintf(where, sizeof(where), "%s, crash at %lu, then "
			    "EIO from recovery operation %lu", sc->name, k, j);
			check_after(sc, root, 0, 1);
			fixture_rmrf(root);
		}
		covered += m;
		fixture_rmrf(crashed);
	}
	printf("%s: %lu recovery operations, %lu crashes and %lu I/O errors "
	       "during recovery\n", sc->name, covered, crashes, fired);
	assert_true(covered > 0);
	assert_int_equal(crashes, covered);
	assert_int_equal(fired, covered);
}

static void
test_req_2_1_attack_s5_fault_during_recovery(void **state)
{
	(void)state;
	recovery_fault_loop(&lockout);
	recovery_fault_loop(&commit);
}

/* ---- setup ---- */

static void
setup(void)
{
	struct medsec_update_boot b;
	char err[256] = "";
	struct device d;
	int64_t id = 0;
	static const size_t sizes[] = { 4000, 10 };

	people_setup(&base);
	people_add(&base, "nurse", "clinician");
	updates_setup(&upd, 1);
	upd.now_us = base.clock.wall_us;
	updates_keyset(&upd, 1, 1, NULL, upd.root);
	updates_pack(&upd, "p1", 4, "1.0.0", sizes, 2, pkg_p1,
	    sizeof(pkg_p1));
	updates_sign(pkg_p1, upd.rel[0]);
	updates_pack(&upd, "p2", 5, "2.0.0", sizes, 2, pkg_p2,
	    sizeof(pkg_p2));
	updates_sign(pkg_p2, upd.rel[0]);
	base_uo.trust_dir = upd.trust;
	base_uo.hardware_id = "hw-1";
	base_uo.product = "carelink";
	base_uo.max_trial_starts = 3;
	admin = base.admin;
	/* The handles people_setup opened are the provisioning process's. */
	medsec_identity_close(base.id);
	medsec_sessions_close(base.sessions);
	assert_int_equal(medsec_audit_close(base.audit), MEDSEC_OK);
	medsec_db_close(base.db);
	base.id = NULL;
	base.sessions = NULL;
	base.audit = NULL;
	base.db = NULL;
	/* p1 (counter 4) installed and committed: the floor is 4. */
	device_paths(&d, base.f.root);
	assert_int_equal(device_open(&d, 1), MEDSEC_OK);
	assert_int_equal(medsec_updater_stage(d.up, pkg_p1, &admin, &id, err,
			     sizeof(err)), MEDSEC_OK);
	approve(&d, id);
	assert_int_equal(medsec_updater_install(d.up, id, err, sizeof(err)),
	    MEDSEC_OK);
	assert_int_equal(medsec_updater_boot(d.up, &b), MEDSEC_OK);
	assert_int_equal(medsec_updater_commit(d.up, &admin), MEDSEC_OK);
	assert_int_equal(counter_of(&d), 4);
	device_close(&d);
}

static void
teardown(void)
{
	struct scenario *all[] = { &lockout, &user_add, &disable,
		&role_change, &stage, &approval, &install, &commit,
		&rollback };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->tree[0] != '\0')
			fixture_rmrf(all[i]->tree);
	fixture_teardown(&base.f);
	fixture_clock_uninstall();
	updates_teardown(&upd);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_4_attack_s1_lockout_power_loss),
	cmocka_unit_test(test_req_1_4_attack_s2_lockout_process_kill),
	cmocka_unit_test(test_req_1_4_attack_s3_lockout_io_error),
	cmocka_unit_test(test_req_2_1_attack_s1_user_admin_power_loss),
	cmocka_unit_test(test_req_2_1_attack_s2_user_admin_process_kill),
	cmocka_unit_test(test_req_2_1_attack_s3_user_admin_io_error),
	cmocka_unit_test(test_req_1_12_attack_s1_update_approval_power_loss),
	cmocka_unit_test(test_req_1_12_attack_s2_update_approval_process_kill),
	cmocka_unit_test(test_req_1_12_attack_s3_update_approval_io_error),
	cmocka_unit_test(test_req_1_13_attack_s1_update_install_commit_power_loss),
	cmocka_unit_test(test_req_1_13_attack_s2_update_install_commit_process_kill),
	cmocka_unit_test(test_req_1_13_attack_s3_update_install_io_error),
	cmocka_unit_test(test_req_1_13_attack_u21_counter_write_fails),
	cmocka_unit_test(test_req_1_13_attack_u19_rollback_crash_and_io_error),
	cmocka_unit_test(test_req_2_1_attack_s5_fault_during_recovery),
};

int
main(int argc, char **argv)
{
	int r;

	setup();
	r = medsec_test_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
	teardown();
	return r;
}
