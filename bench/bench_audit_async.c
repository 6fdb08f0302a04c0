/*
 * Durable audit records under many concurrent request streams: the event
 * loop's asynchronous appends against blocking threads and SQLite, each
 * printed as one line of key=value pairs (bench/audit_async.sh puts them
 * side by side):
 *
 *   bench_audit_async async   DIR STREAMS RECORDS
 *	one thread, STREAMS logical request streams: each submits a record
 *	and waits for its callback before submitting the next; the loop
 *	commits once per iteration (medsec_audit_commit)
 *   bench_audit_async threads DIR STREAMS RECORDS
 *	STREAMS threads, each calling medsec_audit_append in a loop
 *   bench_audit_async sqlite  DIR STREAMS RECORDS
 *	STREAMS threads, each inserting one row per transaction into one
 *	SQLite database (WAL, synchronous=FULL)
 *   bench_audit_async async-cpu|threads-cpu DIR STREAMS RECORDS
 *	as async and threads with every sync skipped (the I/O seam's
 *	fsync and fdatasync do nothing): the CPU the records cost, and the
 *	rate the code allows when syncs cost nothing. Not durable: a
 *	measurement of the code, not of the disk
 *   bench_audit_async floor   DIR STREAMS RECORDS
 *	the disk's ceiling for STREAMS streams that each wait for their
 *	record: one thread appending STREAMS records' worth of bytes (as
 *	long as medsec's encoded records) per write + fdatasync, no
 *	encoding, no hashing, into a file whose blocks are reserved
 *	beforehand as the trail's segments are
 *
 * Every record carries 200 bytes of details, as in bench_audit.c. Latency
 * is from submit (or the call) to the callback (or the return): what a
 * request waits for its record. cpu_us is user+system time of the whole
 * process per record: on a machine shared with other work it moves much
 * less than the wall clock does.
 */
#define _GNU_SOURCE /* fallocate */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sqlite3.h>

#include "io/io.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/keystore.h"

#define DETAILS_LEN 200

static char details[DETAILS_LEN + 1];

static const struct medsec_audit_event_in record = { MEDSEC_EV_PHR_READ,
	"clinician-07", "192.0.2.44", "patient-00012345",
	MEDSEC_AUDIT_SUCCESS, NULL, details };

struct stream {
	int id;
	long left;	/* records still to write */
	long done;
	int64_t t0;	/* when the record in flight was submitted */
	int64_t *lat;
	struct medsec_audit *audit;
	sqlite3 *db;
	pthread_t thread;
};

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_audit_async: %s: %s\n", what,
	    medsec_strerror(r));
	exit(1);
}

