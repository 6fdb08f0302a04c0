/*
 * Access control (MFDS 1.1): the permission vocabulary, the built-in
 * roles and the one authorisation decision. The roles file parser is in
 * access_roles.c.
 *
 * The decision is deny by default: only a bit found in one of the
 * subject's known roles grants anything. Refusals are audited here, so no
 * caller can forget to; grants are not, because the caller records the
 * action itself (PHR_READ, CONFIG_CHANGED, ...) with its own object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access_int.h"
#include "core/utf8.h"
#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/err.h"

/* Indexed by enum medsec_permission; the names are the file format. */
static const char *const perm_names[MEDSEC_PERM__COUNT] = {
	[MEDSEC_PERM_PHR_READ] = "phr-read",
	[MEDSEC_PERM_PHR_WRITE] = "phr-write",
	[MEDSEC_PERM_DEVICE_CONTROL] = "device-control",
	[MEDSEC_PERM_CONFIG] = "config",
	[MEDSEC_PERM_UPDATE_APPROVE] = "update-approve",
	[MEDSEC_PERM_AUDIT_READ] = "audit-read",
	[MEDSEC_PERM_USER_ADMIN] = "user-admin",
	[MEDSEC_PERM_MAINTENANCE] = "maintenance",
	[MEDSEC_PERM_DATA_UPLOAD] = "data-upload",
};

#define B(p) MEDSEC_PERM_BIT(MEDSEC_PERM_##p)

/*
 * Separation of duties: whoever manages accounts and settings does not
 * read health records, and whoever reviews the trail can do nothing else,
 * so no single role can act and then judge its own actions.
 */
static const struct medsec_role builtin[] = {
	{ "administrator", B(USER_ADMIN) | B(CONFIG) | B(UPDATE_APPROVE) |
	    B(MAINTENANCE), 1, MEDSEC_SESSION_REPLACE },
	{ "clinician", B(PHR_READ) | B(PHR_WRITE) | B(DEVICE_CONTROL), 1,
	    MEDSEC_SESSION_REPLACE },
	{ "technician", B(MAINTENANCE) | B(CONFIG), 1,
	    MEDSEC_SESSION_REPLACE },
	{ "auditor", B(AUDIT_READ), 1, MEDSEC_SESSION_REPLACE },
	/* Peers authenticate with certificates, never with a password. */
	{ "machine", B(DATA_UPLOAD), 0, MEDSEC_SESSION_REPLACE },
	/* Granted by a break-glass login only, never to an account. */
	{ "emergency", B(PHR_READ) | B(DEVICE_CONTROL), 1,
	    MEDSEC_SESSION_REPLACE },
};
_Static_assert(sizeof(builtin) / sizeof(builtin[0]) <= MEDSEC_ROLES_MAX,
    "built-in roles exceed MEDSEC_ROLES_MAX");
_Static_assert(MEDSEC_PERM__COUNT <= 32, "permissions exceed 32 bits");

#undef B

int
access_is_space(char c)
{
	return c == ' ' || c == '\t';
}

int
access_role_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= MEDSEC_ROLE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
access_permission_by_namen(const char *s, size_t n)
{
	int i;

	for (i = 0; i < MEDSEC_PERM__COUNT; i++)
		if (strlen(perm_names[i]) == n &&
		    memcmp(perm_names[i], s, n) == 0)
			return i;
	return -1;
}

