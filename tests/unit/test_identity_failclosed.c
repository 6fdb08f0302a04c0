/*
 * Identities fail closed (issue 9): a failed login and the lock it sets
 * are one transaction or the login is refused with the error (1.3, 1.4);
 * an initial password opens nothing but its own change (1.1); the device
 * keeps an administrator (1.1); unknown names cost one Argon2id run from
 * a cold process (1.3); guessing names from one source cannot lock out
 * the administrator (1.4); nothing that grants access happens without an
 * audit record (2.1), and a record that fails after a change is reported.
 *
 * A failed database write is made with a trigger that aborts the one
 * statement under test, so the rest of the database works as usual.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "faultio.h"
#include "people.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/config.h"
#include "medsec/err.h"

#define WRONG "Wrong-Password-1"
#define FRESH "Fresh-Secret-42"
#define RESCUE "Spare-Key-Fob-93"

static int
try_login(struct people *p, const char *name, const char *pw,
    const char *source)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];

	return medsec_identity_login(p->id, name, pw, strlen(pw), source,
	    token, NULL);
}

static int64_t
db_int(struct people *p, const char *sql, const char *arg)
{
	struct medsec_db_stmt *st = NULL;
	int64_t v;

	assert_int_equal(medsec_db_prepare(p->db, sql, &st), MEDSEC_OK);
	assert_int_equal(medsec_db_bind_text(st, 1, arg), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	v = medsec_db_column_int64(st, 0);
	medsec_db_finalize(st);
	return v;
}

static int64_t
failures_of(struct people *p, const char *name)
{
	return db_int(p, "SELECT failures FROM account WHERE name = ?1", name);
}

static int64_t
locked_until(struct people *p, const char *name)
{
	return db_int(p, "SELECT locked_until_us FROM account WHERE name = ?1",
	    name);
}

static int64_t
source_failures(struct people *p, const char *source)
{
	return db_int(p, "SELECT coalesce((SELECT failures FROM "
	    "source_failure WHERE source = ?1), 0)", source);
}

static size_t
count_sessions(struct people *p)
{
	return (size_t)db_int(p, "SELECT count(*) FROM session WHERE "
	    "?1 = ?1", "x");
}

/* The details of the last record of an event, copied into buf. */
static int
last_details(struct people *p, int event, char *buf, size_t len)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	int found = 0;

	assert_int_equal(medsec_audit_checkpoint(p->audit), MEDSEC_OK);
	assert_int_equal(medsec_audit_reader_open(p->f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		if (rec.event == event) {
			snprintf(buf, len, "%s", rec.details);
			found = 1;
		}
	medsec_audit_reader_close(rd);
	return found;
}

/* From now on every write to the audit trail fails (disk full). */
static void
trail_breaks(void)
{
	faultio_install();
	faultio_fail_at(1, ENOSPC, 1);
}

/* ...and the trail has noticed (the sticky state an append leaves). */
static void
trail_broken(struct people *p)
{
	struct medsec_audit_event_in ev = { MEDSEC_EV_APP_START, "test",
		"local", "trail", MEDSEC_AUDIT_SUCCESS, "probe", NULL };

	trail_breaks();
	assert_int_not_equal(medsec_audit_append(p->audit, &ev, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_audit_ready(p->audit),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
}

static void
trail_repaired(struct people *p)
{
	faultio_heal();
	assert_int_equal(medsec_audit_reopen(p->audit), MEDSEC_OK);
	faultio_uninstall();
}

/* ---- finding: the lock write fails open (account_failed) ---- */

static void
test_req_1_4_lock_write_failure_refuses_and_changes_nothing(void **state)
{
	char details[256], want[64];
	struct people p;
	int i, r;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	for (i = 0; i < 4; i++)
		assert_int_equal(try_login(&p, "nurse01", WRONG, "192.0.2.50"),
		    MEDSEC_ERR_LOGIN_FAILED);
	/* The write that would lock the account fails. */
	assert_int_equal(medsec_db_exec(p.db, "CREATE TEMP TRIGGER no_lock "
			     "BEFORE UPDATE OF locked_until_us ON account WHEN "
			     "NEW.locked_until_us != 0 BEGIN SELECT RAISE(ABORT, "
			     "'disk I/O error'); END"), MEDSEC_OK);
	r = try_login(&p, "nurse01", WRONG, "192.0.2.50");
	/* Refused with the storage error, not answered as counted... */
	assert_int_not_equal(r, MEDSEC_OK);
	assert_int_not_equal(r, MEDSEC_ERR_LOGIN_FAILED);
	/* ...and the attempt, the counters and the lock went together. */
	assert_int_equal(failures_of(&p, "nurse01"), 4);
	assert_int_equal(locked_until(&p, "nurse01"), 0);
	assert_int_equal(source_failures(&p, "192.0.2.50"), 4);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_ACCOUNT_LOCKED,
			     NULL), 0);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "could not be recorded"), 1);
	/* The disk recovers: the fifth failure locks, recorded as written. */
	assert_int_equal(medsec_db_exec(p.db, "DROP TRIGGER no_lock"),
	    MEDSEC_OK);
	assert_int_equal(try_login(&p, "nurse01", WRONG, "192.0.2.50"),
	    MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_ERR_LOCKED);
	assert_true(last_details(&p, MEDSEC_EV_ACCOUNT_LOCKED, details,
	    sizeof(details)));
	snprintf(want, sizeof(want), "\"locked_until_us\":%lld",
	    (long long)locked_until(&p, "nurse01"));
	assert_non_null(strstr(details, want));
	assert_non_null(strstr(details, "\"failures\":5"));
	people_teardown(&p);
}

