/* Identity internals shared by its files. */
#ifndef MEDSEC_IDENTITY_INT_H
#define MEDSEC_IDENTITY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"
#include "medsec/identity.h"

#define US_PER_S INT64_C(1000000)

struct medsec_identity {
	struct medsec_db *db;
	struct medsec_audit *audit;
	const struct medsec_roles *roles;
	struct medsec_sessions *sessions;
	struct medsec_identity_options o;
	/* Verified against for unknown users, so they cost the same work. */
	char dummy_hash[MEDSEC_PWHASH_STR_LEN];
	int have_dummy;
};

/* An account row with its stored password hash. */
struct identity_row {
	struct medsec_account acct;
	char pwhash[MEDSEC_PWHASH_STR_LEN];
	int has_password;
};

/* identity.c */
void identity_audit(struct medsec_identity *id, int event, const char *actor,
    const char *source, const char *object, int outcome, const char *reason,
    const char *details);
int identity_row_get(struct medsec_identity *id, const char *name,
    struct identity_row *row);
int identity_state(const struct medsec_account *a, int64_t now);
/* Authorises an administrative action on object (audits refusals). */
int identity_admin_check(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *object);
int identity_hash_password(struct medsec_identity *id, const char *pw,
    size_t pwlen, char out[MEDSEC_PWHASH_STR_LEN]);
/* A JSON string body of untrusted text: printable ASCII, else '?'. */
void identity_json_safe(char *out, size_t outlen, const char *in);
int identity_exec_name(struct medsec_identity *id, const char *sql,
    const char *name);

/* identity_login.c */
int identity_valid_cert(const char *sha256_hex);

/* identity_password.c */
int identity_password_acceptable(struct medsec_identity *id,
    const char *name, const char *pw, size_t pwlen, char *why,
    size_t whylen);
int identity_password_store(struct medsec_identity *id, const char *name,
    const char *pw, size_t pwlen, int must_change);

/* identity_codes.c */
int identity_code_new(char code[MEDSEC_SETUP_CODE_LEN],
    uint8_t hash[32]);
int identity_code_hash(const char *code, uint8_t hash[32]);

#endif
