/*
 * The configuration file: INI text parsed with inih into a typed struct.
 *
 * inih is fed through the strict line reader of core/ini.h, so every
 * error names its line and nothing of the text is ever truncated or
 * reinterpreted. What is left here is what the sections and keys mean.
 *
 * All values go into a copy of the caller's struct, which is copied back
 * only when the whole text is valid.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/ini.h"
#include "medsec/config.h"
#include "medsec/err.h"
#include "medsec/password_policy.h"

_Static_assert(MEDSEC_CONFIG_FILE_MAX == MEDSEC_INI_FILE_MAX,
    "the configuration is read through the INI reader's bound");
_Static_assert(MEDSEC_CONFIG_PATH_MAX == MEDSEC_PARSE_FILE_MAX,
    "an error names any path the configuration holds");

/* The device's keys are below; the daemon's in config_daemon.c. */
#define NKEYS 23
_Static_assert(NKEYS + CONFIG_DAEMON_NKEYS <= CONFIG_NKEYS_MAX,
    "every key has a first_line slot");

static int set_id(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_state_dir(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_profile(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_epoch_records(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_epoch_seconds(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_segment_bytes(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_hostname(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_password_profile(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_roles_file(struct parse *, const struct key_def *,
    const char *, size_t);

#define U32(sec, key, member, lo, hi, suffix) \
	{ sec, key, config_set_u32, 0, offsetof(struct medsec_config, member), \
	    lo, hi, suffix }

static const struct key_def keys[] = {
	{ "device", "id", set_id, 0, 0, 0, 0, 0 },
	{ "device", "site", set_id, 1, 0, 0, 0, 0 },
	{ "device", "state_dir", set_state_dir, 0, 0, 0, 0, 0 },
	{ "crypto", "profile", set_profile, 0, 0, 0, 0, 0 },
	{ "audit", "epoch_records", set_epoch_records, 0, 0, 0, 0, 0 },
	{ "audit", "epoch_seconds", set_epoch_seconds, 0, 0, 0, 0, 0 },
	{ "audit", "segment_bytes", set_segment_bytes, 0, 0, 0, 0, 0 },
	{ "audit", "hostname", set_hostname, 1, 0, 0, 0, 0 },
	{ "auth", "password_profile", set_password_profile, 0, 0, 0, 0, 0 },
	U32("auth", "pwhash_ops", auth_pwhash_ops, 2, 10, 0),
	/* OWASP's floor for Argon2id: 19 MiB with t=2. */
	U32("auth", "pwhash_mem", auth_pwhash_mem, 19u << 20, 1u << 30, 1),
	U32("auth", "max_failures", auth_max_failures, 1, 100, 0),
	U32("auth", "lock_seconds", auth_lock_seconds, 0, 604800, 0),
	U32("auth", "source_max_failures", auth_source_max_failures, 1,
	    10000, 0),
	U32("auth", "source_window_seconds", auth_source_window_seconds, 10,
	    86400, 0),
	U32("auth", "password_history", auth_password_history, 0, 24, 0),
	U32("auth", "password_max_age_days", auth_password_max_age_days, 0,
	    3650, 0),
	U32("auth", "setup_code_hours", auth_setup_code_hours, 1, 168, 0),
	{ "auth", "roles_file", set_roles_file, 1, 0, 0, 0, 0 },
	{ "auth", "emergency_access", config_set_bool, 0,
	    offsetof(struct medsec_config, auth_emergency_access), 0, 1, 0 },
	U32("session", "idle_seconds", session_idle_seconds, 60, 86400, 0),
	U32("session", "lifetime_seconds", session_lifetime_seconds, 300,
	    604800, 0),
	U32("session", "reauth_seconds", session_reauth_seconds, 30, 3600, 0),
};
_Static_assert(sizeof(keys) / sizeof(keys[0]) == NKEYS, "NKEYS");

static const char *const sections[] = { "device", "crypto", "audit", "auth",
	"session", "listen", "tls", "limits", "daemon", "incident", "source" };

static int
is_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int
on_section(void *ctx, const char *name, size_t namelen, int line,
    const char **canon)
{
	struct parse *p = ctx;
	char shown[48];
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strlen(sections[i]) == namelen &&
		    memcmp(sections[i], name, namelen) == 0) {
			*canon = sections[i];
			return MEDSEC_OK;
		}
	medsec_ini_excerpt(shown, sizeof(shown), name, namelen);
	medsec_ini_err(p->err, line, NULL, NULL, "unknown section [%s]",
	    shown);
	return MEDSEC_ERR_CONFIG;
}

static int
on_key(void *ctx, const char *section, const char *name, const char *value,
    size_t vallen, int line)
{
	struct parse *p = ctx;
	const struct key_def *k = NULL;
	size_t i, j;

	p->lineno = line;
	if (*section == '\0') {
		medsec_ini_err(p->err, line, NULL, name,
		    "key outside any section");
		return MEDSEC_ERR_CONFIG;
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0) {
			k = &keys[i];
			break;
		}
	for (j = 0; k == NULL && j < CONFIG_DAEMON_NKEYS; j++)
		if (strcmp(config_daemon_keys[j].section, section) == 0 &&
		    strcmp(config_daemon_keys[j].name, name) == 0) {
			k = &config_daemon_keys[j];
			i = NKEYS + j;
		}
	if (k == NULL) {
		medsec_ini_err(p->err, line, section, name, "unknown key");
		return MEDSEC_ERR_CONFIG;
	}
	if (p->first_line[i] != 0) {
		medsec_ini_err(p->err, line, section, name,
		    "duplicate key (first set on line %d)", p->first_line[i]);
		return MEDSEC_ERR_CONFIG;
	}
	p->first_line[i] = line;
	/* An empty value is "", and the setters of optional keys clear. */
	if (vallen == 0 && !k->optional) {
		medsec_ini_err(p->err, line, section, name, "empty value");
		return MEDSEC_ERR_CONFIG;
	}
	return k->set(p, k, value, vallen);
}

static const struct medsec_ini_handler ini_handler = {
	"configuration text", on_section, on_key, NULL
};

static int
set_id(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	char *dst = strcmp(k->name, "id") == 0 ? p->cfg.device_id :
	    p->cfg.site_id;
	char shown[48];
	size_t i;

	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	if (n >= MEDSEC_CONFIG_ID_MAX) {
		medsec_ini_err(p->err, p->lineno, k->section, k->name,
		    "value '%s' is %zu characters, longer than %d", shown, n,
		    MEDSEC_CONFIG_ID_MAX - 1);
		return MEDSEC_ERR_CONFIG;
	}
	for (i = 0; i < n; i++)
		if (!is_id_char(v[i])) {
			medsec_ini_err(p->err, p->lineno, k->section, k->name,
			    "value '%s': invalid character at position %zu "
			    "(allowed: A-Z a-z 0-9 . _ -)", shown, i + 1);
			return MEDSEC_ERR_CONFIG;
		}
	medsec_ini_copy(dst, MEDSEC_CONFIG_ID_MAX, v, n);
	return MEDSEC_OK;
}

/* Printable ASCII from lo up to '~', so no value can smuggle controls. */
int
config_check_printable(struct parse *p, const struct key_def *k, const char *v,
    size_t n, char lo)
{
	char shown[48];
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] < lo || v[i] > '~') {
			medsec_ini_excerpt(shown, sizeof(shown), v, n);
			medsec_ini_err(p->err, p->lineno, k->section, k->name,
			    "value '%s': invalid character at position %zu",
			    shown, i + 1);
			return MEDSEC_ERR_CONFIG;
		}
	return MEDSEC_OK;
}

static int
set_state_dir(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	char shown[48];

	if (n >= MEDSEC_CONFIG_PATH_MAX) {
		medsec_ini_excerpt(shown, sizeof(shown), v, n);
		medsec_ini_err(p->err, p->lineno, k->section, k->name,
		    "path '%s' longer than %d characters", shown,
		    MEDSEC_CONFIG_PATH_MAX - 1);
		return MEDSEC_ERR_CONFIG;
	}
	if (v[0] != '/') {
		medsec_ini_excerpt(shown, sizeof(shown), v, n);
		medsec_ini_err(p->err, p->lineno, k->section, k->name,
		    "'%s' is not an absolute path", shown);
		return MEDSEC_ERR_CONFIG;
	}
	if (config_check_printable(p, k, v, n, ' ') != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	medsec_ini_copy(p->cfg.state_dir, sizeof(p->cfg.state_dir), v, n);
	return MEDSEC_OK;
}

static int
set_profile(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	char shown[48];

	if ((n == 8 && memcmp(v, "approved", 8) == 0) ||
	    (n == 5 && memcmp(v, "kcmvp", 5) == 0)) {
		medsec_ini_copy(p->cfg.crypto_profile,
		    sizeof(p->cfg.crypto_profile), v, n);
		return MEDSEC_OK;
	}
	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	medsec_ini_err(p->err, p->lineno, k->section, k->name,
	    "unknown crypto profile '%s' (expected approved or kcmvp)", shown);
	return MEDSEC_ERR_CONFIG;
}

static int
set_hostname(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	char shown[48];

	/* RFC 5424 HOSTNAME: 1*255 PRINTUSASCII (no space). */
	if (n >= sizeof(p->cfg.audit_hostname)) {
		medsec_ini_excerpt(shown, sizeof(shown), v, n);
		medsec_ini_err(p->err, p->lineno, k->section, k->name,
		    "value '%s' longer than %zu characters", shown,
		    sizeof(p->cfg.audit_hostname) - 1);
		return MEDSEC_ERR_CONFIG;
	}
	if (config_check_printable(p, k, v, n, '!') != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	medsec_ini_copy(p->cfg.audit_hostname,
	    sizeof(p->cfg.audit_hostname), v, n);
	return MEDSEC_OK;
}

/*
 * Parses a decimal number, all of it: digits only (no sign, no space, no
 * hex), optionally one binary suffix k/M/G when allowed, no overflow.
 * range is the allowed range as text, for the message on overflow.
 */
int
config_parse_number(struct parse *p, const struct key_def *k, const char *v,
    size_t n, int allow_suffix, const char *range, uint64_t *outp)
{
	char buf[32], shown[48], *end;
	unsigned long long x;
	uint64_t mul = 1;

	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	if (n >= sizeof(buf) || v[0] < '0' || v[0] > '9')
		goto bad;
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno == ERANGE)
		goto range;
	if (allow_suffix && *end != '\0' && end[1] == '\0') {
		if (*end == 'k' || *end == 'K')
			mul = 1024;
		else if (*end == 'M')
			mul = 1024 * 1024;
		else if (*end == 'G')
			mul = 1024 * 1024 * 1024;
		else
			goto bad;
		end++;
	}
	if (*end != '\0')
		goto bad;
	if ((uint64_t)x > UINT64_MAX / mul)
		goto range;
	*outp = (uint64_t)x * mul;
	return MEDSEC_OK;
bad:
	medsec_ini_err(p->err, p->lineno, k->section, k->name,
	    allow_suffix ? "invalid number '%s' (digits, optional k, M or G)" :
	    "invalid number '%s' (digits only)", shown);
	return MEDSEC_ERR_CONFIG;
range:
	medsec_ini_err(p->err, p->lineno, k->section, k->name,
	    "value %s out of range %s", shown, range);
	return MEDSEC_ERR_CONFIG;
}

int
config_check_range(struct parse *p, const struct key_def *k, uint64_t x,
    uint64_t lo, uint64_t hi)
{
	if (x >= lo && x <= hi)
		return MEDSEC_OK;
	medsec_ini_err(p->err, p->lineno, k->section, k->name,
	    "value %" PRIu64 " out of range %" PRIu64 "..%" PRIu64, x, lo, hi);
	return MEDSEC_ERR_CONFIG;
}

static int
set_epoch_records(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	uint64_t x;

	if (config_parse_number(p, k, v, n, 0, "16..1000000", &x) != MEDSEC_OK ||
	    config_check_range(p, k, x, 16, 1000000) != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	p->cfg.audit_epoch_records = (uint32_t)x;
	return MEDSEC_OK;
}

static int
set_epoch_seconds(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	uint64_t x;

	if (config_parse_number(p, k, v, n, 0, "10..86400 (or 0 for off)", &x) !=
	    MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	/* 0 turns time-based epochs off; a tiny period would thrash. */
	if (x != 0 && (x < 10 || x > 86400)) {
		medsec_ini_err(p->err, p->lineno, k->section, k->name,
		    "value %" PRIu64 " out of range 10..86400 (or 0 for off)",
		    x);
		return MEDSEC_ERR_CONFIG;
	}
	p->cfg.audit_epoch_seconds = (uint32_t)x;
	return MEDSEC_OK;
}

static int
set_segment_bytes(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	uint64_t x;

	if (config_parse_number(p, k, v, n, 1, "65536..1073741824", &x) !=
	    MEDSEC_OK ||
	    config_check_range(p, k, x, 65536, 1073741824) != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	p->cfg.audit_segment_bytes = x;
	return MEDSEC_OK;
}

int
config_set_u32(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	char range[48];
	uint64_t x;

	snprintf(range, sizeof(range), "%" PRIu32 "..%" PRIu32, k->lo, k->hi);
	if (config_parse_number(p, k, v, n, k->suffix, range, &x) != MEDSEC_OK ||
	    config_check_range(p, k, x, k->lo, k->hi) != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	*(uint32_t *)(void *)((char *)&p->cfg + k->field) = (uint32_t)x;
	return MEDSEC_OK;
}

int
config_set_bool(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	int *dst = (int *)(void *)((char *)&p->cfg + k->field);
	char shown[48];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (n == strlen(yes[i]) && memcmp(v, yes[i], n) == 0) {
			*dst = 1;
			return MEDSEC_OK;
		}
		if (n == strlen(no[i]) && memcmp(v, no[i], n) == 0) {
			*dst = 0;
			return MEDSEC_OK;
		}
	}
	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	medsec_ini_err(p->err, p->lineno, k->section, k->name,
	    "invalid boolean '%s' (expected yes or no)", shown);
	return MEDSEC_ERR_CONFIG;
}

static int
set_password_profile(struct parse *p, const struct key_def *k,
    const char *v, size_t n)
{
	char name[sizeof(p->cfg.auth_password_profile)], shown[48];

	if (n < sizeof(name)) {
		medsec_ini_copy(name, sizeof(name), v, n);
		if (medsec_password_profile_find(name) != NULL) {
			medsec_ini_copy(p->cfg.auth_password_profile,
			    sizeof(p->cfg.auth_password_profile), v, n);
			return MEDSEC_OK;
		}
	}
	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	medsec_ini_err(p->err, p->lineno, k->section, k->name,
	    "unknown password profile '%s'", shown);
	return MEDSEC_ERR_CONFIG;
}

static int
set_roles_file(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	char shown[48];

	if (n == 0) {
		p->cfg.auth_roles_file[0] = '\0';
		return MEDSEC_OK;
	}
	if (n >= sizeof(p->cfg.auth_roles_file)) {
		medsec_ini_excerpt(shown, sizeof(shown), v, n);
		medsec_ini_err(p->err, p->lineno, k->section, k->name,
		    "path '%s' longer than %zu characters", shown,
		    sizeof(p->cfg.auth_roles_file) - 1);
		return MEDSEC_ERR_CONFIG;
	}
	if (v[0] != '/') {
		medsec_ini_excerpt(shown, sizeof(shown), v, n);
		medsec_ini_err(p->err, p->lineno, k->section, k->name,
		    "'%s' is not an absolute path", shown);
		return MEDSEC_ERR_CONFIG;
	}
	if (config_check_printable(p, k, v, n, ' ') != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	medsec_ini_copy(p->cfg.auth_roles_file,
	    sizeof(p->cfg.auth_roles_file), v, n);
	return MEDSEC_OK;
}

/* Cross-key rules, checked once the whole file has been read. */
static int
check_whole(struct parse *p)
{
	if (p->cfg.session_lifetime_seconds < p->cfg.session_idle_seconds) {
		medsec_ini_err(p->err, 0, "session", "lifetime_seconds",
		    "lifetime (%" PRIu32 " s) shorter than idle timeout "
		    "(%" PRIu32 " s)", p->cfg.session_lifetime_seconds,
		    p->cfg.session_idle_seconds);
		return MEDSEC_ERR_CONFIG;
	}
	return config_daemon_check(p);
}

void
medsec_config_defaults(struct medsec_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	medsec_ini_copy(cfg->state_dir, sizeof(cfg->state_dir),
	    "/var/lib/medsec", strlen("/var/lib/medsec"));
	medsec_ini_copy(cfg->crypto_profile, sizeof(cfg->crypto_profile),
	    "approved", strlen("approved"));
	cfg->audit_epoch_records = 1000;
	cfg->audit_epoch_seconds = 3600;
	cfg->audit_segment_bytes = 16777216;
	medsec_ini_copy(cfg->auth_password_profile,
	    sizeof(cfg->auth_password_profile), "kr-pipc", strlen("kr-pipc"));
	cfg->auth_pwhash_ops = 2;
	cfg->auth_pwhash_mem = 19u << 20;
	cfg->auth_max_failures = 5;
	cfg->auth_lock_seconds = 900;
	cfg->auth_source_max_failures = 20;
	cfg->auth_source_window_seconds = 300;
	cfg->auth_password_history = 5;
	cfg->auth_password_max_age_days = 0;
	cfg->auth_setup_code_hours = 24;
	cfg->auth_emergency_access = 0;
	cfg->session_idle_seconds = 600;
	cfg->session_lifetime_seconds = 28800;
	cfg->session_reauth_seconds = 300;
	config_daemon_defaults(cfg);
}

int
medsec_config_parse(const char *name, const char *text, size_t len,
    struct medsec_config *cfg, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct parse *p = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = medsec_ini_begin(name, text, len, cfg != NULL, &err,
	    &scratch)) != MEDSEC_OK)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "out of memory");
		return MEDSEC_ERR_NOMEM;
	}
	p->cfg = *cfg;
	p->err = err;
	if ((r = medsec_ini_parse(text, len, MEDSEC_CONFIG_LINE_MAX,
	    &ini_handler, p, err)) != MEDSEC_OK)
		goto out;
	if ((r = check_whole(p)) != MEDSEC_OK)
		goto out;
	*cfg = p->cfg;
	r = MEDSEC_OK;
out:
	free(p);
	return r;
}

static int
parse_any(const char *name, const char *text, size_t len, void *cfg,
    struct medsec_config_error *err)
{
	return medsec_config_parse(name, text, len, cfg, err);
}

int
medsec_config_load(const char *path, struct medsec_config *cfg,
    struct medsec_config_error *err)
{
	return medsec_ini_load(path, parse_any, cfg, err);
}

struct keep_text {
	struct medsec_config *cfg;
	char *text;
};

static int
parse_keep(const char *name, const char *text, size_t len, void *out,
    struct medsec_config_error *err)
{
	struct keep_text *k = out;
	struct medsec_config cfg = *k->cfg;
	int r;

	if ((r = medsec_config_parse(name, text, len, &cfg, err)) != MEDSEC_OK)
		return r;
	if ((k->text = malloc(len + 1)) == NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "out of memory");
		return MEDSEC_ERR_NOMEM;
	}
	memcpy(k->text, text, len);
	k->text[len] = '\0';
	*k->cfg = cfg;
	return MEDSEC_OK;
}

int
medsec_config_load_text(const char *path, struct medsec_config *cfg,
    char **textp, struct medsec_config_error *err)
{
	struct keep_text k;
	int r;

	if (textp != NULL)
		*textp = NULL;
	k.cfg = cfg;
	k.text = NULL;
	r = medsec_ini_load(path, parse_keep, cfg != NULL && textp != NULL ?
	    &k : NULL, err);
	if (r == MEDSEC_OK)
		*textp = k.text;
	return r;
}

void
medsec_config_error_format(const struct medsec_config_error *err,
    char *buf, size_t buflen)
{
	size_t off = 0;
	int n;

	if (buf == NULL || buflen == 0)
		return;
	buf[0] = '\0';
	if (err == NULL)
		return;
	if (err->file[0] != '\0' && err->line > 0)
		n = snprintf(buf, buflen, "%s:%d: ", err->file, err->line);
	else if (err->file[0] != '\0')
		n = snprintf(buf, buflen, "%s: ", err->file);
	else if (err->line > 0)
		n = snprintf(buf, buflen, "line %d: ", err->line);
	else
		n = 0;
	if (n < 0 || (size_t)n >= buflen)
		return;
	off = (size_t)n;
	if (err->key[0] != '\0') {
		n = snprintf(buf + off, buflen - off, "%s: ", err->key);
		if (n < 0 || (size_t)n >= buflen - off)
			return;
		off += (size_t)n;
	}
	(void)snprintf(buf + off, buflen - off, "%s", err->message);
}
