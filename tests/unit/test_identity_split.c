/*
 * Login in three steps (begin, verify, finish): the split path gives
 * exactly what the one-call functions give, in result, account state,
 * records and work (MFDS 1.1 authentication, 1.3 failed logins
 * recognised, 1.4 lockout, 1.6 disabled accounts, 1.7 expiry, 1.9 a
 * password that must be changed); verify runs on several threads at once;
 * finish honours what changed since begin; an attempt cannot be replayed.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "people.h"
#include "testmain.h"
#include "identity/identity_int.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

#define WRONG "Wrong-Password-1"
#define FRESH "Fresh-Secret-42"
#define SOURCE "192.0.2.77"

/* begin, verify, finish and free, as a daemon would spread them. */
static int
split_login(struct people *p, const char *name, const char *pw,
    const char *source, char token[MEDSEC_TOKEN_TEXT_LEN])
{
	struct medsec_login_attempt *a = NULL;
	int r;

	if ((r = medsec_identity_login_begin(p->id, name, source, &a)) !=
	    MEDSEC_OK)
		return r;
	assert_non_null(a);
	assert_int_equal(medsec_login_attempt_verify(a, pw, strlen(pw)),
	    MEDSEC_OK);
	r = medsec_identity_login_finish(p->id, a, token, NULL);
	medsec_login_attempt_free(a);
	return r;
}

static int
count_live(const struct medsec_session_info *si, void *ctx)
{
	(void)si;
	(*(size_t *)ctx)++;
	return 0;
}

/* Everything a login leaves behind that the two paths must share. */
struct outcome {
	int r;
	int found;
	struct medsec_account acct;
	uint64_t runs;
	size_t failure_records;
	size_t success_records;
	size_t lock_records;
	size_t throttle_records;
	size_t live_sessions;
};

enum path { ONE_CALL, SPLIT };

typedef void (*prepare_fn)(struct people *p);

static void
run(prepare_fn prepare, const char *name, const char *pw, enum path path,
    struct outcome *o)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;
	uint64_t runs;

	memset(o, 0, sizeof(*o));
	people_setup(&p);
	prepare(&p);
	runs = medsec_identity_pwhash_runs(p.id);
	o->r = path == SPLIT ? split_login(&p, name, pw, SOURCE, token) :
	    medsec_identity_login(p.id, name, pw, strlen(pw), SOURCE, token,
	    NULL);
	o->runs = medsec_identity_pwhash_runs(p.id) - runs;
	o->found = medsec_identity_user_get(p.id, name, &o->acct) ==
	    MEDSEC_OK;
	o->failure_records = people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
	    NULL);
	o->success_records = people_count_events(&p, MEDSEC_EV_LOGIN_SUCCESS,
	    NULL);
	o->lock_records = people_count_events(&p, MEDSEC_EV_ACCOUNT_LOCKED,
	    NULL);
	o->throttle_records = people_count_events(&p, MEDSEC_EV_THROTTLED,
	    NULL);
	assert_int_equal(medsec_session_list(p.sessions, 0, count_live,
			     &o->live_sessions), MEDSEC_OK);
	people_teardown(&p);
}

/* Both paths from the same prepared device: the same everything. */
static void
same_as_login(prepare_fn prepare, const char *name, const char *pw,
    int expected)
{
	struct outcome one, split;

	run(prepare, name, pw, ONE_CALL, &one);
	run(prepare, name, pw, SPLIT, &split);
	assert_int_equal(one.r, expected);
	assert_int_equal(split.r, one.r);
	assert_int_equal(split.runs, one.runs);
	assert_int_equal(split.runs, 1);
	assert_int_equal(split.found, one.found);
	assert_int_equal(split.acct.failures, one.acct.failures);
	assert_int_equal(split.acct.locked_until_us, one.acct.locked_until_us);
	assert_int_equal(split.acct.must_change, one.acct.must_change);
	assert_int_equal(split.acct.last_login_us, one.acct.last_login_us);
	assert_int_equal(split.acct.state, one.acct.state);
	assert_int_equal(split.failure_records, one.failure_records);
	assert_int_equal(split.success_records, one.success_records);
	assert_int_equal(split.lock_records, one.lock_records);
	assert_int_equal(split.throttle_records, one.throttle_records);
	assert_int_equal(split.live_sessions, one.live_sessions);
}

static void
prepare_user(struct people *p)
{
	people_add(p, "nurse01", "clinician");
}

