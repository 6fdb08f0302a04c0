/*
 * The anti-rollback floor of integrity manifests (TESTING.md I2): the
 * creation time of the newest manifest whose tree verified on this device,
 * one floor per root directory, kept in the device database.
 *
 * Why the database and not a file beside the manifest or a keystore entry:
 * whoever can put an older manifest file back can put back a file that
 * holds the floor too, whereas the database lives in the service user's
 * private state directory; and only the database can check and raise the
 * floor in one step (BEGIN IMMEDIATE ... COMMIT), so two verifications
 * running at once can never lower it. Restoring the whole state directory
 * is the rollback the audit trail and the database are cross-checked for.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrity/integrity_int.h"
#include "medsec/clock.h"
#include "medsec/db.h"
#include "medsec/err.h"

#define FLOOR_KEY_PREFIX "integrity.manifest_floor:"
#define FLOOR_VALUE_MAX 24 /* decimal int64 and NUL */

/* The meta key of root's floor: the prefix and the escaped real path. */
static int
floor_key(const char *root, char **keyp, char *rootesc, size_t rootesclen)
{
	char real[PATH_MAX];
	size_t n;
	int r;

	*keyp = NULL;
	if (realpath(root, real) == NULL)
		return MEDSEC_ERR_NOT_FOUND;
	if ((r = medsec_integrity_escape(real, rootesc, rootesclen)) !=
	    MEDSEC_OK)
		return r;
	n = sizeof(FLOOR_KEY_PREFIX) + strlen(rootesc);
	if ((*keyp = malloc(n)) == NULL)
		return MEDSEC_ERR_NOMEM;
	snprintf(*keyp, n, "%s%s", FLOOR_KEY_PREFIX, rootesc);
	return MEDSEC_OK;
}

/* The stored floor, 0 when none was ever recorded. */
static int
read_floor(struct medsec_db *db, const char *key, int64_t *usp)
{
	char buf[FLOOR_VALUE_MAX];
	uint64_t v = 0;
	size_t i;
	int r;

	*usp = 0;
	r = medsec_db_meta_get(db, key, buf, sizeof(buf));
	if (r == MEDSEC_ERR_NOT_FOUND)
		return MEDSEC_OK;
	if (r == MEDSEC_ERR_TOO_LARGE)
		return MEDSEC_ERR_CORRUPT;
	if (r != MEDSEC_OK)
		return r;
	/* Written by us as canonical decimal; anything else is damage. */
	if (buf[0] == '\0' || (buf[0] == '0' && buf[1] != '\0'))
		return MEDSEC_ERR_CORRUPT;
	for (i = 0; buf[i] != '\0'; i++) {
		if (buf[i] < '0' || buf[i] > '9' ||
		    v > ((uint64_t)INT64_MAX - (uint64_t)(buf[i] - '0')) / 10)
			return MEDSEC_ERR_CORRUPT;
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	*usp = (int64_t)v;
	return MEDSEC_OK;
}

static void
when(int64_t us, char *out, size_t outlen)
{
	if (medsec_time_format_digits(us, 0, out, outlen) != MEDSEC_OK)
		snprintf(out, outlen, "%" PRId64 " us", us);
}

int
integrity_record(struct medsec_audit *audit, const char *actor, const char *object,
    int event, int outcome, const char *reason, struct medsec_audit_detail *d)
{
	struct medsec_audit_event_in ev;
	char obj[MEDSEC_AUDIT_FIELD_MAX + 1];
	const char *text;
	int r;

	if ((r = medsec_audit_detail_end(d, &text)) != MEDSEC_OK)
		return r;
	/*
	 * A root path can outgrow a record's object field: its start and an
	 * ellipsis go there, and the details keep more of it. Objects here
	 * are escaped, printable ASCII, so the cut falls between characters.
	 */
	if (object != NULL && strlen(object) > MEDSEC_AUDIT_FIELD_MAX) {
		snprintf(obj, sizeof(obj), "%.*s\xe2\x80\xa6",
		    MEDSEC_AUDIT_FIELD_MAX - 3, object);
		object = obj;
	}
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.actor = actor != NULL ? actor : "medsec-integrity";
	ev.source = "local";
	ev.object = object;
	ev.outcome = outcome;
	ev.reason = reason;
	ev.details = text;
	return medsec_audit_append(audit, &ev, NULL);
}

/* Records the refusal of m, older than floor_us, and says why in err. */
static int
refuse(struct medsec_audit *audit, const char *actor, const char *rootesc,
    const struct medsec_integrity_manifest *m, int64_t floor_us, char *err,
    size_t errlen)
{
	char created[MEDSEC_RFC3339_LEN], newest[MEDSEC_RFC3339_LEN];
	struct medsec_audit_detail d;
	int r;

	when(m->hdr.created_us, created, sizeof(created));
	when(floor_us, newest, sizeof(newest));
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "path", ".");
	medsec_audit_detail_str(&d, "finding", "manifest-rollback");
	medsec_audit_detail_str(&d, "action", "refuse");
	medsec_audit_detail_str_trunc(&d, "root", rootesc,
	    INTEGRITY_DETAIL_ROOT_MAX);
	medsec_audit_detail_i64(&d, "manifest_created_us", m->hdr.created_us);
	medsec_audit_detail_i64(&d, "floor_us", floor_us);
	r = integrity_record(audit, actor, rootesc, MEDSEC_EV_INTEGRITY_FAILURE,
	    MEDSEC_AUDIT_FAILURE, "manifest-rollback", &d);
	medsec_errf(err, errlen, MEDSEC_ERR_TAMPERED, "the manifest was "
	    "created %s, before the newest manifest verified on this device "
	    "for %s (created %s): an older signed manifest cannot be put "
	    "back%s", created, rootesc, newest, r == MEDSEC_OK ? "" :
	    "; the refusal could not be recorded in the audit trail");
	return r != MEDSEC_OK ? r : MEDSEC_ERR_TAMPERED;
}

