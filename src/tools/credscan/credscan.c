/*
 * The credential rules over one buffer. Every rule is a bounded forward
 * scan (no backtracking), so the work per byte is constant and hostile
 * input costs no more than any other.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "medsec-tools/credscan.h"
#include "medsec/err.h"

#define TEXT_PROBE 8192 /* a NUL in the first bytes: binary */
#define MIN_SECRET 4	/* shorter literals are not credentials */

struct scan {
	const char *path;
	const unsigned char *s;
	size_t n;
	int text;
	int config; /* unquoted values count (INI, .env, YAML) */
	int (*fn)(const struct medsec_cred_finding *, void *);
	void *ctx;
	int stop;
	size_t at;	 /* line/column known up to this offset */
	unsigned line, column;
};

static const char *const rule_ids[] = {
	"", "MDSEC-CRED-001", "MDSEC-CRED-002", "MDSEC-CRED-003",
	"MDSEC-CRED-004",
};

static const char *const rule_texts[] = {
	"",
	"Hard-coded credential: a literal assigned to a credential (CWE-798)",
	"Private key material embedded in a file (CWE-321)",
	"Well-known default credential pair (CWE-1392)",
	"Embedded password hash: a built-in account (CWE-798)",
};

const char *
medsec_cred_rule_id(int rule)
{
	return rule >= 1 && rule <= 4 ? rule_ids[rule] : "MDSEC-CRED-000";
}

const char *
medsec_cred_rule_text(int rule)
{
	return rule >= 1 && rule <= 4 ? rule_texts[rule] : "unknown rule";
}

/* Reports a finding at byte offset off, computing line and column. */
static void
report(struct scan *sc, int rule, size_t off, const char *name, size_t nlen)
{
	struct medsec_cred_finding f;
	size_t i;

	if (sc->stop)
		return;
	memset(&f, 0, sizeof(f));
	f.path = sc->path;
	f.rule = rule;
	f.text = sc->text;
	f.offset = off;
	if (sc->text) {
		/* Findings come in two forward passes: count from the last. */
		if (off < sc->at) {
			sc->at = 0;
			sc->line = sc->column = 1;
		}
		for (i = sc->at; i < off; i++) {
			if (sc->s[i] == '\n') {
				sc->line++;
				sc->column = 1;
			} else
				sc->column++;
		}
		sc->at = off;
		f.line = sc->line;
		f.column = sc->column;
	}
	if (name != NULL) {
		if (nlen >= sizeof(f.name))
			nlen = sizeof(f.name) - 1;
		for (i = 0; i < nlen; i++)
			f.name[i] = isprint((unsigned char)name[i]) ? name[i] : '?';
	}
	if (sc->fn(&f, sc->ctx) != 0)
		sc->stop = 1;
}

static int
ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Whether the identifier [a, a + n) names a credential. */
static int
credential_name(const unsigned char *a, size_t n)
{
	static const char *const words[] = {
		"password", "passwd", "passphrase", "pwd", "pw", "pass",
		"secret", "token", "apikey", "api_key", "api-key",
		"private_key", "pin_code",
	};
	char low[64];
	size_t i, w, wl;

	if (n == 0 || n >= sizeof(low))
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower(a[i]);
	/* Trailing digits: password2 is still a password. */
	while (n > 0 && isdigit((unsigned char)low[n - 1]))
		n--;
	for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		wl = strlen(words[w]);
		if (n >= wl && memcmp(low + n - wl, words[w], wl) == 0 &&
		    (n == wl || !isalnum((unsigned char)low[n - wl - 1])))
			return 1;
	}
	return 0;
}

/* A value that is a reference or a placeholder, not a secret. */
static int
placeholder(const unsigned char *v, size_t n)
{
	size_t i;

	if (n < MIN_SECRET || v[0] == '$' || v[0] == '%' || v[0] == '{' ||
	    v[0] == '<' || v[0] == '@')
		return 1;
	for (i = 0; i < n && (v[i] == '*' || v[i] == 'x' || v[i] == 'X'); i++)
		;
	return i == n;
}

/*
 * In line [p, e): an identifier naming a credential, then "=", ":", ":=",
 * "=>" (or a #define), then a literal.
 */
