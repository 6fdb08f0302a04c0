/*
 * Identities: no default credentials (MFDS 1.10), access control (1.1),
 * failed logins and lockout (1.3, 1.4), revocation (1.6), expiry (1.7),
 * password rules and storage (1.9), emergency access.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "people.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/password_policy.h"
#include "medsec/revocation.h"

#define CERT_A "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"

static int
try_login(struct people *p, const char *name, const char *pw,
    const char *source)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];

	return medsec_identity_login(p->id, name, pw, strlen(pw), source,
	    token, NULL);
}

static int
count_accounts(const struct medsec_account *a, void *ctx)
{
	(void)a;
	(*(size_t *)ctx)++;
	return 0;
}

static int
count_sessions(const struct medsec_session_info *si, void *ctx)
{
	(void)si;
	(*(size_t *)ctx)++;
	return 0;
}

/* A device with a database but nobody created yet. */
static void
bare_device(struct people *p)
{
	people_setup(p);
	assert_int_equal(medsec_db_exec(p->db, "DELETE FROM account"),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_exec(p->db, "DELETE FROM setup_code"),
	    MEDSEC_OK);
}

static void
test_req_1_10_new_device_has_no_accounts(void **state)
{
	struct people p;
	size_t n = 0;

	(void)state;
	bare_device(&p);
	assert_int_equal(medsec_identity_user_list(p.id, count_accounts, &n),
	    MEDSEC_OK);
	assert_int_equal(n, 0);
	/* No well-known name/password works. */
	assert_int_equal(try_login(&p, "admin", "admin", "local"),
	    MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(try_login(&p, "root", "", "local"),
	    MEDSEC_ERR_LOGIN_FAILED);
	people_teardown(&p);
}

static void
test_req_1_10_setup_code_works_once(void **state)
{
	char code[MEDSEC_SETUP_CODE_LEN], why[256];
	struct people p;

	(void)state;
	bare_device(&p);
	assert_int_equal(medsec_identity_setup_code_issue(p.id, code),
	    MEDSEC_OK);
	assert_int_equal(strlen(code), 29);
	/* A wrong code, then the right one, then the right one again. */
	assert_int_equal(medsec_identity_bootstrap(p.id,
			     "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "chief",
			     PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD),
			     "local", why, sizeof(why)), MEDSEC_ERR_AUTH);
	assert_int_equal(medsec_identity_bootstrap(p.id, code, "chief",
			     PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD),
			     "local", why, sizeof(why)), MEDSEC_OK);
	assert_int_equal(medsec_identity_bootstrap(p.id, code, "chief2",
			     PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD),
			     "local", why, sizeof(why)), MEDSEC_ERR_AUTH);
	/* Lower case and spaces are forgiven; a used code is still used. */
	assert_int_equal(try_login(&p, "chief", PEOPLE_ADMIN_PASSWORD,
			     "local"), MEDSEC_OK);
	assert_int_equal(medsec_identity_setup_code_issue(p.id, code),
	    MEDSEC_ERR_STATE);
	people_teardown(&p);
}

static void
test_req_1_10_setup_code_expires(void **state)
{
	char code[MEDSEC_SETUP_CODE_LEN], why[256];
	struct people p;

	(void)state;
	bare_device(&p);
	assert_int_equal(medsec_identity_setup_code_issue(p.id, code),
	    MEDSEC_OK);
	people_advance(&p, 24 * 3600);
	assert_int_equal(medsec_identity_bootstrap(p.id, code, "chief",
			     PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD),
			     "local", why, sizeof(why)), MEDSEC_ERR_EXPIRED);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "setup code expired"), 1);
	people_teardown(&p);
}

