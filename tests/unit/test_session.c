/*
 * Sessions: one per user (MFDS 1.2: never two valid tokens for a user,
 * checked in the database and from another process), timeouts (MFDS 1.8:
 * the token is refused after the limit, everywhere, and the end is
 * recorded), and tokens that are refused once ended or never issued
 * (MFDS 1.4). Token quality (catalog D1) is not an MFDS item: untagged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "people.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

static void
login(struct people *p, const char *name, char token[MEDSEC_TOKEN_TEXT_LEN])
{
	assert_int_equal(medsec_identity_login(p->id, name, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), "192.0.2.7", token, NULL),
	    MEDSEC_OK);
}

static int MEDSEC_TEST_PASSES_NULL
check(struct people *p, const char *token)
{
	struct medsec_session_info info;

	return medsec_session_check(p->sessions, token, &info);
}

static size_t
count_live(struct people *p)
{
	struct medsec_db_stmt *st = NULL;
	size_t n;

	assert_int_equal(medsec_db_prepare(p->db, "SELECT count(*) FROM "
			     "session WHERE ended_us IS NULL", &st), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_ROW);
	n = (size_t)medsec_db_column_int64(st, 0);
	medsec_db_finalize(st);
	return n;
}

/* Checks a token through a second connection: another process's view. */
static int
check_elsewhere(struct people *p, const char *token)
{
	struct medsec_sessions *other = NULL;
	struct medsec_db *db2 = NULL;
	int r;

	assert_int_equal(medsec_db_open(p->dbpath, 0, &db2), MEDSEC_OK);
	assert_int_equal(medsec_sessions_open(db2, NULL, &p->sopts, &other),
	    MEDSEC_OK);
	r = medsec_session_check(other, token, NULL);
	medsec_sessions_close(other);
	medsec_db_close(db2);
	return r;
}

static void
test_req_1_2_second_login_replaces_first(void **state)
{
	char t1[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t1);
	assert_int_equal(check(&p, t1), MEDSEC_OK);
	login(&p, "nurse01", t2);
	/* The displaced session is told why, in its own words. */
	assert_int_equal(medsec_session_check(p.sessions, t1, &info),
	    MEDSEC_ERR_SESSION_REPLACED);
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_REPLACED);
	assert_string_equal(medsec_strerror(MEDSEC_ERR_SESSION_REPLACED),
	    "session ended by a newer login");
	assert_int_equal(check(&p, t2), MEDSEC_OK);
	/* Never two valid tokens for one user, here or in another process. */
	assert_int_equal(check_elsewhere(&p, t1), MEDSEC_ERR_SESSION_REPLACED);
	assert_int_equal(check_elsewhere(&p, t2), MEDSEC_OK);
	assert_int_equal(count_live(&p), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_ENDED,
			     "newer login"), 1);
	people_teardown(&p);
}

static void
test_req_1_2_refuse_policy_rejects_second_login(void **state)
{
	static const char roles[] = "[role clinician]\n"
	    "permissions = phr-read, phr-write, device-control\n"
	    "session_policy = refuse\n";
	char t1[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_config_error err;
	struct people p;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_roles_parse("roles.ini", roles,
			     sizeof(roles) - 1, &p.roles, &err), MEDSEC_OK);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t1);
	memset(t2, 'x', sizeof(t2));
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "192.0.2.8",
			     t2, NULL), MEDSEC_ERR_SESSION_ACTIVE);
	/* The second access gets no token; the first is untouched. */
	assert_int_equal(t2[0], '\0');
	assert_int_equal(check(&p, t1), MEDSEC_OK);
	assert_int_equal(count_live(&p), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "policy is refuse"), 1);
	/* After logout the next login is accepted, and still only one. */
	assert_int_equal(medsec_session_logout(p.sessions, t1), MEDSEC_OK);
	login(&p, "nurse01", t2);
	assert_int_equal(check(&p, t1), MEDSEC_ERR_DISABLED);
	assert_int_equal(count_live(&p), 1);
	people_teardown(&p);
}

