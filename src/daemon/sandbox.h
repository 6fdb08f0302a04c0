/*
 * The worker's confinement: the service user (setgroups/setgid/setuid,
 * checked that root cannot be regained), PR_SET_NO_NEW_PRIVS, and the
 * seccomp allow-list. Called in this order, before any listener is
 * enabled. Each returns 0, or -1 with err naming what failed.
 */
#ifndef MEDSECD_SANDBOX_H
#define MEDSECD_SANDBOX_H

#include <stddef.h>

int sandbox_drop_privileges(const char *user, char *err, size_t errlen);
int sandbox_enter_worker(char *err, size_t errlen);

#endif