static void
prepare_four_failures(struct people *p)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];
	int i;

	prepare_user(p);
	for (i = 0; i < 4; i++)
		assert_int_equal(medsec_identity_login(p->id, "nurse01", WRONG,
				     strlen(WRONG), SOURCE, token, NULL),
		    MEDSEC_ERR_LOGIN_FAILED);
}

static void
prepare_locked(struct people *p)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];

	prepare_four_failures(p);
	assert_int_equal(medsec_identity_login(p->id, "nurse01", WRONG,
			     strlen(WRONG), SOURCE, token, NULL),
	    MEDSEC_ERR_LOGIN_FAILED);
}

static void
prepare_disabled(struct people *p)
{
	prepare_user(p);
	assert_int_equal(medsec_identity_user_set_disabled(p->id, &p->admin,
			     "nurse01", 1), MEDSEC_OK);
}

static void
prepare_expired(struct people *p)
{
	prepare_user(p);
	assert_int_equal(medsec_identity_user_set_expiry(p->id, &p->admin,
			     "nurse01", p->clock.wall_us + 3600 * INT64_C(1000000)),
	    MEDSEC_OK);
	people_advance(p, 3601);
}

static void
prepare_must_change(struct people *p)
{
	char why[256];

	assert_int_equal(medsec_identity_user_add(p->id, &p->admin, "nurse01",
			     "clinician", 0, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD), why, sizeof(why)),
	    MEDSEC_OK);
}

/* The source is over its budget: guesses at names from it. */
static void
prepare_throttled(struct people *p)
{
	char token[MEDSEC_TOKEN_TEXT_LEN], name[32];
	uint32_t i;

	prepare_user(p);
	for (i = 0; i < p->iopts.source_max_failures; i++) {
		snprintf(name, sizeof(name), "guess%u", (unsigned)i);
		assert_int_equal(medsec_identity_login(p->id, name, WRONG,
				     strlen(WRONG), SOURCE, token, NULL),
		    MEDSEC_ERR_LOGIN_FAILED);
	}
}

static void
test_req_1_1_split_right_password_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_user, "nurse01", PEOPLE_PASSWORD, MEDSEC_OK);
}

static void
test_req_1_3_split_wrong_password_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_user, "nurse01", WRONG, MEDSEC_ERR_LOGIN_FAILED);
}

static void
test_req_1_3_split_unknown_user_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_user, "nobody", WRONG, MEDSEC_ERR_LOGIN_FAILED);
}

static void
test_req_1_4_split_fifth_failure_locks_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_four_failures, "nurse01", WRONG,
	    MEDSEC_ERR_LOGIN_FAILED);
}

static void
test_req_1_4_split_locked_account_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_locked, "nurse01", PEOPLE_PASSWORD,
	    MEDSEC_ERR_LOCKED);
}

static void
test_req_1_4_split_throttled_source_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_throttled, "nobody", WRONG,
	    MEDSEC_ERR_THROTTLED);
}

static void
test_req_1_6_split_disabled_account_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_disabled, "nurse01", PEOPLE_PASSWORD,
	    MEDSEC_ERR_DISABLED);
}

static void
test_req_1_7_split_expired_account_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_expired, "nurse01", PEOPLE_PASSWORD,
	    MEDSEC_ERR_EXPIRED);
}

static void
test_req_1_9_split_must_change_same_as_login(void **state)
{
	(void)state;
	same_as_login(prepare_must_change, "nurse01", PEOPLE_PASSWORD,
	    MEDSEC_ERR_STATE);
}

