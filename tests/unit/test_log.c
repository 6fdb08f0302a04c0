/*
 * The log sink: what a sink receives, filtering by severity, silence
 * without a sink, the bound on a message, escaping of what could forge a
 * line, and logging from many threads at once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/logf.h"
#include "core/utf8.h"
#include "medsec/log.h"

#include "testmain.h"

#define KEPT_MAX 8

struct kept {
	size_t n;
	int severity[KEPT_MAX];
	char module[KEPT_MAX][32];
	char message[KEPT_MAX][MEDSEC_LOG_MESSAGE_MAX + 1];
};

static void
keep(void *ctx, int severity, const char *module, const char *message)
{
	struct kept *k = ctx;

	assert_true(strlen(message) < MEDSEC_LOG_MESSAGE_MAX);
	if (k->n == KEPT_MAX)
		return;
	k->severity[k->n] = severity;
	snprintf(k->module[k->n], sizeof(k->module[k->n]), "%s", module);
	snprintf(k->message[k->n], sizeof(k->message[k->n]), "%s", message);
	k->n++;
}

static void
test_log_sink_receives_severity_module_message(void **state)
{
	struct kept k;

	(void)state;
	memset(&k, 0, sizeof(k));
	medsec_log_set(keep, &k, MEDSEC_LOG_DEBUG);
	medsec_log(MEDSEC_LOG_WARNING, "audit", "trail degraded: %d held",
	    3);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.severity[0], MEDSEC_LOG_WARNING);
	assert_string_equal(k.module[0], "audit");
	assert_string_equal(k.message[0], "trail degraded: 3 held");
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
}

static void
test_log_max_severity_filters(void **state)
{
	struct kept k;
	int s;

	(void)state;
	memset(&k, 0, sizeof(k));
	medsec_log_set(keep, &k, MEDSEC_LOG_WARNING);
	for (s = MEDSEC_LOG_EMERG; s <= MEDSEC_LOG_DEBUG; s++)
		medsec_log(s, "db", "severity %d", s);
	/* emerg, alert, crit, err, warning: the five at warning or worse. */
	assert_int_equal(k.n, 5);
	assert_int_equal(k.severity[4], MEDSEC_LOG_WARNING);
	/* Out-of-range severities are nobody's. */
	medsec_log(-1, "db", "below emerg");
	medsec_log(8, "db", "past debug");
	assert_int_equal(k.n, 5);
	/* A negative maximum listens to nothing. */
	medsec_log_set(keep, &k, -1);
	medsec_log(MEDSEC_LOG_EMERG, "db", "nobody hears this");
	assert_int_equal(k.n, 5);
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
}

/* Without a sink nothing reaches stdout or stderr. */
static void
test_log_no_sink_is_silent(void **state)
{
	char path[] = "/tmp/medsec-test-log-XXXXXX";
	int fd, out, err;
	off_t size;

	(void)state;
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
	assert_true((fd = mkstemp(path)) >= 0);
	fflush(stdout);
	fflush(stderr);
	assert_true((out = dup(STDOUT_FILENO)) >= 0);
	assert_true((err = dup(STDERR_FILENO)) >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	medsec_log(MEDSEC_LOG_EMERG, "audit", "no one listens");
	medsec_log(MEDSEC_LOG_DEBUG, "audit", "no one listens");
	fflush(stdout);
	fflush(stderr);
	size = lseek(fd, 0, SEEK_END);
	assert_true(dup2(out, STDOUT_FILENO) >= 0);
	assert_true(dup2(err, STDERR_FILENO) >= 0);
	close(out);
	close(err);
	close(fd);
	unlink(path);
	assert_int_equal(size, 0);
}

static int
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;
	uint32_t cp;

	while (n > 0) {
		if ((len = medsec_utf8_decode(p, n, &cp)) == 0)
			return 0;
		p += len;
		n -= len;
	}
	return 1;
}

