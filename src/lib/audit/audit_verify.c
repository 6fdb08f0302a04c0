/*
 * Verification of a whole audit trail, streaming segment by segment so
 * memory stays flat. Three independent checks, each able to name the first
 * bad record: the hash chain (anyone), the forward-secure MAC (holder of
 * the initial key), and the signed checkpoints and anchor (holder of the
 * device's public key).
 *
 * This thread reads, frames and orders the records and keeps the epochs;
 * each record's chain link, MAC and checkpoint signature go to a worker
 * pool (audit_verify_pool.c). Until the pool reports, a record's stored
 * chain hash stands for the recomputed one: if the two differ, the pool
 * reports that record, and its report wins over anything found later.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/audit.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "audit_verify_int.h"
#include "io/io.h"

struct vstate {
	const struct medsec_audit_verify_options *opts;
	const struct medsec_audit_expect *expect;
	size_t nexpect;
	struct medsec_audit_verify_result *res;
	struct audit_vpool *pool;
	uint8_t key[AUDIT_MAC_LEN];
	char key_id[MEDSEC_KEY_ID_LEN];
	char pub_id[MEDSEC_KEY_ID_LEN];
	int have_key;
	uint64_t next_seq, epoch;
	/* The chain hash so far: segment header hashes as computed, record
	 * hashes as stored (the pool checks those). */
	uint8_t chain[AUDIT_CHAIN_LEN];
	uint8_t last_hash[AUDIT_CHAIN_LEN];
	struct audit_anchor anchor;
	int have_anchor, anchor_seen;
	uint64_t segno;
	/* newest state generation a checkpoint recorded, and where */
	int have_state;
	uint64_t state, state_seq;
};

