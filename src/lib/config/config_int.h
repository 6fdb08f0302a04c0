/*
 * What the configuration's parts share: the key table's shape, the parse
 * state and the value checks. config.c holds the device's sections,
 * config_daemon.c the daemon's.
 */
#ifndef MEDSEC_CONFIG_INT_H
#define MEDSEC_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/config.h"

struct parse;

struct key_def {
	const char *section;
	const char *name;
	int (*set)(struct parse *, const struct key_def *, const char *,
	    size_t);
	int optional;	/* an empty value is allowed and means "unset" */
	/*
	 * For plain numeric keys (config_set_u32): field, bounds, k/M/G
	 * allowed. For text keys: field and its size (hi).
	 */
	size_t field;
	uint32_t lo, hi;
	int suffix;
};

/* Slots for the device's and the daemon's keys together. */
#define CONFIG_NKEYS_MAX 128
#define CONFIG_DAEMON_NKEYS 71

struct parse {
	int lineno;			   /* line of the key being set */
	int first_line[CONFIG_NKEYS_MAX]; /* line each key was set on */
	struct medsec_config cfg;
	struct medsec_config_error *err;
};

extern const struct key_def config_daemon_keys[CONFIG_DAEMON_NKEYS];

int config_check_printable(struct parse *p, const struct key_def *k,
    const char *v, size_t n, char lo);
int config_parse_number(struct parse *p, const struct key_def *k,
    const char *v, size_t n, int allow_suffix, const char *range,
    uint64_t *outp);
int config_check_range(struct parse *p, const struct key_def *k, uint64_t x,
    uint64_t lo, uint64_t hi);
int config_set_u32(struct parse *p, const struct key_def *k, const char *v,
    size_t n);
/* yes/no (true/false, on/off, 1/0) into the int at k->field. */
int config_set_bool(struct parse *p, const struct key_def *k, const char *v,
    size_t n);

/* The daemon's defaults, and its cross-key rules once the file is read. */
void config_daemon_defaults(struct medsec_config *cfg);
int config_daemon_check(struct parse *p);

#endif
