/*
 * The roles file: "[role NAME]" sections of INI text, parsed with inih as
 * strictly as the configuration file (src/lib/config/config.c, whose
 * approach this follows).
 *
 * inih (libinih 55) reads into a 200-byte buffer, truncates longer lines,
 * joins indented ones and does not tell the handler the line number. So
 * inih is fed through our own ini_reader: each call checks one line, keeps
 * the value aside and hands inih a normalised "[role NAME]", "key=" or
 * empty line. The reader also opens each role as its header is read, so
 * a section with no keys still redefines its role, and duplicates and the
 * role limit are reported on the header's own line.
 *
 * Everything goes into a copy of the caller's roles, copied back only when
 * the whole text is valid.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "access/access_int.h"
#include "io/io.h"
#include "medsec/access.h"
#include "medsec/err.h"

/* Key names are short; anything longer cannot be one of ours. */
#define KEY_NAME_MAX 40

struct parse;

struct key_def {
	const char *name;
	int (*set)(struct parse *, const struct key_def *,
	    struct medsec_role *, const char *, size_t);
	int empty_ok;	/* an empty value is meaningful */
};

#define NKEYS 3

struct parse {
	const char *text;
	size_t len;
	size_t pos;		/* start of the next line */
	int lineno;		/* line last handed to inih */
	const char *val;	/* value of that line, trimmed, not NUL-ended */
	size_t vallen;
	int cur;		/* role of the current section, -1 before one */
	int section_line[MEDSEC_ROLES_MAX]; /* 0: not defined in this text */
	int first_line[MEDSEC_ROLES_MAX][NKEYS];
	int failed;
	struct medsec_roles roles;
	struct medsec_config_error *err;
};

static int set_permissions(struct parse *, const struct key_def *,
    struct medsec_role *, const char *, size_t);
static int set_interactive(struct parse *, const struct key_def *,
    struct medsec_role *, const char *, size_t);
static int set_session_policy(struct parse *, const struct key_def *,
    struct medsec_role *, const char *, size_t);

static const struct key_def keys[] = {
	/* A role may hold no permission at all: it then grants nothing. */
	{ "permissions", set_permissions, 1 },
	{ "interactive", set_interactive, 0 },
	{ "session_policy", set_session_policy, 0 },
};
_Static_assert(sizeof(keys) / sizeof(keys[0]) == NKEYS, "NKEYS");

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

/* Untrusted text for a message: controls and non-ASCII shown as '?'. */
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

static void fill_err(struct medsec_config_error *, int, const char *,
    const char *, const char *, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Records an error about role (NULL: none) and key (NULL: none): the key
 * reads "role NAME.key", "role NAME" or "key".
 */
static void
fill_err(struct medsec_config_error *err, int line, const char *role,
    const char *key, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	if (role != NULL)
		snprintf(err->key, sizeof(err->key), "role %s%s%s", role,
		    key != NULL ? "." : "", key != NULL ? key : "");
	else
		snprintf(err->key, sizeof(err->key), "%s",
		    key != NULL ? key : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void
clear_err(struct medsec_config_error *err, const char *name)
{
	memset(err, 0, sizeof(*err));
	if (name != NULL)
		copy_bytes(err->file, sizeof(err->file), name, strlen(name));
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void
trim(const char **sp, size_t *np)
{
	const char *s = *sp;
	size_t n = *np;

	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	*sp = s;
	*np = n;
}

/* ';' or '#' starts a comment at the start or after whitespace only. */
static size_t
strip_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] == ';' || s[i] == '#') &&
		    (i == 0 || is_blank(s[i - 1])))
			return i;
	return n;
}