static int fail(struct vstate *v, int problem, uint64_t seq, uint64_t off,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail(struct vstate *v, int problem, uint64_t seq, uint64_t off,
    const char *fmt, ...)
{
	va_list ap;

	v->res->problem = problem;
	v->res->bad_seq = seq;
	v->res->bad_segment = v->segno;
	v->res->bad_offset = off;
	va_start(ap, fmt);
	vsnprintf(v->res->message, sizeof(v->res->message), fmt, ap);
	va_end(ap);
	return MEDSEC_ERR_TAMPERED;
}

static const char *const problem_names[] = { "intact", "malformed",
	"modified", "deleted", "inserted", "reordered", "truncated",
	"segment replaced", "bad checkpoint", "resealed with a later key",
	"wrong verifier key", "rolled back", "database rolled back" };

const char *
medsec_audit_problem_name(int problem)
{
	if (problem < 0 ||
	    (size_t)problem >= sizeof(problem_names) / sizeof(problem_names[0]))
		return "unknown";
	return problem_names[problem];
}

static int
check_anchor_signature(struct vstate *v)
{
	uint8_t msg[AUDIT_ANCHOR_LEN];
	size_t n = audit_anchor_signed_part(&v->anchor, msg);

	if (v->anchor.sign_alg != v->opts->public_key_alg ||
	    medsec_verify(v->opts->public_key_alg, v->opts->public_key,
		v->opts->public_key_len, msg, n, v->anchor.sig) != MEDSEC_OK)
		return fail(v, MEDSEC_AUDIT_BAD_CHECKPOINT, v->anchor.seq, 0,
		    "the anchor's signature does not verify");
	return MEDSEC_OK;
}

static int
check_header(struct vstate *v, const struct audit_seg_header *h,
    const uint8_t *raw)
{
	int r;

	if (h->segno != v->segno)
		return fail(v, MEDSEC_AUDIT_DELETED, v->next_seq, 0,
		    "segment %llu is missing",
		    (unsigned long long)v->segno);
	if (strcmp(h->identity_key_id, v->pub_id) != 0)
		return fail(v, MEDSEC_AUDIT_WRONG_VERIFIER_KEY, v->next_seq, 0,
		    "the given public key %s is not this trail's identity "
		    "key %s", v->pub_id, h->identity_key_id);
	if (v->have_key && strcmp(h->mac_key_id, v->key_id) != 0)
		return fail(v, MEDSEC_AUDIT_WRONG_VERIFIER_KEY, v->next_seq, 0,
		    "verifier key %s does not belong to this trail (its MAC "
		    "key is %s)", v->key_id, h->mac_key_id);
	/* The keys are the trail's: now a bad anchor is the anchor's fault. */
	if (h->segno == 1 && v->have_anchor && check_anchor_signature(v) != 0)
		return MEDSEC_ERR_TAMPERED;
	if (h->first_seq != v->next_seq || h->epoch != v->epoch ||
	    medsec_ct_equal(h->prev_chain, v->chain, AUDIT_CHAIN_LEN) != 0)
		return fail(v, MEDSEC_AUDIT_SEGMENT_REPLACED, h->first_seq, 0,
		    "segment does not continue the previous one (an older or "
		    "foreign copy)");
	if ((r = medsec_hash(MEDSEC_ALG_SHA256, raw, AUDIT_SEG_HEADER_LEN,
		 v->chain)) != MEDSEC_OK)
		return r;
	/* The genesis anchor vouches for segment 1's header. */
	if (h->segno == 1 && v->have_anchor && v->anchor.seq == 0) {
		if (medsec_ct_equal(v->chain, v->anchor.chain, AUDIT_CHAIN_LEN) != 0)
			return fail(v, MEDSEC_AUDIT_MODIFIED, 1, 0,
			    "segment 1's header differs from the signed "
			    "anchor");
		v->anchor_seen = 1;
	}
	return MEDSEC_OK;
}

static int
check_sequence(struct vstate *v, const struct audit_rec *rec, uint64_t off)
{
	if (rec->seq == v->next_seq)
		return MEDSEC_OK;
	if (rec->seq > v->next_seq)
		return fail(v, MEDSEC_AUDIT_DELETED, v->next_seq, off,
		    "records %llu..%llu are missing",
		    (unsigned long long)v->next_seq,
		    (unsigned long long)(rec->seq - 1));
	if (medsec_ct_equal(rec->hash, v->last_hash, AUDIT_CHAIN_LEN) == 0 ||
	    rec->seq + 1 == v->next_seq)
		return fail(v, MEDSEC_AUDIT_INSERTED, v->next_seq, off,
		    "record %llu appears again (replayed or inserted)",
		    (unsigned long long)rec->seq);
	return fail(v, MEDSEC_AUDIT_REORDERED, v->next_seq, off,
	    "record %llu found where %llu belongs (reordered)",
	    (unsigned long long)rec->seq, (unsigned long long)v->next_seq);
}

static int
check_checkpoint(struct vstate *v, const struct audit_rec *rec,
    const uint8_t *prev_chain, uint64_t off)
{
	struct audit_checkpoint cp;
	uint8_t msg[128];
	size_t n;
	int r;

	if (audit_checkpoint_parse(rec->field[F_DETAILS],
		rec->field_len[F_DETAILS], &cp) != MEDSEC_OK ||
	    cp.epoch != v->epoch)
		return fail(v, MEDSEC_AUDIT_BAD_CHECKPOINT, rec->seq, off,
		    "checkpoint %llu is malformed",
		    (unsigned long long)rec->seq);
	n = audit_checkpoint_message(msg, rec->seq, v->epoch, rec->time_us,
	    prev_chain);
	if ((r = audit_vpool_add_signature(v->pool, msg, n, cp.sig)) !=
	    MEDSEC_OK)
		return r;
	if (cp.have_state && (!v->have_state || cp.state >= v->state)) {
		v->have_state = 1;
		v->state = cp.state;
		v->state_seq = rec->seq;
	}
	v->res->checkpoints++;
	v->epoch++;
	if (!v->have_key)
		return MEDSEC_OK;
	return audit_evolve_key(v->key, v->epoch);
}

static int
check_record(struct vstate *v, const struct audit_rec *rec,
    const uint8_t *raw, uint64_t off)
{
	uint8_t prev[AUDIT_CHAIN_LEN];
	int r;

	if ((r = check_sequence(v, rec, off)) != MEDSEC_OK)
		return r;
	if (rec->epoch != v->epoch)
		return fail(v, MEDSEC_AUDIT_MODIFIED, rec->seq, off,
		    "record %llu claims epoch %llu in epoch %llu",
		    (unsigned long long)rec->seq,
		    (unsigned long long)rec->epoch,
		    (unsigned long long)v->epoch);
	memcpy(prev, v->chain, AUDIT_CHAIN_LEN);
	if ((r = audit_vpool_add(v->pool, prev, raw, rec, v->segno, off,
		 v->have_key ? v->key : NULL)) != MEDSEC_OK)
		return r;
	memcpy(v->chain, rec->hash, AUDIT_CHAIN_LEN);
	if (v->have_anchor && rec->seq == v->anchor.seq) {
		if (medsec_ct_equal(v->chain, v->anchor.chain, AUDIT_CHAIN_LEN) != 0)
			return fail(v, MEDSEC_AUDIT_MODIFIED, rec->seq, off,
			    "record %llu differs from the signed anchor",
			    (unsigned long long)rec->seq);
		v->anchor_seen = 1;
	}
	for (size_t i = 0; i < v->nexpect; i++) {
		const struct medsec_audit_expect *e = &v->expect[i];

		if (e->head_seq == rec->seq &&
		    medsec_ct_equal(v->chain, e->head_chain, AUDIT_CHAIN_LEN) != 0)
			return fail(v, MEDSEC_AUDIT_ROLLED_BACK, rec->seq, off,
			    "record %llu differs from the one %s saw as the "
			    "trail's head: the trail was replaced by another "
			    "copy", (unsigned long long)rec->seq,
			    e->source ? e->source : "the given head");
	}
	memcpy(v->last_hash, rec->hash, AUDIT_CHAIN_LEN);
	v->next_seq++;
	v->res->records++;
	if (rec->event == MEDSEC_EV_AUDIT_CHECKPOINT)
		return check_checkpoint(v, rec, prev, off);
	return MEDSEC_OK;
}

/*
 * A record found ahead of its place may be a deletion or a swap: if the
 * missing record comes right after it, the records were reordered.
 */
static void
reclassify_gap(struct vstate *v, struct audit_scan *s)
{
	struct audit_rec next;
	uint64_t off;

	if (v->res->problem != MEDSEC_AUDIT_DELETED)
		return;
	if (audit_scan_next(s, &next, &off) == 1 &&
	    next.seq == v->res->bad_seq) {
		v->res->problem = MEDSEC_AUDIT_REORDERED;
		snprintf(v->res->message, sizeof(v->res->message),
		    "record %llu comes after a later record (reordered)",
		    (unsigned long long)next.seq);
	}
}

static int
verify_segment(struct vstate *v, const char *path, int last)
{
	uint8_t raw[AUDIT_SEG_HEADER_LEN];
	struct audit_seg_header h;
	struct audit_scan s;
	struct audit_rec rec;
	uint64_t off = 0;
	int r;

	r = audit_scan_open(&s, path, &h, raw);
	if (r != MEDSEC_OK) {
		if (r == AUDIT_SCAN_TORN || r == MEDSEC_ERR_FORMAT)
			r = fail(v, MEDSEC_AUDIT_MALFORMED, v->next_seq, 0,
			    "segment header is damaged");
		goto out;
	}
	if ((r = check_header(v, &h, raw)) != MEDSEC_OK)
		goto out;
	while ((r = audit_scan_next(&s, &rec, &off)) == 1) {
		/* An earlier record failed: it is the one to report. */
		if (audit_vpool_failed(v->pool)) {
			r = MEDSEC_ERR_TAMPERED;
			goto out;
		}
		if ((r = check_record(v, &rec, s.buf + s.start - rec.len,
			 off)) != MEDSEC_OK) {
			reclassify_gap(v, &s);
			goto out;
		}
	}
	if (r == AUDIT_SCAN_TORN || r == MEDSEC_ERR_FORMAT)
		r = fail(v, MEDSEC_AUDIT_MALFORMED, v->next_seq, s.offset,
		    last && r == AUDIT_SCAN_TORN
			? "incomplete record at the end (crash not yet "
			  "recovered: open the trail to recover)"
			: "bytes that are not a record");
out:
	audit_scan_close(&s);
	return r;
}

static int
check_anchor(struct vstate *v)
{
	/* The anchor is written before the first segment: a trail without
	 * one had it removed, and with it the evidence of a cut tail. */
	if (!v->have_anchor)
		return fail(v, MEDSEC_AUDIT_TRUNCATED, v->next_seq, 0,
		    "the anchor file is missing: every trail has one from its "
		    "creation on, so the end of the trail may have been cut");
	if (!v->anchor_seen)
		return fail(v, MEDSEC_AUDIT_TRUNCATED, v->next_seq, 0,
		    "trail ends at record %llu but the signed anchor "
		    "records %llu: the tail was cut",
		    (unsigned long long)(v->next_seq - 1),
		    (unsigned long long)v->anchor.seq);
	return MEDSEC_OK;
}

/* The trail against what the device (or a trusted copy) says it holds. */
static int
check_expected(struct vstate *v)
{
	uint64_t head = v->next_seq - 1;

	for (size_t i = 0; i < v->nexpect; i++) {
		const struct medsec_audit_expect *e = &v->expect[i];
		const char *src = e->source ? e->source : "the given head";

		if (e->head_seq > head)
			return fail(v, MEDSEC_AUDIT_ROLLED_BACK, v->next_seq, 0,
			    "the trail ends at record %llu but %s saw it reach "
			    "record %llu: an older trail was put back or its "
			    "end was cut", (unsigned long long)head, src,
			    (unsigned long long)e->head_seq);
		if (e->have_mac_epoch && e->mac_epoch > v->epoch)
			return fail(v, MEDSEC_AUDIT_ROLLED_BACK, v->next_seq, 0,
			    "the trail ends in epoch %llu but %s holds the MAC "
			    "key of epoch %llu: checkpointed records are gone "
			    "(an older trail was put back)",
			    (unsigned long long)v->epoch, src,
			    (unsigned long long)e->mac_epoch);
		if (e->have_generation && v->have_state &&
		    v->state > e->generation)
			return fail(v, MEDSEC_AUDIT_STATE_ROLLED_BACK,
			    v->state_seq, 0,
			    "checkpoint %llu recorded database state generation "
			    "%llu but %s is at generation %llu: an older copy of "
			    "the database was put back",
			    (unsigned long long)v->state_seq,
			    (unsigned long long)v->state, src,
			    (unsigned long long)e->generation);
	}
	return MEDSEC_OK;
}

static int
vstate_init(struct vstate *v, const char *dir,
    const struct medsec_audit_verify_options *opts,
    struct medsec_audit_verify_result *res)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->opts = opts;
	v->res = res;
	v->next_seq = 1;
	if (opts->public_key == NULL ||
	    (r = medsec_key_id(opts->public_key_alg, opts->public_key,
		 opts->public_key_len, v->pub_id)) != MEDSEC_OK)
		return MEDSEC_ERR_INVALID;
	if (opts->verifier_key != NULL) {
		if (opts->verifier_key_len != AUDIT_MAC_LEN)
			return MEDSEC_ERR_INVALID;
		memcpy(v->key, opts->verifier_key, AUDIT_MAC_LEN);
		v->have_key = 1;
		res->macs_checked = 1;
		if ((r = medsec_key_id(MEDSEC_ALG_HMAC_SHA256, v->key,
			 AUDIT_MAC_LEN, v->key_id)) != MEDSEC_OK)
			return r;
	}
	r = audit_anchor_read(dir, &v->anchor);
	if (r == MEDSEC_OK)
		v->have_anchor = 1;
	else if (r == MEDSEC_ERR_FORMAT)
		return fail(v, MEDSEC_AUDIT_MALFORMED, 0, 0,
		    "the anchor file is damaged");
	else if (r != MEDSEC_ERR_NOT_FOUND)
		return r;
	return audit_vpool_new(opts, &v->pool);
}

