/*
 * The check with countermeasures (MFDS 2.2): verify, then act on each
 * finding as the policy says for its class of file, recording every step
 * in the audit trail. The check fails closed: if a record cannot be
 * written, a restore does not verify, or the tree cannot be walked, the
 * caller is told not to run.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrity/integrity_int.h"
#include "medsec/err.h"

struct checker {
	const struct medsec_integrity_manifest *m;
	const char *root;
	const struct medsec_integrity_policy *pol;
	struct medsec_audit *audit;
	struct medsec_integrity_check_result res;
	const char *last_restored; /* restore each path once */
};

static int
rule_matches(const char *pat, const char *path)
{
	size_t n = strlen(pat);

	if (n > 0 && pat[n - 1] == '/')
		return strncmp(path, pat, n - 1) == 0 &&
		    (path[n - 1] == '\0' || path[n - 1] == '/');
	if (strcmp(pat, "*") == 0)
		return 1;
	return fnmatch(pat, path, FNM_PATHNAME) == 0;
}

static int
valid_action(int a)
{
	return a == MEDSEC_INTEGRITY_ALERT || a == MEDSEC_INTEGRITY_REFUSE ||
	    a == MEDSEC_INTEGRITY_RESTORE;
}

int
medsec_integrity_policy_action(const struct medsec_integrity_policy *p,
    const char *path)
{
	size_t i;

	if (p == NULL || path == NULL)
		return MEDSEC_INTEGRITY_ALERT;
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].pattern != NULL &&
		    rule_matches(p->rules[i].pattern, path))
			return p->rules[i].action;
	return p->default_action != 0 ? p->default_action
				      : MEDSEC_INTEGRITY_ALERT;
}

static int
policy_valid(const struct medsec_integrity_policy *p)
{
	size_t i;

	if (p->default_action != 0 && !valid_action(p->default_action))
		return 0;
	if (p->nrules > 0 && p->rules == NULL)
		return 0;
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].pattern == NULL ||
		    !valid_action(p->rules[i].action))
			return 0;
	return 1;
}

static const char *
action_name(int a)
{
	return a == MEDSEC_INTEGRITY_REFUSE ? "refuse"
	    : a == MEDSEC_INTEGRITY_RESTORE ? "restore" : "alert";
}

/* Appends one record with the details built in d. */
static int
record(struct checker *c, int event, int outcome, const char *reason,
    struct medsec_audit_detail *d)
{
	return integrity_record(c->audit, c->pol->actor,
	    c->m != NULL ? c->m->hdr.root_label : "manifest", event, outcome,
	    reason, d);
}

static int
record_finding(struct checker *c, int event, int outcome, const char *path,
    const char *finding, const char *action)
{
	char esc[3 * MEDSEC_INTEGRITY_PATH_MAX + 1];
	struct medsec_audit_detail d;

	if (medsec_integrity_escape(path, esc, sizeof(esc)) != MEDSEC_OK)
		return MEDSEC_ERR_INTERNAL;
	/* At most 3069 bytes of printable ASCII: it always fits. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "path", esc);
	medsec_audit_detail_str(&d, "finding", finding);
	medsec_audit_detail_str(&d, "action", action);
	return record(c, event, outcome, finding, &d);
}

/* Bytes of an error message kept in a record's details. */
#define ERROR_DETAIL_MAX 1024

/* A failure that is not about one file: "manifest", "check-failed". */
static int
record_error(struct checker *c, const char *what, const char *msg)
{
	struct medsec_audit_detail d;

	/* Messages may quote a raw root path of any length and bytes: the
	 * builder escapes them and cuts them to a bound of their own. */
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "path", ".");
	medsec_audit_detail_str(&d, "finding", what);
	medsec_audit_detail_str(&d, "action", "refuse");
	medsec_audit_detail_str_trunc(&d, "error", msg, ERROR_DETAIL_MAX);
	return record(c, MEDSEC_EV_INTEGRITY_FAILURE, MEDSEC_AUDIT_FAILURE,
	    what, &d);
}

static int
do_restore(struct checker *c, const struct medsec_integrity_finding *f)
{
	const char *name = medsec_integrity_finding_name(f->kind);
	char why[300];
	int r;

	/* A path with several findings is restored (or refused) once. */
	if (c->last_restored != NULL && strcmp(c->last_restored, f->path) == 0)
		return MEDSEC_OK;
	c->last_restored = f->path;
	r = integrity_restore(c->m, c->root, c->pol->known_good, f->path, why,
	    sizeof(why));
	if (r == MEDSEC_OK) {
		c->res.restored++;
		return record_finding(c, MEDSEC_EV_INTEGRITY_OK,
		    MEDSEC_AUDIT_SUCCESS, f->path, name, "restored");
	}
	c->res.refused++;
	return record_finding(c, MEDSEC_EV_INTEGRITY_FAILURE,
	    MEDSEC_AUDIT_FAILURE, f->path, name, "restore-failed");
}

