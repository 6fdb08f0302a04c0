/*
 * medsec config: the device/daemon configuration file (INI, parsed with
 * inih) turned into a typed struct. Parsing is strict: an unknown section
 * or key, a bad value, a duplicate key or an over-long line is an error
 * that names the file, the line and the key. Nothing is half-applied: on
 * error the caller's struct is left as it was.
 *
 *   [device]
 *   id = gw-0001                 ; [A-Za-z0-9._-], 1..63
 *   site = HOSP-A                ; optional, same alphabet
 *   state_dir = /var/lib/medsec  ; absolute path
 *
 *   [crypto]
 *   profile = approved           ; approved | kcmvp
 *
 *   [audit]
 *   epoch_records = 1000         ; 16..1000000 records per MAC epoch
 *   epoch_seconds = 3600         ; 0 (off) or 10..86400
 *   segment_bytes = 16777216     ; 65536..1073741824 (suffix k, M, G ok)
 *   hostname = gw-0001.local     ; syslog HOSTNAME, optional
 */
#ifndef MEDSEC_CONFIG_H
#define MEDSEC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_CONFIG_ID_MAX 64
#define MEDSEC_CONFIG_PATH_MAX 256
#define MEDSEC_CONFIG_LINE_MAX 512  /* longer lines are refused */
#define MEDSEC_CONFIG_FILE_MAX 65536 /* larger files are refused */

struct medsec_config {
	char device_id[MEDSEC_CONFIG_ID_MAX];
	char site_id[MEDSEC_CONFIG_ID_MAX];
	char state_dir[MEDSEC_CONFIG_PATH_MAX];
	char crypto_profile[32];
	uint32_t audit_epoch_records;
	uint32_t audit_epoch_seconds;
	uint64_t audit_segment_bytes;
	char audit_hostname[256];
};

struct medsec_config_error {
	char file[MEDSEC_CONFIG_PATH_MAX];
	int line;     /* 1-based; 0 when not about one line */
	char key[64]; /* "section.key", or "" */
	char message[256];
};

/* Fills cfg with the documented defaults. */
void medsec_config_defaults(struct medsec_config *cfg);

/*
 * Loads and validates a file (at most MEDSEC_CONFIG_FILE_MAX bytes, not a
 * symlink). Keys absent from the file keep their value in cfg (call
 * medsec_config_defaults first). On error returns MEDSEC_ERR_CONFIG (or an
 * I/O code), fills *err and leaves cfg unchanged.
 */
int medsec_config_load(const char *path, struct medsec_config *cfg,
    struct medsec_config_error *err);

/* As medsec_config_load() on text already in memory; name is for errors. */
int medsec_config_parse(const char *name, const char *text, size_t len,
    struct medsec_config *cfg, struct medsec_config_error *err);

/* Formats an error as "file:line: key: message" into buf. */
void medsec_config_error_format(const struct medsec_config_error *err,
    char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