/* Children race to log in the same user; each has its own connection. */
static void
race_child(const char *dbpath, const struct people *p, int out)
{
	struct medsec_sessions *s = NULL;
	struct medsec_identity *id = NULL;
	struct medsec_db *db = NULL;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	int r;

	if (medsec_db_open(dbpath, 0, &db) != MEDSEC_OK ||
	    medsec_sessions_open(db, NULL, &p->sopts, &s) != MEDSEC_OK ||
	    medsec_identity_open(db, NULL, &p->roles, s, &p->iopts, &id) !=
	    MEDSEC_OK)
		_exit(3);
	r = medsec_identity_login(id, "nurse01", PEOPLE_PASSWORD,
	    strlen(PEOPLE_PASSWORD), "192.0.2.9", token, NULL);
	if (r != MEDSEC_OK)
		memset(token, 0, sizeof(token));
	if (write(out, token, sizeof(token)) != (ssize_t)sizeof(token))
		r = MEDSEC_ERR_IO;
	medsec_identity_close(id);
	medsec_sessions_close(s);
	medsec_db_close(db);
	_exit(r == MEDSEC_OK ? 0 : r == MEDSEC_ERR_SESSION_ACTIVE ? 1 : 2);
}

/*
 * Runs four racing logins; returns how many of the tokens they were given
 * are valid afterwards (the property 1.2 asks for: never two).
 */
static int
race(struct people *p, int *won, int *refused)
{
	char tokens[4][MEDSEC_TOKEN_TEXT_LEN];
	int i, status, fds[2], valid = 0;
	pid_t pids[4];

	*won = *refused = 0;
	for (i = 0; i < 4; i++) {
		assert_int_equal(pipe(fds), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[0]);
			race_child(p->dbpath, p, fds[1]);
		}
		close(fds[1]);
		assert_int_equal(read(fds[0], tokens[i], sizeof(tokens[i])),
		    sizeof(tokens[i]));
		close(fds[0]);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		*won += WEXITSTATUS(status) == 0;
		*refused += WEXITSTATUS(status) == 1;
		if (tokens[i][0] != '\0' && check(p, tokens[i]) == MEDSEC_OK)
			valid++;
	}
	return valid;
}

static void
test_req_1_2_concurrent_logins_one_wins(void **state)
{
	static const char roles[] = "[role clinician]\n"
	    "permissions = phr-read\nsession_policy = refuse\n";
	struct medsec_config_error err;
	struct people p;
	int won, refused;

	(void)state;
	people_setup(&p);
	assert_int_equal(medsec_roles_parse("roles.ini", roles,
			     sizeof(roles) - 1, &p.roles, &err), MEDSEC_OK);
	people_add(&p, "nurse01", "clinician");
	assert_int_equal(race(&p, &won, &refused), 1);
	assert_int_equal(won, 1);
	assert_int_equal(refused, 3);
	assert_int_equal(count_live(&p), 1);
	people_teardown(&p);
}

static void
test_req_1_2_concurrent_replace_leaves_one_live(void **state)
{
	struct people p;
	int won, refused;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	/* Every login succeeds in turn; exactly one token stays valid. */
	assert_int_equal(race(&p, &won, &refused), 1);
	assert_int_equal(won, 4);
	assert_int_equal(count_live(&p), 1);
	people_teardown(&p);
}

static void
test_req_1_8_idle_timeout_ends_session(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	people_advance(&p, 599);
	assert_int_equal(check(&p, t), MEDSEC_OK);
	people_advance(&p, 600);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_IDLE);
	/* And it stays dead, here and in another process. */
	assert_int_equal(check(&p, t), MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(check_elsewhere(&p, t), MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(count_live(&p), 0);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_EXPIRED,
			     "idle"), 1);
	people_teardown(&p);
}

static void
test_req_1_8_lifetime_ends_active_session(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;
	int i;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	/* Busy every five minutes, for just under eight hours. */
	for (i = 0; i < 95; i++) {
		people_advance(&p, 300);
		assert_int_equal(check(&p, t), MEDSEC_OK);
	}
	people_advance(&p, 300);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_LIFETIME);
	assert_int_equal(check_elsewhere(&p, t), MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(count_live(&p), 0);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_EXPIRED,
			     "lifetime"), 1);
	people_teardown(&p);
}

static void
test_req_1_8_therapy_session_not_idled_out(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	assert_int_equal(medsec_session_set_therapy(p.sessions, t, 1),
	    MEDSEC_OK);
	people_advance(&p, 3 * 3600);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_OK);
	assert_true(info.therapy);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_THERAPY,
			     "idle timeout suspended"), 1);
	/* The lifetime still applies. */
	people_advance(&p, 5 * 3600);
	assert_int_equal(check(&p, t), MEDSEC_ERR_SESSION_EXPIRED);
	people_teardown(&p);
}

static void
test_req_1_8_clock_backwards_does_not_extend(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	/* Wall clock set back an hour; real (monotonic) time moves on. */
	p.clock.wall_us -= INT64_C(3600) * 1000000;
	p.clock.mono_us += INT64_C(601) * 1000000;
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_IDLE);
	people_teardown(&p);
}

