/*
 * Strict INI reading: inih parses, our ini_reader feeds it one checked,
 * normalised line at a time (see ini.h for why and what is checked).
 */
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "core/ini.h"
#include "core/utf8.h"
#include "io/io.h"
#include "medsec/err.h"

struct reader {
	const struct medsec_ini_handler *h;
	void *ctx;
	struct medsec_config_error *err;
	const char *text;
	size_t len;
	size_t pos;		/* start of the next line */
	size_t line_max;
	int lineno;		/* line last handed to inih */
	const char *val;	/* value of that line if a key, not NUL-ended */
	size_t vallen;
	char section[MEDSEC_INI_SECTION_MAX + 1]; /* as last given to inih */
	int r;			/* MEDSEC_OK until the parse stops */
};

void
medsec_ini_copy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	if (dstlen == 0)
		return;
	if (srclen >= dstlen)
		srclen = dstlen - 1;
	memcpy(dst, src, srclen);
	dst[srclen] = '\0';
}

void
medsec_ini_excerpt(char *out, size_t outlen, const char *s, size_t n)
{
	size_t i, max;

	if (outlen < 4) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	max = outlen - 4;
	for (i = 0; i < n && i < max; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

void
medsec_ini_err_clear(struct medsec_config_error *err, const char *file)
{
	memset(err, 0, sizeof(*err));
	if (file != NULL)
		medsec_ini_copy(err->file, sizeof(err->file), file,
		    strlen(file));
}

void
medsec_ini_err(struct medsec_config_error *err, int line,
    const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	if (section != NULL && *section != '\0' && key != NULL)
		snprintf(err->key, sizeof(err->key), "%s.%s", section, key);
	else if (section != NULL && *section != '\0')
		snprintf(err->key, sizeof(err->key), "%s", section);
	else
		snprintf(err->key, sizeof(err->key), "%s",
		    key != NULL ? key : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* "uid 1001 (name)", or "uid 1001" when the account has no name. */
static void
describe_owner(char *out, size_t outlen, uid_t uid)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 &&
	    found != NULL)
		snprintf(out, outlen, "uid %lu (%s)", (unsigned long)uid,
		    found->pw_name);
	else
		snprintf(out, outlen, "uid %lu", (unsigned long)uid);
}

/* Says why a file we could open is not one we may trust. */
static void
untrusted_reason(struct medsec_config_error *err, const struct stat *st)
{
	char owner[160], service[160];
	unsigned mode = (unsigned)(st->st_mode & 07777);

	describe_owner(owner, sizeof(owner), st->st_uid);
	if (st->st_uid == geteuid() || st->st_uid == 0) {
		medsec_ini_err(err, 0, NULL, NULL, "mode %04o (owner %s) lets "
		    "%s write it; remove that with chmod go-w", mode, owner,
		    (st->st_mode & S_IWOTH) != 0 ? "any user" : "its group");
		return;
	}
	if (geteuid() == 0) {
		medsec_ini_err(err, 0, NULL, NULL, "owner %s is not root, the "
		    "service user (mode %04o)", owner, mode);
		return;
	}
	describe_owner(service, sizeof(service), geteuid());
	medsec_ini_err(err, 0, NULL, NULL, "owner %s is neither the service "
	    "user, %s, nor root (mode %04o)", owner, service, mode);
}

/* Says why a file could not be opened for reading. */
static void
open_refused_reason(struct medsec_config_error *err, const char *path)
{
	struct stat st;
	char service[160];

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		medsec_ini_err(err, 0, NULL, NULL, "is a symbolic link; name "
		    "the file itself");
		return;
	}
	describe_owner(service, sizeof(service), geteuid());
	medsec_ini_err(err, 0, NULL, NULL, "the service user, %s, may not "
	    "read it (or a directory on its path)", service);
}

int
medsec_ini_load(const char *path, medsec_ini_parse_fn parse, void *out,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, path);
	if (path == NULL || parse == NULL || out == NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	r = medsec_io_read_file_stat(path, MEDSEC_INI_FILE_MAX,
	    MEDSEC_IO_TRUSTED, &buf, &len, &st);
	switch (r) {
	case MEDSEC_OK:
		r = parse(path, (const char *)buf, len, out, err);
		break;
	case MEDSEC_ERR_TOO_LARGE:
		medsec_ini_err(err, 0, NULL, NULL,
		    "file larger than %d bytes", MEDSEC_INI_FILE_MAX);
		r = MEDSEC_ERR_CONFIG;
		break;
	case MEDSEC_ERR_PERMISSION:
	case MEDSEC_ERR_NOT_OWNER:
		if (st.st_mode != 0)
			untrusted_reason(err, &st);
		else
			open_refused_reason(err, path);
		break;
	case MEDSEC_ERR_DENIED:
		open_refused_reason(err, path);
		break;
	case MEDSEC_ERR_NOT_FOUND:
		medsec_ini_err(err, 0, NULL, NULL, "no such file");
		break;
	case MEDSEC_ERR_FORMAT:
		medsec_ini_err(err, 0, NULL, NULL, "not a regular file");
		break;
	default:
		medsec_ini_err(err, 0, NULL, NULL, "cannot read: %s",
		    medsec_strerror(r));
		break;
	}
	free(buf);
	return r;
}

int
medsec_ini_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

void
medsec_ini_trim(const char **sp, size_t *np)
{
	const char *s = *sp;
	size_t n = *np;

	while (n > 0 && medsec_ini_is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && medsec_ini_is_space(s[n - 1]))
		n--;
	*sp = s;
	*np = n;
}

static int
is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * A comment starts with ';' or '#' at the start of the value or after
 * whitespace; elsewhere they are part of the value (and then rejected by
 * every alphabet the callers accept, so nothing is silently cut).
 */
static size_t
strip_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] == ';' || s[i] == '#') && (i == 0 ||
		    medsec_ini_is_space(s[i - 1])))
			return i;
	return n;
}