static void
test_req_1_10_setup_code_lowercase_accepted(void **state)
{
	char code[MEDSEC_SETUP_CODE_LEN], why[256];
	struct people p;
	size_t i;

	(void)state;
	bare_device(&p);
	assert_int_equal(medsec_identity_setup_code_issue(p.id, code),
	    MEDSEC_OK);
	for (i = 0; code[i] != '\0'; i++)
		if (code[i] >= 'A' && code[i] <= 'Z')
			code[i] = (char)(code[i] - 'A' + 'a');
	assert_int_equal(medsec_identity_bootstrap(p.id, code, "chief",
			     PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD),
			     "local", why, sizeof(why)), MEDSEC_OK);
	people_teardown(&p);
}

static void
test_req_1_3_failed_login_recorded_with_source(void **state)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	struct people p;
	int found = 0;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(try_login(&p, "nurse01", "Wrong-Password-1",
			     "198.51.100.23"), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(medsec_audit_checkpoint(p.audit), MEDSEC_OK);
	assert_int_equal(medsec_audit_reader_open(p.f.audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		if (rec.event == MEDSEC_EV_LOGIN_FAILURE &&
		    strcmp(rec.source, "198.51.100.23") == 0 &&
		    strcmp(rec.actor, "nurse01") == 0 &&
		    rec.outcome == MEDSEC_AUDIT_FAILURE)
			found = 1;
	medsec_audit_reader_close(rd);
	assert_true(found);
	people_teardown(&p);
}

static void
test_req_1_3_unknown_user_and_wrong_password_identical(void **state)
{
	struct people p;
	int unknown, wrong;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	unknown = try_login(&p, "nobody", "Wrong-Password-1", "192.0.2.1");
	wrong = try_login(&p, "nurse01", "Wrong-Password-1", "192.0.2.1");
	assert_int_equal(unknown, MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(wrong, unknown);
	assert_string_equal(medsec_strerror(unknown), medsec_strerror(wrong));
	/* Auditors can still tell the two apart. */
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "unknown user"), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "wrong password"), 1);
	people_teardown(&p);
}

static void
lock_out(struct people *p, const char *name)
{
	int i;

	for (i = 0; i < 5; i++)
		assert_int_equal(try_login(p, name, "Wrong-Password-1",
				     "192.0.2.50"), MEDSEC_ERR_LOGIN_FAILED);
}

static void
test_req_1_4_lockout_after_five_failures(void **state)
{
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	lock_out(&p, "nurse01");
	/* The right password no longer opens the account. */
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_ERR_LOCKED);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &a),
	    MEDSEC_OK);
	assert_int_equal(a.state, MEDSEC_ACCOUNT_LOCKED);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_ACCOUNT_LOCKED,
			     NULL), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "account locked"), 1);
	people_teardown(&p);
}

static void
test_req_1_4_lockout_survives_restart(void **state)
{
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	lock_out(&p, "nurse01");
	people_restart(&p);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_ERR_LOCKED);
	people_teardown(&p);
}

static void
test_req_1_4_failure_count_survives_restart(void **state)
{
	struct people p;
	int i;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	for (i = 0; i < 4; i++)
		assert_int_equal(try_login(&p, "nurse01", "Wrong-Password-1",
				     "192.0.2.50"), MEDSEC_ERR_LOGIN_FAILED);
	people_restart(&p);
	assert_int_equal(try_login(&p, "nurse01", "Wrong-Password-1",
			     "192.0.2.50"), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_ERR_LOCKED);
	people_teardown(&p);
}

static void
test_req_1_4_lock_expires_after_configured_time(void **state)
{
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	lock_out(&p, "nurse01");
	people_advance(&p, 899);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_ERR_LOCKED);
	people_advance(&p, 2);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &a),
	    MEDSEC_OK);
	assert_int_equal(a.failures, 0);
	people_teardown(&p);
}

