/*
 * Comparing a tree with its manifest. The tree is walked exactly as for
 * create, then both sorted lists are merged in one pass, so the findings
 * come out in path order whatever the directory order on disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "integrity/integrity_int.h"
#include "medsec/err.h"

struct rbuild {
	struct medsec_integrity_report *rep;
	size_t cap;
};

static int
add_finding(struct rbuild *b, int kind, const struct ientry *exp,
    const struct ientry *act)
{
	struct medsec_integrity_finding *f, *nv;
	size_t ncap;

	if (b->rep->count == b->cap) {
		ncap = b->cap == 0 ? 16 : b->cap * 2;
		if ((nv = realloc(b->rep->findings, ncap * sizeof(*nv))) == NULL)
			return MEDSEC_ERR_NOMEM;
		b->rep->findings = nv;
		b->cap = ncap;
	}
	f = &b->rep->findings[b->rep->count];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(exp != NULL ? exp->path : act->path)) == NULL)
		return MEDSEC_ERR_NOMEM;
	f->kind = kind;
	if (exp != NULL) {
		f->expected_type = exp->pub.type;
		f->expected_mode = exp->pub.mode;
		f->expected_uid = exp->pub.uid;
		f->expected_gid = exp->pub.gid;
		f->expected_size = exp->pub.size;
	}
	if (act != NULL) {
		f->actual_type = act->pub.type;
		f->actual_mode = act->pub.mode;
		f->actual_uid = act->pub.uid;
		f->actual_gid = act->pub.gid;
		f->actual_size = act->pub.size;
	}
	b->rep->count++;
	return MEDSEC_OK;
}

/* Content of two entries of the same type: the finding kind, or 0. */
static int
content_kind(const struct ientry *exp, const struct ientry *act,
    size_t hlen)
{
	switch (exp->pub.type) {
	case MEDSEC_INTEGRITY_FILE:
	case MEDSEC_INTEGRITY_SYMLINK:
		if (exp->pub.size != act->pub.size)
			return MEDSEC_INTEGRITY_CONTENT_CHANGED;
		if (act->err != MEDSEC_OK || !act->hashed)
			return act->err == MEDSEC_ERR_STATE
			    ? MEDSEC_INTEGRITY_CONTENT_CHANGED
			    : MEDSEC_INTEGRITY_UNREADABLE;
		return memcmp(exp->pub.hash, act->pub.hash, hlen) != 0
		    ? MEDSEC_INTEGRITY_CONTENT_CHANGED : 0;
	case MEDSEC_INTEGRITY_CHAR:
	case MEDSEC_INTEGRITY_BLOCK:
		return exp->pub.size != act->pub.size
		    ? MEDSEC_INTEGRITY_CONTENT_CHANGED : 0;
	case MEDSEC_INTEGRITY_DIR:
		return act->err != MEDSEC_OK ? MEDSEC_INTEGRITY_UNREADABLE : 0;
	default:
		return 0;
	}
}

static int
compare_entry(struct rbuild *b, const struct ientry *exp,
    const struct ientry *act, size_t hlen)
{
	int kind, r;

	if (exp->pub.type != act->pub.type)
		return add_finding(b, act->pub.type == MEDSEC_INTEGRITY_SYMLINK
		    ? MEDSEC_INTEGRITY_SYMLINK_SWAPPED
		    : MEDSEC_INTEGRITY_TYPE_CHANGED, exp, act);
	if (exp->pub.mode != act->pub.mode &&
	    (r = add_finding(b, MEDSEC_INTEGRITY_MODE_CHANGED, exp, act)) !=
	    MEDSEC_OK)
		return r;
	if ((exp->pub.uid != act->pub.uid || exp->pub.gid != act->pub.gid) &&
	    (r = add_finding(b, MEDSEC_INTEGRITY_OWNER_CHANGED, exp, act)) !=
	    MEDSEC_OK)
		return r;
	if ((kind = content_kind(exp, act, hlen)) != 0)
		return add_finding(b, kind, exp, act);
	return MEDSEC_OK;
}

static int
merge(struct rbuild *b, const struct medsec_integrity_manifest *m,
    const struct medsec_integrity_manifest *a)
{
	size_t i = 0, j = 0, hlen = medsec_hash_len(m->hash_alg);
	int c, r = MEDSEC_OK;

	while (r == MEDSEC_OK && (i < m->n || j < a->n)) {
		if (i == m->n)
			c = 1;
		else if (j == a->n)
			c = -1;
		else
			c = strcmp(m->v[i]->path, a->v[j]->path);
		if (c < 0)
			r = add_finding(b, MEDSEC_INTEGRITY_MISSING, m->v[i++],
			    NULL);
		else if (c > 0)
			r = add_finding(b, MEDSEC_INTEGRITY_ADDED, NULL,
			    a->v[j++]);
		else
			r = compare_entry(b, m->v[i++], a->v[j++], hlen);
	}
	return r;
}

