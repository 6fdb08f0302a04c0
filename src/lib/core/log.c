/*
 * The log sink. One process-wide sink, set by the program; the library
 * only calls medsec_log(). Each message is formatted, escaped and bounded
 * here, once, so no sink can be handed a forged second line, invalid
 * UTF-8 or an unbounded string, whatever untrusted text went into it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/logf.h"
#include "core/utf8.h"

#define CUT_MARK "..."
#define CUT_MARK_LEN (sizeof(CUT_MARK) - 1)
/* The longest text one input character becomes: "\xHH" or 4 UTF-8 bytes. */
#define UNIT_MAX 4

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static medsec_log_fn sink_fn;	/* guarded by sink_lock */
static void *sink_ctx;		/* guarded by sink_lock */
/*
 * The most verbose severity anyone listens to, -1 for nobody. Read
 * without the lock so that a message nobody wants costs no formatting;
 * it is read again under the lock before the sink is called.
 */
static atomic_int sink_max = -1;
/* Set while this thread is inside the sink: what it logs is dropped. */
static _Thread_local int in_sink;

static const char *const severity_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

const char *
medsec_log_severity_name(int severity)
{
	if (severity < MEDSEC_LOG_EMERG || severity > MEDSEC_LOG_DEBUG)
		return "unknown";
	return severity_names[severity];
}

void
medsec_log_set(medsec_log_fn fn, void *ctx, int max_severity)
{
	if (max_severity > MEDSEC_LOG_DEBUG)
		max_severity = MEDSEC_LOG_DEBUG;
	if (fn == NULL || max_severity < MEDSEC_LOG_EMERG)
		max_severity = -1;
	/* Taking the lock waits out a call to the previous sink. */
	pthread_mutex_lock(&sink_lock);
	sink_fn = fn;
	sink_ctx = fn != NULL ? ctx : NULL;
	atomic_store(&sink_max, max_severity);
	pthread_mutex_unlock(&sink_lock);
}

static size_t
hex_escape(unsigned char c, char unit[UNIT_MAX])
{
	static const char digits[] = "0123456789abcdef";

	unit[0] = '\\';
	unit[1] = 'x';
	unit[2] = digits[c >> 4];
	unit[3] = digits[c & 0xf];
	return 4;
}

/*
 * The text [s, s + n) starts with, as it goes into a line: *usedp input
 * bytes become the returned number of bytes in unit. Control characters
 * (C0, DEL and C1), backslash and bytes that are not UTF-8 are escaped.
 */
static size_t
escape_unit(const unsigned char *s, size_t n, char unit[UNIT_MAX],
    size_t *usedp)
{
	uint32_t cp;
	size_t len;

	*usedp = 1;
	switch (s[0]) {
	case '\n':
		memcpy(unit, "\\n", 2);
		return 2;
	case '\r':
		memcpy(unit, "\\r", 2);
		return 2;
	case '\t':
		memcpy(unit, "\\t", 2);
		return 2;
	case '\\':
		memcpy(unit, "\\\\", 2);
		return 2;
	default:
		break;
	}
	if (s[0] < 0x20 || s[0] == 0x7f)
		return hex_escape(s[0], unit);
	if (s[0] < 0x80) {
		unit[0] = (char)s[0];
		return 1;
	}
	if ((len = medsec_utf8_decode(s, n, &cp)) == 0 ||
	    (cp >= 0x80 && cp <= 0x9f))
		return hex_escape(s[0], unit);
	memcpy(unit, s, len);
	*usedp = len;
	return len;
}

/*
 * Escapes [raw, raw + rawlen) into line (MEDSEC_LOG_MESSAGE_MAX bytes).
 * What does not fit, or was already cut (truncated), is replaced by the
 * cut mark after the last whole character that leaves room for it.
 */
static void
escape_line(char *line, const char *raw, size_t rawlen, int truncated)
{
	const unsigned char *s = (const unsigned char *)raw;
	char unit[UNIT_MAX];
	size_t len = 0, keep = 0, used, n;

	while (rawlen > 0) {
		n = escape_unit(s, rawlen, unit, &used);
		if (len + n > MEDSEC_LOG_MESSAGE_MAX - 1) {
			truncated = 1;
			break;
		}
		memcpy(line + len, unit, n);
		len += n;
		s += used;
		rawlen -= used;
		if (len <= MEDSEC_LOG_MESSAGE_MAX - 1 - CUT_MARK_LEN)
			keep = len;
	}
	if (truncated) {
		memcpy(line + keep, CUT_MARK, CUT_MARK_LEN);
		len = keep + CUT_MARK_LEN;
	}
	line[len] = '\0';
}

static int
wanted(int severity)
{
	return severity >= MEDSEC_LOG_EMERG && !in_sink &&
	    severity <= atomic_load(&sink_max);
}

void
medsec_log(int severity, const char *module, const char *fmt, ...)
{
	/*
	 * Twice the line: every input byte is at least one output byte, so
	 * the line is full before the end of a cut format is reached.
	 */
	char raw[2 * MEDSEC_LOG_MESSAGE_MAX], line[MEDSEC_LOG_MESSAGE_MAX];
	va_list ap;
	int n;

	if (fmt == NULL || !wanted(severity))
		return;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	escape_line(line, raw, (size_t)n < sizeof(raw) ? (size_t)n :
	    sizeof(raw) - 1, (size_t)n >= sizeof(raw));
	pthread_mutex_lock(&sink_lock);
	if (sink_fn != NULL && wanted(severity)) {
		in_sink = 1;
		sink_fn(sink_ctx, severity, module != NULL ? module : "medsec",
		    line);
		in_sink = 0;
	}
	pthread_mutex_unlock(&sink_lock);
}
