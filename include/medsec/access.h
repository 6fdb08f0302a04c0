/*
 * medsec access: roles, permissions and the one authorisation check
 * (MFDS 1.1). A fixed permission vocabulary; roles are named sets of
 * permissions with a login style and a one-session policy. The defaults
 * follow least privilege and separation of duties; a roles file can
 * redefine them:
 *
 *   [role clinician]
 *   permissions = phr-read, phr-write, device-control
 *   interactive = yes          ; may log in with a password (no: machine)
 *   session_policy = replace   ; replace | refuse (MFDS 1.2)
 *
 * Every decision goes through medsec_access_check(): it denies anything
 * not granted, and writes a PERMISSION_DENIED audit record for refusals.
 */
#ifndef MEDSEC_ACCESS_H
#define MEDSEC_ACCESS_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#include "medsec/config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_audit;

/* Values are stored in role files by name, never by number. */
enum medsec_permission {
	MEDSEC_PERM_PHR_READ = 0,   /* "phr-read": read health records */
	MEDSEC_PERM_PHR_WRITE,	    /* "phr-write": create/modify/delete them */
	MEDSEC_PERM_DEVICE_CONTROL, /* "device-control": change therapy/output */
	MEDSEC_PERM_CONFIG,	    /* "config": change settings */
	MEDSEC_PERM_UPDATE_APPROVE, /* "update-approve": approve software updates */
	MEDSEC_PERM_AUDIT_READ,	    /* "audit-read": read/export the audit trail */
	MEDSEC_PERM_USER_ADMIN,	    /* "user-admin": accounts, roles, sessions */
	MEDSEC_PERM_MAINTENANCE,    /* "maintenance": diagnostics, service */
	MEDSEC_PERM_DATA_UPLOAD,    /* "data-upload": machine peers send data */
	MEDSEC_PERM__COUNT
};

#define MEDSEC_PERM_BIT(p) ((uint32_t)1 << (p))

enum medsec_session_policy {
	MEDSEC_SESSION_REPLACE = 0, /* a new login ends the old session */
	MEDSEC_SESSION_REFUSE = 1,  /* a new login is refused while one lives */
};

#define MEDSEC_ROLE_NAME_MAX 32 /* [a-z0-9-], 1..31 chars */
#define MEDSEC_ROLES_MAX 16

struct medsec_role {
	char name[MEDSEC_ROLE_NAME_MAX];
	uint32_t permissions; /* MEDSEC_PERM_BIT() set */
	int interactive;      /* 0: machine role, no password logins */
	int session_policy;   /* enum medsec_session_policy */
};

struct medsec_subject;

struct medsec_roles {
	size_t n;
	struct medsec_role roles[MEDSEC_ROLES_MAX];
	/*
	 * Optional (NULL: none): asked by medsec_access_check() about the
	 * subject's account before anything is granted; not MEDSEC_OK
	 * refuses. medsec_device_open() sets it to
	 * medsec_identity_subject_check(), so that no subject, however it
	 * was built, acts for an account that is disabled, locked, expired
	 * or must change its password first.
	 */
	int (*subject_check)(void *ctx, const struct medsec_subject *who);
	void *subject_ctx;
};

/* "phr-read" etc.; NULL when out of range. */
MEDSEC_API
const char *medsec_permission_name(int perm);
/* The permission for a name, or -1. */
MEDSEC_API
int medsec_permission_by_name(const char *name);

/*
 * The built-in roles: administrator (user-admin, config, update-approve,
 * maintenance; no health records), clinician (phr-read, phr-write,
 * device-control), technician (maintenance, config), auditor (audit-read
 * only), machine (data-upload; not interactive), and emergency (phr-read,
 * device-control; granted only by break-glass).
 */
MEDSEC_API
void medsec_roles_defaults(struct medsec_roles *roles);

/*
 * Parses a roles file. Sections "[role NAME]" define or redefine a role
 * (a redefined built-in is replaced whole); keys permissions, interactive,
 * session_policy. Unknown keys, unknown permission names, bad names,
 * duplicates, more than MEDSEC_ROLES_MAX roles: MEDSEC_ERR_CONFIG with err
 * naming file:line:key, and roles left unchanged. An empty permissions
 * value is legal: the role grants nothing. Start from
 * medsec_roles_defaults() to extend the built-ins. The format is in
 * docs/access-control.md.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_roles_parse(const char *name, const char *text, size_t len,
    struct medsec_roles *roles, struct medsec_config_error *err);
/*
 * As medsec_roles_parse() on a file (at most MEDSEC_CONFIG_FILE_MAX bytes,
 * not a symlink). I/O failures fill err and return their own code
 * (MEDSEC_ERR_PERMISSION, MEDSEC_ERR_NOT_FOUND, ...).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_roles_load(const char *path, struct medsec_roles *roles,
    struct medsec_config_error *err);

/* The role called name, or NULL. */
MEDSEC_API
const struct medsec_role *medsec_roles_find(const struct medsec_roles *roles,
    const char *name);

/*
 * Union of the permissions of a comma-separated role list ("clinician,
 * technician"). Unknown role names grant nothing (deny by default) and
 * are counted in *unknownp when non-NULL.
 */
MEDSEC_API
uint32_t medsec_roles_permissions(const struct medsec_roles *roles,
    const char *role_list, size_t *unknownp);

/* Who is asking: the account, where from, and its role list. */
struct medsec_subject {
	const char *user;   /* account or peer name */
	const char *source; /* network address or "local" */
	const char *roles;  /* comma-separated role names */
};

/*
 * The one authorisation decision. MEDSEC_OK when one of the subject's
 * roles grants perm and roles->subject_check (if set) accepts the
 * subject's account; MEDSEC_ERR_DENIED otherwise (including a NULL
 * subject, an unknown role, an out-of-range permission), after appending
 * PERMISSION_DENIED (actor, source, object, the permission in details) to
 * audit when audit is non-NULL. If that record cannot be written the
 * answer is still a denial.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_access_check(const struct medsec_roles *roles,
    struct medsec_audit *audit, const struct medsec_subject *who, int perm,
    const char *object);

#ifdef __cplusplus
}
#endif
#endif
