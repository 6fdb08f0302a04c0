/*
 * Catalog D2, session fixation: a token known before a login or a
 * re-authentication must not be the token after it. Each test checks the
 * four things an attack test asserts: refused, a clear reason, an audit
 * record, and the state otherwise unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "people.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/err.h"

static size_t
live_sessions(struct people *p, const char *user)
{
	struct medsec_db_stmt *st = NULL;
	size_t n;

	assert_int_equal(medsec_db_prepare(p->db, "SELECT count(*) FROM "
			     "session WHERE name = ?1 AND ended_us IS NULL", &st),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_bind_text(st, 1, user), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	n = (size_t)medsec_db_column_int64(st, 0);
	medsec_db_finalize(st);
	return n;
}

static void
test_attack_d2_reauth_issues_new_token_old_one_dead(void **state)
{
	char t1[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info before, after, info;
	struct medsec_db *db2 = NULL;
	struct medsec_sessions *other = NULL;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "tech01", "technician");
	assert_int_equal(medsec_identity_login(p.id, "tech01", PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), "192.0.2.20", t1, &before),
	    MEDSEC_OK);
	people_advance(&p, 120);
	assert_int_equal(medsec_identity_reauth(p.id, t1, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), "192.0.2.20", t2, &after),
	    MEDSEC_OK);
	/* A new token and id, for the same person and the same lifetime. */
	assert_string_not_equal(t1, t2);
	assert_string_not_equal(before.id, after.id);
	assert_string_equal(after.user, "tech01");
	assert_int_equal(after.created_us, before.created_us);
	assert_int_equal(medsec_identity_require_fresh(p.id, t2), MEDSEC_OK);
	/* Refused: whoever knew the old token holds nothing. */
	memset(&info, 0, sizeof(info));
	assert_int_equal(medsec_session_check(p.sessions, t1, &info),
	    MEDSEC_ERR_DISABLED);
	/* A clear reason. */
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_ROTATED);
	assert_string_equal(medsec_session_end_name(info.end_reason),
	    "rotated");
	/* Dead in every process, not only this one. */
	assert_int_equal(medsec_db_open(p.dbpath, 0, &db2), MEDSEC_OK);
	assert_int_equal(medsec_sessions_open(db2, NULL, &p.sopts, &other),
	    MEDSEC_OK);
	assert_int_equal(medsec_session_check(other, t1, NULL),
	    MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_session_check(other, t2, NULL), MEDSEC_OK);
	medsec_sessions_close(other);
	medsec_db_close(db2);
	/* Recorded. */
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_ENDED,
			     "token replaced after re-authentication"), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_SUCCESS,
			     "re-authenticated"), 1);
	/* State: still one live session; the lifetime was not extended. */
	assert_int_equal(live_sessions(&p, "tech01"), 1);
	people_advance(&p, 28800 - 120);
	assert_int_equal(medsec_session_check(p.sessions, t2, &info),
	    MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_LIFETIME);
	people_teardown(&p);
}

static void
test_attack_d2_failed_reauth_keeps_token_and_counts(void **state)
{
	char t1[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_account a;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "tech01", "technician");
	assert_int_equal(medsec_identity_login(p.id, "tech01", PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), "192.0.2.21", t1, NULL),
	    MEDSEC_OK);
	/* Refused, with the re-authentication answer. */
	assert_int_equal(medsec_identity_reauth(p.id, t1, "Wrong-Password-1",
			     16, "192.0.2.21", t2, NULL), MEDSEC_ERR_AUTH);
	/* No token handed out; the session goes on as it was. */
	assert_int_equal(t2[0], '\0');
	assert_int_equal(medsec_session_check(p.sessions, t1, NULL), MEDSEC_OK);
	assert_int_equal(live_sessions(&p, "tech01"), 1);
	/* Recorded, and counted as a failed login. */
	assert_int_equal(people_count_events(&p, MEDSEC_EV_REAUTH_FAILURE,
			     "wrong password"), 1);
	assert_int_equal(medsec_identity_user_get(p.id, "tech01", &a),
	    MEDSEC_OK);
	assert_int_equal(a.failures, 1);
	people_teardown(&p);
}

static void
test_attack_d2_login_never_reuses_a_known_token(void **state)
{
	char t1[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	/* The attacker logs in first and plants that session's token. */
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "192.0.2.22",
			     t1, NULL), MEDSEC_OK);
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "192.0.2.23",
			     t2, NULL), MEDSEC_OK);
	assert_string_not_equal(t1, t2);
	assert_int_equal(medsec_session_check(p.sessions, t1, &info),
	    MEDSEC_ERR_SESSION_REPLACED);
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_REPLACED);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_ENDED,
			     "newer login"), 1);
	assert_int_equal(live_sessions(&p, "nurse01"), 1);
	people_teardown(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_attack_d2_reauth_issues_new_token_old_one_dead),
	cmocka_unit_test(test_attack_d2_failed_reauth_keeps_token_and_counts),
	cmocka_unit_test(test_attack_d2_login_never_reuses_a_known_token),
};

MEDSEC_TEST_MAIN(tests)
