/*
 * The roles file parser on untrusted bytes, starting from the built-in
 * roles: any input is accepted or refused with MEDSEC_ERR_CONFIG; a
 * refusal leaves the roles as they were, and an acceptance yields at most
 * MEDSEC_ROLES_MAX roles with valid, distinct names and only defined
 * permission bits. Error messages stay printable ASCII, safe to log.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/access.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checked here independently of the parser's own rule. */
static int
name_ok(const char *name)
{
	size_t i, n = strnlen(name, MEDSEC_ROLE_NAME_MAX);

	if (n == 0 || n >= MEDSEC_ROLE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-", name[i]) ==
		    NULL)
			return 0;
	return 1;
}

static void
check_roles(const struct medsec_roles *roles)
{
	const uint32_t all = MEDSEC_PERM_BIT(MEDSEC_PERM__COUNT) - 1;
	const struct medsec_role *r;
	size_t i, j;

	if (roles->n > MEDSEC_ROLES_MAX)
		abort();
	for (i = 0; i < roles->n; i++) {
		r = &roles->roles[i];
		if (!name_ok(r->name) || (r->permissions & ~all) != 0 ||
		    (r->interactive != 0 && r->interactive != 1) ||
		    (r->session_policy != MEDSEC_SESSION_REPLACE &&
		    r->session_policy != MEDSEC_SESSION_REFUSE))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(roles->roles[j].name, r->name) == 0)
				abort();
		if (medsec_roles_find(roles, r->name) != r)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_roles roles, before;
	struct medsec_config_error err;
	char msg[600];
	size_t i;
	int r;

	medsec_roles_defaults(&roles);
	before = roles;
	r = medsec_roles_parse("fuzz", (const char *)data, size, &roles, &err);
	medsec_config_error_format(&err, msg, sizeof(msg));
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] < 0x20 || msg[i] > 0x7e)
			abort();
	if (r == MEDSEC_OK)
		check_roles(&roles);
	else if (r != MEDSEC_ERR_CONFIG ||
	    memcmp(&roles, &before, sizeof(roles)) != 0)
		abort();
	return 0;
}