static void
rule_assigned(struct scan *sc, const unsigned char *p, const unsigned char *e)
{
	const unsigned char *id, *q, *v;
	size_t idn;
	int define = 0;

	while (p < e && isspace(*p))
		p++;
	if (e - p > 7 && memcmp(p, "#define", 7) == 0) {
		define = 1;
		p += 7;
	}
	for (; p < e; p++) {
		if (!ident_char(*p) || (p > sc->s && ident_char(p[-1])))
			continue;
		for (id = p; p < e && ident_char(*p); p++)
			;
		idn = (size_t)(p - id);
		if (!credential_name(id, idn))
			continue;
		q = p;
		if (q < e && (*q == '"' || *q == '\''))
			q++; /* a quoted key: "password": ... */
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (!define) {
			if (q + 1 < e && q[0] == '=' && q[1] == '=')
				continue; /* a comparison */
			if (q < e && (*q == '=' || *q == ':'))
				q++;
			else
				continue;
			if (q < e && (*q == '=' || *q == '>'))
				q++;
		}
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q < e && (*q == '"' || *q == '\'')) {
			unsigned char quote = *q++;

			for (v = q; q < e && *q != quote; q++)
				;
			if (q < e && !placeholder(v, (size_t)(q - v)))
				report(sc, MEDSEC_CRED_ASSIGNED,
				    (size_t)(id - sc->s), (const char *)id, idn);
		} else if (sc->config && !define) {
			for (v = q; q < e && !isspace(*q) && *q != ';' &&
			    *q != '#'; q++)
				;
			if (!placeholder(v, (size_t)(q - v)))
				report(sc, MEDSEC_CRED_ASSIGNED,
				    (size_t)(id - sc->s), (const char *)id, idn);
		}
	}
}

static int
starts(const unsigned char *p, const unsigned char *e, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

static int
starts_nocase(const unsigned char *p, const unsigned char *e, const char *lit)
{
	size_t n = strlen(lit), i;

	if ((size_t)(e - p) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower(p[i]) != lit[i])
			return 0;
	return 1;
}

static size_t
hex_run(const unsigned char *q, const unsigned char *e)
{
	size_t n = 0;

	while (q < e && isxdigit(*q)) {
		q++;
		n++;
	}
	return n;
}

static int
b64_char(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/' || c == '=';
}

/* At least 40 base64 characters right after the header line. */
static int
pem_body(const unsigned char *q, const unsigned char *e)
{
	size_t n = 0;

	while (q < e && (*q == '\r' || *q == '\n'))
		q++;
	/* Encrypted PEM keys carry headers ("Proc-Type: ...") first. */
	while (q < e && n < 40 && (b64_char(*q) || *q == '\n' || *q == ':' ||
	    *q == ' ' || *q == ',' || *q == '-')) {
		n += b64_char(*q) ? 1 : 0;
		q++;
	}
	return n >= 40;
}

/*
 * "-----BEGIN ... PRIVATE KEY-----" with a key body after it, or a medsec
 * secret key file with its sealed key: the format names alone (in docs,
 * in parsers) are not keys.
 */
static size_t
rule_private_key(struct scan *sc, const unsigned char *p,
    const unsigned char *e)
{
	const unsigned char *q;
	size_t span;

	if (starts(p, e, "medsec-secret-key 1\nname: ")) {
		span = (size_t)(e - p) < 1024 ? (size_t)(e - p) : 1024;
		q = memchr(p, 's', span);
		for (; q != NULL && q + 8 < p + span; q = memchr(q + 1, 's',
		    (size_t)(p + span - q - 1)))
			if (starts(q, e, "sealed: ") && hex_run(q + 8, e) >= 96) {
				report(sc, MEDSEC_CRED_PRIVATE_KEY,
				    (size_t)(p - sc->s), NULL, 0);
				return 19;
			}
		return 0;
	}
	if (!starts(p, e, "-----BEGIN "))
		return 0;
	for (q = p + 11; q < e && q - p < 64 && *q != '\n' && *q != '-'; q++)
		;
	if (q - p >= 11 + 11 && starts(q - 11, e, "PRIVATE KEY") &&
	    starts(q, e, "-----") && pem_body(q + 5, e)) {
		report(sc, MEDSEC_CRED_PRIVATE_KEY, (size_t)(p - sc->s), NULL, 0);
		return (size_t)(q - p);
	}
	return 0;
}

/* A default pair "user<sep>password" standing alone. */
static size_t
rule_default_pair(struct scan *sc, const unsigned char *p,
    const unsigned char *e)
{
	static const char *const pairs[][2] = {
		{ "admin", "admin" }, { "admin", "password" },
		{ "admin", "1234" }, { "admin", "12345" }, { "admin", "123456" },
		{ "root", "root" }, { "root", "toor" }, { "root", "admin" },
		{ "user", "user" }, { "guest", "guest" },
		{ "support", "support" }, { "service", "service" },
		{ "default", "default" },
	};
	size_t i, u, w;
	const unsigned char *q;

	if (p > sc->s && (isalnum(p[-1]) || p[-1] == '_'))
		return 0;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		u = strlen(pairs[i][0]);
		w = strlen(pairs[i][1]);
		if (!starts_nocase(p, e, pairs[i][0]) || (size_t)(e - p) < u + 1 +
		    w)
			continue;
		q = p + u;
		if (*q != ':' && *q != '/' && *q != '\0')
			continue;
		if (!starts_nocase(q + 1, e, pairs[i][1]) ||
		    (q + 1 + w < e && (isalnum(q[1 + w]) || q[1 + w] == '_')))
			continue;
		report(sc, MEDSEC_CRED_DEFAULT_PAIR, (size_t)(p - sc->s),
		    pairs[i][0], u);
		return u + 1 + w;
	}
	return 0;
}

