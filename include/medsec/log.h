/*
 * medsec log: where the library tells an operator what the return codes
 * cannot (the trail went degraded, a torn tail was repaired, an account
 * was locked, the database stayed busy). libmedsec never writes to
 * stdout or stderr: without a sink every message is dropped. The CLI
 * prints warnings and worse; the daemon forwards to syslog or journald.
 *
 * Messages never hold a secret (passwords, tokens, keys). They are
 * single lines of valid UTF-8 of at most MEDSEC_LOG_MESSAGE_MAX - 1
 * bytes: control characters, backslashes and invalid UTF-8 in them are
 * escaped (\n, \r, \t, \\, \xHH), and a longer message is cut at a
 * character boundary and ends in "...". Untrusted text inside a message
 * (a user name, a file name) cannot forge a second line.
 */
#ifndef MEDSEC_LOG_H
#define MEDSEC_LOG_H

#include "medsec/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 5424 section 6.2.1 severities: lower is more severe. */
enum medsec_log_severity {
	MEDSEC_LOG_EMERG = 0,	/* the device is unusable */
	MEDSEC_LOG_ALERT = 1,	/* act now (tampering detected) */
	MEDSEC_LOG_CRIT = 2,	/* critical conditions */
	MEDSEC_LOG_ERR = 3,	/* an operation failed */
	MEDSEC_LOG_WARNING = 4, /* degraded, or about to fail */
	MEDSEC_LOG_NOTICE = 5,	/* normal but significant (a lockout) */
	MEDSEC_LOG_INFO = 6,	/* informational (a repair at start) */
	MEDSEC_LOG_DEBUG = 7,
};

/* The largest message a sink receives, with its NUL. */
#define MEDSEC_LOG_MESSAGE_MAX 512

/*
 * A sink: severity is one of the above, module the library module that
 * speaks ("audit", "identity", "db", ...), message the escaped text
 * (never NULL). Both strings live only for the call.
 */
typedef void (*medsec_log_fn)(void *ctx, int severity, const char *module,
    const char *message);

/*
 * Installs fn as the process's sink for messages of severity max_severity
 * or more severe (numerically lower or equal); fn NULL removes it (the
 * default: everything dropped). A program sets it once at start, before
 * its threads, though changing it later is safe: the call returns only
 * after any call to the previous sink has finished, so the old ctx may
 * then be freed.
 *
 * Thread contract: any thread may log. Calls to the sink are serialised
 * (never two at once), so the sink need not lock. The sink must not call
 * medsec_log_set(); anything the library would log from inside the sink
 * (on that thread) is dropped rather than recursing.
 */
MEDSEC_API
void medsec_log_set(medsec_log_fn fn, void *ctx, int max_severity);

/* "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug". */
MEDSEC_API
const char *medsec_log_severity_name(int severity);

#ifdef __cplusplus
}
#endif
#endif
