/*
 * Identity benchmarks.
 *
 *   bench_identity pwhash DIR
 *     Login cost: one Argon2id hash+verify with medsec's parameters
 *     (t=2, m=19 MiB) beside libsodium's INTERACTIVE and MODERATE presets;
 *     each set in its own child so peak memory is its own.
 *
 *   bench_identity enum DIR N
 *     User enumeration by timing: N failed logins for an unknown name
 *     and N wrong passwords for a real account, interleaved; medians and
 *     95th percentiles side by side (OWASP ASVS 6.3.8).
 *
 *   bench_identity pool DIR N THREADS
 *     Logins off the event loop: N failed logins (a wrong password and an
 *     unknown name in turn) through medsec_identity_login() on one
 *     thread, then through begin / verify on THREADS worker threads /
 *     finish. Reports logins per second and the time the calling thread
 *     (the daemon's event loop) spends per login in each.
 *
 *   bench_identity sessions DIR SESSIONS CHECKS
 *     Session validation per request on one core: medsec_session_check()
 *     against a plain SQLite lookup by token hash (prepared statement,
 *     SHA-256 of the token, same database), same tokens, same order.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "medsec/access.h"
#include "medsec/identity.h"
#include "medsec/password_policy.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/session.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
one_pwhash(const char *name, unsigned long long ops, size_t mem, int rounds)
{
	char str[crypto_pwhash_STRBYTES];
	static const char pw[] = "Correct-Horse-7";
	struct rusage ru;
	double t0, t1;
	int i;

	if (crypto_pwhash_str(str, pw, sizeof(pw) - 1, ops, mem) != 0)
		exit(2);
	t0 = now_s();
	for (i = 0; i < rounds; i++)
		if (crypto_pwhash_str_verify(str, pw, sizeof(pw) - 1) != 0)
			exit(3);
	t1 = now_s();
	getrusage(RUSAGE_SELF, &ru);
	printf("pwhash name=%s t=%llu m_kib=%zu ms_per_login=%.1f "
	    "peak_rss_kib=%ld\n", name, ops, mem / 1024,
	    (t1 - t0) * 1000 / rounds, ru.ru_maxrss);
}

static int
bench_pwhash(void)
{
	static const struct {
		const char *name;
		unsigned long long ops;
		size_t mem;
	} sets[] = {
		{ "medsec-default", 2, 19u << 20 },
		{ "sodium-interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE },
		{ "sodium-moderate", crypto_pwhash_OPSLIMIT_MODERATE,
		    crypto_pwhash_MEMLIMIT_MODERATE },
	};
	size_t i;
	int status;
	pid_t pid;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		fflush(stdout);
		if ((pid = fork()) == 0) {
			one_pwhash(sets[i].name, sets[i].ops, sets[i].mem,
			    i == 2 ? 3 : 10);
			fflush(stdout);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
	}
	return 0;
}

static int
sqlite_lookups(const char *path, char (*tokens)[MEDSEC_TOKEN_TEXT_LEN],
    size_t ntok, size_t checks, double *secondsp)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	uint8_t raw[32], hash[32];
	size_t i, rawlen, found = 0;
	double t0;
	int r = 1;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(h, "SELECT name, roles, last_us, ended_us FROM "
	    "session WHERE token_sha256 = ?1", -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK)
		goto out;
	t0 = now_s();
	for (i = 0; i < checks; i++) {
		const char *t = tokens[i % ntok];

		if (sodium_base642bin(raw, sizeof(raw), t, strlen(t), NULL,
		    &rawlen, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
		    medsec_hash(MEDSEC_ALG_SHA256, raw, sizeof(raw), hash) !=
		    MEDSEC_OK)
			goto out;
		sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 3) == SQLITE_NULL)
			found++;
		sqlite3_reset(st);
	}
	*secondsp = now_s() - t0;
	r = found == checks ? 0 : 1;
out:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return r;
}

static int
bench_sessions(const char *dir, size_t nsessions, size_t checks)
{
	char path[512], user[32], (*tokens)[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_sessions *s = NULL;
	struct medsec_db *db = NULL;
	struct medsec_session_info info;
	double t0, tm, tq = 0;
	size_t i;
	int r = 1;

	snprintf(path, sizeof(path), "%s/sessions.db", dir);
	if ((tokens = calloc(nsessions, sizeof(*tokens))) == NULL ||
	    medsec_db_open(path, 1, &db) != MEDSEC_OK ||
	    medsec_sessions_open(db, NULL, NULL, &s) != MEDSEC_OK)
		goto out;
	for (i = 0; i < nsessions; i++) {
		snprintf(user, sizeof(user), "user%zu", i);
		if (medsec_session_begin(s, user, "clinician",
		    MEDSEC_SESSION_REPLACE, "192.0.2.1", 0, tokens[i], NULL) !=
		    MEDSEC_OK)
			goto out;
	}
	t0 = now_s();
	for (i = 0; i < checks; i++)
		if (medsec_session_check(s, tokens[(i * 7919) % nsessions],
		    &info) != MEDSEC_OK)
			goto out;
	tm = now_s() - t0;
	if (sqlite_lookups(path, tokens, nsessions, checks / 4, &tq) != 0)
		goto out;
	tq *= 4; /* scaled to the same number of checks */
	printf("sessions live=%zu checks=%zu medsec_per_second=%.0f "
	    "sqlite_per_second=%.0f ratio=%.1f\n", nsessions, checks,
	    (double)checks / tm, (double)checks / tq, tq / tm);
	r = 0;