static int
handle(struct checker *c, const struct medsec_integrity_finding *f)
{
	const char *name = medsec_integrity_finding_name(f->kind);
	int action = medsec_integrity_policy_action(c->pol, f->path), r;

	if ((r = record_finding(c, MEDSEC_EV_INTEGRITY_FAILURE,
	    MEDSEC_AUDIT_FAILURE, f->path, name, action_name(action))) !=
	    MEDSEC_OK)
		return r;
	switch (action) {
	case MEDSEC_INTEGRITY_REFUSE:
		c->res.refused++;
		return MEDSEC_OK;
	case MEDSEC_INTEGRITY_RESTORE:
		return do_restore(c, f);
	default:
		c->res.alerted++;
		return record_finding(c, MEDSEC_EV_INCIDENT,
		    MEDSEC_AUDIT_FAILURE, f->path, name, "alert");
	}
}

static int
record_ok(struct checker *c, const struct medsec_integrity_report *rep)
{
	struct medsec_audit_detail d;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "entries", rep->entries);
	medsec_audit_detail_u64(&d, "files", rep->files_hashed);
	medsec_audit_detail_u64(&d, "bytes", rep->bytes_hashed);
	return record(c, MEDSEC_EV_INTEGRITY_OK, MEDSEC_AUDIT_SUCCESS,
	    "tree matches the manifest", &d);
}

static int
run_check(struct checker *c, const struct medsec_integrity_options *opts)
{
	struct medsec_integrity_report *rep = NULL;
	char err[512];
	size_t i;
	int r, rr;

	if (c->pol->min_created_us != 0 &&
	    c->m->hdr.created_us < c->pol->min_created_us) {
		rr = record_error(c, "manifest-rollback", "the manifest is "
		    "older than the newest one accepted");
		return rr != MEDSEC_OK ? rr : MEDSEC_ERR_TAMPERED;
	}
	err[0] = '\0';
	r = medsec_integrity_verify(c->m, c->root, opts, &rep, err, sizeof(err));
	if (r != MEDSEC_OK && r != MEDSEC_ERR_TAMPERED) {
		rr = record_error(c, "check-failed", err);
		return rr != MEDSEC_OK ? rr : r;
	}
	c->res.findings = rep->count;
	c->res.entries = rep->entries;
	c->res.bytes_hashed = rep->bytes_hashed;
	r = MEDSEC_OK;
	if (rep->count == 0)
		r = record_ok(c, rep);
	for (i = 0; i < rep->count && r == MEDSEC_OK; i++)
		r = handle(c, &rep->findings[i]);
	if (r == MEDSEC_OK && c->res.refused > 0)
		r = MEDSEC_ERR_TAMPERED;
	medsec_integrity_report_free(rep);
	return r;
}

int
medsec_integrity_check(const struct medsec_integrity_manifest *m,
    const char *root, const struct medsec_integrity_policy *policy,
    struct medsec_audit *audit, const struct medsec_integrity_options *opts,
    struct medsec_integrity_check_result *res)
{
	struct checker c;
	int r;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (m == NULL || root == NULL || policy == NULL || audit == NULL ||
	    !policy_valid(policy))
		return MEDSEC_ERR_INVALID;
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.root = root;
	c.pol = policy;
	c.audit = audit;
	r = run_check(&c, opts);
	if (res != NULL)
		*res = c.res;
	return r;
}

int
medsec_integrity_check_file(const char *manifest_path,
    const struct medsec_pubkey *trusted, size_t ntrusted, const char *root,
    const struct medsec_integrity_policy *policy, struct medsec_audit *audit,
    const struct medsec_integrity_options *opts,
    struct medsec_integrity_check_result *res)
{
	struct medsec_integrity_manifest *m = NULL;
	struct checker c;
	char err[512];
	int r, rr;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (policy == NULL || audit == NULL || !policy_valid(policy))
		return MEDSEC_ERR_INVALID;
	err[0] = '\0';
	r = medsec_integrity_load(manifest_path, trusted, ntrusted, &m, err,
	    sizeof(err));
	if (r != MEDSEC_OK) {
		memset(&c, 0, sizeof(c));
		c.pol = policy;
		c.audit = audit;
		rr = record_error(&c, "manifest", err);
		return rr != MEDSEC_OK ? rr : r;
	}
	r = medsec_integrity_check(m, root, policy, audit, opts, res);
	medsec_integrity_free(m);
	return r;
}
