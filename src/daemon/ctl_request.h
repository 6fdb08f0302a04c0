/*
 * The local control socket's request (monitor_ctl.c; the wire format is
 * in docs/api.md, "The local control socket"): one JSON object of at
 * most CTL_REQUEST_MAX bytes, ended by a newline or the end of the
 * stream, naming an operation, the administrator who asks and that
 * administrator's password. The parser is apart from the socket so that
 * fuzz/fuzz_ctl_request.c can drive it alone.
 */
#ifndef MEDSECD_CTL_REQUEST_H
#define MEDSECD_CTL_REQUEST_H

#include <stddef.h>

#include "medsec/identity.h"
#include "medsec/password_policy.h"

/* In the device's state directory, next to the audit trail it guards. */
#define CTL_SOCKET_NAME "medsecd.sock"
/* A request is a few hundred bytes; anything over this is refused unread. */
#define CTL_REQUEST_MAX 4096

struct ctl_request {
	char op[16];
	char as[MEDSEC_USER_NAME_MAX];
	char password[MEDSEC_PASSWORD_MAX + 1];
	size_t password_len;
	/* a user name, or a certificate's SHA-256 for revoke-cert */
	char target[MEDSEC_CERT_SHA256_LEN];
	char reason[128];	/* revoke-cert only; "" when not given */
	char subject[64];	/* revoke-cert only; "" when not given */
	int has_reason, has_subject;
};

/*
 * Parses text (len bytes, not NUL-terminated) into *req: an object with
 * exactly the string members op, as, password, target and optionally
 * reason and subject, no duplicate and no other member, each within its
 * field. 0, or -1 with why naming the member or the fault (never the
 * password). The password bytes parsed are wiped before return; *req is
 * wiped on failure and must be wiped with ctl_request_wipe after use.
 */
int ctl_request_parse(const char *text, size_t len, struct ctl_request *req,
    char *why, size_t whylen);
void ctl_request_wipe(struct ctl_request *req);

#endif
