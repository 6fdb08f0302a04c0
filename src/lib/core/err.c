#include "medsec/err.h"

static const char *const messages[] = {
	"success",
	"internal error",
	"out of memory",
	"invalid argument",
	"input/output error",
	"no space left on storage",
	"authentication failed",
	"cryptographic library failure",
	"algorithm below 112-bit security strength",
	"unknown algorithm",
	"file permissions too permissive",
	"already exists",
	"not found",
	"malformed data",
	"input too large",
	"resource busy",
	"database schema is newer than this software",
	"configuration rejected",
	"audit trail unavailable",
	"tampering detected",
	"key does not match",
	"database error",
	"stored data corrupt",
	"audit event held in memory only",
	"operation not valid in this state",
	"permission denied",
	"login failed",
	"account locked",
	"expired",
	"disabled",
	"session ended by a newer login",
	"session expired",
	"refused by the password policy",
	"too many attempts; try again later",
	"another session is active for this user",
	"owned by another user, not the service user",
	"read-only: no permission to write there",
};

const char *
medsec_strerror(int code)
{
	if (code > 0 || code <= MEDSEC_ERR__LAST)
		return "unknown error";
	return messages[-code];
}

_Static_assert(sizeof(messages) / sizeof(messages[0]) == -MEDSEC_ERR__LAST,
    "one message per error code");
