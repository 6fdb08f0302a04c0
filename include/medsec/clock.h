/*
 * The clock seam. Every read of time in libmedsec goes through these two
 * functions: wall time (UTC, for records and expiry) and monotonic time (for
 * timeouts, so a wall-clock step never extends a session). Tests and devices
 * with their own time source replace them with medsec_clock_set().
 */
#ifndef MEDSEC_CLOCK_H
#define MEDSEC_CLOCK_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_clock_ops {
	int64_t (*wall_us)(void *ctx); /* microseconds since 1970-01-01 UTC */
	int64_t (*mono_us)(void *ctx); /* microseconds, never goes back */
	void *ctx;
};

/*
 * Replaces the process-wide clock. NULL restores the system clocks
 * (CLOCK_REALTIME and CLOCK_MONOTONIC). The ops struct must outlive its use.
 * Not thread-safe against concurrent readers: set it before starting work.
 */
MEDSEC_API
void medsec_clock_set(const struct medsec_clock_ops *ops);

MEDSEC_API
int64_t medsec_clock_wall_us(void);
MEDSEC_API
int64_t medsec_clock_mono_us(void);

/* Length of "YYYY-MM-DDTHH:MM:SS.ffffffZ" plus its NUL. */
#define MEDSEC_RFC3339_LEN 28

/*
 * Formats microseconds since the epoch as RFC 3339 UTC with microseconds.
 * buflen must be at least MEDSEC_RFC3339_LEN. Returns MEDSEC_OK or
 * MEDSEC_ERR_INVALID for a time outside years 0000-9999.
 */
MEDSEC_API
int medsec_time_format(int64_t us, char *buf, size_t buflen);

/*
 * Formats like medsec_time_format() with `digits` fractional digits (0, 3
 * or 6), as some receivers want milliseconds.
 */
MEDSEC_API
int medsec_time_format_digits(int64_t us, int digits, char *buf, size_t buflen);

/*
 * Parses an RFC 3339 date-time ("2026-01-02T03:04:05Z", optional fraction
 * up to 9 digits, "Z" or +hh:mm/-hh:mm) or a bare date ("2026-01-02", taken
 * as midnight UTC) into microseconds since the epoch. Returns MEDSEC_OK or
 * MEDSEC_ERR_FORMAT.
 */
MEDSEC_API
int medsec_time_parse(const char *s, int64_t *usp);

#ifdef __cplusplus
}
#endif
#endif
