/*
 * Password policy benchmark (MFDS 1.9): the cost of one whole check
 * (medsec_password_check, profile nist-800-63b, so every candidate
 * reaches the common rule) for plain, decorated and adversarial
 * candidates. The common rule walks the look-alike readings of a
 * candidate over the sorted tables under a budget of table steps; the
 * last candidates are made to spend that budget.
 *
 *   bench_password [CHECKS]
 *
 * Prints one line per candidate: candidate=... rule=... checks=...
 * ns_per_check=... (wall, monotonic clock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "medsec/password_policy.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const char *const candidates[] = {
		"Correct Horse Battery Staple 9",
		"q7$Lm2#vR9x!pT4w",
		"Welcome1!",
		"P@ssw0rd2024",
		"Medsec2026!",
		"S3cur3-P4$$-w0rd!",
		"l1l1l1l1l1l1l1l1l1",
		"1!1!1!1!1!1!1!1!1!",
	};
	const struct medsec_password_profile *p;
	long checks = argc > 1 ? atol(argv[1]) : 20000;
	char msg[256];
	double t0, t1;
	size_t k;
	long i;
	int r = 0;

	if (checks <= 0 ||
	    (p = medsec_password_profile_find("nist-800-63b")) == NULL) {
		fprintf(stderr, "usage: bench_password [CHECKS]\n");
		return 2;
	}
	for (k = 0; k < sizeof(candidates) / sizeof(candidates[0]); k++) {
		t0 = now_s();
		for (i = 0; i < checks; i++)
			r = medsec_password_check(p, "nurse01", candidates[k],
			    strlen(candidates[k]), msg, sizeof(msg));
		t1 = now_s();
		printf("candidate=%s rule=%s checks=%ld ns_per_check=%.0f\n",
		    candidates[k], medsec_password_rule_name(r), checks,
		    (t1 - t0) / (double)checks * 1e9);
	}
	return 0;
}