static void
test_req_1_3_failure_count_write_failure_refuses_login(void **state)
{
	struct people p;
	int r;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_db_exec(p.db, "CREATE TEMP TRIGGER no_count "
			     "BEFORE INSERT ON source_failure BEGIN SELECT "
			     "RAISE(ABORT, 'disk full'); END"), MEDSEC_OK);
	r = try_login(&p, "nurse01", WRONG, "192.0.2.51");
	assert_int_not_equal(r, MEDSEC_OK);
	assert_int_not_equal(r, MEDSEC_ERR_LOGIN_FAILED);
	/* Nothing of the attempt was half-written. */
	assert_int_equal(failures_of(&p, "nurse01"), 0);
	assert_int_equal(source_failures(&p, "192.0.2.51"), 0);
	/* An unknown name meets the same refusal. */
	r = try_login(&p, "nobody", WRONG, "192.0.2.51");
	assert_int_not_equal(r, MEDSEC_OK);
	assert_int_not_equal(r, MEDSEC_ERR_LOGIN_FAILED);
	people_teardown(&p);
}

/* ---- finding 1: an initial password used for administration ---- */

static void
test_req_1_1_initial_password_opens_nothing_but_its_change(void **state)
{
	struct medsec_subject chief2 = { "chief2", "local", "administrator" };
	char t[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN], why[256];
	struct medsec_session_info info;
	struct medsec_subject who;
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	/* An administrator made by another, with an initial password. */
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "chief2",
			     "administrator", 0, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_OK);
	/* One-shot commands (--as): no account handed out. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(medsec_identity_authenticate(p.id, "chief2",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local",
			     &a), MEDSEC_ERR_STATE);
	assert_string_equal(a.name, "");
	/* Sessions: none started. */
	assert_int_equal(try_login(&p, "chief2", PEOPLE_PASSWORD, "local"),
	    MEDSEC_ERR_STATE);
	assert_int_equal(count_sessions(&p), 0);
	/* A session marked for a change (made directly) may not act. */
	assert_int_equal(medsec_session_begin(p.sessions, "chief2",
			     "administrator", MEDSEC_SESSION_REPLACE, "local",
			     MEDSEC_SESSION_FLAG_MUST_CHANGE, t, NULL), MEDSEC_OK);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_session_subject(p.id, t, &info, &who),
	    MEDSEC_ERR_STATE);
	assert_null(who.user);
	assert_int_not_equal(medsec_identity_reauth(p.id, t, PEOPLE_PASSWORD,
				 strlen(PEOPLE_PASSWORD), "local", t2, NULL),
	    MEDSEC_OK);
	/* The one thing it can do. */
	assert_int_equal(medsec_identity_password_change(p.id, &chief2,
			     "chief2", PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD),
			     FRESH, strlen(FRESH), why, sizeof(why)), MEDSEC_OK);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_identity_authenticate(p.id, "chief2", FRESH,
			     strlen(FRESH), "local", &a), MEDSEC_OK);
	assert_string_equal(a.name, "chief2");
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "must be changed"), 2);
	people_teardown(&p);
}

/* ---- finding 5: the last administrator ---- */

static void
assert_admin_intact(struct people *p, const char *name)
{
	struct medsec_account a;

	assert_int_equal(medsec_identity_user_get(p->id, name, &a), MEDSEC_OK);
	assert_false(a.disabled);
	assert_int_equal(a.expires_us, 0);
	assert_string_equal(a.roles, "administrator");
	assert_int_equal(a.state, MEDSEC_ACCOUNT_ACTIVE);
}