static void
test_req_1_8_clock_backwards_across_restart_ends_session(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	p.clock.wall_us -= INT64_C(3600) * 1000000;
	people_restart(&p);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(info.end_reason, MEDSEC_SESSION_END_CLOCK);
	people_teardown(&p);
}

static void
test_req_1_8_session_survives_restart_within_limits(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	people_advance(&p, 120);
	people_restart(&p);
	assert_int_equal(check(&p, t), MEDSEC_OK);
	/* Idle time counts across the restart too. */
	people_advance(&p, 601);
	people_restart(&p);
	assert_int_equal(check(&p, t), MEDSEC_ERR_SESSION_EXPIRED);
	people_teardown(&p);
}

static void
test_req_1_8_sweep_ends_expired_sessions(void **state)
{
	char t1[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;
	size_t ended = 0;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	people_add(&p, "nurse02", "clinician");
	login(&p, "nurse01", t1);
	login(&p, "nurse02", t2);
	people_advance(&p, 300);
	assert_int_equal(check(&p, t2), MEDSEC_OK);
	people_advance(&p, 400);
	assert_int_equal(medsec_session_sweep(p.sessions, &ended), MEDSEC_OK);
	assert_int_equal(ended, 1);
	assert_int_equal(check(&p, t1), MEDSEC_ERR_SESSION_EXPIRED);
	assert_int_equal(check(&p, t2), MEDSEC_OK);
	assert_int_equal(count_live(&p), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_EXPIRED,
			     "idle"), 1);
	people_teardown(&p);
}

static void
test_req_1_4_token_refused_after_logout(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	assert_int_equal(medsec_session_logout(p.sessions, t), MEDSEC_OK);
	assert_int_equal(check(&p, t), MEDSEC_ERR_DISABLED);
	assert_int_equal(check_elsewhere(&p, t), MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_session_logout(p.sessions, t),
	    MEDSEC_ERR_DISABLED);
	assert_int_equal(count_live(&p), 0);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGOUT, NULL), 1);
	people_teardown(&p);
}

static void
test_req_1_4_unknown_and_malformed_tokens_refused(void **state)
{
	static const char *const bad[] = {
		"", "x", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	struct people p;
	size_t i;

	char t[MEDSEC_TOKEN_TEXT_LEN];

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(check(&p, bad[i]), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(check(&p, medsec_test_null), MEDSEC_ERR_LOGIN_FAILED);
	/* A token one character off is someone else's: refused too. */
	t[0] = t[0] == 'A' ? 'B' : 'A';
	assert_int_equal(check(&p, t), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(count_live(&p), 1);
	people_teardown(&p);
}

static void
test_req_1_4_token_from_other_device_refused(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct people a, b;

	(void)state;
	people_setup(&a);
	people_add(&a, "nurse01", "clinician");
	login(&a, "nurse01", t);
	people_setup(&b);
	people_add(&b, "nurse01", "clinician");
	assert_int_equal(check(&b, t), MEDSEC_ERR_LOGIN_FAILED);
	people_teardown(&b);
	people_teardown(&a);
}

static void
test_req_1_4_killed_session_token_refused(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	assert_int_equal(check(&p, t), MEDSEC_OK);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_OK);
	assert_int_equal(medsec_session_kill(p.sessions, info.id, "admin"),
	    MEDSEC_OK);
	assert_int_equal(check(&p, t), MEDSEC_ERR_DISABLED);
	assert_int_equal(medsec_session_kill(p.sessions, info.id, "admin"),
	    MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_SESSION_ENDED,
			     "killed"), 1);
	people_teardown(&p);
}

static void
test_req_1_4_kill_by_other_process_refuses_token(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_session_info info;
	struct medsec_sessions *other = NULL;
	struct medsec_db *db2 = NULL;
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	assert_int_equal(medsec_session_check(p.sessions, t, &info),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_open(p.dbpath, 0, &db2), MEDSEC_OK);
	assert_int_equal(medsec_sessions_open(db2, NULL, &p.sopts, &other),
	    MEDSEC_OK);
	assert_int_equal(medsec_session_kill(other, info.id, "admin"),
	    MEDSEC_OK);
	/* Seen by the first handle once its poll interval has passed. */
	p.clock.mono_us += (int64_t)MEDSEC_SESSION_POLL_MS * 1000;
	assert_int_equal(check(&p, t), MEDSEC_ERR_DISABLED);
	medsec_sessions_close(other);
	medsec_db_close(db2);
	people_teardown(&p);
}

/* Whether needle occurs in the bytes of a file. */
static int
file_contains(const char *path, const void *needle, size_t n)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 22];
	size_t len, i;

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return 1;
	return 0;
}

