/*
 * medsecd_faultio: medsecd with libmedsec's I/O seam and SQLite under the
 * fault shim (tests/helpers/faultio.h), for the uplink's power-cut test
 * (tests/integration/daemon_uplink.sh). A test program, never installed.
 *
 *   MEDSEC_TEST_FAULTIO="crash_at=K,mode=power_drop"
 *
 * cuts the power at the K-th mutating file operation (mode power_drop,
 * power_garble or process: faultio.h); FAULTIO_TRACE names every counted
 * operation on stderr, which is how the test finds the operations an
 * outage takes. Without the variable the program is medsecd.
 *
 * The store-and-forward queue is written by the monitor, the process
 * medsecd starts as: it alone opens the device (monitor_uplink.c); the
 * uplink only hands it batches over privsep. So the shim counts and cuts
 * in the monitor, and is disarmed in every child the monitor forks (the
 * worker, the uplink, the shipper), which write nothing through the seam
 * and must not cut a second time with an inherited counter.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faultio.h"
#include "io/io.h"

#define ARM_VAR "MEDSEC_TEST_FAULTIO"

static int
mode_of(const char *name)
{
	if (strcmp(name, "power_drop") == 0)
		return FAULTIO_POWER_DROP;
	if (strcmp(name, "power_garble") == 0)
		return FAULTIO_POWER_GARBLE;
	if (strcmp(name, "process") == 0)
		return FAULTIO_PROCESS;
	return 0;
}

static void
refuse(const char *spec, const char *why)
{
	fprintf(stderr, "medsecd_faultio: %s=\"%s\": %s (want "
	    "crash_at=K,mode=power_drop|power_garble|process)\n", ARM_VAR,
	    spec, why);
	exit(2);
}

/* "crash_at=K,mode=M" into *k and *mode; refuses anything else. */
static void
parse_arming(const char *spec, unsigned long *k, int *mode)
{
	char buf[128], *field, *save = NULL, *end;

	if (strlen(spec) >= sizeof(buf))
		refuse(spec, "too long");
	snprintf(buf, sizeof(buf), "%s", spec);
	for (field = strtok_r(buf, ",", &save); field != NULL;
	    field = strtok_r(NULL, ",", &save)) {
		if (strncmp(field, "crash_at=", 9) == 0) {
			errno = 0;
			*k = strtoul(field + 9, &end, 10);
			if (errno != 0 || *end != '\0' || *k == 0)
				refuse(spec, "crash_at is not a positive "
				    "number");
		} else if (strncmp(field, "mode=", 5) == 0) {
			if ((*mode = mode_of(field + 5)) == 0)
				refuse(spec, "unknown mode");
		} else {
			refuse(spec, "unknown field");
		}
	}
	if (*k == 0 || *mode == 0)
		refuse(spec, "crash_at and mode are both needed");
}

static void
disarm_in_child(void)
{
	faultio_crash_at(0, 0);
	medsec_io_set_ops(NULL);
}

__attribute__((constructor)) static void
arm_from_environment(void)
{
	const char *spec = getenv(ARM_VAR);
	unsigned long k = 0;
	int mode = 0;

	if (spec == NULL && getenv("FAULTIO_TRACE") == NULL)
		return;
	if (spec != NULL)
		parse_arming(spec, &k, &mode);
	faultio_install();
	if (k != 0)
		faultio_crash_at(k, mode);
	if (pthread_atfork(NULL, NULL, disarm_in_child) != 0) {
		fprintf(stderr, "medsecd_faultio: pthread_atfork failed\n");
		exit(2);
	}
}
