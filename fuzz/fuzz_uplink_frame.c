/*
 * The uplink's source-socket frame parser: the bytes come from another
 * process on the device, which may be faulty or hostile. Whatever they
 * are, the parser consumes each frame exactly (never past the input),
 * keeps a reading only when every field is valid, and a kept reading's
 * sequence number rises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/daemon/readings.c"
#include "../src/daemon/uplink_frame.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_reading r;
	char why[UPLINK_FRAME_WHY_LEN];
	uint64_t last = 0;
	size_t at = 0, used;
	int k;

	while (at < size) {
		k = uplink_frame_parse((const char *)data + at, size - at, last,
		    &r, &used, why, sizeof(why));
		if (k == UPLINK_FRAME_MORE || k == UPLINK_FRAME_TOO_LONG)
			break;
		if (used == 0 || used > size - at || used > UPLINK_FRAME_MAX ||
		    memchr(why, '\0', sizeof(why)) == NULL)
			abort();
		if (k == UPLINK_FRAME_READING) {
			if (r.seq <= last || !readings_valid_id(r.patient) ||
			    vital_info(r.r.vital) == NULL || why[0] != '\0')
				abort();
			last = r.seq;
		} else if (k != UPLINK_FRAME_BAD || why[0] == '\0') {
			abort();
		}
		at += used;
	}
	return 0;
}
