/* medsec status: what a device holds, and whether its audit trail checks. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/err.h"
#include "medsec/fwdqueue.h"
#include "medsec/updater.h"
#include "cli.h"
#include "cli_escape.h"

static void
show_keys(struct medsec_keystore *ks)
{
	struct medsec_key_info keys[32];
	char when[MEDSEC_RFC3339_LEN];
	size_t n = 0;

	if (medsec_keystore_list(ks, keys, 32, &n) != MEDSEC_OK)
		return;
	printf("keys (sealed under the device master key, profile %s):\n",
	    medsec_keystore_profile(ks)->name);
	for (size_t i = 0; i < n && i < 32; i++) {
		const struct medsec_alg_info *alg =
		    medsec_crypto_alg_by_id(keys[i].alg);

		medsec_time_format_digits(keys[i].created_us, 0, when,
		    sizeof(when));
		printf("  %-12s %-18s id %s gen %" PRIu32 " %s created %s\n",
		    keys[i].name, alg ? alg->name : "?", keys[i].key_id,
		    keys[i].generation,
		    keys[i].state == MEDSEC_KEY_ACTIVE ? "active"
						      : "verify-only",
		    when);
	}
}

/*
 * The trail is verified, not just counted: a status that reads "fine"
 * over a tampered trail would hide the one thing an operator must act on.
 * Returns nonzero when the trail is tampered or cannot be checked.
 */
static int
show_audit(struct cli_device *dev)
{
	struct medsec_audit_verify_options opts;
	struct medsec_audit_verify_result res;
	struct medsec_key_info info;
	struct cli_device_check chk;
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen = 0;
	int r;

	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	if ((r = medsec_keystore_public(dev->ks, "identity", pk, &pklen,
		 &info)) != MEDSEC_OK) {
		cli_error(r, "identity public key");
		printf("audit trail: NOT VERIFIED (no identity key)\n");
		return 1;
	}
	opts.public_key = pk;
	opts.public_key_len = pklen;
	opts.public_key_alg = info.alg;
	r = cli_verify_trail(dev, &opts, NULL, &res, &chk);
	if (r == MEDSEC_ERR_TAMPERED) {
		printf("WARNING: audit trail TAMPERED (%s): first bad record %"
		       PRIu64 " (segment %" PRIu64 ", offset %" PRIu64 "): %s\n",
		    medsec_audit_problem_name(res.problem), res.bad_seq,
		    res.bad_segment, res.bad_offset, res.message);
		fprintf(stderr, "medsec: audit trail TAMPERED: %s\n",
		    res.message);
		return 1;
	}
	if (r != MEDSEC_OK) {
		cli_error(r, "audit trail");
		printf("audit trail: NOT VERIFIED (%s)\n", medsec_strerror(r));
		return 1;
	}
	printf("audit trail: intact, %" PRIu64 " records in %" PRIu64
	       " segments, last #%" PRIu64 " (chain, checkpoint signatures, "
	       "anchor, keystore epoch and database checked)\n", res.records,
	    res.segments, res.head_seq);
	return 0;
}

static void
show_people(const struct medsec_device_status *st)
{
	const struct medsec_identity_status *a = &st->accounts;

	printf("accounts: %" PRIu64 " (%" PRIu64 " disabled, %" PRIu64
	    " locked); live sessions: %" PRIu64 "\n", a->accounts, a->disabled,
	    a->locked, st->sessions.live);
	if (a->accounts == 0)
		printf("  no accounts yet: create the first administrator "
		    "with medsec user setup\n");
	else
		printf("  %" PRIu64 " expired, %" PRIu64 " must change the "
		    "password, %" PRIu64 " machine peers\n", a->expired,
		    a->must_change, a->peers);
}

static void
show_updates(const struct medsec_updater_status *u)
{
	if (!u->configured) {
		printf("updates: not set up (medsec update setup)\n");
		return;
	}
	printf("updates: hardware ");
	cli_print_escaped(stdout, u->hardware_id);
	printf(", security counter %" PRIu64 ", %" PRIu64 " awaiting approval "
	    "(medsec update status)\n", u->security_counter,
	    u->awaiting_approval);
	printf("  running slot %s%s, key set floor %" PRIu64 "\n",
	    u->boot.active, u->boot.trial ? " in TRIAL" : "", u->keyset_floor);
}

/*
 * The store-and-forward queue, when it holds anything or ever lost a
 * batch: readings dropped undelivered are an incident the operator must
 * see (MFDS 1.20), so they are shown for as long as the device lives.
 */
static void
show_fwdqueue(struct medsec_device *dev)
{
	/* Limits are not used for counting; these only pass the checks. */
	const struct medsec_fwdqueue_limits lim = { 1,
		MEDSEC_FWDQUEUE_BATCH_MAX, 1 };
	struct medsec_fwdqueue_stats st;
	struct medsec_fwdqueue *q = NULL;
	int r;

	if ((r = medsec_fwdqueue_open(dev, &lim, &q)) != MEDSEC_OK ||
	    (r = medsec_fwdqueue_stats(q, &st)) != MEDSEC_OK) {
		cli_error(r, "store-and-forward queue");
		medsec_fwdqueue_close(q);
		return;
	}
	medsec_fwdqueue_close(q);
	if (st.batches > 0)
		printf("store-and-forward: %" PRIu32 " batches (%" PRIu64
		    " readings, %" PRIu64 " bytes encrypted) waiting, oldest #%"
		    PRIu64 "\n", st.batches, st.readings, st.bytes,
		    st.oldest_seq);
	if (st.lost_batches > 0)
		printf("WARNING: store-and-forward LOST %" PRIu64 " batches (%"
		    PRIu64 " readings) undelivered, queue full or too old "
		    "(FWD_QUEUE_DROPPED, FWD_QUEUE_EXPIRED in the audit "
		    "trail)\n", st.lost_batches, st.lost_readings);
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	struct medsec_device_status st;
	struct cli_device dev;
	const char *state = NULL;
	int bad, c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c != 's') {
			fprintf(stderr, "usage: medsec status --state DIR\n");
			return CLI_EXIT_USAGE;
		}
		state = optarg;
	}
	if (state == NULL || optind != argc) {
		fprintf(stderr, "usage: medsec status --state DIR\n");
		return CLI_EXIT_USAGE;
	}
	if (cli_device_open(&dev, state, CLI_OPEN_KEYS | CLI_OPEN_DB) !=
	    MEDSEC_OK)
		return CLI_EXIT_FAIL;
	if ((r = medsec_device_status(dev.dev, &st)) != MEDSEC_OK) {
		cli_error(r, "%s: device status", state);
		cli_device_close(&dev);
		return CLI_EXIT_FAIL;
	}
	printf("device: %s\nstate: %s\ncrypto profile: %s\n", st.device_id,
	    state, st.profile);
	printf("database: schema version %d (this build knows %d)\n",
	    st.schema_version, medsec_db_schema_latest());
	show_keys(dev.ks);
	show_people(&st);
	show_updates(&st.updates);
	show_fwdqueue(dev.dev);
	printf("audit settings: checkpoint every %" PRIu32 " records or %"
	    PRIu32 " s, segments of %" PRIu64 " bytes\n",
	    st.audit_epoch_records, st.audit_epoch_seconds,
	    st.audit_segment_bytes);
	bad = show_audit(&dev);
	cli_device_close(&dev);
	return bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