/* Records a fault on the current line and stops the parse. */
static void
refuse(struct reader *rd, enum medsec_ini_fault fault, const char *text,
    size_t len)
{
	struct medsec_config_error *err = rd->err;
	char shown[48];
	int line = rd->lineno;

	switch (fault) {
	case MEDSEC_INI_NUL:
		medsec_ini_err(err, line, NULL, NULL, "NUL byte in %s",
		    rd->h->what != NULL ? rd->h->what : "text");
		break;
	case MEDSEC_INI_LONG_LINE:
		medsec_ini_err(err, line, NULL, NULL,
		    "line longer than %zu bytes", rd->line_max);
		break;
	case MEDSEC_INI_NO_BRACKET:
		medsec_ini_excerpt(shown, sizeof(shown), text, len);
		medsec_ini_err(err, line, NULL, NULL,
		    "section header without closing ']': '%s'", shown);
		break;
	case MEDSEC_INI_AFTER_HEADER:
		medsec_ini_excerpt(shown, sizeof(shown), text, len);
		medsec_ini_err(err, line, NULL, NULL,
		    "unexpected text after section header: '%s'", shown);
		break;
	case MEDSEC_INI_NO_EQUALS:
		medsec_ini_excerpt(shown, sizeof(shown), text, len);
		medsec_ini_err(err, line, NULL, NULL,
		    "expected 'key = value', found '%s'", shown);
		break;
	case MEDSEC_INI_NO_KEY:
		medsec_ini_err(err, line, NULL, NULL, "missing key name");
		break;
	case MEDSEC_INI_BAD_KEY:
		medsec_ini_excerpt(shown, sizeof(shown), text, len);
		medsec_ini_err(err, line, NULL, NULL,
		    "invalid key name '%s'", shown);
		break;
	case MEDSEC_INI_SYNTAX:
		medsec_ini_err(err, line, NULL, NULL, "syntax error");
		break;
	case MEDSEC_INI_INTERNAL:
	default:
		medsec_ini_err(err, line, NULL, NULL,
		    "internal parser error");
		break;
	}
	if (rd->h->fault != NULL)
		rd->h->fault(rd->ctx, fault, text != NULL ? text : "",
		    text != NULL ? len : 0, err);
	if (rd->r == MEDSEC_OK)
		rd->r = MEDSEC_ERR_CONFIG;
}

/* Stops the parse with r; a stop that left no message is our own bug. */
static void
stop(struct reader *rd, int r)
{
	if (rd->r == MEDSEC_OK)
		rd->r = r != MEDSEC_OK ? r : MEDSEC_ERR_CONFIG;
	if (rd->err->message[0] == '\0')
		refuse(rd, MEDSEC_INI_INTERNAL, NULL, 0);
}

/*
 * Checks the whole text before inih sees any of it: no NUL byte (a C
 * parser would stop there and ignore the rest) and no over-long line.
 */
