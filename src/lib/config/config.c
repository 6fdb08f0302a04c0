/*
 * The configuration file: INI text parsed with inih into a typed struct.
 *
 * inih as packaged (libinih 55) reads into a fixed 200-byte line buffer,
 * silently truncates longer lines, treats indented lines as continuations
 * and does not tell the handler the line number. Our file allows lines of
 * MEDSEC_CONFIG_LINE_MAX bytes and must name the line of every error, so
 * inih is fed through our own reader (ini_parse_stream): it checks each
 * line, keeps the value aside and hands inih a short normalised line
 * ("[section]", "key=" or an empty line). inih tracks the section and
 * calls the handler, which takes the value and the line number from the
 * reader. Nothing of the text is ever truncated or reinterpreted.
 *
 * All values go into a copy of the caller's struct, which is copied back
 * only when the whole text is valid.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "io/io.h"
#include "medsec/config.h"
#include "medsec/err.h"
#include "medsec/password_policy.h"

/* Key names are short; anything longer cannot be one of ours. */
#define KEY_NAME_MAX 40

struct parse;

struct key_def {
	const char *section;
	const char *name;
	int (*set)(struct parse *, const struct key_def *, const char *,
	    size_t);
	int optional;	/* an empty value is allowed and means "unset" */
	/* For plain numeric keys (set_u32): field, bounds, k/M/G allowed. */
	size_t field;
	uint32_t lo, hi;
	int suffix;
};

/* The number of keys in keys[] below (checked there). */
#define NKEYS 23