static void
test_session_token_stored_only_as_hash(void **state)
{
	char t[MEDSEC_TOKEN_TEXT_LEN], wal[400];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	login(&p, "nurse01", t);
	assert_int_equal(medsec_db_exec(p.db, "PRAGMA wal_checkpoint(FULL)"),
	    MEDSEC_OK);
	assert_false(file_contains(p.dbpath, t, strlen(t)));
	snprintf(wal, sizeof(wal), "%s-wal", p.dbpath);
	if (access(wal, F_OK) == 0)
		assert_false(file_contains(wal, t, strlen(t)));
	people_teardown(&p);
}

static void
test_session_tokens_are_256_bit_and_distinct(void **state)
{
	char t1[MEDSEC_TOKEN_TEXT_LEN], t2[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	people_add(&p, "nurse02", "clinician");
	login(&p, "nurse01", t1);
	login(&p, "nurse02", t2);
	/* 43 base64url characters carry 256 bits. */
	assert_int_equal(strlen(t1), 43);
	assert_string_not_equal(t1, t2);
	people_teardown(&p);
}

/* D1: 1,000 tokens: right length, all distinct, bytes look uniform. */
static void
test_session_tokens_unpredictable(void **state)
{
	static char tokens[1000][MEDSEC_TOKEN_TEXT_LEN];
	static unsigned counts[256];
	uint8_t raw[48];
	size_t i, j, len;
	double chi = 0, expect;
	char user[32];
	struct people p;

	(void)state;
	people_setup(&p);
	memset(counts, 0, sizeof(counts));
	for (i = 0; i < 1000; i++) {
		snprintf(user, sizeof(user), "u%zu", i);
		assert_int_equal(medsec_session_begin(p.sessions, user, "clinician",
				     MEDSEC_SESSION_REPLACE, "local", 0, tokens[i],
				     NULL), MEDSEC_OK);
		assert_int_equal(strlen(tokens[i]), 43);
		assert_int_equal(sodium_base642bin(raw, sizeof(raw), tokens[i],
				     43, NULL, &len, NULL,
				     sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
		assert_int_equal(len, 32);
		for (j = 0; j < len; j++)
			counts[raw[j]]++;
		for (j = 0; j < i; j++)
			assert_string_not_equal(tokens[i], tokens[j]);
	}
	/* Chi-square, 255 degrees of freedom: 400 is far past p = 0.0001. */
	expect = 1000.0 * 32 / 256;
	for (i = 0; i < 256; i++)
		chi += (counts[i] - expect) * (counts[i] - expect) / expect;
	assert_true(chi < 400);
	people_teardown(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_2_second_login_replaces_first),
	cmocka_unit_test(test_req_1_2_refuse_policy_rejects_second_login),
	cmocka_unit_test(test_req_1_2_concurrent_logins_one_wins),
	cmocka_unit_test(test_req_1_2_concurrent_replace_leaves_one_live),
	cmocka_unit_test(test_req_1_8_idle_timeout_ends_session),
	cmocka_unit_test(test_req_1_8_lifetime_ends_active_session),
	cmocka_unit_test(test_req_1_8_therapy_session_not_idled_out),
	cmocka_unit_test(test_req_1_8_clock_backwards_does_not_extend),
	cmocka_unit_test(test_req_1_8_clock_backwards_across_restart_ends_session),
	cmocka_unit_test(test_req_1_8_session_survives_restart_within_limits),
	cmocka_unit_test(test_req_1_8_sweep_ends_expired_sessions),
	cmocka_unit_test(test_req_1_4_token_refused_after_logout),
	cmocka_unit_test(test_req_1_4_unknown_and_malformed_tokens_refused),
	cmocka_unit_test(test_req_1_4_token_from_other_device_refused),
	cmocka_unit_test(test_req_1_4_killed_session_token_refused),
	cmocka_unit_test(test_req_1_4_kill_by_other_process_refuses_token),
	cmocka_unit_test(test_session_token_stored_only_as_hash),
	cmocka_unit_test(test_session_tokens_are_256_bit_and_distinct),
	cmocka_unit_test(test_session_tokens_unpredictable),
};

MEDSEC_TEST_MAIN(tests)
