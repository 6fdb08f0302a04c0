/*
 * The audit verifier's worker pool (see audit_verify_int.h). Batches go
 * round a fixed set: the verifier fills one, queues it, and waits for a
 * free one when all are queued or being checked, so memory is bounded by
 * the number of batches whatever the trail's length. A worker stops a
 * batch at its first failure and skips records later than the earliest
 * failure found so far: only that one is reported.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "audit/audit_verify_int.h"

#define NO_KEY 0xff
/* A checkpoint's signed statement (audit_checkpoint_message) fits. */
#define STATEMENT_MAX 128
/* The most one record takes of a batch's bytes. */
#define ITEM_BYTES_MAX \
	(AUDIT_CHAIN_LEN + AUDIT_REC_MAX + STATEMENT_MAX + MEDSEC_SIGN_LEN)

_Static_assert(AUDIT_VBATCH_KEYS < NO_KEY, "key index fits a byte");
_Static_assert(AUDIT_VBATCH_BYTES >= ITEM_BYTES_MAX, "a record fits");
_Static_assert(AUDIT_VBATCH_BYTES <= UINT32_MAX, "offsets fit 32 bits");

struct vitem {
	uint64_t seq, epoch, segno, offset;
	uint32_t at;	   /* the previous chain hash, then the record */
	uint32_t body_len; /* bytes of the record the chain hash covers */
	uint32_t sig_at;   /* checkpoint statement, then its signature */
	uint16_t msg_len;  /* statement length; 0: no signature */
	uint8_t key;	   /* index into the batch's keys, or NO_KEY */
};

struct vbatch {
	struct vbatch *next;
	struct vitem items[AUDIT_VBATCH_RECORDS];
	size_t n;
	uint8_t *bytes; /* AUDIT_VBATCH_BYTES, from malloc */
	size_t used;
	uint8_t keys[AUDIT_VBATCH_KEYS][AUDIT_MAC_LEN];
	uint64_t key_epoch[AUDIT_VBATCH_KEYS];
	size_t nkeys;
};

/* A worker's MAC context, keyed for one epoch at a time. */
struct vworker {
	struct medsec_hmac_ctx *mac;
	uint64_t mac_epoch;
};

struct audit_vpool {
	pthread_mutex_t lock;
	pthread_cond_t work;  /* a batch was queued, or the pool closes */
	pthread_cond_t space; /* a batch came back free */
	struct vbatch *all;   /* nbatches of them, from calloc */
	size_t nbatches;
	struct vbatch *free, *queue, *queue_tail;
	struct vbatch *filling; /* the verifier's, not on any list */
	pthread_t threads[AUDIT_VPOOL_THREADS_MAX];
	size_t nthreads;
	int closing, finished;
	struct vworker own;  /* checks on the caller's thread: no workers */
	uint64_t fail_seq;   /* lowest failed sequence number, atomic */
	struct audit_vfailure first;
	int sign_alg;
	const uint8_t *public_key;
	size_t public_key_len;
};

static int
worker_key(struct vworker *w, const struct vbatch *b, uint8_t k)
{
	if (w->mac != NULL && w->mac_epoch == b->key_epoch[k])
		return MEDSEC_OK;
	medsec_hmac_free(w->mac);
	w->mac = NULL;
	w->mac_epoch = b->key_epoch[k];
	return medsec_hmac_new(MEDSEC_ALG_HMAC_SHA256, b->keys[k],
	    AUDIT_MAC_LEN, &w->mac);
}

/* The checks of one record, in the order the sequential verifier runs them. */
static int
check_item(const struct audit_vpool *p, struct vworker *w,
    const struct vbatch *b, const struct vitem *it, int *codep)
{
	const uint8_t *link = b->bytes + it->at;
	const uint8_t *stored = link + AUDIT_CHAIN_LEN + it->body_len;
	const uint8_t *statement = b->bytes + it->sig_at;
	uint8_t sum[AUDIT_MAC_LEN];
	int check = AUDIT_VCHECK_ERROR;

	if ((*codep = medsec_hash(MEDSEC_ALG_SHA256, link,
		 AUDIT_CHAIN_LEN + it->body_len, sum)) != MEDSEC_OK)
		goto out;
	/* Chain hashes are public (anyone holding the trail computes them),
	 * so comparing them in variable time leaks nothing. */
	check = AUDIT_VCHECK_CHAIN;
	if (memcmp(sum, stored, AUDIT_CHAIN_LEN) != 0)
		goto out;
	if (it->key != NO_KEY) {
		check = AUDIT_VCHECK_ERROR;
		if ((*codep = worker_key(w, b, it->key)) != MEDSEC_OK ||
		    (*codep = medsec_hmac_ctx_mac(w->mac, stored,
			 AUDIT_CHAIN_LEN, sum)) != MEDSEC_OK)
			goto out;
		check = AUDIT_VCHECK_MAC;
		if (medsec_ct_equal(sum, stored + AUDIT_CHAIN_LEN,
			AUDIT_MAC_LEN) != 0)
			goto out;
	}
	check = AUDIT_VCHECK_SIGNATURE;
	if (it->msg_len != 0 && medsec_verify(p->sign_alg, p->public_key,
	    p->public_key_len, statement, it->msg_len,
	    statement + it->msg_len) != MEDSEC_OK)
		goto out;
	check = AUDIT_VCHECK_NONE;
out:
	medsec_wipe(sum, sizeof(sum));
	return check;
}

