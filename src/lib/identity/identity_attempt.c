/*
 * A login attempt in three steps, so that a daemon can run the Argon2id
 * check on a worker thread while its event loop keeps the database:
 * begin reads (identity_login.c has the rules that finish applies),
 * verify computes, finish decides. What verify needs is copied into the
 * attempt, so it shares nothing with the handle or other attempts.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/password_policy.h"
#include "medsec/session.h"
#include "identity/identity_int.h"

const char *
identity_safe_source(const char *source)
{
	return source != NULL && *source != '\0' &&
	    strnlen(source, IDENTITY_SOURCE_MAX) < IDENTITY_SOURCE_MAX ?
	    source : "local";
}

static int
attempt_new(struct medsec_identity *id, int kind, const char *source,
    struct medsec_login_attempt **ap)
{
	struct medsec_login_attempt *a;
	const char *from = identity_safe_source(source);

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return MEDSEC_ERR_NOMEM;
	a->kind = kind;
	a->id = id;
	memcpy(a->source, from, strlen(from) + 1);
	*ap = a;
	return MEDSEC_OK;
}

/*
 * The hash the password is checked against: the account's own when it
 * has one, else the handle's fixed dummy with the same parameters, so
 * that verify does the same work either way.
 */
static void
attempt_target(struct medsec_login_attempt *a, const struct medsec_identity *id,
    const struct identity_row *row, int found)
{
	if (found) {
		memcpy(a->name, row->acct.name, sizeof(a->name));
		a->name[sizeof(a->name) - 1] = '\0';
	}
	a->real = found && row->has_password;
	memcpy(a->hash, a->real ? row->pwhash : id->dummy_hash,
	    sizeof(a->hash));
	a->hash[sizeof(a->hash) - 1] = '\0';
}

int
medsec_identity_login_begin(struct medsec_identity *id, const char *name,
    const char *source, struct medsec_login_attempt **ap)
{
	struct medsec_login_attempt *a = NULL;
	struct identity_row row;
	int found, r;

	memset(&row, 0, sizeof(row));
	if (ap == NULL)
		return MEDSEC_ERR_INVALID;
	*ap = NULL;
	if (id == NULL)
		return MEDSEC_ERR_INVALID;
	/* A login changes counters and sessions: refused without a trail. */
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	r = identity_row_get(id, name, &row);
	if (r != MEDSEC_OK && r != MEDSEC_ERR_NOT_FOUND)
		goto out;
	found = r == MEDSEC_OK;
	if ((r = attempt_new(id, IDENTITY_ATTEMPT_LOGIN, source, &a)) !=
	    MEDSEC_OK)
		goto out;
	identity_json_safe(a->shown, sizeof(a->shown), name);
	attempt_target(a, id, &row, found);
	*ap = a;
	r = MEDSEC_OK;
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_reauth_begin(struct medsec_identity *id, const char *token,
    const char *source, struct medsec_login_attempt **ap)
{
	struct medsec_login_attempt *a = NULL;
	struct medsec_session_info old;
	struct identity_row row;
	int r;

	memset(&row, 0, sizeof(row));
	if (ap == NULL)
		return MEDSEC_ERR_INVALID;
	*ap = NULL;
	if (id == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = identity_ready(id)) != MEDSEC_OK)
		return r;
	if ((r = medsec_session_check(id->sessions, token, &old)) !=
	    MEDSEC_OK)
		return r;
	if (old.emergency || old.must_change)
		return MEDSEC_ERR_DENIED;
	if ((r = identity_row_get(id, old.user, &row)) != MEDSEC_OK) {
		r = r == MEDSEC_ERR_NOT_FOUND ? MEDSEC_ERR_DISABLED : r;
		goto out;
	}
	if ((r = attempt_new(id, IDENTITY_ATTEMPT_REAUTH, source, &a)) !=
	    MEDSEC_OK)
		goto out;
	identity_json_safe(a->shown, sizeof(a->shown), row.acct.name);
	attempt_target(a, id, &row, 1);
	/* Checked by medsec_session_check(): a token's exact length. */
	memcpy(a->token, token, sizeof(a->token));
	a->token[sizeof(a->token) - 1] = '\0';
	a->session = old;
	*ap = a;
	r = MEDSEC_OK;
out:
	medsec_wipe(&row, sizeof(row));
	return r;
}

/*
 * Pure computation: reads the attempt and the password, writes the
 * attempt. No database, trail, clock, handle or global state of ours
 * (the crypto library is initialised once, thread-safely).
 */
int
medsec_login_attempt_verify(struct medsec_login_attempt *a,
    const char *password, size_t pwlen)
{
	if (a == NULL || password == NULL)
		return MEDSEC_ERR_INVALID;
	/* One password per attempt: each guess is counted at finish. */
	if (a->verified)
		return MEDSEC_ERR_STATE;
	a->verified = 1;
	/* Refused before any work: the length tells nothing of the name. */
	if (pwlen > MEDSEC_PASSWORD_MAX)
		return MEDSEC_OK;
	a->pwhash_runs = 1;
	a->match = medsec_pwhash_str_verify(a->hash, password, pwlen) ==
	    MEDSEC_OK;
	return MEDSEC_OK;
}

void
medsec_login_attempt_free(struct medsec_login_attempt *a)
{
	if (a == NULL)
		return;
	medsec_wipe(a, sizeof(*a));
	free(a);
}