static void
test_req_1_4_lock_until_admin_unlocks(void **state)
{
	struct people p;

	(void)state;
	people_setup(&p);
	medsec_identity_close(p.id);
	p.iopts.lock_seconds = 0;
	assert_int_equal(medsec_identity_open(p.db, p.audit, &p.roles,
			     p.sessions, &p.iopts, &p.id), MEDSEC_OK);
	people_add(&p, "nurse01", "clinician");
	lock_out(&p, "nurse01");
	people_advance(&p, 30 * 86400);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_ERR_LOCKED);
	assert_int_equal(medsec_identity_user_unlock(p.id, &p.admin,
			     "nurse01"), MEDSEC_OK);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.50"), MEDSEC_OK);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_ACCOUNT_UNLOCKED,
			     NULL), 1);
	people_teardown(&p);
}

static void
test_req_1_4_source_throttled(void **state)
{
	struct people p;
	char name[32];
	int i;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	/* nurse01 has a failure on record: not clean. */
	assert_int_equal(try_login(&p, "nurse01", "Wrong-Password-1",
			     "192.0.2.9"), MEDSEC_ERR_LOGIN_FAILED);
	/* Spraying many names from one address. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "guess%d", i);
		assert_int_equal(try_login(&p, name, "Wrong-Password-1",
				     "203.0.113.66"), MEDSEC_ERR_LOGIN_FAILED);
	}
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "203.0.113.66"), MEDSEC_ERR_THROTTLED);
	/* Unknown names and wrong passwords get the same answer. */
	assert_int_equal(try_login(&p, "guess99", "Wrong-Password-1",
			     "203.0.113.66"), MEDSEC_ERR_THROTTLED);
	assert_int_equal(try_login(&p, "admin", "Wrong-Password-1",
			     "203.0.113.66"), MEDSEC_ERR_THROTTLED);
	/* Other sources are unaffected; the window runs out. */
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "192.0.2.1"), MEDSEC_OK);
	people_advance(&p, 301);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD,
			     "203.0.113.66"), MEDSEC_OK);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_THROTTLED, NULL),
	    3);
	people_teardown(&p);
}

static void
test_req_1_7_expired_account_refused(void **state)
{
	char why[256];
	struct people p;
	int64_t tomorrow;

	(void)state;
	people_setup(&p);
	tomorrow = p.clock.wall_us + INT64_C(86400) * 1000000;
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "locum",
			     "clinician", tomorrow, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_OK);
	people_skip_first_change(&p, "locum");
	assert_int_equal(try_login(&p, "locum", PEOPLE_PASSWORD, "local"),
	    MEDSEC_OK);
	people_advance(&p, 86400);
	assert_int_equal(try_login(&p, "locum", PEOPLE_PASSWORD, "local"),
	    MEDSEC_ERR_EXPIRED);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "expired"), 1);
	people_teardown(&p);
}

static void
test_req_1_7_expire_now_ends_session(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", t,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_set_expiry(p.id, &p.admin,
			     "nurse01", p.clock.wall_us), MEDSEC_OK);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_ERR_DISABLED);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD, "local"),
	    MEDSEC_ERR_EXPIRED);
	people_teardown(&p);
}

static void
test_req_1_6_disable_ends_sessions_and_blocks_login(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", t,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "nurse01", 1), MEDSEC_OK);
	assert_int_equal(medsec_session_check(p.sessions, t, NULL),
	    MEDSEC_ERR_DISABLED);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD, "local"),
	    MEDSEC_ERR_DISABLED);
	/* A wrong password on a disabled account says only "failed". */
	assert_int_equal(try_login(&p, "nurse01", "Wrong-Password-1",
			     "local"), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "nurse01", 0), MEDSEC_OK);
	assert_int_equal(try_login(&p, "nurse01", PEOPLE_PASSWORD, "local"),
	    MEDSEC_OK);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_USER_DISABLED,
			     NULL), 1);
	people_teardown(&p);
}