/* authenticate and reauth take the same three steps. */
static void
test_req_1_3_split_authenticate_and_reauth_same_as_one_call(void **state)
{
	char token[MEDSEC_TOKEN_TEXT_LEN], fresh[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_login_attempt *a = NULL;
	struct medsec_account acct;
	struct people p;

	(void)state;
	people_setup(&p);
	prepare_user(&p);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_int_equal(medsec_identity_authenticate_finish(p.id, a, &acct),
	    MEDSEC_OK);
	assert_string_equal(acct.name, "nurse01");
	medsec_login_attempt_free(a);
	assert_int_equal(medsec_identity_login(p.id, "nurse01",
			     PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), SOURCE,
			     token, NULL), MEDSEC_OK);
	/* A wrong password on re-authentication: refused and counted. */
	assert_int_equal(medsec_identity_reauth_begin(p.id, token, SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, WRONG, strlen(WRONG)),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_reauth_finish(p.id, a, fresh, NULL),
	    MEDSEC_ERR_AUTH);
	medsec_login_attempt_free(a);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &acct),
	    MEDSEC_OK);
	assert_int_equal(acct.failures, 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_REAUTH_FAILURE,
			     NULL), 1);
	/* The right one: a new token, the old one dead. */
	assert_int_equal(medsec_identity_reauth_begin(p.id, token, SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_int_equal(medsec_identity_reauth_finish(p.id, a, fresh, NULL),
	    MEDSEC_OK);
	medsec_login_attempt_free(a);
	assert_int_equal(medsec_identity_require_fresh(p.id, fresh),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_require_fresh(p.id, token),
	    MEDSEC_ERR_DISABLED);
	people_teardown(&p);
}

#define THREADS 4

struct verify_job {
	pthread_barrier_t *start;
	struct medsec_login_attempt *a;
	const char *password;
	int r;
};

static void *
verify_job(void *arg)
{
	struct verify_job *j = arg;

	/* All four leave the barrier together: the checks overlap. */
	pthread_barrier_wait(j->start);
	j->r = medsec_login_attempt_verify(j->a, j->password,
	    strlen(j->password));
	return NULL;
}

/*
 * Four attempts begun on the handle's thread, verified on four threads
 * at once, finished back on the handle's thread: each gets its own
 * answer. Under ThreadSanitizer this also shows verify shares nothing.
 */
static void
test_req_1_1_verify_on_four_threads_gives_each_its_answer(void **state)
{
	static const char *const names[THREADS] = {
		"nurse01", "nurse02", "nurse03", "ghost",
	};
	static const char *const passwords[THREADS] = {
		PEOPLE_PASSWORD, PEOPLE_PASSWORD, WRONG, PEOPLE_PASSWORD,
	};
	static const int expected[THREADS] = {
		MEDSEC_OK, MEDSEC_OK, MEDSEC_ERR_LOGIN_FAILED,
		MEDSEC_ERR_LOGIN_FAILED,
	};
	char tokens[THREADS][MEDSEC_TOKEN_TEXT_LEN];
	struct verify_job jobs[THREADS];
	pthread_t th[THREADS];
	pthread_barrier_t start;
	struct people p;
	uint64_t runs;
	size_t i, round, live;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	people_add(&p, "nurse02", "clinician");
	people_add(&p, "nurse03", "clinician");
	for (round = 0; round < 2; round++) {
		runs = medsec_identity_pwhash_runs(p.id);
		assert_int_equal(pthread_barrier_init(&start, NULL, THREADS),
		    0);
		for (i = 0; i < THREADS; i++) {
			memset(&jobs[i], 0, sizeof(jobs[i]));
			jobs[i].start = &start;
			jobs[i].password = passwords[i];
			jobs[i].r = MEDSEC_ERR_INTERNAL;
			assert_int_equal(medsec_identity_login_begin(p.id,
					     names[i], SOURCE, &jobs[i].a),
			    MEDSEC_OK);
		}
		for (i = 0; i < THREADS; i++)
			assert_int_equal(pthread_create(&th[i], NULL,
					     verify_job, &jobs[i]), 0);
		for (i = 0; i < THREADS; i++)
			assert_int_equal(pthread_join(th[i], NULL), 0);
		pthread_barrier_destroy(&start);
		for (i = 0; i < THREADS; i++) {
			assert_int_equal(jobs[i].r, MEDSEC_OK);
			assert_int_equal(medsec_identity_login_finish(p.id,
					     jobs[i].a, tokens[i], NULL),
			    expected[i]);
			medsec_login_attempt_free(jobs[i].a);
		}
		assert_int_equal(medsec_identity_pwhash_runs(p.id) - runs,
		    THREADS);
	}
	live = 0;
	assert_int_equal(medsec_session_list(p.sessions, 0, count_live, &live),
	    MEDSEC_OK);
	assert_int_equal(live, 2);
	assert_int_equal(medsec_identity_require_fresh(p.id, tokens[0]),
	    MEDSEC_OK);
	people_teardown(&p);
}

/*
 * The right password verified, then another attempt's finish locks the
 * account (its fifth failure): the first finish sees the lock. The state
 * is read again in finish's transaction, not trusted from begin.
 */
static void
test_req_1_4_lock_between_begin_and_finish_is_honoured(void **state)
{
	struct medsec_login_attempt *right = NULL, *wrong = NULL;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_account acct;
	struct people p;
	size_t live = 0;

	(void)state;
	people_setup(&p);
	prepare_four_failures(&p);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &right), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(right, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &wrong), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(wrong, WRONG,
			     strlen(WRONG)), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_finish(p.id, wrong, token,
			     NULL), MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(medsec_identity_login_finish(p.id, right, token,
			     NULL), MEDSEC_ERR_LOCKED);
	medsec_login_attempt_free(wrong);
	medsec_login_attempt_free(right);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &acct),
	    MEDSEC_OK);
	assert_int_equal(acct.state, MEDSEC_ACCOUNT_LOCKED);
	assert_int_equal(acct.failures, 5);
	assert_int_equal(medsec_session_list(p.sessions, 0, count_live, &live),
	    MEDSEC_OK);
	assert_int_equal(live, 0);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_ACCOUNT_LOCKED,
			     NULL), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "account locked"), 1);
	people_teardown(&p);
}

