/*
 * Identity: the account store and the helpers its operations share.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/password_policy.h"
#include "identity/identity_int.h"

/* OWASP Password Storage Cheat Sheet: Argon2id m=19 MiB, t=2, p=1. */
#define PWHASH_MIN_OPS 2
#define PWHASH_MIN_MEM (19u << 20)

static const char *const state_names[] = {
	"active", "disabled", "locked", "expired",
};

const char *
medsec_account_state_name(int state)
{
	if (state < 0 ||
	    (size_t)state >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[state];
}

int
medsec_identity_valid_name(const char *name)
{
	size_t i, n;

	if (name == NULL)
		return 0;
	n = strnlen(name, MEDSEC_USER_NAME_MAX);
	if (n == 0 || n >= MEDSEC_USER_NAME_MAX || name[0] < 'a' ||
	    name[0] > 'z')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
medsec_identity_options_from_config(const struct medsec_config *cfg,
    struct medsec_identity_options *o)
{
	if (cfg == NULL || o == NULL)
		return MEDSEC_ERR_INVALID;
	memset(o, 0, sizeof(*o));
	if ((o->profile = medsec_password_profile_find(
	    cfg->auth_password_profile)) == NULL)
		return MEDSEC_ERR_CONFIG;
	o->pwhash_ops = cfg->auth_pwhash_ops;
	o->pwhash_mem = cfg->auth_pwhash_mem;
	o->max_failures = cfg->auth_max_failures;
	o->lock_seconds = cfg->auth_lock_seconds;
	o->source_max_failures = cfg->auth_source_max_failures;
	o->source_window_seconds = cfg->auth_source_window_seconds;
	o->password_history = cfg->auth_password_history;
	o->password_max_age_days = cfg->auth_password_max_age_days;
	o->setup_code_hours = cfg->auth_setup_code_hours;
	o->emergency_access = cfg->auth_emergency_access;
	snprintf(o->device_id, sizeof(o->device_id), "%s", cfg->device_id);
	return MEDSEC_OK;
}

/*
 * The hash an unknown name is checked against. It is an Argon2id string
 * with this handle's parameters, a fixed salt and a fixed digest that no
 * password produces, so checking it costs exactly one Argon2id run, as a
 * real account's does, and nothing is computed to build it: a fresh
 * process answers an unknown name after the same work as a known one.
 * (Building it with Argon2id once per process, as before, made the first
 * unknown name of every CLI command cost two runs.)
 */
static int
identity_dummy_hash(struct medsec_identity *id)
{
	static const uint8_t salt[16] = "medsec-no-user!";
	static const uint8_t digest[32] = "no password hashes to this one";
	char salt64[MEDSEC_BASE64_LEN(sizeof(salt))];
	char digest64[MEDSEC_BASE64_LEN(sizeof(digest))];
	int r, n;

	if ((r = medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, salt,
	    sizeof(salt), salt64, sizeof(salt64))) != MEDSEC_OK ||
	    (r = medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, digest,
	    sizeof(digest), digest64, sizeof(digest64))) != MEDSEC_OK)
		return r;
	n = snprintf(id->dummy_hash, sizeof(id->dummy_hash),
	    "$argon2id$v=19$m=%u,t=%u,p=1$%s$%s", id->o.pwhash_mem / 1024,
	    id->o.pwhash_ops, salt64, digest64);
	return n > 0 && (size_t)n < sizeof(id->dummy_hash) ? MEDSEC_OK :
	    MEDSEC_ERR_INTERNAL;
}

int
medsec_identity_open(struct medsec_db *db, struct medsec_audit *audit,
    const struct medsec_roles *roles, struct medsec_sessions *sessions,
    const struct medsec_identity_options *opts, struct medsec_identity **idp)
{
	struct medsec_identity *id;
	int r;

	if (idp == NULL)
		return MEDSEC_ERR_INVALID;
	*idp = NULL;
	if (db == NULL || roles == NULL || sessions == NULL || opts == NULL ||
	    opts->profile == NULL || opts->max_failures == 0 ||
	    opts->source_max_failures == 0 || opts->setup_code_hours == 0)
		return MEDSEC_ERR_INVALID;
	if (opts->pwhash_ops < PWHASH_MIN_OPS ||
	    opts->pwhash_mem < PWHASH_MIN_MEM)
		return MEDSEC_ERR_WEAK_ALGORITHM;
	if ((id = calloc(1, sizeof(*id))) == NULL)
		return MEDSEC_ERR_NOMEM;
	id->db = db;
	id->audit = audit;
	id->roles = roles;
	id->sessions = sessions;
	id->o = *opts;
	if ((r = identity_dummy_hash(id)) != MEDSEC_OK) {
		medsec_identity_close(id);
		return r;
	}
	*idp = id;
	return MEDSEC_OK;
}