/*
 * A check the pool found failing. Its record comes before anything this
 * thread found, so it is the one reported, with the counts the walk had
 * when it reached that record.
 */
static int
pool_failure(struct vstate *v, const struct audit_vfailure *f)
{
	unsigned long long seq = f->seq, epoch = f->epoch;

	v->segno = f->segno;
	v->res->segments = f->segno - 1;
	v->res->records = f->seq - 1;
	v->res->checkpoints = f->epoch;
	switch (f->check) {
	case AUDIT_VCHECK_CHAIN:
		return fail(v, MEDSEC_AUDIT_MODIFIED, f->seq, f->offset,
		    "record %llu was modified (hash chain broken)", seq);
	case AUDIT_VCHECK_MAC:
		return fail(v, MEDSEC_AUDIT_RESEALED, f->seq, f->offset,
		    "record %llu was rewritten: its MAC does not verify "
		    "under epoch %llu's key", seq, epoch);
	case AUDIT_VCHECK_SIGNATURE:
		v->res->records = f->seq;
		return fail(v, MEDSEC_AUDIT_BAD_CHECKPOINT, f->seq, f->offset,
		    "checkpoint %llu signature does not verify with the "
		    "device key: records of epoch %llu were altered or the "
		    "checkpoint forged", seq, epoch);
	default:
		/* Not tampering but an error, returned as it was raised. */
		v->res->problem = MEDSEC_AUDIT_INTACT;
		v->res->bad_seq = v->res->bad_segment = v->res->bad_offset = 0;
		v->res->message[0] = '\0';
		return f->code;
	}
}

