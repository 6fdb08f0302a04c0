/*
 * medsecd's operator messages: to stderr in the foreground (-f), to
 * syslog (the journal) once daemonised. Messages never hold a secret.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"

static int to_syslog;

void
medsecd_log_to_syslog(void)
{
	openlog("medsecd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = 1;
}

void
medsecd_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (to_syslog) {
		vsyslog(priority, fmt, ap);
	} else {
		fprintf(stderr, "medsecd[%ld]: ", (long)getpid());
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