static void
record_failure(struct audit_vpool *p, const struct vitem *it, int check,
    int code)
{
	pthread_mutex_lock(&p->lock);
	if (p->first.check == AUDIT_VCHECK_NONE || it->seq < p->first.seq) {
		p->first.check = check;
		p->first.code = code;
		p->first.seq = it->seq;
		p->first.epoch = it->epoch;
		p->first.segno = it->segno;
		p->first.offset = it->offset;
		__atomic_store_n(&p->fail_seq, it->seq, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&p->lock);
}

static void
run_batch(struct audit_vpool *p, struct vworker *w, const struct vbatch *b)
{
	const struct vitem *it;
	int check, code;

	for (size_t i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (it->seq > __atomic_load_n(&p->fail_seq, __ATOMIC_RELAXED))
			return;
		code = MEDSEC_OK;
		if ((check = check_item(p, w, b, it, &code)) !=
		    AUDIT_VCHECK_NONE) {
			record_failure(p, it, check, code);
			return;
		}
	}
}

static void
batch_reset(struct vbatch *b)
{
	medsec_wipe(b->keys, sizeof(b->keys));
	b->n = 0;
	b->used = 0;
	b->nkeys = 0;
}

static void
give_back(struct audit_vpool *p, struct vbatch *b)
{
	batch_reset(b);
	pthread_mutex_lock(&p->lock);
	b->next = p->free;
	p->free = b;
	pthread_cond_signal(&p->space);
	pthread_mutex_unlock(&p->lock);
}

/* The next queued batch, or NULL once the pool closes and none is left. */
static struct vbatch *
take(struct audit_vpool *p)
{
	struct vbatch *b;

	pthread_mutex_lock(&p->lock);
	while (p->queue == NULL && !p->closing)
		pthread_cond_wait(&p->work, &p->lock);
	if ((b = p->queue) != NULL) {
		p->queue = b->next;
		if (p->queue == NULL)
			p->queue_tail = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	return b;
}

static void *
worker_main(void *arg)
{
	struct audit_vpool *p = arg;
	struct vworker w = { NULL, 0 };
	struct vbatch *b;

	while ((b = take(p)) != NULL) {
		run_batch(p, &w, b);
		give_back(p, b);
	}
	medsec_hmac_free(w.mac);
	return NULL;
}

static void
submit(struct audit_vpool *p)
{
	struct vbatch *b = p->filling;

	if (b == NULL)
		return;
	p->filling = NULL;
	if (p->nthreads == 0) {
		run_batch(p, &p->own, b);
		give_back(p, b);
		return;
	}
	b->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->queue_tail != NULL)
		p->queue_tail->next = b;
	else
		p->queue = b;
	p->queue_tail = b;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

static struct vbatch *
filling_batch(struct audit_vpool *p)
{
	struct vbatch *b;

	if (p->filling != NULL)
		return p->filling;
	pthread_mutex_lock(&p->lock);
	while (p->free == NULL)
		pthread_cond_wait(&p->space, &p->lock);
	b = p->free;
	p->free = b->next;
	pthread_mutex_unlock(&p->lock);
	b->next = NULL;
	p->filling = b;
	return b;
}

static int
needs_key_slot(const struct vbatch *b, const uint8_t *key, uint64_t epoch)
{
	return key != NULL &&
	    (b->nkeys == 0 || b->key_epoch[b->nkeys - 1] != epoch);
}

static int
batch_full(const struct vbatch *b, const uint8_t *key, uint64_t epoch)
{
	return b->n == AUDIT_VBATCH_RECORDS ||
	    b->used + ITEM_BYTES_MAX > AUDIT_VBATCH_BYTES ||
	    (b->nkeys == AUDIT_VBATCH_KEYS && needs_key_slot(b, key, epoch));
}

int
audit_vpool_add(struct audit_vpool *p, const uint8_t prev[AUDIT_CHAIN_LEN],
    const uint8_t *raw, const struct audit_rec *rec, uint64_t segno,
    uint64_t off, const uint8_t *key)
{
	struct vbatch *b;
	struct vitem *it;

	if (p == NULL || p->finished || rec->len > AUDIT_REC_MAX ||
	    rec->body_len + AUDIT_CHAIN_LEN + AUDIT_MAC_LEN != rec->len)
		return MEDSEC_ERR_INVALID;
	if (p->filling != NULL && batch_full(p->filling, key, rec->epoch))
		submit(p);
	b = filling_batch(p);
	if (needs_key_slot(b, key, rec->epoch)) {
		memcpy(b->keys[b->nkeys], key, AUDIT_MAC_LEN);
		b->key_epoch[b->nkeys++] = rec->epoch;
	}
	it = &b->items[b->n++];
	it->seq = rec->seq;
	it->epoch = rec->epoch;
	it->segno = segno;
	it->offset = off;
	it->at = (uint32_t)b->used;
	it->body_len = (uint32_t)rec->body_len;
	it->sig_at = 0;
	it->msg_len = 0;
	it->key = key != NULL ? (uint8_t)(b->nkeys - 1) : NO_KEY;
	memcpy(b->bytes + b->used, prev, AUDIT_CHAIN_LEN);
	memcpy(b->bytes + b->used + AUDIT_CHAIN_LEN, raw, rec->len);
	b->used += AUDIT_CHAIN_LEN + rec->len;
	return MEDSEC_OK;
}

int
audit_vpool_add_signature(struct audit_vpool *p, const uint8_t *msg,
    size_t msglen, const uint8_t sig[MEDSEC_SIGN_LEN])
{
	struct vbatch *b;
	struct vitem *it;

	if (p == NULL || (b = p->filling) == NULL || b->n == 0)
		return MEDSEC_ERR_STATE;
	if (msglen == 0 || msglen > STATEMENT_MAX)
		return MEDSEC_ERR_INVALID;
	/* batch_full() kept room for this when the record was added. */
	it = &b->items[b->n - 1];
	it->sig_at = (uint32_t)b->used;
	it->msg_len = (uint16_t)msglen;
	memcpy(b->bytes + b->used, msg, msglen);
	memcpy(b->bytes + b->used + msglen, sig, MEDSEC_SIGN_LEN);
	b->used += msglen + MEDSEC_SIGN_LEN;
	return MEDSEC_OK;
}

int
audit_vpool_failed(struct audit_vpool *p)
{
	return __atomic_load_n(&p->fail_seq, __ATOMIC_RELAXED) != UINT64_MAX;
}

void
audit_vpool_finish(struct audit_vpool *p, struct audit_vfailure *f)
{
	if (!p->finished) {
		submit(p);
		pthread_mutex_lock(&p->lock);
		p->closing = 1;
		pthread_cond_broadcast(&p->work);
		pthread_mutex_unlock(&p->lock);
		for (size_t i = 0; i < p->nthreads; i++)
			pthread_join(p->threads[i], NULL);
		p->nthreads = 0;
		p->finished = 1;
	}
	*f = p->first;
}

static size_t
thread_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	if (n > AUDIT_VPOOL_THREADS_MAX)
		return AUDIT_VPOOL_THREADS_MAX;
	return (size_t)n;
}

static int
batches_new(struct audit_vpool *p, size_t n)
{
	if ((p->all = calloc(n, sizeof(*p->all))) == NULL)
		return MEDSEC_ERR_NOMEM;
	p->nbatches = n;
	for (size_t i = 0; i < n; i++) {
		if ((p->all[i].bytes = malloc(AUDIT_VBATCH_BYTES)) == NULL)
			return MEDSEC_ERR_NOMEM;
		p->all[i].next = p->free;
		p->free = &p->all[i];
	}
	return MEDSEC_OK;
}

static int
sync_init(struct audit_vpool *p)
{
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		return MEDSEC_ERR_NOMEM;
	if (pthread_cond_init(&p->work, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		return MEDSEC_ERR_NOMEM;
	}
	if (pthread_cond_init(&p->space, NULL) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->lock);
		return MEDSEC_ERR_NOMEM;
	}
	return MEDSEC_OK;
}

int
audit_vpool_new(const struct medsec_audit_verify_options *opts,
    struct audit_vpool **poolp)
{
	struct audit_vpool *p;
	size_t want = thread_count();
	int r;

	*poolp = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = sync_init(p)) != MEDSEC_OK) {
		free(p);
		return r;
	}
	p->fail_seq = UINT64_MAX;
	p->first.check = AUDIT_VCHECK_NONE;
	p->sign_alg = opts->public_key_alg;
	p->public_key = opts->public_key;
	p->public_key_len = opts->public_key_len;
	/* Two batches per worker keep each busy while the next fills. */
	if ((r = batches_new(p, 2 * want + 1)) != MEDSEC_OK) {
		audit_vpool_free(p);
		return r;
	}
	/* Fewer threads than asked for only means slower: the checks are
	 * the same, and with none the caller's thread runs them. */
	while (p->nthreads < want && pthread_create(&p->threads[p->nthreads],
	    NULL, worker_main, p) == 0)
		p->nthreads++;
	*poolp = p;
	return MEDSEC_OK;
}

void
audit_vpool_free(struct audit_vpool *p)
{
	struct audit_vfailure ignored;

	if (p == NULL)
		return;
	/* Workers must be gone before their batches are freed; a result
	 * nobody asked for is not needed. */
	audit_vpool_finish(p, &ignored);
	for (size_t i = 0; p->all != NULL && i < p->nbatches; i++) {
		batch_reset(&p->all[i]);
		free(p->all[i].bytes);
	}
	free(p->all);
	medsec_hmac_free(p->own.mac);
	pthread_cond_destroy(&p->space);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