static int
prescan(struct reader *rd)
{
	size_t i, start = 0, linelen;

	rd->lineno = 1;
	for (i = 0; i <= rd->len; i++) {
		if (i < rd->len && rd->text[i] == '\0') {
			refuse(rd, MEDSEC_INI_NUL, NULL, 0);
			return rd->r;
		}
		if (i < rd->len && rd->text[i] != '\n')
			continue;
		linelen = i - start;
		if (linelen > 0 && rd->text[i - 1] == '\r')
			linelen--;
		if (linelen > rd->line_max) {
			refuse(rd, MEDSEC_INI_LONG_LINE, NULL, 0);
			return rd->r;
		}
		start = i + 1;
		rd->lineno++;
	}
	rd->lineno = 0;
	return MEDSEC_OK;
}

/* Writes "<pre><a><post>\n" for inih, or NULL if its buffer is too small. */
static char *
deliver(char *str, int num, const char *pre, const char *a, size_t alen,
    const char *post)
{
	size_t prelen = strlen(pre), postlen = strlen(post);

	if (num < 0 || prelen + alen + postlen + 2 > (size_t)num)
		return NULL;
	memcpy(str, pre, prelen);
	memcpy(str + prelen, a, alen);
	memcpy(str + prelen + alen, post, postlen);
	str[prelen + alen + postlen] = '\n';
	str[prelen + alen + postlen + 1] = '\0';
	return str;
}

/* A name inih reads back exactly as given inside "[...]". */
static int
canon_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MEDSEC_INI_SECTION_MAX || s[0] == ' ' ||
	    s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == ']' ||
		    s[i] == ';' || s[i] == '#')
			return 0;
	return 1;
}

static char *
read_section(struct reader *rd, char *str, int num, const char *s,
    size_t n)
{
	const char *end, *after, *canon = NULL;
	size_t afterlen, clen;
	int r;

	end = memchr(s, ']', n);
	if (end == NULL) {
		refuse(rd, MEDSEC_INI_NO_BRACKET, s, n);
		return NULL;
	}
	after = end + 1;
	afterlen = strip_comment(after, n - (size_t)(after - s));
	medsec_ini_trim(&after, &afterlen);
	if (afterlen != 0) {
		refuse(rd, MEDSEC_INI_AFTER_HEADER, after, afterlen);
		return NULL;
	}
	r = rd->h->section(rd->ctx, s + 1, (size_t)(end - s - 1), rd->lineno,
	    &canon);
	if (r != MEDSEC_OK) {
		stop(rd, r);
		return NULL;
	}
	if (canon == NULL || !canon_ok(canon, clen = strlen(canon)))
		return NULL;
	memcpy(rd->section, canon, clen + 1);
	return deliver(str, num, "[", canon, clen, "]");
}

static char *
read_key(struct reader *rd, char *str, int num, const char *s, size_t n)
{
	const char *eq, *k = s, *v;
	size_t i, klen, vlen;

	eq = memchr(s, '=', n);
	if (eq == NULL) {
		refuse(rd, MEDSEC_INI_NO_EQUALS, s, n);
		return NULL;
	}
	klen = (size_t)(eq - s);
	medsec_ini_trim(&k, &klen);
	if (klen == 0) {
		refuse(rd, MEDSEC_INI_NO_KEY, k, 0);
		return NULL;
	}
	for (i = 0; i < klen; i++)
		if (!is_key_char(k[i]))
			break;
	if (i < klen || klen > MEDSEC_INI_KEY_MAX) {
		refuse(rd, MEDSEC_INI_BAD_KEY, k, klen);
		return NULL;
	}
	v = eq + 1;
	vlen = strip_comment(v, n - (size_t)(v - s));
	medsec_ini_trim(&v, &vlen);
	rd->val = vlen > 0 ? v : "";
	rd->vallen = vlen;
	/* inih gets "key=" only: the value itself stays with us. */
	return deliver(str, num, "", k, klen, "=");
}

