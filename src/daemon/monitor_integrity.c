/*
 * GET /v1/integrity: the integrity of the device's executables and
 * settings against the manufacturer's signed manifest (MFDS 2.2), through
 * the device library's integrity module.
 *
 * The manifest and the key that signs it are installed in the state
 * directory (STATE/integrity/manifest, STATE/integrity/trusted.pub); the
 * tree checked is the root the signed header names. A device without
 * them answers "unchecked". A check runs when the status is asked for
 * and the last one is older than INTEGRITY_RECHECK_US, so a flood of
 * requests does not turn into a flood of tree walks; every check is
 * recorded (INTEGRITY_OK or INTEGRITY_FAILURE), the manifest floor is
 * checked before the walk and raised after a tree that matched, as
 * `medsec manifest verify --state` does (docs/integrity.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include <jansson.h>

#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/incident.h"
#include "medsec/integrity.h"
#include "medsec/signkey.h"
#include "monitor.h"

#define INTEGRITY_RECHECK_US (60LL * 1000000)
#define INTEGRITY_SHOWN_MAX 100 /* mismatches listed in an answer */
#define INTEGRITY_ACTOR "medsecd"

/* The last check: its time and its answer, as JSON text. */
static int64_t last_check_us;
static char *last_json;

static void
audit_outcome(struct monitor *m, const char *root, int ok, size_t entries,
    size_t findings, const char *error)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "entries", entries);
	medsec_audit_detail_u64(&d, "findings", findings);
	if (error != NULL)
		medsec_audit_detail_str_trunc(&d, "error", error, 200);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, ok ? MEDSEC_EV_INTEGRITY_OK :
	    MEDSEC_EV_INTEGRITY_FAILURE, INTEGRITY_ACTOR, "local", root,
	    ok ? MEDSEC_AUDIT_SUCCESS : MEDSEC_AUDIT_FAILURE, ok ?
	    "tree matches the manifest" : error != NULL ? "check failed" :
	    "tree does not match the manifest", details);
}

/*
 * The device does not repair its own tree: what it does at once is
 * record the failure and report it, so the operator can restore the
 * files from the signed release before relying on the device again.
 */
#define INTEGRITY_CONTAINMENT "The device recorded the failure in its " \
	"audit trail (INTEGRITY_FAILURE) and reports it at GET " \
	"/v1/integrity; no file was changed by the device. Restore the " \
	"files from the manufacturer's signed release before relying on it."

/* After the INTEGRITY_FAILURE record: the tree differs. */
static void
open_incident_mismatch(struct monitor *m, const char *root,
    const struct medsec_integrity_report *rep)
{
	char detail[1024], path[3 * 200 + 1];

	if (medsec_integrity_escape(rep->findings[0].path, path,
	    sizeof(path)) != MEDSEC_OK)
		snprintf(path, sizeof(path), "(name too long)");
	snprintf(detail, sizeof(detail), "%zu of %zu entries under %.200s "
	    "differ from the signed manifest (first: %s, %s)", rep->count,
	    rep->entries, root, path, medsec_integrity_finding_name(
	    rep->findings[0].kind));
	monitor_incident(m, MEDSEC_INCIDENT_ON_INTEGRITY, detail,
	    INTEGRITY_CONTAINMENT);
}

/* After the INTEGRITY_FAILURE record: the check itself was refused. */
static void
open_incident_refused(struct monitor *m, const char *where,
    const char *error)
{
	char detail[1024];

	snprintf(detail, sizeof(detail), "the integrity check of %.200s was "
	    "refused: %.600s", where, error);
	monitor_incident(m, MEDSEC_INCIDENT_ON_INTEGRITY, detail,
	    INTEGRITY_CONTAINMENT);
}

static json_t *
mismatches_json(const struct medsec_integrity_report *rep)
{
	json_t *list = json_array();
	char path[3 * 200 + 1];
	size_t i;

	for (i = 0; list != NULL && i < rep->count &&
	    i < INTEGRITY_SHOWN_MAX; i++) {
		/* Escaped: a file name cannot forge the answer. */
		if (medsec_integrity_escape(rep->findings[i].path, path,
		    sizeof(path)) != MEDSEC_OK)
			snprintf(path, sizeof(path), "(name too long)");
		json_array_append_new(list, json_pack("{s:s, s:s}", "path",
		    path, "problem", medsec_integrity_finding_name(
		    rep->findings[i].kind)));
	}
	return list;
}

/* The root the signed header names: an absolute path, as installed. */
static int
root_of(const struct medsec_integrity_manifest *mf, char *root, size_t len)
{
	const char *label = medsec_integrity_header(mf)->root_label;

	if (label[0] != '/' || strchr(label, '%') != NULL ||
	    strlen(label) >= len)
		return -1;
	snprintf(root, len, "%s", label);
	return 0;
}