struct parse {
	const char *name;	/* file name for errors */
	const char *text;
	size_t len;
	size_t pos;		/* start of the next line */
	int lineno;		/* line last handed to inih */
	const char *val;	/* value of that line, trimmed, not NUL-ended */
	size_t vallen;
	int first_line[NKEYS];	/* line each key was set on, 0 if not yet */
	int failed;
	struct medsec_config cfg;
	struct medsec_config_error *err;
};

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
static int set_u32(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_bool(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_password_profile(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_roles_file(struct parse *, const struct key_def *,
    const char *, size_t);

#define U32(sec, key, member, lo, hi, suffix) \
	{ sec, key, set_u32, 0, offsetof(struct medsec_config, member), lo, \
	    hi, suffix }

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
	{ "auth", "emergency_access", set_bool, 0,
	    offsetof(struct medsec_config, auth_emergency_access), 0, 1, 0 },
	U32("session", "idle_seconds", session_idle_seconds, 60, 86400, 0),
	U32("session", "lifetime_seconds", session_lifetime_seconds, 300,
	    604800, 0),
	U32("session", "reauth_seconds", session_reauth_seconds, 30, 3600, 0),
};
_Static_assert(sizeof(keys) / sizeof(keys[0]) == NKEYS, "NKEYS");

static const char *const sections[] = { "device", "crypto", "audit", "auth",
	"session" };

/* Copies at most srclen bytes of src, always NUL-terminating dst. */
static void
copy_bytes(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	if (dstlen == 0)
		return;
	if (srclen >= dstlen)
		srclen = dstlen - 1;
	memcpy(dst, src, srclen);
	dst[srclen] = '\0';
}

/*
 * A printable excerpt of untrusted text for a message: control bytes and
 * non-ASCII become '?', so an error line can never inject into a log.
 */
static void
excerpt(char *out, size_t outlen, const char *s, size_t n)
{
	size_t i, max = outlen - 4;

	for (i = 0; i < n && i < max; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static void
clear_err(struct medsec_config_error *err, const char *name)
{
	memset(err, 0, sizeof(*err));
	if (name != NULL)
		copy_bytes(err->file, sizeof(err->file), name, strlen(name));
}

static void fill_err(struct medsec_config_error *, int, const char *,
    const char *, const char *, ...)
    __attribute__((format(printf, 5, 6)));

/* Records an error; key is "section.key" (section may be NULL). */
static void
fill_err(struct medsec_config_error *err, int line, const char *section,
    const char *key, const char *fmt, ...)
{
	va_list ap;
	size_t off = 0;

	err->line = line;
	err->key[0] = '\0';
	if (section != NULL && *section != '\0') {
		copy_bytes(err->key, sizeof(err->key), section,
		    strlen(section));
		off = strlen(err->key);
		if (off + 1 < sizeof(err->key))
			err->key[off++] = '.';
		err->key[off] = '\0';
	}
	if (key != NULL)
		copy_bytes(err->key + off, sizeof(err->key) - off, key,
		    strlen(key));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int
is_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Trims [*sp, *sp + *np) in place of the pointers. */
static void
trim(const char **sp, size_t *np)
{
	const char *s = *sp;
	size_t n = *np;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	*sp = s;
	*np = n;
}

/*
 * A comment starts with ';' or '#' at the start of the value or after
 * whitespace; elsewhere they are part of the value (and then rejected by
 * every alphabet we accept, so nothing is silently cut).
 */
static size_t
strip_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] == ';' || s[i] == '#') && (i == 0 ||
		    is_space(s[i - 1])))
			return i;
	return n;
}

/*
 * Checks the whole text before inih sees any of it: no NUL byte (a C
 * parser would stop there and ignore the rest) and no over-long line.
 */
static int
prescan(struct parse *p)
{
	size_t i, start = 0, linelen;
	int line = 1;

	for (i = 0; i <= p->len; i++) {
		if (i < p->len && p->text[i] == '\0') {
			fill_err(p->err, line, NULL, NULL,
			    "NUL byte in configuration text");
			return MEDSEC_ERR_CONFIG;
		}
		if (i < p->len && p->text[i] != '\n')
			continue;
		linelen = i - start;
		if (linelen > 0 && p->text[i - 1] == '\r')
			linelen--;
		if (linelen > MEDSEC_CONFIG_LINE_MAX) {
			fill_err(p->err, line, NULL, NULL,
			    "line longer than %d bytes",
			    MEDSEC_CONFIG_LINE_MAX);
			return MEDSEC_ERR_CONFIG;
		}
		start = i + 1;
		line++;
	}
	return MEDSEC_OK;
}

/* Writes a normalised line for inih; it always fits (checked by caller). */
static char *
deliver(char *str, int num, const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (num < 0 || alen + blen + 3 > (size_t)num)
		return NULL;
	memcpy(str, a, alen);
	memcpy(str + alen, b, blen);
	str[alen + blen] = '\n';
	str[alen + blen + 1] = '\0';
	return str;
}

static char *
read_section(struct parse *p, char *str, int num, const char *s, size_t n)
{
	char shown[48];
	const char *end, *after, *name = s + 1;
	size_t i, namelen, afterlen;

	end = memchr(s, ']', n);
	if (end == NULL) {
		fill_err(p->err, p->lineno, NULL, NULL,
		    "section header without closing ']'");
		return NULL;
	}
	namelen = (size_t)(end - name);
	after = end + 1;
	afterlen = strip_comment(after, n - (size_t)(after - s));
	trim(&after, &afterlen);
	if (afterlen != 0) {
		fill_err(p->err, p->lineno, NULL, NULL,
		    "unexpected text after section header");
		return NULL;
	}
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strlen(sections[i]) == namelen &&
		    memcmp(sections[i], name, namelen) == 0)
			return deliver(str, num, s, namelen + 2, "");
	excerpt(shown, sizeof(shown), name, namelen);
	fill_err(p->err, p->lineno, NULL, NULL, "unknown section [%s]", shown);
	return NULL;
}

static char *
read_key(struct parse *p, char *str, int num, const char *s, size_t n)
{
	char shown[48];
	const char *eq, *k = s, *v;
	size_t i, klen, vlen;

	eq = memchr(s, '=', n);
	if (eq == NULL) {
		fill_err(p->err, p->lineno, NULL, NULL,
		    "expected 'key = value'");
		return NULL;
	}
	klen = (size_t)(eq - s);
	trim(&k, &klen);
	if (klen == 0) {
		fill_err(p->err, p->lineno, NULL, NULL, "missing key name");
		return NULL;
	}
	for (i = 0; i < klen; i++)
		if (!is_id_char(k[i]))
			break;
	if (i < klen || klen > KEY_NAME_MAX) {
		excerpt(shown, sizeof(shown), k, klen);
		fill_err(p->err, p->lineno, NULL, NULL,
		    "invalid key name '%s'", shown);
		return NULL;
	}
	v = eq + 1;
	vlen = strip_comment(v, n - (size_t)(v - s));
	trim(&v, &vlen);
	p->val = v;
	p->vallen = vlen;
	/* inih gets "key=" only: the value itself stays with us. */
	return deliver(str, num, k, klen, "=");
}