/* No NUL byte (C would stop there) and no line over the limit. */
static int
prescan(struct parse *p)
{
	size_t i, start = 0, linelen;
	int line = 1;

	for (i = 0; i <= p->len; i++) {
		if (i < p->len && p->text[i] == '\0') {
			fill_err(p->err, line, NULL, NULL,
			    "NUL byte in roles text");
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

/* Writes "<a><b>\n" for inih, or NULL if its buffer is too small. */
static char *
deliver(char *str, int num, const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (num < 0 || alen + blen + 2 > (size_t)num)
		return NULL;
	memcpy(str, a, alen);
	memcpy(str + alen, b, blen);
	str[alen + blen] = '\n';
	str[alen + blen + 1] = '\0';
	return str;
}

/*
 * Starts role [name, name + n): a built-in or earlier role of that name
 * is replaced whole, so fields the section leaves out take the defaults
 * rather than the old role's values.
 */
static char *
open_role(struct parse *p, char *str, int num, const char *name, size_t n)
{
	char line[MEDSEC_ROLE_NAME_MAX + 8], shown[MEDSEC_ROLE_NAME_MAX];
	struct medsec_role *role;
	int i;

	copy_bytes(shown, sizeof(shown), name, n);
	i = access_role_index(&p->roles, name, n);
	if (i >= 0 && p->section_line[i] != 0) {
		fill_err(p->err, p->lineno, shown, NULL,
		    "duplicate section (first on line %d)",
		    p->section_line[i]);
		return NULL;
	}
	if (i < 0) {
		if (p->roles.n >= MEDSEC_ROLES_MAX) {
			fill_err(p->err, p->lineno, shown, NULL,
			    "more than %d roles", MEDSEC_ROLES_MAX);
			return NULL;
		}
		i = (int)p->roles.n++;
	}
	role = &p->roles.roles[i];
	memset(role, 0, sizeof(*role));
	copy_bytes(role->name, sizeof(role->name), name, n);
	role->interactive = 1;
	role->session_policy = MEDSEC_SESSION_REPLACE;
	p->section_line[i] = p->lineno;
	memset(p->first_line[i], 0, sizeof(p->first_line[i]));
	p->cur = i;
	snprintf(line, sizeof(line), "[role %s]", role->name);
	return deliver(str, num, line, strlen(line), "");
}

static char *
read_section(struct parse *p, char *str, int num, const char *s, size_t n)
{
	char shown[48];
	const char *end, *after, *in = s + 1, *name;
	size_t inlen, afterlen, namelen;

	end = memchr(s, ']', n);
	if (end == NULL) {
		fill_err(p->err, p->lineno, NULL, NULL,
		    "section header without closing ']'");
		return NULL;
	}
	after = end + 1;
	afterlen = strip_comment(after, n - (size_t)(after - s));
	trim(&after, &afterlen);
	if (afterlen != 0) {
		fill_err(p->err, p->lineno, NULL, NULL,
		    "unexpected text after section header");
		return NULL;
	}
	inlen = (size_t)(end - in);
	trim(&in, &inlen);
	if (inlen == 4 && memcmp(in, "role", 4) == 0) {
		fill_err(p->err, p->lineno, NULL, NULL,
		    "section [role] without a role name");
		return NULL;
	}
	if (inlen < 5 || memcmp(in, "role", 4) != 0 || !is_blank(in[4])) {
		excerpt(shown, sizeof(shown), in, inlen);
		fill_err(p->err, p->lineno, NULL, NULL,
		    "unknown section [%s] (expected [role NAME])", shown);
		return NULL;
	}
	name = in + 4;
	namelen = inlen - 4;
	trim(&name, &namelen);
	if (!access_role_name_ok(name, namelen)) {
		excerpt(shown, sizeof(shown), name, namelen);
		fill_err(p->err, p->lineno, NULL, NULL,
		    "invalid role name '%s' (1..%d characters from a-z 0-9 -)",
		    shown, MEDSEC_ROLE_NAME_MAX - 1);
		return NULL;
	}
	return open_role(p, str, num, name, namelen);
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
		if (!((k[i] >= 'a' && k[i] <= 'z') ||
		    (k[i] >= 'A' && k[i] <= 'Z') ||
		    (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
		    k[i] == '-' || k[i] == '.'))
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
	return deliver(str, num, k, klen, "=");
}

/*
 * The ini_reader: one normalised line per call, so inih's line count is
 * ours. Returns NULL (end of input) after an error, stopping inih there.
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
	char expect[MEDSEC_ROLE_NAME_MAX + 8];
	struct parse *p = user;
	struct medsec_role *role;
	size_t i;

	(void)value; /* always "": the real value is p->val */
	if (p->failed)
		return 0;
	if (p->cur < 0 || *section == '\0') {
		fill_err(p->err, p->lineno, NULL, name,
		    "key outside any [role NAME] section");
		goto fail;
	}
	role = &p->roles.roles[p->cur];
	snprintf(expect, sizeof(expect), "role %s", role->name);
	if (strcmp(section, expect) != 0) {
		/* inih and the reader disagree: never guess which is right. */
		fill_err(p->err, p->lineno, role->name, name,
		    "internal parser error");
		goto fail;
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == NKEYS) {
		fill_err(p->err, p->lineno, role->name, name,
		    "unknown key (expected permissions, interactive or "
		    "session_policy)");
		goto fail;
	}
	if (p->first_line[p->cur][i] != 0) {
		fill_err(p->err, p->lineno, role->name, name,
		    "duplicate key (first set on line %d)",
		    p->first_line[p->cur][i]);
		goto fail;
	}
	p->first_line[p->cur][i] = p->lineno;
	if (p->val == NULL || p->vallen == 0) {
		if (!keys[i].empty_ok) {
			fill_err(p->err, p->lineno, role->name, name,
			    "empty value");
			goto fail;
		}
		p->val = "";
		p->vallen = 0;
	}
	if (keys[i].set(p, &keys[i], role, p->val, p->vallen) != MEDSEC_OK)
		goto fail;
	return 1;
fail:
	p->failed = 1;
	return 0;
}

/* "phr-read, phr-write": names from the vocabulary, each at most once. */
static int
set_permissions(struct parse *p, const struct key_def *k,
    struct medsec_role *role, const char *v, size_t n)
{
	char shown[48], known[160];
	const char *name, *comma;
	uint32_t perms = 0;
	size_t len, off, entry = 0;
	int perm, i;

	while (n > 0) {
		entry++;
		comma = memchr(v, ',', n);
		len = comma != NULL ? (size_t)(comma - v) : n;
		name = v;
		trim(&name, &len);
		if (len == 0) {
			fill_err(p->err, p->lineno, role->name, k->name,
			    "empty entry %zu in permission list", entry);
			return MEDSEC_ERR_CONFIG;
		}
		excerpt(shown, sizeof(shown), name, len);
		perm = access_permission_by_namen(name, len);
		if (perm < 0) {
			for (i = 0, off = 0; i < MEDSEC_PERM__COUNT &&
			    off < sizeof(known); i++)
				off += (size_t)snprintf(known + off,
				    sizeof(known) - off, "%s%s",
				    i > 0 ? ", " : "",
				    medsec_permission_name(i));
			fill_err(p->err, p->lineno, role->name, k->name,
			    "unknown permission '%s' (expected %s)", shown,
			    known);
			return MEDSEC_ERR_CONFIG;
		}
		if ((perms & MEDSEC_PERM_BIT(perm)) != 0) {
			fill_err(p->err, p->lineno, role->name, k->name,
			    "permission '%s' listed twice", shown);
			return MEDSEC_ERR_CONFIG;
		}
		perms |= MEDSEC_PERM_BIT(perm);
		if (comma == NULL)
			break;
		n -= (size_t)(comma + 1 - v);
		v = comma + 1;
		if (n == 0) {
			fill_err(p->err, p->lineno, role->name, k->name,
			    "empty entry %zu in permission list", entry + 1);
			return MEDSEC_ERR_CONFIG;
		}
	}
	role->permissions = perms;
	return MEDSEC_OK;
}

/* Returns the index of [v, v + n) in words, or -1. */
static int
word_index(const char *const *words, size_t count, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(words[i]) == n && memcmp(words[i], v, n) == 0)
			return (int)i;
	return -1;
}

static int
set_interactive(struct parse *p, const struct key_def *k,
    struct medsec_role *role, const char *v, size_t n)
{
	/* Even indexes mean yes, odd ones no. */
	static const char *const words[] = { "yes", "no", "true", "false",
		"1", "0" };
	char shown[48];
	int i;

	i = word_index(words, sizeof(words) / sizeof(words[0]), v, n);
	if (i < 0) {
		excerpt(shown, sizeof(shown), v, n);
		fill_err(p->err, p->lineno, role->name, k->name,
		    "invalid boolean '%s' (expected yes or no)", shown);
		return MEDSEC_ERR_CONFIG;
	}
	role->interactive = (i % 2) == 0;
	return MEDSEC_OK;
}

static int
set_session_policy(struct parse *p, const struct key_def *k,
    struct medsec_role *role, const char *v, size_t n)
{
	static const char *const words[] = {
		[MEDSEC_SESSION_REPLACE] = "replace",
		[MEDSEC_SESSION_REFUSE] = "refuse",
	};
	char shown[48];
	int i;

	i = word_index(words, sizeof(words) / sizeof(words[0]), v, n);
	if (i < 0) {
		excerpt(shown, sizeof(shown), v, n);
		fill_err(p->err, p->lineno, role->name, k->name,
		    "unknown session policy '%s' (expected replace or refuse)",
		    shown);
		return MEDSEC_ERR_CONFIG;
	}
	role->session_policy = i;
	return MEDSEC_OK;
}

int
medsec_roles_parse(const char *name, const char *text, size_t len,
    struct medsec_roles *roles, struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct parse *p = NULL;
	int n, r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	clear_err(err, name);
	if (roles == NULL || (text == NULL && len > 0) ||
	    roles->n > MEDSEC_ROLES_MAX) {
		fill_err(err, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	if (len > MEDSEC_CONFIG_FILE_MAX) {
		fill_err(err, 0, NULL, NULL, "file larger than %d bytes",
		    MEDSEC_CONFIG_FILE_MAX);
		return MEDSEC_ERR_CONFIG;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		fill_err(err, 0, NULL, NULL, "out of memory");
		return MEDSEC_ERR_NOMEM;
	}
	p->text = text;
	p->len = len;
	p->cur = -1;
	p->roles = *roles;
	p->err = err;
	r = prescan(p);
	if (r != MEDSEC_OK)
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
	*roles = p->roles;
	r = MEDSEC_OK;
out:
	free(p);
	return r;
}

int
medsec_roles_load(const char *path, struct medsec_roles *roles,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	clear_err(err, path);
	if (path == NULL || roles == NULL) {
		fill_err(err, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	r = medsec_io_read_file(path, MEDSEC_CONFIG_FILE_MAX, 0, &buf, &len);
	switch (r) {
	case MEDSEC_OK:
		r = medsec_roles_parse(path, (const char *)buf, len, roles,
		    err);
		break;
	case MEDSEC_ERR_TOO_LARGE:
		fill_err(err, 0, NULL, NULL, "file larger than %d bytes",
		    MEDSEC_CONFIG_FILE_MAX);
		r = MEDSEC_ERR_CONFIG;
		break;
	case MEDSEC_ERR_PERMISSION:
		fill_err(err, 0, NULL, NULL,
		    "cannot open: symbolic link or permission denied");
		break;
	case MEDSEC_ERR_NOT_FOUND:
		fill_err(err, 0, NULL, NULL, "no such file");
		break;
	case MEDSEC_ERR_FORMAT:
		fill_err(err, 0, NULL, NULL, "not a regular file");
		break;
	default:
		fill_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(r));
		break;
	}
	free(buf);
	return r;
}