static json_t *
status_json(const char *status, int64_t when_us, const char *root)
{
	char when[MEDSEC_RFC3339_LEN];
	json_t *o = json_pack("{s:s}", "status", status);

	if (o != NULL && when_us > 0 && medsec_time_format_digits(when_us, 0,
	    when, sizeof(when)) == MEDSEC_OK)
		json_object_set_new(o, "checked_at", json_string(when));
	if (o != NULL && root != NULL)
		json_object_set_new(o, "root", json_string(root));
	return o;
}

/* Loads, checks the floor, walks; the answer's object. */
static json_t *
run_check(struct monitor *m, const char *manifest, const char *keyfile)
{
	struct medsec_integrity_manifest *mf = NULL;
	struct medsec_integrity_report *rep = NULL;
	struct medsec_integrity_floor fl;
	struct medsec_pubkey key;
	char err[512] = "", root[512] = "";
	int64_t now = medsec_clock_wall_us();
	json_t *o = NULL;
	int r;

	if ((r = medsec_pubkey_load(keyfile, &key)) != MEDSEC_OK) {
		snprintf(err, sizeof(err), "%s: %s", keyfile,
		    medsec_strerror(r));
		goto refused;
	}
	if ((r = medsec_integrity_load(manifest, &key, 1, &mf, err,
	    sizeof(err))) != MEDSEC_OK)
		goto refused;
	if (root_of(mf, root, sizeof(root)) != 0) {
		snprintf(err, sizeof(err), "the manifest's root '%.200s' is "
		    "not an absolute path", medsec_integrity_header(mf)->
		    root_label);
		goto refused;
	}
	if ((r = medsec_integrity_floor_check(medsec_device_db(m->dev),
	    medsec_device_audit(m->dev), INTEGRITY_ACTOR, root, mf, &fl, err,
	    sizeof(err))) != MEDSEC_OK)
		goto refused;
	r = medsec_integrity_verify(mf, root, NULL, &rep, err, sizeof(err));
	if (rep == NULL)
		goto refused;
	audit_outcome(m, root, rep->count == 0, rep->entries, rep->count,
	    NULL);
	if (rep->count > 0)
		open_incident_mismatch(m, root, rep);
	o = status_json(rep->count == 0 ? "ok" : "mismatch", now, root);
	if (o != NULL) {
		json_object_set_new(o, "entries", json_integer(
		    (json_int_t)rep->entries));
		json_object_set_new(o, "findings", json_integer(
		    (json_int_t)rep->count));
		json_object_set_new(o, "mismatches", mismatches_json(rep));
	}
	if (r == MEDSEC_OK && medsec_integrity_floor_raise(
	    medsec_device_db(m->dev), medsec_device_audit(m->dev),
	    INTEGRITY_ACTOR, root, mf, &fl, err, sizeof(err)) != MEDSEC_OK)
		medsecd_log(LOG_ERR, "integrity: manifest floor: %s", err);
	goto out;
refused:
	medsecd_log(LOG_ERR, "integrity: %s", err);
	audit_outcome(m, root[0] != '\0' ? root : manifest, 0, 0, 0, err);
	open_incident_refused(m, root[0] != '\0' ? root : manifest, err);
	if ((o = status_json("refused", now, root[0] != '\0' ? root : NULL)) !=
	    NULL)
		json_object_set_new(o, "error", json_string(err));
out:
	medsec_integrity_report_free(rep);
	medsec_integrity_free(mf);
	return o;
}

/* STATE/integrity/name into out; 1 if the file is there. */
static int
installed(struct monitor *m, const char *name, char *out, size_t len)
{
	struct stat st;

	snprintf(out, len, "%s/integrity/%s", medsec_device_state_dir(m->dev),
	    name);
	return lstat(out, &st) == 0;
}

/* The status: the last check's, or a new check when that is stale. */
static void
refresh(struct monitor *m)
{
	char manifest[MEDSEC_CONFIG_PATH_MAX + 32];
	char key[MEDSEC_CONFIG_PATH_MAX + 32];
	int64_t now = medsec_clock_mono_us();
	json_t *o;
	char *text;

	if (last_json != NULL && now - last_check_us < INTEGRITY_RECHECK_US)
		return;
	if (!installed(m, "manifest", manifest, sizeof(manifest)) ||
	    !installed(m, "trusted.pub", key, sizeof(key)))
		o = status_json("unchecked", 0, NULL);
	else
		o = run_check(m, manifest, key);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL)
		return;
	free(last_json);
	last_json = text;
	last_check_us = now;
}

void
monitor_h_integrity(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_token_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	int r;

	memcpy(&req, payload, sizeof(req));
	memset(&info, 0, sizeof(info));
	if ((r = medsec_identity_session_subject(medsec_device_identity(
	    m->dev), req.token, &info, &who)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	refresh(m);
	if (last_json == NULL)
		monitor_reply_error(m, id, MEDSEC_ERR_NOMEM, 0);
	else
		monitor_reply(m, id, MEDSEC_OK, 200, NULL, NULL, last_json,
		    strlen(last_json));
out:
	medsec_wipe(&req, sizeof(req));
}