static int
check_args(struct medsec_db *db, struct medsec_audit *audit,
    const char *root, const struct medsec_integrity_manifest *m)
{
	if (db == NULL || audit == NULL || root == NULL || m == NULL)
		return MEDSEC_ERR_INVALID;
	/* A scan has no signed creation time to compare. */
	return m->authenticated ? MEDSEC_OK : MEDSEC_ERR_STATE;
}

int
medsec_integrity_floor_get(struct medsec_db *db, const char *root,
    int64_t *floor_usp)
{
	char rootesc[3 * PATH_MAX + 1], *key = NULL;
	int r;

	if (floor_usp != NULL)
		*floor_usp = 0;
	if (db == NULL || root == NULL || floor_usp == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = floor_key(root, &key, rootesc, sizeof(rootesc))) ==
	    MEDSEC_OK)
		r = read_floor(db, key, floor_usp);
	free(key);
	return r;
}

int
medsec_integrity_floor_check(struct medsec_db *db,
    struct medsec_audit *audit, const char *actor, const char *root,
    const struct medsec_integrity_manifest *m,
    struct medsec_integrity_floor *out, char *err, size_t errlen)
{
	char rootesc[3 * PATH_MAX + 1], *key = NULL;
	int64_t floor_us = 0;
	int r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((r = check_args(db, audit, root, m)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "invalid arguments");
	if ((r = floor_key(root, &key, rootesc, sizeof(rootesc))) !=
	    MEDSEC_OK) {
		medsec_errf(err, errlen, r, "cannot resolve the root directory");
		goto out;
	}
	if ((r = read_floor(db, key, &floor_us)) != MEDSEC_OK) {
		medsec_errf(err, errlen, r, "cannot read the manifest floor "
		    "from the database: %s", medsec_strerror(r));
		goto out;
	}
	if (out != NULL)
		out->previous_us = out->floor_us = floor_us;
	if (m->hdr.created_us < floor_us)
		r = refuse(audit, actor, rootesc, m, floor_us, err, errlen);
out:
	free(key);
	return r;
}

/* The transaction: re-read the floor, refuse or raise it, commit. */
static int
raise_in_transaction(struct medsec_db *db, const char *key,
    const struct medsec_integrity_manifest *m, int64_t *previousp,
    int *raisedp)
{
	char value[FLOOR_VALUE_MAX];
	int r;

	*raisedp = 0;
	if ((r = medsec_db_begin(db)) != MEDSEC_OK)
		return r;
	if ((r = read_floor(db, key, previousp)) != MEDSEC_OK)
		goto rollback;
	if (m->hdr.created_us < *previousp) {
		r = MEDSEC_ERR_TAMPERED;
		goto rollback;
	}
	if (m->hdr.created_us > *previousp) {
		snprintf(value, sizeof(value), "%" PRId64, m->hdr.created_us);
		if ((r = medsec_db_meta_set(db, key, value)) != MEDSEC_OK)
			goto rollback;
		*raisedp = 1;
	}
	if ((r = medsec_db_commit(db)) != MEDSEC_OK) {
		*raisedp = 0;
		goto rollback;
	}
	return MEDSEC_OK;
rollback:
	/*
	 * Whatever ROLLBACK returns, nothing was committed: SQLite undoes an
	 * open transaction when the connection closes, and the error that
	 * got us here is the one the caller must see.
	 */
	if (medsec_db_rollback(db) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_DB;
	return r;
}

int
medsec_integrity_floor_raise(struct medsec_db *db,
    struct medsec_audit *audit, const char *actor, const char *root,
    const struct medsec_integrity_manifest *m,
    struct medsec_integrity_floor *out, char *err, size_t errlen)
{
	char rootesc[3 * PATH_MAX + 1], *key = NULL;
	char from[MEDSEC_RFC3339_LEN], to[MEDSEC_RFC3339_LEN];
	struct medsec_audit_detail d;
	int64_t previous = 0;
	int raised = 0, r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((r = check_args(db, audit, root, m)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "invalid arguments");
	/* Refuse before changing anything if the record cannot follow. */
	if ((r = medsec_audit_ready(audit)) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "the audit trail cannot "
		    "take a record; the manifest floor was not raised");
	if ((r = floor_key(root, &key, rootesc, sizeof(rootesc))) !=
	    MEDSEC_OK) {
		medsec_errf(err, errlen, r, "cannot resolve the root directory");
		goto out;
	}
	r = raise_in_transaction(db, key, m, &previous, &raised);
	if (r == MEDSEC_ERR_TAMPERED) {
		r = refuse(audit, actor, rootesc, m, previous, err, errlen);
		goto out;
	}
	if (r != MEDSEC_OK) {
		medsec_errf(err, errlen, r, "the manifest floor could not be "
		    "raised (nothing changed): %s", medsec_strerror(r));
		goto out;
	}
	if (out != NULL) {
		out->previous_us = previous;
		out->floor_us = raised ? m->hdr.created_us : previous;
		out->raised = raised;
	}
	if (!raised)
		goto out;
	/* Committed: now say so, with what was committed. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str_trunc(&d, "root", rootesc,
	    INTEGRITY_DETAIL_ROOT_MAX);
	medsec_audit_detail_i64(&d, "previous_floor_us", previous);
	medsec_audit_detail_i64(&d, "floor_us", m->hdr.created_us);
	medsec_audit_detail_str(&d, "signer", m->hdr.signer);
	r = integrity_record(audit, actor, rootesc, MEDSEC_EV_INTEGRITY_OK,
	    MEDSEC_AUDIT_SUCCESS, "manifest floor raised", &d);
	if (r != MEDSEC_OK) {
		when(previous, from, sizeof(from));
		when(m->hdr.created_us, to, sizeof(to));
		medsec_errf(err, errlen, r, "the manifest floor was raised "
		    "from %s to %s, but the audit record of it could not be "
		    "written: %s", previous != 0 ? from : "none", to,
		    medsec_strerror(r));
	}
out:
	free(key);
	return r;
}
