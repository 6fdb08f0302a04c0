/*
 * POST /v1/updates, GET /v1/updates, POST /v1/updates/approve: the
 * device's signed updates (MFDS 1.12, 1.13, 1.14) through the updater of
 * the device library, which verifies, records and audits every step.
 *
 * The package arrives as a memfd the worker filled and sealed. The
 * monitor trusts nothing about it but the seals, which the kernel
 * enforces: it checks that writing, growing and shrinking are sealed and
 * that the size is the one announced and within max_update_bytes, copies
 * it into a private file of the state directory and hands that to the
 * updater, which verifies signatures, trust, expiry, hardware and payload.
 *
 * Approval needs the update-approve permission, a re-authentication
 * within [session] reauth_seconds (POST /v1/session/reauth) and the
 * digest of the waiting manifest, so what is approved is exactly what was
 * verified.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "io/io.h"
#include "medsec/access.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "medsec/update.h"
#include "medsec/updater.h"
#include "monitor.h"

#define SEALS_NEEDED (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)
#define COPY_CHUNK (1u << 20)
#define SIGNERS_MAX 16

/*
 * Who signed the packages staged while this monitor runs (the record of
 * the updater keeps digest and version; the distributor is in the
 * package's manifest). Shown by GET /v1/updates; lost on restart.
 */
static struct {
	char digest[65];
	char distributor[64];
	char key_id[MEDSEC_KEY_ID_LEN];
} signers[SIGNERS_MAX];
static size_t signers_next;

/* Says why in why and returns code (the library's medsec_errf). */
static int
refuse(char *why, size_t whylen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
refuse(char *why, size_t whylen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return code;
}

static void
remember_signer(const char *digest, const struct medsec_update_manifest *mf)
{
	size_t i = signers_next++ % SIGNERS_MAX;

	snprintf(signers[i].digest, sizeof(signers[i].digest), "%s", digest);
	snprintf(signers[i].distributor, sizeof(signers[i].distributor), "%s",
	    mf->distributor);
	snprintf(signers[i].key_id, sizeof(signers[i].key_id), "%s",
	    mf->distributor_key);
}

static size_t
signer_of(const char *digest)
{
	size_t i;

	for (i = 0; i < SIGNERS_MAX; i++)
		if (signers[i].digest[0] != '\0' &&
		    strcmp(signers[i].digest, digest) == 0)
			return i;
	return SIGNERS_MAX;
}

/* The API's name of an updater state (docs/api.md). */
static const char *
state_name(int state)
{
	switch (state) {
	case MEDSEC_UPD_AWAITING_APPROVAL:
		return "pending_approval";
	case MEDSEC_UPD_APPROVED:
		return "approved";
	case MEDSEC_UPD_INSTALLING:
		return "installing";
	case MEDSEC_UPD_INSTALLED:
		return "installed";
	case MEDSEC_UPD_COMMITTED:
		return "committed";
	case MEDSEC_UPD_REJECTED:
		return "rejected";
	case MEDSEC_UPD_ROLLED_BACK:
		return "rolled_back";
	case MEDSEC_UPD_SUPERSEDED:
		return "superseded";
	default:
		return "unknown";
	}
}

static json_t *
update_json(const struct medsec_update_record *rec)
{
	char when[MEDSEC_RFC3339_LEN];
	size_t s = signer_of(rec->digest);
	json_t *o;

	o = json_pack("{s:I, s:s, s:s, s:I, s:b}", "id", (json_int_t)rec->id,
	    "version", rec->version, "state", state_name(rec->state),
	    "security_counter", (json_int_t)rec->security_counter,
	    "downgrade", rec->downgrade);
	if (o == NULL)
		return NULL;
	/* A package refused before its manifest was read has none. */
	if (rec->digest[0] != '\0')
		json_object_set_new(o, "digest", json_string(rec->digest));
	if (rec->product[0] != '\0')
		json_object_set_new(o, "product", json_string(rec->product));
	if (medsec_time_format_digits(rec->received_us, 0, when,
	    sizeof(when)) == MEDSEC_OK)
		json_object_set_new(o, "submitted_at", json_string(when));
	if (rec->approved_by[0] != '\0')
		json_object_set_new(o, "approved_by",
		    json_string(rec->approved_by));
	if (rec->approved_by2[0] != '\0')
		json_object_set_new(o, "approved_by2",
		    json_string(rec->approved_by2));
	if (rec->reason[0] != '\0')
		json_object_set_new(o, "reason", json_string(rec->reason));
	if (s < SIGNERS_MAX) {
		json_object_set_new(o, "signer",
		    json_string(signers[s].distributor));
		json_object_set_new(o, "signer_key",
		    json_string(signers[s].key_id));
	}
	return o;
}

static void
reply_obj(struct monitor *m, uint32_t id, unsigned http, json_t *o)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (text == NULL) {
		monitor_reply(m, id, MEDSEC_ERR_NOMEM, 500, "internal_error",
		    "out of memory", NULL, 0);
		return;
	}
	monitor_reply(m, id, MEDSEC_OK, http, NULL, NULL, text, strlen(text));
	free(text);
}