static void
test_req_1_6_disabled_peer_certificate_revoked(void **state)
{
	struct medsec_account a;
	struct people p;
	char *list = NULL;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_identity_peer_add(p.id, &p.admin, "hospital-hub",
			     CERT_A, 0), MEDSEC_OK);
	assert_int_equal(medsec_identity_peer_authenticate(p.id, CERT_A,
			     "10.0.0.5", &a), MEDSEC_OK);
	assert_string_equal(a.name, "hospital-hub");
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "hospital-hub", 1), MEDSEC_OK);
	assert_int_equal(medsec_identity_peer_authenticate(p.id, CERT_A,
			     "10.0.0.5", &a), MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_identity_cert_check(p.id, CERT_A),
	    MEDSEC_ERR_DISABLED);
	/* Re-enabling the account does not un-revoke the certificate. */
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "hospital-hub", 0), MEDSEC_OK);
	assert_int_equal(medsec_identity_peer_authenticate(p.id, CERT_A,
			     "10.0.0.5", &a), MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_identity_revocation_list(p.id, &list),
	    MEDSEC_OK);
	assert_non_null(strstr(list, "medsec-revocation-list 1\n"));
	assert_non_null(strstr(list, CERT_A " "));
	assert_non_null(strstr(list, " hospital-hub peer disabled\n"));
	free(list);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_CERT_REVOKED, NULL),
	    1);
	people_teardown(&p);
}

static void
test_req_1_6_machine_peer_cannot_use_password(void **state)
{
	struct people p;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_identity_peer_add(p.id, &p.admin, "hub",
			     CERT_A, 0), MEDSEC_OK);
	assert_int_equal(try_login(&p, "hub", "", "local"),
	    MEDSEC_ERR_LOGIN_FAILED);
	people_teardown(&p);
}

static void
test_req_1_1_machine_role_cannot_log_in_interactively(void **state)
{
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "uplink", "machine");
	assert_int_equal(try_login(&p, "uplink", PEOPLE_PASSWORD, "local"),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "machine role"), 1);
	people_teardown(&p);
}

static void
test_req_1_1_non_admin_cannot_manage_users(void **state)
{
	struct medsec_subject nurse = { "nurse01", "local", "clinician" };
	char why[256];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_user_add(p.id, &nurse, "mallory",
			     "administrator", 0, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_identity_user_roles(p.id, &nurse, "nurse01",
			     "administrator", NULL), MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_identity_user_unlock(p.id, NULL, "nurse01"),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_PERMISSION_DENIED,
			     NULL), 3);
	people_teardown(&p);
}

static void
test_req_1_1_auditor_session_cannot_read_records(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct medsec_subject who;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "inspector", "auditor");
	assert_int_equal(medsec_identity_login(p.id, "inspector",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", t,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_identity_session_subject(p.id, t, &info,
			     &who), MEDSEC_OK);
	assert_int_equal(medsec_access_check(&p.roles, p.audit, &who,
			     MEDSEC_PERM_PHR_READ, "patient/42"),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_access_check(&p.roles, p.audit, &who,
			     MEDSEC_PERM_AUDIT_READ, "audit"), MEDSEC_OK);
	people_teardown(&p);
}

static void
test_req_1_1_role_change_ends_session(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", t,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_roles(p.id, &p.admin, "nurse01",
			     "technician", "clinician"), MEDSEC_OK);
	assert_int_equal(medsec_session_check(p.sessions, t, NULL),
	    MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &a),
	    MEDSEC_OK);
	assert_string_equal(a.roles, "technician");
	assert_int_equal(medsec_identity_user_roles(p.id, &p.admin, "nurse01",
			     "no-such-role", NULL), MEDSEC_ERR_INVALID);
	/* The emergency role comes only from break-glass. */
	assert_int_equal(medsec_identity_user_roles(p.id, &p.admin, "nurse01",
			     "emergency", NULL), MEDSEC_ERR_INVALID);
	{
		char why[256] = "";

		assert_int_equal(medsec_identity_user_add(p.id, &p.admin,
				     "glass", "clinician,emergency", 0,
				     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), why,
				     sizeof(why)), MEDSEC_ERR_INVALID);
	}
	assert_int_equal(medsec_identity_user_roles(p.id, &p.admin, "nurse01",
			     NULL, "technician"), MEDSEC_ERR_STATE);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_ROLE_CHANGED,
			     NULL), 1);
	people_teardown(&p);
}

