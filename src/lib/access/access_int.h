/* Access module internals shared by access.c and access_roles.c. */
#ifndef MEDSEC_ACCESS_INT_H
#define MEDSEC_ACCESS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/access.h"

/* All permission bits the vocabulary defines. */
#define ACCESS_PERM_ALL (MEDSEC_PERM_BIT(MEDSEC_PERM__COUNT) - 1)

/* Blanks allowed around names in lists and values. */
int access_is_space(char c);

/* Non-zero when [s, s + n) is a role name: 1..31 of [a-z0-9-]. */
int access_role_name_ok(const char *s, size_t n);

/* The permission named by [s, s + n), or -1. */
int access_permission_by_namen(const char *s, size_t n);

/* The role named by [s, s + n) in roles, or -1. */
int access_role_index(const struct medsec_roles *roles, const char *s,
    size_t n);

#endif