void
medsec_integrity_report_free(struct medsec_integrity_report *rep)
{
	size_t i;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->count; i++)
		free((void *)(uintptr_t)rep->findings[i].path);
	free(rep->findings);
	free(rep);
}

int
medsec_integrity_verify(const struct medsec_integrity_manifest *m,
    const char *root, const struct medsec_integrity_options *opts,
    struct medsec_integrity_report **repp, char *err, size_t errlen)
{
	struct medsec_integrity_manifest *actual = NULL;
	struct rbuild b;
	int r = MEDSEC_ERR_INTERNAL;

	if (repp != NULL)
		*repp = NULL;
	if (m == NULL || root == NULL || repp == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_INVALID,
		    "manifest, root and report are required");
	if (!m->authenticated)
		return medsec_errf(err, errlen, MEDSEC_ERR_STATE,
		    "the manifest's signature has not been verified");
	if ((r = medsec_crypto_init()) != MEDSEC_OK)
		return medsec_errf(err, errlen, r, "crypto library");
	memset(&b, 0, sizeof(b));
	if ((b.rep = calloc(1, sizeof(*b.rep))) == NULL)
		return medsec_errf(err, errlen, MEDSEC_ERR_NOMEM, "report");
	if ((r = integrity_walk(root, m, opts, &actual, &b.rep->files_hashed,
	    &b.rep->bytes_hashed, err, errlen)) != MEDSEC_OK)
		goto out;
	if ((r = merge(&b, m, actual)) != MEDSEC_OK) {
		r = medsec_errf(err, errlen, r, "cannot list the findings");
		goto out;
	}
	b.rep->entries = m->n;
	b.rep->scanned = actual->n;
	b.rep->threads = integrity_threads(opts);
	*repp = b.rep;
	r = b.rep->count == 0 ? MEDSEC_OK : MEDSEC_ERR_TAMPERED;
	b.rep = NULL;
out:
	medsec_integrity_report_free(b.rep);
	medsec_integrity_free(actual);
	return r;
}

static json_t *
finding_json(const struct medsec_integrity_finding *f)
{
	char esc[3 * MEDSEC_INTEGRITY_PATH_MAX + 1], em[8], am[8], eo[24],
	    ao[24];

	if (medsec_integrity_escape(f->path, esc, sizeof(esc)) != MEDSEC_OK)
		return NULL;
	snprintf(em, sizeof(em), "%04o", (unsigned)f->expected_mode);
	snprintf(am, sizeof(am), "%04o", (unsigned)f->actual_mode);
	snprintf(eo, sizeof(eo), "%u:%u", (unsigned)f->expected_uid,
	    (unsigned)f->expected_gid);
	snprintf(ao, sizeof(ao), "%u:%u", (unsigned)f->actual_uid,
	    (unsigned)f->actual_gid);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "path",
	    esc, "finding", medsec_integrity_finding_name(f->kind), "expected",
	    medsec_integrity_type_name(f->expected_type), "actual",
	    medsec_integrity_type_name(f->actual_type), "expected_mode", em,
	    "actual_mode", am, "expected_owner", eo, "actual_owner", ao);
}

int
medsec_integrity_report_json(const struct medsec_integrity_report *rep,
    char **jsonp)
{
	json_t *o = NULL, *arr, *f;
	size_t i;
	int r = MEDSEC_ERR_NOMEM;

	if (jsonp != NULL)
		*jsonp = NULL;
	if (rep == NULL || jsonp == NULL)
		return MEDSEC_ERR_INVALID;
	o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:[]}", "ok",
	    rep->count == 0, "entries", (json_int_t)rep->entries, "scanned",
	    (json_int_t)rep->scanned, "files_hashed",
	    (json_int_t)rep->files_hashed, "bytes_hashed",
	    (json_int_t)rep->bytes_hashed, "threads", (json_int_t)rep->threads,
	    "findings");
	if (o == NULL || (arr = json_object_get(o, "findings")) == NULL)
		goto out;
	for (i = 0; i < rep->count; i++)
		if ((f = finding_json(&rep->findings[i])) == NULL ||
		    json_array_append_new(arr, f) != 0)
			goto out;
	if ((*jsonp = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) !=
	    NULL)
		r = MEDSEC_OK;
out:
	json_decref(o);
	return r;
}
