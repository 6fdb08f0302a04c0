/*
 * medsec error vocabulary. Every libmedsec function that can fail returns
 * int: MEDSEC_OK (zero) on success or one of the negative codes below.
 * Codes are stable: they appear in logs and in the daemon's API replies.
 */
#ifndef MEDSEC_ERR_H
#define MEDSEC_ERR_H

#include "medsec/base.h"

#ifdef __cplusplus
extern "C" {
#endif

enum medsec_err {
	MEDSEC_OK = 0,
	MEDSEC_ERR_INTERNAL = -1,	  /* a bug: should never happen */
	MEDSEC_ERR_NOMEM = -2,		  /* allocation failed */
	MEDSEC_ERR_INVALID = -3,	  /* bad argument or input value */
	MEDSEC_ERR_IO = -4,		  /* read, write, sync or rename failed */
	MEDSEC_ERR_NOSPACE = -5,	  /* storage full (ENOSPC) */
	MEDSEC_ERR_AUTH = -6,		  /* signature, MAC or tag did not verify */
	MEDSEC_ERR_CRYPTO = -7,		  /* the crypto library failed */
	MEDSEC_ERR_WEAK_ALGORITHM = -8,	  /* below 112-bit strength (MFDS 1.17) */
	MEDSEC_ERR_UNKNOWN_ALGORITHM = -9, /* algorithm id or name not known */
	MEDSEC_ERR_PERMISSION = -10,	  /* file mode too permissive, or a link */
	MEDSEC_ERR_EXISTS = -11,	  /* refusing to overwrite */
	MEDSEC_ERR_NOT_FOUND = -12,	  /* file, key or record absent */
	MEDSEC_ERR_FORMAT = -13,	  /* malformed stored or received data */
	MEDSEC_ERR_TOO_LARGE = -14,	  /* input exceeds a documented bound */
	MEDSEC_ERR_BUSY = -15,		  /* another process holds the lock */
	MEDSEC_ERR_SCHEMA_NEWER = -16,	  /* database written by newer software */
	MEDSEC_ERR_CONFIG = -17,	  /* configuration file rejected */
	MEDSEC_ERR_AUDIT_UNAVAILABLE = -18, /* audit trail cannot be written */
	MEDSEC_ERR_TAMPERED = -19,	  /* audit or data shows tampering */
	MEDSEC_ERR_KEY_MISMATCH = -20,	  /* key does not belong to this data */
	MEDSEC_ERR_DB = -21,		  /* the embedded database failed */
	MEDSEC_ERR_CORRUPT = -22,	  /* stored data damaged */
	MEDSEC_ERR_AUDIT_DEGRADED = -23,  /* event held in memory, not durable */
	MEDSEC_ERR_STATE = -24,		  /* operation not valid in this state */
	MEDSEC_ERR_DENIED = -25,	  /* permission not granted */
	MEDSEC_ERR_LOGIN_FAILED = -26,	  /* wrong name or password (never says which) */
	MEDSEC_ERR_LOCKED = -27,	  /* account locked after failed logins */
	MEDSEC_ERR_EXPIRED = -28,	  /* account or credential past its expiry */
	MEDSEC_ERR_DISABLED = -29,	  /* account or peer disabled or revoked */
	MEDSEC_ERR_SESSION_REPLACED = -30, /* session ended by a newer login */
	MEDSEC_ERR_SESSION_EXPIRED = -31, /* idle timeout or lifetime reached */
	MEDSEC_ERR_POLICY = -32,	  /* refused by the password policy */
	MEDSEC_ERR_THROTTLED = -33,	  /* too many attempts from this source */
	MEDSEC_ERR_SESSION_ACTIVE = -34,  /* one session per user: refused */
	MEDSEC_ERR_NOT_OWNER = -35,	  /* file owned by another user */
	MEDSEC_ERR_READ_ONLY = -36,	  /* no permission to write there */
	MEDSEC_ERR__LAST = -37
};

/*
 * Where a text was refused: every strict parser (configuration, roles,
 * device profile, catalog, JUnit) fills one, naming the file, the line and
 * the key. It lives here, with the codes, so that the INI reader in core
 * depends on nothing above it.
 */
#define MEDSEC_PARSE_FILE_MAX 256

struct medsec_config_error {
	char file[MEDSEC_PARSE_FILE_MAX];
	int line;     /* 1-based; 0 when not about one line */
	char key[64]; /* "section.key", or "" */
	char message[256];
};

/* Returns a static, human-readable description of a medsec error code. */
MEDSEC_API
const char *medsec_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