static void
test_req_1_1_last_admin_cannot_disable_expire_or_demote_itself(void **state)
{
	struct people p;
	int64_t later;

	(void)state;
	people_setup(&p);
	later = p.clock.wall_us + INT64_C(86400) * 1000000;
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "admin", 1), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_user_set_expiry(p.id, &p.admin,
			     "admin", p.clock.wall_us), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_user_set_expiry(p.id, &p.admin,
			     "admin", p.clock.wall_us - 1000000), MEDSEC_ERR_STATE);
	/* An expiry in the future is the same loss, later. */
	assert_int_equal(medsec_identity_user_set_expiry(p.id, &p.admin,
			     "admin", later), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_user_roles(p.id, &p.admin, "admin",
			     "technician", "administrator"), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_user_delete(p.id, &p.admin, "admin"),
	    MEDSEC_ERR_STATE);
	assert_admin_intact(&p, "admin");
	assert_int_equal(try_login(&p, "admin", PEOPLE_ADMIN_PASSWORD,
			     "local"), MEDSEC_OK);
	people_teardown(&p);
}

static void
test_req_1_1_one_of_two_admins_may_go_but_not_both(void **state)
{
	struct medsec_subject admin2 = { "admin2", "local", "administrator" };
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "admin2", "administrator");
	/* A clinician does not count. */
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &admin2,
			     "admin", 1), MEDSEC_OK);
	/* Now admin2 is the last: it cannot leave, nor be removed. */
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &admin2,
			     "admin2", 1), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_user_roles(p.id, &admin2, "admin2",
			     NULL, "administrator"), MEDSEC_ERR_STATE);
	assert_admin_intact(&p, "admin2");
	/* Re-enabling the first makes room again. */
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &admin2,
			     "admin", 0), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_delete(p.id, &admin2, "admin"),
	    MEDSEC_OK);
	/* The last one cannot be deleted by anyone either. */
	assert_int_equal(medsec_identity_user_delete(p.id, &p.admin,
			     "admin2"), MEDSEC_ERR_STATE);
	assert_admin_intact(&p, "admin2");
	people_teardown(&p);
}

static void
test_req_1_1_admin_guard_refuses_only_the_last_loss(void **state)
{
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	/* An older device whose only administrator has an expiry date. */
	assert_int_equal(medsec_db_exec(p.db, "UPDATE account SET expires_us "
			     "= 4102444800000000 WHERE name = 'admin'"), MEDSEC_OK);
	/* Nothing left to lose: ordinary changes go on. */
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "nurse01", 1), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &a),
	    MEDSEC_OK);
	assert_true(a.disabled);
	/* Removing the expiry makes it usable; then it is guarded again. */
	assert_int_equal(medsec_identity_user_set_expiry(p.id, &p.admin,
			     "admin", 0), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "admin", 1), MEDSEC_ERR_STATE);
	people_teardown(&p);
}

static void
test_req_1_4_last_admin_lock_until_unlock_is_timed(void **state)
{
	struct people p;
	int i;

	(void)state;
	people_setup(&p);
	medsec_identity_close(p.id);
	p.iopts.lock_seconds = 0; /* until an administrator unlocks */
	assert_int_equal(medsec_identity_open(p.db, p.audit, &p.roles,
			     p.sessions, &p.iopts, &p.id), MEDSEC_OK);
	people_add(&p, "nurse01", "clinician");
	for (i = 0; i < 5; i++) {
		assert_int_equal(try_login(&p, "admin", WRONG, "192.0.2.60"),
		    MEDSEC_ERR_LOGIN_FAILED);
		assert_int_equal(try_login(&p, "nurse01", WRONG, "192.0.2.61"),
		    MEDSEC_ERR_LOGIN_FAILED);
	}
	assert_int_equal(locked_until(&p, "nurse01"), -1);
	/* Nobody could unlock the last administrator: its lock expires. */
	assert_true(locked_until(&p, "admin") > p.clock.wall_us);
	assert_int_equal(try_login(&p, "admin", PEOPLE_ADMIN_PASSWORD,
			     "local"), MEDSEC_ERR_LOCKED);
	people_advance(&p, 901);
	assert_int_equal(try_login(&p, "admin", PEOPLE_ADMIN_PASSWORD,
			     "local"), MEDSEC_OK);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_ACCOUNT_LOCKED,
			     "last administrator"), 1);
	people_teardown(&p);
}