int
access_role_index(const struct medsec_roles *roles, const char *s, size_t n)
{
	size_t i, count;

	if (roles == NULL || n >= MEDSEC_ROLE_NAME_MAX)
		return -1;
	count = roles->n < MEDSEC_ROLES_MAX ? roles->n : MEDSEC_ROLES_MAX;
	for (i = 0; i < count; i++)
		if (strnlen(roles->roles[i].name, MEDSEC_ROLE_NAME_MAX) == n &&
		    memcmp(roles->roles[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

const char *
medsec_permission_name(int perm)
{
	if (perm < 0 || perm >= MEDSEC_PERM__COUNT)
		return NULL;
	return perm_names[perm];
}

int
medsec_permission_by_name(const char *name)
{
	if (name == NULL)
		return -1;
	return access_permission_by_namen(name, strlen(name));
}

void
medsec_roles_defaults(struct medsec_roles *roles)
{
	size_t i;

	if (roles == NULL)
		return;
	memset(roles, 0, sizeof(*roles));
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		roles->roles[i] = builtin[i];
	roles->n = i;
}

const struct medsec_role *
medsec_roles_find(const struct medsec_roles *roles, const char *name)
{
	int i;

	if (name == NULL)
		return NULL;
	i = access_role_index(roles, name, strlen(name));
	return i < 0 ? NULL : &roles->roles[i];
}

uint32_t
medsec_roles_permissions(const struct medsec_roles *roles,
    const char *role_list, size_t *unknownp)
{
	const char *s = role_list, *comma, *name;
	uint32_t perms = 0;
	size_t n, unknown = 0;
	int i;

	if (unknownp != NULL)
		*unknownp = 0;
	if (s == NULL)
		return 0;
	while (access_is_space(*s))
		s++;
	if (*s == '\0')
		return 0;	/* no roles at all is not an unknown role */
	for (;;) {
		comma = strchr(s, ',');
		n = comma != NULL ? (size_t)(comma - s) : strlen(s);
		name = s;
		while (n > 0 && access_is_space(*name)) {
			name++;
			n--;
		}
		while (n > 0 && access_is_space(name[n - 1]))
			n--;
		/* An empty entry ("a,,b") is malformed: counted, not skipped. */
		i = access_role_index(roles, name, n);
		if (i < 0)
			unknown++;
		else
			perms |= roles->roles[i].permissions;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	if (unknownp != NULL)
		*unknownp = unknown;
	return perms & ACCESS_PERM_ALL;
}

/*
 * A field the audit trail will take: s itself when it is valid UTF-8 that
 * fits, else a copy in buf with every byte outside printable ASCII shown
 * as '?' and cut to fit. A requester must not be able to keep its
 * refusal out of the trail by sending a name the trail would refuse.
 */
static int
valid_utf8(const char *s, size_t n)
{
	size_t i, k;
	uint32_t cp;

	for (i = 0; i < n; i += k)
		if ((k = medsec_utf8_decode((const unsigned char *)s + i,
		    n - i, &cp)) == 0)
			return 0;
	return 1;
}

static const char *
audit_field(char *buf, size_t buflen, const char *s)
{
	size_t i, n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n < buflen && valid_utf8(s, n))
		return s;
	for (i = 0; i < n && i + 1 < buflen; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Why the account behind a subject holding the permission was refused. */
static const char *
account_refusal(int account)
{
	switch (account) {
	case MEDSEC_ERR_DISABLED: return "the account is disabled";
	case MEDSEC_ERR_LOCKED: return "the account is locked";
	case MEDSEC_ERR_EXPIRED: return "the account has expired";
	case MEDSEC_ERR_STATE: return "the account must change its password";
	default: return medsec_strerror(account);
	}
}

static void
audit_denial(struct medsec_audit *audit, const struct medsec_subject *who,
    int perm, const char *object, size_t unknown, int account)
{
	char actor[MEDSEC_AUDIT_FIELD_MAX + 1], source[sizeof(actor)];
	char obj[sizeof(actor)], roles[sizeof(actor)], reason[sizeof(actor)];
	char permbuf[32], rbuf[sizeof(actor)];
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *pname, *rl, *text;

	pname = medsec_permission_name(perm);
	if (pname == NULL) {
		snprintf(permbuf, sizeof(permbuf), "invalid(%d)", perm);
		pname = permbuf;
	}
	rl = audit_field(roles, sizeof(roles),
	    who != NULL && who->roles != NULL ? who->roles : "");
	if (who == NULL)
		snprintf(rbuf, sizeof(rbuf), "permission %s requested without "
		    "a subject", pname);
	else if (account != MEDSEC_OK)
		snprintf(rbuf, sizeof(rbuf), "permission %s refused: %s", pname,
		    account_refusal(account));
	else
		snprintf(rbuf, sizeof(rbuf), "permission %s not granted to "
		    "roles %s", pname, rl[0] != '\0' ? rl : "(none)");
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "permission", pname);
	medsec_audit_detail_str(&d, "roles", rl);
	if (unknown > 0)
		medsec_audit_detail_u64(&d, "unknown_roles", unknown);
	if (account != MEDSEC_OK)
		medsec_audit_detail_i64(&d, "account_error", account);
	if (medsec_audit_detail_end(&d, &text) != MEDSEC_OK) {
		/* Not reachable: three bounded fields fit several times
		 * over. Were it reached, the record still goes in, empty. */
		text = NULL;
	}
	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_PERMISSION_DENIED;
	ev.actor = audit_field(actor, sizeof(actor),
	    who != NULL ? who->user : NULL);
	ev.source = audit_field(source, sizeof(source),
	    who != NULL ? who->source : NULL);
	ev.object = audit_field(obj, sizeof(obj), object);
	ev.outcome = MEDSEC_AUDIT_FAILURE;
	/* rbuf may have been cut inside a UTF-8 sequence. */
	ev.reason = audit_field(reason, sizeof(reason), rbuf);
	ev.details = text;
	if (medsec_audit_append(audit, &ev, NULL) != MEDSEC_OK) {
		/*
		 * Nothing to do: the answer is a denial either way, and a
		 * trail that cannot be written reports itself (sticky error).
		 */
	}
}

int
medsec_access_check(const struct medsec_roles *roles,
    struct medsec_audit *audit, const struct medsec_subject *who, int perm,
    const char *object)
{
	size_t unknown = 0;
	uint32_t granted;
	int account = MEDSEC_OK;

	if (roles != NULL && who != NULL && perm >= 0 &&
	    perm < MEDSEC_PERM__COUNT) {
		granted = medsec_roles_permissions(roles, who->roles, &unknown);
		if ((granted & MEDSEC_PERM_BIT(perm)) != 0) {
			if (roles->subject_check == NULL ||
			    (account = roles->subject_check(roles->subject_ctx,
			    who)) == MEDSEC_OK)
				return MEDSEC_OK;
		}
	}
	if (audit != NULL)
		audit_denial(audit, who, perm, object, unknown, account);
	return MEDSEC_ERR_DENIED;
}