static void
make_details(void)
{
	int pad = DETAILS_LEN - (int)strlen("{\"note\":\"\"}");

	snprintf(details, sizeof(details), "{\"note\":\"%0*d\"}", pad, 0);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
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
	if ((r = medsec_crypto_profile_by_name("approved", &prof)) !=
	    MEDSEC_OK)
		die("profile", r);
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

	/* The defaults a device runs with (checkpoint every 1000 records),
	 * larger segments only so that a run does not rotate often. */
	medsec_audit_options_default(&opts);
	opts.segment_bytes = 64u << 20;
	/* BENCH_EPOCH_RECORDS: another checkpoint interval, to weigh what
	 * the checkpoints cost against the records' own syncs. */
	if (getenv("BENCH_EPOCH_RECORDS") != NULL)
		opts.epoch_records = (uint32_t)strtoul(
		    getenv("BENCH_EPOCH_RECORDS"), NULL, 10);
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
report(const char *name, struct stream *s, int n, int64_t t0, int64_t t1,
    double cpu, long commits)
{
	int64_t *all;
	long total = 0, k = 0;

	for (int i = 0; i < n; i++)
		total += s[i].done;
	if ((all = malloc(sizeof(*all) * (size_t)total)) == NULL)
		die("malloc", MEDSEC_ERR_NOMEM);
	for (int i = 0; i < n; i++)
		for (long j = 0; j < s[i].done; j++)
			all[k++] = s[i].lat[j];
	qsort(all, (size_t)k, sizeof(*all), cmp64);
	printf("bench=%s streams=%d records=%ld seconds=%.3f per_second=%.0f "
	       "p50_us=%lld p99_us=%lld cpu_us=%.2f", name, n, total,
	    (double)(t1 - t0) / 1e6, (double)total * 1e6 / (double)(t1 - t0),
	    (long long)all[k / 2], (long long)all[k * 99 / 100],
	    cpu / (double)total);
	if (commits > 0)
		printf(" commits=%ld per_commit=%.1f", commits,
		    (double)total / (double)commits);
	printf("\n");
	free(all);
}

/* ---- asynchronous: one loop, many streams ---- */

static void stream_done(void *arg, int status, uint64_t seq);

static void
stream_submit(struct stream *s)
{
	int r;

	s->left--;
	s->t0 = medsec_clock_mono_us();
	if ((r = medsec_audit_submit(s->audit, &record, NULL, stream_done,
		 s)) != MEDSEC_OK)
		die("submit", r);
}

/* The request's record is durable: answer it, start the next request. */
static void
stream_done(void *arg, int status, uint64_t seq)
{
	struct stream *s = arg;

	(void)seq;
	if (status != MEDSEC_OK)
		die("record not durable", status);
	s->lat[s->done++] = medsec_clock_mono_us() - s->t0;
	if (s->left > 0)
		stream_submit(s);
}

static void
run_async(struct stream *s, int n, struct medsec_audit *a)
{
	int64_t t0, t1;
	double c0;
	long commits = 0;
	int r;

	c0 = cpu_us();
	t0 = medsec_clock_mono_us();
	for (int i = 0; i < n; i++)
		stream_submit(&s[i]);
	/* The event loop: one commit per iteration while records wait. */
	while (medsec_audit_pending(a) > 0) {
		if ((r = medsec_audit_commit(a)) != MEDSEC_OK)
			die("commit", r);
		commits++;
	}
	t1 = medsec_clock_mono_us();
	report("async", s, n, t0, t1, cpu_us() - c0, commits);
}

/* ---- blocking threads ---- */

static void *
append_thread(void *p)
{
	struct stream *s = p;
	int r;

	while (s->left > 0) {
		s->left--;
		s->t0 = medsec_clock_mono_us();
		if ((r = medsec_audit_append(s->audit, &record, NULL)) !=
		    MEDSEC_OK)
			die("append", r);
		s->lat[s->done++] = medsec_clock_mono_us() - s->t0;
	}
	return NULL;
}

static void *
sqlite_thread(void *p)
{
	struct stream *s = p;
	sqlite3_stmt *ins = NULL;
	long i = 0;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO audit (seq, details) "
	    "VALUES (?1, ?2)", -1, &ins, NULL) != SQLITE_OK)
		die("sqlite prepare", MEDSEC_ERR_DB);
	while (s->left > 0) {
		s->left--;
		s->t0 = medsec_clock_mono_us();
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK)
			die("sqlite begin", MEDSEC_ERR_DB);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)s->id * 100000000 +
		    i++);
		sqlite3_bind_text(ins, 2, details, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("sqlite insert", MEDSEC_ERR_DB);
		sqlite3_reset(ins);
		s->lat[s->done++] = medsec_clock_mono_us() - s->t0;
	}
	sqlite3_finalize(ins);
	return NULL;
}

static void
run_threads(const char *name, struct stream *s, int n, void *(*fn)(void *))
{
	int64_t t0, t1;
	double c0;

	c0 = cpu_us();
	t0 = medsec_clock_mono_us();
	for (int i = 0; i < n; i++)
		if (pthread_create(&s[i].thread, NULL, fn, &s[i]) != 0)
			die("pthread_create", MEDSEC_ERR_INTERNAL);
	for (int i = 0; i < n; i++)
		pthread_join(s[i].thread, NULL);
	t1 = medsec_clock_mono_us();
	report(name, s, n, t0, t1, cpu_us() - c0, 0);
}

static sqlite3 *
sqlite_for(const char *dir)
{
	char path[4096];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/bench.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite open", MEDSEC_ERR_DB);
	sqlite3_busy_timeout(db, 60000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA "
	    "synchronous=FULL; CREATE TABLE IF NOT EXISTS audit "
	    "(seq INTEGER, details TEXT)", NULL, NULL, NULL) != SQLITE_OK)
		die("sqlite setup", MEDSEC_ERR_DB);
	return db;
}

/* Records as long as medsec's: fixed part, fields, chain hash and MAC. */
#define RECORD_BYTES (44 + 12 + 10 + 16 + DETAILS_LEN + 32 + 32)