static void
test_req_1_10_device_without_admin_recovers_with_setup_code(void **state)
{
	static const char roles[] = "[role administrator]\n"
	    "permissions = config, maintenance\n";
	char code[MEDSEC_SETUP_CODE_LEN], why[256];
	struct medsec_config_error err;
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_identity_setup_code_issue(p.id, code),
	    MEDSEC_ERR_STATE);
	/* A roles file takes user-admin away: nobody can manage accounts. */
	assert_int_equal(medsec_roles_parse("roles.ini", roles,
			     sizeof(roles) - 1, &p.roles, &err), MEDSEC_OK);
	assert_int_equal(medsec_identity_setup_code_issue(p.id, code),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_bootstrap(p.id, code, "admin",
			     RESCUE, strlen(RESCUE), "local", why, sizeof(why)),
	    MEDSEC_ERR_EXISTS);
	assert_int_equal(medsec_identity_bootstrap(p.id, code, "rescue",
			     RESCUE, strlen(RESCUE), "local", why, sizeof(why)),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_user_get(p.id, "admin", &a),
	    MEDSEC_OK); /* the old accounts and the trail stay */
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SETUP_CODE_ISSUED,
			     "recovery"), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_USER_CREATED,
			     "recovery administrator"), 1);
	people_teardown(&p);
}

static void
test_req_1_1_existing_name_refused_as_existing_whatever_the_password(
    void **state)
{
	char why[256];
	struct people p;

	(void)state;
	people_setup(&p);
	/* The account's own password would also be a reused one. */
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "admin",
			     "clinician", 0, PEOPLE_ADMIN_PASSWORD,
			     strlen(PEOPLE_ADMIN_PASSWORD), why, sizeof(why)),
	    MEDSEC_ERR_EXISTS);
	assert_non_null(strstr(why, "'admin' already exists"));
	assert_int_equal(people_count_events(&p, MEDSEC_EV_USER_CREATED,
			     "account created"), 0);
	people_teardown(&p);
}

/* ---- finding 7: login timing across processes ---- */

static uint64_t
runs_for(struct people *p, const char *name, const char *source)
{
	uint64_t before;

	/* A cold process: a fresh identity handle. */
	people_restart(p);
	before = medsec_identity_pwhash_runs(p->id);
	assert_int_not_equal(try_login(p, name, WRONG, source), MEDSEC_OK);
	return medsec_identity_pwhash_runs(p->id) - before;
}

static void
test_req_1_3_unknown_name_costs_one_argon2id_from_cold(void **state)
{
	struct people p;
	char name[32];
	int i;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(runs_for(&p, "nobody", "192.0.2.70"), 1);
	assert_int_equal(runs_for(&p, "nurse01", "192.0.2.70"), 1);
	/* Throttled, the same. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "guess%d", i);
		assert_int_equal(try_login(&p, name, WRONG, "192.0.2.71"),
		    MEDSEC_ERR_LOGIN_FAILED);
	}
	assert_int_equal(runs_for(&p, "nobody", "192.0.2.71"), 1);
	assert_int_equal(runs_for(&p, "nurse01", "192.0.2.71"), 1);
	people_teardown(&p);
}

/* ---- finding 8: one throttle for every local user ---- */

static void
test_req_1_4_name_guessing_cannot_lock_out_admin(void **state)
{
	struct people p;
	char name[32];
	int i;

	(void)state;
	people_setup(&p);
	/* The CLI's source is always "local". */
	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "madeup%d", i);
		assert_int_not_equal(try_login(&p, name, WRONG, "local"),
		    MEDSEC_OK);
	}
	assert_int_equal(try_login(&p, "madeup99", WRONG, "local"),
	    MEDSEC_ERR_THROTTLED);
	/* The administrator's own record is clean: it logs in. */
	assert_int_equal(try_login(&p, "admin", PEOPLE_ADMIN_PASSWORD,
			     "local"), MEDSEC_OK);
	/* A wrong guess at it is refused like any other, and counted. */
	assert_int_equal(try_login(&p, "admin", WRONG, "local"),
	    MEDSEC_ERR_THROTTLED);
	assert_int_equal(failures_of(&p, "admin"), 1);
	people_teardown(&p);
}

/* ---- finding 9: no security change without an audit record ---- */

