/*
 * medsecd's login pool: Argon2id checks run on pool threads while begin
 * and finish stay on the loop thread (the device handle is not
 * thread-safe); results come back through the event loop; a full queue
 * is refused at once, so a login flood gets 429 instead of stalling the
 * monitor (MFDS 2.4), and a refused or abandoned attempt is still freed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "people.h"
#include "testmain.h"
#include "medsec/err.h"
#include "medsec/identity.h"

#include "../../src/daemon/pool.c"

struct done_log {
	int calls;
	int last_status;
	struct people *p;
	int finished[8];
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct event_base *base;
	int expect;
};

static void
on_done(void *arg, struct medsec_login_attempt *a, int verify_status)
{
	struct done_log *log = arg;
	struct medsec_session_info info;

	log->last_status = verify_status;
	log->finished[log->calls % 8] = medsec_identity_login_finish(
	    log->p->id, a, log->token, &info);
	medsec_login_attempt_free(a);
	if (++log->calls == log->expect)
		event_base_loopbreak(log->base);
}

static struct medsec_login_attempt *
begin(struct people *p, const char *name)
{
	struct medsec_login_attempt *a = NULL;

	assert_int_equal(medsec_identity_login_begin(p->id, name, "192.0.2.9",
	    &a), MEDSEC_OK);
	return a;
}

static void
test_req_1_1_login_pool_verifies_off_the_loop_and_finishes_on_it(void **state)
{
	struct people p;
	struct login_pool *pool = NULL;
	struct done_log log;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse01", "clinician");
	memset(&log, 0, sizeof(log));
	log.p = &p;
	log.base = event_base_new();
	log.expect = 2;
	assert_int_equal(login_pool_new(log.base, 2, 4, &pool), MEDSEC_OK);
	assert_int_equal(login_pool_submit(pool, begin(&p, "nurse01"),
	    PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), on_done, &log),
	    MEDSEC_OK);
	assert_int_equal(login_pool_submit(pool, begin(&p, "nurse01"),
	    "Wrong-Password-1", 16, on_done, &log), MEDSEC_OK);
	assert_int_equal(event_base_dispatch(log.base), 0);
	assert_int_equal(log.calls, 2);
	assert_int_equal(login_pool_pending(pool), 0);
	/* One right, one wrong: which finished first is the pool's choice. */
	assert_true((log.finished[0] == MEDSEC_OK &&
	    log.finished[1] == MEDSEC_ERR_LOGIN_FAILED) ||
	    (log.finished[1] == MEDSEC_OK &&
	    log.finished[0] == MEDSEC_ERR_LOGIN_FAILED));
	login_pool_free(pool);
	event_base_free(log.base);
	people_teardown(&p);
}

static void
test_req_2_4_login_pool_full_queue_refused_at_once(void **state)
{
	struct people p;
	struct login_pool *pool = NULL;
	struct medsec_login_attempt *extra;
	struct done_log log;

	(void)state;
	people_setup(&p);
	memset(&log, 0, sizeof(log));
	log.p = &p;
	log.base = event_base_new();
	log.expect = 2;
	/* One thread, one waiting: slots free only when the loop collects. */
	assert_int_equal(login_pool_new(log.base, 1, 1, &pool), MEDSEC_OK);
	assert_int_equal(login_pool_submit(pool, begin(&p, "admin"), "x", 1,
	    on_done, &log), MEDSEC_OK);
	assert_int_equal(login_pool_submit(pool, begin(&p, "admin"), "y", 1,
	    on_done, &log), MEDSEC_OK);
	extra = begin(&p, "admin");
	assert_int_equal(login_pool_submit(pool, extra, "z", 1, on_done,
	    &log), MEDSEC_ERR_BUSY);
	assert_int_equal(login_pool_pending(pool), 2);
	medsec_login_attempt_free(extra);
	assert_int_equal(event_base_dispatch(log.base), 0);
	assert_int_equal(log.calls, 2);
	/* Collected: room again. */
	log.expect = 3;
	assert_int_equal(login_pool_submit(pool, begin(&p, "admin"),
	    PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD), on_done,
	    &log), MEDSEC_OK);
	assert_int_equal(event_base_dispatch(log.base), 0);
	assert_int_equal(log.finished[2], MEDSEC_OK);
	login_pool_free(pool);
	event_base_free(log.base);
	people_teardown(&p);
}

