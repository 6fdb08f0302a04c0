/*
 * A device program that links only the device library (libmedsec): it
 * checks the audit trail of a provisioned device against the verifier
 * key exported at provisioning, as a service tool or a start-up check
 * would. Every record's chain and forward-secure MAC and every checkpoint
 * signature is checked; nothing on the device is trusted but the trail.
 *
 *   usage: trail-check AUDIT_DIR VERIFIER_KEY_FILE
 *
 * Exit status: 0 intact, 1 tampered, 2 the check could not run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <medsec/audit.h>
#include <medsec/crypto.h>
#include <medsec/err.h>

enum { EXIT_INTACT = 0, EXIT_TAMPERED = 1, EXIT_CANNOT_CHECK = 2 };

static int
report(const char *dir, int r, const struct medsec_audit_verify_result *res)
{
	if (r == MEDSEC_OK) {
		printf("%s: intact: %" PRIu64 " records, %" PRIu64
		    " checkpoints, MACs %s\n", dir, res->records,
		    res->checkpoints, res->macs_checked ? "checked" :
		    "NOT checked");
		return EXIT_INTACT;
	}
	if (r == MEDSEC_ERR_TAMPERED) {
		printf("%s: TAMPERED (%s) at record %" PRIu64 ": %s\n", dir,
		    medsec_audit_problem_name(res->problem), res->bad_seq,
		    res->message);
		return EXIT_TAMPERED;
	}
	fprintf(stderr, "trail-check: %s: %s\n", dir, medsec_strerror(r));
	return EXIT_CANNOT_CHECK;
}

int
main(int argc, char **argv)
{
	struct medsec_audit_verifier v;
	struct medsec_audit_verify_options opts;
	struct medsec_audit_verify_result res;
	int r, status = EXIT_CANNOT_CHECK;

	if (argc != 3) {
		fprintf(stderr, "usage: trail-check AUDIT_DIR "
		    "VERIFIER_KEY_FILE\n");
		return EXIT_CANNOT_CHECK;
	}
	memset(&v, 0, sizeof(v));
	if ((r = medsec_crypto_init()) != MEDSEC_OK) {
		fprintf(stderr, "trail-check: crypto: %s\n",
		    medsec_strerror(r));
		goto out;
	}
	if ((r = medsec_audit_read_verifier(argv[2], &v)) != MEDSEC_OK) {
		fprintf(stderr, "trail-check: %s: cannot read the verifier "
		    "key: %s\n", argv[2], medsec_strerror(r));
		goto out;
	}
	memset(&opts, 0, sizeof(opts));
	opts.verifier_key = v.mac_key;
	opts.verifier_key_len = v.mac_key_len;
	opts.public_key = v.public_key;
	opts.public_key_len = v.public_key_len;
	opts.public_key_alg = v.public_key_alg;
	memset(&res, 0, sizeof(res));
	r = medsec_audit_verify(argv[1], &opts, &res);
	status = report(argv[1], r, &res);
out:
	medsec_wipe(&v, sizeof(v));
	return status;
}