/*
 * The ini_reader: hands inih one normalised line per call, so inih's line
 * count and ours agree. Returns NULL (end of input) once an error is
 * recorded, which stops inih at the first error.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *s, *nl;
	size_t n;

	if (p->failed || p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl != NULL ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl != NULL);
	p->lineno++;
	p->val = NULL;
	p->vallen = 0;
	if (p->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	trim(&s, &n);
	if (n == 0 || *s == ';' || *s == '#')
		str = deliver(str, num, "", 0, "");
	else if (*s == '[')
		str = read_section(p, str, num, s, n);
	else
		str = read_key(p, str, num, s, n);
	if (str == NULL) {
		if (p->err->message[0] == '\0')
			fill_err(p->err, p->lineno, NULL, NULL,
			    "internal parser error");
		p->failed = 1;
	}
	return str;
}

static int
handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *p = user;
	const struct key_def *k = NULL;
	size_t i;
	int r;

	(void)value; /* always "": the real value is p->val */
	if (p->failed)
		return 0;
	if (*section == '\0') {
		fill_err(p->err, p->lineno, NULL, name,
		    "key outside any section");
		goto fail;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0) {
			k = &keys[i];
			break;
		}
	if (k == NULL) {
		fill_err(p->err, p->lineno, section, name, "unknown key");
		goto fail;
	}
	if (p->first_line[i] != 0) {
		fill_err(p->err, p->lineno, section, name,
		    "duplicate key (first set on line %d)", p->first_line[i]);
		goto fail;
	}
	p->first_line[i] = p->lineno;
	if (p->val == NULL || p->vallen == 0) {
		if (!k->optional) {
			fill_err(p->err, p->lineno, section, name,
			    "empty value");
			goto fail;
		}
		p->val = "";	/* the setters see "" and clear the field */
		p->vallen = 0;
	}
	if ((r = k->set(p, k, p->val, p->vallen)) != MEDSEC_OK)
		goto fail;
	return 1;
fail:
	p->failed = 1;
	return 0;
}

static int
set_id(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	char *dst = strcmp(k->name, "id") == 0 ? p->cfg.device_id :
	    p->cfg.site_id;
	size_t i;

	if (n >= MEDSEC_CONFIG_ID_MAX) {
		fill_err(p->err, p->lineno, k->section, k->name,
		    "value longer than %d characters",
		    MEDSEC_CONFIG_ID_MAX - 1);
		return MEDSEC_ERR_CONFIG;
	}
	for (i = 0; i < n; i++)
		if (!is_id_char(v[i])) {
			fill_err(p->err, p->lineno, k->section, k->name,
			    "invalid character at position %zu "
			    "(allowed: A-Z a-z 0-9 . _ -)", i + 1);
			return MEDSEC_ERR_CONFIG;
		}
	copy_bytes(dst, MEDSEC_CONFIG_ID_MAX, v, n);
	return MEDSEC_OK;
}

/* Printable ASCII from lo up to '~', so no value can smuggle controls. */
static int
check_printable(struct parse *p, const struct key_def *k, const char *v,
    size_t n, char lo)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] < lo || v[i] > '~') {
			fill_err(p->err, p->lineno, k->section, k->name,
			    "invalid character at position %zu", i + 1);
			return MEDSEC_ERR_CONFIG;
		}
	return MEDSEC_OK;
}