static int
bench_floor(const char *dir, int n, long total)
{
	char path[4096];
	uint8_t *group;
	size_t len = (size_t)n * RECORD_BYTES;
	long syncs = total / n;
	int64_t t0, t1, *lat;
	double c0;
	int fd;

	snprintf(path, sizeof(path), "%s/floor.log", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0)
		die("open", MEDSEC_ERR_IO);
	/* Blocks reserved beyond the end as the trail reserves a segment's
	 * (audit_segment_preallocate): the same work per sync. */
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)len * syncs) != 0) {
		/* not supported here: the writes allocate as they go */
	}
	if ((group = malloc(len)) == NULL ||
	    (lat = calloc((size_t)syncs, sizeof(*lat))) == NULL)
		die("malloc", MEDSEC_ERR_NOMEM);
	memset(group, 'r', len);
	c0 = cpu_us();
	t0 = medsec_clock_mono_us();
	for (long i = 0; i < syncs; i++) {
		int64_t s0 = medsec_clock_mono_us();

		if (write(fd, group, len) != (ssize_t)len || fdatasync(fd) != 0)
			die("write", MEDSEC_ERR_IO);
		lat[i] = medsec_clock_mono_us() - s0;
	}
	t1 = medsec_clock_mono_us();
	qsort(lat, (size_t)syncs, sizeof(*lat), cmp64);
	printf("bench=floor streams=%d records=%ld seconds=%.3f per_second=%.0f "
	       "p50_us=%lld p99_us=%lld cpu_us=%.2f commits=%ld per_commit=%d\n",
	    n, syncs * n, (double)(t1 - t0) / 1e6,
	    (double)(syncs * n) * 1e6 / (double)(t1 - t0),
	    (long long)lat[syncs / 2], (long long)lat[syncs * 99 / 100],
	    (cpu_us() - c0) / (double)(syncs * n), syncs, n);
	close(fd);
	free(group);
	free(lat);
	return 0;
}

static int
bench(const char *mode, const char *dir, int n, long total)
{
	struct stream *s = calloc((size_t)n, sizeof(*s));
	struct medsec_keystore *ks = NULL;
	struct medsec_audit *a = NULL;
	int r;

	if (s == NULL)
		die("calloc", MEDSEC_ERR_NOMEM);
	for (int i = 0; i < n; i++) {
		s[i].id = i;
		s[i].left = total / n;
		if ((s[i].lat = calloc((size_t)s[i].left, sizeof(int64_t))) ==
		    NULL)
			die("calloc", MEDSEC_ERR_NOMEM);
	}
	if (strcmp(mode, "sqlite") == 0) {
		for (int i = 0; i < n; i++)
			s[i].db = sqlite_for(dir);
		run_threads("sqlite", s, n, sqlite_thread);
		for (int i = 0; i < n; i++)
			sqlite3_close(s[i].db);
	} else {
		ks = keystore_for(dir);
		a = trail_for(dir, ks);
		for (int i = 0; i < n; i++)
			s[i].audit = a;
		if (strcmp(mode, "async") == 0)
			run_async(s, n, a);
		else
			run_threads("threads", s, n, append_thread);
		if ((r = medsec_audit_close(a)) != MEDSEC_OK)
			die("close", r);
		medsec_keystore_close(ks);
	}
	for (int i = 0; i < n; i++)
		free(s[i].lat);
	free(s);
	return 0;
}

static int
no_sync(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	return 0;
}

static void
skip_syncs(void)
{
	static struct medsec_io_ops ops;

	ops = *medsec_io_posix_ops();
	ops.fsync = no_sync;
	ops.fdatasync = no_sync;
	medsec_io_set_ops(&ops);
}

int
main(int argc, char **argv)
{
	const char *modes[] = { "async", "threads", "sqlite", "floor",
		"async-cpu", "threads-cpu" };
	int n, known = 0;
	long records;

	if (medsec_crypto_init() != MEDSEC_OK)
		return 1;
	make_details();
	for (size_t i = 0; argc == 5 && i < sizeof(modes) / sizeof(modes[0]);
	    i++)
		known |= strcmp(argv[1], modes[i]) == 0;
	if (!known) {
		fprintf(stderr, "usage: bench_audit_async async|threads|sqlite|"
		    "floor|async-cpu|threads-cpu DIR STREAMS RECORDS\n");
		return 2;
	}
	n = atoi(argv[3]);
	records = atol(argv[4]);
	if (n < 1 || n > 4096 || records < n) {
		fprintf(stderr, "bench_audit_async: STREAMS must be 1..4096 "
		    "and RECORDS at least STREAMS (got %s, %s)\n", argv[3],
		    argv[4]);
		return 2;
	}
	if (strcmp(argv[1], "floor") == 0)
		return bench_floor(argv[2], n, records);
	if (strcmp(argv[1], "async-cpu") == 0 ||
	    strcmp(argv[1], "threads-cpu") == 0) {
		skip_syncs();
		argv[1][strlen(argv[1]) - 4] = '\0';
	}
	return bench(argv[1], argv[2], n, records);
}
