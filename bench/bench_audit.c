/*
 * Audit trail benchmarks, each printed as one line of key=value pairs so
 * bench/run.sh can put them side by side with the anchors:
 *
 *   bench_audit append DIR WRITERS RECORDS   durable appends (group commit)
 *   bench_audit sqlite DIR WRITERS RECORDS   SQLite WAL, synchronous=FULL,
 *                                            one row per transaction
 *   bench_audit fsync  DIR WRITERS RECORDS   write + fdatasync per record
 *   bench_audit build  DIR RECORDS           a trail for the verify bench
 *                                            (syncs skipped: input data only)
 *   bench_audit verify DIR                   full verification with MACs
 *
 * Every record carries 200 bytes of details, as the issue specifies; the
 * plain write+fdatasync baseline writes lines as long as medsec's whole
 * encoded record (fields, hash and MAC included), so both move the same
 * bytes per sync.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit/audit_int.h"
#include "io/io.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/keystore.h"

#define DETAILS_LEN 200

static char details[DETAILS_LEN + 1];
/* The plain baseline writes records as long as medsec's on disk. */
static char record_line[1024];
static size_t record_len;

struct worker {
	pthread_t thread;
	int id;
	long count;
	int64_t *lat;
	const char *dir;
	struct medsec_audit *audit;
	sqlite3 *db;
	int fd;
};

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_audit: %s: %s\n", what, medsec_strerror(r));
	exit(1);
}

static void
make_details(void)
{
	/* {"note":"xxxx..."} of exactly DETAILS_LEN bytes */
	int pad = DETAILS_LEN - (int)strlen("{\"note\":\"\"}");

	snprintf(details, sizeof(details), "{\"note\":\"%0*d\"}", pad, 0);
	record_len = AUDIT_REC_FIXED_LEN + strlen("clinician-07") +
	    strlen("192.0.2.44") + strlen("patient-00012345") + DETAILS_LEN +
	    AUDIT_CHAIN_LEN + AUDIT_MAC_LEN;
	memset(record_line, 'r', record_len - 1);
	record_line[record_len - 1] = '\n';
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void *
append_worker(void *p)
{
	struct worker *w = p;
	struct medsec_audit_event_in ev = { MEDSEC_EV_PHR_READ, "clinician-07",
		"192.0.2.44", "patient-00012345", MEDSEC_AUDIT_SUCCESS, NULL,
		details };

	for (long i = 0; i < w->count; i++) {
		int64_t t0 = medsec_clock_mono_us();
		int r = medsec_audit_append(w->audit, &ev, NULL);

		if (r != MEDSEC_OK)
			die("append", r);
		if (w->lat != NULL)
			w->lat[i] = medsec_clock_mono_us() - t0;
	}
	return NULL;
}

static void *
sqlite_worker(void *p)
{
	struct worker *w = p;
	sqlite3_stmt *ins = NULL;

	if (sqlite3_prepare_v2(w->db, "INSERT INTO audit (seq, details) "
	    "VALUES (?1, ?2)", -1, &ins, NULL) != SQLITE_OK)
		die("sqlite prepare", MEDSEC_ERR_DB);
	for (long i = 0; i < w->count; i++) {
		int64_t t0 = medsec_clock_mono_us();

		if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK)
			die("sqlite begin", MEDSEC_ERR_DB);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)w->id * 100000000 + i);
		sqlite3_bind_text(ins, 2, details, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE ||
		    sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("sqlite insert", MEDSEC_ERR_DB);
		sqlite3_reset(ins);
		w->lat[i] = medsec_clock_mono_us() - t0;
	}
	sqlite3_finalize(ins);
	return NULL;
}

static void *
fsync_worker(void *p)
{
	struct worker *w = p;

	for (long i = 0; i < w->count; i++) {
		int64_t t0 = medsec_clock_mono_us();

		if (write(w->fd, record_line, record_len) != (ssize_t)record_len ||
		    fdatasync(w->fd) != 0)
			die("write", MEDSEC_ERR_IO);
		w->lat[i] = medsec_clock_mono_us() - t0;
	}
	return NULL;
}

static struct medsec_keystore *
keystore_for(const char *dir)
{
	const struct medsec_crypto_profile *prof;
	struct medsec_keystore *ks;
	char keys[4096];
	int r;

	snprintf(keys, sizeof(keys), "%s/keys", dir);
	if (medsec_keystore_open(keys, &ks) == MEDSEC_OK)
		return ks;
	medsec_crypto_profile_by_name("approved", &prof);
	if ((r = medsec_keystore_create(keys, prof, &ks)) != MEDSEC_OK ||
	    (r = medsec_keystore_generate(ks, "identity", prof->sign, NULL)) !=
		MEDSEC_OK)
		die("keystore", r);
	return ks;
}

static struct medsec_audit *
trail_for(const char *dir, struct medsec_keystore *ks)
{
	struct medsec_audit_options opts;
	struct medsec_audit *a;
	char audit[4096], verifier[4096];
	int r;

	medsec_audit_options_default(&opts);
	opts.segment_bytes = 64u << 20;
	snprintf(audit, sizeof(audit), "%s/audit", dir);
	snprintf(verifier, sizeof(verifier), "%s/verifier.key", dir);
	if (access(audit, F_OK) != 0 &&
	    (r = medsec_audit_create(audit, ks, &opts, "bench", verifier)) !=
		MEDSEC_OK)
		die("create", r);
	if ((r = medsec_audit_open(audit, ks, &opts, &a, NULL)) != MEDSEC_OK)
		die("open", r);
	return a;
}