static void
test_log_long_message_cut_with_mark(void **state)
{
	char text[1500];
	struct kept k;
	size_t len;

	(void)state;
	memset(&k, 0, sizeof(k));
	medsec_log_set(keep, &k, MEDSEC_LOG_DEBUG);
	/* Exactly the largest message: delivered whole. */
	memset(text, 'a', MEDSEC_LOG_MESSAGE_MAX - 1);
	text[MEDSEC_LOG_MESSAGE_MAX - 1] = '\0';
	medsec_log(MEDSEC_LOG_ERR, "core", "%s", text);
	assert_string_equal(k.message[0], text);
	/* One byte more: cut, and the cut says so. */
	memcpy(text + MEDSEC_LOG_MESSAGE_MAX - 1, "b", 2);
	medsec_log(MEDSEC_LOG_ERR, "core", "%s", text);
	len = strlen(k.message[1]);
	assert_int_equal(len, MEDSEC_LOG_MESSAGE_MAX - 1);
	assert_string_equal(k.message[1] + len - 3, "...");
	assert_memory_equal(k.message[1], text, len - 3);
	/* Far longer than the format buffer too. */
	memset(text, 'c', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	medsec_log(MEDSEC_LOG_ERR, "core", "%s", text);
	assert_int_equal(strlen(k.message[2]), MEDSEC_LOG_MESSAGE_MAX - 1);
	assert_string_equal(k.message[2] + MEDSEC_LOG_MESSAGE_MAX - 4, "...");
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
}

/* Hangul is three bytes a character: the cut never splits one. */
static void
test_log_cut_keeps_utf8_whole(void **state)
{
	static const char syllable[] = "\xed\x95\x9c"; /* U+D55C */
	char text[3 * 400 + 2];
	struct kept k;
	size_t i, len;

	(void)state;
	memset(&k, 0, sizeof(k));
	medsec_log_set(keep, &k, MEDSEC_LOG_DEBUG);
	for (i = 0; i < 2; i++) {
		size_t j;

		/* Shift by one ASCII byte so both alignments are tried. */
		text[0] = '\0';
		if (i == 1)
			strcat(text, "x");
		for (j = 0; j < 400; j++)
			strcat(text, syllable);
		medsec_log(MEDSEC_LOG_ERR, "identity", "%s", text);
		len = strlen(k.message[i]);
		assert_true(len <= MEDSEC_LOG_MESSAGE_MAX - 1);
		assert_true(len > MEDSEC_LOG_MESSAGE_MAX - 1 - 3 - 3);
		assert_string_equal(k.message[i] + len - 3, "...");
		assert_true(valid_utf8(k.message[i]));
		assert_int_equal((len - 3 - i) % 3, 0);
	}
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
}

static void
test_log_control_characters_escaped(void **state)
{
	struct kept k;

	(void)state;
	memset(&k, 0, sizeof(k));
	medsec_log_set(keep, &k, MEDSEC_LOG_DEBUG);
	/* A name that tries to start a second record and recolour a tty. */
	medsec_log(MEDSEC_LOG_NOTICE, "identity", "account %s locked",
	    "eve\nmedsec: audit: trail ok\r\t\x1b[31m\x7f\\n");
	assert_string_equal(k.message[0], "account eve\\nmedsec: audit: "
	    "trail ok\\r\\t\\x1b[31m\\x7f\\\\n locked");
	/* Invalid UTF-8 and C1 controls become bytes; valid UTF-8 stays. */
	medsec_log(MEDSEC_LOG_NOTICE, "identity", "%s",
	    "\xff\xc3(\xc2\x9b|\xea\xb0\x80");
	assert_string_equal(k.message[1],
	    "\\xff\\xc3(\\xc2\\x9b|\xea\xb0\x80");
	assert_true(valid_utf8(k.message[1]));
	/* A NUL from %c cannot end the line early. */
	medsec_log(MEDSEC_LOG_NOTICE, "identity", "a%cb", 0);
	assert_string_equal(k.message[2], "a\\x00b");
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
}

/* What the sink logs itself is dropped, not recursed into. */
static void
chatty(void *ctx, int severity, const char *module, const char *message)
{
	keep(ctx, severity, module, message);
	medsec_log(MEDSEC_LOG_ERR, "core", "from inside the sink");
}

static void
test_log_sink_that_logs_does_not_recurse(void **state)
{
	struct kept k;

	(void)state;
	memset(&k, 0, sizeof(k));
	medsec_log_set(chatty, &k, MEDSEC_LOG_DEBUG);
	medsec_log(MEDSEC_LOG_ERR, "core", "outside");
	medsec_log(MEDSEC_LOG_ERR, "core", "outside again");
	assert_int_equal(k.n, 2);
	assert_string_equal(k.message[0], "outside");
	assert_string_equal(k.message[1], "outside again");
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
}

#define THREADS 4
#define PER_THREAD 2000

struct tally {
	atomic_int inside;	/* sink calls running now */
	int overlapped;		/* a second call ran during one */
	unsigned long seen[THREADS];
	int malformed;
};

static void
count(void *ctx, int severity, const char *module, const char *message)
{
	struct tally *t = ctx;
	char expected[64];
	unsigned long thread;

	if (atomic_fetch_add(&t->inside, 1) != 0)
		t->overlapped = 1;
	/* "thread T message S", S counting up from 0 in each thread. */
	thread = strncmp(message, "thread ", 7) == 0 ?
	    strtoul(message + 7, NULL, 10) : THREADS;
	if (thread < THREADS)
		snprintf(expected, sizeof(expected), "thread %lu message %lu",
		    thread, t->seen[thread]);
	if (severity != MEDSEC_LOG_INFO || strcmp(module, "test") != 0 ||
	    thread >= THREADS || strcmp(message, expected) != 0)
		t->malformed = 1;
	else
		t->seen[thread]++;
	atomic_fetch_sub(&t->inside, 1);
}

static void *
chatter(void *arg)
{
	unsigned long thread = (unsigned long)(uintptr_t)arg, i;

	for (i = 0; i < PER_THREAD; i++)
		medsec_log(MEDSEC_LOG_INFO, "test", "thread %lu message %lu",
		    thread, i);
	return NULL;
}

/*
 * Four threads log at once: every message arrives whole and in its
 * thread's order, and the sink is never entered twice at the same time
 * (it keeps a plain counter per thread, which ThreadSanitizer would flag
 * were the calls not serialised).
 */
static void
test_log_concurrent_threads(void **state)
{
	pthread_t th[THREADS];
	struct tally t;
	unsigned long i;

	(void)state;
	memset(&t, 0, sizeof(t));
	atomic_init(&t.inside, 0);
	medsec_log_set(count, &t, MEDSEC_LOG_DEBUG);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, chatter,
				     (void *)(uintptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	medsec_log_set(NULL, NULL, MEDSEC_LOG_DEBUG);
	assert_false(t.overlapped);
	assert_false(t.malformed);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(t.seen[i], PER_THREAD);
}

static void
test_log_severity_names_rfc5424(void **state)
{
	(void)state;
	assert_string_equal(medsec_log_severity_name(MEDSEC_LOG_EMERG),
	    "emerg");
	assert_string_equal(medsec_log_severity_name(MEDSEC_LOG_WARNING),
	    "warning");
	assert_string_equal(medsec_log_severity_name(MEDSEC_LOG_DEBUG),
	    "debug");
	assert_string_equal(medsec_log_severity_name(8), "unknown");
	assert_string_equal(medsec_log_severity_name(-1), "unknown");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_log_sink_receives_severity_module_message),
	cmocka_unit_test(test_log_max_severity_filters),
	cmocka_unit_test(test_log_no_sink_is_silent),
	cmocka_unit_test(test_log_long_message_cut_with_mark),
	cmocka_unit_test(test_log_cut_keeps_utf8_whole),
	cmocka_unit_test(test_log_control_characters_escaped),
	cmocka_unit_test(test_log_sink_that_logs_does_not_recurse),
	cmocka_unit_test(test_log_concurrent_threads),
	cmocka_unit_test(test_log_severity_names_rfc5424),
};

MEDSEC_TEST_MAIN(tests)
