/*
 * The framing of the UNIX-socket source ([source] socket): how an
 * acquisition process hands readings to the uplink (docs/uplink.md).
 *
 * One reading per line of ASCII, at most UPLINK_FRAME_MAX bytes with
 * its line feed:
 *
 *	<seq> SP <patient> SP <vital> SP <value> SP <time_ms> LF
 *
 * The uplink answers "ACK <seq>" once every reading up to seq is stored
 * durably, and "ERR <seq or 0> <reason>" for a frame it refuses.
 *
 * Self-contained (libc and readings.c), so the unit tests and the fuzz
 * target compile it as it is.
 */
#ifndef MEDSECD_UPLINK_FRAME_H
#define MEDSECD_UPLINK_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "readings.h"

#define UPLINK_FRAME_MAX 160
#define UPLINK_FRAME_WHY_LEN 128

/* A reading as a source numbers it: the sequence names it for good. */
struct source_reading {
	uint64_t seq;
	char patient[READINGS_ID_LEN];
	struct reading r;
};

enum uplink_frame_result {
	UPLINK_FRAME_MORE = 0,	/* no complete line yet */
	UPLINK_FRAME_READING,	/* *out is a reading */
	UPLINK_FRAME_BAD,	/* malformed: why says what */
	UPLINK_FRAME_TOO_LONG,	/* no line feed within UPLINK_FRAME_MAX */
};

/*
 * Parses the first frame of buf (len bytes). For READING and BAD, *used
 * is the frame's length with its line feed (the next frame starts
 * there). A sequence number must be above last_seq (the previous
 * reading of the same connection; 0 at first). why (at least
 * UPLINK_FRAME_WHY_LEN bytes) names the field and the offending value.
 */
int uplink_frame_parse(const char *buf, size_t len, uint64_t last_seq,
    struct source_reading *out, size_t *used, char *why, size_t whylen);

/* The vital of name (enum vital), or -1. */
int uplink_vital_by_name(const char *name, size_t n);

#endif
