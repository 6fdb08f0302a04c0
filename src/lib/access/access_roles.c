/*
 * The roles file: "[role NAME]" sections of INI text, parsed with inih as
 * strictly as the configuration file, through the line reader of
 * core/ini.h: every error names its line and no text is truncated. Each
 * role is opened as its header is read, so a section with no keys still
 * redefines its role, and duplicates and the role limit are reported on
 * the header's own line; inih then tracks it as "role NAME" exactly.
 *
 * Everything goes into a copy of the caller's roles, copied back only when
 * the whole text is valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access_int.h"
#include "core/ini.h"
#include "medsec/access.h"
#include "medsec/err.h"

struct parse;

struct key_def {
	const char *name;
	int (*set)(struct parse *, const struct key_def *,
	    struct medsec_role *, const char *, size_t);
	int empty_ok;	/* an empty value is meaningful */
};

#define NKEYS 3

struct parse {
	int lineno;		/* line being read */
	int cur;		/* role of the current section, -1 before one */
	char section[MEDSEC_ROLE_NAME_MAX + 8]; /* "role NAME", for errors */
	int section_line[MEDSEC_ROLES_MAX]; /* 0: not defined in this text */
	int first_line[MEDSEC_ROLES_MAX][NKEYS];
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

/*
 * Starts role [name, name + n): a built-in or earlier role of that name
 * is replaced whole, so fields the section leaves out take the defaults
 * rather than the old role's values.
 */
static int
open_role(struct parse *p, const char *name, size_t n, const char **canon)
{
	struct medsec_role *role;
	int i;

	/* The name is valid, so it fits and the key reads "role NAME". */
	snprintf(p->section, sizeof(p->section), "role %.*s", (int)n, name);
	i = access_role_index(&p->roles, name, n);
	if (i >= 0 && p->section_line[i] != 0) {
		medsec_ini_err(p->err, p->lineno, p->section, NULL,
		    "duplicate section (first on line %d)",
		    p->section_line[i]);
		return MEDSEC_ERR_CONFIG;
	}
	if (i < 0) {
		if (p->roles.n >= MEDSEC_ROLES_MAX) {
			medsec_ini_err(p->err, p->lineno, p->section, NULL,
			    "more than %d roles", MEDSEC_ROLES_MAX);
			return MEDSEC_ERR_CONFIG;
		}
		i = (int)p->roles.n++;
	}
	role = &p->roles.roles[i];
	memset(role, 0, sizeof(*role));
	medsec_ini_copy(role->name, sizeof(role->name), name, n);
	role->interactive = 1;
	role->session_policy = MEDSEC_SESSION_REPLACE;
	p->section_line[i] = p->lineno;
	memset(p->first_line[i], 0, sizeof(p->first_line[i]));
	p->cur = i;
	*canon = p->section;
	return MEDSEC_OK;
}

static int
on_section(void *ctx, const char *in, size_t inlen, int line,
    const char **canon)
{
	struct parse *p = ctx;
	char shown[48];
	const char *name;
	size_t namelen;

	p->lineno = line;
	medsec_ini_trim(&in, &inlen);
	if (inlen == 4 && memcmp(in, "role", 4) == 0) {
		medsec_ini_err(p->err, line, NULL, NULL,
		    "section [role] without a role name");
		return MEDSEC_ERR_CONFIG;
	}
	if (inlen < 5 || memcmp(in, "role", 4) != 0 ||
	    !medsec_ini_is_space(in[4])) {
		medsec_ini_excerpt(shown, sizeof(shown), in, inlen);
		medsec_ini_err(p->err, line, NULL, NULL,
		    "unknown section [%s] (expected [role NAME])", shown);
		return MEDSEC_ERR_CONFIG;
	}
	name = in + 4;
	namelen = inlen - 4;
	medsec_ini_trim(&name, &namelen);
	if (!access_role_name_ok(name, namelen)) {
		medsec_ini_excerpt(shown, sizeof(shown), name, namelen);
		medsec_ini_err(p->err, line, NULL, NULL,
		    "invalid role name '%s' (1..%d characters from a-z 0-9 -)",
		    shown, MEDSEC_ROLE_NAME_MAX - 1);
		return MEDSEC_ERR_CONFIG;
	}
	return open_role(p, name, namelen, canon);
}

static int
on_key(void *ctx, const char *section, const char *name, const char *value,
    size_t vallen, int line)
{
	struct parse *p = ctx;
	size_t i;

	p->lineno = line;
	if (p->cur < 0 || *section == '\0') {
		medsec_ini_err(p->err, line, NULL, name,
		    "key outside any [role NAME] section");
		return MEDSEC_ERR_CONFIG;
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == NKEYS) {
		medsec_ini_err(p->err, line, section, name,
		    "unknown key (expected permissions, interactive or "
		    "session_policy)");
		return MEDSEC_ERR_CONFIG;
	}
	if (p->first_line[p->cur][i] != 0) {
		medsec_ini_err(p->err, line, section, name,
		    "duplicate key (first set on line %d)",
		    p->first_line[p->cur][i]);
		return MEDSEC_ERR_CONFIG;
	}
	p->first_line[p->cur][i] = line;
	if (vallen == 0 && !keys[i].empty_ok) {
		medsec_ini_err(p->err, line, section, name, "empty value");
		return MEDSEC_ERR_CONFIG;
	}
	return keys[i].set(p, &keys[i], &p->roles.roles[p->cur], value,
	    vallen);
}

static const struct medsec_ini_handler ini_handler = {
	"roles text", on_section, on_key, NULL
};

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
		medsec_ini_trim(&name, &len);
		if (len == 0) {
			medsec_ini_err(p->err, p->lineno, p->section, k->name,
			    "empty entry %zu in permission list", entry);
			return MEDSEC_ERR_CONFIG;
		}
		medsec_ini_excerpt(shown, sizeof(shown), name, len);
		perm = access_permission_by_namen(name, len);
		if (perm < 0) {
			for (i = 0, off = 0; i < MEDSEC_PERM__COUNT &&
			    off < sizeof(known); i++)
				off += (size_t)snprintf(known + off,
				    sizeof(known) - off, "%s%s",
				    i > 0 ? ", " : "",
				    medsec_permission_name(i));
			medsec_ini_err(p->err, p->lineno, p->section, k->name,
			    "unknown permission '%s' (expected %s)", shown,
			    known);
			return MEDSEC_ERR_CONFIG;
		}
		if ((perms & MEDSEC_PERM_BIT(perm)) != 0) {
			medsec_ini_err(p->err, p->lineno, p->section, k->name,
			    "permission '%s' listed twice", shown);
			return MEDSEC_ERR_CONFIG;
		}
		perms |= MEDSEC_PERM_BIT(perm);
		if (comma == NULL)
			break;
		n -= (size_t)(comma + 1 - v);
		v = comma + 1;
		if (n == 0) {
			medsec_ini_err(p->err, p->lineno, p->section, k->name,
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
		medsec_ini_excerpt(shown, sizeof(shown), v, n);
		medsec_ini_err(p->err, p->lineno, p->section, k->name,
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
		medsec_ini_excerpt(shown, sizeof(shown), v, n);
		medsec_ini_err(p->err, p->lineno, p->section, k->name,
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
	int r = MEDSEC_ERR_INTERNAL;

	if ((r = medsec_ini_begin(name, text, len, roles != NULL &&
	    roles->n <= MEDSEC_ROLES_MAX, &err,
	    &scratch)) != MEDSEC_OK)
		return r;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "out of memory");
		return MEDSEC_ERR_NOMEM;
	}
	p->cur = -1;
	p->roles = *roles;
	p->err = err;
	r = medsec_ini_parse(text, len, MEDSEC_CONFIG_LINE_MAX, &ini_handler,
	    p, err);
	if (r != MEDSEC_OK)
		goto out;
	*roles = p->roles;
	r = MEDSEC_OK;
out:
	free(p);
	return r;
}

static int
parse_any(const char *name, const char *text, size_t len, void *roles,
    struct medsec_config_error *err)
{
	return medsec_roles_parse(name, text, len, roles, err);
}

int
medsec_roles_load(const char *path, struct medsec_roles *roles,
    struct medsec_config_error *err)
{
	return medsec_ini_load(path, parse_any, roles, err);
}