/* The session behind token; answers 401/403 itself on failure. */
static int
session_subject(struct monitor *m, uint32_t id, const char *token,
    const char *source, struct medsec_session_info *info,
    struct medsec_subject *who)
{
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = medsec_identity_session_subject(medsec_device_identity(
	    m->dev), token, info, who)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		return r;
	}
	who->source = source;
	return MEDSEC_OK;
}

/*
 * A refused approval, in the update vocabulary: UPDATE_APPROVED with
 * outcome failure, the reason and the digest asked for.
 */
static void
audit_refused_approval(struct monitor *m, const struct medsec_subject *who,
    const char *digest, const char *reason)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "digest", digest);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_UPDATE_APPROVED, who->user, who->source,
	    "update", MEDSEC_AUDIT_FAILURE, reason, details);
}

/* ---- upload ---- */

/*
 * The worker's memfd is what it announced: sealed against writing,
 * growing and shrinking, a regular file of size bytes within the limit.
 */
static int
check_offer(struct monitor *m, int fd, uint64_t size, char *why,
    size_t whylen)
{
	struct stat st;
	int seals;

	if (fd < 0)
		return refuse(why, whylen, MEDSEC_ERR_INVALID,
		    "no package descriptor");
	if ((seals = fcntl(fd, F_GET_SEALS)) < 0 ||
	    (seals & SEALS_NEEDED) != SEALS_NEEDED)
		return refuse(why, whylen, MEDSEC_ERR_STATE, "the package "
		    "did not arrive sealed (seals %#x)", seals < 0 ? 0 :
		    (unsigned)seals);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size)
		return refuse(why, whylen, MEDSEC_ERR_STATE, "the package "
		    "is not the %" PRIu64 " bytes announced", size);
	if (size == 0 || size > m->cfg.limits_max_update_bytes)
		return refuse(why, whylen, MEDSEC_ERR_TOO_LARGE, "the "
		    "package is %" PRIu64 " bytes; max_update_bytes is %u",
		    size, m->cfg.limits_max_update_bytes);
	return MEDSEC_OK;
}

/*
 * Copies the sealed package into a new private file of the state
 * directory: the updater takes a path, opened without following links.
 */