out:
	medsec_sessions_close(s);
	medsec_db_close(db);
	if (tokens != NULL)
		sodium_memzero(tokens, nsessions * sizeof(*tokens));
	free(tokens);
	return r;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
login_times(struct medsec_identity *id, size_t n, double *unknown,
    double *wrong)
{
	char token[MEDSEC_TOKEN_TEXT_LEN], src[32];
	double t0;
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "198.51.100.%zu", i % 250);
		t0 = now_s();
		if (medsec_identity_login(id, "nobody", "Wrong-Password-1", 16,
		    src, token, NULL) != MEDSEC_ERR_LOGIN_FAILED)
			return 1;
		unknown[i] = (now_s() - t0) * 1000;
		t0 = now_s();
		if (medsec_identity_login(id, "nurse01", "Wrong-Password-1", 16,
		    src, token, NULL) != MEDSEC_ERR_LOGIN_FAILED)
			return 1;
		wrong[i] = (now_s() - t0) * 1000;
	}
	qsort(unknown, n, sizeof(*unknown), cmp_double);
	qsort(wrong, n, sizeof(*wrong), cmp_double);
	return 0;
}

/* A device with "admin" and "nurse01" in dir/name, without a trail. */
static int
identity_device(const char *dir, const char *name, uint32_t max_failures,
    struct medsec_roles *roles, struct medsec_db **dbp,
    struct medsec_sessions **sp, struct medsec_identity **idp)
{
	struct medsec_identity_options io;
	struct medsec_subject admin = { "admin", "local", "administrator" };
	char path[512], code[MEDSEC_SETUP_CODE_LEN], why[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	medsec_roles_defaults(roles);
	memset(&io, 0, sizeof(io));
	io.profile = medsec_password_profile_find("kr-pipc");
	io.pwhash_ops = 2;
	io.pwhash_mem = 19u << 20;
	io.max_failures = max_failures;
	io.lock_seconds = 900;
	io.source_max_failures = 10000;
	io.source_window_seconds = 300;
	io.password_history = 5;
	io.setup_code_hours = 24;
	if (medsec_db_open(path, 1, dbp) != MEDSEC_OK ||
	    medsec_sessions_open(*dbp, NULL, NULL, sp) != MEDSEC_OK ||
	    medsec_identity_open(*dbp, NULL, roles, *sp, &io, idp) !=
	    MEDSEC_OK ||
	    medsec_identity_setup_code_issue(*idp, code) != MEDSEC_OK ||
	    medsec_identity_bootstrap(*idp, code, "admin", "Ward-Rounds!42",
	    15, "local", why, sizeof(why)) != MEDSEC_OK ||
	    medsec_identity_user_add(*idp, &admin, "nurse01", "clinician", 0,
	    "Correct-Horse-7", 15, why, sizeof(why)) != MEDSEC_OK)
		return 1;
	return 0;
}

static int
bench_enum(const char *dir, size_t n)
{
	struct medsec_sessions *s = NULL;
	struct medsec_identity *id = NULL;
	struct medsec_db *db = NULL;
	struct medsec_roles roles;
	double *unknown = NULL, *wrong = NULL;
	int r = 1;

	if ((unknown = calloc(n, sizeof(*unknown))) == NULL ||
	    (wrong = calloc(n, sizeof(*wrong))) == NULL ||
	    identity_device(dir, "enum.db", 5, &roles, &db, &s, &id) != 0 ||
	    login_times(id, n, unknown, wrong) != 0)
		goto out;
	printf("enum n=%zu unknown_p50_ms=%.2f unknown_p95_ms=%.2f "
	    "wrong_p50_ms=%.2f wrong_p95_ms=%.2f p50_diff_pct=%.1f\n", n,
	    unknown[n / 2], unknown[n * 95 / 100], wrong[n / 2],
	    wrong[n * 95 / 100], (wrong[n / 2] - unknown[n / 2]) * 100 /
	    unknown[n / 2]);
	r = 0;
out:
	medsec_identity_close(id);
	medsec_sessions_close(s);
	medsec_db_close(db);
	free(unknown);
	free(wrong);
	return r;
}

#define POOL_MAX 16

struct pool_job {
	struct medsec_login_attempt *a;
	int r;
};

static void *
pool_verify(void *arg)
{
	struct pool_job *j = arg;

	j->r = medsec_login_attempt_verify(j->a, "Wrong-Password-1", 16);
	return NULL;
}

static const char *
pool_name(size_t i)
{
	return i % 2 == 0 ? "nurse01" : "nobody";
}

/* One batch: begin and finish on this thread, verify on the workers. */
static int
pool_batch(struct medsec_identity *id, size_t first, size_t threads,
    double *loopp)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct pool_job jobs[POOL_MAX];
	pthread_t th[POOL_MAX];
	size_t i;
	double t0;
	int r = 1;