static int
walk_segments(struct vstate *v, const char *dir)
{
	uint64_t *segs = NULL;
	size_t n = 0;
	char name[64], path[4096];
	int r;

	if ((r = audit_seg_list(dir, &segs, &n)) != MEDSEC_OK)
		goto out;
	if (n == 0) {
		r = MEDSEC_ERR_NOT_FOUND;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		v->segno = i + 1;
		if (segs[i] != i + 1) {
			r = fail(v, MEDSEC_AUDIT_DELETED, v->next_seq, 0,
			    "segment %llu is missing",
			    (unsigned long long)(i + 1));
			goto out;
		}
		if ((r = audit_seg_name(name, sizeof(name), segs[i])) !=
			MEDSEC_OK ||
		    (r = medsec_io_path(path, sizeof(path), dir, name)) !=
			MEDSEC_OK ||
		    (r = verify_segment(v, path, i + 1 == n)) != MEDSEC_OK)
			goto out;
		v->res->segments++;
	}
	if ((r = check_anchor(v)) == MEDSEC_OK)
		r = check_expected(v);
out:
	free(segs);
	return r;
}

int
medsec_audit_verify(const char *dir,
    const struct medsec_audit_verify_options *opts,
    struct medsec_audit_verify_result *res)
{
	return medsec_audit_verify_against(dir, opts, NULL, 0, res);
}

