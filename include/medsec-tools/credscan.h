/*
 * medsec credscan: finds hard-coded credentials (MFDS 1.10, CWE-798) in
 * source trees, configuration and firmware images, for the manufacturer's
 * build pipeline. Rules:
 *
 *   MDSEC-CRED-001  a literal assigned to a credential-named key or
 *                   variable (password, passwd, passphrase, pwd, secret,
 *                   token, api_key, ...) in a text file
 *   MDSEC-CRED-002  private key material (PEM "PRIVATE KEY" blocks, medsec
 *                   secret key files), in any file
 *   MDSEC-CRED-003  well-known default credential pairs (user "admin"
 *                   with password "admin", and the like), in any file
 *   MDSEC-CRED-004  embedded password hashes (crypt $1$/$5$/$6$, bcrypt,
 *                   yescrypt, Argon2 strings): a built-in account
 *
 * Findings name the file, the place (line and column for text, byte
 * offset for binary) and the rule, never the secret itself. Output as
 * text or SARIF 2.1.0 (docs/credscan.md).
 *
 * Part of libmedsec-tools (pkg-config medsec-tools), the manufacturer's
 * library; the device library (libmedsec) carries none of it.
 */
#ifndef MEDSEC_TOOLS_CREDSCAN_H
#define MEDSEC_TOOLS_CREDSCAN_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum medsec_cred_rule {
	MEDSEC_CRED_ASSIGNED = 1,   /* MDSEC-CRED-001 */
	MEDSEC_CRED_PRIVATE_KEY,    /* MDSEC-CRED-002 */
	MEDSEC_CRED_DEFAULT_PAIR,   /* MDSEC-CRED-003 */
	MEDSEC_CRED_PASSWORD_HASH,  /* MDSEC-CRED-004 */
};

struct medsec_cred_finding {
	const char *path;  /* as given or found under a given directory */
	int rule;	   /* enum medsec_cred_rule */
	int text;	   /* 1: line/column valid; 0: byte offset */
	unsigned line;	   /* 1-based */
	unsigned column;   /* 1-based, bytes */
	uint64_t offset;   /* from the start of the file */
	char name[64];	   /* the key or variable, when there is one */
};

/* Rule id ("MDSEC-CRED-001"), short and full descriptions. */
MEDSEC_API
const char *medsec_cred_rule_id(int rule);
MEDSEC_API
const char *medsec_cred_rule_text(int rule);

/*
 * Scans bytes as one file (untrusted input; bounded work per byte).
 * Calls fn for each finding; a non-zero return stops the scan.
 */
MEDSEC_API
int medsec_credscan_buffer(const char *path, const void *data, size_t len,
    int (*fn)(const struct medsec_cred_finding *, void *), void *ctx);

/*
 * Scans a file or a directory tree (symbolic links are not followed;
 * special files are skipped). Files up to 1 GiB.
 */
MEDSEC_API
int medsec_credscan_path(const char *path,
    int (*fn)(const struct medsec_cred_finding *, void *), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