	memset(jobs, 0, sizeof(jobs));
	t0 = now_s();
	for (i = 0; i < threads; i++)
		if (medsec_identity_login_begin(id, pool_name(first + i),
		    "198.51.100.9", &jobs[i].a) != MEDSEC_OK)
			goto out;
	*loopp += now_s() - t0;
	for (i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, pool_verify, &jobs[i]) != 0)
			goto out;
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t0 = now_s();
	for (i = 0; i < threads; i++)
		if (jobs[i].r != MEDSEC_OK ||
		    medsec_identity_login_finish(id, jobs[i].a, token, NULL) !=
		    MEDSEC_ERR_LOGIN_FAILED)
			goto out;
	*loopp += now_s() - t0;
	r = 0;
out:
	for (i = 0; i < threads; i++)
		medsec_login_attempt_free(jobs[i].a);
	return r;
}

static int
bench_pool(const char *dir, size_t n, size_t threads)
{
	char token[MEDSEC_TOKEN_TEXT_LEN];
	struct medsec_sessions *s = NULL;
	struct medsec_identity *id = NULL;
	struct medsec_db *db = NULL;
	struct medsec_roles roles;
	double t0, one, pool, loop = 0;
	size_t i;
	int r = 1;

	if (threads == 0 || threads > POOL_MAX || n < threads)
		return 2;
	n -= n % threads;
	if (identity_device(dir, "pool.db", 1000000, &roles, &db, &s, &id) !=
	    0)
		goto out;
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (medsec_identity_login(id, pool_name(i), "Wrong-Password-1",
		    16, "198.51.100.9", token, NULL) != MEDSEC_ERR_LOGIN_FAILED)
			goto out;
	one = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < n; i += threads)
		if (pool_batch(id, i, threads, &loop) != 0)
			goto out;
	pool = now_s() - t0;
	printf("pool n=%zu threads=%zu one_call_logins_per_s=%.1f "
	    "split_logins_per_s=%.1f speedup=%.2f one_call_loop_ms=%.2f "
	    "split_loop_ms=%.2f\n", n, threads, (double)n / one,
	    (double)n / pool, one / pool, one * 1000 / (double)n,
	    loop * 1000 / (double)n);
	r = 0;
out:
	medsec_identity_close(id);
	medsec_sessions_close(s);
	medsec_db_close(db);
	return r;
}

int
main(int argc, char **argv)
{
	if (medsec_crypto_init() != MEDSEC_OK || sodium_init() < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "pwhash") == 0)
		return bench_pwhash();
	if (argc == 4 && strcmp(argv[1], "enum") == 0)
		return bench_enum(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "pool") == 0)
		return bench_pool(argv[2], strtoul(argv[3], NULL, 10),
		    strtoul(argv[4], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "sessions") == 0)
		return bench_sessions(argv[2], strtoul(argv[3], NULL, 10),
		    strtoul(argv[4], NULL, 10));
	fprintf(stderr, "usage: bench_identity pwhash DIR | enum DIR N | "
	    "pool DIR N THREADS | sessions DIR SESSIONS CHECKS\n");
	return 2;
}
