/* medsec status: what a device holds, and whether its audit trail checks. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/updater.h"
#include "cli.h"

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

static void
show_audit(const char *state)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	char dir[4096], when[MEDSEC_RFC3339_LEN] = "-";
	uint64_t n = 0, last_seq = 0;
	int r;

	if (cli_state_path(dir, sizeof(dir), state, "audit") != MEDSEC_OK ||
	    medsec_audit_reader_open(dir, &rd) != MEDSEC_OK) {
		printf("audit trail: unreadable\n");
		return;
	}
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		n++;
		last_seq = rec.seq;
		medsec_time_format(rec.time_us, when, sizeof(when));
	}
	medsec_audit_reader_close(rd);
	printf("audit trail: %" PRIu64 " records, last #%" PRIu64 " at %s%s\n",
	    n, last_seq, when, r < 0 ? " (damaged record found)" : "");
}

/* One integer from a parameterless query, or -1. */
static int64_t
count(struct medsec_db *db, const char *sql)
{
	struct medsec_db_stmt *st = NULL;
	int64_t n = -1;

	if (medsec_db_prepare(db, sql, &st) == MEDSEC_OK &&
	    medsec_db_step(st) == MEDSEC_DB_ROW)
		n = medsec_db_column_int64(st, 0);
	medsec_db_finalize(st);
	return n;
}

static void
show_people(struct medsec_db *db)
{
	int64_t now = medsec_clock_wall_us();
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM account WHERE "
	    "locked_until_us = -1 OR locked_until_us > %" PRId64, now);
	printf("accounts: %" PRId64 " (%" PRId64 " disabled, %" PRId64
	    " locked); live sessions: %" PRId64 "\n",
	    count(db, "SELECT count(*) FROM account"),
	    count(db, "SELECT count(*) FROM account WHERE disabled = 1"),
	    count(db, sql),
	    count(db, "SELECT count(*) FROM session WHERE ended_us IS NULL"));
	if (count(db, "SELECT count(*) FROM account") == 0)
		printf("  no accounts yet: create the first administrator "
		    "with medsec user setup\n");
}

static void
show_updates(struct medsec_db *db)
{
	char counter[32] = "0", hw[64] = "", sql[128];

	if (medsec_db_meta_get(db, "update_hardware_id", hw, sizeof(hw)) !=
	    MEDSEC_OK) {
		printf("updates: not set up (medsec update setup)\n");
		return;
	}
	(void)medsec_db_meta_get(db, "update_counter", counter,
	    sizeof(counter));
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM update_package WHERE "
	    "state = %d", MEDSEC_UPD_AWAITING_APPROVAL);
	printf("updates: hardware %s, security counter %s, %" PRId64
	    " awaiting approval (medsec update status)\n", hw, counter,
	    count(db, sql));
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	struct cli_device dev;
	const char *state = NULL;
	char profile[32] = "?";
	int c, version = 0;

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
	medsec_db_meta_get(dev.db, "crypto_profile", profile, sizeof(profile));
	medsec_db_schema_version(dev.db, &version);
	printf("device: %s\nstate: %s\ncrypto profile: %s\n", dev.device_id,
	    state, profile);
	printf("database: schema version %d (this build knows %d)\n", version,
	    medsec_db_schema_latest());
	show_keys(dev.ks);
	show_people(dev.db);
	show_updates(dev.db);
	show_audit(state);
	cli_device_close(&dev);
	return CLI_EXIT_OK;
}
