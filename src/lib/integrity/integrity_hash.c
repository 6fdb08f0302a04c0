/*
 * Hashing file content on all cores. The walk (one thread) opens and
 * checks each file and queues its descriptor; one worker per online CPU
 * takes descriptors off a bounded ring and hashes them with its own hash
 * context and read buffer. The ring bounds both memory and the number of
 * descriptors open at once.
 *
 * Files are read with read(2) into a 256 KiB buffer rather than mapped:
 * a mapped file that an attacker truncates during the check would raise
 * SIGBUS in the checker, while read(2) only returns short, which the size
 * check below reports as a change.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integrity/integrity_int.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

#define HASH_BUF (256u << 10)
#define RING 128

struct ihasher {
	struct medsec_hash_ctx *ctx;
	uint8_t *buf;
	size_t files;
	uint64_t bytes;
};

struct ijob {
	int fd;
	struct ientry *e;
};

struct ipool {
	pthread_mutex_t mu;
	pthread_cond_t can_take;
	pthread_cond_t can_put;
	struct ijob ring[RING];
	size_t head, count;
	int closing;
	int fatal;	/* first crypto library error */
	unsigned nthreads, started;
	pthread_t th[INTEGRITY_THREADS_MAX];
	struct ihasher *h[INTEGRITY_THREADS_MAX];
};

int
integrity_hasher_new(int alg, struct ihasher **hp)
{
	struct ihasher *h;
	int r;

	*hp = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((h->buf = malloc(HASH_BUF)) == NULL) {
		free(h);
		return MEDSEC_ERR_NOMEM;
	}
	if ((r = medsec_hash_new(alg, &h->ctx)) != MEDSEC_OK) {
		integrity_hasher_free(h);
		return r;
	}
	*hp = h;
	return MEDSEC_OK;
}

void
integrity_hasher_free(struct ihasher *h)
{
	if (h == NULL)
		return;
	medsec_hash_free(h->ctx);
	free(h->buf);
	free(h);
}

int
integrity_hash_fd(struct ihasher *h, int fd, struct ientry *e)
{
	uint64_t got = 0;
	ssize_t n;
	int r;

	/* A read-ahead hint only: reading works the same if it is refused. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((r = medsec_hash_reset(h->ctx)) != MEDSEC_OK)
		return r;
	for (;;) {
		n = read(fd, h->buf, HASH_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e->err = MEDSEC_ERR_IO;
			return MEDSEC_OK;
		}
		if (n == 0)
			break;
		got += (uint64_t)n;
		/* Grown since it was listed: stop reading, it has changed. */
		if (got > e->pub.size)
			break;
		if ((r = medsec_hash_update(h->ctx, h->buf, (size_t)n)) !=
		    MEDSEC_OK)
			return r;
	}
	h->files++;
	h->bytes += got;
	if (got != e->pub.size) {
		e->err = MEDSEC_ERR_STATE;
		return MEDSEC_OK;
	}
	if ((r = medsec_hash_final(h->ctx, e->pub.hash)) != MEDSEC_OK)
		return r;
	e->hashed = 1;
	return MEDSEC_OK;
}

/* Takes the next job; 0 when the pool is closing and the ring is empty. */
static int
take(struct ipool *p, struct ijob *job)
{
	int got = 0;

	pthread_mutex_lock(&p->mu);
	while (p->count == 0 && !p->closing)
		pthread_cond_wait(&p->can_take, &p->mu);
	if (p->count > 0) {
		*job = p->ring[p->head];
		p->head = (p->head + 1) % RING;
		p->count--;
		got = 1;
		pthread_cond_signal(&p->can_put);
	}
	pthread_mutex_unlock(&p->mu);
	return got;
}

static void
set_fatal(struct ipool *p, int r)
{
	pthread_mutex_lock(&p->mu);
	if (p->fatal == MEDSEC_OK)
		p->fatal = r;
	pthread_mutex_unlock(&p->mu);
}