static int
crypt_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '/' || c == '$' || c == '=' ||
	    c == ',' || c == '+';
}

/*
 * "$6$salt$hash" and friends: the id, then crypt characters ending in a
 * hash segment of at least 16 characters (an example such as
 * "$6$salt$hash" in a comment is not an account).
 */
static size_t
rule_hash(struct scan *sc, const unsigned char *p, const unsigned char *e)
{
	static const char *const ids[] = {
		"$1$", "$5$", "$6$", "$2a$", "$2b$", "$2y$", "$y$",
		"$argon2id$", "$argon2i$",
	};
	const unsigned char *q, *last;
	size_t i, idl;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!starts(p, e, ids[i]))
			continue;
		idl = strlen(ids[i]);
		for (q = last = p + idl; q < e && q - p < 512 && crypt_char(*q);
		    q++)
			if (*q == '$')
				last = q + 1;
		if (last > p + idl && q - last >= 16) {
			report(sc, MEDSEC_CRED_PASSWORD_HASH,
			    (size_t)(p - sc->s), NULL, 0);
			return (size_t)(q - p);
		}
	}
	return 0;
}

static void
scan_anywhere(struct scan *sc)
{
	const unsigned char *p = sc->s, *e = sc->s + sc->n;
	size_t used;

	while (p < e && !sc->stop) {
		used = 0;
		if (*p == '-' || *p == 'm')
			used = rule_private_key(sc, p, e);
		else if (*p == '$')
			used = rule_hash(sc, p, e);
		else if (isalpha(*p))
			used = rule_default_pair(sc, p, e);
		p += used > 0 ? used : 1;
	}
}

static int
config_file(const char *path)
{
	static const char *const exts[] = {
		".ini", ".conf", ".cfg", ".env", ".yaml", ".yml", ".properties",
		".toml",
	};
	size_t n = path != NULL ? strlen(path) : 0, i, l;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		l = strlen(exts[i]);
		if (n >= l && strcmp(path + n - l, exts[i]) == 0)
			return 1;
	}
	return 0;
}

int
medsec_credscan_buffer(const char *path, const void *data, size_t len,
    int (*fn)(const struct medsec_cred_finding *, void *), void *ctx)
{
	struct scan sc;
	const unsigned char *p, *e, *nl;

	if (fn == NULL || (data == NULL && len > 0))
		return MEDSEC_ERR_INVALID;
	memset(&sc, 0, sizeof(sc));
	sc.path = path != NULL ? path : "-";
	sc.s = data;
	sc.n = len;
	sc.fn = fn;
	sc.ctx = ctx;
	sc.line = sc.column = 1;
	sc.text = memchr(data, '\0', len < TEXT_PROBE ? len : TEXT_PROBE) ==
	    NULL;
	sc.config = sc.text && config_file(path);
	if (sc.text) {
		for (p = sc.s, e = sc.s + len; p < e && !sc.stop; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
				nl = e;
			rule_assigned(&sc, p, nl);
		}
	}
	scan_anywhere(&sc);
	return MEDSEC_OK;
}