/*
 * The ini_reader: hands inih one normalised line per call, so inih's line
 * count and ours agree. Returns NULL (end of input) once the parse has
 * stopped, which stops inih at the first error.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	const char *s, *nl;
	size_t n;

	if (rd->r != MEDSEC_OK || rd->pos >= rd->len)
		return NULL;
	s = rd->text + rd->pos;
	nl = memchr(s, '\n', rd->len - rd->pos);
	n = nl != NULL ? (size_t)(nl - s) : rd->len - rd->pos;
	rd->pos += n + (nl != NULL);
	rd->lineno++;
	rd->val = NULL;
	rd->vallen = 0;
	if (rd->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	medsec_ini_trim(&s, &n);
	if (n == 0 || *s == ';' || *s == '#')
		str = deliver(str, num, "", "", 0, "");
	else if (*s == '[')
		str = read_section(rd, str, num, s, n);
	else
		str = read_key(rd, str, num, s, n);
	if (str == NULL)
		stop(rd, MEDSEC_ERR_CONFIG);
	return str;
}

/* inih's handler: the value it passes is always "", ours is rd->val. */
static int
on_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct reader *rd = user;
	int r;

	(void)value;
	if (rd->r != MEDSEC_OK)
		return 0;
	if (rd->val == NULL || strcmp(section, rd->section) != 0) {
		/* inih and the reader disagree: never guess which is right. */
		refuse(rd, MEDSEC_INI_INTERNAL, NULL, 0);
		return 0;
	}
	r = rd->h->key(rd->ctx, section, name, rd->val, rd->vallen,
	    rd->lineno);
	if (r != MEDSEC_OK) {
		stop(rd, r);
		return 0;
	}
	return 1;
}

int
medsec_ini_parse(const char *text, size_t len, size_t line_max,
    const struct medsec_ini_handler *h, void *ctx,
    struct medsec_config_error *err)
{
	struct medsec_config_error scratch;
	struct reader rd;
	int n;

	if (err == NULL) {
		medsec_ini_err_clear(&scratch, NULL);
		err = &scratch;
	}
	err->line = 0;
	err->key[0] = '\0';
	err->message[0] = '\0';
	if (h == NULL || h->section == NULL || h->key == NULL ||
	    (text == NULL && len > 0)) {
		medsec_ini_err(err, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	memset(&rd, 0, sizeof(rd));
	rd.h = h;
	rd.ctx = ctx;
	rd.err = err;
	rd.text = text;
	rd.len = len;
	rd.line_max = line_max;
	if (prescan(&rd) != MEDSEC_OK)
		return rd.r;
	n = ini_parse_stream(reader, &rd, on_key, &rd);
	if (rd.r != MEDSEC_OK)
		return rd.r;
	if (n != 0) {
		/* Cannot happen with our normalised lines; never ignore it. */
		rd.lineno = n > 0 ? n : 0;
		refuse(&rd, MEDSEC_INI_SYNTAX, NULL, 0);
		return rd.r;
	}
	return MEDSEC_OK;
}

/*
 * Every INI file we read is UTF-8. A file saved in a legacy encoding
 * (Korean Windows editors still default to CP949, a superset of EUC-KR)
 * would otherwise surface as a puzzling error about some value, or, for
 * bytes inside a comment, not at all; name the cause and the first byte.
 */
static int
check_utf8(const char *text, size_t len, struct medsec_config_error *err)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t i = 0, line_start = 0, k;
	uint32_t cp;
	int line = 1;

	while (i < len) {
		if (u[i] == '\n') {
			line++;
			line_start = ++i;
			continue;
		}
		if ((k = medsec_utf8_decode(u + i, len - i, &cp)) == 0) {
			medsec_ini_err(err, line, NULL, NULL,
			    "not UTF-8 (CP949/EUC-KR?) at line %d byte %zu "
			    "(0x%02x); save the file as UTF-8", line,
			    i - line_start + 1, u[i]);
			return MEDSEC_ERR_CONFIG;
		}
		i += k;
	}
	return MEDSEC_OK;
}

int
medsec_ini_begin(const char *name, const char *text, size_t len,
    int args_ok, struct medsec_config_error **errp,
    struct medsec_config_error *scratch)
{
	if (*errp == NULL)
		*errp = scratch;
	medsec_ini_err_clear(*errp, name);
	if (!args_ok || (text == NULL && len > 0)) {
		medsec_ini_err(*errp, 0, NULL, NULL, "invalid arguments");
		return MEDSEC_ERR_INVALID;
	}
	if (len > MEDSEC_INI_FILE_MAX) {
		medsec_ini_err(*errp, 0, NULL, NULL, "file larger than %d bytes",
		    MEDSEC_INI_FILE_MAX);
		return MEDSEC_ERR_CONFIG;
	}
	return check_utf8(text, len, *errp);
}