static void
test_req_1_9_policy_refusal_names_rule(void **state)
{
	char why[256] = "";
	struct people p;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "nurse01",
			     "clinician", 0, "short1A", 7, why, sizeof(why)),
	    MEDSEC_ERR_POLICY);
	assert_non_null(strstr(why, "short"));
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "nurse01",
			     "clinician", 0, "nurse01-Secret9", 15, why,
			     sizeof(why)), MEDSEC_ERR_POLICY);
	assert_non_null(strstr(why, "user"));
	people_teardown(&p);
}

static void
test_req_1_9_password_reuse_refused(void **state)
{
	static const char second[] = "Second-Secret-42";
	struct medsec_subject nurse = { "nurse01", "local", "clinician" };
	char why[256] = "";
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_password_change(p.id, &nurse,
			     "nurse01", PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD),
			     second, strlen(second), why, sizeof(why)),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_password_change(p.id, &nurse,
			     "nurse01", second, strlen(second), PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_ERR_POLICY);
	assert_non_null(strstr(why, "used recently"));
	assert_int_equal(medsec_identity_password_change(p.id, &nurse,
			     "nurse01", second, strlen(second), second,
			     strlen(second), why, sizeof(why)),
	    MEDSEC_ERR_POLICY);
	assert_int_equal(try_login(&p, "nurse01", second, "local"), MEDSEC_OK);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_PASSWORD_CHANGED,
			     NULL), 1);
	people_teardown(&p);
}

static void
test_req_1_9_initial_password_must_change(void **state)
{
	static const char fresh[] = "Fresh-Secret-42";
	struct medsec_subject nurse = { "nurse01", "local", "clinician" };
	char why[256];
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "nurse01",
			     "clinician", 0, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &a),
	    MEDSEC_OK);
	assert_true(a.must_change);
	/* The initial password authenticates nothing but its change. */
	assert_int_equal(medsec_identity_authenticate(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local",
			     &a), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_password_change(p.id, &nurse,
			     "nurse01", PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD),
			     fresh, strlen(fresh), why, sizeof(why)), MEDSEC_OK);
	assert_int_equal(medsec_identity_authenticate(p.id, "nurse01", fresh,
			     strlen(fresh), "local", &a), MEDSEC_OK);
	assert_false(a.must_change);
	people_teardown(&p);
}

static void
test_req_1_9_must_change_gets_no_session(void **state)
{
	static const char fresh[] = "Fresh-Secret-42";
	struct medsec_subject nurse = { "nurse01", "local", "clinician" };
	char t[MEDSEC_TOKEN_TEXT_LEN], why[256];
	struct medsec_session_info info;
	struct medsec_subject who;
	struct people p;
	size_t n = 0;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "nurse01",
			     "clinician", 0, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", t,
			     &info), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_session_list(p.sessions, 1, count_sessions, &n),
	    MEDSEC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "must be changed"), 1);
	assert_int_equal(medsec_identity_password_change(p.id, &nurse,
			     "nurse01", PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD),
			     fresh, strlen(fresh), why, sizeof(why)), MEDSEC_OK);
	assert_int_equal(medsec_identity_login(p.id, "nurse01", fresh,
			     strlen(fresh), "local", t, &info), MEDSEC_OK);
	assert_false(info.must_change);
	assert_int_equal(medsec_identity_session_subject(p.id, t, &info, &who),
	    MEDSEC_OK);
	people_teardown(&p);
}

