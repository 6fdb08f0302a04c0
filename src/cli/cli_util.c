#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "cli.h"
#include "io/io.h"

void
cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("medsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", medsec_strerror(code));
}

void
cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("medsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_state_path(char *out, size_t outlen, const char *state, const char *name)
{
	return medsec_io_path(out, outlen, state, name);
}

static void
usage(const char *group, const struct cli_command *cmds, size_t ncmds)
{
	fprintf(stderr, "usage: %s <command> [options]\n\ncommands:\n", group);
	for (size_t i = 0; i < ncmds; i++)
		fprintf(stderr, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
}

int
cli_dispatch(const char *group, const struct cli_command *cmds, size_t ncmds,
    int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(group, cmds, ncmds);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	for (size_t i = 0; i < ncmds; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	cli_fail("%s: unknown command '%s'", group, argv[1]);
	usage(group, cmds, ncmds);
	return CLI_EXIT_USAGE;
}

/*
 * The [audit] settings given to `medsec init --config`, kept in the
 * database as the configuration text: every command writes the trail
 * with them, not with the defaults.
 */
static int
audit_options_load(struct cli_device *dev, struct medsec_audit_options *o)
{
	struct medsec_config cfg;
	struct medsec_config_error err;
	char *text, msg[640];
	int r;

	medsec_audit_options_default(o);
	if ((text = malloc(MEDSEC_CONFIG_FILE_MAX + 1)) == NULL)
		return MEDSEC_ERR_NOMEM;
	r = medsec_db_meta_get(dev->db, "config_at_init", text,
	    MEDSEC_CONFIG_FILE_MAX + 1);
	if (r == MEDSEC_ERR_NOT_FOUND) {
		r = MEDSEC_OK; /* provisioned without --config */
		goto out;
	}
	if (r != MEDSEC_OK) {
		cli_error(r, "the configuration stored at provisioning");
		goto out;
	}
	medsec_config_defaults(&cfg);
	if ((r = medsec_config_parse("configuration stored at provisioning",
		 text, strlen(text), &cfg, &err)) != MEDSEC_OK) {
		medsec_config_error_format(&err, msg, sizeof(msg));
		cli_fail("%s", msg);
		goto out;
	}
	o->epoch_records = cfg.audit_epoch_records;
	o->epoch_seconds = cfg.audit_epoch_seconds;
	o->segment_bytes = cfg.audit_segment_bytes;
out:
	free(text);
	return r;
}

int
cli_audit_options(struct cli_device *dev, struct medsec_audit_options *o)
{
	return audit_options_load(dev, o);
}

/* Whether the trail's newest record is the head the database saved. */
static void
note_sealed(struct cli_device *dev, const struct medsec_audit_expect *db)
{
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];

	dev->opened_sealed = 0;
	if (medsec_audit_head(dev->audit, &dev->opened_seq, chain) !=
	    MEDSEC_OK)
		return; /* unknown: the command seals as before */
	dev->opened_generation = db->generation;
	dev->opened_sealed = db->have_generation && db->head_seq != 0 &&
	    db->head_seq == dev->opened_seq &&
	    medsec_ct_equal(db->head_chain, chain, sizeof(chain)) == 0;
}

static int
audit_open(struct cli_device *dev, const char *path)
{
	struct medsec_audit_options opts;
	struct medsec_audit_open_report rep;
	struct medsec_audit_expect db;
	char why[256];
	int r;

	if ((r = audit_options_load(dev, &opts)) != MEDSEC_OK)
		return r;
	if ((r = medsec_audit_open(path, dev->ks, &opts, &dev->audit, &rep)) !=
	    MEDSEC_OK) {
		if (rep.message[0] != '\0')
			cli_fail("%s: audit trail refused: %s", path,
			    rep.message);
		cli_error(r, "%s: cannot open the audit trail", path);
		return r;
	}
	if (rep.recovered)
		fprintf(stderr, "medsec: audit: recovered from a crash: "
		    "%llu bytes of a torn tail kept and cut away\n",
		    (unsigned long long)rep.cut_bytes);
	/* An older trail or an older database put back is refused here,
	 * before the command changes anything. */
	why[0] = '\0';
	if ((r = medsec_audit_db_state(dev->db, &db)) != MEDSEC_OK ||
	    (r = medsec_audit_check_state(dev->audit, &db, why,
		 sizeof(why))) != MEDSEC_OK) {
		if (why[0] != '\0')
			cli_fail("%s: audit trail and database disagree: %s",
			    path, why);
		cli_error(r, "%s: cannot check the audit trail against the "
		    "database", path);
		/* Closed unsealed: saving this trail's head or recording
		 * this generation would make the rollback look legitimate.
		 * The refusal above is the error; a failure to close adds
		 * nothing the caller could act on. */
		(void)medsec_audit_close(dev->audit);
		dev->audit = NULL;
		return r;
	}
	note_sealed(dev, &db);
	return MEDSEC_OK;
}

int
cli_device_open(struct cli_device *dev, const char *state, int what)
{
	char path[4096];
	int r;

	memset(dev, 0, sizeof(*dev));
	if (strlen(state) >= sizeof(dev->state)) {
		cli_fail("state directory path too long");
		return MEDSEC_ERR_TOO_LARGE;
	}
	memcpy(dev->state, state, strlen(state) + 1);
	if ((r = cli_state_path(path, sizeof(path), state, "keys")) != MEDSEC_OK)
		return r;
	if ((r = medsec_keystore_open(path, &dev->ks)) != MEDSEC_OK) {
		cli_error(r, "%s: cannot open the keystore", path);
		goto fail;
	}
	if ((what & (CLI_OPEN_DB | CLI_OPEN_AUDIT)) != 0) {
		if ((r = cli_state_path(path, sizeof(path), state,
			 "medsec.db")) != MEDSEC_OK ||
		    (r = medsec_db_open(path, 0, &dev->db)) != MEDSEC_OK) {
			cli_error(r, "%s: cannot open the database", path);
			goto fail;
		}
		if (medsec_db_meta_get(dev->db, "device_id", dev->device_id,
			sizeof(dev->device_id)) != MEDSEC_OK)
			snprintf(dev->device_id, sizeof(dev->device_id), "unknown");
	}
	if ((what & CLI_OPEN_AUDIT) != 0 &&
	    ((r = cli_state_path(path, sizeof(path), state, "audit")) !=
		MEDSEC_OK ||
		(r = audit_open(dev, path)) != MEDSEC_OK))
		goto fail;
	return MEDSEC_OK;
fail:
	cli_device_close(dev);
	return r;
}

/*
 * Seals what this command wrote with a checkpoint that records the
 * database's state generation, then saves the trail's head in the
 * database: each is the other's evidence against a rollback.
 */
/*
 * Sealed at open, no record written and no security state changed since:
 * the saved head still names the trail's newest record, so a checkpoint
 * would only add a record for a command that changed nothing.
 */
static int
nothing_since_open(struct cli_device *dev,
    const struct medsec_audit_expect *db)
{
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];
	uint64_t seq;

	if (!dev->opened_sealed || !db->have_generation ||
	    db->generation != dev->opened_generation)
		return 0;
	if (medsec_audit_head(dev->audit, &seq, chain) != MEDSEC_OK)
		return 0;
	return seq == dev->opened_seq;
}

static int
audit_seal(struct cli_device *dev)
{
	struct medsec_audit_expect db;
	int r;

	if (dev->db != NULL) {
		if ((r = medsec_audit_db_state(dev->db, &db)) != MEDSEC_OK)
			return r;
		if (nothing_since_open(dev, &db))
			return MEDSEC_OK;
		if (db.have_generation)
			medsec_audit_note_state(dev->audit, db.generation);
	}
	if ((r = medsec_audit_checkpoint(dev->audit)) != MEDSEC_OK)
		return r;
	return dev->db != NULL ? medsec_audit_save_head(dev->db, dev->audit)
			       : MEDSEC_OK;
}

int
cli_device_close(struct cli_device *dev)
{
	int r = MEDSEC_OK;

	if (dev->audit != NULL) {
		r = audit_seal(dev);
		if (medsec_audit_close(dev->audit) != MEDSEC_OK && r == MEDSEC_OK)
			r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
		if (r != MEDSEC_OK)
			cli_error(r, "audit trail");
	}
	medsec_db_close(dev->db);
	medsec_keystore_close(dev->ks);
	memset(dev, 0, sizeof(*dev));
	return r;
}

int
cli_verify_trail(struct cli_device *dev,
    const struct medsec_audit_verify_options *opts,
    const struct medsec_audit_expect *given,
    struct medsec_audit_verify_result *res, struct cli_device_check *chk)
{
	struct medsec_audit_expect expect[3];
	char dir[4096];
	size_t n = 0;
	int r;

	memset(chk, 0, sizeof(*chk));
	if ((r = cli_state_path(dir, sizeof(dir), dev->state, "audit")) !=
	    MEDSEC_OK)
		return r;
	if (dev->ks != NULL) {
		memset(&expect[n], 0, sizeof(expect[n]));
		expect[n].source = "the keystore";
		if ((r = medsec_audit_key_epoch(dev->ks,
			 &expect[n].mac_epoch)) != MEDSEC_OK) {
			cli_error(r, "the audit MAC key in the keystore");
			return r;
		}
		expect[n].have_mac_epoch = 1;
		chk->mac_epoch = expect[n].mac_epoch;
		chk->keystore = 1;
		n++;
	}
	if (dev->db != NULL) {
		if ((r = medsec_audit_db_state(dev->db, &expect[n])) !=
		    MEDSEC_OK) {
			cli_error(r, "the database's record of the audit trail");
			return r;
		}
		chk->generation = expect[n].generation;
		chk->head_seq = expect[n].head_seq;
		chk->database = 1;
		n++;
	}
	if (given != NULL)
		expect[n++] = *given;
	return medsec_audit_verify_against(dir, opts, expect, n, res);
}

int
cli_audit(struct cli_device *dev, int event, const char *object, int outcome,
    const char *reason, const char *details)
{
	/* The operating-system account, not $USER, which anyone can set. */
	struct passwd *pw = getpwuid(getuid());
	char actor[80];
	struct medsec_audit_event_in ev = { event, actor, "local", object,
		outcome, reason, details };
	int r;

	snprintf(actor, sizeof(actor), "os:%s", pw != NULL ? pw->pw_name : "?");
	r = medsec_audit_append(dev->audit, &ev, NULL);

	if (r != MEDSEC_OK)
		cli_error(r, "cannot write the audit record");
	return r;
}

int
cli_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	/* Digits only, all of them, no sign, no overflow. */
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}