static int
set_state_dir(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	if (n >= MEDSEC_CONFIG_PATH_MAX) {
		fill_err(p->err, p->lineno, k->section, k->name,
		    "path longer than %d characters",
		    MEDSEC_CONFIG_PATH_MAX - 1);
		return MEDSEC_ERR_CONFIG;
	}
	if (v[0] != '/') {
		fill_err(p->err, p->lineno, k->section, k->name,
		    "must be an absolute path");
		return MEDSEC_ERR_CONFIG;
	}
	if (check_printable(p, k, v, n, ' ') != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	copy_bytes(p->cfg.state_dir, sizeof(p->cfg.state_dir), v, n);
	return MEDSEC_OK;
}

static int
set_profile(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	char shown[48];

	if ((n == 8 && memcmp(v, "approved", 8) == 0) ||
	    (n == 5 && memcmp(v, "kcmvp", 5) == 0)) {
		copy_bytes(p->cfg.crypto_profile,
		    sizeof(p->cfg.crypto_profile), v, n);
		return MEDSEC_OK;
	}
	excerpt(shown, sizeof(shown), v, n);
	fill_err(p->err, p->lineno, k->section, k->name,
	    "unknown crypto profile '%s' (expected approved or kcmvp)", shown);
	return MEDSEC_ERR_CONFIG;
}

static int
set_hostname(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	/* RFC 5424 HOSTNAME: 1*255 PRINTUSASCII (no space). */
	if (n >= sizeof(p->cfg.audit_hostname)) {
		fill_err(p->err, p->lineno, k->section, k->name,
		    "value longer than %zu characters",
		    sizeof(p->cfg.audit_hostname) - 1);
		return MEDSEC_ERR_CONFIG;
	}
	if (check_printable(p, k, v, n, '!') != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	copy_bytes(p->cfg.audit_hostname, sizeof(p->cfg.audit_hostname), v,
	    n);
	return MEDSEC_OK;
}

/*
 * Parses a decimal number, all of it: digits only (no sign, no space, no
 * hex), optionally one binary suffix k/M/G when allowed, no overflow.
 * range is the allowed range as text, for the message on overflow.
 */
static int
parse_number(struct parse *p, const struct key_def *k, const char *v,
    size_t n, int allow_suffix, const char *range, uint64_t *outp)
{
	char buf[32], shown[48], *end;
	unsigned long long x;
	uint64_t mul = 1;

	excerpt(shown, sizeof(shown), v, n);
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
	fill_err(p->err, p->lineno, k->section, k->name,
	    allow_suffix ? "invalid number '%s' (digits, optional k, M or G)" :
	    "invalid number '%s' (digits only)", shown);
	return MEDSEC_ERR_CONFIG;
range:
	fill_err(p->err, p->lineno, k->section, k->name,
	    "value %s out of range %s", shown, range);
	return MEDSEC_ERR_CONFIG;
}

static int
check_range(struct parse *p, const struct key_def *k, uint64_t x,
    uint64_t lo, uint64_t hi)
{
	if (x >= lo && x <= hi)
		return MEDSEC_OK;
	fill_err(p->err, p->lineno, k->section, k->name,
	    "value %" PRIu64 " out of range %" PRIu64 "..%" PRIu64, x, lo, hi);
	return MEDSEC_ERR_CONFIG;
}

static int
set_epoch_records(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	uint64_t x;

	if (parse_number(p, k, v, n, 0, "16..1000000", &x) != MEDSEC_OK ||
	    check_range(p, k, x, 16, 1000000) != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	p->cfg.audit_epoch_records = (uint32_t)x;
	return MEDSEC_OK;
}

static int
set_epoch_seconds(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	uint64_t x;

	if (parse_number(p, k, v, n, 0, "10..86400 (or 0 for off)", &x) !=
	    MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	/* 0 turns time-based epochs off; a tiny period would thrash. */
	if (x != 0 && (x < 10 || x > 86400)) {
		fill_err(p->err, p->lineno, k->section, k->name,
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

	if (parse_number(p, k, v, n, 1, "65536..1073741824", &x) !=
	    MEDSEC_OK ||
	    check_range(p, k, x, 65536, 1073741824) != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	p->cfg.audit_segment_bytes = x;
	return MEDSEC_OK;
}

static int
set_u32(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	char range[48];
	uint64_t x;

	snprintf(range, sizeof(range), "%" PRIu32 "..%" PRIu32, k->lo, k->hi);
	if (parse_number(p, k, v, n, k->suffix, range, &x) != MEDSEC_OK ||
	    check_range(p, k, x, k->lo, k->hi) != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	*(uint32_t *)(void *)((char *)&p->cfg + k->field) = (uint32_t)x;
	return MEDSEC_OK;
}

static int
set_bool(struct parse *p, const struct key_def *k, const char *v, size_t n)
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
	excerpt(shown, sizeof(shown), v, n);
	fill_err(p->err, p->lineno, k->section, k->name,
	    "invalid boolean '%s' (expected yes or no)", shown);
	return MEDSEC_ERR_CONFIG;
}

static int
set_password_profile(struct parse *p, const struct key_def *k,
    const char *v, size_t n)
{
	char name[sizeof(p->cfg.auth_password_profile)], shown[48];

	if (n < sizeof(name)) {
		copy_bytes(name, sizeof(name), v, n);
		if (medsec_password_profile_find(name) != NULL) {
			copy_bytes(p->cfg.auth_password_profile,
			    sizeof(p->cfg.auth_password_profile), v, n);
			return MEDSEC_OK;
		}
	}
	excerpt(shown, sizeof(shown), v, n);
	fill_err(p->err, p->lineno, k->section, k->name,
	    "unknown password profile '%s'", shown);
	return MEDSEC_ERR_CONFIG;
}

static int
set_roles_file(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	if (n == 0) {
		p->cfg.auth_roles_file[0] = '\0';
		return MEDSEC_OK;
	}
	if (n >= sizeof(p->cfg.auth_roles_file)) {
		fill_err(p->err, p->lineno, k->section, k->name,
		    "path longer than %zu characters",
		    sizeof(p->cfg.auth_roles_file) - 1);
		return MEDSEC_ERR_CONFIG;
	}
	if (v[0] != '/') {
		fill_err(p->err, p->lineno, k->section, k->name,
		    "must be an absolute path");
		return MEDSEC_ERR_CONFIG;
	}
	if (check_printable(p, k, v, n, ' ') != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	copy_bytes(p->cfg.auth_roles_file, sizeof(p->cfg.auth_roles_file), v,
	    n);
	return MEDSEC_OK;
}

/* Cross-key rules, checked once the whole file has been read. */
static int
check_whole(struct parse *p)
{
	if (p->cfg.session_lifetime_seconds < p->cfg.session_idle_seconds) {
		fill_err(p->err, 0, "session", "lifetime_seconds",
		    "lifetime (%" PRIu32 " s) shorter than idle timeout "
		    "(%" PRIu32 " s)", p->cfg.session_lifetime_seconds,
		    p->cfg.session_idle_seconds);
		return MEDSEC_ERR_CONFIG;
	}
	return MEDSEC_OK;
}

void
medsec_config_defaults(struct medsec_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	copy_bytes(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/medsec",
	    strlen("/var/lib/medsec"));
	copy_bytes(cfg->crypto_profile, sizeof(cfg->crypto_profile),
	    "approved", strlen("approved"));
	cfg->audit_epoch_records = 1000;
	cfg->audit_epoch_seconds = 3600;
	cfg->audit_segment_bytes = 16777216;
	copy_bytes(cfg->auth_password_profile,
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
}

int
medsec_config_parse(const char *name, const char *text, size_t len,
    struct medsec_config *cfg, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct parse *p = NULL;
	int n, r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	clear_err(err, name);
	if (cfg == NULL || (text == NULL && len > 0)) {
		fill_err(err, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	if (len > MEDSEC_CONFIG_FILE_MAX) {
		fill_err(err, 0, NULL, NULL, "file larger than %d bytes",
		    MEDSEC_CONFIG_FILE_MAX);
		return MEDSEC_ERR_CONFIG;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fill_err(err, 0, NULL, NULL, "out of memory");
		return MEDSEC_ERR_NOMEM;
	}
	p->name = name;
	p->text = text;
	p->len = len;
	p->cfg = *cfg;
	p->err = err;
	if ((r = prescan(p)) != MEDSEC_OK)
		goto out;
	n = ini_parse_stream(reader, p, handler, p);
	if (p->failed) {
		r = MEDSEC_ERR_CONFIG;
		goto out;
	}
	if (n != 0) {
		/* Cannot happen with our normalised lines; never ignore it. */
		fill_err(err, n > 0 ? n : 0, NULL, NULL, "syntax error");
		r = MEDSEC_ERR_CONFIG;
		goto out;
	}
	if ((r = check_whole(p)) != MEDSEC_OK)
		goto out;
	*cfg = p->cfg;
	r = MEDSEC_OK;
out:
	free(p);
	return r;
}

int
medsec_config_load(const char *path, struct medsec_config *cfg,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	clear_err(err, path);
	if (path == NULL || cfg == NULL) {
		fill_err(err, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	r = medsec_io_read_file(path, MEDSEC_CONFIG_FILE_MAX, 0, &buf, &len);
	switch (r) {
	case MEDSEC_OK:
		break;
	case MEDSEC_ERR_TOO_LARGE:
		fill_err(err, 0, NULL, NULL, "file larger than %d bytes",
		    MEDSEC_CONFIG_FILE_MAX);
		r = MEDSEC_ERR_CONFIG;
		goto out;
	case MEDSEC_ERR_PERMISSION:
		fill_err(err, 0, NULL, NULL,
		    "cannot open: symbolic link or permission denied");
		goto out;
	case MEDSEC_ERR_NOT_FOUND:
		fill_err(err, 0, NULL, NULL, "no such file");
		goto out;
	case MEDSEC_ERR_FORMAT:
		fill_err(err, 0, NULL, NULL, "not a regular file");
		goto out;
	default:
		fill_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(r));
		goto out;
	}
	r = medsec_config_parse(path, (const char *)buf, len, cfg, err);
out:
	free(buf);
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