uint64_t
medsec_identity_pwhash_runs(const struct medsec_identity *id)
{
	return id != NULL ? id->pwhash_runs : 0;
}

void
medsec_identity_close(struct medsec_identity *id)
{
	if (id == NULL)
		return;
	medsec_wipe(id, sizeof(*id));
	free(id);
}

void
identity_json_safe(char *out, size_t outlen, const char *in)
{
	size_t i = 0;

	if (outlen == 0)
		return;
	for (; in != NULL && *in != '\0' && i + 1 < outlen; in++)
		out[i++] = (*in >= 0x20 && *in < 0x7f && *in != '"' &&
		    *in != '\\') ? *in : '?';
	out[i] = '\0';
}

int
identity_audit(struct medsec_identity *id, int event, const char *actor,
    const char *source, const char *object, int outcome, const char *reason,
    const char *details)
{
	struct medsec_audit_event_in ev;

	if (id->audit == NULL)
		return MEDSEC_OK;
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.actor = actor;
	ev.source = source != NULL ? source : "local";
	ev.object = object;
	ev.outcome = outcome;
	ev.reason = reason;
	ev.details = details;
	/*
	 * The change this records is already committed: when storage fails
	 * the event is held in memory and the trail flagged degraded, and
	 * the caller hears of it through the return value.
	 */
	return medsec_audit_append_critical(id->audit, &ev, NULL);
}

int
identity_committed(struct medsec_identity *id, int event, const char *actor,
    const char *source, const char *object, const char *reason,
    const char *details)
{
	return identity_audit(id, event, actor, source, object,
	    MEDSEC_AUDIT_SUCCESS, reason, details) == MEDSEC_OK ? MEDSEC_OK :
	    MEDSEC_ERR_AUDIT_DEGRADED;
}

int
identity_committed_detail(struct medsec_identity *id, int event,
    const char *actor, const char *source, const char *object,
    const char *reason, struct medsec_audit_detail *d)
{
	const char *details;
	int r, a;

	/* The change is committed: its record is owed whatever d holds. */
	r = medsec_audit_detail_end(d, &details);
	a = identity_committed(id, event, actor, source, object, reason,
	    details);
	return r != MEDSEC_OK ? r : a;
}

int
identity_ready(struct medsec_identity *id)
{
	return id->audit != NULL ? medsec_audit_ready(id->audit) : MEDSEC_OK;
}

void
identity_rollback(struct medsec_identity *id)
{
	/*
	 * Nothing of the transaction is visible if this fails too: SQLite
	 * discards an uncommitted WAL transaction when the connection next
	 * reads or closes. The caller reports the error that got us here.
	 */
	(void)medsec_db_rollback(id->db);
}

int
identity_pwhash_verify(struct medsec_identity *id, const char *hash,
    const char *pw, size_t pwlen)
{
	id->pwhash_runs++;
	return medsec_pwhash_str_verify(hash, pw, pwlen);
}

int
identity_interactive(struct medsec_identity *id, const char *roles)
{
	char buf[128], *p, *save = NULL;
	const struct medsec_role *role;
	int any = 0;

	snprintf(buf, sizeof(buf), "%s", roles);
	for (p = strtok_r(buf, ", ", &save); p != NULL;
	    p = strtok_r(NULL, ", ", &save)) {
		if ((role = medsec_roles_find(id->roles, p)) != NULL &&
		    !role->interactive)
			return 0;
		any = 1;
	}
	return any;
}

int
identity_state(const struct medsec_account *a, int64_t now)
{
	if (a->disabled)
		return MEDSEC_ACCOUNT_DISABLED;
	if (a->locked_until_us == -1 ||
	    (a->locked_until_us > 0 && now < a->locked_until_us))
		return MEDSEC_ACCOUNT_LOCKED;
	if (a->expires_us != 0 && now >= a->expires_us)
		return MEDSEC_ACCOUNT_EXPIRED;
	return MEDSEC_ACCOUNT_ACTIVE;
}

#define ACCOUNT_COLUMNS \
	"name, roles, pwhash, cert_sha256, created_us, password_changed_us, " \
	"expires_us, last_login_us, locked_until_us, failures, disabled, " \
	"must_change"

