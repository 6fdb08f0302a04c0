/* The medsec command-line tool: shared helpers for the command groups. */
#ifndef MEDSEC_CLI_H
#define MEDSEC_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"
#include "medsec/config.h"
#include "medsec/db.h"
#include "medsec/device.h"
#include "medsec/keystore.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Command groups (one file each). */
int cmd_init(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_passwd(int argc, char **argv);
int cmd_session(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_tls(int argc, char **argv);
int cmd_incident(int argc, char **argv);
int cmd_decommission(int argc, char **argv);

/* Prints "medsec: <what>: <medsec_strerror(code)>" to stderr. */
void cli_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "medsec: <message>" to stderr. */
void cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A decimal number, digits only, no overflow: 0, or -1 when not one. */
int cli_parse_u64(const char *s, uint64_t *v);

/* Paths inside a state directory. */
int cli_state_path(char *out, size_t outlen, const char *state,
    const char *name);

/*
 * An open device (medsec_device_open) and, for the commands that use
 * them directly, its keystore, database and trail (NULL when not open).
 */
struct cli_device {
	char state[4096];
	struct medsec_device *dev;
	struct medsec_keystore *ks;
	struct medsec_db *db;
	struct medsec_audit *audit;
	char device_id[64];
};

#define CLI_OPEN_KEYS 0x1
#define CLI_OPEN_DB 0x2
#define CLI_OPEN_AUDIT 0x4

/*
 * Opens what `what` asks for: keystore and database always, the trail
 * with CLI_OPEN_AUDIT (without it, read-only). Prints a clear error on
 * failure.
 */
int cli_device_open(struct cli_device *dev, const char *state, int what);
/*
 * Opens with medsec_device_open() flags and a configuration file (may be
 * NULL); prints a clear error on failure.
 */
int cli_device_open_flags(struct cli_device *dev, const char *state,
    const char *config, unsigned flags);
/* Seals the audit trail with a checkpoint and closes everything. */
int cli_device_close(struct cli_device *dev);

/* What the trail was checked against on the device. */
struct cli_device_check {
	int keystore, database;
	uint64_t mac_epoch, generation, head_seq;
};

/*
 * Verifies the device's audit trail, and against the keystore's MAC-key
 * epoch and the database's generation and saved head when dev holds them
 * open, and against `given` (may be NULL).
 */
int cli_verify_trail(struct cli_device *dev,
    const struct medsec_audit_verify_options *opts,
    const struct medsec_audit_expect *given,
    struct medsec_audit_verify_result *res, struct cli_device_check *chk);

/* Records an operator action; prints the error if it cannot. */
int cli_audit(struct cli_device *dev, int event, const char *object,
    int outcome, const char *reason, const char *details);

/* Runs a subcommand from a table; prints usage on an unknown verb. */
int cli_dispatch(const char *group, const struct cli_command *cmds,
    size_t ncmds, int argc, char **argv);

#endif