static void
test_req_1_9_password_max_age_forces_change(void **state)
{
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	medsec_identity_close(p.id);
	p.iopts.password_max_age_days = 90;
	assert_int_equal(medsec_identity_open(p.db, p.audit, &p.roles,
			     p.sessions, &p.iopts, &p.id), MEDSEC_OK);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_authenticate(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local",
			     &a), MEDSEC_OK);
	assert_false(a.must_change);
	people_advance(&p, 91 * 86400);
	assert_int_equal(medsec_identity_authenticate(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local",
			     &a), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &a),
	    MEDSEC_OK);
	assert_true(a.must_change);
	people_teardown(&p);
}

static void
test_req_1_9_weak_argon2_parameters_refused(void **state)
{
	struct medsec_identity *weak = NULL;
	struct medsec_identity_options o;
	struct people p;

	(void)state;
	people_setup(&p);
	o = p.iopts;
	o.pwhash_mem = 8u << 20;
	assert_int_equal(medsec_identity_open(p.db, p.audit, &p.roles,
			     p.sessions, &o, &weak), MEDSEC_ERR_WEAK_ALGORITHM);
	o = p.iopts;
	o.pwhash_ops = 1;
	assert_int_equal(medsec_identity_open(p.db, p.audit, &p.roles,
			     p.sessions, &o, &weak), MEDSEC_ERR_WEAK_ALGORITHM);
	assert_null(weak);
	people_teardown(&p);
}

static void
test_req_1_9_password_stored_as_argon2id(void **state)
{
	struct medsec_db_stmt *st = NULL;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_db_prepare(p.db, "SELECT pwhash FROM account "
			     "WHERE name = 'nurse01'", &st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	assert_true(strncmp(medsec_db_column_text(st, 0),
			"$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	assert_null(strstr(medsec_db_column_text(st, 0), PEOPLE_PASSWORD));
	medsec_db_finalize(st);
	people_teardown(&p);
}

static void
test_req_1_9_long_passphrase_not_truncated(void **state)
{
	char pw[201], why[256];
	struct people p;

	(void)state;
	people_setup(&p);
	for (size_t i = 0; i < 200; i++)
		pw[i] = "correct horse battery staple and a Gyro 7 "[i % 42];
	pw[200] = '\0';
	assert_int_equal(medsec_identity_user_add(p.id, &p.admin, "nurse01",
			     "clinician", 0, pw, 200, why, sizeof(why)),
	    MEDSEC_OK);
	people_skip_first_change(&p, "nurse01");
	assert_int_equal(medsec_identity_authenticate(p.id, "nurse01", pw, 200,
			     "local", NULL), MEDSEC_OK);
	pw[199] = 'X';
	assert_int_equal(medsec_identity_authenticate(p.id, "nurse01", pw, 200,
			     "local", NULL), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(medsec_identity_authenticate(p.id, "nurse01", pw, 64,
			     "local", NULL), MEDSEC_ERR_LOGIN_FAILED);
	people_teardown(&p);
}

static void
test_req_1_1_reauth_required_for_dangerous_action(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "tech01", "technician");
	assert_int_equal(medsec_identity_login(p.id, "tech01", PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), "local", t, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_require_fresh(p.id, t), MEDSEC_OK);
	people_advance(&p, 200);
	assert_int_equal(medsec_session_check(p.sessions, t, NULL), MEDSEC_OK);
	people_advance(&p, 200);
	assert_int_equal(medsec_identity_require_fresh(p.id, t),
	    MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_reauth(p.id, t, "Wrong-Password-1",
			     16, "local", t2, NULL), MEDSEC_ERR_AUTH);
	assert_int_equal(medsec_identity_require_fresh(p.id, t),
	    MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_reauth(p.id, t, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), "local", t2, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_require_fresh(p.id, t2), MEDSEC_OK);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_REAUTH_FAILURE,
			     NULL), 1);
	people_teardown(&p);
}

static void
test_req_1_4_break_glass_when_locked_out(void **state)
{
	char code[MEDSEC_EMERGENCY_CODE_LEN], t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct medsec_subject who;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(medsec_identity_emergency_seal(p.id, &p.admin, code),
	    MEDSEC_OK);
	lock_out(&p, "nurse01");
	assert_int_equal(medsec_identity_emergency_login(p.id, code,
			     "Nurse Kim (nurse01)", "bedside", t, &info),
	    MEDSEC_OK);
	assert_true(info.emergency);
	assert_int_equal(medsec_identity_session_subject(p.id, t, &info, &who),
	    MEDSEC_OK);
	assert_string_equal(who.roles, "emergency");
	/* What the session does is recorded against the person. */
	assert_string_equal(who.user, "emergency/Nurse Kim (nurse01)");
	/* Narrow: keep therapy running and see the patient, nothing else. */
	assert_int_equal(medsec_access_check(&p.roles, p.audit, &who,
			     MEDSEC_PERM_DEVICE_CONTROL, "pump"), MEDSEC_OK);
	assert_int_equal(medsec_access_check(&p.roles, p.audit, &who,
			     MEDSEC_PERM_USER_ADMIN, "nurse01"),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_access_check(&p.roles, p.audit, &who,
			     MEDSEC_PERM_CONFIG, "settings"), MEDSEC_ERR_DENIED);
	/* Single use. */
	assert_int_equal(medsec_identity_emergency_login(p.id, code, "someone",
			     "bedside", t, NULL), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_EMERGENCY_ACCESS,
			     "break-glass session started"), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_INCIDENT,
			     "ALERT"), 1);
	/* An administrator seals a new one. */
	assert_int_equal(medsec_identity_emergency_seal(p.id, &p.admin, code),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_emergency_login(p.id, code, "someone",
			     "bedside", t, NULL), MEDSEC_OK);
	people_teardown(&p);
}

