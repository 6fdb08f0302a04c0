/*
 * Emergency (break-glass) access and the peer certificate revocation list.
 *
 * Break-glass exists because a locked-out clinician must still be able to
 * keep a life-critical function running (the MDS2 form's emergency access
 * item, IEC TR 80001-2-2 EMRG). It is off unless configured, single use,
 * grants only the narrow "emergency" role, raises an INCIDENT alert and is
 * recorded in full; an administrator seals a new credential afterwards.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/session.h"
#include "identity/identity_int.h"

#define EMERGENCY_ROLE "emergency"

int
medsec_identity_emergency_seal(struct medsec_identity *id,
    const struct medsec_subject *actor, char code[MEDSEC_EMERGENCY_CODE_LEN])
{
	struct medsec_db_stmt *st = NULL;
	uint8_t hash[32];
	int r;

	if (id == NULL || code == NULL)
		return MEDSEC_ERR_INVALID;
	if (!id->o.emergency_access)
		return MEDSEC_ERR_STATE;
	if ((r = identity_admin_check(id, actor, "emergency-credential")) !=
	    MEDSEC_OK)
		return r;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	if ((r = identity_code_new(code, hash)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_prepare(id->db, "INSERT OR REPLACE INTO "
	    "emergency_credential (id, code_sha256, sealed_us, sealed_by, "
	    "used_us, used_by) VALUES (1, ?1, ?2, ?3, NULL, NULL)", &st)) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_blob(st, 1, hash, sizeof(hash))) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 2, medsec_clock_wall_us())) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 3, actor->user)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
	    MEDSEC_ERR_DB) != MEDSEC_OK)
		goto out;
	/* A credential whose sealing is not on record is not shown. */
	if (identity_committed(id, MEDSEC_EV_EMERGENCY_SEALED, actor->user,
	    actor->source, "emergency-credential",
	    "new single-use emergency credential sealed", NULL) != MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
out:
	medsec_db_finalize(st);
	medsec_wipe(hash, sizeof(hash));
	if (r != MEDSEC_OK)
		medsec_wipe(code, MEDSEC_EMERGENCY_CODE_LEN);
	return r;
}

/* Marks the credential used if code matches it; one transaction. */
static int
spend_emergency(struct medsec_identity *id, const char *code,
    const char *who)
{
	struct medsec_db_stmt *st = NULL;
	uint8_t hash[32];
	int well_formed, r;

	r = identity_code_hash(code, hash);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_AUTH)
		return r;
	well_formed = r == MEDSEC_OK;
	/* The hash comparison is SQLite's on two SHA-256 values. */
	if ((r = medsec_db_prepare(id->db, "UPDATE emergency_credential SET "
	    "used_us = ?2, used_by = ?3 WHERE id = 1 AND used_us IS NULL AND "
	    "code_sha256 = ?1", &st)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_bind_blob(st, 1, hash, sizeof(hash))) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 2, medsec_clock_wall_us())) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 3, who)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
	    MEDSEC_ERR_DB) != MEDSEC_OK)
		goto out;
	r = well_formed && medsec_db_changes(id->db) == 1 ? MEDSEC_OK :
	    MEDSEC_ERR_AUTH;
out:
	medsec_db_finalize(st);
	medsec_wipe(hash, sizeof(hash));
	return r;
}

int
medsec_identity_emergency_login(struct medsec_identity *id,
    const char *code, const char *who, const char *source,
    char token[MEDSEC_TOKEN_TEXT_LEN], struct medsec_session_info *info)
{
	struct medsec_session_info si;
	struct medsec_audit_detail d;
	char person[48], user[64];
	const char *details;
	int r;

	if (id == NULL || token == NULL || who == NULL || *who == '\0')
		return MEDSEC_ERR_INVALID;
	if (source == NULL || *source == '\0')
		source = "local";
	identity_json_safe(person, sizeof(person), who);
	/*
	 * Break-glass keeps a patient's therapy supervised: it is not
	 * refused for want of an audit record. Its records are held if the
	 * trail fails (trail flagged degraded), hence the (void)s below.
	 */
	if (!id->o.emergency_access) {
		(void)identity_audit(id, MEDSEC_EV_EMERGENCY_ACCESS, person,
		    source, "emergency-credential", MEDSEC_AUDIT_FAILURE,
		    "emergency access is not enabled", NULL);
		return MEDSEC_ERR_STATE;
	}
	if ((r = spend_emergency(id, code, person)) != MEDSEC_OK) {
		(void)identity_audit(id, MEDSEC_EV_EMERGENCY_ACCESS, person,
		    source, "emergency-credential", MEDSEC_AUDIT_FAILURE,
		    "wrong or already used emergency credential", NULL);
		return r == MEDSEC_ERR_AUTH ? MEDSEC_ERR_LOGIN_FAILED : r;
	}
	/* Everything the session does is recorded against the person. */
	snprintf(user, sizeof(user), EMERGENCY_ROLE "/%s", person);
	if ((r = medsec_session_begin(id->sessions, user, EMERGENCY_ROLE,
	    MEDSEC_SESSION_REPLACE, source, MEDSEC_SESSION_FLAG_EMERGENCY,
	    token, &si)) != MEDSEC_OK)
		return r;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "session", si.id);
	medsec_audit_detail_str(&d, "person", person);
	medsec_audit_detail_str(&d, "role", EMERGENCY_ROLE);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK) {
		/* Not reachable: three short fields. Were it reached, the
		 * records still go in, without details. */
		details = NULL;
	}
	(void)identity_audit(id, MEDSEC_EV_EMERGENCY_ACCESS, person, source,
	    "emergency-credential", MEDSEC_AUDIT_SUCCESS, "break-glass session "
	    "started; credential spent, an administrator must seal a new one",
	    details);
	(void)identity_audit(id, MEDSEC_EV_INCIDENT, person, source,
	    "emergency-access", MEDSEC_AUDIT_SUCCESS, "ALERT: emergency "
	    "access used: review this session", details);
	if (info != NULL)
		*info = si;
	return MEDSEC_OK;
}