/* Disabled by an administrator between begin and finish: refused. */
static void
test_req_1_6_disable_between_begin_and_finish_is_honoured(void **state)
{
	struct medsec_login_attempt *a = NULL;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct people p;

	(void)state;
	people_setup(&p);
	prepare_user(&p);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "nurse01", 1), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_finish(p.id, a, token, NULL),
	    MEDSEC_ERR_DISABLED);
	medsec_login_attempt_free(a);
	people_teardown(&p);
}

/*
 * The password is reset between begin and finish: the one verified was
 * checked against the old hash and proves nothing now. It is a failed
 * attempt, counted, and no session starts.
 */
static void
test_req_1_3_password_reset_between_begin_and_finish_fails(void **state)
{
	struct medsec_login_attempt *a = NULL;
	char token[MEDSEC_TOKEN_TEXT_LEN], why[256];
	struct medsec_account acct;
	struct people p;

	(void)state;
	people_setup(&p);
	prepare_user(&p);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_int_equal(medsec_identity_password_change(p.id, &p.admin,
			     "nurse01", NULL, 0, FRESH, strlen(FRESH), why,
			     sizeof(why)), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_finish(p.id, a, token, NULL),
	    MEDSEC_ERR_LOGIN_FAILED);
	medsec_login_attempt_free(a);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &acct),
	    MEDSEC_OK);
	assert_int_equal(acct.failures, 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "wrong password"), 1);
	people_teardown(&p);
}

/* The "$argon2id$v=19$m=...,t=...,p=1$" part of an encoded hash. */
static void
hash_parameters(const char *hash, char *out, size_t outlen)
{
	const char *salt;

	assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
	salt = strchr(hash + 10, '$');
	assert_non_null(salt);
	salt = strchr(salt + 1, '$');
	assert_non_null(salt);
	assert_true((size_t)(salt - hash) < outlen);
	memcpy(out, hash, (size_t)(salt - hash));
	out[salt - hash] = '\0';
}

/*
 * A wrong password for a real account and any password for an unknown
 * name: the same answer, the same record kind, one Argon2id run each
 * with the same parameters, and one failure counted for the source.
 */
static void
test_req_1_3_wrong_password_and_unknown_user_same_work(void **state)
{
	struct medsec_login_attempt *known = NULL, *unknown = NULL;
	char token[MEDSEC_TOKEN_TEXT_LEN], kp[64], up[64];
	struct people p;
	uint64_t runs;
	int rk, ru;

	(void)state;
	people_setup(&p);
	prepare_user(&p);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &known), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse99", SOURCE,
			     &unknown), MEDSEC_OK);
	/* The unknown name is checked against the dummy, a real hash not. */
	assert_true(known->real);
	assert_false(unknown->real);
	hash_parameters(known->hash, kp, sizeof(kp));
	hash_parameters(unknown->hash, up, sizeof(up));
	assert_string_equal(kp, up);
	runs = medsec_identity_pwhash_runs(p.id);
	assert_int_equal(medsec_login_attempt_verify(known, WRONG,
			     strlen(WRONG)), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(unknown, WRONG,
			     strlen(WRONG)), MEDSEC_OK);
	rk = medsec_identity_login_finish(p.id, known, token, NULL);
	assert_int_equal(medsec_identity_pwhash_runs(p.id) - runs, 1);
	ru = medsec_identity_login_finish(p.id, unknown, token, NULL);
	assert_int_equal(medsec_identity_pwhash_runs(p.id) - runs, 2);
	assert_int_equal(rk, MEDSEC_ERR_LOGIN_FAILED);
	assert_int_equal(ru, rk);
	medsec_login_attempt_free(known);
	medsec_login_attempt_free(unknown);
	/* Auditors still tell them apart; the caller cannot. */
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "wrong password"), 1);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     "unknown user"), 1);
	people_teardown(&p);
}

/*
 * An attempt is one password and one answer: verified once, finished
 * once, only by the finish of its kind on its own handle, and never
 * finished unverified. None of the refusals changes anything.
 */