static int
copy_offer(int fd, uint64_t size, const char *path, char *why,
    size_t whylen)
{
	uint8_t *buf;
	uint64_t off = 0;
	ssize_t n;
	int out, r = MEDSEC_OK;

	if ((buf = malloc(COPY_CHUNK)) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((out = medsec_io_open(path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		free(buf);
		return refuse(why, whylen, out, "cannot store the "
		    "package: %s", medsec_strerror(out));
	}
	while (off < size && r == MEDSEC_OK) {
		n = pread(fd, buf, size - off < COPY_CHUNK ?
		    (size_t)(size - off) : COPY_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = refuse(why, whylen, MEDSEC_ERR_IO, "cannot read "
			    "the uploaded package");
		else if ((r = medsec_io_pwrite_all(out, buf, (size_t)n,
		    (off_t)off)) == MEDSEC_OK)
			off += (uint64_t)n;
	}
	free(buf);
	if (medsec_io_close(out) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_IO;
	return r;
}

/* A package the updater refused: 422, with its reason. */
static void
reply_rejected(struct monitor *m, uint32_t id, int r, const char *why)
{
	char msg[256];

	switch (r) {
	case MEDSEC_ERR_AUDIT_UNAVAILABLE:
	case MEDSEC_ERR_NOMEM:
	case MEDSEC_ERR_IO:
	case MEDSEC_ERR_DB:
		monitor_reply_error(m, id, r, 0);
		return;
	default:
		if (snprintf(msg, sizeof(msg), "the package was refused: %s",
		    why[0] != '\0' ? why : medsec_strerror(r)) < 0)
			msg[0] = '\0';
		/* A reason longer than a reply holds is cut, still refused. */
		monitor_reply(m, id, r, 422, "update_rejected", msg, NULL, 0);
	}
}

/* The record just staged, as the answer. */
static void
reply_staged(struct monitor *m, uint32_t id, int64_t update_id,
    const struct medsec_subject *who)
{
	struct medsec_update_record rec;
	json_t *o;
	int r;

	if ((r = medsec_updater_get(medsec_device_updater(m->dev), update_id,
	    &rec)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		return;
	}
	if ((o = update_json(&rec)) != NULL)
		json_object_set_new(o, "submitted_by", json_string(who->user));
	reply_obj(m, id, 202, o);
}

void
monitor_h_update_upload(struct monitor *m, uint32_t id,
    const uint8_t *payload)
{
	struct ps_update_upload_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	struct medsec_update_manifest *mf = NULL;
	char why[256] = "", path[MEDSEC_CONFIG_PATH_MAX + 64] = "", name[64];
	int64_t update_id = 0;
	int fd = m->rx_fd, r;

	m->rx_fd = -1; /* ours now */
	memcpy(&req, payload, sizeof(req));
	if (session_subject(m, id, req.token, req.from.source, &info, &who) !=
	    MEDSEC_OK)
		goto out;
	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, MEDSEC_PERM_MAINTENANCE,
	    "update")) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	if ((r = check_offer(m, fd, req.size, why, sizeof(why))) !=
	    MEDSEC_OK) {
		monitor_reply(m, id, r, r == MEDSEC_ERR_TOO_LARGE ? 413 : 400,
		    r == MEDSEC_ERR_TOO_LARGE ? "body_too_large" :
		    "invalid_request", why, NULL, 0);
		goto out;
	}
	snprintf(name, sizeof(name), "updates/.upload-%ld.msu",
	    (long)getpid());
	if (medsec_io_path(path, sizeof(path), medsec_device_state_dir(m->dev),
	    name) != MEDSEC_OK) {
		monitor_reply_error(m, id, MEDSEC_ERR_TOO_LARGE, 0);
		goto out;
	}
	/* A leftover of a killed run; O_EXCL refuses anything else. */
	(void)medsec_io_unlink(path);
	if ((r = copy_offer(fd, req.size, path, why, sizeof(why))) !=
	    MEDSEC_OK) {
		monitor_reply(m, id, r, 500, "internal_error", why[0] != '\0' ?
		    why : medsec_strerror(r), NULL, 0);
		goto out;
	}
	/* Who signed it, for the status; the updater verifies it below. */
	if (medsec_update_inspect(path, &mf, NULL, NULL, NULL, 0) !=
	    MEDSEC_OK) {
		/* Unreadable: the updater refuses it and says why. */
	}
	if ((r = medsec_updater_stage(medsec_device_updater(m->dev), path,
	    &who, &update_id, why, sizeof(why))) != MEDSEC_OK) {
		reply_rejected(m, id, r, why);
		goto out;
	}
	if (mf != NULL) {
		char digest[65];

		medsec_hex(mf->digest, 32, digest);
		remember_signer(digest, mf);
	}
	reply_staged(m, id, update_id, &who);
out:
	/* The updater keeps its own copy; ours is scratch. */
	if (path[0] != '\0')
		(void)medsec_io_unlink(path);
	if (fd >= 0)
		close(fd);
	medsec_update_manifest_free(mf);
	medsec_wipe(&req, sizeof(req));
}

/* ---- status ---- */

/*
 * The updater lists records oldest first; the answer keeps the newest
 * UPDATES_SHOWN_MAX so it always fits one privsep reply, and counts all.
 */
#define UPDATES_SHOWN_MAX 50

struct listing {
	json_t *list;
	uint64_t total;
};

static int
add_record(const struct medsec_update_record *rec, void *arg)
{
	struct listing *l = arg;
	json_t *o = update_json(rec);

	if (o == NULL || json_array_append_new(l->list, o) != 0)
		return MEDSEC_ERR_NOMEM;
	l->total++;
	if (json_array_size(l->list) > UPDATES_SHOWN_MAX &&
	    json_array_remove(l->list, 0) != 0)
		return MEDSEC_ERR_NOMEM;
	return 0;
}

/*
 * Reading the status needs maintenance or update-approve; the check asks
 * for the one the roles grant, so an approver is not recorded as denied
 * maintenance.
 */
static int
may_read_status(struct monitor *m, const struct medsec_subject *who)
{
	const struct medsec_roles *roles = medsec_device_roles(m->dev);
	uint32_t perms = medsec_roles_permissions(roles, who->roles, NULL);
	int perm = MEDSEC_PERM_MAINTENANCE;

	if ((perms & MEDSEC_PERM_BIT(MEDSEC_PERM_MAINTENANCE)) == 0 &&
	    (perms & MEDSEC_PERM_BIT(MEDSEC_PERM_UPDATE_APPROVE)) != 0)
		perm = MEDSEC_PERM_UPDATE_APPROVE;
	return medsec_access_check(roles, medsec_device_audit(m->dev), who,
	    perm, "updates");
}

void
monitor_h_update_status(struct monitor *m, uint32_t id,
    const uint8_t *payload)
{
	struct ps_token_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	struct medsec_update_boot boot;
	struct medsec_updater *u = medsec_device_updater(m->dev);
	struct listing l = { NULL, 0 };
	uint64_t counter = 0;
	json_t *o;
	int r;

	memcpy(&req, payload, sizeof(req));
	if (session_subject(m, id, req.token, req.from.source, &info, &who) !=
	    MEDSEC_OK)
		goto out;
	if ((r = may_read_status(m, &who)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	memset(&boot, 0, sizeof(boot));
	if ((l.list = json_array()) == NULL ||
	    (r = medsec_updater_list(u, add_record, &l)) != MEDSEC_OK ||
	    (r = medsec_updater_boot_state(u, &boot)) != MEDSEC_OK ||
	    (r = medsec_updater_counter(u, &counter)) != MEDSEC_OK) {
		monitor_reply_error(m, id, l.list == NULL ? MEDSEC_ERR_NOMEM :
		    r, 0);
		json_decref(l.list);
		goto out;
	}
	o = json_pack("{s:o, s:I, s:s, s:b, s:I}", "updates", l.list, "total",
	    (json_int_t)l.total, "active_slot", boot.active, "trial",
	    boot.trial, "security_counter", (json_int_t)counter);
	if (o != NULL && boot.digest[0] != '\0')
		json_object_set_new(o, "running_digest",
		    json_string(boot.digest));
	reply_obj(m, id, 200, o);
out:
	medsec_wipe(&req, sizeof(req));
}

/* ---- approval ---- */

struct find_digest {
	const char *digest;
	struct medsec_update_record rec;
	int found;
};

/* The newest record of the digest, a waiting one first. */
static int
match_digest(const struct medsec_update_record *rec, void *arg)
{
	struct find_digest *f = arg;

	if (strcmp(rec->digest, f->digest) != 0)
		return 0;
	if (!f->found || rec->state == MEDSEC_UPD_AWAITING_APPROVAL ||
	    f->rec.state != MEDSEC_UPD_AWAITING_APPROVAL) {
		f->rec = *rec;
		f->found = 1;
	}
	return 0;
}

/* The worker checked the form (64 lowercase hex digits); again here. */
static int
digest_form_ok(const char *d)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' &&
		    d[i] <= 'f')))
			return 0;
	return d[64] == '\0';
}

void
monitor_h_update_approve(struct monitor *m, uint32_t id,
    const uint8_t *payload)
{
	struct ps_update_approve_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	struct medsec_updater *u = medsec_device_updater(m->dev);
	struct find_digest f;
	char why[256] = "";
	int r;

	memcpy(&req, payload, sizeof(req));
	memset(&f, 0, sizeof(f));
	if (session_subject(m, id, req.token, req.from.source, &info, &who) !=
	    MEDSEC_OK)
		goto out;
	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, MEDSEC_PERM_UPDATE_APPROVE,
	    "update")) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	/*
	 * A login presents the password too, but approval asks for the
	 * deliberate step: a re-authentication after it (the session's
	 * proof time moved past its start), still within reauth_seconds.
	 */
	if (info.reauth_us <= info.created_us ||
	    medsec_identity_require_fresh(medsec_device_identity(m->dev),
	    req.token) != MEDSEC_OK) {
		audit_refused_approval(m, &who, req.digest, "approval needs a "
		    "fresh re-authentication");
		monitor_reply(m, id, MEDSEC_ERR_STATE, 403, "reauth_required",
		    "approving an update needs POST /v1/session/reauth within "
		    "[session] reauth_seconds (the login does not count), then "
		    "approve with the new token",
		    NULL, 0);
		goto out;
	}
	f.digest = req.digest;
	if (!digest_form_ok(req.digest) ||
	    (r = medsec_updater_list(u, match_digest, &f)) != MEDSEC_OK ||
	    !f.found) {
		audit_refused_approval(m, &who, req.digest, "no update with "
		    "this manifest digest");
		monitor_reply(m, id, MEDSEC_ERR_NOT_FOUND, 404,
		    "no_such_update", "no waiting update has this manifest "
		    "digest", NULL, 0);
		goto out;
	}
	if (f.rec.state != MEDSEC_UPD_AWAITING_APPROVAL) {
		snprintf(why, sizeof(why), "update %s is %s, not waiting for "
		    "approval", f.rec.version, state_name(f.rec.state));
		audit_refused_approval(m, &who, req.digest, why);
		monitor_reply(m, id, MEDSEC_ERR_STATE, 409, "update_decided",
		    why, NULL, 0);
		goto out;
	}
	/* Fresh re-authentication was checked above, for this token. */
	if ((r = medsec_updater_approve(u, f.rec.id, req.digest, &who, 1, why,
	    sizeof(why))) != MEDSEC_OK) {
		audit_refused_approval(m, &who, req.digest, why[0] != '\0' ?
		    why : medsec_strerror(r));
		if (r == MEDSEC_ERR_STATE)
			monitor_reply(m, id, r, 409, "update_decided", why,
			    NULL, 0);
		else
			monitor_reply_error(m, id, r, 0);
		goto out;
	}
	if ((r = medsec_updater_get(u, f.rec.id, &f.rec)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	reply_obj(m, id, 200, update_json(&f.rec));
out:
	medsec_wipe(&req, sizeof(req));
}