int
medsec_audit_verify_against(const char *dir,
    const struct medsec_audit_verify_options *opts,
    const struct medsec_audit_expect *expect, size_t nexpect,
    struct medsec_audit_verify_result *res)
{
	struct audit_vfailure f;
	struct vstate v;
	int r;

	memset(res, 0, sizeof(*res));
	if (dir == NULL || opts == NULL || (expect == NULL && nexpect > 0))
		return MEDSEC_ERR_INVALID;
	if ((r = vstate_init(&v, dir, opts, res)) != MEDSEC_OK)
		goto out;
	v.expect = expect;
	v.nexpect = nexpect;
	r = walk_segments(&v, dir);
	/* Whatever the walk concluded, an earlier bad record outranks it. */
	audit_vpool_finish(v.pool, &f);
	if (f.check != AUDIT_VCHECK_NONE)
		r = pool_failure(&v, &f);
	if (r == MEDSEC_OK) {
		res->head_seq = v.next_seq - 1;
		memcpy(res->head_chain, v.chain, AUDIT_CHAIN_LEN);
		res->epoch = v.epoch;
		res->state_generation = v.have_state ? v.state : 0;
	}
out:
	audit_vpool_free(v.pool);
	medsec_wipe(v.key, sizeof(v.key));
	return r;
}