static void
test_req_1_4_break_glass_off_unless_configured(void **state)
{
	char code[MEDSEC_EMERGENCY_CODE_LEN], t[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	medsec_identity_close(p.id);
	p.iopts.emergency_access = 0;
	assert_int_equal(medsec_identity_open(p.db, p.audit, &p.roles,
			     p.sessions, &p.iopts, &p.id), MEDSEC_OK);
	assert_int_equal(medsec_identity_emergency_seal(p.id, &p.admin, code),
	    MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_emergency_login(p.id,
			     "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "x", "bedside", t,
			     NULL), MEDSEC_ERR_STATE);
	people_teardown(&p);
}

static void
test_req_2_1_audit_trail_verifies_after_scenario(void **state)
{
	struct medsec_audit_verify_result res;
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	lock_out(&p, "nurse01");
	assert_int_equal(medsec_identity_user_unlock(p.id, &p.admin,
			     "nurse01"), MEDSEC_OK);
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", t,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_session_logout(p.sessions, t), MEDSEC_OK);
	people_restart(&p);
	assert_int_equal(fixture_verify(&p.f, 1, &res), MEDSEC_OK);
	people_teardown(&p);
}

static int
count_revoked(const struct medsec_revoked *e, void *ctx)
{
	assert_string_equal(e->cert_sha256, CERT_A);
	assert_string_equal(e->subject, "hub");
	assert_string_equal(e->reason, "key compromise");
	(*(int *)ctx)++;
	return 0;
}

static void
test_req_1_6_revocation_list_round_trip(void **state)
{
	struct people p;
	char *list = NULL, err[128];
	int n = 0;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_identity_cert_revoke(p.id, &p.admin, CERT_A,
			     "hub", "key compromise"), MEDSEC_OK);
	assert_int_equal(medsec_identity_revocation_list(p.id, &list),
	    MEDSEC_OK);
	assert_int_equal(medsec_revocation_parse(list, strlen(list),
			     count_revoked, &n, err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(medsec_revocation_check(list, strlen(list), CERT_A),
	    MEDSEC_ERR_DISABLED);
	list[0] = 'x';
	assert_int_equal(medsec_revocation_check(list, strlen(list), CERT_A),
	    MEDSEC_ERR_FORMAT);
	free(list);
	people_teardown(&p);
}

static void
test_req_1_6_revocation_list_malformed_refused(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} bad[] = {
		{ "", "line 1: empty list" },
		{ "medsec-revocation-list 2\n", "line 1: not a medsec" },
		{ "medsec-revocation-list 1\nabc 2026-01-01T00:00:00Z s r\n",
		    "line 2: certificate hash" },
		{ "medsec-revocation-list 1\n" CERT_A " yesterday s r\n",
		    "line 2: revocation time" },
		{ "medsec-revocation-list 1\n" CERT_A
		    " 2026-01-01T00:00:00Z s\n", "line 2: expected" },
		{ "medsec-revocation-list 1\n" CERT_A
		    " 2026-01-01T00:00:00Z s r", "line 2: missing newline" },
	};
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(medsec_revocation_parse(bad[i].text,
				     strlen(bad[i].text), NULL, NULL, err,
				     sizeof(err)), MEDSEC_ERR_FORMAT);
		assert_non_null(strstr(err, bad[i].err));
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_10_new_device_has_no_accounts),
	cmocka_unit_test(test_req_1_10_setup_code_works_once),
	cmocka_unit_test(test_req_1_10_setup_code_expires),
	cmocka_unit_test(test_req_1_10_setup_code_lowercase_accepted),
	cmocka_unit_test(test_req_1_3_failed_login_recorded_with_source),
	cmocka_unit_test(test_req_1_3_unknown_user_and_wrong_password_identical),
	cmocka_unit_test(test_req_1_4_lockout_after_five_failures),
	cmocka_unit_test(test_req_1_4_lockout_survives_restart),
	cmocka_unit_test(test_req_1_4_failure_count_survives_restart),
	cmocka_unit_test(test_req_1_4_lock_expires_after_configured_time),
	cmocka_unit_test(test_req_1_4_lock_until_admin_unlocks),
	cmocka_unit_test(test_req_1_4_source_throttled),
	cmocka_unit_test(test_req_1_7_expired_account_refused),
	cmocka_unit_test(test_req_1_7_expire_now_ends_session),
	cmocka_unit_test(test_req_1_6_disable_ends_sessions_and_blocks_login),
	cmocka_unit_test(test_req_1_6_disabled_peer_certificate_revoked),
	cmocka_unit_test(test_req_1_6_machine_peer_cannot_use_password),
	cmocka_unit_test(test_req_1_6_revocation_list_round_trip),
	cmocka_unit_test(test_req_1_6_revocation_list_malformed_refused),
	cmocka_unit_test(test_req_1_1_machine_role_cannot_log_in_interactively),
	cmocka_unit_test(test_req_1_1_non_admin_cannot_manage_users),
	cmocka_unit_test(test_req_1_1_auditor_session_cannot_read_records),
	cmocka_unit_test(test_req_1_1_role_change_ends_session),
	cmocka_unit_test(test_req_1_9_policy_refusal_names_rule),
	cmocka_unit_test(test_req_1_9_password_reuse_refused),
	cmocka_unit_test(test_req_1_9_initial_password_must_change),
	cmocka_unit_test(test_req_1_9_must_change_gets_no_session),
	cmocka_unit_test(test_req_1_9_password_max_age_forces_change),
	cmocka_unit_test(test_req_1_9_weak_argon2_parameters_refused),
	cmocka_unit_test(test_req_1_9_password_stored_as_argon2id),
	cmocka_unit_test(test_req_1_9_long_passphrase_not_truncated),
	cmocka_unit_test(test_req_1_1_reauth_required_for_dangerous_action),
	cmocka_unit_test(test_req_1_4_break_glass_when_locked_out),
	cmocka_unit_test(test_req_1_4_break_glass_off_unless_configured),
	cmocka_unit_test(test_req_2_1_audit_trail_verifies_after_scenario),
};

MEDSEC_TEST_MAIN(tests)