int
medsec_identity_cert_revoke(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *cert_sha256,
    const char *subject, const char *reason)
{
	struct medsec_audit_detail d;
	struct medsec_db_stmt *st = NULL;
	char subj[64], why[128];
	int r;

	if (id == NULL || !identity_valid_cert(cert_sha256))
		return MEDSEC_ERR_INVALID;
	if ((r = identity_admin_check(id, actor, cert_sha256)) != MEDSEC_OK)
		return r;
	/* Fields of a space-separated list: no spaces or controls inside. */
	identity_json_safe(subj, sizeof(subj), subject != NULL && *subject ?
	    subject : "-");
	identity_json_safe(why, sizeof(why), reason != NULL && *reason ?
	    reason : "unspecified");
	for (char *p = subj; *p != '\0'; p++)
		if (*p == ' ')
			*p = '_';
	if ((r = medsec_db_prepare(id->db, "INSERT OR IGNORE INTO "
	    "revoked_certificate (cert_sha256, subject, revoked_us, reason) "
	    "VALUES (?1, ?2, ?3, ?4)", &st)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 1, cert_sha256)) != MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 2, subj)) != MEDSEC_OK ||
	    (r = medsec_db_bind_int64(st, 3, medsec_clock_wall_us())) !=
	    MEDSEC_OK ||
	    (r = medsec_db_bind_text(st, 4, why)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
	    MEDSEC_ERR_DB) != MEDSEC_OK)
		goto out;
	/*
	 * Revoking takes trust away: done even if its record cannot be
	 * made durable, and the caller told so.
	 */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "cert_sha256", cert_sha256);
	r = identity_committed_detail(id, MEDSEC_EV_CERT_REVOKED, actor->user,
	    actor->source, subj, why, &d);
out:
	medsec_db_finalize(st);
	return r;
}

int
medsec_identity_cert_check(struct medsec_identity *id,
    const char *cert_sha256)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if (id == NULL || !identity_valid_cert(cert_sha256))
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(id->db, "SELECT 1 FROM revoked_certificate "
	    "WHERE cert_sha256 = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, cert_sha256)) == MEDSEC_OK) {
		r = medsec_db_step(st);
		r = r == MEDSEC_DB_ROW ? MEDSEC_ERR_DISABLED :
		    r == MEDSEC_DB_DONE ? MEDSEC_OK : r;
	}
	medsec_db_finalize(st);
	return r;
}

int
medsec_identity_revocation_list(struct medsec_identity *id, char **textp)
{
	struct medsec_db_stmt *st = NULL;
	char line[320], when[MEDSEC_RFC3339_LEN], *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int r;

	if (textp == NULL)
		return MEDSEC_ERR_INVALID;
	*textp = NULL;
	if (id == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(id->db, "SELECT cert_sha256, revoked_us, "
	    "subject, reason FROM revoked_certificate ORDER BY revoked_us, "
	    "cert_sha256", &st)) != MEDSEC_OK)
		return r;
	snprintf(line, sizeof(line), "medsec-revocation-list 1\n");
	for (;;) {
		n = strlen(line);
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				r = MEDSEC_ERR_NOMEM;
				goto out;
			}
			buf = nb;
		}
		memcpy(buf + len, line, n + 1);
		len += n;
		if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW)
			break;
		if (medsec_time_format(medsec_db_column_int64(st, 1), when,
		    sizeof(when)) != MEDSEC_OK)
			snprintf(when, sizeof(when), "-");
		snprintf(line, sizeof(line), "%s %s %s %s\n",
		    medsec_db_column_text(st, 0), when,
		    medsec_db_column_text(st, 2), medsec_db_column_text(st, 3));
	}
	if (r != MEDSEC_DB_DONE)
		goto out;
	*textp = buf;
	buf = NULL;
	r = MEDSEC_OK;
out:
	free(buf);
	medsec_db_finalize(st);
	return r;
}