static void
read_account(struct medsec_db_stmt *st, struct identity_row *row,
    int64_t now)
{
	struct medsec_account *a = &row->acct;

	memset(row, 0, sizeof(*row));
	snprintf(a->name, sizeof(a->name), "%s", medsec_db_column_text(st, 0));
	snprintf(a->roles, sizeof(a->roles), "%s",
	    medsec_db_column_text(st, 1));
	row->has_password = !medsec_db_column_is_null(st, 2);
	snprintf(row->pwhash, sizeof(row->pwhash), "%s",
	    medsec_db_column_text(st, 2));
	snprintf(a->cert_sha256, sizeof(a->cert_sha256), "%s",
	    medsec_db_column_text(st, 3));
	a->created_us = medsec_db_column_int64(st, 4);
	a->password_changed_us = medsec_db_column_int64(st, 5);
	a->expires_us = medsec_db_column_int64(st, 6);
	a->last_login_us = medsec_db_column_int64(st, 7);
	a->locked_until_us = medsec_db_column_int64(st, 8);
	a->failures = (uint32_t)medsec_db_column_int64(st, 9);
	a->disabled = medsec_db_column_int64(st, 10) != 0;
	a->must_change = medsec_db_column_int64(st, 11) != 0;
	a->state = identity_state(a, now);
}

int
identity_row_get(struct medsec_identity *id, const char *name,
    struct identity_row *row)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if (!medsec_identity_valid_name(name))
		return MEDSEC_ERR_NOT_FOUND;
	if ((r = medsec_db_prepare(id->db, "SELECT " ACCOUNT_COLUMNS
	    " FROM account WHERE name = ?1", &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, name)) != MEDSEC_OK)
		goto out;
	if ((r = medsec_db_step(st)) != MEDSEC_DB_ROW) {
		r = r == MEDSEC_DB_DONE ? MEDSEC_ERR_NOT_FOUND : r;
		goto out;
	}
	read_account(st, row, medsec_clock_wall_us());
	r = MEDSEC_OK;
out:
	medsec_db_finalize(st);
	return r;
}

int
medsec_identity_user_get(struct medsec_identity *id, const char *name,
    struct medsec_account *acct)
{
	struct identity_row row;
	int r;

	if (id == NULL || acct == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = identity_row_get(id, name, &row)) == MEDSEC_OK)
		*acct = row.acct;
	medsec_wipe(&row, sizeof(row));
	return r;
}

int
medsec_identity_user_list(struct medsec_identity *id,
    int (*fn)(const struct medsec_account *, void *), void *ctx)
{
	struct medsec_db_stmt *st = NULL;
	struct identity_row row;
	int64_t now = medsec_clock_wall_us();
	int r;

	if (id == NULL || fn == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = medsec_db_prepare(id->db, "SELECT " ACCOUNT_COLUMNS
	    " FROM account ORDER BY name", &st)) != MEDSEC_OK)
		return r;
	while ((r = medsec_db_step(st)) == MEDSEC_DB_ROW) {
		read_account(st, &row, now);
		medsec_wipe(row.pwhash, sizeof(row.pwhash));
		if ((r = fn(&row.acct, ctx)) != 0)
			break;
	}
	medsec_db_finalize(st);
	return r == MEDSEC_DB_DONE ? MEDSEC_OK : r;
}

int
identity_admin_check(struct medsec_identity *id,
    const struct medsec_subject *actor, const char *object)
{
	return medsec_access_check(id->roles, id->audit, actor,
	    MEDSEC_PERM_USER_ADMIN, object);
}

int
identity_hash_password(struct medsec_identity *id, const char *pw,
    size_t pwlen, char out[MEDSEC_PWHASH_STR_LEN])
{
	id->pwhash_runs++;
	return medsec_pwhash_str(out, pw, pwlen, id->o.pwhash_ops,
	    id->o.pwhash_mem);
}

/* Runs a statement whose only parameter (?1) is an account name. */
int
identity_exec_name(struct medsec_identity *id, const char *sql,
    const char *name)
{
	struct medsec_db_stmt *st = NULL;
	int r;

	if ((r = medsec_db_prepare(id->db, sql, &st)) != MEDSEC_OK)
		return r;
	if ((r = medsec_db_bind_text(st, 1, name)) == MEDSEC_OK)
		r = medsec_db_step(st) == MEDSEC_DB_DONE ? MEDSEC_OK :
		    MEDSEC_ERR_DB;
	medsec_db_finalize(st);
	return r;
}