static void
run_workers(struct worker *w, int n, void *(*fn)(void *), const char *name,
    long total)
{
	int64_t t0, t1, *all;
	long k = 0;

	t0 = medsec_clock_mono_us();
	for (int i = 0; i < n; i++)
		pthread_create(&w[i].thread, NULL, fn, &w[i]);
	for (int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	t1 = medsec_clock_mono_us();
	all = malloc(sizeof(*all) * (size_t)total);
	for (int i = 0; i < n; i++)
		for (long j = 0; j < w[i].count; j++)
			all[k++] = w[i].lat[j];
	qsort(all, (size_t)k, sizeof(*all), cmp64);
	printf("bench=%s writers=%d records=%ld seconds=%.3f per_second=%.0f "
	       "p50_us=%lld p99_us=%lld\n", name, n, total,
	    (double)(t1 - t0) / 1e6, (double)total * 1e6 / (double)(t1 - t0),
	    (long long)all[k / 2], (long long)all[k * 99 / 100]);
	free(all);
}

static int
bench_concurrent(const char *mode, const char *dir, int n, long total)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	struct medsec_keystore *ks = NULL;
	struct medsec_audit *a = NULL;
	sqlite3 *db = NULL;
	char path[4096];
	void *(*fn)(void *);

	for (int i = 0; i < n; i++) {
		w[i].id = i;
		w[i].count = total / n;
		w[i].lat = calloc((size_t)w[i].count, sizeof(int64_t));
	}
	total = (total / n) * n;
	if (strcmp(mode, "append") == 0) {
		ks = keystore_for(dir);
		a = trail_for(dir, ks);
		for (int i = 0; i < n; i++)
			w[i].audit = a;
		fn = append_worker;
	} else if (strcmp(mode, "sqlite") == 0) {
		snprintf(path, sizeof(path), "%s/bench.db", dir);
		for (int i = 0; i < n; i++) {
			if (sqlite3_open(path, &db) != SQLITE_OK)
				die("sqlite open", MEDSEC_ERR_DB);
			sqlite3_busy_timeout(db, 60000);
			sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA "
			    "synchronous=FULL; CREATE TABLE IF NOT EXISTS audit "
			    "(seq INTEGER, details TEXT)", NULL, NULL, NULL);
			w[i].db = db;
		}
		fn = sqlite_worker;
	} else {
		snprintf(path, sizeof(path), "%s/plain.log", dir);
		for (int i = 0; i < n; i++)
			w[i].fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		fn = fsync_worker;
	}
	run_workers(w, n, fn, mode, total);
	for (int i = 0; i < n; i++) {
		if (w[i].db != NULL)
			sqlite3_close(w[i].db);
		if (fn == fsync_worker)
			close(w[i].fd);
		free(w[i].lat);
	}
	free(w);
	medsec_audit_close(a);
	medsec_keystore_close(ks);
	return 0;
}

static int
no_sync(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	return 0;
}

/* Builds input data for the verify bench fast: syncs are skipped. */
static int
bench_build(const char *dir, long records)
{
	struct medsec_io_ops ops = *medsec_io_posix_ops();
	struct medsec_keystore *ks;
	struct medsec_audit *a;
	struct worker w = { 0 };
	int r;

	ops.fsync = no_sync;
	ops.fdatasync = no_sync;
	medsec_io_set_ops(&ops);
	ks = keystore_for(dir);
	a = trail_for(dir, ks);
	w.audit = a;
	w.count = records;
	append_worker(&w);
	if ((r = medsec_audit_close(a)) != MEDSEC_OK)
		die("close", r);
	medsec_keystore_close(ks);
	sync();
	return 0;
}

static int
bench_verify(const char *dir)
{
	struct medsec_audit_verifier v;
	struct medsec_audit_verify_options opts = { 0 };
	struct medsec_audit_verify_result res;
	char audit[4096], verifier[4096];
	struct rusage ru;
	int64_t t0, t1;
	double cpu;
	int r;

	snprintf(audit, sizeof(audit), "%s/audit", dir);
	snprintf(verifier, sizeof(verifier), "%s/verifier.key", dir);
	if ((r = medsec_audit_read_verifier(verifier, &v)) != MEDSEC_OK)
		die("verifier", r);
	opts.verifier_key = v.mac_key;
	opts.verifier_key_len = v.mac_key_len;
	opts.public_key = v.public_key;
	opts.public_key_len = v.public_key_len;
	opts.public_key_alg = v.public_key_alg;
	t0 = medsec_clock_mono_us();
	r = medsec_audit_verify(audit, &opts, &res);
	t1 = medsec_clock_mono_us();
	if (r != MEDSEC_OK)
		die(res.message, r);
	getrusage(RUSAGE_SELF, &ru);
	/* CPU time of all threads: on a shared machine it moves less than
	 * the wall clock does. */
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	printf("bench=verify records=%llu checkpoints=%llu seconds=%.3f "
	       "per_second=%.0f cpu_ns_per_record=%.0f peak_rss_kib=%ld\n",
	    (unsigned long long)res.records,
	    (unsigned long long)res.checkpoints, (double)(t1 - t0) / 1e6,
	    (double)res.records * 1e6 / (double)(t1 - t0),
	    cpu * 1e3 / (double)res.records, ru.ru_maxrss);
	return 0;
}

int
main(int argc, char **argv)
{
	if (medsec_crypto_init() != MEDSEC_OK)
		return 1;
	make_details();
	if (argc == 5 && (strcmp(argv[1], "append") == 0 ||
			     strcmp(argv[1], "sqlite") == 0 ||
			     strcmp(argv[1], "fsync") == 0))
		return bench_concurrent(argv[1], argv[2], atoi(argv[3]),
		    atol(argv[4]));
	if (argc == 4 && strcmp(argv[1], "build") == 0)
		return bench_build(argv[2], atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "verify") == 0)
		return bench_verify(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of bench_audit.c\n");
	return 2;
}