static void
test_req_2_1_nothing_granted_while_trail_cannot_record(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN], why[256];
	char code[MEDSEC_EMERGENCY_CODE_LEN];
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", t,
			     NULL), MEDSEC_OK);
	trail_broken(&p);
	assert_int_equal(try_login(&p, "admin", PEOPLE_ADMIN_PASSWORD,
			     "local"), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(try_login(&p, "nurse01", WRONG, "local"),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(failures_of(&p, "nurse01"), 0);
	assert_int_equal(medsec_identity_authenticate(p.id, "admin",
			     PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD),
			     "local", &a), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(medsec_identity_reauth(p.id, t, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), "local", t2, NULL),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "nurse02",
			     "clinician", 0, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse02", &a),
	    MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(medsec_identity_user_roles(p.id, &p.admin, "nurse01",
			     "technician", NULL), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(medsec_identity_password_change(p.id, &p.admin,
			     "nurse01", NULL, 0, FRESH, strlen(FRESH), why,
			     sizeof(why)), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(medsec_identity_emergency_seal(p.id, &p.admin, code),
	    MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(medsec_session_begin(p.sessions, "nurse02",
			     "clinician", MEDSEC_SESSION_REPLACE, "local", 0, t2,
			     NULL), MEDSEC_ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(count_sessions(&p), 1);
	/* Taking access away still works, and says it is not on record. */
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "nurse01", 1), MEDSEC_ERR_AUDIT_DEGRADED);
	assert_int_equal(medsec_session_check(p.sessions, t, NULL),
	    MEDSEC_ERR_DISABLED);
	trail_repaired(&p);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &a),
	    MEDSEC_OK);
	assert_true(a.disabled);
	assert_string_equal(a.roles, "clinician");
	people_teardown(&p);
}

/* ---- finding 10: user add after the record fails; --expires past ---- */

static void
test_req_2_1_user_created_but_record_lost_is_reported(void **state)
{
	struct medsec_account a;
	char why[256] = "";
	struct people p;

	(void)state;
	people_setup(&p);
	/* The trail takes the readiness check, then fails on the write. */
	trail_breaks();
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "nurse02",
			     "clinician", 0, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_ERR_AUDIT_DEGRADED);
	trail_repaired(&p);
	/* Exactly what the error says: the account exists. */
	assert_int_equal(medsec_identity_user_get(p.id, "nurse02", &a),
	    MEDSEC_OK);
	/* The held record reached the trail when it was repaired. */
	assert_int_equal(people_count_events(&p, MEDSEC_EV_USER_CREATED,
			     "account created"), 1);
	people_teardown(&p);
}

static void
test_req_1_7_expiry_in_the_past_refused_naming_it(void **state)
{
	struct medsec_account a;
	char why[256] = "";
	struct people p;

	(void)state;
	people_setup(&p);
	/* 2020-01-01T00:00:00Z */
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "locum",
			     "clinician", INT64_C(1577836800) * 1000000,
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), why,
			     sizeof(why)), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(why, "2020-01-01T00:00:00"));
	assert_non_null(strstr(why, "not in the future"));
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "locum",
			     "clinician", p.clock.wall_us, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_identity_user_get(p.id, "locum", &a),
	    MEDSEC_ERR_NOT_FOUND);
	people_teardown(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_4_lock_write_failure_refuses_and_changes_nothing),
	cmocka_unit_test(test_req_1_3_failure_count_write_failure_refuses_login),
	cmocka_unit_test(test_req_1_1_initial_password_opens_nothing_but_its_change),
	cmocka_unit_test(test_req_1_1_last_admin_cannot_disable_expire_or_demote_itself),
	cmocka_unit_test(test_req_1_1_one_of_two_admins_may_go_but_not_both),
	cmocka_unit_test(test_req_1_1_admin_guard_refuses_only_the_last_loss),
	cmocka_unit_test(test_req_1_4_last_admin_lock_until_unlock_is_timed),
	cmocka_unit_test(test_req_1_10_device_without_admin_recovers_with_setup_code),
	cmocka_unit_test(test_req_1_1_existing_name_refused_as_existing_whatever_the_password),
	cmocka_unit_test(test_req_1_3_unknown_name_costs_one_argon2id_from_cold),
	cmocka_unit_test(test_req_1_4_name_guessing_cannot_lock_out_admin),
	cmocka_unit_test(test_req_2_1_nothing_granted_while_trail_cannot_record),
	cmocka_unit_test(test_req_2_1_user_created_but_record_lost_is_reported),
	cmocka_unit_test(test_req_1_7_expiry_in_the_past_refused_naming_it),
};

MEDSEC_TEST_MAIN(tests)