struct worker_arg {
	struct ipool *pool;
	struct ihasher *h;
};

static void *
worker(void *arg)
{
	struct ipool *p = ((struct worker_arg *)arg)->pool;
	struct ihasher *h = ((struct worker_arg *)arg)->h;
	struct ijob job;
	int r;

	free(arg);
	while (take(p, &job)) {
		r = integrity_hash_fd(h, job.fd, job.e);
		close(job.fd);
		if (r != MEDSEC_OK)
			set_fatal(p, r);
	}
	return NULL;
}

static int
start_one(struct ipool *p, int alg)
{
	struct worker_arg *a;
	int r;

	if ((r = integrity_hasher_new(alg, &p->h[p->started])) != MEDSEC_OK)
		return r;
	if ((a = malloc(sizeof(*a))) == NULL)
		return MEDSEC_ERR_NOMEM;
	a->pool = p;
	a->h = p->h[p->started];
	if (pthread_create(&p->th[p->started], NULL, worker, a) != 0) {
		free(a);
		return MEDSEC_ERR_NOMEM;
	}
	p->started++;
	return MEDSEC_OK;
}

int
integrity_pool_start(int alg, unsigned nthreads, struct ipool **pp)
{
	struct ipool *p;
	int r = MEDSEC_OK;

	*pp = NULL;
	if (nthreads < 2 || nthreads > INTEGRITY_THREADS_MAX)
		return MEDSEC_ERR_INVALID;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return MEDSEC_ERR_NOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->can_take, NULL);
	pthread_cond_init(&p->can_put, NULL);
	p->nthreads = nthreads;
	while (p->started < nthreads && r == MEDSEC_OK)
		r = start_one(p, alg);
	if (r != MEDSEC_OK) {
		/*
		 * Joins the workers that did start. Nothing was submitted, so
		 * no worker can have an error of its own to report: the one
		 * that stopped the start is r.
		 */
		(void)integrity_pool_finish(p, NULL, NULL);
		return r;
	}
	*pp = p;
	return MEDSEC_OK;
}

int
integrity_pool_submit(struct ipool *p, int fd, struct ientry *e)
{
	int r;

	pthread_mutex_lock(&p->mu);
	while (p->count == RING && p->fatal == MEDSEC_OK)
		pthread_cond_wait(&p->can_put, &p->mu);
	r = p->fatal;
	if (r == MEDSEC_OK) {
		p->ring[(p->head + p->count) % RING].fd = fd;
		p->ring[(p->head + p->count) % RING].e = e;
		p->count++;
		pthread_cond_signal(&p->can_take);
	}
	pthread_mutex_unlock(&p->mu);
	if (r != MEDSEC_OK)
		close(fd);
	return r;
}

int
integrity_pool_finish(struct ipool *p, size_t *filesp, uint64_t *bytesp)
{
	unsigned i;
	int r;

	if (p == NULL)
		return MEDSEC_OK;
	pthread_mutex_lock(&p->mu);
	p->closing = 1;
	pthread_cond_broadcast(&p->can_take);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->started; i++)
		pthread_join(p->th[i], NULL);
	for (i = 0; i < p->nthreads; i++) {
		if (p->h[i] != NULL && filesp != NULL)
			*filesp += p->h[i]->files;
		if (p->h[i] != NULL && bytesp != NULL)
			*bytesp += p->h[i]->bytes;
		integrity_hasher_free(p->h[i]);
	}
	/* Jobs left behind by a fatal error still hold descriptors. */
	for (; p->count > 0; p->count--, p->head = (p->head + 1) % RING)
		close(p->ring[p->head].fd);
	r = p->fatal;
	pthread_cond_destroy(&p->can_put);
	pthread_cond_destroy(&p->can_take);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return r;
}

size_t
integrity_hasher_files(const struct ihasher *h)
{
	return h->files;
}

uint64_t
integrity_hasher_bytes(const struct ihasher *h)
{
	return h->bytes;
}