static void
test_login_pool_refuses_bad_sizes_and_overlong_password(void **state)
{
	struct event_base *base = event_base_new();
	struct login_pool *pool = NULL;
	static char big[MEDSEC_PASSWORD_MAX + 1];

	(void)state;
	assert_int_equal(login_pool_new(base, 0, 4, &pool), MEDSEC_ERR_INVALID);
	assert_null(pool);
	assert_int_equal(login_pool_new(base, 1, 0, &pool), MEDSEC_ERR_INVALID);
	assert_int_equal(login_pool_new(NULL, 1, 1, &pool), MEDSEC_ERR_INVALID);
	assert_int_equal(login_pool_new(base, 1, 1, &pool), MEDSEC_OK);
	assert_int_equal(login_pool_submit(pool, NULL, big, sizeof(big),
	    NULL, NULL), MEDSEC_ERR_TOO_LARGE);
	assert_int_equal(login_pool_pending(pool), 0);
	login_pool_free(pool);
	login_pool_free(NULL);
	event_base_free(base);
}

/* Freeing with work outstanding still hands every attempt back. */
static void
test_login_pool_free_returns_unfinished_attempts(void **state)
{
	struct people p;
	struct login_pool *pool = NULL;
	struct done_log log;

	(void)state;
	people_setup(&p);
	memset(&log, 0, sizeof(log));
	log.p = &p;
	log.base = event_base_new();
	log.expect = -1;
	assert_int_equal(login_pool_new(log.base, 1, 3, &pool), MEDSEC_OK);
	assert_int_equal(login_pool_submit(pool, begin(&p, "admin"), "a", 1,
	    on_done, &log), MEDSEC_OK);
	assert_int_equal(login_pool_submit(pool, begin(&p, "admin"), "b", 1,
	    on_done, &log), MEDSEC_OK);
	login_pool_free(pool);
	assert_int_equal(log.calls, 2);
	event_base_free(log.base);
	people_teardown(&p);
}

/*
 * Quiesced, every thread is parked and a queued verification waits:
 * the monitor forks its worker in that window. Resumed, it runs.
 */
static void
test_login_pool_quiesced_threads_run_nothing_until_resumed(void **state)
{
	struct people p;
	struct login_pool *pool = NULL;
	struct done_log log;
	unsigned parked;

	(void)state;
	people_setup(&p);
	memset(&log, 0, sizeof(log));
	log.p = &p;
	log.base = event_base_new();
	log.expect = 1;
	/* Straight after start: the threads may not have reached their wait. */
	assert_int_equal(login_pool_new(log.base, 3, 2, &pool), MEDSEC_OK);
	login_pool_quiesce(pool);
	pthread_mutex_lock(&pool->lock);
	parked = pool->parked;
	pthread_mutex_unlock(&pool->lock);
	assert_int_equal(parked, 3);
	assert_int_equal(login_pool_submit(pool, begin(&p, "admin"),
	    PEOPLE_ADMIN_PASSWORD, strlen(PEOPLE_ADMIN_PASSWORD), on_done,
	    &log), MEDSEC_OK);
	usleep(50000);
	pthread_mutex_lock(&pool->lock);
	assert_int_equal(pool->jobs[0].state, JOB_QUEUED);
	pthread_mutex_unlock(&pool->lock);
	assert_int_equal(log.calls, 0);
	login_pool_resume(pool);
	assert_int_equal(event_base_dispatch(log.base), 0);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.finished[0], MEDSEC_OK);
	login_pool_quiesce(NULL);
	login_pool_resume(NULL);
	login_pool_free(pool);
	event_base_free(log.base);
	people_teardown(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_1_login_pool_verifies_off_the_loop_and_finishes_on_it),
	cmocka_unit_test(test_req_2_4_login_pool_full_queue_refused_at_once),
	cmocka_unit_test(test_login_pool_refuses_bad_sizes_and_overlong_password),
	cmocka_unit_test(test_login_pool_free_returns_unfinished_attempts),
	cmocka_unit_test(test_login_pool_quiesced_threads_run_nothing_until_resumed),
};

MEDSEC_TEST_MAIN(tests)