static void
test_req_1_4_attempt_verified_once_and_finished_once(void **state)
{
	struct medsec_login_attempt *a = NULL;
	char token[MEDSEC_TOKEN_TEXT_LEN], again[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_identity *other = NULL;
	struct medsec_account acct;
	struct people p;
	size_t live = 0;

	(void)state;
	people_setup(&p);
	prepare_user(&p);
	/* Unverified: refused, and nothing is counted. */
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, NULL, 0),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_identity_login_finish(p.id, a, token, NULL),
	    MEDSEC_ERR_INVALID);
	medsec_login_attempt_free(a);
	/* A wrong guess cannot be followed by a second on one attempt. */
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, WRONG, strlen(WRONG)),
	    MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_ERR_STATE);
	assert_int_equal(medsec_identity_login_finish(p.id, a, token, NULL),
	    MEDSEC_ERR_LOGIN_FAILED);
	medsec_login_attempt_free(a);
	/* Another handle, another kind of finish, a second finish. */
	assert_int_equal(medsec_identity_open(p.db, p.audit, &p.roles,
			     p.sessions, &p.iopts, &other), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(a, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_finish(other, a, token, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_identity_reauth_finish(p.id, a, token, NULL),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_identity_login_finish(p.id, a, token, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_login_finish(p.id, a, again, NULL),
	    MEDSEC_ERR_INVALID);
	medsec_login_attempt_free(a);
	medsec_identity_close(other);
	assert_int_equal(medsec_session_list(p.sessions, 0, count_live, &live),
	    MEDSEC_OK);
	assert_int_equal(live, 1);
	assert_int_equal(medsec_identity_user_get(p.id, "nurse01", &acct),
	    MEDSEC_OK);
	assert_int_equal(acct.failures, 0);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_LOGIN_FAILURE,
			     NULL), 1);
	people_teardown(&p);
}

/*
 * verify needs nothing but the attempt: it runs after the handle, the
 * database and the trail are closed (AddressSanitizer would catch a
 * read of any of them).
 */
static void
test_login_attempt_verify_needs_no_handle(void **state)
{
	struct medsec_login_attempt *a = NULL, *b = NULL;
	struct people p;

	(void)state;
	people_setup(&p);
	prepare_user(&p);
	assert_int_equal(medsec_identity_login_begin(p.id, "nurse01", SOURCE,
			     &a), MEDSEC_OK);
	assert_int_equal(medsec_identity_login_begin(p.id, "nobody", SOURCE,
			     &b), MEDSEC_OK);
	people_teardown(&p);
	assert_int_equal(medsec_login_attempt_verify(a, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_int_equal(medsec_login_attempt_verify(b, PEOPLE_PASSWORD,
			     strlen(PEOPLE_PASSWORD)), MEDSEC_OK);
	assert_true(a->match);
	assert_false(b->match);
	medsec_login_attempt_free(a);
	medsec_login_attempt_free(b);
	medsec_login_attempt_free(NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_1_split_right_password_same_as_login),
	cmocka_unit_test(test_req_1_3_split_wrong_password_same_as_login),
	cmocka_unit_test(test_req_1_3_split_unknown_user_same_as_login),
	cmocka_unit_test(test_req_1_4_split_fifth_failure_locks_as_login),
	cmocka_unit_test(test_req_1_4_split_locked_account_same_as_login),
	cmocka_unit_test(test_req_1_4_split_throttled_source_same_as_login),
	cmocka_unit_test(test_req_1_6_split_disabled_account_same_as_login),
	cmocka_unit_test(test_req_1_7_split_expired_account_same_as_login),
	cmocka_unit_test(test_req_1_9_split_must_change_same_as_login),
	cmocka_unit_test(test_req_1_3_split_authenticate_and_reauth_same_as_one_call),
	cmocka_unit_test(test_req_1_1_verify_on_four_threads_gives_each_its_answer),
	cmocka_unit_test(test_req_1_4_lock_between_begin_and_finish_is_honoured),
	cmocka_unit_test(test_req_1_6_disable_between_begin_and_finish_is_honoured),
	cmocka_unit_test(test_req_1_3_password_reset_between_begin_and_finish_fails),
	cmocka_unit_test(test_req_1_3_wrong_password_and_unknown_user_same_work),
	cmocka_unit_test(test_req_1_4_attempt_verified_once_and_finished_once),
	cmocka_unit_test(test_login_attempt_verify_needs_no_handle),
};

MEDSEC_TEST_MAIN(tests)
